"""Tests of nbtools.interop.darwin_core: Darwin Core occurrences and archives out.

Expected values for the Camtrap DP example are those of camtrapdp's write_dwc() snapshot
(inbo/camtrapdp tests/testthat/_snaps/write_dwc/occurrence.csv).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbtools.camtrapdp import read_camtrapdp
from nbtools.interop import (
    DWC_TERMS,
    REQUIRED_TERMS,
    InteropError,
    darwin_core_occurrences,
    generalise_coordinates,
    great_circle_distance_m,
    rounding_uncertainty_m,
    write_darwin_core,
)


@pytest.fixture(scope="module")
def example(example_path: Path):
    return read_camtrapdp(example_path)


# --------------------------------------------------------------------------------------------------
# Darwin Core
# --------------------------------------------------------------------------------------------------


def test_darwin_core_example_matches_camtrapdp(example):
    dwc = darwin_core_occurrences(example)
    obs = example.observations
    event_animals = obs[(obs["observationLevel"] == "event") & (obs["observationType"] == "animal")]
    assert len(dwc) == len(event_animals) == 29  # one occurrence per event-level animal observation
    assert sorted(dwc["occurrenceID"]) == sorted(event_animals["observationID"])
    assert list(dwc.columns) == list(DWC_TERMS)
    assert dwc[list(REQUIRED_TERMS)].notna().all().all()
    assert (dwc["basisOfRecord"] == "MachineObservation").all() and (dwc["geodeticDatum"] == "EPSG:4326").all()
    # values of camtrapdp's write_dwc() for the same package
    assert dwc["occurrenceID"].tolist()[:5] == ["705e6036", "1fcdba64", "4729dc5c", "254635b0", "22a452e1"]
    first = dwc.iloc[0]
    terms = ["individualCount", "sex", "lifeStage", "behavior", "eventID", "parentEventID"]
    assert first[terms].tolist() == [1, "female", "adult", "foraging", "4bb69c45", "00a2c20d"]
    assert first["eventDate"] == "2020-05-30T02:57:37Z/2020-05-30T02:57:44Z"
    assert first["samplingEffort"] == "2020-05-30T02:57:37Z/2020-07-01T09:41:41Z"
    assert first["eventRemarks"] == "camera trap without bait near game trail"
    assert (first["decimalLatitude"], first["decimalLongitude"]) == (51.496, 4.774)
    assert first["coordinateUncertaintyInMeters"] == 187
    assert first["dataGeneralizations"] == "coordinates rounded to 0.001 degree"
    assert first["taxonID"] == "https://www.checklistbank.org/dataset/COL2023/taxon/DGP6"
    assert (first["license"], first["rightsHolder"], first["collectionCode"]) == (
        "CC0-1.0",
        "Research Institute for Nature and Forest (INBO)",
        "Agouti",
    )
    by_id = dwc.set_index("occurrenceID")
    assert (
        by_id.loc["4729dc5c", "eventRemarks"] == "camera trap without bait near game trail | tags: swimDirection:across"
    )
    assert by_id.loc["cb30a896", "identificationRemarks"] == "classified by a machine with 90% certainty"
    assert by_id.loc["3d065f23", "eventRemarks"] == (
        "camera trap without bait near game trail | from 29/07/2020 to 08/08/2020, 120 photos"
    )
    # the other event-level observations are not occurrences of a taxon
    assert len(obs[obs["observationLevel"] == "event"]) == 36
    with pytest.raises(InteropError, match="no scientificName"):
        darwin_core_occurrences(example, observation_type=None)
    media_level = darwin_core_occurrences(example, observation_level="media")
    assert len(media_level) == int(((obs["observationLevel"] == "media") & (obs["observationType"] == "animal")).sum())


def test_darwin_core_sensitive_species_rounded(example):
    dwc = darwin_core_occurrences(example, sensitive={"Anas": 0.1})  # a genus covers its species
    mallard = dwc["scientificName"].str.startswith("Anas ")
    assert mallard.sum() == 17 and dwc.attrs["sensitive"] == {"Anas platyrhynchos": 0.1, "Anas strepera": 0.1}
    lat, lon = dwc.loc[mallard, "decimalLatitude"], dwc.loc[mallard, "decimalLongitude"]
    np.testing.assert_allclose(lat * 10, np.round(lat * 10), atol=1e-9)
    assert sorted(set(zip(lat, lon))) == [(51.2, 5.7), (51.5, 4.8)]
    # 187 m - 157 m (rounding to 0.001) + 15,691 m (rounding to 0.1): Chapman & Wieczorek (2020)
    assert (dwc.loc[mallard, "coordinateUncertaintyInMeters"] == 187 - 157 + 15691).all()
    assert (dwc.loc[mallard, "coordinatePrecision"] == 0.1).all()
    assert dwc.loc[mallard, ["locationID", "locality", "eventID", "parentEventID", "samplingEffort"]].isna().all().all()
    assert dwc.loc[mallard, "informationWithheld"].str.contains("locationID").all()
    assert dwc.loc[mallard, "dataGeneralizations"].str.contains("0.1 degree").all()
    others = dwc[~mallard]
    assert others["locationID"].notna().all() and (others["coordinateUncertaintyInMeters"] == 187).all()
    with pytest.raises(InteropError, match="already rounded"):
        darwin_core_occurrences(example, sensitive={"Anas": 0.0001})


def test_rounding_helpers():
    assert [rounding_uncertainty_m(p) for p in (0.1, 0.01, 0.001)] == [15691, 1570, 157]  # camtrapdp's values
    lat, lon = generalise_coordinates([42.70852, -0.04], [130.86099, 179.96], 0.1)
    assert lat.tolist() == [42.7, -0.0] and lon.tolist() == [130.9, 180.0]
    assert generalise_coordinates([43.12], [131.37], 0.25)[0].tolist() == [43.0]


def test_great_circle_distance() -> None:
    # one degree of a great circle is 2 pi R / 360; a quarter of the equator is pi R / 2
    radius = 6_371_009
    got = great_circle_distance_m(
        [0.0, 0.0, 42.7, -10.0], [0.0, 0.0, 130.9, 20.0], [1.0, 0.0, 42.7, -10.0], [0.0, 90.0, 131.0, 20.0]
    )
    np.testing.assert_allclose(got[:2], [2 * np.pi * radius / 360, np.pi * radius / 2], rtol=1e-12)
    # along a parallel at 42.7 N: about cos(42.7 deg) of the equator's 0.1 degree, slightly more (the chord of the circle)
    assert 0.1 * np.pi / 180 * radius * np.cos(np.radians(42.7)) * 0.999 < got[2] < 0.1 * np.pi / 180 * radius
    assert got[3] == 0.0
    assert great_circle_distance_m(10.0, 20.0, -30.0, 40.0) == great_circle_distance_m(-30.0, 40.0, 10.0, 20.0)


def test_write_darwin_core_archive_files(tmp_path, example):
    path = write_darwin_core(example, tmp_path / "dwc")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(table) == 29 and list(table.columns) == list(DWC_TERMS)
    root = ET.parse(tmp_path / "dwc" / "meta.xml").getroot()
    ns = {"d": "http://rs.tdwg.org/dwc/text/"}
    core = root.find("d:core", ns)
    assert core.get("rowType") == "http://rs.tdwg.org/dwc/terms/Occurrence"
    fields = core.findall("d:field", ns)
    assert len(fields) == len(DWC_TERMS)
    assert fields[0].get("term") == "http://purl.org/dc/terms/type"
    assert int(core.find("d:id", ns).get("index")) == list(DWC_TERMS).index("occurrenceID")


@pytest.mark.slow
def test_darwin_core_default_study_with_rounded_leopards():
    from types import SimpleNamespace

    from nbtools.catalog import open_catalog

    cat = open_catalog("leopard")
    study = SimpleNamespace(
        deployments=cat["deployments"].read(), observations=cat["observations"].read(), metadata=dict(cat.metadata)
    )
    leopard = "Panthera pardus orientalis"
    dwc = darwin_core_occurrences(study, sensitive={leopard: 0.1})
    obs = study.observations
    events = obs[(obs["observationLevel"] == "event") & (obs["observationType"] == "animal")]
    assert len(dwc) == len(events) and dwc["occurrenceID"].is_unique
    assert dwc[list(REQUIRED_TERMS)].notna().all().all()
    is_leopard = dwc["scientificName"] == leopard
    assert is_leopard.sum() == (events["scientificName"] == leopard).sum() == 3331
    cells = dwc.loc[is_leopard, ["decimalLatitude", "decimalLongitude"]].to_numpy()
    np.testing.assert_allclose(cells * 10, np.round(cells * 10), atol=1e-9)
    exact = set(zip(study.deployments["latitude"].round(6), study.deployments["longitude"].round(6)))
    assert not set(map(tuple, np.round(cells, 6))) & exact  # no leopard at a camera's exact place
    assert dwc.loc[is_leopard, ["locationID", "parentEventID", "eventID"]].isna().all().all()
    assert (dwc.loc[is_leopard, "coordinateUncertaintyInMeters"] == 10 + 15691).all()
    assert dwc.loc[~is_leopard, "locationID"].notna().all()


def test_doctests():
    import doctest
    import importlib

    for name in ("darwin_core",):
        module = importlib.import_module(f"nbtools.interop.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
