"""Single-season occupancy models fitted by maximum likelihood, as R's ``unmarked`` fits them.

The models:

* :func:`occu` -- the occupancy model of MacKenzie et al. (2002), ``unmarked::occu``: site ``i`` is
  occupied with probability ``psi_i`` and, when occupied, the species is detected at survey ``j`` with
  probability ``p_ij``; unoccupied sites give no detections.
* :func:`occu_rn` -- the Royle-Nichols (2003) model, ``unmarked::occuRN``: the number of animals ``N_i``
  at a site is Poisson(``lambda_i``) and each of them is detected independently with probability
  ``r_ij``, so ``p_ij = 1 - (1 - r_ij) ** N_i``.

Both take an unmarked-style double formula ``"~ detection ~ state"`` (parsed by ``formulaic``), a
detection matrix (sites x occasions, NaN for occasions not surveyed), site covariates and observation
covariates (unmarked's long layout or a dict of site x occasion arrays). Standard errors come from the
exact (analytic) Hessian of the negative log-likelihood, intervals are Wald intervals on the link scale,
and :func:`predict` back-transforms them with the delta method as ``unmarked::predict`` does. Around the
fits: :func:`model_selection` (``unmarked::modSel``), :func:`ranef` (``unmarked::ranef``, conditional
occupancy), :func:`mb_chisq` and :func:`mb_gof_test` (``AICcmodavg::mb.chisq`` and ``mb.gof.test``,
MacKenzie & Bailey 2004), :func:`standardise` and :func:`predict_raster` (psi over a habitat grid),
:func:`response_curve` (psi or p along one covariate).

From a camera-trap study: :func:`occupancy_data` builds the detection history of one species (with the
trap-days of every occasion as an observation covariate) and the standardised habitat covariates of the
stations (:func:`station_covariates`: raster means within a buffer), ready for ``occu(formula, *data)``.

References
----------
MacKenzie, D. I., Nichols, J. D., Lachman, G. B., Droege, S., Royle, J. A. & Langtimm, C. A. (2002).
Estimating site occupancy rates when detection probabilities are less than one. *Ecology* 83,
2248-2255. https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2

Royle, J. A. & Nichols, J. D. (2003). Estimating abundance from repeated presence-absence data or
point counts. *Ecology* 84, 777-790. https://doi.org/10.1890/0012-9658(2003)084[0777:EAFRPA]2.0.CO;2

MacKenzie, D. I. & Bailey, L. L. (2004). Assessing the fit of site-occupancy models. *Journal of
Agricultural, Biological, and Environmental Statistics* 9, 300-318. https://doi.org/10.1198/108571104X3361

Fiske, I. & Chandler, R. (2011). unmarked: An R package for fitting hierarchical models of wildlife
occurrence and abundance. *Journal of Statistical Software* 43(10). https://doi.org/10.18637/jss.v043.i10

Louis, T. A. (1982). Finding the observed information matrix when using the EM algorithm. *Journal of
the Royal Statistical Society B* 44, 226-233. https://doi.org/10.1111/j.2517-6161.1982.tb01203.x
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

__all__ = [
    "DEFAULT_COVARIATES",
    "MBChiSquare",
    "MBGOFTest",
    "OccupancyData",
    "OccupancyDataError",
    "OccupancyError",
    "OccupancyFit",
    "OccupancyFitError",
    "OccupancyWarning",
    "apply_standardisation",
    "mb_chisq",
    "mb_gof_test",
    "model_selection",
    "occu",
    "occu_rn",
    "occupancy_data",
    "occupied_share",
    "predict",
    "predict_raster",
    "ranef",
    "response_curve",
    "standardise",
    "station_covariates",
]

#: Fitted probabilities closer than this to 0 or 1 at every row a parameter acts on mark that
#: parameter as an estimate on the boundary of the parameter space (its MLE is at +-infinity).
BOUNDARY_TOLERANCE = 1e-6
#: Smallest eigenvalue of the Hessian scaled to unit diagonal below which it is called singular.
SINGULAR_TOLERANCE = 1e-10
#: Gradient tolerance of the optimiser (``scipy.optimize.minimize(method="trust-exact")``).
GTOL = 1e-8
#: Default iteration limits of ``method="newton"``: damped Newton, then trust-region Newton.
NEWTON_MAXITER = 200
TRUST_MAXITER = 1000
#: R's ``optim`` default ``maxit`` for BFGS, as unmarked calls it.
R_MAXIT = 100
#: With no detection at any site the likelihood is maximal on the boundary psi * p = 0; the fit
#: reports psi = p = this value (link scale about -20.7) for both, flagged on the boundary.
NO_DETECTION_PROBABILITY = 1e-9
#: A fit that stopped on the boundary counts as converged when the gradient of the nll with
#: respect to the other (free) parameters is below this.
BOUNDARY_GTOL = 1e-6
#: A BFGS fit on the boundary is reported as not converged when Newton's method from the same starts
#: finds a log-likelihood higher by more than this.
BFGS_SHORTFALL_NLL = 1e-3


# --------------------------------------------------------------------------------------------------
# errors and warnings
# --------------------------------------------------------------------------------------------------
class OccupancyError(ValueError):
    """Base class of the errors raised by :mod:`nbtools.occupancy`."""


class OccupancyDataError(OccupancyError):
    """The detection histories or covariates cannot be fitted (says what and where)."""


class OccupancyFitError(OccupancyError):
    """The model cannot be estimated from these data (e.g. a singular Hessian)."""


class OccupancyWarning(UserWarning):
    """Something was dropped, truncated or flagged; the fit records it in ``notes``."""


def _warn(message: str) -> None:
    """Warn at the first caller outside this module (the user's line)."""
    import sys

    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
        level += 1
    warnings.warn(message, OccupancyWarning, stacklevel=level)


def _show(labels: Sequence[Any], limit: int = 8) -> str:
    shown = ", ".join(repr(x) for x in list(labels)[:limit])
    more = len(labels) - limit
    return shown + (f" and {more} more" if more > 0 else "")


# --------------------------------------------------------------------------------------------------
# standardising covariates
# --------------------------------------------------------------------------------------------------
def standardise(
    frame: pd.DataFrame, columns: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Centre and scale numeric covariates by their mean and standard deviation, as R's ``scale()``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Covariates, one column each (site covariates, or observation covariates in the long layout).
    columns : sequence of str, optional
        Columns to scale; default all numeric (non-boolean) columns. Other columns are returned as
        they are.

    Returns
    -------
    scaled : pandas.DataFrame
        A copy of ``frame`` with ``(x - mean) / sd`` in the scaled columns.
    means, sds : pandas.Series
        Mean and standard deviation (``ddof=1``, as R's ``sd``) of each scaled column, indexed by
        column name; keep them to scale new data the same way (:func:`apply_standardisation`,
        :func:`predict_raster`).

    Notes
    -----
    Missing values (NaN) are ignored when computing the mean and SD and stay NaN, as in R's
    ``scale()``. A constant column cannot be scaled and raises :class:`OccupancyDataError`.

    Examples
    --------
    >>> frame = pd.DataFrame({"elev": [100.0, 200.0, 300.0], "habitat": ["a", "b", "a"]})
    >>> scaled, means, sds = standardise(frame)
    >>> scaled["elev"].tolist(), float(means["elev"]), float(sds["elev"])
    ([-1.0, 0.0, 1.0], 200.0, 100.0)
    """
    if columns is None:
        columns = [
            c
            for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        ]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise OccupancyDataError(f"standardise: no column(s) {_show(missing)} in the frame")
    columns = list(columns)
    values = frame[columns].astype(float)
    means = values.mean()
    sds = values.std(ddof=1)
    bad = [c for c in columns if not np.isfinite(sds[c]) or sds[c] == 0]
    if bad:
        raise OccupancyDataError(
            f"standardise: column(s) {_show(bad)} are constant or have fewer than two values, "
            "so they have no standard deviation to scale by"
        )
    scaled = frame.copy()
    scaled[columns] = (values - means) / sds
    return scaled, means.rename("mean"), sds.rename("sd")


def apply_standardisation(frame: pd.DataFrame, means: Mapping[str, float], sds: Mapping[str, float]) -> pd.DataFrame:
    """Scale the columns of ``frame`` named in ``means`` by the given means and SDs.

    Parameters
    ----------
    frame : pandas.DataFrame
        New data (stations, raster cells) with the covariates in their original units.
    means, sds : mapping
        As returned by :func:`standardise` for the data the model was fitted to.

    Returns
    -------
    pandas.DataFrame
        A copy with ``(x - means[c]) / sds[c]`` in each column ``c`` present in both.

    Examples
    --------
    >>> apply_standardisation(pd.DataFrame({"elev": [400.0]}), {"elev": 200.0}, {"elev": 100.0})["elev"].tolist()
    [2.0]
    """
    out = frame.copy()
    for name in means.keys():  # a Series iterates over its values, so ask for the labels
        if name not in sds.keys():
            raise OccupancyDataError(f"apply_standardisation: {name!r} has a mean but no SD")
        if name in out.columns:
            out[name] = (out[name].astype(float) - float(means[name])) / float(sds[name])
    return out


# --------------------------------------------------------------------------------------------------
# formulas
# --------------------------------------------------------------------------------------------------
def _split_formula(formula: str) -> tuple[str, str]:
    """``"~ det ~ state"`` -> (``"det"``, ``"state"``), as unmarked's double right-hand-side formula."""
    if not isinstance(formula, str):
        raise OccupancyDataError(f"formula must be a string like '~ effort ~ forest', not {type(formula).__name__}")
    parts = formula.split("~")
    if len(parts) != 3 or parts[0].strip() or not parts[1].strip() or not parts[2].strip():
        raise OccupancyDataError(
            f"formula {formula!r} is not unmarked's double formula '~ detection ~ state' "
            "(e.g. '~ 1 ~ 1' or '~ effort ~ forest + elevation'): it needs exactly two '~', "
            "each followed by a right-hand side"
        )
    return parts[1].strip(), parts[2].strip()


def _required_variables(rhs: str) -> list[str]:
    from formulaic import Formula

    try:
        names = Formula("~ " + rhs).required_variables
    except Exception as exc:  # formulaic's parse errors
        raise OccupancyDataError(f"cannot parse the formula '~ {rhs}': {exc}") from exc
    return sorted(str(n) for n in names)


def _param_name(prefix: str, column: str) -> str:
    return f"{prefix}({'Int' if column == 'Intercept' else column})"


# --------------------------------------------------------------------------------------------------
# data preparation
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Design:
    """Arrays the likelihood needs, for the sites kept (rows of X) and surveyed occasions (rows of V)."""

    X: np.ndarray  # (n, k) state design
    V: np.ndarray  # (m, q) detection design, one row per surveyed site-occasion, site-major
    y: np.ndarray  # (m,) 0/1 detections
    site: np.ndarray  # (m,) site index into X
    occasion: np.ndarray  # (m,) occasion index
    offsets: np.ndarray  # (n,) first row of each site in V (for np.add.reduceat)
    n_occasions: int
    sites: pd.Index
    occasions: pd.Index
    state_columns: tuple[str, ...]
    det_columns: tuple[str, ...]
    state_spec: Any
    det_spec: Any

    @property
    def n_sites(self) -> int:
        return self.X.shape[0]

    def y_matrix(self, values: np.ndarray | None = None) -> np.ndarray:
        out = np.full((self.n_sites, self.n_occasions), np.nan)
        out[self.site, self.occasion] = self.y if values is None else values
        return out


def _as_y(y: Any) -> tuple[np.ndarray, pd.Index, pd.Index]:
    if isinstance(y, pd.DataFrame):
        sites, occasions = y.index, y.columns
        try:
            values = y.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise OccupancyDataError(f"y must hold 0/1 detections (or counts) and NaN: {exc}") from exc
    else:
        try:
            values = np.asarray(y, dtype=float)
        except (TypeError, ValueError) as exc:
            raise OccupancyDataError(f"y must hold 0/1 detections (or counts) and NaN: {exc}") from exc
        if values.ndim != 2:
            raise OccupancyDataError(f"y must be a sites x occasions matrix; got an array of shape {values.shape}")
        sites, occasions = pd.RangeIndex(values.shape[0]), pd.RangeIndex(values.shape[1])
    if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] == 0:
        raise OccupancyDataError(f"y must be a non-empty sites x occasions matrix; got shape {values.shape}")
    return values.copy(), pd.Index(sites), pd.Index(occasions)


def _as_site_covs(site_covs: Any, n: int, sites: pd.Index) -> pd.DataFrame:
    if site_covs is None:
        return pd.DataFrame(index=pd.RangeIndex(n))
    if isinstance(site_covs, Mapping):
        site_covs = pd.DataFrame({k: np.asarray(v) for k, v in site_covs.items()})
    if not isinstance(site_covs, pd.DataFrame):
        raise OccupancyDataError("site_covs must be a pandas DataFrame (one row per site) or a dict of columns")
    if len(site_covs) != n:
        raise OccupancyDataError(f"site_covs has {len(site_covs)} rows but y has {n} sites (rows)")
    frame = site_covs
    if not isinstance(sites, pd.RangeIndex) and not isinstance(frame.index, pd.RangeIndex):
        if not frame.index.equals(sites):
            if set(frame.index) == set(sites) and frame.index.is_unique:
                frame = frame.loc[sites]
            else:
                raise OccupancyDataError(
                    "site_covs and y have different site labels in their indexes; align them "
                    "(or reset the index of site_covs to match y by position)"
                )
    return frame.reset_index(drop=True)


def _as_obs_covs(obs_covs: Any, n: int, J: int) -> pd.DataFrame:
    """Observation covariates as unmarked's long frame: n * J rows, site-major (row = i * J + j)."""
    if obs_covs is None:
        return pd.DataFrame(index=pd.RangeIndex(n * J))
    if isinstance(obs_covs, pd.DataFrame):
        if len(obs_covs) != n * J:
            raise OccupancyDataError(
                f"obs_covs in the long layout needs one row per site-occasion, site-major: "
                f"{n} sites x {J} occasions = {n * J} rows, but it has {len(obs_covs)}"
            )
        return obs_covs.reset_index(drop=True)
    if isinstance(obs_covs, Mapping):
        columns = {}
        for name, value in obs_covs.items():
            arr = value.to_numpy() if isinstance(value, pd.DataFrame) else np.asarray(value)
            if arr.shape != (n, J):
                raise OccupancyDataError(
                    f"observation covariate {name!r} must be a sites x occasions matrix of shape "
                    f"({n}, {J}) like y; got shape {arr.shape}"
                )
            columns[name] = arr.reshape(-1)
        return pd.DataFrame(columns)
    raise OccupancyDataError(
        "obs_covs must be a DataFrame in unmarked's long layout (site-major) or a dict of sites x occasions matrices"
    )


def _isna(series: pd.Series) -> np.ndarray:
    return series.isna().to_numpy()


def _model_matrix(rhs: str, frame: pd.DataFrame, what: str):
    from formulaic import model_matrix

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", _data_mismatch_warning())
            mm = model_matrix("~ " + rhs, frame, na_action="raise")
    except Exception as exc:
        raise OccupancyDataError(f"cannot build the {what} design matrix from '~ {rhs}': {exc}") from exc
    return mm


def _data_mismatch_warning() -> type[Warning]:
    try:
        from formulaic.errors import DataMismatchWarning

        return DataMismatchWarning
    except ImportError:  # pragma: no cover - older formulaic
        return UserWarning


def _prepare(
    formula: str,
    y: Any,
    site_covs: Any,
    obs_covs: Any,
    na_action: str,
    notes: list[str],
) -> _Design:
    if na_action not in ("raise", "drop"):
        raise OccupancyDataError(f"na_action must be 'raise' or 'drop', not {na_action!r}")
    det_rhs, state_rhs = _split_formula(formula)
    Y, sites, occasions = _as_y(y)
    n_all, J = Y.shape

    observed = ~np.isnan(Y)
    if np.any(np.isinf(Y)):
        i, j = np.argwhere(np.isinf(Y))[0]
        raise OccupancyDataError(f"y is infinite at site {sites[i]!r}, occasion {occasions[j]!r}")
    bad = observed & ((Y < 0) | (Y != np.round(Y)))
    if bad.any():
        cells = [(sites[i], occasions[j]) for i, j in np.argwhere(bad)]
        raise OccupancyDataError(
            f"y must hold 0/1 detections (counts are truncated to 1) or NaN; found negative or "
            f"non-integer values at (site, occasion) {_show(cells, 5)}"
        )
    if (Y[observed] > 1).any():
        k = int((Y[observed] > 1).sum())
        message = f"{k} value(s) of y were > 1 and were truncated to 1 (as unmarked does)"
        notes.append(message)
        _warn(message)
        Y[observed & (Y > 1)] = 1.0

    sc = _as_site_covs(site_covs, n_all, sites)
    oc = _as_obs_covs(obs_covs, n_all, J)
    clash = sorted(set(sc.columns) & set(oc.columns))
    if clash:
        raise OccupancyDataError(f"covariate name(s) {_show(clash)} appear in both site_covs and obs_covs")

    # which variables the formulas use, and where they come from
    state_vars = _required_variables(state_rhs)
    det_vars = _required_variables(det_rhs)
    for var in state_vars:
        if var not in sc.columns:
            where = ""
            if var in oc.columns:
                where = " (it is an observation covariate; the state formula can use site covariates only)"
            raise OccupancyDataError(
                f"variable {var!r} in the state formula '~ {state_rhs}' is not a site covariate{where}; "
                f"site covariates: {_show(list(map(str, sc.columns))) or 'none'}"
            )
    for var in det_vars:
        if var not in sc.columns and var not in oc.columns:
            raise OccupancyDataError(
                f"variable {var!r} in the detection formula '~ {det_rhs}' is neither a site nor an "
                f"observation covariate; site covariates: {_show(list(map(str, sc.columns))) or 'none'}; "
                f"observation covariates: {_show(list(map(str, oc.columns))) or 'none'}"
            )

    # sites without any survey are dropped (unmarked drops them with a warning)
    keep = observed.any(axis=1)
    if not keep.all():
        gone = list(sites[~keep])
        message = f"{len(gone)} site(s) with no surveyed occasion (all NaN) were dropped: {_show(gone)}"
        notes.append(message)
        _warn(message)

    # missing site covariates (state formula, or site covariates used by the detection formula)
    site_vars = [v for v in dict.fromkeys(state_vars + det_vars) if v in sc.columns]
    for var in site_vars:
        missing = _isna(sc[var]) & keep
        if missing.any():
            labels = list(sites[missing])
            if na_action == "raise":
                raise OccupancyDataError(
                    f"site covariate {var!r} is missing (NaN) at {len(labels)} surveyed site(s): "
                    f"{_show(labels)}; fill it in, or pass na_action='drop' to drop those sites as unmarked does"
                )
            message = f"site covariate {var!r} is missing at {len(labels)} site(s), which were dropped: {_show(labels)}"
            notes.append(message)
            _warn(message)
            keep &= ~missing

    # missing observation covariates at surveyed occasions
    obs_vars = [v for v in det_vars if v in oc.columns]
    obs_ok = observed & keep[:, None]
    for var in obs_vars:
        missing = _isna(oc[var]).reshape(n_all, J) & obs_ok
        if missing.any():
            cells = [(sites[i], occasions[j]) for i, j in np.argwhere(missing)]
            if na_action == "raise":
                raise OccupancyDataError(
                    f"observation covariate {var!r} is missing (NaN) at {len(cells)} surveyed "
                    f"site-occasion(s) (site, occasion): {_show(cells, 5)}; fill it in, or pass "
                    "na_action='drop' to drop those occasions as unmarked does"
                )
            message = (
                f"observation covariate {var!r} is missing at {len(cells)} surveyed site-occasion(s), "
                f"which were dropped from the likelihood: {_show(cells, 5)}"
            )
            notes.append(message)
            _warn(message)
            obs_ok &= ~missing
    emptied = keep & ~obs_ok.any(axis=1)
    if emptied.any():
        labels = list(sites[emptied])
        message = (
            f"{len(labels)} site(s) lost all their occasions to missing covariates and were dropped: {_show(labels)}"
        )
        notes.append(message)
        _warn(message)
        keep &= ~emptied
    if not keep.any():
        raise OccupancyDataError("no site is left to fit: every site is unsurveyed or has missing covariates")

    Yk = Y[keep]
    obs_mask = obs_ok[keep]
    # no detection at all is not an error: _fit puts psi and p on the boundary at 0 and says so

    # design matrices
    sc_k = sc.loc[keep].reset_index(drop=True)
    state_mm = _model_matrix(state_rhs, sc_k, "state")
    flat = np.flatnonzero(obs_ok.reshape(-1) & np.repeat(keep, J))  # site-major over the original rows
    site_all = flat // J
    occ = flat % J
    new_index = np.cumsum(keep) - 1
    site = new_index[site_all]
    long = oc.iloc[flat].reset_index(drop=True)
    if any(v in sc.columns for v in det_vars):
        site_part = sc.iloc[site_all][[v for v in det_vars if v in sc.columns]].reset_index(drop=True)
        long = pd.concat([long, site_part], axis=1)
    det_mm = _model_matrix(det_rhs, long, "detection")

    X = np.asarray(state_mm, dtype=float)
    V = np.asarray(det_mm, dtype=float)
    if X.shape[1] == 0 or V.shape[1] == 0:
        raise OccupancyDataError("both formulas need at least one parameter (use '~ 1' for a constant)")
    counts = np.bincount(site, minlength=int(keep.sum()))
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    n_missing = int((~obs_mask).sum())
    if n_missing:
        notes.append(
            f"{n_missing} of {obs_mask.size} site-occasions at the kept sites were not surveyed (NaN) "
            "and left out of the likelihood"
        )
    return _Design(
        X=np.ascontiguousarray(X),
        V=np.ascontiguousarray(V),
        y=Yk[obs_mask].astype(float),
        site=site.astype(np.intp),
        occasion=occ.astype(np.intp),
        offsets=offsets.astype(np.intp),
        n_occasions=J,
        sites=sites[keep],
        occasions=occasions,
        state_columns=tuple(map(str, state_mm.columns)),
        det_columns=tuple(map(str, det_mm.columns)),
        state_spec=state_mm.model_spec,
        det_spec=det_mm.model_spec,
    )


# --------------------------------------------------------------------------------------------------
# likelihood: a mixture over a discrete latent state per site (z in {0, 1} or N in 0..K)
# --------------------------------------------------------------------------------------------------
def _lse_rows(lp: np.ndarray) -> np.ndarray:
    """log(sum(exp(lp), axis=1)) for an (n, S) array that may hold -inf."""
    if lp.shape[1] == 2:
        return np.logaddexp(lp[:, 0], lp[:, 1])
    m = lp.max(axis=1)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return m + np.log(np.exp(lp - m[:, None]).sum(axis=1))


class _Likelihood:
    """Negative log-likelihood, gradient and exact Hessian of occu / occuRN.

    Site ``i`` contributes ``log sum_s pi_s(eta_i) f_s(y_i)``, with ``eta = X beta`` and
    ``f_s(y_i) = prod_j q_s(y_ij; nu_ij)``, ``nu = V alpha``. With ``w_is`` the posterior of the latent
    state, the gradient is ``E_w[complete-data score]`` and the Hessian is
    ``E_w[complete-data Hessian] + Var_w[complete-data score]`` (Louis 1982), both exact.
    """

    def __init__(self, design: _Design, model: str, link: str, K: int | None) -> None:
        self.d = design
        self.model = model
        self.link = link
        self.k = design.X.shape[1]
        self.q = design.V.shape[1]
        self.det_any = np.add.reduceat(design.y, design.offsets) > 0 if design.y.size else np.zeros(0, bool)
        if model == "occu":
            self.states = np.array([0.0, 1.0])
        else:
            self.states = np.arange(int(K) + 1, dtype=float)
            self._lgamma = special.gammaln(self.states + 1.0)
        self.yb = design.y > 0.5

    # -- state process: log pi_s(eta), d/deta, d2/deta2; each (n, S) --
    def state_terms(self, eta: np.ndarray, order: int):
        if self.model == "occu":
            if self.link == "logit":
                lp1 = special.log_expit(eta)
                lp0 = special.log_expit(-eta)
                psi = special.expit(eta)
                one_m = special.expit(-eta)
                logpi = np.column_stack([lp0, lp1])
                if order == 0:
                    return logpi, None, None
                a = np.column_stack([-psi, one_m])
                c = -psi * one_m
                a2 = np.column_stack([c, c])
                return logpi, a, a2
            t = np.exp(np.minimum(eta, 700.0))
            psi = -np.expm1(-t)
            with np.errstate(divide="ignore"):
                lp1 = np.log(psi)
            logpi = np.column_stack([-t, lp1])
            if order == 0:
                return logpi, None, None
            with np.errstate(invalid="ignore", divide="ignore"):
                a1 = np.where(psi > 0, t * np.exp(-t) / psi, 1.0)
                a1_2 = np.where(psi > 0, a1 * (1.0 - t / psi), 0.0)
            a = np.column_stack([-t, a1])
            a2 = np.column_stack([-t, a1_2])
            return logpi, a, a2
        lam = np.exp(np.minimum(eta, 700.0))
        N = self.states
        logpi = eta[:, None] * N[None, :] - lam[:, None] - self._lgamma[None, :]
        if order == 0:
            return logpi, None, None
        a = N[None, :] - lam[:, None]
        a2 = np.broadcast_to(-lam[:, None], logpi.shape)
        return logpi, a, a2

    # -- observation process --------------------------------------------------------------------
    # obs(nu, order) returns log f_s(y_i) (n, S) and, for order >= 1, a function giving the detection
    # part of the gradient for posterior weights w, and for order 2 one giving the Hessian parts.
    def obs(self, nu: np.ndarray, order: int):
        return self._obs_occu(nu, order) if self.model == "occu" else self._obs_rn(nu, order)

    def _obs_occu(self, nu: np.ndarray, order: int):
        d = self.d
        yb = self.yb
        l1 = np.where(yb, special.log_expit(nu), special.log_expit(-nu))
        logf = np.empty((d.n_sites, 2))
        logf[:, 1] = np.add.reduceat(l1, d.offsets)
        logf[:, 0] = np.where(self.det_any, -np.inf, 0.0)
        if order == 0:
            return logf, None, None
        p = special.expit(nu)
        resid = d.y - p

        def grad(w: np.ndarray) -> np.ndarray:
            return w[d.site, 1] * resid

        def hess(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            e_diag = -w[d.site, 1] * p * special.expit(-nu)
            T = np.zeros((d.n_sites, 2, self.q))
            T[:, 1, :] = np.add.reduceat(resid[:, None] * d.V, d.offsets, axis=0)
            return e_diag, T

        return logf, grad, (hess if order >= 2 else None)

    def _obs_rn(self, nu: np.ndarray, order: int):
        # y = 0 rows contribute N log(1 - r): linear in N, so they reduce to per-site sums; only
        # detection rows need the whole N grid.
        d = self.d
        N = self.states
        n = d.n_sites
        log1mr = special.log_expit(-nu)
        y0 = ~self.yb
        logf = np.add.reduceat(np.where(y0, log1mr, 0.0), d.offsets)[:, None] * N[None, :]
        rows1, sites1, offsets1 = self._rn_detection_rows
        Nl1 = log1mr[rows1, None] * N[None, :]
        one_m_u = -np.expm1(Nl1)
        with np.errstate(divide="ignore"):
            logq1 = np.log(one_m_u)
        if rows1.size:
            logf[sites1] += np.add.reduceat(logq1, offsets1, axis=0)
        if order == 0:
            return logf, None, None
        r = special.expit(nu)
        r1 = r[rows1, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            b1 = np.where(N > 0, N * r1 * np.exp(Nl1) / one_m_u, 0.0)

        def grad(w: np.ndarray) -> np.ndarray:
            nbar = w @ N
            g = np.where(y0, -r * nbar[d.site], 0.0)
            g[rows1] = (w[d.site[rows1]] * b1).sum(axis=1)
            return g

        def hess(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            nbar = w @ N
            e_diag = np.where(y0, -r * (1.0 - r) * nbar[d.site], 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                b1_2 = np.where(N > 0, b1 * ((1.0 - r1) - N * r1 / one_m_u), 0.0)
            e_diag[rows1] = (w[d.site[rows1]] * b1_2).sum(axis=1)
            R = np.add.reduceat(np.where(y0, r, 0.0)[:, None] * d.V, d.offsets, axis=0)  # (n, q)
            T = -N[None, :, None] * R[:, None, :]
            if rows1.size:
                T[sites1] += np.add.reduceat(b1[:, :, None] * d.V[rows1, None, :], offsets1, axis=0)
            return e_diag, T

        return logf, grad, (hess if order >= 2 else None)

    @property
    def _rn_detection_rows(self):
        cached = getattr(self, "_rows1", None)
        if cached is None:
            rows1 = np.flatnonzero(self.yb)
            s1 = self.d.site[rows1]
            sites1, first = np.unique(s1, return_index=True)
            cached = (rows1, sites1, first.astype(np.intp))
            self._rows1 = cached
        return cached

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.d.X @ theta[: self.k], self.d.V @ theta[self.k :]

    def site_loglik(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        eta, nu = self.split(theta)
        logpi, _, _ = self.state_terms(eta, 0)
        logf, _, _ = self.obs(nu, 0)
        lp = logpi + logf
        return _lse_rows(lp), lp

    def posterior(self, theta: np.ndarray) -> np.ndarray:
        ll, lp = self.site_loglik(theta)
        with np.errstate(invalid="ignore"):
            return np.exp(lp - ll[:, None])

    def nll_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta, nu = self.split(theta)
        logpi, a, _ = self.state_terms(eta, 1)
        logf, grad_nu, _ = self.obs(nu, 1)
        lp = logpi + logf
        ll = _lse_rows(lp)
        total = float(ll.sum())
        if not np.isfinite(total):
            return np.inf, np.zeros_like(theta)
        w = np.exp(lp - ll[:, None])
        self._cache = (theta.tobytes(), w)
        g_eta = (w * a).sum(axis=1)
        grad = np.concatenate([self.d.X.T @ g_eta, self.d.V.T @ grad_nu(w)])
        return -total, -grad

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Exact Hessian of the negative log-likelihood."""
        d = self.d
        eta, nu = self.split(theta)
        logpi, a, a2 = self.state_terms(eta, 2)
        logf, _, hess_parts = self.obs(nu, 2)
        cached = getattr(self, "_cache", None)
        if cached is not None and cached[0] == theta.tobytes():
            w = cached[1]
        else:
            lp = logpi + logf
            w = np.exp(lp - _lse_rows(lp)[:, None])
        abar = (w * a).sum(axis=1)
        c_eta = (w * a2).sum(axis=1) + (w * a * a).sum(axis=1) - abar**2
        H_bb = d.X.T @ (c_eta[:, None] * d.X)
        e_diag, T = hess_parts(w)  # T: per-site complete-data detection score for each state (n, S, q)
        H_aa = d.V.T @ (e_diag[:, None] * d.V)
        Tbar = np.matmul(w[:, None, :], T)[:, 0, :]
        A = (np.sqrt(w)[:, :, None] * T).reshape(-1, self.q)
        H_aa += A.T @ A - Tbar.T @ Tbar
        cross = np.matmul((w * a)[:, None, :], T)[:, 0, :] - abar[:, None] * Tbar
        H_ba = d.X.T @ cross
        H = np.block([[H_bb, H_ba], [H_ba.T, H_aa]])
        return -0.5 * (H + H.T)

    def probabilities(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-site state probability (psi, or 1 - exp(-lambda)) and per-row detection (p or r)."""
        eta, nu = self.split(theta)
        if self.model == "occu" and self.link == "logit":
            state = special.expit(eta)
        else:
            state = -np.expm1(-np.exp(np.minimum(eta, 700.0)))
        return state, special.expit(nu)


def _newton(lik: _Likelihood, x0: np.ndarray, maxiter: int = NEWTON_MAXITER) -> optimize.OptimizeResult:
    """Damped Newton with the exact Hessian (eigenvalues floored at |lambda|, Armijo backtracking).

    Stops when the gradient norm is below ``GTOL`` or the Newton decrement ``g' H^-1 g`` (twice the
    possible further decrease of the nll) is below 1e-12 at a positive definite Hessian.
    """
    x = np.array(x0, dtype=float)
    f, g = lik.nll_grad(x)
    if not np.isfinite(f):
        return optimize.OptimizeResult(
            x=x, fun=f, jac=g, success=False, nit=0, message="the nll is not finite at the start"
        )
    message, success, it = f"maximum number of iterations ({maxiter}) reached", False, 0
    for it in range(1, maxiter + 1):
        if np.linalg.norm(g) < GTOL:
            message, success = "gradient norm below tolerance", True
            break
        vals, vecs = np.linalg.eigh(lik.hessian(x))
        top = max(float(np.abs(vals).max()), 1e-300)
        floored = np.maximum(np.abs(vals), 1e-12 * top)
        proj = vecs.T @ g
        decrement = float(np.sum(proj**2 / floored))
        if vals.min() > 0 and decrement < 1e-12:
            message, success = f"Newton decrement {decrement:.1e} below 1e-12", True
            break
        step = -(vecs @ (proj / floored))
        norm = float(np.linalg.norm(step))
        if norm > 25.0:  # a cap on the link scale keeps early steps on flat ridges sane
            step *= 25.0 / norm
        slope = float(g @ step)
        t = 1.0
        while True:
            f_new, g_new = lik.nll_grad(x + t * step)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-12:
                break
        if t < 1e-12:
            message = "line search failed (no decrease along the Newton direction)"
            break
        x = x + t * step
        f, g = f_new, g_new
    return optimize.OptimizeResult(x=x, fun=f, jac=g, success=success, nit=it, message=message)


def _optimise(lik: _Likelihood, start: np.ndarray, maxiter: int | None = None) -> optimize.OptimizeResult:
    """Damped Newton, then (if it did not converge) scipy's trust-region Newton from where it stopped.

    ``maxiter`` limits the iterations of each (default :data:`NEWTON_MAXITER` and
    :data:`TRUST_MAXITER`). ``success`` is False, with scipy's or our reason in ``message``, when
    neither met the gradient tolerance.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = _newton(lik, start, NEWTON_MAXITER if maxiter is None else maxiter)
        if res.success:
            return res
        alt = optimize.minimize(
            lik.nll_grad,
            res.x if np.all(np.isfinite(res.x)) and np.isfinite(res.fun) else start,
            jac=True,
            hess=lik.hessian,
            method="trust-exact",
            options={"gtol": GTOL, "maxiter": TRUST_MAXITER if maxiter is None else maxiter},
        )
        if np.isfinite(alt.fun) and (alt.success or not np.isfinite(res.fun) or alt.fun < res.fun):
            alt.nit = int(alt.nit) + int(res.nit)
            if not alt.success:
                alt.message = f"Newton: {res.message}; then trust-region Newton: {alt.message}"
            res = alt
    return res


# R's optim(method = "BFGS") as unmarked calls it: no gradient supplied, so central finite differences
# with ndeps = 1e-3; variable-metric minimiser of Nash (1990, Algorithm 21) with R's defaults
# maxit = 100, reltol = sqrt(machine epsilon); Hessian by optimhess (finite differences of that
# numerical gradient, symmetrised). Written from the documented algorithm so that method="BFGS"
# stops where unmarked stops.
_R_NDEPS = 1e-3
_R_RELTOL = float(np.sqrt(np.finfo(float).eps))


def _r_numgrad(fn, p: np.ndarray) -> np.ndarray:
    x = p.copy()
    df = np.empty_like(p)
    for i in range(p.size):
        x[i] = p[i] + _R_NDEPS
        v1 = fn(x)
        x[i] = p[i] - _R_NDEPS
        v2 = fn(x)
        df[i] = (v1 - v2) / (2 * _R_NDEPS)
        if not np.isfinite(df[i]):
            raise OccupancyFitError(f"non-finite finite-difference gradient [{i + 1}] (as R's optim reports)")
        x[i] = p[i]
    return df


def _r_vmmin(fn, b0: np.ndarray, maxit: int = 100) -> tuple[np.ndarray, float, int, bool]:
    """Nash's variable-metric (BFGS) minimiser with R's line search and stopping rules."""
    stepredn, acctol, reltest = 0.2, 0.0001, 10.0
    b = np.array(b0, dtype=float)
    n = b.size
    f = fn(b)
    if not np.isfinite(f):
        raise OccupancyFitError("the negative log-likelihood is not finite at the starting values")
    fmin = f
    g = _r_numgrad(fn, b)
    gradcount = 1
    it = 1
    ilast = gradcount
    B = np.eye(n)
    while True:
        if ilast == gradcount:
            B = np.eye(n)
        X = b.copy()
        c = g.copy()
        t = np.empty(n)
        gradproj = 0.0
        for i in range(n):
            s = 0.0
            for j in range(n):
                s -= B[i, j] * g[j]
            t[i] = s
            gradproj += s * g[i]
        if gradproj < 0.0:
            steplength = 1.0
            accpoint = False
            while True:
                count = 0
                for i in range(n):
                    b[i] = X[i] + steplength * t[i]
                    if reltest + X[i] == reltest + b[i]:
                        count += 1
                if count < n:
                    f = fn(b)
                    accpoint = bool(np.isfinite(f) and f <= fmin + gradproj * steplength * acctol)
                    if not accpoint:
                        steplength *= stepredn
                if count == n or accpoint:
                    break
            enough = f > -np.inf and abs(f - fmin) > _R_RELTOL * (abs(fmin) + _R_RELTOL)
            if not enough:
                count = n
                fmin = f
            if count < n:
                fmin = f
                g = _r_numgrad(fn, b)
                gradcount += 1
                it += 1
                t = steplength * t
                c = g - c
                D1 = 0.0
                for i in range(n):
                    D1 += t[i] * c[i]
                if D1 > 0:
                    Xs = np.empty(n)
                    D2 = 0.0
                    for i in range(n):
                        s = 0.0
                        for j in range(n):
                            s += B[i, j] * c[j]
                        Xs[i] = s
                        D2 += s * c[i]
                    D2 = 1.0 + D2 / D1
                    for i in range(n):
                        for j in range(i + 1):
                            B[i, j] += (D2 * t[i] * t[j] - Xs[i] * t[j] - t[i] * Xs[j]) / D1
                            B[j, i] = B[i, j]
                else:
                    ilast = gradcount
            else:
                if ilast < gradcount:
                    count = 0
                    ilast = gradcount
        else:
            count = 0
            if ilast == gradcount:
                count = n
            else:
                ilast = gradcount
        if it >= maxit:
            break
        if gradcount - ilast > 2 * n:
            ilast = gradcount
        if count == n and ilast == gradcount:
            break
    return b, float(fmin), it, it < maxit


def _r_optimhess(fn, par: np.ndarray) -> np.ndarray:
    n = par.size
    dpar = par.astype(float).copy()
    H = np.empty((n, n))
    for i in range(n):
        eps = _R_NDEPS
        dpar[i] = dpar[i] + eps
        df1 = _r_numgrad(fn, dpar)
        dpar[i] = dpar[i] - 2 * eps
        df2 = _r_numgrad(fn, dpar)
        H[i, :] = (df1 - df2) / (2 * eps)
        dpar[i] = dpar[i] + eps
    return 0.5 * (H + H.T)


# --------------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class OccupancyFit:
    """A fitted single-season occupancy model (``occu``) or Royle-Nichols model (``occuRN``).

    Attributes
    ----------
    model : {"occu", "occuRN"}
        Which model (the unmarked function it mirrors).
    formula : str
        The double formula ``"~ detection ~ state"``.
    link : str
        Link of the state parameter: ``"logit"`` or ``"cloglog"`` for psi, ``"log"`` for lambda.
        Detection always uses the logit link.
    coef : pandas.Series
        Estimates on the link scale, named as unmarked's ``coef()``: ``psi(Int)``, ``p(effort)``, ...
        (``lam(...)`` for the Royle-Nichols abundance).
    se : pandas.Series
        Standard errors from the inverse of the exact Hessian of the negative log-likelihood;
        NaN only for parameters listed in ``boundary``.
    vcov : pandas.DataFrame
        Variance-covariance matrix (NaN in the rows/columns of boundary parameters).
    n_state : int
        Number of state parameters (the first ``n_state`` entries of ``coef``).
    loglik, nll, aic : float
        Maximised log-likelihood, its negative, and ``AIC = 2 nll + 2 n_params`` (unmarked's ``AIC``).
    n_sites, n_occasions, n_surveys : int
        Sites used, occasions (columns of y), surveyed site-occasions in the likelihood.
    sites, occasions : pandas.Index
        Labels of the sites used and of the occasions.
    dropped_sites : tuple
        Labels of the sites left out (no survey, or missing covariates with ``na_action="drop"``).
    boundary : tuple of str
        Parameters whose MLE is on the boundary (+-infinity on the link scale: every site or survey
        they act on has a fitted probability within 1e-6 of 0 or 1). Their estimate is where the
        optimiser stopped, and their SE is NaN.
    converged : bool
        Whether the optimiser met its tolerance (``method="newton"``: gradient norm 1e-8;
        ``"BFGS"``: R's ``reltol``) within its iteration limit (``maxiter``), or stopped on the
        boundary with the gradient of the free parameters below 1e-6. When False the estimates are
        where the optimiser stopped, not the MLE: a warning and ``notes`` say so, with the reason.
    convergence : str
        Why the optimiser stopped (e.g. ``"gradient norm below tolerance"``, ``"R's optim BFGS
        reached maxit = 100 iterations"``), or why it was not run (no detection at any site).
    iterations : int
        Optimiser iterations.
    K : int or None
        Upper limit of the abundance sum (Royle-Nichols only).
    method : {"newton", "BFGS"}
        How the likelihood was maximised (see :func:`occu`).
    notes : tuple of str
        Everything dropped, truncated or flagged while fitting.
    """

    model: str
    formula: str
    link: str
    coef: pd.Series
    se: pd.Series
    vcov: pd.DataFrame
    n_state: int
    loglik: float
    aic: float
    n_sites: int
    n_occasions: int
    n_surveys: int
    sites: pd.Index
    occasions: pd.Index
    dropped_sites: tuple
    boundary: tuple[str, ...]
    converged: bool
    convergence: str
    iterations: int
    K: int | None
    method: str
    notes: tuple[str, ...]
    _design: _Design = field(repr=False)
    _theta: np.ndarray = field(repr=False)

    @property
    def nll(self) -> float:
        """Negative log-likelihood at the estimates (unmarked's ``negLogLike``)."""
        return -self.loglik

    @property
    def n_params(self) -> int:
        return len(self.coef)

    @property
    def det_formula(self) -> str:
        return "~ " + _split_formula(self.formula)[0]

    @property
    def state_formula(self) -> str:
        return "~ " + _split_formula(self.formula)[1]

    @property
    def state(self) -> pd.Series:
        """State coefficients (psi or lambda, link scale)."""
        return self.coef.iloc[: self.n_state]

    @property
    def det(self) -> pd.Series:
        """Detection coefficients (logit scale)."""
        return self.coef.iloc[self.n_state :]

    def _lik(self) -> _Likelihood:
        return _Likelihood(self._design, self.model, self.link, self.K)

    @property
    def y(self) -> pd.DataFrame:
        """The detection matrix used (sites x occasions, NaN where not surveyed)."""
        return pd.DataFrame(self._design.y_matrix(), index=self.sites, columns=self.occasions)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates table: one row per parameter.

        Columns ``submodel`` (state / det), ``estimate`` and ``SE`` (link scale), ``z``,
        ``P(>|z|)`` (as unmarked's ``summary``), Wald ``lower``/``upper`` at ``level`` and ``boundary``.
        """
        zcrit = stats.norm.ppf(0.5 + level / 2)
        est, se = self.coef, self.se
        z = est / se
        frame = pd.DataFrame(
            {
                "submodel": ["state"] * self.n_state + ["det"] * (self.n_params - self.n_state),
                "estimate": est,
                "SE": se,
                "z": z,
                "P(>|z|)": 2 * stats.norm.sf(np.abs(z)),
                "lower": est - zcrit * se,
                "upper": est + zcrit * se,
                "boundary": [name in self.boundary for name in est.index],
            }
        )
        frame.index.name = "parameter"
        return frame

    def __repr__(self) -> str:
        head = (
            f"OccupancyFit({self.model} {self.formula!r}, link={self.link}, {self.n_sites} sites x "
            f"{self.n_occasions} occasions, {self.n_surveys} surveys)"
        )
        table = self.to_frame()[["estimate", "SE", "z", "P(>|z|)"]].to_string(float_format=lambda v: f"{v:.4g}")
        lines = [head, table, f"AIC: {self.aic:.4f}   log-likelihood: {self.loglik:.4f}   converged: {self.converged}"]
        if not self.converged:
            lines.append(f"NOT CONVERGED ({self.convergence}): the estimates are where the optimiser stopped")
        if self.boundary:
            lines.append(f"boundary estimates (SE not available): {', '.join(self.boundary)}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _boundary_parameters(lik: _Likelihood, theta: np.ndarray) -> list[int]:
    """Indices of parameters whose rows all have fitted probabilities within BOUNDARY_TOLERANCE of 0 or 1.

    For occuRN the state "probability" is 1 - exp(-lambda) and only lambda -> 0 counts: the
    truncation at K keeps lambda finite (a warning says when K binds).
    """
    state, det = lik.probabilities(theta)
    flags: list[int] = []
    eps = BOUNDARY_TOLERANCE
    for block, (M, prob) in enumerate([(lik.d.X, state), (lik.d.V, det)]):
        extreme = prob < eps
        if not (block == 0 and lik.model == "occuRN"):
            extreme |= prob > 1 - eps
        for j in range(M.shape[1]):
            rows = M[:, j] != 0
            if rows.any() and extreme[rows].all():
                flags.append(j if block == 0 else lik.k + j)
    return flags


def _check_identifiable(H: np.ndarray, names: Sequence[str]) -> None:
    if H.size == 0:
        return
    diag = np.diag(H).copy()
    flat = [names[i] for i in np.flatnonzero(~(diag > 0) | ~np.isfinite(diag))]
    if flat:
        raise OccupancyFitError(
            f"the Hessian is singular: the likelihood does not depend on {_show(flat)} (zero curvature); "
            "check for a covariate that is constant or zero at every site/survey it acts on, or a "
            "factor level without data"
        )
    scale = 1.0 / np.sqrt(diag)
    R = H * scale[:, None] * scale[None, :]
    values, vectors = np.linalg.eigh(R)
    if values[0] < SINGULAR_TOLERANCE:
        v = vectors[:, 0]
        involved = np.flatnonzero(np.abs(v) > 0.1)
        combo = " ".join(f"{v[i]:+.2f}*{names[i]}" for i in involved)
        raise OccupancyFitError(
            f"the Hessian is singular (smallest scaled eigenvalue {values[0]:.2e}): parameters "
            f"{_show([names[i] for i in involved])} are not identifiable (the likelihood is flat along "
            f"{combo}); check for collinear covariates, a covariate confounded with the intercept, or "
            "a factor level without data"
        )


def _boundary_message(boundary: Sequence[str]) -> str:
    return (
        f"estimate(s) on the boundary: {', '.join(boundary)} (fitted probabilities within "
        f"{BOUNDARY_TOLERANCE:g} of 0 or 1 wherever they act; the MLE is at +-infinity on the link scale, "
        "the value shown is where the optimiser stopped, and the SE is not available)"
    )


def _no_detection_theta(lik: _Likelihood, names: Sequence[str]) -> np.ndarray:
    """Coefficients giving psi (or P(N > 0)) and p equal to NO_DETECTION_PROBABILITY at every row."""
    eps = NO_DETECTION_PROBABILITY
    state_target = special.logit(eps) if lik.model == "occu" and lik.link == "logit" else np.log(-np.log1p(-eps))
    parts = []
    for M, target, what in ((lik.d.X, state_target, "state"), (lik.d.V, special.logit(eps), "detection")):
        coef = np.linalg.lstsq(M, np.full(M.shape[0], target), rcond=None)[0]
        if not np.allclose(M @ coef, target, rtol=0, atol=1e-6):
            raise OccupancyDataError(
                f"the detection histories have no detection at all ({lik.d.y.size} surveyed site-occasions at "
                f"{lik.d.n_sites} sites, all 0), so psi and p are not identifiable; they would be put on the "
                f"boundary at 0, but the {what} formula has no intercept (no constant in its columns), so no "
                "coefficients give a probability of 0 at every site; add an intercept"
            )
        parts.append(coef)
    return np.concatenate(parts)


def _fit(
    design: _Design,
    model: str,
    link: str,
    K: int | None,
    formula: str,
    starts: Any,
    notes: list[str],
    method: str = "newton",
    maxiter: int | None = None,
) -> OccupancyFit:
    if method not in ("newton", "BFGS"):
        raise OccupancyDataError(
            f"method must be 'newton' (exact MLE) or 'BFGS' (R's optim, as unmarked), not {method!r}"
        )
    if maxiter is not None and (isinstance(maxiter, bool) or int(maxiter) != maxiter or maxiter < 1):
        raise OccupancyDataError(f"maxiter must be a positive integer (or None for the defaults), not {maxiter!r}")
    lik = _Likelihood(design, model, link, K)
    prefix = "psi" if model == "occu" else "lam"
    names = [_param_name(prefix, c) for c in design.state_columns] + [_param_name("p", c) for c in design.det_columns]
    nP = len(names)
    if starts is None:
        start = np.zeros(nP)
    else:
        start = np.asarray(starts, dtype=float).ravel()
        if start.size != nP:
            raise OccupancyDataError(
                f"starts has {start.size} values but the model has {nP} parameters: {', '.join(names)}"
            )
        if not np.all(np.isfinite(start)):
            raise OccupancyDataError("starts must be finite numbers")
    notes = list(notes)
    shortfall = False  # R's optim stopped on a flat boundary short of the maximum (BFGS only)
    if not design.y.any():
        # No detection anywhere: the likelihood prod_i [psi_i prod_j (1 - p_ij) + 1 - psi_i] is maximal
        # (= 1) wherever psi * p = 0, so nothing is estimable. Like all ones (psi = p = 1), the fit is
        # put on the boundary, here at psi = p = 0, and every parameter is flagged.
        theta = _no_detection_theta(lik, names)
        exact = theta
        nll = _nll_only(lik, theta)
        iterations, ok = 0, True
        why = (
            "not optimised: no detection at any site, so the likelihood is maximal (= 1) on the boundary "
            "psi * p = 0"
        )
    elif method == "newton":
        res = _optimise(lik, start, maxiter)
        theta = np.asarray(res.x, dtype=float)
        nll = float(res.fun)
        if not np.isfinite(nll):
            raise OccupancyFitError(f"the optimiser did not find a finite likelihood ({res.message}); try other starts")
        exact = theta
        ok, iterations = bool(res.success), int(getattr(res, "nit", 0))
        why = f"{res.message} (gradient norm {np.linalg.norm(res.jac):.2e} after {iterations} iterations)"
    else:
        maxit = R_MAXIT if maxiter is None else int(maxiter)
        theta, nll, iterations, ok = _r_vmmin(lambda x: _nll_only(lik, x), start, maxit=maxit)
        why = (
            "R's optim BFGS: relative reduction of the nll below reltol"
            if ok
            else f"R's optim BFGS reached maxit = {maxit} iterations (unmarked: convergence code 1)"
        )
        # boundary flags and identifiability are judged at the exact MLE reached from R's stopping point
        exact = np.asarray(_optimise(lik, theta).x, dtype=float)
        if ok and _boundary_parameters(lik, exact):
            # R's optim can run onto a flat boundary (psi -> 1) far from the maximum: check it from the starts
            best = _optimise(lik, start)
            gain = nll - float(best.fun)
            if np.isfinite(best.fun) and gain > BFGS_SHORTFALL_NLL:
                ok, shortfall = False, True
                why = (
                    f"R's optim BFGS stopped on a flat boundary of the likelihood, {gain:.4g} log-likelihood units "
                    f"below the maximum that Newton's method reaches from the same starts (AIC "
                    f"{2 * nll + 2 * nP:.2f} here, {2 * float(best.fun) + 2 * nP:.2f} there)"
                )
    flagged = _boundary_parameters(lik, exact)
    boundary = tuple(names[i] for i in flagged)
    free = np.setdiff1d(np.arange(nP), flagged)
    converged = ok
    if not ok and flagged and method == "newton":
        # stopped on the boundary: converged if the free parameters are at their maximum
        g = lik.nll_grad(exact)[1]
        if free.size == 0 or float(np.abs(g[free]).max()) < BOUNDARY_GTOL:
            converged = True
            why += "; stopped on the boundary with the free parameters at their maximum"
    if not design.y.any():
        message = (
            f"no detection at any site: all {design.y.size} surveyed site-occasions at {design.n_sites} site(s) "
            "are 0, so occupancy and detection are not identifiable (the likelihood is maximal, = 1, wherever "
            f"psi * p = 0); both are put on the boundary at 0. estimate(s) on the boundary: {', '.join(boundary)} "
            f"(the values shown give psi = p = {NO_DETECTION_PROBABILITY:g}; the MLE is at -infinity on the link "
            "scale and the SE is not available)"
        )
        notes.append(message)
        _warn(message)
    else:
        if not converged:
            message = (
                f"the optimiser did not converge: {why}; the estimates are where it stopped, not the maximum "
                "likelihood estimates (refit with other starts, a larger maxiter, or the other method)"
            )
            notes.append(message)
            _warn(message)
        if boundary and not shortfall:  # after a shortfall the MLE is not on the boundary
            message = _boundary_message(boundary)
            notes.append(message)
            _warn(message)

    vcov = np.full((nP, nP), np.nan)
    if free.size:
        H_exact = lik.hessian(exact)
        if converged:
            _check_identifiable(H_exact[np.ix_(free, free)], [names[i] for i in free])
        H = H_exact if method == "newton" else _r_optimhess(lambda x: _nll_only(lik, x), theta)
        try:
            vcov[np.ix_(free, free)] = np.linalg.inv(H[np.ix_(free, free)])
            bad = [names[i] for i in free if not vcov[i, i] > 0]
        except np.linalg.LinAlgError:
            bad = [names[i] for i in free]
        if bad:
            vcov[:] = np.nan
            if converged and method == "newton":  # pragma: no cover - guarded by _check_identifiable
                raise OccupancyFitError(
                    f"the Hessian at the estimates is not positive definite for {_show(bad)} "
                    "(not at a maximum of the likelihood); try other starts"
                )
            if converged:
                # R's optim met reltol on a flat ridge short of the maximum: unmarked would print NaN SEs
                converged = False
                why = (
                    f"R's optim BFGS met reltol where its numerical Hessian (optimhess) is not positive definite "
                    f"for {_show(bad)}, so it stopped short of a maximum of the likelihood"
                )
                message = (
                    f"the optimiser did not converge: {why}; the estimates are where it stopped and the standard "
                    "errors are not available; method='newton' finds the maximum likelihood estimates and their SEs"
                )
            else:
                message = (
                    f"standard errors are not available: the Hessian where the optimiser stopped is not positive "
                    f"definite for {_show(bad)} (the fit did not converge)"
                )
            notes.append(message)
            _warn(message)
    if model == "occuRN":
        lam = np.exp(design.X @ theta[: lik.k])
        tail = float(stats.poisson.sf(K, lam).max())
        if tail > 1e-4:
            message = (
                f"K={K} cuts off up to {tail:.2g} of the Poisson abundance distribution at some sites; "
                "refit with a larger K"
            )
            notes.append(message)
            _warn(message)
    return OccupancyFit(
        model=model,
        formula=formula,
        link=link,
        coef=pd.Series(theta, index=names, name="estimate"),
        se=pd.Series(np.sqrt(np.diag(vcov)), index=names, name="SE"),
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        n_state=lik.k,
        loglik=-nll,
        aic=2 * nll + 2 * nP,
        n_sites=design.n_sites,
        n_occasions=design.n_occasions,
        n_surveys=int(design.y.size),
        sites=design.sites,
        occasions=design.occasions,
        dropped_sites=(),
        boundary=boundary,
        converged=converged,
        convergence=why,
        iterations=iterations,
        K=K,
        method=method,
        notes=tuple(notes),
        _design=design,
        _theta=theta,
    )


def _nll_only(lik: _Likelihood, theta: np.ndarray) -> float:
    ll, _ = lik.site_loglik(theta)
    total = float(ll.sum())
    return -total if np.isfinite(total) else np.inf


def occu(
    formula: str,
    y: pd.DataFrame | np.ndarray,
    site_covs: pd.DataFrame | Mapping[str, Any] | None = None,
    obs_covs: pd.DataFrame | Mapping[str, Any] | None = None,
    link: Literal["logit", "cloglog"] = "logit",
    starts: Sequence[float] | np.ndarray | None = None,
    na_action: Literal["raise", "drop"] = "raise",
    method: Literal["newton", "BFGS"] = "BFGS",
    maxiter: int | None = None,
) -> OccupancyFit:
    """Fit the single-season occupancy model of MacKenzie et al. (2002), as ``unmarked::occu``.

    Parameters
    ----------
    formula : str
        unmarked's double formula ``"~ detection ~ state"``, e.g. ``"~ 1 ~ 1"`` or
        ``"~ effort + Temperature ~ forest + elevation"``, parsed by ``formulaic`` (factors,
        interactions, ``scale(x)``, ``np.log(x)`` ...). The state side may use site covariates; the
        detection side site and observation covariates.
    y : DataFrame or array (sites x occasions)
        Detections: 1 detected, 0 not detected, NaN not surveyed. Counts > 1 are truncated to 1 with a
        warning (as unmarked does). A DataFrame's index gives the site labels used in messages.
    site_covs : DataFrame or dict, optional
        One row per site (in the order of ``y``; if both have non-default indexes they are aligned
        by label).
    obs_covs : DataFrame or dict, optional
        Observation covariates, either in unmarked's long layout (a DataFrame of ``n_sites *
        n_occasions`` rows, site-major: row ``i * J + j`` is site ``i``, occasion ``j``) or a dict
        ``name -> sites x occasions`` array/DataFrame.
    link : {"logit", "cloglog"}
        Link of psi (unmarked's ``linkPsi``); detection always uses the logit link.
    starts : sequence of float, optional
        Starting values, state parameters first (default zeros, as unmarked).
    na_action : {"raise", "drop"}
        A covariate missing (NaN) where the formula needs it raises :class:`OccupancyDataError`
        naming the sites/occasions (default); ``"drop"`` drops those sites (site covariates) or
        site-occasions (observation covariates) with a warning, as unmarked does.
    method : {"BFGS", "newton"}
        ``"BFGS"`` (default) is the path that matches unmarked: R's ``optim(method = "BFGS")``
        exactly as unmarked calls it (finite-difference gradient with step 1e-3, R's line search,
        ``maxit = 100``, ``reltol`` 1.5e-8, Hessian by ``optimhess``), which stops where unmarked
        stops and so reproduces its printed coefficients, SEs, AIC and predictions (the frog
        vignette to 1e-7 relative or better). ``"newton"``: damped Newton with the exact gradient
        and Hessian (trust-region Newton as a fallback), which finds the maximum likelihood
        estimate itself (gradient norm < 1e-8) and takes SEs from the exact Hessian; faster, but
        on flat likelihoods it differs from unmarked's printed digits by as much as R's stopping
        point differs from the MLE (see Notes).
    maxiter : int, optional
        Iteration limit of the optimiser: R's ``maxit`` for ``"BFGS"`` (default 100, as unmarked);
        for ``"newton"`` the limit of the Newton steps and of the trust-region fallback (defaults
        200 and 1000). A fit that reaches it is returned with ``converged=False``, the reason in
        ``convergence`` and a warning; it is not the MLE.

    Returns
    -------
    OccupancyFit

    Raises
    ------
    OccupancyDataError
        Malformed formula or data, or a covariate missing where it is needed
        (``na_action="raise"``).
    OccupancyFitError
        A singular Hessian at a converged fit: a parameter is not identifiable (collinear or
        constant covariates); the message names the parameters.

    Warns
    -----
    OccupancyWarning
        Parameters on the boundary (``boundary``), no detection at any site, an optimiser that
        did not converge (``converged=False``), sites or occasions dropped, counts truncated; each
        is also kept in ``notes``.

    Notes
    -----
    The likelihood of site ``i`` with surveyed occasions ``j`` is
    ``psi_i prod_j p_ij^y_ij (1 - p_ij)^(1 - y_ij) + (1 - psi_i) I(no detection at i)``.
    Sites never surveyed are dropped (with a warning and a note), as unmarked drops them.
    With ``method="newton"`` the likelihood is maximised with the exact gradient and Hessian
    (gradient tolerance 1e-8), so the estimates are the MLE to ~1e-9 relative. R's ``optim``
    stops when an iteration improves the negative log-likelihood by less than ``reltol * |nll|``
    (3.4e-6 for the frog's nll of 228.5): on a flat likelihood that point can differ from the MLE
    in the 3rd significant digit. unmarked's frog vignette ``~ 1 ~ 1``: R stops at psi(Int) 2.95209
    (nll 228.5020793, gradient norm 3.9e-3), the MLE is psi(Int) 2.95739 (nll 228.5020725, 6.8e-6
    lower, gradient norm 2e-7), a difference of 1.8e-3 relative (0.004 SE) in psi(Int) and 8e-3 in
    its SE. So ``method="BFGS"`` (the default) is the one to use to reproduce unmarked's numbers;
    ``"newton"`` is the one to use when the MLE itself matters more than R's digits.

    Standard errors are the square roots of the diagonal of the inverse Hessian. Estimates on the
    boundary (psi or p equal to 0 or 1 everywhere a parameter acts, judged at the exact MLE) are
    flagged in ``boundary`` and in a warning; their SEs are NaN rather than the huge numbers a
    numerical Hessian gives. A history of all ones puts psi and p on the boundary at 1; a history
    with no detection at any site (all zeros) puts both on the boundary at 0, flagged the same way
    (the likelihood is then maximal, = 1, wherever psi * p = 0, so nothing can be estimated; the
    coefficients shown give psi = p = 1e-9, the warning says there was no detection). An optimiser
    that stops before its tolerance (``maxiter``, a failed line search) returns the fit with
    ``converged=False`` and the reason in ``convergence``, ``notes`` and a warning; SEs are given
    only if the Hessian there is positive definite.

    References
    ----------
    MacKenzie, D. I. et al. (2002) *Ecology* 83, 2248-2255.
    https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2 ; R: ``unmarked::occu``.

    Examples
    --------
    >>> y = np.array([[1, 0, 1], [0, 0, 0], [1, 1, np.nan], [0, 1, 0], [0, 0, 0]])
    >>> fit = occu("~ 1 ~ 1", y)
    >>> fit.coef.round(4).to_dict()
    {'psi(Int)': 0.6281, 'p(Int)': 0.2795}
    >>> round(fit.aic, 4)
    20.918
    """
    if link not in ("logit", "cloglog"):
        raise OccupancyDataError(f"link must be 'logit' or 'cloglog' (unmarked's linkPsi), not {link!r}")
    notes: list[str] = []
    design = _prepare(formula, y, site_covs, obs_covs, na_action, notes)
    fit = _fit(design, "occu", link, None, formula, starts, notes, method, maxiter)
    return _with_dropped(fit, y, design)


def occu_rn(
    formula: str,
    y: pd.DataFrame | np.ndarray,
    site_covs: pd.DataFrame | Mapping[str, Any] | None = None,
    obs_covs: pd.DataFrame | Mapping[str, Any] | None = None,
    K: int = 25,
    starts: Sequence[float] | np.ndarray | None = None,
    na_action: Literal["raise", "drop"] = "raise",
    method: Literal["newton", "BFGS"] = "BFGS",
    maxiter: int | None = None,
) -> OccupancyFit:
    """Fit the Royle-Nichols (2003) abundance-induced heterogeneity model, as ``unmarked::occuRN``.

    Parameters
    ----------
    formula : str
        ``"~ detection ~ abundance"``: the state side models ``log(lambda_i)`` (site covariates),
        the detection side ``logit(r_ij)``, the per-animal detection probability.
    y, site_covs, obs_covs, starts, na_action, method, maxiter
        As :func:`occu` (``method="BFGS"``, the default, matches unmarked).
    K : int, default 25
        Upper limit of the sum over abundance (unmarked's default). A warning says when the fitted
        Poisson puts more than 1e-4 of its mass above K.

    Returns
    -------
    OccupancyFit
        With ``model="occuRN"``, ``link="log"``, state coefficients named ``lam(...)``.

    Notes
    -----
    The likelihood of site ``i`` is ``sum_{N=0}^{K} Poisson(N; lambda_i) prod_j
    p_ij(N)^y_ij (1 - p_ij(N))^(1 - y_ij)`` with ``p_ij(N) = 1 - (1 - r_ij)^N``; like unmarked, the
    Poisson is truncated at K without renormalising.

    References
    ----------
    Royle, J. A. & Nichols, J. D. (2003) *Ecology* 84, 777-790.
    https://doi.org/10.1890/0012-9658(2003)084[0777:EAFRPA]2.0.CO;2 ; R: ``unmarked::occuRN``.
    """
    if int(K) != K or K < 1:
        raise OccupancyDataError(f"K must be a positive integer, not {K!r}")
    notes: list[str] = []
    design = _prepare(formula, y, site_covs, obs_covs, na_action, notes)
    fit = _fit(design, "occuRN", "log", int(K), formula, starts, notes, method, maxiter)
    return _with_dropped(fit, y, design)


def _with_dropped(fit: OccupancyFit, y: Any, design: _Design) -> OccupancyFit:
    all_sites = y.index if isinstance(y, pd.DataFrame) else pd.RangeIndex(np.asarray(y).shape[0])
    dropped = tuple(all_sites[~all_sites.isin(design.sites)])
    return dataclasses.replace(fit, dropped_sites=dropped)


# --------------------------------------------------------------------------------------------------
# predictions
# --------------------------------------------------------------------------------------------------
def _design_for(fit: OccupancyFit, type: str, newdata: pd.DataFrame | None) -> tuple[np.ndarray, pd.Index, slice]:
    if type not in ("state", "det"):
        raise OccupancyError(f"type must be 'state' or 'det', not {type!r}")
    d = fit._design
    block = slice(0, fit.n_state) if type == "state" else slice(fit.n_state, fit.n_params)
    if newdata is None:
        if type == "state":
            return d.X, d.sites, block
        index = pd.MultiIndex.from_arrays([d.sites[d.site], d.occasions[d.occasion]], names=["site", "occasion"])
        return d.V, index, block
    if not isinstance(newdata, pd.DataFrame):
        raise OccupancyError("newdata must be a pandas DataFrame")
    spec = d.state_spec if type == "state" else d.det_spec
    rhs = _split_formula(fit.formula)[1 if type == "state" else 0]
    missing = [v for v in _required_variables(rhs) if v not in newdata.columns]
    if missing:
        raise OccupancyDataError(f"newdata lacks the {type} covariate(s) {_show(missing)} used by '~ {rhs}'")
    for var in _required_variables(rhs):
        na = _isna(newdata[var])
        if na.any():
            raise OccupancyDataError(
                f"newdata has missing (NaN) {var!r} in {int(na.sum())} row(s): {_show(list(newdata.index[na]))}"
            )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", _data_mismatch_warning())
            mm = spec.get_model_matrix(newdata, na_action="raise")
    except Exception as exc:
        raise OccupancyDataError(
            f"cannot evaluate '~ {rhs}' on newdata (a factor level not seen when fitting?): {exc}"
        ) from exc
    return np.asarray(mm, dtype=float), newdata.index, block


def _linear_predict(
    fit: OccupancyFit, M: np.ndarray, block: slice, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    beta = fit.coef.to_numpy()[block]
    cov = fit.vcov.to_numpy()[block, block]
    names = fit.coef.index[block]
    bad = np.array([n in fit.boundary for n in names])
    cov0 = np.where(np.isnan(cov), 0.0, cov)
    lp = M @ beta
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", M, cov0, M), 0.0))
    if bad.any():
        se[(M[:, bad] != 0).any(axis=1)] = np.nan
    z = stats.norm.ppf(0.5 + level / 2)
    return lp, se, lp - z * se, lp + z * se, bad


def predict(
    fit: OccupancyFit,
    newdata: pd.DataFrame | None = None,
    type: Literal["state", "det"] = "state",
    level: float = 0.95,
) -> pd.DataFrame:
    """Predicted psi (or lambda) or p with SE and confidence interval, as ``unmarked::predict``.

    Parameters
    ----------
    fit : OccupancyFit
    newdata : DataFrame, optional
        Covariate values to predict at, in the units (and scaling) the model was fitted with; factor
        levels must be among those seen when fitting. Default: the fitted sites (``type="state"``)
        or surveyed site-occasions (``type="det"``).
    type : {"state", "det"}
        ``"state"``: psi (occu) or lambda (occuRN); ``"det"``: p (occu) or r (occuRN).
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``Predicted``, ``SE``, ``lower``, ``upper`` on the response scale, indexed like
        ``newdata`` (or by site / (site, occasion)).

    Notes
    -----
    As unmarked's ``linearComb`` + ``backTransform``: the linear predictor ``x'beta`` has variance
    ``x' V x``; ``Predicted = g^-1(x'beta)`` and ``SE = |dg^-1/d eta| sqrt(x' V x)`` (delta method);
    the interval is the Wald interval on the link scale, back-transformed. Rows that depend on a
    boundary parameter (see ``fit.boundary``) get SE and interval NaN.

    Examples
    --------
    >>> y = np.array([[1, 0, 1], [0, 0, 0], [1, 1, np.nan], [0, 1, 0], [0, 0, 0]])
    >>> fit = occu("~ 1 ~ 1", y)
    >>> predict(fit, pd.DataFrame(index=[0]), type="det").round(4).to_dict("records")
    [{'Predicted': 0.5694, 'SE': 0.2128, 'lower': 0.1944, 'upper': 0.8787}]
    """
    if not 0 < level < 1:
        raise OccupancyError(f"level must be in (0, 1), not {level!r}")
    M, index, block = _design_for(fit, type, newdata)
    lp, se, lo, hi, _ = _linear_predict(fit, M, block, level)
    link = fit.link if type == "state" else "logit"
    est, grad = _inverse_link(link, lp)
    return pd.DataFrame(
        {
            "Predicted": est,
            "SE": np.abs(grad) * se,
            "lower": _inverse_link(link, lo)[0],
            "upper": _inverse_link(link, hi)[0],
        },
        index=index,
    )


def _inverse_link(link: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if link == "logit":
        v = special.expit(x)
        return v, v * special.expit(-x)
    if link == "cloglog":
        t = np.exp(np.minimum(x, 700.0))
        return -np.expm1(-t), t * np.exp(-t)
    v = np.exp(x)
    return v, v


def occupied_share(fit: OccupancyFit, level: float = 0.95) -> pd.Series:
    """Mean psi over the fitted sites: the expected share of them that are occupied, with its interval.

    Parameters
    ----------
    fit : OccupancyFit
        An ``occu`` fit (for ``occuRN``, the share of sites with ``N > 0``: ``1 - exp(-lambda)``).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.Series
        ``Predicted`` (``mean_i psi_i``), ``SE`` (delta method, ``g' V g`` with ``g`` the
        gradient of the mean with respect to the state coefficients), ``lower`` and ``upper`` (a
        Wald interval on the logit scale of the share, back-transformed, so it stays in (0, 1)),
        ``n_sites`` and ``boundary`` (whether a state parameter is on the boundary, in which case
        SE and interval are NaN, as :func:`predict` gives them).

    Notes
    -----
    With covariates on psi, the mean psi over the sites is the model's estimate of the share of
    those sites that are occupied (each site's psi is its probability of being occupied); without
    covariates it is psi itself. It is a statement about the sites surveyed, not about the
    landscape (for a map of psi, see :func:`predict_raster`).

    Examples
    --------
    >>> y = np.array([[1, 0, 1], [0, 0, 0], [1, 1, np.nan], [0, 1, 0], [0, 0, 0]])
    >>> share = occupied_share(occu("~ 1 ~ 1", y))
    >>> round(share["Predicted"], 3), share["lower"] < share["Predicted"] < share["upper"]
    (0.652, True)
    """
    if not 0 < level < 1:
        raise OccupancyError(f"level must be between 0 and 1, not {level!r}")
    X = fit._design.X
    beta = fit.state.to_numpy()
    link = "cloglog" if fit.model == "occuRN" else fit.link  # P(N > 0) = 1 - exp(-exp(eta))
    psi, dpsi = _inverse_link(link, X @ beta)
    share = float(psi.mean())
    grad = dpsi @ X / X.shape[0]
    cov = fit.vcov.to_numpy()[: fit.n_state, : fit.n_state]
    boundary = any(name in fit.boundary for name in fit.state.index)
    se = np.nan if boundary else float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    z = stats.norm.ppf(0.5 + level / 2)
    if np.isfinite(se) and 0 < share < 1:
        half = z * se / (share * (1 - share))
        lower, upper = special.expit(special.logit(share) + np.array([-half, half]))
    else:
        lower = upper = np.nan
    return pd.Series(
        {
            "Predicted": share,
            "SE": se,
            "lower": float(lower),
            "upper": float(upper),
            "n_sites": int(X.shape[0]),
            "boundary": boundary,
        },
        name="share occupied",
        dtype=object,
    )


def predict_raster(
    fit: OccupancyFit,
    habitat_ds: Any,
    standardisation: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    type: Literal["state", "det"] = "state",
    level: float = 0.95,
    *,
    buffer_m: float = 0.0,
    mask: str | Any | None = None,
):
    """Predict psi (or lambda, or p) with its SE and interval over a habitat grid.

    Parameters
    ----------
    fit : OccupancyFit
    habitat_ds : xarray.Dataset
        Habitat rasters as data variables on common dimensions (typically ``("y", "x")`` in
        metres); it must hold every covariate the ``type`` formula uses, in original units.
    standardisation : (means, sds), optional
        The means and SDs returned by :func:`standardise` for the station covariates the model was
        fitted with (``OccupancyData.standardisation``); variables named in ``means`` are scaled
        the same way before predicting.
    type : {"state", "det"}
    level : float, default 0.95
    buffer_m : float, default 0
        Radius (m) of the neighbourhood the station covariates were averaged over
        (:func:`nbtools.habitat.sample_at` with ``buffer_m``, as :func:`occupancy_data` does). Each
        cell's covariate becomes the mean over the cells whose centres lie within ``buffer_m`` of
        its centre (NaN ignored), exactly what ``sample_at`` returns at that cell's centre, so a
        cell is predicted from the same kind of value the model was fitted to. 0 uses the cell.
    mask : str or boolean xarray.DataArray, optional
        Cells to predict: the name of a boolean variable of ``habitat_ds`` (``"land"``,
        ``"in_park"``) or a boolean array on the grid. Cells outside it are NaN. Default: every cell
        whose covariates are not NaN.

    Returns
    -------
    xarray.Dataset
        ``Predicted``, ``SE``, ``lower``, ``upper`` on the grid of the rasters (coordinates kept).
        Cells where a covariate is NaN (no data) or outside ``mask`` are NaN.

    Notes
    -----
    The raster counterpart of unmarked's ``predict(fit, type = "state", newdata = <SpatRaster>)``.
    Predictions far outside the range of the station covariates are extrapolations; masking to the
    surveyed area (``mask="in_park"``) keeps a map honest.

    Examples
    --------
    >>> import xarray as xr
    >>> grid = xr.Dataset({"forest": (("y", "x"), [[0.0, 1.0], [2.0, np.nan]])}, coords={"y": [1, 0], "x": [0, 1]})
    >>> y = np.array([[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 0], [0, 1, 1]])
    >>> fit = occu("~ 1 ~ forest", y, pd.DataFrame({"forest": [0.6, 0.1, 0.9, 0.8, 0.2, 0.5, 0.3, 0.4]}))
    >>> psi = predict_raster(fit, grid)["Predicted"]
    >>> psi.shape, bool(np.isnan(psi.values[1, 1]))
    ((2, 2), True)
    """
    import xarray as xr

    if not isinstance(habitat_ds, xr.Dataset):
        raise OccupancyError("habitat_ds must be an xarray.Dataset of habitat rasters")
    rhs = _split_formula(fit.formula)[1 if type == "state" else 0]
    needed = _required_variables(rhs)
    missing = [v for v in needed if v not in habitat_ds.data_vars]
    if missing:
        raise OccupancyDataError(
            f"the habitat rasters lack {_show(missing)} used by '~ {rhs}'; "
            f"they hold {_show(list(map(str, habitat_ds.data_vars)))}"
        )
    if needed:
        template = habitat_ds[needed[0]]
        for v in needed[1:]:
            if habitat_ds[v].dims != template.dims or habitat_ds[v].shape != template.shape:
                raise OccupancyDataError(
                    f"rasters {needed[0]!r} {template.dims} and {v!r} {habitat_ds[v].dims} are not on the same grid"
                )
    else:  # constant model: predict over the dataset's first variable's grid
        if not habitat_ds.data_vars:
            raise OccupancyDataError("habitat_ds has no data variables to take a grid from")
        template = habitat_ds[next(iter(habitat_ds.data_vars))]
    shape = template.shape
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise OccupancyError(f"buffer_m must be a distance >= 0 in metres, not {buffer_m!r}")
    columns = {}
    for v in needed:
        raster = habitat_ds[v]
        values = raster.values if buffer_m == 0 else _focal_mean(raster.transpose(*template.dims), buffer_m)
        columns[v] = values.reshape(-1)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(template.size))
    if standardisation is not None:
        means, sds = standardisation
        frame = apply_standardisation(frame, means, sds)
    ok = ~frame.isna().any(axis=1).to_numpy() if needed else np.ones(template.size, bool)
    if mask is not None:
        ok &= _raster_mask(habitat_ds, mask, template)
    out = {k: np.full(template.size, np.nan) for k in ("Predicted", "SE", "lower", "upper")}
    if ok.any():
        pred = predict(fit, frame.loc[ok], type=type, level=level)
        for k in out:
            out[k][ok] = pred[k].to_numpy()
    what = ("psi" if fit.model == "occu" else "lambda") if type == "state" else ("p" if fit.model == "occu" else "r")
    coords = {name: coord for name, coord in template.coords.items() if set(coord.dims) <= set(template.dims)}
    ds = xr.Dataset({k: (template.dims, v.reshape(shape)) for k, v in out.items()}, coords=coords)
    ds.attrs.update(
        {"parameter": what, "formula": fit.formula, "model": fit.model, "level": level, "buffer_m": float(buffer_m)}
    )
    return ds


def response_curve(
    fit: OccupancyFit,
    covariate: str,
    values: Sequence[float] | np.ndarray,
    standardisation: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    at: Mapping[str, Any] | None = None,
    type: Literal["state", "det"] = "state",
    level: float = 0.95,
) -> pd.DataFrame:
    """Predicted psi (or p) along one covariate, the others held fixed, with its interval.

    Parameters
    ----------
    fit : OccupancyFit
    covariate : str
        A variable of the ``type`` formula.
    values : array-like
        Values of ``covariate`` in its original units (e.g. ``np.linspace(0, 1, 101)`` for forest
        cover as a fraction, metres for distances).
    standardisation : (means, sds), optional
        As returned by :func:`standardise` (``OccupancyData.standardisation``): variables named in
        it are scaled before predicting, and the other variables of the formula are held at their
        mean (0 after scaling) unless ``at`` says otherwise.
    at : mapping, optional
        Values (original units) at which to hold the other variables of the formula; needed for
        every variable without a stored mean (a factor, or an unscaled covariate).
    type : {"state", "det"}
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``covariate`` (original units), then ``Predicted``, ``SE``, ``lower``, ``upper`` as
        :func:`predict` gives them (delta-method SE, Wald interval on the link scale). ``attrs`` hold
        the ``covariate``, the ``parameter`` (psi, lambda, p or r), the ``formula`` and ``held``
        (the values of the other variables).

    Notes
    -----
    The curve unmarked users draw with ``predict(fit, type = "state", newdata = data.frame(x =
    seq(...), other = mean(other)))`` and ``plotEffects``.

    Examples
    --------
    >>> y = np.array([[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 0], [0, 1, 1]])
    >>> covs = pd.DataFrame({"forest": [0.6, 0.1, 0.9, 0.8, 0.2, 0.5, 0.3, 0.4]})
    >>> scaled, means, sds = standardise(covs)
    >>> fit = occu("~ 1 ~ forest", y, scaled)
    >>> curve = response_curve(fit, "forest", [0.0, 0.5, 1.0], (means, sds))
    >>> curve.round(3).to_dict("list")["Predicted"]
    [0.075, 0.988, 1.0]
    """
    if type not in ("state", "det"):
        raise OccupancyError(f"type must be 'state' or 'det', not {type!r}")
    rhs = _split_formula(fit.formula)[1 if type == "state" else 0]
    needed = _required_variables(rhs)
    if covariate not in needed:
        raise OccupancyDataError(
            f"{covariate!r} is not a variable of the {type} formula '~ {rhs}'; it uses {_show(needed) or 'none'}"
        )
    grid = np.asarray(values, dtype=float).reshape(-1)
    if grid.size == 0 or not np.isfinite(grid).all():
        raise OccupancyDataError(f"values of {covariate!r} must be finite numbers (got {grid.size} values)")
    means, sds = standardisation if standardisation is not None else ({}, {})
    at = dict(at or {})
    held: dict[str, Any] = {}
    for var in needed:
        if var == covariate:
            continue
        if var in at:
            held[var] = at[var]
        elif var in means.keys():
            held[var] = float(means[var])
        else:
            raise OccupancyDataError(
                f"the {type} formula '~ {rhs}' also uses {var!r}, which has no stored mean; "
                f"give the value to hold it at with at={{{var!r}: ...}} (original units)"
            )
    frame = pd.DataFrame({covariate: grid, **{k: [v] * grid.size for k, v in held.items()}})
    scaled = apply_standardisation(frame, means, sds) if standardisation is not None else frame
    pred = predict(fit, scaled, type=type, level=level).reset_index(drop=True)
    out = pd.concat([frame[[covariate]], pred], axis=1)
    model_state = "psi" if fit.model == "occu" else "lambda"
    out.attrs.update(
        {
            "covariate": covariate,
            "parameter": model_state if type == "state" else ("p" if fit.model == "occu" else "r"),
            "formula": fit.formula,
            "held": held,
            "level": level,
        }
    )
    return out


def _focal_mean(data: Any, buffer_m: float) -> np.ndarray:
    """Mean of a ``(y, x)`` raster over a disc of radius ``buffer_m`` around each cell centre.

    The footprint is the set of cells whose centres lie within ``buffer_m`` of the centre (always
    including the centre), cells off the grid and NaN values are ignored: the value
    :func:`nbtools.habitat.sample_at` returns at that cell's centre.
    """
    from scipy import ndimage

    if data.ndim != 2 or len(data.dims) != 2:
        raise OccupancyDataError(f"buffer_m needs 2-D rasters; {data.name!r} has dimensions {data.dims}")
    ydim, xdim = data.dims
    gy = np.asarray(data[ydim].values, dtype=float)
    gx = np.asarray(data[xdim].values, dtype=float)
    if gy.size < 2 or gx.size < 2:
        raise OccupancyDataError("buffer_m needs rasters of at least 2 x 2 cells to know the cell size")
    dy, dx = abs(gy[1] - gy[0]), abs(gx[1] - gx[0])
    reach = int(np.ceil(buffer_m / min(dx, dy)))
    offset = np.arange(-reach, reach + 1)
    oy, ox = np.meshgrid(offset, offset, indexing="ij")
    footprint = np.hypot(oy * dy, ox * dx) <= buffer_m
    footprint[reach, reach] = True
    values = np.asarray(data.values, dtype=float)
    valid = ~np.isnan(values)
    weights = footprint.astype(float)
    total = ndimage.correlate(np.where(valid, values, 0.0), weights, mode="constant", cval=0.0)
    count = ndimage.correlate(valid.astype(float), weights, mode="constant", cval=0.0)
    count = np.rint(count)  # whole numbers of cells
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1.0), np.nan)


def _raster_mask(habitat_ds: Any, mask: Any, template: Any) -> np.ndarray:
    """The cells of ``template`` inside ``mask`` (a variable name or a boolean grid), flattened."""
    if isinstance(mask, str):
        if mask not in habitat_ds.data_vars:
            raise OccupancyDataError(
                f"mask {mask!r} is not a variable of the habitat rasters; they hold "
                f"{_show(list(map(str, habitat_ds.data_vars)))}"
            )
        mask = habitat_ds[mask]
    if hasattr(mask, "dims") and set(mask.dims) == set(template.dims):
        mask = mask.transpose(*template.dims)
    values = np.asarray(getattr(mask, "values", mask))
    if values.shape != template.shape:
        raise OccupancyDataError(f"mask has shape {values.shape} but the rasters have shape {template.shape}")
    if values.dtype != bool:
        if not np.isin(values[~pd.isna(values)], [0, 1]).all():
            raise OccupancyDataError("mask must be boolean (True where to predict)")
        values = np.nan_to_num(values.astype(float)) > 0.5
    return values.reshape(-1)


# --------------------------------------------------------------------------------------------------
# model selection
# --------------------------------------------------------------------------------------------------
def model_selection(fits: Mapping[str, OccupancyFit] | Sequence[OccupancyFit]) -> pd.DataFrame:
    """Rank fitted models by AIC, as ``unmarked::modSel(fitList(...))``.

    Parameters
    ----------
    fits : dict name -> OccupancyFit, or a sequence (named by formula)
        Models fitted to the same detection data.

    Returns
    -------
    pandas.DataFrame
        Indexed by model name, sorted by AIC: ``nPars``, ``AIC``, ``delta`` (AIC - min AIC),
        ``AICwt`` (Akaike weight ``exp(-delta/2) / sum``) and ``cumltvWt`` (cumulative weight).

    Raises
    ------
    OccupancyError
        If the models were fitted to different detection data (AICs would not be comparable).
    """
    if isinstance(fits, Mapping):
        items = list(fits.items())
    else:
        items = [(f.formula, f) for f in fits]
    if not items:
        raise OccupancyError("model_selection needs at least one fit")
    names = [str(k) for k, _ in items]
    if len(set(names)) != len(names):
        raise OccupancyError("model names must be unique; pass a dict name -> fit")
    ref = items[0][1]
    for name, f in items[1:]:
        same = (
            f._design.y.shape == ref._design.y.shape
            and np.array_equal(f._design.y, ref._design.y)
            and np.array_equal(f._design.site, ref._design.site)
            and np.array_equal(f._design.occasion, ref._design.occasion)
        )
        if not same:
            raise OccupancyError(
                f"model {name!r} was fitted to different detection data than {names[0]!r} "
                "(different sites, occasions or detections), so their AICs are not comparable"
            )
    table = pd.DataFrame(
        {"nPars": [f.n_params for _, f in items], "AIC": [f.aic for _, f in items]},
        index=pd.Index(names, name="model"),
    )
    table = table.sort_values("AIC", kind="stable")
    table["delta"] = table["AIC"] - table["AIC"].min()
    w = np.exp(-0.5 * table["delta"])
    table["AICwt"] = w / w.sum()
    table["cumltvWt"] = table["AICwt"].cumsum()
    return table


# --------------------------------------------------------------------------------------------------
# conditional occupancy (empirical Bayes)
# --------------------------------------------------------------------------------------------------
def ranef(fit: OccupancyFit) -> pd.DataFrame:
    """Posterior of the latent state at each site given its detections, as ``unmarked::ranef``.

    Parameters
    ----------
    fit : OccupancyFit

    Returns
    -------
    pandas.DataFrame
        Indexed by site. For ``occu``: ``psi`` (the model's occupancy probability), ``mean``
        (``P(z = 1 | y)``, unmarked's ``bup(ranef(fit))``; 1 at sites with a detection) and ``mode``.
        For ``occuRN``: ``lambda``, ``mean`` (``E[N | y]``), ``mode`` and ``P(N>0|y)``.

    Notes
    -----
    ``P(z = 1 | y_i) = psi_i prod_j (1 - p_ij) / (psi_i prod_j (1 - p_ij) + 1 - psi_i)`` at sites
    without detection. For occuRN the posterior over ``N = 0..K`` is ``Poisson(N; lambda_i)
    P(y_i | N)`` normalised.
    """
    lik = fit._lik()
    w = lik.posterior(fit._theta)
    states = lik.states
    mean = w @ states
    mode = states[np.argmax(w, axis=1)]
    eta = fit._design.X @ fit._theta[: fit.n_state]
    if fit.model == "occu":
        psi = _inverse_link(fit.link, eta)[0]
        return pd.DataFrame({"psi": psi, "mean": mean, "mode": mode.astype(int)}, index=fit.sites)
    return pd.DataFrame(
        {"lambda": np.exp(eta), "mean": mean, "mode": mode.astype(int), "P(N>0|y)": 1.0 - w[:, 0]},
        index=fit.sites,
    )


# --------------------------------------------------------------------------------------------------
# MacKenzie-Bailey goodness of fit
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class MBChiSquare:
    """MacKenzie-Bailey chi-square of one fit (``AICcmodavg::mb.chisq``).

    Attributes
    ----------
    chi_square : float
        ``sum (O - E)^2 / E`` over every possible history of every missing-value cohort
        (unobserved histories contribute their E).
    table : pandas.DataFrame
        One row per observed history: ``cohort`` (the surveyed-occasion pattern, e.g. ``"11."``),
        ``history`` (``"01NA"``-style, as AICcmodavg prints it), ``observed``, ``expected``,
        ``chi_square``.
    """

    chi_square: float
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


@dataclass(frozen=True, eq=False)
class MBGOFTest:
    """MacKenzie-Bailey goodness-of-fit test by parametric bootstrap (``AICcmodavg::mb.gof.test``).

    Attributes
    ----------
    chi_square : float
        Observed statistic.
    t_star : numpy.ndarray
        Statistics of the bootstrap refits (NaN where a refit failed).
    p_value : float
        Share of successful bootstrap statistics >= the observed one.
    c_hat : float
        Overdispersion estimate ``chi_square / mean(t_star)``.
    nsim, n_failed : int
        Bootstrap samples requested, and those whose refit failed (e.g. a simulated data set
        without detections) and are left out of ``p_value`` and ``c_hat``.
    table : pandas.DataFrame
        The observed chi-square table (see :class:`MBChiSquare`).
    """

    chi_square: float
    t_star: np.ndarray
    p_value: float
    c_hat: float
    nsim: int
    n_failed: int
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One-row summary: chi_square, p_value, c_hat, nsim, n_failed."""
        return pd.DataFrame(
            [
                {
                    "chi_square": self.chi_square,
                    "p_value": self.p_value,
                    "c_hat": self.c_hat,
                    "nsim": self.nsim,
                    "n_failed": self.n_failed,
                }
            ]
        )

    def __repr__(self) -> str:
        return (
            f"MBGOFTest(chi_square={self.chi_square:.4f}, p_value={self.p_value:.4f}, c_hat={self.c_hat:.4f}, "
            f"nsim={self.nsim}, n_failed={self.n_failed})"
        )


def _history_probabilities(
    lik: _Likelihood, theta: np.ndarray, H: np.ndarray, site_rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """P(history h at site i) for histories H (h x Jo) over the surveyed columns ``cols``: (h, n_c)."""
    d = lik.d
    eta = d.X[site_rows] @ theta[: lik.k]
    logpi, _, _ = lik.state_terms(eta, 0)  # (n_c, S)
    # detection linear predictors of these sites at these occasions, as an (n_c, Jo) matrix
    pos = np.full((d.n_sites, d.n_occasions), -1, dtype=np.intp)
    pos[d.site, d.occasion] = np.arange(d.site.size)
    rows = pos[np.ix_(site_rows, cols)]
    nu = d.V[rows] @ theta[lik.k :]  # (n_c, Jo)
    if lik.model == "occu":
        l1 = special.log_expit(nu)
        l0 = special.log_expit(-nu)
        logf1 = H @ l1.T + (1 - H) @ l0.T  # (h, n_c)
        none = (H.sum(axis=1) == 0)[:, None]
        return np.exp(logpi[None, :, 1] + logf1) + np.where(none, np.exp(logpi[None, :, 0]), 0.0)
    N = lik.states
    log1mr = special.log_expit(-nu)[:, :, None] * N  # (n_c, Jo, S)
    with np.errstate(divide="ignore"):
        logdet = np.log(-np.expm1(log1mr))
    logdet = np.maximum(logdet, -1e250)  # N = 0 cannot detect: a finite stand-in for log(0) avoids 0 * -inf
    logf = np.einsum("hj,njs->hns", H, logdet) + np.einsum("hj,njs->hns", 1 - H, log1mr)
    return np.exp(special.logsumexp(logf + logpi[None, :, :], axis=2))


def _chisq(lik: _Likelihood, theta: np.ndarray, y: np.ndarray, with_table: bool) -> tuple[float, pd.DataFrame | None]:
    d = lik.d
    Y = d.y_matrix(y)
    surveyed = ~np.isnan(Y)
    patterns, cohort_of = np.unique(surveyed, axis=0, return_inverse=True)
    cohort_of = cohort_of.ravel()
    total, expected_sum = 0.0, 0.0
    rows_out = []
    order = np.argsort([0 if p.all() else 1 for p in patterns], kind="stable")  # complete cohort first, as AICcmodavg
    for c in order:
        pattern = patterns[c]
        sites_c = np.flatnonzero(cohort_of == c)
        cols = np.flatnonzero(pattern)
        Yc = Y[np.ix_(sites_c, cols)]
        H, counts = np.unique(Yc, axis=0, return_counts=True)
        P = _history_probabilities(lik, theta, H, sites_c, cols)
        E = P.sum(axis=1)
        part = (counts - E) ** 2 / E
        total += float(part.sum())
        expected_sum += float(E.sum())
        if with_table:
            for h, o, e, x in zip(H, counts, E, part):
                full = np.full(d.n_occasions, -1)
                full[cols] = h
                rows_out.append(
                    {
                        "cohort": "".join("1" if s else "." for s in pattern),
                        "history": "".join("NA" if v < 0 else str(int(v)) for v in full),
                        "observed": int(o),
                        "expected": float(e),
                        "chi_square": float(x),
                    }
                )
    chi = total + (d.n_sites - expected_sum)
    table = pd.DataFrame(rows_out) if with_table else None
    return chi, table


def mb_chisq(fit: OccupancyFit) -> MBChiSquare:
    """MacKenzie & Bailey's (2004) chi-square of detection-history frequencies, as ``AICcmodavg::mb.chisq``.

    Parameters
    ----------
    fit : OccupancyFit
        An ``occu`` or ``occuRN`` fit.

    Returns
    -------
    MBChiSquare

    Notes
    -----
    Sites are grouped into cohorts by which occasions were surveyed. Within a cohort, the expected
    number of sites with history ``h`` is ``E_h = sum_i P_i(h)`` under the fitted model; the statistic
    is ``sum (O_h - E_h)^2 / E_h`` over the observed histories plus ``n_sites - sum E_h`` (the
    contribution ``sum E`` of every history never observed), as AICcmodavg computes it.

    References
    ----------
    MacKenzie, D. I. & Bailey, L. L. (2004) https://doi.org/10.1198/108571104X3361 ;
    R: ``AICcmodavg::mb.chisq``.
    """
    chi, table = _chisq(fit._lik(), fit._theta, fit._design.y, with_table=True)
    return MBChiSquare(chi_square=chi, table=table)


def _simulate_y(lik: _Likelihood, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Detections simulated from the fitted model at the surveyed site-occasions (unmarked's ``simulate``)."""
    d = lik.d
    eta, nu = lik.split(theta)
    r = special.expit(nu)
    if lik.model == "occu":
        psi = _inverse_link(lik.link, eta)[0]
        z = rng.random(d.n_sites) < psi
        p = r * z[d.site]
    else:
        N = rng.poisson(np.exp(eta))
        p = -np.expm1(N[d.site] * special.log_expit(-nu))
    return (rng.random(d.site.size) < p).astype(float)


def mb_gof_test(
    fit: OccupancyFit,
    nsim: int = 1000,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> MBGOFTest:
    """MacKenzie-Bailey goodness-of-fit test by parametric bootstrap, as ``AICcmodavg::mb.gof.test``.

    Parameters
    ----------
    fit : OccupancyFit
        An ``occu`` or ``occuRN`` fit.
    nsim : int, default 1000
        Bootstrap samples (AICcmodavg's default is 5 "for testing", and it recommends 1000 or more).
    seed : int or numpy.random.Generator, optional
        Randomness; the same seed gives the same result.
    progress : bool, default True
        Show a progress bar (tqdm).

    Returns
    -------
    MBGOFTest
        ``p_value = mean(t_star >= chi_square)``, ``c_hat = chi_square / mean(t_star)``.

    Notes
    -----
    Each bootstrap sample simulates detections from the fitted model at the surveyed
    site-occasions (z ~ Bernoulli(psi), y ~ Bernoulli(z p); or N ~ Poisson(lambda) for occuRN),
    refits the same model starting from the estimates (as ``unmarked::parboot``) and computes
    :func:`mb_chisq`. Refits use the exact Newton optimiser whatever ``fit.method`` was (the
    statistic does not depend on digits beyond R's tolerance). Refits that fail (e.g. no
    detection simulated) are counted in ``n_failed``.

    References
    ----------
    MacKenzie, D. I. & Bailey, L. L. (2004) https://doi.org/10.1198/108571104X3361 ;
    R: ``AICcmodavg::mb.gof.test``, ``unmarked::parboot``.
    """
    from tqdm.auto import tqdm

    if int(nsim) != nsim or nsim < 1:
        raise OccupancyError(f"nsim must be a positive integer, not {nsim!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    lik = fit._lik()
    observed = mb_chisq(fit)
    t_star = np.full(int(nsim), np.nan)
    for b in tqdm(range(int(nsim)), desc="MB GOF bootstrap", disable=not progress):
        ysim = _simulate_y(lik, fit._theta, rng)
        if ysim.sum() == 0:
            continue
        sim_design = dataclasses.replace(fit._design, y=ysim)
        sim_lik = _Likelihood(sim_design, fit.model, fit.link, fit.K)
        res = _optimise(sim_lik, fit._theta.copy())
        if not np.isfinite(res.fun):
            continue
        t_star[b] = _chisq(sim_lik, res.x, ysim, with_table=False)[0]
    ok = np.isfinite(t_star)
    n_failed = int((~ok).sum())
    if n_failed:
        _warn(f"{n_failed} of {nsim} bootstrap refits failed (e.g. no detection simulated) and were left out")
    if not ok.any():
        raise OccupancyFitError("every bootstrap refit failed; the goodness-of-fit test cannot be computed")
    good = t_star[ok]
    return MBGOFTest(
        chi_square=observed.chi_square,
        t_star=t_star,
        p_value=float(np.mean(good >= observed.chi_square)),
        c_hat=float(observed.chi_square / good.mean()),
        nsim=int(nsim),
        n_failed=n_failed,
        table=observed.table,
    )


# --------------------------------------------------------------------------------------------------
# from a camera-trap study to occupancy data
# --------------------------------------------------------------------------------------------------
#: Habitat covariates :func:`occupancy_data` samples by default (variables of the default study's
#: habitat rasters): forest cover (fraction), elevation (m), distance to the nearest road (m) and the
#: prey index (0-1).
DEFAULT_COVARIATES: tuple[str, ...] = ("forest_cover", "elevation", "distance_to_road", "prey_index")


def station_covariates(
    deployments: pd.DataFrame,
    habitat: Any,
    covariates: Sequence[str] = DEFAULT_COVARIATES,
    buffer_m: float = 500.0,
) -> pd.DataFrame:
    """Habitat covariates at camera stations: the mean of each raster within ``buffer_m`` of the station.

    Parameters
    ----------
    deployments : pandas.DataFrame
        Deployments with ``locationID`` and projected ``x``, ``y`` (m, the rasters' CRS), as
        :class:`nbtools.study.Study` holds them. A station's position is the mean of its deployments'.
    habitat : xarray.Dataset
        Habitat rasters on a ``(y, x)`` grid in the same CRS.
    covariates : sequence of str
        Variables of ``habitat`` to sample (default :data:`DEFAULT_COVARIATES`).
    buffer_m : float, default 500
        Radius (m) of the disc averaged around each station (:func:`nbtools.habitat.sample_at`);
        0 takes the cell containing the station.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``locationID`` (sorted): ``x``, ``y`` (m) and one column per covariate in the
        rasters' units. NaN for a station off the grid.

    Examples
    --------
    >>> import xarray as xr
    >>> grid = xr.Dataset({"forest_cover": (("y", "x"), [[0.2, 0.4], [0.6, 0.8]])},
    ...                   coords={"y": [250.0, 0.0], "x": [0.0, 250.0]})
    >>> dep = pd.DataFrame({"locationID": ["A", "B"], "x": [0.0, 250.0], "y": [250.0, 0.0]})
    >>> station_covariates(dep, grid, ["forest_cover"], buffer_m=0)["forest_cover"].tolist()
    [0.2, 0.8]
    """
    from .habitat import sample_at

    missing = [c for c in ("locationID", "x", "y") if c not in deployments.columns]
    if missing:
        raise OccupancyDataError(
            f"deployments lack {_show(missing)}; projected x/y in metres come with nbtools.study.Study"
        )
    absent = [c for c in covariates if c not in habitat.data_vars]
    if absent:
        raise OccupancyDataError(
            f"the habitat rasters have no {_show(absent)}; they hold {_show(list(map(str, habitat.data_vars)))}"
        )
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise OccupancyError(f"buffer_m must be a distance >= 0 in metres, not {buffer_m!r}")
    stations = (
        deployments.groupby("locationID", observed=True)[["x", "y"]].mean().sort_index().astype(float)
    )
    stations.index = stations.index.astype(str)
    stations.index.name = "locationID"
    values = sample_at(habitat, stations["x"], stations["y"], buffer_m=buffer_m, variables=list(covariates))
    return pd.concat([stations, values], axis=1)


@dataclass(frozen=True, eq=False)
class OccupancyData:
    """Detection histories and covariates of one species, ready for :func:`occu` / :func:`occu_rn`.

    Unpacks as ``y, site_covs, obs_covs``, so ``occu("~ effort ~ forest_cover", *data)`` fits it.

    Attributes
    ----------
    species : str
        ``scientificName``.
    y : pandas.DataFrame
        Stations (``locationID``) x occasions (1, 2, ...): 1 detected, 0 not, NaN where no camera
        worked during the occasion.
    site_covs : pandas.DataFrame
        Standardised station covariates (``(x - mean) / sd``), one row per row of ``y``.
    obs_covs : dict of str to pandas.DataFrame
        ``effort``: standardised trap-days per station and occasion (NaN where ``y`` is NaN).
    means, sds : pandas.Series
        Mean and SD (``ddof=1``) of every standardised covariate in original units (``effort`` in
        trap-days, the site covariates in the rasters' units), to scale rasters and new data the
        same way (:func:`predict_raster`, :func:`response_curve`).
    stations : pandas.DataFrame
        Per station: ``x``, ``y`` (m) and the covariates in original units.
    effort : pandas.DataFrame
        Trap-days per station and occasion (original units).
    buffer_m : float
        Radius (m) the station covariates were averaged over; pass it to :func:`predict_raster`.
    history : nbtools.indices.DetectionHistory
        The detection history the data came from (records not counted, occasion start dates).
    settings : dict
        The arguments that made the data.
    notes : tuple of str
        What was dropped or flagged.
    """

    species: str
    y: pd.DataFrame
    site_covs: pd.DataFrame
    obs_covs: dict[str, pd.DataFrame]
    means: pd.Series
    sds: pd.Series
    stations: pd.DataFrame
    effort: pd.DataFrame
    buffer_m: float
    history: Any = field(repr=False)
    settings: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __iter__(self):
        return iter((self.y, self.site_covs, self.obs_covs))

    @property
    def standardisation(self) -> tuple[pd.Series, pd.Series]:
        """``(means, sds)`` of the site covariates, for :func:`predict_raster` and :func:`response_curve`."""
        return self.means, self.sds

    @property
    def covariates(self) -> list[str]:
        """Names of the station covariates."""
        return list(self.site_covs.columns)

    @property
    def naive_occupancy(self) -> float:
        """Share of surveyed stations with at least one detection."""
        surveyed = self.y.notna().any(axis=1)
        return float((self.y[surveyed].max(axis=1) > 0).mean())

    def response_curve(
        self,
        fit: OccupancyFit,
        covariate: str,
        n: int = 101,
        type: Literal["state", "det"] = "state",
        level: float = 0.95,
    ) -> pd.DataFrame:
        """:func:`response_curve` over the range of ``covariate`` at the stations (``n`` values).

        ``effort`` (a detection covariate) spans the range of the trap-days per occasion.
        """
        source = self.effort.stack() if covariate == "effort" else self.stations.get(covariate)
        if source is None:
            raise OccupancyDataError(
                f"no covariate {covariate!r}; these data have {_show(self.covariates)} and 'effort'"
            )
        lo, hi = float(np.nanmin(source)), float(np.nanmax(source))
        return response_curve(fit, covariate, np.linspace(lo, hi, int(n)), self.standardisation, type=type, level=level)

    def __repr__(self) -> str:
        surveyed = int(self.y.notna().any(axis=1).sum())
        return (
            f"OccupancyData({self.species!r}: {self.y.shape[0]} stations ({surveyed} surveyed) x "
            f"{self.y.shape[1]} occasions of {self.settings.get('occasion_length')} days, "
            f"{int(np.nansum(self.y.to_numpy()))} detections, naive occupancy {self.naive_occupancy:.3f}; "
            f"covariates {', '.join(self.covariates) or 'none'} (mean within {self.buffer_m:g} m, standardised) "
            f"and effort)"
        )


def occupancy_data(
    study: Any,
    species: str,
    occasion_length: int = 7,
    covariates: Sequence[str] = DEFAULT_COVARIATES,
    buffer_m: float = 500.0,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    locations: Sequence[str] | None = None,
    threshold: Any = "30min",
    day1: Any = "survey",
    min_active_days: float | None = None,
    habitat: Any = None,
) -> OccupancyData:
    """Detection history, effort and standardised habitat covariates of one species from a study.

    The steps a camtrapR + unmarked user takes (``recordTable`` -> ``cameraOperation`` ->
    ``detectionHistory(includeEffort = TRUE, scaleEffort = TRUE)`` -> ``extract`` of rasters at the
    stations -> ``scale`` -> ``unmarkedFrameOccu``), in one call.

    Parameters
    ----------
    study : nbtools.study.Study
        The study (deployments with ``x``/``y`` in metres, observations, habitat rasters).
    species : str
        ``scientificName`` of the species.
    occasion_length : int, default 7
        Days per occasion.
    covariates : sequence of str
        Habitat rasters to sample at the stations (default :data:`DEFAULT_COVARIATES`: forest
        cover, elevation, distance to road, prey index).
    buffer_m : float, default 500
        Radius (m) of the disc around each station over which the rasters are averaged: a camera
        on a trail samples the animals using its surroundings, not one 250 m cell.
    start, end : date-like, optional
        The season: keep ``[start, end)`` (local dates; :meth:`Study.subset <nbtools.study.Study.subset>`). Occupancy assumes the
        state does not change within the season, so a season is usually a few months, not a year.
    locations : sequence of str, optional
        Stations to keep (default all). Stations without a camera in the season get a row of NaN.
    threshold : str or Timedelta, default "30min"
        Independence threshold of :func:`nbtools.events.independent_events`.
    day1 : {"survey", "station"} or date, default "survey"
        Start of occasion 1 (:func:`nbtools.indices.detection_history`).
    min_active_days : float, optional
        Occasions with fewer trap-days are NaN (camtrapR's ``minActiveDaysPerOccasion``).
    habitat : xarray.Dataset, optional
        Rasters to sample (default ``study.habitat``).

    Returns
    -------
    OccupancyData
        ``y``, ``site_covs`` (standardised), ``obs_covs`` (``{"effort": ...}``, standardised), the
        ``means`` and ``sds`` that scaled them, ``stations`` (positions and raw covariates),
        ``effort`` (trap-days), ``history``. Unpacks as ``y, site_covs, obs_covs``.

    Raises
    ------
    OccupancyDataError
        No habitat rasters, an unknown species or covariate, a species never recorded in the season.

    Notes
    -----
    * Events: independent events per station (``threshold``), cameras of a station pooled. The
      observation level (people's event-level records or the machine's media-level ones) is chosen
      per deployment on all species (:func:`nbtools.events.select_records`), then the species kept.
    * ``y`` is 1 when the species had an event in the occasion, NaN where the station's cameras
      worked on none of its days (camtrapR's ``detectionHistory``); effort is the sum of the daily
      operation (0-1 per day) over the occasion.
    * Covariates are sampled at the mean position of each station's deployments and standardised
      over the stations of ``y``; effort over the surveyed station-occasions (camtrapR's
      ``scaleEffort``). A station whose covariate is NaN (off the rasters) is kept with a warning;
      :func:`occu` then names it.

    References
    ----------
    Niedballa, J. et al. (2016) *Methods in Ecology and Evolution* 7, 1457-1462.
    https://doi.org/10.1111/2041-210X.12600
    MacKenzie, D. I. et al. (2002) *Ecology* 83, 2248-2255.
    https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2
    """
    from .effort import camera_operation
    from .events import independent_events, select_records
    from .indices import detection_history

    habitat = habitat if habitat is not None else getattr(study, "habitat", None)
    if habitat is None:
        raise OccupancyDataError("the study has no habitat rasters; pass habitat=<xarray.Dataset>")
    covariates = list(covariates)
    if len(set(covariates)) != len(covariates):
        raise OccupancyDataError(f"covariates are listed twice: {_show(covariates)}")
    if "effort" in covariates:
        raise OccupancyDataError("'effort' is the observation covariate these data always carry; rename the raster")
    absent = [c for c in covariates if c not in habitat.data_vars]
    if absent:
        raise OccupancyDataError(
            f"the habitat rasters have no {_show(absent)}; they hold {_show(list(map(str, habitat.data_vars)))}"
        )
    observed = set(study.observations["scientificName"].dropna().astype(str))
    if species not in observed:
        raise OccupancyDataError(f"no observation of {species!r} in the study; species seen: {_show(sorted(observed))}")
    notes: list[str] = []
    season = study.subset(start=start, end=end)
    deployments = season.deployments
    if locations is not None:
        locations = [str(loc) for loc in locations]
        unknown = sorted(set(locations) - set(study.deployments["locationID"].astype(str)))
        if unknown:
            raise OccupancyDataError(f"no deployment at location(s) {_show(unknown)}")
        deployments = deployments[deployments["locationID"].astype(str).isin(locations)]
    if deployments.empty:
        raise OccupancyDataError(f"no camera worked between {start} and {end} at the stations asked for")
    # choose the observation level per deployment on all species before keeping one species: a
    # deployment with people's event-level records must not fall back to the machine's media-level
    # guesses just because the people never recorded this species there
    records = select_records(season.observations)
    records = records[
        records["deploymentID"].isin(deployments["deploymentID"]).to_numpy()
        & (records["scientificName"].astype("object") == species).to_numpy()
    ]
    if records.empty:
        raise OccupancyDataError(
            f"{species!r} was not recorded between {start or 'the start'} and {end or 'the end'} at these stations, "
            "so there is no detection history to build: every station would be all zeros, which says nothing "
            "about occupancy or detection (occu on an all-zero y returns psi and p flagged on the boundary at 0)"
        )
    events = independent_events(records, threshold=threshold, deployments=deployments)
    operation = camera_operation(deployments, tz=study.timezone)
    history = detection_history(
        events, operation, species, occasion_length=occasion_length, day1=day1, min_active_days=min_active_days
    )
    y = history.detections.copy()
    effort = history.effort.copy()
    y.index = y.index.astype(str)
    effort.index = effort.index.astype(str)
    y.index.name = effort.index.name = "locationID"
    if locations is not None:
        absent = [loc for loc in locations if loc not in y.index]
        if absent:
            notes.append(f"{len(absent)} station(s) had no camera in the season (rows of NaN): {_show(absent)}")
            _warn(notes[-1])
        y, effort = y.reindex(locations), effort.reindex(locations)

    stations = station_covariates(study.deployments, habitat, covariates, buffer_m).reindex(y.index)
    off = stations[covariates].isna().any(axis=1)
    if off.any():
        notes.append(
            f"{int(off.sum())} station(s) have no covariate value (off the rasters): {_show(list(stations.index[off]))}"
        )
        _warn(notes[-1])
    if covariates:
        scaled, means, sds = standardise(stations[covariates])
    else:
        scaled, means, sds = stations[[]], pd.Series(dtype=float), pd.Series(dtype=float)
    effort_long = pd.DataFrame({"effort": effort.to_numpy().reshape(-1)})
    _, e_mean, e_sd = standardise(effort_long)
    effort_scaled = (effort - e_mean["effort"]) / e_sd["effort"]
    means = pd.concat([means, e_mean]).rename("mean")
    sds = pd.concat([sds, e_sd]).rename("sd")
    return OccupancyData(
        species=species,
        y=y,
        site_covs=scaled,
        obs_covs={"effort": effort_scaled},
        means=means,
        sds=sds,
        stations=stations,
        effort=effort,
        buffer_m=float(buffer_m),
        history=history,
        settings={
            "occasion_length": int(occasion_length),
            "covariates": tuple(covariates),
            "buffer_m": float(buffer_m),
            "start": start,
            "end": end,
            "locations": None if locations is None else tuple(locations),
            "threshold": threshold,
            "day1": day1,
            "min_active_days": min_active_days,
        },
        notes=tuple(notes),
    )
