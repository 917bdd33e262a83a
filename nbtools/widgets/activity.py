"""ActivityExplorer: species, clock or sun time, bandwidth and bootstrap -> activity curves and overlap."""

from __future__ import annotations

from dataclasses import dataclass, field

import ipywidgets as widgets
import numpy as np
import pandas as pd

from nbtools import activity
from nbtools._deprecate import renamed_parameters
from nbtools.plots.activity import activity_plot
from nbtools.study import Study

from ._common import LEOPARD, LRU, TIGER, Explorer, PlotPane, html_table

#: overlap's default smoothing multipliers of Dhat1, Dhat4, Dhat5; the ``adjust`` control scales all three.
BASE_ADJUST = (0.8, 1.0, 4.0)


@dataclass(frozen=True)
class ActivityResult:
    """The ActivityExplorer's current inputs and outputs.

    Attributes
    ----------
    species : tuple of str
        Scientific names, the first being the reference of every pair.
    time : {"clock", "sun"}
        Which times: ``time_rad`` (clock) or ``sun_rad`` (sun time) of
        :func:`nbtools.activity.study_event_times`.
    adjust : float
        Bandwidth multiplier: the curves use ``density_curves(adjust=adjust)``, the estimators
        ``overlap_estimates(adjust=(0.8, 1, 4) * adjust)`` (overlap's defaults at 1).
    bootstrap : bool
        Whether intervals were computed.
    n_boot : int
    times : dict
        Species -> event times in radians (the input of every estimate).
    curves : DataFrame
        :func:`nbtools.activity.density_curves`.
    estimates : dict
        (species_a, species_b) -> :class:`nbtools.activity.OverlapEstimates`.
    table : DataFrame
        One row per pair: ``species_a``, ``species_b``, ``n_a``, ``n_b``, ``estimator`` (the recommended
        one), ``estimate`` and, with the bootstrap, ``lower``, ``upper`` (``interval`` kind, ``level``).
    draws : dict
        With the bootstrap: (species_a, species_b) -> the bootstrap estimates behind the interval.
    """

    species: tuple[str, ...]
    time: str
    adjust: float
    bootstrap: bool
    n_boot: int
    times: dict = field(repr=False)
    curves: pd.DataFrame = field(repr=False)
    estimates: dict = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    draws: dict = field(repr=False, default_factory=dict)

    @property
    def dhat(self) -> float:
        """The recommended estimate of the first pair."""
        return float(self.table["estimate"].iloc[0])

    @property
    def interval(self) -> tuple[float, float] | None:
        """The bootstrap interval of the first pair (None without the bootstrap)."""
        if not self.bootstrap:
            return None
        return float(self.table["lower"].iloc[0]), float(self.table["upper"].iloc[0])


class ActivityExplorer(Explorer):
    """Explore diel activity and its overlap between species.

    The event times are computed once (:func:`nbtools.activity.study_event_times` at ``threshold``);
    each change picks the clock or sun times of the chosen species (:func:`~nbtools.activity.times_by_species`),
    draws their :func:`~nbtools.activity.density_curves` with the first pair's overlap shaded, and
    estimates Dhat of the first species against each other one (:func:`~nbtools.activity.overlap_estimates`);
    with the bootstrap on, :func:`~nbtools.activity.bootstrap_overlap` and
    :func:`~nbtools.activity.bootstrap_ci` give its interval (with a progress bar; cached).

    Parameters
    ----------
    study : Study
    species : list of str, optional
        Initial species (default Amur leopard and Amur tiger when present, else the two most observed).
    time : {"sun", "clock"}, default "sun"
    adjust : float, default 1
    bootstrap : bool, default False
    n_boot : int, default 1000
        Resamples per pair (overlap's vignette uses 10 000 for final results).
    threshold : str, default "30min"
        Independence threshold of the events whose times are used.
    interval : str, default "basic0"
        Kind of :func:`~nbtools.activity.bootstrap_ci` (overlap advises basic0 or norm0).
    level : float, default 0.95
        Confidence level of the bootstrap intervals (formerly ``conf``).
    seed : int, default 1
        Each pair's bootstrap gets its own stream from ``seed`` (the same pair gives the same interval).
    names : mapping, optional
        Scientific name -> label.
    min_events : int, default 2
        Species with fewer events are not offered.

    Attributes
    ----------
    species : ipywidgets.SelectMultiple
    clock_or_sun : ipywidgets.ToggleButtons (``"clock"`` or ``"sun"``)
    adjust : ipywidgets.FloatSlider
    bootstrap : ipywidgets.Checkbox
    n_boot : ipywidgets.Dropdown
    result : ActivityResult
    """

    title = "Activity explorer: diel activity and overlap"

    @renamed_parameters(conf="level")
    def __init__(
        self,
        study: Study,
        species: list[str] | None = None,
        time: str = "sun",
        adjust: float = 1.0,
        bootstrap: bool = False,
        n_boot: int = 1000,
        threshold: str = "30min",
        interval: str = "basic0",
        level: float = 0.95,
        seed: int = 1,
        names: dict[str, str] | None = None,
        min_events: int = 2,
    ) -> None:
        super().__init__()
        if time not in ("clock", "sun"):
            raise ValueError(f"time must be 'clock' or 'sun', got {time!r}")
        self.study = study
        self.event_threshold = threshold
        self.interval_kind = interval
        self.level = float(level)
        self.conf = self.level  # the former name of the attribute, kept for one release
        self.seed = int(seed)
        self._labels = dict(names or {})
        #: every independent event with its clock and sun time (computed once)
        self.times = activity.study_event_times(study, threshold=threshold)
        counts = self.times["scientificName"].astype(str).value_counts()
        offered = [s for s, n in counts.items() if n >= min_events]
        if len(offered) < 2:
            raise ValueError("the study needs two species with events for an activity overlap")
        if species is None:
            species = [LEOPARD, TIGER] if {LEOPARD, TIGER} <= set(offered) else offered[:2]
        unknown = [s for s in species if s not in offered]
        if unknown:
            raise ValueError(f"species without {min_events} events: {unknown}")
        self._order = list(species) + [s for s in offered if s not in species]
        self.species = widgets.SelectMultiple(
            options=[(f"{self._labels.get(s, s)} ({counts[s]:,})", s) for s in self._order],
            value=tuple(species),
            rows=6,
            description="species",
            layout=widgets.Layout(width="420px"),
        )
        self.clock_or_sun = widgets.ToggleButtons(
            options=[("clock time", "clock"), ("sun time", "sun")], value=time, description="time"
        )
        self.adjust = widgets.FloatSlider(
            value=float(adjust),
            min=0.25,
            max=4.0,
            step=0.05,
            description="bandwidth ×",
            continuous_update=False,
            readout_format=".2f",
            style={"description_width": "initial"},
        )
        self.bootstrap = widgets.Checkbox(value=bool(bootstrap), description="bootstrap interval", indent=False)
        self.n_boot = widgets.Dropdown(
            options=sorted({200, 1000, 10_000, int(n_boot)}),
            value=int(n_boot),
            description="resamples",
            layout=widgets.Layout(width="200px"),
        )
        self._by_column: dict[str, dict[str, np.ndarray]] = {}
        self._curves = LRU(32)
        self._boots = LRU(64)
        self._estimates = LRU(64)
        self._plot = PlotPane("activity")
        self._table = widgets.HTML()
        self._table.add_class("nbtools-table-box")
        self._watch([self.species, self.clock_or_sun, self.adjust, self.bootstrap, self.n_boot])
        self.update()

    # --- inputs ----------------------------------------------------------------------------------------
    def species_times(self, time: str) -> dict[str, np.ndarray]:
        """Times (radians) of every offered species in clock or sun time (cached)."""
        if time not in self._by_column:
            column = "time_rad" if time == "clock" else "sun_rad"
            self._by_column[time] = activity.times_by_species(self.times, column, species=self._order, min_events=2)
        return self._by_column[time]

    def _chosen(self) -> tuple[str, ...]:
        # the first species is the reference: keep the order of the list (the initial species first)
        return tuple(s for s in self._order if s in set(self.species.value))

    def _boot(self, a: str, b: str, time: str, adjust: float, n: int, estimator: str, xa, xb) -> np.ndarray:
        def make() -> np.ndarray:
            rng = np.random.default_rng([self.seed, self._order.index(a), self._order.index(b)])
            index = ("dhat1", "dhat4", "dhat5").index(estimator)
            with self.progress:
                self.progress.clear_output()
                return activity.bootstrap_overlap(
                    xa,
                    xb,
                    n_boot=n,
                    smooth=True,
                    estimator=estimator,
                    adjust=BASE_ADJUST[index] * adjust,
                    seed=rng,
                    progress=True,
                )

        return self._boots.get((a, b, time, adjust, n, estimator), make)

    # --- compute ---------------------------------------------------------------------------------------
    def _compute(self) -> ActivityResult:
        species = self._chosen()
        if len(species) < 2:
            raise ValueError("choose at least two species")
        time = self.clock_or_sun.value
        adjust = round(float(self.adjust.value), 6)
        boot, n_boot = bool(self.bootstrap.value), int(self.n_boot.value)
        every = self.species_times(time)
        times = {s: every[s] for s in species}
        curves = self._curves.get((species, time, adjust), lambda: activity.density_curves(times, adjust=adjust))
        adj = tuple(v * adjust for v in BASE_ADJUST)
        estimates, rows, draws_by_pair = {}, [], {}
        a = species[0]
        for b in species[1:]:
            est = self._estimates.get(
                (a, b, time, adjust), lambda b=b: activity.overlap_estimates(times[a], times[b], adjust=adj)
            )
            estimates[(a, b)] = est
            row = {
                "species_a": a,
                "species_b": b,
                "n_a": est.n_a,
                "n_b": est.n_b,
                "estimator": est.recommended,
                "estimate": est.estimate,
            }
            if boot:
                draws = self._boot(a, b, time, adjust, n_boot, est.recommended, times[a], times[b])
                draws_by_pair[(a, b)] = draws
                ci = activity.bootstrap_ci(est.estimate, draws, level=self.level, kind=self.interval_kind)
                row.update(
                    lower=float(ci["lower"].iloc[0]),
                    upper=float(ci["upper"].iloc[0]),
                    interval=self.interval_kind,
                    n_boot=n_boot,
                )
            rows.append(row)
        return ActivityResult(
            species, time, adjust, boot, n_boot, times, curves, estimates, pd.DataFrame(rows), draws_by_pair
        )

    def _name(self, s: str) -> str:
        return self._labels.get(s, s)

    def _summary(self, r: ActivityResult) -> str:
        first = r.table.iloc[0]
        text = (
            f"{self._name(first['species_a'])} vs {self._name(first['species_b'])} in {r.time} time: "
            f"{first['estimator'].replace('dhat', 'Δ̂')} = {first['estimate']:.3f}"
        )
        if r.interval is not None:
            text += f" ({self.level:.0%} {self.interval_kind} interval {r.interval[0]:.3f}-{r.interval[1]:.3f}, {r.n_boot:,} resamples)"
        return text

    # --- view ------------------------------------------------------------------------------------------
    def _controls_box(self) -> widgets.Widget:
        return widgets.HBox(
            [self.species, widgets.VBox([self.clock_or_sun, self.adjust, widgets.HBox([self.bootstrap, self.n_boot])])]
        )

    def _panes(self) -> list[widgets.Widget]:
        return [self._plot.box, self._table]

    def _draw(self) -> None:
        r = self.result
        if r is None:
            return
        a, b = r.species[0], r.species[1]
        sun_marks = None
        if r.time == "clock":
            sun_marks = self.times[self.times["scientificName"].isin(list(r.species))]

        def plot():
            curves = r.curves.assign(species=r.curves["species"].astype(str).map(self._name))
            rug = {self._name(s): x for s, x in r.times.items()}
            title = f"Activity in {r.time} time; shaded: overlap of {self._name(a)} and {self._name(b)}"
            return activity_plot(
                curves,
                rug=rug,
                shade=(self._name(a), self._name(b)),
                time=r.time,
                sun=sun_marks,
                title=title,
                width=900,
            )

        self._plot.show((r.species, r.time, r.adjust), plot)
        table = r.table.copy()
        for col in ("species_a", "species_b"):
            table[col] = table[col].map(self._name)
        self._table.value = html_table(
            table, floatfmt="{:.3f}", caption="Coefficient of overlapping (first species against each other)"
        )
