"""camtrapR's record tables as Camtrap DP-like observations (the input of :func:`nbtools.events.independent_events`)."""

from __future__ import annotations

import pandas as pd

from nbtools._deprecate import renamed_parameters

__all__ = ["observations_from_camtrapr"]


@renamed_parameters(tz="timezone")
def observations_from_camtrapr(
    record_table: pd.DataFrame,
    timezone: str,
    station_col: str = "Station",
    species_col: str = "Species",
    datetime_col: str = "DateTimeOriginal",
    datetime_format: str = "%Y-%m-%d %H:%M:%S",
    individual_col: str | None = None,
    camera_col: str | None = None,
) -> pd.DataFrame:
    """Turn a camtrapR record table into Camtrap DP-like media-level observations.

    Parameters
    ----------
    record_table : DataFrame
        camtrapR ``recordTable`` / ``recordTableIndividual`` output (one row per record).
    timezone : str
        Time zone of the record times (camtrapR's ``timeZone``), e.g. ``"Asia/Kuala_Lumpur"``.
    station_col, species_col, datetime_col : str
        Column names as in camtrapR (``stationCol``, ``speciesCol``, ``recordDateTimeCol``).
    datetime_format : str
        ``strptime`` format of ``datetime_col``.
    individual_col, camera_col : str, optional
        Columns with individual and camera IDs.

    Returns
    -------
    DataFrame
        ``observationID``, ``deploymentID`` (the station, or ``station__CAM_camera`` as camtrapR
        names cameras), ``locationID`` (the station), ``mediaID`` (``FileName`` when present),
        ``eventStart`` = ``eventEnd`` (UTC), ``observationLevel`` "media", ``observationType``
        "animal", ``scientificName``, ``count`` (<NA>) and ``individualID`` (when given).

    Examples
    --------
    >>> import pandas as pd
    >>> rt = pd.DataFrame({"Station": ["A"], "Species": ["PBE"], "DateTimeOriginal": ["2009-04-21 00:40:00"]})
    >>> observations_from_camtrapr(rt, timezone="Asia/Kuala_Lumpur")["eventStart"].iloc[0]
    Timestamp('2009-04-20 16:40:00+0000', tz='UTC')
    """
    for col in (station_col, species_col, datetime_col):
        if col not in record_table.columns:
            raise ValueError(f"record table has no column {col!r}")
    when = pd.to_datetime(record_table[datetime_col].astype(str), format=datetime_format, errors="coerce")
    if when.isna().any():
        bad = record_table.index[when.isna()][:5].tolist()
        raise ValueError(
            f"{int(when.isna().sum())} values of {datetime_col!r} do not match {datetime_format!r} (rows {bad})"
        )
    when = when.dt.tz_localize(timezone, ambiguous="raise", nonexistent="raise").dt.tz_convert("UTC")
    station = record_table[station_col].astype(str)
    deployment = station if camera_col is None else station + "__CAM_" + record_table[camera_col].astype(str)
    out = pd.DataFrame(
        {
            "observationID": [f"r{i}" for i in range(len(record_table))],
            "deploymentID": deployment.to_numpy(),
            "locationID": station.to_numpy(),
            "eventStart": when,
            "eventEnd": when,
            "observationLevel": "media",
            "observationType": "animal",
            "scientificName": record_table[species_col].astype(str).to_numpy(),
            "count": pd.array([pd.NA] * len(record_table), dtype="Int64"),
        },
        index=record_table.index,
    )
    if "FileName" in record_table.columns:
        out.insert(3, "mediaID", record_table["FileName"].astype(str).to_numpy())
    if individual_col is not None:
        if individual_col not in record_table.columns:
            raise ValueError(f"record table has no column {individual_col!r}")
        out["individualID"] = record_table[individual_col].astype("string").to_numpy()
    return out
