"""Overlap and activity level on overlap's kerinci data, as R users compute them (issue 5's report).

Prints, for tiger against tapir and against macaque, in zone 3 and in all zones pooled: the sample sizes,
Dhat1, Dhat4 and Dhat5 (overlap::overlapEst defaults), the recommended estimator (Dhat1 when the smaller
sample is under 50, else Dhat4) with its smoothed-bootstrap intervals (10,000 resamples, overlap::bootCI's
perc, norm0 and basic0), and the activity level of the tigers (activity::fitact, ``sample="data"`` and
``"model"``, 999 resamples each).

Run: python tools/kerinci_report.py [--resamples 10000] [--seed 2009]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from nbtools.activity import activity_level, bootstrap_ci, bootstrap_overlap, overlap_estimates, recommended_estimator

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "reference" / "overlap-kerinci.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2009)
    args = parser.parse_args()

    kerinci = pd.read_csv(DATA)
    print("records per species:", kerinci["Sps"].value_counts().sort_index().to_dict())
    rows = []
    for zone in (3, None):
        subset = kerinci if zone is None else kerinci[kerinci["Zone"] == zone]
        tiger = subset.loc[subset["Sps"] == "tiger", "TimeRad"].to_numpy()
        for other in ("tapir", "macaque"):
            times = subset.loc[subset["Sps"] == other, "TimeRad"].to_numpy()
            est = overlap_estimates(tiger, times)
            which = recommended_estimator(len(tiger), len(times))
            boot = bootstrap_overlap(
                tiger, times, n_boot=args.resamples, estimator=which, seed=args.seed, progress=False
            )
            t0 = getattr(est, which)
            ci = bootstrap_ci(t0, boot)
            rows.append(
                {
                    "zone": "all" if zone is None else zone,
                    "pair": f"tiger-{other}",
                    "n": f"{len(tiger)}/{len(times)}",
                    "Dhat1": est.dhat1,
                    "Dhat4": est.dhat4,
                    "Dhat5": est.dhat5,
                    "reported": which,
                    **{
                        f"{kind} 95%": f"{ci.loc[kind, 'lower']:.3f}-{ci.loc[kind, 'upper']:.3f}"
                        for kind in ("perc", "norm0", "basic0")
                    },
                }
            )
    pd.set_option("display.width", 200)
    print(pd.DataFrame(rows).round(4).to_string(index=False))

    tiger = kerinci.loc[kerinci["Sps"] == "tiger", "TimeRad"].to_numpy()
    for sample in ("data", "model"):
        level = activity_level(tiger, n_boot=999, sample=sample, seed=args.seed, progress=False)
        print(f"activity level, kerinci tigers (all zones, n={len(tiger)}), sample={sample!r}: {level}")


if __name__ == "__main__":
    main()
