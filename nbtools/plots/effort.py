"""Plots of effort, detections and data quality: operation heat maps, detection histories, RAI, findings.

Every function takes what :mod:`nbtools.effort`, :mod:`nbtools.indices` and :mod:`nbtools.quality`
computed (a camera-operation matrix, a :class:`~nbtools.indices.DetectionHistory`, a
:func:`~nbtools.indices.relative_abundance` table, :func:`~nbtools.quality.check_deployments` findings
and their :class:`~nbtools.quality.QualityScore`) and returns a HoloViews object (bokeh backend);
none of them computes an estimate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import colorcet
import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options used below)
import numpy as np
import pandas as pd

from ..maps import map_axes

if TYPE_CHECKING:
    from ..indices import DetectionHistory
    from ..quality import QualityScore

__all__ = [
    "NOT_DEPLOYED",
    "OPERATION_CMAP",
    "findings_timeline",
    "history_heatmap",
    "operation_heatmap",
    "quality_score_plot",
    "rai_bars",
    "rai_map",
]

#: Working (1) to deployed but not working (0): green to red. Days without a camera are grey.
OPERATION_CMAP = ["#b2182b", "#ef8a62", "#fddbc7", "#d9f0d3", "#7fbf7b", "#1b7837"]
#: Colour of cells without a deployed camera (NaN).
NOT_DEPLOYED = "#d0d0d0"
#: Colour of detections and RAI.
ACCENT = "#b5651d"
_SEVERITY_COLOURS = {"error": "#b2182b", "warning": "#e08214", "info": "#4d4d4d"}


def _station_ticks(labels: list[str], max_labels: int) -> list[tuple[int, str]]:
    step = max(1, int(np.ceil(len(labels) / max_labels)))
    return [(i, label) for i, label in enumerate(labels) if i % step == 0]


def _check_colours(checks: list[str]) -> dict[str, str]:
    palette = list(colorcet.glasbey_dark)
    return {check: palette[i % len(palette)] for i, check in enumerate(checks)}


def operation_heatmap(
    operation: pd.DataFrame,
    findings: pd.DataFrame | None = None,
    *,
    title: str | None = None,
    max_labels: int = 40,
    height: int = 600,
    width: int = 900,
) -> hv.Image | hv.Overlay:
    """The camera-operation matrix as a station x day heat map; days without a camera in grey.

    Parameters
    ----------
    operation : pandas.DataFrame
        Stations (or deployments) x days from :func:`nbtools.effort.camera_operation`: the fraction of each
        day a camera worked (1 green, 0 red: deployed but not working, e.g. a problem period; with
        ``cameras_independent=True`` the camera-days, so that one of two cameras failing shows), NaN where
        no camera was deployed (grey).
    findings : pandas.DataFrame, optional
        :func:`nbtools.quality.check_deployments` findings; each is marked at its ``start`` on its station's
        row (the column named by ``operation.attrs["by"]``, ``locationID`` by default), coloured by check.
    title : str, optional
    max_labels : int, default 40
        At most this many station names on the y axis.
    height, width : int
        Plot size in pixels.

    Returns
    -------
    holoviews.Image or holoviews.Overlay
        An Image with key dimensions ``date`` (datetime, local days) and ``row`` (station number, first
        station on top) and value ``operation``; overlaid with ``Points`` per check when findings are given.
    """
    if not isinstance(operation.columns, pd.DatetimeIndex):
        raise TypeError("operation must have a DatetimeIndex of days as columns (see nbtools.effort.camera_operation)")
    by = operation.attrs.get("by", operation.index.name or "locationID")
    labels = [str(s) for s in operation.index]
    values = operation.to_numpy(dtype=float)
    days = operation.columns.tz_localize(None) if operation.columns.tz is not None else operation.columns
    if len(days) == 0 or len(labels) == 0:
        raise ValueError("operation is empty")
    # each cell spans its whole day; row 0 (the first station) at y = 0, drawn on top
    bounds = (days[0].to_datetime64(), -0.5, (days[-1] + pd.Timedelta(days=1)).to_datetime64(), len(labels) - 0.5)
    top = max(1.0, float(np.nanmax(values))) if np.isfinite(values).any() else 1.0
    deployed = np.isfinite(values)
    independent = bool(operation.attrs.get("cameras_independent", False))
    label = title or (
        f"Camera operation: {len(labels)} {'stations' if by == 'locationID' else 'deployments'}, "
        f"{deployed.sum():,} days with a camera deployed, {(deployed & (np.nan_to_num(values) == 0)).sum():,} "
        "with none working"
    )
    what = "cameras working (camera-days per day)" if independent else "fraction of the day a camera worked"
    image = hv.Image(values[::-1], kdims=["date", "row"], vdims=[hv.Dimension("operation", label=what)], bounds=bounds)
    image = image.opts(
        cmap=OPERATION_CMAP,
        clim=(0, top),
        clipping_colors={"NaN": NOT_DEPLOYED},
        colorbar=True,
        yticks=_station_ticks(labels, max_labels),
        invert_yaxis=True,
        ylabel=by,
        xlabel="date",
        tools=["hover"],
        title=label,
        height=height,
        width=width,
    )
    if findings is None or findings.empty:
        return image
    if by not in findings.columns:
        raise ValueError(f"findings have no {by!r} column to place them on the operation's rows")
    row_of = {s: i for i, s in enumerate(labels)}
    tz = operation.attrs.get("tz", "UTC")
    marks = findings.assign(
        row=findings[by].astype(str).map(row_of),
        date=pd.to_datetime(findings["start"], utc=True).dt.tz_convert(tz).dt.tz_localize(None),
        check=findings["check"].astype(str),
        station=findings[by].astype(str),
    ).dropna(subset=["row", "date"])
    colours = _check_colours(sorted(marks["check"].unique()))
    layers = [
        hv.Points(rows, kdims=["date", "row"], vdims=["station", "deploymentID", "check", "message"], label=check).opts(
            color=colours[check], marker="triangle", size=8, line_color="black", tools=["hover"]
        )
        for check, rows in marks.groupby("check", sort=True)
    ]
    return hv.Overlay([image, *layers]).opts(legend_position="right")


def history_heatmap(history: DetectionHistory, title: str | None = None, max_labels: int = 40) -> hv.HeatMap:
    """A detection history as a station x occasion grid: detections, none, and no effort (grey).

    Parameters
    ----------
    history : DetectionHistory
        From :func:`nbtools.indices.detection_history` (binary or counts).
    title : str, optional
    max_labels : int, default 40
        With more stations than this the y axis is hidden (hover names the station).

    Returns
    -------
    holoviews.HeatMap
        Key dimensions ``occasion`` (1, 2, ...) and ``station``; values ``detections`` (1/0 or counts; NaN
        where the occasion had no effort, drawn grey), ``effort`` (trap-days) and ``occasion_start``.
    """
    det = history.detections
    station = det.index.name or "station"
    long = (
        det.rename_axis(index="station", columns="occasion").stack(future_stack=True).rename("detections").reset_index()
    )
    long["station"] = long["station"].astype(str)
    long["occasion"] = long["occasion"].astype(int)
    long["effort"] = history.effort.stack(future_stack=True).to_numpy()
    starts = pd.to_datetime(history.occasion_start.stack(future_stack=True))
    long["occasion_start"] = (starts.dt.tz_localize(None) if starts.dt.tz is not None else starts).to_numpy()
    counts = history.settings.get("output", "binary") == "count"
    values = det.to_numpy(dtype=float)
    top = max(1.0, float(np.nanmax(values))) if np.isfinite(values).any() else 1.0
    n_det = int(np.nansum(values > 0))
    label = title or (
        f"{history.species}: {n_det} {'occasions with detections' if counts else 'detections'} at "
        f"{int((np.nan_to_num(values) > 0).any(axis=1).sum())} of {len(det)} stations "
        f"({history.settings.get('occasion_length')}-day occasions)"
    )
    cmap = ["#fff7ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"] if counts else ["#fff7ec", ACCENT]
    order = [str(s) for s in det.index]
    heat = hv.HeatMap(
        long,
        kdims=["occasion", hv.Dimension("station", values=order)],
        vdims=["detections", "effort", "occasion_start"],
    )
    return heat.opts(
        cmap=cmap,
        clim=(0, top),
        colorbar=counts,
        clipping_colors={"NaN": NOT_DEPLOYED},
        tools=["hover"],
        title=label,
        xlabel="occasion",
        ylabel=station,
        invert_yaxis=True,
        width=800,
        height=550,
        line_color=None,
        yaxis="left" if len(order) <= max_labels else None,
    )


def _station_column(table: pd.DataFrame) -> str | None:
    for column in ("locationID", "deploymentID", "station"):
        if column in table.columns:
            return column
    return None


def rai_bars(
    table: pd.DataFrame,
    species: str | None = None,
    *,
    value: str = "rai",
    top: int | None = None,
    title: str | None = None,
) -> hv.Bars:
    """Relative abundance (or events) as horizontal bars: per species, or per station for one species.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`nbtools.indices.relative_abundance` output: by survey (one row per species) or by station.
    species : str, optional
        With a by-station table: the species whose stations are drawn (required).
    value : {"rai", "n_events"}, default "rai"
        What the bars show.
    top : int, optional
        Only the largest ``top`` bars.
    title : str, optional

    Returns
    -------
    holoviews.Bars
        One bar per species (or station), largest on top, with ``n_events``, ``trap_nights`` and ``rai`` on hover.
    """
    if value not in ("rai", "n_events"):
        raise ValueError(f"value must be 'rai' or 'n_events', got {value!r}")
    station = _station_column(table)
    if station is None:
        frame = table.copy()
        key = "scientificName"
        if species is not None:
            frame = frame[frame["scientificName"] == species]
    else:
        if species is None:
            raise ValueError("a by-station table needs species= (or pass relative_abundance(..., by='survey'))")
        frame = table[table["scientificName"].astype(str) == species].copy()
        if frame.empty:
            raise ValueError(f"no rows for species {species!r}")
        key = station
    frame[key] = frame[key].astype(str)
    frame = frame.sort_values(value, ascending=False)
    if top is not None:
        frame = frame.head(top)
    frame = frame.iloc[::-1]  # largest on top once the axes are inverted
    unit = "events per 100 trap-nights" if value == "rai" else "independent events"
    label = title or (f"{species}: {unit} per station" if station else f"{unit.capitalize()} per species")
    bars = hv.Bars(
        frame,
        kdims=[key],
        vdims=[hv.Dimension(value, label=unit), "n_events", "trap_nights"] + (["rai"] if value != "rai" else []),
    )
    return bars.opts(
        invert_axes=True,
        color=ACCENT,
        tools=["hover"],
        title=label,
        width=700,
        height=max(250, 18 * len(frame) + 80),
        xlabel="",
        show_grid=True,
    )


def rai_map(
    table: pd.DataFrame,
    deployments: pd.DataFrame,
    species: str,
    *,
    title: str | None = None,
    scale: float = 4.0,
) -> hv.Overlay:
    """Stations on the study's x/y (metres), sized by one species' relative abundance index.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`nbtools.indices.relative_abundance` by station.
    deployments : pandas.DataFrame
        Deployments with ``x`` and ``y`` (as :class:`nbtools.study.Study` adds them) and the table's station
        column; a station is drawn at the mean position of its deployments.
    species : str
    title : str, optional
        Default ``"RAI: <species>"`` (events per 100 trap-nights).
    scale : float, default 4
        Marker size per square root of the RAI (marker area grows with the index).

    Returns
    -------
    holoviews.Overlay
        ``Points`` of stations without events (small grey circles, label "no events") and of stations with
        events (sized by ``rai``, hover with ``n_events``, ``trap_nights``, ``rai``), key dimensions ``x``, ``y``.
    """
    station = _station_column(table)
    if station is None:
        raise ValueError("the table has no station column: pass relative_abundance(..., by='station')")
    for col in ("x", "y", station):
        if col not in deployments.columns:
            raise ValueError(f"deployments have no {col!r} column")
    rows = table[table["scientificName"].astype(str) == species]
    if rows.empty:
        raise ValueError(f"no rows for species {species!r}")
    where = deployments.groupby(deployments[station].astype(str)).agg(x=("x", "mean"), y=("y", "mean"))
    frame = rows.assign(**{station: rows[station].astype(str)}).join(where, on=station)
    frame["size"] = 5 + scale * np.sqrt(frame["rai"].fillna(0))
    vdims = [station, "n_events", "trap_nights", "rai", "size"]
    none = hv.Points(frame[frame["n_events"] == 0], kdims=["x", "y"], vdims=vdims, label="no events").opts(
        color="white", line_color="#7f7f7f", size=4, tools=["hover"]
    )
    some = hv.Points(frame[frame["n_events"] > 0], kdims=["x", "y"], vdims=vdims, label="events (size: RAI)").opts(
        color=ACCENT, line_color="black", alpha=0.75, size="size", tools=["hover"]
    )
    label = title or f"RAI: {species}"
    return (none * some).opts(
        title=label,
        data_aspect=1,
        frame_height=500,
        legend_position="right",
        padding=0.05,
        **map_axes(),
    )


def findings_timeline(findings: pd.DataFrame, deployments: pd.DataFrame, timezone: str = "UTC") -> hv.Overlay:
    """Deployments as grey bars per camera row, with the periods of data-quality findings coloured by check.

    Parameters
    ----------
    findings : pandas.DataFrame
        :func:`nbtools.quality.check_deployments` output.
    deployments : pandas.DataFrame
        Camtrap DP deployments (``deploymentID``, ``locationID``, ``deploymentStart``, ``deploymentEnd``);
        rows are locations, one line per deployment.
    timezone : str, default "UTC"
        Zone of the time axis.

    Returns
    -------
    holoviews.Overlay
        ``Segments`` of the deployments (grey) and one ``Segments`` layer per check (from ``start`` to
        ``end`` of each finding; findings without a period span their deployment), hover with the message.
    """

    def local(values: pd.Series) -> pd.Series:
        return pd.to_datetime(values, utc=True).dt.tz_convert(timezone).dt.tz_localize(None)

    dep = deployments[["deploymentID", "locationID", "deploymentStart", "deploymentEnd"]].copy()
    dep["start"], dep["end"] = local(dep["deploymentStart"]), local(dep["deploymentEnd"])
    dep["station"] = dep["locationID"].astype(str)
    base = hv.Segments(
        dep, kdims=["start", "station", "end", "station"], vdims=["deploymentID"], label="deployed"
    ).opts(color=NOT_DEPLOYED, line_width=4, tools=["hover"])
    marks = findings.copy()
    span = dep.set_index(dep["deploymentID"].astype(str))
    ids = marks["deploymentID"].astype(str)
    marks["start"] = local(marks["start"]).fillna(ids.map(span["start"]))
    marks["end"] = local(marks["end"]).fillna(ids.map(span["end"]))
    marks["station"] = marks["locationID"].astype(str) if "locationID" in marks else ids.map(span["station"])
    marks["check"] = marks["check"].astype(str)
    colours = _check_colours(sorted(marks["check"].unique()))
    layers = [
        hv.Segments(
            rows, kdims=["start", "station", "end", "station"], vdims=["deploymentID", "check", "message"], label=check
        ).opts(color=colours[check], line_width=6, tools=["hover"])
        for check, rows in marks.groupby("check", sort=True)
    ]
    return hv.Overlay([base, *layers]).opts(
        height=650,
        width=900,
        yaxis=None,
        xlabel=f"date ({timezone})",
        legend_position="right",
        title=f"Data-quality findings: {len(findings)} at {findings['deploymentID'].nunique()} deployments",
    )


def quality_score_plot(score: QualityScore, least: float | None = 0.8) -> hv.Layout:
    """Recall per fault type and precision per check, as bars, from :func:`nbtools.quality.score_findings`.

    Parameters
    ----------
    score : QualityScore
    least : float or None, default 0.8
        Draw a dashed line at this value (a target).

    Returns
    -------
    holoviews.Layout
        Two ``Bars`` (``fault`` vs ``recall``, ``check`` vs ``precision``), with the counts on hover.
    """
    fault = score.by_fault.reset_index()
    fault["label"] = fault["n_found"].astype(str) + " of " + fault["n_faults"].astype(str)
    check = score.by_check.reset_index()
    check["label"] = check["n_correct"].astype(str) + " of " + check["n_flagged"].astype(str)
    recall = hv.Bars(fault, kdims=["fault"], vdims=["recall", "label", "checks"]).opts(
        color=ACCENT, tools=["hover"], ylim=(0, 1.05), title="Recall: faults found", xrotation=45, width=450, height=350
    )
    precision = hv.Bars(check, kdims=["check"], vdims=["precision", "label", "n_false_alarms"]).opts(
        color="#4d4d4d",
        tools=["hover"],
        ylim=(0, 1.05),
        title="Precision: findings that are faults",
        xrotation=45,
        width=450,
        height=350,
    )
    if least is None:
        return recall + precision
    line = hv.HLine(least).opts(color="black", line_dash="dashed", line_width=1)
    return (recall * line + precision * line).opts(shared_axes=False)
