"""Maps of camera-trap studies with HoloViews (bokeh backend).

Every map works offline: no web-map tiles are fetched unless a user asks for them.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options used below)
import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

if TYPE_CHECKING:
    import xarray as xr
    from shapely.geometry.base import BaseGeometry


# --- axes and labels shared by every map --------------------------------------------------------------------

#: Axis labels of maps in the study's projected coordinates; the data stay in metres, the ticks read in km.
EASTING_KM, NORTHING_KM = "easting (km)", "northing (km)"

#: The bokeh tick formatter of :func:`map_axes`: metres shown as km with at most three decimals and no
#: exponent (``652500`` -> ``652.5``); :func:`km_tick_label` is the same rule in Python.
KM_TICK_JS = 'return (Math.round(tick) / 1000).toFixed(3).replace(/\\.?0+$/, "");'


def km_tick_label(value_m: float) -> str:
    """The tick label a map shows for a coordinate in metres: km, plain digits, at most three decimals.

    The Python twin of ``KM_TICK_JS`` (the formatter bokeh runs in the browser), so the rule is tested.

    >>> [km_tick_label(v) for v in (650_000, 652_500, 4_825_000.4, -1_250, 0)]
    ['650', '652.5', '4825', '-1.25', '0']
    """
    text = f"{math.floor(value_m + 0.5) / 1000:.3f}"
    text = re.sub(r"\.?0+$", "", text)
    return "0" if text in ("", "-", "-0") else text


def map_axes(xlabel: str = EASTING_KM, ylabel: str = NORTHING_KM) -> dict[str, object]:
    """Plot options for a map in projected metres: axes labelled and ticked in km, without scientific notation.

    Every map of :mod:`nbtools.maps` and :mod:`nbtools.plots` uses these (``element.opts(**map_axes())``);
    the data and the hover stay in metres. A new formatter is made per call (bokeh models belong to one
    document).
    """
    from bokeh.models import CustomJSTickFormatter

    return dict(
        xlabel=xlabel,
        ylabel=ylabel,
        xformatter=CustomJSTickFormatter(code=KM_TICK_JS),
        yformatter=CustomJSTickFormatter(code=KM_TICK_JS),
    )


def label_with_units(name: str, units: str | None = None) -> str:
    """``"name (units)"``, with the units once: not repeated when the name already gives them, and left out
    when they are empty or dimensionless (CF's ``"1"``).

    >>> label_with_units("elevation above sea level", "m")
    'elevation above sea level (m)'
    >>> label_with_units("forest cover fraction (0-1)", "1")
    'forest cover fraction (0-1)'
    >>> label_with_units("density (animals / ha)", "animals / ha")
    'density (animals / ha)'
    """
    name = str(name).strip()
    units = str(units or "").strip()
    if units in ("", "1", "-", "none", "dimensionless") or f"({units})" in name or name.endswith(f" {units}"):
        return name
    return f"{name} ({units})"


def small_multiples(panels: list, cols: int = 2, colour_scale: str = "panel", unit: str | None = None) -> hv.Layout:
    """Maps side by side, each with its own colour scale (default) or all on one.

    Parameters
    ----------
    panels : list of holoviews elements or overlays
        The maps (e.g. :func:`aggregate_image` ``* boundary_path(...)``).
    cols : int, default 2
    colour_scale : {"panel", "shared"}, default "panel"
        ``"panel"`` normalises each map's colours on its own range, so that a rare species' surface is not
        left black beside an abundant one; the colour-bar labels then say "(own scale per map)". ``"shared"``
        puts all maps on one range, to compare values between maps.
    unit : str, optional
        Colour-bar label to use (default the images' own).
    """
    if colour_scale not in ("panel", "shared"):
        raise ValueError(f"colour_scale must be 'panel' or 'shared', not {colour_scale!r}")
    own = colour_scale == "panel"
    out = []
    for panel in panels:

        def relabel(element: hv.Element) -> hv.Element:
            base = unit or element.opts.get().kwargs.get("clabel") or element.vdims[0].pprint_label
            suffix = " (own scale per map)" if own else " (one scale for all maps)"
            return element.opts(clabel=base + suffix, axiswise=own, framewise=own, clone=True)

        out.append(panel.map(relabel, [hv.Image]))
    return hv.Layout(out).cols(cols)


def deployment_map(
    deployments: pd.DataFrame,
    observations: pd.DataFrame | None = None,
    title: str = "Camera deployments",
) -> hv.Points:
    """Deployments as points in longitude and latitude, with hover details.

    Parameters
    ----------
    deployments : pandas.DataFrame
        Camtrap DP deployments (``deploymentID``, ``locationName``,
        ``latitude``, ``longitude``, ``deploymentStart``, ``deploymentEnd``).
    observations : pandas.DataFrame, optional
        Camtrap DP observations; when given, points are sized by the number of
        observations of each deployment.
    title : str
        Plot title.

    Returns
    -------
    holoviews.Points
        Longitude (degrees east) on x, latitude (degrees north) on y, drawn with
        the aspect of a local equirectangular map so that distances look right.
    """
    table = deployments[
        ["deploymentID", "locationName", "latitude", "longitude", "deploymentStart", "deploymentEnd"]
    ].copy()
    table["days"] = (table["deploymentEnd"] - table["deploymentStart"]).dt.total_seconds() / 86_400
    if observations is not None:
        counts = observations.groupby("deploymentID", observed=True).size()
        table["observations"] = table["deploymentID"].map(counts).fillna(0).astype(int)
    else:
        table["observations"] = 0
    table["size"] = 8 + 2 * table["observations"].pow(0.5)
    table = table.drop(columns=["deploymentStart", "deploymentEnd"])
    mean_latitude = float(table["latitude"].mean()) if len(table) else 0.0
    points = hv.Points(
        table,
        kdims=["longitude", "latitude"],
        vdims=["deploymentID", "locationName", "days", "observations", "size"],
    )
    return points.opts(
        size="size",
        color="#b5651d",
        line_color="black",
        alpha=0.8,
        tools=["hover"],
        title=title,
        xlabel="longitude (°E)",
        ylabel="latitude (°N)",
        data_aspect=1 / max(math.cos(math.radians(mean_latitude)), 0.1),
        frame_width=500,
        padding=0.1,
    )


def habitat_image(
    habitat: xr.Dataset, variable: str = "elevation", cmap: str = "fire", title: str | None = None
) -> hv.Image:
    """One habitat raster as an image in the study's projected coordinates (metres, ticked in km).

    Parameters
    ----------
    habitat : xarray.Dataset
        Rasters with ``x``/``y`` coordinates (cell centres, metres).
    variable : str, default "elevation"
        The variable to draw; its ``long_name`` and ``units`` label the colour bar.
    cmap : str, default "fire"
        A colorcet or bokeh colour map name.
    title : str, optional
        Plot title (default the variable's label). An overlay takes its first layer's title, so pass ``""`` when
        the image is the background of a map with a title of its own.
    """
    data = habitat[variable]
    label = label_with_units(data.attrs.get("long_name", variable), data.attrs.get("units"))
    image = hv.Image(data.astype("float32"), kdims=["x", "y"], vdims=[hv.Dimension(variable, label=label)])
    return image.opts(
        cmap=cmap,
        colorbar=True,
        tools=["hover"],
        data_aspect=1,
        frame_width=450,
        title=label if title is None else title,
        **map_axes(),
    )


def boundary_path(boundary: BaseGeometry, color: str = "white") -> hv.Path:
    """The outline of a polygon (or multipolygon) in the study's projected coordinates."""
    polygons = getattr(boundary, "geoms", [boundary])
    rings = [list(polygon.exterior.coords) for polygon in polygons]
    return hv.Path(rings, kdims=["x", "y"]).opts(color=color, line_width=2)


def station_points(deployments: pd.DataFrame, color: str = "#00c8ff") -> hv.Points:
    """Camera locations (one point per ``locationID``) in projected coordinates, with hover details.

    ``deployments`` needs ``x`` and ``y`` (as :class:`nbtools.study.Study` adds them).
    """
    stations = (
        deployments.groupby("locationID", observed=True)
        .agg(x=("x", "mean"), y=("y", "mean"), cameras=("cameraID", "nunique"), deployments=("deploymentID", "size"))
        .reset_index()
    )
    points = hv.Points(stations, kdims=["x", "y"], vdims=["locationID", "cameras", "deployments"])
    return points.opts(color=color, size=5, line_color="black", tools=["hover"])


# --- aggregated activity ----------------------------------------------------------------------------------


def category_colors(categories: list[str], colors: dict[str, str] | None = None) -> dict[str, str]:
    """A colour per category: ``colors`` where given, else colorcet's glasbey_dark in category order."""
    import colorcet as cc

    palette = list(cc.glasbey_dark)
    chosen = dict(colors or {})
    free = iter(c for c in palette if c not in chosen.values())
    return {str(cat): chosen.get(str(cat)) or next(free) for cat in categories}


def aggregate_image(
    agg: xr.DataArray,
    cmap: str | list[str] = "fire",
    logz: bool = True,
    title: str | None = None,
    label: str | None = None,
) -> hv.Image:
    """A 2-D aggregate or surface (from :mod:`nbtools.maps.aggregate`) as an image with a colour bar.

    Pixels without detections (0 or NaN) are transparent so that layers below show through.

    Parameters
    ----------
    agg : xarray.DataArray
        Dimensions ``(y, x)`` in metres.
    cmap : str or list of str, default "fire"
        A colorcet name (perceptually uniform: ``fire``, ``bmy``, ``kbc``...) or a list of colours.
    logz : bool, default True
        Logarithmic colour scale (counts span orders of magnitude).
    title, label : str, optional
        Plot title and colour-bar label (default the aggregate's ``units``).
    """
    import colorcet as cc

    if agg.ndim != 2:
        raise ValueError(
            f"an image needs a 2-D aggregate (y, x); this one has dimensions {agg.dims}: use category_image"
        )
    values = agg.astype("float64").where(agg > 0)
    name = label or agg.attrs.get("units", "value")
    image = hv.Image(values.rename(name if name.isidentifier() else "value"), kdims=["x", "y"])
    colours = getattr(cc, cmap) if isinstance(cmap, str) and hasattr(cc, cmap) else cmap
    return image.opts(
        cmap=colours,
        logz=logz,
        colorbar=True,
        clabel=name,
        clipping_colors={"NaN": (0, 0, 0, 0)},
        tools=["hover"],
        data_aspect=1,
        frame_width=500,
        title=title or "",
        **map_axes(),
    )


def category_image(
    agg: xr.DataArray,
    colors: dict[str, str] | None = None,
    how: str = "eq_hist",
    title: str | None = None,
) -> hv.Overlay:
    """A categorical aggregate (``aggregate_points(..., by=...)``) shaded by category, with a legend.

    Each pixel's colour mixes the categories' colours by their counts there (datashader's ``shade``); its
    brightness follows the total count (``how``: ``"eq_hist"``, ``"log"`` or ``"linear"``).
    """
    import datashader.transfer_functions as tf

    if agg.ndim != 3:
        raise ValueError(f"a categorical image needs a (y, x, category) aggregate; this one has dimensions {agg.dims}")
    category = agg.dims[2]
    key = category_colors([str(c) for c in agg[category].values], colors)
    shaded = tf.shade(agg.assign_coords({category: [str(c) for c in agg[category].values]}), color_key=key, how=how)
    rgba = shaded.to_numpy().view(np.uint8).reshape(*shaded.shape, 4)
    (x0, x1), (y0, y1) = agg.attrs["grid"].x_range, agg.attrs["grid"].y_range
    image = hv.RGB(np.flipud(rgba), bounds=(x0, y0, x1, y1), kdims=["x", "y"], vdims=list("RGBA")).opts(
        data_aspect=1, frame_width=500, title=title or f"detections by {category}", **map_axes()
    )
    legend = hv.NdOverlay(
        {
            name: hv.Points([(x0, y0)], kdims=["x", "y"], label=name).opts(color=colour, size=0, alpha=1)
            for name, colour in key.items()
        }
    )
    return (image * legend).opts(legend_position="right")


@renamed_parameters(threshold="spread_threshold")
def activity_map(
    points: pd.DataFrame | object,
    x: str = "x",
    y: str = "y",
    *,
    by: str | None = None,
    colors: dict[str, str] | None = None,
    cmap: str | list[str] = "fire",
    boundary: BaseGeometry | None = None,
    title: str | None = None,
    spread_threshold: float = 0.5,
) -> hv.Overlay:
    """An interactive datashader map of detections: zooming re-aggregates at the new resolution.

    Holoviews' ``rasterize`` (counts, coloured by ``cmap`` with a colour bar) or ``datashade`` (by
    category, with a legend) wrapped in ``dynspread`` so that isolated detections stay visible. Needs a live
    kernel to re-aggregate; in a static export it shows the first aggregation.

    Parameters
    ----------
    points : pandas.DataFrame or dask.dataframe.DataFrame
        Detections with projected coordinates (m).
    x, y : str
        Coordinate columns.
    by : str, optional
        Categorical column to colour by (species, sex, hour).
    colors : dict, optional
        Colours of categories (others from :func:`category_colors`).
    cmap : str or list, default "fire"
        Colour map of counts (colorcet name).
    boundary : shapely geometry, optional
        Park boundary drawn on top.
    title : str, optional
    spread_threshold : float, default 0.5
        ``dynspread``'s ``threshold`` (share of non-empty neighbouring pixels before spreading stops).
    """
    import colorcet as cc
    import datashader as ds
    from holoviews.operation.datashader import datashade, dynspread, rasterize

    vdims = [by] if by is not None else []
    layer = hv.Points(points, kdims=[x, y], vdims=vdims)
    size = _square_pixel_size(points, x, y, frame_width=FRAME_WIDTH)
    if by is None:
        colours = getattr(cc, cmap) if isinstance(cmap, str) and hasattr(cc, cmap) else cmap
        shaded = dynspread(rasterize(layer, aggregator=ds.count(), **size), threshold=spread_threshold).opts(
            cmap=colours,
            cnorm="eq_hist",
            colorbar=True,
            clabel="detections per pixel",
            tools=["hover"],
        )
        legend = None
    else:
        cats = points[by].cat.categories if hasattr(points[by], "cat") else sorted(points[by].unique())
        key = category_colors([str(c) for c in cats], colors)
        # datashade's own legend is switched off below (show_legend=False): this one lists each category once,
        # in category order, with the colours of color_key
        shaded = dynspread(
            datashade(layer, aggregator=ds.by(by, ds.count()), color_key=key, **size), threshold=spread_threshold
        )
        legend = hv.NdOverlay(
            {
                name: hv.Points([(np.nan, np.nan)], kdims=[x, y], label=name).opts(color=colour, size=8)
                for name, colour in key.items()
            }
        )
    overlay = shaded if legend is None else shaded * legend
    if boundary is not None:
        overlay = overlay * boundary_path(boundary, color="#333333")  # dark: the background is white
    return overlay.opts(
        hv.opts.Overlay(title=title or "Detections", legend_position="right", legend_offset=(10, 0))
    ).opts(
        hv.opts.Image(data_aspect=1, frame_width=FRAME_WIDTH, **map_axes()),
        hv.opts.RGB(data_aspect=1, frame_width=FRAME_WIDTH, show_legend=False, **map_axes()),
    )


FRAME_WIDTH = 500  # px, the width of activity_map's data frame


def _square_pixel_size(points: pd.DataFrame | object, x: str, y: str, frame_width: int) -> dict[str, int]:
    """``width``/``height`` (px) of the first aggregation so that its pixels are square in the map's frame.

    A static page never re-renders, so the first aggregation is what readers see: with the frame ``frame_width``
    px wide and ``data_aspect=1``, the frame is ``frame_width * (y range / x range)`` px high.
    """
    bounds = [points[x].min(), points[x].max(), points[y].min(), points[y].max()]
    if hasattr(bounds[0], "compute"):  # a dask frame: one pass over the partitions for all four
        import dask

        bounds = dask.compute(*bounds)
    x0, x1, y0, y1 = (float(b) for b in bounds)
    if not (np.isfinite([x0, x1, y0, y1]).all() and x1 > x0 and y1 > y0):
        return {}  # no extent to match: holoviews' defaults
    height = max(1, round(frame_width * (y1 - y0) / (x1 - x0)))
    return {"width": frame_width, "height": height}


def track_paths(
    tracks: pd.DataFrame, x: str = "x", y: str = "y", by: str = "individualID", colors: dict[str, str] | None = None
) -> hv.Overlay:
    """Movement tracks (e.g. GPS-collar fixes in time order) as lines with their fixes as points, one colour each.

    Parameters
    ----------
    tracks : pandas.DataFrame
        Fixes with ``x``/``y`` (m), the ``by`` column and, when present, ``timestamp`` (fixes are joined in
        time order).
    x, y, by : str
        Coordinate and individual columns.
    colors : dict, optional
        Colours of individuals (others from :func:`category_colors`).
    """
    for column in (x, y, by):
        if column not in tracks.columns:
            raise KeyError(f"the tracks have no column {column!r}")
    order = [c for c in ("timestamp",) if c in tracks.columns]
    frame = tracks.sort_values([by, *order]) if order else tracks
    names = [str(n) for n in pd.unique(frame[by])]
    key = category_colors(names, colors)
    layers = []
    for name, part in frame.groupby(frame[by].astype(str), sort=False, observed=True):
        xy = part[[x, y]].to_numpy()
        layers.append(hv.Path([xy], kdims=[x, y], label=name).opts(color=key[name], line_width=1, alpha=0.7))
        layers.append(hv.Points(xy, kdims=[x, y], label=name).opts(color=key[name], size=2, alpha=0.5))
    return hv.Overlay(layers).opts(legend_position="right", data_aspect=1, frame_width=500, **map_axes())
