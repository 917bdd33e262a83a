"""Dynamic occupancy (colext) against unmarked 1.5.0 on its crossbill data, and the multi-season data layout.

Reference values: ``tests/data/reference/turn2/README_colext.md`` (unmarked 1.5.0, R 4.2.2). unmarked's colext
minimises ``-logL + 0.001 ||theta||``; the maximum-likelihood fit is tested against the unpenalised optimum,
unmarked's printed numbers by adding the penalty (or fitting with ``penalty=0.001``).
"""

from __future__ import annotations

import doctest
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbtools.occupancy import (
    UNMARKED_PENALTY,
    OccupancyDataError,
    colext,
    multi_season_data,
    nonparboot,
    parboot,
    simulate_colext,
)
from nbtools.occupancy.dynamics import forward_backward, loglik_gradient

REF = Path(__file__).parent / "data" / "reference" / "turn2"
YEARS = [str(y) for y in range(1999, 2008)]

# unmarked 1.5.0, colext(~1, ~1, ~1, ~1) on crossbill (R's sprintf("%.10g"))
UNMARKED_COEF = [-0.7936964225, -1.966062415, -1.569636252, 0.06438159406]
UNMARKED_SE = [0.1542715466, 0.111882781, 0.1532606844, 0.05640663923]
UNMARKED_NLL, UNMARKED_AIC = 2592.751275, 5193.502549
# the maximum of the likelihood itself (penalty removed, optimised tightly)
ML_COEF = [-0.7936997010, -1.966075693, -1.569655377, 0.06437776271]
ML_NLL = 2592.748636
PROJECTED = [0.3113755, 0.3423071, 0.3641113, 0.3794815, 0.3903163, 0.3979540, 0.4033379, 0.4071331, 0.4098084]
SMOOTHED = [0.3113744, 0.3862708, 0.3430510, 0.3900219, 0.4372083, 0.4017667, 0.3996312, 0.3673501, 0.3978094]
# colext(~1, ~year-1, ~year-1, ~year-1): 26 coefficients
YEAR_ML_NLL, YEAR_UNMARKED_NLL, YEAR_UNMARKED_AIC = 2537.805612, 2537.813245, 5127.626489


@pytest.fixture(scope="module")
def crossbill():
    y = pd.read_csv(REF / "crossbill_y.csv").set_index("site").drop(columns="id")
    site_covs = pd.read_csv(REF / "crossbill_sitecovs.csv").set_index("site")
    date = pd.read_csv(REF / "crossbill_date_scaled.csv").set_index("site")
    return multi_season_data(
        y,
        n_seasons=9,
        site_covs=site_covs[["ele", "forest"]],
        yearly_site_covs={"year": np.array(YEARS)},
        obs_covs={"date": date.to_numpy()},
        seasons=YEARS,
    )


@pytest.fixture(scope="module")
def fit0(crossbill):
    return colext(crossbill)


def test_crossbill_data_as_exported(crossbill):
    y = crossbill.y.to_numpy()
    assert crossbill.n_sites == 267 and crossbill.n_occasions == 3 and crossbill.n_seasons == 9
    assert int(np.isnan(y).sum()) == 567
    raw = pd.read_csv(REF / "crossbill_date_raw.csv").set_index("site").to_numpy(dtype=float)
    scaled = crossbill.obs_covs["date"].to_numpy(dtype=float)
    np.testing.assert_allclose(scaled, (raw - 54.28816621) / 22.03194232, atol=1e-8)
    assert np.isnan(y[np.isnan(raw)]).all()  # the 31 dates that are NA have NA detections too


def test_maximum_likelihood_equals_the_unpenalised_optimum(fit0):
    np.testing.assert_allclose(fit0.coef.to_numpy(), ML_COEF, atol=1e-6)
    assert fit0.nll == pytest.approx(ML_NLL, abs=1e-6)
    assert fit0.loglik == pytest.approx(-ML_NLL, abs=1e-6)
    assert fit0.aic == pytest.approx(2 * ML_NLL + 8, abs=2e-6)
    assert list(fit0.coef.index) == ["psi(Int)", "col(Int)", "ext(Int)", "p(Int)"]
    # unmarked's SEs come from the Hessian of its penalised objective: equal to 1e-4 relative
    np.testing.assert_allclose(fit0.se.to_numpy(), UNMARKED_SE, rtol=1e-4)
    _, grad = loglik_gradient(fit0.design, fit0.coef.to_numpy())
    assert np.max(np.abs(grad)) < 1e-8


def test_unmarked_printed_numbers_by_adding_the_penalty(fit0):
    # the penalised objective at the ML estimates equals unmarked's printed negLogLike and AIC
    assert fit0.penalised_nll() == pytest.approx(UNMARKED_NLL, abs=1e-6)
    assert fit0.penalised_aic() == pytest.approx(UNMARKED_AIC, abs=2e-6)
    # the ML estimates differ from unmarked's (the penalty's optimum) by less than 2e-5
    np.testing.assert_allclose(fit0.coef.to_numpy(), UNMARKED_COEF, atol=2e-5)


def test_penalised_fit_reproduces_unmarked_estimates(crossbill):
    fit = colext(crossbill, penalty=UNMARKED_PENALTY)
    np.testing.assert_allclose(fit.coef.to_numpy(), UNMARKED_COEF, atol=5e-7)
    np.testing.assert_allclose(fit.se.to_numpy(), UNMARKED_SE, rtol=1e-6)
    assert fit.nll == pytest.approx(UNMARKED_NLL, abs=1e-6)
    assert fit.aic == pytest.approx(UNMARKED_AIC, abs=2e-6)


def test_unmarked_method_replays_unmarked(crossbill):
    """R's optim BFGS (finite differences, from zeros) on the penalised objective, and R's optimhess."""
    fit = colext(crossbill, method="unmarked")
    assert fit.penalty == UNMARKED_PENALTY
    np.testing.assert_allclose(fit.coef.to_numpy(), UNMARKED_COEF, atol=1e-8)
    np.testing.assert_allclose(fit.se.to_numpy(), UNMARKED_SE, rtol=1e-7)
    assert fit.nll == pytest.approx(UNMARKED_NLL, abs=1e-6)  # R printed 10 significant digits
    assert fit.aic == pytest.approx(UNMARKED_AIC, abs=1e-6)
    np.testing.assert_allclose(fit.projected.to_numpy(), PROJECTED, atol=5e-8)  # 7 digits printed
    np.testing.assert_allclose(fit.smoothed.to_numpy(), SMOOTHED, atol=5e-8)
    year = colext(crossbill, gamma="~ year - 1", epsilon="~ year - 1", p="~ year - 1", method="unmarked")
    assert year.converged
    assert year.nll == pytest.approx(YEAR_UNMARKED_NLL, abs=1e-6)
    assert year.aic == pytest.approx(YEAR_UNMARKED_AIC, abs=2e-6)


def test_projected_and_smoothed_occupancy(fit0):
    # unmarked prints 7 digits of values computed at its (penalised) estimates
    np.testing.assert_allclose(fit0.projected.to_numpy(), PROJECTED, atol=2e-6)
    np.testing.assert_allclose(fit0.smoothed.to_numpy(), SMOOTHED, atol=2e-6)
    assert list(fit0.projected.index) == YEARS
    table = fit0.occupancy_table()
    assert list(table.columns) == ["projected", "smoothed"]
    # the first season's smoothed value is the posterior of psi; every posterior is a probability
    assert ((fit0.smoothed_sites >= 0) & (fit0.smoothed_sites <= 1)).all().all()


def test_year_specific_model(crossbill):
    fit = colext(crossbill, gamma="~ year - 1", epsilon="~ year - 1", p="~ year - 1")
    assert fit.n_params == 26
    names = list(fit.coef.index)
    assert names[:2] == ["psi(Int)", "col(year1999)"] and "col(year2007)" not in names and "p(year2007)" in names
    assert fit.nll == pytest.approx(YEAR_ML_NLL, abs=1e-5)
    # unmarked stops BFGS near (not at) its optimum: its printed objective is within 1e-5 of ours
    assert fit.penalised_nll() == pytest.approx(YEAR_UNMARKED_NLL, abs=1e-5)
    assert fit.penalised_aic() == pytest.approx(YEAR_UNMARKED_AIC, abs=2e-5)


def test_covariates_at_every_level(crossbill):
    fit = colext(crossbill, psi="~ forest", gamma="~ year - 1", epsilon="~ ele", p="~ year + date + I(date ** 2)")
    names = list(fit.coef.index)
    assert names[:2] == ["psi(Int)", "psi(forest)"]
    assert "ext(ele)" in names and "p(I(date ** 2))" in names and "p(year2000)" in names
    assert np.isfinite(fit.se).all()
    frame = fit.to_frame()
    assert list(frame["submodel"].unique()) == ["psi", "col", "ext", "p"]


def test_predictions_back_transform_with_the_delta_method(crossbill, fit0):
    from scipy.special import expit

    from nbtools.occupancy import predict_colext

    psi = predict_colext(fit0, "psi")
    assert len(psi) == 267 and psi["Predicted"].iloc[0] == pytest.approx(expit(fit0.coef["psi(Int)"]), rel=1e-12)
    p0 = psi["Predicted"].iloc[0]
    assert psi["SE"].iloc[0] == pytest.approx(p0 * (1 - p0) * fit0.se["psi(Int)"], rel=1e-12)
    assert psi["lower"].iloc[0] == pytest.approx(expit(fit0.coef["psi(Int)"] - 1.959963985 * fit0.se["psi(Int)"]))
    fit = colext(crossbill, gamma="~ year - 1", epsilon="~ year - 1", p="~ year + date")
    col = predict_colext(fit, "col", pd.DataFrame({"year": YEARS[:-1]}))
    np.testing.assert_allclose(col["Predicted"], expit(fit.coef[[f"col(year{y})" for y in YEARS[:-1]]]), rtol=1e-12)
    det = predict_colext(fit, "det", pd.DataFrame({"year": ["1999", "2000"], "date": [0.0, 1.0]}))
    eta = [fit.coef["p(Int)"], fit.coef["p(Int)"] + fit.coef["p(year2000)"] + fit.coef["p(date)"]]
    np.testing.assert_allclose(det["Predicted"], expit(eta), rtol=1e-12)
    assert predict_colext(fit, "ext").shape == (267 * 8, 4) and predict_colext(fit, "det").shape == (267 * 27, 4)
    with pytest.raises(OccupancyDataError, match="newdata lacks 'date'"):
        predict_colext(fit, "det", pd.DataFrame({"year": ["1999"]}))
    with pytest.raises(OccupancyDataError, match="type must be one of"):
        predict_colext(fit, "lambda")


def test_gradient_is_exact(crossbill):
    fit = colext(crossbill, psi="~ forest", p="~ date", se=False)
    design = fit.design
    theta = fit.coef.to_numpy() + 0.1
    _, grad = loglik_gradient(design, theta)
    h = 1e-6
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (loglik_gradient(design, up)[0] - loglik_gradient(design, down)[0]) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-5)


def test_forward_algorithm_equals_enumeration_of_states():
    """The likelihood of a site equals the sum over all 2^T occupancy sequences."""
    rng = np.random.default_rng(3)
    y = (rng.random((5, 8)) < 0.3).astype(float)
    y[0, 4:] = np.nan  # a season without survey
    y[1, 1] = np.nan
    data = multi_season_data(y, n_seasons=4, site_covs=pd.DataFrame({"x": rng.normal(size=5)}))
    fit = colext(data, psi="~ x", se=False)
    fb = forward_backward(fit.design, fit.coef.to_numpy())
    psi, col, ext, p = fb.psi, fb.col, fb.ext, fb.p
    yy = fit.design.y
    for i in range(5):
        total = 0.0
        for states in np.ndindex(*(2,) * 4):
            pr = psi[i] if states[0] else 1 - psi[i]
            for t in range(1, 4):
                to1 = col[i, t - 1] if states[t - 1] == 0 else 1 - ext[i, t - 1]
                pr *= to1 if states[t] else 1 - to1
            for t in range(4):
                for j in range(2):
                    if not np.isnan(yy[i, t, j]):
                        q = p[i, t, j] * states[t]
                        pr *= q if yy[i, t, j] else 1 - q
            total += pr
        assert np.log(total) == pytest.approx(fb.loglik[i], rel=1e-12)


def test_missing_values_follow_unmarked():
    y = np.array([[0, 1, 0, 0], [np.nan] * 4, [1, 0, 0, 0]], dtype=float)
    date = np.array([[0.1, np.nan, 0.3, 0.4], [0.0] * 4, [0.2, 0.1, 0.0, 0.1]])
    data = multi_season_data(y, n_seasons=2, obs_covs={"date": date})
    fit = colext(data, p="~ date", se=False)
    assert fit.design.dropped_sites == (1,)
    assert np.isnan(fit.design.y[0, 0, 1])  # the survey with a missing date is not used
    assert any("set missing" in n for n in fit.notes)


def test_bad_input_is_named():
    with pytest.raises(OccupancyDataError, match="multiple of n_seasons"):
        multi_season_data(np.zeros((3, 5)), n_seasons=2)
    with pytest.raises(OccupancyDataError, match="0/1 or NaN"):
        multi_season_data(np.array([[0, 0.5, 0, 1]]), n_seasons=2)
    data = multi_season_data(np.zeros((3, 4)), n_seasons=2)
    with pytest.raises(OccupancyDataError, match="forest"):
        colext(data, psi="~ forest")
    wet = np.array([[1.0, np.nan, 0.0], [0.0, 1.0, np.nan], [0.5, 0.5, 0.5]])  # the last season's NaN is not used
    data = multi_season_data(np.zeros((3, 6)), n_seasons=3, yearly_site_covs={"wet": wet})
    with pytest.raises(OccupancyDataError, match="site 0, season 2"):
        colext(data, gamma="~ wet")


def test_bootstraps_are_reproducible_and_sensible(crossbill, fit0):
    boot = nonparboot(fit0, n_boot=4, seed=7, progress=False)
    again = nonparboot(fit0, n_boot=4, seed=7, progress=False)
    pd.testing.assert_frame_equal(boot.samples, again.samples)
    table = boot.occupancy("smoothed")
    assert list(table.index) == YEARS and list(table.columns) == ["estimate", "se", "lower", "upper"]
    assert (table["se"] > 0).all() and (table["se"] < 0.1).all()
    assert boot.coef_vcov.shape == (4, 4)
    pb = parboot(fit0, n_boot=3, seed=1, progress=False)
    assert pb.kind == "parametric" and len(pb.samples) == 3
    proj = pb.occupancy("projected")
    assert (proj["lower"] <= proj["upper"]).all()


def test_simulation_recovers_parameters():
    """Data simulated from known values are fitted back within their confidence intervals."""
    rng = np.random.default_rng(11)
    template = multi_season_data(np.zeros((800, 12)), n_seasons=4)
    truth = colext(template, se=False)
    object.__setattr__(truth, "coef", pd.Series([-0.5, -1.5, -1.0, 0.3], index=truth.coef.index))
    fit = colext(simulate_colext(truth, rng))
    lo, hi = fit.coef - 3 * fit.se, fit.coef + 3 * fit.se
    assert ((lo < truth.coef) & (truth.coef < hi)).all()


@pytest.mark.parametrize(
    "module", ["multiseason", "multiseason_history", "dynamics", "colext", "colext_bootstrap", "colext_prediction"]
)
def test_doctests(module):
    import importlib

    mod = importlib.import_module(f"nbtools.occupancy.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


# --------------------------------------------------------------------------------------------------
# multi-season detection histories (camtrapR's detectionHistory(..., unmarkedMultFrameInput = TRUE))
# --------------------------------------------------------------------------------------------------
CAMTRAPR = Path(__file__).parent / "data" / "reference"


@pytest.fixture(scope="module")
def camtrapr_seasons():
    """camtrapR's multi-season sample (2009 and 2010; StationD only in 2010) read season by season, time zone UTC."""
    from nbtools.effort import camera_operation, deployments_from_camtrapr
    from nbtools.events import independent_events, observations_from_camtrapr

    table = pd.read_csv(CAMTRAPR / "camtrapR-camtrapsMultiSeason.csv")
    operations = {}
    for session, rows in table.groupby("session", sort=True):
        deployments, problems = deployments_from_camtrapr(rows, timezone="UTC", date_format="%d/%m/%Y")
        operations[session] = camera_operation(deployments, problems=problems, timezone="UTC")
    records = observations_from_camtrapr(
        pd.read_csv(CAMTRAPR / "camtrapR-recordTableSampleMultiSeason.csv"), timezone="UTC"
    )
    return operations, independent_events(records, "60min")


def test_multi_season_history_has_camtraprs_layout(camtrapr_seasons):
    from nbtools.indices import detection_history
    from nbtools.occupancy import multi_season_history

    operations, events = camtrapr_seasons
    history = multi_season_history(events, operations, "VTA", occasion_length=10, day1="station")
    # camtrapR's own test (test_detectionHistory.R): 4 x 16, rows StationA..StationD
    assert history.detections.shape == (4, 16) and history.effort.shape == (4, 16)
    assert list(history.detections.index) == ["StationA", "StationB", "StationC", "StationD"]
    assert list(history.camtrapr_layout().columns) == [f"o{k}" for k in range(1, 17)]
    det, eff = history.detections, history.effort
    # the 2009 block is the single-season history of 2009, padded with NaN to the 8 occasions of StationD (2010)
    with pytest.warns(UserWarning, match="5 of 10 records were not counted"):  # the 2010 records
        single = detection_history(events, operations[2009], "VTA", occasion_length=10, day1="station")
    n = single.detections.shape[1]
    np.testing.assert_array_equal(det[2009].iloc[:3, :n].to_numpy(), single.detections.to_numpy())
    np.testing.assert_array_equal(eff[2009].iloc[:3, :n].to_numpy(), single.effort.to_numpy())
    assert np.isnan(det[2009].iloc[:, n:].to_numpy()).all() and np.isnan(det.loc["StationD", 2009].to_numpy()).all()
    # 2010 repeats 2009 one year later (same set-up days, records and problem), plus StationD
    np.testing.assert_array_equal(det[2010].iloc[:3].to_numpy(), det[2009].iloc[:3].to_numpy())
    np.testing.assert_array_equal(eff[2010].iloc[:3].to_numpy(), eff[2009].iloc[:3].to_numpy())
    # StationD: 04/04-17/06/2010 (75 days, 8 occasions), broken 20/05-30/05, no VTA record
    assert det.loc["StationD", 2010].tolist() == [0.0] * 8
    assert eff.loc["StationD", 2010].tolist() == [9.5, 10, 10, 10, 6, 3, 10, 4.5]
    data = history.to_data()
    assert data.n_sites == 4 and data.n_seasons == 2 and data.n_occasions == 8 and list(data.obs_covs) == ["effort"]


def test_multi_season_history_from_study_equals_occupancy_data_per_season():
    from nbtools.occupancy import colext, multi_season_history_from_study, occupancy_data
    from nbtools.simulate import simulate_tables
    from nbtools.study import Study

    small = dict(
        study_start="2016-11-01", study_end="2017-01-31", habitat_resolution_m=1000.0, station_spacing_m=5000.0
    )
    sim = simulate_tables(seed=3, **small)
    study = Study.from_tables(
        sim.deployments,
        sim.media,
        sim.observations,
        crs=sim.truth["crs"],
        timezone=sim.truth["timezone"],
        habitat=sim.habitat,
    )
    seasons = {
        "Nov": ("2016-11-01", "2016-12-01"),
        "Dec": ("2016-12-01", "2017-01-01"),
        "Jan": ("2017-01-01", "2017-02-01"),
    }
    sika = "Cervus nippon"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # records before set-up (clock faults) are reported by indices
        history = multi_season_history_from_study(study, sika, seasons, occasion_length=7)
        for label, (start, end) in seasons.items():
            single = occupancy_data(study, sika, occasion_length=7, start=start, end=end, day1="station", covariates=[])
            block = history.detections[label].reindex(single.y.index)
            n = single.y.shape[1]
            np.testing.assert_array_equal(block.iloc[:, :n].to_numpy(), single.y.to_numpy())
            np.testing.assert_array_equal(
                history.effort[label].reindex(single.y.index).iloc[:, :n].to_numpy(), single.effort.to_numpy()
            )
    fit = colext(history.to_data(), p="~ effort")
    assert fit.converged and 0 < fit.smoothed.min() and fit.smoothed.max() < 1
