"""Spatial capture histories for SECR: :class:`SpatialCaptureHistory`, :func:`spatial_capture_history`
(camtrapR's ``spatialDetectionHistory``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..effort import operation_settings
from .occasions import (
    NO_INDIVIDUAL,
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
    sp = species_events(events, species)
    layout = occasion_layout(operation, day1, buffer_days, max_days)
    if occasion_length > layout.ndays:
        raise ValueError(f"occasion_length ({occasion_length} days) is longer than the survey ({layout.ndays} days)")
    effort = occasion_effort(aligned_days(operation, layout), occasion_length, True, None)
    pos, day = event_days(sp, operation)
    occasion, counted, reason = place_records(pos, day, operation, layout, occasion_length, effort)
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
    records = record_table(sp, settings["by"], np.where(counted, occasion, -1), counted, reason)
    warn_uncounted(records, f"spatial capture history of {species!r}")
    starts = occasion_starts(operation, layout, effort.shape[1], occasion_length).iloc[0].rename("occasion_start")
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
