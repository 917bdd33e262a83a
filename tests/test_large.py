"""nbtools.large: synthetic detections at scale, as Parquet, through the catalog, on pandas, dask and a cluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from nbtools.catalog import DATA_DIR, open_catalog
from nbtools.cli import main
from nbtools.large import MANIFEST, open_large_detections
from nbtools.maps import aggregate_points, grid_for
from nbtools.simulate.large import generate_partition, study_profile, write_large_detections

STUDY = DATA_DIR / "leopard-study"
ROWS, PART_ROWS, SEED = 300_000, 100_000, 7
CATS = ("Panthera pardus orientalis", "Panthera tigris altaica")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A data folder holding large/detections/ (300k rows, 3 partitions), as `make data-large` lays it out."""
    root = tmp_path_factory.mktemp("data")
    write_large_detections(root / "large" / "detections", n=ROWS, partition_rows=PART_ROWS, seed=SEED, progress=False)
    return root


@pytest.fixture(scope="module")
def folder(data_dir: Path) -> Path:
    return data_dir / "large" / "detections"


@pytest.fixture(scope="module")
def frame(folder: Path) -> pd.DataFrame:
    return open_large_detections(folder).compute().reset_index(drop=True)


def _files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_same_seed_gives_identical_files_whatever_the_scheduler(folder: Path, tmp_path: Path) -> None:
    again = write_large_detections(
        tmp_path / "again", n=ROWS, partition_rows=PART_ROWS, seed=SEED, progress=False, scheduler="sync"
    )
    assert [p.name for p in again.files] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert _files(tmp_path / "again") == _files(folder)  # one thread here, a thread pool there: same bytes
    other = write_large_detections(
        tmp_path / "other", n=PART_ROWS, partition_rows=PART_ROWS, seed=SEED + 1, progress=False
    )
    assert other.files[0].read_bytes() != (folder / "part-00000.parquet").read_bytes()
    # each partition comes from its own child seed: the file equals the partition generated alone
    alone = generate_partition(study_profile(), 2, PART_ROWS, SEED)
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "part-00002.parquet"), alone)


def test_rows_columns_dtypes_and_manifest(folder: Path, frame: pd.DataFrame) -> None:
    df = open_large_detections(folder)
    assert df.npartitions == 3 and len(frame) == ROWS
    assert list(df.columns) == ["x", "y", "scientificName", "sex", "hour", "timestamp"]
    dtypes = {name: str(dtype) for name, dtype in df.dtypes.items()}
    assert dtypes == {
        "x": "float64",
        "y": "float64",
        "scientificName": "category",
        "sex": "category",
        "hour": "int8",
        "timestamp": "datetime64[ns, UTC]",
    }
    assert df["scientificName"].cat.known and df["sex"].cat.known
    assert list(df["sex"].cat.categories) == ["female", "male"]
    manifest = json.loads((folder / MANIFEST).read_text())
    assert (manifest["n"], manifest["seed"], manifest["n_partitions"]) == (ROWS, SEED, 3)
    assert manifest["bounds"] == [625_000.0, 4_705_000.0, 745_000.0, 4_855_000.0]
    assert manifest["crs"] == "EPSG:32652" and set(manifest["columns"]) == set(df.columns)
    assert open_large_detections(folder, columns=["x", "y"]).columns.tolist() == ["x", "y"]


def test_positions_lie_inside_the_raster_and_on_land(frame: pd.DataFrame) -> None:
    with xr.open_dataset(STUDY / "habitat.nc", engine="h5netcdf") as habitat:
        land = habitat["land"].load()
    half = 125.0
    assert frame["x"].between(land.x.min().item() - half, land.x.max().item() + half).all()
    assert frame["y"].between(land.y.min().item() - half, land.y.max().item() + half).all()
    at = land.sel(x=xr.DataArray(frame["x"].to_numpy()), y=xr.DataArray(frame["y"].to_numpy()), method="nearest")
    assert bool(at.all()), f"{int((~at).sum())} detections in the sea"


def test_species_shares_hours_and_sex_follow_the_default_study(frame: pd.DataFrame) -> None:
    obs = pd.read_csv(STUDY / "observations.csv.gz", usecols=["observationLevel", "scientificName", "eventStart"])
    events = obs[(obs["observationLevel"] == "event") & obs["scientificName"].notna()]
    expected = events["scientificName"].value_counts(normalize=True)
    realised = frame["scientificName"].value_counts(normalize=True)
    assert set(frame["scientificName"].cat.categories) == set(expected.index)
    np.testing.assert_allclose(realised.reindex(expected.index).to_numpy(), expected.to_numpy(), atol=0.004)
    # sex for cats only
    is_cat = frame["scientificName"].isin(CATS)
    assert frame.loc[is_cat, "sex"].notna().all() and frame.loc[~is_cat, "sex"].isna().all()
    # the hour is the local hour of the timestamp, and inside the survey year
    local = frame["timestamp"].dt.tz_convert("Asia/Vladivostok")
    assert (local.dt.hour.to_numpy() == frame["hour"].to_numpy()).all()
    assert local.min() >= pd.Timestamp("2016-11-01", tz="Asia/Vladivostok")
    assert local.max() < pd.Timestamp("2017-11-01", tz="Asia/Vladivostok")
    # leopards keep their night-and-dusk hours, people their daytime ones
    hours = pd.to_datetime(events["eventStart"], utc=True, format="ISO8601").dt.tz_convert("Asia/Vladivostok").dt.hour
    for name in ("Panthera pardus orientalis", "Homo sapiens"):
        study_mean = np.angle(np.exp(2j * np.pi * hours[events["scientificName"] == name] / 24).mean())
        ours = np.angle(np.exp(2j * np.pi * frame.loc[frame["scientificName"] == name, "hour"] / 24).mean())
        assert abs(np.angle(np.exp(1j * (study_mean - ours)))) < 0.05, name


def test_cats_sit_around_their_activity_centres(frame: pd.DataFrame) -> None:
    truth = json.loads((STUDY / "truth.json").read_text())
    leopards = pd.DataFrame([i for i in truth["individuals"] if i["species"] == "leopard"])
    points = frame[frame["scientificName"] == "Panthera pardus orientalis"]
    d2 = (points["x"].to_numpy()[:, None] - leopards["ac_x"].to_numpy()) ** 2 + (
        points["y"].to_numpy()[:, None] - leopards["ac_y"].to_numpy()
    ) ** 2
    nearest = np.sqrt(d2.min(axis=1))
    assert np.median(nearest) < 3_500  # sigma is 2-3.5 km; with 100+ centres the nearest is closer still


def test_catalog_opens_the_folder_and_says_how_to_make_it(data_dir: Path, frame: pd.DataFrame, tmp_path: Path) -> None:
    cat = open_catalog("large", data_dir=data_dir)
    assert list(cat) == ["detections"]
    df = cat.detections.read()
    assert type(df).__module__.startswith("dask") and df.npartitions == 3
    pd.testing.assert_frame_equal(df.compute().reset_index(drop=True), frame)
    with pytest.raises(FileNotFoundError, match="run `make data-large`"):
        open_catalog("large", data_dir=tmp_path).detections.read()


def test_manifest_cannot_name_files_outside_its_folder(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest["files"][0]["name"] = "../outside.parquet"
    (copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="refused file name"):
        open_large_detections(copy)
    (copy / MANIFEST).unlink()
    with pytest.raises(FileNotFoundError, match="make data-large"):
        open_large_detections(copy)


def test_aggregates_on_dask_equal_pandas(folder: Path, frame: pd.DataFrame) -> None:
    df = open_large_detections(folder)
    grid = grid_for((625_000, 4_705_000, 745_000, 4_855_000), 1000)
    by_dask = aggregate_points(df, grid=grid, by="scientificName")
    by_pandas = aggregate_points(frame, grid=grid, by="scientificName")
    np.testing.assert_array_equal(by_dask.values, by_pandas.values)
    assert list(by_dask["scientificName"].values) == list(by_pandas["scientificName"].values)
    assert int(by_dask.sum()) == ROWS and by_dask.attrs["n_outside"] == 0
    np.testing.assert_array_equal(aggregate_points(df, grid=grid).values, aggregate_points(frame, grid=grid).values)


def test_command_line_writes_the_files(tmp_path: Path) -> None:
    assert (
        main(["large", str(tmp_path / "d"), "--rows", "2_500", "--partition-rows", "1000", "--seed", "3", "--quiet"])
        == 0
    )
    df = open_large_detections(tmp_path / "d")
    assert df.npartitions == 3 and len(df) == 2_500


@pytest.fixture
def cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.mark.filterwarnings("ignore:Sending large graph")  # the study profile (~11 MB) travels with the tasks
def test_the_same_code_runs_on_a_cluster(cluster, folder: Path, tmp_path: Path) -> None:
    from distributed import Client, get_task_stream

    grid = grid_for((625_000, 4_705_000, 745_000, 4_855_000), 500)
    local_count = aggregate_points(open_large_detections(folder), grid=grid)
    with Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        with get_task_stream(client) as stream:
            on_cluster = aggregate_points(open_large_detections(folder), grid=grid)
        assert len(stream.data) > 0  # the work ran on the cluster's workers
        # writing through the cluster gives the same files as the local thread pool
        written = write_large_detections(tmp_path / "c", n=ROWS, partition_rows=PART_ROWS, seed=SEED, progress=False)
    np.testing.assert_array_equal(on_cluster.values, local_count.values)
    assert {p.name: p.read_bytes() for p in written.files} == {
        p.name: p.read_bytes() for p in sorted(folder.glob("part-*.parquet"))
    }
