"""Intake 2 data types and readers for the project's catalogs.

Registered through the ``intake.imports`` entry point, so ``import intake``
makes them known. Catalogs name these classes; they embed no code. Heavy
libraries are imported only when data is read, so importing intake stays fast.

- :class:`CamtrapDPPackage` / :class:`CamtrapDPTableReader`: one table of a
  Camtrap DP package, read and validated by :mod:`nbtools.camtrapdp`, with
  optional filters by species and date.
- :class:`HabitatNetCDF` / :class:`HabitatReader`: habitat rasters as an
  ``xarray.Dataset``.
- :class:`BoundaryGeoJSON` / :class:`BoundaryReader`: the park boundary as a
  shapely geometry, optionally projected.
- :class:`LargeDetectionsParquet` / :class:`LargeDetectionsReader`: the synthetic
  large detections (``make data-large``, :mod:`nbtools.large`) as a dask
  DataFrame, read lazily out of core.

Camtrap DP packages are read by :func:`nbtools.camtrapdp.read_camtrapdp` through its read cache
(:mod:`nbtools.camtrapdp.cache`: a typed Parquet copy keyed by the files' SHA-256, ``NBTOOLS_CACHE=off`` to
turn it off), once per process while the files are unchanged.

Every file is checked against the ``SHA256SUMS`` of its folder when one exists.
The large detections (gigabytes) are not hashed on each open: their manifest's
file list and sizes are checked instead.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from intake.readers import datatypes, readers


def local_path(url: str) -> Path:
    """A local filesystem path from a path or a ``file://`` URL (as ``CATALOG_DIR`` gives)."""
    if url.startswith("file://"):
        return Path(unquote(urlparse(url).path))
    if "://" in url:
        raise ValueError(f"{url}: only local files are read; nothing is fetched from the network")
    return Path(url)


class CamtrapDPPackage(datatypes.FileData):
    """A Camtrap DP package: a folder with ``datapackage.json`` (``url`` is the folder)."""

    structure = {"table"}
    contains = {"datapackage.json"}


class HabitatNetCDF(datatypes.FileData):
    """Habitat rasters in a NetCDF-4 file (x/y grid in metres, CF grid mapping)."""

    filepattern = "(nc$)"
    structure = {"array"}


class BoundaryGeoJSON(datatypes.FileData):
    """A boundary polygon as GeoJSON (RFC 7946: WGS84 longitude, latitude)."""

    filepattern = "(geojson$)"
    structure = {"geometry"}


@lru_cache(maxsize=8)
def _cached_package(folder: str, stamp: tuple, validate: bool) -> Any:
    from nbtools.camtrapdp import read_camtrapdp

    return read_camtrapdp(folder, validate=validate)


def load_package(folder: str | Path, validate: bool = True) -> Any:
    """Read a Camtrap DP package once per process while its files are unchanged (and through the read cache)."""
    root = Path(folder).resolve()
    if not root.is_dir():  # read_camtrapdp says what is missing
        return _cached_package.__wrapped__(str(root), (), validate)
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.iterdir()) if p.is_file())
    return _cached_package(str(root), stamp, validate)


class CamtrapDPTableReader(readers.BaseReader):
    """One table of a Camtrap DP package as a typed pandas DataFrame.

    The parameters are given as reader keyword arguments or catalog kwargs.

    Parameters
    ----------
    table : str
        ``deployments``, ``media``, ``observations`` or an extra resource such
        as ``individuals``.
    scientific_name : str, optional
        Keep observations of this ``scientificName`` only (``"all"`` or empty
        keeps everything). Other tables are not filtered by species.
    period_start, period_end : str, optional
        ISO dates; keep rows whose time (``timestamp``, ``eventStart``, or the
        deployment's interval) falls in ``[period_start, period_end)``.
    timezone : str, default "UTC"
        Zone in which the period is given.
    validate : bool, default True
        Validate with the Camtrap DP schemas (see ``read_camtrapdp``).

    Notes
    -----
    In a catalog these take the catalog parameters: ``scientific_name:
    "{species}"``. (Intake 2 consumes a reader keyword that has the same name
    as a catalog parameter, hence the different names.)
    """

    implements = {CamtrapDPPackage}
    imports = {"pandas", "frictionless"}
    output_instance = "pandas:DataFrame"

    def _read(
        self,
        data: CamtrapDPPackage,
        table: str = "observations",
        scientific_name: str | None = None,
        period_start: str | None = None,
        period_end: str | None = None,
        validate: bool = True,
        timezone: str = "UTC",
        **kwargs: Any,
    ) -> Any:
        from nbtools.camtrapdp.select import filter_table

        package = load_package(local_path(data.url), validate=validate)
        if table in ("deployments", "media", "observations"):
            frame = getattr(package, table)
        elif table in package.resources:
            frame = package.resources[table]
        else:
            raise KeyError(
                f"{data.url}: no table {table!r}; it has deployments, media, observations"
                + "".join(f", {name}" for name in package.resources)
            )
        return filter_table(
            frame, table, species=scientific_name, start=period_start, end=period_end, timezone=timezone
        )


class HabitatReader(readers.BaseReader):
    """Habitat rasters as an ``xarray.Dataset``, loaded into memory and the file closed."""

    implements = {HabitatNetCDF}
    imports = {"xarray", "h5netcdf"}
    output_instance = "xarray:Dataset"

    def _read(self, data: HabitatNetCDF, **kwargs: Any) -> Any:
        import xarray as xr

        from nbtools.checksums import verify_file

        path = local_path(data.url)
        verify_file(path)
        with xr.open_dataset(path, engine="h5netcdf", **kwargs) as dataset:
            return dataset.load()


class BoundaryReader(readers.BaseReader):
    """A GeoJSON boundary as a shapely geometry, in WGS84 or projected to ``crs``."""

    implements = {BoundaryGeoJSON}
    imports = {"shapely", "pyproj"}
    output_instance = "shapely.geometry.base:BaseGeometry"

    def _read(self, data: BoundaryGeoJSON, crs: str | None = None, **kwargs: Any) -> Any:
        import json

        import numpy as np
        import shapely
        from pyproj import Transformer
        from shapely.geometry import shape
        from shapely.ops import unary_union

        from nbtools.checksums import verify_file

        path = local_path(data.url)
        verify_file(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("type") == "FeatureCollection":
                geometry = unary_union([shape(feature["geometry"]) for feature in document["features"]])
            elif document.get("type") == "Feature":
                geometry = shape(document["geometry"])
            else:
                geometry = shape(document)
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # JSONDecodeError is a ValueError
            raise ValueError(f"{path.name}: not a GeoJSON geometry, Feature or FeatureCollection ({error})") from error
        if crs:
            project = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform
            geometry = shapely.transform(geometry, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))
        return geometry


class LargeDetectionsParquet(datatypes.FileData):
    """A folder of Parquet partitions written by :func:`nbtools.simulate.large.write_large_detections` (``url`` is the folder)."""

    structure = {"table"}
    contains = {"_detections.json"}


class LargeDetectionsReader(readers.BaseReader):
    """The large synthetic detections as a lazy ``dask.dataframe.DataFrame`` (categories known).

    The parameters are given as reader keyword arguments or catalog kwargs.

    Parameters
    ----------
    columns : list of str, optional
        Read only these columns (``["x", "y"]`` for a count map).

    Raises
    ------
    FileNotFoundError
        The folder is absent or incomplete; the message says to run ``make data-large``.
    """

    implements = {LargeDetectionsParquet}
    imports = {"dask", "pyarrow"}
    output_instance = "dask.dataframe:DataFrame"

    def _read(self, data: LargeDetectionsParquet, columns: list[str] | None = None, **kwargs: Any) -> Any:
        from nbtools.large import open_large_detections

        return open_large_detections(local_path(data.url), columns=columns or None)
