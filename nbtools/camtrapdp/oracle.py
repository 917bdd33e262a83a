"""frictionless's row checks of the core tables: the oracle the column-wise checks are tested against.

The reader checks the tables with :mod:`nbtools.camtrapdp.constraints`;
``tests/test_validation_equivalence.py`` runs :func:`check_tables_with_frictionless`
on the same files and compares the findings, and ``benchmarks/read.py`` times it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .constraints import constraint_message
from .report import ValidationReport

DESCRIPTOR = "datapackage.json"

#: frictionless checks that our own code does instead (rows set aside, keys, labels: see nbtools.camtrapdp.validate).
_DONE_BY_US = {
    "blank-row",
    "extra-cell",
    "missing-cell",
    "primary-key",
    "unique-error",
    "foreign-key",
    "missing-label",
    "extra-label",
    "duplicate-label",
}


def check_tables_with_frictionless(
    root: Path,
    tables: dict[str, tuple[str, dict[str, Any], dict[str, Any] | None]],
    report: ValidationReport,
    limit_errors: int = 100_000,
) -> None:
    """Validate the core tables against their Table Schemas with frictionless, row by row.

    The reader no longer calls this (see :mod:`nbtools.camtrapdp.constraints`);
    the tests run it as the oracle the column-wise checks must agree with.

    Parameters
    ----------
    root : pathlib.Path
        The package folder (all paths were checked to lie inside it).
    tables : dict
        For each table name: its path inside the package, its Table Schema, its
        Table Dialect (or None).
    report : ValidationReport
        Problems are added here.
    limit_errors : int, default 100_000
        frictionless stops a table after this many errors.
    """
    from frictionless import FrictionlessException

    try:
        _frictionless(root, tables, report, limit_errors)
    except FrictionlessException as error:  # a schema frictionless cannot use: say so, never crash
        report.add(
            "error",
            DESCRIPTOR,
            None,
            None,
            None,
            f"frictionless could not check the tables: {error.error.message if hasattr(error, 'error') else error}",
            "frictionless",
        )


def _frictionless(
    root: Path,
    tables: dict[str, tuple[str, dict[str, Any], dict[str, Any] | None]],
    report: ValidationReport,
    limit_errors: int,
) -> None:
    from frictionless import Detector, Dialect, Package, Resource, Schema

    resources = []
    for name, (path, schema, dialect) in tables.items():
        # Keys and uniqueness are checked by our reading (set_aside_rows) and frictionless's errors for them
        # are dropped (_DONE_BY_US); leaving them out also spares frictionless holding every key in two
        # dictionaries (about 250 bytes a row: gigabytes for a 10-million-row table).
        schema = {key: value for key, value in schema.items() if key not in ("foreignKeys", "primaryKey")}
        schema["fields"] = [_without_unique(item) for item in schema.get("fields", [])]
        options: dict[str, Any] = {
            "name": name,
            "path": path,
            "schema": Schema.from_descriptor(schema),
            # Match columns by name, not position, as the reader does.
            "detector": Detector(schema_sync=True),
        }
        if dialect:
            options["dialect"] = Dialect.from_descriptor(dialect)
        resources.append(Resource(**options))
    result = Package(resources=resources, basepath=str(root)).validate(limit_errors=limit_errors)
    files = {name: path for name, (path, _, _) in tables.items()}
    for task in result.tasks:
        file = files.get(task.name, task.name)
        for error in task.errors:
            if error.type in _DONE_BY_US:
                continue
            row = getattr(error, "row_number", None)
            field = getattr(error, "field_name", None) or getattr(error, "label", None)
            cell = getattr(error, "cell", None)
            if error.type == "constraint-error" and '"required"' in (getattr(error, "note", "") or ""):
                cell = None  # an empty cell (frictionless gives the text 'None' for a missing one)
            report.add("error", file, row if row is not None else 1, field or None, cell, _message(error), error.type)


def _without_unique(field: dict[str, Any]) -> dict[str, Any]:
    """A Table Schema field without its ``unique`` constraint."""
    constraints = field.get("constraints")
    if not isinstance(constraints, dict) or "unique" not in constraints:
        return field
    return {**field, "constraints": {k: v for k, v in constraints.items() if k != "unique"}}


_CONSTRAINT = re.compile(r'constraint "(?P<name>\w+)" is "(?P<value>.*)"')


def _message(error: Any) -> str:
    """A short message for a frictionless error, in words a user can act on."""
    note = getattr(error, "note", "") or ""
    if error.type == "type-error":
        return f"cannot be read as {note.removeprefix('type is ').strip(chr(34))}"
    if error.type == "constraint-error":
        match = _CONSTRAINT.search(note)
        if match:
            return constraint_message(match["name"], match["value"])
    return error.message
