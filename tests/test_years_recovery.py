"""Recovery of the truth on the multi-year study (#22 part 6): survival, λ and the density trend.

Each simulated study is written by :func:`nbtools.simulate.simulate_years` (the default park and grid,
six seasons 2014/15-2019/20, a new ``seed`` per study), read back through the ``leopard_years``
catalog and analysed as notebook 11 does: one capture history per season
(:func:`nbtools.secr.seasons.capthists_by_season`, 30-day occasions, count detectors, suspect
identifications set aside at 10 km), the seasons joined into one open-population history of the
pooled detectors (:func:`nbtools.secr.join_sessions`, one year between sessions).

What is estimated, and the truth it is compared with (``truth.json`` of the study):

* **adult survival** -- CJS ``phi ~ 1, p ~ 1`` (:func:`nbtools.secr.open_cr_fit`, ``type="CJS"``).
  Truth: the realised annual survival of the adults,
  :func:`nbtools.simulate.years_truth.realised_survival` (``by=None``): of the settled adults alive
  at the start of each season but the last, the share alive at the next season's start, pooled
  over the seasons (adult-years at risk).
* **rate of population change λ** -- Pradel ``lambda ~ 1, phi ~ 1, p ~ 1`` (``type="PLBl"``).
  Truth: the realised mean rate of change of the adult population,
  :func:`nbtools.simulate.years_truth.realised_growth` ``attrs["mean_lambda"]``: the geometric mean
  over the seasons of (settled adults alive at the next season's start) / (those at this one's), in
  the whole state space.
* **density trend** -- multi-session SECR with ``D ~ Session`` (hazard half-normal, one 2-km mask
  for all seasons, buffer the largest of :func:`nbtools.secr.suggest_buffer`),
  :attr:`MultiSessionFit.trend` = exp(D.Session), the factor by which density changes a season.
  Truth: the realised log-linear trend of the adults in that mask, exp(slope) of the least-squares
  line of log(number of adults whose centre is in the mask) on the season's index, counting the
  adults settled and alive at some time in the season
  (:func:`nbtools.simulate.years_truth.adult_density` with ``present="season"``: the animals a
  model closed over the season sees). The mask is the same in every season, so the trend of the
  number and of the density are one.

The animals in the histories are those photographed as adults: observations of leopards whose
``lifeStage`` is not ``adult`` are removed before the histories are built and ``life_stage=None`` is
passed on. ``capthist_from_study``'s default (``life_stage="adult"``) reads the stage from the
individuals table, one value per animal for the whole study, so an animal that grew up during the
study (a recruit, first photographed as a cub or disperser) would be left out in every season; the
study also records the estimates of that default (columns ``*_table``) for comparison.

Figures of the study (filled in from the run; see the report of #22 part 6): see
``STUDY_FIGURES`` below.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from nbtools import secr
from nbtools.catalog import open_catalog
from nbtools.secr.seasons import capthists_by_season, pooled_detectors
from nbtools.simulate import simulate_years
from nbtools.simulate.years_truth import adult_density, read_years_truth, realised_growth, realised_survival
from nbtools.study import Study

LEOPARD = "Panthera pardus orientalis"
#: Seeds of the simulated studies of the recovery study (20 studies).
SEEDS = tuple(range(1, 21))
#: Share of the studies whose 95 % interval must hold the truth.
TARGET_COVERAGE = 0.85
#: The quantities of the study: estimate column prefix and truth column.
QUANTITIES = {"phi": "true_phi", "lambda": "true_lambda", "trend": "true_trend"}

STUDY_FIGURES = """(not yet measured)"""


def _adult_records_only(study: Study) -> Study:
    """The study without the leopard observations whose ``lifeStage`` is not ``adult``."""
    obs = study.observations
    stage = obs["lifeStage"].astype("string")
    young = ((obs["scientificName"] == LEOPARD) & (stage != "adult")).fillna(False).to_numpy(bool)
    return replace(study, observations=obs[~young])


def _capthists(study: Study, life_stage: str | None) -> dict[str, Any]:
    return capthists_by_season(
        study, LEOPARD, occasion_length=30, detector="count", max_gap_m=10_000, life_stage=life_stage
    )


def _row(prefix: str, table: pd.DataFrame) -> dict[str, float]:
    first = table.iloc[0]
    return {
        f"{prefix}": float(first["estimate"]),
        f"{prefix}_lcl": float(first["lcl"]),
        f"{prefix}_ucl": float(first["ucl"]),
    }


def _open_fits(chs: dict[str, Any], suffix: str = "") -> dict[str, float]:
    """CJS survival and Pradel λ of the seasons' capture histories (pooled detectors)."""
    history = secr.join_sessions(pooled_detectors(chs), intervals=1.0)
    cjs = secr.open_cr_fit(history, type="CJS")
    pradel = secr.open_cr_fit(history, type="PLBl")
    return {**_row(f"phi{suffix}", cjs.real("phi")), **_row(f"lambda{suffix}", pradel.real("lambda"))}


def _log_linear_trend(counts: np.ndarray) -> float:
    """exp(slope) of the least-squares line of log(counts) on 0, 1, 2, ..."""
    return float(np.exp(np.polyfit(np.arange(len(counts)), np.log(counts.astype(float)), 1)[0]))


def recover(data_dir: Path) -> dict[str, float]:
    """Estimates with 95 % intervals and the truths of one simulated study.

    Parameters
    ----------
    data_dir : pathlib.Path
        The folder holding ``leopard-years/`` written by :func:`simulate_years`.

    Returns
    -------
    dict of str to float
        ``phi``, ``lambda``, ``trend`` with ``_lcl``/``_ucl`` (adults by their records), the same for
        phi and lambda from the individuals table's life stage (``_table``), the truths
        ``true_phi``, ``true_lambda``, ``true_trend`` and alternatives (``true_trend_start``: the
        adults in the mask at the seasons' starts; ``true_lambda_mask``: the trend of the adults
        in the mask at the seasons' starts), and ``seasons``, ``animals``.
    """
    catalog = open_catalog("leopard_years", data_dir=data_dir)
    study = Study.from_catalog(catalog)
    truth = read_years_truth(catalog)
    chs = _capthists(_adult_records_only(study), life_stage=None)
    out: dict[str, float] = {"seasons": len(chs), "animals": len({a for ch in chs.values() for a in ch.ids})}
    out.update(_open_fits(chs))
    out.update(_open_fits(_capthists(study, life_stage="adult"), suffix="_table"))
    buffer_m = max(secr.suggest_buffer(ch) for ch in chs.values())
    stations = pd.concat([ch.traps for ch in chs.values()])
    mask = secr.mask_from_study(study, stations[~stations.index.duplicated()], buffer_m=buffer_m, spacing=2000)
    fit = secr.secr_fit(chs, mask=mask, density="~Session", detectfn="HHN", progress=False)
    trend = fit.trend
    out.update({"trend": float(trend["estimate"]), "trend_lcl": float(trend["lcl"]), "trend_ucl": float(trend["ucl"])})
    out["true_phi"] = float(realised_survival(truth, by=None)["survival"].iloc[0])
    out["true_lambda"] = float(realised_growth(truth).attrs["mean_lambda"])
    out["true_trend"] = _log_linear_trend(adult_density(truth, mask, present="season")["adults"].to_numpy())
    in_mask_at_start = adult_density(truth, mask, present="start")["adults"].to_numpy()
    out["true_trend_start"] = out["true_lambda_mask"] = _log_linear_trend(in_mask_at_start)
    return out


def coverage_table(results: pd.DataFrame) -> pd.DataFrame:
    """Coverage, mean bias and mean interval width of each quantity (and its alternatives)."""
    pairs = {
        "phi": ("phi", "true_phi"),
        "lambda": ("lambda", "true_lambda"),
        "trend": ("trend", "true_trend"),
        "phi (individuals table)": ("phi_table", "true_phi"),
        "lambda (individuals table)": ("lambda_table", "true_lambda"),
        "lambda vs adults in mask": ("lambda", "true_lambda_mask"),
        "trend vs adults at starts": ("trend", "true_trend_start"),
    }
    rows = {}
    for name, (est, true) in pairs.items():
        inside = (results[f"{est}_lcl"] <= results[true]) & (results[true] <= results[f"{est}_ucl"])
        rows[name] = {
            "coverage": float(inside.mean()),
            "mean_bias": float((results[est] - results[true]).mean()),
            "mean_estimate": float(results[est].mean()),
            "mean_truth": float(results[true].mean()),
            "mean_ci_width": float((results[f"{est}_ucl"] - results[f"{est}_lcl"]).mean()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@pytest.fixture
def no_read_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each simulated study is read once: no need to fill the read cache with it."""
    monkeypatch.setenv("NBTOOLS_CACHE", "off")


@pytest.mark.slow
def test_one_short_study_runs_end_to_end(tmp_path: Path, no_read_cache: None) -> None:
    simulate_years(tmp_path / "leopard-years", seed=7, seasons=3, progress=False)
    result = recover(tmp_path)
    assert result["seasons"] == 3
    assert result["animals"] > 20
    for name in ("phi", "lambda", "trend", "phi_table", "lambda_table"):
        assert 0 < result[f"{name}_lcl"] <= result[name] <= result[f"{name}_ucl"], name
    assert 0.5 < result["true_phi"] < 1
    assert 0.7 < result["true_lambda"] < 1.5
    assert 0.7 < result["true_trend"] < 1.5


@pytest.mark.study
def test_survival_lambda_and_trend_are_recovered_in_85_percent_of_20_studies(
    tmp_path: Path, no_read_cache: None
) -> None:
    rows = {}
    started = time.perf_counter()
    for seed in SEEDS:
        folder = tmp_path / f"seed{seed}"
        t0 = time.perf_counter()
        simulate_years(folder / "leopard-years", seed=seed, progress=False)
        rows[seed] = {**recover(folder), "seconds": time.perf_counter() - t0}
        for path in (folder / "leopard-years").iterdir():
            path.unlink()
        print(f"seed {seed}: " + ", ".join(f"{k} {v:.4g}" for k, v in rows[seed].items()), flush=True)
    results = pd.DataFrame.from_dict(rows, orient="index").rename_axis("seed")
    table = coverage_table(results)
    with pd.option_context("display.width", 250, "display.max_columns", 50):
        print(results.round(4).to_string())
        print(table.round(4).to_string())
    print(f"{len(SEEDS)} studies in {time.perf_counter() - started:.0f} s", flush=True)
    for quantity in QUANTITIES:
        assert table.loc[quantity, "coverage"] >= TARGET_COVERAGE, table.round(3).to_string()
