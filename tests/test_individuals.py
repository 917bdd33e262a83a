"""Tests of nbtools.individuals: records of identified animals, co-detections, companions, moves and ranges.

Small hand-made tables with the answers worked out by hand; the default study's family (Berry, her
mother Kedrovka and her cubs) for the whole chain. The IndividualExplorer that shows them is tested in
tests/test_widgets.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from nbtools.camtrapdp.select import select_records
from nbtools.catalog import open_catalog
from nbtools.individuals import co_detections, companions, detection_records, minimum_convex_polygon, moves
from nbtools.study import Study

BERRY = "Leo 4F"


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_catalog(open_catalog("leopard"))


@pytest.fixture
def records() -> pd.DataFrame:
    columns = ["locationID", "eventStart", "individualID", "scientificName", "lifeStage", "count", "observationID"]
    rows = [
        ("A", "2017-01-01 10:00:00", "F", "leo", "adult", 1, "o0"),
        ("A", "2017-01-01 10:00:00", None, "leo", "juvenile", 2, "o1"),
        ("A", "2017-01-01 10:30:00", "M", "leo", "adult", 1, "o2"),
        ("A", "2017-01-01 11:00:00", "T", "tig", "adult", 1, "o3"),
        ("A", "2017-01-01 11:00:01", "K", "leo", "juvenile", 1, "o4"),
        ("B", "2017-01-01 10:10:00", "M", "leo", "adult", 1, "o5"),
        ("A", "2017-01-02 10:00:00", "F", "leo", "adult", 1, "o6"),
        ("A", "2017-01-01 10:05:00", "F", "leo", "adult", 1, "o7"),
    ]
    records = pd.DataFrame(rows, columns=columns)
    records["eventStart"] = pd.to_datetime(records["eventStart"], utc=True)
    return records


def test_co_detections_window_station_and_unidentified(records: pd.DataFrame) -> None:
    pairs = co_detections(records, "F", "1h")
    got = sorted(zip(pairs["focal_observationID"], pairs["observationID"]))
    # o0 (10:00) pairs with the cub o1, M at 10:30 and T at 11:00 (inclusive), not K at 11:00:01 or M at B
    assert got == [("o0", "o1"), ("o0", "o2"), ("o0", "o3"), ("o7", "o1"), ("o7", "o2"), ("o7", "o3"), ("o7", "o4")]
    assert "o6" not in set(pairs["focal_observationID"])  # the next day: nobody within the hour
    assert pairs.loc[pairs["observationID"] == "o1", "label"].iloc[0] == "unidentified juvenile"
    assert pd.isna(pairs.loc[pairs["observationID"] == "o1", "individualID"].iloc[0])
    assert set(co_detections(records, "F", "1h", unidentified=False)["observationID"]) == {"o2", "o3", "o4"}
    assert co_detections(records, "F", "0min")["observationID"].tolist() == ["o1"]
    with pytest.raises(ValueError, match="no records"):
        co_detections(records, "nobody")


def test_companions_relations(records: pd.DataFrame) -> None:
    individuals = pd.DataFrame(
        {
            "individualID": ["F", "M", "T", "K", "G"],
            "scientificName": ["leo", "leo", "tig", "leo", "leo"],
            "sex": ["female", "male", "male", None, "female"],
            "lifeStage": ["adult", "adult", "adult", "juvenile", "adult"],
            "motherID": ["G", None, None, "F", None],
        }
    )
    pairs = co_detections(records, "F", "1h")
    table = companions(pairs, "F", individuals).set_index("label")
    assert table.loc["M", "relation"] == "opposite sex" and table.loc["T", "relation"] == "other species"
    assert table.loc["K", "relation"] == "offspring" and table.loc["unidentified juvenile", "relation"] == "young"
    assert table.loc["M", "n_focal"] == 2 and table.loc["M", "n_records"] == 1
    assert table.loc["M", "closest"] == pd.Timedelta(minutes=25)
    assert (
        companions(co_detections(records, "K", "2h"), "K", individuals).set_index("label").loc["F", "relation"]
        == "mother"
    )
    assert companions(pairs.iloc[:0], "F").empty


def test_moves_between_consecutive_detections() -> None:
    history = pd.DataFrame(
        {
            "locationID": ["A", "A", "B", "B", "A"],
            "eventStart": pd.to_datetime(
                ["2017-01-01", "2017-01-02", "2017-01-05", "2017-01-06", "2017-01-09"], utc=True
            ),
        }
    )
    positions = pd.DataFrame({"x": [0.0, 3000.0], "y": [0.0, 4000.0]}, index=["A", "B"])
    m = moves(history, positions)
    assert m[["from", "to"]].values.tolist() == [["A", "B"], ["B", "A"]]
    assert m["distance_m"].tolist() == [5000.0, 5000.0]
    assert m["elapsed"].tolist() == [pd.Timedelta(days=3), pd.Timedelta(days=3)]


def test_detection_records_one_level_per_deployment_with_locations(study: Study) -> None:
    rec = detection_records(study.observations, study.deployments)
    assert rec.columns.tolist() == (
        "observationID deploymentID locationID eventStart scientificName individualID lifeStage count".split()
    )
    selected = select_records(study.observations)
    assert rec["observationID"].tolist() == selected["observationID"].astype(str).tolist()
    location_of = study.deployments.set_index("deploymentID")["locationID"].astype(str)
    assert (rec["locationID"] == rec["deploymentID"].map(location_of)).all()
    assert str(rec["eventStart"].dt.tz) == "UTC" and rec["locationID"].notna().all()
    assert rec["individualID"].notna().sum() == selected["individualID"].notna().sum()


def test_detection_records_without_optional_columns() -> None:
    obs = pd.DataFrame(
        {
            "deploymentID": ["d1", "d2"],
            "eventStart": pd.to_datetime(["2017-01-01 10:00", "2017-01-01 11:00"], utc=True),
            "scientificName": ["leo", "tig"],
        }
    )
    deps = pd.DataFrame({"deploymentID": ["d1", "d2"], "locationID": ["A", "B"]})
    rec = detection_records(obs, deps)
    assert rec["locationID"].tolist() == ["A", "B"] and rec["observationID"].tolist() == ["0", "1"]
    assert rec["individualID"].isna().all() and rec["count"].tolist() == [1, 1]


def test_minimum_convex_polygon_area_and_degenerate_cases() -> None:
    square = pd.DataFrame({"x": [0.0, 2000.0, 2000.0, 0.0, 1000.0, 0.0], "y": [0.0, 0.0, 3000.0, 3000.0, 1500.0, 0.0]})
    hull = minimum_convex_polygon(square)
    assert hull.geom_type == "Polygon" and hull.area == 6_000_000.0  # m²; inner and repeated points change nothing
    assert minimum_convex_polygon(square.iloc[:2]).area == 0.0  # two stations: a line
    assert minimum_convex_polygon(square.iloc[:0]).is_empty
    assert minimum_convex_polygon(square.rename(columns={"x": "e", "y": "n"}), x="e", y="n").equals(hull)
    with pytest.raises(ValueError, match="no 'x' column"):
        minimum_convex_polygon(square.drop(columns="x"))
    with pytest.raises(ValueError, match="missing"):
        minimum_convex_polygon(square.assign(x=[0.0, np.nan, 1.0, 2.0, 3.0, 4.0]))


def test_berrys_range_is_the_hull_of_her_stations(study: Study) -> None:
    rec = detection_records(study.observations, study.deployments)
    positions = study.deployments.groupby("locationID", observed=True)[["x", "y"]].mean()
    stations = positions.loc[sorted(set(rec.loc[rec["individualID"] == BERRY, "locationID"]))]
    hull = minimum_convex_polygon(stations)
    assert hull.area > 0
    assert all(hull.buffer(1e-6).contains(point) for point in shapely.points(stations.to_numpy()))
    assert {tuple(c) for c in np.asarray(hull.exterior.coords)} <= {tuple(p) for p in stations.to_numpy()}


def test_doctests() -> None:
    import doctest

    import nbtools.individuals as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 2
