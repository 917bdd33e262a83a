"""Identified animals: their records, who was seen with them, their moves and ranges.

Pure functions on pandas tables (counting layer): :func:`detection_records` (every animal record with its
location), :func:`co_detections` (other animals at the same station within a time window of a focal
individual's records), :func:`companions` (who, how often, where and how related), :func:`moves` (between
consecutive detections at different stations) and :func:`minimum_convex_polygon` (the 100 % MCP of the
stations where an animal was detected). The IndividualExplorer (:mod:`nbtools.widgets.individual`) and
notebook 08 call them; they draw nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .camtrapdp.select import select_records

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = ["co_detections", "companions", "detection_records", "minimum_convex_polygon", "moves"]


def detection_records(
    observations: pd.DataFrame, deployments: pd.DataFrame, observation_type: str = "animal"
) -> pd.DataFrame:
    """The records of animals (one level per deployment, :func:`nbtools.camtrapdp.select.select_records`) with their location.

    Returns
    -------
    DataFrame
        ``observationID``, ``deploymentID``, ``locationID``, ``eventStart``, ``scientificName``,
        ``individualID``, ``lifeStage``, ``count`` (object/str columns, UTC times).
    """
    rec = select_records(observations, observation_type=observation_type)
    deps = deployments.drop_duplicates("deploymentID")
    location_of = pd.Series(
        deps["locationID"].astype(str).to_numpy(), index=deps["deploymentID"].astype(str).to_numpy()
    )
    out = pd.DataFrame(
        {
            "observationID": rec["observationID"].astype(str).to_numpy()
            if "observationID" in rec
            else rec.index.astype(str),
            "deploymentID": rec["deploymentID"].astype(str).to_numpy(),
            "eventStart": rec["eventStart"].to_numpy(),
            "scientificName": rec["scientificName"].astype(object).to_numpy(),
            "individualID": rec["individualID"].astype(object).to_numpy() if "individualID" in rec else None,
            "lifeStage": rec["lifeStage"].astype(object).to_numpy() if "lifeStage" in rec else None,
            "count": rec["count"].to_numpy() if "count" in rec else 1,
        }
    )
    out["locationID"] = out["deploymentID"].map(location_of)
    out["eventStart"] = pd.to_datetime(out["eventStart"], utc=True)
    for col in ("individualID", "lifeStage", "scientificName"):
        out[col] = out[col].where(pd.notna(out[col]), None)
    return out[
        [
            "observationID",
            "deploymentID",
            "locationID",
            "eventStart",
            "scientificName",
            "individualID",
            "lifeStage",
            "count",
        ]
    ]


def co_detections(
    records: pd.DataFrame,
    individual: str,
    window: str | pd.Timedelta = "1h",
    *,
    station: str = "locationID",
    unidentified: bool = True,
) -> pd.DataFrame:
    """Other animals recorded at the same station as ``individual`` within ``window`` of one of its records.

    Parameters
    ----------
    records : DataFrame
        One row per record (:func:`detection_records`): ``station``, ``eventStart`` (aware), ``individualID``
        (None when not identified), ``scientificName``, ``lifeStage``, ``count``, ``observationID``.
    individual : str
        The focal ``individualID``.
    window : str or Timedelta, default "1h"
        Largest time between the focal record and the other one (either order; inclusive).
    station : str, default "locationID"
        What counts as the same place (``deploymentID`` for the same camera).
    unidentified : bool, default True
        Also list records of the focal's species without an ``individualID`` (e.g. cubs, which are seldom
        identified); they are labelled ``"unidentified <lifeStage>"``.

    Returns
    -------
    DataFrame
        One row per (focal record, other record) pair, by focal time then lag: ``station``, ``focal_time``,
        ``time``, ``lag`` (other minus focal), ``individualID`` (missing if unidentified), ``label``,
        ``scientificName``, ``lifeStage``, ``count``, ``focal_observationID``, ``observationID``. A focal
        record's own row never pairs with itself; records of the focal individual never count as others.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.to_datetime(["2017-01-01 10:00", "2017-01-01 10:20", "2017-01-01 13:00", "2017-01-01 10:05"], utc=True)
    >>> rec = pd.DataFrame({"locationID": ["A", "A", "A", "B"], "eventStart": t,
    ...     "individualID": ["F1", "M1", "M2", "M3"], "scientificName": ["leo"] * 4, "lifeStage": ["adult"] * 4,
    ...     "count": 1, "observationID": ["o1", "o2", "o3", "o4"]})
    >>> co_detections(rec, "F1", "1h")[["individualID", "lag"]].values.tolist()
    [['M1', Timedelta('0 days 00:20:00')]]
    """
    width = pd.Timedelta(window)
    if width < pd.Timedelta(0):
        raise ValueError(f"window must be >= 0, got {window!r}")
    for col in (station, "eventStart", "individualID", "scientificName"):
        if col not in records.columns:
            raise ValueError(f"records have no {col!r} column")
    ids = records["individualID"].astype(object)
    is_focal = (ids == individual).fillna(False).to_numpy(dtype=bool)
    columns = [
        station,
        "focal_time",
        "time",
        "lag",
        "individualID",
        "label",
        "scientificName",
        "lifeStage",
        "count",
        "focal_observationID",
        "observationID",
    ]
    if not is_focal.any():
        raise ValueError(f"no records of individual {individual!r}")
    focal = records.loc[is_focal]
    species = focal["scientificName"].astype(object).mode().iloc[0]
    known = ids.notna().to_numpy(dtype=bool)
    other = known & ~is_focal
    if unidentified:
        other |= ~known & (records["scientificName"].astype(object) == species).fillna(False).to_numpy(dtype=bool)
    others = records.loc[other & records[station].isin(set(focal[station])).to_numpy(dtype=bool)]

    def pick(frame: pd.DataFrame, col: str, default: object = None) -> pd.Series:
        return frame[col] if col in frame.columns else pd.Series(default, index=frame.index, dtype=object)

    left = pd.DataFrame(
        {
            station: focal[station].astype(object).to_numpy(),
            "focal_time": focal["eventStart"].to_numpy(),
            "focal_observationID": pick(focal, "observationID").astype(object).to_numpy(),
        }
    )
    right = pd.DataFrame(
        {
            station: others[station].astype(object).to_numpy(),
            "time": others["eventStart"].to_numpy(),
            "individualID": others["individualID"].astype(object).to_numpy(),
            "scientificName": others["scientificName"].astype(object).to_numpy(),
            "lifeStage": pick(others, "lifeStage").astype(object).to_numpy(),
            "count": pick(others, "count", 1).to_numpy(),
            "observationID": pick(others, "observationID").astype(object).to_numpy(),
        }
    )
    pairs = left.merge(right, on=station, how="inner")
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype="timedelta64[ns]" if c == "lag" else object) for c in columns})
    pairs["focal_time"] = pd.to_datetime(pairs["focal_time"], utc=True)
    pairs["time"] = pd.to_datetime(pairs["time"], utc=True)
    pairs["lag"] = pairs["time"] - pairs["focal_time"]
    pairs = pairs[pairs["lag"].abs() <= width].copy()
    pairs["individualID"] = pairs["individualID"].where(pairs["individualID"].notna(), None)
    stage = pairs["lifeStage"].where(pairs["lifeStage"].notna(), "animal").astype(str)
    pairs["label"] = pairs["individualID"].where(pairs["individualID"].notna(), "unidentified " + stage)
    pairs = pairs.sort_values(["focal_time", "lag", "label"], kind="stable").reset_index(drop=True)
    return pairs[columns]


def companions(
    pairs: pd.DataFrame,
    individual: str,
    individuals: pd.DataFrame | None = None,
    station: str = "locationID",
) -> pd.DataFrame:
    """Per companion of :func:`co_detections`: how often, where and when, and how it is related.

    Parameters
    ----------
    pairs : DataFrame
        :func:`co_detections` output for ``individual``.
    individual : str
        The focal ``individualID``.
    individuals : DataFrame, optional
        Known individuals (``individualID``, ``sex``, ``lifeStage``, ``motherID``, ``scientificName``), e.g.
        ``Study.individuals``; gives the ``relation``.
    station : str, default "locationID"

    Returns
    -------
    DataFrame
        One row per ``label`` (individual, or ``unidentified <lifeStage>``), most focal records first:
        ``label``, ``individualID``, ``scientificName``, ``n_focal`` (focal records with it), ``n_records``
        (its records), ``n_stations``, ``stations``, ``first``, ``last`` (times together, UTC), ``closest``
        (smallest absolute lag) and ``relation``: ``mother``, ``offspring``, ``sibling`` (from ``motherID``),
        ``opposite sex`` / ``same sex`` (same species), ``young`` (unidentified juvenile or subadult of the
        same species), ``other species`` or ``""`` when unknown.
    """
    cols = [
        "label",
        "individualID",
        "scientificName",
        "n_focal",
        "n_records",
        "n_stations",
        "stations",
        "first",
        "last",
        "closest",
        "relation",
    ]
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    frame = pairs.assign(abslag=pairs["lag"].abs())
    grouped = frame.groupby("label", sort=False)
    table = grouped.agg(
        individualID=("individualID", "first"),
        scientificName=("scientificName", "first"),
        n_focal=("focal_time", "nunique"),
        n_records=("observationID", "nunique"),
        n_stations=(station, "nunique"),
        stations=(station, lambda s: ", ".join(sorted(set(map(str, s))))),
        first=("time", "min"),
        last=("time", "max"),
        closest=("abslag", "min"),
    ).reset_index()
    info = pd.DataFrame(columns=["sex", "lifeStage", "motherID", "scientificName"])
    if individuals is not None and "individualID" in individuals.columns:
        info = individuals.drop_duplicates("individualID")
        info = info.set_axis(info["individualID"].astype(str).to_numpy(), axis=0)
    me = info.loc[individual] if individual in info.index else None
    my_species = pairs["scientificName"].iloc[0] if me is None else me.get("scientificName", None)

    def value(row: pd.Series | None, col: str) -> object:
        if row is None or col not in row.index or pd.isna(row[col]):
            return None
        return str(row[col])

    def relation(rec: pd.Series) -> str:
        other_id = rec["individualID"]
        if other_id is None or pd.isna(other_id):
            stage = rec["label"].removeprefix("unidentified ")
            return "young" if stage in ("juvenile", "subadult") else ""
        other = info.loc[other_id] if other_id in info.index else None
        if value(me, "motherID") == other_id:
            return "mother"
        if value(other, "motherID") == individual:
            return "offspring"
        if value(me, "motherID") is not None and value(me, "motherID") == value(other, "motherID"):
            return "sibling"
        if rec["scientificName"] != (my_species or rec["scientificName"]):
            return "other species"
        mine, theirs = value(me, "sex"), value(other, "sex")
        if mine and theirs and mine in ("male", "female") and theirs in ("male", "female"):
            return "same sex" if mine == theirs else "opposite sex"
        return ""

    table["relation"] = table.apply(relation, axis=1) if len(table) else []
    table = table.sort_values(["n_focal", "n_records", "label"], ascending=[False, False, True], kind="stable")
    return table[cols].reset_index(drop=True)


def moves(history: pd.DataFrame, positions: pd.DataFrame, station: str = "locationID") -> pd.DataFrame:
    """Moves between consecutive detections (in time) at different stations.

    Parameters
    ----------
    history : DataFrame
        One individual's detections: ``station`` and ``eventStart``.
    positions : DataFrame
        ``x``, ``y`` (metres) indexed by station (e.g. the mean of its deployments).

    Returns
    -------
    DataFrame
        ``from``, ``to``, ``left`` (time of the last detection at ``from``), ``arrived`` (first at ``to``),
        ``elapsed``, ``distance_m`` (straight line), ``x0``, ``y0``, ``x1``, ``y1``; one row per change of
        station, in time order.
    """
    h = history.sort_values("eventStart", kind="stable")
    where = h[station].astype(str).to_numpy()
    t = pd.to_datetime(h["eventStart"], utc=True).reset_index(drop=True)
    change = np.flatnonzero(where[1:] != where[:-1])
    pos = positions.reindex(where)
    x, y = pos["x"].to_numpy(dtype=float), pos["y"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "from": where[change],
            "to": where[change + 1],
            "left": t.iloc[change].to_numpy(),
            "arrived": t.iloc[change + 1].to_numpy(),
            "x0": x[change],
            "y0": y[change],
            "x1": x[change + 1],
            "y1": y[change + 1],
        }
    )
    out["left"] = pd.to_datetime(out["left"], utc=True)
    out["arrived"] = pd.to_datetime(out["arrived"], utc=True)
    out["elapsed"] = out["arrived"] - out["left"]
    out["distance_m"] = np.hypot(out["x1"] - out["x0"], out["y1"] - out["y0"])
    return out[["from", "to", "left", "arrived", "elapsed", "distance_m", "x0", "y0", "x1", "y1"]]


def minimum_convex_polygon(positions: pd.DataFrame, x: str = "x", y: str = "y") -> BaseGeometry:
    """The minimum convex polygon (100 % MCP) of an animal's detection positions.

    The smallest convex polygon that holds every distinct position (as ``adehabitatHR::mcp`` with
    ``percent = 100``): with camera traps, the hull of the stations where the animal was photographed, a
    lower bound of its range that grows with the number of stations.

    Parameters
    ----------
    positions : DataFrame
        One row per detection (or per station) with projected coordinates in metres.
    x, y : str, default "x", "y"
        The coordinate columns.

    Returns
    -------
    shapely.geometry.base.BaseGeometry
        A ``Polygon`` (three or more positions not on a line), else a ``LineString`` or ``Point`` (area 0);
        ``.area`` is in square metres. An empty ``GeometryCollection`` when there is no position.

    Raises
    ------
    ValueError
        If a coordinate column is missing or holds a missing value.

    Examples
    --------
    >>> import pandas as pd
    >>> stations = pd.DataFrame({"x": [0.0, 1000.0, 0.0, 0.0], "y": [0.0, 0.0, 1000.0, 0.0]})
    >>> minimum_convex_polygon(stations).area
    500000.0
    """
    from shapely.geometry import MultiPoint

    for col in (x, y):
        if col not in positions.columns:
            raise ValueError(f"positions have no {col!r} column")
    xy = positions[[x, y]]
    if xy.isna().any().any():
        rows = list(positions.index[xy.isna().any(axis=1)][:5])
        raise ValueError(f"positions have missing {x}/{y} values (rows {rows}): project every station first")
    return MultiPoint(xy.drop_duplicates().to_numpy(dtype=float)).convex_hull
