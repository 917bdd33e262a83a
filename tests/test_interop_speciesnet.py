"""Tests of nbtools.interop.speciesnet: SpeciesNet predictions in.

Input files are made here following the published format description (SpeciesNet predictions:
https://github.com/google/cameratrapai, README, "Output format").
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nbtools.camtrapdp import read_camtrapdp
from nbtools.interop import parse_speciesnet_label, read_speciesnet, validate_package

LEOPARD_LABEL = "ab3b6f2e-0b5a-4c8e-9d0a-6f1b2c3d4e5f;mammalia;carnivora;felidae;panthera;pardus;leopard"
BLANK_LABEL = "f1856211-cfb7-4a5b-9158-c0f72fd09ee6;;;;;;blank"
HUMAN_LABEL = "990ae9dd-7a59-4344-afcb-1b7b21368000;mammalia;primates;hominidae;homo;sapiens;human"
VEHICLE_LABEL = "e2895ed5-780b-48f6-8a11-9e27cb594511;;;;;;vehicle"


@pytest.fixture(scope="module")
def example(example_path: Path):
    return read_camtrapdp(example_path)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# SpeciesNet
# --------------------------------------------------------------------------------------------------


def test_parse_speciesnet_labels():
    assert parse_speciesnet_label(LEOPARD_LABEL).scientific_name == "Panthera pardus"
    assert parse_speciesnet_label("id;mammalia;carnivora;felidae;;;cat family").scientific_name == "Felidae"
    assert parse_speciesnet_label("id;mammalia;carnivora;felidae;;;cat family").taxon_rank == "family"
    assert parse_speciesnet_label(HUMAN_LABEL).observation_type == "human"
    assert parse_speciesnet_label(VEHICLE_LABEL).observation_type == "vehicle"
    assert parse_speciesnet_label("1f689929-883d-4dae-958c-3d57ab5b6c16;;;;;;animal").scientific_name is None
    assert (
        parse_speciesnet_label(
            "f2efdae9;no cv result;no cv result;no cv result;no cv result;no cv result;no cv result"
        ).observation_type
        == "unknown"
    )
    assert parse_speciesnet_label("leopard") is None


def speciesnet_file(tmp_path: Path, example) -> tuple[Path, pd.DataFrame]:
    m = example.media.iloc[30:37]
    paths = [f"C:\\cameras\\{d}\\{n}" for d, n in zip(m["deploymentID"], m["fileName"])]
    box = {"category": "1", "label": "animal", "bbox": [0.1, 0.2, 0.3, 0.4]}
    preds = [
        {
            "filepath": paths[0],
            "prediction": LEOPARD_LABEL,
            "prediction_score": 0.91,
            "prediction_source": "classifier",
            "classifications": {"classes": [LEOPARD_LABEL, BLANK_LABEL], "scores": [0.91, 0.05]},
            "detections": [
                {**box, "conf": 0.95},
                {**box, "conf": 0.5, "bbox": [0.6, 0.2, 0.3, 0.4]},
                {**box, "conf": 0.1},
            ],
            "model_version": "4.0.1a",
        },
        {
            "filepath": paths[1],
            "prediction": BLANK_LABEL,
            "prediction_score": 0.99,
            "prediction_source": "classifier",
            "detections": [],
            "model_version": "4.0.1a",
        },
        {
            "filepath": paths[2],
            "prediction": HUMAN_LABEL,
            "prediction_score": 0.88,
            "prediction_source": "detector",
            "detections": [{"category": "2", "label": "human", "conf": 0.88, "bbox": [0.0, 0.0, 0.5, 1.0]}],
            "model_version": "4.0.1a",
        },
        {
            "filepath": paths[3],
            "prediction": VEHICLE_LABEL,
            "prediction_score": 0.7,
            "model_version": "4.0.1a",
            "detections": [{"category": "3", "label": "vehicle", "conf": 0.7, "bbox": [0.2, 0.2, 0.6, 0.6]}],
        },
        {"filepath": paths[4], "failures": ["CLASSIFIER", "DETECTOR"], "model_version": "4.0.1a"},
        {
            "filepath": paths[5],
            "prediction": LEOPARD_LABEL,
            "prediction_score": 0.35,
            "prediction_source": "rollup",
            "detections": [{**box, "conf": 0.4}],
            "model_version": "4.0.1a",
        },
        {"filepath": "C:\\cameras\\unknown\\IMG_9999.JPG", "prediction": BLANK_LABEL, "prediction_score": 0.9},
    ]
    return write_json(tmp_path / "speciesnet.json", {"predictions": preds}), m


def test_speciesnet_round_trip(tmp_path, example):
    path, m = speciesnet_file(tmp_path, example)
    sn = read_speciesnet(path, example, min_confidence=0.5, taxa={"Panthera pardus": "Panthera pardus orientalis"})
    obs = sn.observations.set_index("mediaID")
    ids = m["mediaID"].tolist()[:6]
    types = ["animal", "blank", "human", "vehicle", "unclassified", "unclassified"]
    assert obs.loc[ids, "observationType"].astype(str).tolist() == types
    leopard = obs.loc[ids[0]]
    assert leopard["scientificName"] == "Panthera pardus orientalis"
    assert leopard["classificationProbability"] == pytest.approx(0.91)
    assert leopard["count"] == 2  # two animal boxes at or above detection_threshold 0.2
    assert (leopard["bboxX"], leopard["bboxWidth"]) == pytest.approx((0.1, 0.3))
    assert leopard["classifiedBy"] == "SpeciesNet 4.0.1a"
    assert "predictionSource:classifier" in leopard["observationTags"]
    assert obs.loc[ids[2], "scientificName"] == "Homo sapiens" and obs.loc[ids[2], "count"] == 1
    assert pd.isna(obs.loc[ids[1], "count"]) and pd.isna(obs.loc[ids[1], "bboxX"])
    assert "CLASSIFIER, DETECTOR" in obs.loc[ids[4], "observationComments"]
    low = obs.loc[ids[5]]  # below threshold: kept for review with its prediction
    assert pd.isna(low["scientificName"]) and "predictionScore:0.35" in low["observationTags"]
    acc = sn.report.accounting().iloc[0]
    assert (acc["read"], acc["converted"], acc["set_aside"]) == (7, 6, 1)
    assert sn.report.set_aside["speciesnet.json"].index.tolist() == [7]
    assert [p.check for p in sn.report.warnings] == ["failure"]
    # without a threshold the ensemble's decision stands
    assert read_speciesnet(path, example).observations["observationType"].astype(str).tolist().count("animal") == 2
    checked = validate_package(sn.add_to(example), "Europe/Brussels")
    assert checked.report.valid, checked.report


def test_doctests():
    import doctest
    import importlib

    for name in ("speciesnet",):
        module = importlib.import_module(f"nbtools.interop.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
