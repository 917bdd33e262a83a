"""Design matrices of occupancy models: covariate scaling, unmarked's double formula, the data checks.

:func:`standardise` and :func:`apply_standardisation` scale covariates as R's ``scale()``;
:func:`split_formula` and :func:`required_variables` read unmarked's ``"~ detection ~ state"``
(parsed by ``formulaic``); :func:`prepare_design` checks the detection matrix and covariates, drops
what unmarked drops (with a note and a warning) and builds the :class:`Design` arrays the likelihood
(:mod:`nbtools.occupancy.likelihood`) works on.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import OccupancyDataError, show_labels, warn_user


# --------------------------------------------------------------------------------------------------
# standardising covariates
# --------------------------------------------------------------------------------------------------
def standardise(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
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
    >>> import pandas as pd
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
        raise OccupancyDataError(f"standardise: no column(s) {show_labels(missing)} in the frame")
    columns = list(columns)
    values = frame[columns].astype(float)
    means = values.mean()
    sds = values.std(ddof=1)
    bad = [c for c in columns if not np.isfinite(sds[c]) or sds[c] == 0]
    if bad:
        raise OccupancyDataError(
            f"standardise: column(s) {show_labels(bad)} are constant or have fewer than two values, "
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
    >>> import pandas as pd
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
def split_formula(formula: str) -> tuple[str, str]:
    """``"~ det ~ state"`` -> (``"det"``, ``"state"``), as unmarked's double right-hand-side formula.

    Parameters
    ----------
    formula : str
        unmarked's double formula ``"~ detection ~ state"``.

    Returns
    -------
    det, state : str
        The two right-hand sides, stripped.

    Examples
    --------
    >>> from nbtools.occupancy.design import split_formula
    >>> split_formula("~ effort ~ forest + elevation")
    ('effort', 'forest + elevation')
    """
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


def required_variables(rhs: str) -> list[str]:
    """The data variables a right-hand side uses (parsed by ``formulaic``), sorted.

    Parameters
    ----------
    rhs : str
        One side of the double formula, without ``~`` (e.g. ``"scale(forest) + elevation"``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> from nbtools.occupancy.design import required_variables
    >>> required_variables("effort + I(elevation ** 2)")
    ['effort', 'elevation']
    """
    from formulaic import Formula

    try:
        names = Formula("~ " + rhs).required_variables
    except Exception as exc:  # formulaic's parse errors
        raise OccupancyDataError(f"cannot parse the formula '~ {rhs}': {exc}") from exc
    return sorted(str(n) for n in names)


def parameter_name(prefix: str, column: str) -> str:
    """unmarked's name of a coefficient: ``psi(Int)``, ``p(effort)``, ``lam(forest)``.

    Parameters
    ----------
    prefix : str
        ``"psi"``, ``"lam"`` or ``"p"``.
    column : str
        A design-matrix column (``formulaic`` calls the intercept ``"Intercept"``).

    Returns
    -------
    str
    """
    return f"{prefix}({'Int' if column == 'Intercept' else column})"


# --------------------------------------------------------------------------------------------------
# data preparation
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Design:
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
        """Number of sites kept (rows of ``X``)."""
        return self.X.shape[0]

    def y_matrix(self, values: np.ndarray | None = None) -> np.ndarray:
        """The detections (or ``values``, one per surveyed site-occasion) as a sites x occasions matrix, NaN elsewhere."""
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


def is_missing(series: pd.Series) -> np.ndarray:
    """Boolean array, True where ``series`` is missing (NaN, None, NA)."""
    return series.isna().to_numpy()


def _model_matrix(rhs: str, frame: pd.DataFrame, what: str):
    from formulaic import model_matrix

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", data_mismatch_warning())
            mm = model_matrix("~ " + rhs, frame, na_action="raise")
    except Exception as exc:
        raise OccupancyDataError(f"cannot build the {what} design matrix from '~ {rhs}': {exc}") from exc
    return mm


def data_mismatch_warning() -> type[Warning]:
    """``formulaic``'s warning for data that do not match a model spec (turned into an error when used)."""
    try:
        from formulaic.errors import DataMismatchWarning

        return DataMismatchWarning
    except ImportError:  # pragma: no cover - older formulaic
        return UserWarning


def prepare_design(
    formula: str,
    y: Any,
    site_covs: Any,
    obs_covs: Any,
    na_action: str,
    notes: list[str],
) -> Design:
    """Check the data of :func:`~nbtools.occupancy.occu` and build the arrays of its likelihood.

    Parameters
    ----------
    formula : str
        unmarked's double formula ``"~ detection ~ state"``.
    y : DataFrame or array (sites x occasions)
        Detections (1, 0, NaN where not surveyed); counts > 1 are truncated to 1.
    site_covs, obs_covs : DataFrame or dict, optional
        As :func:`~nbtools.occupancy.occu` takes them.
    na_action : {"raise", "drop"}
        What to do with a covariate missing where a formula needs it.
    notes : list of str
        Appended to (in place) with everything dropped or truncated; each is also warned.

    Returns
    -------
    Design
        The kept sites and their surveyed occasions.

    Raises
    ------
    OccupancyDataError
        A malformed formula or data, a missing covariate (``na_action="raise"``) or no site left.
    """
    if na_action not in ("raise", "drop"):
        raise OccupancyDataError(f"na_action must be 'raise' or 'drop', not {na_action!r}")
    det_rhs, state_rhs = split_formula(formula)
    Y, sites, occasions = _as_y(y)
    n_all, J = Y.shape
    observed = ~np.isnan(Y)
    _check_detections(Y, observed, sites, occasions, notes)
    sc = _as_site_covs(site_covs, n_all, sites)
    oc = _as_obs_covs(obs_covs, n_all, J)
    clash = sorted(set(sc.columns) & set(oc.columns))
    if clash:
        raise OccupancyDataError(f"covariate name(s) {show_labels(clash)} appear in both site_covs and obs_covs")
    state_vars, det_vars = _formula_variables(state_rhs, det_rhs, sc, oc)
    keep = _drop_unsurveyed_sites(observed, sites, notes)
    site_vars = [v for v in dict.fromkeys(state_vars + det_vars) if v in sc.columns]
    keep = _drop_missing_site_covariates(keep, sc, site_vars, sites, na_action, notes)
    obs_vars = [v for v in det_vars if v in oc.columns]
    obs_ok = _drop_missing_observation_covariates(
        observed & keep[:, None], oc, obs_vars, sites, occasions, na_action, notes
    )
    keep = _drop_emptied_sites(keep, obs_ok, sites, notes)
    # no detection at all is not an error: the fit puts psi and p on the boundary at 0 and says so
    return _build_design(Y, keep, obs_ok, sites, occasions, sc, oc, state_rhs, det_rhs, det_vars, notes)


def _check_detections(
    Y: np.ndarray, observed: np.ndarray, sites: pd.Index, occasions: pd.Index, notes: list[str]
) -> None:
    """Reject infinite, negative and non-integer detections; truncate counts > 1 to 1 in place (noted)."""
    if np.any(np.isinf(Y)):
        i, j = np.argwhere(np.isinf(Y))[0]
        raise OccupancyDataError(f"y is infinite at site {sites[i]!r}, occasion {occasions[j]!r}")
    bad = observed & ((Y < 0) | (Y != np.round(Y)))
    if bad.any():
        cells = [(sites[i], occasions[j]) for i, j in np.argwhere(bad)]
        raise OccupancyDataError(
            f"y must hold 0/1 detections (counts are truncated to 1) or NaN; found negative or "
            f"non-integer values at (site, occasion) {show_labels(cells, 5)}"
        )
    if (Y[observed] > 1).any():
        k = int((Y[observed] > 1).sum())
        message = f"{k} value(s) of y were > 1 and were truncated to 1 (as unmarked does)"
        notes.append(message)
        warn_user(message)
        Y[observed & (Y > 1)] = 1.0


def _formula_variables(state_rhs: str, det_rhs: str, sc: pd.DataFrame, oc: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The variables of the state and detection formulas, each checked to be a covariate it may use."""
    state_vars = required_variables(state_rhs)
    det_vars = required_variables(det_rhs)
    for var in state_vars:
        if var not in sc.columns:
            where = ""
            if var in oc.columns:
                where = " (it is an observation covariate; the state formula can use site covariates only)"
            raise OccupancyDataError(
                f"variable {var!r} in the state formula '~ {state_rhs}' is not a site covariate{where}; "
                f"site covariates: {show_labels(list(map(str, sc.columns))) or 'none'}"
            )
    for var in det_vars:
        if var not in sc.columns and var not in oc.columns:
            raise OccupancyDataError(
                f"variable {var!r} in the detection formula '~ {det_rhs}' is neither a site nor an "
                f"observation covariate; site covariates: {show_labels(list(map(str, sc.columns))) or 'none'}; "
                f"observation covariates: {show_labels(list(map(str, oc.columns))) or 'none'}"
            )
    return state_vars, det_vars


def _drop_unsurveyed_sites(observed: np.ndarray, sites: pd.Index, notes: list[str]) -> np.ndarray:
    """Sites with at least one surveyed occasion; the others are dropped (unmarked drops them with a warning)."""
    keep = observed.any(axis=1)
    if not keep.all():
        gone = list(sites[~keep])
        message = f"{len(gone)} site(s) with no surveyed occasion (all NaN) were dropped: {show_labels(gone)}"
        notes.append(message)
        warn_user(message)
    return keep


def _drop_missing_site_covariates(
    keep: np.ndarray, sc: pd.DataFrame, site_vars: Sequence[str], sites: pd.Index, na_action: str, notes: list[str]
) -> np.ndarray:
    """Raise on, or drop, surveyed sites missing a site covariate of either formula."""
    for var in site_vars:
        missing = is_missing(sc[var]) & keep
        if missing.any():
            labels = list(sites[missing])
            if na_action == "raise":
                raise OccupancyDataError(
                    f"site covariate {var!r} is missing (NaN) at {len(labels)} surveyed site(s): "
                    f"{show_labels(labels)}; fill it in, or pass na_action='drop' to drop those sites as unmarked does"
                )
            message = (
                f"site covariate {var!r} is missing at {len(labels)} site(s), which were dropped: {show_labels(labels)}"
            )
            notes.append(message)
            warn_user(message)
            keep &= ~missing
    return keep


def _drop_missing_observation_covariates(
    obs_ok: np.ndarray,
    oc: pd.DataFrame,
    obs_vars: Sequence[str],
    sites: pd.Index,
    occasions: pd.Index,
    na_action: str,
    notes: list[str],
) -> np.ndarray:
    """Raise on, or leave out, surveyed site-occasions (``obs_ok``) missing an observation covariate."""
    n_all, J = obs_ok.shape
    for var in obs_vars:
        missing = is_missing(oc[var]).reshape(n_all, J) & obs_ok
        if missing.any():
            cells = [(sites[i], occasions[j]) for i, j in np.argwhere(missing)]
            if na_action == "raise":
                raise OccupancyDataError(
                    f"observation covariate {var!r} is missing (NaN) at {len(cells)} surveyed "
                    f"site-occasion(s) (site, occasion): {show_labels(cells, 5)}; fill it in, or pass "
                    "na_action='drop' to drop those occasions as unmarked does"
                )
            message = (
                f"observation covariate {var!r} is missing at {len(cells)} surveyed site-occasion(s), "
                f"which were dropped from the likelihood: {show_labels(cells, 5)}"
            )
            notes.append(message)
            warn_user(message)
            obs_ok &= ~missing
    return obs_ok


def _drop_emptied_sites(keep: np.ndarray, obs_ok: np.ndarray, sites: pd.Index, notes: list[str]) -> np.ndarray:
    """Drop the sites that lost every occasion to missing covariates; raise if no site is left."""
    emptied = keep & ~obs_ok.any(axis=1)
    if emptied.any():
        labels = list(sites[emptied])
        message = f"{len(labels)} site(s) lost all their occasions to missing covariates and were dropped: {show_labels(labels)}"
        notes.append(message)
        warn_user(message)
        keep &= ~emptied
    if not keep.any():
        raise OccupancyDataError("no site is left to fit: every site is unsurveyed or has missing covariates")
    return keep


def _build_design(
    Y: np.ndarray,
    keep: np.ndarray,
    obs_ok: np.ndarray,
    sites: pd.Index,
    occasions: pd.Index,
    sc: pd.DataFrame,
    oc: pd.DataFrame,
    state_rhs: str,
    det_rhs: str,
    det_vars: Sequence[str],
    notes: list[str],
) -> Design:
    """The state and detection design matrices of the kept sites and surveyed site-occasions."""
    J = Y.shape[1]
    Yk = Y[keep]
    obs_mask = obs_ok[keep]
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
    return Design(
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
