"""The multi-year study in data/leopard-years/: its catalog, its validity, its truth, and that the simulator writes it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nbtools.camtrapdp import read_camtrapdp
from nbtools.catalog import DATA_DIR, open_catalog
from nbtools.checksums import read_checksums
from nbtools.simulate import season_label, simulate_years

STUDY = DATA_DIR / "leopard-years"
SEASONS = [season_label(year) for year in range(2014, 2020)]
LEOPARD = "Panthera pardus orientalis"


@pytest.fixture(scope="module")
def catalog():
    return open_catalog("leopard_years")


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((STUDY / "truth.json").read_text())


@pytest.fixture(scope="module")
def observations(catalog) -> pd.DataFrame:
    """Event-level observations with the season of their deployment."""
    obs = catalog.observations.read()
    deployments = catalog.deployments.read()
    season = deployments["deploymentGroups"].str.extract(r"season:(\d{4}/\d{2})")[0]
    return obs.assign(season=obs["deploymentID"].map(dict(zip(deployments["deploymentID"], season, strict=True))))


@pytest.fixture(scope="module")
def lives(truth: dict) -> dict[str, dict]:
    return {life["individualID"]: life for life in truth["leopards"]}


def test_package_validates_strictly() -> None:
    package = read_camtrapdp(STUDY, strict=True)
    assert len(package.deployments) > 0 and len(package.observations) > 0
    assert package.metadata["project"]["observationLevel"] == ["event"]


@pytest.mark.parametrize("entry", ["deployments", "media", "observations", "individuals"])
def test_table_entries_have_the_documented_columns_and_dtypes(catalog, entry: str) -> None:
    frame = catalog[entry].read()
    assert len(frame) > 0
    for column, dtype in catalog[entry].metadata["columns"].items():
        assert column in frame.columns, f"{entry}.{column} missing"
        actual = frame[column].dtype
        if dtype == "category":
            assert isinstance(actual, pd.CategoricalDtype), f"{entry}.{column}: {actual}"
        else:
            assert str(actual) == dtype, f"{entry}.{column}: {actual} is not {dtype}"


def test_every_deployment_names_its_season_and_the_grid_matches_the_truth(catalog, truth: dict) -> None:
    deployments = catalog.deployments.read()
    season = deployments["deploymentGroups"].str.extract(r"^season:(\d{4}/\d{2}) \| ")[0]
    assert season.notna().all()
    assert sorted(season.unique()) == SEASONS
    assert deployments["deploymentID"].is_unique
    for record in truth["seasons"]:
        grid = deployments.loc[(season == record["season"]) & (deployments["locationID"] != "DEN1"), "locationID"]
        assert sorted(grid.unique()) == sorted(record["locationIDs"])
        assert record["locations"] == grid.nunique()
    counts = [record["locations"] for record in truth["seasons"]]
    assert len(set(counts)) > 1  # stations added and lost
    assert any(record["moved"] for record in truth["seasons"]) and any(record["lost"] for record in truth["seasons"])
    assert sum(len(record["realised"]["scene_locations"]) for record in truth["seasons"]) == 2


def test_counts_match_truth(catalog, truth: dict) -> None:
    realised = [record["realised"] for record in truth["seasons"]]
    assert len(catalog.deployments.read()) == sum(r["deployments"] for r in realised)
    assert len(catalog.media.read()) == sum(r["media"] for r in realised)
    assert len(catalog.observations.read()) == sum(r["observations"] for r in realised)


def test_every_photographed_leopard_is_alive_in_that_season(observations: pd.DataFrame, lives: dict) -> None:
    seen = observations.dropna(subset=["individualID"])
    seen = seen[seen["scientificName"] == LEOPARD][["individualID", "season"]].drop_duplicates()
    assert len(seen) > 300
    for individual, season in seen.itertuples(index=False):
        life = lives[individual]
        first_year = int(season[:4])
        assert life["birth"] <= f"{first_year + 1}-10-31", (individual, season)
        assert life["death"] is None or life["death"] >= f"{first_year}-11-01", (individual, season)


def test_individuals_table_agrees_with_the_lives(catalog, lives: dict) -> None:
    individuals = catalog.individuals.read()
    leopards = individuals[individuals["scientificName"] == LEOPARD]
    for row in leopards.itertuples():
        life = lives[row.individualID]
        assert int(life["birth"][:4]) == row.birthYear
        assert (None if pd.isna(row.motherID) else row.motherID) == life["motherID"]


def test_the_named_family_keeps_its_parts(observations: pd.DataFrame, lives: dict) -> None:
    by_name = {life["individualName"]: life for life in lives.values() if life["individualName"]}
    kedrovka, berry, meamur = by_name["Kedrovka"], by_name["Berry"], by_name["Meamur"]
    assert berry["motherID"] == kedrovka["individualID"] and berry["birth"].startswith("2013")
    assert berry["independence"] <= "2015-01-31"
    cubs = [life for life in lives.values() if life["motherID"] == berry["individualID"]]
    assert [c["birth"] for c in cubs if c["birth"].startswith("2016")] == ["2016-12-10", "2016-12-10"]
    assert meamur["death"].startswith("2016-03") and meamur["death_cause"] == "road (car)"
    assert not (observations["individualID"] == meamur["individualID"])[observations["season"] >= "2016"].any()
    # Berry settles next to her mother (within 10 km)
    centre_b, centre_k = berry["centres"]["2016/17"], kedrovka["centres"]["2016/17"]
    assert np.hypot(centre_b["x"] - centre_k["x"], centre_b["y"] - centre_k["y"]) < 10_000

    following = observations[observations["behavior"] == "following mother"]
    mothers = observations.dropna(subset=["individualID"])[["eventID", "individualID"]]
    with_mother = following.merge(mothers, on="eventID")
    berry_cubs = with_mother[(with_mother["individualID_y"] == berry["individualID"])]
    assert (berry_cubs["season"] == "2016/17").sum() > 10  # her first litter, at the den and on trails
    assert set(berry_cubs["lifeStage"]) <= {"juvenile", "subadult"}
    as_cub = with_mother[
        (with_mother["individualID_y"] == kedrovka["individualID"]) & (with_mother["season"] == "2014/15")
    ]
    assert len(as_cub) > 0  # Berry photographed as a cub with Kedrovka before her independence


def test_population_grows_and_adults_survive_as_published(truth: dict) -> None:
    adults = [record["leopards_at_start"]["adults"] for record in truth["seasons"]]
    totals = [record["leopards_at_start"]["total"] for record in truth["seasons"]]
    assert adults[-1] > 1.4 * adults[0] and totals[-1] > totals[0]
    assert 50 <= adults[0] <= 65  # 57 adults in 2014-15 (Vitkalova & Shevtsova 2016)
    survival = truth["adult_survival"]
    realised = sum(s["alive_a_year_later"] for s in survival) / sum(s["adults_at_start"] for s in survival)
    assert realised == pytest.approx(0.82, abs=0.04)  # Vitkalova et al. 2018


def test_tigers_spread_east(truth: dict) -> None:
    tigers = [record["tigers"] for record in truth["seasons"]]
    assert all(b["occupied_km2"] > a["occupied_km2"] for a, b in zip(tigers, tigers[1:]))
    assert tigers[-1]["n"] > tigers[0]["n"]
    assert len(tigers[-1]["occupied_locations"]) > len(tigers[0]["occupied_locations"])


def test_data_size_stays_small() -> None:
    total = sum(path.stat().st_size for path in STUDY.iterdir())
    assert total < 30e6


@pytest.mark.slow
def test_the_simulator_writes_the_committed_files(tmp_path) -> None:
    result = simulate_years(tmp_path / "leopard-years", seed=20141101, progress=False)
    committed = read_checksums(STUDY)
    written = read_checksums(result.out_dir)
    assert written == committed
