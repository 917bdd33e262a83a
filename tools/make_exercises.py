"""Generate the workshop's exercise notebooks from its solution notebooks.

    python tools/make_exercises.py            # write notebooks/workshop/exercises/*.ipynb
    python tools/make_exercises.py --check    # exit 1 if a committed exercise differs from what would be written

The solutions in ``notebooks/workshop/solutions/`` are the source of truth. In their code cells, the lines
between a ``# BEGIN SOLUTION`` line and an ``# END SOLUTION`` line are the answer; the optional text after
``# BEGIN SOLUTION:`` is the hint shown to participants. In the exercise, each such block becomes a blank:

- one line ``name = ____  # exercise: <hint>`` for every name the block assigns at its top level (so later
  cells can see which names they need), or
- one line ``____  # exercise: <hint>`` when the block assigns nothing (a plot or a table to show).

The blank is **four** underscores. ``____`` is not defined, so running an unfilled exercise cell stops with
``NameError: name '____' is not defined`` at the first blank. (Three would not do: in Jupyter, IPython keeps
its last three outputs in ``_``, ``__`` and ``___``, so ``___`` is defined, usually as ``''``, and an unfilled
cell would fail somewhere later with a confusing error, or not at all.) The exercise cell gets the tag ``exercise``. Markdown and code cells tagged
``solution`` (answers and notes for the teacher) are left out of the exercise. Outputs are never written.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
WORKSHOP = ROOT / "notebooks" / "workshop"
SOLUTIONS = WORKSHOP / "solutions"
EXERCISES = WORKSHOP / "exercises"

BLANK = "____"  # four underscores: IPython keeps its last three outputs in _, __ and ___
BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?::\s*(?P<hint>.*?))?\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
EXERCISE_TAG = "exercise"
SOLUTION_TAG = "solution"

NOTE = (
    "> **Exercise notebook.** Run the cells in order and replace every `____` with your own code (a cell with a blank "
    "stops with `NameError: name '____' is not defined` until you do). The hints after `# exercise:` say what is "
    "wanted. Stuck? The worked answers are in `../solutions/{name}`.\n>\n"
    "> *Teachers: this file is generated from the solution notebook by `python tools/make_exercises.py`; edit the "
    "solution, not this file.*"
)


class MarkerError(ValueError):
    """A solution cell whose markers do not pair up or whose answer block is not whole statements."""


def _assigned_names(block: list[str]) -> list[str]:
    """Names a block of code assigns at its top level, in order (``a = ...``, ``a, b = ...``, ``a: T = ...``)."""
    tree = ast.parse(textwrap.dedent("\n".join(block)))
    names: list[str] = []

    def add(target: ast.expr) -> None:
        if isinstance(target, ast.Name) and target.id not in names:
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                add(element)

    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            add(node.target)
    return names


def blank_source(source: str, where: str = "cell") -> tuple[str, int]:
    """The exercise version of a solution cell's source and the number of blanks made."""
    lines = source.split("\n")
    out: list[str] = []
    blanks = 0
    i = 0
    while i < len(lines):
        begin = BEGIN.match(lines[i])
        if END.match(lines[i]):
            raise MarkerError(f"{where}: '# END SOLUTION' without '# BEGIN SOLUTION' (line {i + 1})")
        if not begin:
            out.append(lines[i])
            i += 1
            continue
        indent, hint = begin["indent"], (begin["hint"] or "").strip()
        j = i + 1
        while j < len(lines) and not END.match(lines[j]):
            if BEGIN.match(lines[j]):
                raise MarkerError(f"{where}: nested '# BEGIN SOLUTION' (line {j + 1})")
            j += 1
        if j == len(lines):
            raise MarkerError(f"{where}: '# BEGIN SOLUTION' without '# END SOLUTION' (line {i + 1})")
        block = lines[i + 1 : j]
        if not any(line.strip() for line in block):
            raise MarkerError(f"{where}: empty solution block (line {i + 1})")
        try:
            names = _assigned_names(block)
        except SyntaxError as error:
            raise MarkerError(f"{where}: the solution block at line {i + 1} is not whole statements: {error}") from None
        comment = f"  # exercise: {hint}" if hint else ""
        if names:
            out.extend(f"{indent}{name} = {BLANK}{comment if k == 0 else ''}" for k, name in enumerate(names))
        else:
            out.append(f"{indent}{BLANK}{comment}")
        blanks += 1
        i = j + 1
    return "\n".join(out), blanks


def make_exercise(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The exercise notebook of one solution notebook (cell ids kept, so cells can be matched)."""
    exercise = copy.deepcopy(solution)
    cells = []
    for index, cell in enumerate(exercise.cells):
        tags = list(cell.get("metadata", {}).get("tags", []))
        if SOLUTION_TAG in tags:
            continue
        if EXERCISE_TAG in tags:
            raise MarkerError(
                f"{name} cell {index}: the tag 'exercise' is set by the tool; remove it from the solution"
            )
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            source, blanks = blank_source(cell.source, f"{name} cell {index}")
            if blanks:
                cell.source = source
                cell.metadata["tags"] = [*tags, EXERCISE_TAG]
        elif "# BEGIN SOLUTION" in cell.source:
            raise MarkerError(f"{name} cell {index}: solution markers belong in code cells")
        cells.append(cell)
    if not any(EXERCISE_TAG in c.get("metadata", {}).get("tags", []) for c in cells):
        raise MarkerError(f"{name}: no '# BEGIN SOLUTION' block, so the exercise would have no blank")
    note = nbformat.v4.new_markdown_cell(NOTE.format(name=name))
    note.id = "exercise-note"
    exercise.cells = cells[:1] + [note] + cells[1:]
    exercise.metadata["nbtools"] = {"generated_from": f"../solutions/{name}", "generator": "tools/make_exercises.py"}
    return exercise


def render(solution_path: Path) -> str:
    """The text of the exercise notebook for ``solution_path``, as it is written to disk."""
    solution = nbformat.read(solution_path, as_version=4)
    text = nbformat.writes(make_exercise(solution, solution_path.name))
    return text if text.endswith("\n") else text + "\n"  # as nbformat.write ends the file


def solution_paths(solutions: Path = SOLUTIONS) -> list[Path]:
    return sorted(p for p in solutions.glob("*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if an exercise is out of date")
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS)
    parser.add_argument("--exercises", type=Path, default=EXERCISES)
    args = parser.parse_args(argv)

    paths = solution_paths(args.solutions)
    if not paths:
        print(f"no solution notebooks in {args.solutions}", file=sys.stderr)
        return 1
    stale = []
    expected = {p.name for p in paths}
    for path in paths:
        target = args.exercises / path.name
        text = render(path)
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(target)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    orphans = sorted(p for p in args.exercises.glob("*.ipynb") if p.name not in expected)
    for orphan in orphans:
        print(f"exercise without a solution: {orphan}", file=sys.stderr)
    if args.check:
        for target in stale:
            print(f"out of date: {target} (run python tools/make_exercises.py)", file=sys.stderr)
        return 1 if stale or orphans else 0
    if not stale:
        print("exercises are up to date")
    return 1 if orphans else 0


if __name__ == "__main__":
    sys.exit(main())
