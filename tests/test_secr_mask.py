"""Tests of nbtools.secr.mask: secr's default mask around captdata's traps, masks with a habitat dataset.

Reference values: secr 5.3.0, R 4.2.2, ``secr.fit(captdata, buffer = 100, detectfn = "HN")``
(tests/data/reference/README.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from nbtools.secr import (
    make_mask,
    secr_fit,
    sim_capthist,
    sim_popn,
)

REF = Path(__file__).parent / "data" / "reference"


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
