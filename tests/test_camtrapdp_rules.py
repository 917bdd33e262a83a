"""Our Camtrap DP rules follow the specification to the letter, and every published 1.0.x version is read.

- Each rule of ``nbtools.camtrapdp.validate.check_rules``: a row that breaks it is reported with its file,
  row, field and value (an error only where the specification makes it one), and a row the specification
  allows is not reported.
- Versions: packages naming Camtrap DP 1.0 or 1.0.1 pass ``strict=True``; a version we do not know gets one
  message; a resource schema of another version than the profile gets a message that says so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import read_rows, write_rows

from nbtools.camtrapdp import CamtrapDP, read_camtrapdp, write_camtrapdp
from nbtools.camtrapdp.report import Problem, ValidationReport
from nbtools.camtrapdp.schemas import (
    BUNDLED_VERSION,
    CORE_TABLES,
    KNOWN_VERSIONS,
    profile,
    resource_version,
    table_schema,
    version_kind,
)
from nbtools.camtrapdp.validate import check_descriptor

BOX_ROW = 509  # an observation of the example with a whole bounding box (deployment 62c200a9)


def problems(pkg: CamtrapDP, check: str, file: str | None = None, row: int | None = None) -> list[Problem]:
    """The problems of one check, optionally in one file and row."""
    return [
        p
        for p in pkg.report.problems
        if p.check == check and (file is None or p.file == file) and (row is None or p.row == row)
    ]


def located(problem: Problem) -> tuple[str, str, int | None, str | None, str | None]:
    """Where a problem is and what it names there: (severity, file, row, field, value)."""
    return (problem.severity, problem.file, problem.row, problem.field, problem.value)


def edit_row(folder: Path, file: str, row: int, **cells: str) -> None:
    """Set several cells of one row (row numbers as in the file, the header is row 1)."""
    path = folder / file
    rows = read_rows(path)
    for field, value in cells.items():
        rows[row - 1][rows[0].index(field)] = value
    write_rows(path, rows)


def set_versions(folder: Path, version: str, **resource_versions: str) -> None:
    """Make a package name ``version`` in its profile URL and every schema URL, except those given by table."""
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["profile"] = f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{version}/camtrap-dp-profile.json"
    for resource in descriptor["resources"]:
        if resource["name"] in CORE_TABLES:
            named = resource_versions.get(resource["name"], version)
            resource["schema"] = (
                f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{named}/{resource['name']}-table-schema.json"
            )
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def only(found: list[Problem]) -> Problem:
    assert len(found) == 1, found
    return found[0]


# --- foreign keys (error: the table schemas' foreignKeys) ---------------------------------------------


def test_foreign_key_to_a_missing_deployment_is_an_error(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("media.csv", 4, "deploymentID", "nowhere"), validate=False)
    problem = only(problems(pkg, "foreign-key"))
    assert located(problem) == ("error", "media.csv", 4, "deploymentID", "nowhere")


def test_foreign_key_to_a_missing_media_file_is_an_error(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 3, "mediaID", "no-such-image"), validate=False)
    problem = only(problems(pkg, "foreign-key"))
    assert located(problem) == ("error", "observations.csv", 3, "mediaID", "no-such-image")


def test_event_observation_without_media_has_no_foreign_key_to_check(example_copy: Path) -> None:
    """mediaID is optional ("Only applicable for media-based observations"): row 2 is an event without one."""
    assert read_rows(example_copy / "observations.csv")[1][2] == ""
    pkg = read_camtrapdp(example_copy, validate=False)
    assert problems(pkg, "foreign-key") == [] and problems(pkg, "observation-level") == []


# --- deployment order (warning: no rule in the specification) ----------------------------------------


def test_deployment_ending_before_it_starts_is_a_warning(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("deployments.csv", 2, "deploymentEnd", "2020-05-01T00:00:00+02:00"), validate=False)
    problem = only(problems(pkg, "deployment-order"))
    assert located(problem) == ("warning", "deployments.csv", 2, "deploymentEnd", "2020-04-30T22:00:00+00:00")
    assert "plausibility" in problem.message


def test_deployment_ending_when_it_starts_is_allowed(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("deployments.csv", 4, "deploymentEnd", "2020-06-19T23:00:00+02:00"), validate=False)
    assert problems(pkg, "deployment-order") == []


# --- deployment window (warning: a camera clock error?) -------------------------------------------------


def test_media_before_its_deployment_is_a_clock_warning(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("media.csv", 3, "timestamp", "2020-05-30T04:57:36+02:00"), validate=False)
    problem = only(problems(pkg, "deployment-window"))
    assert located(problem) == ("warning", "media.csv", 3, "timestamp", "2020-05-30T02:57:36+00:00")
    assert "clock" in problem.message and "plausibility" in problem.message


def test_media_at_the_start_of_its_deployment_is_allowed(example_copy: Path) -> None:
    """Media row 2 was taken the second its deployment started."""
    assert read_rows(example_copy / "media.csv")[1][3] == read_rows(example_copy / "deployments.csv")[1][6]
    pkg = read_camtrapdp(example_copy, validate=False)
    assert problems(pkg, "deployment-window") == []


# --- event order (warning) ------------------------------------------------------------------------------


def test_event_ending_before_it_starts_is_a_warning(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 2, "eventEnd", "2020-05-30T02:57:36Z"), validate=False)
    problem = only(problems(pkg, "event-order"))
    assert located(problem) == ("warning", "observations.csv", 2, "eventEnd", "2020-05-30T02:57:36+00:00")


def test_event_of_one_moment_is_allowed(example_copy: Path) -> None:
    """Media-level observations have eventStart == eventEnd (row 3 of the example)."""
    row = read_rows(example_copy / "observations.csv")[2]
    assert row[4] == row[5]
    pkg = read_camtrapdp(example_copy, validate=False)
    assert problems(pkg, "event-order") == []


# --- media-level observations without a mediaID (warning: mediaID is optional) ---------------------------


def test_media_level_observation_without_media_is_a_warning(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 3, "mediaID", ""), validate=False)
    problem = only(problems(pkg, "observation-level"))
    assert located(problem) == ("warning", "observations.csv", 3, "mediaID", None)
    assert "does not make mediaID required" in problem.message


def test_media_level_observation_is_strictly_valid_without_media(edit_cell) -> None:
    """The specification does not require it, so strict reading does not fail."""
    pkg = read_camtrapdp(edit_cell("observations.csv", 3, "mediaID", ""), strict=True)
    assert pkg.report.valid


# --- an observation's media file of another deployment (warning) -----------------------------------------


def test_media_of_another_deployment_is_a_warning(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 3, "deploymentID", "29b7d356"), validate=False)
    problem = only(problems(pkg, "media-deployment"))
    assert located(problem) == ("warning", "observations.csv", 3, "deploymentID", "29b7d356")
    assert "07840dcc" in problem.message


def test_event_observation_of_any_deployment_is_allowed(edit_cell) -> None:
    """An event-level observation names no media file, so no media file can disagree with it."""
    pkg = read_camtrapdp(edit_cell("observations.csv", 2, "deploymentID", "29b7d356"), validate=False)
    assert problems(pkg, "media-deployment") == []


# --- bounding boxes --------------------------------------------------------------------------------------


def test_bbox_point_position_is_allowed(example_copy: Path) -> None:
    """bboxX "Or the horizontal position of an object in that media file": a point needs no width or height."""
    edit_row(example_copy, "observations.csv", BOX_ROW, bboxWidth="", bboxHeight="")
    pkg = read_camtrapdp(example_copy, strict=True)
    assert problems(pkg, "bbox") == [] and pkg.report.problems == []


@pytest.mark.parametrize(
    ("cells", "field", "value"),
    [
        ({"bboxX": "", "bboxY": ""}, "bboxWidth", "0.2744"),  # a size without a position
        ({"bboxY": "", "bboxWidth": "", "bboxHeight": ""}, "bboxX", "0.32325"),  # one coordinate
        ({"bboxHeight": ""}, "bboxX", "0.32325"),  # a box without its height
    ],
)
def test_bbox_that_is_neither_a_position_nor_a_box_is_a_warning(
    example_copy: Path, cells: dict[str, str], field: str, value: str
) -> None:
    edit_row(example_copy, "observations.csv", BOX_ROW, **cells)
    pkg = read_camtrapdp(example_copy, validate=False)
    problem = only(problems(pkg, "bbox"))
    assert located(problem) == ("warning", "observations.csv", BOX_ROW, field, value)
    assert "neither" in problem.message


def test_bbox_leaving_the_image_is_a_warning(example_copy: Path) -> None:
    edit_row(example_copy, "observations.csv", BOX_ROW, bboxY="0.8", bboxHeight="0.3")
    pkg = read_camtrapdp(example_copy, validate=False)
    problem = only(problems(pkg, "bbox"))
    assert located(problem) == ("warning", "observations.csv", BOX_ROW, "bboxHeight", "0.3")
    assert "leaves the image" in problem.message


def test_bbox_reaching_the_edge_of_the_image_is_allowed(example_copy: Path) -> None:
    edit_row(example_copy, "observations.csv", BOX_ROW, bboxX="0.75", bboxWidth="0.25", bboxY="0", bboxHeight="1")
    pkg = read_camtrapdp(example_copy, validate=False)
    assert problems(pkg, "bbox") == []


# --- coordinates -----------------------------------------------------------------------------------------


def test_latitude_beyond_90_is_an_error(edit_cell) -> None:
    """The schema's constraint (maximum 90) makes it an error."""
    pkg = read_camtrapdp(edit_cell("deployments.csv", 3, "latitude", "95"), validate=False)
    problem = only(problems(pkg, "coordinates"))
    assert located(problem) == ("error", "deployments.csv", 3, "latitude", "95.0")


def test_swapped_coordinates_in_range_are_a_warning(example_copy: Path) -> None:
    """(4.774, 51.496) is a legal place; only the package's spatial extent suggests a swap."""
    edit_row(example_copy, "deployments.csv", 2, latitude="4.774", longitude="51.496")
    pkg = read_camtrapdp(example_copy, validate=False)
    problem = only(problems(pkg, "coordinates"))
    assert located(problem) == ("warning", "deployments.csv", 2, "latitude", "4.774")
    assert "look swapped" in problem.message and "plausibility" in problem.message


def test_extreme_coordinates_inside_the_range_are_allowed(example_copy: Path) -> None:
    """Without spatial metadata, -90 and 180 are legal values and not reported."""
    descriptor = json.loads((example_copy / "datapackage.json").read_text())
    del descriptor["spatial"]
    (example_copy / "datapackage.json").write_text(json.dumps(descriptor))
    edit_row(example_copy, "deployments.csv", 2, latitude="-90", longitude="180")
    pkg = read_camtrapdp(example_copy, validate=False)
    assert problems(pkg, "coordinates") == []


def test_only_foreign_keys_and_ranges_are_errors(example_copy: Path) -> None:
    """Every other rule breaking at once leaves a package valid (warnings only)."""
    edit_row(example_copy, "deployments.csv", 3, deploymentEnd="2020-07-01T00:00:00+02:00")
    edit_row(example_copy, "observations.csv", 2, eventEnd="2020-05-30T02:57:36Z")
    edit_row(example_copy, "observations.csv", 3, mediaID="")
    edit_row(example_copy, "observations.csv", BOX_ROW, bboxX="0.9", bboxWidth="0.3")
    pkg = read_camtrapdp(example_copy, strict=True)
    assert {p.check for p in pkg.report.warnings} >= {"deployment-order", "event-order", "observation-level", "bbox"}


# --- versions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.0", "1.0.1"])
def test_example_naming_an_older_version_reads_strictly(example_copy: Path, version: str) -> None:
    set_versions(example_copy, version)
    pkg = read_camtrapdp(example_copy, strict=True)
    assert pkg.report.problems == []
    assert (len(pkg.deployments), len(pkg.media), len(pkg.observations)) == (4, 423, 549)


def test_unknown_version_gets_one_message(example_copy: Path) -> None:
    set_versions(example_copy, "1.9")
    pkg = read_camtrapdp(example_copy, strict=True)
    problem = only(pkg.report.problems)
    assert problem.file == "datapackage.json" and problem.field == "profile" and problem.check == "profile-version"
    assert "Camtrap DP 1.9" in problem.message and "known: 1.0, 1.0.1, 1.0.2" in problem.message


def test_resource_schema_of_another_version_than_the_profile_says_so(example_copy: Path) -> None:
    set_versions(example_copy, "1.0.2", media="1.0.1")
    pkg = read_camtrapdp(example_copy)
    problem = only(pkg.report.problems)
    assert (problem.severity, problem.file, problem.field) == ("error", "datapackage.json", "resources/1/schema")
    assert problem.message.startswith("resources/1 (media): schema URL names Camtrap DP 1.0.1 but the profile is 1.0.2")
    assert "not valid under any" not in problem.message


def test_resource_schema_the_profile_accepts_but_of_another_version_is_a_warning(example_copy: Path) -> None:
    """The 1.0 profile's version pattern (``1\\.0``) also matches 1.0.2 URLs: a warning, and 1.0.2 types the table."""
    set_versions(example_copy, "1.0", observations="1.0.2")
    edit_row(example_copy, "observations.csv", 2, count="NA")  # a missing value in 1.0.2, not in 1.0
    pkg = read_camtrapdp(example_copy, strict=True)
    problem = only(pkg.report.problems)
    assert (problem.severity, problem.field) == ("warning", "resources/2/schema")
    assert "schema URL names Camtrap DP 1.0.2 but the profile is 1.0" in problem.message
    assert pkg.observations["count"].isna().loc[2]


def test_missing_values_follow_each_version(example_copy: Path) -> None:
    """1.0.2 added NA, NaN and nan to missingValues; in a 1.0.1 package "NA" is a value (here not an integer)."""
    edit_row(example_copy, "observations.csv", 2, count="NA")
    assert read_camtrapdp(example_copy, strict=True).observations["count"].isna().loc[2]
    set_versions(example_copy, "1.0.1")
    pkg = read_camtrapdp(example_copy)
    problem = only(pkg.report.errors)
    assert (problem.file, problem.row, problem.field, problem.value) == ("observations.csv", 2, "count", "NA")


def test_other_problems_of_a_resource_name_their_cause() -> None:
    descriptor = json.loads(
        (Path(__file__).parents[1] / "data" / "camtrap-dp-example" / "datapackage.json").read_text()
    )
    del descriptor["resources"][0]["profile"]
    report = ValidationReport()
    check_descriptor(descriptor, report)
    problem = only(report.problems)
    assert problem.field == "resources/0" and "'profile' is a required property" in problem.message


def test_legacy_versions_are_left_to_the_upgrade() -> None:
    """0.x descriptors are upgraded on reading (nbtools.camtrapdp.upgrade); check_descriptor says nothing of them."""
    report = ValidationReport()
    check_descriptor(
        {"profile": "https://raw.githubusercontent.com/tdwg/camtrap-dp/0.1.7/camtrap-dp-profile.json"}, report
    )
    assert report.problems == []
    no_profile = {
        "resources": [
            {
                "name": "media",
                "schema": "https://raw.githubusercontent.com/tdwg/camtrap-dp/0.1.6/media-table-schema.json",
            }
        ]
    }
    check_descriptor(no_profile, report)  # the schema URLs decide when the profile names no version
    assert report.problems == []
    assert [version_kind(v) for v in ("1.0", "0.1.6", "1.9", None)] == ["known", "legacy", "unknown", "none"]


def test_writing_keeps_writing_the_newest_version(example_copy: Path, tmp_path: Path) -> None:
    set_versions(example_copy, "1.0")
    target = write_camtrapdp(read_camtrapdp(example_copy), tmp_path / "out")
    text = target.read_text(encoding="utf-8")
    assert set(re.findall(r"tdwg/camtrap-dp/([^/]+)/", text)) == {BUNDLED_VERSION}


# --- the bundled files -----------------------------------------------------------------------------------


def test_table_schema_defaults_to_the_newest_version() -> None:
    assert table_schema("media") == table_schema("media", "1.0.2")
    assert table_schema("media", "1.0")["missingValues"] == [""]
    assert (
        resource_version({"schema": "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/media-table-schema.json"})
        == "1.0"
    )
    assert resource_version({"schema": {"fields": []}}, default="1.0.1") == "1.0.1"
    with pytest.raises(KeyError, match="known versions are 1.0, 1.0.1, 1.0.2"):
        table_schema("media", "1.9")


def test_the_malformed_reference_of_the_1_0_profile_is_repaired_when_loaded() -> None:
    assert '"$ref": "#$defs/version"' in _text("1.0", "camtrap-dp-profile.json")  # the file stays as published
    assert '"#$defs' not in json.dumps(profile("1.0")) and '"#/$defs/version"' in json.dumps(profile("1.0"))


def _text(version: str, name: str) -> str:
    folder = Path(__file__).parents[1] / "nbtools" / "camtrapdp" / "schemas"
    return (folder / version / name).read_text(encoding="utf-8")


def test_derived_files_differ_from_1_0_2_by_exactly_the_changelog_entries() -> None:
    """What schemas/README.md says of the derived 1.0.1 and 1.0 files (never downloaded copies)."""
    assert KNOWN_VERSIONS == ("1.0", "1.0.1", "1.0.2")
    newest = _text("1.0.2", "camtrap-dp-profile.json")
    v101 = newest.replace('"pattern": "1\\\\.0\\\\.2"', '"pattern": "1\\\\.0\\\\.1"').replace(
        '        "resources",\n', "", 1
    )
    assert _text("1.0.1", "camtrap-dp-profile.json") == v101
    v10 = (
        v101.replace('"pattern": "1\\\\.0\\\\.1"', '"pattern": "1\\\\.0"')
        .replace('"#/$defs/version"', '"#$defs/version"')
        .replace(
            "https://specs.frictionlessdata.io/schemas/data-package.json",
            "https://frictionlessdata.io/schemas/data-package.json",
        )
        .replace("See [Data](https://camtrap-dp.tdwg.org/data) for", "See [Data](../data) for")
    )
    assert _text("1.0", "camtrap-dp-profile.json") == v10 != v101
    for table in CORE_TABLES:
        name = f"{table}-table-schema.json"
        older = _text("1.0.2", name).replace('    "", "NA", "NaN", "nan"\n', '    ""\n')
        assert _text("1.0.1", name) == _text("1.0", name) == older != _text("1.0.2", name)
