"""The Camtrap DP 1.0 profile and table schemas, bundled for offline validation.

The official way to validate a package fetches the profile and the table schemas
from the URLs in ``datapackage.json``. We never touch the network: the Camtrap DP
1.0.2 files (MIT licence, Camtrap DP Development Team; see ``schemas/README.md``)
ship with nbtools, and every 1.0.x URL maps to them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

#: Names of the three core tables, in the order they are read and written.
CORE_TABLES = ("deployments", "media", "observations")

#: Camtrap DP version whose profile and schemas are bundled.
BUNDLED_VERSION = "1.0.2"

#: URL written into packages made by :func:`nbtools.camtrapdp.write_camtrapdp`.
PROFILE_URL = f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{BUNDLED_VERSION}/camtrap-dp-profile.json"


def schema_url(table: str) -> str:
    """URL of the bundled version's table schema for ``table``."""
    return f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{BUNDLED_VERSION}/{table}-table-schema.json"


_VERSION_IN_URL = re.compile(r"camtrap-dp/(?P<version>[^/]+)/")


def version_from_url(url: str) -> str | None:
    """The Camtrap DP version named in a profile or schema URL, if any.

    Examples
    --------
    >>> version_from_url("https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.1/camtrap-dp-profile.json")
    '1.0.1'
    """
    match = _VERSION_IN_URL.search(url)
    return match.group("version") if match else None


def is_bundled_compatible(version: str | None) -> bool:
    """True for the 1.0.x versions the bundled 1.0.2 files describe."""
    return version is not None and re.fullmatch(r"1\.0(\.\d+)?", version) is not None


def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schemas", name).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def profile() -> dict[str, Any]:
    """The Camtrap DP package profile (a JSON Schema, draft 4)."""
    return _load("camtrap-dp-profile.json")


@cache
def table_schema(table: str) -> dict[str, Any]:
    """The Table Schema of one core table (``deployments``, ``media`` or ``observations``)."""
    if table not in CORE_TABLES:
        raise KeyError(f"no Camtrap DP table schema for {table!r}; core tables are {CORE_TABLES}")
    return _load(f"{table}-table-schema.json")


@dataclass(frozen=True)
class FieldSpec:
    """What a Table Schema says about one field, as the reader needs it."""

    name: str
    type: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None


def check_schema(schema: Any, where: str) -> dict[str, Any]:
    """Check that a Table Schema has the structure the reader relies on.

    Parameters
    ----------
    schema : object
        The schema as found (inline in ``datapackage.json`` or in a local file).
    where : str
        Where it comes from, for messages (``datapackage.json: resource
        'individuals' schema``).

    Returns
    -------
    dict
        The schema, unchanged.

    Raises
    ------
    CamtrapDPError
        Naming the property that is malformed: ``fields`` not a list of objects
        with a string ``name``, a ``type`` or ``format`` that is not a string,
        ``constraints`` not an object, ``enum`` not a list, ``minimum`` or
        ``maximum`` not a number, ``missingValues`` not a list of strings, or a
        ``primaryKey`` that is not a field name or list of them.
    """
    from .report import CamtrapDPError

    def fail(what: str) -> None:
        raise CamtrapDPError(f"{where}: not a valid Table Schema: {what}")

    if not isinstance(schema, dict):
        fail(f"must be an object, found {type(schema).__name__}")
    fields = schema.get("fields", [])
    if not isinstance(fields, list):
        fail("'fields' must be a list")
    for position, item in enumerate(fields):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            fail(f"field {position} must be an object with a non-empty string 'name'")
        for key in ("type", "format"):
            if key in item and not isinstance(item[key], str):
                fail(f"field {item['name']!r}: '{key}' must be a string")
        constraints = item.get("constraints", {})
        if not isinstance(constraints, dict):
            fail(f"field {item['name']!r}: 'constraints' must be an object")
        enum = constraints.get("enum", [])
        if not isinstance(enum, list) or not all(isinstance(v, (str, int, float)) and v == v for v in enum):
            fail(f"field {item['name']!r}: constraint 'enum' must be a list of strings or numbers")
        for key in ("minimum", "maximum"):
            value = constraints.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
                fail(f"field {item['name']!r}: constraint '{key}' must be a number")
        if "pattern" in constraints and not isinstance(constraints["pattern"], str):
            fail(f"field {item['name']!r}: constraint 'pattern' must be a string")
    missing = schema.get("missingValues", [""])
    if not isinstance(missing, list) or not all(isinstance(value, str) for value in missing):
        fail("'missingValues' must be a list of strings")
    key = schema.get("primaryKey")
    if key is not None and not (
        isinstance(key, str) or (isinstance(key, list) and all(isinstance(k, str) for k in key))
    ):
        fail("'primaryKey' must be a field name or a list of field names")
    return schema


def field_specs(schema: dict[str, Any]) -> list[FieldSpec]:
    """The fields of a Table Schema, in order."""
    specs = []
    for item in schema.get("fields", []):
        constraints = item.get("constraints", {})
        enum = constraints.get("enum")
        specs.append(
            FieldSpec(
                name=item["name"],
                type=item.get("type", "string"),
                required=bool(constraints.get("required", False)),
                unique=bool(constraints.get("unique", False)),
                enum=tuple(enum) if enum else None,
                minimum=constraints.get("minimum"),
                maximum=constraints.get("maximum"),
                pattern=constraints.get("pattern"),
            )
        )
    return specs


def missing_values(schema: dict[str, Any]) -> list[str]:
    """Cell values that mean 'no value' (Table Schema ``missingValues``, default ``[""]``)."""
    return list(schema.get("missingValues", [""]))
