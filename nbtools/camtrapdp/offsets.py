"""The UTC offsets timestamps were written with, and the ones that disagree.

A Camtrap DP timestamp carries a UTC offset (``2025-07-21T23:11:10-05:00``), and
the reader turns it into a moment by that offset alone. When a camera was set to
the wrong zone, or an export pipeline wrote the wrong offset, the moments are
shifted by whole hours and nothing else looks wrong: one deployment written at
``-05:00`` with its media at ``-09:00`` is four hours late in every picture.
This module keeps, per deployment and file, which offsets were written (from the
text, before it is parsed), and reports an offset that the study's time zone
never has that year (``-09:00`` in ``America/Panama``, which is always
``-05:00``), naming the deployment's own offset when it differs, with the size
of the shift; without a time zone, media and observations written with another
offset than their deployment.

Timestamps written in UTC (``Z`` or ``+00:00``) say nothing about the cameras'
clocks and are not compared: Agouti writes every timestamp so.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .report import ValidationReport

#: The timestamp columns whose written offsets are kept, per core table.
TIMESTAMP_COLUMNS = {
    "deployments": ("deploymentStart", "deploymentEnd"),
    "media": ("timestamp",),
    "observations": ("eventStart", "eventEnd"),
}

#: Columns of :func:`written_offsets`.
OFFSET_COLUMNS = ["table", "file", "deploymentID", "column", "offset", "rows", "first_row", "first", "last"]

_OFFSET = re.compile(r"(Z|[+-]\d{2}(?::?\d{2})?)$")


def offset_minutes(offset: str) -> int:
    """Minutes east of UTC of an offset as written (``-05:00`` -> -300, ``Z`` -> 0, ``+0530`` -> 330)."""
    if offset in ("Z", "z"):
        return 0
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * (60 * hours + minutes)


def format_offset(minutes: int) -> str:
    """``-300`` -> ``-05:00``."""
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def written_offsets(cells: pd.DataFrame, table: str, file: str) -> pd.DataFrame:
    """Which UTC offsets each deployment's timestamps were written with, in one table.

    Parameters
    ----------
    cells : pandas.DataFrame
        The table's text cells (as read, before typing), indexed by row number.
    table : {"deployments", "media", "observations"}
        Which core table.
    file : str
        Its file name, for messages.

    Returns
    -------
    pandas.DataFrame
        One row per deployment, column and offset written (``+10:00``; ``Z`` as
        ``+00:00``): the number of ``rows``, the ``first_row`` (row number in
        the file) and the ``first`` and ``last`` timestamp text with that offset.
        Columns :data:`OFFSET_COLUMNS`.
    """
    frames = []
    if "deploymentID" not in cells.columns:
        return pd.DataFrame(columns=OFFSET_COLUMNS)
    for column in TIMESTAMP_COLUMNS.get(table, ()):
        if column not in cells.columns:
            continue
        text = cells[column]
        tail = _offsets_written(text)
        known = tail.notna()
        if not known.any():
            continue
        summary = _summary(cells.loc[known, "deploymentID"], tail[known], text[known])
        summary.insert(0, "column", column)
        frames.append(summary)
    if not frames:
        return pd.DataFrame(columns=OFFSET_COLUMNS)
    result = pd.concat(frames, ignore_index=True)
    result.insert(0, "file", file)
    result.insert(0, "table", table)
    return result[OFFSET_COLUMNS]


def _summary(deployments: pd.Series, offsets: pd.Series, text: pd.Series) -> pd.DataFrame:
    """Per deployment and offset, in order of first appearance: rows, first row, least and greatest text.

    What ``groupby(["deploymentID", "offset"], sort=False).agg(...)`` gives,
    on integer group codes (pandas' named aggregation costs 60 ms a record
    batch, most of it machinery); the text's least and greatest by pyarrow's
    grouped min and max, which pandas itself calls for Arrow text.
    """
    import pyarrow as pa

    if deployments.isna().any():  # groupby leaves out rows without a key
        keep = deployments.notna()
        deployments, offsets, text = deployments[keep], offsets[keep], text[keep]
    dep_codes, dep_names = pd.factorize(deployments, sort=False)
    off_codes, off_names = pd.factorize(offsets, sort=False)
    groups, first = pd.factorize(dep_codes.astype(np.int64) * max(len(off_names), 1) + off_codes, sort=False)
    first = np.asarray(first)
    rows = text.index.to_numpy()
    data = getattr(text.array, "_pa_array", None)
    values = data if isinstance(data, pa.ChunkedArray) else pa.array(text.astype(object), type=pa.large_string())
    table = pa.table({"group": groups, "text": values, "row": rows})
    grouped = table.group_by("group", use_threads=False).aggregate([("text", "min_max"), ("row", "min")])
    order = np.argsort(grouped["group"].to_numpy())
    extremes = grouped["text_min_max"].take(pa.array(order))
    least = extremes.combine_chunks().field("min")
    greatest = extremes.combine_chunks().field("max")
    text_dtype = text.dtype
    return pd.DataFrame(
        {
            "deploymentID": pd.Series(pd.Index(dep_names).take(first // max(len(off_names), 1))),
            "offset": pd.Series(pd.Index(list(off_names)).take(first % max(len(off_names), 1))),  # as groupby infers it
            "rows": np.bincount(groups, minlength=len(first)).astype(np.int64),
            "first_row": grouped["row_min"].to_numpy()[order].astype(rows.dtype),
            "first": pd.Series(pd.array(least.to_pylist(), dtype=text_dtype)),
            "last": pd.Series(pd.array(greatest.to_pylist(), dtype=text_dtype)),
        }
    )


def _normalised(offset: str) -> str:
    return format_offset(offset_minutes(offset))


def _offsets_written(text: pd.Series) -> pd.Series:
    """The normalised offset (``+10:00``) each timestamp ends with, or missing.

    Text that ends with ``Z`` has offset ``Z`` (the only match of the pattern
    that can end there): those cells, whose last six characters hold the
    minutes and seconds and so are mostly different, are not looked at one by
    one. In the other cells the offset is found once per distinct last six
    characters (a column has few), and normalised once per distinct offset.
    """
    in_utc = text.str.endswith("Z").fillna(False).to_numpy(dtype=bool)
    values = np.full(len(text), None, dtype=object)
    values[in_utc] = _normalised("Z")
    rest = text[~in_utc] if in_utc.any() else text
    codes, tails = pd.factorize(rest.str.slice(-6), use_na_sentinel=True)
    found = pd.Series(tails, dtype=object).str.extract(_OFFSET, expand=False)
    normal = {offset: _normalised(offset) for offset in found.dropna().unique()}
    normalised = np.array([normal.get(v) if isinstance(v, str) else None for v in found], dtype=object)
    values[~in_utc] = np.where(codes >= 0, normalised[np.clip(codes, 0, None)] if len(normalised) else None, None)
    return pd.Series(values, index=text.index, dtype=object)


def check_offsets(offsets: pd.DataFrame, report: ValidationReport, zone: str | None = None) -> pd.DataFrame:
    """Report UTC offsets that cannot be the cameras' clocks: not the zone's, or unlike their deployment's.

    With a time zone, an offset is suspect when the zone has it neither at the
    moments written nor in the other season of that year (a camera kept on
    standard time through the summer is right, and so is one that follows
    daylight-saving time): ``-09:00`` in ``America/Panama``. Without a zone,
    media and observations written with another non-UTC offset than their
    deployment are suspect. Timestamps written in UTC are never compared.

    Parameters
    ----------
    offsets : pandas.DataFrame
        :func:`written_offsets` of the three core tables, concatenated.
    report : ValidationReport
        Warnings (check ``utc-offset``) are added here, naming the file, the
        first row written with the offset, the field and the offset.
    zone : str, optional
        The study's time zone (an IANA name).

    Returns
    -------
    pandas.DataFrame
        The findings, one row per deployment, file and column: ``deploymentID``,
        ``file``, ``column``, ``offset``, ``expected`` (the zone's offset then,
        or the deployment's), ``deployment_offset`` (the offset deployments.csv
        writes the deployment with, if any), ``shift_hours`` (written minus
        expected), ``rows``, ``first_row`` and ``message``.
    """
    columns = [
        "deploymentID",
        "file",
        "column",
        "offset",
        "expected",
        "deployment_offset",
        "shift_hours",
        "rows",
        "first_row",
        "message",
    ]
    if offsets is None or offsets.empty:
        return pd.DataFrame(columns=columns)
    local = offsets[offsets["offset"] != "+00:00"]
    at_deployment = (
        local[local["table"] == "deployments"]
        .groupby("deploymentID", observed=True)["offset"]
        .agg(lambda s: sorted(set(s)))
    )
    if zone is not None:
        suspect, expected = _not_the_zones(local, zone)
    else:
        others = local[local["table"] != "deployments"]
        own = others["deploymentID"].map(at_deployment)
        suspect = pd.Series(
            [bool(isinstance(o, list) and offset not in o) for o, offset in zip(own, others["offset"])],
            index=others.index,
        ).reindex(local.index, fill_value=False)
        expected = local["deploymentID"].map(lambda d: at_deployment.get(d, [None])[0])
    findings = []
    for (dep, file, column, offset), group in local[suspect].groupby(
        ["deploymentID", "file", "column", "offset"], sort=False
    ):
        findings.append(
            _finding(dep, file, column, offset, expected[group.index[0]], at_deployment.get(dep), group, zone)
        )
    result = pd.DataFrame(findings, columns=columns)
    for finding in findings:
        report.add(
            "warning",
            finding["file"],
            finding["first_row"],
            finding["column"],
            finding["offset"],
            finding["message"],
            "utc-offset",
        )
    return result


def _finding(
    dep: str,
    file: str,
    column: str,
    offset: str,
    expected: str,
    at_deployment: list[str] | None,
    group: pd.DataFrame,
    zone: str | None,
) -> dict[str, Any]:
    shift = (offset_minutes(offset) - offset_minutes(expected)) / 60
    rows = int(group["rows"].sum())
    first_row = int(group["first_row"].min())
    own = [o for o in (at_deployment or []) if o != offset]
    if zone is None:
        why = f"deployments.csv writes deployment {dep} at {expected}"
    elif own and file != "deployments.csv":
        why = f"deployments.csv writes deployment {dep} at {', '.join(own)}, and the study's time zone {zone} is at {expected} then"
    else:
        why = f"the study's time zone {zone} is at {expected} then"
    message = (
        f"{column} of deployment {dep} written at UTC offset {offset} in {rows} rows (from row {first_row}), but "
        f"{why}: a shift of {shift:+g} h (a camera or export set to the wrong zone?); the moments are read as written"
    )
    return {
        "deploymentID": dep,
        "file": file,
        "column": column,
        "offset": offset,
        "expected": expected,
        "deployment_offset": ", ".join(own) or None,
        "shift_hours": shift,
        "rows": rows,
        "first_row": first_row,
        "message": message,
    }


def _not_the_zones(local: pd.DataFrame, zone: str) -> tuple[pd.Series, pd.Series]:
    """Which offsets the zone has neither at the moments written nor in either season of that year, and the zone's.

    Camera clocks seldom follow daylight-saving time: a camera set to standard
    time writes ``+01:00`` in a Belgian summer, and its moments are right. Only
    an offset the zone never has that year (``-09:00`` in Panama) is suspect.
    Returns the mask and the zone's offset at the first moment written.
    """
    first = pd.to_datetime(local["first"], format="ISO8601", utc=True, errors="coerce")
    last = pd.to_datetime(local["last"], format="ISO8601", utc=True, errors="coerce")
    at_first = _zone_minutes(zone, first)
    written = local["offset"].map(offset_minutes)
    wrong = at_first.notna() & (written != at_first) & (written != _zone_minutes(zone, last))
    for month in ("01", "07"):  # the zone's offset in January and July of that year: both seasons
        season = pd.to_datetime(first.dt.year.astype("Int64").astype(str) + f"-{month}-15", utc=True, errors="coerce")
        wrong &= written != _zone_minutes(zone, season)
    expected = at_first.map(lambda m: format_offset(int(m)) if pd.notna(m) else None)
    return wrong.fillna(False).astype(bool), expected


def _zone_minutes(zone: str, moments: pd.Series) -> pd.Series:
    """The zone's UTC offset in minutes at each moment (missing where the moment is)."""
    valid = moments.notna()
    out = pd.Series(pd.NA, index=moments.index, dtype="Int64")
    if valid.any():
        local = moments[valid].dt.tz_convert(zone).dt.tz_localize(None)
        out[valid] = ((local - moments[valid].dt.tz_localize(None)).dt.total_seconds() // 60).astype("int64")
    return out
