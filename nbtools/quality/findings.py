"""The findings table: one :class:`Finding` per fault a check sees, the table's columns and the words of evidence.

A check returns :class:`Finding` objects (deployment by position, times as UTC nanoseconds); the runner
(:func:`nbtools.quality.check_deployments`) turns them into the findings table of :data:`COLUMNS`, sorted
by deployment, then by the checks' order in the registry, then by start. The ``fmt_*`` helpers write the
durations, clock errors and times of the messages the same way in every check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from .._time import SECONDS_PER_DAY, SECONDS_PER_HOUR

__all__ = [
    "COLUMNS",
    "SEVERITIES",
    "Finding",
    "empty_findings",
    "findings_frame",
    "fmt_days",
    "fmt_offset",
    "fmt_time",
    "local_time",
    "utc_offset_label",
    "with_severity",
]

#: The columns of the findings table, in order.
COLUMNS = [
    "deploymentID",
    "locationID",
    "cameraID",
    "check",
    "severity",
    "message",
    "start",
    "end",
    "days",
    "offset_s",
    "drift_s_per_day",
    "n_records",
    "expected_records",
    "p_value",
    "partner",
    "partner_records",
]

#: Severities, most serious first: ``error`` (times or data wrong: fix before analysis), ``warning``
#: (the recorded effort is too high unless the period is removed), ``info`` (explains a gap that the
#: deployment table already shows).
SEVERITIES = ("error", "warning", "info")

_FLOAT_COLUMNS = ("days", "offset_s", "drift_s_per_day", "n_records", "expected_records", "p_value", "partner_records")


@dataclass
class Finding:
    """One fault of one deployment, with the numbers that show it.

    Attributes
    ----------
    deployment : int
        Position of the deployment in the study's deployments table.
    check : str
        The check that found it (a key of :data:`nbtools.quality.CHECKS`).
    message : str
        The evidence in words.
    start, end : int or None
        The period concerned, UTC nanoseconds (true time, after clock correction).
    days : float
        Length of the period, days.
    offset_s, drift_s_per_day : float
        Clock error at set-up (seconds, camera minus true time) and its drift (seconds per day).
    n_records, expected_records : float
        Records seen, and expected at the camera's own rate.
    p_value : float
        Chance of so few (or so many) records under a working camera.
    partner : str or None
        ``deploymentID`` of the other camera at the location used as reference.
    partner_records : float
        The partner's sequences (or matched sequences) in the period.
    """

    deployment: int
    check: str
    message: str
    start: int | None = None
    end: int | None = None
    days: float = np.nan
    offset_s: float = np.nan
    drift_s_per_day: float = np.nan
    n_records: float = np.nan
    expected_records: float = np.nan
    p_value: float = np.nan
    partner: str | None = None
    partner_records: float = np.nan


F = TypeVar("F", bound=Callable)


def with_severity(level: str) -> Callable[[F], F]:
    """Mark a check function with the severity of its findings (one of :data:`SEVERITIES`).

    Examples
    --------
    >>> @with_severity("warning")
    ... def my_check(context):
    ...     return []
    >>> my_check.severity
    'warning'
    """
    if level not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, got {level!r}")

    def mark(function: F) -> F:
        function.severity = level
        return function

    return mark


def empty_findings() -> pd.DataFrame:
    """The findings table without rows (columns and dtypes of :func:`findings_frame`)."""
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    for c in ("start", "end"):
        frame[c] = pd.Series(dtype="datetime64[ns, UTC]")
    for c in _FLOAT_COLUMNS:
        frame[c] = pd.Series(dtype=float)
    frame.attrs["summary"] = {}
    return frame


def findings_frame(
    findings: Sequence[Finding],
    severity: Mapping[str, str],
    deployment_ids: np.ndarray,
    location_ids: np.ndarray,
    camera_ids: np.ndarray,
) -> pd.DataFrame:
    """The findings table of ``findings``.

    Parameters
    ----------
    findings : sequence of Finding
    severity : mapping
        Check name to severity, in the checks' order (the order of rows within a deployment and of the
        categories of ``check``).
    deployment_ids, location_ids, camera_ids : numpy.ndarray
        Per deployment (by position), the values of those columns.

    Returns
    -------
    DataFrame
        :data:`COLUMNS`, sorted by ``deploymentID``, check order and ``start``; ``check`` and
        ``severity`` categorical; ``attrs["summary"]`` counts findings per check.
    """
    if not findings:
        return empty_findings()
    order = {c: k for k, c in enumerate(severity)}
    rows = sorted(findings, key=lambda f: (str(deployment_ids[f.deployment]), order[f.check], f.start or 0))
    frame = pd.DataFrame(
        {
            "deploymentID": [deployment_ids[f.deployment] for f in rows],
            "locationID": [location_ids[f.deployment] for f in rows],
            "cameraID": [camera_ids[f.deployment] for f in rows],
            "check": [f.check for f in rows],
            "severity": [severity[f.check] for f in rows],
            "message": [f.message for f in rows],
            "start": pd.to_datetime([f.start if f.start is not None else pd.NaT for f in rows], utc=True),
            "end": pd.to_datetime([f.end if f.end is not None else pd.NaT for f in rows], utc=True),
            **{c: [getattr(f, c) for f in rows] for c in _FLOAT_COLUMNS[:-1]},
            "partner": [f.partner for f in rows],
            "partner_records": [f.partner_records for f in rows],
        }
    )
    frame["check"] = pd.Categorical(frame["check"], categories=list(severity))
    frame["severity"] = pd.Categorical(frame["severity"], categories=list(SEVERITIES), ordered=True)
    frame.attrs["summary"] = frame["check"].value_counts(sort=False).loc[lambda s: s > 0].to_dict()
    return frame


# --------------------------------------------------------------------------------------------------
# words of evidence
# --------------------------------------------------------------------------------------------------


def fmt_days(days: float) -> str:
    """A duration in days, as hours below one day (``"3.5 days"``, ``"6.0 h"``)."""
    return f"{days:.1f} days" if days >= 1 else f"{days * 24:.1f} h"


def fmt_offset(seconds: float) -> str:
    """A signed clock error in seconds, in days, hours or minutes (``"+1.00 h"``, ``"-5.0 min"``)."""
    sign = "+" if seconds >= 0 else "-"
    a = abs(seconds)
    if a >= SECONDS_PER_DAY:
        return f"{sign}{a / SECONDS_PER_DAY:.1f} days"
    if a >= SECONDS_PER_HOUR:
        return f"{sign}{a / SECONDS_PER_HOUR:.2f} h"
    return f"{sign}{a / 60:.1f} min"


def utc_offset_label(hours: float) -> str:
    """A UTC offset in hours as ``"UTC+08:00"``."""
    h = int(round(hours * 60)) // 60
    m = int(round(abs(hours) * 60)) % 60
    return f"UTC{'+' if hours >= 0 else '-'}{abs(h):02d}:{m:02d}"


def local_time(ns: int, timezone: str) -> pd.Timestamp:
    """The UTC instant ``ns`` (nanoseconds) in ``timezone``."""
    return pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert(timezone)


def fmt_time(ns: int, timezone: str) -> str:
    """The UTC instant ``ns`` (nanoseconds) as local ``"YYYY-mm-dd HH:MM"``."""
    return local_time(ns, timezone).strftime("%Y-%m-%d %H:%M")
