"""Starting values of SECR fits: secr's ``RPSV`` and ``autoini``, and the checks of user-given starts."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import logit

from .capthist import CaptureHistory
from .likelihood import SECRLikelihood, squared_distances
from .mask import Mask

__all__ = ["autoini", "rpsv"]


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
