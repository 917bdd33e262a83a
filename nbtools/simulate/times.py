"""Clock arithmetic of the simulator: whole UTC seconds, local dates, ISO text.

The simulator keeps every instant as ``int64`` seconds since 1970-01-01T00:00Z (cameras write whole
seconds) and converts to text or ``datetime64[ns, UTC]`` only when it writes a table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DAY", "HALF_PI", "TWO_PI", "date_s", "iso_text", "local_to_utc_s", "to_timestamps"]

TWO_PI = 2.0 * np.pi


#: Seconds in a day.
DAY = 86_400


HALF_PI = np.pi / 2


def local_to_utc_s(local: Any, timezone: str) -> np.ndarray:
    """Local wall-clock times (strings or datetime64) to UTC epoch seconds."""
    index = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(local))).tz_localize(timezone)
    return (index.tz_convert("UTC").as_unit("s").asi8).astype(np.int64)


def iso_text(seconds: Any, timezone: str) -> Any:
    """Epoch seconds as ISO 8601 text with the zone's offset (a list for arrays)."""
    values = pd.to_datetime(np.atleast_1d(np.asarray(seconds, dtype=np.int64)), unit="s", utc=True).tz_convert(timezone)
    text = [t.isoformat() for t in values]
    return text[0] if np.ndim(seconds) == 0 else text


def to_timestamps(seconds: np.ndarray) -> pd.Series:
    """Epoch seconds as ``datetime64[ns, UTC]``."""
    return pd.Series(pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s", utc=True)).astype(
        "datetime64[ns, UTC]"
    )


def date_s(text: str, timezone: str) -> int:
    """A local wall-clock time (ISO text) as UTC epoch seconds."""
    return int(local_to_utc_s(text, timezone)[0])
