"""Tests of nbtools.interop.wildlife_insights: Wildlife Insights exports in.

- export columns as read by camtraptor's read_wi() (inbo/camtraptor R/read_wi.R): import, round trip
  through Camtrap DP, errors;
- exports as people have them, timestamps rewritten by Excel, no time zone given: the format detection
  of a whole column (:mod:`nbtools.interop._timestamps`): month-first, day-first, undecidable (assumed,
  with a warning), mixed (an error naming rows), a format given by the user, two- and four-digit years,
  with and without seconds;
- a real export that went through Excel (``tests/data/real/wi-dakatcha/``: Dakatcha Woodland,
  Kenya, from camtraptor's tests; ``4/28/19 00:32``), read without a zone, then made a Study,
  independent events and camera operation;
- copies of it with the dates rewritten (day-first, undecidable, mixed, a bad cell).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from nbtools.camtrapdp import read_camtrapdp
from nbtools.interop import InteropError, read_wildlife_insights
from nbtools.interop._timestamps import (
    ISO8601,
    candidate_formats,
    clock_to_utc,
    detect_timestamp_format,
    read_clock_times,
)


@pytest.fixture(scope="module")
def example(example_path: Path):
    return read_camtrapdp(example_path)


# --------------------------------------------------------------------------------------------------
# Wildlife Insights
# --------------------------------------------------------------------------------------------------


WI_IMAGE_COLUMNS = (
    "project_id deployment_id image_id filename location is_blank identified_by wi_taxon_id class order family genus"
    " species common_name uncertainty timestamp number_of_objects highlighted age sex animal_recognizable individual_id"
    " individual_animal_notes behavior markings cv_confidence license"
).split()

#: images.csv without its first (project_id, 2004252) and last (license, CC-BY-NC-4.0) columns, one image
#: (identification) a line; the columns are WI_IMAGE_COLUMNS[1:-1].
WI_IMAGES = """
# blank
DEP1,img-blank,a.JPG,gs://bucket/a.JPG,1,Ana,f1856211,,,,,,Blank,,2021-08-26 10:00:00,0,false,,,,,,,,
# human (Homo sapiens)
DEP1,img-human,b.JPG,gs://bucket/b.JPG,0,Ana,990ae9dd,Mammalia,Primates,Hominidae,Homo,sapiens,Human-Camera Trapper,,2021-08-26 10:05:00,1,false,,,,,,,,
# animal identified by computer vision, 92 %
DEP2,img-leopard,c.JPG,gs://bucket/c.JPG,0,Computer vision,abc123,Mammalia,Carnivora,Felidae,Panthera,pardus,Leopard,,2021-09-15 23:12:00,1,true,Adult,Female,Yes,Typhoon,,walking,,92
# one image, two identifications by a person
DEP2,img-two,d.JPG,gs://bucket/d.JPG,0,Ana,abc123,Mammalia,Carnivora,Felidae,Panthera,pardus,Leopard,,2021-10-01 03:30:00,2,false,Juvenile,Unknown,,,cubs,,,
DEP2,img-two,d.JPG,gs://bucket/d.JPG,0,Ana,def456,Mammalia,Cetartiodactyla,Cervidae,Cervus,nippon,Sika Deer,not sure,2021-10-01 03:30:00,1,false,,,,,,,,
# genus only
DEP1,img-genus,e.JPG,gs://bucket/e.JPG,0,Ana,ghi789,Mammalia,Carnivora,Felidae,Panthera,,Panthera Species,,2021-09-01 08:00:00,1,false,,,,,,,,
# not yet classified by the AI
DEP1,img-cv,f.JPG,gs://bucket/f.JPG,0,,,CV Needed,,,,,,,2021-09-02 08:00:00,1,false,,,,,,,,
# unreadable timestamp, unknown deployment, deployment set aside (no longitude)
DEP1,img-badtime,g.JPG,gs://bucket/g.JPG,1,Ana,,,,,,,,,yesterday,0,false,,,,,,,,
DEP9,img-nodep,h.JPG,gs://bucket/h.JPG,1,Ana,,,,,,,,,2021-09-02 08:00:00,0,false,,,,,,,,
DEP3,img-dep3,i.JPG,gs://bucket/i.JPG,1,Ana,,,,,,,,,2021-09-02 08:00:00,0,false,,,,,,,,
"""


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])


def write_columns(path: Path, columns: dict[str, list[object]]) -> None:
    """A CSV file from a table given column by column (one field a line: the header name, then its values)."""
    write_csv(path, list(columns), [list(row) for row in zip(*columns.values())])


def csv_lines(text: str) -> list[list[str]]:
    """The rows of a CSV text, without its empty lines and its ``#`` comment lines."""
    return list(csv.reader(line for line in text.splitlines() if line and not line.startswith("#")))


def wi_bundle(folder: Path) -> Path:
    folder.mkdir()
    project = {
        "project_id": 2004252,
        "project_name": "Leopard corridor",
        "project_short_name": "LC",
        "project_objectives": "Monitor leopards",
        "project_species": "Multiple",
        "project_sensor_layout": "Systematic",
        "project_sensor_method": "Sensor Detection",
        "project_individual_animals": "Yes",
        "project_admin": "Ana Ivanova",
        "project_admin_email": "ana@example.org",
        "project_admin_organization": "Land of the Leopard",
        "country_code": "RUS",
        "metadata_license": "CC-BY-4.0",
        "image_license": "CC-BY-NC-4.0",
        "project_type": "Image",
        "data_citation": "Ivanova A. (2024) Leopard corridor. Wildlife Insights.",
    }
    write_csv(folder / "projects.csv", list(project), [list(project.values())])
    # three deployments, a column each: DEP1, DEP2, DEP3
    deployments = {
        "project_id": [2004252, 2004252, 2004252],
        "deployment_id": ["DEP1", "DEP2", "DEP3"],
        "subproject_name": ["North", "North", "North"],
        "subproject_design": [None, None, None],
        "placename": ["site-a", "site-b", "site-c"],
        "longitude": [131.1, 131.2, None],
        "latitude": [43.1, 43.2, 43.3],
        "start_date": ["2021-08-26 00:00:00", "2021-08-25", "2021-08-25"],
        "end_date": ["2021-10-19 00:00:00", "2021-11-04 12:30:00", "2021-11-04"],
        "event_name": [None, None, None],
        "event_description": [None, None, None],
        "event_type": [None, None, None],
        "bait_type": ["None", "Scent", None],
        "bait_description": [None, None, None],
        "feature_type": ["Trail game", "Road dirt", None],
        "feature_type_methodology": [None, None, None],
        "camera_id": [2008799, 2038808, 2038808],
        "camera_name": ["cam1", "cam2", "cam2"],
        "quiet_period": [0, 3, 3],
        "camera_functioning": ["Camera Functioning", "Camera Functioning", None],
        "sensor_height": ["Knee height", "Chest height", None],
        "height_other": [None, None, None],
        "sensor_orientation": ["Parallel", "Pointed Downward", None],
        "orientation_other": [None, None, None],
        "plot_treatment": [None, None, None],
        "plot_treatment_description": [None, None, None],
        "detection_distance": [4.5, None, None],
        "recorded_by": ["Ana Ivanova", "Ana Ivanova", None],
        "remarks": ["under a pine", None, None],
    }
    write_columns(folder / "deployments.csv", deployments)
    write_csv(
        folder / "cameras.csv",
        ["project_id", "camera_id", "camera_name", "make", "model", "serial_number", "year_purchased"],
        [
            [2004252, 2008799, "cam1", "Bushnell", "Trophy Cam HD", "B140926462", 2016],
            [2004252, 2038808, "cam2", "Reconyx", "HC600", "R1", 2018],
        ],
    )
    rows = csv_lines(WI_IMAGES)
    assert len(rows) == 10 and all(len(row) == len(WI_IMAGE_COLUMNS) - 2 for row in rows)
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


REAL = Path(__file__).parent / "data" / "real" / "wi-dakatcha"


# --------------------------------------------------------------------------------------------------
# the format of a column
# --------------------------------------------------------------------------------------------------


def test_month_first_column():
    found = detect_timestamp_format(pd.Series(["5/5/19 17:21", "4/28/19 00:32", None, ""], index=[2, 3, 4, 5]))
    assert (found.order, found.assumed, found.conflict) == ("month-first", False, False)
    assert found.month_first == (3,) and found.day_first == ()  # 28 > 12 in the second field proves it
    assert found.formats == (ISO8601, *candidate_formats("month-first"))
    clock = read_clock_times(["5/5/19 17:21", "4/28/19 00:32"], found)
    assert clock.tolist() == [pd.Timestamp("2019-05-05 17:21"), pd.Timestamp("2019-04-28 00:32")]


def test_day_first_column():
    cells = ["05/05/2019 17:21:33", "28/04/2019 00:32:10", "5/4/2019 08:00:00"]
    found = detect_timestamp_format(cells)
    assert (found.order, found.assumed, found.day_first, found.month_first) == ("day-first", False, (1,), ())
    assert read_clock_times(cells, found).tolist() == [
        pd.Timestamp("2019-05-05 17:21:33"),
        pd.Timestamp("2019-04-28 00:32:10"),
        pd.Timestamp("2019-04-05 08:00"),
    ]
    assert found.other_order_format() == "%m/%d/%Y %H:%M:%S"


def test_undecidable_column_is_month_first_and_says_so():
    cells = ["5/4/19 10:00", "1/2/2019", "12/11/19 23:59:59"]
    found = detect_timestamp_format(cells)
    assert (found.order, found.assumed) == ("month-first", True)
    assert read_clock_times(cells, found).tolist() == [
        pd.Timestamp("2019-05-04 10:00"),
        pd.Timestamp("2019-01-02"),
        pd.Timestamp("2019-12-11 23:59:59"),
    ]
    other = detect_timestamp_format(cells, default="day-first")
    assert (other.order, other.assumed) == ("day-first", True)
    assert read_clock_times(cells, other).iloc[0] == pd.Timestamp("2019-04-05 10:00")


def test_one_cell_anywhere_decides_a_long_column():
    cells = pd.Series(["3/4/19 10:00"] * 20_000 + ["2/3/2019 8:15 AM"] * 5_000 + ["30/4/19 10:00"])
    found = detect_timestamp_format(cells)
    assert (found.order, found.assumed, found.day_first, found.example) == (
        "day-first",
        False,
        (25_000,),
        "30/4/19 10:00",
    )
    clock = read_clock_times(cells, found)
    assert clock.iloc[[0, 20_000, 25_000]].tolist() == [
        pd.Timestamp("2019-04-03 10:00"),
        pd.Timestamp("2019-03-02 08:15"),
        pd.Timestamp("2019-04-30 10:00"),
    ]


def test_columns_without_dates_to_order():
    for cells in ([], [None, float("nan"), ""], ["2019-04-28T00:32:00+03:00"], ["yesterday"]):
        found = detect_timestamp_format(cells)
        assert (found.order, found.formats, found.assumed) == ("iso", (ISO8601,), False)


def test_mixed_orders_are_a_conflict_naming_the_cells():
    found = detect_timestamp_format(
        pd.Series(["13/5/19 10:00", "5/13/19 10:00", "1/1/19 00:00", "14/5/19 10:00"], index=[2, 3, 4, 5])
    )
    assert found.order == "mixed" and found.conflict
    assert found.day_first == (2, 5) and found.month_first == (3,)


def test_a_given_format_wins():
    found = detect_timestamp_format(["5/4/19 10:00", "4/28/19 00:32"], given="%d/%m/%y %H:%M")
    assert found.order == "given" and not found.assumed and not found.conflict
    assert found.formats == ("%d/%m/%y %H:%M", "%d/%m/%y", ISO8601)
    clock = read_clock_times(["5/4/19 10:00", "4/28/19 00:32", "6/4/19", "2019-04-07 10:00:00"], found)
    assert clock.tolist() == [
        pd.Timestamp("2019-04-05 10:00"),
        pd.NaT,
        pd.Timestamp("2019-04-06"),
        pd.Timestamp("2019-04-07 10:00"),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2019-05-05 17:21:00", "2019-05-05 17:21:00"),
        ("2019-05-05T17:21", "2019-05-05 17:21:00"),
        ("2019-05-05", "2019-05-05 00:00:00"),
        ("5/5/19 17:21", "2019-05-05 17:21:00"),
        ("5/5/2019 17:21", "2019-05-05 17:21:00"),
        ("05/05/2019 17:21:33", "2019-05-05 17:21:33"),
        ("5/5/19 17:21:33", "2019-05-05 17:21:33"),
        ("5/5/19 5:21 PM", "2019-05-05 17:21:00"),
        ("5/5/2019", "2019-05-05 00:00:00"),
        ("05.05.19 17:21", "2019-05-05 17:21:00"),
        ("1/2/99 0:05", "1999-01-02 00:05:00"),  # %y: 69-99 are the 1900s
    ],
)
def test_forms_with_two_or_four_digit_years_with_or_without_seconds(cell, expected):
    found = detect_timestamp_format([cell])
    assert read_clock_times([cell], found).iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("cell", ["13/13/19 25:61", "yesterday", "5/5/19 17", "2019-13-01", "5/5/19 17:21 +3"])
def test_unreadable_cells_are_nat(cell):
    found = detect_timestamp_format(["4/28/19 00:32", cell])
    assert found.order == "month-first"
    assert pd.isna(read_clock_times([cell], found).iloc[0])


def test_clock_to_utc_reads_offsets_as_moments():
    cells = pd.Series(["4/28/19 00:32", "2019-04-28T00:32:00+03:00", "2019-04-28T00:32:00Z", None])
    found = detect_timestamp_format(cells)
    utc = clock_to_utc(cells, read_clock_times(cells, found), "Africa/Nairobi")
    assert utc.tolist()[:3] == [
        pd.Timestamp("2019-04-27 21:32", tz="UTC"),
        pd.Timestamp("2019-04-27 21:32", tz="UTC"),
        pd.Timestamp("2019-04-28 00:32", tz="UTC"),
    ]
    assert pd.isna(utc.iloc[3]) and str(utc.dtype) == "datetime64[ns, UTC]"


# --------------------------------------------------------------------------------------------------
# the real export
# --------------------------------------------------------------------------------------------------


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rewrite(folder: Path, name: str, change) -> None:
    """Rewrite ``name`` in ``folder`` with ``change(position, row)`` applied to each data row."""
    rows = csv_rows(folder / name)
    for position, row in enumerate(rows):
        change(position, row)
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def copy(tmp_path) -> Path:
    folder = tmp_path / "wi"
    shutil.copytree(REAL, folder)
    return folder


@pytest.fixture(scope="module")
def dakatcha():
    return read_wildlife_insights(REAL)


def test_dakatcha_every_image_is_read(dakatcha):
    rows = csv_rows(REAL / "images.csv")
    assert len(rows) == 49  # counted here, as the csv module reads the file (its SOURCE.md says 48)
    assert rows[0]["timestamp"] == "5/5/19 17:21" and rows[1]["timestamp"] == "4/28/19 00:32"  # as Excel wrote them
    report = dakatcha.report
    acc = report.accounting().set_index("file")
    assert acc.loc["images.csv", ["read", "converted", "set_aside"]].tolist() == [49, 49, 0]
    assert acc.loc["deployments.csv", ["read", "converted", "set_aside"]].tolist() == [5, 5, 0]
    assert not report.set_aside or all(frame.empty for frame in report.set_aside.values())
    assert len(dakatcha.media) == 49 and len(dakatcha.observations) == 49
    assert not report.errors, report.errors  # the converted package validates too
    assert [p.check for p in report.warnings] == ["timezone"]  # the orders are proven: no order warning


def test_dakatcha_zone_from_the_coordinates(dakatcha):
    (said,) = [p for p in dakatcha.report.warnings if p.check == "timezone"]
    assert said.value == "Africa/Nairobi" and said.file == "deployments.csv"
    assert "Africa/Nairobi" in said.message and "where the cameras stand" in said.message
    assert dakatcha.metadata["timezone"] == "Africa/Nairobi"


def test_dakatcha_moments_are_the_clock_times_in_nairobi(dakatcha):
    media = dakatcha.media.set_index("mediaID")["timestamp"]
    rows = csv_rows(REAL / "images.csv")
    # by hand: East Africa Time is UTC+3 all year (no daylight saving time in Kenya)
    assert media[rows[0]["image_id"]] == pd.Timestamp("2019-05-05T14:21:00Z")  # 5/5/19 17:21 EAT
    assert media[rows[1]["image_id"]] == pd.Timestamp("2019-04-27T21:32:00Z")  # 4/28/19 00:32 EAT
    for row in rows:  # and every image's local clock is its cell
        local = media[row["image_id"]].tz_convert("Africa/Nairobi")
        assert f"{local.month}/{local.day}/{local:%y %H:%M}" == row["timestamp"]
    dep = dakatcha.deployments.set_index("deploymentID")
    assert dep.loc["2019-04-17_i9_C09", "deploymentStart"] == pd.Timestamp("2019-04-16T21:00:00Z")
    assert dep.loc["2019-04-17_i9_C09", "deploymentEnd"] == pd.Timestamp("2019-05-26T20:59:59Z")  # the whole last day


def test_dakatcha_a_given_zone_is_used_and_not_reported():
    package = read_wildlife_insights(REAL, timezone="UTC")
    assert not [p for p in package.report.problems if p.check == "timezone"]
    first = csv_rows(REAL / "images.csv")[0]["image_id"]
    assert package.media.set_index("mediaID").loc[first, "timestamp"] == pd.Timestamp("2019-05-05T17:21:00Z")


def test_dakatcha_study_events_and_effort(dakatcha):
    from nbtools.effort import camera_operation
    from nbtools.events import independent_events
    from nbtools.study import Study

    study = Study.from_camtrapdp(dakatcha)
    assert len(study.deployments) == 5 and len(study.observations) == 49
    events = independent_events(study.observations, threshold="30min", deployments=study.deployments)
    assert 0 < len(events) <= 49
    operation = camera_operation(study.deployments, timezone=study.timezone)
    assert operation.shape[0] == 5 and (operation.fillna(0).to_numpy() >= 0).all()
    assert operation.notna().to_numpy().sum() > 100  # 5 cameras out for 25 to 59 days each


# --------------------------------------------------------------------------------------------------
# copies with the dates rewritten
# --------------------------------------------------------------------------------------------------


def test_a_bad_cell_is_set_aside_with_its_own_value(copy):
    rewrite(copy, "images.csv", lambda i, row: row.update(timestamp="13/13/19 25:61") if i == 0 else None)
    package = read_wildlife_insights(copy)
    acc = package.report.accounting().set_index("file")
    assert acc.loc["images.csv", ["read", "converted", "set_aside"]].tolist() == [49, 48, 0 + 1]
    (problem,) = [p for p in package.report.errors if p.file == "images.csv"]
    assert (problem.row, problem.field, problem.value) == (2, "timestamp", "13/13/19 25:61")
    assert "'13/13/19 25:61'" in problem.message and "formats tried" in problem.message
    assert "ISO 8601" in problem.message and "%m/%d/%y" in problem.message and "%H:%M:%S" in problem.message
    aside = package.report.set_aside["images.csv"]
    assert aside.index.tolist() == [2] and "13/13/19 25:61" in aside.loc[2, "reason"]
    assert "Crested Francolin" in aside.loc[2, "raw"]  # the row itself is kept in set_aside


def test_a_missing_timestamp_is_set_aside(copy):
    rewrite(copy, "images.csv", lambda i, row: row.update(timestamp="") if i == 3 else None)
    package = read_wildlife_insights(copy)
    (problem,) = [p for p in package.report.errors if p.file == "images.csv"]
    assert (problem.row, problem.field) == (5, "timestamp") and "timestamp is missing" in problem.message


def test_day_first_copy_reads_the_same_moments(copy, dakatcha):
    def day_first(i, row):
        month, day, rest = row["timestamp"].split("/", 2)
        row["timestamp"] = f"{int(day):02d}/{int(month):02d}/20{rest}"  # 28/04/2019 00:32

    rewrite(copy, "images.csv", day_first)
    package = read_wildlife_insights(copy)
    assert not package.report.errors and [p.check for p in package.report.warnings] == ["timezone"]
    pd.testing.assert_series_equal(package.media["timestamp"], dakatcha.media["timestamp"])


def test_excel_dates_in_deployments(copy, dakatcha):
    def excel(i, row):  # a date alone, four-digit year; a midnight end, two-digit year
        start, end = pd.Timestamp(row["start_date"]), pd.Timestamp(row["end_date"])
        row["start_date"] = f"{start.month}/{start.day}/{start:%Y}"
        row["end_date"] = f"{end.month}/{end.day}/{end:%y} 0:00"

    rewrite(copy, "deployments.csv", excel)
    assert csv_rows(copy / "deployments.csv")[0]["start_date"] == "4/17/2019"
    package = read_wildlife_insights(copy)
    assert not package.report.errors
    for column in ("deploymentStart", "deploymentEnd"):
        pd.testing.assert_series_equal(package.deployments[column], dakatcha.deployments[column])


def test_undecidable_images_are_read_month_first_with_a_warning(copy):
    rewrite(copy, "images.csv", lambda i, row: row.update(timestamp="5/4/19 10:00"))
    package = read_wildlife_insights(copy)
    (said,) = [p for p in package.report.warnings if p.check == "timestamp-order"]
    assert (said.file, said.field, said.value) == ("images.csv", "timestamp", "5/4/19 10:00")
    assert "was assumed" in said.message and "read month-first" in said.message
    assert "timestamp_format='%d/%m/%y %H:%M'" in said.message
    assert "04 May 2019" in said.message
    assert (package.media["timestamp"] == pd.Timestamp("2019-05-04T07:00:00Z")).all()
    # as the warning says, a format given reads them day-first, without the warning
    again = read_wildlife_insights(copy, timestamp_format="%d/%m/%y %H:%M")
    assert not [p for p in again.report.problems if p.check == "timestamp-order"]
    assert (again.media["timestamp"] == pd.Timestamp("2019-04-05T07:00:00Z")).all()
    # and its date part reads dates alone, ISO 8601 still read: the deployments are all kept
    assert len(again.deployments) == 5


def test_undecidable_deployments_take_the_order_the_images_prove(copy):
    def day_first(i, row):
        month, day, rest = row["timestamp"].split("/", 2)
        row["timestamp"] = f"{day}/{month}/{rest}"

    def dates(i, row):  # day-first with every day at most 12 (the real dates are not)
        row["start_date"], row["end_date"] = "1/4/2019", "12/10/2019"

    rewrite(copy, "images.csv", day_first)
    rewrite(copy, "deployments.csv", dates)
    package = read_wildlife_insights(copy)
    said = [p for p in package.report.warnings if p.check == "timestamp-order"]
    assert [(p.file, p.field) for p in said] == [("deployments.csv", "start_date"), ("deployments.csv", "end_date")]
    assert all("day-first" in p.message and "images.csv's timestamp proves" in p.message for p in said)
    start = package.deployments["deploymentStart"].dt.tz_convert("Africa/Nairobi")
    assert (start.dt.strftime("%Y-%m-%d") == "2019-04-01").all()


def test_mixed_orders_raise_naming_rows(copy):
    def mixed(i, row):
        if i == 0:
            row["timestamp"] = "13/5/19 10:00"
        elif i == 1:
            row["timestamp"] = "5/13/19 10:00"

    rewrite(copy, "images.csv", mixed)
    with pytest.raises(InteropError, match="both orders") as raised:
        read_wildlife_insights(copy)
    message = str(raised.value)
    assert "images.csv" in message and "field timestamp" in message
    assert "images.csv row 2 ('13/5/19 10:00')" in message and "row 3 ('5/13/19 10:00')" in message
    assert "timestamp_format=" in message
    # a format given reads the one order and sets the other cells aside
    package = read_wildlife_insights(copy, timestamp_format="%m/%d/%y %H:%M")
    assert package.report.set_aside["images.csv"].index.tolist() == [2]


def test_a_format_without_directives_is_refused():
    with pytest.raises(InteropError, match="not a strptime format"):
        read_wildlife_insights(REAL, timestamp_format="dd/mm/yy")


def test_a_zone_that_is_not_known_is_refused():
    with pytest.raises(InteropError, match="Mars/Olympus"):
        read_wildlife_insights(REAL, timezone="Mars/Olympus")


def test_timestamps_doctests():
    import doctest

    from nbtools.interop import _timestamps

    result = doctest.testmod(_timestamps, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 8
