"""Relative abundance, naive occupancy, detection histories, spatial capture histories, survey report.

The tables built from independent events (:mod:`nbtools.events`) and camera operation
(:mod:`nbtools.effort`), with the semantics of camtrapR's ``detectionHistory``,
``spatialDetectionHistory`` and ``surveyReport``. Unlike camtrapR, no record is left out silently:
every record a detection history could not place is listed with its reason (jniedballa/camtrapR#24).

>>> import pandas as pd
>>> from nbtools.effort import camera_operation
>>> dep = pd.DataFrame({"deploymentID": ["d1", "d2"], "locationID": ["A", "B"],
...     "deploymentStart": pd.to_datetime(["2024-01-01 12:00"] * 2, utc=True),
...     "deploymentEnd": pd.to_datetime(["2024-01-11 00:00"] * 2, utc=True)})
>>> ev = pd.DataFrame({"locationID": ["A", "A"], "scientificName": ["Sus scrofa"] * 2,
...     "eventStart": pd.to_datetime(["2024-01-02 03:00", "2024-01-09 03:00"], utc=True)})
>>> dh = detection_history(ev, camera_operation(dep), "Sus scrofa", occasion_length=5)
>>> dh.detections.to_numpy().tolist(), dh.effort.to_numpy().tolist()
([[1.0, 1.0], [0.0, 0.0]], [[4.5, 5.0], [4.5, 5.0]])

References
----------
Niedballa, J., Sollmann, R., Courtiol, A. and Wilting, A. (2016) camtrapR: an R package for efficient
camera trap data management. *Methods in Ecology and Evolution* 7, 1457-1462.
https://doi.org/10.1111/2041-210X.12600

MacKenzie, D.I., Nichols, J.D., Lachman, G.B., Droege, S., Royle, J.A. and Langtimm, C.A. (2002)
Estimating site occupancy rates when detection probabilities are less than one. *Ecology* 83,
2248-2255. https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2

Efford, M.G. (2004) Density estimation in live-trapping studies. *Oikos* 106, 598-610.
https://doi.org/10.1111/j.0030-1299.2004.13043.x
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .effort import DAY_NS, HOUR_NS, operation_settings, trap_nights

__all__ = [
    "DetectionHistory",
    "SpatialCaptureHistory",
    "SurveyReport",
    "detection_history",
    "naive_occupancy",
    "relative_abundance",
    "spatial_capture_history",
    "survey_report",
]

Day1 = Literal["station", "survey"] | str | pd.Timestamp

# reasons a record is not (or not cleanly) counted
BEFORE = "before the first occasion (before set-up, in the buffer or before day1)"
AFTER = "after the last occasion (after retrieval or max_days)"
NO_EFFORT = "in an occasion without effort (NaN in the history)"
NO_INDIVIDUAL = "no individualID"
DAY_WITHOUT_EFFORT = "on a day without camera operation (counted: its occasion has effort)"


# --------------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------------


def _time_column(events: pd.DataFrame) -> str:
    for col in ("eventStart", "timestamp"):
        if col in events.columns:
            return col
    raise ValueError("events need an 'eventStart' (or 'timestamp') column")


def _station_positions(events: pd.DataFrame, operation: pd.DataFrame, station_col: str) -> np.ndarray:
    """Row of ``operation`` for every event; error naming stations the operation matrix lacks."""
    if station_col not in events.columns:
        raise ValueError(
            f"events have no {station_col!r} column, the station column of the operation matrix "
            f"(make both with the same by=)"
        )
    pos = operation.index.get_indexer(events[station_col].astype("object"))
    if (pos < 0).any():
        missing = sorted({str(s) for s in events.loc[pos < 0, station_col]})
        raise ValueError(
            f"{int((pos < 0).sum())} events are at station(s) without camera operation "
            f"(no deployment): {missing[:10]}"
        )
    return pos


def _event_days(events: pd.DataFrame, operation: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row in operation, column in operation) of every event; columns may fall outside the matrix."""
    settings = operation_settings(operation)
    pos = _station_positions(events, operation, settings["by"])
    col = _time_column(events)
    t = events[col]
    if not isinstance(t.dtype, pd.DatetimeTZDtype):
        raise TypeError(f"events[{col!r}] must hold timezone-aware timestamps")
    local = t.dt.tz_convert(settings["tz"]).dt.tz_localize(None).array.as_unit("ns").asi8
    day = np.floor_divide(local - settings["day_start_hour"] * HOUR_NS, DAY_NS)
    first = operation.columns[0].as_unit("ns").value // DAY_NS if len(operation.columns) else 0
    return pos, (day - first).astype(np.int64)


def _species_events(events: pd.DataFrame, species: str | None) -> pd.DataFrame:
    if "scientificName" not in events.columns:
        raise ValueError("events have no 'scientificName' column")
    if species is None:
        return events
    sel = events["scientificName"].astype("object") == species
    if not sel.any():
        known = sorted({str(s) for s in events["scientificName"].dropna().unique()})
        raise ValueError(f"species {species!r} not found in events; species present: {known[:20]}")
    return events.loc[sel.to_numpy()]


@dataclass(frozen=True)
class _Layout:
    """Where each station's occasions lie on the operation matrix's day axis."""

    start: np.ndarray  # column of the first day of occasion 1, per station
    first: np.ndarray  # first column with effort counted, per station (-1: no effort at all)
    last: np.ndarray  # last column counted, per station
    ndays: int  # days covered by the occasions (columns of the aligned matrix)


def _layout(operation: pd.DataFrame, day1: Day1, buffer_days: int | None, max_days: int | None) -> _Layout:
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
    return _Layout(start=start, first=first, last=np.where(usable, last, -2), ndays=ndays)


def _aligned_days(operation: pd.DataFrame, layout: _Layout) -> np.ndarray:
    """Stations x ``layout.ndays`` daily operation from each station's occasion start, NaN outside."""
    values = operation.to_numpy(dtype=float)
    nst, ncols = values.shape
    cols = layout.start[:, None] + np.arange(layout.ndays)[None, :]
    inside = (cols >= layout.first[:, None]) & (cols <= layout.last[:, None]) & (cols >= 0) & (cols < ncols)
    out = np.full((nst, layout.ndays), np.nan)
    rows = np.broadcast_to(np.arange(nst)[:, None], cols.shape)
    out[inside] = values[rows[inside], cols[inside]]
    return out


def _occasion_effort(
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


def _place_records(
    pos: np.ndarray, day: np.ndarray, operation: pd.DataFrame, layout: _Layout, occasion_length: int, effort: np.ndarray
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


def _record_table(
    events: pd.DataFrame, station_col: str, occasion: np.ndarray, counted: np.ndarray, reason: np.ndarray
) -> pd.DataFrame:
    cols = [c for c in (station_col, "scientificName", "individualID", _time_column(events)) if c in events.columns]
    out = events[cols].copy()
    out["occasion"] = pd.array(np.where(occasion >= 0, occasion + 1, 0), dtype="Int64")
    out.loc[occasion < 0, "occasion"] = pd.NA
    out["counted"] = counted
    out["reason"] = pd.array(reason, dtype="string")
    return out


def _warn_uncounted(records: pd.DataFrame, what: str) -> None:
    lost = records[~records["counted"]]
    if len(lost):
        by_reason = lost["reason"].value_counts().to_dict()
        warnings.warn(
            f"{len(lost)} of {len(records)} records were not counted in the {what}: {by_reason}; "
            f"see .records_outside",
            stacklevel=3,
        )


def _occasion_starts(operation: pd.DataFrame, layout: _Layout, nocc: int, occasion_length: int) -> pd.DataFrame:
    day0 = operation.columns[0]
    starts = layout.start[:, None] + occasion_length * np.arange(nocc)[None, :]
    stamps = np.asarray(day0 + pd.to_timedelta(starts.ravel(), unit="D")).reshape(starts.shape)
    stamps[layout.first < 0] = np.datetime64("NaT")  # stations without any effort
    return pd.DataFrame(stamps, index=operation.index, columns=pd.RangeIndex(1, nocc + 1, name="occasion"))


# --------------------------------------------------------------------------------------------------
# detection histories (occupancy)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectionHistory:
    """A species' detection history with its effort, as camtrapR's ``detectionHistory`` returns.

    Attributes
    ----------
    species : str
    detections : DataFrame
        Stations x occasions (1, 2, ...): 1/0 (``output="binary"``) or numbers of events
        (``"count"``); NaN where the station had no (or too little) effort.
    effort : DataFrame
        Trap-days per station and occasion (sums of the daily camera operation); NaN as above.
    occasion_start : DataFrame
        The local date on which each station's occasion begins.
    records : DataFrame
        Every record of the species with its ``occasion``, whether it was ``counted`` and why not
        (or why it is doubtful) in ``reason``.
    settings : dict
        The arguments that made the history.
    """

    species: str
    detections: pd.DataFrame
    effort: pd.DataFrame
    occasion_start: pd.DataFrame
    records: pd.DataFrame
    settings: dict = field(default_factory=dict)

    @property
    def records_outside(self) -> pd.DataFrame:
        """Records not counted, or counted on a day without camera operation, with the reason."""
        return self.records[self.records["reason"].notna().to_numpy()]

    def to_frame(self) -> pd.DataFrame:
        """Long table: station, occasion, occasion start, detections, effort."""
        name = self.detections.index.name or "station"
        long = self.detections.stack(future_stack=True).rename("detections").to_frame()
        long["effort"] = self.effort.stack(future_stack=True)
        long["occasion_start"] = self.occasion_start.stack(future_stack=True)
        long = long.reset_index().rename(columns={"level_0": name})
        return long[[name, "occasion", "occasion_start", "detections", "effort"]]

    def __repr__(self) -> str:
        det = self.detections.to_numpy()
        return (
            f"DetectionHistory({self.species!r}: {det.shape[0]} stations x {det.shape[1]} occasions of "
            f"{self.settings.get('occasion_length')} days, {int(np.nansum(det > 0))} detections, "
            f"effort {np.nansum(self.effort.to_numpy()):.1f} trap-days, "
            f"{int((~self.records['counted']).sum())} records not counted)"
        )


def detection_history(
    events: pd.DataFrame,
    operation: pd.DataFrame,
    species: str,
    occasion_length: int = 7,
    day1: Day1 = "survey",
    include_effort: bool = True,
    *,
    output: Literal["binary", "count"] = "binary",
    min_active_days: float | None = None,
    max_days: int | None = None,
    buffer_days: int | None = None,
) -> DetectionHistory:
    """Detection history of one species for occupancy models (camtrapR's ``detectionHistory``).

    Parameters
    ----------
    events : DataFrame
        Independent events (:func:`nbtools.events.independent_events`) or records: the station
        column of ``operation`` (``locationID``), ``scientificName``, ``eventStart``.
    operation : DataFrame
        Camera-operation matrix (:func:`nbtools.effort.camera_operation`).
    species : str
        ``scientificName`` to build the history for.
    occasion_length : int, default 7
        Days per occasion (camtrapR's ``occasionLength``).
    day1 : {"survey", "station"} or date, default "survey"
        Occasion 1 begins on the survey's first day, on each station's set-up day, or on a date.
    include_effort : bool, default True
        camtrapR's ``includeEffort``: ``True`` keeps partly operated occasions (use ``effort`` as a
        covariate); ``False`` makes an occasion NaN if any of its days had no operation, and the last
        occasion NaN when shorter than ``occasion_length``.
    output : {"binary", "count"}, default "binary"
        Detection (1/0) or the number of events per occasion.
    min_active_days : float, optional
        Occasions with fewer trap-days become NaN (camtrapR's ``minActiveDaysPerOccasion``).
    max_days : int, optional
        Use at most this many days per station from its first day (camtrapR's ``maxNumberDays``).
    buffer_days : int, optional
        Begin this many days after each station's set-up (camtrapR's ``buffer``).

    Returns
    -------
    DetectionHistory
        ``detections``, ``effort`` (stations x occasions), ``occasion_start``, ``records`` (with the
        reason for every record not counted) and ``to_frame()``.

    Raises
    ------
    ValueError
        Unknown species, events at stations without operation, an occasion longer than the survey.

    Notes
    -----
    Effort of an occasion is the sum of its daily operation values; it is NaN when the station
    operated on none of its days (camtrapR). Where effort is NaN the history is NaN; records there are
    not counted and are listed in ``records_outside`` with a warning. A record on a day without
    operation inside an occasion with effort is counted (as camtrapR) but listed too. Occasions are
    half-open day ranges; camtrapR puts a record at exactly 00:00:00 of an occasion's first day in
    the previous occasion (its ``ceiling``), here it is in the day's own occasion. ``effort`` is
    returned also when ``include_effort=False`` (camtrapR then returns the history only); camtrapR's
    ``scaleEffort`` is ``(effort - mean) / sd`` of the non-missing cells, left to the caller.

    References
    ----------
    Niedballa, J. et al. (2016) *Methods in Ecology and Evolution* 7, 1457-1462.
    https://doi.org/10.1111/2041-210X.12600
    MacKenzie, D.I. et al. (2002) *Ecology* 83, 2248-2255.
    https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2
    """
    if output not in ("binary", "count"):
        raise ValueError(f"output must be 'binary' or 'count', got {output!r}")
    if int(occasion_length) != occasion_length or occasion_length < 1:
        raise ValueError(f"occasion_length must be a whole number of days >= 1, got {occasion_length!r}")
    occasion_length = int(occasion_length)
    if min_active_days is not None and not (0 < min_active_days <= occasion_length):
        raise ValueError(f"min_active_days must be in (0, occasion_length], got {min_active_days!r}")
    settings = operation_settings(operation)
    sp = _species_events(events, species)
    layout = _layout(operation, day1, buffer_days, max_days)
    if occasion_length > layout.ndays:
        raise ValueError(f"occasion_length ({occasion_length} days) is longer than the survey ({layout.ndays} days)")
    days = _aligned_days(operation, layout)
    effort = _occasion_effort(days, occasion_length, include_effort, min_active_days)
    pos, day = _event_days(sp, operation)
    occasion, counted, reason = _place_records(pos, day, operation, layout, occasion_length, effort)

    counts = np.zeros_like(effort)
    np.add.at(counts, (pos[counted], occasion[counted]), 1.0)
    det = counts if output == "count" else (counts > 0).astype(float)
    det[np.isnan(effort)] = np.nan
    occasions = pd.RangeIndex(1, effort.shape[1] + 1, name="occasion")
    records = _record_table(sp, settings["by"], occasion, counted, reason)
    _warn_uncounted(records, f"detection history of {species!r}")
    return DetectionHistory(
        species=species,
        detections=pd.DataFrame(det, index=operation.index, columns=occasions),
        effort=pd.DataFrame(effort, index=operation.index, columns=occasions),
        occasion_start=_occasion_starts(operation, layout, effort.shape[1], occasion_length),
        records=records,
        settings={
            "occasion_length": occasion_length,
            "day1": day1,
            "include_effort": include_effort,
            "output": output,
            "min_active_days": min_active_days,
            "max_days": max_days,
            "buffer_days": buffer_days,
            **settings,
        },
    )


# --------------------------------------------------------------------------------------------------
# spatial capture histories (SECR)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpatialCaptureHistory:
    """Capture histories of identified individuals at camera stations, in the form secr needs.

    Attributes
    ----------
    species : str
    counts : ndarray
        Individuals x occasions x traps: numbers of detections (``detector="count"``) or 0/1
        (``"proximity"``), secr's ``capthist`` layout.
    individuals, traps : Index
        Individual IDs and station IDs (the rows of ``usage``).
    occasions : RangeIndex
        1, 2, ... (occasion start dates in ``occasion_start``).
    usage : DataFrame
        Traps x occasions: trap-days of effort (0 where none), secr's ``usage(traps)``.
    detector : str
        ``"count"`` or ``"proximity"``.
    records : DataFrame
        Every record with its occasion and whether (or why not) it was counted.
    """

    species: str
    counts: np.ndarray
    individuals: pd.Index
    traps: pd.Index
    occasions: pd.RangeIndex
    usage: pd.DataFrame
    occasion_start: pd.Series
    detector: str
    records: pd.DataFrame
    settings: dict = field(default_factory=dict)

    @property
    def records_outside(self) -> pd.DataFrame:
        """Records not counted (or counted on a day without operation), with the reason."""
        return self.records[self.records["reason"].notna().to_numpy()]

    @property
    def captures(self) -> pd.DataFrame:
        """Long capture table (secr ``read.capthist`` order): session, ID, occasion, trap, n."""
        i, k, j = np.nonzero(self.counts)
        return pd.DataFrame(
            {
                "session": 1,
                "ID": self.individuals[i],
                "occasion": self.occasions[k],
                "trap": self.traps[j],
                "n": self.counts[i, k, j].astype(np.int64),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """The long capture table (see :attr:`captures`)."""
        return self.captures

    def __repr__(self) -> str:
        return (
            f"SpatialCaptureHistory({self.species!r}: {len(self.individuals)} individuals, "
            f"{len(self.occasions)} occasions, {len(self.traps)} traps, detector={self.detector!r}, "
            f"{int(self.counts.sum())} detections)"
        )


def spatial_capture_history(
    events: pd.DataFrame,
    operation: pd.DataFrame,
    species: str,
    occasion_length: int = 1,
    day1: Literal["survey"] | str | pd.Timestamp = "survey",
    *,
    output: Literal["count", "binary"] = "count",
    max_days: int | None = None,
    buffer_days: int | None = None,
) -> SpatialCaptureHistory:
    """Individual x occasion x station capture history for SECR (camtrapR's ``spatialDetectionHistory``).

    Parameters
    ----------
    events : DataFrame
        Events of identified individuals: ``individualID``, ``scientificName``, ``eventStart`` and
        the station column of ``operation`` -- e.g. ``independent_events(..., individual=True)``.
    operation : DataFrame
        Camera-operation matrix (:func:`nbtools.effort.camera_operation`); its stations are the traps.
    species : str
        ``scientificName`` of the identified species.
    occasion_length : int, default 1
        Days per occasion.
    day1 : "survey" or date, default "survey"
        Occasions are common to all traps (SECR needs that), starting on the survey's first day or a date.
    output : {"count", "binary"}, default "count"
        Numbers of detections (secr detector ``"count"``) or 0/1 (``"proximity"``).
    max_days, buffer_days : int, optional
        As in :func:`detection_history`.

    Returns
    -------
    SpatialCaptureHistory
        ``counts`` (individuals x occasions x traps), ``usage`` (traps x occasions, trap-days),
        ``captures`` (long table), ``records`` with reasons.

    Notes
    -----
    Each event counts once. Records without ``individualID``, or in occasions in which the trap had no
    effort (usage 0), are not counted; they are listed in ``records_outside`` with a warning.

    References
    ----------
    Efford, M.G. (2004) Density estimation in live-trapping studies. *Oikos* 106, 598-610.
    https://doi.org/10.1111/j.0030-1299.2004.13043.x
    Niedballa, J. et al. (2016) *Methods in Ecology and Evolution* 7, 1457-1462.
    https://doi.org/10.1111/2041-210X.12600
    """
    if output not in ("count", "binary"):
        raise ValueError(f"output must be 'count' or 'binary', got {output!r}")
    if isinstance(day1, str) and day1 == "station":
        raise ValueError("day1='station' gives every trap its own occasions; SECR needs 'survey' or a date")
    if int(occasion_length) != occasion_length or occasion_length < 1:
        raise ValueError(f"occasion_length must be a whole number of days >= 1, got {occasion_length!r}")
    occasion_length = int(occasion_length)
    if "individualID" not in events.columns:
        raise ValueError(
            "events have no 'individualID' column; group observations with "
            "independent_events(..., individual=True)"
        )
    settings = operation_settings(operation)
    sp = _species_events(events, species)
    layout = _layout(operation, day1, buffer_days, max_days)
    if occasion_length > layout.ndays:
        raise ValueError(f"occasion_length ({occasion_length} days) is longer than the survey ({layout.ndays} days)")
    effort = _occasion_effort(_aligned_days(operation, layout), occasion_length, True, None)
    pos, day = _event_days(sp, operation)
    occasion, counted, reason = _place_records(pos, day, operation, layout, occasion_length, effort)
    no_id = sp["individualID"].isna().to_numpy()
    counted = counted & ~no_id
    reason[no_id] = NO_INDIVIDUAL
    ids = pd.Index(sorted({str(i) for i in sp.loc[counted, "individualID"]}), name="ID")
    ind = ids.get_indexer(sp["individualID"].astype("object").astype(str))
    counts = np.zeros((len(ids), effort.shape[1], len(operation.index)))
    np.add.at(counts, (ind[counted], occasion[counted], pos[counted]), 1.0)
    if output == "binary":
        counts = (counts > 0).astype(float)
    occasions = pd.RangeIndex(1, effort.shape[1] + 1, name="occasion")
    usage = pd.DataFrame(np.nan_to_num(effort, nan=0.0), index=operation.index.rename("trap"), columns=occasions)
    records = _record_table(sp, settings["by"], np.where(counted, occasion, -1), counted, reason)
    _warn_uncounted(records, f"spatial capture history of {species!r}")
    starts = _occasion_starts(operation, layout, effort.shape[1], occasion_length).iloc[0].rename("occasion_start")
    return SpatialCaptureHistory(
        species=species,
        counts=counts,
        individuals=ids,
        traps=operation.index.rename("trap"),
        occasions=occasions,
        usage=usage,
        occasion_start=starts,
        detector="count" if output == "count" else "proximity",
        records=records,
        settings={
            "occasion_length": occasion_length,
            "day1": day1,
            "max_days": max_days,
            "buffer_days": buffer_days,
            **settings,
        },
    )


# --------------------------------------------------------------------------------------------------
# relative abundance, naive occupancy, survey report
# --------------------------------------------------------------------------------------------------


def _warn_days_without_operation(events: pd.DataFrame, operation: pd.DataFrame, what: str) -> None:
    pos, day = _event_days(events, operation)
    values = operation.to_numpy(dtype=float)
    inside = (day >= 0) & (day < values.shape[1])
    ok = np.zeros(len(pos), bool)
    ok[inside] = values[pos[inside], day[inside]] > 0
    if (~ok).any():
        station_col = operation_settings(operation)["by"]
        where = sorted({str(s) for s in events.loc[~ok, station_col]})
        warnings.warn(
            f"{int((~ok).sum())} events counted in the {what} fall on days without camera operation "
            f"(stations {where[:10]}): check deployment dates and clocks",
            stacklevel=3,
        )


def _as_object(events: pd.DataFrame, station_col: str) -> pd.DataFrame:
    """Station and species as plain objects (categoricals would add unobserved groups)."""
    converted = {station_col: events[station_col].astype("object")}
    converted["scientificName"] = events["scientificName"].astype("object")
    return events.assign(**converted)


def _species_list(events: pd.DataFrame, species: str | Sequence[str] | None) -> list[str]:
    if species is None:
        return sorted({str(s) for s in events["scientificName"].dropna().unique()})
    return [species] if isinstance(species, str) else list(species)


def relative_abundance(
    events: pd.DataFrame,
    operation: pd.DataFrame,
    species: str | Sequence[str] | None = None,
    *,
    by: Literal["station", "survey"] = "station",
    per_trap_nights: float = 100.0,
) -> pd.DataFrame:
    """Relative abundance index: independent events per 100 trap-nights.

    Parameters
    ----------
    events : DataFrame
        Independent events with the station column of ``operation`` and ``scientificName``.
    operation : DataFrame
        Camera-operation matrix (:func:`nbtools.effort.camera_operation`).
    species : str or sequence, optional
        Species to report (default: all in ``events``); species without events get 0.
    by : {"station", "survey"}, default "station"
        One row per station and species, or one per species over the whole survey.
    per_trap_nights : float, default 100
        Effort unit of the index.

    Returns
    -------
    DataFrame
        ``[station,] scientificName, n_events, trap_nights, rai`` with
        ``rai = n_events / trap_nights * per_trap_nights``; NaN only where trap_nights is 0.

    References
    ----------
    O'Brien, T.G., Kinnaird, M.F. and Wibisono, H.T. (2003) Crouching tigers, hidden prey: Sumatran
    tiger and prey populations in a tropical forest landscape. *Animal Conservation* 6, 131-139.
    https://doi.org/10.1017/S1367943003003172

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> op = pd.DataFrame([[1.0] * 50, [1.0] * 25 + [np.nan] * 25], index=pd.Index(["A", "B"], name="locationID"),
    ...                   columns=pd.date_range("2024-01-01", periods=50, name="date"))
    >>> ev = pd.DataFrame({"locationID": ["A", "B"], "scientificName": ["Sus scrofa"] * 2,
    ...                    "eventStart": pd.to_datetime(["2024-01-02", "2024-01-03"], utc=True)})
    >>> relative_abundance(ev, op)["rai"].tolist(), relative_abundance(ev, op, by="survey")["rai"].tolist()
    ([2.0, 4.0], [2.666666666666667])
    """
    if by not in ("station", "survey"):
        raise ValueError(f"by must be 'station' or 'survey', got {by!r}")
    station_col = operation_settings(operation)["by"]
    _station_positions(events, operation, station_col)
    _warn_days_without_operation(events, operation, "relative abundance index")
    names = _species_list(events, species)
    tn = trap_nights(operation)
    counts = _as_object(events, station_col).groupby([station_col, "scientificName"], sort=False).size()
    grid = pd.MultiIndex.from_product([operation.index, names], names=[station_col, "scientificName"])
    table = counts.reindex(grid, fill_value=0).rename("n_events").reset_index()
    table["trap_nights"] = tn.reindex(table[station_col]).to_numpy()
    if by == "survey":
        table = table.groupby("scientificName", sort=False, as_index=False).agg(n_events=("n_events", "sum"))
        table["trap_nights"] = float(tn.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        rai = table["n_events"].to_numpy(dtype=float) / table["trap_nights"].to_numpy(dtype=float) * per_trap_nights
    table["rai"] = np.where(table["trap_nights"].to_numpy() > 0, rai, np.nan)
    return table


def naive_occupancy(
    events: pd.DataFrame, operation: pd.DataFrame, species: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Naive occupancy: the share of surveyed stations where a species was detected.

    Parameters
    ----------
    events : DataFrame
        Independent events with the station column of ``operation`` and ``scientificName``.
    operation : DataFrame
        Camera-operation matrix; stations with trap-nights > 0 count as surveyed.
    species : str or sequence, optional
        Species to report (default: all in ``events``).

    Returns
    -------
    DataFrame
        ``scientificName, n_stations_detected, n_stations, naive_occupancy``.

    Notes
    -----
    Ignores imperfect detection; use :func:`detection_history` and an occupancy model for estimates
    (MacKenzie et al. 2002, https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2).

    Examples
    --------
    >>> import pandas as pd
    >>> op = pd.DataFrame([[1.0], [1.0]], index=pd.Index(["A", "B"], name="locationID"),
    ...                   columns=pd.date_range("2024-01-01", periods=1, name="date"))
    >>> ev = pd.DataFrame({"locationID": ["A"], "scientificName": ["Sus scrofa"],
    ...                    "eventStart": pd.to_datetime(["2024-01-01 10:00"], utc=True)})
    >>> naive_occupancy(ev, op)["naive_occupancy"].tolist()
    [0.5]
    """
    station_col = operation_settings(operation)["by"]
    _station_positions(events, operation, station_col)
    surveyed = trap_nights(operation) > 0
    outside = ~surveyed.reindex(events[station_col].astype("object")).to_numpy()
    if outside.any():
        warnings.warn(
            f"{int(outside.sum())} events at stations without trap-nights are not counted "
            f"({sorted({str(s) for s in events.loc[outside, station_col]})[:10]})",
            stacklevel=2,
        )
    rows = []
    for name in _species_list(events, species):
        of_species = (events["scientificName"].astype("object") == name).to_numpy()
        at = set(events.loc[of_species & ~outside, station_col].astype("object"))
        n = int(surveyed.sum())
        rows.append((name, len(at), n, len(at) / n if n else np.nan))
    return pd.DataFrame(rows, columns=["scientificName", "n_stations_detected", "n_stations", "naive_occupancy"])


@dataclass(frozen=True)
class SurveyReport:
    """The five tables of camtrapR's ``surveyReport``.

    Attributes
    ----------
    survey_dates : DataFrame
        Per station: set-up, retrieval, first and last event, number of cameras (deployments), calendar
        days with a camera deployed / working / broken, trap-nights.
    species_by_station : DataFrame
        Number of species per station.
    events_by_species : DataFrame
        Per species: events, stations, RAI (events per 100 trap-nights) and identified individuals.
    events_by_station : DataFrame
        Events per station and species (only combinations with events).
    events_by_station2 : DataFrame
        Events per station and species, all combinations (zeros included).
    """

    survey_dates: pd.DataFrame
    species_by_station: pd.DataFrame
    events_by_species: pd.DataFrame
    events_by_station: pd.DataFrame
    events_by_station2: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The per-species table (``events_by_species``)."""
        return self.events_by_species

    def __repr__(self) -> str:
        sd = self.survey_dates
        return (
            f"SurveyReport({len(sd)} stations, {sd['n_trap_nights'].sum():.1f} trap-nights, "
            f"{len(self.events_by_species)} species, {int(self.events_by_species['n_events'].sum())} events)"
        )


def survey_report(
    events: pd.DataFrame, operation: pd.DataFrame, deployments: pd.DataFrame | None = None
) -> SurveyReport:
    """Survey summary as camtrapR's ``surveyReport``: effort per station, events per species.

    Parameters
    ----------
    events : DataFrame
        Independent events (:func:`nbtools.events.independent_events`); camtrapR's report counts the
        rows of its record table, i.e. events at the threshold the table was made with.
    operation : DataFrame
        Camera-operation matrix by station (:func:`nbtools.effort.camera_operation`).
    deployments : DataFrame, optional
        Camtrap DP deployments for set-up/retrieval times and the number of cameras per station
        (without them the first and last day of operation are used and cameras are <NA>).

    Returns
    -------
    SurveyReport

    References
    ----------
    Niedballa, J. et al. (2016) *Methods in Ecology and Evolution* 7, 1457-1462.
    https://doi.org/10.1111/2041-210X.12600
    """
    station_col = operation_settings(operation)["by"]
    _station_positions(events, operation, station_col)
    values = operation.to_numpy(dtype=float)
    tcol = _time_column(events)
    ev = _as_object(events, station_col)

    dates = pd.DataFrame(index=operation.index)
    known = ~np.isnan(values)
    if deployments is not None:
        if station_col not in deployments.columns:
            raise ValueError(f"deployments have no {station_col!r} column")
        grouped = deployments.groupby(deployments[station_col].astype("object"))
        dates["setup"] = grouped["deploymentStart"].min().reindex(operation.index)
        dates["retrieval"] = grouped["deploymentEnd"].max().reindex(operation.index)
        dates["n_cameras"] = grouped.size().reindex(operation.index).astype("Int64")
    else:
        has = known.any(axis=1)
        first = np.where(has, known.argmax(axis=1), 0)
        last = np.where(has, values.shape[1] - 1 - known[:, ::-1].argmax(axis=1), 0)
        dates["setup"] = np.where(has, operation.columns[first], pd.NaT)
        dates["retrieval"] = np.where(has, operation.columns[last], pd.NaT)
        dates["n_cameras"] = pd.array([pd.NA] * len(dates), dtype="Int64")
    by_station = ev.groupby(station_col)[tcol]
    dates["first_event"] = by_station.min().reindex(operation.index)
    dates["last_event"] = by_station.max().reindex(operation.index)
    dates["n_calendar_days_total"] = known.sum(axis=1)
    dates["n_calendar_days_active"] = (np.nan_to_num(values, nan=0.0) > 0).sum(axis=1)
    dates["n_calendar_days_inactive"] = (values == 0).sum(axis=1)
    dates["n_trap_nights"] = trap_nights(operation)
    dates = dates.reset_index()

    counts = ev.groupby([station_col, "scientificName"]).size().rename("n_events")
    events_by_station = counts.reset_index()
    species = sorted(events_by_station["scientificName"].unique(), key=str)
    grid = pd.MultiIndex.from_product([operation.index, species], names=[station_col, "scientificName"])
    events_by_station2 = counts.reindex(grid, fill_value=0).reset_index()
    species_by_station = events_by_station.groupby(station_col).size().reindex(operation.index, fill_value=0)
    species_by_station = species_by_station.rename("n_species").reset_index()
    total_tn = float(dates["n_trap_nights"].sum())
    by_species = events_by_station.groupby("scientificName").agg(
        n_events=("n_events", "sum"), n_stations=(station_col, "nunique")
    )
    by_species["rai"] = by_species["n_events"] / total_tn * 100 if total_tn > 0 else np.nan
    by_species["n_individuals"] = _individuals_per_species(ev).reindex(by_species.index, fill_value=0).astype("int64")
    return SurveyReport(
        survey_dates=dates,
        species_by_station=species_by_station,
        events_by_species=by_species.reset_index(),
        events_by_station=events_by_station,
        events_by_station2=events_by_station2,
    )


def _individuals_per_species(ev: pd.DataFrame) -> pd.Series:
    """Distinct identified individuals per species (from ``individualID`` or ``individualIDs`` lists)."""
    if "individualID" in ev.columns:
        ids = ev[["scientificName", "individualID"]].dropna()
    elif "individualIDs" in ev.columns:
        ids = ev[["scientificName", "individualIDs"]].dropna()
        ids = ids.assign(individualID=ids["individualIDs"].astype(str).str.split(", ")).explode("individualID")
    else:
        return pd.Series(dtype="int64")
    return ids.groupby("scientificName")["individualID"].nunique()
