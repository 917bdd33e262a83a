"""Bad input never gives a wrong number silently, never loses a row, and never runs code.

- The corpus ``tests/data/bad/`` (made by ``tools/make_bad_corpus.py``): every package gives the error or the
  exact problems its ``manifest.json`` entry names, in both validation modes, with the row accounting intact.
- Cases the corpus cannot hold as one change to one small package (swapped coordinates beyond +-90, symbolic
  links out of the package, unsafe extra resources).
- Catalog safety: YAML tags, bare templates, paths out of the catalog's folder (also through symbolic links),
  checksum mismatches of the habitat and boundary files.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from nbtools.camtrapdp import CamtrapDP, CamtrapDPError, read_camtrapdp, write_camtrapdp
from nbtools.catalog import CATALOG_DIR, DATA_DIR, CatalogError, open_catalog
from nbtools.checksums import ChecksumError, write_checksums

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "data" / "bad"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
ENTRIES = MANIFEST["packages"]
ERRORS = {"CamtrapDPError": CamtrapDPError, "ChecksumError": ChecksumError}
TABLE_FILES = {"deployments": "deployments.csv", "media": "media.csv", "observations": "observations.csv"}
#: Checks made by frictionless and the profile validator only, so absent with validate=False.
SCHEMA_ONLY = {"constraint-error", "type-error", "profile", "profile-version"}


def corpus(name: str) -> Path:
    """The corpus package named ``name`` (without its number)."""
    (folder,) = [CORPUS / e["package"] for e in ENTRIES if e["package"][3:] == name]
    return folder


@pytest.fixture(scope="module")
def base() -> CamtrapDP:
    return read_camtrapdp(CORPUS / "00_valid")


def problem_set(pkg: CamtrapDP) -> set[tuple]:
    return {(p.file, p.row, p.field, p.check, p.severity) for p in pkg.report.problems}


def records_in(path: Path) -> int:
    """Data rows of a CSV file counted independently of the reader (blank lines included)."""
    text = path.read_bytes().decode("utf-8-sig")
    return sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1


def assert_accounting(pkg: CamtrapDP, folder: Path) -> None:
    """Rows read = kept + set aside for every file; flagged rows are kept rows; nothing is lost."""
    accounting = pkg.report.accounting().set_index("file")
    for name, table in pkg.tables().items():
        file = next(f for f in accounting.index if f.startswith(name))
        read, kept, aside, flagged = accounting.loc[file, ["read", "kept", "set_aside", "flagged"]]
        assert read == kept + aside, file
        assert read == records_in(folder / file), f"{file}: the reader saw {read} rows, the file has more"
        assert len(table) == kept and flagged <= kept
        assert set(pkg.report.flagged_rows(file)) <= set(table.index)
        assert set(table.index).isdisjoint(pkg.report.set_aside[file].index)
        assert (pkg.report.set_aside[file]["raw"].notna()).all()


# --- the corpus -------------------------------------------------------------------------------


def test_corpus_has_at_least_30_bad_packages_one_defect_each() -> None:
    bad = [e for e in ENTRIES if e["package"] != "00_valid"]
    assert len(bad) >= 30
    assert len({e["package"] for e in ENTRIES}) == len(ENTRIES)
    folders = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert folders == sorted(e["package"] for e in ENTRIES)
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for entry in ENTRIES:
        assert f"| `{entry['package']}` |" in readme
    kinds = {e["outcome"] for e in bad}
    assert kinds == {"error", "flagged", "reads"}


def test_corpus_is_what_the_script_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("make_bad_corpus", ROOT / "tools" / "make_bad_corpus.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_bad_corpus", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    module.build(tmp_path)
    made = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(CORPUS).as_posix(): p.read_bytes() for p in CORPUS.rglob("*") if p.is_file()}
    assert made.keys() == committed.keys()
    changed = [name for name in made if made[name] != committed[name]]
    assert not changed, f"run python tools/make_bad_corpus.py: {changed[:5]}"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["outcome"] == "error"], ids=lambda e: e["package"])
def test_bad_package_gives_a_clear_error(entry: dict) -> None:
    folder = CORPUS / entry["package"]
    for validate in (True, False):
        with pytest.raises(ERRORS[entry["error"]], match=entry["match"]) as caught:
            read_camtrapdp(folder, validate=validate)
        assert type(caught.value) is ERRORS[entry["error"]]
        # the message starts with the file it is about
        assert re.match(r"^\S*?[\w.-]+\.(csv|json|gz)(: |, row )", str(caught.value)), str(caught.value)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["outcome"] != "error"], ids=lambda e: e["package"])
def test_bad_package_is_read_with_the_expected_problems(entry: dict, base: CamtrapDP) -> None:
    folder = CORPUS / entry["package"]
    expected = {tuple(p) for p in entry.get("problems", [])}
    for validate in (True, False):
        pkg = read_camtrapdp(folder, validate=validate)
        assert_accounting(pkg, folder)
        wanted = expected if validate else {p for p in expected if p[3] not in SCHEMA_ONLY}
        assert problem_set(pkg) == wanted, f"validate={validate}"
        for problem in pkg.report.problems:
            assert problem.message and problem.file
            assert problem.row is not None or problem.file == "datapackage.json"
        aside = {
            (f, int(r), reason) for f, frame in pkg.report.set_aside.items() for r, reason in frame["reason"].items()
        }
        assert aside == {tuple(s) for s in entry.get("set_aside", [])}
    if entry["outcome"] == "reads":
        assert pkg.report.problems == []
        if entry["equal_to_base"]:
            for name, table in base.tables().items():
                pd.testing.assert_frame_equal(getattr(pkg, name), table)
        for file, row, column, value in entry["values"]:
            table = getattr(pkg, file.removesuffix(".csv"))
            assert table.loc[row, column] == pd.Timestamp(value)
        for file, count in entry.get("rows", {}).items():
            assert len(getattr(pkg, file.removesuffix(".csv"))) == count


def test_strict_mode_raises_on_errors_only() -> None:
    with pytest.raises(CamtrapDPError) as caught:
        read_camtrapdp(corpus("wrong_type_integer"), strict=True)
    assert "observations.csv, row 5, field count (value 'three')" in str(caught.value)
    with pytest.raises(CamtrapDPError, match=r"media.csv, row 6, field mediaID .*repeats row 5"):
        read_camtrapdp(corpus("duplicate_media_row"), strict=True, validate=False)
    pkg = read_camtrapdp(corpus("media_outside_deployment"), strict=True)  # warnings only
    assert pkg.report.valid and len(pkg.report.warnings) == 1


def test_daylight_saving_offsets_decide_the_moment(base: CamtrapDP) -> None:
    """The same moments written with the winter or summer offset read the same; an offset in the gap counts."""
    summer = read_camtrapdp(corpus("dst_summer_offsets"))
    pd.testing.assert_series_equal(summer.media["timestamp"], base.media["timestamp"])
    gap = read_camtrapdp(corpus("dst_gap_with_offset"))
    changed = gap.media["timestamp"] != base.media["timestamp"]
    assert changed.sum() == 1
    moment = gap.media.loc[changed, "timestamp"].iloc[0]
    assert moment == pd.Timestamp("2021-03-28T01:30:00Z")
    assert moment.tz_convert("Europe/Brussels").strftime("%H:%M%z") == "03:30+0200"  # what Belgian clocks showed


def test_dst_fold_without_offset_is_not_guessed() -> None:
    pkg = read_camtrapdp(corpus("dst_fold_without_offset"))
    (problem,) = pkg.report.problems
    assert "no UTC offset" in problem.message and "daylight-saving" in problem.message
    assert pd.isna(pkg.deployments.loc[problem.row, "deploymentEnd"])


# --- cases that need more than one change -----------------------------------------------------


@pytest.fixture
def valid_copy(tmp_path: Path) -> Path:
    target = tmp_path / "package"
    shutil.copytree(CORPUS / "00_valid", target)
    return target


def _edit(folder: Path, file: str, row: int, column: str, value: str) -> None:
    path = folder / file
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[row - 1][rows[0].index(column)] = value
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_swapped_coordinates_beyond_90_are_named(valid_copy: Path) -> None:
    """A station in the Land of the Leopard (43.1 N, 131.5 E) with latitude and longitude swapped."""
    descriptor = json.loads((valid_copy / "datapackage.json").read_text())
    descriptor["spatial"] = {
        "type": "Polygon",
        "coordinates": [[[130.9, 42.5], [131.9, 42.5], [131.9, 43.5], [130.9, 43.5], [130.9, 42.5]]],
    }
    (valid_copy / "datapackage.json").write_text(json.dumps(descriptor))
    for row, (lat, lon) in enumerate(
        [("43.1", "131.5"), ("43.2", "131.4"), ("131.3", "43.3"), ("43.0", "131.6")], start=2
    ):
        _edit(valid_copy, "deployments.csv", row, "latitude", lat)
        _edit(valid_copy, "deployments.csv", row, "longitude", lon)
    for validate in (True, False):
        pkg = read_camtrapdp(valid_copy, validate=validate)
        # the example's clocks (+01:00/+02:00) are not Vladivostok's (+10:00): reported apart, as utc-offset warnings
        assert pkg.timezone == "Asia/Vladivostok"
        (problem,) = [p for p in pkg.report.problems if p.check != "utc-offset"]
        assert {p.value for p in pkg.report.problems if p.check == "utc-offset"} == {"+01:00", "+02:00"}
        assert (problem.file, problem.row, problem.field, problem.check) == (
            "deployments.csv",
            4,
            "latitude",
            "coordinates",
        )
        assert "at most 90" in problem.message and "look swapped" in problem.message
        assert_accounting(pkg, valid_copy)


def test_swapped_coordinates_without_spatial_metadata(valid_copy: Path) -> None:
    descriptor = json.loads((valid_copy / "datapackage.json").read_text())
    del descriptor["spatial"]
    (valid_copy / "datapackage.json").write_text(json.dumps(descriptor))
    _edit(valid_copy, "deployments.csv", 3, "latitude", "131.5")
    _edit(valid_copy, "deployments.csv", 3, "longitude", "43.1")
    pkg = read_camtrapdp(valid_copy, validate=False)
    (problem,) = pkg.report.problems
    assert problem.row == 3 and "look swapped" in problem.message


def test_symbolic_link_out_of_the_package_is_refused(valid_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    shutil.copy(valid_copy / "media.csv", secret)
    (valid_copy / "media.csv").unlink()
    (valid_copy / "media.csv").symlink_to(secret)
    with pytest.raises(CamtrapDPError, match=r"resource 'media' path 'media.csv' leads outside the package folder"):
        read_camtrapdp(valid_copy)


@pytest.mark.parametrize(
    "resource",
    [
        {"name": "notes", "path": "../../etc/passwd"},
        {"name": "notes", "path": "https://example.org/notes.csv"},
        {"name": "notes", "path": "notes.csv", "schema": {"fields": [{"type": "string"}]}},
        {"name": "notes", "path": "missing.csv"},
        {"name": "notes", "path": "notes.csv", "dialect": {"delimiter": ""}},
    ],
    ids=["dotdot", "url", "bad-schema", "missing-file", "bad-dialect"],
)
def test_unreadable_extra_resource_is_skipped_with_a_warning(valid_copy: Path, resource: dict, base: CamtrapDP) -> None:
    (valid_copy / "notes.csv").write_text("id,note\n1,first\n", encoding="utf-8")
    descriptor = json.loads((valid_copy / "datapackage.json").read_text())
    descriptor["resources"].append(resource)
    (valid_copy / "datapackage.json").write_text(json.dumps(descriptor))
    pkg = read_camtrapdp(valid_copy, validate=False)
    assert "notes" not in pkg.resources
    (problem,) = pkg.report.problems
    assert problem.severity == "warning" and problem.field == "resources/notes" and problem.check == "extra-resource"
    pd.testing.assert_frame_equal(pkg.observations, base.observations)


def test_extra_csv_resource_with_inline_schema_is_read(valid_copy: Path) -> None:
    (valid_copy / "notes.csv").write_text("id,note\n1,first\n2,\n", encoding="utf-8")
    descriptor = json.loads((valid_copy / "datapackage.json").read_text())
    descriptor["resources"].append(
        {
            "name": "notes",
            "path": "notes.csv",
            "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "note", "type": "string"}]},
        }
    )
    (valid_copy / "datapackage.json").write_text(json.dumps(descriptor))
    pkg = read_camtrapdp(valid_copy)
    assert pkg.resources["notes"]["id"].tolist() == [1, 2]
    assert pkg.report.accounting().set_index("file").loc["notes.csv", "read"] == 2


def test_inline_schema_of_a_core_table_cannot_change_its_types(valid_copy: Path, base: CamtrapDP) -> None:
    descriptor = json.loads((valid_copy / "datapackage.json").read_text())
    media = next(r for r in descriptor["resources"] if r["name"] == "media")
    media["schema"] = {"fields": [{"name": "timestamp", "type": "string"}, {"name": "cameraName", "type": "string"}]}
    (valid_copy / "datapackage.json").write_text(json.dumps(descriptor))
    pkg = read_camtrapdp(valid_copy, validate=False)
    assert str(pkg.media["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert "cameraName" in pkg.media.columns and pkg.media["cameraName"].isna().all()
    pd.testing.assert_series_equal(pkg.media["timestamp"], base.media["timestamp"])


def test_writer_refuses_nul_and_naive_timestamps_and_warns_about_missing_markers(
    base: CamtrapDP, tmp_path: Path
) -> None:
    media = base.media.copy()
    media.loc[media.index[0], "fileName"] = "a\x00b"
    with pytest.raises(CamtrapDPError, match=r"media.csv: column 'fileName' holds a NUL character"):
        write_camtrapdp(CamtrapDP(base.deployments, media, base.observations, base.metadata), tmp_path / "a")
    media = base.media.copy()
    media["timestamp"] = media["timestamp"].dt.tz_localize(None)
    with pytest.raises(CamtrapDPError, match=r"column 'timestamp' holds timestamps without a time zone"):
        write_camtrapdp(CamtrapDP(base.deployments, media, base.observations, base.metadata), tmp_path / "b")
    deployments = base.deployments.copy()
    deployments.loc[deployments.index[0], "locationName"] = "NA"
    with pytest.warns(UserWarning, match=r"deployments.csv: column 'locationName' has 1 value\(s\) such as 'NA'"):
        write_camtrapdp(CamtrapDP(deployments, base.media, base.observations, base.metadata), tmp_path / "c")
    assert pd.isna(read_camtrapdp(tmp_path / "c").deployments["locationName"].iloc[0])


def test_fractions_of_a_second_are_dropped_with_a_warning(base: CamtrapDP, tmp_path: Path) -> None:
    """Camtrap DP's timestamp format has whole seconds: the writer says when it drops a fraction."""
    media = base.media.copy()
    media["timestamp"] = media["timestamp"] + pd.Timedelta(milliseconds=250)
    with pytest.warns(UserWarning, match=r"media.csv: column 'timestamp' has 16 timestamp\(s\) with a fraction"):
        write_camtrapdp(
            CamtrapDP(base.deployments, media, base.observations, base.metadata),
            tmp_path / "p",
            timezone="Europe/Brussels",
        )
    assert "2020-05-30T04:57:37+02:00" in (tmp_path / "p" / "media.csv").read_text()
    pd.testing.assert_series_equal(read_camtrapdp(tmp_path / "p").media["timestamp"], base.media["timestamp"])


def test_carriage_return_in_a_cell_does_not_split_the_row(base: CamtrapDP, tmp_path: Path) -> None:
    deployments = base.deployments.copy()
    deployments.loc[deployments.index[1], "deploymentComments"] = "first line\rsecond line"
    write_camtrapdp(CamtrapDP(deployments, base.media, base.observations, base.metadata), tmp_path / "p")
    again = read_camtrapdp(tmp_path / "p")
    assert again.report.problems == []
    pd.testing.assert_frame_equal(again.deployments, deployments)


# --- catalogs ---------------------------------------------------------------------------------

EXAMPLE_CATALOG = CATALOG_DIR / "camtrap_dp_example.yaml"


def _catalog_copy(folder: Path, change=None, text: str | None = None) -> Path:
    """A copy of the example catalog, changed, in ``folder`` (with the example package beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "catalog.yaml"
    if text is None:
        spec = yaml.safe_load(EXAMPLE_CATALOG.read_text())
        if change:
            change(spec)
        text = yaml.safe_dump(spec)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        "!!python/name:os.system",
        "!!python/module:os",
    ],
)
def test_yaml_tags_that_build_python_objects_are_refused(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    text = EXAMPLE_CATALOG.read_text().replace("version: 2", f"version: 2\nsurprise: {tag.format(marker=marker)}", 1)
    with pytest.raises(CatalogError, match=r"catalog.yaml: refused: .*python"):
        open_catalog(_catalog_copy(tmp_path, text=text))
    assert not marker.exists()


def test_malformed_yaml_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"catalog.yaml: not valid YAML"):
        open_catalog(_catalog_copy(tmp_path, text="version: 2\nentries: [unclosed\n"))
    with pytest.raises(CatalogError, match="not an Intake 2 catalog"):
        open_catalog(_catalog_copy(tmp_path, text="- just\n- a list\n"))


@pytest.mark.parametrize("default", ["env(HOME)", "import(os:system)", "func(os:system)", " pickle64(abc)"])
def test_bare_templates_in_parameter_defaults_are_refused(tmp_path: Path, default: str) -> None:
    """Intake evaluates a parameter default that starts with a template name even without braces."""

    def change(spec):
        spec["user_parameters"]["species"]["default"] = default

    with pytest.raises(CatalogError, match="template that runs code or reads the environment"):
        open_catalog(_catalog_copy(tmp_path, change))


def test_env_template_inside_a_path_is_refused(tmp_path: Path) -> None:
    def change(spec):
        spec["data"]["mica_package"]["kwargs"]["url"] = "{data_dir}/{env(HOME)}"

    with pytest.raises(CatalogError, match="template"):
        open_catalog(_catalog_copy(tmp_path, change))


def test_other_catalog_reads_only_its_own_folder_unless_data_dir_is_given(tmp_path: Path) -> None:
    """A catalog file outside catalogs/ resolves {data_dir} to its own folder, not the project's data/."""
    folder = tmp_path / "elsewhere"
    path = _catalog_copy(folder)
    with pytest.raises(CamtrapDPError, match="not found"):
        open_catalog(path).deployments.read()  # no camtrap-dp-example beside it
    assert len(open_catalog(path, data_dir=DATA_DIR).deployments.read()) == 4  # explicit: allowed
    shutil.copytree(DATA_DIR / "camtrap-dp-example", folder / "camtrap-dp-example")
    assert len(open_catalog(path).deployments.read()) == 4


def test_symbolic_link_out_of_the_catalog_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "catalogs"
    path = _catalog_copy(folder)
    (folder / "camtrap-dp-example").symlink_to(DATA_DIR / "camtrap-dp-example")
    with pytest.raises(CatalogError, match=r"leads to .* outside .*symbolic link"):
        open_catalog(path)


def test_template_in_path_after_its_folder_is_refused(tmp_path: Path) -> None:
    def change(spec):
        spec["data"]["mica_package"]["kwargs"]["url"] = "{data_dir}/{species}"

    with pytest.raises(CatalogError, match="no template or URL after its folder"):
        open_catalog(_catalog_copy(tmp_path, change))


def _leopard_copy(tmp_path: Path, tamper: str | None) -> Path:
    """The default study's habitat and boundary files with its SHA256SUMS, one file changed."""
    source = DATA_DIR / "leopard-study"
    target = tmp_path / "data" / "leopard-study"
    target.mkdir(parents=True)
    for name in ("habitat.nc", "boundary.geojson", "SHA256SUMS"):
        shutil.copy(source / name, target / name)
    if tamper:
        data = bytearray((target / tamper).read_bytes())
        data[len(data) // 2] ^= 0x01
        (target / tamper).write_bytes(bytes(data))
    return target.parent


@pytest.mark.parametrize("entry, file", [("habitat", "habitat.nc"), ("boundary", "boundary.geojson")])
def test_checksum_mismatch_of_habitat_and_boundary_names_the_file(tmp_path: Path, entry: str, file: str) -> None:
    data_dir = _leopard_copy(tmp_path, tamper=file)
    with pytest.raises(ChecksumError, match=rf"{re.escape(file)}: checksum mismatch"):
        open_catalog("leopard", data_dir=data_dir)[entry].read()


def test_untampered_copies_read(tmp_path: Path) -> None:
    data_dir = _leopard_copy(tmp_path, tamper=None)
    catalog = open_catalog("leopard", data_dir=data_dir)
    assert catalog.boundary.read().area > 0
    assert "elevation" in catalog.habitat.read()


def test_broken_geojson_is_a_clear_error(tmp_path: Path) -> None:
    data_dir = _leopard_copy(tmp_path, tamper=None)
    target = data_dir / "leopard-study"
    (target / "boundary.geojson").write_text('{"type": "Polygon", "coordinates": ')
    write_checksums(target, ["habitat.nc", "boundary.geojson"])
    with pytest.raises(ValueError, match=r"boundary.geojson: not a GeoJSON geometry"):
        open_catalog("leopard", data_dir=data_dir).boundary.read()


def test_checksum_file_that_is_malformed(valid_copy: Path) -> None:
    (valid_copy / "SHA256SUMS").write_text("not a checksum line\n")
    with pytest.raises(ChecksumError, match=r"SHA256SUMS: line 1 is not"):
        read_camtrapdp(valid_copy)
