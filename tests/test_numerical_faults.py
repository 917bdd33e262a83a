"""Numerical faults and large inputs (issue 11).

* An optimiser that does not converge returns a result flagged with the reason (``converged`` is
  False, ``messages`` says why, and a warning is raised), never a silently wrong number.
* NaN or infinite inputs are rejected with a message naming the input: SECR trap coordinates,
  usage, mask coordinates and covariates, starting values; event and effort timestamps (NaT) and
  thresholds.
* Reading a large observations table stays within the documented memory bound
  (``benchmarks/read_memory.py``; slow).

The SECR tests use secr's ``captdata`` (tests/data/reference), about 1-4 s a fit.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbtools.effort import camera_operation, trap_nights
from nbtools.events import group_events, independent_events
from nbtools.secr import Mask, make_capthist, make_mask, secr_fit

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "data" / "reference"
BENCHMARK = ROOT / "benchmarks" / "read_memory.py"

# secr 5.3.0: secr.fit(captdata, buffer = 100, detectfn = "HN") (see tests/test_secr_fit.py)
CAPTDATA_D = 5.479801433841447
CAPTDATA_LOGLIK = -759.02574573168


# ------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def captdata():
    traps = pd.read_csv(REF / "secr-captdata-traps.csv")
    captures = pd.read_csv(REF / "secr-captdata-captures.csv")
    return make_capthist(captures, traps, detector="multi")  # multi: no single-catch warning


@pytest.fixture(scope="module")
def mask(captdata):
    return make_mask(captdata.traps, buffer_m=100)


def _fit(*args, **kwargs):
    return secr_fit(*args, progress=False, **kwargs)


# ------------------------------------------------------------------------- SECR: convergence
def test_secr_not_converged_is_flagged_with_reason_and_warns(captdata, mask):
    """One BFGS iteration from a start far from the optimum: flagged, with the optimiser's reason."""
    start = {"D": 1e-4, "g0": 0.001, "sigma": 1.0}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = _fit(captdata, mask=mask, detectfn="HN", start=start, maxiter=1)
    assert fit.converged is False
    reasons = [m for m in fit.messages if "optimiser stopped" in m]
    assert reasons, fit.messages
    assert "Maximum number of iterations" in reasons[0]  # scipy's own reason is passed on
    assert any(issubclass(w.category, UserWarning) and "optimiser stopped" in str(w.message) for w in caught)
    assert "NOT CONVERGED" in repr(fit)
    assert "warning: the optimiser stopped" in repr(fit)
    # the number it carries is indeed wrong: the flag is what keeps it from being used silently
    assert abs(fit.density - CAPTDATA_D) > 1.0


@pytest.mark.parametrize(
    "start", [{"D": 100.0, "g0": 0.999, "sigma": 5000.0}, {"D": 5.0, "g0": 0.27, "sigma": 0.5}], ids=["wide", "narrow"]
)
def test_secr_unconverged_always_has_a_reason(captdata, mask, start):
    """Whatever made a fit unconverged (gradient, Hessian), ``messages`` names it and it is warned."""
    with pytest.warns(UserWarning) as caught:
        fit = _fit(captdata, mask=mask, detectfn="HN", start=start, maxiter=1)
    assert not fit.converged
    assert fit.messages
    assert any("optimiser stopped" in m or "Hessian" in m for m in fit.messages)
    assert set(fit.messages) <= {str(w.message) for w in caught}


def test_secr_maxiter_1_from_good_start_is_polished_to_the_optimum(captdata, mask):
    """A small maxiter alone is not a failure: Newton polishing reaches secr's optimum, flagged converged."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at all: nothing to flag
        fit = _fit(captdata, mask=mask, detectfn="HN", maxiter=1)
    assert fit.converged is True and fit.messages == []
    assert fit.loglik == pytest.approx(CAPTDATA_LOGLIK, rel=1e-6)
    assert fit.density == pytest.approx(CAPTDATA_D, rel=1e-4)


def test_secr_stuck_on_the_flat_likelihood_of_a_huge_sigma_is_not_converged(captdata, mask):
    """Started at sigma = 100 km on a 260 m mask, the optimiser stops on a plateau (log-likelihood about -1081
    against secr's -759): the gradient is zero there, but the fit must not claim to have converged."""
    with pytest.warns(UserWarning, match="plateau"):
        fit = _fit(captdata, mask=mask, detectfn="HN", start={"D": 5.0, "g0": 0.27, "sigma": 1e5})
    assert fit.converged is False
    assert any("plateau" in m for m in fit.messages)
    assert fit.loglik < CAPTDATA_LOGLIK - 10  # the number it carries is wrong, and flagged


# ------------------------------------------------------------------------- SECR: non-finite inputs
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("column", ["x", "y"])
@pytest.mark.parametrize("given_mask", [True, False])
def test_secr_non_finite_trap_coordinates_are_rejected(captdata, mask, value, column, given_mask):
    traps = captdata.traps.copy()
    traps[column] = traps[column].astype(float)
    traps.iloc[3, traps.columns.get_loc(column)] = value
    ch = dataclasses.replace(captdata, traps=traps)
    with pytest.raises(ValueError, match=r"trap coordinates .*(NaN or infinite|finite)") as info:
        _fit(ch, mask=mask if given_mask else None, detectfn="HN")
    if given_mask:  # the detector is named
        assert repr(traps.index[3]) in str(info.value)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_secr_non_finite_usage_is_rejected(captdata, mask, value):
    usage = np.ones((captdata.ntraps, captdata.noccasions))
    usage[7, 2] = value
    with pytest.raises(ValueError, match="usage must be finite"):
        _fit(captdata, mask=mask, usage=usage)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_secr_non_finite_mask_coordinates_are_rejected(mask, value):
    points = mask.points.copy()
    points.loc[10, "x"] = value
    with pytest.raises(ValueError, match="mask coordinates contain NaN or infinite"):
        Mask(points, mask.spacing)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_secr_non_finite_mask_spacing_is_rejected(mask, value):
    with pytest.raises(ValueError, match="mask spacing"):
        Mask(mask.points, value)


@pytest.mark.parametrize(("value", "match"), [(np.nan, "null values"), (np.inf, "infinite")])
def test_secr_non_finite_density_covariate_is_rejected(captdata, mask, value, match):
    points = mask.points.copy()
    points["forest"] = np.linspace(0.0, 1.0, len(points))
    points.loc[5, "forest"] = value
    with pytest.raises(ValueError, match=rf"density (formula|covariate) .*forest.*{match}|{match}.*forest"):
        _fit(captdata, mask=Mask(points, mask.spacing), density="~ forest")


@pytest.mark.parametrize("name", ["D", "g0", "sigma"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_secr_non_finite_start_is_rejected(captdata, mask, name, value):
    start = {"D": 5.0, "g0": 0.27, "sigma": 30.0, name: value}
    with pytest.raises(ValueError, match=rf"start\['{name}'\] must be finite"):
        _fit(captdata, mask=mask, start=start)


def test_secr_start_outside_parameter_space_is_rejected(captdata, mask):
    with pytest.raises(ValueError, match=r"start\['g0'\] must lie strictly between 0 and 1"):
        _fit(captdata, mask=mask, start={"D": 5.0, "g0": 1.5, "sigma": 30.0})
    with pytest.raises(ValueError, match=r"start\['sigma'\] must be positive"):
        _fit(captdata, mask=mask, start={"D": 5.0, "g0": 0.2, "sigma": -30.0})


def test_secr_non_finite_counts_are_rejected(captdata, mask):
    counts = captdata.counts.astype(float)
    counts[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="counts must be whole numbers"):
        _fit(counts, traps=captdata.traps, mask=mask)


# ------------------------------------------------------------------------- events
@pytest.fixture
def observations():
    times = pd.to_datetime(["2024-05-01 22:00", "2024-05-01 22:40", "2024-05-01 23:30"], utc=True)
    return pd.DataFrame(
        {"locationID": ["A"] * 3, "scientificName": ["Sus scrofa"] * 3, "eventStart": times, "eventEnd": times}
    )


@pytest.mark.parametrize("column", ["eventStart", "timestamp"])
def test_events_nat_timestamps_are_rejected(observations, column):
    obs = observations.rename(columns={"eventStart": column}).drop(columns="eventEnd")
    obs.loc[1, column] = pd.NaT
    with pytest.raises(ValueError, match=rf"column '{column}' has 1 missing timestamps \(rows \[1\]"):
        independent_events(obs, "30min")


@pytest.mark.parametrize("threshold", [pd.NaT, "NaT", "nan", np.timedelta64("NaT")])
def test_events_missing_threshold_is_rejected(observations, threshold):
    with pytest.raises(ValueError, match="threshold is missing \\(NaT\\)"):
        independent_events(observations, threshold)


@pytest.mark.parametrize("threshold", [np.nan, np.inf, -np.inf, float("inf")])
def test_events_non_finite_number_threshold_is_rejected(observations, threshold):
    with pytest.raises(TypeError, match="bare number"):
        independent_events(observations, threshold)


@pytest.mark.parametrize("threshold", ["inf", "infinity"])
def test_events_infinite_threshold_text_is_rejected(observations, threshold):
    with pytest.raises(ValueError, match="cannot read .* as a duration"):
        independent_events(observations, threshold)


@pytest.mark.parametrize("value", [np.nan, pd.NaT, "inf"])
def test_events_per_species_threshold_non_finite_is_rejected(observations, value):
    with pytest.raises((TypeError, ValueError), match=r"threshold\['Sus scrofa'\]"):
        independent_events(observations, {"Sus scrofa": value})
    with pytest.raises((TypeError, ValueError), match=r"threshold\['\*'\]"):
        independent_events(observations, {"*": value})


def test_events_numpy_timedelta_threshold_is_a_duration(observations):
    assert len(independent_events(observations, np.timedelta64(45, "m"))) == len(
        independent_events(observations, "45min")
    )


def test_group_events_nat_timestamps_are_rejected():
    ts = np.array(["2024-01-01T00:00", "NaT", "2024-01-02T00:00"], dtype="datetime64[ns]").astype(np.int64)
    with pytest.raises(ValueError, match=r"NaT \(missing\) values, rows \[1\]"):
        group_events(np.zeros(3, np.int64), ts, 10**9, nkeys=1)


@pytest.mark.parametrize("threshold", [np.nan, np.inf, np.array([1e9, np.nan])])
def test_group_events_non_finite_threshold_is_rejected(threshold):
    with pytest.raises(ValueError, match="threshold_ns must be finite"):
        group_events(np.array([0, 1]), np.array([0, 5]), threshold, nkeys=2)


# ------------------------------------------------------------------------- effort
@pytest.fixture
def deployments():
    return pd.DataFrame(
        {
            "deploymentID": ["d1", "d2"],
            "locationID": ["A", "A"],
            "deploymentStart": pd.to_datetime(["2024-01-01 12:00", "2024-01-05 06:00"], utc=True),
            "deploymentEnd": pd.to_datetime(["2024-01-03 12:00", "2024-01-06 00:00"], utc=True),
        }
    )


@pytest.mark.parametrize("column", ["deploymentStart", "deploymentEnd"])
def test_effort_nat_deployment_times_are_rejected(deployments, column):
    deployments.loc[1, column] = pd.NaT
    with pytest.raises(ValueError, match=rf"{column} has 1 missing timestamps"):
        camera_operation(deployments)


def test_effort_nat_problem_times_are_rejected(deployments):
    problems = pd.DataFrame(
        {
            "deploymentID": ["d1"],
            "start": pd.to_datetime([None], utc=True),
            "end": pd.to_datetime(["2024-01-02"], utc=True),
        }
    )
    # a column with no value at all says so (absent or empty), not "1 missing timestamps"
    with pytest.raises(ValueError, match=r"problems.start has no value in any of the 1 rows: the column is absent"):
        camera_operation(deployments, problems=problems)


def test_a_column_with_no_value_is_called_absent_with_the_camtrap_dp_0_1_name(deployments):
    deployments["deploymentStart"] = pd.NaT
    with pytest.raises(
        ValueError,
        match=r"deploymentStart has no value in any of the 2 rows: the column is absent "
        r"from the file or empty; a Camtrap DP 0.1 package calls it start",
    ):
        camera_operation(deployments)
    obs = pd.DataFrame(
        {
            "locationID": ["A", "A"],
            "scientificName": ["Sus scrofa"] * 2,
            "eventStart": pd.to_datetime([None, None], utc=True),
        }
    )
    with pytest.raises(ValueError, match=r"eventStart has no value in any of the 2 rows.*calls it timestamp"):
        independent_events(obs, "30min")


@pytest.mark.parametrize("which", ["start", "end"])
@pytest.mark.parametrize("value", [pd.NaT, "NaT", np.datetime64("NaT")])
def test_effort_nat_matrix_limits_are_rejected(deployments, which, value):
    with pytest.raises(ValueError, match="start and end must be dates, got the missing value"):
        camera_operation(deployments, **{which: value})


@pytest.mark.parametrize("hour", [np.nan, np.inf, 1.5])
def test_effort_non_finite_day_start_hour_is_rejected(deployments, hour):
    with pytest.raises(ValueError, match="day_start_hour must be an integer 0-23"):
        camera_operation(deployments, day_start_hour=hour)


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_effort_trap_nights_reject_infinite_operation(deployments, value):
    operation = camera_operation(deployments)
    assert trap_nights(operation).tolist() == [2.75]  # NaN days (not deployed) are fine
    operation.iloc[0, 1] = value
    with pytest.raises(ValueError, match="operation has (infinite|negative) values"):
        trap_nights(operation)


# ------------------------------------------------------------------------- large inputs
def _benchmark_bounds() -> dict[str, float]:
    """The script's BOUND_* constants (read as text: nothing of the script is run)."""
    values = {}
    for line in BENCHMARK.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(" = ")
        if name.startswith("BOUND_"):
            values[name] = float(value)
    return values


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_read_memory_bound(tmp_path):
    """read_camtrapdp of 1 million observation rows stays within the documented bytes per row.

    Runs benchmarks/read_memory.py (peak RSS of a child process) with the reader's defaults
    (frictionless checks on: about 3 minutes on a shared 2-core machine).
    """
    rows = 1_000_000
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), "--rows", str(rows), "--json", "--keep", str(tmp_path / "package")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    reader = figures["reader"]
    assert reader["rows"] == rows and reader["errors"] == 0, result.stdout
    bounds = _benchmark_bounds()
    per_row = (reader["incremental"] - bounds["BOUND_FIXED_BYTES"]) / rows  # the bound scaled to 1M rows
    assert per_row <= bounds["BOUND_BYTES_PER_ROW"], result.stdout
    assert figures["ratio"] <= bounds["BOUND_PANDAS_RATIO"], result.stdout
    assert result.returncode == 0 and "PASS" in result.stdout, result.stdout + result.stderr
