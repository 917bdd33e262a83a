"""Benchmark: peak memory of reading a Camtrap DP package with a 10-million-row observations table.

Run:  python benchmarks/read_memory.py [--rows 10000000] [--gzip] [--no-validate] [--keep DIR]

The script builds, in a temporary folder, a valid Camtrap DP 1.0 package: the descriptor, deployments
and media of ``tests/data/bad/00_valid`` and an ``observations.csv`` (``.csv.gz`` with ``--gzip``) of
``--rows`` rows with all 28 official columns, written column-wise with numpy and pyarrow (IDs unique,
foreign keys valid, every event inside its deployment, a fifth of the rows media-level), so reading it
reports no problem. Then, each in a fresh CHILD process so that neither the parent's memory nor the other
measurement counts:

* reader  -- ``nbtools.camtrapdp.read_camtrapdp(path)`` (defaults: frictionless schema checks on);
* pandas  -- the baseline: plain ``pandas.read_csv`` of the same observations file.

For each it prints the peak resident set size (the child's ``ru_maxrss`` from ``os.wait4``), the RSS
of the interpreter after its imports (before reading), the wall time, rows per second, and the peak
in bytes per row of the file, both whole and above the imports ("incremental"); then the ratio of the
reader's peak to pandas's.

Memory bound (documented in ``read_camtrapdp``'s docstring, Notes, "Memory"): the reader's peak RSS
above the interpreter with nbtools imported is at most ``BOUND_FIXED_BYTES`` + ``BOUND_BYTES_PER_ROW`` x
rows = 250 MB + 1,250 bytes per observation row (12.75 GB for 10 million rows; the CSV itself has about
178 bytes a row), and at most ``BOUND_PANDAS_RATIO`` = 2 times plain ``pandas.read_csv``'s peak. PASS/FAIL
is printed against both. The bound is the measurement below with a margin of about 1.4.

Measured (2 CPUs, 23 GB, a machine shared with other jobs; Python 3.11, pandas 3.0 with pyarrow
strings), 10,000,000 rows, 1.78 GB CSV, ``read_camtrapdp`` defaults (frictionless checks on):

    read_camtrapdp   peak RSS 9.07 GB (8.96 GB above the imports: 871 B/row above the fixed part),
                     1,718 s (5,800 rows/s; about 22 minutes of it frictionless's row-by-row checks;
                     ``--no-validate`` about 380 s); 0 problems
    pandas.read_csv  peak RSS 6.72 GB, 23 s
    ratio 1.35 -> PASS

Before the fixes of issue 11 the reader's peak was 1,490 B/row above the imports at 1 million rows with
``--no-validate`` (measured; about 15 GB for 10 million rows, more with frictionless's key memory):
the CSV text was parsed through ``io.StringIO`` (4 bytes a character), a message array as long as
each numeric column was built even without a bad cell, a copy of the table was made when no row was
set aside, and frictionless kept every primary key twice (about 250 B/row) for checks whose result
was discarded.

The test ``tests/test_numerical_faults.py::test_read_memory_bound`` (marked slow) runs this script with
``--rows 1000000 --json`` and checks the same per-row bound.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "tests" / "data" / "bad" / "00_valid"

#: The documented bound: peak RSS above the imports <= BOUND_FIXED_BYTES + BOUND_BYTES_PER_ROW x rows
#: (the fixed part is mostly frictionless and jsonschema, imported when the reader first validates).
BOUND_FIXED_BYTES = 250_000_000
BOUND_BYTES_PER_ROW = 1250
#: ... and the reader's whole peak RSS at most this many times plain pandas.read_csv's.
BOUND_PANDAS_RATIO = 2.0

COLUMNS = [
    "observationID",
    "deploymentID",
    "mediaID",
    "eventID",
    "eventStart",
    "eventEnd",
    "observationLevel",
    "observationType",
    "cameraSetupType",
    "scientificName",
    "count",
    "lifeStage",
    "sex",
    "behavior",
    "individualID",
    "individualPositionRadius",
    "individualPositionAngle",
    "individualSpeed",
    "bboxX",
    "bboxY",
    "bboxWidth",
    "bboxHeight",
    "classificationMethod",
    "classifiedBy",
    "classificationTimestamp",
    "classificationProbability",
    "observationTags",
    "observationComments",
]


# --------------------------------------------------------------------------------------------- building
def build_package(folder: Path, rows: int, gzip: bool = False, seed: int = 11) -> Path:
    """Write a valid Camtrap DP package with ``rows`` observations into ``folder``; returns the observations file."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("deployments.csv", "media.csv"):
        shutil.copy(TEMPLATE / name, folder / name)
    descriptor = json.loads((TEMPLATE / "datapackage.json").read_text(encoding="utf-8"))
    obs_name = "observations.csv.gz" if gzip else "observations.csv"
    for resource in descriptor["resources"]:
        if resource["name"] == "observations":
            resource["path"] = obs_name
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")

    deployments = pd.read_csv(TEMPLATE / "deployments.csv", dtype=str, keep_default_na=False)
    media = pd.read_csv(TEMPLATE / "media.csv", dtype=str, keep_default_na=False)
    dep_ids = deployments["deploymentID"].to_numpy()
    starts, ends = (_seconds(deployments[column]) for column in ("deploymentStart", "deploymentEnd"))
    media_ids = media["mediaID"].to_numpy()
    media_dep = pd.Index(dep_ids).get_indexer(media["deploymentID"])
    media_ts = _seconds(media["timestamp"])

    rng = np.random.default_rng(seed)
    n = rows
    media_level = rng.random(n) < 0.2
    which_media = rng.integers(0, len(media_ids), n)
    dep = np.where(media_level, media_dep[which_media], rng.integers(0, len(dep_ids), n))
    span = ends[dep] - starts[dep]
    start = np.where(media_level, media_ts[which_media], starts[dep] + (rng.random(n) * (span - 120)).astype(np.int64))
    end = np.where(media_level, start, np.minimum(start + rng.integers(0, 120, n), ends[dep]))

    def text(values: np.ndarray) -> pa.Array:
        return pa.array(values, type=pa.string())

    def choose(options: list[str | None], p: list[float] | None = None) -> pa.Array:
        return pa.array(options, type=pa.string()).take(pa.array(rng.choice(len(options), n, p=p)))

    def stamp(seconds: np.ndarray) -> pa.Array:
        return text(np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s", timezone="UTC"))

    def ids(prefix: str, numbers: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), "")

    machine = rng.random(n) < 0.3
    probability = np.where(machine, np.round(rng.uniform(0.5, 1.0, n), 2), np.nan)
    none = pa.nulls(n, pa.string())
    columns = {
        "observationID": ids("obs", np.arange(n)),
        "deploymentID": text(dep_ids).take(pa.array(dep)),
        "mediaID": pa.array(np.where(media_level, media_ids[which_media], None), type=pa.string()),
        "eventID": ids("evt", np.arange(n) // 3),
        "eventStart": stamp(start),
        "eventEnd": stamp(end),
        "observationLevel": pa.array(np.where(media_level, "media", "event"), type=pa.string()),
        "observationType": choose(["animal", "blank", "unknown", "human"], [0.7, 0.15, 0.1, 0.05]),
        "cameraSetupType": none,
        "scientificName": choose(
            [
                "Anas platyrhynchos",
                "Ondatra zibethicus",
                "Rattus norvegicus",
                "Vulpes vulpes",
                "Martes foina",
                "Ardea cinerea",
                None,
            ]
        ),
        "count": pa.array(rng.integers(1, 6, n)),
        "lifeStage": choose(["adult", "subadult", "juvenile", None]),
        "sex": choose(["female", "male", None]),
        "behavior": choose(["foraging", "walking", "resting", None]),
        "individualID": none,
        "individualPositionRadius": pa.nulls(n, pa.float64()),
        "individualPositionAngle": pa.nulls(n, pa.float64()),
        "individualSpeed": pa.nulls(n, pa.float64()),
        "bboxX": pa.nulls(n, pa.float64()),
        "bboxY": pa.nulls(n, pa.float64()),
        "bboxWidth": pa.nulls(n, pa.float64()),
        "bboxHeight": pa.nulls(n, pa.float64()),
        "classificationMethod": pa.array(np.where(machine, "machine", "human"), type=pa.string()),
        "classifiedBy": choose(["Danny Van der beeck", "Peter Desmet", "MegaDetector 5"]),
        "classificationTimestamp": stamp(end + 86_400 * 30),
        "classificationProbability": pa.array(probability, from_pandas=True),
        "observationTags": none,
        "observationComments": none,
    }
    table = pa.table({name: columns[name] for name in COLUMNS})
    path = folder / obs_name
    options = pacsv.WriteOptions(quoting_style="none", batch_size=1 << 16)
    if gzip:
        with pa.CompressedOutputStream(str(path), "gzip") as stream:
            pacsv.write_csv(table, stream, options)
    else:
        pacsv.write_csv(table, str(path), options)
    return path


def _seconds(text):
    """Timestamps with offsets as int64 seconds since 1970 (UTC)."""
    import pandas as pd

    return pd.to_datetime(text, utc=True).dt.tz_localize(None).to_numpy().astype("datetime64[s]").astype(np.int64)


# --------------------------------------------------------------------------------------------- children
def _rss_now() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def child(kind: str, target: str, validate: bool) -> None:
    """Run one measurement in this (child) process and print its figures as JSON."""
    if kind == "reader":
        from nbtools.camtrapdp import read_camtrapdp

        imported = _rss_now()
        t0 = time.perf_counter()
        package = read_camtrapdp(target, validate=validate)
        seconds = time.perf_counter() - t0
        out = {
            "rows": len(package.observations),
            "errors": len(package.report.errors),
            "warnings": len(package.report.problems) - len(package.report.errors),
            "summary": package.report.summary(),
            "result_bytes": int(package.observations.memory_usage(deep=True).sum()),
        }
    else:
        import pandas as pd

        imported = _rss_now()
        t0 = time.perf_counter()
        frame = pd.read_csv(target)
        seconds = time.perf_counter() - t0
        out = {"rows": len(frame), "result_bytes": int(frame.memory_usage(deep=True).sum())}
    out.update(imported=imported, seconds=seconds)
    print(json.dumps(out))


def measure(kind: str, target: Path, validate: bool, log: Path) -> dict:
    """Run ``child`` in a fresh process; its peak RSS comes from ``os.wait4``."""
    command = [sys.executable, __file__, "--child", kind, str(target)]
    if not validate:
        command.append("--no-validate")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(log, "w+") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    if process.returncode != 0:
        raise SystemExit(f"{kind} child failed (exit {process.returncode}):\n{text[-4000:]}")
    result = json.loads(text.strip().splitlines()[-1])
    result.update(peak=usage.ru_maxrss * 1024, process_seconds=wall)  # ru_maxrss is in KiB on Linux
    return result


# --------------------------------------------------------------------------------------------- main
def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--gzip", action="store_true", help="write observations.csv.gz")
    parser.add_argument("--no-validate", action="store_true", help="read_camtrapdp(validate=False)")
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the package in this folder and keep it (reused when it already holds a package of --rows rows)",
    )
    parser.add_argument("--json", action="store_true", help="also print all figures as one JSON line at the end")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    validate = not args.no_validate
    if args.child:
        child(args.child[0], args.child[1], validate)
        return 0

    temp = None if args.keep else tempfile.TemporaryDirectory(prefix="nbtools-read-memory-")
    folder = args.keep or Path(temp.name) / "package"
    try:
        t0 = time.perf_counter()
        obs = folder / ("observations.csv.gz" if args.gzip else "observations.csv")
        stamp = folder / "ROWS"
        if args.keep and obs.is_file() and stamp.is_file() and stamp.read_text().strip() == str(args.rows):
            how = f"reused from {folder}"
        else:
            obs = build_package(folder, args.rows, gzip=args.gzip)
            how = f"built in {time.perf_counter() - t0:.1f} s"
            if args.keep:
                stamp.write_text(f"{args.rows}\n")
        size = obs.stat().st_size
        print(
            f"package of {args.rows:,} observation rows {how}: {obs.name} {_gb(size)} ({size / args.rows:.0f} bytes/row)"
        )
        reader = measure("reader", folder, validate, folder.parent / "reader.log")
        baseline = measure("pandas", obs, validate, folder.parent / "pandas.log")
    finally:
        if temp is not None:
            temp.cleanup()

    n = args.rows
    figures = {"rows": n, "file_bytes": size, "gzip": args.gzip, "validate": validate}
    for name, result in (("reader", reader), ("pandas", baseline)):
        incremental = result["peak"] - result["imported"]
        figures[name] = dict(
            result,
            incremental=incremental,
            peak_per_row=result["peak"] / n,
            incremental_per_row=incremental / n,
            rows_per_second=n / result["seconds"],
        )
        label = "read_camtrapdp" if name == "reader" else "pandas.read_csv"
        print(
            f"{label:16s} peak RSS {_gb(result['peak'])} (after imports {_gb(result['imported'])}, incremental "
            f"{_gb(incremental)}); {result['seconds']:.1f} s, {n / result['seconds']:,.0f} rows/s; "
            f"{result['peak'] / n:.0f} B/row peak, {incremental / n:.0f} B/row incremental; "
            f"result frame {_gb(result['result_bytes'])}"
        )
    if reader["rows"] != n:
        print(f"FAIL: read {reader['rows']:,} observations, expected {n:,}")
        return 1
    print(f"reader report: {reader['summary']}")
    ratio = reader["peak"] / baseline["peak"]
    figures["ratio"] = ratio
    incremental = figures["reader"]["incremental"]
    per_row = (incremental - BOUND_FIXED_BYTES) / n  # bytes per row beyond the fixed part of the bound
    bound = BOUND_FIXED_BYTES + BOUND_BYTES_PER_ROW * n
    figures.update(bound_bytes=bound, per_row_above_fixed=per_row)
    ok = incremental <= bound and ratio <= BOUND_PANDAS_RATIO and reader["errors"] == 0
    figures["pass"] = ok
    print(f"ratio reader/pandas peak RSS: {ratio:.2f}")
    print(
        f"{'PASS' if ok else 'FAIL'}: incremental peak {_gb(incremental)} for {n:,} rows, bound {_gb(bound)} "
        f"({BOUND_FIXED_BYTES / 1e6:.0f} MB + {BOUND_BYTES_PER_ROW} B/row; here {per_row:.0f} B/row above the "
        f"fixed part); ratio {ratio:.2f} (bound {BOUND_PANDAS_RATIO:g}); {reader['errors']} errors"
    )
    if args.json:
        print(json.dumps(figures))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
