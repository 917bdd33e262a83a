"""Benchmark: the notebook suite's time at two revisions, and the reading time inside the notebooks.

Run:  python benchmarks/notebooks.py BEFORE AFTER [--repeat 2] [--where DIR] [--only 01,02] [--json]

Issue 18's target: the notebook suite's total time falls by at least the reading time it spends before the
fast reader. ``BEFORE`` and ``AFTER`` are git revisions (e.g. ``10c2ba7 HEAD``); each is checked out in its
own ``git worktree`` in a temporary folder (``--where`` to choose it), removed at the end; the repository's
own checkout is never touched. Both run with this interpreter's environment (the same ``.venv``), the
worktree first on ``PYTHONPATH`` (absolute, so that the notebooks' kernels import the worktree's
``nbtools``, its catalogs and its ``data/``, not the editable install's).

Each notebook that ``tests/test_notebooks.py`` executes (``notebooks/*.ipynb``, not the workshop's nor the
paper) is run as that test, ``pytest tests/test_notebooks.py::test_runs_top_to_bottom[NAME]``, one pytest
process per notebook and revision, BEFORE and AFTER alternating notebook by notebook (the order swapped in
every other repeat), so that a change of the machine's load falls on both. The time of a notebook is its
test's duration (setup and call: a fresh kernel, every cell); pytest's own start is left out. The read
cache that ``tests/conftest.py`` gives a run (``$NBTOOLS_CACHE`` in a temporary folder, from issue 18) is
shared by the notebooks of one repeat of a revision (``NBTOOLS_TEST_RUN_CACHE``), as in one run of the
suite: the first notebook that reads the study fills it, the others reopen it.

The reading inside the notebooks is timed in the same runs: a ``sitecustomize`` module (written into a
temporary folder on the kernels' ``PYTHONPATH``) wraps ``nbtools.study.Study.from_catalog`` and
``nbtools.camtrapdp.read_camtrapdp`` when they are imported and logs the seconds of each outermost call
(a call inside another is part of it).

Printed: per notebook, the median over the repeats of its time and of its reading time at BEFORE and
AFTER and the differences; the totals over all notebooks of each revision and over the notebooks both
have; and the target: the suite's fall at least the reading time BEFORE spends (on the common notebooks).
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
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Where the kernels' timing hook writes a JSON line per reading call.
READ_LOG_ENV = "NBTOOLS_BENCHMARK_READ_LOG"
#: What the hook times: module -> (object in it, or None for the module itself; function name).
TIMED = {
    "nbtools.camtrapdp": ((None, "read_camtrapdp"),),
    "nbtools.study": (("Study", "from_catalog"),),
}
SITECUSTOMIZE = """\
import importlib.util, os, sys
if os.environ.get({env!r}):
    _spec = importlib.util.spec_from_file_location("_nbtools_notebooks_benchmark", {path!r})
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    _module.install_read_timer()
"""


# --------------------------------------------------------------------------------------------- the kernels' hook
def install_read_timer() -> None:
    """Wrap the functions of ``TIMED`` when their modules are imported; log each outermost call's seconds."""
    import importlib.abc

    log = os.environ[READ_LOG_ENV]
    depth = [0]

    def timed(function, label):
        def wrapper(*args, **kwargs):
            depth[0] += 1
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    with open(log, "a", encoding="utf-8") as out:
                        out.write(json.dumps({"call": label, "seconds": time.perf_counter() - start}) + "\n")

        wrapper.__wrapped__ = function
        wrapper.__doc__, wrapper.__name__ = function.__doc__, function.__name__
        return wrapper

    def wrap(module) -> None:
        for owner_name, name in TIMED[module.__name__]:
            if owner_name is None:
                setattr(module, name, timed(getattr(module, name), name))
            else:
                owner = getattr(module, owner_name)
                method = owner.__dict__[name]
                setattr(owner, name, classmethod(timed(method.__func__, f"{owner_name}.{name}")))

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name not in TIMED:
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
            else:
                return None
            execute = spec.loader.exec_module

            def exec_module(module):
                execute(module)
                wrap(module)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Finder())


# --------------------------------------------------------------------------------------------- running
def executed_notebooks(tree: Path) -> list[str]:
    """The notebooks ``tests/test_notebooks.py`` executes in ``tree`` (``notebooks/*.ipynb``)."""
    return sorted(path.name for path in (tree / "notebooks").glob("*.ipynb"))


def run_notebook(tree: Path, name: str, hook: Path, cache: Path, scratch: Path) -> dict:
    """Run one notebook's test in ``tree``; its duration, wall time, outcome and reading calls."""
    report = scratch / "junit.xml"
    log = scratch / "reads.jsonl"
    report.unlink(missing_ok=True)
    log.unlink(missing_ok=True)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(tree), str(hook)]),
        NBTOOLS_TEST_RUN_CACHE=str(cache),
        **{READ_LOG_ENV: str(log)},
    )
    env.pop("NBTOOLS_CACHE", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        f"tests/test_notebooks.py::test_runs_top_to_bottom[{name}]",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={report}",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cases = ElementTree.parse(report).getroot().iter("testcase") if report.is_file() else []
    seconds = sum(float(case.get("time", 0)) for case in cases)
    reads = [json.loads(line) for line in log.read_text().splitlines()] if log.is_file() else []
    result = {
        "seconds": seconds,
        "wall": wall,
        "ok": done.returncode == 0,
        "reading": sum(read["seconds"] for read in reads),
        "reads": reads,
    }
    if done.returncode != 0:
        result["tail"] = (done.stdout + done.stderr)[-3000:]
    return result


def add_worktree(revision: str, folder: Path) -> str:
    """Check ``revision`` out in ``folder`` (detached); returns its commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), commit], cwd=ROOT, check=True, capture_output=True
    )
    return commit


def remove_worktree(folder: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False)


# --------------------------------------------------------------------------------------------- main
def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(names: dict[str, list[str]], runs: dict[str, dict[str, list[dict]]], labels: tuple[str, str]) -> dict:
    """Print the per-notebook table and the totals; returns the figures."""
    before, after = labels
    every = sorted(set(names[before]) | set(names[after]))
    rows = {}
    print(
        f"\n{'notebook':28s}{'before s':>10s}{'after s':>10s}{'diff s':>9s}{'read before':>13s}{'read after':>12s}"
        f"{'diff':>8s}  runs (before | after)"
    )
    for name in every:
        row = {}
        for label in labels:
            results = runs[label].get(name, [])
            row[label] = {
                "seconds": _median([r["seconds"] for r in results]),
                "reading": _median([r["reading"] for r in results]),
                "runs": [round(r["seconds"], 1) for r in results],
                "reads": [[round(read["seconds"], 2) for read in r["reads"]] for r in results],
                "ok": all(r["ok"] for r in results),
            }
        rows[name] = row

        def cell(label, key):
            return f"{row[label][key]:.1f}" if name in names[label] else "-"

        both = name in names[before] and name in names[after]
        diff = f"{row[after]['seconds'] - row[before]['seconds']:+.1f}" if both else "-"
        read_diff = f"{row[after]['reading'] - row[before]['reading']:+.1f}" if both else "-"
        failed = [label for label in labels if name in names[label] and not row[label]["ok"]]
        print(
            f"{name:28s}{cell(before, 'seconds'):>10s}{cell(after, 'seconds'):>10s}{diff:>9s}"
            f"{cell(before, 'reading'):>13s}{cell(after, 'reading'):>12s}{read_diff:>8s}  "
            f"{row[before]['runs']} | {row[after]['runs']}" + (f"  FAILED at {', '.join(failed)}" if failed else "")
        )
    common = [name for name in every if name in names[before] and name in names[after]]
    totals = {}
    for label in labels:
        totals[label] = {
            "all": sum(rows[name][label]["seconds"] for name in names[label]),
            "common": sum(rows[name][label]["seconds"] for name in common),
            "reading_all": sum(rows[name][label]["reading"] for name in names[label]),
            "reading_common": sum(rows[name][label]["reading"] for name in common),
            # each repeat's own total, to see the noise
            "repeats": [
                round(sum(runs[label][name][k]["seconds"] for name in names[label]), 1)
                for k in range(min(len(runs[label][name]) for name in names[label]))
            ],
        }
    fall = totals[before]["common"] - totals[after]["common"]
    reading = totals[before]["reading_common"]
    print(
        f"{'total, common (' + str(len(common)) + ')':28s}{totals[before]['common']:10.1f}{totals[after]['common']:10.1f}"
        f"{-fall:+9.1f}{reading:13.1f}{totals[after]['reading_common']:12.1f}"
        f"{totals[after]['reading_common'] - reading:+8.1f}"
    )
    for label in labels:
        t = totals[label]
        print(
            f"total at {label}: {t['all']:.1f} s over {len(names[label])} notebooks (reading {t['reading_all']:.1f} s); "
            f"each repeat: {t['repeats']}"
        )
    ok = fall >= reading
    print(
        f"{'PASS' if ok else 'FAIL'}: the suite fell by {fall:.1f} s on the common notebooks; the reading time before "
        f"was {reading:.1f} s (target: fall >= reading before)"
    )
    return {"notebooks": rows, "totals": totals, "fall": fall, "reading_before": reading, "pass": ok}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", help="the revision before (e.g. the commit before issue 18's reader)")
    parser.add_argument("after", help="the revision after (e.g. HEAD)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of every notebook at each revision")
    parser.add_argument("--where", type=Path, help="folder for the worktrees (default: a temporary folder)")
    parser.add_argument("--only", default="", help="comma-separated name prefixes of the notebooks to run")
    parser.add_argument("--json", action="store_true", help="also print all figures as one JSON line at the end")
    args = parser.parse_args(argv)

    temp = tempfile.TemporaryDirectory(prefix="nbtools-notebooks-")
    where = args.where or Path(temp.name)
    where.mkdir(parents=True, exist_ok=True)
    scratch = Path(temp.name)
    hook = scratch / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE.format(env=READ_LOG_ENV, path=str(Path(__file__).resolve())))
    labels = ("before", "after")
    trees = {label: where / f"wt_{label}" for label in labels}
    commits = {}
    try:
        for label, revision in zip(labels, (args.before, args.after)):
            commits[label] = add_worktree(revision, trees[label])
        names = {label: executed_notebooks(trees[label]) for label in labels}
        if args.only:
            prefixes = tuple(p.strip() for p in args.only.split(",") if p.strip())
            names = {label: [n for n in names[label] if n.startswith(prefixes)] for label in labels}
        print(
            f"before {args.before} = {commits['before'][:10]}: {len(names['before'])} notebooks; "
            f"after {args.after} = {commits['after'][:10]}: {len(names['after'])} notebooks; "
            f"{args.repeat} repeats; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
            flush=True,
        )
        runs: dict[str, dict[str, list[dict]]] = {label: {} for label in labels}
        every = sorted(set(names["before"]) | set(names["after"]))
        loads = []
        for k in range(args.repeat):
            caches = {label: scratch / f"cache_{label}_{k}" for label in labels}
            for folder in caches.values():
                folder.mkdir()
            order = labels if k % 2 == 0 else labels[::-1]
            for name in every:
                for label in order:
                    if name not in names[label]:
                        continue
                    result = run_notebook(trees[label], name, hook, caches[label], scratch)
                    runs[label].setdefault(name, []).append(result)
                    loads.append(os.getloadavg()[0])
                    reads = ", ".join(f"{r['call']} {r['seconds']:.2f}" for r in result["reads"])
                    print(
                        f"  repeat {k + 1} {label:6s} {name:28s} {result['seconds']:7.1f} s "
                        f"{'ok' if result['ok'] else 'FAILED'}; reading {result['reading']:.2f} s ({reads}); "
                        f"load {loads[-1]:.2f}",
                        flush=True,
                    )
                    if not result["ok"]:
                        print(result["tail"])
        figures = summarise(names, runs, labels)
        print(f"load average during the runs: {min(loads):.2f} to {max(loads):.2f} (median {_median(loads):.2f})")
        figures.update(commits=commits, loads=loads)
    finally:
        for folder in trees.values():
            if folder.exists():
                remove_worktree(folder)
        temp.cleanup()
    if args.json:
        print(json.dumps(figures))
    return 0 if all(r["ok"] for label in labels for results in runs[label].values() for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
