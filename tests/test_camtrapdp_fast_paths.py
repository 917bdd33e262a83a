"""The fast paths of reading a Camtrap DP package give what the slower ways gave (issue 18).

Each speed-up of :func:`nbtools.camtrapdp.read_camtrapdp` that replaces one
computation by another is checked here against the one it replaces.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

#: Zones at random points of the land and sea, looked up in a fresh interpreter.
_LOOKUP = """
import json, sys
import numpy as np
if sys.argv[1] == "numba":
    import numba  # noqa: F401 -- loaded first: timezonefinder then compiles its helpers with it
from nbtools.timezones import zones_at
rng = np.random.default_rng(18)
lat, lon = rng.uniform(-90, 90, 3000), rng.uniform(-180, 180, 3000)
zones = zones_at(lat, lon).tolist()
from timezonefinder import utils  # after the lookup, which imports timezonefinder
print(json.dumps({"numba": bool(utils.using_numba), "zones": zones}))
"""


def _zones(mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _LOOKUP, mode], capture_output=True, text=True, check=True, timeout=600
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_zones_without_numba_are_those_with_numba() -> None:
    """timezonefinder imported without numba (nbtools.timezones, 0.8 s less) finds the zones it finds with numba."""
    light, compiled = _zones("plain"), _zones("numba")
    assert light["numba"] is False
    assert compiled["numba"] is True
    assert light["zones"] == compiled["zones"]
    assert len(set(light["zones"])) > 100  # land zones and the nautical Etc/GMT zones
    assert np.mean([z is not None for z in light["zones"]]) == 1.0


#: Timestamps of the common spelling and around it: bad days, hours, offsets, years, and other spellings.
_TIMESTAMPS = [
    "2021-04-05T19:08:33Z",
    "2021-04-05T19:08:33+10:00",
    "2021-04-05T19:08:33+1000",
    "2021-04-05T19:08:33-0530",
    "2021-04-05T19:08:33+23:59",
    "2021-04-05T19:08:33+24:00",
    "2021-04-05T19:08:33+00:60",
    "2021-04-05T19:08:33-05",
    "2021-04-05 19:08:33Z",
    "2021-04-05T19:08:33.5Z",
    "2021-04-05T19:08:33z",
    "2021-04-05T19:08:33",
    "2021-04-05",
    "2021-02-29T00:00:00Z",
    "2020-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2000-02-29T00:00:00Z",
    "2021-04-31T00:00:00Z",
    "2021-13-01T00:00:00Z",
    "2021-00-10T00:00:00Z",
    "2021-01-00T00:00:00Z",
    "2021-01-01T24:00:00Z",
    "2021-01-01T23:60:00Z",
    "2021-01-01T23:59:60Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "1500-06-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2262-04-11T23:47:16Z",
    "2262-04-11T23:47:17Z",
    "x",
    "",
]


def _text(cells: list[str]):
    import pandas as pd

    from nbtools.camtrapdp.tables import _TEXT_DTYPE

    return pd.Series(pd.array(cells, dtype=_TEXT_DTYPE), index=range(2, 2 + len(cells)))


def test_timestamp_check_by_cast_is_strptimes() -> None:
    """The schema check's cast of Camtrap DP timestamps refuses exactly the cells datetime.strptime refuses."""
    from nbtools.camtrapdp.constraints import ISO_FORMAT, _arrow, _reader

    reader = _reader({"name": "t", "type": "datetime", "format": ISO_FORMAT})
    for cells in (_TIMESTAMPS, [c for c in _TIMESTAMPS if c.startswith("2021-04-05T19:08:33")]):
        text = _text(cells)
        present = (text != "").to_numpy()
        bad, _ = reader.judge(_arrow(text), present)
        expected = [cell != "" and reader.python(cell) is None for cell in cells]
        assert bad.tolist() == expected


def test_timestamps_typed_by_cast_are_pandas() -> None:
    """Timestamps typed through pyarrow's cast are pandas' ISO 8601 moments, with the same problems reported."""
    from unittest import mock

    from nbtools.camtrapdp import tables
    from nbtools.camtrapdp.report import ValidationReport
    from nbtools.camtrapdp.schemas import field_specs, table_schema

    spec = next(s for s in field_specs(table_schema("media")) if s.name == "timestamp")
    valid = [c for c in _TIMESTAMPS if c.endswith(("Z", "0")) and not c.startswith(("0000", "2262-04-11T23:47:17"))]
    # cells the cast reads, with cells left to pandas (a fraction, a space, no offset) and one missing
    cast = ["2021-04-05T19:08:33Z", "2021-04-05T19:08:33+10:00", "2021-04-05T19:08:33+1000", "2021-04-05T19:08:33-0530"]
    cast += ["2020-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2262-04-11T23:47:16Z", "1700-01-01T00:00:00-0100"]
    mixed = [*cast, "2021-04-05T19:08:33.5Z", "2021-04-05 19:08:33Z", "2021-04-05T19:08:33", "x", ""]
    for cells in (_TIMESTAMPS, _TIMESTAMPS[:4], _TIMESTAMPS[:4] + [""], valid, cast, mixed):

        def typed(cells=cells):
            text = _text(cells)
            report = ValidationReport()
            values, bad = tables._parse_timestamps(text, text == "", spec, "media.csv", report)
            return values, bad, [(p.row, p.value, p.message) for p in report.problems]

        fast = typed()
        if cells is cast or cells is mixed:  # the cast is taken (a cell it refuses leaves the column to pandas)
            text = _text(cells)
            assert tables._strict_moments(text, text == "")[0].any()
        with mock.patch.object(tables, "_strict_moments", lambda text, missing: (text != text, None)):
            slow = typed()
        assert fast[0].dtype == slow[0].dtype == "datetime64[ns, UTC]"
        assert fast[0].equals(slow[0])
        assert fast[1].equals(slow[1])
        assert fast[2] == slow[2]


def test_numbers_by_cast_are_pandas() -> None:
    """Numbers read by pyarrow's cast are pandas.to_numeric's floats, to the last bit; other spellings go to pandas."""
    from unittest import mock

    import pandas as pd

    from nbtools.camtrapdp.tables import _PLAIN_INTEGER, _PLAIN_NUMBER, _to_numbers

    rng = np.random.default_rng(18)
    values = np.concatenate([rng.random(20_000), rng.random(5_000) * 1e-300, rng.normal(size=5_000) * 1e15])
    plain = (
        [repr(float(v)) for v in values] + [f"{v:.17g}" for v in values[:5_000]] + [f"{v:.25f}" for v in values[:2_000]]
    )
    plain += ["0.1", "1e5", "1.", ".5", "007", "4.9406564584124654e-324", "1.7976931348623157e308", "1e309", ""]
    odd = ["+5", " 5", "1_000", "inf", "nan", "0x10", "five"]
    for cells, pattern in (
        (plain, _PLAIN_NUMBER),
        (plain + odd, _PLAIN_NUMBER),
        (["5", "-12", "", "007"], _PLAIN_INTEGER),
    ):
        text = _text(cells)
        missing = text == ""
        fast = _to_numbers(text, missing, pattern).to_numpy(dtype=float, na_value=np.nan)
        if cells is plain:  # every cell plain: the cast alone reads them, pandas is not asked
            with mock.patch.object(pd, "to_numeric", side_effect=AssertionError("pandas asked")):
                _to_numbers(text, missing, pattern)
        slow = pd.to_numeric(text.where(~missing), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        assert np.array_equal(fast, slow, equal_nan=True)
        assert np.array_equal(np.signbit(fast), np.signbit(slow))
