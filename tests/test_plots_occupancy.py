"""Plots of nbtools.plots.occupancy, checked without a browser: element types, dimensions and data."""

from __future__ import annotations

import warnings

import holoviews as hv
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import special
from shapely.geometry import Polygon

from nbtools.occupancy import (
    OccupancyWarning,
    model_selection,
    occu,
    predict_raster,
    ranef,
    response_curve,
    standardise,
)
from nbtools.plots.occupancy import (
    model_selection_plot,
    occupancy_maps,
    prediction_map,
    response_curve_plot,
    response_curves,
    station_values,
)


@pytest.fixture(scope="module")
def fitted():
    """120 stations on a 20 x 15 grid of 1 km cells; psi rises with forest; 6 weekly occasions."""
    rng = np.random.default_rng(7)
    xs = np.arange(500_500.0, 520_500.0, 1000.0)
    ys = np.arange(4_814_500.0, 4_799_500.0, -1000.0)
    gx, gy = np.meshgrid(xs, ys)
    forest = 0.5 + 0.4 * np.sin(gx / 4000.0)
    forest[0, :4] = np.nan  # no data in a corner
    habitat = xr.Dataset(
        {"forest": (("y", "x"), forest), "land": (("y", "x"), np.ones(forest.shape, bool))},
        coords={"x": xs, "y": ys},
    )
    habitat["land"][-1, :] = False
    n = 120
    iy, ix = rng.integers(1, ys.size, n), rng.integers(0, xs.size, n)
    raw = pd.DataFrame({"forest": forest[iy, ix]}, index=pd.Index([f"S{i:03d}" for i in range(n)], name="locationID"))
    scaled, means, sds = standardise(raw)
    z = rng.random(n) < special.expit(0.2 + 1.0 * scaled["forest"].to_numpy())
    y = pd.DataFrame((rng.random((n, 6)) < 0.35 * z[:, None]).astype(float), index=raw.index, columns=range(1, 7))
    y.iloc[0, 2:] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OccupancyWarning)
        fits = {"forest": occu("~ 1 ~ forest", y, scaled), "null": occu("~ 1 ~ 1", y, scaled)}
    stations = raw.assign(x=xs[ix], y=ys[iy])
    deployments = stations.reset_index()[["locationID", "x", "y"]].assign(
        cameraID=lambda d: "C" + d["locationID"], deploymentID=lambda d: d["locationID"] + "-1"
    )
    boundary = Polygon([(500_000, 4_800_000), (520_000, 4_800_000), (520_000, 4_815_000), (500_000, 4_815_000)])
    prediction = predict_raster(fits["forest"], habitat, (means, sds), mask="land")
    return dict(
        y=y,
        fits=fits,
        means=means,
        sds=sds,
        stations=stations,
        deployments=deployments,
        boundary=boundary,
        prediction=prediction,
        habitat=habitat,
    )


def test_model_selection_plot(fitted):
    table = model_selection(fitted["fits"])
    plot = model_selection_plot(table)
    assert isinstance(plot, hv.Overlay)
    bars, labels = plot.get(0), plot.get(1)
    assert isinstance(bars, hv.Bars) and isinstance(labels, hv.Labels)
    assert [d.name for d in bars.vdims] == ["AICwt", "delta", "AIC", "nPars"]
    shown = bars.data.set_index("model")
    np.testing.assert_allclose(shown.loc[table.index, "AICwt"], table["AICwt"])
    assert list(bars.data["model"])[-1] == table.index[0]  # best model drawn on top
    assert labels.data["text"].str.startswith("ΔAIC").all()
    by_delta = model_selection_plot(table, value="delta").get(0)
    assert [d.name for d in by_delta.vdims][0] == "delta"
    np.testing.assert_allclose(by_delta.data.set_index("model").loc[table.index, "delta"], table["delta"])
    with pytest.raises(ValueError, match="value must be"):
        model_selection_plot(table, value="AIC")


def test_prediction_map_and_occupancy_maps(fitted):
    prediction = fitted["prediction"]
    overlay = prediction_map(prediction, boundary=fitted["boundary"], deployments=fitted["deployments"])
    assert isinstance(overlay, hv.Overlay) and len(overlay) == 3
    image, path, points = overlay.get(0), overlay.get(1), overlay.get(2)
    assert isinstance(image, hv.Image) and isinstance(path, hv.Path) and isinstance(points, hv.Points)
    assert [d.name for d in image.kdims] == ["x", "y"] and image.vdims[0].name == "Predicted"
    values = image.dimension_values("Predicted", flat=False)
    assert values.shape == prediction["Predicted"].shape
    assert np.isnan(values).sum() == np.isnan(prediction["Predicted"].values).sum() > 0
    expected = prediction["Predicted"].values
    np.testing.assert_allclose(
        np.sort(values[np.isfinite(values)]), np.sort(expected[np.isfinite(expected)]), rtol=1e-6
    )
    assert image.opts.get().kwargs["clim"] == (0.0, 1.0)
    assert len(points) == len(fitted["deployments"])
    bare = prediction_map(prediction, "SE")
    assert len(bare) == 1 and bare.get(0).vdims[0].name == "SE" and "clim" not in bare.get(0).opts.get().kwargs
    layout = occupancy_maps(prediction, fitted["boundary"], fitted["deployments"])
    assert isinstance(layout, hv.Layout) and len(layout) == 2
    assert [panel.get(0).vdims[0].name for panel in layout] == ["Predicted", "SE"]
    with pytest.raises(ValueError, match="no 'psi'"):
        prediction_map(prediction, "psi")


def test_station_values_colours_conditional_occupancy(fitted):
    table = ranef(fitted["fits"]["forest"]).join(fitted["stations"][["x", "y"]])
    points = station_values(table, "mean", label="P(occupied | detections)")
    assert isinstance(points, hv.Points) and [d.name for d in points.kdims] == ["x", "y"]
    assert points.vdims[0].name == "mean" and points.vdims[0].label == "P(occupied | detections)"
    assert "locationID" in [d.name for d in points.vdims]
    np.testing.assert_allclose(points.dimension_values("mean"), table["mean"])
    assert points.opts.get().kwargs["color"] == "mean"
    with pytest.raises(ValueError, match="needs a 'x' column"):
        station_values(table.drop(columns="x"), "mean")


def test_response_curves(fitted):
    fit = fitted["fits"]["forest"]
    curve = response_curve(fit, "forest", np.linspace(0.1, 0.9, 21), (fitted["means"], fitted["sds"]))
    overlay = response_curve_plot(curve, rug=fitted["stations"]["forest"], xlabel="forest cover (fraction)")
    band, line, rug = overlay.get(0), overlay.get(1), overlay.get(2)
    assert isinstance(band, hv.Area) and isinstance(line, hv.Curve) and isinstance(rug, hv.Spikes)
    assert [d.name for d in band.vdims] == ["lower", "upper"]
    np.testing.assert_allclose(line.dimension_values("Predicted"), curve["Predicted"])
    np.testing.assert_allclose(band.dimension_values("lower"), curve["lower"])
    assert len(rug) == len(fitted["stations"])
    assert overlay.opts.get().kwargs["xlabel"] == "forest cover (fraction)"
    assert line.opts.get().kwargs["ylim"] == (0, 1.02)  # psi: the whole probability range
    layout = response_curves({"forest": curve, "again": curve}, rugs=fitted["stations"], cols=2)
    assert isinstance(layout, hv.Layout) and len(layout) == 2
    assert all(isinstance(panel.get(2), hv.Spikes) for panel in layout)
    with pytest.raises(ValueError, match="no response curve"):
        response_curves([])
