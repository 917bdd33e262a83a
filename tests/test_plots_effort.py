"""Plots of nbtools.plots.effort, checked without a browser: element types, dimensions and data.

The inputs are small hand-made tables: three stations A, B, C over ten days of January 2024 (C deployed only
from day 4, B not working on days 6-7), events of two species, and findings and their score.
"""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import pytest

from nbtools.effort import camera_operation
from nbtools.indices import detection_history, relative_abundance
from nbtools.plots.effort import (
    NOT_DEPLOYED,
    findings_timeline,
    history_heatmap,
    operation_heatmap,
    quality_score_plot,
    rai_bars,
    rai_map,
)
from nbtools.quality import score_findings

hv.extension("bokeh")


@pytest.fixture(scope="module")
def deployments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deploymentID": ["A1", "B1", "C1"],
            "locationID": ["A", "B", "C"],
            "cameraID": ["cA", "cB", "cC"],
            "deploymentStart": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:00", "2024-01-04 12:00"], utc=True),
            "deploymentEnd": pd.to_datetime(["2024-01-11 00:00", "2024-01-11 00:00", "2024-01-11 00:00"], utc=True),
            "x": [500_000.0, 501_000.0, 502_000.0],
            "y": [4_800_000.0, 4_801_000.0, 4_800_500.0],
        }
    )


@pytest.fixture(scope="module")
def operation(deployments) -> pd.DataFrame:
    problems = pd.DataFrame(
        {
            "deploymentID": ["B1"],
            "start": pd.to_datetime(["2024-01-06"], utc=True),
            "end": pd.to_datetime(["2024-01-08"], utc=True),
        }
    )
    return camera_operation(deployments, problems=problems)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "locationID": ["A", "A", "A", "B", "C"],
            "scientificName": ["Sus scrofa", "Sus scrofa", "Cervus nippon", "Sus scrofa", "Cervus nippon"],
            "eventStart": pd.to_datetime(
                ["2024-01-02 03:00", "2024-01-09 03:00", "2024-01-03 22:00", "2024-01-02 05:00", "2024-01-05 01:00"],
                utc=True,
            ),
        }
    )


@pytest.fixture(scope="module")
def findings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deploymentID": ["B1", "C1"],
            "locationID": ["B", "C"],
            "cameraID": ["cB", "cC"],
            "check": ["stopped_recording", "clock_offset"],
            "severity": ["warning", "error"],
            "message": ["silent", "one hour off"],
            "start": pd.to_datetime(["2024-01-06", None], utc=True),
            "end": pd.to_datetime(["2024-01-08", None], utc=True),
        }
    )


def _bokeh(obj) -> object:
    return hv.renderer("bokeh").get_plot(obj).state  # builds the bokeh models, no browser


def test_operation_heatmap_is_an_image_of_the_matrix_with_nan_grey(operation):
    image = operation_heatmap(operation)
    assert isinstance(image, hv.Image)
    assert [d.name for d in image.kdims] == ["date", "row"] and image.vdims[0].name == "operation"
    values = image.dimension_values("operation", flat=False)  # rows by y: station A first
    assert image.dimension_values("row", expanded=False).tolist() == [0, 1, 2]  # A, B, C
    # each day's cell is centred on its noon
    assert image.dimension_values("date", expanded=False)[0] == np.datetime64("2024-01-01T12:00")
    np.testing.assert_array_equal(np.isnan(values), np.isnan(operation.to_numpy()))
    np.testing.assert_allclose(np.nan_to_num(values), np.nan_to_num(operation.to_numpy()))
    assert values[2, 3] == 0.5 and np.isnan(values[2, 0])  # C: half of its set-up day, nothing before
    assert values[1, 5] == 0 and values[1, 6] == 0  # B: problem period (deployed, not working)
    opts = image.opts.get().kwargs
    assert opts["clipping_colors"] == {"NaN": NOT_DEPLOYED}
    assert opts["yticks"] == [(0, "A"), (1, "B"), (2, "C")]
    _bokeh(image)


def test_operation_heatmap_marks_findings_on_their_station_rows(operation, findings):
    overlay = operation_heatmap(operation, findings)
    assert isinstance(overlay, hv.Overlay)
    points = [el for el in overlay if isinstance(el, hv.Points)]
    assert [p.label for p in points] == ["stopped_recording"]  # the clock finding has no period start: not placed
    assert points[0].dimension_values("row").tolist() == [1]
    assert points[0].dimension_values("date")[0] == np.datetime64("2024-01-06")
    _bokeh(overlay)
    single = operation_heatmap(operation.iloc[:1, :1])  # one station, one day
    assert single.dimension_values("operation").tolist() == [1.0]
    _bokeh(single)
    with pytest.raises(ValueError, match="no 'deploymentID' column"):
        operation_heatmap(
            camera_operation(
                pd.DataFrame(
                    {
                        "deploymentID": ["x"],
                        "deploymentStart": pd.to_datetime(["2024-01-01"], utc=True),
                        "deploymentEnd": pd.to_datetime(["2024-01-03"], utc=True),
                    }
                ),
                by="deploymentID",
            ),
            findings.drop(columns="deploymentID"),
        )
    with pytest.raises(TypeError, match="DatetimeIndex"):
        operation_heatmap(operation.reset_index(drop=True).T.reset_index(drop=True).T)


def test_history_heatmap_shows_detections_effort_and_no_effort(events, operation):
    history = detection_history(events, operation, "Sus scrofa", occasion_length=5)
    heat = history_heatmap(history)
    assert isinstance(heat, hv.HeatMap)
    assert [d.name for d in heat.kdims] == ["occasion", "station"]
    assert [d.name for d in heat.vdims] == ["detections", "effort", "occasion_start"]
    table = heat.dframe().set_index(["station", "occasion"])
    assert table.loc[("A", 1), "detections"] == 1 and table.loc[("A", 2), "detections"] == 1
    assert table.loc[("B", 1), "detections"] == 1 and table.loc[("B", 2), "detections"] == 0
    assert table.loc[("C", 1), "detections"] == 0  # C is deployed from day 4: some effort, no detection
    assert table.loc[("C", 1), "effort"] == pytest.approx(1.5)  # half day 4 + day 5
    assert table.loc[("B", 2), "effort"] == pytest.approx(3.0)  # days 6-7 not working
    assert "Sus scrofa: 3 detections at 2 of 3 stations" in heat.opts.get().kwargs["title"]
    counts = history_heatmap(detection_history(events, operation, "Sus scrofa", occasion_length=10, output="count"))
    assert counts.dframe().set_index("station").loc["A", "detections"] == 2
    _bokeh(heat)


def test_rai_bars_by_species_and_by_station(events, operation):
    survey = relative_abundance(events, operation, by="survey")
    bars = rai_bars(survey)
    assert isinstance(bars, hv.Bars)
    # largest last in the data (drawn on top once the axes are inverted)
    assert bars.dimension_values("scientificName").tolist() == ["Cervus nippon", "Sus scrofa"]
    np.testing.assert_allclose(
        bars.dimension_values("rai"), survey.set_index("scientificName").loc[["Cervus nippon", "Sus scrofa"], "rai"]
    )
    station = relative_abundance(events, operation)
    by_station = rai_bars(station, "Sus scrofa", top=2)
    assert by_station.dimension_values("locationID").tolist() == ["B", "A"]  # A: 2 events / 10 days, B: 1 / 8
    assert rai_bars(survey, value="n_events").dimension_values("n_events").tolist() == [2, 3]
    with pytest.raises(ValueError, match="needs species"):
        rai_bars(station)
    with pytest.raises(ValueError, match="value must be"):
        rai_bars(survey, value="events")
    _bokeh(by_station)


def test_rai_map_places_stations_at_x_y_sized_by_rai(events, operation, deployments):
    station = relative_abundance(events, operation)
    overlay = rai_map(station, deployments, "Sus scrofa")
    none, some = list(overlay)
    assert none.dimension_values("locationID").tolist() == ["C"]
    assert some.dimension_values("locationID").tolist() == ["A", "B"]
    assert some.dimension_values("x").tolist() == [500_000.0, 501_000.0]
    sizes = dict(zip(some.dimension_values("locationID"), some.dimension_values("size")))
    rai = station.set_index(["locationID", "scientificName"])["rai"]
    assert sizes["A"] == pytest.approx(5 + 4 * np.sqrt(rai[("A", "Sus scrofa")]))
    with pytest.raises(ValueError, match="no rows for species"):
        rai_map(station, deployments, "Panthera tigris altaica")
    _bokeh(overlay)


def test_findings_timeline_draws_deployments_and_finding_periods(findings, deployments):
    overlay = findings_timeline(findings, deployments, timezone="Asia/Vladivostok")
    layers = list(overlay)
    assert [layer.label for layer in layers] == ["deployed", "clock_offset", "stopped_recording"]
    assert all(isinstance(layer, hv.Segments) for layer in layers)
    silent = layers[2].dframe()
    assert silent["start"].iloc[0] == pd.Timestamp("2024-01-06 10:00")  # local time, UTC+10
    clock = layers[1].dframe()  # without a period: the whole deployment
    assert clock["start"].iloc[0] == pd.Timestamp("2024-01-04 22:00")
    _bokeh(overlay)


def test_quality_score_plot_shows_recall_and_precision():
    findings = pd.DataFrame({"deploymentID": ["a", "b"], "check": ["no_media", "no_media"]})
    score = score_findings(
        findings, [{"deploymentID": "a", "fault": "stolen"}, {"deploymentID": "c", "fault": "stolen"}]
    )
    layout = quality_score_plot(score)
    recall, precision = (overlay.get(0) for overlay in layout)
    assert recall.dimension_values("recall").tolist() == [0.5]
    assert recall.dimension_values("label").tolist() == ["1 of 2"]
    assert precision.dimension_values("precision").tolist() == [0.5]
    assert isinstance(quality_score_plot(score, least=None), hv.Layout)
    _bokeh(layout)
