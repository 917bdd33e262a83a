"""Timestamps as spreadsheets and exports write them, read column by column.

Exports that went through Excel hold dates such as ``5/5/19 17:21`` (month first, two-digit
year, no seconds, as Excel writes in the US locale) or ``05.05.2019 17:21`` (day first, as in
much of Europe), beside ISO 8601 (``2019-05-05 17:21:00``) as Wildlife Insights writes. Whether
``5/4/19`` is the 4th of May or the 5th of April cannot be told from one cell, only from the
whole column: a cell whose first field exceeds 12 can only be day-first, one whose second field
exceeds 12 only month-first. :func:`detect_timestamp_format` decides the order of a column that
way (a pure function); :func:`read_clock_times` reads the column with pandas, trying a list of
``strptime`` formats column-wise (each format on all cells not read yet), and
:func:`clock_to_utc` turns local clock times into UTC moments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "ISO8601",
    "TimestampFormat",
    "candidate_formats",
    "clock_to_utc",
    "detect_timestamp_format",
    "read_clock_times",
]

#: The name pandas gives ISO 8601 (``2019-05-05``, ``2019-05-05 17:21``, ``2019-05-05T17:21:00``).
ISO8601 = "ISO8601"

Order = Literal["month-first", "day-first"]

_DATE_FIELDS = {"month-first": ("%m", "%d"), "day-first": ("%d", "%m")}
_SEPARATORS = ("/", ".")
_YEARS = ("%y", "%Y")
_TIMES = (" %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", "")
# a time of day followed by a UTC offset: such cells are moments, not clock times
_OFFSET = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
# the range of datetime64[ns]
_EARLIEST, _LATEST = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")


def candidate_formats(order: Order) -> tuple[str, ...]:
    """The ``strptime`` formats of dates in ``order`` that are tried, after ISO 8601.

    Day, month and year separated by ``/`` or ``.``; two- or four-digit years (``%y`` reads
    00-68 as 2000-2068 and 69-99 as 1969-1999); then a time with or without seconds (24-hour or
    with AM/PM), or none (a date alone is midnight).

    Examples
    --------
    >>> candidate_formats("month-first")[:3]
    ('%m/%d/%y %H:%M', '%m/%d/%y %H:%M:%S', '%m/%d/%y %I:%M %p')
    >>> len(candidate_formats("day-first"))
    20
    """
    first, second = _DATE_FIELDS[order]
    return tuple(f"{first}{sep}{second}{sep}{year}{time}" for sep in _SEPARATORS for year in _YEARS for time in _TIMES)


@dataclass(frozen=True)
class TimestampFormat:
    """How a column of timestamps is read.

    Attributes
    ----------
    order : {"iso", "month-first", "day-first", "given", "mixed"}
        ``iso`` when every readable cell is ISO 8601; ``month-first`` or ``day-first`` for dates
        such as ``5/4/19``; ``given`` for a format the user gave; ``mixed`` when some cells can
        only be read day-first and others only month-first (see ``month_first``, ``day_first``).
    formats : tuple of str
        The formats tried, in order (``"ISO8601"`` for ISO 8601).
    assumed : bool
        True when no cell of the column tells the order (every first and second field is 12
        or less): ``order`` is then the ``default`` passed to :func:`detect_timestamp_format`.
    month_first, day_first : tuple
        Index labels of the cells that only month-first (second field above 12), respectively
        only day-first (first field above 12), can read: the evidence for the order.
    example : str or None
        A cell read with a date order (for messages), if any.
    """

    order: str
    formats: tuple[str, ...]
    assumed: bool = False
    month_first: tuple[Any, ...] = ()
    day_first: tuple[Any, ...] = ()
    example: str | None = None

    @property
    def conflict(self) -> bool:
        """True when the column holds cells of both proven orders."""
        return bool(self.month_first) and bool(self.day_first)

    def with_order(self, order: Order, assumed: bool = True) -> TimestampFormat:
        """The same column read in ``order`` (for a column that cannot decide)."""
        return dataclasses.replace(self, order=order, formats=(ISO8601, *candidate_formats(order)), assumed=assumed)

    def other_order_format(self) -> str:
        """A ``timestamp_format`` that reads :attr:`example` in the other order (for messages)."""
        if self.order not in _DATE_FIELDS or self.example is None:
            return "%d/%m/%y %H:%M"
        other = "day-first" if self.order == "month-first" else "month-first"
        mine, theirs = candidate_formats(self.order), candidate_formats(other)  # type: ignore[arg-type]
        for fmt, swapped in zip(mine, theirs):
            if pd.notna(pd.to_datetime(pd.Series([self.example]), format=fmt, errors="coerce").iloc[0]):
                return swapped
        return theirs[0]

    def describe(self) -> str:
        """The formats tried, in a few words (for messages).

        Examples
        --------
        >>> detect_timestamp_format(["5/4/19 10:00"], given="%d/%m/%y %H:%M").describe()
        '%d/%m/%y %H:%M (given), %d/%m/%y, ISO 8601'
        >>> print(TimestampFormat("iso", (ISO8601,)).describe())
        ISO 8601
        """
        if self.order == "given":
            return ", ".join(
                f"{f} (given)" if i == 0 else ("ISO 8601" if f == ISO8601 else f) for i, f in enumerate(self.formats)
            )
        if self.order not in _DATE_FIELDS:
            return "ISO 8601"
        first, second = _DATE_FIELDS[self.order]
        dates = ", ".join(f"{first}{sep}{second}{sep}{year}" for sep in _SEPARATORS for year in _YEARS)
        times = ", ".join(t.strip() for t in _TIMES if t)
        return f"ISO 8601, or {self.order} {dates} followed by {times} or no time"


def _text(values: Iterable[Any] | pd.Series) -> pd.Series:
    """Cells as stripped text, None where missing (keeping a Series' index)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    text = series.astype(object).where(series.notna(), None)
    text = pd.Series([None if v is None else str(v).strip() or None for v in text], index=series.index, dtype=object)
    return text


def _strings(cells: np.ndarray) -> pd.Series:
    """Distinct cells as Arrow strings (vectorised string operations)."""
    return pd.Series(np.asarray(cells, dtype=object), dtype="string[pyarrow]")


def _with_offset(cells: np.ndarray) -> np.ndarray:
    return _strings(cells).str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)


def _date_formats(order: Order) -> tuple[str, ...]:
    """The date parts of :func:`candidate_formats` (what tells the order)."""
    first, second = _DATE_FIELDS[order]
    return tuple(f"{first}{sep}{second}{sep}{year}" for sep in _SEPARATORS for year in _YEARS)


def _parse(cells: pd.Series, fmt: str) -> pd.Series:
    if fmt == ISO8601:
        # as UTC so that a stray offset cannot make pandas refuse the column; naive cells keep
        # their clock time
        parsed = pd.to_datetime(cells, format=ISO8601, errors="coerce", utc=True).dt.tz_localize(None)
    else:
        parsed = pd.to_datetime(cells, format=fmt, errors="coerce")
    return parsed.where((parsed > _EARLIEST) & (parsed < _LATEST))


def _read_unique(cells: np.ndarray, formats: Iterable[str], sample: int = 500) -> pd.Series:
    """Each distinct cell read by the one of ``formats`` that reads it (naive, NaT if none).

    Every format is applied, with :func:`pandas.to_datetime`, to all the cells no format has
    read yet; the formats that read most of a sample of the cells go first, so that a column
    written in one format is read in one pass. The formats read disjoint sets of cells (they
    differ in separators, digits of the year or the time's form, or read a cell alike), so their
    order does not change the result.
    """
    formats = list(formats)
    out = pd.Series(pd.NaT, index=pd.RangeIndex(len(cells)), dtype="datetime64[ns]")
    if len(cells) > sample and len(formats) > 1:
        probe = pd.Series(cells[np.linspace(0, len(cells) - 1, sample).astype(int)], dtype=object)
        hits = {fmt: int(_parse(probe, fmt).notna().sum()) for fmt in formats}
        formats.sort(key=lambda fmt: -hits[fmt])
    todo = np.ones(len(cells), dtype=bool)
    for fmt in formats:
        if not todo.any():
            break
        parsed = _parse(pd.Series(cells[todo], dtype=object), fmt)
        ok = parsed.notna().to_numpy()
        positions = np.flatnonzero(todo)[ok]
        out.iloc[positions] = parsed[ok].to_numpy().astype("datetime64[ns]")
        todo[positions] = False
    return out


def detect_timestamp_format(
    values: Iterable[Any] | pd.Series, given: str | None = None, default: Order = "month-first"
) -> TimestampFormat:
    """How to read a column of timestamps: ISO 8601, month-first or day-first, decided by the whole column.

    Parameters
    ----------
    values : iterable or pandas.Series
        The cells as text (missing ones None, NaN or empty). The labels of a Series' index are
        the ones :attr:`TimestampFormat.month_first` and ``day_first`` name.
    given : str, optional
        A ``strptime`` format the user gave (``"%d/%m/%y %H:%M"``); it wins: nothing is
        detected. Its date part alone (before the first space: a date without time is
        midnight) and ISO 8601 are still read.
    default : {"month-first", "day-first"}, default "month-first"
        The order of a column that cannot tell (``assumed=True``). Month-first is what Excel
        writes in the US locale and what Wildlife Insights exports contain.

    Returns
    -------
    TimestampFormat
        The order, the formats to try and the evidence. A column with cells that only
        month-first reads and cells that only day-first reads is ``order="mixed"``
        (``conflict`` True); the caller reports the rows named in ``month_first`` and
        ``day_first``.

    Examples
    --------
    >>> detect_timestamp_format(["4/28/19 00:32", "5/5/19 17:21"]).order
    'month-first'
    >>> detect_timestamp_format(["28.04.2019 00:32:10", "05.05.2019 17:21:00"]).order
    'day-first'
    >>> found = detect_timestamp_format(["5/4/19 10:00", "1/2/2019"])
    >>> found.order, found.assumed
    ('month-first', True)
    >>> detect_timestamp_format(["2019-05-05 17:21:00", "2019-05-05T17:21"]).order
    'iso'
    """
    if given is not None:
        date_part = given.split(" ", 1)[0]
        return TimestampFormat("given", (given, date_part, ISO8601) if date_part != given else (given, ISO8601))
    text = _text(values)
    text = text[text.notna()]
    codes, cells = pd.factorize(text.to_numpy(dtype=object))  # rows -> distinct cells
    cells = np.asarray(cells, dtype=object)
    # the order is a matter of the date, before the first space (a time may follow it); cells
    # with a UTC offset are ISO 8601
    strings = _strings(cells)
    date_part = strings.str.replace(r"\s.*$", "", regex=True).where(~_with_offset(cells))
    date_codes, dates = pd.factorize(date_part.to_numpy(dtype=object))  # distinct cells -> distinct dates
    dates = np.asarray(dates, dtype=object)
    iso = _read_unique(dates, (ISO8601,)).notna().to_numpy()
    month = ~iso & _read_unique(dates, _date_formats("month-first")).notna().to_numpy()
    day = ~iso & _read_unique(dates, _date_formats("day-first")).notna().to_numpy()

    def rows(of_dates: np.ndarray) -> np.ndarray:
        """Positions of the rows whose date is one of ``of_dates`` (a mask over distinct dates)."""
        of_cells = np.append(of_dates, False)[date_codes]  # code -1 (an offset cell) -> False
        return np.flatnonzero(of_cells[codes])

    month_rows, day_rows = rows(month & ~day), rows(day & ~month)
    proof_month, proof_day = tuple(text.index[month_rows]), tuple(text.index[day_rows])
    if proof_month and proof_day:
        return TimestampFormat("mixed", (ISO8601,), False, proof_month, proof_day, None)
    if proof_month or proof_day:
        order: Order = "month-first" if proof_month else "day-first"
        example = str(text.iloc[(month_rows if proof_month else day_rows)[0]])
        return TimestampFormat(order, (ISO8601, *candidate_formats(order)), False, proof_month, proof_day, example)
    readable = rows(month | day)
    if len(readable):
        example = str(text.iloc[readable[0]])
        return TimestampFormat(default, (ISO8601, *candidate_formats(default)), True, example=example)
    return TimestampFormat("iso", (ISO8601,))


def read_clock_times(values: Iterable[Any] | pd.Series, found: TimestampFormat) -> pd.Series:
    """Cells read as clock times (naive ``datetime64[ns]``), NaT where no format of ``found`` reads them.

    Each format is applied to the whole column (to the cells no earlier format read), with
    :func:`pandas.to_datetime`. Cells with a UTC offset (``2019-05-05T17:21:00+03:00``) are
    moments, not clock times: they are NaT here (see :func:`clock_to_utc`).

    Examples
    --------
    >>> found = detect_timestamp_format(["4/28/19 00:32", "5/5/19 17:21"])
    >>> read_clock_times(["4/28/19 00:32", "2019-05-05 17:21:33", "13/13/19 25:61", None], found).tolist()
    [Timestamp('2019-04-28 00:32:00'), Timestamp('2019-05-05 17:21:33'), NaT, NaT]
    """
    text = _text(values)
    present = np.flatnonzero(text.notna().to_numpy())
    codes, cells = pd.factorize(text.iloc[present].to_numpy(dtype=object))
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if len(cells):
        cells = np.asarray(cells, dtype=object)
        parsed = _read_unique(cells, found.formats).to_numpy().copy()
        parsed[_with_offset(cells)] = np.datetime64("NaT")
        out.iloc[present] = parsed[codes]
    return out


def clock_to_utc(values: Iterable[Any] | pd.Series, clock: pd.Series, timezone: str) -> pd.Series:
    """Local clock times in ``timezone`` as UTC moments (``datetime64[ns, UTC]``).

    Parameters
    ----------
    values : iterable or pandas.Series
        The cells the clock times were read from: cells with a UTC offset are read as the
        moments they state.
    clock : pandas.Series
        From :func:`read_clock_times` (NaT stays NaT).
    timezone : str
        IANA zone or fixed offset of the clocks. A clock time that occurs twice (when daylight
        saving time ends) is read as standard time; one that does not occur (when it starts) is
        moved forward.
    """
    text = _text(values)
    local = clock.dt.tz_localize(timezone, ambiguous=np.zeros(len(clock), dtype=bool), nonexistent="shift_forward")
    utc = local.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    offset = _with_offset(text)
    if offset.any():
        moments = pd.to_datetime(text[offset], format=ISO8601, errors="coerce", utc=True)
        utc.iloc[np.flatnonzero(offset)] = moments.astype("datetime64[ns, UTC]").to_numpy()
    return utc
