"""Tests of the multi-year helpers: seasons of a study, season capture histories, the years' truth, life timelines.

Small hand-made tables and truths with the answers worked out by hand (nbtools.seasons,
nbtools.secr.seasons.pooled_detectors, nbtools.simulate.years_truth, nbtools.life_histories); the
multi-year study itself for the chain from the catalog to the capture histories.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbtools.life_histories import centre_distances, life_timeline, season_summary
from nbtools.seasons import deployment_seasons, in_season, season_periods, split_seasons
from nbtools.secr import CaptureHistory, join_sessions, open_cr_fit
from nbtools.secr.seasons import pooled_detectors
from nbtools.simulate.years_truth import (
    adult_density,
    adults_at_start,
    life_events,
    realised_growth,
    realised_survival,
    tiger_occupancy,
)
from nbtools.study import Study


# ---------------------------------------------------------------------------------------------- seasons
def _deployments() -> pd.DataFrame:
    utc = lambda s: pd.Timestamp(s, tz="UTC")  # noqa: E731
    columns = ["deploymentID", "locationID", "deploymentGroups", "deploymentStart", "deploymentEnd", "x", "y"]
    rows = [
        ("d1", "A", "season:2014/15 | array:grid", utc("2014-11-01 02:00"), utc("2015-03-01"), 0.0, 0.0),
        ("d2", "B", "season:2014/15 | array:grid", utc("2014-11-03"), utc("2015-10-31 10:00"), 1000.0, 0.0),
        ("d3", "A", "array:grid | season:2015/16", utc("2015-11-01 02:00"), utc("2016-10-30 10:00"), 0.0, 0.0),
        ("d4", "DEN", "season:2015/16 | array:den", utc("2016-04-01"), utc("2016-05-01"), 500.0, 500.0),
    ]
    return pd.DataFrame(rows, columns=columns)


def _study() -> Study:
    deployments = _deployments()
    observations = pd.DataFrame({"observationID": ["o1", "o2", "o3"], "deploymentID": ["d1", "d3", "d4"]})
    media = pd.DataFrame({"mediaID": ["m1", "m2"], "deploymentID": ["d2", "d4"]})
    return Study(
        deployments=deployments, media=media, observations=observations, crs="EPSG:32652", timezone="Etc/GMT-10"
    )


def test_deployment_seasons_reads_the_group_anywhere() -> None:
    seasons = deployment_seasons(_deployments())
    assert seasons.to_dict() == {"d1": "2014/15", "d2": "2014/15", "d3": "2015/16", "d4": "2015/16"}


def test_deployment_seasons_errors_name_the_row() -> None:
    bad = _deployments().assign(deploymentGroups=["season:2014/15 | season:2015/16", None, "array:grid", "x"])
    with pytest.raises(ValueError, match=r"row 0 \(d1\).*two seasons"):
        deployment_seasons(bad)
    assert deployment_seasons(bad.iloc[1:]).isna().all()
    with pytest.raises(ValueError, match="no 'deploymentGroups'"):
        deployment_seasons(bad.drop(columns="deploymentGroups"))


def test_split_seasons_keeps_each_seasons_tables() -> None:
    parts = split_seasons(_study())
    assert list(parts) == ["2014/15", "2015/16"]
    assert list(parts["2014/15"].deployments["deploymentID"]) == ["d1", "d2"]
    assert list(parts["2015/16"].observations["observationID"]) == ["o2", "o3"]
    assert list(parts["2015/16"].media["mediaID"]) == ["m2"]
    grid = split_seasons(_study(), groups="array:grid")
    assert list(grid["2015/16"].deployments["deploymentID"]) == ["d3"]
    assert list(grid["2015/16"].observations["observationID"]) == ["o2"]
    with pytest.raises(ValueError, match="no deployment names a season"):
        split_seasons(_study(), groups="array:none")


def test_season_periods_in_local_days() -> None:
    periods = season_periods(_study())  # UTC+10: 2014-11-01 02:00 UTC is 12:00 local
    assert periods["2014/15"] == (pd.Timestamp("2014-11-01"), pd.Timestamp("2015-11-01"))
    # 2016-10-30 10:00 UTC is 20:00 local on the 30th; the den camera ends earlier
    assert periods["2015/16"] == (pd.Timestamp("2015-11-01"), pd.Timestamp("2016-10-31"))


# ------------------------------------------------------------------------------------- pooled detectors
def _capthist(counts: np.ndarray, ids: list[str], sexes: list[str], traps: list[str]) -> CaptureHistory:
    return CaptureHistory(
        counts=counts,
        traps=pd.DataFrame({"x": np.arange(len(traps)) * 1000.0, "y": 0.0}, index=traps),
        detector="count",
        usage=np.ones((len(traps), counts.shape[1])) * 0.5,
        ids=pd.Index(ids),
        covariates=pd.DataFrame({"sex": sexes}, index=ids),
    )


def test_pooled_detectors_sum_over_stations_and_join() -> None:
    first = _capthist(np.array([[[1, 2], [0, 0]], [[0, 0], [0, 1]]]), ["a", "b"], ["F", "M"], ["T1", "T2"])
    second = _capthist(np.array([[[0, 0, 1], [1, 0, 0], [0, 0, 0]]]), ["a"], ["F"], ["T1", "T3", "T4"])
    with pytest.raises(ValueError, match="other detectors"):
        join_sessions({"s1": first, "s2": second})
    pooled = pooled_detectors({"s1": first, "s2": second})
    assert pooled["s1"].counts[:, :, 0].tolist() == [[3, 0], [0, 1]]
    assert pooled["s2"].counts[:, :, 0].tolist() == [[1, 1, 0]]
    assert pooled["s2"].usage is None and pooled["s2"].session == "s2"
    history = join_sessions(pooled)
    assert history.occasions == (2, 3) and list(history.ids) == ["a", "b"]
    assert history.covariates["sex"].tolist() == ["F", "M"]


def test_pooled_history_fits_the_simulated_survival() -> None:
    from nbtools.secr.open_simulate import sim_open_history

    history, _ = sim_open_history(300, phi=0.8, p=0.4, f=0.2, occasions=(4, 4, 4, 4), seed=3)
    sessions = {}
    for j, label in enumerate(history.sessions):
        part = history.counts[:, sum(history.occasions[:j]) : sum(history.occasions[: j + 1])]
        seen = part.sum(axis=(1, 2)) > 0
        sessions[label] = _capthist(
            np.repeat(part[seen], 2, axis=2), list(history.ids[seen]), ["F"] * int(seen.sum()), ["T1", "T2"]
        )
    fit = open_cr_fit(join_sessions(pooled_detectors(sessions)), type="CJS")
    assert fit.value("phi") == pytest.approx(0.8, abs=0.08)


# ---------------------------------------------------------------------------------------- years' truth
def _truth() -> dict:
    def leopard(i, sex, settled, death=None, mother=None, birth="2005-01-01", x=0.0, name=None):
        centres = {s: {"x": x, "y": 0.0, "stage": "adult"} for s in ("2014/15", "2015/16", "2016/17")}
        return {
            "individualID": i,
            "individualName": name,
            "sex": sex,
            "birth": birth,
            "motherID": mother,
            "independence": settled,
            "settled": settled,
            "death": death,
            "death_cause": "natural" if death else None,
            "centres": centres,
        }

    seasons = [
        {
            "season": s,
            "start": f"{y}-11-01",
            "locations": 10,
            "locationIDs": [f"L{k}" for k in range(10)],
            "tigers": {"n": k, "occupied_locations": [f"L{j}" for j in range(k)] + ["X9"]},
        }
        for k, (s, y) in enumerate((("2014/15", 2014), ("2015/16", 2015), ("2016/17", 2016)), start=1)
    ]
    leopards = [
        leopard("F1", "female", "2008-01-01", name="Mother"),
        leopard("F2", "female", "2008-01-01", death="2015-06-01", x=5000.0),
        leopard("M1", "male", "2008-01-01", death="2016-12-01"),
        leopard("F3", "female", "2015-06-01", mother="F1", birth="2013-01-01", x=9000.0),
        leopard("C1", "male", None, mother="F3", birth="2016-12-10"),
        leopard("C2", "female", None, mother="F3", birth="2016-12-10"),
    ]
    return {"seasons": seasons, "leopards": leopards, "tigers": [], "state_space_km2": 200.0}


def test_adults_at_start_and_survival() -> None:
    truth = _truth()
    adults = adults_at_start(truth)
    assert adults.groupby("season")["individualID"].apply(sorted).to_dict() == {
        "2014/15": ["F1", "F2", "M1"],
        "2015/16": ["F1", "F3", "M1"],
        "2016/17": ["F1", "F3", "M1"],
    }
    survival = realised_survival(truth)  # the last season has no year after it
    assert survival.loc["female", ["at_risk", "survived"]].tolist() == [4, 3]
    assert survival.loc["male", ["at_risk", "survived"]].tolist() == [2, 2]
    assert realised_survival(truth, by=None).loc["all", "survival"] == pytest.approx(5 / 6)


def test_growth_density_and_tigers() -> None:
    truth = _truth()
    growth = realised_growth(truth)
    assert growth["adults"].tolist() == [3, 3, 3] and growth.attrs["mean_lambda"] == pytest.approx(1.0)
    assert adult_density(truth)["density_per_100km2"].tolist() == pytest.approx([1.5, 1.5, 1.5])

    class Mask:  # two 2-km cells, around x = 0 and x = 4,000 m
        points = pd.DataFrame({"x": [0.0, 4000.0], "y": [0.0, 0.0]})
        spacing = 2000.0

    inside = adult_density(truth, Mask())  # F2 (x = 5,000) is in the second cell, F3 (x = 9,000) in none
    assert inside["adults"].tolist() == [3, 2, 2] and inside["area_km2"].iloc[0] == pytest.approx(8.0)
    # over the whole season: F2 (dies in June 2015) and F3 (settles in June 2015) both count in 2014/15
    season = adult_density(truth, present="season")
    assert season["adults"].tolist() == [4, 3, 3]
    with pytest.raises(ValueError, match="present"):
        adult_density(truth, present="end")
    tigers = tiger_occupancy(truth)
    assert tigers["occupied"].tolist() == [1, 2, 3] and tigers["share"].tolist() == pytest.approx([0.1, 0.2, 0.3])


def test_life_events_lists_births_and_litters() -> None:
    events = life_events(_truth(), ["F1", "F3"])
    litter = events[(events["individualID"] == "F3") & (events["event"] == "litter born")]
    assert litter["detail"].tolist() == ["C1, C2"] and litter["date"].iloc[0] == pd.Timestamp("2016-12-10")
    assert events["date"].is_monotonic_increasing
    assert events.loc[events["individualID"] == "F1", "name"].iloc[0] == "Mother"
    with pytest.raises(KeyError, match="X1"):
        life_events(_truth(), ["X1"])


# ------------------------------------------------------------------------------------- life timelines
def _records() -> pd.DataFrame:
    columns = ["observationID", "deploymentID", "locationID", "eventStart", "individualID", "lifeStage", "count"]
    rows = [
        ("o0", "d1", "A", "2015-01-01 10:00:00", "F1", "adult", 1),
        ("o1", "d1", "A", "2015-01-01 10:00:20", None, "juvenile", 2),
        ("o2", "d2", "B", "2015-02-01 10:00:00", "F1", "adult", 1),
        ("o3", "d3", "A", "2016-01-01 10:00:00", "F1", "adult", 1),
        ("o4", "d3", "A", "2016-01-01 10:00:00", None, "juvenile", 1),
        ("o5", "d3", "A", "2016-01-01 10:05:00", None, "juvenile", 3),
        ("o6", "d4", "C", "2016-02-01 10:00:00", "F2", "adult", 1),
    ]
    records = pd.DataFrame(rows, columns=columns)
    records["eventStart"] = pd.to_datetime(records["eventStart"], utc=True)
    records.insert(4, "scientificName", "leo")  # all of one species
    return records


def test_life_timeline_counts_the_young_in_the_same_minute() -> None:
    seasons = pd.Series({"d1": "2014/15", "d2": "2014/15", "d3": "2015/16", "d4": "2015/16"})
    timeline = life_timeline(_records(), "F1", seasons)
    # o1 (2 young, 20 s later) counts; o5 (5 min later) does not
    assert timeline["young"].tolist() == [2, 0, 1]
    assert timeline["season"].tolist() == ["2014/15", "2014/15", "2015/16"]
    positions = pd.DataFrame({"x": [0.0, 3000.0, 4000.0], "y": [0.0, 0.0, 3000.0]}, index=["A", "B", "C"])
    summary = season_summary(timeline, positions)
    assert summary.loc["2014/15", ["records", "with_young", "stations"]].tolist() == [2, 1, 2]
    assert summary.loc["2014/15", "x"] == pytest.approx(1500.0) and summary.loc["2015/16", "mcp_km2"] == 0.0
    other = season_summary(life_timeline(_records(), "F2", seasons), positions)
    assert centre_distances(summary, other).to_dict() == pytest.approx({"2015/16": 5.0})
    with pytest.raises(ValueError, match="no records of individual 'F9'"):
        life_timeline(_records(), "F9")
    with pytest.raises(ValueError, match="no 'season' column"):
        season_summary(life_timeline(_records(), "F1"), positions)


def test_in_season_flags_wrong_clocks() -> None:
    periods = season_periods(_study())
    times = pd.Series(pd.to_datetime(["2015-01-01", "2000-03-26", "2015-12-01", "2015-12-01"], utc=True))
    seasons = pd.Series(["2014/15", "2014/15", "2014/15", None])
    assert in_season(times, seasons, periods, "Etc/GMT-10").tolist() == [True, False, False, False]
