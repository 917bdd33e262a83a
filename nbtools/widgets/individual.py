"""IndividualExplorer: one identified animal's capture history, stations, moves and companions.

Besides the explorer this module holds three pure functions that nbtools did not have (checked: no
co-detection or move table elsewhere in the package): :func:`co_detections`, :func:`companions` and
:func:`moves`. They take and return pandas tables and draw nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import holoviews as hv
import ipywidgets as widgets
import numpy as np
import pandas as pd

from nbtools.events import independent_events, select_records
from nbtools.maps import boundary_path, station_points, track_paths
from nbtools.study import Study

from ._common import LRU, Explorer, PlotPane, html_table, minutes_label, station_positions

#: Co-detection windows offered, in minutes.
WINDOWS = (1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 4320, 10080)
#: The default individual of the default study: Berry, Kedrovka's daughter, who raised two cubs in 2017.
BERRY = "Leo 4F"


# --- pure functions -----------------------------------------------------------------------------------------

def detection_records(observations: pd.DataFrame, deployments: pd.DataFrame, observation_type: str = "animal") -> pd.DataFrame:
    """The records of animals (one level per deployment, :func:`nbtools.events.select_records`) with their location.

    Returns
    -------
    DataFrame
        ``observationID``, ``deploymentID``, ``locationID``, ``eventStart``, ``scientificName``,
        ``individualID``, ``lifeStage``, ``count`` (object/str columns, UTC times).
    """
    rec = select_records(observations, observation_type=observation_type)
    deps = deployments.drop_duplicates("deploymentID")
    location_of = pd.Series(deps["locationID"].astype(str).to_numpy(), index=deps["deploymentID"].astype(str).to_numpy())
    out = pd.DataFrame({
        "observationID": rec["observationID"].astype(str).to_numpy() if "observationID" in rec else rec.index.astype(str),
        "deploymentID": rec["deploymentID"].astype(str).to_numpy(),
        "eventStart": rec["eventStart"].to_numpy(),
        "scientificName": rec["scientificName"].astype(object).to_numpy(),
        "individualID": rec["individualID"].astype(object).to_numpy() if "individualID" in rec else None,
        "lifeStage": rec["lifeStage"].astype(object).to_numpy() if "lifeStage" in rec else None,
        "count": rec["count"].to_numpy() if "count" in rec else 1,
    })  # fmt: skip
    out["locationID"] = out["deploymentID"].map(location_of)
    out["eventStart"] = pd.to_datetime(out["eventStart"], utc=True)
    for col in ("individualID", "lifeStage", "scientificName"):
        out[col] = out[col].where(pd.notna(out[col]), None)
    return out[["observationID", "deploymentID", "locationID", "eventStart", "scientificName", "individualID",
                "lifeStage", "count"]]  # fmt: skip


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
    columns = [station, "focal_time", "time", "lag", "individualID", "label", "scientificName", "lifeStage", "count",
               "focal_observationID", "observationID"]  # fmt: skip
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

    left = pd.DataFrame({station: focal[station].astype(object).to_numpy(), "focal_time": focal["eventStart"].to_numpy(),
                         "focal_observationID": pick(focal, "observationID").astype(object).to_numpy()})  # fmt: skip
    right = pd.DataFrame({
        station: others[station].astype(object).to_numpy(), "time": others["eventStart"].to_numpy(),
        "individualID": others["individualID"].astype(object).to_numpy(),
        "scientificName": others["scientificName"].astype(object).to_numpy(),
        "lifeStage": pick(others, "lifeStage").astype(object).to_numpy(), "count": pick(others, "count", 1).to_numpy(),
        "observationID": pick(others, "observationID").astype(object).to_numpy(),
    })  # fmt: skip
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
    cols = ["label", "individualID", "scientificName", "n_focal", "n_records", "n_stations", "stations", "first",
            "last", "closest", "relation"]  # fmt: skip
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    frame = pairs.assign(abslag=pairs["lag"].abs())
    grouped = frame.groupby("label", sort=False)
    table = grouped.agg(
        individualID=("individualID", "first"), scientificName=("scientificName", "first"),
        n_focal=("focal_time", "nunique"), n_records=("observationID", "nunique"), n_stations=(station, "nunique"),
        stations=(station, lambda s: ", ".join(sorted(set(map(str, s))))), first=("time", "min"), last=("time", "max"),
        closest=("abslag", "min"),
    ).reset_index()  # fmt: skip
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
    out = pd.DataFrame({
        "from": where[change], "to": where[change + 1], "left": t.iloc[change].to_numpy(),
        "arrived": t.iloc[change + 1].to_numpy(),
        "x0": x[change], "y0": y[change], "x1": x[change + 1], "y1": y[change + 1],
    })  # fmt: skip
    out["left"] = pd.to_datetime(out["left"], utc=True)
    out["arrived"] = pd.to_datetime(out["arrived"], utc=True)
    out["elapsed"] = out["arrived"] - out["left"]
    out["distance_m"] = np.hypot(out["x1"] - out["x0"], out["y1"] - out["y0"])
    return out[["from", "to", "left", "arrived", "elapsed", "distance_m", "x0", "y0", "x1", "y1"]]


def _natural(text: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


# --- the explorer -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IndividualResult:
    """The IndividualExplorer's current inputs and outputs.

    Attributes
    ----------
    individual : str
        ``individualID``; ``name`` its name when it has one (Berry, Kedrovka, ...).
    window : str
        Co-detection window passed to :func:`co_detections` (e.g. ``"60min"``).
    history : DataFrame
        Capture history: its independent events (``independent_events(..., individual=True)``) with
        the station's ``x``, ``y``, in time order.
    stations : DataFrame
        Per station: ``n_events``, ``first``, ``last``, ``x``, ``y``.
    moves : DataFrame
        :func:`moves` between consecutive detections.
    co_detections : DataFrame
        :func:`co_detections` of its records within ``window``.
    companions : DataFrame
        :func:`companions`: who was seen with it, how often and the relation.
    """

    individual: str
    name: str | None
    window: str
    history: pd.DataFrame = field(repr=False)
    stations: pd.DataFrame = field(repr=False)
    moves: pd.DataFrame = field(repr=False)
    co_detections: pd.DataFrame = field(repr=False)
    companions: pd.DataFrame = field(repr=False)


class IndividualExplorer(Explorer):
    """Explore one identified individual: capture history, stations and moves, timeline and companions.

    Computed once: the independent events of every identified individual
    (:func:`nbtools.events.independent_events` with ``individual=True`` at ``threshold``) and the animal
    records (:func:`detection_records`). Each change filters them to the chosen individual and recomputes
    :func:`moves`, :func:`co_detections` within the window and :func:`companions`.

    Parameters
    ----------
    study : Study
    individual : str, optional
        ``individualID`` (default Berry, ``"Leo 4F"``, when present, else the most detected).
    window : int, default 60
        Co-detection window in minutes (one of ``WINDOWS``, from 1 minute to 10,080, a week).
    threshold : str, default "30min"
        Independence threshold of the capture history.

    Attributes
    ----------
    individual : ipywidgets.Dropdown (``individualID`` values, labelled with names)
    window : ipywidgets.SelectionSlider (minutes)
    result : IndividualResult
    """

    title = "Individual explorer: capture history, moves and companions"

    def __init__(self, study: Study, individual: str | None = None, window: int = 60, threshold: str = "30min") -> None:
        super().__init__()
        self.study = study
        obs = study.observations
        if "individualID" not in obs.columns or not obs["individualID"].notna().any():
            raise ValueError("the study has no identified individuals (no individualID in its observations)")
        if int(window) not in WINDOWS:
            raise ValueError(f"window must be one of {WINDOWS} minutes, got {window!r}")
        identified = obs[obs["individualID"].notna().to_numpy(dtype=bool)]
        #: capture histories of every identified individual (computed once)
        self.events = independent_events(identified, threshold=threshold, deployments=study.deployments, individual=True)
        #: every animal record with its location (computed once)
        self.records = detection_records(obs, study.deployments)
        self.positions = station_positions(study.deployments)
        ids = self.events["individualID"].astype(str)
        counts = ids.value_counts()
        species = self.events.groupby(ids, observed=True)["scientificName"].first().astype(str)
        info = study.individuals
        self._names: dict[str, str] = {}
        if info is not None and "individualName" in info.columns:
            named = info.dropna(subset=["individualName"])
            self._names = dict(zip(named["individualID"].astype(str), named["individualName"].astype(str)))
        order = sorted(counts.index, key=lambda i: (species[i], i not in self._names, _natural(i)))
        if individual is None:
            individual = BERRY if BERRY in counts.index else counts.index[0]
        if individual not in counts.index:
            raise ValueError(f"no detections of individual {individual!r}")

        def label(i: str) -> str:
            return f"{self._names[i]} ({i}), {counts[i]} events" if i in self._names else f"{i}, {counts[i]} events"

        self.individual = widgets.Dropdown(options=[(label(i), i) for i in order], value=individual,
                                           description="individual", layout=widgets.Layout(width="420px"))  # fmt: skip
        self.window = widgets.SelectionSlider(
            options=[(minutes_label(m), m) for m in WINDOWS], value=int(window), description="seen together within",
            continuous_update=False, style={"description_width": "initial"}, layout=widgets.Layout(width="420px"),
        )  # fmt: skip
        self._results = LRU(32)  # (individual, window) -> IndividualResult
        self._map = PlotPane("individual-map")
        self._timeline = PlotPane("individual-timeline")
        self._table = widgets.HTML()
        self._table.add_class("nbtools-table-box")
        self._watch([self.individual, self.window])
        self.update()

    def _compute(self) -> IndividualResult:
        ind, minutes = str(self.individual.value), int(self.window.value)
        return self._results.get((ind, minutes), lambda: self._make(ind, minutes))

    def _make(self, ind: str, minutes: int) -> IndividualResult:
        ev = self.events
        history = ev[(ev["individualID"].astype(str) == ind).to_numpy()].sort_values("eventStart", kind="stable")
        loc = history["locationID"].astype(str)
        history = history.assign(x=loc.map(self.positions["x"]).to_numpy(dtype=float),
                                 y=loc.map(self.positions["y"]).to_numpy(dtype=float))  # fmt: skip
        stations = history.groupby(history["locationID"].astype(str), observed=True).agg(
            n_events=("event", "size"), first=("eventStart", "min"), last=("eventStart", "max"),
            x=("x", "first"), y=("y", "first"),
        ).sort_values("first").reset_index()  # fmt: skip
        mv = moves(history, self.positions)
        pairs = co_detections(self.records, ind, f"{minutes}min")
        comp = companions(pairs, ind, self.study.individuals)
        return IndividualResult(ind, self._names.get(ind), f"{minutes}min", history, stations, mv, pairs, comp)

    def _summary(self, r: IndividualResult) -> str:
        who = f"{r.name} ({r.individual})" if r.name else r.individual
        far = f", longest move {r.moves['distance_m'].max() / 1000:.1f} km" if len(r.moves) else ""
        return (f"{who}: {len(r.history)} independent events at {len(r.stations)} stations, {len(r.moves)} moves{far}; "
                f"{len(r.companions)} companions within {minutes_label(int(r.window[:-3]))}")  # fmt: skip

    def _controls_box(self) -> widgets.Widget:
        return widgets.HBox([self.individual, self.window])

    def _panes(self) -> list[widgets.Widget]:
        return [self._map.box, self._timeline.box, self._table]

    def _draw(self) -> None:
        r = self.result
        if r is None:
            return
        zone = self.study.timezone
        who = f"{r.name} ({r.individual})" if r.name else r.individual

        def the_map():
            layers = []
            if self.study.boundary is not None:
                layers.append(boundary_path(self.study.boundary, color="#999999"))
            layers.append(station_points(self.study.deployments, color="#dddddd").opts(size=3, line_color="#bbbbbb"))
            path = r.history[["x", "y", "individualID", "eventStart"]].rename(columns={"eventStart": "timestamp"})
            path = path.assign(individualID=who)
            layers.append(track_paths(path, colors={who: "#d62728"}))
            stations = r.stations.assign(size=6 + 3 * np.sqrt(r.stations["n_events"]))
            layers.append(hv.Points(stations, kdims=["x", "y"], vdims=["locationID", "n_events", "size"], label="stations").opts(
                color="#d62728", size="size", line_color="black", alpha=0.8, tools=["hover"]))  # fmt: skip
            return hv.Overlay(layers).opts(title=f"{who}: stations and moves", data_aspect=1, frame_width=460,
                                           xlabel="x (m)", ylabel="y (m)", show_legend=False)  # fmt: skip

        def the_timeline():
            h = r.history.assign(time=r.history["eventStart"].dt.tz_convert(zone).dt.tz_localize(None),
                                 station=r.history["locationID"].astype(str), what="alone")  # fmt: skip
            layers = [hv.Scatter(h, "time", ["station", "what"], label=f"{who}").opts(color="#d62728", size=7, tools=["hover"])]
            if len(r.co_detections):
                c = r.co_detections.assign(time=r.co_detections["time"].dt.tz_convert(zone).dt.tz_localize(None),
                                           station=r.co_detections["locationID"].astype(str))  # fmt: skip
                layers.append(hv.Scatter(c, "time", ["station", "label"], label="with others").opts(
                    color="#1f77b4", marker="triangle", size=8, alpha=0.7, tools=["hover"]))  # fmt: skip
            return hv.Overlay(layers).opts(title=f"{who}: detections over time (blue: others within the window)",
                                           width=900, height=260, xlabel=f"date ({zone})", legend_position="right")  # fmt: skip

        self._map.show(r.individual, the_map)
        self._timeline.show((r.individual, r.window), the_timeline)
        comp = r.companions.drop(columns=["individualID"]).assign(
            first=r.companions["first"].astype(str).str[:16], last=r.companions["last"].astype(str).str[:16],
            closest=r.companions["closest"].astype(str),
        )  # fmt: skip
        hist = r.history[["locationID", "deploymentID", "eventStart", "n_observations"]].assign(
            eventStart=r.history["eventStart"].dt.tz_convert(zone).dt.strftime("%Y-%m-%d %H:%M"))
        self._table.value = html_table(comp, max_rows=10, caption=f"Seen with {who} within {minutes_label(int(r.window[:-3]))}") + (
            html_table(hist, max_rows=10, caption="Capture history (local time)"))  # fmt: skip
