"""Tests of nbtools.interop.megadetector: MegaDetector output in and out.

Input files are made here following the published format description (MegaDetector output format 1.x:
https://lila.science/megadetector-output-format).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbtools.camtrapdp import read_camtrapdp
from nbtools.interop import ImportReport, InteropError, read_megadetector, validate_package, write_megadetector


@pytest.fixture(scope="module")
def example(example_path: Path):
    return read_camtrapdp(example_path)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# MegaDetector
# --------------------------------------------------------------------------------------------------


def md_truth(example) -> pd.DataFrame:
    """Detections to write: 12 images of the example, 0-2 boxes each, known confidences."""
    media = example.media.iloc[:12]
    rows = []
    confs = [[0.95], [0.81, 0.12], [], [0.15], [0.6, 0.55], [0.05], [0.99], [], [0.3], [0.71], [0.21], [0.9]]
    cats = [["1"], ["1", "1"], [], ["1"], ["2", "1"], ["1"], ["3"], [], ["1"], ["1"], ["2"], ["1"]]
    for i, (mid, dep, name) in enumerate(zip(media["mediaID"], media["deploymentID"], media["fileName"])):
        for k, (conf, cat) in enumerate(zip(confs[i], cats[i])):
            rows.append(
                {
                    "mediaID": mid,
                    "deploymentID": dep,
                    "fileName": name,
                    "category": cat,
                    "conf": conf,
                    "bbox": [round(0.05 * k + 0.01 * i, 4), 0.1, 0.25, 0.5],
                }
            )
    return pd.DataFrame(rows), media


def md_file(tmp_path: Path, example, extra: list | None = None, info: dict | None = None) -> Path:
    truth, media = md_truth(example)
    images = []
    for i, (mid, dep, name) in enumerate(zip(media["mediaID"], media["deploymentID"], media["fileName"])):
        dets = truth[truth["mediaID"] == mid]
        sep = "\\" if i % 2 else "/"  # Windows and POSIX separators, relative to the run folder
        images.append(
            {
                "file": f"{dep}{sep}{name}",
                "detections": [
                    {"category": c, "conf": f, "bbox": b}
                    for c, f, b in zip(dets["category"], dets["conf"], dets["bbox"])
                ],
            }
        )
    data = {
        "info": info
        or {
            "format_version": "1.4",
            "detector": "md_v5a.0.0.pt",
            "detector_metadata": {"megadetector_version": "v5a.0.0", "typical_detection_threshold": 0.2},
        },
        "detection_categories": {"1": "animal", "2": "person", "3": "vehicle"},
        "images": images + (extra or []),
    }
    return write_json(tmp_path / "md_results.json", data)


def test_megadetector_round_trip(tmp_path, example):
    truth, media = md_truth(example)
    md = read_megadetector(md_file(tmp_path, example), example)
    assert md.threshold == 0.2  # the file's typical_detection_threshold
    obs = md.observations
    above = truth[truth["conf"] >= 0.2]
    detected = obs[obs["observationType"] != "blank"]
    assert len(detected) == len(above) == 9
    # every detection above the threshold comes back with its box, confidence and type
    got = detected.sort_values(["mediaID", "classificationProbability"], ascending=[True, False])
    want = above.sort_values(["mediaID", "conf"], ascending=[True, False])
    assert got["mediaID"].tolist() == want["mediaID"].tolist()
    np.testing.assert_allclose(got["classificationProbability"], want["conf"])
    np.testing.assert_allclose(
        got[["bboxX", "bboxY", "bboxWidth", "bboxHeight"]].to_numpy(float), np.array(want["bbox"].tolist())
    )
    kinds = {"1": "animal", "2": "human", "3": "vehicle"}
    assert got["observationType"].astype(str).tolist() == [kinds[c] for c in want["category"]]
    # images without a detection above 0.2 are blanks, one each, with their best confidence as a tag
    blanks = obs[obs["observationType"] == "blank"]
    assert sorted(blanks["mediaID"]) == sorted(set(media["mediaID"]) - set(above["mediaID"]))
    assert set(blanks["observationTags"].dropna()) == {"maxDetectionConf:0.15", "maxDetectionConf:0.05"}
    assert (obs["classificationMethod"] == "machine").all() and (obs["observationLevel"] == "media").all()
    assert obs["classifiedBy"].iloc[0] == "MegaDetector md_v5a.0.0.pt"
    # times and deployments come from the media rows
    when = media.set_index("mediaID")["timestamp"]
    assert (obs["eventStart"].to_numpy() == when.loc[obs["mediaID"]].to_numpy()).all()
    assert obs["count"].astype(float).fillna(0).tolist() == [
        1.0 if t != "blank" else 0.0 for t in obs["observationType"]
    ]
    # all detections are kept for review, flagged by the threshold
    assert len(md.detections) == len(truth) and md.detections["above_threshold"].sum() == 9
    assert md.report.accounting().to_dict("records") == [
        {"file": "md_results.json", "read": 12, "converted": 12, "flagged": 0, "set_aside": 0}
    ]


def test_megadetector_threshold(tmp_path, example):
    path = md_file(tmp_path, example)
    counts = {
        t: int((read_megadetector(path, example, t).observations["observationType"] != "blank").sum())
        for t in (0.0, 0.5, 0.9, 1.0)
    }
    assert counts == {0.0: 12, 0.5: 7, 0.9: 3, 1.0: 0}
    with pytest.raises(ValueError, match="threshold"):
        read_megadetector(path, example, 1.5)


def test_megadetector_failures_unmatched_and_ambiguous(tmp_path, example):
    m = example.media
    first = m.iloc[20]
    extra = [
        {"file": f"{first['deploymentID']}/{first['fileName']}", "failure": "Failure image access", "detections": None},
        {"file": "elsewhere/not_in_the_package.jpg", "detections": []},
        {"file": f"{m.iloc[0]['deploymentID']}/{m.iloc[0]['fileName']}", "detections": []},  # repeats entry 1
        {"detections": []},  # no file
    ]
    md = read_megadetector(md_file(tmp_path, example, extra), example)
    rep = md.report
    assert isinstance(rep, ImportReport)
    acc = rep.accounting().iloc[0]
    assert (acc["read"], acc["converted"], acc["set_aside"]) == (16, 13, 3)
    assert acc["read"] == acc["converted"] + acc["set_aside"]
    reasons = rep.set_aside["md_results.json"]["reason"]
    assert reasons.index.tolist() == [14, 15, 16]
    assert "no media row" in reasons[14] and "already matched" in reasons[15] and "no 'file'" in reasons[16]
    # the failure is kept as an unclassified observation and reported as a warning
    failed = md.observations[md.observations["mediaID"] == first["mediaID"]]
    assert failed["observationType"].tolist() == ["unclassified"]
    assert "Failure image access" in failed["observationComments"].iloc[0]
    assert [(p.row, p.check) for p in rep.warnings] == [(13, "failure")]


def test_megadetector_ambiguous_paths_are_reported(tmp_path):
    media = pd.DataFrame(
        {
            "mediaID": ["a1", "b1"],
            "deploymentID": ["A", "B"],
            "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 10:00"], utc=True),
            "filePath": ["media/A/IMG_0001.JPG", "media/B/IMG_0001.JPG"],
            "fileName": ["IMG_0001.JPG"] * 2,
        }
    )
    data = {
        "info": {"format_version": "1.1"},
        "detection_categories": {"1": "animal"},
        "images": [{"file": "IMG_0001.JPG", "detections": [{"category": "1", "conf": 0.9, "bbox": [0, 0, 1, 1]}]}],
    }
    path = write_json(tmp_path / "md.json", data)
    md = read_megadetector(path, media)
    assert md.observations.empty
    assert "matches 2 media rows equally well" in md.report.set_aside["md.json"]["reason"].iloc[0]
    assert md.report.errors[0].check == "path-ambiguous"
    one = read_megadetector(path, media, deployment_id="B")
    assert one.observations["mediaID"].tolist() == ["b1"]


def test_megadetector_classifications_and_validation(tmp_path, example):
    m = example.media.iloc[:3]
    images = [
        {
            "file": f"{d}/{n}",
            "detections": [
                {"category": "1", "conf": 0.9, "bbox": [0.5, 0.5, 0.5, 0.5001], "classifications": [[c, s]]}
            ],
        }
        for (d, n), (c, s) in zip(zip(m["deploymentID"], m["fileName"]), [("0", 0.93), ("1", 0.4), ("2", 0.88)])
    ]
    data = {
        "info": {"format_version": "1.6", "detector": "MDV5A", "classifier": "speciesnet v4.0.2a"},
        "detection_categories": {"1": "animal", "2": "person", "3": "vehicle"},
        "classification_categories": {"0": "mallard", "1": "gadwall", "2": "fox"},
        "classification_category_descriptions": {
            "0": "x;aves;anseriformes;anatidae;anas;platyrhynchos;mallard",
            "1": "y;aves;anseriformes;anatidae;anas;strepera;gadwall",
            "2": "animalia;chordata;mammalia;carnivora;canidae;vulpesvulpes",
        },
        "images": images,
    }
    md = read_megadetector(write_json(tmp_path / "md.json", data), example)
    obs = md.observations
    assert obs["scientificName"].iloc[0] == "Anas platyrhynchos"
    assert pd.isna(obs["scientificName"].iloc[1])  # 0.4 < classification_threshold
    np.testing.assert_allclose(obs["classificationProbability"], [0.93, 0.9, 0.9])
    assert obs["observationTags"].iloc[1] == "classification:gadwall | classificationConf:0.4"
    assert obs["bboxHeight"].iloc[0] == pytest.approx(0.5)  # clipped to the image, and reported
    assert any(p.check == "bbox-clipped" for p in md.report.warnings)
    assert any(p.check == "unknown-label" and p.value == "fox" for p in md.report.warnings)
    named = read_megadetector(tmp_path / "md.json", example, taxa={"fox": "Vulpes vulpes"})
    assert named.observations["scientificName"].iloc[2] == "Vulpes vulpes"
    # joined to the package, the observations pass the Camtrap DP schemas and our rules
    package = named.add_to(example)
    assert len(package.observations) == len(example.observations) + 3
    checked = validate_package(package, "Europe/Brussels")
    assert checked.report.valid, checked.report
    with pytest.raises(InteropError, match="already in the package"):
        named.add_to(package)
    replaced = named.add_to(package, replace=True)  # drops every earlier machine observation first
    machine_before = int((example.observations["classificationMethod"] == "machine").sum())
    assert len(replaced.observations) == len(example.observations) - machine_before + 3


def test_write_megadetector_round_trips(tmp_path, example):
    import dataclasses

    # MegaDetector file -> Camtrap DP -> MegaDetector file -> Camtrap DP gives the same observations
    first = read_megadetector(md_file(tmp_path, example), example, min_confidence=0.0)
    machine_only = dataclasses.replace(example, observations=first.observations)
    again = read_megadetector(write_megadetector(machine_only, tmp_path / "again.json"), example, min_confidence=0.0)
    columns = "mediaID observationType count bboxX bboxY bboxWidth bboxHeight classificationProbability".split()
    pd.testing.assert_frame_equal(again.observations[columns], first.observations[columns])
    # the example's own (human) media-level observations: types and names come back
    path = write_megadetector(example, tmp_path / "example.json", detector="people")
    data = json.loads(path.read_text())
    assert data["info"]["format_version"] == "1.4" and data["info"]["detector"] == "people"
    aves = {name: i for i, name in data["classification_categories"].items()}["Aves"]
    assert (
        data["classification_category_descriptions"][aves] == ";aves;;;;;bird sp."
    )  # a class, as SpeciesNet writes it
    back = read_megadetector(path, example, min_confidence=0.0, min_classification_confidence=0.0).observations
    media_level = example.observations[example.observations["observationLevel"] == "media"]

    def tally(frame: pd.DataFrame) -> pd.Series:
        kept = frame[frame["observationType"].astype(str).isin(["animal", "human", "vehicle", "unknown"])]
        return kept.groupby(
            [kept["observationType"].astype(str), kept["scientificName"].fillna("-").astype(str)]
        ).size()

    pd.testing.assert_series_equal(
        tally(back),
        tally(
            media_level.assign(
                scientificName=media_level["scientificName"].where(media_level["observationType"] == "animal")
            )
        ),
    )
    blank_media = set(media_level["mediaID"]) - set(
        media_level.loc[media_level["observationType"] != "blank", "mediaID"]
    )
    assert set(back.loc[back["observationType"] == "blank", "mediaID"]) == blank_media


def test_machine_import_by_threshold(tmp_path, example):
    md = read_megadetector(md_file(tmp_path, example), example)
    table = md.by_threshold([0.1, 0.5, 0.95])
    columns = ["detections", "images_with_animal", "images_with_person", "images_with_vehicle", "blank_images"]
    assert table.columns.tolist() == columns
    assert table["detections"].tolist() == [11, 7, 2]
    assert table.loc[0.5].tolist() == [7, 5, 1, 1, 12 - 6]
    assert table.loc[0.95, "blank_images"] == 10


def test_megadetector_rejects_other_files(tmp_path, example):
    with pytest.raises(InteropError, match="no 'images' list"):
        read_megadetector(write_json(tmp_path / "x.json", {"predictions": []}), example)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InteropError, match="not valid JSON"):
        read_megadetector(tmp_path / "bad.json", example)


def test_doctests():
    import doctest
    import importlib

    for name in ("megadetector",):
        module = importlib.import_module(f"nbtools.interop.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
