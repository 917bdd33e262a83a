"""The explorers of nbtools.widgets, driven by setting control values, without a browser.

Each test sets controls as a user would and checks that ``.result`` holds what the pure functions
underneath give for the same inputs (events, effort, RAI, overlap, sun time, capture histories,
co-detections, findings). The co-detection functions themselves are tested in tests/test_individuals.py.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from nbtools import activity
from nbtools.catalog import open_catalog
from nbtools.effort import camera_operation
from nbtools.events import independent_events, select_records
from nbtools.indices import relative_abundance
from nbtools.quality import check_deployments
from nbtools.study import Study
from nbtools.widgets import ActivityExplorer, IndividualExplorer, QualityExplorer, StudyExplorer, daily_media

LEOPARD, TIGER, SIKA = "Panthera pardus orientalis", "Panthera tigris altaica", "Cervus nippon"
BERRY = "Leo 4F"

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_catalog(open_catalog("leopard"))


def _events(study: Study, species: list[str], minutes: int, start: str | None = None, end: str | None = None):
    sub = study.subset(species=species, start=start, end=end)
    events = independent_events(sub.observations, threshold=f"{minutes}min", deployments=sub.deployments)
    return sub, events


def _counts(events: pd.DataFrame) -> pd.Series:
    return events.groupby([events["locationID"].astype(str), events["scientificName"].astype(str)]).size().sort_index()


# --- StudyExplorer ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def explorer(study: Study) -> StudyExplorer:
    return StudyExplorer(study)


def test_study_explorer_starts_with_leopards_at_30_minutes(study: Study, explorer: StudyExplorer) -> None:
    r = explorer.result
    assert r.species == (LEOPARD,) and r.threshold == "30min" and r.start is None and r.end is None
    _, expected = _events(study, [LEOPARD], 30)
    assert len(r.events) == len(expected)
    pd.testing.assert_series_equal(_counts(r.events), _counts(expected))


def test_threshold_60_minutes_gives_exactly_independent_events_at_60(study: Study, explorer: StudyExplorer) -> None:
    before = len(explorer.result.events)
    explorer.threshold.value = 60
    r = explorer.result
    _, expected = _events(study, [LEOPARD], 60)
    assert r.threshold == "60min"
    assert len(r.events) == len(expected) < before
    pd.testing.assert_series_equal(_counts(r.events), _counts(expected))
    assert r.n_events == {LEOPARD: len(expected)}
    explorer.threshold.value = 30
    assert len(explorer.result.events) == before  # back from the cache, same numbers


def test_species_choice_gives_the_rai_of_relative_abundance(study: Study, explorer: StudyExplorer) -> None:
    explorer.species.value = (LEOPARD, TIGER)
    try:
        r = explorer.result
        sub, events = _events(study, [LEOPARD, TIGER], 30)
        operation = camera_operation(sub.deployments, timezone=sub.timezone)
        expected = relative_abundance(events, operation, species=[LEOPARD, TIGER])
        pd.testing.assert_frame_equal(r.rai.reset_index(drop=True), expected.reset_index(drop=True))
        survey = relative_abundance(events, operation, species=[LEOPARD, TIGER], by="survey").set_index(
            "scientificName"
        )
        table = r.species_table.set_index("scientificName")
        np.testing.assert_allclose(table["rai"], survey.loc[table.index, "rai"])
        assert table["n_events"].to_dict() == survey["n_events"].to_dict()
        assert [value for _, value in explorer.map_species.options] == [LEOPARD, TIGER]
        explorer.map_species.value = TIGER
        assert explorer.result.map_species == TIGER
    finally:
        explorer.species.value = (LEOPARD,)
    assert explorer.result.species == (LEOPARD,) and explorer.map_species.value == LEOPARD


def test_date_range_gives_the_subset_study(study: Study, explorer: StudyExplorer) -> None:
    with explorer.hold():
        explorer.start.value = dt.date(2017, 3, 1)
        explorer.end.value = dt.date(2017, 6, 1)
    try:
        r = explorer.result
        assert (r.start, r.end) == ("2017-03-01", "2017-06-01")
        sub, events = _events(study, [LEOPARD], 30, "2017-03-01", "2017-06-01")
        operation = camera_operation(sub.deployments, timezone=sub.timezone)
        pd.testing.assert_frame_equal(r.operation, operation)
        pd.testing.assert_series_equal(_counts(r.events), _counts(events))
        local = r.events["eventStart"].dt.tz_convert(study.timezone)
        assert local.min() >= pd.Timestamp("2017-03-01", tz=study.timezone)
        assert local.max() < pd.Timestamp("2017-06-01", tz=study.timezone)
        expected = relative_abundance(events, operation, species=[LEOPARD])
        np.testing.assert_allclose(r.rai["rai"].to_numpy(), expected["rai"].to_numpy())
        assert r.trap_nights == pytest.approx(float(operation.sum(axis=1).sum()))
    finally:
        with explorer.hold():
            explorer.start.value = explorer.first_day
            explorer.end.value = explorer.last_day
    assert explorer.result.start is None and explorer.result.end is None


def test_impossible_controls_say_why_and_keep_the_result(explorer: StudyExplorer) -> None:
    kept = explorer.result
    explorer.species.value = ()
    assert explorer.result is kept and "at least one species" in explorer.status.value
    with explorer.hold():
        explorer.species.value = (LEOPARD,)
        explorer.start.value = dt.date(2017, 6, 1)
        explorer.end.value = dt.date(2017, 3, 1)
    assert explorer.result is kept and "period is empty" in explorer.status.value
    with explorer.hold():
        explorer.start.value, explorer.end.value = explorer.first_day, explorer.last_day
    assert explorer.result.species == (LEOPARD,) and "&#9888;" not in explorer.status.value


def test_the_view_renders_bokeh_panes_and_redraws_only_what_changed(explorer: StudyExplorer) -> None:
    from jupyter_bokeh import BokehModel

    view = explorer.widget
    assert view is explorer.widget  # built once
    assert isinstance(explorer._map.model, BokehModel) and isinstance(explorer._timeline.model, BokehModel)
    maps, timelines = explorer._map.renders, explorer._timeline.renders
    explorer.threshold.value = 120
    assert explorer._map.renders == maps + 1 and explorer._timeline.renders == timelines  # effort did not change
    explorer.threshold.value = 30
    assert "Events and RAI per species" in explorer._table.value


# --- ActivityExplorer -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def times(study: Study) -> pd.DataFrame:
    return activity.study_event_times(study)


@pytest.fixture(scope="module")
def act(study: Study) -> ActivityExplorer:
    return ActivityExplorer(study)


def test_activity_dhat_equals_overlap_estimates_on_the_same_times(act: ActivityExplorer, times: pd.DataFrame) -> None:
    r = act.result
    assert r.species == (LEOPARD, TIGER) and r.time == "sun" and r.adjust == 1.0 and not r.bootstrap
    sun = activity.times_by_species(times, "sun_rad", species=[LEOPARD, TIGER])
    np.testing.assert_array_equal(r.times[LEOPARD], sun[LEOPARD])
    est = activity.overlap_estimates(sun[LEOPARD], sun[TIGER])
    got = r.estimates[(LEOPARD, TIGER)]
    assert (got.dhat1, got.dhat4, got.dhat5) == (est.dhat1, est.dhat4, est.dhat5)
    assert r.dhat == est.estimate and r.table.loc[0, "estimator"] == est.recommended
    assert r.interval is None
    pd.testing.assert_frame_equal(r.curves, activity.density_curves(sun))


def test_clock_or_sun_switches_times_as_sun_time_says(act: ActivityExplorer, times: pd.DataFrame, study: Study) -> None:
    sun = act.result.times[LEOPARD]
    act.clock_or_sun.value = "clock"
    try:
        clock = act.result.times[LEOPARD]
        leo = times[times["scientificName"] == LEOPARD]
        np.testing.assert_array_equal(clock, leo["time_rad"].to_numpy())
        assert not np.allclose(clock, sun)
        again = activity.sun_time(
            clock, leo["eventStart"], leo["latitude"].to_numpy(), leo["longitude"].to_numpy(), timezone=study.timezone
        )
        np.testing.assert_allclose(again, sun, atol=1e-12)
        c = activity.times_by_species(times, "time_rad", species=[LEOPARD, TIGER])
        assert act.result.dhat == activity.overlap_estimates(c[LEOPARD], c[TIGER]).estimate
    finally:
        act.clock_or_sun.value = "sun"


def test_bandwidth_adjustment_scales_overlaps_defaults(act: ActivityExplorer, times: pd.DataFrame) -> None:
    act.adjust.value = 2.0
    try:
        sun = activity.times_by_species(times, "sun_rad", species=[LEOPARD, TIGER])
        est = activity.overlap_estimates(sun[LEOPARD], sun[TIGER], adjust=(1.6, 2.0, 8.0))
        assert act.result.dhat == est.estimate and act.result.adjust == 2.0
        pd.testing.assert_frame_equal(act.result.curves, activity.density_curves(sun, adjust=2.0))
    finally:
        act.adjust.value = 1.0


def test_more_species_are_compared_with_the_first(act: ActivityExplorer, times: pd.DataFrame) -> None:
    act.species.value = (LEOPARD, TIGER, SIKA)
    try:
        table = act.result.table
        assert list(zip(table["species_a"], table["species_b"])) == [(LEOPARD, TIGER), (LEOPARD, SIKA)]
        sun = activity.times_by_species(times, "sun_rad", species=[LEOPARD, SIKA])
        assert table.loc[1, "estimate"] == activity.overlap_estimates(sun[LEOPARD], sun[SIKA]).estimate
        act.species.value = (TIGER,)
        assert "at least two species" in act.status.value and len(act.result.species) == 3
    finally:
        act.species.value = (LEOPARD, TIGER)


def test_bootstrap_is_off_by_default_and_gives_bootstrap_ci(act: ActivityExplorer) -> None:
    with act.hold():
        act.n_boot.value = 200
        act.bootstrap.value = True
    try:
        r = act.result
        draws = r.draws[(LEOPARD, TIGER)]
        assert draws.shape == (200,) and r.bootstrap
        ci = activity.bootstrap_ci(r.dhat, draws, kind="basic0")
        assert r.interval == (float(ci["lower"].iloc[0]), float(ci["upper"].iloc[0]))
        assert r.interval[0] < r.dhat < r.interval[1]
        assert abs(float(np.nanmean(draws)) - r.dhat) < 0.05
        act.bootstrap.value = False
        assert act.result.interval is None
        act.bootstrap.value = True
        assert act.result.interval == r.interval  # cached: the same resamples
    finally:
        with act.hold():
            act.bootstrap.value = False
            act.n_boot.value = 1000


# --- IndividualExplorer -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ind(study: Study) -> IndividualExplorer:
    return IndividualExplorer(study)


def test_berry_is_the_default_and_her_capture_history_is_her_events(ind: IndividualExplorer, study: Study) -> None:
    r = ind.result
    assert r.individual == BERRY and r.name == "Berry" and "Berry (Leo 4F)" in ind.individual.label
    obs = study.observations
    mine = obs[(obs["individualID"] == BERRY).fillna(False).to_numpy(dtype=bool)]
    expected = independent_events(mine, threshold="30min", deployments=study.deployments, individual=True)
    assert len(r.history) == len(expected)
    assert r.history["eventStart"].is_monotonic_increasing
    location = study.deployments.set_index("deploymentID")["locationID"].astype(str)
    seen = set(mine["deploymentID"].astype(str).map(location))
    assert set(r.stations["locationID"]) == seen and "DEN1" in seen  # the den where she raised her cubs
    assert r.stations["n_events"].sum() == len(r.history)
    positions = study.deployments.groupby(study.deployments["locationID"].astype(str))[["x", "y"]].mean()
    np.testing.assert_allclose(r.stations.set_index("locationID")[["x", "y"]], positions.loc[r.stations["locationID"]])
    # moves: one per change of station between consecutive detections
    where = r.history["locationID"].astype(str).to_numpy()
    assert len(r.moves) == int((where[1:] != where[:-1]).sum())
    assert (r.moves["from"] != r.moves["to"]).all() and (r.moves["distance_m"] > 0).all()


def _brute_force_pairs(study: Study, rec: pd.DataFrame, individual: str, window: pd.Timedelta) -> set[tuple[str, str]]:
    location = study.deployments.set_index("deploymentID")["locationID"].astype(str)
    loc = rec["deploymentID"].astype(str).map(location).to_numpy()
    ids = rec["individualID"].astype(object).fillna("").to_numpy()
    t = rec["eventStart"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    oid = rec["observationID"].astype(str).to_numpy()
    sp = rec["scientificName"].astype(str).to_numpy()
    focal = np.flatnonzero(ids == individual)
    species = pd.Series(sp[focal]).mode().iloc[0]
    pairs = set()
    for i in focal:
        near = (loc == loc[i]) & (np.abs(t - t[i]) <= window.to_timedelta64()) & (ids != individual)
        near &= (ids != "") | (sp == species)
        pairs |= {(oid[i], oid[j]) for j in np.flatnonzero(near)}
    return pairs


def test_berrys_co_detections_are_those_in_the_observations(ind: IndividualExplorer, study: Study) -> None:
    rec = select_records(study.observations)  # the animal records, one level per deployment
    assert len(ind.records) == len(rec) and ind.records["locationID"].notna().all()
    for minutes in (60, 1440):
        ind.window.value = minutes
        r = ind.result
        got = set(zip(r.co_detections["focal_observationID"], r.co_detections["observationID"]))
        assert got == _brute_force_pairs(study, rec, BERRY, pd.Timedelta(minutes=minutes))
        assert (r.co_detections["lag"].abs() <= pd.Timedelta(minutes=minutes)).all()
    comp = ind.result.companions.set_index("label")
    # her two unidentified cubs are in the same photographs (lag 0), at the den among other places
    cubs = comp.loc["unidentified juvenile"]
    assert cubs["relation"] == "young" and cubs["closest"] == pd.Timedelta(0) and "DEN1" in cubs["stations"]
    males = comp[comp["relation"] == "opposite sex"]
    assert len(males) and all(label.startswith("Leo") and label.endswith("M") for label in males.index)
    assert (comp.loc[comp["scientificName"] == TIGER, "relation"] == "other species").all()
    wider = set(comp.index)
    ind.window.value = 60
    assert set(ind.result.companions["label"]) <= wider


def test_choosing_another_individual(ind: IndividualExplorer, study: Study) -> None:
    ind.individual.value = "Leo 1F"
    try:
        r = ind.result
        assert r.name == "Kedrovka" and (r.history["individualID"].astype(str) == "Leo 1F").all()
        ind.widget  # noqa: B018  (draws the map and the timeline)
        assert ind._map.model is not None and ind._timeline.model is not None
    finally:
        ind.individual.value = BERRY


# --- QualityExplorer --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(study: Study) -> Study:
    """17 locations around Berry's den (check_deployments takes about 10 s on the whole study)."""
    return study.subset(area=box(690_000, 4_770_000, 705_000, 4_785_000))


@pytest.fixture(scope="module")
def small_findings(small: Study) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return check_deployments(small)


def test_quality_findings_equal_check_deployments(small: Study, small_findings: pd.DataFrame) -> None:
    expected = small_findings
    q = QualityExplorer(small)
    pd.testing.assert_frame_equal(q.result.findings, expected)
    pd.testing.assert_frame_equal(q.findings, expected)
    assert q.result.deployment is None and q.result.evidence is None
    assert int(q.result.summary["findings"].sum()) == len(expected)

    q.check.value = ("stopped_recording",)
    pd.testing.assert_frame_equal(q.result.findings, expected[expected["check"] == "stopped_recording"])
    deps = [v for _, v in q.deployment.options][1:]
    assert deps == sorted(set(expected.loc[expected["check"] == "stopped_recording", "deploymentID"].astype(str)))

    q.severity.value = ("info",)  # no stopped_recording finding is only info
    assert q.result.findings.empty and [v for _, v in q.deployment.options] == ["(all deployments)"]

    with q.hold():
        q.check.value = tuple(v for _, v in q.check.options)
        q.severity.value = tuple(q.severity.options)
    pd.testing.assert_frame_equal(q.result.findings, expected)


def test_quality_evidence_of_one_deployment(small: Study, small_findings: pd.DataFrame) -> None:
    q = QualityExplorer(small, findings=small_findings)
    dep = [v for _, v in q.deployment.options][1]
    q.deployment.value = dep
    r = q.result
    location = small.deployments.set_index("deploymentID").loc[dep, "locationID"]
    here = set(small.deployments.loc[small.deployments["locationID"] == location, "deploymentID"].astype(str))
    assert set(r.findings["deploymentID"].astype(str)) <= here and dep in set(r.findings["deploymentID"].astype(str))
    media = small.media[small.media["deploymentID"].astype(str).isin(here)]
    assert int(r.evidence["n_media"].sum()) == len(media)
    expected = daily_media(media, small.timezone)
    pd.testing.assert_frame_equal(r.evidence, expected)
    q.widget  # noqa: B018
    assert q._evidence.model is not None and q._timeline.model is not None
