"""Read a Camtrap DP package into typed tables, with a validation report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from ..checksums import verify_file
from .report import CamtrapDPError, ValidationReport
from .schemas import CORE_TABLES, table_schema
from .tables import convert_columns, read_text_table, set_aside_rows
from .validate import DESCRIPTOR, check_descriptor, check_rules, check_tables_with_frictionless, deduplicate


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
        The UTC offset most deployments were written with (``+02:00``), the
        cameras' local clock time; ``None`` when unknown.
    """

    deployments: pd.DataFrame
    media: pd.DataFrame
    observations: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, pd.DataFrame] = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)
    path: Path | None = None
    utc_offset: str | None = None

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


def read_camtrapdp(path: str | Path, strict: bool = False, validate: bool = True) -> CamtrapDP:
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
        against the official Table Schemas with frictionless (about 10,000 rows
        a second). ``False`` skips those schema checks for data already known to
        be valid (for example checksummed files); cells that cannot be parsed,
        rows set aside and our cross-table rules are still reported.

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
    are absolute, contain ``..`` or are URLs are refused, and nothing is
    fetched from the network (the Camtrap DP 1.0.2 profile and schemas are
    bundled).

    Examples
    --------
    >>> from nbtools.camtrapdp import read_camtrapdp
    >>> pkg = read_camtrapdp(EXAMPLE)  # doctest: +SKIP
    >>> len(pkg.deployments), len(pkg.media), len(pkg.observations)  # doctest: +SKIP
    (4, 423, 549)
    """
    root, descriptor = _read_descriptor(Path(path))
    verify_file(root / DESCRIPTOR)
    report = ValidationReport()
    if validate:
        check_descriptor(descriptor, report)

    declared = _resources_by_name(descriptor)
    missing = [name for name in CORE_TABLES if name not in declared]
    if missing:
        raise CamtrapDPError(f"{DESCRIPTOR}: no resource named {', '.join(missing)}; a Camtrap DP package needs {', '.join(CORE_TABLES)}")

    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    sources: dict[str, tuple[str, dict[str, Any], dict[str, Any] | None]] = {}
    utc_offset = None
    for name in CORE_TABLES:
        resource = declared[name]
        file = resource_path(resource, name)
        schema = _resource_schema(root, resource, name)
        dialect = resource.get("dialect") if isinstance(resource.get("dialect"), dict) else None
        if (root / file).is_file():
            verify_file(root / file)
        cells, too_long = read_text_table(root / file, file, dialect)
        if name == "deployments":
            utc_offset = _common_offset(cells.get("deploymentStart"))
        kept = set_aside_rows(cells, too_long, file, _primary_key(schema), list(schema.get("missingValues", [""])), report)
        tables[name] = convert_columns(kept, schema, file, report)
        files[name] = file
        sources[name] = (file, schema, dialect)
    if validate:
        check_tables_with_frictionless(root, sources, report)
    check_rules(tables, files, report)
    deduplicate(report)

    extras = {
        name: _read_extra(root, resource, name, report)
        for name, resource in declared.items()
        if name not in CORE_TABLES
    }
    metadata = {key: value for key, value in descriptor.items() if key != "resources"}
    package = CamtrapDP(**tables, metadata=metadata, resources=extras, report=report, path=root, utc_offset=utc_offset)
    if strict and report.errors:
        first = "\n".join(f"  {p}" for p in report.errors[:20])
        more = f"\n  ... and {len(report.errors) - 20} more" if len(report.errors) > 20 else ""
        raise CamtrapDPError(f"{root}: {len(report.errors)} validation errors:\n{first}{more}", report.errors)
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


def resource_path(resource: dict[str, Any], name: str) -> str:
    """The resource's file path, refused unless it is a plain relative path inside the package.

    Raises
    ------
    CamtrapDPError
        For a missing path, a list of paths, an absolute path, a path with
        ``..``, or a URL.
    """
    path = resource.get("path")
    if not isinstance(path, str) or not path:
        raise CamtrapDPError(f"{DESCRIPTOR}: resource {name!r} needs one 'path' to a CSV file in the package")
    pure = PurePosixPath(path.replace("\\", "/"))
    if "://" in path or path.startswith(("~", "/")) or pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
        raise CamtrapDPError(
            f"{DESCRIPTOR}: resource {name!r} has path {path!r}; only relative paths inside the package "
            "folder are read (no '..', absolute paths or URLs, nothing is fetched)"
        )
    return pure.as_posix()


def _resource_schema(root: Path, resource: dict[str, Any], name: str) -> dict[str, Any]:
    """The Table Schema of a core resource: the bundled official one for Camtrap DP URLs."""
    schema = resource.get("schema")
    if isinstance(schema, dict):
        return schema
    if isinstance(schema, str) and "://" not in schema and schema.endswith(".json"):
        return json.loads((root / resource_path({"path": schema}, f"{name} schema")).read_text(encoding="utf-8"))
    return table_schema(name)


def _read_extra(root: Path, resource: dict[str, Any], name: str, report: ValidationReport) -> pd.DataFrame:
    """An extra resource: inline ``data`` or a CSV file typed by its inline schema."""
    if "data" in resource:
        data = resource["data"]
        return pd.DataFrame(data if isinstance(data, list) else [data])
    file = resource_path(resource, name)
    cells, too_long = read_text_table(root / file, file, resource.get("dialect"))
    schema = resource.get("schema") if isinstance(resource.get("schema"), dict) else {"fields": []}
    kept = set_aside_rows(cells, too_long, file, _primary_key(schema), list(schema.get("missingValues", [""])), report)
    return convert_columns(kept, schema, file, report)


def _primary_key(schema: dict[str, Any]) -> str | None:
    """The single-field primary key of a Table Schema, if it has one."""
    key = schema.get("primaryKey")
    if isinstance(key, list):
        return key[0] if len(key) == 1 else None
    return key if isinstance(key, str) else None


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
