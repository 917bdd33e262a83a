"""Compiled kernels of the event grouping (numba): time sorting by packed integers, event assignment, aggregates.

Arrays in, arrays out; called by :mod:`nbtools.events.grouping` only. ``_NAT`` is numpy's NaT as int64.
"""

from __future__ import annotations

import numba
import numpy as np

_NAT = np.iinfo(np.int64).min  # numpy's NaT as int64


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
