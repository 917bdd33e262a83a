"""Fitting :func:`occu` and :func:`occu_rn`: maximise, judge convergence and the boundary, and the covariance.

A fit goes in named steps: the data become a :class:`~nbtools.occupancy.design.Design`
(:func:`~nbtools.occupancy.design.prepare_design`); the likelihood is maximised by the chosen
method (:mod:`nbtools.occupancy.optimise`), or not at all when there is no detection; parameters on
the boundary of the parameter space are flagged at the exact MLE; convergence is judged, and what
went wrong is noted and warned; the covariance comes from the exact Hessian (``"newton"``) or R's
``optimhess`` (``"BFGS"``); and occuRN checks that ``K`` does not cut the Poisson short.

References
----------
MacKenzie, D. I., Nichols, J. D., Lachman, G. B., Droege, S., Royle, J. A. & Langtimm, C. A. (2002).
Estimating site occupancy rates when detection probabilities are less than one. *Ecology* 83,
2248-2255. https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2

Royle, J. A. & Nichols, J. D. (2003). Estimating abundance from repeated presence-absence data or
point counts. *Ecology* 84, 777-790. https://doi.org/10.1890/0012-9658(2003)084[0777:EAFRPA]2.0.CO;2
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from .design import Design, parameter_name, prepare_design
from .errors import OccupancyDataError, OccupancyFitError, show_labels, warn_user
from .likelihood import Likelihood, negative_loglik
from .optimise import R_MAXIT, optimise, r_optimhess, r_vmmin
from .result import OccupancyFit

#: Fitted probabilities closer than this to 0 or 1 at every row a parameter acts on mark that
#: parameter as an estimate on the boundary of the parameter space (its MLE is at +-infinity).
BOUNDARY_TOLERANCE = 1e-6
#: Smallest eigenvalue of the Hessian scaled to unit diagonal below which it is called singular.
SINGULAR_TOLERANCE = 1e-10
#: With no detection at any site the likelihood is maximal on the boundary psi * p = 0; the fit
#: reports psi = p = this value (link scale about -20.7) for both, flagged on the boundary.
NO_DETECTION_PROBABILITY = 1e-9
#: A fit that stopped on the boundary counts as converged when the gradient of the nll with
#: respect to the other (free) parameters is below this.
BOUNDARY_GTOL = 1e-6
#: A BFGS fit on the boundary is reported as not converged when Newton's method from the same starts
#: finds a log-likelihood higher by more than this.
BFGS_SHORTFALL_NLL = 1e-3


def _boundary_parameters(lik: Likelihood, theta: np.ndarray) -> list[int]:
    """Indices of parameters whose rows all have fitted probabilities within BOUNDARY_TOLERANCE of 0 or 1.

    For occuRN the state "probability" is 1 - exp(-lambda) and only lambda -> 0 counts: the
    truncation at K keeps lambda finite (a warning says when K binds).
    """
    state, det = lik.probabilities(theta)
    flags: list[int] = []
    eps = BOUNDARY_TOLERANCE
    for block, (M, prob) in enumerate([(lik.d.X, state), (lik.d.V, det)]):
        extreme = prob < eps
        if not (block == 0 and lik.model == "occuRN"):
            extreme |= prob > 1 - eps
        for j in range(M.shape[1]):
            rows = M[:, j] != 0
            if rows.any() and extreme[rows].all():
                flags.append(j if block == 0 else lik.k + j)
    return flags


def _check_identifiable(H: np.ndarray, names: Sequence[str]) -> None:
    if H.size == 0:
        return
    diag = np.diag(H).copy()
    flat = [names[i] for i in np.flatnonzero(~(diag > 0) | ~np.isfinite(diag))]
    if flat:
        raise OccupancyFitError(
            f"the Hessian is singular: the likelihood does not depend on {show_labels(flat)} (zero curvature); "
            "check for a covariate that is constant or zero at every site/survey it acts on, or a "
            "factor level without data"
        )
    scale = 1.0 / np.sqrt(diag)
    R = H * scale[:, None] * scale[None, :]
    values, vectors = np.linalg.eigh(R)
    if values[0] < SINGULAR_TOLERANCE:
        v = vectors[:, 0]
        involved = np.flatnonzero(np.abs(v) > 0.1)
        combo = " ".join(f"{v[i]:+.2f}*{names[i]}" for i in involved)
        raise OccupancyFitError(
            f"the Hessian is singular (smallest scaled eigenvalue {values[0]:.2e}): parameters "
            f"{show_labels([names[i] for i in involved])} are not identifiable (the likelihood is flat along "
            f"{combo}); check for collinear covariates, a covariate confounded with the intercept, or "
            "a factor level without data"
        )


def _boundary_message(boundary: Sequence[str]) -> str:
    return (
        f"estimate(s) on the boundary: {', '.join(boundary)} (fitted probabilities within "
        f"{BOUNDARY_TOLERANCE:g} of 0 or 1 wherever they act; the MLE is at +-infinity on the link scale, "
        "the value shown is where the optimiser stopped, and the SE is not available)"
    )


def _no_detection_theta(lik: Likelihood, names: Sequence[str]) -> np.ndarray:
    """Coefficients giving psi (or P(N > 0)) and p equal to NO_DETECTION_PROBABILITY at every row."""
    eps = NO_DETECTION_PROBABILITY
    state_target = special.logit(eps) if lik.model == "occu" and lik.link == "logit" else np.log(-np.log1p(-eps))
    parts = []
    for M, target, what in ((lik.d.X, state_target, "state"), (lik.d.V, special.logit(eps), "detection")):
        coef = np.linalg.lstsq(M, np.full(M.shape[0], target), rcond=None)[0]
        if not np.allclose(M @ coef, target, rtol=0, atol=1e-6):
            raise OccupancyDataError(
                f"the detection histories have no detection at all ({lik.d.y.size} surveyed site-occasions at "
                f"{lik.d.n_sites} sites, all 0), so psi and p are not identifiable; they would be put on the "
                f"boundary at 0, but the {what} formula has no intercept (no constant in its columns), so no "
                "coefficients give a probability of 0 at every site; add an intercept"
            )
        parts.append(coef)
    return np.concatenate(parts)


@dataclass
class _Maximum:
    """Where the optimiser stopped (``theta``, the estimates) and the exact MLE reached from there."""

    theta: np.ndarray  # the estimates reported
    exact: np.ndarray  # the exact MLE from theta: boundary flags and identifiability are judged there
    nll: float
    iterations: int
    ok: bool  # the optimiser met its own tolerance
    why: str  # why it stopped
    shortfall: bool = False  # R's optim stopped on a flat boundary short of the maximum (BFGS only)


def _fit(
    design: Design,
    model: str,
    link: str,
    K: int | None,
    formula: str,
    starts: Any,
    notes: list[str],
    method: str = "newton",
    maxiter: int | None = None,
) -> OccupancyFit:
    """Maximise the likelihood of ``design`` and assemble the :class:`OccupancyFit` (the steps in order)."""
    _check_method(method, maxiter)
    lik = Likelihood(design, model, link, K)
    prefix = "psi" if model == "occu" else "lam"
    names = [parameter_name(prefix, c) for c in design.state_columns] + [
        parameter_name("p", c) for c in design.det_columns
    ]
    nP = len(names)
    start = _starting_values(starts, names)
    notes = list(notes)
    if not design.y.any():
        best = _no_detection_maximum(lik, names)
    elif method == "newton":
        best = _newton_maximum(lik, start, maxiter)
    else:
        best = _bfgs_maximum(lik, start, maxiter, nP)
    flagged = _boundary_parameters(lik, best.exact)
    boundary = tuple(names[i] for i in flagged)
    free = np.setdiff1d(np.arange(nP), flagged)
    converged, why = _judge_convergence(lik, best, flagged, free, method)
    _note_outcome(design, best, boundary, converged, why, notes)
    vcov, converged, why = _covariance(lik, best, free, names, method, converged, why, notes)
    if model == "occuRN":
        _check_truncation(lik, best.theta, K, notes)
    nll, theta = best.nll, best.theta
    return OccupancyFit(
        model=model,
        formula=formula,
        link=link,
        coef=pd.Series(theta, index=names, name="estimate"),
        se=pd.Series(np.sqrt(np.diag(vcov)), index=names, name="SE"),
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        n_state=lik.k,
        loglik=-nll,
        aic=2 * nll + 2 * nP,
        n_sites=design.n_sites,
        n_occasions=design.n_occasions,
        n_surveys=int(design.y.size),
        sites=design.sites,
        occasions=design.occasions,
        dropped_sites=(),
        boundary=boundary,
        converged=converged,
        convergence=why,
        iterations=best.iterations,
        K=K,
        method=method,
        notes=tuple(notes),
        _design=design,
        _theta=theta,
    )


def _check_method(method: str, maxiter: int | None) -> None:
    if method not in ("newton", "BFGS"):
        raise OccupancyDataError(
            f"method must be 'newton' (exact MLE) or 'BFGS' (R's optim, as unmarked), not {method!r}"
        )
    if maxiter is not None and (isinstance(maxiter, bool) or int(maxiter) != maxiter or maxiter < 1):
        raise OccupancyDataError(f"maxiter must be a positive integer (or None for the defaults), not {maxiter!r}")


def _starting_values(starts: Any, names: Sequence[str]) -> np.ndarray:
    """``starts`` checked against the parameters (zeros, as unmarked, when None)."""
    nP = len(names)
    if starts is None:
        return np.zeros(nP)
    start = np.asarray(starts, dtype=float).ravel()
    if start.size != nP:
        raise OccupancyDataError(
            f"starts has {start.size} values but the model has {nP} parameters: {', '.join(names)}"
        )
    if not np.all(np.isfinite(start)):
        raise OccupancyDataError("starts must be finite numbers")
    return start


def _no_detection_maximum(lik: Likelihood, names: Sequence[str]) -> _Maximum:
    """No detection anywhere: the boundary psi = p = 0, not optimised.

    The likelihood ``prod_i [psi_i prod_j (1 - p_ij) + 1 - psi_i]`` is maximal (= 1) wherever
    ``psi * p = 0``, so nothing is estimable. Like all ones (psi = p = 1), the fit is put on the
    boundary, here at psi = p = 0, and every parameter is flagged.
    """
    theta = _no_detection_theta(lik, names)
    why = "not optimised: no detection at any site, so the likelihood is maximal (= 1) on the boundary psi * p = 0"
    return _Maximum(theta=theta, exact=theta, nll=negative_loglik(lik, theta), iterations=0, ok=True, why=why)


def _newton_maximum(lik: Likelihood, start: np.ndarray, maxiter: int | None) -> _Maximum:
    """``method="newton"``: the exact MLE (damped Newton, then trust-region Newton)."""
    res = optimise(lik, start, maxiter)
    theta = np.asarray(res.x, dtype=float)
    nll = float(res.fun)
    if not np.isfinite(nll):
        raise OccupancyFitError(f"the optimiser did not find a finite likelihood ({res.message}); try other starts")
    iterations = int(getattr(res, "nit", 0))
    why = f"{res.message} (gradient norm {np.linalg.norm(res.jac):.2e} after {iterations} iterations)"
    return _Maximum(theta=theta, exact=theta, nll=nll, iterations=iterations, ok=bool(res.success), why=why)


def _bfgs_maximum(lik: Likelihood, start: np.ndarray, maxiter: int | None, nP: int) -> _Maximum:
    """``method="BFGS"``: R's optim as unmarked calls it, then the exact MLE reached from where it stopped."""
    maxit = R_MAXIT if maxiter is None else int(maxiter)
    theta, nll, iterations, ok = r_vmmin(lambda x: negative_loglik(lik, x), start, maxit=maxit)
    why = (
        "R's optim BFGS: relative reduction of the nll below reltol"
        if ok
        else f"R's optim BFGS reached maxit = {maxit} iterations (unmarked: convergence code 1)"
    )
    # boundary flags and identifiability are judged at the exact MLE reached from R's stopping point
    exact = np.asarray(optimise(lik, theta).x, dtype=float)
    shortfall = False
    if ok and _boundary_parameters(lik, exact):
        # R's optim can run onto a flat boundary (psi -> 1) far from the maximum: check it from the starts
        best = optimise(lik, start)
        gain = nll - float(best.fun)
        if np.isfinite(best.fun) and gain > BFGS_SHORTFALL_NLL:
            ok, shortfall = False, True
            why = (
                f"R's optim BFGS stopped on a flat boundary of the likelihood, {gain:.4g} log-likelihood units "
                f"below the maximum that Newton's method reaches from the same starts (AIC "
                f"{2 * nll + 2 * nP:.2f} here, {2 * float(best.fun) + 2 * nP:.2f} there)"
            )
    return _Maximum(theta=theta, exact=exact, nll=nll, iterations=iterations, ok=ok, why=why, shortfall=shortfall)


def _judge_convergence(
    lik: Likelihood, best: _Maximum, flagged: Sequence[int], free: np.ndarray, method: str
) -> tuple[bool, str]:
    """Converged as the optimiser says, or (Newton) stopped on the boundary with the free parameters at their maximum."""
    converged, why = best.ok, best.why
    if not best.ok and flagged and method == "newton":
        g = lik.nll_grad(best.exact)[1]
        if free.size == 0 or float(np.abs(g[free]).max()) < BOUNDARY_GTOL:
            converged = True
            why += "; stopped on the boundary with the free parameters at their maximum"
    return converged, why


def _note_outcome(
    design: Design, best: _Maximum, boundary: Sequence[str], converged: bool, why: str, notes: list[str]
) -> None:
    """Note and warn: no detection at all, an optimiser that did not converge, estimates on the boundary."""
    if not design.y.any():
        message = (
            f"no detection at any site: all {design.y.size} surveyed site-occasions at {design.n_sites} site(s) "
            "are 0, so occupancy and detection are not identifiable (the likelihood is maximal, = 1, wherever "
            f"psi * p = 0); both are put on the boundary at 0. estimate(s) on the boundary: {', '.join(boundary)} "
            f"(the values shown give psi = p = {NO_DETECTION_PROBABILITY:g}; the MLE is at -infinity on the link "
            "scale and the SE is not available)"
        )
        notes.append(message)
        warn_user(message)
        return
    if not converged:
        message = (
            f"the optimiser did not converge: {why}; the estimates are where it stopped, not the maximum "
            "likelihood estimates (refit with other starts, a larger maxiter, or the other method)"
        )
        notes.append(message)
        warn_user(message)
    if boundary and not best.shortfall:  # after a shortfall the MLE is not on the boundary
        message = _boundary_message(boundary)
        notes.append(message)
        warn_user(message)


def _covariance(
    lik: Likelihood,
    best: _Maximum,
    free: np.ndarray,
    names: Sequence[str],
    method: str,
    converged: bool,
    why: str,
    notes: list[str],
) -> tuple[np.ndarray, bool, str]:
    """The covariance of the free parameters (NaN for boundary ones), and convergence revised by it.

    The identifiability check uses the exact Hessian at the exact MLE; the covariance inverts the
    exact Hessian (``"newton"``) or R's ``optimhess`` at the estimates (``"BFGS"``).
    """
    nP = len(names)
    vcov = np.full((nP, nP), np.nan)
    if not free.size:
        return vcov, converged, why
    H_exact = lik.hessian(best.exact)
    if converged:
        _check_identifiable(H_exact[np.ix_(free, free)], [names[i] for i in free])
    H = H_exact if method == "newton" else r_optimhess(lambda x: negative_loglik(lik, x), best.theta)
    try:
        vcov[np.ix_(free, free)] = np.linalg.inv(H[np.ix_(free, free)])
        bad = [names[i] for i in free if not vcov[i, i] > 0]
    except np.linalg.LinAlgError:
        bad = [names[i] for i in free]
    if not bad:
        return vcov, converged, why
    vcov[:] = np.nan
    if converged and method == "newton":  # pragma: no cover - guarded by _check_identifiable
        raise OccupancyFitError(
            f"the Hessian at the estimates is not positive definite for {show_labels(bad)} "
            "(not at a maximum of the likelihood); try other starts"
        )
    if converged:
        # R's optim met reltol on a flat ridge short of the maximum: unmarked would print NaN SEs
        converged = False
        why = (
            f"R's optim BFGS met reltol where its numerical Hessian (optimhess) is not positive definite "
            f"for {show_labels(bad)}, so it stopped short of a maximum of the likelihood"
        )
        message = (
            f"the optimiser did not converge: {why}; the estimates are where it stopped and the standard "
            "errors are not available; method='newton' finds the maximum likelihood estimates and their SEs"
        )
    else:
        message = (
            f"standard errors are not available: the Hessian where the optimiser stopped is not positive "
            f"definite for {show_labels(bad)} (the fit did not converge)"
        )
    notes.append(message)
    warn_user(message)
    return vcov, converged, why


def _check_truncation(lik: Likelihood, theta: np.ndarray, K: int | None, notes: list[str]) -> None:
    """occuRN: warn when the fitted Poisson puts more than 1e-4 of its mass above ``K``."""
    lam = np.exp(lik.d.X @ theta[: lik.k])
    tail = float(stats.poisson.sf(K, lam).max())
    if tail > 1e-4:
        message = f"K={K} cuts off up to {tail:.2g} of the Poisson abundance distribution at some sites; refit with a larger K"
        notes.append(message)
        warn_user(message)


def occu(
    formula: str,
    y: pd.DataFrame | np.ndarray,
    site_covs: pd.DataFrame | Mapping[str, Any] | None = None,
    obs_covs: pd.DataFrame | Mapping[str, Any] | None = None,
    link: Literal["logit", "cloglog"] = "logit",
    starts: Sequence[float] | np.ndarray | None = None,
    na_action: Literal["raise", "drop"] = "raise",
    method: Literal["newton", "BFGS"] = "BFGS",
    maxiter: int | None = None,
) -> OccupancyFit:
    """Fit the single-season occupancy model of MacKenzie et al. (2002), as ``unmarked::occu``.

    Parameters
    ----------
    formula : str
        unmarked's double formula ``"~ detection ~ state"``, e.g. ``"~ 1 ~ 1"`` or
        ``"~ effort + Temperature ~ forest + elevation"``, parsed by ``formulaic`` (factors,
        interactions, ``scale(x)``, ``np.log(x)`` ...). The state side may use site covariates; the
        detection side site and observation covariates.
    y : DataFrame or array (sites x occasions)
        Detections: 1 detected, 0 not detected, NaN not surveyed. Counts > 1 are truncated to 1 with a
        warning (as unmarked does). A DataFrame's index gives the site labels used in messages.
    site_covs : DataFrame or dict, optional
        One row per site (in the order of ``y``; if both have non-default indexes they are aligned
        by label).
    obs_covs : DataFrame or dict, optional
        Observation covariates, either in unmarked's long layout (a DataFrame of ``n_sites *
        n_occasions`` rows, site-major: row ``i * J + j`` is site ``i``, occasion ``j``) or a dict
        ``name -> sites x occasions`` array/DataFrame.
    link : {"logit", "cloglog"}
        Link of psi (unmarked's ``linkPsi``); detection always uses the logit link.
    starts : sequence of float, optional
        Starting values, state parameters first (default zeros, as unmarked).
    na_action : {"raise", "drop"}
        A covariate missing (NaN) where the formula needs it raises :class:`OccupancyDataError`
        naming the sites/occasions (default); ``"drop"`` drops those sites (site covariates) or
        site-occasions (observation covariates) with a warning, as unmarked does.
    method : {"BFGS", "newton"}
        ``"BFGS"`` (default) is the path that matches unmarked: R's ``optim(method = "BFGS")``
        exactly as unmarked calls it (finite-difference gradient with step 1e-3, R's line search,
        ``maxit = 100``, ``reltol`` 1.5e-8, Hessian by ``optimhess``), which stops where unmarked
        stops and so reproduces its printed coefficients, SEs, AIC and predictions (the frog
        vignette to 1e-7 relative or better). ``"newton"``: damped Newton with the exact gradient
        and Hessian (trust-region Newton as a fallback), which finds the maximum likelihood
        estimate itself (gradient norm < 1e-8) and takes SEs from the exact Hessian; faster, but
        on flat likelihoods it differs from unmarked's printed digits by as much as R's stopping
        point differs from the MLE (see Notes).
    maxiter : int, optional
        Iteration limit of the optimiser: R's ``maxit`` for ``"BFGS"`` (default 100, as unmarked);
        for ``"newton"`` the limit of the Newton steps and of the trust-region fallback (defaults
        200 and 1000). A fit that reaches it is returned with ``converged=False``, the reason in
        ``convergence`` and a warning; it is not the MLE.

    Returns
    -------
    OccupancyFit

    Raises
    ------
    OccupancyDataError
        Malformed formula or data, or a covariate missing where it is needed
        (``na_action="raise"``).
    OccupancyFitError
        A singular Hessian at a converged fit: a parameter is not identifiable (collinear or
        constant covariates); the message names the parameters.

    Warns
    -----
    OccupancyWarning
        Parameters on the boundary (``boundary``), no detection at any site, an optimiser that
        did not converge (``converged=False``), sites or occasions dropped, counts truncated; each
        is also kept in ``notes``.

    Notes
    -----
    The likelihood of site ``i`` with surveyed occasions ``j`` is
    ``psi_i prod_j p_ij^y_ij (1 - p_ij)^(1 - y_ij) + (1 - psi_i) I(no detection at i)``.
    Sites never surveyed are dropped (with a warning and a note), as unmarked drops them.
    With ``method="newton"`` the likelihood is maximised with the exact gradient and Hessian
    (gradient tolerance 1e-8), so the estimates are the MLE to ~1e-9 relative. R's ``optim``
    stops when an iteration improves the negative log-likelihood by less than ``reltol * |nll|``
    (3.4e-6 for the frog's nll of 228.5): on a flat likelihood that point can differ from the MLE
    in the 3rd significant digit. unmarked's frog vignette ``~ 1 ~ 1``: R stops at psi(Int) 2.95209
    (nll 228.5020793, gradient norm 3.9e-3), the MLE is psi(Int) 2.95739 (nll 228.5020725, 6.8e-6
    lower, gradient norm 2e-7), a difference of 1.8e-3 relative (0.004 SE) in psi(Int) and 8e-3 in
    its SE. So ``method="BFGS"`` (the default) is the one to use to reproduce unmarked's numbers;
    ``"newton"`` is the one to use when the MLE itself matters more than R's digits.

    Standard errors are the square roots of the diagonal of the inverse Hessian. Estimates on the
    boundary (psi or p equal to 0 or 1 everywhere a parameter acts, judged at the exact MLE) are
    flagged in ``boundary`` and in a warning; their SEs are NaN rather than the huge numbers a
    numerical Hessian gives. A history of all ones puts psi and p on the boundary at 1; a history
    with no detection at any site (all zeros) puts both on the boundary at 0, flagged the same way
    (the likelihood is then maximal, = 1, wherever psi * p = 0, so nothing can be estimated; the
    coefficients shown give psi = p = 1e-9, the warning says there was no detection). An optimiser
    that stops before its tolerance (``maxiter``, a failed line search) returns the fit with
    ``converged=False`` and the reason in ``convergence``, ``notes`` and a warning; SEs are given
    only if the Hessian there is positive definite.

    References
    ----------
    MacKenzie, D. I. et al. (2002) *Ecology* 83, 2248-2255.
    https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2 ; R: ``unmarked::occu``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1, 0, 1], [0, 0, 0], [1, 1, np.nan], [0, 1, 0], [0, 0, 0]])
    >>> fit = occu("~ 1 ~ 1", y)
    >>> fit.coef.round(4).to_dict()
    {'psi(Int)': 0.6281, 'p(Int)': 0.2795}
    >>> round(fit.aic, 4)
    20.918
    """
    if link not in ("logit", "cloglog"):
        raise OccupancyDataError(f"link must be 'logit' or 'cloglog' (unmarked's linkPsi), not {link!r}")
    notes: list[str] = []
    design = prepare_design(formula, y, site_covs, obs_covs, na_action, notes)
    fit = _fit(design, "occu", link, None, formula, starts, notes, method, maxiter)
    return _with_dropped(fit, y, design)


def occu_rn(
    formula: str,
    y: pd.DataFrame | np.ndarray,
    site_covs: pd.DataFrame | Mapping[str, Any] | None = None,
    obs_covs: pd.DataFrame | Mapping[str, Any] | None = None,
    K: int = 25,
    starts: Sequence[float] | np.ndarray | None = None,
    na_action: Literal["raise", "drop"] = "raise",
    method: Literal["newton", "BFGS"] = "BFGS",
    maxiter: int | None = None,
) -> OccupancyFit:
    """Fit the Royle-Nichols (2003) abundance-induced heterogeneity model, as ``unmarked::occuRN``.

    Parameters
    ----------
    formula : str
        ``"~ detection ~ abundance"``: the state side models ``log(lambda_i)`` (site covariates),
        the detection side ``logit(r_ij)``, the per-animal detection probability.
    y, site_covs, obs_covs, starts, na_action, method, maxiter
        As :func:`occu` (``method="BFGS"``, the default, matches unmarked).
    K : int, default 25
        Upper limit of the sum over abundance (unmarked's default). A warning says when the fitted
        Poisson puts more than 1e-4 of its mass above K.

    Returns
    -------
    OccupancyFit
        With ``model="occuRN"``, ``link="log"``, state coefficients named ``lam(...)``.

    Notes
    -----
    The likelihood of site ``i`` is ``sum_{N=0}^{K} Poisson(N; lambda_i) prod_j
    p_ij(N)^y_ij (1 - p_ij(N))^(1 - y_ij)`` with ``p_ij(N) = 1 - (1 - r_ij)^N``; like unmarked, the
    Poisson is truncated at K without renormalising.

    References
    ----------
    Royle, J. A. & Nichols, J. D. (2003) *Ecology* 84, 777-790.
    https://doi.org/10.1890/0012-9658(2003)084[0777:EAFRPA]2.0.CO;2 ; R: ``unmarked::occuRN``.
    """
    if int(K) != K or K < 1:
        raise OccupancyDataError(f"K must be a positive integer, not {K!r}")
    notes: list[str] = []
    design = prepare_design(formula, y, site_covs, obs_covs, na_action, notes)
    fit = _fit(design, "occuRN", "log", int(K), formula, starts, notes, method, maxiter)
    return _with_dropped(fit, y, design)


def _with_dropped(fit: OccupancyFit, y: Any, design: Design) -> OccupancyFit:
    all_sites = y.index if isinstance(y, pd.DataFrame) else pd.RangeIndex(np.asarray(y).shape[0])
    dropped = tuple(all_sites[~all_sites.isin(design.sites)])
    return dataclasses.replace(fit, dropped_sites=dropped)
