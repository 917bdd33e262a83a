"""Shared fixtures: the official Camtrap DP example and copies of it to break."""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "camtrap-dp-example"


# --- the read cache (nbtools.camtrapdp.cache): never the user's own, one temporary folder per test run ---
_CACHE_ENV = "NBTOOLS_CACHE"
_RUN_CACHE = "NBTOOLS_TEST_RUN_CACHE"  # the run's folder, inherited by pytest-xdist workers and notebook kernels
_cache_key = pytest.StashKey[tuple]()


def pytest_configure(config: pytest.Config) -> None:
    """Point ``$NBTOOLS_CACHE`` at a temporary folder for the run (before collection: modules may read at import).

    ``NBTOOLS_CACHE=off`` is respected; any other setting is replaced, so tests never write into a real cache.
    pytest-xdist workers share their controller's folder; notebooks' kernels inherit the environment.
    """
    if os.environ.get(_CACHE_ENV, "").strip().lower() in ("off", "0", "false", "no", "none") and os.environ.get(
        _CACHE_ENV
    ):
        return
    shared = os.environ.get(_RUN_CACHE)
    if shared and Path(shared).is_dir():
        os.environ[_CACHE_ENV] = shared
        return
    folder = tempfile.mkdtemp(prefix="nbtools-test-cache-")
    config.stash[_cache_key] = (folder, os.environ.get(_CACHE_ENV))
    os.environ[_CACHE_ENV] = os.environ[_RUN_CACHE] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    if _cache_key not in config.stash:
        return
    folder, previous = config.stash[_cache_key]
    shutil.rmtree(folder, ignore_errors=True)
    os.environ.pop(_RUN_CACHE, None)
    if previous is None:
        os.environ.pop(_CACHE_ENV, None)
    else:
        os.environ[_CACHE_ENV] = previous


@pytest.fixture(scope="session", autouse=True)
def nbtools_run_cache() -> Path | None:
    """The run's read-cache folder (``None`` when ``NBTOOLS_CACHE=off``); set in ``pytest_configure``."""
    setting = os.environ.get(_CACHE_ENV, "")
    return None if setting.strip().lower() in ("", "off", "0", "false", "no", "none") else Path(setting)


@pytest.fixture(scope="session")
def example_path() -> Path:
    """The official Camtrap DP 1.0.2 example package (read-only)."""
    return EXAMPLE


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of the example package."""
    target = tmp_path / "package"
    shutil.copytree(EXAMPLE, target)
    (target / "SHA256SUMS").unlink()  # the tests change files on purpose
    return target


def read_rows(path: Path) -> list[list[str]]:
    """A CSV file's rows as lists of cells; ``rows[0]`` is the header (row 1 in the file)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture
def edit_cell(example_copy: Path) -> Callable[[str, int, str, str], Path]:
    """Change one cell of the example copy: ``edit_cell(file, row, field, value)``.

    ``row`` is the row number as in the file (the header is row 1).
    """

    def edit(file: str, row: int, field: str, value: str) -> Path:
        path = example_copy / file
        rows = read_rows(path)
        rows[row - 1][rows[0].index(field)] = value
        write_rows(path, rows)
        return example_copy

    return edit


# --- the time of every notebook test, printed at the end of the run (the notebook suite's budget is 10 min) ---
_NOTEBOOK_TIMES: list[tuple[str, float, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Setup (where a fixture may execute the notebook) plus call, per notebook-marked test."""
    if "notebook" not in report.keywords or report.when not in ("setup", "call"):
        return
    if report.when == "setup":
        _NOTEBOOK_TIMES.append((report.nodeid, report.duration, report.outcome))
    elif _NOTEBOOK_TIMES and _NOTEBOOK_TIMES[-1][0] == report.nodeid:
        nodeid, setup, _ = _NOTEBOOK_TIMES[-1]
        _NOTEBOOK_TIMES[-1] = (nodeid, setup + report.duration, report.outcome)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _NOTEBOOK_TIMES:
        return
    terminalreporter.section("notebook times")
    for nodeid, seconds, outcome in _NOTEBOOK_TIMES:
        terminalreporter.write_line(f"{seconds:7.1f} s  {outcome:<7} {nodeid}")
    total = sum(seconds for _, seconds, _ in _NOTEBOOK_TIMES)
    terminalreporter.write_line(f"{total:7.1f} s  in all ({len(_NOTEBOOK_TIMES)} notebook tests; budget 600 s)")


# -- secr's captdata and a small detector grid, shared by the tests of nbtools.secr's modules (test_secr_*.py) --


@pytest.fixture(scope="module")
def captdata():
    """secr's captdata (single-catch traps), read from tests/data/reference as the R reference tests use it."""
    import pandas as pd

    from nbtools.secr import make_capthist

    reference = ROOT / "tests" / "data" / "reference"
    traps = pd.read_csv(reference / "secr-captdata-traps.csv")
    captures = pd.read_csv(reference / "secr-captdata-captures.csv")
    return make_capthist(captures, traps, detector="single")


@pytest.fixture(scope="module")
def grid():
    """6 x 6 detectors 20 m apart (a data frame of x, y in metres indexed T0-T35)."""
    import numpy as np
    import pandas as pd

    xy = np.arange(6) * 20.0
    return pd.DataFrame({"x": np.tile(xy, 6), "y": np.repeat(xy, 6)}, index=[f"T{k}" for k in range(36)])
