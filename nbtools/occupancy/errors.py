"""Errors and warnings of :mod:`nbtools.occupancy`, and how its messages name sites and labels."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
#: The wrapper of renamed parameters (nbtools/_deprecate.py) is no caller either.
_DEPRECATE_FILE = os.path.join(os.path.dirname(_PACKAGE_DIR), "_deprecate.py")


class OccupancyError(ValueError):
    """Base class of the errors raised by :mod:`nbtools.occupancy`."""


class OccupancyDataError(OccupancyError):
    """The detection histories or covariates cannot be fitted (says what and where)."""


class OccupancyFitError(OccupancyError):
    """The model cannot be estimated from these data (e.g. a singular Hessian)."""


class OccupancyWarning(UserWarning):
    """Something was dropped, truncated or flagged; the fit records it in ``notes``."""


def warn_user(message: str) -> None:
    """Issue an :class:`OccupancyWarning` pointing at the first caller outside this package.

    Parameters
    ----------
    message : str
        The warning text (the same text the fit keeps in ``notes``).
    """
    level, frame = 2, sys._getframe(1)
    while frame is not None and (
        os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR
        or os.path.abspath(frame.f_code.co_filename) == _DEPRECATE_FILE
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, OccupancyWarning, stacklevel=level)


def show_labels(labels: Sequence[Any], limit: int = 8) -> str:
    """The first ``limit`` labels as a comma-separated list of reprs, with how many more there are.

    Parameters
    ----------
    labels : sequence
        Site labels, (site, occasion) pairs, variable names.
    limit : int, default 8
        How many to show.

    Returns
    -------
    str
        E.g. ``"'S03', 'S07' and 4 more"``.

    Examples
    --------
    >>> from nbtools.occupancy.errors import show_labels
    >>> show_labels(["a", "b", "c"], limit=2)
    "'a', 'b' and 1 more"
    """
    shown = ", ".join(repr(x) for x in list(labels)[:limit])
    more = len(labels) - limit
    return shown + (f" and {more} more" if more > 0 else "")
