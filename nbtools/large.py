"""The large synthetic detections (``make data-large``) as a dask DataFrame: the reader.

:func:`nbtools.simulate.large.write_large_detections` writes ``part-NNNNN.parquet`` files and a
``_detections.json`` manifest into a folder; :func:`open_large_detections` opens them lazily, one
partition per file, with the manifest's categories, after checking that every file it lists is there
with its size (an interrupted write is refused, saying how to make the data again).

>>> from nbtools.large import open_large_detections                              # doctest: +SKIP
>>> df = open_large_detections("data/large/detections", columns=["x", "y"])      # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["MANIFEST", "open_large_detections", "read_manifest"]

#: The writer's names, which lived here until the writer moved to :mod:`nbtools.simulate.large`: still
#: importable from here for one release, with a DeprecationWarning (looked up on first use only, so that
#: this reader does not import the simulator).
_MOVED_TO_SIMULATE = frozenset(
    {
        "COLUMNS",
        "DEFAULT_SEED",
        "LargeDetections",
        "StudyProfile",
        "generate_partition",
        "study_profile",
        "write_large_detections",
    }
)

#: The JSON sidecar written beside the Parquet files (``_`` prefix: Parquet readers skip it).
MANIFEST = "_detections.json"
_PART_NAME = re.compile(r"part-\d{5,}\.parquet")


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The ``_detections.json`` of a folder written by :func:`nbtools.simulate.large.write_large_detections`.

    Raises
    ------
    FileNotFoundError
        The folder or its manifest is missing, saying how to make the data.
    ValueError
        A file listed in it is missing or has another size (an interrupted write).
    """
    folder = Path(path)
    target = folder / MANIFEST
    if not target.is_file():
        what = (
            "does not exist" if not folder.exists() else f"has no {MANIFEST} (not written, or the write did not finish)"
        )
        raise FileNotFoundError(
            f"{folder}: the large detections are not there: the folder {what}; run `make data-large` "
            f"(100 million rows, about 2.5 GB) or `python -m nbtools large {folder} --rows 1000000` for a smaller set."
        )
    try:
        manifest = json.loads(target.read_text(encoding="utf-8"))
        entries = manifest["files"]
        names = [str(entry["name"]) for entry in entries]
        sizes = [int(entry["bytes"]) for entry in entries]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{target}: not a manifest of nbtools.large ({error}); run `make data-large` again") from error
    root = folder.resolve()
    for name, size in zip(names, sizes, strict=True):
        part = folder / name
        # only our own file names, and no symbolic link out of the folder
        if not _PART_NAME.fullmatch(name) or part.resolve().parent != root:
            raise ValueError(f"{target}: refused file name {name!r}: parts are part-NNNNN.parquet inside {folder}")
        if not part.is_file() or part.stat().st_size != size:
            raise ValueError(
                f"{part}: missing or of another size than {MANIFEST} records ({size} bytes); "
                "the data is incomplete: run `make data-large` again"
            )
    return manifest


def open_large_detections(path: str | Path, columns: list[str] | None = None) -> Any:
    """The large detections as a dask DataFrame, one partition per Parquet file, categories known.

    Parameters
    ----------
    path : str or pathlib.Path
        A folder written by :func:`nbtools.simulate.large.write_large_detections` (``make data-large``: ``data/large/detections``).
    columns : list of str, optional
        Read only these columns (e.g. ``["x", "y"]`` for a count map: less I/O and memory).

    Returns
    -------
    dask.dataframe.DataFrame
        ``scientificName`` and ``sex`` are categoricals with known categories (the manifest's), so
        ``aggregate_points(df, by="scientificName")`` works.
    """
    import dask.dataframe as dd

    folder = Path(path)
    manifest = read_manifest(folder)
    files = [str(folder / entry["name"]) for entry in manifest["files"]]
    if columns is not None:
        unknown = [c for c in columns if c not in manifest["columns"]]
        if unknown:
            raise KeyError(
                f"no column {', '.join(map(repr, unknown))}; the detections have {', '.join(manifest['columns'])}"
            )
    frame = dd.read_parquet(files, columns=list(columns) if columns is not None else None, engine="pyarrow")
    dtypes = {
        name: pd.CategoricalDtype(categories, ordered=False)
        for name, categories in manifest["categories"].items()
        if name in frame.columns
    }
    return frame.astype(dtypes) if dtypes else frame


def __getattr__(name: str) -> Any:
    """The writer's old names (:data:`_MOVED_TO_SIMULATE`), from :mod:`nbtools.simulate.large`, with a warning."""
    if name in _MOVED_TO_SIMULATE:
        import importlib
        import warnings

        warnings.warn(
            f"nbtools.large.{name} moved to nbtools.simulate.large.{name}; import it from there "
            "(the old name goes in the next release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module("nbtools.simulate.large"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
