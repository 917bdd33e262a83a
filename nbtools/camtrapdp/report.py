"""Validation problems and the report that collects them.

Every problem found while reading a Camtrap DP package is one :class:`Problem`:
its severity, the file, the row number as in the file (the header is row 1, the
first data row is row 2, as frictionless counts), the field, the offending value
and a message. A :class:`ValidationReport` holds them with the row accounting
(rows read = rows kept + rows set aside; rows flagged are kept rows with at
least one problem) and the raw text of every row that was set aside.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]

#: Columns of :meth:`ValidationReport.to_frame`.
PROBLEM_COLUMNS = ["severity", "file", "row", "field", "value", "message", "check"]


@dataclass(frozen=True)
class Problem:
    """One problem in a Camtrap DP package.

    Attributes
    ----------
    severity : {"error", "warning"}
        ``error`` breaks the standard or makes a value unusable; ``warning`` is
        legal but suspicious (for example a media timestamp outside its
        deployment, the sign of a camera clock error).
    file : str
        File name inside the package (``datapackage.json`` for metadata).
    row : int or None
        Row number as in the file: the header is row 1. ``None`` for problems
        that concern a whole file or the package metadata.
    field : str or None
        Field (column) name, or the metadata property path.
    value : str or None
        The offending value as text, as found in the file.
    message : str
        What is wrong, in words a user can act on.
    check : str
        Short name of the check that found it (``type-error``,
        ``foreign-key``, ``deployment-window``, ...).
    """

    severity: Severity
    file: str
    row: int | None
    field: str | None
    value: str | None
    message: str
    check: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field}"
        value = f" (value {self.value!r})" if self.value not in (None, "") else ""
        return f"{self.severity}: {where}{value}: {self.message}"


class CamtrapDPError(ValueError):
    """A Camtrap DP package cannot be read, or is invalid in ``strict`` mode.

    Attributes
    ----------
    problems : list of Problem
        The problems behind the error (possibly empty for a fatal read error).
    """

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)


@dataclass
class ValidationReport:
    """Everything found wrong in a package, with the row accounting.

    Attributes
    ----------
    problems : list of Problem
        All problems, in the order found.
    rows_read : dict of str to int
        Data rows read per file (blank rows included, the header excluded).
    set_aside : dict of str to pandas.DataFrame
        Rows removed from a table because they could not be kept (blank rows,
        missing or duplicated primary keys, rows with too many cells), as the raw
        text of their cells, indexed by their row number, with a ``reason``.
    notes : list of str
        What the reader decided for the user, in a sentence each (the time zone
        chosen and why, a package upgraded from an older Camtrap DP version).
    """

    problems: list[Problem] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)
    set_aside: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        file: str,
        row: int | None,
        field_name: str | None,
        value: object,
        message: str,
        check: str,
    ) -> None:
        """Record one problem."""
        text = None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        self.problems.append(Problem(severity, file, row, field_name, text, message, check))

    @property
    def errors(self) -> list[Problem]:
        """Problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not self.errors

    def rows_set_aside(self, file: str | None = None) -> int:
        """Number of rows set aside, in one file or in all."""
        if file is not None:
            return len(self.set_aside.get(file, ()))
        return sum(len(frame) for frame in self.set_aside.values())

    def flagged_rows(self, file: str) -> list[int]:
        """Row numbers of the kept rows of ``file`` that have at least one problem."""
        aside = set(self.set_aside[file].index) if file in self.set_aside else set()
        rows = {p.row for p in self.problems if p.file == file and p.row is not None and p.row > 1}
        return sorted(rows - aside)

    def rows_flagged(self, file: str | None = None) -> int:
        """Number of kept rows with at least one problem, in one file or in all."""
        files = [file] if file else list(self.rows_read)
        return sum(len(self.flagged_rows(f)) for f in files)

    def accounting(self) -> pd.DataFrame:
        """Rows read, kept, flagged and set aside per file.

        Rows read always equal rows kept plus rows set aside; flagged rows are
        kept rows with at least one problem.
        """
        records = []
        for file, read in self.rows_read.items():
            aside = len(self.set_aside.get(file, ()))
            records.append(
                {
                    "file": file,
                    "read": read,
                    "kept": read - aside,
                    "flagged": len(self.flagged_rows(file)),
                    "set_aside": aside,
                }
            )
        return pd.DataFrame.from_records(records, columns=["file", "read", "kept", "flagged", "set_aside"])

    def to_frame(self) -> pd.DataFrame:
        """All problems as a table, one row a problem."""
        frame = pd.DataFrame(
            [[getattr(p, c) for c in PROBLEM_COLUMNS] for p in self.problems],
            columns=PROBLEM_COLUMNS,
        )
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def summary(self) -> str:
        """One line: counts of errors, warnings, rows read, flagged and set aside."""
        read = sum(self.rows_read.values())
        aside = sum(len(f) for f in self.set_aside.values())
        return (
            f"{len(self.errors)} errors, {len(self.warnings)} warnings; "
            f"{read} rows read, {self.rows_flagged()} flagged, {aside} set aside"
        )

    def __str__(self) -> str:
        lines = [f"Validation report: {self.summary()}"]
        lines += [f"  note: {note}" for note in self.notes]
        if self.problems:
            with pd.option_context("display.max_colwidth", 80, "display.width", 200):
                lines.append(self.to_frame().head(50).to_string(index=False))
            if len(self.problems) > 50:
                lines.append(f"... and {len(self.problems) - 50} more (see .to_frame())")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ValidationReport: {self.summary()}>"

    def _repr_html_(self) -> str:
        head = f"<p><b>Validation report</b>: {self.summary()}</p>"
        if self.notes:
            head += "<ul>" + "".join(f"<li>{html.escape(note)}</li>" for note in self.notes) + "</ul>"
        if not self.problems:
            return head
        return head + self.to_frame().head(50).to_html(index=False)
