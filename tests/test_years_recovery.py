"""Recovery of the truth on the multi-year study (#22 part 6): survival, λ and the density trend.

Each simulated study is written by :func:`nbtools.simulate.simulate_years` (the default park and grid,
six seasons 2014/15-2019/20, a new ``seed`` per study), read back through the ``leopard_years``
catalog and analysed as notebook 11 does: one capture history per season
(:func:`nbtools.secr.seasons.capthists_by_season`, 30-day occasions, count detectors, suspect
identifications set aside at 10 km), the seasons joined into one open-population history of the
pooled detectors (:func:`nbtools.secr.join_sessions`, one year between sessions).

What is estimated, and the truth it is compared with (``truth.json`` of the study):

* **adult survival** -- spatial CJS ``phi ~ 1`` (openCR's ``CJSsecr``, hazard half-normal, static
  activity centres; :func:`nbtools.secr.open_cr_fit`) on the stations that stand in every season
  (the spatial open models need one detector array and no usage), as multi-catch detectors (per
  animal and 30-day occasion the station with most events), mask spacing 2.5 km. Truth: the
  realised annual survival of the adults, :func:`nbtools.simulate.years_truth.realised_survival`
  (``by=None``): of the settled adults alive at the start of each season but the last, the share
  alive at the next season's start, pooled over the seasons (adult-years at risk).
  The non-spatial CJS ``phi ~ 1, p ~ 1`` (``type="CJS"`` on the pooled detectors) is recorded too
  (``phi``) but not asserted: it estimates *apparent* survival, and here that is lower than the
  true one. On seed 1 (truth 0.835) it gives 0.762 (0.716-0.803), and 0.769 with one occasion per
  season (annual p 0.975, so it is not heterogeneity within a season); of the 366 animal-seasons
  photographed in a season before the last, 25 were alive at the next season's start and never
  photographed again, most of them with few records and centres at the grid's edge (south and
  north-east) where stations are added, moved and lost between seasons. A pooled detector cannot
  tell such an animal from a dead one; the spatial CJS on the same data gives 0.826 (0.771-0.870).
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
``lifeStage`` is not ``adult`` are removed before the histories are built, record by record, as
:func:`nbtools.secr.capthists_by_season` now does by default. (When this study was run it took the
stage from the individuals table, one value per animal for the whole study, so an animal that grew
up during the study was left out in every season: that gave λ 4/20, bias -0.073, and survival
20/20, bias +0.015; it was changed after this study.)

Figures of the study (seeds 1-20, six seasons each, the default park and parameters; run once on
2026-12-07, 930 s on two shared cores at ``nice 15``: some 45 s a study, the simulation 30-40 s of it).
Coverage of the 95 % intervals, mean bias (estimate - truth) and mean truth over the 20 studies:

==============================  ========  =========  ==========  ============
quantity                        coverage  mean bias  mean truth  mean CI width
==============================  ========  =========  ==========  ============
λ (Pradel PLBl)                 18/20     -0.026     1.106       0.114
survival, spatial CJS           16/20     +0.025     0.825       0.087
survival, non-spatial CJS       11/20     -0.029     0.825       0.080
density trend (D ~ Session)     15/20     -0.046     1.089       0.112
==============================  ========  =========  ==========  ============

Also recorded: λ against the trend of the adults in the mask at the seasons' starts 19/20 (bias
-0.023); the trend against the adults in the mask at the seasons' starts 8/20 (bias -0.060).

So λ is recovered (target 85 %); survival and the density trend are not, and their tests are
marked ``xfail(strict=True)`` with the target unchanged. What is known of why:

* survival: the non-spatial CJS estimates apparent survival (see above); the spatial CJS fixes
  most of it but is high by 0.025 (16/20). It uses only the stations of every season (94-124 of
  some 160-200) and static centres; the truth counts every adult of the state space, the estimate
  those photographed at the core stations.
* trend: the D ~ Session trend is low in all 20 studies. On seed 1, D ~ session gives 97 adults
  in the mask in 2014/15 (truth 83 present in the season, 59 at its start) and 120 in 2019/20
  (truth 129): the first season is overestimated. Detection is shared by the seasons; with
  detection ``~ session`` (AIC lower by 277) the trend is lower still (1.033 against 1.051, truth
  1.096), so it is not the shared detection. The first season has the smallest grid (160
  stations) and the most animals settling during it (24 of 83); an animal present for part of a
  season is one animal to the truth but less than one to the model, which reads its fewer
  detections as a lower detection probability. By sex (seed 1, one fit per sex): the males'
  trend is 1.080 (1.001-1.164), truth 1.093; the females' 1.018 (0.939-1.105), truth 1.100, the
  females overestimated in 2014/15 (56 against 41) and underestimated in 2019/20 (60 against 65)
  while the females photographed rose from 28 to 37. So the bias is in the females; its cause
  (a change of the females' detection between seasons that one shared sigma and lambda0 per sex
  cannot follow, or which females the truth counts) was not found by the deadline. The
  multi-session fit has no detection ~ sex (no groups), so the pooled fit cannot separate them.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from nbtools import secr
from nbtools.catalog import open_catalog
from nbtools.secr.capthist import CaptureHistory
from nbtools.secr.seasons import capthists_by_season, pooled_detectors
from nbtools.simulate import simulate_years
from nbtools.simulate.years_truth import adult_density, read_years_truth, realised_growth, realised_survival
from nbtools.study import Study

LEOPARD = "Panthera pardus orientalis"
#: Seeds of the simulated studies of the recovery study (20 studies).
SEEDS = tuple(range(1, 21))
#: Share of the studies whose 95 % interval must hold the truth.
TARGET_COVERAGE = 0.85

#: Mask spacing of the spatial CJS fit (m): 2.5 km keeps the fit at some 20 s.
SPATIAL_SPACING_M = 2500.0


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


def _core_multi_catch(chs: dict[str, CaptureHistory]) -> dict[str, CaptureHistory]:
    """The seasons' histories on the stations of every season, as multi-catch detectors, without usage.

    The spatial CJS model needs the same detectors in every session, multi-catch detections and no
    usage: keep the stations that stand in all seasons, per animal and occasion the one station with
    the most independent events (the first of a tie), and the animals detected there.
    """
    common = sorted(set.intersection(*(set(ch.traps.index) for ch in chs.values())))
    out = {}
    for label, ch in chs.items():
        position = {station: k for k, station in enumerate(ch.traps.index)}
        counts = ch.counts[:, :, [position[s] for s in common]]
        animal, occasion = np.nonzero(counts.sum(axis=2))
        multi = np.zeros_like(counts)
        multi[animal, occasion, counts[animal, occasion].argmax(axis=1)] = 1
        seen = multi.sum(axis=(1, 2)) > 0
        out[label] = replace(
            ch,
            counts=multi[seen],
            traps=ch.traps.loc[common],
            detector="multi",
            usage=None,
            ids=ch.ids[seen],
            covariates=None if ch.covariates is None else ch.covariates[seen],
            removed=None if ch.removed is None else ch.removed[seen],
        )
    return out


def _spatial_survival(study: Study, chs: dict[str, CaptureHistory], buffer_m: float) -> dict[str, float]:
    """Spatial CJS ``phi ~ 1`` (openCR's ``CJSsecr``) on the stations of every season."""
    core = _core_multi_catch(chs)
    traps = next(iter(core.values())).traps
    mask = secr.mask_from_study(study, traps, buffer_m=buffer_m, spacing=SPATIAL_SPACING_M)
    fit = secr.open_cr_fit(secr.join_sessions(core, intervals=1.0), type="CJSsecr", mask=mask)
    return {**_row("phi_spatial", fit.real("phi")), "core_stations": len(traps)}


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
        ``phi``, ``lambda``, ``trend`` with ``_lcl``/``_ucl`` (adults by their records), the truths
        ``true_phi``, ``true_lambda``, ``true_trend`` and alternatives (``true_trend_start``: the
        adults in the mask at the seasons' starts; ``true_lambda_mask``: the trend of the adults
        in the mask at the seasons' starts), and ``seasons``, ``animals``.
    """
    catalog = open_catalog("leopard_years", data_dir=data_dir)
    study = Study.from_catalog(catalog)
    truth = read_years_truth(catalog)
    chs = _capthists(study, life_stage="adult")  # stage judged record by record
    out: dict[str, float] = {"seasons": len(chs), "animals": len({a for ch in chs.values() for a in ch.ids})}
    out.update(_open_fits(chs))
    buffer_m = max(secr.suggest_buffer(ch) for ch in chs.values())
    stations = pd.concat([ch.traps for ch in chs.values()])
    mask = secr.mask_from_study(study, stations[~stations.index.duplicated()], buffer_m=buffer_m, spacing=2000)
    fit = secr.secr_fit(chs, mask=mask, density="~Session", detectfn="HHN", progress=False)
    trend = fit.trend
    out.update(_spatial_survival(study, chs, buffer_m))
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
        "phi spatial (CJSsecr)": ("phi_spatial", "true_phi"),
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


def study_seeds() -> tuple[int, ...]:
    """The seeds of the study: ``SEEDS``, or the first ``$NBTOOLS_RECOVERY_STUDIES`` of them (a quick try)."""
    count = os.environ.get("NBTOOLS_RECOVERY_STUDIES", "").strip()
    return SEEDS[: int(count)] if count else SEEDS


@pytest.fixture(scope="module")
def study_table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Simulate and analyse the studies once (some 50 s each); the coverage table of :func:`coverage_table`."""
    rows = {}
    started = time.perf_counter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NBTOOLS_CACHE", "off")
        for seed in study_seeds():
            folder = tmp_path_factory.mktemp(f"seed{seed}")
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
    print(f"{len(rows)} studies in {time.perf_counter() - started:.0f} s", flush=True)
    return table


@pytest.mark.slow
def test_one_short_study_runs_end_to_end(tmp_path: Path, no_read_cache: None) -> None:
    simulate_years(tmp_path / "leopard-years", seed=7, seasons=3, progress=False)
    result = recover(tmp_path)
    assert result["seasons"] == 3
    assert result["animals"] > 20
    for name in ("phi", "lambda", "trend", "phi_spatial"):
        assert 0 < result[f"{name}_lcl"] <= result[name] <= result[f"{name}_ucl"], name
    assert 0.5 < result["true_phi"] < 1
    assert 0.7 < result["true_lambda"] < 1.5
    assert 0.7 < result["true_trend"] < 1.5


@pytest.mark.slow
@pytest.mark.study
def test_lambda_is_recovered_in_85_percent_of_the_studies(study_table: pd.DataFrame) -> None:
    assert study_table.loc["lambda", "coverage"] >= TARGET_COVERAGE, study_table.round(3).to_string()


@pytest.mark.slow
@pytest.mark.study
@pytest.mark.xfail(
    strict=True,
    reason="measured 16/20 (80 %) for the spatial CJS (bias +0.025) and 11/20 for the non-spatial CJS "
    "(apparent survival, bias -0.029): see the module docstring",
)
def test_adult_survival_is_recovered_in_85_percent_of_the_studies(study_table: pd.DataFrame) -> None:
    assert study_table.loc["phi spatial (CJSsecr)", "coverage"] >= TARGET_COVERAGE, study_table.round(3).to_string()


@pytest.mark.slow
@pytest.mark.study
@pytest.mark.xfail(
    strict=True,
    reason="measured 15/20 (75 %), the D ~ Session trend biased low by 0.046 a season: see the module docstring",
)
def test_density_trend_is_recovered_in_85_percent_of_the_studies(study_table: pd.DataFrame) -> None:
    assert study_table.loc["trend", "coverage"] >= TARGET_COVERAGE, study_table.round(3).to_string()
