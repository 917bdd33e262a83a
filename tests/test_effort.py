"""Camera operation and trap-nights: camtrapR's cameraOperation, the Camtrap DP example, properties.

Reference (tests/data/reference/README.md, camtrapR 2.3.0): ``cameraOperation`` on ``camtraps``
(dates only, dd/mm/yyyy) gives 3 stations x 46 days (2009-04-02 to 2009-05-17); set-up and retrieval
days count 0.5, full days 1, days outside a station's deployment NA, days in StationC's problem period
(12/05-17/05) 0; row sums 42, 43, 43 without and 42, 43, 37.5 with problems. Values are sums of
halves and whole days, compared exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbtools.camtrapdp import read_camtrapdp
from nbtools.effort import camera_operation, deployments_from_camtrapr, trap_nights

REF = Path(__file__).parent / "data" / "reference"
TZ = "Asia/Kuala_Lumpur"


@pytest.fixture(scope="module")
def stations():
    table = pd.read_csv(REF / "camtrapR-camtraps.csv")
    return deployments_from_camtrapr(table, timezone=TZ, date_format="%d/%m/%Y")


@pytest.fixture(scope="module")
def example():
    return read_camtrapdp(Path(__file__).parents[1] / "data" / "camtrap-dp-example", validate=False)


def test_reading_the_camtrapr_station_table(stations):
    deployments, problems = stations
    assert deployments["deploymentID"].tolist() == ["StationA", "StationB", "StationC"]
    # dates only: set up and retrieved at 12:00 local time (UTC+8)
    assert deployments["deploymentStart"].iloc[0] == pd.Timestamp("2009-04-02 12:00", tz=TZ)
    assert deployments["deploymentEnd"].iloc[2] == pd.Timestamp("2009-05-17 12:00", tz=TZ)
    # Problem1 12/05-17/05 at StationC: from 00:00 of the first day to the retrieval (the end of the
    # last problem day is after the retrieval at noon)
    assert problems.to_dict("records") == [
        {
            "deploymentID": "StationC",
            "start": pd.Timestamp("2009-05-12 00:00", tz=TZ).tz_convert("UTC"),
            "end": pd.Timestamp("2009-05-17 12:00", tz=TZ).tz_convert("UTC"),
        }
    ]


def test_camtrapr_camera_operation_without_problems(stations):
    deployments, _ = stations
    op = camera_operation(deployments, timezone=TZ)
    assert op.shape == (3, 46)
    assert op.columns[0] == pd.Timestamp("2009-04-02") and op.columns[-1] == pd.Timestamp("2009-05-17")
    assert trap_nights(op).tolist() == [42.0, 43.0, 43.0]
    a = op.loc["StationA"]
    assert a["2009-04-02"] == 0.5 and a["2009-04-03"] == 1.0 and a["2009-05-14"] == 0.5
    assert a["2009-05-15":].isna().all()
    assert op.loc["StationC", "2009-04-02":"2009-04-03"].isna().all()
    assert op.loc["StationC", "2009-04-04"] == 0.5 and op.loc["StationC", "2009-05-17"] == 0.5


def test_camtrapr_camera_operation_with_problems(stations):
    deployments, problems = stations
    op = camera_operation(deployments, problems=problems, timezone=TZ)
    assert trap_nights(op).tolist() == [42.0, 43.0, 37.5]
    c = op.loc["StationC"]
    assert (c["2009-05-12":"2009-05-17"] == 0).all()  # deployed but broken: 0, not NaN
    assert c["2009-05-11"] == 1.0
    assert op.attrs["tz"] == TZ


def test_station_table_errors():
    table = pd.DataFrame(
        {"Station": ["A", "A"], "Setup_date": ["01/01/2020"] * 2, "Retrieval_date": ["05/01/2020"] * 2}
    )
    with pytest.raises(ValueError, match="more than once"):
        deployments_from_camtrapr(table, timezone="UTC", date_format="%d/%m/%Y")
    table = pd.DataFrame({"Station": ["A"], "Setup_date": ["2020-13-01"], "Retrieval_date": ["2020-01-05"]})
    with pytest.raises(ValueError, match="date_format"):
        deployments_from_camtrapr(table, timezone="UTC")
    table = pd.DataFrame(
        {
            "Station": ["A"],
            "Setup_date": ["2020-01-01"],
            "Retrieval_date": ["2020-01-05"],
            "Problem1_from": ["2020-01-03"],
            "Problem1_to": [None],
        }
    )
    with pytest.raises(ValueError, match="both be given"):
        deployments_from_camtrapr(table, timezone="UTC")


def test_camtrapr_multi_season_table_by_camera():
    # camtrapsMultiSeason repeats stations per session; as cameras (one per session) it reads, and by
    # station the 2009 and 2010 deployments of StationA are one row with the gap between them NaN.
    table = pd.read_csv(REF / "camtrapR-camtrapsMultiSeason.csv")
    deployments, problems = deployments_from_camtrapr(table, timezone=TZ, date_format="%d/%m/%Y", camera_col="session")
    assert len(deployments) == 7 and len(problems) == 3
    op = camera_operation(deployments, problems=problems, timezone=TZ)
    assert op.loc["StationA", "2009-06-01":"2010-03-31"].isna().all()
    assert trap_nights(op)["StationA"] == 42.0 * 2
    assert trap_nights(op)["StationD"] == 74 - 11  # 04/04-17/06/2010 is 74 days; 20/05-30/05 broken
    by_camera = camera_operation(deployments, by="deploymentID", problems=problems, timezone=TZ)
    assert by_camera.loc["StationC__CAM_2010"].sum() == 37.5


# --------------------------------------------------------------------------------------------------
# the Camtrap DP example: effort per deployment derived by hand from deployments.csv
# --------------------------------------------------------------------------------------------------

# deploymentEnd - deploymentStart, in days:
#   00a2c20d 2020-05-30T04:57:37+02:00 .. 2020-07-01T11:41:41+02:00 = 32 d 06:44:04 = 32 + 24244/86400
#   29b7d356 2020-07-29T07:29:41+02:00 .. 2020-08-08T06:20:40+02:00 =  9 d 22:50:59 =  9 + 82259/86400
#   577b543a 2020-06-19T23:00:00+02:00 .. 2020-06-29T01:33:22+02:00 =  9 d 02:33:22 =  9 +  9202/86400
#   62c200a9 2021-03-27T21:38:18+01:00 .. 2021-04-18T22:25:00+01:00 = 22 d 00:46:42 = 22 +  2802/86400
EXAMPLE_EFFORT = {
    "00a2c20d": 32 + 24244 / 86400,
    "29b7d356": 9 + 82259 / 86400,
    "577b543a": 9 + 9202 / 86400,
    "62c200a9": 22 + 2802 / 86400,
}


def test_example_effort_per_deployment(example):
    op = camera_operation(example.deployments, by="deploymentID", timezone="UTC")
    assert trap_nights(op).to_dict() == pytest.approx(EXAMPLE_EFFORT, abs=1e-9)
    # by location: each location has one deployment
    by_location = camera_operation(example.deployments, timezone="UTC")
    assert sorted(trap_nights(by_location).round(9)) == sorted(round(v, 9) for v in EXAMPLE_EFFORT.values())


def test_example_first_and_last_day_in_local_time(example):
    op = camera_operation(example.deployments, by="deploymentID", timezone="Europe/Brussels")
    row = op.loc["00a2c20d"].dropna()
    assert row.index[0] == pd.Timestamp("2020-05-30") and row.index[-1] == pd.Timestamp("2020-07-01")
    assert row.iloc[0] == pytest.approx((86400 - (4 * 3600 + 57 * 60 + 37)) / 86400, abs=1e-12)  # after 04:57:37
    assert row.iloc[-1] == pytest.approx((11 * 3600 + 41 * 60 + 41) / 86400, abs=1e-12)  # until 11:41:41
    # 62c200a9 spans the switch to summer time (28 March 2021): wall-clock days, so 1 h more than in UTC
    assert op.loc["62c200a9"].sum() == pytest.approx(EXAMPLE_EFFORT["62c200a9"] + 1 / 24, abs=1e-9)


# --------------------------------------------------------------------------------------------------
# semantics: gaps, several cameras, problems, day start
# --------------------------------------------------------------------------------------------------


def deployments(rows, tz="UTC"):
    return pd.DataFrame(
        {
            "deploymentID": [r[0] for r in rows],
            "locationID": [r[1] for r in rows],
            "deploymentStart": pd.to_datetime([r[2] for r in rows]).tz_localize(tz),
            "deploymentEnd": pd.to_datetime([r[3] for r in rows]).tz_localize(tz),
        }
    )


def test_gap_between_deployments_is_nan():
    dep = deployments(
        [("d1", "L", "2024-01-01 12:00", "2024-01-03 06:00"), ("d2", "L", "2024-01-06 18:00", "2024-01-08 00:00")]
    )
    op = camera_operation(dep)
    assert op.loc["L"].tolist()[:3] == [0.5, 1.0, 0.25]
    assert op.loc["L", "2024-01-04":"2024-01-05"].isna().all()
    assert op.loc["L"].tolist()[5:] == [0.25, 1.0]


def test_several_cameras_at_one_location():
    dep = deployments(
        [("d1", "L", "2024-01-01 00:00", "2024-01-03 00:00"), ("d2", "L", "2024-01-01 12:00", "2024-01-03 00:00")]
    )
    assert camera_operation(dep).loc["L"].tolist() == [1.0, 1.0]  # at least one camera: union, at most 1
    assert camera_operation(dep, cameras_independent=True).loc["L"].tolist() == [1.5, 2.0]
    assert camera_operation(dep, by="deploymentID").loc["d2"].tolist() == [0.5, 1.0]


def test_problems_by_location_and_by_deployment():
    dep = deployments([("d1", "L", "2024-01-01 00:00", "2024-01-05 00:00")])
    problems = pd.DataFrame(
        {
            "locationID": ["L"],
            "start": pd.to_datetime(["2024-01-02 06:00"], utc=True),
            "end": pd.to_datetime(["2024-01-03 12:00"], utc=True),
        }
    )
    assert camera_operation(dep, problems=problems).loc["L"].tolist() == [1.0, 0.25, 0.5, 1.0]
    with pytest.raises(ValueError, match="not in deployments"):
        camera_operation(dep, problems=problems.assign(locationID="X"))
    late = problems.assign(start=pd.Timestamp("2024-02-01", tz="UTC"), end=pd.Timestamp("2024-02-02", tz="UTC"))
    with pytest.raises(ValueError, match="does not overlap"):
        camera_operation(dep, problems=late)


def test_day_start_hour_and_window():
    dep = deployments([("d1", "L", "2024-01-01 12:00", "2024-01-02 12:00")])
    op = camera_operation(dep, day_start_hour=12)  # days run 12:00-12:00 (camtrapR's occasionStartTime)
    assert op.loc["L"].tolist() == [1.0]
    wide = camera_operation(dep, start="2023-12-30", end="2024-01-03")
    assert wide.shape[1] == 5 and wide.iloc[0].isna().tolist() == [True, True, False, False, True]


def test_bad_deployments():
    with pytest.raises(ValueError, match="not after deploymentStart"):
        camera_operation(deployments([("d1", "L", "2024-01-02", "2024-01-01")]))
    with pytest.raises(ValueError, match="duplicate deploymentID"):
        camera_operation(deployments([("d1", "L", "2024-01-01", "2024-01-02")] * 2))
    with pytest.raises(ValueError, match="no 'deploymentEnd'"):
        camera_operation(deployments([("d1", "L", "2024-01-01", "2024-01-02")]).drop(columns="deploymentEnd"))


# --------------------------------------------------------------------------------------------------
# properties (hypothesis)
# --------------------------------------------------------------------------------------------------

deployment_strategy = st.lists(
    st.tuples(
        st.integers(0, 2), st.integers(0, 30 * 24 * 60), st.integers(1, 20 * 24 * 60)
    ),  # location, start, minutes
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(rows=deployment_strategy, hour=st.integers(0, 23), independent=st.booleans())
def test_operation_values_and_sums(rows, hour, independent):
    t0 = pd.Timestamp("2024-03-01", tz="UTC")
    dep = pd.DataFrame(
        {
            "deploymentID": [f"d{i}" for i in range(len(rows))],
            "locationID": [f"L{loc}" for loc, _, _ in rows],
            "deploymentStart": [t0 + pd.Timedelta(minutes=s) for _, s, _ in rows],
            "deploymentEnd": [t0 + pd.Timedelta(minutes=s + d) for _, s, d in rows],
        }
    )
    durations = pd.Series([d / 1440 for _, _, d in rows], index=dep["deploymentID"])
    by_camera = camera_operation(dep, by="deploymentID", day_start_hour=hour)
    values = by_camera.to_numpy()
    assert np.all(np.isnan(values) | ((values >= 0) & (values <= 1 + 1e-12)))
    # every camera's row sums to its deployment length (UTC has no daylight saving)
    assert trap_nights(by_camera).to_numpy() == pytest.approx(durations[by_camera.index].to_numpy(), abs=1e-9)
    by_station = camera_operation(dep, cameras_independent=independent, day_start_hour=hour)
    per_location = durations.groupby(dep["locationID"].to_numpy()).sum()
    if independent:  # cameras add up
        assert trap_nights(by_station).to_numpy() == pytest.approx(per_location[by_station.index].to_numpy(), abs=1e-9)
    else:  # at most one trap-day per day, never more than the cameras' sum
        v = by_station.to_numpy()
        assert np.all(np.isnan(v) | ((v >= 0) & (v <= 1 + 1e-12)))
        assert np.all(trap_nights(by_station).to_numpy() <= per_location[by_station.index].to_numpy() + 1e-9)
    # NaN exactly where no camera of the station was deployed
    assert np.array_equal(
        np.isnan(by_station.to_numpy()),
        by_camera.isna().groupby(dep.set_index("deploymentID")["locationID"]).all().loc[by_station.index].to_numpy(),
    )


def test_doctests():
    import doctest

    import nbtools.effort as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
