"""Tests of the REM simulator (nbtools.rem.simulate, walks, cameras) and of the REM against its truth.

Fast tests: the package is valid Camtrap DP 1.0, the same seed writes the same bytes, the truth agrees
with the simulated animals, the geometry of the cones is right (a hard-edged sector gives the REM's
mean width ``r (2 + theta) / pi``), and one study's REM estimate is near the truth.

The slow simulation study (``-m slow``) is described in :func:`test_simulation_study`.
"""

from __future__ import annotations

import dataclasses
import filecmp
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from nbtools.camtrapdp import read_camtrapdp
from nbtools.rem import fit_detection, rem_data, rem_estimate, rem_from_data
from nbtools.rem.cameras import CameraZone, effective_width, place_cameras
from nbtools.rem.simulate import PREY, PreyStudyParameters, activity_curve, simulate_prey, write_prey_study
from nbtools.rem.walks import Trails, trail_map, walk
from nbtools.study import Study

SMALL = {"side_km": 4.0, "n_cameras": 20, "days": 30}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prey")
    return write_prey_study(simulate_prey(seed=7, progress=False, **SMALL), folder)


# ------------------------------------------------------------------------------------------ package
def test_package_is_valid_camtrapdp(small):
    pkg = read_camtrapdp(small.paths["datapackage"], cache=False)
    assert pkg.report.problems == []
    obs = pkg.observations
    assert len(obs) == len(small.observations) > 50
    assert set(obs["scientificName"].astype(str)) == {s.scientific_name for s in PREY}
    assert obs["individualPositionRadius"].between(0, 20).all()  # max radius 15 m plus a 5 % measurement error
    assert obs["individualPositionAngle"].abs().max() <= 90  # degrees (Camtrap DP 1.0)
    assert obs["individualPositionAngle"].abs().max() > 1.6  # ... and not radians
    assert (obs["individualSpeed"] > 0).all()
    assert pkg.timezone == "Asia/Vladivostok"


def test_same_seed_same_files(tmp_path):
    a = write_prey_study(simulate_prey(seed=3, progress=False, **SMALL), tmp_path / "a")
    b = write_prey_study(simulate_prey(seed=3, progress=False, **SMALL), tmp_path / "b")
    c = write_prey_study(simulate_prey(seed=4, progress=False, **SMALL), tmp_path / "c")
    names = sorted(p.name for p in a.paths.values())
    assert names == sorted(p.name for p in b.paths.values())
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(names)
    assert not filecmp.cmp(a.paths["observations"], c.paths["observations"], shallow=False)


def test_truth_is_consistent(small):
    truth = json.loads(small.paths["truth"].read_text())
    area = SMALL["side_km"] ** 2
    obs = small.observations
    for sp in PREY:
        t = truth["species"][sp.scientific_name]
        assert t["density_per_km2"] == pytest.approx(t["animals"] / area)
        assert t["mean_group_size"] == pytest.approx(t["animals"] / t["groups"])
        assert t["day_range_km"] == pytest.approx(t["speed_m_s"] * t["activity_level"] * 86.4)
        # the walks realise the species' speed and activity curve (thousands of steps: within a few %)
        assert t["speed_m_s"] == pytest.approx(sp.speed_m_s, rel=0.03)
        assert t["activity_level"] == pytest.approx(t["activity_level_expected"], abs=0.02)
        mine = obs[obs["scientificName"] == sp.scientific_name]
        assert len(mine) == t["passages_detected"] and mine["count"].sum() == t["animals_detected"]
        zone = t["detection_zone"]
        assert zone["rem_width_m"] == pytest.approx(
            zone["effective_radius_m"] * (2 + zone["effective_angle_rad"]) / math.pi
        )
        # observed contacts vs the truth's expected rate (Poisson in groups: a loose bound)
        expected = t["contacts_per_camera_day_expected"] * truth["camera_days"]
        assert t["animals_detected"] == pytest.approx(expected, rel=0.6)


def test_activity_curve_peaks_at_one():
    hours = np.linspace(0, 24, 2881)
    for sp in PREY:
        a = activity_curve(sp, hours)
        assert a.max() == pytest.approx(1.0, abs=1e-6) and a.min() >= sp.activity_floor - 1e-12


# ------------------------------------------------------------------------------------------ geometry
def test_hard_sector_has_the_rem_width():
    """A sector seen perfectly (huge hazard, flat detection) has mean width r (2 + theta) / pi (Cauchy)."""
    zone = CameraZone(max_radius_m=10.0, half_angle_rad=0.4, sigma_angle_rad=1e6, hazard_per_m=1e4)
    width = effective_width(zone, 1e6, n=40_000, seed=2)
    assert width == pytest.approx(10.0 * (2 + 0.8) / math.pi, rel=0.02)


def test_trail_map_keeps_order_and_period():
    trails = Trails(1000.0, 50.0)
    y = np.linspace(0, 5000, 20001)
    mapped = trail_map(y, trails)
    assert (np.diff(mapped) >= -1e-9).all()
    on = np.abs(np.mod(y, 1000) - 500) <= 50
    assert np.allclose(np.mod(mapped[on], 1000), 500)
    assert np.allclose(trail_map(y + 1000, trails), mapped + 1000)
    with pytest.raises(ValueError, match="divide"):
        Trails(700.0).lines(5000.0)


def test_walk_moves_at_the_speed_and_activity():
    rng = np.random.default_rng(5)
    w = walk(20, 4000, 600.0, 5000.0, np.full(4000, 0.4), 0.2, 0.5, 0.8, rng)
    assert w.active_share == pytest.approx(0.4, abs=0.01)
    assert w.speed.mean() == pytest.approx(0.2, rel=0.02)
    assert ((w.x0 >= 0) & (w.x0 < 5000) & (w.y0 >= 0) & (w.y0 < 5000)).all()


def test_a_species_without_animals_gives_no_sequences():
    rare = dataclasses.replace(PREY[2], density_per_km2=0.01)  # about 0.01 groups in 4 km^2: none
    sim = simulate_prey(seed=1, progress=False, side_km=2.0, n_cameras=5, days=5, species=(PREY[0], rare))
    truth = sim.truth["species"][rare.scientific_name]
    assert truth["groups"] == 0 and truth["passages_detected"] == 0 and truth["mean_group_size"] is None
    assert set(sim.observations["scientificName"]) <= {PREY[0].scientific_name}
    json.dumps(sim.truth, allow_nan=False)


def test_bad_design_is_refused():
    with pytest.raises(ValueError, match="trails"):
        PreyStudyParameters(placement="trail")
    with pytest.raises(ValueError, match="placement"):
        place_cameras(3, 1000.0, "road", np.random.default_rng(1))
    with pytest.raises(ValueError, match="angle_unit"):
        PreyStudyParameters(angle_unit="grad")


# ------------------------------------------------------------------------------------------ REM
def test_rem_from_the_package_is_near_the_truth(small):
    """One small study (20 cameras for 30 days in 16 km^2, some 10-30 groups per species) read back
    through Study and rem_estimate: the truth lies within each species' 99.7 % interval (z = 3; the
    CV of such a small study's density is 20-40 %), the speed within 15 % of the true one, and the
    quick in-memory inputs equal those read from the package."""
    truth = small.truth["species"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = Study.from_camtrapdp(small.paths["datapackage"])
        for sp in PREY:
            name = sp.scientific_name
            fit = rem_estimate(
                study,
                name,
                contacts="individuals",
                angle_unit="deg",
                bootstrap=None,
                activity_reps=100,
                level=0.997,
                progress=False,
                seed=1,
            )
            assert fit.lcl <= truth[name]["density_per_km2"] <= fit.ucl
            assert fit.speed.mean == pytest.approx(truth[name]["speed_m_s"], rel=0.15)
            read = rem_data(study, name, contacts="individuals", angle_unit="deg")
            quick = small.rem_data(name)
            assert read.n_contacts == quick.n_contacts
            assert np.allclose(np.sort(read.angles["angle"]), np.sort(quick.angles["angle"]))
            assert np.allclose(np.sort(read.speeds["speed"]), np.sort(quick.speeds["speed"]))


# ------------------------------------------------------------------------------------------ slow study
N_STUDIES = 30
N_TRAIL = 6
STUDY = {"side_km": 6.0, "n_cameras": 40, "days": 60}


@pytest.mark.slow
def test_simulation_study():
    """The REM recovers the simulated prey densities; the users' mistakes bias it as expected.

    30 studies with cameras at random (40 cameras for 60 days in a 6 x 6 km region; seeds 1000-1029), the
    REM with the nbtools defaults (half-normal radii truncated at 5 %, half-normal angles, harmonic mean
    speed, activity level on clock time with a 100-resample bootstrap for its SE, delta-method SE and
    log-normal 95 % interval), contacts = animals (sum of ``count``), one time per sequence for the
    activity level. Measured on 2026-12-07 (bias: mean of density / truth - 1; coverage of the 95 %
    interval, 27 or 28 of 30; the mistakes as density with the mistake / density done right, on the same
    studies; trail cameras as density / truth). It takes about 22 s of CPU (65-110 s of wall time on the
    shared machine where it was measured, at load 8 on 2 cores).

    ==================  ======  ========  ====================  ===============  =============
    species             bias    coverage  radii truncated 2 m   3 speeds (geo.)  trail cameras
    ==================  ======  ========  ====================  ===============  =============
    sika deer           -0.4 %  93 %      0.47                  0.95 (0.99)      1.88
    Siberian roe deer   +4.7 %  90 %      0.44                  0.96 (1.01)      2.02
    wild boar           +0.0 %  93 %      0.49                  0.96 (1.00)      1.70
    ==================  ======  ========  ====================  ===============  =============

    * Radii truncated at 2 m (well inside the effective radius of 6-8 m): a passage fires the camera
      where it first enters the zone, so few first positions lie within 2 m of the camera, fewer than a
      point transect of the passages through that small zone would have; the share of radii kept
      (camtrapDensity's scaling of the trap rate) then under-counts the contacts: density under-estimated.
    * Speeds from only 3 sequences (200 random triples per study): the harmonic mean of few speeds is
      biased upwards, so the *typical* density is too low (the geometric mean of the ratio, shown, is
      below 1; the arithmetic mean in brackets). The density is proportional to the mean of 1 / speed,
      which is unbiased for any number of speeds, so the arithmetic mean of the ratio stays near 1: the
      estimate is not shifted on average, it is skewed (most studies too low, a few far too high) and
      its interval rests on an SE from 3 values.
    * Cameras beside game trails (6 studies, seeds 2000-2005, trails 1 km apart capturing walks within
      10 m, cameras 3 m from the trail facing it): more passages than at random places and slower
      measured speeds (animals walking along the path): density over-estimated (density / truth).
    """
    rows = []
    rng = np.random.default_rng(1)
    for seed in range(1000, 1000 + N_STUDIES):
        sim = simulate_prey(seed=seed, progress=False, **STUDY)
        for sp in PREY:
            name = sp.scientific_name
            true = sim.truth["species"][name]["density_per_km2"]
            data = sim.rem_data(name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = rem_from_data(data, bootstrap=None, activity_reps=100, progress=False, seed=seed)
                short = fit_detection(data.radii["radius"], "point", "hn", truncation=2.0)
            # D is proportional to share / radius and to 1 / speed: the mistakes' ratios need only those
            right = fit.radius_fit.proportion_used / fit.radius_fit.effective_distance
            speeds = fit.speed.speeds
            triples = speeds[np.argsort(rng.random((200, speeds.size)), axis=1)[:, :3]]
            few = 1.0 / (1.0 / triples).mean(axis=1)
            rows.append(
                {
                    "species": name,
                    "ratio": fit.density / true,
                    "covered": fit.lcl <= true <= fit.ucl,
                    "short_truncation": short.proportion_used / short.effective_distance / right,
                    "few_speeds_log": float(np.log(fit.speed.mean / few).mean()),
                    "few_speeds": float((fit.speed.mean / few).mean()),
                }
            )
    for seed in range(2000, 2000 + N_TRAIL):
        sim = simulate_prey(seed=seed, progress=False, placement="trail", trails=Trails(1000.0, 10.0), **STUDY)
        for sp in PREY:
            name = sp.scientific_name
            true = sim.truth["species"][name]["density_per_km2"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = rem_from_data(sim.rem_data(name), bootstrap=None, activity_reps=0, progress=False)
            rows.append({"species": name, "trail": fit.density / true})
    table = (
        pd.DataFrame(rows)
        .groupby("species")
        .agg(
            bias=("ratio", lambda r: r.mean() - 1),
            coverage=("covered", "mean"),
            short_truncation=("short_truncation", "mean"),
            few_speeds_geo=("few_speeds_log", lambda x: np.exp(x.mean())),
            few_speeds_mean=("few_speeds", "mean"),
            trail=("trail", "mean"),
        )
    )
    print(table.round(3).to_string())
    assert (table["bias"].abs() <= 0.10).all(), table
    assert table["coverage"].between(0.85, 0.99).all(), table
    assert (table["short_truncation"] < 0.9).all(), table
    assert (table["few_speeds_geo"] < 1).all() and (table["few_speeds_mean"] - 1).abs().max() < 0.05, table
    assert (table["trail"] > 1.2).all(), table
