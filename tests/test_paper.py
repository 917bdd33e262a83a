"""The reproducible paper: papermill runs it with parameters, it writes every figure and table, twice the same.

``notebooks/paper/leopard_paper.ipynb`` is executed here (not in ``test_notebooks.py``, which would run it a
third time): two runs with the same seed, side by side on the two cores, into two folders, must write the
same files byte for byte.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "notebooks" / "paper" / "leopard_paper.ipynb"
FIGURES = ["fig1_leopard_rai_map", "fig2_activity", "fig3_occupancy_map", "fig4_density_map"]
TABLES = [
    "table1_events_and_rai",
    "table2_overlap",
    "table3_occupancy_models",
    "table4_secr_models",
    "table5_secr_estimates",
]


def test_paper_has_a_parameters_cell() -> None:
    notebook = nbformat.read(PAPER, as_version=4)
    tagged = [cell for cell in notebook.cells if "parameters" in cell.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "papermill needs exactly one cell tagged 'parameters'"
    for name in ("seed", "out_dir", "catalog", "n_boot"):
        assert f"{name} =" in tagged[0].source


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Run the paper twice at once with seed 7 and 199 resamples, each into its own folder."""
    base = tmp_path_factory.mktemp("paper")
    papermill = Path(sys.executable).parent / "papermill"
    runs = []
    for name in ("a", "b"):
        out = base / name
        command = [
            str(papermill),
            str(PAPER),
            str(base / f"{name}.ipynb"),
            "--kernel",
            "python3",
            "--no-progress-bar",
            "--cwd",
            str(PAPER.parent),
            "-p",
            "out_dir",
            str(out),
            "-p",
            "seed",
            "7",
            "-p",
            "n_boot",
            "199",
        ]
        runs.append((out, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    for _out, process in runs:
        log, _ = process.communicate(timeout=900)
        assert process.returncode == 0, f"papermill failed:\n{log[-4000:]}"
    return [out for out, _ in runs]


@pytest.mark.notebook
def test_paper_writes_every_figure_and_table(two_runs: list[Path]) -> None:
    out = two_runs[0]
    for name in FIGURES:
        assert (out / f"{name}.png").read_bytes().startswith(b"\x89PNG"), name
        assert b"<svg" in (out / f"{name}.svg").read_bytes()[:2000], name
    for name in TABLES:
        assert len(pd.read_csv(out / f"{name}.csv")) > 0, name
    overlap = pd.read_csv(out / "table2_overlap.csv")
    assert set(overlap["n_boot"]) == {199}  # the parameters reached the notebook
    results = (out / "results.md").read_text()
    assert "leopards per 100 km²" in results and "Dhat4" in results


@pytest.mark.notebook
def test_paper_is_identical_between_two_runs_with_the_same_seed(two_runs: list[Path]) -> None:
    first, second = two_runs
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir())
    assert {f"{t}.csv" for t in TABLES} <= set(names)
    different = [name for name in names if (first / name).read_bytes() != (second / name).read_bytes()]
    assert different == [], f"these files differ between two runs with the same seed: {different}"
