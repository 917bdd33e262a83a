"""IndividualExplorer: one identified animal's capture history, stations, moves and companions.

The statistics it shows come from :mod:`nbtools.individuals` (:func:`~nbtools.individuals.detection_records`,
:func:`~nbtools.individuals.co_detections`, :func:`~nbtools.individuals.companions`,
:func:`~nbtools.individuals.moves`); their names are still importable from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import holoviews as hv
import ipywidgets as widgets
import numpy as np
import pandas as pd

from nbtools.events import independent_events
from nbtools.individuals import co_detections as co_detections
from nbtools.individuals import companions as companions
from nbtools.individuals import detection_records as detection_records
from nbtools.individuals import moves as moves
from nbtools.maps import boundary_path, station_points, track_paths
from nbtools.study import Study

from ._common import LRU, Explorer, PlotPane, html_table, minutes_label, station_positions

#: Co-detection windows offered, in minutes.
WINDOWS = (1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 4320, 10080)
#: The default individual of the default study: Berry, Kedrovka's daughter, who raised two cubs in 2017.
BERRY = "Leo 4F"


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
        Co-detection window passed to :func:`~nbtools.individuals.co_detections` (e.g. ``"60min"``).
    history : DataFrame
        Capture history: its independent events (``independent_events(..., individual=True)``) with
        the station's ``x``, ``y``, in time order.
    stations : DataFrame
        Per station: ``n_events``, ``first``, ``last``, ``x``, ``y``.
    moves : DataFrame
        :func:`~nbtools.individuals.moves` between consecutive detections.
    co_detections : DataFrame
        :func:`~nbtools.individuals.co_detections` of its records within ``window``.
    companions : DataFrame
        :func:`~nbtools.individuals.companions`: who was seen with it, how often and the relation.
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
    records (:func:`~nbtools.individuals.detection_records`). Each change filters them to the chosen individual and recomputes
    :func:`~nbtools.individuals.moves`, :func:`~nbtools.individuals.co_detections` within the window and :func:`~nbtools.individuals.companions`.

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
        self.events = independent_events(
            identified, threshold=threshold, deployments=study.deployments, individual=True
        )
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

        self.individual = widgets.Dropdown(
            options=[(label(i), i) for i in order],
            value=individual,
            description="individual",
            layout=widgets.Layout(width="420px"),
        )
        self.window = widgets.SelectionSlider(
            options=[(minutes_label(m), m) for m in WINDOWS],
            value=int(window),
            description="seen together within",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"),
        )
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
        history = history.assign(
            x=loc.map(self.positions["x"]).to_numpy(dtype=float), y=loc.map(self.positions["y"]).to_numpy(dtype=float)
        )
        stations = (
            history.groupby(history["locationID"].astype(str), observed=True)
            .agg(
                n_events=("event", "size"),
                first=("eventStart", "min"),
                last=("eventStart", "max"),
                x=("x", "first"),
                y=("y", "first"),
            )
            .sort_values("first")
            .reset_index()
        )
        mv = moves(history, self.positions)
        pairs = co_detections(self.records, ind, f"{minutes}min")
        comp = companions(pairs, ind, self.study.individuals)
        return IndividualResult(ind, self._names.get(ind), f"{minutes}min", history, stations, mv, pairs, comp)

    def _summary(self, r: IndividualResult) -> str:
        who = f"{r.name} ({r.individual})" if r.name else r.individual
        far = f", longest move {r.moves['distance_m'].max() / 1000:.1f} km" if len(r.moves) else ""
        return (
            f"{who}: {len(r.history)} independent events at {len(r.stations)} stations, {len(r.moves)} moves{far}; "
            f"{len(r.companions)} companions within {minutes_label(int(r.window[:-3]))}"
        )

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
            layers.append(
                hv.Points(stations, kdims=["x", "y"], vdims=["locationID", "n_events", "size"], label="stations").opts(
                    color="#d62728", size="size", line_color="black", alpha=0.8, tools=["hover"]
                )
            )
            return hv.Overlay(layers).opts(
                title=f"{who}: stations and moves",
                data_aspect=1,
                frame_width=460,
                xlabel="x (m)",
                ylabel="y (m)",
                show_legend=False,
            )

        def the_timeline():
            h = r.history.assign(
                time=r.history["eventStart"].dt.tz_convert(zone).dt.tz_localize(None),
                station=r.history["locationID"].astype(str),
                what="alone",
            )
            layers = [
                hv.Scatter(h, "time", ["station", "what"], label=f"{who}").opts(
                    color="#d62728", size=7, tools=["hover"]
                )
            ]
            if len(r.co_detections):
                c = r.co_detections.assign(
                    time=r.co_detections["time"].dt.tz_convert(zone).dt.tz_localize(None),
                    station=r.co_detections["locationID"].astype(str),
                )
                layers.append(
                    hv.Scatter(c, "time", ["station", "label"], label="with others").opts(
                        color="#1f77b4", marker="triangle", size=8, alpha=0.7, tools=["hover"]
                    )
                )
            return hv.Overlay(layers).opts(
                title=f"{who}: detections over time (blue: others within the window)",
                width=900,
                height=260,
                xlabel=f"date ({zone})",
                legend_position="right",
            )

        self._map.show(r.individual, the_map)
        self._timeline.show((r.individual, r.window), the_timeline)
        comp = r.companions.drop(columns=["individualID"]).assign(
            first=r.companions["first"].astype(str).str[:16],
            last=r.companions["last"].astype(str).str[:16],
            closest=r.companions["closest"].astype(str),
        )
        hist = r.history[["locationID", "deploymentID", "eventStart", "n_observations"]].assign(
            eventStart=r.history["eventStart"].dt.tz_convert(zone).dt.strftime("%Y-%m-%d %H:%M")
        )
        self._table.value = html_table(
            comp, max_rows=10, caption=f"Seen with {who} within {minutes_label(int(r.window[:-3]))}"
        ) + (html_table(hist, max_rows=10, caption="Capture history (local time)"))
