"""Benchmark: an archive of 100 million observation rows validated and converted to Parquet in bounded memory.

Run:  python benchmarks/archive.py [--rows 100_000_000] [--keep DIR] [--out DIR] [--kinds pyarrow,validate,...]
                                   [--stop-after SECONDS] [--json]

Issue 18's target: 100 million observation rows validated and converted to a partitioned Parquet dataset with
a peak resident memory under 4 GB.

The package is the one of ``benchmarks/read_memory.py`` (its ``build_package``, imported): the descriptor,
deployments and media of ``tests/data/bad/00_valid`` and an ``observations.csv`` with all 28 official columns,
valid, so that no problem is reported. Above ``CHUNK_ROWS`` (10 million) rows the generator's in-memory table
would not fit in memory, so one package of ``CHUNK_ROWS`` rows is built and its observations are written
again and again into the one ``observations.csv`` (streamed through pyarrow, one record batch at a time),
``observationID`` and ``eventID`` renumbered over the whole file (``obs0`` ... ``obs99999999``, three rows an
event), every other cell repeated; IDs stay unique and every foreign key valid. With ``--keep DIR`` the
package is built in ``DIR`` and reused by later runs of the same ``--rows``.

Then, each in a fresh CHILD process (wall time of the child, peak RSS from ``os.wait4``, the child's
``getrusage``; the package is built in a child of its own too, since a child's ``ru_maxrss`` starts from its
parent's resident memory at the fork and would otherwise count the generator's):

* ``pyarrow``  -- the baseline: ``pyarrow.csv.open_csv`` streamed over ``observations.csv`` (record batches
  of ``BLOCK_BYTES`` = 16 MiB of text, the reader's own size), counting rows; a parse without checks;
* ``validate`` -- ``python -m nbtools validate --batches PACKAGE``: every check of ``read_camtrapdp``, media
  and observations read in record batches, only the report kept;
* ``convert``  -- ``python -m nbtools convert --quiet PACKAGE OUT``: the same checks and the typed rows
  written as Hive-partitioned Parquet (by month);
* ``dask``     -- ``dask.dataframe.read_parquet(OUT / "observations", columns=["observationID"])``: the
  number of rows (must be ``--rows``) and how many distinct partitions (months) it holds.

Each child's resident memory is also sampled every 5 s (``VmRSS`` and ``VmHWM`` from ``/proc``, into
``<package>-<kind>.memory`` beside the package), so that a run stopped by ``--stop-after`` (a shared
machine's deadline) still reports its peak so far and its progress (``convert`` writes its progress bar,
bytes of each file, into its log).

Printed: a table of seconds, rows a second, peak RSS, the ratios of time and of peak memory to the pyarrow
baseline, and PASS/FAIL against the target (validate and convert each under ``TARGET_PEAK_BYTES`` = 4 GB;
the Parquet dataset has ``--rows`` rows). The output goes to ``--out`` (default: beside the package, in
``parquet/``, replaced on each run). Disk: about 178 bytes of CSV a row (17.8 GB for 100 million rows) plus
the Parquet dataset; the script checks free space before building.

Measured on the project's 2-core machine (shared with other sessions, load stated in the README or the
session's note): see the issue 18 note.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from read_memory import COLUMNS, build_package  # noqa: E402 -- the generator of benchmarks/read_memory.py

#: Rows generated in memory at once; a larger package repeats them with the IDs renumbered.
CHUNK_ROWS = 9_999_999  # a multiple of 3: the generator numbers events as row // 3
#: Bytes of CSV text per record batch of the baseline (nbtools.camtrapdp.stream.BLOCK_BYTES).
BLOCK_BYTES = 16 << 20
#: Issue 18: 100 million rows validated and converted in under 4 GB.
TARGET_PEAK_BYTES = 4e9
#: The measurements, in the order they run (``--kinds`` to choose).
KINDS = ("pyarrow", "validate", "convert", "dask")
#: Seconds between two samples of a child's resident memory.
SAMPLE_SECONDS = 5.0
#: Bytes of CSV a generated row takes (read_memory.py: about 178) plus the Parquet copy, with a margin.
DISK_BYTES_PER_ROW = 260


# --------------------------------------------------------------------------------------------- building
def build_archive(folder: Path, rows: int, chunk_rows: int = CHUNK_ROWS) -> Path:
    """Write a valid package of ``rows`` observation rows into ``folder``; returns the observations file.

    Parameters
    ----------
    folder : pathlib.Path
        The package folder (created).
    rows : int
        Observation rows.
    chunk_rows : int
        Rows generated in memory at once (a multiple of 3); more are the same rows renumbered.

    Returns
    -------
    pathlib.Path
        ``folder / "observations.csv"``.
    """
    if rows <= chunk_rows:
        return build_package(folder, rows)
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    template = folder / "template"
    if template.exists():
        shutil.rmtree(template)
    chunk = build_package(template, chunk_rows)
    for name in ("datapackage.json", "deployments.csv", "media.csv"):
        shutil.copy(template / name, folder / name)
    text = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in COLUMNS},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    path = folder / "observations.csv"
    written = 0
    with pacsv.CSVWriter(str(path), _schema(COLUMNS), write_options=pacsv.WriteOptions(quoting_style="none")) as out:
        while written < rows:
            reader = pacsv.open_csv(
                str(chunk), read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES), convert_options=text
            )
            for batch in reader:
                n = min(batch.num_rows, rows - written)
                if n <= 0:
                    break
                batch = batch.slice(0, n)
                numbers = np.arange(written, written + n)
                columns = dict(zip(batch.schema.names, batch.columns))
                columns["observationID"] = pc.binary_join_element_wise("obs", pa.array(numbers).cast(pa.string()), "")
                columns["eventID"] = pc.binary_join_element_wise("evt", pa.array(numbers // 3).cast(pa.string()), "")
                out.write_batch(pa.record_batch([columns[name] for name in COLUMNS], names=COLUMNS))
                written += n
            print(f"  {written:,} rows written", flush=True)
    shutil.rmtree(template)
    return path


def _schema(names: list[str]):
    import pyarrow as pa

    return pa.schema([(name, pa.string()) for name in names])


# --------------------------------------------------------------------------------------------- children
def child(kind: str, target: str, rows: int, chunk_rows: int) -> None:
    """Build the package (``build``) or run an in-process measurement (``pyarrow``, ``dask``; figures as JSON)."""
    if kind == "build":
        build_archive(Path(target), rows, chunk_rows)
    elif kind == "pyarrow":
        import pyarrow.csv as pacsv

        rows = 0
        for batch in pacsv.open_csv(target, read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES)):
            rows += batch.num_rows
        print(json.dumps({"rows": rows}))
    elif kind == "dask":
        import dask.dataframe as dd

        frame = dd.read_parquet(target, columns=["observationID", "month"])
        rows = int(frame.map_partitions(len).sum().compute())
        months = int(frame["month"].nunique().compute())
        print(json.dumps({"rows": rows, "partitions": frame.npartitions, "months": months}))
    else:
        raise SystemExit(f"unknown child {kind!r}")


def measure(kind: str, package: Path, out_dir: Path, log: Path, stop_after: float | None = None) -> dict:
    """Run one measurement in a fresh process; wall time and its peak RSS (``os.wait4``).

    The child's resident memory (``VmRSS``, ``VmHWM``) is also sampled every ``SAMPLE_SECONDS`` into
    ``log`` with the suffix ``.memory``; with ``stop_after`` (seconds) a child still running then is
    stopped, and the result holds the peak so far and the last progress line (``stopped``).
    """
    python = [sys.executable]
    if kind == "pyarrow":
        command = python + [__file__, "--child", kind, str(package / "observations.csv")]
    elif kind == "dask":
        command = python + [__file__, "--child", kind, str(out_dir / "observations")]
    elif kind == "validate":
        command = python + ["-m", "nbtools", "validate", "--batches", str(package)]
    else:  # the progress bar (bytes of each file) goes into the log
        command = python + ["-m", "nbtools", "convert", "--overwrite", str(package), str(out_dir)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(log, "w+") as output, open(log.with_suffix(".memory"), "w") as memory:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        done = threading.Event()
        stopped = threading.Event()
        hwm = [0]

        def sample() -> None:  # beside the blocking wait: the memory so far, and the stop at the deadline
            while not done.wait(SAMPLE_SECONDS):
                seconds = time.perf_counter() - start
                rss, peak = _memory(process.pid)
                hwm[0] = max(hwm[0], peak)
                memory.write(f"{seconds:.0f} s  RSS {_gb(rss)}  peak {_gb(peak)}\n")
                memory.flush()
                if stop_after is not None and seconds > stop_after and not stopped.is_set():
                    stopped.set()
                    process.terminate()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        code = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    hwm, stopped = hwm[0], stopped.is_set()
    peak = max(usage.ru_maxrss * 1024, hwm)
    result = {"kind": kind, "seconds": seconds, "peak": peak, "exit": code, "tail": text[-2000:], "stopped": stopped}
    if kind in ("pyarrow", "dask") and code == 0:
        result.update(json.loads(text.strip().splitlines()[-1]))
    if stopped:
        lines = text.replace("\r", "\n").strip().splitlines()
        result["progress"] = lines[-1][-160:] if lines else "(no output)"
    return result


def _memory(pid: int) -> tuple[int, int]:
    """Resident memory and its peak so far (bytes) of a running process; zeros once it is gone."""
    figures = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    figures[line[:5]] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return figures.get("VmRSS", 0), figures.get("VmHWM", 0)


# --------------------------------------------------------------------------------------------- main
def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def _package(
    rows: int, keep: Path | None, chunk_rows: int = CHUNK_ROWS
) -> tuple[Path, str, tempfile.TemporaryDirectory | None]:
    """The package folder (built, or reused from ``keep``) and how it came."""
    temp = None if keep else tempfile.TemporaryDirectory(prefix="nbtools-archive-")
    folder = keep or Path(temp.name) / "package"
    stamp = folder / "ROWS"
    if keep and stamp.is_file() and stamp.read_text().strip() == str(rows):
        return folder, f"reused from {folder}", temp
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < DISK_BYTES_PER_ROW * rows:
        raise SystemExit(f"{_gb(free)} free in {folder}; {rows:,} rows need about {_gb(DISK_BYTES_PER_ROW * rows)}")
    stamp.unlink(missing_ok=True)
    t0 = time.perf_counter()
    # built in a child: a child's ru_maxrss starts from its parent's RSS at the fork, so the parent stays small
    command = [sys.executable, __file__, "--child", "build", str(folder), "--rows", str(rows)]
    subprocess.run(command + ["--chunk-rows", str(chunk_rows)], check=True)
    stamp.write_text(f"{rows}\n")
    return folder, f"built in {time.perf_counter() - t0:.0f} s", temp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--keep", type=Path, help="build the package in this folder and keep it (reused)")
    parser.add_argument("--out", type=Path, help="the Parquet dataset's folder (default: beside the package)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated measurements, in the order to run")
    parser.add_argument(
        "--stop-after", type=float, help="stop a measurement still running after this many seconds (peak so far)"
    )
    parser.add_argument("--json", action="store_true", help="also print all figures as one JSON line at the end")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help="rows generated in memory at once")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child, args.rows, args.chunk_rows)
        return 0
    kinds = [name.strip() for name in args.kinds.split(",") if name.strip()]
    if set(kinds) - set(KINDS):
        parser.error(f"--kinds: unknown {sorted(set(kinds) - set(KINDS))}")

    n = args.rows
    folder, how, temp = _package(n, args.keep, args.chunk_rows)
    try:
        size = (folder / "observations.csv").stat().st_size
        print(f"package of {n:,} observation rows {how}: observations.csv {_gb(size)} ({size / n:.0f} bytes/row)")
        out_dir = args.out or folder.parent / f"{folder.name}-parquet"
        results = {}
        for kind in kinds:
            converted = (out_dir / "conversion.json").is_file() and results.get("convert", {}).get("exit", 0) == 0
            if kind == "dask" and not converted:
                print("  dask      left out: no finished conversion")
                continue
            log = folder.parent / f"{folder.name}-{kind}.log"
            results[kind] = result = measure(kind, folder, out_dir, log, args.stop_after)
            print(
                f"  {kind:9s} {result['seconds']:8.1f} s  peak {_gb(result['peak'])}  exit {result['exit']}"
                + (f"  STOPPED at: {result['progress']}" if result["stopped"] else ""),
                flush=True,
            )
            if result["exit"] != 0 and not result["stopped"]:
                print(result["tail"])
        if "convert" in results and results["convert"]["exit"] == 0:
            conversion = json.loads((out_dir / "conversion.json").read_text(encoding="utf-8"))
            results["convert"]["conversion"] = conversion
            parquet = sum(p.stat().st_size for p in out_dir.rglob("*.parquet"))
            results["convert"]["parquet_bytes"] = parquet
        if "validate" in results:
            results["validate"]["report"] = results["validate"]["tail"].strip().splitlines()[-3:]
    finally:
        if temp is not None:
            temp.cleanup()

    base = results.get("pyarrow")
    print()
    print(
        f"{n:,} observation rows, observations.csv {_gb(size)}; target: validate and convert under {_gb(TARGET_PEAK_BYTES)}"
    )
    header = f"{'':10s}{'seconds':>10s}{'rows/s':>13s}{'peak RSS':>11s}{'x time':>9s}{'x peak':>9s}  target"
    print(header)
    ok = True
    for kind, result in results.items():
        fine = result["exit"] == 0
        if result["stopped"]:
            fine = False
            verdict = f"STOPPED after {result['seconds']:.0f} s (peak so far): {result['progress'][-60:]}"
        elif kind in ("validate", "convert"):
            fine &= result["peak"] < TARGET_PEAK_BYTES
            verdict = "PASS" if fine else "FAIL"
        elif kind == "dask":
            fine &= result.get("rows") == n
            verdict = f"{'PASS' if fine else 'FAIL'}: {result.get('rows', 0):,} rows, {result.get('months', 0)} months"
        else:
            fine &= result.get("rows") == n
            verdict = "baseline" if fine else f"FAIL: {result.get('rows', 0):,} rows"
        ok &= fine
        x_time = f"{result['seconds'] / base['seconds']:.2f}" if base and not result["stopped"] else "-"
        x_peak = f"{result['peak'] / base['peak']:.2f}" if base else "-"
        rate = f"{n / result['seconds']:,.0f}" if kind != "dask" and not result["stopped"] else "-"
        print(
            f"{kind:10s}{result['seconds']:10.1f}{rate:>13s}{_gb(result['peak']):>11s}{x_time:>9s}{x_peak:>9s}  {verdict}"
        )
    if "validate" in results:
        print("validate's report:", " / ".join(results["validate"]["report"]))
    if "convert" in results and "conversion" in results["convert"]:
        conversion = results["convert"]["conversion"]
        print(
            f"convert wrote {conversion.get('rows')} rows in {conversion.get('files')} files, "
            f"Parquet {_gb(results['convert']['parquet_bytes'])}; errors {conversion.get('errors')}, "
            f"warnings {conversion.get('warnings')}"
        )
    print("PASS" if ok else "FAIL")
    if args.json:
        for result in results.values():
            result.pop("tail", None)
        print(json.dumps({"rows": n, "file_bytes": size, "results": results, "pass": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
