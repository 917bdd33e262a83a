"""Deployments of the paired cameras and everything that goes wrong with them.

Two cameras per location face each other (``A`` and ``B``), one deployment per camera per service
interval. Thefts and breakages end a deployment early (the camera is replaced at the next service
visit); dead batteries and full cards stop recording before retrieval; knocked-over cameras split a
deployment in two around a gap; clock faults (reset to 2000-01-01, +1 h, a camera on UTC+8, slow
drift) change the recorded times but not the true ones.

:func:`camera_deployments` builds the deployment table in named steps, each drawing from the
same two generators in the same order as always (so that a seed gives the same study):
:func:`_slot_grid` (the schedule's generator), :func:`_failures` and :func:`_operational_faults`
(the faults' generator), :func:`_deployment_rows` and :func:`_den_deployment` (no draws),
:func:`_camera_settings` (schedule) and :func:`_clock_faults` (faults).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._time import SECONDS_PER_DAY, utc_seconds_to_iso
from .parameters import StudyParameters

__all__ = ["camera_clock", "camera_deployments", "fault_records"]


@dataclass(frozen=True)
class _Slots:
    """Camera positions ("slots": location x side) and the base grid of deployments (slot x interval).

    Times are UTC epoch seconds; ``s_idx`` and ``k_idx`` give each base deployment's slot and
    interval (0-based), ``start`` and ``end`` its planned times.
    """

    n_loc: int
    n_slots: int
    sides: np.ndarray
    loc_of_slot: np.ndarray
    side_of_slot: np.ndarray
    side_offset: np.ndarray
    s_idx: np.ndarray
    k_idx: np.ndarray
    start: np.ndarray
    end: np.ndarray


@dataclass(frozen=True)
class _Failures:
    """Thefts and breakages: one per affected slot, and what they do to each base deployment."""

    n_fail: int
    failure_time: np.ndarray  # per base deployment: the slot's failure time (int64 max when none)
    failed_here: np.ndarray  # the failure falls inside this deployment
    slot_kind: np.ndarray  # per slot: "stolen", "broken" or ""
    camera_number: np.ndarray  # per base deployment: the original camera, or its replacement after a failure


def _slot_grid(visits: np.ndarray, p: StudyParameters, rng_schedule: np.random.Generator) -> _Slots:
    """Slots and the base deployments between consecutive service visits (side B a few minutes after A)."""
    n_loc, n_visit = visits.shape
    n_int = n_visit - 1
    cams = p.cameras_per_location
    sides = np.array(list("ABCD"[:cams]))
    n_slots = n_loc * cams
    slot = np.arange(n_slots)
    loc_of_slot, side_of_slot = slot // cams, slot % cams
    side_offset = np.where(side_of_slot == 0, 0, rng_schedule.integers(180, 480, size=n_slots))
    s_idx = np.repeat(slot, n_int)
    k_idx = np.tile(np.arange(n_int), n_slots)
    start = visits[loc_of_slot[s_idx], k_idx] + side_offset[s_idx] + np.where(k_idx > 0, 300, 0)
    end = visits[loc_of_slot[s_idx], k_idx + 1] + side_offset[s_idx]
    return _Slots(n_loc, n_slots, sides, loc_of_slot, side_of_slot, side_offset, s_idx, k_idx, start, end)


def _failures(visits: np.ndarray, g: _Slots, p: StudyParameters, rng_faults: np.random.Generator) -> _Failures:
    """Thefts and breakages: one per affected slot, at a uniform time in its year."""
    n_slots, s_idx = g.n_slots, g.s_idx
    n_fail = int(round(p.failure_fraction * n_slots))
    fail_slots = np.sort(rng_faults.choice(n_slots, size=n_fail, replace=False))
    first = visits[g.loc_of_slot[fail_slots], 0] + g.side_offset[fail_slots]
    last = visits[g.loc_of_slot[fail_slots], -1] + g.side_offset[fail_slots]
    fail_time = first + np.rint(rng_faults.random(n_fail) * (last - first)).astype(np.int64)
    fail_kind = np.where(rng_faults.random(n_fail) < p.stolen_share, "stolen", "broken")
    slot_fail_time = np.full(n_slots, np.iinfo(np.int64).max)
    slot_fail_time[fail_slots] = fail_time
    slot_fail_kind = np.full(n_slots, "", dtype=object)
    slot_fail_kind[fail_slots] = fail_kind

    ft = slot_fail_time[s_idx]
    failed_here = (ft >= g.start) & (ft < g.end)
    # a failure in the few minutes between two deployments moves an hour into the next one
    inside = np.zeros(n_slots, dtype=bool)
    np.logical_or.at(inside, s_idx[failed_here], True)
    slot_fail_time[fail_slots[~inside[fail_slots]]] += 3600
    ft = slot_fail_time[s_idx]
    failed_here = (ft >= g.start) & (ft < g.end)
    after = ft < g.start  # replaced camera
    # camera IDs: the original camera per slot; a replacement (new ID) after a failure
    camera_number = s_idx + 1
    replacement_number = np.full(n_slots, 0)
    replacement_number[fail_slots] = n_slots + 1 + np.arange(n_fail)
    camera_number = np.where(after, replacement_number[s_idx], camera_number)
    return _Failures(n_fail, ft, failed_here, slot_fail_kind, camera_number)


def _operational_faults(
    g: _Slots, f: _Failures, p: StudyParameters, rng_faults: np.random.Generator
) -> dict[str, np.ndarray]:
    """Stops before retrieval and knocked-over cameras (one operational fault per deployment).

    Returns the base deployments' ``fault`` kind, recording ``stop`` (UTC s), the time a camera was
    knocked over (``knock_t``) and re-set (``resume_t``), and whether it was re-set (``resumes``).
    """
    n = g.s_idx.size
    u = rng_faults.random(n)
    stop_frac = rng_faults.uniform(0.3, 0.95, size=n)
    knock_frac = rng_faults.uniform(0.1, 0.8, size=n)
    gap_days = rng_faults.uniform(*p.knocked_over_gap_days, size=n)
    pb, pc, pk = p.dead_battery_probability, p.card_full_probability, p.knocked_over_probability
    kind = np.where(f.failed_here, f.slot_kind[g.s_idx], "")
    free = ~f.failed_here
    kind = np.where(free & (u < pb), "dead_battery", kind)
    kind = np.where(free & (u >= pb) & (u < pb + pc), "card_full", kind)
    kind = np.where(free & (u >= pb + pc) & (u < pb + pc + pk), "knocked_over", kind)
    duration = g.end - g.start
    stop = np.where(np.isin(kind, ["dead_battery", "card_full"]), g.start + np.rint(stop_frac * duration), g.end)
    knock_t = g.start + np.rint(knock_frac * duration).astype(np.int64)
    resume_t = knock_t + np.rint(gap_days * SECONDS_PER_DAY).astype(np.int64)
    resumes = (kind == "knocked_over") & (resume_t < g.end - 2 * SECONDS_PER_DAY)
    return {"fault": kind, "stop": stop, "knock_t": knock_t, "resume_t": resume_t, "resumes": resumes}


def _deployment_rows(stations: pd.DataFrame, g: _Slots, f: _Failures, ops: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per deployment: the base grid, plus the second part ("b") of re-set knocked-over cameras."""
    kind, ft, failed_here = ops["fault"], f.failure_time, f.failed_here
    knocked = kind == "knocked_over"
    base = pd.DataFrame(
        {
            "slot": g.s_idx,
            "loc": g.loc_of_slot[g.s_idx],
            "side": g.sides[g.side_of_slot[g.s_idx]],
            "interval": g.k_idx + 1,
            "camera_number": f.camera_number,
            "start": g.start,
            "end": np.where(failed_here, ft, np.where(knocked, ops["knock_t"], g.end)),
            "op_end": np.where(failed_here, ft, np.where(knocked, ops["knock_t"], ops["stop"])).astype(np.int64),
            "retrieval_end": g.end,
            "fault": kind,
            "media_lost": failed_here & (kind == "stolen"),
            "resume": np.where(ops["resumes"], ops["resume_t"], -1),
        }
    )
    base["part"] = ""
    base["clock_ref"] = base["start"]
    second = base[ops["resumes"]].copy()
    second["start"] = second["resume"]
    second["end"] = second["retrieval_end"]
    second["op_end"] = second["retrieval_end"]
    second["fault"] = "resumed"
    second["part"] = "b"
    frame = pd.concat([base, second], ignore_index=True)
    frame["op_start"] = frame["start"]
    loc_ids = stations["locationID"].to_numpy()
    frame["locationID"] = loc_ids[frame["loc"].to_numpy()]
    frame["deploymentID"] = (
        frame["locationID"] + "-" + frame["side"] + "-" + frame["interval"].astype(str) + frame["part"]
    )
    return frame


def _den_deployment(frame: pd.DataFrame, g: _Slots, f: _Failures, den: tuple[int, int]) -> pd.DataFrame:
    """``frame`` with the den camera's single deployment (``DEN1-A-1``, its own slot and camera) appended."""
    den_start, den_end = den
    row = {
        "slot": [g.n_slots],
        "loc": [g.n_loc],
        "side": ["A"],
        "interval": [1],
        "camera_number": [g.n_slots + f.n_fail + 1],
        "start": [den_start],
        "end": [den_end],
        "op_end": [den_end],
        "retrieval_end": [den_end],
        "fault": [""],
        "media_lost": [False],
        "resume": [-1],
        "part": [""],
        "clock_ref": [den_start],
        "op_start": [den_start],
        "locationID": ["DEN1"],
        "deploymentID": ["DEN1-A-1"],
    }
    return pd.concat([frame, pd.DataFrame(row)], ignore_index=True)


def _camera_settings(frame: pd.DataFrame, n_loc: int, p: StudyParameters, rng_schedule: np.random.Generator) -> None:
    """Burst size and height per physical camera, heading per location (B faces A); set in ``frame``."""
    numbers = np.unique(frame["camera_number"])
    burst = rng_schedule.choice(np.array(p.burst_sizes), size=numbers.size, p=np.array(p.burst_probabilities))
    heading = rng_schedule.integers(0, 360, size=n_loc + 1)
    height = rng_schedule.uniform(0.45, 0.60, size=numbers.size).round(2)
    camera_index = np.searchsorted(numbers, frame["camera_number"])
    frame["burst"] = burst[camera_index]
    frame["cameraHeight"] = height[camera_index]
    frame["cameraHeading"] = (heading[frame["loc"]] + np.where(frame["side"] == "A", 0, 180)) % 360


def _clock_faults(
    frame: pd.DataFrame, last_grid_camera: int, p: StudyParameters, rng_faults: np.random.Generator
) -> None:
    """Clock faults on a share of the physical grid cameras (not the den camera); set in ``frame``.

    ``reset``, ``offset`` and ``drift`` affect one deployment of the camera (both parts of a
    re-set one), ``utc8`` every deployment of it. Columns ``clock_kind``, ``clock_offset_s``,
    ``clock_drift`` (seconds of error per second elapsed) and ``clock_reset``.
    """
    numbers = np.unique(frame["camera_number"])
    n_clock = int(round(p.clock_fault_fraction * numbers.size))
    if p.clock_fault_fraction > 0:
        n_clock = max(n_clock, 1)
    grid_numbers = numbers[numbers <= last_grid_camera]
    faulty = rng_faults.choice(grid_numbers, size=min(n_clock, grid_numbers.size), replace=False)
    kinds = [p.clock_fault_kinds[i % len(p.clock_fault_kinds)] for i in range(faulty.size)]
    frame["clock_kind"] = ""
    frame["clock_offset_s"] = 0
    frame["clock_drift"] = 0.0
    frame["clock_reset"] = False
    for number, kind_ in zip(faulty, kinds, strict=True):  # ~20 cameras
        rows = np.flatnonzero(frame["camera_number"].to_numpy() == number)
        bases = frame.loc[rows, "deploymentID"].str.rstrip("b").unique()
        if kind_ != "utc8":
            chosen = bases[rng_faults.integers(bases.size)]
            rows = rows[frame.loc[rows, "deploymentID"].str.rstrip("b").to_numpy() == chosen]
        frame.loc[rows, "clock_kind"] = kind_
        if kind_ == "reset":
            frame.loc[rows, "clock_reset"] = True
        elif kind_ == "offset":
            frame.loc[rows, "clock_offset_s"] = int(round(p.clock_offset_hours * 3600))
        elif kind_ == "utc8":
            frame.loc[rows, "clock_offset_s"] = -2 * 3600
        elif kind_ == "drift":
            per_week = rng_faults.uniform(*p.drift_minutes_per_week)
            frame.loc[rows, "clock_drift"] = -per_week * 60.0 / (7 * SECONDS_PER_DAY)
        else:
            raise ValueError(f"unknown clock fault kind {kind_!r}")


def camera_deployments(
    stations: pd.DataFrame,
    visits: np.ndarray,
    p: StudyParameters,
    rng_schedule: np.random.Generator,
    rng_faults: np.random.Generator,
    den: tuple[int, int] | None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Deployments (one per camera per interval, split around knocked-over gaps) and their faults.

    Parameters
    ----------
    stations : pandas.DataFrame
        From :func:`nbtools.simulate.stations.layout_stations` (``locationID`` in field order).
    visits : numpy.ndarray
        Service visit times (UTC s), locations x visits, from
        :func:`nbtools.simulate.stations.service_schedule`.
    p : StudyParameters
    rng_schedule, rng_faults : numpy.random.Generator
        The ``schedule`` and ``faults`` streams.
    den : tuple of int, optional
        Start and end (UTC s) of the den camera, if the study has one.

    Returns
    -------
    frame : pandas.DataFrame
        One row per deployment, sorted by slot and start: IDs, true times (UTC s: ``start``,
        ``end``, ``op_start``, ``op_end`` of recording, ``retrieval_end``), fault, settings and
        clock faults.
    faults : list of dict
        :func:`fault_records` of ``frame``.
    """
    g = _slot_grid(visits, p, rng_schedule)
    f = _failures(visits, g, p, rng_faults)
    ops = _operational_faults(g, f, p, rng_faults)
    frame = _deployment_rows(stations, g, f, ops)
    if den is not None:
        frame = _den_deployment(frame, g, f, den)
    frame["cameraID"] = [f"CT{n:03d}" for n in frame["camera_number"]]
    frame = frame.sort_values(["slot", "start"], kind="stable").reset_index(drop=True)
    _camera_settings(frame, g.n_loc, p, rng_schedule)
    _clock_faults(frame, g.n_slots + f.n_fail, p, rng_faults)
    return frame, fault_records(frame, p)


def fault_records(frame: pd.DataFrame, p: StudyParameters) -> list[dict[str, Any]]:
    """The faults of ``frame`` as ``truth.json`` records (true local times), one per fault of a deployment."""
    tz = p.timezone
    records: list[dict[str, Any]] = []
    by_id = frame.set_index("deploymentID")
    for row in frame.itertuples(index=False):  # one record per faulty deployment (~15 % of rows)
        common = {"deploymentID": row.deploymentID, "cameraID": row.cameraID, "locationID": row.locationID}
        if row.fault in ("stolen", "broken"):
            records.append(
                {
                    **common,
                    "fault": row.fault,
                    "time": utc_seconds_to_iso(row.end, tz),
                    "media_lost": bool(row.media_lost),
                    "camera_replaced_at_next_visit": True,
                }
            )
        elif row.fault in ("dead_battery", "card_full"):
            records.append({**common, "fault": row.fault, "time": utc_seconds_to_iso(row.op_end, tz)})
        elif row.fault == "knocked_over":
            resumed = f"{row.deploymentID}b" if f"{row.deploymentID}b" in by_id.index else None
            records.append(
                {
                    **common,
                    "fault": "knocked_over",
                    "time": utc_seconds_to_iso(row.end, tz),
                    "resumed": utc_seconds_to_iso(by_id.loc[resumed, "start"], tz) if resumed else None,
                    "resumed_deploymentID": resumed,
                }
            )
        if row.clock_kind:
            record = {**common, "fault": f"clock_{row.clock_kind}"}
            if row.clock_reset:
                record["clock_start"] = "2000-01-01T00:00:00"
            if row.clock_offset_s:
                record["offset_s"] = int(row.clock_offset_s)
            if row.clock_drift:
                record["drift_s_per_day"] = round(float(row.clock_drift) * SECONDS_PER_DAY, 3)
            records.append(record)
    return records


def camera_clock(dep: pd.DataFrame, which: np.ndarray, t: np.ndarray, timezone: str) -> np.ndarray:
    """The times the cameras wrote: true times through each deployment's clock fault (UTC s)."""
    reset = dep["clock_reset"].to_numpy()[which]
    ref = dep["clock_ref"].to_numpy().astype(np.int64)[which]
    offset = dep["clock_offset_s"].to_numpy().astype(np.int64)[which]
    drift = dep["clock_drift"].to_numpy()[which]
    reset_epoch = int(pd.Timestamp("2000-01-01", tz=timezone).tz_convert("UTC").timestamp())
    return np.where(reset, reset_epoch + (t - ref), t + offset + np.rint(drift * (t - ref)).astype(np.int64))
