"""Relative abundance, naive occupancy, detection histories, spatial capture histories, survey report,
species accumulation and richness estimators.

The tables built from independent events (:mod:`nbtools.events`) and camera operation
(:mod:`nbtools.effort`), with the semantics of camtrapR's ``detectionHistory``,
``spatialDetectionHistory`` and ``surveyReport``, and of the species accumulation over stations
(vegan's ``specaccum``) and incidence-based richness estimators (vegan's ``specpool``) that camtrapR
uses. Unlike camtrapR, no record is left out silently:
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
    "incidence_matrix",
    "naive_occupancy",
    "relative_abundance",
    "richness_estimators",
    "spatial_capture_history",
    "species_accumulation",
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
            f"{int((pos < 0).sum())} events are at station(s) without camera operation (no deployment): {missing[:10]}"
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
            f"{len(lost)} of {len(records)} records were not counted in the {what}: {by_reason}; see .records_outside",
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
            "events have no 'individualID' column; group observations with independent_events(..., individual=True)"
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


# --------------------------------------------------------------------------------------------------
# species accumulation and incidence-based richness estimators
# --------------------------------------------------------------------------------------------------


def incidence_matrix(
    events: pd.DataFrame, operation: pd.DataFrame, species: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Station x species incidence (1: at least one event, 0: none) of the surveyed stations.

    Parameters
    ----------
    events : DataFrame
        Independent events with the station column of ``operation`` and ``scientificName``; events
        without a ``scientificName`` (blanks, unidentified) are not counted. With an ``eventStart``
        (timezone-aware) column, events on days without camera operation are counted with a warning,
        as in :func:`relative_abundance`.
    operation : DataFrame
        Camera-operation matrix (:func:`nbtools.effort.camera_operation`); stations with trap-nights
        > 0 are the sampling units, including those without any event (a row of zeros); events at
        stations without trap-nights are left out with a warning.
    species : str or sequence, optional
        Species to include (default: all in ``events``); a species without events is a column of zeros.

    Returns
    -------
    DataFrame
        Stations (index, the operation matrix's station column) x species (columns, sorted), int 0/1.
        ``attrs["trap_nights"]`` holds the trap-nights (days) of each row's station.

    Examples
    --------
    >>> import pandas as pd
    >>> op = pd.DataFrame([[1.0], [1.0]], index=pd.Index(["A", "B"], name="locationID"),
    ...                   columns=pd.date_range("2024-01-01", periods=1, name="date"))
    >>> ev = pd.DataFrame({"locationID": ["A", "A"], "scientificName": ["Sus scrofa", "Vulpes vulpes"],
    ...                    "eventStart": pd.to_datetime(["2024-01-01 10:00"] * 2, utc=True)})
    >>> incidence_matrix(ev, op).to_numpy().tolist()
    [[1, 1], [0, 0]]
    """
    station_col = operation_settings(operation)["by"]
    if "scientificName" not in events.columns:
        raise ValueError("events have no 'scientificName' column")
    named = events[events["scientificName"].notna().to_numpy()]
    if len(named) == 0:
        raise ValueError("no events with a scientificName: species accumulation needs detections")
    _station_positions(named, operation, station_col)
    tn = trap_nights(operation)
    surveyed = tn > 0
    if not surveyed.any():
        raise ValueError("no station has trap-nights > 0 in the operation matrix")
    ev = _as_object(named, station_col)
    outside = ~surveyed.reindex(ev[station_col]).to_numpy()
    if outside.any():
        warnings.warn(
            f"{int(outside.sum())} events at stations without trap-nights are not counted "
            f"({sorted({str(s) for s in ev.loc[outside, station_col]})[:10]})",
            stacklevel=2,
        )
    names = sorted(_species_list(ev, species), key=str)
    ev = ev[~outside]
    if len(ev) and ("eventStart" in ev.columns or "timestamp" in ev.columns):
        _warn_days_without_operation(ev, operation, "incidence matrix")  # they still count: the species was there
    stations = operation.index[surveyed.to_numpy()]
    seen = ev.groupby([station_col, "scientificName"]).size() > 0
    grid = pd.MultiIndex.from_product([stations, names], names=[station_col, "scientificName"])
    table = seen.reindex(grid, fill_value=False).astype("int64").unstack("scientificName")
    table = table.reindex(index=stations, columns=names)
    table.columns.name = "scientificName"
    table.attrs["trap_nights"] = tn[surveyed].to_numpy(dtype=float)
    return table


def _incidence_array(incidence: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Boolean stations x species array of a count or 0/1 matrix, checked."""
    values = incidence.to_numpy(dtype=float) if isinstance(incidence, pd.DataFrame) else np.asarray(incidence, float)
    if values.ndim != 2:
        raise ValueError(f"incidence must be a 2-D stations x species matrix, got {values.ndim} dimension(s)")
    if np.isnan(values).any():
        raise ValueError("incidence has missing values (NaN): use 0 for 'not detected'")
    if (values < 0).any():
        raise ValueError("incidence has negative values")
    if values.shape[0] == 0:
        raise ValueError("incidence has no stations (rows)")
    return values > 0


def richness_estimators(incidence: pd.DataFrame | np.ndarray) -> pd.Series:
    """Observed species richness and incidence-based estimates of the richness of the pool.

    The estimators of vegan's ``specpool`` (with ``smallsample = TRUE``), computed from how many
    stations each species was detected at.

    Parameters
    ----------
    incidence : DataFrame or array
        Stations (rows, the sampling units) x species: 0/1 or numbers of events (> 0 counts as
        detected), e.g. :func:`incidence_matrix`. Species that were never detected are ignored.

    Returns
    -------
    Series
        ``n_stations`` (m), ``S_obs`` (species detected), ``Q1`` / ``Q2`` (species detected at exactly
        one / two stations), ``chao2``, ``chao2_se``, ``chao2_bc`` (always the bias-corrected form),
        ``jack1``, ``jack1_se``, ``jack2``. All in numbers of species. vegan gives no standard error
        for the second-order jackknife, nor do we.

    Notes
    -----
    With :math:`S` species detected, :math:`m` stations, :math:`Q_k` species at exactly :math:`k`
    stations and :math:`A = (m-1)/m`:

    - Chao2 (as vegan: the classic form when :math:`Q_2 > 0`, the bias-corrected one when
      :math:`Q_2 = 0`): :math:`S + A\\,Q_1^2/(2Q_2)`, else :math:`S + A\\,Q_1(Q_1-1)/(2(Q_2+1))`;
      ``chao2_bc`` is always :math:`S + A\\,Q_1(Q_1-1)/(2(Q_2+1))` (Chao 2005, EstimateS' default).
    - Variance of Chao2 (vegan): with :math:`G = Q_1/Q_2`,
      :math:`Q_2 (A G^2/2 + A^2 G^3 + A^2 G^4/4)` when :math:`Q_2 > 0`, else
      :math:`A Q_1(Q_1-1)/2 + A^2 Q_1(2Q_1-1)^2/4 - A^2 Q_1^4/(4\\,\\hat S_{Chao2})`.
    - First-order jackknife: :math:`S + Q_1 (m-1)/m`, variance
      :math:`(\\sum_j j^2 f_j - Q_1/m)(m-1)/m`, :math:`f_j` the number of stations with :math:`j`
      species found nowhere else, exactly as vegan::specpool computes ``var.jack1`` (its code subtracts
      :math:`Q_1/m`; the textbook variance of Heltshe and Forrester 1983 subtracts :math:`Q_1^2/m`, the
      two agree when :math:`Q_1 \\le 1`). We follow vegan so that R users get the same standard error.
    - Second-order jackknife: :math:`S + Q_1(2m-3)/m - Q_2 (m-2)^2/(m(m-1))`.

    References
    ----------
    Chao, A. (1987) Estimating the population size for capture-recapture data with unequal
    catchability. *Biometrics* 43, 783-791. https://doi.org/10.2307/2531532

    Chao, A. (2005) Species estimation and applications. In *Encyclopedia of Statistical Sciences*,
    2nd ed., 7907-7916. Wiley, New York.

    Heltshe, J.F. and Forrester, N.E. (1983) Estimating species richness using the jackknife
    procedure. *Biometrics* 39, 1-11. https://doi.org/10.2307/2530802

    Smith, E.P. and van Belle, G. (1984) Nonparametric estimation of species richness. *Biometrics*
    40, 119-129. https://doi.org/10.2307/2530750

    Oksanen, J. et al. vegan: Community Ecology Package, function ``specpool``.
    https://CRAN.R-project.org/package=vegan

    Examples
    --------
    >>> est = richness_estimators([[1, 1, 0], [1, 0, 1], [1, 0, 0]])
    >>> est[["S_obs", "Q1", "Q2", "chao2", "jack1"]].round(4).tolist()
    [3.0, 2.0, 0.0, 3.6667, 4.3333]
    """
    present = _incidence_array(incidence)
    m = present.shape[0]
    if m < 2:
        raise ValueError(f"richness estimators need at least 2 stations, got {m}")
    freq = present.sum(axis=0)
    seen = freq > 0
    s_obs = int(seen.sum())
    if s_obs == 0:
        raise ValueError("no species detected at any station")
    q1 = int((freq == 1).sum())
    q2 = int((freq == 2).sum())
    small = (m - 1) / m
    chao_bc = s_obs + small * q1 * (q1 - 1) / (2 * (q2 + 1))
    if q2 > 0:
        chao = s_obs + small * q1 * q1 / (2 * q2)
        g = q1 / q2
        var_chao = q2 * (small * g**2 / 2 + small**2 * g**3 + small**2 * g**4 / 4)
    else:
        chao = chao_bc
        var_chao = small * q1 * (q1 - 1) / 2 + small**2 * q1 * (2 * q1 - 1) ** 2 / 4 - small**2 * q1**4 / (4 * chao)
    uniques = present[:, freq == 1].sum(axis=1)  # species found only at this station, per station
    var_jack1 = (float((uniques**2).sum()) - q1 / m) * small  # vegan::specpool's var.jack1, as its code has it
    jack1 = s_obs + q1 * small
    jack2 = s_obs + q1 * (2 * m - 3) / m - q2 * (m - 2) ** 2 / (m * (m - 1))
    values = {
        "n_stations": m,
        "S_obs": s_obs,
        "Q1": q1,
        "Q2": q2,
        "chao2": chao,
        "chao2_se": float(np.sqrt(max(var_chao, 0.0))),
        "chao2_bc": chao_bc,
        "jack1": jack1,
        "jack1_se": float(np.sqrt(max(var_jack1, 0.0))),
        "jack2": jack2,
    }
    return pd.Series(values, dtype=float, name="richness")


def _unseen_table(m: int) -> np.ndarray:
    """``H[n, k-1] = C(n, k) / C(m, k)`` for n = 0..m, k = 1..m: the chance that k of m stations,
    drawn without replacement, all lie among n given ones."""
    j = np.arange(m)
    ratio = np.clip((np.arange(m + 1)[:, None] - j[None, :]) / (m - j)[None, :], 0.0, None)
    return np.cumprod(ratio, axis=1)


def _exact_accumulation(present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected richness and its SD over all orders of the stations, for 1..m stations."""
    m = present.shape[0]
    x = present[:, present.any(axis=0)].astype(np.int64)
    freq = x.sum(axis=0)
    table = _unseen_table(m)
    q = table[m - freq]  # species x k: P(species missed by k stations)
    richness = (1.0 - q).sum(axis=0)
    missed_by_both = m - (freq[:, None] + freq[None, :] - x.T @ x)  # stations with neither i nor j
    var = np.array([(table[missed_by_both, k] - np.outer(q[:, k], q[:, k])).sum() for k in range(m)])
    return richness, np.sqrt(np.clip(var, 0.0, None))


def species_accumulation(
    events: pd.DataFrame,
    operation: pd.DataFrame,
    species: str | Sequence[str] | None = None,
    *,
    method: Literal["random", "exact"] = "random",
    n_permutations: int = 100,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Species accumulation curve over stations and trap-nights, as camtrapR / vegan's ``specaccum``.

    The sampling units are the stations with effort (camtrapR's species accumulation calls
    ``vegan::specaccum`` on the station x species incidence): the curve is the mean number of species
    detected at ``k`` stations taken in random order, for ``k = 1 .. m``, with the trap-nights those
    stations accumulated.

    Parameters
    ----------
    events : DataFrame
        Independent events with the station column of ``operation`` and ``scientificName``.
    operation : DataFrame
        Camera-operation matrix (:func:`nbtools.effort.camera_operation`); stations with trap-nights
        > 0 are the sampling units, including those without events.
    species : str or sequence, optional
        Species to include (default: all in ``events``), e.g. to leave out domestic animals.
    method : {"random", "exact"}, default "random"
        ``"random"``: mean and SD over ``n_permutations`` random orders of the stations (vegan's
        ``method = "random"``). ``"exact"``: the expected richness over all orders (vegan's
        ``"exact"``, Ugland et al. 2003; Colwell et al. 2004),
        :math:`\\sum_i 1 - \\binom{m - f_i}{k} / \\binom{m}{k}` with :math:`f_i` the number of
        stations where species :math:`i` was detected, and its exact SD over all orders (see Notes).
    n_permutations : int, default 100
        Random orders for ``method="random"`` (at least 2).
    seed : int or numpy.random.Generator, optional
        Randomness for ``method="random"``; the same seed gives the same curve.
    progress : bool, default True
        Show a progress bar (tqdm) over the permutations.

    Returns
    -------
    DataFrame
        One row per number of stations: ``n_stations`` (1..m), ``trap_nights`` (mean cumulative
        trap-nights, days, of those stations; for ``"exact"`` ``k`` times the mean per station),
        ``richness`` (mean number of species) and ``sd`` (its standard deviation over station orders,
        species). ``attrs`` hold ``method``, ``n_permutations`` and ``species``.

    Notes
    -----
    For ``"random"`` the SD is the sample SD over the permutations (R's ``sd``, as vegan). For
    ``"exact"`` it is the exact SD over all orders,
    :math:`\\mathrm{Var}\\,S_k = \\sum_{i,j} \\binom{m-u_{ij}}{k}/\\binom{m}{k} - q_i q_j` with
    :math:`u_{ij}` the stations where species :math:`i` or :math:`j` was seen and
    :math:`q_i = \\binom{m-f_i}{k}/\\binom{m}{k}`; vegan's ``"exact"`` approximates the covariances
    from the correlation of the incidences (``conditioned = TRUE``), so its SD may differ slightly.
    The last point is always the observed richness with SD 0. Use :func:`richness_estimators` for
    the richness of the pool beyond the curve.

    References
    ----------
    Colwell, R.K. and Coddington, J.A. (1994) Estimating terrestrial biodiversity through
    extrapolation. *Phil. Trans. R. Soc. B* 345, 101-118. https://doi.org/10.1098/rstb.1994.0091

    Ugland, K.I., Gray, J.S. and Ellingsen, K.E. (2003) The species-accumulation curve and estimation
    of species richness. *Journal of Animal Ecology* 72, 888-897.
    https://doi.org/10.1046/j.1365-2656.2003.00748.x

    Colwell, R.K., Mao, C.X. and Chang, J. (2004) Interpolating, extrapolating, and comparing
    incidence-based species accumulation curves. *Ecology* 85, 2717-2727.
    https://doi.org/10.1890/03-0557

    Examples
    --------
    >>> import pandas as pd
    >>> op = pd.DataFrame([[1.0, 1.0], [1.0, 0.5]], index=pd.Index(["A", "B"], name="locationID"),
    ...                   columns=pd.date_range("2024-01-01", periods=2, name="date"))
    >>> ev = pd.DataFrame({"locationID": ["A", "B", "B"],
    ...     "scientificName": ["Sus scrofa", "Sus scrofa", "Vulpes vulpes"],
    ...     "eventStart": pd.to_datetime(["2024-01-01 10:00"] * 3, utc=True)})
    >>> curve = species_accumulation(ev, op, method="exact")
    >>> curve[["n_stations", "trap_nights", "richness"]].to_numpy().tolist()
    [[1.0, 1.75, 1.5], [2.0, 3.5, 2.0]]
    """
    if method not in ("random", "exact"):
        raise ValueError(f"method must be 'random' or 'exact', got {method!r}")
    if method == "random" and (int(n_permutations) != n_permutations or n_permutations < 2):
        raise ValueError(f"n_permutations must be a whole number >= 2, got {n_permutations!r}")
    incidence = incidence_matrix(events, operation, species)
    present = incidence.to_numpy() > 0
    effort = np.asarray(incidence.attrs["trap_nights"], float)
    m = present.shape[0]
    k = np.arange(1, m + 1)
    if method == "exact":
        richness, sd = _exact_accumulation(present)
        cumulative = k * effort.mean()
    else:
        from tqdm.auto import tqdm

        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        n = int(n_permutations)
        curves = np.empty((n, m))
        nights = np.empty((n, m))
        for p in tqdm(range(n), disable=not progress, desc="species accumulation", unit="permutation"):
            order = rng.permutation(m)
            curves[p] = np.logical_or.accumulate(present[order], axis=0).sum(axis=1)
            nights[p] = np.cumsum(effort[order])
        richness = curves.mean(axis=0)
        sd = curves.std(axis=0, ddof=1)
        cumulative = nights.mean(axis=0)
    out = pd.DataFrame({"n_stations": k, "trap_nights": cumulative, "richness": richness, "sd": sd})
    out.attrs.update(
        {
            "method": method,
            "n_permutations": int(n_permutations) if method == "random" else None,
            "species": list(incidence.columns),
        }
    )
    return out
