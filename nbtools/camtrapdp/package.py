"""Read a Camtrap DP package into typed tables, with a validation report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from ..checksums import verify_file
from ..timezones import ZoneChoice, choose_timezone
from .cache import cache_dir, package_key, verify_recorded
from .cache import load as load_entry
from .cache import store as store_entry
from .constraints import check_cells
from .offsets import OFFSET_COLUMNS, check_offsets, written_offsets
from .report import CamtrapDPError, ValidationReport
from .schemas import BUNDLED_VERSION, CORE_TABLES, check_schema, package_version, resource_version, table_schema
from .tables import convert_columns, dialect_characters, is_file, read_text_table, set_aside_rows
from .upgrade import (
    check_upgraded_descriptor,
    check_upgraded_table,
    explain_upgraded_fields,
    legacy_version,
    report_upgrade,
    sequence_times,
    upgrade_descriptor,
    upgrade_table,
)
from .validate import DESCRIPTOR, check_descriptor, check_rules, deduplicate


@dataclass
class CamtrapDP:
    """A Camtrap DP package as typed pandas tables.

    Attributes
    ----------
    deployments, media, observations : pandas.DataFrame
        The three core tables with Camtrap DP field names, indexed by the row
        number in their file (the header is row 1). Timestamps are
        ``datetime64[ns, UTC]``, enumerations categoricals, integers ``Int64``,
        booleans ``boolean``.
    metadata : dict
        ``datapackage.json`` without ``resources`` (project, spatial, temporal,
        taxonomic, contributors, licences, ...).
    resources : dict of str to pandas.DataFrame
        Extra resources, such as ``individuals``.
    report : ValidationReport
        Problems found when reading, with the row accounting.
    path : pathlib.Path or None
        The package folder, when read from disk.
    utc_offset : str or None
        The UTC offset most deployments were written with (``+02:00``);
        ``None`` when unknown. Not the local time when the export writes UTC
        (``Z``): see ``timezone``.
    timezone : str or None
        The study's local time zone (see :func:`nbtools.timezones.choose_timezone`):
        the one given to the reader, else one the package states, else the
        IANA zone at the deployments' coordinates.
    timezone_choice : nbtools.timezones.ZoneChoice or None
        The zone and why it was chosen (also a note in ``report``).
    offsets : pandas.DataFrame
        The UTC offsets the timestamps were written with, per deployment, table
        and column (:func:`nbtools.camtrapdp.offsets.written_offsets`).
    upgraded_from : str or None
        The Camtrap DP version (``"0.1.6"``) of a package upgraded to 1.0 on
        reading (:mod:`nbtools.camtrapdp.upgrade`); ``None`` for a 1.0 package.
    """

    deployments: pd.DataFrame
    media: pd.DataFrame
    observations: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, pd.DataFrame] = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)
    path: Path | None = None
    utc_offset: str | None = None
    timezone: str | None = None
    timezone_choice: ZoneChoice | None = None
    offsets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OFFSET_COLUMNS))
    upgraded_from: str | None = None

    @property
    def individuals(self) -> pd.DataFrame | None:
        """The ``individuals`` resource, if the package has one."""
        return self.resources.get("individuals")

    @property
    def project(self) -> dict[str, Any]:
        """The ``project`` metadata (title, samplingDesign, captureMethod, ...)."""
        return self.metadata.get("project", {})

    @property
    def taxonomic(self) -> pd.DataFrame:
        """The ``taxonomic`` metadata as a table (scientificName, taxonRank, vernacularNames, ...)."""
        return pd.json_normalize(self.metadata.get("taxonomic", []))

    @property
    def spatial(self) -> dict[str, Any] | None:
        """The ``spatial`` coverage (a GeoJSON geometry in WGS84)."""
        return self.metadata.get("spatial")

    @property
    def temporal(self) -> dict[str, Any] | None:
        """The ``temporal`` coverage (``start`` and ``end`` dates)."""
        return self.metadata.get("temporal")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The three core tables by name."""
        return {name: getattr(self, name) for name in CORE_TABLES}

    def __repr__(self) -> str:
        title = self.metadata.get("title") or self.metadata.get("name") or "untitled"
        counts = ", ".join(f"{len(t)} {name}" for name, t in self.tables().items())
        extras = f"; extra resources: {', '.join(self.resources)}" if self.resources else ""
        return f"<CamtrapDP {title!r}: {counts}{extras}; {self.report.summary()}>"


class DescriptorCheckBeside:
    """The descriptor's profile check (:func:`~nbtools.camtrapdp.validate.check_descriptor`) in a background thread.

    The check's first use imports jsonschema, frictionless and referencing
    (about 0.7 s of CPU time); started before the tables are parsed, it
    overlaps pyarrow's parse. Its findings go to a report of their own and
    are put first in the reader's report by :meth:`join`, the place running
    the check first gives them (same findings, same order); an exception
    raised by the check is raised by :meth:`join`.
    """

    def __init__(self) -> None:
        self._found = ValidationReport()
        self._pool: Any = None
        self._future: Any = None

    def start(self, descriptor: dict[str, Any]) -> None:
        """Start checking ``descriptor`` (not changed by the reader meanwhile) in one worker thread."""
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nbtools-descriptor-check")
        self._future = self._pool.submit(check_descriptor, descriptor, self._found)

    def join(self, report: ValidationReport) -> None:
        """Wait for the check, raise its exception if it raised one, and put its findings first in ``report``."""
        if self._future is None:  # not started: not validating, a 0.1.x package, or the descriptor unreadable
            return
        future, self._future = self._future, None
        try:
            future.result()
        finally:
            self._pool.shutdown(wait=True)
        report.problems[:0] = self._found.problems


def read_camtrapdp(
    path: str | Path,
    strict: bool = False,
    validate: bool = True,
    timezone: str | None = None,
    cache: bool | None = None,
    keep: bool = True,
) -> CamtrapDP:
    """Read a Camtrap DP 1.0 package into typed tables, validating it.

    Parameters
    ----------
    path : str or pathlib.Path
        The package folder, or its ``datapackage.json``.
    strict : bool, default False
        Raise :class:`CamtrapDPError` when validation finds any error. By
        default rows with problems are kept and flagged in ``report``; rows
        that cannot be kept (blank, too many cells, missing or repeated primary
        key) are set aside in ``report.set_aside``. Nothing is dropped silently.
    validate : bool, default True
        Check the descriptor against the Camtrap DP profile and the tables
        against the official Table Schemas: types and formats, ``required``,
        ``enum``, ``pattern``, ranges, checked column-wise
        (:mod:`nbtools.camtrapdp.constraints`; the findings are frictionless's,
        which the tests use as the oracle). ``False`` skips those schema checks
        for data already known to be valid (for example checksummed files);
        cells that cannot be parsed, rows set aside and our cross-table rules
        are still reported.
    timezone : str, optional
        The cameras' local time zone (IANA name such as ``Europe/Brussels``, or
        a fixed offset). By default the zone the package states (a
        ``timezone`` property, as nbtools writes), else the IANA zone at the
        deployments' coordinates (offline, ``timezonefinder``); the report's
        ``notes`` say which and why.
    cache : bool, optional
        Keep a validated, typed copy of the result (Parquet and JSON, never
        pickle) in the cache folder, and reopen it while the files read, the
        options and nbtools are unchanged (:mod:`nbtools.camtrapdp.cache`;
        keyed by the SHA-256 of every file read). By default on unless
        ``$NBTOOLS_CACHE`` is ``off``; ``False`` reads the CSV files.
    keep : bool, default True
        ``False`` reads the media and observations in record batches and
        keeps none of their rows (:func:`nbtools.camtrapdp.stream_camtrapdp`):
        the report, deployments and metadata of a package of any size, in
        bounded memory; ``media`` and ``observations`` are then empty typed
        tables. Never cached.

    Returns
    -------
    CamtrapDP
        The tables, the metadata and the validation ``report``.

    Raises
    ------
    CamtrapDPError
        If the package cannot be read (no or malformed ``datapackage.json``, a
        core resource missing or pointing outside the package folder, a file
        that is not UTF-8 CSV), or if ``strict`` and it has errors.
    nbtools.checksums.ChecksumError
        If the folder records SHA-256 checksums (``SHA256SUMS``) and a file
        read differs from its checksum.

    Notes
    -----
    Files are read only from inside the package folder: resource paths that
    are absolute, contain ``..``, are URLs or lead outside the folder through a
    symbolic link are refused, and nothing is fetched from the network (the
    Camtrap DP 1.0, 1.0.1 and 1.0.2 profiles and schemas are bundled). An extra resource that
    cannot be read safely is skipped with a warning.

    Core tables are typed with the official Camtrap DP field definitions; a
    declared inline or local schema may add fields and ``missingValues``.

    Timestamps become UTC moments through the UTC offset written in each
    (``2021-03-28T02:30:00+01:00`` is 01:30 UTC), never through a time zone.
    Daylight-saving changes therefore cannot make a moment ambiguous: a wall
    time in the spring gap or the autumn fold is a well-defined moment when it
    carries an offset, and the same moment written with the winter or the
    summer offset reads the same. A timestamp without an offset is an error
    (its cell is left empty), never guessed: in a gap it names no moment, in a
    fold two.

    The UTC offsets written are compared per deployment: media or
    observations written with another non-UTC offset than their deployment
    (a camera or export set to the wrong zone), or with an offset the time
    zone does not have at that date, are warnings (check ``utc-offset``) that
    name the file, the first row, the offsets and the shift in hours.

    A Camtrap DP 0.1.x package (most Agouti exports of 2021-2023) is
    upgraded to 1.0 on reading: its text cells are mapped to 1.0 names and
    values (``start`` to ``deploymentStart``, ``sequenceID`` to ``eventID``,
    event times from the media of each sequence; the full table is in
    :mod:`nbtools.camtrapdp.upgrade`) before they are typed, rows keep their
    numbers in the files on disk, ``upgraded_from`` names the version and the
    report says so (check ``upgrade``). The 0.1.x files are not checked
    against the 1.0 table schemas; their upgraded cells are, and the upgraded
    descriptor against the 1.0 profile, as warnings.

    Coordinates are checked beyond the schema's ranges: a deployment outside
    the package's ``spatial`` extent is a warning, and an error when swapping
    its latitude and longitude would put it inside (or when only the swapped
    pair is in range).

    Memory: the peak resident memory of a read, above that of the interpreter
    with nbtools imported, is at most 250 MB + 1,250 bytes per row (12.75 GB
    for 10 million observations; a Camtrap DP CSV has about 180 bytes a row),
    and at most twice that of a plain ``pandas.read_csv`` of the largest
    file. Measured for 10 million observation rows (1.78 GB CSV): peak 9.07 GB
    (pandas.read_csv: 6.72 GB), 29 minutes, of which about 22 were
    frictionless's row checks, since replaced by the column-wise checks
    (:mod:`nbtools.camtrapdp.constraints`: about 2 s for 1 million
    observation rows, 60 bytes a row of extra peak); with ``validate=False``
    about 6 minutes. ``benchmarks/read_memory.py`` measures it (``--rows`` to
    scale down), ``benchmarks/read.py`` the time against pandas and pyarrow.
    For tables larger than memory, ``keep=False`` (or
    :func:`~nbtools.camtrapdp.validate_camtrapdp`) gives the same report
    reading the media and observations in record batches: 10 million
    observation rows in 69.8 s with a peak of 1.21 GB, 5.7x pyarrow's parse
    of the same files (which alone peaks at 5.5 GB; measured on two cores at
    a load of 2-3), and :func:`~nbtools.camtrapdp.convert_camtrapdp`
    (``nbtools convert``) writes them as partitioned Parquet.

    The text cells are parsed by pyarrow's multi-threaded CSV reader (pandas'
    parser reads the files pyarrow refuses: rows with more or fewer cells
    than the header, empty or repeated header labels).

    Examples
    --------
    >>> from nbtools.camtrapdp import read_camtrapdp
    >>> pkg = read_camtrapdp(EXAMPLE)  # doctest: +SKIP
    >>> len(pkg.deployments), len(pkg.media), len(pkg.observations)  # doctest: +SKIP
    (4, 423, 549)
    """
    if not keep:
        from .stream import stream_camtrapdp

        return stream_camtrapdp(path, validate=validate, strict=strict, timezone=timezone)
    if cache is not False and (base := cache_dir()) is not None:
        return _read_through_cache(base, path, strict, validate, timezone)
    report = ValidationReport()
    beside = DescriptorCheckBeside()
    try:
        root, descriptor, declared, upgraded_from = open_package(path, report, validate, beside)
        core = _read_core_tables(root, declared, descriptor, report, validate, upgraded_from)
    except BaseException:
        beside.join(ValidationReport())  # an error of the descriptor check comes first, as when it ran first
        raise
    beside.join(report)  # its findings first in the report, where running it first put them
    spatial = descriptor.get("spatial")
    check_rules(
        core.typed, core.files, report, aside_keys=core.aside_keys, unusable_keys=core.unusable_keys, spatial=spatial
    )
    choice = choose_timezone(
        core.typed["deployments"], given=timezone, stated=_stated_zone(descriptor), written_offset=core.utc_offset
    )
    report.notes.append(choice.reason)
    written = pd.concat(core.offsets, ignore_index=True)
    check_offsets(written, report, zone=choice.zone if choice.source in ("given", "stated", "coordinates") else None)
    if upgraded_from is not None:
        explain_upgraded_fields(report, core.origins, core.files, upgraded_from)
    deduplicate(report)

    extras = read_extras(root, declared, report)
    metadata = metadata_of(descriptor)
    package = CamtrapDP(
        **core.typed,
        metadata=metadata,
        resources=extras,
        report=report,
        path=root,
        utc_offset=core.utc_offset,
        timezone=choice.zone,
        timezone_choice=choice,
        offsets=written,
        upgraded_from=upgraded_from,
    )
    if strict:
        _raise_if_errors(package)
    return package


@dataclass
class _CoreTables:
    """The three core tables as :func:`_read_core_tables` reads them, with what the cross-table checks need."""

    typed: dict[str, pd.DataFrame]  # the typed tables by name
    files: dict[str, str]  # their files by name
    aside_keys: dict[str, dict[str, int]]  # per file, the primary keys of rows set aside and their row numbers
    unusable_keys: set[str]  # files whose primary key cannot be used
    utc_offset: str | None  # the deployments' common UTC offset, if any
    offsets: list[pd.DataFrame]  # the UTC offsets written, per table
    origins: dict[str, dict[str, str]]  # an upgraded package's 1.0 columns and the 0.1.x ones they came from


def _read_core_tables(
    root: Path,
    declared: dict[str, dict[str, Any]],
    descriptor: dict[str, Any],
    report: ValidationReport,
    validate: bool,
    upgraded_from: str | None,
) -> _CoreTables:
    """Read, check and type the three core tables in order (see :func:`read_camtrapdp`)."""
    sequences: pd.DataFrame | None = None  # an upgraded package's media sequences, to date its events
    origins: dict[str, dict[str, str]] = {}  # an upgraded package's 1.0 columns and the 0.1.x ones they came from
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    aside_keys: dict[str, dict[str, int]] = {}
    unusable_keys: set[str] = set()
    utc_offset = None
    offsets: list[pd.DataFrame] = []
    for name in CORE_TABLES:
        table = read_core_table(root, declared[name], name, descriptor, report, validate, upgraded_from, sequences)
        tables[name], files[name] = table.typed, table.file
        aside_keys[table.file] = table.aside_keys
        if table.unusable_key:
            unusable_keys.add(table.file)
        offsets.append(table.offsets)
        if name == "deployments":
            utc_offset = table.utc_offset
        if upgraded_from is not None:
            sequences = table.sequences if name == "media" else sequences
            origins[table.file] = table.origins
    return _CoreTables(tables, files, aside_keys, unusable_keys, utc_offset, offsets, origins)


def open_package(
    path: str | Path,
    report: ValidationReport,
    validate: bool = True,
    beside: DescriptorCheckBeside | None = None,
) -> tuple[Path, dict[str, Any], dict[str, dict[str, Any]], str | None]:
    """The package folder, its (upgraded) descriptor, its resources by name and the 0.1.x version it was upgraded from.

    The descriptor is checked against the profile when ``validate``; a
    Camtrap DP 0.1.x descriptor is upgraded to 1.0 and reported so. With
    ``beside``, the profile check of a 1.0 descriptor is started in its
    background thread instead, and its findings reach ``report`` when the
    caller joins it (:class:`DescriptorCheckBeside`).

    Raises
    ------
    CamtrapDPError
        For a missing or malformed descriptor, a core resource missing, or two
        core resources with one path.
    """
    root, descriptor = _read_descriptor(Path(path))
    verify_file(root / DESCRIPTOR)
    upgraded_from = legacy_version(descriptor)
    if validate and beside is not None and upgraded_from is None:
        beside.start(descriptor)
    elif validate:
        check_descriptor(descriptor, report)
    if upgraded_from is not None:  # Camtrap DP 0.1.x: mapped to 1.0 on reading (nbtools.camtrapdp.upgrade)
        report_upgrade(report, upgraded_from, descriptor)
        descriptor = upgrade_descriptor(descriptor)
        if validate:
            check_upgraded_descriptor(descriptor, upgraded_from, report)
    declared = _resources_by_name(descriptor)
    missing = [name for name in CORE_TABLES if name not in declared]
    if missing:
        raise CamtrapDPError(
            f"{DESCRIPTOR}: no resource named {', '.join(missing)}; a Camtrap DP package needs {', '.join(CORE_TABLES)}"
        )
    _check_distinct_paths(declared)
    return root, descriptor, declared, upgraded_from


def read_extras(root: Path, declared: dict[str, dict[str, Any]], report: ValidationReport) -> dict[str, pd.DataFrame]:
    """The extra resources (not core tables); one that cannot be read is a warning, never an error."""
    extras = {}
    for name, resource in declared.items():
        if name in CORE_TABLES:
            continue
        try:
            extras[name] = _read_extra(root, resource, name, report)
        except CamtrapDPError as error:  # an extra resource never stops the core tables from being read
            report.add(
                "warning",
                DESCRIPTOR,
                None,
                f"resources/{name}",
                None,
                f"extra resource not read: {error}",
                "extra-resource",
            )
    return extras


def metadata_of(descriptor: dict[str, Any]) -> dict[str, Any]:
    """``datapackage.json`` without ``resources``."""
    return {key: value for key, value in descriptor.items() if key != "resources"}


def stated_zone(descriptor: dict[str, Any]) -> str | None:
    """A time zone the package states (``timezone``, not part of Camtrap DP 1.0; nbtools writes it), if any."""
    return _stated_zone(descriptor)


@dataclass
class CoreTable:
    """One core table as read: typed, with what the rules across tables need of it."""

    file: str
    typed: pd.DataFrame
    aside_keys: dict[str, int]
    unusable_key: bool
    offsets: pd.DataFrame
    utc_offset: str | None = None
    sequences: pd.DataFrame | None = None
    origins: dict[str, str] = field(default_factory=dict)


def read_core_table(
    root: Path,
    resource: dict[str, Any],
    name: str,
    descriptor: dict[str, Any],
    report: ValidationReport,
    validate: bool,
    upgraded_from: str | None = None,
    sequences: pd.DataFrame | None = None,
) -> CoreTable:
    """Read, check and type one core table whole (the steps of :func:`read_camtrapdp` for one table)."""
    file = resource_path(resource, name)
    schema = core_schema(root, resource, name, descriptor)
    dialect = _dialect(resource, file)
    path = _inside(root, file, name)
    if is_file(path):
        verify_file(path)
    cells, too_long = read_text_table(path, file, dialect)
    out = CoreTable(file, pd.DataFrame(), {}, False, pd.DataFrame())
    if upgraded_from is not None:
        cells = upgrade_table(name, cells, sequences)
        out.sequences = sequence_times(cells) if name == "media" else None
        out.origins = cells.attrs["upgraded_columns"]
        if validate:  # the 0.1.x files on disk are not checked against 1.0 schemas, their upgraded cells are
            check_upgraded_table(cells, file, schema, report, upgraded_from)
    if name == "deployments":
        out.utc_offset = _common_offset(cells.get("deploymentStart"))
    out.offsets = written_offsets(cells, name, file)
    key = _primary_key(schema)
    kept = set_aside_rows(cells, too_long, file, key, list(schema.get("missingValues", [""])), report)
    out.aside_keys = _keys_set_aside(cells, too_long, kept, key, dialect)
    out.unusable_key = key is not None and (key not in cells.columns or key in cells.attrs.get("duplicate_labels", {}))
    # every row as in the file, those set aside too, checked column-wise; 0.1.x files are checked upgraded (above)
    out.typed = check_and_convert(cells, kept, schema, file, report, validate and upgraded_from is None, key)
    return out


def check_and_convert(
    cells: pd.DataFrame,
    kept: pd.DataFrame,
    schema: dict[str, Any],
    file: str,
    report: ValidationReport,
    validate: bool,
    key: str | None,
    header: bool = True,
) -> pd.DataFrame:
    """Check every row's text cells against the schema (``validate``), then type the rows kept.

    (Running the checks in a second thread beside the typing was measured:
    no faster on two cores, as both hold the GIL most of the time.)
    """
    if validate:
        check_cells(cells, schema, file, report, primary_key=key)
    return convert_columns(kept, schema, file, report, header=header)


def core_schema(root: Path, resource: dict[str, Any], name: str, descriptor: dict[str, Any]) -> dict[str, Any]:
    """The Table Schema a core table is checked and typed with (see :func:`_resource_schema`)."""
    return _resource_schema(root, resource, name, package_version(descriptor))


def _raise_if_errors(package: CamtrapDP) -> None:
    """``strict``: raise :class:`CamtrapDPError` listing the first errors, if the report has any."""
    report = package.report
    if report.errors:
        first = "\n".join(f"  {p}" for p in report.errors[:20])
        more = f"\n  ... and {len(report.errors) - 20} more" if len(report.errors) > 20 else ""
        raise CamtrapDPError(f"{package.path}: {len(report.errors)} validation errors:\n{first}{more}", report.errors)


def _read_through_cache(base: Path, path: str | Path, strict: bool, validate: bool, timezone: str | None) -> CamtrapDP:
    """``read_camtrapdp`` through the cache (:mod:`nbtools.camtrapdp.cache`): reopen an entry, else read and store one."""
    options = {"validate": bool(validate), "strict": bool(strict), "timezone": timezone}
    keyed = package_key(path, options)
    if keyed is None:  # no readable descriptor: the reader says what is wrong
        return read_camtrapdp(path, strict=strict, validate=validate, timezone=timezone, cache=False)
    key, root, digests = keyed
    fields = load_entry(base, key)
    if fields is not None:
        verify_recorded(root, digests)  # SHA256SUMS, as a read of the CSV files checks it
        package = CamtrapDP(**fields, path=root)
    else:
        package = read_camtrapdp(path, strict=False, validate=validate, timezone=timezone, cache=False)
        again = package_key(path, options)
        if again is not None and again[0] == key:  # not stored if a file changed while it was read
            store_entry(base, key, package)
    if strict:
        _raise_if_errors(package)
    return package


def _read_descriptor(path: Path) -> tuple[Path, dict[str, Any]]:
    file = path / DESCRIPTOR if path.is_dir() else path
    if not file.is_file():
        raise CamtrapDPError(f"{file}: not found; a Camtrap DP package is a folder with a {DESCRIPTOR}")
    try:
        descriptor = json.loads(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as error:
        raise CamtrapDPError(f"{file.name}: not UTF-8 text (byte {error.start})") from error
    except json.JSONDecodeError as error:
        raise CamtrapDPError(
            f"{file.name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
    except RecursionError as error:
        raise CamtrapDPError(f"{file.name}: JSON nested too deeply to be a package descriptor") from error
    except OSError as error:
        raise CamtrapDPError(f"{file.name}: cannot be read ({error})") from error
    if not isinstance(descriptor, dict):
        raise CamtrapDPError(f"{file.name}: must hold a JSON object, found {type(descriptor).__name__}")
    return file.parent, descriptor


def _resources_by_name(descriptor: dict[str, Any]) -> dict[str, dict[str, Any]]:
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        raise CamtrapDPError(f"{DESCRIPTOR}: 'resources' must be a list of resources")
    by_name: dict[str, dict[str, Any]] = {}
    for position, resource in enumerate(resources):
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
            raise CamtrapDPError(f"{DESCRIPTOR}: resource {position} has no name")
        if resource["name"] in by_name:
            raise CamtrapDPError(f"{DESCRIPTOR}: two resources are named {resource['name']!r}")
        by_name[resource["name"]] = resource
    return by_name


def _check_distinct_paths(declared: dict[str, dict[str, Any]]) -> None:
    """Refuse two core tables reading the same file: each file's rows are accounted for once."""
    seen: dict[str, str] = {}
    for name, resource in declared.items():
        path = resource.get("path")
        if name not in CORE_TABLES or not isinstance(path, str):  # extra resources: see _read_extra
            continue
        key = PurePosixPath(path.replace("\\", "/")).as_posix()
        if key in seen:
            raise CamtrapDPError(
                f"{DESCRIPTOR}: resources {seen[key]!r} and {name!r} both have path {path!r}; each table needs its own file"
            )
        seen[key] = name


def resource_path(resource: dict[str, Any], name: str) -> str:
    """The resource's file path, refused unless it is a plain relative path inside the package.

    Raises
    ------
    CamtrapDPError
        For a missing path, a list of paths, an absolute path, a path with
        ``..``, or a URL.
    """
    path = resource.get("path")
    if not isinstance(path, str) or not path.strip():
        raise CamtrapDPError(f"{DESCRIPTOR}: resource {name!r} needs one 'path' to a CSV file in the package")
    pure = PurePosixPath(path.replace("\\", "/"))
    if (
        "://" in path
        or path.startswith(("~", "/"))
        or pure.is_absolute()
        or ".." in pure.parts
        or ":" in pure.parts[0]
        or any(ord(char) < 32 for char in path)
        or any(len(part.encode("utf-8", "surrogatepass")) > 255 for part in pure.parts)
    ):
        raise CamtrapDPError(
            f"{DESCRIPTOR}: resource {name!r} has path {path!r}; only relative paths inside the package "
            "folder are read (no '..', absolute paths, URLs or control characters; nothing is fetched)"
        )
    return pure.as_posix()


def _inside(root: Path, file: str, name: str) -> Path:
    """The file's path, refused if a symbolic link leads it outside the package folder."""
    path = root / file
    try:
        resolved = path.resolve()
        resolved.relative_to(root.resolve())
    except ValueError:
        raise CamtrapDPError(
            f"{DESCRIPTOR}: resource {name!r} path {file!r} leads outside the package folder (a symbolic link?); "
            "only files inside the package are read"
        ) from None
    except OSError as error:
        raise CamtrapDPError(f"{file}: cannot be read ({error})") from error
    return path


def _dialect(resource: dict[str, Any], file: str) -> dict[str, Any] | None:
    """The resource's Table Dialect reduced to what the reader honours (checked), or None."""
    dialect = resource.get("dialect")
    if dialect is None:
        return None
    delimiter, quote = dialect_characters(dialect, file)
    return {"delimiter": delimiter, "quoteChar": quote}


def _read_schema_file(root: Path, schema: str, name: str) -> Any:
    file = resource_path({"path": schema}, f"{name} schema")
    path = _inside(root, file, f"{name} schema")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CamtrapDPError(
            f"{file}: the Table Schema of resource {name!r} is not found in the package folder"
        ) from None
    except UnicodeDecodeError as error:
        raise CamtrapDPError(f"{file}: not UTF-8 text (byte {error.start})") from error
    except OSError as error:
        raise CamtrapDPError(f"{file}: cannot be read ({error})") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CamtrapDPError(
            f"{file}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error


def _declared_schema(root: Path, resource: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A resource's own Table Schema: inline, or a local JSON file; None for a URL or nothing."""
    schema = resource.get("schema")
    if isinstance(schema, str) and "://" not in schema and schema.endswith(".json"):
        schema = _read_schema_file(root, schema, name)
    elif not isinstance(schema, dict):
        return None
    return check_schema(schema, f"{DESCRIPTOR}: resource {name!r} schema")


def _resource_schema(root: Path, resource: dict[str, Any], name: str, version: str = BUNDLED_VERSION) -> dict[str, Any]:
    """The Table Schema of a core resource: the bundled official one, plus any fields a declared schema adds.

    The official field definitions always win, so a core table has the same
    columns and types whatever its descriptor says (the profile requires the
    official schema URL; ``check_descriptor`` reports anything else).
    """
    official = table_schema(
        name, resource_version(resource, version)
    )  # the version its schema URL names, else the package's
    declared = _declared_schema(root, resource, name)
    if declared is None:
        return official
    names = {item["name"] for item in official["fields"]}
    merged = dict(official)
    merged["fields"] = official["fields"] + [f for f in declared.get("fields", []) if f["name"] not in names]
    if "missingValues" in declared:
        merged["missingValues"] = declared["missingValues"]
    return merged


def _keys_set_aside(
    cells: pd.DataFrame, too_long: pd.DataFrame, kept: pd.DataFrame, key: str | None, dialect: dict[str, Any] | None
) -> dict[str, int]:
    """Primary-key values of the rows set aside (first row each), so references to them can say so."""
    if key is None or key not in cells.columns:
        return {}
    aside = cells.loc[cells.index.difference(kept.index), key]
    keys = {value: int(row) for row, value in aside.items() if value}
    position = list(cells.columns).index(key)
    delimiter = (dialect or {}).get("delimiter", ",")
    for row, raw in too_long["raw"].items():
        values = raw.split(delimiter)
        if position < len(values) and values[position]:
            keys.setdefault(values[position], int(row))
    return keys


def _read_extra(root: Path, resource: dict[str, Any], name: str, report: ValidationReport) -> pd.DataFrame:
    """An extra resource: inline ``data`` or a CSV file typed by its inline schema."""
    if "data" in resource:
        data = resource["data"]
        rows = data if isinstance(data, list) else [data]
        lengths = {len(row) for row in rows if isinstance(row, (list, tuple))}
        if len(lengths) > 1:
            first = next(
                i for i, row in enumerate(rows, 1) if isinstance(row, (list, tuple)) and len(row) != len(rows[0])
            )
            raise CamtrapDPError(
                f"{DESCRIPTOR}: resource {name!r}: inline data row {first} has {len(rows[first - 1])} values where "
                f"row 1 has {len(rows[0])}"
            )
        try:
            return pd.DataFrame(rows)
        except (ValueError, TypeError) as error:
            raise CamtrapDPError(
                f"{DESCRIPTOR}: resource {name!r}: its inline data is not a table ({error})"
            ) from error
    file = resource_path(resource, name)
    if file in report.rows_read:
        raise CamtrapDPError(f"{DESCRIPTOR}: resource {name!r} has path {file!r}, a file already read as another table")
    dialect = _dialect(resource, file)
    schema = _declared_schema(root, resource, name) or {"fields": []}
    path = _inside(root, file, name)
    if is_file(path):
        verify_file(path)
    cells, too_long = read_text_table(path, file, dialect)
    kept = set_aside_rows(cells, too_long, file, _primary_key(schema), list(schema.get("missingValues", [""])), report)
    return convert_columns(kept, schema, file, report)


def _primary_key(schema: dict[str, Any]) -> str | None:
    """The single-field primary key of a Table Schema, if it has one."""
    key = schema.get("primaryKey")
    if isinstance(key, list):
        return key[0] if len(key) == 1 else None
    return key if isinstance(key, str) else None


def _stated_zone(descriptor: dict[str, Any]) -> str | None:
    """A time zone the package states (``timezone``, not part of Camtrap DP 1.0; nbtools writes it), if any."""
    zone = descriptor.get("timezone")
    return zone if isinstance(zone, str) and zone.strip() else None


def _common_offset(timestamps: pd.Series | None) -> str | None:
    """The most common UTC offset written in a column of timestamps (``+10:00``, ``Z``), if any."""
    if timestamps is None:
        return None
    offsets = timestamps.str.extract(r"(Z|[+-]\d{2}:?\d{2})$", expand=False).dropna()
    if offsets.empty:
        return None
    offset = offsets.value_counts().index[0]
    if offset == "Z":
        return "+00:00"
    return offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"
