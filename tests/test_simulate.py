"""Tests of nbtools.simulate and the ``python -m nbtools simulate`` command line."""

from __future__ import annotations

import dataclasses
import doctest
import functools
import gzip
import hashlib
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import nbtools.habitat
import nbtools.simulate
from nbtools import cli
from nbtools import simulate as sim
from nbtools.simulate import diel as sim_diel
from nbtools.simulate import stations as sim_stations

#: A small year-long study: 10 km grid, 1 km habitat, 40 leopards (well under a second).
SMALL = {"station_spacing_m": 10_000.0, "habitat_resolution_m": 1000.0, "n_leopards": 40}
#: A small, short study for writing files (three months, two service intervals).
SHORT = {**SMALL, "study_end": "2017-01-31", "service_interval_days": 46}


@pytest.fixture(scope="module")
def small() -> sim.SimulatedStudy:
    return sim.simulate_tables(11, **SMALL)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The short study written twice with the same seed and once with another."""
    base = tmp_path_factory.mktemp("studies")
    first = sim.simulate_study(base / "a", seed=5, progress=False, **SHORT)
    second = sim.simulate_study(base / "b", seed=5, progress=False, **SHORT)
    other = sim.simulate_study(base / "c", seed=6, progress=False, **SHORT)
    return first, second, other


def _clock_faults(study: sim.SimulatedStudy) -> dict[str, str]:
    return {f["deploymentID"]: f["fault"] for f in study.truth["faults"] if f["fault"].startswith("clock_")}


def _read_csv_gz(path) -> pd.DataFrame:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return pd.read_csv(io.StringIO(handle.read()), dtype=str, keep_default_na=False)


# --- sun time -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "sunrise", "sunset"),
    [("2017-01-15", "08:43", "18:02"), ("2017-06-21", "05:34", "20:57")],  # domain.md s.7, UTC+10
)
def test_sunrise_sunset_at_kedrovaya_pad(date, sunrise, sunset):
    table = sim.sunrise_sunset([date], 43.1, 131.5)
    for column, expected in (("sunrise", sunrise), ("sunset", sunset)):
        got = table[column].iloc[0]
        assert str(got.tz) == "Asia/Vladivostok"
        want = pd.Timestamp(f"{date} {expected}", tz="Asia/Vladivostok")
        assert abs((got - want).total_seconds()) <= 180, (column, got)


def test_sun_to_clock_anchors():
    day = np.datetime64("2017-01-15")
    table = sim.sunrise_sunset([str(day)], 43.1, 131.5)
    rise = table["sunrise"].iloc[0]
    sset = table["sunset"].iloc[0]
    hours = sim.sun_to_clock(np.array([np.pi / 2, 3 * np.pi / 2, np.pi]), day, 43.1, 131.5)
    assert hours[0] == pytest.approx(rise.hour + rise.minute / 60 + rise.second / 3600, abs=1 / 120)
    assert hours[1] == pytest.approx(sset.hour + sset.minute / 60 + sset.second / 3600, abs=1 / 120)
    assert hours[2] == pytest.approx((hours[0] + hours[1]) / 2)  # solar midday between them
    # night times: just after sunset later, just before sunrise earlier
    assert sim.sun_to_clock(1.5 * np.pi + 0.1, day, 43.1, 131.5) > hours[1]
    assert sim.sun_to_clock(0.5 * np.pi - 0.1, day, 43.1, 131.5) < hours[0]


@settings(max_examples=200, deadline=None)
@given(
    sun=st.floats(min_value=0, max_value=2 * np.pi, exclude_max=True),
    day=st.integers(min_value=0, max_value=364),
    latitude=st.floats(min_value=42.3, max_value=44.0),
)
def test_clock_to_sun_inverts_sun_to_clock(sun, day, latitude):
    date = np.datetime64("2016-11-01") + np.timedelta64(day, "D")
    hours = sim.sun_to_clock(sun, date, latitude, 131.4)
    date_of_hours = date + np.timedelta64(int(np.floor(hours / 24)), "D")
    back = sim.clock_to_sun(hours % 24, date_of_hours, latitude, 131.4)
    # the night is mapped with one date's day length, so allow a little slack across midnight
    assert abs((back - sun + np.pi) % (2 * np.pi) - np.pi) < 0.02


def test_day_length_changes_over_the_year():
    table = sim.sunrise_sunset(pd.date_range("2016-11-01", "2017-10-31"), 43.3, 131.4)
    # 2 arccos((cos 90.833 - sin 43.3 sin d) / (cos 43.3 cos d)) / 15 h, d = -+23.44 deg
    assert table["day_length_h"].min() == pytest.approx(8.97, abs=0.05)  # December solstice
    assert table["day_length_h"].max() == pytest.approx(15.39, abs=0.05)  # June solstice


def test_leopard_daytime_share_from_a_large_sample():
    """20-30 % of leopard activity by day (domain.md s.8), checked in clock time."""
    rng = np.random.default_rng(1)
    leopard = sim.DEFAULT_SPECIES[0]
    n = 100_000
    sun = sim_diel.sample_diel(rng, leopard, n)
    day = np.datetime64("2016-11-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    hours = sim.sun_to_clock(sun, day, 43.2, 131.4)
    table = sim.sunrise_sunset(day, 43.2, 131.4)
    rise = table["sunrise"].dt.hour + table["sunrise"].dt.minute / 60
    sset = table["sunset"].dt.hour + table["sunset"].dt.minute / 60
    share = ((hours >= rise.to_numpy()) & (hours < sset.to_numpy())).mean()
    assert 0.20 <= share <= 0.30
    x = np.linspace(0, 2 * np.pi, 20_001)[:-1]
    density = sim.diel_density(leopard, x)
    assert density.sum() * (x[1] - x[0]) == pytest.approx(1.0, abs=1e-6)
    assert share == pytest.approx(density[(x >= np.pi / 2) & (x < 1.5 * np.pi)].sum() * (x[1] - x[0]), abs=0.01)


def test_people_keep_clock_hours(small):
    events = small.observations
    people = events[
        (events["observationLevel"] == "event")
        & (events["scientificName"] == "Homo sapiens")
        & events["cameraSetupType"].isna()
        & ~events["deploymentID"].isin(_clock_faults(small))
    ]
    local = people["eventStart"].dt.tz_convert("Asia/Vladivostok").dt.hour
    assert ((local >= 6) & (local < 20)).mean() > 0.85


# --- parameters -------------------------------------------------------------------------------------


def test_every_parameter_is_documented():
    doc = sim.StudyParameters.__doc__
    for f in dataclasses.fields(sim.StudyParameters):
        assert re.search(rf"\b{f.name}\b", doc), f.name


def test_unknown_parameter_is_an_error():
    with pytest.raises(TypeError, match="no_such_thing"):
        sim.simulate_tables(1, no_such_thing=3)


def test_species_shares_sum_to_one():
    assert sum(s.share for s in sim.DEFAULT_SPECIES) == pytest.approx(1.0)
    assert len({s.key for s in sim.DEFAULT_SPECIES}) == len(sim.DEFAULT_SPECIES)


# --- the simulated tables ------------------------------------------------------------------------------


def test_stations_and_deployments(small):
    deployments = small.deployments
    grid = deployments[deployments["locationID"] != "DEN1"]
    assert deployments["deploymentID"].is_unique
    per_location = grid.groupby("locationID")
    assert (per_location["latitude"].nunique() == 1).all() and (per_location["longitude"].nunique() == 1).all()
    sides = grid["deploymentID"].str.extract(r"^L\d+-([AB])-\d+b?$")[0]
    assert sides.notna().all()
    assert (grid.groupby("locationID")["deploymentID"].apply(lambda s: s.str[5].nunique()) == 2).all()
    assert (deployments["deploymentEnd"] > deployments["deploymentStart"]).all()
    for column in ("deploymentStart", "deploymentEnd"):
        assert str(deployments[column].dtype) == "datetime64[ns, UTC]"
    local = deployments["deploymentStart"].dt.tz_convert("Asia/Vladivostok")
    assert local.min() >= pd.Timestamp("2016-11-01", tz="Asia/Vladivostok")
    assert deployments["deploymentEnd"].max() <= pd.Timestamp("2017-11-01", tz="Asia/Vladivostok")
    assert set(deployments["featureType"].dropna()) <= {"trailGame", "roadDirt"}
    # a physical camera never runs two deployments at once
    for _, group in deployments.sort_values("deploymentStart").groupby("cameraID"):
        assert (group["deploymentStart"].iloc[1:].to_numpy() >= group["deploymentEnd"].iloc[:-1].to_numpy()).all()


def test_default_grid_has_about_210_locations():
    habitat = nbtools.habitat.simulate_habitat(1, resolution_m=1000)
    stations = sim_stations.layout_stations(habitat, sim.StudyParameters(), np.random.default_rng(1))
    assert 200 <= len(stations) <= 225
    assert stations["locationID"].is_unique
    spacing = np.sort(
        np.hypot(
            *(stations[["x", "y"]].to_numpy()[:, None, :] - stations[["x", "y"]].to_numpy()[None]).transpose(2, 0, 1)
        ),
        axis=1,
    )[:, 1]
    assert 2000 < np.median(spacing) < 4000


def test_ids_and_foreign_keys(small):
    media, observations, deployments = small.media, small.observations, small.deployments
    assert media["mediaID"].is_unique and observations["observationID"].is_unique
    assert set(media["deploymentID"]) <= set(deployments["deploymentID"])
    assert set(observations["deploymentID"]) <= set(deployments["deploymentID"])
    media_level = observations[observations["observationLevel"] == "media"]
    assert len(media_level) == len(media), "one machine observation per image"
    owner = media.set_index("mediaID")["deploymentID"]
    assert (media_level["mediaID"].map(owner) == media_level["deploymentID"]).all()
    stamp = media.set_index("mediaID")["timestamp"]
    assert (media_level["eventStart"] == media_level["mediaID"].map(stamp)).all()
    events = observations[observations["observationLevel"] == "event"]
    assert events["mediaID"].isna().all()
    assert set(media_level["eventID"]) == set(events["eventID"])
    assert (events["eventStart"] <= events["eventEnd"]).all()
    # every event spans its images
    span = media_level.groupby("eventID")["eventStart"].agg(["min", "max"])
    first = events.drop_duplicates("eventID").set_index("eventID")
    assert (first.loc[span.index, "eventStart"] == span["min"]).all()
    assert (first.loc[span.index, "eventEnd"] == span["max"]).all()


def test_column_names_follow_camtrap_dp():
    schemas = nbtools.habitat.__file__.replace("habitat.py", "camtrapdp/schemas")
    study = sim.simulate_tables(3, **SHORT)
    for name in ("deployments", "media", "observations"):
        with open(f"{schemas}/1.0.2/{name}-table-schema.json", encoding="utf-8") as handle:
            fields = [f["name"] for f in json.load(handle)["fields"]]
        assert set(getattr(study, name).columns) <= set(fields), name


def test_timestamps_inside_deployments_except_clock_faults(small):
    media = small.media.merge(
        small.deployments[["deploymentID", "deploymentStart", "deploymentEnd"]], on="deploymentID"
    )
    assert str(small.media["timestamp"].dtype) == "datetime64[ns, UTC]"
    outside = media[(media["timestamp"] < media["deploymentStart"]) | (media["timestamp"] > media["deploymentEnd"])]
    faulty = _clock_faults(small)
    assert set(outside["deploymentID"]) <= set(faulty)
    kinds = {faulty[d] for d in outside["deploymentID"]}
    assert kinds >= {"clock_reset", "clock_utc8"}, "the validator can find these"


def test_clock_faults_change_recorded_times(small):
    faulty = _clock_faults(small)
    setup = small.observations[small.observations["cameraSetupType"] == "setup"]
    first_setup = setup.groupby("deploymentID")["eventStart"].min()
    start = small.deployments.set_index("deploymentID")["deploymentStart"]
    lag = (first_setup - start.loc[first_setup.index]).dt.total_seconds()
    fine = lag[~lag.index.isin(faulty)]
    assert fine.between(0, 200).all(), "setup images right after the field team's start time"
    for deployment, kind in faulty.items():
        if deployment not in lag.index:
            continue  # card lost
        expected = {"clock_offset": 3600, "clock_utc8": -7200}.get(kind)
        if expected is not None:
            assert lag[deployment] == pytest.approx(expected, abs=200), deployment
        if kind == "clock_reset":
            assert first_setup[deployment].year == 1999 or first_setup[deployment].year == 2000


def test_faults_in_truth_appear_in_deployments(small):
    deployments = small.deployments.set_index("deploymentID")
    faults = small.truth["faults"]
    assert faults
    media_per_deployment = small.media["deploymentID"].value_counts()
    for fault in faults:
        assert fault["deploymentID"] in deployments.index
        row = deployments.loc[fault["deploymentID"]]
        assert row["cameraID"] == fault["cameraID"]
        kind = fault["fault"]
        if kind in ("stolen", "broken", "dead_battery", "card_full", "knocked_over"):
            assert f"fault:{kind}" in row["deploymentTags"]
        if kind == "stolen":
            assert fault["deploymentID"] not in media_per_deployment.index, "card lost"
        if kind == "knocked_over" and fault["resumed_deploymentID"]:
            assert fault["resumed_deploymentID"] in deployments.index
        if kind == "clock_reset":
            assert row["timestampIssues"]
    # the camera is replaced after a theft or breakage
    for fault in faults:
        if fault["fault"] in ("stolen", "broken"):
            later = small.deployments[
                (small.deployments["locationID"] == fault["locationID"])
                & (small.deployments["deploymentStart"] > deployments.loc[fault["deploymentID"], "deploymentEnd"])
                & (small.deployments["deploymentID"].str[5] == fault["deploymentID"][5])
            ]
            assert (later["cameraID"] != fault["cameraID"]).all()


def test_bounding_boxes(small):
    boxes = small.observations[["bboxX", "bboxY", "bboxWidth", "bboxHeight"]]
    given_ = boxes.notna().sum(axis=1)
    assert given_.isin([0, 4]).all()
    full = boxes[given_ == 4]
    assert len(full) > 0
    assert (full >= 0).all().all() and (full <= 1).all().all()
    assert (full["bboxWidth"] > 0).all() and (full["bboxHeight"] > 0).all()
    assert (full["bboxX"] + full["bboxWidth"] <= 1).all()
    assert (full["bboxY"] + full["bboxHeight"] <= 1).all()
    media_level = small.observations[small.observations["observationLevel"] == "media"]
    assert (media_level["classificationMethod"] == "machine").all()
    assert media_level["classificationProbability"].between(0, 1).all()
    blank = media_level["observationType"] == "blank"
    assert blank.any() and media_level.loc[blank, "bboxX"].isna().all()
    events = small.observations[small.observations["observationLevel"] == "event"]
    assert (events["classificationMethod"] == "human").all() and events["bboxX"].isna().all()


def test_bursts_and_triggers(small):
    media = small.observations[small.observations["observationLevel"] == "media"]
    per_event = media.groupby("eventID").size()
    assert per_event.min() >= 1
    assert 3 <= per_event.median() <= 10
    assert (per_event > 5).mean() > 0.1, "several triggers per visit"
    names = small.media["fileName"]
    assert names.str.fullmatch(r"IMG_\d{5}\.JPG").all()
    assert not small.media.duplicated(["deploymentID", "fileName"]).any()


def test_individuals_match_truth(small):
    truth = small.truth
    leopards = [i for i in truth["individuals"] if i["species"] == "leopard" and not i["cub"]]
    assert len(leopards) == 40
    females = sum(i["sex"] == "female" for i in leopards)
    assert females == round(40 * 1.2 / 2.2)
    assert truth["realised"]["leopard"]["adults_by_sex"] == {"female": females, "male": 40 - females}
    tigers = [i for i in truth["individuals"] if i["species"] == "tiger"]
    area = truth["habitat"]["state_space_area_km2"]
    assert len(tigers) == round(0.4 * area / 100)
    # the package's individuals are known to the project: photographed, with IDs in order of first photograph
    table = small.individuals
    recorded = set(small.observations["individualID"].dropna())
    adults = table[table["lifeStage"] == "adult"]
    named = {i["individualID"] for i in truth["individuals"] if i["name"]}
    assert set(adults["individualID"]) == recorded | named, "photographed and identified, or named"
    assert set(table["individualID"]) <= {i["individualID"] for i in truth["individuals"]}
    numbers = sorted(int(re.match(r"Leo (\d+)", i).group(1)) for i in adults["individualID"] if i.startswith("Leo"))
    assert numbers == list(range(1, len(numbers) + 1)), "no gaps that betray unseen leopards"
    assert set(table["motherID"].dropna()) <= set(table["individualID"])


def test_named_family(small):
    table = small.individuals.set_index("individualName")
    assert {"Kedrovka", "Berry", "Typhoon", "Meamur"} <= set(table.index.dropna())
    assert table.loc["Berry", "motherID"] == table.loc["Kedrovka", "individualID"]
    assert table.loc["Berry", "birthYear"] == 2013
    assert table.loc["Typhoon", "sex"] == "male" and table.loc["Kedrovka", "sex"] == "female"
    berry = table.loc["Berry", "individualID"]
    cubs = small.individuals[small.individuals["motherID"] == berry]
    assert len(cubs) == 2 and (cubs["birthYear"] == 2016).all()
    den = small.observations[
        (small.observations["deploymentID"] == "DEN1-A-1") & (small.observations["observationLevel"] == "event")
    ]
    april = den["eventStart"].dt.tz_convert("Asia/Vladivostok").dt.month == 4
    assert ((den["individualID"] == berry) & april).sum() >= 10
    juveniles = den[(den["lifeStage"] == "juvenile") & april]
    assert len(juveniles) >= 5 and juveniles["count"].max() == 2
    assert den["scientificName"].eq("Panthera tigris altaica").sum() == 1, "a tiger visited the grotto"
    named = {i["name"]: i for i in small.truth["individuals"] if i["name"]}
    assert all(i["ac_in_park"] for i in named.values())
    den_xy = (small.truth["den"]["x"], small.truth["den"]["y"])
    assert shapely.contains_xy(nbtools.habitat.park_boundary(), *den_xy)


def test_identification_errors(small):
    observations = small.observations.set_index("eventID")
    events = observations[observations["observationLevel"] == "event"]
    ident = small.truth["identification"]
    for record in ident["misidentified"]:
        got = events.loc[[record["eventID"]]]
        assert record["individualID"] in set(got["individualID"])
        assert record["true_individualID"] != record["individualID"]
    for record in ident["unmatched"]:
        got = events.loc[[record["eventID"]]]
        adult = got[got["lifeStage"] == "adult"]
        assert adult["individualID"].isna().all() and adult["sex"].isna().all()
    leopard_adult_events = (events["scientificName"] == "Panthera pardus orientalis") & (events["lifeStage"] == "adult")
    n = leopard_adult_events.sum()
    assert 0.04 < len(ident["unmatched"]) / n < 0.18
    assert len(ident["misidentified"]) / n < 0.08


def test_metadata_satisfies_the_profile(small):
    meta = small.metadata
    for key in ("created", "contributors", "project", "spatial", "temporal", "taxonomic", "licenses"):
        assert key in meta, key
    assert meta["created"] == sim.StudyParameters().created
    assert {lic["scope"] for lic in meta["licenses"]} == {"data", "media"}
    project = meta["project"]
    assert project["individualAnimals"] is True and project["observationLevel"] == ["media", "event"]
    assert project["samplingDesign"] == "systematicRandom" and project["captureMethod"] == ["activityDetection"]
    ring = np.array(meta["spatial"]["coordinates"][0])
    assert meta["spatial"]["type"] == "Polygon" and (ring[0] == ring[-1]).all()
    assert meta["temporal"]["start"] == "2016-11-01" and meta["temporal"]["end"] <= "2017-10-31"
    names = {t["scientificName"] for t in meta["taxonomic"]}
    assert names == set(small.observations["scientificName"].dropna())
    assert all({"eng", "rus"} <= set(t["vernacularNames"]) for t in meta["taxonomic"])
    roles = {c["role"] for c in meta["contributors"]}
    assert roles <= {"contact", "principalInvestigator", "rightsHolder", "publisher", "contributor"}


def test_species_mix_follows_the_shares(small):
    species = small.truth["realised"]["species"]
    for key, row in species.items():
        if key not in ("leopard", "tiger") and row["expected_visits"] > 100:
            assert row["visits"] == pytest.approx(row["expected_visits"], rel=0.2), key
    blank = small.observations[
        (small.observations["observationLevel"] == "event") & (small.observations["observationType"] == "blank")
    ]
    assert len(blank) > 0, "vegetation triggers"


def test_components_draw_from_separate_streams():
    base = sim.simulate_tables(4, **SHORT)
    changed = sim.simulate_tables(4, **{**SHORT, "machine_error_probability": 0.5, "n_leopards": 30})
    pd.testing.assert_frame_equal(base.deployments, changed.deployments)
    assert base.truth["faults"] == changed.truth["faults"]
    assert not base.media["timestamp"].equals(changed.media["timestamp"])


# --- written files --------------------------------------------------------------------------------


def test_written_files(written):
    first, _, _ = written
    names = {p.name for p in first.paths.values()}
    assert names == {
        "datapackage.json",
        "deployments.csv.gz",
        "media.csv.gz",
        "observations.csv.gz",
        "individuals.csv.gz",
        "habitat.nc",
        "boundary.geojson",
        "truth.json",
        "SHA256SUMS",
    }
    from nbtools.checksums import read_checksums, sha256

    recorded = read_checksums(first.out_dir)
    assert set(recorded) == names - {"SHA256SUMS"}
    assert all(recorded[name] == sha256(first.out_dir / name) for name in recorded)
    for path in first.paths.values():
        assert path.exists() and path.stat().st_size > 0
    truth = json.loads(first.paths["truth"].read_text(encoding="utf-8"))
    assert truth == first.truth
    assert truth["parameters"]["station_spacing_m"] == SHORT["station_spacing_m"]
    media = _read_csv_gz(first.paths["media"])
    assert media["timestamp"].str.fullmatch(r"(2016|2017|2000|1999)-\d\d-\d\dT\d\d:\d\d:\d\d\+10:00").all()
    descriptor = json.loads(first.paths["datapackage"].read_text(encoding="utf-8"))
    assert {r["name"] for r in descriptor["resources"]} >= {"deployments", "media", "observations", "individuals"}


def test_same_seed_same_bytes_other_seed_other_bytes(written):
    first, second, other = written
    assert first.sha256() == second.sha256()
    differs = {k for k, v in first.sha256().items() if other.sha256()[k] != v}
    assert {"media", "observations", "truth", "habitat"} <= differs
    assert "boundary" not in differs


@pytest.mark.slow
def test_written_package_validates(written):
    from nbtools.camtrapdp import read_camtrapdp

    first, _, _ = written
    package = read_camtrapdp(first.out_dir)
    problems = package.report.to_frame()
    assert (problems["severity"] != "error").all(), problems[problems["severity"] == "error"].head()
    assert len(package.media) == first.truth["realised"]["media"]
    window = problems[problems["check"] == "deployment-window"]
    flagged = set(package.media.loc[window.loc[window["file"].str.startswith("media"), "row"], "deploymentID"])
    assert flagged <= _clock_faults_from_truth(first.truth), "only the deliberate clock faults"
    with_media = set(package.media["deploymentID"])
    obvious = {f["deploymentID"] for f in first.truth["faults"] if f["fault"] in ("clock_reset", "clock_utc8")}
    assert obvious & with_media <= flagged, "the validator finds resets and cameras on UTC+8"


def _clock_faults_from_truth(truth: dict) -> set[str]:
    return {f["deploymentID"] for f in truth["faults"] if f["fault"].startswith("clock_")}


# --- command line -------------------------------------------------------------------------------------------


def test_cli_parses_arguments():
    args = cli.build_parser().parse_args(["simulate", "out", "--seed", "9", "--quiet"])
    assert args.command == "simulate" and str(args.out_dir) == "out" and args.seed == 9 and args.quiet
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["simulate"])


def test_cli_runs_simulate(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(nbtools.simulate, "simulate_study", functools.partial(sim.simulate_study, **SHORT))
    assert cli.main(["simulate", str(tmp_path / "out"), "--seed", "3"]) == 0
    assert "media" in capsys.readouterr().out
    assert (tmp_path / "out" / "truth.json").exists()
    assert cli.main(["simulate", str(tmp_path / "quiet"), "--quiet"]) == 0
    assert capsys.readouterr().out == ""


def test_doctests():
    for module in (sim, sim_diel, nbtools.habitat, cli):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__


# --- the default study -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_default_study(tmp_path):
    """The default study: about 150k media, under 25 MB, all faults present (its time: ``benchmarks/``)."""
    result = sim.simulate_study(tmp_path / "study", progress=False)
    size = sum(p.stat().st_size for p in result.paths.values())
    assert size < 25e6
    realised = result.truth["realised"]
    assert 200 <= realised["locations"] <= 225
    assert realised["media"] <= 170_000
    assert 80 <= realised["leopard"]["adults"] <= 90
    kinds = set(realised["faults"])
    assert kinds == {
        "stolen",
        "broken",
        "dead_battery",
        "card_full",
        "knocked_over",
        "clock_reset",
        "clock_offset",
        "clock_utc8",
        "clock_drift",
    }
    cameras = realised["cameras"]
    failed = realised["faults"]["stolen"] + realised["faults"]["broken"]
    assert failed / (2 * realised["locations"]) == pytest.approx(0.12, abs=0.02)
    clock_cameras = {f["cameraID"] for f in result.truth["faults"] if f["fault"].startswith("clock_")}
    assert len(clock_cameras) / cameras == pytest.approx(0.05, abs=0.015)
    # leopard daytime share in the package, in sun time, on cameras with good clocks
    observations = _read_csv_gz(result.paths["observations"])
    deployments = _read_csv_gz(result.paths["deployments"]).set_index("deploymentID")
    leopard = observations[
        (observations["observationLevel"] == "event")
        & (observations["scientificName"] == "Panthera pardus orientalis")
        & ~observations["deploymentID"].isin(_clock_faults_from_truth(result.truth))
    ]
    local = pd.to_datetime(leopard["eventStart"].str[:19])  # the written local time, without its offset
    hours = (local.dt.hour + local.dt.minute / 60).to_numpy()
    sun = sim.clock_to_sun(
        hours,
        local.dt.normalize().to_numpy().astype("datetime64[D]"),
        deployments.loc[leopard["deploymentID"], "latitude"].astype(float).to_numpy(),
        deployments.loc[leopard["deploymentID"], "longitude"].astype(float).to_numpy(),
    )
    share = ((sun >= np.pi / 2) & (sun < 1.5 * np.pi)).mean()
    assert 0.20 <= share <= 0.30
    assert (
        hashlib.sha256(result.paths["boundary"].read_bytes()).hexdigest()
        == hashlib.sha256(nbtools.habitat.write_boundary(tmp_path / "b.geojson").read_bytes()).hexdigest()
    )
