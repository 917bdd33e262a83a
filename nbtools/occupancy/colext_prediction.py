"""Predictions of a colext fit with delta-method intervals (unmarked's ``predict`` for ``unmarkedFitColExt``)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from .colext import ColextFit
from .errors import OccupancyDataError, show_labels

#: The four sub-models: unmarked's ``type`` names and the submodel prefixes of the coefficients.
SUBMODELS: dict[str, str] = {"psi": "psi", "col": "col", "ext": "ext", "det": "p"}


def _fitted_rows(fit: ColextFit, type: str) -> tuple[np.ndarray, pd.Index]:
    """The design rows of the fitted sites for ``type``, with their labels."""
    d = fit.design
    sites, seasons = d.sites, d.seasons
    if type == "psi":
        return d.X_psi, pd.Index(sites, name="site")
    if type in ("col", "ext"):
        X = d.X_col if type == "col" else d.X_ext
        index = pd.MultiIndex.from_product([sites, seasons[:-1]], names=["site", "season"])
        return X.reshape(-1, X.shape[-1]), index
    J = d.y.shape[2]
    index = pd.MultiIndex.from_product([sites, seasons, range(1, J + 1)], names=["site", "season", "occasion"])
    return d.X_det.reshape(-1, d.X_det.shape[-1]), index


def predict_colext(
    fit: ColextFit,
    type: Literal["psi", "col", "ext", "det"],
    newdata: pd.DataFrame | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Predicted initial occupancy, colonisation, extinction or detection with delta-method intervals.

    Parameters
    ----------
    fit : ColextFit
    type : {"psi", "col", "ext", "det"}
        The sub-model (unmarked's names).
    newdata : pandas.DataFrame, optional
        Covariate values, one row per prediction (e.g. ``pd.DataFrame({"year": ["1999", "2000"]})``
        for ``gamma="~ year - 1"``). Factor levels and transforms are those of the fit. Default:
        every fitted site (and season, and occasion for ``"det"``; seasons but the last for
        ``"col"``/``"ext"``).
    level : float, default 0.95
        Coverage of the interval.

    Returns
    -------
    pandas.DataFrame
        ``Predicted``, ``SE``, ``lower``, ``upper`` (unmarked's columns): the probability, its
        delta-method SE, and the Wald interval of the linear predictor back-transformed.

    Raises
    ------
    OccupancyDataError
        An unknown type, or ``newdata`` without a covariate the sub-model uses.

    Examples
    --------
    >>> import numpy as np
    >>> from nbtools.occupancy import colext, multi_season_data, predict_colext
    >>> rng = np.random.default_rng(1)
    >>> z = rng.random(200) < 0.4
    >>> y = np.concatenate([(rng.random((200, 3)) < 0.5 * z[:, None]) for _ in range(2)], axis=1)
    >>> fit = colext(multi_season_data(y.astype(float), n_seasons=2))
    >>> predict_colext(fit, "col").shape  # one row per site and season but the last
    (200, 4)
    """
    if type not in SUBMODELS:
        raise OccupancyDataError(f"type must be one of {show_labels(list(SUBMODELS))}, not {type!r}")
    prefix = SUBMODELS[type]
    names = [n for n in fit.coef.index if n.split("(", 1)[0] == prefix]
    beta = fit.coef[names].to_numpy()
    V = fit.vcov.loc[names, names].to_numpy()
    if newdata is None:
        X, index = _fitted_rows(fit, type)
    else:
        spec = fit.design.specs[type]
        needed = sorted(str(v) for v in spec.required_variables)
        missing = [v for v in needed if v not in newdata.columns]
        if missing:
            raise OccupancyDataError(f"newdata lacks {show_labels(missing)}, used by the {type} formula")
        try:
            X = np.asarray(spec.get_model_matrix(newdata, na_action="ignore"), dtype=float)
        except Exception as exc:  # formulaic: a factor level the fit never saw
            raise OccupancyDataError(f"cannot build the {type} design matrix for newdata: {exc}") from exc
        index = newdata.index
    eta = X @ beta
    se_eta = np.sqrt(np.einsum("ij,jk,ik->i", X, V, X))
    z = stats.norm.ppf(0.5 + level / 2)
    prob = special.expit(eta)
    return pd.DataFrame(
        {
            "Predicted": prob,
            "SE": prob * (1 - prob) * se_eta,
            "lower": special.expit(eta - z * se_eta),
            "upper": special.expit(eta + z * se_eta),
        },
        index=index,
    )
