"""Detection functions fitted by maximum likelihood to radii and angles (distance sampling), as R's ``Distance::ds``.

The detection zone of a camera trap is a sector of a circle: an effective radius (fitted to the
radial distances of animals when first detected, in the *point-transect* form) and an effective
angle (fitted to their angles from the camera's axis, in the *line-transect* form) (Rowcliffe et al.
2011). This module fits half-normal and hazard-rate detection functions, optionally with cosine
adjustment terms, to either, with the conventions of R's mrds/Distance so that the numbers agree:

* ``g(x)`` is the detection function, ``g(0) = 1``; the key's scale ``sigma = exp(beta_0)`` (log link),
  the hazard-rate shape ``b = exp(beta_1)``;
* cosine adjustments ``g(x) = key(x) (1 + sum_j a_j cos(j pi x / w)) / (1 + sum_j a_j)`` with ``x``
  scaled by the truncation distance ``w`` (mrds's ``scale = "width"``, ``standardize = TRUE``);
* line transect (angles): ``f(x) = g(x) / mu`` on ``[0, w]``, ``mu = int_0^w g(x) dx`` the effective
  half-width (here: the effective half-angle, rad);
* point transect (radii): ``f(r) = r g(r) / int_0^w r g(r) dr``; the effective detection area
  ``nu = 2 pi int_0^w r g(r) dr`` and the effective detection radius ``sqrt(nu / pi)`` (m). The
  log-likelihood includes ``log r``, as mrds's does;
* truncation ``w`` is a distance or a percentage (``"5%"``: the 95 % quantile of the distances,
  R's type 7); distances greater than ``w`` are dropped (``x <= w`` kept), and by default ``w`` is the
  largest distance (no truncation, Distance's default);
* variances from the inverse of the *first-partial* Hessian (the outer product of the per-observation
  scores, mrds's ``flt.var``, "the formula in Buckland et al."), the SE of the effective radius or
  angle by the delta method, as mrds's ``predict(..., esw = TRUE, se.fit = TRUE)``.

Integrals are Gauss-Legendre quadratures (128 nodes on ``[0, w]``), exact to machine precision for
these smooth functions. Monotonicity of adjusted functions is checked (20 points, as mrds's
``mono.points``) and reported, not enforced (mrds enforces it with a constrained optimiser).
Left truncation, binned distances and covariates in the scale are not implemented.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

__all__ = [
    "DetectionFit",
    "DetectionModel",
    "GoodnessOfFit",
    "fit_detection",
    "select_detection",
    "truncation_distance",
]

Transect = Literal["point", "line"]
Key = Literal["hn", "hr"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(128)
_MONO_POINTS = 20


def truncation_distance(distances: ArrayLike, truncation: float | str | None = None) -> float:
    """The truncation distance ``w`` as ``Distance::ds`` computes it from its ``truncation`` argument.

    Parameters
    ----------
    distances : array
        Observed distances (m) or absolute angles (rad).
    truncation : float, str or None, default None
        ``None``: the largest distance (no truncation); a number: that distance; a string ``"p%"``:
        the ``1 - p/100`` quantile of the distances (R's ``quantile(type = 7)``), so ``"5%"`` drops
        the farthest 5 %.

    Returns
    -------
    float
        ``w``, in the unit of ``distances``.

    Examples
    --------
    >>> truncation_distance([1.0, 2.0, 3.0, 4.0, 5.0], "5%")
    4.8
    """
    x = np.asarray(distances, dtype=float)
    if truncation is None:
        return float(np.max(x))
    if isinstance(truncation, str):
        text = truncation.strip()
        if not text.endswith("%"):
            raise ValueError(f"a truncation given as text must be a percentage like '5%', got {truncation!r}")
        share = float(text[:-1]) / 100.0
        if not 0 <= share < 1:
            raise ValueError(f"the truncation percentage must be in [0, 100), got {truncation!r}")
        return float(np.quantile(x, 1.0 - share))
    w = float(truncation)
    if not (math.isfinite(w) and w > 0):
        raise ValueError(f"truncation must be a positive distance, got {truncation!r}")
    return w


# --------------------------------------------------------------------------------------------- model
@dataclass(frozen=True)
class DetectionModel:
    """A detection function and its likelihood for distances on ``[0, width]`` (mrds's ``ddf`` model).

    Parameters
    ----------
    transect : {"point", "line"}
        ``"point"`` for radii (pdf proportional to ``r g(r)``), ``"line"`` for angles or perpendicular
        distances (pdf proportional to ``g(x)``).
    key : {"hn", "hr"}
        Half-normal ``exp(-x^2 / (2 sigma^2))`` or hazard-rate ``1 - exp(-(x / sigma)^(-b))``.
    width : float
        Truncation distance ``w`` (m or rad).
    order : tuple of int, default ()
        Orders of the cosine adjustment terms ``cos(j pi x / w)`` (Distance's default for these keys
        starts at 2: ``(2,)``, ``(2, 3)``, ...).

    Notes
    -----
    The coefficients ``beta`` are ``log sigma``, then ``log b`` (hazard-rate), then the adjustment
    coefficients ``a_j``, as mrds orders them.
    """

    transect: Transect
    key: Key
    width: float
    order: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.transect not in ("point", "line"):
            raise ValueError(f"transect must be 'point' or 'line', got {self.transect!r}")
        if self.key not in ("hn", "hr"):
            raise ValueError(f"key must be 'hn' (half-normal) or 'hr' (hazard-rate), got {self.key!r}")
        if not (math.isfinite(self.width) and self.width > 0):
            raise ValueError(f"width must be a positive distance, got {self.width!r}")
        if any(int(j) != j or j < 1 for j in self.order) or len(set(self.order)) != len(self.order):
            raise ValueError(f"adjustment orders must be distinct positive integers, got {self.order!r}")

    @property
    def names(self) -> list[str]:
        """Coefficient names: ``log_sigma``, ``log_shape`` (hazard-rate), ``cos<j>``."""
        names = ["log_sigma"] + (["log_shape"] if self.key == "hr" else [])
        return names + [f"cos{j}" for j in self.order]

    @property
    def n_params(self) -> int:
        """Number of coefficients."""
        return len(self.names)

    def _split(self, beta: NDArray) -> tuple[float, float, NDArray]:
        sigma = float(np.exp(beta[0]))
        shape = float(np.exp(beta[1])) if self.key == "hr" else float("nan")
        adj = np.asarray(beta[(2 if self.key == "hr" else 1) :], dtype=float)
        return sigma, shape, adj

    def g(self, x: ArrayLike, beta: ArrayLike) -> NDArray[np.float64]:
        """Detection probability at distance ``x`` (``g(0) = 1``)."""
        beta = np.asarray(beta, dtype=float)
        x = np.asarray(x, dtype=float)
        sigma, shape, adj = self._split(beta)
        if self.key == "hn":
            key = np.exp(-0.5 * (x / sigma) ** 2)
        else:
            with np.errstate(divide="ignore", over="ignore"):
                key = -np.expm1(-np.power(x / sigma, -shape))
            key = np.where(x == 0, 1.0, key)
        if adj.size == 0:
            return key
        orders = np.asarray(self.order, dtype=float)
        terms = np.cos(np.multiply.outer(x / self.width, orders * math.pi)) @ adj
        return key * (1.0 + terms) / (1.0 + adj.sum())

    def _integrand(self, x: NDArray, beta: NDArray) -> NDArray:
        return self.g(x, beta) * (x if self.transect == "point" else 1.0)

    def mu(self, beta: ArrayLike) -> float:
        """Normalising integral: ``int_0^w g`` (line, rad or m) or ``int_0^w r g(r) dr`` (point, m^2)."""
        half = 0.5 * self.width
        x = half * (_NODES + 1.0)
        return float(half * (_WEIGHTS @ self._integrand(x, np.asarray(beta, dtype=float))))

    def effective_distance(self, beta: ArrayLike) -> float:
        """Effective half-width ``mu`` (line) or effective detection radius ``sqrt(2 mu)`` (point)."""
        mu = self.mu(beta)
        return math.sqrt(2.0 * mu) if self.transect == "point" else mu

    def pdf(self, x: ArrayLike, beta: ArrayLike) -> NDArray[np.float64]:
        """Probability density of the observed distances on ``[0, w]``."""
        x = np.asarray(x, dtype=float)
        beta = np.asarray(beta, dtype=float)
        dens = self._integrand(x, beta) / self.mu(beta)
        return np.where((x >= 0) & (x <= self.width), dens, 0.0)

    def cdf(self, x: ArrayLike, beta: ArrayLike) -> NDArray[np.float64]:
        """Distribution function of the observed distances (quadrature on ``[0, x]``)."""
        beta = np.asarray(beta, dtype=float)
        x = np.clip(np.asarray(x, dtype=float), 0.0, self.width)
        half = 0.5 * x[..., None]
        nodes = half * (_NODES + 1.0)
        part = (half[..., 0]) * (self._integrand(nodes, beta) @ _WEIGHTS)
        return np.clip(part / self.mu(beta), 0.0, 1.0)

    def loglik_terms(self, beta: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
        """Each observation's log-likelihood ``log f(x_i)`` (``-inf`` where ``g`` is not positive)."""
        beta = np.asarray(beta, dtype=float)
        x = np.asarray(x, dtype=float)
        mu = self.mu(beta)
        gx = self.g(x, beta)
        if not (mu > 0 and math.isfinite(mu)) or (gx <= 0).any():
            return np.full(x.shape, -np.inf)
        if self.order and (self.g(self._check_points(), beta) < 0).any():
            return np.full(x.shape, -np.inf)  # a negative detection probability is no detection function
        out = np.log(gx) - math.log(mu)
        if self.transect == "point":
            out = out + np.log(x)
        return out

    def loglik(self, beta: ArrayLike, x: ArrayLike) -> float:
        """Log-likelihood of the distances ``x`` (all within ``[0, w]``)."""
        return float(self.loglik_terms(beta, x).sum())

    def _check_points(self) -> NDArray:
        return np.linspace(0.0, self.width, _MONO_POINTS)

    def is_monotone(self, beta: ArrayLike) -> bool:
        """``g`` non-increasing, within ``[0, 1]``, on 20 points of ``[0, w]`` (mrds's ``check.mono``)."""
        gx = self.g(self._check_points(), beta)
        return bool((np.diff(gx) <= 1e-8).all() and (gx >= -1e-8).all() and (gx <= 1 + 1e-8).all())

    def start(self, x: NDArray) -> list[NDArray]:
        """Starting values: a few scales from the data (and shapes for the hazard-rate)."""
        rms = math.sqrt(float(np.mean(x**2)) / (2.0 if self.transect == "point" else 1.0))
        scales = [rms, float(np.median(x)), 0.5 * self.width]
        starts = []
        for s in scales:
            s = max(s, 1e-3 * self.width)
            shapes = [math.log(2.5), math.log(5.0)] if self.key == "hr" else [None]
            for b in shapes:
                beta = [math.log(s)] + ([b] if b is not None else []) + [0.0] * len(self.order)
                starts.append(np.asarray(beta, dtype=float))
        return starts


# --------------------------------------------------------------------------------------------- result
@dataclass(frozen=True)
class GoodnessOfFit:
    """Goodness of fit of a detection function to the distances it was fitted to.

    Attributes
    ----------
    cvm_statistic, cvm_p : float
        Cramér-von Mises ``W^2 = 1/(12 n) + sum_i (F(x_(i)) - (2i - 1)/(2n))^2`` (unweighted, as
        ``Distance::gof_ds`` for exact distances) and its p-value (scipy's finite-sample approximation;
        the parameters were estimated from the same data, so it is conservative, as in Distance).
    ks_statistic, ks_p : float
        Kolmogorov-Smirnov ``D = max |F(x) - F_n(x)|`` and its p-value (same caveat).
    qq : pandas.DataFrame
        ``distance``, ``fitted_cdf`` (the fitted F at each ordered distance) and ``empirical_cdf``
        (``(i - 0.5) / n``), the points of a Q-Q (P-P) plot as mrds's ``qqplot.ddf``.
    """

    cvm_statistic: float
    cvm_p: float
    ks_statistic: float
    ks_p: float
    n: int
    qq: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per test: statistic and p-value."""
        return pd.DataFrame(
            {"statistic": [self.cvm_statistic, self.ks_statistic], "p": [self.cvm_p, self.ks_p], "n": self.n},
            index=pd.Index(["Cramer-von Mises", "Kolmogorov-Smirnov"], name="test"),
        )


@dataclass(frozen=True, eq=False)
class DetectionFit:
    """Result of :func:`fit_detection`: a fitted detection function (R's ``ds``/``ddf`` object).

    Attributes
    ----------
    model : DetectionModel
        Transect type, key, truncation ``width`` and adjustment orders.
    beta : numpy.ndarray
        Coefficients at the maximum (``log_sigma``, ``log_shape``, ``cos<j>``).
    vcov : numpy.ndarray
        Their variance-covariance matrix (inverse first-partial Hessian, or the observed information
        with ``vcov_method="hessian"``).
    loglik : float
        Maximised log-likelihood (mrds's ``lnl``).
    distances : numpy.ndarray
        The distances used (within the truncation).
    n_total : int
        Distances given, before truncation.
    unit : str
        Unit of the distances (``"m"`` or ``"rad"``).
    converged : bool
        The optimiser reported success and the variance matrix is finite and positive definite.
    monotone : bool
        ``g`` is non-increasing on ``[0, w]`` (always true without adjustments).
    messages : tuple of str
        Warnings about the fit.
    """

    model: DetectionModel
    beta: NDArray[np.float64]
    vcov: NDArray[np.float64]
    loglik: float
    distances: NDArray[np.float64] = field(repr=False)
    n_total: int
    unit: str
    converged: bool
    monotone: bool
    vcov_method: str
    messages: tuple[str, ...] = ()

    # ---------------------------------------------------------------------------- statistics
    @property
    def n(self) -> int:
        """Distances used in the fit (within the truncation)."""
        return int(self.distances.size)

    @property
    def n_params(self) -> int:
        """Number of coefficients."""
        return self.model.n_params

    @property
    def aic(self) -> float:
        """Akaike's information criterion ``-2 loglik + 2 k`` (Distance's ``AIC``)."""
        return -2.0 * self.loglik + 2.0 * self.n_params

    @property
    def width(self) -> float:
        """Truncation distance ``w``."""
        return self.model.width

    @property
    def proportion_used(self) -> float:
        """Share of the distances within the truncation (camtrapDensity's ``proportion_used``)."""
        return self.n / self.n_total

    @property
    def sigma(self) -> float:
        """Key scale ``exp(beta_0)`` (unit of the distances)."""
        return float(np.exp(self.beta[0]))

    @property
    def shape(self) -> float:
        """Hazard-rate shape ``b = exp(beta_1)`` (NaN for the half-normal)."""
        return float(np.exp(self.beta[1])) if self.model.key == "hr" else float("nan")

    @property
    def coefficients(self) -> pd.DataFrame:
        """Coefficients with their SEs (mrds's ``summary(...)$coeff``)."""
        se = np.sqrt(np.clip(np.diag(self.vcov), 0, None)) if self.vcov.size else np.array([])
        return pd.DataFrame({"estimate": self.beta, "se": se}, index=pd.Index(self.model.names, name="coefficient"))

    # ---------------------------------------------------------------------------- effective zone
    def _gradient(self, func) -> NDArray:
        grad = np.zeros(self.beta.size)
        for j in range(self.beta.size):
            step = 1e-5 * max(1.0, abs(self.beta[j]))
            up, down = self.beta.copy(), self.beta.copy()
            up[j] += step
            down[j] -= step
            grad[j] = (func(up) - func(down)) / (2 * step)
        return grad

    def _delta_se(self, func) -> float:
        grad = self._gradient(func)
        return float(math.sqrt(max(float(grad @ self.vcov @ grad), 0.0)))

    @property
    def effective_area(self) -> float:
        """Effective detection area ``nu = 2 pi int_0^w r g(r) dr`` (m^2; point transect only)."""
        self._require("point", "effective_area")
        return 2 * math.pi * self.model.mu(self.beta)

    @property
    def effective_area_se(self) -> float:
        """SE of :attr:`effective_area` by the delta method (m^2), as mrds's ``predict(esw = TRUE)``."""
        self._require("point", "effective_area_se")
        return self._delta_se(lambda b: 2 * math.pi * self.model.mu(b))

    @property
    def effective_distance(self) -> float:
        """Effective detection radius ``sqrt(nu / pi)`` (point, m) or effective half-width (line)."""
        return self.model.effective_distance(self.beta)

    @property
    def effective_distance_se(self) -> float:
        """SE of :attr:`effective_distance` by the delta method.

        For a point transect ``0.5 se(nu) / sqrt(pi nu)``, as camtrapDensity's ``fit_detmodel``.
        """
        if self.model.transect == "point":
            nu = self.effective_area
            return 0.5 * self.effective_area_se / math.sqrt(math.pi * nu)
        return self._delta_se(self.model.mu)

    def _require(self, transect: str, what: str) -> None:
        if self.model.transect != transect:
            raise AttributeError(
                f"{what} is defined for {transect} transects; this fit is a {self.model.transect} transect"
            )

    # ---------------------------------------------------------------------------- functions
    def g(self, x: ArrayLike) -> NDArray[np.float64]:
        """Fitted detection probability at ``x``."""
        return self.model.g(x, self.beta)

    def pdf(self, x: ArrayLike) -> NDArray[np.float64]:
        """Fitted density of the observed distances at ``x``."""
        return self.model.pdf(x, self.beta)

    def cdf(self, x: ArrayLike) -> NDArray[np.float64]:
        """Fitted distribution function of the observed distances at ``x``."""
        return self.model.cdf(x, self.beta)

    def gof(self) -> GoodnessOfFit:
        """Cramér-von Mises and Kolmogorov-Smirnov tests and the Q-Q points (``Distance::gof_ds``)."""
        x = np.sort(self.distances)
        n = x.size
        fitted = self.model.cdf(x, self.beta)
        cvm = stats.cramervonmises(x, lambda v: self.model.cdf(v, self.beta))
        ks = stats.kstest(x, lambda v: self.model.cdf(v, self.beta))
        qq = pd.DataFrame({"distance": x, "fitted_cdf": fitted, "empirical_cdf": (np.arange(1, n + 1) - 0.5) / n})
        return GoodnessOfFit(float(cvm.statistic), float(cvm.pvalue), float(ks.statistic), float(ks.pvalue), n, qq)

    # ---------------------------------------------------------------------------- tables
    def to_frame(self) -> pd.DataFrame:
        """One row: model, n, truncation, log-likelihood, AIC, effective distance and its SE."""
        name = "effective_radius" if self.model.transect == "point" else "effective_half_angle"
        if self.unit not in ("rad", "deg"):
            name = "effective_radius" if self.model.transect == "point" else "effective_half_width"
        adj = "+".join(f"cos{j}" for j in self.model.order)
        return pd.DataFrame(
            {
                "transect": [self.model.transect],
                "key": [self.model.key],
                "adjustments": [adj or "none"],
                "n": [self.n],
                "truncation": [self.width],
                "loglik": [self.loglik],
                "aic": [self.aic],
                "sigma": [self.sigma],
                name: [self.effective_distance],
                f"{name}_se": [self.effective_distance_se],
                "unit": [self.unit],
                "converged": [self.converged],
                "monotone": [self.monotone],
            }
        )

    def __repr__(self) -> str:
        kind = (
            "radius"
            if self.model.transect == "point"
            else "half-angle"
            if self.unit in ("rad", "deg")
            else "half-width"
        )
        adj = "" if not self.model.order else " + cos(" + ",".join(map(str, self.model.order)) + ")"
        flags = "" if self.converged else ", NOT CONVERGED"
        return (
            f"<DetectionFit {self.model.transect} {self.model.key}{adj}: n={self.n}/{self.n_total}, "
            f"w={self.width:.4g} {self.unit}, logLik={self.loglik:.4f}, AIC={self.aic:.3f}, "
            f"effective {kind} {self.effective_distance:.4g} (SE {self.effective_distance_se:.3g}) {self.unit}{flags}>"
        )


# --------------------------------------------------------------------------------------------- fitting
def _scores(model: DetectionModel, beta: NDArray, x: NDArray) -> NDArray:
    """Per-observation scores d log f(x_i) / d beta by central differences (n x p)."""
    out = np.empty((x.size, beta.size))
    for j in range(beta.size):
        step = 1e-5 * max(1.0, abs(beta[j]))
        up, down = beta.copy(), beta.copy()
        up[j] += step
        down[j] -= step
        out[:, j] = (model.loglik_terms(up, x) - model.loglik_terms(down, x)) / (2 * step)
    return out


def _hessian(model: DetectionModel, beta: NDArray, x: NDArray) -> NDArray:
    """Observed information (minus the second derivatives of the log-likelihood) by differences."""
    p = beta.size
    h = np.empty((p, p))
    for j in range(p):
        step = 1e-4 * max(1.0, abs(beta[j]))
        up, down = beta.copy(), beta.copy()
        up[j] += step
        down[j] -= step
        h[:, j] = -(_scores(model, up, x).sum(axis=0) - _scores(model, down, x).sum(axis=0)) / (2 * step)
    return 0.5 * (h + h.T)


def _maximise(model: DetectionModel, x: NDArray, method: str, start: NDArray | None) -> tuple[NDArray, float, bool]:
    def nll(beta: NDArray) -> float:
        value = -model.loglik(beta, x)
        return value if math.isfinite(value) else 1e300

    starts = [np.asarray(start, dtype=float)] if start is not None else model.start(x)
    if model.n_params == 1 and start is None and method == "BFGS":
        # one coefficient (a key scale): Brent's method on log sigma, bracketed far around the data
        lo, hi = math.log(1e-4 * model.width), math.log(1e4 * model.width)
        res = optimize.minimize_scalar(
            lambda b: nll(np.array([b])), bounds=(lo, hi), method="bounded", options={"xatol": 1e-11, "maxiter": 500}
        )
        at_bound = min(res.x - lo, hi - res.x) < 1e-3
        return np.array([float(res.x)]), float(-res.fun), bool(res.success and not at_bound and res.fun < 1e299)

    def grad(beta: NDArray) -> NDArray:
        out = np.empty(beta.size)
        for j in range(beta.size):
            step = 1e-6 * max(1.0, abs(beta[j]))
            up, down = beta.copy(), beta.copy()
            up[j] += step
            down[j] -= step
            out[j] = (nll(up) - nll(down)) / (2 * step)
        return out

    best = None
    for s0 in starts:
        if method == "Nelder-Mead":
            res = optimize.minimize(
                nll,
                s0,
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20_000, "maxfev": 40_000},
            )
        else:
            res = optimize.minimize(nll, s0, jac=grad, method="BFGS", options={"gtol": 1e-7, "maxiter": 1_000})
            # BFGS often ends on "precision loss" at the optimum; accept when the gradient is flat
            res.success = bool(res.fun < 1e299 and np.max(np.abs(grad(res.x))) < 1e-4)
            if not res.success and res.fun < 1e299:
                res2 = optimize.minimize(
                    nll, res.x, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 4_000}
                )
                if res2.fun <= res.fun:
                    res = res2
        if best is None or res.fun < best.fun - 1e-12:
            best = res
    assert best is not None
    ok = bool(best.fun < 1e299) and bool(best.success)
    return np.asarray(best.x, dtype=float), float(-best.fun), ok


def fit_detection(
    distances: ArrayLike,
    transect: Transect = "point",
    key: Key = "hn",
    adjustment: Literal["cos"] | None = None,
    order: Sequence[int] = (),
    truncation: float | str | None = None,
    unit: str = "m",
    vcov_method: Literal["opg", "hessian"] = "opg",
    method: Literal["BFGS", "Nelder-Mead"] = "BFGS",
    start: ArrayLike | None = None,
) -> DetectionFit:
    """Fit a detection function to distances by maximum likelihood, as ``Distance::ds``.

    Parameters
    ----------
    distances : array
        Radii (m, ``transect="point"``) or absolute angles (rad, ``transect="line"``); negative angles
        (left of the camera's axis) are taken as absolute values, as camtrapDensity's ``fit_detmodel``
        does. Missing values are dropped.
    transect : {"point", "line"}, default "point"
        ``ds(transect = ...)``: the pdf of a radius is proportional to ``r g(r)``, of an angle to ``g(x)``.
    key : {"hn", "hr"}, default "hn"
        Half-normal or hazard-rate key (``ds(key = ...)``).
    adjustment : {"cos", None}, default None
        Cosine adjustment terms (``ds(adjustment = "cos", order = ...)``); ``None`` fits the key alone
        (``adjustment = NULL``). Use :func:`select_detection` for Distance's AIC choice of terms.
    order : sequence of int, default ()
        Orders of the cosine terms; with ``adjustment="cos"`` and no order, ``(2,)``.
    truncation : float, str or None, default None
        Right truncation (:func:`truncation_distance`): a distance, a percentage such as ``"5%"``,
        or ``None`` for the largest distance.
    unit : str, default "m"
        Unit of the distances, for labels (``"m"``, ``"rad"``).
    vcov_method : {"opg", "hessian"}, default "opg"
        Variance of the coefficients: the inverse of the outer product of the scores (mrds's
        first-partial Hessian ``flt.var``, which ``Distance`` reports) or of the observed information.
    method : {"BFGS", "Nelder-Mead"}, default "BFGS"
        Optimiser (scipy.optimize.minimize), from several starting values unless ``start`` is given.
    start : array, optional
        Starting coefficients (``log_sigma``, ``log_shape``, adjustment coefficients).

    Returns
    -------
    DetectionFit
        ``.effective_distance`` (effective radius, m, or half-angle, rad) and its SE, ``.loglik``,
        ``.aic``, ``.proportion_used``, ``.gof()``, ``.to_frame()``.

    Notes
    -----
    Matches ``Distance::ds(data.frame(distance = x), transect = ..., key = ..., adjustment = ...,
    truncation = ...)`` (Distance 2.0.1, mrds 3.0.1): on the REM test foxes the half-normal point
    transect of 4 radii gives R's log-likelihood to 1e-9 and its effective radius and SE to 1e-6.

    References
    ----------
    Buckland, S.T., Anderson, D.R., Burnham, K.P., Laake, J.L., Borchers, D.L. & Thomas, L. (2001)
    *Introduction to Distance Sampling*. Oxford University Press.
    Rowcliffe, J.M., Carbone, C., Jansen, P.A., Kays, R. & Kranstauber, B. (2011) Quantifying the
    sensitivity of camera traps: an adapted distance sampling approach. Methods in Ecology and
    Evolution 2, 464-476. https://doi.org/10.1111/j.2041-210X.2011.00094.x
    Miller, D.L., Rexstad, E., Thomas, L., Marshall, L. & Laake, J.L. (2019) Distance sampling in R.
    Journal of Statistical Software 89(1). https://doi.org/10.18637/jss.v089.i01

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(1).rayleigh(3.0, 400)        # radii of a half-normal point transect
    >>> fit = fit_detection(r, "point", "hn")
    >>> round(fit.sigma, 1), fit.n
    (3.0, 400)
    """
    x = np.asarray(distances, dtype=float).ravel()
    x = np.abs(x[~np.isnan(x)])
    if not np.isfinite(x).all():
        raise ValueError("distances must be finite numbers")
    if x.size < 2:
        raise ValueError(f"a detection function needs at least 2 distances, got {x.size}")
    if adjustment not in (None, "cos"):
        raise ValueError(f"adjustment must be 'cos' or None, got {adjustment!r}")
    orders = tuple(int(j) for j in order)
    if adjustment == "cos" and not orders:
        orders = (2,)
    if adjustment is None and orders:
        raise ValueError("orders of adjustment terms were given without adjustment='cos'")
    if vcov_method not in ("opg", "hessian"):
        raise ValueError(f"vcov_method must be 'opg' or 'hessian', got {vcov_method!r}")
    if method not in ("BFGS", "Nelder-Mead"):
        raise ValueError(f"method must be 'BFGS' or 'Nelder-Mead', got {method!r}")
    n_total = x.size
    width = truncation_distance(x, truncation)
    kept = x[x <= width]
    if transect == "point":
        kept_positive = kept[kept > 0]
        if kept_positive.size < kept.size:
            warnings.warn(
                f"{kept.size - kept_positive.size} radius/radii of 0 dropped: a point transect "
                "cannot observe a distance of exactly 0",
                stacklevel=2,
            )
        kept = kept_positive
    model = DetectionModel(transect, key, width, orders)
    if kept.size <= model.n_params:
        raise ValueError(f"{kept.size} distances within the truncation cannot fit {model.n_params} coefficients")
    beta, loglik, ok = _maximise(model, kept, method, None if start is None else np.asarray(start, dtype=float))
    messages: list[str] = []
    if not ok:
        messages.append(
            "the optimiser did not reach an interior maximum (for a key alone: the scale ran to its "
            "bound, 1e-4 or 1e4 times the truncation distance; at the upper one the distances look "
            "uniform, no falling detection)"
        )
    if vcov_method == "opg":
        s = _scores(model, beta, kept)
        info = s.T @ s
    else:
        info = _hessian(model, beta, kept)
    try:
        vcov = np.linalg.inv(info)
        pd_ok = bool(np.all(np.linalg.eigvalsh(0.5 * (vcov + vcov.T)) > 0))
    except np.linalg.LinAlgError:
        vcov = np.full(info.shape, np.nan)
        pd_ok = False
    if not pd_ok:
        messages.append("the information matrix is singular or not positive definite: SEs are not reliable")
    monotone = model.is_monotone(beta)
    if not monotone:
        messages.append(
            "the fitted detection function is not monotone non-increasing on [0, w] "
            "(mrds would constrain it); consider fewer adjustment terms"
        )
    if model.key == "hr" and beta[0] < math.log(width) - 20:
        messages.append("hazard-rate scale near 0: possibly a spike of distances near 0")
    converged = ok and pd_ok and bool(np.isfinite(vcov).all())
    for m in messages:
        warnings.warn(m, stacklevel=2)
    return DetectionFit(
        model, beta, vcov, loglik, kept, n_total, unit, converged, monotone, vcov_method, tuple(messages)
    )


def select_detection(
    distances: ArrayLike,
    transect: Transect = "point",
    keys: Sequence[Key] = ("hn", "hr"),
    max_adjustments: int = 2,
    truncation: float | str | None = None,
    unit: str = "m",
) -> tuple[DetectionFit, pd.DataFrame]:
    """Fit keys with 0, 1, ... cosine terms and choose by AIC, as ``Distance::ds(adjustment = "cos")``.

    For each key, cosine terms of order 2, 3, ... are added one at a time while the AIC decreases
    (Distance's forward selection, ``order = NULL``); the model with the smallest AIC over keys is
    returned with a table like ``Distance::summarize_ds_models``. Fits that fail or are not
    monotone are listed and not chosen.

    Parameters
    ----------
    distances : array
        Radii (m) or absolute angles (rad).
    transect : {"point", "line"}, default "point"
    keys : sequence of {"hn", "hr"}, default ("hn", "hr")
    max_adjustments : int, default 2
        Largest number of cosine terms tried per key.
    truncation : float, str or None
        As :func:`fit_detection`.
    unit : str, default "m"

    Returns
    -------
    (DetectionFit, pandas.DataFrame)
        The chosen fit and one row per model tried (sorted by AIC, ``delta_aic``).
    """
    rows, fits = [], []
    for key in keys:
        previous = None
        for k in range(max_adjustments + 1):
            orders = tuple(range(2, 2 + k))
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fit = fit_detection(distances, transect, key, "cos" if orders else None, orders, truncation, unit)
            except ValueError as err:
                rows.append(
                    {
                        "key": key,
                        "adjustments": "+".join(f"cos{j}" for j in orders) or "none",
                        "aic": np.nan,
                        "usable": False,
                        "note": str(err),
                    }
                )
                break
            usable = fit.monotone and math.isfinite(fit.loglik)
            row = fit.to_frame().iloc[0].to_dict()
            row.update(usable=usable, note="; ".join(fit.messages))
            rows.append(row)
            if usable:
                fits.append(fit)
            if previous is not None and not (fit.aic < previous.aic):
                break
            previous = fit
    if not fits:
        raise ValueError("no detection function could be fitted")
    table = pd.DataFrame(rows).sort_values("aic", na_position="last").reset_index(drop=True)
    table["delta_aic"] = table["aic"] - table.loc[table["usable"], "aic"].min()
    best = min(fits, key=lambda f: f.aic)
    return best, table


# --------------------------------------------------------------------------------------------- bootstrap
_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _hn_score(s: float, half_ss: float, n: int, width: float, transect: Transect) -> tuple[float, float]:
    """First and second derivatives in ``s = log sigma`` of a half-normal key's log-likelihood.

    ``loglik(s) = -A exp(-2 s) - n log mu(s)`` (+ a constant), ``A = sum x^2 / 2``; point transect:
    ``mu = sigma^2 (1 - exp(-t))``, ``t = w^2 / (2 sigma^2)``; line: ``mu = sigma sqrt(pi/2) erf(z)``,
    ``z = w / (sigma sqrt 2)``.
    """
    e2 = math.exp(-2.0 * s)
    if transect == "point":
        t = 0.5 * width * width * e2
        if t > 700.0:
            h = dh = 0.0
        else:
            em1 = math.expm1(t)
            h = t / em1  # t / (e^t - 1)
            dh = (em1 - t * (em1 + 1.0)) / (em1 * em1)
        d1 = 2.0 * half_ss * e2 - n * 2.0 * (1.0 - h) if t >= 1.0 else 2.0 * half_ss * e2 - n * 2.0 * ((em1 - t) / em1)
        d2 = -4.0 * half_ss * e2 - n * 4.0 * t * dh
    else:
        z = width * math.exp(-s) / math.sqrt(2.0)
        erf = math.erf(z)
        ez = math.exp(-z * z)
        g = _TWO_OVER_SQRT_PI * z * ez / erf
        dg = _TWO_OVER_SQRT_PI * (ez * (1.0 - 2.0 * z * z) * erf - z * ez * _TWO_OVER_SQRT_PI * ez) / (erf * erf)
        d1 = 2.0 * half_ss * e2 - n * (1.0 - g)
        d2 = -4.0 * half_ss * e2 - n * z * dg
    return d1, d2


def _quantile7(x: NDArray, q: float) -> float:
    """``np.quantile(x, q)`` (R's type 7) for a 1-D float array without NaN, without numpy's overheads.

    The same arithmetic as numpy's ``"linear"`` method (virtual index ``(n - 1) q``, the two order
    statistics around it, ``a + (b - a) g``, or ``b - (b - a)(1 - g)`` when ``g >= 0.5``), so the same
    number to the last bit (tested).
    """
    n = x.size
    virtual = (n - 1) * q
    prev = math.floor(virtual)
    if prev >= n - 1:
        return float(np.max(x))
    if prev < 0:
        return float(np.min(x))
    part = np.partition(x, (prev, prev + 1))
    a, b = part[prev], part[prev + 1]
    gamma = np.float64(virtual - prev)
    diff = b - a
    return float(b - diff * (1 - gamma)) if gamma >= 0.5 else float(a + diff * gamma)


def _truncation_quick(x: NDArray, truncation: float | str | None) -> float:
    """:func:`truncation_distance` with :func:`_quantile7` for percentages."""
    if isinstance(truncation, str) and truncation.strip().endswith("%"):
        share = float(truncation.strip()[:-1]) / 100.0
        if 0 <= share < 1:
            return _quantile7(x, 1.0 - share)
    return truncation_distance(x, truncation)


def _hn_effective_distance(
    distances: NDArray, transect: Transect, truncation: float | str | None, start: float
) -> tuple[float, float] | None:
    """Effective radius / half-width and share of distances used of a half-normal key alone, quickly.

    What ``fit_detection(distances, transect, "hn", truncation=truncation)`` gives as
    ``(.effective_distance, .proportion_used)`` for the REM bootstrap, without its SEs, warnings and
    checks: the maximum likelihood scale by Newton's method in ``log sigma`` with analytic derivatives
    (the likelihood depends on the data only through ``n`` and ``sum x^2``), started at ``start`` (the
    full data's ``log sigma``), and the closed-form integrals. Raises ``ValueError`` where
    :func:`fit_detection` does; returns None when the answer is not clean (the maximum near the
    scale's bounds or in the flat regime far beyond the truncation, no convergence): then call
    :func:`fit_detection`.
    """
    x = np.abs(distances[~np.isnan(distances)])
    if not np.isfinite(x).all():
        raise ValueError("distances must be finite numbers")
    if x.size < 2:
        raise ValueError(f"a detection function needs at least 2 distances, got {x.size}")
    n_total = x.size
    width = _truncation_quick(x, truncation)
    if not (math.isfinite(width) and width > 0):
        raise ValueError(f"width must be a positive distance, got {width!r}")
    kept = x[x <= width]
    if transect == "point":
        kept = kept[kept > 0]
    n = kept.size
    if n <= 1:
        raise ValueError(f"{n} distances within the truncation cannot fit 1 coefficients")
    half_ss = 0.5 * float(kept @ kept)
    lo, hi = math.log(1e-4 * width), math.log(1e4 * width)
    # Newton's method in u = 1 / sigma^2, the natural parameter of this exponential family: the
    # log-likelihood is concave in u (its second derivative is -n Var(x^2 / 2) under the fitted pdf)
    s = min(max(start, lo + 1.0), hi - 1.0)
    u = math.exp(-2.0 * s)
    for _ in range(100):
        d1, d2 = _hn_score(s, half_ss, n, width, transect)
        grad = -d1 * 0.5 / u  # ds/du = -1 / (2u), d2s/du2 = 1 / (2u^2)
        hess = (0.25 * d2 + 0.5 * d1) / (u * u)
        if not (hess < 0 and math.isfinite(grad)):
            return None
        new_u = u - grad / hess
        if new_u <= 0.0:
            new_u = 0.1 * u
        change = abs(new_u - u)
        u = new_u
        s = -0.5 * math.log(u)
        if not lo < s < hi:
            return None
        if change <= 1e-14 * u:
            break
    else:
        return None
    sigma = math.exp(s)
    if transect == "point":
        t = 0.5 * width * width / (sigma * sigma)
        if t < 1e-3 or min(s - lo, hi - s) < 1e-3:
            return None
        return math.sqrt(-2.0 * sigma * sigma * math.expm1(-t)), n / n_total
    z = width / (sigma * math.sqrt(2.0))
    if z < 0.03 or min(s - lo, hi - s) < 1e-3:
        return None
    return sigma * _SQRT_HALF_PI * math.erf(z), n / n_total


def _effective_distance_quick(
    distances: NDArray, transect: Transect, key: Key, truncation: float | str | None, unit: str, start: float
) -> tuple[float, float]:
    """``(effective_distance, proportion_used)`` of ``fit_detection(distances, transect, key, truncation=...)``.

    The half-normal key alone goes through :func:`_hn_effective_distance` (falling back to
    :func:`fit_detection` when that is not clean); other keys call :func:`fit_detection`.
    """
    if key == "hn":
        quick = _hn_effective_distance(distances, transect, truncation, start)
        if quick is not None:
            return quick
    fit = fit_detection(distances, transect, key, truncation=truncation, unit=unit)
    return fit.effective_distance, fit.proportion_used
