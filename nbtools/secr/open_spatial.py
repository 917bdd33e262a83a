"""Spatial Cormack-Jolly-Seber survival (openCR's ``type = "CJSsecr"``, static activity centres).

The spatial CJS model of Efford & Schofield (2020) replaces the detection probability of the
non-spatial model by the detection of an animal at a fixed activity centre x (static movement
model), integrated over a habitat mask with uniform weight. With ``multi`` detectors (mist
nets, multi-catch traps) and the hazard half-normal detection function (openCR's detectfn 14,
``HHN``), detector k has hazard h_k(x) = lambda0 exp(-d_k(x)^2 / (2 sigma^2)) (``HHE``:
lambda0 exp(-d_k(x) / sigma)), an animal escapes all detectors on an occasion with
probability exp(-H(x)), H = sum_k h_k, and is caught in detector k with probability
(1 - exp(-H(x))) h_k(x) / H(x) (competing hazards). With detector usage T_ks (openCR's ``Tsk``;
e.g. 0 where a station did not stand in a session, :func:`nbtools.secr.join_changing_sessions`)
detector k's hazard on occasion s is T_ks h_k(x), so H becomes H_s(x) = sum_k T_ks h_k(x), as in
openCR's ``gethcpp`` and ``prw``; a usage of ones gives the same numbers as no usage, bit for bit.

Animal i, first and last detected in primary sessions f_i and l_i, contributes

    L_i = sum_{d = l_i}^{J} [prod_{j = f_i}^{d - 1} phi_ij] (1 - phi_id)^[d < J]
          (1 / M) sum_x prod_{j = f_i + 1}^{d} prod_{s in j} Pr(w_is | x),

conditional on its first capture (the first session's detections are not modelled: openCR's
``CJSp1 = FALSE``, so its location there does not inform x either). The occasions after an
animal's removal at capture are not modelled. The log-likelihood is openCR's, so the numbers
equal openCR 2.2.7's ``openCR.fit(ch, type = "CJSsecr", mask = mask)``.

References
----------
Efford, M. G. and Schofield, M. R. (2020) A spatial open-population capture-recapture
model. Biometrics 76, 392-402. https://doi.org/10.1111/biom.13150

Efford, M. G. (2025) openCR 2.2.7 (``prwisecr``, ``prw``, ``makegkcpp``).
https://CRAN.R-project.org/package=openCR
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import sparse

from .._deprecate import one_minus, renamed_parameters
from .mask import Mask
from .open_cjs import logsumexp, survival_terms
from .open_design import AUTOMATIC_VARIABLES, OpenDesign, parameter_design
from .open_histories import OpenCaptureHistory
from .open_result import OpenCRFit, check_formulas, fit_open_model

__all__ = [
    "SpatialCJSData",
    "cjs_secr_fit",
    "cjs_secr_loglik",
    "detection_design",
    "running_log_means",
    "session_probabilities",
]

#: Hazard detection functions (openCR's names).
DETECTFNS = ("HHN", "HEX")


class SpatialCJSData:
    """The parts of a multi-catch history that the spatial CJS likelihood needs, computed once.

    Detector usage (``history.usage``, openCR's ``Tsk``) scales each detector's hazard on each
    occasion: the total hazard on occasion s is H_s(x) = sum_k T_ks h_k(x), an animal escapes all
    detectors with probability exp(-H_s(x)) and is caught in detector k with probability
    (1 - exp(-H_s(x))) T_ks h_k(x) / H_s(x) (openCR's ``prw`` and ``gethcpp``). The occasions are
    grouped by their column of usage (one group when there is no usage), so that H is computed
    once per distinct column.

    Attributes
    ----------
    d2 : numpy.ndarray, shape (M, K)
        Squared distance (m^2) from mask point to detector.
    usage_columns : numpy.ndarray, shape (U, K) or None
        The distinct columns of usage (None: no usage, one column of ones).
    missed_by_column : numpy.ndarray, shape (U, n, J)
        Occasions of session j with usage column u on which animal i was not caught (up to its
        removal).
    missed : numpy.ndarray, shape (n, J)
        Occasions of session j on which animal i was not caught (the sum over u).
    session_columns : numpy.ndarray, shape (J, U)
        Occasions of session j with usage column u.
    session_captures : list of scipy.sparse.csr_matrix, shape (n, D) each
        Per session j, 1 where detection D belongs to animal i in session j.
    capture_trap : numpy.ndarray of int, shape (D,)
        Detector of each detection.
    capture_column : numpy.ndarray of int, shape (D,)
        Usage column of the occasion of each detection.
    capture_log_usage : numpy.ndarray, shape (D,) or None
        log T_ks of each detection (None without usage).
    """

    def __init__(self, history: OpenCaptureHistory, mask: Mask) -> None:
        if history.detector not in ("multi", "single"):
            raise ValueError(f"the spatial CJS model supports multi-catch detectors, not {history.detector!r}")
        if (history.counts > 1).any() or (history.counts.sum(axis=2) > 1).any():
            raise ValueError("a multi-catch history has at most one detection per animal and occasion")
        traps = history.traps[["x", "y"]].to_numpy(float)
        points = mask.points[["x", "y"]].to_numpy(float)
        self.d2 = ((points[:, None, :] - traps[None, :, :]) ** 2).sum(axis=2)
        n, S, _ = history.counts.shape
        J = history.nsessions
        if history.usage is None:
            self.usage_columns = None
            column = np.zeros(S, dtype=np.int64)
        else:
            self.usage_columns, column = np.unique(history.usage.T, axis=0, return_inverse=True)
            column = column.ravel()
        U = 1 if self.usage_columns is None else len(self.usage_columns)
        occasion = np.arange(1, S + 1)
        in_play = (history.removed[:, None] == 0) | (occasion[None, :] <= history.removed[:, None])
        caught = history.counts.sum(axis=2) > 0
        missed = in_play & ~caught
        self.missed_by_column = np.stack(
            [(missed & (column == u)[None, :]).astype(float) @ history.session_indicator for u in range(U)]
        )
        self.missed = (missed.astype(float)) @ history.session_indicator
        self.session_columns = history.session_indicator.T @ (column[:, None] == np.arange(U)[None, :]).astype(float)
        animal, occ, trap = np.nonzero(history.counts)
        session = history.primary[occ]
        self.capture_trap = trap
        self.capture_column = column[occ]
        self.capture_log_usage = None if history.usage is None else np.log(history.usage[trap, occ])
        self.session_captures = [
            sparse.csr_matrix(((session == j).astype(float), (animal, np.arange(len(animal)))), shape=(n, len(animal)))
            for j in range(J)
        ]


def _log_hazards(data: SpatialCJSData, lambda0: float, sigma: float, detectfn: str) -> tuple[np.ndarray, np.ndarray]:
    """Total hazard H_u(x) per usage column, shape (U, M), and log Pr(caught | centre x) per detection, (D, M)."""
    if detectfn == "HHN":
        log_h = np.log(lambda0) - data.d2 / (2 * sigma**2)
    else:
        log_h = np.log(lambda0) - np.sqrt(data.d2) / sigma
    hazard = np.exp(log_h)
    if data.usage_columns is None:
        totals = hazard.sum(axis=1)[None, :]
    else:
        totals = np.stack([(hazard * column[None, :]).sum(axis=1) for column in data.usage_columns])
    with np.errstate(divide="ignore", invalid="ignore"):  # H = 0 on occasions without any detector in use
        log_escape = np.log(-np.expm1(-totals)) - np.log(totals)
    log_caught = log_escape[data.capture_column] + log_h[:, data.capture_trap].T
    if data.capture_log_usage is not None:
        log_caught += data.capture_log_usage[:, None]
    return totals, log_caught


def session_probabilities(
    data: SpatialCJSData, lambda0: float | np.ndarray, sigma: float | np.ndarray, detectfn: str = "HHN"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pr(history of animal i in session j | centre at mask point x), scaled per (j, i).

    Parameters
    ----------
    data : SpatialCJSData
    lambda0, sigma : float or numpy.ndarray of shape (n,)
        Detection parameters, shared or per animal (e.g. by sex); animals with the same pair
        share one computation of the hazards.
    detectfn : {"HHN", "HEX"}

    Returns
    -------
    scaled : numpy.ndarray, shape (J, n, M)
        The probabilities divided by their maximum over the mask (so each row peaks at 1).
    log_top : numpy.ndarray, shape (J, n)
        log of those maxima.
    session_totals : numpy.ndarray, shape (G, J, M)
        Total hazard of all detectors summed over the occasions of session j (the log of the
        probability of not being detected in session j, negated), for each distinct
        (lambda0, sigma).
    group : numpy.ndarray of int, shape (n,)
        The row of ``session_totals`` of each animal.
    """
    J = len(data.session_captures)
    n = data.missed.shape[0]
    pairs = np.column_stack([np.broadcast_to(lambda0, (n,)), np.broadcast_to(sigma, (n,))])
    unique, group = np.unique(pairs, axis=0, return_inverse=True)
    group = group.ravel()
    M = data.d2.shape[0]
    scaled = np.empty((J, n, M))
    log_top = np.empty((J, n))
    session_totals = np.empty((len(unique), J, M))
    for g, (lam0, sig) in enumerate(unique):
        rows = np.flatnonzero(group == g)
        totals, log_caught = _log_hazards(data, lam0, sig, detectfn)
        for j in range(J):
            session_totals[g, j] = _weighted_sum(data.session_columns[j], totals)
            captures = data.session_captures[j][rows]
            missed = _weighted_sum([data.missed_by_column[u][rows, j][:, None] for u in range(len(totals))], totals)
            log_p = np.asarray(captures @ log_caught) - missed
            log_top[j, rows] = log_p.max(axis=1)
            scaled[j, rows] = np.exp(log_p - log_top[j, rows][:, None])
    return scaled, log_top, session_totals, group


def _weighted_sum(weights: np.ndarray | list[np.ndarray], totals: np.ndarray) -> np.ndarray:
    """sum_u weights[u] * totals[u], skipping zero weights (one product, exactly, with one column)."""
    out = weights[0] * totals[0]
    for u in range(1, len(totals)):
        if np.any(weights[u]):
            out = out + weights[u] * totals[u]
    return out


def running_log_means(scaled: np.ndarray, log_top: np.ndarray, start: np.ndarray) -> np.ndarray:
    """log (1 / M) sum_x prod_{j = start_i}^{d} Pr(history in session j | x) for every d, shape (n, J).

    0 (log 1) where d < start_i. The running product is rescaled by its maximum over the mask
    after each session, so that it does not underflow.
    """
    J, n, M = scaled.shape
    out = np.zeros((n, J))
    running = np.ones((n, M))
    log_scale = np.zeros(n)
    for j in range(J):
        rows = np.flatnonzero(start <= j)
        if len(rows) == 0:
            continue
        product = running[rows] * scaled[j, rows]
        peak = product.max(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            running[rows] = product / peak[:, None]
            log_scale[rows] += log_top[j, rows] + np.log(peak)
            out[rows, j] = np.log(running[rows].mean(axis=1)) + log_scale[rows]
    return out


def cjs_secr_loglik(
    history: OpenCaptureHistory,
    data: SpatialCJSData,
    phi: np.ndarray,
    lambda0: float | np.ndarray,
    sigma: float | np.ndarray,
    detectfn: str = "HHN",
) -> float:
    """Spatial CJS log-likelihood (openCR's CJSsecr, static centres, multi-catch detectors).

    Parameters
    ----------
    history : OpenCaptureHistory
    data : SpatialCJSData
        Built from ``history`` and the mask.
    phi : numpy.ndarray, shape (n, J)
        Survival per unit time (last column unused).
    lambda0 : float or numpy.ndarray, shape (n,)
        Hazard of detection at distance 0 per occasion (shared or per animal).
    sigma : float or numpy.ndarray, shape (n,)
        Spatial scale of detection (m).
    detectfn : {"HHN", "HEX"}

    Returns
    -------
    float
    """
    n, J = history.n, history.nsessions
    first, last, censored = history.first, history.last, history.censored
    scaled, log_top, _, _ = session_probabilities(data, lambda0, sigma, detectfn)
    log_pr_w = running_log_means(scaled, log_top, first + 1)  # CJSp1 = FALSE: sessions after the first capture
    cum_log_phi, log_death = survival_terms(phi, history.intervals)
    rows = np.arange(n)
    d = np.arange(J)[None, :]
    term = cum_log_phi - cum_log_phi[rows, first][:, None] + log_pr_w + np.where(censored[:, None], 0.0, log_death)
    possible = (d >= last[:, None]) & (~censored[:, None] | (d == last[:, None]))
    return float(logsumexp(np.where(possible, term, -np.inf), axis=1).sum())


def _rpsv(history: OpenCaptureHistory) -> float:
    """Root pooled spatial variance of each animal's detection locations (m), secr's ``RPSV(CC = TRUE)``."""
    xy = history.traps[["x", "y"]].to_numpy(float)
    ss, df = 0.0, 0
    for counts in history.counts:
        _, trap = np.nonzero(counts)
        if len(trap) > 1:
            loc = xy[trap]
            ss += float(((loc - loc.mean(axis=0)) ** 2).sum())
            df += len(trap) - 1
    return float(np.sqrt(ss / (2 * df))) if df > 0 else float(np.ptp(xy[:, 0]) / 4 or 1.0)


def detection_design(history: OpenCaptureHistory, parameter: str, formula: str) -> OpenDesign:
    """Design of ``lambda0`` or ``sigma``: constant or in individual covariates only (per animal)."""
    design = parameter_design(history, parameter, formula, invalid_sessions=[])
    timed = set(design.frame.columns) & set(AUTOMATIC_VARIABLES)
    if timed:
        raise ValueError(
            f"{parameter} may depend on individual covariates only in the spatial open models, "
            f"not on {sorted(timed)} (formula {formula!r})"
        )
    return design


@renamed_parameters(alpha=("level", one_minus))
def cjs_secr_fit(
    history: OpenCaptureHistory,
    mask: Mask,
    model: Mapping[str, str] | None = None,
    detectfn: str = "HHN",
    level: float = 0.95,
) -> OpenCRFit:
    """Fit the spatial CJS model by maximum likelihood (openCR's ``openCR.fit(type = "CJSsecr")``).

    Parameters
    ----------
    history : OpenCaptureHistory
        Sessions joined by :func:`nbtools.secr.join_sessions`, or by
        :func:`nbtools.secr.join_changing_sessions` when the detectors change between
        sessions (usage 0 where a detector did not stand); multi-catch detectors.
    mask : Mask
        Habitat mask (activity centres are uniform over its points; static between sessions).
    model : mapping, optional
        Formulas of ``phi`` (as for :func:`nbtools.secr.cjs_fit`), ``lambda0`` and
        ``sigma``; the detection parameters may depend on individual covariates only (e.g.
        ``{"sigma": "~ sex"}``), not on session or occasion.
    detectfn : {"HHN", "HEX"}, default "HHN"
        Hazard half-normal (openCR's default, detectfn 14) or hazard exponential.
    level : float, default 0.95
        Confidence level of the intervals (openCR's ``alpha`` is ``1 - level``; the old parameter
        ``alpha`` still works, deprecated).

    Returns
    -------
    OpenCRFit
        ``type = "CJSsecr"`` with ``lambda0`` (hazard per occasion, per unit of usage when the
        history has usage), ``phi`` and ``sigma`` (m).
    """
    if detectfn not in DETECTFNS:
        raise ValueError(f"detectfn must be one of {DETECTFNS}, got {detectfn!r}")
    formulas = check_formulas(dict(model or {}), ("lambda0", "phi", "sigma"))
    data = SpatialCJSData(history, mask)
    J = history.nsessions
    designs = [
        detection_design(history, "lambda0", formulas["lambda0"]),
        parameter_design(history, "phi", formulas["phi"], invalid_sessions=[J - 1]),
        detection_design(history, "sigma", formulas["sigma"]),
    ]
    valid = [
        np.ones((history.n, history.noccasions), dtype=bool),
        np.broadcast_to(np.arange(J) < J - 1, (history.n, J)),
        np.ones((history.n, history.noccasions), dtype=bool),
    ]

    def loglik(reals: list[np.ndarray]) -> float:
        return cjs_secr_loglik(history, data, reals[1], reals[0][:, 0], reals[2][:, 0], detectfn)

    start = {"lambda0": 0.1, "phi": 0.7, "sigma": _rpsv(history)}
    return fit_open_model("CJSsecr", history, designs, valid, loglik, start, level)
