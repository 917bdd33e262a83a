"""Open the project's Intake 2 catalogs by name, safely.

A catalog is data, not code. Intake 2 can import any Python object a YAML file
names (a reader class, an ``{import(...)}`` template), so before handing a file
to Intake, :func:`open_catalog` checks it: every class it names must be one of
nbtools' readers or Intake's own data types and parameter classes, and no
template may import, unpickle or read the environment. Paths stay inside the
catalog's folder, or inside the data folder that is passed explicitly as the
``data_dir`` parameter (``open_catalog`` passes the project's ``data/``).

>>> from nbtools.catalog import open_catalog
>>> cat = open_catalog("leopard")                       # doctest: +SKIP
>>> cat(species="Panthera pardus orientalis").observations.read()  # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

#: The folder of the project's catalogs and of its data (beside each other in the repository).
CATALOG_DIR = Path(__file__).resolve().parents[1] / "catalogs"
DATA_DIR = Path(__file__).resolve().parents[1] / "data"

#: Classes a catalog may name: our readers and data types, Intake's parameter classes.
ALLOWED_CLASSES = re.compile(
    r"^(nbtools\.readers:[A-Za-z]+|intake\.readers\.user_parameters:[A-Za-z]+UserParameter"
    r"|pandas:DataFrame|xarray:Dataset|shapely\.geometry\.base:BaseGeometry)$"
)
#: Template functions that would run code or read the environment.
FORBIDDEN_TEMPLATES = re.compile(r"\{\s*(import|func|pickle64|env)\s*\(")
#: A path template must start with one of these and never climb out with '..'.
PATH_ROOTS = ("{CATALOG_DIR}/", "{data_dir}/")


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


def _check_path(url: str, where: str) -> None:
    if not url.startswith(PATH_ROOTS):
        raise CatalogError(f"{where}: path {url!r} must start with {{CATALOG_DIR}}/ or {{data_dir}}/")
    relative = url.split("}/", 1)[1]
    if ".." in Path(relative).parts or relative.startswith("/"):
        raise CatalogError(f"{where}: path {url!r} leaves its folder")


def open_catalog(name: str | Path = "leopard", data_dir: str | Path | None = None, **parameters: Any) -> Any:
    """Open one of the project's Intake catalogs, after checking it is safe.

    Parameters
    ----------
    name : str or pathlib.Path, default "leopard"
        A catalog in the project's ``catalogs/`` folder (``leopard``,
        ``camtrap_dp_example``) or the path of a YAML file.
    data_dir : str or pathlib.Path, optional
        The folder the catalog's ``{data_dir}`` paths point into; the project's
        ``data/`` folder by default.
    **parameters
        Catalog parameters, such as ``species`` or ``start``/``end``.

    Returns
    -------
    intake.readers.entry.Catalog
        Entries read typed data: ``cat.observations.read()``.
    """
    from intake import conf
    from intake.readers.entry import Catalog

    path = catalog_path(name)
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    check_catalog(spec, path.name)
    conf["allow_import"] = False  # templates that import code are refused by Intake as well
    conf["allow_pickle"] = False
    catalog = Catalog.from_dict(spec)
    catalog.user_parameters["CATALOG_DIR"] = path.parent.as_uri()
    catalog.user_parameters["data_dir"] = Path(data_dir or DATA_DIR).resolve().as_uri()
    return catalog(**parameters) if parameters else catalog
