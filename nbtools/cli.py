"""Command line: ``nbtools simulate|simulate-years|validate|convert|report|large ...`` (the console script an install makes),
the same as ``python -m nbtools ...``.

- ``simulate OUT_DIR [--seed N] [--quiet]``: write the simulated default study.
- ``simulate-years OUT_DIR [--seed N] [--seasons K] [--quiet]``: write the simulated multi-year study.
- ``large OUT_DIR [--rows N] [--seed S]``: write N synthetic detections as partitioned Parquet (scale demo).
- ``validate PACKAGE``: read a Camtrap DP package and print its validation report (exit 1 on errors).
- ``report [NOTEBOOKS ...] [--out reports]``: execute notebooks into HTML (exit 1 if any fails).
- ``validate PACKAGE --batches``: the same report, reading the large tables in record batches (bounded memory).
- ``convert PACKAGE OUT_DIR [--partition-by month|deploymentID] [--quiet]``: write a validated, partitioned
  Parquet dataset that dask opens (bounded memory, progress bar).

>>> from nbtools.cli import build_parser
>>> build_parser().parse_args(["simulate", "out", "--seed", "7"]).seed
7
>>> build_parser().parse_args(["simulate-years", "out", "--seasons", "3"]).seasons
3
>>> build_parser().parse_args(["large", "out", "--rows", "1_000_000"]).rows
1000000
>>> build_parser().parse_args(["convert", "pkg", "out", "--partition-by", "deploymentID"]).partition_by
'deploymentID'
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["build_parser", "main"]


def build_parser(prog: str = "nbtools") -> argparse.ArgumentParser:
    """The ``nbtools`` argument parser with one sub-command per task (``prog`` is the name its help shows)."""
    from . import __version__

    parser = argparse.ArgumentParser(prog=prog, description="Camera-trap ecology tools.")
    parser.add_argument("--version", action="version", version=f"%(prog)s (leopard-nbtools) {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    simulate = commands.add_parser(
        "simulate",
        help="write a simulated Land of the Leopard study (Camtrap DP, habitat, truth)",
        description=(
            "Simulate the default study and write datapackage.json, deployments/media/observations/"
            "individuals .csv.gz, habitat.nc, boundary.geojson and truth.json to OUT_DIR."
        ),
    )
    simulate.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="folder for the files (created)")
    simulate.add_argument("--seed", type=int, default=20161101, help="random seed (default: %(default)s)")
    simulate.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    simulate.set_defaults(handler=_simulate)

    years = commands.add_parser(
        "simulate-years",
        help="write the simulated multi-year Land of the Leopard study (six seasons; Camtrap DP, habitat, truth)",
        description=(
            "Simulate SEASONS seasons (1 November to 31 October, from 2014/15) and write the package, "
            "habitat.nc, boundary.geojson and truth.json to OUT_DIR."
        ),
    )
    years.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="folder for the files (created)")
    years.add_argument("--seed", type=int, default=20141101, help="random seed (default: %(default)s)")
    years.add_argument("--seasons", type=int, default=6, help="number of seasons (default: %(default)s)")
    years.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    years.set_defaults(handler=_simulate_years)

    validate = commands.add_parser(
        "validate",
        help="validate a Camtrap DP package and print every problem by file, row and field",
        description="Read PACKAGE (a folder with datapackage.json, or the file) and print its validation report.",
    )
    validate.add_argument("package", metavar="PACKAGE", type=Path, help="the package folder or its datapackage.json")
    validate.add_argument(
        "--batches",
        action="store_true",
        help="read media and observations in record batches (bounded memory, same report)",
    )
    validate.set_defaults(handler=_validate)

    convert = commands.add_parser(
        "convert",
        help="write a Camtrap DP package as a validated, partitioned Parquet dataset (dask opens it)",
        description=(
            "Read PACKAGE in record batches (bounded memory), check it as 'validate' does and write OUT_DIR/"
            "deployments.parquet, OUT_DIR/media/ and OUT_DIR/observations/ (Hive-partitioned Parquet), "
            "OUT_DIR/report.txt and OUT_DIR/conversion.json. Open with dask.dataframe.read_parquet."
        ),
    )
    convert.add_argument("package", metavar="PACKAGE", type=Path, help="the package folder or its datapackage.json")
    convert.add_argument(
        "out_dir", metavar="OUT_DIR", type=Path, help="folder for the dataset (created, must be empty)"
    )
    convert.add_argument(
        "--partition-by",
        choices=("month", "deploymentID"),
        default="month",
        help="folders of the media and observations datasets (default: %(default)s)",
    )
    convert.add_argument("--overwrite", action="store_true", help="replace what OUT_DIR holds")
    convert.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    convert.set_defaults(handler=_convert)

    report = commands.add_parser(
        "report",
        help="execute notebooks into HTML reports, one line per notebook",
        description="Execute each notebook top to bottom on a fresh kernel and write it as HTML under --out.",
    )
    report.add_argument(
        "notebooks",
        metavar="NOTEBOOK",
        type=Path,
        nargs="*",
        default=[Path("notebooks")],
        help="notebooks or folders of notebooks (default: notebooks/)",
    )
    report.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: %(default)s)")
    report.add_argument("--timeout", type=float, default=900, help="seconds a cell may run (default: %(default)s)")
    report.set_defaults(handler=_report)

    large = commands.add_parser(
        "large",
        help="write N synthetic detections of the default study as partitioned Parquet (make data-large)",
        description=(
            "Write N synthetic detections (x, y in EPSG:32652, scientificName, sex, hour, timestamp) placed where "
            "the default study's animals are, one Parquet file per partition and a _detections.json manifest, "
            "into OUT_DIR. Open them with nbtools.large.open_large_detections or open_catalog('large')."
        ),
    )
    large.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="folder for the Parquet files (created)")
    large.add_argument(
        "--rows",
        type=_count,
        default=100_000_000,
        help="number of detections (default: %(default)s; 1_000_000 and 1e6 are accepted)",
    )
    large.add_argument("--seed", type=int, default=20161101, help="random seed (default: %(default)s)")
    large.add_argument(
        "--partition-rows", type=_count, default=5_000_000, help="rows per Parquet file (default: %(default)s)"
    )
    large.add_argument("--workers", type=int, default=None, help="dask threads (default: one per core)")
    large.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    large.set_defaults(handler=_large)
    return parser


def _count(text: str) -> int:
    """A positive row count: ``100000000``, ``100_000_000`` or ``1e8``."""
    try:
        value = float(text.replace("_", "")) if any(c in text.lower() for c in "e.") else int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of rows") from None
    if value != int(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number of rows")
    return int(value)


def _large(args: argparse.Namespace) -> int:
    from .simulate.large import write_large_detections

    result = write_large_detections(
        args.out_dir,
        n=args.rows,
        partition_rows=args.partition_rows,
        seed=args.seed,
        progress=not args.quiet,
        num_workers=args.workers,
    )
    if not args.quiet:
        print(
            f"wrote {result.n:,} detections in {len(result.files)} Parquet files ({result.bytes / 1e9:.2f} GB) "
            f"to {result.out_dir} in {result.elapsed_s:.1f} s ({result.n / result.elapsed_s / 1e6:.1f} million rows/s)"
        )
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .camtrapdp import CamtrapDPError, read_camtrapdp, validate_camtrapdp

    path = args.package.parent if args.package.name == "datapackage.json" else args.package
    try:
        report = validate_camtrapdp(path) if args.batches else read_camtrapdp(path).report
    except CamtrapDPError as error:
        print(f"{path}: cannot be read: {error}", file=sys.stderr)
        return 1
    print(report)
    return 1 if report.errors else 0


def _convert(args: argparse.Namespace) -> int:
    from .camtrapdp import CamtrapDPError
    from .camtrapdp.convert import convert_camtrapdp

    path = args.package.parent if args.package.name == "datapackage.json" else args.package
    try:
        result = convert_camtrapdp(
            path, args.out_dir, partition_by=args.partition_by, progress=not args.quiet, overwrite=args.overwrite
        )
    except CamtrapDPError as error:
        print(f"{path}: cannot be converted: {error}", file=sys.stderr)
        return 1
    if not args.quiet:
        rows = ", ".join(f"{n:,} {name}" for name, n in result.rows.items())
        files = sum(result.files.values())
        print(
            f"wrote {rows} to {result.out_dir}/ ({files} Parquet files, partitioned by {result.partition_by}) in "
            f"{result.seconds:.1f} s; {result.errors} errors, {result.warnings} warnings (report.txt)"
        )
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import find_notebooks, run_notebooks

    notebooks = [nb for item in args.notebooks for nb in find_notebooks(item)]
    if not notebooks:
        print("no notebooks found in " + ", ".join(map(str, args.notebooks)), file=sys.stderr)
        return 1
    print(f"executing {len(notebooks)} notebooks into {args.out}/")
    runs = run_notebooks(notebooks, args.out, timeout=args.timeout)
    failed = [run for run in runs if not run.ok]
    total = sum(run.seconds for run in runs)
    print(f"{len(runs) - len(failed)} of {len(runs)} notebooks ran in {total:.0f} s; reports in {args.out}/")
    return 1 if failed else 0


def _simulate(args: argparse.Namespace) -> int:
    from .simulate import simulate_study

    result = simulate_study(args.out_dir, seed=args.seed, progress=not args.quiet)
    if not args.quiet:
        realised = result.truth["realised"]
        size = sum(path.stat().st_size for path in result.paths.values())
        print(
            f"wrote {len(result.paths)} files ({size / 1e6:.1f} MB) to {result.out_dir} in {result.elapsed_s:.1f} s: "
            f"{realised['deployments']} deployments, {realised['media']} media, "
            f"{realised['observations']} observations"
        )
    return 0


def _simulate_years(args: argparse.Namespace) -> int:
    from .simulate import simulate_years

    result = simulate_years(args.out_dir, seed=args.seed, seasons=args.seasons, progress=not args.quiet)
    if not args.quiet:
        size = sum(path.stat().st_size for path in result.paths.values())
        adults = [season["leopards_at_start"]["adults"] for season in result.truth["seasons"]]
        print(
            f"wrote {len(result.paths)} files ({size / 1e6:.1f} MB) to {result.out_dir} in {result.elapsed_s:.1f} s: "
            f"{len(adults)} seasons, adult leopards at the seasons' starts {adults}"
        )
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "nbtools") -> int:
    """Run the command line; returns the exit status (the ``nbtools`` console script calls this)."""
    args = build_parser(prog).parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
