"""Sphinx configuration of the leopard-nbtools documentation (``make docs``, ``make docs-quick``).

The source directory is the repository itself (``sphinx -c docs . docs/_build/html``), so that the notebooks
are rendered, and executed, where they live (``notebooks/``, with their relative paths to ``data/`` and
``reports/``) and the README's sections are included from the README: one source for each. Only ``docs/``
and ``notebooks/`` are read (``include_patterns``); the site's front page is ``docs/index``.

The site is built offline: the PyData theme, myst-nb for the notebooks and the Markdown pages, numpydoc
for the docstrings, autosummary for the API reference. Nothing is fetched (no intersphinx inventories);
names of other libraries in the docstrings (pandas, xarray, ...) are shown as code without links.

``NBTOOLS_DOCS_EXECUTE`` chooses how the notebooks, stored without outputs, get their outputs:
``cache`` (the default, ``make docs``) executes each notebook once and keeps the result in
``docs/_build/.jupyter_cache`` until the notebook changes; ``force`` executes every one again; ``off``
(``make docs-quick`` and the test) renders them without outputs.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import nbtools  # noqa: E402

project = "leopard-nbtools"
author = "leopard-nbtools contributors"
copyright = "2026, leopard-nbtools contributors"
version = release = nbtools.__version__

extensions = [
    "myst_nb",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]

root_doc = "docs/index"
# The HTML builder reads templates relative to this folder, autosummary relative to the source directory.
templates_path = ["_templates", "docs/_templates"]
include_patterns = ["docs/**", "notebooks/**"]
exclude_patterns = [
    # not walked at all (the include_patterns would skip their files, but walking .venv takes time)
    ".venv",
    ".git",
    ".jupyter",
    "data",
    "tests",
    "nbtools",
    "reports",
    "build",
    "dist",
    "benchmarks",
    "catalogs",
    "binder",
    "tools",
    "*.egg-info",
    ".hypothesis",
    ".pytest_cache",
    "docs/_build",
    "docs/_templates",
    "docs/_static",
    "docs/_extra",
    "**/.ipynb_checkpoints",
    "**/_build",
    # the workshop's exercise notebooks stop at their blanks on purpose; their solutions are rendered
    "notebooks/workshop/exercises",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# Every warning fails the build (-W), and every cross-reference must resolve.
nitpicky = True
# Names of other libraries and of the standard library: there are no inventories offline, so they
# cannot link; our own names (nbtools.*) all must.
_EXTERNAL = (
    "pandas",
    "pd",
    "numpy",
    "np",
    "xarray",
    "xr",
    "scipy",
    "holoviews",
    "hv",
    "bokeh",
    "panel",
    "pn",
    "ipywidgets",
    "widgets",
    "datashader",
    "ds",
    "dask",
    "dd",
    "shapely",
    "pyproj",
    "matplotlib",
    "plt",
    "intake",
    "pathlib",
    "datetime",
    "collections",
    "typing",
    "numbers",
    "os",
    "io",
    "zoneinfo",
    "argparse",
    "concurrent",
    "formulaic",
    "frictionless",
    "pyarrow",
    "jsonschema",
    "referencing",
    "traitlets",
    "colorcet",
    "timezonefinder",
    "nbformat",
    "nbclient",
    "json",
    "enum",
    "dataclasses",
    "re",
)
nitpick_ignore_regex = [
    (r"py:.*", rf"({'|'.join(_EXTERNAL)})(\..*)?"),
    # builtins and the words of numpydoc's type descriptions ("str or None", "array-like of float")
    (
        r"py:.*",
        r"(str|int|float|bool|bytes|complex|dict|list|tuple|set|frozenset|object|type|callable|"
        r"None|NoneType|Ellipsis|slice|range|iterable|sequence|mapping|path|path-like|array|"
        r"array-like|array_like|ndarray|DataFrame|Series|Timestamp|Timedelta|Dataset|DataArray|"
        r"Polygon|MultiPolygon|Path|Iterable|Sequence|Mapping|Callable|Any|Literal|Self|"
        r"TextIO|Generator|Iterator|Hashable|scalar|function|class|exception|module)",
    ),
    (r"py:.*", r"[A-Z][A-Za-z]*Error|Exception|Warning|UserWarning|RuntimeWarning|ValueError|KeyError|TypeError"),
    # private modules and names (the widgets' common base class, shown as the explorers' base)
    (r"py:.*", r"nbtools(\.\w+)*\._\w+(\.\w+)*"),
    # the modules of the packages, which the reference documents by what each package exports
    (
        r"py:mod",
        r"nbtools\.(activity|camtrapdp|events|interop|maps|occupancy|quality|rem|secr|simulate|widgets)\.[a-z_]+",
    ),
]
# References in files that others are editing right now (issue #18's camtrapdp): left for their authors to fix,
# listed one by one so that no new broken reference slips through.
nitpick_ignore = [
    ("py:func", "nbtools.camtrapdp.offsets.written_offsets"),  # camtrapdp/package.py, study.py: not exported
]

# -- the notebooks (myst-nb) ------------------------------------------------------------------------------

nb_execution_mode = os.environ.get("NBTOOLS_DOCS_EXECUTE", "cache")
if nb_execution_mode not in {"off", "cache", "force", "auto", "inline"}:
    raise ValueError(f"NBTOOLS_DOCS_EXECUTE={nb_execution_mode!r}: use off, cache or force")
nb_execution_timeout = 900  # seconds per cell, as `make report`
nb_execution_raise_on_error = True  # a notebook that fails fails the build
nb_execution_cache_path = str(DOCS / "_build" / ".jupyter_cache")
nb_execution_excludepatterns = ["notebooks/workshop/exercises/*"]
nb_merge_streams = True
# The kernels that execute the notebooks get CurveZMQ keys, as `make report`'s do (nbtools/report.py): no
# "Kernel is running over TCP without encryption" line per notebook.
import zmq  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

if zmq.has("curve"):
    KernelManager.class_traits()["transport_encryption"].default_value = "auto"
# HoloViews' outputs carry, beside the HTML and JavaScript that the pages show, two mime types that only a live
# JupyterLab uses (application/vnd.holoviews_load.v0+json and application/vnd.holoviews_exec.v0+json, the
# comms of a running kernel); myst-nb warns for each. No other output of the notebooks has an unknown type.
suppress_warnings = ["mystnb.unknown_mime_type"]
# The explorers' saved widget state is drawn by the ipywidgets HTML manager served with the site, not fetched
# from CDNs (docs/_static/widgets/README.md: versions and licences); jupyter_bokeh's widget script comes from
# the installed package (copied beside them when the build starts).
nb_ipywidgets_js = {"widgets/require.js": {}, "widgets/config.js": {}, "widgets/embed-amd.js": {}}
JUPYTER_BOKEH_JS = Path(sys.prefix) / "share" / "jupyter" / "nbextensions" / "jupyter_bokeh" / "index.js"
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3

# The Binder link of every notebook page: the repository's Binder URL, read from the README's badge.
_badge = re.search(r"\((https://mybinder\.org/v2/gh/[^?)]+)\?labpath=", (ROOT / "README.md").read_text())
if _badge is None:
    raise RuntimeError("README.md has no Binder badge (https://mybinder.org/v2/gh/...?labpath=...)")
binder_url = _badge[1]

# -- the API reference (autosummary + numpydoc) ---------------------------------------------------------

# autosummary writes a stub per documented object into docs/api/generated/ (git-ignored) and never removes
# one: start from an empty folder, so that a name no longer exported leaves no orphan page behind.
shutil.rmtree(DOCS / "api" / "generated", ignore_errors=True)
autosummary_generate = True
autosummary_ignore_module_all = False  # document exactly what each module's __all__ exports
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# -- HTML -------------------------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"leopard-nbtools {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "github_url": "https://github.com/leopard-nbtools/leopard-nbtools",
    "navbar_align": "left",
    "article_header_end": ["binder-link"],
    # the notebooks' pages give their width to the 800-pixel bokeh plots instead of an "on this page" column
    "secondary_sidebar_items": {"docs/**": ["page-toc"], "README": ["page-toc"], "notebooks/**": []},
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_context = {"binder_url": binder_url}
html_show_sourcelink = False
html_extra_path = ["_extra"]  # index.html at the site's root, forwarding to docs/index.html


def _copy_jupyter_bokeh(app, exception) -> None:  # noqa: ANN001
    """Put jupyter_bokeh's widget script beside the widget manager (``_static/widgets/jupyter_bokeh.js``)."""
    if exception is not None or app.builder.format != "html":
        return
    if not JUPYTER_BOKEH_JS.is_file():
        raise FileNotFoundError(f"{JUPYTER_BOKEH_JS}: jupyter_bokeh's widget script (is jupyter_bokeh installed?)")
    target = Path(app.outdir) / "_static" / "widgets" / "jupyter_bokeh.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(JUPYTER_BOKEH_JS, target)


def setup(app) -> dict:  # noqa: ANN001
    app.connect("build-finished", _copy_jupyter_bokeh)
    return {"parallel_read_safe": True}
