"""Plots of occupancy analyses: model tables, psi maps, conditional occupancy, response curves.

Detection histories are drawn by :func:`nbtools.plots.effort.history_heatmap` (pass
``OccupancyData.history``).

Every function takes what :mod:`nbtools.occupancy` computed (an ``OccupancyData``, a model-selection
table, the Dataset of :func:`~nbtools.occupancy.predict_raster`, the frames of
:func:`~nbtools.occupancy.response_curve` and :func:`~nbtools.occupancy.ranef`) and returns a
HoloViews object (bokeh backend); none of them computes an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options used below)
import numpy as np
import pandas as pd

from ..maps import boundary_path, map_axes, station_points

if TYPE_CHECKING:
    import xarray as xr
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "model_selection_plot",
    "prediction_map",
    "occupancy_maps",
    "station_values",
    "response_curve_plot",
    "response_curves",
]

#: Colour of the bars, the curves and the interval bands.
ACCENT = "#b5651d"
_LABELS = {"psi": "ψ (occupancy)", "lambda": "λ (abundance)", "p": "p (detection)", "r": "r (per-animal detection)"}


def model_selection_plot(table: pd.DataFrame, value: str = "AICwt", title: str = "Model selection (AIC)") -> hv.Overlay:
    """The models of a :func:`~nbtools.occupancy.model_selection` table as horizontal bars, best on top.

    Parameters
    ----------
    table : pandas.DataFrame
        ``nPars``, ``AIC``, ``delta``, ``AICwt`` indexed by model name.
    value : {"AICwt", "delta"}, default "AICwt"
        Bar length: the Akaike weight, or ΔAIC (better when one model takes all the weight).
    title : str

    Returns
    -------
    holoviews.Overlay
        ``Bars`` (kdim ``model``; vdims ``value`` first, then the other columns for hover) and
        ``Labels`` giving ΔAIC, the weight and the number of parameters of each model.
    """
    if value not in ("AICwt", "delta"):
        raise ValueError(f"value must be 'AICwt' or 'delta', not {value!r}")
    frame = table.reset_index().rename(columns={"index": "model"})
    frame["model"] = frame["model"].astype(str)
    frame["text"] = [
        f"ΔAIC {d:.1f}, weight {w:.2f}, {int(k)} par."
        for d, w, k in zip(frame["delta"], frame["AICwt"], frame["nPars"], strict=True)
    ]
    frame = frame.iloc[::-1]  # bokeh draws the first category at the bottom
    others = [c for c in ("AICwt", "delta", "AIC", "nPars") if c != value]
    top = 1.0 if value == "AICwt" else max(float(frame["delta"].max()), 1.0)
    bars = hv.Bars(frame, kdims=["model"], vdims=[value, *others]).opts(
        invert_axes=True,
        color=ACCENT,
        tools=["hover"],
        xlabel="",
        ylabel="Akaike weight" if value == "AICwt" else "ΔAIC (AIC - lowest AIC)",
        ylim=(0, 1.6 * top),
        width=750,
        height=60 + 40 * len(frame),
        title=title,
    )
    labels = hv.Labels(frame.assign(at=frame[value] + 0.02 * top), kdims=["model", "at"], vdims=["text"]).opts(
        invert_axes=True, text_align="left", text_font_size="9pt", text_color="black"
    )
    return (bars * labels).opts(title=title)


def prediction_map(
    prediction: xr.Dataset,
    variable: str = "Predicted",
    boundary: BaseGeometry | None = None,
    deployments: pd.DataFrame | None = None,
    cmap: str = "viridis",
    clim: tuple[float, float] | None = None,
    title: str | None = None,
) -> hv.Overlay:
    """One variable of a :func:`~nbtools.occupancy.predict_raster` Dataset as a map.

    Parameters
    ----------
    prediction : xarray.Dataset
        ``Predicted``, ``SE``, ``lower``, ``upper`` on an ``x``/``y`` grid (m); NaN cells are blank.
    variable : str, default "Predicted"
    boundary : shapely geometry, optional
        Drawn with :func:`nbtools.maps.boundary_path`.
    deployments : pandas.DataFrame, optional
        Deployments with ``x``/``y``; stations drawn with :func:`nbtools.maps.station_points`.
    cmap : str, default "viridis"
    clim : (float, float), optional
        Colour range; default (0, 1) for ``Predicted``, ``lower`` and ``upper`` of a probability.
    title : str, optional

    Returns
    -------
    holoviews.Overlay
        An ``Image`` (kdims ``x``, ``y``; vdim ``variable``), then the boundary ``Path`` and the
        station ``Points`` when given.
    """
    if variable not in prediction.data_vars:
        raise ValueError(f"no {variable!r} in the prediction; it holds {list(prediction.data_vars)}")
    parameter = prediction.attrs.get("parameter", "psi")
    name = _LABELS.get(parameter, parameter)
    label = name if variable == "Predicted" else f"{variable} of {parameter}"
    if clim is None and parameter in ("psi", "p", "r") and variable in ("Predicted", "lower", "upper"):
        clim = (0.0, 1.0)
    image = hv.Image(
        prediction[variable].astype("float32"), kdims=["x", "y"], vdims=[hv.Dimension(variable, label=label)]
    )
    options = dict(
        cmap=cmap,
        colorbar=True,
        tools=["hover"],
        data_aspect=1,
        frame_width=420,
        title=title or label,
        clipping_colors={"NaN": (0, 0, 0, 0)},
        **map_axes(),
    )
    if clim is not None:
        options["clim"] = clim
    layers = [image.opts(**options)]
    if boundary is not None:
        layers.append(boundary_path(boundary, color="black"))
    if deployments is not None:
        layers.append(station_points(deployments, color="white").opts(size=4))
    return hv.Overlay(layers).opts(title=title or label)


def occupancy_maps(
    prediction: xr.Dataset,
    boundary: BaseGeometry | None = None,
    deployments: pd.DataFrame | None = None,
    title: str | None = None,
) -> hv.Layout:
    """Predicted psi (0-1) beside its standard error, both with the boundary and the stations.

    ``prediction`` is the Dataset of :func:`~nbtools.occupancy.predict_raster`.
    """
    parameter = prediction.attrs.get("parameter", "psi")
    first = prediction_map(prediction, "Predicted", boundary, deployments, title=title or f"Predicted {parameter}")
    second = prediction_map(
        prediction, "SE", boundary, deployments, cmap="magma", title=f"Standard error of {parameter}"
    )
    return (first + second).cols(2)


def station_values(
    table: pd.DataFrame,
    value: str,
    label: str | None = None,
    cmap: str = "viridis",
    clim: tuple[float, float] | None = (0.0, 1.0),
    size: float = 7,
) -> hv.Points:
    """Stations as points coloured by a value, e.g. conditional occupancy from :func:`~nbtools.occupancy.ranef`.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per station with ``x``, ``y`` (m) and ``value``; every other column is shown on hover
        (e.g. ``ranef(fit).join(data.stations)``). The index (station) is kept as a column.
    value : str
        The column that colours the points.
    label : str, optional
        Colour-bar label (default ``value``).
    cmap : str, default "viridis"
    clim : (float, float) or None, default (0, 1)
    size : float, default 7
    """
    for column in ("x", "y", value):
        if column not in table.columns:
            raise ValueError(f"table needs a {column!r} column")
    frame = table.reset_index()
    others = [c for c in frame.columns if c not in ("x", "y", value)]
    points = hv.Points(frame, kdims=["x", "y"], vdims=[hv.Dimension(value, label=label or value), *others])
    options = dict(
        color=value,
        cmap=cmap,
        colorbar=True,
        size=size,
        line_color="black",
        tools=["hover"],
        data_aspect=1,
        frame_width=420,
        title=label or value,
        **map_axes(),
    )
    if clim is not None:
        options["clim"] = clim
    return points.opts(**options)


def response_curve_plot(
    curve: pd.DataFrame, rug: Sequence[float] | np.ndarray | None = None, xlabel: str | None = None
) -> hv.Overlay:
    """A :func:`~nbtools.occupancy.response_curve` frame: the interval as a band, the estimate as a line.

    Parameters
    ----------
    curve : pandas.DataFrame
        The covariate (first column, original units), ``Predicted``, ``lower``, ``upper``; its
        ``attrs`` name the covariate, the parameter and the confidence level.
    rug : array-like, optional
        Covariate values at the stations, drawn as ticks along the bottom to show where the data are.
    xlabel : str, optional
        Axis label with units (default the covariate's name).

    Returns
    -------
    holoviews.Overlay
        ``Area`` (lower to upper), ``Curve`` (Predicted), and ``Spikes`` when ``rug`` is given.
    """
    covariate = curve.attrs.get("covariate", curve.columns[0])
    parameter = curve.attrs.get("parameter", "psi")
    level = curve.attrs.get("level", 0.95)
    ylabel = _LABELS.get(parameter, parameter)
    band = hv.Area(curve, kdims=[covariate], vdims=["lower", "upper"], label=f"{level:.0%} CI").opts(
        color=ACCENT, alpha=0.25, line_alpha=0
    )
    line = hv.Curve(curve, kdims=[covariate], vdims=[hv.Dimension("Predicted", label=ylabel)]).opts(
        color=ACCENT, line_width=2, tools=["hover"]
    )
    layers = [band, line]
    if rug is not None:
        ticks = np.asarray(rug, dtype=float)
        layers.append(
            hv.Spikes(ticks[np.isfinite(ticks)], kdims=[covariate]).opts(
                color="black", alpha=0.5, spike_length=0.05, position=0.0
            )
        )
    if parameter in ("psi", "p", "r"):  # probabilities: the whole 0-1 range, so curves compare
        band.opts(ylim=(0, 1.02))
        line.opts(ylim=(0, 1.02))
    return hv.Overlay(layers).opts(
        width=320,
        height=260,
        ylabel=ylabel,
        xlabel=xlabel or covariate,
        title=covariate,
        show_legend=False,
    )


def response_curves(
    curves: Mapping[str, pd.DataFrame] | Sequence[pd.DataFrame],
    rugs: Mapping[str, Sequence[float] | np.ndarray] | pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    cols: int = 3,
) -> hv.Layout:
    """Several response curves side by side (one panel per covariate).

    Parameters
    ----------
    curves : mapping or sequence of pandas.DataFrame
        Frames of :func:`~nbtools.occupancy.response_curve` (or ``OccupancyData.response_curve``).
    rugs : mapping or DataFrame, optional
        Station values per covariate (e.g. ``data.stations``), drawn as ticks.
    labels : mapping, optional
        Axis label (with units) per covariate, e.g. ``{"distance_to_road": "distance to road (m)"}``.
    cols : int, default 3
    """
    frames = list(curves.values()) if isinstance(curves, Mapping) else list(curves)
    if not frames:
        raise ValueError("no response curve to draw")
    panels = []
    for frame in frames:
        covariate = frame.attrs.get("covariate", frame.columns[0])
        rug = None
        if rugs is not None and covariate in rugs:
            rug = np.asarray(rugs[covariate], dtype=float)
        panels.append(response_curve_plot(frame, rug, (labels or {}).get(covariate)))
    return hv.Layout(panels).cols(cols)
