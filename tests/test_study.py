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
    assert study.timezone == "+02:00"  # the offset the deployments were written with
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
