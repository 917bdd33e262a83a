"""Benchmark: datashader maps through ``nbtools.maps`` from 10 to 100 million detections (issue 8).

Run:  python benchmarks/maps.py [--sizes 10,50,100] [--repeat 3] [--pixel 150] [--parquet DIR | --no-parquet]
                                [--cores all|one|both]

Data: the synthetic detections of :mod:`nbtools.simulate.large` (positions where the default study's animals are;
x, y float64 metres in EPSG:32652), generated in memory in partitions of 5 million rows with the default
seed, so they are the first rows of ``make data-large``'s files. Grid: the habitat raster's extent
(120 x 150 km) in square pixels of ``--pixel`` metres (150 m: 800 x 1000 pixels). Every figure below is
measured in this one run, on the same points, after a warm-up call (numba compiles datashader's kernels
on first use); the machine is shared, so trust the ratios, not the absolute times.

For each N (``--sizes``, in millions):

* ``nbtools``  -- ``nbtools.maps.aggregate_points(df, grid=grid)`` on a pandas DataFrame; points per second;
* ``bare``     -- ``datashader.Canvas(...).points(df, "x", "y", agg=ds.count())`` on the same frame and the
  same canvas; **target: nbtools / bare <= 1.2** (our layer adds no cost);
* ``no-acct``  -- ``aggregate_points(..., account=False)`` (no row accounting), for reference;
* ``1% NaN``   -- the same frame with 1% of the rows without x: the accounting then needs its one pass over the
  coordinates (the default case, every row counted, needs none); ratio against bare datashader on that frame;
* ``weights``  -- ``aggregate_points(df, grid=grid, weight="w")`` against ``ds.sum("w")``: a sum says nothing
  of how many points fell in, so the accounting is a pass over the coordinates beside datashader (second core);
* ``bincount`` -- a hand-written numpy binning (``floor``, bounds mask, ``np.bincount``) in chunks of 10
  million points; the ratio is reported, and whether its counts equal the aggregate's exactly.

The in-memory table is measured twice (``--cores both``, the default): on every core of the machine, and
in a child process pinned to one core with ``taskset -c`` (``os.sched_setaffinity`` when taskset is missing),
where nothing can run beside datashader (a busy machine, a one-core Binder); **target: nbtools / bare <= 1.2
on both**. ``--cores one`` or ``--cores all`` measures only one of them.

Against matplotlib (what a user would otherwise do) at 1 and 10 million points: ``ax.scatter(x, y)`` with
matplotlib's default marker, drawn by the Agg backend into an image of the grid's size in pixels
(``fig.canvas.draw()``), against nbtools' ``aggregate_points`` + ``tf.shade`` into an RGBA image of the same
size; **target: >= 50x faster** than the default scatter. Also shown: ``scatter(s=1)`` (the fastest
matplotlib gets, 1-point markers), the PNG encoding that both would add (PIL, level 6, of each image), and
the aggregate alone: what ``activity_map`` computes for a count map (holoviews ``rasterize``), whose colours
bokeh applies in the browser.

Out of core: the Parquet data (``--parquet``, default ``data/large/detections`` written by
``make data-large``; when absent, ``--parquet-rows`` detections are written into a temporary folder)
opened with ``open_large_detections(path, columns=["x", "y"])`` and aggregated, each configuration in a
fresh CHILD process: dask's local threaded scheduler, and a ``distributed.LocalCluster`` with 1 and with
2 worker processes (one thread each). For each: the time of ``aggregate_points`` and of the bare
datashader call on the same dask frame, the child's peak RSS (``ru_maxrss`` from ``os.wait4``) and the
peak of the summed RSS of the child and its worker processes (sampled every 50 ms);
**target: peak under 4 GB** for 100 million points.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PARQUET = ROOT / "data" / "large" / "detections"
PARTITION = 5_000_000
TARGET_RATIO_BARE = 1.2
TARGET_MATPLOTLIB = 50.0
TARGET_PEAK_GB = 4.0


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median and minimum wall time of ``repeat`` calls, and the last result."""
    return interleaved({"f": fn}, repeat)["f"]


def interleaved(fns: dict, repeat: int) -> dict[str, tuple[float, float, object]]:
    """Like :func:`timed` for several functions, called in turn in each round so that load changes hit all alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    results: dict[str, object] = {}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(t), min(t), results[name]) for name, t in times.items()}


def study_grid(pixel: float):
    from nbtools.maps import grid_for
    from nbtools.simulate.large import study_profile

    return grid_for(study_profile().bounds, pixel)


# ------------------------------------------------------------------------------------------- in memory
def make_points(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` large detections' x and y, generated in partitions in parallel (dask threads)."""
    import dask

    from nbtools.simulate.large import DEFAULT_SEED, generate_partition, study_profile

    profile = study_profile()
    x, y = np.empty(n), np.empty(n)

    def fill(index: int) -> None:
        lo = index * PARTITION
        rows = min(PARTITION, n - lo)
        part = generate_partition(profile, index, rows, DEFAULT_SEED)
        x[lo : lo + rows] = part["x"].to_numpy()
        y[lo : lo + rows] = part["y"].to_numpy()

    dask.compute(*[dask.delayed(fill)(i) for i in range(-(-n // PARTITION))], scheduler="threads")
    return x, y


def bincount_binning(x: np.ndarray, y: np.ndarray, grid, chunk: int = 10_000_000) -> np.ndarray:
    """Counts per pixel, hand-written with numpy (the grid's right and top edges count in, like datashader)."""
    counts = np.zeros(grid.width * grid.height, dtype=np.int64)
    scale = 1.0 / grid.size
    (x0, x1), (y0, y1) = grid.x_range, grid.y_range
    for lo in range(0, x.size, chunk):
        xs, ys = x[lo : lo + chunk], y[lo : lo + chunk]
        ok = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
        ix = np.minimum(((xs[ok] - x0) * scale).astype(np.intp), grid.width - 1)
        iy = np.minimum(((ys[ok] - y0) * scale).astype(np.intp), grid.height - 1)
        counts += np.bincount(iy * grid.width + ix, minlength=counts.size)
    return counts.reshape(grid.height, grid.width)


def shaded_image(agg):
    import colorcet as cc
    import datashader.transfer_functions as tf

    return tf.shade(agg, cmap=cc.fire, how="eq_hist")


def png_bytes(image) -> bytes:
    buffer = io.BytesIO()
    image.to_pil().save(buffer, format="png")
    return buffer.getvalue()


def matplotlib_raster(x: np.ndarray, y: np.ndarray, grid, plt, **scatter) -> object:
    """A scatter drawn by Agg into a figure of the grid's size in pixels (the raster a notebook would show)."""
    fig, ax = plt.subplots(figsize=(grid.width / 100, grid.height / 100), dpi=100)
    ax.scatter(x, y, **scatter)
    ax.set_xlim(*grid.x_range)
    ax.set_ylim(*grid.y_range)
    fig.canvas.draw()
    return fig


def matplotlib_png(fig) -> bytes:
    """The drawn figure's pixels as PNG, with the same encoder as ours (``savefig`` would draw it again)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).save(buffer, format="png")
    return buffer.getvalue()


def memory_table(x_all: np.ndarray, y_all: np.ndarray, sizes: list[int], repeat: int, grid, label: str) -> list[dict]:
    """nbtools against bare datashader for each size, on the CPUs this process may use."""
    import datashader as ds
    import pandas as pd

    from nbtools.maps import aggregate_points

    n_max = max(sizes)
    w_all = np.random.default_rng(1).exponential(1.0, n_max)
    x_nan = x_all.copy()
    x_nan[::100] = np.nan  # 1% of the rows without coordinates
    warm = pd.DataFrame({"x": x_nan[:1000], "y": y_all[:1000], "w": w_all[:1000]}, copy=False)
    shaded_image(aggregate_points(warm, grid=grid))  # numba compiles datashader's kernels on first use
    aggregate_points(warm, grid=grid, weight="w")
    grid.canvas().points(warm, "x", "y", agg=ds.count())
    grid.canvas().points(warm, "x", "y", agg=ds.sum("w"))

    rows = []
    print(f"\n{label}: median of {repeat}, interleaved; ratios are nbtools / bare datashader on the same frame")
    print(
        f"{'N':>12} {'nbtools s':>10} {'Mpts/s':>8} {'bare s':>8} {'nbt/bare':>9} {'no-acct':>8} {'1% NaN':>7} "
        f"{'weights':>8} {'bincount s':>11} {'same counts':>12}"
    )
    for n in sizes:
        df = pd.DataFrame({"x": x_all[:n], "y": y_all[:n], "w": w_all[:n]}, copy=False)
        holed = pd.DataFrame({"x": x_nan[:n], "y": y_all[:n]}, copy=False)
        canvas = grid.canvas()
        figures = interleaved(
            {
                "nbtools": lambda: aggregate_points(df, grid=grid),
                "bare": lambda: canvas.points(df, "x", "y", agg=ds.count()),
                "no_acct": lambda: aggregate_points(df, grid=grid, account=False),
                "nan": lambda: aggregate_points(holed, grid=grid),
                "nan_bare": lambda: canvas.points(holed, "x", "y", agg=ds.count()),
                "weights": lambda: aggregate_points(df, grid=grid, weight="w"),
                "weights_bare": lambda: canvas.points(df, "x", "y", agg=ds.sum("w")),
                "bincount": lambda: bincount_binning(x_all[:n], y_all[:n], grid),
            },
            repeat,
        )
        t = {name: value[0] for name, value in figures.items()}
        agg, bare, binned, nan_agg = (figures[k][2] for k in ("nbtools", "bare", "bincount", "nan"))
        same = bool(
            np.array_equal(agg.values, binned)
            and np.array_equal(agg.values, bare.values)
            and agg.attrs["n_outside"] == 0
            and agg.attrs["n_missing"] == 0
            and nan_agg.attrs["n_missing"] == -(-n // 100)
            and nan_agg.attrs["n_outside"] == 0
        )
        row = {
            "n": n,
            "nbtools_s": t["nbtools"],
            "nbtools_min_s": figures["nbtools"][1],
            "bare_s": t["bare"],
            "bare_min_s": figures["bare"][1],
            "bincount_s": t["bincount"],
            "points_per_s": n / t["nbtools"],
            "ratio_bare": t["nbtools"] / t["bare"],
            "ratio_no_accounting": t["no_acct"] / t["bare"],
            "ratio_nan": t["nan"] / t["nan_bare"],
            "ratio_weights": t["weights"] / t["weights_bare"],
            "ratio_bincount": t["bincount"] / t["nbtools"],
            "same_counts": same,
        }
        rows.append(row)
        print(
            f"{n:>12,} {t['nbtools']:>10.3f} {n / t['nbtools'] / 1e6:>8.0f} {t['bare']:>8.3f} {row['ratio_bare']:>9.2f} "
            f"{row['ratio_no_accounting']:>8.2f} {row['ratio_nan']:>7.2f} {row['ratio_weights']:>8.2f} "
            f"{t['bincount']:>11.3f} {'yes' if same else 'NO':>12}"
        )
        df = holed = None  # free the frames before the next size
    worst = max(r["ratio_bare"] for r in rows)
    print(
        f"target nbtools / bare datashader <= {TARGET_RATIO_BARE}: worst {worst:.2f} -> "
        f"{'PASS' if worst <= TARGET_RATIO_BARE else 'FAIL'} (min-based worst "
        f"{max(r['nbtools_min_s'] / r['bare_min_s'] for r in rows):.2f})"
    )
    return rows


def pin_to_one_core() -> int:
    """Pin this process (and the threads it will start) to one CPU; returns it."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def one_core_child(args: argparse.Namespace) -> list[dict]:
    """The in-memory table in a child process pinned to one core with taskset (its output is passed through)."""
    cpu = min(os.sched_getaffinity(0))
    child = [
        sys.executable,
        __file__,
        "--child-memory",
        "--sizes",
        args.sizes,
        "--repeat",
        str(args.repeat),
        "--pixel",
        str(args.pixel),
    ]
    taskset = shutil.which("taskset")
    command = [taskset, "-c", str(cpu), *child] if taskset else [*child, "--pin"]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"one-core child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = proc.stdout.splitlines()
    print("\n".join(line for line in lines if not line.startswith("ROWS ")))
    return json.loads([line for line in lines if line.startswith("ROWS ")][-1][5:])


def in_memory(
    sizes: list[int], repeat: int, pixel: float, matplotlib_too: bool = True, label: str = "in memory, all cores"
) -> list[dict]:
    import pandas as pd

    from nbtools.maps import aggregate_points

    grid = study_grid(pixel)
    n_max = max(sizes)
    start = time.perf_counter()
    x_all, y_all = make_points(n_max)
    print(
        f"generated {n_max:,} points in {time.perf_counter() - start:.1f} s; grid {grid.width} x {grid.height} "
        f"pixels of {grid.size:g} m; CPUs usable: {sorted(os.sched_getaffinity(0))}"
    )
    rows = memory_table(x_all, y_all, sizes, repeat, grid, label)
    if not matplotlib_too:
        return rows

    print("\nmatplotlib scatter drawn by Agg vs nbtools aggregate + shade (images of the grid's size):")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  skipped: matplotlib is not installed in this environment; install it to measure this ratio")
        return rows
    for n in (1_000_000, 10_000_000):
        if n > n_max:
            print(f"  {n:,} points: skipped (--sizes generates only {n_max:,})")
            continue
        df = pd.DataFrame({"x": x_all[:n], "y": y_all[:n]}, copy=False)
        t_ours, _, image = timed(lambda: shaded_image(aggregate_points(df, grid=grid)), repeat)
        t_agg, _, _ = timed(lambda: aggregate_points(df, grid=grid), repeat)
        t_png_ours, _, _ = timed(lambda: png_bytes(image), repeat)
        runs = 1 if n > 1_000_000 else repeat
        figures = {}
        for label, scatter in (("default marker", {}), ("s=1", {"s": 1})):
            fig = None

            def draw(scatter=scatter):
                nonlocal fig
                if fig is not None:
                    plt.close(fig)
                fig = matplotlib_raster(x_all[:n], y_all[:n], grid, plt, **scatter)
                return fig

            t_mpl, _, _ = timed(draw, runs)
            t_png_mpl, _, _ = timed(lambda: matplotlib_png(fig), 1)
            plt.close(fig)
            figures[label] = (t_mpl, t_png_mpl)
        (t_default, png_default), (t_small, _) = figures["default marker"], figures["s=1"]
        ratio, ratio_small = t_default / t_ours, t_small / t_ours
        print(
            f"  {n:>10,} points: matplotlib {t_default:.2f} s (s=1: {t_small:.2f} s), nbtools {t_ours:.3f} s: "
            f"{ratio:.0f}x faster (s=1: {ratio_small:.0f}x; target >= {TARGET_MATPLOTLIB:.0f}x against the default "
            f"scatter: {'PASS' if ratio >= TARGET_MATPLOTLIB else 'FAIL'}); PNG encoding adds "
            f"{png_default:.2f} s to matplotlib and {t_png_ours:.2f} s to nbtools"
        )
        ratio_agg = t_default / t_agg
        print(
            f"  {'':>10}  the aggregate alone (activity_map's count map: holoviews rasterize, bokeh colours it in "
            f"the browser) takes {t_agg:.3f} s: {ratio_agg:.0f}x faster than the default scatter (target >= "
            f"{TARGET_MATPLOTLIB:.0f}x: {'PASS' if ratio_agg >= TARGET_MATPLOTLIB else 'FAIL'})"
        )
    return rows


# ------------------------------------------------------------------------------------------ out of core
def child_parquet(path: str, workers: int, pixel: float, repeat: int) -> None:
    """In a fresh process: aggregate the Parquet data (threads, or a LocalCluster of ``workers``); print JSON."""
    import datashader as ds

    from nbtools.large import open_large_detections, read_manifest
    from nbtools.maps import aggregate_points, grid_for

    client = cluster = None
    if workers:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
        client = Client(cluster)
    manifest = read_manifest(path)
    grid = grid_for(manifest["bounds"], pixel)
    df = open_large_detections(path, columns=["x", "y"])
    aggregate_points(df.partitions[0], grid=grid)  # warm-up: numba compiles in each process
    grid.canvas().points(df.partitions[0], "x", "y", agg=ds.count())
    if workers:
        client.run(lambda: None)
    figures = interleaved(
        {
            "nbtools": lambda: aggregate_points(df, grid=grid),
            "nbtools_no_accounting": lambda: aggregate_points(df, grid=grid, account=False),
            "bare": lambda: grid.canvas().points(df, "x", "y", agg=ds.count()),
        },
        repeat,
    )
    (t_nbt, min_nbt, agg), (t_noacc, _, _), (t_bare, min_bare, _) = (
        figures["nbtools"],
        figures["nbtools_no_accounting"],
        figures["bare"],
    )
    print(
        json.dumps(
            {
                "n": int(manifest["n"]),
                "partitions": df.npartitions,
                "counted": int(agg.sum()),
                "nbtools_s": t_nbt,
                "nbtools_min_s": min_nbt,
                "nbtools_account_false_s": t_noacc,
                "bare_s": t_bare,
                "bare_min_s": min_bare,
            }
        )
    )
    if client is not None:
        client.close()
        cluster.close()


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_child(args: list[str]) -> tuple[dict, int, int]:
    """Run this script as a child; returns its JSON, its peak RSS (wait4) and the sampled peak tree RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, __file__, *args], stdout=out, stderr=err, cwd=ROOT)
        peak_tree = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_tree = max(peak_tree, _tree_rss(proc.pid))
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"child {' '.join(args)} failed ({proc.returncode}):\n{err.read()[-3000:]}")
        lines = [line for line in out.read().splitlines() if line.startswith("{")]
        return json.loads(lines[-1]), usage.ru_maxrss * 1024, peak_tree


def out_of_core(path: Path, pixel: float, repeat: int) -> list[dict]:
    results = []
    print(f"\nout of core: {path} (fresh child process per line; {repeat} runs each after a warm-up)")
    print(
        f"{'scheduler':>22} {'N':>12} {'nbtools s':>10} {'Mpts/s':>7} {'bare s':>8} {'nbt/bare':>9} "
        f"{'no-acct/bare':>13} {'peak RSS child':>15} {'peak RSS tree':>14}"
    )
    for workers in (0, 1, 2):
        data, peak_child, peak_tree = run_child(
            ["--child-parquet", str(path), "--workers", str(workers), "--pixel", str(pixel), "--repeat", str(repeat)]
        )
        label = "local threads" if workers == 0 else f"LocalCluster {workers} worker" + ("s" if workers > 1 else "")
        data.update({"scheduler": label, "peak_child_bytes": peak_child, "peak_tree_bytes": peak_tree})
        results.append(data)
        print(
            f"{label:>22} {data['n']:>12,} {data['nbtools_s']:>10.2f} {data['n'] / data['nbtools_s'] / 1e6:>7.0f} "
            f"{data['bare_s']:>8.2f} {data['nbtools_s'] / data['bare_s']:>9.2f} "
            f"{data['nbtools_account_false_s'] / data['bare_s']:>13.2f} "
            f"{peak_child / 1e9:>13.2f} GB {peak_tree / 1e9:>11.2f} GB"
        )
        assert data["counted"] == data["n"], "every point lies on the grid"
    worst = max(max(r["peak_child_bytes"], r["peak_tree_bytes"]) for r in results)
    n = results[0]["n"]
    print(
        f"target peak memory < {TARGET_PEAK_GB:.0f} GB ({n:,} points): worst {worst / 1e9:.2f} GB -> "
        f"{'PASS' if worst < TARGET_PEAK_GB * 1e9 else 'FAIL'}"
        + ("" if n >= 100_000_000 else " (fewer than 100 million points: run `make data-large` for the full check)")
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10,50,100", help="millions of points, comma-separated (default: %(default)s)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure; the median is used (default: 3)")
    parser.add_argument("--pixel", type=float, default=150.0, help="pixel side in metres (default: 150)")
    parser.add_argument(
        "--parquet",
        type=Path,
        default=None,
        help="folder of large detections (default: data/large/detections, else a temporary one)",
    )
    parser.add_argument(
        "--parquet-rows",
        type=int,
        default=None,
        help="rows to write when no Parquet folder exists (default: the largest --sizes)",
    )
    parser.add_argument("--no-parquet", action="store_true", help="skip the out-of-core measurements")
    parser.add_argument("--no-memory", action="store_true", help="skip the in-memory measurements")
    parser.add_argument("--no-matplotlib", action="store_true", help="skip the comparison with matplotlib")
    parser.add_argument(
        "--cores",
        choices=("all", "one", "both"),
        default="both",
        help="in-memory table on all cores, pinned to one core (taskset), or both (default: both)",
    )
    parser.add_argument("--child-parquet", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_parquet:
        child_parquet(args.child_parquet, args.workers, args.pixel, args.repeat)
        return 0

    sizes = [int(round(float(s) * 1_000_000)) for s in args.sizes.split(",") if s.strip()]
    if args.child_memory:
        if args.pin:
            pin_to_one_core()
        rows = in_memory(
            sizes,
            args.repeat,
            args.pixel,
            matplotlib_too=False,
            label=f"in memory, pinned to CPU {sorted(os.sched_getaffinity(0))}",
        )
        print("ROWS " + json.dumps(rows))
        return 0
    print(
        f"benchmarks/maps.py: sizes {', '.join(f'{s:,}' for s in sizes)}; {os.cpu_count()} CPUs; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if not args.no_memory:
        both = {}
        if args.cores in ("all", "both"):
            both["all cores"] = in_memory(sizes, args.repeat, args.pixel, matplotlib_too=not args.no_matplotlib)
        if args.cores in ("one", "both"):
            print("\nthe same table in a child process pinned to one core (nothing can run beside datashader):")
            both["one core"] = one_core_child(args)
        print(f"\nnbtools / bare datashader (count map, default accounting; median of {args.repeat}):")
        print(f"{'N':>12} " + " ".join(f"{name:>10}" for name in both))
        for i, n in enumerate(sizes):
            print(f"{n:>12,} " + " ".join(f"{rows[i]['ratio_bare']:>10.2f}" for rows in both.values()))
    if not args.no_parquet:
        path = args.parquet or (DEFAULT_PARQUET if (DEFAULT_PARQUET / "_detections.json").is_file() else None)
        with tempfile.TemporaryDirectory(prefix="nbtools-large-") as scratch:
            if path is None:
                from nbtools.simulate.large import write_large_detections

                rows = args.parquet_rows or max(sizes)
                result = write_large_detections(Path(scratch) / "detections", n=rows, progress=False)
                print(
                    f"\nno data/large/detections (make data-large): wrote {rows:,} rows "
                    f"({result.bytes / 1e9:.2f} GB) into a temporary folder in {result.elapsed_s:.1f} s"
                )
                path = result.out_dir
            out_of_core(path, args.pixel, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
