"""Bootstrap intervals of a colext fit: :func:`nonparboot` (sites resampled) and :func:`parboot` (data simulated),
as unmarked offers them for ``colext`` (``projected.mean.bsse``, ``smoothed.mean.bsse``, ``covMatBS``, ``t.star``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from .colext import ColextFit, colext
from .dynamics import probabilities
from .errors import OccupancyDataError, OccupancyFitError, OccupancyWarning
from .multiseason import MultiSeasonData


def occupancy_statistics(fit: ColextFit) -> pd.Series:
    """Coefficients, projected and smoothed occupancy per season, as one Series (the default bootstrap statistic)."""
    parts = {
        "coef": fit.coef,
        "projected": fit.projected.set_axis([str(s) for s in fit.projected.index]),
        "smoothed": fit.smoothed.set_axis([str(s) for s in fit.smoothed.index]),
    }
    return pd.concat(parts, names=["statistic", "name"])


@dataclass(frozen=True, eq=False)
class ColextBootstrap:
    """Bootstrap distribution of statistics of a colext fit (unmarked's ``nonparboot`` / ``parboot``).

    Attributes
    ----------
    kind : {"nonparametric", "parametric"}
        Sites resampled with replacement, or data simulated from the fitted model.
    estimate : pandas.Series
        The statistic on the original fit (unmarked's ``t0``).
    samples : pandas.DataFrame
        One row per bootstrap replicate (unmarked's ``t.star``).
    level : float
        Coverage of the percentile intervals.
    failed : int
        Replicates whose fit failed and were drawn again (nonparametric) or left out (parametric).
    """

    kind: str
    estimate: pd.Series
    samples: pd.DataFrame
    level: float = 0.95
    failed: int = 0

    @property
    def se(self) -> pd.Series:
        """Bootstrap standard errors (SD of the replicates, ``ddof=1``: unmarked's ``*.bsse``)."""
        return self.samples.std(axis=0, ddof=1).rename("se")

    @property
    def coef_vcov(self) -> pd.DataFrame:
        """Bootstrap covariance of the coefficients (unmarked's ``covMatBS``), when they are in the statistic."""
        coef = self.samples.xs("coef", axis=1, level="statistic")
        return coef.cov()

    def to_frame(self) -> pd.DataFrame:
        """Estimate, bootstrap SE and percentile interval of every statistic."""
        a = (1 - self.level) / 2
        return pd.DataFrame(
            {
                "estimate": self.estimate,
                "se": self.se,
                "lower": self.samples.quantile(a, axis=0),
                "upper": self.samples.quantile(1 - a, axis=0),
            }
        )

    def occupancy(self, which: str = "smoothed") -> pd.DataFrame:
        """Per season: ``which`` ("smoothed" or "projected") occupancy with bootstrap SE and interval."""
        table = self.to_frame().xs(which, level="statistic")
        table.index.name = "season"
        return table

    def __repr__(self) -> str:
        return f"ColextBootstrap({self.kind}, {len(self.samples)} replicates, {self.samples.shape[1]} statistics)"


def _progress(iterable: Any, total: int, show: bool, what: str) -> Any:
    if not show:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=what)


def _refit(fit: ColextFit, data: MultiSeasonData) -> ColextFit:
    """The same model on other data, started at the fit's estimates, without standard errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OccupancyWarning)
        return colext(data, **fit.formulas, penalty=fit.penalty, starts=fit.coef.to_numpy(), se=False)


@renamed_parameters(B="n_boot")
def nonparboot(
    fit: ColextFit,
    n_boot: int = 100,
    *,
    statistic: Callable[[ColextFit], pd.Series] = occupancy_statistics,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> ColextBootstrap:
    """Nonparametric bootstrap: sites resampled with replacement and the model refitted (unmarked's ``nonparboot``).

    unmarked stores the bootstrap SEs of projected and smoothed occupancy (``projected.mean.bsse``,
    ``smoothed.mean.bsse``) and the bootstrap covariance of the coefficients (``covMatBS``);
    :class:`ColextBootstrap` gives these (``se``, ``coef_vcov``) and percentile intervals.

    Parameters
    ----------
    fit : ColextFit
    n_boot : int, default 100
        Replicates (unmarked's ``B``; use 1,000 or more for intervals).
    statistic : callable, default :func:`occupancy_statistics`
        A function of a fit returning a Series.
    level : float, default 0.95
    seed : int or numpy.random.Generator, optional
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    ColextBootstrap

    Notes
    -----
    All sites of the data are resampled (those the fit dropped too), as unmarked does, so every
    replicate has as many sites as the data. A replicate whose refit fails is drawn again.
    """
    rng = np.random.default_rng(seed)
    M = fit.data.n_sites
    rows, failed = [], 0
    for _ in _progress(range(int(n_boot)), int(n_boot), progress, "nonparboot"):
        while True:
            sites = np.sort(rng.integers(0, M, M))
            try:
                rows.append(statistic(_refit(fit, fit.data.subset_sites(sites))))
                break
            except (OccupancyDataError, OccupancyFitError, np.linalg.LinAlgError):
                failed += 1
    return ColextBootstrap("nonparametric", statistic(fit), pd.DataFrame(rows).reset_index(drop=True), level, failed)


@renamed_parameters(rng="seed")
def simulate_colext(fit: ColextFit, seed: int | np.random.Generator | None = None) -> MultiSeasonData:
    """Detections drawn from the fitted model at the fit's sites, surveys and covariates (unmarked's ``simulate``).

    ``seed`` is an int or a :class:`numpy.random.Generator` (a Generator is used as it is, so that successive
    calls with one Generator give successive data sets); its former name ``rng`` still works, deprecated.
    """
    rng = np.random.default_rng(seed)
    d = fit.design
    psi, col, ext, p = probabilities(d, fit.coef.to_numpy())
    M, T, J = d.y.shape
    z = np.empty((M, T), dtype=bool)
    z[:, 0] = rng.random(M) < psi
    for t in range(1, T):
        stay = np.where(z[:, t - 1], 1 - ext[:, t - 1], col[:, t - 1])
        z[:, t] = rng.random(M) < stay
    y = (rng.random((M, T, J)) < p * z[:, :, None]).astype(float)
    y[np.isnan(d.y)] = np.nan
    keep = fit.data.y.index.get_indexer(d.sites)
    sub = fit.data.subset_sites(keep)
    return MultiSeasonData(
        y=pd.DataFrame(y.reshape(M, T * J), index=sub.y.index, columns=sub.y.columns),
        n_seasons=sub.n_seasons,
        site_covs=sub.site_covs,
        yearly_site_covs=sub.yearly_site_covs,
        obs_covs=sub.obs_covs,
    )


@renamed_parameters(nsim="n_boot")
def parboot(
    fit: ColextFit,
    n_boot: int = 100,
    *,
    statistic: Callable[[ColextFit], pd.Series] = occupancy_statistics,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> ColextBootstrap:
    """Parametric bootstrap: data simulated from the fit, the model refitted (unmarked's ``parboot``).

    The unmarked colext vignette uses it for intervals of derived quantities (turnover): the
    percentile interval of the replicates. Here the default statistic is the coefficients and the
    projected and smoothed occupancy per season.

    Parameters
    ----------
    fit : ColextFit
    n_boot : int, default 100
        Simulated data sets (unmarked's ``nsim``).
    statistic : callable, default :func:`occupancy_statistics`
    level : float, default 0.95
    seed : int or numpy.random.Generator, optional
    progress : bool, default True

    Returns
    -------
    ColextBootstrap
        Replicates whose refit failed are left out and counted in ``failed``.
    """
    rng = np.random.default_rng(seed)
    rows, failed = [], 0
    for _ in _progress(range(int(n_boot)), int(n_boot), progress, "parboot"):
        try:
            rows.append(statistic(_refit(fit, simulate_colext(fit, rng))))
        except (OccupancyDataError, OccupancyFitError, np.linalg.LinAlgError):
            failed += 1
    return ColextBootstrap("parametric", statistic(fit), pd.DataFrame(rows).reset_index(drop=True), level, failed)
