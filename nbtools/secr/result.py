"""The result of an SECR fit (:class:`SECRFit`): estimates, intervals and derived quantities."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats
from scipy.special import expit, logit

from nbtools._deprecate import one_minus

from .capthist import CaptureHistory
from .design import _DensityDesign
from .likelihood import SECRLikelihood
from .mask import Mask

__all__ = ["SECRFit"]


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


def _mixing_rows(
    eta_free: np.ndarray, d_eta: np.ndarray, vcov: np.ndarray, classes: Any, alpha: float
) -> dict[str, dict[str, Any]]:
    """Mixing proportions (multinomial logit, first class the reference) with delta-method SEs.

    ``eta_free`` are the G - 1 linear predictors of the classes after the first, ``d_eta`` their
    derivatives with respect to the coefficients whose covariance is ``vcov``; intervals on the logit
    scale, as secr's.
    """
    eta = np.concatenate([[0.0], np.asarray(eta_free, dtype=float)])
    pmix = np.exp(eta - np.logaddexp.reduce(eta))
    jac = (np.diag(pmix) - np.outer(pmix, pmix))[:, 1:] @ d_eta  # d pmix / d beta
    cov = jac @ vcov @ jac.T
    z = _z(alpha)
    rows: dict[str, dict[str, Any]] = {}
    for c in range(len(pmix)):
        share, se = float(pmix[c]), float(np.sqrt(max(cov[c, c], 0.0)))
        se_logit = se / (share * (1 - share))
        rows[f"pmix[{classes[c]}]"] = {
            "link": "logit",
            "estimate": share,
            "SE": se,
            "lcl": float(expit(logit(share) - z * se_logit)),
            "ucl": float(expit(logit(share) + z * se_logit)),
        }
    return rows


def _se_untransform(beta: float, se_beta: float, link: str) -> float:
    """SE on the real scale from the link scale, as secr's ``se.untransform``.

    log link: ``exp(beta) sqrt(exp(se^2) - 1)`` (the SD of a log-normal variable);
    logit link: the delta method ``p (1 - p) se``.
    """
    if link == "log":
        return float(np.exp(beta) * np.sqrt(np.expm1(se_beta**2)))
    p = float(expit(beta))
    return p * (1 - p) * float(se_beta)


def _lognormal_ci(est: float, se: float, alpha: float, lower: float = 0.0) -> tuple[float, float]:
    """secr's ``add.cl`` log-normal interval with a lower bound."""
    delta = est - lower
    if not (np.isfinite(se) and delta > 0):
        return float("nan"), float("nan")
    c = np.exp(_z(alpha) * np.sqrt(np.log(1 + (se / delta) ** 2)))
    return lower + delta / c, lower + delta * c


class _FitStatistics:
    """The shape shared by the SECR fits (:class:`SECRFit`, ``MultiSessionFit``), from their fields.

    A class using it has ``coefficients`` (columns ``beta``, ``SE.beta``), ``messages``, ``alpha``, ``loglik``,
    ``n_params`` and ``n`` (animals detected, the sample size of AICc as secr counts it).
    """

    @property
    def coef(self) -> pd.Series:
        """Coefficients on the link scale (the ``beta`` column of ``coefficients``)."""
        return self.coefficients["beta"].rename("coef")

    @property
    def se(self) -> pd.Series:
        """Standard errors of ``coef`` (the ``SE.beta`` column of ``coefficients``)."""
        return self.coefficients["SE.beta"].rename("se")

    @property
    def notes(self) -> tuple[str, ...]:
        """The warnings about the fit (``messages``) as a tuple."""
        return tuple(self.messages)

    @property
    def level(self) -> float:
        """Confidence level of the intervals, ``1 - alpha``."""
        return one_minus(self.alpha)

    @property
    def aic(self) -> float:
        """Akaike's information criterion, -2 loglik + 2 K."""
        return -2 * self.loglik + 2 * self.n_params

    @property
    def aicc(self) -> float:
        """AIC with the small-sample correction, n = animals detected (in all sessions), as secr."""
        k, n = self.n_params, self.n
        return float("nan") if n - k - 1 <= 0 else self.aic + 2 * k * (k + 1) / (n - k - 1)


@dataclass(frozen=True, eq=False)
class SECRFit(_FitStatistics):
    """Result of :func:`secr_fit`: estimates, standard errors, intervals and fit statistics.

    Attributes
    ----------
    estimates : pandas.DataFrame
        Real parameters as secr's ``predict``: rows ``D`` (animals / ha; for a density
        model, the mean over the mask), ``g0`` or ``lambda0``, ``sigma`` (m) (with
        ``[class]`` suffixes for class-specific parameters) and ``pmix[class]``; columns
        ``link``, ``estimate``, ``SE``, ``lcl``, ``ucl``.
    coefficients : pandas.DataFrame
        Coefficients on the link scale (secr's ``coef``): ``beta``, ``SE.beta``,
        ``lcl``, ``ucl``.
    vcov : pandas.DataFrame
        Variance-covariance matrix of the coefficients (inverse Hessian).
    loglik, aic, aicc : float
        Maximised log-likelihood, AIC and AICc (``n`` = animals detected).
    n, r, detections : int
        Animals detected, recaptures (detections after the first) and detections.
    detectfn, detector, density_formula : str
    classes : list
        Class labels (sex or mixture class); empty without classes.
    converged : bool
        The optimiser converged and the Hessian is negative definite.
    messages : list of str
        Warnings about the fit (boundary estimates, singular Hessian, ...).

    The shape shared by estimator results: :attr:`coef`, :attr:`se`, :attr:`loglik`, :attr:`aic`,
    :attr:`notes` (the messages as a tuple) and :meth:`to_frame`; :attr:`level` is ``1 - alpha``.
    """

    estimates: pd.DataFrame
    coefficients: pd.DataFrame
    vcov: pd.DataFrame
    loglik: float
    n_params: int
    n: int
    r: int
    detections: int
    detectfn: str
    detector: str
    density_formula: str
    classes: list[Any]
    converged: bool
    messages: list[str]
    n_evaluations: int
    alpha: float
    mask: Mask = field(repr=False)
    capthist: CaptureHistory = field(repr=False)
    _lik: SECRLikelihood = field(repr=False)
    _beta: np.ndarray = field(repr=False)  # internal (scaled) coefficients
    _vcov: np.ndarray = field(repr=False)  # internal vcov
    _design: _DensityDesign = field(repr=False)

    # --------------------------------------------------------- named estimates
    def _real(self, name: str) -> float:
        if name not in self.estimates.index:
            raise AttributeError(f"this fit has no parameter {name!r}; it has {list(self.estimates.index)}")
        return float(self.estimates.loc[name, "estimate"])

    @property
    def density(self) -> float:
        """Density (animals / ha); the mask mean for a density model."""
        return self._real("D")

    @property
    def density_se(self) -> float:
        """Standard error of :attr:`density` (animals / ha)."""
        return float(self.estimates.loc["D", "SE"])

    @property
    def density_ci(self) -> tuple[float, float]:
        """Interval of :attr:`density` (log-normal, level 1 - alpha) (animals / ha)."""
        return float(self.estimates.loc["D", "lcl"]), float(self.estimates.loc["D", "ucl"])

    @property
    def density_per_100km2(self) -> float:
        """Density in animals per 100 km2 (= per 10,000 ha)."""
        return self.density * 10_000.0

    @property
    def g0(self) -> float:
        """Detection probability per occasion at distance 0 (HN, EX)."""
        return self._real("g0")

    @property
    def lambda0(self) -> float:
        """Expected detections per occasion at distance 0 (HHN, HEX)."""
        return self._real("lambda0")

    @property
    def sigma(self) -> float:
        """Spatial scale of detection (m)."""
        return self._real("sigma")

    # --------------------------------------------------------- derived
    def _pdot_mixed(self, beta: np.ndarray | None = None) -> np.ndarray:
        """Pr(detected | x), averaged over classes with their mixing proportions."""
        beta = self._beta if beta is None else beta
        pmix = self._lik.unpack(beta)[3]
        return pmix @ self._lik.pdot_at(beta)

    def _esa(self, beta: np.ndarray) -> float:
        return self.mask.cell_area * float(self._pdot_mixed(beta).sum())

    def _gradient(self, func, beta: np.ndarray, which: np.ndarray) -> np.ndarray:
        grad = np.zeros(len(beta))
        for j in which:
            step = 1e-5 * max(1.0, abs(beta[j]))
            up, down = beta.copy(), beta.copy()
            up[j] += step
            down[j] -= step
            grad[j] = (func(up) - func(down)) / (2 * step)
        return grad

    @property
    def esa(self) -> float:
        """Effective sampling area a(theta) = integral of p.(x) over the mask (ha)."""
        return self._esa(self._beta)

    def derived(self) -> pd.DataFrame:
        """Effective sampling area and the Horvitz-Thompson-like density, as secr's ``derived``.

        Rows ``esa`` (ha) and ``D`` (= n / esa, animals / ha); columns ``estimate``,
        ``SE``, ``lcl``, ``ucl`` (log-normal) and ``CV``. var(esa) by the delta method
        over the detection coefficients; var(D) = D^2 (var(n)/n^2 + var(esa)/esa^2)
        with var(n) = n (Poisson), as secr (Borchers & Efford 2008).
        """
        beta = self._beta
        lik = self._lik
        det_idx = np.setdiff1d(np.arange(len(beta)), lik.idx_density)
        esa = self._esa(beta)
        g = self._gradient(self._esa, beta, det_idx)
        var_a = float(g @ self._vcov @ g)
        d_ht = self.n / esa
        var_d = d_ht**2 * (self.n / self.n**2 + var_a / esa**2) if self.n else float("nan")
        rows = {}
        for name, est, var in (("esa", esa, var_a), ("D", d_ht, var_d)):
            se = float(np.sqrt(var)) if var >= 0 else float("nan")
            lcl, ucl = _lognormal_ci(est, se, self.alpha)
            rows[name] = {"estimate": est, "SE": se, "lcl": lcl, "ucl": ucl, "CV": se / est}
        return pd.DataFrame(rows).T

    def density_surface(self, per: str = "ha") -> xr.DataArray:
        """Fitted density at each mask point as an ``xarray.DataArray`` (y, x), NaN off the mask.

        Parameters
        ----------
        per : {"ha", "100km2"}, default "ha"
            Unit of area.
        """
        if per not in ("ha", "100km2"):
            raise ValueError(f"per must be 'ha' or '100km2', got {per!r}")
        dens = np.exp(self._lik.design @ self._beta[self._lik.idx_density])
        factor = 1.0 if per == "ha" else 10_000.0
        units = "animals / ha" if per == "ha" else "animals / 100 km2"
        return self.mask.to_dataarray(
            dens * factor, name="density", attrs={"units": units, "long_name": "fitted density (secr_fit)"}
        )

    def _region_points(self, region: Any) -> tuple[Mask, np.ndarray | None]:
        """The region as a Mask and, when it is a subset of the fit's mask, its boolean index."""
        if region is None:
            return self.mask, np.ones(len(self.mask), bool)
        if isinstance(region, str):
            if region not in self.mask.points.columns:
                raise KeyError(f"the mask has no covariate {region!r}; it has {list(self.mask.covariates.columns)}")
            keep = self.mask.points[region].to_numpy()
            keep = keep.astype(bool) if keep.dtype == bool else np.asarray(keep, float) > 0.5
            return self.mask.subset(keep), keep
        if isinstance(region, Mask):
            return region, None
        keep = np.asarray(region)
        if keep.dtype != bool or keep.shape != (len(self.mask),):
            raise ValueError("region must be None, a covariate name, a boolean array over the mask, or a Mask")
        return self.mask.subset(keep), keep

    def region_n(self, region: Any = None, detected: str = "all") -> pd.DataFrame:
        """Expected and realised number of animals in a region, as secr's ``region.N``.

        Parameters
        ----------
        region : None, str, boolean array or Mask, optional
            The region: the whole mask (default), the mask points where a covariate is
            true (e.g. ``"in_park"``), a boolean array over the mask points, or another
            :class:`Mask` (its covariates must include those of the density model).
        detected : {"all", "posterior"}, default "all"
            Detected animals counted in R.N: ``"all"`` adds every detected animal (secr,
            right when the region holds all their activity centres); ``"posterior"``
            adds each animal's posterior probability that its centre lies in the region
            (use it for a region smaller than the mask, e.g. a park inside a buffered mask).

        Returns
        -------
        pandas.DataFrame
            Rows ``E.N`` (expected number, D integrated over the region) and ``R.N``
            (realised number: detected animals + expected undetected animals, secr's
            ``RN.method = "poisson"``); columns ``estimate``, ``SE``, ``lcl``, ``ucl``
            (log-normal; for R.N with lower bound n when ``detected="all"``), ``n`` (detected
            animals counted) and ``area`` (ha).
            SE(E.N) by the delta method. SE(R.N): with ``detected="all"``
            sqrt(SE(E.N)^2 - E.N) (secr); with ``"posterior"`` the prediction error of
            the realised number, sqrt(sum_i pi_i (1 - pi_i) + U + g' V g), where pi_i are
            the posterior probabilities, U the expected number of undetected animals
            (Poisson) and g its gradient in the coefficients (delta method).
        """
        if detected not in ("all", "posterior"):
            raise ValueError(f"detected must be 'all' or 'posterior', got {detected!r}")
        lik = self._lik
        beta = self._beta
        reg, keep = self._region_points(region)
        x_reg = self._design.scaled(reg.covariates) if keep is None else lik.design[keep]
        bd = beta[lik.idx_density]
        dens = np.exp(x_reg @ bd)
        a_r = reg.cell_area
        en = a_r * float(dens.sum())
        grad_d = a_r * (dens @ x_reg)
        vd = self._vcov[np.ix_(lik.idx_density, lik.idx_density)]
        se_en = float(np.sqrt(grad_d @ vd @ grad_d))
        if keep is not None:
            ev = lik.evaluate(beta, gradient=False)
            post_i = np.exp(ev.log_q[:, :, keep] - ev.log_z[None, :, None]).sum(axis=(0, 2))
        else:
            ev = lik.evaluate(beta, gradient=False)
            other = copy.copy(lik)
            other.set_points(reg.xy, a_r, x_reg)
            ev_r = other.evaluate(beta, gradient=False)
            post_i = np.exp(ev_r.log_q - ev.log_z[None, :, None]).sum(axis=(0, 2))
        points_xy = None if keep is not None else reg.xy

        def expected_undetected(b: np.ndarray) -> float:
            pdot = lik.pdot_at(b, points_xy)
            if keep is not None:
                pdot = pdot[:, keep]
            d_r = np.exp(x_reg @ b[lik.idx_density])
            return a_r * float((d_r[None, :] * lik.unpack(b)[3][:, None] * (1 - pdot)).sum())

        undetected = expected_undetected(beta)
        if detected == "all":
            n_r = float(self.n)
            var_rn = se_en**2 - en
        else:
            n_r = float(post_i.sum())
            g = self._gradient(expected_undetected, beta, np.arange(len(beta)))
            var_rn = float((post_i * (1 - post_i)).sum()) + undetected + float(g @ self._vcov @ g)
        rn = n_r + undetected
        se_rn = float(np.sqrt(var_rn)) if var_rn >= 0 else float("nan")
        out = {}
        lower_rn = n_r if detected == "all" else 0.0  # posterior: which detected animals are inside is uncertain
        for name, est, se, lower in (("E.N", en, se_en, 0.0), ("R.N", rn, se_rn, lower_rn)):
            lcl, ucl = _lognormal_ci(est, se, self.alpha, lower)
            out[name] = {"estimate": est, "SE": se, "lcl": lcl, "ucl": ucl, "n": n_r, "area": reg.area}
        return pd.DataFrame(out).T

    # --------------------------------------------------------- tables
    def to_frame(self) -> pd.DataFrame:
        """Real estimates with SEs and intervals, plus ``D per 100 km2`` (secr's ``predict``)."""
        table = self.estimates.copy()
        d = table.loc["D"].copy()
        for col in ("estimate", "SE", "lcl", "ucl"):
            d[col] = d[col] * 10_000.0
        d.name = "D per 100 km2"
        table = pd.concat([table.iloc[:1], d.to_frame().T, table.iloc[1:]])
        table.attrs = {
            "loglik": self.loglik,
            "AIC": self.aic,
            "AICc": self.aicc,
            "n": self.n,
            "r": self.r,
            "detectfn": self.detectfn,
            "detector": self.detector,
        }
        return table

    def __repr__(self) -> str:
        lines = [
            f"SECRFit({self.detector} detectors, detectfn {self.detectfn}, D {self.density_formula}"
            + (f", classes {self.classes}" if self.classes else "")
            + ")",
            f"  n = {self.n} animals, r = {self.r} recaptures, {len(self.mask)} mask points",
            f"  loglik {self.loglik:.4f}, K = {self.n_params}, AIC {self.aic:.3f}, AICc {self.aicc:.3f}"
            + ("" if self.converged else "  (NOT CONVERGED)"),
        ]
        for name, row in self.estimates.iterrows():
            lines.append(
                f"  {name:<14} {row['estimate']:.6g} (SE {row['SE']:.4g}; {row['lcl']:.4g} - {row['ucl']:.4g})"
            )
        lines.append(f"  D per 100 km2  {self.density_per_100km2:.4g}")
        lines += [f"  warning: {m}" for m in self.messages]
        return "\n".join(lines)
