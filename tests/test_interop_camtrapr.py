"""Tests of nbtools.interop.camtrapr: camtrapR's station table, record table and camera operation out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbtools.camtrapdp import read_camtrapdp
from nbtools.effort import camera_operation, deployments_from_camtrapr
from nbtools.events import independent_events, observations_from_camtrapr
from nbtools.interop import camtrapr_camera_operation, camtrapr_record_table, camtrapr_station_table, write_camtrapr


@pytest.fixture(scope="module")
def example(example_path: Path):
    return read_camtrapdp(example_path)


# --------------------------------------------------------------------------------------------------
# camtrapR
# --------------------------------------------------------------------------------------------------


def test_camtrapr_station_table_round_trips_effort(example):
    tz = "Europe/Brussels"
    ct = camtrapr_station_table(example, timezone=tz)
    assert list(ct.columns[:2]) == ["Station", "Camera"] and len(ct) == len(example.deployments)
    assert ct.loc[ct["Camera"] == "00a2c20d", "Setup_date"].item() == "2020-05-30 04:57:37"
    dep, problems = deployments_from_camtrapr(ct, timezone=tz, camera_col="Camera", date_format="%Y-%m-%d %H:%M:%S")
    assert problems.empty
    original = camera_operation(example.deployments, timezone=tz)
    pd.testing.assert_frame_equal(camera_operation(dep, timezone=tz), original)


def test_camtrapr_station_table_cameras_with_gaps():
    tz = "Asia/Vladivostok"
    deployments = pd.DataFrame(
        {
            "deploymentID": ["L1-1", "L1-2", "L2-1"],
            "locationID": ["L1", "L1", "L2"],
            "cameraID": ["C1", "C1", "C2"],
            "deploymentStart": pd.to_datetime(["2024-01-01 02:00", "2024-01-06 02:00", "2024-01-02 02:00"], utc=True),
            "deploymentEnd": pd.to_datetime(["2024-01-04 02:00", "2024-01-09 02:00", "2024-01-05 02:00"], utc=True),
        }
    )
    ct = camtrapr_station_table(deployments, timezone=tz, camera="camera")
    assert ct.columns.tolist() == ["Station", "Camera", "Setup_date", "Retrieval_date", "Problem1_from", "Problem1_to"]
    # L1: set up on 1 January, retrieved on 9 January, not recording from 4 to 6 January (local noon)
    l1_row = ["L1", "C1", "2024-01-01 12:00:00", "2024-01-09 12:00:00", "2024-01-04 12:00:00", "2024-01-06 12:00:00"]
    assert ct.iloc[0].tolist() == l1_row
    dep, problems = deployments_from_camtrapr(ct, timezone=tz, camera_col="Camera", date_format="%Y-%m-%d %H:%M:%S")
    original = camera_operation(deployments, timezone=tz)
    via_r = camera_operation(dep, timezone=tz, problems=problems)
    deployed = original.notna()
    pd.testing.assert_frame_equal(via_r[deployed], original[deployed])
    assert via_r.loc["L1", "2024-01-05"] == 0 and np.isnan(original.loc["L1", "2024-01-05"])  # gap: 0 in camtrapR


def test_camtrapr_record_table_round_trip(example):
    tz = "Europe/Brussels"
    rt = camtrapr_record_table(example, timezone=tz, threshold="30min")
    ev = independent_events(example.observations, "30min", deployments=example.deployments, media=example.media)
    assert len(rt) == len(ev)
    assert rt.columns.tolist()[:4] == ["Station", "Species", "DateTimeOriginal", "Date"]
    assert rt["FileName"].str.endswith(".JPG").all() and rt["Directory"].notna().all()
    back = observations_from_camtrapr(rt, timezone=tz, datetime_format="%Y-%m-%d %H:%M:%S")
    again = independent_events(back, "30min")
    key = ["locationID", "scientificName", "eventStart"]
    a = ev[key].astype({"locationID": str, "scientificName": str}).sort_values(key).reset_index(drop=True)
    b = again[key].astype({"locationID": str, "scientificName": str}).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_camtrapr_record_table_delta_times():
    deployments = pd.DataFrame(
        {
            "deploymentID": ["d1"],
            "locationID": ["A"],
            "deploymentStart": pd.to_datetime(["2024-01-01"], utc=True),
            "deploymentEnd": pd.to_datetime(["2024-01-10"], utc=True),
        }
    )
    obs = pd.DataFrame(
        {
            "observationID": ["o1", "o2", "o3"],
            "deploymentID": "d1",
            "scientificName": "Sus scrofa",
            "observationType": "animal",
            "observationLevel": "media",
            "eventStart": pd.to_datetime(["2024-01-02 00:00", "2024-01-02 01:30", "2024-01-04 09:00"], utc=True),
        }
    )
    obs["eventEnd"] = obs["eventStart"]

    class Package:
        pass

    pkg = Package()
    pkg.deployments, pkg.observations, pkg.media = deployments, obs, None
    rt = camtrapr_record_table(pkg, timezone="UTC")
    assert rt["delta.time.secs"].tolist() == [0, 5400, 199800]
    assert rt["delta.time.mins"].tolist() == [0, 90, 3330]
    assert rt["delta.time.hours"].tolist() == [0, 1.5, 55.5]
    assert rt["delta.time.days"].tolist() == [0, 0.1, 2.3]
    assert rt["Time"].tolist() == ["00:00:00", "01:30:00", "09:00:00"]


def test_write_camtrapr_files(tmp_path, example):
    paths = write_camtrapr(example, tmp_path / "r", timezone="Europe/Brussels")
    assert sorted(paths) == ["camera_operation", "camtraps", "record_table"]
    op = pd.read_csv(paths["camera_operation"], index_col="Station")
    expected = camtrapr_camera_operation(example, timezone="Europe/Brussels")
    np.testing.assert_allclose(op.to_numpy(), expected.to_numpy(), rtol=1e-5)
    assert op.columns[0] == "2020-05-30" and op.isna().any().any()
    assert len(pd.read_csv(paths["record_table"])) == len(camtrapr_record_table(example, timezone="Europe/Brussels"))


def test_doctests():
    import doctest
    import importlib

    for name in ("camtrapr",):
        module = importlib.import_module(f"nbtools.interop.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
