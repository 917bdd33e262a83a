"""Shared fixtures: the official Camtrap DP example and copies of it to break."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "camtrap-dp-example"


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
