"""Imports run one way: no module of nbtools imports one of a higher layer, and no private name crosses a module.

The layers are those of ../shared/ARCHITECTURE.md (issue #19, part 3)::

    readers -> study -> counting -> models -> pictures -> widgets, and beside them simulate, interop, cli, report

A module may import modules of its own layer and of lower ones. The modules beside the layers may import any
layer, except ``simulate`` (and the tracks it draws), which imports the readers layer only; nothing in the layers
imports a module beside them, and only the command line (``cli``, ``report``, ``__main__``) imports ``cli`` or
``report``. A name starting with one underscore is private to its module: it is not imported from another module,
unless both are files of one package (``nbtools/interop/speciesnet.py`` may use ``nbtools/interop/_common.py``).

Every module is found by parsing the source with :mod:`ast` (nothing is imported), so the test works whether a
module is a file (``quality.py``) or a package (``quality/``): a package's files all belong to its top-level name.
Imports inside functions count too; a lazy import still runs against the flow.

Violations that remain while the redesign is under way are listed in ``KNOWN`` with the issue part that removes
them; any other violation fails, naming the file, the line and the import.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "nbtools"

#: The layers, lowest first.
LAYERS = ("readers", "study", "counting", "models", "pictures", "widgets")

#: The layer of every top-level module or package of nbtools.
LAYER_OF = {
    **dict.fromkeys(
        (
            "camtrapdp",
            "habitat",
            "catalog",
            "readers",
            "sun",
            "checksums",
            "timezones",
            "large",
            "_time",
            "_deprecate",
            "truth",
        ),
        "readers",
    ),
    **dict.fromkeys(("study", "seasons"), "study"),
    **dict.fromkeys(("events", "effort", "quality", "indices", "individuals", "life_histories"), "counting"),
    **dict.fromkeys(("activity", "occupancy", "secr", "rem"), "models"),
    **dict.fromkeys(("maps", "plots"), "pictures"),
    "widgets": "widgets",
}

#: Modules beside the layers. ``tracks`` is the simulator's animal movement (it moves under ``simulate/``).
SIMULATION = frozenset({"simulate", "tracks"})
COMMAND_LINE = frozenset({"cli", "report", "__main__"})
BESIDE = SIMULATION | COMMAND_LINE | {"interop"}

#: The package itself (``nbtools/__init__.py``): the facade for users, not part of a layer.
ROOT = "nbtools"


@dataclass(frozen=True)
class Import:
    """One imported module (and the names taken from it) at one line of one file."""

    file: str  # relative to the repository, e.g. "nbtools/quality.py"
    line: int
    importer: str  # top-level unit of the importing file ("quality")
    target: tuple[str, ...]  # the imported module's dotted path ("nbtools", "activity")
    names: tuple[str, ...]  # names taken with ``from ... import``; empty for ``import x``
    text: str  # the statement as written
    use: bool = False  # a use ``module._name`` of a module imported above, not an import statement

    @property
    def unit(self) -> str:
        """Top-level unit of the imported module (``activity`` for ``nbtools.activity.kernels``)."""
        return self.target[1] if len(self.target) > 1 else ROOT


@dataclass(frozen=True)
class Violation:
    kind: str  # "upward", "beside", "simulate", "command line", "private", "unassigned"
    importer: str
    unit: str
    name: str  # the private name for kind "private", else ""
    where: Import

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.importer, self.unit, self.name)

    def __str__(self) -> str:
        return f"{self.where.file}:{self.where.line}: {self.where.text}  [{self.kind}: {self.explain()}]"

    def explain(self) -> str:
        low, high = LAYER_OF.get(self.importer, "beside"), LAYER_OF.get(self.unit, "beside")
        return {
            "upward": f"{self.importer} ({low}) imports {self.unit} ({high}), a higher layer",
            "beside": f"{self.importer} ({low}) imports {self.unit}, a module beside the layers",
            "simulate": f"{self.importer} imports {self.unit} ({high}); the simulator imports the readers layer only",
            "command line": f"{self.importer} imports {self.unit}; only the command line imports it",
            "private": f"the private name {self.name!r} of {'.'.join(self.where.target)} used in {self.importer}",
            "unassigned": f"{self.unit or self.importer} has no layer: add it to LAYER_OF or BESIDE",
        }[self.kind]


#: Known violations, each with the part of the redesign that removes it: (kind, importer, imported, name) -> why,
#: e.g. ``("upward", "quality", "activity", ""): "issue #19 part 2: sunrise_sunset moves to nbtools/sun.py"``.
#: Add one only for an import another change is already removing; remove it with that change (the test warns about
#: entries that no longer match anything). Empty since the redesign of issue #19 landed: quality -> activity
#: (sunrise_sunset, now nbtools.sun), widgets -> occupancy._focal_mean (now occupancy.rasters.focal_mean) and
#: tracks -> simulate._local_to_utc_s were listed here while they were being moved.
KNOWN: dict[tuple[str, str, str, str], str] = {}


def _unit_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ROOT if parts == ("__init__",) else parts[0]


def _module_path(path: Path) -> tuple[str, ...]:
    parts = ("nbtools", *path.relative_to(PACKAGE).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _is_module(dotted: tuple[str, ...]) -> bool:
    where = PACKAGE.parent.joinpath(*dotted)
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def imports_of(path: Path) -> list[Import]:
    """Every import of an nbtools module in one file (``from nbtools import x`` of a submodule ``x`` as ``nbtools.x``).

    Uses ``x._name`` of a module imported under a name ``x`` (``from nbtools import occupancy``,
    ``import nbtools.occupancy as occ``) are listed too, as imports of ``_name`` with ``use=True``.
    """
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    here = _module_path(path)
    package = here if path.name == "__init__.py" else here[:-1]
    file, importer = path.relative_to(PACKAGE.parent).as_posix(), _unit_of(path)
    found: list[Import] = []
    modules: dict[str, tuple[str, ...]] = {}  # local name -> nbtools module it stands for
    lines = source.splitlines()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        text = " ".join(line.strip() for line in lines[node.lineno - 1 : node.end_lineno])
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = tuple(alias.name.split("."))
                if target[0] == "nbtools":
                    found.append(Import(file, node.lineno, importer, target, (), text))
                    if alias.asname:
                        modules[alias.asname] = target
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (tuple(node.module.split(".")) if node.module else ())
            else:
                target = tuple((node.module or "").split("."))
            if target[0] != "nbtools":
                continue
            names = tuple(alias.name for alias in node.names)
            submodules = [name for name in names if _is_module((*target, name))]
            for alias in node.names:  # ``from nbtools import activity``: an import of nbtools.activity
                if alias.name in submodules:
                    found.append(Import(file, node.lineno, importer, (*target, alias.name), (), text))
                    modules[alias.asname or alias.name] = (*target, alias.name)
            rest = tuple(name for name in names if name not in submodules)
            if rest:
                found.append(Import(file, node.lineno, importer, target, rest, text))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            if node.attr.startswith("_") and not node.attr.startswith("__"):
                text = lines[node.lineno - 1].strip()
                found.append(Import(file, node.lineno, importer, modules[node.value.id], (node.attr,), text, use=True))
    return found


def violations_of(imp: Import) -> list[Violation]:
    """What is wrong with one import (nothing when it runs with the flow)."""
    importer, unit = imp.importer, imp.unit
    out = [
        Violation("private", importer, unit, name, imp)
        for name in imp.names
        if name.startswith("_") and not name.startswith("__") and unit != importer
    ]
    if unit == importer or importer == ROOT or imp.use:
        return out
    if unit == ROOT:  # only dunder names (``__version__``) come from the facade
        out += [Violation("upward", importer, ROOT, "", imp)] if any(not n.startswith("__") for n in imp.names) else []
        return out
    for name in (importer, unit):
        if name not in LAYER_OF and name not in BESIDE:
            return [*out, Violation("unassigned", importer, name, "", imp)]
    if importer in LAYER_OF:
        if unit in BESIDE:
            out.append(Violation("beside", importer, unit, "", imp))
        elif LAYERS.index(LAYER_OF[unit]) > LAYERS.index(LAYER_OF[importer]):
            out.append(Violation("upward", importer, unit, "", imp))
    elif importer in SIMULATION:
        if unit not in SIMULATION and LAYER_OF.get(unit) != "readers":
            out.append(Violation("simulate", importer, unit, "", imp))
    elif importer not in COMMAND_LINE and unit in COMMAND_LINE | SIMULATION:
        out.append(Violation("command line" if unit in COMMAND_LINE else "simulate", importer, unit, "", imp))
    return out


def all_violations() -> list[Violation]:
    return [v for path in sorted(PACKAGE.rglob("*.py")) for imp in imports_of(path) for v in violations_of(imp)]


def test_every_module_has_a_layer() -> None:
    units = {_unit_of(path) for path in PACKAGE.rglob("*.py")} - {ROOT}
    missing = sorted(units - set(LAYER_OF) - BESIDE)
    assert not missing, f"modules of nbtools without a layer (add them to LAYER_OF or BESIDE): {missing}"


def test_imports_run_one_way() -> None:
    found = all_violations()
    new = [v for v in found if v.key not in KNOWN and v.kind != "private"]
    assert not new, "imports against the layers:\n" + "\n".join(map(str, new))
    stale = set(KNOWN) - {v.key for v in found}
    if stale:
        warnings.warn(f"entries of KNOWN no longer needed (remove them): {sorted(stale)}", stacklevel=1)


def test_no_private_name_crosses_a_module() -> None:
    new = [v for v in all_violations() if v.kind == "private" and v.key not in KNOWN]
    assert not new, "private names imported from another module:\n" + "\n".join(map(str, new))


# --- the checker itself, on made-up imports -------------------------------------------------------------------


def _imp(importer: str, target: str, *names: str) -> Import:
    return Import(f"nbtools/{importer}.py", 1, importer, tuple(target.split(".")), names, "import ...")


@pytest.mark.parametrize(
    ("importer", "target", "names", "kinds"),
    [
        ("study", "nbtools.camtrapdp.select", ("select_records",), []),
        ("study", "nbtools.events", ("select_records",), ["upward"]),
        ("readers", "nbtools.study", ("filter_table",), ["upward"]),
        ("quality", "nbtools.activity.sun", ("sunrise_sunset",), ["upward"]),
        ("widgets", "nbtools.quality", ("daily_media",), []),
        ("events", "nbtools.simulate", ("simulate_study",), ["beside"]),
        ("simulate", "nbtools.habitat", ("read_habitat",), []),
        ("simulate", "nbtools.events", ("independent_events",), ["simulate"]),
        ("interop", "nbtools.secr", ("CaptureHistory",), []),
        ("interop", "nbtools.cli", ("main",), ["command line"]),
        ("cli", "nbtools.report", ("main",), []),
        ("quality", "nbtools._time", ("DAY",), []),
        ("interop", "nbtools.interop.megadetector", ("_collect",), []),
        ("speciesnet", "nbtools.interop.megadetector", ("_collect",), ["private", "unassigned"]),
        ("quality", "nbtools.simulate", ("_local_to_utc_s",), ["private", "beside"]),
        ("plots", "nbtools.occupancy.predict", ("_focal_mean",), ["private"]),
        ("cli", "nbtools", ("__version__",), []),
    ],
)
def test_checker_finds_what_it_should(importer: str, target: str, names: tuple[str, ...], kinds: list[str]) -> None:
    assert sorted(v.kind for v in violations_of(_imp(importer, target, *names))) == sorted(kinds)


def test_private_names_of_imported_modules_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "nbtools"
    (root / "widgets").mkdir(parents=True)
    (root / "occupancy.py").write_text("def _focal_mean(r, b):\n    return r\n")
    (root / "widgets" / "maps.py").write_text(
        "from nbtools import occupancy\n\n\ndef f(r):\n    return occupancy._focal_mean(r, 1)\n"
    )
    monkeypatch.setattr(__import__(__name__), "PACKAGE", root)
    found = [i for i in imports_of(root / "widgets" / "maps.py") if i.use]
    assert [(i.line, i.unit, i.names) for i in found] == [(5, "occupancy", ("_focal_mean",))]
    assert [v.kind for v in violations_of(found[0])] == ["private"]


def test_relative_imports_resolve_in_files_and_packages() -> None:
    imports = imports_of(PACKAGE / "interop" / "speciesnet.py")
    assert any(i.target == ("nbtools", "interop", "megadetector") for i in imports)
    study = imports_of(PACKAGE / "study.py")
    assert any(i.target[:3] == ("nbtools", "camtrapdp", "select") and "filter_table" in i.names for i in study)
    widgets = [i for i in imports_of(PACKAGE / "widgets" / "individual.py") if i.unit == "individuals"]
    assert widgets and all(i.importer == "widgets" for i in widgets)
