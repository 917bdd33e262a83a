"""Shared constants and input checks of the activity package (times in radians, estimators, seeds)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

# ---------------------------------------------------------------------------------------------------------
# constants
# ---------------------------------------------------------------------------------------------------------

TWO_PI = 2.0 * math.pi
#: R's default tolerance for ``uniroot`` and ``optimise``: ``.Machine$double.eps^0.25``.
_R_TOL = float(np.finfo(float).eps ** 0.25)
_EPS = float(np.finfo(float).eps)
_ESTIMATORS = ("dhat1", "dhat4", "dhat5")
#: Default ``adjust`` of each estimator, as ``overlap::overlapEst`` and ``overlap::bootstrap``.
_DEFAULT_ADJUST = {"dhat1": 0.8, "dhat4": 1.0, "dhat5": 4.0}
#: Fourier terms with I_p/I_0 below this are dropped (relative size of the dropped tail).
_RHO_CUTOFF = 1e-18
#: The most Fourier terms a kernel density series uses.
_MAX_TERMS = 4096

Estimator = Literal["dhat1", "dhat4", "dhat5"]


# ---------------------------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------------------------


def _as_radians(x: ArrayLike, name: str, min_distinct: int = 2) -> NDArray[np.float64]:
    """1-D float array of times in radians, checked as overlap's ``checkInput`` does."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D sequence of times in radians, got an array of shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{name}: {int(bad.sum())} missing or infinite time(s) (first at position {int(np.argmax(bad))}); "
            "drop them before estimating"
        )
    out = (arr < 0) | (arr > TWO_PI)
    if out.any():
        i = int(np.argmax(out))
        raise ValueError(
            f"{name}: {int(out.sum())} time(s) outside [0, 2*pi] (first: {arr[i]!r} at position {i}); "
            "times must be radians (use time_of_day() to convert timestamps)"
        )
    if np.unique(arr).size < min_distinct:
        raise ValueError(f"{name}: {np.unique(arr).size} different observation(s); at least {min_distinct} are needed")
    return arr


def _as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _estimator_name(estimator: str) -> Estimator:
    name = str(estimator).lower()
    if name not in _ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; choose one of 'dhat1', 'dhat4', 'dhat5'")
    return name  # type: ignore[return-value]
