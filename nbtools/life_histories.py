"""An animal's life across seasons from its records: where it was, and whether young were with it.

The pure functions of :mod:`nbtools.individuals` (``detection_records``, ``co_detections``) pair
records within a season; a multi-year study asks how an animal's life changed from one season to
the next: a mother photographed with cubs, a daughter leaving her and settling next to her, the
daughter's own litter. :func:`life_timeline` lists an individual's records with the number of young
photographed with it and the season; :func:`season_summary` sums them up per season (records, share
with young, centre of the stations, minimum convex polygon); :func:`centre_distances` gives how far
apart two animals' seasonal centres were.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .individuals import co_detections, minimum_convex_polygon

__all__ = ["YOUNG_STAGES", "centre_distances", "life_timeline", "season_summary"]

#: Life stages of animals that move with their mother.
YOUNG_STAGES = ("juvenile", "subadult")


def life_timeline(
    records: pd.DataFrame,
    individual: str,
    seasons: pd.Series | None = None,
    window: str | pd.Timedelta = "1min",
    station: str = "deploymentID",
    young: tuple[str, ...] = YOUNG_STAGES,
) -> pd.DataFrame:
    """One individual's records, each with the young photographed with it and its season.

    Parameters
    ----------
    records : pandas.DataFrame
        Animal records (:func:`nbtools.individuals.detection_records`).
    individual : str
        The ``individualID``.
    seasons : pandas.Series, optional
        Season per ``deploymentID`` (:func:`nbtools.seasons.deployment_seasons`).
    window : str or Timedelta, default "1min"
        Young recorded at the same ``station`` within this time of the record count as with it (cubs are
        recorded in the same sequence as their mother).
    station : str, default "deploymentID"
    young : tuple of str, default ("juvenile", "subadult")
        Life stages counted as young.

    Returns
    -------
    pandas.DataFrame
        ``observationID``, ``deploymentID``, ``locationID``, ``eventStart`` (UTC), ``season`` (when
        ``seasons`` is given), ``young`` (number of young animals in the co-detected records, the sum of
        their ``count``), in time order.
    """
    mine = records[(records["individualID"].astype(object) == individual).fillna(False).to_numpy(bool)]
    if mine.empty:
        raise ValueError(f"no records of individual {individual!r}")
    pairs = co_detections(records, individual, window, station=station)
    with_young = pairs[pairs["individualID"].isna().to_numpy() & pairs["lifeStage"].isin(young).to_numpy()]
    per_record = with_young.groupby("focal_observationID")["count"].sum()
    out = mine[["observationID", "deploymentID", "locationID", "eventStart"]].copy()
    if seasons is not None:
        out["season"] = out["deploymentID"].astype(str).map(seasons)
    out["young"] = out["observationID"].map(per_record).fillna(0).astype(int)
    return out.sort_values("eventStart", kind="stable").reset_index(drop=True)


def season_summary(timeline: pd.DataFrame, positions: pd.DataFrame) -> pd.DataFrame:
    """An individual's records summed up per season.

    Parameters
    ----------
    timeline : pandas.DataFrame
        From :func:`life_timeline` with ``seasons`` given.
    positions : pandas.DataFrame
        Station ``x``, ``y`` (m) indexed by ``locationID``.

    Returns
    -------
    pandas.DataFrame
        Index ``season``: ``records``, ``with_young`` (records with young), ``share_with_young``,
        ``stations``, ``x``, ``y`` (mean position of the records' stations, m) and ``mcp_km2`` (minimum
        convex polygon of the stations, km2; 0 with fewer than three stations).
    """
    if "season" not in timeline.columns:
        raise ValueError("the timeline has no 'season' column: give life_timeline the seasons")
    xy = positions[["x", "y"]].reindex(timeline["locationID"].astype(str)).to_numpy(float)
    table = timeline.assign(x=xy[:, 0], y=xy[:, 1], has_young=timeline["young"] > 0)
    rows = {}
    for season, part in table.groupby("season", sort=True):
        where = part.drop_duplicates("locationID")[["x", "y"]].dropna()
        rows[season] = {
            "records": len(part),
            "with_young": int(part["has_young"].sum()),
            "share_with_young": float(part["has_young"].mean()),
            "stations": len(where),
            "x": float(part["x"].mean()),
            "y": float(part["y"].mean()),
            "mcp_km2": minimum_convex_polygon(where).area / 1e6 if len(where) >= 3 else 0.0,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "season"
    return out


def centre_distances(first: pd.DataFrame, second: pd.DataFrame) -> pd.Series:
    """Distance (km) between two animals' seasonal centres (:func:`season_summary`), in the seasons of both."""
    both = first.index.intersection(second.index)
    dx = first.loc[both, "x"] - second.loc[both, "x"]
    dy = first.loc[both, "y"] - second.loc[both, "y"]
    return (np.hypot(dx, dy) / 1000).rename("distance_km")
