"""Tests of nbtools.rem against R (Distance, mrds, activity, camtrapDensity) and for internal consistency.

Reference values: R 4.2.2 with Distance 2.0.1, mrds 3.0.1, activity 1.3.4, camtrapDensity 0.1.15 on the
Agouti 0.1.6 export ``tests/data/real/rowcliffe-rem-test`` (Vulpes vulpes), listed with the calls that made
them in tests/data/reference/README.md ("camtrapDensity"). Tolerances:

* closed-form quantities (harmonic mean speed and its SE, activity levels, trap rate, camera-days): 1e-9
  relative (R prints 10 significant digits);
* maximum-likelihood fits: log sigma 2e-6 absolute, effective radius and density 1e-6 relative. R's
  optimiser stops within 5e-7 of the maximum of a very flat likelihood (4 radii); ours lies on the
  same maximum (the log-likelihoods agree to 1e-10), so the effective radius differs by 4e-7 relative,
  and the density, which is proportional to 1 / r, by the same;
* the effective radius's SE (R gives 7 digits): 1e-5 relative;
* camtrapDensity's density SE comes from two bootstraps on R's random numbers (trap rate over locations,
  activity level over records): ours, with the same method on numpy's random numbers, must be within
  10 % (it is within 0.1 % with seed 1); the log-normal interval is tested exactly from R's SE.

Hazard-rate and cosine-adjusted fits have no R values here: they are checked by a second optimiser,
by reducing to known cases and by recovering simulated parameters.
"""

from __future__ import annotations

import doctest
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import nbtools.rem as rem
from nbtools.activity import activity_level
from nbtools.rem import (
    DetectionModel,
    as_radians,
    average_anchored_time,
    fit_detection,
    harmonic_mean_speed,
    rem_data,
    rem_density,
    rem_estimate,
    rem_table,
    select_detection,
    sequence_speeds,
    speed_by,
    teets_suntimes,
    trap_rate,
    truncation_distance,
)
from nbtools.rem.estimate import _lognormal_ci
from nbtools.study import Study

REAL = Path(__file__).parent / "data" / "real" / "rowcliffe-rem-test"
REF = Path(__file__).parent / "data" / "reference"
FOX = "Vulpes vulpes"

# Distance::ds(data.frame(distance = radius), transect = "point", key = "hn", adjustment = NULL, truncation = "5%")
R_HN_POINT = {
    "log_sigma": 1.117503462,
    "loglik": -8.072127604,
    "edr": 4.178373183,
    "edr_se": 0.8857357,
    "width": 7.127512021,
}
# ds(data.frame(distance = abs(angle)), transect = "line", key = "hn", adjustment = NULL)
R_HALF_ANGLE = 0.3877356009
# Harmonic mean speed (m/s) and SE = m^2 sqrt(var(1/v)/n)
R_SPEED = (0.8553513505, 0.2123972898)
# activity::fitact(clock times of the 13 sequences, adj = 1)
R_ACT_CLOCK = 0.2478145816
# camtrapDensity 0.1.15: rem_estimate(pkg, species = "Vulpes vulpes", reps = 999), set.seed(1)
R_CAMTRAPDENSITY = {
    "radius": 4.178373184,
    "angle_deg": 44.43122699,
    "speed_kmh": 3.079264862,
    "activity": 0.2451958764,
    "day_range": 18.12055311,
    "trap_rate": 0.3535278623,
    "density": 5.285159749,
    "se": 2.399238584,
    "lcl": 2.262567324,
    "ucl": 12.34567178,
}
R_CAMERA_DAYS = 33.94357639


# ------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def study() -> Study:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Study.from_camtrapdp(REAL)


@pytest.fixture(scope="module")
def fox(study) -> rem.REMData:
    return rem_data(study, FOX)


@pytest.fixture(scope="module")
def camtrapdensity(study) -> rem.REMEstimate:
    return rem_estimate(study, FOX, conventions="camtrapDensity", seed=1, progress=False)


def _simulate(g, width: float, n: int, seed: int, point: bool = False) -> np.ndarray:
    """Distances from pdf ~ g(x) (line) or x g(x) (point) on [0, width], by rejection."""
    rng = np.random.default_rng(seed)
    out = []
    while sum(len(o) for o in out) < n:
        x = width * np.sqrt(rng.uniform(size=4 * n)) if point else rng.uniform(0, width, 4 * n)
        out.append(x[rng.uniform(size=x.size) < g(x)])
    return np.concatenate(out)[:n]


def _hazard(sigma: float, shape: float):
    return lambda x: -np.expm1(-np.power(x / sigma, -shape))


# ------------------------------------------------------------------------- R: Distance / mrds
def test_inputs_of_the_real_export(fox) -> None:
    assert len(fox.radii) == 5 and len(fox.angles) == 5 and len(fox.speeds) == 4
    assert fox.camera_days == pytest.approx(R_CAMERA_DAYS, rel=1e-9)
    assert fox.n_contacts == 13  # 13 sequences = 13 independent events at 30 min
    assert fox.contacts["n_deployments"].tolist() == [2, 1, 1]  # two cameras at S03 at once: both count


def test_half_normal_point_transect_matches_distance(fox) -> None:
    fit = fit_detection(fox.radii["radius"], "point", "hn", truncation="5%")
    assert fit.width == pytest.approx(R_HN_POINT["width"], abs=1e-9)
    assert (fit.n, fit.n_total, fit.proportion_used) == (4, 5, 0.8)
    assert fit.beta[0] == pytest.approx(R_HN_POINT["log_sigma"], abs=2e-6)
    assert fit.loglik == pytest.approx(R_HN_POINT["loglik"], abs=1e-8)
    assert fit.aic == pytest.approx(-2 * R_HN_POINT["loglik"] + 2, abs=1e-7)
    assert fit.effective_distance == pytest.approx(R_HN_POINT["edr"], rel=1e-6)
    assert fit.effective_distance_se == pytest.approx(R_HN_POINT["edr_se"], rel=1e-5)
    assert fit.effective_area == pytest.approx(math.pi * fit.effective_distance**2, rel=1e-12)
    assert fit.converged and fit.monotone
    # mrds's SE is from the first-partial (outer product) Hessian; the observed information gives another
    observed = fit_detection(fox.radii["radius"], "point", "hn", truncation="5%", vcov_method="hessian")
    assert observed.effective_distance_se == pytest.approx(1.2709, rel=1e-3)


def test_half_normal_line_transect_of_angles_matches_distance(fox) -> None:
    fit = fit_detection(fox.angles["angle"], "line", "hn", unit="rad")  # absolute values taken
    assert fit.n == 5 and fit.width == pytest.approx(np.abs(fox.angles["angle"]).max())
    assert fit.effective_distance == pytest.approx(R_HALF_ANGLE, rel=1e-7)
    assert "half-angle" in repr(fit) and "effective_half_angle" in fit.to_frame().columns


def test_half_normal_integrals_are_the_closed_forms() -> None:
    sigma, w = 2.3, 5.0
    beta = [math.log(sigma)]
    point = DetectionModel("point", "hn", w)
    line = DetectionModel("line", "hn", w)
    assert point.mu(beta) == pytest.approx(sigma**2 * -math.expm1(-(w**2) / (2 * sigma**2)), rel=1e-13)
    assert line.mu(beta) == pytest.approx(
        sigma * math.sqrt(math.pi / 2) * (2 * stats.norm.cdf(w / sigma) - 1), rel=1e-13
    )
    x = np.linspace(0, w, 7)
    assert point.cdf(x, beta)[[0, -1]].tolist() == pytest.approx([0.0, 1.0], abs=1e-13)
    assert line.cdf(2.0, beta) == pytest.approx(integrate.quad(lambda v: line.pdf(v, beta), 0, 2.0)[0], rel=1e-10)


def test_truncation_distance() -> None:
    x = np.array([1.4520719099, 1.415728, 3.316491, 6.730106, 7.226863])
    assert truncation_distance(x, "5%") == pytest.approx(np.quantile(x, 0.95))  # R's type 7
    assert truncation_distance(x) == x.max()
    assert truncation_distance(x, 5.0) == 5.0
    for bad in ("5", "100%", -1.0, 0.0):
        with pytest.raises(ValueError):
            truncation_distance(x, bad)


# ------------------------------------------------------------------------- hazard-rate and cosine terms
def test_hazard_rate_is_uniform_when_its_scale_is_far_beyond_the_truncation() -> None:
    """With sigma >> w, g = 1 on [0, w]: the line pdf is 1/w, the point pdf 2r/w^2."""
    x = np.array([0.3, 1.1, 2.0, 3.7, 4.9])
    w = 5.0
    beta = [math.log(100 * w), math.log(5.0)]
    assert DetectionModel("line", "hr", w).loglik(beta, x) == pytest.approx(-x.size * math.log(w), rel=1e-12)
    assert DetectionModel("point", "hr", w).loglik(beta, x) == pytest.approx(np.sum(np.log(2 * x / w**2)), rel=1e-12)
    assert DetectionModel("line", "hr", w).g(0.0, [0.0, 0.0]) == 1.0  # g(0) = 1 although (0/sigma)^-b is infinite


def test_hazard_rate_fit_two_optimisers_and_simulated_truth() -> None:
    sigma, shape, w = 3.0, 3.0, 10.0
    x = _simulate(_hazard(sigma, shape), w, 3000, seed=11)
    fit = fit_detection(x, "line", "hr", truncation=w)
    other = fit_detection(x, "line", "hr", truncation=w, method="Nelder-Mead", start=[0.0, 0.0])
    assert other.loglik == pytest.approx(fit.loglik, abs=1e-7)
    assert other.beta == pytest.approx(fit.beta, abs=1e-4)
    se = fit.coefficients["se"].to_numpy()
    assert abs(fit.beta[0] - math.log(sigma)) < 3 * se[0]
    assert abs(fit.beta[1] - math.log(shape)) < 3 * se[1]
    true_esw = integrate.quad(_hazard(sigma, shape), 0, w)[0]
    assert abs(fit.effective_distance - true_esw) < 3 * fit.effective_distance_se
    assert fit.model.mu(fit.beta) == pytest.approx(integrate.quad(lambda v: fit.g(v), 0, w, limit=200)[0], rel=1e-9)
    # the point-transect form on radii from the same detection function
    r = _simulate(_hazard(sigma, shape), w, 3000, seed=12, point=True)
    pfit = fit_detection(r, "point", "hr", truncation=w)
    assert abs(pfit.sigma - sigma) < 3 * pfit.sigma * pfit.coefficients["se"].iloc[0]


def test_cosine_adjustment_nests_the_key_and_reaches_the_maximum() -> None:
    w = 6.0
    x = _simulate(lambda v: np.exp(-0.5 * (v / 2.0) ** 2), w, 800, seed=5, point=True)
    key = fit_detection(x, "point", "hn", truncation=w)
    adj = fit_detection(x, "point", "hn", "cos", truncation=w)
    assert adj.model.order == (2,) and adj.model.names == ["log_sigma", "cos2"]
    # with a = 0 the adjusted function is the key
    assert adj.model.loglik([key.beta[0], 0.0], key.distances) == pytest.approx(key.loglik, abs=1e-10)
    assert adj.loglik >= key.loglik - 1e-9
    nm = fit_detection(x, "point", "hn", "cos", truncation=w, method="Nelder-Mead")
    assert nm.loglik == pytest.approx(adj.loglik, abs=1e-7)
    assert abs(adj.beta[1]) < 3 * adj.coefficients["se"].iloc[1]  # no adjustment needed for half-normal data
    assert adj.g(0.0) == pytest.approx(1.0)
    assert adj.aic == pytest.approx(-2 * adj.loglik + 4)
    with pytest.raises(ValueError, match="without adjustment"):
        fit_detection(x, "point", "hn", order=(2,))


def test_select_detection_prefers_the_generating_key() -> None:
    x = _simulate(_hazard(2.0, 4.0), 8.0, 2000, seed=21)
    best, table = select_detection(x, "line", truncation=8.0)
    assert best.model.key == "hr"
    assert table["delta_aic"].min() == 0 and table["delta_aic"].iloc[0] == 0
    assert set(table["key"]) == {"hn", "hr"}


def test_goodness_of_fit() -> None:
    w = 6.0
    x = _simulate(lambda v: np.exp(-0.5 * (v / 2.0) ** 2), w, 500, seed=8, point=True)
    fit = fit_detection(x, "point", "hn", truncation=w)
    gof = fit.gof()
    xs = np.sort(fit.distances)
    n = xs.size
    w2 = 1 / (12 * n) + np.sum((fit.cdf(xs) - (2 * np.arange(1, n + 1) - 1) / (2 * n)) ** 2)
    assert gof.cvm_statistic == pytest.approx(w2, rel=1e-10)
    assert gof.cvm_p > 0.01 and gof.ks_p > 0.01
    assert list(gof.qq.columns) == ["distance", "fitted_cdf", "empirical_cdf"] and len(gof.qq) == n
    assert list(gof.to_frame().index) == ["Cramer-von Mises", "Kolmogorov-Smirnov"]
    # uniform radii on a point transect (g = 1) are badly fitted by a steep half-normal on a wider range
    bad = fit_detection(np.concatenate([x[x < 1.0], np.full(50, 5.9)]), "point", "hn", truncation=w).gof()
    assert bad.cvm_p < 0.01


def test_detection_input_errors() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        fit_detection([1.0])
    with pytest.raises(ValueError, match="key"):
        fit_detection([1.0, 2.0, 3.0], key="unif")
    with pytest.raises(ValueError, match="transect"):
        DetectionModel("strip", "hn", 1.0)
    with pytest.warns(UserWarning, match="radius/radii of 0"):
        fit = fit_detection([0.0, 0.5, 0.8, 1.0, 1.2, 1.5, 3.0], "point")
    assert fit.n == 6 and fit.converged
    with pytest.warns(UserWarning, match="interior maximum"):
        uniform = fit_detection(np.sqrt(np.linspace(0.01, 1, 50)) * 5, "point")  # r^2 uniform: g = 1
    assert not uniform.converged and uniform.effective_distance == pytest.approx(uniform.width, rel=1e-3)


# ------------------------------------------------------------------------- speeds
def test_harmonic_mean_speed_matches_r(fox) -> None:
    est = harmonic_mean_speed(fox.speeds["speed"])
    assert est.mean == pytest.approx(R_SPEED[0], rel=1e-9)
    assert est.se == pytest.approx(R_SPEED[1], rel=1e-9)
    assert est.km_per_hour == pytest.approx(R_CAMTRAPDENSITY["speed_kmh"], rel=1e-9)
    assert est.km_per_day == pytest.approx(est.mean * 86.4)
    assert est.to_frame().loc["active_speed", "n"] == 4


def test_speed_range_and_groups() -> None:
    est = harmonic_mean_speed([0.005, 0.5, 1.0, 2.0, 12.0, np.nan])
    assert (est.n, est.n_dropped) == (3, 3)
    assert harmonic_mean_speed([0.005, 0.5], speed_range=None).n == 2
    assert math.isnan(harmonic_mean_speed([1.0]).se)
    with pytest.raises(ValueError, match="no usable"):
        harmonic_mean_speed([20.0])
    table = speed_by([0.5, 1.0, 2.0, 4.0, 50.0], ["day", "day", "night", "night", "dusk"])
    assert table.loc["day", "estimate"] == pytest.approx(2 / 3)
    assert table.loc["dusk", "n"] == 0 and np.isnan(table.loc["dusk", "estimate"])


def test_sequence_speeds(study) -> None:
    speeds = sequence_speeds(study.observations, FOX)
    assert len(speeds) == 4 and {"eventID", "speed"} <= set(speeds.columns)
    with pytest.raises(ValueError, match="individualSpeed"):
        sequence_speeds(study.observations.drop(columns="individualSpeed"))


# ------------------------------------------------------------------------- activity and times
def test_activity_level_on_the_sequences_clock_times_matches_fitact(fox) -> None:
    ref = pd.read_csv(REF / "camtrapDensity-rem-fox-sequence-times.csv")
    assert activity_level(ref["clock_rad_europe_london"]).act == pytest.approx(R_ACT_CLOCK, rel=1e-9)
    # the events' local clock times are those 13 times
    assert np.sort(fox.times["time"]) == pytest.approx(np.sort(ref["clock_rad_europe_london"]), abs=1e-9)
    assert activity_level(fox.times["time"]).act == pytest.approx(R_ACT_CLOCK, rel=1e-9)


def test_average_anchored_sun_time_reproduces_camtrapdensity(study) -> None:
    data = rem_data(study, FOX, contacts="individuals", activity_time="average_anchored")
    assert len(data.times) == 15  # records x count, as fit_actmodel(obsdef = "individual")
    assert activity_level(data.times["time"], adjust=1.5).act == pytest.approx(R_CAMTRAPDENSITY["activity"], rel=1e-9)
    # NOAA's double-anchored sun time (overlap::sunTime) is another, equally defensible, choice
    sun = rem_data(study, FOX, contacts="individuals", activity_time="sun")
    assert activity_level(sun.times["time"], adjust=1.5).act != pytest.approx(R_CAMTRAPDENSITY["activity"], rel=1e-3)


def test_teets_suntimes_and_anchoring_basics() -> None:
    stamps = pd.Series(pd.to_datetime(["2017-10-12T19:00:00+01:00", "2017-06-21T12:00:00+01:00"]))
    sun = teets_suntimes(stamps, 51.535, -0.15)
    assert 6.0 < sun.loc[0, "sunrise"] < 6.5 and 17.0 < sun.loc[0, "sunset"] < 17.5  # London, October, UTC
    assert sun.loc[1, "daylength"] == pytest.approx(16.6, abs=0.3)
    times = average_anchored_time(stamps, 51.535, -0.15, centre_noon=False)
    assert ((times >= 0) & (times < 2 * np.pi)).all()
    with pytest.raises(ValueError, match="timezone-aware"):
        average_anchored_time(pd.Series(pd.to_datetime(["2017-10-12 19:00"])), 51.5, -0.15)


def test_angle_units() -> None:
    assert as_radians([30.0, -15.0], "deg") == pytest.approx([math.pi / 6, -math.pi / 12])
    with pytest.warns(UserWarning, match="degrees"):
        as_radians([25.0, 3.0], "rad")
    with pytest.warns(UserWarning, match="radians"):
        as_radians([0.5, 0.1, -0.2], "deg")
    with pytest.raises(ValueError):
        as_radians([0.1], "grad")


# ------------------------------------------------------------------------- REM: camtrapDensity's number
def test_rem_formula_with_camtrapdensity_parameters() -> None:
    d = rem_density(
        R_CAMTRAPDENSITY["trap_rate"],
        R_CAMTRAPDENSITY["day_range"],
        R_CAMTRAPDENSITY["radius"],
        math.radians(R_CAMTRAPDENSITY["angle_deg"]),
    )
    assert d == pytest.approx(R_CAMTRAPDENSITY["density"], rel=1e-9)


def test_camtrapdensity_density_reproduced(camtrapdensity) -> None:
    res, ref = camtrapdensity, R_CAMTRAPDENSITY
    p = res.parameters
    assert res.density == pytest.approx(ref["density"], rel=1e-6)
    assert p.loc["radius", "estimate"] == pytest.approx(ref["radius"], rel=1e-6)
    assert math.degrees(p.loc["angle", "estimate"]) == pytest.approx(ref["angle_deg"], rel=1e-7)
    assert p.loc["active_speed", "estimate"] * 3.6 == pytest.approx(ref["speed_kmh"], rel=1e-9)
    assert p.loc["activity_level", "estimate"] == pytest.approx(ref["activity"], rel=1e-9)
    assert p.loc["day_range", "estimate"] == pytest.approx(ref["day_range"], rel=1e-9)
    assert p.loc["trap_rate", "estimate"] == pytest.approx(ref["trap_rate"], rel=1e-9)
    assert res.data.n_contacts == 15 and res.settings["proportion_used"] == 0.8
    # SE: the same two bootstraps as R on other random numbers
    assert res.se == pytest.approx(ref["se"], rel=0.10)
    assert res.bootstrap == "traprate" and res.bootstrap_se == res.se
    # camtrapDensity's log-normal interval from its SE, exactly
    assert _lognormal_ci(ref["density"], ref["se"], 0.95) == pytest.approx((ref["lcl"], ref["ucl"]), rel=1e-8)


def test_delta_method_is_the_sum_of_squared_cvs(camtrapdensity) -> None:
    p = camtrapdensity.parameters
    theta, theta_se = p.loc["angle", ["estimate", "se"]]
    cvs = [p.loc[k, "cv"] for k in ("trap_rate", "active_speed", "activity_level", "radius")]
    cv = math.sqrt(sum(c**2 for c in cvs) + (theta_se / (2 + theta)) ** 2)
    assert camtrapdensity.se == pytest.approx(camtrapdensity.density * cv, rel=1e-12)
    assert p.loc["density", "estimate"] == camtrapdensity.density
    rows = ["trap_rate", "radius", "angle", "active_speed", "activity_level", "day_range", "density"]
    assert camtrapdensity.to_frame().index.tolist() == rows


# ------------------------------------------------------------------------- REM: nbtools conventions
def test_rem_estimate_default_conventions(study) -> None:
    res = rem_estimate(study, FOX, n_boot=100, activity_reps=100, seed=3, progress=False)
    p = res.parameters
    assert res.data.n_contacts == 13 and res.settings["contacts"] == "events"
    assert p.loc["trap_rate", "estimate"] == pytest.approx(13 / res.data.camera_days * 0.8, rel=1e-12)
    assert p.loc["activity_level", "estimate"] == pytest.approx(R_ACT_CLOCK, rel=1e-9)
    assert res.density == pytest.approx(
        rem_density(
            p.loc["trap_rate", "estimate"],
            p.loc["day_range", "estimate"],
            p.loc["radius", "estimate"],
            p.loc["angle", "estimate"],
        ),
        rel=1e-12,
    )
    assert res.bootstrap == "full" and res.replicates.size + res.failed_reps == 100
    assert res.bootstrap_lcl < res.density < res.bootstrap_ucl
    assert any("3 locations" in m for m in res.messages)
    again = rem_estimate(study, FOX, n_boot=100, activity_reps=100, seed=3, progress=False)
    assert again.se == res.se and np.array_equal(again.replicates, res.replicates)
    assert res.summary().loc[0, "contacts"] == 13
    assert "Vulpes vulpes" in repr(res)


def test_rem_estimate_overrides_and_no_bootstrap(study) -> None:
    res = rem_estimate(
        study, FOX, bootstrap=None, activity_reps=0, truncation_share=False, contacts="sequences", progress=False
    )
    assert res.bootstrap is None and math.isnan(res.bootstrap_se) and math.isnan(res.se)
    assert res.parameters.loc["trap_rate", "estimate"] == pytest.approx(13 / res.data.camera_days, rel=1e-12)
    assert any("no activity bootstrap" in m for m in res.messages)
    with pytest.raises(ValueError, match="conventions"):
        rem_estimate(study, FOX, conventions="camtrapR")
    with pytest.raises(ValueError, match="no observations"):
        rem_estimate(study, "Panthera pardus", progress=False)


def test_full_bootstrap_agrees_with_the_delta_method_on_many_cameras() -> None:
    """60 locations of synthetic data: the bootstrap over cameras and the delta method give similar SEs."""
    rng = np.random.default_rng(4)
    k = 60
    locs = [f"L{i}" for i in range(k)]
    y = rng.poisson(5, k).astype(float)
    n = int(y.sum())
    where = rng.choice(locs, n)
    data = rem.REMData(
        "Cervus nippon",
        pd.DataFrame({"locationID": locs, "contacts": y, "camera_days": rng.uniform(20, 40, k), "n_deployments": 1}),
        pd.DataFrame({"locationID": where, "deploymentID": where, "radius": rng.rayleigh(3.0, n)}),
        pd.DataFrame({"locationID": where, "deploymentID": where, "angle": rng.normal(0, 0.3, n)}),
        pd.DataFrame({"locationID": where, "deploymentID": where, "speed": rng.lognormal(-0.5, 0.5, n)}),
        pd.DataFrame({"locationID": where, "time": rng.vonmises(0, 1, n) % (2 * np.pi)}),
    )
    res = rem.rem_from_data(data, n_boot=150, activity_reps=150, seed=2, progress=False)
    assert res.failed_reps == 0 and not res.messages
    assert 0.7 < res.bootstrap_se / res.se < 1.4
    assert res.bootstrap_lcl < res.density < res.bootstrap_ucl
    assert res.lcl < res.density < res.ucl


def _synthetic(seed: int, k: int = 60, mean: float = 8.0) -> rem.REMData:
    """k locations, Poisson(mean) contacts each; radii, angles and speeds for 70 % of them; every time."""
    rng = np.random.default_rng(seed)
    locs = [f"L{i}" for i in range(k)]
    y = rng.poisson(mean, k).astype(float)
    n = int(y.sum())
    where = np.repeat(locs, y.astype(int))
    pos = rng.random(n) < 0.7

    def table(column: str, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"locationID": where[pos], "deploymentID": where[pos], column: values[pos]})

    return rem.REMData(
        "Cervus nippon",
        pd.DataFrame({"locationID": locs, "contacts": y, "camera_days": rng.uniform(20, 40, k), "n_deployments": 1}),
        table("radius", rng.rayleigh(3.0, n)),
        table("angle", rng.normal(0, 0.3, n)),
        table("speed", rng.lognormal(-0.5, 0.5, n)),
        pd.DataFrame({"locationID": where, "time": rng.vonmises(0, 1, n) % (2 * np.pi)}),
    )


@pytest.mark.parametrize("conventions", ["nbtools", "camtrapDensity"])
def test_fast_bootstrap_equals_the_plain_loop(conventions) -> None:
    """The full bootstrap's fast engine (Newton half-normal fits, batched activity levels) draws the same
    resamples and gives the same replicate densities as the plain per-replicate loop over fit_detection,
    harmonic_mean_speed and activity_level, to 1e-6 (the plain bounded optimiser stops within ~1e-8)."""
    data = _synthetic(7, k=60)
    settings = dict(
        activity_adj=rem.CONVENTIONS[conventions]["activity_adj"], n_boot=20, activity_reps=20, seed=11, progress=False
    )
    fast = rem.rem_from_data(data, **settings)
    plain = rem.rem_from_data(data, engine="plain", **settings)
    assert fast.failed_reps == plain.failed_reps == 0 and fast.replicates.size == 20
    np.testing.assert_allclose(fast.replicates, plain.replicates, rtol=1e-6)
    assert fast.density == plain.density and fast.se == plain.se
    assert fast.bootstrap_se == pytest.approx(plain.bootstrap_se, rel=1e-6)
    with pytest.raises(ValueError, match="engine"):
        rem.rem_from_data(data, engine="numba")


def test_fast_bootstrap_equals_the_plain_loop_on_few_cameras(fox) -> None:
    """3 locations of real foxes (a few radii per resample, so some quick fits decline and fall back to
    fit_detection): the fast engine fails the same resamples as the plain loop and agrees on the others."""
    fast = rem.rem_from_data(fox, n_boot=40, activity_reps=10, seed=5, progress=False)
    plain = rem.rem_from_data(fox, n_boot=40, activity_reps=10, seed=5, progress=False, engine="plain")
    assert fast.failed_reps == plain.failed_reps and fast.messages == plain.messages
    np.testing.assert_allclose(fast.replicates, plain.replicates, rtol=1e-6)


def test_quick_half_normal_fits_equal_fit_detection() -> None:
    """The bootstrap's Newton fit of a half-normal key (analytic derivatives in log sigma, closed-form
    integrals) gives fit_detection's effective radius / half-angle and share used, or declines (None)."""
    from nbtools.rem.detection import _hn_effective_distance

    rng = np.random.default_rng(12)
    declined = 0
    for i in range(120):
        transect = "point" if i % 2 else "line"
        n = int(rng.integers(3, 200))
        x = rng.rayleigh(rng.uniform(1, 5), n) if transect == "point" else rng.normal(0, rng.uniform(0.1, 0.6), n)
        truncation = (None, "5%", "10%")[i % 3]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = fit_detection(x, transect, "hn", truncation=truncation)
        quick = _hn_effective_distance(x, transect, truncation, float(fit.beta[0]) + rng.normal(0, 0.3))
        if quick is None:
            declined += 1
            assert not fit.converged or fit.sigma > fit.width  # near a bound or in the flat regime
            continue
        assert quick[0] == pytest.approx(fit.effective_distance, rel=1e-6)
        assert quick[1] == fit.proportion_used
    assert declined < 20
    with pytest.raises(ValueError, match="at least 2"):
        _hn_effective_distance(np.array([1.0]), "point", None, 0.0)


def test_quick_truncation_and_harmonic_mean_are_bit_identical() -> None:
    """The bootstrap's shortcuts repeat numpy's arithmetic: the type-7 quantile of truncation_distance and the
    harmonic mean of harmonic_mean_speed, to the last bit (ties, repeated values, NaN speeds, errors)."""
    from nbtools.rem.detection import _truncation_quick
    from nbtools.rem.speed import _harmonic_mean_quick

    rng = np.random.default_rng(5)
    for i in range(3000):
        n = int(rng.integers(1, 300))
        x = rng.rayleigh(3.0, n) if i % 3 else np.repeat(rng.rayleigh(3.0, max(1, n // 3)), 3)
        if i % 5 == 0:
            x = np.round(x, 1)
        for truncation in ("5%", "10%", "2.5%", "0%", "50%", None, 2.0):
            assert _truncation_quick(x, truncation) == truncation_distance(x, truncation)
        v = rng.lognormal(-0.5, 1.5, n)
        v[rng.random(n) < 0.05] = np.nan
        for speed_range in ((0.01, 10.0), None, (5.0, 6.0)):
            try:
                want = harmonic_mean_speed(v, speed_range).mean
            except ValueError:
                with pytest.raises(ValueError):
                    _harmonic_mean_quick(v, speed_range)
            else:
                assert _harmonic_mean_quick(v, speed_range) == want


def test_trap_rate_variance_by_hand() -> None:
    table = pd.DataFrame({"contacts": [2.0, 9.0, 2.0], "camera_days": [10.0, 19.0, 4.5]})
    rate, se = trap_rate(table)
    y, t = table["contacts"].to_numpy(), table["camera_days"].to_numpy()
    k, big_t = 3, t.sum()
    var = k / (big_t**2 * (k - 1)) * np.sum(t**2 * (y / t - y.sum() / big_t) ** 2)
    assert rate == pytest.approx(13 / 33.5) and se == pytest.approx(math.sqrt(var))
    assert math.isnan(trap_rate(table.iloc[:1])[1])


def test_rem_table_and_subset(study, fox) -> None:
    table = rem_table(study, n_boot=50, activity_reps=50, seed=1, progress=False)
    assert table["species"].tolist() == ["Erinaceus europaeus", "Vulpes vulpes"]
    hedgehog = table.set_index("species").loc["Erinaceus europaeus"]
    assert np.isnan(hedgehog["density"]) and "distances" in hedgehog["messages"]
    loc = fox.contacts["locationID"].iloc[0]
    twice = fox.subset([loc, loc])
    assert twice.n_contacts == 2 * fox.contacts["contacts"].iloc[0]
    assert len(twice.radii) == 2 * (fox.radii["locationID"] == loc).sum()


def test_doctests() -> None:
    import nbtools.rem.detection
    import nbtools.rem.estimate
    import nbtools.rem.inputs
    import nbtools.rem.speed

    for module in (nbtools.rem.detection, nbtools.rem.estimate, nbtools.rem.inputs, nbtools.rem.speed):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
