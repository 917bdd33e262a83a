"""Maps of camera-trap studies with HoloViews (bokeh backend).

Every map works offline: no web-map tiles are fetched unless a user asks for them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options used below)
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import xarray as xr
    from shapely.geometry.base import BaseGeometry


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
    table = deployments[["deploymentID", "locationName", "latitude", "longitude", "deploymentStart", "deploymentEnd"]].copy()
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


def habitat_image(habitat: xr.Dataset, variable: str = "elevation", cmap: str = "fire") -> hv.Image:
    """One habitat raster as an image in the study's projected coordinates (metres).

    Parameters
    ----------
    habitat : xarray.Dataset
        Rasters with ``x``/``y`` coordinates (cell centres, metres).
    variable : str, default "elevation"
        The variable to draw; its ``long_name`` and ``units`` label the colour bar.
    cmap : str, default "fire"
        A colorcet or bokeh colour map name.
    """
    data = habitat[variable]
    label = f"{data.attrs.get('long_name', variable)} ({data.attrs.get('units', '')})"
    image = hv.Image(data.astype("float32"), kdims=["x", "y"], vdims=[hv.Dimension(variable, label=label)])
    return image.opts(cmap=cmap, colorbar=True, tools=["hover"], data_aspect=1, frame_width=450,
                      xlabel="x (m)", ylabel="y (m)", title=label)


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
        raise ValueError(f"an image needs a 2-D aggregate (y, x); this one has dimensions {agg.dims}: use category_image")
    values = agg.astype("float64").where(agg > 0)
    name = label or agg.attrs.get("units", "value")
    image = hv.Image(values.rename(name if name.isidentifier() else "value"), kdims=["x", "y"])
    colours = getattr(cc, cmap) if isinstance(cmap, str) and hasattr(cc, cmap) else cmap
    return image.opts(
        cmap=colours, logz=logz, colorbar=True, clabel=name, clipping_colors={"NaN": (0, 0, 0, 0)}, tools=["hover"],
        data_aspect=1, frame_width=500, xlabel="x (m)", ylabel="y (m)", title=title or "",
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
        data_aspect=1, frame_width=500, xlabel="x (m)", ylabel="y (m)", title=title or f"detections by {category}"
    )
    legend = hv.NdOverlay(
        {name: hv.Points([(x0, y0)], kdims=["x", "y"], label=name).opts(color=colour, size=0, alpha=1)
         for name, colour in key.items()}
    )
    return (image * legend).opts(legend_position="right")


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
    threshold: float = 0.5,
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
    threshold : float, default 0.5
        ``dynspread``'s threshold (share of non-empty neighbouring pixels before spreading stops).
    """
    import colorcet as cc
    import datashader as ds
    from holoviews.operation.datashader import datashade, dynspread, rasterize

    vdims = [by] if by is not None else []
    layer = hv.Points(points, kdims=[x, y], vdims=vdims)
    if by is None:
        colours = getattr(cc, cmap) if isinstance(cmap, str) and hasattr(cc, cmap) else cmap
        shaded = dynspread(rasterize(layer, aggregator=ds.count()), threshold=threshold).opts(
            cmap=colours, cnorm="eq_hist", colorbar=True, clabel="detections per pixel", tools=["hover"],
        )
        legend = None
    else:
        cats = points[by].cat.categories if hasattr(points[by], "cat") else sorted(points[by].unique())
        key = category_colors([str(c) for c in cats], colors)
        shaded = dynspread(datashade(layer, aggregator=ds.by(by, ds.count()), color_key=key), threshold=threshold)
        legend = hv.NdOverlay(
            {name: hv.Points([(np.nan, np.nan)], kdims=[x, y], label=name).opts(color=colour, size=8)
             for name, colour in key.items()}
        )
    overlay = shaded if legend is None else shaded * legend
    if boundary is not None:
        overlay = overlay * boundary_path(boundary)
    return overlay.opts(hv.opts.Overlay(title=title or "Detections", legend_position="right")).opts(
        hv.opts.Image(data_aspect=1, frame_width=500, xlabel="x (m)", ylabel="y (m)"),
        hv.opts.RGB(data_aspect=1, frame_width=500, xlabel="x (m)", ylabel="y (m)"),
    )


def track_paths(tracks: pd.DataFrame, x: str = "x", y: str = "y", by: str = "individualID",
                colors: dict[str, str] | None = None) -> hv.Overlay:
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
    return hv.Overlay(layers).opts(legend_position="right", data_aspect=1, frame_width=500)
