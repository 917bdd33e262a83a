"""HoloViews plots of camera-trap results, one submodule per analysis.

Plotting is kept apart from computation: functions here take tables and
results that the analysis modules made and return HoloViews objects; they
compute nothing new. This module holds the set-up and the study-wide plots;
``nbtools.plots.activity``, ``.effort``, ``.occupancy`` and ``.secr`` hold
the plots of each analysis, ``.surfaces`` the maps of density surfaces
(realised and expected, per session) and ``.static`` the paper's figures.
"""

from __future__ import annotations

import colorcet
import holoviews as hv
import pandas as pd


def setup_plotting(inline: bool = True) -> None:
    """Load HoloViews' bokeh backend for notebooks.

    Parameters
    ----------
    inline : bool, default True
        Embed BokehJS in the notebook instead of loading it from a CDN, so that
        plots show without internet (offline machines, CI, air-gapped field
        stations). Binder users may pass ``False`` for smaller notebooks.
    """
    hv.extension("bokeh", inline=inline, logo=False)
    # Legends beside the plot, never on the data: an Overlay made by ``*`` keeps no options of the overlays it
    # was made from, so the default is what places the legends of composed maps.
    hv.opts.defaults(hv.opts.Overlay(legend_position="right"))


def deployment_timeline(
    deployments: pd.DataFrame, faults: pd.DataFrame | None = None, timezone: str = "UTC"
) -> hv.Overlay:
    """When each camera ran: one horizontal segment per deployment, one row per camera.

    Parameters
    ----------
    deployments : pandas.DataFrame
        Camtrap DP deployments (``deploymentID``, ``cameraID``, ``deploymentStart``, ``deploymentEnd``).
    faults : pandas.DataFrame, optional
        ``deploymentID`` and ``fault`` (a label such as ``stolen`` or ``clock_reset``); deployments
        with a fault are coloured by it, the others grey.
    timezone : str, default "UTC"
        Zone of the time axis.
    """
    table = deployments[["deploymentID", "cameraID", "locationID", "deploymentStart", "deploymentEnd"]].copy()
    table["start"] = table["deploymentStart"].dt.tz_convert(timezone).dt.tz_localize(None)
    table["end"] = table["deploymentEnd"].dt.tz_convert(timezone).dt.tz_localize(None)
    table["camera"] = table["cameraID"].astype(str)
    labels = (
        faults.groupby("deploymentID")["fault"].agg(lambda f: ", ".join(sorted(set(f)))) if faults is not None else {}
    )
    table["fault"] = table["deploymentID"].map(labels).fillna("none").astype(str)
    table = table.sort_values(["locationID", "camera", "start"])
    palette = list(colorcet.glasbey_dark)
    layers = []
    for index, (fault, rows) in enumerate(sorted(table.groupby("fault"), key=lambda item: item[0] != "none")):
        color = "#bbbbbb" if fault == "none" else palette[(index - 1) % len(palette)]
        segments = hv.Segments(
            rows, kdims=["start", "camera", "end", "camera"], vdims=["deploymentID", "locationID"], label=fault
        )
        layers.append(segments.opts(color=color, line_width=2 if fault == "none" else 3, tools=["hover"]))
    return hv.Overlay(layers).opts(
        yaxis=None,
        height=500,
        width=800,
        xlabel=f"date ({timezone})",
        legend_position="right",
        title="Camera deployments (one row per camera), coloured by fault",
    )
