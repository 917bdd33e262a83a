"""Optimisers of the occupancy likelihood: exact Newton, and a port of R's ``optim`` BFGS as unmarked calls it.

``method="newton"`` (:func:`optimise`): damped Newton with the exact Hessian, then scipy's
trust-region Newton if it did not converge; it finds the MLE itself. ``method="BFGS"``
(:func:`r_vmmin`, :func:`r_optimhess`): R's ``vmmin`` (Nash 1990, Algorithm 21) with a
finite-difference gradient and R's defaults, and the Hessian of ``optimhess``, written from the
documented algorithm so that a fit stops where unmarked's stops and reproduces its digits.

References
----------
Nash, J. C. (1990). *Compact Numerical Methods for Computers: Linear Algebra and Function
Minimisation*, 2nd ed. Adam Hilger, Bristol. Algorithm 21.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize

from .errors import OccupancyFitError
from .likelihood import Likelihood

#: Gradient tolerance of the optimiser (``scipy.optimize.minimize(method="trust-exact")``).
GTOL = 1e-8
#: Default iteration limits of ``method="newton"``: damped Newton, then trust-region Newton.
NEWTON_MAXITER = 200
TRUST_MAXITER = 1000
#: R's ``optim`` default ``maxit`` for BFGS, as unmarked calls it.
R_MAXIT = 100


def newton(lik: Likelihood, x0: np.ndarray, maxiter: int = NEWTON_MAXITER) -> optimize.OptimizeResult:
    """Damped Newton with the exact Hessian (eigenvalues floored at |lambda|, Armijo backtracking).

    Stops when the gradient norm is below ``GTOL`` or the Newton decrement ``g' H^-1 g`` (twice the
    possible further decrease of the nll) is below 1e-12 at a positive definite Hessian.

    Parameters
    ----------
    lik : Likelihood
    x0 : numpy.ndarray
        Starting coefficients (link scale).
    maxiter : int, default :data:`NEWTON_MAXITER`

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x``, ``fun`` (nll), ``jac``, ``success``, ``nit`` and ``message``.
    """
    x = np.array(x0, dtype=float)
    f, g = lik.nll_grad(x)
    if not np.isfinite(f):
        return optimize.OptimizeResult(
            x=x, fun=f, jac=g, success=False, nit=0, message="the nll is not finite at the start"
        )
    message, success, it = f"maximum number of iterations ({maxiter}) reached", False, 0
    while it < maxiter:
        it += 1
        if np.linalg.norm(g) < GTOL:
            message, success = "gradient norm below tolerance", True
            break
        vals, vecs = np.linalg.eigh(lik.hessian(x))
        top = max(float(np.abs(vals).max()), 1e-300)
        floored = np.maximum(np.abs(vals), 1e-12 * top)
        proj = vecs.T @ g
        decrement = float(np.sum(proj**2 / floored))
        if vals.min() > 0 and decrement < 1e-12:
            message, success = f"Newton decrement {decrement:.1e} below 1e-12", True
            break
        step = -(vecs @ (proj / floored))
        norm = float(np.linalg.norm(step))
        if norm > 25.0:  # a cap on the link scale keeps early steps on flat ridges sane
            step *= 25.0 / norm
        slope = float(g @ step)
        t = 1.0
        while True:
            f_new, g_new = lik.nll_grad(x + t * step)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-12:
                break
        if t < 1e-12:
            message = "line search failed (no decrease along the Newton direction)"
            break
        x = x + t * step
        f, g = f_new, g_new
    return optimize.OptimizeResult(x=x, fun=f, jac=g, success=success, nit=it, message=message)


def optimise(lik: Likelihood, start: np.ndarray, maxiter: int | None = None) -> optimize.OptimizeResult:
    """Damped Newton, then (if it did not converge) scipy's trust-region Newton from where it stopped.

    ``maxiter`` limits the iterations of each (default :data:`NEWTON_MAXITER` and
    :data:`TRUST_MAXITER`). ``success`` is False, with scipy's or our reason in ``message``, when
    neither met the gradient tolerance.

    Parameters
    ----------
    lik : Likelihood
    start : numpy.ndarray
        Starting coefficients (link scale).
    maxiter : int, optional

    Returns
    -------
    scipy.optimize.OptimizeResult
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = newton(lik, start, NEWTON_MAXITER if maxiter is None else maxiter)
        if res.success:
            return res
        alt = optimize.minimize(
            lik.nll_grad,
            res.x if np.all(np.isfinite(res.x)) and np.isfinite(res.fun) else start,
            jac=True,
            hess=lik.hessian,
            method="trust-exact",
            options={"gtol": GTOL, "maxiter": TRUST_MAXITER if maxiter is None else maxiter},
        )
        if np.isfinite(alt.fun) and (alt.success or not np.isfinite(res.fun) or alt.fun < res.fun):
            alt.nit = int(alt.nit) + int(res.nit)
            if not alt.success:
                alt.message = f"Newton: {res.message}; then trust-region Newton: {alt.message}"
            res = alt
    return res


# R's optim(method = "BFGS") as unmarked calls it: no gradient supplied, so central finite differences
# with ndeps = 1e-3; variable-metric minimiser of Nash (1990, Algorithm 21) with R's defaults
# maxit = 100, reltol = sqrt(machine epsilon); Hessian by optimhess (finite differences of that
# numerical gradient, symmetrised). Written from the documented algorithm so that method="BFGS"
# stops where unmarked stops.
#: R's ``optim`` default ``ndeps``: the step of its central finite differences.
R_NDEPS = 1e-3
#: R's ``optim`` default ``reltol``: ``sqrt(.Machine$double.eps)``, about 1.5e-8.
R_RELTOL = float(np.sqrt(np.finfo(float).eps))


def r_numgrad(fn, p: np.ndarray) -> np.ndarray:
    """R's ``optim`` gradient when none is supplied: central differences with step :data:`R_NDEPS`.

    Parameters
    ----------
    fn : callable
        The function of a parameter vector (the negative log-likelihood).
    p : numpy.ndarray
        Where to take the gradient.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    OccupancyFitError
        A non-finite difference, as R's ``optim`` reports it.
    """
    x = p.copy()
    df = np.empty_like(p)
    for i in range(p.size):
        x[i] = p[i] + R_NDEPS
        v1 = fn(x)
        x[i] = p[i] - R_NDEPS
        v2 = fn(x)
        df[i] = (v1 - v2) / (2 * R_NDEPS)
        if not np.isfinite(df[i]):
            raise OccupancyFitError(f"non-finite finite-difference gradient [{i + 1}] (as R's optim reports)")
        x[i] = p[i]
    return df


def r_vmmin(fn, b0: np.ndarray, maxit: int = 100) -> tuple[np.ndarray, float, int, bool]:
    """Nash's variable-metric (BFGS) minimiser with R's line search and stopping rules (R's ``vmmin``).

    Parameters
    ----------
    fn : callable
        The function to minimise (the negative log-likelihood); its gradient is :func:`r_numgrad`.
    b0 : numpy.ndarray
        Starting values.
    maxit : int, default 100
        R's ``maxit``.

    Returns
    -------
    par : numpy.ndarray
        Where it stopped.
    value : float
        ``fn`` there.
    iterations : int
        Gradient evaluations counted as R counts iterations.
    converged : bool
        False when ``maxit`` was reached (R's convergence code 1).
    """
    stepredn, acctol, reltest = 0.2, 0.0001, 10.0
    b = np.array(b0, dtype=float)
    n = b.size
    f = fn(b)
    if not np.isfinite(f):
        raise OccupancyFitError("the negative log-likelihood is not finite at the starting values")
    fmin = f
    g = r_numgrad(fn, b)
    gradcount = 1
    it = 1
    ilast = gradcount
    B = np.eye(n)
    while True:
        if ilast == gradcount:
            B = np.eye(n)
        X = b.copy()
        c = g.copy()
        t = np.empty(n)
        gradproj = 0.0
        for i in range(n):
            s = 0.0
            for j in range(n):
                s -= B[i, j] * g[j]
            t[i] = s
            gradproj += s * g[i]
        if gradproj < 0.0:
            steplength = 1.0
            accpoint = False
            while True:
                count = 0
                for i in range(n):
                    b[i] = X[i] + steplength * t[i]
                    if reltest + X[i] == reltest + b[i]:
                        count += 1
                if count < n:
                    f = fn(b)
                    accpoint = bool(np.isfinite(f) and f <= fmin + gradproj * steplength * acctol)
                    if not accpoint:
                        steplength *= stepredn
                if count == n or accpoint:
                    break
            enough = f > -np.inf and abs(f - fmin) > R_RELTOL * (abs(fmin) + R_RELTOL)
            if not enough:
                count = n
                fmin = f
            if count < n:
                fmin = f
                g = r_numgrad(fn, b)
                gradcount += 1
                it += 1
                t = steplength * t
                c = g - c
                D1 = 0.0
                for i in range(n):
                    D1 += t[i] * c[i]
                if D1 > 0:
                    Xs = np.empty(n)
                    D2 = 0.0
                    for i in range(n):
                        s = 0.0
                        for j in range(n):
                            s += B[i, j] * c[j]
                        Xs[i] = s
                        D2 += s * c[i]
                    D2 = 1.0 + D2 / D1
                    for i in range(n):
                        for j in range(i + 1):
                            B[i, j] += (D2 * t[i] * t[j] - Xs[i] * t[j] - t[i] * Xs[j]) / D1
                            B[j, i] = B[i, j]
                else:
                    ilast = gradcount
            else:
                if ilast < gradcount:
                    count = 0
                    ilast = gradcount
        else:
            count = 0
            if ilast == gradcount:
                count = n
            else:
                ilast = gradcount
        if it >= maxit:
            break
        if gradcount - ilast > 2 * n:
            ilast = gradcount
        if count == n and ilast == gradcount:
            break
    return b, float(fmin), it, it < maxit


def r_optimhess(fn, par: np.ndarray) -> np.ndarray:
    """R's ``optimhess``: central differences of :func:`r_numgrad`, symmetrised.

    Parameters
    ----------
    fn : callable
        The negative log-likelihood.
    par : numpy.ndarray
        Where to take the Hessian.

    Returns
    -------
    numpy.ndarray
        The (n, n) Hessian.
    """
    n = par.size
    dpar = par.astype(float).copy()
    H = np.empty((n, n))
    for i in range(n):
        eps = R_NDEPS
        dpar[i] = dpar[i] + eps
        df1 = r_numgrad(fn, dpar)
        dpar[i] = dpar[i] - 2 * eps
        df2 = r_numgrad(fn, dpar)
        H[i, :] = (df1 - df2) / (2 * eps)
        dpar[i] = dpar[i] + eps
    return 0.5 * (H + H.T)
