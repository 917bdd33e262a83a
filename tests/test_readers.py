"""Tests of nbtools.readers: the Intake 2 data types and readers the catalogs name.

Each reader is driven directly (``Reader(DataType(url)).read(...)``) on the small Camtrap DP example and on
copies of the default study's habitat and boundary. Catalog-level behaviour (parameters, safety, plain
Intake) is tested in test_catalog.py, damaged habitat and boundary files in test_bad_input.py, the read
cache in test_cache.py and the large detections in test_large.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from nbtools.camtrapdp import CamtrapDPError, read_camtrapdp
from nbtools.camtrapdp.select import filter_table
from nbtools.catalog import DATA_DIR
from nbtools.checksums import ChecksumError, write_checksums
from nbtools.readers import (
    BoundaryGeoJSON,
    BoundaryReader,
    CamtrapDPPackage,
    CamtrapDPTableReader,
    HabitatNetCDF,
    HabitatReader,
    LargeDetectionsParquet,
    LargeDetectionsReader,
    load_package,
    local_path,
)

STUDY = DATA_DIR / "leopard-study"


@pytest.fixture(scope="module")
def example(example_path: Path):
    return read_camtrapdp(example_path)


def test_local_path_from_paths_and_file_urls(tmp_path: Path) -> None:
    assert local_path(str(tmp_path)) == tmp_path
    assert local_path((tmp_path / "a b.csv").as_uri()) == tmp_path / "a b.csv"  # %20 decoded
    assert local_path("relative/file.nc") == Path("relative/file.nc")
    with pytest.raises(ValueError, match="only local files are read"):
        local_path("https://example.org/data.nc")


def test_load_package_is_read_once_while_the_files_are_unchanged(example_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "package"
    shutil.copytree(example_path, copy)
    (copy / "SHA256SUMS").unlink(missing_ok=True)
    first = load_package(copy, validate=False)
    assert load_package(copy, validate=False) is first
    media = copy / "media.csv"
    media.write_text(media.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # size changes: read again
    again = load_package(copy, validate=False)
    assert again is not first
    pd.testing.assert_frame_equal(again.observations, first.observations)
    with pytest.raises(CamtrapDPError, match="absent: not found; a Camtrap DP package is a folder"):
        load_package(tmp_path / "absent")


def test_table_reader_reads_every_table_typed(example_path: Path, example) -> None:
    data = CamtrapDPPackage(url=str(example_path))
    for table in ("deployments", "media", "observations"):
        frame = CamtrapDPTableReader(data).read(table=table)
        pd.testing.assert_frame_equal(frame, getattr(example, table))
    with pytest.raises(KeyError, match="no table 'sightings'; it has deployments, media, observations"):
        CamtrapDPTableReader(data).read(table="sightings")


def test_table_reader_filters_like_filter_table(example_path: Path, example) -> None:
    data = CamtrapDPPackage(url=example_path.as_uri())
    species = example.observations["scientificName"].dropna().astype(str).mode().iloc[0]
    kept = CamtrapDPTableReader(data).read(table="observations", scientific_name=species)
    assert len(kept) and (kept["scientificName"] == species).all()
    pd.testing.assert_frame_equal(kept, filter_table(example.observations, "observations", species=species))
    start = example.media["timestamp"].min() + pd.Timedelta(days=1)
    media = CamtrapDPTableReader(data).read(table="media", period_start=str(start.date()), timezone="Europe/Brussels")
    assert 0 < len(media) < len(example.media)
    first = pd.Timestamp(str(start.date())).tz_localize("Europe/Brussels")
    assert (media["timestamp"] >= first).all()
    deployments = CamtrapDPTableReader(data).read(table="deployments", scientific_name=species)
    assert len(deployments) == len(example.deployments)  # species filter only the observations


def test_table_reader_reads_extra_resources() -> None:
    data = CamtrapDPPackage(url=str(STUDY))
    individuals = CamtrapDPTableReader(data).read(table="individuals")
    assert {"individualID", "motherID"} <= set(individuals.columns) and individuals["individualID"].is_unique


@pytest.fixture(scope="module")
def habitat_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("habitat")
    for name in ("habitat.nc", "boundary.geojson"):
        shutil.copy(STUDY / name, folder / name)
    write_checksums(folder)
    return folder


def test_habitat_reader_loads_the_rasters_and_closes_the_file(habitat_copy: Path, tmp_path: Path) -> None:
    dataset = HabitatReader(HabitatNetCDF(url=str(habitat_copy / "habitat.nc"))).read()
    assert "elevation" in dataset and dataset.sizes["x"] > 10 and dataset.sizes["y"] > 10
    moved = tmp_path / "habitat.nc"
    shutil.copy(habitat_copy / "habitat.nc", moved)
    assert float(dataset["elevation"].mean()) == float(
        HabitatReader(HabitatNetCDF(url=str(moved))).read()["elevation"].mean()
    )
    moved.unlink()  # nothing holds the file open (it was loaded into memory)


def test_habitat_reader_checks_the_checksum(habitat_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "damaged"
    shutil.copytree(habitat_copy, folder)
    data = bytearray((folder / "habitat.nc").read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / "habitat.nc").write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match="habitat.nc: checksum mismatch"):
        HabitatReader(HabitatNetCDF(url=str(folder / "habitat.nc"))).read()


def test_boundary_reader_in_wgs84_and_projected(habitat_copy: Path) -> None:
    data = BoundaryGeoJSON(url=str(habitat_copy / "boundary.geojson"))
    lonlat = BoundaryReader(data).read()
    x0, y0, x1, y1 = lonlat.bounds
    assert 130 < x0 < x1 < 132 and 42 < y0 < y1 < 44  # SW Primorsky Krai
    projected = BoundaryReader(data).read(crs="EPSG:32652")
    assert projected.area / 1e6 == pytest.approx(2670.1, rel=0.01)  # the park's area in the truth, km²
    assert projected.is_valid


@pytest.mark.parametrize("kind", ["geometry", "Feature", "FeatureCollection"])
def test_boundary_reader_takes_every_geojson_kind(tmp_path: Path, kind: str) -> None:
    square = {"type": "Polygon", "coordinates": [[[131, 43], [131.1, 43], [131.1, 43.1], [131, 43.1], [131, 43]]]}
    feature = {"type": "Feature", "properties": {}, "geometry": square}
    document = {
        "geometry": square,
        "Feature": feature,
        "FeatureCollection": {"type": "FeatureCollection", "features": [feature]},
    }
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps(document[kind]), encoding="utf-8")
    assert BoundaryReader(BoundaryGeoJSON(url=str(path))).read().area == pytest.approx(0.01)
    path.write_text('{"type": "Polygon"}', encoding="utf-8")
    with pytest.raises(ValueError, match="b.geojson: not a GeoJSON geometry"):
        BoundaryReader(BoundaryGeoJSON(url=str(path))).read()


def test_large_detections_reader_says_how_to_make_the_data(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make data-large"):
        LargeDetectionsReader(LargeDetectionsParquet(url=str(tmp_path / "absent"))).read()
