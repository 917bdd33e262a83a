"""Recovery of the truth on the multi-year study (#22 part 6): survival, λ and the density trend.

Each simulated study is written by :func:`nbtools.simulate.simulate_years` (the default park and grid,
six seasons 2014/15-2019/20, a new ``seed`` per study), read back through the ``leopard_years``
catalog and analysed as notebook 11 does: one capture history per season
(:func:`nbtools.secr.seasons.capthists_by_season`, 30-day occasions, count detectors, suspect
identifications set aside at 10 km), the seasons joined into one open-population history of the
pooled detectors (:func:`nbtools.secr.join_sessions`, one year between sessions).

What is estimated, and the truth it is compared with (``truth.json`` of the study):

* **adult survival** -- spatial CJS ``phi ~ 1`` (openCR's ``CJSsecr``, hazard half-normal, static
  activity centres; :func:`nbtools.secr.open_cr_fit`) on every station of every season, joined by
  :func:`nbtools.secr.join_changing_sessions` with usage the share of each 30-day occasion a camera
  worked and 0 where a station did not stand (openCR's usage: it scales the hazard, so a station
  that was lost neither detects nor counts as a missed chance), as multi-catch detectors (per animal
  and occasion the station with most events), mask spacing 2.5 km over the union of the stations. Truth: the
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
* **density trend** -- multi-session SECR with ``D ~ Session`` (hazard half-normal, a 2-km mask per
  season around that season's stations, buffer the largest of :func:`nbtools.secr.suggest_buffer`),
  :attr:`MultiSessionFit.trend` = exp(D.Session), the factor by which density changes a season
  (:func:`density_trend`). Truth: the realised log-linear trend of the adults' density in the
  seasons' masks, exp(slope) of the least-squares line of log(adults whose centre is in the season's
  mask / the mask's area) on the season's index, counting the adults settled and alive at some time
  in the season (:func:`nbtools.simulate.years_truth.adult_density` with ``present="season"``: the
  animals a model closed over the season sees). Until 2026-12-08 one mask around the stations of all
  seasons was used and the truth counted the adults in it: see below why that trend is not one the
  cameras can recover.

The animals in the histories are those photographed as adults: observations of leopards whose
``lifeStage`` is not ``adult`` are removed before the histories are built, record by record, as
:func:`nbtools.secr.capthists_by_season` now does by default. (When this study was run it took the
stage from the individuals table, one value per animal for the whole study, so an animal that grew
up during the study was left out in every season: that gave λ 4/20, bias -0.073, and survival
20/20, bias +0.015; it was changed after this study.)

Figures of the study (seeds 1-20, six seasons each, the default park and parameters; run once on
2026-12-07, 930 s on two shared cores at ``nice 15``: some 45 s a study, the simulation 30-40 s of it;
the density trend and the survival re-run on 2026-12-08 on the same 20 studies, written once; then the
whole study run again after the simulator's sun changed, 1,049 s: the same coverage, λ 18/20 -0.026, survival
18/20 +0.023, trend 19/20 -0.021).
Coverage of the 95 % intervals, mean bias (estimate - truth) and mean truth over the 20 studies:

==============================  ========  =========  ==========  ============
quantity                        coverage  mean bias  mean truth  mean CI width
==============================  ========  =========  ==========  ============
λ (Pradel PLBl)                 18/20     -0.026     1.106       0.114
survival, spatial CJS           18/20     +0.023     0.825       0.079
survival, CJS core stations     16/20     +0.025     0.825       0.087
survival, non-spatial CJS       11/20     -0.029     0.825       0.080
density trend (D ~ Session)     19/20     -0.021     1.064       0.112
==============================  ========  =========  ==========  ============

Also recorded: λ against the trend of the adults in the one mask of all seasons at the seasons'
starts 19/20 (bias -0.023); the trend against the adults at the seasons' starts in the seasons' masks
18/20 (bias -0.037), and against the adults present in the season in the one mask 15/20 (bias -0.046,
what was measured before; see below).

So λ, survival and the density trend are recovered (target 85 %). What is known of the details:

* survival: the non-spatial CJS estimates apparent survival (see above). The spatial CJS on the
  stations of every season only (94-124 of some 160-200, no usage; what this test did until
  2026-12-08, "CJS core stations") covered 16/20, bias +0.025; on every station with usage 18/20,
  bias +0.023 (re-run on 2026-12-08 on the same 20 studies, written once; some 87 s a fit instead of
  26 s). Using every station narrows the intervals (width 0.079 instead of 0.087) but does not remove
  the bias: the estimate is above the truth in 19 of 20 studies, and four truths lie within 0.01 of a
  lower limit, so 18/20 is one study above the target. The cause of the +0.023 is not known (static
  activity centres while animals settle and shift; the truth counts every adult of the state space).
  By sex (``phi ~ sex``, ``lambda0 ~ sex``, ``sigma ~ sex``, every station with usage): females 19/20,
  bias +0.035, males 20/20, +0.016 (five of the 20 fits short of the convergence test, included).
* trend: with one mask around the stations of all seasons (and the truth counting the adults in
  it) the D ~ Session trend was low in all 20 studies: 15/20, bias -0.046 (mean estimate 1.044, truth
  1.089). The cause is where the population grows. The simulator settles its immigrants (8 a year,
  :class:`nbtools.simulate.lives.LifeParameters`) in the western tenth of the state space, where
  there are few stations: over the 20 studies the adults in the western tenth of that mask (x below
  its 10 % quantile) rise from 10.2 to 36.1 on average (a factor 1.28 a season), those in the whole
  mask from 72.2 to 113.4 (1.09): 26 of the 41 adults added are in that tenth, which few stations
  reach. A density model uniform in space estimates the density where the stations are (roughly the
  mean of D(x) weighted by the detection probability p.(x)); that density grows more slowly. Check:
  the trend of sum_i p.(x_i) / integral p.(x) dx of the independent leopards (p. at the fitted
  lambda0 and sigma) is what the D ~ session fit estimates: mean difference -0.009 over the 20
  studies. The method change is a mask per season (secr's practice for an array that changes):
  each season's density refers to the area that season's stations sample, not to parts of a fixed
  region no station of the season reaches; the estimate hardly changes (within 0.0006 of the
  one-mask trend), the quantity it is compared with does (mean truth 1.064).
  Hypotheses checked on the 20 studies (coverage, mean bias; truth adults present in the season
  unless said):

  - detection by sex (multi-session known classes, secr's ``hcov = "sex"``, ``lambda0 ~ h2``,
    ``sigma ~ h2``, D the total): 15/20, -0.046 (one mask); the trend is the same as without sexes
    (within 0.0013). An earlier diagnosis (one fit per sex on seed 1) put the bias in the females;
    that is probably the spatial effect above (not checked by sex).
  - the truth's definition (one mask): adults at the seasons' starts 8/20, -0.060; at mid-season
    14/20, -0.047; the animals settled by the middle of their part of the season (the simulator's
    adult rows) 15/20, -0.046; every independent leopard (residents and dispersers: the records of
    both say adult) 17/20, -0.040; weighted by the share of the season each was present 14/20, -0.046.
  - masks per season (this test): 19/20, -0.021 (start of season 18/20, -0.037; mid-season 20/20,
    -0.023; independent leopards 20/20, -0.014).
  - habitat covariates (``D ~ Session + forest_cover + prey_index``, one mask): 16/20, -0.041.
  - life stage at the season edges: 3-31 animals a season of the histories (mean 17, a fifth) are
    dispersers (the records of every independent leopard say adult), and 23-57 % of each season's
    animals (mean 42 %) became independent, settled or died during it; counting them or weighting
    by presence (above) moves the bias by at most 0.006.
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


#: Length of an occasion (days): the usage of a station is the share of it the camera worked.
OCCASION_DAYS = 30.0


def _all_multi_catch(chs: dict[str, CaptureHistory]) -> dict[str, CaptureHistory]:
    """Every season's stations as multi-catch detectors, usage the share of each 30-day occasion worked.

    Per animal and occasion the station with the most independent events (the first of a tie).
    """
    out = {}
    for label, ch in chs.items():
        animal, occasion = np.nonzero(ch.counts.sum(axis=2))
        multi = np.zeros_like(ch.counts)
        multi[animal, occasion, ch.counts[animal, occasion].argmax(axis=1)] = 1
        usage = np.ones((ch.ntraps, ch.noccasions)) if ch.usage is None else np.asarray(ch.usage, float) / OCCASION_DAYS
        out[label] = replace(ch, counts=multi, detector="multi", usage=usage)
    return out


def _spatial_survival(study: Study, chs: dict[str, CaptureHistory], buffer_m: float) -> dict[str, float]:
    """Spatial CJS ``phi ~ 1`` (openCR's ``CJSsecr``) on every station, usage 0 where a station did not stand."""
    multi = _all_multi_catch(chs)
    stations = pd.concat([ch.traps for ch in multi.values()])
    stations = stations[~stations.index.duplicated()]
    mask = secr.mask_from_study(study, stations, buffer_m=buffer_m, spacing=SPATIAL_SPACING_M)
    history = secr.join_changing_sessions(multi, intervals=1.0, usage="given")
    fit = secr.open_cr_fit(history, type="CJSsecr", mask=mask)
    return {**_row("phi_spatial", fit.real("phi")), "stations": len(stations)}


def _log_linear_trend(values: Any) -> float:
    """exp(slope) of the least-squares line of log(values) on 0, 1, 2, ..."""
    values = np.asarray(values, dtype=float)
    return float(np.exp(np.polyfit(np.arange(len(values)), np.log(values), 1)[0]))


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
        ``true_phi``, ``true_lambda``, ``true_trend`` and alternatives (:func:`density_trend`), and
        ``seasons``, ``animals``.
    """
    catalog = open_catalog("leopard_years", data_dir=data_dir)
    study = Study.from_catalog(catalog)
    truth = read_years_truth(catalog)
    chs = _capthists(study, life_stage="adult")  # stage judged record by record
    out: dict[str, float] = {"seasons": len(chs), "animals": len({a for ch in chs.values() for a in ch.ids})}
    out.update(_open_fits(chs))
    buffer_m = max(secr.suggest_buffer(ch) for ch in chs.values())
    out.update(density_trend(study, chs, truth, buffer_m))
    out.update(_spatial_survival(study, chs, buffer_m))
    out["true_phi"] = float(realised_survival(truth, by=None)["survival"].iloc[0])
    out["true_lambda"] = float(realised_growth(truth).attrs["mean_lambda"])
    return out


def density_trend(
    study: Study, chs: dict[str, CaptureHistory], truth: dict[str, Any], buffer_m: float
) -> dict[str, float]:
    """The D ~ Session trend on a mask per season, and its truths.

    Parameters
    ----------
    study : Study
        The simulated study (its habitat and boundary make the masks).
    chs : dict of str to CaptureHistory
        The seasons' capture histories.
    truth : dict
        The study's ``truth.json``.
    buffer_m : float
        Buffer of every season's mask (m).

    Returns
    -------
    dict of str to float
        ``trend`` with ``trend_lcl``/``trend_ucl``; ``true_trend`` (the adults present in the season per
        km2 of that season's mask), ``true_trend_start`` (those at the seasons' starts, same masks),
        ``true_trend_fixed`` (the adults present in the season in the one mask of all seasons' stations),
        ``true_lambda_mask`` (the adults at the seasons' starts in that one mask).
    """
    masks = {label: secr.mask_from_study(study, ch.traps, buffer_m=buffer_m, spacing=2000) for label, ch in chs.items()}
    fit = secr.secr_fit(chs, mask=masks, density="~Session", detectfn="HHN", progress=False)
    trend = fit.trend
    out = {"trend": float(trend["estimate"]), "trend_lcl": float(trend["lcl"]), "trend_ucl": float(trend["ucl"])}
    out["true_trend"] = _log_linear_trend(adult_density(truth, masks, present="season")["density_per_100km2"])
    out["true_trend_start"] = _log_linear_trend(adult_density(truth, masks, present="start")["density_per_100km2"])
    stations = pd.concat([ch.traps for ch in chs.values()])
    one = secr.mask_from_study(study, stations[~stations.index.duplicated()], buffer_m=buffer_m, spacing=2000)
    out["true_trend_fixed"] = _log_linear_trend(adult_density(truth, one, present="season")["adults"])
    out["true_lambda_mask"] = _log_linear_trend(adult_density(truth, one, present="start")["adults"])
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
        "trend vs one mask of all seasons": ("trend", "true_trend_fixed"),
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
def test_adult_survival_is_recovered_in_85_percent_of_the_studies(study_table: pd.DataFrame) -> None:
    assert study_table.loc["phi spatial (CJSsecr)", "coverage"] >= TARGET_COVERAGE, study_table.round(3).to_string()


@pytest.mark.slow
@pytest.mark.study
def test_density_trend_is_recovered_in_85_percent_of_the_studies(study_table: pd.DataFrame) -> None:
    assert study_table.loc["trend", "coverage"] >= TARGET_COVERAGE, study_table.round(3).to_string()
