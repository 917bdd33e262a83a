"""Tests of nbtools.secr.likelihood (and the start values of nbtools.secr.start) against a direct implementation.

The likelihood of every detector and detection function equals the full likelihood written directly as an
n x M x (S x K) array with scipy.stats; the gradient equals finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import gammaln, logsumexp

import nbtools.secr as secr
from nbtools.secr import (
    CaptureHistory,
    Mask,
    SECRLikelihood,
    make_mask,
    sim_capthist,
    sim_popn,
)


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
