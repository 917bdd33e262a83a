"""The default study in data/leopard-study/: its catalog, its validity, and that it is what the simulator writes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from shapely.geometry import Polygon

from nbtools.camtrapdp import read_camtrapdp
from nbtools.catalog import DATA_DIR, open_catalog
from nbtools.checksums import read_checksums
from nbtools.simulate import simulate_study

STUDY = DATA_DIR / "leopard-study"
CLOCK_FAULTS = {"clock_reset", "clock_offset", "clock_utc8"}  # shift times outside the deployment window


@pytest.fixture(scope="module")
def catalog():
    return open_catalog("leopard")


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((STUDY / "truth.json").read_text())


@pytest.mark.parametrize("entry", ["deployments", "media", "observations", "individuals"])
def test_table_entries_have_the_documented_columns_and_dtypes(catalog, entry: str) -> None:
    frame = catalog[entry].read()
    documented = catalog[entry].metadata["columns"]
    assert len(frame) > 0
    for column, dtype in documented.items():
        assert column in frame.columns, f"{entry}.{column} missing"
        actual = frame[column].dtype
        if dtype == "category":
            assert isinstance(actual, pd.CategoricalDtype), f"{entry}.{column}: {actual}"
        else:
            assert str(actual) == dtype, f"{entry}.{column}: {actual} is not {dtype}"
    assert catalog[entry].metadata["description"]


def test_counts_match_truth(catalog, truth: dict) -> None:
    realised = truth["realised"]
    assert len(catalog.deployments.read()) == realised["deployments"]
    assert len(catalog.media.read()) == realised["media"]
    assert len(catalog.observations.read()) == realised["observations"]


def test_species_parameter(catalog) -> None:
    leopards = catalog(species="Panthera pardus orientalis").observations.read()
    assert set(leopards["scientificName"]) == {"Panthera pardus orientalis"}
    assert leopards["individualID"].notna().any()
    with pytest.raises(ValueError):
        catalog(species="Panthera leo").observations.read()  # not one of the catalog's options


def test_habitat_entry(catalog) -> None:
    habitat = catalog.habitat.read()
    assert isinstance(habitat, xr.Dataset)
    for name in (
        "elevation",
        "forest_cover",
        "distance_to_road",
        "distance_to_settlement",
        "distance_to_border",
        "prey_index",
    ):
        assert habitat[name].attrs["units"] and habitat[name].attrs["long_name"], name
        assert habitat[name].attrs["grid_mapping"] == "spatial_ref"
    assert "crs_wkt" in habitat["spatial_ref"].attrs
    assert float(habitat["elevation"].max()) <= 1000
    assert habitat.sizes["x"] > 100 and habitat.sizes["y"] > 100


def test_boundary_entry(catalog) -> None:
    wgs84 = catalog.boundary.read()
    assert isinstance(wgs84, Polygon)
    assert 130.4 < wgs84.centroid.x < 131.9 and 42.4 < wgs84.centroid.y < 43.9
    assert catalog.boundary(crs="EPSG:32652").read().area / 1e6 == pytest.approx(2620, rel=0.1)


def test_clock_faults_found_by_the_validator_match_truth(truth: dict) -> None:
    package = read_camtrapdp(STUDY, validate=False)  # our rules; the full schema check is the slow test below
    assert package.report.valid
    flagged_deployments = set()
    for file, table in (("media.csv.gz", package.media), ("observations.csv.gz", package.observations)):
        rows = sorted({p.row for p in package.report.problems if p.check == "deployment-window" and p.file == file})
        flagged_deployments |= set(table.loc[rows, "deploymentID"])
    faulty = {f["deploymentID"] for f in truth["faults"] if f["fault"] in CLOCK_FAULTS}
    with_media = set(package.media["deploymentID"])
    assert flagged_deployments == faulty & with_media
    assert all(p.severity == "warning" and p.check == "deployment-window" for p in package.report.problems)


@pytest.mark.slow
def test_study_validates_against_the_camtrap_dp_schemas() -> None:
    """Full frictionless validation of 354k rows (about 90 s): no errors, only the clock-fault warnings."""
    report = read_camtrapdp(STUDY).report
    assert report.errors == []
    assert {p.check for p in report.problems} == {"deployment-window"}


@pytest.mark.slow
def test_regenerating_reproduces_the_committed_files(tmp_path: Path) -> None:
    """`make data` with the same seed writes byte-identical files (habitat.nc with the locked h5py)."""
    result = simulate_study(tmp_path, seed=20161101, progress=False)
    assert read_checksums(tmp_path) == read_checksums(STUDY)
    assert result.truth == json.loads((STUDY / "truth.json").read_text())
