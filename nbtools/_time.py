"""Time helpers shared by the modules: day-length constants, UTC nanoseconds and seconds, local days.

Private to nbtools (the module name starts with an underscore, so it is not part of the public API), but
its names are public so that any module of the package may import them. It sits in the readers layer and
imports only numpy and pandas.

Conventions
-----------
* Instants are UTC: ``int64`` nanoseconds since 1970-01-01T00:00Z (pandas' ``asi8``) where tables are
  processed in bulk, ``int64`` seconds where the simulator writes whole-second clocks.
* A *local day* is a calendar date in a time zone, counted as days since 1970-01-01 (``datetime64[D]``
  as integers).
* Constants say their unit in their name: ``SECONDS_PER_DAY`` (86 400) and ``NANOSECONDS_PER_DAY``
  (86 400 x 10^9) are different numbers, and code that says ``DAY`` has to say which it means.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "HOURS_PER_DAY",
    "MINUTES_PER_DAY",
    "NANOSECONDS_PER_DAY",
    "NANOSECONDS_PER_HOUR",
    "NANOSECONDS_PER_SECOND",
    "SECONDS_PER_DAY",
    "SECONDS_PER_HOUR",
    "SECONDS_PER_MINUTE",
    "datetime_index",
    "day_of_year",
    "local_days",
    "local_to_utc_seconds",
    "utc_nanoseconds",
    "utc_offset_hours_at_noon",
    "utc_seconds_to_iso",
    "utc_seconds_to_timestamps",
    "utc_timestamps_from_nanoseconds",
]

HOURS_PER_DAY = 24
MINUTES_PER_DAY = 1_440
SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3_600
SECONDS_PER_DAY = 86_400
NANOSECONDS_PER_SECOND = 1_000_000_000
NANOSECONDS_PER_HOUR = SECONDS_PER_HOUR * NANOSECONDS_PER_SECOND
NANOSECONDS_PER_DAY = SECONDS_PER_DAY * NANOSECONDS_PER_SECOND


def datetime_index(values: ArrayLike, name: str) -> pd.DatetimeIndex:
    """A :class:`pandas.DatetimeIndex` of ``values``, refusing missing timestamps.

    Parameters
    ----------
    values : sequence of datetimes
        Timestamps, timezone-aware or naive (a Series keeps its timezone-aware dtype).
    name : str
        What the values are, for the error message.

    Returns
    -------
    pandas.DatetimeIndex
        With the time zone of ``values`` (none when they are naive).

    Raises
    ------
    ValueError
        When a timestamp is missing (the message gives how many and the first position).
    """
    if isinstance(values, pd.Series):
        values = values.array  # keeps the timezone-aware dtype (to_numpy would give objects)
    idx = pd.DatetimeIndex(pd.to_datetime(values))
    missing = idx.isna()
    if missing.any():
        raise ValueError(
            f"{name}: {int(missing.sum())} missing timestamp(s) (first at position {int(np.argmax(missing))})"
        )
    return idx


def utc_nanoseconds(values: pd.Series | pd.Index | np.ndarray, what: str) -> NDArray[np.int64]:
    """UTC instants as ``int64`` nanoseconds since 1970-01-01T00:00Z.

    Parameters
    ----------
    values : Series, Index or array of timestamps
        Timezone-aware timestamps are converted to UTC; naive ones are taken as UTC already.
    what : str
        What the values are (e.g. a column name), for the error message.

    Returns
    -------
    numpy.ndarray of int64
        A fresh array (missing timestamps give pandas' NaT value, the minimum int64).

    Raises
    ------
    TypeError
        When ``values`` do not hold timestamps.
    """
    s = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        raise TypeError(f"{what} must hold timestamps, got dtype {s.dtype}")
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return s.array.as_unit("ns").asi8.copy()


def utc_timestamps_from_nanoseconds(ns: NDArray[np.int64]) -> pd.api.extensions.ExtensionArray:
    """``datetime64[ns, UTC]`` timestamps from ``int64`` UTC nanoseconds (without intermediate copies)."""
    return pd.Series(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"), copy=False).dt.tz_localize("UTC").array


def local_to_utc_seconds(local: Any, timezone: str) -> NDArray[np.int64]:
    """Local wall-clock times (strings or ``datetime64``) in ``timezone`` as UTC ``int64`` seconds since 1970."""
    index = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(local))).tz_localize(timezone)
    return (index.tz_convert("UTC").as_unit("s").asi8).astype(np.int64)


def utc_seconds_to_iso(seconds: Any, timezone: str) -> Any:
    """UTC seconds since 1970 as ISO 8601 text with the offset of ``timezone`` (a list for arrays)."""
    values = pd.to_datetime(np.atleast_1d(np.asarray(seconds, dtype=np.int64)), unit="s", utc=True).tz_convert(timezone)
    text = [t.isoformat() for t in values]
    return text[0] if np.ndim(seconds) == 0 else text


def utc_seconds_to_timestamps(seconds: ArrayLike) -> pd.Series:
    """UTC seconds since 1970 as a Series of ``datetime64[ns, UTC]``."""
    return pd.Series(pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s", utc=True)).astype(
        "datetime64[ns, UTC]"
    )


def local_days(utc_seconds: ArrayLike, timezone: str) -> NDArray[np.int64]:
    """Local calendar dates (days since 1970-01-01) of UTC instants given in seconds since 1970.

    Parameters
    ----------
    utc_seconds : array of int
        UTC instants, seconds since 1970-01-01T00:00Z.
    timezone : str
        IANA zone name (e.g. ``"Asia/Vladivostok"``) or fixed offset.

    Returns
    -------
    numpy.ndarray of int64
        The date of each instant on the wall clock of ``timezone``, as days since 1970-01-01.
    """
    utc = pd.DatetimeIndex(pd.to_datetime(np.asarray(utc_seconds, dtype=np.int64), unit="s", utc=True))
    wall_seconds = utc.tz_convert(timezone).tz_localize(None).as_unit("s").asi8
    return np.asarray(wall_seconds // SECONDS_PER_DAY, dtype=np.int64)


def day_of_year(days: ArrayLike) -> NDArray[np.int64]:
    """Day of the year (1 = 1 January) of dates given as ``datetime64[D]`` (or days since 1970-01-01)."""
    d = np.asarray(days).astype("datetime64[D]")
    return (d - d.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64) + 1


def utc_offset_hours_at_noon(local_dates: pd.DatetimeIndex, timezone: str) -> NDArray[np.float64]:
    """UTC offset (hours) of ``timezone`` at local noon of each date (safe on days with a clock change)."""
    noon = (local_dates.normalize() + pd.Timedelta(hours=12)).tz_localize(timezone)
    return noon.map(lambda t: t.utcoffset().total_seconds() / 3600.0).to_numpy(dtype=float)
