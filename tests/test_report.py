"""`make report` (``python -m nbtools report``) and ``python -m nbtools validate``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nbtools.report import find_notebooks, run_notebooks

ROOT = Path(__file__).resolve().parents[1]


def _notebook(path: Path, *sources: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=[new_markdown_cell("# A title"), *(new_code_cell(s) for s in sources)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_report_writes_html_with_outputs_and_counts_failures(tmp_path: Path) -> None:
    good = _notebook(tmp_path / "nbs" / "a_good.ipynb", "from pathlib import Path\nprint('ran in', Path.cwd().name)")
    bad = _notebook(
        tmp_path / "nbs" / "sub" / "b_bad.ipynb", "x = 1", "raise ValueError('broken on purpose')", "print('never')"
    )
    lines: list[str] = []
    runs = run_notebooks(find_notebooks(tmp_path / "nbs"), tmp_path / "out", echo=lines.append, timeout=120)

    assert [r.notebook for r in runs] == [good, bad]
    assert runs[0].ok and not runs[1].ok
    assert "ValueError" in runs[1].error and "broken on purpose" in runs[1].error
    html = (tmp_path / "out" / "a_good.html").read_text(encoding="utf-8")
    assert "ran in nbs" in html  # executed in the notebook's own folder, output kept
    assert (tmp_path / "out" / "sub" / "b_bad.html").is_file()  # the failed one is written too
    assert len(lines) == 2 and lines[0].startswith("[1/2] a_good.ipynb") and "FAILED" in lines[1]
    assert nbformat.read(good, as_version=4).cells[1].outputs == []  # the source notebook is untouched


def test_find_notebooks_leaves_out_workshop_exercises(tmp_path: Path) -> None:
    nbs = tmp_path / "notebooks"
    kept = [_notebook(nbs / "01_a.ipynb", "1"), _notebook(nbs / "workshop" / "solutions" / "1_s.ipynb", "1")]
    exercise = _notebook(nbs / "workshop" / "exercises" / "1_s.ipynb", "___")
    _notebook(nbs / ".ipynb_checkpoints" / "01_a-checkpoint.ipynb", "1")
    assert find_notebooks(nbs) == kept  # the exercises stop at their blanks on purpose
    assert find_notebooks(nbs / "workshop") == kept[1:]
    assert find_notebooks(exercise) == [exercise]  # named directly, it is run
    assert [
        p.relative_to(ROOT / "notebooks").parts[:2] for p in find_notebooks(ROOT / "notebooks") if "workshop" in p.parts
    ] == [("workshop", "solutions")] * len(list((ROOT / "notebooks" / "workshop" / "solutions").glob("*.ipynb")))


def test_cli_report_exit_status(tmp_path: Path) -> None:
    _notebook(tmp_path / "ok.ipynb", "1 + 1")
    ok = subprocess.run(
        [sys.executable, "-m", "nbtools", "report", str(tmp_path / "ok.ipynb"), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert ok.returncode == 0, ok.stderr
    assert "1 of 1 notebooks ran" in ok.stdout and (tmp_path / "r" / "ok.html").is_file()

    _notebook(tmp_path / "bad.ipynb", "1 / 0")
    bad = subprocess.run(
        [sys.executable, "-m", "nbtools", "report", str(tmp_path / "bad.ipynb"), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 1 and "ZeroDivisionError" in bad.stdout


def test_cli_validate(tmp_path: Path, edit_cell) -> None:
    good = subprocess.run(
        [sys.executable, "-m", "nbtools", "validate", str(ROOT / "data" / "camtrap-dp-example")],
        capture_output=True,
        text=True,
    )
    assert good.returncode == 0 and "0 errors" in good.stdout
    package = edit_cell("observations.csv", 3, "count", "many")
    bad = subprocess.run(
        [sys.executable, "-m", "nbtools", "validate", str(package / "datapackage.json")], capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert "observations.csv" in bad.stdout and "count" in bad.stdout


def test_cli_report_prints_no_kernel_transport_warning(tmp_path: Path) -> None:
    """One line per notebook: the kernel gets CurveZMQ keys, so ipykernel does not warn of plain-text TCP."""
    _notebook(tmp_path / "ok.ipynb", "import sys\nprint('to stderr', file=sys.stderr)")
    run = subprocess.run(
        [sys.executable, "-m", "nbtools", "report", str(tmp_path / "ok.ipynb"), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert "without encryption" not in run.stderr + run.stdout
    assert "1 of 1 notebooks ran" in run.stdout
