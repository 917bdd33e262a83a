"""Maximum-likelihood SECR fitting (secr's ``secr.fit`` with ``CL = FALSE``) and its result."""

from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import formulaic
import numpy as np
import pandas as pd
import xarray as xr
from scipy import optimize, stats
from scipy.special import expit, logit
from tqdm.auto import tqdm

from .capthist import CaptureHistory
from .likelihood import DETECTION_FUNCTIONS, SECRLikelihood, squared_distances
from .mask import Mask, make_mask

__all__ = ["SECRFit", "aic_table", "autoini", "rpsv", "secr_fit"]


# ---------------------------------------------------------------------------- inputs
def _as_capthist(
    capthist: CaptureHistory | np.ndarray,
    traps: pd.DataFrame | None,
    detector: str | None,
    usage: np.ndarray | None,
) -> CaptureHistory:
    if isinstance(capthist, CaptureHistory):
        if traps is not None:
            raise ValueError("give traps only with a plain capture-history array (a CaptureHistory has its own)")
        changes: dict[str, Any] = {}
        if detector is not None and detector != capthist.detector:
            changes["detector"] = detector
        if usage is not None:
            changes["usage"] = usage
        if changes:
            capthist = dataclasses.replace(capthist, **changes)
        return capthist
    if traps is None:
        raise ValueError("a capture-history array needs traps (a DataFrame with x, y in metres)")
    return CaptureHistory(np.asarray(capthist), traps, detector or "count", usage)


def _check_traps(ch: CaptureHistory) -> None:
    """Trap coordinates must be finite numbers (a NaN would make every distance to it NaN)."""
    try:
        xy = ch.traps[["x", "y"]].to_numpy(float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"trap coordinates x, y must be numbers (m): {err}") from err
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        where = list(ch.traps.index[bad][:5])
        raise ValueError(
            f"trap coordinates x, y must be finite numbers (m): NaN or infinite at {int(bad.sum())} detector(s) {where}"
        )


def _check_start(start: dict[str, Any]) -> None:
    """Starting values must be finite and inside the parameter space (D, lambda0, sigma > 0; 0 < g0, pmix < 1)."""
    for name, value in start.items():
        try:
            values = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as err:
            raise ValueError(f"start[{name!r}] must be a number or numbers, got {value!r}") from err
        if not np.isfinite(values).all():
            raise ValueError(f"start[{name!r}] must be finite, got {value!r}")
        if name in ("D", "lambda0", "sigma") and (values <= 0).any():
            raise ValueError(f"start[{name!r}] must be positive, got {value!r}")
        if name in ("g0", "pmix") and ((values <= 0) | (values >= 1)).any():
            raise ValueError(f"start[{name!r}] must lie strictly between 0 and 1, got {value!r}")


def _usage(ch: CaptureHistory) -> np.ndarray:
    usage = ch.usage if ch.usage is not None else np.ones((ch.ntraps, ch.noccasions))
    detected_unused = (ch.counts.sum(axis=0) > 0) & (usage.T == 0)
    if detected_unused.any():
        s, k = np.argwhere(detected_unused)[0]
        raise ValueError(f"detection at detector {ch.traps.index[k]!r} on occasion {s + 1} where its usage is 0")
    if (usage.sum(axis=0) == 0).any():
        s = int(np.flatnonzero(usage.sum(axis=0) == 0)[0])
        raise ValueError(f"no detector was used on occasion {s + 1} (secr requires at least one)")
    return usage


def rpsv(capthist: CaptureHistory, cc: bool = True) -> float:
    """Root pooled spatial variance of detection locations (m), secr's ``RPSV``.

    With ``cc=True`` (Calhoun & Casby 1958, secr's ``CC = TRUE``, used by ``autoini``)
    ``sqrt(sum_i sum_j [(x_ij - mean x_i)^2 + (y_ij - mean y_i)^2] / (2 sum_i (n_i - 1)))``;
    otherwise the denominator is ``sum_i (n_i - 1) - 1``. Each detection counts once
    (counts are repeated detections). NaN without recaptures.
    """
    return _rpsv_counts(capthist.counts.sum(axis=1), capthist.traps[["x", "y"]].to_numpy(float), cc)


def _rpsv_counts(w: np.ndarray, xy: np.ndarray, cc: bool = True) -> float:
    """:func:`rpsv` from detections per animal and detector (n x K) and detector x/y (K x 2)."""
    w = np.asarray(w, dtype=float)
    n_i = w.sum(axis=1)
    sx = w @ xy[:, 0]
    sy = w @ xy[:, 1]
    sxx = w @ xy[:, 0] ** 2
    syy = w @ xy[:, 1] ** 2
    ok = n_i > 0
    ss = (sxx[ok] - sx[ok] ** 2 / n_i[ok]).sum() + (syy[ok] - sy[ok] ** 2 / n_i[ok]).sum()
    df = (n_i[ok] - 1).sum()
    denom = 2 * df if cc else df - 1
    if denom <= 0 or ss <= 0:
        return float("nan")
    return float(np.sqrt(ss / denom))


def _expected_per_animal(lambda0: float, z: np.ndarray, detector: str, usage: np.ndarray) -> float:
    """Expected detections per detected animal under HHN, uniform centres (secr's naivecap3).

    ``z`` is exp(-d^2 / (2 sigma^2)) (K x M), ``usage`` K x S."""
    h = lambda0 * z
    total = usage.sum(axis=1) @ h  # M: sum_sk T_sk h_k
    animals = (-np.expm1(-total)).sum()
    if detector == "count":
        captures = total.sum()
    else:  # occasions with the same usage of every detector contribute alike
        patterns, counts = np.unique(usage.T, axis=0, return_counts=True)  # P x K
        if detector == "proximity":
            captures = 0.0
            for t_s, c in zip(patterns, counts, strict=True):
                used = t_s > 0
                captures += c * float((-np.expm1(-h[used] * t_s[used][:, None])).sum())
        else:
            captures = float((counts[:, None] * -np.expm1(-(patterns @ h))).sum())
    return float(captures / animals) if animals > 0 else 0.0


def autoini(
    capthist: CaptureHistory,
    mask: Mask,
    detectfn: str = "HN",
    usage: np.ndarray | None = None,
    adjust_sigma: float = 1.2,
) -> dict[str, float]:
    """Starting values for ``secr_fit``, following secr's ``autoini`` without its random thinning.

    1. ``sigma = 1.2 * RPSV`` (with ``CC = TRUE``); without recaptures at two places,
       the mean distance from each detector to its nearest neighbour.
    2. ``lambda0`` of a hazard half-normal solves (Brent's method on [1e-5, 100]) the
       expected number of detections per detected animal (secr's ``naivecap3``) =
       the observed number; ``g0 = 1 - exp(-lambda0)``.
    3. ``D = n / esa``, the effective sampling area of the half-normal with those
       values.

    secr thins the mask at random (20 % of points) in step 3; here the whole mask is
    used, so the result is reproducible. Only starting values depend on this.

    Returns
    -------
    dict
        ``D`` (per ha), ``g0``, ``lambda0`` and ``sigma`` (m).
    """
    usage = _usage(capthist) if usage is None else np.asarray(usage, float)
    detector = "multi" if capthist.detector == "single" else capthist.detector
    traps_xy = capthist.traps[["x", "y"]].to_numpy(float)
    sigma = rpsv(capthist, cc=True) * adjust_sigma
    if not np.isfinite(sigma) or sigma <= 0:
        if len(traps_xy) > 1:
            d = np.sqrt(squared_distances(traps_xy, traps_xy))
            np.fill_diagonal(d, np.inf)
            sigma = float(d.min(axis=1).mean())
        else:
            sigma = mask.spacing * 5
    z = np.exp(-squared_distances(mask.xy, traps_xy) / (2 * sigma**2))  # K x M
    cpa = capthist.detections / max(capthist.n, 1)

    def gap(lam: float) -> float:
        return _expected_per_animal(lam, z, detector, usage) - cpa

    lo, hi = gap(1e-5), gap(100.0)
    if np.isfinite(lo) and np.isfinite(hi) and np.sign(lo) != np.sign(hi):
        lambda0 = optimize.brentq(gap, 1e-5, 100.0, xtol=1e-6)
    else:
        lambda0 = -np.log(1 - 0.1)
    lambda0 = min(lambda0, 5.0)
    g0 = float(-np.expm1(-lambda0))
    h = -np.log1p(-g0 * z)
    pdot = -np.expm1(-(usage.T @ h).sum(axis=0))
    esa = mask.cell_area * pdot.sum()
    density = capthist.n / esa if esa > 0 else 1.0 / mask.area
    return {"D": float(density), "g0": min(g0, 0.95), "lambda0": float(lambda0), "sigma": float(sigma)}


# ---------------------------------------------------------------------------- design
@dataclass(frozen=True)
class _DensityDesign:
    formula: str
    names: list[str]
    spec: Any  # formulaic ModelSpec, None for ~1
    center: np.ndarray
    scale: np.ndarray

    def raw(self, covariates: pd.DataFrame) -> np.ndarray:
        if self.spec is None:
            return np.ones((len(covariates), 1))
        try:
            mm = self.spec.get_model_matrix(covariates, na_action="raise")
        except Exception as err:  # formulaic raises several types
            raise ValueError(f"cannot evaluate density formula {self.formula!r} on the points: {err}") from err
        return np.asarray(mm, dtype=float)

    def scaled(self, covariates: pd.DataFrame) -> np.ndarray:
        return (self.raw(covariates) - self.center) / self.scale


def _density_design(formula: str, mask: Mask) -> tuple[_DensityDesign, np.ndarray]:
    text = formula.strip()
    if text.replace(" ", "") in ("~1", "1", ""):
        d = _DensityDesign("~1", ["D"], None, np.zeros(1), np.ones(1))
        return d, np.ones((len(mask), 1))
    if not text.startswith("~"):
        text = "~ " + text
    try:
        mm = formulaic.model_matrix(text, mask.covariates, na_action="raise")
    except Exception as err:
        raise ValueError(
            f"cannot build density formula {text!r} from mask covariates {list(mask.covariates.columns)}: {err}"
        ) from err
    x = np.asarray(mm, dtype=float)
    cols = list(mm.columns)
    infinite = ~np.isfinite(x).all(axis=0)
    if infinite.any():  # formulaic's na_action catches NaN, not infinity
        c = cols[int(np.flatnonzero(infinite)[0])]
        count = int((~np.isfinite(x[:, infinite][:, 0])).sum())
        raise ValueError(f"density covariate {c!r} is infinite at {count} mask point(s); covariates must be finite")
    names = ["D" if c == "Intercept" else f"D.{c}" for c in cols]
    has_intercept = "Intercept" in cols
    if has_intercept and cols[0] != "Intercept":
        raise ValueError("the intercept must come first in the density formula")
    center = np.zeros(len(cols))
    scale = np.ones(len(cols))
    for j, c in enumerate(cols):
        if c == "Intercept":
            continue
        sd = x[:, j].std()
        if sd == 0:
            raise ValueError(f"density covariate {c!r} is constant over the mask; it cannot be estimated")
        scale[j] = sd
        if has_intercept:
            center[j] = x[:, j].mean()
    design = _DensityDesign(text, names, mm.model_spec, center, scale)
    return design, (x - center) / scale


def _transform_matrix(design: _DensityDesign, p_total: int) -> np.ndarray:
    p = len(design.names)
    t = np.eye(p_total)
    block = np.diag(1.0 / design.scale)
    if design.names[0] == "D" and p > 1:
        block[0, 1:] = -design.center[1:] / design.scale[1:]
    t[:p, :p] = block
    return t


# ---------------------------------------------------------------------------- result
def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


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


@dataclass(frozen=True, eq=False)
class SECRFit:
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

    # --------------------------------------------------------- fit statistics
    @property
    def aic(self) -> float:
        """Akaike's information criterion, -2 loglik + 2 K."""
        return -2 * self.loglik + 2 * self.n_params

    @property
    def aicc(self) -> float:
        """AIC with the small-sample correction, n = animals detected (as secr)."""
        k, n = self.n_params, self.n
        if n - k - 1 <= 0:
            return float("nan")
        return self.aic + 2 * k * (k + 1) / (n - k - 1)

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


# ---------------------------------------------------------------------------- fitting
def _classes(
    capthist: CaptureHistory, group: Any, mixture: Any
) -> tuple[int, np.ndarray, list[Any]]:
    if group is not None and mixture is not None:
        raise ValueError("use either group (known classes, e.g. sex) or mixture='h2', not both")
    n = capthist.n
    if mixture is not None:
        if mixture not in ("h2", 2):
            raise ValueError(f"mixture must be 'h2' (two latent classes), got {mixture!r}")
        return 2, np.full(n, -1), [1, 2]
    if group is None:
        return 1, np.full(n, -1), []
    if isinstance(group, str):
        if group not in capthist.covariates.columns:
            raise KeyError(f"no individual covariate {group!r}; covariates: {list(capthist.covariates.columns)}")
        labels = capthist.covariates[group]
    else:
        labels = pd.Series(list(group))
        if len(labels) != n:
            raise ValueError(f"group has {len(labels)} labels for {n} animals")
    labels = pd.Series(labels.to_numpy(), dtype=object)
    known = labels.notna()
    classes = sorted(pd.unique(labels[known]), key=str)
    if len(classes) < 2:
        raise ValueError(f"group needs at least two classes among the animals, found {classes}")
    index = np.full(n, -1)
    lookup = {c: j for j, c in enumerate(classes)}
    index[known.to_numpy()] = [lookup[v] for v in labels[known]]
    return len(classes), index, classes


def _class_params(detectfn: str, class_params: Sequence[str]) -> frozenset[str]:
    mag = DETECTION_FUNCTIONS[detectfn].magnitude
    out = set()
    for p in class_params:
        if p == "sigma":
            out.add("sigma")
        elif p in (mag, "magnitude"):
            out.add("mag")
        else:
            raise ValueError(f"class_params may hold 'sigma' and {mag!r}; got {p!r}")
    return frozenset(out)


def _initial_beta(
    lik: SECRLikelihood,
    x_scaled: np.ndarray,
    start: dict[str, Any],
    class_index: np.ndarray,
    capthist: CaptureHistory,
    mixture: bool,
) -> np.ndarray:
    beta = np.zeros(lik.n_params)
    log_d = np.full(x_scaled.shape[0], np.log(start["D"]))
    beta[lik.idx_density] = np.linalg.lstsq(x_scaled, log_d, rcond=None)[0]
    magname = lik.detectfn.magnitude
    mag = np.broadcast_to(np.asarray(start[magname], float), (lik.nclass,)).copy()
    sig = np.broadcast_to(np.asarray(start["sigma"], float), (lik.nclass,)).copy()
    if lik.nclass > 1 and np.ndim(start["sigma"]) == 0 and "sigma" in lik.class_params:
        if mixture:
            sig = start["sigma"] * np.array([0.8, 1.25])
        else:
            for c in range(lik.nclass):
                sub = capthist.counts[class_index == c]
                if len(sub) >= 2:
                    value = _rpsv_counts(sub.sum(axis=1), capthist.traps[["x", "y"]].to_numpy(float)) * 1.2
                    if np.isfinite(value) and value > 0:
                        sig[c] = value
    link = logit if magname == "g0" else np.log
    for c in range(lik.nclass):
        beta[lik.idx_mag[c]] = link(mag[c])
        beta[lik.idx_sigma[c]] = np.log(sig[c])
    if lik.nclass > 1:
        pmix = start.get("pmix")
        if pmix is None:
            counts = np.bincount(class_index[class_index >= 0], minlength=lik.nclass).astype(float)
            pmix = (counts + 1) / (counts + 1).sum() if counts.sum() > 0 else np.full(lik.nclass, 1 / lik.nclass)
        pmix = np.asarray(pmix, float)
        beta[lik.idx_pmix] = np.log(pmix[1:] / pmix[0])
    return beta


def _loglik_value(lik: SECRLikelihood, beta: np.ndarray) -> float:
    """Log-likelihood without gradient; -inf outside the parameter space."""
    try:
        with np.errstate(over="ignore", under="ignore"):
            return lik.evaluate(beta, gradient=False).loglik
    except FloatingPointError:
        return -np.inf


def _model_label(fit: SECRFit) -> str:
    """secr-style model description, e.g. ``D~1 lambda0~1 sigma~g``."""
    mag = DETECTION_FUNCTIONS[fit.detectfn].magnitude
    idx = fit.estimates.index
    parts = [f"D{fit.density_formula.replace(' ', '')}"]
    for name in (mag, "sigma"):
        parts.append(f"{name}~{'g' if any(i.startswith(name + '[') for i in idx) else '1'}")
    return " ".join(parts)


def aic_table(fits: Mapping[str, SECRFit] | Sequence[SECRFit], criterion: str = "AICc") -> pd.DataFrame:
    """Compare SECR models fitted to the same data by AIC or AICc (secr's ``AIC.secr``).

    Parameters
    ----------
    fits : mapping of name to SECRFit, or sequence of SECRFit
        The fits (names default to secr's model descriptions).
    criterion : {"AICc", "AIC"}, default "AICc"
        Criterion for the differences and weights (secr's default is AICc).

    Returns
    -------
    pandas.DataFrame
        One row per model, best first: ``model`` (secr-style description), ``detectfn``,
        ``npar``, ``logLik``, ``AIC``, ``AICc``, ``dAICc`` (or ``dAIC``) and ``AICcwt``
        (or ``AICwt``): Akaike weights exp(-d/2) / sum exp(-d/2).

    Raises
    ------
    ValueError
        When the fits are not to the same capture histories (n, detections and detector
        differ), or when some use known classes (``group``) and others do not: with known
        classes the likelihood includes the probabilities of the observed classes, so
        compare a sex-specific model with ``secr_fit(..., group="sex", class_params=())``
        (classes with common detection parameters), as secr users fit every model of a set
        with the same ``hcov``.
    """
    if criterion not in ("AICc", "AIC"):
        raise ValueError(f"criterion must be 'AICc' or 'AIC', got {criterion!r}")
    items = list(fits.items()) if isinstance(fits, Mapping) else [(None, f) for f in fits]
    if not items:
        raise ValueError("no fits to compare")
    data = {(f.n, f.detections, f.detector, f.capthist.noccasions) for _, f in items}
    if len(data) > 1:
        raise ValueError(f"the fits are to different data (n, detections, detector, occasions): {sorted(data)}")
    known = {tuple(f._lik.known_class.tolist()) if (f._lik.known_class >= 0).any() else None for _, f in items}
    if len(known) > 1:
        raise ValueError(
            "some fits use known classes (group=...) and others do not: the likelihood of a model with groups "
            "includes the probabilities of the observed classes, so AICs are not comparable. Fit the models "
            "without class-specific parameters with the same group and class_params=() (secr: the same hcov)"
        )
    rows = []
    for name, f in items:
        rows.append({
            "name": name if name is not None else _model_label(f),
            "model": _model_label(f),
            "detectfn": f.detectfn,
            "npar": f.n_params,
            "logLik": f.loglik,
            "AIC": f.aic,
            "AICc": f.aicc,
        })  # fmt: skip
    table = pd.DataFrame(rows).set_index("name")
    table.index.name = None
    delta = table[criterion] - table[criterion].min()
    weight = np.exp(-delta / 2)
    table[f"d{criterion}"] = delta
    table[f"{criterion}wt"] = weight / weight.sum()
    return table.sort_values(f"d{criterion}", kind="stable")


def secr_fit(
    capthist: CaptureHistory | np.ndarray,
    traps: pd.DataFrame | None = None,
    mask: Mask | None = None,
    *,
    detectfn: str = "HN",
    detector: str | None = None,
    usage: np.ndarray | None = None,
    buffer: float = 100.0,
    density: str = "~1",
    group: str | Sequence[Any] | None = None,
    mixture: str | None = None,
    class_params: Sequence[str] = ("sigma",),
    start: dict[str, Any] | None = None,
    alpha: float = 0.05,
    progress: bool = True,
    maxiter: int = 500,
) -> SECRFit:
    """Fit a spatially explicit capture-recapture model by maximum likelihood.

    The full likelihood of Borchers & Efford (2008) with a Poisson number of animals
    (secr's ``secr.fit(..., CL = FALSE)``), integrated over a habitat mask.

    Parameters
    ----------
    capthist : CaptureHistory or array (n, S, K)
        Detections of n animals on S occasions at K detectors (from
        :func:`read_capthist`, :func:`make_capthist`, or an array of counts).
    traps : pandas.DataFrame, optional
        Detector table with ``x``, ``y`` (m), needed when ``capthist`` is an array.
    mask : Mask, optional
        Habitat mask. Default: ``make_mask(traps, buffer)`` (secr's default for
        ``secr.fit(..., buffer = b)``: 64 cells across, points within ``buffer`` of a
        detector).
    detectfn : {"HN", "HHN", "EX", "HEX"}, default "HN"
        Detection function (secr's names): half-normal or exponential in the detection
        probability (``g0``, ``sigma``) or in the hazard (``lambda0``, ``sigma``).
    detector : {"count", "proximity", "multi", "single"}, optional
        Detector type; default that of the CaptureHistory, else ``"count"``.
        ``"single"`` (single-catch traps) is fitted with the multi-catch likelihood,
        as secr does, with a warning.
    usage : array (K, S), optional
        Detector usage (effort, 0 = not operating): multiplies the hazard of detector
        k on occasion s (secr's usage). Default that of the CaptureHistory, else 1.
    buffer : float, default 100
        Buffer (m) of the default mask.
    density : str, default "~1"
        Model of log density: ``"~1"`` (constant) or a formula in mask covariates,
        e.g. ``"~ forest_cover + prey_index"`` (log-linear, secr's ``D ~ ...``).
    group : str or sequence, optional
        Class of each animal (e.g. sex) as labels, or the name of an individual
        covariate of the CaptureHistory. The parameters in ``class_params`` then differ
        by class, with mixing proportions ``pmix`` estimated; animals whose label is
        missing are a mixture over the classes (secr's hybrid mixture, ``hcov``).
    mixture : {"h2"}, optional
        Two-class finite mixture on ``class_params`` with unknown class (secr's
        ``model = sigma ~ h2``).
    class_params : sequence of str, default ("sigma",)
        Detection parameters that differ between classes: ``"sigma"`` and/or ``"g0"``
        (``"lambda0"`` for HHN/HEX).
    start : dict, optional
        Starting values on the real scale: ``D``, ``g0``/``lambda0``, ``sigma``
        (scalars or one per class) and ``pmix``. Default :func:`autoini`.
    alpha : float, default 0.05
        1 - level of the intervals.
    progress : bool, default True
        Show a progress bar (tqdm) while fitting.
    maxiter : int, default 500
        Maximum iterations of the quasi-Newton optimiser.

    Returns
    -------
    SECRFit
        Estimates with SEs from the inverse Hessian, moved from the link scale as
        secr's ``se.untransform`` does (log link: ``exp(b) sqrt(exp(se^2) - 1)``;
        logit link: delta method), intervals (Wald on the link scale,
        back-transformed: log-normal for D), log-likelihood, AIC, AICc, esa
        (:meth:`SECRFit.derived`), realised N (:meth:`SECRFit.region_n`) and the
        density surface (:meth:`SECRFit.density_surface`).

    Notes
    -----
    Links: log for D, lambda0 and sigma; logit for g0 and pmix (multinomial logit for
    more than two classes). The likelihood is maximised with BFGS using its analytic
    gradient, then polished with Newton steps; the Hessian is the central difference
    of the analytic gradient. Log-likelihood constants are those of secr (Poisson term
    for n, multinomial coefficient, Poisson count probabilities), so log-likelihoods and
    AICs are comparable with secr's. With classes the model is two (or more)
    independent Poisson populations with densities ``D pmix_c``; ``D`` is the total.

    References
    ----------
    Borchers, D. L. and Efford, M. G. (2008) Spatially explicit maximum likelihood
    methods for capture-recapture studies. Biometrics 64, 377-385.
    https://doi.org/10.1111/j.1541-0420.2007.00927.x

    Efford, M. G. (2025) secr: Spatially explicit capture-recapture models. R package
    version 5.3.0, function ``secr.fit``. https://CRAN.R-project.org/package=secr

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from nbtools.secr import make_mask, sim_popn, sim_capthist, secr_fit
    >>> traps = pd.DataFrame({"x": np.tile(np.arange(6) * 20.0, 6), "y": np.repeat(np.arange(6) * 20.0, 6)})
    >>> mask = make_mask(traps, buffer=80)
    >>> popn = sim_popn(mask, density=20, seed=1)
    >>> ch = sim_capthist(traps, popn, detectfn="HHN", lambda0=0.3, sigma=15, noccasions=5, seed=2)
    >>> fit = secr_fit(ch, mask=mask, detectfn="HHN", progress=False)
    >>> 10 < fit.density < 40
    True
    """
    if detectfn not in DETECTION_FUNCTIONS:
        raise ValueError(f"detectfn must be one of {list(DETECTION_FUNCTIONS)}, got {detectfn!r}")
    ch = _as_capthist(capthist, traps, detector, usage)
    if ch.n == 0:
        raise ValueError("no animals detected: SECR needs at least one capture history")
    empty = ch.counts.sum(axis=(1, 2)) == 0
    if empty.any():
        raise ValueError(f"animals {list(ch.ids[empty][:5])} have no detections; drop all-zero capture histories")
    _check_traps(ch)
    det = ch.detector
    if det == "single":
        warnings.warn(
            "single-catch traps are fitted with the multi-catch likelihood (as secr does); "
            "estimates of detection are biased when traps saturate",
            stacklevel=2,
        )
        det = "multi"
    use = _usage(ch)
    if mask is None:
        mask = make_mask(ch.traps, buffer=buffer)
    n_classes, class_index, classes = _classes(ch, group, mixture)
    cparams = _class_params(detectfn, class_params) if n_classes > 1 else frozenset()
    design, x_scaled = _density_design(density, mask)
    lik = SECRLikelihood(
        ch.counts,
        use,
        det,
        detectfn,
        ch.traps[["x", "y"]].to_numpy(float),
        mask.xy,
        mask.cell_area,
        x_scaled,
        n_classes,
        class_index,
        cparams,
    )
    fn = DETECTION_FUNCTIONS[detectfn]
    if start is None:
        ini = autoini(ch if det == ch.detector else CaptureHistory(ch.counts, ch.traps, det, use), mask, detectfn, use)
    else:
        ini = dict(start)
        missing = {"D", fn.magnitude, "sigma"} - set(ini)
        if missing:
            raise ValueError(f"start needs {sorted(missing)} (real scale)")
        _check_start(ini)
    beta0 = _initial_beta(lik, x_scaled, ini, class_index, ch, mixture is not None)

    bar = tqdm(desc=f"secr_fit {detectfn} {det}", unit="it", disable=not progress, leave=False)
    last = {"loglik": float("nan")}

    def objective(b: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = lik.negloglik(b)
        last["loglik"] = -value
        return value, grad

    def callback(xk: np.ndarray) -> None:
        bar.update(1)
        bar.set_postfix(loglik=f"{last['loglik']:.4f}", refresh=False)

    messages: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = optimize.minimize(
            objective,
            beta0,
            jac=True,
            method="BFGS",
            callback=callback if progress else None,
            options={"gtol": 1e-5, "maxiter": maxiter},
        )
    beta = np.asarray(res.x, float)
    # Newton polishing with the Hessian (central differences of the analytic gradient);
    # the Hessian of the last step's starting point is kept when the step was tiny.
    bar.set_description(f"secr_fit {detectfn} {det}: Newton/Hessian")
    hess = lik.hessian(beta)
    for _ in range(8):
        ev = lik.evaluate(beta)
        bar.update(1)
        try:
            step = np.linalg.solve(-hess, ev.gradient)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or float(ev.gradient @ step) <= 0:
            break
        t = 1.0
        while t > 1e-4:
            cand = beta + t * step
            if _loglik_value(lik, cand) >= ev.loglik - 1e-10:
                break
            t /= 2
        else:
            break
        beta = cand
        if np.max(np.abs(t * step)) < 1e-6:
            break
        hess = lik.hessian(beta)
    bar.close()
    final = lik.evaluate(beta)
    loglik = final.loglik
    info = -hess
    try:
        vcov_s = np.linalg.inv(info)
        eig = np.linalg.eigvalsh(info)
        pd_ok = bool(np.all(eig > 0))
    except np.linalg.LinAlgError:
        vcov_s = np.full_like(info, np.nan)
        pd_ok = False
    if not pd_ok:
        messages.append("the Hessian is not negative definite: SEs are unreliable (boundary or unidentified)")
        vcov_s = np.where(np.isfinite(vcov_s), vcov_s, np.nan)
    grad_max = float(np.max(np.abs(final.gradient)))  # type: ignore[arg-type]
    converged = pd_ok and grad_max < 1e-2
    if grad_max >= 1e-2:
        messages.append(f"the optimiser stopped with gradient {grad_max:.3g} ({res.message})")

    # ----------------------------------------------------- back to reporting scales
    t_mat = _transform_matrix(design, lik.n_params)
    beta_o = t_mat @ beta
    vcov_o = t_mat @ vcov_s @ t_mat.T
    z = _z(alpha)
    mag_name = fn.magnitude
    label = (lambda c: classes[c]) if classes else (lambda c: None)

    def coef_name(internal: str) -> str:
        if internal.startswith("D"):
            return design.names[int(internal[1:])]
        base, _, rest = internal.partition("[")
        if not rest:
            return base
        return f"{base}.{classes[int(rest[:-1])]}"

    names = [coef_name(n) for n in lik.internal_names]
    se_b = np.sqrt(np.clip(np.diag(vcov_o), 0, None))
    se_b[np.diag(vcov_o) < 0] = np.nan
    coefficients = pd.DataFrame(
        {"beta": beta_o, "SE.beta": se_b, "lcl": beta_o - z * se_b, "ucl": beta_o + z * se_b}, index=names
    )
    vcov_df = pd.DataFrame(vcov_o, index=names, columns=names)

    rows: dict[str, dict[str, Any]] = {}
    # density: constant, or the mask mean for a density model
    idx_d = lik.idx_density
    if design.spec is None:
        b, s = beta_o[0], se_b[0]
        rows["D"] = {"link": "log", "estimate": np.exp(b), "SE": _se_untransform(b, s, "log"), "lcl": np.exp(b - z * s),
                     "ucl": np.exp(b + z * s)}  # fmt: skip
    else:
        dens = np.exp(x_scaled @ beta[idx_d])
        mean_d = float(dens.mean())
        g = (dens @ x_scaled) / len(dens)
        se = float(np.sqrt(g @ vcov_s[np.ix_(idx_d, idx_d)] @ g))
        lcl, ucl = _lognormal_ci(mean_d, se, alpha)
        rows["D"] = {"link": "log", "estimate": mean_d, "SE": se, "lcl": lcl, "ucl": ucl}
    inv_mag = expit if mag_name == "g0" else np.exp
    for pname, idx_arr, inv, linkname in (
        (mag_name, lik.idx_mag, inv_mag, fn.magnitude_link),
        ("sigma", lik.idx_sigma, np.exp, "log"),
    ):
        seen: set[int] = set()
        for c in range(lik.nclass):
            j = int(idx_arr[c])
            if j in seen:
                continue
            seen.add(j)
            key = pname if len(set(idx_arr.tolist())) == 1 else f"{pname}[{label(c)}]"
            b, s = beta_o[j], se_b[j]
            est = float(inv(b))
            se_real = _se_untransform(b, s, linkname)
            rows[key] = {"link": linkname, "estimate": est, "SE": se_real, "lcl": float(inv(b - z * s)),
                         "ucl": float(inv(b + z * s))}  # fmt: skip
    if lik.nclass > 1:
        eta = np.concatenate([[0.0], beta[lik.idx_pmix]])
        pmix = np.exp(eta - np.logaddexp.reduce(eta))
        jac = np.diag(pmix) - np.outer(pmix, pmix)  # d pmix / d eta (G x G)
        jac = jac[:, 1:]
        vp = vcov_s[np.ix_(lik.idx_pmix, lik.idx_pmix)]
        cov_pm = jac @ vp @ jac.T
        for c in range(lik.nclass):
            p, se = float(pmix[c]), float(np.sqrt(max(cov_pm[c, c], 0.0)))
            se_logit = se / (p * (1 - p))
            rows[f"pmix[{classes[c]}]"] = {"link": "logit", "estimate": p, "SE": se,
                                            "lcl": float(expit(logit(p) - z * se_logit)),
                                            "ucl": float(expit(logit(p) + z * se_logit))}  # fmt: skip
    estimates = pd.DataFrame(rows).T
    for col in ("estimate", "SE", "lcl", "ucl"):
        estimates[col] = estimates[col].astype(float)

    # boundary flags
    for name, row in estimates.iterrows():
        if row["link"] == "logit" and (row["estimate"] > 1 - 1e-4 or row["estimate"] < 1e-4):
            messages.append(f"{name} is at a boundary ({row['estimate']:.3g})")
    sigmas = estimates.loc[[i for i in estimates.index if i == "sigma" or i.startswith("sigma[")], "estimate"]
    if (sigmas > 0.5 * np.ptp(mask.x)).any():
        # Beyond half the mask's width every mask point is about equally far from every detector: the
        # likelihood is flat in sigma, so a zero gradient there proves nothing (a fit started at sigma = 1e5
        # stops on that plateau far below the maximum). Not converged, never a silently wrong number.
        converged = False
        messages.append("sigma is large relative to the mask (over half its width): the likelihood is flat there, "
                        "so the optimiser may have stopped on a plateau; check the buffer and refit from other start values")
    for msg in messages:
        warnings.warn(msg, stacklevel=2)

    return SECRFit(
        estimates=estimates,
        coefficients=coefficients,
        vcov=vcov_df,
        loglik=loglik,
        n_params=lik.n_params,
        n=ch.n,
        r=ch.recaptures,
        detections=ch.detections,
        detectfn=detectfn,
        detector=det,
        density_formula=design.formula,
        classes=list(classes),
        converged=converged,
        messages=messages,
        n_evaluations=lik.n_evaluations,
        alpha=alpha,
        mask=mask,
        capthist=ch,
        _lik=lik,
        _beta=beta,
        _vcov=vcov_s,
        _design=design,
    )
