"""Independent detection events: camtrapR's temporal filter, the Camtrap DP example, properties.

Reference values: camtrapR 2.3.0 sample data (tests/data/reference/README.md). The record table
``recordTableSample`` was made by camtrapR with ``minDeltaTime = 60`` and ``deltaTimeComparedTo =
"lastRecord"``, so grouping it again at 60 min must keep all 39 records; at 1440 min camtrapR keeps 34
(EGY 6, MNE 2, PBE 15, TRA 6, VTA 5) with either ``deltaTimeComparedTo``. Counts are exact (no tolerance).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbtools.camtrapdp import read_camtrapdp
from nbtools.events import group_events, independent_events, observations_from_camtrapr, select_records

REF = Path(__file__).parent / "data" / "reference"
TZ = "Asia/Kuala_Lumpur"  # camtrapR's timeZone for its sample data


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    table = pd.read_csv(REF / "camtrapR-recordTableSample.csv")
    return observations_from_camtrapr(table, timezone=TZ)


@pytest.fixture(scope="module")
def example():
    return read_camtrapdp(Path(__file__).parents[1] / "data" / "camtrap-dp-example", validate=False)


def per_species(events: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in events.groupby("scientificName", observed=True).size().items()}


# --------------------------------------------------------------------------------------------------
# camtrapR reference (exact)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("compare_to", ["last_record", "last_independent_record"])
def test_camtrapr_60_minutes_keeps_all_39_records(records, compare_to):
    events = independent_events(records, "60min", compare_to)
    assert len(events) == 39
    assert per_species(events) == {"EGY": 6, "MNE": 2, "PBE": 18, "TRA": 8, "VTA": 5}
    assert (events["n_observations"] == 1).all()


@pytest.mark.parametrize("compare_to", ["last_record", "last_independent_record"])
def test_camtrapr_1440_minutes_keeps_34(records, compare_to):
    events = independent_events(records, pd.Timedelta(minutes=1440), compare_to)
    assert len(events) == 34
    assert per_species(events) == {"EGY": 6, "MNE": 2, "PBE": 15, "TRA": 6, "VTA": 5}


def test_camtrapr_1440_minutes_merges_the_records_camtrapr_drops(records):
    # Hand check from the record table: PBE at StationB 2009-04-05 00:11 and 23:13 (23.0 h apart) are
    # one event; the next record, 2009-04-07 00:23, is 25.2 h after 23:13, so a new event.
    events = independent_events(records, "1440min")
    pbe_b = events[(events["locationID"] == "StationB") & (events["scientificName"] == "PBE")]
    first = pbe_b.iloc[0]
    assert first["n_observations"] == 2
    assert first["eventStart"] == pd.Timestamp("2009-04-05 00:11", tz=TZ)
    assert first["eventEnd"] == pd.Timestamp("2009-04-05 23:13", tz=TZ)
    assert pbe_b.iloc[1]["delta_time"] == pd.Timedelta("1 days 01:10:00")  # from the last record (lastRecord)
    assert pbe_b["n_observations"].tolist() == [2, 1, 1, 1, 2, 1]


def test_gap_equal_to_threshold_starts_a_new_event():
    # camtrapR: a record is independent when delta >= minDeltaTime
    obs = frame(["A", "A", "A"], ["x", "x", "x"], ["2024-01-01 00:00:00", "2024-01-01 00:30:00", "2024-01-01 00:59:59"])
    assert len(independent_events(obs, "30min")) == 2
    assert independent_events(obs, "30min")["n_observations"].tolist() == [1, 2]


def test_last_record_chains_but_last_independent_record_does_not():
    obs = frame(["A"] * 4, ["x"] * 4, ["2024-01-01 00:00", "2024-01-01 00:40", "2024-01-01 01:20", "2024-01-01 02:00"])
    assert len(independent_events(obs, "1h", "last_record")) == 1
    ev = independent_events(obs, "1h", "last_independent_record")
    assert ev["n_observations"].tolist() == [2, 2]
    assert ev["delta_time"].tolist()[1] == pd.Timedelta("80min")  # from the previous event's first record


def test_threshold_per_species():
    obs = frame(["A"] * 4, ["x", "x", "y", "y"], ["2024-01-01 00:00", "2024-01-01 00:45"] * 2)
    ev = independent_events(obs, {"x": "1h", "*": "30min"})
    assert per_species(ev) == {"x": 1, "y": 2}
    ev = independent_events(obs, {"y": "1h"})  # unlisted species: 30 min
    assert per_species(ev) == {"x": 2, "y": 1}


def test_cameras_independent():
    # two cameras at one location see the same animal within a minute
    dep = pd.DataFrame({"deploymentID": ["d1", "d2"], "locationID": ["L", "L"], "cameraID": ["c1", "c2"]})
    obs = frame(None, ["x", "x"], ["2024-01-01 00:00", "2024-01-01 00:01"], deployments=["d1", "d2"])
    together = independent_events(obs, "30min", deployments=dep)
    assert len(together) == 1 and together["deploymentID"].iloc[0] == "d1"
    apart = independent_events(obs, "30min", deployments=dep, cameras_independent=True)
    assert apart["cameraID"].tolist() == ["c1", "c2"]
    assert len(independent_events(obs, "30min", by="deploymentID")) == 2


def test_individuals_are_grouped_and_listed():
    obs = frame(["A"] * 3, ["x"] * 3, ["2024-01-01 00:00", "2024-01-01 00:05", "2024-01-01 00:10"])
    obs["individualID"] = pd.array(["m1", "f2", None], dtype="string")
    ev = independent_events(obs, "30min")
    assert ev["n_individuals"].tolist() == [2] and ev["individualIDs"].tolist() == ["f2, m1"]
    per_ind = independent_events(obs, "30min", individual=True)
    assert len(per_ind) == 3  # m1, f2 and the unidentified animal
    assert sorted(per_ind["individualID"].dropna().tolist()) == ["f2", "m1"]


def test_count_is_max_over_media_of_the_summed_rows():
    # one medium with an adult and two juveniles (two rows), a later medium with one animal
    obs = frame(["A"] * 3, ["x"] * 3, ["2024-01-01 00:00", "2024-01-01 00:00", "2024-01-01 00:01"])
    obs["mediaID"] = ["m1", "m1", "m2"]
    obs["count"] = pd.array([1, 2, 1], dtype="Int64")
    ev = independent_events(obs, "30min")
    assert ev[["n_observations", "n_media", "count"]].iloc[0].tolist() == [3, 2, 3]


# --------------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", ["0min", "-5min", pd.Timedelta(0)])
def test_threshold_must_be_positive(records, threshold):
    with pytest.raises(ValueError, match="must be > 0"):
        independent_events(records, threshold)


def test_bare_number_threshold_is_refused(records):
    with pytest.raises(TypeError, match="bare number"):
        independent_events(records, 30)


def test_observation_at_unknown_deployment(example):
    deployments = example.deployments[example.deployments["deploymentID"] != "29b7d356"]
    with pytest.raises(ValueError, match="29b7d356"):
        independent_events(example.observations, deployments=deployments)


def test_naive_timestamps_are_refused():
    obs = frame(["A"], ["x"], ["2024-01-01"])
    obs["eventStart"] = obs["eventStart"].dt.tz_localize(None)
    with pytest.raises(ValueError, match="without a time zone"):
        independent_events(obs)


def test_missing_location_needs_deployments(example):
    with pytest.raises(ValueError, match="deployments="):
        independent_events(example.observations)


# --------------------------------------------------------------------------------------------------
# the Camtrap DP example (values derived by hand from data/camtrap-dp-example/*.csv)
# --------------------------------------------------------------------------------------------------

# Every deployment of the example has event-level observations, so (level="auto") the 29 event-level
# animal rows are the records; the media-level rows describe the same sequences and are not counted
# again. Rows of one species in one sequence (eventID 52107a58: 1 adult female + 9 juvenile mallards;
# 79204343 and 14059fd2: two mallard rows each) are one sighting: 26 (sequence, species) pairs. Within
# a deployment no two sequences of one species are less than 60 min apart (the closest: Anas
# platyrhynchos at 2df5259b on 07-29 05:46 and 07-30 04:29), so both thresholds give 26 events.
EXAMPLE_EVENTS = {
    "Anas platyrhynchos": 12,  # 6 at deployment 29b7d356, 6 at 00a2c20d
    "Anas strepera": 2,
    "Ardea": 2,
    "Ardea cinerea": 1,
    "Aves": 2,
    "Martes foina": 1,
    "Mustela putorius": 3,
    "Rattus norvegicus": 2,
    "Vulpes vulpes": 1,
}


@pytest.mark.parametrize("threshold", ["30min", "60min"])
def test_example_event_counts(example, threshold):
    ev = independent_events(example.observations, threshold, deployments=example.deployments, media=example.media)
    assert per_species(ev) == EXAMPLE_EVENTS
    assert len(ev) == 26


def test_example_media_level_gives_the_same_events(example):
    ev = independent_events(example.observations, "30min", deployments=example.deployments, observation_level="media")
    assert per_species(ev) == EXAMPLE_EVENTS


def test_example_sequence_with_two_rows(example):
    # eventID 52107a58 (deployment 00a2c20d, 2020-06-06T04:11:07Z-04:11:13Z): rows count 1 and 9, so 10
    # mallards; media.csv has 10 images of 00a2c20d in that interval.
    ev = independent_events(example.observations, "30min", deployments=example.deployments, media=example.media)
    row = ev[(ev["eventStart"] == pd.Timestamp("2020-06-06T04:11:07Z"))].iloc[0]
    assert (row["scientificName"], row["n_observations"], row["n_media"], row["count"]) == (
        "Anas platyrhynchos",
        2,
        10,
        10,
    )
    assert row["locationID"] == "e254a13c" and row["deploymentID"] == "00a2c20d"


def test_select_records_never_uses_both_levels(example):
    rec = select_records(example.observations)
    assert set(rec["observationLevel"].astype(str)) == {"event"}
    assert len(rec) == 29


# --------------------------------------------------------------------------------------------------
# properties (hypothesis) against a plain-Python reference of camtrapR's rule
# --------------------------------------------------------------------------------------------------


def frame(stations, species, times, deployments=None) -> pd.DataFrame:
    out = pd.DataFrame({"scientificName": species, "eventStart": pd.to_datetime(times, utc=True, format="mixed")})
    if stations is not None:
        out.insert(0, "locationID", stations)
    if deployments is not None:
        out.insert(0, "deploymentID", deployments)
    return out


def reference_events(keys, times, threshold, from_start) -> set[frozenset[int]]:
    """camtrapR's rule, one row at a time: a row is independent when its time minus the reference
    (previous record, or the event's first record) is >= threshold."""
    groups = defaultdict(list)
    for i, (k, t) in enumerate(zip(keys, times)):
        groups[k].append((t, i))
    out = set()
    for rows in groups.values():
        rows.sort()
        current, ref, last = [], None, None
        for t, i in rows:
            if current and (t - (ref if from_start else last)) < threshold:
                current.append(i)
            else:
                if current:
                    out.add(frozenset(current))
                current, ref = [i], t
            last = t
        out.add(frozenset(current))
    return out


def as_sets(event: np.ndarray) -> set[frozenset[int]]:
    groups = defaultdict(list)
    for i, e in enumerate(event):
        groups[int(e)].append(i)
    return {frozenset(v) for v in groups.values()}


rows_strategy = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 400)), min_size=1, max_size=60)


@settings(max_examples=100, deadline=None)
@given(rows=rows_strategy, threshold=st.integers(1, 120), from_start=st.booleans())
def test_group_events_matches_the_reference_rule(rows, threshold, from_start):
    keys = np.array([s * 3 + p for s, p, _ in rows])
    times = np.array([t for _, _, t in rows], dtype=np.int64)
    compare_to = "last_independent_record" if from_start else "last_record"
    event, ev_key, ev_start, _ = group_events(keys, times, threshold, compare_to, nkeys=12)
    assert as_sets(event) == reference_events(keys.tolist(), times.tolist(), threshold, from_start)
    # numbering: chronological, simultaneous events by key
    assert list(zip(ev_start, ev_key)) == sorted(zip(ev_start, ev_key))
    assert (ev_start == np.array([times[event == e].min() for e in range(len(ev_key))])).all()


@settings(max_examples=40, deadline=None)
@given(rows=rows_strategy, threshold=st.integers(1, 120), seed=st.integers(0, 2**32 - 1))
def test_events_do_not_depend_on_row_order(rows, threshold, seed):
    obs = frame(
        [f"S{s}" for s, _, _ in rows],
        [f"sp{p}" for _, p, _ in rows],
        [pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=t) for _, _, t in rows],
    )
    obs["count"] = pd.array([1 + (t % 3) for _, _, t in rows], dtype="Int64")
    shuffled = obs.sample(frac=1, random_state=np.random.RandomState(seed % 2**32))
    a = independent_events(obs, pd.Timedelta(minutes=threshold))
    b = independent_events(shuffled, pd.Timedelta(minutes=threshold))
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(rows=rows_strategy, t1=st.integers(1, 200), t2=st.integers(1, 200))
def test_event_properties(rows, t1, t2):
    obs = frame(
        [f"S{s}" for s, _, _ in rows],
        [f"sp{p}" for _, p, _ in rows],
        [pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=t) for _, _, t in rows],
    )
    small, large = sorted((t1, t2))
    ev_small = independent_events(obs, pd.Timedelta(minutes=small))
    ev_large = independent_events(obs, pd.Timedelta(minutes=large))
    assert len(ev_large) <= len(ev_small) <= len(obs)  # monotone in the threshold, never more than records
    assert ev_small["n_observations"].sum() == len(obs)
    # a 1 ns threshold: one event per distinct station, species and instant
    tiny = independent_events(obs, pd.Timedelta(1, "ns"))
    assert len(tiny) == len(obs.drop_duplicates(["locationID", "scientificName", "eventStart"]))
    # lastRecord: within an event consecutive records are closer than the threshold, so the event
    # lasts less than threshold x (records - 1)
    thr = pd.Timedelta(minutes=small)
    assert (ev_small["eventEnd"] - ev_small["eventStart"] < thr * ev_small["n_observations"].clip(lower=1)).all()
    # every event starts >= threshold after the previous record of its station and species
    assert (ev_small["delta_time"].dropna() >= thr).all()


@settings(max_examples=30, deadline=None)
@given(rows=rows_strategy, threshold=st.integers(1, 120))
def test_last_independent_record_events_fit_in_the_threshold(rows, threshold):
    obs = frame(
        [f"S{s}" for s, _, _ in rows],
        [f"sp{p}" for _, p, _ in rows],
        [pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=t) for _, _, t in rows],
    )
    ev = independent_events(obs, pd.Timedelta(minutes=threshold), "last_independent_record")
    assert (ev["eventEnd"] - ev["eventStart"] < pd.Timedelta(minutes=threshold)).all()


def test_sort_paths_agree():
    """Time-sorted input (no sort), shuffled seconds (packed value sort) and shuffled nanoseconds
    (argsort fallback) give the same events."""
    rng = np.random.default_rng(5)
    n = 20_000
    keys = rng.integers(0, 50, n)
    secs = np.sort(rng.integers(0, 30 * 86_400, n)) * 10**9
    nanos = np.sort(rng.integers(0, 30 * 86_400 * 10**9, n))
    perm = rng.permutation(n)
    for times in (secs, nanos):
        a = group_events(keys, times, 1800 * 10**9)
        b = group_events(keys[perm], times[perm], 1800 * 10**9)
        assert np.array_equal(a[0][perm], b[0])
        assert all(np.array_equal(x, y) for x, y in zip(a[1:], b[1:]))


def test_doctests():
    import doctest
    import importlib

    attempted = 0
    names = ("events", "events.independent", "events.grouping", "events.camtrapr", "camtrapdp.select")
    for name in names:  # the package's files and select_records' new home
        module = importlib.import_module(f"nbtools.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
        attempted += result.attempted
    assert attempted > 0
