"""Tests of nbtools.secr.simulate: a simulation study of bias and coverage of the density estimate."""

from __future__ import annotations

import numpy as np
import pytest

from nbtools.secr import (
    make_mask,
    secr_fit,
    sim_capthist,
    sim_popn,
)


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
