"""Messages for columns an analysis needs that hold no value at all.

The reader keeps every Camtrap DP column, adding an absent one as an empty
column (and reporting it as ``missing-label``). An analysis that then finds a
needed column empty in every row must say so in those words, not count
"missing timestamps": the usual cause is a column the file does not have, such
as a Camtrap DP 0.1 package read as 1.0 (0.1 called ``deploymentStart``
``start`` and ``eventStart`` ``timestamp``).
"""

from __future__ import annotations

#: Camtrap DP 1.0 columns the analyses need, and the names Camtrap DP 0.1.x gave them.
OLD_NAMES = {
    "deploymentStart": "start",
    "deploymentEnd": "end",
    "eventStart": "timestamp",
    "eventEnd": "timestamp",
    "observationLevel": "mediaID/sequenceID",
}


def empty_column_message(column: str, rows: int) -> str:
    """What to tell a user whose table has no value at all in ``column``.

    Parameters
    ----------
    column : str
        The column name, optionally prefixed by its table (``media.timestamp``).
    rows : int
        Number of rows of the table.

    Examples
    --------
    >>> empty_column_message("deploymentStart", 4)[:62]
    'deploymentStart has no value in any of the 4 rows: the column '
    """
    name = column.rsplit(".", 1)[-1]
    old = OLD_NAMES.get(name)
    hint = (
        f"; a Camtrap DP 0.1 package calls it {old}: read the package with "
        "nbtools.camtrapdp.read_camtrapdp, which upgrades 0.1 packages to 1.0"
        if old
        else ""
    )
    return f"{column} has no value in any of the {rows} rows: the column is absent from the file or empty{hint}"
