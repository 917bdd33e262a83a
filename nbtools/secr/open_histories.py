"""Open-population capture histories: sessions joined into one robust-design history (openCR's ``join``).

A multi-session capture history (a mapping from session label to
:class:`~nbtools.secr.CaptureHistory`, as :func:`~nbtools.secr.make_capthists` builds it) is
joined into one history of the animals seen in any session, with the sessions as *primary
sessions* and their occasions as *secondary occasions*, as openCR's ``openCR.fit`` does with
secr's ``join``: the intervals between occasions are 0 within a primary session and the
primary intervals (default 1, e.g. a year) between sessions. Animals are matched across
sessions by their ID.

The open-population likelihoods (:mod:`nbtools.secr.open_cjs`, :mod:`nbtools.secr.open_pradel`)
use the history at two levels, as openCR does:

* secondary occasions: whether animal i was detected on occasion s (detections summed over
  detectors), for the detection probability p;
* primary sessions: whether it was detected at least once in session j (openCR's
  ``primaryonly``), which gives its first and last primary session (f_i, l_i).

An animal removed at capture (died, secr's negative entry) is *censored* after its last
primary session: the likelihoods do not let it die or survive after that session.

References
----------
Efford, M. G. and Schofield, M. R. (2020) A spatial open-population capture-recapture
model. Biometrics 76, 392-402. https://doi.org/10.1111/biom.13150

Efford, M. G. (2025) openCR: Open population capture-recapture. R package version 2.2.7.
https://CRAN.R-project.org/package=openCR
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .capthist import CaptureHistory

__all__ = ["OpenCaptureHistory", "join_sessions"]


@dataclass(frozen=True, eq=False)
class OpenCaptureHistory:
    """Detections of n animals on the secondary occasions of J primary sessions.

    Attributes
    ----------
    counts : numpy.ndarray of int, shape (n, S, K)
        Detections of animal i on secondary occasion s (all sessions in order) at detector k.
    traps : pandas.DataFrame
        The detectors (``x``, ``y`` in m), the same in every session.
    detector : str
        secr's detector type of every session.
    occasions : tuple of int
        Secondary occasions per primary session (S_1, ..., S_J).
    sessions : tuple of str
        Labels of the primary sessions.
    intervals : numpy.ndarray of float, shape (J - 1,)
        Time between consecutive primary sessions (the unit of survival; 1 = a year for
        annual sessions).
    ids : pandas.Index
        Animal IDs in the order of the first axis.
    covariates : pandas.DataFrame
        Individual covariates (e.g. ``sex``), indexed by ``ids``.
    removed : numpy.ndarray of int, shape (n,)
        Secondary occasion (1-based, over all sessions) on which the animal was removed at
        capture, 0 when it was not.
    usage : numpy.ndarray of float, shape (K, S), optional
        Effort of detector k on secondary occasion s (secr's ``usage``, openCR's ``Tsk``): 0 where
        the detector did not stand (e.g. a station of another session,
        :func:`nbtools.secr.join_changing_sessions`), 1 for a full occasion. Used by the
        spatial types, whose hazard of detection at detector k is scaled by it; the non-spatial
        types pool the detectors and do not use it. None (default): every detector used on
        every occasion, as a usage of ones.
    """

    counts: np.ndarray
    traps: pd.DataFrame
    detector: str
    occasions: tuple[int, ...]
    sessions: tuple[str, ...]
    intervals: np.ndarray
    ids: pd.Index
    covariates: pd.DataFrame = field(repr=False)
    removed: np.ndarray = field(repr=False)
    usage: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts)
        if counts.ndim != 3:
            raise ValueError(f"counts must be an n x S x K array, got {counts.ndim} dimensions")
        if counts.shape[1] != sum(self.occasions):
            raise ValueError(f"counts has {counts.shape[1]} occasions but the sessions have {sum(self.occasions)}")
        if len(self.sessions) != len(self.occasions):
            raise ValueError(f"{len(self.sessions)} session labels for {len(self.occasions)} sessions")
        intervals = np.asarray(self.intervals, dtype=float)
        if intervals.shape != (len(self.occasions) - 1,):
            raise ValueError(f"intervals must have J - 1 = {len(self.occasions) - 1} values, got {intervals.shape}")
        if not np.all(np.isfinite(intervals)) or (intervals <= 0).any():
            raise ValueError(f"intervals between primary sessions must be positive, got {intervals.tolist()}")
        object.__setattr__(self, "intervals", intervals)
        if (counts.sum(axis=(1, 2)) == 0).any():
            raise ValueError("every animal of an open-population history must be detected at least once")
        if self.usage is not None:
            object.__setattr__(self, "usage", self._checked_usage(counts))

    def _checked_usage(self, counts: np.ndarray) -> np.ndarray:
        """The usage as a float array of shape (K, S), finite and >= 0, with no detection where it is 0."""
        usage = np.asarray(self.usage, dtype=float)
        n, S, K = counts.shape
        if usage.shape != (K, S):
            raise ValueError(f"usage must have shape (detectors, occasions) = {(K, S)}, got {usage.shape}")
        if not np.all(np.isfinite(usage)) or (usage < 0).any():
            raise ValueError("usage must be finite and >= 0")
        animal, occasion, detector = np.nonzero((counts > 0) & (usage.T == 0)[None, :, :])
        if len(animal):
            i, s, k = animal[0], occasion[0], detector[0]
            raise ValueError(
                f"animal {self.ids[i]!r} is detected at detector {self.traps.index[k]!r} on occasion {s + 1} "
                f"where its usage is 0 ({len(animal)} such detections)"
            )
        return usage

    # ------------------------------------------------------------------ sizes
    @property
    def n(self) -> int:
        """Number of animals detected in any session."""
        return self.counts.shape[0]

    @property
    def nsessions(self) -> int:
        """Number of primary sessions J."""
        return len(self.occasions)

    @property
    def noccasions(self) -> int:
        """Number of secondary occasions S over all sessions."""
        return self.counts.shape[1]

    @cached_property
    def primary(self) -> np.ndarray:
        """Primary session (0-based) of each secondary occasion, shape (S,)."""
        return np.repeat(np.arange(self.nsessions), self.occasions)

    # ------------------------------------------------------------------ histories
    @cached_property
    def secondary(self) -> np.ndarray:
        """0/1 detection of animal i on secondary occasion s, shape (n, S) (openCR's 2-D history)."""
        return (self.counts.sum(axis=2) > 0).astype(np.int8)

    @cached_property
    def primary_history(self) -> np.ndarray:
        """0/1 detection of animal i in primary session j, shape (n, J) (openCR's ``primaryonly``)."""
        y = self.secondary
        out = np.zeros((self.n, self.nsessions), dtype=np.int8)
        np.maximum.at(out.T, self.primary, y.T)
        return out

    @cached_property
    def first(self) -> np.ndarray:
        """Primary session (0-based) of each animal's first detection, f_i."""
        return self.primary_history.argmax(axis=1)

    @cached_property
    def last(self) -> np.ndarray:
        """Primary session (0-based) of each animal's last detection, l_i."""
        return self.nsessions - 1 - self.primary_history[:, ::-1].argmax(axis=1)

    @cached_property
    def session_indicator(self) -> np.ndarray:
        """1 where secondary occasion s belongs to primary session j, shape (S, J)."""
        return (self.primary[:, None] == np.arange(self.nsessions)[None, :]).astype(float)

    @cached_property
    def censored(self) -> np.ndarray:
        """True for animals removed at capture (known fate after their last session)."""
        return self.removed > 0

    def summary(self) -> pd.DataFrame:
        """Per primary session: occasions, animals detected, new animals, detections (openCR's ``JS.counts``)."""
        h = self.primary_history
        first = self.first
        last = self.last
        rows = []
        for j in range(self.nsessions):
            occ = self.primary == j
            rows.append(
                {
                    "occasions": self.occasions[j],
                    "animals": int(h[:, j].sum()),
                    "new": int((first == j).sum()),
                    "last seen": int((last == j).sum()),
                    "removed": int((self.censored & (last == j)).sum()),
                    "detections": int(self.counts[:, occ].sum()),
                }
            )
        return pd.DataFrame(rows, index=pd.Index(self.sessions, name="session"))

    def to_frame(self) -> pd.DataFrame:
        """Primary-session histories as a table: one row per animal, one 0/1 column per session, covariates."""
        table = pd.DataFrame(self.primary_history, index=self.ids, columns=list(self.sessions))
        return table.join(self.covariates)

    def __repr__(self) -> str:
        return (
            f"OpenCaptureHistory({self.n} animals, {self.nsessions} primary sessions {list(self.sessions)}, "
            f"{self.noccasions} secondary occasions, {int(self.counts.sum())} detections, "
            f"{int(self.censored.sum())} removed)"
        )


def join_sessions(
    capthists: Mapping[Any, CaptureHistory] | Sequence[CaptureHistory],
    intervals: Sequence[float] | float = 1.0,
    covariates: pd.DataFrame | None = None,
) -> OpenCaptureHistory:
    """Join the sessions of a multi-session capture history into one open-population history.

    Parameters
    ----------
    capthists : mapping of session label to CaptureHistory, or a sequence of them
        The sessions in time order (e.g. from :func:`nbtools.secr.make_capthists`), all with the
        same detectors (IDs and coordinates) and detector type. Animals are matched by ID.
    intervals : float or sequence of float, default 1.0
        Time between consecutive sessions (J - 1 values, or one value for all), in the unit
        in which survival is expressed (1 = one year for annual sessions).
    covariates : pandas.DataFrame, optional
        Individual covariates indexed by animal ID (e.g. a ``sex`` column). When not given,
        the covariates of the sessions are joined (the first session in which an animal
        appears gives its values); an animal whose covariate differs between sessions is an
        error.

    Returns
    -------
    OpenCaptureHistory
    """
    chs, labels = _session_list(capthists)
    _check_same_detectors(chs, labels)
    same = [np.arange(chs[0].ntraps)] * len(chs)
    return _joined_history(chs, labels, chs[0].traps, same, intervals, covariates, usage=None)


def _session_list(
    capthists: Mapping[Any, CaptureHistory] | Sequence[CaptureHistory],
) -> tuple[list[CaptureHistory], list[str]]:
    """The sessions in time order and their labels (at least two)."""
    chs = list(capthists.values()) if isinstance(capthists, Mapping) else list(capthists)
    labels = [str(k) for k in capthists] if isinstance(capthists, Mapping) else [ch.session for ch in chs]
    if len(chs) < 2:
        raise ValueError(f"an open-population history needs at least 2 sessions, got {len(chs)}")
    return chs, labels


def _joined_history(
    chs: list[CaptureHistory],
    labels: list[str],
    traps: pd.DataFrame,
    positions: list[np.ndarray],
    intervals: Sequence[float] | float,
    covariates: pd.DataFrame | None,
    usage: str | None,
) -> OpenCaptureHistory:
    """One open-population history of the sessions on ``traps``; session s's detectors lie at ``positions[s]``.

    ``usage``: None for no usage (every session on every detector), ``"given"`` for each session's
    own usage (ones when it has none) and 0 elsewhere, ``"binary"`` for 1 where that is positive.
    """
    ids = _joined_ids(chs)
    index = {animal: i for i, animal in enumerate(ids)}
    occasions = tuple(ch.noccasions for ch in chs)
    offsets = np.cumsum([0, *occasions])
    counts = np.zeros((len(ids), offsets[-1], len(traps)), dtype=np.int64)
    effort = None if usage is None else np.zeros((len(traps), offsets[-1]))
    removed = np.zeros(len(ids), dtype=np.int64)
    for ch, start, label, where in zip(chs, offsets[:-1], labels, positions, strict=True):
        stop = start + ch.noccasions
        rows = np.array([index[a] for a in ch.ids], dtype=np.int64)
        counts[np.ix_(rows, np.arange(start, stop), where)] = ch.counts
        if effort is not None:
            own = np.ones((ch.ntraps, ch.noccasions)) if ch.usage is None else np.asarray(ch.usage, dtype=float)
            effort[where, start:stop] = (own > 0).astype(float) if usage == "binary" else own
        if ch.removed is not None:
            gone = ch.removed > 0
            later = [a for a, r in zip(ch.ids, rows, strict=True) if removed[r] > 0]
            if later:
                raise ValueError(f"session {label!r}: animals {later} were removed in an earlier session")
            removed[rows[gone]] = start + ch.removed[gone]
    _check_after_removal(counts, removed, ids)
    gaps = np.broadcast_to(np.asarray(intervals, dtype=float), (len(chs) - 1,)).copy()
    covs = _joined_covariates(chs, labels, ids) if covariates is None else _given_covariates(covariates, ids)
    return OpenCaptureHistory(
        counts=counts,
        traps=traps,
        detector=chs[0].detector,
        occasions=occasions,
        sessions=tuple(labels),
        intervals=gaps,
        ids=pd.Index(ids, name="ID"),
        covariates=covs,
        removed=removed,
        usage=effort,
    )


def _check_same_detectors(chs: list[CaptureHistory], labels: list[str]) -> None:
    first = chs[0].traps
    for ch, label in zip(chs[1:], labels[1:], strict=True):
        if ch.detector != chs[0].detector:
            raise ValueError(
                f"session {label!r} has detector {ch.detector!r}, session {labels[0]!r} {chs[0].detector!r}"
            )
        same = list(ch.traps.index) == list(first.index) and np.allclose(
            ch.traps[["x", "y"]].to_numpy(float), first[["x", "y"]].to_numpy(float)
        )
        if not same:
            raise ValueError(
                f"session {label!r} has other detectors than session {labels[0]!r}: an open-population history "
                "needs the same detectors (IDs and x, y) in every session"
            )
        if ch.usage is not None and not np.all(ch.usage == 1):
            raise ValueError(f"session {label!r} has detector usage; usage is not supported in open-population fits")
    if chs[0].usage is not None and not np.all(chs[0].usage == 1):
        raise ValueError(f"session {labels[0]!r} has detector usage; usage is not supported in open-population fits")


def _joined_ids(chs: list[CaptureHistory]) -> list[Any]:
    """Animal IDs in order of first appearance, then by ID within a session (as listed there)."""
    seen: dict[Any, None] = {}
    for ch in chs:
        for animal in ch.ids:
            seen.setdefault(animal, None)
    return list(seen)


def _check_after_removal(counts: np.ndarray, removed: np.ndarray, ids: list[Any]) -> None:
    occasion = np.arange(1, counts.shape[1] + 1)
    detected = counts.sum(axis=2) > 0
    late = (removed[:, None] > 0) & (occasion[None, :] > removed[:, None]) & detected
    if late.any():
        bad = [ids[i] for i in np.flatnonzero(late.any(axis=1))]
        raise ValueError(f"animals {bad} are detected after the occasion on which they were removed")


def _joined_covariates(chs: list[CaptureHistory], labels: list[str], ids: list[Any]) -> pd.DataFrame:
    names: list[str] = []
    for ch in chs:
        names += [c for c in ch.covariates.columns if c not in names]
    out = pd.DataFrame(index=pd.Index(ids, name="ID"), columns=names, dtype=object)
    source = pd.Series("", index=out.index, dtype=object)
    for ch, label in zip(chs, labels, strict=True):
        for name in ch.covariates.columns:
            for animal, value in ch.covariates[name].items():
                if pd.isna(value):
                    continue
                old = out.at[animal, name]
                if pd.isna(old):
                    out.at[animal, name] = value
                    source[animal] = label
                elif old != value:
                    raise ValueError(
                        f"animal {animal!r}: covariate {name!r} is {old!r} in session {source[animal]!r} "
                        f"but {value!r} in session {label!r}"
                    )
    return out.infer_objects()


def _given_covariates(covariates: pd.DataFrame, ids: list[Any]) -> pd.DataFrame:
    table = covariates.copy()
    table.index = table.index.astype(str) if all(isinstance(a, str) for a in ids) else table.index
    missing = [a for a in ids if a not in table.index]
    if missing:
        raise ValueError(f"covariates lack rows for animals {missing[:10]}{' ...' if len(missing) > 10 else ''}")
    if table.index.duplicated().any():
        raise ValueError(f"covariates have duplicated animal IDs {sorted(set(table.index[table.index.duplicated()]))}")
    out = table.loc[ids]
    out.index = pd.Index(ids, name="ID")
    return out
