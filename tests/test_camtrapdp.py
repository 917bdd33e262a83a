"""Reading, validating and writing Camtrap DP packages (nbtools.camtrapdp)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import read_rows, write_rows
from frictionless import Package, Resource, Schema

from nbtools.camtrapdp import CamtrapDP, CamtrapDPError, read_camtrapdp, write_camtrapdp
from nbtools.camtrapdp.report import ValidationReport
from nbtools.camtrapdp.schemas import table_schema
from nbtools.camtrapdp.validate import check_descriptor

EXAMPLE_ROWS = {"deployments.csv": 4, "media.csv": 423, "observations.csv": 549}


@pytest.fixture(scope="module")
def example(example_path: Path) -> CamtrapDP:
    return read_camtrapdp(example_path)


def problems_at(pkg: CamtrapDP, file: str, row: int | None, field: str | None) -> list:
    return [p for p in pkg.report.problems if p.file == file and p.row == row and p.field == field]


def assert_nothing_lost(pkg: CamtrapDP, expected_read: dict[str, int] = EXAMPLE_ROWS) -> None:
    """Rows read = rows kept + rows set aside, for every file, and the tables hold the kept rows."""
    accounting = pkg.report.accounting().set_index("file")
    for file, read in expected_read.items():
        assert accounting.loc[file, "read"] == read
        assert accounting.loc[file, "kept"] + accounting.loc[file, "set_aside"] == read
    tables = {"deployments.csv": pkg.deployments, "media.csv": pkg.media, "observations.csv": pkg.observations}
    for file, table in tables.items():
        assert len(table) == accounting.loc[file, "kept"]
        aside = pkg.report.set_aside[file]
        assert set(table.index).isdisjoint(aside.index)


# --- the official example -------------------------------------------------------------------


def test_example_reads_with_expected_counts(example: CamtrapDP) -> None:
    assert (len(example.deployments), len(example.media), len(example.observations)) == (4, 423, 549)
    levels = example.observations["observationLevel"].value_counts()
    assert levels["media"] == 513 and levels["event"] == 36
    assert_nothing_lost(example)


def test_example_validates_without_errors(example: CamtrapDP) -> None:
    assert example.report.problems == []
    assert example.report.valid
    assert example.report.rows_flagged() == 0


def test_example_types(example: CamtrapDP) -> None:
    obs, dep, media = example.observations, example.deployments, example.media
    assert str(obs["eventStart"].dtype) == "datetime64[ns, UTC]"
    assert str(dep["deploymentStart"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(obs["observationType"].dtype, pd.CategoricalDtype)
    assert list(obs["observationLevel"].cat.categories) == ["media", "event"]
    assert str(obs["count"].dtype) == "Int64"
    assert str(media["filePublic"].dtype) == "boolean"
    assert str(dep["latitude"].dtype) == "float64"
    assert str(obs["observationID"].dtype) == "string"
    assert obs.index.name == "row" and obs.index[0] == 2


def test_mixed_offsets_give_the_same_moment(example: CamtrapDP) -> None:
    # deployments.csv writes 2020-05-30T04:57:37+02:00; observations.csv the same moment as ...02:57:37Z.
    start = example.deployments.set_index("deploymentID").loc["00a2c20d", "deploymentStart"]
    first_event = example.observations.iloc[0]
    assert start == pd.Timestamp("2020-05-30T02:57:37Z")
    assert first_event["eventStart"] == start


def test_example_metadata(example: CamtrapDP) -> None:
    assert example.project["acronym"] == "MICA"
    assert example.temporal["start"] == "2020-05-30"
    assert "scientificName" in example.taxonomic.columns
    assert example.individuals["individualName"].tolist() == ["Reinaert"]
    assert example.spatial["type"] == "Polygon"


def test_round_trip_equal_tables(example: CamtrapDP, tmp_path: Path) -> None:
    write_camtrapdp(example, tmp_path / "copy", timezone="Europe/Brussels")
    again = read_camtrapdp(tmp_path / "copy")
    assert again.report.problems == []
    for name, table in example.tables().items():
        pd.testing.assert_frame_equal(getattr(again, name), table)
    assert again.metadata == example.metadata


def test_round_trip_gzip_is_deterministic(example: CamtrapDP, tmp_path: Path) -> None:
    write_camtrapdp(example, tmp_path / "a", compress=True)
    write_camtrapdp(example, tmp_path / "b", compress=True)
    for file in ["deployments.csv.gz", "media.csv.gz", "observations.csv.gz", "datapackage.json"]:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    again = read_camtrapdp(tmp_path / "a")
    pd.testing.assert_frame_equal(again.observations, example.observations)
    assert again.report.valid


def test_written_package_validates_with_frictionless_against_the_profile(example: CamtrapDP, tmp_path: Path) -> None:
    write_camtrapdp(example, tmp_path / "copy", timezone="Asia/Vladivostok")
    descriptor = json.loads((tmp_path / "copy" / "datapackage.json").read_text())
    report = ValidationReport()
    check_descriptor(descriptor, report)
    assert report.problems == []
    for name in ("deployments", "media", "observations"):
        schema = Schema.from_descriptor({k: v for k, v in table_schema(name).items() if k != "foreignKeys"})
        result = Resource(path=f"{name}.csv", schema=schema, basepath=str(tmp_path / "copy")).validate()
        assert result.valid, result.flatten(["rowNumber", "fieldName", "note"])
    text = (tmp_path / "copy" / "media.csv").read_text()
    assert "2020-05-30T12:57:37+10:00" in text  # 04:57:37+02:00 in Vladivostok


def test_frictionless_package_with_local_schemas_agrees(example_path: Path) -> None:
    """The official tables pass frictionless with foreign keys as well (our FK check agrees)."""
    resources = [
        Resource(name=n, path=f"{n}.csv", schema=Schema.from_descriptor(table_schema(n)))
        for n in ("deployments", "media", "observations")
    ]
    assert Package(resources=resources, basepath=str(example_path)).validate().valid


# --- bad input: one change to the example each ------------------------------------------------


def test_wrong_type_names_file_row_field(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 5, "count", "three"))
    (problem,) = problems_at(pkg, "observations.csv", 5, "count")
    assert problem.severity == "error" and problem.value == "three"
    assert pd.isna(pkg.observations.loc[5, "count"])
    assert pkg.report.flagged_rows("observations.csv") == [5]
    assert_nothing_lost(pkg)


def test_timestamp_without_offset(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("media.csv", 10, "timestamp", "2020-05-30T04:58:00"))
    (problem,) = problems_at(pkg, "media.csv", 10, "timestamp")
    assert "no UTC offset" in problem.message
    assert pd.isna(pkg.media.loc[10, "timestamp"])
    assert_nothing_lost(pkg)


def test_unparseable_timestamp(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 3, "eventEnd", "yesterday"))
    (problem,) = problems_at(pkg, "observations.csv", 3, "eventEnd")
    assert problem.value == "yesterday" and problem.severity == "error"
    assert_nothing_lost(pkg)


def test_count_below_minimum(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 4, "count", "0"))
    (problem,) = problems_at(pkg, "observations.csv", 4, "count")
    assert "at least 1" in problem.message
    assert pkg.observations.loc[4, "count"] == 0  # kept as found, flagged
    assert_nothing_lost(pkg)


def test_latitude_out_of_range(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("deployments.csv", 3, "latitude", "151.181"))
    (problem,) = problems_at(pkg, "deployments.csv", 3, "latitude")
    assert "at most 90" in problem.message
    assert_nothing_lost(pkg)


def test_unknown_enumeration_value_is_kept(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 6, "observationType", "ghost"))
    (problem,) = problems_at(pkg, "observations.csv", 6, "observationType")
    assert "must be one of" in problem.message
    assert pkg.observations.loc[6, "observationType"] == "ghost"
    assert_nothing_lost(pkg)


def test_duplicate_id_is_set_aside(example_copy: Path) -> None:
    path = example_copy / "media.csv"
    rows = read_rows(path)
    rows[5][0] = rows[4][0]  # row 6 repeats row 5's mediaID
    write_rows(path, rows)
    pkg = read_camtrapdp(example_copy)
    (problem,) = problems_at(pkg, "media.csv", 6, "mediaID")
    assert "repeats row 5" in problem.message
    assert 6 in pkg.report.set_aside["media.csv"].index
    assert len(pkg.media) == 422
    assert_nothing_lost(pkg)


def test_missing_primary_key_is_set_aside(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 7, "observationID", ""))
    (problem,) = problems_at(pkg, "observations.csv", 7, "observationID")
    assert problem.check == "primary-key"
    assert pkg.report.set_aside["observations.csv"].loc[7, "reason"] == "missing observationID"
    assert_nothing_lost(pkg)


def test_broken_foreign_key_to_deployments(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 8, "deploymentID", "nowhere"))
    (problem,) = problems_at(pkg, "observations.csv", 8, "deploymentID")
    assert problem.check == "foreign-key" and "not in deployments.csv" in problem.message
    assert_nothing_lost(pkg)


def test_broken_foreign_key_to_media(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 3, "mediaID", "no-such-image"))
    (problem,) = problems_at(pkg, "observations.csv", 3, "mediaID")
    assert "not in media.csv" in problem.message
    assert_nothing_lost(pkg)


def test_deployment_ends_before_it_starts(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("deployments.csv", 2, "deploymentEnd", "2020-05-01T00:00:00+02:00"))
    found = problems_at(pkg, "deployments.csv", 2, "deploymentEnd")
    assert [p.check for p in found] == ["deployment-order"]
    assert_nothing_lost(pkg)


def test_media_outside_deployment_is_a_clock_warning(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("media.csv", 2, "timestamp", "2000-01-01T00:00:00+02:00"))
    (problem,) = problems_at(pkg, "media.csv", 2, "timestamp")
    assert problem.severity == "warning" and "clock" in problem.message
    assert pkg.report.valid  # warnings only
    assert_nothing_lost(pkg)


def test_event_ends_before_it_starts(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 2, "eventEnd", "2020-05-30T02:57:30Z"))
    checks = {p.check for p in problems_at(pkg, "observations.csv", 2, "eventEnd")}
    assert checks == {"event-order", "deployment-window"}  # it also ends before its deployment starts
    assert_nothing_lost(pkg)


def test_media_level_observation_without_media(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 3, "mediaID", ""))
    (problem,) = problems_at(pkg, "observations.csv", 3, "mediaID")
    assert "without a mediaID" in problem.message and problem.severity == "warning"  # the spec does not require it
    assert_nothing_lost(pkg)


def test_bounding_box_leaves_the_image(example_copy: Path, example: CamtrapDP) -> None:
    row = int(example.observations.index[example.observations["bboxX"].notna()][0])
    path = example_copy / "observations.csv"
    rows = read_rows(path)
    header = rows[0]
    rows[row - 1][header.index("bboxX")] = "0.9"
    rows[row - 1][header.index("bboxWidth")] = "0.3"
    write_rows(path, rows)
    pkg = read_camtrapdp(example_copy)
    (problem,) = problems_at(pkg, "observations.csv", row, "bboxWidth")
    assert "leaves the image" in problem.message
    assert_nothing_lost(pkg)


def test_missing_required_column(example_copy: Path) -> None:
    path = example_copy / "deployments.csv"
    rows = [r[:3] + r[4:] for r in read_rows(path)]  # drop latitude
    write_rows(path, rows)
    pkg = read_camtrapdp(example_copy)
    assert [p.check for p in problems_at(pkg, "deployments.csv", 1, "latitude")] == ["missing-label"]
    assert pkg.deployments["latitude"].isna().all()
    assert_nothing_lost(pkg)


def test_blank_row_and_extra_cells_are_set_aside(example_copy: Path) -> None:
    path = example_copy / "media.csv"
    rows = read_rows(path)
    rows[2] = rows[2] + ["surplus"]  # row 3 has one cell too many
    rows.insert(5, [])  # a blank row becomes row 6
    write_rows(path, rows)
    pkg = read_camtrapdp(example_copy)
    aside = pkg.report.set_aside["media.csv"]
    assert aside.loc[3, "reason"] == "more cells than the header"
    assert aside.loc[6, "reason"] == "blank row"
    assert problems_at(pkg, "media.csv", 3, None)[0].check == "extra-cell"
    assert_nothing_lost(pkg, {"media.csv": 424})


def test_strict_mode_raises_naming_file_row_field(edit_cell) -> None:
    path = edit_cell("observations.csv", 5, "count", "-2")
    with pytest.raises(CamtrapDPError) as caught:
        read_camtrapdp(path, strict=True)
    assert "observations.csv, row 5, field count" in str(caught.value)
    assert caught.value.problems[0].row == 5


def test_profile_error_names_the_property(example_copy: Path) -> None:
    path = example_copy / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["project"]["samplingDesign"] = "haphazard"
    path.write_text(json.dumps(descriptor))
    pkg = read_camtrapdp(example_copy)
    (problem,) = problems_at(pkg, "datapackage.json", None, "project/samplingDesign")
    assert "haphazard" in problem.message


def test_descriptor_that_is_not_json(example_copy: Path) -> None:
    (example_copy / "datapackage.json").write_text('{"resources": [\n  {"name": "deployments",,}\n]}')
    with pytest.raises(CamtrapDPError, match=r"datapackage.json: not valid JSON \(line 2"):
        read_camtrapdp(example_copy)


@pytest.mark.parametrize(
    "bad_path", ["../deployments.csv", "/etc/passwd", "https://example.org/deployments.csv", "sub/../../x.csv"]
)
def test_resource_path_outside_the_package_is_refused(example_copy: Path, bad_path: str) -> None:
    path = example_copy / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["resources"][0]["path"] = bad_path
    path.write_text(json.dumps(descriptor))
    with pytest.raises(CamtrapDPError, match="only relative paths inside the package"):
        read_camtrapdp(example_copy)


def test_missing_file_is_named(example_copy: Path) -> None:
    (example_copy / "media.csv").unlink()
    with pytest.raises(CamtrapDPError, match=r"media.csv: file not found"):
        read_camtrapdp(example_copy)


def test_file_not_utf8_is_named(example_copy: Path) -> None:
    path = example_copy / "deployments.csv"
    path.write_bytes(path.read_text().replace("forrest", "forêt").encode("latin-1"))
    with pytest.raises(CamtrapDPError, match=r"deployments.csv: not UTF-8"):
        read_camtrapdp(example_copy)


def test_semicolon_separated_file_is_reported(example_copy: Path) -> None:
    path = example_copy / "deployments.csv"
    rows = read_rows(path)
    path.write_text("\n".join(";".join(r) for r in rows) + "\n")
    pkg = read_camtrapdp(example_copy)
    missing = {p.field for p in pkg.report.problems if p.file == "deployments.csv" and p.check == "missing-label"}
    assert {"deploymentID", "latitude", "deploymentStart"} <= missing


def test_dialect_delimiter_is_honoured(example_copy: Path, example: CamtrapDP) -> None:
    path = example_copy / "deployments.csv"
    rows = read_rows(path)
    write_rows_semicolon = "\n".join(";".join(f'"{c}"' if ";" in c or "," in c else c for c in r) for r in rows)
    path.write_text(write_rows_semicolon + "\n")
    descriptor = json.loads((example_copy / "datapackage.json").read_text())
    descriptor["resources"][0]["dialect"] = {"delimiter": ";"}
    (example_copy / "datapackage.json").write_text(json.dumps(descriptor))
    pkg = read_camtrapdp(example_copy)
    assert pkg.report.problems == []
    pd.testing.assert_frame_equal(pkg.deployments, example.deployments)


def test_gzipped_csv_resources(example_copy: Path, example: CamtrapDP) -> None:
    source = example_copy / "observations.csv"
    (example_copy / "observations.csv.gz").write_bytes(gzip.compress(source.read_bytes()))
    source.unlink()
    descriptor = json.loads((example_copy / "datapackage.json").read_text())
    descriptor["resources"][2]["path"] = "observations.csv.gz"
    (example_copy / "datapackage.json").write_text(json.dumps(descriptor))
    pkg = read_camtrapdp(example_copy)
    assert pkg.report.problems == []
    pd.testing.assert_frame_equal(pkg.observations, example.observations)


def test_report_prints_and_converts(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 5, "count", "three"))
    frame = pkg.report.to_frame()
    assert list(frame.columns) == ["severity", "file", "row", "field", "value", "message", "check"]
    assert frame.loc[0, "row"] == 5
    text = str(pkg.report)
    assert "1 errors" in text and "observations.csv" in text and "three" in text


def test_validate_false_still_reports_parse_errors(edit_cell) -> None:
    pkg = read_camtrapdp(edit_cell("observations.csv", 5, "count", "three"), validate=False)
    (problem,) = problems_at(pkg, "observations.csv", 5, "count")
    assert problem.check == "parse-error"


def test_checksum_mismatch_names_the_file(tmp_path: Path, example_path: Path) -> None:
    import shutil

    from nbtools.checksums import ChecksumError

    target = tmp_path / "package"
    shutil.copytree(example_path, target)  # with its SHA256SUMS
    assert read_camtrapdp(target, validate=False).report.valid
    media = target / "media.csv"
    media.write_text(media.read_text().replace("activityDetection", "timeLapse", 1))
    with pytest.raises(ChecksumError, match=r"media.csv: checksum mismatch"):
        read_camtrapdp(target)


def test_inline_extra_resource_with_ragged_rows_is_reported_not_padded(example_copy: Path) -> None:
    descriptor = json.loads((example_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({"name": "notes", "data": [["a", "b"], [1, 2], [3]]})
    (example_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    package = read_camtrapdp(example_copy)
    assert "notes" not in package.resources
    messages = [p.message for p in package.report.warnings if p.field == "resources/notes"]
    assert messages and "inline data row 3 has 1 values where row 1 has 2" in messages[0]
