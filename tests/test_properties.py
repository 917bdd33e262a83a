"""Property-based tests (hypothesis) that the module test files do not already hold.

- Camtrap DP: generated valid tables (every field of the official schemas, any Unicode text with commas, quotes
  and line breaks, timestamps from 1900 to 2200 written in zones with daylight saving, half-hour and odd
  offsets, and an extra ``individuals`` resource) written by ``write_camtrapdp`` and read by
  ``read_camtrapdp`` give equal tables.
- Effort: the camera operation matrix does not depend on the order of the deployment rows.
- Circular statistics: the kernel density is a density (non-negative, integrates to 1) and turns with the
  data; time of day lies in [0, 2 pi) and ignores whole days.

Already covered elsewhere (not repeated here): events against a reference rule, independence of row order,
monotone in the threshold (tests/test_events.py); operation values in [0, 1] and trap-night sums
(tests/test_effort.py); Dhat1/Dhat4 in [0, 1], symmetric, invariant to rotating both samples, and 1 for
identical samples (tests/test_activity.py).
"""

from __future__ import annotations

import json
import string
import warnings
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nbtools.activity import bandwidth, circular_density, time_of_day
from nbtools.camtrapdp import CamtrapDP, read_camtrapdp, write_camtrapdp
from nbtools.camtrapdp.schemas import CORE_TABLES, field_specs, missing_values, table_schema
from nbtools.effort import camera_operation

CORPUS = Path(__file__).parent / "data" / "bad"
ZONES = ["UTC", "Asia/Vladivostok", "Europe/Brussels", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham"]
MISSING = set(missing_values(table_schema("deployments")))
TWO_PI = 2 * np.pi

# --- Camtrap DP round trip --------------------------------------------------------------------

#: Any text a user might type, except NUL (refused by reader and writer) and lone surrogates (not UTF-8).
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12
).filter(lambda s: s not in MISSING)
path_text = st.text(alphabet=string.ascii_letters + string.digits + "_-/", min_size=1, max_size=20).filter(
    lambda s: not s.startswith("/") and ".." not in s and s not in MISSING  # "NaN" is a missing value, not a path
)
#: Moments from 1900 to 2200 in nanoseconds, whole seconds (Camtrap DP's timestamp format has no fractions).
_T0, _T1 = pd.Timestamp("1900-01-01", tz="UTC").value, pd.Timestamp("2200-01-01", tz="UTC").value
moments = st.integers(_T0 // 10**9, _T1 // 10**9).map(lambda s: s * 10**9)


def _value(spec, draw, optional: bool):
    """One valid value for a field of the official schemas, or None for an optional field."""
    if optional and not spec.required and draw(st.booleans()):
        return None
    if spec.enum is not None:
        return draw(st.sampled_from(spec.enum))
    if spec.name == "filePath":
        return draw(path_text)
    if spec.name == "fileMediatype":
        return draw(st.sampled_from(["image/jpeg", "video/mp4", "audio/wav"]))
    if spec.type == "integer":
        low = int(spec.minimum) if spec.minimum is not None else -(10**6)
        high = int(spec.maximum) if spec.maximum is not None else 10**6
        return draw(st.integers(low, high))
    if spec.type == "number":
        low = float(spec.minimum) if spec.minimum is not None else -1e6
        high = float(spec.maximum) if spec.maximum is not None else 1e6
        return draw(st.floats(low, high, allow_nan=False, allow_infinity=False))
    if spec.type == "boolean":
        return draw(st.booleans())
    if spec.type == "datetime":
        return pd.Timestamp(draw(moments), tz="UTC")
    return draw(text)


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    """A table typed as the reader types it: every schema field in order, index = row number in the file."""
    columns = {}
    for spec in field_specs(table_schema(name)):
        values = [row.get(spec.name) for row in rows]
        if spec.enum is not None:
            columns[spec.name] = pd.Series(pd.Categorical(values, categories=list(spec.enum)))
        elif spec.type == "datetime":
            columns[spec.name] = pd.Series(pd.to_datetime(pd.Series(values, dtype=object), utc=True)).astype(
                "datetime64[ns, UTC]"
            )
        else:
            dtype = {"integer": "Int64", "number": "float64", "boolean": "boolean"}.get(spec.type, "string")
            columns[spec.name] = pd.Series(pd.array(values, dtype=dtype if dtype != "float64" else "Float64")).astype(
                dtype
            )
    frame = pd.DataFrame(columns)
    frame.index = pd.RangeIndex(2, 2 + len(rows), name="row")
    return frame


@st.composite
def packages(draw) -> CamtrapDP:
    """Small valid Camtrap DP packages: 1-3 deployments, 0-5 media and 0-5 observations."""
    specs = {name: field_specs(table_schema(name)) for name in CORE_TABLES}
    ids = draw(st.lists(text, min_size=1 + 10 + 10, max_size=1 + 10 + 10, unique=True))
    n_dep, n_media, n_obs = draw(st.integers(1, 3)), draw(st.integers(0, 5)), draw(st.integers(0, 5))
    deployments = []
    for i in range(n_dep):
        row = {s.name: _value(s, draw, optional=True) for s in specs["deployments"]}
        start = draw(moments)
        assume(not (row["latitude"] == 0 and row["longitude"] == 0))  # (0, 0) is flagged: probably missing
        row.update(
            deploymentID=ids[i],
            deploymentStart=pd.Timestamp(start, tz="UTC"),
            deploymentEnd=pd.Timestamp(start + draw(st.integers(0, 400 * 86_400)) * 10**9, tz="UTC"),
        )
        deployments.append(row)

    def moment_in(dep: dict) -> pd.Timestamp:
        start, end = dep["deploymentStart"].value // 10**9, dep["deploymentEnd"].value // 10**9
        return pd.Timestamp(draw(st.integers(start, end)) * 10**9, tz="UTC")

    media = []
    for i in range(n_media):
        dep = draw(st.sampled_from(deployments))
        row = {s.name: _value(s, draw, optional=True) for s in specs["media"]}
        row.update(mediaID=ids[1 + i], deploymentID=dep["deploymentID"], timestamp=moment_in(dep))
        media.append(row)
    observations = []
    for i in range(n_obs):
        row = {s.name: _value(s, draw, optional=True) for s in specs["observations"]}
        if media and draw(st.booleans()):
            image = draw(st.sampled_from(media))
            dep = next(d for d in deployments if d["deploymentID"] == image["deploymentID"])
            row.update(mediaID=image["mediaID"], observationLevel="media")
        else:
            dep = draw(st.sampled_from(deployments))
            row.update(mediaID=None, observationLevel="event")
        first, second = sorted([moment_in(dep), moment_in(dep)])
        row.update(observationID=ids[11 + i], deploymentID=dep["deploymentID"], eventStart=first, eventEnd=second)
        if row["bboxX"] is not None or draw(st.booleans()):  # a box inside the image, or none
            x, y = draw(st.floats(0, 0.5)), draw(st.floats(0, 0.5))
            w, h = draw(st.floats(1e-6, 0.5)), draw(st.floats(1e-6, 0.5))
            row.update(bboxX=x, bboxY=y, bboxWidth=w, bboxHeight=h)
        else:
            row.update(bboxX=None, bboxY=None, bboxWidth=None, bboxHeight=None)
        observations.append(row)

    metadata = json.loads((CORPUS / "00_valid" / "datapackage.json").read_text(encoding="utf-8"))
    metadata.pop("resources")
    metadata["title"] = draw(text)
    lat = [d["latitude"] for d in deployments]
    lon = [d["longitude"] for d in deployments]
    west, south, east, north = min(lon), min(lat), max(lon), max(lat)
    metadata["spatial"] = {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }
    n_ind = draw(st.integers(0, 4))
    individuals = pd.DataFrame(
        {
            "individualID": pd.array(draw(st.lists(text, min_size=n_ind, max_size=n_ind, unique=True)), dtype="string"),
            "birthYear": pd.array([draw(st.none() | st.integers(1900, 2100)) for _ in range(n_ind)], dtype="Int64"),
            "weight": pd.array([draw(st.none() | st.floats(0, 500)) for _ in range(n_ind)], dtype="Float64").astype(
                "float64"
            ),
            "collared": pd.array([draw(st.none() | st.booleans()) for _ in range(n_ind)], dtype="boolean"),
            "firstSeen": pd.to_datetime(
                pd.Series([draw(moments) for _ in range(n_ind)], dtype="int64"), utc=True
            ).astype("datetime64[ns, UTC]"),
        },
        index=pd.RangeIndex(2, 2 + n_ind, name="row"),
    )
    tables = (_frame("deployments", deployments), _frame("media", media), _frame("observations", observations))
    return CamtrapDP(*tables, metadata, resources={"individuals": individuals})


def _round_trip(pkg: CamtrapDP, zone: str, compress: bool, validate: bool) -> None:
    with TemporaryDirectory() as folder:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the generated text never holds a missing-value marker
            write_camtrapdp(pkg, folder, timezone=zone, compress=compress)
        # read in the zone it was written in: the random coordinates' own zone would flag the offsets (utc-offset)
        again = read_camtrapdp(folder, validate=validate, timezone=zone)
    assert again.timezone == zone
    assert again.report.problems == [], str(again.report)
    for name, table in pkg.tables().items():
        pd.testing.assert_frame_equal(getattr(again, name), table, check_index_type="equiv")
    for name, table in pkg.resources.items():
        pd.testing.assert_frame_equal(again.resources[name], table, check_index_type="equiv")
    assert again.metadata == pkg.metadata


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pkg=packages(), zone=st.sampled_from(ZONES), compress=st.booleans())
def test_write_then_read_gives_equal_tables(pkg: CamtrapDP, zone: str, compress: bool) -> None:
    _round_trip(pkg, zone, compress, validate=False)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pkg=packages(), zone=st.sampled_from(ZONES))
def test_written_packages_pass_the_schema_checks(pkg: CamtrapDP, zone: str) -> None:
    """The same with the profile and frictionless checks: generated valid tables stay valid when written."""
    _round_trip(pkg, zone, compress=False, validate=True)


# --- effort -----------------------------------------------------------------------------------

deployment_rows = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 20 * 24 * 60), st.integers(1, 10 * 24 * 60)), min_size=1, max_size=6
)


@settings(max_examples=40, deadline=None)
@given(rows=deployment_rows, seed=st.integers(0, 2**32 - 1), zone=st.sampled_from(ZONES))
def test_camera_operation_does_not_depend_on_row_order(rows, seed, zone) -> None:
    t0 = pd.Timestamp("2021-03-20", tz="UTC")  # spans the European spring change
    dep = pd.DataFrame(
        {
            "deploymentID": [f"d{i}" for i in range(len(rows))],
            "locationID": [f"L{loc}" for loc, _, _ in rows],
            "deploymentStart": [t0 + pd.Timedelta(minutes=s) for _, s, _ in rows],
            "deploymentEnd": [t0 + pd.Timedelta(minutes=s + d) for _, s, d in rows],
        }
    )
    shuffled = dep.sample(frac=1, random_state=np.random.RandomState(seed))
    for by in ("locationID", "deploymentID"):
        a = camera_operation(dep, by=by, timezone=zone)
        b = camera_operation(shuffled, by=by, timezone=zone)
        pd.testing.assert_frame_equal(a.sort_index(), b.sort_index())


# --- circular statistics ----------------------------------------------------------------------

angles = st.floats(0.0, TWO_PI, exclude_max=True, allow_nan=False)
samples = st.lists(angles, min_size=3, max_size=60).map(np.array)
GRID = np.linspace(0, TWO_PI, 1024, endpoint=False)


def _spread(x: np.ndarray) -> bool:
    """Enough distinct values, not all at one time, so that the bandwidth exists and is moderate."""
    resultant = np.hypot(np.cos(x).mean(), np.sin(x).mean())
    return np.unique(np.round(x, 6)).size >= 3 and resultant < 0.9


@settings(max_examples=40, deadline=None)
@given(x=samples, adjust=st.sampled_from([0.8, 1.0, 2.0]))
def test_circular_density_is_a_density(x: np.ndarray, adjust: float) -> None:
    assume(_spread(x))
    density = circular_density(x, GRID, adjust=adjust)
    assert np.all(density >= 0) and np.all(np.isfinite(density))
    assert density.mean() * TWO_PI == pytest.approx(1.0, abs=1e-6)  # the rectangle rule is exact for smooth periodic f


@settings(max_examples=40, deadline=None)
@given(x=samples, shift=angles)
def test_circular_density_turns_with_the_data(x: np.ndarray, shift: float) -> None:
    assume(_spread(x))
    turned = (x + shift) % TWO_PI
    assert bandwidth(turned) == pytest.approx(bandwidth(x), rel=1e-9)
    at = np.linspace(0, TWO_PI, 37)
    np.testing.assert_allclose(
        circular_density(turned, (at + shift) % TWO_PI), circular_density(x, at), rtol=1e-9, atol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(moment=moments, days=st.integers(-400, 400), zone=st.sampled_from(["UTC", "Asia/Tokyo", "Asia/Kathmandu"]))
def test_time_of_day_in_range_and_ignores_whole_days(moment: int, days: int, zone: str) -> None:
    """In zones with one offset since 1990 (Tokyo: no daylight saving since 1951; Kathmandu +05:45 since
    1986), a whole number of days later is the same time of day."""
    t = pd.Series([pd.Timestamp(moment, tz="UTC")]).clip(lower=pd.Timestamp("1991-02-05", tz="UTC"))
    later = t + pd.Timedelta(days=days)
    a, b = np.asarray(time_of_day(t, zone)), np.asarray(time_of_day(later, zone))
    assert np.all((a >= 0) & (a < TWO_PI))
    assert b == pytest.approx(a, abs=1e-9)
