"""StudyExplorer: species, period and independence threshold -> events, effort, RAI table and map."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import holoviews as hv
import ipywidgets as widgets
import pandas as pd

from nbtools.effort import camera_operation, trap_nights
from nbtools.events import independent_events
from nbtools.indices import relative_abundance
from nbtools.maps import boundary_path
from nbtools.plots.effort import operation_heatmap, rai_map
from nbtools.study import Study, filter_table, species_records

from ._common import LEOPARD, LRU, Explorer, PlotPane, as_date, chosen_period, html_table, minutes_label, study_days

#: Independence thresholds offered, in minutes (camtrapR's ``minDeltaTime``).
THRESHOLDS = (1, 2, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440)


@dataclass(frozen=True)
class StudyResult:
    """The StudyExplorer's current inputs and outputs.

    Attributes
    ----------
    species : tuple of str
        Scientific names chosen.
    threshold : str
        Independence threshold passed to :func:`nbtools.events.independent_events` (e.g. ``"60min"``).
    start, end : str or None
        The period ``[start, end)`` (local dates, ``YYYY-MM-DD``) passed to :meth:`Study.subset <nbtools.study.Study.subset>`;
        None for no limit.
    map_species : str
        Species whose RAI sizes the stations on the map.
    events : DataFrame
        Independent events of the chosen species in the period.
    operation : DataFrame
        Camera-operation matrix (stations x days) of the period.
    rai : DataFrame
        :func:`nbtools.indices.relative_abundance` by station (every station x chosen species).
    species_table : DataFrame
        Per species: ``n_events``, ``n_stations`` (with events), ``trap_nights``, ``rai`` (survey RAI,
        :func:`nbtools.indices.relative_abundance` with ``by="survey"``).
    """

    species: tuple[str, ...]
    threshold: str
    start: str | None
    end: str | None
    map_species: str
    events: pd.DataFrame = field(repr=False)
    operation: pd.DataFrame = field(repr=False)
    rai: pd.DataFrame = field(repr=False)
    species_table: pd.DataFrame = field(repr=False)

    @property
    def n_events(self) -> dict[str, int]:
        """Events per species."""
        return {s: int(n) for s, n in zip(self.species_table["scientificName"], self.species_table["n_events"])}

    @property
    def trap_nights(self) -> float:
        """Survey total of trap-nights in the period."""
        return float(trap_nights(self.operation).sum())


class StudyExplorer(Explorer):
    """Explore a study's detections: species, a period and the independence threshold.

    Each change recomputes, with the functions a script would call,
    ``independent_events(study.subset(start, end).observations of the species, threshold)``,
    ``camera_operation(subset.deployments)`` and ``relative_abundance(events, operation)``; it shows a map
    of the stations sized by one species' RAI, the events and RAI per species, and the camera-operation
    timeline.

    Parameters
    ----------
    study : Study
        E.g. ``Study.from_catalog(open_catalog("leopard"))``.
    species : str or list of str, optional
        Initially chosen species (default: the Amur leopard when present, else the most observed).
    threshold : int, default 30
        Initial independence threshold in minutes (one of ``THRESHOLDS``, from 1 minute to 1,440, a day).
    start, end : str, optional
        Initial period ``[start, end)`` (local dates); default the whole study.
    names : mapping, optional
        Scientific name -> label for the species list.
    cache_size : int, default 32
        Event tables kept (one per species choice, threshold and period).

    Attributes
    ----------
    species : ipywidgets.SelectMultiple
    threshold : ipywidgets.SelectionSlider (minutes)
    start, end : ipywidgets.DatePicker (``end`` is exclusive)
    map_species : ipywidgets.Dropdown (one of the chosen species)
    result : StudyResult
    """

    title = "Study explorer: detections, effort and relative abundance"

    def __init__(
        self,
        study: Study,
        species: str | list[str] | None = None,
        threshold: int = 30,
        start: str | None = None,
        end: str | None = None,
        names: dict[str, str] | None = None,
        cache_size: int = 32,
    ) -> None:
        super().__init__()
        self.study = study
        zone = study.timezone
        present = study.species
        if not present:
            raise ValueError("the study has no observations with a scientificName")
        labels = dict(names or {})
        if species is None:
            species = [LEOPARD] if LEOPARD in present else present[:1]
        chosen = [species] if isinstance(species, str) else list(species)
        unknown = [s for s in chosen if s not in present]
        if unknown:
            raise ValueError(f"species not observed in the study: {unknown}")
        if int(threshold) not in THRESHOLDS:
            raise ValueError(f"threshold must be one of {THRESHOLDS} minutes, got {threshold!r}")
        #: the study's own period: these dates mean "no limit"
        self.first_day, self.last_day = study_days(study.deployments, zone)

        self.species = widgets.SelectMultiple(
            options=[
                (f"{labels.get(s, s)} ({(study.observations['scientificName'] == s).sum():,})", s) for s in present
            ],
            value=tuple(chosen),
            rows=6,
            description="species",
            layout=widgets.Layout(width="420px"),
        )
        self.threshold = widgets.SelectionSlider(
            options=[(minutes_label(m), m) for m in THRESHOLDS],
            value=int(threshold),
            description="independence",
            continuous_update=False,
            layout=widgets.Layout(width="420px"),
            style={"description_width": "initial"},
        )
        self.start = widgets.DatePicker(description="from", value=as_date(start) or self.first_day)
        self.end = widgets.DatePicker(
            description="until (excl.)", value=as_date(end) or self.last_day, style={"description_width": "initial"}
        )
        self.map_species = widgets.Dropdown(
            description="map",
            options=[(labels.get(c, c), c) for c in chosen],
            value=chosen[0],
            layout=widgets.Layout(width="420px"),
        )
        self._labels = labels
        # the period's subset needs no media (events and effort come from observations and deployments):
        # Study.subset on a copy without media gives the same deployments and observations, 3x faster
        # the records of every species (chosen on the whole study), so the species picked later count as there
        self._without_media = replace(
            study, media=study.media.iloc[:0], observations=species_records(study.observations)
        )
        self._periods = LRU(8)  # (start, end) -> (subset study, operation)
        self._events = LRU(cache_size)  # (species, threshold, start, end) -> events
        self._map = PlotPane("map")
        self._timeline = PlotPane("operation")
        self._table = widgets.HTML()
        self._table.add_class("nbtools-table-box")
        self.species.observe(self._species_changed, names="value")
        self._watch([self.threshold, self.start, self.end, self.map_species])
        self.update()

    # --- controls -> inputs ------------------------------------------------------------------------------
    def _species_changed(self, change: dict) -> None:
        chosen = list(change["new"])
        with self.hold():  # keep the map's species among the chosen ones, then recompute once
            if chosen:
                current = self.map_species.value
                self.map_species.options = [(self._labels.get(c, c), c) for c in chosen]
                self.map_species.value = current if current in chosen else chosen[0]

    def _period(self) -> tuple[str | None, str | None]:
        return chosen_period(self.start.value, self.end.value, self.first_day, self.last_day, "period")

    def subset(self, start: str | None, end: str | None) -> tuple[Study, pd.DataFrame]:
        """The study of the period (without its media) and its camera-operation matrix (cached per period)."""

        def make() -> tuple[Study, pd.DataFrame]:
            whole = start is None and end is None
            sub = self._without_media if whole else self._without_media.subset(start=start, end=end)
            return sub, camera_operation(sub.deployments, timezone=sub.timezone)

        return self._periods.get((start, end), make)

    def events(self, species: tuple[str, ...], minutes: int, start: str | None, end: str | None) -> pd.DataFrame:
        """Independent events of ``species`` at ``minutes`` in the period (cached)."""

        def make() -> pd.DataFrame:
            sub, _ = self.subset(start, end)
            obs = filter_table(sub.observations, "observations", species=list(species))
            return independent_events(obs, threshold=f"{minutes}min", deployments=sub.deployments)

        return self._events.get((species, minutes, start, end), make)

    # --- compute ---------------------------------------------------------------------------------------
    def _compute(self) -> StudyResult:
        species = tuple(self.species.value)
        if not species:
            raise ValueError("choose at least one species")
        minutes = int(self.threshold.value)
        start, end = self._period()
        sub, operation = self.subset(start, end)
        if operation.shape[1] == 0:
            raise ValueError("no camera was deployed in the period")
        events = self.events(species, minutes, start, end)
        rai = relative_abundance(events, operation, species=list(species))
        survey = relative_abundance(events, operation, species=list(species), by="survey")
        with_events = rai.groupby("scientificName", sort=False)["n_events"].agg(lambda n: int((n > 0).sum()))
        table = survey.assign(n_stations=survey["scientificName"].map(with_events).to_numpy())
        table = table[["scientificName", "n_events", "n_stations", "trap_nights", "rai"]]
        map_species = self.map_species.value if self.map_species.value in species else species[0]
        return StudyResult(species, f"{minutes}min", start, end, map_species, events, operation, rai, table)

    def _summary(self, r: StudyResult) -> str:
        period = f"{r.start or self.first_day} to {r.end or self.last_day}"
        return (
            f"{len(r.events):,} independent events ({minutes_label(int(r.threshold[:-3]))} apart) of "
            f"{len(r.species)} species, {period}, {r.trap_nights:,.0f} trap-nights at {len(r.operation)} stations"
        )

    # --- view ------------------------------------------------------------------------------------------
    def _controls_box(self) -> widgets.Widget:
        return widgets.HBox(
            [
                self.species,
                widgets.VBox([self.threshold, widgets.HBox([self.start, self.end]), self.map_species]),
            ]
        )

    def _panes(self) -> list[widgets.Widget]:
        return [self._map.box, self._table, self._timeline.box]

    def _draw(self) -> None:
        r = self.result
        if r is None:
            return
        sub, _ = self.subset(r.start, r.end)
        key = (r.species, r.threshold, r.start, r.end, r.map_species)

        def the_map():
            plot = rai_map(
                r.rai,
                sub.deployments,
                r.map_species,
                title=f"RAI of {self._labels.get(r.map_species, r.map_species)} (events per 100 trap-nights)",
            )
            if self.study.boundary is not None:  # a new overlay: carry rai_map's title, aspect and axes over
                options = hv.Store.lookup_options("bokeh", plot, "plot").kwargs
                plot = (boundary_path(self.study.boundary, color="#555555") * plot).opts(**options)
            return plot.opts(frame_height=520, legend_position="bottom_right")

        self._map.show(key, the_map)
        self._timeline.show((r.start, r.end), lambda: operation_heatmap(r.operation, height=380, width=900))
        stations = r.rai[r.rai["scientificName"] == r.map_species].sort_values("rai", ascending=False)
        table = r.species_table.assign(
            scientificName=r.species_table["scientificName"].map(lambda s: self._labels.get(s, s))
        )
        self._table.value = html_table(
            table.rename(columns={"scientificName": "species"}), caption="Events and RAI per species"
        ) + html_table(
            stations.drop(columns="scientificName"),
            max_rows=10,
            caption=f"Stations by RAI: {self._labels.get(r.map_species, r.map_species)}",
        )
