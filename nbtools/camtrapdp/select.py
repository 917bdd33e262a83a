"""Rows of Camtrap DP tables: the observations that count as records, and a table cut by species and time.

Both are readers-layer helpers: they need nothing but the tables, so the study (:mod:`nbtools.study`),
the counting modules (:mod:`nbtools.events`) and the Intake readers (:mod:`nbtools.readers`) take them
from here. :mod:`nbtools.events` and :mod:`nbtools.study` still export them under their old names.

>>> import pandas as pd
>>> obs = pd.DataFrame({"deploymentID": ["d1", "d1", "d2"], "observationLevel": ["event", "media", "media"],
...                     "observationType": ["animal"] * 3, "scientificName": ["Sus scrofa"] * 3})
>>> select_records(obs).index.tolist()
[0, 2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .._deprecate import renamed_parameters

__all__ = ["TIME_COLUMN", "filter_table", "select_records", "to_timestamp"]

#: The time column of each table, used to filter by date.
TIME_COLUMN = {"media": "timestamp", "observations": "eventStart"}


def to_timestamp(value: str | pd.Timestamp | None, timezone: str = "UTC") -> pd.Timestamp | None:
    """A timezone-aware UTC timestamp; naive dates and times are taken in ``timezone``.

    Parameters
    ----------
    value : str, pandas.Timestamp or None
        A date or date-time; ``None`` or a blank string give ``None``.
    timezone : str, default "UTC"
        IANA zone of a naive ``value``.

    Returns
    -------
    pandas.Timestamp or None
        The instant in UTC.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(timezone)
    return stamp.tz_convert("UTC")


def filter_table(
    frame: pd.DataFrame,
    table: str,
    species: str | list[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Rows of one Camtrap DP table by species and by time.

    Parameters
    ----------
    frame : pandas.DataFrame
        A Camtrap DP table.
    table : str
        Which table it is: ``observations`` are filtered by ``scientificName``
        and ``eventStart``, ``media`` by ``timestamp``, ``deployments`` keep
        the deployments that overlap the period; other tables are returned whole.
    species : str or list of str, optional
        Scientific name(s) to keep; ``None``, ``""`` or ``"all"`` keeps all.
    start, end : str or pandas.Timestamp, optional
        The period ``[start, end)``; naive values are in ``timezone``.
    timezone : str, default "UTC"
        Zone of naive ``start`` and ``end``.

    Returns
    -------
    pandas.DataFrame
        The rows kept (same columns and index).
    """
    keep = pd.Series(True, index=frame.index)
    if table == "observations" and species not in (None, "", "all"):
        names = [species] if isinstance(species, str) else list(species)
        keep &= frame["scientificName"].isin(names).fillna(False).astype(bool)
    first, last = to_timestamp(start, timezone), to_timestamp(end, timezone)
    if table in TIME_COLUMN:
        times = frame[TIME_COLUMN[table]]
        if first is not None:
            keep &= (times >= first).fillna(False).astype(bool)
        if last is not None:
            keep &= (times < last).fillna(False).astype(bool)
    elif table == "deployments":
        if first is not None:
            keep &= (frame["deploymentEnd"] > first).fillna(False).astype(bool)
        if last is not None:
            keep &= (frame["deploymentStart"] < last).fillna(False).astype(bool)
    return frame[keep]


@renamed_parameters(level="observation_level")
def select_records(
    observations: pd.DataFrame,
    observation_level: Literal["auto", "media", "event"] = "auto",
    observation_type: str | Sequence[str] | None = "animal",
) -> pd.DataFrame:
    """The observation rows that count as records, never counting one sighting twice.

    Parameters
    ----------
    observations : DataFrame
        Camtrap DP observations (``deploymentID``, ``observationLevel``, ``observationType``, ...).
    observation_level : {"auto", "media", "event"}
        Which ``observationLevel`` to use (formerly ``level``, which still works, deprecated). ``"auto"`` (default) decides per deployment: a deployment
        with any event-level observation contributes only its event-level rows (they summarise the
        same sequences as its media-level rows, so using both would double count); a deployment with
        only media-level rows contributes those. Rows without ``observationLevel`` are records. The
        choice is made from the rows given: pass all observations and keep the species you want
        afterwards, because a table cut to one species first can make a deployment look media-only (for
        example where a machine labelled images a leopard but the people's event-level rows did not).
    observation_type : str, sequence of str or None
        Keep only these ``observationType`` values (default ``"animal"``); ``None`` keeps all. A table
        without an ``observationType`` column (e.g. a camtrapR record table) is all records.

    Returns
    -------
    DataFrame
        The selected rows (same columns and index).

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"deploymentID": ["d1", "d1", "d2"], "observationLevel": ["event", "media", "media"],
    ...                     "observationType": ["animal"] * 3})
    >>> select_records(obs).index.tolist()
    [0, 2]
    """
    if observation_level not in ("auto", "media", "event"):
        raise ValueError(f"observation_level must be 'auto', 'media' or 'event', got {observation_level!r}")
    keep = np.ones(len(observations), dtype=bool)
    if observation_type is not None and "observationType" in observations.columns:
        wanted = [observation_type] if isinstance(observation_type, str) else list(observation_type)
        keep &= observations["observationType"].astype("object").isin(wanted).to_numpy()
    if "observationLevel" in observations.columns:
        lev = observations["observationLevel"].astype("object")
        if observation_level == "auto":
            if "deploymentID" not in observations.columns:
                raise ValueError("observations need 'deploymentID' to choose the observation level per deployment")
            deployment = observations["deploymentID"].astype("object")
            has_event = (lev == "event").groupby(deployment, sort=False).transform("any")
            use = np.where(has_event.to_numpy(dtype=bool), "event", "media")
            keep &= (lev.to_numpy() == use) | lev.isna().to_numpy()
        else:
            keep &= (lev == observation_level).to_numpy()
    return observations if keep.all() else observations.loc[keep]
