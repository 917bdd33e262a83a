"""camtrapR-style tables: the record table, the camera-trap station table and the camera operation.

R users keep their camera-trap data in three tables (Niedballa et al. 2016): the *record table*
of independent detections (``recordTable()``: ``Station``, ``Species``, ``DateTimeOriginal``,
``Date``, ``Time``, ``delta.time.*``, ``Directory``, ``FileName``), the *camera trap table*
(``CTtable``: one row per station and camera with ``Setup_date``, ``Retrieval_date`` and
``ProblemX_from``/``ProblemX_to``) and the *camera operation matrix* that
``cameraOperation()`` makes from it (stations x days). These functions write them from a Camtrap
DP package, in the cameras' local time, so that in R::

    library(camtrapR)
    rec <- read.csv("record_table.csv")
    ct  <- read.csv("camtraps.csv")
    op  <- cameraOperation(ct, stationCol = "Station", cameraCol = "Camera", setupCol = "Setup_date",
                           retrievalCol = "Retrieval_date", byCamera = FALSE, allCamsOn = FALSE,
                           camerasIndependent = FALSE, dateFormat = "ymd HMS", hasProblems = FALSE)

gives the same effort as :func:`nbtools.effort.camera_operation` (use ``hasProblems = TRUE``
with ``camera="camera"``), and ``detectionHistory(rec, op, ...)`` the same histories as
:func:`nbtools.indices.detection_history`.

References
----------
Niedballa, J., Sollmann, R., Courtiol, A. and Wilting, A. (2016) camtrapR: an R package for efficient
camera trap data management. *Methods in Ecology and Evolution* 7, 1457-1462.
https://doi.org/10.1111/2041-210X.12600
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from ..effort import camera_operation
from ..events import DEFAULT_THRESHOLD, independent_events
from ._common import InteropError, package_timezone, tables_of

__all__ = [
    "DATETIME_FORMAT",
    "camtrapr_camera_operation",
    "camtrapr_record_table",
    "camtrapr_station_table",
    "write_camtrapr",
]

#: How date-times are written (camtrapR's default ``"%Y-%m-%d %H:%M:%S"``, lubridate ``"ymd HMS"``).
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _local_text(values: pd.Series, tz: str, fmt: str = DATETIME_FORMAT) -> pd.Series:
    return values.dt.tz_convert(tz).dt.strftime(fmt).astype(object).where(values.notna(), None)


@renamed_parameters(level="observation_level", tz="timezone")
def camtrapr_record_table(
    package: Any,
    *,
    timezone: str | None = None,
    threshold: Any = DEFAULT_THRESHOLD,
    compare_to: Literal["last_record", "last_independent_record"] = "last_record",
    species: str | list[str] | None = None,
    individual: bool = False,
    cameras_independent: bool = False,
    observation_level: Literal["auto", "media", "event"] = "auto",
) -> pd.DataFrame:
    """A camtrapR record table of independent detections (``recordTable()``'s output).

    Parameters
    ----------
    package : CamtrapDP or Study
        Deployments, media and observations.
    timezone : str, optional
        Time zone for ``DateTimeOriginal`` (the cameras' clock time); default the study's zone or
        the package's UTC offset.
    threshold, compare_to : optional
        camtrapR's ``minDeltaTime`` and ``deltaTimeComparedTo``; see
        :func:`nbtools.events.independent_events` (default 30 minutes, "last_record").
    species : str or list of str, optional
        Keep these scientific names only.
    individual : bool, default False
        Events per individual too, with an ``Individual`` column (``recordTableIndividual()``).
    cameras_independent : bool, default False
        Events per camera of a station, with a ``Camera`` column.
    observation_level : {"auto", "media", "event"}, default "auto"
        Observation level used (never both for one sequence).

    Returns
    -------
    pandas.DataFrame
        One row per independent event, sorted by ``Station``, ``Species`` and time: ``Station``
        (locationID), [``Camera``], ``Species`` (scientificName), [``Individual``],
        ``DateTimeOriginal``, ``Date``, ``Time`` (local), ``delta.time.secs``/``mins``/``hours``/
        ``days`` (from the previous record of the station and species, 0 for the first; rounded
        as camtrapR rounds), ``Directory`` and ``FileName`` of the event's first image,
        ``n_images`` (media in the event) and ``count`` (most animals seen at once).
    """
    zone = package_timezone(package, timezone)
    deployments = tables_of(package, "deployments")
    observations = tables_of(package, "observations")
    media = getattr(package, "media", None)
    events = independent_events(
        observations,
        threshold,
        compare_to,
        by="locationID",
        cameras_independent=cameras_independent,
        deployments=deployments,
        individual=individual,
        observation_level=observation_level,
        media=media,
    )
    if species is not None:
        wanted = [species] if isinstance(species, str) else list(species)
        events = events[events["scientificName"].astype(object).isin(wanted)]
    secs = (events["delta_time"].dt.total_seconds().fillna(0.0)).round(0).astype("int64")
    mins = (secs / 60).round(1)
    hours = mins.div(60).round(1)
    days = hours.div(24).round(1)
    out = {"Station": events["locationID"].astype(object)}
    if cameras_independent:
        out["Camera"] = events["cameraID"].astype(object)
    out["Species"] = events["scientificName"].astype(object)
    if individual:
        out["Individual"] = events["individualID"].astype(object)
    out.update(
        {
            "DateTimeOriginal": _local_text(events["eventStart"], zone),
            "Date": _local_text(events["eventStart"], zone, "%Y-%m-%d"),
            "Time": _local_text(events["eventStart"], zone, "%H:%M:%S"),
            "delta.time.secs": secs,
            "delta.time.mins": mins,
            "delta.time.hours": hours,
            "delta.time.days": days,
        }
    )
    directory, name = _first_files(events, media)
    out["Directory"], out["FileName"] = directory, name
    n_images = events["n_media"].astype("Float64").fillna(events["n_observations"].astype("Float64"))
    out["n_images"] = n_images.astype("Int64")
    out["count"] = events["count"]
    table = pd.DataFrame(out, index=events.index)
    order = (
        ["Station"]
        + (["Camera"] if cameras_independent else [])
        + ["Species"]
        + (["Individual"] if individual else [])
        + ["DateTimeOriginal"]
    )
    table = table.sort_values(order, kind="stable").reset_index(drop=True)
    table.attrs.update({"tz": zone, **events.attrs})
    return table


def _first_files(events: pd.DataFrame, media: pd.DataFrame | None) -> tuple[list[Any], list[Any]]:
    """Folder and file name of the first medium of each event (media of its deployment from eventStart on)."""
    none: list[Any] = [None] * len(events)
    if media is None or media.empty or "timestamp" not in media.columns or len(events) == 0:
        return none, list(none)
    left = pd.DataFrame(
        {
            "_pos": np.arange(len(events)),
            "deploymentID": events["deploymentID"].astype(str).to_numpy(),
            "t": events["eventStart"].array,
            "end": events["eventEnd"].array,
        }
    ).sort_values("t", kind="stable")
    path = media["filePath"] if "filePath" in media.columns else pd.Series(None, index=media.index, dtype=object)
    name = media["fileName"] if "fileName" in media.columns else pd.Series(None, index=media.index, dtype=object)
    right = pd.DataFrame(
        {
            "deploymentID": media["deploymentID"].astype(str).to_numpy(),
            "t": media["timestamp"].array,
            "path": path.astype(object).to_numpy(),
            "name": name.astype(object).to_numpy(),
        }
    ).dropna(subset=["t"])
    right["mt"] = right["t"]
    merged = pd.merge_asof(left, right.sort_values("t", kind="stable"), on="t", by="deploymentID", direction="forward")
    found = (merged["mt"] <= merged["end"]).to_numpy()
    paths = merged["path"].astype(object).where(found & merged["path"].notna().to_numpy(), None)
    text = paths.where(paths.isna(), paths.astype(str).str.replace("\\", "/", regex=False))
    folder = text.map(lambda p: None if not isinstance(p, str) else posixpath.dirname(p), na_action="ignore")
    base = text.map(lambda p: None if not isinstance(p, str) else posixpath.basename(p), na_action="ignore")
    names = merged["name"].astype(object).where(found & merged["name"].notna().to_numpy(), None)
    file = names.where(names.notna(), base)
    directory, files = list(none), list(none)
    for pos, d, f in zip(merged["_pos"].to_numpy(), folder.astype(object), file.astype(object)):
        directory[pos] = d if isinstance(d, str) else None
        files[pos] = f if isinstance(f, str) else None
    return directory, files


@renamed_parameters(tz="timezone")
def camtrapr_station_table(
    package: Any,
    *,
    timezone: str | None = None,
    camera: Literal["deployment", "camera"] = "deployment",
) -> pd.DataFrame:
    """A camtrapR camera trap table (``CTtable``) of the deployments.

    Parameters
    ----------
    package : CamtrapDP, Study or pandas.DataFrame
        The deployments (``deploymentID``, ``locationID``, ``deploymentStart``, ``deploymentEnd``,
        optionally ``cameraID``, ``latitude``, ``longitude``, ``x``, ``y``).
    timezone : str, optional
        Time zone of the written dates (default the study's or package's).
    camera : {"deployment", "camera"}, default "deployment"
        ``"deployment"``: one row per deployment, ``Camera`` = deploymentID, so days between two
        deployments of a station stay "not set up" (NA). ``"camera"``: one row per station and
        physical camera (``cameraID``), set up at its first deployment and retrieved at its last,
        with the gaps between its deployments as ``ProblemX_from``/``ProblemX_to`` (camtrapR's
        usual layout; those days count 0 instead of NA).

    Returns
    -------
    pandas.DataFrame
        ``Station``, ``Camera``, ``latitude``, ``longitude``, ``utm_x``/``utm_y`` (when the
        deployments have ``x``/``y``), ``Setup_date``, ``Retrieval_date`` (local date-times,
        ``DATETIME_FORMAT``, ``%Y-%m-%d %H:%M:%S``) and, with ``camera="camera"``, the problem columns.
    """
    if camera not in ("deployment", "camera"):
        raise ValueError(f"camera must be 'deployment' or 'camera', got {camera!r}")
    zone = package_timezone(package, timezone)
    dep = tables_of(package, "deployments")
    for column in ("deploymentID", "locationID", "deploymentStart", "deploymentEnd"):
        if column not in dep.columns:
            raise InteropError(f"deployments have no {column!r} column")
    dep = dep.sort_values(["locationID", "deploymentStart"], kind="stable")
    if camera == "deployment":
        keys = dep["deploymentID"].astype(str)
    else:
        cam = dep["cameraID"].astype(object) if "cameraID" in dep.columns else pd.Series(None, index=dep.index)
        keys = cam.where(cam.notna(), dep["deploymentID"].astype(object)).astype(str)
    rows = []
    for (station, key), group in dep.groupby([dep["locationID"].astype(str), keys], sort=True):
        record: dict[str, Any] = {"Station": station, "Camera": key}
        for column in ("latitude", "longitude"):
            if column in group.columns:
                record[column] = float(group[column].iloc[0])
        if {"x", "y"} <= set(group.columns):
            record["utm_x"], record["utm_y"] = float(group["x"].iloc[0]), float(group["y"].iloc[0])
        start, end = group["deploymentStart"], group["deploymentEnd"]
        record["Setup_date"], record["Retrieval_date"] = start.min(), end.max()
        gaps = []
        latest = end.iloc[0]
        for s, e in zip(start.iloc[1:], end.iloc[1:]):
            if s > latest:
                gaps.append((latest, s))
            latest = max(latest, e)
        for number, (a, b) in enumerate(gaps, start=1):
            record[f"Problem{number}_from"], record[f"Problem{number}_to"] = a, b
        rows.append(record)
    table = pd.DataFrame.from_records(rows)
    for column in table.columns:
        if column.endswith(("_date", "_from", "_to")):
            values = pd.to_datetime(table[column], utc=True)
            table[column] = _local_text(values, zone)
    problem = [c for c in table.columns if c.startswith("Problem")]
    problem.sort(key=lambda c: (int(c[7:].split("_")[0]), c.endswith("_to")))
    table = table[[c for c in table.columns if c not in problem] + problem]
    table.attrs["tz"] = zone
    return table


@renamed_parameters(tz="timezone")
def camtrapr_camera_operation(
    package: Any,
    *,
    timezone: str | None = None,
    by: Literal["locationID", "deploymentID"] = "locationID",
    **options: Any,
) -> pd.DataFrame:
    """The camera operation matrix as camtrapR writes it (``cameraOperation(writecsv = TRUE)``).

    :func:`nbtools.effort.camera_operation` in the cameras' local days, with the station as the
    index (``Station``) and one column per day named ``YYYY-MM-DD``: the fraction of the day a
    camera worked, NA where none was set up. ``options`` are passed on (``problems``,
    ``cameras_independent``, ``day_start_hour``).
    """
    zone = package_timezone(package, timezone)
    operation = camera_operation(tables_of(package, "deployments"), by=by, timezone=zone, **options)
    table = operation.copy()
    table.columns = [d.strftime("%Y-%m-%d") for d in operation.columns]
    table.index = table.index.astype(str).rename("Station")
    table.attrs.update(operation.attrs)
    return table


@renamed_parameters(tz="timezone")
def write_camtrapr(
    package: Any,
    folder: str | Path,
    *,
    timezone: str | None = None,
    camera: Literal["deployment", "camera"] = "deployment",
    **record_options: Any,
) -> dict[str, Path]:
    """Write ``record_table.csv``, ``camtraps.csv`` and ``camera_operation.csv`` for camtrapR.

    Parameters
    ----------
    package : CamtrapDP or Study
        The package.
    folder : str or pathlib.Path
        Where to write; created if missing.
    timezone : str, optional
        Time zone of the written times (default the study's or package's).
    camera : {"deployment", "camera"}, default "deployment"
        Rows of the camera trap table (see :func:`camtrapr_station_table`).
    **record_options
        Passed to :func:`camtrapr_record_table` (``threshold``, ``species``, ``individual``, ...).

    Returns
    -------
    dict of str to pathlib.Path
        ``record_table``, ``camtraps`` and ``camera_operation``. Missing values are written as
        ``NA``, as R writes them.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths = {name: target / f"{name}.csv" for name in ("record_table", "camtraps", "camera_operation")}
    camtrapr_record_table(package, timezone=timezone, **record_options).to_csv(
        paths["record_table"], index=False, na_rep="NA", lineterminator="\n"
    )
    camtrapr_station_table(package, timezone=timezone, camera=camera).to_csv(
        paths["camtraps"], index=False, na_rep="NA", lineterminator="\n"
    )
    camtrapr_camera_operation(package, timezone=timezone).to_csv(
        paths["camera_operation"], na_rep="NA", lineterminator="\n", float_format="%.6g"
    )
    return paths
