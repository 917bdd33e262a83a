"""The read cache (nbtools.camtrapdp.cache): the same package with or without it, invalidated by any change."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nbtools.camtrapdp.package as package_module
from nbtools.camtrapdp import CamtrapDPError, read_camtrapdp
from nbtools.camtrapdp.cache import FORMAT, read_frame, write_frame
from nbtools.checksums import ChecksumError

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "data" / "leopard-study"
EXAMPLE = ROOT / "data" / "camtrap-dp-example"
REAL = ROOT / "tests" / "data" / "real" / "rowcliffe-rem-test"  # a real Agouti 0.1.6 export, upgraded on reading
TABLES = ("deployments", "media", "observations", "offsets")
OTHERS = ("metadata", "path", "utc_offset", "timezone", "timezone_choice", "upgraded_from")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NBTOOLS_CACHE", str(folder))
    return folder


def entries(cache: Path) -> list[Path]:
    folder = cache / f"camtrapdp-{FORMAT}"
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def assert_same(a, b) -> None:
    """Every table (dtypes, categories in order, index), the report and the other attributes are equal."""
    strict = dict(
        check_exact=True,
        check_index_type=True,
        check_column_type=True,
        check_categorical=True,
        check_freq=True,
        check_flags=True,
    )
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), **strict)
        assert getattr(a, name).index.name == getattr(b, name).index.name
    assert list(a.resources) == list(b.resources)
    for name in a.resources:
        pd.testing.assert_frame_equal(a.resources[name], b.resources[name], **strict)
    assert a.report.problems == b.report.problems
    assert a.report.rows_read == b.report.rows_read
    assert a.report.notes == b.report.notes
    assert list(a.report.set_aside) == list(b.report.set_aside)
    for name in a.report.set_aside:
        pd.testing.assert_frame_equal(a.report.set_aside[name], b.report.set_aside[name], **strict)
    for name in OTHERS:
        assert getattr(a, name) == getattr(b, name), name
    assert repr(a) == repr(b) and str(a.report) == str(b.report)


def no_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make reading a CSV file fail, so a read that succeeds came from the cache."""

    def refuse(*args, **kwargs):
        raise AssertionError("a CSV file was read: the cache was not used")

    monkeypatch.setattr(package_module, "read_text_table", refuse)


@pytest.mark.parametrize(
    ("path", "validate"),
    [(STUDY, False), (EXAMPLE, True), (EXAMPLE, False), (REAL, True)],
    ids=["default-study", "example", "example-unchecked", "real-agouti-0.1.6"],
)
def test_cached_read_equals_the_read_of_the_files(
    cache: Path, monkeypatch: pytest.MonkeyPatch, path: Path, validate: bool
) -> None:
    read = read_camtrapdp(path, validate=validate)  # read from the files (cold), and stored
    assert len(entries(cache)) == 1
    if path != STUDY:  # the default study is read once only (seconds): the cold read is the reader's own result
        assert_same(read_camtrapdp(path, validate=validate, cache=False), read)
    no_csv(monkeypatch)
    assert_same(read, read_camtrapdp(path, validate=validate))  # from the cache (warm)
    if path == REAL:
        assert read.upgraded_from is not None and read.report.problems


def test_frames_keep_their_dtypes_exactly(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "category": pd.Categorical(["b", None, "b"], categories=["c", "b", "a"]),  # unused categories, order
            "ordered": pd.Categorical(["low", "high", "low"], categories=["low", "high"], ordered=True),
            "Int64": pd.array([1, None, 3], dtype="Int64"),
            "boolean": pd.array([True, None, False], dtype="boolean"),
            "string": pd.array(["x", None, "z"], dtype="string"),
            "str": pd.Series(["x", None, "z"], dtype="str"),
            "utc": pd.to_datetime(
                ["2020-01-01T00:00:00.000000001Z", None, "2021-06-01T12:00:00Z"], utc=True, format="ISO8601"
            ).astype("datetime64[ns, UTC]"),
            "float": [1.5, np.nan, -0.0],
            "int": np.array([1, 2, 3], dtype="int64"),
            "object": pd.Series(["a", None, "c"], dtype=object),
        },
        index=pd.Index([2, 5, 9], name="row"),
    )
    empty = pd.DataFrame(columns=["table", "file"])
    ranged = frame.reset_index(drop=True)
    for number, original in enumerate([frame, empty, ranged, frame.iloc[:0]]):
        spec = write_frame(original, tmp_path / f"{number}.parquet")
        json.dumps(spec)  # all plain data
        back = read_frame(tmp_path, spec)
        pd.testing.assert_frame_equal(original, back, check_exact=True, check_index_type=True, check_column_type=True)
        assert type(back.index) is type(original.index) and back.index.name == original.index.name
        for column in original.columns:
            assert back[column].dtype == original[column].dtype, column
    assert list(read_frame(tmp_path, write_frame(frame, tmp_path / "c.parquet"))["category"].cat.categories) == [
        "c",
        "b",
        "a",
    ]


def test_a_changed_cell_is_seen(cache: Path, edit_cell) -> None:
    folder = edit_cell("observations.csv", 2, "count", "1")
    before = read_camtrapdp(folder)
    edit_cell("observations.csv", 2, "count", "7")
    after = read_camtrapdp(folder)
    assert before.observations["count"].iloc[0] == 1 and after.observations["count"].iloc[0] == 7
    assert len(entries(cache)) == 1  # the newer entry replaced the older one of the same folder and options
    edit_cell("observations.csv", 2, "count", "-3")  # against the schema's minimum: a new problem
    assert len(read_camtrapdp(folder).report.errors) == len(before.report.errors) + 1


def test_options_are_part_of_the_key(cache: Path, example_copy: Path) -> None:
    unchecked = read_camtrapdp(example_copy, validate=False)
    checked = read_camtrapdp(example_copy)
    zoned = read_camtrapdp(example_copy, timezone="UTC")
    assert len(entries(cache)) == 3
    assert zoned.timezone == "UTC" and checked.timezone == unchecked.timezone == "Europe/Brussels"


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example_copy: Path) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("NBTOOLS_CACHE", str(cache))
    read_camtrapdp(example_copy, cache=False)
    assert not cache.exists()
    monkeypatch.setenv("NBTOOLS_CACHE", "off")
    read_camtrapdp(example_copy)
    read_camtrapdp(example_copy, cache=True)  # True asks for the cache where there is one; "off" has none
    assert not cache.exists()


def test_entries_are_json_and_parquet_only(cache: Path, example_copy: Path) -> None:
    read_camtrapdp(example_copy)
    (entry,) = entries(cache)
    suffixes = {p.suffix for p in entry.iterdir()}
    assert suffixes == {".json", ".parquet"}
    assert json.loads((entry / "entry.json").read_text(encoding="utf-8"))["format"] == FORMAT
    assert not any(b"pickle" in p.read_bytes() for p in entry.glob("*.json"))


@pytest.mark.parametrize("damage", ["truncate-parquet", "flip-parquet", "garbage-json", "missing-file"])
def test_a_damaged_entry_is_ignored_and_rewritten(
    cache: Path, monkeypatch: pytest.MonkeyPatch, example_copy: Path, damage: str
) -> None:
    first = read_camtrapdp(example_copy)
    (entry,) = entries(cache)
    parquet = sorted(entry.glob("*.parquet"))[2]  # the observations
    if damage == "truncate-parquet":
        parquet.write_bytes(parquet.read_bytes()[:100])
    elif damage == "flip-parquet":
        data = bytearray(parquet.read_bytes())
        data[len(data) // 2] ^= 0xFF
        parquet.write_bytes(bytes(data))
    elif damage == "garbage-json":
        (entry / "entry.json").write_text("{not json", encoding="utf-8")
    else:
        parquet.unlink()
    again = read_camtrapdp(example_copy)
    assert_same(first, again)
    (rewritten,) = entries(cache)
    no_csv(monkeypatch)
    assert_same(first, read_camtrapdp(example_copy))  # the entry was written again, whole
    assert not list((cache / f"camtrapdp-{FORMAT}").glob(".*"))  # no temporary folders left behind


def test_strict_raises_from_the_cache_too(cache: Path, edit_cell) -> None:
    folder = edit_cell("observations.csv", 2, "count", "-3")
    with pytest.raises(CamtrapDPError) as cold:
        read_camtrapdp(folder, strict=True)
    with pytest.raises(CamtrapDPError) as warm:
        read_camtrapdp(folder, strict=True)
    assert str(cold.value) == str(warm.value) and cold.value.problems == warm.value.problems
    assert len(entries(cache)) == 1


def test_checksums_are_checked_on_a_cached_read(cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "package"
    shutil.copytree(EXAMPLE, folder)  # with its SHA256SUMS
    read_camtrapdp(folder)
    sums = folder / "SHA256SUMS"
    lines = sums.read_text(encoding="utf-8").splitlines()
    changed = [("0" * 64 + line[64:]) if line.endswith("media.csv") else line for line in lines]
    assert changed != lines
    sums.write_text("\n".join(changed) + "\n", encoding="utf-8")
    with pytest.raises(ChecksumError, match="media.csv"):
        read_camtrapdp(folder)  # same key (the data did not change), but the record says otherwise
    with pytest.raises(ChecksumError, match="media.csv"):
        read_camtrapdp(folder, cache=False)


def test_two_processes_writing_at_once(cache: Path, example_copy: Path) -> None:
    code = (
        "import sys; from nbtools.camtrapdp import read_camtrapdp; "
        "p = read_camtrapdp(sys.argv[1]); print(len(p.observations), len(p.report.problems))"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code, str(example_copy)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert len(set(outputs)) == 1 and outputs[0].split()[0] == "549"
    assert len(entries(cache)) == 1
    assert not list((cache / f"camtrapdp-{FORMAT}").glob(".*"))
    assert_same(read_camtrapdp(example_copy, cache=False), read_camtrapdp(example_copy))


def test_the_catalog_and_study_read_through_the_cache(cache: Path) -> None:
    from nbtools.catalog import open_catalog
    from nbtools.readers import _cached_package
    from nbtools.study import Study

    _cached_package.cache_clear()  # the readers' in-process memo
    study = Study.from_catalog(open_catalog("camtrap_dp_example"))
    assert len(entries(cache)) == 1
    _cached_package.cache_clear()
    again = Study.from_catalog(open_catalog("camtrap_dp_example"))
    for name in ("deployments", "media", "observations", "individuals"):
        pd.testing.assert_frame_equal(getattr(study, name), getattr(again, name), check_exact=True)
    _cached_package.cache_clear()


def test_a_file_changed_during_the_read_is_not_stored(cache: Path, monkeypatch: pytest.MonkeyPatch, edit_cell) -> None:
    folder = edit_cell("observations.csv", 2, "count", "1")
    original = package_module.convert_columns
    changed = []

    def convert_then_edit(*args, **kwargs):
        if not changed:  # another program saves the file while the tables are being typed
            changed.append(edit_cell("observations.csv", 2, "count", "5"))
        return original(*args, **kwargs)

    monkeypatch.setattr(package_module, "convert_columns", convert_then_edit)
    read_camtrapdp(folder)
    assert changed and entries(cache) == []
    monkeypatch.setattr(package_module, "convert_columns", original)
    assert read_camtrapdp(folder).observations["count"].iloc[0] == 5


BAD = sorted(p.parent for p in (ROOT / "tests" / "data" / "bad").glob("*/datapackage.json"))


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_every_bad_input_comes_back_the_same(cache: Path, monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Problems, rows set aside, odd dtypes: whatever a package holds, its cached copy holds the same;
    a package that cannot be read raises the same error with the cache, and nothing is stored."""
    try:
        read = read_camtrapdp(path)
    except (CamtrapDPError, ChecksumError) as error:
        with pytest.raises(type(error)) as uncached:
            read_camtrapdp(path, cache=False)
        assert str(uncached.value) == str(error) and entries(cache) == []
        return
    assert len(entries(cache)) == 1
    no_csv(monkeypatch)
    assert_same(read, read_camtrapdp(path))
