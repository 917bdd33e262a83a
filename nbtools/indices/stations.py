"""Events at stations: the shared helpers of :mod:`nbtools.indices`.

Which row (station) and column (day) of the camera-operation matrix every event falls on, the events
of one species, and the checks and warnings the tables built from events share.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..effort import DAY_NS, HOUR_NS, operation_settings


def time_column(events: pd.DataFrame) -> str:
    """Name of the events' time column: ``eventStart``, else ``timestamp``; error if neither."""
    for col in ("eventStart", "timestamp"):
        if col in events.columns:
            return col
    raise ValueError("events need an 'eventStart' (or 'timestamp') column")


def station_positions(events: pd.DataFrame, operation: pd.DataFrame, station_col: str) -> np.ndarray:
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


def event_days(events: pd.DataFrame, operation: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row in operation, column in operation) of every event; columns may fall outside the matrix."""
    settings = operation_settings(operation)
    pos = station_positions(events, operation, settings["by"])
    col = time_column(events)
    t = events[col]
    if not isinstance(t.dtype, pd.DatetimeTZDtype):
        raise TypeError(f"events[{col!r}] must hold timezone-aware timestamps")
    local = t.dt.tz_convert(settings["tz"]).dt.tz_localize(None).array.as_unit("ns").asi8
    day = np.floor_divide(local - settings["day_start_hour"] * HOUR_NS, DAY_NS)
    first = operation.columns[0].as_unit("ns").value // DAY_NS if len(operation.columns) else 0
    return pos, (day - first).astype(np.int64)


def species_events(events: pd.DataFrame, species: str | None) -> pd.DataFrame:
    """The events of one species (all events if ``species`` is None); error naming the species present."""
    if "scientificName" not in events.columns:
        raise ValueError("events have no 'scientificName' column")
    if species is None:
        return events
    sel = events["scientificName"].astype("object") == species
    if not sel.any():
        known = sorted({str(s) for s in events["scientificName"].dropna().unique()})
        raise ValueError(f"species {species!r} not found in events; species present: {known[:20]}")
    return events.loc[sel.to_numpy()]


def warn_days_without_operation(events: pd.DataFrame, operation: pd.DataFrame, what: str) -> None:
    """Warn about events counted in ``what`` that fall on days without camera operation."""
    pos, day = event_days(events, operation)
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


def as_object(events: pd.DataFrame, station_col: str) -> pd.DataFrame:
    """Station and species as plain objects (categoricals would add unobserved groups)."""
    converted = {station_col: events[station_col].astype("object")}
    converted["scientificName"] = events["scientificName"].astype("object")
    return events.assign(**converted)


def species_list(events: pd.DataFrame, species: str | Sequence[str] | None) -> list[str]:
    """The species asked for, as a list; all species of ``events`` (sorted) if ``species`` is None."""
    if species is None:
        return sorted({str(s) for s in events["scientificName"].dropna().unique()})
    return [species] if isinstance(species, str) else list(species)
