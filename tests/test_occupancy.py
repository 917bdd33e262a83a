"""Tests of nbtools.occupancy against unmarked (R) and against simulations with known truth.

Reference values: tests/data/reference/README.md (unmarked 1.5.0 on the vignette's frog2001pcru.csv)
and unmarked's own tests/testthat/test_occu.R (the 5 x 2 covariate example). Tolerances are stated
at each assertion: ``method="BFGS"`` (occu's default, the path that matches unmarked: it replays R's
optim as unmarked calls it) is held to 1e-7 (estimates) and 1e-5 (SEs, AIC, predicted psi) relative
or better; ``method="newton"`` (the exact MLE) is held to what R's own stopping rule allows, because
there R's printed numbers are not the MLE to 1e-5 (see test_frog_newton_is_the_MLE_within_Rs_stopping_tolerance).
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
    response_curve,
    standardise,
)
from nbtools.occupancy.likelihood import negative_loglik
from nbtools.occupancy.optimise import R_RELTOL
from nbtools.occupancy.rasters import focal_mean
from nbtools.simulate import leopard_season_use

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
    assert negative_loglik(null._lik(), np.array(R_NULL["coef"])) == pytest.approx(R_NULL["nll"], abs=1e-9)
    assert 2 * negative_loglik(cov._lik(), np.array(R_COV["coef"])) + 8 == pytest.approx(R_COV["aic"], abs=1e-9)


def test_frog_null_model_BFGS_reproduces_unmarked(frog, frog_fits):
    """The issue's 1e-5 comparison, on the unmarked-matching path method='BFGS' (occu's default,
    which replays R's optim as unmarked calls it): estimates 1e-7 relative, SEs 1e-5, nll/AIC 1e-10,
    predicted psi 1e-8 (it is expit(psi(Int)))."""
    y, obs = frog
    default = fit_quietly(occu, "~ 1 ~ 1", y, obs_covs=obs)
    assert default.method == "BFGS"  # the default is the unmarked-matching path
    fit = frog_fits[("~ 1 ~ 1", "BFGS")]
    np.testing.assert_array_equal(default.coef, fit.coef)
    assert list(fit.coef.index) == ["psi(Int)", "p(Int)"]
    np.testing.assert_allclose(fit.coef, R_NULL["coef"], rtol=1e-7)
    np.testing.assert_allclose(fit.se, R_NULL["se"], rtol=1e-5)
    assert fit.nll == pytest.approx(R_NULL["nll"], rel=1e-10)
    assert fit.aic == pytest.approx(R_NULL["aic"], rel=1e-10)
    psi = predict(fit, pd.DataFrame(index=[0]), type="state")["Predicted"].iloc[0]
    assert psi == pytest.approx(special.expit(R_NULL["coef"][0]), rel=1e-8)
    assert fit.n_sites == 130 and fit.n_surveys == 337 and fit.boundary == ()
    assert fit.converged and "reltol" in fit.convergence


def test_frog_covariate_model_BFGS_reproduces_unmarked(frog_fits):
    """method='BFGS' (the unmarked-matching path): coefficients 1e-7, psi SE 1e-5, AIC 1e-10,
    predicted psi 1e-8 (all relative)."""
    fit = frog_fits[("~ MinAfterSunset + Temperature ~ 1", "BFGS")]
    assert list(fit.coef.index) == ["psi(Int)", "p(Int)", "p(MinAfterSunset)", "p(Temperature)"]
    np.testing.assert_allclose(fit.coef, R_COV["coef"], rtol=1e-7)
    assert fit.se["psi(Int)"] == pytest.approx(R_COV["se_psi"], rel=1e-5)
    assert fit.aic == pytest.approx(R_COV["aic"], rel=1e-10)
    pred = predict(fit, pd.DataFrame(index=[0]), type="state")
    assert pred["Predicted"].iloc[0] == pytest.approx(R_COV["psi"], rel=1e-8)


def test_frog_newton_is_the_MLE_within_Rs_stopping_tolerance(frog_fits):
    """method='newton' reaches the MLE more precisely than R's optim does, so it cannot match
    unmarked's printed numbers to 1e-5: those numbers are not the MLE to 1e-5.

    R's BFGS stops when an iteration gains less than reltol * |nll| = 1.5e-8 * 228.5 = 3.4e-6. On
    this flat likelihood (psi near 0.95) that leaves it short of the maximum:

    ============  ===========================  ===========================  ====================
    model         log-likelihood at R's stop   log-likelihood at the MLE    gradient norm R/MLE
    ============  ===========================  ===========================  ====================
    ~ 1 ~ 1       -228.5020792641              -228.5020724914 (+6.8e-6)    3.9e-3 / 2.0e-7
    ~ MAS + T ~ 1 -174.3795715533              -174.3795714017 (+1.5e-7)    3.0e-3 / 7.3e-13
    ============  ===========================  ===========================  ====================

    At the MLE, ``~ 1 ~ 1`` has psi(Int) 2.95739 against R's 2.95209 (1.8e-3 relative, 0.004 SE),
    p(Int) 1.6e-3 relative off, SEs 7.9e-3 and 1.7e-3 relative off, predicted psi 2.6e-4 off,
    AIC 2.9e-8 off. The covariate model is closer (coefficients 1.5e-5 to 8.3e-4 relative, psi SE
    4.1e-5, predicted psi 4.2e-6, AIC 8.5e-10). A higher log-likelihood with a gradient 1e4 times
    smaller means the Newton fit is the better maximiser: the differences are R's stopping error
    (R stops once a single iteration gains less than 3.4e-6, which here leaves it 6.8e-6 short), so
    the issue's 1e-5 comparison is made on method='BFGS', which replays R's optim (the two tests
    above). Asserted here: nll <= R's nll and 6.8e-6 below it (less than 3 x R's per-iteration
    threshold), every estimate within 0.01 SE of R's, AIC 1e-7 relative, covariate-model predicted
    psi 1e-5 and psi SE 1e-3 relative.
    """
    null = frog_fits[("~ 1 ~ 1", "newton")]
    lik = null._lik()
    nll_R = negative_loglik(lik, np.array(R_NULL["coef"]))
    assert null.nll <= R_NULL["nll"] + 1e-12
    assert R_NULL["nll"] - null.nll == pytest.approx(6.77e-6, rel=0.01)
    assert R_NULL["nll"] - null.nll < 3 * R_RELTOL * R_NULL["nll"]  # 2.0 x R's per-iteration reltol
    assert nll_R == pytest.approx(R_NULL["nll"], abs=1e-9)
    grad_R = np.linalg.norm(lik.nll_grad(np.array(R_NULL["coef"]))[1])
    grad_mle = np.linalg.norm(lik.nll_grad(null._theta)[1])
    assert grad_R > 3e-3 and grad_mle < 1e-6
    assert abs(null.coef["psi(Int)"] / R_NULL["coef"][0] - 1) == pytest.approx(1.8e-3, rel=0.01)  # > 1e-5
    assert np.all(np.abs(null.coef - R_NULL["coef"]) < 0.01 * null.se)
    assert null.converged and null.method == "newton"
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


BOUNDARY_WARNING = r"estimate\(s\) on the boundary: psi\(Int\), p\(Int\)"


@pytest.mark.parametrize("method", ["BFGS", "newton"])
def test_all_ones_and_all_zeros_histories_are_flagged_on_the_boundary_the_same_way(method):
    """All ones: psi = p = 1; all zeros: psi = p = 0 (the likelihood is then maximal, = 1, wherever
    psi * p = 0). Both return a fit with every parameter in ``boundary``, SE NaN, log-likelihood 0,
    converged, and the same boundary warning; for zeros the warning also says what: no detection at
    any site (how many site-occasions and sites)."""
    with pytest.warns(OccupancyWarning, match=BOUNDARY_WARNING):
        ones = occu("~ 1 ~ 1", np.ones((5, 2)), method=method)
    with pytest.warns(OccupancyWarning, match=BOUNDARY_WARNING) as record:
        zeros = occu("~ 1 ~ 1", np.zeros((5, 2)), method=method)
    (message,) = [str(w.message) for w in record]
    assert message.startswith("no detection at any site: all 10 surveyed site-occasions at 5 site(s) are 0")
    assert "both are put on the boundary at 0" in message
    for fit in (ones, zeros):
        assert fit.boundary == ("psi(Int)", "p(Int)")
        assert fit.to_frame()["boundary"].all() and "boundary estimates" in repr(fit)
        assert fit.se.isna().all() and fit.vcov.isna().all().all()
        assert fit.loglik == pytest.approx(0.0, abs=1e-5) and fit.aic == pytest.approx(4.0, abs=1e-4)
        assert fit.converged and np.isfinite(fit.coef).all()
        assert any("on the boundary" in note for note in fit.notes)
    assert special.expit(ones.coef).min() > 1 - 1e-6
    assert special.expit(zeros.coef).max() < 1e-6
    assert zeros.iterations == 0 and "no detection at any site" in zeros.convergence
    np.testing.assert_allclose(predict(zeros)["Predicted"], 1e-9, rtol=1e-6)
    assert predict(zeros)["SE"].isna().all()  # flagged, not silently NaN: fit.boundary says why
    assert (ranef(zeros)["mean"] < 1e-6).all()


def test_all_zeros_with_covariates_and_missing_occasions_and_for_royle_nichols():
    """Covariates, NaN occasions and occuRN: every parameter flagged, psi (or P(N > 0)) and p at 0."""
    y, site, obs, _ = simulate_occupancy(9, n=30, J=4)
    zeros = np.where(np.isnan(y), np.nan, 0.0)
    with pytest.warns(OccupancyWarning, match=r"no detection at any site: all \d+ surveyed site-occasions at 30"):
        fit = occu("~ effort ~ forest + elev", zeros, site, obs)
    assert fit.boundary == tuple(fit.coef.index) and fit.converged and fit.se.isna().all()
    assert predict(fit)["Predicted"].max() < 1e-6 and predict(fit, type="det")["Predicted"].max() < 1e-6
    assert occupancy.occupied_share(fit)["boundary"]
    with pytest.warns(OccupancyWarning, match="no detection at any site"):
        rn = occu_rn("~ 1 ~ forest", zeros, site)
    assert rn.boundary == ("lam(Int)", "lam(forest)", "p(Int)") and rn.converged
    with pytest.raises(OccupancyDataError, match="no detection at all .* has no intercept"):
        occu("~ 1 ~ forest - 1", zeros, site)


@pytest.mark.parametrize("method", ["newton", "BFGS"])
def test_optimiser_that_does_not_converge_returns_a_flagged_fit_with_the_reason(method):
    """maxiter=1 stops both optimisers early: the fit says converged=False, gives the reason in
    ``convergence`` (the iteration limit), a warning and a note, and its estimates are visibly not
    the MLE (their gradient is far from 0); with the default limits the same data converge."""
    y, site, obs, _ = simulate_occupancy(2024, n=600, J=6)
    formula = "~ effort ~ forest + elev"
    with pytest.warns(OccupancyWarning, match="the optimiser did not converge: .*iterations") as record:
        fit = occu(formula, y, site, obs, method=method, maxiter=1)
    assert not fit.converged
    reason = "maxit = 1 iterations" if method == "BFGS" else "maximum number of iterations (1) reached"
    assert reason in fit.convergence
    assert any("did not converge" in str(w.message) and "not the maximum likelihood" in str(w.message) for w in record)
    assert any(reason in note for note in fit.notes)
    assert "NOT CONVERGED" in repr(fit)
    assert np.linalg.norm(fit._lik().nll_grad(fit._theta)[1]) > 1e-2
    good = fit_quietly(occu, formula, y, site, obs, method=method)
    assert good.converged and good.nll < fit.nll
    rn = fit_quietly(occu_rn, formula, y, site, obs, method=method, maxiter=1)
    assert not rn.converged and reason in rn.convergence
    with pytest.raises(OccupancyDataError, match="maxiter must be a positive integer"):
        occu(formula, y, site, obs, maxiter=0)


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
    """The model's own world (fast): over 30 seeded camera-trap-sized studies (60 stations, 10
    occasions) drawn from the occupancy model itself, the 95 % interval of the mean psi over
    stations (:func:`occupied_share`) covers the realised share of occupied stations (z = 1) in
    >= 85 % of studies, and the signs of the habitat effects are recovered in >= 90 %. The same on
    studies from nbtools.simulate: test_simulated_studies_psi_interval_covers_the_share_of_occupied_stations_and_signs_are_recovered."""
    covered, signs = [], []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n, J = 60, 10
        site = pd.DataFrame({"forest": rng.normal(size=n), "elev": rng.normal(size=n)})
        psi = special.expit(0.2 + 1.0 * site["forest"].to_numpy() - 0.8 * site["elev"].to_numpy())
        z = rng.random(n) < psi
        y = (rng.random((n, J)) < 0.25 * z[:, None]).astype(float)
        fit = fit_quietly(occu, "~ 1 ~ forest + elev", y, site)
        share = occupancy.occupied_share(fit)
        covered.append(share["lower"] <= z.mean() <= share["upper"])
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
    a = mb_gof_test(fit, n_boot=40, seed=7, progress=False)
    b = mb_gof_test(fit, n_boot=40, seed=7, progress=False)
    np.testing.assert_array_equal(a.t_star, b.t_star)
    assert a.n_failed == 0 and a.nsim == 40
    assert a.c_hat == pytest.approx(a.chi_square / a.t_star.mean(), rel=1e-12)
    assert a.p_value == pytest.approx(np.mean(a.t_star >= a.chi_square))
    assert a.p_value < 0.05 and a.c_hat > 2  # the single-visit cohort fits badly
    assert list(a.to_frame().columns) == ["chi_square", "p_value", "c_hat", "nsim", "n_failed"]


def test_mb_gof_test_accepts_a_correct_model():
    y, site, obs, _ = simulate_occupancy(17, n=150, J=4, missing=0.15)
    fit = fit_quietly(occu, "~ effort ~ forest + elev", y, site, obs)
    result = mb_gof_test(fit, n_boot=60, seed=1, progress=False)
    assert result.p_value > 0.05 and 0.5 < result.c_hat < 1.5


def test_mb_gof_test_for_royle_nichols(frog):
    y, obs = frog
    fit = fit_quietly(occu_rn, "~ MinAfterSunset + Temperature ~ 1", y, obs_covs=obs)
    assert mb_chisq(fit).chi_square > 0
    result = mb_gof_test(fit, n_boot=10, seed=3, progress=False)
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


# --------------------------------------------------------------------------------------------------
# from a camera-trap study: detection data, station covariates, rasters, response curves
# --------------------------------------------------------------------------------------------------
SIKA = "Cervus nippon"
LEOPARD = "Panthera pardus orientalis"
#: A small study simulated in memory (about 100 stations 5 km apart on a 1 km habitat grid, one
#: winter of 92 days, no den camera): ~1.5 s. The simulator gives sika deer a visit rate at each
#: station proportional to exp(1.0 * z), z the station's prey index (cell value) standardised over
#: the stations, and no forest effect (nbtools.simulate.DEFAULT_SPECIES, _location_weights).
SMALL = dict(study_start="2016-11-01", study_end="2017-01-31", habitat_resolution_m=1000.0, station_spacing_m=5000.0)


def small_study(seed: int):
    from nbtools.simulate import simulate_tables
    from nbtools.study import Study

    sim = simulate_tables(seed=seed, **SMALL)
    study = Study.from_tables(
        sim.deployments,
        sim.media,
        sim.observations,
        crs=sim.truth["crs"],
        timezone=sim.truth["timezone"],
        habitat=sim.habitat,
    )
    return sim, study


@pytest.fixture(scope="module")
def small():
    return small_study(3)


@pytest.fixture(scope="module")
def sika(small):
    _, study = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # records before set-up (clock faults) are reported by indices
        return occupancy.occupancy_data(study, SIKA, buffer_m=500)


def disc_mean(habitat: xr.Dataset, variable: str, x: float, y: float, radius: float) -> float:
    """Brute force: mean of the cells whose centres are within ``radius`` of (x, y), plus the cell holding it."""
    gx, gy = np.meshgrid(habitat["x"].values, habitat["y"].values)
    values = habitat[variable].values.astype(float)
    near = np.hypot(gx - x, gy - y) <= radius
    near[np.abs(habitat["y"].values - y).argmin(), np.abs(habitat["x"].values - x).argmin()] = True
    return float(np.nanmean(values[near]))


def test_occupancy_data_shapes_and_nan_where_no_camera(small, sika):
    from nbtools.effort import camera_operation

    sim, study = small
    stations = sorted(study.deployments["locationID"].astype(str).unique())
    assert list(sika.y.index) == stations and sika.y.index.name == "locationID"
    assert sika.y.shape == (len(stations), 14)  # 92 days in occasions of 7: 13 full + 1 day
    assert list(sika.site_covs.index) == stations and list(sika.site_covs.columns) == list(occupancy.DEFAULT_COVARIATES)
    values = sika.y.to_numpy()
    assert set(np.unique(values[~np.isnan(values)])) == {0.0, 1.0}
    # NaN exactly where no camera worked on any day of the occasion (hand-made from the operation matrix)
    op = camera_operation(study.deployments, timezone=study.timezone).loc[stations].to_numpy()
    pad = np.full((op.shape[0], 14 * 7 - op.shape[1]), np.nan)
    days = np.concatenate([op, pad], axis=1).reshape(op.shape[0], 14, 7)
    no_camera = np.all(np.isnan(days), axis=2)
    assert no_camera.any()  # thefts and dead batteries leave occasions without a camera
    np.testing.assert_array_equal(np.isnan(values), no_camera)
    np.testing.assert_allclose(sika.effort.to_numpy(), np.where(no_camera, np.nan, np.nansum(days, axis=2)))
    np.testing.assert_array_equal(np.isnan(sika.obs_covs["effort"].to_numpy()), no_camera)
    # a station detects sika in the season iff people (event level) recorded sika there in an occasion with effort
    counted = sika.history.records.query("counted")
    assert set(sika.y.index[sika.y.max(axis=1) == 1]) == set(counted["locationID"].astype(str))
    assert int(np.nansum(values)) == counted.groupby(["locationID", "occasion"], observed=True).ngroups
    assert sika.naive_occupancy == pytest.approx((sika.y.max(axis=1) == 1).mean())
    y, site_covs, obs_covs = sika  # unpacks for occu(formula, *data)
    assert y is sika.y and site_covs is sika.site_covs and obs_covs is sika.obs_covs
    assert "OccupancyData('Cervus nippon'" in repr(sika)


def test_occupancy_data_standardises_with_the_stored_means_and_sds(small, sika):
    _, study = small
    raw = sika.stations[list(occupancy.DEFAULT_COVARIATES)]
    np.testing.assert_allclose(sika.means[raw.columns], raw.mean(), rtol=1e-12)
    np.testing.assert_allclose(sika.sds[raw.columns], raw.std(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(
        sika.site_covs.to_numpy(), ((raw - sika.means[raw.columns]) / sika.sds[raw.columns]).to_numpy()
    )
    np.testing.assert_allclose(sika.site_covs.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(sika.site_covs.std(ddof=1), 1.0, rtol=1e-12)
    effort = sika.effort.to_numpy()
    assert sika.means["effort"] == pytest.approx(np.nanmean(effort), rel=1e-12)
    assert sika.sds["effort"] == pytest.approx(np.nanstd(effort, ddof=1), rel=1e-12)
    np.testing.assert_allclose(sika.obs_covs["effort"].to_numpy(), (effort - sika.means["effort"]) / sika.sds["effort"])
    # station covariates are means within 500 m of the station's mean deployment position
    first = study.deployments[study.deployments["locationID"] == sika.y.index[0]]
    x, y = first["x"].mean(), first["y"].mean()
    assert sika.stations.iloc[0][["x", "y"]].tolist() == pytest.approx([x, y])
    for name in occupancy.DEFAULT_COVARIATES:
        assert sika.stations.iloc[0][name] == pytest.approx(disc_mean(study.habitat, name, x, y, 500.0), rel=1e-9)
    assert sika.standardisation[0] is sika.means and sika.buffer_m == 500.0


def test_occupancy_data_fits_and_rows_of_nan_for_stations_without_camera(small):
    _, study = small
    stations = sorted(study.deployments["locationID"].astype(str).unique())
    # cameras were set up over a week from 1 November: by the 4th, many stations had none yet
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = occupancy.occupancy_data(
            study,
            SIKA,
            occasion_length=1,
            covariates=["prey_index"],
            start="2016-11-01",
            end="2016-11-04",
            locations=stations,
        )
        fit = occu("~ effort ~ prey_index", *data)
    empty = data.y.isna().all(axis=1)
    assert 0 < empty.sum() < len(stations) and list(data.y.index) == stations
    assert any("had no camera in the season" in note for note in data.notes)
    assert data.stations.loc[empty].notna().all().all()  # covariates known even where no camera worked
    assert set(fit.dropped_sites) == set(data.y.index[empty]) and fit.n_sites == len(stations) - empty.sum()


def test_occupancy_data_errors_say_what(small):
    _, study = small
    with pytest.raises(OccupancyDataError, match="no observation of 'Panthera leo'"):
        occupancy.occupancy_data(study, "Panthera leo")
    with pytest.raises(OccupancyDataError, match="have no 'canopy_height'"):
        occupancy.occupancy_data(study, SIKA, covariates=["canopy_height"])
    with pytest.raises(OccupancyDataError, match="no deployment at location"):
        occupancy.occupancy_data(study, SIKA, locations=["L001", "X999"])
    import dataclasses as dc

    with pytest.raises(OccupancyDataError, match="no habitat rasters"):
        occupancy.occupancy_data(dc.replace(study, habitat=None), SIKA)


def test_focal_mean_is_sample_at_at_every_cell_centre(small):
    from nbtools.habitat import sample_at

    _, study = small
    habitat = study.habitat.copy()
    forest = habitat["forest_cover"].values.astype(float)
    forest[5:9, 10:14] = np.nan  # holes are ignored, as sample_at does
    habitat["forest_cover"] = (("y", "x"), forest)
    for radius in (0.0, 500.0, 1000.0, 2300.0):
        grid = focal_mean(habitat["forest_cover"], radius) if radius else forest
        rows, cols = np.meshgrid(np.arange(habitat.sizes["y"]), np.arange(habitat.sizes["x"]), indexing="ij")
        pick = (rows.ravel() % 7 == 0) | (cols.ravel() == 0) | (rows.ravel() == habitat.sizes["y"] - 1)  # edges too
        px, py = habitat["x"].values[cols.ravel()[pick]], habitat["y"].values[rows.ravel()[pick]]
        expected = sample_at(habitat, px, py, buffer_m=radius, variables=["forest_cover"])["forest_cover"].to_numpy()
        np.testing.assert_allclose(grid.ravel()[pick], expected, rtol=1e-12, equal_nan=True)


def test_predict_raster_on_the_default_habitat_grid(sika):
    """A model fitted to the small study, predicted over the default study's 250 m habitat grid."""
    from nbtools.catalog import open_catalog

    habitat = open_catalog("leopard").habitat.read()
    fit = occu("~ effort ~ forest_cover + elevation + distance_to_road + prey_index", *sika)
    out = predict_raster(fit, habitat, sika.standardisation, buffer_m=sika.buffer_m, mask="land")
    psi = out["Predicted"].values
    land = habitat["land"].values
    assert psi.shape == land.shape == (600, 480) and out["Predicted"].dims == ("y", "x")
    assert np.isnan(psi[~land]).all() and np.isfinite(psi[land]).all()
    assert np.all((psi[land] >= 0) & (psi[land] <= 1))
    for name in ("SE", "lower", "upper"):
        assert np.isnan(out[name].values[~land]).all() and np.isfinite(out[name].values[land]).all()
    assert np.all(out["lower"].values[land] <= psi[land]) and np.all(psi[land] <= out["upper"].values[land])
    assert out.attrs["buffer_m"] == 500.0 and out.attrs["parameter"] == "psi"
    # one cell by hand: the rasters' 500 m disc means, scaled with the stations' means and SDs
    row, col = 300, 240
    assert land[row, col]
    px, py = float(habitat["x"][col]), float(habitat["y"][row])
    cell = pd.DataFrame({v: [disc_mean(habitat, v, px, py, 500.0)] for v in occupancy.DEFAULT_COVARIATES})
    expected = predict(fit, apply_standardisation(cell, *sika.standardisation))
    for name in ("Predicted", "SE", "lower", "upper"):
        assert float(out[name].values[row, col]) == pytest.approx(expected[name].iloc[0], rel=1e-9)
    in_park = predict_raster(fit, habitat, sika.standardisation, buffer_m=500, mask="in_park")["Predicted"].values
    assert np.isnan(in_park[~habitat["in_park"].values]).all() and np.isfinite(in_park[habitat["in_park"].values]).all()
    with pytest.raises(OccupancyDataError, match="mask 'park' is not a variable"):
        predict_raster(fit, habitat, sika.standardisation, mask="park")
    with pytest.raises(OccupancyError, match="buffer_m must be"):
        predict_raster(fit, habitat, sika.standardisation, buffer_m=-1)


def test_response_curve_holds_the_other_covariates_at_their_means(sika):
    fit = occu("~ effort ~ forest_cover + prey_index", *sika)
    curve = response_curve(fit, "prey_index", [0.0, 0.3, 0.6], sika.standardisation)
    assert list(curve.columns) == ["prey_index", "Predicted", "SE", "lower", "upper"]
    z = (np.array([0.0, 0.3, 0.6]) - sika.means["prey_index"]) / sika.sds["prey_index"]
    eta = fit.coef["psi(Int)"] + fit.coef["psi(prey_index)"] * z  # forest_cover at its mean: 0 once scaled
    np.testing.assert_allclose(curve["Predicted"], special.expit(eta), rtol=1e-12)
    assert curve.attrs["held"] == {"forest_cover": pytest.approx(sika.means["forest_cover"])}
    assert curve.attrs["parameter"] == "psi" and curve.attrs["covariate"] == "prey_index"
    held = response_curve(fit, "prey_index", [0.3], sika.standardisation, at={"forest_cover": 0.9})
    scaled = apply_standardisation(pd.DataFrame({"prey_index": [0.3], "forest_cover": [0.9]}), *sika.standardisation)
    assert held["Predicted"].iloc[0] == pytest.approx(predict(fit, scaled)["Predicted"].iloc[0], rel=1e-12)
    det = sika.response_curve(fit, "effort", n=5, type="det")
    assert det["effort"].iloc[0] == pytest.approx(np.nanmin(sika.effort.to_numpy()))
    assert det["effort"].iloc[-1] == pytest.approx(np.nanmax(sika.effort.to_numpy()))
    assert det["Predicted"].is_monotonic_increasing == (fit.coef["p(effort)"] > 0)
    with pytest.raises(OccupancyDataError, match="'elevation' is not a variable of the state formula"):
        response_curve(fit, "elevation", [1.0], sika.standardisation)
    with pytest.raises(OccupancyDataError, match="at=\\{'forest_cover'"):
        response_curve(fit, "prey_index", [0.1])


def sika_rn_slope(study) -> tuple[float, float, float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = occupancy.occupancy_data(study, SIKA, covariates=["prey_index", "forest_cover"], buffer_m=0)
        rn = occu_rn("~ effort ~ prey_index + forest_cover", *data)
        fit = occu("~ effort ~ prey_index + forest_cover", *data)
    return (
        rn.coef["lam(prey_index)"],
        rn.coef["lam(forest_cover)"],
        rn.se["lam(forest_cover)"],
        fit.coef["psi(prey_index)"],
    )


def test_simulated_study_recovers_the_sika_habitat_effect(small):
    """The simulator's sika visit rate is exp(1.0 z_prey) at a station (no forest effect). The
    Royle-Nichols abundance log-linear slope on the standardised prey index at the stations (cell
    values, buffer 0, as the simulator uses) estimates that 1.0: it comes out 0.91 (SE 0.06) here and
    0.77-0.97 over seeds 0-9, a little low because the simulator's rates are fixed per station where
    the model mixes them over a Poisson N; so [0.6, 1.2]. Forest: within 3 SE of 0. The occupancy
    model turns the same effect into a positive psi(prey_index)."""
    _, study = small
    slope, forest, forest_se, psi_slope = sika_rn_slope(study)
    assert 0.6 <= slope <= 1.2
    assert abs(forest) < 3 * forest_se
    assert psi_slope > 0


def leopard_use(truth: dict, stations: pd.DataFrame, k: float) -> np.ndarray:
    """Stations with at least one adult leopard's activity centre within k sigma (its own sigma)."""
    ind = pd.DataFrame(truth["individuals"])
    leo = ind[(ind["species"] == "leopard") & (ind["lifeStage"] == "adult")]
    d = np.hypot(
        stations["x"].to_numpy()[:, None] - leo["ac_x"].to_numpy()[None, :],
        stations["y"].to_numpy()[:, None] - leo["ac_y"].to_numpy()[None, :],
    )
    return (d <= k * leo["sigma_m"].to_numpy()[None, :]).any(axis=1)


#: The simulator's habitat covariates of station use (nbtools.simulate, Species.habitat, standardised over
#: the stations at their cells) as (raster, sign): "open" is 1 - forest cover.
SIM_COVARIATES = {
    "forest": ("forest_cover", 1),
    "open": ("forest_cover", -1),
    "prey": ("prey_index", 1),
    "elevation": ("elevation", 1),
}


def simulated_habitat_effects(truth: dict) -> list[tuple[str, str, str, float]]:
    """(scientificName, key, raster, true sign) of every habitat effect on the station use of the animal
    species without individuals (their visit rates are exp(sum beta z) at each station)."""
    effects = []
    for sp in truth["parameters"]["species"]:
        names = [name for name, _ in sp["habitat"]]
        if sp["observation_type"] != "animal" or not names or not set(names) <= set(SIM_COVARIATES):
            continue
        for name, beta in sp["habitat"]:
            raster, sign = SIM_COVARIATES[name]
            effects.append((sp["scientific_name"], sp["key"], raster, float(np.sign(sign * beta))))
    return effects


def simulated_coverage_row(seed: int, method: str = "newton") -> dict:
    """One small simulated winter: the leopard's psi interval against the true share, and the signs
    (fits by the exact MLE, method='newton')."""
    sim, study = small_study(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        leopard = occupancy.occupancy_data(study, LEOPARD, covariates=["forest_cover", "prey_index"])
        fit = occu("~ effort ~ forest_cover + prey_index", *leopard, method=method)
        null = occu("~ effort ~ 1", *leopard, method=method)
        share = occupancy.occupied_share(fit)
        truth = leopard_season_use(sim.truth, leopard.stations.loc[fit.sites]).mean()
        row = {
            "seed": seed,
            "stations": fit.n_sites,
            "naive": leopard.naive_occupancy,
            "true share": truth,
            "mean psi": share["Predicted"],
            "lower": share["lower"],
            "upper": share["upper"],
            "covered": bool(share["lower"] <= truth <= share["upper"]),
            "leopard psi(forest_cover)": fit.coef["psi(forest_cover)"],
            "leopard psi(prey_index)": fit.coef["psi(prey_index)"],
            "null psi": special.expit(null.coef["psi(Int)"]),
            "within 1 sigma": leopard_use(sim.truth, leopard.stations, 1).mean(),
            "within 3 sigma": leopard_use(sim.truth, leopard.stations, 3).mean(),
        }
        near = leopard_use(sim.truth, leopard.stations, 2)
        post = ranef(null)["mean"].to_numpy()
        row["ranef near > far"] = bool(post[near].mean() > post[~near].mean())
        fits = {}
        for name, key, raster, sign in simulated_habitat_effects(sim.truth):
            if name not in fits:
                rasters = sorted({r for n, _, r, _ in simulated_habitat_effects(sim.truth) if n == name})
                data = occupancy.occupancy_data(study, name, covariates=rasters, buffer_m=0)  # cells, as the simulator
                fits[name] = occu("~ effort ~ " + " + ".join(rasters), *data, method=method)
            row[f"{key} {raster} {'+' if sign > 0 else '-'}"] = bool(np.sign(fits[name].coef[f"psi({raster})"]) == sign)
    row["sika RN slope"] = sika_rn_slope(study)[0]
    return row


@pytest.mark.slow
def test_simulated_studies_psi_interval_covers_the_share_of_occupied_stations_and_signs_are_recovered():
    """Twenty small simulated winters (nbtools.simulate, seeds 0-19, ~1 min): coverage of the true share
    of occupied stations by the 95 % interval of psi, and the signs of the simulated habitat effects.

    True share of occupied stations. The simulator's truth supports it for the leopard, the species
    it simulates as individuals: a station is *occupied in the season* when at least one adult
    leopard visits it between study_start and study_end. Visits are Poisson with the rate of
    :func:`leopard_season_use`, so given the activity centres, sigmas and lambda0 in
    ``truth["individuals"]`` and the season and trigger probability in ``truth["parameters"]``,
    P(occupied_i) = 1 - exp(-n_days sum_k rate_ik) and the true share is its mean over the fitted
    stations (the expected share given where the leopards live; which stations were actually
    visited is not in the returned truth, which counts visits per animal, not per station). Why this
    definition: a leopard's use has no edge (on average 41 %, 86 %, 94 % and 98 % of the stations
    have a centre within 1, 2, 2.45 and 3 sigma), so "within the range" needs an arbitrary cut-off,
    while "used during the season" is what occupancy estimates when animals move in and out of
    the sampled area (MacKenzie et al. 2018, *Occupancy Estimation and Modeling*, 2nd ed., s. 4.5;
    Efford & Dawson 2012, Ecosphere 3:32) and follows from the simulator's own visit model.
    Estimate: :func:`occupied_share` (mean psi of '~ effort ~ forest_cover + prey_index' over the
    stations, delta-method interval on the logit scale). Covered in 20 of 20 seeds (mean psi 0.04
    above the truth on average: heterogeneous use biases psi up a little); asserted >= 85 %.

    Signs. The simulated habitat effects that act on station use are those of the species without
    individuals (visit rate exp(sum beta z) at each station; read from ``truth["parameters"]``):
    sika deer prey +1.0, roe deer open +0.4 (forest cover -) and elevation -0.4, wild boar forest
    +0.4, red fox open +0.5. Each species is fitted with its covariates at the station cells (as the
    simulator takes them). Recovered in 20/20 seeds except roe deer forest cover (17/20) and
    elevation (19/20): roe deer use nearly every station (naive occupancy 0.92), so psi carries
    little information. Asserted: each sign in >= 75 % of seeds and, for the effect of size 1.0, in
    every seed. The leopard's habitat effects (forest +1.5, prey +1.0, ...) act on where its 86
    activity centres fall in the 12-km state space, not on station use, and at the station scale the
    realised placement of the centres swamps them: the log expected use of the stations (from the
    truth) correlates -0.21 to +0.21 (mean 0.00) with their forest cover and -0.16 to +0.26 (mean
    0.12) with their prey index over these seeds, so psi(forest_cover) > 0 in 11 of 20 seeds and
    psi(prey_index) > 0 in 17. There is no station-level sign to recover; they are shown in the
    table, not asserted.

    Kept from the 10-seed version: the sika Royle-Nichols slope on prey (truth 1.0) is in [0.6, 1.2]
    every time and 0.85 +- 0.1 on average; the null leopard psi lies between the shares of stations
    with a centre within 1 and within 3 sigma and above the naive share; conditional occupancy is
    higher where a centre lies within 2 sigma.
    """
    table = pd.DataFrame([simulated_coverage_row(seed) for seed in range(20)])
    shown = table.to_string(float_format=lambda v: f"{v:.3f}")
    assert len(table) >= 20
    assert table["covered"].mean() >= 0.85, shown
    signs = [c for c in table.columns if c.endswith((" +", " -"))]
    assert len(signs) >= 5, signs  # sika, roe deer (2), wild boar, red fox
    assert (table[signs].mean() >= 0.75).all(), shown
    assert table["sika_deer prey_index +"].all(), shown
    slopes = table["sika RN slope"]
    assert slopes.between(0.6, 1.2).all(), shown
    assert slopes.mean() == pytest.approx(0.85, abs=0.1)
    assert (table["within 1 sigma"] < table["null psi"]).all() and (table["null psi"] < table["within 3 sigma"]).all()
    assert (table["null psi"] > table["naive"]).all() and table["ranef near > far"].all()


def test_occupied_share_is_the_mean_psi_with_a_delta_method_interval():
    """Hand computation: mean of expit(X beta), gradient (psi (1 - psi)) X / n, interval on the logit scale."""
    y, site, obs, _ = simulate_occupancy(21, n=150, J=5)
    fit = fit_quietly(occu, "~ effort ~ forest + elev", y, site, obs)
    X = fit._design.X
    ps = special.expit(X @ fit.state.to_numpy())
    grad = (ps * (1 - ps)) @ X / len(ps)
    se = np.sqrt(grad @ fit.vcov.to_numpy()[:3, :3] @ grad)
    logit_se = se / (ps.mean() * (1 - ps.mean()))
    share = occupancy.occupied_share(fit, level=0.9)
    assert share["Predicted"] == pytest.approx(predict(fit)["Predicted"].mean(), rel=1e-12)
    assert share["SE"] == pytest.approx(se, rel=1e-10)
    lo, hi = special.expit(special.logit(ps.mean()) + np.array([-1, 1]) * 1.6448536269514722 * logit_se)
    assert (share["lower"], share["upper"]) == (pytest.approx(lo, rel=1e-10), pytest.approx(hi, rel=1e-10))
    assert share["n_sites"] == 150 and not share["boundary"]
    rn = fit_quietly(occu_rn, "~ effort ~ forest", y, site, obs)
    lam = np.exp(rn._design.X @ rn.state.to_numpy())
    assert occupancy.occupied_share(rn)["Predicted"] == pytest.approx(np.mean(-np.expm1(-lam)), rel=1e-12)


@pytest.mark.slow
def test_default_study_leopard_winter_matches_the_truth():
    """The default study's winter (1 Nov - 30 Jan, 13 weekly occasions), as notebook 04 fits it (~25 s).

    Truth: 86 % of the 213 stations have an adult leopard's activity centre within 2 sigma, 94 % within
    2.45 sigma (the 95 % home-range radius). The mean psi (0.82) estimates use out to about 2 sigma:
    within 0.08 of the 2-sigma share (it is 0.04 off) and above the naive share (0.76). Conditional
    occupancy is 0.86 on average at the 200 stations within 2.45 sigma of a centre and 0.25 at the 13
    others: asserted > 0.8 and < 0.4."""
    import json

    from nbtools.catalog import DATA_DIR, open_catalog
    from nbtools.study import Study

    cat = open_catalog("leopard")
    study = Study.from_catalog(cat)
    truth = json.loads((DATA_DIR / cat.metadata["truth"]).read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = occupancy.occupancy_data(study, LEOPARD, start="2016-11-01", end="2017-01-31")
        fit = occu("~ effort ~ forest_cover + elevation + distance_to_road + prey_index", *data)
    assert data.y.shape == (213, 13) and data.y.notna().any(axis=1).all()
    assert int(np.nansum(data.y.to_numpy())) == 384 and data.naive_occupancy == pytest.approx(161 / 213)
    post = ranef(fit)
    within2, within245 = leopard_use(truth, data.stations, 2), leopard_use(truth, data.stations, 2.45)
    assert abs(post["psi"].mean() - within2.mean()) < 0.08
    assert post["psi"].mean() > data.naive_occupancy
    assert post["mean"][within245].mean() > 0.8 and post["mean"][~within245].mean() < 0.4
    habitat = predict_raster(fit, study.habitat, data.standardisation, buffer_m=data.buffer_m, mask="in_park")
    psi = habitat["Predicted"].values[study.habitat["in_park"].values]
    assert np.isfinite(psi).all() and 0 <= psi.min() and psi.max() <= 1


def test_bfgs_run_onto_the_flat_boundary_is_not_called_converged():
    """With psi near 1 and many occasions, R's optim (from zeros) jumps to psi(Int) ~ 80 on its first step and
    stops on the flat likelihood there; the fit must say so, and Newton's method finds the maximum."""
    rng = np.random.default_rng(0)
    z = rng.random(200) < 0.92
    y = ((rng.random((200, 52)) < 0.16) & z[:, None]).astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stuck = occupancy.occu("~ 1 ~ 1", y)
    exact = occupancy.occu("~ 1 ~ 1", y, method="newton")
    assert stuck.coef["psi(Int)"] > 50 and not stuck.converged
    assert "flat boundary" in stuck.convergence and f"{exact.aic:.2f} there" in stuck.convergence
    assert any("did not converge" in str(w.message) for w in caught)
    assert not any("MLE is at +-infinity" in str(w.message) for w in caught)  # the MLE is not on the boundary
    assert exact.converged and exact.aic < stuck.aic - 100
    assert special.expit(exact.coef["psi(Int)"]) == pytest.approx(z.mean(), abs=0.05)
    assert occupancy.occu("~ 1 ~ 1", y[:, :5]).converged  # the check only fires when BFGS falls short
