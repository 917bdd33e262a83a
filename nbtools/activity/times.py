"""Clock time of day in radians; sunrise, sunset and sun time come from :mod:`nbtools.sun`.

:func:`sunrise_sunset` and :func:`sun_time` (``overlap::sunTime``) are defined in :mod:`nbtools.sun` and
re-exported here and from :mod:`nbtools.activity`, where users have always found them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from nbtools._deprecate import renamed_parameters

from .._time import SECONDS_PER_DAY, datetime_index
from ..sun import sun_time, sunrise_sunset
from .inputs import TWO_PI

__all__ = ["sun_time", "sunrise_sunset", "time_of_day"]


# ---------------------------------------------------------------------------------------------------------
# clock time
# ---------------------------------------------------------------------------------------------------------


@renamed_parameters(tz="timezone")
def time_of_day(timestamps: ArrayLike, timezone: str | object) -> NDArray[np.float64] | pd.Series:
    """Clock time of day in radians, in the study's time zone.

    Parameters
    ----------
    timestamps : sequence of timezone-aware datetimes
        For example ``observations["eventStart"]`` (UTC in the data model). Naive timestamps are refused,
        because their zone is a guess.
    timezone : str or tzinfo
        The study's time zone, e.g. ``"Asia/Vladivostok"``. The local wall-clock time is used, so on a day
        with a daylight-saving change 07:00 is still 7/24 of the circle.

    Returns
    -------
    numpy.ndarray or pandas.Series
        Radians in [0, 2*pi): ``2*pi * (hours*3600 + minutes*60 + seconds) / 86400``; midnight is 0. A Series
        (same index, named ``time_rad``) when ``timestamps`` is a Series.

    Notes
    -----
    Equivalent to what overlap users do in R, ``(hour + minute/60 + second/3600) / 24 * 2 * pi``, after
    ``format(timestamps, tz = ...)``.

    References
    ----------
    Ridout, M.S. & Linkie, M. (2009) Estimating overlap of daily activity patterns from camera trap data.
    Journal of Agricultural, Biological and Environmental Statistics 14, 322-337.
    https://doi.org/10.1198/jabes.2009.08038

    Examples
    --------
    >>> import pandas as pd
    >>> ts = pd.Series(pd.to_datetime(["2024-06-01 00:00", "2024-06-01 06:00"]).tz_localize("UTC"))
    >>> time_of_day(ts, "Asia/Vladivostok").round(4).tolist()   # UTC+10
    [2.618, 4.1888]
    """
    idx = datetime_index(timestamps, "timestamps")
    if idx.tz is None:
        raise ValueError(
            "timestamps are timezone-naive; localise them first (e.g. s.dt.tz_localize('UTC')) so that the "
            "time of day can be taken in the study's zone"
        )
    wall = idx.tz_convert(timezone).tz_localize(None)
    seconds = np.asarray((wall - wall.floor("D")).total_seconds(), dtype=float)
    rad = seconds / SECONDS_PER_DAY * TWO_PI
    if isinstance(timestamps, pd.Series):
        return pd.Series(rad, index=timestamps.index, name="time_rad")
    return rad
