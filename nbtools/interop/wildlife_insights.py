"""Import a Wildlife Insights export into a Camtrap DP package.

A Wildlife Insights (WI) download holds four CSV files: ``projects.csv`` (one row per project:
``project_id``, ``project_name``, ``project_short_name``, ``project_objectives``,
``project_sensor_layout``, ``project_sensor_method``, ``project_individual_animals``,
``project_admin``, ``project_admin_email``, ``project_admin_organization``,
``metadata_license``, ``image_license``, ``data_citation``, ...), ``deployments.csv``
(``deployment_id``, ``placename``, ``longitude``, ``latitude``, ``start_date``, ``end_date``,
``camera_id``, ``quiet_period``, ``bait_type``, ``feature_type``, ``sensor_height``,
``sensor_orientation``, ``detection_distance``, ``subproject_name``, ``recorded_by``,
``remarks``, ...), ``cameras.csv`` (``camera_id``, ``make``, ``model``, ...) and ``images.csv``
(or ``images_<project>.csv``; one row per identification: ``deployment_id``, ``image_id``,
``filename``, ``location``, ``is_blank``, ``identified_by``, ``wi_taxon_id``, ``class``,
``order``, ``family``, ``genus``, ``species``, ``common_name``, ``uncertainty``, ``timestamp``,
``number_of_objects``, ``age``, ``sex``, ``individual_id``, ``behavior``, ``highlighted``,
``cv_confidence``, ``license``, ...). Times are the cameras' local clock time, without offset.

The mapping follows camtraptor's ``read_wi()`` (Desmet et al.), updated to Camtrap DP 1.0.

References
----------
Wildlife Insights data download: https://www.wildlifeinsights.org/get-started/download/private

Desmet, P. et al. camtraptor: read, explore and visualize camera trap data packages. R package,
``read_wi()``. https://inbo.github.io/camtraptor/
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..camtrapdp import CamtrapDP
from ..camtrapdp.report import CamtrapDPError
from ..camtrapdp.tables import read_text_table, set_aside_rows
from ..timezones import choose_timezone
from ._common import ImportReport, InteropError, conform, validate_package
from ._timestamps import TimestampFormat, clock_to_utc, detect_timestamp_format, read_clock_times

__all__ = ["read_wildlife_insights"]

#: WI classes that are animals (camtraptor's list).
ANIMAL_CLASSES = frozenset(
    {
        "Mammalia",
        "Aves",
        "Reptilia",
        "Amphibia",
        "Arachnida",
        "Gastropoda",
        "Malacostraca",
        "Clitellata",
        "Chilopoda",
        "Diplopoda",
        "Insecta",
    }
)
#: WI classes of images the AI has not (yet) classified.
UNCLASSIFIED_CLASSES = frozenset({"CV Needed", "CV Failed", "No CV Result"})

_SAMPLING_DESIGN = {
    "systematic": "systematicRandom",
    "randomized": "simpleRandom",
    "random": "simpleRandom",
    "clustered": "clusteredRandom",
    "convenience": "opportunistic",
    "opportunistic": "opportunistic",
    "targeted": "targeted",
    "experimental": "experimental",
}
_CAPTURE_METHOD = {
    "sensordetection": ["activityDetection"],
    "motiondetection": ["activityDetection"],
    "timelapse": ["timeLapse"],
    "both": ["activityDetection", "timeLapse"],
}
_FEATURE_TYPES = {
    "roadpaved": "roadPaved",
    "roaddirt": "roadDirt",
    "trailhiking": "trailHiking",
    "trailgame": "trailGame",
    "roadunderpass": "roadUnderpass",
    "roadoverpass": "roadOverpass",
    "roadbridge": "roadBridge",
    "culvert": "culvert",
    "burrow": "burrow",
    "nestsite": "nestSite",
    "carcass": "carcass",
    "watersource": "waterSource",
    "fruitingtree": "fruitingTree",
}
_HEIGHTS = {"chestheight": 1.5, "kneeheight": 0.5}
_TILTS = {"parallel": 0, "pointeddownward": -90}
_MEDIATYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "mp4": "video/mp4",
    "avi": "video/x-msvideo",
    "mov": "video/quicktime",
}
_MISSING = ("", "NA", "N/A", "NaN", "nan", "NULL", "null")


def read_wildlife_insights(
    path: str | Path,
    timezone: str | None = None,
    *,
    project_id: str | None = None,
    validate: bool = True,
    timestamp_format: str | None = None,
) -> CamtrapDP:
    """Read an (unzipped) Wildlife Insights export into a Camtrap DP package.

    Parameters
    ----------
    path : str or pathlib.Path
        The folder with ``projects.csv``, ``deployments.csv``, ``cameras.csv`` and
        ``images.csv`` (or ``images_<project>.csv`` files).
    timezone : str, optional
        IANA time zone of the cameras' clocks (WI stores local times without offset), e.g.
        ``"Asia/Vladivostok"``. By default the zone where the deployments stand (their
        coordinates, looked up offline by :func:`~nbtools.timezones.choose_timezone`); the
        report then says which zone was chosen and why (a warning, check ``timezone``).
    project_id : str, optional
        The project to read when ``projects.csv`` lists several.
    validate : bool, default True
        Check the converted package against the Camtrap DP profile and table schemas (through
        :func:`~nbtools.interop.validate_package`); its problems are added to the report with
        file names ``camtrapdp:deployments.csv``, ...
    timestamp_format : str, optional
        A ``strptime`` format such as ``"%d/%m/%y %H:%M"`` for every timestamp and date column
        (images' ``timestamp``, deployments' ``start_date`` and ``end_date``). Dates alone in
        the same format (its part before the first space) and ISO 8601 are read too. By
        default the format is found for each column (see Notes).

    Returns
    -------
    CamtrapDP
        Deployments (one per WI deployment), media (one per image), media-level observations
        (one per WI identification) typed as :func:`~nbtools.camtrapdp.read_camtrapdp` types
        them, metadata built from ``projects.csv`` (project, contributors, licences, spatial,
        temporal and taxonomic coverage), and ``report``: an :class:`ImportReport` of the WI
        files (rows read, converted, set aside with reasons) plus the validation problems.

    Raises
    ------
    InteropError
        If a required file or column is missing, the project is ambiguous, or a column of
        dates mixes month-first and day-first dates.

    Notes
    -----
    - ``observationType``: ``human`` for *Homo sapiens*, ``blank`` for ``is_blank``, ``animal``
      for the animal classes, ``unclassified`` for "CV Needed/Failed", ``vehicle`` for vehicle
      labels, otherwise ``unknown``. ``scientificName`` is ``genus species`` or the lowest rank
      given. ``classificationMethod`` is ``machine`` for "Computer vision" identifications (with
      ``cv_confidence`` as ``classificationProbability``, rescaled from percent), else ``human``.
    - Timestamps and dates are read as Wildlife Insights writes them (ISO 8601:
      ``2019-05-05 17:21:00``) and as Excel rewrites them (``5/5/19 17:21``,
      ``05/05/2019 17:21:33``, ``05.05.2019 17:21``; with or without seconds, two- or
      four-digit years, or a date alone). Whether dates are month- or day-first is decided for
      each column from all its cells (``detect_timestamp_format`` in ``nbtools.interop._timestamps``):
      a first field above 12 proves day-first, a second field above 12 month-first. A column
      that cannot tell takes the order the other columns prove, else month-first (as Excel in
      the US locale and WI write), and the report warns (check ``timestamp-order``). A column
      with both proven orders raises :class:`InteropError` naming the rows.
    - A deployment ``end_date`` without a time of day (or at midnight) means the camera ran that
      whole day: the deployment ends at 23:59:59 local time.
    - Set aside (and reported): deployments without valid coordinates or dates, or ending before
      they start; images without ``image_id`` or a readable timestamp, or of an unknown or set
      aside deployment. Sequence-based projects (``sequences.csv``) are not supported: their
      identifications are not imported (reported as an error).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InteropError(f"{folder}: not a folder (unzip the Wildlife Insights download first)")
    report = ImportReport()
    projects = _read(folder, "projects.csv", None, report)
    project = _project_row(projects, project_id)
    pid = project.get("project_id")
    deployments = _read(folder, "deployments.csv", "deployment_id", report)
    if pid and "project_id" in deployments.columns:
        other = ~deployments["project_id"].isin(["", pid])
        for row in deployments.index[other]:
            report.set_aside_entry(
                "deployments.csv",
                int(row),
                ",".join(deployments.loc[row].tolist()),
                f"belongs to project {deployments.loc[row, 'project_id']!r}, not {pid!r}",
                field_name="project_id",
            )
        deployments = deployments[~other]
    cameras = _read(folder, "cameras.csv", None, report, required=False)
    image_files = sorted(p.name for p in folder.glob("images*.csv"))
    if not image_files:
        raise InteropError(f"{folder}: no images.csv (or images_<project>.csv) in the Wildlife Insights export")
    images = pd.concat([_read(folder, name, None, report).assign(_file=name) for name in image_files])
    images["_row"] = images.index
    images = images.reset_index(drop=True)
    if (folder / "sequences.csv").exists():
        report.add(
            "error",
            "sequences.csv",
            None,
            None,
            None,
            "sequence-based projects are not supported: identifications in sequences.csv are not imported",
            "unsupported",
        )
    for name, table, columns in (
        ("deployments.csv", deployments, ("deployment_id", "longitude", "latitude", "start_date", "end_date")),
        (image_files[0], images, ("deployment_id", "image_id", "timestamp")),
    ):
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise InteropError(f"{name}: Wildlife Insights column(s) {missing} missing; has {list(table.columns)[:20]}")

    zone = _zone(deployments, timezone, report)
    start_format, end_format, image_format = _time_formats(deployments, images, timestamp_format, report)
    dep = _deployments(deployments, cameras, zone, (start_format, end_format), report)
    media, obs = _images(images, dep, project, zone, image_format, report)
    metadata = _metadata(project, dep, media, obs, images, zone)
    package = CamtrapDP(
        deployments=conform(dep.reset_index(drop=True), "deployments"),
        media=conform(media.reset_index(drop=True), "media"),
        observations=conform(obs.reset_index(drop=True), "observations"),
        metadata=metadata,
    )
    checked = _check(package, zone, validate)
    for problem in checked.report.problems:
        report.problems.append(
            type(problem)(
                problem.severity,
                f"camtrapdp:{problem.file}",
                problem.row,
                problem.field,
                problem.value,
                problem.message,
                problem.check,
            )
        )
    checked.report = report
    return checked


def _check(package: CamtrapDP, timezone: str, validate: bool) -> CamtrapDP:
    if validate:
        return validate_package(package, timezone)
    import tempfile

    from ..camtrapdp import read_camtrapdp, write_camtrapdp

    with tempfile.TemporaryDirectory(prefix="nbtools-wi-") as folder:
        write_camtrapdp(package, folder, timezone=timezone)
        typed = read_camtrapdp(folder, validate=False)
    typed.path = None
    return typed


# --------------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------------


def _read(folder: Path, name: str, key: str | None, report: ImportReport, required: bool = True) -> pd.DataFrame:
    """A WI CSV file as text cells indexed by row number; blank (and repeated-key) rows set aside."""
    path = folder / name
    if not path.exists():
        if required:
            raise InteropError(f"{folder}: {name} is missing from the Wildlife Insights export")
        report.add(
            "warning", name, None, None, None, "file missing; camera makes and models are unknown", "missing-file"
        )
        return pd.DataFrame()
    try:
        cells, too_long = read_text_table(path, name)
    except CamtrapDPError as error:
        raise InteropError(str(error)) from error
    cells.columns = [str(c).strip() for c in cells.columns]
    kept = set_aside_rows(cells, too_long, name, key if key in cells.columns else None, list(_MISSING), report)
    return kept.apply(lambda column: column.str.strip())


def _project_row(projects: pd.DataFrame, project_id: str | None) -> dict[str, str]:
    if projects.empty:
        raise InteropError("projects.csv lists no project")
    if project_id is not None:
        chosen = projects[projects.get("project_id", pd.Series(dtype=str)).astype(str) == str(project_id)]
        if chosen.empty:
            raise InteropError(f"projects.csv has no project_id {project_id!r}")
        return {k: _value(v) for k, v in chosen.iloc[0].items()}
    if len(projects) > 1:
        ids = projects.get("project_id", pd.Series(range(len(projects)))).tolist()
        raise InteropError(f"projects.csv lists {len(projects)} projects ({ids[:10]}); choose one with project_id=")
    return {k: _value(v) for k, v in projects.iloc[0].items()}


def _value(text: Any) -> Any:
    if text is None or (isinstance(text, float) and np.isnan(text)) or str(text).strip() in _MISSING:
        return None
    return str(text).strip()


def _column(table: pd.DataFrame, name: str) -> pd.Series:
    """A text column with WI's missing values as None (an all-missing column when absent)."""
    if name not in table.columns:
        return pd.Series([None] * len(table), index=table.index, dtype=object)
    return pd.Series([_value(v) for v in table[name]], index=table.index, dtype=object)


def _apply(values: pd.Series, func: Any) -> pd.Series:
    """``func`` (a function or a mapping) applied to each value, keeping None (not NaN) as missing."""
    get = func.get if isinstance(func, dict) else func
    return pd.Series([get(v) for v in values], index=values.index, dtype=object)


def _key(text: Any) -> str | None:
    text = _value(text)
    return None if text is None else re.sub(r"[^a-z]", "", text.lower())


def _number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text, errors="coerce")


# --------------------------------------------------------------------------------------------------
# time zone and timestamp formats
# --------------------------------------------------------------------------------------------------


def _zone(deployments: pd.DataFrame, timezone: str | None, report: ImportReport) -> str:
    """The cameras' zone: ``timezone`` if given, else the zone where the deployments stand (reported)."""
    coordinates = pd.DataFrame(
        {"latitude": _number(_column(deployments, "latitude")), "longitude": _number(_column(deployments, "longitude"))}
    )
    try:
        choice = choose_timezone(coordinates, given=timezone)
    except ValueError as error:
        raise InteropError(str(error)) from error
    if choice.source != "given":
        report.add(
            "warning",
            "deployments.csv",
            None,
            None,
            choice.zone,
            f"{choice.reason}; the cameras' clocks are read in this zone (pass timezone= to choose another)",
            "timezone",
        )
    return choice.zone


def _time_formats(
    deployments: pd.DataFrame, images: pd.DataFrame, given: str | None, report: ImportReport
) -> list[TimestampFormat]:
    """How to read deployments' ``start_date``, ``end_date`` and images' ``timestamp``, each column whole.

    A column that cannot tell month-first from day-first takes the order the other columns
    prove (when they agree), else month-first; either way the report warns.
    """
    if given is not None and "%" not in given:
        raise InteropError(f"timestamp_format {given!r} is not a strptime format such as '%d/%m/%y %H:%M'")
    columns = [
        (
            "deployments.csv",
            "start_date",
            _column(deployments, "start_date"),
            np.full(len(deployments), "deployments.csv", dtype=object),
            deployments.index.to_numpy(),
        ),
        (
            "deployments.csv",
            "end_date",
            _column(deployments, "end_date"),
            np.full(len(deployments), "deployments.csv", dtype=object),
            deployments.index.to_numpy(),
        ),
        (
            str(images["_file"].iloc[0]) if len(images) else "images.csv",
            "timestamp",
            _column(images, "timestamp"),
            images["_file"].to_numpy(dtype=object),
            images["_row"].to_numpy(),
        ),
    ]
    found = []
    for name, field, text, files, rows in columns:
        fmt = detect_timestamp_format(text.reset_index(drop=True), given=given)
        if fmt.conflict:
            raise InteropError(_mixed_orders(name, field, text.reset_index(drop=True), files, rows, fmt))
        found.append(fmt)
    proven = {
        fmt.order: f"{name}'s {field}"
        for (name, field, *_), fmt in zip(columns, found)
        if fmt.order in ("month-first", "day-first") and not fmt.assumed
    }
    out = []
    for (name, field, *_), fmt in zip(columns, found):
        if fmt.assumed:
            if len(proven) == 1:
                order, source = next(iter(proven.items()))
                why = f"the order {source} proves"
            else:
                order, why = "month-first", "as Excel writes in the US locale and as Wildlife Insights exports contain"
            fmt = fmt.with_order(order)  # type: ignore[arg-type]
            other = "day-first" if order == "month-first" else "month-first"
            example = read_clock_times([fmt.example], fmt).iloc[0]
            report.add(
                "warning",
                name,
                None,
                field,
                fmt.example,
                f"the order of the dates in {field} was assumed: no date has a first or second field above 12 "
                f"to tell month-first from day-first, so they were read {order}, {why} ({fmt.example!r} read "
                f"as {example:%d %B %Y}); if they are {other}, pass timestamp_format={fmt.other_order_format()!r}",
                "timestamp-order",
            )
        out.append(fmt)
    return out


def _mixed_orders(
    name: str, field: str, text: pd.Series, files: np.ndarray, rows: np.ndarray, fmt: TimestampFormat
) -> str:
    """The error for a column with both proven orders, naming rows and their cells."""

    def where(labels: tuple[Any, ...]) -> str:
        shown = ", ".join(f"{files[i]} row {rows[i]} ({text.iloc[i]!r})" for i in labels[:5])
        more = f" and {len(labels) - 5} more" if len(labels) > 5 else ""
        return f"{len(labels)} cell{'s' if len(labels) > 1 else ''} ({shown}{more})"

    return (
        f"{name}: the dates of field {field} are written in both orders: {where(fmt.day_first)} can only be "
        f"day-first (first field above 12), {where(fmt.month_first)} only month-first (second field above 12); "
        "pass timestamp_format= (e.g. '%d/%m/%y %H:%M' or '%m/%d/%y %H:%M') to read them in one order "
        "(cells it cannot read are set aside)"
    )


def _unreadable(field: str, cell: Any, fmt: TimestampFormat) -> str:
    """The reason a date cell is set aside."""
    if cell is None:
        return f"{field} is missing"
    return f"{field} {cell!r} is not a date and time in any of the formats tried ({fmt.describe()})"


# --------------------------------------------------------------------------------------------------
# deployments
# --------------------------------------------------------------------------------------------------


def _deployments(
    wi: pd.DataFrame,
    cameras: pd.DataFrame,
    timezone: str,
    formats: tuple[TimestampFormat, TimestampFormat],
    report: ImportReport,
) -> pd.DataFrame:
    file = "deployments.csv"
    lat, lon = _number(_column(wi, "latitude")), _number(_column(wi, "longitude"))
    start_text, end_text = _column(wi, "start_date"), _column(wi, "end_date")
    start = clock_to_utc(start_text, read_clock_times(start_text, formats[0]), timezone)
    end_clock = read_clock_times(end_text, formats[1])
    # an end at midnight (or a date alone): the camera ran that whole day
    end_clock = end_clock.where(
        end_clock != end_clock.dt.normalize(), end_clock + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
    )
    end = clock_to_utc(end_text, end_clock, timezone)
    keep = pd.Series(True, index=wi.index)
    for row in wi.index:
        reason, value = None, None
        if not (pd.notna(lat[row]) and pd.notna(lon[row]) and -90 <= lat[row] <= 90 and -180 <= lon[row] <= 180):
            reason, field = "latitude/longitude missing or not valid degrees", "latitude"
            value = f"{_value(wi.loc[row].get('latitude'))}, {_value(wi.loc[row].get('longitude'))}"
        elif pd.isna(start[row]):
            field, value = "start_date", start_text[row]
            reason = _unreadable(field, value, formats[0])
        elif pd.isna(end[row]):
            field, value = "end_date", end_text[row]
            reason = _unreadable(field, value, formats[1])
        elif end[row] <= start[row]:
            reason, field, value = "end_date is not after start_date", "end_date", end_text[row]
        if reason:
            keep[row] = False
            raw = ",".join(str(v) for v in wi.loc[row].tolist())
            report.set_aside_entry(file, int(row), raw, reason, field_name=field, value=value)
    make_model = {}
    if not cameras.empty and "camera_id" in cameras.columns:
        for cid, make, model in zip(cameras["camera_id"], _column(cameras, "make"), _column(cameras, "model")):
            name = "-".join(str(v) for v in (make, model) if v)
            make_model.setdefault(cid, name or None)
    camera = _column(wi, "camera_id")
    bait = _apply(_column(wi, "bait_type"), _key)
    feature = _column(wi, "feature_type")
    feature_key = _apply(feature, _key)
    unknown_features = sorted(
        {f for f, k in zip(feature, feature_key) if k and k not in _FEATURE_TYPES and k not in ("none", "other")}
    )
    if unknown_features:
        report.add(
            "warning",
            file,
            None,
            "feature_type",
            ", ".join(unknown_features),
            "feature types without a Camtrap DP equivalent; left empty",
            "feature-type",
        )
    placename = _column(wi, "placename")
    subproject = _column(wi, "subproject_name")
    comments = [
        " | ".join(str(v) for v in values if v) or None
        for values in zip(_column(wi, "event_description"), _column(wi, "remarks"))
    ]
    out = pd.DataFrame(
        {
            "deploymentID": _column(wi, "deployment_id"),
            "locationID": placename.where(placename.notna(), _column(wi, "deployment_id")),
            "locationName": placename,
            "latitude": lat,
            "longitude": lon,
            "deploymentStart": start,
            "deploymentEnd": end,
            "setupBy": _column(wi, "recorded_by"),
            "cameraID": camera,
            "cameraModel": _apply(camera, make_model),
            "cameraDelay": _number(_column(wi, "quiet_period")).round().astype("Int64"),
            "cameraHeight": _apply(_apply(_column(wi, "sensor_height"), _key), _HEIGHTS),
            "cameraTilt": _apply(_apply(_column(wi, "sensor_orientation"), _key), _TILTS).astype("Int64"),
            "detectionDistance": _number(_column(wi, "detection_distance")),
            "baitUse": _apply(bait, lambda k: None if k is None else k not in ("none", "nobait", "no")),
            "featureType": _apply(feature_key, _FEATURE_TYPES),
            "deploymentGroups": _apply(subproject, lambda s: None if s is None else f"subproject:{s}"),
            "deploymentComments": comments,
        },
        index=wi.index,
    )
    out.loc[out["cameraDelay"] < 0, "cameraDelay"] = pd.NA
    return out[keep]


# --------------------------------------------------------------------------------------------------
# media and observations
# --------------------------------------------------------------------------------------------------


def _images(
    wi: pd.DataFrame,
    deployments: pd.DataFrame,
    project: dict[str, Any],
    timezone: str,
    fmt: TimestampFormat,
    report: ImportReport,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Media (one per image, its first row) and observations (one per identification row) of the image rows."""
    wi, image_id, dep_id, when = _readable_rows(wi, deployments, timezone, fmt, report)
    media = _media_table(wi, image_id, dep_id, when, project, report)
    return media, _observation_table(wi, image_id, dep_id, when)


def _readable_rows(
    wi: pd.DataFrame, deployments: pd.DataFrame, timezone: str, fmt: TimestampFormat, report: ImportReport
) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """The rows with an image_id, a readable timestamp and a known deployment, with those three columns (UTC times).

    Other rows are set aside in the report with the reason, the field and the value.
    """
    files = wi["_file"].to_numpy()
    rows = wi["_row"].to_numpy()
    image_id = _column(wi, "image_id")
    dep_id = _column(wi, "deployment_id")
    stamp = _column(wi, "timestamp")
    when = clock_to_utc(stamp, read_clock_times(stamp, fmt), timezone)
    known = set(deployments["deploymentID"])
    keep = np.ones(len(wi), dtype=bool)
    for i in range(len(wi)):
        reason = None
        if image_id.iloc[i] is None:
            reason, field, value = "image_id is missing", "image_id", None
        elif pd.isna(when.iloc[i]):
            field, value = "timestamp", stamp.iloc[i]
            reason = _unreadable(field, value, fmt)
        elif dep_id.iloc[i] not in known:
            reason, field, value = (
                f"deployment {dep_id.iloc[i]!r} is not in deployments.csv or was set aside",
                "deployment_id",
                dep_id.iloc[i],
            )
        if reason:
            keep[i] = False
            raw = ",".join(str(v) for v in wi.iloc[i].drop(["_file", "_row"]).tolist())
            report.set_aside_entry(str(files[i]), int(rows[i]), raw, reason, field_name=field, value=value)
    wi = wi[keep]
    image_id, dep_id, when = image_id[keep], dep_id[keep], when[keep]
    return wi, image_id, dep_id, when


def _media_table(
    wi: pd.DataFrame,
    image_id: pd.Series,
    dep_id: pd.Series,
    when: pd.Series,
    project: dict[str, Any],
    report: ImportReport,
) -> pd.DataFrame:
    """Camtrap DP media: one per image (its first row); rows that disagree and images without a path are reported."""
    first = ~image_id.duplicated().to_numpy()
    groups = pd.DataFrame({"image": image_id.to_numpy(), "dep": dep_id.to_numpy(), "when": when.to_numpy()})
    conflicts = groups.groupby("image", sort=False).agg(dep=("dep", "nunique"), when=("when", "nunique"))
    for image in conflicts.index[(conflicts["dep"] > 1) | (conflicts["when"] > 1)]:
        report.add(
            "warning",
            str(wi["_file"].iloc[0]),
            None,
            "image_id",
            image,
            "rows of this image disagree on deployment or timestamp; the first row's are used",
            "image-conflict",
        )
    location = _column(wi, "location")
    filename = _column(wi, "filename")
    method = _CAPTURE_METHOD.get(_key(project.get("project_sensor_method")) or "", [None])
    media = pd.DataFrame(
        {
            "mediaID": image_id,
            "deploymentID": dep_id,
            "captureMethod": method[0] if len(method) == 1 else None,
            "timestamp": when,
            "filePath": location.where(location.notna(), filename),
            "filePublic": False,
            "fileName": filename,
            "fileMediatype": _apply(location.where(location.notna(), filename), _mediatype),
            "favorite": _apply(
                _column(wi, "highlighted"), lambda v: None if v is None else str(v).lower() in ("true", "1", "yes")
            ),
        },
        index=wi.index,
    )[first]
    no_path = media["filePath"].isna()
    if no_path.any():
        media.loc[no_path, "filePath"] = media.loc[no_path, "mediaID"]
        report.add(
            "warning",
            str(wi["_file"].iloc[0]),
            None,
            "location",
            None,
            f"{int(no_path.sum())} images have neither location nor filename; filePath set to image_id",
            "file-path",
        )
    return media


def _observation_table(wi: pd.DataFrame, image_id: pd.Series, dep_id: pd.Series, when: pd.Series) -> pd.DataFrame:
    """Camtrap DP media-level observations: one per identification row (type, taxon, count, classification)."""
    genus, species = _column(wi, "genus"), _column(wi, "species")
    cls, common = _column(wi, "class"), _column(wi, "common_name")
    blank = _apply(_column(wi, "is_blank"), lambda v: v is not None and str(v).lower() in ("1", "true", "yes")).astype(
        bool
    )
    human = (_apply(genus, _key) == "homo") & (_apply(species, _key) == "sapiens")
    vehicle = _apply(common, lambda v: v is not None and "vehicle" in str(v).lower()).astype(bool) | (
        _apply(cls, _key) == "vehicle"
    )
    kind = np.select(
        [
            human.to_numpy(),
            blank.to_numpy(),
            cls.isin(ANIMAL_CLASSES).to_numpy(),
            cls.isin(UNCLASSIFIED_CLASSES).to_numpy(),
            vehicle.to_numpy(),
        ],
        ["human", "blank", "animal", "unclassified", "vehicle"],
        default="unknown",
    )
    names = [
        _scientific_name(g, s, f, o, c) if k in ("animal", "human") else None
        for g, s, f, o, c, k in zip(genus, species, _column(wi, "family"), _column(wi, "order"), cls, kind)
    ]
    confidence = _number(_column(wi, "cv_confidence"))
    if confidence.max(skipna=True) > 1:
        confidence = confidence / 100
    identified_by = _column(wi, "identified_by")
    machine = _apply(identified_by, lambda v: v is not None and "computer vision" in str(v).lower()).astype(bool) | (
        identified_by.isna() & confidence.notna()
    )
    count = _number(_column(wi, "number_of_objects"))
    notes = [
        " | ".join(str(v) for v in values if v) or None
        for values in zip(_column(wi, "uncertainty"), _column(wi, "individual_animal_notes"))
    ]
    k = image_id.groupby(image_id.to_numpy()).cumcount() + 1
    obs = pd.DataFrame(
        {
            "observationID": image_id + ":" + k.astype(str),
            "deploymentID": dep_id,
            "mediaID": image_id,
            "eventStart": when,
            "eventEnd": when,
            "observationLevel": "media",
            "observationType": kind,
            "scientificName": names,
            "count": count.where((count >= 1) & (count % 1 == 0) & pd.Series(kind != "blank", index=wi.index)).astype(
                "Int64"
            ),
            "lifeStage": _apply(
                _column(wi, "age"),
                lambda v: {"adult": "adult", "juvenile": "juvenile", "subadult": "subadult"}.get(_key(v) or ""),
            ),
            "sex": _apply(_column(wi, "sex"), lambda v: {"female": "female", "male": "male"}.get(_key(v) or "")),
            "behavior": _column(wi, "behavior"),
            "individualID": _column(wi, "individual_id"),
            "classificationMethod": np.where(machine.to_numpy(), "machine", "human"),
            "classifiedBy": identified_by,
            "classificationProbability": confidence.where(machine),
            "observationComments": notes,
        },
        index=wi.index,
    )
    return obs


def _scientific_name(genus: Any, species: Any, family: Any, order: Any, cls: Any) -> str | None:
    if genus and species:
        epithet = str(species).split()[-1] if str(species).split()[0].lower() == str(genus).lower() else str(species)
        return f"{str(genus).capitalize()} {epithet.lower()}"
    for value in (genus, family, order, cls):
        if value:
            return str(value).capitalize()
    return None


def _mediatype(path: Any) -> str:
    if not path:
        return "image/jpeg"
    suffix = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""
    return _MEDIATYPES.get(suffix, f"image/{suffix}" if suffix.isalnum() and suffix else "image/jpeg")


# --------------------------------------------------------------------------------------------------
# metadata
# --------------------------------------------------------------------------------------------------


def _metadata(
    project: dict[str, Any],
    dep: pd.DataFrame,
    media: pd.DataFrame,
    obs: pd.DataFrame,
    images: pd.DataFrame,
    timezone: str,
) -> dict[str, Any]:
    title = project.get("project_name") or project.get("project_short_name") or "Wildlife Insights project"
    slug = re.sub(r"[^a-z0-9._-]+", "-", str(project.get("project_short_name") or title).lower()).strip("-")
    contributors = []
    if project.get("project_admin"):
        person = {"title": project["project_admin"], "role": "contact"}
        if project.get("project_admin_email"):
            person["email"] = project["project_admin_email"]
        if project.get("project_admin_organization"):
            person["organization"] = project["project_admin_organization"]
        contributors.append(person)
    if project.get("project_admin_organization"):
        contributors.append({"title": project["project_admin_organization"], "role": "rightsHolder"})
    if not contributors:
        contributors.append(
            {"title": "Wildlife Insights", "path": "https://www.wildlifeinsights.org/", "role": "publisher"}
        )
    licenses = []
    if project.get("metadata_license"):
        licenses.append({"name": project["metadata_license"], "scope": "data"})
    media_license = project.get("image_license")
    if not media_license and "license" in images.columns:
        counts = _column(images, "license").value_counts()
        media_license = counts.index[0] if len(counts) else None
    if media_license:
        licenses.append({"name": media_license, "scope": "media"})
    design = _SAMPLING_DESIGN.get(_key(project.get("project_sensor_layout")) or "", "opportunistic")
    capture = _CAPTURE_METHOD.get(_key(project.get("project_sensor_method")) or "", ["activityDetection"])
    individual = _key(project.get("project_individual_animals")) in ("yes", "true", "1")
    project_meta: dict[str, Any] = {
        "title": title,
        "samplingDesign": design,
        "captureMethod": capture,
        "individualAnimals": individual,
        "observationLevel": ["media"],
    }
    for key, source in (("id", "project_id"), ("acronym", "project_short_name"), ("description", "project_objectives")):
        if project.get(source):
            project_meta[key] = str(project[source])
    lon, lat = dep["longitude"].astype(float), dep["latitude"].astype(float)
    if len(dep) == 0:
        spatial: dict[str, Any] = {"type": "Point", "coordinates": [0.0, 0.0]}
    elif lon.min() == lon.max() and lat.min() == lat.max():
        spatial = {"type": "Point", "coordinates": [float(lon.iloc[0]), float(lat.iloc[0])]}
    else:
        x0, x1, y0, y1 = float(lon.min()), float(lon.max()), float(lat.min()), float(lat.max())
        spatial = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}
    local_start = dep["deploymentStart"].dt.tz_convert(timezone) if len(dep) else None
    local_end = dep["deploymentEnd"].dt.tz_convert(timezone) if len(dep) else None
    temporal = {
        "start": local_start.min().date().isoformat() if len(dep) else "1970-01-01",
        "end": local_end.max().date().isoformat() if len(dep) else "1970-01-01",
    }
    taxonomic = []
    animals = obs[obs["observationType"].isin(["animal"]) & obs["scientificName"].notna()]
    seen: set[str] = set()
    for row, name in animals["scientificName"].items():
        if name in seen:
            continue
        seen.add(name)
        entry: dict[str, Any] = {"scientificName": name, "kingdom": "Animalia"}
        rank = "species" if len(name.split()) == 2 else None
        source = images.loc[[row]].iloc[0] if row in images.index else None
        if source is not None:
            for level in ("class", "order", "family", "genus"):
                value = _value(source.get(level))
                if value:
                    entry[level] = value.capitalize()
            if rank is None:
                rank = next(
                    (
                        lv
                        for lv in ("genus", "family", "order", "class")
                        if _value(source.get(lv)) and _value(source.get(lv)).capitalize() == name
                    ),
                    None,
                )
            if _value(source.get("wi_taxon_id")):
                entry["taxonID"] = _value(source.get("wi_taxon_id"))
            if _value(source.get("common_name")):
                entry["vernacularNames"] = {"eng": _value(source.get("common_name"))}
        if rank:
            entry["taxonRank"] = rank
        taxonomic.append(entry)
    metadata: dict[str, Any] = {
        "name": slug or "wildlife-insights",
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "title": title,
        "contributors": contributors,
        "sources": [{"title": "Wildlife Insights", "path": "https://www.wildlifeinsights.org/"}],
        "project": project_meta,
        "spatial": spatial,
        "temporal": temporal,
        "taxonomic": taxonomic,
    }
    if project.get("project_id"):
        metadata["id"] = str(project["project_id"])
    if licenses:
        metadata["licenses"] = licenses
    metadata["timezone"] = timezone  # the cameras' zone (not Camtrap DP 1.0; nbtools reads it back)
    if project.get("data_citation"):
        metadata["bibliographicCitation"] = re.sub(r"\s+", " ", project["data_citation"])
    return metadata
