"""Von Mises kernels: bandwidths (overlap's ``getBandWidth``, activity's), densities and their Fourier series.

Every density a bootstrap needs is an exact Fourier series of the von Mises kernel,
``f(t) = (1 + 2 sum_p rho_p(kappa) (C_p cos pt + S_p sin pt)) / (2 pi)`` with ``rho_p = I_p(kappa)/I_0(kappa)``
and the empirical trigonometric moments ``C_p, S_p``, truncated where ``rho_p < 1e-18``; on the lattice of a
smoothed bootstrap the series is evaluated by FFT.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import i0e, ive

from .inputs import _MAX_TERMS, _RHO_CUTOFF, TWO_PI, _as_radians
from .numerics import _bessel_ratio, _fmin, _zeroin

__all__ = ["bandwidth", "circular_density"]


# ---------------------------------------------------------------------------------------------------------
# bandwidth
# ---------------------------------------------------------------------------------------------------------


def _moment_lengths(x: NDArray, kmax: int) -> NDArray[np.float64]:
    """Trigonometric moment lengths ``|mean(exp(i k x))|``, k = 1..kmax (overlap's ``TrigMomRad``)."""
    k = np.arange(1, kmax + 1)
    ang = np.outer(x, k)
    return np.hypot(np.cos(ang).mean(axis=0), np.sin(ang).mean(axis=0))


def _bandwidth_formula(kappa: NDArray, n: NDArray) -> NDArray[np.float64]:
    """Taylor's (2008) rule: ``(3 n k^2 I_2(2k) / (4 sqrt(pi) I_0(k)^2))^(2/5)`` (scaled Bessels)."""
    kappa = np.asarray(kappa, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        val = 3.0 * n * kappa**2 * ive(2, 2.0 * kappa) / (4.0 * math.sqrt(math.pi) * i0e(kappa) ** 2)
        return np.where(kappa > 0, val**0.4, np.nan)


def _bandwidth_from_moments(rho: NDArray, n: NDArray, upper: float = 345.0) -> NDArray[np.float64]:
    """``overlap::getBandWidth`` for many samples: ``rho`` is (m, kmax) moment lengths, ``n`` sizes."""
    rho = np.atleast_2d(np.asarray(rho, dtype=float))
    m, kmax = rho.shape
    order = np.broadcast_to(np.arange(1, kmax + 1), (m, kmax)).ravel()
    target = rho.ravel()
    lo = np.full(target.shape, 1e-4)
    hi = np.full(target.shape, upper)
    f_lo = _bessel_ratio(order, lo) - target
    f_hi = _bessel_ratio(order, hi) - target
    ok = f_lo * f_hi <= 0
    kappa = np.zeros(target.shape)
    if ok.any():
        sub_order, sub_target = order[ok], target[ok]

        def afun(x: NDArray, idx: NDArray) -> NDArray:
            return _bessel_ratio(sub_order[idx], x) - sub_target[idx]

        kappa[ok] = _zeroin(afun, lo[ok], hi[ok], f_lo[ok], f_hi[ok])
    kappa_hat = kappa.reshape(m, kmax).max(axis=1)
    return _bandwidth_formula(kappa_hat, np.asarray(n, dtype=float))


def _activity_bandwidth_from_moments(rho: NDArray, n: NDArray) -> NDArray[np.float64]:
    """``activity::bwcalc`` for many samples: kappa_k minimises ``(A_k(kappa) - rho_k)^2`` on (0, 100)."""
    rho = np.atleast_2d(np.asarray(rho, dtype=float))
    m, kmax = rho.shape
    order = np.broadcast_to(np.arange(1, kmax + 1), (m, kmax)).ravel()
    target = rho.ravel()

    def loss(x: NDArray, idx: NDArray) -> NDArray:
        return (_bessel_ratio(order[idx], x) - target[idx]) ** 2

    kappa = _fmin(loss, np.zeros(target.shape), np.full(target.shape, 100.0))
    return _bandwidth_formula(kappa.reshape(m, kmax).max(axis=1), np.asarray(n, dtype=float))


def bandwidth(x: ArrayLike, kmax: int = 3) -> float:
    """Concentration of the von Mises kernel for a sample of times, as ``overlap::getBandWidth``.

    Parameters
    ----------
    x : array
        Times in radians, [0, 2*pi].
    kmax : int, default 3
        Largest order of trigonometric moment used to estimate the concentration of the data.

    Returns
    -------
    float
        The kernel concentration ``bw`` (larger = less smoothing); overlap divides it by ``adjust``.

    Notes
    -----
    Taylor's (2008) plug-in rule as adapted by Ridout & Linkie (2009): for k = 1..kmax, kappa_k solves
    ``I_k(kappa)/I_0(kappa) = |mean(exp(i k x))|`` on [1e-4, 345] (R's ``uniroot``, same algorithm and
    tolerance, so the same iterate); kappa = max_k kappa_k and
    ``bw = (3 n kappa^2 I_2(2 kappa) / (4 sqrt(pi) I_0(kappa)^2))^(2/5)``.
    The interval [1e-4, 345] is overlap's since version 0.3.2 (500 before): the older interval
    gives slightly different numbers (0.2908618 instead of 0.2908614 for Dhat1 on simulatedData).

    Raises
    ------
    ValueError
        If no kappa_k can be found (data too concentrated: all times (nearly) identical).

    References
    ----------
    Taylor, C.C. (2008) Automatic bandwidth selection for circular density estimation. Computational
    Statistics & Data Analysis 52, 3493-3500. https://doi.org/10.1016/j.csda.2007.11.003
    Ridout, M.S. & Linkie, M. (2009), https://doi.org/10.1198/jabes.2009.08038

    Examples
    --------
    >>> import numpy as np
    >>> round(bandwidth(np.random.default_rng(1).vonmises(np.pi, 2, 100) % (2 * np.pi)), 4)
    8.8915
    """
    arr = _as_radians(x, "x")
    bw = _bandwidth_from_moments(_moment_lengths(arr, kmax)[None, :], np.array([arr.size]))[0]
    if not np.isfinite(bw):
        raise ValueError(
            "the bandwidth could not be estimated (no kappa in [1e-4, 345] matches the trigonometric "
            "moments): the times are (nearly) all identical"
        )
    return float(bw)


# ---------------------------------------------------------------------------------------------------------
# kernel density
# ---------------------------------------------------------------------------------------------------------


def _vm_density(x: NDArray, at: NDArray, kappa: float) -> NDArray[np.float64]:
    """Mean of von Mises kernels with concentration ``kappa`` centred on ``x``, evaluated at ``at``."""
    at = np.asarray(at, dtype=float)
    out = np.empty(at.shape)
    norm_const = TWO_PI * i0e(kappa) * x.size
    step = max(1, 2_000_000 // max(1, x.size))
    for s in range(0, at.size, step):
        blk = at[s : s + step]
        out[s : s + step] = np.exp(kappa * (np.cos(blk[:, None] - x[None, :]) - 1.0)).sum(axis=1)
    return out / norm_const


def circular_density(
    x: ArrayLike,
    at: ArrayLike,
    adjust: float = 1.0,
    bw: float | None = None,
    kmax: int = 3,
) -> NDArray[np.float64]:
    """Von Mises kernel density of times ``x`` evaluated at ``at``, as ``overlap::densityFit``.

    Parameters
    ----------
    x : array
        Observed times in radians.
    at : array
        Where to evaluate the density, radians.
    adjust : float, default 1
        Smoothing multiplier: the kernel concentration is ``bw / adjust`` (overlap's convention; larger
        ``adjust`` = smoother).
    bw : float, optional
        Kernel concentration before adjustment; default :func:`bandwidth` of ``x``.
    kmax : int, default 3
        Passed to :func:`bandwidth`.

    Returns
    -------
    numpy.ndarray
        Density per radian (integrates to 1 over [0, 2*pi]); multiply by ``2*pi/24`` for per hour.

    Notes
    -----
    ``f(t) = 1/(n 2 pi I_0(kappa)) sum_i exp(kappa cos(t - x_i))`` with ``kappa = bw / adjust``
    (Ridout & Linkie 2009).

    References
    ----------
    Ridout, M.S. & Linkie, M. (2009), https://doi.org/10.1198/jabes.2009.08038

    Examples
    --------
    >>> import numpy as np
    >>> # (2 exp(cos 1) + exp(1)) / (3 * 2 pi I0(1)):
    >>> circular_density(np.array([1.0, 2.0, 3.0]), np.array([2.0]), bw=1.0).round(6).tolist()
    [0.257758]
    """
    arr = _as_radians(x, "x", min_distinct=1)
    pts = np.asarray(at, dtype=float)
    if adjust <= 0:
        raise ValueError(f"adjust must be positive, got {adjust!r}")
    if bw is None:
        bw = bandwidth(arr, kmax)
    elif not (np.isfinite(bw) and bw > 0):
        raise ValueError(f"bw must be a positive concentration, got {bw!r}")
    return _vm_density(arr, pts, float(bw) / adjust)


# ---------------------------------------------------------------------------------------------------------
# Fourier series of kernel densities
# ---------------------------------------------------------------------------------------------------------


def _bessel_ratios_upto(kappa: NDArray, n_terms: int, extra: int = 64) -> NDArray[np.float64]:
    """``I_p(kappa)/I_0(kappa)`` for p = 1..n_terms (columns), every kappa (rows).

    Backward recurrence of the ratios ``r_p = I_p/I_{p-1} = kappa / (2p + kappa r_{p+1})`` (a continued
    fraction, stable), started ``extra`` orders higher from Amos's (1974) lower bound, then cumulative
    products.
    """
    kap = np.asarray(kappa, dtype=float)[:, None]
    top = n_terms + extra
    nu = float(top)
    r = kap / (nu + 1.0 + np.sqrt((nu + 1.0) ** 2 + kap**2))
    ratios = np.empty((kap.shape[0], n_terms))
    for p in range(top, 0, -1):
        r = kap / (2.0 * p + kap * r)
        if p <= n_terms:
            ratios[:, p - 1] = r[:, 0]
    return np.cumprod(ratios, axis=1)


def _n_terms(kappa_max: float) -> int:
    """Number of Fourier terms such that ``I_p(kappa_max)/I_0(kappa_max) < 1e-18`` beyond it."""
    if not np.isfinite(kappa_max) or kappa_max <= 0:
        return 8
    guess = int(math.sqrt(2.0 * kappa_max * 45.0)) + 16
    cap = min(_MAX_TERMS, max(guess, 32))
    rho = ive(np.arange(1, cap + 1), kappa_max) / i0e(kappa_max)
    small = np.nonzero(rho < _RHO_CUTOFF)[0]
    if small.size == 0:
        return cap
    return max(8, int(small[0]) + 1)


def _trig_matrix(points: NDArray, n_terms: int) -> NDArray[np.float64]:
    """``[cos(p t), sin(p t)]`` for p = 1..n_terms: shape (len(points), 2 n_terms)."""
    ang = np.outer(points, np.arange(1, n_terms + 1))
    return np.concatenate([np.cos(ang), np.sin(ang)], axis=1)


def _coefficients_from_counts(counts: NDArray, trig: NDArray, n: float) -> NDArray[np.float64]:
    """Empirical trigonometric moments (B, 2P) = counts (B, K) @ trig(support) (K, 2P) / n."""
    return (counts @ trig) / n


def _coefficients_from_points(x: NDArray, n_terms: int) -> NDArray[np.float64]:
    """Empirical trigonometric moments (B, 2P) of samples given as rows of points, by powers of exp(i x)."""
    z = np.exp(1j * x)
    acc = z.copy()
    out = np.empty((x.shape[0], 2 * n_terms))
    for p in range(n_terms):
        mean = acc.mean(axis=1)
        out[:, p] = mean.real
        out[:, n_terms + p] = mean.imag
        acc *= z
    return out


def _series_density(coef: NDArray, rho: NDArray, at_trig: NDArray) -> NDArray[np.float64]:
    """Kernel densities (B, M) from moments ``coef`` (B, 2P), ratios ``rho`` (B, P), trig(at) (M, 2P)."""
    weights = coef * np.concatenate([rho, rho], axis=1)
    return (1.0 + 2.0 * (weights @ at_trig.T)) / TWO_PI


def _kernel_densities(
    coef: NDArray,
    kappa: NDArray,
    at: NDArray,
    counts: NDArray | None,
    support: NDArray | None,
    n: float,
) -> NDArray[np.float64]:
    """Densities (B, len(at)) for resamples with concentrations ``kappa`` (NaN rows give NaN).

    Uses the Fourier series; if the concentrations need more than ``_MAX_TERMS`` terms (extremely
    concentrated data), evaluates the kernels directly from the counts instead.
    """
    valid = np.isfinite(kappa)
    kap = np.where(valid, kappa, 0.0)
    n_terms = _n_terms(float(kap.max()) if kap.size else 0.0)
    if n_terms < _MAX_TERMS or counts is None:
        p_avail = coef.shape[1] // 2
        if p_avail < n_terms:
            raise AssertionError("not enough trigonometric moments")  # pragma: no cover
        c = (
            coef
            if p_avail == n_terms
            else np.concatenate([coef[:, :n_terms], coef[:, p_avail : p_avail + n_terms]], axis=1)
        )
        out = _series_density(c, _bessel_ratios_upto(kap, n_terms), _trig_matrix(at, n_terms))
    else:  # pragma: no cover - needs concentrations of several thousand
        out = np.empty((kap.size, at.size))
        for row in np.nonzero(valid)[0]:
            out[row] = _vm_density(np.repeat(support, counts[row].astype(int)), at, kap[row])
    if not valid.all():
        out[~valid] = np.nan
    return out


# ---------------------------------------------------------------------------------------------------------
# lattice densities (FFT)
# ---------------------------------------------------------------------------------------------------------


def _lattice_density(spectrum: NDArray, kappa: NDArray, size: int) -> NDArray[np.float64]:
    """Kernel densities (B, size) at the lattice points ``2 pi j / size`` (column j-1), by inverse FFT.

    ``f(2 pi j / K) = (1/2 pi) sum_q rho_|q| D_q exp(2 pi i q j / K)`` with ``D_q = mean exp(-i q t)``;
    the terms are folded modulo K (exact: D is K-periodic for lattice data) and summed by ``irfft``.
    """
    valid = np.isfinite(kappa)
    kap = np.where(valid, kappa, 0.0)
    n_terms = _n_terms(float(kap.max()) if kap.size else 0.0)
    rho = _bessel_ratios_upto(kap, n_terms)
    half = size // 2 + 1
    fold = np.zeros((kap.size, half))
    fold[:, 0] = 1.0
    r = np.arange(1, n_terms + 1) % size
    col = np.where(r <= size // 2, r, size - r)
    weight = np.where(r == 0, 2.0, 1.0)
    np.add.at(fold.T, col, (rho * weight).T)
    dens = np.fft.irfft(spectrum * fold, n=size, axis=1) * (size / TWO_PI)
    dens = np.roll(dens, -1, axis=1)
    if not valid.all():
        dens[~valid] = np.nan
    return dens


def _lattice_spectrum(counts: NDArray, n: float) -> NDArray[np.complex128]:
    """``rfft`` of counts on the lattice ``2 pi j / K`` (j = 1..K, column j-1), divided by n.

    Column p holds ``mean(exp(-i p t))`` over the resample, so moments come from it by conjugation.
    """
    return np.fft.rfft(np.roll(counts, 1, axis=1), axis=1) / n


def _lattice_coefficients(spectrum: NDArray, size: int, n_terms: int) -> NDArray[np.float64]:
    """Moments (B, 2P) ``[mean cos(p t), mean sin(p t)]``, p = 1..n_terms, from a lattice spectrum."""
    p = np.arange(1, n_terms + 1) % size
    mirror = p > size // 2
    col = np.where(mirror, size - p, p)
    vals = spectrum[:, col]
    return np.concatenate([vals.real, np.where(mirror, vals.imag, -vals.imag)], axis=1)


def _is_lattice(support: NDArray) -> bool:
    k = support.size
    return k > 2 and bool(np.array_equal(support, np.linspace(0.0, TWO_PI, k + 1)[1:]))
