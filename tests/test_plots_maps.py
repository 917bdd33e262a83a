"""Map axes in km, labels with their units once, small multiples with a colour scale per map (issue #20, part 4)."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pytest
import xarray as xr

from nbtools.maps import aggregate_image, habitat_image, km_tick_label, label_with_units, map_axes, small_multiples
from nbtools.maps.layers import KM_TICK_JS


def test_km_tick_label_is_plain_km() -> None:
    assert km_tick_label(650_000) == "650"
    assert km_tick_label(652_500) == "652.5"
    assert km_tick_label(4_825_000.4) == "4825"
    assert km_tick_label(-1_250) == "-1.25"
    assert km_tick_label(0) == "0"
    assert km_tick_label(1_000_000) == "1000"
    assert "e" not in km_tick_label(6.5e5)


def test_map_axes_label_km_and_format_with_the_same_rule() -> None:
    opts = map_axes()
    assert (opts["xlabel"], opts["ylabel"]) == ("easting (km)", "northing (km)")
    assert opts["xformatter"].code == KM_TICK_JS == opts["yformatter"].code
    assert "/ 1000" in KM_TICK_JS and opts["xformatter"] is not map_axes()["xformatter"]  # one model per plot


def test_label_with_units_gives_units_once() -> None:
    assert label_with_units("forest cover fraction (0-1)", "1") == "forest cover fraction (0-1)"
    assert label_with_units("elevation above sea level", "m") == "elevation above sea level (m)"
    assert label_with_units("density (animals / ha)", "animals / ha") == "density (animals / ha)"
    assert label_with_units("distance", "") == "distance"
    assert label_with_units("distance", None) == "distance"


def _raster(values: np.ndarray, **attrs: str) -> xr.DataArray:
    y, x = np.arange(values.shape[0]) * 1000.0 + 4.7e6, np.arange(values.shape[1]) * 1000.0 + 6.5e5
    return xr.DataArray(values, dims=("y", "x"), coords={"y": y, "x": x}, attrs=attrs)


def test_habitat_image_title_has_units_once() -> None:
    habitat = xr.Dataset(
        {"forest_cover": _raster(np.full((3, 4), 0.5), units="1", long_name="forest cover fraction (0-1)")}
    )
    image = habitat_image(habitat, "forest_cover")
    assert image.opts.get().kwargs["title"] == "forest cover fraction (0-1)"
    assert image.opts.get().kwargs["xlabel"] == "easting (km)"


def test_habitat_image_as_a_background_leaves_the_title_to_its_map() -> None:
    habitat = xr.Dataset(
        {"forest_cover": _raster(np.full((3, 4), 0.5), units="1", long_name="forest cover fraction (0-1)")}
    )
    background = habitat_image(habitat, "forest_cover", title="")
    assert background.opts.get().kwargs["title"] == ""
    counts = aggregate_image(_raster(np.arange(1.0, 13.0).reshape(3, 4)), label="events")
    overlay = (background * counts).opts(title="Leopard events per km² pixel")
    assert hv.render(overlay).title.text == "Leopard events per km² pixel"


def test_small_multiples_colour_each_map_on_its_own_range() -> None:
    from bokeh.models import LinearColorMapper

    panels = [
        aggregate_image(_raster(np.arange(1.0, 13.0).reshape(3, 4) * scale), logz=False, label="events")
        for scale in (1, 100)
    ]
    own = hv.renderer("bokeh").get_plot(small_multiples(panels)).state
    highs = sorted(m.high for m in own.select({"type": LinearColorMapper}))
    assert highs == [12.0, 1200.0]
    shared = hv.renderer("bokeh").get_plot(small_multiples(panels, colour_scale="shared")).state
    assert {m.high for m in shared.select({"type": LinearColorMapper})} == {1200.0}
    labels = [p.opts.get().kwargs["clabel"] for p in small_multiples(panels)]
    assert labels == ["events (own scale per map)"] * 2
    with pytest.raises(ValueError, match="colour_scale"):
        small_multiples(panels, colour_scale="both")
