"""The column-wise schema checks give the findings frictionless's row checks give (frictionless as the oracle).

``read_camtrapdp`` checks the core tables against their Table Schemas column by column
(:mod:`nbtools.camtrapdp.constraints`). Here frictionless, run through
:func:`nbtools.camtrapdp.oracle.check_tables_with_frictionless` (kept for this purpose), checks the same files
row by row, and the two must report the same findings: the same (file, row, field, check), and on the corpus
the same cell text and message as well. Three sources of cases:

- the whole bad-input corpus ``tests/data/bad/`` (and the official example);
- the fuzz corpus: the cell- and byte-level damage of ``tests/test_fuzz.py`` to each table;
- a property test that writes, into a valid package, cell-level violations of each constraint of each field
  of the official schemas (required, type and format, enum, pattern, minimum, maximum), chosen near the edges
  where a vectorised check could part from Python's rules (``+5``, ``1_000``, ``1e-999``, ``-0``, ``inf``,
  one-digit date fields, ``+23:59``, a lower-case ``t``, a trailing line break before a pattern's ``$``).

Differences on purpose (each test skips exactly these, and says so):

1. **Repeated header labels.** frictionless refuses the whole table ("matching fields by name requires unique
   labels"); the reader reports the repeated label (``duplicate-label``) and checks the first column of each
   label. The reader never ran frictionless on such a table either.
2. **Rows with more cells than the header.** The reader sets them aside whole (``extra-cell``, with their raw
   text); frictionless also type-checks their first cells. Their cells are not compared.
3. **Files the two CSV parsers split differently.** frictionless reads with Python's ``csv`` module, the
   reader with pandas' C parser; on a damaged file (a stray quote inside a cell, a bare carriage return) they
   can disagree on the cells themselves. Cases whose cells differ between the two parsers are not compared:
   the disagreement is about reading the file, not about checking a cell.
4. **``sNaN`` in a number field with a range.** Python's ``Decimal("sNaN")`` is a signalling NaN: comparing it
   raises, and frictionless's range check lets ``decimal.InvalidOperation`` escape (the frictionless-based reader
   crashed on such a cell). The column-wise check reports it as breaking the range, as it does any NaN.
5. **Files frictionless cannot open as a table** (its own reading stops with an error about the file, such as
   a damaged header it cannot match by name): the reader reads what it can and checks it; there is nothing of
   frictionless's to compare with.

Hypothesis runs derandomized when ``CI`` is set (no hypothesis profile exists in this project; the setting is
per test here), so CI sees the same examples every run; failing examples found are pinned with ``@example``.
"""

from __future__ import annotations

import csv
import decimal
import gzip
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from nbtools.camtrapdp import CamtrapDPError, read_camtrapdp
from nbtools.camtrapdp.constraints import SCHEMA_CHECKS, check_cells
from nbtools.camtrapdp.oracle import check_tables_with_frictionless
from nbtools.camtrapdp.package import (
    _dialect,
    _primary_key,
    _read_descriptor,
    _resource_schema,
    _resources_by_name,
    resource_path,
)
from nbtools.camtrapdp.report import ValidationReport
from nbtools.camtrapdp.schemas import CORE_TABLES, package_version, table_schema
from nbtools.camtrapdp.tables import read_text_table
from nbtools.camtrapdp.validate import deduplicate

CORPUS = Path(__file__).parent / "data" / "bad"
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "camtrap-dp-example"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
BASE = CORPUS / "00_valid"
CI = bool(os.environ.get("CI"))

#: The checks of frictionless's row checks that the column-wise checks make.
ROW_CHECKS = {"type-error", "constraint-error"}
#: frictionless's findings that it could not read a table at all (difference 5).
FILE_LEVEL = {"frictionless", "source-error", "format-error", "encoding-error", "scheme-error", "general-error"}


# --- the two checks on one package ---------------------------------------------------------------


def _tables(folder: Path) -> dict[str, tuple[str, dict[str, Any], dict[str, Any] | None]]:
    root, descriptor = _read_descriptor(folder)
    declared = _resources_by_name(descriptor)
    out = {}
    for name in CORE_TABLES:
        resource = declared[name]
        file = resource_path(resource, name)
        out[name] = (
            file,
            _resource_schema(root, resource, name, package_version(descriptor)),
            _dialect(resource, file),
        )
    return out


def _python_csv_cells(path: Path, dialect: dict[str, Any] | None) -> list[list[str]]:
    """The file's records as Python's csv module (frictionless's parser) splits them."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    text = data.decode("utf-8-sig")
    options = {"delimiter": (dialect or {}).get("delimiter", ","), "quotechar": (dialect or {}).get("quoteChar", '"')}
    return list(csv.reader(io.StringIO(text, newline=""), **options))


def _same_cells(cells, path: Path, dialect: dict[str, Any] | None) -> bool:
    """Whether the reader's cells are the cells Python's csv module reads (difference 3)."""
    try:
        records = _python_csv_cells(path, dialect)
    except (csv.Error, UnicodeDecodeError, OSError, EOFError, gzip.BadGzipFile):
        return False
    if not records or records[0] != list(cells.columns):
        return False
    width = len(records[0])
    body = [r + [""] * (width - len(r)) for r in records[1:] if len(r) <= width]
    rows = [r for r in cells.itertuples(index=False, name=None)]
    return body == [list(r) for r in rows]


def findings(folder: Path) -> tuple[set[tuple], set[tuple]] | None:
    """(file, row, field, check, value, message) of the column-wise checks and of frictionless, or None.

    None when the package cannot be read (a ``CamtrapDPError``: neither check runs) or a table falls under
    difference 3. Tables with repeated labels (difference 1) and rows with too many cells (difference 2) are
    left out of both sides.
    """
    try:
        tables = _tables(folder)
        ours, oracle = ValidationReport(), ValidationReport()
        compared, too_long_rows = {}, set()
        for name, (file, schema, dialect) in tables.items():
            cells, too_long = read_text_table(folder / file, file, dialect)
            if cells.attrs.get("duplicate_labels"):
                continue  # difference 1
            if not _same_cells(cells, folder / file, dialect):
                return None  # difference 3
            too_long_rows |= {(file, int(row)) for row in too_long.index}  # difference 2
            check_cells(cells, schema, file, ours, primary_key=_primary_key(schema))
            compared[name] = (file, schema, dialect)
    except CamtrapDPError:
        return None
    try:
        check_tables_with_frictionless(folder, compared, oracle)
    except decimal.InvalidOperation:  # difference 4
        oracle = None

    def keyed(report: ValidationReport) -> set[tuple]:
        return {
            (p.file, p.row, p.field, p.check, p.value, p.message)
            for p in report.problems
            if p.check in ROW_CHECKS and (p.file, p.row) not in too_long_rows
        }

    if oracle is not None and any(p.check in FILE_LEVEL for p in oracle.problems):
        return None  # difference 5
    if oracle is None:
        assert any(p[4] == "sNaN" and p[3] == "constraint-error" for p in keyed(ours))
        return None
    return keyed(ours), keyed(oracle)


def assert_same(folder: Path, details: bool = True, in_hypothesis: bool = False) -> tuple[set, set] | None:
    found = findings(folder)
    if in_hypothesis:  # the share of cases compared: pytest --hypothesis-show-statistics
        event("not compared (differences 3-5)" if found is None else "compared")
    if found is None:
        return None
    ours, oracle = found
    if not details:
        ours, oracle = {p[:4] for p in ours}, {p[:4] for p in oracle}
    assert ours == oracle, (
        f"only column-wise: {sorted(ours - oracle, key=str)[:5]}; only frictionless: {sorted(oracle - ours, key=str)[:5]}"
    )
    return found


# --- the corpus ------------------------------------------------------------------------------------

READABLE = [e["package"] for e in MANIFEST["packages"] if e["outcome"] != "error"]


@pytest.mark.parametrize("package", READABLE)
def test_corpus_findings_equal_frictionless(package: str) -> None:
    """Same row, field, check, cell text and message as frictionless on every readable corpus package."""
    assert assert_same(CORPUS / package) is not None


def test_official_example_has_no_finding_by_either() -> None:
    assert assert_same(EXAMPLE) == (set(), set())


def test_repeated_labels_are_refused_by_frictionless_and_checked_by_us() -> None:
    """Difference 1, shown on the corpus package with ``latitude`` twice."""
    folder = CORPUS / "35_duplicate_column"
    oracle = ValidationReport()
    check_tables_with_frictionless(folder, {"deployments": _tables(folder)["deployments"]}, oracle)
    assert [p.message for p in oracle.problems] == [
        'matching fields by name ("fieldsMatch": "partial") requires unique labels in the header'
    ]
    pkg = read_camtrapdp(folder)
    assert {(p.field, p.check) for p in pkg.report.problems} == {
        ("latitude", "duplicate-label"),
        ("longitude", "missing-label"),
    }


@pytest.mark.parametrize("package", [p for p in READABLE if p != "35_duplicate_column"])
def test_reader_reports_what_it_reported_with_frictionless(package: str) -> None:
    """The whole report of ``read_camtrapdp`` is the one the frictionless-based reader gave: its schema findings
    replaced by frictionless's, then reduced to one per cell as the reader does, give the same problems."""
    folder = CORPUS / package
    pkg = read_camtrapdp(folder)
    if pkg.upgraded_from is not None:
        pytest.skip("0.1.x packages were checked by the same code before")
    then = ValidationReport(problems=[p for p in pkg.report.problems if p.check not in SCHEMA_CHECKS])
    check_tables_with_frictionless(folder, _tables(folder), then)
    deduplicate(then)
    key = lambda p: (p.file, p.row, p.field, p.check, p.severity)  # noqa: E731
    assert {key(p) for p in pkg.report.problems} == {key(p) for p in then.problems}


# --- the fuzz corpus -------------------------------------------------------------------------------


def _write_package(folder: Path, files: dict[str, bytes]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


def _fuzz_settings(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=CI,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )


@_fuzz_settings(40)
@given(data=st.data(), name=st.sampled_from(["deployments.csv", "media.csv", "observations.csv"]))
def test_fuzzed_tables_give_frictionless_findings(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, name: str
) -> None:
    """The fuzz corpus of ``tests/test_fuzz.py`` (damaged cells and bytes of one table)."""
    from test_fuzz import FILES, csv_file

    folder = tmp_path_factory.mktemp("fuzz", numbered=True)
    _write_package(folder, {**FILES, name: data.draw(csv_file(name))})
    assert_same(folder, details=False, in_hypothesis=True)


# --- cell-level violations of each constraint ------------------------------------------------------

_SPECS = {name: [f for f in table_schema(name)["fields"]] for name in CORE_TABLES}
_ROWS = {name: len(_python_csv_cells(BASE / f"{name}.csv", None)) - 1 for name in CORE_TABLES}

#: Spellings at the edges of each type's rule (Python's int, Decimal, strptime; Table Schema's booleans).
EDGES = {
    "integer": [
        "+5",
        "007",
        "1_000",
        " 7 ",
        "\u0663",
        "1.0",
        "1e3",
        "0x10",
        "-0",
        "99999999999999999999",
        "",
        "NA",
        "nan",
        "3.",
        "- 1",
    ],
    "number": [
        "inf",
        "-Infinity",
        "nan",
        "NaN",
        "sNaN",
        "1e999",
        "1e-999",
        "-1e-999",
        "-0",
        "1_0.5",
        " .5",
        "1.",
        "+.5e-3",
        "0.000000000000001",
        "0.0000000000000009999999999999999999",
        "1.0000000000000000001",
        "90.0000000000000001",
        "-90",
        "360",
        "361",
        "\u0661.5",
        "1,5",
        "0x1p3",
    ],
    "boolean": ["yes", "T", " true", "TRUE", "True", "0", "1", "tRUE", "false ", "NA"],
    "datetime": [
        "2020-5-3T4:5:6Z",
        "2020-05-30t04:57:37Z",
        "2020-05-30T04:57:37+0200",
        "2020-05-30T04:57:37+02",
        "2020-05-30T04:57:37+02:00:30",
        "2020-05-30T04:57:37.5+02:00",
        "2020-05-30T04:57:60Z",
        "0000-05-30T04:57:37Z",
        "2020-05-30T04:57:37+23:59",
        "2020-05-30T04:57:37+24:00",
        "2020-05-30 04:57:37+02:00",
        "2020-05-30T04:57:37z",
        "2020-02-29T00:00:00Z",
        "2019-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2000-02-29T00:00:00Z",
        "2020-04-31T00:00:00Z",
        "2020-05-30T24:00:00Z",
        "2020-05-30T04:57:37+02:60",
        "\u0662020-05-30T04:57:37Z",
        "2020-05-30T04:57:37",
        "2020-05-30",
        "9999-12-31T23:59:59-23:59",
        "2020-05-30T04:57:37+02:00\n",
    ],
    "string": [
        "",
        "NA",
        "nan",
        "NaN",
        "None",
        " ",
        "media ",
        "Media",
        "animal\n",
        "image/jpeg\n",
        "Image/jpeg",
        "text/plain",
        "image/",
        "../x",
        ".x",
        "~x",
        "a/../b",
        "a/./b",
        "a..b",
        "a\n",
        "x\ny",
        "video/mp4",
    ],
}


def _violation(field: dict[str, Any]) -> st.SearchStrategy[str]:
    """Values that may break a field's constraints or type, near the edges of its rule."""
    constraints = field.get("constraints", {})
    options = [
        st.sampled_from(EDGES.get(field["type"], EDGES["string"])),
        st.text(st.characters(blacklist_characters="\r"), max_size=8),
    ]  # a bare CR: the parsers split differently (difference 3)
    if "enum" in constraints:
        options.append(
            st.sampled_from(constraints["enum"]).flatmap(
                lambda v: st.sampled_from([v, v.upper(), v.capitalize(), f" {v}", f"{v}\n", v[:-1]])
            )
        )
    for bound in ("minimum", "maximum"):
        if bound in constraints:
            b = constraints[bound]
            options.append(st.sampled_from([str(b), repr(float(b)), str(b + 1), str(b - 1), f"{b}.0", f"{b}e0"]))
            options.append(st.floats(b - 2, b + 2).map(repr))
    return st.one_of(options)


@st.composite
def violations(draw: st.DrawFn) -> tuple[str, list[tuple[int, str, str]]]:
    """A table and a few (row, field, value) cells to write into it."""
    table = draw(st.sampled_from(CORE_TABLES))
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        field = draw(st.sampled_from(_SPECS[table]))
        edits.append((draw(st.integers(2, _ROWS[table] + 1)), field["name"], draw(_violation(field))))
    return table, edits


def _edited(table: str, edits: list[tuple[int, str, str]]) -> bytes:
    rows = _python_csv_cells(BASE / f"{table}.csv", None)
    for row, name, value in edits:
        rows[row - 1][rows[0].index(name)] = value
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


@_fuzz_settings(150)
@given(case=violations())
@example(case=("observations", [(3, "bboxWidth", "0.0000000000000009999999999999999999")]))  # a float equals the bound
@example(case=("observations", [(3, "individualSpeed", "-1e-999")]))  # -0.0 in floats, below 0 as a Decimal
@example(case=("deployments", [(2, "cameraHeading", "+5"), (3, "cameraTilt", "1_000"), (4, "cameraDelay", "\u0663")]))
@example(case=("media", [(2, "timestamp", "2020-5-3T4:5:6Z"), (3, "timestamp", "2020-05-30t04:57:37Z")]))
@example(case=("media", [(2, "fileMediatype", "image/jpeg\n"), (3, "filePath", "a\n"), (4, "filePath", "~x")]))
@example(case=("deployments", [(2, "latitude", "inf"), (3, "longitude", "nan"), (4, "cameraHeight", "sNaN")]))
@example(
    case=(
        "deployments",
        [(2, "deploymentStart", "2020-05-30T04:57:37+24:00"), (3, "deploymentEnd", "2019-02-29T00:00:00Z")],
    )
)
def test_violations_of_each_constraint_give_frictionless_findings(
    tmp_path_factory: pytest.TempPathFactory, case
) -> None:
    table, edits = case
    folder = tmp_path_factory.mktemp("violation", numbered=True)
    files = {p.name: p.read_bytes() for p in BASE.iterdir() if p.is_file() and p.name != "SHA256SUMS"}
    _write_package(folder, {**files, f"{table}.csv": _edited(table, edits)})
    assert_same(folder, in_hypothesis=True)


def test_violations_reach_every_constraint_kind(tmp_path: Path) -> None:
    """The edge values above do break each kind of constraint of the official schemas at least once."""
    files = {p.name: p.read_bytes() for p in BASE.iterdir() if p.is_file() and p.name != "SHA256SUMS"}
    edits = {
        "deployments": [
            (2, "latitude", "90.0000000000000001"),
            (3, "cameraDelay", "1.0"),
            (4, "baitUse", "yes"),
            (5, "deploymentStart", "2019-02-29T00:00:00Z"),
        ],
        "media": [(2, "captureMethod", "Timelapse"), (3, "filePath", "../x"), (4, "deploymentID", "NA")],
        "observations": [(2, "count", "0"), (3, "classificationProbability", "1.5")],
    }
    for table, cells in edits.items():
        files[f"{table}.csv"] = _edited(table, cells)
    _write_package(tmp_path / "p", files)
    ours, oracle = assert_same(tmp_path / "p")
    messages = {p[5].split(" ")[0] + " " + p[5].split(" ")[1] for p in ours}
    assert {p[3] for p in ours} == {"type-error", "constraint-error"}
    assert {"is required", "must be", "must match"} <= messages, messages
    assert len(ours) == 9
