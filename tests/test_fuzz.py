"""Fuzz the Camtrap DP reader: damaged CSV files and damaged ``datapackage.json`` files.

Whatever the bytes, ``read_camtrapdp`` either returns a package whose row accounting holds, or raises one
of the toolkit's own errors (``CamtrapDPError``, ``ChecksumError``, ``CatalogError``): never another
exception. Inputs start from the valid corpus package ``tests/data/bad/00_valid`` and are changed by
hypothesis: bytes inserted, deleted, replaced or repeated, cells replaced by awkward values (quotes,
separators, line breaks, NUL, byte-order marks, huge numbers, impossible dates), whole files replaced by
random bytes, and parts of the descriptor replaced by random JSON (paths, schemas, dialects, inline data,
spatial metadata).

Time budget: ``FUZZ_SECONDS`` (default 20) shared by the two fuzzers, so that ``make test`` stays fast.
The long run (5 minutes or more) is::

    FUZZ_SECONDS=300 python -m pytest tests/test_fuzz.py -m slow -p no:cacheprovider -s
    FUZZ_SECONDS=300 python tests/test_fuzz.py          # the same, printing the counts

Each run prints the number of cases tried and what they gave.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbtools.camtrapdp import CamtrapDP, CamtrapDPError, read_camtrapdp
from nbtools.camtrapdp.schemas import CORE_TABLES, field_specs, table_schema
from nbtools.catalog import CatalogError
from nbtools.checksums import ChecksumError

BASE = Path(__file__).parent / "data" / "bad" / "00_valid"
FILES = {
    name: (BASE / name).read_bytes()
    for name in ("datapackage.json", "deployments.csv", "media.csv", "observations.csv")
}
DESCRIPTOR = json.loads(FILES["datapackage.json"])
ALLOWED = (CamtrapDPError, ChecksumError, CatalogError)
BUDGET = float(os.environ.get("FUZZ_SECONDS", "20"))

#: Awkward cell values and byte strings that reach the reader's corners.
TOKENS = [
    # quotes, separators, control characters
    *["", '"', '""', '"a,b"', ",", ";", "\t", "\n", "\r", "\r\n", "\x00", "\ufeff"],
    # missing values, numbers, booleans
    *["NA", "NaN", "nan", "inf", "-INF", "1e999", "-0", "99999999999999999999", "1.5", "0x10", "true", "yes"],
    # timestamps: with and without an offset, a day alone, 30 February, far future and past, offset +25:00, 02:30 on
    # the day European clocks spring forward
    *["2020-05-30T04:57:37+02:00", "2020-05-30T04:57:37", "2020-05-30", "2020-02-30T00:00:00Z"],
    *["2300-01-01T00:00:00Z", "1600-01-01T00:00:00Z", "2020-05-30T04:57:37+25:00", "2021-03-28T02:30:00+01:00"],
    # the package's vocabulary and identifiers, text, paths
    *["media", "event", "ghost", "00a2c20d", "07840dcc"],
    *["é", "\u2028", "💥", "a" * 300, "../x", "/etc/passwd", "https://example.org/x"],
]
BYTES = [t.encode("utf-8") for t in TOKENS] + [b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\x80", b"\xc3", b"\x1f\x8b"]

# --- strategies -------------------------------------------------------------------------------


@st.composite
def mutated_bytes(draw, data: bytes) -> bytes:
    """The bytes of a file with a few byte-level changes."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(out)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "repeat", "truncate"]))
        if kind == "insert":
            out[position:position] = draw(st.one_of(st.sampled_from(BYTES), st.binary(min_size=1, max_size=8)))
        elif kind == "delete":
            del out[position : position + draw(st.integers(1, 40))]
        elif kind == "replace" and position < len(out):
            out[position] = draw(st.integers(0, 255))
        elif kind == "repeat":
            out[position:position] = out[position : position + draw(st.integers(1, 200))]
        elif kind == "truncate":
            del out[position:]
    return bytes(out)


@st.composite
def mutated_cells(draw, data: bytes) -> bytes:
    """A CSV file with some cells (or header labels) replaced by awkward values, written back with commas."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.integers(0, len(rows) - 1))
        if not rows[row]:
            continue
        column = draw(st.integers(0, len(rows[row]) - 1))
        rows[row][column] = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=10)))
    if draw(st.booleans()):  # add a cell to a row, or drop its last
        row = rows[draw(st.integers(0, len(rows) - 1))]
        if draw(st.booleans()):
            row.append("extra")
        elif row:
            row.pop()
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def csv_file(name: str) -> st.SearchStrategy[bytes]:
    data = FILES[name]
    return st.one_of(
        mutated_bytes(data),
        mutated_cells(data),
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(TOKENS),
        st.text(max_size=12),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

#: Places in the descriptor where a damaged value reaches the reader's code paths.
_FIELD_NAMES = [spec.name for name in CORE_TABLES for spec in field_specs(table_schema(name))]
JSON_PATHS = [
    ("resources",),
    ("profile",),
    ("spatial",),
    ("spatial", "coordinates"),
    ("temporal",),
    ("project",),
    ("taxonomic",),
    ("title",),
    *[("resources", i, key) for i in range(4) for key in ("name", "path", "schema", "dialect", "data", "profile")],
    ("resources", 3),
    ("resources", 0),
    ("resources", 0, "dialect", "delimiter"),
    ("resources", 1, "dialect", "quoteChar"),
]


@st.composite
def mutated_descriptor(draw) -> bytes:
    """``datapackage.json`` with parts replaced by random JSON, or with byte-level changes."""
    if draw(st.integers(0, 3)) == 0:
        return draw(mutated_bytes(FILES["datapackage.json"]))
    descriptor = copy.deepcopy(DESCRIPTOR)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(JSON_PATHS))
        value = draw(
            st.one_of(
                json_values,
                st.builds(
                    lambda n: {"fields": [{"name": n, "type": "integer"}], "primaryKey": n},
                    st.sampled_from(_FIELD_NAMES),
                ),
                st.fixed_dictionaries(
                    {
                        "name": st.text(max_size=6),
                        "path": st.sampled_from(["media.csv", "x.csv", ""]),
                        "data": json_values,
                    }
                ),
                st.fixed_dictionaries(
                    {
                        "delimiter": st.sampled_from([",", ";", "", ",,", "\n", '"', 5]),
                        "quoteChar": st.sampled_from(['"', "'", ",", ""]),
                    }
                ),
            )
        )
        _set(descriptor, path, value)
    text = json.dumps(descriptor, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")


def _set(document: Any, path: tuple, value: Any) -> None:
    """Set ``document[path]``, creating nothing: a path that does not exist is left alone."""
    node = document
    for key in path[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return
    try:
        if isinstance(node, (dict, list)):
            node[path[-1]] = value
    except (IndexError, TypeError):
        return


# --- the harness ------------------------------------------------------------------------------


class Fuzzer:
    """Runs cases in a scratch folder and keeps the tally: returned, refused by error type."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tally: Counter[str] = Counter()

    def run(self, files: dict[str, bytes], validate: bool) -> None:
        for old in self.folder.iterdir():
            old.unlink()
        for name, data in files.items():
            (self.folder / name).write_bytes(data)
        try:
            pkg = read_camtrapdp(self.folder, validate=validate)
        except ALLOWED as error:
            self.tally[type(error).__name__] += 1
            assert str(error), "an error must say what is wrong"
            return
        descriptor = json.loads((self.folder / "datapackage.json").read_text(encoding="utf-8-sig"))
        paths = {r["name"]: r["path"] for r in descriptor["resources"] if r.get("name") in CORE_TABLES}
        check_package(pkg, paths)
        self.tally["read" if pkg.report.valid else "read with problems"] += 1


def check_package(pkg: CamtrapDP, paths: dict[str, str]) -> None:
    """What every package the reader returns must satisfy (``paths``: the file of each core table)."""
    accounting = pkg.report.accounting().set_index("file")
    assert accounting.index.is_unique
    for name, table in pkg.tables().items():
        assert list(table.columns[: len(field_specs(table_schema(name)))]) == [
            s.name for s in field_specs(table_schema(name))
        ]
        file = paths[name]
        read, kept, aside, flagged = accounting.loc[file, ["read", "kept", "set_aside", "flagged"]]
        assert read == kept + aside and len(table) == kept and flagged <= kept
        assert set(table.index).isdisjoint(pkg.report.set_aside[file].index)
    for problem in pkg.report.problems:
        assert problem.file and problem.message and problem.severity in ("error", "warning")
    str(pkg.report), pkg.report.to_frame(), repr(pkg)  # the report can be shown


def fuzz_csv(fuzzer: Fuzzer, seconds: float) -> int:
    """Damage one CSV table (sometimes gzipped) per case, for ``seconds``; returns the number of cases run."""
    before = sum(fuzzer.tally.values())

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        data=st.data(),
        name=st.sampled_from(["deployments.csv", "media.csv", "observations.csv"]),
        validate=st.sampled_from([False, False, False, True]),
        gz=st.integers(0, 9),
    )
    def case(data, name, validate, gz) -> None:
        files = dict(FILES)
        damaged = data.draw(csv_file(name))
        if gz == 0:  # a gzipped resource: compressed, or damaged bytes that claim to be gzip
            descriptor = copy.deepcopy(DESCRIPTOR)
            next(r for r in descriptor["resources"] if r["name"] == name.removesuffix(".csv"))["path"] = name + ".gz"
            files["datapackage.json"] = json.dumps(descriptor).encode()
            del files[name]
            files[name + ".gz"] = gzip.compress(damaged, mtime=0) if data.draw(st.booleans()) else damaged
        else:
            files[name] = damaged
        fuzzer.run(files, validate)

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        case()
    return sum(fuzzer.tally.values()) - before


def fuzz_json(fuzzer: Fuzzer, seconds: float) -> int:
    """Damage ``datapackage.json`` per case, for ``seconds``; returns the number of cases run."""
    before = sum(fuzzer.tally.values())

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(descriptor=mutated_descriptor(), validate=st.sampled_from([False, False, True]))
    def case(descriptor, validate) -> None:
        fuzzer.run({**FILES, "datapackage.json": descriptor}, validate)

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        case()
    return sum(fuzzer.tally.values()) - before


def _report(kind: str, count: int, seconds: float, tally: Counter) -> str:
    outcomes = ", ".join(f"{n} {k}" for k, n in tally.most_common())
    return f"fuzz {kind}: {count} cases in {seconds:.0f} s ({outcomes})"


@pytest.mark.slow
@pytest.mark.parametrize("kind, share", [("csv", 0.6), ("json", 0.4)])
def test_fuzz_reader(kind: str, share: float, tmp_path: Path) -> None:
    """No exception but the toolkit's own; every package returned keeps its row accounting."""
    fuzzer = Fuzzer(tmp_path)
    started = time.monotonic()
    count = (fuzz_csv if kind == "csv" else fuzz_json)(fuzzer, BUDGET * share)
    print(_report(kind, count, time.monotonic() - started, fuzzer.tally))
    assert count > 0


if __name__ == "__main__":
    totals = []
    for kind, share in (("csv", 0.6), ("json", 0.4)):
        with tempfile.TemporaryDirectory() as scratch:
            fuzzer = Fuzzer(Path(scratch))
            started = time.monotonic()
            count = (fuzz_csv if kind == "csv" else fuzz_json)(fuzzer, BUDGET * share)
            print(_report(kind, count, time.monotonic() - started, fuzzer.tally), flush=True)
            totals.append(count)
    print(f"fuzz total: {sum(totals)} cases in {BUDGET:.0f} s budget", file=sys.stderr)
