"""Validation on two levels: the official Camtrap DP schemas, and our rules.

1. The package descriptor is checked against the Camtrap DP profile (a JSON
   Schema) with ``jsonschema``, the validator frictionless uses, through a
   registry of local copies, so nothing is fetched. The tables are checked
   against the official Table Schemas with frictionless.
2. Our rules check what the schemas cannot: foreign keys between tables (done
   here rather than by frictionless, so that rows set aside are accounted for),
   deployments that end before they start, media and observations outside their
   deployment (camera clock errors), events that end before they start,
   media-level observations without media, and bounding boxes that leave the
   image.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from .report import ValidationReport
from .schemas import BUNDLED_VERSION, CORE_TABLES, is_bundled_compatible, profile, table_schema, version_from_url

DESCRIPTOR = "datapackage.json"

#: frictionless checks that our own code does instead (see module docstring).
_DONE_BY_US = {
    "blank-row", "extra-cell", "missing-cell", "primary-key", "unique-error", "foreign-key", "missing-label",
    "extra-label", "duplicate-label",
}


@cache
def _profile_validator() -> Any:
    """A jsonschema validator for the Camtrap DP profile that resolves references locally."""
    import jsonschema
    from frictionless import Package, settings
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    local = {
        # The Data Package schema as frictionless ships it, and frictionless's GeoJSON schema.
        "https://specs.frictionlessdata.io/schemas/data-package.json": Package.metadata_ensure_profile(),
        "http://json.schemastore.org/geojson.json": settings.GEOJSON_PROFILE,
    }
    registry = Registry(retrieve=_refuse_remote).with_resources(
        (url, Resource.from_contents(schema, default_specification=DRAFT4)) for url, schema in local.items()
    )
    camtrap_profile = profile()
    return jsonschema.validators.validator_for(camtrap_profile)(camtrap_profile, registry=registry)


def _refuse_remote(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)


def check_descriptor(descriptor: dict[str, Any], report: ValidationReport) -> None:
    """Check ``datapackage.json`` against the Camtrap DP profile.

    Problems are reported with file ``datapackage.json``, no row, and the
    property path (for example ``project/samplingDesign``) as the field.
    """
    declared = descriptor.get("profile")
    version = version_from_url(declared) if isinstance(declared, str) else None
    if not is_bundled_compatible(version):
        report.add(
            "warning", DESCRIPTOR, None, "profile", declared,
            f"not a Camtrap DP 1.0 profile URL; checked against the bundled Camtrap DP {BUNDLED_VERSION}",
            "profile-version",
        )
    try:
        errors = sorted(_profile_validator().iter_errors(descriptor), key=lambda e: list(map(str, e.absolute_path)))
    except RecursionError:
        report.add("error", DESCRIPTOR, None, None, None, "breaks the Camtrap DP profile: nested too deeply to check", "profile")
        return
    for error in errors:
        path = "/".join(str(part) for part in error.absolute_path) or None
        message = re.sub(r"\s+", " ", error.message)
        if len(message) > 300:
            message = message[:297] + "..."
        report.add("error", DESCRIPTOR, None, path, None, f"breaks the Camtrap DP profile: {message}", "profile")


def check_tables_with_frictionless(
    root: Path,
    tables: dict[str, tuple[str, dict[str, Any], dict[str, Any] | None]],
    report: ValidationReport,
    limit_errors: int = 100_000,
) -> None:
    """Validate the core tables against their Table Schemas with frictionless.

    Parameters
    ----------
    root : pathlib.Path
        The package folder (all paths were checked to lie inside it).
    tables : dict
        For each table name: its path inside the package, its Table Schema, its
        Table Dialect (or None).
    report : ValidationReport
        Problems are added here.
    limit_errors : int, default 100_000
        frictionless stops a table after this many errors.
    """
    from frictionless import FrictionlessException

    try:
        _frictionless(root, tables, report, limit_errors)
    except FrictionlessException as error:  # a schema frictionless cannot use: say so, never crash
        report.add(
            "error", DESCRIPTOR, None, None, None,
            f"frictionless could not check the tables: {error.error.message if hasattr(error, 'error') else error}",
            "frictionless",
        )


def _frictionless(
    root: Path,
    tables: dict[str, tuple[str, dict[str, Any], dict[str, Any] | None]],
    report: ValidationReport,
    limit_errors: int,
) -> None:
    from frictionless import Detector, Dialect, Package, Resource, Schema

    resources = []
    for name, (path, schema, dialect) in tables.items():
        # Keys and uniqueness are checked by our reading (set_aside_rows) and frictionless's errors for them
        # are dropped (_DONE_BY_US); leaving them out also spares frictionless holding every key in two
        # dictionaries (about 250 bytes a row: gigabytes for a 10-million-row table).
        schema = {key: value for key, value in schema.items() if key not in ("foreignKeys", "primaryKey")}
        schema["fields"] = [_without_unique(item) for item in schema.get("fields", [])]
        options: dict[str, Any] = {
            "name": name,
            "path": path,
            "schema": Schema.from_descriptor(schema),
            # Match columns by name, not position, as the reader does.
            "detector": Detector(schema_sync=True),
        }
        if dialect:
            options["dialect"] = Dialect.from_descriptor(dialect)
        resources.append(Resource(**options))
    result = Package(resources=resources, basepath=str(root)).validate(limit_errors=limit_errors)
    files = {name: path for name, (path, _, _) in tables.items()}
    for task in result.tasks:
        file = files.get(task.name, task.name)
        for error in task.errors:
            if error.type in _DONE_BY_US:
                continue
            row = getattr(error, "row_number", None)
            field = getattr(error, "field_name", None) or getattr(error, "label", None)
            cell = getattr(error, "cell", None)
            if error.type == "constraint-error" and '"required"' in (getattr(error, "note", "") or ""):
                cell = None  # an empty cell (frictionless gives the text 'None' for a missing one)
            report.add("error", file, row if row is not None else 1, field or None, cell, _message(error), error.type)


def _without_unique(field: dict[str, Any]) -> dict[str, Any]:
    """A Table Schema field without its ``unique`` constraint."""
    constraints = field.get("constraints")
    if not isinstance(constraints, dict) or "unique" not in constraints:
        return field
    return {**field, "constraints": {k: v for k, v in constraints.items() if k != "unique"}}


_CONSTRAINT = re.compile(r'constraint "(?P<name>\w+)" is "(?P<value>.*)"')


def _message(error: Any) -> str:
    """A short message for a frictionless error, in words a user can act on."""
    note = getattr(error, "note", "") or ""
    if error.type == "type-error":
        return f"cannot be read as {note.removeprefix('type is ').strip(chr(34))}"
    if error.type == "constraint-error":
        match = _CONSTRAINT.search(note)
        if match:
            name, value = match["name"], match["value"]
            return {
                "required": "is required but empty",
                "minimum": f"must be at least {value}",
                "maximum": f"must be at most {value}",
                "enum": f"must be one of {value}",
                "pattern": f"must match the pattern {value}",
            }.get(name, f"breaks the constraint {name} = {value}")
    return error.message


def check_rules(
    tables: dict[str, pd.DataFrame],
    files: dict[str, str],
    report: ValidationReport,
    aside_keys: dict[str, dict[str, int]] | None = None,
    unusable_keys: set[str] | None = None,
    spatial: Any = None,
) -> None:
    """Our rules across the three core tables (see the module docstring).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Typed ``deployments``, ``media`` and ``observations``, indexed by row number.
    files : dict of str to str
        The file name of each table, for messages.
    report : ValidationReport
        Problems are added here.
    aside_keys : dict, optional
        For each file, the primary-key values of its rows that were set aside
        (value to row number): a reference to one of them is still an error,
        with a message that says where the row went.
    unusable_keys : set of str, optional
        Files whose primary-key column is missing or repeated in the header
        (already reported there); references to them are not checked.
    spatial : dict, optional
        The package's ``spatial`` metadata (GeoJSON); deployments outside its
        extent are flagged (swapped latitude and longitude as errors).
    """
    deployments, media, observations = (tables[name] for name in ("deployments", "media", "observations"))
    dep_file, media_file, obs_file = files["deployments"], files["media"], files["observations"]
    aside_keys = aside_keys or {}
    unusable_keys = unusable_keys or set()

    # Deployments: time order and coordinates.
    backwards = deployments["deploymentEnd"] < deployments["deploymentStart"]
    _flag(report, "error", dep_file, deployments[backwards], "deploymentEnd",
          lambda r: f"deployment ends before it starts ({r.deploymentStart})", "deployment-order")
    check_coordinates(deployments, dep_file, report, spatial)

    # Foreign keys.
    def missing_from(target: str, key: str) -> Any:
        aside = aside_keys.get(target, {})

        def message(row: Any) -> str:
            value = getattr(row, key)
            if value in aside:
                return f"{key} {value!r} is in {target} row {aside[value]}, which was set aside"
            return f"{key} {value!r} is not in {target}"

        return message

    no_check = pd.Series(dep_file in unusable_keys, index=observations.index)
    for file, table in ((media_file, media), (obs_file, observations)):
        unknown = table["deploymentID"].notna() & ~_member(table["deploymentID"], deployments["deploymentID"])
        if dep_file in unusable_keys:
            unknown[:] = False
        _flag(report, "error", file, table[unknown], "deploymentID", missing_from(dep_file, "deploymentID"), "foreign-key")
    has_media = observations["mediaID"].notna()
    unknown_media = has_media & ~_member(observations["mediaID"], media["mediaID"]) & (media_file not in unusable_keys)
    _flag(report, "error", obs_file, observations[unknown_media], "mediaID", missing_from(media_file, "mediaID"), "foreign-key")

    # Times inside the deployment window: a time outside it is usually a camera clock error.
    known = deployments.dropna(subset=["deploymentID"]).drop_duplicates("deploymentID")
    window = known.set_index("deploymentID")[["deploymentStart", "deploymentEnd"]]
    _check_window(report, media_file, media, window, ["timestamp"])
    _check_window(report, obs_file, observations, window, ["eventStart", "eventEnd"])

    # Observations: event order, media-level rows need media of the same deployment.
    backwards = observations["eventEnd"] < observations["eventStart"]
    _flag(report, "error", obs_file, observations[backwards], "eventEnd",
          lambda r: f"event ends before it starts ({r.eventStart})", "event-order")
    media_level = observations["observationLevel"] == "media"
    _flag(report, "error", obs_file, observations[media_level & ~has_media], "mediaID",
          lambda r: "a media-level observation needs a mediaID", "observation-level")
    media_deployment = media.dropna(subset=["mediaID"]).drop_duplicates("mediaID").set_index("mediaID")["deploymentID"]
    other = _lookup(observations["mediaID"], media_deployment)
    mismatch = has_media & other.notna() & (other != observations["deploymentID"]) & ~unknown & ~no_check
    _flag(report, "error", obs_file, observations[mismatch.fillna(False)], "deploymentID",
          lambda r: f"its media {r.mediaID!r} belongs to another deployment", "foreign-key")

    # Bounding boxes: all four or none, and inside the image.
    box = observations[["bboxX", "bboxY", "bboxWidth", "bboxHeight"]]
    given = box.notna().sum(axis=1)
    _flag(report, "error", obs_file, observations[(given > 0) & (given < 4)], "bboxX",
          lambda r: "a bounding box needs all of bboxX, bboxY, bboxWidth and bboxHeight", "bbox")
    for start, size in (("bboxX", "bboxWidth"), ("bboxY", "bboxHeight")):
        outside = (box[start] + box[size]) > 1 + 1e-9
        _flag(report, "error", obs_file, observations[outside.fillna(False)], size,
              lambda r, s=start, z=size: f"the box leaves the image: {s} + {z} = {getattr(r, s) + getattr(r, z):.4g} > 1",
              "bbox")


def check_coordinates(deployments: pd.DataFrame, file: str, report: ValidationReport, spatial: Any = None) -> None:
    """Flag coordinates out of range, at (0, 0), outside the package's extent, or swapped.

    A latitude beyond +-90 or a longitude beyond +-180 is an error (with a hint
    when swapping the two would fix it). When the package's ``spatial``
    metadata gives an extent, a deployment outside it (with a margin of 0.05
    degrees) is a warning, or an error naming latitude when the swapped pair
    would lie inside: latitude and longitude were most likely swapped.
    """
    lat, lon = deployments["latitude"], deployments["longitude"]
    both = lat.notna() & lon.notna()
    null_island = both & (lat == 0) & (lon == 0)
    _flag(report, "warning", file, deployments[null_island], "latitude",
          lambda r: "coordinates are 0, 0: probably missing, not a real place", "coordinates")
    extent = spatial_extent(spatial)
    swap_fits = both & (lon.abs() <= 90) & (lat.abs() <= 180)
    if extent is not None:  # the swapped pair must also lie in the package's extent
        swap_fits &= _inside(extent, lon, lat)
    for column, limit, other in (("latitude", 90, "longitude"), ("longitude", 180, "latitude")):
        values = deployments[column]
        for row, value in values[values.abs() > limit].items():
            hint = (
                f"; latitude and longitude look swapped (({deployments.at[row, other]}, {value}) would be in range)"
                if swap_fits.loc[row] else ""
            )
            bound = f"at most {limit}" if value > 0 else f"at least -{limit}"
            report.add("error", file, int(row), column, value, f"must be {bound} degrees (WGS84){hint}", "coordinates")
    if extent is None:
        return
    west, south, east, north = extent
    in_range = both & (lat.abs() <= 90) & (lon.abs() <= 180) & ~null_island
    outside = in_range & ~_inside(extent, lat, lon)
    swapped = outside & _inside(extent, lon, lat)
    box = f"{south:g} to {north:g} N, {west:g} to {east:g} E"
    _flag(report, "error", file, deployments[swapped], "latitude",
          lambda r: f"latitude and longitude look swapped: ({r.latitude}, {r.longitude}) is outside the package's "
                    f"spatial extent ({box}) and ({r.longitude}, {r.latitude}) is inside", "coordinates")
    _flag(report, "warning", file, deployments[outside & ~swapped], "latitude",
          lambda r: f"({r.latitude}, {r.longitude}) is outside the package's spatial extent ({box})", "coordinates")


def _inside(extent: tuple[float, float, float, float], latitude: pd.Series, longitude: pd.Series) -> pd.Series:
    """Whether points lie in a west, south, east, north extent widened by 0.05 degrees."""
    west, south, east, north = extent
    margin = 0.05
    return (
        (latitude >= south - margin) & (latitude <= north + margin)
        & (longitude >= west - margin) & (longitude <= east + margin)
    )


def spatial_extent(spatial: Any) -> tuple[float, float, float, float] | None:
    """West, south, east, north of a GeoJSON geometry (or its ``bbox``), or None if it has none."""
    if not isinstance(spatial, dict):
        return None
    bbox = spatial.get("bbox")
    if isinstance(bbox, list) and len(bbox) == 4 and all(_is_number(v) for v in bbox):
        west, south, east, north = (float(v) for v in bbox)
        return (west, south, east, north) if west <= east and south <= north else None
    points: list[tuple[float, float]] = []

    def walk(node: Any, depth: int) -> None:
        if depth > 6 or not isinstance(node, list):
            return
        if len(node) >= 2 and _is_number(node[0]) and _is_number(node[1]):
            points.append((float(node[0]), float(node[1])))
            return
        for item in node:
            walk(item, depth + 1)

    walk(spatial.get("coordinates"), 0)
    for geometry in spatial.get("geometries", []) if isinstance(spatial.get("geometries"), list) else []:
        if isinstance(geometry, dict):
            walk(geometry.get("coordinates"), 0)
    points = [(x, y) for x, y in points if abs(x) <= 180 and abs(y) <= 90]
    if not points:
        return None
    xs, ys = zip(*points)
    return min(xs), min(ys), max(xs), max(ys)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and abs(value) != float("inf")


def _lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``mapping[key]`` for each key (missing where unknown), keeping the mapping's dtype even when it is empty."""
    positions = pd.Index(mapping.index).get_indexer(keys)
    return pd.Series(mapping.array.take(positions, allow_fill=True), index=keys.index)


def _member(values: pd.Series, reference: pd.Series) -> pd.Series:
    """Whether each value occurs in ``reference``, by hashing (``Series.isin`` on Arrow strings is slow for large sets)."""
    index = pd.Index(reference.dropna().unique())
    return pd.Series(index.get_indexer(values) >= 0, index=values.index) & values.notna().to_numpy()


def _check_window(
    report: ValidationReport, file: str, table: pd.DataFrame, window: pd.DataFrame, columns: list[str]
) -> None:
    start = _lookup(table["deploymentID"], window["deploymentStart"])
    end = _lookup(table["deploymentID"], window["deploymentEnd"])
    for column in columns:
        outside = (table[column] < start) | (table[column] > end)
        outside = outside.fillna(False).astype(bool)
        for number, value, dep, s, e in zip(
            table.index[outside], table[column][outside], table["deploymentID"][outside], start[outside], end[outside]
        ):
            report.add(
                "warning", file, int(number), column, value.isoformat(),
                f"outside its deployment {dep} ({s.isoformat()} to {e.isoformat()}): a camera clock error?",
                "deployment-window",
            )


@cache
def _official_fields() -> frozenset[str]:
    """Names of the fields of the three official table schemas (all valid Python identifiers)."""
    return frozenset(item["name"] for name in CORE_TABLES for item in table_schema(name)["fields"])


def _flag(report: ValidationReport, severity: str, file: str, rows: pd.DataFrame, field: str, message, check: str) -> None:
    if rows.empty:
        return
    rows = rows[[c for c in rows.columns if c in _official_fields()]]  # rows as named tuples of official fields
    for number, row in zip(rows.index, rows.itertuples(index=False)):
        value = getattr(row, field)
        value = value.isoformat() if hasattr(value, "isoformat") else value
        report.add(severity, file, int(number), field, value, message(row), check)


#: Checks of our cross-table rules: each is kept even when another problem names the same cell.
_RULES = {"deployment-order", "foreign-key", "deployment-window", "event-order", "observation-level", "bbox"}

#: Order in which checks win when two report the same cell: the most specific first. Our coordinate
#: check says more than frictionless's range error for the same cell (it spots swapped coordinates).
_PRIORITY = {"primary-key": 0, "blank-row": 0, "extra-cell": 0, "parse-error": 1, "missing-cell": 1, "coordinates": 1}


def deduplicate(report: ValidationReport) -> None:
    """Keep one schema problem per cell (file, row, field), the most specific one.

    Our own reading (rows set aside, cells that cannot be parsed) explains a
    cell better than frictionless's generic type error for the same cell.
    Problems of our cross-table rules and problems without a row are all kept.
    """
    order = sorted(range(len(report.problems)), key=lambda i: (_PRIORITY.get(report.problems[i].check, 2), i))
    seen: set[tuple[str, int, str | None]] = set()
    keep = []
    for i in order:
        problem = report.problems[i]
        if problem.row is None or problem.row == 1 or problem.check in _RULES:
            keep.append(i)
            continue
        key = (problem.file, problem.row, problem.field)
        if key in seen:
            continue
        seen.add(key)
        keep.append(i)
    report.problems = [report.problems[i] for i in sorted(keep)]
