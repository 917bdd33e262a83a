"""Bootstrap of overlap (overlap's ``bootstrap``) for all resamples at once, and its intervals (``bootCI``).

The resamples are count vectors over the observations (or, smoothed, over a 511-point lattice drawn from the
kernel density by the alias method); the estimators are computed for all of them from exact Fourier series
of their kernel densities (see :mod:`nbtools.activity.kernels`). The estimators and grids are overlap's; only
the arithmetic is reorganised (``benchmarks/activity.py`` compares with the per-resample implementation).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.mixins import NDArrayOperatorsMixin
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm
from tqdm.auto import tqdm

from nbtools._deprecate import renamed_parameters

from .inputs import (
    _DEFAULT_ADJUST,
    _MAX_TERMS,
    TWO_PI,
    Estimator,
    _as_radians,
    _as_rng,
    _estimator_name,
)
from .kernels import (
    _bandwidth_from_moments,
    _coefficients_from_counts,
    _is_lattice,
    _kernel_densities,
    _lattice_coefficients,
    _lattice_density,
    _lattice_spectrum,
    _n_terms,
    _trig_matrix,
    _vm_density,
    bandwidth,
)
from .overlap import OverlapEstimates, _approx_weights, _dhat_direct, _interp, recommended_estimator

__all__ = ["OverlapBootstrap", "bootstrap_ci", "bootstrap_overlap"]


# ---------------------------------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OverlapBootstrap(NDArrayOperatorsMixin):
    """Bootstrap estimates of the overlap of two activity patterns (:func:`bootstrap_overlap`).

    It behaves as the array of the ``n_boot`` estimates it holds (``np.quantile(boot, 0.5)``, ``boot.mean()``,
    ``boot[:10]``, ``len(boot)``, ``boot.shape``, arithmetic), as :func:`bootstrap_overlap` returned before,
    and adds the estimate on the data, the intervals (:meth:`ci`) and a summary (:meth:`to_frame`).
    An overlap has no likelihood: there is no ``loglik`` or ``aic``; ``coef`` is the estimate and ``se``
    the bootstrap standard deviation.

    Attributes
    ----------
    samples : numpy.ndarray
        The ``n_boot`` bootstrap estimates (NaN where a resample's bandwidth cannot be estimated, as R).
    estimates : OverlapEstimates
        The estimator on the data, with the ``adjust`` of the bootstrap (the other estimators are None).
    estimator : {"dhat1", "dhat4", "dhat5"}
        The estimator bootstrapped.
    adjust : float
        Its smoothing multiplier.
    smooth : bool
        Smoothed bootstrap (resamples from the fitted densities) or plain.
    notes : tuple of str
        What the reader should know (resamples without an estimate).
    """

    samples: NDArray[np.float64]
    estimates: OverlapEstimates
    estimator: Estimator
    adjust: float
    smooth: bool
    notes: tuple[str, ...] = ()

    # --- the array it replaces -----------------------------------------------------------------------------
    def __array__(self, dtype: object = None, copy: bool | None = None) -> NDArray:
        if copy:
            return np.array(self.samples, dtype=dtype, copy=True)
        return np.asarray(self.samples, dtype=dtype)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: object, **kwargs: object) -> object:
        plain = [np.asarray(x) if isinstance(x, OverlapBootstrap) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(np.asarray(x) if isinstance(x, OverlapBootstrap) else x for x in kwargs["out"])
        return getattr(ufunc, method)(*plain, **kwargs)

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self):  # noqa: ANN204
        return iter(self.samples)

    def __getitem__(self, key: object) -> object:
        return self.samples[key]

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of ``samples``, ``(n_boot,)``."""
        return self.samples.shape

    def __getattr__(self, name: str) -> object:
        # the array's other attributes and methods (mean, std, size, dtype, ...), as before
        if name.startswith("__") or name in ("samples", "estimates", "estimator", "adjust", "smooth", "notes"):
            raise AttributeError(name)
        return getattr(self.samples, name)

    def __repr__(self) -> str:
        return (
            f"OverlapBootstrap({self.estimator}, estimate={self.estimate:.4f}, n_boot={self.n_boot}, "
            f"smooth={self.smooth}, adjust={self.adjust:g})"
        )

    # --- the shape of a result ------------------------------------------------------------------------------
    @property
    def n_boot(self) -> int:
        """Number of resamples."""
        return int(self.samples.size)

    @property
    def estimate(self) -> float:
        """The estimator on the data (overlap's ``t0``)."""
        return float(getattr(self.estimates, self.estimator))

    @property
    def coef(self) -> float:
        """The estimate (``estimate``)."""
        return self.estimate

    @property
    def se(self) -> float:
        """Bootstrap standard error: the standard deviation of the finite resample estimates (ddof=1)."""
        finite = self.samples[np.isfinite(self.samples)]
        return float(finite.std(ddof=1)) if finite.size > 1 else math.nan

    def ci(self, kind: str | None = None, level: float = 0.95) -> pd.DataFrame:
        """Bootstrap intervals: :func:`bootstrap_ci` of ``estimate`` and ``samples``."""
        return bootstrap_ci(self.estimate, self.samples, level=level, kind=kind)

    def to_frame(self) -> pd.DataFrame:
        """One row (index: the estimator): estimate, se, n_boot, resamples without estimate, adjust, smooth, n_a, n_b."""
        return pd.DataFrame(
            {
                "estimate": [self.estimate],
                "se": [self.se],
                "n_boot": [self.n_boot],
                "n_failed": [int(np.isnan(self.samples).sum())],
                "adjust": [self.adjust],
                "smooth": [self.smooth],
                "n_a": [self.estimates.n_a],
                "n_b": [self.estimates.n_b],
            },
            index=pd.Index([self.estimator], name="estimator"),
        )


# ---------------------------------------------------------------------------------------------------------
# estimators from resample counts
# ---------------------------------------------------------------------------------------------------------


def _dhat_from_counts(
    counts_a: NDArray,
    support_a: NDArray,
    counts_b: NDArray,
    support_b: NDArray,
    estimator: Estimator,
    adj: float,
    kmax: int,
    n_grid: int,
) -> NDArray[np.float64]:
    """One overlap estimator for B resamples given as counts over support points (rows of counts).

    Equal, up to rounding (~1e-15), to ``_dhat_direct`` on the samples ``repeat(support, counts[row])``.
    Supports on the lattice ``2 pi j / K`` (the smoothed bootstrap) use FFTs for the moments and for the
    densities at the lattice points.
    """
    n_a = float(counts_a[0].sum())
    n_b = float(counts_b[0].sum())
    shared = support_a is support_b
    lattice = shared and _is_lattice(support_a)
    spectra: dict[str, NDArray] = {}

    def moments(which: str, n_terms: int) -> NDArray:
        counts, support, n = (counts_a, support_a, n_a) if which == "a" else (counts_b, support_b, n_b)
        if lattice:  # one FFT of the counts gives every order (single-threaded, predictable)
            if which not in spectra:
                spectra[which] = _lattice_spectrum(counts, n)
            return _lattice_coefficients(spectra[which], support.size, n_terms)
        return _coefficients_from_counts(counts, _trig_matrix(support, n_terms), n)

    mom_a, mom_b = moments("a", kmax), moments("b", kmax)
    rho_a = np.hypot(mom_a[:, :kmax], mom_a[:, kmax:])
    rho_b = np.hypot(mom_b[:, :kmax], mom_b[:, kmax:])
    kap_a = _bandwidth_from_moments(rho_a, np.full(rho_a.shape[0], n_a)) / adj
    kap_b = _bandwidth_from_moments(rho_b, np.full(rho_b.shape[0], n_b)) / adj
    finite = np.isfinite(kap_a) & np.isfinite(kap_b)
    kappa_max = max(
        float(np.max(kap_a[finite], initial=0.0)),
        float(np.max(kap_b[finite], initial=0.0)),
    )
    n_terms = min(_n_terms(kappa_max), _MAX_TERMS)
    coef_a, coef_b = moments("a", n_terms), moments("b", n_terms)
    grid = np.linspace(0.0, TWO_PI, n_grid)

    def dens_a(at: NDArray) -> NDArray:
        return _kernel_densities(coef_a, kap_a, at, counts_a, support_a, n_a)

    def dens_b(at: NDArray) -> NDArray:
        return _kernel_densities(coef_b, kap_b, at, counts_b, support_b, n_b)

    if estimator == "dhat1":
        fa = dens_a(grid)[:, 1:]
        fb = dens_b(grid)[:, 1:]
        fa = fa / fa.sum(axis=1, keepdims=True)
        fb = fb / fb.sum(axis=1, keepdims=True)
        return np.where(finite, np.minimum(fa, fb).sum(axis=1), np.nan)

    points = support_a if shared else np.concatenate([support_a, support_b])
    if n_a + n_b > n_grid * 1.1:
        gi, gf = _approx_weights(grid, points)
        fa_pts = _interp(dens_a(grid), gi, gf)
        fb_pts = _interp(dens_b(grid), gi, gf)
    elif lattice:
        fa_pts = _lattice_density(spectra["a"], kap_a, support_a.size)
        fb_pts = _lattice_density(spectra["b"], kap_b, support_a.size)
    else:
        fa_pts = dens_a(points)
        fb_pts = dens_b(points)
    with np.errstate(invalid="ignore", divide="ignore"):
        if shared:
            ratio = fb_pts / fa_pts  # g/f at every support point
            if estimator == "dhat4":
                part_a = (counts_a * np.minimum(1.0, ratio)).sum(axis=1) / n_a
                part_b = (counts_b * np.minimum(1.0, 1.0 / ratio)).sum(axis=1) / n_b
                out = (part_a + part_b) / 2
            else:
                higher = fb_pts > fa_pts
                out = (counts_a * higher).sum(axis=1) / n_a + (counts_b * ~higher).sum(axis=1) / n_b
        else:
            ka = support_a.size
            fa_a, fb_a = fa_pts[:, :ka], fb_pts[:, :ka]
            fa_b, fb_b = fa_pts[:, ka:], fb_pts[:, ka:]
            if estimator == "dhat4":
                part_a = (counts_a * np.minimum(1.0, fb_a / fa_a)).sum(axis=1) / n_a
                part_b = (counts_b * np.minimum(1.0, fa_b / fb_b)).sum(axis=1) / n_b
                out = (part_a + part_b) / 2
            else:
                out = (counts_a * (fb_a > fa_a)).sum(axis=1) / n_a + (counts_b * (fa_b >= fb_b)).sum(axis=1) / n_b
    return np.where(finite, out, np.nan)


# ---------------------------------------------------------------------------------------------------------
# drawing resamples
# ---------------------------------------------------------------------------------------------------------


def _alias_table(prob: NDArray) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Walker's alias table (Vose's construction) for sampling indices with probabilities ``prob``."""
    k = prob.size
    q = prob * (k / prob.sum())
    alias = np.arange(k)
    small = [i for i in range(k) if q[i] < 1.0]
    large = [i for i in range(k) if q[i] >= 1.0]
    while small and large:
        s = small.pop()
        g = large[-1]
        alias[s] = g
        q[g] -= 1.0 - q[s]
        if q[g] < 1.0:
            large.pop()
            small.append(g)
    for i in small + large:  # rounding leftovers keep themselves
        q[i] = 1.0
    return q, alias


def _draw_counts(
    rng: np.random.Generator,
    n_rows: int,
    size: int,
    n_support: int,
    alias: tuple[NDArray, NDArray] | None = None,
) -> NDArray[np.float64]:
    """Counts (n_rows, n_support) of ``size`` draws per row: uniform indices, or by Walker's alias method.

    With an alias table one uniform u gives the cell ``floor(u K)`` and, from its fractional part, whether
    to keep the cell or take its alias (Walker 1977).
    """
    if alias is None:
        idx = rng.integers(0, n_support, size=(n_rows, size))
    else:
        q, table = alias
        u = rng.random((n_rows, size))
        u *= n_support
        idx = u.astype(np.intp)
        np.minimum(idx, n_support - 1, out=idx)
        u -= idx
        idx = np.where(u < q[idx], idx, table[idx])
    idx += (np.arange(n_rows) * n_support)[:, None]
    return np.bincount(idx.ravel(), minlength=n_rows * n_support).reshape(n_rows, n_support).astype(float)


def _chunk_rows(*n_support: int) -> int:
    """Resamples computed together: ~4 million support cells per chunk, 200-2000 rows (depends only on
    the data sizes, so a seed gives the same draws on every machine)."""
    return int(np.clip(4_000_000 // max(n_support), 200, 2000))


# ---------------------------------------------------------------------------------------------------------
# bootstrap and intervals
# ---------------------------------------------------------------------------------------------------------


@renamed_parameters(n="n_boot")
def bootstrap_overlap(
    a: ArrayLike,
    b: ArrayLike,
    n_boot: int = 10_000,
    smooth: bool = True,
    estimator: Estimator | None = None,
    adjust: float | None = None,
    kmax: int = 3,
    n_grid: int = 128,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> OverlapBootstrap:
    """Bootstrap estimates of overlap, as ``overlap::bootstrap``.

    Parameters
    ----------
    a, b : array
        Times of detection (radians) of species A and B.
    n_boot : int, default 10 000
        Number of bootstrap resamples (``nb`` in R).
    smooth : bool, default True
        Smoothed bootstrap (resample from the fitted densities) or plain (resample the observations).
    estimator : {"dhat1", "dhat4", "dhat5"}, optional
        Which estimator to bootstrap (``type`` in R). Default: :func:`recommended_estimator` for the sample
        sizes (R's default is always Dhat1).
    adjust : float, optional
        Smoothing multiplier for the estimator; default 0.8, 1 or 4 for Dhat1, Dhat4, Dhat5, as R.
    kmax, n_grid : int
        As in :func:`overlap_estimates`.
    seed : int or numpy.random.Generator, optional
        Randomness; the same seed gives the same resamples and estimates.
    progress : bool, default True
        Show a progress bar (tqdm).

    Returns
    -------
    OverlapBootstrap
        The ``n_boot`` bootstrap estimates (``OverlapBootstrap.samples``; the result behaves as that array,
        as it was before it became a result), the estimate on the data and :meth:`OverlapBootstrap.ci`. A
        resample whose bandwidth cannot be estimated gives NaN (with a warning), as in R; :func:`bootstrap_ci`
        ignores them.

    Notes
    -----
    Smoothed bootstrap (overlap): each species' kernel density with ``adjust = 1`` is evaluated on the
    511 points ``linspace(0, 2*pi, 512)[1:]`` and a resample of the original size is drawn from those
    points with probabilities proportional to the density. Plain bootstrap: the observations are
    resampled with replacement. Each resample gets its own bandwidth (:func:`bandwidth`) and the
    estimator of :func:`overlap_estimates`. Resamples are drawn with numpy's generator (not R's), so
    individual values differ from R's, but their distribution is the same.

    All resamples are computed together from their count vectors with the exact Fourier series of the
    kernel densities (see the module notes); the values equal those of :func:`overlap_estimates` on
    each resample to ~1e-15 (tested to 1e-9).

    References
    ----------
    Ridout, M.S. & Linkie, M. (2009), https://doi.org/10.1198/jabes.2009.08038
    Meredith, M. & Ridout, M. Overview of the overlap package (vignette). https://CRAN.R-project.org/package=overlap

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.vonmises(np.pi / 2, 2, 60) % (2 * np.pi); b = rng.vonmises(np.pi, 2, 80) % (2 * np.pi)
    >>> bs = bootstrap_overlap(a, b, n_boot=200, seed=1, progress=False)
    >>> bs.shape, bool(np.array_equal(bs, bootstrap_overlap(a, b, n_boot=200, seed=1, progress=False)))
    ((200,), True)
    """
    xa = _as_radians(a, "a")
    xb = _as_radians(b, "b")
    if int(n_boot) < 1:
        raise ValueError(f"n_boot (number of resamples, formerly n) must be at least 1, got {n_boot!r}")
    n_boot = int(n_boot)
    name = recommended_estimator(xa.size, xb.size) if estimator is None else _estimator_name(estimator)
    adj = _DEFAULT_ADJUST[name] if adjust is None else float(adjust)
    if not adj > 0:
        raise ValueError(f"adjust must be positive, got {adjust!r}")
    rng = _as_rng(seed)
    if smooth:
        lattice = np.linspace(0.0, TWO_PI, 512)[1:]
        prob_a = _vm_density(xa, np.linspace(0.0, TWO_PI, 512), bandwidth(xa, kmax))[1:]
        prob_b = _vm_density(xb, np.linspace(0.0, TWO_PI, 512), bandwidth(xb, kmax))[1:]
        support_a = support_b = lattice
        alias_a, alias_b = _alias_table(prob_a), _alias_table(prob_b)
    else:
        bandwidth(xa, kmax), bandwidth(xb, kmax)  # fail early, with a clear message
        support_a, support_b = xa, xb
        alias_a = alias_b = None
    out = np.empty(n_boot)
    with tqdm(total=n_boot, disable=not progress, desc=f"bootstrap {name}", unit="resample") as bar:
        chunk = _chunk_rows(support_a.size, support_b.size)
        for start in range(0, n_boot, chunk):
            rows = min(chunk, n_boot - start)
            counts_a = _draw_counts(rng, rows, xa.size, support_a.size, alias_a)
            counts_b = _draw_counts(rng, rows, xb.size, support_b.size, alias_b)
            out[start : start + rows] = _dhat_from_counts(
                counts_a, support_a, counts_b, support_b, name, adj, kmax, n_grid
            )
            bar.update(rows)
    failed = int(np.isnan(out).sum())
    notes: tuple[str, ...] = ()
    if failed:
        notes = (f"{failed} of {n_boot} resamples gave no estimate (bandwidth not estimable); they are NaN",)
        warnings.warn(notes[0], stacklevel=3)  # 3: the user's line, past the wrapper of renamed_parameters
    adjusts = tuple(adj if est == name else None for est in ("dhat1", "dhat4", "dhat5"))
    estimates = OverlapEstimates(*_dhat_direct(xa, xb, adjusts, kmax, n_grid), int(xa.size), int(xb.size), adjusts)
    return OverlapBootstrap(out, estimates, name, adj, bool(smooth), notes)


def _quantile_inter(bt: NDArray, level: float) -> tuple[float, float]:
    """Normal-interpolated order statistics, as ``boot:::norm.inter`` (overlap's ``quantileInter``)."""
    r = bt.size
    alpha = np.array([(1 - level) / 2, (1 + level) / 2])
    rk = (r + 1) * alpha
    if not np.all((rk > 1) & (rk < r)):
        return math.nan, math.nan
    k = np.trunc(rk).astype(int)
    ts = np.sort(bt)
    lo, hi = ts[k - 1], ts[k]
    if np.all(k == rk):
        return float(lo[0]), float(lo[1])
    wanted = norm.ppf(alpha)
    too_lo = norm.ppf(k / (r + 1))
    too_hi = norm.ppf((k + 1) / (r + 1))
    val = lo + (wanted - too_lo) / (too_hi - too_lo) * (hi - lo)
    return float(val[0]), float(val[1])


@renamed_parameters(conf="level")
def bootstrap_ci(estimate: float, bootstraps: ArrayLike, level: float = 0.95, kind: str | None = None) -> pd.DataFrame:
    """Bootstrap confidence intervals norm, norm0, basic, basic0 and perc, as ``overlap::bootCI``.

    Parameters
    ----------
    estimate : float
        The estimate from the original samples (``t0``).
    bootstraps : array
        Bootstrap estimates (``bt``); non-finite values are dropped, as in R.
    level : float, default 0.95
        Confidence level.
    kind : str, optional
        Return only this row (e.g. ``"norm0"``).

    Returns
    -------
    pandas.DataFrame
        Rows ``norm, norm0, basic, basic0, perc`` (R's order), columns ``lower, upper``.

    Notes
    -----
    With bias = mean(bt) - t0 and merr = sd(bt) * z_{(1+level)/2}:
    norm = t0 - bias -+ merr; norm0 = t0 -+ merr; perc = the (R+1) alpha-th order statistics of bt, with
    normal-quantile interpolation between neighbours when (R+1) alpha is not an integer (``norm.inter`` of
    the boot package; NaN if fewer than about 40 resamples for 95 %); basic = 2 t0 - perc (limits swapped);
    basic0 = perc - bias. overlap's authors recommend basic0 or norm0 (intervals around the uncorrected
    estimate).

    References
    ----------
    Davison, A.C. & Hinkley, D.V. (1997) Bootstrap Methods and their Application. Cambridge University
    Press. https://doi.org/10.1017/CBO9780511802843
    Ridout, M.S. & Linkie, M. (2009), https://doi.org/10.1198/jabes.2009.08038

    Examples
    --------
    >>> import numpy as np
    >>> bootstrap_ci(0.5, np.linspace(0.3, 0.7, 99)).loc["norm0"].round(4).tolist()
    [0.2702, 0.7298]
    """
    bt = np.asarray(bootstraps, dtype=float).ravel()
    if not 0 < level < 1:
        raise ValueError(f"level (the confidence level, formerly conf) must be in (0, 1), got {level!r}")
    t0 = float(estimate)
    if not math.isfinite(t0):
        raise ValueError(f"estimate must be finite, got {estimate!r}")
    dropped = int((~np.isfinite(bt)).sum())
    bt = bt[np.isfinite(bt)]
    if dropped:
        warnings.warn(f"{dropped} non-finite bootstrap value(s) dropped", stacklevel=3)  # past the wrapper
    if bt.size < 2:
        raise ValueError(f"need at least 2 finite bootstrap values, got {bt.size}")
    bias = float(bt.mean()) - t0
    merr = float(bt.std(ddof=1)) * float(norm.ppf((1 + level) / 2))
    perc = _quantile_inter(bt, level)
    if not math.isfinite(perc[0]):
        warnings.warn(
            f"{bt.size} bootstrap values are too few for perc, basic and basic0 at level={level} (NaN)",
            stacklevel=3,  # the user's line, past the wrapper of renamed_parameters
        )
    table = pd.DataFrame(
        [
            (t0 - bias - merr, t0 - bias + merr),
            (t0 - merr, t0 + merr),
            (2 * t0 - perc[1], 2 * t0 - perc[0]),
            (perc[0] - bias, perc[1] - bias),
            perc,
        ],
        index=pd.Index(["norm", "norm0", "basic", "basic0", "perc"], name="interval"),
        columns=["lower", "upper"],
    )
    if kind is not None:
        if kind not in table.index:
            raise ValueError(f"unknown interval kind {kind!r}; choose from {list(table.index)}")
        return table.loc[[kind]]
    return table
