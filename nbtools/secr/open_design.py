"""Design matrices of the open-population models (openCR's ``openCR.design``).

Each real parameter has a model formula in the variables openCR provides:

* ``session`` -- a factor with one level per primary session (treatment contrasts, the first
  valid session is the reference); ``t`` is a synonym;
* ``Session`` -- the primary session number 0, 1, ..., J - 1 (a log-linear or logit-linear trend);
* ``tt`` -- a factor with one level per secondary occasion (detection only);
* any individual covariate of the history (e.g. ``sex``; text columns are factors).

Detection ``p`` is evaluated per animal and secondary occasion; survival ``phi`` and the
recruitment parameters (``lambda``, ``f``) per animal and primary session. As openCR does, the
levels of ``session`` that a parameter cannot have are merged into its first valid level
(openCR's ``getvalidlevels``/``adjustlevels``): survival and recruitment of the last
session, and detection in the first session of a CJS model (animals are conditioned on
their first capture there). Coefficients are named as openCR names them: ``phi``,
``phi.sexM``, ``p.session3``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import formulaic
import numpy as np
import pandas as pd

from .open_histories import OpenCaptureHistory

__all__ = ["OpenDesign", "parameter_design"]

#: Variables that openCR builds automatically for every model.
AUTOMATIC_VARIABLES = ("session", "t", "Session", "tt")

#: Link function of each real parameter (openCR's defaults).
LINKS = {"p": "logit", "phi": "logit", "lambda": "log", "f": "log", "lambda0": "log", "sigma": "log"}


@dataclass(frozen=True)
class OpenDesign:
    """Design of one real parameter over its rows (animal x occasion or animal x session).

    Attributes
    ----------
    parameter : str
        Real parameter (``p``, ``phi``, ``lambda``, ``f``, ``lambda0``, ``sigma``).
    formula : str
    names : list of str
        Coefficient names (openCR's).
    matrix : numpy.ndarray, shape (n * T, k)
        Design matrix; rows animal-major (animal i, time t at row i * T + t).
    shape : tuple of int
        (n, T): animals and secondary occasions (``p``) or primary sessions (others).
    frame : pandas.DataFrame
        The variables of the formula on the rows of ``matrix`` (for prediction tables).
    """

    parameter: str
    formula: str
    names: list[str]
    matrix: np.ndarray
    shape: tuple[int, int]
    frame: pd.DataFrame

    @property
    def link(self) -> str:
        """Link function: ``logit`` for probabilities, ``log`` for rates and scales."""
        return LINKS[self.parameter]

    def linear_predictor(self, beta: np.ndarray) -> np.ndarray:
        """Link-scale values, shape (n, T)."""
        return (self.matrix @ beta).reshape(self.shape)


def _opencr_name(column: str) -> str:
    """formulaic's ``sex[T.M]`` as R's ``sexM``."""
    return re.sub(r"\[T\.(.*?)\]", r"\1", column)


def _is_constant(formula: str) -> bool:
    return formula.replace(" ", "") in ("~1", "1", "")


def _variables(formula: str, available: list[str]) -> list[str]:
    tokens = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", formula))
    return [v for v in available if v in tokens]


def _session_factor(levels: np.ndarray, labels: list[str], invalid: list[int]) -> pd.Categorical:
    """openCR's ``adjustlevels``: sessions a parameter cannot have take the first valid level."""
    valid = [j for j in range(len(labels)) if j not in invalid]
    if not valid:
        raise ValueError("no primary session is valid for this parameter")
    mapped = np.where(np.isin(levels, invalid), valid[0], levels)
    return pd.Categorical([labels[j] for j in mapped], categories=[labels[j] for j in valid])


def parameter_design(
    history: OpenCaptureHistory, parameter: str, formula: str, invalid_sessions: list[int]
) -> OpenDesign:
    """Build the design of one real parameter.

    Parameters
    ----------
    history : OpenCaptureHistory
    parameter : str
        ``p`` and ``lambda0``/``sigma`` vary by secondary occasion, the others by primary session.
    formula : str
        Model formula, e.g. ``"~1"``, ``"~ sex"``, ``"~ session"``, ``"~ Session"``.
    invalid_sessions : list of int
        Primary sessions (0-based) in which the parameter is not identifiable; their
        ``session`` level is merged into the first valid one.

    Returns
    -------
    OpenDesign
    """
    if parameter not in LINKS:
        raise ValueError(f"unknown parameter {parameter!r}; expected one of {sorted(LINKS)}")
    text = formula.strip()
    if not text.startswith("~"):
        text = "~ " + text
    secondary = parameter in ("p", "lambda0", "sigma")
    n, J = history.n, history.nsessions
    times = history.noccasions if secondary else J
    shape = (n, times)
    covs = list(history.covariates.columns)
    used = _variables(text, [*AUTOMATIC_VARIABLES, *covs])
    if _is_constant(text):
        frame = pd.DataFrame(index=pd.RangeIndex(n * times))
        return OpenDesign(parameter, "~1", [parameter], np.ones((n * times, 1)), shape, frame)
    if "tt" in used and not secondary:
        raise ValueError(f"{parameter}: 'tt' (secondary occasion) applies to detection parameters only")
    session_of_time = history.primary if secondary else np.arange(J)
    sessions = np.tile(session_of_time, n)
    labels = [str(j + 1) for j in range(J)]  # openCR numbers the primary sessions of a joined history
    frame = pd.DataFrame(index=pd.RangeIndex(n * times))
    for name in ("session", "t"):
        if name in used:
            frame[name] = _session_factor(sessions, labels, invalid_sessions)
    if "Session" in used:
        frame["Session"] = sessions.astype(float)
    if "tt" in used:
        frame["tt"] = pd.Categorical(
            np.tile(np.arange(1, times + 1), n).astype(str), categories=[str(s) for s in range(1, times + 1)]
        )
    for name in covs:
        if name in used:
            values = history.covariates[name]
            if values.isna().any():
                bad = list(values.index[values.isna()][:10])
                raise ValueError(f"individual covariate {name!r} is missing for animals {bad}")
            column = np.repeat(values.to_numpy(), times)
            if values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype | pd.StringDtype):
                levels = sorted(pd.unique(values.astype(str)))
                column = pd.Categorical(column.astype(str), categories=levels)
            frame[name] = column
    unknown = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", text)) - set(used) - {"C", "I", "np", "log", "exp", "poly"}
    if unknown:
        raise ValueError(
            f"{parameter} formula {formula!r} uses {sorted(unknown)}: not an individual covariate "
            f"({covs}) nor one of openCR's variables {list(AUTOMATIC_VARIABLES)}"
        )
    try:
        mm = formulaic.model_matrix(text, frame, na_action="raise")
    except Exception as err:  # formulaic raises several types
        raise ValueError(f"cannot build the {parameter} formula {formula!r}: {err}") from err
    matrix = np.asarray(mm, dtype=float)
    if np.linalg.matrix_rank(matrix) < matrix.shape[1]:
        raise ValueError(f"the {parameter} formula {formula!r} has confounded (rank-deficient) columns")
    names = [parameter if c == "Intercept" else f"{parameter}.{_opencr_name(c)}" for c in mm.columns]
    return OpenDesign(parameter, text, names, matrix, shape, frame[used])
