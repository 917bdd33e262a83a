"""Maps of camera-trap studies with HoloViews (bokeh backend).

Every map works offline: no web-map tiles are fetched unless a user asks for them.
"""

from __future__ import annotations

import math

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options used below)
import pandas as pd


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
