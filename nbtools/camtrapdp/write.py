"""Write a Camtrap DP 1.0 package that frictionless validates against the profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .schemas import CORE_TABLES, PROFILE_URL, field_specs, schema_url, table_schema

if TYPE_CHECKING:
    from .package import CamtrapDP


def write_camtrapdp(
    package: CamtrapDP,
    path: str | Path,
    timezone: str = "UTC",
    compress: bool = False,
) -> Path:
    """Write a package as ``datapackage.json`` plus one CSV file per table.

    Parameters
    ----------
    package : CamtrapDP
        The tables and metadata to write. Timestamps must be timezone-aware.
    path : str or pathlib.Path
        The package folder; created if missing. Files of the same names are
        replaced.
    timezone : str, default "UTC"
        IANA time zone in which timestamps are written, with their UTC offset
        (``Asia/Vladivostok`` writes ``2017-04-01T21:30:00+10:00``; UTC writes
        ``...Z``). The moments are the same whatever the zone.
    compress : bool, default False
        Write gzipped CSV (``deployments.csv.gz``, ...). The gzip header carries
        no time stamp, so the same tables give the same bytes.

    Returns
    -------
    pathlib.Path
        The path of the written ``datapackage.json``.

    Notes
    -----
    Core tables are written with the fields of the Camtrap DP 1.0.2 Table
    Schemas in schema order, then any extra columns. Extra resources (such as
    ``individuals``) are written as CSV with a Table Schema inferred from their
    dtypes. The output is deterministic: the same package gives identical files.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    zone = ZoneInfo(timezone)
    suffix = ".csv.gz" if compress else ".csv"
    resources: list[dict[str, Any]] = []
    for name in CORE_TABLES:
        file = f"{name}{suffix}"
        schema = table_schema(name)
        order = [spec.name for spec in field_specs(schema)]
        table = getattr(package, name)
        columns = order + [c for c in table.columns if c not in order]
        _write_csv(table.reindex(columns=columns), folder / file, zone)
        resources.append(_resource(name, file, compress, schema_url(name)))
    for name, table in package.resources.items():
        file = f"{name}{suffix}"
        _write_csv(table, folder / file, zone)
        resources.append(_resource(name, file, compress, infer_schema(table)))
    descriptor = {"resources": resources, "profile": PROFILE_URL}
    descriptor.update({key: value for key, value in package.metadata.items() if key not in ("resources", "profile")})
    target = folder / "datapackage.json"
    target.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def _resource(name: str, file: str, compress: bool, schema: str | dict[str, Any]) -> dict[str, Any]:
    """The descriptor of one CSV resource."""
    return {
        "name": name,
        "path": file,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        **({"compression": "gz"} if compress else {}),
        "schema": schema,
    }


def format_timestamps(values: pd.Series, zone: ZoneInfo) -> pd.Series:
    """ISO 8601 text with a UTC offset (``Z`` for UTC), missing values as empty text."""
    # Vectorised (strftime is ~12x slower on 10^5 values): local wall time as text, then the offset.
    utc = values.dt.tz_convert("UTC").dt.tz_localize(None)
    local = values.dt.tz_convert(zone).dt.tz_localize(None)
    minutes = ((local - utc) // pd.Timedelta(minutes=1)).fillna(0).astype("int64")
    text = pd.Series(
        np.datetime_as_string(local.to_numpy().astype("datetime64[s]"), unit="s"), index=values.index, dtype=object
    )
    size = minutes.abs()
    sign = pd.Series(np.where(minutes < 0, "-", "+"), index=values.index, dtype=object)
    offset = sign + (size // 60).astype(str).str.zfill(2) + ":" + (size % 60).astype(str).str.zfill(2)
    return (text + offset.where(minutes != 0, "Z")).where(values.notna(), "")


def _write_csv(table: pd.DataFrame, target: Path, zone: ZoneInfo) -> None:
    out = {}
    for column in table.columns:
        values = table[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out[column] = format_timestamps(values, zone)
        elif pd.api.types.is_bool_dtype(values.dtype):
            out[column] = values.map({True: "true", False: "false"}).astype(object).where(values.notna(), "")
        else:
            out[column] = values.astype(object).where(values.notna(), "")
    frame = pd.DataFrame(out, columns=table.columns)
    compression = {"method": "gzip", "mtime": 0} if target.suffix == ".gz" else None
    frame.to_csv(target, index=False, lineterminator="\n", compression=compression, encoding="utf-8")


def infer_schema(table: pd.DataFrame) -> dict[str, Any]:
    """A Table Schema describing a DataFrame's columns from their dtypes."""
    fields = []
    for column, dtype in table.dtypes.items():
        if isinstance(dtype, pd.DatetimeTZDtype):
            kind = {"type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z"}
        elif pd.api.types.is_bool_dtype(dtype):
            kind = {"type": "boolean"}
        elif pd.api.types.is_integer_dtype(dtype):
            kind = {"type": "integer"}
        elif pd.api.types.is_float_dtype(dtype):
            kind = {"type": "number"}
        else:
            kind = {"type": "string"}
        fields.append({"name": str(column), **kind})
    return {"fields": fields, "missingValues": [""]}
