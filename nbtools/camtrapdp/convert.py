"""Convert a Camtrap DP package of any size to a validated, partitioned Parquet dataset that dask opens.

:func:`convert_camtrapdp` reads the package in record batches
(:func:`~nbtools.camtrapdp.stream.stream_camtrapdp`, bounded memory), checks
every batch as :func:`~nbtools.camtrapdp.read_camtrapdp` does, and writes
the typed rows kept (rows set aside are in the report, not in the tables):

``OUT/deployments.parquet``
    the deployments, one file;
``OUT/media/``, ``OUT/observations/``
    Hive-partitioned Parquet datasets (``month=2017-03/`` by the month, UTC,
    of ``timestamp`` or ``eventStart``, or ``deploymentID=.../``), one file
    per partition and record batch; ``month=unknown`` holds rows without a
    time;
``OUT/report.txt``, ``OUT/conversion.json``
    the validation report, and what was written (rows per table, files,
    partitioning, the source, the report's counts).

Each table keeps its row number in the file as the column ``row``;
categorical columns (enumerations) are written as text, so that every file
of a dataset has one schema. ``dask.dataframe.read_parquet(OUT / "observations")``
opens a dataset, the partition column coming back from the folder names.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .report import CamtrapDPError
from .stream import BLOCK_BYTES, stream_camtrapdp

#: Partitionings of the media and observations datasets.
PARTITIONINGS = ("month", "deploymentID")

#: The time column whose month partitions each table.
_TIME_COLUMN = {"media": "timestamp", "observations": "eventStart"}

#: The partition of rows without a time (month partitioning) or without a deploymentID.
UNKNOWN = "unknown"


@dataclass
class Conversion:
    """What :func:`convert_camtrapdp` wrote."""

    out_dir: Path
    rows: dict[str, int]
    files: dict[str, int]
    partition_by: str
    errors: int
    warnings: int
    seconds: float
    report: Any = None


@dataclass
class ParquetSink:
    """Writes each typed batch of a table into its Parquet files (see the module docstring)."""

    out_dir: Path
    partition_by: str = "month"
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    _batches: dict[str, int] = field(default_factory=dict)
    _whole: dict[str, list[pd.DataFrame]] = field(default_factory=dict)

    def begin(self, name: str) -> None:
        target = self._target(name)
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        self.rows[name], self.files[name], self._batches[name] = 0, 0, 0
        self._whole[name] = []

    def write(self, name: str, table: pd.DataFrame) -> None:
        frame = _plain(table)
        self.rows[name] += len(frame)
        if name == "deployments":  # small: one file, written at the end
            self._whole[name].append(frame)
            return
        self._write_partitioned(name, frame)

    def end(self, name: str) -> None:
        if name == "deployments":
            frame = pd.concat(self._whole[name]) if self._whole[name] else pd.DataFrame()
            frame.to_parquet(self._target(name), index=False)
            self.files[name] = 1
        self._whole.pop(name, None)

    def _target(self, name: str) -> Path:
        return self.out_dir / (f"{name}.parquet" if name == "deployments" else name)

    def _write_partitioned(self, name: str, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.dataset as ds

        if self.partition_by == "month":
            moment = frame[_TIME_COLUMN[name]]
            key = moment.dt.tz_convert("UTC").dt.strftime("%Y-%m").astype(object).where(moment.notna(), UNKNOWN)
            frame = frame.assign(month=key.astype(str))
        else:
            frame = frame.assign(
                deploymentID=frame["deploymentID"]
                .astype(object)
                .where(frame["deploymentID"].notna(), UNKNOWN)
                .astype(str)
            )
        if not len(frame) and self._batches[name]:
            return
        batch = self._batches[name]
        self._batches[name] += 1
        written: list[str] = []
        ds.write_dataset(
            pa.Table.from_pandas(frame, preserve_index=False),
            self._target(name),
            format="parquet",
            partitioning=ds.partitioning(pa.schema([(self.partition_by, pa.string())]), flavor="hive"),
            basename_template=f"part-{batch:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            file_visitor=lambda visited: written.append(visited.path),
        )
        self.files[name] += len(written)


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """The typed table with its row number as a column and enumerations as text (one schema for every batch)."""
    frame = table.reset_index()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("string")
    return frame


def convert_camtrapdp(
    package: str | Path,
    out_dir: str | Path,
    *,
    partition_by: str = "month",
    validate: bool = True,
    timezone: str | None = None,
    block_bytes: int = BLOCK_BYTES,
    progress: bool = True,
    overwrite: bool = False,
) -> Conversion:
    """Write a Camtrap DP package as validated, partitioned Parquet (see the module docstring).

    Parameters
    ----------
    package : str or pathlib.Path
        The package folder, or its ``datapackage.json``.
    out_dir : str or pathlib.Path
        The folder to write (created; must be empty unless ``overwrite``).
    partition_by : {"month", "deploymentID"}
        How the media and observations datasets are split into folders.
    validate, timezone
        As in :func:`~nbtools.camtrapdp.read_camtrapdp`.
    block_bytes : int
        Bytes of CSV text per record batch (memory grows with it, not with the tables).
    progress : bool, default True
        A progress bar (tqdm) per table.
    overwrite : bool, default False
        Replace what ``out_dir`` holds.

    Returns
    -------
    Conversion
        Rows and files written per table, the report and its counts.

    Raises
    ------
    CamtrapDPError
        If the package cannot be read, or ``out_dir`` is not empty.
    ValueError
        For an unknown ``partition_by``.
    """
    if partition_by not in PARTITIONINGS:
        raise ValueError(f"partition_by must be one of {', '.join(PARTITIONINGS)}, not {partition_by!r}")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise CamtrapDPError(f"{out}: not empty; choose a new folder (or overwrite=True, --overwrite)")
    if overwrite and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    begin = time.perf_counter()
    sink = ParquetSink(out, partition_by)
    result = stream_camtrapdp(
        package, sink, validate=validate, timezone=timezone, block_bytes=block_bytes, progress=progress
    )
    report = result.report
    (out / "report.txt").write_text(str(report) + "\n", encoding="utf-8")
    conversion = Conversion(
        out,
        dict(sink.rows),
        dict(sink.files),
        partition_by,
        len(report.errors),
        len(report.warnings),
        time.perf_counter() - begin,
        report,
    )
    manifest = {
        "source": str(Path(package).resolve()),
        "partition_by": partition_by,
        "rows": conversion.rows,
        "files": conversion.files,
        "rows_read": report.rows_read,
        "errors": conversion.errors,
        "warnings": conversion.warnings,
        "timezone": result.timezone,
        "title": result.metadata.get("title"),
    }
    (out / "conversion.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return conversion
