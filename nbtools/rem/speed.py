"""Speeds of animals while active: per sequence, and their harmonic mean (Rowcliffe et al. 2016).

The random encounter model needs the average speed of animals *while active*. Speeds measured on
camera-trap sequences are a size-biased sample (fast animals cross the detection zone more often),
so the unbiased mean is the harmonic mean ``m = 1 / mean(1 / v)``, with standard error
``SE = m^2 sqrt(var(1 / v) / n)`` (Rowcliffe et al. 2016), as camtrapDensity's ``fit_speedmodel``
(``sbd::sbm(speed ~ 1)``) computes it. Units: m/s in and out; ``.km_per_day`` and ``.km_per_hour``
convert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DEFAULT_SPEED_RANGE",
    "SpeedEstimate",
    "harmonic_mean_speed",
    "sequence_speeds",
    "speed_by",
]

#: Speeds kept by default (m/s): camtrapDensity's ``speed > 0.01 & speed < 10``.
DEFAULT_SPEED_RANGE = (0.01, 10.0)

_KM_PER_DAY = 86.4  # 1 m/s = 86.4 km/day
_KM_PER_HOUR = 3.6


@dataclass(frozen=True, eq=False)
class SpeedEstimate:
    """Harmonic mean speed while active and its standard error.

    Attributes
    ----------
    mean : float
        Harmonic mean speed (m/s).
    se : float
        Standard error (m/s), ``m^2 sqrt(var(1/v) / n)``; NaN with one speed.
    n : int
        Speeds used.
    n_dropped : int
        Speeds given but outside ``speed_range`` or missing.
    speed_range : tuple of float
        The open interval of speeds kept (m/s).
    speeds : numpy.ndarray
        The speeds used (m/s).
    """

    mean: float
    se: float
    n: int
    n_dropped: int
    speed_range: tuple[float, float]
    speeds: NDArray[np.float64] = field(repr=False)

    @property
    def cv(self) -> float:
        """Coefficient of variation ``se / mean``."""
        return self.se / self.mean

    @property
    def km_per_day(self) -> float:
        """``mean`` in km/day (x 86.4)."""
        return self.mean * _KM_PER_DAY

    @property
    def km_per_hour(self) -> float:
        """``mean`` in km/h (x 3.6), as camtrapDensity prints it."""
        return self.mean * _KM_PER_HOUR

    def to_frame(self) -> pd.DataFrame:
        """One row: estimate, SE, CV, n (m/s)."""
        return pd.DataFrame(
            {"estimate": [self.mean], "se": [self.se], "cv": [self.cv], "n": [self.n], "unit": ["m/s"]},
            index=pd.Index(["active_speed"], name="parameter"),
        )

    def __repr__(self) -> str:
        return f"<SpeedEstimate harmonic mean {self.mean:.4g} m/s (SE {self.se:.3g}), n={self.n}>"


def harmonic_mean_speed(
    speeds: ArrayLike, speed_range: tuple[float, float] | None = DEFAULT_SPEED_RANGE
) -> SpeedEstimate:
    """Harmonic mean speed with its standard error (Rowcliffe et al. 2016), as camtrapDensity's ``fit_speedmodel``.

    Parameters
    ----------
    speeds : array
        Speeds of animals through the detection zone (m/s), one per sequence and animal
        (Camtrap DP ``individualSpeed``). Missing values are dropped.
    speed_range : (float, float) or None, default (0.01, 10)
        Keep speeds strictly between these (m/s), as camtrapDensity does (``speed > 0.01 &
        speed < 10``): near-zero speeds are animals standing still, not moving through, and would
        dominate a harmonic mean. ``None`` keeps every positive speed.

    Returns
    -------
    SpeedEstimate
        ``.mean`` and ``.se`` (m/s), ``.km_per_day``.

    Notes
    -----
    ``m = 1 / mean(1 / v)``, ``SE = m^2 sqrt(var(1 / v) / n)`` with the sample variance (``n - 1``):
    the delta method applied to the mean of ``1 / v``.

    References
    ----------
    Rowcliffe, J.M., Jansen, P.A., Kays, R., Kranstauber, B. & Carbone, C. (2016) Wildlife speed cameras:
    measuring animal travel speed and day range using camera traps. Remote Sensing in Ecology and
    Conservation 2, 84-94. https://doi.org/10.1002/rse2.17

    Examples
    --------
    >>> fit = harmonic_mean_speed([0.5, 1.0, 2.0])
    >>> round(fit.mean, 4), round(fit.se, 4)
    (0.8571, 0.324)
    """
    v = np.asarray(speeds, dtype=float).ravel()
    given = v.size
    v = v[~np.isnan(v)]
    if speed_range is None:
        keep = v > 0
        rng = (0.0, math.inf)
    else:
        lo, hi = (float(speed_range[0]), float(speed_range[1]))
        if not lo < hi:
            raise ValueError(f"speed_range must be (low, high) with low < high, got {speed_range!r}")
        keep = (v > lo) & (v < hi)
        rng = (lo, hi)
    v = v[keep]
    if v.size == 0:
        raise ValueError("there are no usable speeds (none within the speed range)")
    inv = 1.0 / v
    m = 1.0 / inv.mean()
    se = m**2 * math.sqrt(inv.var(ddof=1) / v.size) if v.size > 1 else float("nan")
    return SpeedEstimate(float(m), float(se), int(v.size), int(given - v.size), rng, v)


def speed_by(
    speeds: ArrayLike, covariate: ArrayLike, speed_range: tuple[float, float] | None = DEFAULT_SPEED_RANGE
) -> pd.DataFrame:
    """Harmonic mean speed per level of a categorical covariate (for example day and night, habitat).

    Parameters
    ----------
    speeds : array
        Speeds (m/s).
    covariate : array
        A label per speed, the same length.
    speed_range : (float, float) or None
        As :func:`harmonic_mean_speed`.

    Returns
    -------
    pandas.DataFrame
        One row per level: ``estimate``, ``se``, ``cv``, ``n`` (m/s); levels without usable speeds
        get NaN.

    Notes
    -----
    A grouped version of :func:`harmonic_mean_speed`. camtrapDensity fits speed as a function of
    covariates with the size-biased regression ``sbd::sbm`` (log-normal, gamma or Weibull); that model
    is not implemented here.

    Examples
    --------
    >>> speed_by([0.5, 1.0, 2.0, 4.0], ["day", "day", "night", "night"])["estimate"].round(3).tolist()
    [0.667, 2.667]
    """
    v = np.asarray(speeds, dtype=float).ravel()
    labels = pd.Series(np.asarray(covariate).ravel())
    if labels.size != v.size:
        raise ValueError(f"speeds has {v.size} values but covariate has {labels.size}")
    rows = {}
    for level, idx in labels.groupby(labels, sort=True, dropna=True).groups.items():
        try:
            est = harmonic_mean_speed(v[np.asarray(idx)], speed_range)
            rows[level] = {"estimate": est.mean, "se": est.se, "cv": est.cv, "n": est.n}
        except ValueError:
            rows[level] = {"estimate": np.nan, "se": np.nan, "cv": np.nan, "n": 0}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "level"
    return out


def sequence_speeds(observations: pd.DataFrame, species: str | None = None) -> pd.DataFrame:
    """The speeds measured on sequences: one row per observation with an ``individualSpeed``.

    Parameters
    ----------
    observations : DataFrame
        Camtrap DP 1.0 observations (``individualSpeed`` in m/s; a 0.1.6 package read by
        :func:`nbtools.camtrapdp.read_camtrapdp` has its ``speed`` renamed to this).
    species : str, optional
        Keep this ``scientificName`` only.

    Returns
    -------
    pandas.DataFrame
        ``observationID``, ``deploymentID``, ``eventID``, ``scientificName``, ``eventStart`` (where
        present) and ``speed`` (m/s), for rows with a speed.
    """
    if "individualSpeed" not in observations.columns:
        raise ValueError(
            "observations have no 'individualSpeed' column (m/s); Agouti's 0.1.6 'speed' is "
            "renamed to it by nbtools.camtrapdp.read_camtrapdp"
        )
    obs = observations
    if species is not None:
        obs = obs[obs["scientificName"] == species]
    speed = pd.to_numeric(obs["individualSpeed"], errors="coerce")
    keep = speed.notna()
    cols = [c for c in ("observationID", "deploymentID", "eventID", "scientificName", "eventStart") if c in obs.columns]
    out = obs.loc[keep, cols].copy()
    out["speed"] = speed[keep].astype(float)
    return out.reset_index(drop=True)


def _harmonic_mean_quick(speeds: NDArray, speed_range: tuple[float, float] | None) -> float:
    """``harmonic_mean_speed(speeds, speed_range).mean`` (the same operations), without its SE and result."""
    v = speeds[~np.isnan(speeds)]
    if speed_range is None:
        v = v[v > 0]
    else:
        lo, hi = (float(speed_range[0]), float(speed_range[1]))
        if not lo < hi:
            raise ValueError(f"speed_range must be (low, high) with low < high, got {speed_range!r}")
        v = v[(v > lo) & (v < hi)]
    if v.size == 0:
        raise ValueError("there are no usable speeds (none within the speed range)")
    return float(1.0 / (1.0 / v).mean())
