"""Deprecated: GPS-collar tracks moved to :mod:`nbtools.simulate.tracks` (the simulator's package).

``from nbtools.tracks import ...`` keeps working for one release and warns; import from
:mod:`nbtools.simulate.tracks` instead.
"""

from __future__ import annotations

import warnings

from .simulate.tracks import (
    COLUMNS,
    FIX_INTERVALS_MIN,
    CollarParameters,
    home_range_area_km2,
    home_range_summary,
    simulate_collar_tracks,
    track_lines,
)

__all__ = [
    "COLUMNS",
    "CollarParameters",
    "FIX_INTERVALS_MIN",
    "home_range_area_km2",
    "home_range_summary",
    "simulate_collar_tracks",
    "track_lines",
]

warnings.warn(
    "nbtools.tracks moved to nbtools.simulate.tracks; import from there (nbtools.tracks goes in the next release)",
    DeprecationWarning,
    stacklevel=2,
)
