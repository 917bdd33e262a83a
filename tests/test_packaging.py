"""The released package: the wheel and the sdist ``python -m build`` makes, and the wheel installed elsewhere.

* ``test_wheel_contents`` / ``test_sdist_contents``: what each archive carries (the package, the Camtrap DP
  schemas, the catalogs and shipped data sets byte for byte, the licences, the console script, the version).
* ``test_installed_wheel_outside_the_checkout`` (slow): the wheel installed with ``--no-deps`` into a new
  virtual environment in a temporary folder, whose third-party dependencies are the locked ones of this
  environment (a ``.pth`` file naming its site-packages; the checkout itself is not on ``sys.path``), run
  from another temporary folder: both catalogs open, the default study reads in full, the simulators'
  defaults find the study, and the ``nbtools`` console script runs.

The build runs once per session (about 15 s on 2 cores, build requirements from the package index or pip's
cache): ``python -m build`` makes the sdist from the checkout and the wheel from that sdist.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import time
import tomllib
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import nbtools
from nbtools.checksums import read_checksums

ROOT = Path(__file__).resolve().parents[1]
NAME = "leopard_nbtools"
SHIPPED_DATA = ("leopard-study", "leopard-years", "camtrap-dp-example")
CATALOGS = ("leopard.yaml", "leopard_years.yaml", "camtrap_dp_example.yaml", "large.yaml")
#: A wheel this size or more carries something it should not (the default study is about 9.5 MB, the multi-year
#: study about 19 MB).
MAX_WHEEL_MB = 35


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel of the checkout, built once by ``python -m build``."""
    out = tmp_path_factory.mktemp("dist")
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    print(f"\npython -m build: sdist and wheel in {time.perf_counter() - started:.1f} s")
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _package_modules() -> set[str]:
    """Every module of the package in the checkout (folders with an ``__init__.py``, caches left out)."""
    modules = set()
    for path in (ROOT / "nbtools").rglob("*.py"):
        relative = path.relative_to(ROOT)
        if "__pycache__" in relative.parts or any(
            not (ROOT.joinpath(*relative.parts[:i]) / "__init__.py").is_file() for i in range(1, len(relative.parts))
        ):
            continue
        modules.add(relative.as_posix())
    return modules


def test_version_is_written_once() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nbtools.__version__"}
    import yaml

    assert yaml.safe_load((ROOT / "CITATION.cff").read_text())["version"] == nbtools.__version__
    assert f"## [{nbtools.__version__}]" in (ROOT / "CHANGELOG.md").read_text()


def test_wheel_contents(dist: dict[str, Path]) -> None:
    wheel = dist["wheel"]
    assert wheel.name == f"{NAME}-{nbtools.__version__}-py3-none-any.whl"
    size_mb = wheel.stat().st_size / 1e6
    print(f"wheel: {wheel.name}, {size_mb:.1f} MB")
    assert size_mb < MAX_WHEEL_MB
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        read = archive.read
        info = f"{NAME}-{nbtools.__version__}.dist-info"

        # only the package and its metadata: no tests, notebooks, benchmarks or repository folders
        assert {name.split("/")[0] for name in names} == {"nbtools", info}
        assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
        missing = _package_modules() - names
        assert not missing, f"modules left out of the wheel: {sorted(missing)}"

        # the Camtrap DP schemas, as in the checkout
        schemas = sorted(
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / "nbtools/camtrapdp/schemas").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        )
        assert len([s for s in schemas if s.endswith(".json")]) == 12
        for name in schemas:
            assert read(name) == (ROOT / name).read_bytes(), name

        # the catalogs and the shipped data sets, byte for byte, at the same places relative to each other
        for catalog in CATALOGS:
            assert read(f"nbtools/share/catalogs/{catalog}") == (ROOT / "catalogs" / catalog).read_bytes()
        for folder in SHIPPED_DATA:
            recorded = read_checksums(ROOT / "data" / folder)
            assert recorded, folder
            shipped = {
                n.removeprefix(f"nbtools/share/data/{folder}/")
                for n in names
                if n.startswith(f"nbtools/share/data/{folder}/")
            }
            extra = {"SHA256SUMS"} | ({"README.md"} if (ROOT / "data" / folder / "README.md").is_file() else set())
            assert shipped == set(recorded) | extra, folder
            for file, digest in recorded.items():
                assert _sha256(read(f"nbtools/share/data/{folder}/{file}")) == digest, (folder, file)
        assert not [
            n
            for n in names
            if n.startswith("nbtools/share/data/") and n.split("/")[3] not in (*SHIPPED_DATA, "LICENSES.md")
        ], "unexpected data in the wheel"

        # the licences: the code's, and every shipped data set's (LICENSES.md names each; the example's README)
        licences = read("nbtools/share/data/LICENSES.md").decode()
        assert read(f"{info}/licenses/data/LICENSES.md").decode() == licences
        for folder in SHIPPED_DATA:
            assert f"`{folder}/`" in licences
        assert "CC0-1.0" in read("nbtools/share/data/camtrap-dp-example/README.md").decode()
        assert read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        assert read(f"{info}/licenses/nbtools/camtrapdp/schemas/LICENSE").startswith(b"MIT License")

        # metadata: the version of nbtools/__init__.py, the SPDX licence, the console script, the Intake readers
        metadata = Parser().parsestr(read(f"{info}/METADATA").decode())
        assert metadata["Name"] == "leopard-nbtools" and metadata["Version"] == nbtools.__version__
        assert metadata["License-Expression"] == "MIT"
        assert any(r.startswith("intake") for r in metadata.get_all("Requires-Dist"))
        entry_points = read(f"{info}/entry_points.txt").decode()
        assert "[console_scripts]\nnbtools = nbtools.cli:main" in entry_points
        assert "[intake.imports]\nnbtools = nbtools.readers" in entry_points


def test_sdist_contents(dist: dict[str, Path]) -> None:
    sdist = dist["sdist"]
    top = f"{NAME}-{nbtools.__version__}"
    assert sdist.name == f"{top}.tar.gz"
    print(f"sdist: {sdist.name}, {sdist.stat().st_size / 1e6:.1f} MB")
    with tarfile.open(sdist) as archive:
        names = {member.name.removeprefix(f"{top}/") for member in archive.getmembers() if member.isfile()}
        pkg_info = Parser().parsestr(archive.extractfile(f"{top}/PKG-INFO").read().decode())
    root_files = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "CHANGELOG.md", "CITATION.cff")
    for name in (*root_files, "data/LICENSES.md", *(f"catalogs/{c}" for c in CATALOGS)):
        assert name in names, name
    for folder in SHIPPED_DATA:
        for file in [*read_checksums(ROOT / "data" / folder), "SHA256SUMS"]:
            assert f"data/{folder}/{file}" in names, (folder, file)
    assert _package_modules() <= names
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "data/large/", "data/megadetector"))]
    assert pkg_info["Version"] == nbtools.__version__


INSTALLED_CHECK = r"""
import json, sys, time
from pathlib import Path

checkout = Path(sys.argv[1])
started = time.perf_counter()
import intake
import nbtools
from nbtools.catalog import CATALOG_DIR, DATA_DIR, open_catalog

result = {"file": nbtools.__file__, "version": nbtools.__version__, "sys_path": sys.path,
          "catalog_dir": str(CATALOG_DIR), "data_dir": str(DATA_DIR)}
leopard = open_catalog("leopard")
result["leopard"] = {name: len(leopard[name].read()) for name in ("deployments", "media", "observations", "individuals")}
result["habitat"] = sorted(leopard.habitat.read().data_vars)
result["boundary"] = leopard.boundary.read().geom_type
result["leopards"] = len(leopard(species="Panthera pardus orientalis").observations.read())
result["years_deployments"] = len(open_catalog("leopard_years").deployments.read())
example = open_catalog("camtrap_dp_example")
result["example"] = {name: len(example[name].read()) for name in ("deployments", "media", "observations")}
plain = intake.from_yaml_file(str(CATALOG_DIR / "leopard.yaml"))
result["plain_observations"] = len(plain.observations.read())
try:
    open_catalog("large").detections.read()
except FileNotFoundError as error:
    result["large"] = str(error)

from nbtools.simulate.large import study_profile
from nbtools.simulate.tracks import simulate_collar_tracks

result["tracks"] = len(simulate_collar_tracks(n_collars=1, days=1, progress=False))
result["profile_species"] = len(study_profile().species)  # the default study, found by large.py
result["seconds"] = time.perf_counter() - started
print(json.dumps(result))
"""


@pytest.mark.slow
def test_installed_wheel_outside_the_checkout(dist: dict[str, Path], tmp_path: Path) -> None:
    """``pip install --no-deps`` of the wheel into a new venv; run there from a folder outside the checkout."""
    started = time.perf_counter()
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The locked third-party dependencies: this environment's site-packages, after the new venv's own. A path in
    # a .pth file is only appended to sys.path; the .pth files inside it (our editable install) are not read.
    locked = Path(sysconfig.get_paths()["purelib"])
    (site_packages / "_locked_dependencies.pth").write_text(f"{locked}\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    install = subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--disable-pip-version-check", "--quiet", str(dist["wheel"])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    installed = time.perf_counter() - started

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    run = subprocess.run(
        [str(python), "-I", "-c", INSTALLED_CHECK, str(ROOT)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    print(
        f"\nvenv + install {installed:.1f} s; catalogs, study and simulators in the new venv {result['seconds']:.1f} s"
    )

    # nbtools, its catalogs and data come from the new venv; the checkout is not on sys.path
    assert Path(result["file"]).is_relative_to(site_packages), result["file"]
    assert Path(result["catalog_dir"]) == site_packages / "nbtools" / "share" / "catalogs"
    assert Path(result["data_dir"]) == site_packages / "nbtools" / "share" / "data"
    on_path = [Path(p) for p in result["sys_path"] if p]
    assert not [p for p in on_path if p == ROOT or (p.is_relative_to(ROOT) and not p.is_relative_to(ROOT / ".venv"))]
    assert result["version"] == nbtools.__version__

    assert result["leopard"] == {"deployments": 1317, "media": 157_933, "observations": 194_396, "individuals": 110}
    assert result["plain_observations"] == 194_396
    assert result["leopards"] > 0 and result["boundary"] == "Polygon" and "forest_cover" in result["habitat"]
    # the multi-year study opens from the wheel too, with the checkout's deployments
    from nbtools.catalog import open_catalog

    assert result["years_deployments"] == len(open_catalog("leopard_years").deployments.read()) > 0
    assert result["example"] == {"deployments": 4, "media": 423, "observations": 549}
    assert "make data-large" in result["large"]
    assert result["tracks"] > 0 and result["profile_species"] > 5

    # the console script of the new venv
    for args, expected in (
        (["--version"], f"nbtools (leopard-nbtools) {nbtools.__version__}"),
        (["validate", str(site_packages / "nbtools/share/data/camtrap-dp-example")], ""),
    ):
        script = subprocess.run(
            [str(env_dir / "bin" / "nbtools"), *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert script.returncode == 0, script.stdout + script.stderr
        assert expected in script.stdout
