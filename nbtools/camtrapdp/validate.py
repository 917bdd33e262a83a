"""Validation on two levels: the official Camtrap DP schemas, and our rules.

1. The package descriptor is checked against the Camtrap DP profile (a JSON
   Schema) with ``jsonschema``, the validator frictionless uses, through a
   registry of local copies, so nothing is fetched. The tables are checked
   against the official Table Schemas column-wise by
   :mod:`nbtools.camtrapdp.constraints`; :func:`nbtools.camtrapdp.oracle.check_tables_with_frictionless`
   runs frictionless's row checks instead, and is kept as the tests' oracle.
   Each package is checked against the profile of the Camtrap DP version its
   ``profile`` URL names (1.0, 1.0.1 or 1.0.2, see :mod:`.schemas`).
2. Our rules check what the schemas cannot: foreign keys between tables (done
   here rather than by frictionless, so that rows set aside are accounted for),
   deployments that end before they start, media and observations outside their
   deployment (camera clock errors), events that end before they start,
   media-level observations without media, observations of another
   deployment's media, bounding boxes, coordinates. Each rule quotes the
   sentence of the specification it follows (see :func:`check_rules`): only
   foreign keys and the schema's coordinate ranges are errors; the rest are
   plausibility warnings, as Camtrap DP states no rule on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .report import ValidationReport
from .schemas import (
    BUNDLED_VERSION,
    CORE_TABLES,
    KNOWN_VERSIONS,
    package_version,
    profile,
    table_schema,
    version_from_url,
    version_kind,
)

DESCRIPTOR = "datapackage.json"


@cache
def _profile_validator(version: str = BUNDLED_VERSION) -> Any:
    """A jsonschema validator for one version's Camtrap DP profile that resolves references locally."""
    jsonschema = _import_jsonschema()
    from frictionless import Package, settings
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    data_package = Package.metadata_ensure_profile()  # the Data Package schema as frictionless ships it
    local = {
        "https://specs.frictionlessdata.io/schemas/data-package.json": data_package,
        "https://frictionlessdata.io/schemas/data-package.json": data_package,  # the URL the 1.0 profile uses
        "http://json.schemastore.org/geojson.json": settings.GEOJSON_PROFILE,
    }
    registry = Registry(retrieve=_refuse_remote).with_resources(
        (url, Resource.from_contents(schema, default_specification=DRAFT4)) for url, schema in local.items()
    )
    camtrap_profile = profile(version)
    return jsonschema.validators.validator_for(camtrap_profile)(camtrap_profile, registry=registry)


def _import_jsonschema() -> Any:
    """``jsonschema``, imported without compiling the IRI grammars of ``rfc3987_syntax`` (1.5 s) when it is first imported.

    jsonschema imports ``rfc3987_syntax`` for its optional ``iri`` format
    checker, and that package builds about forty parsers when it is
    imported. The profile is checked without a format checker (as
    frictionless does), so the ``iri`` checker is never used: while
    jsonschema is first imported, ``rfc3987_syntax`` is hidden (it can be
    imported normally afterwards; only jsonschema's ``iri`` format checker,
    which nbtools never uses, is then absent in this process).
    """
    import sys

    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        import jsonschema

        return jsonschema
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # an ImportError for jsonschema's optional import
    try:
        import jsonschema
    finally:
        del sys.modules["rfc3987_syntax"]
    return jsonschema


def _refuse_remote(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)


def check_descriptor(descriptor: dict[str, Any], report: ValidationReport) -> None:
    """Check ``datapackage.json`` against the profile of the Camtrap DP version it names.

    Problems are reported with file ``datapackage.json``, no row, and the
    property path (for example ``project/samplingDesign``) as the field.

    - A 1.0, 1.0.1 or 1.0.2 ``profile`` URL: checked against that version's
      profile; a resource whose ``schema`` URL names another version gets one
      message saying so (an error where that version's profile refuses it,
      else a warning).
    - A 0.x package (:func:`nbtools.camtrapdp.upgrade.legacy_version`: its
      profile URL, or failing that its schema URLs, name 0.x): not checked
      here. Such packages are upgraded to 1.0 on reading, and
      :func:`~nbtools.camtrapdp.upgrade.check_upgraded_descriptor` checks the
      upgraded descriptor by calling this function again.
    - Any other version (1.9, 2.0): one warning naming it and the versions
      known, and no profile check (its rules are not known to us).
    - No version in the URL: a warning, then checked against 1.0.2.
    """
    from .upgrade import legacy_version

    if legacy_version(descriptor) is not None:  # 0.x: the upgrade checks the upgraded descriptor (see above)
        return
    declared = descriptor.get("profile")
    named = version_from_url(declared) if isinstance(declared, str) else None
    kind = version_kind(named)
    known = ", ".join(KNOWN_VERSIONS)
    if kind == "unknown":
        report.add(
            "warning",
            DESCRIPTOR,
            None,
            "profile",
            declared,
            f"names Camtrap DP {named}, a version nbtools does not know (known: {known}); the package metadata is not "
            f"checked against a profile, and the tables are read with the Camtrap DP {BUNDLED_VERSION} table schemas",
            "profile-version",
        )
        return
    if kind == "none":
        report.add(
            "warning",
            DESCRIPTOR,
            None,
            "profile",
            declared,
            f"not a Camtrap DP profile URL naming a version (known: {known}); checked against Camtrap DP {BUNDLED_VERSION}",
            "profile-version",
        )
    version = package_version(descriptor)
    try:
        errors = sorted(
            _profile_validator(version).iter_errors(descriptor), key=lambda e: list(map(str, e.absolute_path))
        )
    except RecursionError:
        report.add(
            "error",
            DESCRIPTOR,
            None,
            None,
            None,
            "breaks the Camtrap DP profile: nested too deeply to check",
            "profile",
        )
        return
    explained: set[int] = set()
    for error in errors:
        _report_profile_error(error, descriptor, version, report, explained)
    _warn_schema_versions(descriptor, version, report, explained)


def _resource_schema_version(descriptor: dict[str, Any], position: int) -> tuple[str | None, str | None]:
    """The name of resource ``position`` and the Camtrap DP version its ``schema`` URL names, if any."""
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or position >= len(resources) or not isinstance(resources[position], dict):
        return None, None
    resource = resources[position]
    name = resource.get("name") if isinstance(resource.get("name"), str) else None
    schema = resource.get("schema")
    return name, version_from_url(schema) if isinstance(schema, str) else None


def _report_profile_error(
    error: Any, descriptor: dict[str, Any], version: str, report: ValidationReport, explained: set[int]
) -> None:
    """Report one profile error, saying why rather than "is not valid under any of the given schemas".

    For a ``oneOf``/``anyOf`` failure the sub-error that best explains it is
    reported (:func:`_best_causes`); a resource refused for the version its
    ``schema`` URL names gets "resources/0 (deployments): schema URL names
    Camtrap DP 1.0.1 but the profile is 1.0.2".
    """
    label = ""
    if error.validator in ("oneOf", "anyOf") and error.context:
        causes = _best_causes(error)
        path = [str(part) for part in error.absolute_path]
        if len(path) == 2 and path[0] == "resources" and path[1].isdigit():
            position = int(path[1])
            name, named = _resource_schema_version(descriptor, position)
            label = f"resources/{position}" + (f" ({name}): " if name else ": ")
            refused = any(c.validator == "pattern" and list(c.absolute_path)[-1:] == ["schema"] for c in causes)
            if refused and named is not None and named != version:
                explained.add(position)
                report.add(
                    "error",
                    DESCRIPTOR,
                    None,
                    f"resources/{position}/schema",
                    None,
                    f"{label}schema URL names Camtrap DP {named} but the profile is {version}; "
                    "the profile and every resource schema must name the same version",
                    "profile",
                )
                return
        error = _explain(causes)
    where = "/".join(str(part) for part in error.absolute_path) or None
    message = re.sub(r"\s+", " ", error.message)
    if len(message) > 300:
        message = message[:297] + "..."
    report.add(
        "error", DESCRIPTOR, None, where, None, f"{label}breaks the Camtrap DP {version} profile: {message}", "profile"
    )


def _explain(causes: list[Any]) -> Any:
    """The best of some sub-errors, itself explained when it is again a failed ``oneOf``/``anyOf``."""
    from jsonschema.exceptions import best_match

    error = best_match(causes)
    for _ in range(10):  # nested alternatives (GeoJSON geometries), a few levels at most
        if error.validator not in ("oneOf", "anyOf") or not error.context:
            break
        error = best_match(_best_causes(error))
    return error


def _best_causes(error: Any) -> list[Any]:
    """The sub-errors of a failed ``oneOf``/``anyOf`` that can explain it.

    The profile's resource rule is a ``oneOf`` of "a core resource with these
    properties" and "a resource whose name is not a core name". For a core
    resource the second branch fails only by its ``not``, which says nothing:
    branches failing by a ``not`` are passed over when another branch failed.
    Of the others, the branch with the fewest errors is the one the value
    nearly matches (a GeoJSON Polygon with bad coordinates fails the Polygon
    branch once and every other branch more often).
    """
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    telling = [subs for subs in branches.values() if not any(s.validator == "not" for s in subs)]
    return min(telling, key=len) if telling else list(error.context)


def _warn_schema_versions(
    descriptor: dict[str, Any], version: str, report: ValidationReport, explained: set[int]
) -> None:
    """Warn once about each core resource whose ``schema`` URL names another version than the profile.

    The Camtrap DP home page: "the ``datapackage.json`` of your dataset should
    reference the used version of Camtrap DP, both in ``profile`` and the
    resources' ``schema``". Where the profile itself refuses the URL (its
    ``$defs/version`` pattern), :func:`_report_profile_error` has said so.
    """
    resources = descriptor.get("resources")
    for position in range(len(resources) if isinstance(resources, list) else 0):
        name, named = _resource_schema_version(descriptor, position)
        if position in explained or name not in CORE_TABLES or named is None or named == version:
            continue
        checked = named if version_kind(named) == "known" else version
        report.add(
            "warning",
            DESCRIPTOR,
            None,
            f"resources/{position}/schema",
            None,
            f"resources/{position} ({name}): schema URL names Camtrap DP {named} but the profile is {version}; "
            f"the table is checked against the Camtrap DP {checked} table schema",
            "profile-version",
        )


#: Said after the message of every rule that the specification does not state (a warning, never an error).
PLAUSIBILITY = "a plausibility check: Camtrap DP states no rule on this"


def check_rules(
    tables: dict[str, pd.DataFrame],
    files: dict[str, str],
    report: ValidationReport,
    aside_keys: dict[str, dict[str, int]] | None = None,
    unusable_keys: set[str] | None = None,
    spatial: Any = None,
) -> None:
    """Our rules across the three core tables, each following the Camtrap DP 1.0.x specification.

    Each rule's function quotes the sentence of the specification (the field
    descriptions of the table schemas and the profile) it enforces. A rule is
    an error only where the specification makes it one (a foreign key, a range
    constraint); checks of what is merely implausible are warnings and say so.

    ============================  ========  ==========================================================
    check                         severity  rule
    ============================  ========  ==========================================================
    ``foreign-key``               error     deploymentID and mediaID name existing rows
    ``deployment-order``          warning   deploymentEnd not before deploymentStart
    ``deployment-window``         warning   media and events inside their deployment (clock errors)
    ``event-order``               warning   eventEnd not before eventStart
    ``observation-level``         warning   a media-level observation has a mediaID
    ``media-deployment``          warning   an observation's media file belongs to its deployment
    ``bbox``                      warning   a position (bboxX, bboxY) or a whole box; inside the image
    ``coordinates``               both      see :func:`check_coordinates`
    ============================  ========  ==========================================================

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
        extent are flagged.
    """
    deployments, media, observations = (tables[name] for name in CORE_TABLES)
    dep_file, media_file, obs_file = (files[name] for name in CORE_TABLES)
    aside_keys = aside_keys or {}
    unusable_keys = unusable_keys or set()

    _check_deployment_order(deployments, dep_file, report)
    check_coordinates(deployments, dep_file, report, spatial)
    unknown = _check_foreign_keys(tables, files, report, aside_keys, unusable_keys)
    window = deployment_windows(deployments)
    _check_window(report, media_file, media, window, ["timestamp"])
    _check_window(report, obs_file, observations, window, ["eventStart", "eventEnd"])
    _check_event_order(observations, obs_file, report)
    _check_observation_level(observations, obs_file, report)
    if dep_file not in unusable_keys:
        _check_media_deployment(observations, media, obs_file, report, skip=unknown)
    _check_bounding_boxes(observations, obs_file, report)


def deployment_windows(deployments: pd.DataFrame) -> pd.DataFrame:
    """deploymentStart and deploymentEnd by deploymentID (the first row of each)."""
    known = deployments.dropna(subset=["deploymentID"]).drop_duplicates("deploymentID")
    return known.set_index("deploymentID")[["deploymentStart", "deploymentEnd"]]


def check_deployment_rules(deployments: pd.DataFrame, file: str, report: ValidationReport, spatial: Any = None) -> None:
    """The rules of :func:`check_rules` on the deployments alone (order of start and end, coordinates)."""
    _check_deployment_order(deployments, file, report)
    check_coordinates(deployments, file, report, spatial)


def check_batch_rules(
    name: str,
    table: pd.DataFrame,
    deployments: pd.DataFrame,
    files: dict[str, str],
    report: ValidationReport,
    aside_keys: dict[str, dict[str, int]],
    unusable_keys: set[str],
    known_media: pd.Series | None = None,
    media_deployment: pd.Series | None = None,
) -> None:
    """The rules of :func:`check_rules` on one batch of the media or observations table (a table read in batches).

    Parameters
    ----------
    name : {"media", "observations"}
        The table the batch is from.
    table : pandas.DataFrame
        The typed rows of the batch, indexed by row number.
    deployments : pandas.DataFrame
        The whole typed deployments table.
    known_media, media_deployment : pandas.Series, optional
        For observations: whether each row's mediaID is a media row kept, and
        that media row's deploymentID (looked up by the caller in a compact
        index of the media table, as the media table is not held).
    """
    dep_file, media_file, obs_file = (files[n] for n in CORE_TABLES)
    window = deployment_windows(deployments)
    if name == "media":
        _unknown_deployments(table, deployments, media_file, dep_file, report, aside_keys, unusable_keys)
        _check_window(report, media_file, table, window, ["timestamp"])
        return
    unknown = _unknown_deployments(table, deployments, obs_file, dep_file, report, aside_keys, unusable_keys)
    _unknown_media(table, known_media, obs_file, media_file, report, aside_keys, unusable_keys)
    _check_window(report, obs_file, table, window, ["eventStart", "eventEnd"])
    _check_event_order(table, obs_file, report)
    _check_observation_level(table, obs_file, report)
    if dep_file not in unusable_keys:
        _flag_media_deployment(table, media_deployment, obs_file, report, unknown)
    _check_bounding_boxes(table, obs_file, report)


def _check_deployment_order(deployments: pd.DataFrame, file: str, report: ValidationReport) -> None:
    """Warn about deployments that end before they start.

    Specification (deployments table): ``deploymentStart`` "Date and time at
    which the deployment was started."; ``deploymentEnd`` "Date and time at
    which the deployment was ended." Neither field, nor any other text of
    Camtrap DP 1.0.x, states a rule on their order, so this is a warning: the
    values are legal but cannot both be right.
    """
    backwards = deployments["deploymentEnd"] < deployments["deploymentStart"]
    _flag(
        report,
        "warning",
        file,
        _where(deployments, backwards),
        "deploymentEnd",
        lambda r: f"the deployment ends before it starts ({r.deploymentStart}); {PLAUSIBILITY}",
        "deployment-order",
    )


def _check_foreign_keys(
    tables: dict[str, pd.DataFrame],
    files: dict[str, str],
    report: ValidationReport,
    aside_keys: dict[str, dict[str, int]],
    unusable_keys: set[str],
) -> pd.Series:
    """Report references to deployments and media that are not in their tables (errors).

    Specification: media ``deploymentID`` "Identifier of the deployment the
    media file belongs to. Foreign key to ``deployments.deploymentID``.";
    observations ``deploymentID`` "Identifier of the deployment the observation
    belongs to. Foreign key to ``deployments.deploymentID``."; observations
    ``mediaID`` "Identifier of the media file that was classified. [...]
    Foreign key to ``media.mediaID``." The table schemas declare these as
    ``foreignKeys``, which Table Schema requires to match a row of the
    referenced resource: an error.

    Returns
    -------
    pandas.Series
        For each observation, whether its deploymentID is unknown (already reported).
    """
    deployments, media, observations = (tables[name] for name in CORE_TABLES)
    dep_file, media_file, obs_file = (files[name] for name in CORE_TABLES)
    unknown = pd.Series(False, index=observations.index)
    for file, table in ((media_file, media), (obs_file, observations)):
        unknown = _unknown_deployments(table, deployments, file, dep_file, report, aside_keys, unusable_keys)
    known = _member(observations["mediaID"], media["mediaID"])
    _unknown_media(observations, known, obs_file, media_file, report, aside_keys, unusable_keys)
    return unknown


def _missing_from(target: str, key: str, aside_keys: dict[str, dict[str, int]]) -> Callable[[Any], str]:
    """The message for a reference to a ``key`` that is not in ``target`` (or was set aside from it)."""
    aside = aside_keys.get(target, {})

    def message(row: Any) -> str:
        value = getattr(row, key)
        if value in aside:
            return f"{key} {value!r} is in {target} row {aside[value]}, which was set aside"
        return f"{key} {value!r} is not in {target}"

    return message


def _unknown_deployments(
    table: pd.DataFrame,
    deployments: pd.DataFrame,
    file: str,
    dep_file: str,
    report: ValidationReport,
    aside_keys: dict[str, dict[str, int]],
    unusable_keys: set[str],
) -> pd.Series:
    """Report the rows of ``table`` whose deploymentID is not in the deployments; return which they are."""
    unknown = table["deploymentID"].notna() & ~_member(table["deploymentID"], deployments["deploymentID"])
    if dep_file in unusable_keys:
        unknown[:] = False
    _flag(
        report,
        "error",
        file,
        _where(table, unknown),
        "deploymentID",
        _missing_from(dep_file, "deploymentID", aside_keys),
        "foreign-key",
    )
    return unknown


def _unknown_media(
    observations: pd.DataFrame,
    known: pd.Series,
    obs_file: str,
    media_file: str,
    report: ValidationReport,
    aside_keys: dict[str, dict[str, int]],
    unusable_keys: set[str],
) -> None:
    """Report observations whose mediaID is not among the media kept (``known``: whether each one is)."""
    has_media = observations["mediaID"].notna()
    unknown_media = has_media & ~known & (media_file not in unusable_keys)
    _flag(
        report,
        "error",
        obs_file,
        _where(observations, unknown_media),
        "mediaID",
        _missing_from(media_file, "mediaID", aside_keys),
        "foreign-key",
    )


def _check_event_order(observations: pd.DataFrame, file: str, report: ValidationReport) -> None:
    """Warn about events that end before they start.

    Specification (observations table): ``eventStart`` "Date and time at which
    the event started."; ``eventEnd`` "Date and time at which the event
    ended." No rule on their order is stated, so this is a warning.
    """
    backwards = observations["eventEnd"] < observations["eventStart"]
    _flag(
        report,
        "warning",
        file,
        _where(observations, backwards),
        "eventEnd",
        lambda r: f"the event ends before it starts ({r.eventStart}); {PLAUSIBILITY}",
        "event-order",
    )


def _check_observation_level(observations: pd.DataFrame, file: str, report: ValidationReport) -> None:
    """Warn about media-level observations without a mediaID.

    Specification (observations table): ``observationLevel`` "``media`` for
    media-based observations that are directly associated with a media file
    (``mediaID``)."; ``mediaID`` "Only applicable for media-based observations
    (``observationLevel`` = ``media``)." The schema leaves ``mediaID``
    optional (``required: false``) and no sentence says a media-based
    observation must have one, so a missing one is a warning.
    """
    without = (observations["observationLevel"] == "media") & observations["mediaID"].isna()
    _flag(
        report,
        "warning",
        file,
        _where(observations, without),
        "mediaID",
        lambda r: (
            "a media-level observation without a mediaID: the specification describes media-based observations "
            'as "directly associated with a media file (mediaID)", but does not make mediaID required'
        ),
        "observation-level",
    )


def _check_media_deployment(
    observations: pd.DataFrame, media: pd.DataFrame, file: str, report: ValidationReport, skip: pd.Series
) -> None:
    """Warn about observations whose media file belongs to another deployment.

    Specification: observations ``deploymentID`` "Identifier of the deployment
    the observation belongs to."; media ``deploymentID`` "Identifier of the
    deployment the media file belongs to."; observations ``mediaID``
    "Identifier of the media file that was classified." An observation of a
    media file of another deployment contradicts these descriptions, but no
    rule states it (the foreign keys hold), so this is a warning.
    """
    _flag_media_deployment(observations, media_deployment_of(observations, media), file, report, skip)


def media_deployment_of(observations: pd.DataFrame, media: pd.DataFrame) -> pd.Series:
    """The deploymentID of each observation's media file (missing where unknown)."""
    media_deployment = media.dropna(subset=["mediaID"]).drop_duplicates("mediaID").set_index("mediaID")["deploymentID"]
    return _lookup(observations["mediaID"], media_deployment)


def _flag_media_deployment(
    observations: pd.DataFrame, other: pd.Series, file: str, report: ValidationReport, skip: pd.Series
) -> None:
    """Warn about observations whose media file's deployment (``other``) is not theirs."""
    mismatch = observations["mediaID"].notna() & other.notna() & (other != observations["deploymentID"]) & ~skip
    _flag(
        report,
        "warning",
        file,
        _where(observations, mismatch.fillna(False)),
        "deploymentID",
        lambda r: f"its media file {r.mediaID!r} belongs to another deployment; {PLAUSIBILITY}",
        "media-deployment",
    )


_BOX = ("bboxX", "bboxY", "bboxWidth", "bboxHeight")


def _check_bounding_boxes(observations: pd.DataFrame, file: str, report: ValidationReport) -> None:
    """Warn about bounding boxes that are neither a position nor a whole box, or that leave the image.

    Specification (observations table): ``bboxX`` "Horizontal position of the
    top-left corner of a bounding box that encompasses the observed
    individual(s) in the media file identified by ``mediaID``. Or the
    horizontal position of an object in that media file. Measured from the left
    and relative to media file width." (``bboxY`` likewise, vertical);
    ``bboxWidth`` "Width of a bounding box [...] Measured from the left of the
    bounding box and relative to the media file width." (``bboxHeight``
    likewise). All four are optional, each in [0, 1] (the schema's ranges,
    checked by frictionless).

    So ``bboxX`` and ``bboxY`` alone are a point position (Agouti writes these
    for random-encounter positions) and are never reported. Any other
    incomplete combination (a size without a position, one coordinate, one
    side) places nothing; as no rule forbids it, it is a warning. A box with
    ``bboxX + bboxWidth > 1`` (or ``bboxY + bboxHeight``) reaches past the
    image its values are relative to: a warning too, as only each value's range
    is constrained.
    """
    box = {name: observations[name].to_numpy(dtype=float, na_value=np.nan) for name in _BOX}  # no copy of the frame
    given = {name: ~np.isnan(values) for name, values in box.items()}
    point = given["bboxX"] & given["bboxY"] & ~given["bboxWidth"] & ~given["bboxHeight"]
    some = given["bboxX"] | given["bboxY"] | given["bboxWidth"] | given["bboxHeight"]
    every = given["bboxX"] & given["bboxY"] & given["bboxWidth"] & given["bboxHeight"]
    partial = some & ~every & ~point
    _flag_partial_boxes(_where(observations, partial), file, report)
    for start, size in (("bboxX", "bboxWidth"), ("bboxY", "bboxHeight")):
        with np.errstate(invalid="ignore"):
            outside = (box[start] + box[size]) > 1 + 1e-9  # False where either is missing
        _flag(
            report,
            "warning",
            file,
            _where(observations, outside),
            size,
            lambda r, s=start, z=size: (
                f"the box leaves the image: {s} + {z} = {getattr(r, s) + getattr(r, z):.4g} > 1; {PLAUSIBILITY}"
            ),
            "bbox",
        )


def _flag_partial_boxes(rows: pd.DataFrame, file: str, report: ValidationReport) -> None:
    """One warning per row with some of the four box fields, naming the first field given and its value."""
    for number, values in zip(rows.index, rows[list(_BOX)].itertuples(index=False)):
        present = [name for name, value in zip(_BOX, values) if pd.notna(value)]
        missing = [name for name in _BOX if name not in present]
        report.add(
            "warning",
            file,
            int(number),
            present[0],
            getattr(values, present[0]),
            f"{', '.join(present)} without {', '.join(missing)}: Camtrap DP describes a position (bboxX and bboxY) or "
            f"a bounding box (all four), and this is neither; {PLAUSIBILITY}",
            "bbox",
        )


def check_coordinates(deployments: pd.DataFrame, file: str, report: ValidationReport, spatial: Any = None) -> None:
    """Flag coordinates out of range, at (0, 0), outside the package's extent, or swapped.

    Specification (deployments table): ``latitude`` "Latitude of the
    deployment location in decimal degrees, using the WGS84 datum." with the
    constraints ``minimum: -90``, ``maximum: 90`` (``longitude`` likewise, -180
    to 180); profile: ``spatial`` "Spatial coverage of the package, expressed
    as GeoJSON."

    - A latitude beyond +-90 or a longitude beyond +-180 breaks the schema's
      constraint: an error (with a hint when swapping the two would fix it).
    - (0, 0) is a legal value, almost always a missing one: a warning.
    - When ``spatial`` gives an extent, a deployment outside it (with a margin
      of 0.05 degrees) is a warning, saying that latitude and longitude look
      swapped when the swapped pair would lie inside. The specification ties
      ``spatial`` to the deployments by no rule, so these are plausibility
      checks, never errors.
    """
    lat, lon = deployments["latitude"], deployments["longitude"]
    both = lat.notna() & lon.notna()
    null_island = both & (lat == 0) & (lon == 0)
    _flag(
        report,
        "warning",
        file,
        _where(deployments, null_island),
        "latitude",
        lambda r: f"coordinates are 0, 0: probably missing, not a real place; {PLAUSIBILITY}",
        "coordinates",
    )
    extent = spatial_extent(spatial)
    swap_fits = both & (lon.abs() <= 90) & (lat.abs() <= 180)
    if extent is not None:  # the swapped pair must also lie in the package's extent
        swap_fits &= _inside(extent, lon, lat)
    for column, limit, other in (("latitude", 90, "longitude"), ("longitude", 180, "latitude")):
        values = deployments[column]
        for row, value in values[values.abs() > limit].items():
            hint = (
                f"; latitude and longitude look swapped (({deployments.at[row, other]}, {value}) would be in range)"
                if swap_fits.loc[row]
                else ""
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
    _flag(
        report,
        "warning",
        file,
        _where(deployments, swapped),
        "latitude",
        lambda r: (
            f"latitude and longitude look swapped: ({r.latitude}, {r.longitude}) is outside the package's "
            f"spatial extent ({box}) and ({r.longitude}, {r.latitude}) is inside; {PLAUSIBILITY}"
        ),
        "coordinates",
    )
    _flag(
        report,
        "warning",
        file,
        _where(deployments, outside & ~swapped),
        "latitude",
        lambda r: f"({r.latitude}, {r.longitude}) is outside the package's spatial extent ({box}); {PLAUSIBILITY}",
        "coordinates",
    )


def _inside(extent: tuple[float, float, float, float], latitude: pd.Series, longitude: pd.Series) -> pd.Series:
    """Whether points lie in a west, south, east, north extent widened by 0.05 degrees."""
    west, south, east, north = extent
    margin = 0.05
    return (
        (latitude >= south - margin)
        & (latitude <= north + margin)
        & (longitude >= west - margin)
        & (longitude <= east + margin)
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
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value == value
        and abs(value) != float("inf")
    )


def _lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``mapping[key]`` for each key (missing where unknown), keeping the mapping's dtype even when it is empty."""
    positions = _positions(keys, pd.Index(mapping.index))
    return pd.Series(mapping.array.take(positions, allow_fill=True), index=keys.index)


def _member(values: pd.Series, reference: pd.Series) -> pd.Series:
    """Whether each value occurs in ``reference``, by hashing (``Series.isin`` on Arrow strings is slow for large sets)."""
    index = pd.Index(reference.dropna().unique())
    return pd.Series(_positions(values, index) >= 0, index=values.index) & values.notna().to_numpy()


def _positions(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each key in a unique ``index`` (-1 where absent): a pyarrow hash lookup for text keys."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (isinstance(keys.dtype, pd.StringDtype) and isinstance(index.dtype, pd.StringDtype)):
        return index.get_indexer(keys)
    values = pa.array(keys.array)
    found = pc.index_in(values, value_set=pa.array(index.array).cast(values.type))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _check_window(
    report: ValidationReport, file: str, table: pd.DataFrame, window: pd.DataFrame, columns: list[str]
) -> None:
    """Warn about media and events outside their deployment: usually a camera clock error.

    Specification: the media table is "Table with media files (images/videos)
    recorded during deployments (``deploymentID``)."; media ``timestamp``
    "Date and time at which the media file was recorded."; the observations
    table is "Associated with deployments (``deploymentID``)." These describe
    what a deployment holds but state no rule that times lie inside it, so a
    time outside is a warning.
    """
    start = _lookup(table["deploymentID"], window["deploymentStart"])
    end = _lookup(table["deploymentID"], window["deploymentEnd"])
    for column in columns:
        outside = (table[column] < start) | (table[column] > end)
        outside = outside.fillna(False).astype(bool)
        for number, value, dep, s, e in zip(
            table.index[outside], table[column][outside], table["deploymentID"][outside], start[outside], end[outside]
        ):
            report.add(
                "warning",
                file,
                int(number),
                column,
                value.isoformat(),
                f"outside its deployment {dep} ({s.isoformat()} to {e.isoformat()}): a camera clock error? ({PLAUSIBILITY})",
                "deployment-window",
            )


@cache
def _official_fields() -> frozenset[str]:
    """Names of the fields of the three official table schemas (all valid Python identifiers)."""
    return frozenset(item["name"] for name in CORE_TABLES for item in table_schema(name)["fields"])


def _where(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> pd.DataFrame:
    """``frame[mask]``, without taking every column of a large frame when no row is chosen (the usual case)."""
    if isinstance(mask, pd.Series) and mask.dtype != bool:
        mask = mask.fillna(False)
    chosen = np.asarray(mask, dtype=bool)
    return frame[chosen] if chosen.any() else frame.iloc[:0]


def _flag(
    report: ValidationReport, severity: str, file: str, rows: pd.DataFrame, field: str, message, check: str
) -> None:
    if rows.empty:
        return
    rows = rows[[c for c in rows.columns if c in _official_fields()]]  # rows as named tuples of official fields
    for number, row in zip(rows.index, rows.itertuples(index=False)):
        value = getattr(row, field)
        value = (
            None if value is pd.NA or value is pd.NaT else value.isoformat() if hasattr(value, "isoformat") else value
        )
        report.add(severity, file, int(number), field, value, message(row), check)


#: Checks of our cross-table rules: each is kept even when another problem names the same cell.
_RULES = {
    "deployment-order",
    "foreign-key",
    "deployment-window",
    "event-order",
    "observation-level",
    "media-deployment",
    "bbox",
}

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
