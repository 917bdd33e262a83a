"""Detection histories, spatial capture histories, RAI, naive occupancy and the survey report.

Reference (tests/data/reference/README.md, camtrapR 2.3.0, time zone Asia/Kuala_Lumpur):
``detectionHistory(recordTableSample, species = "VTA", occasionLength = 7, day1 = "station",
camOp = <with problems>)`` gives StationA 0,1,0,0,1,0,0; StationB 0,1,0,1,0,0,0; StationC 0,0,1,0,0,0,NA
with effort StationA 6.5,7,7,7,7,7,0.5 and StationC 6.5,7,7,7,7,3,NA; ``surveyReport`` gives trap nights
42, 43, 37.5 and events EGY 6 (1 station), MNE 2 (1), PBE 18 (3), TRA 8 (1), VTA 5 (3). camtrapR's
report counts the rows of the record table it is given; that table was made with minDeltaTime = 60,
so the same numbers come from our events at a 60-minute threshold. All compared exactly.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nbtools.effort import camera_operation, deployments_from_camtrapr, trap_nights
from nbtools.events import independent_events, observations_from_camtrapr
from nbtools.indices import (
    AFTER,
    DAY_WITHOUT_EFFORT,
    NO_EFFORT,
    detection_history,
    incidence_matrix,
    naive_occupancy,
    relative_abundance,
    richness_estimators,
    spatial_capture_history,
    species_accumulation,
    survey_report,
)

REF = Path(__file__).parent / "data" / "reference"
TZ = "Asia/Kuala_Lumpur"
NA = np.nan


@pytest.fixture(scope="module")
def camtrapr():
    table = pd.read_csv(REF / "camtrapR-camtraps.csv")
    deployments, problems = deployments_from_camtrapr(table, timezone=TZ, date_format="%d/%m/%Y")
    operation = camera_operation(deployments, problems=problems, timezone=TZ)
    records = observations_from_camtrapr(pd.read_csv(REF / "camtrapR-recordTableSample.csv"), timezone=TZ)
    events = independent_events(records, "60min")
    return deployments, problems, operation, events


def rows(frame: pd.DataFrame) -> dict[str, list[float]]:
    return {str(k): v for k, v in zip(frame.index, frame.to_numpy().tolist())}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(np.array(a[k]), np.array(b[k]), equal_nan=True) for k in a)


# --------------------------------------------------------------------------------------------------
# camtrapR reference
# --------------------------------------------------------------------------------------------------


def test_camtrapr_detection_history_vta(camtrapr):
    _, _, operation, events = camtrapr
    dh = detection_history(events, operation, "VTA", occasion_length=7, day1="station")
    assert same(
        rows(dh.detections),
        {
            "StationA": [0, 1, 0, 0, 1, 0, 0],
            "StationB": [0, 1, 0, 1, 0, 0, 0],
            "StationC": [0, 0, 1, 0, 0, 0, NA],
        },
    )
    effort = rows(dh.effort)
    assert same(
        {k: effort[k] for k in ("StationA", "StationC")},
        {"StationA": [6.5, 7, 7, 7, 7, 7, 0.5], "StationC": [6.5, 7, 7, 7, 7, 3, NA]},
    )
    assert effort["StationB"] == [6.5, 7, 7, 7, 7, 7, 1.5]  # 15/05 full day + retrieval 16/05 half day
    assert dh.records["counted"].all() and len(dh.records_outside) == 0
    assert dh.occasion_start.loc["StationB", 1] == pd.Timestamp("2009-04-03")


def test_camtrapr_survey_report(camtrapr):
    deployments, _, operation, events = camtrapr
    report = survey_report(events, operation, deployments)
    assert report.survey_dates["n_trap_nights"].tolist() == [42.0, 43.0, 37.5]
    assert report.survey_dates["n_calendar_days_inactive"].tolist() == [0, 0, 6]
    by_species = report.events_by_species.set_index("scientificName")
    assert by_species[["n_events", "n_stations"]].to_dict("index") == {
        "EGY": {"n_events": 6, "n_stations": 1},
        "MNE": {"n_events": 2, "n_stations": 1},
        "PBE": {"n_events": 18, "n_stations": 3},
        "TRA": {"n_events": 8, "n_stations": 1},
        "VTA": {"n_events": 5, "n_stations": 3},
    }
    assert report.species_by_station["n_species"].tolist() == [2, 3, 4]
    assert len(report.events_by_station2) == 15 and report.events_by_station2["n_events"].sum() == 39


def test_record_in_a_problem_period_is_counted_and_reported(camtrapr):
    # TRA at StationC on 2009-05-12 02:32 falls in the problem period (camera reported broken): camtrapR
    # counts it, since its occasion (09/05-15/05, day1 = station) has 3 days of effort; we count it too
    # and list it.
    _, _, operation, events = camtrapr
    dh = detection_history(events, operation, "TRA", occasion_length=7, day1="station")
    outside = dh.records_outside
    assert len(outside) == 1 and outside["reason"].iloc[0] == DAY_WITHOUT_EFFORT
    assert bool(outside["counted"].iloc[0]) and outside["occasion"].iloc[0] == 6
    assert dh.detections.loc["StationC", 6] == 1


def test_records_outside_effort_are_reported_not_dropped_silently(camtrapr):
    _, _, operation, events = camtrapr
    extra = pd.DataFrame(
        {
            "locationID": ["StationA", "StationC"],
            "scientificName": ["VTA", "VTA"],
            "eventStart": pd.DatetimeIndex(["2009-05-15 10:00", "2009-05-16 10:00"], tz=TZ).tz_convert("UTC"),
        }
    )
    more = pd.concat([events, extra], ignore_index=True)
    with pytest.warns(UserWarning, match="2 of 7 records were not counted"):
        dh = detection_history(more, operation, "VTA", occasion_length=7, day1="station")
    reasons = dh.records_outside.set_index("locationID")["reason"]
    assert reasons["StationA"] == AFTER  # after StationA's retrieval on 14/05
    assert reasons["StationC"] == NO_EFFORT  # StationC occasion 7 (16/05-17/05) had no effort
    assert dh.detections.loc["StationC", 7] != dh.detections.loc["StationC", 7]  # still NaN


def test_include_effort_false_and_min_active_days(camtrapr):
    _, _, operation, events = camtrapr
    dh = detection_history(events, operation, "VTA", 7, "station", include_effort=False)
    # camtrapR (calculateTrappingEffort): with includeEffort = FALSE an occasion is NA when any of its
    # days is NA or 0 in camOp (a half day of set-up is neither), and the last occasion when shorter
    # than occasionLength
    assert same(
        rows(dh.detections),
        {
            "StationA": [0, 1, 0, 0, 1, 0, NA],
            "StationB": [0, 1, 0, 1, 0, 0, NA],
            "StationC": [0, 0, 1, 0, 0, NA, NA],
        },
    )
    dh = detection_history(events, operation, "VTA", 7, "station", min_active_days=4)
    assert np.isnan(dh.effort.loc["StationC", 6]) and np.isnan(dh.effort.loc["StationA", 7])
    assert dh.effort.loc["StationA", 1] == 6.5


def test_day1_survey_and_date_and_counts(camtrapr):
    _, _, operation, events = camtrapr
    dh = detection_history(events, operation, "PBE", 10, "survey", output="count")
    # survey starts 02/04 (StationA); StationB's first occasion has 9.5 days (03/04 noon - 11/04)
    assert dh.effort.loc["StationB", 1] == 8.5 and dh.effort.loc["StationA", 1] == 9.5
    assert np.nansum(dh.detections.to_numpy()) == 18
    assert dh.detections.loc["StationB", 1] == 4  # 04-05 00:11, 04-05 23:13, 04-07, 04-10
    with pytest.warns(UserWarning, match="4 of 18 records were not counted"):
        dated = detection_history(events, operation, "PBE", 10, "2009-04-10")
    assert dated.occasion_start.loc["StationA", 1] == pd.Timestamp("2009-04-10")
    assert (
        dated.records["reason"] == "before the first occasion (before set-up, in the buffer or before day1)"
    ).sum() == 4


def test_detection_history_errors(camtrapr):
    _, _, operation, events = camtrapr
    with pytest.raises(ValueError, match="not found"):
        detection_history(events, operation, "Panthera pardus")
    with pytest.raises(ValueError, match="longer than the survey"):
        detection_history(events, operation, "VTA", occasion_length=60)
    stray = pd.concat(
        [
            events.astype({"locationID": object}),
            events.iloc[:1].astype({"locationID": object}).assign(locationID="StationX"),
        ],
        ignore_index=True,
    )
    with pytest.raises(ValueError, match="StationX"):
        detection_history(stray, operation, str(events["scientificName"].iloc[0]))
    with pytest.raises(ValueError, match="outside the survey"):
        detection_history(events, operation, "VTA", day1="2010-01-01")


def test_station_that_never_worked():
    dep = pd.DataFrame(
        {
            "deploymentID": ["d1", "d2"],
            "locationID": ["A", "B"],
            "deploymentStart": pd.to_datetime(["2024-01-01 12:00"] * 2, utc=True),
            "deploymentEnd": pd.to_datetime(["2024-01-15 12:00"] * 2, utc=True),
        }
    )
    broken = pd.DataFrame(
        {"deploymentID": ["d2"], "start": dep["deploymentStart"].iloc[:1], "end": dep["deploymentEnd"].iloc[:1]}
    )
    op = camera_operation(dep, problems=broken)
    assert trap_nights(op).tolist() == [14.0, 0.0]
    ev = pd.DataFrame(
        {"locationID": ["A"], "scientificName": ["x"], "eventStart": pd.to_datetime(["2024-01-03"], utc=True)}
    )
    dh = detection_history(ev, op, "x", 7, "station")
    assert dh.detections.loc["B"].isna().all()  # deployed (occasions from its set-up) but no effort
    assert dh.occasion_start.loc["B", 1] == pd.Timestamp("2024-01-01")
    assert dh.detections.loc["A"].tolist() == [1.0, 0.0, 0.0]
    # a station whose deployment lies outside the matrix's window has no occasions at all
    late = pd.concat(
        [
            dep,
            dep.iloc[:1].assign(
                deploymentID="d3",
                locationID="C",
                deploymentStart=pd.Timestamp("2024-02-01", tz="UTC"),
                deploymentEnd=pd.Timestamp("2024-02-05", tz="UTC"),
            ),
        ]
    )
    windowed = camera_operation(late, end="2024-01-20")
    dh = detection_history(ev, windowed, "x", 7, "station")
    assert dh.detections.loc["C"].isna().all() and dh.occasion_start.loc["C"].isna().all()
    assert relative_abundance(ev, op)["rai"].isna().tolist() == [False, True]  # no trap-nights at B
    assert naive_occupancy(ev, op)["n_stations"].tolist() == [1]


# --------------------------------------------------------------------------------------------------
# relative abundance, naive occupancy
# --------------------------------------------------------------------------------------------------


def test_relative_abundance(camtrapr):
    _, _, operation, events = camtrapr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TRA record in StationC's problem period (tested above)
        survey = relative_abundance(events, operation, by="survey").set_index("scientificName")
        station = relative_abundance(events, operation, "PBE").set_index("locationID")
    assert survey.loc["PBE", "rai"] == pytest.approx(18 / 122.5 * 100, rel=1e-12)
    assert survey.loc["PBE", "trap_nights"] == 122.5
    # PBE: 4 events at StationA (42 trap-nights), 8 at B (43), 6 at C (37.5)
    assert station["n_events"].tolist() == [4, 8, 6]
    assert station["rai"].tolist() == pytest.approx([400 / 42, 800 / 43, 600 / 37.5], rel=1e-12)


def test_relative_abundance_warns_about_events_on_days_without_operation(camtrapr):
    _, _, operation, events = camtrapr
    with pytest.warns(UserWarning, match="1 events counted .*StationC"):
        relative_abundance(events, operation, "TRA")


def test_naive_occupancy(camtrapr):
    _, _, operation, events = camtrapr
    occ = naive_occupancy(events, operation).set_index("scientificName")
    assert occ["naive_occupancy"].to_dict() == pytest.approx(
        {"EGY": 1 / 3, "MNE": 1 / 3, "PBE": 1.0, "TRA": 1 / 3, "VTA": 1.0}
    )
    assert occ.loc["MNE", "n_stations_detected"] == 1 and occ.loc["MNE", "n_stations"] == 3


# --------------------------------------------------------------------------------------------------
# spatial capture histories (recordTableIndividualSample, values derived by hand)
# --------------------------------------------------------------------------------------------------

# 21 leopard-cat records; three are second images of the same instant (StationB ind 3 04-25 04:33,
# StationC ind 1 04-06 03:00 and 04-14 23:30), so 18 events per individual at 60 min. 10-day occasions
# from the survey start 02/04: o1 02-11/04, o2 12-21/04, o3 22/04-01/05, o4 02-11/05, o5 12-17/05.
#   ind 1: B o1, o2, o3; C o1, o2, o3, o4; A o4                           (8)
#   ind 2: A o2, o3 x2 (04-22 20:19, 04-23 00:07); B o1 x3, o5; C o2     (8)
#   ind 3: B o3; C o4                                                     (2)
EXPECTED_CAPTURES = {
    ("1", 1, "StationB"): 1,
    ("1", 1, "StationC"): 1,
    ("1", 2, "StationB"): 1,
    ("1", 2, "StationC"): 1,
    ("1", 3, "StationB"): 1,
    ("1", 3, "StationC"): 1,
    ("1", 4, "StationA"): 1,
    ("1", 4, "StationC"): 1,
    ("2", 1, "StationB"): 3,
    ("2", 2, "StationA"): 1,
    ("2", 2, "StationC"): 1,
    ("2", 3, "StationA"): 2,
    ("2", 5, "StationB"): 1,
    ("3", 3, "StationB"): 1,
    ("3", 4, "StationC"): 1,
}


def test_spatial_capture_history(camtrapr):
    _, _, operation, _ = camtrapr
    table = pd.read_csv(REF / "camtrapR-recordTableIndividualSample.csv")
    records = observations_from_camtrapr(table, timezone=TZ, individual_col="Individual")
    events = independent_events(records, "60min", individual=True)
    assert len(events) == 18
    sch = spatial_capture_history(events, operation, "LeopardCat", occasion_length=10)
    assert sch.counts.shape == (3, 5, 3) and sch.detector == "count"
    captures = {(r.ID, r.occasion, r.trap): r.n for r in sch.captures.itertuples()}
    assert captures == EXPECTED_CAPTURES
    # usage = trap-days per occasion; StationC is broken from 12/05 (occasion 5)
    assert rows(sch.usage) == {
        "StationA": [9.5, 10.0, 10.0, 10.0, 2.5],
        "StationB": [8.5, 10.0, 10.0, 10.0, 4.5],
        "StationC": [7.5, 10.0, 10.0, 10.0, 0.0],
    }
    binary = spatial_capture_history(events, operation, "LeopardCat", occasion_length=10, output="binary")
    assert binary.detector == "proximity" and binary.counts.max() == 1 and binary.counts.sum() == 15


def test_spatial_capture_history_needs_individuals(camtrapr):
    _, _, operation, events = camtrapr
    with pytest.raises(ValueError, match="individual=True"):
        spatial_capture_history(events, operation, "PBE")
    with pytest.raises(ValueError, match="SECR needs"):
        spatial_capture_history(events.assign(individualID="x"), operation, "PBE", day1="station")


# --------------------------------------------------------------------------------------------------
# properties (hypothesis): the effort of a detection history sums to the trap-nights
# --------------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@example(spans=[(0, 24), (24, 24)], occasion_length=2, day1="station", n_events=0, seed=0)  # found by CI
@given(
    spans=st.lists(st.tuples(st.integers(0, 20 * 24), st.integers(24, 40 * 24)), min_size=1, max_size=5),
    occasion_length=st.integers(1, 9),
    day1=st.sampled_from(["station", "survey"]),
    n_events=st.integers(0, 30),
    seed=st.integers(0, 1000),
)
def test_effort_sums_to_trap_nights(spans, occasion_length, day1, n_events, seed):
    t0 = pd.Timestamp("2024-05-01", tz="UTC")
    dep = pd.DataFrame(
        {
            "deploymentID": [f"d{i}" for i in range(len(spans))],
            "locationID": [f"L{i}" for i in range(len(spans))],
            "deploymentStart": [t0 + pd.Timedelta(hours=s) for s, _ in spans],
            "deploymentEnd": [t0 + pd.Timedelta(hours=s + d) for s, d in spans],
        }
    )
    op = camera_operation(dep)
    if occasion_length > op.shape[1]:
        return
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(dep), n_events + 1)
    start = dep["deploymentStart"].iloc[pick].reset_index(drop=True)
    length = (dep["deploymentEnd"] - dep["deploymentStart"]).iloc[pick].reset_index(drop=True)
    when = start + length * rng.uniform(0, 0.999, n_events + 1)
    events = pd.DataFrame(
        {"locationID": dep["locationID"].iloc[pick].to_numpy(), "scientificName": "x", "eventStart": when}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every event lies inside a deployment: none may be left out
        try:
            dh = detection_history(events, op, "x", occasion_length, day1)
        except ValueError as error:  # day1="station": the longest station's survey can be shorter than op's days
            if "is longer than the survey" not in str(error):
                raise
            return
    assert np.nansum(dh.effort.to_numpy()) == pytest.approx(trap_nights(op).sum(), abs=1e-9)
    assert dh.records["counted"].all()
    det = dh.detections.to_numpy()
    assert np.array_equal(np.isnan(det), np.isnan(dh.effort.to_numpy()))
    count = detection_history(events, op, "x", occasion_length, day1, output="count").detections.to_numpy()
    assert np.nansum(count) == len(events)


# --------------------------------------------------------------------------------------------------
# species accumulation and richness estimators (vegan's specaccum / specpool formulas)
# --------------------------------------------------------------------------------------------------

# 5 stations x 6 species, worked by hand.
#        s1 s2 s3 s4 s5 s6     species per station: A 3, B 2, C 2, D 3, E 1 (mean 11/5 = 2.2)
#   A     1  1  0  0  1  0     stations per species f = 4, 3, 2, 1, 1, 0 (s6 never seen: ignored)
#   B     1  0  1  0  0  0     S_obs = 5, Q1 = 2 (s4, s5), Q2 = 1 (s3), m = 5, A = (m-1)/m = 0.8
#   C     1  1  0  0  0  0
#   D     1  0  1  1  0  0
#   E     0  1  0  0  0  0
# chao2 (Q2 > 0: classic)  = 5 + 0.8 * 2^2 / (2 * 1)             = 6.6
# chao2_bc                 = 5 + 0.8 * 2 * 1 / (2 * (1 + 1))     = 5.4
# var chao2, G = Q1/Q2 = 2 = Q2 (A G^2/2 + A^2 G^3 + A^2 G^4/4)  = 1.6 + 5.12 + 2.56 = 9.28
# jack1                    = 5 + 2 * 4/5                          = 6.6
# var jack1: species found at one station only, per station: A 1 (s5), D 1 (s4), B, C, E 0;
#            vegan's var.jack1 = (sum r^2 - Q1/m) (m-1)/m = (2 - 2/5) * 4/5 = 1.28
# jack2                    = 5 + 2 * (2*5 - 3)/5 - 1 * 3^2/(5*4)  = 5 + 2.8 - 0.45 = 7.35
# Exact accumulation, sum over species of 1 - C(5 - f, k)/C(5, k):
#   k = 1: (4 + 3 + 2 + 1 + 1)/5                                  = 2.2 (the mean per-station richness)
#   k = 2 (C(5,2) = 10): 1 + (1 - 1/10) + (1 - 3/10) + 2 (1 - 6/10) = 3.4
#   k = 3 (C(5,3) = 10): 1 + 1 + (1 - 1/10) + 2 (1 - 4/10)          = 4.1
#   k = 4 (C(5,4) = 5):  1 + 1 + 1 + 2 (1 - 1/5)                    = 4.6
#   k = 5:                                                         = 5
HAND = np.array(
    [
        [1, 1, 0, 0, 1, 0],
        [1, 0, 1, 0, 0, 0],
        [1, 1, 0, 0, 0, 0],
        [1, 0, 1, 1, 0, 0],
        [0, 1, 0, 0, 0, 0],
    ]
)
HAND_STATIONS = ["A", "B", "C", "D", "E"]
HAND_DAYS = [10, 8, 10, 6, 10]  # trap-nights per station: 44 in all, 8.8 on average
HAND_CURVE = [2.2, 3.4, 4.1, 4.6, 5.0]


def hand_study(matrix=HAND, days=HAND_DAYS, stations=HAND_STATIONS):
    """Events (one per detected station x species, on day 1) and an operation matrix with ``days`` full days."""
    columns = pd.date_range("2024-03-01", periods=max(days), name="date")
    values = [[1.0] * d + [np.nan] * (len(columns) - d) for d in days]
    operation = pd.DataFrame(values, index=pd.Index(stations, name="locationID"), columns=columns)
    rows = [(stations[i], f"s{j + 1}") for i, j in zip(*np.nonzero(matrix))]
    events = pd.DataFrame(rows, columns=["locationID", "scientificName"])
    events["eventStart"] = pd.Timestamp("2024-03-01 12:00", tz="UTC")
    return events, operation


def test_richness_estimators_by_hand():
    est = richness_estimators(HAND)
    assert est[["n_stations", "S_obs", "Q1", "Q2"]].tolist() == [5, 5, 2, 1]
    assert est["chao2"] == pytest.approx(6.6, abs=1e-12)
    assert est["chao2_bc"] == pytest.approx(5.4, abs=1e-12)
    assert est["chao2_se"] == pytest.approx(np.sqrt(9.28), abs=1e-12)
    assert est["jack1"] == pytest.approx(6.6, abs=1e-12)
    assert est["jack1_se"] == pytest.approx(np.sqrt(1.28), abs=1e-12)
    assert est["jack2"] == pytest.approx(7.35, abs=1e-12)
    # counts instead of 0/1 and a DataFrame give the same
    counts = pd.DataFrame(HAND * 3, index=HAND_STATIONS)
    pd.testing.assert_series_equal(richness_estimators(counts), est)


def test_richness_estimators_without_doubletons_use_the_bias_corrected_chao2(camtrapr):
    # camtrapR's sample: EGY, MNE, TRA at 1 of 3 stations, PBE and VTA at all 3: S = 5, Q1 = 3, Q2 = 0, A = 2/3
    # chao2 = 5 + 2/3 * 3 * 2 / (2 * 1) = 7; jack1 = 5 + 3 * 2/3 = 7; jack2 = 5 + 3 * 3/3 - 0 = 8
    # var chao2 = A*3*2/2 + A^2*3*5^2/4 - A^2*3^4/(4*7) = 2 + 75/9 - 9/7
    _, _, operation, events = camtrapr
    with pytest.warns(UserWarning, match="1 events counted in the incidence matrix .*StationC"):
        inc = incidence_matrix(events, operation)  # the TRA record in StationC's problem period still counts
    assert inc.shape == (3, 5) and inc.columns.tolist() == ["EGY", "MNE", "PBE", "TRA", "VTA"]
    est = richness_estimators(inc)
    assert est[["S_obs", "Q1", "Q2"]].tolist() == [5, 3, 0]
    assert est["chao2"] == pytest.approx(7.0) and est["chao2_bc"] == pytest.approx(7.0)
    assert est["chao2_se"] == pytest.approx(np.sqrt(2 + 75 / 9 - 9 / 7), abs=1e-12)
    assert est["jack1"] == pytest.approx(7.0) and est["jack2"] == pytest.approx(8.0)


def test_incidence_matrix_from_events():
    events, operation = hand_study()
    inc = incidence_matrix(events.iloc[::-1], operation)  # row order does not matter
    assert inc.index.tolist() == HAND_STATIONS
    assert inc.columns.tolist() == ["s1", "s2", "s3", "s4", "s5"]  # s6 had no event
    assert np.array_equal(inc.to_numpy(), HAND[:, :5])
    assert inc.attrs["trap_nights"].tolist() == HAND_DAYS
    # a station that worked but saw nothing is a sampling unit (a row of zeros); one that never worked is not
    extra = operation.copy()
    extra.loc["F"] = 1.0
    extra.loc["G"] = np.nan
    inc = incidence_matrix(events, extra, species=["s1", "s6"])
    assert inc.index.tolist() == HAND_STATIONS + ["F"] and inc.columns.tolist() == ["s1", "s6"]
    assert inc.loc["F"].tolist() == [0, 0] and inc["s6"].sum() == 0
    with pytest.warns(UserWarning, match="1 events at stations without trap-nights"):
        incidence_matrix(pd.concat([events, events.iloc[:1].assign(locationID="G")]), extra)


def all_orders_curves(matrix, days):
    """Accumulation curves and cumulative trap-nights over every order of the stations (5! = 120)."""
    present = np.asarray(matrix) > 0
    curves, nights = [], []
    for order in itertools.permutations(range(len(present))):
        order = list(order)
        curves.append(np.logical_or.accumulate(present[order], axis=0).sum(axis=1))
        nights.append(np.cumsum(np.asarray(days, float)[order]))
    return np.array(curves), np.array(nights)


def test_exact_accumulation_by_hand_and_over_all_orders():
    events, operation = hand_study()
    exact = species_accumulation(events, operation, method="exact")
    assert exact["n_stations"].tolist() == [1, 2, 3, 4, 5]
    assert exact["richness"].tolist() == pytest.approx(HAND_CURVE, abs=1e-12)
    assert exact["richness"].iloc[0] == pytest.approx(HAND.sum(axis=1).mean(), abs=1e-12)  # 2.2
    assert exact["trap_nights"].tolist() == pytest.approx([8.8 * k for k in range(1, 6)], abs=1e-12)
    curves, nights = all_orders_curves(HAND, HAND_DAYS)
    # the mean over all 120 orders is the exact curve, its SD over the orders the exact SD
    assert exact["richness"].to_numpy() == pytest.approx(curves.mean(axis=0), abs=1e-12)
    assert exact["sd"].to_numpy() == pytest.approx(curves.std(axis=0), abs=1e-12)
    assert exact["trap_nights"].to_numpy() == pytest.approx(nights.mean(axis=0), abs=1e-12)
    assert exact["sd"].iloc[-1] == 0


def test_random_accumulation():
    events, operation = hand_study()
    curve = species_accumulation(events, operation, n_permutations=2000, seed=1, progress=False)
    richness, sd = curve["richness"].to_numpy(), curve["sd"].to_numpy()
    assert np.all(np.diff(richness) >= 0)
    assert richness[-1] == 5 and sd[-1] == 0 and curve["trap_nights"].iloc[-1] == pytest.approx(44)
    # the mean of 2000 random orders is within 4 standard errors (SD/sqrt(2000)) of the exact curve,
    # and its SD within 0.05 species of the exact SD (the largest exact SD here is 0.8)
    curves, _ = all_orders_curves(HAND, HAND_DAYS)
    exact_sd = curves.std(axis=0)
    assert np.all(np.abs(richness - HAND_CURVE) <= 4 * exact_sd / np.sqrt(2000) + 1e-12)
    assert np.all(np.abs(sd - exact_sd) <= 0.05)
    assert abs(richness[0] - 2.2) <= 4 * exact_sd[0] / np.sqrt(2000)  # first point: mean per-station richness
    # the same seed gives the same curve, another seed another one
    again = species_accumulation(events, operation, n_permutations=2000, seed=1, progress=False)
    pd.testing.assert_frame_equal(curve, again)
    other = species_accumulation(events, operation, n_permutations=2000, seed=2, progress=False)
    assert not np.array_equal(other["richness"].to_numpy(), richness)
    gen = species_accumulation(events, operation, n_permutations=50, seed=np.random.default_rng(3), progress=False)
    assert len(gen) == 5 and curve.attrs["method"] == "random" and curve.attrs["n_permutations"] == 2000


# The Camtrap DP example at 30 min (tests/test_events.py derives its 26 events by hand): 4 stations with
# 11 station x species pairs: 2df5259b Anas platyrhynchos, Anas strepera, Aves; ce943ced Ardea, Aves;
# e254a13c Anas platyrhynchos, Ardea cinerea, Rattus norvegicus; ff1535c0 Martes foina, Mustela putorius,
# Vulpes vulpes (higher taxa such as "Aves" count as taxa of their own, as in camtrapR). S = 9, m = 4,
# Q1 = 7, Q2 = 2 (A. platyrhynchos, Aves): chao2 = 9 + 3/4 * 49/4 = 18.1875, jack1 = 9 + 7 * 3/4 = 14.25,
# jack2 = 9 + 7 * 5/4 - 2 * 4/12 = 17.0833...; one station holds on average (3 + 2 + 3 + 3)/4 = 2.75 taxa.
def test_species_accumulation_on_the_camtrap_dp_example(example_path):
    from nbtools.camtrapdp import read_camtrapdp

    package = read_camtrapdp(example_path, validate=False)
    events = independent_events(package.observations, "30min", deployments=package.deployments, media=package.media)
    operation = camera_operation(package.deployments)
    est = richness_estimators(incidence_matrix(events, operation))
    assert est[["n_stations", "S_obs", "Q1", "Q2"]].tolist() == [4, 9, 7, 2]
    assert est["chao2"] == pytest.approx(18.1875) and est["jack1"] == pytest.approx(14.25)
    assert est["jack2"] == pytest.approx(9 + 35 / 4 - 2 / 3)
    assert est["S_obs"] <= est["chao2_bc"] <= est["chao2"] and est["S_obs"] <= est["jack1"] <= est["jack2"]
    exact = species_accumulation(events, operation, method="exact")
    assert exact["richness"].iloc[0] == pytest.approx(2.75) and exact["richness"].iloc[-1] == pytest.approx(9)
    assert exact["trap_nights"].iloc[-1] == pytest.approx(trap_nights(operation).sum())
    curve = species_accumulation(events, operation, seed=5, progress=False)
    assert np.all(np.diff(curve["richness"]) >= 0) and curve["richness"].iloc[-1] == 9


def test_species_accumulation_bad_input():
    events, operation = hand_study()
    with pytest.raises(ValueError, match="no events"):
        species_accumulation(events.iloc[:0], operation, progress=False)
    with pytest.raises(ValueError, match="no events"):
        species_accumulation(events.assign(scientificName=None), operation, progress=False)
    with pytest.raises(ValueError, match=r"station\(s\) without camera operation .*'Z'"):
        species_accumulation(pd.concat([events, events.iloc[:1].assign(locationID="Z")]), operation, progress=False)
    with pytest.raises(ValueError, match="method must be"):
        species_accumulation(events, operation, method="rarefaction")
    with pytest.raises(ValueError, match="n_permutations"):
        species_accumulation(events, operation, n_permutations=1)
    with pytest.raises(ValueError, match="scientificName"):
        species_accumulation(events.drop(columns="scientificName"), operation)
    with pytest.raises(ValueError, match="at least 2 stations"):
        richness_estimators(HAND[:1])
    with pytest.raises(ValueError, match="no species detected"):
        richness_estimators(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        richness_estimators([[1, np.nan], [0, 1]])
    with pytest.raises(ValueError, match="2-D"):
        richness_estimators([1, 0, 1])


def test_doctests():
    import doctest

    import nbtools.indices as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
