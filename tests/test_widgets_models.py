"""The model explorers of nbtools.widgets (occupancy and SECR density), driven by setting control values.

Each test sets controls as a user would and checks that ``.result`` holds what the pure functions give
for the same inputs: ``occupancy_data`` + ``occu`` (+ ``occupied_share``, ``model_selection``,
``predict_raster``) for the OccupancyExplorer, ``capthist_from_study`` + ``mask_from_study`` +
``secr_fit`` (+ ``model_selection``, ``density_surface``) for the DensityExplorer; that results change when
the controls do, that cached models come back without refitting, that impossible controls say why in
the status line and keep the result, and that the views build.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from nbtools import occupancy, secr
from nbtools.catalog import open_catalog
from nbtools.study import Study
from nbtools.widgets import DensityExplorer, OccupancyExplorer

LEOPARD, TIGER, SIKA = "Panthera pardus orientalis", "Panthera tigris altaica", "Cervus nippon"
WINTER = dict(start="2016-11-01", end="2017-01-31")  # notebook 04's season
#: the capture histories of notebook 05 (the DensityExplorer's default)
CAPTHIST = dict(occasion_length=1, detector="count", by="locationID", deployment_groups="array:grid", max_gap_m=10_000)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_catalog(open_catalog("leopard"))


# --- OccupancyExplorer ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def occ(study: Study) -> OccupancyExplorer:
    return OccupancyExplorer(study, **WINTER)


def _occu(study: Study, species: str, days: int, formula: str, psi, p, **season):
    covariates = list(dict.fromkeys([*psi, *[c for c in p if c != "effort"]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = occupancy.occupancy_data(
            study, species, occasion_length=days, covariates=covariates, buffer_m=500, **season
        )
        return data, occupancy.occu(formula, *data, method="newton")


def _same_fit(result, fit: occupancy.OccupancyFit) -> None:
    assert result.aic == pytest.approx(fit.aic, rel=1e-10)
    expected = fit.to_frame()
    assert list(result.estimates.index) == list(expected.index)
    np.testing.assert_allclose(result.estimates["estimate"], expected["estimate"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(result.estimates["SE"], expected["SE"], rtol=1e-6)
    share = occupancy.occupied_share(fit)
    assert result.psi_hat == pytest.approx(float(share["Predicted"]), rel=1e-8)
    assert float(result.share["SE"]) == pytest.approx(float(share["SE"]), rel=1e-6)


def test_occupancy_explorer_starts_with_the_fit_of_occu(study: Study, occ: OccupancyExplorer) -> None:
    r = occ.result
    # the season starts on the study's first day, which means "no limit"
    assert r.species == LEOPARD and r.occasion_length == 7 and (r.start, r.end) == (None, WINTER["end"])
    assert r.formula == "~ effort ~ forest_cover + elevation" and r.method == "newton"
    data, fit = _occu(study, LEOPARD, 7, r.formula, r.psi_covariates, r.p_covariates, **WINTER)
    pd.testing.assert_frame_equal(r.data.y, data.y)
    _same_fit(r, fit)
    # the map is predict_raster over the park, rasters averaged over the stations' 500 m
    expected = occupancy.predict_raster(fit, study.habitat, data.standardisation, buffer_m=500, mask="in_park")
    for name in ("Predicted", "SE", "lower", "upper"):
        np.testing.assert_allclose(r.psi_map[name].values, expected[name].values, rtol=1e-9, equal_nan=True)
    assert np.isfinite(r.psi_map["Predicted"].values).sum() > 1000
    assert r.psi_map.attrs["buffer_m"] == 500.0 and r.psi_map.attrs["parameter"] == "psi"


def test_newton_gives_the_answer_of_bfgs_on_the_default_model(study: Study, occ: OccupancyExplorer) -> None:
    r = occ.result
    bfgs = occupancy.occu(r.formula, *r.data, method="BFGS")
    assert r.aic == pytest.approx(bfgs.aic, abs=1e-3)
    np.testing.assert_allclose(r.estimates["estimate"], bfgs.coef, rtol=1e-3, atol=1e-4)


def test_covariate_changes_refit_as_occu_says_and_come_back_from_the_cache(
    study: Study, occ: OccupancyExplorer
) -> None:
    first = occ.result
    with occ.hold():
        occ.psi.value = ("forest_cover", "prey_index")
        occ.p.value = ("effort", "prey_index")
    try:
        r = occ.result
        assert r.formula == "~ effort + prey_index ~ forest_cover + prey_index"
        assert r.aic != pytest.approx(first.aic, abs=0.01)
        _, fit = _occu(study, LEOPARD, 7, r.formula, r.psi_covariates, r.p_covariates, **WINTER)
        _same_fit(r, fit)
        # the table ranks every model fitted to these data so far, as model_selection does
        assert {first.formula, r.formula} <= set(r.models.index)
        expected = occupancy.model_selection({f: occ.fit((LEOPARD, 7, None, WINTER["end"]), f) for f in r.models.index})
        pd.testing.assert_frame_equal(r.models, expected)
        assert r.models.loc[r.formula, "AIC"] == pytest.approx(fit.aic, rel=1e-10)
    finally:
        with occ.hold():
            occ.psi.value, occ.p.value = first.psi_covariates, first.p_covariates
    assert occ.result.fit is first.fit and occ.result.psi_map is first.psi_map  # from the cache


def test_no_covariate_gives_the_constant_model(study: Study, occ: OccupancyExplorer) -> None:
    first = occ.result
    with occ.hold():
        occ.psi.value, occ.p.value = (), ()
    try:
        r = occ.result
        assert r.formula == "~ 1 ~ 1"
        _, fit = _occu(study, LEOPARD, 7, r.formula, (), (), **WINTER)
        _same_fit(r, fit)
        park = r.psi_map["Predicted"].values[study.habitat["in_park"].values]
        np.testing.assert_allclose(park, park[0])  # one psi everywhere
    finally:
        with occ.hold():
            occ.psi.value, occ.p.value = first.psi_covariates, first.p_covariates


def test_occasion_length_and_species_give_the_data_of_occupancy_data(study: Study, occ: OccupancyExplorer) -> None:
    first = occ.result
    with occ.hold():
        occ.species.value = SIKA
        occ.occasion.value = 14
    try:
        r = occ.result
        assert (r.species, r.occasion_length, r.formula) == (SIKA, 14, first.formula)
        data, fit = _occu(study, SIKA, 14, r.formula, r.psi_covariates, r.p_covariates, **WINTER)
        assert r.data.y.shape == data.y.shape and r.data.y.shape[1] == 7
        pd.testing.assert_frame_equal(r.data.y, data.y)
        _same_fit(r, fit)
        assert r.aic != pytest.approx(first.aic, abs=0.01)
        assert list(r.models.index) == [r.formula]  # other data: a table of its own
    finally:
        with occ.hold():
            occ.species.value, occ.occasion.value = LEOPARD, 7
    assert occ.result.fit is first.fit


def test_impossible_occupancy_controls_say_why_and_keep_the_result(occ: OccupancyExplorer) -> None:
    kept = occ.result
    occ.start.value = dt.date(2017, 2, 1)  # after the season's end
    assert occ.result is kept and "season is empty" in occ.status.value
    with occ.hold():
        occ.start.value, occ.end.value = occ.first_day, dt.date(2016, 11, 15)
        occ.occasion.value = 14
    assert occ.result is kept and "occupancy needs at least two" in occ.status.value
    with occ.hold():
        occ.end.value, occ.occasion.value = dt.date(2017, 1, 31), 7
    assert occ.result.fit is kept.fit and "&#9888;" not in occ.status.value


def test_the_occupancy_view_builds_with_the_map_and_the_tables(occ: OccupancyExplorer) -> None:
    from jupyter_bokeh import BokehModel

    view = occ.widget
    assert view is occ.widget
    assert isinstance(occ._map.model, BokehModel)
    assert "psi(forest_cover)" in occ._table.value and "ψ̂" in occ._table.value
    assert occ.result.formula in occ._table.value  # the models fitted so far
    renders = occ._map.renders
    occ.psi.value = ("forest_cover",)  # a new model: a new map
    assert occ._map.renders == renders + 1 and "drawn in" in occ.status.value


# --- DensityExplorer --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def den(study: Study) -> DensityExplorer:
    return DensityExplorer(study)


@pytest.fixture(scope="module")
def leopards(study: Study) -> tuple[secr.CaptureHistory, secr.Mask]:
    ch = secr.capthist_from_study(study, species=LEOPARD, **CAPTHIST)
    return ch, secr.mask_from_study(study, ch, spacing=2000, covariates=["forest_cover", "prey_index"])


def _secr(leopards, **settings) -> secr.SECRFit:
    ch, mask = leopards
    return secr.secr_fit(ch, mask=mask, progress=False, **settings)


def _same_secr(result, fit: secr.SECRFit) -> None:
    assert result.aic == pytest.approx(fit.aic, rel=1e-12)
    expected = fit.to_frame()
    assert list(result.estimates.index) == list(expected.index)
    for col in ("estimate", "SE", "lcl", "ucl"):
        np.testing.assert_allclose(result.estimates[col].astype(float), expected[col].astype(float), rtol=1e-9)


def test_density_explorer_starts_with_the_fit_of_secr_fit(den: DensityExplorer, leopards) -> None:
    r = den.result
    ch, mask = leopards
    assert (r.species, r.detectfn, r.by_sex, r.density_covariates, r.spacing) == (LEOPARD, "HHN", "sigma", (), 2000.0)
    assert r.buffer == secr.suggest_buffer(ch) == mask.buffer
    np.testing.assert_array_equal(r.capthist.counts, ch.counts)
    np.testing.assert_allclose(r.mask.xy, mask.xy)
    assert r.settings == {"detectfn": "HHN", "group": "sex", "class_params": ("sigma",), "density": "~1"}
    fit = _secr(leopards, detectfn="HHN", group="sex", class_params=("sigma",))
    _same_secr(r, fit)
    d, lo, hi = r.density_per_100km2
    assert d == pytest.approx(fit.density_per_100km2, rel=1e-12) and lo < d < hi
    assert {"sigma[female]", "sigma[male]", "lambda0"} <= set(r.estimates.index)
    np.testing.assert_allclose(r.surface.values, fit.density_surface(per="100km2").values, equal_nan=True)


def test_detection_function_and_sex_change_the_fit_as_secr_fit_says(den: DensityExplorer, leopards) -> None:
    first = den.result
    with den.hold():
        den.detectfn.value = "HN"
        den.by_sex.value = "none"
    try:
        r = den.result
        fit = _secr(leopards, detectfn="HN", group="sex", class_params=())
        _same_secr(r, fit)
        assert "g0" in r.estimates.index and "sigma" in r.estimates.index and "lambda0" not in r.estimates.index
        assert r.aic > first.aic + 100  # one sigma for both sexes fits far worse
        # every model fitted on this mask, compared as model_selection does
        assert {first.name, r.name} <= set(r.models.index)
        expected = secr.model_selection({first.name: first.fit, r.name: fit})
        np.testing.assert_allclose(r.models.loc[expected.index, "AICc"], expected["AICc"], rtol=1e-12)
        assert list(r.models.index[:1]) == [first.name]
    finally:
        with den.hold():
            den.detectfn.value, den.by_sex.value = "HHN", "sigma"
    assert den.result.fit is first.fit  # from the cache


def test_density_covariates_give_a_density_surface(den: DensityExplorer, leopards) -> None:
    den.density.value = ("forest_cover",)
    try:
        r = den.result
        fit = _secr(leopards, detectfn="HHN", group="sex", class_params=("sigma",), density="~ forest_cover")
        _same_secr(r, fit)
        surface = r.surface.values[np.isfinite(r.surface.values)]
        assert surface.std() > 0  # no longer constant
        np.testing.assert_allclose(
            r.surface.values, fit.density_surface(per="100km2").values, rtol=1e-9, equal_nan=True
        )
        assert r.name in r.models.index and len(r.models) >= 2
    finally:
        den.density.value = ()


def test_impossible_density_controls_say_why_and_keep_the_result(den: DensityExplorer) -> None:
    kept = den.result
    den.buffer.value = 5000.0
    assert den.result is kept and "buffer of 5 km is too small" in den.status.value
    den.buffer.value = kept.buffer
    assert den.result.fit is kept.fit and "&#9888;" not in den.status.value


def test_the_density_view_builds_with_the_surface_and_the_aic_table(den: DensityExplorer) -> None:
    from jupyter_bokeh import BokehModel

    view = den.widget
    assert view is den.widget
    assert isinstance(den._map.model, BokehModel)
    assert "D per 100 km2" in den._table.value and "AICc" in den._table.value
    assert den.result.name in den._table.value  # the models fitted so far
    assert "D = " in den.status.value and "per 100 km²" in den.status.value


def test_a_background_fit_leaves_the_kernel_free_and_gives_the_same_result(study: Study, leopards) -> None:
    """``background=True`` (the default in a kernel): a control change returns at once; the fit runs in the
    explorer's worker thread, changes made meanwhile are merged into one more fit, and the result is
    ``secr_fit``'s."""
    explorer = DensityExplorer(study, detectfn="HN", by_sex="none", progress=False, background=True)
    assert explorer.background and explorer.result.detectfn == "HN"  # the first fit is made in the foreground
    start = time.perf_counter()
    explorer.detectfn.value = "EX"  # a new fit: seconds
    explorer.by_sex.value = "sigma"  # arrives while it runs (or is queued): merged
    returned = time.perf_counter() - start
    assert returned < 0.25, f"a control change blocked the caller for {returned:.2f} s"
    r = explorer.wait(timeout=300)
    assert (r.detectfn, r.by_sex) == ("EX", "sigma")
    fit = _secr(leopards, detectfn="EX", group="sex", class_params=("sigma",), density="~1")
    assert r.aic == pytest.approx(fit.aic, rel=1e-10)
    assert explorer._fits.misses <= 3  # HN, EX and EX with sigma by sex: no fit of a control state twice
    explorer.species.value = TIGER  # the tiger's capture history is built in the worker too
    r = explorer.wait(timeout=300)
    assert r.species == TIGER and r.buffer == explorer.suggested_buffer(TIGER)
