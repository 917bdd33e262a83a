"""Tests of the density surfaces for maps (nbtools.secr.surfaces): realised, expected, per session.

The realised surface is :func:`nbtools.secr.fx_total` on a grid (secr 5.3.0's ``fxTotal`` on captdata:
116.3204487 animals in the mask, see tests/test_secr_realised.py), so it must hold the same numbers: its integral
equals fx_total's total within 1e-6 relative, its cells equal fx_total_surface's. The expected surface of a habitat
model integrates to the fit's E.N (region_n) within 1e-6 relative. A multi-session fit with every parameter
session-specific is the sum of independent single-session likelihoods, so its per-session surfaces equal those of
separate single-session fits up to the optimiser's tolerance (1e-4 relative, as our fits and R's differ by 1e-5).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from nbtools.secr import Mask, make_capthist, make_capthists, make_mask, secr_fit
from nbtools.secr.realised import fx_total, fx_total_surface
from nbtools.secr.surfaces import (
    SURFACE_UNITS,
    activity_centres,
    expected_surface,
    realised_surface,
    stack_sessions,
    surface_total,
)

REF = Path(__file__).parent / "data" / "reference"
SECR_FX_TOTAL = 116.3204487  # secr 5.3.0: fxTotal(secr.fit(captdata, buffer = 100, detectfn = "HN")), animals


def _captdata() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_csv(REF / "secr-captdata-traps.csv"), pd.read_csv(REF / "secr-captdata-captures.csv")


@pytest.fixture(scope="module")
def captdata_fit():
    traps, captures = _captdata()
    ch = make_capthist(captures, traps, detector="single")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # single-catch traps fitted as multi-catch
        # the mask of secr.fit(captdata, buffer = 100) (given positionally: parameter names are being renamed)
        return secr_fit(ch, mask=make_mask(ch.traps, 100.0), detectfn="HN", progress=False)


@pytest.fixture(scope="module")
def habitat_fit():
    """captdata with density log-linear in a mask covariate (a made-up east-west habitat gradient)."""
    traps, captures = _captdata()
    ch = make_capthist(captures, traps, detector="multi")
    mask = make_mask(ch.traps, 100.0)
    east = (mask.x - 500.0) / 100.0
    mask = Mask(mask.points.assign(east=east, cover=np.cos(mask.y / 80.0)), mask.spacing)
    return secr_fit(ch, mask=mask, detectfn="HN", density="~ east + cover", progress=False)


@pytest.fixture(scope="module")
def oven():
    """ovenCH 2008 and 2009 (secr's ovenbird nets) with the mask of tests/test_secr_realised.py."""
    ref = REF / "turn2"
    captures = pd.read_csv(ref / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    traps = pd.read_csv(ref / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    noccasions = {"2005": 9, "2006": 10, "2007": 10, "2008": 10, "2009": 10}
    chs = make_capthists(captures, traps, detector="multi", noccasions=noccasions)
    chs = {s: chs[s] for s in ("2008", "2009")}
    mask = Mask(pd.read_csv(ref / "ovenCH_mask300.csv"), spacing=10.921875)
    joint = secr_fit(chs, mask=mask, density="~session", detection="~session", progress=False)
    single = {s: secr_fit(ch, mask=mask, progress=False) for s, ch in chs.items()}
    return chs, mask, joint, single


# ---------------------------------------------------------------------------- realised surface
def test_realised_surface_integrates_to_fx_total(captdata_fit):
    table = fx_total(captdata_fit)
    surface = realised_surface(captdata_fit, crs="EPSG:32652")
    assert surface.dims == ("y", "x") and surface.name == "density"
    assert surface.attrs["units"] == SURFACE_UNITS and surface.attrs["crs"] == "EPSG:32652"
    assert surface.attrs["part"] == "total" and surface.attrs["density_model"] == "D ~1"
    assert surface_total(surface) == pytest.approx(table.attrs["total"], rel=1e-6)
    assert surface_total(surface) == pytest.approx(SECR_FX_TOTAL, rel=1e-4)  # secr's number, our MLE
    for part, key in (("detected", "detected"), ("undetected", "undetected")):
        assert surface_total(realised_surface(captdata_fit, part=part)) == pytest.approx(table.attrs[key], rel=1e-6)
    assert surface_total(realised_surface(captdata_fit, part="detected")) == pytest.approx(76.0, rel=1e-9)


def test_realised_surface_equals_fx_total_at_the_mask_points(captdata_fit):
    table = fx_total(captdata_fit)
    grid = fx_total_surface(captdata_fit, per="100km2")
    for part in ("total", "detected", "undetected"):
        surface = realised_surface(captdata_fit, part=part)
        xr.testing.assert_allclose(surface.drop_attrs(), grid[part].drop_attrs(), rtol=1e-12)
    surface = realised_surface(captdata_fit)
    at_points = surface.sel(x=xr.DataArray(table["x"]), y=xr.DataArray(table["y"])).to_numpy()
    np.testing.assert_allclose(at_points, table["D.sum"].to_numpy() * 1e4, rtol=1e-12)
    assert int(surface.notnull().sum()) == len(captdata_fit.mask)
    # north up, cell centres on the mask's lattice
    assert (np.diff(surface["y"]) < 0).all() and np.allclose(np.diff(surface["x"]), captdata_fit.mask.spacing)


def test_realised_surface_is_not_flat_where_the_constant_model_is(captdata_fit):
    """The fitted D ~ 1 says nothing about where animals live; the realised surface does."""
    expected = expected_surface(captdata_fit)
    realised = realised_surface(captdata_fit)
    assert float(expected.std()) == pytest.approx(0.0, abs=1e-9)
    assert float(expected.mean()) == pytest.approx(captdata_fit.density_per_100km2, rel=1e-12)
    assert float(realised.max()) > 3 * float(expected.max())
    # D ~ 1 at the MLE: the expected and the realised N in the mask agree (secr's E.N = R.N)
    assert surface_total(realised) == pytest.approx(surface_total(expected), rel=1e-5)


# ---------------------------------------------------------------------------- expected surface
def test_expected_surface_of_a_habitat_model_integrates_to_en(habitat_fit):
    surface = expected_surface(habitat_fit)
    region = habitat_fit.region_n()
    assert surface_total(surface) == pytest.approx(region.loc["E.N", "estimate"], rel=1e-6)
    assert surface.attrs["part"] == "expected" and surface.attrs["density_model"] == "D ~ east + cover"
    fitted = habitat_fit.density_surface(per="100km2")
    np.testing.assert_allclose(surface.to_numpy(), fitted.to_numpy(), rtol=1e-12)
    # density follows the covariate: the east-west gradient shows in the surface
    coefficient = habitat_fit.coefficients.loc["D.east", "beta"]
    west, east = surface.isel(x=slice(0, 5)).mean(), surface.isel(x=slice(-5, None)).mean()
    assert np.sign(float(east - west)) == np.sign(coefficient)
    # the realised surface of the habitat model integrates to its realised N
    assert surface_total(realised_surface(habitat_fit)) == pytest.approx(region.loc["R.N", "estimate"], rel=1e-6)


def test_surface_total_units_and_errors(habitat_fit):
    per_ha = habitat_fit.density_surface(per="ha")
    assert surface_total(per_ha) == pytest.approx(surface_total(expected_surface(habitat_fit)), rel=1e-12)
    with pytest.raises(ValueError, match="units"):
        surface_total(per_ha.assign_attrs(units="animals / km2"))
    with pytest.raises(ValueError, match="part must be"):
        realised_surface(habitat_fit, part="both")
    with pytest.raises(ValueError, match="multi-session"):
        realised_surface(habitat_fit, session="2008")
    with pytest.raises(TypeError, match="SECRFit"):
        expected_surface(per_ha)


# ---------------------------------------------------------------------------- sessions
def test_per_session_surfaces_match_single_session_fits(oven):
    chs, mask, joint, single = oven
    realised = realised_surface(joint)
    expected = expected_surface(joint)
    assert realised.dims == ("session", "y", "x") and list(realised["session"].values) == ["2008", "2009"]
    totals = surface_total(realised)
    assert isinstance(totals, pd.Series) and list(totals.index) == ["2008", "2009"]
    for session, fit in single.items():
        one = realised_surface(joint, session=session)
        assert one.dims == ("y", "x") and one["session"].item() == session
        xr.testing.assert_allclose(realised.sel(session=session), one)
        assert totals[session] == pytest.approx(fx_total(joint, session).attrs["total"], rel=1e-6)
        np.testing.assert_allclose(one.to_numpy(), realised_surface(fit).to_numpy(), rtol=1e-4)
        np.testing.assert_allclose(
            expected.sel(session=session).to_numpy(), expected_surface(fit).to_numpy(), rtol=1e-4
        )
        assert surface_total(expected.sel(session=session)) == pytest.approx(
            fit.region_n().loc["E.N", "estimate"], rel=1e-4
        )
    with pytest.raises(KeyError, match="no session"):
        realised_surface(joint, session="2005")


def test_sessions_with_their_own_masks_share_one_grid(oven):
    chs, mask, _, _ = oven
    half = mask.subset(mask.x < np.median(mask.x))
    joint = secr_fit(chs, mask={"2008": mask, "2009": half}, density="~session", progress=False)
    surface = realised_surface(joint)
    assert surface.sizes["x"] == realised_surface(joint, session="2008").sizes["x"]
    assert int(surface.sel(session="2009").notnull().sum()) == len(half)
    assert int(surface.sel(session="2008").notnull().sum()) == len(mask)
    assert surface_total(surface)["2009"] == pytest.approx(fx_total(joint, "2009").attrs["total"], rel=1e-6)
    panel = realised_surface(joint, session="2009")
    shifted = panel.assign_coords(x=panel["x"] + mask.spacing / 3)
    with pytest.raises(ValueError, match="offset"):
        stack_sessions({"2008": realised_surface(joint, session="2008"), "2009": shifted})
    coarse = panel.isel(x=slice(None, None, 2), y=slice(None, None, 2))
    with pytest.raises(ValueError, match="cells of"):
        stack_sessions({"2008": panel, "2009": coarse})


# ---------------------------------------------------------------------------- activity centres
def test_activity_centres(captdata_fit, oven):
    centres = activity_centres(captdata_fit)
    ch = captdata_fit.capthist
    assert list(centres.index) == list(ch.ids) and {"x", "y", "x_mode", "y_mode", "sd"} <= set(centres.columns)
    mask = captdata_fit.mask
    assert centres["x"].between(mask.x.min(), mask.x.max()).all()
    assert (centres["sd"] > 0).all() and (centres["sd"] < 3 * captdata_fit.sigma).all()
    # each animal's centre lies near the traps where it was caught (within 3 sigma: an animal caught once at the
    # edge of the grid is pulled outwards, where its misses at the other traps are likelier)
    for i in range(ch.n):
        caught = ch.traps.loc[ch.counts[i].sum(axis=0) > 0, ["x", "y"]].to_numpy(float).mean(axis=0)
        assert np.hypot(*(centres.iloc[i][["x", "y"]].to_numpy(float) - caught)) < 3 * captdata_fit.sigma
    _, _, joint, _ = oven
    both = activity_centres(joint)
    assert list(both["session"].unique()) == ["2008", "2009"]
    assert len(both) == joint.n
    one = activity_centres(joint, "2009")
    np.testing.assert_allclose(one["x"].to_numpy(), both.loc[both["session"] == "2009", "x"].to_numpy())


def test_surfaces_at_other_coefficients_follow_the_model(captdata_fit):
    """At a larger density the undetected part grows in proportion and the detected part stays n."""
    beta = captdata_fit._beta.copy()
    beta[0] += np.log(2.0)
    doubled = dataclasses.replace(captdata_fit, _beta=beta)
    undetected = realised_surface(captdata_fit, part="undetected")
    np.testing.assert_allclose(
        realised_surface(doubled, part="undetected").to_numpy(), 2 * undetected.to_numpy(), rtol=1e-12
    )
    assert surface_total(realised_surface(doubled, part="detected")) == pytest.approx(76.0, rel=1e-9)


def test_expected_surface_of_a_multisession_habitat_trend(oven):
    """D ~ Session + habitat: each session's expected surface is the previous one times the trend, cell by cell."""
    chs, mask, _, _ = oven
    habitat = Mask(mask.points.assign(cover=np.cos(mask.x / 60.0) + mask.y / 300.0), mask.spacing)
    fit = secr_fit(chs, mask=habitat, density="~ Session + cover", progress=False)
    expected = expected_surface(fit)
    ratio = (expected.sel(session="2009") / expected.sel(session="2008")).to_numpy()
    ratio = ratio[np.isfinite(ratio)]
    np.testing.assert_allclose(ratio, fit.trend["estimate"], rtol=1e-9)
    beta = fit.coefficients["beta"]
    first = np.exp(beta["D"] + beta["D.cover"] * habitat.points["cover"].to_numpy()) * 1e4  # per 100 km2
    assert surface_total(expected)["2008"] == pytest.approx(first.sum() * habitat.cell_area / 1e4, rel=1e-9)
    assert surface_total(realised_surface(fit, part="detected")).to_dict() == pytest.approx(
        {s: float(ch.n) for s, ch in chs.items()}, rel=1e-9
    )
