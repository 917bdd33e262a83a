"""Local time found, never assumed; UTC offsets that disagree reported (issue #17, points 4 and 5).

The study's time zone is the one the user gives, else the one the package states, else the IANA
zone where the cameras stand (timezonefinder, offline). Timestamps written in UTC (``Z``, as Agouti
writes them) must give the same local times of day and camera days as the same moments written
with local offsets.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLE, ROOT, read_rows, write_rows

from nbtools.activity import time_of_day
from nbtools.camtrapdp import read_camtrapdp
from nbtools.camtrapdp.offsets import check_offsets, offset_minutes, written_offsets
from nbtools.camtrapdp.report import ValidationReport
from nbtools.effort import camera_operation
from nbtools.quality import check_deployments
from nbtools.study import Study
from nbtools.timezones import check_zone, choose_timezone, zones_at

REAL = Path(__file__).parent / "data" / "real"
PANAMA = REAL / "ucsb-panama"
LEOPARD = ROOT / "data" / "leopard-study"

TIMESTAMP_FIELDS = {
    "deployments": ("deploymentStart", "deploymentEnd"),
    "media": ("timestamp",),
    "observations": ("eventStart", "eventEnd", "classificationTimestamp"),
}


def rewrite_in_utc(source: Path, target: Path, keep_rows: int | None = None) -> Path:
    """A copy of a package with every timestamp rewritten in UTC with ``Z``, as Agouti writes them.

    Reads plain or gzipped CSV resources; ``keep_rows`` keeps only the first rows of media and
    observations (every deployment stays).
    """
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("SHA256SUMS"))
    descriptor = json.loads((target / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        fields = TIMESTAMP_FIELDS.get(resource["name"])
        if fields is None:
            continue
        table = pd.read_csv(target / resource["path"], dtype=str, keep_default_na=False)
        if keep_rows is not None and resource["name"] != "deployments":
            table = table.head(keep_rows)
        for field in fields:
            if field in table.columns:
                text = table[field]
                utc = pd.to_datetime(text.where(text != ""), format="ISO8601", utc=True)
                table[field] = utc.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("")
        (target / resource["path"]).unlink()
        resource["path"] = resource["path"].removesuffix(".gz")
        table.to_csv(target / resource["path"], index=False)
    (target / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    return target


# --- choosing the zone ------------------------------------------------------------------------------


def test_zones_at_known_places_and_missing_coordinates():
    zones = zones_at([43.1, 51.0, 8.88, np.nan, 95.0], [131.4, 4.9, -82.67, 3.0, 3.0])
    assert zones.tolist() == ["Asia/Vladivostok", "Europe/Brussels", "America/Panama", None, None]


def test_given_zone_wins_then_stated_then_coordinates_then_offset():
    dep = pd.DataFrame({"latitude": [51.0], "longitude": [4.9]})
    assert choose_timezone(dep, given="Asia/Tokyo", stated="Europe/Paris").zone == "Asia/Tokyo"
    stated = choose_timezone(dep, stated="Europe/Paris")
    assert (stated.zone, stated.source) == ("Europe/Paris", "stated")
    found = choose_timezone(dep, written_offset="+00:00")
    assert (found.zone, found.source) == ("Europe/Brussels", "coordinates")
    assert "where the cameras stand" in found.reason
    nowhere = choose_timezone(pd.DataFrame({"latitude": [np.nan], "longitude": [np.nan]}), written_offset="+02:00")
    assert (nowhere.zone, nowhere.source) == ("+02:00", "offset")
    assert choose_timezone(None).zone == "UTC"


def test_a_study_across_two_zones_says_so():
    # Land of the Leopard (Russia) and, across the border, Hunchun (China)
    dep = pd.DataFrame({"latitude": [43.1, 43.0, 42.9], "longitude": [131.4, 131.3, 130.5]})
    choice = choose_timezone(dep)
    assert choice.zone == "Asia/Vladivostok"
    assert choice.spans_zones and choice.zones == {"Asia/Vladivostok": 2, "Asia/Shanghai": 1}
    assert "spans 2 time zones" in choice.reason and "Asia/Shanghai (1)" in choice.reason


def test_unknown_zone_is_refused_with_what_is_accepted():
    assert check_zone("+10:00") == "+10:00"
    with pytest.raises(ValueError, match="'Europe/Bruxelles' is not known.*IANA"):
        choose_timezone(None, given="Europe/Bruxelles")


# --- packages written in UTC --------------------------------------------------------------------------


def test_example_written_in_utc_gets_europe_brussels_and_the_same_local_times(tmp_path):
    utc = rewrite_in_utc(EXAMPLE, tmp_path / "utc")
    assert read_rows(utc / "media.csv")[1][3].endswith("Z")
    package = read_camtrapdp(utc)
    assert package.utc_offset == "+00:00"
    assert package.timezone == "Europe/Brussels"
    assert any("Europe/Brussels: where the cameras stand" in note for note in package.report.notes)
    study = Study.from_camtrapdp(package)
    assert study.timezone == "Europe/Brussels" and "Europe/Brussels" in repr(study)

    original = Study.from_camtrapdp(EXAMPLE)
    assert original.timezone == "Europe/Brussels"
    # same moments, so the same local times of day and the same camera days, whatever the offsets written
    a = time_of_day(study.observations["eventStart"], study.timezone)
    b = time_of_day(original.observations["eventStart"], original.timezone)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b))
    pd.testing.assert_frame_equal(
        camera_operation(study.deployments, timezone=study.timezone),
        camera_operation(original.deployments, timezone=original.timezone),
    )
    # what taking UTC for local time would have done: every hour of the day wrong by the offset (1-2 h)
    hours_utc = np.asarray(time_of_day(study.observations["eventStart"], "UTC")) * 24 / (2 * np.pi)
    hours_local = np.asarray(a) * 24 / (2 * np.pi)
    shift = np.round((hours_local - hours_utc) % 24, 6)
    assert set(np.unique(shift[~np.isnan(shift)])) <= {1.0, 2.0}


def test_default_study_written_in_utc_gets_asia_vladivostok(tmp_path):
    utc = rewrite_in_utc(LEOPARD, tmp_path / "leopard-utc", keep_rows=300)
    study = Study.from_camtrapdp(utc, validate=False)
    assert study.timezone == "Asia/Vladivostok"
    # the simulated park reaches over the border: the stations there are in China's zone, and the choice says so
    zones = pd.Series(zones_at(study.deployments["latitude"], study.deployments["longitude"])).value_counts()
    assert zones.index[0] == "Asia/Vladivostok" and set(zones.index) <= {"Asia/Vladivostok", "Asia/Shanghai"}
    assert f"({zones.iloc[0]} of {len(study.deployments)} deployments)" in study.timezone_reason
    assert "spans" in study.timezone_reason if len(zones) > 1 else "all" in study.timezone_reason


def test_users_zone_wins_over_the_coordinates(tmp_path):
    utc = rewrite_in_utc(EXAMPLE, tmp_path / "utc")
    study = Study.from_camtrapdp(utc, timezone="Europe/London")
    assert study.timezone == "Europe/London"
    assert study.timezone_reason == "time zone Europe/London: given by the user"
    assert read_camtrapdp(utc, timezone="Etc/GMT-3").timezone == "Etc/GMT-3"


# --- offsets that disagree --------------------------------------------------------------------------------


def test_offset_arithmetic():
    assert [offset_minutes(o) for o in ("Z", "+00:00", "-05:00", "+0530", "+10")] == [0, 0, -300, 330, 600]


def test_real_package_with_media_four_hours_off_its_deployments():
    """UCSB's Panama package: deployments at -05:00 (Panama's zone), media and observations at -09:00."""
    package = read_camtrapdp(PANAMA)
    assert package.timezone == "America/Panama"
    shifts = package.report.to_frame().query("check == 'utc-offset'")
    # by hand from the CSVs: the three deployments with media are written at -09:00 in media.csv and
    # observations.csv (eventStart and eventEnd), their deployments at -05:00
    media = pd.read_csv(PANAMA / "media.csv", dtype=str)
    with_media = sorted(media["deploymentID"].unique())
    assert len(with_media) == 3 and media["timestamp"].str.endswith("-09:00").all()
    assert (
        sorted(shifts.loc[shifts["file"] == "media.csv", "message"].str.extract(r"deployment (\S+) written")[0])
        == with_media
    )
    assert len(shifts) == 3 * 3  # media timestamp, observations eventStart and eventEnd, per deployment
    assert (shifts["value"] == "-09:00").all()
    assert (
        shifts["message"]
        .str.contains(
            "deployments.csv writes deployment .* at -05:00, and the study's time zone America/Panama is at -05:00 then: "
            "a shift of -4 h"
        )
        .all()
    )
    first = shifts[shifts["file"] == "media.csv"].sort_values("row").iloc[0]
    first_of = media.index[media["deploymentID"] == first["message"].split()[3]][0] + 2  # header is row 1
    assert first["row"] == first_of and first["field"] == "timestamp"


def test_check_deployments_lists_the_shifted_deployments_as_clock_faults():
    study = Study.from_camtrapdp(PANAMA)
    findings = check_deployments(study)
    clock = findings[findings["check"] == "clock_offset"]
    media = pd.read_csv(PANAMA / "media.csv", dtype=str)
    assert sorted(clock["deploymentID"]) == sorted(media["deploymentID"].unique())
    assert (clock["offset_s"] == -4 * 3600).all()
    assert clock["message"].str.contains("UTC offset -09:00").all()
    assert clock["message"].str.contains(r"timestamp in media.csv \(\d+ rows\)").all()


def test_offset_that_is_not_the_zones_that_year(tmp_path, example_copy):
    """+03:00 in Belgium (never the zone's) is flagged; +01:00 in April (a clock on standard time) is not."""
    assert read_camtrapdp(EXAMPLE).report.to_frame().query("check == 'utc-offset'").empty  # ends 2021-04-18 at +01:00
    rows = read_rows(example_copy / "deployments.csv")
    j = rows[0].index("deploymentStart")
    rows[1][j] = "2020-05-30T05:57:37+03:00"  # the same moment as 04:57:37+02:00
    write_rows(example_copy / "deployments.csv", rows)
    package = read_camtrapdp(example_copy)
    flagged = package.report.to_frame().query("check == 'utc-offset'")
    assert len(flagged) == 1
    row = flagged.iloc[0]
    assert (row["file"], row["row"], row["field"], row["value"]) == ("deployments.csv", 2, "deploymentStart", "+03:00")
    assert "Europe/Brussels is at +02:00 then: a shift of +1 h" in row["message"]
    # the same table, read with the offsets only: written_offsets keeps both offsets of that deployment
    offsets = written_offsets(
        pd.DataFrame(rows[1:], columns=rows[0], index=range(2, len(rows) + 1)), "deployments", "deployments.csv"
    )
    dep = rows[1][rows[0].index("deploymentID")]
    assert sorted(offsets.loc[offsets["deploymentID"] == dep, "offset"]) == ["+02:00", "+03:00"]


def test_without_a_zone_tables_that_disagree_are_reported():
    offsets = pd.DataFrame(
        [
            [
                "deployments",
                "deployments.csv",
                "d1",
                "deploymentStart",
                "-05:00",
                1,
                2,
                "2025-07-21T00:00:00-05:00",
                "2025-07-21T00:00:00-05:00",
            ],
            [
                "media",
                "media.csv",
                "d1",
                "timestamp",
                "-09:00",
                30,
                2,
                "2025-07-21T23:11:10-09:00",
                "2025-07-22T02:00:00-09:00",
            ],
            [
                "media",
                "media.csv",
                "d2",
                "timestamp",
                "-05:00",
                3,
                40,
                "2025-07-21T23:11:10-05:00",
                "2025-07-22T02:00:00-05:00",
            ],
        ],
        columns=["table", "file", "deploymentID", "column", "offset", "rows", "first_row", "first", "last"],
    )
    report = ValidationReport()
    found = check_offsets(offsets, report, zone=None)
    assert found[
        ["deploymentID", "file", "offset", "expected", "shift_hours", "rows", "first_row"]
    ].values.tolist() == [["d1", "media.csv", "-09:00", "-05:00", -4.0, 30, 2]]
    assert "deployments.csv writes deployment d1 at -05:00: a shift of -4 h" in report.problems[0].message


def test_a_clock_that_follows_daylight_saving_time_is_not_a_fault():
    """Media after the spring change at +02:00, their deployment at +01:00: both Brussels' offsets, same moments."""
    offsets = pd.DataFrame(
        [
            [
                "deployments",
                "deployments.csv",
                "d1",
                "deploymentStart",
                "+01:00",
                1,
                2,
                "2021-03-27T21:38:18+01:00",
                "2021-03-27T21:38:18+01:00",
            ],
            [
                "media",
                "media.csv",
                "d1",
                "timestamp",
                "+02:00",
                30,
                2,
                "2021-03-29T10:00:00+02:00",
                "2021-04-10T02:00:00+02:00",
            ],
        ],
        columns=["table", "file", "deploymentID", "column", "offset", "rows", "first_row", "first", "last"],
    )
    assert check_offsets(offsets, ValidationReport(), zone="Europe/Brussels").empty


def test_utc_timestamps_are_never_compared():
    offsets = pd.DataFrame(
        [
            [
                "deployments",
                "deployments.csv",
                "d1",
                "deploymentStart",
                "+02:00",
                1,
                2,
                "2020-06-01T10:00:00+02:00",
                "2020-06-01T10:00:00+02:00",
            ],
            ["media", "media.csv", "d1", "timestamp", "+00:00", 5, 2, "2020-06-01T09:00:00Z", "2020-06-02T09:00:00Z"],
        ],
        columns=["table", "file", "deploymentID", "column", "offset", "rows", "first_row", "first", "last"],
    )
    assert check_offsets(offsets, ValidationReport(), zone="Europe/Brussels").empty
