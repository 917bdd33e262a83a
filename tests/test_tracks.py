"""GPS-collar tracks simulated on the committed default study (nbtools.simulate.tracks)."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from nbtools.catalog import DATA_DIR, open_catalog
from nbtools.habitat import sample_at
from nbtools.simulate.tracks import (
    COLUMNS,
    FIX_INTERVALS_MIN,
    CollarParameters,
    home_range_area_km2,
    home_range_summary,
    simulate_collar_tracks,
    track_lines,
)

SEED = 20161101
DAYS = 365
NAMED = {"Kedrovka", "Berry", "Typhoon", "Meamur"}


@pytest.fixture(scope="module")
def habitat():
    return open_catalog("leopard").habitat.read()


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((DATA_DIR / "leopard-study" / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def records(truth) -> dict:
    return {r["individualID"]: r for r in truth["individuals"]}


@pytest.fixture(scope="module")
def run(truth, habitat) -> tuple[pd.DataFrame, float]:
    """Ten collars for a year; the second of two runs is timed (the first may compile the numba kernel)."""
    simulate_collar_tracks(truth, habitat, n_collars=1, days=2, seed=SEED, progress=False)
    started = time.perf_counter()
    tracks = simulate_collar_tracks(truth, habitat, n_collars=10, days=DAYS, seed=SEED, progress=False)
    return tracks, time.perf_counter() - started


@pytest.fixture(scope="module")
def tracks(run) -> pd.DataFrame:
    return run[0]


@pytest.fixture(scope="module")
def ok(tracks) -> pd.DataFrame:
    return tracks[tracks["fix_ok"]]


@pytest.fixture(scope="module")
def at_fixes(ok, habitat) -> pd.DataFrame:
    return sample_at(habitat, ok["x"], ok["y"], variables=["land", "in_park", "forest_cover"])


def test_columns_and_dtypes(tracks, records) -> None:
    assert tuple(tracks.columns) == COLUMNS
    assert isinstance(tracks["individualID"].dtype, pd.CategoricalDtype)
    assert isinstance(tracks["sex"].dtype, pd.CategoricalDtype)
    assert str(tracks["timestamp"].dtype) == "datetime64[ns, UTC]"
    for column in ("x", "y", "step_m"):
        assert tracks[column].dtype == np.float64
    assert tracks["fix_interval_min"].dtype == np.int64
    assert tracks["fix_ok"].dtype == bool
    ids = list(tracks["individualID"].cat.categories)
    assert len(ids) == 10 and len(set(ids)) == 10
    assert {records[i]["name"] for i in ids if records[i]["name"]} == NAMED  # the named cats are collared
    assert all(records[i]["species"] == "leopard" and not records[i]["cub"] for i in ids)
    sexes = tracks.groupby("individualID", observed=True)["sex"].first()
    assert all(sexes[i] == records[i]["sex"] for i in ids)
    assert tracks.attrs["crs"] == "EPSG:32652" and tracks.attrs["timezone"] == "Asia/Vladivostok"
    # ordered by collar and time, 150k-350k attempts for ten collars at 15-60 min
    assert (tracks["individualID"].cat.codes.diff().fillna(0) >= 0).all()
    assert (tracks.groupby("individualID", observed=True)["timestamp"].diff().dropna() > pd.Timedelta(0)).all()
    assert 150_000 <= len(tracks) <= 350_400


def test_counts_follow_the_schedule_and_failures_are_recorded(tracks) -> None:
    by = tracks.groupby("individualID", observed=True)
    interval = by["fix_interval_min"].agg(["min", "max"])
    assert (interval["min"] == interval["max"]).all()  # one programmed interval per collar
    assert set(interval["min"]) <= set(FIX_INTERVALS_MIN) and interval["min"].between(15, 60).all()
    assert interval["min"].nunique() > 1  # intervals vary between collars
    assert (by.size() == DAYS * 1440 // interval["min"]).all()  # every scheduled attempt is a row
    assert dict(interval["min"]) == tracks.attrs["schedule"]
    # attempts start at local midnight of 2016-11-01 and are one interval apart (+- the 5-120 s fix time)
    first = by["timestamp"].min().dt.tz_convert("Asia/Vladivostok")
    assert (first >= pd.Timestamp("2016-11-01", tz="Asia/Vladivostok")).all()
    assert (first < pd.Timestamp("2016-11-01 00:02:01", tz="Asia/Vladivostok")).all()
    gap_min = by["timestamp"].diff().dt.total_seconds() / 60 - tracks["fix_interval_min"]
    assert gap_min.dropna().abs().max() <= 2.0
    # a few % of fixes fail; they are kept as rows with no position and no step
    failed = ~tracks["fix_ok"]
    assert 0.02 <= failed.mean() <= 0.10
    assert (by["fix_ok"].mean() < 0.99).all()
    assert tracks.loc[failed, ["x", "y", "step_m"]].isna().all().all()
    assert tracks.loc[~failed, ["x", "y"]].notna().all().all()
    # steps are distances from the previous successful fix of the same collar
    for _, group in tracks[~failed].groupby("individualID", observed=True):
        expected = np.hypot(group["x"].diff(), group["y"].diff()).to_numpy()
        np.testing.assert_allclose(group["step_m"].to_numpy()[1:], expected[1:])
        assert np.isnan(group["step_m"].iloc[0])


def test_fix_failures_are_more_frequent_under_dense_forest(tracks, habitat) -> None:
    # the true position of a failed fix is unknown; the previous successful fix is minutes away
    prev_x = tracks.groupby("individualID", observed=True)["x"].shift(1)
    prev_y = tracks.groupby("individualID", observed=True)["y"].shift(1)
    known = prev_x.notna()
    forest = sample_at(habitat, prev_x[known], prev_y[known], variables=["forest_cover"])["forest_cover"]
    fail = ~tracks.loc[known, "fix_ok"]
    dense, open_ = fail[forest >= 0.9].mean(), fail[forest <= 0.5].mean()
    assert dense > open_ + 0.015, (dense, open_)


def assert_same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Exact equality of two track frames (pandas' assert_frame_equal is slow on 200k categorical rows)."""
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    assert (a.dtypes == b.dtypes).all()
    for column in a.columns:
        if isinstance(a[column].dtype, pd.CategoricalDtype):
            assert list(a[column].cat.categories) == list(b[column].cat.categories)
            np.testing.assert_array_equal(a[column].cat.codes.to_numpy(), b[column].cat.codes.to_numpy())
        elif column == "timestamp":
            np.testing.assert_array_equal(pd.DatetimeIndex(a[column]).asi8, pd.DatetimeIndex(b[column]).asi8)
        else:
            np.testing.assert_array_equal(a[column].to_numpy(), b[column].to_numpy())  # NaN == NaN here


def test_same_seed_gives_the_same_frame(truth, habitat, tracks) -> None:
    again = simulate_collar_tracks(truth, habitat, n_collars=10, days=DAYS, seed=SEED, progress=False)
    assert_same_frame(again, tracks)
    assert again.attrs == tracks.attrs
    short = simulate_collar_tracks(truth, habitat, n_collars=3, days=20, seed=SEED, progress=False)
    other = simulate_collar_tracks(truth, habitat, n_collars=3, days=20, seed=SEED + 1, progress=False)
    assert not np.array_equal(other["x"].to_numpy()[:500], short["x"].to_numpy()[:500], equal_nan=True)
    generator = simulate_collar_tracks(
        truth, habitat, n_collars=3, days=20, seed=np.random.default_rng(SEED), progress=False
    )
    assert_same_frame(generator, short)


def test_fixes_lie_on_land_in_the_raster_and_mostly_in_the_park(at_fixes) -> None:
    assert at_fixes["land"].notna().all()  # 100 % inside the habitat raster
    assert (at_fixes["land"] == 1.0).all()  # 100 % on land: never at sea
    assert at_fixes["in_park"].mean() >= 0.90  # 93-99 % in the park across seeds (95 % here)


def test_spread_around_the_activity_centre_matches_the_sex_specific_sigma(ok, records) -> None:
    ratios = {}
    for individual, group in ok.groupby("individualID", observed=True):
        r = records[individual]
        rms = np.sqrt((((group["x"] - r["ac_x"]) ** 2 + (group["y"] - r["ac_y"]) ** 2).mean()) / 2.0)
        ratios[individual] = rms / r["sigma_m"]
        assert r["sigma_m"] == (2000.0 if r["sex"] == "female" else 3500.0)
    values = np.array(list(ratios.values()))
    # per collar within 20 % of sigma (0.87-1.13 over seeds 1-8), on average within 7 %
    assert np.all((values > 0.80) & (values < 1.20)), ratios
    assert abs(values.mean() - 1.0) < 0.07, ratios


def test_home_range_summary_mcp_matches_the_half_normal_home_range(tracks, truth) -> None:
    summary = home_range_summary(tracks, truth)
    assert list(summary["individualID"]) == list(tracks["individualID"].cat.categories)
    assert (summary["attempts"] == tracks.groupby("individualID", observed=True).size().to_numpy()).all()
    assert np.allclose(summary["fix_success"], summary["fixes"] / summary["attempts"])
    np.testing.assert_allclose(summary["expected_km2"], np.pi * (2.4477 * summary["sigma_m"]) ** 2 / 1e6, rtol=1e-4)
    ratio = summary["mcp_km2"] / summary["expected_km2"]  # 0.66-1.14 over seeds 1-8
    assert ratio.between(0.6, 1.4).all(), ratio
    assert abs(ratio.median() - 1.0) < 0.2
    assert (summary["centre_error_m"] < 0.5 * summary["sigma_m"]).all()
    assert summary["spread_m"].between(0.8 * summary["sigma_m"], 1.2 * summary["sigma_m"]).all()
    # males range further than females (several to 20 km a day)
    km = summary.groupby("sex")["km_per_day"].mean()
    assert 4 < km["female"] < km["male"] < 25
    assert round(float(home_range_area_km2(2000.0)), 1) == 75.3


def test_leopards_move_more_at_night_than_at_midday(tracks) -> None:
    by = tracks.groupby("individualID", observed=True)
    after_ok = tracks["fix_ok"] & by["fix_ok"].shift(1, fill_value=False).astype(bool)
    hours = by["timestamp"].diff().dt.total_seconds() / 3600.0
    speed = (tracks["step_m"] / hours)[after_ok]  # m/h over one fix interval
    local = tracks.loc[after_ok, "timestamp"].dt.tz_convert("Asia/Vladivostok").dt.hour
    night = speed[(local >= 20) | (local < 4)].mean()
    midday = speed[(local >= 10) & (local < 14)].mean()
    assert night > 5 * midday, (night, midday)  # crepuscular and nocturnal, resting by day


def test_habitat_selection_favours_forest(tracks, ok, at_fixes, habitat, records, truth) -> None:
    xx, yy = np.meshgrid(habitat["x"].values, habitat["y"].values)
    land = habitat["land"].values
    forest = habitat["forest_cover"].values
    used, available = [], []
    for individual, group in ok.groupby("individualID", observed=True):
        r = records[individual]
        home = land & (np.hypot(xx - r["ac_x"], yy - r["ac_y"]) <= 2.4477 * r["sigma_m"])  # 95 % home range
        used.append(at_fixes.loc[group.index, "forest_cover"].mean())
        available.append(float(forest[home].mean()))
    used, available = np.array(used), np.array(available)
    assert used.mean() > available.mean() + 0.02
    assert (used > available).sum() >= 8  # 9-10 of 10 over seeds 1-8
    # the same seed without forest selection: every cat uses less forest
    plain = simulate_collar_tracks(
        truth,
        habitat,
        n_collars=10,
        days=DAYS,
        seed=SEED,
        progress=False,
        parameters=CollarParameters(forest_selection=0.0),
    )
    plain_ok = plain[plain["fix_ok"]]
    plain_forest = sample_at(habitat, plain_ok["x"], plain_ok["y"], variables=["forest_cover"])["forest_cover"]
    by_cat = plain_forest.groupby(plain_ok["individualID"].to_numpy()).mean()
    assert all(used[k] > by_cat[i] for k, i in enumerate(tracks["individualID"].cat.categories))


def test_track_lines_are_ordered_per_individual_and_feed_holoviews(tracks, ok) -> None:
    lines = track_lines(tracks)
    assert [line["individualID"] for line in lines] == list(tracks["individualID"].cat.categories)
    for line in lines:
        group = ok[ok["individualID"] == line["individualID"]].sort_values("timestamp")
        np.testing.assert_array_equal(line["x"], group["x"].to_numpy())
        np.testing.assert_array_equal(line["y"], group["y"].to_numpy())
    split = track_lines(tracks, max_gap="2h")
    assert len(split) >= len(lines) and sum(len(line["x"]) for line in split) == len(ok)
    flat = track_lines(tracks, nan_separated=True)
    assert len(flat) == len(ok) + len(lines) - 1 and flat["x"].isna().sum() == len(lines) - 1
    hv = pytest.importorskip("holoviews")
    path = hv.Path(lines, vdims=["individualID", "sex"])
    assert len(path.split()) == len(lines)


def test_ten_collars_for_a_year_take_well_under_ten_seconds(run) -> None:
    assert run[1] < 5.0, f"{run[1]:.2f} s"


def test_bad_input_is_refused(truth, habitat) -> None:
    with pytest.raises(ValueError, match="fix_interval_min"):
        simulate_collar_tracks(truth, habitat, n_collars=1, days=1, fix_interval_min=(61, 90), progress=False)
    with pytest.raises(ValueError, match="divides a day"):
        simulate_collar_tracks(truth, habitat, n_collars=1, days=1, fix_interval_min=25, progress=False)
    with pytest.raises(ValueError, match="n_collars"):
        simulate_collar_tracks(truth, habitat, n_collars=500, days=1, progress=False)
    with pytest.raises(KeyError, match="Leo 999"):
        simulate_collar_tracks(truth, habitat, individuals=["Leo 999M"], days=1, progress=False)
    with pytest.raises(ValueError, match="tau"):
        CollarParameters(tau_velocity_h=100.0)
    chosen = simulate_collar_tracks(truth, habitat, individuals=["Leo 4F"], days=1, fix_interval_min=60, progress=False)
    assert list(chosen["individualID"].cat.categories) == ["Leo 4F"] and len(chosen) == 24


def test_truth_defaults_to_the_committed_study(truth, habitat) -> None:
    given = simulate_collar_tracks(truth, habitat, n_collars=2, days=2, seed=SEED, progress=False)
    by_default = simulate_collar_tracks(habitat=habitat, n_collars=2, days=2, seed=SEED, progress=False)
    by_path = simulate_collar_tracks(
        DATA_DIR / "leopard-study" / "truth.json", habitat, n_collars=2, days=2, seed=SEED, progress=False
    )
    assert_same_frame(by_default, given)
    assert_same_frame(by_path, given)
