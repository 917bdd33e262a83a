"""Activity level: the proportion of time active (activity's ``fitact``), with bootstrap intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from tqdm.auto import tqdm

from nbtools._deprecate import renamed_parameters

from .bootstrap import _chunk_rows, _draw_counts
from .inputs import _MAX_TERMS, TWO_PI, _as_radians, _as_rng
from .kernels import (
    _activity_bandwidth_from_moments,
    _coefficients_from_counts,
    _coefficients_from_points,
    _kernel_densities,
    _moment_lengths,
    _n_terms,
    _trig_matrix,
    _vm_density,
)

__all__ = ["ActivityLevel", "activity_level", "activity_levels"]


# ---------------------------------------------------------------------------------------------------------
# activity level
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityLevel:
    """Activity level: the proportion of the day the population is active (``activity::fitact``).

    Attributes
    ----------
    act : float
        Estimate ``1 / (2 pi max f)``.
    se, lcl, ucl : float or None
        Bootstrap standard error and 2.5 % / 97.5 % quantiles (None when ``sample="none"``).
    n : int
        Number of observations.
    bw : float
        Kernel concentration before ``adj`` (activity's ``bwcalc``, or the one given).
    adj : float
        Multiplier of the concentration (activity's ``adj``).
    sample : str
        Bootstrap kind: ``"none"``, ``"data"`` or ``"model"``.
    reps : int
        Number of bootstrap resamples (0 without bootstrap).
    pdf : pandas.DataFrame
        The fitted density on ``x = 0, pi/256, ..., 2 pi`` (column ``y``), and when bootstrapped its
        ``se``, ``lcl``, ``ucl`` per point, as the ``pdf`` slot of R's ``actmod``.
    notes : tuple of str
        What the reader should know about the fit (empty when nothing).

    The shape shared by estimator results: :attr:`coef` (the activity level), :attr:`se`, :attr:`notes` and
    :meth:`to_frame`. A kernel density has no likelihood, so there is no ``loglik`` or ``aic``.
    :attr:`adjust` and :attr:`n_boot` are the vocabulary's names of ``adj`` and ``reps``.
    """

    act: float
    se: float | None
    lcl: float | None
    ucl: float | None
    n: int
    bw: float
    adj: float
    sample: str
    reps: int
    pdf: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def coef(self) -> float:
        """The activity level (``act``)."""
        return self.act

    @property
    def adjust(self) -> float:
        """Multiplier of the kernel concentration (``adj``)."""
        return self.adj

    @property
    def n_boot(self) -> int:
        """Number of bootstrap resamples (``reps``)."""
        return self.reps

    def to_frame(self) -> pd.DataFrame:
        """One row: act, se, lcl, ucl, n, bw, adj, sample, reps."""
        return pd.DataFrame(
            [
                {
                    "act": self.act,
                    "se": self.se,
                    "lcl": self.lcl,
                    "ucl": self.ucl,
                    "n": self.n,
                    "bw": self.bw,
                    "adj": self.adj,
                    "sample": self.sample,
                    "reps": self.reps,
                }
            ]
        )


def _activity_bandwidth(x: NDArray, kmax: int = 3) -> float:
    bw = _activity_bandwidth_from_moments(_moment_lengths(x, kmax)[None, :], np.array([x.size]))[0]
    return float(bw)


def _model_draws(rng: np.random.Generator, rows: int, size: int, grid: NDArray, pdf: NDArray) -> NDArray:
    """Random times from the fitted density, as ``activity::redf`` (trapezoid CDF, linear inverse)."""
    mass = (pdf[1:] + pdf[:-1]) / 2
    cdf = np.concatenate([[0.0], np.cumsum(mass) / mass.sum()])
    return np.interp(rng.random((rows, size)), cdf, grid)


@renamed_parameters(adj="adjust", reps="n_boot")
def activity_level(
    x: ArrayLike,
    n_boot: int = 999,
    sample: Literal["none", "data", "model"] = "none",
    adjust: float = 1.0,
    bw: float | None = None,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> ActivityLevel:
    """Activity level from times of detection (Rowcliffe et al. 2014), as ``activity::fitact``.

    Parameters
    ----------
    x : array
        Times of detection in radians (clock or sun time).
    n_boot : int, default 999
        Bootstrap resamples (ignored when ``sample="none"``).
    sample : {"none", "data", "model"}, default "none"
        Bootstrap by resampling the observations ("data", generally preferred) or by drawing from the
        fitted density ("model", more sensible for very small samples); R's default is "none".
    adjust : float, default 1
        Multiplier of the kernel concentration (activity's ``adj``; note that overlap's ``adjust`` divides
        instead).
    bw : float, optional
        Kernel concentration; default activity's ``bwcalc`` of ``x``. As in R, each bootstrap resample gets
        its own ``bwcalc`` even when ``bw`` is given.
    seed : int or numpy.random.Generator, optional
        Randomness for the bootstrap; the same seed gives the same interval.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    ActivityLevel
        ``.act``, ``.se``, ``.lcl``, ``.ucl``, ``.pdf``, ``.to_frame()``.

    Notes
    -----
    Assuming all animals are active at the daily peak of activity, the proportion of time active is the
    area under the density divided by the area of the rectangle of the peak's height:
    ``act = 1 / (2 pi max_t f(t))``. ``f`` is a von Mises kernel density (concentration ``bw * adjust``)
    evaluated on 513 points ``0, pi/256, ..., 2 pi``. activity's ``bwcalc`` differs from overlap's
    :func:`bandwidth` in how kappa_k is found: it minimises ``(I_k/I_0 - rho_k)^2`` over (0, 100) with R's
    ``optimise`` (reproduced here), instead of a root search over [1e-4, 345]. Intervals are the 2.5 % and
    97.5 % quantiles of the bootstrap estimates (R's type 7), SE their standard deviation.

    References
    ----------
    Rowcliffe, J.M., Kays, R., Kranstauber, B., Carbone, C. & Jansen, P.A. (2014) Quantifying levels of
    animal activity using camera trap data. Methods in Ecology and Evolution 5, 1170-1179.
    https://doi.org/10.1111/2041-210X.12278

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(2).vonmises(0, 1, 150) % (2 * np.pi)
    >>> fit = activity_level(x, n_boot=100, sample="data", seed=1, progress=False)
    >>> 0 < fit.lcl < fit.act < fit.ucl <= 1
    True
    """
    data = _as_radians(x, "x")
    if sample not in ("none", "data", "model"):
        raise ValueError(f"sample must be 'none', 'data' or 'model', got {sample!r}")
    if not adjust > 0:
        raise ValueError(f"adjust (formerly adj) must be positive, got {adjust!r}")
    if bw is None:
        bw = _activity_bandwidth(data)
        if not math.isfinite(bw):
            raise ValueError("the bandwidth could not be estimated: the times are (nearly) all identical")
    elif not (math.isfinite(bw) and bw > 0):
        raise ValueError(f"bw must be a positive concentration, got {bw!r}")
    grid = np.arange(513) * (math.pi / 256)
    pdf = _vm_density(data, grid, float(bw) * adjust)
    act = 1.0 / (TWO_PI * pdf.max())
    table = pd.DataFrame({"x": grid, "y": pdf})
    if sample == "none":
        return ActivityLevel(
            float(act),
            None,
            None,
            None,
            data.size,
            float(bw),
            float(adjust),
            "none",
            0,
            table,
        )
    n_boot = int(n_boot)
    if n_boot < 2:
        raise ValueError(f"n_boot (formerly reps) must be at least 2 for a bootstrap, got {n_boot!r}")
    rng = _as_rng(seed)
    n = data.size
    pdfs = np.empty((n_boot, grid.size))
    with tqdm(total=n_boot, disable=not progress, desc=f"activity ({sample})", unit="resample") as bar:
        chunk = _chunk_rows(n)
        for start in range(0, n_boot, chunk):
            rows = min(chunk, n_boot - start)
            if sample == "data":
                counts = _draw_counts(rng, rows, n, n, None)
                moments = _coefficients_from_counts(counts, _trig_matrix(data, 3), float(n))
            else:
                draws = _model_draws(rng, rows, n, grid, pdf)
                moments = _coefficients_from_points(draws, 3)
            rho = np.hypot(moments[:, :3], moments[:, 3:])
            kap = _activity_bandwidth_from_moments(rho, np.full(rows, float(n))) * adjust
            n_terms = min(_n_terms(float(np.max(kap[np.isfinite(kap)], initial=0.0))), _MAX_TERMS)
            if sample == "data":
                coef = _coefficients_from_counts(counts, _trig_matrix(data, n_terms), float(n))
                pdfs[start : start + rows] = _kernel_densities(coef, kap, grid, counts, data, float(n))
            else:
                coef = _coefficients_from_points(draws, n_terms)
                pdfs[start : start + rows] = _kernel_densities(coef, kap, grid, None, None, float(n))
            bar.update(rows)
    acts = 1.0 / (TWO_PI * pdfs.max(axis=1))
    if not np.isfinite(acts).all():
        raise ValueError("some bootstrap resamples had no estimable bandwidth (times nearly identical)")
    table["se"] = pdfs.std(axis=0, ddof=1)
    table["lcl"] = np.quantile(pdfs, 0.025, axis=0)
    table["ucl"] = np.quantile(pdfs, 0.975, axis=0)
    lcl, ucl = np.quantile(acts, [0.025, 0.975])
    return ActivityLevel(
        float(act),
        float(acts.std(ddof=1)),
        float(lcl),
        float(ucl),
        data.size,
        float(bw),
        float(adjust),
        sample,
        n_boot,
        table,
    )


@renamed_parameters(adj="adjust")
def activity_levels(samples: Sequence[ArrayLike], adjust: float = 1.0) -> NDArray[np.float64]:
    """Activity levels of many samples at once: ``activity_level(x, adjust=adjust).act`` for each ``x``.

    For a bootstrap done outside :func:`activity_level` (e.g. the REM's resampling of camera locations,
    where every replicate needs the activity level of the times it drew). Each sample gets its own
    bandwidth (activity's ``bwcalc``, R's ``optimise`` run for all samples together, with the same
    iterates as one sample at a time) and its own kernel density on the 513 points of
    :func:`activity_level`, here from the exact Fourier series of the von Mises kernel (the counts of
    each distinct time times a trigonometric matrix, one matrix product for a chunk of samples) instead of
    the kernels evaluated at every grid point and observation. The trigonometric moments come from the
    same matrix product, so they differ from one sample at a time by rounding (~1e-15); R's ``optimise``
    then takes the same steps (it could differ, by at most its tolerance, only at an exact tie of two
    comparisons, which was never seen in 8,000 resamples: bandwidths equal to 2e-13).

    Parameters
    ----------
    samples : sequence of arrays
        Times in radians, one array per sample (sizes may differ).
    adjust : float, default 1
        Multiplier of the kernel concentration, as :func:`activity_level`.

    Returns
    -------
    numpy.ndarray
        One activity level per sample, equal to ``activity_level(x, adjust=adjust).act`` up to rounding
        (~1e-14 relative); NaN where :func:`activity_level` would raise (times missing or outside
        [0, 2 pi], fewer than 2 different times, no estimable bandwidth).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> xs = [rng.vonmises(0, 1, 150) % (2 * np.pi) for _ in range(3)]
    >>> bool(np.allclose(activity_levels(xs), [activity_level(x).act for x in xs], rtol=1e-12))
    True
    """
    if not adjust > 0:
        raise ValueError(f"adjust (formerly adj) must be positive, got {adjust!r}")
    arrays = [np.asarray(x, dtype=float).ravel() for x in samples]
    m = len(arrays)
    out = np.full(m, np.nan)
    sizes = np.array([x.size for x in arrays], dtype=float)
    usable = np.zeros(m, dtype=bool)
    for i, x in enumerate(arrays):  # activity_level's checks: finite times in [0, 2 pi], at least 2 different
        if x.size >= 2:
            lo, hi = x.min(), x.max()
            usable[i] = bool(0.0 <= lo < hi <= TWO_PI)  # NaN fails the comparisons
    idx = np.nonzero(usable)[0]
    if idx.size == 0:
        return out
    grid = np.arange(513) * (math.pi / 256)
    # chunks of samples: about 4 million cells of counts (samples x distinct times) at a time
    per_chunk = max(1, int(4_000_000 // max(1.0, float(sizes[idx].mean()))))
    for start in range(0, idx.size, per_chunk):
        rows = idx[start : start + per_chunk]
        n = sizes[rows]
        codes, support = pd.factorize(np.concatenate([arrays[i] for i in rows]))  # distinct times, by hashing
        support = np.asarray(support, dtype=float)
        owner = np.repeat(np.arange(rows.size), n.astype(np.intp))
        counts = np.bincount(owner * support.size + codes, minlength=rows.size * support.size)
        counts = counts.reshape(rows.size, support.size).astype(float)
        # moments of orders 1-3 for the bandwidth (equal to _moment_lengths of each sample up to ~1e-15), then
        # activity's bwcalc for the whole chunk (R's optimise, vectorised)
        low = (counts @ _trig_matrix(support, 3)) / n[:, None]
        kap = _activity_bandwidth_from_moments(np.hypot(low[:, :3], low[:, 3:]), n) * adjust
        ok = np.isfinite(kap) & (kap > 0)
        if not ok.any():
            continue
        rows, counts, kap, n = rows[ok], counts[ok], kap[ok], n[ok]
        n_terms = min(_n_terms(float(kap.max())), _MAX_TERMS)
        coef = (counts @ _trig_matrix(support, n_terms)) / n[:, None]
        pdfs = _kernel_densities(coef, kap, grid, counts, support, float("nan"))
        out[rows] = 1.0 / (TWO_PI * pdfs.max(axis=1))
    return out
    sizes = np.array([x.size for x in arrays], dtype=float)
    rho = np.full((m, 3), np.nan)
    usable = np.zeros(m, dtype=bool)
    for i, x in enumerate(arrays):
        if x.size < 2 or not np.isfinite(x).all() or ((x < 0) | (x > TWO_PI)).any() or x.min() == x.max():
            continue
        rho[i] = _moment_lengths(x, 3)  # exactly as activity_level: the bandwidth search sees the same numbers
        usable[i] = True
    idx = np.nonzero(usable)[0]
    if idx.size == 0:
        return out
    kappa = np.full(m, np.nan)
    kappa[idx] = _activity_bandwidth_from_moments(rho[idx], sizes[idx]) * adjust
    idx = idx[np.isfinite(kappa[idx]) & (kappa[idx] > 0)]
    grid = np.arange(513) * (math.pi / 256)
    # chunks of samples: about 4 million cells of counts (samples x distinct times) at a time
    total = int(sizes[idx].sum()) if idx.size else 0
    per_chunk = max(1, int(4_000_000 // max(1.0, total / max(1, idx.size))))
    for start in range(0, idx.size, per_chunk):
        rows = idx[start : start + per_chunk]
        codes, support = pd.factorize(np.concatenate([arrays[i] for i in rows]))  # distinct times, by hashing
        support = np.asarray(support, dtype=float)
        owner = np.repeat(np.arange(rows.size), sizes[rows].astype(np.intp))
        counts = np.bincount(owner * support.size + codes, minlength=rows.size * support.size)
        counts = counts.reshape(rows.size, support.size).astype(float)
        kap = kappa[rows]
        n_terms = min(_n_terms(float(kap.max())), _MAX_TERMS)
        coef = (counts @ _trig_matrix(support, n_terms)) / sizes[rows][:, None]
        pdfs = _kernel_densities(coef, kap, grid, counts, support, float("nan"))
        out[rows] = 1.0 / (TWO_PI * pdfs.max(axis=1))
    return out
