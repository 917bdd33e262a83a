"""Tests of nbtools.occupancy against unmarked (R) and against simulations with known truth.

Reference values: tests/data/reference/README.md (unmarked 1.5.0 on the vignette's frog2001pcru.csv)
and unmarked's own tests/testthat/test_occu.R (the 5 x 2 covariate example). Tolerances are stated
at each assertion: ``method="BFGS"`` replays R's optim and is held to 1e-7 (estimates) and 1e-5
(SEs); the default exact-Newton MLE is held to R's own stopping tolerance (see test docstrings).
"""

from __future__ import annotations

import doctest
import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import special

import nbtools.occupancy as occupancy
from nbtools.occupancy import (
    OccupancyDataError,
    OccupancyError,
    OccupancyFitError,
    OccupancyWarning,
    apply_standardisation,
    mb_chisq,
    mb_gof_test,
    model_selection,
    occu,
    occu_rn,
    predict,
    predict_raster,
    ranef,
    standardise,
)

REFERENCE = Path(__file__).parent / "data" / "reference"

# unmarked 1.5.0, R 4.2.2 (tests/data/reference/README.md)
R_NULL = {
    "coef": [2.9520890372047184, -0.2490075968044281],
    "se": [1.4376795846370782, 0.16953129102119094],
    "nll": 228.50207926414092,
    "aic": 461.00415852828183,
}
R_COV = {
    "coef": [1.5373037361647617, 0.20977101899901307, -0.08554601095437772, -1.8936154161693597],
    "se_psi": 0.2921264949605164,
    "aic": 356.7591431065949,
    "psi": 0.8230724259014242,
}


# --------------------------------------------------------------------------------------------------
# data builders
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def frog() -> tuple[pd.DataFrame, pd.DataFrame]:
    """frog2001pcru.csv arranged as csvToUMF(long = TRUE) does, observation covariates scaled."""
    d = pd.read_csv(REFERENCE / "unmarked-frog2001pcru.csv")
    d = d.sort_values(["RouteNumStopNum", "JulianDate"], kind="stable")
    d["visit"] = d.groupby("RouteNumStopNum").cumcount()
    sites = np.sort(d["RouteNumStopNum"].unique())
    full = pd.MultiIndex.from_product([sites, range(3)], names=["site", "visit"])
    long = d.set_index(["RouteNumStopNum", "visit"]).reindex(full)
    y = long["Pcru"].unstack("visit")
    obs = long[["MinAfterSunset", "Wind", "Sky", "Temperature"]].reset_index(drop=True)
    scaled, _, _ = standardise(obs)
    assert y.shape == (130, 3) and int(y.isna().sum().sum()) == 390 - 337
    return y, scaled


def fit_quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OccupancyWarning)
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def frog_fits(frog):
    y, obs = frog
    return {
        (form, method): fit_quietly(occu, form, y, obs_covs=obs, method=method)
        for form in ("~ 1 ~ 1", "~ MinAfterSunset + Temperature ~ 1")
        for method in ("newton", "BFGS")
    }


def unmarked_test_occu_data():
    """unmarked tests/testthat/test_occu.R: y = matrix(rep(0:1, 10)[1:10], 5, 2), x, o1, o2."""
    y = np.tile([0.0, 1.0], 5)[:10].reshape(2, 5).T  # R fills column-major
    site = pd.DataFrame({"x": [0.0, 2, 3, 4, 1]})
    obs = pd.DataFrame({"o1": np.arange(1.0, 11.0), "o2": np.exp(np.arange(-5.0, 5.0)) / 10})  # site-major
    return y, site, obs


def simulate_occupancy(
    seed: int, n: int = 400, J: int = 6, beta=(0.3, 0.9, -0.6), alpha=(-0.5, 0.8), missing: float = 0.1
):
    rng = np.random.default_rng(seed)
    site = pd.DataFrame({"forest": rng.normal(size=n), "elev": rng.normal(size=n)})
    effort = rng.normal(size=(n, J))
    psi = special.expit(beta[0] + beta[1] * site["forest"].to_numpy() + beta[2] * site["elev"].to_numpy())
    p = special.expit(alpha[0] + alpha[1] * effort)
    z = rng.random(n) < psi
    y = (rng.random((n, J)) < p * z[:, None]).astype(float)
    y[rng.random((n, J)) < missing] = np.nan
    return y, site, {"effort": effort}, z


def fd_derivatives(fit, shift: float = 0.1, eps: float = 1e-5):
    """Analytic and central-difference gradient/Hessian of the nll at estimates + shift."""
    lik = fit._lik()
    theta = fit._theta + shift
    f, g = lik.nll_grad(theta)
    H = lik.hessian(theta)
    g_fd = np.empty_like(theta)
    H_fd = np.empty_like(H)
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = eps
        g_fd[k] = (lik.nll_grad(theta + e)[0] - lik.nll_grad(theta - e)[0]) / (2 * eps)
        H_fd[:, k] = (lik.nll_grad(theta + e)[1] - lik.nll_grad(theta - e)[1]) / (2 * eps)
    return g, g_fd, H, H_fd


# --------------------------------------------------------------------------------------------------
# unmarked's vignette example (frog2001pcru)
# --------------------------------------------------------------------------------------------------
def test_frog_likelihood_at_R_estimates_is_R_negloglike(frog_fits):
    """Same data, same likelihood: our nll at unmarked's estimates equals its negLogLike (abs 1e-9)."""
    null = frog_fits[("~ 1 ~ 1", "newton")]
    cov = frog_fits[("~ MinAfterSunset + Temperature ~ 1", "newton")]
    assert occupancy._nll_only(null._lik(), np.array(R_NULL["coef"])) == pytest.approx(R_NULL["nll"], abs=1e-9)
    assert 2 * occupancy._nll_only(cov._lik(), np.array(R_COV["coef"])) + 8 == pytest.approx(R_COV["aic"], abs=1e-9)


def test_frog_null_model_BFGS_reproduces_unmarked(frog_fits):
    """method='BFGS' replays R's optim: estimates to 1e-7 relative, SEs to 1e-5, nll/AIC to 1e-10."""
    fit = frog_fits[("~ 1 ~ 1", "BFGS")]
    assert list(fit.coef.index) == ["psi(Int)", "p(Int)"]
    np.testing.assert_allclose(fit.coef, R_NULL["coef"], rtol=1e-7)
    np.testing.assert_allclose(fit.se, R_NULL["se"], rtol=1e-5)
    assert fit.nll == pytest.approx(R_NULL["nll"], rel=1e-10)
    assert fit.aic == pytest.approx(R_NULL["aic"], rel=1e-10)
    assert fit.n_sites == 130 and fit.n_surveys == 337 and fit.boundary == ()


def test_frog_covariate_model_BFGS_reproduces_unmarked(frog_fits):
    """Coefficients 1e-7, psi SE 1e-5, AIC 1e-10, predicted psi 1e-8 (all relative)."""
    fit = frog_fits[("~ MinAfterSunset + Temperature ~ 1", "BFGS")]
    assert list(fit.coef.index) == ["psi(Int)", "p(Int)", "p(MinAfterSunset)", "p(Temperature)"]
    np.testing.assert_allclose(fit.coef, R_COV["coef"], rtol=1e-7)
    assert fit.se["psi(Int)"] == pytest.approx(R_COV["se_psi"], rel=1e-5)
    assert fit.aic == pytest.approx(R_COV["aic"], rel=1e-10)
    pred = predict(fit, pd.DataFrame(index=[0]), type="state")
    assert pred["Predicted"].iloc[0] == pytest.approx(R_COV["psi"], rel=1e-8)


def test_frog_newton_is_the_MLE_within_Rs_stopping_tolerance(frog_fits):
    """The default exact-Newton fit reaches a lower nll than R's optim, within R's reltol.

    R's BFGS stops when an iteration gains less than reltol * |nll| = 1.5e-8 * 228 = 3.4e-6, so
    its nll may exceed the minimum by a few 1e-6 and, on this flat likelihood (psi near 0.95),
    its psi(Int) differs from the MLE by 0.18 % (0.004 SE). Asserted: nll <= R's nll, nll within
    1e-5 of R's, every estimate within 0.01 SE of R's, AIC 1e-7 relative, predicted psi 1e-5
    relative, psi SE of the covariate model 1e-3 relative.
    """
    null = frog_fits[("~ 1 ~ 1", "newton")]
    assert null.nll <= R_NULL["nll"] + 1e-12
    assert null.nll == pytest.approx(R_NULL["nll"], abs=1e-5)
    assert np.all(np.abs(null.coef - R_NULL["coef"]) < 0.01 * null.se)
    assert null.converged and np.linalg.norm(null._lik().nll_grad(null._theta)[1]) < 1e-6
    cov = frog_fits[("~ MinAfterSunset + Temperature ~ 1", "newton")]
    assert cov.nll <= R_COV["aic"] / 2 - 4 + 1e-12
    assert np.all(np.abs(cov.coef - R_COV["coef"]) < 0.01 * cov.se)
    assert cov.aic == pytest.approx(R_COV["aic"], rel=1e-7)
    assert cov.se["psi(Int)"] == pytest.approx(R_COV["se_psi"], rel=1e-3)
    assert predict(cov).iloc[0]["Predicted"] == pytest.approx(R_COV["psi"], rel=1e-5)


def test_exact_hessian_at_R_estimates_gives_Rs_standard_errors(frog_fits):
    """The analytic Hessian evaluated at unmarked's estimates reproduces its SEs to 1e-5 relative
    (unmarked differentiates numerically with step 1e-3)."""
    null = frog_fits[("~ 1 ~ 1", "newton")]
    se = np.sqrt(np.diag(np.linalg.inv(null._lik().hessian(np.array(R_NULL["coef"])))))
    np.testing.assert_allclose(se, R_NULL["se"], rtol=1e-5)
    cov = frog_fits[("~ MinAfterSunset + Temperature ~ 1", "newton")]
    se = np.sqrt(np.diag(np.linalg.inv(cov._lik().hessian(np.array(R_COV["coef"])))))
    assert se[0] == pytest.approx(R_COV["se_psi"], rel=1e-5)


def test_frog_truncation_and_missing_visits_are_reported(frog):
    y, obs = frog
    with pytest.warns(OccupancyWarning, match="115 value"):
        fit = occu("~ 1 ~ 1", y)
    assert any("truncated to 1" in n for n in fit.notes)
    assert any("53 of 390" in n for n in fit.notes)
    assert fit.dropped_sites == ()


def test_model_selection_table(frog_fits):
    null = frog_fits[("~ 1 ~ 1", "newton")]
    cov = frog_fits[("~ MinAfterSunset + Temperature ~ 1", "newton")]
    table = model_selection({"null": null, "cov": cov})
    assert list(table.columns) == ["nPars", "AIC", "delta", "AICwt", "cumltvWt"]
    assert list(table.index) == ["cov", "null"]
    assert table["nPars"].tolist() == [4, 2]
    assert table.loc["null", "delta"] == pytest.approx(null.aic - cov.aic, rel=1e-12)
    w = np.exp(-0.5 * np.array([0.0, null.aic - cov.aic]))
    np.testing.assert_allclose(table["AICwt"], w / w.sum(), rtol=1e-12)
    assert table["cumltvWt"].iloc[-1] == pytest.approx(1.0)
    by_formula = model_selection([null, cov])
    assert by_formula.index[0] == cov.formula


def test_model_selection_refuses_different_data(frog_fits):
    y, _, _, _ = simulate_occupancy(1, n=50, J=3)
    other = fit_quietly(occu, "~ 1 ~ 1", y)
    with pytest.raises(OccupancyError, match="different detection data"):
        model_selection({"frog": frog_fits[("~ 1 ~ 1", "newton")], "sim": other})


# --------------------------------------------------------------------------------------------------
# unmarked's tests/testthat/test_occu.R
# --------------------------------------------------------------------------------------------------
def logistic_regression(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Plain IRLS, independent of nbtools: coefficients and log-likelihood."""
    b = np.zeros(X.shape[1])
    for _ in range(100):
        p = special.expit(X @ b)
        step = np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]), X.T @ (y - p))
        b += step
        if np.abs(step).max() < 1e-13:
            break
    p = special.expit(X @ b)
    return b, float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))


def test_unmarked_covariate_example_flags_psi_on_the_boundary():
    """Every site has a detection, so psi -> 1: detection is a logistic regression of y on o1, o2.

    unmarked's test: p coefficients 0.44457, -0.14706, 0.44103 (asserted to 1e-3 absolute),
    getP[1:2, 1:2] = 0.5739, 0.5014, 0.5377, 0.4656 (1e-3), linearComb(det, c(1, .3, -.3))
    back-transformed 0.5666381 (1e-4). psi >= 0.999 at every site, psi(Int) and psi(x) flagged
    on the boundary with SE NaN, and the log-likelihood equals an independent logistic
    regression's to 1e-6.
    """
    y, site, obs = unmarked_test_occu_data()
    with pytest.warns(OccupancyWarning, match="boundary: psi\\(Int\\), psi\\(x\\)"):
        fit = occu("~ o1 + o2 ~ x", y, site, obs, method="newton")  # the exact MLE on the boundary
    np.testing.assert_allclose(fit.det, [0.44457, -0.14706, 0.44103], atol=1e-3)
    assert (predict(fit)["Predicted"] >= 0.999).all()
    assert fit.boundary == ("psi(Int)", "psi(x)")
    assert fit.se[["psi(Int)", "psi(x)"]].isna().all() and fit.se.iloc[2:].notna().all()
    assert fit.to_frame()["boundary"].tolist() == [True, True, False, False, False]
    X = np.column_stack([np.ones(10), obs["o1"], obs["o2"]])
    b, ll = logistic_regression(X, y.reshape(-1))
    np.testing.assert_allclose(fit.det, b, atol=1e-5)
    assert fit.loglik == pytest.approx(ll, abs=1e-6)
    p = predict(fit, type="det")["Predicted"].to_numpy().reshape(5, 2)
    np.testing.assert_allclose(p[:2, :2].T.ravel(), [0.5739, 0.5014, 0.5377, 0.4656], atol=1e-3)
    lc = predict(fit, pd.DataFrame({"o1": [0.3], "o2": [-0.3]}), type="det")
    assert lc["Predicted"].iloc[0] == pytest.approx(0.5666381, abs=1e-4)
    assert np.isfinite(lc["SE"].iloc[0])
    assert predict(fit)["SE"].isna().all()  # psi depends on boundary parameters only
    assert "boundary" in repr(fit)


def test_unmarked_covariate_example_BFGS_stops_where_unmarked_stops():
    """R's optim stops at psi ~ 1 - 2e-4: coefficients 8.590737, 2.472220 (unmarked, tolerance 1e-4
    relative as in its test); still flagged on the boundary (judged at the exact MLE)."""
    y, site, obs = unmarked_test_occu_data()
    fit = fit_quietly(occu, "~ o1 + o2 ~ x", y, site, obs, method="BFGS")
    np.testing.assert_allclose(fit.state, [8.590737, 2.472220], rtol=1e-4)
    np.testing.assert_allclose(fit.det, [0.44457, -0.14706, 0.44103], rtol=1e-4)
    assert fit.boundary == ("psi(Int)", "psi(x)")


def test_unmarked_missing_covariates_raise_or_drop_as_unmarked():
    """Default: a clear error naming the covariate and site. na_action='drop' drops them as
    unmarked does; with method='BFGS' the coefficients match unmarked's test to 1e-5."""
    y, site, obs = unmarked_test_occu_data()
    site.loc[2, "x"] = np.nan
    with pytest.raises(OccupancyDataError, match=r"site covariate 'x' is missing .* site\(s\): 2"):
        occu("~ o1 + o2 ~ x", y, site, obs)
    fit = fit_quietly(occu, "~ o1 + o2 ~ x", y, site, obs, na_action="drop", method="BFGS")
    assert fit.dropped_sites == (2,)
    np.testing.assert_allclose(fit.coef, [8.70123, 4.58255, 0.66243, -0.22862, 0.58192], rtol=1e-5)
    obs.loc[9, "o2"] = np.nan  # site 5, occasion 2
    complete_site = unmarked_test_occu_data()[1]
    with pytest.raises(OccupancyDataError, match=r"'o2' is missing .*\(4, 1\)"):
        occu("~ o1 + o2 ~ x", y, complete_site, obs, na_action="raise")
    fit = fit_quietly(occu, "~ o1 + o2 ~ x", y, site, obs, na_action="drop", method="BFGS")
    assert any("dropped from the likelihood" in note for note in fit.notes)
    np.testing.assert_allclose(fit.coef, [8.91289, 1.89291, -1.42471, 0.67011, -8.44608], rtol=1e-5)
    assert fit.n_surveys == 7


def test_all_ones_history_puts_psi_and_p_on_the_boundary():
    with pytest.warns(OccupancyWarning, match="boundary"):
        fit = occu("~ 1 ~ 1", np.ones((5, 2)))
    assert fit.boundary == ("psi(Int)", "p(Int)")
    assert special.expit(fit.coef).min() > 1 - 1e-6
    assert fit.loglik == pytest.approx(0.0, abs=1e-5)
    assert fit.se.isna().all() and fit.converged


def test_no_detection_at_all_is_an_error():
    with pytest.raises(OccupancyDataError, match="no detection at all"):
        occu("~ 1 ~ 1", np.zeros((5, 2)))


# --------------------------------------------------------------------------------------------------
# input checks and messages
# --------------------------------------------------------------------------------------------------
def test_clear_errors_name_what_and_where():
    y, site, obs, _ = simulate_occupancy(3, n=40, J=4, missing=0.0)
    labelled = pd.DataFrame(y, index=[f"S{i:02d}" for i in range(40)])
    with pytest.raises(OccupancyDataError, match="double formula"):
        occu("~ forest", y, site)
    with pytest.raises(OccupancyDataError, match="'altitude' in the state formula"):
        occu("~ 1 ~ altitude", y, site)
    with pytest.raises(OccupancyDataError, match="'effort' .* observation covariate; the state formula"):
        occu("~ 1 ~ effort", y, site, obs)
    with pytest.raises(OccupancyDataError, match="'wind' in the detection formula"):
        occu("~ wind ~ 1", y, site, obs)
    bad = obs["effort"].copy()
    bad[5, 2] = np.nan
    with pytest.raises(OccupancyDataError, match=r"'effort' is missing .*\('S05', 2\)"):
        occu("~ effort ~ 1", labelled, site, {"effort": bad})
    bad_y = y.copy()
    bad_y[1, 1] = 2.5
    with pytest.raises(OccupancyDataError, match="non-integer"):
        occu("~ 1 ~ 1", bad_y)
    with pytest.raises(OccupancyDataError, match="160 rows"):
        occu("~ effort ~ 1", y, site, pd.DataFrame({"effort": np.zeros(10)}))
    with pytest.raises(OccupancyDataError, match="starts has 1 values"):
        occu("~ 1 ~ 1", y, starts=[0.0])
    with pytest.raises(OccupancyDataError, match="linkPsi"):
        occu("~ 1 ~ 1", y, link="probit")


def test_unsurveyed_sites_are_dropped_and_reported():
    y, site, obs, _ = simulate_occupancy(4, n=40, J=4, missing=0.0)
    y[[3, 7]] = np.nan
    labelled = pd.DataFrame(y, index=[f"S{i:02d}" for i in range(40)])
    with pytest.warns(OccupancyWarning, match="2 site\\(s\\) with no surveyed occasion .*'S03', 'S07'"):
        fit = occu("~ effort ~ forest", labelled, site, obs)
    assert fit.dropped_sites == ("S03", "S07") and fit.n_sites == 38
    assert "S03" not in predict(fit).index


def test_singular_hessian_names_the_parameters():
    y, site, obs, _ = simulate_occupancy(5, n=60, J=4)
    with pytest.raises(OccupancyFitError, match=r"'psi\(forest\)', 'psi\(double\)' are not identifiable"):
        occu("~ 1 ~ forest + double", y, site.assign(double=2 * site["forest"]))
    with pytest.raises(OccupancyFitError, match=r"'psi\(Int\)', 'psi\(one\)'"):
        occu("~ 1 ~ one", y, site.assign(one=1.0))
    with pytest.raises(OccupancyFitError, match=r"does not depend on 'p\(zero\)'"):
        occu("~ zero ~ 1", y, site, {"zero": np.zeros_like(obs["effort"])})


def test_site_covariates_align_by_label():
    y, site, obs, _ = simulate_occupancy(6, n=50, J=4)
    labels = [f"S{i:02d}" for i in range(50)]
    labelled = pd.DataFrame(y, index=labels)
    shuffled = site.set_axis(labels).sample(frac=1.0, random_state=1)
    a = fit_quietly(occu, "~ effort ~ forest", labelled, shuffled, obs)
    b = fit_quietly(occu, "~ effort ~ forest", y, site, obs)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)


def test_long_layout_and_dict_of_matrices_agree():
    y, site, obs, _ = simulate_occupancy(7, n=80, J=5)
    long = pd.DataFrame({"effort": obs["effort"].reshape(-1)})  # site-major, as unmarked
    a = fit_quietly(occu, "~ effort ~ forest", y, site, long)
    b = fit_quietly(occu, "~ effort ~ forest", y, site, obs)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-12)


# --------------------------------------------------------------------------------------------------
# likelihood derivatives and simulation recovery
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model, link", [("occu", "logit"), ("occu", "cloglog"), ("occuRN", "log")])
def test_analytic_gradient_and_hessian_match_finite_differences(model, link):
    """Exact derivatives (Louis' identity) against central differences: 1e-6 relative."""
    y, site, obs, _ = simulate_occupancy(8, n=120, J=5)
    if model == "occu":
        fit = fit_quietly(occu, "~ effort + forest ~ forest + elev", y, site, obs, link=link)
    else:
        fit = fit_quietly(occu_rn, "~ effort + forest ~ forest + elev", y, site, obs, K=15)
    g, g_fd, H, H_fd = fd_derivatives(fit)
    np.testing.assert_allclose(g, g_fd, rtol=1e-6, atol=1e-6 * np.abs(g).max())
    np.testing.assert_allclose(H, H_fd, rtol=1e-6, atol=1e-6 * np.abs(H).max())


def test_simulation_recovers_the_truth():
    """n = 600 sites, 6 occasions, 10 % missing: every estimate within 3.5 SE of the truth."""
    truth = np.array([0.3, 0.9, -0.6, -0.5, 0.8])
    y, site, obs, _ = simulate_occupancy(2024, n=600, J=6)
    fit = fit_quietly(occu, "~ effort ~ forest + elev", y, site, obs)
    assert fit.converged and fit.boundary == ()
    assert np.all(np.abs(fit.coef.to_numpy() - truth) < 3.5 * fit.se.to_numpy())
    table = fit.to_frame()
    inside = (table["lower"] < truth) & (truth < table["upper"])
    assert inside.sum() >= 4  # 95 % Wald intervals


def test_cloglog_link_recovers_the_truth():
    rng = np.random.default_rng(11)
    n, J = 800, 4
    x = rng.normal(size=n)
    psi = -np.expm1(-np.exp(-0.3 + 0.7 * x))
    z = rng.random(n) < psi
    y = (rng.random((n, J)) < 0.5 * z[:, None]).astype(float)
    fit = fit_quietly(occu, "~ 1 ~ x", y, pd.DataFrame({"x": x}), link="cloglog")
    assert np.all(np.abs(fit.coef.to_numpy() - [-0.3, 0.7, 0.0]) < 3.5 * fit.se.to_numpy())
    pred = predict(fit, pd.DataFrame({"x": [0.0]}))
    assert pred["Predicted"].iloc[0] == pytest.approx(-np.expm1(-np.exp(fit.coef["psi(Int)"])), rel=1e-12)


def test_royle_nichols_recovers_the_truth():
    rng = np.random.default_rng(12)
    n, J = 500, 6
    x = rng.normal(size=n)
    lam = np.exp(0.2 + 0.5 * x)
    N = rng.poisson(lam)
    r = 0.3
    y = (rng.random((n, J)) < -np.expm1(N[:, None] * np.log1p(-r))).astype(float)
    fit = fit_quietly(occu_rn, "~ 1 ~ x", y, pd.DataFrame({"x": x}))
    assert fit.model == "occuRN" and list(fit.coef.index) == ["lam(Int)", "lam(x)", "p(Int)"]
    assert np.all(np.abs(fit.coef.to_numpy() - [0.2, 0.5, special.logit(r)]) < 3.5 * fit.se.to_numpy())
    post = ranef(fit)
    assert np.all((post["mean"] >= 0) & (post["mean"] <= fit.K))
    detected = np.nansum(y, axis=1) > 0
    assert np.allclose(post.loc[detected, "P(N>0|y)"], 1.0)
    assert np.corrcoef(post["mean"], N)[0, 1] > 0.5


def test_interval_covers_share_of_occupied_stations_and_signs_are_recovered():
    """Over 30 seeded camera-trap-sized studies (60 stations, 10 occasions), the 95 % interval of
    the mean psi over stations (delta method on the logit scale) covers the realised share of
    occupied stations in >= 85 % of studies, and the signs of the habitat effects are recovered
    in >= 90 %."""
    covered, signs = [], []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n, J = 60, 10
        site = pd.DataFrame({"forest": rng.normal(size=n), "elev": rng.normal(size=n)})
        psi = special.expit(0.2 + 1.0 * site["forest"].to_numpy() - 0.8 * site["elev"].to_numpy())
        z = rng.random(n) < psi
        y = (rng.random((n, J)) < 0.25 * z[:, None]).astype(float)
        fit = fit_quietly(occu, "~ 1 ~ forest + elev", y, site)
        X = fit._design.X
        ps = special.expit(X @ fit.state.to_numpy())
        share = ps.mean()
        grad = (ps * (1 - ps)) @ X / n
        se = np.sqrt(grad @ fit.vcov.to_numpy()[:3, :3] @ grad) / (share * (1 - share))
        lo, hi = special.expit(special.logit(share) + np.array([-1.96, 1.96]) * se)
        covered.append(lo <= z.mean() <= hi)
        signs.append((fit.coef["psi(forest)"] > 0, fit.coef["psi(elev)"] < 0))
    assert np.mean(covered) >= 0.85
    assert np.all(np.mean(signs, axis=0) >= 0.9)


# --------------------------------------------------------------------------------------------------
# predictions, conditional occupancy, rasters
# --------------------------------------------------------------------------------------------------
def test_predict_is_the_delta_method_with_link_scale_intervals():
    y, site, obs, _ = simulate_occupancy(13, n=200, J=5)
    fit = fit_quietly(occu, "~ effort ~ forest + elev", y, site, obs)
    new = pd.DataFrame({"forest": [-1.0, 0.5], "elev": [0.2, 1.5]}, index=["a", "b"])
    pred = predict(fit, new, level=0.9)
    X = np.column_stack([np.ones(2), new["forest"], new["elev"]])
    lp = X @ fit.state.to_numpy()
    se_lp = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.vcov.iloc[:3, :3].to_numpy(), X))
    psi = special.expit(lp)
    np.testing.assert_allclose(pred["Predicted"], psi, rtol=1e-12)
    np.testing.assert_allclose(pred["SE"], psi * (1 - psi) * se_lp, rtol=1e-12)
    np.testing.assert_allclose(pred["lower"], special.expit(lp - 1.6448536269514722 * se_lp), rtol=1e-10)
    np.testing.assert_allclose(pred["upper"], special.expit(lp + 1.6448536269514722 * se_lp), rtol=1e-10)
    assert list(pred.index) == ["a", "b"]
    det = predict(fit, type="det")
    assert det.index.names == ["site", "occasion"] and len(det) == fit.n_surveys
    with pytest.raises(OccupancyDataError, match="lacks the state covariate"):
        predict(fit, pd.DataFrame({"forest": [0.0]}))
    with pytest.raises(OccupancyDataError, match="missing \\(NaN\\) 'elev'"):
        predict(fit, pd.DataFrame({"forest": [0.0], "elev": [np.nan]}))


def test_predict_with_factors_rejects_unseen_levels():
    y, site, _, _ = simulate_occupancy(14, n=120, J=4)
    site["habitat"] = np.random.default_rng(0).choice(["oak", "pine", "fir"], 120)
    fit = fit_quietly(occu, "~ 1 ~ habitat", y, site)
    a = predict(fit, pd.DataFrame({"habitat": ["pine", "oak"]}))
    b = predict(fit, pd.DataFrame({"habitat": ["oak", "pine"]}))
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy()[::-1], rtol=1e-12)
    with pytest.raises(OccupancyDataError, match="not seen"):
        predict(fit, pd.DataFrame({"habitat": ["larch"]}))


def test_ranef_is_the_conditional_occupancy():
    y, site, obs, _ = simulate_occupancy(15, n=150, J=4)
    fit = fit_quietly(occu, "~ effort ~ forest", y, site, obs)
    post = ranef(fit)
    psi = predict(fit)["Predicted"].to_numpy()
    p = predict(fit, type="det")["Predicted"]
    miss = p.groupby(level="site").apply(lambda s: np.prod(1 - s.to_numpy())).reindex(fit.sites).to_numpy()
    detected = np.nansum(fit.y.to_numpy(), axis=1) > 0
    expected = np.where(detected, 1.0, psi * miss / (psi * miss + 1 - psi))
    np.testing.assert_allclose(post["mean"], expected, rtol=1e-10)
    np.testing.assert_allclose(post["psi"], psi, rtol=1e-12)
    assert set(post["mode"]) <= {0, 1}


def test_predict_raster_maps_psi_over_a_habitat_grid():
    rng = np.random.default_rng(16)
    xs = np.arange(500_000.0, 520_000.0, 1000.0)
    ys = np.arange(4_800_000.0, 4_815_000.0, 1000.0)
    gx, gy = np.meshgrid(xs, ys)
    forest = 50 + 30 * np.sin(gx / 3000.0)
    elevation = 200 + (gy - ys[0]) / 40
    forest[0, :3] = np.nan  # outside the park
    habitat = xr.Dataset(
        {"forest": (("y", "x"), forest), "elevation": (("y", "x"), elevation)},
        coords={"x": xs, "y": ys},
    )
    n = 80
    ix, iy = rng.integers(3, xs.size, n), rng.integers(1, ys.size, n)
    stations = pd.DataFrame({"forest": forest[iy, ix], "elevation": elevation[iy, ix]})
    scaled, means, sds = standardise(stations)
    z = rng.random(n) < special.expit(0.3 + 1.2 * scaled["forest"].to_numpy())
    y = (rng.random((n, 6)) < 0.4 * z[:, None]).astype(float)
    fit = fit_quietly(occu, "~ 1 ~ forest + elevation", y, scaled)
    out = predict_raster(fit, habitat, (means, sds))
    assert set(out.data_vars) == {"Predicted", "SE", "lower", "upper"}
    assert out["Predicted"].dims == ("y", "x") and np.array_equal(out["x"], xs)
    assert np.isnan(out["Predicted"].values[0, :3]).all() and np.isfinite(out["Predicted"].values[1:]).all()
    cell = apply_standardisation(pd.DataFrame({"forest": [forest[4, 7]], "elevation": [elevation[4, 7]]}), means, sds)
    expected = predict(fit, cell)
    for name in ("Predicted", "SE", "lower", "upper"):
        assert float(out[name].values[4, 7]) == pytest.approx(expected[name].iloc[0], rel=1e-12)
    assert out.attrs["parameter"] == "psi"
    with pytest.raises(OccupancyDataError, match="lack 'elevation'"):
        predict_raster(fit, habitat[["forest"]], (means, sds))


def test_standardise_matches_R_scale():
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": ["x", "y", "x", "y"]})
    scaled, means, sds = standardise(frame)
    assert list(means.index) == ["a"] and means["a"] == pytest.approx(7 / 3)
    assert sds["a"] == pytest.approx(np.std([1.0, 2.0, 4.0], ddof=1))
    assert np.isnan(scaled["a"].iloc[2]) and scaled["b"].tolist() == ["x", "y", "x", "y"]
    np.testing.assert_allclose(apply_standardisation(frame, means, sds)["a"], scaled["a"])
    with pytest.raises(OccupancyDataError, match="constant"):
        standardise(pd.DataFrame({"c": [1.0, 1.0, 1.0]}))


# --------------------------------------------------------------------------------------------------
# MacKenzie-Bailey goodness of fit
# --------------------------------------------------------------------------------------------------
def brute_force_mb_chisq(fit) -> float:
    """sum (O - E)^2 / E over every possible history of every missing-value cohort, by enumeration."""
    Y = fit.y.to_numpy()
    psi = predict(fit)["Predicted"].to_numpy()
    p = np.full(Y.shape, np.nan)
    det = predict(fit, type="det")["Predicted"]
    for (s, o), v in det.items():
        p[fit.sites.get_loc(s), fit.occasions.get_loc(o)] = v
    surveyed = ~np.isnan(Y)
    total = 0.0
    for pattern in {tuple(row) for row in surveyed}:
        rows = np.flatnonzero((surveyed == pattern).all(axis=1))
        cols = np.flatnonzero(pattern)
        for h in itertools.product([0, 1], repeat=cols.size):
            h = np.array(h)
            ph = p[np.ix_(rows, cols)]
            prob = psi[rows] * np.prod(np.where(h == 1, ph, 1 - ph), axis=1) + (1 - psi[rows]) * (h.sum() == 0)
            expected = prob.sum()
            observed = np.sum((Y[np.ix_(rows, cols)] == h).all(axis=1))
            total += (observed - expected) ** 2 / expected
    return total


def test_mb_chisq_equals_enumeration_over_all_histories(frog_fits):
    """AICcmodavg's shortcut (observed histories + N - sum E) equals the full sum, 1e-9 relative."""
    fit = frog_fits[("~ MinAfterSunset + Temperature ~ 1", "newton")]
    result = mb_chisq(fit)
    assert result.chi_square == pytest.approx(brute_force_mb_chisq(fit), rel=1e-9)
    table = result.to_frame()
    assert table["observed"].sum() == fit.n_sites
    assert {"111", "1..", "11."} == set(table["cohort"])
    assert "0NANA" in set(table["history"])


def test_mb_gof_test_is_seeded_and_detects_frog_overdispersion(frog_fits):
    fit = frog_fits[("~ MinAfterSunset + Temperature ~ 1", "newton")]
    a = mb_gof_test(fit, nsim=40, seed=7, progress=False)
    b = mb_gof_test(fit, nsim=40, seed=7, progress=False)
    np.testing.assert_array_equal(a.t_star, b.t_star)
    assert a.n_failed == 0 and a.nsim == 40
    assert a.c_hat == pytest.approx(a.chi_square / a.t_star.mean(), rel=1e-12)
    assert a.p_value == pytest.approx(np.mean(a.t_star >= a.chi_square))
    assert a.p_value < 0.05 and a.c_hat > 2  # the single-visit cohort fits badly
    assert list(a.to_frame().columns) == ["chi_square", "p_value", "c_hat", "nsim", "n_failed"]


def test_mb_gof_test_accepts_a_correct_model():
    y, site, obs, _ = simulate_occupancy(17, n=150, J=4, missing=0.15)
    fit = fit_quietly(occu, "~ effort ~ forest + elev", y, site, obs)
    result = mb_gof_test(fit, nsim=60, seed=1, progress=False)
    assert result.p_value > 0.05 and 0.5 < result.c_hat < 1.5


def test_mb_gof_test_for_royle_nichols(frog):
    y, obs = frog
    fit = fit_quietly(occu_rn, "~ MinAfterSunset + Temperature ~ 1", y, obs_covs=obs)
    assert mb_chisq(fit).chi_square > 0
    result = mb_gof_test(fit, nsim=10, seed=3, progress=False)
    assert np.isfinite(result.t_star).all() and np.isfinite(result.c_hat)


# --------------------------------------------------------------------------------------------------
# other unmarked data sets: sanity checks
# --------------------------------------------------------------------------------------------------
def test_pfer_bin_occu_and_occuRN_give_finite_estimates():
    y = pd.read_csv(REFERENCE / "unmarked-frogs-pfer-bin.csv", index_col="site")
    fit = fit_quietly(occu, "~ 1 ~ 1", y)
    assert fit.boundary == ("psi(Int)",)  # 43 detections at 3 visits: psi -> 1
    assert special.expit(fit.coef["p(Int)"]) == pytest.approx(0.128, abs=0.01)
    with pytest.warns(OccupancyWarning, match="K=25 cuts off"):
        rn = occu_rn("~ 1 ~ 1", y)
    assert np.isfinite(rn.coef).all() and np.isfinite(rn.se).all() and rn.converged


def test_crossbill_with_covariates():
    data = pd.read_csv(REFERENCE / "unmarked-crossbill.csv")
    y = data[["det991", "det992", "det993"]].set_axis(data["id"])
    site, _, _ = standardise(data[["ele", "forest"]])
    dates = data[["date991", "date992", "date993"]].to_numpy(float)
    date = (dates - np.nanmean(dates)) / np.nanstd(dates, ddof=1)
    with pytest.warns(OccupancyWarning, match="22 site\\(s\\) with no surveyed occasion"):
        fit = occu("~ date + I(date**2) ~ ele + I(ele**2) + forest", y, site, {"date": date})
    assert fit.n_sites == 245 and len(fit.dropped_sites) == 22
    assert np.isfinite(fit.se).all() and fit.coef["psi(I(ele ** 2))"] < 0
    rn = fit_quietly(occu_rn, "~ date ~ ele + forest", y, site, {"date": date})
    assert np.isfinite(rn.coef).all() and np.isfinite(rn.se).all() and rn.converged


def test_docstring_examples():
    failures, _ = doctest.testmod(occupancy, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
