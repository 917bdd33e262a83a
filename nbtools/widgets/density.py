"""DensityExplorer: SECR detection function, parameters by sex, density covariates and mask -> density."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import pandas as pd
import xarray as xr

from nbtools import secr
from nbtools._deprecate import renamed_parameters
from nbtools.plots.secr import density_map
from nbtools.secr import CaptureHistory, Mask, SECRFit
from nbtools.study import Study

from ._common import LEOPARD, LRU, Explorer, PlotPane, html_table, in_kernel

#: Detection functions offered (secr's names): hazard half-normal and exponential, half-normal, exponential.
DETECTFNS = ("HHN", "HN", "HEX", "EX")
#: Which detection parameters differ between the sexes -> ``secr_fit(class_params=...)``.
BY_SEX = {"none": (), "sigma": ("sigma",), "both": ("sigma", "magnitude")}
BY_SEX_LABEL = {"none": "same for both sexes", "sigma": "σ by sex", "both": "σ and λ0/g0 by sex"}
#: Mask spacings offered (m).
SPACINGS = (1000, 2000, 4000)
#: Mask buffers offered (m); each species' :func:`nbtools.secr.suggest_buffer` is added.
BUFFERS = (5000, 7500, 10_000, 12_500, 15_000, 20_000, 25_000)
#: Density covariates offered when the mask carries them.
DENSITY_COVARIATES = ("forest_cover", "prey_index", "in_park")
#: A buffer below this share of the suggested one (3 sigma) is refused: centres beyond it are missed.
MIN_BUFFER_SHARE = 0.5


def density_formula(covariates: Sequence[str]) -> str:
    """secr's density model ``"~1"`` or ``"~ a + b"``.

    >>> density_formula([]), density_formula(["forest_cover", "prey_index"])
    ('~1', '~ forest_cover + prey_index')
    """
    return "~ " + " + ".join(covariates) if covariates else "~1"


def model_name(detectfn: str, by_sex: str, covariates: Sequence[str]) -> str:
    """A short model name, e.g. ``"HHN, σ by sex, D~forest_cover"``."""
    parts = [detectfn]
    magnitude = "λ0" if detectfn in ("HHN", "HEX") else "g0"
    if by_sex == "sigma":
        parts.append("σ by sex")
    elif by_sex == "both":
        parts.append(f"σ and {magnitude} by sex")
    if covariates:
        parts.append("D~" + "+".join(covariates))
    return ", ".join(parts)


@dataclass(frozen=True)
class DensityResult:
    """The DensityExplorer's current inputs and outputs.

    Attributes
    ----------
    species : str
        ``scientificName`` of the identified species.
    detectfn : str
        Detection function (``"HHN"``, ``"HN"``, ``"HEX"``, ``"EX"``).
    by_sex : {"none", "sigma", "both"}
        Detection parameters that differ between the sexes (none, sigma, or sigma and lambda0/g0).
    density_covariates : tuple of str
        Mask covariates of log density (empty: constant density).
    spacing, buffer : float
        Mask spacing and buffer around the detectors (m).
    name : str
        The model's short name (as in the AIC table).
    settings : dict
        The keyword arguments given to :func:`nbtools.secr.secr_fit` besides the capture history and mask.
    capthist : CaptureHistory
        :func:`nbtools.secr.capthist_from_study` of the species.
    mask : Mask
        :func:`nbtools.secr.mask_from_study` at ``spacing`` and ``buffer``.
    fit : SECRFit
        ``secr_fit(capthist, mask=mask, **settings)``.
    estimates : DataFrame
        ``fit.to_frame()``: ``D`` (animals / ha), ``D per 100 km2``, ``lambda0`` or ``g0``, ``sigma`` (m)
        (with ``[female]``/``[male]`` rows when by sex) and ``pmix``, with SE and interval (``lcl``, ``ucl``).
    models : DataFrame
        :func:`nbtools.secr.model_selection` of every model fitted so far to this species on this mask.
    surface : xarray.DataArray
        ``fit.density_surface(per="100km2")``: animals per 100 km² on the mask.
    """

    species: str
    detectfn: str
    by_sex: str
    density_covariates: tuple[str, ...]
    spacing: float
    buffer: float
    name: str
    settings: dict = field(repr=False)
    capthist: CaptureHistory = field(repr=False)
    mask: Mask = field(repr=False)
    fit: SECRFit = field(repr=False)
    estimates: pd.DataFrame = field(repr=False)
    models: pd.DataFrame = field(repr=False)
    surface: xr.DataArray = field(repr=False)

    @property
    def density_per_100km2(self) -> tuple[float, float, float]:
        """Density (mean over the mask for a density model) and its interval, animals per 100 km²."""
        row = self.estimates.loc["D per 100 km2"]
        return float(row["estimate"]), float(row["lcl"]), float(row["ucl"])

    @property
    def aic(self) -> float:
        """AIC of the fit."""
        return float(self.fit.aic)


class DensityExplorer(Explorer):
    """Explore SECR models of the density of individually identified animals.

    The capture history of the species comes from ``capthist_from_study(study, species, **capthist)``
    and the mask from ``mask_from_study(study, capthist, buffer, spacing, covariates)`` (both cached);
    each model is ``secr_fit(capthist, mask=mask, detectfn=..., group="sex", class_params=...,
    density=...)``, cached, so coming back to a model (or to the AIC table) is instant. Every model of a
    species is fitted with ``group="sex"`` (when the animals' sex is known), so their AICs are comparable
    (see :func:`nbtools.secr.model_selection`). A new fit takes seconds (about 1-3 s at 2 km spacing, 3-10 s at
    1 km on the default study): the status line says it is fitting and a progress bar counts the
    optimiser's iterations. In a Jupyter kernel the fits after the first run in a background thread
    (``background``), so the kernel stays free while one runs; :meth:`~nbtools.widgets.DensityExplorer.wait` waits for it.

    Parameters
    ----------
    study : Study
    species : str, optional
        Initial species (default the Amur leopard when identified, else the species with most identified
        animals). Species with at least 5 identified animals are offered.
    detectfn : str, default "HHN"
    by_sex : {"none", "sigma", "both"}, default "sigma"
    density : sequence of str, default ()
        Initial density covariates (of ``DENSITY_COVARIATES``: ``forest_cover``, ``prey_index``, ``in_park``).
    spacing : float, default 2000
        Initial mask spacing (m); one of ``SPACINGS``, 1000, 2000 or 4000 (notebook 05 uses 1000 m; 2000 m fits about
        three times faster and gives D within 2%).
    buffer_m : float, optional
        Initial mask buffer (m); default :func:`nbtools.secr.suggest_buffer` of the species.
    capthist : mapping, optional
        Keyword arguments of :func:`nbtools.secr.capthist_from_study`; default those of notebook 05
        (daily occasions, count detectors per station, the grid array, suspect identifications beyond
        10 km set aside).
    names : mapping, optional
        Scientific name -> label.
    cache_size : int, default 32
        Fits kept.
    progress : bool, default True
        Show the optimiser's progress bar (tqdm) during a new fit, below the status line (in the
        foreground; a background fit says in the status line that it is fitting and for how long).
    background : bool, optional
        Recompute after a control change in a worker thread; default: when running in a Jupyter kernel.
        Scripts and tests get the result at once (or call :meth:`~nbtools.widgets.DensityExplorer.wait` after a change).

    Attributes
    ----------
    species : ipywidgets.Dropdown
    detectfn : ipywidgets.ToggleButtons
    by_sex : ipywidgets.Dropdown (``"none"``, ``"sigma"``, ``"both"``)
    density : ipywidgets.SelectMultiple (mask covariates of log density)
    spacing, buffer : ipywidgets.Dropdown (m)
    result : DensityResult
    """

    title = "Density explorer: SECR models, density and the density surface"

    @renamed_parameters(buffer="buffer_m")
    def __init__(
        self,
        study: Study,
        species: str | None = None,
        detectfn: str = "HHN",
        by_sex: str = "sigma",
        density: Sequence[str] = (),
        spacing: float = 2000,
        buffer_m: float | None = None,
        capthist: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
        cache_size: int = 32,
        progress: bool = True,
        background: bool | None = None,
    ) -> None:
        super().__init__()
        self.study = study
        self.show_progress = bool(progress)
        self._labels = dict(names or {})
        self.capthist_settings = dict(
            capthist
            or dict(
                occasion_length=1, detector="count", by="locationID", deployment_groups="array:grid", max_gap_m=10_000
            )
        )
        obs = study.observations
        if "individualID" not in obs.columns:
            raise ValueError("the study has no individualID: SECR needs identified animals")
        identified = obs.dropna(subset=["individualID"])
        counts = identified.groupby(identified["scientificName"].astype(str))["individualID"].nunique()
        offered = [s for s, n in counts.sort_values(ascending=False).items() if n >= 5]
        if not offered:
            raise ValueError("no species has 5 or more identified individuals")
        if species is None:
            species = LEOPARD if LEOPARD in offered else offered[0]
        if species not in offered:
            raise ValueError(f"species without 5 identified individuals: {species!r}; offered {offered}")
        if detectfn not in DETECTFNS:
            raise ValueError(f"detectfn must be one of {DETECTFNS}, got {detectfn!r}")
        if by_sex not in BY_SEX:
            raise ValueError(f"by_sex must be one of {list(BY_SEX)}, got {by_sex!r}")
        if int(spacing) not in SPACINGS:
            raise ValueError(f"spacing must be one of {SPACINGS} m, got {spacing!r}")
        bad = [c for c in density if c not in DENSITY_COVARIATES]
        if bad:
            raise ValueError(f"density covariates not offered: {bad}; offered {list(DENSITY_COVARIATES)}")
        self._capthists = LRU(4)
        self._masks = LRU(8)
        self._fits = LRU(cache_size)
        self._tried: dict[tuple, dict[str, SECRFit]] = {}  # (species, spacing, buffer_m) -> name -> fit
        self._suggested: dict[str, float] = {}
        first = self.suggested_buffer(species)
        buffers = sorted({*BUFFERS, first, *(self._suggested.values())})
        self.species = widgets.Dropdown(
            options=[(f"{self._labels.get(s, s)} ({counts[s]} animals)", s) for s in offered],
            value=species,
            description="species",
            layout=widgets.Layout(width="420px"),
        )
        self.detectfn = widgets.ToggleButtons(
            options=list(DETECTFNS), value=detectfn, description="detection", style={"button_width": "60px"}
        )
        self.by_sex = widgets.Dropdown(
            options=[(label, key) for key, label in BY_SEX_LABEL.items()],
            value=by_sex,
            description="by sex",
            layout=widgets.Layout(width="300px"),
        )
        self.density = widgets.SelectMultiple(
            options=list(DENSITY_COVARIATES),
            value=tuple(density),
            rows=3,
            description="D ~",
            layout=widgets.Layout(width="300px"),
        )
        self.spacing = widgets.Dropdown(
            options=[(f"{s / 1000:g} km", s) for s in SPACINGS],
            value=int(spacing),
            description="mask spacing",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="200px"),
        )
        self.buffer = widgets.Dropdown(
            options=[(f"{b / 1000:g} km", b) for b in buffers],
            value=first if buffer_m is None else float(buffer_m),
            description="buffer",
            layout=widgets.Layout(width="200px"),
        )
        self._map = PlotPane("density")
        self._table = widgets.HTML()
        self._table.add_class("nbtools-table-box")
        self.species.observe(self._species_changed, names="value")
        self._watch([self.detectfn, self.by_sex, self.density, self.spacing, self.buffer])
        self.update()  # the first fit in the foreground: the explorer has a result when it is made
        self.background = in_kernel() if background is None else bool(background)

    # --- inputs ----------------------------------------------------------------------------------------
    def capthist(self, species: str) -> CaptureHistory:
        """:func:`nbtools.secr.capthist_from_study` of ``species`` (cached; about 1.5 s on the default study)."""

        def make() -> CaptureHistory:
            self.status.value = f"building the capture history of {self._name(species)}…"
            return secr.capthist_from_study(self.study, species=species, **self.capthist_settings)

        return self._capthists.get(species, make)

    def suggested_buffer(self, species: str) -> float:
        """:func:`nbtools.secr.suggest_buffer` of the species' capture history (m)."""
        if species not in self._suggested:
            self._suggested[species] = float(secr.suggest_buffer(self.capthist(species)))
        return self._suggested[species]

    @renamed_parameters(buffer="buffer_m")
    def mask(self, species: str, spacing: float, buffer_m: float) -> Mask:
        """:func:`nbtools.secr.mask_from_study` with the density covariates (cached)."""
        return self._masks.get(
            (species, float(spacing), float(buffer_m)),
            lambda: secr.mask_from_study(
                self.study,
                self.capthist(species),
                buffer_m=float(buffer_m),
                spacing=float(spacing),
                covariates=[c for c in DENSITY_COVARIATES if c != "in_park"],
            ),
        )

    def settings(self, species: str, detectfn: str, by_sex: str, covariates: Sequence[str]) -> dict[str, Any]:
        """The keyword arguments of :func:`nbtools.secr.secr_fit` for a model."""
        ch = self.capthist(species)
        sexes = ch.covariates["sex"].dropna().nunique() if "sex" in ch.covariates.columns else 0
        if sexes < 2 and by_sex != "none":
            raise ValueError(
                f"the sex of too few {self._name(species)} is known for parameters by sex; choose 'same for both sexes'"
            )
        return {
            "detectfn": detectfn,
            "group": "sex" if sexes >= 2 else None,
            "class_params": BY_SEX[by_sex],
            "density": density_formula(covariates),
        }

    @renamed_parameters(buffer="buffer_m")
    def fit(self, species: str, spacing: float, buffer_m: float, settings: dict[str, Any]) -> SECRFit:
        """``secr_fit(capthist, mask=mask, **settings)`` (cached), with a progress bar when fitted."""
        by_sex = next(k for k, v in BY_SEX.items() if v == tuple(settings["class_params"]))
        key = (species, float(spacing), float(buffer_m), tuple(sorted((k, str(v)) for k, v in settings.items())))

        def make() -> SECRFit:
            ch, mask = self.capthist(species), self.mask(species, spacing, buffer_m)
            what = f"fitting {settings['detectfn']} ({BY_SEX_LABEL[by_sex]}, D {settings['density']}) on {len(mask):,} mask points"
            if threading.current_thread() is not threading.main_thread():
                # an Output widget does not capture a worker thread's output: the status line counts the seconds
                return self._fit_with_clock(what, lambda: secr.secr_fit(ch, mask=mask, progress=False, **settings))
            self.status.value = f"{what}: a new fit takes seconds…"
            with self.progress:
                self.progress.clear_output()
                fit = secr.secr_fit(ch, mask=mask, progress=self.show_progress, **settings)
                self.progress.clear_output()
            return fit

        return self._fits.get(key, make)

    def _fit_with_clock(self, what: str, fit: Callable[[], SECRFit]) -> SECRFit:
        """Run ``fit()`` while the status line says what is fitted and for how long (every 0.5 s)."""
        done = threading.Event()
        start = time.perf_counter()

        def tick() -> None:
            while not done.wait(0.5):
                self.status.value = f"{what}, in the background: {time.perf_counter() - start:.1f} s…"

        self.status.value = f"{what}, in the background…"
        clock = threading.Thread(target=tick, daemon=True)
        clock.start()
        try:
            return fit()
        finally:
            done.set()
            clock.join()

    # --- controls ------------------------------------------------------------------------------------------
    def _species_changed(self, change: dict) -> None:
        if self.background:  # the new species' capture history takes a second or two: not in the kernel's thread
            self._submit(lambda: self._switch_species(change["new"]))
        else:
            self._switch_species(change["new"])

    def _switch_species(self, species: str) -> None:
        with self.hold():  # each species gets its own suggested buffer
            suggested = self.suggested_buffer(species)
            options = sorted({*(v for _, v in self.buffer.options), suggested})
            if len(options) != len(self.buffer.options):
                self.buffer.options = [(f"{b / 1000:g} km", b) for b in options]
            self.buffer.value = suggested

    # --- compute ---------------------------------------------------------------------------------------
    def _compute(self) -> DensityResult:
        species, detectfn, by_sex = self.species.value, self.detectfn.value, self.by_sex.value
        covariates = tuple(c for c in DENSITY_COVARIATES if c in set(self.density.value))
        spacing, buffer = float(self.spacing.value), float(self.buffer.value)
        suggested = self.suggested_buffer(species)
        if buffer < MIN_BUFFER_SHARE * suggested:
            raise ValueError(
                f"a mask buffer of {buffer / 1000:g} km is too small for {self._name(species)}: activity centres "
                f"farther than that from a camera would be missed and D biased upwards; choose at least "
                f"{MIN_BUFFER_SHARE * suggested / 1000:g} km (suggested: {suggested / 1000:g} km, 3 σ)"
            )
        settings = self.settings(species, detectfn, by_sex, covariates)
        ch, mask = self.capthist(species), self.mask(species, spacing, buffer)
        fit = self.fit(species, spacing, buffer, settings)
        name = model_name(detectfn, by_sex, covariates)
        tried = self._tried.setdefault((species, spacing, buffer), {})
        tried[name] = fit
        models = secr.model_selection(tried)
        return DensityResult(
            species,
            detectfn,
            by_sex,
            covariates,
            spacing,
            buffer,
            name,
            settings,
            ch,
            mask,
            fit,
            fit.to_frame(),
            models,
            fit.density_surface(per="100km2"),
        )

    def _name(self, s: str) -> str:
        return self._labels.get(s, s)

    def _summary(self, r: DensityResult) -> str:
        d, lo, hi = r.density_per_100km2
        est = r.estimates["estimate"]
        detection = ", ".join(
            f"{k} {v:,.4g}" + (" m" if k.startswith("sigma") else "")
            for k, v in est.items()
            if k.startswith(("sigma", "lambda0", "g0"))
        )
        flag = "" if r.fit.converged else " <b>not converged</b>"
        return (
            f"{self._name(r.species)}, {r.name} ({len(r.mask):,} mask points, {r.spacing / 1000:g} km apart, "
            f"buffer {r.buffer / 1000:g} km): D = {d:.3f} per 100 km² (95% CI {lo:.3f}-{hi:.3f}); {detection}; "
            f"AIC {r.aic:,.2f}{flag}"
        )

    # --- view ------------------------------------------------------------------------------------------
    def _controls_box(self) -> widgets.Widget:
        return widgets.HBox(
            [
                widgets.VBox([self.species, self.detectfn, self.by_sex]),
                self.density,
                widgets.VBox([self.spacing, self.buffer]),
            ]
        )

    def _panes(self) -> list[widgets.Widget]:
        return [widgets.HBox([self._map.box, self._table])]

    def _draw(self) -> None:
        r = self.result
        if r is None:
            return
        key = (r.species, r.spacing, r.buffer, r.name)
        self._map.show(
            key,
            lambda: density_map(
                r.surface,
                self.study.boundary,
                r.capthist.traps,
                title=f"{self._name(r.species)}: fitted density (animals / 100 km²), {r.name}",
            ),
        )
        table = r.estimates[["estimate", "SE", "lcl", "ucl"]].reset_index().rename(columns={"index": "parameter"})
        # the models as a table, not a bar plot: a second bokeh plot would double the time a change takes to draw
        models = (
            r.models[["npar", "logLik", "AIC", "AICc", "dAICc", "AICcwt"]]
            .reset_index()
            .rename(columns={"index": "model"})
        )
        self._table.value = html_table(
            table, floatfmt="{:,.4g}", caption="Estimates (D per ha and per 100 km², σ in m)"
        ) + html_table(models, floatfmt="{:,.2f}", max_rows=10, caption="Models fitted so far on this mask, by AICc")
