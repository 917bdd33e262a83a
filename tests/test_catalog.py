"""The project's Intake catalogs: entries load typed data; unsafe catalogs are refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from nbtools.catalog import CATALOG_DIR, CatalogError, open_catalog
from nbtools.study import Study

EXAMPLE_CATALOG = CATALOG_DIR / "camtrap_dp_example.yaml"


@pytest.fixture(scope="module")
def example_catalog():
    return open_catalog("camtrap_dp_example")


def test_example_catalog_lists_its_entries(example_catalog) -> None:
    assert list(example_catalog) == ["deployments", "media", "observations", "individuals"]
    for name in example_catalog:
        assert example_catalog[name].metadata.get("description"), name


def test_example_entries_load_typed_tables(example_catalog) -> None:
    deployments = example_catalog.deployments.read()
    observations = example_catalog.observations.read()
    media = example_catalog.media.read()
    assert (len(deployments), len(media), len(observations)) == (4, 423, 549)
    assert str(deployments["deploymentStart"].dtype) == "datetime64[ns, UTC]"
    assert str(media["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(observations["observationLevel"].dtype, pd.CategoricalDtype)
    assert str(observations["count"].dtype) == "Int64"
    assert example_catalog.individuals.read()["individualName"].tolist() == ["Reinaert"]


def test_species_and_period_parameters(example_catalog) -> None:
    foxes = example_catalog(species="Vulpes vulpes").observations.read()
    assert len(foxes) == 7 and set(foxes["scientificName"]) == {"Vulpes vulpes"}
    june = example_catalog(start="2020-06-01", end="2020-07-01")
    media = june.media.read()
    local = media["timestamp"].dt.tz_convert("Europe/Brussels")
    assert len(media) == 153
    assert local.min() >= pd.Timestamp("2020-06-01", tz="Europe/Brussels")
    assert local.max() < pd.Timestamp("2020-07-01", tz="Europe/Brussels")
    assert len(june.deployments.read()) == 2


def test_study_from_catalog(example_catalog) -> None:
    study = Study.from_catalog(example_catalog)
    assert study.crs == "EPSG:32631" and study.timezone == "Europe/Brussels"
    assert study.deployments[["x", "y"]].notna().all().all()
    # 51.496 N 4.774 E lies about 623 km east and 5706 km north in UTM 31N.
    first = study.deployments.iloc[0]
    assert first["x"] == pytest.approx(623_145, abs=5) and first["y"] == pytest.approx(5_706_476, abs=5)


def test_catalog_opens_from_any_working_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert len(open_catalog("camtrap_dp_example").deployments.read()) == 4


def test_unknown_catalog_name() -> None:
    with pytest.raises(CatalogError, match="camtrap_dp_example"):
        open_catalog("no-such-catalog")


def _hostile(tmp_path: Path, change) -> Path:
    spec = yaml.safe_load(EXAMPLE_CATALOG.read_text())
    change(spec)
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_catalog_naming_code_is_refused_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    def change(spec):
        spec["entries"]["deployments"]["reader"] = "os:system"
        spec["entries"]["deployments"]["kwargs"] = {"args": [f"touch {marker}"]}

    path = _hostile(tmp_path, change)
    with pytest.raises(CatalogError, match="entries.deployments.reader names 'os:system'"):
        open_catalog(path).deployments.read()
    assert not marker.exists()


def test_import_template_is_refused(tmp_path: Path) -> None:
    def change(spec):
        spec["entries"]["media"]["kwargs"]["table"] = "{import(os:system)}"

    with pytest.raises(CatalogError, match="template that runs code"):
        open_catalog(_hostile(tmp_path, change))


@pytest.mark.parametrize(
    "url", ["{CATALOG_DIR}/../../etc", "/etc/passwd", "{data_dir}/../secrets", "https://example.org/x"]
)
def test_paths_cannot_leave_their_folder(tmp_path: Path, url: str) -> None:
    def change(spec):
        spec["data"]["mica_package"]["kwargs"]["url"] = url

    with pytest.raises(CatalogError, match="path"):
        open_catalog(_hostile(tmp_path, change))


# --- plain Intake: the catalogs open without nbtools' open_catalog ---------------------------------


def _same(a, b, where: str) -> None:
    import xarray as xr

    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=where)
    elif isinstance(a, xr.Dataset):
        xr.testing.assert_identical(a, b)
    else:  # the boundary: a shapely geometry
        assert a.equals_exact(b, tolerance=0), where


@pytest.mark.parametrize(
    "name, parameters",
    [
        ("camtrap_dp_example", {}),
        ("camtrap_dp_example", {"species": "Vulpes vulpes", "start": "2020-06-01"}),
        ("leopard", {}),
        ("leopard", {"species": "Panthera pardus orientalis", "end": "2017-01-01"}),
    ],
)
def test_plain_intake_reads_what_open_catalog_reads(name: str, parameters: dict, tmp_path: Path, monkeypatch) -> None:
    """``intake.from_yaml_file`` alone reads every entry (paths relative to the catalog), as open_catalog does."""
    import intake

    monkeypatch.chdir(tmp_path)  # paths come from the catalog's folder, not the working directory
    plain = intake.from_yaml_file(str(CATALOG_DIR / f"{name}.yaml"))
    checked = open_catalog(name)
    if parameters:
        plain, checked = plain(**parameters), checked(**parameters)
    assert list(plain) == list(checked)
    for entry in checked:
        _same(checked[entry].read(), plain[entry].read(), f"{name}.{entry}")
    if name == "leopard" and not parameters:
        assert len(plain.observations.read()) == 194_396


def test_catalog_paths_are_relative_to_the_catalog_file() -> None:
    """Every path of the project's catalogs is the data folder beside catalogs/ ({CATALOG_DIR}/../data/)."""
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        urls = [description["kwargs"]["url"] for description in spec["data"].values()]
        assert urls and all(url.startswith("{CATALOG_DIR}/../data/") for url in urls), (path.name, urls)
        assert "data_dir" not in spec["user_parameters"], path.name  # open_catalog sets it; Intake needs none


@pytest.mark.parametrize(
    "url",
    [
        "{CATALOG_DIR}/../data/../../etc",
        "{CATALOG_DIR}/../data/x/../../../etc",
        "{CATALOG_DIR}/../other/x",
        "{CATALOG_DIR}/../data/{species}",
    ],
)
def test_data_folder_prefix_cannot_leave_its_folder(tmp_path: Path, url: str) -> None:
    def change(spec):
        spec["data"]["mica_package"]["kwargs"]["url"] = url

    with pytest.raises(CatalogError, match="path"):
        open_catalog(_hostile(tmp_path, change))
