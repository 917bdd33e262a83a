"""Validate (and convert) a Camtrap DP package of any size in record batches, in bounded memory.

:func:`validate_camtrapdp` gives the report :func:`~nbtools.camtrapdp.read_camtrapdp`
gives, without holding the media and observations tables: each is read by
pyarrow's streaming CSV reader in record batches of about ``block_bytes`` of
text, and each batch goes through the reader's own steps (rows set aside, the
Table Schema checks of :mod:`.constraints`, typing, our rules across tables)
before it is let go. What must outlive a batch is kept compactly
(:mod:`.keys`): the primary keys seen (a key repeated in a later batch is set
aside, naming its first row) and, for the media, each ``mediaID`` with its
deployment (the observations' foreign key and the ``media-deployment`` rule),
20 bytes a key; the UTC offsets written, per deployment and column; the rows
set aside and the findings. The deployments table is read whole (it is small)
and kept.

A ``sink`` receives every typed batch (:mod:`.convert` writes them to a
partitioned Parquet dataset).

The findings are those of :func:`read_camtrapdp` (the tests compare them);
they are ordered table by table, a table's cross-table rules after each of its
batches rather than after all tables. A table is read whole, as
:func:`read_camtrapdp` reads it (so its memory is not bounded), when pyarrow
cannot stream it as pandas would read it: rows with more or fewer cells than
the header, empty or repeated header labels, text that is not UTF-8 or holds a
NUL byte (these raise or are reported by the whole-table reader, naming the
file and row), a ``unique`` field besides the primary key, and Camtrap DP
0.1.x packages (upgraded on reading).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..checksums import verify_file
from ..timezones import choose_timezone
from .keys import KeyIndex
from .offsets import OFFSET_COLUMNS, check_offsets, written_offsets
from .package import (
    CamtrapDP,
    _dialect,
    _inside,
    _keys_set_aside,
    _primary_key,
    _raise_if_errors,
    check_and_convert,
    core_schema,
    metadata_of,
    open_package,
    read_camtrapdp,
    read_core_table,
    read_extras,
    resource_path,
    stated_zone,
)
from .report import ValidationReport
from .schemas import CORE_TABLES
from .tables import (
    _TEXT_DTYPE,
    ROW_INDEX,
    arrow_csv_options,
    is_file,
    plain_header,
    set_aside_rows,
    text_frame,
)
from .validate import check_batch_rules, check_deployment_rules, deduplicate

#: Text read per record batch (bytes of CSV after decompression): about 90,000 observation rows. A batch is
#: worked on with about 25 times its text in memory (text, masks, typed columns), so 16 MiB: 0.4-0.5 GB.
BLOCK_BYTES = 16 << 20


class Sink(Protocol):
    """Where the typed tables go as they are read (see :class:`nbtools.camtrapdp.convert.ParquetSink`)."""

    def begin(self, name: str) -> None:
        """A table starts (again, after a restart: anything written of it before is dropped)."""

    def write(self, name: str, table: pd.DataFrame) -> None:
        """Typed rows of table ``name``, indexed by row number in the file."""

    def end(self, name: str) -> None:
        """The table is complete."""


class _Whole(Exception):
    """This table must be read whole (pyarrow cannot stream it as pandas reads it)."""


@dataclass
class _Shared:
    """What the batches of the package share: the report, the deployments, the media's compact index."""

    report: ValidationReport
    files: dict[str, str]
    deployments: pd.DataFrame
    aside_keys: dict[str, dict[str, int]] = field(default_factory=dict)
    unusable_keys: set[str] = field(default_factory=set)
    offsets: list[pd.DataFrame] = field(default_factory=list)
    media: KeyIndex = field(default_factory=KeyIndex)
    media_deployments: list[str] = field(default_factory=list)
    sink: Sink | None = None
    empty: dict[str, pd.DataFrame] = field(default_factory=dict)


def validate_camtrapdp(
    path: str | Path, timezone: str | None = None, *, block_bytes: int = BLOCK_BYTES, progress: bool = False
) -> ValidationReport:
    """Check a Camtrap DP package of any size, keeping only the report.

    Parameters
    ----------
    path : str or pathlib.Path
        The package folder, or its ``datapackage.json``.
    timezone : str, optional
        As in :func:`~nbtools.camtrapdp.read_camtrapdp`.
    block_bytes : int
        Bytes of CSV text per record batch; peak memory grows with it (a few
        times the batch's text), not with the table.
    progress : bool, default False
        Show a progress bar (tqdm) per table.

    Returns
    -------
    ValidationReport
        The findings of ``read_camtrapdp(path)``, with its row accounting.

    Examples
    --------
    >>> from nbtools.camtrapdp import validate_camtrapdp
    >>> print(validate_camtrapdp("data/leopard-study").summary())  # doctest: +SKIP
    """
    return stream_camtrapdp(path, timezone=timezone, block_bytes=block_bytes, progress=progress).report


def stream_camtrapdp(
    path: str | Path,
    sink: Sink | None = None,
    *,
    validate: bool = True,
    strict: bool = False,
    timezone: str | None = None,
    block_bytes: int = BLOCK_BYTES,
    progress: bool = False,
) -> CamtrapDP:
    """Read a package in record batches, passing each typed batch to ``sink``; keep the deployments and the report.

    Returns
    -------
    CamtrapDP
        The deployments, metadata, extra resources, time zone, offsets and
        report of :func:`read_camtrapdp`; ``media`` and ``observations`` are
        empty tables with the typed columns (their rows went to ``sink``).
    """
    report = ValidationReport()
    root, descriptor, declared, upgraded_from = open_package(path, report, validate)
    if upgraded_from is not None:  # 0.1.x: upgraded whole (its media and observations are read together)
        return _whole_package(path, sink, validate, strict, timezone)
    deployments = read_core_table(root, declared["deployments"], "deployments", descriptor, report, validate)
    shared = _Shared(report, {"deployments": deployments.file}, deployments.typed, sink=sink)
    for name in CORE_TABLES[1:]:
        shared.files[name] = resource_path(declared[name], name)
    shared.aside_keys[deployments.file] = deployments.aside_keys
    if deployments.unusable_key:
        shared.unusable_keys.add(deployments.file)
    shared.offsets.append(deployments.offsets)
    if sink is not None:
        sink.begin("deployments")
        sink.write("deployments", deployments.typed)
        sink.end("deployments")
    check_deployment_rules(deployments.typed, deployments.file, report, descriptor.get("spatial"))
    for name in CORE_TABLES[1:]:
        _read_table(root, declared[name], name, descriptor, shared, validate, block_bytes, progress)
    choice = choose_timezone(
        deployments.typed, given=timezone, stated=stated_zone(descriptor), written_offset=deployments.utc_offset
    )
    report.notes.append(choice.reason)
    written = merge_offsets(shared.offsets)
    check_offsets(written, report, zone=choice.zone if choice.source in ("given", "stated", "coordinates") else None)
    deduplicate(report)
    package = CamtrapDP(
        deployments=deployments.typed,
        media=shared.empty.get("media", pd.DataFrame()),
        observations=shared.empty.get("observations", pd.DataFrame()),
        metadata=metadata_of(descriptor),
        resources=read_extras(root, declared, report),
        report=report,
        path=root,
        utc_offset=deployments.utc_offset,
        timezone=choice.zone,
        timezone_choice=choice,
        offsets=written,
    )
    if strict:
        _raise_if_errors(package)
    return package


def _whole_package(
    path: str | Path, sink: Sink | None, validate: bool, strict: bool, timezone: str | None
) -> CamtrapDP:
    """A package read whole by :func:`read_camtrapdp` (Camtrap DP 0.1.x), its tables passed to ``sink``."""
    package = read_camtrapdp(path, validate=validate, timezone=timezone, cache=False)
    for name, table in package.tables().items():
        if sink is not None:
            sink.begin(name)
            sink.write(name, table)
            sink.end(name)
        if name != "deployments":
            setattr(package, name, table.iloc[:0])
    if strict:
        _raise_if_errors(package)
    return package


def merge_offsets(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """:func:`~nbtools.camtrapdp.offsets.written_offsets` of the batches of the tables, merged into one per table."""
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=OFFSET_COLUMNS)
    keys = ["table", "file", "deploymentID", "column", "offset"]
    merged = pd.concat(frames, ignore_index=True).groupby(keys, sort=False, observed=True, dropna=False)
    out = merged.agg(rows=("rows", "sum"), first_row=("first_row", "min"), first=("first", "min"), last=("last", "max"))
    return out.reset_index()[OFFSET_COLUMNS]


def _read_table(
    root: Path,
    resource: dict[str, Any],
    name: str,
    descriptor: dict[str, Any],
    shared: _Shared,
    validate: bool,
    block_bytes: int,
    progress: bool,
) -> None:
    """One core table (media or observations): in record batches, or whole where it cannot be streamed."""
    report = shared.report
    file = shared.files[name]
    schema = core_schema(root, resource, name, descriptor)
    path = _inside(root, file, name)
    if is_file(path):
        verify_file(path)
    start, media_start = len(report.problems), len(shared.media)
    if shared.sink is not None:
        shared.sink.begin(name)
    try:
        _stream_table(path, resource, name, schema, shared, validate, block_bytes, progress)
    except _Whole:
        del report.problems[start:]
        report.set_aside.pop(file, None)
        report.rows_read.pop(file, None)
        shared.offsets = [frame for frame in shared.offsets if not (len(frame) and (frame["file"] == file).any())]
        if len(shared.media) != media_start:
            shared.media = KeyIndex()
        table = read_core_table(root, resource, name, descriptor, report, validate)
        shared.aside_keys[file] = table.aside_keys
        if table.unusable_key:
            shared.unusable_keys.add(file)
        shared.offsets.append(table.offsets)
        if shared.sink is not None:
            shared.sink.begin(name)
        _typed_rows(name, table.typed, _primary_key(schema), shared, KeyIndex())
    if shared.sink is not None:
        shared.sink.end(name)


def _stream_table(
    path: Path,
    resource: dict[str, Any],
    name: str,
    schema: dict[str, Any],
    shared: _Shared,
    validate: bool,
    block_bytes: int,
    progress: bool,
) -> None:
    """Read and check one table batch by batch; raise :class:`_Whole` where it must be read whole."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    file = shared.files[name]
    key = _primary_key(schema)
    fields = schema.get("fields", [])
    if any((f.get("constraints") or {}).get("unique") and f.get("name") != key for f in fields):
        raise _Whole  # a unique field besides the primary key: checked on the whole column
    dialect = _dialect(resource, file)
    delimiter, quotechar = (dialect or {}).get("delimiter", ","), (dialect or {}).get("quoteChar", '"')
    try:
        header = plain_header(_head(path).decode("utf-8-sig", errors="ignore"), delimiter, quotechar)
    except (OSError, EOFError, ValueError):  # e.g. a corrupt gzip stream: the whole-table reader says so
        raise _Whole from None
    if header is None:
        raise _Whole
    stream, raw = _open(path)
    with raw:
        options = arrow_csv_options(header, delimiter, quotechar, block_size=block_bytes)
        keys = KeyIndex() if name != "media" else shared.media
        row = 2
        aside: list[pd.DataFrame] = []
        bar = _progress(path, file, progress)
        try:
            reader = pacsv.open_csv(stream, *options)
            if reader.schema.names != header:
                raise _Whole
            batches = 0
            for batch in reader:
                batches += 1
                if any(pc.any(pc.match_substring(column, "\x00")).as_py() for column in batch.columns):
                    raise _Whole  # a NUL byte: the whole-table reader says where
                cells = text_frame(pa.Table.from_batches([batch]))
                row = _batch(cells, row, name, schema, key, dialect, shared, keys, validate, aside)
                bar.update(raw.tell() - bar.n)
            if not batches:  # no data rows: the header is still checked
                _batch(
                    pd.DataFrame({h: pd.Series([], dtype=_TEXT_DTYPE) for h in header}),
                    row,
                    name,
                    schema,
                    key,
                    dialect,
                    shared,
                    keys,
                    validate,
                    aside,
                )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, EOFError, UnicodeDecodeError):
            raise _Whole from None
        finally:
            bar.close()
    report = shared.report
    report.set_aside[file] = (
        pd.concat(aside).sort_index()
        if aside
        else pd.DataFrame({"raw": [], "reason": []}, index=pd.Index([], name=ROW_INDEX))
    )
    report.rows_read[file] = row - 2


def _batch(
    cells: pd.DataFrame,
    row: int,
    name: str,
    schema: dict[str, Any],
    key: str | None,
    dialect: dict[str, Any] | None,
    shared: _Shared,
    keys: KeyIndex,
    validate: bool,
    aside: list[pd.DataFrame],
) -> int:
    """Check and type one batch of text cells whose first row is ``row``; return the next batch's first row."""
    report, file = shared.report, shared.files[name]
    first = row == 2
    cells.index = pd.RangeIndex(row, row + len(cells), name=ROW_INDEX)
    cells.attrs["short_rows"], cells.attrs["duplicate_labels"] = {}, {}
    shared.offsets.append(written_offsets(cells, name, file))
    too_long = pd.DataFrame({"raw": pd.Series(dtype=str)}, index=pd.Index([], dtype=int, name=ROW_INDEX))
    missing = list(schema.get("missingValues", [""]))
    kept = set_aside_rows(cells, too_long, file, key, missing, report, earlier=keys.first_rows if key else None)
    if len(report.set_aside[file]):
        aside.append(report.set_aside[file])
    for value, number in _keys_set_aside(cells, too_long, kept, key, dialect).items():
        shared.aside_keys.setdefault(file, {}).setdefault(value, number)
    if first and key is not None and key not in cells.columns:
        shared.unusable_keys.add(file)
    next_row = row + len(cells)
    typed = check_and_convert(cells, kept, schema, file, report, validate, key, header=first)
    del cells, kept
    _typed_rows(name, typed, key, shared, keys)
    del typed
    _release_memory()
    return next_row


def _release_memory() -> None:
    """Give the memory freed by a batch back to the system (glibc's and pyarrow's allocators keep it otherwise)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None on other systems."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _typed_rows(name: str, typed: pd.DataFrame, key: str | None, shared: _Shared, keys: KeyIndex) -> None:
    """After typing: remember the keys, check the rules across tables, pass the rows on."""
    shared.aside_keys.setdefault(shared.files[name], {})
    if name == "media":
        codes = _deployment_codes(typed["deploymentID"], shared.media_deployments)
        shared.media.add(typed["mediaID"], typed.index.to_numpy(), codes)
    elif key is not None and key in typed.columns:
        keys.add(typed[key], typed.index.to_numpy())
    if name == "observations":
        at = shared.media.positions(typed["mediaID"])
        known = pd.Series(at >= 0, index=typed.index)
        names = np.asarray(shared.media_deployments + [None], dtype=object)  # code -1: the None at the end
        codes = np.where(at >= 0, shared.media.payload[np.maximum(at, 0)] if len(shared.media) else -1, -1)
        other = pd.Series(pd.array(names[codes], dtype=typed["deploymentID"].dtype), index=typed.index)
        check_batch_rules(
            name,
            typed,
            shared.deployments,
            shared.files,
            shared.report,
            shared.aside_keys,
            shared.unusable_keys,
            known_media=known,
            media_deployment=other,
        )
    else:
        check_batch_rules(
            name, typed, shared.deployments, shared.files, shared.report, shared.aside_keys, shared.unusable_keys
        )
    shared.empty.setdefault(name, typed.iloc[:0])
    if shared.sink is not None:
        shared.sink.write(name, typed)


def _deployment_codes(values: pd.Series, names: list[str]) -> np.ndarray:
    """Each value's position in ``names`` (extended with new values), -1 where missing."""
    index = pd.Index(names, dtype=object)
    new = [v for v in pd.unique(values.dropna()) if v not in set(names)] if len(values) else []
    if new:
        names.extend(new)
        index = pd.Index(names, dtype=object)
    return index.get_indexer(values.astype(object)).astype(np.int32)


def _head(path: Path) -> bytes:
    """The first MiB of the table's text (decompressed), for its header."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return handle.read(1 << 20)


def _open(path: Path) -> tuple[Any, Any]:
    """The table's decompressed bytes as a pyarrow stream, and the raw file (its position drives the progress bar)."""
    import pyarrow as pa

    raw = open(path, "rb")  # noqa: SIM115 -- closed by the caller
    source = pa.PythonFile(raw, mode="r")
    return (pa.CompressedInputStream(source, "gzip") if path.suffix == ".gz" else source), raw


def _progress(path: Path, file: str, show: bool) -> Any:
    """A tqdm bar over the bytes of the file on disk (disabled unless ``show``)."""
    from tqdm.auto import tqdm

    size = path.stat().st_size
    return tqdm(total=size, unit="B", unit_scale=True, desc=file, disable=not show, mininterval=0.5, leave=False)
