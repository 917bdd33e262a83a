"""Data-quality checks (nbtools.quality): each fault on a small hand-built study, and the default study vs truth.

The small study: two locations with two cameras each, 60 days from 2017-03-01 10:00 (Vladivostok time,
UTC+10). Animals pass a location at 3 visits per day, half of them at night (23:00-03:00) and half by day
(11:00-15:00); each camera of the location photographs a visit with probability 0.8 (camera B up to 20 s
later), three images per trigger and one event-level observation. The field team's walk test gives two
``setup`` images one minute after set-up and two minutes before pick-up. Blank triggers (vegetation) come
at 0.02 per day per camera. A fault changes only what one camera recorded.
"""

from __future__ import annotations

import doctest
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from nbtools import quality
from nbtools.catalog import DATA_DIR
from nbtools.effort import camera_operation, trap_nights

# the severities per check were called CHECKS before the registry of check functions took that name
from nbtools.quality import SEVERITY as CHECKS
from nbtools.quality import (
    check_deployments,
    clock_corrections,
    correct_timestamps,
    problem_periods,
    score_findings,
)
from nbtools.quality.findings import Finding, with_severity

TZ = "Asia/Vladivostok"
T0 = pd.Timestamp("2017-03-01 10:00", tz=TZ).tz_convert("UTC")
DAY = pd.Timedelta(days=1)
DAYS = 60
#: the columns of the observations of build(), in the order of its rows
OBSERVATION_COLUMNS = (
    "observationID deploymentID eventStart eventEnd observationLevel observationType scientificName cameraSetupType"
).split()


def _visits(rng: np.random.Generator, days: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """True visit times (UTC ns) and species: half at night (23-03 h local), half by day (11-15 h)."""
    n = rng.poisson(rate * days)
    day = rng.integers(0, days, n)
    night = rng.random(n) < 0.5
    hour = np.where(night, 23 + 4 * rng.random(n), 11 + 4 * rng.random(n))
    midnight = pd.Timestamp("2017-03-01", tz=TZ).tz_convert("UTC").value
    t = midnight + (day * 86_400 + hour * 3_600).astype(np.int64) * 10**9
    species = np.where(night, "Panthera pardus orientalis", "Capreolus pygargus")
    order = np.argsort(t)
    return t[order], species[order]


def build(faults: dict[str, tuple] | None = None, *, setup: bool = True, seed: int = 7, extra: list | None = None):
    """The small study with ``faults`` ({deploymentID: (kind, *args)}) applied to what the camera recorded.

    Kinds: ("offset", seconds), ("reset",), ("drift", seconds_per_day), ("stop", day) (nothing after),
    ("gap", day0, day1) (no trigger between), ("blanks", per_day) (extra blank triggers),
    ("no_night",) (no image 18-06 h), ("no_media",), ("late", day) (nothing before),
    ("ends", day) (deployment ends on that day; a new camera from day+20), ("outside", days) (one image
    that many days after pick-up).
    """
    faults = dict(faults or {})
    rng = np.random.default_rng(seed)
    deployments, media, observations = [], [], []
    for loc in ["L1", "L2"]:
        truth_t, species = _visits(rng, DAYS, 3.0)
        for side_index, side in enumerate("AB"):
            dep = f"{loc}-{side}"
            start = T0 + pd.Timedelta(minutes=5 * side_index)
            end = start + DAYS * DAY
            kind = faults.get(dep, (None,))
            rows = [(dep, f"C{loc}{side}", start, end)]
            seen = rng.random(truth_t.size) < 0.8
            t = truth_t[seen] + (rng.integers(0, 21, seen.sum()) * 10**9 if side == "B" else 0)
            sp = species[seen]
            otype = np.full(t.size, "animal", dtype=object)
            setup_flag = np.zeros(t.size, bool)
            n_blank = rng.poisson(0.02 * DAYS + (kind[1] * DAYS if kind[0] == "blanks" else 0))
            bt = start.value + (rng.random(n_blank) * DAYS * 86_400e9).astype(np.int64)
            walk = np.array([start.value + 60 * 10**9, end.value - 120 * 10**9])
            t = np.concatenate([t, bt, walk])
            sp = np.concatenate([sp, np.full(n_blank, None), np.full(2, "Homo sapiens")])
            otype = np.concatenate([otype, np.full(n_blank, "blank"), np.full(2, "human")])
            setup_flag = np.concatenate([setup_flag, np.zeros(n_blank, bool), [True, True]])
            keep = (t >= start.value) & (t <= end.value)
            if kind[0] == "stop":
                keep &= t < start.value + kind[1] * DAY.value
            if kind[0] == "late":
                keep &= t >= start.value + kind[1] * DAY.value
            if kind[0] == "gap":
                keep &= ~((t >= start.value + kind[1] * DAY.value) & (t < start.value + kind[2] * DAY.value))
            if kind[0] == "no_night":
                hours = pd.DatetimeIndex(pd.to_datetime(t, utc=True)).tz_convert(TZ).hour
                keep &= ~((hours >= 18) | (hours < 6)) | setup_flag
            if kind[0] == "no_media":
                keep &= False
            if kind[0] == "ends":
                cut = start.value + kind[1] * DAY.value
                keep &= (t < cut) | (t >= cut + 20 * DAY.value)
                rows = [(dep, f"C{loc}{side}", start, pd.Timestamp(cut, tz="UTC"))]
                rows.append((f"{dep}2", f"C{loc}{side}new", start + (kind[1] + 20) * DAY, end))
            t, sp, otype, setup_flag = t[keep], sp[keep], otype[keep], setup_flag[keep]
            if kind[0] == "outside":
                t = np.append(t, end.value + kind[1] * DAY.value)
                sp, otype, setup_flag = np.append(sp, None), np.append(otype, "blank"), np.append(setup_flag, False)
            # the camera's clock
            if kind[0] == "offset":
                t = t + int(kind[1] * 1e9)
            elif kind[0] == "drift":
                t = t + ((t - start.value) * kind[1] / 86_400).astype(np.int64)
            elif kind[0] == "reset":
                t = pd.Timestamp("2000-01-01", tz=TZ).value + (t - start.value)
            deployments.extend(rows)
            for k in range(t.size):
                dep_k = dep
                if kind[0] == "ends" and t[k] >= rows[1][2].value:
                    dep_k = rows[1][0]
                ids = [f"{dep_k}-m{k}-{j}" for j in range(3)]
                for j in range(3):
                    media.append((ids[j], dep_k, t[k] + j * 10**9))
                observations.append(
                    (
                        f"{dep_k}-o{k}",
                        dep_k,
                        t[k],
                        t[k] + 2 * 10**9,
                        "event",
                        otype[k],
                        sp[k],
                        "setup" if (setup and setup_flag[k]) else None,
                    )
                )
    for row in extra or []:
        deployments.append(row)
    dep = pd.DataFrame(deployments, columns=["deploymentID", "cameraID", "deploymentStart", "deploymentEnd"])
    dep.insert(1, "locationID", dep["deploymentID"].str[:2])
    dep["latitude"], dep["longitude"] = 43.1, 131.5
    med = pd.DataFrame(media, columns=["mediaID", "deploymentID", "timestamp"])
    med["timestamp"] = pd.to_datetime(med["timestamp"], utc=True)
    obs = pd.DataFrame(observations, columns=OBSERVATION_COLUMNS)
    obs["eventStart"] = pd.to_datetime(obs["eventStart"], utc=True)
    obs["eventEnd"] = pd.to_datetime(obs["eventEnd"], utc=True)
    return SimpleNamespace(deployments=dep, media=med, observations=obs, timezone=TZ)


def findings_of(study, deployment: str | None = None, **kwargs) -> pd.DataFrame:
    f = check_deployments(study, **kwargs)
    return f if deployment is None else f[f["deploymentID"] == deployment]


# --------------------------------------------------------------------------------------------------
# one fault at a time
# --------------------------------------------------------------------------------------------------


def test_a_clean_study_has_no_findings():
    f = check_deployments(build())
    assert list(f.columns) == quality.COLUMNS
    assert f.empty, f[["deploymentID", "check", "message"]].to_string()


def test_a_clock_one_hour_ahead_is_found_from_the_setup_images():
    f = findings_of(build({"L1-A": ("offset", 3600)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L1-A", "clock_offset"]]
    row = f.iloc[0]
    # the walk test is 60 s after set-up at every camera: its usual lag is taken off
    assert row["offset_s"] == pytest.approx(3600, abs=1)
    assert row["severity"] == "error"
    assert "UTC+11:00 instead of UTC+10:00" in row["message"]
    assert row["partner"] == "L1-B" and row["partner_records"] >= 20  # corroborated by the partner's sequences


def test_a_camera_on_beijing_time_is_named():
    f = findings_of(build({"L2-B": ("offset", -7200)}), "L2-B")
    assert f["check"].tolist() == ["clock_offset"]
    assert f["offset_s"].iloc[0] == pytest.approx(-7200, abs=1)
    assert "camera set to UTC+08:00 instead of UTC+10:00" in f["message"].iloc[0]


def test_a_factory_reset_is_a_clock_reset_not_a_silence():
    f = findings_of(build({"L1-B": ("reset",)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L1-B", "clock_reset"]]
    assert "factory default (2000-01-01)" in f["message"].iloc[0]
    expected = (pd.Timestamp("2000-01-01", tz=TZ) - (T0 + pd.Timedelta(minutes=5))).total_seconds()  # camera B
    assert f["offset_s"].iloc[0] == pytest.approx(expected + 60, abs=2)


def test_a_drifting_clock_gives_its_rate():
    f = findings_of(build({"L2-A": ("drift", -40.0)}))  # 40 s/day slow: 40 min over 60 days
    assert f[["deploymentID", "check"]].values.tolist() == [["L2-A", "clock_drift"]]
    assert f["drift_s_per_day"].iloc[0] == pytest.approx(-40.0, abs=0.1)


def test_clock_faults_are_found_without_setup_images():
    # the partner camera's sequences give the shift; the unmarked walk-test images tell which clock is wrong
    study = build({"L1-A": ("offset", 3600), "L2-B": ("drift", 60.0)}, setup=False)
    f = check_deployments(study)
    assert f[["deploymentID", "check"]].values.tolist() == [["L1-A", "clock_offset"], ["L2-B", "clock_drift"]]
    assert f["offset_s"].iloc[0] == pytest.approx(3600, abs=60)
    assert f["drift_s_per_day"].iloc[1] == pytest.approx(60.0, rel=0.05)


def test_a_dead_battery_stops_recording_long_before_pickup():
    f = findings_of(build({"L2-B": ("stop", 25)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L2-B", "stopped_recording"]]
    row = f.iloc[0]
    assert row["severity"] == "warning"
    assert 34 < row["days"] < 36  # from the last image on day ~25 to pick-up on day 60
    assert row["expected_records"] > 50 and row["p_value"] < 1e-10
    assert row["partner"] == "L2-A" and row["partner_records"] > 50
    assert "no pick-up walk test" in row["message"]


def test_a_silence_mid_deployment_while_the_partner_triggers_is_a_trigger_gap():
    f = findings_of(build({"L1-B": ("gap", 20, 32)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L1-B", "trigger_gap"]]
    row = f.iloc[0]
    assert 11.5 < row["days"] < 13.5
    assert row["partner"] == "L1-A" and row["partner_records"] >= 15


def test_a_deployment_that_ends_early_leaves_a_gap_at_its_place():
    f = findings_of(build({"L2-A": ("ends", 15)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L2-A", "ended_early"]]
    row = f.iloc[0]
    assert row["days"] == pytest.approx(20.0, abs=1e-6)  # the new camera came 20 days later
    assert "another camera (CL2Anew, L2-A2) replaced it" in row["message"]
    assert row["severity"] == "info"


def test_a_deployment_without_images_is_no_media():
    f = findings_of(build({"L1-A": ("no_media",)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L1-A", "no_media"]]


def test_many_blanks_are_false_triggers():
    f = findings_of(build({"L2-A": ("blanks", 0.5)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L2-A", "false_triggers"]]
    assert f["n_records"].iloc[0] >= 20 and f["expected_records"].iloc[0] < 3


def test_no_night_images_means_a_broken_flash():
    f = findings_of(build({"L1-B": ("no_night",)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L1-B", "no_night_images"]]
    assert f["p_value"].iloc[0] < 1e-6
    assert f["expected_records"].iloc[0] > 20  # about half its ~140 records would be at night


def _without(study, deployment: str):
    keep = {name: getattr(study, name) for name in ("deployments", "media", "observations")}
    keep = {name: frame[frame["deploymentID"] != deployment].reset_index(drop=True) for name, frame in keep.items()}
    return SimpleNamespace(**keep, timezone=TZ)


def test_without_a_partner_the_species_tell_what_is_missing_at_night():
    # L1-B alone at its location: it photographs only day-active roe deer (no flash at night, so no leopards);
    # from the species alone nothing is suspect -- the partner camera is what shows the nocturnal species missing
    alone = _without(build({"L1-B": ("no_night",)}), "L1-A")
    assert check_deployments(alone).empty
    # but leopards (at night everywhere else) photographed only by day are evidence on their own
    study = _without(build(), "L1-A")
    obs, media = study.observations.copy(), study.media.copy()
    for frame, col in ((obs, "eventStart"), (media, "timestamp")):
        hours = frame[col].dt.tz_convert(TZ).dt.hour
        night = (frame["deploymentID"] == "L1-B") & ((hours >= 23) | (hours < 4))
        frame.loc[night, col] = frame.loc[night, col] - pd.Timedelta(hours=12)  # 23-03 h to 11-15 h
    for col in ("eventEnd",):
        obs[col] = obs["eventStart"] + pd.Timedelta(seconds=2)
    f = check_deployments(SimpleNamespace(deployments=study.deployments, media=media, observations=obs, timezone=TZ))
    assert f[["deploymentID", "check"]].values.tolist() == [["L1-B", "no_night_images"]]
    assert "the same species elsewhere in the study" in f["message"].iloc[0]


def test_the_camtrap_dp_example_has_no_findings(example_path):
    # four deployments with walk-test images at pick-up only, clocks consistent with the deployment dates
    from nbtools.camtrapdp import read_camtrapdp

    f = check_deployments(read_camtrapdp(example_path, validate=False))
    assert f.empty, f[["deploymentID", "check", "message"]].to_string()


def test_a_late_start_is_found():
    f = findings_of(build({"L2-B": ("late", 20)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L2-B", "started_late"]]
    assert 19 < f["days"].iloc[0] < 21


def test_an_image_after_pickup_with_a_good_clock_is_records_outside():
    f = findings_of(build({"L1-A": ("outside", 5)}))
    assert f[["deploymentID", "check"]].values.tolist() == [["L1-A", "records_outside"]]
    assert f["n_records"].iloc[0] == 3  # the three images of one trigger


def test_findings_do_not_depend_on_row_order():
    study = build({"L1-A": ("offset", 3600), "L2-B": ("stop", 25), "L1-B": ("blanks", 0.5)})
    a = check_deployments(study)
    shuffled = SimpleNamespace(
        deployments=study.deployments.sample(frac=1, random_state=1),
        media=study.media.sample(frac=1, random_state=2),
        observations=study.observations.sample(frac=1, random_state=3),
        timezone=TZ,
    )
    pd.testing.assert_frame_equal(a, check_deployments(shuffled))


def test_checks_can_be_chosen_and_bad_arguments_are_refused():
    study = build({"L1-A": ("offset", 3600), "L2-B": ("stop", 25)})
    assert check_deployments(study, checks=["stopped_recording"])["check"].tolist() == ["stopped_recording"]
    with pytest.raises(ValueError, match="unknown check"):
        check_deployments(study, checks=["battery"])
    with pytest.raises(ValueError, match="alpha"):
        check_deployments(study, alpha=0)
    with pytest.raises(ValueError, match="clock_tolerance"):
        check_deployments(study, clock_tolerance="-5min")
    dup = SimpleNamespace(**{**vars(study), "deployments": pd.concat([study.deployments, study.deployments.iloc[:1]])})
    with pytest.raises(ValueError, match="duplicate deploymentID"):
        check_deployments(dup)
    with pytest.raises(TypeError, match="needs a Study"):
        check_deployments(study.deployments)


# --------------------------------------------------------------------------------------------------
# using the findings
# --------------------------------------------------------------------------------------------------


def test_problem_periods_remove_the_silence_from_the_effort():
    study = build({"L2-B": ("stop", 25)})
    f = check_deployments(study)
    problems = problem_periods(f)
    assert problems["deploymentID"].tolist() == ["L2-B"]
    plain = trap_nights(camera_operation(study.deployments, by="deploymentID", timezone=TZ))
    fixed = trap_nights(camera_operation(study.deployments, by="deploymentID", timezone=TZ, problems=problems))
    lost = plain - fixed
    assert lost["L2-B"] == pytest.approx(f["days"].iloc[0], abs=1e-6)  # exactly the silent days
    assert lost.drop("L2-B").abs().max() == 0


def test_correct_timestamps_undoes_offset_and_drift():
    clean = build()
    faulty = build({"L1-A": ("offset", 3600), "L2-A": ("drift", -40.0)})
    f = check_deployments(faulty)
    assert set(clock_corrections(f).index) == {"L1-A", "L2-A"}
    fixed = correct_timestamps(faulty.media, f, faulty.deployments)
    error = (fixed["timestamp"] - clean.media["timestamp"]).dt.total_seconds()
    on = faulty.media["deploymentID"].isin(["L1-A", "L2-A"])
    assert error[~on].abs().max() == 0
    assert error[on].abs().max() < 0.1  # walk tests 1-2 min from the written times: drift almost exact


def test_score_findings_counts_by_hand():
    findings = pd.DataFrame(
        {
            "deploymentID": ["a", "b", "b", "c", "d"],
            "check": ["no_media", "ended_early", "no_media", "stopped_recording", "no_night_images"],
        }
    )
    faults = [
        {"deploymentID": "a", "fault": "stolen"},
        {"deploymentID": "b", "fault": "broken"},
        {"deploymentID": "c", "fault": "knocked_over"},
        {"deploymentID": "e", "fault": "dead_battery"},
    ]
    s = score_findings(findings, faults)
    # stolen: a found by no_media; broken: b by ended_early; knocked_over: c only flagged by a check not
    # meant for it; dead battery e: not flagged
    assert s.by_fault["recall"].to_dict() == {"broken": 1.0, "dead_battery": 0.0, "knocked_over": 0.0, "stolen": 1.0}
    # no_media flags a (stolen: right) and b (broken: wrong check); stopped_recording flags c (wrong); the
    # night check flags d, which has no fault at all: a false alarm
    assert s.by_check.loc["no_media", "precision"] == 0.5
    assert s.by_check.loc["stopped_recording", "precision"] == 0.0
    assert s.by_check.loc["no_night_images", "n_false_alarms"] == 1
    assert s.matches.set_index("deploymentID").loc["b", "flagged_by"] == "ended_early, no_media"


def test_doctests():
    result = doctest.testmod(quality, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0


def test_every_check_has_a_severity_and_a_fault_mapping():
    assert set(CHECKS) == set(quality.FAULT_CHECKS)
    assert set(CHECKS.values()) <= {"error", "warning", "info"}


# --------------------------------------------------------------------------------------------------
# the registry of checks
# --------------------------------------------------------------------------------------------------

# three studies whose findings together are of every kind
REGISTRY_STUDIES = {
    "clocks, silences, blanks": {
        "L1-A": ("offset", 3600),
        "L2-B": ("stop", 25),
        "L1-B": ("blanks", 0.5),
        "L2-A": ("drift", -40.0),
    },
    "reset, gap, coverage, night": {
        "L1-A": ("reset",),
        "L1-B": ("gap", 20, 32),
        "L2-A": ("ends", 15),
        "L2-B": ("no_night",),
    },
    "late, outside, no media": {
        "L1-A": ("late", 20),
        "L1-B": ("outside", 5),
        "L2-A": ("no_media",),
        "L2-B": ("offset", -7200),
    },
}


@pytest.fixture(scope="module")
def registry_studies():
    studies = {name: build(faults) for name, faults in REGISTRY_STUDIES.items()}
    return {name: (study, check_deployments(study)) for name, study in studies.items()}


def test_the_registry_lists_every_check_with_its_severity_in_order():
    assert list(quality.CHECKS) == list(quality.SEVERITY) and set(quality.CHECKS) == set(quality.FAULT_CHECKS)
    assert all(callable(check) and check.severity == quality.SEVERITY[name] for name, check in quality.CHECKS.items())


def test_check_deployments_calls_every_check_of_the_registry(monkeypatch, registry_studies):
    calls = []
    for name, check in list(quality.CHECKS.items()):

        def spy(context, _check=check, _name=name):
            calls.append(_name)
            return _check(context)

        spy.severity = check.severity
        monkeypatch.setitem(quality.CHECKS, name, spy)
    for study, findings in registry_studies.values():
        calls.clear()
        pd.testing.assert_frame_equal(check_deployments(study), findings)
        assert calls == list(quality.CHECKS)  # each once, in the registry's order
    calls.clear()
    check_deployments(study, checks=["ended_early", "clock_drift"])
    assert calls == ["clock_drift", "ended_early"]


def test_removing_a_check_removes_exactly_its_findings(monkeypatch, registry_studies):
    kinds = set().union(*(set(f["check"].astype(str)) for _, f in registry_studies.values()))
    assert kinds == set(quality.CHECKS)  # the studies give findings of every kind
    for name in list(quality.CHECKS):
        with monkeypatch.context() as m:
            m.delitem(quality.CHECKS, name)
            for study, full in registry_studies.values():
                got = check_deployments(study)
                expected = full[full["check"] != name].reset_index(drop=True)
                expected["check"] = expected["check"].cat.set_categories([c for c in quality.CHECKS])
                # (columns of text are inferred as str or object from their values, as before the registry)
                pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)
                assert list(got["check"].cat.categories) == list(quality.CHECKS)
                assert got.attrs["summary"] == {k: v for k, v in full.attrs["summary"].items() if k != name}


def test_a_new_check_in_the_registry_adds_its_findings(monkeypatch, registry_studies):
    @with_severity("info")
    def first_image(context):
        return [
            Finding(i, "first_image", "first image", start=int(t[0])) for i, t in enumerate(context.images) if t.size
        ]

    monkeypatch.setitem(quality.CHECKS, "first_image", first_image)
    study, full = registry_studies["clocks, silences, blanks"]
    got = check_deployments(study)
    new = got[got["check"] == "first_image"]
    assert len(new) == 4 and (new["severity"] == "info").all()
    assert list(got["check"].cat.categories) == list(quality.CHECKS)
    old = got[got["check"] != "first_image"].reset_index(drop=True)
    old["check"] = old["check"].cat.set_categories(list(full["check"].cat.categories))
    pd.testing.assert_frame_equal(old, full)

    @with_severity("info")
    def wrong_kind(context):
        return [Finding(0, "no_media", "not mine")]

    monkeypatch.setitem(quality.CHECKS, "wrong_kind", wrong_kind)
    with pytest.raises(ValueError, match="'wrong_kind' returned findings of \\['no_media'\\]"):
        check_deployments(study)


# --------------------------------------------------------------------------------------------------
# the default study against truth.json
# --------------------------------------------------------------------------------------------------

#: fault types the checks must find, with the least recall accepted
RECALL = {
    **dict.fromkeys(["clock_reset", "clock_offset", "clock_utc8", "clock_drift"], 0.8),  # wrong clocks
    **dict.fromkeys(["stolen", "dead_battery", "card_full", "broken", "knocked_over"], 0.8),  # cameras that stop
}
PRECISION = 0.8  # every check that flags anything


@pytest.fixture(scope="module")
def leopard():
    from nbtools.catalog import open_catalog
    from nbtools.study import Study

    study = Study.from_catalog(open_catalog("leopard"))
    truth = json.loads((DATA_DIR / "leopard-study" / "truth.json").read_text())
    return study, truth


@pytest.mark.slow
def test_default_study_faults_are_found_with_stated_precision_and_recall(leopard):
    study, truth = leopard
    findings = check_deployments(study)
    score = score_findings(findings, truth["faults"])
    print(score.by_fault.to_string(), score.by_check.to_string(), sep="\n\n")
    for fault, least in RECALL.items():
        assert score.by_fault.loc[fault, "recall"] >= least, (fault, score.by_fault.loc[fault].to_dict())
    assert (score.by_check["precision"] >= PRECISION).all(), score.by_check
    assert score.by_check["n_false_alarms"].sum() <= 2  # deployments without any fault that were flagged

    # the numbers behind the clock findings match truth: offsets (the walk test lags 20-90 s) and drift rates
    offsets = {f["deploymentID"]: f for f in truth["faults"] if f["fault"] in ("clock_offset", "clock_utc8")}
    found = findings[findings["check"] == "clock_offset"].set_index("deploymentID")
    for dep, fault in offsets.items():
        assert found.loc[dep, "offset_s"] == pytest.approx(fault["offset_s"], abs=120), dep
    drifts = {f["deploymentID"]: f["drift_s_per_day"] for f in truth["faults"] if f["fault"] == "clock_drift"}
    found = findings[findings["check"] == "clock_drift"].set_index("deploymentID")["drift_s_per_day"]
    for dep in found.index:
        assert found[dep] == pytest.approx(drifts[dep], abs=2.5), dep  # walk-test lags over 117 days
    # dead batteries: the silence starts at the last image, before the time truth records for the failure
    stops = {
        f["deploymentID"]: pd.Timestamp(f["time"])
        for f in truth["faults"]
        if f["fault"] in ("dead_battery", "card_full")
    }
    found = findings[findings["check"] == "stopped_recording"].set_index("deploymentID")["start"]
    late = [d for d in found.index if d in stops and found[d] > stops[d] + pd.Timedelta(minutes=1)]
    assert not late, late


def test_minimal_tables_are_enough():
    # deployments with only IDs and times, media only: the clock and silence checks still run
    study = build({"L2-B": ("stop", 25), "L1-A": ("reset",)})
    minimal = SimpleNamespace(
        deployments=study.deployments[["deploymentID", "deploymentStart", "deploymentEnd"]],
        media=study.media,
        observations=None,
    )
    f = check_deployments(minimal)
    assert f[["deploymentID", "check"]].values.tolist() == [["L1-A", "clock_reset"], ["L2-B", "stopped_recording"]]
    assert f["locationID"].isna().all() and f["partner"].isna().all()
    empty = SimpleNamespace(deployments=study.deployments.iloc[:0], media=None, observations=None)
    assert check_deployments(empty).empty
