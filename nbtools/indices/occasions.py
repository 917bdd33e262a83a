"""Occasions on the camera-operation matrix: the shared helpers of the detection and capture histories.

Where each station's occasions lie (camtrapR's ``createDateRangeTable`` / ``adjustCameraOperationMatrix``),
the effort of each occasion, and which occasion every record falls in, with the reason a record is not
(or not cleanly) counted (:data:`BEFORE`, :data:`AFTER`, :data:`NO_EFFORT`, :data:`NO_INDIVIDUAL`,
:data:`DAY_WITHOUT_EFFORT`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..effort import DAY_NS, operation_settings
from .stations import time_column

Day1 = Literal["station", "survey"] | str | pd.Timestamp


# reasons a record is not (or not cleanly) counted
BEFORE = "before the first occasion (before set-up, in the buffer or before day1)"

AFTER = "after the last occasion (after retrieval or max_days)"

NO_EFFORT = "in an occasion without effort (NaN in the history)"

NO_INDIVIDUAL = "no individualID"

DAY_WITHOUT_EFFORT = "on a day without camera operation (counted: its occasion has effort)"


@dataclass(frozen=True)
class OccasionLayout:
    """Where each station's occasions lie on the operation matrix's day axis."""

    start: np.ndarray  # column of the first day of occasion 1, per station
    first: np.ndarray  # first column with effort counted, per station (-1: no effort at all)
    last: np.ndarray  # last column counted, per station
    ndays: int  # days covered by the occasions (columns of the aligned matrix)


def occasion_layout(
    operation: pd.DataFrame, day1: Day1, buffer_days: int | None, max_days: int | None
) -> OccasionLayout:
    """Occasion windows per station (camtrapR's ``createDateRangeTable`` / ``adjustCameraOperationMatrix``)."""
    values = operation.to_numpy(dtype=float)
    ncols = values.shape[1]
    known = ~np.isnan(values)
    has = known.any(axis=1)
    if not has.any():
        raise ValueError("the operation matrix has no day with a deployed camera")
    first_op = np.where(has, known.argmax(axis=1), -1)
    last_op = np.where(has, ncols - 1 - known[:, ::-1].argmax(axis=1), -1)
    if buffer_days is not None and (int(buffer_days) != buffer_days or buffer_days < 1):
        raise ValueError(f"buffer_days must be a whole number >= 1 when given, got {buffer_days!r}")
    if max_days is not None and (int(max_days) != max_days or max_days < 1):
        raise ValueError(f"max_days must be a whole number >= 1 when given, got {max_days!r}")
    buffer = int(buffer_days or 0)
    if isinstance(day1, str) and day1 in ("station", "survey"):
        first = np.where(has, first_op + buffer, -1)
        start = first.copy() if day1 == "station" else np.full_like(first, first[has].min())
        reference = first
    else:
        if buffer_days is not None:
            raise ValueError("buffer_days can only be used with day1='station' or 'survey' (as camtrapR)")
        try:
            stamp = pd.Timestamp(day1)
        except (TypeError, ValueError) as err:
            raise ValueError(f"day1 must be 'station', 'survey' or a date, got {day1!r}") from err
        if stamp.tz is not None:
            stamp = stamp.tz_convert(operation_settings(operation)["tz"]).tz_localize(None)
        day0 = int(operation.columns[0].as_unit("ns").value // DAY_NS)
        col = int(stamp.normalize().as_unit("ns").value // DAY_NS) - day0
        if col < first_op[has].min() or col > last_op[has].max():
            raise ValueError(
                f"day1 {stamp.date()} is outside the survey ({operation.columns[first_op[has].min()].date()} - "
                f"{operation.columns[last_op[has].max()].date()})"
            )
        start = np.full(len(values), col)
        first = np.where(has, np.maximum(first_op, col), -1)
        reference = start
    last = last_op.copy()
    if max_days is not None:
        last = np.minimum(last, reference + int(max_days) - 1)
    usable = has & (last >= first)
    if not usable.any():
        raise ValueError("no station has a day of effort left after day1, buffer_days and max_days")
    first = np.where(usable, first, -1)
    ndays = int((last - start + 1)[usable].max())
    return OccasionLayout(start=start, first=first, last=np.where(usable, last, -2), ndays=ndays)


def aligned_days(operation: pd.DataFrame, layout: OccasionLayout) -> np.ndarray:
    """Stations x ``layout.ndays`` daily operation from each station's occasion start, NaN outside."""
    values = operation.to_numpy(dtype=float)
    nst, ncols = values.shape
    cols = layout.start[:, None] + np.arange(layout.ndays)[None, :]
    inside = (cols >= layout.first[:, None]) & (cols <= layout.last[:, None]) & (cols >= 0) & (cols < ncols)
    out = np.full((nst, layout.ndays), np.nan)
    rows = np.broadcast_to(np.arange(nst)[:, None], cols.shape)
    out[inside] = values[rows[inside], cols[inside]]
    return out


def occasion_effort(
    days: np.ndarray, occasion_length: int, include_effort: bool, min_active_days: float | None
) -> np.ndarray:
    """Effort (sum of daily operation) per occasion with camtrapR's rules for NaN."""
    nst, ndays = days.shape
    nocc = -(-ndays // occasion_length)
    padded = np.full((nst, nocc * occasion_length), np.nan)
    padded[:, :ndays] = days
    blocks = padded.reshape(nst, nocc, occasion_length)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        effort = np.nansum(blocks, axis=2)
    effort[effort <= 0] = np.nan  # no day of operation at all (every day NaN or 0)
    if min_active_days is not None:
        effort[effort < min_active_days] = np.nan
    elif not include_effort:
        incomplete = np.isnan(blocks).any(axis=2) | (blocks == 0).any(axis=2)
        effort[incomplete] = np.nan
        if ndays % occasion_length:
            effort[:, -1] = np.nan
    return effort


def place_records(
    pos: np.ndarray,
    day: np.ndarray,
    operation: pd.DataFrame,
    layout: OccasionLayout,
    occasion_length: int,
    effort: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Occasion (0-based, -1 if none), counted flag and reason of every record."""
    n = len(pos)
    occasion = np.full(n, -1, np.int64)
    reason = np.full(n, None, dtype=object)
    first, last, start = layout.first[pos], layout.last[pos], layout.start[pos]
    before = (first < 0) | (day < first)
    after = ~before & (day > last)
    reason[before] = BEFORE
    reason[after] = AFTER
    ok = ~before & ~after
    occasion[ok] = (day[ok] - start[ok]) // occasion_length
    occ_ok = ok.copy()
    occ_ok[ok] = ~np.isnan(effort[pos[ok], occasion[ok]])
    reason[ok & ~occ_ok] = NO_EFFORT
    occasion[~occ_ok] = -1
    values = operation.to_numpy(dtype=float)
    inside = (day >= 0) & (day < values.shape[1])
    day_value = np.full(n, np.nan)
    day_value[inside] = values[pos[inside], day[inside]]
    reason[occ_ok & ~(day_value > 0)] = DAY_WITHOUT_EFFORT
    return occasion, occ_ok, reason


def record_table(
    events: pd.DataFrame, station_col: str, occasion: np.ndarray, counted: np.ndarray, reason: np.ndarray
) -> pd.DataFrame:
    """Every record with its occasion (1-based, NA if none), counted flag and reason, for ``records_outside``."""
    cols = [c for c in (station_col, "scientificName", "individualID", time_column(events)) if c in events.columns]
    out = events[cols].copy()
    out["occasion"] = pd.array(np.where(occasion >= 0, occasion + 1, 0), dtype="Int64")
    out.loc[occasion < 0, "occasion"] = pd.NA
    out["counted"] = counted
    out["reason"] = pd.array(reason, dtype="string")
    return out


def warn_uncounted(records: pd.DataFrame, what: str) -> None:
    """Warn how many records were not counted in ``what`` and why (stack level: the caller's caller)."""
    lost = records[~records["counted"]]
    if len(lost):
        by_reason = lost["reason"].value_counts().to_dict()
        warnings.warn(
            f"{len(lost)} of {len(records)} records were not counted in the {what}: {by_reason}; see .records_outside",
            stacklevel=3,
        )


def occasion_starts(operation: pd.DataFrame, layout: OccasionLayout, nocc: int, occasion_length: int) -> pd.DataFrame:
    """Start day (first day of the occasion) of every station x occasion; NaT at stations without effort."""
    day0 = operation.columns[0]
    starts = layout.start[:, None] + occasion_length * np.arange(nocc)[None, :]
    stamps = np.asarray(day0 + pd.to_timedelta(starts.ravel(), unit="D")).reshape(starts.shape)
    stamps[layout.first < 0] = np.datetime64("NaT")  # stations without any effort
    return pd.DataFrame(stamps, index=operation.index, columns=pd.RangeIndex(1, nocc + 1, name="occasion"))
