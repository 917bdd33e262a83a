"""Benchmarks of nbtools.secr: likelihood speed against a scipy.stats baseline, fit times, a simulation study.

Run: ``python benchmarks/secr.py`` (``--reps 0`` skips the simulation study).

1. One likelihood evaluation at 4,096 mask points x 100 detectors x 50 animals (1 occasion,
   Poisson counts, hazard half-normal; the setting of the design notes on the SECR likelihood), against
   the straightforward n x M x K formulation with ``scipy.stats.poisson.logpmf`` and its
   numpy-broadcast variant, measured in the same process. All give the same value.
2. Fit times: secr's captdata (multi-catch, HN) and the default study's leopards
   (data/leopard-study: 213 camera stations, > 5,000 mask points, 365 daily occasions, count
   detectors with camera failures in the usage): HN, HHN, sex-specific sigma and density-covariate
   models, one likelihood evaluation against scipy.stats on the same data, estimates against the
   simulator's truth.
3. A simulation study: ``--reps`` studies at a known density, relative bias and 95 %
   interval coverage of D-hat.
4. Multi-session fits: secr's ovenCH (five sessions of 44 mist nets, 6,848 mask points)
   with ``D ~ 1`` and ``D ~ Session``, beside secr 5.3.0's times in the reference notes, and
   six sessions of the default park (the one-season study cut into six consecutive
   two-month sessions: 213 stations, > 5,000 mask points each; the multi-year study of
   issue #22 is not yet in data/), target under 30 s.

Machine noise cancels in the ratios (baselines are measured in the same run); absolute
times depend on the load of the (shared) machine.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln, logsumexp

from nbtools.secr import (
    CaptureHistory,
    Mask,
    SECRLikelihood,
    capthist_from_study,
    make_capthist,
    make_capthists,
    make_mask,
    mask_from_study,
    secr_fit,
    sim_capthist,
    sim_popn,
    simulated_truth,
    truth_comparison,
)
from nbtools.secr import likelihood as secr_likelihood

ROOT = Path(__file__).resolve().parents[1]


def timeit(func: Callable[[], object], repeat: int, warmup: int = 1) -> tuple[float, float]:
    """Median and minimum wall time (s) of ``func`` over ``repeat`` calls after ``warmup``."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(np.min(times))


# --------------------------------------------------------------------------- 1. likelihood
def likelihood_benchmark() -> None:
    print("== 1. one likelihood evaluation: 4,096 mask x 100 detectors x 50 animals, count, HHN ==")
    xy = np.arange(10) * 20.0
    traps = pd.DataFrame({"x": np.tile(xy, 10), "y": np.repeat(xy, 10)})
    mask = make_mask(traps, buffer_m=80, type="traprect")  # 64 x 64 = 4,096 points
    popn = sim_popn(mask, density=16.0, seed=1)
    ch = sim_capthist(traps, popn, "HHN", lambda0=0.2, sigma=20.0, noccasions=1, seed=2)
    ch = CaptureHistory(ch.counts[:50], ch.traps, "count")
    n, m, k = ch.n, len(mask), ch.ntraps
    print(f"   n = {n} animals, M = {m} mask points, K = {k} detectors")
    usage = np.ones((k, 1))
    lik = SECRLikelihood(ch.counts, usage, "count", "HHN", traps.to_numpy(), mask.xy, mask.cell_area, np.ones((m, 1)))
    d_true, lam0, sigma = 16.0, 0.2, 20.0
    beta = np.log([d_true, lam0, sigma])
    a = mask.cell_area
    y = ch.counts[:, 0, :].astype(float)  # n x K
    d2 = ((mask.xy[:, None, :] - traps.to_numpy()[None, :, :]) ** 2).sum(axis=2)  # M x K, precomputed once
    _, counts = np.unique(ch.counts.reshape(n, -1), axis=0, return_counts=True)
    logmult = -gammaln(counts + 1).sum()

    def full(ll: np.ndarray, lam: np.ndarray) -> float:
        pdot = -np.expm1(-lam.sum(axis=1))
        return float((logsumexp(ll, axis=1) + np.log(d_true * a)).sum() - d_true * a * pdot.sum() + logmult)

    def naive_scipy() -> float:
        lam = lam0 * np.exp(-d2 / (2 * sigma**2))
        ll = stats.poisson.logpmf(y[:, None, :], lam[None, :, :]).sum(axis=2)
        return full(ll, lam)

    lgy = gammaln(y + 1).sum(axis=1)

    def numpy_broadcast() -> float:
        lam = lam0 * np.exp(-d2 / (2 * sigma**2))
        ll = (y[:, None, :] * np.log(lam)[None] - lam[None]).sum(axis=2) - lgy[:, None]
        return full(ll, lam)

    values = {
        "scipy.stats 3-D (baseline)": naive_scipy(),
        "numpy broadcast 3-D": numpy_broadcast(),
        "nbtools.secr, value only": lik.evaluate(beta, gradient=False).loglik,
        "nbtools.secr, value + gradient": lik.evaluate(beta, gradient=True).loglik,
    }
    spread = max(values.values()) - min(values.values())
    print(f"   log-likelihoods agree to {spread:.2e} (value {values['nbtools.secr, value only']:.6f})")
    # Interleaved rounds: each round times the baseline once and every other variant
    # (median of 5 calls), so load changes on the shared machine hit all variants alike;
    # the ratio is the median over rounds of baseline / variant.
    variants = {
        "scipy.stats 3-D (baseline)": (naive_scipy, 1),
        "numpy broadcast 3-D": (numpy_broadcast, 3),
        "nbtools.secr, value only": (lambda: lik.evaluate(beta, gradient=False), 5),
        "nbtools.secr, value + gradient": (lambda: lik.evaluate(beta, gradient=True), 5),
    }
    for func, _ in variants.values():
        func()  # warm-up (numba compilation or cache load)
    rounds = 7
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, (func, calls) in variants.items():
            times[name].append(timeit(func, calls, warmup=0)[0])
    base = np.array(times["scipy.stats 3-D (baseline)"])
    print(f"   {'variant':<34}{'median ms':>11}{'min ms':>9}{'ratio vs baseline':>19}   ({rounds} interleaved rounds)")
    for name, values in times.items():
        v = np.array(values)
        ratio = float(np.median(base / v))
        print(f"   {name:<34}{np.median(v) * 1e3:>11.2f}{v.min() * 1e3:>9.2f}{ratio:>18.0f}x")
    print(f"   (numba kernels run in parallel above {secr_likelihood.PARALLEL_THRESHOLD:,} detector-point pairs)")


# --------------------------------------------------------------------------- 2. fits
def fit_timed(label: str, *args, **kwargs) -> object:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fit = secr_fit(*args, progress=False, **kwargs)
    elapsed = time.perf_counter() - t0
    per = elapsed / fit.n_evaluations * 1e3
    print(
        f"   {label:<34}{elapsed:>7.2f} s  {fit.n_evaluations:>4} evaluations ({per:.1f} ms each)  "
        f"loglik {fit.loglik:.3f}  AIC {fit.aic:.2f}"
    )
    return fit


def default_study() -> tuple[CaptureHistory, Mask, pd.DataFrame, float]:
    """The default study's leopards as secr_fit gets them, with the truth and the time to prepare them.

    ``capthist_from_study``: identified adults on the camera grid (the den camera left out), daily
    occasions, count detectors, usage from camera operation with recording gaps read from the media,
    detections more than 10 km from all others of the same leopard set aside; ``mask_from_study``:
    1 km spacing on land within the suggested buffer (3 x the males' starting sigma).
    """
    import json

    from nbtools.catalog import DATA_DIR, open_catalog
    from nbtools.study import Study

    cat = open_catalog("leopard")
    study = Study.from_catalog(cat)
    t0 = time.perf_counter()
    ch = capthist_from_study(study, deployment_groups="array:grid", max_gap_m=10_000)
    mask = mask_from_study(study, ch, spacing=1000)
    prepared = time.perf_counter() - t0
    truth = simulated_truth(json.loads((DATA_DIR / cat.metadata["truth"]).read_text()), mask)
    return ch, mask, truth, prepared


def scipy_loglik_hhn_count(ch: CaptureHistory, mask: Mask, density: float, lambda0: float, sigma: float) -> float:
    """The same full likelihood (HHN, count detectors with usage) written directly with scipy.stats.

    Every count y_isk ~ Poisson(T_sk h_k(x)): an n x M x (S x K) array of log-probabilities is what a
    direct transcription evaluates; the occasions are summed first here (y_ik ~ Poisson(T_k h_k(x)),
    T_k the total usage, plus the multinomial term of the split over occasions, which does not depend
    on x), so the baseline is an n x M x K array of ``scipy.stats.poisson.logpmf``, in chunks of
    10 animals to bound memory.
    """
    traps = ch.traps[["x", "y"]].to_numpy()
    d2 = ((mask.xy[:, None, :] - traps[None, :, :]) ** 2).sum(axis=2)  # M x K
    total_usage = ch.usage.sum(axis=1)  # K
    lam = lambda0 * np.exp(-d2 / (2 * sigma**2)) * total_usage[None, :]  # M x K
    y = ch.counts.sum(axis=1).astype(float)  # n x K
    ll = np.concatenate(
        [stats.poisson.logpmf(y[i : i + 10, None, :], lam[None]).sum(axis=2) for i in range(0, ch.n, 10)]
    )
    share = ch.usage / np.where(total_usage > 0, total_usage, 1.0)[:, None]  # K x S
    logshare = np.log(np.where(share > 0, share, 1.0)).T[None, :, :]  # 1 x S x K
    split = (ch.counts * logshare).sum() + gammaln(y + 1).sum() - gammaln(ch.counts + 1.0).sum()
    a = mask.cell_area
    pdot = -np.expm1(-lam.sum(axis=1))
    _, groups = np.unique(ch.counts.reshape(ch.n, -1), axis=0, return_counts=True)
    return float(
        (logsumexp(ll, axis=1) + np.log(density * a)).sum()
        - density * a * pdot.sum()
        + split
        - gammaln(groups + 1).sum()
    )


def fit_benchmarks() -> None:
    print("\n== 2. fits ==")
    traps = pd.read_csv(ROOT / "tests/data/reference/secr-captdata-traps.csv")
    captures = pd.read_csv(ROOT / "tests/data/reference/secr-captdata-captures.csv")
    cd = make_capthist(captures, traps, detector="single")
    print(f"   secr captdata: {cd.n} animals, {cd.ntraps} traps, 3,936 mask points")
    fit = fit_timed("captdata, multi, HN", cd, buffer=100, detectfn="HN")
    print(
        f"      D {fit.density:.6f} / ha (secr 5.479801), g0 {fit.g0:.6f} (0.273191), sigma {fit.sigma:.5f} (29.36583)"
    )

    ch, mask, truth, prepared = default_study()
    print(
        f"   default study (data/leopard-study): {ch.ntraps} stations, {len(mask):,} mask points "
        f"({mask.spacing:.0f} m, buffer {mask.buffer / 1000:.1f} km), {ch.noccasions} daily occasions, "
        f"{ch.n} identified adults, {ch.detections} detections; capture history and mask in {prepared:.1f} s"
    )
    hn = fit_timed("HN, count (target < 5 s)", ch, mask=mask, detectfn="HN")
    hhn = fit_timed("HHN, count", ch, mask=mask, detectfn="HHN")
    sex = fit_timed("HHN, sigma by sex", ch, mask=mask, detectfn="HHN", group="sex")
    cov = fit_timed(
        "HHN, sigma by sex, D ~ forest + prey",
        ch,
        mask=mask,
        detectfn="HHN",
        group="sex",
        density="~ forest_cover + prey_index",
    )
    park = fit_timed(
        "HHN, sigma by sex, D ~ ... + in_park",
        ch,
        mask=mask,
        detectfn="HHN",
        group="sex",
        density="~ forest_cover + prey_index + in_park",
    )

    # one likelihood evaluation of the HHN model at its estimates, against scipy.stats on the same data
    beta, lik = hhn._beta, hhn._lik
    d, lam0, sig = hhn.density, hhn.lambda0, hhn.sigma
    ours = lik.evaluate(beta, gradient=False).loglik
    naive = scipy_loglik_hhn_count(ch, mask, d, lam0, sig)
    t_ours = timeit(lambda: lik.evaluate(beta, gradient=True), 5)[0]
    t_naive = timeit(lambda: scipy_loglik_hhn_count(ch, mask, d, lam0, sig), 1, warmup=0)[0]
    print(
        f"   one evaluation on the default study: nbtools {t_ours * 1e3:.1f} ms (value + gradient), "
        f"scipy.stats n x M x K {t_naive * 1e3:.0f} ms (value only): {t_naive / t_ours:.0f}x; "
        f"log-likelihoods {ours:.4f} and {naive:.4f}"
    )
    print(f"   HN: D {hn.density_per_100km2:.2f} / 100 km2 ({hn.density_ci[0] * 1e4:.2f}-{hn.density_ci[1] * 1e4:.2f})")
    for label, f in (("sigma by sex", sex), ("D ~ forest + prey", cov), ("D ~ forest + prey + in_park", park)):
        table = truth_comparison(f, truth)
        print(
            f"   {label}, estimate (truth): "
            + "; ".join(f"{name} {row.estimate:.4g} ({row.truth:.4g})" for name, row in table.iterrows())
        )


# --------------------------------------------------------------------------- 3. simulation
def simulation_study(reps: int) -> None:
    print(f"\n== 3. simulation study: {reps} studies, 6 x 6 count detectors 20 m apart, HHN, D = 25 / ha ==")
    xy = np.arange(6) * 20.0
    traps = pd.DataFrame({"x": np.tile(xy, 6), "y": np.repeat(xy, 6)})
    mask = make_mask(traps, buffer_m=80)
    truth = {"D": 25.0, "lambda0": 0.25, "sigma": 15.0}
    rows = []
    t0 = time.perf_counter()
    for rep in range(reps):
        popn = sim_popn(mask, density=truth["D"], seed=1000 + rep)
        ch = sim_capthist(traps, popn, "HHN", lambda0=0.25, sigma=15, noccasions=5, seed=2000 + rep)
        fit = secr_fit(ch, mask=mask, detectfn="HHN", progress=False)
        for name, value in truth.items():
            est = fit.estimates.loc[name]
            rows.append(
                {
                    "parameter": name,
                    "truth": value,
                    "estimate": est["estimate"],
                    "SE": est["SE"],
                    "covered": est["lcl"] < value < est["ucl"],
                    "n": fit.n,
                }
            )
    elapsed = time.perf_counter() - t0
    table = (
        pd.DataFrame(rows)
        .groupby("parameter", sort=False)
        .agg(
            truth=("truth", "first"),
            mean=("estimate", "mean"),
            sd=("estimate", "std"),
            mean_SE=("SE", "mean"),
            coverage=("covered", "mean"),
            mean_n=("n", "mean"),
        )
    )
    table.insert(2, "rel_bias_%", 100 * (table["mean"] / table["truth"] - 1))
    table.insert(3, "rel_bias_SE_%", 100 * table["sd"] / table["truth"] / np.sqrt(reps))
    print(table.round(3).to_string())
    print(f"   ({elapsed:.1f} s, {elapsed / max(reps, 1):.2f} s per study)")


# --------------------------------------------------------------------------- 4. multi-session
#: secr 5.3.0's times for the ovenCH fits on 2 busy cores (../shared/data/reference/turn2/README.md).
R_OVENCH_SECONDS = {"~1": 34.0, "~ Session": 51.0}


def ovench_sessions() -> tuple[dict[str, CaptureHistory], Mask]:
    """secr's ovenCH as five CaptureHistory objects and the mask of make.mask(traps(ovenCH), buffer = 300)."""
    ref = ROOT / "tests/data/reference/turn2"
    captures = pd.read_csv(ref / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    traps = pd.read_csv(ref / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    noccasions = {"2005": 9, "2006": 10, "2007": 10, "2008": 10, "2009": 10}
    chs = make_capthists(captures, traps, detector="multi", noccasions=noccasions)
    return chs, Mask(pd.read_csv(ref / "ovenCH_mask300.csv"), spacing=10.921875)


def split_into_sessions(ch: CaptureHistory, n_sessions: int) -> dict[str, CaptureHistory]:
    """Consecutive blocks of occasions as sessions (animals without detections in a block left out)."""
    out = {}
    for j, block in enumerate(np.array_split(np.arange(ch.noccasions), n_sessions), start=1):
        counts = ch.counts[:, block, :]
        seen = counts.sum(axis=(1, 2)) > 0
        out[f"S{j}"] = CaptureHistory(
            counts[seen], ch.traps, ch.detector, ch.usage[:, block], ids=ch.ids[seen], covariates=ch.covariates[seen]
        )
    return out


def multisession_benchmarks() -> None:
    print("\n== 4. multi-session fits ==")
    chs, mask = ovench_sessions()
    print(
        f"   secr ovenCH: {len(chs)} sessions, {sum(c.n for c in chs.values())} birds, 44 nets, "
        f"{len(mask):,} mask points, multi-catch, HN"
    )
    # load the compiled (numba) kernels first, as R has its compiled code loaded with the package
    secr_fit({s: chs[s] for s in ("2008", "2009")}, mask=mask, progress=False)
    for density, reference in (("~1", "loglik -931.1416, D 0.91087"), ("~ Session", "loglik -930.7265")):
        t0 = time.perf_counter()
        fit = secr_fit(chs, mask=mask, density=density, progress=False)
        elapsed = time.perf_counter() - t0
        r_time = R_OVENCH_SECONDS[density]
        print(
            f"   D {density:<10} {elapsed:6.2f} s ({fit.n_evaluations} evaluations); secr 5.3.0 {r_time:.0f} s: "
            f"{r_time / elapsed:.0f}x; loglik {fit.loglik:.4f} (secr: {reference}); "
            f"D {', '.join(f'{d:.4f}' for d in fit.density)}"
        )
    ch, park_mask, _, _ = default_study()
    sessions = split_into_sessions(ch, 6)
    print(
        f"   default park as six sessions: {ch.ntraps} stations, {len(park_mask):,} mask points, "
        f"{', '.join(str(c.n) for c in sessions.values())} leopards, "
        f"{', '.join(str(c.noccasions) for c in sessions.values())} daily occasions"
    )
    for density, detection in (("~session", "~1"), ("~ Session", "~1")):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            fit = secr_fit(
                sessions, mask=park_mask, detectfn="HHN", density=density, detection=detection, progress=False
            )
        elapsed = time.perf_counter() - t0
        print(
            f"   HHN, D {density:<10} ({fit.n_params} coefficients) {elapsed:6.2f} s (target < 30 s), "
            f"{fit.n_evaluations} evaluations; D / 100 km2 " + ", ".join(f"{d * 1e4:.2f}" for d in fit.density)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=50, help="simulated studies (0 skips the study)")
    parser.add_argument("--only-sessions", action="store_true", help="run the multi-session fits (4.) only")
    args = parser.parse_args()
    if not args.only_sessions:
        likelihood_benchmark()
        fit_benchmarks()
        if args.reps > 0:
            simulation_study(args.reps)
    multisession_benchmarks()


if __name__ == "__main__":
    main()
