"""Plots of SECR analyses: density surfaces, captures and movements, estimates against truth.

Every function takes what :mod:`nbtools.secr` computed (the ``DataArray`` of
:meth:`~nbtools.secr.SECRFit.density_surface`, a :class:`~nbtools.secr.CaptureHistory`, the
tables of :func:`~nbtools.secr.truth_comparison` and :func:`~nbtools.secr.model_selection`) and
returns a HoloViews object (bokeh backend); none of them computes an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import colorcet
import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options used below)
import numpy as np
import pandas as pd

from ..maps import boundary_path, label_with_units, map_axes

if TYPE_CHECKING:
    import xarray as xr
    from shapely.geometry.base import BaseGeometry

    from ..secr import CaptureHistory

__all__ = ["aic_plot", "capture_map", "density_map", "estimates_vs_truth", "trap_points"]

#: Colour of the estimates; the truth is drawn in black.
ACCENT = "#b5651d"


def trap_points(traps: pd.DataFrame, color: str = "white", size: int = 4) -> hv.Points:
    """Detectors (camera stations) as points: ``x``, ``y`` (m), their ID and any columns on hover.

    Parameters
    ----------
    traps : pandas.DataFrame
        A detector table (``CaptureHistory.traps``): index the detector IDs, columns ``x``, ``y``.
    """
    table = traps.reset_index()
    table = table.rename(columns={table.columns[0]: "station"})
    table["station"] = table["station"].astype(str)
    vdims = [c for c in table.columns if c not in ("x", "y")]
    return hv.Points(table, kdims=["x", "y"], vdims=vdims).opts(
        color=color, size=size, line_color="black", tools=["hover"]
    )


def density_map(
    surface: xr.DataArray,
    boundary: BaseGeometry | None = None,
    traps: pd.DataFrame | None = None,
    cmap: str = "fire",
    title: str | None = None,
) -> hv.Overlay:
    """A fitted density surface (or any surface on the mask) as a map, with the boundary and the detectors.

    Parameters
    ----------
    surface : xarray.DataArray
        Density on a ``y``/``x`` grid (m), NaN off the mask, as from
        :meth:`~nbtools.secr.SECRFit.density_surface`; its ``units`` label the colour bar.
    boundary : shapely geometry, optional
        The study boundary, drawn in white.
    traps : pandas.DataFrame, optional
        Detectors (``CaptureHistory.traps``), drawn as small white points.
    cmap : str, default "fire"
    title : str, optional

    Returns
    -------
    holoviews.Overlay
        An ``Image`` (kdims ``x``, ``y``; vdim ``density``), then the boundary ``Path`` and
        the detector ``Points`` when given.
    """
    units = surface.attrs.get("units", "")
    name = surface.name or "density"
    label = label_with_units(str(name), units)
    image = hv.Image(surface.astype("float32"), kdims=["x", "y"], vdims=[hv.Dimension(str(name), label=label)])
    image = image.opts(
        cmap=cmap,
        colorbar=True,
        tools=["hover"],
        data_aspect=1,
        frame_width=420,
        **map_axes(),
        clipping_colors={"NaN": (0, 0, 0, 0)},
        bgcolor="#d9e6ee",
    )
    layers: list[hv.Element] = [image]
    if boundary is not None:
        layers.append(boundary_path(boundary, color="white"))
    if traps is not None:
        layers.append(trap_points(traps, color="#00c8ff", size=3))
    return hv.Overlay(layers).opts(title=title or (f"Fitted density ({units})" if units else "Fitted density"))


def _detections(capthist: CaptureHistory) -> pd.DataFrame:
    """One row per detection in time order: ``individualID``, ``station``, ``x``, ``y``, ``order``."""
    events = capthist.details.get("events") if capthist.details else None
    by = capthist.details.get("by", "locationID") if capthist.details else "locationID"
    if events is not None and len(events) and {by, "individualID"} <= set(events.columns):
        time_col = "eventStart" if "eventStart" in events.columns else None
        table = pd.DataFrame(
            {
                "individualID": events["individualID"].astype(str).to_numpy(),
                "station": events[by].astype(str).to_numpy(),
                "time": events[time_col].to_numpy() if time_col else np.arange(len(events)),
            }
        ).sort_values(["individualID", "time"], kind="stable")
    else:  # occasion order (secr's tracks); several detections of one occasion in detector order
        rows = []
        for i, s, k in zip(*np.nonzero(capthist.counts), strict=True):
            rows += [(str(capthist.ids[i]), str(capthist.traps.index[k]), s)] * int(capthist.counts[i, s, k])
        table = pd.DataFrame(rows, columns=["individualID", "station", "time"]).sort_values(
            ["individualID", "time"], kind="stable"
        )
    xy = capthist.traps[["x", "y"]].set_axis(capthist.traps.index.astype(str))
    table["x"] = xy["x"].reindex(table["station"]).to_numpy()
    table["y"] = xy["y"].reindex(table["station"]).to_numpy()
    return table.reset_index(drop=True)


def capture_map(
    capthist: CaptureHistory,
    individuals: Sequence[str] | None = None,
    boundary: BaseGeometry | None = None,
    covariate: str | None = "sex",
    title: str | None = None,
) -> hv.Overlay:
    """Where each individual was detected, and its moves between stations (secr's ``plot(capthist)``).

    Parameters
    ----------
    capthist : CaptureHistory
        From :func:`~nbtools.secr.capthist_from_study` (moves follow the event times in
        ``details["events"]``) or any capture history (moves follow the occasions).
    individuals : sequence of str, optional
        Individuals to draw; default all.
    boundary : shapely geometry, optional
        The study boundary, drawn in grey.
    covariate : str, optional
        Individual covariate shown on hover (default ``sex``).
    title : str, optional

    Returns
    -------
    holoviews.Overlay
        The boundary ``Path`` (when given), the detectors (grey ``Points``), then the
        moves between consecutive detections in time order (``Segments``, kdims ``x0``,
        ``y0``, ``x1``, ``y1``, vdim ``individualID``) and the stations where each
        individual was detected (``Points`` sized by the number of detections; vdims
        ``individualID``, ``station``, ``detections``, the covariate and ``size``). Up to
        12 individuals get one ``Segments`` and one ``Points`` element each, with a
        legend; more are drawn as one of each, coloured by ``individualID``.
    """
    det = _detections(capthist)
    ids = [str(i) for i in capthist.ids] if individuals is None else [str(i) for i in individuals]
    unknown = sorted(set(ids) - set(det["individualID"]))
    if unknown:
        raise ValueError(f"individuals without detections in the capture history: {unknown[:10]}")
    palette = list(colorcet.glasbey_dark)
    colors = {ind: palette[n % len(palette)] for n, ind in enumerate(ids)}
    cov = capthist.covariates
    values = {}
    if covariate is not None and covariate in cov.columns:
        series = cov[covariate].astype(object).set_axis(cov.index.astype(str))
        values = {ind: (str(series.get(ind)) if pd.notna(series.get(ind)) else "") for ind in ids}
    det = det[det["individualID"].isin(ids)]
    per_station = (
        det.groupby(["individualID", "station"], sort=False)
        .agg(x=("x", "first"), y=("y", "first"), detections=("x", "size"))
        .reset_index()
    )
    per_station["size"] = 5 + 2.5 * np.sqrt(per_station["detections"])
    vdims = ["individualID", "station", "detections", "size"]
    if values:
        per_station[covariate] = per_station["individualID"].map(values)
        vdims.insert(3, covariate)
    layers: list[hv.Element] = []
    if boundary is not None:
        layers.append(boundary_path(boundary, color="#999999"))
    layers.append(trap_points(capthist.traps, color="#dddddd", size=4).opts(line_color="#aaaaaa"))
    moves = det.assign(
        x1=det.groupby("individualID", sort=False)["x"].shift(-1),
        y1=det.groupby("individualID", sort=False)["y"].shift(-1),
    )
    moves = moves.dropna(subset=["x1", "y1"])
    moves = moves[(moves["x1"] != moves["x"]) | (moves["y1"] != moves["y"])]
    moves = moves.rename(columns={"x": "x0", "y": "y0"})[["x0", "y0", "x1", "y1", "individualID"]]
    seg_kdims = ["x0", "y0", "x1", "y1"]
    legend = len(ids) <= 12
    if legend:  # one Segments and one Points element per individual, labelled for the legend
        counts = det["individualID"].value_counts()
        for ind in sorted(ids, key=lambda i: -counts.get(i, 0)):  # the most detected first, so none is hidden
            label = f"{ind} ({values[ind]})" if values.get(ind) else ind
            segments = hv.Segments(
                moves[moves["individualID"] == ind], kdims=seg_kdims, vdims=["individualID"], label=label
            )
            layers.append(segments.opts(color=colors[ind], line_width=1.5, alpha=0.7))
            mine = per_station[per_station["individualID"] == ind]
            points = hv.Points(mine, kdims=["x", "y"], vdims=vdims, label=label)
            layers.append(points.opts(color=colors[ind], size="size", line_color="black", alpha=0.8, tools=["hover"]))
    else:  # many individuals: one Segments and one Points element, coloured by individual (fast to draw)
        cmap = {ind: colors[ind] for ind in ids}
        segments = hv.Segments(moves, kdims=seg_kdims, vdims=["individualID"])
        layers.append(segments.opts(color="individualID", cmap=cmap, line_width=1.2, alpha=0.6))
        points = hv.Points(per_station, kdims=["x", "y"], vdims=vdims)
        layers.append(
            points.opts(color="individualID", cmap=cmap, size="size", line_color="black", alpha=0.8, tools=["hover"])
        )
    n_det = int(det["individualID"].isin(ids).sum())
    text = title or f"{len(ids)} individual{'s' if len(ids) != 1 else ''}: {n_det:,} detections and their moves"
    return hv.Overlay(layers).opts(
        title=text,
        data_aspect=1,
        frame_width=420,
        **map_axes(),
        show_legend=legend,
        legend_position="right",
    )


def estimates_vs_truth(
    comparison: pd.DataFrame | Mapping[str, pd.DataFrame],
    title: str = "Estimates against the truth (estimate / truth, 95% interval)",
) -> hv.Overlay:
    """Each estimate and its interval divided by the true value, so that 1 is right.

    Parameters
    ----------
    comparison : DataFrame or mapping of model name to DataFrame
        Tables of :func:`~nbtools.secr.truth_comparison` (rows parameters; columns
        ``estimate``, ``lcl``, ``ucl``, ``truth``).
    title : str

    Returns
    -------
    holoviews.Overlay
        A ``VLine`` at 1, ``Segments`` from lcl / truth to ucl / truth and ``Points`` at
        estimate / truth (vdims ``label``, ``parameter``, ``model``, ``estimate``, ``lcl``,
        ``ucl``, ``truth``, ``covered``); one row per parameter (and model), top to bottom.
    """
    tables = {"": comparison} if isinstance(comparison, pd.DataFrame) else dict(comparison)
    frames = []
    for model, table in tables.items():
        missing = {"estimate", "lcl", "ucl", "truth"} - set(table.columns)
        if missing:
            raise ValueError(f"comparison table {model!r} lacks columns {sorted(missing)}")
        frame = table[["estimate", "lcl", "ucl", "truth"]].astype(float).copy()
        frame["parameter"] = [str(i) for i in table.index]
        frame["model"] = model
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    data = data.sort_values("parameter", kind="stable", key=lambda s: s.map({p: i for i, p in enumerate(pd.unique(s))}))
    data["label"] = np.where(data["model"] != "", data["parameter"] + " · " + data["model"], data["parameter"])
    data["row"] = np.arange(len(data))[::-1].astype(float)
    data["ratio"] = data["estimate"] / data["truth"]
    data["low"] = data["lcl"] / data["truth"]
    data["high"] = data["ucl"] / data["truth"]
    data["covered"] = (data["lcl"] <= data["truth"]) & (data["truth"] <= data["ucl"])
    ticks = list(zip(data["row"], data["label"], strict=True))
    segments = hv.Segments(data, kdims=["low", "row", "high", "row"]).opts(color=ACCENT, line_width=3, alpha=0.6)
    vdims = ["label", "parameter", "model", "estimate", "lcl", "ucl", "truth", "covered"]
    points = hv.Points(data, kdims=["ratio", "row"], vdims=vdims).opts(
        color=ACCENT, size=9, line_color="black", tools=["hover"]
    )
    line = hv.VLine(1.0).opts(color="black", line_dash="dashed", line_width=1)
    return hv.Overlay([line, segments, points]).opts(
        title=title,
        yticks=ticks,
        xlabel="estimate / truth",
        ylabel="",
        width=700,
        height=max(180, 32 * len(data) + 80),
        show_grid=True,
    )


def aic_plot(table: pd.DataFrame, criterion: str = "AICc", title: str | None = None) -> hv.Bars:
    """Differences in AIC(c) of the models of an :func:`~nbtools.secr.model_selection`, best on top.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`~nbtools.secr.model_selection` (columns ``dAICc``/``dAIC``, ``AICcwt``/``AICwt``,
        ``npar``, ``model``).
    criterion : {"AICc", "AIC"}
    title : str, optional

    Returns
    -------
    holoviews.Bars
        One horizontal bar per model (kdim ``name``), length ``d<criterion>``; hover shows
        the weight, the number of parameters and the model description.
    """
    delta, weight = f"d{criterion}", f"{criterion}wt"
    missing = {delta, weight, "npar"} - set(table.columns)
    if missing:
        raise ValueError(
            f"the table lacks columns {sorted(missing)}; pass the table of aic_table, now named model_selection"
        )
    frame = table.reset_index().rename(columns={"index": "name"})
    frame["name"] = frame["name"].astype(str)
    frame = frame.iloc[::-1]
    vdims = [delta, weight, "npar"] + (["model"] if "model" in frame.columns else [])
    bars = hv.Bars(frame, kdims=["name"], vdims=vdims)
    return bars.opts(
        invert_axes=True,
        color=ACCENT,
        tools=["hover"],
        xlabel="",
        ylabel=f"Δ{criterion}",
        title=title or f"Models by {criterion} (best on top; 0 = best)",
        width=700,
        height=max(160, 34 * len(frame) + 80),
        show_grid=True,
    )
