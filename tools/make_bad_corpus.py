"""Build ``tests/data/bad/``: small Camtrap DP packages with one defect each.

Every package starts from the same small, valid subset of the official Camtrap DP
1.0.2 example (``data/camtrap-dp-example``; CC0-1.0): the four deployments, the
first sequence of each deployment plus two more of deployment ``62c200a9`` (which
runs across the 2021 spring daylight-saving change in Belgium), at most three
images per sequence, and the observations of those images and sequences. One
change to that subset makes each bad package. ``00_valid`` is the subset itself.

The script also writes ``manifest.json`` (what reading each package must give,
read by ``tests/test_bad_input.py``) and ``README.md`` (the same as a table).
The output is deterministic: running it again gives the same bytes, and a test
checks that the committed corpus is what this script makes.

Usage::

    python tools/make_bad_corpus.py            # rewrite tests/data/bad/
    python tools/make_bad_corpus.py --out DIR  # write somewhere else
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "camtrap-dp-example"
OUT = ROOT / "tests" / "data" / "bad"
DESCRIPTOR = "datapackage.json"
TABLES = ("deployments.csv", "media.csv", "observations.csv")
#: Sequences kept per deployment (in time order), and images kept per sequence.
SEQUENCES = {"00a2c20d": 1, "29b7d356": 1, "577b543a": 1, "62c200a9": 3}
IMAGES_PER_SEQUENCE = 3

Expect = dict[str, Any]


# --- a package as bytes, with helpers to change it ---------------------------------------------


@dataclass
class Package:
    """The files of one package as bytes, by name."""

    files: dict[str, bytes] = field(default_factory=dict)

    def rows(self, file: str) -> list[list[str]]:
        """The rows of a CSV file (``rows[0]`` is the header, row 1 in the file)."""
        return list(csv.reader(io.StringIO(self.files[file].decode("utf-8"), newline="")))

    def set_rows(self, file: str, rows: list[list[str]], delimiter: str = ",") -> None:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
        self.files[file] = buffer.getvalue().encode("utf-8")

    def header(self, file: str) -> list[str]:
        return self.rows(file)[0]

    def cell(self, file: str, row: int, column: str) -> str:
        rows = self.rows(file)
        return rows[row - 1][rows[0].index(column)]

    def edit(self, file: str, row: int, column: str, value: str) -> str:
        """Set one cell (row numbers as in the file: the header is row 1); returns the old value."""
        rows = self.rows(file)
        index = rows[0].index(column)
        old, rows[row - 1][index] = rows[row - 1][index], value
        self.set_rows(file, rows)
        return old

    def row_of(self, file: str, column: str, value: str, nth: int = 0) -> int:
        """Row number (header = 1) of the ``nth`` row whose ``column`` is ``value``."""
        rows = self.rows(file)
        index = rows[0].index(column)
        matches = [number for number, row in enumerate(rows[1:], start=2) if row[index] == value]
        return matches[nth]

    def data_rows(self, file: str) -> range:
        """Row numbers of the data rows of a file."""
        return range(2, len(self.rows(file)) + 1)

    def descriptor(self) -> dict[str, Any]:
        return json.loads(self.files[DESCRIPTOR].decode("utf-8"))

    def set_descriptor(self, descriptor: Any) -> None:
        self.files[DESCRIPTOR] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    def resource(self, descriptor: dict[str, Any], name: str) -> dict[str, Any]:
        return next(r for r in descriptor["resources"] if r["name"] == name)

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        for name, content in sorted(self.files.items()):
            (folder / name).write_bytes(content)


def base_package() -> Package:
    """The valid subset of the official example that every bad package changes."""
    source = Package({name: (SOURCE / name).read_bytes() for name in (DESCRIPTOR, *TABLES)})
    observations = source.rows("observations.csv")
    media = source.rows("media.csv")
    oh, mh = observations[0], media[0]
    col = {name: oh.index(name) for name in ("deploymentID", "mediaID", "eventID", "eventStart", "observationLevel")}

    # The first sequences of each deployment, by time.
    starts: dict[str, dict[str, str]] = {}
    for row in observations[1:]:
        events = starts.setdefault(row[col["deploymentID"]], {})
        events[row[col["eventID"]]] = min(events.get(row[col["eventID"]], "~"), row[col["eventStart"]])
    events = {
        event
        for deployment, sequences in starts.items()
        for event in sorted(sequences, key=sequences.get)[: SEQUENCES[deployment]]
    }
    # At most a few images of each of those sequences, in file order.
    per_event: dict[str, list[str]] = {}
    for row in observations[1:]:
        if row[col["observationLevel"]] == "media" and row[col["eventID"]] in events:
            images = per_event.setdefault(row[col["eventID"]], [])
            if row[col["mediaID"]] not in images and len(images) < IMAGES_PER_SEQUENCE:
                images.append(row[col["mediaID"]])
    keep_media = {media_id for images in per_event.values() for media_id in images}
    source.set_rows("media.csv", [mh] + [row for row in media[1:] if row[mh.index("mediaID")] in keep_media])
    source.set_rows(
        "observations.csv",
        [oh]
        + [
            row
            for row in observations[1:]
            if (row[col["observationLevel"]] == "event" and row[col["eventID"]] in events)
            or (row[col["observationLevel"]] == "media" and row[col["mediaID"]] in keep_media)
        ],
    )
    # A shorter descriptor: the taxa of the subset, one contributor, no long free text.
    descriptor = source.descriptor()
    names = {row[oh.index("scientificName")] for row in source.rows("observations.csv")[1:]}
    descriptor["taxonomic"] = [taxon for taxon in descriptor["taxonomic"] if taxon["scientificName"] in names]
    descriptor["contributors"] = descriptor["contributors"][:1]
    descriptor["description"] = "A subset of the Camtrap DP 1.0.2 example package, for nbtools' bad-input tests."
    descriptor["project"]["description"] = "See the Camtrap DP example package."
    for key in ("keywords", "relatedIdentifiers"):
        descriptor.pop(key, None)
    source.set_descriptor(descriptor)
    return source


# --- expectations -----------------------------------------------------------------------------


def error(kind: str, match: str) -> Expect:
    """Reading raises ``kind`` (CamtrapDPError or ChecksumError) with a message matching ``match``."""
    return {"outcome": "error", "error": kind, "match": match}


def flagged(*problems: tuple, set_aside: tuple = ()) -> Expect:
    """Reading gives exactly these problems: (file, row, field, check, severity); and sets aside these rows."""
    return {
        "outcome": "flagged",
        "problems": sorted([list(p) for p in problems], key=lambda p: (p[0], p[1] or 0, p[2] or "", p[3], p[4])),
        "set_aside": [list(s) for s in set_aside],
    }


def reads(equal_to_base: bool = True, values: tuple = (), rows: dict[str, int] | None = None) -> Expect:
    """Reading gives no problem; the tables equal the base's, or these cells hold these values."""
    out: Expect = {"outcome": "reads", "equal_to_base": equal_to_base, "values": [list(v) for v in values]}
    if rows is not None:
        out["rows"] = rows
    return out


CASES: list[tuple[str, str, Callable[[Package], Expect]]] = []


def case(name: str, defect: str) -> Callable:
    def register(make: Callable[[Package], Expect]) -> Callable[[Package], Expect]:
        CASES.append((name, defect, make))
        return make

    return register


# --- the package descriptor -------------------------------------------------------------------


@case("valid", "none: the valid subset every other package changes")
def _(p: Package) -> Expect:
    return reads()


@case("missing_datapackage", "no datapackage.json in the folder")
def _(p: Package) -> Expect:
    del p.files[DESCRIPTOR]
    return error("CamtrapDPError", r"datapackage\.json: not found")


@case("datapackage_not_json", "datapackage.json is cut off half-way (not JSON)")
def _(p: Package) -> Expect:
    text = p.files[DESCRIPTOR].decode("utf-8")
    p.files[DESCRIPTOR] = text[: text.index('"name": "media"')].encode("utf-8")
    return error("CamtrapDPError", r"datapackage\.json: not valid JSON \(line 13, column 7")


@case("datapackage_not_object", "datapackage.json holds a JSON list, not an object")
def _(p: Package) -> Expect:
    p.set_descriptor(p.descriptor()["resources"])
    return error("CamtrapDPError", r"datapackage\.json: must hold a JSON object, found list")


@case("datapackage_latin1", "datapackage.json saved in Latin-1 (a title with é)")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    title = "Rat musqué et ragondin (échantillon)"
    descriptor["title"] = title
    text = json.dumps(descriptor, indent=2).replace(json.dumps(title), f'"{title}"')
    p.files[DESCRIPTOR] = text.encode("latin-1")
    return error("CamtrapDPError", r"datapackage\.json: not UTF-8 text")


@case("datapackage_bom", "datapackage.json starts with a UTF-8 byte-order mark")
def _(p: Package) -> Expect:
    p.files[DESCRIPTOR] = b"\xef\xbb\xbf" + p.files[DESCRIPTOR]
    return reads()


@case("resources_not_a_list", "'resources' is an object, not a list")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    descriptor["resources"] = {r["name"]: r for r in descriptor["resources"]}
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"datapackage\.json: 'resources' must be a list")


@case("missing_resource", "no 'media' resource in datapackage.json")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "media"]
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"datapackage\.json: no resource named media")


@case("duplicate_resource", "two resources named 'observations'")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    descriptor["resources"].append(copy.deepcopy(p.resource(descriptor, "observations")))
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"datapackage\.json: two resources are named 'observations'")


@case("resource_path_missing", "the 'deployments' resource has no 'path'")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    del p.resource(descriptor, "deployments")["path"]
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"datapackage\.json: resource 'deployments' needs one 'path'")


@case("resource_path_list", "the 'media' path is a list of two files")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "media")["path"] = ["media.csv", "media-2.csv"]
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"datapackage\.json: resource 'media' needs one 'path'")


@case("path_dotdot", "the 'deployments' path climbs out of the package with '..'")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "deployments")["path"] = "../00_valid/deployments.csv"
    p.set_descriptor(descriptor)
    return error(
        "CamtrapDPError", r"resource 'deployments' has path '\.\./00_valid/deployments\.csv'; only relative paths"
    )


@case("path_absolute", "the 'deployments' path is absolute (/etc/passwd)")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "deployments")["path"] = "/etc/passwd"
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"resource 'deployments' has path '/etc/passwd'; only relative paths")


@case("path_windows_absolute", "the 'media' path is a Windows drive path (C:\\data\\media.csv)")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "media")["path"] = "C:\\data\\media.csv"
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"resource 'media' has path .*; only relative paths")


@case("path_url", "the 'observations' path is a URL (nothing may be fetched)")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "observations")["path"] = "https://example.org/observations.csv"
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"resource 'observations' has path 'https://example\.org/observations\.csv'")


@case("shared_path", "the 'media' resource points to deployments.csv, the file of another table")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "media")["path"] = "deployments.csv"
    p.set_descriptor(descriptor)
    return error(
        "CamtrapDPError", r"datapackage\.json: resources 'deployments' and 'media' both have path 'deployments\.csv'"
    )


@case("schema_path_dotdot", "the 'media' schema is a local file outside the package ('../schema.json')")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "media")["schema"] = "../media-table-schema.json"
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"resource 'media schema' has path '\.\./media-table-schema\.json'")


@case("schema_file_missing", "the 'media' schema names a local file that is not there")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "media")["schema"] = "media-table-schema.json"
    p.set_descriptor(descriptor)
    return error("CamtrapDPError", r"media-table-schema\.json: the Table Schema of resource 'media' is not found")


@case("schema_file_not_json", "the 'media' schema file is not JSON")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "media")["schema"] = "media-table-schema.json"
    p.set_descriptor(descriptor)
    p.files["media-table-schema.json"] = b'{"fields": [{"name": "mediaID", "type": "string"}\n'
    return error("CamtrapDPError", r"media-table-schema\.json: not valid JSON \(line 2")


@case("dialect_bad_delimiter", "the 'deployments' dialect declares a two-character delimiter")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "deployments")["dialect"] = {"delimiter": ";;"}
    p.set_descriptor(descriptor)
    return error(
        "CamtrapDPError", r"datapackage\.json: the dialect of deployments\.csv: delimiter must be one character"
    )


@case("profile_unknown_value", "project/samplingDesign is 'haphazard' (not in the profile's list)")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    descriptor["project"]["samplingDesign"] = "haphazard"
    p.set_descriptor(descriptor)
    return flagged((DESCRIPTOR, None, "project/samplingDesign", "profile", "error"))


@case("profile_missing_property", "the required 'project' property is missing")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    del descriptor["project"]
    p.set_descriptor(descriptor)
    return flagged((DESCRIPTOR, None, None, "profile", "error"))


# --- files ------------------------------------------------------------------------------------


@case("missing_file", "media.csv is declared but not in the folder")
def _(p: Package) -> Expect:
    del p.files["media.csv"]
    return error("CamtrapDPError", r"media\.csv: file not found")


@case("empty_file", "observations.csv is empty (0 bytes)")
def _(p: Package) -> Expect:
    p.files["observations.csv"] = b""
    return error("CamtrapDPError", r"observations\.csv: the file is empty")


@case("header_only", "observations.csv has its header and no rows")
def _(p: Package) -> Expect:
    p.set_rows("observations.csv", p.rows("observations.csv")[:1])
    counts = {file: len(p.rows(file)) - 1 for file in TABLES}
    return reads(equal_to_base=False, rows={**counts, "observations.csv": 0})


@case("latin1_csv", "deployments.csv saved in Latin-1 (a habitat with ê)")
def _(p: Package) -> Expect:
    row = p.row_of("deployments.csv", "deploymentID", "29b7d356")
    p.edit("deployments.csv", row, "habitat", "Marais protégé, forêt humide")
    p.files["deployments.csv"] = p.files["deployments.csv"].decode("utf-8").encode("latin-1")
    return error("CamtrapDPError", r"deployments\.csv: not UTF-8 text \(byte \d+.*perhaps Latin-1")


@case("utf16_csv", "media.csv saved in UTF-16 (with its byte-order mark)")
def _(p: Package) -> Expect:
    p.files["media.csv"] = p.files["media.csv"].decode("utf-8").encode("utf-16")
    return error("CamtrapDPError", r"media\.csv: not UTF-8 text .*UTF-16")


@case("utf8_bom", "every CSV file starts with a UTF-8 byte-order mark")
def _(p: Package) -> Expect:
    for file in TABLES:
        p.files[file] = b"\xef\xbb\xbf" + p.files[file]
    return reads()


@case("crlf", "every CSV file has Windows (CRLF) line ends")
def _(p: Package) -> Expect:
    for file in TABLES:
        p.files[file] = p.files[file].replace(b"\n", b"\r\n")
    return reads()


@case("gzip_corrupt", "observations.csv.gz is declared but is not a gzip stream")
def _(p: Package) -> Expect:
    descriptor = p.descriptor()
    p.resource(descriptor, "observations")["path"] = "observations.csv.gz"
    p.set_descriptor(descriptor)
    p.files["observations.csv.gz"] = p.files.pop("observations.csv")
    return error("CamtrapDPError", r"observations\.csv\.gz: cannot be read")


@case("semicolon_separated", "deployments.csv is separated by semicolons (no dialect says so)")
def _(p: Package) -> Expect:
    rows = p.rows("deployments.csv")
    p.set_rows("deployments.csv", rows, delimiter=";")
    schema = json.loads(
        (ROOT / "nbtools" / "camtrapdp" / "schemas" / "1.0.2" / "deployments-table-schema.json").read_text()
    )
    expected = [
        (
            "deployments.csv",
            1,
            item["name"],
            "missing-label",
            "error" if item.get("constraints", {}).get("required") else "warning",
        )
        for item in schema["fields"]
    ]
    # one column whose label is the whole header; rows with a comma in a cell split into more cells than
    # that one-column header and are set aside; the foreign keys to deployments cannot be checked
    expected.append(("deployments.csv", 1, ";".join(rows[0]), "extra-label", "warning"))
    split = [number for number, row in enumerate(rows[1:], start=2) if any("," in cell for cell in row)]
    expected += [("deployments.csv", number, None, "extra-cell", "error") for number in split]
    aside = [("deployments.csv", number, "more cells than the header") for number in split]
    return flagged(*expected, set_aside=tuple(aside))


@case("unclosed_quote", "a cell of media.csv opens a quote that is never closed")
def _(p: Package) -> Expect:
    text = p.files["media.csv"].decode("utf-8").split("\n")
    text[5] = text[5].replace(",image/jpeg,", ',"image/jpeg,', 1)
    p.files["media.csv"] = "\n".join(text).encode("utf-8")
    return error("CamtrapDPError", r"media\.csv: row 6: a quoted cell is never closed")


@case("nul_byte", "a NUL byte inside a cell of observations.csv")
def _(p: Package) -> Expect:
    row = 3
    p.edit("observations.csv", row, "scientificName", "Anas\x00platyrhynchos")
    return error("CamtrapDPError", r"observations\.csv: contains a NUL byte \(line 3\)")


# --- the header -------------------------------------------------------------------------------


@case("missing_required_column", "media.csv has no 'timestamp' column")
def _(p: Package) -> Expect:
    rows = p.rows("media.csv")
    index = rows[0].index("timestamp")
    p.set_rows("media.csv", [row[:index] + row[index + 1 :] for row in rows])
    return flagged(("media.csv", 1, "timestamp", "missing-label", "error"))


@case("missing_optional_column", "observations.csv has no 'behavior' column (optional)")
def _(p: Package) -> Expect:
    rows = p.rows("observations.csv")
    index = rows[0].index("behavior")
    p.set_rows("observations.csv", [row[:index] + row[index + 1 :] for row in rows])
    return flagged(("observations.csv", 1, "behavior", "missing-label", "warning"))


@case("duplicate_column", "deployments.csv names 'latitude' twice (the second was 'longitude')")
def _(p: Package) -> Expect:
    rows = p.rows("deployments.csv")
    rows[0][rows[0].index("longitude")] = "latitude"
    p.set_rows("deployments.csv", rows)
    return flagged(
        ("deployments.csv", 1, "latitude", "duplicate-label", "error"),
        ("deployments.csv", 1, "longitude", "missing-label", "error"),
    )


@case("unknown_column", "media.csv has an extra column 'cameraName' the schema does not know")
def _(p: Package) -> Expect:
    rows = p.rows("media.csv")
    p.set_rows("media.csv", [row + (["cameraName"] if i == 0 else ["cam-1"]) for i, row in enumerate(rows)])
    return flagged(("media.csv", 1, "cameraName", "extra-label", "warning"))


# --- rows that cannot stay --------------------------------------------------------------------


@case("duplicate_media_row", "a row of media.csv appears twice (same mediaID)")
def _(p: Package) -> Expect:
    rows = p.rows("media.csv")
    rows.insert(5, rows[4])  # row 6 repeats row 5
    p.set_rows("media.csv", rows)
    return flagged(
        ("media.csv", 6, "mediaID", "primary-key", "error"), set_aside=(("media.csv", 6, "duplicate mediaID"),)
    )


@case("duplicate_deployment_id", "two deployments share a deploymentID (different places)")
def _(p: Package) -> Expect:
    rows = p.rows("deployments.csv")
    twin = list(rows[2])
    twin[rows[0].index("latitude")] = "51.2"
    rows.append([rows[1][0]] + twin[1:])
    p.set_rows("deployments.csv", rows)
    return flagged(
        ("deployments.csv", 6, "deploymentID", "primary-key", "error"),
        set_aside=(("deployments.csv", 6, "duplicate deploymentID"),),
    )


@case("missing_id", "a row of observations.csv has no observationID")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 7, "observationID", "")
    return flagged(
        ("observations.csv", 7, "observationID", "primary-key", "error"),
        set_aside=(("observations.csv", 7, "missing observationID"),),
    )


@case("blank_row", "a blank line in the middle of media.csv")
def _(p: Package) -> Expect:
    lines = p.files["media.csv"].split(b"\n")
    lines.insert(4, b"")  # becomes row 5
    p.files["media.csv"] = b"\n".join(lines)
    return flagged(("media.csv", 5, None, "blank-row", "error"), set_aside=(("media.csv", 5, "blank row"),))


@case("extra_cells", "a row of media.csv has one cell more than the header")
def _(p: Package) -> Expect:
    rows = p.rows("media.csv")
    rows[3].append("surplus")
    p.set_rows("media.csv", rows)
    # the observation of that image now points to a row set aside
    observation = p.row_of("observations.csv", "mediaID", rows[3][0])
    return flagged(
        ("media.csv", 4, None, "extra-cell", "error"),
        ("observations.csv", observation, "mediaID", "foreign-key", "error"),
        set_aside=(("media.csv", 4, "more cells than the header"),),
    )


@case("missing_cells", "a row of deployments.csv stops after its latitude (cells missing)")
def _(p: Package) -> Expect:
    rows = p.rows("deployments.csv")
    rows[2] = rows[2][: rows[0].index("latitude") + 1]
    p.set_rows("deployments.csv", rows)
    return flagged(
        ("deployments.csv", 3, "longitude", "missing-cell", "error"),
        ("deployments.csv", 3, "deploymentStart", "constraint-error", "error"),
        ("deployments.csv", 3, "deploymentEnd", "constraint-error", "error"),
    )


# --- cells ------------------------------------------------------------------------------------


@case("wrong_type_integer", "observations.csv count is 'three'")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 5, "count", "three")
    return flagged(("observations.csv", 5, "count", "parse-error", "error"))


@case("integer_overflow", "observations.csv count is 99999999999999999999 (beyond 64 bits)")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 5, "count", "99999999999999999999")
    return flagged(("observations.csv", 5, "count", "parse-error", "error"))


@case("wrong_type_number", "deployments.csv latitude has a decimal comma (51,181)")
def _(p: Package) -> Expect:
    p.edit("deployments.csv", 3, "latitude", "51,181")
    return flagged(("deployments.csv", 3, "latitude", "parse-error", "error"))


@case("non_finite_number", "deployments.csv cameraHeight is INF")
def _(p: Package) -> Expect:
    p.edit("deployments.csv", 4, "cameraHeight", "INF")
    return flagged(("deployments.csv", 4, "cameraHeight", "parse-error", "error"))


@case("wrong_type_boolean", "media.csv filePublic is 'yes'")
def _(p: Package) -> Expect:
    p.edit("media.csv", 3, "filePublic", "yes")
    return flagged(("media.csv", 3, "filePublic", "parse-error", "error"))


@case("required_value_missing", "a media row has no deploymentID")
def _(p: Package) -> Expect:
    p.edit("media.csv", 4, "deploymentID", "")
    return flagged(("media.csv", 4, "deploymentID", "constraint-error", "error"))


@case("unknown_enum_observation_type", "observations.csv observationType is 'ghost'")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 6, "observationType", "ghost")
    return flagged(("observations.csv", 6, "observationType", "constraint-error", "error"))


@case("unknown_enum_capture_method", "media.csv captureMethod is 'motion'")
def _(p: Package) -> Expect:
    p.edit("media.csv", 2, "captureMethod", "motion")
    return flagged(("media.csv", 2, "captureMethod", "constraint-error", "error"))


@case("count_zero", "observations.csv count is 0")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 4, "count", "0")
    return flagged(("observations.csv", 4, "count", "constraint-error", "error"))


@case("count_negative", "observations.csv count is -2")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 4, "count", "-2")
    return flagged(("observations.csv", 4, "count", "constraint-error", "error"))


# --- timestamps -------------------------------------------------------------------------------


@case("timestamp_no_offset", "a media timestamp without a UTC offset")
def _(p: Package) -> Expect:
    p.edit("media.csv", 3, "timestamp", p.cell("media.csv", 3, "timestamp")[:19])
    return flagged(("media.csv", 3, "timestamp", "parse-error", "error"))


@case("timestamp_date_only", "a deploymentStart that is a date only (2020-05-30)")
def _(p: Package) -> Expect:
    p.edit("deployments.csv", 2, "deploymentStart", "2020-05-30")
    return flagged(("deployments.csv", 2, "deploymentStart", "parse-error", "error"))


@case("timestamp_unparseable", "an eventStart written as 30/05/2020 04:57")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 2, "eventStart", "30/05/2020 04:57")
    return flagged(("observations.csv", 2, "eventStart", "parse-error", "error"))


@case("timestamp_impossible_date", "a deploymentEnd on 31 June")
def _(p: Package) -> Expect:
    p.edit("deployments.csv", 2, "deploymentEnd", "2020-06-31T11:41:41+02:00")
    return flagged(("deployments.csv", 2, "deploymentEnd", "parse-error", "error"))


@case("timestamp_bad_offset", "a media timestamp with offset +25:00")
def _(p: Package) -> Expect:
    p.edit("media.csv", 4, "timestamp", p.cell("media.csv", 4, "timestamp")[:19] + "+25:00")
    return flagged(("media.csv", 4, "timestamp", "parse-error", "error"))


@case("timestamp_out_of_range", "a media timestamp in the year 2300 (beyond what datetime64[ns] holds)")
def _(p: Package) -> Expect:
    p.edit("media.csv", 4, "timestamp", "2300-05-30T04:57:37+02:00")
    return flagged(("media.csv", 4, "timestamp", "parse-error", "error"))


def _first_media_after_dst(p: Package) -> int:
    rows = p.rows("media.csv")
    index = rows[0].index("timestamp")
    return next(n for n, row in enumerate(rows[1:], start=2) if row[index].startswith("2021-03-31"))


@case("dst_gap_without_offset", "a media time in the spring-forward gap, no offset (2021-03-28T02:30:00)")
def _(p: Package) -> Expect:
    row = _first_media_after_dst(p)
    p.edit("media.csv", row, "timestamp", "2021-03-28T02:30:00")
    return flagged(("media.csv", row, "timestamp", "parse-error", "error"))


@case("dst_fold_without_offset", "a deploymentEnd in the autumn fold, no offset (2020-10-25T02:30:00)")
def _(p: Package) -> Expect:
    row = p.row_of("deployments.csv", "deploymentID", "29b7d356")
    p.edit("deployments.csv", row, "deploymentEnd", "2020-10-25T02:30:00")
    return flagged(("deployments.csv", row, "deploymentEnd", "parse-error", "error"))


@case("dst_gap_with_offset", "a media time in the gap with an offset (2021-03-28T02:30:00+01:00): a real moment")
def _(p: Package) -> Expect:
    row = _first_media_after_dst(p)
    p.edit("media.csv", row, "timestamp", "2021-03-28T02:30:00+01:00")
    return reads(equal_to_base=False, values=(("media.csv", row, "timestamp", "2021-03-28T01:30:00Z"),))


@case("dst_summer_offsets", "media after the spring change written in summer time (+02:00): the same moments")
def _(p: Package) -> Expect:
    rows = p.rows("media.csv")
    index = rows[0].index("timestamp")
    for row in rows[1:]:
        if row[index] >= "2021-03-29" and row[index].endswith("+01:00"):
            hour = int(row[index][11:13]) + 1
            day = row[index][:10]
            if hour == 24:  # the only case in the subset is 23:59 on 31 March
                hour, day = 0, "2021-04-01" if day == "2021-03-31" else day
            row[index] = f"{day}T{hour:02d}{row[index][13:19]}+02:00"
    p.set_rows("media.csv", rows)
    return reads()


# --- coordinates ------------------------------------------------------------------------------


@case("latitude_out_of_range", "a latitude of 151.181")
def _(p: Package) -> Expect:
    p.edit("deployments.csv", 3, "latitude", "151.181")
    return flagged(("deployments.csv", 3, "latitude", "coordinates", "error"))


@case("longitude_out_of_range", "a longitude of -200")
def _(p: Package) -> Expect:
    p.edit("deployments.csv", 3, "longitude", "-200")
    return flagged(("deployments.csv", 3, "longitude", "coordinates", "error"))


@case("swapped_coordinates", "latitude and longitude swapped (4.774, 51.496): outside the package's spatial extent")
def _(p: Package) -> Expect:
    latitude = p.edit("deployments.csv", 2, "latitude", p.cell("deployments.csv", 2, "longitude"))
    p.edit("deployments.csv", 2, "longitude", latitude)
    return flagged(("deployments.csv", 2, "latitude", "coordinates", "warning"))  # in range: a plausibility check


@case("outside_spatial_extent", "a deployment 1.5 degrees north of the package's spatial extent")
def _(p: Package) -> Expect:
    p.edit("deployments.csv", 4, "latitude", "52.684")
    return flagged(("deployments.csv", 4, "latitude", "coordinates", "warning"))


@case("null_island", "a deployment at 0, 0 (coordinates probably missing)")
def _(p: Package) -> Expect:
    p.edit("deployments.csv", 5, "latitude", "0")
    p.edit("deployments.csv", 5, "longitude", "0")
    return flagged(("deployments.csv", 5, "latitude", "coordinates", "warning"))


# --- rules across tables ----------------------------------------------------------------------


@case("deployment_ends_before_start", "a deploymentEnd a month before its deploymentStart")
def _(p: Package) -> Expect:
    row = p.row_of("deployments.csv", "deploymentID", "577b543a")
    p.edit("deployments.csv", row, "deploymentEnd", "2020-05-19T23:00:00+02:00")
    expected = [("deployments.csv", row, "deploymentEnd", "deployment-order", "warning")]  # no rule in the spec
    # its media and observations now lie after its end: clock warnings
    for file, columns in (("media.csv", ["timestamp"]), ("observations.csv", ["eventStart", "eventEnd"])):
        for number in p.data_rows(file):
            if p.cell(file, number, "deploymentID") == "577b543a":
                expected += [(file, number, column, "deployment-window", "warning") for column in columns]
    return flagged(*expected)


@case("media_outside_deployment", "a media timestamp a year before its deployment (a camera clock error?)")
def _(p: Package) -> Expect:
    p.edit("media.csv", 2, "timestamp", "2019-05-30T04:57:37+02:00")
    return flagged(("media.csv", 2, "timestamp", "deployment-window", "warning"))


@case("observation_outside_deployment", "an eventEnd a year after its deployment ends")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 2, "eventEnd", "2021-05-30T02:57:44Z")
    return flagged(("observations.csv", 2, "eventEnd", "deployment-window", "warning"))


@case("event_ends_before_start", "an eventEnd one second before its eventStart")
def _(p: Package) -> Expect:
    row = p.row_of("observations.csv", "eventID", p.cell("observations.csv", 2, "eventID"), nth=2)
    p.edit("observations.csv", row, "eventEnd", "2020-05-30T02:57:39Z")
    return flagged(("observations.csv", row, "eventEnd", "event-order", "warning"))  # no rule in the spec


@case("broken_fk_deployment", "an observation names a deploymentID that is not in deployments.csv")
def _(p: Package) -> Expect:
    row = p.row_of("observations.csv", "observationLevel", "event", nth=1)
    p.edit("observations.csv", row, "deploymentID", "nowhere")
    return flagged(("observations.csv", row, "deploymentID", "foreign-key", "error"))


@case("broken_fk_media", "an observation names a mediaID that is not in media.csv")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 3, "mediaID", "no-such-image")
    return flagged(("observations.csv", 3, "mediaID", "foreign-key", "error"))


@case("media_of_other_deployment", "a media-level observation's deployment is not its image's deployment")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 3, "deploymentID", "29b7d356")
    return flagged(
        ("observations.csv", 3, "deploymentID", "media-deployment", "warning"),  # the foreign keys hold
        # and its times lie outside that other deployment
        ("observations.csv", 3, "eventStart", "deployment-window", "warning"),
        ("observations.csv", 3, "eventEnd", "deployment-window", "warning"),
    )


@case("media_level_without_media", "a media-level observation without a mediaID")
def _(p: Package) -> Expect:
    p.edit("observations.csv", 3, "mediaID", "")
    return flagged(("observations.csv", 3, "mediaID", "observation-level", "warning"))  # mediaID is optional


@case("bbox_leaves_image", "a bounding box with bboxX + bboxWidth = 1.2")
def _(p: Package) -> Expect:
    row = next(n for n in p.data_rows("observations.csv") if p.cell("observations.csv", n, "bboxX"))
    p.edit("observations.csv", row, "bboxX", "0.9")
    p.edit("observations.csv", row, "bboxWidth", "0.3")
    return flagged(("observations.csv", row, "bboxWidth", "bbox", "warning"))  # each value is in range


@case("checksum_mismatch", "media.csv differs from the SHA-256 recorded in the package's SHA256SUMS")
def _(p: Package) -> Expect:
    import hashlib

    sums = "".join(f"{hashlib.sha256(p.files[name]).hexdigest()}  {name}\n" for name in (DESCRIPTOR, *TABLES))
    p.files["SHA256SUMS"] = sums.encode("utf-8")
    p.edit("media.csv", 2, "captureMethod", "timeLapse")
    return error("ChecksumError", r"media\.csv: checksum mismatch")


# --- writing ----------------------------------------------------------------------------------


def outcome_text(expect: Expect) -> str:
    """The expected outcome in words, for the README table."""
    if expect["outcome"] == "error":
        return f"`{expect['error']}` matching `{expect['match']}`".replace("|", "\\|")
    if expect["outcome"] == "reads":
        if expect.get("rows") is not None:
            counts = ", ".join(f"{n} {f.removesuffix('.csv')}" for f, n in expect["rows"].items())
            return f"reads, no problem ({counts})"
        if expect["values"]:
            return "reads, no problem; " + "; ".join(f"{f} row {r} {c} = {v}" for f, r, c, v in expect["values"])
        return "reads, no problem; tables equal to `00_valid`"
    parts = []
    for file, row, column, check, severity in expect["problems"]:
        where = file + (f" row {row}" if row is not None else "") + (f" {column}" if column else "")
        parts.append(f"{where}: {check} ({severity})")
    if len(parts) > 4:
        parts = parts[:3] + [f"... {len(parts) - 3} more"]
    aside = [f"{file} row {row} set aside ({reason})" for file, row, reason in expect["set_aside"]]
    return "; ".join(parts + aside)


README_HEAD = """# A corpus of bad Camtrap DP packages

Made by `python tools/make_bad_corpus.py` (do not edit by hand: run the script again) from a small valid
subset of the official Camtrap DP 1.0.2 example (`data/camtrap-dp-example`, CC0-1.0): {deployments} deployments,
{media} media, {observations} observations. `00_valid` is that subset; every other package changes one thing in it.
`manifest.json` holds the expected outcomes that `tests/test_bad_input.py` checks:

- **error**: reading raises the named error with a message that names the file (and row where there is one);
- **flagged**: reading succeeds and the report holds exactly these problems (file, row as in the file with the
  header as row 1, field, check, severity), rows that cannot stay are set aside with their raw text, and the
  row accounting holds (rows read = kept + set aside; flagged rows are kept rows);
- **reads**: reading succeeds with no problem.

Timestamps and daylight saving: the reader turns each timestamp into a UTC moment with the UTC offset written
in it, never with a time zone. A wall-clock time in a spring-forward gap or an autumn fold is therefore a
well-defined moment as long as it carries an offset (`2021-03-28T02:30:00+01:00` is 01:30 UTC even though
02:30 never happened on Belgian clocks that night; `02:30+02:00` and `02:30+01:00` in the October fold are
two moments an hour apart). A timestamp without an offset is an error, never guessed, because in a gap it
names no moment and in a fold it names two.

| package | defect | expected outcome |
| --- | --- | --- |
"""


def build(out: Path = OUT) -> list[dict[str, Any]]:
    """Write every package, ``manifest.json`` and ``README.md`` into ``out``; returns the manifest entries."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.iterdir():
        if stale.is_dir() and re.match(r"^\d\d_", stale.name):
            shutil.rmtree(stale)
    base = base_package()
    entries = []
    for number, (name, defect, make) in enumerate(CASES):
        package = Package(dict(base.files))
        expect = make(package)
        folder = f"{number:02d}_{name}"
        package.write(out / folder)
        entries.append({"package": folder, "defect": defect, **expect})
    manifest = {
        "source": "data/camtrap-dp-example (Camtrap DP 1.0.2 example, CC0-1.0)",
        "made_by": "tools/make_bad_corpus.py",
        "packages": entries,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    counts = {file.removesuffix(".csv"): len(base.rows(file)) - 1 for file in TABLES}
    lines = [README_HEAD.format(**counts)]
    for entry in entries:
        lines.append(f"| `{entry['package']}` | {entry['defect'].replace('|', '/')} | {outcome_text(entry)} |\n")
    (out / "README.md").write_text("".join(lines), encoding="utf-8")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write (default tests/data/bad)")
    args = parser.parse_args()
    entries = build(args.out)
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"wrote {len(entries)} packages into {args.out} ({size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
