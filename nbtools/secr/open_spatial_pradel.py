"""Spatial Pradel-Link-Barker models (openCR's ``type = "PLBsecrl"`` and ``"PLBsecrf"``).

The spatial counterpart of :mod:`nbtools.secr.open_pradel` (openCR's ``JSSAsecrlCL`` and
``JSSAsecrfCL``; Efford & Schofield 2020): the conditional Jolly-Seber-Schwarz-Arnason
likelihood with survival phi, the rate of population change lambda (or the per-capita
recruitment f) and, in place of a detection probability, multi-catch detection at a static
activity centre x (hazard ``lambda0`` and scale ``sigma``, :mod:`nbtools.secr.open_spatial`).
Animal i, first and last detected in sessions f_i and l_i, contributes

    L_i = sum_{b <= f_i} sum_{d >= l_i} beta_b prod_{j=b}^{d-1} phi_j (1 - phi_d)^[d < J]
          (1 / M) sum_x prod_{j=b}^{d} Pr(history of i in session j | x),

divided by the probability of being detected at all (openCR's ``PCH1secr``, static centres),

    pdot_i = sum_{b <= d} beta_b prod_{j=b}^{d-1} phi_j (1 - phi_d)^[d < J]
             (1 - (1 / M) sum_x prod_{j=b}^{d} exp(-S_j H(x))),

with S_j the occasions of session j and H(x) the total hazard of all detectors per occasion
(with detector usage T_ks, S_j H(x) becomes H_j(x) = sum_{s in j} sum_k T_ks h_k(x), openCR's
``pr0njmx``; see :class:`nbtools.secr.open_spatial.SpatialCJSData`). The entry
probabilities beta_b are those of the non-spatial model
(:func:`nbtools.secr.open_pradel.entry_probabilities`). The log-likelihood is that of openCR
2.2.7 (no multinomial constant, no density term: the ``CL`` types). The reference notes hold
no openCR values for these types: the tests check the likelihood against a plain
transcription of openCR's ``prwisecr``/``PCH1secr``.

References
----------
Efford, M. G. and Schofield, M. R. (2020) A spatial open-population capture-recapture
model. Biometrics 76, 392-402. https://doi.org/10.1111/biom.13150
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._deprecate import one_minus, renamed_parameters
from .mask import Mask
from .open_cjs import logsumexp, survival_terms
from .open_design import parameter_design
from .open_histories import OpenCaptureHistory
from .open_pradel import entry_probabilities
from .open_result import OpenCRFit, check_formulas, fit_open_model
from .open_spatial import (
    DETECTFNS,
    SpatialCJSData,
    _rpsv,
    detection_design,
    running_log_means,
    session_probabilities,
)

__all__ = ["pradel_secr_fit", "pradel_secr_loglik"]

#: openCR's spatial PLB types and their recruitment parameter.
SPATIAL_TYPES = {"PLBsecrl": "lambda", "JSSAsecrlCL": "lambda", "PLBsecrf": "f", "JSSAsecrfCL": "f"}


def pradel_secr_loglik(
    history: OpenCaptureHistory,
    data: SpatialCJSData,
    phi: np.ndarray,
    recruitment: np.ndarray,
    lambda0: float | np.ndarray,
    sigma: float | np.ndarray,
    kind: str = "lambda",
    detectfn: str = "HHN",
) -> float:
    """Spatial conditional JSSA log-likelihood (openCR's PLBsecrl/PLBsecrf, static centres, multi-catch).

    Parameters
    ----------
    history : OpenCaptureHistory
    data : SpatialCJSData
        Built from ``history`` and the mask.
    phi, recruitment : numpy.ndarray, shape (n, J)
        Survival and lambda or f per unit time (last column unused).
    lambda0 : float or numpy.ndarray, shape (n,)
        Hazard of detection at distance 0 per occasion (shared or per animal).
    sigma : float or numpy.ndarray, shape (n,)
        Spatial scale of detection (m).
    kind : {"lambda", "f"}
    detectfn : {"HHN", "HEX"}

    Returns
    -------
    float
    """
    J = history.nsessions
    first, last, censored = history.first, history.last, history.censored
    scaled, log_top, totals, group = session_probabilities(data, lambda0, sigma, detectfn)
    cum_log_phi, log_death = survival_terms(phi, history.intervals)
    with np.errstate(divide="ignore"):
        log_beta = np.log(entry_probabilities(phi, recruitment, history.intervals, kind))
    d = np.arange(J)[None, :]
    possible_d = (d >= last[:, None]) & (~censored[:, None] | (d == last[:, None]))
    death = np.where(censored[:, None], 0.0, log_death)
    terms = []
    for b in range(J):
        entered = first >= b
        if not entered.any():
            continue
        log_pr_w = running_log_means(scaled, log_top, np.where(entered, b, J))
        term = log_beta[:, b : b + 1] + cum_log_phi - cum_log_phi[:, b : b + 1] + log_pr_w + death
        terms.append(np.where(entered[:, None] & possible_d & (d >= b), term, -np.inf))
    log_l = logsumexp(np.stack(terms, axis=1), axis=(1, 2))
    # probability of being detected at all: one mask integral per distinct (lambda0, sigma)
    log_detected = np.full((len(totals), J, J), -np.inf)  # log(1 - mean_x prod_{j=b}^{d} exp(-H_j(x)))
    for g, session_total in enumerate(totals):
        for b in range(J):
            exponent = np.zeros_like(session_total[0])
            for e in range(b, J):
                exponent -= session_total[e]
                log_detected[g, b, e] = np.log(-np.expm1(np.log(np.mean(np.exp(exponent)))))
    alive = log_beta[:, :, None] + cum_log_phi[:, None, :] - cum_log_phi[:, :, None] + log_death[:, None, :]
    log_pdot = logsumexp(alive + log_detected[group], axis=(1, 2))
    return float((log_l - log_pdot).sum())


@renamed_parameters(alpha=("level", one_minus))
def pradel_secr_fit(
    history: OpenCaptureHistory,
    mask: Mask,
    model: Mapping[str, str] | None = None,
    type: str = "PLBsecrl",  # noqa: A002 - openCR's argument name
    detectfn: str = "HHN",
    level: float = 0.95,
) -> OpenCRFit:
    """Fit a spatial Pradel-Link-Barker model by maximum likelihood (openCR's PLBsecrl, PLBsecrf).

    Parameters
    ----------
    history : OpenCaptureHistory
        Sessions joined by :func:`nbtools.secr.join_sessions` or (detectors changing between
        sessions, with usage) :func:`nbtools.secr.join_changing_sessions`; multi-catch
        detectors.
    mask : Mask
        Habitat mask (static activity centres, uniform over its points).
    model : mapping, optional
        Formulas of ``phi`` and ``lambda`` (``PLBsecrl``) or ``f`` (``PLBsecrf``), as for
        :func:`nbtools.secr.pradel_fit`; ``lambda0`` and ``sigma`` may depend on
        individual covariates (e.g. ``"~ sex"``), not on session.
    type : {"PLBsecrl", "PLBsecrf"}, default "PLBsecrl"
        Aliases ``JSSAsecrlCL``, ``JSSAsecrfCL``; ``PLBsecrf`` requires unit intervals.
    detectfn : {"HHN", "HEX"}, default "HHN"
    level : float, default 0.95
        Confidence level of the intervals (openCR's ``alpha`` is ``1 - level``; the old parameter
        ``alpha`` still works, deprecated).

    Returns
    -------
    OpenCRFit
    """
    if type not in SPATIAL_TYPES:
        raise ValueError(f"type must be one of {sorted(SPATIAL_TYPES)}, got {type!r}")
    if detectfn not in DETECTFNS:
        raise ValueError(f"detectfn must be one of {DETECTFNS}, got {detectfn!r}")
    kind = SPATIAL_TYPES[type]
    if kind == "f" and not np.allclose(history.intervals, 1.0):
        raise ValueError(f"type {type!r} needs unit intervals between sessions, got {history.intervals.tolist()}")
    formulas = check_formulas(dict(model or {}), ("lambda0", "phi", kind, "sigma"))
    data = SpatialCJSData(history, mask)
    J = history.nsessions
    designs = [
        detection_design(history, "lambda0", formulas["lambda0"]),
        parameter_design(history, "phi", formulas["phi"], invalid_sessions=[J - 1]),
        parameter_design(history, kind, formulas[kind], invalid_sessions=[J - 1]),
        detection_design(history, "sigma", formulas["sigma"]),
    ]
    secondary = np.ones((history.n, history.noccasions), dtype=bool)
    sessions = np.broadcast_to(np.arange(J) < J - 1, (history.n, J))

    def loglik(reals: list[np.ndarray]) -> float:
        lambda0, sigma = reals[0][:, 0], reals[3][:, 0]
        return pradel_secr_loglik(history, data, reals[1], reals[2], lambda0, sigma, kind, detectfn)

    start = {"lambda0": 0.1, "phi": 0.7, "lambda": 1.0, "f": 0.3, "sigma": _rpsv(history)}
    name = "PLBsecrl" if kind == "lambda" else "PLBsecrf"
    return fit_open_model(name, history, designs, [secondary, sessions, sessions, secondary], loglik, start, level)
