"""Tests of multi-session SECR (nbtools.secr.sessions) against R's secr 5.3.0 on ovenCH.

Reference values (R 4.2.2, secr 5.3.0; ../shared/data/reference/turn2/README.md): ovenCH, detectors multi, five
sessions (2005-2009), half-normal, Poisson N, ``mask <- make.mask(traps(ovenCH), buffer = 300)``:

* ``secr.fit(ovenCH, mask = mask, model = list(D ~ 1))``;
* ``secr.fit(ovenCH, mask = mask, model = list(D ~ Session))``.

Tolerances: log-likelihood 1e-6 absolute (we agree to about 1e-9); estimates 1e-4 relative (R's optimiser stops
within about 1e-5 of the maximum: sigma differs by 2e-4 m); SEs 1e-3 relative (R's Hessian is a finite-difference
one; ours differs from it by 4e-4 relative), the same tolerances as the single-session tests on captdata.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbtools.secr import (
    CaptureHistory,
    Mask,
    MultiSessionFit,
    make_capthists,
    make_mask,
    secr_fit,
    sim_capthist,
    sim_popn,
)

REF = Path(__file__).parent / "data" / "reference" / "turn2"
NOCCASIONS = {"2005": 9, "2006": 10, "2007": 10, "2008": 10, "2009": 10}
SESSIONS = list(NOCCASIONS)

# secr 5.3.0: secr.fit(ovenCH, mask = mask, model = list(D ~ 1))
D1_LOGLIK = -931.1415954
D1 = {"D": 0.910870443, "g0": 0.02763081118, "sigma": 78.56615183}
D1_SE_D = 0.1255267295
# secr 5.3.0: secr.fit(ovenCH, mask = mask, model = list(D ~ Session))
TREND_LOGLIK = -930.7265488
TREND_D = [1.0325405, 0.9686658, 0.9087424, 0.8525261, 0.7997873]
TREND = {"g0": 0.02760015048, "sigma": 78.56977174}


@pytest.fixture(scope="module")
def oven() -> dict:
    captures = pd.read_csv(REF / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    traps = pd.read_csv(REF / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    return make_capthists(captures, traps, detector="multi", noccasions=NOCCASIONS)


@pytest.fixture(scope="module")
def mask() -> Mask:
    return Mask(pd.read_csv(REF / "ovenCH_mask300.csv"), spacing=10.921875)


@pytest.fixture(scope="module")
def fit_d1(oven, mask) -> MultiSessionFit:
    return secr_fit(oven, mask=mask, density="~1", progress=False)


@pytest.fixture(scope="module")
def fit_trend(oven, mask) -> MultiSessionFit:
    return secr_fit(oven, mask=mask, density="~ Session", progress=False)


def test_ovench_capture_histories(oven, mask):
    assert list(oven) == SESSIONS
    assert [ch.n for ch in oven.values()] == [20, 22, 26, 19, 16]
    assert [ch.noccasions for ch in oven.values()] == list(NOCCASIONS.values())
    assert {ch.ntraps for ch in oven.values()} == {44}
    assert sum(ch.detections for ch in oven.values()) == 192
    # one bird of 2009 died at its capture on occasion 3 (secr: a negative entry)
    removed = {s: ch.removed for s, ch in oven.items() if ch.removed is not None}
    assert list(removed) == ["2009"] and removed["2009"].tolist().count(3) == 1 and removed["2009"].sum() == 3
    assert len(mask) == 6848


def test_ovench_constant_density_matches_secr(fit_d1):
    fit = fit_d1
    assert fit.loglik == pytest.approx(D1_LOGLIK, abs=1e-6)
    assert fit.n_params == 3 and fit.n == 103 and fit.converged and fit.messages == []
    assert fit.aic == pytest.approx(-2 * D1_LOGLIK + 2 * 3, abs=1e-5)
    assert fit.aicc == pytest.approx(fit.aic + 2 * 3 * 4 / (103 - 3 - 1), rel=1e-12)
    for session in SESSIONS:
        est = fit.estimates.loc[session]
        for name, value in D1.items():
            assert est.loc[name, "estimate"] == pytest.approx(value, rel=1e-4), (session, name)
        assert est.loc["D", "SE"] == pytest.approx(D1_SE_D, rel=1e-3)
    assert fit.density.to_numpy() == pytest.approx(np.full(5, D1["D"]), rel=1e-4)
    assert fit.trend is None


def test_ovench_loglinear_trend_matches_secr(fit_trend):
    fit = fit_trend
    assert fit.loglik == pytest.approx(TREND_LOGLIK, abs=1e-6)
    assert fit.n_params == 4 and fit.converged
    assert fit.aic == pytest.approx(-2 * TREND_LOGLIK + 2 * 4, abs=1e-5)
    assert fit.density.to_numpy() == pytest.approx(TREND_D, rel=1e-4)
    assert fit.real("g0").to_numpy() == pytest.approx(np.full(5, TREND["g0"]), rel=1e-4)
    assert fit.sigma.to_numpy() == pytest.approx(np.full(5, TREND["sigma"]), rel=1e-4)
    # D ~ Session: log D_s = b0 + b1 s with s = 0, 1, ... (secr's Session), so D_s+1 / D_s = exp(b1)
    ratio = np.asarray(TREND_D[1:]) / np.asarray(TREND_D[:-1])
    assert fit.trend["estimate"] == pytest.approx(ratio.mean(), rel=1e-4)
    assert list(fit.coefficients.index) == ["D", "D.Session", "g0", "sigma"]
    b = fit.coefficients["beta"]
    assert np.exp(b["D"] + b["D.Session"] * np.arange(5)) == pytest.approx(fit.density.to_numpy(), rel=1e-10)
    # the SE of each session's D is the log-normal one of its linear predictor (secr's se.untransform)
    x = np.column_stack([np.ones(5), np.arange(5)])
    v = fit.vcov.loc[["D", "D.Session"], ["D", "D.Session"]].to_numpy()
    se_eta = np.sqrt(np.einsum("ij,jk,ik->i", x, v, x))
    assert fit.density_se.to_numpy() == pytest.approx(fit.density.to_numpy() * np.sqrt(np.expm1(se_eta**2)), rel=1e-10)


def test_session_specific_model_equals_separate_fits(oven, mask):
    """D ~ session with session-specific detection is the product of independent likelihoods."""
    three = {s: oven[s] for s in ("2007", "2008", "2009")}
    joint = secr_fit(three, mask=mask, density="~session", detection="~session", progress=False)
    assert joint.n_params == 9
    assert list(joint.coefficients.index) == [
        "D",
        "D.session2008",
        "D.session2009",
        "g0",
        "g0.session2008",
        "g0.session2009",
        "sigma",
        "sigma.session2008",
        "sigma.session2009",
    ]
    total = 0.0
    for session, ch in three.items():
        single = secr_fit(ch, mask=mask, progress=False)
        total += single.loglik
        for name in ("D", "g0", "sigma"):
            assert joint.estimates.loc[(session, name), "estimate"] == pytest.approx(
                single.estimates.loc[name, "estimate"], rel=1e-6
            )
            assert joint.estimates.loc[(session, name), "SE"] == pytest.approx(
                single.estimates.loc[name, "SE"], rel=1e-5
            )
    assert joint.loglik == pytest.approx(total, abs=1e-6)


def test_density_per_session_with_shared_detection(oven, mask, fit_d1, fit_trend):
    fit = secr_fit(oven, mask=mask, density="~session", progress=False)
    assert fit.n_params == 7 and fit.converged
    # nested models: D ~ 1 and D ~ Session are special cases of D ~ session
    assert fit.loglik >= fit_trend.loglik - 1e-6 >= fit_d1.loglik - 1e-6
    # with detection shared, each session's density is its n over its effective sampling area at the
    # joint detection parameters (d loglik / d D_s = n_s / D_s - esa_s = 0), computed here directly:
    # multi-catch nets used on every occasion, p.(x) = 1 - exp(-S sum_k -log(1 - g0 exp(-d_k^2 / (2 sigma^2))))
    g0, sigma = fit.real("g0").iloc[0], fit.sigma.iloc[0]
    for session, ch in oven.items():
        xy = ch.traps[["x", "y"]].to_numpy(float)
        d2 = ((mask.xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
        hazard = -np.log1p(-g0 * np.exp(-d2 / (2 * sigma**2))).sum(axis=1)
        esa = mask.cell_area * (-np.expm1(-ch.noccasions * hazard)).sum()
        assert fit.density[session] == pytest.approx(ch.n / esa, rel=1e-5)


def test_masks_per_session_and_removed_animals(oven, mask):
    """A mapping of masks (one per session) gives the same fit as the shared mask; removal changes the likelihood."""
    two = {s: oven[s] for s in ("2008", "2009")}
    shared = secr_fit(two, mask=mask, progress=False)
    per_session = secr_fit(two, mask={"2008": mask, "2009": mask}, progress=False)
    assert per_session.loglik == pytest.approx(shared.loglik, abs=1e-9)
    # a smaller mask in one session changes only that session's integral
    smaller = mask.subset((np.abs(mask.x) < 250) & (np.abs(mask.y) < 450))
    other = secr_fit(two, mask={"2008": mask, "2009": smaller}, progress=False)
    assert other.masks["2009"] is smaller and other.loglik != pytest.approx(shared.loglik, abs=1e-3)
    # the bird that died at capture: ignoring its death (later occasions as misses) lowers the likelihood
    alive = {s: dataclasses.replace(ch, removed=None) for s, ch in two.items()}
    assert secr_fit(alive, mask=mask, progress=False).loglik < shared.loglik


def test_make_capthists_negative_occasion_equals_alive_column(oven):
    captures = pd.read_csv(REF / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    traps = pd.read_csv(REF / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    negative = captures.assign(occasion=np.where(captures["alive"] == 0, -captures["occasion"], captures["occasion"]))
    chs = make_capthists(negative.drop(columns="alive"), traps, detector="multi", noccasions=NOCCASIONS)
    assert np.array_equal(chs["2009"].removed, oven["2009"].removed)
    assert all(np.array_equal(chs[s].counts, oven[s].counts) for s in SESSIONS)


def test_multisession_input_errors(oven, mask):
    with pytest.raises(ValueError, match="single session"):
        secr_fit(oven, mask=mask, mixture="h2", progress=False)
    with pytest.raises(ValueError, match="detection formulas may use"):
        secr_fit(oven, mask=mask, detection={"sigma": "~ forest"}, progress=False)
    with pytest.raises(ValueError, match="multi-session"):
        secr_fit(oven["2005"], mask=mask, detection="~session", progress=False)
    with pytest.raises(KeyError, match="no value for session .2006"):
        secr_fit(oven, mask={"2005": mask}, progress=False)
    with pytest.raises(ValueError, match="removed on occasion"):
        dataclasses.replace(oven["2005"], removed=np.full(oven["2005"].n, 9))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean fit raises no warning
        two = {s: oven[s] for s in ("2005", "2006")}
        assert secr_fit(two, mask=mask, progress=False).converged


def test_aic_table_of_multisession_models(fit_d1, fit_trend):
    from nbtools.secr import model_selection

    table = model_selection({"D~1": fit_d1, "D~Session": fit_trend})
    assert list(table["model"].loc[["D~1", "D~Session"]]) == ["D~1 g0~1 sigma~1", "D~Session g0~1 sigma~1"]
    assert table.loc["D~1", "AICc"] == pytest.approx(-2 * D1_LOGLIK + 6 + 2 * 3 * 4 / (103 - 4), abs=1e-5)
    assert table.loc["D~Session", "AICc"] == pytest.approx(-2 * TREND_LOGLIK + 8 + 2 * 4 * 5 / (103 - 5), abs=1e-5)
    assert table.index[0] == "D~1"  # the trend does not pay for its coefficient (secr: same loglik)
    assert table["AICcwt"].sum() == pytest.approx(1.0)


def test_density_model_with_mask_covariate(oven, mask):
    two = {s: oven[s] for s in ("2005", "2006")}
    with_cov = Mask(mask.points.assign(northing=mask.y / 1000.0), spacing=mask.spacing)
    fit = secr_fit(two, mask=with_cov, density="~ session + northing", progress=False)
    assert fit.converged
    assert list(fit.coefficients.index[:3]) == ["D", "D.session2006", "D.northing"]
    b = fit.coefficients["beta"]
    for j, session in enumerate(two):
        surface = np.exp(b["D"] + j * b["D.session2006"] + b["D.northing"] * with_cov.y / 1000.0)
        assert fit.density[session] == pytest.approx(surface.mean(), rel=1e-8)  # the mask mean, as secr


# ---------------------------------------------------------------------------- known classes (secr's hcov)
SEX_SIGMA = {"F": 12.0, "M": 22.0}


@pytest.fixture(scope="module")
def sexed(grid) -> tuple[dict[str, CaptureHistory], Mask]:
    """Two sessions on the 6 x 6 grid (counts, HHN, 5 occasions), sexes with different sigma."""
    mask = make_mask(grid, buffer_m=90, nx=30)
    out = {}
    for label, density, seed in (("2000", 30, 31), ("2001", 40, 51)):
        popn = sim_popn(mask, density=density, seed=seed)
        popn["sex"] = np.random.default_rng(seed + 1).choice(["F", "M"], len(popn))
        sigma = popn["sex"].map(SEX_SIGMA).to_numpy()
        out[label] = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=sigma, noccasions=5, seed=seed + 2)
    return out, mask


H2 = {"lambda0": "~h2", "sigma": "~h2"}


def test_known_classes_one_session_equals_the_single_session_fit(sexed):
    """hcov with one session: the single-session likelihood with known classes (secr_fit(..., group=))."""
    chs, mask = sexed
    one = {"2000": chs["2000"]}
    multi = secr_fit(one, mask=mask, detectfn="HHN", group="sex", detection=H2, progress=False)
    single = secr_fit(
        chs["2000"], mask=mask, detectfn="HHN", group="sex", class_params=("sigma", "lambda0"), progress=False
    )
    assert multi.loglik == pytest.approx(single.loglik, abs=1e-9)
    assert multi.classes == single.classes == ["F", "M"] and multi.group == "sex"
    assert list(multi.coefficients.index) == ["D", "lambda0", "lambda0.h2M", "sigma", "sigma.h2M", "pmix"]
    for name in ("D", "lambda0[F]", "lambda0[M]", "sigma[F]", "sigma[M]", "pmix[F]", "pmix[M]"):
        row, ref = multi.estimates.loc[("2000", name)], single.estimates.loc[name]
        assert row["estimate"] == pytest.approx(ref["estimate"], rel=1e-5), name
        assert row["SE"] == pytest.approx(ref["SE"], rel=1e-3), name
        assert row["lcl"] == pytest.approx(ref["lcl"], rel=1e-3), name
    # h2 is a treatment contrast: sigma.h2M = log(sigma[M] / sigma[F])
    b = multi.coefficients["beta"]
    sig = multi.estimates.xs("2000")["estimate"]
    assert b["sigma.h2M"] == pytest.approx(np.log(sig["sigma[M]"] / sig["sigma[F]"]), rel=1e-10)


def test_known_classes_are_a_grouped_model_with_a_binomial_factor(sexed):
    """secr's ?hcov: with every class known, the model is a grouped model with a binomial factor for class:
    with everything specific to session and class its log-likelihood is the sum of separate fits of each
    session and sex (each a Poisson population), and D the sum of the sexes' densities."""
    chs, mask = sexed
    joint = secr_fit(
        chs,
        mask=mask,
        detectfn="HHN",
        density="~session",
        group="sex",
        detection={"lambda0": "~h2 * session", "sigma": "~h2 * session", "pmix": "~session"},
        progress=False,
    )
    assert joint.n_params == 12 and joint.converged
    total = 0.0
    for label, ch in chs.items():
        density = {}
        for sex in ("F", "M"):
            keep = (ch.covariates["sex"] == sex).to_numpy()
            sub = CaptureHistory(ch.counts[keep], ch.traps, "count", ids=ch.ids[keep])
            alone = secr_fit(sub, mask=mask, detectfn="HHN", progress=False)
            total += alone.loglik
            density[sex] = alone.density
            for name in ("lambda0", "sigma"):
                assert joint.estimates.loc[(label, f"{name}[{sex}]"), "estimate"] == pytest.approx(
                    alone.estimates.loc[name, "estimate"], rel=1e-4
                )
        assert joint.density[label] == pytest.approx(density["F"] + density["M"], rel=1e-4)
        assert joint.estimates.loc[(label, "pmix[M]"), "estimate"] == pytest.approx(
            density["M"] / (density["F"] + density["M"]), rel=1e-4
        )
    assert joint.loglik == pytest.approx(total, abs=1e-6)


def test_known_classes_with_a_trend_share_detection_and_pmix(sexed):
    chs, mask = sexed
    fit = secr_fit(chs, mask=mask, detectfn="HHN", density="~Session", group="sex", detection=H2, progress=False)
    assert list(fit.coefficients.index) == [
        "D",
        "D.Session",
        "lambda0",
        "lambda0.h2M",
        "sigma",
        "sigma.h2M",
        "pmix",
    ]
    assert fit.converged and fit.n_params == 7
    assert fit.trend["estimate"] == pytest.approx(np.exp(fit.coefficients.loc["D.Session", "beta"]), rel=1e-12)
    est = fit.estimates
    for name in ("sigma[F]", "sigma[M]", "pmix[M]"):  # shared by the sessions
        assert est.loc[("2000", name), "estimate"] == pytest.approx(est.loc[("2001", name), "estimate"], rel=1e-12)
    assert est.loc[("2000", "sigma[F]"), "estimate"] < est.loc[("2000", "sigma[M]"), "estimate"]
    assert fit.real("pmix[F]").to_numpy() + fit.real("pmix[M]").to_numpy() == pytest.approx([1.0, 1.0])
    assert "classes sex ['F', 'M']" in repr(fit)
    # the analytic gradient of the joint likelihood with classes equals central differences
    lik, beta = fit._lik, fit._beta + 0.05
    step = 1e-6
    numeric = [
        (lik.evaluate(beta + e * step, gradient=False).loglik - lik.evaluate(beta - e * step, gradient=False).loglik)
        / (2 * step)
        for e in np.eye(len(beta))
    ]
    assert lik.evaluate(beta).gradient == pytest.approx(numeric, abs=1e-4)
    # detection common to the classes (no h2): one row per parameter, the classes still in the likelihood
    common = secr_fit(chs, mask=mask, detectfn="HHN", density="~Session", group="sex", progress=False)
    assert "sigma" in common.estimates.xs("2000").index and common.n_params == 5
    assert common.loglik < fit.loglik


def test_known_classes_model_selection_and_errors(sexed):
    from nbtools.secr import model_selection

    chs, mask = sexed
    with_classes = secr_fit(chs, mask=mask, detectfn="HHN", group="sex", detection=H2, progress=False)
    without = secr_fit(chs, mask=mask, detectfn="HHN", progress=False)
    with pytest.raises(ValueError, match="known classes"):
        model_selection([with_classes, without])
    common = secr_fit(chs, mask=mask, detectfn="HHN", group="sex", progress=False)
    table = model_selection({"h2": with_classes, "common": common})
    assert table.index[0] == "h2" and table.loc["h2", "model"] == "D~1 lambda0~h2 sigma~h2 pmix~1"
    with pytest.raises(ValueError, match="detection formulas may use 'session', 'Session' only"):
        secr_fit(chs, mask=mask, detectfn="HHN", detection=H2, progress=False)
    with pytest.raises(ValueError, match="pmix needs known classes"):
        secr_fit(chs, mask=mask, detectfn="HHN", detection={"pmix": "~1"}, progress=False)
    with pytest.raises(KeyError, match="session '2000': no individual covariate 'age'"):
        secr_fit(chs, mask=mask, detectfn="HHN", group="age", progress=False)
    with pytest.raises(ValueError, match="class_params is single-session"):
        secr_fit(chs, mask=mask, detectfn="HHN", group="sex", class_params=("lambda0",), progress=False)
    with pytest.raises(ValueError, match="pmix formula"):
        secr_fit(chs, mask=mask, detectfn="HHN", group="sex", detection={"pmix": "~h2"}, progress=False)
