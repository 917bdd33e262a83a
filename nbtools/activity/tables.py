"""Activity from a study: event times (clock and sun), times by species, density curves, shares, overlap tables."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm
from tqdm.auto import tqdm

from nbtools._deprecate import renamed_parameters

from .._time import datetime_index
from ..sun import double_anchor, sunrise_sunset
from .bootstrap import bootstrap_ci, bootstrap_overlap
from .inputs import TWO_PI, _as_radians, _as_rng
from .kernels import circular_density
from .overlap import overlap_estimates
from .times import time_of_day

__all__ = [
    "clock_density",
    "daytime_share",
    "density_curves",
    "event_times",
    "overlap_table",
    "study_event_times",
    "tabulate_densities",
    "times_by_species",
]


# ---------------------------------------------------------------------------------------------------------
# event times
# ---------------------------------------------------------------------------------------------------------


def _station_coordinates(events: pd.DataFrame, deployments: pd.DataFrame) -> tuple[NDArray, NDArray]:
    """Latitude and longitude of every event: its deployment's, else its location's (mean of deployments)."""
    for col in ("latitude", "longitude"):
        if col not in deployments.columns:
            raise ValueError(f"deployments have no {col!r} column (decimal degrees are needed for sun time)")
    if "deploymentID" in events.columns and "deploymentID" in deployments.columns:
        key, table = (
            "deploymentID",
            deployments.drop_duplicates("deploymentID").set_index("deploymentID"),
        )
    elif "locationID" in events.columns and "locationID" in deployments.columns:
        key, table = (
            "locationID",
            deployments.groupby("locationID", observed=True)[["latitude", "longitude"]].mean(),
        )
    else:
        raise ValueError("events need a 'deploymentID' or 'locationID' column that deployments also have")
    ids = events[key].astype(object)
    coords = table[["latitude", "longitude"]].astype(float).reindex(pd.Index(ids, dtype=object))
    missing = coords["latitude"].isna().to_numpy() | coords["longitude"].isna().to_numpy()
    if missing.any():
        bad = sorted({str(v) for v in ids[missing]})
        raise ValueError(f"{int(missing.sum())} event(s) have no coordinates: {key} {bad[:10]} not in deployments")
    return coords["latitude"].to_numpy(), coords["longitude"].to_numpy()


@renamed_parameters(tz="timezone")
def event_times(
    events: pd.DataFrame,
    deployments: pd.DataFrame,
    timezone: str | object,
    *,
    time_column: str = "eventStart",
    within_deployment: bool = True,
) -> pd.DataFrame:
    """Clock time and sun time of detection events, with each station's own sunrise and sunset.

    Parameters
    ----------
    events : pandas.DataFrame
        Independent events (:func:`nbtools.events.independent_events`) or records, with timezone-aware
        ``eventStart`` (see ``time_column``) and ``deploymentID`` (or ``locationID``).
    deployments : pandas.DataFrame
        Camtrap DP deployments with ``latitude``, ``longitude`` (decimal degrees) and, for
        ``within_deployment``, ``deploymentStart`` and ``deploymentEnd``.
    timezone : str or tzinfo
        The study's time zone (``Study.timezone``), in which clock times are taken.
    time_column : str, default "eventStart"
        Column of timezone-aware times.
    within_deployment : bool, default True
        Drop (with a warning) events whose time lies outside their deployment's start and end: their camera
        clock was wrong (reset to a default date, set to another zone), so their time of day is wrong too.
        Needs ``deploymentID``.

    Returns
    -------
    pandas.DataFrame
        The kept events with added columns ``latitude``, ``longitude`` (degrees; the event's deployment,
        or the mean of its location's deployments), ``time_rad`` (clock time of day, radians in [0, 2*pi)),
        ``sun_rad`` (sun time: sunrise pi/2, sunset 3*pi/2), and ``sunrise_rad``, ``sunset_rad`` (local clock
        times of that day's sunrise and sunset at that station, radians). The index is kept.

    Notes
    -----
    Clock time is :func:`time_of_day` in ``timezone``; sun time is :func:`sun_time` (double anchoring, as
    ``overlap::sunTime``) with the NOAA sunrise and sunset of the event's local date at its own station,
    so a study spanning seasons or a wide area lines up on the sun.

    Examples
    --------
    >>> import pandas as pd
    >>> deps = pd.DataFrame({"deploymentID": ["d1"], "latitude": [43.1], "longitude": [131.5],
    ...     "deploymentStart": pd.to_datetime(["2017-06-01"], utc=True),
    ...     "deploymentEnd": pd.to_datetime(["2017-07-01"], utc=True)})
    >>> ev = pd.DataFrame({"deploymentID": ["d1", "d1"],
    ...     "eventStart": pd.to_datetime(["2017-06-21 12:00", "2017-06-21 22:00"]).tz_localize("Asia/Vladivostok")})
    >>> t = event_times(ev, deps, "Asia/Vladivostok")
    >>> # hours; at 131.5 E in UTC+10 the sun rises at 5:35 and sets at 20:57 on 21 June
    >>> (t[["time_rad", "sun_rad"]] * 24 / (2 * 3.141592653589793)).round(2).values.tolist()
    [[12.0, 11.01], [22.0, 19.46]]
    """
    return _event_times(
        events, deployments, timezone, time_column, within_deployment, stacklevel=4
    )  # the user's line, past the wrapper of renamed_parameters


def _event_times(
    events: pd.DataFrame,
    deployments: pd.DataFrame,
    timezone: str | object,
    time_column: str,
    within_deployment: bool,
    stacklevel: int,
) -> pd.DataFrame:
    if time_column not in events.columns:
        raise ValueError(f"events have no {time_column!r} column")
    table = events
    if within_deployment:
        for col in ("deploymentStart", "deploymentEnd", "deploymentID"):
            if col not in deployments.columns:
                raise ValueError(f"deployments have no {col!r} column (needed for within_deployment=True)")
        if "deploymentID" not in events.columns:
            raise ValueError("within_deployment=True needs the events' deploymentID (or pass within_deployment=False)")
        window = deployments.drop_duplicates("deploymentID").set_index("deploymentID")[
            ["deploymentStart", "deploymentEnd"]
        ]
        window = window.reindex(pd.Index(events["deploymentID"].astype(object), dtype=object))
        t = datetime_index(events[time_column], time_column)
        start = pd.DatetimeIndex(window["deploymentStart"])
        end = pd.DatetimeIndex(window["deploymentEnd"])
        inside = np.asarray((t >= start) & (t <= end))
        if not inside.all():
            bad = events.loc[~inside, "deploymentID"].astype(str).value_counts()
            warnings.warn(
                f"{int((~inside).sum())} event(s) lie outside their deployment (wrong camera clock?) and were "
                f"dropped; deployments: {', '.join(f'{d} ({n})' for d, n in bad.head(8).items())}"
                + (" ..." if len(bad) > 8 else ""),
                stacklevel=stacklevel,
            )
            table = events.loc[inside]
    out = table.copy()
    lat, lon = _station_coordinates(out, deployments)
    stamps = datetime_index(out[time_column], time_column)
    if stamps.tz is None:
        raise ValueError(f"{time_column} is timezone-naive; localise it first (e.g. .dt.tz_localize('UTC'))")
    clock = np.asarray(time_of_day(stamps, timezone), dtype=float)
    if len(out):
        sr = sunrise_sunset(stamps, lat, lon, timezone)
        rise, sset = sr["sunrise"].to_numpy(), sr["sunset"].to_numpy()
    else:
        rise = sset = np.empty(0)
    out["latitude"] = lat
    out["longitude"] = lon
    out["time_rad"] = clock
    out["sun_rad"] = double_anchor(clock, rise, sset)
    out["sunrise_rad"] = rise
    out["sunset_rad"] = sset
    return out


def study_event_times(
    study: object,
    species: str | list[str] | None = None,
    threshold: object = "30min",
    *,
    within_deployment: bool = True,
    **event_options: object,
) -> pd.DataFrame:
    """Clock and sun times of the independent events of a study, one row per event.

    Parameters
    ----------
    study : nbtools.study.Study
        Anything with ``observations``, ``deployments`` (with latitude and longitude) and ``timezone``.
    species : str or list of str, optional
        Scientific names to keep (default: all).
    threshold : str, Timedelta or mapping, default "30min"
        Independence threshold, as :func:`nbtools.events.independent_events`.
    within_deployment : bool, default True
        Drop events outside their deployment (wrong clocks); see :func:`event_times`.
    **event_options
        Passed to :func:`nbtools.events.independent_events` (``compare_to``, ``by``, ``observation_type``,
        ...).

    Returns
    -------
    pandas.DataFrame
        The events (``locationID``, ``deploymentID``, ``scientificName``, ``eventStart``, ``count``, ...) with
        ``latitude``, ``longitude``, ``time_rad``, ``sun_rad``, ``sunrise_rad``, ``sunset_rad``
        (:func:`event_times`).

    Notes
    -----
    The usual practice (Ridout & Linkie 2009; camtrapR's ``activityDensity``): one time per independent
    event, so that a long visit with many photographs counts once.
    """
    from nbtools.events import (
        independent_events,  # the events module compiles kernels; load on demand
    )

    obs = study.observations  # type: ignore[attr-defined]
    if species is not None:
        wanted = [species] if isinstance(species, str) else list(species)
        present = set(obs["scientificName"].dropna().astype(str))
        unknown = sorted(set(wanted) - present)
        if unknown:
            raise ValueError(f"no observations of {unknown}; the study has {sorted(present)[:20]}")
        obs = obs[obs["scientificName"].isin(wanted)]
    deployments = study.deployments  # type: ignore[attr-defined]
    events = independent_events(obs, threshold, deployments=deployments, **event_options)  # type: ignore[arg-type]
    zone = study.timezone  # type: ignore[attr-defined]
    return _event_times(events, deployments, zone, "eventStart", within_deployment, stacklevel=3)


def times_by_species(
    times: pd.DataFrame,
    column: str = "sun_rad",
    species: list[str] | None = None,
    names: Mapping[str, str] | None = None,
    min_events: int = 2,
) -> dict[str, NDArray[np.float64]]:
    """Split a table of event times into one array per species.

    Parameters
    ----------
    times : pandas.DataFrame
        From :func:`study_event_times` or :func:`event_times` (``scientificName`` and ``column``).
    column : str, default "sun_rad"
        ``"sun_rad"`` or ``"time_rad"`` (clock time).
    species : list of str, optional
        Scientific names in the wanted order (default: all, most events first).
    names : mapping, optional
        Scientific name -> label used as the key (e.g. ``{"Panthera pardus orientalis": "leopard"}``).
    min_events : int, default 2
        Leave out species with fewer events (a kernel density needs at least two different times).

    Returns
    -------
    dict
        Label -> times in radians.
    """
    if column not in times.columns:
        raise ValueError(f"times have no {column!r} column (use 'sun_rad' or 'time_rad')")
    groups = {str(k): g[column].to_numpy(dtype=float) for k, g in times.groupby("scientificName", observed=True)}
    order = species if species is not None else sorted(groups, key=lambda k: -groups[k].size)
    missing = [s for s in order if s not in groups]
    if missing:
        raise ValueError(f"no events of {missing}")
    names = dict(names or {})
    return {names.get(s, s): groups[s] for s in order if groups[s].size >= min_events}


# ---------------------------------------------------------------------------------------------------------
# density curves and shares
# ---------------------------------------------------------------------------------------------------------


def _curve_frame(values: dict[str, NDArray], at: NDArray) -> pd.DataFrame:
    labels = list(values)
    frame = pd.DataFrame(
        {
            "species": pd.Categorical(np.repeat(labels, at.size), categories=labels),
            "time_rad": np.tile(at, len(labels)),
            "hour": np.tile(at * 24 / TWO_PI, len(labels)),
            "density": np.concatenate([values[s] for s in labels]) * TWO_PI / 24 if labels else np.empty(0),
        }
    )
    return frame


def density_curves(
    times_by_species: Mapping[str, ArrayLike],
    n_points: int = 289,
    adjust: float = 1.0,
    kmax: int = 3,
) -> pd.DataFrame:
    """Kernel density curves of activity of several species, as a long table for plotting.

    Parameters
    ----------
    times_by_species : mapping
        Label -> times in radians (clock or sun time).
    n_points : int, default 289
        Points from 0 to 2*pi inclusive (289: every 5 minutes).
    adjust : float, default 1
        Smoothing multiplier, as :func:`circular_density` and ``overlap::densityPlot``.
    kmax : int, default 3
        Passed to :func:`bandwidth`.

    Returns
    -------
    pandas.DataFrame
        Columns ``species`` (categorical, in the given order), ``time_rad``, ``hour`` (0-24) and ``density``
        **per hour** (integrates to 1 over 24 h, as ``overlap::densityPlot`` with ``xscale = 24``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).vonmises(np.pi, 2, 200) % (2 * np.pi)
    >>> c = density_curves({"boar": x})
    >>> round(float(np.trapezoid(c["density"], c["hour"])), 6)
    1.0
    """
    if int(n_points) < 3:
        raise ValueError(f"n_points must be at least 3, got {n_points!r}")
    at = np.linspace(0.0, TWO_PI, int(n_points))
    values = {str(k): circular_density(v, at, adjust=adjust, kmax=kmax) for k, v in times_by_species.items()}
    return _curve_frame(values, at)


def tabulate_densities(densities: Mapping[str, Callable[[NDArray], ArrayLike]], n_points: int = 289) -> pd.DataFrame:
    """Known density functions (per radian) as the long table of :func:`density_curves`.

    For plotting true activity curves (e.g. ``nbtools.simulate.diel_density``) beside estimated ones.

    Parameters
    ----------
    densities : mapping
        Label -> function of radians returning the density per radian.
    n_points : int, default 289
        As :func:`density_curves`.

    Examples
    --------
    >>> import numpy as np
    >>> t = tabulate_densities({"uniform": lambda x: np.full_like(x, 1 / (2 * np.pi))}, n_points=5)
    >>> t["density"].round(6).tolist()   # 1/24 per hour
    [0.041667, 0.041667, 0.041667, 0.041667, 0.041667]
    """
    at = np.linspace(0.0, TWO_PI, int(n_points))
    values = {}
    for label, fn in densities.items():
        y = np.asarray(fn(at), dtype=float)
        if y.shape != at.shape or not np.isfinite(y).all() or (y < 0).any():
            raise ValueError(f"the density of {label!r} must give one finite, non-negative value per point")
        values[str(label)] = y
    return _curve_frame(values, at)


def clock_density(
    sun_density: Callable[[NDArray], ArrayLike],
    sunrise: ArrayLike,
    sunset: ArrayLike,
    at: ArrayLike,
) -> NDArray[np.float64]:
    """Clock-time density implied by a sun-time activity pattern over given days and places.

    Parameters
    ----------
    sun_density : callable
        Density per radian of sun time (sunrise pi/2, sunset 3*pi/2), e.g. a simulator's truth.
    sunrise, sunset : array
        Local clock times (radians) of sunrise and sunset on each day-and-place the events come from, e.g. the
        ``sunrise_rad`` and ``sunset_rad`` columns of :func:`event_times` (one pair per event weights the
        days as the events do).
    at : array
        Clock times (radians) where the density is wanted.

    Returns
    -------
    numpy.ndarray
        Density per radian of clock time at ``at``.

    Notes
    -----
    On a day with sunrise ``r`` and sunset ``s``, the sun time of clock time ``c`` is the double-anchored
    ``u(c)`` of :func:`sun_time`, linear in ``c`` by day (slope ``pi / (s - r)``) and by night (slope
    ``pi / (2 pi - (s - r))``). The clock-time density that day is ``f(u(c)) u'(c)``; the result is its
    average over the days given. Comparing a clock-time kernel estimate with it checks the estimate against
    truth without pretending clock time follows the sun exactly.

    Examples
    --------
    >>> import numpy as np
    >>> at = np.linspace(0, 2 * np.pi, 2001)
    >>> f = clock_density(lambda u: np.full_like(u, 1 / (2 * np.pi)) + 0.1 * np.cos(u), [1.2, 1.6], [5.1, 4.6], at)
    >>> round(float(np.trapezoid(f, at)), 3)   # a density (the kinks at sunrise and sunset cost the trapezoid rule)
    1.0
    """
    rise = np.asarray(sunrise, dtype=float).ravel()
    sset = np.asarray(sunset, dtype=float).ravel()
    if rise.shape != sset.shape or rise.size == 0:
        raise ValueError("give one sunset per sunrise (at least one day)")
    if not (np.isfinite(rise).all() and np.isfinite(sset).all()) or (sset <= rise).any():
        raise ValueError("sunrise and sunset must be finite with sunset after sunrise (radians of local clock time)")
    pairs, weight = np.unique(np.column_stack([rise, sset]), axis=0, return_counts=True)  # days repeat exactly
    pts = np.asarray(at, dtype=float)
    out = np.zeros(pts.shape, dtype=float)
    flat = pts.ravel()
    step = max(1, 2_000_000 // max(flat.size, 1))
    for s in range(0, len(pairs), step):
        r = pairs[s : s + step, 0][:, None]
        t = pairs[s : s + step, 1][:, None]
        c = np.mod(flat[None, :], TWO_PI)
        u = double_anchor(c, r, t)
        day = (c > r) & (c < t)
        slope = np.where(day, math.pi / (t - r), math.pi / (TWO_PI - (t - r)))
        f = np.asarray(sun_density(u.ravel()), dtype=float).reshape(u.shape)
        out += (weight[s : s + step, None] * f * slope).sum(axis=0).reshape(pts.shape)
    return out / weight.sum()


@renamed_parameters(conf="level")
def daytime_share(
    times: ArrayLike,
    sunrise: ArrayLike | None = None,
    sunset: ArrayLike | None = None,
    level: float = 0.95,
) -> pd.Series:
    """Share of events between sunrise and sunset, with a Wilson score interval.

    Parameters
    ----------
    times : array
        Sun times (radians; day is pi/2 to 3*pi/2), or clock times when ``sunrise`` and ``sunset`` are given.
    sunrise, sunset : array, optional
        Each event's local sunrise and sunset (radians of clock time), for clock ``times``.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.Series
        ``share``, ``lower``, ``upper``, ``n_day``, ``n``.

    Notes
    -----
    Wilson's interval for a binomial proportion, ``(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``;
    events are treated as independent.

    References
    ----------
    Wilson, E.B. (1927) Probable inference, the law of succession, and statistical inference. Journal of the
    American Statistical Association 22, 209-212. https://doi.org/10.1080/01621459.1927.10502953

    Examples
    --------
    >>> import numpy as np
    >>> daytime_share(np.array([1.0, 2.0, 3.0, 4.0, 5.0])).round(4).tolist()
    [0.6, 0.2307, 0.8824, 3.0, 5.0]
    """
    x = _as_radians(times, "times", min_distinct=1)
    if not 0 < level < 1:
        raise ValueError(f"level (the confidence level, formerly conf) must be in (0, 1), got {level!r}")
    if (sunrise is None) != (sunset is None):
        raise ValueError("give both sunrise and sunset (for clock times) or neither (for sun times)")
    if sunrise is None:
        day = (x > math.pi / 2) & (x < 3 * math.pi / 2)
    else:
        r = np.broadcast_to(np.asarray(sunrise, dtype=float), x.shape)
        s = np.broadcast_to(np.asarray(sunset, dtype=float), x.shape)
        day = (x > r) & (x < s)
    n, k = x.size, int(day.sum())
    p = k / n
    z = float(norm.ppf((1 + level) / 2))
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return pd.Series(
        {
            "share": p,
            "lower": centre - half,
            "upper": centre + half,
            "n_day": float(k),
            "n": float(n),
        }
    )


# ---------------------------------------------------------------------------------------------------------
# overlap with intervals
# ---------------------------------------------------------------------------------------------------------


@renamed_parameters(conf="level")
def overlap_table(
    times_by_species: Mapping[str, ArrayLike],
    pairs: list[tuple[str, str]] | None = None,
    n_boot: int = 1000,
    smooth: bool = True,
    kind: Literal["norm", "norm0", "basic", "basic0", "perc"] = "basic0",
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Overlap with bootstrap confidence intervals for pairs of species.

    Parameters
    ----------
    times_by_species : mapping
        Label -> times in radians.
    pairs : list of (str, str), optional
        Pairs of labels; default every pair with the first species (e.g. leopard against each other).
    n_boot : int, default 1000
        Bootstrap resamples per pair (overlap's vignette uses 10 000 for final results).
    smooth : bool, default True
        Smoothed bootstrap, as :func:`bootstrap_overlap`.
    kind : str, default "basic0"
        Interval of :func:`bootstrap_ci`; overlap's documentation advises ``basic0`` or ``norm0`` for the
        uncorrected estimate reported here.
    level : float, default 0.95
        Confidence level.
    seed : int or numpy.random.Generator, optional
        Each pair gets its own stream spawned from it, so a pair's interval does not depend on which other
        pairs are in the table; the same seed gives the same table.
    progress : bool, default True
        One progress bar over the pairs.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``species_a``, ``species_b``, ``n_a``, ``n_b``, ``estimator`` (the recommended one:
        Dhat1 when the smaller sample is under 50, else Dhat4), ``estimate``, ``lower``, ``upper``,
        ``interval`` and ``n_boot``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(4)
    >>> t = {"a": rng.vonmises(1, 2, 80) % (2 * np.pi), "b": rng.vonmises(2, 2, 70) % (2 * np.pi)}
    >>> tab = overlap_table(t, n_boot=200, seed=1, progress=False)
    >>> bool(tab.loc[0, "lower"] < tab.loc[0, "estimate"] < tab.loc[0, "upper"]), tab.loc[0, "estimator"]
    (True, 'dhat4')
    """
    labels = list(times_by_species)
    if pairs is None:
        if len(labels) < 2:
            raise ValueError("give at least two species")
        pairs = [(labels[0], other) for other in labels[1:]]
    for a, b in pairs:
        for s in (a, b):
            if s not in times_by_species:
                raise ValueError(f"{s!r} is not in times_by_species (have {labels})")
    streams = _as_rng(seed).spawn(len(pairs))
    rows = []
    for (a, b), rng in zip(
        tqdm(pairs, disable=not progress, desc="overlap bootstraps", unit="pair"),
        streams,
    ):
        xa, xb = times_by_species[a], times_by_species[b]
        est = overlap_estimates(xa, xb)
        value = est.estimate
        boot = bootstrap_overlap(
            xa,
            xb,
            n_boot=n_boot,
            smooth=smooth,
            estimator=est.recommended,
            seed=rng,
            progress=False,
        )
        ci = bootstrap_ci(value, boot, level=level, kind=kind)
        rows.append(
            (
                a,
                b,
                est.n_a,
                est.n_b,
                est.recommended,
                value,
                float(ci["lower"].iloc[0]),
                float(ci["upper"].iloc[0]),
            )
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "species_a",
            "species_b",
            "n_a",
            "n_b",
            "estimator",
            "estimate",
            "lower",
            "upper",
        ],
    )
    table["interval"] = kind
    table["n_boot"] = int(n_boot)
    return table
