"""A simulated Land of the Leopard camera-trap survey with known truth.

:func:`simulate_study` writes what a year of park-wide camera trapping would produce -- a
Camtrap DP package (deployments, media, observations, an ``individuals`` table), the habitat
rasters, the park boundary -- and ``truth.json`` with everything the field team could not
know: activity centres, every visit of every animal, the camera faults and clock errors.

>>> from nbtools.simulate import simulate_study
>>> result = simulate_study("leopard-study", seed=20161101)          # doctest: +SKIP
>>> result.truth["realised"]["leopard"]["adults"]                     # doctest: +SKIP

The model, in the order it is simulated (each step with its own random generator spawned
from the seed, so changing one step does not reshuffle the others):

1. **Habitat** (:func:`nbtools.habitat.simulate_habitat`).
2. **Stations**: a jittered square grid (3.5 km) inside the park; points near a forest road
   are moved onto it (``featureType`` ``roadDirt``), the rest sit on game trails. Two cameras
   per location face each other (``A`` and ``B``), one deployment per camera per service
   interval; the field team works along the park, 16 locations a day.
3. **Faults**: thefts and breakages end a deployment early (the camera is replaced at the next
   service visit); dead batteries and full cards stop recording before retrieval; knocked-over
   cameras split a deployment in two around a gap; clock faults (reset to 2000-01-01, +1 h,
   a camera on UTC+8, slow drift) change the recorded times but not the true ones.
4. **Animals**: leopards and tigers have activity centres drawn from habitat-driven density
   surfaces; visits to a location are Poisson with a half-normal rate in the distance from the
   activity centre (SECR, Borchers & Efford 2008); each camera of the pair records a visit
   with a species' trigger probability, so counts per camera-day are Poisson with rate
   ``lambda0 exp(-d^2 / 2 sigma^2)``. Cubs follow their mothers and are photographed less.
   Other species have no individuals: their visits are Poisson with location rates from
   habitat, scaled to published shares of events.
5. **Time of day**: von Mises mixtures in sun time (sunrise at pi/2, sunset at 3 pi/2;
   Nouvellet et al. 2012), converted to clock time with NOAA sunrise and sunset for each
   date and place, so activity follows the changing day length. People follow clock hours.
6. **Media**: each recorded visit gives 1 + Poisson triggers, each a burst of 3-5 images
   (the camera's setting); vegetation gives blank triggers; field visits give setup images.
7. **Observations**: a machine classifier labels every image (``observationLevel`` media,
   with bounding boxes); people classify every event (``observationLevel`` event), identify
   leopards and tigers, and sometimes get leopards wrong or cannot match a single flank.

References
----------
Borchers, D.L. & Efford, M.G. (2008) Spatially explicit maximum likelihood methods for
capture-recapture studies. Biometrics 64:377-385. doi:10.1111/j.1541-0420.2007.00927.x

Nouvellet, P., Rasmussen, G.S.A., Macdonald, D.W. & Courchamp, F. (2012) Noisy clocks and
silent sunrises: measurement methods of daily activity pattern. J. Zool. 286:179-184.
doi:10.1111/j.1469-7998.2011.00864.x

NOAA Global Monitoring Laboratory, General Solar Position Calculations.
https://gml.noaa.gov/grad/solcalc/solareqns.PDF

Further sources for each default are named in :class:`StudyParameters` (see
``notes/domain.md`` in the project's shared notes).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import xarray as xr
from scipy import ndimage
from scipy.special import i0e

from . import habitat as hab

__all__ = [
    "DEFAULT_SPECIES",
    "SimulatedStudy",
    "SimulationResult",
    "Species",
    "StudyParameters",
    "clock_to_sun",
    "diel_density",
    "leopard_season_use",
    "simulate_study",
    "simulate_tables",
    "sun_to_clock",
    "sunrise_sunset",
    "solar_events",
]

TWO_PI = 2.0 * np.pi
DAY = 86_400  # seconds
HALF_PI = np.pi / 2

#: Named random streams, in spawn order. Append new components at the end only, so that
#: existing streams (and hence existing studies) stay the same.
COMPONENTS = (
    "habitat",
    "stations",
    "schedule",
    "faults",
    "leopards",
    "tigers",
    "species",
    "detection",
    "media",
    "classification",
    "identification",
)


# ----------------------------------------------------------------------------------------
# Sun time
# ----------------------------------------------------------------------------------------


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


def _utc_offset_hours(local_dates: pd.DatetimeIndex, timezone: str) -> np.ndarray:
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


def sun_to_clock(
    sun_rad: Any, day: Any, latitude: Any, longitude: Any, utc_offset_h: Any = 10.0
) -> np.ndarray:
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
        np.where(s >= 3 * HALF_PI, sset + (s - 3 * HALF_PI) / np.pi * night_len, rise - (HALF_PI - s) / np.pi * night_len),
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


# ----------------------------------------------------------------------------------------
# Species
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Species:
    """One species (or humans, or vehicles) of the simulated community.

    Attributes
    ----------
    scientific_name : str
        Camtrap DP ``scientificName``; empty for vehicles.
    key : str
        Short name used in ``truth.json`` and parameters.
    vernacular : tuple of (str, str)
        ``(eng, rus)`` names for the ``taxonomic`` metadata.
    share : float
        Share of independent location-level events (all species sum to 1); for leopard and
        tiger the rate comes from the SECR model instead and the share is only a target.
    diel : tuple of (weight, mean_rad, kappa)
        Von Mises mixture of time of day; sun time unless ``clock_time``.
    clock_time : bool
        Whether ``diel`` is in clock time (people keep clock hours, not sun hours).
    observation_type : str
        Camtrap DP ``observationType`` (``animal``, ``human``, ``vehicle``).
    group_extra : float
        Mean of Poisson(group size - 1).
    trigger_extra : float
        Mean of Poisson(triggers per recorded visit - 1).
    trigger_probability : float
        Probability that one camera records a visit (small and fast animals are missed more
        often; Findlay, Briers & White 2020, Mammal Research 65:167-180).
    monthly : tuple of 12 float
        Relative activity January-December (hibernation and winter torpor).
    habitat : tuple of (covariate, coefficient)
        Log-linear weights of location rates on standardised covariates ``forest``,
        ``open``, ``prey``, ``elevation``, ``road``, ``settlement``; ``road_only`` restricts
        to cameras on forest roads.
    bbox_size : float
        Typical bounding-box width as a fraction of the image.
    confusion : str
        Machine-classifier confusion group: errors swap to a species of the same group.
    taxon_rank : str
        Rank for the ``taxonomic`` metadata.
    """

    scientific_name: str
    key: str
    vernacular: tuple[str, str]
    share: float
    diel: tuple[tuple[float, float, float], ...]
    clock_time: bool = False
    observation_type: str = "animal"
    group_extra: float = 0.0
    trigger_extra: float = 0.4
    trigger_probability: float = 0.8
    monthly: tuple[float, ...] = (1.0,) * 12
    habitat: tuple[tuple[str, float], ...] = ()
    bbox_size: float = 0.25
    confusion: str = ""
    taxon_rank: str = "species"


_PI = np.pi


def _h(hour: float) -> float:
    """Clock hour as radians."""
    return hour / 24.0 * TWO_PI


#: The default community. Shares follow notes/domain.md s.8 (ranks from WCS Russia 2019, Dou
#: et al. 2019, Yang et al. 2018, WCS China 2019); diel shapes and all other values are
#: assumed unless the docstring of :class:`Species` names a source.
DEFAULT_SPECIES: tuple[Species, ...] = (
    Species("Panthera pardus orientalis", "leopard", ("Amur leopard", "дальневосточный леопард"), 0.08,
            ((0.35, 1.5 * _PI - 0.05, 6.0), (0.50, 1.5 * _PI + 1.0, 2.5), (0.15, 0.5 * _PI - 0.4, 4.0)),
            trigger_extra=0.5, trigger_probability=0.85, bbox_size=0.35, confusion="cat", taxon_rank="subspecies"),
    Species("Panthera tigris altaica", "tiger", ("Amur tiger", "амурский тигр"), 0.02,
            ((0.30, 1.5 * _PI + 0.15, 5.0), (0.50, 1.5 * _PI + 1.4, 1.8), (0.20, 0.5 * _PI - 0.3, 4.0)),
            trigger_extra=0.5, trigger_probability=0.9, bbox_size=0.5, confusion="cat", taxon_rank="subspecies"),
    Species("Capreolus pygargus", "roe_deer", ("Siberian roe deer", "сибирская косуля"), 0.20,
            ((0.35, 0.5 * _PI, 6.0), (0.35, 1.5 * _PI, 6.0), (0.20, 0.0, 1.0), (0.10, _PI, 1.0)),
            group_extra=0.5, trigger_extra=0.2, trigger_probability=0.7, habitat=(("open", 0.4), ("elevation", -0.4)),
            bbox_size=0.3, confusion="deer"),
    Species("Cervus nippon", "sika_deer", ("sika deer", "пятнистый олень"), 0.16,
            ((0.40, 0.5 * _PI + 0.1, 5.0), (0.40, 1.5 * _PI - 0.1, 5.0), (0.20, 0.0, 0.8)),
            group_extra=1.0, trigger_extra=0.3, trigger_probability=0.7, habitat=(("prey", 1.0),),
            bbox_size=0.35, confusion="deer"),
    Species("Sus scrofa", "wild_boar", ("wild boar", "кабан"), 0.10,
            ((0.60, 0.2, 1.2), (0.40, _PI, 0.8)),
            group_extra=1.5, trigger_extra=0.3, trigger_probability=0.7, habitat=(("forest", 0.4),),
            bbox_size=0.35, confusion="boar"),
    Species("Meles leucurus", "badger", ("Asian badger", "азиатский барсук"), 0.10,
            ((0.80, 0.0, 2.0), (0.20, _PI, 1.0)),
            group_extra=0.1, trigger_extra=0.2, trigger_probability=0.55,
            monthly=(0.05, 0.05, 0.4, 1.0, 1.2, 1.2, 1.2, 1.2, 1.2, 1.1, 0.6, 0.1), bbox_size=0.2, confusion="small"),
    Species("Lepus mandshuricus", "hare", ("Manchurian hare", "маньчжурский заяц"), 0.08,
            ((1.0, 0.1, 2.5),), trigger_extra=0.1, trigger_probability=0.45, bbox_size=0.12, confusion="small"),
    Species("Nyctereutes procyonoides", "raccoon_dog", ("raccoon dog", "енотовидная собака"), 0.05,
            ((0.90, -0.3, 2.0), (0.10, _PI, 1.0)),
            group_extra=0.4, trigger_extra=0.2, trigger_probability=0.55,
            monthly=(0.2, 0.2, 0.6, 1.0, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 0.8, 0.3), bbox_size=0.18, confusion="small"),
    Species("Prionailurus bengalensis", "leopard_cat", ("leopard cat", "амурский лесной кот"), 0.03,
            ((1.0, 0.0, 2.0),), trigger_extra=0.1, trigger_probability=0.45, bbox_size=0.12, confusion="cat"),
    Species("Ursus thibetanus", "black_bear", ("Asian black bear", "гималайский медведь"), 0.02,
            ((0.80, _PI, 2.0), (0.20, 1.5 * _PI, 2.0)),
            group_extra=0.1, trigger_extra=0.4, trigger_probability=0.8,
            monthly=(0.0, 0.0, 0.05, 0.6, 1.2, 1.3, 1.3, 1.3, 1.4, 1.3, 0.4, 0.02), bbox_size=0.4, confusion="boar"),
    Species("Martes flavigula", "marten", ("yellow-throated marten", "харза"), 0.02,
            ((0.90, _PI, 2.0), (0.10, 0.0, 1.0)), trigger_extra=0.1, trigger_probability=0.45, bbox_size=0.12,
            confusion="small"),
    Species("Vulpes vulpes", "red_fox", ("red fox", "лисица"), 0.02,
            ((0.50, 1.5 * _PI + 0.5, 2.0), (0.50, 0.5 * _PI - 0.5, 2.0)),
            trigger_extra=0.1, trigger_probability=0.55, habitat=(("open", 0.5),), bbox_size=0.15, confusion="small"),
    Species("Homo sapiens", "human", ("human", "человек"), 0.08,
            ((1.0, _h(12.5), 2.5),), clock_time=True, observation_type="human",
            group_extra=0.6, trigger_extra=0.2, trigger_probability=0.85,
            habitat=(("road", 1.0), ("settlement", 0.5)), bbox_size=0.3, confusion="human"),
    Species("", "vehicle", ("vehicle", "транспорт"), 0.03,
            ((1.0, _h(13.0), 2.5),), clock_time=True, observation_type="vehicle",
            trigger_extra=0.0, trigger_probability=0.7, habitat=(("road_only", 1.0),), bbox_size=0.6,
            confusion="vehicle"),
    Species("Canis familiaris", "dog", ("domestic dog", "собака"), 0.01,
            ((1.0, _h(12.5), 2.0),), clock_time=True, trigger_extra=0.1, trigger_probability=0.6,
            habitat=(("settlement", 1.0), ("road", 0.5)), bbox_size=0.2, confusion="small"),
)  # fmt: skip


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
    >>> x = np.linspace(0, 2 * np.pi, 3601)[:-1]
    >>> round(float(diel_density(DEFAULT_SPECIES[0], x).mean() * 2 * np.pi), 6)
    1.0
    """
    x = np.asarray(at, dtype=float)[..., None]
    w, mu, kappa = (np.array(c, dtype=float) for c in zip(*species.diel, strict=True))
    dens = np.exp(kappa * (np.cos(x - mu) - 1.0)) / (TWO_PI * i0e(kappa))
    return (dens * w / w.sum()).sum(axis=-1)


def _sample_diel(rng: np.random.Generator, species: Species, n: int) -> np.ndarray:
    w, mu, kappa = (np.array(c, dtype=float) for c in zip(*species.diel, strict=True))
    comp = rng.choice(w.size, size=n, p=w / w.sum())
    return np.mod(rng.vonmises(mu[comp], kappa[comp]), TWO_PI)


# ----------------------------------------------------------------------------------------
# Parameters
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyParameters:
    """Every setting of the simulated study, with its default's source.

    Sources are in ``notes/domain.md`` (section numbers below); "assumed" marks values
    chosen for plausibility where no source gives a number.

    Attributes
    ----------
    study_start, study_end : str
        First and last day of the survey (local dates), default 2016-11-01 to 2017-10-31
        (the issue's study year; the LLNP count of 2017 gave 84 adults and 19 cubs, WWF 2018).
    timezone : str
        ``Asia/Vladivostok`` (UTC+10; tz database).
    created : str
        The package's fixed ``created`` timestamp (no "now", so files are reproducible).
    habitat_resolution_m : float
        Habitat grid cell (m), default 250.
    station_spacing_m : float
        Grid spacing 3500 m (Lukarevskiy & Lukarevskiy 2019: 41 paired stations ~3.5 km apart).
    station_jitter_m : float
        Uniform jitter of grid points within this radius (600 m, assumed).
    station_margin_m : float
        Minimum distance of a location inside the park boundary (300 m, assumed).
    road_snap_m : float
        Grid points within this distance of a forest road are placed on the road (400 m,
        assumed); leopards use forest roads, and vehicles are recorded only there.
    cameras_per_location : int
        2, facing each other to photograph both flanks (domain.md s.2). 1 is allowed.
    service_interval_days : int
        Cards and batteries changed every 122 days, i.e. 4 months (Lukarevskiy & Lukarevskiy
        2019: cards read every 4 months).
    locations_per_field_day : int
        Locations the team sets or services per day (16, assumed): setup and service
        visits spread over about two weeks along the park.
    burst_sizes, burst_probabilities : tuple
        Images per trigger, a camera setting: 3, 4 or 5 (probabilities 0.7, 0.1, 0.2, assumed).
    camera_model : str
        ``Reconyx-HC600`` (Reconyx cameras: Lukarevskiy & Lukarevskiy 2019).
    failure_fraction : float
        Share of camera positions with one theft or breakage in the year (0.12; WCS Russia
        2019: 14 of 116 cameras stolen; 24 of 102 locations lost at Tieqiaoshan; domain.md s.7).
    stolen_share : float
        Share of those failures that are thefts (card lost, no media; 0.5, assumed).
    dead_battery_probability, card_full_probability : float
        Per deployment, camera stops before retrieval (0.05 and 0.02, assumed; Newey et al.
        2015, Ambio 44:624-635, list battery drain and full cards among common failures).
    knocked_over_probability : float
        Per deployment (0.03, assumed), with a gap of ``knocked_over_gap_days`` (5-40 days)
        before a patrol re-sets the camera; the deployment is split in two.
    clock_fault_fraction : float
        Share of cameras with a clock fault (0.05, assumed; Newey et al. 2015).
    clock_fault_kinds : tuple of str
        ``reset`` (clock restarts at 2000-01-01 00:00 when the deployment starts), ``offset``
        (+``clock_offset_hours``), ``utc8`` (set to Beijing time, UTC+8, as cameras across
        the border, every deployment of that camera), ``drift`` (runs slow by
        ``drift_minutes_per_week``, reset at each service). Assigned in turn so each occurs.
    n_leopards : int
        Adult leopards with activity centres in the state space (86; 84 adults counted in
        LLNP in 2017, WWF 2018; "80-90 in and around the park", issue 3).
    leopard_female_share : float
        1.2 / 2.2: sex ratio M:F 1:1.2 (Vitkalova & Shevtsova 2016).
    state_space_buffer_m : float
        Activity centres lie on land within 12 km of the park (~3 male sigma; domain.md s.8).
    leopard_sigma_female_m, leopard_sigma_male_m : float
        Half-normal sigma 2.0 and 3.5 km (derived from home ranges of 40-100 and 180-400 km2,
        domain.md s.4).
    leopard_lambda0 : float
        Expected detections per camera-day at the activity centre (0.02, assumed; domain.md s.8).
    leopard_density : tuple of (covariate, coefficient)
        Log-linear density surface on ``forest``, ``prey``, ``elevation_peak`` (-(elev-350)^2 /
        250^2), ``in_park`` and ``settlement`` (exp(-d/3 km)) (assumed; leopards prefer
        forested hills and prey, Kremlin news; the park protects).
    breeding_female_share : float
        0.22 of adult females with a litter (19 cubs in 2017, WWF 2018, with a mean litter of
        1.9; 5 females with 11 cubs in 2014 and 9 with 16 in 2015, Vitkalova & Shevtsova 2016).
    litter_size_probabilities : tuple
        P(1, 2, 3 cubs) = 0.3, 0.5, 0.2 (assumed).
    cub_birth_window : tuple of str
        Litters born between these dates (assumed), so cubs are 0-13 months old at the start.
    cub_den_days, cub_independence_days : int
        Cubs follow the mother from 60 days to 540 days of age (assumed).
    cub_with_mother_probability, cub_detection_factor : float
        A following cub is with its mother on a visit with probability 0.9 and photographed,
        when the mother is, with probability 0.3 ("cubs lambda0 x 0.3", domain.md s.8; LLNP:
        cameras often catch the mother and miss the cubs, Kremlin news 2019).
    misidentified_share, unmatched_share : float
        Leopard events given another individual's ID (0.03) or left without ID because a
        single flank could not be matched (0.10) (assumed; domain.md s.8).
    named : tuple
        The named family (domain.md s.6): Kedrovka (F, the matriarch of Kedrovaya Pad),
        Berry (Leo 4F, her daughter, born about January 2013), Typhoon (Leo 12M, the resident
        male of Kedrovaya Pad) and Meamur (M, Lord's brother, ranging by the Razdolnoye-Khasan
        road; the real Meamur was killed on that road c. 2016, here he lives through the
        survey). Each: (ID, name, sex, birth date, lon, lat, mother ID). Placement assumed;
        named individuals are known to the project and always listed in ``individuals``.
    berry_litter_birth : str
        Berry's two cubs were about 4 months old in April 2017 (wwf.ru): born 2016-12-10.
    den_camera : tuple of str
        A den camera at Berry's grotto from 2017-04-01 to 2017-05-20 (assumed dates).
    den_visits_per_day : float
        Berry's visits to the den while the cubs are there (1.5 a day, assumed), from day
        ``den_first_visit_day`` (4) of the den camera; each cub is photographed on a den
        visit with probability ``den_cub_detection`` (0.8, assumed: the cubs live there).
    den_tiger_visit : str
        A tiger visited the grotto shortly before the den videos (wwf.ru): local time.
    tiger_density_per_100km2 : float
        0.4 tigers per 100 km2 of state-space land (Xiao et al. 2016, Integr. Zool. 11:322).
    tiger_female_share : float
        0.55 (assumed).
    tiger_sigma_female_m, tiger_sigma_male_m, tiger_lambda0 : float
        4.5 and 7 km, 0.01 per camera-day (assumed; domain.md s.8).
    tiger_density : tuple of (covariate, coefficient)
        Tigers prefer flatter, lower land (Kremlin news) with prey (assumed coefficients).
    species : tuple of Species
        The community (:data:`DEFAULT_SPECIES`).
    blank_triggers_per_day : float
        Vegetation (false) triggers per camera-day, times the monthly weights
        ``blank_monthly`` (summer foliage and wind; assumed): 0.01.
    card_full_blank_factor : float
        Deployments whose card filled had 15 times the false triggers (assumed).
    event_gap_s : float
        Mean extra seconds between triggers of one visit (30 s, assumed; 2 s quiet period).
    pair_offset_s : float
        The second camera's record is up to this many seconds from the first (20 s).
    machine_error_probability, machine_miss_probability, last_image_empty_probability : float
        Machine classifier: wrong species in the confusion group (0.06), animal missed and
        called blank (0.04), last image of a visit empty as the animal leaves (0.25) (assumed).
    unknown_share : float
        Events that people could not classify (observationType ``unknown``; 0.01, assumed).
    """

    study_start: str = "2016-11-01"
    study_end: str = "2017-10-31"
    timezone: str = hab.TIMEZONE
    created: str = "2018-03-15T00:00:00Z"
    habitat_resolution_m: float = 250.0
    station_spacing_m: float = 3500.0
    station_jitter_m: float = 600.0
    station_margin_m: float = 300.0
    road_snap_m: float = 400.0
    cameras_per_location: int = 2
    service_interval_days: int = 122
    locations_per_field_day: int = 16
    burst_sizes: tuple[int, ...] = (3, 4, 5)
    burst_probabilities: tuple[float, ...] = (0.7, 0.1, 0.2)
    camera_model: str = "Reconyx-HC600"
    failure_fraction: float = 0.12
    stolen_share: float = 0.5
    dead_battery_probability: float = 0.05
    card_full_probability: float = 0.02
    knocked_over_probability: float = 0.03
    knocked_over_gap_days: tuple[float, float] = (5.0, 40.0)
    clock_fault_fraction: float = 0.05
    clock_fault_kinds: tuple[str, ...] = ("reset", "offset", "utc8", "drift")
    clock_offset_hours: float = 1.0
    drift_minutes_per_week: tuple[float, float] = (1.0, 5.0)
    n_leopards: int = 86
    leopard_female_share: float = 1.2 / 2.2
    state_space_buffer_m: float = 12_000.0
    leopard_sigma_female_m: float = 2000.0
    leopard_sigma_male_m: float = 3500.0
    leopard_lambda0: float = 0.02
    leopard_density: tuple[tuple[str, float], ...] = (
        ("forest", 1.5), ("prey", 1.0), ("elevation_peak", 1.0), ("in_park", 1.2), ("settlement", -1.5),
    )  # fmt: skip
    breeding_female_share: float = 0.22
    litter_size_probabilities: tuple[float, ...] = (0.3, 0.5, 0.2)
    cub_birth_window: tuple[str, str] = ("2015-10-01", "2017-06-30")
    cub_den_days: int = 60
    cub_independence_days: int = 540
    cub_with_mother_probability: float = 0.9
    cub_detection_factor: float = 0.3
    misidentified_share: float = 0.03
    unmatched_share: float = 0.10
    named: tuple[tuple[str, str, str, str, float, float, str], ...] = (
        ("Leo 1F", "Kedrovka", "female", "2006-06-01", 131.46, 43.10, ""),
        ("Leo 4F", "Berry", "female", "2013-01-15", 131.41, 43.135, "Leo 1F"),
        ("Leo 12M", "Typhoon", "male", "2008-05-01", 131.44, 43.12, ""),
        ("Leo 9M", "Meamur", "male", "2008-06-01", 131.10, 42.87, ""),
    )  # fmt: skip
    berry_litter_birth: str = "2016-12-10"
    den_camera: tuple[str, str] = ("2017-04-01T11:20:00", "2017-05-20T12:40:00")
    den_visits_per_day: float = 1.5
    den_first_visit_day: int = 4
    den_cub_detection: float = 0.8
    den_tiger_visit: str = "2017-04-03T02:14:00"
    tiger_density_per_100km2: float = 0.4
    tiger_female_share: float = 0.55
    tiger_sigma_female_m: float = 4500.0
    tiger_sigma_male_m: float = 7000.0
    tiger_lambda0: float = 0.01
    tiger_density: tuple[tuple[str, float], ...] = (
        ("forest", 0.5), ("prey", 1.5), ("elevation_low", 1.0), ("in_park", 0.8), ("settlement", -2.0),
    )  # fmt: skip
    species: tuple[Species, ...] = DEFAULT_SPECIES
    blank_triggers_per_day: float = 0.01
    blank_monthly: tuple[float, ...] = (0.5, 0.5, 0.6, 0.8, 1.4, 2.0, 2.2, 2.0, 1.6, 1.0, 0.6, 0.5)
    card_full_blank_factor: float = 15.0
    event_gap_s: float = 30.0
    pair_offset_s: float = 20.0
    machine_error_probability: float = 0.06
    machine_miss_probability: float = 0.04
    last_image_empty_probability: float = 0.25
    unknown_share: float = 0.01

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (tuples as lists, species as dicts)."""
        return _jsonable(dataclasses.asdict(self))

    def species_by_key(self, key: str) -> Species:
        """The :class:`Species` whose ``key`` is ``key``."""
        for species in self.species:
            if species.key == key:
                return species
        raise KeyError(key)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return round(v, 6) if np.isfinite(v) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    return value


# ----------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedStudy:
    """The simulated study in memory (what :func:`simulate_study` writes).

    Attributes
    ----------
    deployments, media, observations : pandas.DataFrame
        Camtrap DP 1.0 tables; timestamps ``datetime64[ns, UTC]`` as the cameras recorded
        them (with their clock faults); deploymentStart/End as the field team wrote them.
    individuals : pandas.DataFrame
        ``individualID``, ``scientificName``, ``individualName``, ``sex``, ``lifeStage``,
        ``birthYear``, ``motherID``: the animals the project knows.
    metadata : dict
        The Camtrap DP descriptor without ``resources`` and ``profile``.
    habitat : xarray.Dataset
        From :func:`nbtools.habitat.simulate_habitat`.
    truth : dict
        The content of ``truth.json``.
    """

    deployments: pd.DataFrame
    media: pd.DataFrame
    observations: pd.DataFrame
    individuals: pd.DataFrame
    metadata: dict[str, Any]
    habitat: xr.Dataset
    truth: dict[str, Any]


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate_study` wrote.

    Attributes
    ----------
    out_dir : pathlib.Path
    paths : dict of str to pathlib.Path
        ``datapackage``, ``deployments``, ``media``, ``observations``, ``individuals``,
        ``habitat``, ``boundary``, ``truth``.
    truth : dict
        The content of ``truth.json``.
    elapsed_s : float
        Wall time of the simulation and writing (not written to any file).
    """

    out_dir: Path
    paths: dict[str, Path]
    truth: dict[str, Any]
    elapsed_s: float = field(default=0.0, compare=False)

    def sha256(self) -> dict[str, str]:
        """SHA-256 of every written file, by name."""
        return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in self.paths.items()}


def _generators(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(COMPONENTS))
    return {name: np.random.default_rng(child) for name, child in zip(COMPONENTS, children, strict=True)}


def _parameters(parameters: StudyParameters | None, overrides: dict[str, Any]) -> StudyParameters:
    base = parameters if parameters is not None else StudyParameters()
    names = {f.name for f in dataclasses.fields(StudyParameters)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise TypeError(f"unknown study parameter(s): {', '.join(unknown)}")
    return dataclasses.replace(base, **overrides)


# ----------------------------------------------------------------------------------------
# Time helpers
# ----------------------------------------------------------------------------------------


def _local_to_utc_s(local: Any, timezone: str) -> np.ndarray:
    """Local wall-clock times (strings or datetime64) to UTC epoch seconds."""
    index = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(local))).tz_localize(timezone)
    return (index.tz_convert("UTC").as_unit("s").asi8).astype(np.int64)


def _iso(seconds: Any, timezone: str) -> Any:
    """Epoch seconds as ISO 8601 text with the zone's offset (a list for arrays)."""
    values = pd.to_datetime(np.atleast_1d(np.asarray(seconds, dtype=np.int64)), unit="s", utc=True).tz_convert(timezone)
    text = [t.isoformat() for t in values]
    return text[0] if np.ndim(seconds) == 0 else text


def _to_timestamps(seconds: np.ndarray) -> pd.Series:
    """Epoch seconds as ``datetime64[ns, UTC]``."""
    return pd.Series(pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s", utc=True)).astype(
        "datetime64[ns, UTC]"
    )


def _clock_times(
    rng: np.random.Generator,
    species: Species,
    day: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    day0_utc_s: int,
    offsets_h: np.ndarray,
) -> np.ndarray:
    """True UTC epoch seconds of visits on study days ``day`` (0-based) at given places."""
    angle = _sample_diel(rng, species, day.size)
    offset = offsets_h[day]
    if species.clock_time:
        hours = angle / TWO_PI * 24.0
    else:
        local_day = (day0_utc_s + 43_200) // DAY + day  # local date as days since 1970 (noon safe)
        hours = sun_to_clock(angle, local_day, latitude, longitude, offset)
    # local midnight of study day ``day`` in UTC, then the clock hours
    local_midnight_utc = day0_utc_s + day.astype(np.int64) * DAY - np.rint((offset - offsets_h[0]) * 3600).astype(np.int64)
    return local_midnight_utc + np.rint(hours * 3600.0).astype(np.int64)


# ----------------------------------------------------------------------------------------
# Stations and schedule
# ----------------------------------------------------------------------------------------


def _layout_stations(habitat: xr.Dataset, p: StudyParameters, rng: np.random.Generator) -> pd.DataFrame:
    """Jittered grid locations inside the park, snapped to nearby forest roads."""
    park = hab.park_boundary()
    inner = park.buffer(-p.station_margin_m)
    xmin, ymin, xmax, ymax = park.bounds
    s = p.station_spacing_m
    gx = np.arange(np.floor(xmin / s) * s + s / 2, xmax + s, s)
    gy = np.arange(np.floor(ymin / s) * s + s / 2, ymax + s, s)
    xx, yy = (a.ravel() for a in np.meshgrid(gx, gy))
    radius = p.station_jitter_m * np.sqrt(rng.random(xx.size))
    angle = rng.random(xx.size) * TWO_PI
    x = xx + radius * np.cos(angle)
    y = yy + radius * np.sin(angle)

    forest_roads = [line for name, line in hab.roads().items() if name.startswith("forest_road")]
    points = shapely.points(x, y)
    distances = np.stack([shapely.distance(line, points) for line in forest_roads])
    nearest = distances.argmin(axis=0)
    on_road = distances.min(axis=0) <= p.road_snap_m
    for number, line in enumerate(forest_roads):
        pick = on_road & (nearest == number)
        if pick.any():
            snapped = shapely.line_interpolate_point(line, shapely.line_locate_point(line, points[pick]))
            x[pick], y[pick] = shapely.get_coordinates(snapped).T
    land = hab.sample_at(habitat, x, y, variables=["land"])["land"].to_numpy() > 0.5
    keep = shapely.contains_xy(inner, x, y) & land
    x, y, on_road = x[keep], y[keep], on_road[keep]

    ring = np.asarray(park.exterior.coords)
    axis = ring[10] - ring[0]
    order = np.lexsort((x, (x - ring[0, 0]) * axis[0] + (y - ring[0, 1]) * axis[1]))
    x, y, on_road = x[order], y[order], on_road[order]
    lon, lat = hab.to_lonlat(x, y)
    cov = hab.sample_at(habitat, x, y)
    frame = pd.DataFrame(
        {
            "locationID": [f"L{i + 1:03d}" for i in range(x.size)],
            "x": x.round(1),
            "y": y.round(1),
            "longitude": lon.round(5),
            "latitude": lat.round(5),
            "featureType": np.where(on_road, "roadDirt", "trailGame"),
        }
    )
    for name in ("elevation", "slope", "forest_cover", "prey_index", "distance_to_road", "distance_to_settlement"):
        frame[name] = cov[name].to_numpy()
    frame["habitat"] = _habitat_text(frame["forest_cover"].to_numpy(), frame["slope"].to_numpy())
    return frame


def _habitat_text(forest: np.ndarray, slope: np.ndarray) -> np.ndarray:
    return np.select(
        [(forest >= 0.7) & (slope >= 8), forest >= 0.7, forest >= 0.35],
        [
            "Korean pine-broadleaf forest on a slope",
            "mixed broadleaf forest (oak, fir)",
            "open woodland and forest edge",
        ],
        default="open valley meadow and shrub",
    )


def _schedule(
    stations: pd.DataFrame, p: StudyParameters, rng: np.random.Generator, day0_utc_s: int, n_days: int
) -> np.ndarray:
    """Service visit times (UTC s) per location: array (n_locations, n_intervals + 1).

    The team works along the park (location order), ``locations_per_field_day`` a day from
    09:00, 25 minutes apart; visit ``k`` starts ``k`` equal steps after the first, the last
    ending with the study.
    """
    n = len(stations)
    n_intervals = max(1, int(round(n_days / p.service_interval_days)))
    field_day = np.arange(n) // p.locations_per_field_day
    span = int(field_day.max()) + 1
    nominal = np.rint(np.arange(n_intervals + 1) * (n_days - span) / n_intervals).astype(np.int64)
    slot = np.arange(n) % p.locations_per_field_day
    minutes = 9 * 60 + 25 * slot[:, None] + rng.uniform(0, 10, size=(n, n_intervals + 1))
    return day0_utc_s + (nominal[None, :] + field_day[:, None]) * DAY + np.rint(minutes * 60).astype(np.int64)


def _deployments(
    stations: pd.DataFrame,
    visits: np.ndarray,
    p: StudyParameters,
    rng_schedule: np.random.Generator,
    rng_faults: np.random.Generator,
    den: tuple[int, int] | None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Deployments (one per camera per interval, split around knocked-over gaps) and their faults."""
    n_loc, n_visit = visits.shape
    n_int = n_visit - 1
    cams = p.cameras_per_location
    sides = np.array(list("ABCD"[:cams]))
    n_slots = n_loc * cams
    slot = np.arange(n_slots)
    loc_of_slot, side_of_slot = slot // cams, slot % cams
    side_offset = np.where(side_of_slot == 0, 0, rng_schedule.integers(180, 480, size=n_slots))

    # base grid of deployments (slot x interval)
    s_idx = np.repeat(slot, n_int)
    k_idx = np.tile(np.arange(n_int), n_slots)
    start = visits[loc_of_slot[s_idx], k_idx] + side_offset[s_idx] + np.where(k_idx > 0, 300, 0)
    end = visits[loc_of_slot[s_idx], k_idx + 1] + side_offset[s_idx]

    # thefts and breakages: one per affected slot, at a uniform time in its year
    n_fail = int(round(p.failure_fraction * n_slots))
    fail_slots = np.sort(rng_faults.choice(n_slots, size=n_fail, replace=False))
    first = visits[loc_of_slot[fail_slots], 0] + side_offset[fail_slots]
    last = visits[loc_of_slot[fail_slots], -1] + side_offset[fail_slots]
    fail_time = first + np.rint(rng_faults.random(n_fail) * (last - first)).astype(np.int64)
    fail_kind = np.where(rng_faults.random(n_fail) < p.stolen_share, "stolen", "broken")
    slot_fail_time = np.full(n_slots, np.iinfo(np.int64).max)
    slot_fail_time[fail_slots] = fail_time
    slot_fail_kind = np.full(n_slots, "", dtype=object)
    slot_fail_kind[fail_slots] = fail_kind

    ft = slot_fail_time[s_idx]
    failed_here = (ft >= start) & (ft < end)
    # a failure in the few minutes between two deployments moves an hour into the next one
    inside = np.zeros(n_slots, dtype=bool)
    np.logical_or.at(inside, s_idx[failed_here], True)
    slot_fail_time[fail_slots[~inside[fail_slots]]] += 3600
    ft = slot_fail_time[s_idx]
    failed_here = (ft >= start) & (ft < end)
    after = ft < start  # replaced camera
    # camera IDs: the original camera per slot; a replacement (new ID) after a failure
    camera_number = s_idx + 1
    replacement_number = np.full(n_slots, 0)
    replacement_number[fail_slots] = n_slots + 1 + np.arange(n_fail)
    camera_number = np.where(after, replacement_number[s_idx], camera_number)

    # stops before retrieval and knocked-over cameras (one operational fault per deployment)
    u = rng_faults.random(s_idx.size)
    stop_frac = rng_faults.uniform(0.3, 0.95, size=s_idx.size)
    knock_frac = rng_faults.uniform(0.1, 0.8, size=s_idx.size)
    gap_days = rng_faults.uniform(*p.knocked_over_gap_days, size=s_idx.size)
    pb, pc, pk = p.dead_battery_probability, p.card_full_probability, p.knocked_over_probability
    kind = np.where(failed_here, slot_fail_kind[s_idx], "")
    free = ~failed_here
    kind = np.where(free & (u < pb), "dead_battery", kind)
    kind = np.where(free & (u >= pb) & (u < pb + pc), "card_full", kind)
    kind = np.where(free & (u >= pb + pc) & (u < pb + pc + pk), "knocked_over", kind)
    duration = end - start
    stop = np.where(np.isin(kind, ["dead_battery", "card_full"]), start + np.rint(stop_frac * duration), end)
    knock_t = start + np.rint(knock_frac * duration).astype(np.int64)
    resume_t = knock_t + np.rint(gap_days * DAY).astype(np.int64)
    resumes = (kind == "knocked_over") & (resume_t < end - 2 * DAY)

    base = pd.DataFrame(
        {
            "slot": s_idx,
            "loc": loc_of_slot[s_idx],
            "side": sides[side_of_slot[s_idx]],
            "interval": k_idx + 1,
            "camera_number": camera_number,
            "start": start,
            "end": np.where(failed_here, ft, np.where(kind == "knocked_over", knock_t, end)),
            "op_end": np.where(failed_here, ft, np.where(kind == "knocked_over", knock_t, stop)).astype(np.int64),
            "retrieval_end": end,
            "fault": kind,
            "media_lost": failed_here & (kind == "stolen"),
            "resume": np.where(resumes, resume_t, -1),
        }
    )
    base["part"] = ""
    base["clock_ref"] = base["start"]
    second = base[resumes].copy()
    second["start"] = second["resume"]
    second["end"] = second["retrieval_end"]
    second["op_end"] = second["retrieval_end"]
    second["fault"] = "resumed"
    second["part"] = "b"
    frame = pd.concat([base, second], ignore_index=True)
    frame["op_start"] = frame["start"]
    loc_ids = stations["locationID"].to_numpy()
    frame["locationID"] = loc_ids[frame["loc"].to_numpy()]
    frame["deploymentID"] = (
        frame["locationID"] + "-" + frame["side"] + "-" + frame["interval"].astype(str) + frame["part"]
    )
    if den is not None:
        den_start, den_end = den
        frame = pd.concat(
            [
                frame,
                pd.DataFrame(
                    {
                        "slot": [n_slots],
                        "loc": [n_loc],
                        "side": ["A"],
                        "interval": [1],
                        "camera_number": [n_slots + n_fail + 1],
                        "start": [den_start],
                        "end": [den_end],
                        "op_end": [den_end],
                        "retrieval_end": [den_end],
                        "fault": [""],
                        "media_lost": [False],
                        "resume": [-1],
                        "part": [""],
                        "clock_ref": [den_start],
                        "op_start": [den_start],
                        "locationID": ["DEN1"],
                        "deploymentID": ["DEN1-A-1"],
                    }
                ),
            ],
            ignore_index=True,
        )
    frame["cameraID"] = [f"CT{n:03d}" for n in frame["camera_number"]]
    frame = frame.sort_values(["slot", "start"], kind="stable").reset_index(drop=True)

    # camera settings
    numbers = np.unique(frame["camera_number"])
    burst = rng_schedule.choice(np.array(p.burst_sizes), size=numbers.size, p=np.array(p.burst_probabilities))
    heading = rng_schedule.integers(0, 360, size=n_loc + 1)
    height = rng_schedule.uniform(0.45, 0.60, size=numbers.size).round(2)
    camera_index = np.searchsorted(numbers, frame["camera_number"])
    frame["burst"] = burst[camera_index]
    frame["cameraHeight"] = height[camera_index]
    frame["cameraHeading"] = (heading[frame["loc"]] + np.where(frame["side"] == "A", 0, 180)) % 360

    # clock faults on a share of the physical cameras
    n_clock = int(round(p.clock_fault_fraction * numbers.size))
    if p.clock_fault_fraction > 0:
        n_clock = max(n_clock, 1)
    grid_numbers = numbers[numbers <= n_slots + n_fail]  # not the den camera
    faulty = rng_faults.choice(grid_numbers, size=min(n_clock, grid_numbers.size), replace=False)
    kinds = [p.clock_fault_kinds[i % len(p.clock_fault_kinds)] for i in range(faulty.size)]
    frame["clock_kind"] = ""
    frame["clock_offset_s"] = 0
    frame["clock_drift"] = 0.0  # seconds of error per second elapsed
    frame["clock_reset"] = False
    for number, kind_ in zip(faulty, kinds, strict=True):  # ~20 cameras
        rows = np.flatnonzero(frame["camera_number"].to_numpy() == number)
        bases = frame.loc[rows, "deploymentID"].str.rstrip("b").unique()
        if kind_ != "utc8":
            chosen = bases[rng_faults.integers(bases.size)]
            rows = rows[frame.loc[rows, "deploymentID"].str.rstrip("b").to_numpy() == chosen]
        frame.loc[rows, "clock_kind"] = kind_
        if kind_ == "reset":
            frame.loc[rows, "clock_reset"] = True
        elif kind_ == "offset":
            frame.loc[rows, "clock_offset_s"] = int(round(p.clock_offset_hours * 3600))
        elif kind_ == "utc8":
            frame.loc[rows, "clock_offset_s"] = -2 * 3600
        elif kind_ == "drift":
            per_week = rng_faults.uniform(*p.drift_minutes_per_week)
            frame.loc[rows, "clock_drift"] = -per_week * 60.0 / (7 * DAY)
        else:
            raise ValueError(f"unknown clock fault kind {kind_!r}")

    faults = _fault_records(frame, p)
    return frame, faults


def _fault_records(frame: pd.DataFrame, p: StudyParameters) -> list[dict[str, Any]]:
    tz = p.timezone
    records: list[dict[str, Any]] = []
    by_id = frame.set_index("deploymentID")
    for row in frame.itertuples(index=False):  # one record per faulty deployment (~15 % of rows)
        common = {"deploymentID": row.deploymentID, "cameraID": row.cameraID, "locationID": row.locationID}
        if row.fault in ("stolen", "broken"):
            records.append(
                {**common, "fault": row.fault, "time": _iso(row.end, tz), "media_lost": bool(row.media_lost),
                 "camera_replaced_at_next_visit": True}
            )  # fmt: skip
        elif row.fault in ("dead_battery", "card_full"):
            records.append({**common, "fault": row.fault, "time": _iso(row.op_end, tz)})
        elif row.fault == "knocked_over":
            resumed = f"{row.deploymentID}b" if f"{row.deploymentID}b" in by_id.index else None
            records.append(
                {**common, "fault": "knocked_over", "time": _iso(row.end, tz),
                 "resumed": _iso(by_id.loc[resumed, "start"], tz) if resumed else None,
                 "resumed_deploymentID": resumed}
            )  # fmt: skip
        if row.clock_kind:
            record = {**common, "fault": f"clock_{row.clock_kind}"}
            if row.clock_reset:
                record["clock_start"] = "2000-01-01T00:00:00"
            if row.clock_offset_s:
                record["offset_s"] = int(row.clock_offset_s)
            if row.clock_drift:
                record["drift_s_per_day"] = round(float(row.clock_drift) * DAY, 3)
            records.append(record)
    return records


# ----------------------------------------------------------------------------------------
# Animals
# ----------------------------------------------------------------------------------------


def _covariate(habitat: xr.Dataset, name: str) -> np.ndarray:
    """A density covariate on the habitat grid (see :class:`StudyParameters`)."""
    if name == "forest":
        return habitat["forest_cover"].values.astype(float)
    if name == "prey":
        return habitat["prey_index"].values.astype(float)
    if name == "elevation_peak":
        return -(((habitat["elevation"].values - 350.0) / 250.0) ** 2)
    if name == "elevation_low":
        return -habitat["elevation"].values / 300.0
    if name == "in_park":
        return habitat["in_park"].values.astype(float)
    if name == "settlement":
        return np.exp(-habitat["distance_to_settlement"].values / 3000.0)
    if name == "road":
        return np.exp(-habitat["distance_to_road"].values / 1000.0)
    raise ValueError(f"unknown density covariate {name!r}")


def _state_space(habitat: xr.Dataset, buffer_m: float) -> np.ndarray:
    """Land cells within ``buffer_m`` of the park (both sides of the border)."""
    res = float(abs(habitat["x"].values[1] - habitat["x"].values[0]))
    distance = ndimage.distance_transform_edt(~habitat["in_park"].values, sampling=res)
    return habitat["land"].values & (distance <= buffer_m)


def _draw_centres(
    rng: np.random.Generator,
    habitat: xr.Dataset,
    mask: np.ndarray,
    coefficients: tuple[tuple[str, float], ...],
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Activity centres from a log-linear density surface on the state-space cells."""
    log_density = np.zeros(mask.shape)
    for name, beta in coefficients:
        log_density = log_density + beta * _covariate(habitat, name)
    weight = np.where(mask, np.exp(log_density - log_density[mask].max()), 0.0).ravel()
    cells = rng.choice(weight.size, size=n, p=weight / weight.sum())
    res = float(abs(habitat["x"].values[1] - habitat["x"].values[0]))
    row, col = np.divmod(cells, mask.shape[1])
    x = habitat["x"].values[col] + rng.uniform(-res / 2, res / 2, size=n)
    y = habitat["y"].values[row] + rng.uniform(-res / 2, res / 2, size=n)
    return x, y


def _date_s(text: str, timezone: str) -> int:
    return int(_local_to_utc_s(text, timezone)[0])


def _leopards(
    habitat: xr.Dataset, mask: np.ndarray, p: StudyParameters, rng: np.random.Generator, study_start_s: int
) -> pd.DataFrame:
    """Adult leopards (the named family first) and the cubs of breeding females."""
    tz = p.timezone
    n = p.n_leopards
    named = p.named[:n]
    n_female = int(round(n * p.leopard_female_share))
    named_f = sum(1 for r in named if r[2] == "female")
    named_m = len(named) - named_f
    rest_sex = rng.permutation(
        np.array(["female"] * max(n_female - named_f, 0) + ["male"] * max(n - n_female - named_m, 0), dtype=object)
    )
    x, y = _draw_centres(rng, habitat, mask, p.leopard_density, n)
    if named:
        nx, ny = hab.to_utm([r[4] for r in named], [r[5] for r in named])
        x[: len(named)], y[: len(named)] = nx, ny
    sex = np.concatenate([np.array([r[2] for r in named], dtype=object), rest_sex])
    used = {int("".join(ch for ch in r[0].split()[-1] if ch.isdigit())) for r in named}
    numbers = [k for k in range(1, 10 * n + 20) if k not in used][: n - len(named)]
    ids = [r[0] for r in named] + [f"Leo {k}{'F' if s == 'female' else 'M'}" for k, s in zip(numbers, rest_sex, strict=True)]
    birth_lo, birth_hi = _date_s("2005-01-01", tz), _date_s("2014-06-30", tz)
    birth = rng.integers(birth_lo, birth_hi, size=n)
    birth[: len(named)] = [_date_s(r[3], tz) for r in named]
    adults = pd.DataFrame(
        {
            "individualID": ids,
            "species": "leopard",
            "sex": sex,
            "lifeStage": "adult",
            "birth": birth,
            "motherID": [r[6] for r in named] + [""] * (n - len(named)),
            "individualName": [r[1] for r in named] + [""] * (n - len(named)),
            "ac_x": x,
            "ac_y": y,
            "sigma_m": np.where(sex == "female", p.leopard_sigma_female_m, p.leopard_sigma_male_m),
            "lambda0": p.leopard_lambda0,
            "is_cub": False,
            "breeding": False,
        }
    )

    # litters: Berry's (if she is in the study) plus randomly chosen other females
    females = np.flatnonzero(adults["sex"].to_numpy() == "female")
    n_breeding = int(round(p.breeding_female_share * females.size))
    berry = np.flatnonzero(adults["individualName"].to_numpy() == "Berry")
    others = np.setdiff1d(females, np.flatnonzero(adults["individualName"].to_numpy() != ""))
    n_other = max(n_breeding - berry.size, 0)
    mothers = np.concatenate([berry, rng.choice(others, size=min(n_other, others.size), replace=False)])
    sizes = 1 + rng.choice(len(p.litter_size_probabilities), size=mothers.size, p=np.array(p.litter_size_probabilities))
    lo, hi = _date_s(p.cub_birth_window[0], tz), _date_s(p.cub_birth_window[1], tz)
    litter_birth = rng.integers(lo, hi, size=mothers.size)
    if berry.size:
        sizes[0] = 2
        litter_birth[0] = _date_s(p.berry_litter_birth, tz)
    adults.loc[mothers, "breeding"] = True
    cub_mother = np.repeat(mothers, sizes)
    cub_number = np.concatenate([np.arange(1, k + 1) for k in sizes]) if sizes.size else np.array([], int)
    cub_birth = np.repeat(litter_birth, sizes)
    cub_age_at_start = study_start_s - cub_birth
    cubs = pd.DataFrame(
        {
            "individualID": [f"{adults.at[m, 'individualID']}-c{k}" for m, k in zip(cub_mother, cub_number, strict=True)],
            "species": "leopard",
            "sex": rng.choice(np.array(["female", "male"], dtype=object), size=cub_mother.size),
            "lifeStage": np.where(cub_age_at_start >= 365 * DAY, "subadult", "juvenile"),
            "birth": cub_birth,
            "motherID": adults["individualID"].to_numpy()[cub_mother],
            "individualName": "",
            "ac_x": adults["ac_x"].to_numpy()[cub_mother],
            "ac_y": adults["ac_y"].to_numpy()[cub_mother],
            "sigma_m": adults["sigma_m"].to_numpy()[cub_mother],
            "lambda0": p.leopard_lambda0 * p.cub_detection_factor,
            "is_cub": True,
            "breeding": False,
        }
    )
    return pd.concat([adults, cubs], ignore_index=True)


def _tigers(
    habitat: xr.Dataset, mask: np.ndarray, p: StudyParameters, rng: np.random.Generator, area_km2: float
) -> pd.DataFrame:
    n = int(round(p.tiger_density_per_100km2 * area_km2 / 100.0))
    x, y = _draw_centres(rng, habitat, mask, p.tiger_density, n)
    sex = np.where(rng.random(n) < p.tiger_female_share, "female", "male").astype(object)
    birth = rng.integers(_date_s("2004-01-01", p.timezone), _date_s("2013-06-30", p.timezone), size=n)
    return pd.DataFrame(
        {
            "individualID": [f"Tig {k + 1}{'F' if s == 'female' else 'M'}" for k, s in enumerate(sex)],
            "species": "tiger",
            "sex": sex,
            "lifeStage": "adult",
            "birth": birth,
            "motherID": "",
            "individualName": "",
            "ac_x": x,
            "ac_y": y,
            "sigma_m": np.where(sex == "female", p.tiger_sigma_female_m, p.tiger_sigma_male_m),
            "lambda0": p.tiger_lambda0,
            "is_cub": False,
            "breeding": False,
        }
    )


def _renumber(
    animals: pd.DataFrame, first_seen: np.ndarray, cub_rows: np.ndarray, cub_seen: np.ndarray, p: StudyParameters
) -> pd.DataFrame:
    """Number unnamed adults by first photograph and cubs photographed first; update mothers."""
    animals = animals.copy()
    old = animals["individualID"].to_numpy(dtype=object)
    new = old.copy()
    named = {r[0] for r in p.named}
    adult = ~animals["is_cub"].to_numpy()
    for species, prefix in (("leopard", "Leo"), ("tiger", "Tig")):
        rows = np.flatnonzero((animals["species"] == species).to_numpy() & adult)
        fixed = [i for i in rows if old[i] in named]
        used = {int("".join(ch for ch in old[i].split()[-1] if ch.isdigit())) for i in fixed}
        free = [i for i in rows if old[i] not in named]
        free = sorted(free, key=lambda i: (first_seen[i], i))
        numbers = (k for k in range(1, 10 * len(rows) + 20) if k not in used)
        for i, number in zip(free, numbers):  # ~100 animals
            new[i] = f"{prefix} {number}{'F' if animals.at[i, 'sex'] == 'female' else 'M'}"
    mapping = dict(zip(old, new, strict=True))
    mother = animals["motherID"].map(lambda m: mapping.get(m, m)).to_numpy(dtype=object)
    seen = np.zeros(len(animals), dtype=bool)
    seen[cub_rows] = cub_seen
    for m in np.unique(mother[cub_rows]) if cub_rows.size else []:
        litter = [i for i in cub_rows if mother[i] == m]
        litter = sorted(litter, key=lambda i: (not seen[i], i))
        for k, i in enumerate(litter, start=1):
            new[i] = f"{m}-c{k}"
    animals["individualID"] = new
    animals["motherID"] = mother
    return animals


def _secr_rates(individuals: pd.DataFrame, stations: pd.DataFrame, trigger_probability: float) -> np.ndarray:
    """Location visit rates per day (individual x location): lambda0 / p exp(-d^2 / 2 sigma^2)."""
    dx = individuals["ac_x"].to_numpy()[:, None] - stations["x"].to_numpy()[None, :]
    dy = individuals["ac_y"].to_numpy()[:, None] - stations["y"].to_numpy()[None, :]
    sigma = individuals["sigma_m"].to_numpy()[:, None]
    lam0 = individuals["lambda0"].to_numpy()[:, None] / trigger_probability
    return lam0 * np.exp(-(dx**2 + dy**2) / (2.0 * sigma**2))


def _location_weights(species: Species, stations: pd.DataFrame) -> np.ndarray:
    """Relative visit rates of a species at the grid locations (mean 1)."""
    cov = {
        "forest": stations["forest_cover"].to_numpy(),
        "open": 1.0 - stations["forest_cover"].to_numpy(),
        "prey": stations["prey_index"].to_numpy(),
        "elevation": stations["elevation"].to_numpy(),
        "road": np.exp(-stations["distance_to_road"].to_numpy() / 1000.0),
        "settlement": np.exp(-stations["distance_to_settlement"].to_numpy() / 5000.0),
    }
    log_w = np.zeros(len(stations))
    weight_mask = np.ones(len(stations), dtype=bool)
    for name, beta in species.habitat:
        if name == "road_only":
            weight_mask = stations["featureType"].to_numpy() == "roadDirt"
            continue
        values = cov[name]
        sd = values.std()
        log_w += beta * ((values - values.mean()) / sd if sd > 0 else 0.0)
    weight = np.where(weight_mask, np.exp(log_w), 0.0)
    return weight / weight.mean() if weight.sum() > 0 else weight


# ----------------------------------------------------------------------------------------
# Visits, camera events, media
# ----------------------------------------------------------------------------------------


@dataclass
class _Visits:
    """Location-level visits (true times); growing arrays, one entry per visit."""

    loc: list[np.ndarray] = field(default_factory=list)
    t: list[np.ndarray] = field(default_factory=list)
    species: list[np.ndarray] = field(default_factory=list)
    ind: list[np.ndarray] = field(default_factory=list)
    group: list[np.ndarray] = field(default_factory=list)
    den: list[np.ndarray] = field(default_factory=list)

    def add(self, loc, t, species, ind, group, den=False) -> None:
        n = np.asarray(t).size
        self.loc.append(np.broadcast_to(np.asarray(loc, dtype=np.int64), n).copy())
        self.t.append(np.asarray(t, dtype=np.int64).reshape(n))
        self.species.append(np.full(n, species, dtype=np.int64))
        self.ind.append(np.broadcast_to(np.asarray(ind, dtype=np.int64), n).copy())
        self.group.append(np.broadcast_to(np.asarray(group, dtype=np.int64), n).copy())
        self.den.append(np.full(n, den, dtype=bool))

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(getattr(self, name)) for name in ("loc", "t", "species", "ind", "group", "den")}


def _expand_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each unit of a count matrix (row-major order)."""
    flat = counts.ravel()
    index = np.repeat(np.arange(flat.size), flat)
    return np.divmod(index, counts.shape[1])


def _within(index: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Position of each element within its run, for runs of lengths ``counts`` laid end to end."""
    starts = np.cumsum(counts) - counts
    return np.arange(index.size) - np.repeat(starts, counts)


def _choose_in_group(rng: np.random.Generator, species: tuple[Species, ...], current: np.ndarray) -> np.ndarray:
    """A different species of the same confusion group (or the same when it has no partner)."""
    groups = np.array([s.confusion for s in species], dtype=object)
    result = current.copy()
    for index, sp in enumerate(species):  # a dozen species
        partners = np.flatnonzero((groups == sp.confusion) & (np.arange(len(species)) != index))
        rows = np.flatnonzero(current == index)
        if partners.size and rows.size:
            result[rows] = rng.choice(partners, size=rows.size)
    return result


def _format_ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``prefix`` + zero-padded 1..n, e.g. ``M000001``."""
    return np.strings.add(prefix, np.strings.zfill(np.arange(1, n + 1).astype("U"), width)).astype(object)


def simulate_tables(
    seed: int = 20161101,
    parameters: StudyParameters | None = None,
    *,
    progress: bool = False,
    **overrides: Any,
) -> SimulatedStudy:
    """Simulate the study in memory (no files): Camtrap DP tables, metadata, habitat and truth.

    Parameters
    ----------
    seed : int, default 20161101
        Seeds :class:`numpy.random.SeedSequence`; each model component draws from its own
        spawned generator (see ``COMPONENTS``).
    parameters : StudyParameters, optional
        Base parameters (default :class:`StudyParameters`).
    progress : bool, default False
        Show a tqdm progress bar over the simulation steps.
    **overrides
        Fields of :class:`StudyParameters` to replace (e.g. ``station_spacing_m=7000``).

    Returns
    -------
    SimulatedStudy
        ``deployments``, ``media``, ``observations`` (Camtrap DP 1.0 field names,
        timestamps ``datetime64[ns, UTC]`` as the cameras recorded them), ``individuals``,
        ``metadata`` (the Camtrap DP descriptor without resources), ``habitat`` and ``truth``.
    """
    from tqdm.auto import tqdm

    p = _parameters(parameters, overrides)
    with tqdm(total=8, desc="simulate", unit="step", disable=not progress, leave=False) as bar:
        return _simulate(p, seed, bar)


def _simulate(p: StudyParameters, seed: int, bar: Any) -> SimulatedStudy:
    """The simulation steps; ``bar`` is a tqdm bar advanced once per step."""
    gen = _generators(seed)
    tz = p.timezone
    sp_index = {s.key: i for i, s in enumerate(p.species)}
    if "leopard" not in sp_index or "tiger" not in sp_index:
        raise ValueError("the species list needs the keys 'leopard' and 'tiger'")

    def step(label: str) -> None:
        bar.set_postfix_str(label)
        bar.update()

    # 1. habitat
    habitat = hab.simulate_habitat(gen["habitat"], resolution_m=p.habitat_resolution_m)
    habitat.attrs["seed"] = int(seed)
    step("habitat")

    # 2. stations, schedule, deployments, faults
    start_s = _date_s(p.study_start, tz)
    n_days = (pd.Timestamp(p.study_end) - pd.Timestamp(p.study_start)).days + 1
    if n_days < 2:
        raise ValueError("study_end must be after study_start")
    stations = _layout_stations(habitat, p, gen["stations"])
    if len(stations) == 0:
        raise ValueError("no camera location fits in the park with these parameters")
    visit_times = _schedule(stations, p, gen["schedule"], start_s, n_days)
    den_window = tuple(_date_s(t, tz) for t in p.den_camera)
    has_den = "Berry" in [r[1] for r in p.named[: p.n_leopards]]
    has_den &= start_s <= den_window[0] and den_window[1] <= start_s + n_days * DAY
    dep, faults = _deployments(stations, visit_times, p, gen["schedule"], gen["faults"], den_window if has_den else None)
    step("deployments")

    # 3. individuals
    mask = _state_space(habitat, p.state_space_buffer_m)
    res = float(abs(habitat["x"].values[1] - habitat["x"].values[0]))
    area_km2 = float(mask.sum()) * res * res / 1e6
    animals = pd.concat(
        [_leopards(habitat, mask, p, gen["leopards"], start_s), _tigers(habitat, mask, p, gen["tigers"], area_km2)],
        ignore_index=True,
    )
    animals["ac_in_park"] = shapely.contains_xy(hab.park_boundary(), animals["ac_x"], animals["ac_y"])
    places = _places(stations, animals if has_den else None)
    step("individuals")

    # 4. visits: who comes to which location when (true times)
    v, expected = _visits(p, gen, animals, stations, places, start_s, n_days, den_window if has_den else None)
    step("visits")

    # 5. camera events: which camera records which visit; who the people say it was
    cubs = _cub_table(animals)
    ev, cub_seen = _camera_events(p, gen["detection"], v, dep, len(stations), cubs)
    ident = _identify(p, gen["identification"], ev, sp_index["leopard"])
    step("camera events")

    # 6. images: animal visits, vegetation blanks and the field team's setup images
    rng = gen["media"]
    blank_dep, blank_t = _blank_triggers(p, rng, dep)
    setup_dep, setup_t = _setup_triggers(rng, dep)
    n_animal = ev["t"].size
    kind = np.concatenate([np.zeros(n_animal, int), np.ones(blank_dep.size, int), np.full(setup_dep.size, 2)])
    e_dep = np.concatenate([ev["dep"], blank_dep, setup_dep])
    e_t = np.concatenate([ev["t"], blank_t, setup_t])
    e_species = np.concatenate([ev["species"], np.full(blank_dep.size, -1), np.full(setup_dep.size, sp_index.get("human", -1))])
    images = _images(p, rng, dep, kind, e_dep, e_t, e_species)
    images["recorded"] = _camera_clock(dep, images["dep"], images["t"], tz)
    step("media")

    # IDs in order of first identified photograph, as a project gives them (no gaps that
    # betray individuals never photographed)
    photographed = np.bincount(images["event"], minlength=kind.size)[:n_animal] > 0
    known = photographed & (ident["recorded"] >= 0)
    first_seen = np.full(len(animals), np.inf)
    np.minimum.at(first_seen, ident["recorded"][known], ev["t"][known])
    animals = _renumber(animals, first_seen, cubs["row"], cub_seen, p)

    # 7. tables
    events = {"kind": kind, "dep": e_dep, "species": e_species}
    deployments, media, observations, individuals, event_ids = _build_tables(
        p, stations, dep, animals, cubs["row"], cub_seen, places, events, ev, ident, images, gen["classification"]
    )
    step("tables")

    # 8. metadata and truth
    metadata = _metadata(p, seed, deployments, observations)
    truth = _truth(
        p, seed, habitat, stations, dep, faults, animals, area_km2, expected, v, ev, ident, event_ids,
        cubs["row"], cub_seen, media, observations, images["event"], kind, places if has_den else None,
    )  # fmt: skip
    step("truth")
    return SimulatedStudy(deployments, media, observations, individuals, metadata, habitat, truth)


def _places(stations: pd.DataFrame, animals: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Coordinates of the grid locations, plus Berry's den (last) when ``animals`` is given."""
    x = stations["x"].to_numpy()
    y = stations["y"].to_numpy()
    if animals is not None:
        berry = animals.index[animals["individualName"] == "Berry"][0]
        x = np.append(x, animals.at[berry, "ac_x"] - 1000.0)
        y = np.append(y, animals.at[berry, "ac_y"] + 1100.0)
    lon, lat = hab.to_lonlat(x, y)
    return {"x": x, "y": y, "lon": lon, "lat": lat}


def _visits(
    p: StudyParameters,
    gen: dict[str, np.random.Generator],
    animals: pd.DataFrame,
    stations: pd.DataFrame,
    places: dict[str, np.ndarray],
    start_s: int,
    n_days: int,
    den_window: tuple[int, int] | None,
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Location-level visits of every species (true UTC seconds) and their expected numbers."""
    tz = p.timezone
    offsets_h = _utc_offset_hours(pd.date_range(p.study_start, periods=n_days, freq="D"), tz)
    months = pd.date_range(p.study_start, periods=n_days, freq="D").month.to_numpy() - 1
    sp_index = {s.key: i for i, s in enumerate(p.species)}
    n_loc = len(stations)
    lat, lon = places["lat"], places["lon"]
    visits = _Visits()
    expected: dict[str, float] = {}
    for key in ("leopard", "tiger"):  # individuals with activity centres: SECR
        rng = gen[f"{key}s"]
        sp = p.species[sp_index[key]]
        ids = np.flatnonzero((animals["species"] == key).to_numpy() & ~animals["is_cub"].to_numpy())
        rates = _secr_rates(animals.iloc[ids], stations, sp.trigger_probability)
        expected[key] = float(rates.sum() * n_days)
        who, loc = _expand_counts(rng.poisson(rates * n_days))
        day = rng.integers(0, n_days, size=who.size)
        visits.add(loc, _clock_times(rng, sp, day, lat[loc], lon[loc], start_s, offsets_h), sp_index[key], ids[who], 1)
    if den_window is not None:  # Berry at her den, and the tiger that came by before
        rng = gen["leopards"]
        berry = int(np.flatnonzero(animals["individualName"].to_numpy() == "Berry")[0])
        d0 = (den_window[0] - start_s) // DAY + p.den_first_visit_day
        d1 = (den_window[1] - start_s) // DAY
        day = rng.integers(d0, d1, size=rng.poisson(p.den_visits_per_day * (d1 - d0)))
        leopard = p.species[sp_index["leopard"]]
        t = _clock_times(rng, leopard, day, lat[n_loc], lon[n_loc], start_s, offsets_h)
        visits.add(n_loc, t, sp_index["leopard"], berry, 1, den=True)
        tigers = np.flatnonzero((animals["species"] == "tiger").to_numpy())
        if tigers.size:
            distance = np.hypot(animals["ac_x"].to_numpy()[tigers] - places["x"][n_loc], animals["ac_y"].to_numpy()[tigers] - places["y"][n_loc])
            visits.add(n_loc, [_date_s(p.den_tiger_visit, tz)], sp_index["tiger"], tigers[distance.argmin()], 1, den=True)
    rng = gen["species"]
    share_leopard = p.species[sp_index["leopard"]].share
    for index, sp in enumerate(p.species):  # no individuals: location rates from habitat
        if sp.key in ("leopard", "tiger"):
            continue
        expected[sp.key] = expected["leopard"] * sp.share / share_leopard
        loc = np.repeat(np.arange(n_loc), rng.poisson(expected[sp.key] * _location_weights(sp, stations) / n_loc))
        day_weight = np.asarray(sp.monthly, dtype=float)[months]
        day = rng.choice(n_days, size=loc.size, p=day_weight / day_weight.sum())
        t = _clock_times(rng, sp, day, lat[loc], lon[loc], start_s, offsets_h)
        visits.add(loc, t, index, -1, 1 + rng.poisson(sp.group_extra, size=loc.size))
    v = visits.arrays()
    order = np.lexsort((v["t"], v["loc"], v["species"]))
    return {k: a[order] for k, a in v.items()}, expected


def _cub_table(animals: pd.DataFrame) -> dict[str, np.ndarray]:
    """Rows, mothers' rows and birth times (UTC s) of the cubs."""
    row = np.flatnonzero(animals["is_cub"].to_numpy())
    id_to_row = {k: i for i, k in enumerate(animals["individualID"])}
    mother = np.array([id_to_row[m] for m in animals["motherID"].to_numpy()[row]], dtype=np.int64)
    return {"row": row, "mother": mother, "birth": animals["birth"].to_numpy()[row].astype(np.int64)}


def _camera_events(
    p: StudyParameters,
    rng: np.random.Generator,
    v: dict[str, np.ndarray],
    dep: pd.DataFrame,
    n_loc: int,
    cubs: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Visits recorded by each camera of a location (one event per camera), with cubs photographed."""
    n_visits = v["t"].size
    cams = p.cameras_per_location
    dep_slot = dep["slot"].to_numpy()
    dep_start = dep["op_start"].to_numpy().astype(np.int64)
    dep_end = dep["op_end"].to_numpy().astype(np.int64)
    dep_lost = dep["media_lost"].to_numpy()
    dep_keys = dep_slot.astype(np.int64) * 10**10 + dep_start  # deployments are sorted by slot, start
    trigger_p = np.array([s.trigger_probability for s in p.species])
    leopard = next(i for i, s in enumerate(p.species) if s.key == "leopard")

    # cubs following their mother on each of her visits
    mother_of_visit = np.where(v["species"] == leopard, v["ind"], -1)
    pair_visit, pair_cub = [np.array([], np.int64)], [np.array([], np.int64)]
    for c, (m, b) in enumerate(zip(cubs["mother"], cubs["birth"], strict=True)):  # ~20 cubs
        rows = np.flatnonzero(mother_of_visit == m)
        age = v["t"][rows] - b
        follow = (age >= p.cub_den_days * DAY) & (age <= p.cub_independence_days * DAY)
        pair_visit.append(rows[follow])
        pair_cub.append(np.full(int(follow.sum()), c))
    pair_visit, pair_cub = np.concatenate(pair_visit), np.concatenate(pair_cub)
    present = rng.random(pair_visit.size) < np.where(v["den"][pair_visit], 0.95, p.cub_with_mother_probability)
    pair_visit, pair_cub = pair_visit[present], pair_cub[present]

    parts: list[dict[str, np.ndarray]] = []
    cub_seen = np.zeros(cubs["row"].size, dtype=bool)
    for side in range(cams):
        slot = np.where(v["loc"] < n_loc, v["loc"] * cams + side, n_loc * cams + side)
        di = np.searchsorted(dep_keys, slot.astype(np.int64) * 10**10 + v["t"], side="right") - 1
        dic = np.clip(di, 0, None)
        ok = (di >= 0) & (dep_slot[dic] == slot) & (v["t"] >= dep_start[dic]) & (v["t"] <= dep_end[dic])
        ok &= ~dep_lost[dic]
        hit = ok & (rng.random(n_visits) < np.where(v["den"], 0.95, trigger_p[v["species"]]))
        if side == 0:
            shift = np.zeros(n_visits, dtype=np.int64)
        else:
            shift = rng.integers(-int(p.pair_offset_s), int(p.pair_offset_s) + 1, size=n_visits)
        cub_p = np.where(v["den"][pair_visit], p.den_cub_detection, p.cub_detection_factor)
        cub_hit = hit[pair_visit] & (rng.random(pair_visit.size) < cub_p)
        cub_seen[pair_cub[cub_hit]] = True
        n_cubs = np.bincount(pair_visit[cub_hit], minlength=n_visits)
        cub_example = np.full(n_visits, -1)
        cub_example[pair_visit[cub_hit]] = pair_cub[cub_hit]
        rows = np.flatnonzero(hit)
        parts.append(
            {
                "visit": rows,
                "dep": di[rows],
                "t": v["t"][rows] + shift[rows],
                "species": v["species"][rows],
                "ind": v["ind"][rows],
                "count": v["group"][rows],
                "cubs": n_cubs[rows],
                "cub": cub_example[rows],
                "den": v["den"][rows],
            }
        )
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}, cub_seen


def _identify(p: StudyParameters, rng: np.random.Generator, ev: dict[str, np.ndarray], leopard: int) -> dict[str, np.ndarray]:
    """People's identifications: ``recorded`` individual (-1 none), ``misid``, ``unmatched``, ``unknown``."""
    n = ev["t"].size
    adult_leopard = (ev["species"] == leopard) & (ev["ind"] >= 0)
    u = rng.random(n)
    misid = adult_leopard & (u < p.misidentified_share)
    unmatched = adult_leopard & (u >= p.misidentified_share) & (u < p.misidentified_share + p.unmatched_share)
    # confusion is with another photographed adult leopard, uniformly (draw among n - 1, skip the true one)
    candidates = np.unique(ev["ind"][adult_leopard])
    pick = rng.integers(0, max(candidates.size - 1, 1), size=n)
    pick = pick + (pick >= np.searchsorted(candidates, ev["ind"]))
    wrong = candidates[np.minimum(pick, candidates.size - 1)] if candidates.size else ev["ind"]
    misid &= wrong != ev["ind"]
    recorded = np.where(misid, wrong, np.where(unmatched, -1, ev["ind"]))
    animal_species = [i for i, s in enumerate(p.species) if s.observation_type == "animal"]
    unknown = (ev["ind"] < 0) & (rng.random(n) < p.unknown_share) & np.isin(ev["species"], animal_species)
    return {"recorded": recorded, "misid": misid, "unmatched": unmatched, "unknown": unknown}


def _blank_triggers(p: StudyParameters, rng: np.random.Generator, dep: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Vegetation triggers: Poisson per deployment, thinned by the monthly weights."""
    start = dep["op_start"].to_numpy().astype(np.int64)
    end = dep["op_end"].to_numpy().astype(np.int64)
    lost = dep["media_lost"].to_numpy()
    monthly = np.asarray(p.blank_monthly, dtype=float)
    factor = np.where(dep["fault"].to_numpy() == "card_full", p.card_full_blank_factor, 1.0) * ~lost
    n = rng.poisson(p.blank_triggers_per_day * monthly.max() * factor * np.maximum(end - start, 0) / DAY)
    which = np.repeat(np.arange(len(dep)), n)
    t = start[which] + np.rint(rng.random(which.size) * (end - start)[which]).astype(np.int64)
    month = pd.DatetimeIndex(pd.to_datetime(t, unit="s", utc=True)).tz_convert(p.timezone).month.to_numpy() - 1
    keep = rng.random(which.size) < monthly[month] / monthly.max()
    return which[keep], t[keep]


def _setup_triggers(rng: np.random.Generator, dep: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The field team walks in front of the camera after setting it and before retrieving it."""
    lost = dep["media_lost"].to_numpy()
    end = dep["end"].to_numpy().astype(np.int64)
    working = (dep["op_end"].to_numpy() == end) & (end == dep["retrieval_end"].to_numpy())
    retrieval = ~lost & working & ~dep["fault"].isin(["stolen", "broken"]).to_numpy()
    start = dep["op_start"].to_numpy().astype(np.int64)
    which = np.concatenate([np.flatnonzero(~lost), np.flatnonzero(retrieval)])
    t = np.concatenate(
        [start[~lost] + rng.integers(20, 90, size=int((~lost).sum())), end[retrieval] - rng.integers(60, 240, size=int(retrieval.sum()))]
    )
    return which, t


def _images(
    p: StudyParameters,
    rng: np.random.Generator,
    dep: pd.DataFrame,
    kind: np.ndarray,
    e_dep: np.ndarray,
    e_t: np.ndarray,
    e_species: np.ndarray,
) -> dict[str, np.ndarray]:
    """Triggers per event (1 + Poisson), a burst of images per trigger, 1 s apart (true times)."""
    n_events = kind.size
    extra = np.array([s.trigger_extra for s in p.species])
    n_trig = np.ones(n_events, dtype=np.int64)
    animal = kind == 0
    n_trig[animal] += rng.poisson(extra[e_species[animal]])
    burst = dep["burst"].to_numpy()[e_dep]
    tr_event = np.repeat(np.arange(n_events), n_trig)
    tr_j = _within(tr_event, n_trig)
    gap = np.where(tr_j > 0, burst[tr_event] + 2 + rng.exponential(p.event_gap_s, size=tr_event.size), 0.0)
    cum = np.cumsum(gap)
    offset = cum - np.repeat(cum[np.cumsum(n_trig) - n_trig], n_trig)
    tr_t = e_t[tr_event] + np.rint(offset).astype(np.int64)
    im_trig = np.repeat(np.arange(tr_event.size), burst[tr_event])
    event = tr_event[im_trig]
    k = _within(im_trig, burst[tr_event])
    t = tr_t[im_trig] + k
    last = (tr_j[im_trig] == n_trig[event] - 1) & (k == burst[event] - 1)
    keep = t <= dep["op_end"].to_numpy().astype(np.int64)[e_dep[event]]  # nothing after the camera stops
    return {"event": event[keep], "t": t[keep], "last": last[keep], "dep": e_dep[event[keep]]}


def _camera_clock(dep: pd.DataFrame, which: np.ndarray, t: np.ndarray, timezone: str) -> np.ndarray:
    """The times the cameras wrote: true times through each deployment's clock fault (UTC s)."""
    reset = dep["clock_reset"].to_numpy()[which]
    ref = dep["clock_ref"].to_numpy().astype(np.int64)[which]
    offset = dep["clock_offset_s"].to_numpy().astype(np.int64)[which]
    drift = dep["clock_drift"].to_numpy()[which]
    reset_epoch = int(pd.Timestamp("2000-01-01", tz=timezone).tz_convert("UTC").timestamp())
    return np.where(reset, reset_epoch + (t - ref), t + offset + np.rint(drift * (t - ref)).astype(np.int64))


_COMMENTS = {
    "stolen": "Camera stolen; memory card lost. End estimated from the partner camera.",
    "broken": "Camera found damaged; end is the time of its last image.",
    "dead_battery": "Batteries found dead at retrieval.",
    "card_full": "Memory card found full at retrieval (vegetation triggers).",
    "knocked_over": "Camera knocked over; end is the last image with the normal view.",
    "resumed": "Camera re-set by a ranger patrol after it had been knocked over.",
}
_MACHINE = "nbtools simulated classifier (MegaDetector-like detector + species model)"
_HUMAN = "LLNP photo-identification team (simulated)"


def _build_tables(
    p: StudyParameters,
    stations: pd.DataFrame,
    dep: pd.DataFrame,
    animals: pd.DataFrame,
    cub_rows: np.ndarray,
    cub_seen: np.ndarray,
    places: dict[str, np.ndarray],
    events: dict[str, np.ndarray],
    ev: dict[str, np.ndarray],
    ident: dict[str, np.ndarray],
    images: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Camtrap DP deployments, media, observations and individuals tables, and the event IDs.

    ``events`` describes all events (animal camera events first, then vegetation blanks,
    then setup images) by ``kind`` (0, 1, 2), ``dep`` and ``species``; ``ev`` the animal
    events; ``images`` the images kept (``event``, ``dep``, ``t``, ``recorded``, ``last``).
    """
    kind, e_dep, e_species = events["kind"], events["dep"], events["species"]
    recorded_ind, unknown = ident["recorded"], ident["unknown"]
    n_animal_events = ev["t"].size
    im_event, im_dep, im_t, recorded, im_last = (images[k] for k in ("event", "dep", "t", "recorded", "last"))
    loc_lon, loc_lat = places["lon"], places["lat"]
    species = p.species
    names = np.array([s.scientific_name or None for s in species], dtype=object)
    obs_type = np.array([s.observation_type for s in species], dtype=object)
    n_events = kind.size
    n_dep = len(dep)

    # --- deployments
    loc = dep["loc"].to_numpy()
    fault = dep["fault"].to_numpy()
    n_loc = len(stations)
    is_den = loc >= n_loc
    comments = np.array([_COMMENTS.get(f) for f in fault], dtype=object)
    resumed_ids = set(dep.loc[fault == "resumed", "deploymentID"])
    for i in np.flatnonzero(fault == "knocked_over"):
        if f"{dep.at[i, 'deploymentID']}b" in resumed_ids:
            comments[i] += f" Re-set by a patrol: see {dep.at[i, 'deploymentID']}b."
    reset = dep["clock_reset"].to_numpy()
    for i in np.flatnonzero(reset):
        note = "Date and time found reset to 2000-01-01 at retrieval."
        comments[i] = note if comments[i] is None else f"{comments[i]} {note}"
    comments[is_den] = "Den camera at a rock grotto used by a leopard family."
    tags = np.array(
        [" | ".join(t for t in (f"fault:{f}" if f and f != "resumed" else "", "clock:reset" if r else "") if t) or None
         for f, r in zip(fault, reset, strict=True)],
        dtype=object,
    )  # fmt: skip
    route_team = 1 + (np.minimum(loc, n_loc - 1) // p.locations_per_field_day) % 2
    deployments = pd.DataFrame(
        {
            "deploymentID": dep["deploymentID"].to_numpy(dtype=object),
            "locationID": dep["locationID"].to_numpy(dtype=object),
            "locationName": np.where(is_den, "Berry's den (grotto)", None).astype(object),
            "latitude": loc_lat[loc].round(5),
            "longitude": loc_lon[loc].round(5),
            "coordinateUncertainty": pd.array(np.full(n_dep, 10), dtype="Int64"),
            "deploymentStart": _to_timestamps(dep["start"].to_numpy()),
            "deploymentEnd": _to_timestamps(dep["end"].to_numpy()),
            "setupBy": np.where(is_den, "LLNP den team", np.char.mod("LLNP field team %d", route_team)).astype(object),
            "cameraID": dep["cameraID"].to_numpy(dtype=object),
            "cameraModel": p.camera_model,
            "cameraDelay": pd.array(np.zeros(n_dep, dtype=int), dtype="Int64"),
            "cameraHeight": dep["cameraHeight"].to_numpy(),
            "cameraTilt": pd.array(np.zeros(n_dep, dtype=int), dtype="Int64"),
            "cameraHeading": pd.array(dep["cameraHeading"].to_numpy(), dtype="Int64"),
            "detectionDistance": np.where(is_den, 3.0, 4.0),
            "timestampIssues": reset,
            "baitUse": np.zeros(n_dep, dtype=bool),
            "featureType": np.where(is_den, None, stations["featureType"].to_numpy(dtype=object)[np.minimum(loc, n_loc - 1)]),
            "habitat": np.where(is_den, "rock grotto (leopard den) in broadleaf forest",
                                stations["habitat"].to_numpy(dtype=object)[np.minimum(loc, n_loc - 1)]),
            "deploymentGroups": np.where(is_den, "array:den", np.char.mod("array:grid | interval:%d", dep["interval"].to_numpy())).astype(object),
            "deploymentTags": tags,
            "deploymentComments": comments,
        }
    )  # fmt: skip

    # --- events that kept images, in recorded order
    has_images = np.bincount(im_event, minlength=n_events) > 0
    ev_first = np.full(n_events, np.iinfo(np.int64).max)
    ev_last = np.full(n_events, np.iinfo(np.int64).min)
    np.minimum.at(ev_first, im_event, recorded)
    np.maximum.at(ev_last, im_event, recorded)
    present = np.flatnonzero(has_images)
    order = present[np.lexsort((present, ev_first[present], e_dep[present]))]
    event_rank = np.full(n_events, -1)
    event_rank[order] = np.arange(order.size)
    event_id = np.full(n_events, None, dtype=object)
    event_id[order] = _format_ids("E", order.size, 6)

    # --- media, sorted by deployment and recorded time
    m_order = np.lexsort((im_t, event_rank[im_event], recorded, im_dep))
    im_event, im_dep, im_t, recorded, im_last = (a[m_order] for a in (im_event, im_dep, im_t, recorded, im_last))
    n_media = im_event.size
    media_id = _format_ids("M", n_media, 6)
    dep_counts = np.bincount(im_dep, minlength=n_dep)
    file_no = _within(im_dep, dep_counts[np.unique(im_dep)]) + 1 if n_media else np.array([], int)
    file_name = np.strings.add(np.strings.add("IMG_", np.strings.zfill(file_no.astype("U"), 5)), ".JPG").astype(object)
    dep_ids = deployments["deploymentID"].to_numpy(dtype=object)
    file_path = np.char.add(np.char.add("media/", dep_ids[im_dep].astype(str)), np.char.add("/", file_name.astype(str)))
    file_path = file_path.astype(object)
    animal_ev = np.arange(n_events) < n_animal_events
    with_cubs = np.zeros(n_events, dtype=bool)
    with_cubs[:n_animal_events] = ev["den"] & (ev["cubs"] > 0)
    favorite = pd.array(np.where(with_cubs[im_event], True, None), dtype="boolean")
    timestamps = _to_timestamps(recorded)
    media = pd.DataFrame(
        {
            "mediaID": media_id,
            "deploymentID": dep_ids[im_dep],
            "captureMethod": "activityDetection",
            "timestamp": timestamps,
            "filePath": file_path,
            "filePublic": np.zeros(n_media, dtype=bool),
            "fileName": file_name,
            "fileMediatype": "image/jpeg",
            "favorite": favorite,
        }
    )

    # --- media-level observations: the machine classifier
    e_count = np.ones(n_events, dtype=np.int64)
    e_count[:n_animal_events] = np.where(ev["species"] == _key_index(species, "leopard"), 1 + ev["cubs"], ev["count"])
    e_count[kind == 2] = 2
    m_kind = kind[im_event]
    m_species = e_species[im_event]
    empty = (m_kind == 0) & (
        (im_last & (rng.random(n_media) < p.last_image_empty_probability)) | (rng.random(n_media) < p.machine_miss_probability)
    )
    blank = (m_kind == 1) | empty
    label = np.where(blank, -1, m_species)
    is_animal_label = (label >= 0) & (obs_type[np.clip(label, 0, None)] == "animal")
    err = is_animal_label & (rng.random(n_media) < p.machine_error_probability)
    label[err] = _choose_in_group(rng, species, label[err])
    err &= label != m_species
    m_type = np.where(blank, "blank", obs_type[np.clip(label, 0, None)]).astype(object)
    m_name = np.where(blank, None, names[np.clip(label, 0, None)]).astype(object)
    m_type[m_kind == 2] = "human"
    m_name[m_kind == 2] = "Homo sapiens"
    m_count = np.where(blank, 0, 1 + rng.binomial(np.maximum(e_count[im_event] - 1, 0), 0.7))
    size = np.array([s.bbox_size for s in species])[np.clip(m_species, 0, None)]
    width = np.clip(size * rng.uniform(0.6, 1.4, n_media), 0.03, 0.95)
    height = np.clip(width * rng.uniform(0.7, 1.3, n_media), 0.03, 0.95)
    width, height = np.floor(width * 1e4) / 1e4, np.floor(height * 1e4) / 1e4
    bx = np.floor(rng.random(n_media) * (1.0 - width) * 1e4) / 1e4
    by = np.floor((0.15 + rng.random(n_media) * 0.85) * (1.0 - height) * 1e4) / 1e4
    prob = np.where(
        err, rng.uniform(0.35, 0.75, n_media), np.clip(rng.beta(12.0, 1.5, n_media), 0.5, 0.999)
    ).round(3)
    created_s = int(pd.Timestamp(p.created).timestamp())
    retrieval = dep["retrieval_end"].to_numpy().astype(np.int64)
    machine_ts = np.minimum(retrieval + rng.integers(2 * DAY, 14 * DAY, size=n_dep), created_s - DAY)
    human_ts = retrieval + rng.integers(15 * DAY, 80 * DAY, size=n_dep)
    m_obs = pd.DataFrame(
        {
            "deploymentID": dep_ids[im_dep],
            "mediaID": media_id,
            "eventID": event_id[im_event],
            "eventStart": timestamps,
            "eventEnd": timestamps,
            "observationLevel": "media",
            "observationType": m_type,
            "scientificName": m_name,
            "count": pd.array(np.where(blank, None, m_count), dtype="Int64"),
            "bboxX": np.where(blank, np.nan, bx),
            "bboxY": np.where(blank, np.nan, by),
            "bboxWidth": np.where(blank, np.nan, width),
            "bboxHeight": np.where(blank, np.nan, height),
            "classificationMethod": "machine",
            "classifiedBy": _MACHINE,
            "classificationTimestamp": _to_timestamps(machine_ts[im_dep]),
            "classificationProbability": np.where(blank, np.clip(rng.beta(10.0, 1.5, n_media), 0.5, 0.999).round(3), prob),
            "_event": event_rank[im_event],
            "_level": 1,
            "_sub": np.arange(n_media),
        }
    )

    # --- event-level observations: people
    ev_rows = order
    leo = _key_index(species, "leopard")
    tig = _key_index(species, "tiger")
    e_ind = np.full(n_events, -1)
    e_ind[:n_animal_events] = recorded_ind
    e_unknown = np.zeros(n_events, dtype=bool)
    e_unknown[:n_animal_events] = unknown
    e_type = obs_type[np.clip(e_species, 0, None)].copy()
    e_type[e_unknown] = "unknown"
    e_type[kind == 1] = "blank"
    e_type[kind == 2] = "human"
    e_name = names[np.clip(e_species, 0, None)].copy()
    e_name[(kind == 1) | e_unknown] = None
    e_name[kind == 2] = "Homo sapiens"
    ids = animals["individualID"].to_numpy(dtype=object)
    sexes = animals["sex"].to_numpy(dtype=object)
    cat = (kind == 0) & np.isin(e_species, [leo, tig])
    e_life = np.where(cat, "adult", None).astype(object)
    e_sex = np.where(cat & (e_ind >= 0), sexes[np.clip(e_ind, 0, None)], None).astype(object)
    e_idv = np.where(cat & (e_ind >= 0), ids[np.clip(e_ind, 0, None)], None).astype(object)
    e_cnt = np.where(kind == 1, None, np.where(cat, 1, e_count)).astype(object)
    den_ev = np.zeros(n_events, dtype=bool)
    den_ev[:n_animal_events] = ev["den"]
    e_behavior = np.where(den_ev & (e_species == leo), "at den", None).astype(object)
    rank_in_dep = event_rank - np.concatenate([[0], np.cumsum(np.bincount(e_dep[order], minlength=n_dep))])[e_dep]
    e_class_ts = np.minimum(human_ts[e_dep] + 40 * np.maximum(rank_in_dep, 0), created_s - 1)
    e_obs = pd.DataFrame(
        {
            "deploymentID": dep_ids[e_dep[ev_rows]],
            "mediaID": None,
            "eventID": event_id[ev_rows],
            "eventStart": _to_timestamps(ev_first[ev_rows]),
            "eventEnd": _to_timestamps(ev_last[ev_rows]),
            "observationLevel": "event",
            "observationType": e_type[ev_rows],
            "cameraSetupType": np.where(kind[ev_rows] == 2, "setup", None).astype(object),
            "scientificName": e_name[ev_rows],
            "count": pd.array(e_cnt[ev_rows], dtype="Int64"),
            "lifeStage": e_life[ev_rows],
            "sex": e_sex[ev_rows],
            "behavior": e_behavior[ev_rows],
            "individualID": e_idv[ev_rows],
            "classificationMethod": "human",
            "classifiedBy": _HUMAN,
            "classificationTimestamp": _to_timestamps(e_class_ts[ev_rows]),
            "_event": event_rank[ev_rows],
            "_level": 0,
            "_sub": 0,
        }
    )
    # cubs photographed with their mother: one more row per event
    cub_ev = ev_rows[(ev_rows < n_animal_events)]
    cub_ev = cub_ev[(ev["species"][cub_ev] == leo) & (ev["cubs"][cub_ev] > 0)]
    cub_birth = animals["birth"].to_numpy()[cub_rows[np.clip(ev["cub"][cub_ev], 0, None)]] if cub_rows.size else np.array([])
    cub_age = ev["t"][cub_ev] - cub_birth
    c_obs = pd.DataFrame(
        {
            "deploymentID": dep_ids[e_dep[cub_ev]],
            "mediaID": None,
            "eventID": event_id[cub_ev],
            "eventStart": _to_timestamps(ev_first[cub_ev]),
            "eventEnd": _to_timestamps(ev_last[cub_ev]),
            "observationLevel": "event",
            "observationType": "animal",
            "scientificName": names[leo],
            "count": pd.array(ev["cubs"][cub_ev], dtype="Int64"),
            "lifeStage": np.where(cub_age >= 365 * DAY, "subadult", "juvenile").astype(object),
            "behavior": "following mother",
            "classificationMethod": "human",
            "classifiedBy": _HUMAN,
            "classificationTimestamp": _to_timestamps(e_class_ts[cub_ev]),
            "_event": event_rank[cub_ev],
            "_level": 0,
            "_sub": 1,
        }
    )
    obs = pd.concat([e_obs, c_obs, m_obs], ignore_index=True)
    dep_rank = obs["deploymentID"].map(pd.Series(np.arange(n_dep), index=dep_ids)).to_numpy()
    obs = obs.iloc[np.lexsort((obs["_sub"].to_numpy(), obs["_level"].to_numpy(), obs["_event"].to_numpy(), dep_rank))]
    obs = obs.drop(columns=["_event", "_level", "_sub"]).reset_index(drop=True)
    obs.insert(0, "observationID", _format_ids("O", len(obs), 7))
    for column in ("cameraSetupType", "lifeStage", "sex", "behavior", "individualID", "mediaID"):
        obs[column] = obs[column].astype(object).where(obs[column].notna(), None)

    # --- individuals known to the project: identified in a photograph, or named (known from
    # earlier years, like Kedrovka of "Spotted Family", 2014)
    named = np.flatnonzero(animals["individualName"].to_numpy() != "")
    seen = np.union1d(np.unique(e_ind[(kind == 0) & has_images & (e_ind >= 0)]), named)
    known = set(ids[seen])
    cub_known = [i for c, i in enumerate(cub_rows) if cub_seen[c] and animals.at[i, "motherID"] in known]
    rows = np.concatenate([seen, np.array(cub_known, dtype=np.int64)])
    table = animals.iloc[rows]
    birth_year = pd.to_datetime(table["birth"].to_numpy(), unit="s", utc=True).tz_convert(p.timezone).year
    individuals = pd.DataFrame(
        {
            "individualID": table["individualID"].to_numpy(dtype=object),
            "scientificName": names[np.where(table["species"].to_numpy() == "tiger", tig, leo)],
            "individualName": table["individualName"].to_numpy(dtype=object),
            "sex": np.where(table["is_cub"].to_numpy(), None, table["sex"].to_numpy(dtype=object)).astype(object),
            "lifeStage": table["lifeStage"].to_numpy(dtype=object),
            "birthYear": pd.array(np.asarray(birth_year), dtype="Int64"),
            "motherID": table["motherID"].to_numpy(dtype=object),
        }
    )
    key = individuals["individualID"].str.extract(r"^(\w+) (\d+)[FM](?:-c(\d))?$")
    key = pd.DataFrame({"a": key[0], "b": key[1].astype(int), "c": key[2].fillna("0").astype(int)})
    individuals = individuals.iloc[key.sort_values(["a", "b", "c"], kind="stable").index].reset_index(drop=True)
    for column in ("individualName", "sex", "motherID"):
        values = individuals[column].astype(object)
        individuals[column] = values.where(values.notna() & (values != ""), None)
    return deployments, media, obs, individuals, event_id


def _key_index(species: tuple[Species, ...], key: str) -> int:
    return next(i for i, s in enumerate(species) if s.key == key)


# ----------------------------------------------------------------------------------------
# Metadata and truth
# ----------------------------------------------------------------------------------------


def _metadata(p: StudyParameters, seed: int, deployments: pd.DataFrame, observations: pd.DataFrame) -> dict[str, Any]:
    """The Camtrap DP descriptor (without ``resources`` and ``profile``)."""
    import uuid

    tz = p.timezone
    lat, lon = deployments["latitude"], deployments["longitude"]
    west, east = np.floor(lon.min() * 1000) / 1000, np.ceil(lon.max() * 1000) / 1000
    south, north = np.floor(lat.min() * 1000) / 1000, np.ceil(lat.max() * 1000) / 1000
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    first = deployments["deploymentStart"].min().tz_convert(tz).date().isoformat()
    last = deployments["deploymentEnd"].max().tz_convert(tz).date().isoformat()
    present = set(observations["scientificName"].dropna().unique())
    taxonomic = [
        {
            "scientificName": s.scientific_name,
            "taxonRank": s.taxon_rank,
            "vernacularNames": {"eng": s.vernacular[0], "rus": s.vernacular[1]},
        }
        for s in p.species
        if s.scientific_name and s.scientific_name in present
    ]
    years = f"{p.study_start[:4]}-{p.study_end[:4]}"
    title = f"Simulated camera-trap survey of Land of the Leopard National Park, {years} (seed {seed})"
    home = "https://github.com/leopard-nbtools/leopard-nbtools"
    return {
        "name": f"llnp-simulated-{years}-seed-{seed}",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{home}/simulate/{seed}")),
        "created": p.created,
        "title": title,
        "contributors": [
            {"title": "leopard-nbtools contributors", "path": home, "role": "publisher"},
            {"title": "leopard-nbtools contributors", "path": home, "role": "rightsHolder"},
            {"title": "nbtools.simulate (simulated field team and classifiers)", "role": "contributor"},
        ],
        "description": (
            "SIMULATED data, not field records. A year of paired camera traps on a jittered "
            f"{p.station_spacing_m / 1000:g} km grid in a schematic Land of the Leopard National Park "
            "(Primorsky Krai, Russia), written by nbtools.simulate with known truth (truth.json beside "
            "this file): leopards and tigers with activity centres and individual IDs, prey and people, "
            "camera faults and clock errors. Media files do not exist; filePath is a placeholder."
        ),
        "version": "1.0",
        "keywords": ["camera traps", "Amur leopard", "Panthera pardus orientalis", "Amur tiger",
                     "spatial capture-recapture", "simulated data", "Land of the Leopard"],  # fmt: skip
        "homepage": home,
        "licenses": [
            {"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/", "scope": "data"},
            {"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/", "scope": "media"},
        ],
        "bibliographicCitation": f"leopard-nbtools contributors. {title}. Simulated dataset. {home}",
        "project": {
            "id": "llnp-camera-trap-simulation",
            "title": "Land of the Leopard camera-trap monitoring (simulated)",
            "acronym": "LLNP-SIM",
            "description": (
                "Park-wide photo-monitoring of Amur leopards and tigers with paired cameras, as run in "
                "Land of the Leopard National Park since 2013-2014; here simulated for teaching and for "
                "checking estimators against a known truth."
            ),
            "samplingDesign": "systematicRandom",
            "captureMethod": ["activityDetection"],
            "individualAnimals": True,
            "observationLevel": ["media", "event"],
        },
        "coordinatePrecision": 0.00001,
        "spatial": {"type": "Polygon", "coordinates": [ring]},
        "temporal": {"start": first, "end": last},
        "taxonomic": taxonomic,
    }


def _truth(
    p, seed, habitat, stations, dep, faults, animals, area_km2, expected, v, ev, ident, event_ids,
    cub_rows, cub_seen, media, observations, im_event, kind, den_places,
):  # fmt: skip
    """Everything the simulation knows, as JSON-ready values."""
    tz = p.timezone
    misid, unmatched, recorded_ind = ident["misid"], ident["unmatched"], ident["recorded"]
    ac_lon, ac_lat = hab.to_lonlat(animals["ac_x"].to_numpy(), animals["ac_y"].to_numpy())
    n_loc = len(stations)
    n_animal = ev["t"].size
    present = np.array([e is not None for e in event_ids[:n_animal]], dtype=bool)
    keys = [s.key for s in p.species]
    images_per_event = np.bincount(im_event, minlength=kind.size)

    # per individual
    n_ind = len(animals)
    visits_per = np.bincount(v["ind"][v["ind"] >= 0], minlength=n_ind)
    events_per = np.bincount(ev["ind"][present & (ev["ind"] >= 0)], minlength=n_ind)
    cub_events = np.zeros(n_ind, dtype=int)
    cub_events[cub_rows] = cub_seen.astype(int)
    birth = pd.to_datetime(animals["birth"].to_numpy(), unit="s", utc=True).tz_convert(tz)
    individuals = []
    for i, row in enumerate(animals.itertuples(index=False)):  # ~130 animals
        individuals.append(
            {
                "individualID": row.individualID,
                "species": row.species,
                "sex": row.sex,
                "lifeStage": row.lifeStage,
                "birthDate": birth[i].date().isoformat(),
                "motherID": row.motherID or None,
                "name": row.individualName or None,
                "ac_x": round(float(row.ac_x), 1),
                "ac_y": round(float(row.ac_y), 1),
                "ac_longitude": round(float(ac_lon[i]), 5),
                "ac_latitude": round(float(ac_lat[i]), 5),
                "ac_in_park": bool(row.ac_in_park),
                "sigma_m": float(row.sigma_m),
                "lambda0_per_camera_day": round(float(row.lambda0), 6),
                "breeding": bool(row.breeding),
                "cub": bool(row.is_cub),
                "visits": int(visits_per[i]),
                "camera_events": int(events_per[i]) if not row.is_cub else None,
                "photographed": bool(events_per[i] > 0) if not row.is_cub else bool(cub_events[i]),
            }
        )

    def by_sex(mask: np.ndarray) -> dict[str, int]:
        sex = animals["sex"].to_numpy()
        return {"female": int((mask & (sex == "female")).sum()), "male": int((mask & (sex == "male")).sum())}

    is_leo = (animals["species"] == "leopard").to_numpy()
    is_tig = (animals["species"] == "tiger").to_numpy()
    adult = ~animals["is_cub"].to_numpy()
    in_park = animals["ac_in_park"].to_numpy()
    detected = events_per > 0
    realised_species = {}
    animal_media = np.bincount(ev["species"], weights=images_per_event[:n_animal], minlength=len(keys))
    for index, key in enumerate(keys):
        realised_species[key] = {
            "expected_visits": round(float(expected.get(key, np.nan)), 1),
            "visits": int((v["species"] == index).sum()),
            "camera_events": int((present & (ev["species"] == index)).sum()),
            "media": int(animal_media[index]),
        }
    total_visits = sum(r["visits"] for r in realised_species.values())
    for r in realised_species.values():
        r["share_of_visits"] = round(r["visits"] / total_visits, 4) if total_visits else None

    leo_adults = is_leo & adult
    realised = {
        "locations": int(n_loc),
        "deployments": int(len(dep)),
        "cameras": int(dep["cameraID"].nunique()),
        "media": int(len(media)),
        "observations": int(len(observations)),
        "vegetation_blank_events": int((kind == 1).sum()),
        "setup_events": int((kind == 2).sum()),
        "leopard": {
            "adults": int(leo_adults.sum()),
            "adults_by_sex": by_sex(leo_adults),
            "adults_with_centre_in_park": by_sex(leo_adults & in_park),
            "adults_photographed": by_sex(leo_adults & detected),
            "breeding_females": int(animals["breeding"].sum()),
            "cubs": int((is_leo & ~adult).sum()),
            "cubs_photographed": int(cub_seen.sum()),
            "density_per_100km2_state_space": round(100.0 * leo_adults.sum() / area_km2, 3),
        },
        "tiger": {
            "adults": int(is_tig.sum()),
            "adults_by_sex": by_sex(is_tig),
            "adults_with_centre_in_park": by_sex(is_tig & in_park),
            "adults_photographed": by_sex(is_tig & detected),
        },
        "species": realised_species,
        "faults": {kind_: sum(f["fault"] == kind_ for f in faults) for kind_ in sorted({f["fault"] for f in faults})},
    }

    ids = animals["individualID"].to_numpy(dtype=object)
    misidentified = [
        {"eventID": event_ids[i], "individualID": ids[recorded_ind[i]], "true_individualID": ids[ev["ind"][i]]}
        for i in np.flatnonzero(misid & present)
    ]
    unmatched_list = [
        {"eventID": event_ids[i], "true_individualID": ids[ev["ind"][i]]} for i in np.flatnonzero(unmatched & present)
    ]
    deployments = {
        "deploymentID": dep["deploymentID"].tolist(),
        "cameraID": dep["cameraID"].tolist(),
        "recording_start": _iso(dep["op_start"].to_numpy(), tz),
        "recording_end": _iso(dep["op_end"].to_numpy(), tz),
        "media_lost": dep["media_lost"].astype(bool).tolist(),
        "burst_size": dep["burst"].astype(int).tolist(),
    }
    truth = {
        "description": (
            "Known truth of a study simulated by nbtools.simulate. Times are true times (local, with offset); "
            "the package holds the times the cameras recorded, which differ where a clock was faulty."
        ),
        "seed": int(seed),
        "crs": "EPSG:32652",
        "timezone": tz,
        "parameters": p.to_dict(),
        "habitat": {
            "park_area_km2": round(hab.park_boundary().area / 1e6, 1),
            "state_space_area_km2": round(area_km2, 1),
            "state_space_buffer_m": p.state_space_buffer_m,
            "feeding_stations": [
                {"x": float(x), "y": float(y)}
                for x, y in zip(habitat.attrs["feeding_station_x"], habitat.attrs["feeding_station_y"], strict=True)
            ],
        },
        "stations": stations[["locationID", "x", "y", "longitude", "latitude", "featureType"]].to_dict(orient="records"),
        "realised": realised,
        "individuals": individuals,
        "faults": faults,
        "deployments": deployments,
        "identification": {"misidentified": misidentified, "unmatched": unmatched_list},
    }
    if den_places is not None:
        truth["den"] = {
            "locationID": "DEN1",
            "deploymentID": "DEN1-A-1",
            "x": round(float(den_places["x"][n_loc]), 1),
            "y": round(float(den_places["y"][n_loc]), 1),
            "mother": str(animals.loc[animals["individualName"] == "Berry", "individualID"].iloc[0]),
            "den_visits": int(v["den"].sum()),
        }
    return _jsonable(truth)


# ----------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------


def simulate_study(
    out_dir: str | Path,
    seed: int = 20161101,
    *,
    parameters: StudyParameters | None = None,
    progress: bool = True,
    **overrides: Any,
) -> SimulationResult:
    """Simulate the default study and write its files to ``out_dir``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Folder for the files (created; files of the same names are replaced).
    seed : int, default 20161101
        The same seed (and the same library versions) gives byte-identical files.
    parameters : StudyParameters, optional
        Base parameters; default :class:`StudyParameters`.
    progress : bool, default True
        Show a tqdm progress bar (``tqdm.auto``).
    **overrides
        Fields of :class:`StudyParameters` to change, e.g. ``station_spacing_m=7000`` or
        ``study_end="2017-01-31"`` for a small, fast study.

    Returns
    -------
    SimulationResult
        ``paths`` of ``datapackage.json``, ``deployments.csv.gz``, ``media.csv.gz``,
        ``observations.csv.gz``, ``individuals.csv.gz``, ``habitat.nc``,
        ``boundary.geojson``, ``truth.json`` and ``SHA256SUMS`` (their checksums, checked
        whenever the files are read), and the ``truth`` itself.

    Notes
    -----
    The Camtrap DP package is written with :func:`nbtools.camtrapdp.write_camtrapdp`
    (timestamps with +10:00 offsets, gzipped CSV); the habitat with
    :func:`nbtools.habitat.write_habitat`. See the module docstring for the model.
    """
    from tqdm.auto import tqdm

    from .camtrapdp import CamtrapDP, write_camtrapdp
    from .checksums import write_checksums

    started = time.perf_counter()
    p = _parameters(parameters, overrides)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tqdm(total=11, desc="simulate", unit="step", disable=not progress, leave=False) as bar:
        study = _simulate(p, seed, bar)
        package = CamtrapDP(
            deployments=study.deployments,
            media=study.media,
            observations=study.observations,
            metadata=study.metadata,
            resources={"individuals": study.individuals},
        )
        datapackage = Path(write_camtrapdp(package, out, timezone=p.timezone, compress=True))
        bar.set_postfix_str("package")
        bar.update()
        habitat_path = hab.write_habitat(study.habitat, out / "habitat.nc")
        boundary_path = hab.write_boundary(out / "boundary.geojson")
        bar.set_postfix_str("habitat")
        bar.update()
        truth_path = out / "truth.json"
        truth_path.write_text(json.dumps(study.truth, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
        bar.set_postfix_str("truth")
        bar.update()
    paths = {"datapackage": datapackage}
    for name in ("deployments", "media", "observations", "individuals"):
        paths[name] = out / f"{name}.csv.gz"
    paths.update({"habitat": habitat_path, "boundary": boundary_path, "truth": truth_path})
    paths["checksums"] = write_checksums(out, sorted(path.relative_to(out).as_posix() for path in paths.values()))
    return SimulationResult(out_dir=out, paths=paths, truth=study.truth, elapsed_s=time.perf_counter() - started)


def leopard_season_use(truth: dict[str, Any], stations: pd.DataFrame) -> np.ndarray:
    """P(at least one adult leopard visits each station during the season), from a simulated study's truth.

    The simulator's adult leopard k visits station i as a Poisson process of rate
    ``lambda0_k / trigger_probability * exp(-d_ik^2 / 2 sigma_k^2)`` per day over the season
    (``_secr_rates``, ``_visits``; cubs only follow their mothers), so the probability that
    station i is used at least once is ``1 - exp(-n_days * sum_k rate_ik)``: the "true share of occupied
    stations" that occupancy estimates are checked against.

    Parameters
    ----------
    truth : dict
        ``truth.json`` of a simulated study (``parameters``, ``individuals``).
    stations : pandas.DataFrame
        Stations with ``x`` and ``y`` (m, the study's CRS).

    Returns
    -------
    numpy.ndarray
        One probability per station row.
    """
    params = truth["parameters"]
    n_days = (pd.Timestamp(params["study_end"]) - pd.Timestamp(params["study_start"])).days + 1
    trigger = next(sp["trigger_probability"] for sp in params["species"] if sp["key"] == "leopard")
    ind = pd.DataFrame(truth["individuals"])
    adults = ind[(ind["species"] == "leopard") & ~ind["cub"].astype(bool)]
    d2 = (stations["x"].to_numpy()[:, None] - adults["ac_x"].to_numpy()[None, :]) ** 2 + (
        stations["y"].to_numpy()[:, None] - adults["ac_y"].to_numpy()[None, :]
    ) ** 2
    sigma = adults["sigma_m"].to_numpy()[None, :]
    rate = (adults["lambda0_per_camera_day"].to_numpy()[None, :] / trigger * np.exp(-d2 / (2 * sigma**2))).sum(axis=1)
    return -np.expm1(-n_days * rate)
