"""The wheel's build step: the project's catalogs and shipped data sets go into ``nbtools/share/``.

Everything else is declared in pyproject.toml. In the repository the catalogs and the data stay at the
top (``catalogs/``, ``data/``: Binder, the notebooks and ``make data`` use them there); a built wheel
carries a copy of them at the same relative places under the package, so ``{CATALOG_DIR}/../data`` in
a catalog means the same in both, and ``nbtools.catalog`` finds them with ``importlib.resources``:

    nbtools/share/catalogs/*.yaml
    nbtools/share/data/LICENSES.md
    nbtools/share/data/leopard-study/*        (the default study, about 10 MB)
    nbtools/share/data/leopard-years/*        (the multi-year study, six seasons, about 19 MB)
    nbtools/share/data/camtrap-dp-example/*   (the official Camtrap DP example)

An editable install (``pip install -e .``, as binder/postBuild does) copies nothing: the package then
reads the repository's own folders. MANIFEST.in puts the same files into the sdist.
"""

from __future__ import annotations

from pathlib import Path

import setuptools
from setuptools import setup
from setuptools.command.build_py import build_py

#: Folders of the repository copied into nbtools/share/ of the wheel, with the files taken from each.
SHIPPED = {
    "catalogs": "*.yaml",
    "data": "LICENSES.md",
    "data/leopard-study": "*",
    "data/leopard-years": "*",
    "data/camtrap-dp-example": "*",
}

_major = int(setuptools.__version__.split(".")[0])
if _major < 77:
    raise SystemExit(
        f"leopard-nbtools needs setuptools>=77 to build (its licence is an SPDX string, PEP 639); this build "
        f"has setuptools {setuptools.__version__}, probably because it runs without build isolation "
        "(pip --no-build-isolation, python -m build --no-isolation). Build with isolation, or first run "
        "`pip install 'setuptools>=77'`."
    )


def shipped_files(root: Path) -> list[Path]:
    """The repository files the wheel carries in nbtools/share/, relative to the repository root."""
    files = []
    for folder, pattern in SHIPPED.items():
        found = sorted(
            path for path in (root / folder).glob(pattern) if path.is_file() and not path.name.startswith(".")
        )
        if not found:
            raise SystemExit(f"setup.py: {folder}/{pattern} matches no file; the wheel would lack it")
        files += [path.relative_to(root) for path in found]
    return files


class BuildPyWithShare(build_py):
    """build_py, then the catalogs and the shipped data sets copied to nbtools/share/ of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the editable package reads the repository's catalogs/ and data/
        for relative in shipped_files(Path.cwd()):
            target = Path(self.build_lib, "nbtools", "share", relative)
            self.mkpath(str(target.parent))
            self.copy_file(str(relative), str(target))


setup(cmdclass={"build_py": BuildPyWithShare})
