"""Bessel ratios and R's one-dimensional root finder and minimiser (``zeroin.c``, ``optimize.c``), vectorised.

overlap's ``getBandWidth`` finds its bandwidth with ``uniroot`` and activity's with ``optimise``, both with
R's default tolerance ``.Machine$double.eps^0.25``; the result depends on the iterates, not only on the
root, so the same algorithms run here on the same intervals (estimates agree with R's to ~1e-15).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.special import i0e, i1e, ive

from .inputs import _EPS, _R_TOL

# ---------------------------------------------------------------------------------------------------------
# Bessel ratios
# ---------------------------------------------------------------------------------------------------------


def _bessel_ratio(k: NDArray, x: NDArray) -> NDArray[np.float64]:
    """``I_k(x) / I_0(x)`` for integer orders ``k >= 1`` and ``x >= 0`` (elementwise).

    For x < 2: backward recurrence of ``r_j = I_j/I_{j-1} = x / (2j + x r_{j+1})`` from order 16 (the
    start error is damped by a factor below 1e-20 by order 3), ``A_k = r_1 ... r_k``. For x >= 2: ``i1e/i0e`` and the
    upward recurrence ``A_{j+1} = A_{j-1} - (2j/x) A_j`` for orders 2-3 (error amplification <= 2), scipy's
    ``ive`` beyond. Absolute error ~1e-15.
    """
    k, x = np.broadcast_arrays(np.asarray(k), np.asarray(x, dtype=float))
    out = np.empty(x.shape)
    small = x < 2.0
    if small.any():
        xs, ks = x[small], k[small]
        r = np.zeros_like(xs)
        prod = np.ones_like(xs)
        ratios = []
        for j in range(max(16, int(ks.max()) + 12), 0, -1):
            r = xs / (2.0 * j + xs * r)
            if j <= int(ks.max()):
                ratios.append((j, r))
        res = np.empty_like(xs)
        for j, rj in sorted(ratios):
            prod = prod * rj
            res = np.where(ks == j, prod, res)
        out[small] = res
    large = ~small
    if large.any():
        xl, kl = x[large], k[large]
        a1 = i1e(xl) / i0e(xl)
        a2 = 1.0 - (2.0 / xl) * a1
        res = np.where(kl == 1, a1, np.where(kl == 2, a2, a1 - (4.0 / xl) * a2))
        high = kl > 3
        if high.any():
            res[high] = ive(kl[high], xl[high]) / i0e(xl[high])
        out[large] = res
    return out


# ---------------------------------------------------------------------------------------------------------
# Brent's zeroin and fmin, as R
# ---------------------------------------------------------------------------------------------------------


def _zeroin(
    f: Callable[[NDArray, NDArray], NDArray],
    lower: NDArray,
    upper: NDArray,
    f_lower: NDArray,
    f_upper: NDArray,
    tol: float = _R_TOL,
    maxiter: int = 1000,
) -> NDArray[np.float64]:
    """Brent's root finder as R's ``uniroot`` runs it (``R_zeroin2``), for many problems at once.

    ``f(x, idx)`` returns the functions of problems ``idx`` (integer indices) at ``x``. Each problem
    follows exactly the scalar algorithm (Brent 1973; Forsythe, Malcolm & Moler 1977): bisection or
    linear / inverse quadratic interpolation, stopping when half the bracket is at most
    ``2*eps*|b| + tol/2`` (or f(b) = 0); the estimate ``b`` is returned. Finished problems leave the
    working arrays, so the cost follows the number still running.
    """
    a = np.array(lower, dtype=float)
    b = np.array(upper, dtype=float)
    fa = np.array(f_lower, dtype=float)
    fb = np.array(f_upper, dtype=float)
    result = np.where(fa == 0, a, b)
    idx = np.nonzero((fa != 0) & (fb != 0))[0]
    a, b, fa, fb = a[idx], b[idx], fa[idx], fb[idx]
    c, fc = a.copy(), fa.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(maxiter + 1):
            if idx.size == 0:
                break
            prev_step = b - a
            swap = np.abs(fc) < np.abs(fb)
            a = np.where(swap, b, a)
            b = np.where(swap, c, b)
            c = np.where(swap, a, c)
            fa = np.where(swap, fb, fa)
            fb = np.where(swap, fc, fb)
            fc = np.where(swap, fa, fc)
            tol_act = 2 * _EPS * np.abs(b) + tol / 2
            new_step = (c - b) / 2
            done = (np.abs(new_step) <= tol_act) | (fb == 0)
            if done.any():
                result[idx[done]] = b[done]
                keep = ~done
                idx, a, b, c, fa, fb, fc = (
                    idx[keep],
                    a[keep],
                    b[keep],
                    c[keep],
                    fa[keep],
                    fb[keep],
                    fc[keep],
                )
                prev_step, tol_act, new_step = (
                    prev_step[keep],
                    tol_act[keep],
                    new_step[keep],
                )
                if idx.size == 0:
                    break
            interp = (np.abs(prev_step) >= tol_act) & (np.abs(fa) > np.abs(fb))
            cb = c - b
            linear = a == c
            t1_lin = fb / fa
            q_ = fa / fc
            t1 = fb / fc
            t2 = fb / fa
            p = np.where(linear, cb * t1_lin, t2 * (cb * q_ * (q_ - t1) - (b - a) * (t1 - 1.0)))
            q = np.where(linear, 1.0 - t1_lin, (q_ - 1.0) * (t1 - 1.0) * (t2 - 1.0))
            q = np.where(p > 0, -q, q)
            p = np.abs(p)
            accept = interp & (p < 0.75 * cb * q - np.abs(tol_act * q) / 2) & (p < np.abs(prev_step * q / 2))
            new_step = np.where(accept, p / q, new_step)
            new_step = np.where(
                np.abs(new_step) < tol_act,
                np.where(new_step > 0, tol_act, -tol_act),
                new_step,
            )
            a, fa = b, fb
            b = b + new_step
            fb = f(b, idx)
            same = ((fb > 0) & (fc > 0)) | ((fb < 0) & (fc < 0))
            c = np.where(same, a, c)
            fc = np.where(same, fa, fc)
    result[idx] = b  # maxiter reached (R warns); not expected with maxiter = 1000
    return result


def _fmin(
    f: Callable[[NDArray, NDArray], NDArray],
    lower: NDArray,
    upper: NDArray,
    tol: float = _R_TOL,
) -> NDArray[np.float64]:
    """Brent's minimiser as R's ``optimise`` runs it (``Brent_fmin``), for many problems at once.

    ``f(x, idx)`` evaluates problems ``idx`` at ``x``. Golden-section search with parabolic
    interpolation (Brent 1973, ch. 5); the first point is ``a + 0.381966 (b - a)`` and the search stops
    when ``|x - m| <= 2 tol1 - (b - a)/2`` with ``tol1 = sqrt(eps)|x| + tol/3``.
    """
    gold = (3.0 - math.sqrt(5.0)) * 0.5
    sqrt_eps = math.sqrt(_EPS)
    a = np.array(lower, dtype=float)
    b = np.array(upper, dtype=float)
    idx = np.arange(a.size)
    v = a + gold * (b - a)
    w = v.copy()
    x = v.copy()
    d = np.zeros_like(a)
    e = np.zeros_like(a)
    fx = f(x, idx)
    fv = fx.copy()
    fw = fx.copy()
    tol3 = tol / 3.0
    result = x.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        while idx.size:
            xm = (a + b) * 0.5
            tol1 = sqrt_eps * np.abs(x) + tol3
            t2 = tol1 * 2.0
            done = np.abs(x - xm) <= t2 - (b - a) * 0.5
            if done.any():
                result[idx[done]] = x[done]
                keep = ~done
                idx, a, b, v, w, x, d, e = (
                    idx[keep],
                    a[keep],
                    b[keep],
                    v[keep],
                    w[keep],
                    x[keep],
                    d[keep],
                    e[keep],
                )
                fv, fw, fx, xm, tol1, t2 = (
                    fv[keep],
                    fw[keep],
                    fx[keep],
                    xm[keep],
                    tol1[keep],
                    t2[keep],
                )
                if idx.size == 0:
                    break
            fit = np.abs(e) > tol1
            r_ = (x - w) * (fx - fv)
            q_ = (x - v) * (fx - fw)
            p_ = (x - v) * q_ - (x - w) * r_
            q_ = (q_ - r_) * 2.0
            p_ = np.where(q_ > 0, -p_, p_)
            q_ = np.abs(q_)
            p = np.where(fit, p_, 0.0)
            q = np.where(fit, q_, 0.0)
            r = np.where(fit, e, 0.0)
            e = np.where(fit, d, e)
            golden = (np.abs(p) >= np.abs(q * 0.5 * r)) | (p <= q * (a - x)) | (p >= q * (b - x))
            e_gold = np.where(x < xm, b - x, a - x)
            d_par = p / q
            u_par = x + d_par
            near_end = (u_par - a < t2) | (b - u_par < t2)
            d_par = np.where(near_end, np.where(x >= xm, -tol1, tol1), d_par)
            e = np.where(golden, e_gold, e)
            d = np.where(golden, gold * e_gold, d_par)
            u = np.where(np.abs(d) >= tol1, x + d, np.where(d > 0, x + tol1, x - tol1))
            fu = f(u, idx)
            better = fu <= fx
            b = np.where(better & (u < x), x, np.where(~better & (u >= x), u, b))
            a = np.where(better & (u >= x), x, np.where(~better & (u < x), u, a))
            to_w = ~better & ((fu <= fw) | (w == x))
            to_v = ~better & ~to_w & ((fu <= fv) | (v == x) | (v == w))
            v_new = np.where(better | to_w, w, np.where(to_v, u, v))
            fv_new = np.where(better | to_w, fw, np.where(to_v, fu, fv))
            w_new = np.where(better, x, np.where(to_w, u, w))
            fw_new = np.where(better, fx, np.where(to_w, fu, fw))
            x = np.where(better, u, x)
            fx = np.where(better, fu, fx)
            v, fv, w, fw = v_new, fv_new, w_new, fw_new
    return result
