"""Maps of camera-trap studies with HoloViews (bokeh backend).

Every map works offline: no web-map tiles are fetched unless a user asks for them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options used below)
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
