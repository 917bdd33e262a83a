"""Tests of nbtools.secr against R's secr (captdata) and against a direct implementation.

Reference values: secr 5.3.0, R 4.2.2, ``secr.fit(captdata, buffer = 100, detectfn = "HN")``
(tests/data/reference/README.md). Tolerances: estimates and log-likelihood 1e-4 relative;
SEs 1e-3 relative (secr's SEs come from nlm's finite-difference Hessian; ours from the
analytic gradient, so they differ at the 1e-4 level).
"""

from __future__ import annotations

import doctest
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats
from scipy.special import gammaln, logsumexp

import nbtools.secr as secr
from nbtools.secr import (
    CaptureHistory,
    Mask,
    SECRLikelihood,
    make_capthist,
    make_mask,
    read_capthist,
    read_traps,
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


# ------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def captdata() -> CaptureHistory:
    traps = pd.read_csv(REF / "secr-captdata-traps.csv")
    captures = pd.read_csv(REF / "secr-captdata-captures.csv")
    return make_capthist(captures, traps, detector="single")


@pytest.fixture(scope="module")
def captdata_fit(captdata):
    with pytest.warns(UserWarning, match="multi-catch likelihood"):
        return secr_fit(captdata, buffer_m=100, detectfn="HN", progress=False)


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    """6 x 6 detectors 20 m apart."""
    xy = np.arange(6) * 20.0
    return pd.DataFrame({"x": np.tile(xy, 6), "y": np.repeat(xy, 6)}, index=[f"T{k}" for k in range(36)])


def naive_loglik(ch: CaptureHistory, usage, detector, detectfn, mask: Mask, density, mag, sigma) -> float:
    """The full likelihood written directly as an n x M x (S x K) array with scipy.stats."""
    traps = ch.traps[["x", "y"]].to_numpy()
    d = np.sqrt(((mask.xy[:, None, :] - traps[None, :, :]) ** 2).sum(axis=2))  # M x K
    h = secr.hazard(detectfn, d, mag, sigma)  # M x K
    lam = h[:, None, :] * usage.T[None, :, :]  # M x S x K
    y = ch.counts[:, None, :, :]  # n x 1 x S x K
    if detector == "count":
        ll = stats.poisson.logpmf(y, lam[None]).sum(axis=(2, 3))
    elif detector == "proximity":
        p = -np.expm1(-lam[None])
        used = usage.T[None, None] > 0
        ll = np.where(used, stats.bernoulli.logpmf(y, np.clip(p, 1e-300, 1)), 0.0).sum(axis=(2, 3))
    else:  # multi: caught in k on s with (1 - exp(-H_s)) T_sk h_k / H_s
        big_h = lam.sum(axis=2)  # M x S
        caught = y.sum(axis=3) > 0  # n x 1 x S
        p_k = -np.expm1(-big_h)[:, :, None] * lam / big_h[:, :, None]  # M x S x K
        with np.errstate(divide="ignore"):
            logp = np.where(y > 0, np.log(p_k[None]), 0.0).sum(axis=3)
        ll = np.where(caught, logp, -big_h[None]).sum(axis=2)
    pdot = -np.expm1(-lam.sum(axis=(1, 2)))
    a = mask.cell_area
    _, counts = np.unique(ch.counts.reshape(ch.n, -1), axis=0, return_counts=True)
    return float(
        (logsumexp(ll, axis=1) + np.log(density * a)).sum() - density * a * pdot.sum() - gammaln(counts + 1).sum()
    )


# ------------------------------------------------------------------------- secr's captdata
def test_mask_matches_secr_default(captdata):
    mask = make_mask(captdata.traps, buffer_m=100)
    assert len(mask) == 3936
    assert mask.spacing == pytest.approx(7.34375, rel=1e-12)
    assert mask.cell_area == pytest.approx(7.34375**2 / 1e4, rel=1e-12)
    # secr's order: x fastest, both ascending; first point at min(x) - buffer + spacing / 2 = 268.671875
    assert mask.points["x"].min() == pytest.approx(265 + 7.34375 / 2)
    assert np.all(np.diff(mask.y) >= 0)
    full = make_mask(captdata.traps, buffer_m=100, type="traprect")
    assert len(full) == 64 * 64


def test_captdata_summary(captdata):
    assert (captdata.n, captdata.noccasions, captdata.ntraps) == (76, 5, 100)
    assert captdata.detections == 235
    assert captdata.recaptures == 235 - 76
    summary = captdata.summary()
    assert summary.loc["n", "Total"] == 235  # animal-occasions: multi-catch, one detection each
    assert summary.loc["u", "Total"] == summary.loc["f", "Total"] == summary.loc["M(t+1)", "Total"] == 76
    assert summary.loc["detections", "Total"] == 235
    assert summary.loc["detectors used", "Total"] == 500


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


def test_read_capthist_text_formats(tmp_path, captdata):
    traps = pd.read_csv(REF / "secr-captdata-traps.csv")
    captures = pd.read_csv(REF / "secr-captdata-captures.csv")
    trapfile = tmp_path / "trap.txt"
    lines = ["# Detector X Y"] + [f"{t} {x} {y}" for t, x, y in traps.itertuples(index=False)]
    trapfile.write_text("\n".join(lines) + "\n")
    captfile = tmp_path / "capt.txt"
    lines = ["# Session ID Occasion Detector"] + [f"{s} {i} {o} {t}" for s, i, o, t in captures.itertuples(index=False)]
    captfile.write_text("\n".join(lines) + "\n")
    ch = read_capthist(captfile, trapfile, detector="single")
    assert ch.n == 76 and ch.detections == 235
    assert np.array_equal(ch.counts, captdata.counts)
    assert [str(v) for v in ch.ids] == [str(v) for v in captdata.ids]
    assert [int(v) for v in ch.ids] == sorted(int(v) for v in ch.ids)  # numeric IDs sorted as numbers
    # XY format
    xy = traps.set_index("trapID").loc[captures["trap"]]
    captxy = tmp_path / "captxy.txt"
    captxy.write_text(
        "\n".join(f"1 {i} {o} {x} {y}" for i, o, x, y in zip(captures["ID"], captures["occasion"], xy["x"], xy["y"]))
    )
    ch2 = read_capthist(captxy, trapfile, detector="multi", fmt="XY")
    assert np.array_equal(ch2.counts, captdata.counts)


def test_read_traps_usage_and_covariates(tmp_path):
    path = tmp_path / "traps.txt"
    path.write_text(
        "# Detector X Y Usage / covariates\n"
        "A1 -1500 -1500 0011111 /0.5 F\n"
        "A2 -1500 -1250 1111111 /0.5 F\n"
        "A3 -1500 -1000 1 1 1 1 1 1 2 /2 M\n"
    )
    traps, usage = read_traps(path, covnames=["effort", "habitat"])
    assert list(traps.index) == ["A1", "A2", "A3"]
    assert usage.shape == (3, 7)
    assert usage[0].tolist() == [0, 0, 1, 1, 1, 1, 1]
    assert usage[2].tolist() == [1] * 7  # codes above 1 count as 1 with binary usage
    assert traps["effort"].tolist() == [0.5, 0.5, 2.0]
    assert traps["habitat"].tolist() == ["F", "F", "M"]
    effort = tmp_path / "effort.txt"
    effort.write_text("A1 0 0 0 0 3.2 5\nA2 10 0 2 2 2 2\n")
    traps, usage = read_traps(effort, binary_usage=False)
    assert usage.tolist() == [[0, 0, 3.2, 5], [2, 2, 2, 2]]
    bad = tmp_path / "bad.txt"
    bad.write_text("A1 0\n")
    with pytest.raises(ValueError, match="Detector X Y"):
        read_traps(bad)


def test_capture_file_covariates_feed_group(tmp_path, grid):
    mask = make_mask(grid, buffer_m=60, nx=24)
    popn = sim_popn(mask, density=40, seed=81)
    popn["sex"] = np.random.default_rng(82).choice(["F", "M"], len(popn))
    ch = sim_capthist(
        grid,
        popn,
        "HHN",
        lambda0=0.3,
        sigma=np.where(popn["sex"] == "F", 12.0, 20.0),
        noccasions=3,
        detector="proximity",
        seed=83,
    )
    (tmp_path / "t.txt").write_text("\n".join(f"{k} {x} {y}" for k, (x, y) in grid.iterrows()))
    long = ch.to_frame().merge(ch.covariates.reset_index(), on="ID")
    long.loc[long.index[::4], "sex"] = "NA"  # missing on some lines: the first value per animal counts
    lines = [f"S {r.ID} {r.occasion} {r.trapID} {r.sex}" for r in long.itertuples()]
    (tmp_path / "c.txt").write_text("\n".join(lines))
    read = read_capthist(tmp_path / "c.txt", tmp_path / "t.txt", detector="proximity", covnames=["sex"])
    assert np.array_equal(read.counts, ch.counts)
    expected = long.replace({"sex": {"NA": None}}).groupby("ID", sort=False)["sex"].first()
    assert read.covariates["sex"].isna().sum() == expected.isna().sum() > 0  # NA on every line: unknown sex
    known = read.covariates["sex"].notna().to_numpy()
    assert read.covariates["sex"][known].tolist() == ch.covariates["sex"][known].tolist()
    fit = secr_fit(read, mask=mask, detectfn="HHN", group="sex", progress=False)
    assert fit.classes == ["F", "M"] and fit.converged


def test_count_capture_file_repeats_lines(tmp_path):
    (tmp_path / "t.txt").write_text("A 0 0\nB 20 0\n")
    (tmp_path / "c.txt").write_text("S 7 1 A\nS 7 1 A\nS 7 2 B\nS 8 2 B M\n".replace(" M", ""))
    ch = read_capthist(tmp_path / "c.txt", tmp_path / "t.txt", detector="count")
    assert ch.counts.shape == (2, 2, 2)
    assert ch.counts[0, 0, 0] == 2 and ch.counts[0, 1, 1] == 1 and ch.counts[1, 1, 1] == 1
    (tmp_path / "m.txt").write_text("S 7 1 A\nS 7 1 B\n")
    with pytest.raises(ValueError, match="more than once on occasion 1"):
        read_capthist(tmp_path / "m.txt", tmp_path / "t.txt", detector="multi")
    (tmp_path / "u.txt").write_text("S 7 1 Z\n")
    with pytest.raises(ValueError, match="missing from the trap layout"):
        read_capthist(tmp_path / "u.txt", tmp_path / "t.txt")


# ------------------------------------------------------------------------- likelihood
@pytest.mark.parametrize("detector", ["count", "proximity", "multi"])
@pytest.mark.parametrize("detectfn", ["HN", "HHN", "EX", "HEX"])
def test_likelihood_equals_direct_formulation(grid, detector, detectfn):
    """Factorised likelihood = the n x M x S x K formulation with scipy.stats (usage included)."""
    rng = np.random.default_rng(7)
    mask = make_mask(grid, buffer_m=60, nx=14)
    popn = sim_popn(mask, density=40, seed=3)
    s = 3
    usage = rng.choice([0.0, 0.5, 1.0, 2.0], size=(len(grid), s), p=[0.15, 0.15, 0.5, 0.2])
    mag = 0.35 if detectfn in ("HN", "EX") else 0.5
    kw = {"g0": mag} if detectfn in ("HN", "EX") else {"lambda0": mag}
    ch = sim_capthist(
        grid, popn, detectfn=detectfn, sigma=16, noccasions=s, detector=detector, usage=usage, seed=4, **kw
    )
    assert ch.n > 10
    lik = SECRLikelihood(
        ch.counts,
        usage,
        detector,
        detectfn,
        grid[["x", "y"]].to_numpy(),
        mask.xy,
        mask.cell_area,
        np.ones((len(mask), 1)),
    )
    for density, m, sigma in [(40.0, mag, 16.0), (25.0, mag * 0.6, 22.0)]:
        link = np.log(m / (1 - m)) if detectfn in ("HN", "EX") else np.log(m)
        ours = lik.evaluate(np.array([np.log(density), link, np.log(sigma)]), gradient=False).loglik
        direct = naive_loglik(ch, usage, detector, detectfn, mask, density, m, sigma)
        assert ours == pytest.approx(direct, rel=1e-10, abs=1e-8)


def test_gradient_matches_finite_differences(grid):
    rng = np.random.default_rng(11)
    mask = make_mask(grid, buffer_m=60, nx=20)
    mask = Mask(mask.points.assign(cov=np.sin(mask.x / 30.0)), mask.spacing)
    popn = sim_popn(mask, density=40, seed=5)
    ch = sim_capthist(grid, popn, "HN", g0=0.3, sigma=15, noccasions=3, detector="proximity", seed=6)
    design = np.column_stack([np.ones(len(mask)), mask.points["cov"]])
    known = rng.integers(-1, 2, ch.n)
    lik = SECRLikelihood(
        ch.counts,
        np.ones((36, 3)),
        "proximity",
        "HN",
        grid[["x", "y"]].to_numpy(),
        mask.xy,
        mask.cell_area,
        design,
        2,
        known,
        frozenset({"sigma", "mag"}),
    )
    beta = np.array([np.log(40), 0.2, -0.8, -0.9, np.log(12), np.log(18), 0.3])
    grad = lik.evaluate(beta).gradient
    f = lambda b: lik.evaluate(b, gradient=False).loglik  # noqa: E731
    numeric = np.array([(f(beta + e) - f(beta - e)) / 2e-6 for e in np.eye(len(beta)) * 1e-6])
    assert grad == pytest.approx(numeric, rel=1e-6, abs=1e-6)


# ------------------------------------------------------------------------- models on simulated data
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


def test_make_mask_with_habitat_dataset(grid):
    """Habitat from an xarray Dataset: sea cells dropped, covariates from the nearest cell."""
    x = np.arange(-200.0, 301.0, 10.0)
    y = np.arange(300.0, -201.0, -10.0)  # north up, as nbtools.habitat
    xx, yy = np.meshgrid(x, y)
    ds = xr.Dataset(
        {
            "land": (("y", "x"), xx < 120.0),
            "in_park": (("y", "x"), (xx > 0) & (xx < 100)),
            "forest_cover": (("y", "x"), (yy + 200.0) / 500.0),
        },
        coords={"x": x, "y": y},
    )
    mask = make_mask(grid, buffer_m=80, habitat=ds)
    plain = make_mask(grid, buffer_m=80)
    assert len(mask) < len(plain)
    assert (mask.x < 125.0).all()
    assert set(mask.covariates.columns) == {"in_park", "forest_cover"}
    iy = np.abs(y[None, :] - mask.y[:, None]).argmin(axis=1)
    assert mask.points["forest_cover"].to_numpy() == pytest.approx((y[iy] + 200.0) / 500.0)
    park = make_mask(grid, buffer_m=80, habitat=ds, habitat_variable=["land", "in_park"], covariates=["forest_cover"])
    assert ((park.x > -5) & (park.x < 105)).all()
    with pytest.raises(KeyError, match="no variable 'sea'"):
        make_mask(grid, buffer_m=80, habitat=ds, habitat_variable="sea")
    popn = sim_popn(mask, density=30, seed=61)
    ch = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=15, noccasions=4, seed=62)
    fit = secr_fit(ch, mask=mask, detectfn="HHN", density="~ forest_cover", progress=False)
    in_park = fit.region_n("in_park")
    assert in_park.loc["E.N", "area"] == pytest.approx(mask.points["in_park"].sum() * mask.cell_area)
    other = make_mask(grid, buffer_m=80, habitat=ds, habitat_variable=["land", "in_park"])
    assert fit.region_n(other).loc["E.N", "estimate"] == pytest.approx(in_park.loc["E.N", "estimate"], rel=1e-9)


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


def test_doctests():
    import nbtools.secr.fit
    import nbtools.secr.likelihood
    import nbtools.secr.mask
    import nbtools.secr.realised
    import nbtools.secr.sessions
    import nbtools.secr.study

    modules = (nbtools.secr.mask, nbtools.secr.likelihood, nbtools.secr.fit, nbtools.secr.study)
    for module in (*modules, nbtools.secr.sessions, nbtools.secr.realised):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = doctest.testmod(module)
        assert result.failed == 0, module.__name__


# ------------------------------------------------------------------------- simulation study
@pytest.mark.slow
def test_simulation_study_bias_and_coverage(grid):
    """50 studies at D = 25 / ha (count, HHN): relative bias within 5 %, 95 % coverage 85-99 %."""
    mask = make_mask(grid, buffer_m=80)
    truth = 25.0
    estimates, covered = [], []
    for rep in range(50):
        popn = sim_popn(mask, density=truth, seed=1000 + rep)
        ch = sim_capthist(grid, popn, "HHN", lambda0=0.25, sigma=15, noccasions=5, seed=2000 + rep)
        fit = secr_fit(ch, mask=mask, detectfn="HHN", progress=False)
        estimates.append(fit.density)
        lcl, ucl = fit.density_ci
        covered.append(lcl < truth < ucl)
    bias = np.mean(estimates) / truth - 1
    assert abs(bias) < 0.05
    assert 0.85 <= np.mean(covered) <= 0.99


# ------------------------------------------------------------------------- from a study to SECR
SPECIES = "Panthera pardus orientalis"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture(scope="module")
def small_study():
    """Three stations, ten days, two identified adults: every count and usage can be checked by hand.

    A (x=0) recorded throughout; B (x=3 km) stopped recording at noon on day 5 (dead battery: no
    media after it, deploymentEnd at the retrieval); C is a den camera outside the grid.
    """
    from nbtools.study import Study

    deployments = pd.DataFrame(
        {
            "deploymentID": ["dA", "dB", "dC"],
            "locationID": ["A", "B", "C"],
            "cameraID": ["c1", "c2", "c3"],
            "deploymentStart": [_utc("2024-01-01")] * 3,
            "deploymentEnd": [_utc("2024-01-11")] * 3,
            "deploymentGroups": ["array:grid", "array:grid", "array:den"],
            "timestampIssues": [False, False, False],
            "x": [0.0, 3000.0, 1000.0],
            "y": [0.0, 0.0, 500.0],
        }
    )
    media = pd.DataFrame(
        {
            "deploymentID": ["dA"] * 11 + ["dB"] * 5 + ["dC"] * 2,
            "timestamp": [_utc("2024-01-01") + pd.Timedelta(days=d) for d in range(11)]
            + [_utc("2024-01-01") + pd.Timedelta(days=d) for d in range(4)]
            + [_utc("2024-01-05 12:00")]
            + [_utc("2024-01-03"), _utc("2024-01-11")],
        }
    )
    rows = [  # deployment, time, individual, lifeStage
        ("dA", "2024-01-02 10:00", "L1", "adult"),
        ("dA", "2024-01-02 10:10", "L1", "adult"),  # same event (within 30 min)
        ("dA", "2024-01-04 03:00", "L1", "adult"),
        ("dB", "2024-01-03 22:00", "L1", "adult"),
        ("dB", "2024-01-02 01:00", "L2", "adult"),
        ("dA", "2024-01-07 05:00", "L2", "adult"),
        ("dB", "2024-01-09 05:00", "L2", "adult"),  # B was not recording: outside operation
        ("dA", "2024-01-03 05:00", None, "adult"),  # a flank that could not be matched
        ("dA", "2024-01-03 06:00", None, "juvenile"),  # a cub
        ("dA", "2024-01-05 06:00", "L1-c1", "juvenile"),  # an identified cub
        ("dC", "2024-01-03 05:00", "L1", "adult"),  # den camera: not in the array
    ]
    observations = pd.DataFrame(
        {
            "observationID": [f"o{i}" for i in range(len(rows))],
            "deploymentID": [r[0] for r in rows],
            "eventStart": [_utc(r[1]) for r in rows],
            "eventEnd": [_utc(r[1]) + pd.Timedelta(seconds=20) for r in rows],
            "observationLevel": "event",
            "observationType": "animal",
            "scientificName": SPECIES,
            "count": 1,
            "individualID": pd.array([r[2] for r in rows], dtype="string"),
            "lifeStage": [r[3] for r in rows],
        }
    )
    individuals = pd.DataFrame(
        {
            "individualID": ["L1", "L2", "L1-c1"],
            "sex": ["female", "male", None],
            "lifeStage": ["adult", "adult", "juvenile"],
        }
    )
    return Study(
        deployments=deployments,
        media=media,
        observations=observations,
        crs="EPSG:32652",
        timezone="UTC",
        individuals=individuals,
    )


def test_recording_gaps_from_media(small_study):
    gaps = secr.recording_gaps(small_study.deployments, small_study.media)
    assert gaps["deploymentID"].tolist() == ["dB"]
    assert gaps.loc[0, "start"] == _utc("2024-01-05 12:00") and gaps.loc[0, "end"] == _utc("2024-01-11")
    dep = small_study.deployments.assign(timestampIssues=[False, True, False])
    media = small_study.media[small_study.media["deploymentID"] != "dC"]  # dC: no media at all
    gaps = secr.recording_gaps(dep, media).set_index("deploymentID")
    assert gaps["reason"].to_dict() == {"dB": "timestampIssues", "dC": "no media"}
    assert (gaps["start"] == _utc("2024-01-01")).all()


def test_suspect_identifications_cluster_rule():
    traps = pd.DataFrame({"x": [0.0, 4000.0, 8000.0, 30_000.0, 60_000.0], "y": 0.0}, index=list("ABCDE"))
    ev = pd.DataFrame(
        {
            "individualID": ["L1"] * 5 + ["L2", "L2"] + ["L3"],
            "locationID": ["A", "B", "C", "A", "D"] + ["A", "E"] + ["E"],
        }
    )
    flags = secr.suspect_identifications(ev, traps, max_gap_m=5000)
    # L1: A-B-C chain (4 km links) is the main cluster, D is 22 km from C; L2: a tie, kept; L3: one detection
    assert flags.tolist() == [False, False, False, False, True, False, False, False]
    assert not secr.suspect_identifications(ev, traps, max_gap_m=25_000)[:5].any()
    with pytest.raises(ValueError, match="missing from traps"):
        secr.suspect_identifications(ev.assign(locationID="Z"), traps, 5000)


def test_capthist_from_study_counts_usage_and_dropped(small_study):
    ch = secr.capthist_from_study(small_study, SPECIES, deployment_groups="array:grid")
    assert list(ch.ids) == ["L1", "L2"]
    assert list(ch.traps.index) == ["A", "B"]
    assert ch.traps.loc["B", "x"] == 3000.0
    assert ch.noccasions == 10 and ch.detector == "count"
    expected = np.zeros((2, 10, 2), int)
    expected[0, 1, 0] = 1  # L1 at A on day 2 (two records, one event)
    expected[0, 3, 0] = 1  # L1 at A on day 4
    expected[0, 2, 1] = 1  # L1 at B on day 3
    expected[1, 1, 1] = 1  # L2 at B on day 2
    expected[1, 6, 0] = 1  # L2 at A on day 7
    assert np.array_equal(ch.counts, expected)
    assert ch.usage[0].tolist() == [1.0] * 10
    assert ch.usage[1].tolist() == [1.0] * 4 + [0.5] + [0.0] * 5  # stopped at noon on day 5
    assert ch.covariates["sex"].tolist() == ["female", "male"]
    reasons = ch.dropped_summary().to_dict()
    assert reasons == {
        secr.study.NOT_IDENTIFIED: 1,
        "not identified (juvenile)": 1,
        secr.study.NOT_ADULT: 1,
        "in an occasion without effort (NaN in the history)": 1,
    }
    outside = ch.dropped[ch.dropped["reason"].str.startswith("in an occasion")]
    assert outside[["locationID", "individualID"]].values.tolist() == [["B", "L2"]]
    assert "4 records set aside" in repr(ch)
    summary = secr.capture_summary(ch)
    assert summary["effort (sum of usage, e.g. station-days)"] == 14.5
    assert summary["deployments not recording: stopped recording"] == 1
    assert summary["animals: sex female"] == 1 and summary["detections"] == 5
    assert summary["animals detected at 2 or more detectors"] == 2 and summary["records set aside"] == 4
    assert ch.details["events"]["individualID"].tolist().count("L1") == 3
    # without the problems from the media, B counts as working (and the late detection is kept)
    plain = secr.capthist_from_study(small_study, SPECIES, deployment_groups="array:grid", problems=None)
    assert plain.usage[1].tolist() == [1.0] * 10 and plain.detections == 6
    # proximity detectors, 5-day occasions; every identified record with the den camera and cubs
    prox = secr.capthist_from_study(small_study, SPECIES, occasion_length=5, detector="proximity", life_stage=None)
    assert prox.detector == "proximity" and prox.noccasions == 2 and prox.counts.max() == 1
    assert set(prox.ids) == {"L1", "L2", "L1-c1"} and "C" in prox.traps.index
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two animals: estimates are poor, the input is what is checked
        fit_input = secr_fit(ch, mask=make_mask(ch.traps, buffer_m=3000, nx=20), detectfn="HHN", progress=False)
    assert fit_input.n == 2 and fit_input.detections == 5


def test_capthist_from_study_screen_and_errors(small_study):
    ch = secr.capthist_from_study(small_study, SPECIES, deployment_groups="array:grid", max_gap_m=2000)
    # L1 has two detections at A and one at B (3 km away): B is set aside; L2 has one counted detection at
    # each (its third, at B, falls outside camera operation and is not screened): a tie, kept
    assert ch.detections == 4
    suspect = ch.dropped[ch.dropped["reason"] == secr.study.SUSPECT]
    assert suspect[["locationID", "individualID"]].values.tolist() == [["B", "L1"]]
    with pytest.raises(ValueError, match="no observations of 'Felis catus'"):
        secr.capthist_from_study(small_study, "Felis catus")
    with pytest.raises(ValueError, match="detector must be"):
        secr.capthist_from_study(small_study, SPECIES, detector="multi")
    with pytest.raises(ValueError, match="no deployment has"):
        secr.capthist_from_study(small_study, SPECIES, deployment_groups="array:none")


def test_mask_from_study_habitat_boundary_and_buffer(grid):
    import shapely

    from nbtools.study import Study

    x = np.arange(-300.0, 401.0, 10.0)
    y = np.arange(400.0, -301.0, -10.0)
    xx, yy = np.meshgrid(x, y)
    ds = xr.Dataset(
        {
            "land": (("y", "x"), xx < 150.0),
            "forest_cover": (("y", "x"), (xx + 300.0) / 700.0),
            "prey_index": (("y", "x"), (yy + 300.0) / 700.0),
        },
        coords={"x": x, "y": y},
    )
    park = shapely.Polygon([(-10, -10), (60, -10), (60, 110), (-10, 110)])
    study = Study(
        deployments=pd.DataFrame(),
        media=pd.DataFrame(),
        observations=pd.DataFrame(),
        crs="EPSG:32652",
        timezone="UTC",
        habitat=ds,
        boundary=park,
    )
    mask = secr.mask_from_study(study, grid, buffer_m=80, spacing=10)
    assert set(mask.covariates.columns) == {"forest_cover", "prey_index", "in_park"}
    assert (mask.x < 155).all()  # the sea (land false) is left out
    assert mask.points["in_park"].to_numpy().tolist() == shapely.contains_xy(park, mask.x, mask.y).tolist()
    assert mask.points["in_park"].sum() == 7 * 12  # 10 m cells with centres inside the 70 x 120 m park
    popn = sim_popn(make_mask(grid, buffer_m=80), density=30, seed=91)
    popn["sex"] = np.where(np.arange(len(popn)) % 2 == 0, "female", "male")
    sig = np.where(popn["sex"] == "female", 10.0, 20.0)
    ch = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=sig, noccasions=5, seed=92)
    buffer = secr.suggest_buffer(ch)
    assert buffer % 500 == 0 and buffer >= 3 * 1.2 * secr.rpsv(ch)
    assert secr.mask_from_study(study, ch, spacing=10).buffer == buffer
    with pytest.raises(ValueError, match="give buffer"):
        secr.mask_from_study(study, grid)


def _toy_truth() -> dict:
    inds = [
        {"species": "leopard", "sex": "female", "cub": False, "ac_x": 0.0, "ac_y": 0.0},
        {"species": "leopard", "sex": "male", "cub": False, "ac_x": 100.0, "ac_y": 0.0},
        {"species": "leopard", "sex": "female", "cub": False, "ac_x": 5000.0, "ac_y": 0.0},  # off the mask
        {"species": "leopard", "sex": "male", "cub": True, "ac_x": 0.0, "ac_y": 0.0},  # a cub: not counted
        {"species": "tiger", "sex": "male", "cub": False, "ac_x": 0.0, "ac_y": 0.0},
    ]
    params = {
        "leopard_sigma_female_m": 2000.0,
        "leopard_sigma_male_m": 3500.0,
        "leopard_lambda0": 0.02,
        "cameras_per_location": 2,
        "misidentified_share": 0.03,
        "unmatched_share": 0.10,
        "species": [{"key": "leopard", "trigger_probability": 0.85}],
    }
    return {"parameters": params, "individuals": inds}


def test_simulated_truth_counts_and_rates():
    points = pd.DataFrame({"x": [0.0, 100.0, 200.0], "y": 0.0, "in_park": [True, False, True]})
    mask = Mask(points, spacing=100.0)
    true = secr.simulated_truth(_toy_truth(), mask)["truth"]
    assert true["N in mask"] == 2 and true["N in region"] == 1
    assert true["N in mask (female)"] == 1 and true["N in region (male)"] == 0
    assert true["D per 100 km2"] == pytest.approx(2 / (mask.area / 10_000))
    assert true["sigma[male]"] == 3500.0
    assert true["lambda0 per station-day"] == pytest.approx(0.02 / 0.85 * (1 - 0.15**2))
    assert true["lambda0 identified"] == pytest.approx(0.02 / 0.85 * (1 - (1 - 0.85 * 0.87) ** 2))
    with pytest.raises(ValueError, match="no adult 'lynx'"):
        secr.simulated_truth(_toy_truth(), mask, species="lynx")


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


def test_sparse_multinomial_and_autoini_rate_match_direct_formulas(grid):
    from scipy.special import gammaln

    from nbtools.secr.start import _expected_per_animal

    counts = np.zeros((5, 3, 36), int)
    counts[0, 0, 0] = counts[1, 0, 0] = counts[2, 0, 0] = 1  # three identical histories
    counts[3, 1, 5] = 2
    counts[4, 1, 5] = 2  # two identical count histories
    lik = SECRLikelihood(
        counts, np.ones((36, 3)), "count", "HHN", grid.to_numpy(), grid.to_numpy(), 1.0, np.ones((36, 1))
    )
    assert lik.log_multinomial == pytest.approx(-gammaln(4) - gammaln(3))
    rng = np.random.default_rng(5)
    z = rng.random((36, 50))
    usage = rng.choice([0.0, 0.5, 1.0], size=(36, 4))
    h = 0.2 * z
    per_occ = usage.T @ h
    animals = (-np.expm1(-per_occ.sum(axis=0))).sum()
    direct = {
        "count": per_occ.sum(),
        "proximity": sum((-np.expm1(-h * usage[:, s][:, None])).sum() for s in range(4)),
        "multi": (-np.expm1(-per_occ)).sum(),
    }
    for detector, captures in direct.items():
        assert _expected_per_animal(0.2, z, detector, usage) == pytest.approx(captures / animals, rel=1e-12)


@pytest.mark.slow
def test_default_study_leopards_match_truth():
    """The default study: adults in the park and sigma by sex recovered (HHN, sigma by sex, D ~ 1).

    Tolerances: realised N in the park within 5 % of the 66 adults with centres in the park and its
    interval covers them; sigma within 3 % (females) and 5 % (males: misidentified photographs
    within an animal's range, which the 10 km screen keeps, widen it by about 3 %); lambda0 within
    10 % of the rate of identified events; 90 % of the detections set aside as suspect were truly
    misidentified.
    """
    import json

    from nbtools.catalog import DATA_DIR, open_catalog
    from nbtools.study import Study

    cat = open_catalog("leopard")
    study = Study.from_catalog(cat)
    ch = secr.capthist_from_study(study, SPECIES, deployment_groups="array:grid", max_gap_m=10_000)
    assert ch.n == 70 and ch.ntraps == 213 and ch.noccasions == 365
    assert set(ch.covariates["sex"]) == {"female", "male"}
    mask = secr.mask_from_study(study, ch, spacing=1000)
    assert len(mask) > 4000 and mask.points["in_park"].any()
    fit = secr_fit(ch, mask=mask, detectfn="HHN", group="sex", progress=False)
    assert fit.converged
    truth = json.loads((DATA_DIR / cat.metadata["truth"]).read_text())
    true = secr.simulated_truth(truth, mask)
    assert true.loc["N in region", "truth"] == 66
    table = secr.truth_comparison(fit, true)
    n_park = table.loc["N in region"]
    assert abs(n_park["estimate"] / n_park["truth"] - 1) < 0.05 and n_park["covered"]
    assert abs(table.loc["sigma[female]", "ratio"] - 1) < 0.03
    assert abs(table.loc["sigma[male]", "ratio"] - 1) < 0.05
    assert abs(table.loc["lambda0", "ratio"] - 1) < 0.10
    # the screen: set-aside detections are misidentifications in truth
    wrong = pd.DataFrame(truth["identification"]["misidentified"])
    obs = study.observations
    obs = obs[obs["eventID"].isin(wrong["eventID"]) & (obs["observationLevel"] == "event")]
    obs = obs.merge(study.deployments[["deploymentID", "locationID"]], on="deploymentID")
    flagged = ch.dropped[ch.dropped["reason"] == secr.study.SUSPECT]
    hits = flagged.merge(obs, on=["locationID", "individualID", "eventStart"], how="inner")
    assert len(flagged) > 50 and len(hits) >= 0.9 * len(flagged)
