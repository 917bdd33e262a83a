"""Independent detection events per station and species (camtrapR's temporal independence filter).

A camera records an animal many times while it passes; ecological indices count *independent events*.
Records of one species at one station (optionally one camera, one individual) belong to the same event
while the time to the previous record -- or to the first record of the event -- is shorter than a
threshold (30 minutes by default). This is the rule of camtrapR's ``recordTable(minDeltaTime,
deltaTimeComparedTo)`` and camtraptor's ``get_record_table`` (Niedballa et al. 2016).

>>> import pandas as pd
>>> obs = pd.DataFrame({
...     "locationID": ["A", "A", "A", "B"],
...     "scientificName": ["Panthera pardus"] * 4,
...     "eventStart": pd.to_datetime(["2024-01-01 01:00", "2024-01-01 01:20", "2024-01-01 03:00",
...                                   "2024-01-01 01:10"], utc=True),
...     "count": [1, 2, 1, 1],
... })
>>> ev = independent_events(obs, threshold="30min")
>>> print(ev[["locationID", "eventStart", "n_observations", "count"]].to_string(index=False))
locationID                eventStart  n_observations  count
         A 2024-01-01 01:00:00+00:00               2      2
         B 2024-01-01 01:10:00+00:00               1      1
         A 2024-01-01 03:00:00+00:00               1      1

References
----------
Niedballa, J., Sollmann, R., Courtiol, A. and Wilting, A. (2016) camtrapR: an R package for efficient
camera trap data management. *Methods in Ecology and Evolution* 7, 1457-1462.
https://doi.org/10.1111/2041-210X.12600
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import numba
import numpy as np
import pandas as pd

from .camtrapdp.columns import empty_column_message
from .camtrapdp.select import select_records

__all__ = [
    "DEFAULT_THRESHOLD",
    "group_events",
    "independent_events",
    "observations_from_camtrapr",
    "select_records",
]

DEFAULT_THRESHOLD = "30min"
_INT64_MIN = np.iinfo(np.int64).min
_NAT = np.iinfo(np.int64).min  # numpy's NaT as int64

ThresholdLike = str | pd.Timedelta | timedelta | np.timedelta64
CompareTo = Literal["last_record", "last_independent_record"]


# --------------------------------------------------------------------------------------------------
# compiled kernels
# --------------------------------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _is_time_sorted(ts):  # pragma: no cover - compiled
    for i in range(1, ts.size):
        if ts[i] < ts[i - 1]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _pack(ts, keys, tmin, unit, kbits, rbits, out):  # pragma: no cover - compiled
    """(time since tmin in ``unit``, key, row) in one int64, for one value sort instead of an argsort."""
    for i in range(ts.size):
        out[i] = (((((ts[i] - tmin) // unit) << kbits) | keys[i]) << rbits) | i


@numba.njit(cache=True, nogil=True)
def _pack_coarse(ts, tmin, unit, shift, rbits, out):  # pragma: no cover - compiled
    """((time since tmin in ``unit``) >> shift, row) in one int64: a value sort to within 2^shift units."""
    for i in range(ts.size):
        out[i] = ((((ts[i] - tmin) // unit) >> shift) << rbits) | i


@numba.njit(cache=True, nogil=True)
def _refine(packed, rbits, order, ts_s):  # pragma: no cover - compiled
    """Finish a coarse sort: order rows by exact time within runs of one coarse bucket (in place)."""
    n = packed.size
    i = 0
    while i < n:
        bucket = packed[i] >> rbits
        j = i + 1
        while j < n and (packed[j] >> rbits) == bucket:
            j += 1
        if j - i > 1:
            if j - i <= 32:  # insertion sort
                for a in range(i + 1, j):
                    t = ts_s[a]
                    o = order[a]
                    b = a - 1
                    while b >= i and ts_s[b] > t:
                        ts_s[b + 1] = ts_s[b]
                        order[b + 1] = order[b]
                        b -= 1
                    ts_s[b + 1] = t
                    order[b + 1] = o
            else:
                idx = np.argsort(ts_s[i:j])
                o_run = order[i:j][idx]
                t_run = ts_s[i:j][idx]
                order[i:j] = o_run
                ts_s[i:j] = t_run
        i = j


@numba.njit(cache=True, nogil=True)
def _unpack(packed, tmin, unit, kbits, rbits, order, keys_s, ts_s):  # pragma: no cover - compiled
    """Row order, keys and times back from sorted packed values (one sequential pass)."""
    rmask = (np.int64(1) << rbits) - 1
    kmask = (np.int64(1) << kbits) - 1
    for i in range(packed.size):
        v = packed[i]
        order[i] = v & rmask
        keys_s[i] = (v >> rbits) & kmask
        ts_s[i] = tmin + (v >> (kbits + rbits)) * unit


@numba.njit(cache=True, nogil=True)
def _all_divisible(ts, unit):  # pragma: no cover - compiled
    for i in range(ts.size):
        if ts[i] % unit != 0:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _assign_kernel(keys, ts, thr, nkeys, from_start, event, ev_key, ev_start, ev_delta):  # pragma: no cover
    """One pass over globally time-sorted rows with per-key state; returns the number of events.

    A row opens a new event when it is the first of its key or when its time minus the reference
    (the previous record of the key, or the first record of the current event when ``from_start``)
    is >= the key's threshold (camtrapR: ``delta >= minDeltaTime`` is independent). Rows are taken in
    blocks of one instant; the events a block opens are numbered in key order, so numbering is
    chronological (start, then key) whatever the order of simultaneous rows. Fills the event of every
    row and per event its key, start and time since the reference (NaT for a key's first event).
    Output arrays come from numpy: it asks the kernel for huge pages, numba's allocator does not,
    and page faults would cost more than the pass.
    """
    n = keys.size
    last = np.empty(nkeys, np.int64)
    ref = np.empty(nkeys, np.int64)
    cur = np.full(nkeys, -1, np.int64)
    seen = np.full(nkeys, -1, np.int64)  # first row of the block in which a key was last seen
    pending = np.empty(nkeys, np.int64)  # keys within a block are distinct: at most nkeys
    pending_delta = np.empty(nkeys, np.int64)
    ne = 0
    i = 0
    while i < n:
        t = ts[i]
        if i + 1 == n or ts[i + 1] != t:  # the common case: one row at this instant
            k = keys[i]
            if cur[k] < 0:
                new = True
                delta = _NAT
            else:
                delta = t - ref[k] if from_start else t - last[k]
                new = delta >= thr[k]
            if new:
                cur[k] = ne
                ev_key[ne] = k
                ev_start[ne] = t
                ev_delta[ne] = delta
                ref[k] = t
                ne += 1
            last[k] = t
            event[i] = cur[k]
            i += 1
            continue
        j = i
        npend = 0
        while j < n and ts[j] == t:  # pass 1: the keys that open an event at this instant
            k = keys[j]
            if seen[k] != i:
                seen[k] = i
                if cur[k] < 0:
                    new = True
                    delta = _NAT
                else:
                    delta = t - ref[k] if from_start else t - last[k]
                    new = delta >= thr[k]
                if new:
                    b = npend  # insertion in key order (keys within a block are distinct)
                    while b > 0 and pending[b - 1] > k:
                        pending[b] = pending[b - 1]
                        pending_delta[b] = pending_delta[b - 1]
                        b -= 1
                    pending[b] = k
                    pending_delta[b] = delta
                    npend += 1
            j += 1
        for q in range(npend):
            k = pending[q]
            cur[k] = ne
            ev_key[ne] = k
            ev_start[ne] = t
            ev_delta[ne] = pending_delta[q]
            ref[k] = t
            ne += 1
        for r in range(i, j):  # pass 2: rows join their key's current event
            k = keys[r]
            event[r] = cur[k]
            last[k] = t
        i = j
    return ne


@numba.njit(cache=True, nogil=True)
def _aggregate_kernel(event, ts, te, count, media, codes, ev_start, end, nobs, cmax, msum, first):  # pragma: no cover
    """Per event: latest end, rows, largest count (NaN ignored), summed media (NaN propagates) and the
    smallest code among the rows at the event's start. Optional inputs are empty arrays."""
    has_count = count.size > 0
    has_media = media.size > 0
    has_codes = codes.size > 0
    for i in range(event.size):
        e = event[i]
        if te[i] > end[e]:
            end[e] = te[i]
        nobs[e] += 1
        if has_count:
            c = count[i]
            if not np.isnan(c) and (np.isnan(cmax[e]) or c > cmax[e]):
                cmax[e] = c
        if has_media:
            msum[e] += media[i]
        if has_codes and ts[i] == ev_start[e] and codes[i] < first[e]:
            first[e] = codes[i]


# --------------------------------------------------------------------------------------------------
# the grouping core (arrays in, arrays out)
# --------------------------------------------------------------------------------------------------


def _time_sort(ts: np.ndarray, keys: np.ndarray, nkeys: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows in time order: the order and the sorted keys and times.

    One *value* sort of (time, key, row) packed into an int64 when the time range (at the data's
    resolution: camera timestamps are whole seconds), the number of keys and of rows fit in 63 bits;
    numpy's SIMD value sort is several times faster than ``argsort`` and the sorted keys and times
    are then decoded in one sequential pass instead of two random gathers. Otherwise (e.g. random
    nanoseconds over years) a value sort of (coarsened time, row) and an exact sort within each
    coarse bucket (buckets hold a handful of rows).
    """
    tmin, tmax = int(ts.min()), int(ts.max())
    unit = 1
    for candidate in (1_000_000_000, 1_000_000, 1_000):
        if _all_divisible(ts, candidate):
            unit = candidate
            break
    rbits = max(int(ts.size - 1).bit_length(), 1)
    kbits = max(int(nkeys - 1).bit_length(), 1)
    if ((tmax - tmin) // unit).bit_length() + kbits + rbits <= 63:
        packed = np.empty(ts.size, np.int64)
        _pack(ts, keys, tmin, unit, kbits, rbits, packed)
        packed.sort()
        order, keys_s, ts_s = (np.empty(ts.size, np.int64) for _ in range(3))
        _unpack(packed, tmin, unit, kbits, rbits, order, keys_s, ts_s)
        return order, keys_s, ts_s
    tbits = ((tmax - tmin) // unit).bit_length()
    shift = max(0, tbits - (63 - rbits))
    packed = np.empty(ts.size, np.int64)
    _pack_coarse(ts, tmin, unit, shift, rbits, packed)
    packed.sort()
    order = np.bitwise_and(packed, (1 << rbits) - 1)
    ts_s = ts[order]
    if shift:
        _refine(packed, rbits, order, ts_s)
    return order, keys[order], ts_s  # simultaneous rows in any order: the kernel orders them by key


@dataclass(frozen=True)
class _Grouped:
    event: np.ndarray  # per row
    key: np.ndarray  # per event from here on
    start: np.ndarray
    delta: np.ndarray
    end: np.ndarray | None = None
    n_rows: np.ndarray | None = None
    count_max: np.ndarray | None = None
    media_sum: np.ndarray | None = None
    first_code: np.ndarray | None = None


def _group(
    keys: np.ndarray,
    ts: np.ndarray,
    thr: np.ndarray,
    nkeys: int,
    from_start: bool,
    *,
    aggregate: bool = False,
    te: np.ndarray | None = None,
    count: np.ndarray | None = None,
    media: np.ndarray | None = None,
    codes: np.ndarray | None = None,
) -> _Grouped:
    """Events of rows, numbered chronologically; per-event aggregates when ``aggregate``.

    Globally time-sorted rows (the usual export order) are processed as they are; other input is
    sorted once by time and gathered into that order (sequential passes then; random access only in
    the gathers and in scattering the row -> event map back). Events come out numbered
    chronologically, simultaneous ones in key order, whatever the row order.
    """
    n = keys.size
    if _is_time_sorted(ts):
        order, keys_s, ts_s = None, keys, ts
    else:
        order, keys_s, ts_s = _time_sort(ts, keys, nkeys)

    def take(a: np.ndarray | None) -> np.ndarray:
        if a is None:
            return np.empty(0)
        return a if order is None else a[order]

    event_s, ev_key, ev_start, ev_delta = (np.empty(n, np.int64) for _ in range(4))
    ne = _assign_kernel(keys_s, ts_s, thr, nkeys, from_start, event_s, ev_key, ev_start, ev_delta)
    ev_key, ev_start, ev_delta = ev_key[:ne], ev_start[:ne], ev_delta[:ne]
    extra: dict[str, np.ndarray] = {}
    if aggregate:
        extra = {
            "end": np.full(ne, _INT64_MIN, np.int64),
            "n_rows": np.zeros(ne, np.int64),
            "count_max": np.full(ne, np.nan),
            "media_sum": np.zeros(ne),
            "first_code": np.full(ne, np.iinfo(np.int64).max, np.int64),
        }
        _aggregate_kernel(
            event_s,
            ts_s,
            ts_s if te is None else take(te),
            take(count).astype(np.float64, copy=False),
            take(media).astype(np.float64, copy=False),
            take(codes).astype(np.int64, copy=False),
            ev_start,
            extra["end"],
            extra["n_rows"],
            extra["count_max"],
            extra["media_sum"],
            extra["first_code"],
        )
    if order is None:
        event = event_s
    else:
        event = np.empty(n, np.int64)
        event[order] = event_s
    return _Grouped(event, ev_key, ev_start, ev_delta, **extra)


def group_events(
    keys: np.ndarray,
    timestamps: np.ndarray,
    threshold_ns: int | np.ndarray,
    compare_to: CompareTo = "last_record",
    nkeys: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Assign rows to independent events: the array core of :func:`independent_events`.

    Parameters
    ----------
    keys : ndarray of int
        Group code of every row (station x species x ...), in ``0 .. nkeys - 1``.
    timestamps : ndarray of int64
        Record times in nanoseconds (any order); NaT (``iNaT``) is refused with a ValueError.
    threshold_ns : int or ndarray of int64
        Minimum time, in nanoseconds, between independent events; one value, or one per key.
        Must be finite and > 0.
    compare_to : {"last_record", "last_independent_record"}
        Measure the time to the previous record of the group, or to the first record of the current
        event (camtrapR's ``deltaTimeComparedTo = "lastRecord"`` / ``"lastIndependentRecord"``).
    nkeys : int, optional
        Number of keys (default ``keys.max() + 1``).

    Returns
    -------
    event : ndarray of int64
        Event number of every row; events are numbered chronologically (by start, then key).
    event_key, event_start, event_delta : ndarray of int64
        Per event: its key, its start (ns) and the time (ns) from the reference record of the
        previous event of the same key to this event's start (``iNaT`` for a key's first event).

    Notes
    -----
    One compiled pass over the rows in time order with per-key state (the last record time, the
    current event's start). Time-sorted input is not sorted at all; other input is sorted once by
    time (a packed int64 value sort when the time resolution allows).

    Examples
    --------
    >>> import numpy as np
    >>> ev, key, start, _ = group_events(np.array([0, 0, 0, 1]), np.array([0, 10, 30, 5]), 15)
    >>> ev.tolist(), key.tolist(), start.tolist()
    ([0, 0, 2, 1], [0, 1, 0], [0, 5, 30])
    """
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    ts = np.ascontiguousarray(timestamps, dtype=np.int64)
    if keys.shape != ts.shape or keys.ndim != 1:
        raise ValueError(f"keys and timestamps must be 1-D arrays of one length, got {keys.shape} and {ts.shape}")
    if compare_to not in ("last_record", "last_independent_record"):
        raise ValueError(f"compare_to must be 'last_record' or 'last_independent_record', got {compare_to!r}")
    if nkeys is None:
        nkeys = int(keys.max()) + 1 if keys.size else 0
    if keys.size and (keys.min() < 0 or keys.max() >= nkeys):
        raise ValueError(f"keys must lie in 0..{nkeys - 1}")
    given = np.asarray(threshold_ns)
    if given.dtype.kind == "f" and not np.isfinite(given).all():
        raise ValueError(f"threshold_ns must be finite (a number of nanoseconds > 0), got {threshold_ns!r}")
    if given.dtype.kind == "m" and np.isnat(given).any():
        raise ValueError("threshold_ns must not be NaT (a number of nanoseconds > 0)")
    thr = np.broadcast_to(np.asarray(given, dtype=np.int64), (nkeys,)).copy()
    if (thr <= 0).any():
        raise ValueError("threshold_ns must be > 0 (a threshold of 0 would make every record an event)")
    if keys.size == 0:
        empty = np.empty(0, np.int64)
        return empty, empty.copy(), empty.copy(), empty.copy()
    missing = ts == _NAT
    if missing.any():  # NaT would sort as the earliest moment and form events of its own
        rows = np.flatnonzero(missing)
        raise ValueError(
            f"timestamps hold {rows.size} NaT (missing) values, rows {rows[:5].tolist()}: every record needs a time"
        )
    g = _group(keys, ts, thr, nkeys, compare_to == "last_independent_record")
    return g.event, g.key, g.start, g.delta


# --------------------------------------------------------------------------------------------------
# DataFrame level
# --------------------------------------------------------------------------------------------------


def _as_threshold(value: object, what: str) -> pd.Timedelta:
    # np.timedelta64 is a numpy integer type, but a duration, not a bare number
    if isinstance(value, bool) or (
        isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, np.timedelta64)
    ):
        raise TypeError(
            f"{what} must be a duration such as '30min', pd.Timedelta(minutes=30) or datetime.timedelta; "
            f"got the bare number {value!r} (minutes? seconds?)"
        )
    try:
        out = pd.Timedelta(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what}: cannot read {value!r} as a duration ('30min', '1h', '1 day')") from err
    if pd.isna(out):
        raise ValueError(f"{what} is missing (NaT): it must be a duration > 0 such as '30min', got {value!r}")
    if out <= pd.Timedelta(0):
        raise ValueError(f"{what} must be > 0, got {value!r}")
    return out


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Sorted factorisation (missing values become their own last category)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # use the codes: no hashing of n values
        cats = values.cat.categories
        rank = np.empty(len(cats) + 1, np.int64)
        labels = np.asarray(cats, dtype=object)
        order = np.argsort(labels.astype(str), kind="stable") if len(cats) else np.empty(0, np.int64)
        rank[order] = np.arange(len(cats))
        rank[-1] = len(cats)  # code -1 (missing) -> its own last category
        codes = rank[values.cat.codes.to_numpy()]
        missing = [np.nan] if (codes == len(cats)).any() else []
        names = pd.Index(list(labels[order]) + missing, dtype=object)
        return codes, names
    codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _categorical(codes: np.ndarray, names: pd.Index) -> pd.Categorical:
    """Categorical from sorted-factorisation codes; the missing-value category becomes NaN."""
    missing = np.flatnonzero(pd.isna(names))
    codes = np.asarray(codes, dtype=np.int64)
    if missing.size:
        codes = np.where(np.isin(codes, missing), -1, codes - np.searchsorted(missing, codes, side="right"))
        names = names[~pd.isna(names)]
    return pd.Categorical.from_codes(codes, categories=names)


def _utc_times(ns: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """UTC timestamps from int64 nanoseconds (no intermediate copies)."""
    return pd.Series(ns.view("datetime64[ns]"), copy=False).dt.tz_localize("UTC").array


def _utc_ns(values: pd.Series, column: str) -> np.ndarray:
    s = values
    if not isinstance(s.dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(s.dtype):
            raise ValueError(
                f"column {column!r} holds timestamps without a time zone; localise them first "
                f"(e.g. df[{column!r}].dt.tz_localize('Asia/Vladivostok'))"
            )
        raise TypeError(f"column {column!r} must hold timezone-aware timestamps, got dtype {s.dtype}")
    if len(s) and s.isna().all():
        raise ValueError(empty_column_message(column, len(s)))
    if s.isna().any():
        rows = list(s.index[s.isna()][:5])
        raise ValueError(f"column {column!r} has {int(s.isna().sum())} missing timestamps (rows {rows} ...)")
    return s.array.as_unit("ns").asi8  # timezone-aware values are stored as UTC nanoseconds


def _thresholds_per_species(threshold: object, species: pd.Index) -> np.ndarray:
    """Threshold (ns) for every species category."""
    if isinstance(threshold, Mapping):
        default = _as_threshold(threshold.get("*", DEFAULT_THRESHOLD), "threshold['*']")
        out = np.empty(len(species), np.int64)
        for i, name in enumerate(species):
            value = threshold.get(name, None) if isinstance(name, str) else None
            out[i] = (default if value is None else _as_threshold(value, f"threshold[{name!r}]")).value
        return out
    return np.full(len(species), _as_threshold(threshold, "threshold").value, np.int64)


def _sighting_units(records: pd.DataFrame, media: pd.DataFrame | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The sighting unit of every record and the number of media behind it.

    A unit is what one row describes a part of: a medium (``mediaID``) for media-level rows, a
    sequence (``eventID``) for event-level rows -- several rows of one species in one unit (an adult
    female and nine juveniles) are one sighting whose ``count`` is their sum. Rows without either ID
    are their own unit (``None`` is returned when no row has an ID). Media per unit: 1 for a
    medium; for a sequence the media of the deployment between ``eventStart`` and ``eventEnd`` when
    ``media`` is given; else NaN (unknown).
    """
    n = len(records)
    cols = records.columns
    if "eventID" not in cols and "mediaID" not in cols and media is None:
        return None, None  # no unit information, media unknown
    if "observationLevel" in cols:
        is_event = (records["observationLevel"].astype("object") == "event").to_numpy(dtype=bool)
    else:
        is_event = np.zeros(n, bool)
    unit = np.arange(n, dtype=np.int64)
    per_unit_media = np.full(n, np.nan)
    offset = n
    if "eventID" in cols:
        codes, uniq = pd.factorize(records["eventID"])
        sel = is_event & (codes >= 0)
        unit[sel] = offset + codes[sel]
        offset += len(uniq)
    if "mediaID" in cols:
        codes, uniq = pd.factorize(records["mediaID"])
        sel = ~is_event & (codes >= 0)
        unit[sel] = offset + codes[sel]
        per_unit_media[sel] = 1.0
    if media is not None and is_event.any():
        for col in ("deploymentID", "timestamp"):
            if col not in media.columns:
                raise ValueError(f"media table has no {col!r} column")
        m_ts = _utc_ns(media["timestamp"], "media.timestamp")
        m_dep = media["deploymentID"].astype("object").to_numpy()
        idx = np.flatnonzero(is_event)
        sub = records.iloc[idx]
        s_ts = _utc_ns(sub["eventStart"], "eventStart")
        e_ts = _utc_ns(sub["eventEnd"].fillna(sub["eventStart"]), "eventEnd") if "eventEnd" in cols else s_ts
        deps = sub["deploymentID"].astype("object").to_numpy()
        for dep in pd.unique(deps):
            sel = np.flatnonzero(deps == dep)
            t = np.sort(m_ts[m_dep == dep])
            per_unit_media[idx[sel]] = np.searchsorted(t, e_ts[sel], "right") - np.searchsorted(t, s_ts[sel], "left")
    has_ids = "eventID" in cols or "mediaID" in cols
    return (unit if has_ids else None), per_unit_media


def _summarise_units(
    event: np.ndarray,
    unit: np.ndarray,
    count: np.ndarray,
    unit_media: np.ndarray,
    nevents: int,
    count_max: np.ndarray,
    media_sum: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Correct per-event count and media when several rows describe one sighting unit.

    ``count_max`` and ``media_sum`` were computed row by row; where one unit (medium or sequence)
    has several rows of the event's species their counts are summed first and the unit's media
    counted once.
    """
    if nevents == 0:
        return count_max, media_sum
    pair = event * (int(unit.max()) + 1) + unit
    if not (np.diff(np.sort(pair)) == 0).any():
        return count_max, media_sum
    rows = pd.DataFrame({"pair": pair, "event": event, "count": count, "media": unit_media})
    grouped = rows.groupby("pair", sort=False)
    per_unit = pd.DataFrame(
        {
            "event": grouped["event"].first(),
            "count": grouped["count"].sum(min_count=1),
            "media": grouped["media"].first(),
        }
    )
    by_event = per_unit.groupby("event", sort=True)
    cmax = by_event["count"].max().reindex(range(nevents)).to_numpy(dtype=float, copy=True)
    msum = by_event["media"].sum(min_count=1).reindex(range(nevents)).to_numpy(dtype=float, copy=True)
    unknown = per_unit["media"].isna().groupby(per_unit["event"]).any().reindex(range(nevents), fill_value=False)
    msum[unknown.to_numpy(dtype=bool)] = np.nan
    return cmax, msum


def _int_or_na(values: np.ndarray) -> pd.arrays.IntegerArray:
    missing = np.isnan(values)
    if missing.all():
        return pd.arrays.IntegerArray(np.zeros(values.size, np.int64), missing)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def independent_events(
    observations: pd.DataFrame,
    threshold: ThresholdLike | Mapping[str, ThresholdLike] = DEFAULT_THRESHOLD,
    compare_to: CompareTo = "last_record",
    by: Literal["locationID", "deploymentID"] = "locationID",
    cameras_independent: bool = False,
    deployments: pd.DataFrame | None = None,
    *,
    individual: bool = False,
    level: Literal["auto", "media", "event"] = "auto",
    observation_type: str | Sequence[str] | None = "animal",
    media: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Group observations into independent detection events per station and species.

    Mirrors camtrapR's temporal independence filter (``recordTable(minDeltaTime,
    deltaTimeComparedTo, camerasIndependent, eventSummaryColumn = "count", eventSummaryFunction =
    "max")``): records are sorted in time per station and species; a record starts a new event when
    the time since the previous record (``compare_to="last_record"``) or since the first record of
    the current event (``"last_independent_record"``) is at least ``threshold``.

    Parameters
    ----------
    observations : DataFrame
        Camtrap DP observations: ``deploymentID``, ``scientificName``, ``eventStart`` (timezone-aware)
        and optionally ``eventEnd``, ``observationLevel``, ``observationType``, ``count``,
        ``mediaID``, ``individualID``, ``locationID``.
    threshold : str, Timedelta or mapping, default "30min"
        Minimum time between independent events (> 0). A mapping gives one per ``scientificName``;
        its key ``"*"`` sets the value for species not listed (else 30 min).
    compare_to : {"last_record", "last_independent_record"}, default "last_record"
        camtrapR's ``deltaTimeComparedTo`` ("lastRecord" / "lastIndependentRecord").
    by : {"locationID", "deploymentID"}, default "locationID"
        What a station is: a location (all deployments there pooled) or a single deployment.
    cameras_independent : bool, default False
        With ``by="locationID"``: form events separately per camera of a location (``cameraID`` of
        the deployment, else the deployment itself), as camtrapR's ``camerasIndependent = TRUE``.
    deployments : DataFrame, optional
        Camtrap DP deployments; needed for ``locationID`` (unless ``observations`` carry it) and for
        ``cameraID``. Every observation's ``deploymentID`` must be listed.
    individual : bool, default False
        Also group by ``individualID`` (camtrapR's ``recordTableIndividual``); needed for spatial
        capture histories. Rows without an individual form their own group.
    level : {"auto", "media", "event"}, default "auto"
        Observation level to use; see :func:`select_records` (never counts a sequence twice). With
        ``"auto"`` pass all observations, not a table already cut to some species (see there).
    observation_type : str, sequence or None, default "animal"
        ``observationType`` values to keep; ``None`` keeps all.
    media : DataFrame, optional
        Camtrap DP media; when given, ``n_media`` of event-level observations counts the media of the
        deployment between ``eventStart`` and ``eventEnd``.

    Returns
    -------
    DataFrame
        One row per event in chronological order (``eventStart``, then station, camera, species,
        individual; sort with ``sort_values`` for camtrapR's station/species order), with columns
        ``event`` (0, 1, ...), the station column (``locationID`` or ``deploymentID``),
        ``deploymentID`` of the first record (when ``by="locationID"``), ``cameraID`` (when
        ``cameras_independent``), ``scientificName``, ``individualID`` (when ``individual``),
        ``eventStart``, ``eventEnd`` (UTC), ``delta_time`` (time from the previous event's reference
        record, NaT for the first), ``n_observations`` (rows grouped, camtrapR's ``n_images``),
        ``n_media`` (distinct media, <NA> when unknown), ``count`` (the largest number of animals seen
        at once: ``count`` summed over the rows of one medium or sequence, then the maximum over
        the event, camtrapR's ``eventSummaryFunction = "max"``) and, when the observations have an
        ``individualID`` column, ``n_individuals`` and ``individualIDs`` (distinct identified
        individuals, comma-separated). Station, camera, species and individual are categoricals.
        ``attrs`` record the settings.

    Notes
    -----
    Levels: per deployment either the event-level rows (when it has any) or the media-level rows
    are the records, never both (:func:`select_records`); an event-level row is a record at its
    ``eventStart`` and the grouped event ends at the latest ``eventEnd``, as camtraptor treats them.
    Ties: records of one group at the same instant are always one event (camtrapR would keep
    duplicates of a group's first second as separate records unless ``removeDuplicateRecords``).
    Rows are sorted only when needed (see :func:`group_events`): about 0.2 s for 10 million
    time-sorted rows, 0.7 s unsorted, on a shared 2-core machine (``benchmarks/events.py``).

    References
    ----------
    Niedballa, J. et al. (2016) camtrapR: an R package for efficient camera trap data management.
    *Methods in Ecology and Evolution* 7, 1457-1462. https://doi.org/10.1111/2041-210X.12600

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"locationID": ["A"] * 3, "scientificName": ["Sus scrofa"] * 3,
    ...     "eventStart": pd.to_datetime(["2024-05-01 22:00", "2024-05-01 22:40", "2024-05-01 23:30"], utc=True)})
    >>> len(independent_events(obs, "1h")), len(independent_events(obs, "1h", "last_independent_record"))
    (1, 2)
    """
    time_col = _check_arguments(observations, by, compare_to)
    records = select_records(observations, level=level, observation_type=observation_type)
    parts = _station_parts(records, by, deployments, cameras_independent)
    parts.keys.append(("scientificName", *_codes(records["scientificName"])))
    if individual:
        if "individualID" not in records.columns:
            raise ValueError("individual=True needs an 'individualID' column")
        parts.keys.append(("individualID", *_codes(records["individualID"])))
    keys = _combined_keys(parts.keys, len(records))
    thresholds = _thresholds_per_key(threshold, keys)
    grouped = _group_records(records, time_col, keys, thresholds, compare_to, media, by, parts)
    frame = _event_table(records, grouped, keys, by, cameras_independent, individual)
    frame.attrs.update(
        {
            "threshold": (
                {k: str(v) for k, v in threshold.items()}
                if isinstance(threshold, Mapping)
                else str(pd.Timedelta(threshold))
            ),
            "compare_to": compare_to,
            "by": by,
            "cameras_independent": cameras_independent,
            "individual": individual,
            "n_records": len(records),
        }
    )
    return frame


# the steps of independent_events, in the order it takes them


def _check_arguments(observations: pd.DataFrame, by: str, compare_to: str) -> str:
    """Check the options and the columns every call needs; return the time column (``eventStart`` or ``timestamp``)."""
    if by not in ("locationID", "deploymentID"):
        raise ValueError(f"by must be 'locationID' or 'deploymentID', got {by!r}")
    if compare_to not in ("last_record", "last_independent_record"):
        raise ValueError(f"compare_to must be 'last_record' or 'last_independent_record', got {compare_to!r}")
    for col in ("scientificName",):
        if col not in observations.columns:
            raise ValueError(f"observations have no {col!r} column")
    if "eventStart" in observations.columns:
        return "eventStart"
    if "timestamp" in observations.columns:
        return "timestamp"
    raise ValueError("observations need an 'eventStart' (or 'timestamp') column")


#: One part of the grouping key: its output column, the sorted-factorisation code of every record
#: and the names of the codes (see :func:`_codes`).
_KeyPart = tuple[str, np.ndarray, pd.Index]


@dataclass
class _StationParts:
    """The station (and camera) parts of the grouping key, and the deployment codes when looked up."""

    keys: list[_KeyPart]
    dep_codes: np.ndarray | None = None  # code of every record's deploymentID (when deployments were given)
    dep_ids: pd.Index | None = None  # the deploymentIDs of those codes


def _station_parts(
    records: pd.DataFrame,
    by: str,
    deployments: pd.DataFrame | None,
    cameras_independent: bool,
) -> _StationParts:
    """Station (and, with ``cameras_independent``, camera) of every record as codes into small tables of names.

    The station is the records' own ``by`` column, or (when the deployments are given or needed) looked
    up in ``deployments`` by ``deploymentID``; a camera is the deployment's ``cameraID``, else the
    deployment itself. Raises naming what is missing: the column, deployments not listed, deployments
    without ``locationID``, records without a station.
    """
    need_deployments = (by == "locationID" and "locationID" not in records.columns) or cameras_independent
    if deployments is None and not need_deployments:
        if by not in records.columns:
            raise ValueError(f"observations have no {by!r} column")
        parts = _StationParts([(by, *_codes(records[by]))])
    else:
        parts = _looked_up_stations(records, by, deployments, cameras_independent)
    _, codes, names = parts.keys[0]
    if pd.isna(names).any():
        raise ValueError(f"{int((codes == len(names) - 1).sum())} observations have no {by}")
    return parts


def _looked_up_stations(
    records: pd.DataFrame,
    by: str,
    deployments: pd.DataFrame | None,
    cameras_independent: bool,
) -> _StationParts:
    """Station and camera key parts of the records from the deployments table (see :func:`_station_parts`)."""
    if deployments is None:
        raise ValueError(
            "observations have no 'locationID'; pass deployments= (Camtrap DP deployments) to look it up"
            if by == "locationID"
            else "cameras_independent=True needs deployments= for cameraID"
        )
    if "deploymentID" not in records.columns:
        raise ValueError("observations have no 'deploymentID' column")
    dep = deployments.drop_duplicates("deploymentID").set_index("deploymentID")
    dep_codes, dep_ids = _codes(records["deploymentID"])
    missing = [d for d in dep_ids if pd.isna(d) or d not in dep.index]
    if missing:
        raise ValueError(f"{len(missing)} deploymentID(s) of the observations are not in deployments: {missing[:10]}")
    table = dep.reindex(dep_ids)
    parts = _StationParts([], dep_codes, dep_ids)
    if by == "locationID":
        if table["locationID"].isna().any():
            bad = [str(d) for d in table.index[table["locationID"].isna()]]
            raise ValueError(f"deployments without locationID: {bad[:10]} (use by='deploymentID')")
        loc_codes, loc_names = _codes(table["locationID"].astype("object"))
        parts.keys.append((by, loc_codes[dep_codes], loc_names))
    else:
        parts.keys.append((by, dep_codes, dep_ids))
    if cameras_independent and by == "locationID":
        if "cameraID" in table.columns:
            cam = table["cameraID"].astype("object")
        else:
            cam = pd.Series(np.nan, index=table.index, dtype=object)
        cam = cam.where(cam.notna(), pd.Series(table.index.astype(str), index=table.index))
        cam_codes, cam_names = _codes(cam)
        parts.keys.append(("cameraID", cam_codes[dep_codes], cam_names))
    return parts


@dataclass(frozen=True)
class _Keys:
    """The grouping key of every record, one integer lexicographic in the key parts' sorted codes."""

    parts: list[_KeyPart]
    sizes: list[int]  # number of names of every part (at least 1)
    codes: np.ndarray  # key of every record: 0 .. n_keys - 1
    n_keys: int
    index: np.ndarray | None  # the dense key of every compact key, when the keys were compacted

    @property
    def dense(self) -> np.ndarray:
        """The dense (uncompacted) value of every key ``0 .. n_keys - 1``."""
        return np.arange(self.n_keys, dtype=np.int64) if self.index is None else self.index

    def decode(self, keys: np.ndarray) -> dict[str, np.ndarray]:
        """The code of every part for the given keys."""
        rem = self.index[keys] if self.index is not None else keys.copy()
        decoded: dict[str, np.ndarray] = {}
        for (name, _, _), size in zip(reversed(self.parts), reversed(self.sizes)):
            decoded[name] = rem % size
            rem = rem // size
        return decoded


def _combined_keys(parts: list[_KeyPart], n: int) -> _Keys:
    """One integer key per record from the key parts; compacted when the combinations are too many (> 4 million)."""
    sizes = [max(len(names), 1) for _, _, names in parts]
    if float(np.prod(sizes, dtype=float)) <= 4_000_000:
        keys = parts[0][1].astype(np.int64, copy=True)
        for (_, codes, _), size in zip(parts[1:], sizes[1:]):
            keys *= size
            keys += codes
        return _Keys(parts, sizes, keys, int(np.prod(sizes)), None)
    # too many combinations for dense state arrays: compact them
    stacked = np.zeros(n, np.int64)
    for (_, codes, _), size in zip(parts, sizes):
        stacked = stacked * size + codes
    key_index, keys = np.unique(stacked, return_inverse=True)
    return _Keys(parts, sizes, keys.astype(np.int64), len(key_index), key_index)


def _thresholds_per_key(threshold: object, keys: _Keys) -> np.ndarray:
    """Threshold (ns) of every key, from its species."""
    names = [name for name, _, _ in keys.parts]
    sp_pos = names.index("scientificName")
    sp_names = keys.parts[sp_pos][2]
    thr_species = _thresholds_per_species(threshold, sp_names)
    after = int(np.prod(keys.sizes[sp_pos + 1 :], dtype=np.int64))
    key_species = (keys.dense // after) % keys.sizes[sp_pos]
    return thr_species[key_species] if len(sp_names) else np.full(keys.n_keys, 1, np.int64)


@dataclass(frozen=True)
class _Events:
    """Events of the records: the grouping (:class:`_Grouped`) and the counts and media per event."""

    grouped: _Grouped
    count_max: np.ndarray  # the largest count of a sighting unit, per event (NaN: unknown)
    n_media: np.ndarray  # distinct media per event (NaN: unknown)
    deployment_names: pd.Index | None  # names of ``grouped.first_code`` (by="locationID")


def _group_records(
    records: pd.DataFrame,
    time_col: str,
    keys: _Keys,
    thresholds: np.ndarray,
    compare_to: str,
    media: pd.DataFrame | None,
    by: str,
    parts: _StationParts,
) -> _Events:
    """Group the records into events and summarise each: end, rows, largest count, media, first deployment."""
    ts = _utc_ns(records[time_col], time_col)
    end_col = "eventEnd" if time_col == "eventStart" and "eventEnd" in records.columns else time_col
    te = None if end_col == time_col else _utc_ns(records[end_col].fillna(records[time_col]), end_col)
    count = None
    if "count" in records.columns:
        count = pd.to_numeric(records["count"], errors="raise").astype("float64").to_numpy(na_value=np.nan)
    unit, unit_media = _sighting_units(records, media)
    d_codes = d_names = None
    if by == "locationID" and "deploymentID" in records.columns:
        d_codes, d_names = (
            (parts.dep_codes, parts.dep_ids) if parts.dep_codes is not None else _codes(records["deploymentID"])
        )
    if len(records) == 0:
        none = np.empty(0, np.int64)
        g = _Grouped(
            none, none, none, none, end=none, n_rows=none, count_max=np.empty(0), media_sum=np.empty(0), first_code=none
        )
    else:
        media_known = unit_media is not None and not np.isnan(unit_media).all()
        g = _group(
            keys.codes,
            ts,
            thresholds,
            keys.n_keys,
            compare_to == "last_independent_record",
            aggregate=True,
            te=te,
            count=count,
            media=unit_media if media_known else None,
            codes=d_codes,
        )
        if not media_known:
            g = dataclasses.replace(g, media_sum=np.full(len(g.key), np.nan))
    cmax, n_media = g.count_max, g.media_sum
    if unit is not None and count is not None:
        cmax, n_media = _summarise_units(g.event, unit, count, unit_media, len(g.key), cmax, n_media)
    return _Events(g, cmax, n_media, d_names)


def _event_table(
    records: pd.DataFrame,
    events: _Events,
    keys: _Keys,
    by: str,
    cameras_independent: bool,
    individual: bool,
) -> pd.DataFrame:
    """The output table: one row per event, its key decoded into station, camera, species, individual columns."""
    g = events.grouped
    nevents = len(g.key)
    decoded = keys.decode(g.key)
    names_of = {name: names for name, _, names in keys.parts}

    def column(name: str) -> pd.Categorical:
        return _categorical(decoded[name], names_of[name])

    cols: dict[str, object] = {"event": np.arange(nevents, dtype=np.int64), by: column(by)}
    if by == "locationID" and "deploymentID" in records.columns:
        # deployment of the event's first record (ties at the start: the smallest deploymentID)
        cols["deploymentID"] = _categorical(g.first_code, events.deployment_names)
    if cameras_independent and by == "locationID":
        cols["cameraID"] = column("cameraID")
    cols["scientificName"] = column("scientificName")
    if individual:
        cols["individualID"] = column("individualID")
    cols["eventStart"] = _utc_times(g.start)
    cols["eventEnd"] = _utc_times(g.end)
    cols["delta_time"] = pd.Series(g.delta.view("timedelta64[ns]"), copy=False).array
    cols["n_observations"] = g.n_rows
    cols["n_media"] = _int_or_na(events.n_media)
    cols["count"] = _int_or_na(events.count_max)
    if "individualID" in records.columns:
        cols["n_individuals"], cols["individualIDs"] = _individuals(records, g.event, nevents)
    return pd.DataFrame(cols, copy=False)


def _individuals(records: pd.DataFrame, event: np.ndarray, nevents: int) -> tuple[np.ndarray, pd.Series]:
    """Number and comma-separated list of distinct identified individuals per event."""
    n_ind = np.zeros(nevents, np.int64)
    ids = pd.Series(pd.NA, index=np.arange(nevents), dtype="string")
    if "individualID" not in records.columns or nevents == 0:
        return n_ind, ids.to_numpy()
    ind = records["individualID"]
    has = ind.notna().to_numpy()
    if not has.any():
        return n_ind, ids.to_numpy()
    pairs = pd.DataFrame({"e": event[has], "i": ind.to_numpy()[has].astype(str)}).drop_duplicates()
    grouped = pairs.sort_values(["e", "i"]).groupby("e")["i"]
    joined = grouped.agg(", ".join)
    counts = grouped.size()
    n_ind[counts.index.to_numpy()] = counts.to_numpy()
    ids.iloc[joined.index.to_numpy()] = joined.to_numpy()
    return n_ind, ids.to_numpy()


def observations_from_camtrapr(
    record_table: pd.DataFrame,
    tz: str,
    station_col: str = "Station",
    species_col: str = "Species",
    datetime_col: str = "DateTimeOriginal",
    datetime_format: str = "%Y-%m-%d %H:%M:%S",
    individual_col: str | None = None,
    camera_col: str | None = None,
) -> pd.DataFrame:
    """Turn a camtrapR record table into Camtrap DP-like media-level observations.

    Parameters
    ----------
    record_table : DataFrame
        camtrapR ``recordTable`` / ``recordTableIndividual`` output (one row per record).
    tz : str
        Time zone of the record times (camtrapR's ``timeZone``), e.g. ``"Asia/Kuala_Lumpur"``.
    station_col, species_col, datetime_col : str
        Column names as in camtrapR (``stationCol``, ``speciesCol``, ``recordDateTimeCol``).
    datetime_format : str
        ``strptime`` format of ``datetime_col``.
    individual_col, camera_col : str, optional
        Columns with individual and camera IDs.

    Returns
    -------
    DataFrame
        ``observationID``, ``deploymentID`` (the station, or ``station__CAM_camera`` as camtrapR
        names cameras), ``locationID`` (the station), ``mediaID`` (``FileName`` when present),
        ``eventStart`` = ``eventEnd`` (UTC), ``observationLevel`` "media", ``observationType``
        "animal", ``scientificName``, ``count`` (<NA>) and ``individualID`` (when given).

    Examples
    --------
    >>> import pandas as pd
    >>> rt = pd.DataFrame({"Station": ["A"], "Species": ["PBE"], "DateTimeOriginal": ["2009-04-21 00:40:00"]})
    >>> observations_from_camtrapr(rt, tz="Asia/Kuala_Lumpur")["eventStart"].iloc[0]
    Timestamp('2009-04-20 16:40:00+0000', tz='UTC')
    """
    for col in (station_col, species_col, datetime_col):
        if col not in record_table.columns:
            raise ValueError(f"record table has no column {col!r}")
    when = pd.to_datetime(record_table[datetime_col].astype(str), format=datetime_format, errors="coerce")
    if when.isna().any():
        bad = record_table.index[when.isna()][:5].tolist()
        raise ValueError(
            f"{int(when.isna().sum())} values of {datetime_col!r} do not match {datetime_format!r} (rows {bad})"
        )
    when = when.dt.tz_localize(tz, ambiguous="raise", nonexistent="raise").dt.tz_convert("UTC")
    station = record_table[station_col].astype(str)
    deployment = station if camera_col is None else station + "__CAM_" + record_table[camera_col].astype(str)
    out = pd.DataFrame(
        {
            "observationID": [f"r{i}" for i in range(len(record_table))],
            "deploymentID": deployment.to_numpy(),
            "locationID": station.to_numpy(),
            "eventStart": when,
            "eventEnd": when,
            "observationLevel": "media",
            "observationType": "animal",
            "scientificName": record_table[species_col].astype(str).to_numpy(),
            "count": pd.array([pd.NA] * len(record_table), dtype="Int64"),
        },
        index=record_table.index,
    )
    if "FileName" in record_table.columns:
        out.insert(3, "mediaID", record_table["FileName"].astype(str).to_numpy())
    if individual_col is not None:
        if individual_col not in record_table.columns:
            raise ValueError(f"record table has no column {individual_col!r}")
        out["individualID"] = record_table[individual_col].astype("string").to_numpy()
    return out
