"""Open the project's Intake 2 catalogs by name, safely.

A catalog is data, not code. Intake 2 can import any Python object a YAML file
names (a reader class, an ``{import(...)}`` template), so before handing a file
to Intake, :func:`open_catalog` checks it: the YAML is read with
``yaml.safe_load`` (tags such as ``!!python/object`` are refused), every class
it names must be one of nbtools' readers or Intake's own data types and
parameter classes, and no template may import, unpickle or read the
environment. Paths stay inside the catalog's folder, or inside the data folder:
the project's ``data/`` for the project's own catalogs, the catalog's own folder
for any other catalog file, unless the caller passes ``data_dir`` explicitly.
Symbolic links that lead out of those folders are refused too, and every file
is checked against the ``SHA256SUMS`` of its folder when it is read.

The catalogs are plain Intake 2 catalogs as well: their paths start with
``{CATALOG_DIR}/../data/``, the data folder beside the catalogs (in the
repository and in an installed wheel alike), so
``intake.from_yaml_file(path).deployments.read()`` works with no nbtools call
first. :func:`open_catalog` reads that prefix as its ``data_dir`` (the project's
data folder for the project's catalogs, the catalog's own folder for any other
file, or the folder you pass) and adds the checks above.

>>> from nbtools.catalog import open_catalog
>>> cat = open_catalog("leopard")                       # doctest: +SKIP
>>> cat(species="Panthera pardus orientalis").observations.read()  # doctest: +SKIP
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml


def shipped_root() -> Path:
    """The folder that holds the project's ``catalogs/`` and ``data/``, found with ``importlib.resources``.

    An installed wheel carries them in the package, as ``nbtools/share/catalogs`` and
    ``nbtools/share/data`` (``setup.py`` copies them there when it builds the wheel). A source checkout,
    or an editable install of one, has no ``share/``: there they are the repository's top-level
    ``catalogs/`` and ``data/``, beside the package. Either way the two folders sit side by side, so a
    catalog's ``{CATALOG_DIR}/../data`` points at the data in both.

    Raises
    ------
    FileNotFoundError
        If neither place has a ``catalogs/`` folder (an installation without its data).
    """
    package = files("nbtools")
    shipped = package / "share"
    if shipped.is_dir() and (shipped / "catalogs").is_dir():
        return Path(str(shipped)).resolve()
    checkout = Path(str(package)).resolve().parent
    if (checkout / "catalogs").is_dir() and (checkout / "nbtools" / "__init__.py").is_file():
        return checkout
    raise FileNotFoundError(
        f"nbtools at {package} has neither share/catalogs (an installed wheel) nor ../catalogs (a source "
        "checkout): reinstall leopard-nbtools from its wheel or sdist"
    )


#: The folder of the project's catalogs and of its data (beside each other, in the wheel and in the repository).
CATALOG_DIR = shipped_root() / "catalogs"
DATA_DIR = shipped_root() / "data"

#: Classes a catalog may name: our readers and data types, Intake's parameter classes.
ALLOWED_CLASSES = re.compile(
    r"^(nbtools\.readers:[A-Za-z]+|intake\.readers\.user_parameters:[A-Za-z]+UserParameter"
    r"|pandas:DataFrame|dask\.dataframe:DataFrame|xarray:Dataset|shapely\.geometry\.base:BaseGeometry)$"
)
#: Template functions that would run code or read the environment: Intake evaluates them inside braces
#: anywhere in a string, and at the start of a parameter's default without braces.
FORBIDDEN_TEMPLATES = re.compile(r"(?:\{|^)\s*(import|func|pickle64|env)\s*\(")
#: A path template must start with one of these and never climb out with '..'.
PATH_ROOTS = ("{CATALOG_DIR}/", "{data_dir}/")
#: The project's catalogs name their data as the data/ folder beside catalogs/, which plain Intake reads
#: as it is; open_catalog reads this prefix as ``{data_dir}/`` (the data folder it chooses and checks).
DATA_PREFIX = "{CATALOG_DIR}/../data/"


class CatalogError(ValueError):
    """A catalog file is unsafe or malformed."""


def catalog_path(name: str | Path) -> Path:
    """The YAML file of a catalog: a project catalog by name, or an explicit path."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate.resolve()
    path = CATALOG_DIR / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in CATALOG_DIR.glob("*.yaml"))
        raise CatalogError(f"no catalog named {name!r}; the project has {', '.join(known)}")
    return path


def load_catalog_file(path: Path) -> Any:
    """The YAML of a catalog, read with ``yaml.safe_load``: plain data only, no Python tags.

    Raises
    ------
    CatalogError
        If the file is missing, not UTF-8, not YAML, or uses a tag that would
        build a Python object (``!!python/object``, ``!!python/name``, ...).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file not found") from None
    except (UnicodeDecodeError, OSError) as error:
        raise CatalogError(f"{path.name}: cannot be read as UTF-8 text ({error})") from error
    try:
        return yaml.safe_load(text)
    except yaml.constructor.ConstructorError as error:
        raise CatalogError(
            f"{path.name}: refused: {error.problem} {error.problem_mark or ''}".strip()
            + " (catalogs are plain YAML data; tags that build Python objects are never loaded)"
        ) from error
    except yaml.YAMLError as error:
        raise CatalogError(f"{path.name}: not valid YAML ({error})") from error
    except RecursionError as error:
        raise CatalogError(f"{path.name}: YAML nested too deeply") from error


def check_catalog(spec: Any, source: str) -> None:
    """Refuse a catalog that names code, uses code templates, or reaches outside its folders.

    Raises
    ------
    CatalogError
        Naming the file and the offending key.
    """
    if not isinstance(spec, dict) or spec.get("version") != 2:
        raise CatalogError(f"{source}: not an Intake 2 catalog (needs 'version: 2')")

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                here = f"{where}.{key}" if where else str(key)
                if key in ("reader", "datatype", "cls", "output_instance") and isinstance(value, str):
                    if not ALLOWED_CLASSES.match(value):
                        raise CatalogError(f"{source}: {here} names {value!r}, which is not one of nbtools' readers")
                if key == "url" and isinstance(value, str):
                    _check_path(value, f"{source}: {here}")
                walk(value, here)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")
        elif isinstance(node, str) and FORBIDDEN_TEMPLATES.search(node):
            raise CatalogError(f"{source}: {where} uses a template that runs code or reads the environment: {node!r}")

    walk(spec, "")


def _split_path(url: str) -> tuple[str, str]:
    """The root (``CATALOG_DIR`` or ``data_dir``) of a path template and the path below it.

    ``{CATALOG_DIR}/../data/x`` is ``data_dir`` and ``x``: the data folder beside the catalogs.
    """
    if url.startswith(DATA_PREFIX):
        return "data_dir", url[len(DATA_PREFIX) :]
    root, relative = url[1:].split("}/", 1)
    return root, relative


def data_dir_paths(spec: Any) -> Any:
    """A copy of a catalog whose ``{CATALOG_DIR}/../data/`` paths read ``{data_dir}/`` (others unchanged)."""
    if isinstance(spec, dict):
        return {
            key: "{data_dir}/" + value[len(DATA_PREFIX) :]
            if key == "url" and isinstance(value, str) and value.startswith(DATA_PREFIX)
            else data_dir_paths(value)
            for key, value in spec.items()
        }
    if isinstance(spec, list):
        return [data_dir_paths(value) for value in spec]
    return spec


def _check_path(url: str, where: str) -> None:
    if not url.startswith(PATH_ROOTS):
        raise CatalogError(f"{where}: path {url!r} must start with {{CATALOG_DIR}}/, {DATA_PREFIX} or {{data_dir}}/")
    relative = _split_path(url)[1]
    if ".." in Path(relative).parts or relative.startswith(("/", "~")) or "\\" in relative:
        raise CatalogError(f"{where}: path {url!r} leaves its folder")
    if "{" in relative or "}" in relative or "://" in relative:
        raise CatalogError(f"{where}: path {url!r} may hold no template or URL after its folder")


def check_paths_resolve(spec: dict[str, Any], roots: dict[str, Path], source: str) -> None:
    """Refuse ``url`` paths whose real location (symbolic links followed) is outside their folder."""

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                here = f"{where}.{key}" if where else str(key)
                if key == "url" and isinstance(value, str):
                    root_name, relative = _split_path(value)
                    root = roots[root_name].resolve()
                    target = (root / relative).resolve()
                    if target != root and root not in target.parents:
                        raise CatalogError(
                            f"{source}: {here}: path {value!r} leads to {target}, outside {root} (a symbolic link?)"
                        )
                walk(value, here)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(spec, "")


def open_catalog(name: str | Path = "leopard", data_dir: str | Path | None = None, **parameters: Any) -> Any:
    """Open one of the project's Intake catalogs, after checking it is safe.

    Parameters
    ----------
    name : str or pathlib.Path, default "leopard"
        A catalog of the project (``leopard``, ``camtrap_dp_example``,
        ``large``: the repository's ``catalogs/``, or the copy an installed
        wheel carries, see :func:`shipped_root`) or the path of a YAML file.
    data_dir : str or pathlib.Path, optional
        The folder the catalog's ``{data_dir}/`` and ``{CATALOG_DIR}/../data/``
        paths point into. By default
        the project's data folder for the project's catalogs (``DATA_DIR``,
        where their own ``{CATALOG_DIR}/../data`` default leads), and the
        catalog's own folder for any other YAML file, so that a catalog found
        elsewhere cannot reach files outside its folder unless you say so.
    **parameters
        Catalog parameters, such as ``species`` or ``start``/``end``.

    Returns
    -------
    intake.readers.entry.Catalog
        Entries read typed data: ``cat.observations.read()``.

    Raises
    ------
    CatalogError
        If the catalog is unsafe (names code, uses code templates, has YAML
        tags for Python objects, or a path leaves its folder) or malformed.
    nbtools.checksums.ChecksumError
        When an entry is read and a file differs from its recorded checksum.
    """
    from intake import conf
    from intake.readers.entry import Catalog

    path = catalog_path(name)
    spec = load_catalog_file(path)
    check_catalog(spec, path.name)
    if data_dir is None:
        data_dir = DATA_DIR if path.parent == CATALOG_DIR else path.parent
    roots = {"CATALOG_DIR": path.parent, "data_dir": Path(data_dir)}
    check_paths_resolve(spec, roots, path.name)
    conf["allow_import"] = False  # templates that import code are refused by Intake as well
    conf["allow_pickle"] = False
    catalog = Catalog.from_dict(data_dir_paths(spec))
    catalog.user_parameters["CATALOG_DIR"] = path.parent.as_uri()
    catalog.user_parameters["data_dir"] = Path(data_dir).resolve().as_uri()
    return catalog(**parameters) if parameters else catalog
