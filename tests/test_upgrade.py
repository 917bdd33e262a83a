"""Camtrap DP 0.1.x packages upgraded to 1.0 on reading (nbtools.camtrapdp.upgrade).

One test per mapping of the module's table, on small text tables built here, then the
real Agouti 0.1.6 export in tests/data/real/rowcliffe-rem-test/ read end to end, its
numbers counted by hand from the raw CSV files with plain pandas.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import read_rows, write_rows

from nbtools.activity import time_of_day
from nbtools.camtrapdp import read_camtrapdp
from nbtools.camtrapdp.schemas import PROFILE_URL, schema_url
from nbtools.camtrapdp.upgrade import (
    LANGUAGES,
    legacy_version,
    sequence_times,
    upgrade_descriptor,
    upgrade_table,
    upgrade_tables,
)
from nbtools.effort import camera_operation, trap_nights
from nbtools.events import independent_events
from nbtools.study import Study

REAL = Path(__file__).parent / "data" / "real" / "rowcliffe-rem-test"
OLD = "https://raw.githubusercontent.com/tdwg/camtrap-dp/0.1.6/"


def cells(columns: dict[str, list[str]], first_row: int = 2) -> pd.DataFrame:
    """Text cells as read_text_table gives them: str everywhere, indexed by row number in the file."""
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame(columns, dtype=object, index=pd.RangeIndex(first_row, first_row + n, name="row"))
    frame.attrs["short_rows"] = {}
    frame.attrs["duplicate_labels"] = {}
    return frame


def text_cells(text: str) -> pd.DataFrame:
    """:func:`cells` of a small CSV text, one row a line (empty cells are empty strings)."""
    rows = list(csv.reader(textwrap.dedent(text).strip().splitlines()))
    return cells({name: [row[i] for row in rows[1:]] for i, name in enumerate(rows[0])})


def write_text(path: Path, text: str) -> None:
    """Write a small CSV file given as its text (indented in the test, one row a line)."""
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8", newline="\n")


def legacy_descriptor(**extra) -> dict:
    descriptor = {
        "profile": OLD + "camtrap-dp-profile.json",
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "schema": OLD + f"{name}-table-schema.json",
            }
            for name in ("deployments", "media", "observations")
        ],
    }
    descriptor.update(extra)
    return descriptor


# --- which packages are legacy ----------------------------------------------------------------------


def test_legacy_version_from_profile() -> None:
    assert legacy_version(legacy_descriptor()) == "0.1.6"
    assert (
        legacy_version({"profile": "https://raw.githubusercontent.com/tdwg/camtrap-dp/0.1.7/camtrap-dp-profile.json"})
        == "0.1.7"
    )


def test_legacy_version_none_for_1_0_or_no_version() -> None:
    assert legacy_version({"profile": PROFILE_URL, "resources": []}) is None
    assert legacy_version({"profile": "tabular-data-package", "resources": []}) is None
    assert legacy_version({}) is None


def test_legacy_version_from_resource_schemas_when_profile_names_none() -> None:
    descriptor = legacy_descriptor(profile="tabular-data-package")
    assert legacy_version(descriptor) == "0.1.6"


# --- the descriptor -----------------------------------------------------------------------------------


def test_profile_and_core_schemas_set_to_1_0() -> None:
    descriptor = legacy_descriptor()
    descriptor["resources"][2]["schema"] = {"fields": [{"name": "sequenceID"}]}  # an inline 0.1.x schema
    descriptor["resources"].append({"name": "positions", "path": "positions.csv", "schema": {"fields": []}})
    new = upgrade_descriptor(descriptor)
    assert new["profile"] == PROFILE_URL
    assert [r["schema"] for r in new["resources"][:3]] == [
        schema_url(n) for n in ("deployments", "media", "observations")
    ]
    assert new["resources"][3]["schema"] == {"fields": []}  # extra resources as they were
    assert descriptor["profile"] == OLD + "camtrap-dp-profile.json"  # the input is not changed


@pytest.mark.parametrize(
    ("old", "new"),
    [("motion detection", "activityDetection"), ("motionDetection", "activityDetection"), ("time lapse", "timeLapse")],
)
def test_project_capture_method(old: str, new: str) -> None:
    project = upgrade_descriptor(legacy_descriptor(project={"captureMethod": [old]}))["project"]
    assert project["captureMethod"] == [new]


@pytest.mark.parametrize(
    ("types", "individual"), [(["unmarked"], False), (["marked"], True), (["marked", "unmarked"], True)]
)
def test_project_animal_types_to_individual_animals(types: list[str], individual: bool) -> None:
    project = upgrade_descriptor(legacy_descriptor(project={"animalTypes": types}))["project"]
    assert project["individualAnimals"] is individual
    assert "animalTypes" not in project


@pytest.mark.parametrize(("level", "levels"), [("sequence", ["event"]), ("media", ["media"])])
def test_project_classification_level_to_observation_level(level: str, levels: list[str]) -> None:
    project = upgrade_descriptor(legacy_descriptor(project={"classificationLevel": level}))["project"]
    assert project["observationLevel"] == levels
    assert "classificationLevel" not in project


def test_project_extra_properties_kept() -> None:
    new = upgrade_descriptor(legacy_descriptor(project={"sequenceInterval": 120}, organizations=[{"title": "ZSL"}]))
    assert new["project"]["sequenceInterval"] == 120
    assert new["organizations"] == [{"title": "ZSL"}]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("author", "contributor"),
        ("maintainer", "contributor"),
        ("wrangler", "contributor"),
        ("publisher", "publisher"),
        ("contributor", "contributor"),
    ],
)
def test_contributor_roles(old: str, new: str) -> None:
    contributors = upgrade_descriptor(legacy_descriptor(contributors=[{"title": "A", "role": old}]))["contributors"]
    assert contributors == [{"title": "A", "role": new}]


def test_rights_holder_becomes_a_contributor() -> None:
    new = upgrade_descriptor(legacy_descriptor(rightsHolder="INBO", contributors=[{"title": "A", "role": "author"}]))
    assert "rightsHolder" not in new
    assert new["contributors"] == [{"title": "A", "role": "contributor"}, {"title": "INBO", "role": "rightsHolder"}]


def test_platform_becomes_a_source_when_there_is_none() -> None:
    platform = {"title": "Agouti", "path": "https://agouti.eu", "packageID": "x"}
    new = upgrade_descriptor(legacy_descriptor(platform=platform))
    assert new["sources"] == [{"title": "Agouti", "path": "https://agouti.eu"}]
    assert new["platform"] == platform
    kept = upgrade_descriptor(legacy_descriptor(platform=platform, sources=[{"title": "Agouti v3"}]))
    assert kept["sources"] == [{"title": "Agouti v3"}]


def test_taxon_id_reference_dropped() -> None:
    taxon = {
        "taxonID": "5BSG3",
        "taxonIDReference": "https://www.checklistbank.org/dataset/3LR",
        "scientificName": "Vulpes vulpes",
    }
    new = upgrade_descriptor(legacy_descriptor(taxonomic=[taxon]))["taxonomic"]
    assert new == [{"taxonID": "5BSG3", "scientificName": "Vulpes vulpes"}]


def test_vernacular_names_get_three_letter_keys() -> None:
    names = {"en": "red fox", "nl": "vos", "de": "Rotfuchs", "fr": "renard roux", "ru": "лисица", "xx": "?"}
    new = upgrade_descriptor(
        legacy_descriptor(taxonomic=[{"scientificName": "Vulpes vulpes", "vernacularNames": names}])
    )
    expected = {"eng": "red fox", "nld": "vos", "deu": "Rotfuchs", "fra": "renard roux", "rus": "лисица", "xx": "?"}
    assert new["taxonomic"][0]["vernacularNames"] == expected


def test_language_table_is_iso_639_2_t() -> None:
    # Terminology codes (nld, deu, fra, zho), never the bibliographic ones (dut, ger, fre, chi); every key two letters.
    assert all(len(k) == 2 and len(v) == 3 for k, v in LANGUAGES.items())
    assert len(set(LANGUAGES.values())) == len(LANGUAGES) == 183
    assert {LANGUAGES[k] for k in ("nl", "de", "fr", "zh", "cs", "el")} == {"nld", "deu", "fra", "zho", "ces", "ell"}


# --- deployments --------------------------------------------------------------------------------------


def test_deployment_start_end_renamed_text_unchanged() -> None:
    table = upgrade_table(
        "deployments",
        cells({"deploymentID": ["d1"], "start": ["2017-10-02T19:06:43+01:00"], "end": ["2017-10-12T20:11:46+01:00"]}),
    )
    assert list(table.columns) == ["deploymentID", "deploymentStart", "deploymentEnd"]
    assert table.loc[2, "deploymentStart"] == "2017-10-02T19:06:43+01:00"
    assert table.loc[2, "deploymentEnd"] == "2017-10-12T20:11:46+01:00"
    assert table.attrs["upgraded_columns"]["deploymentStart"] == "start"


def test_camera_interval_to_camera_delay() -> None:
    table = upgrade_table("deployments", cells({"deploymentID": ["d1"], "cameraInterval": ["30"]}))
    assert table.loc[2, "cameraDelay"] == "30" and "cameraInterval" not in table


def test_tags_and_comments_renamed() -> None:
    table = upgrade_table("deployments", cells({"deploymentID": ["d1"], "tags": ["a:1"], "comments": ["moved"]}))
    assert table.loc[2, "deploymentTags"] == "a:1" and table.loc[2, "deploymentComments"] == "moved"


def test_session_and_array_to_deployment_groups() -> None:
    table = upgrade_table(
        "deployments",
        cells({"deploymentID": ["d1", "d2", "d3"], "session": ["2019", "", "2020"], "array": ["A", "B", ""]}),
    )
    assert table["deploymentGroups"].tolist() == ["session:2019 | array:A", "array:B", "session:2020"]
    assert "session" not in table and "array" not in table


def test_bait_use() -> None:
    kinds = ["none", "scent", "food", "visual", "acoustic", "other", ""]
    table = upgrade_table(
        "deployments",
        cells({"deploymentID": [f"d{i}" for i in range(7)], "baitUse": kinds, "tags": ["x:1", "", "", "", "", "", ""]}),
    )
    assert table["baitUse"].tolist() == ["false", "true", "true", "true", "true", "true", ""]
    tags = table["deploymentTags"].tolist()
    assert tags == ["x:1", "bait:scent", "bait:food", "bait:visual", "bait:acoustic", "bait:other", ""]


def test_bait_kind_joins_existing_tags() -> None:
    table = upgrade_table("deployments", cells({"deploymentID": ["d1"], "baitUse": ["food"], "tags": ["x:1"]}))
    assert table.loc[2, "deploymentTags"] == "x:1 | bait:food"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("road paved", "roadPaved"),
        ("road dirt", "roadDirt"),
        ("trail hiking", "trailHiking"),
        ("trail game", "trailGame"),
        ("road underpass", "roadUnderpass"),
        ("road overpass", "roadOverpass"),
        ("road bridge", "roadBridge"),
        ("nest site", "nestSite"),
        ("water source", "waterSource"),
        ("fruiting tree", "fruitingTree"),
        ("none", ""),
        ("culvert", "culvert"),
        ("burrow", "burrow"),
        ("carcass", "carcass"),
    ],
)
def test_feature_type(old: str, new: str) -> None:
    table = upgrade_table("deployments", cells({"deploymentID": ["d1"], "featureType": [old]}))
    assert table.loc[2, "featureType"] == new


def test_feature_type_other_goes_to_tags() -> None:
    table = upgrade_table(
        "deployments", cells({"deploymentID": ["d1"], "featureType": ["other"], "baitUse": ["scent"]})
    )
    assert table.loc[2, "featureType"] == ""
    assert table.loc[2, "deploymentTags"] == "bait:scent | featureType:other"


def test_a_1_0_column_already_in_the_file_wins() -> None:
    table = upgrade_table(
        "deployments", cells({"deploymentID": ["d1"], "start": ["old"], "deploymentStart": ["2020-01-01T00:00:00Z"]})
    )
    assert table.loc[2, "deploymentStart"] == "2020-01-01T00:00:00Z"
    assert table.loc[2, "start"] == "old"  # kept as an extra column


# --- media --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("motion detection", "activityDetection"),
        ("motionDetection", "activityDetection"),
        ("time lapse", "timeLapse"),
        ("", ""),
    ],
)
def test_media_capture_method(old: str, new: str) -> None:
    table = upgrade_table("media", cells({"mediaID": ["m1"], "captureMethod": [old]}))
    assert table.loc[2, "captureMethod"] == new


def test_media_favourite_and_comments_renamed_sequence_id_kept() -> None:
    table = upgrade_table(
        "media", cells({"mediaID": ["m1"], "sequenceID": ["s1"], "favourite": ["true"], "comments": ["c"]})
    )
    assert list(table.columns) == ["mediaID", "sequenceID", "favorite", "mediaComments"]
    assert table.loc[2].tolist() == ["m1", "s1", "true", "c"]


def test_sequence_times_compare_moments_and_keep_text() -> None:
    # 10:00+01:00 is 09:00Z (earliest), 09:30Z is the latest; the text is kept with its own offset
    media = text_cells(
        """
        mediaID,sequenceID,timestamp
        m1,s1,2020-05-01T09:10:00Z
        m2,s1,2020-05-01T10:00:00+01:00
        m3,s1,2020-05-01T09:30:00Z
        m4,s2,bad
        m5,,2020-05-01T08:00:00Z
        """
    )
    times = sequence_times(media)
    assert times.loc["s1"].tolist() == ["2020-05-01T10:00:00+01:00", "2020-05-01T09:30:00Z"]
    assert "s2" not in times.index  # no readable timestamp


# --- observations -------------------------------------------------------------------------------------


def observations(**columns: list[str]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"observationID": [f"o{i}" for i in range(n)], "deploymentID": ["d1"] * n}
    return cells({**base, **columns})


def test_sequence_id_to_event_id() -> None:
    table = upgrade_table(
        "observations", observations(sequenceID=["s1"], mediaID=[""], timestamp=["2020-05-01T09:00:00Z"])
    )
    assert table.loc[2, "eventID"] == "s1" and "sequenceID" not in table


def test_observation_level_from_media_id() -> None:
    table = upgrade_table(
        "observations", observations(mediaID=["m1", "", "NA"], timestamp=["2020-05-01T09:00:00Z"] * 3)
    )
    assert table["observationLevel"].tolist() == ["media", "event", "event"]


def test_event_times_from_the_media_of_the_sequence() -> None:
    media = cells(
        {
            "mediaID": ["m1", "m2", "m3"],
            "sequenceID": ["s1", "s1", "s1"],
            "timestamp": ["2020-05-01T10:00:05+01:00", "2020-05-01T10:00:00+01:00", "2020-05-01T10:01:07+01:00"],
        }
    )
    obs = observations(
        sequenceID=["s1", "s9", "s1"],
        mediaID=["", "", "m2"],
        timestamp=["2020-05-01T10:00:00+01:00", "2020-05-02T03:00:00+01:00", "2020-05-01T10:00:00+01:00"],
    )
    table = upgrade_tables({"deployments": cells({"deploymentID": ["d1"]}), "media": media, "observations": obs})[
        "observations"
    ]
    # event level with media: first and last media of the sequence
    assert table.loc[2, ["eventStart", "eventEnd"]].tolist() == [
        "2020-05-01T10:00:00+01:00",
        "2020-05-01T10:01:07+01:00",
    ]
    # event level, sequence without media: the observation's own timestamp
    assert table.loc[3, ["eventStart", "eventEnd"]].tolist() == ["2020-05-02T03:00:00+01:00"] * 2
    # media level: its own timestamp
    assert table.loc[4, ["eventStart", "eventEnd"]].tolist() == ["2020-05-01T10:00:00+01:00"] * 2
    assert "timestamp" not in table
    assert table.attrs["upgraded_columns"]["eventStart"] == "timestamp"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("true", "setup"),
        ("True", "setup"),
        ("TRUE", "setup"),
        ("1", "setup"),
        ("false", ""),
        ("False", ""),
        ("0", ""),
        ("", ""),
        ("maybe", "maybe"),
    ],
)
def test_camera_setup_to_camera_setup_type(old: str, new: str) -> None:
    table = upgrade_table("observations", observations(cameraSetup=[old], timestamp=["2020-05-01T09:00:00Z"]))
    assert table.loc[2, "cameraSetupType"] == new and "cameraSetup" not in table


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("offspring", "juvenile"),
        ("unknown", ""),
        ("adult", "adult"),
        ("subadult", "subadult"),
        ("juvenile", "juvenile"),
    ],
)
def test_life_stage(old: str, new: str) -> None:
    assert upgrade_table("observations", observations(lifeStage=[old])).loc[2, "lifeStage"] == new


@pytest.mark.parametrize(("old", "new"), [("unknown", ""), ("female", "female"), ("male", "male")])
def test_sex(old: str, new: str) -> None:
    assert upgrade_table("observations", observations(sex=[old])).loc[2, "sex"] == new


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("behaviour", "behavior"),
        ("classificationConfidence", "classificationProbability"),
        ("comments", "observationComments"),
        ("speed", "individualSpeed"),
        ("radius", "individualPositionRadius"),
        ("angle", "individualPositionAngle"),
    ],
)
def test_observation_renames_keep_values(old: str, new: str) -> None:
    table = upgrade_table("observations", observations(**{old: ["0.5841586781"]}))
    assert table.loc[2, new] == "0.5841586781" and old not in table
    assert table.attrs["upgraded_columns"][new] == old


def test_unchanged_terms_and_extra_columns_kept() -> None:
    obs = observations(
        observationType=["animal"],
        classificationMethod=["machine"],
        count=["2"],
        taxonID=["5BSG3"],
        countNew=["1"],
        _id=["x"],
    )
    table = upgrade_table("observations", obs)
    for column, value in {
        "observationType": "animal",
        "classificationMethod": "machine",
        "count": "2",
        "taxonID": "5BSG3",
        "countNew": "1",
        "_id": "x",
    }.items():
        assert table.loc[2, column] == value


def test_row_index_and_attrs_kept() -> None:
    obs = observations(mediaID=["", ""], timestamp=["2020-05-01T09:00:00Z"] * 2)
    obs.index = pd.Index([2, 5], name="row")  # rows 3 and 4 of the file were too long, say
    obs.attrs["short_rows"] = {5: 2}
    table = upgrade_table("observations", obs)
    assert table.index.tolist() == [2, 5] and table.index.name == "row"
    assert table.attrs["short_rows"] == {5: 2}
    assert obs.columns.tolist() == ["observationID", "deploymentID", "mediaID", "timestamp"]  # input unchanged


# --- reading a small 0.1.6 package: findings name the file, the row and the field ---------------------


@pytest.fixture
def small_legacy(tmp_path: Path) -> Path:
    folder = tmp_path / "legacy"
    folder.mkdir()
    (folder / "datapackage.json").write_text(json.dumps(legacy_descriptor(project={"title": "t"})), encoding="utf-8")
    write_text(
        folder / "deployments.csv",
        """
        deploymentID,locationID,longitude,latitude,start,end,baitUse
        d1,L1,5.0,51.0,2020-05-01T00:00:00+02:00,2020-05-10T00:00:00+02:00,lots
        """,
    )
    write_text(
        folder / "media.csv",
        """
        mediaID,deploymentID,sequenceID,captureMethod,timestamp,filePath,fileMediatype
        m1,d1,s1,motion detection,2020-05-02T10:00:00+02:00,a.jpg,image/jpeg
        m2,d1,s1,motion detection,2020-05-02T10:00:09+02:00,b.jpg,image/jpeg
        """,
    )
    write_text(
        folder / "observations.csv",
        """
        observationID,deploymentID,sequenceID,mediaID,timestamp,observationType,scientificName,count,angle
        o1,d1,s1,,2020-05-02T10:00:00+02:00,animal,Vulpes vulpes,1,120
        o2,d1,s2,,2020-05-03,animal,Vulpes vulpes,1,
        """,
    )
    return folder


def test_small_legacy_package_findings_name_row_and_original_column(small_legacy: Path) -> None:
    pkg = read_camtrapdp(small_legacy)
    assert pkg.upgraded_from == "0.1.6"
    problems = pkg.report.problems
    # a baitUse value 0.1.6 did not have: passed on, reported where it is
    assert any(
        p.file == "deployments.csv" and p.row == 2 and p.field == "baitUse" and p.severity == "error" for p in problems
    )
    # an angle outside 1.0's range: row 2 of observations.csv, field individualPositionAngle, from column angle
    angle = [
        p for p in problems if p.file == "observations.csv" and p.row == 2 and p.field == "individualPositionAngle"
    ]
    assert angle and all("angle" in p.message for p in angle) and angle[0].severity == "error"
    # a timestamp without a time and offset, in a sequence without media: eventStart of row 3, from column timestamp
    start = [p for p in problems if p.file == "observations.csv" and p.row == 3 and p.field == "eventStart"]
    assert start and "timestamp" in start[0].message
    # the event of row 2 spans its two media
    assert pkg.observations.loc[2, "eventEnd"] - pkg.observations.loc[2, "eventStart"] == pd.Timedelta(seconds=9)
    assert pkg.media["captureMethod"].tolist() == ["activityDetection"] * 2
    # filePublic, required in 1.0 but not a 0.1.6 term: a warning, not an error
    public = [p for p in problems if p.file == "media.csv" and p.field == "filePublic"]
    assert [p.severity for p in public] == ["warning"]


def test_a_1_0_package_is_not_upgraded(example_path: Path) -> None:
    pkg = read_camtrapdp(example_path, validate=False)
    assert pkg.upgraded_from is None
    assert not [p for p in pkg.report.problems if p.check == "upgrade"]


# --- the real Agouti 0.1.6 export ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    return read_camtrapdp(REAL)


@pytest.fixture(scope="module")
def raw() -> dict[str, pd.DataFrame]:
    """The raw CSV files, read with plain pandas (text), independently of nbtools."""
    return {
        name: pd.read_csv(REAL / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("deployments", "media", "observations")
    }


def test_real_package_is_upgraded_from_0_1_6(real) -> None:
    assert real.upgraded_from == "0.1.6"
    said = [p for p in real.report.problems if p.check == "upgrade"]
    assert len(said) == 1 and said[0].value == OLD + "camtrap-dp-profile.json" and "0.1.6" in said[0].message
    assert real.report.errors == []
    assert real.metadata["profile"] == PROFILE_URL
    assert real.metadata["project"]["individualAnimals"] is False
    assert real.metadata["project"]["observationLevel"] == ["event"]
    assert real.metadata["taxonomic"][1]["vernacularNames"] == {"eng": "red fox", "nld": "vos"}


def test_real_package_rows_read_kept_and_set_aside(real) -> None:
    accounting = real.report.accounting().set_index("file")
    for name, table in real.tables().items():
        with (REAL / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            records = sum(1 for _ in csv.reader(handle)) - 1  # without the header
        file = f"{name}.csv"
        assert accounting.loc[file, "read"] == records
        assert accounting.loc[file, "kept"] + accounting.loc[file, "set_aside"] == records
        assert len(table) == accounting.loc[file, "kept"]
        assert table.index.min() == 2  # rows keep their numbers in the file


def test_real_event_times_are_the_first_and_last_media_of_each_sequence(real, raw) -> None:
    media = raw["media"].assign(moment=pd.to_datetime(raw["media"]["timestamp"], utc=True, format="ISO8601"))
    span = media.groupby("sequenceID")["moment"].agg(["min", "max"])
    obs = raw["observations"]
    expected_start = span["min"].reindex(obs["sequenceID"]).to_numpy()
    expected_end = span["max"].reindex(obs["sequenceID"]).to_numpy()
    assert (real.observations["eventStart"].to_numpy() == expected_start).all()
    assert (real.observations["eventEnd"].to_numpy() == expected_end).all()
    # The same moments as Agouti's own Camtrap DP 1.0 export of this project (rem-test-20241111152200,
    # MarcusRowcliffe/camtrapDensity, Supporting_files/): sequence a0d43340 = event 2c0764bd, 9d23d5e7 kept its ID.
    first = real.observations.set_index("eventID")
    assert first.loc["a0d43340-d884-445a-b362-1d003621414c", "eventEnd"].iloc[0] == pd.Timestamp(
        "2017-10-02T19:08:05+01:00"
    )
    assert first.loc["9d23d5e7-25f8-479b-8d9c-7a32d14bc070", "eventEnd"] == pd.Timestamp("2017-10-24T06:12:03+01:00")


def test_real_rem_columns_carried_over(real, raw) -> None:
    for old, new in (
        ("speed", "individualSpeed"),
        ("radius", "individualPositionRadius"),
        ("angle", "individualPositionAngle"),
    ):
        expected = pd.to_numeric(raw["observations"][old].replace("", np.nan))
        assert np.allclose(real.observations[new].to_numpy(dtype=float), expected.to_numpy(dtype=float), equal_nan=True)


def test_real_independent_events_match_a_count_by_hand(real, raw) -> None:
    events = independent_events(real.observations, threshold="30min", deployments=real.deployments)
    # By hand: animal observations, at the location of their deployment, dated by the first media of their
    # sequence; per location and species in time order, a new event when 30 min or more passed since the last record.
    media = raw["media"].assign(moment=pd.to_datetime(raw["media"]["timestamp"], utc=True, format="ISO8601"))
    first_media = media.groupby("sequenceID")["moment"].min()
    obs = raw["observations"][raw["observations"]["observationType"] == "animal"].copy()
    obs["moment"] = obs["sequenceID"].map(first_media)
    obs["location"] = obs["deploymentID"].map(raw["deployments"].set_index("deploymentID")["locationID"])
    count = 0
    for _, group in obs.groupby(["location", "scientificName"]):
        times = group["moment"].sort_values()
        count += 1 + int((times.diff() >= pd.Timedelta("30min")).sum())
    assert len(events) == count
    # also counted on paper from observations.csv: 2 + 2 foxes at S01, S02; 9 foxes, 2 hedgehogs at S03
    assert count == 15


def test_real_study_effort_and_activity(raw) -> None:
    study = Study.from_camtrapdp(REAL)
    assert study.timezone == "Europe/London"
    operation = camera_operation(study.deployments, timezone=study.timezone)
    nights = trap_nights(operation)
    # By hand: per location, the length in days of the union of its deployments' [start, end].
    deployments = raw["deployments"].assign(
        start=pd.to_datetime(raw["deployments"]["start"], utc=True, format="ISO8601"),
        end=pd.to_datetime(raw["deployments"]["end"], utc=True, format="ISO8601"),
    )
    expected = {}
    for location, group in deployments.groupby("locationID"):
        total, reach = pd.Timedelta(0), None
        for start, end in sorted(zip(group["start"], group["end"])):
            if reach is None or start > reach:
                total += end - start
                reach = end
            elif end > reach:
                total += end - reach
                reach = end
        expected[location] = total / pd.Timedelta(days=1)
    assert nights.to_dict() == pytest.approx(expected, abs=1e-9)
    assert 20 < nights.sum() < 40  # four cameras for about a week each, two of them together at S03
    by_camera = trap_nights(camera_operation(study.deployments, by="deploymentID", timezone=study.timezone))
    per_deployment = ((deployments["end"] - deployments["start"]) / pd.Timedelta(days=1)).set_axis(
        deployments["deploymentID"]
    )
    assert by_camera.to_dict() == pytest.approx(per_deployment.to_dict(), abs=1e-9)

    # Time of day of the first fox: 19:06:43 on the cameras' clocks (+01:00, British Summer Time).
    radians = time_of_day(study.observations["eventStart"], study.timezone)
    first = raw["observations"].iloc[0]
    clock = first["timestamp"][11:19]
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    assert radians.iloc[0] == pytest.approx(2 * math.pi * (hours * 3600 + minutes * 60 + seconds) / 86400)
    assert ((radians >= 0) & (radians < 2 * math.pi)).all()


def test_real_package_strict_reads(real) -> None:
    assert read_camtrapdp(REAL, strict=True).upgraded_from == "0.1.6"


def test_real_package_copy_with_a_broken_row_names_it(tmp_path: Path) -> None:
    folder = tmp_path / "rem"
    shutil.copytree(REAL, folder)
    rows = read_rows(folder / "observations.csv")
    header = rows[0]
    rows[5][header.index("count")] = "0"  # row 6 of the file
    write_rows(folder / "observations.csv", rows)
    pkg = read_camtrapdp(folder)
    found = [p for p in pkg.report.errors if p.file == "observations.csv" and p.row == 6 and p.field == "count"]
    assert found and "at least 1" in found[0].message
