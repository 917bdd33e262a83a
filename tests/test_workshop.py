"""The workshop (notebooks/workshop/): its solutions run, and its exercises fail exactly where the blanks are.

- The committed exercise notebooks are what ``tools/make_exercises.py`` makes from the solutions (no drift).
- Each session runs the solution's cells top to bottom, and before every cell that has a blank in the exercise,
  the exercise's version of that cell, which must stop with ``NameError`` on ``____``. So every solution cell
  runs without an error, every blank cell fails at a blank, and no cell without a blank fails once the earlier
  blanks are filled. ``tests/test_notebooks.py`` therefore does not execute the workshop again.

The sessions share one kernel, to keep the notebook suite within its time: reading the study takes most of a
session's run, and the kernel reads it once (``nbtools.readers`` caches the parsed package per process). Before
each session ``%reset -f`` deletes every name, so a session that uses another's variables or forgets an import
still fails here; only process state (imported modules, that cache, plotting set-up) carries over. ``make
report`` runs each solution on a fresh kernel of its own.
"""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
WORKSHOP = ROOT / "notebooks" / "workshop"
SOLUTIONS = sorted((WORKSHOP / "solutions").glob("*.ipynb"))
BLANK = "____"  # four underscores: in IPython, ___ is the third-last output and defined
BLANK_LINE = re.compile(r"(^|[^\w])____($|[^\w])")


def _tool():
    spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_exercises = _tool()


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def test_there_are_sessions_and_a_guide() -> None:
    assert len(SOLUTIONS) >= 3
    assert sorted(p.name for p in (WORKSHOP / "exercises").glob("*.ipynb")) == [p.name for p in SOLUTIONS]
    assert (WORKSHOP / "TEACHER_GUIDE.md").is_file() and (WORKSHOP / "README.md").is_file()


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_exercises_are_generated_from_the_solutions(solution: Path) -> None:
    exercise = WORKSHOP / "exercises" / solution.name
    assert exercise.read_text(encoding="utf-8") == make_exercises.render(solution), (
        f"{exercise.name} is out of date: run python tools/make_exercises.py"
    )


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_blanks_are_tagged_and_answers_left_out(solution: Path) -> None:
    exercise = nbformat.read(WORKSHOP / "exercises" / solution.name, as_version=4)
    tagged = [c for c in exercise.cells if "exercise" in _tags(c)]
    assert len(tagged) >= 4, "a session needs exercises"
    for cell in exercise.cells:
        has_blank = cell.cell_type == "code" and any(BLANK_LINE.search(line) for line in cell.source.splitlines())
        assert has_blank == ("exercise" in _tags(cell)), cell.source
        assert "SOLUTION" not in cell.source and "solution" not in _tags(cell)
    # every exercise is asked in the markdown
    text = "\n".join(c.source for c in exercise.cells if c.cell_type == "markdown")
    assert len(re.findall(r"\*\*Exercise \d+\.\d+\.\*\*", text)) >= len(tagged) - 1


def test_generator_blank_convention() -> None:
    assert make_exercises.BLANK == BLANK
    source = "\n".join(
        [
            "x = 1",
            "for t in ts:",
            "    # BEGIN SOLUTION: the events for t",
            "    events_t = f(t)",
            "    # END SOLUTION",
            "# BEGIN SOLUTION: two tables",
            "a, b = g()",
            "c = a + b",
            "# END SOLUTION",
            "# BEGIN SOLUTION",
            "plot(a)",
            "# END SOLUTION",
        ]
    )
    blanked, blanks = make_exercises.blank_source(source)
    assert blanks == 3
    assert blanked.splitlines() == [
        "x = 1",
        "for t in ts:",
        "    events_t = ____  # exercise: the events for t",
        "a = ____  # exercise: two tables",
        "b = ____",
        "c = ____",
        "____",
    ]
    for broken in ("# BEGIN SOLUTION\nx = 1", "x = 1\n# END SOLUTION", "# BEGIN SOLUTION\nf(\n# END SOLUTION"):
        with pytest.raises(make_exercises.MarkerError):
            make_exercises.blank_source(broken)


def _run(client: NotebookClient, cell, index: int):
    return client.execute_cell(cell, index)


@pytest.fixture(scope="module")
def workshop_kernel():
    """One kernel manager for all sessions; the first session's client starts the kernel in solutions/."""
    manager = AsyncKernelManager(kernel_name="python3")
    yield manager
    if manager.has_kernel:
        run_sync(manager.shutdown_kernel)(now=True)


@pytest.mark.notebook
@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_solutions_run_and_each_blank_fails(solution: Path, workshop_kernel: AsyncKernelManager) -> None:
    notebook = nbformat.read(solution, as_version=4)
    exercise = nbformat.read(WORKSHOP / "exercises" / solution.name, as_version=4)
    blank_cells = {c.id: c for c in exercise.cells if "exercise" in _tags(c)}
    code_ids = {c.id for c in notebook.cells if c.cell_type == "code"}
    assert set(blank_cells) <= code_ids, "every blank cell comes from a solution code cell"

    client = NotebookClient(
        notebook,
        km=workshop_kernel,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(solution.parent)}},
    )
    failed_at_blank = []
    seconds: dict[int, float] = {}
    start = time.perf_counter()
    with client.setup_kernel(cleanup_kc=False):
        reply = run_sync(client.kc.execute_interactive)('%reset -f\n__import__("gc").collect();', timeout=120)
        assert reply["content"]["status"] == "ok"  # a clean namespace for this session
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            if cell.id in blank_cells:
                blank = nbformat.from_dict(
                    dict(blank_cells[cell.id])
                )  # (nbclient stores it at index; the solution replaces it)
                with pytest.raises(CellExecutionError) as raised:
                    _run(client, blank, index)
                assert raised.value.ename == "NameError" and f"'{BLANK}'" in raised.value.evalue, (
                    f"{solution.name} cell {index}: the exercise should stop at its blank, got "
                    f"{raised.value.ename}: {raised.value.evalue}"
                )
                failed_at_blank.append(cell.id)
            cell_start = time.perf_counter()
            _run(client, cell, index)  # the solution: raises CellExecutionError naming the cell on any error
            seconds[index] = time.perf_counter() - cell_start
    client.kc.stop_channels()
    errors = [
        out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"
    ]
    assert errors == []
    assert sorted(failed_at_blank) == sorted(blank_cells)
    slowest = ", ".join(f"cell {i} {t:.1f} s" for i, t in sorted(seconds.items(), key=lambda kv: -kv[1])[:4])
    print(f"\n{solution.name}: {time.perf_counter() - start:.1f} s, {len(blank_cells)} blanks; slowest: {slowest}")
