"""Maps of camera-trap studies: datashader aggregates (pure) and holoviews layers (drawing).

- :mod:`nbtools.maps.aggregate`: points to pixel grids (counts, categories, weights), smoothed surfaces.
- :mod:`nbtools.maps.positions`: where each detected animal was.
- :mod:`nbtools.maps.layers`: holoviews/bokeh layers: boundary, stations, habitat, aggregated activity.

Every map works offline: no web-map tiles are fetched unless a user asks for them.
"""

from .aggregate import Grid, activity_surface, aggregate_points, grid_for, hour_of_day
from .layers import (
    activity_map,
    aggregate_image,
    boundary_path,
    category_colors,
    category_image,
    deployment_map,
    habitat_image,
    km_tick_label,
    label_with_units,
    map_axes,
    small_multiples,
    station_points,
    track_paths,
)
from .positions import detection_positions

__all__ = [
    "Grid",
    "activity_map",
    "activity_surface",
    "aggregate_image",
    "category_colors",
    "category_image",
    "track_paths",
    "aggregate_points",
    "boundary_path",
    "deployment_map",
    "detection_positions",
    "grid_for",
    "habitat_image",
    "hour_of_day",
    "km_tick_label",
    "label_with_units",
    "map_axes",
    "small_multiples",
    "station_points",
]
