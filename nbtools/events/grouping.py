"""The grouping core of independent events: integer keys and UTC nanoseconds in, events out.

:func:`group_events` is the array-level entry (one integer key per record: station, species, ...);
:func:`nbtools.events.independent_events` builds the keys from Camtrap DP tables and calls :func:`_group`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .kernels import (
    _NAT,
    _aggregate_kernel,
    _all_divisible,
    _assign_kernel,
    _is_time_sorted,
    _pack,
    _pack_coarse,
    _refine,
    _unpack,
)

__all__ = ["CompareTo", "group_events"]

_INT64_MIN = np.iinfo(np.int64).min

#: camtrapR's ``deltaTimeComparedTo``: the previous record, or the first record of the current event.
CompareTo = Literal["last_record", "last_independent_record"]


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
