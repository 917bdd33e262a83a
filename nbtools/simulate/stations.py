"""Camera locations and the field team's service schedule.

Locations sit on a jittered square grid (``station_spacing_m``) inside the park; grid points near a
forest road are moved onto it (``featureType`` ``roadDirt``), the rest sit on game trails. The team
sets and services ``locations_per_field_day`` locations a day, working along the park.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
import xarray as xr

from nbtools._deprecate import renamed_parameters

from .. import habitat as hab
from .._time import SECONDS_PER_DAY
from .parameters import StudyParameters
from .times import TWO_PI

__all__ = ["layout_stations", "service_schedule"]


@renamed_parameters(rng="seed")
def layout_stations(habitat: xr.Dataset, p: StudyParameters, seed: int | np.random.Generator) -> pd.DataFrame:
    """Jittered grid locations inside the park, snapped to nearby forest roads."""
    rng = np.random.default_rng(seed)
    park = hab.park_boundary()
    inner = park.buffer(-p.station_margin_m)
    xmin, ymin, xmax, ymax = park.bounds
    s = p.station_spacing_m
    gx = np.arange(np.floor(xmin / s) * s + s / 2, xmax + s, s)
    gy = np.arange(np.floor(ymin / s) * s + s / 2, ymax + s, s)
    xx, yy = (a.ravel() for a in np.meshgrid(gx, gy))
    radius = p.station_jitter_m * np.sqrt(rng.random(xx.size))
    angle = rng.random(xx.size) * TWO_PI
    x = xx + radius * np.cos(angle)
    y = yy + radius * np.sin(angle)

    forest_roads = [line for name, line in hab.roads().items() if name.startswith("forest_road")]
    points = shapely.points(x, y)
    distances = np.stack([shapely.distance(line, points) for line in forest_roads])
    nearest = distances.argmin(axis=0)
    on_road = distances.min(axis=0) <= p.road_snap_m
    for number, line in enumerate(forest_roads):
        pick = on_road & (nearest == number)
        if pick.any():
            snapped = shapely.line_interpolate_point(line, shapely.line_locate_point(line, points[pick]))
            x[pick], y[pick] = shapely.get_coordinates(snapped).T
    land = hab.sample_at(habitat, x, y, variables=["land"])["land"].to_numpy() > 0.5
    keep = shapely.contains_xy(inner, x, y) & land
    x, y, on_road = x[keep], y[keep], on_road[keep]

    ring = np.asarray(park.exterior.coords)
    axis = ring[10] - ring[0]
    order = np.lexsort((x, (x - ring[0, 0]) * axis[0] + (y - ring[0, 1]) * axis[1]))
    x, y, on_road = x[order], y[order], on_road[order]
    lon, lat = hab.to_lonlat(x, y)
    cov = hab.sample_at(habitat, x, y)
    frame = pd.DataFrame(
        {
            "locationID": [f"L{i + 1:03d}" for i in range(x.size)],
            "x": x.round(1),
            "y": y.round(1),
            "longitude": lon.round(5),
            "latitude": lat.round(5),
            "featureType": np.where(on_road, "roadDirt", "trailGame"),
        }
    )
    for name in ("elevation", "slope", "forest_cover", "prey_index", "distance_to_road", "distance_to_settlement"):
        frame[name] = cov[name].to_numpy()
    frame["habitat"] = _habitat_text(frame["forest_cover"].to_numpy(), frame["slope"].to_numpy())
    return frame


def _habitat_text(forest: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Camtrap DP ``habitat`` text from forest cover (share) and slope (degrees)."""
    return np.select(
        [(forest >= 0.7) & (slope >= 8), forest >= 0.7, forest >= 0.35],
        [
            "Korean pine-broadleaf forest on a slope",
            "mixed broadleaf forest (oak, fir)",
            "open woodland and forest edge",
        ],
        default="open valley meadow and shrub",
    )


@renamed_parameters(rng="seed")
def service_schedule(
    stations: pd.DataFrame, p: StudyParameters, seed: int | np.random.Generator, day0_utc_s: int, n_days: int
) -> np.ndarray:
    """Service visit times (UTC s) per location: array (n_locations, n_intervals + 1).

    The team works along the park (location order), ``locations_per_field_day`` a day from
    09:00, 25 minutes apart; visit ``k`` starts ``k`` equal steps after the first, the last
    ending with the study.
    """
    rng = np.random.default_rng(seed)
    n = len(stations)
    n_intervals = max(1, int(round(n_days / p.service_interval_days)))
    field_day = np.arange(n) // p.locations_per_field_day
    span = int(field_day.max()) + 1
    nominal = np.rint(np.arange(n_intervals + 1) * (n_days - span) / n_intervals).astype(np.int64)
    slot = np.arange(n) % p.locations_per_field_day
    minutes = 9 * 60 + 25 * slot[:, None] + rng.uniform(0, 10, size=(n, n_intervals + 1))
    return (
        day0_utc_s + (nominal[None, :] + field_day[:, None]) * SECONDS_PER_DAY + np.rint(minutes * 60).astype(np.int64)
    )
