"""Multi-session SECR: one model fitted jointly to several sessions (secr's multi-session ``secr.fit``).

A multi-session capture history is a mapping from a session label (a year, a season) to
the :class:`~nbtools.secr.CaptureHistory` of that session, each with its own detectors,
usage and habitat mask. The log-likelihood is the sum of the sessions' full
log-likelihoods (Poisson N in each session); the sessions share coefficients through
model formulas in two automatic session variables, as secr's ``D.designdata`` defines them:

* ``session`` -- a factor with one level per session, in the order given (treatment
  contrasts: the first session is the reference), so ``D ~ session`` gives every session
  its own density;
* ``Session`` -- the session number 0, 1, ..., R - 1, so ``D ~ Session`` is a log-linear
  trend: D_s = exp(b0 + b1 s), a constant rate of change exp(b1) per session.

Density formulas may also use mask covariates (each session's mask must then have them);
detection formulas (``g0``/``lambda0`` and ``sigma``) may use ``session`` and ``Session``:
``"~1"`` shares a detection parameter between sessions, ``"~session"`` makes it
session-specific. With known classes (``group="sex"``, secr's hybrid mixture ``hcov``) they
may also use secr's class factor ``h2`` (``"~h2"``: one value per sex), the mixing
proportions get a formula ``pmix`` (default ``"~1"``, shared by the sessions) and ``D`` is
the density of all classes together.

>>> from nbtools.secr import make_capthists, secr_fit                    # doctest: +SKIP
>>> chs = make_capthists(captures, traps, detector="multi",
...                      noccasions={"2005": 9, "2006": 10})               # doctest: +SKIP
>>> fit = secr_fit(chs, mask=mask, density="~ Session")                  # doctest: +SKIP
>>> fit.density                                                          # doctest: +SKIP
>>> by_sex = secr_fit(chs, mask=mask, density="~ Session", detectfn="HHN", group="sex",
...                   detection={"lambda0": "~ h2", "sigma": "~ h2"})      # doctest: +SKIP

References
----------
Efford, M. G. (2025) secr: Spatially explicit capture-recapture models. R package
version 5.3.0 (``secr.fit`` with a multi-session capthist; ``D.designdata``).
https://CRAN.R-project.org/package=secr

Efford, M. G., Borchers, D. L. and Byrom, A. E. (2009) Density estimation by
spatially explicit capture-recapture: likelihood-based methods. In Modeling
Demographic Processes in Marked Populations (eds D. L. Thomson, E. G. Cooch and M. J.
Conroy), pp. 255-269. Springer.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import formulaic
import numpy as np
import pandas as pd
from scipy.special import logit

from nbtools._deprecate import one_minus, renamed_parameters

from .capthist import CaptureHistory, make_capthist
from .design import _density_design, _DensityDesign, _transform_matrix
from .fit import (
    _check_estimates,
    _prepare_capthist,
    coefficient_table,
    covariance,
    maximise,
    real_row,
    real_table,
)
from .likelihood import DETECTION_FUNCTIONS, SECRLikelihood
from .mask import Mask, make_mask
from .result import _FitStatistics, _lognormal_ci, _mixing_rows
from .start import _check_start, _rpsv_counts, autoini

__all__ = ["MultiSessionFit", "MultiSessionLikelihood", "make_capthists", "secr_fit_sessions"]

#: The automatic session variables of secr's model formulas.
SESSION_VARIABLES = ("session", "Session")


# ---------------------------------------------------------------------------- data
def make_capthists(
    captures: pd.DataFrame,
    traps: pd.DataFrame | Mapping[Any, pd.DataFrame],
    detector: str = "multi",
    noccasions: int | Mapping[Any, int] | None = None,
    covnames: list[str] | None = None,
    usage: Mapping[Any, np.ndarray] | None = None,
) -> dict[str, CaptureHistory]:
    """Build a multi-session capture history from long-form tables (secr's ``make.capthist``).

    Parameters
    ----------
    captures : pandas.DataFrame
        One row per detection: ``session``, ``ID``, ``occasion`` (1-based; negative, or
        ``alive`` = 0, for an animal removed at capture), ``trap`` and any covariates.
    traps : DataFrame or mapping of session to DataFrame
        Detectors (``x``, ``y`` in m; IDs in the index or a ``trapID``/``trap`` column):
        the same for every session, one per session, or one table with a ``session`` column.
    detector : str, default "multi"
        Detector type of every session.
    noccasions : int or mapping of session to int, optional
        Occasions per session (default: the last occasion with a detection).
    covnames : list of str, optional
        Individual covariates in ``captures``.
    usage : mapping of session to array (K, S), optional
        Detector usage per session.

    Returns
    -------
    dict of str to CaptureHistory
        Sessions in order of first appearance in ``captures`` (``session`` is the label).
    """
    if "session" not in captures.columns:
        raise ValueError(f"captures lacks a 'session' column; has {list(captures.columns)}")
    labels = [str(s) for s in pd.unique(captures["session"].astype(str))]
    if isinstance(noccasions, Mapping):
        labels += [str(s) for s in noccasions if str(s) not in labels]  # sessions without captures
    out: dict[str, CaptureHistory] = {}
    for label in labels:
        out[label] = make_capthist(
            captures,
            _session_traps(traps, label),
            detector=detector,
            noccasions=_session_value(noccasions, label),
            usage=_session_value(usage, label),
            covnames=covnames,
            session=label,
        )
    return out


def _session_value(values: Any, label: str) -> Any:
    """The value for one session of a per-session mapping (keys compared as text), or the shared value."""
    if not isinstance(values, Mapping):
        return values
    lookup = {str(k): v for k, v in values.items()}
    if label not in lookup:
        raise KeyError(f"no value for session {label!r}; sessions given: {list(lookup)}")
    return lookup[label]


def _session_traps(traps: pd.DataFrame | Mapping[Any, pd.DataFrame], label: str) -> pd.DataFrame:
    table = _session_value(traps, label)
    if "session" in table.columns:
        table = table[table["session"].astype(str) == label].drop(columns="session")
        if len(table) == 0:
            raise ValueError(f"the traps table has no detectors for session {label!r}")
    if "trap" in table.columns and "trapID" not in table.columns:
        table = table.rename(columns={"trap": "trapID"})
    return table


# ---------------------------------------------------------------------------- designs
def _session_frame(labels: Sequence[str], classes: Sequence[Any] = ()) -> pd.DataFrame:
    """secr's automatic session variables: ``session`` (factor) and ``Session`` (0 .. R-1).

    With known classes (``classes``), one row per session and class (the class varying fastest) and
    secr's class factor ``h2`` (levels in the order of ``classes``, the first the reference).
    """
    if not classes:
        return pd.DataFrame(
            {
                "session": pd.Categorical(list(labels), categories=list(labels)),
                "Session": np.arange(len(labels), dtype=float),
            }
        )
    names = [str(c) for c in classes]
    return pd.DataFrame(
        {
            "session": pd.Categorical(np.repeat(list(labels), len(names)), categories=list(labels)),
            "Session": np.repeat(np.arange(len(labels), dtype=float), len(names)),
            "h2": pd.Categorical(names * len(labels), categories=names),
        }
    )


def _secr_name(column: str) -> str:
    """formulaic's ``session[T.2006]`` as secr's ``session2006``."""
    return re.sub(r"\[T\.(.*?)\]", r"\1", column)


def _pooled_density_design(
    formula: str, masks: Sequence[Mask], labels: Sequence[str]
) -> tuple[_DensityDesign, list[np.ndarray]]:
    """Log-density design over the pooled mask points of all sessions, split by session."""
    frame = _session_frame(labels)
    parts = []
    for mask, (_, row) in zip(masks, frame.iterrows(), strict=True):
        clash = set(SESSION_VARIABLES) & set(mask.points.columns)
        if clash:
            raise ValueError(f"mask covariates {sorted(clash)} clash with secr's automatic session variables")
        points = mask.points.copy()
        points["session"] = pd.Categorical([row["session"]] * len(points), categories=list(labels))
        points["Session"] = row["Session"]
        parts.append(points)
    missing = set().union(*(set(p.columns) for p in parts)) - set.intersection(*(set(p.columns) for p in parts))
    if missing:
        raise ValueError(f"mask covariates {sorted(missing)} are missing from the masks of some sessions")
    pooled = Mask(pd.concat(parts, ignore_index=True), spacing=masks[0].spacing)
    design, x_scaled = _density_design(formula, pooled)
    design = _DensityDesign(
        design.formula, [_secr_name(n) for n in design.names], design.spec, design.center, design.scale
    )
    bounds = np.cumsum([0] + [len(m) for m in masks])
    return design, [np.ascontiguousarray(x_scaled[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _detection_design(
    formula: str, labels: Sequence[str], parameter: str, classes: Sequence[Any] = ()
) -> tuple[list[str], np.ndarray]:
    """Design of a detection parameter over the sessions (and classes) and its coefficient names.

    Rows: one per session, or with known classes one per session and class (session ``s``, class
    ``c`` in row ``s * G + c``); the formula may then use secr's ``h2``.
    """
    rows = len(labels) * max(len(classes), 1)
    text = formula.strip()
    if text.replace(" ", "") in ("~1", "1", ""):
        return [parameter], np.ones((rows, 1))
    if not text.startswith("~"):
        text = "~ " + text
    allowed = "'session', 'Session'" + (" and 'h2' (the class)" if classes else " only (and 'h2' with group=...)")
    try:
        mm = formulaic.model_matrix(text, _session_frame(labels, classes), na_action="raise")
    except Exception as err:  # formulaic raises several types
        raise ValueError(
            f"cannot build the {parameter} formula {text!r}: detection formulas may use {allowed} ({err})"
        ) from err
    names = [parameter if c == "Intercept" else f"{parameter}.{_secr_name(c)}" for c in mm.columns]
    x = np.asarray(mm, dtype=float)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError(f"the {parameter} formula {text!r} has more coefficients than the sessions can identify")
    return names, x


def _pmix_design(formula: str, labels: Sequence[str], classes: Sequence[Any]) -> tuple[list[str], np.ndarray]:
    """Design (R x p) of the mixing proportions' multinomial logits over the sessions and their names.

    Each class but the first has its own copy of the design: for two classes the coefficients are
    secr's ``pmix``, ``pmix.session2006``, ... (the logit of the second class's proportion), for
    more classes ``pmix.h2<class>``, ``pmix.h2<class>:session2006``, ...
    """
    if "h2" in formula:
        raise ValueError(f"the pmix formula {formula!r} may use 'session' and 'Session' (pmix is by class already)")
    names, x = _detection_design(formula, labels, "pmix")
    if len(classes) == 2:
        return names, x
    out = []
    for c in classes[1:]:
        out += [f"pmix.h2{c}" + ("" if n == "pmix" else ":" + n.removeprefix("pmix.")) for n in names]
    return out, x


def _detection_formulas(
    detection: str | Mapping[str, str], magnitude: str, classes: Sequence[Any] = ()
) -> dict[str, str]:
    keys = {magnitude, "sigma"} | ({"pmix"} if classes else set())
    if isinstance(detection, str):
        out = {magnitude: detection, "sigma": detection}
    else:
        unknown = set(detection) - keys
        if unknown:
            hint = "" if classes or "pmix" not in unknown else " (pmix needs known classes: group=...)"
            raise ValueError(f"detection formulas may be given for {sorted(keys)}, not {sorted(unknown)}{hint}")
        out = {magnitude: detection.get(magnitude, "~1"), "sigma": detection.get("sigma", "~1")}
    if classes:
        out["pmix"] = "~1" if isinstance(detection, str) else detection.get("pmix", "~1")
    return out


def _session_classes(ch: CaptureHistory, group: str, classes: Sequence[Any] | None = None) -> np.ndarray:
    """The class of each animal of one session (index into ``classes``; -1 when not recorded)."""
    if ch.covariates is None or group not in ch.covariates.columns:
        have = [] if ch.covariates is None else list(ch.covariates.columns)
        raise KeyError(f"no individual covariate {group!r} (group); covariates: {have}")
    labels = pd.Series(ch.covariates[group].to_numpy(), dtype=object)
    if classes is None:
        return labels
    lookup = {c: j for j, c in enumerate(classes)}
    return np.array([lookup.get(v, -1) if pd.notna(v) else -1 for v in labels], dtype=int)


def _group_classes(chs: Mapping[str, CaptureHistory], group: str) -> list[Any]:
    """The classes of ``group`` over all sessions (sorted as text), at least two."""
    found: set[Any] = set()
    for label, ch in chs.items():
        try:
            values = _session_classes(ch, group)
        except KeyError as err:
            raise KeyError(f"session {label!r}: {err.args[0]}") from err
        found |= set(values[values.notna()])
    classes = sorted(found, key=str)
    if len(classes) < 2:
        raise ValueError(f"group {group!r} needs at least two classes among the animals, found {classes}")
    return classes


# ---------------------------------------------------------------------------- likelihood
@dataclass
class MultiSessionEvaluation:
    """The summed log-likelihood, its gradient and each session's evaluation."""

    loglik: float
    gradient: np.ndarray | None
    sessions: list[Any]


class MultiSessionLikelihood:
    """Sum of the sessions' SECR log-likelihoods with shared coefficients.

    Parameters
    ----------
    sessions : list of SECRLikelihood
        One likelihood per session, each with coefficients (log-density design
        coefficients, link(g0 or lambda0), log(sigma)).
    maps : list of arrays (p_s, P)
        Session s uses the coefficients ``maps[s] @ beta`` of the global vector ``beta``;
        the gradient is ``sum_s maps[s].T @ gradient_s``.
    """

    def __init__(self, sessions: list[SECRLikelihood], maps: list[np.ndarray]) -> None:
        self.sessions = sessions
        self.maps = maps
        self.n_params = maps[0].shape[1]

    @property
    def n_evaluations(self) -> int:
        """Likelihood evaluations so far (of the joint likelihood)."""
        return self.sessions[0].n_evaluations

    @property
    def known_class(self) -> np.ndarray | None:
        """The known class of every animal of every session (-1 unknown), None without classes."""
        if self.sessions[0].nclass == 1:
            return None
        return np.concatenate([lik.known_class for lik in self.sessions])

    def evaluate(self, beta: np.ndarray, gradient: bool = True) -> MultiSessionEvaluation:
        """Log-likelihood (and gradient) at ``beta``; raises FloatingPointError outside the parameter space."""
        beta = np.asarray(beta, dtype=float)
        loglik = 0.0
        grad = np.zeros(self.n_params) if gradient else None
        parts = []
        for lik, a_s in zip(self.sessions, self.maps, strict=True):
            ev = lik.evaluate(a_s @ beta, gradient=gradient)
            loglik += ev.loglik
            if gradient:
                grad += a_s.T @ ev.gradient
            parts.append(ev)
        return MultiSessionEvaluation(loglik, grad, parts)

    def negloglik(self, beta: np.ndarray) -> tuple[float, np.ndarray]:
        """Negative log-likelihood and its gradient (for scipy.optimize); 1e10 if invalid."""
        try:
            with np.errstate(over="ignore", under="ignore"):
                ev = self.evaluate(beta, gradient=True)
        except FloatingPointError:
            return 1e10, np.zeros(self.n_params)
        return -ev.loglik, -ev.gradient  # type: ignore[operator]

    def hessian(self, beta: np.ndarray, rel_step: float = 1e-4) -> np.ndarray:
        """Hessian by central differences of the analytic gradient (steps rel_step * max(1, |b|))."""
        beta = np.asarray(beta, dtype=float)
        out = np.empty((self.n_params, self.n_params))
        for j in range(self.n_params):
            step = rel_step * max(1.0, abs(beta[j]))
            up, down = beta.copy(), beta.copy()
            up[j] += step
            down[j] -= step
            out[:, j] = (self.evaluate(up).gradient - self.evaluate(down).gradient) / (2 * step)  # type: ignore[operator]
        return 0.5 * (out + out.T)


# ---------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class MultiSessionFit(_FitStatistics):
    """Result of a multi-session :func:`secr_fit`.

    Attributes
    ----------
    estimates : pandas.DataFrame
        Real parameters per session, as secr's ``predict`` (one table per session):
        index (``session``, ``parameter``) with ``D`` (animals / ha; the mask mean for a
        model with mask covariates), ``g0`` or ``lambda0`` and ``sigma`` (m); columns
        ``link``, ``estimate``, ``SE``, ``lcl``, ``ucl``.
    coefficients : pandas.DataFrame
        Coefficients on the link scale with secr's names (``D``, ``D.session2006``,
        ``D.Session``, ``g0``, ``sigma.session2006``, ...): ``beta``, ``SE.beta``, ``lcl``, ``ucl``.
    vcov : pandas.DataFrame
        Their variance-covariance matrix (inverse Hessian).
    loglik : float
        Maximised log-likelihood (the sum over sessions, secr's constants).
    n : int
        Animals detected, summed over sessions (the n of AICc, as secr).
    sessions : list of str
    n_by_session : pandas.Series
        Animals detected per session.
    classes : list
        The known classes (``group``, secr's ``hcov``), empty without them; with classes the
        estimates hold ``lambda0[class]``/``sigma[class]`` where detection differs by class
        (``h2`` in its formula) and ``pmix[class]`` per session, and ``D`` is the density of
        all classes together.
    group : str or None
        The individual covariate giving the class.

    The shape shared by estimator results: :attr:`coef`, :attr:`se`, :attr:`loglik`, :attr:`aic`,
    :attr:`notes` (the messages as a tuple) and :meth:`to_frame`; :attr:`level` is ``1 - alpha``.
    """

    estimates: pd.DataFrame
    coefficients: pd.DataFrame
    vcov: pd.DataFrame
    loglik: float
    n_params: int
    n: int
    sessions: list[str]
    n_by_session: pd.Series
    detectfn: str
    detector: str
    density_formula: str
    detection_formulas: dict[str, str]
    converged: bool
    messages: list[str]
    n_evaluations: int
    alpha: float
    masks: dict[str, Mask] = field(repr=False)
    capthists: dict[str, CaptureHistory] = field(repr=False)
    _lik: MultiSessionLikelihood = field(repr=False)
    _beta: np.ndarray = field(repr=False)
    _vcov: np.ndarray = field(repr=False)
    classes: list[Any] = field(default_factory=list)
    group: str | None = None

    def real(self, parameter: str, column: str = "estimate") -> pd.Series:
        """One real parameter (``D``, ``g0``, ``lambda0``, ``sigma``, ``sigma[class]``, ``pmix[class]``) per session."""
        table = self.estimates.xs(parameter, level="parameter")
        return table[column].rename(parameter)

    @property
    def density(self) -> pd.Series:
        """Density per session (animals / ha)."""
        return self.real("D")

    @property
    def density_se(self) -> pd.Series:
        """Standard error of the density per session (animals / ha)."""
        return self.real("D", "SE")

    @property
    def sigma(self) -> pd.Series:
        """Spatial scale of detection per session (m)."""
        return self.real("sigma")

    @property
    def trend(self) -> pd.Series | None:
        """exp(D.Session): the rate of change of density per session (``D ~ Session``), with SE and interval."""
        if "D.Session" not in self.coefficients.index:
            return None
        row = self.coefficients.loc["D.Session"]
        out = real_row(float(row["beta"]), float(row["SE.beta"]), "log", self.alpha)
        return pd.Series(out, name="lambda").drop("link")

    def to_frame(self) -> pd.DataFrame:
        """The estimates per session, with fit statistics in ``attrs``."""
        table = self.estimates.copy()
        table.attrs = {"loglik": self.loglik, "AIC": self.aic, "AICc": self.aicc, "n": self.n}
        return table

    def __repr__(self) -> str:
        lines = [
            f"MultiSessionFit({len(self.sessions)} sessions, {self.detector} detectors, detectfn {self.detectfn}, "
            f"D {self.density_formula}, " + ", ".join(f"{k} {v}" for k, v in self.detection_formulas.items()) + ")",
            f"  n = {self.n} animals ({', '.join(f'{s}: {k}' for s, k in self.n_by_session.items())})"
            + (f", classes {self.group} {self.classes}" if self.classes else ""),
            f"  loglik {self.loglik:.4f}, K = {self.n_params}, AIC {self.aic:.3f}, AICc {self.aicc:.3f}"
            + ("" if self.converged else "  (NOT CONVERGED)"),
        ]
        for (session, name), row in self.estimates.iterrows():
            lines.append(f"  {session:<8} {name:<8} {row['estimate']:.6g} (SE {row['SE']:.4g})")
        lines += [f"  warning: {m}" for m in self.messages]
        return "\n".join(lines)


# ---------------------------------------------------------------------------- fitting
@renamed_parameters(buffer="buffer_m", alpha=("level", one_minus))
def secr_fit_sessions(
    capthists: Mapping[Any, CaptureHistory],
    mask: Mask | Mapping[Any, Mask] | None = None,
    *,
    detectfn: str = "HN",
    density: str = "~1",
    detection: str | Mapping[str, str] = "~1",
    group: str | None = None,
    buffer_m: float = 100.0,
    start: dict[str, Any] | None = None,
    level: float = 0.95,
    progress: bool = True,
    maxiter: int = 500,
) -> MultiSessionFit:
    """Fit one SECR model to several sessions (secr's ``secr.fit`` on a multi-session capthist).

    Usually called as :func:`nbtools.secr.secr_fit` with a mapping of capture histories.

    Parameters
    ----------
    capthists : mapping of session label to CaptureHistory
        The sessions, in order (``Session`` numbers them 0, 1, ...); each with its
        detectors, detector type and usage. Animals removed at capture (``removed``)
        leave the history after that occasion (multi-catch traps).
    mask : Mask or mapping of session to Mask, optional
        Habitat mask, the same for every session or one per session. Default:
        ``make_mask(traps, buffer_m)`` per session.
    detectfn : {"HN", "HHN", "EX", "HEX"}, default "HN"
    density : str, default "~1"
        Formula of log density in ``session`` (factor), ``Session`` (0 .. R-1) and mask
        covariates: ``"~1"`` (one density), ``"~session"`` (one per session),
        ``"~Session"`` (log-linear trend).
    detection : str or mapping, default "~1"
        Formulas of the detection parameters in ``session``/``Session`` (and ``h2``, the
        class, with ``group``): one for both (``"~1"`` shared, ``"~session"``
        session-specific) or a mapping, e.g. ``{"g0": "~session", "sigma": "~1"}`` or, with
        ``group``, ``{"lambda0": "~h2", "sigma": "~h2", "pmix": "~1"}`` (``pmix``: the
        mixing proportions, in ``session``/``Session``, default ``"~1"``, shared).
    group : str, optional
        Known classes (secr's hybrid mixture, ``hcov``): the individual covariate of every
        session's CaptureHistory holding each animal's class (e.g. ``"sex"``; missing =
        unknown class, a mixture over the classes). ``D`` is then the density of all
        classes, each class a Poisson population of density ``D pmix_c``, and detection
        differs by class where its formula has ``h2``, as
        ``secr.fit(ch, hcov = "sex", model = list(D ~ Session, lambda0 ~ h2, sigma ~ h2))``.
    buffer_m : float, default 100
        Buffer (m) of the default masks.
    start : dict, optional
        Starting values on the real scale (``D``, ``g0``/``lambda0``, ``sigma``; with
        classes ``sigma`` and the magnitude may be one per class, and ``pmix``), the same for
        every session. Default: :func:`autoini` per session, combined (geometric mean of D,
        median of the detection parameters; with classes sigma per class from the spread of
        that class's detections).
    level : float, default 0.95
        Confidence level of the intervals (secr's ``alpha`` is ``1 - level``; the old parameter
        ``alpha`` still works, deprecated).
    progress : bool, default True
        Show a progress bar.
    maxiter : int, default 500
        Maximum iterations of the quasi-Newton optimiser.

    Returns
    -------
    MultiSessionFit
        Estimates per session (SEs from the inverse Hessian; for a density constant
        within a session, secr's log-normal SE ``D sqrt(exp(se^2) - 1)`` of its linear
        predictor), coefficients, log-likelihood, AIC and AICc (n = animals summed over
        sessions).

    Notes
    -----
    Latent-class mixtures (``mixture``) are a single-session option. With ``group`` the
    likelihood of each session is the single-session likelihood with known classes
    (:func:`nbtools.secr.secr_fit` with ``group``), so one session gives the same fit.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    alpha = one_minus(level)
    if detectfn not in DETECTION_FUNCTIONS:
        raise ValueError(f"detectfn must be one of {list(DETECTION_FUNCTIONS)}, got {detectfn!r}")
    if not capthists:
        raise ValueError("no sessions: give a mapping of session label to CaptureHistory")
    labels = [str(s) for s in capthists]
    if len(set(labels)) < len(labels):
        raise ValueError(f"session labels must be distinct as text, got {labels}")
    prepared = {}
    for label, ch in zip(labels, capthists.values(), strict=True):
        if not isinstance(ch, CaptureHistory):
            raise TypeError(f"session {label!r}: expected a CaptureHistory, got {type(ch).__name__}")
        try:
            prepared[label] = _prepare_capthist(ch, None, None, None)
        except ValueError as err:
            raise ValueError(f"session {label!r}: {err}") from err
    classes = [] if group is None else _group_classes({k: v[0] for k, v in prepared.items()}, group)
    masks = {label: _session_mask(mask, label, prepared[label][0], buffer_m) for label in labels}
    fn = DETECTION_FUNCTIONS[detectfn]
    formulas = _detection_formulas(detection, fn.magnitude, classes)
    design, x_by_session = _pooled_density_design(density, list(masks.values()), labels)
    parts = _SessionDesigns(
        x_by_session,
        *_detection_design(formulas[fn.magnitude], labels, fn.magnitude, classes),
        *_detection_design(formulas["sigma"], labels, "sigma", classes),
        *(_pmix_design(formulas["pmix"], labels, classes) if classes else ([], np.zeros((len(labels), 0)))),
        classes,
    )
    known = [_session_classes(prepared[label][0], group, classes) if classes else None for label in labels]
    lik = _joint_likelihood(prepared, masks, detectfn, parts, known)
    beta0 = _joint_start(lik, prepared, masks, detectfn, start, parts, known)
    beta, hess, optimiser_message = maximise(
        lik, beta0, f"secr_fit {len(labels)} sessions {detectfn}", progress, maxiter
    )
    final = lik.evaluate(beta)
    vcov_s, converged, messages = covariance(hess, final.gradient, optimiser_message)

    t_mat = _transform_matrix(design, lik.n_params)
    names = design.names + parts.mag_names + parts.sig_names + parts.pmix_names
    coefficients, vcov_df = coefficient_table(t_mat @ beta, t_mat @ vcov_s @ t_mat.T, names, alpha)
    estimates = _session_estimates(labels, beta, vcov_s, parts, fn, alpha)
    for label in labels:
        converged &= _check_estimates(estimates.loc[label], masks[label], messages)
    messages = list(dict.fromkeys(messages))  # a shared parameter at a boundary is flagged once
    for msg in messages:
        warnings.warn(msg, stacklevel=3)  # the user's line, past the wrapper of renamed_parameters
    n_by_session = pd.Series({label: prepared[label][0].n for label in labels}, name="n")
    return MultiSessionFit(
        estimates=estimates,
        coefficients=coefficients,
        vcov=vcov_df,
        loglik=final.loglik,
        n_params=lik.n_params,
        n=int(n_by_session.sum()),
        sessions=labels,
        n_by_session=n_by_session,
        detectfn=detectfn,
        detector="/".join(dict.fromkeys(det for _, det, _ in prepared.values())),
        density_formula=design.formula,
        detection_formulas=formulas,
        converged=converged,
        messages=messages,
        n_evaluations=lik.n_evaluations,
        alpha=alpha,
        masks=masks,
        capthists={label: prepared[label][0] for label in labels},
        _lik=lik,
        _beta=beta,
        _vcov=vcov_s,
        classes=list(classes),
        group=group,
    )


def _session_mask(mask: Mask | Mapping[Any, Mask] | None, label: str, ch: CaptureHistory, buffer_m: float) -> Mask:
    if mask is None:
        return make_mask(ch.traps, buffer_m=buffer_m)
    if isinstance(mask, Mask):
        return mask
    found = _session_value(mask, label)
    if not isinstance(found, Mask):
        raise TypeError(f"the mask of session {label!r} is not a Mask")
    return found


@dataclass(frozen=True)
class _SessionDesigns:
    """The designs of a multi-session model and where their coefficients sit in the joint vector.

    ``x_mag``/``x_sig`` have a row per session (per session and class with classes: row
    ``s * G + c``), ``x_pmix`` a row per session (the same design for each class's logit).
    """

    x_density: list[np.ndarray]
    mag_names: list[str]
    x_mag: np.ndarray
    sig_names: list[str]
    x_sig: np.ndarray
    pmix_names: list[str]
    x_pmix: np.ndarray
    classes: list[Any]

    @property
    def n_classes(self) -> int:
        return max(len(self.classes), 1)

    def blocks(self) -> dict[str, np.ndarray]:
        """Indices of the density, magnitude, sigma and pmix coefficients in the joint vector."""
        sizes = {
            "D": self.x_density[0].shape[1],
            "mag": self.x_mag.shape[1],
            "sigma": self.x_sig.shape[1],
            "pmix": self.x_pmix.shape[1] * (self.n_classes - 1),
        }
        bounds = np.cumsum([0, *sizes.values()])
        return {name: np.arange(bounds[j], bounds[j + 1]) for j, name in enumerate(sizes)}

    def row(self, s: int, c: int) -> int:
        """Row of session ``s`` and class ``c`` in ``x_mag`` and ``x_sig``."""
        return s * self.n_classes + c


def _joint_likelihood(
    prepared: dict[str, tuple[CaptureHistory, str, np.ndarray]],
    masks: dict[str, Mask],
    detectfn: str,
    parts: _SessionDesigns,
    known: list[np.ndarray | None],
) -> MultiSessionLikelihood:
    """One SECRLikelihood per session and the maps from the joint coefficients to each."""
    blocks = parts.blocks()
    p_total = sum(len(b) for b in blocks.values())
    g = parts.n_classes
    p_pmix = parts.x_pmix.shape[1]
    liks, maps = [], []
    for s, (label, (ch, det, use)) in enumerate(prepared.items()):
        mask = masks[label]
        lik = SECRLikelihood(
            ch.counts,
            use,
            det,
            detectfn,
            ch.traps[["x", "y"]].to_numpy(float),
            mask.xy,
            mask.cell_area,
            parts.x_density[s],
            nclass=g,
            known_class=known[s],
            class_params=frozenset({"mag", "sigma"}) if g > 1 else frozenset(),
            removed=ch.removed,
        )
        a_s = np.zeros((lik.n_params, p_total))
        a_s[np.ix_(lik.idx_density, blocks["D"])] = np.eye(len(blocks["D"]))
        for c in range(g):
            a_s[lik.idx_mag[c], blocks["mag"]] = parts.x_mag[parts.row(s, c)]
            a_s[lik.idx_sigma[c], blocks["sigma"]] = parts.x_sig[parts.row(s, c)]
        for j, idx in enumerate(lik.idx_pmix):
            a_s[idx, blocks["pmix"][j * p_pmix : (j + 1) * p_pmix]] = parts.x_pmix[s]
        liks.append(lik)
        maps.append(a_s)
    return MultiSessionLikelihood(liks, maps)


def _joint_start(
    lik: MultiSessionLikelihood,
    prepared: dict[str, tuple[CaptureHistory, str, np.ndarray]],
    masks: dict[str, Mask],
    detectfn: str,
    start: dict[str, Any] | None,
    parts: _SessionDesigns,
    known: list[np.ndarray | None],
) -> np.ndarray:
    """Starting coefficients: the user's real values, or autoini per session combined.

    With classes, sigma starts per class at 1.2 x the median over sessions of that class's
    RPSV (as the single-session fit with ``group``), and pmix at the classes' shares of the
    animals (plus one each).
    """
    magnitude = DETECTION_FUNCTIONS[detectfn].magnitude
    g = parts.n_classes
    if start is None:
        inis = []
        for label, (ch, det, use) in prepared.items():
            ch_fitted = ch if det == ch.detector else CaptureHistory(ch.counts, ch.traps, det, use)
            inis.append(autoini(ch_fitted, masks[label], detectfn, use))
        start = {
            "D": float(np.exp(np.mean([np.log(i["D"]) for i in inis]))),
            magnitude: float(np.median([i[magnitude] for i in inis])),
            "sigma": _class_sigmas(prepared, known, g, float(np.median([i["sigma"] for i in inis]))),
        }
    else:
        missing = {"D", magnitude, "sigma"} - set(start)
        if missing:
            raise ValueError(f"start needs {sorted(missing)} (real scale)")
        _check_start(start)
    link = logit if magnitude == "g0" else np.log
    mag = np.broadcast_to(np.asarray(start[magnitude], float), (g,))
    sig = np.broadcast_to(np.asarray(start["sigma"], float), (g,))
    rows = len(parts.x_mag)
    x_d = np.vstack(parts.x_density)
    blocks = [
        np.linalg.lstsq(x_d, np.full(len(x_d), np.log(start["D"])), rcond=None)[0],
        np.linalg.lstsq(parts.x_mag, link(mag[np.arange(rows) % g]), rcond=None)[0],
        np.linalg.lstsq(parts.x_sig, np.log(sig[np.arange(rows) % g]), rcond=None)[0],
    ]
    if g > 1:
        pmix = start.get("pmix")
        if pmix is None:
            counts = np.bincount(np.concatenate([k[k >= 0] for k in known]), minlength=g).astype(float)
            pmix = (counts + 1) / (counts + 1).sum()
        pmix = np.asarray(pmix, float)
        for j in range(1, g):
            target = np.full(len(parts.x_pmix), np.log(pmix[j] / pmix[0]))
            blocks.append(np.linalg.lstsq(parts.x_pmix, target, rcond=None)[0])
    return np.concatenate(blocks)


def _class_sigmas(
    prepared: dict[str, tuple[CaptureHistory, str, np.ndarray]], known: list[np.ndarray | None], g: int, pooled: float
) -> np.ndarray | float:
    """Starting sigma of each class: 1.2 x the median over sessions of its RPSV (``pooled`` where unknown)."""
    if g == 1:
        return pooled
    out = np.full(g, pooled)
    for c in range(g):
        values = []
        for (ch, _, _), k in zip(prepared.values(), known, strict=True):
            sub = ch.counts[k == c]
            if len(sub) >= 2:
                values.append(_rpsv_counts(sub.sum(axis=1), ch.traps[["x", "y"]].to_numpy(float)) * 1.2)
        values = [v for v in values if np.isfinite(v) and v > 0]
        if values:
            out[c] = float(np.median(values))
    return out


def _session_estimates(
    labels: list[str], beta: np.ndarray, vcov: np.ndarray, parts: _SessionDesigns, fn: Any, alpha: float
) -> pd.DataFrame:
    """Real parameters per session from the linear predictors (delta method for their SEs).

    With classes a detection parameter has a row per class (``sigma[male]``) where its design
    differs between the classes, and the mixing proportions a row per class (``pmix[male]``).
    """
    blocks = parts.blocks()
    g = parts.n_classes
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for s, label in enumerate(labels):
        rows[(label, "D")] = _session_density(parts.x_density[s], beta, vcov, blocks["D"], alpha)
        for name, x, link, idx in (
            (fn.magnitude, parts.x_mag, fn.magnitude_link, blocks["mag"]),
            ("sigma", parts.x_sig, "log", blocks["sigma"]),
        ):
            x_s = x[[parts.row(s, c) for c in range(g)]]
            by_class = g > 1 and np.ptp(x_s, axis=0).max() > 0
            for c in range(g if by_class else 1):
                eta = float(x_s[c] @ beta[idx])
                se = float(np.sqrt(max(x_s[c] @ vcov[np.ix_(idx, idx)] @ x_s[c], 0.0)))
                rows[(label, f"{name}[{parts.classes[c]}]" if by_class else name)] = real_row(eta, se, link, alpha)
        if g > 1:
            rows |= {(label, k): v for k, v in _session_pmix(parts, s, beta, vcov, blocks["pmix"], alpha).items()}
    table = real_table(rows)
    table.index = pd.MultiIndex.from_tuples(list(rows), names=["session", "parameter"])
    return table


def _session_pmix(
    parts: _SessionDesigns, s: int, beta: np.ndarray, vcov: np.ndarray, idx: np.ndarray, alpha: float
) -> dict[str, dict[str, Any]]:
    """Mixing proportions of session ``s`` (multinomial logit), delta-method SEs, logit-scale intervals."""
    g, p = parts.n_classes, parts.x_pmix.shape[1]
    x = parts.x_pmix[s]
    design = np.zeros((g - 1, len(idx)))  # d eta / d beta_pmix
    for j in range(g - 1):
        design[j, j * p : (j + 1) * p] = x
    return _mixing_rows(design @ beta[idx], design, vcov[np.ix_(idx, idx)], parts.classes, alpha)


def _session_density(x: np.ndarray, beta: np.ndarray, vcov: np.ndarray, idx: np.ndarray, alpha: float) -> dict:
    """Density of one session: the constant (log-normal SE of its predictor, as secr) or the mask mean."""
    v = vcov[np.ix_(idx, idx)]
    if np.ptp(x, axis=0).max() < 1e-12:  # constant over the session's mask
        eta = float(x[0] @ beta[idx])
        return real_row(eta, float(np.sqrt(max(x[0] @ v @ x[0], 0.0))), "log", alpha)
    dens = np.exp(x @ beta[idx])
    g = (dens @ x) / len(dens)
    se = float(np.sqrt(g @ v @ g))
    lcl, ucl = _lognormal_ci(float(dens.mean()), se, alpha)
    return {"link": "log", "estimate": float(dens.mean()), "SE": se, "lcl": lcl, "ucl": ucl}
