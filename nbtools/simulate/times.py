"""Angles and dates of the simulator; the clock arithmetic itself is in :mod:`nbtools._time`.

The simulator keeps every instant as ``int64`` seconds since 1970-01-01T00:00Z (cameras write whole
seconds; :data:`nbtools._time.SECONDS_PER_DAY`) and converts to text or ``datetime64[ns, UTC]`` only
when it writes a table (:func:`nbtools._time.utc_seconds_to_iso`,
:func:`nbtools._time.utc_seconds_to_timestamps`).
"""

from __future__ import annotations

import numpy as np

from .._time import local_to_utc_seconds

__all__ = ["TWO_PI", "date_s"]

#: A full circle (radians): 24 hours of clock or sun time.
TWO_PI = 2.0 * np.pi


def date_s(text: str, timezone: str) -> int:
    """A local wall-clock time (ISO text, e.g. ``"2016-11-01"``) in ``timezone`` as UTC epoch seconds."""
    return int(local_to_utc_seconds(text, timezone)[0])
