"""Study: projected coordinates, time zone, subsets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import box

from nbtools.study import Study, filter_table, utm_crs


@pytest.fixture(scope="module")
def study(example_path: Path) -> Study:
    return Study.from_camtrapdp(example_path)


def test_crs_and_timezone_are_inferred(study: Study) -> None:
    assert study.crs == "EPSG:32631"  # 4-5.7 E lies in UTM zone 31
    # issue #17: the IANA zone where the cameras stand, not the offset most deployments were written with (+02:00)
    assert study.timezone == "Europe/Brussels"
    assert "where the cameras stand" in study.timezone_reason
    assert utm_crs(131.5, 43.3) == "EPSG:32652"
    assert utm_crs(-70.0, -33.0) == "EPSG:32719"


def test_species_subset_keeps_effort(study: Study) -> None:
    foxes = study.subset(species="Vulpes vulpes")
    assert set(foxes.observations["scientificName"]) == {"Vulpes vulpes"}
    assert len(foxes.deployments) == len(study.deployments)
    assert len(foxes.media) == len(study.media)


def test_period_subset_clips_deployments(study: Study) -> None:
    june = study.subset(start="2020-06-01", end="2020-07-01")
    assert len(june.deployments) == 2
    start = pd.Timestamp("2020-06-01", tz="+02:00")
    end = pd.Timestamp("2020-07-01", tz="+02:00")
    assert (june.deployments["deploymentStart"] >= start).all()
    assert (june.deployments["deploymentEnd"] <= end).all()
    assert june.media["timestamp"].between(start, end, inclusive="left").all()
    assert set(june.media["deploymentID"]) <= set(june.deployments["deploymentID"])


def test_area_subset(study: Study) -> None:
    east = box(650_000, 5_600_000, 700_000, 5_700_000)  # the two Dutch-border deployments
    subset = study.subset(area=east)
    assert sorted(subset.deployments["deploymentID"]) == ["29b7d356", "577b543a"]
    assert set(subset.observations["deploymentID"]) <= {"29b7d356", "577b543a"}


def test_filter_table_ignores_all_species(study: Study) -> None:
    assert len(filter_table(study.observations, "observations", species="all")) == len(study.observations)


def test_species_subset_keeps_the_level_chosen_on_the_whole_table(study: Study) -> None:
    """d1 was classified by people at event level (a roe deer) and by a machine at media level (a leopard in
    the same sequence): level "auto" counts d1's event rows only, so a leopard subset must not turn the
    machine's leopard into a record. d2 has media-level rows only: its leopard stays."""
    from dataclasses import replace

    from nbtools.events import select_records
    from nbtools.study import species_records

    leopard = "Panthera pardus orientalis"
    obs = pd.DataFrame(
        {
            "deploymentID": ["d1", "d1", "d1", "d2", "d2"],
            "eventID": ["e1", "e1", "e1", "e2", "e2"],
            "eventStart": pd.to_datetime(["2020-06-01T10:00Z"] * 3 + ["2020-06-02T22:00Z"] * 2),
            "observationLevel": ["event", "media", "media", "media", "media"],
            "observationType": ["animal"] * 5,
            "scientificName": ["Capreolus pygargus", leopard, "Capreolus pygargus", leopard, leopard],
        }
    )
    assert species_records(obs).index.tolist() == [0, 3, 4]
    whole = select_records(obs)
    deployments = pd.DataFrame({"deploymentID": ["d1", "d2"], "locationID": ["a", "b"]})
    tiny = replace(study, observations=obs, deployments=deployments, media=study.media.iloc[:0])
    cut = tiny.subset(species=leopard).observations
    assert cut.index.tolist() == [3, 4]
    assert select_records(cut).index.tolist() == whole.index[whole["scientificName"] == leopard].tolist()
    assert len(filter_table(obs, "observations", species=leopard)) == 3  # the catalog's filter loses nothing
