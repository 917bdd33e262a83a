"""Sessions on different detectors joined into one open-population history, with detector usage.

:func:`nbtools.secr.join_sessions` needs the same detectors in every session, as a camera grid
that never changes. Real grids change between years: stations are added, moved and lost. secr's
``join`` and openCR handle that through detector *usage*: the joined history has the union of
the sessions' detectors, and a detector that did not stand in a session has usage 0 on that
session's occasions. In the spatial open-population likelihoods (openCR's ``CJSsecr``,
``PLBsecrl``, ...) usage T_ks scales the hazard of detection, h_k(x) T_ks, so a detector with
usage 0 neither detects nor counts as a missed chance to detect; an animal whose activity centre
lies where stations were lost is therefore not taken for dead. The non-spatial types pool the
detectors and do not use usage.

>>> import numpy as np, pandas as pd
>>> from nbtools.secr import CaptureHistory
>>> def session(stations, x, detections):
...     traps = pd.DataFrame({"x": x, "y": 0.0}, index=pd.Index(stations, name="trapID"))
...     return CaptureHistory(counts=np.array(detections), traps=traps, detector="multi", ids=pd.Index(["a"]))
>>> history = join_changing_sessions({"2019": session(["A", "B"], [0.0, 500.0], [[[1, 0], [0, 0]]]),
...                                   "2020": session(["B", "C"], [500.0, 1000.0], [[[0, 0], [0, 1]]])})
>>> list(history.traps.index), history.usage.tolist()
(['A', 'B', 'C'], [[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .capthist import CaptureHistory
from .open_histories import OpenCaptureHistory, _joined_history, _session_list

__all__ = ["join_changing_sessions", "merged_detectors"]

#: How a session's own usage enters the joined usage.
USAGE_KINDS = ("given", "binary")


def merged_detectors(
    capthists: Mapping[str, CaptureHistory], tolerance_m: float = 1.0
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """The union of the sessions' detectors (by ID) and where each session's detectors lie in it.

    Parameters
    ----------
    capthists : mapping of session label to CaptureHistory
    tolerance_m : float, default 1.0
        A detector ID found in several sessions must have the same position within this distance
        (m); the first session's coordinates are kept.

    Returns
    -------
    traps : pandas.DataFrame
        ``x``, ``y`` of every detector, in order of first appearance (session by session).
    positions : list of numpy.ndarray of int
        Per session, the row in ``traps`` of each of its detectors.
    """
    rows: dict[Any, int] = {}
    xy: list[np.ndarray] = []
    first_session: list[str] = []
    positions = []
    for label, ch in capthists.items():
        where = np.empty(ch.ntraps, dtype=np.int64)
        coords = ch.traps[["x", "y"]].to_numpy(float)
        for k, station in enumerate(ch.traps.index):
            if station not in rows:
                rows[station] = len(xy)
                xy.append(coords[k])
                first_session.append(label)
            row = rows[station]
            moved = float(np.hypot(*(coords[k] - xy[row])))
            if moved > tolerance_m:
                raise ValueError(
                    f"detector {station!r} is {moved:.1f} m from its position in session {first_session[row]!r} "
                    f"in session {label!r}: give a moved station a new ID (tolerance {tolerance_m} m)"
                )
            where[k] = row
        positions.append(where)
    first = next(iter(capthists.values())).traps
    columns = [c for c in first.columns if c in ("x", "y")]
    traps = pd.DataFrame(np.array(xy), columns=columns, index=pd.Index(list(rows), name=first.index.name))
    return traps, positions


def join_changing_sessions(
    capthists: Mapping[Any, CaptureHistory] | Sequence[CaptureHistory],
    intervals: Sequence[float] | float = 1.0,
    covariates: pd.DataFrame | None = None,
    usage: str = "given",
    tolerance_m: float = 1.0,
) -> OpenCaptureHistory:
    """Join sessions whose detectors differ into one open-population history with usage.

    Parameters
    ----------
    capthists : mapping of session label to CaptureHistory, or a sequence of them
        The sessions in time order, all of one detector type. Detectors are matched across
        sessions by ID (the same ID must have the same position, see ``tolerance_m``); animals
        by ID.
    intervals : float or sequence of float, default 1.0
        Time between consecutive sessions, as for :func:`nbtools.secr.join_sessions`.
    covariates : pandas.DataFrame, optional
        Individual covariates indexed by animal ID, as for :func:`nbtools.secr.join_sessions`.
    usage : {"given", "binary"}, default "given"
        A session's usage of its own detectors: ``"given"`` keeps its usage (e.g. camera-days
        per occasion; ones when it has none), ``"binary"`` makes it 1 where it is positive.
        Detectors of other sessions get usage 0 on its occasions either way.
    tolerance_m : float, default 1.0
        Largest distance (m) between the positions of one detector ID in different sessions.

    Returns
    -------
    OpenCaptureHistory
        Detectors: the union of the sessions' detectors; ``usage`` of shape (K, S).

    Notes
    -----
    The joined history of sessions that share all their detectors and have no usage has usage
    of ones and the same likelihoods as :func:`nbtools.secr.join_sessions`' history.
    """
    if usage not in USAGE_KINDS:
        raise ValueError(f"usage must be one of {USAGE_KINDS}, got {usage!r}")
    chs, labels = _session_list(capthists)
    for ch, label in zip(chs[1:], labels[1:], strict=True):
        if ch.detector != chs[0].detector:
            raise ValueError(
                f"session {label!r} has detector {ch.detector!r}, session {labels[0]!r} {chs[0].detector!r}"
            )
    traps, positions = merged_detectors(dict(zip(labels, chs, strict=True)), tolerance_m)
    return _joined_history(chs, labels, traps, positions, intervals, covariates, usage=usage)
