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
from .schemas import BUNDLED_VERSION, is_bundled_compatible, profile, version_from_url

DESCRIPTOR = "datapackage.json"

#: frictionless checks that our own code does instead (see module docstring).
_DONE_BY_US = {"blank-row", "extra-cell", "primary-key", "unique-error", "foreign-key", "missing-label", "extra-label"}


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
    for error in sorted(_profile_validator().iter_errors(descriptor), key=lambda e: list(map(str, e.absolute_path))):
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
    from frictionless import Detector, Dialect, Package, Resource, Schema

    resources = []
    for name, (path, schema, dialect) in tables.items():
        schema = {key: value for key, value in schema.items() if key != "foreignKeys"}
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
            report.add("error", file, row if row is not None else 1, field or None, cell, _message(error), error.type)


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


def check_rules(tables: dict[str, pd.DataFrame], files: dict[str, str], report: ValidationReport) -> None:
    """Our rules across the three core tables (see the module docstring).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Typed ``deployments``, ``media`` and ``observations``, indexed by row number.
    files : dict of str to str
        The file name of each table, for messages.
    report : ValidationReport
        Problems are added here.
    """
    deployments, media, observations = (tables[name] for name in ("deployments", "media", "observations"))
    dep_file, media_file, obs_file = files["deployments"], files["media"], files["observations"]

    # Deployments: time order and the (0, 0) null island.
    backwards = deployments["deploymentEnd"] < deployments["deploymentStart"]
    _flag(report, "error", dep_file, deployments[backwards], "deploymentEnd",
          lambda r: f"deployment ends before it starts ({r.deploymentStart})", "deployment-order")
    null_island = (deployments["latitude"] == 0) & (deployments["longitude"] == 0)
    _flag(report, "warning", dep_file, deployments[null_island], "latitude",
          lambda r: "coordinates are 0, 0: probably missing, not a real place", "coordinates")

    # Foreign keys.
    for file, table in ((media_file, media), (obs_file, observations)):
        unknown = table["deploymentID"].notna() & ~_member(table["deploymentID"], deployments["deploymentID"])
        _flag(report, "error", file, table[unknown], "deploymentID",
              lambda r: f"deploymentID {r.deploymentID!r} is not in {dep_file}", "foreign-key")
    has_media = observations["mediaID"].notna()
    unknown_media = has_media & ~_member(observations["mediaID"], media["mediaID"])
    _flag(report, "error", obs_file, observations[unknown_media], "mediaID",
          lambda r: f"mediaID {r.mediaID!r} is not in {media_file}", "foreign-key")

    # Times inside the deployment window: a time outside it is usually a camera clock error.
    window = deployments.drop_duplicates("deploymentID").set_index("deploymentID")[["deploymentStart", "deploymentEnd"]]
    _check_window(report, media_file, media, window, ["timestamp"])
    _check_window(report, obs_file, observations, window, ["eventStart", "eventEnd"])

    # Observations: event order, media-level rows need media of the same deployment.
    backwards = observations["eventEnd"] < observations["eventStart"]
    _flag(report, "error", obs_file, observations[backwards], "eventEnd",
          lambda r: f"event ends before it starts ({r.eventStart})", "event-order")
    media_level = observations["observationLevel"] == "media"
    _flag(report, "error", obs_file, observations[media_level & ~has_media], "mediaID",
          lambda r: "a media-level observation needs a mediaID", "observation-level")
    media_deployment = media.drop_duplicates("mediaID").set_index("mediaID")["deploymentID"]
    other = observations["mediaID"].map(media_deployment)
    mismatch = has_media & other.notna() & (other != observations["deploymentID"]) & ~unknown
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


def _member(values: pd.Series, reference: pd.Series) -> pd.Series:
    """Whether each value occurs in ``reference``, by hashing (``Series.isin`` on Arrow strings is slow for large sets)."""
    index = pd.Index(reference.dropna().unique())
    return pd.Series(index.get_indexer(values) >= 0, index=values.index) & values.notna().to_numpy()


def _check_window(
    report: ValidationReport, file: str, table: pd.DataFrame, window: pd.DataFrame, columns: list[str]
) -> None:
    start = table["deploymentID"].map(window["deploymentStart"])
    end = table["deploymentID"].map(window["deploymentEnd"])
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


def _flag(report: ValidationReport, severity: str, file: str, rows: pd.DataFrame, field: str, message, check: str) -> None:
    for number, row in zip(rows.index, rows.itertuples(index=False)):
        value = getattr(row, field)
        value = value.isoformat() if hasattr(value, "isoformat") else value
        report.add(severity, file, int(number), field, value, message(row), check)


#: Checks of our cross-table rules: each is kept even when another problem names the same cell.
_RULES = {"deployment-order", "coordinates", "foreign-key", "deployment-window", "event-order", "observation-level", "bbox"}

#: Order in which checks win when two report the same cell: the most specific first.
_PRIORITY = {"primary-key": 0, "blank-row": 0, "extra-cell": 0, "parse-error": 1}


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
