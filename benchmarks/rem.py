"""Benchmark: the whole random encounter model (REM) for three prey species with 1,000 bootstraps (issue 21).

Run:  python benchmarks/rem.py [--quick] [--check] [--reps 1000]
      taskset -c 0 python benchmarks/rem.py      # pinned to one core

For each of three prey species the script runs ``nbtools.rem.rem_from_data`` with the nbtools conventions:
half-normal detection functions of radii (5 % truncation) and angles, harmonic mean speed, activity
level with its own 999-resample bootstrap (for the delta method), the trap rate, the delta-method SE, and
the full bootstrap over camera locations with ``--reps`` (1,000) replicates, each refitting every
ingredient. It times, in the same process and on the same data and seeds:

* fast   -- ``engine="fast"`` (the default): half-normal refits by Newton's method from the full data's
            scale, the activity levels of all replicates at once (``nbtools.activity.activity_levels``);
* plain  -- ``engine="plain"``: the straightforward loop, one replicate at a time through the public
            functions ``fit_detection``, ``harmonic_mean_speed``, ``activity_level`` and ``rem_density``
            (timed on ``--plain-reps`` replicates and scaled to ``--reps`` when fewer).

Both draw the same resamples of locations; the script prints the largest relative difference between
their replicate densities (target <= 1e-6: the plain bounded optimiser stops within ~1e-8 of the maximum).
Target: the fast REM of the three species under 5 s on 2 cores.

Data: synthetic, since the default study has no animal positions or speeds (Camtrap DP
``individualPositionRadius``/``Angle``/``individualSpeed``). Study-like numbers per species, 60 camera
locations each, 20-40 camera-days per location; positions and speeds measured for 70 % of the contacts:

* sika deer (Cervus nippon): 20 contacts per location on average (about 1,200), radii Rayleigh(3.5 m),
  angles N(0, 0.30 rad), speeds log-normal (median 0.6 m/s), crepuscular (two peaks);
* roe deer (Capreolus pygargus): 12 per location (about 720), Rayleigh(3.0 m), N(0, 0.28), median 0.5 m/s,
  crepuscular;
* wild boar (Sus scrofa): 8 per location (about 480), Rayleigh(3.2 m), N(0, 0.32), median 0.7 m/s, nocturnal.

The times exclude ``rem_data`` (collecting these inputs from a study), which is the same for both
engines. The machine is shared: absolute times vary with the load; compare the ratio between runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

import nbtools.rem as rem

TWO_PI = 2 * np.pi
TARGET_S = 5.0

#: species, contacts per location, Rayleigh sigma of radii (m), SD of angles (rad), median speed (m/s),
#: activity peaks (rad) and von Mises concentration
SPECIES = (
    ("Cervus nippon", 20, 3.5, 0.30, 0.6, (1.6, 4.9), 3.0),
    ("Capreolus pygargus", 12, 3.0, 0.28, 0.5, (1.5, 5.0), 2.5),
    ("Sus scrofa", 8, 3.2, 0.32, 0.7, (0.2,), 1.5),
)


def synthetic(
    species: str,
    per_location: float,
    sigma: float,
    angle_sd: float,
    speed: float,
    peaks: tuple[float, ...],
    kappa: float,
    k: int,
    seed: int,
) -> rem.REMData:
    """REM inputs for one species at k camera locations (see the module docstring)."""
    rng = np.random.default_rng(seed)
    locs = [f"L{i:02d}" for i in range(k)]
    y = rng.poisson(per_location, k)
    n = int(y.sum())
    where = np.repeat(locs, y)
    measured = rng.random(n) < 0.7
    peak = rng.choice(np.asarray(peaks), n)
    times = (peak + rng.vonmises(0.0, kappa, n)) % TWO_PI

    def table(column: str, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"locationID": where[measured], "deploymentID": where[measured], column: values[measured]})

    return rem.REMData(
        species,
        pd.DataFrame(
            {"locationID": locs, "contacts": y.astype(float), "camera_days": rng.uniform(20, 40, k), "n_deployments": 1}
        ),
        table("radius", rng.rayleigh(sigma, n)),
        table("angle", rng.normal(0.0, angle_sd, n)),
        table("speed", rng.lognormal(np.log(speed), 0.5, n)),
        pd.DataFrame({"locationID": where, "time": times}),
    )


def run(data: list[rem.REMData], reps: int, engine: str) -> tuple[float, list[rem.REMEstimate]]:
    t0 = time.perf_counter()
    out = [
        rem.rem_from_data(d, n_boot=reps, activity_reps=999, seed=100 + i, progress=False, engine=engine)
        for i, d in enumerate(data)
    ]
    return time.perf_counter() - t0, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=1000, help="bootstrap replicates per species (1000)")
    parser.add_argument("--locations", type=int, default=60, help="camera locations per species (60)")
    parser.add_argument(
        "--plain-reps",
        type=int,
        default=None,
        help="replicates for the plain loop, scaled to --reps (default: --reps; --quick: 100)",
    )
    parser.add_argument("--quick", action="store_true", help="time the plain loop on 100 replicates only")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    plain_reps = args.plain_reps or (min(100, args.reps) if args.quick else args.reps)

    data = [synthetic(*spec, k=args.locations, seed=21 + i) for i, spec in enumerate(SPECIES)]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"REM of {len(data)} prey species, {args.locations} locations each, {args.reps} full bootstraps "
        f"(+ 999 activity resamples) per species; {cores} core(s) available"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(data[:1], 5, "fast")  # imports and first calls out of the timing
        t_fast, fast = run(data, args.reps, "fast")
        t_plain, plain = run(data, plain_reps, "plain")
        _, fast_same = run(data, plain_reps, "fast") if plain_reps != args.reps else (0.0, fast)
    t_plain_scaled = t_plain * args.reps / plain_reps
    rows = []
    worst = 0.0
    for d, f, p, fs in zip(data, fast, plain, fast_same):
        diff = float(np.max(np.abs(fs.replicates / p.replicates - 1))) if p.replicates.size else float("nan")
        same_failures = fs.failed_reps == p.failed_reps
        worst = max(worst, diff if same_failures else float("inf"))
        rows.append(
            {
                "species": d.species,
                "contacts": int(d.n_contacts),
                "radii": len(d.radii),
                "density /km2": f.density,
                "delta SE": f.se,
                "bootstrap SE": f.bootstrap_se,
                "failed reps": f.failed_reps,
                "max rel diff fast-plain": diff,
            }
        )
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print()
    scaled = "" if plain_reps == args.reps else f" (timed on {plain_reps} replicates, scaled)"
    print(f"fast  (engine='fast') : {t_fast:7.2f} s for the three species")
    print(f"plain (engine='plain'): {t_plain_scaled:7.2f} s{scaled}")
    print(f"ratio plain / fast    : {t_plain_scaled / t_fast:7.1f}x")
    print(f"largest relative difference of replicate densities: {worst:.2g}")
    checks = [
        (f"fast REM of three species under {TARGET_S:g} s", t_fast < TARGET_S),
        ("fast = plain replicates to 1e-6 (same failures)", worst <= 1e-6),
    ]
    print()
    for name, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 1 if args.check and not all(ok for _, ok in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
