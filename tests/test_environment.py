"""The environment files agree with each other.

Three files describe the same environment:

* ``pyproject.toml``: the direct dependencies with their allowed ranges (runtime + ``test`` extra);
* ``binder/requirements.txt``: the lock, ``==`` pins of everything installed (``make lock``); it is
  what ``make test``, CI and Binder install;
* ``environment.yml``: the same direct dependencies for conda users, at exactly the lock's versions.

Names are compared after PEP 503 normalisation. Where conda-forge differs from PyPI, the mapping is
``CONDA_NAMES`` below; direct dependencies that conda users get from PyPI instead (``pip:`` section
of environment.yml, pinned ``==``) are listed in ``PIP_ONLY``.

The checks are functions returning a list of problems, so the tests at the bottom can show that each
check does fail on a broken input.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "binder" / "requirements.txt"
ENVIRONMENT = ROOT / "environment.yml"
BINDER = ROOT / "binder"

# PyPI name (PEP 503-normalised) -> conda-forge name, only where they differ.
# (dask[dataframe] needs no entry: extras are dropped and conda-forge's `dask` includes dataframe.)
CONDA_NAMES = {"jupyter-bokeh": "jupyter_bokeh", "build": "python-build"}
# Direct dependencies that environment.yml installs from PyPI (its `pip:` section, pinned `==`):
# playwright is `playwright-python` on conda-forge and lags behind the PyPI release we lock;
# repo2docker (used only by the `--no-build` check of binder/) is tested as PyPI ships it.
PIP_ONLY = {"playwright", "jupyter-repo2docker"}
# Conda entries of environment.yml that are not pyproject dependencies.
CONDA_EXTRAS = {"python", "pip"}

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)$")
CONDA_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:=(?P<version>[^=\s]+))?$")


# --------------------------------------------------------------------------------------------
# readers


def direct_requirements(pyproject_text: str) -> list[Requirement]:
    """Runtime dependencies and the `test` extra of pyproject.toml."""
    project = tomllib.loads(pyproject_text)["project"]
    deps = project["dependencies"] + project.get("optional-dependencies", {}).get("test", [])
    return [Requirement(d) for d in deps]


def parse_lock(text: str) -> tuple[dict[str, str], list[str]]:
    """`{normalised name: version}` of the lock, and the problems found reading it."""
    pins: dict[str, str] = {}
    problems = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        if match is None:
            problems.append(f"line {number} is not a name==version pin: {raw!r}")
            continue
        name = canonicalize_name(match["name"])
        if name in pins:
            problems.append(f"line {number}: {name} is pinned twice")
        pins[name] = match["version"]
    return pins, problems


def read_lock() -> dict[str, str]:
    pins, problems = parse_lock(LOCK.read_text())
    assert not problems, problems
    return pins


def conda_name(name: str) -> str:
    return CONDA_NAMES.get(canonicalize_name(name), canonicalize_name(name))


# --------------------------------------------------------------------------------------------
# checks (each returns a list of problems; empty = fine)


def check_lock_file(text: str) -> list[str]:
    pins, problems = parse_lock(text)
    if not pins:
        problems.append("the lock pins nothing")
    if "leopard-nbtools" in pins:
        problems.append("the lock pins our own package (install it with `pip install --no-deps -e .`)")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    if "make lock" not in header:
        problems.append("the lock's header does not say it is made by `make lock`")
    return problems


def check_direct_dependencies_locked(requirements: list[Requirement], lock: dict[str, str]) -> list[str]:
    problems = []
    for req in requirements:
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name not in lock:
            problems.append(f"{req} is not in the lock")
        elif not req.specifier.contains(Version(lock[name]), prereleases=True):
            problems.append(f"the lock pins {name}=={lock[name]}, outside pyproject's {req}")
    return problems


def check_environment_yml(env_text: str, requirements: list[Requirement], lock: dict[str, str]) -> list[str]:
    env = yaml.safe_load(env_text)
    problems = []
    if "conda-forge" not in env.get("channels", []) or env["channels"][0] != "conda-forge":
        problems.append(f"channels must start with conda-forge, got {env.get('channels')}")
    if set(env.get("channels", [])) - {"conda-forge", "nodefaults"}:
        problems.append(f"only conda-forge (and nodefaults) may be channels, got {env['channels']}")

    conda: dict[str, str | None] = {}
    pip_lines: list[str] = []
    for item in env.get("dependencies", []):
        if isinstance(item, dict):
            pip_lines += item.get("pip", [])
            continue
        match = CONDA_PIN.match(str(item).strip())
        if match is None:
            problems.append(f"environment.yml: {item!r} is not `name` or `name=version`")
            continue
        conda[match["name"].lower()] = match["version"]

    if conda.get("python") != "3.11":
        problems.append(f"environment.yml must pin python=3.11, got {conda.get('python')!r}")
    if "pip" not in conda:
        problems.append("environment.yml must list pip (it has a pip: section)")
    if "-e ." not in [line.strip() for line in pip_lines]:
        problems.append("environment.yml's pip: section must install the package with `-e .`")

    names = [canonicalize_name(r.name) for r in requirements]
    expected_conda = {conda_name(n): lock.get(n) for n in names if n not in PIP_ONLY}
    expected_pip = {n: lock.get(n) for n in names if n in PIP_ONLY}
    actual_conda = {k: v for k, v in conda.items() if k not in CONDA_EXTRAS}
    actual_pip: dict[str, str | None] = {}
    for line in pip_lines:
        line = line.strip()
        if line == "-e .":
            continue
        match = PIN.match(line)
        if match is None:
            problems.append(f"environment.yml pip: {line!r} is not a name==version pin")
            continue
        actual_pip[canonicalize_name(match["name"])] = match["version"]

    for where, expected, actual, sep in (
        ("conda", expected_conda, actual_conda, "="),
        ("pip:", expected_pip, actual_pip, "=="),
    ):
        for name in sorted(expected.keys() - actual.keys()):
            problems.append(f"environment.yml ({where}) lacks {name}{sep}{expected[name]}")
        for name in sorted(actual.keys() - expected.keys()):
            problems.append(f"environment.yml ({where}) lists {name}, which is not a direct dependency")
        for name in sorted(expected.keys() & actual.keys()):
            if expected[name] != actual[name]:
                problems.append(
                    f"environment.yml ({where}) has {name}{sep}{actual[name]}, the lock has {expected[name]}"
                )
    return problems


def check_lock_closure(requirements: list[Requirement], lock: dict[str, str]) -> tuple[list[str], list[str]]:
    """Walk the dependency tree from pyproject through the metadata of the installed packages.

    Returns (problems, unchecked): problems are locked packages whose requirements are missing from
    the lock or not satisfied by it, and locked packages no dependency needs; unchecked are packages
    whose metadata could not be read at the locked version (not installed, or another version).
    """
    problems, unchecked = [], []
    needed: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, Requirement]] = [("pyproject.toml", r) for r in requirements]
    while todo:
        parent, req = todo.pop()
        name = canonicalize_name(req.name)
        needed.add(name)
        if name not in lock:
            problems.append(f"{parent} needs {req}, which is not in the lock")
            continue
        if not req.specifier.contains(Version(lock[name]), prereleases=True):
            problems.append(f"{parent} needs {req}, the lock pins {lock[name]}")
        key = (name, frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            unchecked.append(name)
            continue
        if Version(dist.version) != Version(lock[name]):
            unchecked.append(name)
            continue
        extras = [""] + sorted(req.extras)
        for line in dist.requires or []:
            sub = Requirement(line)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras):
                todo.append((f"{name}=={lock[name]}", sub))
    if not unchecked:
        problems += [f"the lock pins {name}, which nothing needs" for name in sorted(lock.keys() - needed)]
    return problems, sorted(set(unchecked))


# --------------------------------------------------------------------------------------------
# tests of the project's files


def test_lock_holds_only_exact_pins():
    assert not check_lock_file(LOCK.read_text())


def test_every_pyproject_dependency_is_locked_within_its_range():
    problems = check_direct_dependencies_locked(direct_requirements(PYPROJECT.read_text()), read_lock())
    assert not problems, "\n".join(problems + ["run `make lock`"])


def test_environment_yml_pins_direct_dependencies_at_lock_versions():
    requirements = direct_requirements(PYPROJECT.read_text())
    problems = check_environment_yml(ENVIRONMENT.read_text(), requirements, read_lock())
    assert not problems, "\n".join(problems)


def test_lock_is_closed_under_dependencies():
    """Every requirement of every locked package is locked too (read from installed metadata)."""
    lock = read_lock()
    problems, unchecked = check_lock_closure(direct_requirements(PYPROJECT.read_text()), lock)
    assert not problems, "\n".join(problems)
    if len(unchecked) == len(lock):
        pytest.skip("no locked package is installed at its locked version here")


@pytest.mark.skipif(
    Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(), reason="runs inside the repo's .venv only"
)
def test_repo_venv_matches_the_lock():
    """`make test` installs the lock into .venv; a stale venv would test other versions."""
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    wrong = {n: (v, installed.get(n)) for n, v in read_lock().items() if installed.get(n) != v}
    assert not wrong, f"locked vs installed: {wrong}; rebuild it: `rm -rf .venv && make test`"


def test_binder_has_what_repo2docker_reads():
    assert LOCK.is_file() and read_lock()
    assert not any(line.lstrip().startswith("-e") for line in LOCK.read_text().splitlines()), (
        "binder/postBuild installs the package; the lock must not"
    )
    # With binder/environment.yml present, repo2docker would build a conda env and ignore the lock.
    for ignored in ("environment.yml", "Pipfile", "Pipfile.lock", "setup.py"):
        assert not (BINDER / ignored).exists(), f"binder/{ignored} would change what Binder installs"

    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == "python-3.11"
    requires_python = SpecifierSet(tomllib.loads(PYPROJECT.read_text())["project"]["requires-python"])
    assert requires_python.contains(runtime.removeprefix("python-") + ".0")
    assert "Python 3.11." in LOCK.read_text(), "the lock was not resolved on the Python of runtime.txt"

    post_build = BINDER / "postBuild"
    assert post_build.is_file() and os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    text = post_build.read_text()
    assert text.startswith("#!"), "binder/postBuild needs a shebang line"
    assert "set -euo pipefail" in text
    assert "pip install" in text and "--no-deps -e ." in text
    assert "overrides.json" in text and '"fetchNews": "false"' in text
    subprocess.run(["bash", "-n", str(post_build)], check=True)


def test_repo2docker_reads_the_lock_and_post_build():
    """What Binder would build: repo2docker's Dockerfile for this repository (``--no-build``, no docker needed)."""
    repo2docker = Path(sys.executable).parent / "repo2docker"
    assert repo2docker.is_file(), (
        "repo2docker is in the lock ([test] extra); rebuild .venv: `rm -rf .venv && make test`"
    )
    run = subprocess.run(
        [str(repo2docker), "--no-build", "--user-id", "1000", "--user-name", "jovyan", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    dockerfile, log = run.stdout, run.stderr
    assert "python=3.11" in log, log  # runtime.txt's Python
    assert "COPY --chown=1000:1000 src/binder/requirements.txt ${REPO_DIR}/binder/requirements.txt" in dockerfile
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile  # the lock, nothing else
    assert "RUN ./binder/postBuild" in dockerfile  # installs our package with --no-deps
    # binder/ wins over the files at the root: the conda environment.yml there is not what Binder installs.
    assert "src/environment.yml" not in dockerfile and "src/pyproject.toml" not in dockerfile


# --------------------------------------------------------------------------------------------
# the checks fail on broken inputs

REQS = [Requirement("dask[dataframe]>=2025.1"), Requirement("jupyter_bokeh>=4.0"), Requirement("playwright>=1.48")]
GOOD_LOCK = {"dask": "2026.8.0", "jupyter-bokeh": "4.1.0", "playwright": "1.65.2"}
GOOD_ENV = """
channels: [conda-forge]
dependencies:
  - python=3.11
  - pip
  - dask=2026.8.0
  - jupyter_bokeh=4.1.0
  - pip:
      - playwright==1.65.2
      - -e .
"""


def test_checks_accept_consistent_inputs():
    assert check_direct_dependencies_locked(REQS, GOOD_LOCK) == []
    assert check_environment_yml(GOOD_ENV, REQS, GOOD_LOCK) == []
    assert check_lock_file("# made by `make lock`\nDask==2026.8.0\njupyter_bokeh==4.1.0\n") == []


@pytest.mark.parametrize(
    "lock, fragment",
    [
        ({"dask": "2024.12.0", "jupyter-bokeh": "4.1.0", "playwright": "1.65.2"}, "outside pyproject"),
        ({"dask": "2026.8.0", "playwright": "1.65.2"}, "jupyter_bokeh>=4.0 is not in the lock"),
    ],
)
def test_lock_check_fails_on_bad_lock(lock, fragment):
    assert any(fragment in p for p in check_direct_dependencies_locked(REQS, lock))


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("# make lock\nnumpy>=2\n", "not a name==version pin"),
        ("# make lock\nnumpy==2.4.6\nNumPy==2.4.5\n", "pinned twice"),
        ("# make lock\nleopard_nbtools==0.1.0\n", "our own package"),
        ("numpy==2.4.6\n", "make lock"),
    ],
)
def test_lock_file_check_fails_on_bad_lock_file(text, fragment):
    assert any(fragment in p for p in check_lock_file(text))


@pytest.mark.parametrize(
    "old, new, fragment",
    [
        ("dask=2026.8.0", "dask=2026.7.0", "the lock has 2026.8.0"),
        ("  - jupyter_bokeh=4.1.0\n", "", "lacks jupyter_bokeh=4.1.0"),
        ("jupyter_bokeh=4.1.0", "jupyter-bokeh=4.1.0", "lists jupyter-bokeh"),
        ("playwright==1.65.2", "playwright==1.64.0", "playwright==1.64.0, the lock has 1.65.2"),
        ("      - -e .\n", "", "-e ."),
        ("python=3.11", "python=3.12", "python=3.11"),
        ("[conda-forge]", "[defaults, conda-forge]", "channels"),
        ("  - pip\n", "  - pip\n  - pandas=3.1.1\n", "pandas, which is not a direct dependency"),
    ],
)
def test_environment_check_fails_on_bad_environment(old, new, fragment):
    assert old in GOOD_ENV
    problems = check_environment_yml(GOOD_ENV.replace(old, new), REQS, GOOD_LOCK)
    assert any(fragment in p for p in problems), problems


def test_closure_check_finds_missing_packages():
    """pytest needs pluggy (and more): a lock of pytest alone is not closed."""
    lock = {"pytest": metadata.version("pytest")}
    problems, _ = check_lock_closure([Requirement("pytest")], lock)
    assert any("pluggy" in p and "not in the lock" in p for p in problems), problems


def test_closure_check_finds_unneeded_packages():
    requirements, lock = direct_requirements(PYPROJECT.read_text()), read_lock()
    problems, unchecked = check_lock_closure(requirements, {**lock, "leftover-package": "1.0"})
    if unchecked:
        pytest.skip("needs every locked package installed at its locked version (make test's .venv)")
    assert problems == ["the lock pins leftover-package, which nothing needs"], problems
