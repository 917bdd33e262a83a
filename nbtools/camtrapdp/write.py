"""Write a Camtrap DP 1.0 package that frictionless validates against the profile."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .report import CamtrapDPError
from .schemas import CORE_TABLES, PROFILE_URL, field_specs, missing_values, schema_url, table_schema

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

    Reading the written package gives equal tables (a property test checks
    this on generated tables), with the limits of the format: text equal to a
    missing-value marker of the Camtrap DP schemas (``NA``, ``NaN``, ``nan``)
    reads back as missing, and fractions of a second are dropped, since the
    Camtrap DP timestamp format has whole seconds (a warning says so when
    either happens); timestamps whose offset in ``timezone`` is not whole
    minutes (local mean time before about 1920) are written in UTC, the same
    moment. Text with a NUL character and timestamps without a time zone are
    refused (:class:`CamtrapDPError`). A table with a carriage return inside a
    cell is written with every cell quoted, so that no reader splits the row.
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
        _write_csv(table.reindex(columns=columns), folder / file, zone, tuple(missing_values(schema)))
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
    """ISO 8601 text with a UTC offset (``Z`` for UTC), to the whole second; missing values as empty text.

    Camtrap DP's timestamp format (``%Y-%m-%dT%H:%M:%S%z``) has whole seconds,
    so fractions of a second are dropped (:func:`write_camtrapdp` warns when it
    does). A moment whose offset in ``zone`` is not a whole number of minutes
    (local mean time before about 1920) is written in UTC, since an ISO 8601
    offset cannot hold seconds.
    """
    # Vectorised (strftime is ~12x slower on 10^5 values): local wall time as text, then the offset.
    utc = values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    local = values.dt.tz_convert(zone).dt.tz_localize(None).astype("datetime64[ns]")
    seconds = ((local - utc) // pd.Timedelta(seconds=1)).fillna(0).astype("int64")
    whole_minutes = seconds % 60 == 0
    local = local.where(whole_minutes, utc)
    minutes = (seconds // 60).where(whole_minutes, 0)
    text = pd.Series(
        np.datetime_as_string(local.to_numpy().astype("datetime64[s]"), unit="s"), index=values.index, dtype=object
    )
    size = minutes.abs()
    sign = pd.Series(np.where(minutes < 0, "-", "+"), index=values.index, dtype=object)
    offset = sign + (size // 60).astype(str).str.zfill(2) + ":" + (size % 60).astype(str).str.zfill(2)
    return (text + offset.where(minutes != 0, "Z")).where(values.notna(), "")


def _fractions_of_a_second(values: pd.Series) -> int:
    """How many timestamps have a fraction of a second."""
    nanos = values.dropna().dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]").to_numpy().view("int64")
    return int(np.count_nonzero(nanos % 1_000_000_000))


def _write_csv(table: pd.DataFrame, target: Path, zone: ZoneInfo, missing: tuple[str, ...] = ("",)) -> None:
    out = {}
    carriage_return = False
    for column in table.columns:
        values = table[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out[column] = format_timestamps(values, zone)
            fractions = _fractions_of_a_second(values)
            if fractions:
                warnings.warn(
                    f"{target.name}: column {column!r} has {fractions} timestamp(s) with a fraction of a second, which "
                    "Camtrap DP's timestamp format cannot hold; written to the whole second (the fraction dropped)",
                    stacklevel=3,
                )
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            raise CamtrapDPError(
                f"{target.name}: column {column!r} holds timestamps without a time zone; localise them first "
                "(e.g. .dt.tz_localize('Asia/Vladivostok')) so that they can be written with their UTC offset"
            )
        elif pd.api.types.is_bool_dtype(values.dtype):
            out[column] = values.map({True: "true", False: "false"}).astype(object).where(values.notna(), "")
        else:
            out[column] = values.astype(object).where(values.notna(), "")
            carriage_return |= _check_text(values, column, target.name, missing)
    frame = pd.DataFrame(out, columns=table.columns)
    compression = {"method": "gzip", "mtime": 0} if target.suffix == ".gz" else None
    # The csv module quotes cells holding "\n" but not a bare "\r", which readers take for a line end: a table
    # with such a cell is written with every cell quoted (rare; the common case stays minimally quoted).
    frame.to_csv(
        target,
        index=False,
        lineterminator="\n",
        compression=compression,
        encoding="utf-8",
        quoting=csv.QUOTE_ALL if carriage_return else csv.QUOTE_MINIMAL,
    )


def _check_text(values: pd.Series, column: str, file: str, missing: tuple[str, ...]) -> bool:
    """Refuse NUL characters (the reader refuses them); warn about text that will read back as missing.

    Returns whether any value holds a carriage return (the file must then quote every cell).
    """
    if not (
        pd.api.types.is_object_dtype(values.dtype)
        or pd.api.types.is_string_dtype(values.dtype)
        or isinstance(values.dtype, pd.CategoricalDtype)
    ):
        return False
    strings = values.dropna().astype("string")
    if strings.empty:
        return False
    nul = strings.str.contains("\x00", regex=False)
    if nul.any():
        raise CamtrapDPError(
            f"{file}: column {column!r} holds a NUL character (row {nul.idxmax()!r}); it cannot be written"
        )
    markers = strings.isin([m for m in missing if m])
    if markers.any():
        warnings.warn(
            f"{file}: column {column!r} has {int(markers.sum())} value(s) such as {strings[markers].iloc[0]!r} that "
            f"Camtrap DP reads as missing ({', '.join(repr(m) for m in missing)}); they will not read back",
            stacklevel=4,
        )
    return bool(strings.str.contains("\r", regex=False).any())


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
