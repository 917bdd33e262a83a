"""The documentation site builds (``make docs-quick``) with warnings as errors, and has the pages it promises.

The quick build renders the notebooks without executing them (``NBTOOLS_DOCS_EXECUTE=off``); ``make docs``
executes them (about 10 minutes, like ``make report``) and is not run here. The build goes to a temporary
folder; autosummary's API stubs go to ``docs/api/generated/`` (git-ignored), as in ``make docs``. Marked
``slow`` (the build takes 60-90 s on a 2-core machine).
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"

pytest.importorskip("sphinx", reason="the docs dependencies ([docs] or [test] extra) are not installed")
pytest.importorskip("myst_nb")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")

# The build takes 60-90 s on a 2-core machine: a slow test (it still runs in `make test`).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built as `make docs-quick` builds it, into a temporary folder."""
    out = tmp_path_factory.mktemp("docs") / "html"
    env = {**os.environ, "NBTOOLS_DOCS_EXECUTE": "off"}
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-c", "docs", ".", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - start
    assert run.returncode == 0, f"sphinx failed after {seconds:.0f} s:\n{run.stderr[-6000:]}"
    assert "WARNING" not in run.stderr, run.stderr
    print(f"\ndocs quick build: {seconds:.0f} s, {len(list(out.rglob('*.html')))} pages")
    return out


def _site_notebooks() -> list[Path]:
    """The notebooks the site shows: the numbered ones, the workshop's solutions and the paper."""
    numbered = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    solutions = sorted((NOTEBOOKS / "workshop" / "solutions").glob("*.ipynb"))
    paper = sorted((NOTEBOOKS / "paper").glob("*.ipynb"))
    assert len(numbered) >= 10 and solutions and paper
    return numbered + solutions + paper


def _binder_base() -> str:
    badge = re.search(r"\((https://mybinder\.org/v2/gh/[^?)]+)\?labpath=", (ROOT / "README.md").read_text())
    assert badge is not None, "README.md lost its Binder badge"
    return badge[1]


def test_every_notebook_has_a_page_with_a_binder_link(site: Path):
    base = _binder_base()
    for notebook in _site_notebooks():
        relative = notebook.relative_to(ROOT)
        page = site / relative.with_suffix(".html")
        assert page.is_file(), f"{relative} has no page"
        html = page.read_text(encoding="utf-8")
        link = f"{base}?labpath={quote(relative.as_posix(), safe='')}"
        assert f'href="{link}"' in html, f"{page.name}: no Binder link to {link}"


def test_exercises_are_left_out_and_the_teacher_guide_is_in(site: Path):
    assert not (site / "notebooks" / "workshop" / "exercises").exists()
    assert (site / "notebooks" / "workshop" / "TEACHER_GUIDE.html").is_file()
    assert (site / "notebooks" / "workshop" / "README.html").is_file()
    # pages that are not notebooks carry no Binder link
    assert "binder-link" not in (site / "docs" / "getting_started.html").read_text(encoding="utf-8")


def test_readme_sections_are_included_not_copied(site: Path):
    getting_started = (site / "docs" / "getting_started.html").read_text(encoding="utf-8")
    for text in (
        "starts JupyterLab on",
        "runs all the tests with pytest",
        "Your own data: Agouti, GBIF, Wildlife Insights, camtrapR, MegaDetector",
        "read_wildlife_insights",
    ):
        assert text in getting_started, text
    benchmarks = (site / "docs" / "benchmarks.html").read_text(encoding="utf-8")
    assert "read_memory.py" in benchmarks and "M rows/s" in benchmarks
    # one source: the docs' Markdown pages hold the include, not a copy of the README's text
    for page in ("getting_started.md", "benchmarks.md"):
        text = (DOCS / page).read_text()
        assert "{include} ../README.md" in text and "Land of the Leopard" not in text


def test_user_guide_has_a_page_per_analysis_naming_r_functions(site: Path):
    guide = DOCS / "user_guide"
    pages = {p.stem for p in guide.glob("*.md")} - {"index"}
    assert pages >= {
        "events",
        "effort",
        "indices",
        "quality",
        "activity",
        "occupancy",
        "secr",
        "maps",
        "widgets",
        "interop",
        "camtrapdp",
    }, pages
    for name in pages:
        html = (site / "docs" / "user_guide" / f"{name}.html").read_text(encoding="utf-8")
        assert "api/generated/nbtools." in html, f"user guide {name}: no link into the API reference"


def _documented_modules() -> list[str]:
    text = (DOCS / "api" / "index.md").read_text()
    return re.findall(r"^   (nbtools[\w.]*)$", text, flags=re.M)


def test_api_reference_has_a_page_for_every_export(site: Path):
    modules = _documented_modules()
    assert {"nbtools.events", "nbtools.secr", "nbtools.camtrapdp", "nbtools.widgets"} <= set(modules)
    generated = site / "docs" / "api" / "generated"
    missing = []
    for name in modules:
        module = importlib.import_module(name)
        assert (generated / f"{name}.html").is_file(), name
        for export in getattr(module, "__all__", []):
            if not (generated / f"{name}.{export}.html").is_file():
                missing.append(f"{name}.{export}")
    assert not missing, f"no API page for {missing}"
    # cross-links: a See Also / :func: reference becomes a link to the other function's page
    html = (generated / "nbtools.indices.relative_abundance.html").read_text(encoding="utf-8")
    body = html[html.index("<article") : html.index("</article>")]
    assert 'href="nbtools.effort.camera_operation.html#nbtools.effort.camera_operation"' in body


def test_make_has_the_docs_targets():
    run = subprocess.run(["make", "-n", "docs", "docs-quick"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "NBTOOLS_DOCS_EXECUTE=cache" in run.stdout and "NBTOOLS_DOCS_EXECUTE=off" in run.stdout
    assert "-W --keep-going" in run.stdout


def test_the_widget_manager_is_served_with_the_site(site: Path):
    """The explorers' saved state is drawn without a CDN: the scripts myst-nb loads are in the site's _static."""
    import ast  # docs/conf.py is read, not imported (importing it would empty docs/api/generated)

    tree = ast.parse((ROOT / "docs" / "conf.py").read_text())
    (scripts,) = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "nb_ipywidgets_js"
    ]
    assert scripts
    for script in scripts:
        assert (site / "_static" / script).is_file(), script
        assert not script.startswith(("http:", "https:")), script
    assert (site / "_static" / "widgets" / "jupyter_bokeh.js").is_file()
