"""Tests of nbtools.activity against the R packages overlap (0.3.9) and activity, plus properties.

Reference values come from tests/data/reference/README.md (R 4.2.2, overlap 0.3.9) and from the overlap
package's own test file (inst/tests/testthat/test-all.R, quoted with the R call next to each value).
Where R's random numbers matter (bootCI, plain bootstrap), the test reproduces R's generator exactly:
Mersenne-Twister seeded as R's set.seed does, unif_rand, and sample()'s rejection sampling (R >= 3.6).
"""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import fminbound
from scipy.special import ive
from scipy.stats import norm

import nbtools.activity as act
from nbtools.activity import (
    ActivityLevel,
    OverlapEstimates,
    activity_level,
    bandwidth,
    bootstrap_ci,
    bootstrap_overlap,
    circular_density,
    overlap_estimates,
    overlap_matrix,
    overlap_true,
    recommended_estimator,
    sun_time,
    sunrise_sunset,
    time_of_day,
)

REF = Path(__file__).parent / "data" / "reference"
TWO_PI = 2 * np.pi


# ---------------------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated() -> dict[str, np.ndarray]:
    """overlap's simulatedData: tigerObs (100), pigObs (80), tigerTrue/pigTrue (128 grid densities)."""
    df = pd.read_csv(REF / "overlap-simulated.csv")
    return {name: g.sort_values("index")["value"].to_numpy() for name, g in df.groupby("series")}


@pytest.fixture(scope="module")
def kerinci() -> pd.DataFrame:
    return pd.read_csv(REF / "overlap-kerinci.csv")


@pytest.fixture(scope="module")
def simcalls() -> pd.DataFrame:
    return pd.read_csv(REF / "overlap-simCalls.csv")


def times(kerinci: pd.DataFrame, species: str, zone: int | None = None) -> np.ndarray:
    rows = kerinci["Sps"] == species
    if zone is not None:
        rows &= kerinci["Zone"] == zone
    return kerinci.loc[rows, "TimeRad"].to_numpy()


class RRandom:
    """R's default generator after ``set.seed(seed)``: Mersenne-Twister with R's seed scrambling.

    ``set.seed`` runs the LCG ``seed = 69069 * seed + 1`` 50 times, then fills the 625-word seed vector
    with the next values; word 0 (the position) is reset to 624, so the first draw regenerates the state
    from words 1..624. ``unif_rand`` = 32-bit output * 2^-32. ``sample`` without probabilities (R >= 3.6)
    draws ``ceil(log2(n))`` random bits from ``floor(unif_rand() * 65536)`` and rejects values >= n.
    """

    def __init__(self, seed: int) -> None:
        s = seed & 0xFFFFFFFF
        for _ in range(50):
            s = (69069 * s + 1) & 0xFFFFFFFF
        words = np.empty(625, dtype=np.uint32)
        for j in range(625):
            s = (69069 * s + 1) & 0xFFFFFFFF
            words[j] = s
        self.bits = np.random.MT19937()
        self.bits.state = {"bit_generator": "MT19937", "state": {"key": words[1:], "pos": 624}}

    def runif(self, n: int) -> np.ndarray:
        u = self.bits.random_raw(n).astype(np.float64) * 2.3283064365386963e-10
        return np.clip(u, 0.5 * 2.328306437080797e-10, 1 - 0.5 * 2.328306437080797e-10)

    def sample_index(self, n: int, size: int) -> np.ndarray:
        """0-based indices of ``sample(n, size, replace = TRUE)`` (n <= 2^15: one uniform per attempt)."""
        nbits = math.ceil(math.log2(n))
        assert nbits < 16
        out: list[int] = []
        while len(out) < size:
            need = size - len(out)
            saved = self.bits.state
            cand = (self.runif(2 * need + 16) * 65536).astype(np.int64) & ((1 << nbits) - 1)
            accepted = np.nonzero(cand < n)[0]
            if accepted.size >= need:  # rewind, then consume exactly the attempts R would make
                self.bits.state = saved
                self.bits.random_raw(int(accepted[need - 1]) + 1)
                accepted = accepted[:need]
            out.extend(cand[accepted].tolist())
        return np.array(out, dtype=np.intp)


def test_r_generator_emulation() -> None:
    # R: set.seed(123); runif(3)  ->  0.2875775 0.7883051 0.4089769
    np.testing.assert_allclose(RRandom(123).runif(3), [0.2875775, 0.7883051, 0.4089769], atol=5e-8)


def test_reference_data_sets(simulated: dict, kerinci: pd.DataFrame, simcalls: pd.DataFrame) -> None:
    # overlap's test-all.R: round(mean(tigerObs), 6) == 3.248677, pigObs 3.328342, tigerTrue 0.157957
    assert round(simulated["tigerObs"].mean(), 6) == 3.248677
    assert round(simulated["pigObs"].mean(), 6) == 3.328342
    assert round(simulated["tigerTrue"].mean(), 6) == 0.157957
    # dim(kerinci) == c(1098, 3); sum(Time) == 540.68; sum(Zone) == 2950; counts per species
    assert len(kerinci) == 1098
    assert kerinci["Time"].sum() == pytest.approx(540.68, abs=1e-9)
    assert kerinci["Zone"].sum() == 2950
    counts = kerinci["Sps"].value_counts().to_dict()
    assert counts == {"macaque": 273, "tiger": 201, "muntjac": 200, "tapir": 181, "golden": 104,
                      "clouded": 86, "boar": 28, "sambar": 25}
    # round(sum(simCalls$time), 4) == 210.7662
    assert round(simcalls["time"].sum(), 4) == 210.7662


# ---------------------------------------------------------------------------------------------------------
# reference values of overlap 0.3.9
# ---------------------------------------------------------------------------------------------------------


def test_overlap_estimates_match_overlapEst(simulated: dict) -> None:
    # README: overlapEst(tigerObs, pigObs) = 0.2908613703478376, 0.2692007850006468, 0.2275 (R 4.2.2)
    est = overlap_estimates(simulated["tigerObs"], simulated["pigObs"])
    assert est.dhat1 == pytest.approx(0.2908613703478376, abs=1e-12)
    assert est.dhat4 == pytest.approx(0.2692007850006468, abs=1e-12)
    assert est.dhat5 == pytest.approx(0.2275, abs=1e-4)
    assert (est.n_a, est.n_b) == (100, 80)


def test_overlap_estimates_other_adjust(simulated: dict) -> None:
    # test-all.R: round(overlapEst(tigerObs, pigObs, adjust=c(1.2, 1.5, 1)), 5) == c(0.31507, 0.28849, 0.23750)
    est = overlap_estimates(simulated["tigerObs"], simulated["pigObs"], adjust=(1.2, 1.5, 1))
    assert round(est.dhat1, 5) == 0.31507
    assert round(est.dhat4, 5) == 0.28849
    assert round(est.dhat5, 5) == 0.23750
    # adjust=c(NA, 1, NA): only Dhat4, 0.269201
    only4 = overlap_estimates(simulated["tigerObs"], simulated["pigObs"], adjust=(None, 1, None))
    assert only4.dhat1 is None and only4.dhat5 is None
    assert round(only4.dhat4, 6) == 0.269201


def test_bandwidth_matches_getBandWidth(simulated: dict) -> None:
    # overlap 0.3.9 test-all.R: getBandWidth(tigerObs) equals 29.90650 and pigObs 10.42076, tolerance 1e-5
    assert bandwidth(simulated["tigerObs"]) == pytest.approx(29.90650, rel=1e-5)
    assert bandwidth(simulated["pigObs"]) == pytest.approx(10.42076, rel=1e-5)


def test_bandwidth_depends_on_the_root_search_interval(simulated: dict) -> None:
    """Before overlap 0.3.2 uniroot searched [1e-4, 500]; the package's old test pinned 29.90645 and
    10.42065 (tolerance 1e-7). The same algorithm with the old interval reproduces them, and the new
    interval does not: the root search's tolerance, not only the root, sets R's numbers."""
    rho_t = act._moment_lengths(simulated["tigerObs"], 3)[None, :]
    rho_p = act._moment_lengths(simulated["pigObs"], 3)[None, :]
    old_t = act._bandwidth_from_moments(rho_t, np.array([100]), upper=500.0)[0]
    old_p = act._bandwidth_from_moments(rho_p, np.array([80]), upper=500.0)[0]
    assert old_t == pytest.approx(29.90645, rel=1e-7)
    assert old_p == pytest.approx(10.42065, rel=1e-7)
    assert bandwidth(simulated["tigerObs"]) != pytest.approx(29.90645, rel=1e-7)


def all_equal(got: np.ndarray, want: list[float]) -> float:
    """R's all.equal / testthat equals(tolerance=): mean relative difference sum|d| / sum|want|."""
    want_arr = np.asarray(want)
    return float(np.abs(np.asarray(got) - want_arr).sum() / np.abs(want_arr).sum())


def test_circular_density_matches_densityFit(simulated: dict) -> None:
    # test-all.R: densityFit(tigerObs, c(0, pi/2, pi, 3*pi/2, 2*pi), 30) and (pigObs, ..., 10),
    # equals(..., tolerance = 1e-7) (all.equal's mean relative difference; the values are printed rounded)
    at = np.array([0, np.pi / 2, np.pi, 3 * np.pi / 2, 2 * np.pi])
    tiger = circular_density(simulated["tigerObs"], at, bw=30)
    pig = circular_density(simulated["pigObs"], at, bw=10)
    assert all_equal(tiger, [0.02440435, 0.44522913, 0.02179983, 0.50513539, 0.02440435]) < 1e-7
    assert all_equal(pig, [7.877244e-06, 4.522317e-02, 4.622752e-01, 1.216268e-01, 7.877244e-06]) < 1e-7
    assert tiger[0] == pytest.approx(tiger[-1], rel=1e-14)  # 0 and 2 pi are the same time


def test_overlap_true_matches_overlapTrue(simulated: dict) -> None:
    # README: overlapTrue(tigerTrue, pigTrue) = 0.29109169232659005
    value = overlap_true(simulated["tigerTrue"], simulated["pigTrue"])
    assert value == pytest.approx(0.29109169232659005, abs=1e-12)
    both = np.column_stack([simulated["tigerTrue"], simulated["pigTrue"]])
    assert overlap_true(both) == pytest.approx(value, abs=1e-15)


def test_sun_time_matches_sunTime(simcalls: pd.DataFrame) -> None:
    # README: sunTime(time, as.POSIXct(dates, tz = "GMT"), matrix(c(-3, 56), 1)): sum 207.0542180101,
    # first value 1.7421517867132537 (maptools/suntools sunriset, NOAA algorithm)
    st_ = sun_time(simcalls["time"].to_numpy(), pd.to_datetime(simcalls["dates"]), 56.0, -3.0, tz="GMT")
    assert st_.sum() == pytest.approx(207.0542180101, abs=1e-8)
    assert st_[0] == pytest.approx(1.7421517867132537, abs=1e-12)
    assert ((st_ >= 0) & (st_ < TWO_PI)).all()


def test_kerinci_vignette_value(kerinci: pd.DataFrame) -> None:
    # overlap's vignette code (chunk tigerMacaque2): overlapEst(tig2, mac2, type="Dhat4") prints 0.4205464
    # (value as recorded in a public transcript of that code; not one of the README's reference values)
    tig2, mac2 = times(kerinci, "tiger", 2), times(kerinci, "macaque", 2)
    assert min(tig2.size, mac2.size) == 83
    assert overlap_estimates(tig2, mac2).dhat4 == pytest.approx(0.4205464, abs=5e-8)


# ---------------------------------------------------------------------------------------------------------
# bootCI and the bootstrap, against R's numbers with R's random numbers
# ---------------------------------------------------------------------------------------------------------


def test_bootstrap_ci_matches_bootCI_with_r_random_numbers() -> None:
    # overlap 0.3.9 test-all.R "bootCI gives correct results" (R >= 3.6):
    #   set.seed(123); dat <- runif(20); t0 <- sd(dat)
    #   bootmat <- matrix(sample(dat, 20*999, replace=TRUE), 20, 999); bt <- apply(bootmat, 2, sd)
    r = RRandom(123)
    dat = r.runif(20)
    t0 = dat.std(ddof=1)
    bt = dat[r.sample_index(20, 20 * 999)].reshape(999, 20).std(axis=1, ddof=1)
    ci = bootstrap_ci(t0, bt).round(6)
    expected = {
        "norm": (0.257335, 0.389638),
        "perc": (0.229293, 0.364734),
        "basic": (0.262208, 0.397649),
        "norm0": (0.247319, 0.379623),
        "basic0": (0.239309, 0.374750),
    }
    for kind, (lo, hi) in expected.items():
        assert tuple(ci.loc[kind]) == pytest.approx((lo, hi), abs=1.1e-6), kind
    assert list(ci.index) == ["norm", "norm0", "basic", "basic0", "perc"]
    assert list(bootstrap_ci(t0, bt, kind="norm0").index) == ["norm0"]


def test_perc_interpolation_matches_quantileInter() -> None:
    # overlap (older) test-all.R "quantileInter gives same results as norm.inter" (runif is unchanged):
    #   set.seed(123); foo <- runif(200); quantileInter(foo) = (0.045564, 0.979369);
    #   quantileInter(foo[-1]) = (0.045556, 0.979822); conf=0.8: (0.141946, 0.894843);
    #   diddyfoo <- runif(20): NA NA
    r = RRandom(123)
    foo = r.runif(200)
    assert np.round(act._quantile_inter(foo, 0.95), 6).tolist() == [0.045564, 0.979369]
    assert np.round(act._quantile_inter(foo[1:], 0.95), 6).tolist() == [0.045556, 0.979822]
    assert np.round(act._quantile_inter(foo, 0.8), 6).tolist() == [0.141946, 0.894843]
    assert np.isnan(act._quantile_inter(r.runif(20), 0.95)).all()


def test_bootstrap_ci_by_hand() -> None:
    """The formulas on 14 fixed values, conf = 0.8: (R+1) alpha = 1.5 and 13.5, so perc interpolates
    between order statistics 1-2 and 13-14 on the normal scale (boot's norm.inter)."""
    bt = np.array([0.30, 0.31, 0.33, 0.34, 0.36, 0.37, 0.38, 0.40, 0.41, 0.43, 0.44, 0.47, 0.50, 0.55])
    t0 = 0.40
    mean, sd = bt.mean(), bt.std(ddof=1)  # 0.399286, 0.070357
    bias = mean - t0
    merr = sd * norm.ppf(0.9)
    w_lo = (norm.ppf(0.1) - norm.ppf(1 / 15)) / (norm.ppf(2 / 15) - norm.ppf(1 / 15))
    w_hi = (norm.ppf(0.9) - norm.ppf(13 / 15)) / (norm.ppf(14 / 15) - norm.ppf(13 / 15))
    perc = (0.30 + w_lo * (0.31 - 0.30), 0.50 + w_hi * (0.55 - 0.50))
    ci = bootstrap_ci(t0, bt, conf=0.8)
    np.testing.assert_allclose(ci.loc["norm"], (t0 - bias - merr, t0 - bias + merr), rtol=1e-14)
    np.testing.assert_allclose(ci.loc["norm0"], (t0 - merr, t0 + merr), rtol=1e-14)
    np.testing.assert_allclose(ci.loc["perc"], perc, rtol=1e-14)
    np.testing.assert_allclose(ci.loc["basic"], (2 * t0 - perc[1], 2 * t0 - perc[0]), rtol=1e-14)
    np.testing.assert_allclose(ci.loc["basic0"], (perc[0] - bias, perc[1] - bias), rtol=1e-14)
    assert w_lo == pytest.approx(0.5625, abs=2e-3)  # sanity of the hand computation


def test_bootstrap_ci_edge_cases() -> None:
    with pytest.warns(UserWarning, match="too few"):
        ci = bootstrap_ci(0.5, np.linspace(0.4, 0.6, 20))  # 21 * 0.025 < 1: perc undefined, as R's NA
    assert ci.loc["perc"].isna().all() and ci.loc["norm0"].notna().all()
    with pytest.warns(UserWarning, match="non-finite"):
        bootstrap_ci(0.5, np.r_[np.linspace(0.4, 0.6, 99), np.nan])
    with pytest.raises(ValueError, match="conf"):
        bootstrap_ci(0.5, np.linspace(0.4, 0.6, 99), conf=1.5)
    with pytest.raises(ValueError, match="unknown interval"):
        bootstrap_ci(0.5, np.linspace(0.4, 0.6, 99), kind="bca")


@pytest.mark.parametrize(
    ("estimator", "adjust", "r_mean"),
    [
        # overlap 0.3.9 test-all.R: set.seed(123); mean(bootstrap(tigerObs, pigObs, nb=99, smooth=FALSE,
        # type="Dhat4")) = 0.26333; type Dhat1 (adjust 0.8): 0.28488. With bootstrap()'s former default
        # adjust = 1 for every type (GitHub version of the test): Dhat1 0.297175.
        ("dhat4", 1.0, 0.26333),
        ("dhat1", 0.8, 0.28488),
        ("dhat1", 1.0, 0.297175),
    ],
)
def test_plain_bootstrap_matches_r_with_r_random_numbers(
    simulated: dict, estimator: str, adjust: float, r_mean: float
) -> None:
    tig, pig = simulated["tigerObs"], simulated["pigObs"]
    r = RRandom(123)
    counts_t, counts_p = np.zeros((99, 100)), np.zeros((99, 80))
    for i in range(99):  # run1: Ares <- sample(A, 100, TRUE); Bres <- sample(B, 80, TRUE)
        np.add.at(counts_t[i], r.sample_index(100, 100), 1)
        np.add.at(counts_p[i], r.sample_index(80, 80), 1)
    boots = act._dhat_from_counts(counts_t, tig, counts_p, pig, estimator, adjust, 3, 128)
    assert round(boots.mean(), 6) == pytest.approx(r_mean, abs=1e-12)


def _direct_per_resample(counts_a, support_a, counts_b, support_b, estimator, adjust):
    slot = act._ESTIMATORS.index(estimator)
    only = tuple(adjust if j == slot else None for j in range(3))
    return np.array([
        act._dhat_direct(np.repeat(support_a, counts_a[i].astype(int)),
                         np.repeat(support_b, counts_b[i].astype(int)), only, 3, 128)[slot]
        for i in range(counts_a.shape[0])
    ])


@pytest.mark.parametrize("smooth", [True, False])
@pytest.mark.parametrize("estimator", ["dhat1", "dhat4", "dhat5"])
@pytest.mark.parametrize("sizes", [(100, 80), (40, 50)])  # pooled > 140.8: grid + interpolation; else direct
def test_batched_bootstrap_equals_straightforward(simulated: dict, smooth, estimator, sizes) -> None:
    """The Fourier-series batch gives the same estimates as overlapEst run on each resample (1e-9)."""
    a, b = simulated["tigerObs"][: sizes[0]], simulated["pigObs"][: sizes[1]]
    rng = np.random.default_rng(7)
    if smooth:
        lattice = np.linspace(0, TWO_PI, 512)[1:]
        grid = np.linspace(0, TWO_PI, 512)
        alias_a = act._alias_table(act._vm_density(a, grid, bandwidth(a))[1:])
        alias_b = act._alias_table(act._vm_density(b, grid, bandwidth(b))[1:])
        ca = act._draw_counts(rng, 12, a.size, 511, alias_a)
        cb = act._draw_counts(rng, 12, b.size, 511, alias_b)
        sa = sb = lattice
    else:
        ca, cb = act._draw_counts(rng, 12, a.size, a.size), act._draw_counts(rng, 12, b.size, b.size)
        sa, sb = a, b
    adjust = act._DEFAULT_ADJUST[estimator]
    fast = act._dhat_from_counts(ca, sa, cb, sb, estimator, adjust, 3, 128)
    slow = _direct_per_resample(ca, sa, cb, sb, estimator, adjust)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)


def test_alias_sampler_draws_the_smoothed_bootstrap_probabilities(simulated: dict) -> None:
    grid = np.linspace(0, TWO_PI, 512)
    prob = act._vm_density(simulated["pigObs"], grid, bandwidth(simulated["pigObs"]))[1:]
    prob /= prob.sum()
    counts = act._draw_counts(np.random.default_rng(11), 400, 500, 511, act._alias_table(prob)).sum(axis=0)
    expected = prob * counts.sum()
    keep = expected > 20
    chi2 = (((counts - expected) ** 2 / expected)[keep]).sum()
    dof = keep.sum() - 1
    assert chi2 < dof + 5 * math.sqrt(2 * dof)  # ~5 sd above the mean of a chi-square
    assert counts[~keep].sum() == pytest.approx(expected[~keep].sum(), rel=0.1)


def test_bootstrap_same_seed_same_result(simulated: dict) -> None:
    tig, pig = simulated["tigerObs"], simulated["pigObs"]
    one = bootstrap_overlap(tig, pig, n=300, seed=42, progress=False)
    two = bootstrap_overlap(tig, pig, n=300, seed=42, progress=True)
    other = bootstrap_overlap(tig, pig, n=300, seed=43, progress=False)
    np.testing.assert_array_equal(one, two)
    assert not np.array_equal(one, other)
    est = overlap_estimates(tig, pig).dhat4
    pd.testing.assert_frame_equal(bootstrap_ci(est, one), bootstrap_ci(est, two))


@pytest.mark.parametrize("smooth", [True, False])
def test_bootstrap_mean_close_to_estimate(simulated: dict, smooth: bool) -> None:
    """Bootstrap bias of Dhat4 is small (Ridout & Linkie 2009): R's own test means are 0.33 (smoothed)
    and 0.263 (plain) for an estimate of 0.269 with these samples."""
    tig, pig = simulated["tigerObs"], simulated["pigObs"]
    est = overlap_estimates(tig, pig).dhat4
    boots = bootstrap_overlap(tig, pig, n=1000, smooth=smooth, estimator="dhat4", seed=1, progress=False)
    assert abs(boots.mean() - est) < 0.08
    assert 0.01 < boots.std() < 0.1
    ci = bootstrap_ci(est, boots)
    assert ci.loc["basic0", "lower"] < est < ci.loc["basic0", "upper"]
    assert ci.loc["norm0", "lower"] < est < ci.loc["norm0", "upper"]


def test_bootstrap_defaults_follow_the_rule(simulated: dict) -> None:
    tig, pig = simulated["tigerObs"], simulated["pigObs"]
    default = bootstrap_overlap(tig, pig, n=50, seed=3, progress=False)  # both >= 50: Dhat4, adjust 1
    explicit = bootstrap_overlap(tig, pig, n=50, estimator="Dhat4", adjust=1, seed=3, progress=False)
    np.testing.assert_array_equal(default, explicit)
    with pytest.raises(ValueError, match="unknown estimator"):
        bootstrap_overlap(tig, pig, n=5, estimator="dhat2", progress=False)
    with pytest.raises(ValueError, match="at least 1"):
        bootstrap_overlap(tig, pig, n=0, progress=False)


# ---------------------------------------------------------------------------------------------------------
# properties of the estimators
# ---------------------------------------------------------------------------------------------------------

angles = st.floats(min_value=0.0, max_value=TWO_PI - 1e-9, allow_nan=False)


def spread_sample(min_size: int, max_size: int):
    return st.lists(angles, min_size=min_size, max_size=max_size).map(np.array)


def _usable(x: np.ndarray) -> bool:
    # enough distinct values and not (nearly) all at one time, so that the bandwidth exists
    return np.unique(np.round(x, 6)).size >= 3 and act._moment_lengths(x, 1)[0] < 0.97


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(a=spread_sample(3, 70), b=spread_sample(3, 90))
def test_estimates_in_range_and_symmetric(a: np.ndarray, b: np.ndarray) -> None:
    assume(_usable(a) and _usable(b))
    ab = overlap_estimates(a, b)
    ba = overlap_estimates(b, a)
    assert 0.0 <= ab.dhat1 <= 1.0 + 1e-12
    assert 0.0 <= ab.dhat4 <= 1.0 + 1e-12
    assert 0.0 <= ab.dhat5 <= 2.0
    assert ab.dhat1 == pytest.approx(ba.dhat1, abs=1e-12)
    assert ab.dhat4 == pytest.approx(ba.dhat4, abs=1e-12)


@PROPERTY
@given(a=spread_sample(3, 60), b=spread_sample(3, 60), shift=angles)
def test_dhat4_invariant_to_rotation(a: np.ndarray, b: np.ndarray, shift: float) -> None:
    """Pooled size <= 140.8: densities at the observations, so any common rotation leaves Dhat4 alone."""
    assume(_usable(a) and _usable(b))
    base = overlap_estimates(a, b, adjust=(None, 1, None)).dhat4
    rotated = overlap_estimates((a + shift) % TWO_PI, (b + shift) % TWO_PI, adjust=(None, 1, None)).dhat4
    assert rotated == pytest.approx(base, abs=1e-9)


@PROPERTY
@given(a=spread_sample(60, 120), b=spread_sample(60, 120), steps=st.integers(1, 126))
def test_grid_estimators_invariant_to_rotation_by_grid_steps(a, b, steps) -> None:
    """Dhat1 (and Dhat4 with pooled size > 140.8) use the 128-point grid, so they are invariant to
    rotations that map the grid onto itself: multiples of 2 pi / 127."""
    assume(_usable(a) and _usable(b))
    shift = steps * TWO_PI / 127
    base = overlap_estimates(a, b)
    rot = overlap_estimates((a + shift) % TWO_PI, (b + shift) % TWO_PI)
    assert rot.dhat1 == pytest.approx(base.dhat1, abs=1e-9)
    assert rot.dhat4 == pytest.approx(base.dhat4, abs=1e-9)


@PROPERTY
@given(a=spread_sample(3, 150))
def test_identical_samples_overlap_fully(a: np.ndarray) -> None:
    assume(_usable(a))
    est = overlap_estimates(a, a.copy())
    assert est.dhat1 == pytest.approx(1.0, abs=1e-12)
    assert est.dhat4 == pytest.approx(1.0, abs=1e-12)
    assert est.dhat5 == pytest.approx(1.0, abs=1e-12)


def test_bessel_ratio_and_series_terms() -> None:
    x = np.r_[np.geomspace(1e-4, 2, 300), np.linspace(2, 400, 300)]
    for k in (1, 2, 3, 5):
        np.testing.assert_allclose(act._bessel_ratio(np.full(x.shape, k), x), ive(k, x) / ive(0, x),
                                   rtol=0, atol=5e-15)
    for kappa in (0.05, 1.0, 30.0, 800.0, 5000.0):
        n_terms = act._n_terms(kappa)
        got = act._bessel_ratios_upto(np.array([kappa]), n_terms)[0]
        want = ive(np.arange(1, n_terms + 1), kappa) / ive(0, kappa)
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-15)
        assert want[-1] < 1e-18


def test_lattice_density_folds_high_orders() -> None:
    """Densities at the 511 lattice points by inverse FFT equal the direct kernel sums, also when the
    concentration needs more than 255 Fourier terms (folded modulo 511)."""
    lattice = np.linspace(0, TWO_PI, 512)[1:]
    counts = np.zeros((3, 511))
    rng = np.random.default_rng(4)
    for row in counts:
        np.add.at(row, rng.integers(200, 240, 40), 1)
    spectrum = act._lattice_spectrum(counts, 40.0)
    for kappa in (5.0, 2000.0, 30000.0):
        assert (act._n_terms(kappa) > 255) == (kappa > 100)
        got = act._lattice_density(spectrum, np.full(3, kappa), 511)
        want = np.array([act._vm_density(np.repeat(lattice, row.astype(int)), lattice, kappa) for row in counts])
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-11 * want.max())
    with_nan = act._lattice_density(spectrum, np.array([5.0, np.nan, 5.0]), 511)
    assert np.isnan(with_nan[1]).all() and np.isfinite(with_nan[[0, 2]]).all()


def test_fmin_is_brents_minimiser() -> None:
    """activity's bwcalc uses R's optimise (Brent's fmin); scipy's fminbound is the same algorithm."""
    rho = np.array([0.3, 0.05, 0.6, 0.9, 0.001, 0.2])
    order = np.array([1, 2, 3, 1, 2, 3])
    ours = act._fmin(lambda x, sel: (act._bessel_ratio(order[sel], x) - rho[sel]) ** 2,
                     np.zeros(6), np.full(6, 100.0))
    tol = np.finfo(float).eps ** 0.25
    ref = [fminbound(lambda x, k=k, r=r: (act._bessel_ratio(np.array([k]), np.array([x]))[0] - r) ** 2,
                     0, 100, xtol=tol) for k, r in zip(order, rho)]
    np.testing.assert_allclose(ours, ref, rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------
# the estimator rule, many species, input checks
# ---------------------------------------------------------------------------------------------------------


def test_recommended_estimator_rule() -> None:
    assert recommended_estimator(49, 500) == "dhat1"
    assert recommended_estimator(50, 50) == "dhat4"
    est = OverlapEstimates(0.3, 0.4, 0.5, 30, 200)
    assert est.recommended == "dhat1" and est.estimate == 0.3
    frame = est.to_frame()
    assert frame.loc["dhat1", "recommended"] and not frame.loc["dhat4", "recommended"]
    assert "recommended='dhat1'" in repr(est)


def test_overlap_matrix(kerinci: pd.DataFrame) -> None:
    species = ["tiger", "tapir", "macaque", "sambar"]
    data = {s: times(kerinci, s) for s in species}
    mat = overlap_matrix(data)
    assert list(mat.index) == species and list(mat.columns) == species
    np.testing.assert_allclose(mat.to_numpy(), mat.to_numpy().T)
    np.testing.assert_allclose(np.diag(mat.to_numpy()), 1.0)
    # tiger-tapir: both >= 50, Dhat4; tiger-sambar: 25 < 50, Dhat1
    assert mat.loc["tiger", "tapir"] == pytest.approx(overlap_estimates(data["tiger"], data["tapir"]).dhat4)
    assert mat.loc["tiger", "sambar"] == pytest.approx(overlap_estimates(data["tiger"], data["sambar"]).dhat1)
    long = overlap_matrix(data, long=True)
    assert len(long) == 6
    assert long.set_index(["species_a", "species_b"]).loc[("tiger", "sambar"), "estimator"] == "dhat1"
    fixed = overlap_matrix(data, estimator="dhat5")
    assert fixed.loc["tiger", "tapir"] == pytest.approx(overlap_estimates(data["tiger"], data["tapir"]).dhat5)
    with pytest.raises(ValueError, match="at least two"):
        overlap_matrix({"tiger": data["tiger"]})


def test_input_errors_name_the_problem() -> None:
    good = np.linspace(0.1, 6.0, 20)
    with pytest.raises(ValueError, match="b: 1 missing"):
        overlap_estimates(good, np.r_[good, np.nan])
    with pytest.raises(ValueError, match=r"a: 1 time\(s\) outside \[0, 2\*pi\]"):
        overlap_estimates(np.r_[good, 7.0], good)
    with pytest.raises(ValueError, match="1 different observation"):
        overlap_estimates(np.full(5, 1.0), good)
    with pytest.raises(ValueError, match="nearly"):
        bandwidth(np.r_[np.full(50, 1.0), 1.0 + 1e-9])
    with pytest.raises(ValueError, match="adjust"):
        overlap_estimates(good, good, adjust=(1, 2))
    with pytest.raises(ValueError, match="adjust values must be positive"):
        overlap_estimates(good, good, adjust=(1, -1, 4))
    with pytest.raises(ValueError, match="equal length"):
        overlap_true([1, 2, 3], [1, 2])


# ---------------------------------------------------------------------------------------------------------
# clock time and sun time
# ---------------------------------------------------------------------------------------------------------


def test_time_of_day_in_the_study_zone() -> None:
    utc = pd.Series(pd.to_datetime(["2024-01-15 00:00:00", "2024-01-15 13:30:00", "2024-07-01 14:00:00"]),
                    index=[10, 11, 12]).dt.tz_localize("UTC")
    rad = time_of_day(utc, "Asia/Vladivostok")  # UTC+10 all year
    assert isinstance(rad, pd.Series) and list(rad.index) == [10, 11, 12]
    np.testing.assert_allclose(rad.to_numpy(), np.array([10.0, 23.5, 0.0]) / 24 * TWO_PI, atol=1e-12)
    # daylight saving: 2024-03-31 01:30 UTC is 02:30 BST in London, 2024-03-30 01:30 UTC is 01:30 GMT
    dst = pd.DatetimeIndex(["2024-03-30 01:30", "2024-03-31 01:30"], tz="UTC")
    np.testing.assert_allclose(time_of_day(dst, "Europe/London"), np.array([1.5, 2.5]) / 24 * TWO_PI)
    assert isinstance(time_of_day(dst, "UTC"), np.ndarray)
    with pytest.raises(ValueError, match="timezone-naive"):
        time_of_day(pd.to_datetime(["2024-01-01 10:00"]), "UTC")
    with pytest.raises(ValueError, match="missing timestamp"):
        time_of_day(pd.Series([pd.Timestamp("2024-01-01", tz="UTC"), pd.NaT]), "UTC")


def test_time_of_day_range() -> None:
    ts = pd.date_range("2024-01-01", periods=24 * 60, freq="min", tz="UTC")
    rad = time_of_day(ts, "UTC")
    assert rad.min() == 0.0 and rad.max() < TWO_PI
    assert np.all(np.diff(rad) > 0)


def test_sun_time_anchors() -> None:
    dates = pd.to_datetime(["2017-01-15", "2017-03-20", "2017-06-21", "2017-12-21"])
    ss = sunrise_sunset(dates, 43.1, 131.5, tz="Asia/Vladivostok")
    rise = sun_time(ss["sunrise"].to_numpy(), dates, 43.1, 131.5, tz="Asia/Vladivostok")
    sset = sun_time(ss["sunset"].to_numpy() - 1e-12, dates, 43.1, 131.5, tz="Asia/Vladivostok")
    np.testing.assert_allclose(rise, np.pi / 2, atol=1e-9)
    np.testing.assert_allclose(sset, 3 * np.pi / 2, atol=1e-9)
    # domain note: ~08:43 / 18:02 in mid-January and ~05:34 / 20:57 at the June solstice (UTC+10)
    hours = ss.to_numpy() * 24 / TWO_PI
    assert hours[0] == pytest.approx([8 + 43 / 60, 18 + 2 / 60], abs=0.1)
    assert hours[2] == pytest.approx([5 + 34 / 60, 20 + 57 / 60], abs=0.1)
    # solar noon between: midday maps to pi
    noon = (ss["sunrise"] + ss["sunset"]).to_numpy() / 2
    np.testing.assert_allclose(sun_time(noon, dates, 43.1, 131.5, tz="Asia/Vladivostok"), np.pi, atol=1e-9)


def test_sun_time_is_monotone_over_a_day() -> None:
    day = pd.date_range("2017-06-21", periods=288, freq="5min", tz="UTC")
    clock = time_of_day(day, "UTC")
    st_ = sun_time(clock, day, 56.0, -3.0)
    steps = np.diff(st_)
    wraps = steps < -np.pi
    assert wraps.sum() == 1 and (steps[~wraps] > 0).all()


def test_sun_time_errors() -> None:
    dates = pd.to_datetime(["2017-06-21"])
    with pytest.raises(ValueError, match="does not rise or set"):
        sun_time(np.array([1.0]), dates, 80.0, 10.0, tz="UTC")
    with pytest.raises(ValueError, match="naive"):
        sun_time(np.array([1.0]), dates, 50.0, 10.0)
    with pytest.raises(ValueError, match="time_rad has 2 values"):
        sun_time(np.array([1.0, 2.0]), dates, 50.0, 10.0, tz="UTC")


# ---------------------------------------------------------------------------------------------------------
# activity level
# ---------------------------------------------------------------------------------------------------------


def test_activity_level_kerinci_tigers(kerinci: pd.DataFrame) -> None:
    tig = times(kerinci, "tiger")
    point = activity_level(tig)
    assert isinstance(point, ActivityLevel) and point.se is None and point.reps == 0
    assert 0 < point.act <= 1
    assert list(point.pdf.columns) == ["x", "y"] and len(point.pdf) == 513
    assert point.pdf["y"].mean() * TWO_PI == pytest.approx(1.0, abs=2e-3)  # a density on [0, 2 pi]
    for kind in ("data", "model"):
        fit = activity_level(tig, reps=300, sample=kind, seed=5, progress=False)
        again = activity_level(tig, reps=300, sample=kind, seed=5, progress=False)
        assert fit.act == point.act
        assert 0 < fit.lcl <= fit.act <= fit.ucl <= 1
        assert fit.se > 0
        assert (fit.lcl, fit.ucl, fit.se) == (again.lcl, again.ucl, again.se)
        pd.testing.assert_frame_equal(fit.pdf, again.pdf)
        assert list(fit.pdf.columns) == ["x", "y", "se", "lcl", "ucl"]
        assert fit.to_frame().loc[0, "sample"] == kind


def test_activity_level_extremes() -> None:
    rng = np.random.default_rng(9)
    flat = activity_level(rng.uniform(0, TWO_PI, 2000))
    peaked = activity_level(rng.vonmises(np.pi, 8.0, 2000) % TWO_PI)
    assert flat.act > 0.85
    assert peaked.act < 0.45
    assert activity_level(rng.uniform(0, TWO_PI, 200), adj=2.0).act < activity_level(
        rng.uniform(0, TWO_PI, 200), adj=0.5).act + 0.5


def test_activity_bootstrap_batch_equals_straightforward(kerinci: pd.DataFrame) -> None:
    """Each resample's density: Fourier batch vs kernels summed directly with activity's bwcalc."""
    tig = times(kerinci, "tiger")
    n = tig.size
    grid = np.arange(513) * (np.pi / 256)
    counts = act._draw_counts(np.random.default_rng(2), 15, n, n)
    mom = act._coefficients_from_counts(counts, act._trig_matrix(tig, 3), float(n))
    kap = act._activity_bandwidth_from_moments(np.hypot(mom[:, :3], mom[:, 3:]), np.full(15, float(n)))
    n_terms = act._n_terms(kap.max())
    coef = act._coefficients_from_counts(counts, act._trig_matrix(tig, n_terms), float(n))
    fast = act._kernel_densities(coef, kap, grid, counts, tig, float(n))
    slow = []
    for row in counts:
        sample = np.repeat(tig, row.astype(int))
        slow.append(act._vm_density(sample, grid, act._activity_bandwidth(sample)))
    np.testing.assert_allclose(fast, np.array(slow), rtol=0, atol=1e-12)
    draws = act._model_draws(np.random.default_rng(3), 10, n, grid, activity_level(tig).pdf["y"].to_numpy())
    mom = act._coefficients_from_points(draws, 3)
    kap = act._activity_bandwidth_from_moments(np.hypot(mom[:, :3], mom[:, 3:]), np.full(10, float(n)))
    coef = act._coefficients_from_points(draws, act._n_terms(kap.max()))
    fast = act._kernel_densities(coef, kap, grid, None, None, float(n))
    slow = [act._vm_density(d, grid, act._activity_bandwidth(d)) for d in draws]
    np.testing.assert_allclose(fast, np.array(slow), rtol=0, atol=1e-12)


def test_activity_level_errors() -> None:
    good = np.linspace(0.1, 6.0, 30)
    with pytest.raises(ValueError, match="sample must be"):
        activity_level(good, sample="bootstrap")
    with pytest.raises(ValueError, match="reps"):
        activity_level(good, sample="data", reps=1)
    with pytest.raises(ValueError, match="bw must be"):
        activity_level(good, bw=-1.0)


def test_docstring_examples() -> None:
    result = doctest.testmod(act, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 20 and result.failed == 0
