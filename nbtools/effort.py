"""Camera operation (station x day) and trap-nights, as camtrapR's ``cameraOperation``.

The camera-operation matrix says, for every station and calendar day, what fraction of the day a
camera was working there: 1 for a full day, a fraction on the days of set-up and retrieval (or of the
start and end of a malfunction), 0 on days inside a problem period (a camera was deployed but not
working), and NaN on days when no camera was deployed at the station -- before set-up, after
retrieval and in gaps between two deployments of one location. Trap-nights are its row sums.

>>> import pandas as pd
>>> dep = pd.DataFrame({"deploymentID": ["d1"], "locationID": ["A"],
...     "deploymentStart": pd.to_datetime(["2024-01-01 12:00"], utc=True),
...     "deploymentEnd": pd.to_datetime(["2024-01-04 18:00"], utc=True)})
>>> camera_operation(dep).round(2).to_numpy().tolist()
[[0.5, 1.0, 1.0, 0.75]]
>>> float(trap_nights(camera_operation(dep)).sum())
3.25

References
----------
Niedballa, J., Sollmann, R., Courtiol, A. and Wilting, A. (2016) camtrapR: an R package for efficient
camera trap data management. *Methods in Ecology and Evolution* 7, 1457-1462.
https://doi.org/10.1111/2041-210X.12600
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from .camtrapdp.columns import empty_column_message

__all__ = [
    "camera_operation",
    "deployments_from_camtrapr",
    "operation_settings",
    "trap_nights",
]

DAY_NS = 86_400 * 1_000_000_000
HOUR_NS = 3_600 * 1_000_000_000


def _local_ns(values: pd.Series | pd.DatetimeIndex, tz: str | None, what: str) -> np.ndarray:
    """Wall-clock time in ``tz`` as int64 ns (naive values are taken as already local)."""
    s = pd.Series(values)
    if len(s) and s.isna().all():
        raise ValueError(empty_column_message(what, len(s)))
    if s.isna().any():
        raise ValueError(f"{what} has {int(s.isna().sum())} missing timestamps")
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert(tz or "UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(s.dtype):
        raise TypeError(f"{what} must hold timestamps, got dtype {s.dtype}")
    return s.array.as_unit("ns").asi8.copy()


def _label_day(value: str | pd.Timestamp, tz: str | None) -> int:
    """Day number of a column label (a local date; aware timestamps are converted to ``tz`` first)."""
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise ValueError(f"start and end must be dates, got the missing value {value!r}")
    if stamp.tz is not None:
        stamp = stamp.tz_convert(tz or "UTC").tz_localize(None)
    return int(stamp.normalize().as_unit("ns").value // DAY_NS)


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of half-open intervals as a sorted list of disjoint intervals."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _subtract(interval: tuple[int, int], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``interval`` minus the union of ``holes``."""
    a, b = interval
    out = []
    for ha, hb in _merge(holes):
        if hb <= a or ha >= b:
            continue
        if ha > a:
            out.append((a, ha))
        a = max(a, hb)
    if b > a:
        out.append((a, b))
    return out


def _coverage(intervals: list[tuple[int, int]], day0: int, ndays: int) -> np.ndarray:
    """Fraction of every day (``day0 .. day0+ndays-1``, in shifted-local ns) covered by ``intervals``."""
    out = np.zeros(ndays)
    if not intervals:
        return out
    a = np.array([i[0] for i in intervals], np.int64)
    b = np.array([i[1] for i in intervals], np.int64)
    edges = (day0 + np.arange(ndays + 1, dtype=np.int64)) * DAY_NS
    first = np.clip(np.floor_divide(a, DAY_NS) - day0, 0, ndays)
    last = np.clip(np.floor_divide(b - 1, DAY_NS) - day0 + 1, 0, ndays)
    for lo, hi, s, e in zip(first, last, a, b):
        if hi <= lo:
            continue
        seg = np.minimum(e, edges[lo + 1 : hi + 1]) - np.maximum(s, edges[lo:hi])
        out[lo:hi] += np.clip(seg, 0, None) / DAY_NS
    return out


@renamed_parameters(tz="timezone")
def camera_operation(
    deployments: pd.DataFrame,
    by: Literal["locationID", "deploymentID"] = "locationID",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    problems: pd.DataFrame | None = None,
    *,
    cameras_independent: bool = False,
    timezone: str | None = None,
    day_start_hour: int = 0,
) -> pd.DataFrame:
    """Camera-operation matrix: the fraction of every day each station (or camera) was working.

    Mirrors camtrapR's ``cameraOperation``: one row per station, one column per calendar day from
    the first set-up to the last retrieval; set-up and retrieval days count the fraction of the day
    after set-up / before retrieval (0.5 when only dates are known and cameras are taken as set at
    noon, as camtrapR >= 2.1 does); problem periods are subtracted.

    Parameters
    ----------
    deployments : DataFrame
        Camtrap DP deployments: ``deploymentID``, ``locationID``, ``deploymentStart``,
        ``deploymentEnd`` (timezone-aware; naive values are read as local wall-clock time).
    by : {"locationID", "deploymentID"}, default "locationID"
        Rows per station (all deployments of a location combined) or per camera deployment
        (camtrapR's ``byCamera = TRUE``).
    start, end : date-like, optional
        First and last day of the matrix (default: first set-up and last retrieval day). Days outside
        all deployments are NaN.
    problems : DataFrame, optional
        Malfunction periods with columns ``start``, ``end`` (timestamps, same conventions as the
        deployments) and ``deploymentID`` (or ``locationID``, then for every deployment there).
        Inside them the camera counts as deployed but not working (0, as camtrapR).
    cameras_independent : bool, default False
        With several cameras at a location on one day: ``False`` gives the fraction of the day at least
        one camera worked (at most 1); ``True`` sums the cameras (camtrapR's
        ``camerasIndependent = TRUE``: 2 cameras are 2 trap-days).
    timezone : str, optional
        Time zone whose calendar days are the columns, e.g. ``"Asia/Vladivostok"``. Default: the
        zone of the timestamps (UTC for packages read with :func:`nbtools.camtrapdp.read_camtrapdp`).
    day_start_hour : int, default 0
        Hour at which a day (and an occasion) begins (camtrapR's ``occasionStartTime``), 0-23.

    Returns
    -------
    DataFrame
        Stations x days (float). Index: the ``by`` IDs (sorted); columns: a ``DatetimeIndex`` of the
        local dates, named ``"date"``. Values in [0, 1] (or up to the number of cameras when
        ``cameras_independent``), NaN where no camera was deployed. ``attrs`` hold ``tz``,
        ``day_start_hour``, ``by`` and ``cameras_independent`` for :func:`nbtools.indices.detection_history`.

    Notes
    -----
    A day covers ``[date + day_start_hour, date + 1 day + day_start_hour)`` in local wall-clock time;
    its value is the length of its intersection with the working periods divided by 24 h (so a day
    with a daylight-saving change counts 1 when the camera worked all of it). Problem periods may
    extend beyond their deployment (they are clipped) but must overlap it.
    camtrapR averages the fractions of cameras that are not independent; here the union of their
    working periods is used, which equals camtrapR whenever one camera works at a time (the usual
    case of successive deployments) and never exceeds 1.

    References
    ----------
    Niedballa, J. et al. (2016) camtrapR: an R package for efficient camera trap data management.
    *Methods in Ecology and Evolution* 7, 1457-1462. https://doi.org/10.1111/2041-210X.12600

    Examples
    --------
    >>> import pandas as pd
    >>> dep = pd.DataFrame({"deploymentID": ["d1", "d2"], "locationID": ["A", "A"],
    ...     "deploymentStart": pd.to_datetime(["2024-01-01 12:00", "2024-01-05 06:00"], utc=True),
    ...     "deploymentEnd": pd.to_datetime(["2024-01-03 12:00", "2024-01-06 00:00"], utc=True)})
    >>> camera_operation(dep).to_numpy().tolist()
    [[0.5, 1.0, 0.5, nan, 0.75]]
    """
    if by not in ("locationID", "deploymentID"):
        raise ValueError(f"by must be 'locationID' or 'deploymentID', got {by!r}")
    if not (isinstance(day_start_hour, int | np.integer) and 0 <= day_start_hour <= 23):
        raise ValueError(f"day_start_hour must be an integer 0-23, got {day_start_hour!r}")
    for col in ("deploymentID", "deploymentStart", "deploymentEnd") + ((by,) if by != "deploymentID" else ()):
        if col not in deployments.columns:
            raise ValueError(f"deployments have no {col!r} column")
    if len(deployments) == 0:
        raise ValueError("deployments is empty")
    if deployments["deploymentID"].duplicated().any():
        dup = deployments.loc[deployments["deploymentID"].duplicated(), "deploymentID"].tolist()
        raise ValueError(f"duplicate deploymentID(s): {dup[:10]}")
    if by == "locationID" and deployments["locationID"].isna().any():
        bad = deployments.loc[deployments["locationID"].isna(), "deploymentID"].tolist()
        raise ValueError(f"deployments without locationID: {bad[:10]} (use by='deploymentID')")
    if timezone is None:
        dtype = deployments["deploymentStart"].dtype
        timezone = str(dtype.tz) if isinstance(dtype, pd.DatetimeTZDtype) else None
    shift = day_start_hour * HOUR_NS
    dep_start = _local_ns(deployments["deploymentStart"], timezone, "deploymentStart") - shift
    dep_end = _local_ns(deployments["deploymentEnd"], timezone, "deploymentEnd") - shift
    bad = dep_end <= dep_start
    if bad.any():
        ids = deployments.loc[bad, "deploymentID"].tolist()
        raise ValueError(f"deploymentEnd is not after deploymentStart for deployment(s) {ids[:10]}")
    dep_ids = deployments["deploymentID"].astype("object").to_numpy()
    station = deployments[by].astype("object").to_numpy()

    # problem periods per deployment
    holes: dict[object, list[tuple[int, int]]] = {d: [] for d in dep_ids}
    if problems is not None and len(problems):
        for col in ("start", "end"):
            if col not in problems.columns:
                raise ValueError(f"problems have no {col!r} column")
        p_start = _local_ns(problems["start"], timezone, "problems.start") - shift
        p_end = _local_ns(problems["end"], timezone, "problems.end") - shift
        if (p_end < p_start).any():
            rows = problems.index[p_end < p_start].tolist()[:10]
            raise ValueError(f"problem period(s) ending before they start: rows {rows}")
        if "deploymentID" in problems.columns:
            targets = [[d] for d in problems["deploymentID"].astype("object")]
            unknown = sorted({t[0] for t in targets if t[0] not in holes}, key=str)
            if unknown:
                raise ValueError(f"problems name deploymentID(s) not in deployments: {unknown[:10]}")
        elif "locationID" in problems.columns:
            loc_of = deployments.groupby(deployments["locationID"].astype("object"))["deploymentID"].agg(list)
            unknown = sorted(set(problems["locationID"].astype("object")) - set(loc_of.index), key=str)
            if unknown:
                raise ValueError(f"problems name locationID(s) not in deployments: {unknown[:10]}")
            targets = [loc_of[loc] for loc in problems["locationID"].astype("object")]
        else:
            raise ValueError("problems need a 'deploymentID' or 'locationID' column")
        start_of = dict(zip(dep_ids, dep_start))
        end_of = dict(zip(dep_ids, dep_end))
        for row, ids, a, b in zip(problems.index, targets, p_start, p_end):
            if not any(a < end_of[d] and b > start_of[d] for d in ids):
                raise ValueError(f"problem period in row {row!r} does not overlap its deployment(s) {list(ids)[:5]}")
            for d in ids:
                holes[d].append((int(a), int(b)))

    first_day = int(np.floor_divide(dep_start.min(), DAY_NS))
    last_day = int(np.floor_divide(dep_end.max() - 1, DAY_NS))
    if start is not None:
        first_day = _label_day(start, timezone)
    if end is not None:
        last_day = _label_day(end, timezone)
    if last_day < first_day:
        raise ValueError(f"end ({end}) is before start ({start})")
    ndays = last_day - first_day + 1

    stations = sorted(pd.unique(station), key=lambda v: (str(type(v)), v))
    values = np.full((len(stations), ndays), np.nan)
    for row, st in enumerate(stations):
        members = np.flatnonzero(station == st)
        deployed = _coverage(_merge([(int(dep_start[i]), int(dep_end[i])) for i in members]), first_day, ndays)
        working_by_camera = [_subtract((int(dep_start[i]), int(dep_end[i])), holes[dep_ids[i]]) for i in members]
        if cameras_independent:
            working = sum((_coverage(w, first_day, ndays) for w in working_by_camera), np.zeros(ndays))
        else:
            working = _coverage(_merge([iv for w in working_by_camera for iv in w]), first_day, ndays)
        values[row] = np.where(deployed > 0, working, np.nan)

    days = pd.DatetimeIndex((first_day + np.arange(ndays)) * DAY_NS, name="date").as_unit("ns")
    out = pd.DataFrame(values, index=pd.Index(stations, name=by), columns=days)
    out.attrs.update(
        {
            "tz": timezone or "UTC",
            "day_start_hour": int(day_start_hour),
            "by": by,
            "cameras_independent": bool(cameras_independent),
        }
    )
    return out


def operation_settings(operation: pd.DataFrame) -> dict[str, object]:
    """The day convention of an operation matrix: ``tz``, ``day_start_hour`` and the station column.

    Read from ``operation.attrs`` (set by :func:`camera_operation`); defaults UTC, 0 and the index name.
    """
    if not isinstance(operation.columns, pd.DatetimeIndex):
        raise TypeError("operation must have a DatetimeIndex of days as columns (see camera_operation)")
    return {
        "tz": operation.attrs.get("tz", "UTC"),
        "day_start_hour": int(operation.attrs.get("day_start_hour", 0)),
        "by": operation.attrs.get("by", operation.index.name or "locationID"),
    }


def trap_nights(operation: pd.DataFrame) -> pd.Series:
    """Trap-nights per station: the row sums of the camera-operation matrix.

    Parameters
    ----------
    operation : DataFrame
        Output of :func:`camera_operation`.

    Returns
    -------
    Series
        Trap-nights (days of camera operation, fractional) per station; ``.sum()`` is the survey
        total. camtrapR's ``surveyReport`` column ``n_trap_nights_active``.

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> op = pd.DataFrame([[0.5, 1.0, np.nan]], index=pd.Index(["A"], name="locationID"),
    ...                   columns=pd.date_range("2024-01-01", periods=3, name="date"))
    >>> trap_nights(op).tolist()
    [1.5]
    """
    if ((operation < 0).to_numpy(na_value=False)).any():
        raise ValueError("operation has negative values")
    if np.isinf(operation.to_numpy(dtype=float, na_value=np.nan)).any():
        raise ValueError("operation has infinite values (days are fractions of 0-1 per camera, NaN = not deployed)")
    return operation.sum(axis=1, skipna=True).rename("trap_nights")


def _parse_dates(column: pd.Series, date_format: str, what: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column
    parsed = pd.to_datetime(column.astype("object").where(column.notna(), None), format=date_format, errors="coerce")
    bad = parsed.isna() & column.notna() & (column.astype("object").astype(str).str.strip() != "")
    if bad.any():
        rows = column.index[bad].tolist()[:5]
        raise ValueError(
            f"{what}: values {column[bad].tolist()[:5]} (rows {rows}) do not match date_format {date_format!r}"
        )
    return parsed


@renamed_parameters(tz="timezone")
def deployments_from_camtrapr(
    camtraps: pd.DataFrame,
    timezone: str,
    station_col: str = "Station",
    setup_col: str = "Setup_date",
    retrieval_col: str = "Retrieval_date",
    camera_col: str | None = None,
    date_format: str = "%Y-%m-%d",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a camtrapR camera-trap station table (``CTtable``) into deployments and problem periods.

    Parameters
    ----------
    camtraps : DataFrame
        One row per station (or station and camera): set-up and retrieval dates and optional
        ``ProblemX_from`` / ``ProblemX_to`` columns (X = 1, 2, ...).
    timezone : str
        Time zone of the dates (camtrapR's ``timeZone``), e.g. ``"Asia/Kuala_Lumpur"``.
    station_col, setup_col, retrieval_col, camera_col : str
        Column names (camtrapR's ``stationCol``, ``setupCol``, ``retrievalCol``, ``cameraCol``).
    date_format : str, default "%Y-%m-%d"
        ``strptime`` format of the date columns, e.g. ``"%d/%m/%Y"`` for camtrapR's sample table or
        ``"%Y-%m-%d %H:%M"`` for date-times.

    Returns
    -------
    deployments : DataFrame
        ``deploymentID`` (the station, or ``station__CAM_camera``), ``locationID``, ``cameraID``,
        ``deploymentStart``, ``deploymentEnd`` (UTC) and the other columns of the table.
    problems : DataFrame
        ``deploymentID``, ``start``, ``end`` (UTC), one row per problem period.

    Notes
    -----
    As camtrapR (>= 2.1): when the format has no hour, cameras count as set up and retrieved at 12:00
    (half a day of effort), a problem period runs from 00:00 of its first date (or the set-up time
    on the set-up day) to the end of its last date (or the retrieval time on the retrieval day).

    Examples
    --------
    >>> import pandas as pd
    >>> ct = pd.DataFrame({"Station": ["A"], "Setup_date": ["02/04/2009"], "Retrieval_date": ["14/05/2009"],
    ...                    "Problem1_from": [None], "Problem1_to": [None]})
    >>> dep, prob = deployments_from_camtrapr(ct, timezone="UTC", date_format="%d/%m/%Y")
    >>> str(dep["deploymentStart"].iloc[0]), len(prob)
    ('2009-04-02 12:00:00+00:00', 0)
    """
    for col in (station_col, setup_col, retrieval_col) + ((camera_col,) if camera_col else ()):
        if col not in camtraps.columns:
            raise ValueError(f"station table has no column {col!r}")
    has_time = any(code in date_format for code in ("%H", "%I", "%M", "%S", "%T", "%R", "%c"))
    setup = _parse_dates(camtraps[setup_col], date_format, setup_col)
    retrieval = _parse_dates(camtraps[retrieval_col], date_format, retrieval_col)
    if setup.isna().any() or retrieval.isna().any():
        rows = camtraps.index[setup.isna() | retrieval.isna()].tolist()
        raise ValueError(f"missing set-up or retrieval date in rows {rows[:10]}")
    dates_only = not has_time and not pd.api.types.is_datetime64_any_dtype(camtraps[setup_col].dtype)
    noon = pd.Timedelta(hours=12) if dates_only else pd.Timedelta(0)
    setup = setup + noon
    retrieval = retrieval + noon
    if (retrieval <= setup).any():
        rows = camtraps.loc[retrieval <= setup, station_col].tolist()
        raise ValueError(f"retrieval is not after set-up for station(s) {rows[:10]}")

    station = camtraps[station_col].astype(str)
    if camera_col is None:
        dep_id = station
        camera = pd.Series(pd.NA, index=camtraps.index, dtype="string")
    else:
        camera = camtraps[camera_col].astype(str)
        dep_id = station + "__CAM_" + camera
    if dep_id.duplicated().any():
        raise ValueError(
            f"station(s) {dep_id[dep_id.duplicated()].tolist()[:10]} appear more than once; pass camera_col "
            "(several cameras per station) or split the table by session"
        )

    def localise(values: pd.Series) -> pd.Series:
        return values.dt.tz_localize(timezone, ambiguous="raise", nonexistent="shift_forward").dt.tz_convert("UTC")

    others = camtraps.drop(columns=[c for c in camtraps.columns if re.fullmatch(r"Problem\d+_(from|to)", str(c))])
    deployments = others.copy()
    deployments.insert(0, "deploymentID", dep_id.to_numpy())
    deployments.insert(1, "locationID", station.to_numpy())
    deployments.insert(2, "cameraID", camera.to_numpy())
    deployments["deploymentStart"] = localise(setup).to_numpy()
    deployments["deploymentEnd"] = localise(retrieval).to_numpy()
    deployments["deploymentStart"] = pd.to_datetime(deployments["deploymentStart"], utc=True)
    deployments["deploymentEnd"] = pd.to_datetime(deployments["deploymentEnd"], utc=True)
    deployments = deployments.reset_index(drop=True)

    rows = []
    numbers = sorted({int(m.group(1)) for c in camtraps.columns if (m := re.fullmatch(r"Problem(\d+)_from", str(c)))})
    for k in numbers:
        f_col, t_col = f"Problem{k}_from", f"Problem{k}_to"
        if t_col not in camtraps.columns:
            raise ValueError(f"column {f_col!r} has no partner {t_col!r}")
        p_from = _parse_dates(camtraps[f_col], date_format, f_col)
        p_to = _parse_dates(camtraps[t_col], date_format, t_col)
        for i in range(len(camtraps)):
            a, b = p_from.iloc[i], p_to.iloc[i]
            if pd.isna(a) and pd.isna(b):
                continue
            if pd.isna(a) or pd.isna(b):
                raise ValueError(f"row {camtraps.index[i]}: {f_col} and {t_col} must both be given or both empty")
            if dates_only:
                b = b + pd.Timedelta(days=1)  # to the end of the last problem day
                a = max(a, setup.iloc[i])
                b = min(b, retrieval.iloc[i])
            if b < a:
                raise ValueError(f"row {camtraps.index[i]}: problem ends before it starts ({a} > {b})")
            if a < setup.iloc[i] or b > retrieval.iloc[i]:
                raise ValueError(f"row {camtraps.index[i]}: problem period {a} - {b} is outside set-up and retrieval")
            rows.append((dep_id.iloc[i], a, b))
    problems = pd.DataFrame(rows, columns=["deploymentID", "start", "end"])
    if len(problems):
        problems["start"] = localise(problems["start"])
        problems["end"] = localise(problems["end"])
    else:
        problems["start"] = pd.Series(dtype="datetime64[ns, UTC]")
        problems["end"] = pd.Series(dtype="datetime64[ns, UTC]")
    return deployments, problems
