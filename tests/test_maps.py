"""nbtools.maps: datashader aggregates are exact (numpy's histogram2d), categories add up, dask equals pandas."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nbtools.maps import activity_surface, aggregate_points, detection_positions, grid_for, hour_of_day


def _points(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.uniform(500_000, 560_000, n),
            "y": rng.uniform(4_760_000, 4_830_000, n),
            "species": pd.Categorical(rng.choice(["leopard", "tiger", "sika"], n, p=[0.2, 0.1, 0.7])),
            "w": rng.exponential(1.0, n),
        }
    )


def _histogram(points: pd.DataFrame, grid, weights=None) -> np.ndarray:
    ex, ey = grid.edges
    return np.histogram2d(points["y"], points["x"], bins=[ey, ex], weights=weights)[0]


GRID = grid_for((500_000, 4_760_000, 560_000, 4_830_000), 500)


def test_grid_snaps_to_multiples_of_the_pixel_size() -> None:
    grid = grid_for((500_123.0, 4_760_010.0, 503_000.0, 4_761_999.0), 1000)
    assert (grid.x0, grid.y0, grid.width, grid.height) == (500_000.0, 4_760_000.0, 3, 2)
    assert grid.x_range == (500_000.0, 503_000.0)
    with pytest.raises(ValueError, match="positive"):
        grid_for((0, 0, 1, 1), 0)
    with pytest.raises(ValueError, match="finite"):
        grid_for((0, 0, np.nan, 1), 10)


def test_counts_equal_numpy_histogram2d_exactly() -> None:
    points = _points(200_000)
    # points on pixel edges, on the grid's last edges and outside it
    points.loc[:4, "x"] = [500_000.0, 500_500.0, 559_500.0, 560_000.0, 560_000.5]
    points.loc[:4, "y"] = [4_760_000.0, 4_765_000.0, 4_829_500.0, 4_830_000.0, 4_800_000.0]
    agg = aggregate_points(points, grid=GRID)
    inside = points.iloc[:4].index.union(points.index[5:])
    expected = _histogram(points.loc[inside], GRID)
    assert agg.dims == ("y", "x") and agg.shape == (140, 120)
    np.testing.assert_array_equal(agg.values, expected)
    assert agg.attrs["n_points"] == len(points) and agg.attrs["n_outside"] == 1 and agg.attrs["n_missing"] == 0
    # coordinates are pixel centres
    assert agg.x.values[0] == 500_250.0 and agg.y.values[-1] == 4_829_750.0


@settings(max_examples=40, deadline=None)
@given(
    xs=st.lists(st.floats(0, 10_000, allow_nan=False), min_size=1, max_size=300),
    seed=st.integers(0, 1000),
    size=st.sampled_from([250.0, 500.0, 1000.0, 1234.5]),
)
def test_counts_equal_histogram2d_for_any_points(xs: list[float], seed: int, size: float) -> None:
    rng = np.random.default_rng(seed)
    ys = rng.uniform(0, 10_000, len(xs))
    points = pd.DataFrame({"x": xs, "y": ys})
    grid = grid_for((0, 0, 10_000, 10_000), size)
    agg = aggregate_points(points, grid=grid)
    inside = (points["x"] <= grid.x_range[1]) & (points["y"] <= grid.y_range[1])
    np.testing.assert_array_equal(agg.values, _histogram(points[inside], grid))
    assert int(agg.sum()) + agg.attrs["n_outside"] == len(points)


def test_categories_sum_to_the_total_and_match_each_species() -> None:
    points = _points(100_000)
    total = aggregate_points(points, grid=GRID)
    by = aggregate_points(points, grid=GRID, by="species")
    assert by.dims == ("y", "x", "species") and list(by["species"].values) == ["leopard", "sika", "tiger"]
    np.testing.assert_array_equal(by.sum("species").values, total.values)
    leopards = points[points["species"] == "leopard"]
    np.testing.assert_array_equal(by.sel(species="leopard").values, _histogram(leopards, GRID))


def test_weights_are_summed() -> None:
    points = _points(50_000)
    agg = aggregate_points(points, grid=GRID, weight="w")
    np.testing.assert_allclose(agg.values, _histogram(points, GRID, weights=points["w"]), rtol=1e-12, atol=1e-9)
    assert agg.attrs["units"] == "w per pixel"


def test_dask_input_gives_the_same_image_as_pandas() -> None:
    points = _points(120_000)
    lazy = dd.from_pandas(points, npartitions=6)
    np.testing.assert_array_equal(aggregate_points(lazy, grid=GRID).values, aggregate_points(points, grid=GRID).values)
    np.testing.assert_array_equal(
        aggregate_points(lazy, grid=GRID, by="species").values, aggregate_points(points, grid=GRID, by="species").values
    )
    # without a grid, the extent is computed from the dask frame, the same as from pandas
    assert aggregate_points(lazy, size=1000).attrs["grid"] == aggregate_points(points, size=1000).attrs["grid"]


def test_missing_coordinates_and_columns_are_reported() -> None:
    points = _points(1000)
    points.loc[:9, "x"] = np.nan
    agg = aggregate_points(points, grid=GRID)
    assert agg.attrs["n_missing"] == 10 and int(agg.sum()) == 990 and agg.attrs["n_outside"] == 0
    quick = aggregate_points(points, grid=GRID, account=False)
    assert quick.attrs["n_missing"] is None and quick.attrs["n_outside"] is None and int(quick.sum()) == 990
    with pytest.raises(KeyError, match="'easting'"):
        aggregate_points(points, x="easting")
    with pytest.raises(ValueError, match="categorical"):
        aggregate_points(
            dd.from_pandas(points.assign(species=points["species"].astype(str)), npartitions=2), grid=GRID, by="species"
        )


_SPECIAL = [np.nan, np.inf, -np.inf, 0.0, 1000.0, 800.0, -1e-9, 1000.000001, 333.3, 5000.0]


def _plain_accounting(xs: np.ndarray, ys: np.ndarray, grid) -> tuple[int, int, int]:
    """Rows, rows without coordinates and rows outside the grid, counted plainly with numpy in float64."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    missing = np.isnan(xs) | np.isnan(ys)
    (x0, x1), (y0, y1) = grid.x_range, grid.y_range
    inside = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    return len(xs), int(missing.sum()), int((~missing & ~inside).sum())


def _attrs(agg) -> tuple[int, int, int]:
    return agg.attrs["n_points"], agg.attrs["n_missing"], agg.attrs["n_outside"]


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.one_of(st.floats(-100, 1100), st.sampled_from(_SPECIAL)),
            st.one_of(st.floats(-100, 900), st.sampled_from(_SPECIAL)),
            st.sampled_from(["a", "b", None]),
            st.one_of(st.floats(0, 10), st.just(np.nan)),
        ),
        max_size=200,
    ),
    dtype=st.sampled_from(["float64", "float32"]),
    size=st.sampled_from([50.0, 100.0, 333.3]),
)
@example(data=[], dtype="float64", size=100.0)  # an empty frame
@example(
    data=[
        (1000.0, 800.0, "a", 1.0),
        (np.nan, 5.0, "b", 1.0),
        (5.0, np.nan, None, np.nan),
        (np.inf, 5.0, "a", 1.0),
        (-np.inf, -np.inf, "a", 1.0),
        (np.nan, np.inf, "b", 2.0),
    ],
    dtype="float32",
    size=333.3,
)  # right and top edges, NaN in x or y only, infinities, a NaN weight
def test_row_accounting_equals_a_plain_numpy_count(data: list[tuple], dtype: str, size: float) -> None:
    # the accounting is derived (the aggregate's sum; one NaN count only when a row was not counted): it must
    # equal counting every row plainly, for counts, counts by category, sums of weights, and dask frames
    xs, ys, cats, ws = (list(column) for column in zip(*data, strict=True)) if data else ([], [], [], [])
    points = pd.DataFrame(
        {
            "x": np.array(xs, dtype=dtype),
            "y": np.array(ys, dtype=dtype),
            "species": pd.Categorical(cats, categories=["a", "b"]).fillna("a"),
            "w": np.array(ws, dtype=float),
        }
    )
    grid = grid_for((0, 0, 1000, 800), size)
    expected = _plain_accounting(points["x"], points["y"], grid)
    frames = [points] + (
        [dd.from_pandas(points, npartitions=2), dd.from_pandas(points, npartitions=3).map_partitions(lambda part: part)]
        if len(points) > 1
        else []
    )
    for frame in frames:
        for kw in ({}, {"by": "species"}, {"weight": "w"}):
            agg = aggregate_points(frame, grid=grid, **kw)
            assert _attrs(agg) == expected, (type(frame), kw)
            if "weight" not in kw:
                assert int(agg.sum()) == expected[0] - expected[1] - expected[2]


def test_row_accounting_of_large_frames_and_integers() -> None:
    # above a million rows the weights' pass runs beside datashader; integer coordinates have no NaN
    rng = np.random.default_rng(3)
    n = 1_200_000
    points = pd.DataFrame({"x": rng.uniform(-50, 1050, n), "y": rng.uniform(-50, 850, n), "w": rng.random(n)})
    points.loc[::97, "x"] = np.nan
    points.loc[::89, "y"] = np.inf
    grid = grid_for((0, 0, 1000, 800), 100)
    expected = _plain_accounting(points["x"], points["y"], grid)
    assert _attrs(aggregate_points(points, grid=grid)) == expected
    assert _attrs(aggregate_points(points, grid=grid, weight="w")) == expected
    whole = pd.DataFrame({"x": rng.integers(-10, 1010, 1000), "y": rng.integers(0, 800, 1000)})
    assert _attrs(aggregate_points(whole, grid=grid)) == _plain_accounting(whole["x"], whole["y"], grid)
    # every row counted: nothing missing or outside, without a pass over the coordinates
    inside = pd.DataFrame({"x": rng.uniform(0, 1000, 1000), "y": rng.uniform(0, 800, 1000)})
    assert _attrs(aggregate_points(inside, grid=grid)) == (1000, 0, 0)
    assert _attrs(aggregate_points(dd.from_pandas(inside, npartitions=4), grid=grid)) == (1000, 0, 0)


def test_hour_of_day_in_the_study_zone() -> None:
    ts = pd.Series(pd.to_datetime(["2017-01-01T13:30:00Z", "2017-07-01T23:59:59Z"], utc=True))
    hours = hour_of_day(ts, "Asia/Vladivostok")  # UTC+10, no daylight saving
    assert hours.tolist() == [23, 9] and list(hours.cat.categories) == list(range(24))
    with pytest.raises(ValueError, match="timezone-aware"):
        hour_of_day(pd.Series(pd.to_datetime(["2017-01-01 13:30"])), "Asia/Vladivostok")


def test_activity_surface_keeps_the_mass_away_from_edges_and_divides_by_effort() -> None:
    grid = grid_for((0, 0, 20_000, 20_000), 200)
    points = pd.DataFrame({"x": np.full(1000, 10_100.0), "y": np.full(1000, 10_100.0)})
    agg = aggregate_points(points, grid=grid)
    surface = activity_surface(agg, bandwidth_m=1000)
    assert surface.attrs["units"] == "detections per km2"
    assert float(surface.sum()) * grid.pixel_area_km2 == pytest.approx(1000, rel=1e-9)
    peak = surface.where(surface == surface.max(), drop=True)
    assert float(peak.x[0]) == 10_100.0 and float(peak.y[0]) == 10_100.0
    # effort: twice the effort everywhere halves the rate
    effort = agg.copy(data=np.ones(agg.shape))
    rate1 = activity_surface(agg, 1000, effort=effort)
    rate2 = activity_surface(agg, 1000, effort=effort * 2)
    np.testing.assert_allclose(rate1.values, 2 * rate2.values)
    # effort in the centre only: far from it there is no estimate (NaN), near it there is
    local = np.zeros(agg.shape)
    local[45:55, 45:55] = 1.0
    rate = activity_surface(agg, 1000, effort=agg.copy(data=local))
    assert np.isnan(rate.values[0, 0]) and np.isfinite(rate.sel(x=10_100.0, y=10_100.0).item())
    assert (
        activity_surface(agg, 1000, effort=agg.copy(data=local), min_effort_share=0).notnull().sum()
        > rate.notnull().sum()
    )
    with pytest.raises(ValueError, match="positive"):
        activity_surface(agg, bandwidth_m=-1)


def test_detection_positions_from_radius_angle_and_heading() -> None:
    deployments = pd.DataFrame(
        {
            "deploymentID": ["d1", "d2", "d3"],
            "x": [0.0, 100.0, np.nan],
            "y": [0.0, 0.0, np.nan],
            "cameraHeading": [90.0, np.nan, 0.0],
        }
    )
    observations = pd.DataFrame(
        {
            "deploymentID": ["d1", "d1", "d2", "d3", "gone"],
            "individualPositionRadius": [10.0, 4.0, 5.0, 1.0, 1.0],
            "individualPositionAngle": [0.0, -90.0, 0.0, 0.0, 0.0],
        }
    )
    placed = detection_positions(observations, deployments)
    # camera looking east: straight ahead is +x; 90 degrees to the left of east is north (+y)
    np.testing.assert_allclose(placed[["x", "y"]].iloc[:2].to_numpy(), [[10.0, 0.0], [0.0, 4.0]], atol=1e-12)
    assert placed["placed"].tolist() == ["position", "position", "station", "unplaced", "unplaced"]
    assert placed.loc[2, "x"] == 100.0 and placed[["x", "y"]].iloc[3:].isna().all().all()
    assert len(placed) == len(observations)


# --- layers: built from the aggregates, rendered by bokeh without a browser ---------------------------------

import holoviews as hv  # noqa: E402

from nbtools.maps import activity_map, aggregate_image, category_colors, category_image, track_paths  # noqa: E402

hv.extension("bokeh", logo=False)


def test_aggregate_image_hides_empty_pixels_and_labels_the_colour_bar() -> None:
    points = _points(20_000)
    agg = aggregate_points(points, grid=GRID)
    image = aggregate_image(agg, cmap="fire")
    values = image.dimension_values(2, flat=False)
    assert np.isnan(values).sum() == int((agg.values == 0).sum())
    assert np.nansum(values) == len(points)
    assert hv.render(image).select_one({"type": __import__("bokeh").models.ColorBar}) is not None
    with pytest.raises(ValueError, match="2-D"):
        aggregate_image(aggregate_points(points, grid=GRID, by="species"))


def test_category_image_colours_pure_pixels_by_their_category_and_has_a_legend() -> None:
    points = pd.DataFrame(
        {
            "x": [100.0, 100.0, 900.0],
            "y": [100.0, 100.0, 900.0],
            "species": pd.Categorical(["leopard", "leopard", "tiger"]),
        }
    )
    grid = grid_for((0, 0, 1000, 1000), 500)
    agg = aggregate_points(points, grid=grid, by="species")
    key = {"leopard": "#ff0000", "tiger": "#0000ff"}
    overlay = category_image(agg, colors=key, how="linear")
    rgb = overlay.get(0)
    r, g, b, a = (rgb.dimension_values(i, flat=False) for i in range(2, 6))
    # dimension_values gives rows in y order (bottom row first): leopard bottom-left, tiger top-right
    assert (r[0, 0], g[0, 0], b[0, 0]) == (255, 0, 0) and a[0, 0] == 255  # the most detections: opaque
    assert (r[1, 1], g[1, 1], b[1, 1]) == (0, 0, 255) and 0 < a[1, 1] < 255  # fewer: more transparent
    assert a[0, 1] == 0 and a[1, 0] == 0  # empty pixels are transparent
    labels = [el.label for el in overlay.get(1)]
    assert labels == ["leopard", "tiger"]
    hv.render(overlay)


def test_category_colours_keep_given_colours_and_fill_the_rest() -> None:
    key = category_colors(["a", "b", "c"], {"b": "#123456"})
    assert key["b"] == "#123456" and len(set(key.values())) == 3


def test_activity_map_rerasterises_pandas_and_dask_points() -> None:
    points = _points(30_000)
    for frame in (points, dd.from_pandas(points, npartitions=3)):
        for by in (None, "species"):
            plot = activity_map(frame, by=by, title="test")
            hv.render(plot)  # runs the datashader pipeline once, as a notebook does
    dyn = activity_map(points)
    assert isinstance(dyn, hv.core.spaces.DynamicMap | hv.Overlay)


def test_activity_map_lists_each_category_once_beside_square_pixels() -> None:
    from bokeh.models import ImageRGBA, Legend

    points = _points(30_000)
    for frame in (points, dd.from_pandas(points, npartitions=3)):
        figure = hv.render(activity_map(frame, by="species", title="test"))
        legends = figure.select({"type": Legend})
        labels = [item.label.value for legend in legends for item in legend.items]
        assert labels == ["leopard", "sika", "tiger"]  # once each, in category order
        assert all(legend in figure.right for legend in legends)  # beside the frame, not on the data
        image = next(r for r in figure.renderers if isinstance(r.glyph, ImageRGBA))
        rows, columns = image.data_source.data["image"][0].shape
        pixel_width = image.data_source.data["dw"][0] / columns
        pixel_height = image.data_source.data["dh"][0] / rows
        assert pixel_height / pixel_width == pytest.approx(1, rel=0.05)
        # the frame (data_aspect=1) is as tall as the data in the image's own pixels
        assert figure.frame_height / figure.frame_width == pytest.approx(rows / columns, rel=0.05)


def test_activity_map_draws_the_boundary_dark_on_its_white_background() -> None:
    from shapely.geometry import box

    points = _points(1_000)
    plot = activity_map(points, boundary=box(510_000, 4_770_000, 550_000, 4_820_000))
    from bokeh.models import MultiLine

    figure = hv.render(plot)
    outlines = [r.glyph for r in figure.renderers if isinstance(r.glyph, MultiLine)]
    assert len(outlines) == 1 and outlines[0].line_color not in ("white", "#ffffff")


def test_track_paths_one_line_per_individual_in_time_order() -> None:
    tracks = pd.DataFrame(
        {
            "individualID": ["Berry", "Berry", "Berry", "Meamur"],
            "timestamp": pd.to_datetime(
                ["2017-01-01T02:00Z", "2017-01-01T00:00Z", "2017-01-01T01:00Z", "2017-01-01T00:00Z"]
            ),
            "x": [2.0, 0.0, 1.0, 5.0],
            "y": [0.0, 0.0, 0.0, 5.0],
        }
    )
    overlay = track_paths(tracks)
    paths = [el for el in overlay if isinstance(el, hv.Path)]
    assert [p.label for p in paths] == ["Berry", "Meamur"]
    assert paths[0].dimension_values("x").tolist() == [0.0, 1.0, 2.0]
    hv.render(overlay)
