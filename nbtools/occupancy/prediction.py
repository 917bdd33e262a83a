"""Predictions of a fitted occupancy model: psi, lambda or p with delta-method SEs, as ``unmarked::predict``.

:func:`predict` at the fitted sites or new covariate values, :func:`occupied_share` (mean psi over
the sites, with its interval) and :func:`response_curve` (psi or p along one covariate, the others
held fixed). Maps over habitat rasters are in :mod:`nbtools.occupancy.rasters`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from .design import apply_standardisation, data_mismatch_warning, is_missing, required_variables, split_formula
from .errors import OccupancyDataError, OccupancyError, show_labels
from .likelihood import inverse_link
from .result import OccupancyFit


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
    rhs = split_formula(fit.formula)[1 if type == "state" else 0]
    missing = [v for v in required_variables(rhs) if v not in newdata.columns]
    if missing:
        raise OccupancyDataError(f"newdata lacks the {type} covariate(s) {show_labels(missing)} used by '~ {rhs}'")
    for var in required_variables(rhs):
        na = is_missing(newdata[var])
        if na.any():
            raise OccupancyDataError(
                f"newdata has missing (NaN) {var!r} in {int(na.sum())} row(s): {show_labels(list(newdata.index[na]))}"
            )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", data_mismatch_warning())
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
    >>> import numpy as np
    >>> import pandas as pd
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
    est, grad = inverse_link(link, lp)
    return pd.DataFrame(
        {
            "Predicted": est,
            "SE": np.abs(grad) * se,
            "lower": inverse_link(link, lo)[0],
            "upper": inverse_link(link, hi)[0],
        },
        index=index,
    )


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
    >>> import numpy as np
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
    psi, dpsi = inverse_link(link, X @ beta)
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
    >>> import numpy as np
    >>> import pandas as pd
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
    rhs = split_formula(fit.formula)[1 if type == "state" else 0]
    needed = required_variables(rhs)
    if covariate not in needed:
        raise OccupancyDataError(
            f"{covariate!r} is not a variable of the {type} formula '~ {rhs}'; it uses {show_labels(needed) or 'none'}"
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
