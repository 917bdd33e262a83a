"""Tests of nbtools.plots.secr without a browser: element types, dimensions and the data drawn."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import pytest
import shapely

from nbtools.plots.secr import aic_plot, capture_map, density_map, estimates_vs_truth, trap_points
from nbtools.secr import CaptureHistory, Mask, make_mask, model_selection, secr_fit, sim_capthist, sim_popn


@pytest.fixture(scope="module")
def traps() -> pd.DataFrame:
    xy = np.arange(4) * 20.0
    return pd.DataFrame({"x": np.tile(xy, 4), "y": np.repeat(xy, 4)}, index=[f"T{k}" for k in range(16)])


@pytest.fixture(scope="module")
def history(traps) -> CaptureHistory:
    """Two animals, hand-made: A at T0 (occasion 1), T1 (2), T0 (3); B at T5 twice on occasion 2."""
    counts = np.zeros((2, 3, 16), int)
    counts[0, 0, 0] = counts[0, 1, 1] = counts[0, 2, 0] = 1
    counts[1, 1, 5] = 2
    cov = pd.DataFrame({"sex": ["female", "male"]})
    return CaptureHistory(counts, traps, "count", ids=pd.Index(["A", "B"]), covariates=cov)


def test_trap_points(traps):
    points = trap_points(traps)
    assert isinstance(points, hv.Points)
    assert [d.name for d in points.kdims] == ["x", "y"]
    assert points.dimension_values("station").tolist() == list(traps.index)


def test_density_map_layers_and_values(traps):
    mask = make_mask(traps, buffer_m=20, spacing=10)
    surface = mask.to_dataarray(np.arange(len(mask), dtype=float), "density", {"units": "animals / ha"})
    boundary = shapely.box(-5, -5, 65, 65)
    overlay = density_map(surface, boundary, traps)
    image, path, points = overlay
    assert isinstance(image, hv.Image) and isinstance(path, hv.Path) and isinstance(points, hv.Points)
    assert image.vdims[0].name == "density" and "animals / ha" in image.vdims[0].label
    assert np.nansum(image.dimension_values("density")) == pytest.approx(np.arange(len(mask)).sum())
    assert len(points) == 16
    assert "animals / ha" in overlay.opts.get().kwargs["title"]
    assert len(density_map(surface)) == 1  # the image alone


def test_capture_map_moves_and_detections(history):
    overlay = capture_map(history, boundary=shapely.box(-10, -10, 70, 70))
    elements = list(overlay)
    assert isinstance(elements[0], hv.Path) and isinstance(elements[1], hv.Points)  # boundary, detectors
    segments = [e for e in elements[2:] if isinstance(e, hv.Segments)]
    points = [e for e in elements[2:] if isinstance(e, hv.Points)]
    assert len(segments) == 2 and len(points) == 2  # one of each per individual (legend)
    by_id = {p.dimension_values("individualID")[0]: p for p in points}
    a = by_id["A"]
    assert sorted(zip(a.dimension_values("station"), a.dimension_values("detections"))) == [("T0", 2), ("T1", 1)]
    assert set(a.dimension_values("sex")) == {"female"}
    assert by_id["B"].dimension_values("detections").tolist() == [2]
    assert [s.label for s in segments] == ["A (female)", "B (male)"]  # the most detected first
    moves_a, moves_b = segments
    # occasion order: T0 -> T1 -> T0, two moves between (0, 0) and (20, 0)
    assert moves_a.dimension_values("x0").tolist() == [0.0, 20.0]
    assert moves_a.dimension_values("x1").tolist() == [20.0, 0.0]
    assert len(moves_b) == 0  # B never moved
    single = capture_map(history, ["B"])
    assert len(single) == 3  # detectors, moves, detections
    with pytest.raises(ValueError, match="without detections"):
        capture_map(history, ["C"])


def test_capture_map_many_individuals_is_one_element(traps):
    mask = make_mask(traps, buffer_m=40, nx=20)
    popn = sim_popn(mask, density=400, seed=3)
    ch = sim_capthist(traps, popn, "HHN", lambda0=0.5, sigma=15, noccasions=5, seed=4)
    assert ch.n > 12
    overlay = capture_map(ch, covariate=None)
    _, segments, points = overlay
    assert isinstance(segments, hv.Segments) and isinstance(points, hv.Points)
    assert int(points.dimension_values("detections").sum()) == ch.detections
    assert set(points.dimension_values("individualID")) == {str(i) for i in ch.ids}
    # moves: detections of each animal minus one, less repeated detections at the same station
    assert len(segments) <= ch.detections - ch.n


def test_capture_map_follows_event_times(traps):
    """With details['events'] (as capthist_from_study gives) moves follow the event times."""
    counts = np.zeros((1, 1, 16), int)
    counts[0, 0, [0, 3]] = 1
    events = pd.DataFrame(
        {
            "locationID": ["T3", "T0"],
            "individualID": ["A", "A"],
            "eventStart": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 12:00"], utc=True),
        }
    )
    ch = CaptureHistory(counts, traps, "count", ids=pd.Index(["A"]), details={"events": events, "by": "locationID"})
    moves = [e for e in capture_map(ch) if isinstance(e, hv.Segments)][0]
    assert (moves.dimension_values("x0")[0], moves.dimension_values("x1")[0]) == (60.0, 0.0)  # T3 first


def test_estimates_vs_truth_ratios():
    table = pd.DataFrame(
        {"estimate": [60.0, 2200.0], "lcl": [50.0, 2100.0], "ucl": [70.0, 2300.0], "truth": [66.0, 2000.0]},
        index=["N in region", "sigma[female]"],
    )
    other = table.assign(estimate=[66.0, 2050.0], lcl=[60.0, 1950.0])
    overlay = estimates_vs_truth({"m1": table, "m2": other})
    line, segments, points = overlay
    assert isinstance(line, hv.VLine) and isinstance(segments, hv.Segments) and isinstance(points, hv.Points)
    assert len(points) == 4
    labels = points.dimension_values("label").tolist()
    assert labels == ["N in region · m1", "N in region · m2", "sigma[female] · m1", "sigma[female] · m2"]
    assert points.dimension_values("row").tolist() == [3.0, 2.0, 1.0, 0.0]  # top to bottom
    ratios = dict(zip(labels, points.dimension_values("ratio"), strict=True))
    assert ratios["N in region · m1"] == pytest.approx(60 / 66)
    assert ratios["sigma[female] · m2"] == pytest.approx(2050 / 2000)
    covered = dict(zip(labels, points.dimension_values("covered"), strict=True))
    assert covered == {
        "N in region · m1": True,
        "N in region · m2": True,
        "sigma[female] · m1": False,
        "sigma[female] · m2": True,
    }
    assert segments.dimension_values("low")[0] == pytest.approx(50 / 66)
    assert segments.dimension_values("high")[2] == pytest.approx(2300 / 2000)
    single = estimates_vs_truth(table)
    assert single.get(2).dimension_values("label").tolist() == ["N in region", "sigma[female]"]
    with pytest.raises(ValueError, match="lacks columns"):
        estimates_vs_truth(table.drop(columns="truth"))


def test_aic_plot_bars(traps):
    mask = Mask(make_mask(traps, buffer_m=40, nx=16).points, 160 / 16)
    popn = sim_popn(mask, density=200, seed=5)
    ch = sim_capthist(traps, popn, "HHN", lambda0=0.4, sigma=12, noccasions=4, seed=6)
    fits = {
        "HN": secr_fit(ch, mask=mask, detectfn="HN", progress=False),
        "HHN": secr_fit(ch, mask=mask, detectfn="HHN", progress=False),
    }
    table = model_selection(fits)
    bars = aic_plot(table)
    assert isinstance(bars, hv.Bars)
    assert bars.kdims[0].name == "name"
    assert dict(zip(bars.dimension_values("name"), bars.dimension_values("dAICc"), strict=True)) == pytest.approx(
        table["dAICc"].to_dict()
    )
    with pytest.raises(ValueError, match="pass the table of aic_table"):
        aic_plot(table.drop(columns="dAICc"))
