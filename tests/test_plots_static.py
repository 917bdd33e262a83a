"""Static (matplotlib) figures for papers, and writing figures and tables the same from run to run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from shapely.geometry import box

from nbtools.activity import density_curves
from nbtools.plots.static import activity_figure, raster_figure, save_figure, save_table, station_figure


@pytest.fixture
def stations() -> pd.DataFrame:
    return pd.DataFrame({"x": [1000.0, 2000.0, 3000.0], "y": [500.0, 1500.0, 2500.0], "rai": [0.0, 2.0, 4.0]})


def test_station_figure_sizes_by_value(stations: pd.DataFrame) -> None:
    fig = station_figure(stations, "rai", box(0, 0, 4000, 3000), title="t")
    ax = fig.axes[0]
    zero, sized = ax.collections[0], ax.collections[1]
    assert zero.get_offsets().tolist() == [[1.0, 0.5]]  # km
    assert np.allclose(sized.get_sizes(), [110.0, 220.0])  # area proportional to RAI, largest 220 pt²
    assert ax.lines[0].get_xydata()[:, 0].max() == 4.0  # the boundary, in km


def test_station_figure_names_what_is_wrong(stations: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="no column 'events'"):
        station_figure(stations, "events")
    with pytest.raises(ValueError, match="non-negative"):
        station_figure(stations.assign(rai=[-1.0, 0, 1]), "rai")


def test_activity_figure_shades_the_overlap() -> None:
    rng = np.random.default_rng(1)
    curves = density_curves({"a": rng.vonmises(1, 2, 100) % (2 * np.pi), "b": rng.vonmises(3, 2, 100) % (2 * np.pi)})
    fig = activity_figure(curves, shade=("a", "b"))
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines[:2]] == ["a", "b"]
    shaded = ax.collections[0].get_paths()[0].vertices[:, 1].max()
    assert shaded == pytest.approx(np.minimum(*(curves[curves.species == s].density.to_numpy() for s in "ab")).max())
    with pytest.raises(KeyError, match="no curve"):
        activity_figure(curves, shade=("a", "c"))


def test_raster_figure_is_north_up() -> None:
    values = np.arange(6.0).reshape(2, 3)  # rows from north to south
    raster = xr.DataArray(
        values,
        coords={"y": [1500.0, 500.0], "x": [500.0, 1500.0, 2500.0]},
        dims=("y", "x"),
        attrs={"long_name": "v", "units": "m"},
    )
    fig = raster_figure(raster)
    image = fig.axes[0].images[0]
    assert image.get_extent() == [0.0, 3.0, 0.0, 2.0]
    assert np.array_equal(image.get_array(), values[::-1])  # origin="lower": the first row is the south
    assert fig.axes[1].get_ylabel() == "v (m)"


def test_figures_and_tables_are_the_same_bytes_twice(tmp_path: Path, stations: pd.DataFrame) -> None:
    for run in ("a", "b"):
        save_figure(station_figure(stations, "rai"), tmp_path / run, "map")
        save_table(pd.DataFrame({"v": [1 / 3, 2.0], "s": ["x", "y"]}, dtype=object), tmp_path / run, "t")
    for name in ("map.png", "map.svg", "t.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "t.csv").read_text().splitlines()[1] == "0,0.3333333333,x"
