"""OccupancyExplorer: species, occasion length and covariates on psi and p -> estimates, AIC and a psi map."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import pandas as pd
import xarray as xr

from nbtools import occupancy
from nbtools.occupancy import DEFAULT_COVARIATES, OccupancyData, OccupancyFit
from nbtools.occupancy.rasters import focal_mean
from nbtools.plots.occupancy import prediction_map
from nbtools.study import Study

from ._common import LEOPARD, LRU, Explorer, PlotPane, as_date, chosen_period, html_table, study_days

#: Occasion lengths offered (days).
OCCASIONS = (5, 7, 10, 14)


def occupancy_formula(psi: Sequence[str], p: Sequence[str]) -> str:
    """unmarked's double formula ``"~ p terms ~ psi terms"`` (``1`` for no covariate).

    >>> occupancy_formula(["forest_cover", "elevation"], ["effort"])
    '~ effort ~ forest_cover + elevation'
    >>> occupancy_formula([], [])
    '~ 1 ~ 1'
    """
    return f"~ {' + '.join(p) or '1'} ~ {' + '.join(psi) or '1'}"


@dataclass(frozen=True)
class OccupancyResult:
    """The OccupancyExplorer's current inputs and outputs.

    Attributes
    ----------
    species : str
        ``scientificName`` of the species modelled.
    occasion_length : int
        Days per occasion of the detection history.
    start, end : str or None
        The season ``[start, end)`` (local dates, ``YYYY-MM-DD``) passed to
        :func:`~nbtools.occupancy.occupancy_data`; None for the study's own first or last day.
    psi_covariates, p_covariates : tuple of str
        Covariates of occupancy (habitat, standardised) and of detection (``effort``, standardised
        trap-days per occasion, and/or habitat covariates).
    formula : str
        The model, unmarked's ``"~ detection ~ occupancy"``.
    method : str
        The optimiser of :func:`nbtools.occupancy.occu` (``"newton"``: the exact MLE).
    data : OccupancyData
        :func:`nbtools.occupancy.occupancy_data` of the species and season (every offered covariate).
    fit : OccupancyFit
        ``occu(formula, *data, method=method)``.
    estimates : DataFrame
        ``fit.to_frame()``: coefficients on the link scale with SE, z, P and the 95% Wald interval.
    share : Series
        :func:`nbtools.occupancy.occupied_share`: psi-hat (mean psi over the stations) with SE and interval.
    psi_map : xarray.Dataset
        :func:`nbtools.occupancy.predict_raster` over the park (``mask="in_park"``; the rasters averaged
        over the same buffer as at the stations): ``Predicted``, ``SE``, ``lower``, ``upper``.
    models : DataFrame
        :func:`nbtools.occupancy.model_selection` of every model fitted so far to the same detection
        data (species, season, occasion length), named by formula.
    """

    species: str
    occasion_length: int
    start: str | None
    end: str | None
    psi_covariates: tuple[str, ...]
    p_covariates: tuple[str, ...]
    formula: str
    method: str
    data: OccupancyData = field(repr=False)
    fit: OccupancyFit = field(repr=False)
    estimates: pd.DataFrame = field(repr=False)
    share: pd.Series = field(repr=False)
    psi_map: xr.Dataset = field(repr=False)
    models: pd.DataFrame = field(repr=False)

    @property
    def aic(self) -> float:
        """AIC of the fit."""
        return float(self.fit.aic)

    @property
    def psi_hat(self) -> float:
        """Mean psi over the stations (the expected share of them used)."""
        return float(self.share["Predicted"])


class OccupancyExplorer(Explorer):
    """Explore single-season occupancy models: choose the species, the season, the occasions and the covariates.

    For the chosen species, season and occasion length the detection data come from
    ``occupancy_data(study, species, occasion_length, covariates, buffer_m, start=start, end=end)``
    (cached: about a second each on the default study); each model is
    ``occu("~ p covariates ~ psi covariates", *data, method="newton")`` (cached by formula, so
    revisiting a model is instant), with :func:`~nbtools.occupancy.occupied_share` (psi-hat),
    :func:`~nbtools.occupancy.model_selection` of the models fitted so far and
    :func:`~nbtools.occupancy.predict_raster` over the park for the map.

    Parameters
    ----------
    study : Study
        A study with habitat rasters (e.g. the default one, ``Study.from_catalog(open_catalog("leopard"))``).
    species : str, optional
        Initial species (default the Amur leopard when observed, else the most observed species).
    occasion_length : int, default 7
        Initial days per occasion (one of ``OCCASIONS``: 5, 7, 10 or 14).
    psi, p : sequence of str, optional
        Initial covariates of occupancy (default forest cover and elevation, when offered) and of
        detection (default ``("effort",)``).
    covariates : sequence of str, default :data:`nbtools.occupancy.DEFAULT_COVARIATES`
        Habitat rasters offered as covariates (sampled within ``buffer_m`` of the stations).
    buffer_m : float, default 500
        Radius (m) over which rasters are averaged, at the stations and for the map.
    start, end : str, optional
        Initial season ``[start, end)`` (local dates), e.g. one winter; default the whole study.
        Occupancy assumes the state does not change within the season, so a season is usually a few
        months (notebook 04: 2016-11-01 to 2017-01-31).
    method : {"newton", "BFGS"}, default "newton"
        :func:`~nbtools.occupancy.occu`'s optimiser: ``"newton"`` (exact gradient and Hessian) finds the
        MLE in tens of milliseconds; ``"BFGS"`` reproduces unmarked's stopping point, several times slower.
    names : mapping, optional
        Scientific name -> label.
    cache_size : int, default 64
        Fits kept (each with its map).

    Attributes
    ----------
    species : ipywidgets.Dropdown
    occasion : ipywidgets.Dropdown (days)
    start, end : ipywidgets.DatePicker (the season; ``end`` is exclusive)
    psi : ipywidgets.SelectMultiple (habitat covariates of occupancy)
    p : ipywidgets.SelectMultiple (``effort`` and habitat covariates of detection)
    result : OccupancyResult
    """

    title = "Occupancy explorer: covariates of ψ and p, estimates and the ψ map"

    def __init__(
        self,
        study: Study,
        species: str | None = None,
        occasion_length: int = 7,
        psi: Sequence[str] | None = None,
        p: Sequence[str] = ("effort",),
        covariates: Sequence[str] = DEFAULT_COVARIATES,
        buffer_m: float = 500.0,
        start: str | None = None,
        end: str | None = None,
        method: str = "newton",
        names: dict[str, str] | None = None,
        cache_size: int = 64,
    ) -> None:
        super().__init__()
        if study.habitat is None:
            raise ValueError("occupancy needs habitat rasters; the study has none")
        if method not in ("newton", "BFGS"):
            raise ValueError(f"method must be 'newton' or 'BFGS', got {method!r}")
        if int(occasion_length) not in OCCASIONS:
            raise ValueError(f"occasion_length must be one of {OCCASIONS} days, got {occasion_length!r}")
        self.study = study
        self.covariates = tuple(covariates)
        absent = [c for c in self.covariates if c not in study.habitat.data_vars]
        if absent:
            raise ValueError(f"the habitat rasters have no {absent}; they hold {list(study.habitat.data_vars)}")
        self.buffer_m = float(buffer_m)
        self.method = method
        self._labels = dict(names or {})
        present = study.species
        if not present:
            raise ValueError("the study has no observations with a scientificName")
        if species is None:
            species = LEOPARD if LEOPARD in present else present[0]
        if species not in present:
            raise ValueError(f"species not observed in the study: {species!r}")
        if psi is None:
            psi = [c for c in ("forest_cover", "elevation") if c in self.covariates]
        detection = ("effort", *self.covariates)
        bad = [c for c in psi if c not in self.covariates] + [c for c in p if c not in detection]
        if bad:
            raise ValueError(f"covariates not offered: {bad}; offered {list(detection)}")
        self.species = widgets.Dropdown(
            options=[(self._labels.get(s, s), s) for s in present],
            value=species,
            description="species",
            layout=widgets.Layout(width="420px"),
        )
        self.occasion = widgets.Dropdown(
            options=[(f"{d} days", d) for d in OCCASIONS],
            value=int(occasion_length),
            description="occasion",
            layout=widgets.Layout(width="200px"),
        )
        self.psi = widgets.SelectMultiple(
            options=list(self.covariates),
            value=tuple(psi),
            rows=len(self.covariates),
            description="ψ ~",
            layout=widgets.Layout(width="300px"),
        )
        self.p = widgets.SelectMultiple(
            options=list(detection),
            value=tuple(p),
            rows=len(detection),
            description="p ~",
            layout=widgets.Layout(width="300px"),
        )
        zone = study.timezone
        #: the study's own period: these dates mean "no limit"
        self.first_day, self.last_day = study_days(study.deployments, zone)
        self.start = widgets.DatePicker(
            description="season from", value=as_date(start) or self.first_day, style={"description_width": "initial"}
        )
        self.end = widgets.DatePicker(
            description="until (excl.)", value=as_date(end) or self.last_day, style={"description_width": "initial"}
        )
        # a data key is (species, occasion length, start, end)
        self._data = LRU(8)  # data key -> OccupancyData
        self._fits = LRU(cache_size)  # (*data key, formula) -> OccupancyFit
        self._maps = LRU(cache_size)  # (*data key, formula) -> predict_raster Dataset
        self._smoothed: dict[str, Any] = {}  # covariate -> raster averaged over buffer_m (computed once)
        self._tried: dict[tuple, dict[str, OccupancyFit]] = {}  # data key -> models fitted, in order
        self._stations = LRU(8)  # (start, end) -> the season's deployments, drawn on the map
        self._map = PlotPane("psi")
        self._table = widgets.HTML()
        self._table.add_class("nbtools-table-box")
        self._watch([self.species, self.occasion, self.psi, self.p, self.start, self.end])
        self.habitat(self.covariates)  # average every offered raster once (about 0.1 s each), not on a change
        self.update()

    # --- inputs ----------------------------------------------------------------------------------------
    def _period(self) -> tuple[str | None, str | None]:
        return chosen_period(self.start.value, self.end.value, self.first_day, self.last_day, "season")

    def data(
        self, species: str, occasion_length: int, start: str | None = None, end: str | None = None
    ) -> OccupancyData:
        """:func:`~nbtools.occupancy.occupancy_data` of a species, occasion length and season (cached)."""

        def make() -> OccupancyData:
            self.status.value = (
                f"building the detection history of {self._name(species)} ({occasion_length}-day occasions)…"
            )
            return occupancy.occupancy_data(
                self.study,
                species,
                occasion_length=occasion_length,
                covariates=self.covariates,
                buffer_m=self.buffer_m,
                start=start,
                end=end,
            )

        return self._data.get((species, int(occasion_length), start, end), make)

    def fit(self, key: tuple, formula: str) -> OccupancyFit:
        """``occu(formula, *self.data(*key), method=self.method)`` (cached); ``key`` is (species, days, start, end)."""
        return self._fits.get((*key, formula), lambda: occupancy.occu(formula, *self.data(*key), method=self.method))

    def habitat(self, covariates: Sequence[str]) -> xr.Dataset:
        """The rasters of ``covariates`` averaged over ``buffer_m`` (as at the stations), with ``in_park``.

        Each raster is averaged once, when the explorer is made (averaging is most of ``predict_raster``'s
        time); ``predict_raster`` on these with ``buffer_m=0`` gives exactly ``predict_raster`` on the raw
        rasters with ``buffer_m``.
        """
        hab = self.study.habitat
        for name in covariates:
            if name not in self._smoothed:
                raster = hab[name]
                if self.buffer_m > 0:
                    values = focal_mean(raster, self.buffer_m)
                    raster = raster.copy(data=values)
                self._smoothed[name] = raster
        variables = {name: self._smoothed[name] for name in covariates}
        if "in_park" in hab.data_vars:
            variables["in_park"] = hab["in_park"]
        if not variables:  # a constant model: predict over the grid of the first raster
            first = next(iter(hab.data_vars))
            variables[first] = hab[first]
        return xr.Dataset(variables)

    def psi_map(self, key: tuple, psi: Sequence[str], p: Sequence[str]) -> xr.Dataset:
        """:func:`~nbtools.occupancy.predict_raster` of psi over the park (cached); ``key`` as for :meth:`fit`."""
        formula = occupancy_formula(psi, p)

        def make() -> xr.Dataset:
            fit = self.fit(key, formula)
            data = self.data(*key)
            mask = "in_park" if "in_park" in self.study.habitat.data_vars else None
            ds = occupancy.predict_raster(fit, self.habitat(psi), data.standardisation, buffer_m=0.0, mask=mask)
            ds.attrs["buffer_m"] = self.buffer_m  # the rasters were averaged over it beforehand
            return ds

        return self._maps.get((*key, formula), make)

    # --- compute ---------------------------------------------------------------------------------------
    def _compute(self) -> OccupancyResult:
        species, days = self.species.value, int(self.occasion.value)
        psi = tuple(c for c in self.covariates if c in set(self.psi.value))
        p = tuple(c for c in self.p.options if c in set(self.p.value))
        formula = occupancy_formula(psi, p)
        start, end = self._period()
        key = (species, days, start, end)
        data = self.data(*key)
        if data.y.shape[1] < 2:
            raise ValueError(
                f"the season holds {data.y.shape[1]} occasion of {days} days: occupancy needs at least two "
                "(repeat surveys are what separate detection from occupancy); choose a longer season or shorter occasions"
            )
        fit = self.fit(key, formula)
        tried = self._tried.setdefault(key, {})
        tried[formula] = fit
        models = occupancy.model_selection(tried)
        share = occupancy.occupied_share(fit)
        return OccupancyResult(
            species,
            days,
            start,
            end,
            psi,
            p,
            formula,
            self.method,
            data,
            fit,
            fit.to_frame(),
            share,
            self.psi_map(key, psi, p),
            models,
        )

    def _name(self, s: str) -> str:
        return self._labels.get(s, s)

    def _summary(self, r: OccupancyResult) -> str:
        s = r.share
        interval = f" (95% CI {s['lower']:.2f}-{s['upper']:.2f})" if pd.notna(s["lower"]) else ""
        flag = "" if r.fit.converged else " <b>not converged</b>"
        season = f"{r.start or self.first_day} to {r.end or self.last_day}"
        return (
            f"{self._name(r.species)}, {season}, {r.data.y.shape[1]} occasions of {r.occasion_length} days, "
            f"<code>{r.formula}</code>: "
            f"AIC {r.aic:,.2f}, ψ̂ = {r.psi_hat:.3f}{interval} over {int(s['n_sites'])} stations "
            f"(naive {r.data.naive_occupancy:.3f}){flag}"
        )

    # --- view ------------------------------------------------------------------------------------------
    def _controls_box(self) -> widgets.Widget:
        return widgets.HBox([widgets.VBox([self.species, self.occasion, self.start, self.end]), self.psi, self.p])

    def _panes(self) -> list[widgets.Widget]:
        return [widgets.HBox([self._map.box, self._table])]

    def _draw(self) -> None:
        r = self.result
        if r is None:
            return
        key = (r.species, r.occasion_length, r.start, r.end, r.formula)
        stations = self._stations.get(
            (r.start, r.end),
            lambda: (
                self.study.subset(start=r.start, end=r.end).deployments
                if (r.start or r.end)
                else self.study.deployments
            ),
        )

        def the_map():
            return prediction_map(
                r.psi_map,
                "Predicted",
                self.study.boundary,
                stations,
                title=f"ψ of {self._name(r.species)}: {r.formula}",
            )

        self._map.show(key, the_map)
        cols = [c for c in ("estimate", "SE", "lower", "upper", "P(>|z|)") if c in r.estimates.columns]
        coef = r.estimates[cols].reset_index()
        share = r.share[["Predicted", "SE", "lower", "upper"]].astype(float).to_frame().T
        # the models as a table, not a bar plot: a second bokeh plot would double the time a change takes to draw
        models = r.models.reset_index()
        self._table.value = (
            html_table(coef, floatfmt="{:.3f}", caption=f"Coefficients (logit scale), AIC {r.aic:,.2f}")
            + html_table(share, floatfmt="{:.3f}", caption="ψ̂: mean ψ over the stations")
            + html_table(models, max_rows=10, floatfmt="{:.2f}", caption="Models fitted so far to these data, by AIC")
        )
