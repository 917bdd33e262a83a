"""Maximum likelihood for the open-population models and their result (:class:`OpenCRFit`).

The log-likelihoods of :mod:`nbtools.secr.open_cjs`, :mod:`nbtools.secr.open_pradel` and
their spatial versions are functions of a handful of coefficients, so they are maximised with
BFGS on forward-difference gradients, then polished by Newton steps (central-difference
gradient, central-difference Hessian). A model with covariates starts from the optimum of the
constant model (its intercepts), which keeps the optimiser out of the flat region where
lambda < phi (no recruitment) of the PLB models.
Standard errors come from the inverse of that Hessian (the observed information) on the link
scale, as openCR's (``nlm`` with ``hessian = TRUE``); real-scale SEs are delta-method SEs
(openCR's ``predict``: p (1 - p) SE for logit, exp(beta) SE for log) and intervals are
back-transformed Wald intervals on the link scale (openCR's ``predict``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import expit

from .._deprecate import one_minus, renamed_parameters
from .open_design import OpenDesign
from .open_histories import OpenCaptureHistory

__all__ = ["OpenCRFit", "fit_open_model", "hessian", "numerical_gradient"]


def numerical_gradient(func: Callable[[np.ndarray], float], beta: np.ndarray, rel_step: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of ``func`` at ``beta``."""
    grad = np.empty_like(beta)
    for k in range(len(beta)):
        h = rel_step * max(1.0, abs(beta[k]))
        e = np.zeros_like(beta)
        e[k] = h
        grad[k] = (func(beta + e) - func(beta - e)) / (2 * h)
    return grad


def hessian(func: Callable[[np.ndarray], float], beta: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``func`` at ``beta`` (three points on the diagonal, four off it)."""
    k = len(beta)
    h = step * np.maximum(1.0, np.abs(beta))
    centre = func(beta)
    out = np.empty((k, k))
    for a in range(k):
        ea = np.zeros(k)
        ea[a] = h[a]
        out[a, a] = (func(beta + ea) - 2 * centre + func(beta - ea)) / h[a] ** 2
        for b in range(a + 1, k):
            eb = np.zeros(k)
            eb[b] = h[b]
            value = (func(beta + ea + eb) - func(beta + ea - eb) - func(beta - ea + eb) + func(beta - ea - eb)) / (
                4 * h[a] * h[b]
            )
            out[a, b] = out[b, a] = value
    return out


def _maximise(
    negloglik: Callable[[np.ndarray], float], beta0: np.ndarray, maxiter: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """BFGS on forward-difference gradients, then Newton steps (central differences, step halving).

    Returns the coefficients, the Hessian of ``negloglik`` (recomputed unless the Newton steps
    moved the coefficients by less than 1e-5), the gradient there and the BFGS message.
    """

    def value_and_forward_gradient(b: np.ndarray) -> tuple[float, np.ndarray]:
        value = negloglik(b)
        h = 1e-7 * np.maximum(1.0, np.abs(b))
        grad = np.array([(negloglik(b + h[k] * np.eye(len(b))[k]) - value) / h[k] for k in range(len(b))])
        return value, grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = optimize.minimize(
            value_and_forward_gradient, beta0, jac=True, method="BFGS", options={"gtol": 1e-4, "maxiter": maxiter}
        )
    beta = np.asarray(res.x, dtype=float)
    hess = hessian(negloglik, beta)
    at = beta.copy()
    grad = numerical_gradient(negloglik, beta)
    for _ in range(8):
        try:
            step = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or float(grad @ step) >= 0 or np.max(np.abs(step)) < 1e-9:
            break
        value, t = negloglik(beta), 1.0
        while t > 1e-4 and not negloglik(beta + t * step) <= value + 1e-12:
            t /= 2
        if t <= 1e-4:
            break
        beta = beta + t * step
        grad = numerical_gradient(negloglik, beta)
        if np.max(np.abs(t * step)) < 1e-8:
            break
    if np.max(np.abs(beta - at)) >= 1e-5:
        hess = hessian(negloglik, beta)
    return beta, hess, grad, str(res.message)


@dataclass(frozen=True, eq=False)
class OpenCRFit:
    """Result of an open-population fit (openCR's ``openCR.fit``).

    Attributes
    ----------
    type : str
        openCR's model type (``CJS``, ``PLBl``, ``PLBf``, ``CJSsecr``).
    formulas : dict of str to str
        Model formula of each real parameter.
    estimates : pandas.DataFrame
        Real parameters (openCR's ``predict``): one row per parameter and distinct level of
        its formula's variables (index ``phi``, ``phi[sex=M]``, ``p[session=3]``, ...);
        columns ``parameter``, the variables, ``link``, ``estimate``, ``SE``, ``lcl``, ``ucl``.
        Survival is per unit of the primary intervals (e.g. per year); ``lambda`` is the
        rate of population change per unit time; ``p`` per secondary occasion.
    coefficients : pandas.DataFrame
        Link-scale coefficients with openCR's names: ``beta``, ``SE.beta``, ``lcl``, ``ucl``.
    vcov : pandas.DataFrame
        Their variance-covariance matrix (inverse of the observed information).
    loglik : float
        Maximised log-likelihood (openCR's: no multinomial constant).
    n_params, n : int
        Coefficients (the K of AIC) and animals detected (the n of AICc).
    nsessions, noccasions : int
        Primary sessions J and secondary occasions S.
    converged : bool
        Gradient below 1e-3 and the Hessian negative definite.
    notes : tuple of str
        Warnings about the fit (boundary estimates, singular Hessian, slow convergence).
    seconds : float
        Time taken by the fit.
    """

    type: str
    formulas: dict[str, str]
    estimates: pd.DataFrame
    coefficients: pd.DataFrame
    vcov: pd.DataFrame
    loglik: float
    n_params: int
    n: int
    nsessions: int
    noccasions: int
    converged: bool
    notes: tuple[str, ...]
    seconds: float
    alpha: float
    history: OpenCaptureHistory = field(repr=False)
    _beta: np.ndarray = field(repr=False)

    @property
    def aic(self) -> float:
        """Akaike's information criterion, -2 loglik + 2 K."""
        return -2 * self.loglik + 2 * self.n_params

    @property
    def aicc(self) -> float:
        """AIC with the small-sample correction, n = animals detected (as openCR)."""
        k, n = self.n_params, self.n
        return float("nan") if n - k - 1 <= 0 else self.aic + 2 * k * (k + 1) / (n - k - 1)

    @property
    def level(self) -> float:
        """Confidence level of the intervals (``1 - alpha``)."""
        return one_minus(self.alpha)

    @property
    def coef(self) -> pd.Series:
        """Link-scale coefficients."""
        return self.coefficients["beta"]

    @property
    def se(self) -> pd.Series:
        """Standard errors of the link-scale coefficients."""
        return self.coefficients["SE.beta"]

    def real(self, parameter: str) -> pd.DataFrame:
        """The rows of one real parameter (``p``, ``phi``, ``lambda``, ...)."""
        table = self.estimates[self.estimates["parameter"] == parameter]
        if table.empty:
            raise KeyError(
                f"this fit has no parameter {parameter!r}; it has {sorted(set(self.estimates['parameter']))}"
            )
        return table.dropna(axis=1, how="all")

    def value(self, parameter: str, column: str = "estimate") -> float:
        """A real parameter that is constant in the model (e.g. ``fit.value("phi")``)."""
        table = self.real(parameter)
        if len(table) != 1:
            raise ValueError(f"{parameter} varies ({len(table)} levels): use fit.real({parameter!r})")
        return float(table[column].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """The real estimates, with fit statistics in ``attrs``."""
        table = self.estimates.copy()
        table.attrs = {"type": self.type, "loglik": self.loglik, "AIC": self.aic, "AICc": self.aicc, "n": self.n}
        return table

    def __repr__(self) -> str:
        lines = [
            f"OpenCRFit({self.type}, " + ", ".join(f"{k} {v}" for k, v in self.formulas.items()) + ")",
            f"  n = {self.n} animals, {self.nsessions} primary sessions, {self.noccasions} secondary occasions",
            f"  loglik {self.loglik:.4f}, K = {self.n_params}, AIC {self.aic:.3f}, AICc {self.aicc:.3f}"
            + ("" if self.converged else "  (NOT CONVERGED)"),
        ]
        for name, row in self.estimates.iterrows():
            lines.append(
                f"  {name:<22} {row['estimate']:.6g} (SE {row['SE']:.4g}; {row['lcl']:.4g} - {row['ucl']:.4g})"
            )
        lines += [f"  note: {m}" for m in self.notes]
        return "\n".join(lines)


def _inverse_link(link: str, x: np.ndarray | float) -> np.ndarray:
    return expit(x) if link == "logit" else np.exp(x)


def _se_real(link: str, lp: np.ndarray, se: np.ndarray) -> np.ndarray:
    """Real-scale SE by the delta method, as openCR's ``predict`` (its ``vcov`` of real parameters)."""
    if link == "logit":
        p = expit(lp)
        return p * (1 - p) * se
    return np.exp(lp) * se


def _text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _real_rows(design: OpenDesign, beta: np.ndarray, vcov: np.ndarray, keep: np.ndarray, alpha: float) -> pd.DataFrame:
    """One row per distinct design row among the ``keep`` rows (valid sessions)."""
    frame = design.frame.loc[keep].reset_index(drop=True)
    x = design.matrix[keep]
    _, first = np.unique(x, axis=0, return_index=True)
    first = np.sort(first)
    x = x[first]
    frame = frame.iloc[first].reset_index(drop=True)
    lp = x @ beta
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", x, vcov, x), 0, None))
    z = float(stats.norm.ppf(1 - alpha / 2))
    link = design.link
    rows = pd.DataFrame(
        {
            "parameter": design.parameter,
            "link": link,
            "estimate": _inverse_link(link, lp),
            "SE": _se_real(link, lp, se),
            "lcl": _inverse_link(link, lp - z * se),
            "ucl": _inverse_link(link, lp + z * se),
        }
    )
    rows = pd.concat([rows[["parameter"]], frame.astype(object), rows.drop(columns="parameter")], axis=1)
    labels = [
        design.parameter
        if frame.shape[1] == 0
        else f"{design.parameter}[" + ", ".join(f"{c}={_text(v)}" for c, v in frame.iloc[i].items()) + "]"
        for i in range(len(frame))
    ]
    rows.index = pd.Index(labels, name="real")
    return rows


def _constant_design(design: OpenDesign) -> OpenDesign:
    """The ``~1`` design of the same parameter over the same rows."""
    rows = design.matrix.shape[0]
    return OpenDesign(
        design.parameter, "~1", [design.parameter], np.ones((rows, 1)), design.shape, pd.DataFrame(index=range(rows))
    )


@renamed_parameters(alpha=("level", one_minus))
def fit_open_model(
    type_: str,
    history: OpenCaptureHistory,
    designs: list[OpenDesign],
    valid_rows: list[np.ndarray],
    loglik: Callable[[list[np.ndarray]], float],
    start: dict[str, float],
    level: float = 0.95,
    maxiter: int = 500,
) -> OpenCRFit:
    """Maximise a log-likelihood of real-parameter arrays and build the :class:`OpenCRFit`.

    Parameters
    ----------
    type_ : str
        openCR's model type, for the result.
    history : OpenCaptureHistory
    designs : list of OpenDesign
        One per real parameter, in the order ``loglik`` takes them.
    valid_rows : list of numpy.ndarray of bool
        Per design, the rows (animal x time) in which the parameter is identifiable (for
        the table of real estimates).
    loglik : callable
        Log-likelihood of the real-parameter arrays (n, T) in the order of ``designs``.
    start : dict of str to float
        Real-scale starting values of the intercepts (openCR's defaults).
    level : float, default 0.95
        Confidence level of the intervals (openCR's ``alpha`` is ``1 - level``; the old parameter
        ``alpha`` still works, deprecated).
    maxiter : int, default 500
        Iterations of BFGS.

    Returns
    -------
    OpenCRFit
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    alpha = one_minus(level)
    t0 = time.perf_counter()
    sizes = [d.matrix.shape[1] for d in designs]
    bounds = np.cumsum([0, *sizes])

    def reals(beta: np.ndarray) -> list[np.ndarray]:
        return [
            _inverse_link(d.link, d.linear_predictor(beta[a:b]))
            for d, a, b in zip(designs, bounds[:-1], bounds[1:], strict=True)
        ]

    def negloglik(beta: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            value = -loglik(reals(beta))
        return value if np.isfinite(value) else 1e10

    beta0 = np.zeros(bounds[-1])
    for d, a in zip(designs, bounds[:-1], strict=True):
        value = start[d.parameter]
        beta0[a] = np.log(value / (1 - value)) if d.link == "logit" else np.log(value)
    if any(d.matrix.shape[1] > 1 for d in designs):
        # start from the constant model's optimum: quasi-Newton steps from openCR's default start can
        # land in the flat region of lambda < phi (no recruitment) and stop at a poor local optimum
        constant = [_constant_design(d) for d in designs]
        fitted = fit_open_model(type_, history, constant, valid_rows, loglik, start, level, maxiter)
        for d, a, value in zip(designs, bounds[:-1], fitted._beta, strict=True):
            if d.names[0] == d.parameter:  # the formula has an intercept
                beta0[a] = value
    beta, hess, grad, message = _maximise(negloglik, beta0, maxiter)
    notes: list[str] = []
    try:
        vcov = np.linalg.inv(hess)
        positive = bool(np.all(np.linalg.eigvalsh(hess) > 0))
    except np.linalg.LinAlgError:
        vcov, positive = np.full_like(hess, np.nan), False
    if not positive:
        notes.append("the Hessian is not positive definite: SEs are unreliable (a boundary or unidentified parameter)")
    if np.max(np.abs(grad)) >= 1e-3:
        notes.append(f"the optimiser stopped with gradient {np.max(np.abs(grad)):.3g} ({message})")
    names = [name for d in designs for name in d.names]
    se = np.sqrt(np.where(np.diag(vcov) >= 0, np.diag(vcov), np.nan))
    z = float(stats.norm.ppf(1 - alpha / 2))
    coefficients = pd.DataFrame({"beta": beta, "SE.beta": se, "lcl": beta - z * se, "ucl": beta + z * se}, index=names)
    tables = [
        _real_rows(d, beta[a:b], vcov[a:b, a:b], keep.ravel(), alpha)
        for d, a, b, keep in zip(designs, bounds[:-1], bounds[1:], valid_rows, strict=True)
    ]
    estimates = pd.concat(tables)
    for name, row in estimates.iterrows():
        if row["link"] == "logit" and (row["estimate"] < 1e-6 or row["estimate"] > 1 - 1e-6):
            notes.append(f"{name} is at a boundary ({row['estimate']:.3g})")
    return OpenCRFit(
        type=type_,
        formulas={d.parameter: d.formula for d in designs},
        estimates=estimates,
        coefficients=coefficients,
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        loglik=-negloglik(beta),
        n_params=len(beta),
        n=history.n,
        nsessions=history.nsessions,
        noccasions=history.noccasions,
        converged=positive and np.max(np.abs(grad)) < 1e-3,
        notes=tuple(notes),
        seconds=time.perf_counter() - t0,
        alpha=alpha,
        history=history,
        _beta=beta,
    )


def check_formulas(model: dict[str, str] | None, parameters: tuple[str, ...]) -> dict[str, str]:
    """Formulas of the model's parameters (``~1`` where not given); unknown names are errors."""
    model = dict(model or {})
    unknown = set(model) - set(parameters)
    if unknown:
        raise ValueError(f"this model has parameters {list(parameters)}; got formulas for {sorted(unknown)}")
    return {name: str(model.get(name, "~1")) for name in parameters}
