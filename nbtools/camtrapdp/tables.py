"""Read one CSV resource into a typed pandas DataFrame, losing nothing.

Cells are first read as text. Rows that cannot stay in the table (blank rows,
rows with more cells than the header, rows whose primary key is missing or
repeated) are set aside with their raw text and a reason. The remaining cells
are converted to the types the Table Schema names: ``string`` to pandas
``string``, ``integer`` to ``Int64``, ``number`` to ``float64``, ``boolean`` to
``boolean``, ``datetime`` to ``datetime64[ns, UTC]`` and enumerations to
categoricals. A cell that cannot be converted becomes missing and is reported,
with its original text, as a problem naming the file, row and field. Rows with
fewer cells than the header are kept, their missing cells read as empty, and
reported; a label repeated in the header is reported.

Files that cannot be read as a table at all raise :class:`CamtrapDPError` with
the file name: not UTF-8 (with a guess at the encoding), a NUL byte, an empty
file, a quoted cell that is never closed (which would swallow the rest of the
file), a corrupt gzip stream.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .report import CamtrapDPError, ValidationReport
from .schemas import FieldSpec, field_specs, missing_values

#: Text accepted as true and false (Table Schema defaults).
TRUE_VALUES = frozenset({"true", "True", "TRUE", "1"})
FALSE_VALUES = frozenset({"false", "False", "FALSE", "0"})

#: A timestamp must have a time of day and end with a UTC offset: Z, +hh:mm, +hhmm or +hh.
#: (ASCII digits and a literal space keep it within what pyarrow's RE2 runs vectorised.)
_OFFSET = re.compile(r"[T ][0-9]{2}(?::?[0-9]{2}){0,2}(?:[.,][0-9]+)? ?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$")

#: Table Schema types converted from text (every other type stays text).
_TYPED = frozenset({"integer", "number", "boolean", "datetime"})

#: Name of the index of every table: the row number in the file (header = row 1).
ROW_INDEX = "row"

#: Largest integer magnitude read exactly (cells are parsed through float64).
_MAX_EXACT_INTEGER = 2**53

#: The moments ``datetime64[ns]`` can hold.
_EARLIEST = pd.Timestamp.min.tz_localize("UTC")
_LATEST = pd.Timestamp.max.tz_localize("UTC")


def dialect_characters(dialect: Any, file: str) -> tuple[str, str]:
    """The delimiter and quote character of a Table Dialect, checked.

    Only ``delimiter`` and ``quoteChar`` change how files are read; a dialect
    that says the file has no header row is refused.

    Raises
    ------
    CamtrapDPError
        For a delimiter or quote character that is not one character, or the
        two being equal or a line break.
    """
    if dialect is None:
        return ",", '"'
    if not isinstance(dialect, dict):
        raise CamtrapDPError(
            f"datapackage.json: the dialect of {file} must be an object, found {type(dialect).__name__}"
        )
    chars = []
    for key, default in (("delimiter", ","), ("quoteChar", '"')):
        value = dialect.get(key, default)
        if not isinstance(value, str) or len(value) != 1 or value in "\r\n":
            raise CamtrapDPError(
                f"datapackage.json: the dialect of {file}: {key} must be one character other than a line break, "
                f"found {value!r}"
            )
        chars.append(value)
    if chars[0] == chars[1]:
        raise CamtrapDPError(f"datapackage.json: the dialect of {file}: delimiter and quoteChar are both {chars[0]!r}")
    if dialect.get("header", True) is not True:
        raise CamtrapDPError(f"datapackage.json: the dialect of {file} says it has no header row; nbtools needs one")
    return chars[0], chars[1]


def is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False (not an exception) for paths the system cannot even look up."""
    try:
        return path.is_file()
    except (OSError, ValueError):  # e.g. a name too long, or a NUL byte
        return False


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
        by the row number in the file (the header is row 1). ``cells.attrs``
        holds ``"short_rows"`` (row number to the number of cells of rows with
        fewer cells than the header, read as if the rest were empty) and
        ``"duplicate_labels"`` (label to the 1-based positions of a label that
        occurs more than once; pandas names the repeats ``label.1``, ...).
    too_long : pandas.DataFrame
        Rows with more cells than the header, as their raw text in a ``raw``
        column, indexed by row number; they cannot be placed in columns.

    Raises
    ------
    CamtrapDPError
        If the file is missing, empty, not UTF-8 text (the message says when it
        looks like Latin-1 or UTF-16), holds a NUL byte, or has a quoted cell
        that is never closed.
    """
    delimiter, quotechar = dialect_characters(dialect, file)
    if not is_file(path):
        raise CamtrapDPError(f"{file}: file not found in the package folder ({path.parent})")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        # Bytes first, decoded once: pandas parses the bytes (io.StringIO would hold a copy of the text
        # at 4 bytes a character, the largest allocation of the whole read for a big table).
        with opener(path, "rb") as handle:
            raw = handle.read()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CamtrapDPError(
            f"{file}: not UTF-8 text (byte {error.start} cannot be decoded: {error.reason}){_encoding_hint(path, opener)}; "
            "Camtrap DP files must be UTF-8, save the file again with that encoding"
        ) from error
    except (OSError, EOFError, zlib.error) as error:  # e.g. a corrupt gzip stream
        raise CamtrapDPError(f"{file}: cannot be read ({error})") from error
    if not text.strip():
        raise CamtrapDPError(f"{file}: the file is empty (no header row)")
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise CamtrapDPError(
            f"{file}: contains a NUL byte (line {line}): not a text file, or UTF-16/UTF-32 text without a byte-order "
            "mark; Camtrap DP files must be UTF-8"
        )
    # What needs the text is taken from it now; the text is then let go before pandas parses the
    # bytes (for a large table the two copies would otherwise both be held during the parse).
    duplicate_labels = _duplicate_labels(text, delimiter, quotechar)
    delimiters = _unquoted_delimiters(text, delimiter, quotechar)
    del text
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    source = io.BytesIO(raw)  # shares the bytes' buffer, no copy

    def decoded() -> str:  # the text again, for the rare files that need a second, row-by-row look
        return raw[bom:].decode("utf-8")

    source.seek(bom)
    try:
        cells = _read_with_arrow(source, delimiter, quotechar)
        if cells is None:  # pyarrow refused the file (ragged rows, odd header): pandas' parser, as before
            source.seek(bom)
            cells = pd.read_csv(
                source,
                encoding="utf-8",
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
        short = _short_rows(decoded, cells, delimiters, delimiter, quotechar)
    except pd.errors.ParserError:
        cells, too_long, short = _read_ragged(decoded(), file, delimiter, quotechar)
    cells = cells.fillna("")
    cells.attrs["short_rows"] = short
    cells.attrs["duplicate_labels"] = duplicate_labels
    return cells, too_long


#: Block size of pyarrow's CSV reader (bytes): a few blocks per core for its threads.
ARROW_BLOCK_SIZE = 1 << 23

#: The text dtype pandas gives ``dtype=str`` columns (Arrow-backed), so both parsers give the same frame.
_TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)


def arrow_csv_options(
    header: list[str], delimiter: str, quotechar: str, block_size: int = ARROW_BLOCK_SIZE
) -> tuple[Any, Any, Any]:
    """pyarrow CSV read, parse and convert options that read every column as text, as pandas' ``dtype=str`` does.

    Nothing becomes null (an empty cell is ``""``), blank lines are rows of
    empty cells (not skipped) and quoted cells may hold line breaks.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(block_size=block_size, use_threads=True)
    parse = pacsv.ParseOptions(
        delimiter=delimiter, quote_char=quotechar, newlines_in_values=True, ignore_empty_lines=False
    )
    convert = pacsv.ConvertOptions(
        column_types={label: pa.string() for label in header},
        null_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    return read, parse, convert


def text_frame(table: Any) -> pd.DataFrame:
    """A pyarrow table of text as a pandas frame of pandas' Arrow-backed ``str`` columns (no copy of the text)."""
    return table.to_pandas(types_mapper={_arrow_string(): _TEXT_DTYPE}.get, self_destruct=True)


def _arrow_string() -> Any:
    import pyarrow as pa

    return pa.string()


def plain_header(head: str, delimiter: str, quotechar: str) -> list[str] | None:
    """The header labels of a CSV text when pyarrow can read the file as pandas does: non-empty and distinct."""
    try:
        header = next(_records(head, delimiter, quotechar), [])
    except csv.Error:
        return None
    if not header or any(not label for label in header) or len(set(header)) != len(header):
        return None  # empty or repeated labels: pandas' names (Unnamed: i, x.1) are kept by its own parser
    return header


def _read_with_arrow(source: io.BytesIO, delimiter: str, quotechar: str) -> pd.DataFrame | None:
    """Text cells read by pyarrow's multi-threaded CSV parser, or None where pandas' parser must read the file.

    pyarrow reads a file exactly as pandas' ``dtype=str`` reading does
    (quotes, blank lines, ``\r`` line ends, a byte-order mark) as long as
    every row has the header's number of cells and the labels are non-empty
    and distinct; otherwise it refuses and the caller reads with pandas.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    start = source.tell()
    head = source.read(1 << 20).decode("utf-8", errors="ignore")
    source.seek(start)
    header = plain_header(head, delimiter, quotechar)
    if header is None:
        return None
    try:
        table = pacsv.read_csv(source, *arrow_csv_options(header, delimiter, quotechar))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.column_names != header or any(not pa.types.is_string(t) for t in table.schema.types):
        return None
    return text_frame(table)


def _encoding_hint(path: Path, opener: Any) -> str:
    """A guess at the encoding of a file that is not UTF-8, for the error message."""
    try:
        with opener(path, "rb") as handle:
            head = handle.read(1 << 16)
    except (OSError, EOFError, zlib.error):
        return ""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "; it looks like UTF-16 (it starts with a UTF-16 byte-order mark)"
    if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
        return "; it looks like UTF-16 (every other byte is 0)"
    return "; perhaps Latin-1 or Windows-1252"


def _duplicate_labels(text: str, delimiter: str, quotechar: str) -> dict[str, list[int]]:
    """Header labels that occur more than once, with their 1-based positions."""
    try:
        header = next(_records(text[: 1 << 20], delimiter, quotechar), [])  # the header is in the first MiB
    except csv.Error:  # the reading itself reports what is wrong with such a file
        return {}
    if len(set(header)) == len(header):
        return {}
    positions: dict[str, list[int]] = {}
    for position, label in enumerate(header, start=1):
        if label:  # empty labels become 'Unnamed: i' columns, reported as unknown columns
            positions.setdefault(label, []).append(position)
    return {label: where for label, where in positions.items() if len(where) > 1}


def _unquoted_delimiters(text: str, delimiter: str, quotechar: str) -> int:
    """How many delimiters a CSV text has outside quoted cells."""
    delimiters = text.count(delimiter)
    if quotechar in text:
        q, d = re.escape(quotechar), delimiter
        delimiters -= sum(m.group().count(d) for m in re.finditer(f"{q}[^{q}]*(?:{q}{q}[^{q}]*)*{q}", text))
    return delimiters


def _short_rows(
    text: Callable[[], str], cells: pd.DataFrame, delimiters: int, delimiter: str, quotechar: str
) -> dict[int, int]:
    """Rows with fewer cells than the header (pandas pads them silently), as row number to cell count.

    Blank rows are left out (they are set aside). A cheap count decides first:
    when the ``delimiters`` outside quoted cells (:func:`_unquoted_delimiters`)
    are exactly (width - 1) per row, no row is short; only otherwise is the
    file's text (``text()``) parsed again to count cells.
    """
    width = len(cells.columns)
    if width <= 1 or len(cells) == 0:
        return {}
    if delimiters == (width - 1) * (len(cells) + 1):
        return {}
    try:
        counts = [len(row) for row in _records(text(), delimiter, quotechar)]
    except csv.Error:  # the two parsers disagree on this file: leave it to frictionless
        return {}
    if len(counts) != len(cells) + 1:  # the two parsers disagree on the rows: leave it to frictionless
        return {}
    return {number: n for number, n in enumerate(counts[1:], start=2) if 0 < n < width}


def _read_ragged(
    text: str, file: str, delimiter: str, quotechar: str
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, int]]:
    """Read a CSV whose rows may have more cells than the header, row by row."""
    rows = _csv_records(text, file, delimiter, quotechar)
    header, body = rows[0], rows[1:]
    width = len(header)
    kept, kept_rows, long_rows, long_raw = [], [], [], []
    short: dict[int, int] = {}
    for number, cells in enumerate(body, start=2):
        if len(cells) > width:
            long_rows.append(number)
            long_raw.append(delimiter.join(cells))
        else:
            if 0 < len(cells) < width:
                short[number] = len(cells)
            kept.append(cells + [""] * (width - len(cells)))
            kept_rows.append(number)
    frame = pd.DataFrame(
        kept, columns=_unique_labels(header), index=pd.Index(kept_rows, dtype=int, name=ROW_INDEX), dtype=str
    )
    too_long = pd.DataFrame({"raw": long_raw}, index=pd.Index(long_rows, dtype=int, name=ROW_INDEX), dtype=str)
    return frame, too_long, short


def _records(text: str, delimiter: str, quotechar: str, strict: bool = False) -> Any:
    """The csv module's reader over a text, splitting lines as pandas does (at \\n, \\r\\n and a bare \\r)."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar, strict=strict)


def _unique_labels(header: list[str]) -> list[str]:
    """Column names as pandas makes them: ``Unnamed: i`` for empty labels, ``x.1``, ``x.2`` for repeats."""
    labels = [label if label else f"Unnamed: {i}" for i, label in enumerate(header)]
    taken = set(labels)
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        if label in seen:
            k = seen[label]
            while f"{label}.{k}" in taken:
                k += 1
            seen[label] = k + 1
            taken.add(f"{label}.{k}")
            out.append(f"{label}.{k}")
        else:
            seen[label] = 1
            out.append(label)
    return out


def _csv_records(text: str, file: str, delimiter: str, quotechar: str) -> list[list[str]]:
    """All records of a CSV text; a quoted cell that runs to the end of the file is an error."""
    records: list[list[str]] = []
    reader = _records(text, delimiter, quotechar, strict=True)
    try:
        records.extend(reader)
    except csv.Error:
        try:
            lenient = list(_records(text, delimiter, quotechar))
        except csv.Error as error:
            raise CamtrapDPError(f"{file}: not a readable CSV file ({error})") from None
        last = lenient[-1] if lenient else []
        if len(lenient) == len(records) + 1 and any("\n" in cell or "\r" in cell for cell in last):
            # the last record swallowed the rest of the file: an opening quote never closed
            row = len(records) + 1
            raise CamtrapDPError(
                f"{file}: row {row}: a quoted cell is never closed, so the rest of the file would be read into it "
                f"(an opening {quotechar} without its closing {quotechar})"
            ) from None
        records = lenient
    if not records:
        raise CamtrapDPError(f"{file}: the file is empty (no header row)")
    return records


def set_aside_rows(
    cells: pd.DataFrame,
    too_long: pd.DataFrame,
    file: str,
    primary_key: str | None,
    missing: list[str],
    report: ValidationReport,
    earlier: Callable[[pd.Series], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Remove the rows that cannot stay in a table and record them in the report.

    Blank rows, rows with too many cells, and rows whose primary key is missing
    or repeats an earlier row's are set aside (``report.set_aside[file]``) with
    their raw text and the reason, and each is reported as an error.
    ``earlier``, for a table read in batches, gives for each key the row of
    an earlier batch that kept it (-1 where none did), so that a key repeated
    across batches is set aside too, naming that row.

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

    blank = pd.Series(_all_empty(cells), index=cells.index)
    for number in cells.index[blank]:
        report.add("error", file, int(number), None, "", "blank row; set aside", "blank-row")
    width = len(cells.columns)
    for number, count in sorted(cells.attrs.get("short_rows", {}).items()):
        if number in cells.index and not blank.loc[number]:
            report.add(
                "error",
                file,
                int(number),
                str(cells.columns[count]),
                None,
                f"row has {count} of the header's {width} cells; the missing cells from {cells.columns[count]} on "
                "are read as empty",
                "missing-cell",
            )
    reasons = pd.Series("", index=cells.index, dtype=object)
    reasons[blank] = "blank row"

    if primary_key is not None and primary_key in cells.columns:
        key = cells[primary_key]
        no_key = ~blank & key.isin(missing)
        for number in cells.index[no_key]:
            report.add(
                "error",
                file,
                int(number),
                primary_key,
                "",
                f"{primary_key} is missing; the row is set aside",
                "primary-key",
            )
        reasons[no_key] = f"missing {primary_key}"
        repeated = ~blank & ~no_key & key.duplicated(keep="first")
        # A table read in batches: the row each key was first kept in by an earlier batch (-1: none).
        before = pd.Series(earlier(key), index=key.index) if earlier is not None else None
        if before is not None:
            repeated |= ~blank & ~no_key & (before >= 0)
        if repeated.any():
            first_row = key[~key.duplicated(keep="first")]
            first_of = pd.Series(first_row.index, index=first_row.values)
            for number, value in key[repeated].items():
                first = int(before[number]) if before is not None and before[number] >= 0 else int(first_of[value])
                report.add(
                    "error",
                    file,
                    int(number),
                    primary_key,
                    value,
                    f"{primary_key} {value!r} repeats row {first}; the row is set aside",
                    "primary-key",
                )
        reasons[repeated] = f"duplicate {primary_key}"

    drop = reasons != ""
    if drop.any():
        raw = cells[drop].apply(lambda row: ",".join(row.astype(str)), axis=1)
        aside.append(pd.DataFrame({"raw": raw, "reason": reasons[drop]}))
    report.set_aside[file] = (
        pd.concat(aside).sort_index()
        if aside
        else pd.DataFrame({"raw": [], "reason": []}, index=pd.Index([], name=ROW_INDEX))
    )
    report.rows_read[file] = len(cells) + len(too_long)
    return cells[~drop] if drop.any() else cells  # no copy of a table with nothing set aside


def _all_empty(cells: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is ``""``, column by column, stopping at the first column that leaves none."""
    blank = np.ones(len(cells), dtype=bool)
    for label in cells.columns:
        if not blank.any():
            break
        blank &= (cells[label] == "").to_numpy(dtype=bool, na_value=False)
    return blank


def convert_columns(
    cells: pd.DataFrame,
    schema: dict[str, Any],
    file: str,
    report: ValidationReport,
    header: bool = True,
) -> pd.DataFrame:
    """Convert text cells to the types of a Table Schema.

    Schema fields missing from the file are added as empty columns (frictionless
    reports the missing label); columns not in the schema are kept as text after
    the schema's fields. Cells that cannot be converted are reported with the
    check name ``parse-error`` and become missing.
    """
    missing = missing_values(schema)
    if header:  # False for the second and later batches of a table read in batches (reported once)
        check_header(list(cells.columns), schema, file, report, cells.attrs.get("duplicate_labels"))
    # Whole-frame steps first (a few pandas calls, not a few per column): empty columns and text columns.
    is_missing = cells.isin(missing)
    empty = is_missing.all(axis=0)
    columns: dict[str, pd.Series | None] = {}
    text_columns: list[str] = []
    for spec in field_specs(schema):
        if spec.name not in cells.columns or empty[spec.name]:
            columns[spec.name] = _empty(cells.index, spec.type, spec.enum)
        elif spec.enum is None and spec.type not in _TYPED:
            columns[spec.name] = None
            text_columns.append(spec.name)
        else:
            columns[spec.name] = convert_field(cells[spec.name], spec, missing, file, report, is_missing[spec.name])
    for label in cells.columns:
        if label not in columns:
            columns[label] = None
            text_columns.append(label)
    if text_columns:
        text = cells[text_columns].where(~is_missing[text_columns]).astype("string")
        columns.update({label: text[label] for label in text_columns})
    frame = pd.DataFrame(columns, index=cells.index)
    frame.index.name = ROW_INDEX
    return frame


def check_header(
    labels: list[str],
    schema: dict[str, Any],
    file: str,
    report: ValidationReport,
    duplicate_labels: dict[str, list[int]] | None = None,
) -> None:
    """Report schema fields missing from the header (row 1), repeated labels and columns the schema does not know."""
    specs = field_specs(schema)
    duplicates = duplicate_labels if duplicate_labels is not None else {}
    renamed = {label: [labels[p - 1] for p in where[1:] if p <= len(labels)] for label, where in duplicates.items()}
    mangled = {name for names in renamed.values() for name in names}
    for label, where in duplicates.items():
        report.add(
            "error",
            file,
            1,
            label,
            None,
            f"column {label!r} appears {len(where)} times in the header (columns {', '.join(map(str, where))}); "
            f"the first is read as {label}, the others are kept as text columns {', '.join(renamed[label])}",
            "duplicate-label",
        )
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
                report.add(
                    "error",
                    file,
                    1,
                    spec.name,
                    None,
                    f"required column is missing from the header{hint}",
                    "missing-label",
                )
            else:
                report.add(
                    "warning", file, 1, spec.name, None, "optional column is missing; read as empty", "missing-label"
                )
    for label in labels:
        if label not in names and label not in mangled:
            report.add(
                "warning", file, 1, label, None, "column is not in the table schema; kept as text", "extra-label"
            )


def convert_field(
    text: pd.Series,
    spec: FieldSpec,
    missing: list[str],
    file: str,
    report: ValidationReport,
    is_missing: pd.Series | None = None,
) -> pd.Series:
    """Convert one column of text to the field's type, reporting cells that fail.

    ``is_missing``, when the caller has it, is ``text.isin(missing)``.
    """
    if is_missing is None:
        is_missing = text.isin(missing)
    kind = spec.type
    if is_missing.all():  # an empty column (most optional fields): no cell to convert or report
        return _empty(text.index, kind, spec.enum)
    message: pd.Series | None = None  # a message per bad cell, when it says more than the default
    if kind == "integer":
        numbers = _to_numbers(text, is_missing, _PLAIN_INTEGER)
        finite = pd.Series(np.isfinite(numbers.to_numpy(dtype=float, na_value=np.nan)), index=text.index)
        too_large = finite & (numbers.abs() >= _MAX_EXACT_INTEGER)
        bad = ~is_missing & (~finite | too_large | (numbers.where(finite & ~too_large, 0) % 1 != 0))
        values = numbers.where(~bad & ~is_missing).astype("Int64")
        expected = "an integer"
        # Messages for the bad cells only: a text array as long as the column costs ~300 bytes a row.
        message = pd.Series(
            np.where(
                too_large[bad], f"integer too large (only sizes below 2**53 = {_MAX_EXACT_INTEGER:,} are exact)", ""
            ),
            index=text.index[bad],
            dtype=object,
        )
    elif kind == "number":
        values = _to_numbers(text, is_missing, _PLAIN_NUMBER).astype("float64")
        infinite = pd.Series(np.isinf(values.to_numpy()), index=text.index)
        bad = ~is_missing & (values.isna() | infinite)
        values = values.where(~infinite)
        expected = "a number"
        message = pd.Series(np.where(infinite[bad], "not a finite number", ""), index=text.index[bad], dtype=object)
    elif kind == "boolean":
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[text.isin(TRUE_VALUES)] = True
        values[text.isin(FALSE_VALUES)] = False
        bad = ~is_missing & values.isna()
        expected = "true or false"
    elif kind == "datetime":
        values, bad = _parse_timestamps(text, is_missing, spec, file, report)
        expected = "a date-time like 2017-04-01T21:30:00+10:00"
    else:  # string, any and unknown types stay text
        values = text.where(~is_missing).astype("string")
        bad = pd.Series(False, index=text.index)
        expected = ""
    for number, value in text[bad].items():
        special = message.loc[number] if message is not None else ""
        report.add(
            "error",
            file,
            int(number),
            spec.name,
            value,
            f"cannot be read as {kind}: {special or 'expected ' + expected}",
            "parse-error",
        )
    if spec.enum is not None:
        values = _as_category(values, spec.enum)
    return values


#: Spellings of numbers that pyarrow's cast reads as pandas.to_numeric does (fifteen digits: exact as floats).
_PLAIN_INTEGER = r"^-?[0-9]{1,15}$"
_PLAIN_NUMBER = r"^-?(?:[0-9]{1,300}(?:\.[0-9]{0,300})?|\.[0-9]{1,300})(?:[eE][+-]?[0-9]{1,3})?$"


def _to_numbers(text: pd.Series, is_missing: pd.Series, plain: str) -> pd.Series:
    """``pandas.to_numeric(text.where(~is_missing), errors="coerce")``, by one pyarrow cast when every cell is plain.

    When every cell not missing has a ``plain`` spelling (digits, a point, an
    exponent), pyarrow's cast to float64 reads them, ten times faster and to
    the same floats (both round correctly: ``tests/test_camtrapdp_fast_paths.py``);
    missing cells are NaN. Any other column is read by pandas, as before.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    data = getattr(text.array, "_pa_array", None)
    if isinstance(data, pa.ChunkedArray) and (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
        present = pa.array(~is_missing.to_numpy())
        plain_cells = pc.or_(pc.invert(present), pc.match_substring_regex(data, plain))
        if pc.all(plain_cells).as_py() is not False:
            safe = pc.if_else(present, data, pa.scalar("0", type=data.type))
            try:
                numbers = pc.cast(safe, pa.float64()).to_numpy(zero_copy_only=False)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
            else:
                return pd.Series(np.where(is_missing.to_numpy(), np.nan, numbers), index=text.index)
    return pd.to_numeric(text.where(~is_missing), errors="coerce")


def _parse_timestamps(
    text: pd.Series, is_missing: pd.Series, spec: FieldSpec, file: str, report: ValidationReport
) -> tuple[pd.Series, pd.Series]:
    """Timestamps as UTC moments from the offset written in each; cells without one are reported.

    The offset alone decides the moment: no time zone is applied, so a wall
    time in a daylight-saving gap or fold is a well-defined moment whenever it
    carries an offset, and a timestamp without an offset is never guessed.
    Returns the values and the cells that are bad for another reason.
    """
    strict, moments = _strict_moments(text, is_missing)
    if (strict | is_missing).all():  # every cell read by the cast (or missing): nothing left for pandas
        return pd.Series(moments, index=text.index), pd.Series(False, index=text.index)
    is_missing = is_missing | strict  # the other cells as before; those read by the cast are set in after
    has_offset = text.str.contains(_OFFSET)
    parsed = pd.to_datetime(text.where(~is_missing & has_offset), format="ISO8601", utc=True, errors="coerce")
    if parsed.dtype == "datetime64[ns, UTC]":  # nothing beyond what nanoseconds hold
        outside = pd.Series(False, index=text.index)
        values = parsed
    else:
        outside = ((parsed < _EARLIEST) | (parsed > _LATEST)).fillna(False).astype(bool)
        values = parsed.where(~outside).astype("datetime64[ns, UTC]")
    if strict.any():
        values = values.mask(strict, pd.Series(moments, index=text.index))
    bad = ~is_missing & values.isna()
    no_offset = bad & ~has_offset
    if no_offset.any():  # which of them would be timestamps if they had an offset
        no_offset &= pd.to_datetime(text.where(no_offset), format="ISO8601", errors="coerce").notna()
    for number, value in text[no_offset].items():
        if re.search(r"[T ]\d", value):
            message = (
                "timestamp has no UTC offset, so the moment is ambiguous (a local time can occur twice, or not at "
                "all, around a daylight-saving change); write it as e.g. 2017-04-01T21:30:00+10:00 or "
                "2017-04-01T11:30:00Z"
            )
        else:
            message = "a date without a time and UTC offset; write a date-time such as 2017-04-01T21:30:00+10:00"
        report.add("error", file, int(number), spec.name, value, message, "parse-error")
    for number, value in text[outside].items():
        report.add(
            "error",
            file,
            int(number),
            spec.name,
            value,
            f"cannot be read as datetime: outside the years {_EARLIEST.year}-{_LATEST.year} that can be held",
            "parse-error",
        )
    return values, bad & ~no_offset & ~outside


#: The common spelling of a timestamp (``2021-04-05T19:08:33Z``, ``...+10:00``, ``...+1000``), read by one pyarrow cast.
_STRICT_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}:?[0-9]{2})$"


def _strict_moments(text: pd.Series, is_missing: pd.Series) -> tuple[pd.Series, pd.arrays.DatetimeArray]:
    """The cells in the common spelling of a timestamp, and their UTC moments, by one pyarrow cast.

    For these cells the cast gives what ``pandas.to_datetime(format="ISO8601",
    utc=True)`` gives (the moment by the offset written), about five times
    faster. The year 0 and moments outside ``datetime64[ns]`` are left to
    pandas (so are reported as before), and so is a whole column when the cast
    refuses any of its cells (a day past the month's end, hour 24, ...): the
    returned mask is then all False. Elsewhere the moments are NaT.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    none = pd.Series(False, index=text.index)
    empty = pd.DatetimeIndex(np.full(len(text), np.datetime64("NaT", "ns"))).tz_localize("UTC").array
    data = getattr(text.array, "_pa_array", None)
    if not isinstance(data, pa.ChunkedArray) or not len(text):
        return none, empty
    if not (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
        return none, empty
    strict = pc.and_(pc.match_substring_regex(data, _STRICT_TIMESTAMP), pc.invert(pc.starts_with(data, "0000")))
    mask = np.asarray(pc.fill_null(strict, False).to_numpy(zero_copy_only=False), dtype=bool) & ~is_missing.to_numpy()
    if not mask.any():
        return none, empty
    safe = pc.if_else(pa.array(mask), data, pa.scalar("2000-01-01T00:00:00Z", type=data.type))
    try:
        cast = pc.cast(safe, pa.timestamp("ns", "UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a bad cell, or a moment nanoseconds cannot hold
        return none, empty
    nanoseconds = np.asarray(cast.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    moments = np.where(mask, nanoseconds, np.iinfo(np.int64).min).view("datetime64[ns]")  # int64 min: NaT
    return pd.Series(mask, index=text.index), pd.DatetimeIndex(moments).tz_localize("UTC").array


def _empty(index: pd.Index, kind: str, enum: tuple | None) -> pd.Series:
    """An all-missing column of the type a field converts to."""
    if enum is not None:
        return pd.Series(np.nan, index=index, dtype=pd.CategoricalDtype(categories=list(dict.fromkeys(enum))))
    dtype = {
        "integer": "Int64",
        "number": "float64",
        "boolean": "boolean",
        "datetime": "datetime64[ns, UTC]",
    }.get(kind, "string")
    return pd.Series(pd.NA if dtype in ("Int64", "boolean", "string") else None, index=index, dtype=dtype)


def _as_category(values: pd.Series, enum: tuple[str, ...]) -> pd.Series:
    """A categorical with the schema's values first and any unknown value kept after them."""
    present = values.dropna().unique()
    extra = sorted((v for v in present if v not in enum), key=str)
    dtype = pd.CategoricalDtype(categories=list(dict.fromkeys([*enum, *extra])))
    if isinstance(values.dtype, pd.StringDtype) and all(isinstance(c, str) for c in dtype.categories):
        # text: the codes by one hash lookup (pyarrow), not through an object array
        import pyarrow as pa
        import pyarrow.compute as pc

        text = pa.array(values.array)
        codes = pc.fill_null(pc.index_in(text, value_set=pa.array(list(dtype.categories), type=text.type)), -1)
        return pd.Series(
            pd.Categorical.from_codes(codes.to_numpy(zero_copy_only=False), dtype=dtype), index=values.index
        )
    return values.astype(object).where(values.notna(), np.nan).astype(dtype)
