"""Benchmark: reading a Camtrap DP package, with and without its checks, against plain CSV parsers.

Run:  python benchmarks/read.py [--rows N] [--gzip] [--repeat 3] [--frictionless | --no-frictionless] [--keep DIR]
                                [--no-cache] [--stream-rows 10_000_000] [--stream-keep DIR]

Without ``--rows`` the files are the default study's (``data/leopard-study/``: 1,317 deployments, 157,933
media, 194,396 observations, three gzipped CSV tables). With ``--rows N`` they are a package with N
observation rows generated as ``benchmarks/read_memory.py`` does (the deployments and media of
``tests/data/bad/00_valid``; valid, so no problem is reported).

On the same files, each reader in a fresh CHILD process (time inside the child, peak resident memory from
``os.wait4``, i.e. ``getrusage`` of the child):

* ``pandas``        -- ``pandas.read_csv`` of each core table (the baseline users know);
* ``pyarrow``       -- ``pyarrow.csv.read_csv`` of each core table (multi-threaded; the baseline of the target);
* ``nbtools fast``  -- ``read_camtrapdp(path, validate=False)``: typed tables, rows set aside, our rules;
* ``nbtools``       -- ``read_camtrapdp(path)``: the same plus the descriptor against the profile and every
  Table Schema constraint, column-wise (``nbtools.camtrapdp.constraints``);
* ``nbtools batches`` -- ``validate_camtrapdp(path)``: the same checks and report as ``nbtools``, the media
  and observations read in record batches (``nbtools.camtrapdp.stream``), no table kept;
* ``frictionless``  -- frictionless's row checks of the same tables (what ``read_camtrapdp`` called until
  issue 18; the check alone, no typed tables). On by default up to 1 million rows (about 6,000 rows a
  second), ``--frictionless`` to force it.

Printed: seconds (median of ``--repeat`` runs, the runs interleaved), peak RSS, and the ratios of time to
pyarrow's and pandas' and of peak memory to pandas', then the issue's targets: full validation at most 2x
pyarrow's parse, and the default study read with its checks in under 2 s. The readers above never use the
read cache (``cache=False``).

Then the read cache (``nbtools.camtrapdp.cache``, issue 18 point 4; ``--no-cache`` skips it), each in its
own process with ``NBTOOLS_CACHE`` pointing at a fresh temporary folder (never the user's own cache):

* ``read cold`` / ``read warm`` -- ``read_camtrapdp(path)`` with its checks: the first read fills the cache
  (read the CSV files, then write the Parquet entry), the second reopens it;
* ``study nocache`` / ``study cold`` / ``study warm`` -- with the default study only:
  ``Study.from_catalog(open_catalog("leopard"))`` as a notebook's first cell does (``validate=False``,
  habitat and boundary included), with ``NBTOOLS_CACHE=off``, then on an empty cache, then on a full one,
  the libraries the catalog's readers import lazily (xarray, dask, intake, h5netcdf, pyarrow.parquet) being
  imported beforehand as a notebook's import cell does; ``study warm+imports`` times their first import too;

with the size of the cache entries on disk, and the target: ``Study.from_catalog`` under 1 s on a warm cache.

Then the large-data section (``--stream-rows N``, default 10 million; 0 skips it): a package with N generated
observation rows (built once, kept in ``--stream-keep``), read by ``pyarrow`` (the parse alone) and validated by
``nbtools batches``, each in its own process: seconds, rows a second, peak RSS and the ratio of time to pyarrow's,
with the target: 10 million rows validated in under 60 s and 2.5 GB.

Measured on the project's 2-core machine (shared with other sessions; absolute times vary 2x with the load,
the ratios much less), see the README's benchmark table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "data" / "leopard-study"
KINDS = ("pandas", "pyarrow", "nbtools fast", "nbtools", "nbtools batches", "frictionless")
#: The large-data section (--stream-rows): the pyarrow parse of the same files against the validation in batches.
STREAM_KINDS = ("pyarrow", "nbtools batches")
#: The read cache's section: (kind, the cache folder it uses: "read", "study" or "off").
CACHE_RUNS = (
    ("read cold", "read"),
    ("read warm", "read"),
    ("study nocache", "off"),
    ("study cold", "study"),
    ("study warm", "study"),
    ("study warm+imports", "study"),
)
#: What a notebook's import cell has loaded before ``Study.from_catalog`` (the catalog readers import them lazily).
STUDY_IMPORTS = ("intake", "xarray", "dask", "h5netcdf", "pyarrow.parquet", "shapely", "pyproj")

#: Targets of issue 18 (benchmark, not timed tests).
TARGET_PYARROW_RATIO = 2.0
TARGET_STUDY_SECONDS = 2.0
#: 10 million observation rows validated in under 60 s and 2.5 GB (issue 18).
TARGET_STREAM_SECONDS = 60.0
TARGET_STREAM_BYTES = 2.5e9
TARGET_STREAM_ROWS = 10_000_000
TARGET_CATALOG_SECONDS = 1.0
#: Above this many rows frictionless is left out unless --frictionless is given.
FRICTIONLESS_ROWS = 1_000_000


# --------------------------------------------------------------------------------------------- children
def _rss_now() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _core_files(folder: Path) -> dict[str, Path]:
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    return {
        r["name"]: folder / r["path"]
        for r in descriptor["resources"]
        if r["name"] in ("deployments", "media", "observations")
    }


def _read(kind: str, folder: Path) -> dict:
    """One reading of the package by ``kind``; returns rows kept and problems found."""
    files = _core_files(folder)
    if kind == "pandas":
        import pandas as pd

        return {"rows": sum(len(pd.read_csv(path)) for path in files.values())}
    if kind == "pyarrow":
        import pyarrow.csv as pacsv

        return {"rows": sum(pacsv.read_csv(path).num_rows for path in files.values())}
    if kind == "frictionless":
        from nbtools.camtrapdp.oracle import check_tables_with_frictionless
        from nbtools.camtrapdp.package import _dialect, _read_descriptor, _resource_schema, _resources_by_name
        from nbtools.camtrapdp.report import ValidationReport
        from nbtools.camtrapdp.schemas import package_version

        root, descriptor = _read_descriptor(folder)
        declared = _resources_by_name(descriptor)
        tables = {
            name: (
                str(path.relative_to(root)),
                _resource_schema(root, declared[name], name, package_version(descriptor)),
                _dialect(declared[name], str(path.relative_to(root))),
            )
            for name, path in files.items()
        }
        report = ValidationReport()
        check_tables_with_frictionless(root, tables, report)
        return {"rows": None, "problems": len(report.problems)}
    if kind.startswith("study"):
        from nbtools.catalog import open_catalog
        from nbtools.study import Study

        study = Study.from_catalog(open_catalog("leopard"))
        return {"rows": sum(len(t) for t in (study.deployments, study.media, study.observations))}
    from nbtools.camtrapdp import read_camtrapdp

    if kind == "nbtools batches":  # the report only, media and observations in record batches
        from nbtools.camtrapdp import validate_camtrapdp

        report = validate_camtrapdp(folder)
        return {"rows": sum(report.rows_read.values()), "problems": len(report.problems), "summary": report.summary()}
    if kind.startswith("read"):  # through the cache ($NBTOOLS_CACHE set by the parent)
        package = read_camtrapdp(folder)
    else:
        package = read_camtrapdp(folder, validate=(kind == "nbtools"), cache=False)
    return {
        "rows": sum(len(t) for t in package.tables().values()),
        "problems": len(package.report.problems),
        "summary": package.report.summary(),
    }


def child(kind: str, folder: str) -> None:
    """Run one measurement in this (child) process and print its figures as JSON."""
    if kind.startswith("study"):
        import importlib

        import nbtools.catalog  # noqa: F401 -- imports are not timed
        import nbtools.study  # noqa: F401

        for module in STUDY_IMPORTS if not kind.endswith("+imports") else ():
            importlib.import_module(module)
    elif kind.startswith(("nbtools", "read")) or kind == "frictionless":
        import nbtools.camtrapdp  # noqa: F401 -- imports are not timed
    elif kind == "pandas":
        import pandas  # noqa: F401
    else:
        import pyarrow.csv  # noqa: F401
    imported = _rss_now()
    t0 = time.perf_counter()
    out = _read(kind, Path(folder))
    out.update(seconds=time.perf_counter() - t0, imported=imported)
    print(json.dumps(out))


def measure(kind: str, folder: Path, cache: str = "off") -> dict:
    """Run ``child`` in a fresh process; its peak RSS comes from ``os.wait4``. ``cache``: its NBTOOLS_CACHE."""
    command = [sys.executable, __file__, "--child", kind, str(folder)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), NBTOOLS_CACHE=cache)
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if code != 0:
        raise SystemExit(f"{kind} child failed (exit {code}):\n{text[-4000:]}")
    result = json.loads(text.strip().splitlines()[-1])
    result["peak"] = usage.ru_maxrss * 1024  # KiB on Linux
    return result


# --------------------------------------------------------------------------------------------- main
def _package(args: argparse.Namespace) -> tuple[Path, str, tempfile.TemporaryDirectory | None]:
    """The folder to read and a description of it (a temporary folder for generated data unless --keep)."""
    if args.rows is None:
        return STUDY, "the default study (data/leopard-study/)", None
    return _generated(args.rows, args.gzip, args.keep)


def _generated(rows: int, gzip: bool, keep: Path | None) -> tuple[Path, str, tempfile.TemporaryDirectory | None]:
    """A package of ``rows`` generated observation rows (in ``keep``, reused, or in a temporary folder)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from read_memory import build_package

    temp = None if keep else tempfile.TemporaryDirectory(prefix="nbtools-read-")
    folder = keep or Path(temp.name) / "package"
    stamp = folder / "ROWS"
    t0 = time.perf_counter()
    if keep and stamp.is_file() and stamp.read_text().strip() == f"{rows} {gzip}":
        how = f"reused from {folder}"
    else:
        build_package(folder, rows, gzip=gzip)
        stamp.write_text(f"{rows} {gzip}\n")
        how = f"built in {time.perf_counter() - t0:.1f} s"
    return folder, f"{rows:,} generated observation rows ({how})", temp


def _run_stream(args: argparse.Namespace) -> bool:
    """The large-data section: pyarrow's parse and the validation in batches of ``--stream-rows`` rows."""
    folder, what, temp = _generated(args.stream_rows, False, args.stream_keep)
    try:
        size = _folder_size(folder)
        print()
        print(f"large data: {what}, {size / 1e9:.2f} GB of CSV; each reader in its own process")
        results = _run(list(STREAM_KINDS), folder, 1)
    finally:
        if temp is not None:
            temp.cleanup()
    rows = results["pyarrow"]["rows"]
    base = results["pyarrow"]
    print(f"{'reader':16s} {'seconds':>8s} {'rows/s':>11s} {'peak RSS':>9s} {'x pyarrow':>9s} {'mem x pyarrow':>13s}")
    for kind, r in results.items():
        print(
            f"{kind:16s} {r['seconds']:8.1f} {rows / r['seconds']:11,.0f} {r['peak'] / 1e9:7.2f}GB "
            f"{r['seconds'] / base['seconds']:9.2f} {r['peak'] / base['peak']:13.2f}"
        )
    batches = results["nbtools batches"]
    print(f"nbtools batches: {batches['summary']}")
    scale = TARGET_STREAM_ROWS / args.stream_rows
    seconds, peak = batches["seconds"], batches["peak"]
    passed = seconds * scale < TARGET_STREAM_SECONDS and peak < TARGET_STREAM_BYTES
    print(
        f"{'PASS' if passed else 'MISS'}: {rows:,} rows validated in batches in {seconds:.1f} s, peak {peak / 1e9:.2f} GB "
        f"(target for {TARGET_STREAM_ROWS:,} rows: < {TARGET_STREAM_SECONDS:g} s, < {TARGET_STREAM_BYTES / 1e9:g} GB"
        + (f"; time scaled x{scale:g}" if scale != 1 else "")
        + ")"
    )
    return passed


def _run(kinds: list[str], folder: Path, repeat: int) -> dict[str, dict]:
    """Each kind ``repeat`` times, interleaved; median seconds, largest peak."""
    runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for _ in range(repeat):
        for kind in kinds:
            runs[kind].append(measure(kind, folder))
    out = {}
    for kind, results in runs.items():
        out[kind] = dict(
            results[-1], seconds=statistics.median(r["seconds"] for r in results), peak=max(r["peak"] for r in results)
        )
    return out


def _print(results: dict[str, dict], rows: int) -> None:
    base_time = results["pyarrow"]["seconds"]
    pandas = results["pandas"]
    print(
        f"{'reader':16s} {'seconds':>8s} {'rows/s':>11s} {'peak RSS':>9s} {'x pyarrow':>9s} {'x pandas':>8s} {'mem x pandas':>12s}"
    )
    for kind, r in results.items():
        print(
            f"{kind:16s} {r['seconds']:8.2f} {rows / r['seconds']:11,.0f} {r['peak'] / 1e9:7.2f}GB "
            f"{r['seconds'] / base_time:9.2f} {r['seconds'] / pandas['seconds']:8.2f} {r['peak'] / pandas['peak']:12.2f}"
        )
    for kind in ("nbtools", "frictionless"):
        if kind in results and "problems" in results[kind]:
            print(
                f"{kind} problems: {results[kind]['problems']}"
                + (f" ({results[kind]['summary']})" if "summary" in results[kind] else "")
            )


def _verdicts(results: dict[str, dict], study: bool) -> bool:
    ok = True
    ratio = results["nbtools"]["seconds"] / results["pyarrow"]["seconds"]
    passed = ratio <= TARGET_PYARROW_RATIO
    ok &= passed
    print(
        f"{'PASS' if passed else 'MISS'}: full validation {ratio:.2f}x pyarrow's parse (target <= {TARGET_PYARROW_RATIO:g}x)"
    )
    if "frictionless" in results:
        checks = results["nbtools"]["seconds"] - results["nbtools fast"]["seconds"]
        print(
            f"       the schema checks themselves: about {max(checks, 0):.2f} s column-wise against "
            f"{results['frictionless']['seconds']:.1f} s for frictionless's row checks"
        )
    if study:
        seconds = results["nbtools"]["seconds"]
        passed = seconds < TARGET_STUDY_SECONDS
        ok &= passed
        print(
            f"{'PASS' if passed else 'MISS'}: default study read with its checks in {seconds:.2f} s (target < {TARGET_STUDY_SECONDS:g} s)"
        )
    return ok


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _run_cache(folder: Path, study: bool, repeat: int) -> dict[str, dict]:
    """The cache's section: cold and warm, each repetition on fresh temporary cache folders; median seconds."""
    runs: dict[str, list[dict]] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="nbtools-bench-cache-") as temp:
            folders = {"read": Path(temp) / "read", "study": Path(temp) / "study", "off": "off"}
            for kind, which in CACHE_RUNS:
                if kind.startswith("study") and not study:
                    continue
                result = measure(kind, folder, str(folders[which]))
                if which != "off":
                    result["cache_bytes"] = _folder_size(folders[which])
                runs.setdefault(kind, []).append(result)
    return {
        kind: dict(
            results[-1], seconds=statistics.median(r["seconds"] for r in results), peak=max(r["peak"] for r in results)
        )
        for kind, results in runs.items()
    }


def _print_cache(results: dict[str, dict]) -> bool:
    print()
    print("read cache (nbtools.camtrapdp.cache; NBTOOLS_CACHE a fresh temporary folder, each run its own process)")
    print(f"{'run':18s} {'seconds':>8s} {'peak RSS':>9s} {'cache on disk':>13s}")
    for kind, r in results.items():
        size = f"{r['cache_bytes'] / 1e6:11.1f}MB" if "cache_bytes" in r else f"{'-':>13s}"
        print(f"{kind:18s} {r['seconds']:8.2f} {r['peak'] / 1e9:7.2f}GB {size}")
    if "read warm" in results:
        print(
            f"read_camtrapdp with its checks: {results['read cold']['seconds'] / results['read warm']['seconds']:.0f}x "
            "faster from the cache"
        )
    if "study warm" not in results:
        return True
    seconds = results["study warm"]["seconds"]
    passed = seconds < TARGET_CATALOG_SECONDS
    print(
        f"{'PASS' if passed else 'MISS'}: Study.from_catalog on a warm cache in {seconds:.2f} s "
        f"(target < {TARGET_CATALOG_SECONDS:g} s; {results['study nocache']['seconds']:.2f} s without the cache, "
        f"{results['study cold']['seconds']:.2f} s filling it)"
    )
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, help="generated observation rows instead of the default study")
    parser.add_argument("--gzip", action="store_true", help="with --rows: write observations.csv.gz")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each reader (median time, largest peak)")
    parser.add_argument(
        "--frictionless",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"time frictionless's row checks too (default: up to {FRICTIONLESS_ROWS:,} rows)",
    )
    parser.add_argument("--keep", type=Path, help="with --rows: build the package in this folder and keep it (reused)")
    parser.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time the read cache too: cold and warm (default: yes)",
    )
    parser.add_argument(
        "--stream-rows",
        type=int,
        default=TARGET_STREAM_ROWS,
        help="the large-data section: generated observation rows validated in batches (0: skip)",
    )
    parser.add_argument("--stream-keep", type=Path, help="build the large-data package in this folder and keep it")
    parser.add_argument("--json", action="store_true", help="also print all figures as one JSON line at the end")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    folder, what, temp = _package(args)
    try:
        with_frictionless = (
            args.frictionless if args.frictionless is not None else (args.rows or 0) <= FRICTIONLESS_ROWS
        )
        kinds = [k for k in KINDS if with_frictionless or k != "frictionless"]
        print(f"{what}; {args.repeat} run(s) of each reader, each in its own process")
        results = _run(kinds, folder, args.repeat)
        rows = results["pyarrow"]["rows"]
        print(f"{rows:,} data rows in the three tables")
        cached = _run_cache(folder, study=args.rows is None, repeat=args.repeat) if args.cache else {}
    finally:
        if temp is not None:
            temp.cleanup()
    _print(results, rows)
    ok = _verdicts(results, study=args.rows is None)
    if cached:
        ok &= _print_cache(cached)
    if args.stream_rows:
        ok &= _run_stream(args)
    if args.json:
        print(json.dumps({"rows": rows, "what": what, "results": results, "cache": cached}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
