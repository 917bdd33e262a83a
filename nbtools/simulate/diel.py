"""Diel activity curves in sun time, and the sun that defines it.

Species' activity is a von Mises mixture in *sun time* (sunrise at pi/2, sunset at 3 pi/2;
Nouvellet et al. 2012), converted to clock time with NOAA sunrise and sunset for each date and
place, so that activity follows the changing day length; people keep clock hours.

References
----------
Nouvellet, P., Rasmussen, G.S.A., Macdonald, D.W. & Courchamp, F. (2012) Noisy clocks and
silent sunrises: measurement methods of daily activity pattern. J. Zool. 286:179-184.
doi:10.1111/j.1469-7998.2011.00864.x

NOAA Global Monitoring Laboratory, General Solar Position Calculations.
https://gml.noaa.gov/grad/solcalc/solareqns.PDF
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import i0e

from .. import habitat as hab
from .species import Species
from .times import DAY, HALF_PI, TWO_PI

__all__ = [
    "clock_times",
    "clock_to_sun",
    "diel_density",
    "sample_diel",
    "solar_events",
    "sun_to_clock",
    "sunrise_sunset",
    "utc_offset_hours",
]


def solar_events(day_of_year: Any, latitude: Any, longitude: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sunrise and sunset in minutes after UTC midnight (NOAA general solar position equations).

    Parameters
    ----------
    day_of_year : array-like of int
        Day of the year, 1 = 1 January (the fractional year uses noon of that day).
    latitude, longitude : array-like of float
        Degrees north and east. Broadcast against ``day_of_year``.

    Returns
    -------
    sunrise, sunset : numpy.ndarray
        Minutes after 00:00 UTC of that date (may be negative or exceed 1440 far from
        Greenwich; add the zone offset for local time). NaN during polar day or night.

    Notes
    -----
    With the fractional year ``g = 2 pi (doy - 1) / 365``, the equation of time (minutes)
    and the solar declination (radians) are the NOAA Fourier series, the hour angle of
    sunrise is ``arccos(cos(90.833 deg) / (cos(lat) cos(decl)) - tan(lat) tan(decl))``
    (0.833 deg for refraction and the solar disc), and sunrise/sunset are
    ``720 - 4 (longitude +- hour angle in degrees) - eqtime`` minutes UTC. Accurate to about
    a minute at mid latitudes.

    Examples
    --------
    >>> rise, set_ = solar_events(15, 43.1, 131.5)     # 15 January, Kedrovaya Pad
    >>> divmod(round(float(rise) + 600), 60), divmod(round(float(set_) + 600), 60)  # UTC+10
    ((8, 43), (18, 2))
    """
    doy = np.asarray(day_of_year, dtype=float)
    lat = np.radians(np.asarray(latitude, dtype=float))
    lon = np.asarray(longitude, dtype=float)
    g = TWO_PI / 365.0 * (doy - 1.0)
    eqtime = 229.18 * (
        0.000075 + 0.001868 * np.cos(g) - 0.032077 * np.sin(g) - 0.014615 * np.cos(2 * g) - 0.040849 * np.sin(2 * g)
    )
    decl = (
        0.006918
        - 0.399912 * np.cos(g)
        + 0.070257 * np.sin(g)
        - 0.006758 * np.cos(2 * g)
        + 0.000907 * np.sin(2 * g)
        - 0.002697 * np.cos(3 * g)
        + 0.00148 * np.sin(3 * g)
    )
    cos_ha = np.cos(np.radians(90.833)) / (np.cos(lat) * np.cos(decl)) - np.tan(lat) * np.tan(decl)
    with np.errstate(invalid="ignore"):
        ha = np.degrees(np.arccos(np.where(np.abs(cos_ha) <= 1, cos_ha, np.nan)))
    return 720.0 - 4.0 * (lon + ha) - eqtime, 720.0 - 4.0 * (lon - ha) - eqtime


def _day_of_year(days: np.ndarray) -> np.ndarray:
    """Day of the year (1 = 1 January) of ``datetime64[D]`` values."""
    return (days - days.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64) + 1


def utc_offset_hours(local_dates: pd.DatetimeIndex, timezone: str) -> np.ndarray:
    """UTC offset (hours) of a zone at local noon of each date."""
    noon = (local_dates.normalize() + pd.Timedelta(hours=12)).tz_localize(timezone)
    return noon.map(lambda t: t.utcoffset().total_seconds() / 3600.0).to_numpy(dtype=float)


def sunrise_sunset(dates: Any, latitude: Any, longitude: Any, timezone: str = hab.TIMEZONE) -> pd.DataFrame:
    """Sunrise and sunset as zone-aware timestamps for dates and places.

    Parameters
    ----------
    dates : array-like of dates
        Local calendar dates (anything :func:`pandas.to_datetime` reads; times are ignored).
    latitude, longitude : float or array-like
        Degrees (broadcast against ``dates``).
    timezone : str, default "Asia/Vladivostok"

    Returns
    -------
    pandas.DataFrame
        ``date``, ``sunrise``, ``sunset`` (timestamps in ``timezone``), ``day_length_h``.

    Examples
    --------
    >>> sunrise_sunset(["2017-06-21"], 43.1, 131.5).sunrise.dt.strftime("%H:%M").item()
    '05:34'
    """
    local = pd.DatetimeIndex(pd.to_datetime(dates)).tz_localize(None).normalize()
    rise, sset = solar_events(_day_of_year(local.to_numpy().astype("datetime64[D]")), latitude, longitude)
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


def _local_rise_set_hours(day: np.ndarray, latitude: Any, longitude: Any, offset_h: np.ndarray) -> tuple:
    """Sunrise and sunset in local clock hours for local dates given as days since 1970-01-01."""
    rise, sset = solar_events(_day_of_year(day.astype("datetime64[D]")), latitude, longitude)
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
    (the same date's day length for both halves of the night).
    """
    s = np.mod(np.asarray(sun_rad, dtype=float), TWO_PI)
    d = np.asarray(day)
    d = d.astype("datetime64[D]").astype(np.int64) if np.issubdtype(d.dtype, np.datetime64) else d.astype(np.int64)
    rise, sset = _local_rise_set_hours(d, latitude, longitude, np.asarray(utc_offset_h, dtype=float))
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

    Examples
    --------
    >>> import numpy as np
    >>> day = np.datetime64("2017-01-15")
    >>> round(float(clock_to_sun(sun_to_clock(np.pi / 2, day, 43.1, 131.5), day, 43.1, 131.5)), 6)
    1.570796
    """
    c = np.asarray(clock_h, dtype=float)
    d = np.asarray(day)
    d = d.astype("datetime64[D]").astype(np.int64) if np.issubdtype(d.dtype, np.datetime64) else d.astype(np.int64)
    rise, sset = _local_rise_set_hours(d, latitude, longitude, np.asarray(utc_offset_h, dtype=float))
    day_len = sset - rise
    night_len = 24.0 - day_len
    sun = np.where(
        c < rise,
        HALF_PI - (rise - c) / night_len * np.pi,
        np.where(c <= sset, HALF_PI + (c - rise) / day_len * np.pi, 3 * HALF_PI + (c - sset) / night_len * np.pi),
    )
    return np.mod(sun, TWO_PI)


def diel_density(species: Species, at: Any) -> np.ndarray:
    """Density of a species' diel activity (von Mises mixture) at given times of day.

    Parameters
    ----------
    species : Species
        Its ``diel`` components ``(weight, mean_rad, kappa)``; weights are normalised.
    at : array-like
        Angles in radians: sun time (sunrise pi/2, sunset 3 pi/2), or clock time for
        species with ``clock_time``.

    Returns
    -------
    numpy.ndarray
        Density per radian (integrates to 1 over the circle).

    Notes
    -----
    ``f(x) = sum_j w_j exp(kappa_j cos(x - mu_j)) / (2 pi I0(kappa_j))``, computed with the
    scaled Bessel function ``i0e`` for stability.

    Examples
    --------
    >>> import numpy as np
    >>> from nbtools.simulate import DEFAULT_SPECIES
    >>> x = np.linspace(0, 2 * np.pi, 3601)[:-1]
    >>> round(float(diel_density(DEFAULT_SPECIES[0], x).mean() * 2 * np.pi), 6)
    1.0
    """
    x = np.asarray(at, dtype=float)[..., None]
    w, mu, kappa = (np.array(c, dtype=float) for c in zip(*species.diel, strict=True))
    dens = np.exp(kappa * (np.cos(x - mu) - 1.0)) / (TWO_PI * i0e(kappa))
    return (dens * w / w.sum()).sum(axis=-1)


def sample_diel(rng: np.random.Generator, species: Species, n: int) -> np.ndarray:
    """``n`` times of day (radians, [0, 2 pi)) drawn from a species' von Mises mixture ``species.diel``."""
    w, mu, kappa = (np.array(c, dtype=float) for c in zip(*species.diel, strict=True))
    comp = rng.choice(w.size, size=n, p=w / w.sum())
    return np.mod(rng.vonmises(mu[comp], kappa[comp]), TWO_PI)


def clock_times(
    rng: np.random.Generator,
    species: Species,
    day: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    day0_utc_s: int,
    offsets_h: np.ndarray,
) -> np.ndarray:
    """True UTC epoch seconds of visits on study days ``day`` (0-based) at given places."""
    angle = sample_diel(rng, species, day.size)
    offset = offsets_h[day]
    if species.clock_time:
        hours = angle / TWO_PI * 24.0
    else:
        local_day = (day0_utc_s + 43_200) // DAY + day  # local date as days since 1970 (noon safe)
        hours = sun_to_clock(angle, local_day, latitude, longitude, offset)
    # local midnight of study day ``day`` in UTC, then the clock hours
    local_midnight_utc = (
        day0_utc_s + day.astype(np.int64) * DAY - np.rint((offset - offsets_h[0]) * 3600).astype(np.int64)
    )
    return local_midnight_utc + np.rint(hours * 3600.0).astype(np.int64)
