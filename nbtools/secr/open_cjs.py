"""Cormack-Jolly-Seber survival and detection of identified animals (openCR's ``type = "CJS"``).

The CJS model conditions on each animal's first capture: animal i, first detected in
primary session f_i and last in l_i, contributes

    L_i = sum_{d = l_i}^{J} [prod_{j = f_i}^{d - 1} phi_ij] (1 - phi_id)^[d < J] prod_{j = f_i + 1}^{d} P_ij

over its possible last session alive d, where phi_ij is survival from session j to j + 1
(per unit time, raised to the power of the interval between the sessions) and P_ij the
probability of its secondary-occasion history in session j given alive:
prod_s p_is^y_is (1 - p_is)^(1 - y_is) (detection per secondary occasion, robust design).
The history in the first session is not modelled (openCR's default ``CJSp1 = FALSE``), so
detection in the first primary session is not estimable. An animal removed at capture is
censored: d = l_i and no death term. As in openCR's non-spatial likelihood, the occasions of
the last session after the removal count as occasions on which the animal was not detected.

The log-likelihood is openCR's (no multinomial constant), so the numbers equal openCR 2.2.7's
``openCR.fit(ch, type = "CJS")``.

References
----------
Cormack, R. M. (1964) Estimates of survival from the sighting of marked animals.
Biometrika 51, 429-438. Jolly, G. M. (1965) Biometrika 52, 225-247. Seber, G. A. F. (1965)
Biometrika 52, 249-259.

Efford, M. G. (2025) openCR: Open population capture-recapture. R package version 2.2.7
(``prwi``, ``open.loglikfn``). https://CRAN.R-project.org/package=openCR
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._deprecate import one_minus, renamed_parameters
from .open_design import parameter_design
from .open_histories import OpenCaptureHistory
from .open_result import OpenCRFit, check_formulas, fit_open_model

__all__ = ["cjs_fit", "cjs_loglik", "logsumexp", "session_log_detection"]

#: openCR's starting values on the real scale.
START = {"p": 0.6, "phi": 0.7}


def logsumexp(values: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """log sum exp over ``axis`` (-inf where every value is -inf)."""
    top = np.max(values, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(values - top), axis=axis)) + np.squeeze(top, axis=axis)


def session_log_detection(y: np.ndarray, p: np.ndarray, indicator: np.ndarray) -> np.ndarray:
    """log Pr(secondary history of animal i in session j | alive), shape (n, J).

    Parameters
    ----------
    y : numpy.ndarray, shape (n, S)
        0/1 detections per secondary occasion.
    p : numpy.ndarray, shape (n, S)
        Detection probability per animal and secondary occasion.
    indicator : numpy.ndarray, shape (S, J)
        1 where occasion s belongs to primary session j (``history.session_indicator``).
    """
    return np.where(y > 0, np.log(p), np.log1p(-p)) @ indicator


def survival_terms(phi: np.ndarray, intervals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative log survival and log death probability per primary session.

    Returns
    -------
    cum_log_phi : numpy.ndarray, shape (n, J)
        sum_{k < j} log phi_ik^interval_k (0 in the first session).
    log_death : numpy.ndarray, shape (n, J)
        log(1 - phi_ij^interval_j) for j < J, 0 in the last session (no death after the study).
    """
    n, J = phi.shape
    log_phij = np.log(phi[:, : J - 1]) * intervals[None, :]
    cum_log_phi = np.concatenate([np.zeros((n, 1)), np.cumsum(log_phij, axis=1)], axis=1)
    log_death = np.concatenate([np.log(-np.expm1(log_phij)), np.zeros((n, 1))], axis=1)
    return cum_log_phi, log_death


def cjs_loglik(history: OpenCaptureHistory, p: np.ndarray, phi: np.ndarray) -> float:
    """CJS log-likelihood (openCR's, conditional on first capture) of real-parameter arrays.

    Parameters
    ----------
    history : OpenCaptureHistory
    p : numpy.ndarray, shape (n, S)
        Detection probability per animal and secondary occasion.
    phi : numpy.ndarray, shape (n, J)
        Survival per unit time from each primary session to the next (the last column is
        not used).

    Returns
    -------
    float
    """
    J = history.nsessions
    first, last, censored = history.first, history.last, history.censored
    log_obs = session_log_detection(history.secondary, p, history.session_indicator)
    cum_obs = np.concatenate([np.zeros((history.n, 1)), np.cumsum(log_obs, axis=1)], axis=1)
    cum_log_phi, log_death = survival_terms(phi, history.intervals)
    rows = np.arange(history.n)
    d = np.arange(J)[None, :]
    term = (
        cum_log_phi
        - cum_log_phi[rows, first][:, None]
        + cum_obs[:, 1:]
        - cum_obs[rows, first + 1][:, None]
        + np.where(censored[:, None], 0.0, log_death)
    )
    possible = (d >= last[:, None]) & (~censored[:, None] | (d == last[:, None]))
    return float(logsumexp(np.where(possible, term, -np.inf), axis=1).sum())


@renamed_parameters(alpha=("level", one_minus))
def cjs_fit(
    history: OpenCaptureHistory,
    model: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> OpenCRFit:
    """Fit a Cormack-Jolly-Seber model by maximum likelihood (openCR's ``openCR.fit(type = "CJS")``).

    Parameters
    ----------
    history : OpenCaptureHistory
        Sessions joined by :func:`nbtools.secr.join_sessions`.
    model : mapping, optional
        Formulas of ``p`` (detection per secondary occasion) and ``phi`` (survival per unit
        of the primary intervals), e.g. ``{"phi": "~ sex", "p": "~ session"}``; ``~1`` where
        not given. Variables: individual covariates, ``session``/``t``, ``Session``, ``tt``
        (see :mod:`nbtools.secr.open_design`).
    level : float, default 0.95
        Confidence level of the intervals (openCR's ``alpha`` is ``1 - level``; the old parameter
        ``alpha`` still works, deprecated).

    Returns
    -------
    OpenCRFit
        ``type = "CJS"``; ``p`` is reported for sessions 2..J, ``phi`` for 1..J-1.
    """
    formulas = check_formulas(dict(model or {}), ("p", "phi"))
    J = history.nsessions
    p_design = parameter_design(history, "p", formulas["p"], invalid_sessions=[0])
    phi_design = parameter_design(history, "phi", formulas["phi"], invalid_sessions=[J - 1])
    p_valid = np.broadcast_to(history.primary > 0, (history.n, history.noccasions))
    phi_valid = np.broadcast_to(np.arange(J) < J - 1, (history.n, J))

    def loglik(reals: list[np.ndarray]) -> float:
        return cjs_loglik(history, reals[0], reals[1])

    return fit_open_model("CJS", history, [p_design, phi_design], [p_valid, phi_valid], loglik, START, level)
