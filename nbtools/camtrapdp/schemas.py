"""The Camtrap DP 1.0.x profiles and table schemas, bundled for offline validation.

The official way to validate a package fetches the profile and the table schemas
from the URLs in ``datapackage.json``. We never touch the network: the profile
and table schemas of Camtrap DP 1.0, 1.0.1 and 1.0.2 (MIT licence, Camtrap DP
Development Team; see ``schemas/README.md`` for where each file comes from) ship
with nbtools, one folder a version, and a URL is mapped to the version it names.

Versions fall in four kinds (:func:`version_kind`):

``"known"``
    1.0, 1.0.1 or 1.0.2: checked against that version's files.
``"legacy"``
    0.x (0.1.6, 0.1.7, ...): upgraded to 1.0 on reading by
    :mod:`nbtools.camtrapdp.upgrade`; the 1.0 profile is never applied to them
    as they stand.
``"unknown"``
    Any other version (1.9, 2.0, 1.0-rc.1): said once, not checked.
``"none"``
    The URL names no version.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

#: Names of the three core tables, in the order they are read and written.
CORE_TABLES = ("deployments", "media", "observations")

#: Camtrap DP versions whose profile and table schemas are bundled, oldest first.
KNOWN_VERSIONS = ("1.0", "1.0.1", "1.0.2")

#: The version written by :func:`nbtools.camtrapdp.write_camtrapdp`, and the default of every function here.
BUNDLED_VERSION = "1.0.2"

#: URL written into packages made by :func:`nbtools.camtrapdp.write_camtrapdp`.
PROFILE_URL = f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{BUNDLED_VERSION}/camtrap-dp-profile.json"

VersionKind = Literal["known", "legacy", "unknown", "none"]


def profile_url(version: str = BUNDLED_VERSION) -> str:
    """URL of a version's package profile."""
    return f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{version}/camtrap-dp-profile.json"


def schema_url(table: str, version: str = BUNDLED_VERSION) -> str:
    """URL of a version's table schema for ``table`` (the written version by default)."""
    return f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{version}/{table}-table-schema.json"


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


def version_kind(version: str | None) -> VersionKind:
    """Whether a version is bundled (``known``), upgraded on reading (``legacy``), ``unknown``, or ``none``.

    Examples
    --------
    >>> [version_kind(v) for v in ("1.0.1", "0.1.7", "1.9", None)]
    ['known', 'legacy', 'unknown', 'none']
    """
    if version is None:
        return "none"
    if version in KNOWN_VERSIONS:
        return "known"
    if version.startswith("0."):  # as nbtools.camtrapdp.upgrade.legacy_version decides
        return "legacy"
    return "unknown"


def is_bundled_compatible(version: str | None) -> bool:
    """True for the 1.0.x versions (the bundled files describe them all)."""
    return version is not None and re.fullmatch(r"1\.0(\.\d+)?", version) is not None


def package_version(descriptor: dict[str, Any]) -> str:
    """The bundled version to check a package against: the one its ``profile`` URL names, else 1.0.2.

    A package whose profile names no version, an unknown one or a 0.x one is
    checked (and its tables typed) with the newest bundled version;
    :func:`nbtools.camtrapdp.validate.check_descriptor` says so.
    """
    declared = descriptor.get("profile")
    version = version_from_url(declared) if isinstance(declared, str) else None
    return version if version_kind(version) == "known" else BUNDLED_VERSION


def resource_version(resource: dict[str, Any], default: str = BUNDLED_VERSION) -> str:
    """The bundled version of a resource's table schema: the one its ``schema`` URL names, else ``default``.

    ``default`` is normally :func:`package_version` of the package, so that a
    resource with an inline or local schema (or an unknown version in its
    URL) is typed by the package's version.
    """
    schema = resource.get("schema")
    version = version_from_url(schema) if isinstance(schema, str) else None
    return version if version_kind(version) == "known" else default


def _check_version(version: str) -> None:
    if version not in KNOWN_VERSIONS:
        raise KeyError(f"Camtrap DP {version} is not bundled; known versions are {', '.join(KNOWN_VERSIONS)}")


def _load(version: str, name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schemas", version, name).read_text(encoding="utf-8")
    return json.loads(text)


def _repair_refs(node: Any) -> Any:
    """The schema with every ``"$ref": "#$defs/..."`` written as the JSON pointer ``"#/$defs/..."``.

    The Camtrap DP 1.0 profile refers to ``"#$defs/version"``, a JSON pointer
    without its first slash, which JSON Schema validators cannot resolve
    (frictionless-py 5.17 and up reject the profile). Camtrap DP 1.0.1 fixed it
    (changelog: "Fix issue (missing first slash in ``"$ref": "#/$defs/version"``)",
    tdwg/camtrap-dp#383); the R tools validate 1.0 packages against such a
    corrected copy too. The reference means the same in both, so a valid 1.0
    package passes.
    """
    if isinstance(node, dict):
        return {
            key: (
                "#/" + value[1:]
                if key == "$ref" and isinstance(value, str) and value.startswith("#$")
                else _repair_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_repair_refs(item) for item in node]
    return node


@cache
def profile(version: str = BUNDLED_VERSION) -> dict[str, Any]:
    """A version's Camtrap DP package profile (a JSON Schema, draft 4), with 1.0's ``$ref`` repaired.

    Parameters
    ----------
    version : str, default "1.0.2"
        One of :data:`KNOWN_VERSIONS`.

    Raises
    ------
    KeyError
        For a version that is not bundled.
    """
    _check_version(version)
    return _repair_refs(_load(version, "camtrap-dp-profile.json"))


@cache
def table_schema(table: str, version: str = BUNDLED_VERSION) -> dict[str, Any]:
    """The Table Schema of one core table (``deployments``, ``media`` or ``observations``) in a version.

    Parameters
    ----------
    table : str
        The core table.
    version : str, default "1.0.2"
        One of :data:`KNOWN_VERSIONS`. The versions have the same fields; 1.0
        and 1.0.1 take only ``""`` as a missing value, 1.0.2 also ``NA``,
        ``NaN`` and ``nan``.

    Raises
    ------
    KeyError
        For a table that is not a core table, or a version that is not bundled.
    """
    if table not in CORE_TABLES:
        raise KeyError(f"no Camtrap DP table schema for {table!r}; core tables are {CORE_TABLES}")
    _check_version(version)
    return _load(version, f"{table}-table-schema.json")


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
