"""Evidence to look at beside the findings: images per deployment and local day.

A silence, a burst of blank triggers or a camera that ended early shows in the number of images each
camera at a location took per day; :func:`daily_media` counts them (the Quality explorer plots them).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["daily_media"]


def daily_media(media: pd.DataFrame | None, timezone: str) -> pd.DataFrame:
    """Images per deployment and local calendar day (the evidence behind silences and bursts).

    Parameters
    ----------
    media : DataFrame or None
        Camtrap DP media: ``deploymentID`` and ``timestamp`` (timezone-aware, or naive UTC).
    timezone : str
        The zone whose calendar days are counted (the study's zone).

    Returns
    -------
    DataFrame
        ``deploymentID`` (str), ``date`` (naive local day, midnight) and ``n_media`` (images that day),
        one row per deployment and day with images, sorted by deployment and date; empty (same columns)
        without media.

    Examples
    --------
    >>> import pandas as pd
    >>> media = pd.DataFrame({"deploymentID": ["d1", "d1", "d1"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 13:00", "2024-01-01 15:30", "2024-01-02 02:00"], utc=True)})
    >>> daily_media(media, "Asia/Vladivostok").to_dict("records")  # 15:30 UTC is 01:30 next day at UTC+10
    [{'deploymentID': 'd1', 'date': Timestamp('2024-01-01 00:00:00'), 'n_media': 1}, {'deploymentID': 'd1', 'date': Timestamp('2024-01-02 00:00:00'), 'n_media': 2}]
    """
    if media is None or media.empty:
        return pd.DataFrame(
            {
                "deploymentID": pd.Series(dtype=object),
                "date": pd.Series(dtype="datetime64[ns]"),
                "n_media": pd.Series(dtype="int64"),
            }
        )
    day = pd.to_datetime(media["timestamp"], utc=True).dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    counts = pd.DataFrame({"deploymentID": media["deploymentID"].astype(str).to_numpy(), "date": day.to_numpy()})
    return counts.groupby(["deploymentID", "date"]).size().rename("n_media").reset_index()
