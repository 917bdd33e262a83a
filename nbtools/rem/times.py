"""Times of detection for the activity level of the REM, including camtrapDensity's sun time.

The activity level itself is :func:`nbtools.activity.activity_level` (``activity::fitact``). This
module gives the times it is fitted to:

* ``"clock"``: local clock time (:func:`nbtools.activity.time_of_day`, radians);
* ``"sun"``: double anchoring of sunrise to pi/2 and sunset to 3 pi/2 with NOAA's sunrise
  (:func:`nbtools.activity.sun_time`, ``overlap::sunTime``);
* ``"average_anchored"``: camtrapDensity's choice (``fit_actmodel``): ``activity::solartime`` -
  *average* anchoring (Vazquez et al. 2019) of UTC clock times to each day's sunrise and sunset from
  ``activity::get_suntimes`` (Teets 2003, a coarser formula than NOAA's) - then shifted so that the
  mean solar noon of the records falls at pi. Reproduced here so that camtrapDensity's activity
  level, and so its density, can be matched exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = ["average_anchored_time", "teets_suntimes"]

_TWO_PI = 2.0 * math.pi


def _wrap(x: NDArray) -> NDArray:
    return np.mod(x, _TWO_PI)


def _fixed_offset_clock(timestamps: ArrayLike, offset_hours: float) -> pd.DatetimeIndex:
    """Wall-clock times at UTC + ``offset_hours`` (naive), from timezone-aware timestamps."""
    values = timestamps if isinstance(timestamps, (pd.Series, pd.DatetimeIndex)) else pd.Series(list(timestamps))
    try:
        idx = pd.DatetimeIndex(values)
    except (TypeError, ValueError) as err:
        raise ValueError(f"timestamps must be timezone-aware datetimes: {err}") from err
    if idx.tz is None:
        raise ValueError("timestamps must be timezone-aware (Camtrap DP timestamps carry their UTC offset)")
    return idx.tz_convert("UTC").tz_localize(None) + pd.Timedelta(hours=float(offset_hours))


def teets_suntimes(
    timestamps: ArrayLike, latitude: ArrayLike, longitude: ArrayLike, offset_hours: float = 0.0
) -> pd.DataFrame:
    """Approximate sunrise, sunset and day length (hours), as ``activity::get_suntimes``.

    Parameters
    ----------
    timestamps : array of timezone-aware datetimes
        The day of year is taken at UTC + ``offset_hours``.
    latitude, longitude : float or array
        Decimal degrees, north and east positive.
    offset_hours : float, default 0
        Time offset of the results from UTC (hours); camtrapDensity uses 0.

    Returns
    -------
    pandas.DataFrame
        ``sunrise``, ``sunset``, ``daylength`` in hours (of the day at UTC + offset).

    Notes
    -----
    Teets (2003): the sun's declination from a circular orbit of the day of year, a 5-minute
    allowance for the sun's radius, and a two-term correction of noon for the orbit's eccentricity.
    It differs from NOAA's formula (:func:`nbtools.activity.sunrise_sunset`) by a few minutes.

    References
    ----------
    Teets, D.A. (2003) Predicting sunrise and sunset times. The College Mathematics Journal 34, 317-321.
    """
    clock = _fixed_offset_clock(timestamps, offset_hours)
    d = np.asarray(clock.day_of_year, dtype=float)
    lat = np.broadcast_to(np.asarray(latitude, dtype=float), d.shape)
    lon = np.broadcast_to(np.asarray(longitude, dtype=float), d.shape)
    radius_earth = 6378.0  # km
    epsilon = 23.45 * math.pi / 180
    orbit = 149598000.0  # km
    big_l = lat * math.pi / 180
    lon_h = 24 * lon / 360
    theta = _TWO_PI / 365.25 * (d - 80)
    zs = orbit * np.sin(theta) * math.sin(epsilon)
    rp = np.sqrt(orbit**2 - zs**2)
    acos_term = (radius_earth - zs * np.sin(big_l)) / (rp * np.cos(big_l))
    with np.errstate(invalid="ignore"):
        t0 = 1440 / _TWO_PI * np.arccos(acos_term)
    that = t0 + 5
    noon = 720 - 10 * np.sin(4 * math.pi * (d - 80) / 365.25) + 8 * np.sin(_TWO_PI * d / 365.25)
    sunrise = (noon - that) / 60 - lon_h + offset_hours
    sunset = (noon + that) / 60 - lon_h + offset_hours
    daylength = np.where(acos_term < -1, 24.0, np.where(acos_term > 1, 0.0, sunset - sunrise))
    return pd.DataFrame({"sunrise": sunrise, "sunset": sunset, "daylength": daylength})


def _circular_mean(x: NDArray) -> float:
    """``activity::cmean``: the mean direction, in [0, 2 pi)."""
    c, s = float(np.mean(np.cos(x))), float(np.mean(np.sin(x)))
    return float(_wrap(np.arctan(s / c) + (math.pi if c < 0 else 0.0)))


def average_anchored_time(
    timestamps: ArrayLike,
    latitude: ArrayLike,
    longitude: ArrayLike,
    offset_hours: float = 0.0,
    centre_noon: bool = True,
) -> NDArray[np.float64]:
    """Sun time by average anchoring, as camtrapDensity's ``fit_actmodel`` computes it (radians).

    Parameters
    ----------
    timestamps : array of timezone-aware datetimes
        Times of the records.
    latitude, longitude : float or array
        Decimal degrees of each record's camera.
    offset_hours : float, default 0
        The clock the times are read on, hours from UTC (camtrapDensity reads UTC and passes 0).
    centre_noon : bool, default True
        Add camtrapDensity's shift ``pi - mean(sunrise + daylength / 2) pi / 12`` so that the mean solar
        noon of the records is at pi; ``False`` returns ``activity::solartime(...)$solar``.

    Returns
    -------
    numpy.ndarray
        Times in radians, [0, 2 pi).

    Notes
    -----
    ``activity::transtime(type = "average")``: a time between the day's anchors ``a1`` and ``a2``
    (sunrise and sunset, or sunset and the next sunrise) at relative position ``p`` becomes
    ``m1 + p (m2 - m1)``, where ``m1``, ``m2`` are the circular means of the anchors over the records.
    The mean anchors depend on which records are passed, so the result for one record depends on the
    others (as in R).

    References
    ----------
    Vazquez, C., Rowcliffe, J.M., Spoelstra, K. & Jansen, P.A. (2019) Comparing diel activity patterns of
    wildlife across latitudes and seasons: time transformations using day length. Methods in Ecology and
    Evolution 10, 2057-2066. https://doi.org/10.1111/2041-210X.13290
    """
    clock_idx = _fixed_offset_clock(timestamps, offset_hours)
    if len(clock_idx) == 0:
        return np.zeros(0)
    clock = (clock_idx.hour + clock_idx.minute / 60 + clock_idx.second / 3600).to_numpy(dtype=float) * math.pi / 12
    sun = teets_suntimes(timestamps, latitude, longitude, offset_hours)
    anchor = _wrap(sun[["sunrise", "sunset"]].to_numpy() * math.pi / 12)
    mean_rise, mean_set = _circular_mean(anchor[:, 0]), _circular_mean(anchor[:, 1])
    since = _wrap(clock[:, None] - anchor)
    flip = since[:, 0] > since[:, 1]  # after sunset (night): anchored on sunset and the next sunrise
    a1 = np.where(flip, anchor[:, 1], anchor[:, 0])
    a2 = np.where(flip, anchor[:, 0], anchor[:, 1])
    position = _wrap(clock - a1) / _wrap(a2 - a1)
    interval = np.where(flip, _wrap(np.asarray(mean_rise - mean_set)), _wrap(np.asarray(mean_set - mean_rise)))
    baseline = np.where(flip, mean_set, mean_rise)
    solar = _wrap(baseline + interval * position)
    if centre_noon:
        shift = math.pi - float(np.mean(sun["sunrise"] + sun["daylength"] / 2)) * math.pi / 12
        solar = _wrap(solar + shift)
    return solar
