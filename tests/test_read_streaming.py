"""Validation in record batches (nbtools.camtrapdp.stream, issue 18 point 3): the same findings, bounded memory."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbtools.camtrapdp import CamtrapDPError, read_camtrapdp, validate_camtrapdp
from nbtools.camtrapdp import stream as streaming
from nbtools.camtrapdp.keys import KeyIndex
from nbtools.checksums import ChecksumError

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
REAL = ROOT / "tests" / "data" / "real"

#: Small record batches (bytes of CSV), so that every table of the corpus is read in several batches.
SMALL_BLOCK = 4096

#: Record batches of the memory test (bytes of CSV): about 45,000 observation rows.
BATCH_BYTES = 8 << 20


def _findings(report) -> list[tuple]:
    return sorted(
        (p.severity, p.file, -1 if p.row is None else p.row, p.field or "", str(p.value), p.message, p.check)
        for p in report.problems
    )


def _packages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if (p / "datapackage.json").is_file())


def _same_report(path: Path, block_bytes: int = SMALL_BLOCK) -> None:
    try:
        full = read_camtrapdp(path, cache=False).report
    except (CamtrapDPError, ChecksumError) as error:
        with pytest.raises(type(error)) as raised:
            validate_camtrapdp(path, block_bytes=block_bytes)
        assert str(raised.value) == str(error)
        return
    report = validate_camtrapdp(path, block_bytes=block_bytes)
    assert _findings(report) == _findings(full), path.name
    assert report.rows_read == full.rows_read
    assert report.notes == full.notes
    assert set(report.set_aside) == set(full.set_aside)
    for file, aside in full.set_aside.items():
        pd.testing.assert_frame_equal(report.set_aside[file], aside, check_dtype=False, check_index_type=False)


@pytest.mark.parametrize("package", _packages(BAD), ids=lambda p: p.name)
def test_bad_corpus_same_findings_in_batches(package: Path) -> None:
    """Every package of the bad-input corpus: the findings of the whole read, or the same error."""
    _same_report(package)


@pytest.mark.parametrize("package", _packages(REAL), ids=lambda p: p.name)
def test_real_exports_same_findings_in_batches(package: Path) -> None:
    _same_report(package, block_bytes=16_384)


def test_corpus_is_streamed_not_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above is of the batch path: tables read whole (the fallback) are the exception."""
    whole: list[str] = []
    original = streaming.read_core_table

    def counting(root, resource, name, *args, **kwargs):  # noqa: ANN001, ANN202
        if name != "deployments":
            whole.append(name)
        return original(root, resource, name, *args, **kwargs)

    monkeypatch.setattr(streaming, "read_core_table", counting)
    readable, read_whole = 0, []
    for package in _packages(BAD):
        whole.clear()
        try:
            validate_camtrapdp(package, block_bytes=SMALL_BLOCK)
        except (CamtrapDPError, ChecksumError):  # the whole-table reader raised, naming the file (and row)
            continue
        readable += 1
        read_whole += [f"{package.name}/{name}" for name in whole]
    assert readable >= 40
    assert len(read_whole) <= 4, read_whole  # rows with too many cells, ...


def test_keys_repeated_across_batches_are_set_aside(tmp_path: Path) -> None:
    """A primary key repeated many batches later is set aside naming its first row, as a whole read does."""
    package = _generated(tmp_path, rows=3_000)
    observations = tmp_path / "pkg" / "observations.csv"
    with observations.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    column = records[0].index("observationID")
    records[2_900][column] = records[5][column]  # row 2,901 repeats the key of row 6
    with observations.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(records)
    full = read_camtrapdp(package, cache=False).report
    assert any(p.check == "primary-key" and p.row == 2_901 and "repeats row 6" in p.message for p in full.problems)
    _same_report(package, block_bytes=SMALL_BLOCK)


def test_read_keep_false_keeps_only_the_report(tmp_path: Path) -> None:
    package = _generated(tmp_path, rows=2_000)
    full = read_camtrapdp(package, cache=False)
    light = read_camtrapdp(package, keep=False)
    assert len(light.observations) == 0 and len(light.media) == 0
    assert list(light.observations.columns) == list(full.observations.columns)
    assert light.observations.dtypes.equals(full.observations.dtypes)
    pd.testing.assert_frame_equal(light.deployments, full.deployments)
    assert _findings(light.report) == _findings(full.report)
    assert light.report.rows_read == full.report.rows_read
    assert light.timezone == full.timezone


def test_key_index() -> None:
    index = KeyIndex()
    index.add(pd.Series(["a", "b", None, "a"]), np.array([2, 3, 4, 5]))
    assert index.first_rows(pd.Series(["b", "c", None, "a"], dtype="string")).tolist() == [3, -1, -1, 2]
    index.add(pd.Series(["c", "a"]), np.array([9, 10]), np.array([7, 8]))
    assert len(index) == 3
    assert index.first_rows(pd.Series(["a", "c"])).tolist() == [2, 9]
    assert index.payload[index.positions(pd.Series(["c"]))].tolist() == [7]


# --------------------------------------------------------------------------------------------- memory
def _read_memory_module():
    spec = importlib.util.spec_from_file_location("read_memory", ROOT / "benchmarks" / "read_memory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generated(tmp_path: Path, rows: int) -> Path:
    folder = tmp_path / "pkg"
    _read_memory_module().build_package(folder, rows)
    return folder


_CHILD = """
import json, resource, sys, time
from nbtools.camtrapdp import validate_camtrapdp, read_camtrapdp
read_camtrapdp(sys.argv[3], cache=False)  # the imports and first-use costs, on the small template package
def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
before = rss()
begin = time.perf_counter()
if sys.argv[4] == "whole":
    report = read_camtrapdp(sys.argv[1], cache=False).report
else:
    report = validate_camtrapdp(sys.argv[1], block_bytes=int(sys.argv[2]))
seconds = time.perf_counter() - begin
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"before": before, "peak": peak, "seconds": seconds, "errors": len(report.errors),
                  "rows": report.rows_read}))
"""


def _peak_above_imports(package: Path, block_bytes: int, mode: str = "batches") -> dict:
    template = ROOT / "tests" / "data" / "bad" / "00_valid"
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(package), str(block_bytes), str(template), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["above"] = result["peak"] - result["before"]
    return result


@pytest.mark.slow
def test_memory_bounded_by_the_batch_not_the_table(tmp_path: Path) -> None:
    """Peak memory of validate_camtrapdp grows far less than the data a whole read holds.

    150,000 and 600,000 generated observation rows (26 and 105 MB of CSV), record batches of 8 MiB, each run
    in its own process, peak RSS above the imports. Measured on the 2-core machine: a whole read
    (read_camtrapdp) of 150,000 rows peaks about 1 KB a row above the imports; validate_camtrapdp about
    190 MB at 150,000 rows and 235 MB at 600,000, i.e. about 100-150 bytes a row more (the compact key index,
    20 bytes a row, and what the allocators keep). Asserted: the batches' peak grows by at most a quarter of
    what a whole read holds for the rows added.
    """
    small, large = 150_000, 600_000
    sizes, runs = {}, {}
    for rows in (small, large):
        folder = tmp_path / f"rows{rows}"
        _read_memory_module().build_package(folder, rows)
        sizes[rows] = (folder / "observations.csv").stat().st_size
        runs[rows] = _peak_above_imports(folder, BATCH_BYTES)
        assert runs[rows]["errors"] == 0
        assert runs[rows]["rows"]["observations.csv"] == rows
    whole = _peak_above_imports(tmp_path / f"rows{small}", BATCH_BYTES, mode="whole")
    whole_per_row = whole["above"] / small
    growth = runs[large]["above"] - runs[small]["above"]
    print(
        f"\nwhole read of {small:,} rows: peak {whole['above'] / 1e6:.0f} MB above imports "
        f"({whole_per_row:.0f} B/row), {whole['seconds']:.1f} s\n"
        f"validate_camtrapdp, 8 MiB batches: {small:,} rows ({sizes[small] / 1e6:.0f} MB CSV) peak "
        f"{runs[small]['above'] / 1e6:.0f} MB, {runs[small]['seconds']:.1f} s; {large:,} rows "
        f"({sizes[large] / 1e6:.0f} MB) peak {runs[large]['above'] / 1e6:.0f} MB, {runs[large]['seconds']:.1f} s; "
        f"growth {growth / 1e6:.0f} MB ({growth / (large - small):.0f} B/row) for {large - small:,} more rows"
    )
    assert growth <= 0.25 * whole_per_row * (large - small)
