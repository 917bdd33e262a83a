"""A cache of read packages: a validated, typed copy of a package's tables, reopened in a fraction of a second.

:func:`~nbtools.camtrapdp.read_camtrapdp` parses, types and checks every cell of a package's CSV files; on the
default study (352,000 rows of gzipped CSV) that takes seconds. The result depends only on the bytes of the
files the read uses, on nbtools' code and on the read's options, so it is kept in a cache folder and reopened
from there while none of them changes:

* **Key.** The SHA-256 of every file the read uses (``datapackage.json``, each resource's file, a local Table
  Schema file), the package folder, the read options (``validate``, ``strict``, ``timezone``), nbtools' version
  and a digest of the reader's own source files, and the versions of pandas, pyarrow and timezonefinder. Any
  change of a byte of data gives another key: nothing is ever served stale (files are hashed on every read;
  the cost is about 30 ms for the default study's 7 MB).
* **Entry.** A folder holding Parquet files for the tables (the three core tables, extra resources, the
  written offsets and the rows set aside) and one ``entry.json`` with everything else: the metadata, the
  report's problems, rows read and notes, the time-zone choice, the UTC offset, each column's exact pandas
  dtype (categories in order, ``Int64``, ``boolean``, ``string``, ``datetime64[ns, UTC]``), each index, and the
  SHA-256 of each Parquet file. Plain data as JSON, tables as Parquet: **nothing is pickled**, so opening an
  entry never runs code hidden in a file.
* **Atomic.** An entry is written into a temporary folder and renamed into place, so another process
  (pytest-xdist, a second notebook) sees a whole entry or none. An entry that cannot be read, or whose files
  differ from their recorded SHA-256, is ignored and written again.
* **Where.** ``$NBTOOLS_CACHE`` if set, else the platform's user cache folder (``~/.cache/nbtools`` on Linux,
  ``$XDG_CACHE_HOME/nbtools`` when that is set). ``NBTOOLS_CACHE=off`` (or ``0``, ``false``, ``no``, ``none``)
  turns the cache off, as does ``read_camtrapdp(path, cache=False)``. Delete the folder to empty it.
* **Size.** One entry per package folder and set of options: a new entry (the data or nbtools changed)
  replaces the older ones of the same folder and options. The default study's entry is about 8 MB.
  A read during which a file changes is not stored.

Files recorded in a ``SHA256SUMS`` are checked against the digests computed for the key, so a package read
from the cache is checked exactly as one read from its CSV files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import sys
import uuid
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from ..checksums import sha256
from ..timezones import ZoneChoice
from .report import Problem, ValidationReport

log = logging.getLogger(__name__)

#: Environment variable naming the cache folder; ``off`` turns the cache off.
CACHE_ENV = "NBTOOLS_CACHE"
#: Values of ``$NBTOOLS_CACHE`` that turn the cache off.
OFF = frozenset({"off", "0", "false", "no", "none"})
#: Layout version of an entry; bump when the layout changes (old entries are then never looked up).
FORMAT = 1
DESCRIPTOR = "datapackage.json"
ENTRY = "entry.json"

#: The attributes of CamtrapDP and ValidationReport an entry holds; a class with other attributes is not cached.
PACKAGE_FIELDS = frozenset(
    {
        "deployments",
        "media",
        "observations",
        "metadata",
        "resources",
        "report",
        "path",
        "utc_offset",
        "timezone",
        "timezone_choice",
        "offsets",
        "upgraded_from",
    }
)
REPORT_FIELDS = frozenset({"problems", "rows_read", "set_aside", "notes"})


class CacheMiss(Exception):
    """An entry is absent, unreadable or not what its ``entry.json`` records."""


# --------------------------------------------------------------------------------------------- where
def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when ``$NBTOOLS_CACHE`` turns the cache off."""
    setting = os.environ.get(CACHE_ENV)
    if setting is not None and setting.strip():
        if setting.strip().lower() in OFF:
            return None
        return Path(setting).expanduser()
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # platformdirs is not a dependency; the XDG rule is what it does on Linux
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "nbtools"
    return Path(user_cache_dir("nbtools", appauthor=False))


# --------------------------------------------------------------------------------------------- key
@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """nbtools' version, a digest of the reader's source and schemas, and the versions of the libraries typing the tables."""
    import pyarrow

    import nbtools

    digest = hashlib.sha256(f"nbtools {nbtools.__version__}\n".encode())
    package = Path(nbtools.__file__).parent
    sources = sorted((package / "camtrapdp").rglob("*")) + [package / "timezones.py", package / "checksums.py"]
    for path in sources:
        if path.is_file() and path.suffix in (".py", ".json"):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        from importlib.metadata import version

        zones = version("timezonefinder")
    except Exception:  # noqa: BLE001 -- not installed: the zone choice does not use it
        zones = "none"
    digest.update(
        f"pandas {pd.__version__} pyarrow {pyarrow.__version__} timezonefinder {zones} "
        f"python {sys.version_info[:2]}".encode()
    )
    return digest.hexdigest()


def _inside(root: Path, file: str) -> Path | None:
    """The path of a plain relative file name inside ``root``, else None (the reader refuses it and says why)."""
    pure = PurePosixPath(file.replace("\\", "/"))
    if "://" in file or pure.is_absolute() or ".." in pure.parts or not pure.parts:
        return None
    path = root / pure
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    return path


def files_used(descriptor: dict[str, Any]) -> dict[str, bool]:
    """The files a read of this package opens, relative to its folder: each resource's file (True: the
    reader checks it against ``SHA256SUMS``) and local Table Schema file (False)."""
    names: dict[str, bool] = {}
    resources = descriptor.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict):
            continue
        for value, checked in ((resource.get("path"), True), (resource.get("schema"), False)):
            if isinstance(value, str) and value.strip() and "://" not in value:
                names[value] = names.get(value, False) or checked
    return names


def package_key(path: str | Path, options: dict[str, Any]) -> tuple[str, Path, dict[str, str]] | None:
    """The cache key of a read, the package folder and the SHA-256 of each file used (``None``: do not cache).

    The key is ``<group>-<digest>``: the group names the package folder and options, the digest everything
    (so a new entry of a group replaces the older ones: the cache holds one entry per folder and options).

    ``None`` when the descriptor is missing or not a JSON object: the reader then raises its own error.
    A file named by the descriptor that is absent or outside the folder enters the key as such, so the
    key changes when it appears.
    """
    path = Path(path)
    descriptor_file = path / DESCRIPTOR if path.is_dir() else path
    try:
        raw = descriptor_file.read_bytes()
        descriptor = json.loads(raw.decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(descriptor, dict):
        return None
    root = descriptor_file.parent
    digests = {descriptor_file.name: hashlib.sha256(raw).hexdigest()}
    checked = {DESCRIPTOR: digests[descriptor_file.name]} if descriptor_file.name == DESCRIPTOR else {DESCRIPTOR: ""}
    used = files_used(descriptor)
    for name in used:
        file = _inside(root, name)
        if file is None:
            digests[name] = "refused"
        elif not file.is_file():
            digests[name] = "absent"
        else:
            try:
                digests[name] = sha256(file)
            except OSError:
                return None
            if used[name]:
                checked[name] = digests[name]
    where = {"root": str(root.resolve()), "descriptor": descriptor_file.name, "options": options}
    text = json.dumps(
        {"format": FORMAT, "code": code_fingerprint(), "files": digests, **where}, sort_keys=True, default=str
    )
    group = hashlib.sha256(json.dumps(where, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{group}-{hashlib.sha256(text.encode()).hexdigest()}", root, checked


def verify_recorded(root: Path, digests: dict[str, str]) -> None:
    """Check the files read against a ``SHA256SUMS``, as the reader does, with the digests already computed.

    ``digests`` are those :func:`package_key` returns: ``datapackage.json`` and each resource's file
    (an empty digest: the file is hashed now).

    Raises
    ------
    nbtools.checksums.ChecksumError
        A file differs from its recorded checksum (the same error as a read from the CSV files).
    """
    from ..checksums import verify_file

    for name, digest in digests.items():
        verify_file(root / name, actual=digest or None)


# --------------------------------------------------------------------------------------------- dtypes
def _plain(values: pd.Index) -> list[Any]:
    out = []
    for value in values.tolist():
        if isinstance(value, (bool, np.bool_)):
            out.append(bool(value))
        elif isinstance(value, (int, np.integer)):
            out.append(int(value))
        elif isinstance(value, (float, np.floating)) and np.isfinite(value):
            out.append(float(value))
        elif isinstance(value, str):
            out.append(value)
        else:
            raise TypeError(f"category {value!r} is not plain data")
    return out


def dtype_spec(dtype: Any) -> dict[str, Any]:
    """A JSON description of a pandas dtype, exact enough to rebuild it (:func:`dtype_from_spec`)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return {
            "kind": "category",
            "categories": _plain(dtype.categories),
            "ordered": bool(dtype.ordered),
            "categories_dtype": dtype_spec(dtype.categories.dtype),
        }
    if isinstance(dtype, pd.StringDtype):
        return {"kind": "string", "storage": dtype.storage, "na": "nan" if dtype.na_value is np.nan else "NA"}
    name = str(dtype)
    if pd.api.types.pandas_dtype(name) != dtype:
        raise TypeError(f"dtype {dtype!r} cannot be written down")
    return {"kind": "named", "name": name}


def dtype_from_spec(spec: dict[str, Any]) -> Any:
    """The pandas dtype a :func:`dtype_spec` describes."""
    if spec["kind"] == "category":
        categories = pd.Index(spec["categories"], dtype=dtype_from_spec(spec["categories_dtype"]))
        return pd.CategoricalDtype(categories, ordered=spec["ordered"])
    if spec["kind"] == "string":
        return pd.StringDtype(spec["storage"], na_value=np.nan if spec["na"] == "nan" else pd.NA)
    return pd.api.types.pandas_dtype(spec["name"])


def _index_spec(index: pd.Index) -> dict[str, Any]:
    if not isinstance(index.name, (str, type(None))):
        raise TypeError("index name is not text")
    if isinstance(index, pd.RangeIndex):
        return {"kind": "range", "start": index.start, "stop": index.stop, "step": index.step, "name": index.name}
    if isinstance(index, pd.MultiIndex):
        raise TypeError("a MultiIndex is not cached")
    return {"kind": "column", "name": index.name, "dtype": dtype_spec(index.dtype)}


INDEX_COLUMN = "__nbtools_index__"


def frame_spec(frame: pd.DataFrame) -> dict[str, Any]:
    """Columns, their dtypes and the index of a table, as JSON."""
    columns = list(frame.columns)
    if not all(isinstance(c, str) for c in columns) or len(set(columns)) != len(columns) or INDEX_COLUMN in columns:
        raise TypeError("only tables with distinct text column names are cached")
    if frame.attrs:
        raise TypeError("tables with attrs are not cached")
    return {
        "columns": columns,
        "dtypes": [dtype_spec(frame[c].dtype) for c in columns],
        "index": _index_spec(frame.index),
        "columns_dtype": dtype_spec(frame.columns.dtype),
    }


def write_frame(frame: pd.DataFrame, path: Path) -> dict[str, Any]:
    """Write a table as Parquet; returns its spec (with the file's SHA-256) for ``entry.json``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    spec = frame_spec(frame)
    data = frame.reset_index(drop=True)
    if spec["index"]["kind"] == "column":
        data.insert(0, INDEX_COLUMN, frame.index.to_numpy())
    table = pa.Table.from_pandas(data, preserve_index=False)
    pq.write_table(table, path, compression="zstd")
    spec["file"] = path.name
    spec["sha256"] = sha256(path)
    return spec


def read_frame(folder: Path, spec: dict[str, Any]) -> pd.DataFrame:
    """A table written by :func:`write_frame`, with its dtypes and index exactly as they were."""
    import pyarrow.parquet as pq

    path = folder / spec["file"]
    if sha256(path) != spec["sha256"]:
        raise CacheMiss(f"{path.name}: differs from its recorded SHA-256")
    frame = pq.read_table(path).to_pandas()
    expected = spec["columns"] if spec["index"]["kind"] == "range" else [INDEX_COLUMN, *spec["columns"]]
    if list(frame.columns) != expected:
        raise CacheMiss(f"{path.name}: columns differ from entry.json")
    index_spec = spec["index"]
    if index_spec["kind"] == "range":
        index: pd.Index = pd.RangeIndex(
            index_spec["start"], index_spec["stop"], index_spec["step"], name=index_spec["name"]
        )
    else:
        index = pd.Index(frame.pop(INDEX_COLUMN), name=index_spec["name"]).astype(dtype_from_spec(index_spec["dtype"]))
        index.name = index_spec["name"]
    if len(index) != len(frame):
        raise CacheMiss(f"{path.name}: {len(frame)} rows where entry.json records {len(index)}")
    frame.index = index
    for column, dtype_json in zip(spec["columns"], spec["dtypes"]):
        dtype = dtype_from_spec(dtype_json)
        if frame[column].dtype != dtype or (
            isinstance(dtype, pd.CategoricalDtype) and not frame[column].dtype.categories.equals(dtype.categories)
        ):
            frame[column] = frame[column].astype(dtype)
    columns_dtype = dtype_from_spec(spec["columns_dtype"])
    if frame.columns.dtype != columns_dtype:
        frame.columns = frame.columns.astype(columns_dtype)
    return frame


# --------------------------------------------------------------------------------------------- entries
def _json_text(value: Any) -> Any:
    """Refuse anything JSON would not give back as it was (tuples, non-text keys, NaN...)."""
    text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    if json.loads(text) != value:
        raise TypeError("not plain JSON data")
    return value


def _check_fields(package: Any) -> None:
    names = {f.name for f in dataclasses.fields(package)}
    report = {f.name for f in dataclasses.fields(package.report)}
    if names != PACKAGE_FIELDS or report != REPORT_FIELDS:
        raise TypeError("CamtrapDP or ValidationReport has attributes the cache does not know")
    if not (package.timezone_choice is None or type(package.timezone_choice) is ZoneChoice):
        raise TypeError("timezone_choice is not a ZoneChoice")


def write_entry(folder: Path, package: Any) -> None:
    """Write a package's attributes into ``folder`` (which exists and is empty)."""
    _check_fields(package)
    tables: dict[str, dict[str, Any]] = {}
    counter = iter(range(1 << 30))

    def table(frame: pd.DataFrame) -> dict[str, Any]:
        return write_frame(frame, folder / f"t{next(counter)}.parquet")

    for name in ("deployments", "media", "observations", "offsets"):
        tables[name] = table(getattr(package, name))
    report = package.report
    choice = package.timezone_choice
    entry = {
        "format": FORMAT,
        "tables": tables,
        "resources": {name: table(frame) for name, frame in package.resources.items()},
        "set_aside": {name: table(frame) for name, frame in report.set_aside.items()},
        "metadata": _json_text(package.metadata),
        "utc_offset": package.utc_offset,
        "timezone": package.timezone,
        "upgraded_from": package.upgraded_from,
        "timezone_choice": None if choice is None else _json_text(dataclasses.asdict(choice)),
        "problems": [
            [
                p.severity,
                p.file,
                int(p.row) if isinstance(p.row, np.integer) else p.row,
                p.field,
                p.value,
                p.message,
                p.check,
            ]
            for p in report.problems
        ],
        "rows_read": _json_text(dict(report.rows_read)),
        "notes": _json_text(list(report.notes)),
    }
    for problem in entry["problems"]:
        if not (problem[2] is None or type(problem[2]) is int) or not all(
            v is None or type(v) is str for v in problem[3:5]
        ):
            raise TypeError("a problem holds more than text and row numbers")
    _json_text(entry["problems"])
    (folder / ENTRY).write_text(json.dumps(entry, ensure_ascii=False, allow_nan=False), encoding="utf-8")


def read_entry(folder: Path) -> dict[str, Any]:
    """The attributes of a cached package (``path`` excepted), as keyword arguments for ``CamtrapDP``.

    Raises
    ------
    CacheMiss
        The entry is absent, incomplete or damaged.
    """
    try:
        entry = json.loads((folder / ENTRY).read_text(encoding="utf-8"))
        if entry.get("format") != FORMAT:
            raise CacheMiss("another layout")
        tables = {name: read_frame(folder, spec) for name, spec in entry["tables"].items()}
        report = ValidationReport(
            problems=[Problem(*fields) for fields in entry["problems"]],
            rows_read={str(k): int(v) for k, v in entry["rows_read"].items()},
            set_aside={name: read_frame(folder, spec) for name, spec in entry["set_aside"].items()},
            notes=list(entry["notes"]),
        )
        choice = entry["timezone_choice"]
        return dict(
            deployments=tables["deployments"],
            media=tables["media"],
            observations=tables["observations"],
            offsets=tables["offsets"],
            metadata=entry["metadata"],
            resources={name: read_frame(folder, spec) for name, spec in entry["resources"].items()},
            report=report,
            utc_offset=entry["utc_offset"],
            timezone=entry["timezone"],
            timezone_choice=None if choice is None else ZoneChoice(**choice),
            upgraded_from=entry["upgraded_from"],
        )
    except CacheMiss:
        raise
    except Exception as error:  # noqa: BLE001 -- any damage (truncated Parquet, bad JSON, missing key) is a miss
        raise CacheMiss(f"{folder.name}: unreadable ({type(error).__name__}: {error})") from error


def store(base: Path, key: str, package: Any) -> Path | None:
    """Write an entry atomically (temporary folder, then rename); ``None`` if it cannot be written.

    A package holding something the cache cannot write exactly (an extra resource of mixed objects, say)
    is simply not cached. An existing entry under the key (written meanwhile by another process, or a
    damaged one being replaced) is handled without a reader ever seeing half an entry. Older entries of
    the same group (the same folder and options, other file contents or another nbtools) are removed.
    """
    entries = base / f"camtrapdp-{FORMAT}"
    temporary = entries / f".tmp-{key[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    target = entries / key
    try:
        temporary.mkdir(parents=True)
        write_entry(temporary, package)
        try:
            os.rename(temporary, target)
        except OSError:  # an entry is there: another process's (keep it) or a damaged one (replace it)
            try:
                read_entry(target)
            except CacheMiss:
                _remove(entries, target)
                os.rename(temporary, target)
        _prune(entries, key)
        return target
    except Exception as error:  # noqa: BLE001 -- a full disk, a column pyarrow refuses (ArrowInvalid...): not cached
        log.info("read cache: %s not stored (%s: %s)", key, type(error).__name__, error)
        return None
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def _remove(entries: Path, folder: Path) -> None:
    """Remove an entry: renamed out of the way first, so no reader sees it half deleted."""
    trash = entries / f".old-{folder.name[:16]}-{uuid.uuid4().hex[:8]}"
    try:
        os.rename(folder, trash)
    except OSError:  # gone already (another process pruned it)
        return
    shutil.rmtree(trash, ignore_errors=True)


def _prune(entries: Path, key: str) -> None:
    group = key.split("-", 1)[0] + "-"
    for folder in entries.iterdir():
        if folder.name.startswith(group) and folder.name != key:
            _remove(entries, folder)


def load(base: Path, key: str) -> dict[str, Any] | None:
    """The cached attributes under ``key``, or ``None`` when there is no usable entry."""
    folder = base / f"camtrapdp-{FORMAT}" / key
    if not (folder / ENTRY).is_file():
        return None
    try:
        return read_entry(folder)
    except CacheMiss as miss:
        log.info("read cache: entry ignored and read again: %s", miss)
        return None
