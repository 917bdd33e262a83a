"""Tests of nbtools.secr.study: from a camera-trap study to SECR (capture histories, masks, the simulated truth)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nbtools.secr as secr
from nbtools.secr import (
    Mask,
    make_mask,
    secr_fit,
    sim_capthist,
    sim_popn,
)

SPECIES = "Panthera pardus orientalis"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture(scope="module")
def small_study():
    """Three stations, ten days, two identified adults: every count and usage can be checked by hand.

    A (x=0) recorded throughout; B (x=3 km) stopped recording at noon on day 5 (dead battery: no
    media after it, deploymentEnd at the retrieval); C is a den camera outside the grid.
    """
    from nbtools.study import Study

    deployments = pd.DataFrame(
        {
            "deploymentID": ["dA", "dB", "dC"],
            "locationID": ["A", "B", "C"],
            "cameraID": ["c1", "c2", "c3"],
            "deploymentStart": [_utc("2024-01-01")] * 3,
            "deploymentEnd": [_utc("2024-01-11")] * 3,
            "deploymentGroups": ["array:grid", "array:grid", "array:den"],
            "timestampIssues": [False, False, False],
            "x": [0.0, 3000.0, 1000.0],
            "y": [0.0, 0.0, 500.0],
        }
    )
    media = pd.DataFrame(
        {
            "deploymentID": ["dA"] * 11 + ["dB"] * 5 + ["dC"] * 2,
            "timestamp": [_utc("2024-01-01") + pd.Timedelta(days=d) for d in range(11)]
            + [_utc("2024-01-01") + pd.Timedelta(days=d) for d in range(4)]
            + [_utc("2024-01-05 12:00")]
            + [_utc("2024-01-03"), _utc("2024-01-11")],
        }
    )
    rows = [  # deployment, time, individual, lifeStage
        ("dA", "2024-01-02 10:00", "L1", "adult"),
        ("dA", "2024-01-02 10:10", "L1", "adult"),  # same event (within 30 min)
        ("dA", "2024-01-04 03:00", "L1", "adult"),
        ("dB", "2024-01-03 22:00", "L1", "adult"),
        ("dB", "2024-01-02 01:00", "L2", "adult"),
        ("dA", "2024-01-07 05:00", "L2", "adult"),
        ("dB", "2024-01-09 05:00", "L2", "adult"),  # B was not recording: outside operation
        ("dA", "2024-01-03 05:00", None, "adult"),  # a flank that could not be matched
        ("dA", "2024-01-03 06:00", None, "juvenile"),  # a cub
        ("dA", "2024-01-05 06:00", "L1-c1", "juvenile"),  # an identified cub
        ("dC", "2024-01-03 05:00", "L1", "adult"),  # den camera: not in the array
    ]
    observations = pd.DataFrame(
        {
            "observationID": [f"o{i}" for i in range(len(rows))],
            "deploymentID": [r[0] for r in rows],
            "eventStart": [_utc(r[1]) for r in rows],
            "eventEnd": [_utc(r[1]) + pd.Timedelta(seconds=20) for r in rows],
            "observationLevel": "event",
            "observationType": "animal",
            "scientificName": SPECIES,
            "count": 1,
            "individualID": pd.array([r[2] for r in rows], dtype="string"),
            "lifeStage": [r[3] for r in rows],
        }
    )
    individuals = pd.DataFrame(
        {
            "individualID": ["L1", "L2", "L1-c1"],
            "sex": ["female", "male", None],
            "lifeStage": ["adult", "adult", "juvenile"],
        }
    )
    return Study(
        deployments=deployments,
        media=media,
        observations=observations,
        crs="EPSG:32652",
        timezone="UTC",
        individuals=individuals,
    )


def test_recording_gaps_from_media(small_study):
    gaps = secr.recording_gaps(small_study.deployments, small_study.media)
    assert gaps["deploymentID"].tolist() == ["dB"]
    assert gaps.loc[0, "start"] == _utc("2024-01-05 12:00") and gaps.loc[0, "end"] == _utc("2024-01-11")
    dep = small_study.deployments.assign(timestampIssues=[False, True, False])
    media = small_study.media[small_study.media["deploymentID"] != "dC"]  # dC: no media at all
    gaps = secr.recording_gaps(dep, media).set_index("deploymentID")
    assert gaps["reason"].to_dict() == {"dB": "timestampIssues", "dC": "no media"}
    assert (gaps["start"] == _utc("2024-01-01")).all()


def test_suspect_identifications_cluster_rule():
    traps = pd.DataFrame({"x": [0.0, 4000.0, 8000.0, 30_000.0, 60_000.0], "y": 0.0}, index=list("ABCDE"))
    ev = pd.DataFrame(
        {
            "individualID": ["L1"] * 5 + ["L2", "L2"] + ["L3"],
            "locationID": ["A", "B", "C", "A", "D"] + ["A", "E"] + ["E"],
        }
    )
    flags = secr.suspect_identifications(ev, traps, max_gap_m=5000)
    # L1: A-B-C chain (4 km links) is the main cluster, D is 22 km from C; L2: a tie, kept; L3: one detection
    assert flags.tolist() == [False, False, False, False, True, False, False, False]
    assert not secr.suspect_identifications(ev, traps, max_gap_m=25_000)[:5].any()
    with pytest.raises(ValueError, match="missing from traps"):
        secr.suspect_identifications(ev.assign(locationID="Z"), traps, 5000)


def test_capthist_from_study_counts_usage_and_dropped(small_study):
    ch = secr.capthist_from_study(small_study, SPECIES, deployment_groups="array:grid")
    assert list(ch.ids) == ["L1", "L2"]
    assert list(ch.traps.index) == ["A", "B"]
    assert ch.traps.loc["B", "x"] == 3000.0
    assert ch.noccasions == 10 and ch.detector == "count"
    expected = np.zeros((2, 10, 2), int)
    expected[0, 1, 0] = 1  # L1 at A on day 2 (two records, one event)
    expected[0, 3, 0] = 1  # L1 at A on day 4
    expected[0, 2, 1] = 1  # L1 at B on day 3
    expected[1, 1, 1] = 1  # L2 at B on day 2
    expected[1, 6, 0] = 1  # L2 at A on day 7
    assert np.array_equal(ch.counts, expected)
    assert ch.usage[0].tolist() == [1.0] * 10
    assert ch.usage[1].tolist() == [1.0] * 4 + [0.5] + [0.0] * 5  # stopped at noon on day 5
    assert ch.covariates["sex"].tolist() == ["female", "male"]
    reasons = ch.dropped_summary().to_dict()
    assert reasons == {
        secr.study.NOT_IDENTIFIED: 1,
        "not identified (juvenile)": 1,
        secr.study.NOT_ADULT: 1,
        "in an occasion without effort (NaN in the history)": 1,
    }
    outside = ch.dropped[ch.dropped["reason"].str.startswith("in an occasion")]
    assert outside[["locationID", "individualID"]].values.tolist() == [["B", "L2"]]
    assert "4 records set aside" in repr(ch)
    summary = secr.capture_summary(ch)
    assert summary["effort (sum of usage, e.g. station-days)"] == 14.5
    assert summary["deployments not recording: stopped recording"] == 1
    assert summary["animals: sex female"] == 1 and summary["detections"] == 5
    assert summary["animals detected at 2 or more detectors"] == 2 and summary["records set aside"] == 4
    assert ch.details["events"]["individualID"].tolist().count("L1") == 3
    # without the problems from the media, B counts as working (and the late detection is kept)
    plain = secr.capthist_from_study(small_study, SPECIES, deployment_groups="array:grid", problems=None)
    assert plain.usage[1].tolist() == [1.0] * 10 and plain.detections == 6
    # proximity detectors, 5-day occasions; every identified record with the den camera and cubs
    prox = secr.capthist_from_study(small_study, SPECIES, occasion_length=5, detector="proximity", life_stage=None)
    assert prox.detector == "proximity" and prox.noccasions == 2 and prox.counts.max() == 1
    assert set(prox.ids) == {"L1", "L2", "L1-c1"} and "C" in prox.traps.index
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two animals: estimates are poor, the input is what is checked
        fit_input = secr_fit(ch, mask=make_mask(ch.traps, buffer_m=3000, nx=20), detectfn="HHN", progress=False)
    assert fit_input.n == 2 and fit_input.detections == 5


def test_capthist_from_study_screen_and_errors(small_study):
    ch = secr.capthist_from_study(small_study, SPECIES, deployment_groups="array:grid", max_gap_m=2000)
    # L1 has two detections at A and one at B (3 km away): B is set aside; L2 has one counted detection at
    # each (its third, at B, falls outside camera operation and is not screened): a tie, kept
    assert ch.detections == 4
    suspect = ch.dropped[ch.dropped["reason"] == secr.study.SUSPECT]
    assert suspect[["locationID", "individualID"]].values.tolist() == [["B", "L1"]]
    with pytest.raises(ValueError, match="no observations of 'Felis catus'"):
        secr.capthist_from_study(small_study, "Felis catus")
    with pytest.raises(ValueError, match="detector must be"):
        secr.capthist_from_study(small_study, SPECIES, detector="multi")
    with pytest.raises(ValueError, match="no deployment has"):
        secr.capthist_from_study(small_study, SPECIES, deployment_groups="array:none")


def test_mask_from_study_habitat_boundary_and_buffer(grid):
    import shapely

    from nbtools.study import Study

    x = np.arange(-300.0, 401.0, 10.0)
    y = np.arange(400.0, -301.0, -10.0)
    xx, yy = np.meshgrid(x, y)
    ds = xr.Dataset(
        {
            "land": (("y", "x"), xx < 150.0),
            "forest_cover": (("y", "x"), (xx + 300.0) / 700.0),
            "prey_index": (("y", "x"), (yy + 300.0) / 700.0),
        },
        coords={"x": x, "y": y},
    )
    park = shapely.Polygon([(-10, -10), (60, -10), (60, 110), (-10, 110)])
    study = Study(
        deployments=pd.DataFrame(),
        media=pd.DataFrame(),
        observations=pd.DataFrame(),
        crs="EPSG:32652",
        timezone="UTC",
        habitat=ds,
        boundary=park,
    )
    mask = secr.mask_from_study(study, grid, buffer_m=80, spacing=10)
    assert set(mask.covariates.columns) == {"forest_cover", "prey_index", "in_park"}
    assert (mask.x < 155).all()  # the sea (land false) is left out
    assert mask.points["in_park"].to_numpy().tolist() == shapely.contains_xy(park, mask.x, mask.y).tolist()
    assert mask.points["in_park"].sum() == 7 * 12  # 10 m cells with centres inside the 70 x 120 m park
    popn = sim_popn(make_mask(grid, buffer_m=80), density=30, seed=91)
    popn["sex"] = np.where(np.arange(len(popn)) % 2 == 0, "female", "male")
    sig = np.where(popn["sex"] == "female", 10.0, 20.0)
    ch = sim_capthist(grid, popn, "HHN", lambda0=0.3, sigma=sig, noccasions=5, seed=92)
    buffer = secr.suggest_buffer(ch)
    assert buffer % 500 == 0 and buffer >= 3 * 1.2 * secr.rpsv(ch)
    assert secr.mask_from_study(study, ch, spacing=10).buffer == buffer
    with pytest.raises(ValueError, match="give buffer"):
        secr.mask_from_study(study, grid)


def _toy_truth() -> dict:
    inds = [
        {"species": "leopard", "sex": "female", "cub": False, "ac_x": 0.0, "ac_y": 0.0},
        {"species": "leopard", "sex": "male", "cub": False, "ac_x": 100.0, "ac_y": 0.0},
        {"species": "leopard", "sex": "female", "cub": False, "ac_x": 5000.0, "ac_y": 0.0},  # off the mask
        {"species": "leopard", "sex": "male", "cub": True, "ac_x": 0.0, "ac_y": 0.0},  # a cub: not counted
        {"species": "tiger", "sex": "male", "cub": False, "ac_x": 0.0, "ac_y": 0.0},
    ]
    params = {
        "leopard_sigma_female_m": 2000.0,
        "leopard_sigma_male_m": 3500.0,
        "leopard_lambda0": 0.02,
        "cameras_per_location": 2,
        "misidentified_share": 0.03,
        "unmatched_share": 0.10,
        "species": [{"key": "leopard", "trigger_probability": 0.85}],
    }
    return {"parameters": params, "individuals": inds}


def test_simulated_truth_counts_and_rates():
    points = pd.DataFrame({"x": [0.0, 100.0, 200.0], "y": 0.0, "in_park": [True, False, True]})
    mask = Mask(points, spacing=100.0)
    true = secr.simulated_truth(_toy_truth(), mask)["truth"]
    assert true["N in mask"] == 2 and true["N in region"] == 1
    assert true["N in mask (female)"] == 1 and true["N in region (male)"] == 0
    assert true["D per 100 km2"] == pytest.approx(2 / (mask.area / 10_000))
    assert true["sigma[male]"] == 3500.0
    assert true["lambda0 per station-day"] == pytest.approx(0.02 / 0.85 * (1 - 0.15**2))
    assert true["lambda0 identified"] == pytest.approx(0.02 / 0.85 * (1 - (1 - 0.85 * 0.87) ** 2))
    with pytest.raises(ValueError, match="no adult 'lynx'"):
        secr.simulated_truth(_toy_truth(), mask, species="lynx")


@pytest.mark.slow
def test_default_study_leopards_match_truth():
    """The default study: adults in the park and sigma by sex recovered (HHN, sigma by sex, D ~ 1).

    Tolerances: realised N in the park within 5 % of the 66 adults with centres in the park and its
    interval covers them; sigma within 3 % (females) and 5 % (males: misidentified photographs
    within an animal's range, which the 10 km screen keeps, widen it by about 3 %); lambda0 within
    10 % of the rate of identified events; 90 % of the detections set aside as suspect were truly
    misidentified.
    """
    import json

    from nbtools.catalog import DATA_DIR, open_catalog
    from nbtools.study import Study

    cat = open_catalog("leopard")
    study = Study.from_catalog(cat)
    ch = secr.capthist_from_study(study, SPECIES, deployment_groups="array:grid", max_gap_m=10_000)
    assert ch.n == 70 and ch.ntraps == 213 and ch.noccasions == 365
    assert set(ch.covariates["sex"]) == {"female", "male"}
    mask = secr.mask_from_study(study, ch, spacing=1000)
    assert len(mask) > 4000 and mask.points["in_park"].any()
    fit = secr_fit(ch, mask=mask, detectfn="HHN", group="sex", progress=False)
    assert fit.converged
    truth = json.loads((DATA_DIR / cat.metadata["truth"]).read_text())
    true = secr.simulated_truth(truth, mask)
    assert true.loc["N in region", "truth"] == 66
    table = secr.truth_comparison(fit, true)
    n_park = table.loc["N in region"]
    assert abs(n_park["estimate"] / n_park["truth"] - 1) < 0.05 and n_park["covered"]
    assert abs(table.loc["sigma[female]", "ratio"] - 1) < 0.03
    assert abs(table.loc["sigma[male]", "ratio"] - 1) < 0.05
    assert abs(table.loc["lambda0", "ratio"] - 1) < 0.10
    # the screen: set-aside detections are misidentifications in truth
    wrong = pd.DataFrame(truth["identification"]["misidentified"])
    obs = study.observations
    obs = obs[obs["eventID"].isin(wrong["eventID"]) & (obs["observationLevel"] == "event")]
    obs = obs.merge(study.deployments[["deploymentID", "locationID"]], on="deploymentID")
    flagged = ch.dropped[ch.dropped["reason"] == secr.study.SUSPECT]
    hits = flagged.merge(obs, on=["locationID", "individualID", "eventStart"], how="inner")
    assert len(flagged) > 50 and len(hits) >= 0.9 * len(flagged)
