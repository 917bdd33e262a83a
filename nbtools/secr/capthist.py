"""Spatial capture histories: an n x S x K array of detections with its detectors.

Readers for the text formats of secr's ``read.capthist`` and ``read.traps`` (shared with
program DENSITY), and a builder from long-form capture tables.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DETECTORS", "CaptureHistory", "make_capthist", "read_capthist", "read_traps"]

#: Detector types understood by :func:`nbtools.secr.secr_fit` (secr's names). ``single`` is
#: read as is but fitted with the multi-catch likelihood, as secr does.
DETECTORS = ("multi", "single", "proximity", "count")


def _check_detector(detector: str) -> str:
    if detector not in DETECTORS:
        raise ValueError(f"detector must be one of {DETECTORS}, got {detector!r}")
    return detector


@dataclass(frozen=True, eq=False)
class CaptureHistory:
    """Detections of n individuals on S occasions at K detectors (secr's ``capthist``).

    Attributes
    ----------
    counts : numpy.ndarray of int, shape (n, S, K)
        Number of detections of animal i on occasion s at detector k (0/1 for
        ``multi``, ``single`` and ``proximity`` detectors).
    traps : pandas.DataFrame
        Detectors in the order of the last axis: index = detector ID, columns ``x``,
        ``y`` (m) and any detector covariates.
    detector : str
        ``"multi"``, ``"single"``, ``"proximity"`` or ``"count"``.
    usage : numpy.ndarray of float, shape (K, S), optional
        Effort of detector k on occasion s (0 = not operating); None means 1 throughout.
    ids : pandas.Index
        Individual identifiers in the order of the first axis.
    covariates : pandas.DataFrame
        Individual covariates (e.g. ``sex``), indexed by ``ids``.
    session : str
        Session label.
    dropped : pandas.DataFrame
        Records set aside when the history was built (one row per record with a
        ``reason``), e.g. by :func:`nbtools.secr.capthist_from_study`; empty otherwise.
    details : dict
        How the history was built (species, occasion length, the operation matrix, the
        events used, ...); empty for histories read from secr's formats.
    removed : numpy.ndarray of int, shape (n,), optional
        Occasion (1-based) on which each animal was removed at capture (died or kept,
        secr's negative entries), 0 when it was not; None when no animal was removed.
        The likelihood ignores a removed animal's later occasions (multi-catch and
        single-catch traps only).
    """

    counts: np.ndarray
    traps: pd.DataFrame
    detector: str = "count"
    usage: np.ndarray | None = None
    ids: pd.Index = field(default=None)  # type: ignore[assignment]
    covariates: pd.DataFrame = field(default=None)  # type: ignore[assignment]
    session: str = "1"
    dropped: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]
    details: dict[str, Any] = field(default_factory=dict, repr=False)
    removed: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _check_detector(self.detector)
        counts = np.asarray(self.counts)
        if counts.ndim != 3:
            raise ValueError(f"counts must be an n x S x K array, got {counts.ndim} dimensions")
        if not np.issubdtype(counts.dtype, np.integer):
            if not np.all(np.isfinite(counts)) or not np.all(counts == np.round(counts)):
                raise ValueError("counts must be whole numbers")
            counts = counts.astype(np.int64)
        if (counts < 0).any():
            raise ValueError("counts must be non-negative (removals are not supported)")
        n, s, k = counts.shape
        traps = self.traps
        if not isinstance(traps, pd.DataFrame) or not {"x", "y"} <= set(traps.columns):
            raise ValueError("traps must be a DataFrame with columns 'x' and 'y' (m)")
        if len(traps) != k:
            raise ValueError(f"counts has {k} detectors on its last axis but traps has {len(traps)} rows")
        usage = self.usage
        if usage is not None:
            usage = np.asarray(usage, dtype=float)
            if usage.shape != (k, s):
                raise ValueError(f"usage must be K x S = {k} x {s}, got {usage.shape}")
            if not np.isfinite(usage).all() or (usage < 0).any():
                raise ValueError("usage must be finite and non-negative (0 = detector not operating)")
        ids = pd.Index(np.arange(1, n + 1) if self.ids is None else self.ids, name="ID")
        if len(ids) != n:
            raise ValueError(f"{len(ids)} ids for {n} capture histories")
        covariates = pd.DataFrame(index=ids) if self.covariates is None else self.covariates
        if len(covariates) != n:
            raise ValueError(f"{len(covariates)} rows of individual covariates for {n} capture histories")
        covariates = covariates.set_axis(ids, axis=0)
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "usage", usage)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "covariates", covariates)
        dropped = pd.DataFrame({"reason": pd.Series(dtype="string")}) if self.dropped is None else self.dropped
        if "reason" not in dropped.columns:
            raise ValueError("dropped must be a DataFrame with a 'reason' column")
        object.__setattr__(self, "dropped", dropped)
        object.__setattr__(self, "removed", _check_removed(self.removed, counts))

    @property
    def n(self) -> int:
        """Number of detected individuals."""
        return self.counts.shape[0]

    @property
    def noccasions(self) -> int:
        """Number of occasions S."""
        return self.counts.shape[1]

    @property
    def ntraps(self) -> int:
        """Number of detectors K."""
        return self.counts.shape[2]

    @property
    def detections(self) -> int:
        """Total number of detections."""
        return int(self.counts.sum())

    @property
    def recaptures(self) -> int:
        """Detections after the first of each animal (secr's ``r``)."""
        return self.detections - int((self.counts.sum(axis=(1, 2)) > 0).sum())

    def __repr__(self) -> str:
        aside = f"; {len(self.dropped):,} records set aside, see .dropped" if len(self.dropped) else ""
        return (
            f"CaptureHistory(session {self.session!r}: {self.n} animals, {self.noccasions} occasions, "
            f"{self.ntraps} {self.detector} detectors, {self.detections} detections{aside})"
        )

    def dropped_summary(self) -> pd.Series:
        """Number of records set aside, by reason (most frequent first)."""
        return self.dropped["reason"].value_counts().rename("records")

    def summary(self) -> pd.DataFrame:
        """Counts by occasion, as secr's ``summary(capthist)``.

        Rows ``n`` (animals detected), ``u`` (animals detected for the first time),
        ``f`` (animals detected on exactly 1, 2, ... occasions), ``M(t+1)`` (animals
        known by the end of the occasion), ``detections``, ``detectors visited`` and
        ``detectors used`` (usage > 0); columns are the occasions and ``Total`` (row
        sums, the last value for ``M(t+1)``).
        """
        y = self.counts
        on = y.sum(axis=2) > 0  # n x S
        first = np.where(on.any(axis=1), on.argmax(axis=1), -1)
        s = self.noccasions
        u = np.array([(first == j).sum() for j in range(s)])
        nocc = on.sum(axis=1)
        f = np.array([(nocc == j + 1).sum() for j in range(s)])
        usage = np.ones((self.ntraps, s)) if self.usage is None else self.usage
        table = pd.DataFrame(
            {
                "n": on.sum(axis=0),
                "u": u,
                "f": f,
                "M(t+1)": np.cumsum(u),
                "detections": y.sum(axis=(0, 2)),
                "detectors visited": (y.sum(axis=0) > 0).sum(axis=1),
                "detectors used": (usage > 0).sum(axis=0),
            },
            index=pd.RangeIndex(1, s + 1, name="occasion"),
        ).T
        table["Total"] = table.sum(axis=1)
        table.loc["M(t+1)", "Total"] = table.loc["M(t+1)", s]
        return table

    def to_frame(self) -> pd.DataFrame:
        """Long form: one row per (ID, occasion, trapID) with a detection ``count``."""
        i, s, k = np.nonzero(self.counts)
        return pd.DataFrame(
            {
                "session": self.session,
                "ID": self.ids[i],
                "occasion": s + 1,
                "trapID": self.traps.index[k],
                "count": self.counts[i, s, k],
            }
        )


def _check_removed(removed: Any, counts: np.ndarray) -> np.ndarray | None:
    """Removal occasions (1-based, 0 = not removed): one per animal, on an occasion it was caught, none after."""
    if removed is None:
        return None
    n, s, _ = counts.shape
    removed = np.asarray(removed)
    if removed.shape != (n,) or not np.all(removed == np.round(removed)):
        raise ValueError(f"removed must hold one whole occasion number (0 = not removed) per animal ({n})")
    removed = removed.astype(np.int64)
    if ((removed < 0) | (removed > s)).any():
        raise ValueError(f"removal occasions must lie in 0..{s} (0 = not removed)")
    per_occasion = counts.sum(axis=2)
    for i in np.flatnonzero(removed):
        if per_occasion[i, removed[i] - 1] == 0 or per_occasion[i, removed[i] :].any():
            raise ValueError(
                f"animal {i + 1} is removed on occasion {removed[i]} but is not caught then or is caught later"
            )
    return removed if removed.any() else None


def _sort_ids(values: pd.Series) -> list[Any]:
    """Sort identifiers numerically when all are whole numbers, otherwise as text (as secr)."""
    unique = pd.unique(values)
    text = [str(v) for v in unique]
    if all(re.fullmatch(r"[+-]?\d+", t) for t in text):
        order = np.argsort([int(t) for t in text], kind="stable")
    else:
        order = np.argsort(text, kind="stable")
    return [unique[i] for i in order]


def make_capthist(
    captures: pd.DataFrame,
    traps: pd.DataFrame,
    detector: str = "multi",
    noccasions: int | None = None,
    usage: np.ndarray | None = None,
    covnames: list[str] | None = None,
    session: Any | None = None,
) -> CaptureHistory:
    """Build a capture history from a long-form table of detections (secr's ``make.capthist``).

    Parameters
    ----------
    captures : pandas.DataFrame
        One row per detection with columns ``session``, ``ID``, ``occasion`` (1-based)
        and ``trap`` (a detector ID, matched against ``traps.index`` or a ``trapID``
        column of ``traps``). Further columns named in ``covnames`` are individual
        covariates (the first non-missing value per animal is kept). For count
        detectors each row is one detection (repeat rows for counts), as in secr.
        An animal removed at capture (died) has a negative occasion (secr's
        convention) or ``alive`` = 0 in an optional ``alive`` column; it becomes the
        ``removed`` occasion of the history.
    traps : pandas.DataFrame
        Detector table with ``x``, ``y`` (m); the detector IDs are the index, or a
        ``trapID`` column when present.
    detector : {"multi", "single", "proximity", "count"}, default "multi"
        Detector type (secr's default is "multi").
    noccasions : int, optional
        Number of occasions; default the largest occasion, or the columns of usage.
    usage : array (K, S), optional
        Detector usage (effort); 0 where a detector was not operating.
    covnames : list of str, optional
        Columns of ``captures`` holding individual covariates.
    session : optional
        Keep only this session; required when ``captures`` holds several.

    Returns
    -------
    CaptureHistory
    """
    _check_detector(detector)
    required = {"session", "ID", "occasion", "trap"}
    missing = required - set(captures.columns)
    if missing:
        raise ValueError(f"captures lacks columns {sorted(missing)}; has {list(captures.columns)}")
    traps = traps.copy()
    if "trapID" in traps.columns:
        traps = traps.set_index("trapID")
    traps.index = traps.index.astype(str)
    traps.index.name = "trapID"
    if traps.index.duplicated().any():
        raise ValueError(f"duplicated detector IDs: {sorted(set(traps.index[traps.index.duplicated()]))}")
    caps = captures.copy()
    caps["session"] = caps["session"].astype(str)
    sessions = list(pd.unique(caps["session"]))
    if session is None:
        if len(sessions) > 1:
            raise ValueError(f"captures hold several sessions {sessions}; choose one with session=")
        session = sessions[0] if sessions else "1"
    session = str(session)
    caps = caps[caps["session"] == session]
    caps = caps[caps["ID"].astype(str) != "NONE"]  # secr's noncapt code for sessions without captures
    occasion = pd.to_numeric(caps["occasion"], errors="raise").to_numpy()
    dead = occasion < 0  # secr's removals: a negative occasion, or alive = 0 (False)
    if "alive" in caps.columns:
        alive = caps["alive"]
        if alive.isna().any() or not alive.isin([0, 1, True, False]).all():
            raise ValueError("the 'alive' column of captures must hold 1 (released) or 0 (removed at capture)")
        dead |= ~alive.astype(bool).to_numpy()
    occasion = np.abs(occasion)
    if (occasion < 1).any() or not np.all(occasion == np.round(occasion)):
        raise ValueError("occasions must be whole numbers from 1")
    occasion = occasion.astype(np.int64)
    if usage is not None:
        usage = np.asarray(usage, dtype=float)
        s_usage = usage.shape[1]
    else:
        s_usage = None
    s = noccasions or s_usage or (int(occasion.max()) if len(occasion) else 1)
    if s_usage is not None and s_usage != s:
        raise ValueError(f"usage has {s_usage} occasions but noccasions is {s}")
    if len(occasion) and occasion.max() > s:
        raise ValueError(f"a detection on occasion {occasion.max()} but only {s} occasions")
    trap_ids = caps["trap"].astype(str).to_numpy()
    unknown = sorted(set(trap_ids) - set(traps.index))
    if unknown:
        raise ValueError(f"detections at detectors missing from the trap layout: {unknown[:10]}")
    ids = _sort_ids(caps["ID"])
    row = pd.Index(ids).get_indexer(caps["ID"])
    col = traps.index.get_indexer(trap_ids)
    counts = np.zeros((len(ids), s, len(traps)), np.int64)
    np.add.at(counts, (row, occasion - 1, col), 1)
    if detector in ("multi", "single"):
        per_occasion = counts.sum(axis=2)
        if (per_occasion > 1).any():
            i, j = np.argwhere(per_occasion > 1)[0]
            raise ValueError(
                f"animal {ids[i]} is detected more than once on occasion {j + 1}, impossible for {detector} traps"
            )
    elif detector == "proximity" and (counts > 1).any():
        warnings.warn("repeated detections at a proximity detector on one occasion are counted once", stacklevel=2)
        counts = np.minimum(counts, 1)
    if usage is not None:
        detected_unused = (counts.sum(axis=0) > 0) & (usage.T == 0)
        if detected_unused.any():
            j, k = np.argwhere(detected_unused)[0]
            raise ValueError(f"detection at detector {traps.index[k]} on occasion {j + 1} where its usage is 0")
    removed = np.zeros(len(ids), np.int64)
    if dead.any():
        np.maximum.at(removed, row[dead], occasion[dead])
    cov = pd.DataFrame(index=pd.Index(ids, name="ID"))
    for name in covnames or []:
        if name not in caps.columns:
            raise ValueError(f"no covariate column {name!r} in captures")
        first = caps.assign(_r=row).dropna(subset=[name]).groupby("_r")[name].first()
        values = pd.Series(pd.NA, index=range(len(ids)), dtype=object)
        values.loc[first.index] = first.to_numpy()
        cov[name] = values.to_numpy()
        converted = pd.to_numeric(cov[name], errors="coerce")
        if converted.notna().sum() == cov[name].notna().sum():
            cov[name] = converted
    return CaptureHistory(
        counts=counts,
        traps=traps,
        detector=detector,
        usage=usage,
        ids=pd.Index(ids, name="ID"),
        covariates=cov,
        session=session,
        removed=removed,
    )


def _text_rows(path: Path, sep: str | None, comment: str) -> list[list[str]]:
    """Non-blank lines of a secr text file split into fields, comments removed."""
    if sep is None and path.suffix.lower() == ".csv":
        sep = ","
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(comment, 1)[0].strip()
        if not line:
            continue
        if sep is None:
            rows.append(line.split())
        else:
            rows.append([f.strip() for f in line.split(sep)])
    return rows


def read_traps(
    file: str | Path,
    detector: str = "multi",
    covnames: list[str] | None = None,
    binary_usage: bool = True,
    sep: str | None = None,
    comment: str = "#",
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Read a detector layout file in secr's (DENSITY's) text format.

    Each line is ``Detector X Y [usage] [/covariates]``: an identifier, the coordinates
    (m), optionally the usage on each occasion, and optionally detector covariates after
    a slash. With ``binary_usage`` the usage codes are 0/1 characters, either run
    together (``0011111``) or separated; codes above 1 count as 1. Otherwise usage is
    one number per occasion (effort). Lines starting with ``#`` are comments;
    ``.csv`` files are comma-separated.

    Parameters
    ----------
    file : str or pathlib.Path
        The trap layout file.
    detector : str, default "multi"
        Detector type (checked, not stored; see :func:`read_capthist`).
    covnames : list of str, optional
        Names for the covariate fields (default ``V1``, ``V2``, ... as secr).
    binary_usage : bool, default True
        Read usage as 0/1 codes; False reads numeric effort.
    sep : str, optional
        Field separator; default white space (comma for ``.csv``).
    comment : str, default "#"
        Comment character.

    Returns
    -------
    traps : pandas.DataFrame
        Index ``trapID`` (str), columns ``x``, ``y`` and covariates.
    usage : numpy.ndarray (K, S) or None
        None when the file has no usage fields.

    References
    ----------
    Efford, M. G. (2025) secr 5.3.0, ``read.traps`` and the vignette *Data input for
    secr*. https://CRAN.R-project.org/package=secr
    """
    _check_detector(detector)
    path = Path(file)
    rows = _text_rows(path, sep, comment)
    if not rows:
        raise ValueError(f"{path}: no detectors found")
    ids, xs, ys, usages, covs = [], [], [], [], []
    for lineno, fields in enumerate(rows, start=1):
        joined = " ".join(fields)
        main, _, covtext = joined.partition("/")
        parts = main.split()
        if len(parts) < 3:
            raise ValueError(f"{path}: detector line {lineno} needs 'Detector X Y', got {joined!r}")
        ids.append(parts[0])
        try:
            xs.append(float(parts[1]))
            ys.append(float(parts[2]))
        except ValueError as err:
            raise ValueError(f"{path}: detector line {lineno}: coordinates are not numbers: {joined!r}") from err
        rest = parts[3:]
        if binary_usage:
            codes = "".join(rest)
            if codes and not re.fullmatch(r"\d+", codes):
                raise ValueError(f"{path}: detector line {lineno}: usage codes must be digits, got {codes!r}")
            usages.append([min(int(c), 1) for c in codes])
        else:
            try:
                usages.append([float(v) for v in rest])
            except ValueError as err:
                raise ValueError(f"{path}: detector line {lineno}: usage is not numeric: {rest}") from err
        covs.append(covtext.split())
    lengths = {len(u) for u in usages}
    if len(lengths) > 1:
        raise ValueError(f"{path}: detectors have different numbers of usage codes {sorted(lengths)}")
    usage = np.array(usages, dtype=float) if lengths != {0} else None
    traps = pd.DataFrame({"x": xs, "y": ys}, index=pd.Index(ids, name="trapID"))
    ncov = {len(c) for c in covs}
    if ncov != {0}:
        if len(ncov) > 1:
            raise ValueError(f"{path}: detectors have different numbers of covariates {sorted(ncov)}")
        (m,) = ncov
        names = covnames or [f"V{j + 1}" for j in range(m)]
        if len(names) != m:
            raise ValueError(f"{path}: {m} covariate fields but {len(names)} covnames")
        table = pd.DataFrame(covs, columns=names, index=traps.index)
        for name in names:
            converted = pd.to_numeric(table[name], errors="coerce")
            traps[name] = converted if converted.notna().all() else table[name]
    if traps.index.duplicated().any():
        raise ValueError(f"{path}: duplicated detector IDs {sorted(set(traps.index[traps.index.duplicated()]))}")
    return traps, usage


def read_capthist(
    captfile: str | Path,
    trapfile: str | Path,
    detector: str = "multi",
    fmt: str = "trapID",
    noccasions: int | None = None,
    covnames: list[str] | None = None,
    trapcovnames: list[str] | None = None,
    binary_usage: bool = True,
    session: Any | None = None,
    sep: str | None = None,
    comment: str = "#",
) -> CaptureHistory:
    """Read a capture file and a detector layout file in secr's text formats.

    The capture file has one detection per line: ``Session ID Occasion Detector``
    (``fmt="trapID"``) or ``Session ID Occasion X Y`` (``fmt="XY"``, coordinates that
    must match a detector exactly), followed by optional individual covariates. Count
    detectors repeat a line once per detection. The layout file is described in
    :func:`read_traps`.

    Parameters
    ----------
    captfile, trapfile : str or pathlib.Path
        The two files.
    detector : {"multi", "single", "proximity", "count"}, default "multi"
        Detector type, as secr's default.
    fmt : {"trapID", "XY"}, default "trapID"
        How detections give their location.
    noccasions : int, optional
        Number of occasions; default the largest occasion (or the usage columns).
    covnames : list of str, optional
        Names of the individual covariate columns after the location fields.
    trapcovnames : list of str, optional
        Names of the detector covariates (after ``/`` in the layout file).
    binary_usage : bool, default True
        Read usage as 0/1 codes (False: numeric effort).
    session : optional
        Session to read when the capture file holds several.
    sep : str, optional
        Field separator (default white space; comma for ``.csv`` files).
    comment : str, default "#"
        Comment character.

    Returns
    -------
    CaptureHistory

    References
    ----------
    Efford, M. G. (2025) secr 5.3.0, ``read.capthist``.
    https://CRAN.R-project.org/package=secr
    """
    _check_detector(detector)
    if fmt not in ("trapID", "XY"):
        raise ValueError(f"fmt must be 'trapID' or 'XY', got {fmt!r}")
    traps, usage = read_traps(trapfile, detector, trapcovnames, binary_usage, sep, comment)
    path = Path(captfile)
    rows = _text_rows(path, sep, comment)
    nloc = 1 if fmt == "trapID" else 2
    width = 3 + nloc
    records = []
    for lineno, fields in enumerate(rows, start=1):
        if len(fields) < width:
            raise ValueError(f"{path}: capture line {lineno} needs at least {width} fields, got {fields}")
        records.append(fields)
    ncov = {len(r) - width for r in records}
    if len(ncov) > 1:
        raise ValueError(f"{path}: capture lines have different numbers of fields")
    m = ncov.pop() if ncov else 0
    names = covnames or [f"V{j + 1}" for j in range(m)]
    if len(names) != m:
        raise ValueError(f"{path}: {m} covariate fields but {len(names)} covnames")
    columns = ["session", "ID", "occasion"] + (["trap"] if fmt == "trapID" else ["X", "Y"]) + names
    caps = pd.DataFrame(records, columns=columns)
    if fmt == "XY":
        key = {(float(x), float(y)): t for t, x, y in zip(traps.index, traps["x"], traps["y"], strict=True)}
        trap = []
        for x, y in zip(caps["X"].astype(float), caps["Y"].astype(float), strict=True):
            if (x, y) not in key:
                raise ValueError(f"{path}: detection at ({x}, {y}) matches no detector coordinates")
            trap.append(key[(x, y)])
        caps["trap"] = trap
    caps = caps.replace({"NA": pd.NA})
    return make_capthist(caps, traps, detector, noccasions, usage, names, session)
