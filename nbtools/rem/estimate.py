"""Density by the random encounter model (Rowcliffe et al. 2008), per species, as camtrapDensity's ``rem_estimate``.

``D = (y / t) pi / (v r (2 + theta))``: contacts ``y`` per camera-day ``t`` (the trap rate), the
day range ``v`` (km/day: speed while active x activity level), the effective detection radius ``r``
(km) and the full effective detection angle ``theta`` (rad, twice the effective half-angle). ``D`` is
in animals per km^2.

Uncertainty:

* delta method: ``CV(D)^2 = CV(y/t)^2 + CV(speed)^2 + CV(activity)^2 + CV(r)^2 + (SE(theta) / (2 + theta))^2``
  (camtrapDensity's ``rem``), with the trap rate's SE from the variation among locations (the
  encounter-rate estimator R2 of Fewster et al. 2009), the activity level's SE from its bootstrap, and
  a log-normal interval (camtrapDensity's ``lnorm_confint``);
* bootstrap over camera locations, either ``"traprate"`` (camtrapDensity: only the trap rate is
  resampled; its bootstrap CV replaces the analytic one in the sum above) or ``"full"`` (every
  ingredient is recomputed from the resampled locations - detection functions refitted, speeds,
  activity - and the SE and percentile interval are those of the replicate densities).

Conventions: ``conventions="nbtools"`` (default) counts independent events (30 min, per deployment) and
fits the activity level to their local clock times (``adjust = 1``); ``conventions="camtrapDensity"``
reproduces camtrapDensity 0.1.15: animals on records (the sum of ``count``), activity on
average-anchored sun time with ``adj = 1.5``, and a trap-rate-only bootstrap. Both truncate the radii
at 5 % and scale the trap rate by the share of radii kept (contacts beyond the truncation distance
are outside the detection zone the radius describes).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from .._deprecate import renamed_parameters
from ..activity import ActivityLevel, activity_level, activity_levels
from ..study import Study
from .detection import DetectionFit, _effective_distance_quick, fit_detection
from .inputs import REMData, rem_data
from .speed import SpeedEstimate, _harmonic_mean_quick, harmonic_mean_speed

__all__ = ["CONVENTIONS", "REMEstimate", "rem_density", "rem_estimate", "rem_from_data", "rem_table", "trap_rate"]

_KM_PER_DAY = 86.4  # per m/s

#: Settings of each convention; any can be overridden by the keyword of the same name.
CONVENTIONS: dict[str, dict[str, Any]] = {
    "nbtools": {
        "contacts": "events",
        "threshold": "30min",
        "activity_time": "clock",
        "activity_adj": 1.0,
        "radius_truncation": "5%",
        "angle_truncation": None,
        "speed_range": (0.01, 10.0),
        "truncation_share": True,
        "bootstrap": "full",
    },
    "camtrapDensity": {
        "contacts": "individuals",
        "threshold": None,
        "activity_time": "average_anchored",
        "activity_adj": 1.5,
        "radius_truncation": "5%",
        "angle_truncation": None,
        "speed_range": (0.01, 10.0),
        "truncation_share": True,
        "bootstrap": "traprate",
    },
}


def rem_density(trap_rate: float, day_range_km: float, radius_m: float, angle_rad: float) -> float:
    """Random encounter model density (animals / km^2), as camtrapDensity's ``rem``.

    Parameters
    ----------
    trap_rate : float
        Contacts per camera-day.
    day_range_km : float
        Day range: distance travelled per day (km/day) = speed while active x activity level.
    radius_m : float
        Effective detection radius (m).
    angle_rad : float
        Full effective detection angle (rad): twice the effective half-angle.

    Returns
    -------
    float
        ``D = trap_rate * pi / (day_range * r * (2 + theta))`` with ``r`` in km.

    References
    ----------
    Rowcliffe, J.M., Field, J., Turvey, S.T. & Carbone, C. (2008) Estimating animal density using camera
    traps without the need for individual recognition. Journal of Applied Ecology 45, 1228-1236.
    https://doi.org/10.1111/j.1365-2664.2008.01473.x

    Examples
    --------
    >>> round(rem_density(0.3535278623, 18.12055311, 4.178373184, math.radians(44.43122699)), 6)
    5.28516
    """
    return float(trap_rate * math.pi / (day_range_km * (radius_m / 1000.0) * (2.0 + angle_rad)))


def trap_rate(contacts: pd.DataFrame) -> tuple[float, float]:
    """Contacts per camera-day over locations, and its SE from the variation among locations.

    The estimate is camtrapDensity's ``get_trap_rate`` (``sum(n) / sum(effort)``); camtrapDensity's SE is
    a bootstrap over locations (``rem_estimate(..., bootstrap="traprate")`` here), this one is analytic.

    Parameters
    ----------
    contacts : DataFrame
        ``contacts`` and ``camera_days`` per location (``REMData.contacts``).

    Returns
    -------
    (float, float)
        ``y / t`` and its SE ``sqrt(K / (t^2 (K - 1)) sum_k t_k^2 (y_k / t_k - y / t)^2)`` (the
        encounter-rate variance estimator R2 of Fewster et al. 2009, locations as transects; NaN
        with one location).

    References
    ----------
    Fewster, R.M., Buckland, S.T., Burnham, K.P., Borchers, D.L., Jupp, P.E., Laake, J.L. & Thomas, L.
    (2009) Estimating the encounter rate variance in distance sampling. Biometrics 65, 225-236.
    https://doi.org/10.1111/j.1541-0420.2008.01018.x
    """
    y = contacts["contacts"].to_numpy(dtype=float)
    t = contacts["camera_days"].to_numpy(dtype=float)
    total_t = t.sum()
    if not total_t > 0:
        raise ValueError("no camera time: the cameras of these locations were never operating")
    rate = y.sum() / total_t
    k = y.size
    if k < 2:
        return float(rate), float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        per = np.where(t > 0, y / np.where(t > 0, t, 1.0), 0.0)
    var = k / (total_t**2 * (k - 1)) * float(np.sum(t**2 * (per - rate) ** 2))
    return float(rate), float(math.sqrt(var))


def _lognormal_ci(est: float, se: float, level: float) -> tuple[float, float]:
    """camtrapDensity's ``lnorm_confint``: ``est / w, est * w``, ``w = exp(z sqrt(log(1 + CV^2)))``."""
    if not (math.isfinite(se) and est > 0):
        return float("nan"), float("nan")
    z = float(stats.norm.ppf(0.5 + level / 2))
    w = math.exp(z * math.sqrt(math.log1p((se / est) ** 2)))
    return est / w, est * w


@dataclass(frozen=True, eq=False)
class REMEstimate:
    """Result of :func:`rem_estimate`: density of one species and its ingredients.

    Attributes
    ----------
    species : str
    density : float
        Animals per km^2.
    se, lcl, ucl : float
        Delta-method SE (with the trap-rate SE from ``bootstrap="traprate"`` when that was run, as
        camtrapDensity) and log-normal interval (animals / km^2).
    bootstrap : str or None
        ``"traprate"``, ``"full"`` or None.
    bootstrap_se, bootstrap_lcl, bootstrap_ucl : float
        For ``"full"``: SE and percentile interval of the replicate densities; for ``"traprate"``:
        the same as ``se``, ``lcl``, ``ucl``; NaN without a bootstrap.
    replicates : numpy.ndarray
        Replicate densities (``"full"``) or trap rates (``"traprate"``).
    parameters : pandas.DataFrame
        Rows ``trap_rate`` (per day), ``radius`` (m), ``angle`` (rad, full angle), ``active_speed``
        (m/s), ``activity_level``, ``day_range`` (km/day), ``density`` (per km^2); columns
        ``estimate``, ``se``, ``cv``, ``lcl``, ``ucl``, ``n``, ``unit``.
    settings : dict
        The conventions used.
    messages : tuple of str
        What went wrong or is worth knowing (failed replicates, unreliable fits).

    The shape shared by estimator results: :attr:`coef` (the density), :attr:`se`, :attr:`notes` (the
    ``messages``) and :meth:`to_frame`. The random encounter model has no likelihood, so there is no
    ``loglik`` or ``aic``. :attr:`n_boot` is the vocabulary's name of ``reps`` (the bootstrap resamples
    of locations).
    """

    species: str
    density: float
    se: float
    lcl: float
    ucl: float
    bootstrap: str | None
    bootstrap_se: float
    bootstrap_lcl: float
    bootstrap_ucl: float
    reps: int
    failed_reps: int
    level: float
    parameters: pd.DataFrame = field(repr=False)
    settings: dict[str, Any] = field(repr=False)
    messages: tuple[str, ...] = ()
    data: REMData | None = field(default=None, repr=False)
    radius_fit: DetectionFit | None = field(default=None, repr=False)
    angle_fit: DetectionFit | None = field(default=None, repr=False)
    speed: SpeedEstimate | None = field(default=None, repr=False)
    activity: ActivityLevel | None = field(default=None, repr=False)
    replicates: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    @property
    def coef(self) -> float:
        """The density (animals / km^2, ``density``)."""
        return self.density

    @property
    def notes(self) -> tuple[str, ...]:
        """What went wrong or is worth knowing (``messages``)."""
        return self.messages

    @property
    def n_boot(self) -> int:
        """Bootstrap resamples of locations (``reps``; 0 without a bootstrap)."""
        return self.reps

    @property
    def cv(self) -> float:
        """Coefficient of variation of the density (delta method)."""
        return self.se / self.density if self.density else float("nan")

    @property
    def density_per_100km2(self) -> float:
        """Density in animals per 100 km^2."""
        return self.density * 100.0

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (camtrapDensity's ``rem_estimate(...)$estimates``, in nbtools units)."""
        return self.parameters.copy()

    def summary(self) -> pd.DataFrame:
        """One row: species, density, SEs, intervals, contacts, camera-days, sample sizes."""
        p = self.parameters
        return pd.DataFrame(
            [
                {
                    "species": self.species,
                    "density": self.density,
                    "se": self.se,
                    "cv": self.cv,
                    "lcl": self.lcl,
                    "ucl": self.ucl,
                    "bootstrap": self.bootstrap,
                    "bootstrap_se": self.bootstrap_se,
                    "bootstrap_lcl": self.bootstrap_lcl,
                    "bootstrap_ucl": self.bootstrap_ucl,
                    "contacts": None if self.data is None else self.data.n_contacts,
                    "camera_days": None if self.data is None else self.data.camera_days,
                    "locations": int(p.loc["trap_rate", "n"]),
                    "n_radii": int(p.loc["radius", "n"]),
                    "n_angles": int(p.loc["angle", "n"]),
                    "n_speeds": int(p.loc["active_speed", "n"]),
                    "n_times": int(p.loc["activity_level", "n"]),
                    "unit": "animals/km2",
                    "messages": "; ".join(self.messages),
                }
            ]
        )

    def __repr__(self) -> str:
        boot = ""
        if self.bootstrap == "full":
            boot = f", bootstrap SE {self.bootstrap_se:.3g} ({self.reps - self.failed_reps} of {self.reps} reps)"
        pct = int(round(self.level * 100))
        return (
            f"<REMEstimate {self.species}: D = {self.density:.4g} /km2 (SE {self.se:.3g}; {pct}% CI "
            f"{self.lcl:.3g}-{self.ucl:.3g}){boot}>"
        )


# ------------------------------------------------------------------------------------------- pieces
@dataclass(frozen=True)
class _Settings:
    radius_key: str
    radius_truncation: float | str | None
    angle_key: str
    angle_truncation: float | str | None
    speed_range: tuple[float, float] | None
    activity_adj: float
    truncation_share: bool


@dataclass(frozen=True)
class _Arrays:
    """The data as numpy arrays with each row's location number (for fast resampling)."""

    radii: np.ndarray
    angles: np.ndarray
    speeds: np.ndarray
    times: np.ndarray
    contacts: np.ndarray
    days: np.ndarray
    loc_radii: np.ndarray
    loc_angles: np.ndarray
    loc_speeds: np.ndarray
    loc_times: np.ndarray

    @classmethod
    def from_data(cls, data: REMData) -> _Arrays:
        index = {loc: i for i, loc in enumerate(data.contacts["locationID"])}

        def loc(table: pd.DataFrame) -> np.ndarray:
            return table["locationID"].map(index).to_numpy(dtype=np.intp)

        return cls(
            data.radii["radius"].to_numpy(dtype=float),
            np.abs(data.angles["angle"].to_numpy(dtype=float)),
            data.speeds["speed"].to_numpy(dtype=float),
            data.times["time"].to_numpy(dtype=float),
            data.contacts["contacts"].to_numpy(dtype=float),
            data.contacts["camera_days"].to_numpy(dtype=float),
            loc(data.radii),
            loc(data.angles),
            loc(data.speeds),
            loc(data.times),
        )

    def resample(self, rng: np.random.Generator) -> _Arrays:
        """Locations drawn with replacement; every row of a location drawn k times appears k times."""
        k = self.contacts.size
        times_drawn = np.bincount(rng.integers(0, k, k), minlength=k)

        def rows(values: np.ndarray, where: np.ndarray) -> np.ndarray:
            return np.repeat(values, times_drawn[where])

        return _Arrays(
            rows(self.radii, self.loc_radii),
            rows(self.angles, self.loc_angles),
            rows(self.speeds, self.loc_speeds),
            rows(self.times, self.loc_times),
            self.contacts * times_drawn,
            self.days * times_drawn,
            self.loc_radii,
            self.loc_angles,
            self.loc_speeds,
            self.loc_times,
        )


def _point(a: _Arrays, s: _Settings) -> tuple[float, DetectionFit, DetectionFit, SpeedEstimate, float]:
    """Density of one data set (no SEs): used for the estimate and for each full-bootstrap replicate."""
    radius = fit_detection(a.radii, "point", s.radius_key, truncation=s.radius_truncation, unit="m")
    angle = fit_detection(a.angles, "line", s.angle_key, truncation=s.angle_truncation, unit="rad")
    speed = harmonic_mean_speed(a.speeds, s.speed_range)
    act = activity_level(a.times, adjust=s.activity_adj).act
    if not a.days.sum() > 0:
        raise ValueError("no camera time")
    rate = a.contacts.sum() / a.days.sum()
    share = radius.proportion_used if s.truncation_share else 1.0
    d = rem_density(
        rate * share, speed.mean * _KM_PER_DAY * act, radius.effective_distance, 2 * angle.effective_distance
    )
    return d, radius, angle, speed, act


def _full_bootstrap(
    arrays: _Arrays,
    s: _Settings,
    n_boot: int,
    rng: np.random.Generator,
    starts: tuple[float, float],
    progress: bool,
    desc: str,
) -> tuple[list[float], int]:
    """The full bootstrap's replicate densities and failures, as the plain loop over ``_point`` gives them.

    The same resamples (one ``rng.integers`` draw per replicate, in order) and the same estimates per
    replicate, found faster: half-normal detection functions by Newton's method from the full data's
    scale (:func:`nbtools.rem.detection._hn_effective_distance`; within the plain optimiser's tolerance,
    about 1e-8), the activity levels of all replicates at once (:func:`nbtools.activity.activity_levels`,
    equal to ``activity_level`` to ~1e-14). A replicate fails where ``_point`` would raise.
    """
    pending: list[tuple[float, float, float, float]] = []
    times: list[np.ndarray] = []
    failed = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in tqdm(range(n_boot), disable=not progress, desc=desc, unit="rep"):
            b = arrays.resample(rng)
            try:
                radius, share = _effective_distance_quick(
                    b.radii, "point", s.radius_key, s.radius_truncation, "m", starts[0]
                )
                half_angle, _ = _effective_distance_quick(
                    b.angles, "line", s.angle_key, s.angle_truncation, "rad", starts[1]
                )
                speed = _harmonic_mean_quick(b.speeds, s.speed_range)
                days = b.days.sum()
                if not days > 0:
                    raise ValueError("no camera time")
            except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
                failed += 1
                continue
            rate = b.contacts.sum() / days
            pending.append((rate * (share if s.truncation_share else 1.0), speed, radius, 2 * half_angle))
            times.append(b.times)
    acts = activity_levels(times, adjust=s.activity_adj)
    values = []
    for (rate, speed, radius, theta), act in zip(pending, acts):
        if not math.isfinite(act):
            failed += 1
            continue
        try:
            values.append(rem_density(rate, speed * _KM_PER_DAY * act, radius, theta))
        except ZeroDivisionError:
            failed += 1
    return values, failed


@dataclass(frozen=True)
class _Bootstrap:
    """What the bootstrap over locations gives: replicates, failures, and the trap rate's SE it replaces."""

    replicates: np.ndarray
    failed: int
    rate_se: float
    se: float
    lcl: float
    ucl: float


def _check_choices(engine: str, bootstrap: str | None, level: float) -> None:
    if engine not in ("fast", "plain"):
        raise ValueError(f"engine must be 'fast' or 'plain', got {engine!r}")
    if bootstrap not in ("full", "traprate", None):
        raise ValueError(f"bootstrap must be 'full', 'traprate' or None, got {bootstrap!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")


def _point_estimate(
    data: REMData, s: _Settings, messages: list[str]
) -> tuple[_Arrays, float, DetectionFit, DetectionFit, SpeedEstimate]:
    """The density of the data and its detection functions and speed; their warnings go to ``messages``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        arrays = _Arrays.from_data(data)
        density, radius, angle, speed, _ = _point(arrays, s)
    messages += [f"{w.message}" for w in caught if issubclass(w.category, UserWarning)]
    return arrays, density, radius, angle, speed


def _activity_with_se(
    data: REMData, s: _Settings, activity_reps: int, rng: np.random.Generator, progress: bool, messages: list[str]
) -> ActivityLevel:
    """The activity level of the contacts' times, with its bootstrap SE when ``activity_reps >= 2``."""
    times = data.times["time"].to_numpy()
    if activity_reps and activity_reps >= 2:
        return activity_level(
            times, n_boot=activity_reps, sample="data", adjust=s.activity_adj, seed=rng, progress=progress
        )
    messages.append("no activity bootstrap (activity_reps < 2): the activity level has no SE, nor the density")
    return activity_level(times, adjust=s.activity_adj)


def _bootstrap_locations(
    arrays: _Arrays,
    s: _Settings,
    bootstrap: str | None,
    n_boot: int,
    rng: np.random.Generator,
    share: float,
    starts: tuple[float, float],
    engine: str,
    progress: bool,
    species: str,
    level: float,
    rate_se: float,
    messages: list[str],
) -> _Bootstrap:
    """The bootstrap over camera locations: ``"traprate"`` (its SE replaces the trap rate's) or ``"full"``."""
    nan = float("nan")
    k = arrays.contacts.size
    if bootstrap == "traprate":
        replicates = np.empty(n_boot)
        for b in tqdm(range(n_boot), disable=not progress, desc=f"REM trap rate {species}", unit="rep"):
            drawn = rng.integers(0, k, k)  # camtrapDensity's get_trap_rate: sample(locations, replace = TRUE)
            replicates[b] = arrays.contacts[drawn].sum() / arrays.days[drawn].sum() * share
        return _Bootstrap(replicates, 0, float(np.std(replicates, ddof=1)), nan, nan, nan)
    if bootstrap is None:
        return _Bootstrap(np.zeros(0), 0, rate_se, nan, nan, nan)
    desc = f"REM bootstrap {species}"
    if engine == "fast":
        values, failed = _full_bootstrap(arrays, s, n_boot, rng, starts, progress, desc)
    else:  # engine "plain": one replicate at a time through the public functions
        values, failed = [], 0
        for _ in tqdm(range(n_boot), disable=not progress, desc=desc, unit="rep"):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    values.append(_point(arrays.resample(rng), s)[0])
            except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
                failed += 1
    replicates = np.asarray(values, dtype=float)
    if k < 10:
        messages.append(
            f"a bootstrap over {k} locations says little: most resamples repeat "
            "one or two cameras, so its SE and interval are unstable"
        )
    if failed:
        messages.append(
            f"{failed} of {n_boot} bootstrap resamples of locations could not be analysed "
            "(too few radii, angles, speeds or times in them) and were left out"
        )
    se = lcl = ucl = nan
    if replicates.size >= 2:
        se = float(np.std(replicates, ddof=1))
        lcl, ucl = (float(q) for q in np.quantile(replicates, [(1 - level) / 2, (1 + level) / 2]))
    return _Bootstrap(replicates, failed, rate_se, se, lcl, ucl)


def _parameter_table(
    density: float,
    rate: tuple[float, float, int],
    radius: DetectionFit,
    angle: DetectionFit,
    speed: SpeedEstimate,
    activity: ActivityLevel,
    level: float,
) -> tuple[pd.DataFrame, float, float, float]:
    """The ingredients and the density with delta-method SEs; returns the table and the density's SE, LCL, UCL."""
    rate_est, rate_se, n_locations = rate
    act_se = float("nan") if activity.se is None else float(activity.se)
    z = float(stats.norm.ppf(0.5 + level / 2))
    theta, theta_se = 2 * angle.effective_distance, 2 * angle.effective_distance_se
    day_range = speed.mean * _KM_PER_DAY * activity.act
    day_range_se = day_range * math.sqrt(speed.cv**2 + (act_se / activity.act) ** 2)
    cvs = [
        rate_se / rate_est,
        speed.cv,
        act_se / activity.act,
        radius.effective_distance_se / radius.effective_distance,
        theta_se / (2 + theta),
    ]
    se = density * math.sqrt(sum(c**2 for c in cvs))
    lcl, ucl = _lognormal_ci(density, se, level)
    rows = {
        "trap_rate": (rate_est, rate_se, n_locations, "contacts/day"),
        "radius": (radius.effective_distance, radius.effective_distance_se, radius.n, "m"),
        "angle": (theta, theta_se, angle.n, "rad"),
        "active_speed": (speed.mean, speed.se, speed.n, "m/s"),
        "activity_level": (activity.act, act_se, activity.n, "proportion"),
        "day_range": (day_range, day_range_se, np.nan, "km/day"),
    }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "se", "n", "unit"])
    table["cv"] = table["se"] / table["estimate"]
    table["lcl"] = table["estimate"] - z * table["se"]
    table["ucl"] = table["estimate"] + z * table["se"]
    if activity.lcl is not None:
        table.loc["activity_level", ["lcl", "ucl"]] = [activity.lcl, activity.ucl]
    table.loc["density"] = {
        "estimate": density,
        "se": se,
        "n": np.nan,
        "unit": "animals/km2",
        "cv": se / density,
        "lcl": lcl,
        "ucl": ucl,
    }
    table = table[["estimate", "se", "cv", "lcl", "ucl", "n", "unit"]]
    table.index.name = "parameter"
    return table, se, lcl, ucl


@renamed_parameters(reps="n_boot")
def rem_from_data(
    data: REMData,
    radius_key: Literal["hn", "hr"] = "hn",
    radius_truncation: float | str | None = "5%",
    angle_key: Literal["hn", "hr"] = "hn",
    angle_truncation: float | str | None = None,
    speed_range: tuple[float, float] | None = (0.01, 10.0),
    activity_adj: float = 1.0,
    activity_reps: int = 999,
    truncation_share: bool = True,
    bootstrap: Literal["full", "traprate"] | None = "full",
    n_boot: int = 999,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
    engine: Literal["fast", "plain"] = "fast",
) -> REMEstimate:
    """REM density from collected data (:func:`nbtools.rem.rem_data`), as camtrapDensity's ``rem_estimate``.

    The parameters are those of :func:`rem_estimate` (which calls this after :func:`nbtools.rem.rem_data`),
    given explicitly instead of through ``conventions``. Use it to reuse one :class:`REMData` with other
    settings, or with data assembled by hand (``REMData(species, contacts, radii, angles, speeds, times)``).
    ``n_boot`` (formerly ``reps``, which still works, deprecated) is the number of bootstrap resamples of
    locations.

    ``engine`` chooses how the full bootstrap computes its replicates: ``"fast"`` (default; half-normal
    detection functions by Newton's method from the full data's fit, the activity levels of all
    replicates at once) or ``"plain"`` (each replicate through :func:`fit_detection`,
    :func:`harmonic_mean_speed` and :func:`nbtools.activity.activity_level`). Both draw the same
    resamples and give the same replicate densities to within the plain optimiser's tolerance (~1e-8
    relative); ``benchmarks/rem.py`` times one against the other.

    The steps: the point estimate (``_point``), the activity level with its bootstrap SE, the trap
    rate, the bootstrap over locations, and the table of ingredients with delta-method SEs.
    """
    _check_choices(engine, bootstrap, level)
    s = _Settings(
        radius_key,
        radius_truncation,
        angle_key,
        angle_truncation,
        speed_range,
        float(activity_adj),
        bool(truncation_share),
    )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    act_rng, boot_rng = rng.spawn(2)
    messages: list[str] = []
    arrays, density, radius, angle, speed = _point_estimate(data, s, messages)
    activity = _activity_with_se(data, s, activity_reps, act_rng, progress, messages)
    share = radius.proportion_used if s.truncation_share else 1.0
    rate, rate_se = trap_rate(data.contacts)
    rate, rate_se = rate * share, rate_se * share
    n_boot = int(n_boot) if bootstrap else 0
    if bootstrap and n_boot < 2:
        raise ValueError(f"n_boot (formerly reps) must be at least 2 for a bootstrap, got {n_boot!r}")
    boot = _bootstrap_locations(
        arrays,
        s,
        bootstrap,
        n_boot,
        boot_rng,
        share,
        (float(radius.beta[0]), float(angle.beta[0])),
        engine,
        progress,
        data.species,
        level,
        rate_se,
        messages,
    )
    n_locations = len(data.contacts)
    table, se, lcl, ucl = _parameter_table(
        density, (rate, boot.rate_se, n_locations), radius, angle, speed, activity, level
    )
    boot_se, boot_lcl, boot_ucl = (se, lcl, ucl) if bootstrap == "traprate" else (boot.se, boot.lcl, boot.ucl)
    settings = dict(data.settings)
    settings.update(
        radius_key=radius_key,
        radius_truncation=radius_truncation,
        angle_key=angle_key,
        angle_truncation=angle_truncation,
        speed_range=speed_range,
        activity_adj=activity_adj,
        activity_reps=activity_reps,
        truncation_share=truncation_share,
        bootstrap=bootstrap,
        reps=n_boot,
        level=level,
        proportion_used=radius.proportion_used,
    )
    return REMEstimate(
        data.species,
        density,
        se,
        lcl,
        ucl,
        bootstrap,
        boot_se,
        boot_lcl,
        boot_ucl,
        n_boot,
        boot.failed,
        level,
        table,
        settings,
        tuple(messages),
        data,
        radius,
        angle,
        speed,
        activity,
        boot.replicates,
    )


@renamed_parameters(reps="n_boot")
def rem_estimate(
    study: Study,
    species: str,
    conventions: Literal["nbtools", "camtrapDensity"] = "nbtools",
    *,
    contacts: Literal["events", "sequences", "individuals"] | None = None,
    threshold: str | pd.Timedelta | None = None,
    activity_time: Literal["clock", "sun", "average_anchored"] | None = None,
    activity_adj: float | None = None,
    radius_truncation: float | str | None = "default",
    angle_truncation: float | str | None = "default",
    speed_range: tuple[float, float] | None | str = "default",
    truncation_share: bool | None = None,
    bootstrap: Literal["full", "traprate"] | None | str = "default",
    radius_key: Literal["hn", "hr"] = "hn",
    angle_key: Literal["hn", "hr"] = "hn",
    angle_unit: Literal["rad", "deg"] = "rad",
    times_per: Literal["contact", "sequence"] = "contact",
    activity_reps: int = 999,
    n_boot: int = 999,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
    engine: Literal["fast", "plain"] = "fast",
) -> REMEstimate:
    """Density of one species by the random encounter model, as camtrapDensity's ``rem_estimate``.

    Parameters
    ----------
    study : Study
        The study (:meth:`nbtools.study.Study.from_camtrapdp`); observations need
        ``individualPositionRadius`` (m), ``individualPositionAngle`` and ``individualSpeed`` (m/s).
    species : str
        ``scientificName``.
    conventions : {"nbtools", "camtrapDensity"}, default "nbtools"
        A set of defaults for the settings below (:data:`CONVENTIONS`); a setting given explicitly wins.
    contacts : {"events", "sequences", "individuals"}
        What a contact is (:func:`nbtools.rem.rem_data`): independent events (nbtools), sequences, or
        animals on records (camtrapDensity).
    threshold : str or Timedelta
        Independence threshold of events (default "30min").
    activity_time : {"clock", "sun", "average_anchored"}
        Times the activity level is fitted to (nbtools: local clock time; camtrapDensity: its
        average-anchored sun time).
    activity_adj : float
        Bandwidth multiplier of the activity kernel (``fitact(adj = ...)``; nbtools 1, camtrapDensity 1.5).
    radius_truncation, angle_truncation : float, str or None
        Truncation of radii (m) and absolute angles (rad): default "5%" and none.
    speed_range : (float, float) or None
        Speeds kept (m/s), default (0.01, 10).
    truncation_share : bool
        Multiply the trap rate by the share of radii within the truncation (default True, as
        camtrapDensity).
    bootstrap : {"full", "traprate", None}
        Bootstrap over camera locations (nbtools: "full"; camtrapDensity: "traprate").
    radius_key, angle_key : {"hn", "hr"}, default "hn"
        Keys of the detection functions (no adjustment terms, as camtrapDensity's ``order = 0``).
    angle_unit : {"rad", "deg"}, default "rad"
        Unit of ``individualPositionAngle`` in the package: Agouti writes radians although Camtrap DP 1.0
        says degrees (:func:`nbtools.rem.as_radians` warns when the values look like the other unit).
    times_per : {"contact", "sequence"}, default "contact"
        Times for the activity level: one per contact, or one per sequence (for animals in groups counted
        with ``contacts="individuals"``: see :func:`nbtools.rem.rem_data`).
    activity_reps : int, default 999
        Bootstrap resamples of the activity level (``fitact(sample = "data")``), for its SE.
    n_boot : int, default 999
        Bootstrap resamples of locations (formerly ``reps``, which still works, deprecated).
    level : float, default 0.95
        Confidence level.
    seed : int or numpy.random.Generator, optional
        Randomness of both bootstraps; the same seed gives the same result.
    progress : bool, default True
        Show progress bars.
    engine : {"fast", "plain"}, default "fast"
        How the full bootstrap computes its replicates (:func:`rem_from_data`): the same resamples and
        estimates either way; ``"plain"`` is the one-replicate-at-a-time baseline of ``benchmarks/rem.py``.

    Returns
    -------
    REMEstimate
        ``.density`` (animals / km^2) with ``.se``, ``.lcl``, ``.ucl``; ``.bootstrap_se`` and
        interval; ``.to_frame()`` (the parameters); ``.radius_fit``, ``.angle_fit``, ``.speed``,
        ``.activity``.

    Notes
    -----
    ``D = (y / t) pi / (v r (2 + theta))`` (Rowcliffe et al. 2008) with the trap rate ``y / t``
    (contacts per camera-day, times the share of radii kept), the day range ``v`` = harmonic mean speed
    (Rowcliffe et al. 2016) x activity level (Rowcliffe et al. 2014), ``r`` the effective detection radius
    and ``theta`` twice the effective half-angle (Rowcliffe et al. 2011). Assumptions: cameras placed at
    random with respect to the animals' movement (not on trails they prefer or avoid), animals neither
    attracted to nor scared by the cameras, every contact of an animal counted (for groups, each animal:
    use ``contacts="individuals"``), and speeds and positions measured without bias.

    With ``conventions="camtrapDensity"`` the REM test foxes give camtrapDensity 0.1.15's density
    5.285159749 /km^2 to 1e-9.

    References
    ----------
    Rowcliffe, J.M., Field, J., Turvey, S.T. & Carbone, C. (2008) Estimating animal density using camera
    traps without the need for individual recognition. Journal of Applied Ecology 45, 1228-1236.
    https://doi.org/10.1111/j.1365-2664.2008.01473.x
    Rowcliffe, J.M., Kays, R., Kranstauber, B., Carbone, C. & Jansen, P.A. (2014) Quantifying levels of
    animal activity using camera trap data. Methods in Ecology and Evolution 5, 1170-1179.
    https://doi.org/10.1111/2041-210X.12278
    Rowcliffe, J.M., Jansen, P.A., Kays, R., Kranstauber, B. & Carbone, C. (2016) Wildlife speed cameras.
    Remote Sensing in Ecology and Conservation 2, 84-94. https://doi.org/10.1002/rse2.17
    """
    if conventions not in CONVENTIONS:
        raise ValueError(f"conventions must be one of {sorted(CONVENTIONS)}, got {conventions!r}")
    c = dict(CONVENTIONS[conventions])
    given = {
        "contacts": contacts,
        "threshold": threshold,
        "activity_time": activity_time,
        "activity_adj": activity_adj,
        "truncation_share": truncation_share,
    }
    c.update({k: v for k, v in given.items() if v is not None})
    for name, value in (
        ("radius_truncation", radius_truncation),
        ("angle_truncation", angle_truncation),
        ("speed_range", speed_range),
        ("bootstrap", bootstrap),
    ):
        if not (isinstance(value, str) and value == "default"):
            c[name] = value
    data = rem_data(
        study,
        species,
        contacts=c["contacts"],
        threshold=c["threshold"] or "30min",
        activity_time=c["activity_time"],
        angle_unit=angle_unit,
        times_per=times_per,
    )
    result = rem_from_data(
        data,
        radius_key=radius_key,
        radius_truncation=c["radius_truncation"],
        angle_key=angle_key,
        angle_truncation=c["angle_truncation"],
        speed_range=c["speed_range"],
        activity_adj=c["activity_adj"],
        activity_reps=activity_reps,
        truncation_share=c["truncation_share"],
        bootstrap=c["bootstrap"],
        n_boot=n_boot,
        level=level,
        seed=seed,
        progress=progress,
        engine=engine,
    )
    result.settings["conventions"] = conventions
    return result


def rem_table(
    study: Study,
    species: Iterable[str] | None = None,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
    **kwargs: Any,
) -> pd.DataFrame:
    """REM densities of several species, one row each (:meth:`REMEstimate.summary`).

    camtrapDensity analyses one species per call (``rem_estimate(species = ...)``); this loops over them.

    Parameters
    ----------
    study : Study
    species : iterable of str, optional
        Default: every species with at least one radius, angle and speed.
    seed : int or numpy.random.Generator, optional
        One generator serves all species in turn (the same seed gives the same table).
    progress : bool, default True
    **kwargs
        Passed to :func:`rem_estimate` (``conventions``, ``n_boot``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per species; a species that cannot be estimated gets NaN and the reason in ``messages``.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if species is None:
        obs = study.observations
        need = [c for c in ("individualPositionRadius", "individualPositionAngle", "individualSpeed") if c in obs]
        if len(need) < 3:
            raise ValueError(
                "the observations have no radii, angles and speeds (Camtrap DP individualPosition* "
                "and individualSpeed): the REM cannot be estimated"
            )
        ok = obs.groupby(obs["scientificName"].astype(object))[need].count()
        species = sorted(ok.index[(ok > 0).all(axis=1)])
    rows = []
    for sp in tqdm(list(species), disable=not progress, desc="REM species", unit="species"):
        try:
            rows.append(rem_estimate(study, sp, seed=rng, progress=False, **kwargs).summary())
        except ValueError as err:
            rows.append(pd.DataFrame([{"species": sp, "density": np.nan, "messages": str(err)}]))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["species", "density"])
