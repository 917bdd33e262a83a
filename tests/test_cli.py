"""The command line (nbtools.cli): every command, cheaply; ``convert`` read back by dask."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from nbtools import cli
from nbtools.camtrapdp import read_camtrapdp

ROOT = Path(__file__).resolve().parents[1]
VALID = ROOT / "tests" / "data" / "bad" / "00_valid"
BAD = ROOT / "tests" / "data" / "bad"


def _generated(folder: Path, rows: int) -> Path:
    spec = importlib.util.spec_from_file_location("read_memory", ROOT / "benchmarks" / "read_memory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_package(folder, rows)
    return folder


def _an_invalid_package() -> Path:
    """A package of the bad-input corpus that reads with errors (not one that cannot be read at all)."""
    for folder in sorted(BAD.iterdir()):
        if not (folder / "datapackage.json").is_file():
            continue
        try:
            if read_camtrapdp(folder, cache=False).report.errors:
                return folder
        except Exception:  # noqa: BLE001 -- unreadable packages are not what this test needs
            continue
    raise AssertionError("no package with errors in tests/data/bad")


def test_parser_knows_every_command() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["simulate", "out", "--seed", "7"]).seed == 7
    years = parser.parse_args(["simulate-years", "out"])
    assert (years.seed, years.seasons, years.quiet) == (20141101, 6, False)
    assert parser.parse_args(["large", "out", "--rows", "1e6"]).rows == 1_000_000
    args = parser.parse_args(["convert", "pkg", "out"])
    assert (args.partition_by, args.quiet, args.overwrite) == ("month", False, False)
    assert parser.parse_args(["validate", "pkg", "--batches"]).batches
    with pytest.raises(SystemExit):
        parser.parse_args(["convert", "pkg", "out", "--partition-by", "year"])
    with pytest.raises(SystemExit):
        parser.parse_args(["large", "out", "--rows", "-5"])


def test_console_script_runs() -> None:
    """The ``nbtools`` console script an install makes (pyproject's [project.scripts])."""
    script = ROOT / ".venv" / "bin" / "nbtools"
    if not script.exists():
        pytest.skip("no console script in .venv (package not installed)")
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    for command in ("simulate", "validate", "convert", "report", "large"):
        assert command in out.stdout


def test_validate_exit_status_and_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(VALID)]) == 0
    whole = capsys.readouterr().out
    assert cli.main(["validate", str(VALID / "datapackage.json"), "--batches"]) == 0
    assert capsys.readouterr().out == whole
    invalid = _an_invalid_package()
    assert cli.main(["validate", str(invalid)]) == 1
    assert "error" in capsys.readouterr().out.lower()
    assert cli.main(["validate", str(BAD / "01_missing_datapackage")]) == 1
    assert "cannot be read" in capsys.readouterr().err


@pytest.mark.parametrize("partition_by", ["month", "deploymentID"])
def test_convert_dask_reads_back_the_same_rows(tmp_path: Path, partition_by: str, capsys) -> None:
    import dask.dataframe as dd

    package = _generated(tmp_path / "pkg", 3_000)
    out = tmp_path / "out"
    assert cli.main(["convert", str(package), str(out), "--partition-by", partition_by, "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    full = read_camtrapdp(package, cache=False)
    manifest = json.loads((out / "conversion.json").read_text())
    assert manifest["rows"] == {name: len(table) for name, table in full.tables().items()}
    assert manifest["errors"] == len(full.report.errors)
    assert (out / "report.txt").read_text().strip() == str(full.report).strip()
    for name in ("media", "observations"):
        frame = dd.read_parquet(out / name).compute().sort_values("row").set_index("row")
        expected = full.tables()[name]
        assert len(frame) == len(expected)
        assert frame.index.tolist() == expected.index.tolist()
        for column in expected.columns:
            got, want = frame[column], expected[column]
            if isinstance(want.dtype, pd.CategoricalDtype):
                want = want.astype("string")
            if column == partition_by:
                got = got.astype(str).where(got.astype(str) != "unknown")
                want = want.astype(object)
            pd.testing.assert_series_equal(got, want, check_names=False, check_dtype=False, check_categorical=False)
    deployments = pd.read_parquet(out / "deployments.parquet").set_index("row")
    assert deployments.index.tolist() == full.deployments.index.tolist()


def test_convert_refuses_a_folder_in_use_and_prints_a_summary(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert cli.main(["convert", str(VALID), str(out), "--quiet"]) == 1
    assert "not empty" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "mine"
    assert cli.main(["convert", str(VALID), str(out), "--overwrite", "--quiet"]) == 0
    assert not (out / "keep.txt").exists()
    assert cli.main(["convert", str(VALID), str(tmp_path / "new")]) == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed and "observations" in printed and "Parquet files" in printed


def test_simulate_and_large_call_their_writers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    """The wiring of the two writers (their own tests run them in full): arguments passed, summary printed."""
    import nbtools.simulate as simulate
    import nbtools.simulate.large as large

    calls: dict[str, dict] = {}

    class Simulated:
        truth = {"realised": {"deployments": 2, "media": 3, "observations": 4}}
        out_dir = tmp_path
        elapsed_s = 0.5
        paths = {"a": tmp_path / "a.txt"}

    (tmp_path / "a.txt").write_text("x")

    def fake_simulate(out_dir, seed, progress):  # noqa: ANN001, ANN202
        calls["simulate"] = {"out_dir": out_dir, "seed": seed, "progress": progress}
        return Simulated()

    class Large:
        n, files, bytes, out_dir, elapsed_s = 10, ["f"], 100, tmp_path, 1.0

    def fake_large(out_dir, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls["large"] = {"out_dir": out_dir, **kwargs}
        return Large()

    monkeypatch.setattr(simulate, "simulate_study", fake_simulate)
    monkeypatch.setattr(large, "write_large_detections", fake_large)
    assert cli.main(["simulate", str(tmp_path / "s"), "--seed", "3"]) == 0
    assert calls["simulate"] == {"out_dir": tmp_path / "s", "seed": 3, "progress": True}
    assert "2 deployments, 3 media, 4 observations" in capsys.readouterr().out
    assert cli.main(["large", str(tmp_path / "l"), "--rows", "10", "--partition-rows", "5", "--quiet"]) == 0
    assert calls["large"]["n"] == 10 and calls["large"]["partition_rows"] == 5 and calls["large"]["progress"] is False
    assert capsys.readouterr().out == ""


def test_simulate_years_calls_its_writer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    """The multi-year writer's wiring (tests/test_leopard_years.py runs it in full)."""
    import nbtools.simulate as simulate

    calls: dict[str, dict] = {}

    class Simulated:
        truth = {"seasons": [{"leopards_at_start": {"adults": 59}}, {"leopards_at_start": {"adults": 69}}]}
        out_dir = tmp_path
        elapsed_s = 0.5
        paths = {"a": tmp_path / "a.txt"}

    (tmp_path / "a.txt").write_text("x")

    def fake_years(out_dir, seed, seasons, progress):  # noqa: ANN001, ANN202
        calls["years"] = {"out_dir": out_dir, "seed": seed, "seasons": seasons, "progress": progress}
        return Simulated()

    monkeypatch.setattr(simulate, "simulate_years", fake_years)
    assert cli.main(["simulate-years", str(tmp_path / "y"), "--seasons", "2"]) == 0
    assert calls["years"] == {"out_dir": tmp_path / "y", "seed": 20141101, "seasons": 2, "progress": True}
    assert "2 seasons, adult leopards at the seasons' starts [59, 69]" in capsys.readouterr().out
    assert cli.main(["simulate-years", str(tmp_path / "y"), "--quiet"]) == 0
    assert calls["years"]["progress"] is False and capsys.readouterr().out == ""


def test_report_without_notebooks(tmp_path: Path, capsys) -> None:
    assert cli.main(["report", str(tmp_path), "--out", str(tmp_path / "reports")]) == 1
    assert "no notebooks found" in capsys.readouterr().err
