"""Tests of the realised density surface (nbtools.secr.realised) against secr 5.3.0's fxTotal on captdata.

Reference (R 4.2.2, secr 5.3.0; ../shared/data/reference/turn2/README.md, last section):
``fit <- secr.fit(captdata, buffer = 100, detectfn = "HN"); fx <- fxTotal(fit)``: 3,936 mask points, cell
0.005393066406 ha; the detected animals' part sums to 76 animals, the undetected part to 40.32044871, in all
116.3204487 animals in the mask; the largest density 19.80657328 /ha at (371.484375, 518.359375).

Tolerances: at our maximum-likelihood estimates 1e-4 relative (our estimates and R's differ by up to 1e-5
relative, see tests/test_secr_fit.py); at R's estimates (from tests/test_secr_fit.py) 1e-6 relative (R prints its
estimates to 10 digits).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.special import logit

from nbtools.secr import Mask, SECRFit, fx_total, fx_total_surface, fxi, make_capthist, make_capthists, secr_fit

REF = Path(__file__).parent / "data" / "reference"
# secr 5.3.0: fxTotal(secr.fit(captdata, buffer = 100, detectfn = "HN"))
FX = {"points": 3936, "cell": 0.005393066406, "detected": 76.0, "undetected": 40.32044871, "total": 116.3204487}
FX_MAX = (19.80657328, 371.484375, 518.359375)
# secr 5.3.0: secr.fit(captdata, buffer = 100, detectfn = "HN") (as tests/test_secr_fit.py)
CAPTDATA = {"D": 5.479801433841447, "g0": 0.27319054166103746, "sigma": 29.365832119663867}


@pytest.fixture(scope="module")
def captdata_fit() -> SECRFit:
    traps = pd.read_csv(REF / "secr-captdata-traps.csv")
    captures = pd.read_csv(REF / "secr-captdata-captures.csv")
    ch = make_capthist(captures, traps, detector="single")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # single-catch traps fitted as multi-catch
        return secr_fit(ch, buffer_m=100, detectfn="HN", progress=False)


def _check_against_secr(table: pd.DataFrame, rel: float) -> None:
    assert len(table) == FX["points"]
    assert table.attrs["cell_area"] == pytest.approx(FX["cell"], rel=1e-9)
    for key in ("detected", "undetected", "total"):
        assert table.attrs[key] == pytest.approx(FX[key], rel=rel), key
    top = table.loc[table["D.sum"].idxmax()]
    assert top["D.sum"] == pytest.approx(FX_MAX[0], rel=rel)
    assert (top["x"], top["y"]) == pytest.approx(FX_MAX[1:], abs=1e-9)


def test_fx_total_matches_secr_at_our_estimates(captdata_fit):
    table = fx_total(captdata_fit)
    _check_against_secr(table, rel=1e-4)
    assert table.attrs["detected"] == pytest.approx(76.0, abs=1e-9)  # each animal's distribution sums to 1
    assert np.allclose(table["D.sum"], table["D.fx"] + table["D.nc"])


def test_fx_total_matches_secr_at_secr_estimates(captdata_fit):
    beta = np.array([np.log(CAPTDATA["D"]), logit(CAPTDATA["g0"]), np.log(CAPTDATA["sigma"])])
    _check_against_secr(fx_total(dataclasses.replace(captdata_fit, _beta=beta)), rel=1e-6)


def test_fx_total_is_the_realised_n_of_region_n(captdata_fit):
    """Integrated over the mask the realised surface is secr's region.N R.N (n + expected undetected)."""
    table = fx_total(captdata_fit)
    rn = captdata_fit.region_n().loc["R.N", "estimate"]
    assert table.attrs["total"] == pytest.approx(rn, rel=1e-10)
    # the undetected part is the fitted density times the probability of escaping detection
    d = captdata_fit.density
    pdot = 1 - table["D.nc"].to_numpy() / d
    assert pdot.min() >= 0 and pdot.max() <= 1
    # far from the traps nothing is known beyond the fitted density
    far = table.loc[(table["x"] - 500).abs().idxmax()]
    assert far["D.sum"] == pytest.approx(d, rel=1e-2)


def test_fxi_columns_are_distributions(captdata_fit):
    post = fxi(captdata_fit)
    assert post.shape == (3936, 76)
    assert list(post.columns) == list(captdata_fit.capthist.ids)
    assert np.allclose(post.sum(axis=0), 1.0)
    # an animal's centre is most likely near the traps where it was caught (within 2 sigma; an animal caught only
    # at the edge of the grid is pulled outwards, where its misses at the other traps are likelier)
    ch = captdata_fit.capthist
    first = ch.counts[0].sum(axis=0) > 0
    caught_xy = ch.traps.loc[first, ["x", "y"]].to_numpy(float).mean(axis=0)
    best = captdata_fit.mask.xy[post.iloc[:, 0].to_numpy().argmax()]
    assert np.hypot(*(best - caught_xy)) < 2 * captdata_fit.sigma


def test_fx_total_surface_and_sessions(captdata_fit):
    surface = fx_total_surface(captdata_fit, per="100km2")
    assert isinstance(surface, xr.Dataset) and set(surface.data_vars) == {"detected", "undetected", "total"}
    table = fx_total(captdata_fit)
    assert float(surface["total"].max()) == pytest.approx(table["D.sum"].max() * 1e4, rel=1e-12)
    assert int(surface["total"].notnull().sum()) == len(table)
    with pytest.raises(ValueError, match="per must be"):
        fx_total_surface(captdata_fit, per="km2")
    with pytest.raises(ValueError, match="multi-session"):
        fx_total(captdata_fit, session="2005")


def test_fx_total_per_session_of_a_multisession_fit():
    ref = REF / "turn2"
    captures = pd.read_csv(ref / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    traps = pd.read_csv(ref / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    noccasions = {"2005": 9, "2006": 10, "2007": 10, "2008": 10, "2009": 10}
    chs = make_capthists(captures, traps, detector="multi", noccasions=noccasions)
    chs = {s: chs[s] for s in ("2008", "2009")}
    mask = Mask(pd.read_csv(ref / "ovenCH_mask300.csv"), spacing=10.921875)
    fit = secr_fit(chs, mask=mask, density="~session", progress=False)
    for session, ch in chs.items():
        table = fx_total(fit, session=session)
        assert table.attrs["detected"] == pytest.approx(ch.n, abs=1e-9)
        # D ~ session with shared detection: n_s + undetected = D_s x mask area (the Poisson MLE)
        assert table.attrs["total"] == pytest.approx(fit.density[session] * mask.area, rel=1e-5)
    with pytest.raises(KeyError, match="no session"):
        fx_total(fit, session="2005")
