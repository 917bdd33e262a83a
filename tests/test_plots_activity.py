"""Plots of nbtools.plots.activity, checked without a browser: element types, dimensions and data."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import pytest

from nbtools import activity as act
from nbtools.plots.activity import (
    activity_level_plot,
    activity_plot,
    overlap_heatmap,
    overlap_intervals,
    species_colors,
)

TWO_PI = 2 * np.pi


@pytest.fixture(scope="module")
def times() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    return {
        "leopard": rng.vonmises(4.7, 3.0, 150) % TWO_PI,
        "tiger": rng.vonmises(5.0, 2.0, 120) % TWO_PI,
        "boar": rng.vonmises(0.5, 1.0, 90) % TWO_PI,
    }


def elements(overlay: hv.Overlay, kind: type) -> list:
    return [el for el in overlay if type(el) is kind]  # exact: Area is a Curve subclass


def test_species_colors() -> None:
    colours = species_colors(["a", "b", "c"], {"b": "#000000"})
    assert colours == {"a": "#1f77b4", "b": "#000000", "c": "#ff7f0e"}
    assert len(set(species_colors([str(i) for i in range(14)]).values())) == 14


def test_activity_plot_sun_time(times) -> None:
    curves = act.density_curves(times, n_points=97)
    truth = act.tabulate_densities({"leopard": lambda x: np.exp(3 * np.cos(x - 4.7)) / (TWO_PI * np.i0(3))}, 97)
    plot = activity_plot(curves, rug=times, shade=("leopard", "tiger"), time="sun", truth=truth)
    assert isinstance(plot, hv.Overlay)
    curves_el = elements(plot, hv.Curve)
    assert [c.label for c in curves_el] == ["leopard", "tiger", "boar", "leopard (true)"]
    assert curves_el[0].kdims[0].name == "hour" and curves_el[0].vdims[0].name == "density"
    np.testing.assert_allclose(
        curves_el[1].dimension_values("density"), curves.loc[curves["species"] == "tiger", "density"]
    )
    # the shaded overlap is the lower of the two curves; its area is the coefficient of overlapping
    (area,) = elements(plot, hv.Area)
    low = np.minimum(curves_el[0].dimension_values("density"), curves_el[1].dimension_values("density"))
    np.testing.assert_allclose(area.dimension_values("density"), low)
    est = act.overlap_estimates(times["leopard"], times["tiger"], adjust=(1, 1, 1)).dhat1
    assert np.trapezoid(low, area.dimension_values("hour")) == pytest.approx(est, abs=0.01)
    # the rug: one tick per observation, in hours, below zero; one row per species
    rugs = elements(plot, hv.Segments)
    assert [len(r) for r in rugs] == [150, 120, 90]
    np.testing.assert_allclose(np.sort(rugs[0].dimension_values("x0")), np.sort(times["leopard"] * 24 / TWO_PI))
    assert all((r.dimension_values("y1") < 0).all() for r in rugs)
    assert rugs[1].dimension_values("y1").max() < rugs[0].dimension_values("y0").min()
    # sunrise and sunset at 6 and 18 h of sun time
    assert sorted(v.data for v in elements(plot, hv.VLine)) == [6.0, 18.0]
    assert {t.text for t in elements(plot, hv.Text)} == {"sunrise", "sunset"}
    opts = plot.opts.get().kwargs
    assert opts["xlim"] == (0, 24) and opts["xticks"][0] == 0 and opts["xticks"][-1] == 24
    assert "sun time" in opts["xlabel"]


def test_activity_plot_clock_time_marks_the_range_of_sunrise(times) -> None:
    curves = act.density_curves({"leopard": times["leopard"]}, n_points=49)
    sun = pd.DataFrame(
        {
            "sunrise_rad": np.array([5.5, 6.0, 8.75]) / 24 * TWO_PI,
            "sunset_rad": np.array([17.5, 20.0, 21.0]) / 24 * TWO_PI,
        }
    )
    plot = activity_plot(curves, sun=sun)
    spans = elements(plot, hv.VSpan)
    np.testing.assert_allclose([s.data for s in spans], [(5.5, 8.75), (17.5, 21.0)])
    np.testing.assert_allclose(sorted(v.data for v in elements(plot, hv.VLine)), [6.0, 20.0])  # medians
    assert {t.text for t in elements(plot, hv.Text)} == {"sunrise 05:30-08:45", "sunset 17:30-21:00"}
    assert elements(plot, hv.Segments) == [] and elements(plot, hv.Area) == []
    assert plot.opts.get().kwargs["xlabel"] == "clock time (h)"


def test_activity_plot_errors(times) -> None:
    curves = act.density_curves(times, n_points=25)
    with pytest.raises(ValueError, match="not a species"):
        activity_plot(curves, shade=("leopard", "lion"))
    with pytest.raises(ValueError, match="time must be"):
        activity_plot(curves, time="solar")
    with pytest.raises(ValueError, match="missing"):
        activity_plot(curves.drop(columns="density"))
    with pytest.raises(ValueError, match="sunrise_rad"):
        activity_plot(curves, sun=pd.DataFrame({"sunrise": [1.0]}))


def test_overlap_heatmap(times) -> None:
    matrix = act.overlap_matrix(times)
    plot = overlap_heatmap(matrix)
    (heat,) = elements(plot, hv.HeatMap)
    (labels,) = elements(plot, hv.Labels)
    assert [d.name for d in heat.kdims] == ["species_a", "species_b"] and heat.vdims[0].name == "overlap"
    assert len(heat) == 3  # each pair once, no diagonal
    table = heat.dframe().set_index(["species_a", "species_b"])["overlap"]
    assert table[("leopard", "tiger")] == matrix.loc["leopard", "tiger"]
    assert table[("tiger", "boar")] == matrix.loc["tiger", "boar"]
    assert sorted(labels.dimension_values("text")) == sorted(f"{v:.2f}" for v in table)
    assert heat.opts.get().kwargs["clim"] == (0, 1)
    full = overlap_heatmap(matrix, triangle=False)
    assert len(elements(full, hv.HeatMap)[0]) == 9
    with pytest.raises(ValueError, match="square"):
        overlap_heatmap(matrix.iloc[:, :2])


def test_overlap_intervals(times) -> None:
    sun = act.overlap_table(times, n_boot=60, seed=1, progress=False).assign(time="sun")
    clock = sun.assign(time="clock", estimate=sun["estimate"] - 0.01)
    table = pd.concat([sun, clock], ignore_index=True).assign(truth=0.5)
    plot = overlap_intervals(table)
    segs = elements(plot, hv.Segments)
    scatters = elements(plot, hv.Scatter)
    assert len(segs) == 2 and [s.label for s in scatters] == ["sun time", "clock time", "true value"]
    np.testing.assert_allclose(segs[0].dimension_values("lower"), sun["lower"])
    np.testing.assert_allclose(scatters[1].dimension_values("estimate"), clock["estimate"])
    assert list(scatters[0].dimension_values("pair")) == ["leopard - tiger (sun)", "leopard - boar (sun)"]
    lo, hi = plot.opts.get().kwargs["xlim"]  # the range of the intervals and true values, padded
    assert 0 <= lo < min(table["lower"].min(), 0.5) and max(table["upper"].max(), 0.5) < hi <= 1
    assert overlap_intervals(table, full_range=True).opts.get().kwargs["xlim"] == (0.0, 1.0)
    with pytest.raises(ValueError, match="lower"):
        overlap_intervals(table.drop(columns="lower"))


def test_activity_level_plot(times) -> None:
    fit = act.activity_level(times["leopard"], n_boot=50, sample="data", seed=2, progress=False)
    truth = act.tabulate_densities({"leopard": lambda x: np.exp(3 * np.cos(x - 4.7)) / (TWO_PI * np.i0(3))})
    plot = activity_level_plot(fit, label="leopard", truth=truth)
    (band,) = elements(plot, hv.Area)
    curve, true = elements(plot, hv.Curve)
    assert [d.name for d in band.vdims] == ["lcl", "ucl"]
    np.testing.assert_allclose(curve.dimension_values("hour"), fit.pdf["x"] * 24 / TWO_PI)
    np.testing.assert_allclose(curve.dimension_values("density"), fit.pdf["y"] * TWO_PI / 24)
    peak, true_peak = (h.data for h in elements(plot, hv.HLine))
    # activity level = area under the curve / area of the rectangle as high as the peak (24 h x peak)
    assert 1 / (24 * peak) == pytest.approx(fit.act)
    assert true_peak == pytest.approx(truth["density"].max())
    assert f"activity level {fit.act:.2f}" in plot.opts.get().kwargs["title"]
    point = activity_level_plot(act.activity_level(times["leopard"]), time="clock")
    assert elements(point, hv.Area) == [] and elements(point, hv.VLine) == []
