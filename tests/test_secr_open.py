"""Tests of the open-population models (nbtools.secr.open_*) against R's openCR 2.2.7 on ovenCH.

Reference values (R 4.2.2, openCR 2.2.7; ../shared/data/reference/turn2/README.md, "Open population"):
``openCR.fit(ovenCH, type = ...)`` joins the five sessions (70 animals, 49 secondary occasions, interval 0
within a year and 1 between years):

* ``type = "CJS"``: logLik -254.5962316, phi 0.4629580414 (SE 0.0547343311), p 0.1690789267;
* ``type = "PLBl"``: logLik -661.4603486, p 0.1421426609, phi 0.473593739, lambda 0.9750076334 (SE 0.068669521);
* ``type = "CJSsecr"``, ``mask = make.mask(traps(ovenCH)[[1]], buffer = 300)`` (the mask of ovenCH_mask300.csv),
  detectfn 14 (hazard half-normal), static movement: logLik -516.0602928, phi 0.6084472101,
  lambda0 0.02357333657, sigma 118.7790591 m.

Tolerances: log-likelihood 1e-6 absolute (we agree to about 1e-9); estimates 1e-5 relative (R's ``nlm``
stops within about 1e-6 of the maximum); SEs 1e-3 relative (R's Hessian is nlm's finite-difference one; ours
differs from it by 4e-6 for phi and 4e-5 for lambda). Models with covariates (sex, session) have no R values
in the reference notes: they are checked against a plain per-animal transcription of the likelihood and by
simulation; so is the spatial Pradel-Link-Barker model (PLBsecrl), for which the notes hold no openCR values.
"""

from __future__ import annotations

import doctest
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from nbtools.secr import Mask, make_capthists, open_fit, open_join
from nbtools.secr.open_cjs import cjs_fit, cjs_loglik
from nbtools.secr.open_fit import open_cr_fit, open_model_selection
from nbtools.secr.open_histories import OpenCaptureHistory, join_sessions
from nbtools.secr.open_join import join_changing_sessions
from nbtools.secr.open_pradel import entry_probabilities, pradel_fit, pradel_loglik
from nbtools.secr.open_simulate import sim_open_history
from nbtools.secr.open_spatial import SpatialCJSData, cjs_secr_fit, cjs_secr_loglik
from nbtools.secr.open_spatial_pradel import pradel_secr_fit, pradel_secr_loglik

REF = Path(__file__).parent / "data" / "reference" / "turn2"
NOCCASIONS = {"2005": 9, "2006": 10, "2007": 10, "2008": 10, "2009": 10}

# openCR 2.2.7: openCR.fit(ovenCH, type = "CJS")
CJS_LOGLIK = -254.5962316
CJS = {"phi": 0.4629580414, "p": 0.1690789267}
CJS_SE_PHI = 0.0547343311
# openCR 2.2.7: openCR.fit(ovenCH, type = "PLBl")
PLB_LOGLIK = -661.4603486
PLB = {"p": 0.1421426609, "phi": 0.473593739, "lambda": 0.9750076334}
PLB_SE_LAMBDA = 0.068669521
# openCR 2.2.7: openCR.fit(ovenCH, type = "CJSsecr", mask = mask, detectfn = 14)
SECR_LOGLIK = -516.0602928
SECR = {"phi": 0.6084472101, "lambda0": 0.02357333657, "sigma": 118.7790591}


@pytest.fixture(scope="module")
def oven() -> OpenCaptureHistory:
    captures = pd.read_csv(REF / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    sex = pd.read_csv(REF / "ovenCH_individual_covariates.csv", dtype=str)
    captures = captures.merge(sex, on=["session", "ID"], how="left")
    traps = pd.read_csv(REF / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    chs = make_capthists(captures, traps, detector="multi", noccasions=NOCCASIONS, covnames=["Sex"])
    return join_sessions(chs)


@pytest.fixture(scope="module")
def cjs(oven):
    return cjs_fit(oven)


@pytest.fixture(scope="module")
def plbl(oven):
    return pradel_fit(oven, type="PLBl")


# ------------------------------------------------------------------ plain per-animal likelihoods (cross-check)
def _plain_cjs(h: OpenCaptureHistory, p: np.ndarray, phi: np.ndarray) -> float:
    """openCR's ``prwi`` for type CJS, animal by animal, loop by loop."""
    y, prim, J = h.secondary, h.primary, h.nsessions
    total = 0.0
    for i in range(h.n):
        f, last, cens = h.first[i], h.last[i], h.censored[i]
        like = 0.0
        for d in range(last, (last if cens else J - 1) + 1):
            term = 1.0
            for j in range(f, d):
                term *= phi[i, j] ** h.intervals[j]
            if not cens and d < J - 1:
                term *= 1 - phi[i, d] ** h.intervals[d]
            for s in np.flatnonzero((prim > f) & (prim <= d)):
                term *= p[i, s] if y[i, s] else 1 - p[i, s]
            like += term
        total += np.log(like)
    return total


def _plain_plbl(h: OpenCaptureHistory, p: np.ndarray, phi: np.ndarray, lam: np.ndarray) -> float:
    """openCR's ``prwi`` and ``PCH1`` for type PLBl, animal by animal."""
    y, prim, J = h.secondary, h.primary, h.nsessions
    total = 0.0
    for i in range(h.n):
        ph = [phi[i, j] ** h.intervals[j] for j in range(J - 1)] + [0.0]
        f = [max(lam[i, j] ** h.intervals[j] - ph[j], 0.0) for j in range(J - 1)]
        w = [1.0]
        grow = 1.0
        for j in range(J - 1):
            w.append(f[j] * grow)
            grow *= ph[j] + f[j]
        beta = np.array(w) / sum(w)
        like = pdot = 0.0
        for b in range(J):
            for d in range(b, J):
                alive = beta[b] * np.prod(ph[b:d]) * (1 - ph[d])
                missed = np.prod([1 - p[i, s] for s in np.flatnonzero((prim >= b) & (prim <= d))])
                pdot += alive * (1 - missed)
                if b <= h.first[i] and d >= h.last[i] and (not h.censored[i] or d == h.last[i]):
                    term = beta[b] * np.prod(ph[b:d]) * (1.0 if h.censored[i] else 1 - ph[d])
                    for s in np.flatnonzero((prim >= b) & (prim <= d)):
                        term *= p[i, s] if y[i, s] else 1 - p[i, s]
                    like += term
        total += np.log(like) - np.log(pdot)
    return total


# ------------------------------------------------------------------ histories
def test_joined_ovench_history(oven):
    assert oven.n == 70 and oven.nsessions == 5 and oven.noccasions == 49
    assert oven.occasions == (9, 10, 10, 10, 10) and oven.sessions == tuple(NOCCASIONS)
    assert oven.counts.sum() == 192 and oven.counts.shape == (70, 49, 44)
    summary = oven.summary()
    assert summary["animals"].tolist() == [20, 22, 26, 19, 16]
    assert summary["new"].tolist() == [20, 13, 14, 15, 8] and summary["new"].sum() == 70
    assert oven.censored.sum() == 1 and oven.last[oven.censored].tolist() == [4]
    assert oven.covariates["Sex"].value_counts().to_dict() == {"F": 37, "M": 33}
    table = oven.to_frame()
    assert list(table.columns) == [*NOCCASIONS, "Sex"] and table[list(NOCCASIONS)].to_numpy().sum() == 103


def test_join_rejects_different_detectors(oven):
    captures = pd.read_csv(REF / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    traps = pd.read_csv(REF / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    traps.loc[traps["session"] == "2007", "x"] += 10.0
    chs = make_capthists(captures, traps, detector="multi", noccasions=NOCCASIONS)
    with pytest.raises(ValueError, match="session '2007' has other detectors"):
        join_sessions(chs)
    with pytest.raises(ValueError, match="at least 2 sessions"):
        join_sessions({"2005": chs["2005"]})


# ------------------------------------------------------------------ CJS
def test_cjs_matches_opencr(cjs):
    assert cjs.loglik == pytest.approx(CJS_LOGLIK, abs=1e-6)
    assert cjs.value("phi") == pytest.approx(CJS["phi"], rel=1e-5)
    assert cjs.value("p") == pytest.approx(CJS["p"], rel=1e-5)
    assert cjs.value("phi", "SE") == pytest.approx(CJS_SE_PHI, rel=1e-3)
    assert cjs.n_params == 2 and cjs.n == 70 and cjs.converged and cjs.notes == ()
    assert cjs.aic == pytest.approx(-2 * CJS_LOGLIK + 4, abs=1e-5)
    assert list(cjs.coef.index) == ["p", "phi"]
    # link-scale SE and the back-transformed Wald interval (openCR's predict)
    se = cjs.se["phi"]
    row = cjs.real("phi").iloc[0]
    assert row["SE"] == pytest.approx(row["estimate"] * (1 - row["estimate"]) * se, rel=1e-12)
    assert row["lcl"] == pytest.approx(expit(cjs.coef["phi"] - 1.959963985 * se), rel=1e-8)
    frame = cjs.to_frame()
    assert frame.attrs["loglik"] == cjs.loglik and list(frame.index) == ["p", "phi"]


def test_cjs_likelihood_equals_plain_transcription(oven):
    rng = np.random.default_rng(4)
    p = rng.uniform(0.05, 0.4, (oven.n, oven.noccasions))
    phi = rng.uniform(0.3, 0.9, (oven.n, oven.nsessions))
    assert cjs_loglik(oven, p, phi) == pytest.approx(_plain_cjs(oven, p, phi), rel=1e-12)


def test_cjs_covariate_models(oven, cjs):
    by_sex = cjs_fit(oven, {"phi": "~ Sex"})
    assert list(by_sex.coef.index) == ["p", "phi", "phi.SexM"]
    assert by_sex.loglik > cjs.loglik and by_sex.converged
    phi = by_sex.real("phi")
    assert list(phi.index) == ["phi[Sex=F]", "phi[Sex=M]"]
    assert phi["estimate"].iloc[1] > phi["estimate"].iloc[0]
    # session-specific detection: openCR merges the first session (not estimable in a CJS model) into the second
    by_session = cjs_fit(oven, {"p": "~ session"})
    assert list(by_session.coef.index) == ["p", "p.session3", "p.session4", "p.session5", "phi"]
    assert list(by_session.real("p")["session"]) == ["2", "3", "4", "5"]
    # time-specific survival (t is openCR's synonym of session); the last session's level merged into the first
    by_time = cjs_fit(oven, {"phi": "~ t"})
    assert list(by_time.coef.index) == ["p", "phi", "phi.t2", "phi.t3", "phi.t4"]
    assert by_time.loglik > cjs.loglik
    # the fitted value is the maximum of the plain transcription
    beta = by_sex.coef.to_numpy()
    sex_m = (oven.covariates["Sex"] == "M").to_numpy()
    p = np.full((oven.n, oven.noccasions), expit(beta[0]))
    phi = np.repeat(expit(beta[1] + beta[2] * sex_m)[:, None], oven.nsessions, axis=1)
    assert _plain_cjs(oven, p, phi) == pytest.approx(by_sex.loglik, abs=1e-9)


# ------------------------------------------------------------------ Pradel-Link-Barker
def test_plbl_matches_opencr(plbl):
    assert plbl.loglik == pytest.approx(PLB_LOGLIK, abs=1e-6)
    for name, value in PLB.items():
        assert plbl.value(name) == pytest.approx(value, rel=1e-5), name
    assert plbl.value("lambda", "SE") == pytest.approx(PLB_SE_LAMBDA, rel=1e-3)
    assert plbl.n_params == 3 and plbl.converged and plbl.notes == ()
    assert plbl.aic == pytest.approx(-2 * PLB_LOGLIK + 6, abs=1e-5)
    # log link: delta-method SE and a back-transformed interval
    assert plbl.value("lambda", "SE") == pytest.approx(plbl.value("lambda") * plbl.se["lambda"], rel=1e-12)
    assert plbl.value("lambda", "ucl") == pytest.approx(np.exp(plbl.coef["lambda"] + 1.959963985 * plbl.se["lambda"]))


def test_plbf_is_the_same_model(oven, plbl):
    plbf = pradel_fit(oven, type="PLBf")
    assert plbf.loglik == pytest.approx(plbl.loglik, abs=1e-7)
    assert plbf.value("f") == pytest.approx(plbl.value("lambda") - plbl.value("phi"), rel=1e-4)


def test_plbl_likelihood_equals_plain_transcription(oven):
    rng = np.random.default_rng(5)
    p = rng.uniform(0.05, 0.4, (oven.n, oven.noccasions))
    phi = rng.uniform(0.3, 0.9, (oven.n, oven.nsessions))
    lam = rng.uniform(0.6, 1.4, (oven.n, oven.nsessions))  # some lambda < phi: f = 0 there, as openCR
    assert pradel_loglik(oven, p, phi, lam) == pytest.approx(_plain_plbl(oven, p, phi, lam), rel=1e-12)


def test_entry_probabilities():
    phi = np.full((1, 4), 0.5)
    lam = np.array([[1.5, 1.0, 0.4, 9.0]])  # f = 1, 0.5, 0 (lambda < phi); the last lambda is unused
    beta = entry_probabilities(phi, lam, np.ones(3), "lambda")
    weights = np.array([1.0, 1.0, 0.5 * 1.5, 0.0])
    assert beta == pytest.approx((weights / weights.sum())[None, :])


def test_plbl_covariate_models(oven, plbl):
    fit = pradel_fit(oven, {"phi": "~ Sex", "lambda": "~ session"})
    assert list(fit.coef.index) == [
        "p",
        "phi",
        "phi.SexM",
        "lambda",
        "lambda.session2",
        "lambda.session3",
        "lambda.session4",
    ]
    assert fit.loglik > plbl.loglik and fit.converged
    assert len(fit.real("lambda")) == 4
    with pytest.raises(ValueError, match="not an individual covariate"):
        pradel_fit(oven, {"phi": "~ age"})
    with pytest.raises(ValueError, match="has parameters"):
        pradel_fit(oven, {"f": "~1"})


def test_plbl_trend_in_lambda_converges(oven, plbl):
    # from openCR's default start, quasi-Newton steps can stop in the flat region lambda < phi (no recruitment);
    # the fit starts from the constant model's optimum instead (Nelder-Mead from the default start: -660.9433811)
    fit = pradel_fit(oven, {"lambda": "~ Session"})
    assert fit.converged and fit.loglik == pytest.approx(-660.9433811, abs=1e-6)
    assert fit.loglik > plbl.loglik
    assert list(fit.real("lambda")["Session"]) == [0.0, 1.0, 2.0, 3.0]


def test_dispatcher_and_model_table(oven, cjs, plbl):
    by_sex = open_cr_fit(oven, "CJS", {"phi": "~ Sex"})
    assert open_cr_fit(oven, "PLBl").loglik == pytest.approx(plbl.loglik, abs=1e-8)
    table = open_model_selection({"null": cjs, "sex": by_sex})
    assert list(table.index) == ["sex", "null"] and table["AICcwt"].sum() == pytest.approx(1.0)
    assert table.loc["null", "dAICc"] == pytest.approx(cjs.aicc - by_sex.aicc)
    with pytest.raises(ValueError, match="cannot be ranked"):
        open_model_selection([cjs, plbl])
    with pytest.raises(ValueError, match="give a habitat mask"):
        open_cr_fit(oven, "CJSsecr")
    with pytest.raises(ValueError, match="type must be one of"):
        open_cr_fit(oven, "JSSAb")


def test_doctests():
    result = doctest.testmod(open_fit, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted == 6 and result.failed == 0
    result = doctest.testmod(open_join, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted == 5 and result.failed == 0


# ------------------------------------------------------------------ simulation
def test_fits_recover_simulated_truth():
    history, truth = sim_open_history(400, phi={"F": 0.8, "M": 0.6}, p=0.3, f=0.3, occasions=(5,) * 6, seed=20261207)
    assert truth["detected"].sum() == history.n
    cjs = cjs_fit(history, {"phi": "~ sex"})
    phi = cjs.real("phi").set_index("sex")
    for sex, value in {"F": 0.8, "M": 0.6}.items():
        assert abs(phi.loc[sex, "estimate"] - value) < 3 * phi.loc[sex, "SE"], sex
    assert abs(cjs.value("p") - 0.3) < 3 * cjs.value("p", "SE")
    plbf = pradel_fit(history, {"phi": "~ sex"}, type="PLBf")
    assert abs(plbf.value("f") - 0.3) < 3 * plbf.value("f", "SE")
    assert abs(plbf.value("p") - 0.3) < 3 * plbf.value("p", "SE")


# ------------------------------------------------------------------ spatial CJS
@pytest.fixture(scope="module")
def mask() -> Mask:
    return Mask(pd.read_csv(REF / "ovenCH_mask300.csv"), spacing=10.921875)


def test_spatial_cjs_likelihood_at_opencr_estimates(oven, mask):
    data = SpatialCJSData(oven, mask)
    phi = np.full((oven.n, oven.nsessions), SECR["phi"])
    value = cjs_secr_loglik(oven, data, phi, SECR["lambda0"], SECR["sigma"])
    assert value == pytest.approx(SECR_LOGLIK, abs=1e-6)


def test_spatial_cjs_matches_opencr(oven, mask):
    fit = cjs_secr_fit(oven, mask)
    assert fit.loglik == pytest.approx(SECR_LOGLIK, abs=1e-6)
    for name, value in SECR.items():
        assert fit.value(name) == pytest.approx(value, rel=1e-5), name
    assert fit.n_params == 3 and fit.converged and fit.notes == ()
    assert list(fit.coef.index) == ["lambda0", "phi", "sigma"]
    # openCR's spatial survival (0.608) is higher than its non-spatial one (0.463)
    assert fit.value("phi") > CJS["phi"]
    with pytest.raises(ValueError, match="individual covariates only"):
        cjs_secr_fit(oven, mask, {"sigma": "~ session"})


def _plain_plbsecrl(h, mask, phi, lam, lambda0, sigma) -> float:
    """openCR's ``prwisecr`` and ``PCH1secr`` for PLBsecrl (static, multi-catch, HHN), animal by animal.

    With ``h.usage`` (openCR's ``Tsk``), the hazard of detector k on occasion s is T_ks h_k(x)
    (openCR's ``gethcpp``, ``prw`` and ``pr0njmx``).
    """
    traps = h.traps[["x", "y"]].to_numpy(float)
    points = mask.points[["x", "y"]].to_numpy(float)
    d2 = ((points[:, None, :] - traps[None]) ** 2).sum(axis=2)
    lambda0, sigma = np.broadcast_to(lambda0, (h.n,)), np.broadcast_to(sigma, (h.n,))
    usage = np.ones((len(traps), h.noccasions)) if h.usage is None else h.usage
    J, prim = h.nsessions, h.primary
    loglik = 0.0
    for i in range(h.n):
        hazard = lambda0[i] * np.exp(-d2 / (2 * sigma[i] ** 2))
        total = hazard @ usage  # (M, S): total hazard on each occasion
        ph = [*phi[i, : J - 1], 0.0]
        beta = entry_probabilities(phi[i : i + 1], lam[i : i + 1], h.intervals, "lambda")[0]
        like = pdot = 0.0
        for b in range(J):
            for d in range(b, J):
                alive = beta[b] * np.prod(ph[b:d])
                exposed = total[:, (prim >= b) & (prim <= d)].sum(axis=1)
                pdot += alive * (1 - ph[d]) * (1 - np.exp(-exposed).mean())
                if b <= h.first[i] and d >= h.last[i] and (not h.censored[i] or d == h.last[i]):
                    a = np.full(len(points), 1 / len(points))
                    for s in range(h.noccasions):
                        if not b <= prim[s] <= d or (h.removed[i] and s + 1 > h.removed[i]):
                            continue
                        k = np.flatnonzero(h.counts[i, s])
                        if len(k):
                            a = a * (1 - np.exp(-total[:, s])) * usage[k[0], s] * hazard[:, k[0]] / total[:, s]
                        else:
                            a = a * np.exp(-total[:, s])
                    like += alive * (1.0 if h.censored[i] else 1 - ph[d]) * a.sum()
        loglik += np.log(like) - np.log(pdot)
    return loglik


def _plain_cjssecr(h, mask, phi, lambda0, sigma) -> float:
    """openCR's ``prwisecr`` for CJSsecr (static, multi-catch, HHN, ``CJSp1 = FALSE``) with usage, animal by animal."""
    traps = h.traps[["x", "y"]].to_numpy(float)
    points = mask.points[["x", "y"]].to_numpy(float)
    d2 = ((points[:, None, :] - traps[None]) ** 2).sum(axis=2)
    lambda0, sigma = np.broadcast_to(lambda0, (h.n,)), np.broadcast_to(sigma, (h.n,))
    usage = np.ones((len(traps), h.noccasions)) if h.usage is None else h.usage
    J, prim = h.nsessions, h.primary
    loglik = 0.0
    for i in range(h.n):
        hazard = lambda0[i] * np.exp(-d2 / (2 * sigma[i] ** 2))
        total = hazard @ usage
        f = h.first[i]
        like = 0.0
        for d in range(h.last[i], (h.last[i] if h.censored[i] else J - 1) + 1):
            alive = np.prod(phi[i, f:d]) * (1.0 if h.censored[i] or d == J - 1 else 1 - phi[i, d])
            a = np.full(len(points), 1 / len(points))
            for s in np.flatnonzero((prim > f) & (prim <= d)):
                if h.removed[i] and s + 1 > h.removed[i]:
                    continue
                k = np.flatnonzero(h.counts[i, s])
                if len(k):
                    a = a * (1 - np.exp(-total[:, s])) * usage[k[0], s] * hazard[:, k[0]] / total[:, s]
                else:
                    a = a * np.exp(-total[:, s])
            like += alive * a.sum()
        loglik += np.log(like)
    return loglik


def test_spatial_plb_likelihood_equals_plain_transcription(oven, mask):
    data = SpatialCJSData(oven, mask)
    rng = np.random.default_rng(3)
    phi = rng.uniform(0.3, 0.9, (oven.n, oven.nsessions))
    lam = rng.uniform(0.6, 1.4, (oven.n, oven.nsessions))
    value = pradel_secr_loglik(oven, data, phi, lam, 0.03, 110.0)
    assert value == pytest.approx(_plain_plbsecrl(oven, mask, phi, lam, 0.03, 110.0), rel=1e-12)
    # sex-specific detection (per-animal lambda0 and sigma)
    male = (oven.covariates["Sex"] == "M").to_numpy()
    lambda0, sigma = np.where(male, 0.02, 0.04), np.where(male, 130.0, 90.0)
    value = pradel_secr_loglik(oven, data, phi, lam, lambda0, sigma)
    assert value == pytest.approx(_plain_plbsecrl(oven, mask, phi, lam, lambda0, sigma), rel=1e-12)
    # the f parameterisation at f = lambda - phi is the same likelihood
    lam = np.full_like(phi, 1.1)
    value = pradel_secr_loglik(oven, data, phi, lam, 0.03, 110.0)
    assert pradel_secr_loglik(oven, data, phi, lam - phi, 0.03, 110.0, kind="f") == pytest.approx(value, rel=1e-12)


def test_spatial_plb_fit(oven, mask, plbl):
    fit = pradel_secr_fit(oven, mask)
    assert fit.type == "PLBsecrl" and fit.converged and fit.notes == ()
    assert list(fit.coef.index) == ["lambda0", "phi", "lambda", "sigma"]
    data = SpatialCJSData(oven, mask)
    reals = {name: fit.value(name) for name in ("lambda0", "phi", "lambda", "sigma")}
    full = np.full((oven.n, oven.nsessions), 1.0)
    at_fit = pradel_secr_loglik(
        oven, data, reals["phi"] * full, reals["lambda"] * full, reals["lambda0"], reals["sigma"]
    )
    assert fit.loglik == pytest.approx(at_fit, abs=1e-9)
    # a maximum: moving sigma by 1 % lowers the likelihood
    lower = pradel_secr_loglik(
        oven, data, reals["phi"] * full, reals["lambda"] * full, reals["lambda0"], 1.01 * reals["sigma"]
    )
    assert lower < fit.loglik
    # the rate of change agrees with the non-spatial model's within its SE
    assert abs(fit.value("lambda") - plbl.value("lambda")) < plbl.value("lambda", "SE")


def test_spatial_cjs_sex_specific_detection(oven, mask):
    data = SpatialCJSData(oven, mask)
    male = (oven.covariates["Sex"] == "M").to_numpy()
    phi = np.full((oven.n, oven.nsessions), 0.6)
    # the CJS likelihood is a sum over animals, so per-animal (sex-specific) detection splits by sex
    both = cjs_secr_loglik(oven, data, phi, np.where(male, 0.02, 0.03), np.where(male, 120.0, 100.0))
    as_f = cjs_secr_loglik(oven, data, phi, 0.03, 100.0)
    as_m = cjs_secr_loglik(oven, data, phi, 0.02, 120.0)
    swapped = cjs_secr_loglik(oven, data, phi, np.where(male, 0.03, 0.02), np.where(male, 100.0, 120.0))
    assert both == pytest.approx(as_f + as_m - swapped, rel=1e-12)
    fit = cjs_secr_fit(oven, mask, {"sigma": "~ Sex"})
    assert list(fit.coef.index) == ["lambda0", "phi", "sigma", "sigma.SexM"] and fit.converged
    assert list(fit.real("sigma").index) == ["sigma[Sex=F]", "sigma[Sex=M]"]


# ------------------------------------------------------------------ detector usage (openCR's Tsk)
def _without_nets(oven_chs, session: str, nets: list[str]):
    """ovenCH's sessions with ``nets`` taken out of ``session`` (their detections there dropped)."""
    chs = dict(oven_chs)
    ch = chs[session]
    keep = ~ch.traps.index.isin(nets)
    counts = ch.counts[:, :, keep]
    seen = counts.sum(axis=(1, 2)) > 0
    chs[session] = replace(
        ch,
        counts=counts[seen],
        traps=ch.traps[keep],
        ids=ch.ids[seen],
        covariates=None if ch.covariates is None else ch.covariates[seen],
        removed=None if ch.removed is None else ch.removed[seen],
    )
    return chs


@pytest.fixture(scope="module")
def oven_chs() -> dict:
    captures = pd.read_csv(REF / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    traps = pd.read_csv(REF / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    return make_capthists(captures, traps, detector="multi", noccasions=NOCCASIONS)


def test_usage_of_ones_gives_the_same_likelihood_exactly(oven, mask, oven_chs):
    rng = np.random.default_rng(6)
    phi = rng.uniform(0.3, 0.9, (oven.n, oven.nsessions))
    lam = rng.uniform(0.6, 1.4, (oven.n, oven.nsessions))
    ones = replace(oven, usage=np.ones((44, oven.noccasions)))
    joined = join_changing_sessions(oven_chs)  # the same nets in every session: usage of ones
    assert list(joined.traps.index) == list(oven.traps.index) and (joined.usage == 1).all()
    plain = SpatialCJSData(oven, mask)
    for history in (ones, joined):
        data = SpatialCJSData(history, mask)
        assert cjs_secr_loglik(history, data, phi, 0.03, 110.0) == cjs_secr_loglik(oven, plain, phi, 0.03, 110.0)
        with_usage = pradel_secr_loglik(history, data, phi, lam, 0.03, 110.0)
        assert with_usage == pradel_secr_loglik(oven, plain, phi, lam, 0.03, 110.0)


def test_a_dropped_detector_equals_usage_zero(mask, oven_chs):
    # nets 1-6 stand in every session but 2007: the history of 2007 on 38 nets, joined with usage
    nets = [str(k) for k in range(1, 7)]
    chs = _without_nets(oven_chs, "2007", nets)
    joined = join_changing_sessions(chs)
    assert joined.counts.shape[2] == 44 and list(joined.traps.index) == list(oven_chs["2005"].traps.index)
    in_2007 = joined.primary == 2
    assert (joined.usage[:6][:, in_2007] == 0).all() and (joined.usage[:6][:, ~in_2007] == 1).all()
    assert (joined.usage[6:] == 1).all()
    # the same detections on all 44 nets with usage 0 for nets 1-6 throughout equal the history without them
    fewer = join_sessions({k: _without_nets(chs, k, nets)[k] for k in chs})
    usage = np.ones((44, fewer.noccasions))
    usage[:6] = 0.0
    counts = np.concatenate([np.zeros((fewer.n, fewer.noccasions, 6), dtype=np.int64), fewer.counts], axis=2)
    zero = replace(fewer, counts=counts, traps=joined.traps, usage=usage)
    assert list(joined.traps.index[6:]) == list(fewer.traps.index)
    phi = np.full((fewer.n, fewer.nsessions), 0.6)
    lam = np.full((fewer.n, fewer.nsessions), 1.05)
    for loglik, args in ((cjs_secr_loglik, (phi,)), (pradel_secr_loglik, (phi, lam))):
        left = loglik(zero, SpatialCJSData(zero, mask), *args, 0.03, 110.0)
        right = loglik(fewer, SpatialCJSData(fewer, mask), *args, 0.03, 110.0)
        assert left == pytest.approx(right, rel=1e-12)
    # usage varying by net and occasion: the plain per-animal transcription of openCR's Tsk
    rng = np.random.default_rng(7)
    varied = replace(joined, usage=joined.usage * rng.uniform(0.2, 1.5, joined.usage.shape))
    data = SpatialCJSData(varied, mask)
    phi = rng.uniform(0.3, 0.9, (joined.n, joined.nsessions))
    lam = rng.uniform(0.6, 1.4, (joined.n, joined.nsessions))
    value = cjs_secr_loglik(varied, data, phi, 0.03, 110.0)
    assert value == pytest.approx(_plain_cjssecr(varied, mask, phi, 0.03, 110.0), rel=1e-12)
    value = pradel_secr_loglik(varied, data, phi, lam, 0.03, 110.0)
    assert value == pytest.approx(_plain_plbsecrl(varied, mask, phi, lam, 0.03, 110.0), rel=1e-12)


def test_join_changing_sessions_checks(oven_chs):
    moved = dict(oven_chs)
    traps = moved["2008"].traps.copy()
    traps.iloc[3, traps.columns.get_loc("x")] += 5.0
    moved["2008"] = replace(moved["2008"], traps=traps)
    with pytest.raises(ValueError, match="detector '4' is 5.0 m from its position in session '2005'"):
        join_changing_sessions(moved)
    assert join_changing_sessions(moved, tolerance_m=10.0).counts.shape == (70, 49, 44)
    joined = join_changing_sessions(oven_chs)
    usage = joined.usage.copy()
    animal, occasion, net = np.argwhere(joined.counts)[0]
    usage[net, occasion] = 0.0
    with pytest.raises(ValueError, match=f"detected at detector '{joined.traps.index[net]}' on occasion"):
        replace(joined, usage=usage)
    with pytest.raises(ValueError, match="usage must have shape"):
        replace(joined, usage=usage[:, :10])
    with pytest.raises(ValueError, match="usage must be one of"):
        join_changing_sessions(oven_chs, usage="days")


def test_spatial_cjs_fit_with_usage(mask, oven_chs):
    # nets 1-6 lost in 2007: the fit on all nets with usage is close to openCR's on the full data
    joined = join_changing_sessions(_without_nets(oven_chs, "2007", [str(k) for k in range(1, 7)]))
    fit = cjs_secr_fit(joined, mask)
    assert fit.converged and fit.notes == ()
    assert fit.value("sigma") == pytest.approx(SECR["sigma"], rel=0.1)
    assert abs(fit.value("phi") - SECR["phi"]) < fit.value("phi", "SE")


def test_spatial_cjs_by_sex_with_usage(mask, oven_chs):
    # survival and detection by sex on a grid that lost nets 1-6 in 2007: the plain transcription, animal by animal
    sex = pd.read_csv(REF / "ovenCH_individual_covariates.csv", dtype=str).drop_duplicates("ID").set_index("ID")
    joined = join_changing_sessions(_without_nets(oven_chs, "2007", [str(k) for k in range(1, 7)]), covariates=sex)
    assert joined.covariates["Sex"].value_counts().to_dict() == {"F": 35, "M": 33}  # 2 seen only at nets 1-6
    male = (joined.covariates["Sex"] == "M").to_numpy()
    phi = np.repeat(np.where(male, 0.7, 0.5)[:, None], joined.nsessions, axis=1)
    lambda0, sigma = np.where(male, 0.03, 0.02), np.where(male, 120.0, 100.0)
    value = cjs_secr_loglik(joined, SpatialCJSData(joined, mask), phi, lambda0, sigma)
    assert value == pytest.approx(_plain_cjssecr(joined, mask, phi, lambda0, sigma), rel=1e-12)
