"""Rate of population change: Pradel-Link-Barker models (openCR's ``type = "PLBl"`` and ``"PLBf"``).

The Jolly-Seber-Schwarz-Arnason model conditional on the number of animals detected
(openCR's ``JSSAlCL``/``PLBl`` and ``JSSAfCL``/``PLBf``; Pradel 1996, Link & Barker 2005,
Schwarz & Arnason 1996) describes every animal's whole history, including its entry into the
population, through survival phi_j, detection p and a recruitment parameter:

* ``PLBl``: lambda_j, the rate of population change from session j to j + 1
  (N_{j+1} = lambda_j N_j); the per-capita recruitment is f_j = max(lambda_j - phi_j, 0);
* ``PLBf``: f_j, the per-capita recruitment itself (lambda_j = phi_j + f_j).

Entry probabilities follow (openCR's ``getbetal``/``getbetaf``): beta_1 proportional to 1,
beta_{j+1} proportional to f_j prod_{k < j} (phi_k + f_k), normalised to sum to 1. Animal i
with first and last detections in sessions f_i and l_i contributes

    L_i = sum_{b <= f_i} sum_{d >= l_i} beta_b prod_{j=b}^{d-1} phi_j (1 - phi_d)^[d < J] prod_{j=b}^{d} P_ij

(P_ij the probability of its secondary-occasion history in session j given alive, as in
:mod:`nbtools.secr.open_cjs`), divided by its probability of being detected at all,

    pdot_i = sum_{b <= d} beta_b prod_{j=b}^{d-1} phi_j (1 - phi_d)^[d < J] (1 - prod_{j=b}^{d} Q_ij),

Q_ij = prod_s (1 - p_is). The log-likelihood sum_i log(L_i / pdot_i) is openCR's (no
multinomial constant: ``details$multinom = FALSE``), so the numbers equal openCR 2.2.7's
``openCR.fit(ch, type = "PLBl")``. Survival, lambda and f are per unit of the primary
intervals (raised to the power of each interval).

References
----------
Pradel, R. (1996) Utilization of capture-mark-recapture for the study of recruitment and
population growth rate. Biometrics 52, 703-709.

Link, W. A. and Barker, R. J. (2005) Modeling association among demographic parameters in
analysis of open population capture-recapture data. Biometrics 61, 46-54.

Schwarz, C. J. and Arnason, A. N. (1996) A general methodology for the analysis of
capture-recapture experiments in open populations. Biometrics 52, 860-873.

Efford, M. G. (2025) openCR 2.2.7 (``prwi``, ``PCH1``, ``getbetal``, ``getbetaf``).
https://CRAN.R-project.org/package=openCR
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._deprecate import one_minus, renamed_parameters
from .open_cjs import logsumexp, session_log_detection, survival_terms
from .open_design import parameter_design
from .open_histories import OpenCaptureHistory
from .open_result import OpenCRFit, check_formulas, fit_open_model

__all__ = ["entry_probabilities", "pradel_fit", "pradel_loglik"]

#: openCR's starting values on the real scale.
START = {"p": 0.6, "phi": 0.7, "lambda": 1.0, "f": 0.3}

#: Recruitment parameter of each model type.
TYPES = {"PLBl": "lambda", "JSSAlCL": "lambda", "PLBf": "f", "JSSAfCL": "f"}


def entry_probabilities(phi: np.ndarray, recruitment: np.ndarray, intervals: np.ndarray, kind: str) -> np.ndarray:
    """Entry probabilities beta_ij of the superpopulation, shape (n, J), rows summing to 1.

    Parameters
    ----------
    phi, recruitment : numpy.ndarray, shape (n, J)
        Survival and lambda (``kind = "lambda"``) or f (``kind = "f"``) per unit time from
        each session to the next (last column unused).
    intervals : numpy.ndarray, shape (J - 1,)
    kind : {"lambda", "f"}
    """
    J = phi.shape[1]
    phij = phi[:, : J - 1] ** intervals
    if kind == "lambda":
        f = np.maximum(recruitment[:, : J - 1] ** intervals - phij, 0.0)
    else:
        f = recruitment[:, : J - 1]
    growth = np.concatenate([np.ones((phi.shape[0], 1)), np.cumprod(phij + f, axis=1)[:, :-1]], axis=1)
    weights = np.concatenate([np.ones((phi.shape[0], 1)), f * growth], axis=1)
    return weights / weights.sum(axis=1, keepdims=True)


def pradel_loglik(
    history: OpenCaptureHistory, p: np.ndarray, phi: np.ndarray, recruitment: np.ndarray, kind: str = "lambda"
) -> float:
    """Conditional JSSA log-likelihood (openCR's PLBl/PLBf) of real-parameter arrays.

    Parameters
    ----------
    history : OpenCaptureHistory
    p : numpy.ndarray, shape (n, S)
        Detection probability per animal and secondary occasion.
    phi, recruitment : numpy.ndarray, shape (n, J)
        Survival and lambda or f per unit time (last column unused).
    kind : {"lambda", "f"}

    Returns
    -------
    float
    """
    J = history.nsessions
    first, last, censored = history.first, history.last, history.censored
    zeros = np.zeros((history.n, 1))
    log_obs = session_log_detection(history.secondary, p, history.session_indicator)
    cum_obs = np.concatenate([zeros, np.cumsum(log_obs, axis=1)], axis=1)
    log_missed = np.log1p(-p) @ history.session_indicator
    cum_missed = np.concatenate([zeros, np.cumsum(log_missed, axis=1)], axis=1)
    cum_log_phi, log_death = survival_terms(phi, history.intervals)
    with np.errstate(divide="ignore"):
        log_beta = np.log(entry_probabilities(phi, recruitment, history.intervals, kind))
    b = np.arange(J)[None, :, None]
    d = np.arange(J)[None, None, :]
    # alive from b to d: entry, survival, death (axes: animal, b, d)
    alive = log_beta[:, :, None] + cum_log_phi[:, None, :] - cum_log_phi[:, :, None]
    observed = cum_obs[:, None, 1:] - cum_obs[:, :-1, None]
    death = np.where(censored[:, None, None], 0.0, log_death[:, None, :])
    possible = (
        (b <= first[:, None, None])
        & (d >= last[:, None, None])
        & (~censored[:, None, None] | (d == last[:, None, None]))
    )
    log_l = logsumexp(np.where(possible, alive + observed + death, -np.inf), axis=(1, 2))
    # probability of being detected at all
    missed_all = cum_missed[:, None, 1:] - cum_missed[:, :-1, None]
    ordered = b <= d
    log_detected = np.log(-np.expm1(np.where(ordered, missed_all, -1.0)))
    log_pdot = logsumexp(np.where(ordered, alive + log_death[:, None, :] + log_detected, -np.inf), axis=(1, 2))
    return float((log_l - log_pdot).sum())


@renamed_parameters(alpha=("level", one_minus))
def pradel_fit(
    history: OpenCaptureHistory,
    model: Mapping[str, str] | None = None,
    type: str = "PLBl",  # noqa: A002 - openCR's argument name
    level: float = 0.95,
) -> OpenCRFit:
    """Fit a Pradel-Link-Barker (conditional JSSA) model by maximum likelihood (openCR's PLBl, PLBf).

    Parameters
    ----------
    history : OpenCaptureHistory
        Sessions joined by :func:`nbtools.secr.join_sessions`.
    model : mapping, optional
        Formulas of ``p``, ``phi`` and ``lambda`` (``PLBl``) or ``f`` (``PLBf``), e.g.
        ``{"phi": "~ sex", "lambda": "~ session"}``; ``~1`` where not given.
    type : {"PLBl", "PLBf"}, default "PLBl"
        openCR's type (aliases ``JSSAlCL``, ``JSSAfCL``). ``PLBf`` requires unit intervals,
        as the per-capita recruitment of openCR is defined per interval.
    level : float, default 0.95
        Confidence level of the intervals (openCR's ``alpha`` is ``1 - level``; the old parameter
        ``alpha`` still works, deprecated).

    Returns
    -------
    OpenCRFit
        ``phi`` and ``lambda``/``f`` are reported for sessions 1..J-1.
    """
    if type not in TYPES:
        raise ValueError(f"type must be one of {sorted(TYPES)}, got {type!r}")
    kind = TYPES[type]
    if kind == "f" and not np.allclose(history.intervals, 1.0):
        raise ValueError(f"type {type!r} needs unit intervals between sessions, got {history.intervals.tolist()}")
    formulas = check_formulas(dict(model or {}), ("p", "phi", kind))
    J = history.nsessions
    designs = [
        parameter_design(history, "p", formulas["p"], invalid_sessions=[]),
        parameter_design(history, "phi", formulas["phi"], invalid_sessions=[J - 1]),
        parameter_design(history, kind, formulas[kind], invalid_sessions=[J - 1]),
    ]
    p_valid = np.ones((history.n, history.noccasions), dtype=bool)
    session_valid = np.broadcast_to(np.arange(J) < J - 1, (history.n, J))

    def loglik(reals: list[np.ndarray]) -> float:
        return pradel_loglik(history, reals[0], reals[1], reals[2], kind)

    return fit_open_model(
        "PLBl" if kind == "lambda" else "PLBf",
        history,
        designs,
        [p_valid, session_valid, session_valid],
        loglik,
        START,
        level,
    )
