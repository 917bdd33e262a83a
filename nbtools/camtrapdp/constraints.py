"""Check a table's text cells against its Table Schema, one whole column at a time.

This is the schema check of :func:`nbtools.camtrapdp.read_camtrapdp`: the
types and formats, ``required``, ``enum``, ``pattern``, ``minLength`` and
``maxLength``, ``minimum`` and ``maximum`` (and their exclusive forms), and
``unique`` of every field of a Table Schema, computed on whole columns with
pyarrow kernels instead of cell by cell in Python. Nothing is written per
field: :func:`check_cells` loops over the schema's fields and their
constraints. Primary and foreign keys are checked where rows are set aside
(:func:`nbtools.camtrapdp.tables.set_aside_rows`) and by our rules
(:func:`nbtools.camtrapdp.validate.check_rules`).

The findings are those frictionless's row checks give (its ``type-error``
and ``constraint-error``, with the same row, field, cell text and message), so
that reports keep their meaning; ``tests/test_validation_equivalence.py``
runs frictionless as the oracle. A cell is judged as the Table Schema
implementation does:

- a cell whose text is one of the schema's ``missingValues`` is missing: an
  error when the field is ``required`` (the value reported is empty), else
  not checked further;
- ``integer``: Python's ``int`` of the stripped text (``+5``, ``007``, ``1_000``
  are integers; ``5.0`` is not); ``number``: Python's ``Decimal`` of the
  stripped text (``inf`` and ``nan`` are numbers, and break a range);
  ``boolean``: the field's ``trueValues`` and ``falseValues``; ``datetime``
  with a ``strptime`` format: :meth:`datetime.datetime.strptime` (which also
  takes one-digit fields and a lower-case ``t``); ``string`` and ``any``:
  any text;
- a cell that cannot be read as its type gets one ``type-error`` and no
  constraint check; otherwise each broken constraint is one
  ``constraint-error``;
- a row in which every field of the schema is missing is a blank row
  (reported by the reader as such) and none of its cells is checked.

Speed: every column is checked by a vectorised fast path that accepts the
common spelling of its type (ASCII digits, two-digit date fields); only the
cells the fast path does not accept (the bad ones, and rare legal spellings
such as ``+5`` or ``1_000``) are judged one distinct value at a time in
Python, by the rules above. Types Camtrap DP does not use (``date``, ``time``,
``geopoint``, ... or a string ``format`` such as ``uri``) are judged, one
distinct value at a time, by frictionless's own cell reader: the only use of
frictionless left in reading, and only for fields a package adds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .report import ValidationReport

#: Checks this module reports.
SCHEMA_CHECKS = ("type-error", "constraint-error", "unique-error")

#: Table Schema defaults for boolean fields.
DEFAULT_TRUE = ("true", "True", "TRUE", "1")
DEFAULT_FALSE = ("false", "False", "FALSE", "0")

#: Constraints in the order a cell is judged against them (frictionless's order per type).
_ORDER = (
    "required",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "enum",
)
_BOUNDS = {
    "minimum": np.greater_equal,
    "maximum": np.less_equal,
    "exclusiveMinimum": np.greater,
    "exclusiveMaximum": np.less,
}

#: The vectorised spellings accepted without a Python look at the cell.
_FAST_INTEGER = r"^[+-]?[0-9]{1,18}$"
_FAST_NUMBER = r"^[+-]?(?:[0-9]{1,300}(?:\.[0-9]*)?|\.[0-9]{1,300})(?:[eE][+-]?[0-9]{1,3})?$"

#: strptime directives that have a fixed-width vectorised spelling, and the regular expression for it.
_DIRECTIVES = {
    "Y": "[0-9]{4}",
    "m": "[0-9]{2}",
    "d": "[0-9]{2}",
    "H": "[0-9]{2}",
    "M": "[0-9]{2}",
    "S": "[0-9]{2}",
    "z": "Z|[+-][0-9]{2}:?[0-5][0-9]",
}
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass
class _Column:
    """One column's cells: the text, what is missing, and which rows count (not blank)."""

    text: pa.ChunkedArray
    missing: np.ndarray
    counted: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return self.counted & ~self.missing


@dataclass
class _Finding:
    """Cells of one column that fail one check: positions in the table and the message."""

    positions: np.ndarray
    order: int
    check: str
    message: str
    with_value: bool = True


def check_cells(
    cells: pd.DataFrame, schema: dict[str, Any], file: str, report: ValidationReport, primary_key: str | None = None
) -> None:
    """Check the text cells of a table against its Table Schema, column by column.

    Parameters
    ----------
    cells : pandas.DataFrame
        The table's text cells as read (one text column per header label,
        missing cells as ``""``), indexed by row number in the file (the
        header is row 1). Columns the schema does not name are ignored; schema
        fields absent from the header are not checked (the reader reports the
        missing label).
    schema : dict
        The Table Schema (``fields``, ``missingValues``).
    file : str
        The file name, for the findings.
    report : ValidationReport
        Findings are added here (checks ``type-error``, ``constraint-error``,
        ``unique-error``), ordered by row, then by column, then by constraint.
    primary_key : str, optional
        The primary key field, whose ``unique`` constraint the reader checks
        when it sets repeated keys aside (so it is not repeated here).
    """
    fields = [f for f in schema.get("fields", []) if f.get("name") in cells.columns]
    if not fields or cells.empty:
        return
    default_missing = list(schema.get("missingValues", [""]))
    counted = ~_blank_rows(cells, fields, default_missing)
    rows = cells.index.to_numpy()
    found: list[tuple[int, _Finding, pa.ChunkedArray]] = []
    for field in fields:
        column = _column(cells[field["name"]], field.get("missingValues", default_missing), counted)
        position = list(cells.columns).index(field["name"])
        for finding in check_column(column, field, primary_key):
            found.append((position, finding, column.text))
        del column
    _report(found, fields_by_position(cells, fields), rows, file, report)


def fields_by_position(cells: pd.DataFrame, fields: list[dict[str, Any]]) -> dict[int, str]:
    """Column position of each checked field in ``cells``."""
    return {list(cells.columns).index(f["name"]): f["name"] for f in fields}


def _blank_rows(cells: pd.DataFrame, fields: list[dict[str, Any]], missing: list[str]) -> np.ndarray:
    """Rows in which every field of the schema is missing (a blank row in Table Schema's sense)."""
    blank = np.ones(len(cells), dtype=bool)
    for field in fields:
        blank &= _is_in(_arrow(cells[field["name"]]), field.get("missingValues", missing))
        if not blank.any():
            break
    return blank


def _arrow(text: pd.Series) -> pa.ChunkedArray:
    """A text column as a pyarrow array (no copy for pandas' Arrow-backed strings)."""
    array = text.array
    data = getattr(array, "_pa_array", None)
    if isinstance(data, pa.ChunkedArray) and (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
        return data
    return pa.chunked_array([pa.array(np.asarray(text, dtype=object), type=pa.large_string(), from_pandas=True)])


def _numpy(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean pyarrow mask as a numpy array, nulls as False."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _is_in(text: pa.ChunkedArray, values: list[str]) -> np.ndarray:
    return _numpy(pc.is_in(text, value_set=pa.array(values, type=text.type)))


def _column(text: pd.Series, missing: list[str], counted: np.ndarray) -> _Column:
    arrow = _arrow(text)
    return _Column(arrow, _is_in(arrow, missing), counted)


# --------------------------------------------------------------------------------------------- one column
def check_column(column: _Column, field: dict[str, Any], primary_key: str | None = None) -> Iterator[_Finding]:
    """The findings of one column: missing required cells, cells of the wrong type, broken constraints."""
    constraints = field.get("constraints", {}) or {}
    kind = field.get("type", "string") or "string"
    form = field.get("format", "default") or "default"
    if constraints.get("required"):
        absent = np.flatnonzero(column.counted & column.missing)
        if absent.size:
            yield _Finding(absent, 0, "constraint-error", "is required but empty", with_value=False)
    reader = _reader(field)
    present = column.present
    if not present.any():
        return
    bad, values = reader.judge(column.text, present)
    if bad.any():
        yield _Finding(np.flatnonzero(bad), 0, "type-error", f"cannot be read as {kind}/{form}")
    good = present & ~bad
    if not good.any():
        return
    for name in _ORDER[1:]:
        if name not in constraints or constraints[name] is None:
            continue
        failed = _constraint(name, constraints[name], column.text, good, values, reader)
        if failed is not None and failed.any():
            yield _Finding(
                np.flatnonzero(failed),
                _ORDER.index(name),
                "constraint-error",
                constraint_message(name, constraints[name]),
            )
    if constraints.get("unique") and field.get("name") != primary_key:
        repeated = _repeated(column.text, good, reader)
        if repeated.any():
            yield _Finding(
                np.flatnonzero(repeated), len(_ORDER), "unique-error", "repeats the value of an earlier row (unique)"
            )


def constraint_message(name: str, value: Any) -> str:
    """What a broken constraint means, in the words the reader has always used."""
    return {
        "required": "is required but empty",
        "minimum": f"must be at least {value}",
        "maximum": f"must be at most {value}",
        "enum": f"must be one of {value}",
        "pattern": f"must match the pattern {value}",
    }.get(name, f"breaks the constraint {name} = {value}")


def _constraint(
    name: str, value: Any, text: pa.ChunkedArray, good: np.ndarray, values: np.ndarray | None, reader: _Reader
) -> np.ndarray | None:
    """Cells (among ``good``) that break one constraint, or None for a constraint this type does not have."""
    if name in ("minLength", "maxLength") and reader.kind == "string":
        length = _numpy_int(pc.utf8_length(text))
        return good & ((length < value) if name == "minLength" else (length > value))
    if name == "pattern" and reader.kind == "string":
        pattern = re.compile(f"^{value}$")
        return good & ~_per_value(text, good, pattern.match)  # a match or None: bool() of it is the verdict
    if name == "enum":
        if reader.kind == "string":
            return good & ~_is_in(text, [str(v) for v in value])
        allowed = [reader.python(v) if isinstance(v, str) else reader.cast_constant(v) for v in value]
        return good & ~_per_value(text, good, lambda cell: reader.python(cell) in allowed)
    if name in _BOUNDS and reader.kind in ("integer", "number"):
        return _out_of_bounds(name, value, text, good, values, reader)
    if name in _BOUNDS:
        bound = reader.cast_constant(value)
        compare = _BOUNDS[name]
        return good & ~_per_value(text, good, lambda cell: _compares(compare, reader.python(cell), bound))
    return None


def _out_of_bounds(
    name: str, value: Any, text: pa.ChunkedArray, good: np.ndarray, values: np.ndarray | None, reader: _Reader
) -> np.ndarray:
    """Numbers outside a bound: float comparisons, with exact ones where a cell equals the bound in floats."""
    bound = reader.cast_constant(value)
    compare = _BOUNDS[name]
    if bound is None or values is None:
        return np.zeros_like(good)
    fast = good & ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        failed = fast & ~compare(values, float(bound))
        tie = fast & (values == float(bound))
    slow = (good & ~fast) | tie  # cells read in Python, and cells a float cannot tell from the bound
    if slow.any():
        failed[slow] = ~_per_value(text, slow, lambda cell: _compares(compare, reader.python(cell), bound))[slow]
    return failed


def _compares(compare: Callable, value: Any, bound: Any) -> bool:
    """``compare(value, bound)`` as Python decides it; NaN (and what cannot be compared) fails."""
    try:
        if value != value:
            return False
        return bool(compare(value, bound))
    except (ArithmeticError, TypeError, ValueError):
        return False


def _repeated(text: pa.ChunkedArray, good: np.ndarray, reader: _Reader) -> np.ndarray:
    """Cells whose value (as typed) repeats an earlier cell's."""
    encoded = pc.dictionary_encode(text).combine_chunks()
    keys = [reader.python(v) if reader.kind != "string" else v for v in encoded.dictionary.to_pylist()]
    canonical = pd.Series(pd.factorize(pd.Series(keys, dtype=object))[0])
    codes = canonical.to_numpy()[_numpy_int(encoded.indices)]
    series = pd.Series(np.where(good, codes, -1))
    return good & series.duplicated(keep="first").to_numpy()


def _numpy_int(array: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, 0).to_numpy(zero_copy_only=False))


def _per_value(text: pa.ChunkedArray, mask: np.ndarray, judge: Callable[[str], Any]) -> np.ndarray:
    """The truth of ``judge`` of each cell in ``mask``, computed once per distinct value (False elsewhere)."""
    out = np.zeros(len(mask), dtype=bool)
    if not mask.any():
        return out
    every = bool(mask.all())
    where = None if every else np.flatnonzero(mask)
    chosen = text if every else text.take(pa.array(where))
    encoded = pc.dictionary_encode(chosen).combine_chunks()
    verdicts = np.array([bool(judge(value)) for value in encoded.dictionary.to_pylist()], dtype=bool)
    found = verdicts[_numpy_int(encoded.indices)] if len(verdicts) else False
    if every:
        out[:] = found
    else:
        out[where] = found
    return out


# --------------------------------------------------------------------------------------------- types
class _Reader:
    """How a field's cells are read: a vectorised fast path and the exact rule in Python.

    ``judge(text, present)`` returns the cells that cannot be read and, for
    numbers, their float values (NaN where the fast path did not read them);
    ``python(cell)`` reads one cell as Table Schema does (``None`` when it
    cannot); ``cast_constant`` reads a constraint's value from the schema.
    """

    kind = "any"

    def __init__(self, field: dict[str, Any]) -> None:
        self.field = field
        self.form = field.get("format", "default") or "default"

    def python(self, cell: str) -> Any:
        return cell

    def cast_constant(self, value: Any) -> Any:
        return self.python(value) if isinstance(value, str) else value

    def fast(self, text: pa.ChunkedArray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Cells read by the fast path, and their values (for numbers)."""
        return present.copy(), None

    def judge(self, text: pa.ChunkedArray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        accepted, values = self.fast(text, present)
        rest = present & ~accepted
        bad = rest & ~_per_value(text, rest, lambda cell: self.python(cell) is not None)
        return bad, values


class _String(_Reader):
    kind = "string"


class _Integer(_Reader):
    kind = "integer"

    def python(self, cell: str) -> int | None:
        try:
            return int(cell.strip())
        except (ValueError, TypeError):
            return None

    def cast_constant(self, value: Any) -> Any:
        if isinstance(value, bool):
            return None
        if isinstance(value, float):
            return int(value) if value.is_integer() else None
        return value if isinstance(value, int) else self.python(str(value))

    def fast(self, text: pa.ChunkedArray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        accepted = present & _numpy(pc.match_substring_regex(text, _FAST_INTEGER))
        return accepted, _fast_numbers(text, accepted, pa.int64())


class _Number(_Reader):
    kind = "number"

    def python(self, cell: str) -> Decimal | None:
        try:
            return Decimal(cell.strip())
        except (ArithmeticError, ValueError, TypeError):
            return None

    def cast_constant(self, value: Any) -> Any:
        if isinstance(value, bool):
            return None
        if isinstance(value, float):
            return Decimal(str(value))
        return Decimal(value) if isinstance(value, int) else self.python(str(value))

    def fast(self, text: pa.ChunkedArray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        accepted = present & _numpy(pc.match_substring_regex(text, _FAST_NUMBER))
        return accepted, _fast_numbers(text, accepted, pa.float64())


def _fast_numbers(text: pa.ChunkedArray, accepted: np.ndarray, kind: pa.DataType) -> np.ndarray:
    """Float values of the accepted cells (NaN elsewhere)."""
    values = np.full(len(accepted), np.nan)
    if accepted.any():
        cells = pc.if_else(pa.array(accepted), text, pa.scalar("0", type=text.type))
        cells = pc.replace_substring_regex(cells, r"^\+", "")
        values[accepted] = pc.cast(cells, kind).to_numpy(zero_copy_only=False).astype(float)[accepted]
    return values


class _Boolean(_Reader):
    kind = "boolean"

    def __init__(self, field: dict[str, Any]) -> None:
        super().__init__(field)
        self.mapping = {v: False for v in field.get("falseValues", DEFAULT_FALSE)}
        self.mapping.update({v: True for v in field.get("trueValues", DEFAULT_TRUE)})

    def python(self, cell: str) -> bool | None:
        return self.mapping.get(cell)

    def fast(self, text: pa.ChunkedArray, present: np.ndarray) -> tuple[np.ndarray, None]:
        return present & _is_in(text, list(self.mapping)), None


class _Datetime(_Reader):
    kind = "datetime"

    def __init__(self, field: dict[str, Any]) -> None:
        super().__init__(field)
        self.pattern = _fast_datetime(self.form)

    def python(self, cell: str) -> datetime | None:
        if not isinstance(cell, str):
            return None
        try:
            if self.form == "default":
                from dateutil import parser

                return parser.isoparse(cell) if len(cell) >= 19 and cell[16] == ":" else None
            if self.form == "any":
                from dateutil import parser

                return parser.parse(cell)
            return datetime.strptime(cell, self.form)
        except Exception:  # noqa: BLE001 -- any failure to parse means "not a datetime", as Table Schema says
            return None

    def fast(self, text: pa.ChunkedArray, present: np.ndarray) -> tuple[np.ndarray, None]:
        if self.pattern is None:
            return np.zeros_like(present), None
        regex, places = self.pattern
        matched = present & _numpy(pc.match_substring_regex(text, regex))
        if not matched.any():
            return matched, None
        if self.form == ISO_FORMAT:
            valid = iso_moments_valid(text, matched)
            if valid is not None:
                return matched & valid, None
        safe = pc.if_else(pa.array(matched), text, pa.scalar("0" * 64, type=text.type)) if not matched.all() else text
        number = {
            name: _numpy_int(pc.cast(pc.utf8_slice_codeunits(safe, start, start + width), pa.int64()))
            for name, (start, width) in places.items()
            if name != "z"
        }
        zone = None
        if "z" in places:  # Z, or a sign and two digits of hours
            sign = pc.utf8_slice_codeunits(safe, places["z"][0], places["z"][0] + 3)
            zone = _numpy_int(
                pc.cast(pc.if_else(pc.equal(sign, "Z"), "00", pc.utf8_slice_codeunits(sign, 1, 3)), pa.int64())
            )
        ok = _valid_fields(number, zone, len(present))
        return matched & ok, None


#: The datetime format of every Camtrap DP timestamp, which pyarrow's ISO 8601 cast reads.
ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

#: A valid cell of :data:`ISO_FORMAT`, put in place of the cells not cast.
_ISO_PLACEHOLDER = "2000-01-01T00:00:00Z"


def iso_moments_valid(text: pa.ChunkedArray, matched: np.ndarray) -> np.ndarray | None:
    """Whether each cell of :data:`ISO_FORMAT`'s fixed layout names a real moment, by one pyarrow cast.

    ``matched`` are the cells already matching the layout (four-digit year,
    two-digit fields, ``Z`` or an offset of two-digit hours and minutes).
    pyarrow's cast to a timestamp refuses exactly what ``datetime.strptime``
    refuses among them (a day past the month's end, February 29 out of a
    leap year, hour 24, minute or second 60, an offset of 24 hours or more:
    ``tests/test_camtrapdp_fast_paths.py``), except the year 0, which it
    takes and ``datetime`` does not. It refuses a whole column at once:
    None then, and the caller looks at each field (:func:`_valid_fields`).
    """
    safe = pc.if_else(pa.array(matched), text, pa.scalar(_ISO_PLACEHOLDER, type=text.type))
    try:
        pc.cast(safe, pa.timestamp("s", "UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return ~_numpy(pc.starts_with(safe, "0000"))


def _fast_datetime(form: str) -> tuple[str, dict[str, tuple[int, int]]] | None:
    """A pyarrow regular expression for a strptime format and where each field is, if it has a fixed layout.

    Every directive but ``%z`` has a fixed width (``%Y`` four digits, the
    others two); ``%z`` (``Z``, ``+10:00`` or ``+1000``) must come last.
    Formats with other directives have no fast path.
    """
    if form in ("default", "any"):
        return None
    out, places, i, at = ["^"], {}, 0, 0
    while i < len(form):
        char = form[i]
        if char == "%":
            directive = form[i + 1 : i + 2]
            if directive not in _DIRECTIVES or directive in places or "z" in places:
                return None
            out.append(f"(?:{_DIRECTIVES[directive]})")
            places[directive] = (at, 4 if directive == "Y" else 2)
            at += places[directive][1]
            i += 2
            continue
        if "z" in places:
            return None
        out.append(re.escape(char))
        at += 1
        i += 1
    return "".join(out) + "$", places


def _valid_fields(number: dict[str, np.ndarray], zone: np.ndarray | None, size: int) -> np.ndarray:
    """Whether the matched date and time fields name a real moment (as datetime() would accept)."""
    ok = np.ones(size, dtype=bool)
    year, month, day = number.get("Y"), number.get("m"), number.get("d")
    if year is not None:
        ok &= year >= 1
    if month is not None:
        ok &= (month >= 1) & (month <= 12)
    if day is not None:
        if month is None or year is None:
            return np.zeros(size, dtype=bool)  # leave partial dates to Python
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        last = _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
        ok &= (day >= 1) & (day <= last)
    for name, top in (("H", 23), ("M", 59), ("S", 59)):
        if name in number:
            ok &= number[name] <= top
    if zone is not None:
        ok &= zone <= 23
    return ok


class _Foreign(_Reader):
    """Types and formats Camtrap DP does not use: read by frictionless's own cell reader, one distinct value at a time."""

    def __init__(self, field: dict[str, Any]) -> None:
        super().__init__(field)
        from frictionless import Field

        descriptor = {k: v for k, v in field.items() if k not in ("constraints", "missingValues")}
        self.reader = Field.from_descriptor(descriptor).create_value_reader()
        self.kind = field.get("type", "any")

    def python(self, cell: Any) -> Any:
        return self.reader(cell)

    def fast(self, text: pa.ChunkedArray, present: np.ndarray) -> tuple[np.ndarray, None]:
        return np.zeros_like(present), None


_NUMERIC_OPTIONS = {"bareNumber", "decimalChar", "groupChar", "floatNumber"}


def _reader(field: dict[str, Any]) -> _Reader:
    """The reader of a field's type and format."""
    kind = field.get("type", "string") or "string"
    form = field.get("format", "default") or "default"
    if kind == "any":
        return _Reader(field)
    if kind == "string" and form == "default":
        return _String(field)
    if kind in ("integer", "number") and not _NUMERIC_OPTIONS & set(field):
        return _Integer(field) if kind == "integer" else _Number(field)
    if kind == "boolean":
        return _Boolean(field)
    if kind == "datetime":
        return _Datetime(field)
    return _Foreign(field)


# --------------------------------------------------------------------------------------------- the report
def _report(
    found: list[tuple[int, _Finding, pa.ChunkedArray]],
    names: dict[int, str],
    rows: np.ndarray,
    file: str,
    report: ValidationReport,
) -> None:
    """Add the findings to the report, by row, then column, then constraint (the order of a row-by-row check)."""
    if not found:
        return
    positions = np.concatenate([f.positions for _, f, _ in found])
    group = np.concatenate([np.full(len(f.positions), i) for i, (_, f, _) in enumerate(found)])
    column = np.concatenate([np.full(len(f.positions), c) for c, f, _ in found])
    order = np.concatenate([np.full(len(f.positions), f.order) for _, f, _ in found])
    ranked = np.lexsort((order, column, positions))
    values = [
        text.take(pa.array(f.positions)).to_pylist() if f.with_value else [None] * len(f.positions)
        for _, f, text in found
    ]
    offsets = np.cumsum([0] + [len(f.positions) for _, f, _ in found])
    for i in ranked:
        g = group[i]
        _, finding, _ = found[g]
        value = values[g][i - offsets[g]]
        report.add("error", file, int(rows[positions[i]]), names[column[i]], value, finding.message, finding.check)
