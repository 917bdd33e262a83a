"""Detection histories for occupancy models: :class:`DetectionHistory`, :func:`detection_history`
(camtrapR's ``detectionHistory``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..effort import operation_settings
from .occasions import (
    Day1,
    aligned_days,
    occasion_effort,
    occasion_layout,
    occasion_starts,
    place_records,
    record_table,
    warn_uncounted,
)
from .stations import event_days, species_events


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
    sp = species_events(events, species)
    layout = occasion_layout(operation, day1, buffer_days, max_days)
    if occasion_length > layout.ndays:
        raise ValueError(f"occasion_length ({occasion_length} days) is longer than the survey ({layout.ndays} days)")
    days = aligned_days(operation, layout)
    effort = occasion_effort(days, occasion_length, include_effort, min_active_days)
    pos, day = event_days(sp, operation)
    occasion, counted, reason = place_records(pos, day, operation, layout, occasion_length, effort)

    counts = np.zeros_like(effort)
    np.add.at(counts, (pos[counted], occasion[counted]), 1.0)
    det = counts if output == "count" else (counts > 0).astype(float)
    det[np.isnan(effort)] = np.nan
    occasions = pd.RangeIndex(1, effort.shape[1] + 1, name="occasion")
    records = record_table(sp, settings["by"], occasion, counted, reason)
    warn_uncounted(records, f"detection history of {species!r}")
    return DetectionHistory(
        species=species,
        detections=pd.DataFrame(det, index=operation.index, columns=occasions),
        effort=pd.DataFrame(effort, index=operation.index, columns=occasions),
        occasion_start=occasion_starts(operation, layout, effort.shape[1], occasion_length),
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
