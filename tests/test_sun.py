"""nbtools.sun: one sunrise/sunset formula in every unit, and its inverses.

overlap::sunTime itself is the R reference of ``sun_time`` (tests/test_activity.py, test_sun_time_matches_sunTime);
here: physical checks that do not depend on the formula, and the simulator's units against overlap's radians.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbtools import sun

KEDROVAYA_PAD = (43.1, 131.5)  # degrees north, east
ZONE = "Asia/Vladivostok"  # UTC+10 all year (no DST since 2011)


def test_solar_noon_and_day_length_at_the_solstices() -> None:
    """Solar noon at 131.5 E in UTC+10 is about 13:14 (the equation of time moves it by < 17 min). Day length
    from the sunrise equation by hand, cos H0 = (sin(-0.833 deg) - sin(lat) sin(decl)) / (cos(lat) cos(decl)) with
    the solstices' declination of +-23.44 deg: 15.37 h in June and 8.99 h in December at 43.1 N."""
    table = sun.sunrise_sunset_table(["2017-06-21", "2017-12-21"], *KEDROVAYA_PAD, ZONE)
    noon_h = (
        (table.sunrise + (table.sunset - table.sunrise) / 2).dt.hour
        + (table.sunrise + (table.sunset - table.sunrise) / 2).dt.minute / 60
    ).to_numpy()
    np.testing.assert_allclose(noon_h, 13.23, atol=0.3)
    np.testing.assert_allclose(table.day_length_h.to_numpy(), [15.37, 8.99], atol=0.05)


def test_the_simulator_and_the_analyses_see_the_same_sun_over_a_year() -> None:
    """One formula: the simulator's table (timestamps rounded to the second) and overlap's radians agree to
    half a second (the rounding) on every day of a year, and its local hours to the float."""
    dates = pd.date_range("2017-01-01", "2017-12-31", freq="D")
    meeus = sun.sunrise_sunset(dates, *KEDROVAYA_PAD, timezone=ZONE)  # local radians
    table = sun.sunrise_sunset_table(dates, *KEDROVAYA_PAD, ZONE)
    hours = sun.local_sunrise_sunset_hours(dates.to_numpy().astype("datetime64[D]"), *KEDROVAYA_PAD, 10.0)
    for event, event_h in zip(("sunrise", "sunset"), hours, strict=True):
        local = table[event].dt.tz_localize(None)
        table_s = ((local - local.dt.normalize()).dt.total_seconds()).to_numpy()
        meeus_s = meeus[event].to_numpy() / (2 * np.pi) * 86400
        assert np.max(np.abs(table_s - meeus_s)) <= 0.5 + 1e-6, event
        np.testing.assert_allclose(event_h * 3600, meeus_s, rtol=0, atol=1e-6)


def test_solar_events_needs_dates_not_days_of_the_year() -> None:
    """The formula runs on in Julian centuries: a day of the year without its year is refused, not guessed."""
    with pytest.raises(TypeError, match="year as well as the day of the year"):
        sun.solar_events(np.array([15]), 43.1, 131.5)
    by_string = sun.solar_events(["2017-01-15", "2018-01-15"], 43.1, 131.5)
    by_day = sun.solar_events(np.array(["2017-01-15", "2018-01-15"], dtype="datetime64[D]"), 43.1, 131.5)
    np.testing.assert_array_equal(by_string, by_day)
    assert by_day[0][0] != by_day[0][1]  # the same day of the year, another year: another sunrise


@pytest.mark.parametrize("latitude", [0.0, 43.1, 60.0])
def test_sun_to_clock_inverts_clock_to_sun(latitude: float) -> None:
    clock_h = np.linspace(0.5, 23.5, 47)
    day = np.full(clock_h.shape, np.datetime64("2017-03-01"))
    sun_rad = sun.clock_to_sun(clock_h, day, latitude, 131.5, utc_offset_h=10.0)
    assert np.all((sun_rad >= 0) & (sun_rad < 2 * np.pi))
    back_h = sun.sun_to_clock(sun_rad, day, latitude, 131.5, utc_offset_h=10.0)
    np.testing.assert_allclose(np.mod(back_h, 24.0), clock_h, atol=1e-9)  # clock hours may run past 24


def test_double_anchor_maps_sunrise_and_sunset_to_quarter_and_three_quarter_turns() -> None:
    rise, sset = np.array([1.5]), np.array([4.9])
    np.testing.assert_allclose(sun.double_anchor(rise, rise, sset), np.pi / 2, atol=1e-12)
    np.testing.assert_allclose(sun.double_anchor(sset, rise, sset), 3 * np.pi / 2, atol=1e-12)


def test_polar_night_has_no_sunrise() -> None:
    rise, sset = sun.solar_events(np.array(["2017-12-21"], dtype="datetime64[D]"), np.array([80.0]), np.array([0.0]))
    assert np.isnan(rise).all() and np.isnan(sset).all()


def test_local_hours_agree_with_the_table() -> None:
    day = np.array(["2017-06-21"], dtype="datetime64[D]")
    rise_h, sset_h = sun.local_sunrise_sunset_hours(day, *KEDROVAYA_PAD, utc_offset_h=10.0)
    table = sun.sunrise_sunset_table(["2017-06-21"], *KEDROVAYA_PAD, ZONE)
    hours = table.sunrise.dt.hour + table.sunrise.dt.minute / 60 + table.sunrise.dt.second / 3600
    np.testing.assert_allclose(rise_h, hours.to_numpy(), atol=1 / 3600)
