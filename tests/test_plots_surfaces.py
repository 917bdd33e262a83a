"""Tests of nbtools.plots.surfaces without a browser: elements built, dimensions, labels and the data drawn."""

from __future__ import annotations

from pathlib import Path

import holoviews as hv
import numpy as np
import pandas as pd
import pytest
import shapely
from bokeh.models import ColorBar, LinearColorMapper

from nbtools.plots.surfaces import session_surface_maps, surface_label, surface_map
from nbtools.secr import Mask, make_capthists, secr_fit
from nbtools.secr.surfaces import activity_centres, expected_surface, realised_surface, surface_total

REF = Path(__file__).parent / "data" / "reference" / "turn2"


@pytest.fixture(scope="module")
def oven():
    """ovenCH 2008 and 2009 (secr's ovenbird nets), density per session."""
    captures = pd.read_csv(REF / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    traps = pd.read_csv(REF / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    noccasions = {"2005": 9, "2006": 10, "2007": 10, "2008": 10, "2009": 10}
    chs = make_capthists(captures, traps, detector="multi", noccasions=noccasions)
    chs = {s: chs[s] for s in ("2008", "2009")}
    mask = Mask(pd.read_csv(REF / "ovenCH_mask300.csv"), spacing=10.921875)
    return chs, secr_fit(chs, mask=mask, density="~session", progress=False)


def _renders(obj: hv.core.Dimensioned):
    hv.extension("bokeh", logo=False)
    return hv.renderer("bokeh").get_plot(obj).state


def test_surface_map_layers_labels_and_values(oven):
    chs, fit = oven
    surface = realised_surface(fit, session="2008")
    centres = activity_centres(fit, "2008")
    boundary = shapely.box(-300, -400, 300, 400)
    sexes = np.where(np.arange(len(centres)) % 2 == 0, "female", "male")
    overlay = surface_map(surface, boundary, chs["2008"].traps, centres.assign(sex=sexes))
    image, path, stations, *points = overlay
    assert isinstance(image, hv.Image) and isinstance(path, hv.Path) and isinstance(stations, hv.Points)
    assert [d.name for d in image.kdims] == ["x", "y"] and image.vdims[0].name == "density"
    label = "realised density (animals / 100 km²)"
    assert image.vdims[0].label == label and image.opts.get().kwargs["clabel"] == label
    # the data drawn are the surface's: its integral is recovered from the image's cells
    values = image.dimension_values("density", flat=True)
    assert np.nansum(values) == pytest.approx(float(surface.sum()), rel=1e-6)
    assert len(stations) == len(chs["2008"].traps) and stations.label == "camera stations"
    assert [p.label for p in points] == ["activity centres: female", "activity centres: male"]
    assert sum(len(p) for p in points) == chs["2008"].n
    assert [p.opts.get().kwargs["marker"] for p in points] == ["circle", "triangle"]
    kwargs = image.opts.get().kwargs
    assert kwargs["xlabel"] == "easting (km)" and kwargs["ylabel"] == "northing (km)"
    options = overlay.opts.get().kwargs
    assert options["legend_position"] == "right" and "animals" not in options["title"]  # units once, in the bar
    state = _renders(overlay)
    assert [c.title for c in state.select({"type": ColorBar})] == [label]


def test_surface_map_minimal_and_errors(oven):
    _, fit = oven
    expected = expected_surface(fit, session="2009")
    overlay = surface_map(expected)
    assert len(overlay) == 1 and overlay.opts.get().kwargs["title"] == "Expected density"
    assert surface_label(expected) == "expected density (animals / 100 km²)"
    plain = surface_map(realised_surface(fit, session="2009"), centres=activity_centres(fit, "2009"), by=None)
    assert [e.label for e in plain][-1] == "activity centres"
    with pytest.raises(ValueError, match="session_surface_maps"):
        surface_map(realised_surface(fit))


def test_log_colour_scale(oven):
    from bokeh.models import LogColorMapper

    _, fit = oven
    surface = realised_surface(fit, session="2008")
    image = list(surface_map(surface, logz=True))[0]
    kwargs = image.opts.get().kwargs
    top = float(surface.max())
    assert kwargs["logz"] is True and kwargs["clim"] == pytest.approx((top / 1000, top))
    assert kwargs["clabel"] == "realised density (animals / 100 km²), log scale"
    mappers = _renders(image).select({"type": LogColorMapper})
    assert [(m.low, m.high) for m in mappers] == [pytest.approx((top / 1000, top))]
    assert list(surface_map(surface, logz=True, clim=(0.1, 50)))[0].opts.get().kwargs["clim"] == (0.1, 50.0)
    layout = session_surface_maps(realised_surface(fit), logz=True)
    high = float(realised_surface(fit).max())
    for panel in layout:
        image = list(panel)[0]
        assert image.opts.get().kwargs["clim"] == pytest.approx((high / 1000, high))
        assert image.opts.get().kwargs["clabel"].endswith(", log scale (one scale for all maps)")


def test_session_surface_maps_one_scale_for_all_sessions(oven):
    chs, fit = oven
    surface = realised_surface(fit)
    centres = activity_centres(fit)
    totals = surface_total(surface)
    titles = {s: f"{s}: {n:.0f} birds in the mask" for s, n in totals.items()}
    layout = session_surface_maps(
        surface, traps={s: ch.traps for s, ch in chs.items()}, centres=centres, by=None, titles=titles
    )
    assert isinstance(layout, hv.Layout) and len(layout) == 2
    panels = list(layout)
    assert [p.opts.get().kwargs["title"] for p in panels] == list(titles.values())
    for panel, session in zip(panels, ["2008", "2009"], strict=True):
        image, stations, points = panel
        assert len(points) == int(fit.n_by_session[session])
        assert np.nansum(image.dimension_values("density")) == pytest.approx(
            float(surface.sel(session=session).sum()), rel=1e-6
        )
        assert image.opts.get().kwargs["clabel"].endswith("(one scale for all maps)")
    state = _renders(layout)
    highs = [m.high for m in state.select({"type": LinearColorMapper})]
    assert len(highs) == 2 and highs == pytest.approx([float(surface.max())] * 2, rel=1e-6)
    own = session_surface_maps(surface, colour_scale="panel")
    assert all(list(p)[0].opts.get().kwargs["clabel"].endswith("(own scale per map)") for p in own)
    with pytest.raises(ValueError, match="session, y, x"):
        session_surface_maps(surface.sel(session="2008"))
    with pytest.raises(KeyError, match="no traps"):
        session_surface_maps(surface, traps={"2008": chs["2008"].traps})
    with pytest.raises(ValueError, match="'session' column"):
        session_surface_maps(surface, centres=centres.drop(columns="session"))
