"""Command line: ``python -m nbtools simulate OUT_DIR [--seed N] [--quiet]``.

>>> from nbtools.cli import build_parser
>>> build_parser().parse_args(["simulate", "out", "--seed", "7"]).seed
7
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``nbtools`` argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(prog="python -m nbtools", description="Camera-trap ecology tools.")
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
    return parser


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
