"""Using the findings: malfunction periods for the effort, and clock corrections undone in the tables.

:func:`problem_periods` turns silences into the ``problems`` of :func:`nbtools.effort.camera_operation`;
:func:`clock_corrections` collects each deployment's clock offset and drift from the clock findings and
:func:`correct_timestamps` undoes them in a media or observations table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._time import NANOSECONDS_PER_SECOND as NS
from .._time import SECONDS_PER_DAY, utc_nanoseconds
from .clock_model import AMBIGUOUS

__all__ = ["clock_corrections", "correct_timestamps", "problem_periods"]


def problem_periods(
    findings: pd.DataFrame, checks: Sequence[str] = ("stopped_recording", "trigger_gap", "started_late")
) -> pd.DataFrame:
    """Periods when a deployed camera did not work, for :func:`nbtools.effort.camera_operation`.

    Parameters
    ----------
    findings : DataFrame
        Output of :func:`check_deployments`.
    checks : sequence of str
        Findings whose ``start``-``end`` period is a malfunction (default: silences at the end, in the
        middle and at the start of a deployment).

    Returns
    -------
    DataFrame
        ``deploymentID``, ``start``, ``end`` (UTC) and ``check``: pass as ``problems=`` to
        :func:`nbtools.effort.camera_operation` to count those days as 0 (deployed, not working).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"deploymentID": ["d1"], "check": ["stopped_recording"],
    ...     "start": pd.to_datetime(["2024-01-20"], utc=True), "end": pd.to_datetime(["2024-02-01"], utc=True)})
    >>> problem_periods(f)[["deploymentID", "check"]].to_dict("records")
    [{'deploymentID': 'd1', 'check': 'stopped_recording'}]
    """
    sel = findings[findings["check"].astype("object").isin(list(checks)).to_numpy()]
    sel = sel[sel["start"].notna() & sel["end"].notna() & (sel["end"] > sel["start"])]
    return sel[["deploymentID", "start", "end", "check"]].reset_index(drop=True)


def clock_corrections(findings: pd.DataFrame) -> pd.DataFrame:
    """Clock offset and drift per deployment, from ``clock_reset``, ``clock_offset`` and ``clock_drift`` findings.

    Returns
    -------
    DataFrame
        Indexed by ``deploymentID``: ``offset_s`` (camera minus true time at set-up, seconds) and
        ``drift_s_per_day`` (seconds the camera gains per day; negative when it runs slow).
    """
    clock = findings[findings["check"].astype("object").isin(["clock_reset", "clock_offset", "clock_drift"]).to_numpy()]
    # an offset against a partner without set-up images is not attributed: leave it out
    clock = clock[~clock["message"].str.contains(AMBIGUOUS, regex=False)]
    if clock.empty:
        return pd.DataFrame(
            {"offset_s": pd.Series(dtype=float), "drift_s_per_day": pd.Series(dtype=float)}
        ).rename_axis("deploymentID")
    grouped = clock.groupby(clock["deploymentID"].astype("object"))
    out = pd.DataFrame(
        {
            "offset_s": grouped["offset_s"].max().fillna(0.0),
            "drift_s_per_day": grouped["drift_s_per_day"].max().fillna(0.0),
        }
    )
    return out.rename_axis("deploymentID")


def correct_timestamps(
    table: pd.DataFrame,
    findings: pd.DataFrame,
    deployments: pd.DataFrame,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Undo the clock faults found by :func:`check_deployments` in a media or observations table.

    Parameters
    ----------
    table : DataFrame
        Camtrap DP media or observations (``deploymentID`` and timestamp columns).
    findings : DataFrame
        Output of :func:`check_deployments`.
    deployments : DataFrame
        Camtrap DP deployments (``deploymentID``, ``deploymentStart``) for the drift's reference time.
    columns : sequence of str, optional
        Timestamp columns to correct (default: those of ``timestamp``, ``eventStart``, ``eventEnd`` present).

    Returns
    -------
    DataFrame
        A copy with corrected times: the clock showed ``t = true + offset + drift * (true -
        deploymentStart)``, so ``true = deploymentStart + (t - offset - deploymentStart) / (1 + drift)``;
        rounded to whole seconds when the recorded times are whole seconds.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"deploymentID": ["d1"], "check": ["clock_offset"], "message": [""],
    ...                   "offset_s": [3600.0], "drift_s_per_day": [float("nan")]})
    >>> dep = pd.DataFrame({"deploymentID": ["d1"], "deploymentStart": pd.to_datetime(["2024-01-01"], utc=True)})
    >>> media = pd.DataFrame({"deploymentID": ["d1"], "timestamp": pd.to_datetime(["2024-01-02 13:00"], utc=True)})
    >>> str(correct_timestamps(media, f, dep)["timestamp"].iloc[0])
    '2024-01-02 12:00:00+00:00'
    """
    corr = clock_corrections(findings)
    out = table.copy()
    cols = (
        list(columns)
        if columns is not None
        else [c for c in ("timestamp", "eventStart", "eventEnd") if c in table.columns]
    )
    if corr.empty or not cols:
        return out
    dep = table["deploymentID"].astype("object")
    offset = np.rint(dep.map(corr["offset_s"]).fillna(0.0).to_numpy(dtype=float) * NS).astype(np.int64)
    drift = dep.map(corr["drift_s_per_day"]).fillna(0.0).to_numpy(dtype=float) / SECONDS_PER_DAY
    starts = deployments.set_index(deployments["deploymentID"].astype("object"))["deploymentStart"]
    ref = dep.map(starts)
    if (drift != 0).any() and ref[drift != 0].isna().any():
        missing = sorted(set(dep[(drift != 0) & ref.isna().to_numpy()]))
        raise ValueError(f"deployments lack deploymentStart for drifting clocks of {missing[:10]}")
    ref_ns = utc_nanoseconds(pd.to_datetime(ref.fillna(pd.Timestamp(0, tz="UTC")), utc=True), "deploymentStart")
    for col in cols:
        t = out[col]
        valid = t.notna().to_numpy()
        raw = utc_nanoseconds(t.fillna(pd.Timestamp(0, tz="UTC")), col)
        shifted = ref_ns + np.rint((raw - offset - ref_ns) / (1.0 + drift)).astype(np.int64)
        if not (raw % NS).any():  # camera clocks tick in seconds: keep whole seconds
            shifted = np.rint(shifted / NS).astype(np.int64) * NS
        fixed = pd.Series(pd.to_datetime(shifted, utc=True), index=out.index).where(valid)
        unit = getattr(t.dtype, "unit", "ns")
        out[col] = fixed.dt.as_unit(unit) if unit in ("s", "ms", "us", "ns") else fixed
    return out
