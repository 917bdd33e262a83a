"""The result of an occupancy fit: :class:`OccupancyFit`, with its estimates table and summary."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .design import Design, split_formula
from .likelihood import Likelihood


@dataclass(frozen=True, eq=False)
class OccupancyFit:
    """A fitted single-season occupancy model (``occu``) or Royle-Nichols model (``occuRN``).

    Attributes
    ----------
    model : {"occu", "occuRN"}
        Which model (the unmarked function it mirrors).
    formula : str
        The double formula ``"~ detection ~ state"``.
    link : str
        Link of the state parameter: ``"logit"`` or ``"cloglog"`` for psi, ``"log"`` for lambda.
        Detection always uses the logit link.
    coef : pandas.Series
        Estimates on the link scale, named as unmarked's ``coef()``: ``psi(Int)``, ``p(effort)``, ...
        (``lam(...)`` for the Royle-Nichols abundance).
    se : pandas.Series
        Standard errors from the inverse of the exact Hessian of the negative log-likelihood;
        NaN only for parameters listed in ``boundary``.
    vcov : pandas.DataFrame
        Variance-covariance matrix (NaN in the rows/columns of boundary parameters).
    n_state : int
        Number of state parameters (the first ``n_state`` entries of ``coef``).
    loglik, nll, aic : float
        Maximised log-likelihood, its negative, and ``AIC = 2 nll + 2 n_params`` (unmarked's ``AIC``).
    n_sites, n_occasions, n_surveys : int
        Sites used, occasions (columns of y), surveyed site-occasions in the likelihood.
    sites, occasions : pandas.Index
        Labels of the sites used and of the occasions.
    dropped_sites : tuple
        Labels of the sites left out (no survey, or missing covariates with ``na_action="drop"``).
    boundary : tuple of str
        Parameters whose MLE is on the boundary (+-infinity on the link scale: every site or survey
        they act on has a fitted probability within 1e-6 of 0 or 1). Their estimate is where the
        optimiser stopped, and their SE is NaN.
    converged : bool
        Whether the optimiser met its tolerance (``method="newton"``: gradient norm 1e-8;
        ``"BFGS"``: R's ``reltol``) within its iteration limit (``maxiter``), or stopped on the
        boundary with the gradient of the free parameters below 1e-6. When False the estimates are
        where the optimiser stopped, not the MLE: a warning and ``notes`` say so, with the reason.
    convergence : str
        Why the optimiser stopped (e.g. ``"gradient norm below tolerance"``, ``"R's optim BFGS
        reached maxit = 100 iterations"``), or why it was not run (no detection at any site).
    iterations : int
        Optimiser iterations.
    K : int or None
        Upper limit of the abundance sum (Royle-Nichols only).
    method : {"newton", "BFGS"}
        How the likelihood was maximised (see :func:`occu`).
    notes : tuple of str
        Everything dropped, truncated or flagged while fitting.
    """

    model: str
    formula: str
    link: str
    coef: pd.Series
    se: pd.Series
    vcov: pd.DataFrame
    n_state: int
    loglik: float
    aic: float
    n_sites: int
    n_occasions: int
    n_surveys: int
    sites: pd.Index
    occasions: pd.Index
    dropped_sites: tuple
    boundary: tuple[str, ...]
    converged: bool
    convergence: str
    iterations: int
    K: int | None
    method: str
    notes: tuple[str, ...]
    _design: Design = field(repr=False)
    _theta: np.ndarray = field(repr=False)

    @property
    def nll(self) -> float:
        """Negative log-likelihood at the estimates (unmarked's ``negLogLike``)."""
        return -self.loglik

    @property
    def n_params(self) -> int:
        """Number of coefficients (state and detection)."""
        return len(self.coef)

    @property
    def det_formula(self) -> str:
        """The detection side of the formula, as ``"~ ..."``."""
        return "~ " + split_formula(self.formula)[0]

    @property
    def state_formula(self) -> str:
        """The state side of the formula, as ``"~ ..."``."""
        return "~ " + split_formula(self.formula)[1]

    @property
    def state(self) -> pd.Series:
        """State coefficients (psi or lambda, link scale)."""
        return self.coef.iloc[: self.n_state]

    @property
    def det(self) -> pd.Series:
        """Detection coefficients (logit scale)."""
        return self.coef.iloc[self.n_state :]

    def _lik(self) -> Likelihood:
        """The likelihood of the fitted data (for predictions, ``ranef`` and the goodness-of-fit test)."""
        return Likelihood(self._design, self.model, self.link, self.K)

    @property
    def y(self) -> pd.DataFrame:
        """The detection matrix used (sites x occasions, NaN where not surveyed)."""
        return pd.DataFrame(self._design.y_matrix(), index=self.sites, columns=self.occasions)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates table: one row per parameter.

        Columns ``submodel`` (state / det), ``estimate`` and ``SE`` (link scale), ``z``,
        ``P(>|z|)`` (as unmarked's ``summary``), Wald ``lower``/``upper`` at ``level`` and ``boundary``.
        """
        zcrit = stats.norm.ppf(0.5 + level / 2)
        est, se = self.coef, self.se
        z = est / se
        frame = pd.DataFrame(
            {
                "submodel": ["state"] * self.n_state + ["det"] * (self.n_params - self.n_state),
                "estimate": est,
                "SE": se,
                "z": z,
                "P(>|z|)": 2 * stats.norm.sf(np.abs(z)),
                "lower": est - zcrit * se,
                "upper": est + zcrit * se,
                "boundary": [name in self.boundary for name in est.index],
            }
        )
        frame.index.name = "parameter"
        return frame

    def __repr__(self) -> str:
        head = (
            f"OccupancyFit({self.model} {self.formula!r}, link={self.link}, {self.n_sites} sites x "
            f"{self.n_occasions} occasions, {self.n_surveys} surveys)"
        )
        table = self.to_frame()[["estimate", "SE", "z", "P(>|z|)"]].to_string(float_format=lambda v: f"{v:.4g}")
        lines = [head, table, f"AIC: {self.aic:.4f}   log-likelihood: {self.loglik:.4f}   converged: {self.converged}"]
        if not self.converged:
            lines.append(f"NOT CONVERGED ({self.convergence}): the estimates are where the optimiser stopped")
        if self.boundary:
            lines.append(f"boundary estimates (SE not available): {', '.join(self.boundary)}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
