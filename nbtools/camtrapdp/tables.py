"""Read one CSV resource into a typed pandas DataFrame, losing nothing.

Cells are first read as text. Rows that cannot stay in the table (blank rows,
rows with more cells than the header, rows whose primary key is missing or
repeated) are set aside with their raw text and a reason. The remaining cells
are converted to the types the Table Schema names: ``string`` to pandas
``string``, ``integer`` to ``Int64``, ``number`` to ``float64``, ``boolean`` to
``boolean``, ``datetime`` to ``datetime64[ns, UTC]`` and enumerations to
categoricals. A cell that cannot be converted becomes missing and is reported,
with its original text, as a problem naming the file, row and field.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .report import CamtrapDPError, ValidationReport
from .schemas import FieldSpec, field_specs, missing_values

#: Text accepted as true and false (Table Schema defaults).
TRUE_VALUES = frozenset({"true", "True", "TRUE", "1"})
FALSE_VALUES = frozenset({"false", "False", "FALSE", "0"})

#: A timestamp must end with a UTC offset: Z, +hh:mm, +hhmm or +hh.
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")

#: Name of the index of every table: the row number in the file (header = row 1).
ROW_INDEX = "row"


def read_text_table(path: Path, file: str, dialect: dict[str, Any] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a CSV (or gzipped CSV) file as text cells.

    Parameters
    ----------
    path : pathlib.Path
        The file on disk.
    file : str
        The file's name inside the package, used in messages.
    dialect : dict, optional
        Table Dialect properties (``delimiter``, ``quoteChar``); comma and
        double quote by default.

    Returns
    -------
    cells : pandas.DataFrame
        One column of text per header label (missing cells as ``""``), indexed
        by the row number in the file (the header is row 1).
    too_long : pandas.DataFrame
        Rows with more cells than the header, as their raw text in a ``raw``
        column, indexed by row number; they cannot be placed in columns.

    Raises
    ------
    CamtrapDPError
        If the file is missing, empty, or not UTF-8 text.
    """
    dialect = dialect or {}
    delimiter = dialect.get("delimiter", ",")
    quotechar = dialect.get("quoteChar", '"')
    if not path.is_file():
        raise CamtrapDPError(f"{file}: file not found in the package folder ({path.parent})")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as error:
        raise CamtrapDPError(
            f"{file}: not UTF-8 text (byte {error.start} cannot be decoded: {error.reason}); "
            "Camtrap DP files must be UTF-8, save the file again with that encoding"
        ) from error
    except (OSError, EOFError) as error:  # e.g. a corrupt gzip stream
        raise CamtrapDPError(f"{file}: cannot be read ({error})") from error
    if not text.strip():
        raise CamtrapDPError(f"{file}: the file is empty (no header row)")
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            sep=delimiter,
            quotechar=quotechar,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
        cells.index = pd.RangeIndex(2, 2 + len(cells), name=ROW_INDEX)
        too_long = pd.DataFrame({"raw": pd.Series(dtype=str)}, index=pd.Index([], dtype=int, name=ROW_INDEX))
    except pd.errors.ParserError:
        cells, too_long = _read_ragged(text, delimiter, quotechar)
    return cells.fillna(""), too_long


def _read_ragged(text: str, delimiter: str, quotechar: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a CSV whose rows may have more cells than the header, row by row."""
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quotechar))
    header, body = rows[0], rows[1:]
    width = len(header)
    kept, kept_rows, long_rows, long_raw = [], [], [], []
    for number, cells in enumerate(body, start=2):
        if len(cells) > width:
            long_rows.append(number)
            long_raw.append(delimiter.join(cells))
        else:
            kept.append(cells + [""] * (width - len(cells)))
            kept_rows.append(number)
    frame = pd.DataFrame(kept, columns=header, index=pd.Index(kept_rows, name=ROW_INDEX), dtype=str)
    too_long = pd.DataFrame({"raw": long_raw}, index=pd.Index(long_rows, name=ROW_INDEX), dtype=str)
    return frame, too_long


def set_aside_rows(
    cells: pd.DataFrame,
    too_long: pd.DataFrame,
    file: str,
    primary_key: str | None,
    missing: list[str],
    report: ValidationReport,
) -> pd.DataFrame:
    """Remove the rows that cannot stay in a table and record them in the report.

    Blank rows, rows with too many cells, and rows whose primary key is missing
    or repeats an earlier row's are set aside (``report.set_aside[file]``) with
    their raw text and the reason, and each is reported as an error.

    Returns
    -------
    pandas.DataFrame
        The text cells of the rows kept.
    """
    aside: list[pd.DataFrame] = []
    for number, raw in too_long["raw"].items():
        report.add("error", file, int(number), None, raw, "row has more cells than the header; set aside", "extra-cell")
    if len(too_long):
        aside.append(too_long.assign(reason="more cells than the header"))

    blank = (cells == "").all(axis=1) if len(cells.columns) else pd.Series(True, index=cells.index)
    for number in cells.index[blank]:
        report.add("error", file, int(number), None, "", "blank row; set aside", "blank-row")
    reasons = pd.Series("", index=cells.index, dtype=object)
    reasons[blank] = "blank row"

    if primary_key is not None and primary_key in cells.columns:
        key = cells[primary_key]
        no_key = ~blank & key.isin(missing)
        for number in cells.index[no_key]:
            report.add("error", file, int(number), primary_key, "", f"{primary_key} is missing; the row is set aside", "primary-key")
        reasons[no_key] = f"missing {primary_key}"
        repeated = ~blank & ~no_key & key.duplicated(keep="first")
        if repeated.any():
            first_row = key[~key.duplicated(keep="first")]
            first_of = pd.Series(first_row.index, index=first_row.values)
            for number, value in key[repeated].items():
                first = int(first_of[value])
                report.add(
                    "error", file, int(number), primary_key, value,
                    f"{primary_key} {value!r} repeats row {first}; the row is set aside", "primary-key",
                )
        reasons[repeated] = f"duplicate {primary_key}"

    drop = reasons != ""
    if drop.any():
        raw = cells[drop].apply(lambda row: ",".join(row.astype(str)), axis=1)
        aside.append(pd.DataFrame({"raw": raw, "reason": reasons[drop]}))
    report.set_aside[file] = (
        pd.concat(aside).sort_index() if aside else pd.DataFrame({"raw": [], "reason": []}, index=pd.Index([], name=ROW_INDEX))
    )
    report.rows_read[file] = len(cells) + len(too_long)
    return cells[~drop]


def convert_columns(
    cells: pd.DataFrame,
    schema: dict[str, Any],
    file: str,
    report: ValidationReport,
) -> pd.DataFrame:
    """Convert text cells to the types of a Table Schema.

    Schema fields missing from the file are added as empty columns (frictionless
    reports the missing label); columns not in the schema are kept as text after
    the schema's fields. Cells that cannot be converted are reported with the
    check name ``parse-error`` and become missing.
    """
    missing = missing_values(schema)
    check_header(list(cells.columns), schema, file, report)
    columns: dict[str, pd.Series] = {}
    for spec in field_specs(schema):
        text = cells[spec.name] if spec.name in cells.columns else pd.Series("", index=cells.index, dtype=object)
        columns[spec.name] = convert_field(text, spec, missing, file, report)
    for label in cells.columns:
        if label not in columns:
            columns[label] = _as_string(cells[label], missing)
    frame = pd.DataFrame(columns, index=cells.index)
    frame.index.name = ROW_INDEX
    return frame


def check_header(labels: list[str], schema: dict[str, Any], file: str, report: ValidationReport) -> None:
    """Report schema fields missing from the header (row 1) and columns the schema does not know."""
    specs = field_specs(schema)
    if not specs:  # a resource without a schema: every column is as found
        return
    names = {spec.name for spec in specs}
    hint = ""
    if len(labels) == 1 and any(sep in labels[0] for sep in ";\t|"):
        sep = next(sep for sep in ";\t|" if sep in labels[0])
        hint = f" (the file seems separated by {sep!r}, not commas: save it comma-separated or declare a dialect)"
    for spec in specs:
        if spec.name not in labels:
            if spec.required:
                report.add("error", file, 1, spec.name, None, f"required column is missing from the header{hint}", "missing-label")
            else:
                report.add("warning", file, 1, spec.name, None, "optional column is missing; read as empty", "missing-label")
    for label in labels:
        if label not in names:
            report.add("warning", file, 1, label, None, "column is not in the table schema; kept as text", "extra-label")


def convert_field(
    text: pd.Series, spec: FieldSpec, missing: list[str], file: str, report: ValidationReport
) -> pd.Series:
    """Convert one column of text to the field's type, reporting cells that fail."""
    is_missing = text.isin(missing)
    kind = spec.type
    if kind == "integer":
        numbers = pd.to_numeric(text.where(~is_missing), errors="coerce")
        bad = ~is_missing & (numbers.isna() | (numbers % 1 != 0))
        values = numbers.where(~bad).astype("Int64")
        expected = "an integer"
    elif kind == "number":
        values = pd.to_numeric(text.where(~is_missing), errors="coerce").astype("float64")
        bad = ~is_missing & values.isna()
        expected = "a number"
    elif kind == "boolean":
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[text.isin(TRUE_VALUES)] = True
        values[text.isin(FALSE_VALUES)] = False
        bad = ~is_missing & values.isna()
        expected = "true or false"
    elif kind == "datetime":
        has_offset = text.str.contains(_OFFSET)
        parsed = pd.to_datetime(text.where(~is_missing & has_offset), format="ISO8601", utc=True, errors="coerce")
        values = parsed.astype("datetime64[ns, UTC]")
        bad = ~is_missing & values.isna()
        no_offset = bad & ~has_offset & pd.to_datetime(text.where(bad), format="ISO8601", errors="coerce").notna()
        for number, value in text[no_offset].items():
            report.add(
                "error", file, int(number), spec.name, value,
                "timestamp has no UTC offset, so the moment is ambiguous; write it as e.g. "
                "2017-04-01T21:30:00+10:00 or 2017-04-01T11:30:00Z",
                "parse-error",
            )
        bad = bad & ~no_offset
        expected = "a date-time like 2017-04-01T21:30:00+10:00"
    else:  # string, any and unknown types stay text
        values = _as_string(text, missing)
        bad = pd.Series(False, index=text.index)
        expected = ""
    for number, value in text[bad].items():
        report.add("error", file, int(number), spec.name, value, f"cannot be read as {kind}: expected {expected}", "parse-error")
    if spec.enum is not None:
        values = _as_category(values, spec.enum)
    return values


def _as_string(text: pd.Series, missing: list[str]) -> pd.Series:
    return text.where(~text.isin(missing)).astype("string")


def _as_category(values: pd.Series, enum: tuple[str, ...]) -> pd.Series:
    """A categorical with the schema's values first and any unknown value kept after them."""
    present = values.dropna().unique()
    extra = sorted(str(v) for v in present if v not in enum)
    dtype = pd.CategoricalDtype(categories=list(enum) + extra)
    return values.astype(object).where(values.notna(), np.nan).astype(dtype)
