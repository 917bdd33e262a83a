"""The sun: sunrise, sunset and sun time (double anchoring), with one formula.

Sunrise and sunset come from one place, the NOAA solar calculator's algorithm (Meeus 1991) as
``maptools::sunriset`` / ``suntools::sunriset`` compute it (and ``overlap::sunTime`` uses it): the
declination and the equation of time at 0h UTC of the local date, the hour angle of the sun at a zenith of
90.833 degrees (refraction and the solar disc), then the same again at that first estimate of the event
("two passes"). One vectorised core, :func:`solar_events` (minutes after 0h UTC of each local date), serves
both the analyses and the simulator:

* **sun time for the analyses**: :func:`sunrise_sunset` gives local sunrise and sunset in radians, and
  :func:`sun_time` maps clock times to sun times as ``overlap::sunTime`` does (sunrise -> pi/2,
  sunset -> 3 pi/2; :func:`double_anchor`). The tests compare them with R's values.
* **the simulator's sun** (writing studies): :func:`sunrise_sunset_table` (zone-aware timestamps),
  :func:`local_sunrise_sunset_hours`, :func:`sun_to_clock` and :func:`clock_to_sun` (hours after local
  midnight, the simulator's units). A simulated animal therefore keeps the same sun as the analysis that
  measures it.

The formula needs the date, not only the day of the year (its mean longitude and anomaly run on in Julian
centuries), so every function takes dates. Accuracy is about a minute for latitudes within +-72 degrees.
The simulator once used NOAA's *general solar position* Fourier series (Spencer 1971) instead, which differs
from this by up to about 2 minutes at Kedrovaya Pad; the default studies in ``data/`` were written again with
this formula when the series went (issue #19).

Why not a library? pvlib (``pvlib.solarposition.sun_rise_set_transit_spa``) and astral compute sunrise and
sunset with other algorithms (SPA, or astral's own), so they would not reproduce ``overlap::sunTime`` to
the tolerance of our R reference tests, and neither is in the project's lock file (``binder/requirements.txt``).
The formula here is a few lines of published arithmetic.

Units: latitude and longitude in decimal degrees (north and east positive, WGS84); clock and sun times in
radians in [0, 2 pi) (midnight = 0) unless a name says hours (``_h``) or minutes; local dates as
``datetime64[D]`` (or days since 1970-01-01 where a docstring says so).

References
----------
NOAA Global Monitoring Laboratory, Solar Calculation Details. https://gml.noaa.gov/grad/solcalc/calcdetails.html
Meeus, J. (1991) Astronomical Algorithms. Willmann-Bell, Richmond, VA.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from nbtools._deprecate import renamed_parameters

from ._time import MINUTES_PER_DAY, datetime_index

__all__ = [
    "ZENITH_DEGREES",
    "clock_to_sun",
    "double_anchor",
    "local_sunrise_sunset_hours",
    "solar_events",
    "sun_time",
    "sun_to_clock",
    "sunrise_sunset",
    "sunrise_sunset_table",
]

TWO_PI = 2.0 * math.pi
HALF_PI = math.pi / 2
#: Solar zenith angle (degrees) at sunrise and sunset: 90 degrees plus refraction and the solar disc.
ZENITH_DEGREES = 90.833
#: Latitudes are clamped to this (degrees), as in ``maptools::sunriset``.
_MAX_LATITUDE = 89.8
#: Julian day at 0h UTC of 1970-01-01 (the epoch of ``datetime64``).
_JULIAN_DAY_OF_EPOCH = 2440587.5
#: Julian day of J2000.0 and days per Julian century.
_J2000 = 2451545.0
_DAYS_PER_CENTURY = 36525.0


# ---------------------------------------------------------------------------------------------------------
# The formula: NOAA solar calculator (Meeus 1991), as maptools::sunriset
# ---------------------------------------------------------------------------------------------------------


def _sun_declination_eqtime(jc: NDArray) -> tuple[NDArray, NDArray]:
    """Equation of time (minutes) and declination (degrees) at ``jc`` Julian centuries since J2000.0.

    The low-precision NOAA formulas (Meeus 1991): mean longitude and anomaly, equation of centre,
    apparent longitude, corrected obliquity.
    """
    rad = np.deg2rad
    l0 = 280.46646 + jc * (36000.76983 + 0.0003032 * jc)
    l0 = np.where((l0 > 360) | (l0 < 0), np.mod(l0, 360.0), l0)
    m = 357.52911 + jc * (35999.05029 - 1.537e-4 * jc)
    ecc = 0.016708634 - jc * (4.2037e-5 + 1.267e-7 * jc)
    mrad = rad(m)
    centre = (
        np.sin(mrad) * (1.914602 - jc * (4.817e-3 + 1.4e-5 * jc))
        + np.sin(2 * mrad) * (1.9993e-2 - 1.01e-4 * jc)
        + np.sin(3 * mrad) * 2.89e-4
    )
    omega = 125.04 - 1934.136 * jc
    apparent = l0 + centre - 0.00569 - 0.00478 * np.sin(rad(omega))
    seconds = 21.448 - jc * (46.815 + jc * (5.9e-4 - jc * 0.001813))
    obliquity = 23 + (26 + seconds / 60) / 60 + 0.00256 * np.cos(rad(omega))
    declination = np.rad2deg(np.arcsin(np.sin(rad(obliquity)) * np.sin(rad(apparent))))
    y = np.tan(rad(obliquity) / 2) ** 2
    l0r = rad(l0)
    eqtime = (
        y * np.sin(2 * l0r)
        - 2 * ecc * np.sin(mrad)
        + 4 * ecc * y * np.sin(mrad) * np.cos(2 * l0r)
        - 0.5 * y * y * np.sin(4 * l0r)
        - 1.25 * ecc * ecc * np.sin(2 * mrad)
    )
    return np.rad2deg(eqtime) * 4, declination


def _event_utc_minutes(jd: NDArray, lon_west: NDArray, lat: NDArray, sign: int) -> NDArray:
    """UTC minutes after 0h of the date of sunrise (``sign=+1``) or sunset (``-1``): two NOAA passes."""

    def hour_angle(declination: NDArray) -> NDArray:
        latr, decr = np.deg2rad(lat), np.deg2rad(declination)
        arg = np.cos(np.deg2rad(ZENITH_DEGREES)) / (np.cos(latr) * np.cos(decr)) - np.tan(latr) * np.tan(decr)
        arg = np.where(np.abs(arg) >= 1, np.nan, arg)  # the sun does not rise or set that day
        return np.arccos(arg)

    jc = (jd - _J2000) / _DAYS_PER_CENTURY
    eqtime, declination = _sun_declination_eqtime(jc)
    minutes = 720 + 4 * (lon_west - sign * np.rad2deg(hour_angle(declination))) - eqtime
    jc2 = ((jc * _DAYS_PER_CENTURY + _J2000) + minutes / 1440.0 - _J2000) / _DAYS_PER_CENTURY
    eqtime, declination = _sun_declination_eqtime(jc2)
    return 720 + 4 * (lon_west - sign * np.rad2deg(hour_angle(declination))) - eqtime


def _local_days(dates: Any) -> NDArray[np.int64]:
    """Local calendar dates (anything :func:`pandas.to_datetime` reads; times ignored) as days since 1970.

    The shape of an array (or a scalar) is kept, so that the result broadcasts as ``dates`` did.
    """
    if isinstance(dates, pd.Series | pd.Index):
        dates = pd.DatetimeIndex(pd.to_datetime(dates)).tz_localize(None)  # wall-clock dates of aware values
    values = np.asarray(dates)
    if np.issubdtype(values.dtype, np.integer) or values.dtype == bool:
        raise TypeError(
            "sun: give local dates (datetime64[D], timestamps or date strings), not integers: the formula needs "
            "the year as well as the day of the year (e.g. np.datetime64('2017-01-01') + (day_of_year - 1))"
        )
    if not np.issubdtype(values.dtype, np.datetime64):
        parsed = pd.DatetimeIndex(pd.to_datetime(values.ravel())).tz_localize(None)
        values = parsed.to_numpy().reshape(values.shape)
    return values.astype("datetime64[D]").astype(np.int64)


def solar_events(dates: Any, latitude: Any, longitude: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sunrise and sunset in minutes after 0h UTC of each local date: the one formula of this module.

    Parameters
    ----------
    dates : array-like of dates
        Local calendar dates: ``datetime64`` values (cast to days) or anything :func:`pandas.to_datetime` reads
        (times of day are ignored). Integers are refused: the formula needs the year as well as the day of the
        year (this parameter was once ``day_of_year``, for another formula).
    latitude, longitude : array-like of float
        Degrees north and east (WGS84), broadcast against ``dates``. Latitudes beyond +-89.8 are clamped to
        +-89.8, as in ``maptools::sunriset``.

    Returns
    -------
    sunrise, sunset : numpy.ndarray
        Minutes after 00:00 UTC of that date (negative or beyond 1440 far from Greenwich; add the zone's
        offset in minutes for local time). NaN during polar day or night.

    Notes
    -----
    The NOAA solar calculator's low-precision algorithm (Meeus 1991): with ``jc`` Julian centuries from
    J2000.0 to 0h UTC of the date, the sun's declination and the equation of time (minutes) from its mean
    longitude and anomaly, equation of centre, apparent longitude and corrected obliquity; the hour angle
    ``H = arccos(cos(90.833 deg) / (cos(lat) cos(decl)) - tan(lat) tan(decl))``; the event at
    ``720 - 4 (longitude +- H in degrees) - eqtime`` minutes UTC; then declination and equation of time again
    at that time and the event once more (two passes), as ``maptools::sunriset``.

    Examples
    --------
    >>> import numpy as np
    >>> rise, set_ = solar_events(np.datetime64("2017-01-15"), 43.1, 131.5)   # Kedrovaya Pad
    >>> divmod(round(float(rise) + 600), 60), divmod(round(float(set_) + 600), 60)  # UTC+10
    ((8, 43), (18, 4))
    """
    days = _local_days(dates)
    lat = np.clip(np.asarray(latitude, dtype=float), -_MAX_LATITUDE, _MAX_LATITUDE)
    lon_west = -np.asarray(longitude, dtype=float)
    jd = days.astype(float) + _JULIAN_DAY_OF_EPOCH
    with np.errstate(invalid="ignore"):
        return _event_utc_minutes(jd, lon_west, lat, +1), _event_utc_minutes(jd, lon_west, lat, -1)


@renamed_parameters(tz="timezone")
def sunrise_sunset(
    dates: ArrayLike, latitude: ArrayLike, longitude: ArrayLike, timezone: str | object | None = None
) -> pd.DataFrame:
    """Local clock times of sunrise and sunset, in radians, with the NOAA algorithm of ``maptools::sunriset``.

    Parameters
    ----------
    dates : sequence of datetimes
        Dates (or full timestamps) of the observations. Timezone-aware values are converted to ``timezone`` when
        given; naive values are taken as local times in ``timezone``, which is then required.
    latitude, longitude : float or array
        Decimal degrees (WGS84), north and east positive; one value for the study area or one per date.
        Latitudes beyond +-89.8 are clamped to +-89.8, as in maptools.
    timezone : str or tzinfo, optional
        The time zone of the clock times (the study's zone).

    Returns
    -------
    pandas.DataFrame
        Columns ``sunrise`` and ``sunset``: local clock time in radians (``day fraction * 2*pi``) on each
        date, with the UTC offset in force at that timestamp (``maptools``/``suntools`` convention).

    Raises
    ------
    ValueError
        When the sun does not rise or set on some date (polar day or night).

    Notes
    -----
    The NOAA solar calculator's low-precision algorithm (from Meeus 1991): the hour angle of the sun at a
    zenith of 90.833 degrees (refraction and the solar disc) from the declination and equation of time at
    0h UTC of the local date, then recomputed at the first estimate of the event ("two passes"), exactly as
    ``maptools::sunriset`` and ``suntools::sunriset`` do (used by ``overlap::sunTime``). Accuracy is about
    a minute for latitudes within +-72 degrees.

    References
    ----------
    NOAA Global Monitoring Laboratory, Solar Calculation Details. https://gml.noaa.gov/grad/solcalc/calcdetails.html
    Meeus, J. (1991) Astronomical Algorithms. Willmann-Bell, Richmond, VA.

    Examples
    --------
    >>> import pandas as pd
    >>> ss = sunrise_sunset(pd.to_datetime(["2017-06-21"]), 56.0, -3.0, timezone="UTC")
    >>> (ss * 24 / (2 * 3.141592653589793)).round(2).values.tolist()   # Scotland at midsummer, hours UTC
    [[3.42, 21.04]]
    """
    idx = datetime_index(dates, "dates")
    if idx.tz is None:
        if timezone is None:
            raise ValueError("dates are timezone-naive: give timezone (the zone of the clock times)")
        idx = idx.tz_localize(timezone)
    elif timezone is not None:
        idx = idx.tz_convert(timezone)
    lat = np.broadcast_to(np.asarray(latitude, dtype=float), idx.shape).copy()
    lon = np.broadcast_to(np.asarray(longitude, dtype=float), idx.shape)
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise ValueError("latitude and longitude must be finite decimal degrees")
    lat = np.clip(lat, -_MAX_LATITUDE, _MAX_LATITUDE)
    wall = idx.tz_localize(None)
    offset_h = np.asarray((wall - idx.tz_convert("UTC").tz_localize(None)).total_seconds(), dtype=float) / 3600
    rise, sset = solar_events(wall.normalize().to_numpy().astype("datetime64[D]"), lat, lon)
    bad = ~(np.isfinite(rise) & np.isfinite(sset))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"the sun does not rise or set on {int(bad.sum())} date(s) (first: {idx[i].date()} at latitude "
            f"{lat[i]}); sun time is undefined in polar day or night"
        )
    factor = TWO_PI / float(MINUTES_PER_DAY)
    return pd.DataFrame({"sunrise": (rise + 60 * offset_h) * factor, "sunset": (sset + 60 * offset_h) * factor})


def double_anchor(clock: ArrayLike, rise: ArrayLike, sset: ArrayLike) -> NDArray[np.float64]:
    """Sun time of clock times given that day's sunrise and sunset (all radians, broadcast).

    Parameters
    ----------
    clock : array
        Local clock times of day, radians in [0, 2 pi).
    rise, sset : array
        Sunrise and sunset of the same day, local clock radians (e.g. from :func:`sunrise_sunset`).

    Returns
    -------
    numpy.ndarray
        Sun times in radians, [0, 2 pi): a time between sunrise ``r`` and sunset ``s`` becomes
        ``pi/2 + (t - r)/(s - r) * pi``; a night time ``3 pi/2 + ((t - s) mod 2 pi)/(2 pi - (s - r)) * pi``.
    """
    clock, rise, sset = (np.asarray(v, dtype=float) for v in (clock, rise, sset))
    day = (clock > rise) & (clock < sset)
    start = np.where(day, rise, sset)
    day_length = sset - rise
    span = np.where(day, day_length, TWO_PI - day_length)
    start_sun = np.where(day, math.pi / 2, 3 * math.pi / 2)
    since = np.mod(clock - start + TWO_PI, TWO_PI)
    return np.mod(start_sun + since / span * math.pi, TWO_PI)


@renamed_parameters(tz="timezone")
def sun_time(
    time_rad: ArrayLike,
    dates: ArrayLike,
    latitude: ArrayLike,
    longitude: ArrayLike,
    timezone: str | object | None = None,
) -> NDArray[np.float64]:
    """Sun time by double anchoring: sunrise maps to pi/2 and sunset to 3*pi/2, as ``overlap::sunTime``.

    Parameters
    ----------
    time_rad : array
        Clock times of day in radians (from :func:`nbtools.activity.time_of_day`), in the zone of ``dates``.
    dates : sequence of datetimes
        The dates (or timestamps) of the observations; see :func:`sunrise_sunset`.
    latitude, longitude : float or array
        Decimal degrees of the station(s), north and east positive.
    timezone : str or tzinfo, optional
        The zone of the clock times; required when ``dates`` are naive.

    Returns
    -------
    numpy.ndarray
        Sun times in radians, [0, 2*pi).

    Notes
    -----
    A time between sunrise ``r`` and sunset ``s`` becomes ``pi/2 + (t - r)/(s - r) * pi``; a night time
    becomes ``3*pi/2 + ((t - s) mod 2*pi)/(2*pi - (s - r)) * pi`` (mod 2*pi). Day and night are stretched
    or squeezed to half a circle each, so activity tied to the sun lines up across seasons and latitudes
    (Nouvellet et al. 2012). This is the "double anchoring" of ``activity::transtime`` (Vazquez et al.
    2019) with sunrise and sunset as anchors. Sunrise and sunset come from :func:`sunrise_sunset`
    (NOAA, as ``maptools::sunriset``).

    References
    ----------
    Nouvellet, P., Rasmussen, G.S.A., Macdonald, D.W. & Courchamp, F. (2012) Noisy clocks and silent
    sunrises: measurement methods of daily activity pattern. Journal of Zoology 286, 179-184.
    https://doi.org/10.1111/j.1469-7998.2011.00864.x
    Vazquez, C., Rowcliffe, J.M., Spoelstra, K. & Jansen, P.A. (2019) Comparing diel activity patterns of
    wildlife across latitudes and seasons: time transformations using day length. Methods in Ecology and
    Evolution 10, 2057-2066. https://doi.org/10.1111/2041-210X.13290

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> d = pd.to_datetime(["2017-03-20", "2017-06-21"])
    >>> ss = sunrise_sunset(d, 56.0, -3.0, timezone="UTC")
    >>> np.round(sun_time(ss["sunrise"].to_numpy(), d, 56.0, -3.0, timezone="UTC"), 6).tolist()
    [1.570796, 1.570796]
    """
    clock = np.asarray(time_rad, dtype=float)
    if clock.ndim != 1:
        raise ValueError("time_rad must be a 1-D array of radians")
    if not np.isfinite(clock).all():
        raise ValueError("time_rad has missing or infinite values")
    sr = sunrise_sunset(dates, latitude, longitude, timezone)
    if len(sr) != clock.size:
        raise ValueError(f"time_rad has {clock.size} values but dates has {len(sr)}")
    return double_anchor(clock, sr["sunrise"].to_numpy(), sr["sunset"].to_numpy())


# ---------------------------------------------------------------------------------------------------------
# The simulator's units: zone-aware timestamps and hours after local midnight
# ---------------------------------------------------------------------------------------------------------


@renamed_parameters(tz="timezone")
def sunrise_sunset_table(dates: Any, latitude: Any, longitude: Any, timezone: str) -> pd.DataFrame:
    """Sunrise and sunset as zone-aware timestamps for dates and places (the simulator's sun).

    Parameters
    ----------
    dates : array-like of dates
        Local calendar dates (anything :func:`pandas.to_datetime` reads; times are ignored).
    latitude, longitude : float or array-like
        Degrees (broadcast against ``dates``).
    timezone : str
        The time zone of the returned timestamps, e.g. ``"Asia/Vladivostok"``.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``sunrise``, ``sunset`` (timestamps in ``timezone``, to the second), ``day_length_h`` (hours).

    Notes
    -----
    Times from :func:`solar_events` (NOAA solar calculator, Meeus 1991), counted from UTC midnight of each
    date and rounded to the second: the same sunrise and sunset as :func:`sunrise_sunset` gives in radians.

    Examples
    --------
    >>> sunrise_sunset_table(["2017-06-21"], 43.1, 131.5, "Asia/Vladivostok").sunrise.dt.strftime("%H:%M").item()
    '05:34'
    """
    local = pd.DatetimeIndex(pd.to_datetime(dates)).tz_localize(None).normalize()
    rise, sset = solar_events(local.to_numpy().astype("datetime64[D]"), latitude, longitude)
    midnight_utc = local.tz_localize("UTC")
    sunrise = midnight_utc + pd.to_timedelta(np.asarray(rise) * 60.0, unit="s").round("s")
    sunset = midnight_utc + pd.to_timedelta(np.asarray(sset) * 60.0, unit="s").round("s")
    return pd.DataFrame(
        {
            "date": local.date,
            "sunrise": sunrise.tz_convert(timezone),
            "sunset": sunset.tz_convert(timezone),
            "day_length_h": (np.asarray(sset) - np.asarray(rise)) / 60.0,
        }
    )


def _days_since_epoch(day: Any) -> NDArray[np.int64]:
    """Local dates as days since 1970-01-01, from ``datetime64`` values or integers."""
    d = np.asarray(day)
    return d.astype("datetime64[D]").astype(np.int64) if np.issubdtype(d.dtype, np.datetime64) else d.astype(np.int64)


def local_sunrise_sunset_hours(
    day: Any, latitude: Any, longitude: Any, utc_offset_h: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Sunrise and sunset in local clock hours (the simulator's sun).

    Parameters
    ----------
    day : array-like of int or datetime64[D]
        Local date (days since 1970-01-01 if integers).
    latitude, longitude : array-like
        Degrees north and east.
    utc_offset_h : array-like
        The zone's UTC offset on that date, hours.

    Returns
    -------
    sunrise_h, sunset_h : numpy.ndarray
        Hours after local midnight of ``day``.
    """
    days = _days_since_epoch(day)
    rise, sset = solar_events(days.astype("datetime64[D]"), latitude, longitude)
    offset_h = np.asarray(utc_offset_h, dtype=float)
    return rise / 60.0 + offset_h, sset / 60.0 + offset_h


def sun_to_clock(sun_rad: Any, day: Any, latitude: Any, longitude: Any, utc_offset_h: Any = 10.0) -> np.ndarray:
    """Clock time (hours after local midnight of ``day``) for a sun time on a date and place.

    Parameters
    ----------
    sun_rad : array-like
        Sun time in radians: sunrise is pi/2, sunset 3 pi/2, and the day and the night are
        each stretched linearly over half the circle.
    day : array-like of int or datetime64[D]
        Local date (days since 1970-01-01 if integers).
    latitude, longitude : array-like
        Degrees.
    utc_offset_h : array-like, default 10
        Zone offset (hours) on that date; UTC+10 for Asia/Vladivostok since October 2014.

    Returns
    -------
    numpy.ndarray
        Hours after local midnight of ``day``; below 0 (before midnight of the previous
        evening) or above 24 (after midnight) for night-time sun times, so that
        ``day + hours`` is always the right moment. The night of ``day`` runs from its
        sunset to the following sunrise; sun times below pi/2 belong to the night that
        ends on the morning of ``day``.

    Notes
    -----
    Day: ``clock = sunrise + (s - pi/2)/pi * day_length``; night: sun times after 3 pi/2
    count from sunset, those before pi/2 back from sunrise, over ``24 h - day_length``
    (the same date's day length for both halves of the night). Sunrise and sunset from
    :func:`solar_events`.
    """
    s = np.mod(np.asarray(sun_rad, dtype=float), TWO_PI)
    rise, sset = local_sunrise_sunset_hours(day, latitude, longitude, utc_offset_h)
    day_len = sset - rise
    night_len = 24.0 - day_len
    daytime = (s >= HALF_PI) & (s < 3 * HALF_PI)
    return np.where(
        daytime,
        rise + (s - HALF_PI) / np.pi * day_len,
        np.where(
            s >= 3 * HALF_PI, sset + (s - 3 * HALF_PI) / np.pi * night_len, rise - (HALF_PI - s) / np.pi * night_len
        ),
    )


def clock_to_sun(clock_h: Any, day: Any, latitude: Any, longitude: Any, utc_offset_h: Any = 10.0) -> np.ndarray:
    """Sun time (radians, [0, 2 pi)) of a local clock time on a date: the inverse of :func:`sun_to_clock`.

    Parameters
    ----------
    clock_h : array-like
        Hours after local midnight of ``day`` (0-24).
    day, latitude, longitude, utc_offset_h
        As for :func:`sun_to_clock`.

    Returns
    -------
    numpy.ndarray
        Sun time in radians, [0, 2 pi).

    Examples
    --------
    >>> import numpy as np
    >>> day = np.datetime64("2017-01-15")
    >>> round(float(clock_to_sun(sun_to_clock(np.pi / 2, day, 43.1, 131.5), day, 43.1, 131.5)), 6)
    1.570796
    """
    c = np.asarray(clock_h, dtype=float)
    rise, sset = local_sunrise_sunset_hours(day, latitude, longitude, utc_offset_h)
    day_len = sset - rise
    night_len = 24.0 - day_len
    sun = np.where(
        c < rise,
        HALF_PI - (rise - c) / night_len * np.pi,
        np.where(c <= sset, HALF_PI + (c - rise) / day_len * np.pi, 3 * HALF_PI + (c - sset) / night_len * np.pi),
    )
    return np.mod(sun, TWO_PI)
