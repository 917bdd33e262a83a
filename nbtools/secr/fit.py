"""Maximum-likelihood SECR fitting (secr's ``secr.fit`` with ``CL = FALSE``) in named steps.

:func:`secr_fit` checks the capture history, builds the design and the likelihood
(:mod:`.design`, :mod:`.likelihood`), takes starting values (:mod:`.start`), maximises
(:func:`maximise`: BFGS then Newton), inverts the information (:func:`covariance`) and
reports the estimates on secr's scales (:class:`.result.SECRFit`). The multi-session
fit (:mod:`.sessions`) uses the same steps.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import expit
from tqdm.auto import tqdm

from nbtools._deprecate import one_minus, renamed_function, renamed_parameters

from .capthist import CaptureHistory
from .design import _class_params, _classes, _density_design, _DensityDesign, _transform_matrix
from .likelihood import DETECTION_FUNCTIONS, SECRLikelihood
from .mask import Mask, make_mask
from .result import SECRFit, _lognormal_ci, _mixing_rows, _se_untransform, _z
from .start import _check_start, _initial_beta, _usage, autoini, rpsv

if TYPE_CHECKING:
    from .sessions import MultiSessionFit

__all__ = ["SECRFit", "aic_table", "autoini", "covariance", "maximise", "model_selection", "rpsv", "secr_fit"]


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


def _loglik_value(lik: SECRLikelihood, beta: np.ndarray) -> float:
    """Log-likelihood without gradient; -inf outside the parameter space."""
    try:
        with np.errstate(over="ignore", under="ignore"):
            return lik.evaluate(beta, gradient=False).loglik
    except FloatingPointError:
        return -np.inf


def _model_label(fit: SECRFit | MultiSessionFit) -> str:
    """secr-style model description, e.g. ``D~1 lambda0~1 sigma~g`` or ``D~session g0~1 sigma~1``."""
    mag = DETECTION_FUNCTIONS[fit.detectfn].magnitude
    formulas = getattr(fit, "detection_formulas", None)
    if formulas is not None:  # multi-session
        return " ".join(
            f"{name}{formula.replace(' ', '')}" for name, formula in {"D": fit.density_formula, **formulas}.items()
        )
    idx = fit.estimates.index
    parts = [f"D{fit.density_formula.replace(' ', '')}"]
    for name in (mag, "sigma"):
        parts.append(f"{name}~{'g' if any(i.startswith(name + '[') for i in idx) else '1'}")
    return " ".join(parts)


def _data_key(fit: SECRFit | MultiSessionFit) -> tuple:
    """What must agree between fits compared by AIC: n, detections, detector type and occasions."""
    capthists = getattr(fit, "capthists", None)
    if capthists is not None:  # multi-session
        chs = list(capthists.values())
        return (fit.n, sum(c.detections for c in chs), fit.detector, tuple(c.noccasions for c in chs))
    return (fit.n, fit.detections, fit.detector, fit.capthist.noccasions)


def _known_classes(fit: SECRFit | MultiSessionFit) -> tuple | None:
    """The known class of each animal, None without known classes (and for multi-session fits)."""
    known = getattr(fit._lik, "known_class", None)
    if known is None or not (known >= 0).any():
        return None
    return tuple(known.tolist())


def model_selection(
    fits: Mapping[str, SECRFit | MultiSessionFit] | Sequence[SECRFit | MultiSessionFit], criterion: str = "AICc"
) -> pd.DataFrame:
    """Compare SECR models fitted to the same data by AIC or AICc (secr's ``AIC.secr``).

    Parameters
    ----------
    fits : mapping of name to SECRFit, or sequence of SECRFit
        The fits (names default to secr's model descriptions); multi-session fits
        (:class:`~nbtools.secr.MultiSessionFit`) are compared with each other, with
        n = the animals of all sessions in AICc, as secr.
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
    data = {_data_key(f) for _, f in items}
    if len(data) > 1:
        raise ValueError(f"the fits are to different data (n, detections, detector, occasions): {sorted(data)}")
    known = {_known_classes(f) for _, f in items}
    if len(known) > 1:
        raise ValueError(
            "some fits use known classes (group=...) and others do not: the likelihood of a model with groups "
            "includes the probabilities of the observed classes, so AICs are not comparable. Fit the models "
            "without class-specific parameters with the same group and class_params=() (secr: the same hcov)"
        )
    rows = []
    for name, f in items:
        rows.append(
            {
                "name": name if name is not None else _model_label(f),
                "model": _model_label(f),
                "detectfn": f.detectfn,
                "npar": f.n_params,
                "logLik": f.loglik,
                "AIC": f.aic,
                "AICc": f.aicc,
            }
        )
    table = pd.DataFrame(rows).set_index("name")
    table.index.name = None
    delta = table[criterion] - table[criterion].min()
    weight = np.exp(-delta / 2)
    table[f"d{criterion}"] = delta
    table[f"{criterion}wt"] = weight / weight.sum()
    return table.sort_values(f"d{criterion}", kind="stable")


#: Former name of :func:`model_selection` (deprecated: it warns; it goes in a future release).
aic_table = renamed_function(model_selection, "aic_table")


@renamed_parameters(buffer="buffer_m", alpha=("level", one_minus))
def secr_fit(
    capthist: CaptureHistory | np.ndarray | Mapping[Any, CaptureHistory],
    traps: pd.DataFrame | None = None,
    mask: Mask | Mapping[Any, Mask] | None = None,
    *,
    detectfn: str = "HN",
    detector: str | None = None,
    usage: np.ndarray | None = None,
    buffer_m: float = 100.0,
    density: str = "~1",
    group: str | Sequence[Any] | None = None,
    mixture: str | None = None,
    class_params: Sequence[str] = ("sigma",),
    start: dict[str, Any] | None = None,
    level: float = 0.95,
    progress: bool = True,
    maxiter: int = 500,
    detection: str | Mapping[str, str] = "~1",
) -> SECRFit | MultiSessionFit:
    """Fit a spatially explicit capture-recapture model by maximum likelihood.

    The full likelihood of Borchers & Efford (2008) with a Poisson number of animals
    (secr's ``secr.fit(..., CL = FALSE)``), integrated over a habitat mask.

    Parameters
    ----------
    capthist : CaptureHistory, array (n, S, K) or mapping of session to CaptureHistory
        Detections of n animals on S occasions at K detectors (from
        :func:`read_capthist`, :func:`make_capthist`, or an array of counts). A mapping
        (e.g. from :func:`make_capthists`) is a multi-session capture history: the model
        is fitted jointly to all sessions by
        :func:`secr_fit_sessions` (``density`` may then use
        ``session`` and ``Session``; ``mask`` may be one per session; ``detection``
        gives the detection formulas) and a ``MultiSessionFit`` is returned.
    traps : pandas.DataFrame, optional
        Detector table with ``x``, ``y`` (m), needed when ``capthist`` is an array.
    mask : Mask, optional
        Habitat mask. Default: ``make_mask(traps, buffer_m)`` (secr's default for
        ``secr.fit(..., buffer = b)``: 64 cells across, points within ``buffer_m`` of a
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
    buffer_m : float, default 100
        Buffer (m) of the default mask.
    density : str, default "~1"
        Model of log density: ``"~1"`` (constant) or a formula in mask covariates,
        e.g. ``"~ forest_cover + prey_index"`` (log-linear, secr's ``D ~ ...``).
    group : str or sequence, optional
        Class of each animal (e.g. sex) as labels, or the name of an individual
        covariate of the CaptureHistory. The parameters in ``class_params`` then differ
        by class, with mixing proportions ``pmix`` estimated; animals whose label is
        missing are a mixture over the classes (secr's hybrid mixture, ``hcov``).
        Multi-session: the name of an individual covariate of every session, and detection
        differs by class where a ``detection`` formula has ``h2`` (:func:`secr_fit_sessions`).
    mixture : {"h2"}, optional
        Two-class finite mixture on ``class_params`` with unknown class (secr's
        ``model = sigma ~ h2``).
    class_params : sequence of str, default ("sigma",)
        Detection parameters that differ between classes: ``"sigma"`` and/or ``"g0"``
        (``"lambda0"`` for HHN/HEX).
    start : dict, optional
        Starting values on the real scale: ``D``, ``g0``/``lambda0``, ``sigma``
        (scalars or one per class) and ``pmix``. Default :func:`autoini`.
    level : float, default 0.95
        Confidence level of the intervals (secr's ``alpha`` is ``1 - level``; the old parameter
        ``alpha`` still works, deprecated).
    progress : bool, default True
        Show a progress bar (tqdm) while fitting.
    maxiter : int, default 500
        Maximum iterations of the quasi-Newton optimiser.
    detection : str or mapping, default "~1"
        Multi-session only: formulas of the detection parameters in ``session`` and
        ``Session`` (``"~1"`` shared by the sessions, ``"~session"`` session-specific) and,
        with ``group``, ``h2`` (class-specific) and ``pmix``.

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
    >>> mask = make_mask(traps, buffer_m=80)
    >>> popn = sim_popn(mask, density=20, seed=1)
    >>> ch = sim_capthist(traps, popn, detectfn="HHN", lambda0=0.3, sigma=15, noccasions=5, seed=2)
    >>> fit = secr_fit(ch, mask=mask, detectfn="HHN", progress=False)
    >>> 10 < fit.density < 40
    True
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    alpha = one_minus(level)
    if isinstance(capthist, Mapping):
        from .sessions import secr_fit_sessions

        single_only = {"traps": traps, "detector": detector, "usage": usage, "mixture": mixture}
        given = [name for name, value in single_only.items() if value is not None]
        if given:
            raise ValueError(f"{given} apply to a single session; set them on each session's CaptureHistory")
        if group is not None and not isinstance(group, str):
            raise TypeError("group of a multi-session fit is the name of an individual covariate of every session")
        if tuple(class_params) != ("sigma",):
            raise ValueError("class_params is single-session: give a multi-session model h2 in its detection formulas")
        return secr_fit_sessions(
            capthist,
            mask,
            detectfn=detectfn,
            density=density,
            detection=detection,
            group=group,
            buffer_m=buffer_m,
            start=start,
            level=level,
            progress=progress,
            maxiter=maxiter,
        )
    if isinstance(mask, Mapping):
        raise TypeError("a mapping of masks needs a mapping of capture histories (one per session)")
    if not (isinstance(detection, str) and detection.replace(" ", "") in ("~1", "1", "")):
        raise ValueError("detection formulas (over sessions) need a multi-session capture history")
    if detectfn not in DETECTION_FUNCTIONS:
        raise ValueError(f"detectfn must be one of {list(DETECTION_FUNCTIONS)}, got {detectfn!r}")
    ch, det, use = _prepare_capthist(capthist, traps, detector, usage)
    if mask is None:
        mask = make_mask(ch.traps, buffer_m=buffer_m)
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
        ch.removed,
    )
    ini = _start_values(ch, det, use, mask, detectfn, start)
    beta0 = _initial_beta(lik, x_scaled, ini, class_index, ch, mixture is not None)
    beta, hess, optimiser_message = maximise(lik, beta0, f"secr_fit {detectfn} {det}", progress, maxiter)
    final = lik.evaluate(beta)
    vcov_s, converged, messages = covariance(hess, final.gradient, optimiser_message)

    t_mat = _transform_matrix(design, lik.n_params)
    names = [_coefficient_name(n, design, classes) for n in lik.internal_names]
    coefficients, vcov_df = coefficient_table(t_mat @ beta, t_mat @ vcov_s @ t_mat.T, names, alpha)
    rows = _density_rows(design, x_scaled, beta, vcov_s, lik.idx_density, coefficients, alpha)
    rows |= _detection_rows(lik, coefficients, classes, alpha)
    if lik.nclass > 1:
        rows |= _pmix_rows(lik, beta, vcov_s, classes, alpha)
    estimates = real_table(rows)
    converged &= _check_estimates(estimates, mask, messages)
    for msg in messages:
        warnings.warn(msg, stacklevel=3)  # the user's line, past the wrapper of renamed_parameters

    return SECRFit(
        estimates=estimates,
        coefficients=coefficients,
        vcov=vcov_df,
        loglik=final.loglik,
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


# ---------------------------------------------------------------------------- steps of secr_fit
def _prepare_capthist(
    capthist: CaptureHistory | np.ndarray,
    traps: pd.DataFrame | None,
    detector: str | None,
    usage: np.ndarray | None,
) -> tuple[CaptureHistory, str, np.ndarray]:
    """The checked capture history, the detector type fitted (single -> multi) and the usage (K x S)."""
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
            stacklevel=4,  # the user's line, past the wrapper of renamed_parameters
        )
        det = "multi"
    return ch, det, _usage(ch)


def _start_values(
    ch: CaptureHistory, det: str, use: np.ndarray, mask: Mask, detectfn: str, start: dict[str, Any] | None
) -> dict[str, Any]:
    """Starting values on the real scale: the user's (checked) or :func:`autoini`'s."""
    if start is None:
        ch_fitted = ch if det == ch.detector else CaptureHistory(ch.counts, ch.traps, det, use)
        return autoini(ch_fitted, mask, detectfn, use)
    ini = dict(start)
    missing = {"D", DETECTION_FUNCTIONS[detectfn].magnitude, "sigma"} - set(ini)
    if missing:
        raise ValueError(f"start needs {sorted(missing)} (real scale)")
    _check_start(ini)
    return ini


def maximise(
    lik: Any, beta0: np.ndarray, label: str, progress: bool, maxiter: int
) -> tuple[np.ndarray, np.ndarray, str]:
    """Maximise a log-likelihood: BFGS with its analytic gradient, then Newton polishing.

    ``lik`` has ``negloglik(beta) -> (value, gradient)``, ``evaluate(beta, gradient)`` and
    ``hessian(beta)`` (:class:`SECRLikelihood` or a multi-session likelihood). Returns the
    coefficients, the Hessian there (central differences of the analytic gradient) and
    the message of the quasi-Newton optimiser.
    """
    bar = tqdm(desc=label, unit="it", disable=not progress, leave=False)
    last = {"loglik": float("nan")}

    def objective(b: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = lik.negloglik(b)
        last["loglik"] = -value
        return value, grad

    def callback(xk: np.ndarray) -> None:
        bar.update(1)
        bar.set_postfix(loglik=f"{last['loglik']:.4f}", refresh=False)

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
    bar.set_description(f"{label}: Newton/Hessian")
    beta, hess = _newton_polish(lik, np.asarray(res.x, float), bar)
    bar.close()
    return beta, hess, str(res.message)


def _newton_polish(lik: Any, beta: np.ndarray, bar: Any) -> tuple[np.ndarray, np.ndarray]:
    """Up to 8 Newton steps with step halving; the Hessian of the last step's starting
    point is kept when the step was tiny."""
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
    return beta, hess


def covariance(hess: np.ndarray, gradient: np.ndarray, optimiser_message: str) -> tuple[np.ndarray, bool, list[str]]:
    """Inverse of the information matrix, whether the fit converged, and warnings."""
    messages: list[str] = []
    info = -hess
    try:
        vcov = np.linalg.inv(info)
        pd_ok = bool(np.all(np.linalg.eigvalsh(info) > 0))
    except np.linalg.LinAlgError:
        vcov = np.full_like(info, np.nan)
        pd_ok = False
    if not pd_ok:
        messages.append("the Hessian is not negative definite: SEs are unreliable (boundary or unidentified)")
        vcov = np.where(np.isfinite(vcov), vcov, np.nan)
    grad_max = float(np.max(np.abs(gradient)))
    if grad_max >= 1e-2:
        messages.append(f"the optimiser stopped with gradient {grad_max:.3g} ({optimiser_message})")
    return vcov, pd_ok and grad_max < 1e-2, messages


def _coefficient_name(internal: str, design: _DensityDesign, classes: Sequence[Any]) -> str:
    """secr's name of a coefficient from the likelihood's internal name (``D0``, ``sigma[1]``, ...)."""
    if internal.startswith("D"):
        return design.names[int(internal[1:])]
    base, _, rest = internal.partition("[")
    if not rest:
        return base
    return f"{base}.{classes[int(rest[:-1])]}"


def coefficient_table(
    beta: np.ndarray, vcov: np.ndarray, names: list[str], alpha: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coefficients on the link scale with SEs and Wald intervals (secr's ``coef``), and their vcov."""
    z = _z(alpha)
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    se[np.diag(vcov) < 0] = np.nan
    table = pd.DataFrame({"beta": beta, "SE.beta": se, "lcl": beta - z * se, "ucl": beta + z * se}, index=names)
    return table, pd.DataFrame(vcov, index=names, columns=names)


def real_row(beta: float, se_beta: float, link: str, alpha: float) -> dict[str, Any]:
    """A real parameter from its coefficient: estimate, SE (secr's ``se.untransform``), Wald interval."""
    inv = expit if link == "logit" else np.exp
    z = _z(alpha)
    return {
        "link": link,
        "estimate": float(inv(beta)),
        "SE": _se_untransform(beta, se_beta, link),
        "lcl": float(inv(beta - z * se_beta)),
        "ucl": float(inv(beta + z * se_beta)),
    }


def real_table(rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Rows of real estimates as secr's ``predict`` table (float columns)."""
    estimates = pd.DataFrame(rows).T
    for col in ("estimate", "SE", "lcl", "ucl"):
        estimates[col] = estimates[col].astype(float)
    return estimates


def _density_rows(
    design: _DensityDesign,
    x_scaled: np.ndarray,
    beta: np.ndarray,
    vcov_s: np.ndarray,
    idx_d: np.ndarray,
    coefficients: pd.DataFrame,
    alpha: float,
) -> dict[str, dict[str, Any]]:
    """Density: the constant, or for a density model the mask mean with a delta-method SE."""
    if design.spec is None:
        b, s = coefficients.iloc[0][["beta", "SE.beta"]]
        return {"D": real_row(float(b), float(s), "log", alpha)}
    dens = np.exp(x_scaled @ beta[idx_d])
    mean_d = float(dens.mean())
    g = (dens @ x_scaled) / len(dens)
    se = float(np.sqrt(g @ vcov_s[np.ix_(idx_d, idx_d)] @ g))
    lcl, ucl = _lognormal_ci(mean_d, se, alpha)
    return {"D": {"link": "log", "estimate": mean_d, "SE": se, "lcl": lcl, "ucl": ucl}}


def _detection_rows(
    lik: SECRLikelihood, coefficients: pd.DataFrame, classes: Sequence[Any], alpha: float
) -> dict[str, dict[str, Any]]:
    """g0 or lambda0 and sigma, one row per distinct coefficient (``[class]`` when they differ)."""
    fn = lik.detectfn
    rows: dict[str, dict[str, Any]] = {}
    for pname, idx_arr, link in ((fn.magnitude, lik.idx_mag, fn.magnitude_link), ("sigma", lik.idx_sigma, "log")):
        seen: set[int] = set()
        for c in range(lik.nclass):
            j = int(idx_arr[c])
            if j in seen:
                continue
            seen.add(j)
            key = pname if len(set(idx_arr.tolist())) == 1 else f"{pname}[{classes[c] if classes else None}]"
            b, s = coefficients.iloc[j][["beta", "SE.beta"]]
            rows[key] = real_row(float(b), float(s), link, alpha)
    return rows


def _pmix_rows(
    lik: SECRLikelihood, beta: np.ndarray, vcov_s: np.ndarray, classes: Sequence[Any], alpha: float
) -> dict[str, dict[str, Any]]:
    """Mixing proportions (multinomial logit) with delta-method SEs and logit-scale intervals."""
    idx = lik.idx_pmix
    return _mixing_rows(beta[idx], np.eye(len(idx)), vcov_s[np.ix_(idx, idx)], classes, alpha)


def _check_estimates(estimates: pd.DataFrame, mask: Mask, messages: list[str]) -> bool:
    """Flag probabilities at a boundary and sigmas on the plateau of a flat likelihood.

    Returns False when the fit must not count as converged."""
    for name, row in estimates.iterrows():
        if row["link"] == "logit" and (row["estimate"] > 1 - 1e-4 or row["estimate"] < 1e-4):
            messages.append(f"{name} is at a boundary ({row['estimate']:.3g})")
    sigmas = estimates.loc[[i for i in estimates.index if i == "sigma" or i.startswith("sigma[")], "estimate"]
    if (sigmas > 0.5 * np.ptp(mask.x)).any():
        # Beyond half the mask's width every mask point is about equally far from every detector: the
        # likelihood is flat in sigma, so a zero gradient there proves nothing (a fit started at sigma = 1e5
        # stops on that plateau far below the maximum). Not converged, never a silently wrong number.
        messages.append(
            "sigma is large relative to the mask (over half its width): the likelihood is flat there, "
            "so the optimiser may have stopped on a plateau; check the buffer and refit from other start values"
        )
        return False
    return True
