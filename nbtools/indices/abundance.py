"""Relative abundance (independent events per 100 trap-nights) and naive occupancy."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..effort import operation_settings, trap_nights
from .stations import as_object, species_list, station_positions, warn_days_without_operation


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
    station_positions(events, operation, station_col)
    warn_days_without_operation(events, operation, "relative abundance index")
    names = species_list(events, species)
    tn = trap_nights(operation)
    counts = as_object(events, station_col).groupby([station_col, "scientificName"], sort=False).size()
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
    station_positions(events, operation, station_col)
    surveyed = trap_nights(operation) > 0
    outside = ~surveyed.reindex(events[station_col].astype("object")).to_numpy()
    if outside.any():
        warnings.warn(
            f"{int(outside.sum())} events at stations without trap-nights are not counted "
            f"({sorted({str(s) for s in events.loc[outside, station_col]})[:10]})",
            stacklevel=2,
        )
    rows = []
    for name in species_list(events, species):
        of_species = (events["scientificName"].astype("object") == name).to_numpy()
        at = set(events.loc[of_species & ~outside, station_col].astype("object"))
        n = int(surveyed.sum())
        rows.append((name, len(at), n, len(at) / n if n else np.nan))
    return pd.DataFrame(rows, columns=["scientificName", "n_stations_detected", "n_stations", "naive_occupancy"])
