"""Tests of nbtools.habitat: the schematic park, its rasters and covariates at points."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from nbtools import habitat as hab

RASTERS = {
    "elevation": "m",
    "slope": "degree",
    "forest_cover": "1",
    "distance_to_road": "m",
    "distance_to_settlement": "m",
    "distance_to_border": "m",
    "distance_to_coast": "m",
    "prey_index": "1",
    "land": "1",
    "in_park": "1",
}


@pytest.fixture(scope="module")
def coarse():
    """A 1 km habitat grid (fast)."""
    return hab.simulate_habitat(seed=1, resolution_m=1000)


@pytest.fixture(scope="module")
def default():
    """The default 250 m grid."""
    return hab.simulate_habitat(seed=20161101)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- geometry ---------------------------------------------------------------------------------


def test_park_area_and_shape():
    park = hab.park_boundary()
    assert park.is_valid and park.exterior.is_ccw and len(park.interiors) == 0
    assert park.area / 1e6 == pytest.approx(2620, rel=0.10)
    lon, lat = hab.to_lonlat(*park.centroid.coords[0])
    assert 43.0 < float(lat) < 43.6 and 131.2 < float(lon) < 131.7


def test_geography_is_consistent():
    park = hab.park_boundary()
    assert not shapely.intersects(hab.coastline(), park), "the sea lies south-east of the park"
    assert not shapely.intersects(hab.border_line(), park), "the park is on the Russian side"
    # the border runs west of the park, the coast south-east of it
    west = shapely.get_coordinates(hab.border_line())[:, 0].mean()
    assert west < park.centroid.x
    towns = hab.settlements()
    assert not shapely.contains_xy(park, towns["x"], towns["y"]).any()
    assert shapely.intersection(hab.roads()["highway"], park).length == 0
    for name, line in hab.roads().items():
        if name.startswith("forest_road"):
            assert shapely.intersection(line, park).length / line.length > 0.6, name
    kx, ky = hab.to_utm(*hab.KEDROVAYA_PAD_LONLAT)
    assert shapely.contains_xy(park, kx, ky)


def test_boundary_geojson_is_rfc7946(tmp_path):
    collection = hab.boundary_geojson()
    assert collection["type"] == "FeatureCollection"
    geometry = collection["features"][0]["geometry"]
    assert geometry["type"] == "Polygon" and len(geometry["coordinates"]) == 1
    ring = np.array(geometry["coordinates"][0])
    assert ring.shape[1] == 2 and (ring[0] == ring[-1]).all()
    lon, lat = ring[:, 0], ring[:, 1]
    assert ((lon > 130.0) & (lon < 132.5)).all() and ((lat > 42.0) & (lat < 44.5)).all()  # [lon, lat] order
    shoelace = 0.5 * np.sum(lon[:-1] * lat[1:] - lon[1:] * lat[:-1])
    assert shoelace > 0, "exterior ring must be counter-clockwise (RFC 7946 s.3.1.6)"
    # the WGS84 polygon projects back onto the UTM outline
    x, y = hab.to_utm(lon, lat)
    assert shapely.Polygon(np.column_stack([x, y])).area == pytest.approx(hab.park_boundary().area, rel=1e-4)
    path = hab.write_boundary(tmp_path / "boundary.geojson")
    assert json.loads(path.read_text(encoding="utf-8")) == collection
    assert _sha(path) == _sha(hab.write_boundary(tmp_path / "again.geojson"))


# --- rasters ---------------------------------------------------------------------------------------


def test_variables_have_units_names_and_grid_mapping(coarse):
    assert set(coarse.data_vars) == set(RASTERS)
    for name, units in RASTERS.items():
        attrs = coarse[name].attrs
        assert attrs["units"] == units, name
        assert attrs["long_name"], name
        assert attrs["grid_mapping"] == "spatial_ref", name
        assert coarse[name].dims == ("y", "x")
    crs = pyproj.CRS.from_wkt(coarse["spatial_ref"].attrs["crs_wkt"])
    assert crs.to_epsg() == 32652
    assert coarse["spatial_ref"].attrs["grid_mapping_name"] == "transverse_mercator"
    assert coarse["x"].attrs["units"] == "m" and coarse["y"].attrs["units"] == "m"


def test_grid_is_regular_and_north_up(coarse):
    dx = np.diff(coarse["x"].values)
    dy = np.diff(coarse["y"].values)
    assert np.allclose(dx, 1000.0) and np.allclose(dy, -1000.0)
    # cell centres on a 500 m offset from the 5 km lattice
    assert coarse["x"].values[0] % 1000 == 500.0
    xmin, ymin, xmax, ymax = hab.park_boundary().bounds
    assert coarse["x"].values[0] < xmin - 15_000 and coarse["x"].values[-1] > xmax + 15_000
    assert coarse["y"].values[-1] < ymin - 15_000 and coarse["y"].values[0] > ymax + 15_000


def test_value_ranges(default):
    land = default["land"].values
    park = default["in_park"].values
    elevation = default["elevation"].values
    assert (elevation[~land] == 0).all()
    assert elevation[land].min() >= 1 and 700 <= elevation[land].max() <= 950
    assert 350 <= np.percentile(elevation[park], 75) <= 700, "ridges of 400-700 m"
    for name in ("forest_cover", "prey_index"):
        values = default[name].values
        assert values.min() >= 0 and values.max() <= 1
        assert (values[~land] == 0).all()
    assert 0.6 <= default["forest_cover"].values[park].mean() <= 0.95, "the park is mostly forest"
    for name in ("distance_to_road", "distance_to_settlement", "distance_to_border", "distance_to_coast"):
        assert default[name].values.min() >= 0, name
    assert (default["distance_to_coast"].values[~land] == 0).all()
    # feeding stations: prey is high there
    fx, fy = default.attrs["feeding_station_x"], default.attrs["feeding_station_y"]
    assert len(fx) == 12
    assert (hab.sample_at(default, fx, fy)["prey_index"] > 0.5).all()


def test_masks(default):
    land = default["land"].values
    park = default["in_park"].values
    assert default["land"].dtype == bool and default["in_park"].dtype == bool
    assert not (park & ~land).any()
    cell_km2 = 0.25 * 0.25
    assert park.sum() * cell_km2 == pytest.approx(hab.park_boundary().area / 1e6, rel=0.01)
    assert not land[-1, -1] and land[0, 0], "sea in the south-east corner, land in the north-west"


def test_same_seed_same_rasters_other_seed_other_relief(coarse):
    again = hab.simulate_habitat(seed=1, resolution_m=1000)
    other = hab.simulate_habitat(seed=2, resolution_m=1000)
    for name in coarse.data_vars:
        np.testing.assert_array_equal(coarse[name].values, again[name].values)
    assert not np.array_equal(coarse["elevation"].values, other["elevation"].values)
    np.testing.assert_array_equal(coarse["in_park"].values, other["in_park"].values)  # geometry is fixed


def test_netcdf_bytes_are_deterministic_and_round_trip(coarse, tmp_path):
    first = hab.write_habitat(coarse, tmp_path / "a.nc")
    second = hab.write_habitat(hab.simulate_habitat(seed=1, resolution_m=1000), tmp_path / "b.nc")
    assert _sha(first) == _sha(second)
    hab.write_habitat(coarse, first)  # overwrite in place
    assert _sha(first) == _sha(second)
    back = hab.read_habitat(first)
    for name in coarse.data_vars:
        np.testing.assert_array_equal(back[name].values, coarse[name].values)
        assert back[name].dtype == coarse[name].dtype
        assert back[name].attrs["units"] == coarse[name].attrs["units"]
    assert back["spatial_ref"].attrs["crs_wkt"] == coarse["spatial_ref"].attrs["crs_wkt"]
    assert list(back.attrs["feeding_station_x"]) == list(coarse.attrs["feeding_station_x"])


# --- sampling -------------------------------------------------------------------------------------


def test_sample_at_cell_centres_and_buffers(coarse):
    x = coarse["x"].values
    y = coarse["y"].values
    rows, cols = np.array([10, 40, 75]), np.array([12, 30, 50])
    at = hab.sample_at(coarse, x[cols] + 200, y[rows] - 300)  # inside the cells
    np.testing.assert_allclose(at["elevation"], coarse["elevation"].values[rows, cols])
    assert list(at.columns) == list(RASTERS)
    # mean within 1 km of a cell centre: the cell and its four neighbours
    r, c = 40, 30
    buffered = hab.sample_at(coarse, [x[c]], [y[r]], buffer_m=1000, variables=["elevation", "land"])
    block = coarse["elevation"].values
    expected = np.mean([block[r, c], block[r - 1, c], block[r + 1, c], block[r, c - 1], block[r, c + 1]])
    assert buffered["elevation"].iloc[0] == pytest.approx(expected)
    assert 0 <= buffered["land"].iloc[0] <= 1


def test_sample_at_off_grid_and_index(coarse):
    index = pd.Index(["a", "b"], name="locationID")
    xs = pd.Series([coarse["x"].values[5], -1e6], index=index)
    ys = pd.Series([coarse["y"].values[5], 0.0], index=index)
    out = hab.sample_at(coarse, xs, ys, buffer_m=500)
    assert list(out.index) == ["a", "b"]
    assert out.loc["b"].isna().all() and out.loc["a"].notna().all()
