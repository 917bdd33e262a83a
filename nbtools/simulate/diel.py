"""Diel activity curves in sun time, and the sun that defines it.

Species' activity is a von Mises mixture in *sun time* (sunrise at pi/2, sunset at 3 pi/2;
Nouvellet et al. 2012), converted to clock time with NOAA sunrise and sunset for each date and
place, so that activity follows the changing day length; people keep clock hours. The sun is
:mod:`nbtools.sun` (the NOAA solar calculator, Meeus 1991: the same sunrise and sunset as the
analyses' :func:`nbtools.sun.sunrise_sunset`); :func:`solar_events`, :func:`sun_to_clock` and
:func:`clock_to_sun` are re-exported from there.

References
----------
Nouvellet, P., Rasmussen, G.S.A., Macdonald, D.W. & Courchamp, F. (2012) Noisy clocks and
silent sunrises: measurement methods of daily activity pattern. J. Zool. 286:179-184.
doi:10.1111/j.1469-7998.2011.00864.x

NOAA Global Monitoring Laboratory, Solar Calculation Details.
https://gml.noaa.gov/grad/solcalc/calcdetails.html
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import i0e

from nbtools._deprecate import renamed_parameters

from .. import habitat as hab
from .._time import SECONDS_PER_DAY
from ..sun import clock_to_sun, solar_events, sun_to_clock, sunrise_sunset_table
from .species import Species
from .times import TWO_PI

__all__ = [
    "clock_times",
    "clock_to_sun",
    "diel_density",
    "sample_diel",
    "solar_events",
    "sun_to_clock",
    "sunrise_sunset",
]


def sunrise_sunset(dates: Any, latitude: Any, longitude: Any, timezone: str = hab.TIMEZONE) -> pd.DataFrame:
    """Sunrise and sunset as zone-aware timestamps for dates and places (the simulator's sun).

    :func:`nbtools.sun.sunrise_sunset_table` with the default study's zone as the default; the same
    formula as :func:`nbtools.sun.sunrise_sunset` (overlap's), which gives the times in radians.

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
    return sunrise_sunset_table(dates, latitude, longitude, timezone)


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


@renamed_parameters(rng="seed")
def sample_diel(seed: int | np.random.Generator, species: Species, n: int) -> np.ndarray:
    """``n`` times of day (radians, [0, 2 pi)) drawn from a species' von Mises mixture ``species.diel``."""
    rng = np.random.default_rng(seed)
    w, mu, kappa = (np.array(c, dtype=float) for c in zip(*species.diel, strict=True))
    comp = rng.choice(w.size, size=n, p=w / w.sum())
    return np.mod(rng.vonmises(mu[comp], kappa[comp]), TWO_PI)


@renamed_parameters(rng="seed")
def clock_times(
    seed: int | np.random.Generator,
    species: Species,
    day: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    day0_utc_s: int,
    offsets_h: np.ndarray,
) -> np.ndarray:
    """True UTC epoch seconds of visits on study days ``day`` (0-based) at given places."""
    rng = np.random.default_rng(seed)
    angle = sample_diel(rng, species, day.size)
    offset = offsets_h[day]
    if species.clock_time:
        hours = angle / TWO_PI * 24.0
    else:
        local_day = (day0_utc_s + 43_200) // SECONDS_PER_DAY + day  # local date as days since 1970 (noon safe)
        hours = sun_to_clock(angle, local_day, latitude, longitude, offset)
    # local midnight of study day ``day`` in UTC, then the clock hours
    local_midnight_utc = (
        day0_utc_s + day.astype(np.int64) * SECONDS_PER_DAY - np.rint((offset - offsets_h[0]) * 3600).astype(np.int64)
    )
    return local_midnight_utc + np.rint(hours * 3600.0).astype(np.int64)
