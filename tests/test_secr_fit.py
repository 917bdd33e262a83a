"""Tests of nbtools.secr.fit (and the fit result) against R's secr (captdata) and on simulated data.

Reference values: secr 5.3.0, R 4.2.2, ``secr.fit(captdata, buffer = 100, detectfn = "HN")``
(tests/data/reference/README.md). Tolerances: estimates and log-likelihood 1e-4 relative;
SEs 1e-3 relative (secr's SEs come from nlm's finite-difference Hessian; ours from the
analytic gradient, so they differ at the 1e-4 level).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

import nbtools.secr as secr
from nbtools.secr import (
    CaptureHistory,
    Mask,
    make_mask,
    secr_fit,
    sim_capthist,
    sim_popn,
)

REF = Path(__file__).parent / "data" / "reference"


# secr 5.3.0: secr.fit(captdata, buffer = 100, detectfn = "HN")
CAPTDATA = {
    "D": (5.479801433841447, 0.6467405904763494),
    "g0": (0.27319054166103746, 0.027051258013711704),
    "sigma": (29.365832119663867, 1.3049377536080802),
}


CAPTDATA_LOGLIK = -759.02574573168


@pytest.fixture(scope="module")
def captdata_fit(captdata):
    with pytest.warns(UserWarning, match="multi-catch likelihood"):
        return secr_fit(captdata, buffer_m=100, detectfn="HN", progress=False)


def test_captdata_estimates_match_secr(captdata_fit):
    fit = captdata_fit
    for name, (estimate, se) in CAPTDATA.items():
        assert fit.estimates.loc[name, "estimate"] == pytest.approx(estimate, rel=1e-4), name
        assert fit.estimates.loc[name, "SE"] == pytest.approx(se, rel=1e-3), name
    assert fit.loglik == pytest.approx(CAPTDATA_LOGLIK, rel=1e-4)
    assert fit.loglik == pytest.approx(CAPTDATA_LOGLIK, abs=1e-6)  # in fact to 1e-9
    assert fit.density == pytest.approx(CAPTDATA["D"][0], rel=1e-4)
    assert fit.density_per_100km2 == pytest.approx(CAPTDATA["D"][0] * 1e4, rel=1e-4)
    assert fit.g0 == pytest.approx(CAPTDATA["g0"][0], rel=1e-4)
    assert fit.sigma == pytest.approx(CAPTDATA["sigma"][0], rel=1e-4)
    assert fit.converged and fit.messages == []
    assert (fit.n, fit.r, fit.n_params) == (76, 159, 3)
    assert fit.aic == pytest.approx(-2 * CAPTDATA_LOGLIK + 6, rel=1e-8)
    assert fit.aicc == pytest.approx(fit.aic + 2 * 3 * 4 / (76 - 4), rel=1e-12)
    with pytest.raises(AttributeError, match="lambda0"):
        _ = fit.lambda0


def test_captdata_intervals_are_link_scale_wald(captdata_fit):
    fit = captdata_fit
    z = stats.norm.ppf(0.975)
    coef = fit.coefficients
    b, s = coef.loc["D", "beta"], coef.loc["D", "SE.beta"]
    assert fit.density_ci == pytest.approx((np.exp(b - z * s), np.exp(b + z * s)), rel=1e-12)
    b, s = coef.loc["g0", "beta"], coef.loc["g0", "SE.beta"]
    expit = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    assert fit.estimates.loc["g0", ["lcl", "ucl"]].tolist() == pytest.approx([expit(b - z * s), expit(b + z * s)])
    # secr's se.untransform: log link -> exp(b) sqrt(exp(se^2) - 1)
    assert fit.density_se == pytest.approx(fit.density * np.sqrt(np.expm1(coef.loc["D", "SE.beta"] ** 2)))
    table = fit.to_frame()
    assert table.loc["D per 100 km2", "estimate"] == pytest.approx(fit.density * 1e4)
    assert table.attrs["loglik"] == fit.loglik
    assert "SECRFit(multi" in repr(fit)


def test_captdata_derived_and_region_n(captdata_fit):
    fit = captdata_fit
    derived = fit.derived()
    esa = derived.loc["esa", "estimate"]
    assert esa == pytest.approx(fit.esa)
    assert fit.n / esa == pytest.approx(fit.density, rel=1e-4)  # n / esa = D-hat for D ~ 1 (Poisson)
    assert derived.loc["D", "estimate"] == pytest.approx(fit.n / esa)
    region = fit.region_n()
    area = len(fit.mask) * fit.mask.cell_area
    assert region.loc["E.N", "estimate"] == pytest.approx(fit.density * area)
    assert region.loc["E.N", "SE"] == pytest.approx(fit.coefficients.loc["D", "SE.beta"] * fit.density * area)
    # R.N = n + expected undetected; for the whole mask E.N = R.N at the MLE (score equation for D)
    assert region.loc["R.N", "estimate"] == pytest.approx(region.loc["E.N", "estimate"], rel=1e-6)
    assert region.loc["R.N", "lcl"] > fit.n
    # two halves add up
    west = fit.mask.x < 500
    en = [fit.region_n(west).loc["E.N", "estimate"], fit.region_n(~west).loc["E.N", "estimate"]]
    assert sum(en) == pytest.approx(region.loc["E.N", "estimate"])
    post = fit.region_n(west, detected="posterior").loc["R.N", "n"]
    post_e = fit.region_n(~west, detected="posterior").loc["R.N", "n"]
    assert post + post_e == pytest.approx(fit.n)


def test_captdata_density_surface(captdata_fit):
    fit = captdata_fit
    surface = fit.density_surface()
    assert isinstance(surface, xr.DataArray)
    assert surface.dims == ("y", "x") and surface.shape == (64, 64)
    assert int(surface.notnull().sum()) == 3936
    assert float(surface.max()) == pytest.approx(fit.density)
    assert surface.attrs["units"] == "animals / ha"
    assert float(fit.density_surface(per="100km2").max()) == pytest.approx(fit.density * 1e4)
    assert np.all(np.diff(surface["y"].to_numpy()) < 0)  # north up


def test_simulation_count_hhn_recovers_density(grid):
    """Seeded simulation: count detectors, HHN, known D; the estimate lies within its interval."""
    mask = make_mask(grid, buffer_m=80)
    truth = {"D": 25.0, "lambda0": 0.25, "sigma": 15.0}
    popn = sim_popn(mask, density=truth["D"], seed=2024)
    ch = sim_capthist(grid, popn, "HHN", lambda0=truth["lambda0"], sigma=truth["sigma"], noccasions=5, seed=2025)
    fit = secr_fit(ch, mask=mask, detectfn="HHN", detector="count", progress=False)
    assert fit.converged
    for name, value in truth.items():
        lcl, ucl = fit.estimates.loc[name, ["lcl", "ucl"]]
        assert lcl < value < ucl, name
    assert fit.density == pytest.approx(truth["D"], rel=0.25)
    assert fit.sigma == pytest.approx(truth["sigma"], rel=0.15)
    assert abs(fit.density - len(popn) / mask.area) < 2 * fit.density_se


def test_usage_zero_detectors_are_ignored(grid):
    mask = make_mask(grid, buffer_m=60, nx=24)
    popn = sim_popn(mask, density=30, seed=8)
    usage = np.ones((36, 4))
    usage[:6, :] = 0.0  # first row of cameras never worked
    ch = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=15, noccasions=4, usage=usage, seed=9)
    assert ch.counts[:, :, :6].sum() == 0
    fit = secr_fit(ch, mask=mask, detectfn="HHN", progress=False)
    dropped = CaptureHistory(ch.counts[:, :, 6:], grid.iloc[6:], "count")
    fit2 = secr_fit(dropped, mask=mask, detectfn="HHN", progress=False)
    assert fit.loglik == pytest.approx(fit2.loglik, rel=1e-9)
    assert fit.density == pytest.approx(fit2.density, rel=1e-5)


def test_group_sigma_equals_separate_fits(grid):
    """Known classes (sex): same estimates as fitting each sex alone; D is the sum."""
    mask = make_mask(grid, buffer_m=90, nx=30)
    popn = sim_popn(mask, density=30, seed=31)
    rng = np.random.default_rng(32)
    popn["sex"] = rng.choice(["F", "M"], len(popn))
    sigma = np.where(popn["sex"] == "F", 12.0, 22.0)
    ch = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=sigma, noccasions=5, seed=33)
    fit = secr_fit(ch, mask=mask, detectfn="HHN", group="sex", class_params=("sigma", "lambda0"), progress=False)
    assert fit.classes == ["F", "M"]
    total, separate_ll, dens = 0.0, 0.0, {}
    for sex in ("F", "M"):
        keep = (ch.covariates["sex"] == sex).to_numpy()
        sub = CaptureHistory(ch.counts[keep], ch.traps, "count", ids=ch.ids[keep])
        one = secr_fit(sub, mask=mask, detectfn="HHN", progress=False)
        assert fit.estimates.loc[f"sigma[{sex}]", "estimate"] == pytest.approx(one.sigma, rel=1e-4)
        assert fit.estimates.loc[f"lambda0[{sex}]", "estimate"] == pytest.approx(one.lambda0, rel=1e-4)
        total += one.density
        dens[sex] = one.density
        separate_ll += one.loglik
    assert fit.density == pytest.approx(total, rel=1e-4)
    assert fit.loglik == pytest.approx(separate_ll, rel=1e-8)
    assert fit.estimates.loc["pmix[M]", "estimate"] == pytest.approx(dens["M"] / total, rel=1e-4)
    assert fit.estimates.loc["sigma[F]", "estimate"] < fit.estimates.loc["sigma[M]", "estimate"]


def test_mixture_h2_and_hybrid(grid):
    mask = make_mask(grid, buffer_m=90, nx=30)
    popn = sim_popn(mask, density=40, seed=41)
    rng = np.random.default_rng(42)
    popn["sex"] = rng.choice(["F", "M"], len(popn))
    sigma = np.where(popn["sex"] == "F", 10.0, 25.0)
    ch = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=sigma, noccasions=5, seed=43)
    null = secr_fit(ch, mask=mask, detectfn="HHN", progress=False)
    h2 = secr_fit(ch, mask=mask, detectfn="HHN", mixture="h2", progress=False)
    assert h2.loglik > null.loglik
    assert h2.n_params == 5
    s1, s2 = h2.estimates.loc["sigma[1]", "estimate"], h2.estimates.loc["sigma[2]", "estimate"]
    assert min(s1, s2) < 16 < max(s1, s2)
    assert h2.estimates.loc[["pmix[1]", "pmix[2]"], "estimate"].sum() == pytest.approx(1.0)
    # hybrid: sex unknown for a third of the animals
    sex = ch.covariates["sex"].astype(object).copy()
    sex.iloc[::3] = None
    hybrid = secr_fit(ch, mask=mask, detectfn="HHN", group=list(sex), progress=False)
    assert hybrid.estimates.loc["sigma[F]", "estimate"] < hybrid.estimates.loc["sigma[M]", "estimate"]
    with pytest.raises(ValueError, match="either group"):
        secr_fit(ch, mask=mask, group="sex", mixture="h2", progress=False)


def test_density_covariate_model(grid):
    mask = make_mask(grid, buffer_m=80, nx=30)
    cov = (mask.x - mask.x.mean()) / 50.0
    mask = Mask(mask.points.assign(forest=cov, forest_m=cov * 1000.0), mask.spacing)
    popn = sim_popn(mask, density=25 * np.exp(0.8 * cov), seed=52)
    ch = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=15, noccasions=5, seed=153)
    fit = secr_fit(ch, mask=mask, detectfn="HHN", density="~ forest", progress=False)
    null = secr_fit(ch, mask=mask, detectfn="HHN", progress=False)
    slope = fit.coefficients.loc["D.forest"]
    assert slope["lcl"] < 0.8 < slope["ucl"]
    assert fit.loglik > null.loglik
    # internal scaling does not change the model: the slope scales with the covariate
    fit_m = secr_fit(ch, mask=mask, detectfn="HHN", density="~ forest_m", progress=False)
    assert fit_m.loglik == pytest.approx(fit.loglik, rel=1e-9)
    assert fit_m.coefficients.loc["D.forest_m", "beta"] * 1000 == pytest.approx(slope["beta"], rel=1e-5)
    assert fit_m.coefficients.loc["D.forest_m", "SE.beta"] * 1000 == pytest.approx(slope["SE.beta"], rel=1e-4)
    surface = fit.density_surface()
    assert float(surface.sum()) * mask.cell_area == pytest.approx(fit.region_n().loc["E.N", "estimate"])
    assert fit.density == pytest.approx(fit.region_n().loc["E.N", "estimate"] / mask.area)
    with pytest.raises(ValueError, match="cannot build density formula"):
        secr_fit(ch, mask=mask, detectfn="HHN", density="~ elevation", progress=False)


def test_progress_bar_and_start_values(grid, capsys):
    mask = make_mask(grid, buffer_m=60, nx=24)
    popn = sim_popn(mask, density=30, seed=71)
    ch = sim_capthist(grid, popn, "HN", g0=0.3, sigma=15, noccasions=4, detector="proximity", seed=72)
    ini = secr.autoini(ch, mask, "HN")
    assert ini == secr.autoini(ch, mask, "HN")  # reproducible (no random thinning)
    assert 5 < ini["sigma"] < 40 and 0 < ini["g0"] < 1 and ini["D"] > 0
    a = secr_fit(ch, mask=mask, progress=True)
    b = secr_fit(ch, mask=mask, progress=False, start={"D": 10.0, "g0": 0.5, "sigma": 25.0})
    assert a.loglik == pytest.approx(b.loglik, rel=1e-10)
    assert a.density == pytest.approx(b.density, rel=1e-5)
    assert "secr_fit" in capsys.readouterr().err


def test_input_errors(grid):
    counts = np.zeros((2, 3, 36), int)
    counts[0, 0, 0] = 1
    with pytest.raises(ValueError, match="have no detections"):
        secr_fit(counts, grid, progress=False)
    with pytest.raises(ValueError, match="needs traps"):
        secr_fit(counts[:1], progress=False)
    with pytest.raises(ValueError, match="detectfn"):
        secr_fit(counts[:1], grid, detectfn="HR", progress=False)
    usage = np.ones((36, 3))
    usage[0, 0] = 0
    with pytest.raises(ValueError, match="usage is 0"):
        secr_fit(counts[:1], grid, usage=usage, progress=False)
    with pytest.raises(ValueError, match="n x S x K"):
        CaptureHistory(np.zeros((2, 3)), grid)
    with pytest.raises(ValueError, match="mask type"):
        make_mask(grid, type="polygon")


def test_aic_table_truth_comparison_and_posterior_region(grid):
    mask = make_mask(grid, buffer_m=60, nx=24)
    mask = Mask(mask.points.assign(in_park=mask.x < 50), mask.spacing)
    popn = sim_popn(mask, density=30, seed=81)
    popn["sex"] = np.where(np.arange(len(popn)) % 2 == 0, "female", "male")
    sig = np.where(popn["sex"] == "female", 10.0, 20.0)
    ch = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=sig, noccasions=5, seed=82)
    fits = {  # both with sex as a known class (secr's hcov), so that the likelihoods are comparable
        "common": secr_fit(ch, mask=mask, detectfn="HHN", group="sex", class_params=(), progress=False),
        "sex": secr_fit(ch, mask=mask, detectfn="HHN", group="sex", progress=False),
    }
    plain = secr_fit(ch, mask=mask, detectfn="HHN", progress=False)
    # known classes with common detection parameters: the plain likelihood times the multinomial of the sexes
    n_f = int((ch.covariates["sex"] == "female").sum())
    p_f = n_f / ch.n
    assert fits["common"].loglik == pytest.approx(
        plain.loglik + n_f * np.log(p_f) + (ch.n - n_f) * np.log(1 - p_f), rel=1e-7
    )
    table = secr.model_selection(fits)
    assert table.index[0] == "sex" and table["dAICc"].iloc[0] == 0
    assert table["AICcwt"].sum() == pytest.approx(1.0)
    assert table.loc["sex", "model"] == "D~1 lambda0~1 sigma~g" and table.loc["common", "npar"] == 4
    assert table.loc["common", "dAICc"] == pytest.approx(fits["common"].aicc - fits["sex"].aicc)
    assert secr.model_selection(list(fits.values()), criterion="AIC").index[0] == "D~1 lambda0~1 sigma~g"
    with pytest.raises(ValueError, match="known classes"):
        secr.model_selection([fits["sex"], plain])
    other = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=sig, noccasions=5, seed=83)
    with pytest.raises(ValueError, match="different data"):
        secr.model_selection([plain, secr_fit(other, mask=mask, detectfn="HHN", progress=False)])
    # posterior R.N: over the whole mask it counts every detected animal; a part counts fewer
    fit = fits["sex"]
    whole = fit.region_n(detected="posterior")
    assert whole.loc["R.N", "n"] == pytest.approx(fit.n, rel=1e-9)
    assert whole.loc["R.N", "estimate"] == pytest.approx(fit.region_n().loc["R.N", "estimate"], rel=1e-9)
    part = fit.region_n("in_park", detected="posterior")
    assert 0 < part.loc["R.N", "n"] < fit.n and part.loc["R.N", "SE"] > 0
    assert part.loc["R.N", "lcl"] < part.loc["R.N", "estimate"] < part.loc["R.N", "ucl"]
    true = pd.DataFrame(
        {"truth": [float((popn["in_park"]).sum()), 10.0, 20.0, 0.3, float(len(popn))], "note": ""},
        index=["N in region", "sigma[female]", "sigma[male]", "lambda0 identified", "N in mask"],
    )
    comparison = secr.truth_comparison(fit, true)
    assert list(comparison.index) == ["N in region", "N in mask", "lambda0", "sigma[female]", "sigma[male]"]
    assert comparison.loc["sigma[male]", "estimate"] == fit.estimates.loc["sigma[male]", "estimate"]
    assert comparison.loc["N in region", "estimate"] == pytest.approx(part.loc["R.N", "estimate"])
    assert comparison["ratio"].between(0.5, 2).all()
    assert comparison["covered"].dtype == bool
