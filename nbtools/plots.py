"""HoloViews set-up and plots shared by the notebooks.

Plotting is kept apart from computation: functions here take tables that the
analysis modules made and return HoloViews objects; they compute nothing new.
"""

from __future__ import annotations

import holoviews as hv


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
