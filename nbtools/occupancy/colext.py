"""Dynamic occupancy fitted by maximum likelihood: :func:`colext` and :class:`ColextFit` (unmarked's ``colext``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .dynamics import (
    ColextDesign,
    colext_design,
    forward_backward,
    loglik_gradient,
    numerical_hessian,
    penalised_objective,
    probabilities,
)
from .errors import OccupancyDataError, OccupancyFitError, warn_user
from .multiseason import MultiSeasonData
from .optimise import r_optimhess, r_vmmin

#: unmarked's colext adds ``UNMARKED_PENALTY * ||theta||_2`` to the negative log-likelihood it minimises.
UNMARKED_PENALTY = 0.001


@dataclass(frozen=True, eq=False)
class ColextFit:
    """A fitted dynamic occupancy model (unmarked's ``colext``).

    Attributes
    ----------
    formulas : dict
        ``psi``, ``gamma``, ``epsilon``, ``p``.
    coef, se : pandas.Series
        Logit-scale estimates named as unmarked's ``coef()`` (``psi(Int)``, ``col(year2000)``,
        ``ext(Int)``, ``p(date)``) and their standard errors (inverse Hessian).
    vcov : pandas.DataFrame
    nll, loglik, aic : float
        Minimised objective (the negative log-likelihood, plus the penalty if one was asked for),
        log-likelihood at the estimates and ``AIC = 2 nll + 2 k``.
    penalty : float
        Weight of the L2-norm penalty in the objective (0: maximum likelihood).
    projected_sites, smoothed_sites : pandas.DataFrame
        Sites x seasons: projected occupancy ``psi_it`` (psi_i1 and the dynamics, no data) and
        smoothed occupancy ``P(z_it = 1 | y_i)`` (forward-backward; empirical Bayes).
    design : ColextDesign
    data : MultiSeasonData
    converged : bool
    notes : tuple of str
    """

    formulas: dict[str, str]
    coef: pd.Series
    se: pd.Series
    vcov: pd.DataFrame
    nll: float
    loglik: float
    aic: float
    penalty: float
    projected_sites: pd.DataFrame
    smoothed_sites: pd.DataFrame
    design: ColextDesign = field(repr=False)
    data: MultiSeasonData = field(repr=False)
    converged: bool = True
    iterations: int = 0
    notes: tuple[str, ...] = ()

    @property
    def n_params(self) -> int:
        """Number of coefficients."""
        return int(self.coef.size)

    @property
    def projected(self) -> pd.Series:
        """Projected occupancy per season, averaged over sites (unmarked's ``projected(fit)[2, ]``)."""
        return self.projected_sites.mean(axis=0).rename("projected")

    @property
    def smoothed(self) -> pd.Series:
        """Smoothed occupancy per season, averaged over sites (unmarked's ``smoothed(fit)[2, ]``)."""
        return self.smoothed_sites.mean(axis=0).rename("smoothed")

    def penalised_nll(self, penalty: float = UNMARKED_PENALTY) -> float:
        """``-logL + penalty * ||coef||_2`` at these estimates: unmarked's printed ``negLogLike``."""
        return float(-self.loglik + penalty * np.sqrt(np.sum(self.coef.to_numpy() ** 2)))

    def penalised_aic(self, penalty: float = UNMARKED_PENALTY) -> float:
        """``2 * penalised_nll + 2 k``: unmarked's printed AIC."""
        return 2.0 * self.penalised_nll(penalty) + 2.0 * self.n_params

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates (logit scale), SE, z, P(>|z|) and Wald limits, one row per coefficient."""
        z = stats.norm.ppf(0.5 + level / 2)
        out = pd.DataFrame({"estimate": self.coef, "se": self.se})
        out["z"] = out["estimate"] / out["se"]
        out["p_value"] = 2 * stats.norm.sf(np.abs(out["z"]))
        out["lower"] = out["estimate"] - z * out["se"]
        out["upper"] = out["estimate"] + z * out["se"]
        out.insert(0, "submodel", [n.split("(")[0] for n in out.index])
        return out

    def occupancy_table(self) -> pd.DataFrame:
        """Projected and smoothed occupancy per season (no intervals: see :func:`nonparboot`, :func:`parboot`)."""
        return pd.concat([self.projected, self.smoothed], axis=1)

    def __repr__(self) -> str:
        d = self.design
        return (
            f"ColextFit(psi {self.formulas['psi']}, gamma {self.formulas['gamma']}, epsilon "
            f"{self.formulas['epsilon']}, p {self.formulas['p']}: {len(d.sites)} sites x {len(d.seasons)} seasons, "
            f"{self.n_params} coefficients, nll {self.nll:.4f}, AIC {self.aic:.4f})"
        )


def projected_occupancy(design: ColextDesign, theta: np.ndarray) -> np.ndarray:
    """Sites x seasons: ``psi_i1`` carried forward by ``psi_(t+1) = psi_t (1 - eps_t) + (1 - psi_t) gamma_t``."""
    psi, col, ext, _ = probabilities(design, theta)
    T = len(design.seasons)
    out = np.empty((psi.size, T))
    out[:, 0] = psi
    for t in range(1, T):
        out[:, t] = out[:, t - 1] * (1 - ext[:, t - 1]) + (1 - out[:, t - 1]) * col[:, t - 1]
    return out


def _minimise(design: ColextDesign, start: np.ndarray, penalty: float, maxiter: int) -> tuple[np.ndarray, bool, int]:
    """BFGS with the exact gradient, then Newton steps on the numerical Hessian of that gradient."""
    res = optimize.minimize(
        lambda th: penalised_objective(design, th, penalty),
        start,
        jac=True,
        method="BFGS",
        options={"gtol": 1e-7, "maxiter": maxiter},
    )
    theta, iterations = res.x, int(res.nit)
    grad = lambda th: penalised_objective(design, th, penalty)[1]  # noqa: E731
    for _ in range(5):
        g = grad(theta)
        if np.max(np.abs(g)) < 1e-9:
            break
        try:
            step = np.linalg.solve(numerical_hessian(grad, theta), g)
        except np.linalg.LinAlgError:
            break
        trial = theta - step
        if penalised_objective(design, trial, penalty)[0] > penalised_objective(design, theta, penalty)[0] + 1e-9:
            break
        theta = trial
        iterations += 1
    converged = bool(np.max(np.abs(grad(theta))) < 1e-4)
    return theta, converged, iterations


def colext(
    data: MultiSeasonData,
    psi: str = "~ 1",
    gamma: str = "~ 1",
    epsilon: str = "~ 1",
    p: str = "~ 1",
    *,
    penalty: float = 0.0,
    starts: Sequence[float] | None = None,
    se: bool = True,
    maxiter: int = 1000,
    method: Literal["exact", "unmarked"] = "exact",
) -> ColextFit:
    """Fit a dynamic occupancy model by maximum likelihood (unmarked's ``colext``; MacKenzie et al. 2003).

    Site i is occupied in season 1 with probability psi_i1; between seasons t and t+1 an unoccupied
    site is colonised with probability gamma_it and an occupied one goes extinct with probability
    epsilon_it; an occupied site is detected at occasion j of season t with probability p_itj. All
    four are logit-linear in their covariates.

    Parameters
    ----------
    data : MultiSeasonData
        From :func:`multi_season_data` (or a multi-season detection history).
    psi, gamma, epsilon, p : str
        Right-hand-side formulas (``formulaic``, R-like: ``"~ forest"``, ``"~ season - 1"``,
        ``"~ season + date + I(date ** 2)"``). psi uses site covariates; gamma and epsilon site and
        yearly covariates (the last season's values are not used); p site, yearly and observation
        covariates.
    penalty : float, default 0
        Weight of an L2-norm penalty ``penalty * ||theta||_2`` added to the negative
        log-likelihood. 0 gives maximum likelihood; unmarked's colext uses
        :data:`UNMARKED_PENALTY` (0.001). :meth:`ColextFit.penalised_nll` gives unmarked's printed
        objective at the maximum-likelihood estimates. ``method="unmarked"`` always uses 0.001.
    starts : sequence of float, optional
        Starting values (default zeros, as unmarked).
    se : bool, default True
        Compute the Hessian and standard errors.
    maxiter : int, default 1000
        BFGS iterations (``method="exact"``).
    method : {"exact", "unmarked"}, default "exact"
        ``"exact"``: BFGS on the exact gradient, Newton steps, the Hessian from central differences
        of the gradient (the optimum to ~1e-9). ``"unmarked"``: unmarked 1.5.0's own procedure,
        replayed: the penalised objective (``penalty`` = :data:`UNMARKED_PENALTY`), R's ``optim``
        BFGS with its finite-difference gradient from ``starts`` (``maxit`` 100) and R's
        ``optimhess``; it reproduces unmarked's printed estimates, SEs, negLogLike and AIC.

    Returns
    -------
    ColextFit

    Raises
    ------
    OccupancyDataError
        Formulas that do not fit the data, missing yearly covariates.
    OccupancyFitError
        A singular Hessian (a parameter not identifiable from these data).

    Notes
    -----
    The likelihood of a site is computed by the forward algorithm over seasons (states unoccupied /
    occupied), scaled at every season; its gradient is exact (the expected complete-data score
    from the forward-backward posteriors, Louis 1982); BFGS is followed by Newton steps on the
    central-difference Hessian of that gradient, which also gives the standard errors. Sites with
    no survey are dropped; a season without survey contributes no detection factor. Projected
    occupancy averages ``psi_it`` over sites; smoothed occupancy averages the forward-backward
    posterior ``P(z_it = 1 | y_i)`` (Weir et al. 2009), as unmarked's ``projected`` and
    ``smoothed``.

    References
    ----------
    MacKenzie, D. I., Nichols, J. D., Hines, J. E., Knutson, M. G. & Franklin, A. B. (2003).
    Estimating site occupancy, colonization, and local extinction when a species is detected
    imperfectly. *Ecology* 84, 2200-2207. https://doi.org/10.1890/02-3090
    Weir, L. A., Fiske, I. J. & Royle, J. A. (2009). Trends in anuran occupancy from northeastern
    states of the North American Amphibian Monitoring Program. *Herpetological Conservation and
    Biology* 4, 389-402.

    Examples
    --------
    >>> import numpy as np
    >>> from nbtools.occupancy import colext, multi_season_data
    >>> rng = np.random.default_rng(1)
    >>> z = rng.random(200) < 0.4
    >>> y = np.concatenate([(rng.random((200, 3)) < 0.5 * z[:, None]) for _ in range(2)], axis=1)
    >>> fit = colext(multi_season_data(y.astype(float), n_seasons=2))
    >>> list(fit.coef.index)
    ['psi(Int)', 'col(Int)', 'ext(Int)', 'p(Int)']
    """
    formulas = {"psi": psi, "gamma": gamma, "epsilon": epsilon, "p": p}
    design = colext_design(data, psi, gamma, epsilon, p)
    names = design.coef_names
    start = np.zeros(len(names)) if starts is None else np.asarray(starts, dtype=float)
    if start.shape != (len(names),):
        raise OccupancyDataError(f"starts needs {len(names)} values ({names}), got {start.size}")
    if method not in ("exact", "unmarked"):
        raise OccupancyDataError(f"method must be 'exact' or 'unmarked', not {method!r}")
    penalty = UNMARKED_PENALTY if method == "unmarked" else float(penalty)
    notes = list(design.notes)
    if method == "unmarked":
        objective = lambda th: penalised_objective(design, th, penalty)[0]  # noqa: E731
        theta, _, iterations, converged = r_vmmin(objective, start, maxit=100)
        if not converged:
            notes.append("R's optim BFGS reached maxit = 100 iterations (unmarked's convergence code 1)")
            warn_user(notes[-1])
    else:
        theta, converged, iterations = _minimise(design, start, penalty, maxiter)
        if not converged:
            notes.append("the optimiser did not reach a gradient below 1e-4: the estimates may not be the optimum")
            warn_user(notes[-1])
    value = penalised_objective(design, theta, penalty)[0]
    loglik = loglik_gradient(design, theta)[0]
    k = len(names)
    vcov = np.full((k, k), np.nan)
    if se:
        if method == "unmarked":
            H = r_optimhess(lambda th: penalised_objective(design, th, penalty)[0], theta)
        else:
            H = numerical_hessian(lambda th: penalised_objective(design, th, penalty)[1], theta)
        try:
            vcov = np.linalg.inv(H)
        except np.linalg.LinAlgError as exc:
            raise OccupancyFitError("the Hessian is singular: try fewer covariates") from exc
        if not np.all(np.isfinite(vcov)) or np.any(np.diag(vcov) <= 0):
            notes.append("the Hessian is not positive definite: some standard errors are NaN")
            warn_user(notes[-1])
    fb = forward_backward(design, theta)
    seasons = design.seasons
    return ColextFit(
        formulas=formulas,
        coef=pd.Series(theta, index=names, name="estimate"),
        se=pd.Series(np.sqrt(np.where(np.diag(vcov) > 0, np.diag(vcov), np.nan)), index=names, name="se"),
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        nll=float(value),
        loglik=float(loglik),
        aic=float(2 * value + 2 * k),
        penalty=penalty,
        projected_sites=pd.DataFrame(projected_occupancy(design, theta), index=design.sites, columns=seasons),
        smoothed_sites=pd.DataFrame(fb.posterior, index=design.sites, columns=seasons),
        design=design,
        data=data,
        converged=converged,
        iterations=iterations,
        notes=tuple(notes),
    )
