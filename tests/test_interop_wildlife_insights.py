"""Tests of nbtools.interop.wildlife_insights: Wildlife Insights exports in.

Export columns as read by camtraptor's read_wi() (inbo/camtraptor R/read_wi.R). Exports rewritten by
spreadsheets (timestamp formats) are tested in tests/test_wildlife_insights.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from nbtools.camtrapdp import read_camtrapdp
from nbtools.interop import InteropError, read_wildlife_insights


@pytest.fixture(scope="module")
def example(example_path: Path):
    return read_camtrapdp(example_path)


# --------------------------------------------------------------------------------------------------
# Wildlife Insights
# --------------------------------------------------------------------------------------------------


WI_IMAGE_COLUMNS = [
    "project_id",
    "deployment_id",
    "image_id",
    "filename",
    "location",
    "is_blank",
    "identified_by",
    "wi_taxon_id",
    "class",
    "order",
    "family",
    "genus",
    "species",
    "common_name",
    "uncertainty",
    "timestamp",
    "number_of_objects",
    "highlighted",
    "age",
    "sex",
    "animal_recognizable",
    "individual_id",
    "individual_animal_notes",
    "behavior",
    "markings",
    "cv_confidence",
    "license",
]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])


def wi_bundle(folder: Path) -> Path:
    folder.mkdir()
    write_csv(
        folder / "projects.csv",
        [
            "project_id",
            "project_name",
            "project_short_name",
            "project_objectives",
            "project_species",
            "project_sensor_layout",
            "project_sensor_method",
            "project_individual_animals",
            "project_admin",
            "project_admin_email",
            "project_admin_organization",
            "country_code",
            "metadata_license",
            "image_license",
            "project_type",
            "data_citation",
        ],
        [
            [
                2004252,
                "Leopard corridor",
                "LC",
                "Monitor leopards",
                "Multiple",
                "Systematic",
                "Sensor Detection",
                "Yes",
                "Ana Ivanova",
                "ana@example.org",
                "Land of the Leopard",
                "RUS",
                "CC-BY-4.0",
                "CC-BY-NC-4.0",
                "Image",
                "Ivanova A. (2024) Leopard corridor. Wildlife Insights.",
            ]
        ],
    )
    write_csv(
        folder / "deployments.csv",
        [
            "project_id",
            "deployment_id",
            "subproject_name",
            "subproject_design",
            "placename",
            "longitude",
            "latitude",
            "start_date",
            "end_date",
            "event_name",
            "event_description",
            "event_type",
            "bait_type",
            "bait_description",
            "feature_type",
            "feature_type_methodology",
            "camera_id",
            "camera_name",
            "quiet_period",
            "camera_functioning",
            "sensor_height",
            "height_other",
            "sensor_orientation",
            "orientation_other",
            "plot_treatment",
            "plot_treatment_description",
            "detection_distance",
            "recorded_by",
            "remarks",
        ],
        [
            [
                2004252,
                "DEP1",
                "North",
                None,
                "site-a",
                131.1,
                43.1,
                "2021-08-26 00:00:00",
                "2021-10-19 00:00:00",
                None,
                None,
                None,
                "None",
                None,
                "Trail game",
                None,
                2008799,
                "cam1",
                0,
                "Camera Functioning",
                "Knee height",
                None,
                "Parallel",
                None,
                None,
                None,
                4.5,
                "Ana Ivanova",
                "under a pine",
            ],
            [
                2004252,
                "DEP2",
                "North",
                None,
                "site-b",
                131.2,
                43.2,
                "2021-08-25",
                "2021-11-04 12:30:00",
                None,
                None,
                None,
                "Scent",
                None,
                "Road dirt",
                None,
                2038808,
                "cam2",
                3,
                "Camera Functioning",
                "Chest height",
                None,
                "Pointed Downward",
                None,
                None,
                None,
                None,
                "Ana Ivanova",
                None,
            ],
            [
                2004252,
                "DEP3",
                "North",
                None,
                "site-c",
                None,
                43.3,
                "2021-08-25",
                "2021-11-04",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                2038808,
                "cam2",
                3,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        ],
    )
    write_csv(
        folder / "cameras.csv",
        ["project_id", "camera_id", "camera_name", "make", "model", "serial_number", "year_purchased"],
        [
            [2004252, 2008799, "cam1", "Bushnell", "Trophy Cam HD", "B140926462", 2016],
            [2004252, 2038808, "cam2", "Reconyx", "HC600", "R1", 2018],
        ],
    )
    leopard = ["Mammalia", "Carnivora", "Felidae", "Panthera", "pardus", "Leopard"]
    deer = ["Mammalia", "Cetartiodactyla", "Cervidae", "Cervus", "nippon", "Sika Deer"]
    rows = [
        # blank
        [
            "DEP1",
            "img-blank",
            "a.JPG",
            "gs://bucket/a.JPG",
            1,
            "Ana",
            "f1856211",
            None,
            None,
            None,
            None,
            None,
            "Blank",
            None,
            "2021-08-26 10:00:00",
            0,
            "false",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        # human (Homo sapiens)
        [
            "DEP1",
            "img-human",
            "b.JPG",
            "gs://bucket/b.JPG",
            0,
            "Ana",
            "990ae9dd",
            "Mammalia",
            "Primates",
            "Hominidae",
            "Homo",
            "sapiens",
            "Human-Camera Trapper",
            None,
            "2021-08-26 10:05:00",
            1,
            "false",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        # animal identified by computer vision, 92 %
        [
            "DEP2",
            "img-leopard",
            "c.JPG",
            "gs://bucket/c.JPG",
            0,
            "Computer vision",
            "abc123",
            *leopard,
            None,
            "2021-09-15 23:12:00",
            1,
            "true",
            "Adult",
            "Female",
            "Yes",
            "Typhoon",
            None,
            "walking",
            None,
            92,
        ],
        # one image, two identifications by a person
        [
            "DEP2",
            "img-two",
            "d.JPG",
            "gs://bucket/d.JPG",
            0,
            "Ana",
            "abc123",
            *leopard,
            None,
            "2021-10-01 03:30:00",
            2,
            "false",
            "Juvenile",
            "Unknown",
            None,
            None,
            "cubs",
            None,
            None,
            None,
        ],
        [
            "DEP2",
            "img-two",
            "d.JPG",
            "gs://bucket/d.JPG",
            0,
            "Ana",
            "def456",
            *deer,
            "not sure",
            "2021-10-01 03:30:00",
            1,
            "false",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        # genus only
        [
            "DEP1",
            "img-genus",
            "e.JPG",
            "gs://bucket/e.JPG",
            0,
            "Ana",
            "ghi789",
            "Mammalia",
            "Carnivora",
            "Felidae",
            "Panthera",
            None,
            "Panthera Species",
            None,
            "2021-09-01 08:00:00",
            1,
            "false",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        # not yet classified by the AI
        [
            "DEP1",
            "img-cv",
            "f.JPG",
            "gs://bucket/f.JPG",
            0,
            None,
            None,
            "CV Needed",
            None,
            None,
            None,
            None,
            None,
            None,
            "2021-09-02 08:00:00",
            1,
            "false",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        # unreadable timestamp, unknown deployment, deployment set aside (no longitude)
        [
            "DEP1",
            "img-badtime",
            "g.JPG",
            "gs://bucket/g.JPG",
            1,
            "Ana",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "yesterday",
            0,
            "false",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "DEP9",
            "img-nodep",
            "h.JPG",
            "gs://bucket/h.JPG",
            1,
            "Ana",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "2021-09-02 08:00:00",
            0,
            "false",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "DEP3",
            "img-dep3",
            "i.JPG",
            "gs://bucket/i.JPG",
            1,
            "Ana",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "2021-09-02 08:00:00",
            0,
            "false",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
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
    assert kinds == {
        "img-blank:1": "blank",
        "img-human:1": "human",
        "img-leopard:1": "animal",
        "img-two:1": "animal",
        "img-two:2": "animal",
        "img-genus:1": "animal",
        "img-cv:1": "unclassified",
    }
    assert obs["scientificName"].dropna().to_dict() == {
        "img-human:1": "Homo sapiens",
        "img-leopard:1": "Panthera pardus",
        "img-two:1": "Panthera pardus",
        "img-two:2": "Cervus nippon",
        "img-genus:1": "Panthera",
    }
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
        pd.testing.assert_frame_equal(
            getattr(again, name).reset_index(drop=True), getattr(pkg, name).reset_index(drop=True), check_dtype=False
        )
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


def test_doctests():
    import doctest
    import importlib

    for name in ("wildlife_insights",):
        module = importlib.import_module(f"nbtools.interop.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
