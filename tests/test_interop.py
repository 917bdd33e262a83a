"""Tests of nbtools.interop: MegaDetector, SpeciesNet and Wildlife Insights in; Darwin Core, secr and camtrapR out.

Input files are made here following the published format descriptions:
- MegaDetector output format 1.x: https://lila.science/megadetector-output-format
- SpeciesNet predictions: https://github.com/google/cameratrapai (README, "Output format")
- Wildlife Insights export columns as read by camtraptor's read_wi() (inbo/camtraptor R/read_wi.R)
Expected Darwin Core values for the Camtrap DP example are those of camtrapdp's write_dwc() snapshot
(inbo/camtrapdp tests/testthat/_snaps/write_dwc/occurrence.csv).
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbtools.camtrapdp import read_camtrapdp
from nbtools.effort import camera_operation, deployments_from_camtrapr
from nbtools.events import independent_events, observations_from_camtrapr
from nbtools.interop import (
    DWC_TERMS,
    REQUIRED_TERMS,
    ImportReport,
    InteropError,
    camtrapr_camera_operation,
    camtrapr_record_table,
    camtrapr_station_table,
    darwin_core_occurrences,
    generalise_coordinates,
    match_media,
    parse_speciesnet_label,
    read_megadetector,
    read_speciesnet,
    read_wildlife_insights,
    rounding_uncertainty_m,
    validate_package,
    write_camtrapr,
    write_darwin_core,
    write_megadetector,
    write_secr,
)
from nbtools.secr import make_capthist, read_capthist

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
# matching paths
# --------------------------------------------------------------------------------------------------


def test_match_media_longest_suffix_ambiguity_and_case():
    media = pd.DataFrame({
        "mediaID": ["m1", "m2", "m3"],
        "deploymentID": ["A", "B", "B"],
        "filePath": ["media/A/IMG_1.JPG", "media/B/IMG_1.JPG", "https://host/x/uuid.jpg"],
        "fileName": ["IMG_1.JPG", "IMG_1.JPG", "IMG_9.JPG"],
    })
    files = ["D:\\survey\\A\\img_1.jpg", "IMG_1.JPG", "other/B/IMG_9.JPG", "B/IMG_2.JPG", "A/IMG_1.JPG"]
    m = match_media(files, media)
    assert m["status"].tolist() == ["matched", "ambiguous", "matched", "unmatched", "duplicate"]
    assert m["mediaID"].tolist()[:3] == ["m1", None, "m3"]
    assert m.loc[0, "suffix_length"] == 2 and m.loc[2, "matched_on"] == "fileName"
    assert m.loc[1, "candidates"] == "m1, m2"
    assert match_media(files[:1], media, case_sensitive=True)["status"].tolist() == ["unmatched"]
    assert match_media(["IMG_1.JPG"], media, deployment_id="B")["mediaID"].tolist() == ["m2"]


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
            rows.append({"mediaID": mid, "deploymentID": dep, "fileName": name, "category": cat, "conf": conf,
                         "bbox": [round(0.05 * k + 0.01 * i, 4), 0.1, 0.25, 0.5]})
    return pd.DataFrame(rows), media


def md_file(tmp_path: Path, example, extra: list | None = None, info: dict | None = None) -> Path:
    truth, media = md_truth(example)
    images = []
    for i, (mid, dep, name) in enumerate(zip(media["mediaID"], media["deploymentID"], media["fileName"])):
        dets = truth[truth["mediaID"] == mid]
        sep = "\\" if i % 2 else "/"  # Windows and POSIX separators, relative to the run folder
        images.append({
            "file": f"{dep}{sep}{name}",
            "detections": [{"category": c, "conf": f, "bbox": b}
                           for c, f, b in zip(dets["category"], dets["conf"], dets["bbox"])],
        })
    data = {
        "info": info or {"format_version": "1.4", "detector": "md_v5a.0.0.pt",
                         "detector_metadata": {"megadetector_version": "v5a.0.0", "typical_detection_threshold": 0.2}},
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
    np.testing.assert_allclose(got[["bboxX", "bboxY", "bboxWidth", "bboxHeight"]].to_numpy(float),
                               np.array(want["bbox"].tolist()))
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
    assert obs["count"].astype(float).fillna(0).tolist() == [1.0 if t != "blank" else 0.0 for t in obs["observationType"]]
    # all detections are kept for review, flagged by the threshold
    assert len(md.detections) == len(truth) and md.detections["above_threshold"].sum() == 9
    assert md.report.accounting().to_dict("records") == [
        {"file": "md_results.json", "read": 12, "converted": 12, "flagged": 0, "set_aside": 0}]


def test_megadetector_threshold(tmp_path, example):
    path = md_file(tmp_path, example)
    counts = {t: int((read_megadetector(path, example, t).observations["observationType"] != "blank").sum())
              for t in (0.0, 0.5, 0.9, 1.0)}
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
    media = pd.DataFrame({
        "mediaID": ["a1", "b1"], "deploymentID": ["A", "B"],
        "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 10:00"], utc=True),
        "filePath": ["media/A/IMG_0001.JPG", "media/B/IMG_0001.JPG"], "fileName": ["IMG_0001.JPG"] * 2,
    })
    data = {"info": {"format_version": "1.1"}, "detection_categories": {"1": "animal"},
            "images": [{"file": "IMG_0001.JPG", "detections": [{"category": "1", "conf": 0.9, "bbox": [0, 0, 1, 1]}]}]}
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
        {"file": f"{d}/{n}", "detections": [{"category": "1", "conf": 0.9, "bbox": [0.5, 0.5, 0.5, 0.5001],
                                             "classifications": [[c, s]]}]}
        for (d, n), (c, s) in zip(zip(m["deploymentID"], m["fileName"]), [("0", 0.93), ("1", 0.4), ("2", 0.88)])
    ]
    data = {
        "info": {"format_version": "1.6", "detector": "MDV5A", "classifier": "speciesnet v4.0.2a"},
        "detection_categories": {"1": "animal", "2": "person", "3": "vehicle"},
        "classification_categories": {"0": "mallard", "1": "gadwall", "2": "fox"},
        "classification_category_descriptions": {"0": "x;aves;anseriformes;anatidae;anas;platyrhynchos;mallard",
                                                 "1": "y;aves;anseriformes;anatidae;anas;strepera;gadwall",
                                                 "2": "animalia;chordata;mammalia;carnivora;canidae;vulpesvulpes"},
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
    first = read_megadetector(md_file(tmp_path, example), example, threshold=0.0)
    machine_only = dataclasses.replace(example, observations=first.observations)
    again = read_megadetector(write_megadetector(machine_only, tmp_path / "again.json"), example, threshold=0.0)
    columns = ["mediaID", "observationType", "count", "bboxX", "bboxY", "bboxWidth", "bboxHeight",
               "classificationProbability"]
    pd.testing.assert_frame_equal(again.observations[columns], first.observations[columns])
    # the example's own (human) media-level observations: types and names come back
    path = write_megadetector(example, tmp_path / "example.json", detector="people")
    data = json.loads(path.read_text())
    assert data["info"]["format_version"] == "1.4" and data["info"]["detector"] == "people"
    aves = {name: i for i, name in data["classification_categories"].items()}["Aves"]
    assert data["classification_category_descriptions"][aves] == ";aves;;;;;bird sp."  # a class, as SpeciesNet writes it
    back = read_megadetector(path, example, threshold=0.0, classification_threshold=0.0).observations
    media_level = example.observations[example.observations["observationLevel"] == "media"]

    def tally(frame: pd.DataFrame) -> pd.Series:
        kept = frame[frame["observationType"].astype(str).isin(["animal", "human", "vehicle", "unknown"])]
        return kept.groupby([kept["observationType"].astype(str), kept["scientificName"].fillna("-").astype(str)]).size()

    pd.testing.assert_series_equal(tally(back), tally(media_level.assign(
        scientificName=media_level["scientificName"].where(media_level["observationType"] == "animal"))))
    blank_media = set(media_level["mediaID"]) - set(media_level.loc[media_level["observationType"] != "blank", "mediaID"])
    assert set(back.loc[back["observationType"] == "blank", "mediaID"]) == blank_media


def test_machine_import_by_threshold(tmp_path, example):
    md = read_megadetector(md_file(tmp_path, example), example)
    table = md.by_threshold([0.1, 0.5, 0.95])
    assert table.columns.tolist() == ["detections", "images_with_animal", "images_with_person",
                                      "images_with_vehicle", "blank_images"]
    assert table["detections"].tolist() == [11, 7, 2]
    assert table.loc[0.5].tolist() == [7, 5, 1, 1, 12 - 6]
    assert table.loc[0.95, "blank_images"] == 10


def test_megadetector_rejects_other_files(tmp_path, example):
    with pytest.raises(InteropError, match="no 'images' list"):
        read_megadetector(write_json(tmp_path / "x.json", {"predictions": []}), example)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InteropError, match="not valid JSON"):
        read_megadetector(tmp_path / "bad.json", example)


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
    assert parse_speciesnet_label("f2efdae9;no cv result;no cv result;no cv result;no cv result;no cv result;"
                                  "no cv result").observation_type == "unknown"
    assert parse_speciesnet_label("leopard") is None


def speciesnet_file(tmp_path: Path, example) -> tuple[Path, pd.DataFrame]:
    m = example.media.iloc[30:37]
    paths = [f"C:\\cameras\\{d}\\{n}" for d, n in zip(m["deploymentID"], m["fileName"])]
    box = {"category": "1", "label": "animal", "bbox": [0.1, 0.2, 0.3, 0.4]}
    preds = [
        {"filepath": paths[0], "prediction": LEOPARD_LABEL, "prediction_score": 0.91, "prediction_source": "classifier",
         "classifications": {"classes": [LEOPARD_LABEL, BLANK_LABEL], "scores": [0.91, 0.05]},
         "detections": [{**box, "conf": 0.95}, {**box, "conf": 0.5, "bbox": [0.6, 0.2, 0.3, 0.4]},
                        {**box, "conf": 0.1}], "model_version": "4.0.1a"},
        {"filepath": paths[1], "prediction": BLANK_LABEL, "prediction_score": 0.99, "prediction_source": "classifier",
         "detections": [], "model_version": "4.0.1a"},
        {"filepath": paths[2], "prediction": HUMAN_LABEL, "prediction_score": 0.88, "prediction_source": "detector",
         "detections": [{"category": "2", "label": "human", "conf": 0.88, "bbox": [0.0, 0.0, 0.5, 1.0]}],
         "model_version": "4.0.1a"},
        {"filepath": paths[3], "prediction": VEHICLE_LABEL, "prediction_score": 0.7, "model_version": "4.0.1a",
         "detections": [{"category": "3", "label": "vehicle", "conf": 0.7, "bbox": [0.2, 0.2, 0.6, 0.6]}]},
        {"filepath": paths[4], "failures": ["CLASSIFIER", "DETECTOR"], "model_version": "4.0.1a"},
        {"filepath": paths[5], "prediction": LEOPARD_LABEL, "prediction_score": 0.35, "prediction_source": "rollup",
         "detections": [{**box, "conf": 0.4}], "model_version": "4.0.1a"},
        {"filepath": "C:\\cameras\\unknown\\IMG_9999.JPG", "prediction": BLANK_LABEL, "prediction_score": 0.9},
    ]
    return write_json(tmp_path / "speciesnet.json", {"predictions": preds}), m


def test_speciesnet_round_trip(tmp_path, example):
    path, m = speciesnet_file(tmp_path, example)
    sn = read_speciesnet(path, example, threshold=0.5, taxa={"Panthera pardus": "Panthera pardus orientalis"})
    obs = sn.observations.set_index("mediaID")
    ids = m["mediaID"].tolist()[:6]
    assert obs.loc[ids, "observationType"].astype(str).tolist() == [
        "animal", "blank", "human", "vehicle", "unclassified", "unclassified"]
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


# --------------------------------------------------------------------------------------------------
# Wildlife Insights
# --------------------------------------------------------------------------------------------------


WI_IMAGE_COLUMNS = [
    "project_id", "deployment_id", "image_id", "filename", "location", "is_blank", "identified_by", "wi_taxon_id",
    "class", "order", "family", "genus", "species", "common_name", "uncertainty", "timestamp", "number_of_objects",
    "highlighted", "age", "sex", "animal_recognizable", "individual_id", "individual_animal_notes", "behavior",
    "markings", "cv_confidence", "license",
]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])


def wi_bundle(folder: Path) -> Path:
    folder.mkdir()
    write_csv(folder / "projects.csv", [
        "project_id", "project_name", "project_short_name", "project_objectives", "project_species",
        "project_sensor_layout", "project_sensor_method", "project_individual_animals", "project_admin",
        "project_admin_email", "project_admin_organization", "country_code", "metadata_license", "image_license",
        "project_type", "data_citation"],
        [[2004252, "Leopard corridor", "LC", "Monitor leopards", "Multiple", "Systematic", "Sensor Detection", "Yes",
          "Ana Ivanova", "ana@example.org", "Land of the Leopard", "RUS", "CC-BY-4.0", "CC-BY-NC-4.0", "Image",
          "Ivanova A. (2024) Leopard corridor. Wildlife Insights."]])
    write_csv(folder / "deployments.csv", [
        "project_id", "deployment_id", "subproject_name", "subproject_design", "placename", "longitude", "latitude",
        "start_date", "end_date", "event_name", "event_description", "event_type", "bait_type", "bait_description",
        "feature_type", "feature_type_methodology", "camera_id", "camera_name", "quiet_period", "camera_functioning",
        "sensor_height", "height_other", "sensor_orientation", "orientation_other", "plot_treatment",
        "plot_treatment_description", "detection_distance", "recorded_by", "remarks"],
        [[2004252, "DEP1", "North", None, "site-a", 131.1, 43.1, "2021-08-26 00:00:00", "2021-10-19 00:00:00", None,
          None, None, "None", None, "Trail game", None, 2008799, "cam1", 0, "Camera Functioning", "Knee height", None,
          "Parallel", None, None, None, 4.5, "Ana Ivanova", "under a pine"],
         [2004252, "DEP2", "North", None, "site-b", 131.2, 43.2, "2021-08-25", "2021-11-04 12:30:00", None, None,
          None, "Scent", None, "Road dirt", None, 2038808, "cam2", 3, "Camera Functioning", "Chest height", None,
          "Pointed Downward", None, None, None, None, "Ana Ivanova", None],
         [2004252, "DEP3", "North", None, "site-c", None, 43.3, "2021-08-25", "2021-11-04", None, None, None, None,
          None, None, None, 2038808, "cam2", 3, None, None, None, None, None, None, None, None, None, None]])
    write_csv(folder / "cameras.csv", ["project_id", "camera_id", "camera_name", "make", "model", "serial_number",
                                       "year_purchased"],
              [[2004252, 2008799, "cam1", "Bushnell", "Trophy Cam HD", "B140926462", 2016],
               [2004252, 2038808, "cam2", "Reconyx", "HC600", "R1", 2018]])
    leopard = ["Mammalia", "Carnivora", "Felidae", "Panthera", "pardus", "Leopard"]
    deer = ["Mammalia", "Cetartiodactyla", "Cervidae", "Cervus", "nippon", "Sika Deer"]
    rows = [
        # blank
        ["DEP1", "img-blank", "a.JPG", "gs://bucket/a.JPG", 1, "Ana", "f1856211", None, None, None, None, None,
         "Blank", None, "2021-08-26 10:00:00", 0, "false", None, None, None, None, None, None, None, None],
        # human (Homo sapiens)
        ["DEP1", "img-human", "b.JPG", "gs://bucket/b.JPG", 0, "Ana", "990ae9dd", "Mammalia", "Primates", "Hominidae",
         "Homo", "sapiens", "Human-Camera Trapper", None, "2021-08-26 10:05:00", 1, "false", None, None, None, None,
         None, None, None, None],
        # animal identified by computer vision, 92 %
        ["DEP2", "img-leopard", "c.JPG", "gs://bucket/c.JPG", 0, "Computer vision", "abc123", *leopard, None,
         "2021-09-15 23:12:00", 1, "true", "Adult", "Female", "Yes", "Typhoon", None, "walking", None, 92],
        # one image, two identifications by a person
        ["DEP2", "img-two", "d.JPG", "gs://bucket/d.JPG", 0, "Ana", "abc123", *leopard, None,
         "2021-10-01 03:30:00", 2, "false", "Juvenile", "Unknown", None, None, "cubs", None, None, None],
        ["DEP2", "img-two", "d.JPG", "gs://bucket/d.JPG", 0, "Ana", "def456", *deer, "not sure",
         "2021-10-01 03:30:00", 1, "false", None, None, None, None, None, None, None, None],
        # genus only
        ["DEP1", "img-genus", "e.JPG", "gs://bucket/e.JPG", 0, "Ana", "ghi789", "Mammalia", "Carnivora", "Felidae",
         "Panthera", None, "Panthera Species", None, "2021-09-01 08:00:00", 1, "false", None, None, None, None, None,
         None, None, None],
        # not yet classified by the AI
        ["DEP1", "img-cv", "f.JPG", "gs://bucket/f.JPG", 0, None, None, "CV Needed", None, None, None, None, None,
         None, "2021-09-02 08:00:00", 1, "false", None, None, None, None, None, None, None, None],
        # unreadable timestamp, unknown deployment, deployment set aside (no longitude)
        ["DEP1", "img-badtime", "g.JPG", "gs://bucket/g.JPG", 1, "Ana", None, None, None, None, None, None, None,
         None, "yesterday", 0, "false", None, None, None, None, None, None, None, None],
        ["DEP9", "img-nodep", "h.JPG", "gs://bucket/h.JPG", 1, "Ana", None, None, None, None, None, None, None,
         None, "2021-09-02 08:00:00", 0, "false", None, None, None, None, None, None, None, None],
        ["DEP3", "img-dep3", "i.JPG", "gs://bucket/i.JPG", 1, "Ana", None, None, None, None, None, None, None,
         None, "2021-09-02 08:00:00", 0, "false", None, None, None, None, None, None, None, None],
    ]
    assert all(len(row) == len(WI_IMAGE_COLUMNS) - 2 for row in rows)
    write_csv(folder / "images.csv", WI_IMAGE_COLUMNS, [[2004252, *row, "CC-BY-NC-4.0"] for row in rows])
    return folder


def test_wildlife_insights_import(tmp_path):
    pkg = read_wildlife_insights(wi_bundle(tmp_path / "wi"), "Asia/Vladivostok")
    report = pkg.report
    converted = [p for p in report.problems if p.file.startswith("camtrapdp:")]
    assert not [p for p in converted if p.severity == "error"], converted  # the package validates
    acc = report.accounting().set_index("file")
    assert acc.loc["deployments.csv", ["read", "converted", "set_aside"]].tolist() == [3, 2, 1]
    assert acc.loc["images.csv", ["read", "converted", "set_aside"]].tolist() == [10, 7, 3]
    assert (acc["read"] == acc["converted"] + acc["set_aside"]).all()
    reasons = report.set_aside["images.csv"]["reason"].to_dict()
    assert set(reasons) == {9, 10, 11}  # rows as in the file (header = row 1)
    assert "timestamp" in reasons[9] and "DEP9" in reasons[10] and "DEP3" in reasons[11]
    assert "latitude/longitude" in report.set_aside["deployments.csv"]["reason"].iloc[0]

    dep = pkg.deployments.set_index("deploymentID")
    local = dep["deploymentStart"].dt.tz_convert("Asia/Vladivostok")
    assert str(local["DEP1"]) == "2021-08-26 00:00:00+10:00"
    assert str(dep.loc["DEP1", "deploymentEnd"].tz_convert("Asia/Vladivostok")) == "2021-10-19 23:59:59+10:00"
    assert str(dep.loc["DEP2", "deploymentEnd"].tz_convert("Asia/Vladivostok")) == "2021-11-04 12:30:00+10:00"
    assert dep.loc["DEP1", "cameraModel"] == "Bushnell-Trophy Cam HD" and dep.loc["DEP2", "cameraDelay"] == 3
    assert dep.loc["DEP1", "featureType"] == "trailGame" and dep.loc["DEP2", "featureType"] == "roadDirt"
    assert dep.loc["DEP1", "baitUse"] == False and dep.loc["DEP2", "baitUse"] == True  # noqa: E712
    assert (dep.loc["DEP1", "cameraHeight"], dep.loc["DEP2", "cameraTilt"]) == (0.5, -90)

    media = pkg.media.set_index("mediaID")
    assert len(media) == 6 and media.loc["img-leopard", "filePath"] == "gs://bucket/c.JPG"
    assert str(media.loc["img-leopard", "timestamp"]) == "2021-09-15 13:12:00+00:00"
    assert media.loc["img-leopard", "fileMediatype"] == "image/jpeg" and media.loc["img-leopard", "favorite"]

    obs = pkg.observations.set_index("observationID")
    assert len(obs) == 7
    kinds = obs["observationType"].astype(str).to_dict()
    assert kinds == {"img-blank:1": "blank", "img-human:1": "human", "img-leopard:1": "animal", "img-two:1": "animal",
                     "img-two:2": "animal", "img-genus:1": "animal", "img-cv:1": "unclassified"}
    assert obs["scientificName"].dropna().to_dict() == {
        "img-human:1": "Homo sapiens", "img-leopard:1": "Panthera pardus", "img-two:1": "Panthera pardus",
        "img-two:2": "Cervus nippon", "img-genus:1": "Panthera"}
    leo = obs.loc["img-leopard:1"]
    assert (leo["classificationMethod"], leo["classificationProbability"]) == ("machine", pytest.approx(0.92))
    assert (leo["lifeStage"], leo["sex"], leo["individualID"], leo["count"]) == ("adult", "female", "Typhoon", 1)
    assert obs.loc["img-two:1", "classificationMethod"] == "human" and pd.isna(obs.loc["img-two:1", "sex"])
    assert obs.loc["img-two:2", "observationComments"] == "not sure" and pd.isna(obs.loc["img-blank:1", "count"])

    meta = pkg.metadata
    assert meta["project"]["samplingDesign"] == "systematicRandom" and meta["project"]["individualAnimals"] is True
    assert meta["temporal"] == {"start": "2021-08-25", "end": "2021-11-04"}
    taxa = {t["scientificName"]: t for t in meta["taxonomic"]}
    assert set(taxa) == {"Panthera pardus", "Cervus nippon", "Panthera"}
    assert taxa["Panthera pardus"]["taxonRank"] == "species" and taxa["Panthera"]["taxonRank"] == "genus"
    assert {"name": "CC-BY-4.0", "scope": "data"} in meta["licenses"]


def test_wildlife_insights_round_trip_through_camtrapdp(tmp_path):
    from nbtools.camtrapdp import write_camtrapdp

    pkg = read_wildlife_insights(wi_bundle(tmp_path / "wi"), "Asia/Vladivostok")
    write_camtrapdp(pkg, tmp_path / "dp", timezone="Asia/Vladivostok")
    again = read_camtrapdp(tmp_path / "dp")
    assert again.report.valid, again.report
    for name in ("deployments", "media", "observations"):
        pd.testing.assert_frame_equal(getattr(again, name).reset_index(drop=True),
                                      getattr(pkg, name).reset_index(drop=True), check_dtype=False)
    # and the images' local clock times are those of images.csv
    rows = list(csv.DictReader((tmp_path / "wi" / "images.csv").open(encoding="utf-8")))
    clock = {r["image_id"]: r["timestamp"] for r in rows}
    for mid, ts in again.media.set_index("mediaID")["timestamp"].items():
        assert ts.tz_convert("Asia/Vladivostok").strftime("%Y-%m-%d %H:%M:%S") == clock[mid]


def test_wildlife_insights_errors(tmp_path):
    folder = wi_bundle(tmp_path / "wi")
    (folder / "images.csv").unlink()
    with pytest.raises(InteropError, match="no images.csv"):
        read_wildlife_insights(folder, "UTC")
    with pytest.raises(InteropError, match="not a folder"):
        read_wildlife_insights(tmp_path / "nowhere", "UTC")


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
    assert first[["individualCount", "sex", "lifeStage", "behavior", "eventID", "parentEventID"]].tolist() == [
        1, "female", "adult", "foraging", "4bb69c45", "00a2c20d"]
    assert first["eventDate"] == "2020-05-30T02:57:37Z/2020-05-30T02:57:44Z"
    assert first["samplingEffort"] == "2020-05-30T02:57:37Z/2020-07-01T09:41:41Z"
    assert first["eventRemarks"] == "camera trap without bait near game trail"
    assert (first["decimalLatitude"], first["decimalLongitude"]) == (51.496, 4.774)
    assert first["coordinateUncertaintyInMeters"] == 187
    assert first["dataGeneralizations"] == "coordinates rounded to 0.001 degree"
    assert first["taxonID"] == "https://www.checklistbank.org/dataset/COL2023/taxon/DGP6"
    assert (first["license"], first["rightsHolder"], first["collectionCode"]) == (
        "CC0-1.0", "Research Institute for Nature and Forest (INBO)", "Agouti")
    by_id = dwc.set_index("occurrenceID")
    assert by_id.loc["4729dc5c", "eventRemarks"] == "camera trap without bait near game trail | tags: swimDirection:across"
    assert by_id.loc["cb30a896", "identificationRemarks"] == "classified by a machine with 90% certainty"
    assert by_id.loc["3d065f23", "eventRemarks"] == (
        "camera trap without bait near game trail | from 29/07/2020 to 08/08/2020, 120 photos")
    # the other event-level observations are not occurrences of a taxon
    assert len(obs[obs["observationLevel"] == "event"]) == 36
    with pytest.raises(InteropError, match="no scientificName"):
        darwin_core_occurrences(example, observation_type=None)
    media_level = darwin_core_occurrences(example, level="media")
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
    study = SimpleNamespace(deployments=cat["deployments"].read(), observations=cat["observations"].read(),
                            metadata=dict(cat.metadata))
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


# --------------------------------------------------------------------------------------------------
# secr
# --------------------------------------------------------------------------------------------------


def test_secr_files_round_trip_capture_history(tmp_path):
    traps = pd.DataFrame({"x": [0.0, 500.0, 1000.0], "y": [0.0, 0.0, 250.5], "habitat": ["forest", "open", "forest"]},
                         index=pd.Index(["T1", "T2", "T3"], name="trapID"))
    caps = pd.DataFrame({"session": "1", "ID": ["F1", "F1", "M2", "M2", "M2"], "occasion": [1, 1, 2, 3, 3],
                         "trap": ["T1", "T1", "T2", "T3", "T3"], "sex": ["F", "F", "M", "M", "M"]})
    usage = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [0, 1, 1, 1]])
    ch = make_capthist(caps, traps, detector="count", usage=usage, covnames=["sex"])
    files = write_secr(ch, tmp_path / "capt.txt", tmp_path / "trap.txt")
    assert files.binary_usage and files.r_call == (
        'read.capthist("capt.txt", "trap.txt", detector = "count", covnames = c("sex"))')
    back = read_capthist(files.captfile, files.trapfile, detector="count", covnames=["sex"], trapcovnames=["habitat"])
    np.testing.assert_array_equal(back.counts, ch.counts)
    np.testing.assert_array_equal(back.usage, usage)
    np.testing.assert_allclose(back.traps[["x", "y"]], traps[["x", "y"]])
    assert back.traps["habitat"].tolist() == ["forest", "open", "forest"]
    assert back.covariates["sex"].tolist() == ["F", "M"] and back.ids.tolist() == ["F1", "M2"]
    assert (tmp_path / "capt.txt").read_text().splitlines()[1:3] == ["1 F1 1 T1 F", "1 F1 1 T1 F"]  # count: repeated
    assert (tmp_path / "trap.txt").read_text().splitlines()[1] == "T1 0.000 0.000 1110 / forest"


def test_secr_files_round_trip_spatial_capture_history(tmp_path):
    from nbtools.indices import spatial_capture_history

    deployments = pd.DataFrame({
        "deploymentID": ["d1", "d2", "d3"], "locationID": ["A", "B", "C"],
        "deploymentStart": pd.to_datetime(["2024-01-01 12:00"] * 3, utc=True),
        "deploymentEnd": pd.to_datetime(["2024-01-08 00:00", "2024-01-06 06:00", "2024-01-08 00:00"], utc=True),
        "x": [0.0, 800.0, 1600.0], "y": [100.0, 100.0, 900.0],
    })
    events = pd.DataFrame({
        "locationID": ["A", "A", "B", "C", "C"], "scientificName": ["Panthera pardus"] * 5,
        "individualID": ["Kedrovka", "Kedrovka", "Typhoon", "Typhoon", "Typhoon"],
        "eventStart": pd.to_datetime(["2024-01-02 03:00", "2024-01-02 05:00", "2024-01-03 01:00",
                                      "2024-01-05 22:00", "2024-01-06 02:00"], utc=True),
    })
    operation = camera_operation(deployments)
    sch = spatial_capture_history(events, operation, "Panthera pardus", occasion_length=2)
    files = write_secr(sch, tmp_path / "capt.txt", tmp_path / "trap.txt", traps=deployments)
    assert not files.binary_usage and "binary.usage = FALSE" in files.r_call
    back = files.read()
    np.testing.assert_array_equal(back.counts, sch.counts)
    np.testing.assert_allclose(back.usage, sch.usage.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(back.traps[["x", "y"]].to_numpy(), deployments[["x", "y"]].to_numpy())
    assert back.ids.tolist() == ["Kedrovka", "Typhoon"] and back.detections == 5
    with pytest.raises(InteropError, match="traps="):
        write_secr(sch, tmp_path / "c.txt", tmp_path / "t.txt")


def test_secr_files_ids_with_spaces(tmp_path):
    traps = pd.DataFrame({"x": [0.0, 10.0], "y": [0.0, 0.0]}, index=pd.Index(["T 1", "T2"], name="trapID"))
    caps = pd.DataFrame({"session": "1", "ID": ["Leo 2F", "Leo 53F"], "occasion": [1, 2], "trap": ["T 1", "T2"]})
    files = write_secr(make_capthist(caps, traps), tmp_path / "c.txt", tmp_path / "t.txt")
    assert files.renamed == {"Leo_2F": "Leo 2F", "Leo_53F": "Leo 53F", "T_1": "T 1"}
    back = files.read()
    assert back.ids.tolist() == ["Leo_2F", "Leo_53F"] and back.traps.index.tolist() == ["T_1", "T2"]
    with pytest.raises(InteropError, match="individual ID 'Leo 2F'"):
        write_secr(make_capthist(caps, traps), tmp_path / "c.txt", tmp_path / "t.txt", space=None)
    clash = caps.assign(ID=["Leo 2F", "Leo_2F"])
    with pytest.raises(InteropError, match="written alike"):
        write_secr(make_capthist(clash, traps), tmp_path / "c.txt", tmp_path / "t.txt")


# --------------------------------------------------------------------------------------------------
# camtrapR
# --------------------------------------------------------------------------------------------------


def test_camtrapr_station_table_round_trips_effort(example):
    tz = "Europe/Brussels"
    ct = camtrapr_station_table(example, tz=tz)
    assert list(ct.columns[:2]) == ["Station", "Camera"] and len(ct) == len(example.deployments)
    assert ct.loc[ct["Camera"] == "00a2c20d", "Setup_date"].item() == "2020-05-30 04:57:37"
    dep, problems = deployments_from_camtrapr(ct, tz=tz, camera_col="Camera", date_format="%Y-%m-%d %H:%M:%S")
    assert problems.empty
    original = camera_operation(example.deployments, tz=tz)
    pd.testing.assert_frame_equal(camera_operation(dep, tz=tz), original)


def test_camtrapr_station_table_cameras_with_gaps():
    tz = "Asia/Vladivostok"
    deployments = pd.DataFrame({
        "deploymentID": ["L1-1", "L1-2", "L2-1"], "locationID": ["L1", "L1", "L2"], "cameraID": ["C1", "C1", "C2"],
        "deploymentStart": pd.to_datetime(["2024-01-01 02:00", "2024-01-06 02:00", "2024-01-02 02:00"], utc=True),
        "deploymentEnd": pd.to_datetime(["2024-01-04 02:00", "2024-01-09 02:00", "2024-01-05 02:00"], utc=True),
    })
    ct = camtrapr_station_table(deployments, tz=tz, camera="camera")
    assert ct.columns.tolist() == ["Station", "Camera", "Setup_date", "Retrieval_date", "Problem1_from", "Problem1_to"]
    assert ct.iloc[0].tolist() == ["L1", "C1", "2024-01-01 12:00:00", "2024-01-09 12:00:00", "2024-01-04 12:00:00",
                                   "2024-01-06 12:00:00"]
    dep, problems = deployments_from_camtrapr(ct, tz=tz, camera_col="Camera", date_format="%Y-%m-%d %H:%M:%S")
    original = camera_operation(deployments, tz=tz)
    via_r = camera_operation(dep, tz=tz, problems=problems)
    deployed = original.notna()
    pd.testing.assert_frame_equal(via_r[deployed], original[deployed])
    assert via_r.loc["L1", "2024-01-05"] == 0 and np.isnan(original.loc["L1", "2024-01-05"])  # gap: 0 in camtrapR


def test_camtrapr_record_table_round_trip(example):
    tz = "Europe/Brussels"
    rt = camtrapr_record_table(example, tz=tz, threshold="30min")
    ev = independent_events(example.observations, "30min", deployments=example.deployments, media=example.media)
    assert len(rt) == len(ev)
    assert rt.columns.tolist()[:4] == ["Station", "Species", "DateTimeOriginal", "Date"]
    assert rt["FileName"].str.endswith(".JPG").all() and rt["Directory"].notna().all()
    back = observations_from_camtrapr(rt, tz=tz, datetime_format="%Y-%m-%d %H:%M:%S")
    again = independent_events(back, "30min")
    key = ["locationID", "scientificName", "eventStart"]
    a = ev[key].astype({"locationID": str, "scientificName": str}).sort_values(key).reset_index(drop=True)
    b = again[key].astype({"locationID": str, "scientificName": str}).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_camtrapr_record_table_delta_times():
    deployments = pd.DataFrame({"deploymentID": ["d1"], "locationID": ["A"],
                                "deploymentStart": pd.to_datetime(["2024-01-01"], utc=True),
                                "deploymentEnd": pd.to_datetime(["2024-01-10"], utc=True)})
    obs = pd.DataFrame({"observationID": ["o1", "o2", "o3"], "deploymentID": "d1", "scientificName": "Sus scrofa",
                        "observationType": "animal", "observationLevel": "media",
                        "eventStart": pd.to_datetime(["2024-01-02 00:00", "2024-01-02 01:30", "2024-01-04 09:00"],
                                                     utc=True)})
    obs["eventEnd"] = obs["eventStart"]

    class Package:
        pass

    pkg = Package()
    pkg.deployments, pkg.observations, pkg.media = deployments, obs, None
    rt = camtrapr_record_table(pkg, tz="UTC")
    assert rt["delta.time.secs"].tolist() == [0, 5400, 199800]
    assert rt["delta.time.mins"].tolist() == [0, 90, 3330]
    assert rt["delta.time.hours"].tolist() == [0, 1.5, 55.5]
    assert rt["delta.time.days"].tolist() == [0, 0.1, 2.3]
    assert rt["Time"].tolist() == ["00:00:00", "01:30:00", "09:00:00"]


def test_write_camtrapr_files(tmp_path, example):
    paths = write_camtrapr(example, tmp_path / "r", tz="Europe/Brussels")
    assert sorted(paths) == ["camera_operation", "camtraps", "record_table"]
    op = pd.read_csv(paths["camera_operation"], index_col="Station")
    expected = camtrapr_camera_operation(example, tz="Europe/Brussels")
    np.testing.assert_allclose(op.to_numpy(), expected.to_numpy(), rtol=1e-5)
    assert op.columns[0] == "2020-05-30" and op.isna().any().any()
    assert len(pd.read_csv(paths["record_table"])) == len(camtrapr_record_table(example, tz="Europe/Brussels"))


def test_doctests():
    import doctest
    import importlib

    for name in ("_common", "megadetector", "speciesnet", "wildlife_insights", "darwin_core", "secr_files",
                 "camtrapr"):
        module = importlib.import_module(f"nbtools.interop.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
