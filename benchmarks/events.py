"""Benchmark: independent-event grouping of 10 million observations.

Compares, in one process on the same data, the pandas idiom most users write

    df.sort_values(["station", "species", "ts"]).groupby(["station", "species"])["ts"].diff()
    -> (gap.isna() | (gap >= threshold)).cumsum()

with ``nbtools.events.group_events`` (the array core) and ``nbtools.events.independent_events`` (the
full DataFrame function: keys, grouping, per-event table). Inputs: globally time-sorted rows (the usual
export order) and randomly shuffled rows. Timestamps are whole seconds over one year (camera clocks
record seconds), so unsorted input is ordered by one value sort of (time, key, row) packed in an
int64; one extra run uses random nanoseconds, where only (coarse time, row) fits and buckets are
refined. Every method must find the same number of events.

Targets (issue 4): >= 20x the pandas idiom on time-sorted input;
>= 5 million rows/s on unsorted input. The machine is shared: wall and CPU (process) time are both
printed, ratios use the median of each; trust ratios from one run, not absolute times.

Run: python benchmarks/events.py [--rows 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from nbtools.events import group_events, independent_events

THRESHOLD = pd.Timedelta("30min")


def make_data(n: int, seed: int = 1, stations: int = 200, species: int = 30, ns: bool = False) -> pd.DataFrame:
    """n observations of `species` species at `stations` stations over one year, time-sorted."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01", tz="UTC").value
    span = 365 * 86_400 * 10**9
    ts = rng.integers(0, span, n) if ns else rng.integers(0, span // 10**9, n) * 10**9
    ts = np.sort(ts) + start
    return pd.DataFrame(
        {
            "station": rng.integers(0, stations, n).astype(np.int32),
            "species": rng.integers(0, species, n).astype(np.int16),
            "ts": ts,
        }
    )


def pandas_idiom(df: pd.DataFrame) -> int:
    d = df.sort_values(["station", "species", "ts"], kind="stable")
    gap = d.groupby(["station", "species"], sort=False)["ts"].diff()
    event = (gap.isna() | (gap >= THRESHOLD.value)).cumsum()
    return int(event.iloc[-1])


def core(df: pd.DataFrame) -> int:
    keys = df["station"].to_numpy(np.int64) * 30 + df["species"].to_numpy(np.int64)
    event, *_ = group_events(keys, df["ts"].to_numpy(), THRESHOLD.value, nkeys=200 * 30)
    return int(event.max()) + 1


def as_observations(df: pd.DataFrame) -> pd.DataFrame:
    """The same rows as Camtrap DP-style observations (categorical IDs, UTC timestamps)."""
    return pd.DataFrame(
        {
            "locationID": pd.Categorical.from_codes(df["station"].to_numpy(), [f"S{i:03d}" for i in range(200)]),
            "scientificName": pd.Categorical.from_codes(
                df["species"].to_numpy(), [f"species {i:02d}" for i in range(30)]
            ),
            "eventStart": pd.to_datetime(df["ts"].to_numpy(), utc=True),
        }
    )


def full(obs: pd.DataFrame) -> int:
    return len(independent_events(obs, THRESHOLD))


def timeit(fn, arg, repeat: int) -> tuple[float, float, float, int]:
    """Median wall time, minimum wall time, median CPU time of this process, and the result."""
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn(arg)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
    return statistics.median(wall), min(wall), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, rep = args.rows, args.repeat

    t0 = time.perf_counter()
    small = make_data(1000)
    core(small), core(small.sample(frac=1, random_state=0)), full(as_observations(small))
    print(f"numba compile / cache load: {time.perf_counter() - t0:.2f} s")

    sorted_df = make_data(n)
    random_df = sorted_df.sample(frac=1, random_state=2).reset_index(drop=True)
    sorted_obs, random_obs = as_observations(sorted_df), as_observations(random_df)
    ns_random = make_data(n, ns=True).sample(frac=1, random_state=3).reset_index(drop=True)

    rows = []
    runs = [
        ("pandas sort+groupby+diff+cumsum", "time-sorted", pandas_idiom, sorted_df),
        ("pandas sort+groupby+diff+cumsum", "random", pandas_idiom, random_df),
        ("group_events (numba, no sort)", "time-sorted", core, sorted_df),
        ("group_events (packed value sort)", "random", core, random_df),
        ("group_events (coarse sort + refine)", "random ns", core, ns_random),
        ("independent_events (DataFrame)", "time-sorted", full, sorted_obs),
        ("independent_events (DataFrame)", "random", full, random_obs),
    ]
    for name, order, fn, data in runs:
        med, best, cpu, result = timeit(fn, data, rep if "pandas" not in name else max(1, rep - 1))
        rows.append((name, order, med, best, cpu, result))
        print(
            f"{name:40s} {order:12s} wall median {med:7.3f} s  min {best:7.3f} s  cpu {cpu:7.3f} s"
            f"  {n / med / 1e6:6.1f} M rows/s  events {result}"
        )

    by = {(r[0], r[1]): r for r in rows}
    ref_sorted = by[("pandas sort+groupby+diff+cumsum", "time-sorted")]
    ref_random = by[("pandas sort+groupby+diff+cumsum", "random")]
    assert len({r[5] for r in rows if r[1] != "random ns"}) == 1, "methods disagree on the number of events"
    print()
    print("| method | input | wall median s | M rows/s (wall) | x pandas, wall | x pandas, CPU |")
    print("|---|---|---|---|---|---|")
    for name, order, med, _best, cpu, _ in rows:
        ref = ref_random if order.startswith("random") else ref_sorted
        print(f"| {name} | {order} | {med:.3f} | {n / med / 1e6:.1f} | {ref[2] / med:.1f} | {ref[4] / cpu:.1f} |")
    core_s = by[("group_events (numba, no sort)", "time-sorted")]
    full_s = by[("independent_events (DataFrame)", "time-sorted")]
    core_r = by[("group_events (packed value sort)", "random")]
    full_r = by[("independent_events (DataFrame)", "random")]
    print()
    print(
        f"target >= 20x pandas on time-sorted input: core {ref_sorted[2] / core_s[2]:.1f}x wall, "
        f"{ref_sorted[4] / core_s[4]:.1f}x CPU; full function {ref_sorted[2] / full_s[2]:.1f}x wall, "
        f"{ref_sorted[4] / full_s[4]:.1f}x CPU"
    )
    print(
        f"target >= 5 M rows/s on unsorted input: core {n / core_r[2] / 1e6:.1f} (wall) / "
        f"{n / core_r[4] / 1e6:.1f} (CPU); "
        f"full function {n / full_r[2] / 1e6:.1f} / {n / full_r[4] / 1e6:.1f}"
    )


if __name__ == "__main__":
    main()
