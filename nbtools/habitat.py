"""Habitat of a schematic Land of the Leopard National Park: boundary, rasters, covariates at points.

The park outline, the Sino-Russian border, the coast of Amur Bay, the roads and the
settlements are fixed, schematic geometries (hand-placed vertices in WGS84, projected to
UTM 52N); the relief, forest and prey rasters are simulated from a seed.

>>> from nbtools.habitat import park_boundary, simulate_habitat, sample_at
>>> round(park_boundary().area / 1e6, -1)      # km2
2670.0
>>> ds = simulate_habitat(seed=1, resolution_m=1000)
>>> sorted(ds.data_vars)[:3]
['distance_to_border', 'distance_to_coast', 'distance_to_road']

Notes
-----
Geography follows ``notes/domain.md`` section 1: Land of the Leopard National Park (LLNP),
about 2,620 km2 (TASS 2013; internationalparks.org gives 261,868 ha) in south-west Primorsky
Krai, between the China border (west, along the Chyornye Gory watershed) and the Amur Bay
coast (south-east), with the A189 highway and the railway on the coastal strip. The vertices
are *schematic*: they were placed by hand to give a plausible shape and the published area,
not digitised from a map.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely
import xarray as xr
from scipy import ndimage

__all__ = [
    "CRS",
    "KEDROVAYA_PAD_LONLAT",
    "SETTLEMENTS",
    "TIMEZONE",
    "border_line",
    "boundary_geojson",
    "coastline",
    "park_boundary",
    "read_habitat",
    "roads",
    "sample_at",
    "settlements",
    "simulate_habitat",
    "to_lonlat",
    "to_utm",
    "write_boundary",
    "write_habitat",
]

#: The study's projected CRS: WGS 84 / UTM zone 52N (metres).
CRS = pyproj.CRS.from_epsg(32652)
#: The study's time zone (UTC+10 all year since October 2014, no daylight saving).
TIMEZONE = "Asia/Vladivostok"

# --- schematic geometry, (lon, lat) in WGS84 ---------------------------------------------
# Park outline, counter-clockwise from the south-west tip: the coast-side edge runs north-east
# 4-8 km inland of Amur Bay (the coastal strip with the highway, railway and villages lies
# outside), the north-east lobe reaches the Razdolnaya valley, the west edge follows the border.
_PARK = (
    (130.83, 42.67),
    (130.93, 42.72),
    (131.06, 42.80),
    (131.22, 42.88),
    (131.38, 42.96),
    (131.50, 43.04),
    (131.58, 43.15),
    (131.62, 43.27),
    (131.68, 43.36),
    (131.74, 43.43),
    (131.75, 43.53),
    (131.66, 43.61),
    (131.53, 43.63),
    (131.41, 43.58),
    (131.32, 43.46),
    (131.245, 43.30),
    (131.175, 43.14),
    (131.08, 42.98),
    (130.97, 42.85),
    (130.88, 42.75),
)
# Sino-Russian border, north to south (1-2 km west of the park's west edge), to the Tumen River.
_BORDER = (
    (131.30, 43.95),
    (131.34, 43.75),
    (131.385, 43.60),
    (131.30, 43.47),
    (131.225, 43.30),
    (131.155, 43.14),
    (131.06, 42.98),
    (130.95, 42.85),
    (130.86, 42.75),
    (130.80, 42.67),
    (130.70, 42.55),
    (130.64, 42.42),
)
# Amur Bay / Posyet Bay coast, south-west to north-east, ending east of the bay head.
_COAST = (
    (130.70, 42.30),
    (130.74, 42.45),
    (130.84, 42.59),
    (130.98, 42.65),
    (131.12, 42.71),
    (131.28, 42.79),
    (131.43, 42.88),
    (131.56, 42.97),
    (131.65, 43.09),
    (131.70, 43.21),
    (131.76, 43.30),
    (131.85, 43.35),
    (131.98, 43.37),
    (132.40, 43.40),
)
# A189 (AH6) Razdolnoye-Khasan highway on the coastal strip, south-west to north-east.
_HIGHWAY = (
    (130.66, 42.45),
    (130.76, 42.60),
    (130.87, 42.665),
    (131.02, 42.735),
    (131.17, 42.81),
    (131.33, 42.89),
    (131.48, 42.97),
    (131.58, 43.06),
    (131.64, 43.17),
    (131.67, 43.28),
    (131.74, 43.36),
    (131.82, 43.45),
    (131.86, 43.60),
    (131.90, 43.80),
)
# Northern road from the Razdolnaya valley west to the border, north of the park.
_NORTH_ROAD = ((131.86, 43.66), (131.70, 43.68), (131.52, 43.70), (131.36, 43.72), (131.32, 43.78))
# Forest roads from the highway into the park (patrol and feeding-station tracks).
_FOREST_ROADS = (
    ((130.95, 42.70), (131.00, 42.78), (131.02, 42.90)),
    ((131.28, 42.865), (131.24, 42.95), (131.17, 43.04)),
    ((131.55, 43.03), (131.47, 43.09), (131.36, 43.16), (131.25, 43.22)),
    ((131.665, 43.25), (131.55, 43.30), (131.42, 43.36), (131.33, 43.40)),
    ((131.80, 43.43), (131.66, 43.47), (131.55, 43.52), (131.45, 43.55)),
)
#: Settlements (name, lon, lat, country) on the coastal strip and across the border.
SETTLEMENTS: tuple[tuple[str, float, float, str], ...] = (
    ("Khasan", 130.665, 42.46, "RU"),
    ("Kraskino", 130.77, 42.61, "RU"),
    ("Zarubino", 131.02, 42.70, "RU"),
    ("Slavyanka", 131.33, 42.87, "RU"),
    ("Primorsky", 131.55, 43.02, "RU"),
    ("Barabash", 131.635, 43.15, "RU"),
    ("Bezverkhovo", 131.70, 43.29, "RU"),
    ("Razdolnoye", 131.86, 43.56, "RU"),
    ("Hunchun", 130.37, 42.87, "CN"),
    ("Chunhua", 130.93, 43.33, "CN"),
)
#: Kedrovaya Pad reserve (179 km2), the named family's home (domain.md s.1).
KEDROVAYA_PAD_LONLAT = (131.50, 43.083)

_TO_UTM = pyproj.Transformer.from_crs(4326, CRS, always_xy=True)
_TO_LONLAT = pyproj.Transformer.from_crs(CRS, 4326, always_xy=True)


def to_utm(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitude/latitude (degrees) to UTM 52N easting/northing (metres)."""
    x, y = _TO_UTM.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def to_lonlat(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Unproject UTM 52N easting/northing (metres) to WGS84 longitude/latitude (degrees)."""
    lon, lat = _TO_LONLAT.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def _line(vertices: Sequence[tuple[float, float]]) -> shapely.LineString:
    lon, lat = np.array(vertices, dtype=float).T
    return shapely.LineString(np.column_stack(to_utm(lon, lat)))


@lru_cache(maxsize=1)
def park_boundary() -> shapely.Polygon:
    """The schematic park outline in UTM 52N metres (about 2,670 km2).

    Returns
    -------
    shapely.Polygon
        Counter-clockwise exterior, no holes.

    Notes
    -----
    Published areas: 262,000 ha (TASS 2013), 261,868 ha (internationalparks.org). The
    outline is hand-placed (see the module notes); its area is within 2 % of these.
    """
    lon, lat = np.array(_PARK, dtype=float).T
    polygon = shapely.Polygon(np.column_stack(to_utm(lon, lat)))
    return shapely.geometry.polygon.orient(polygon, sign=1.0)


@lru_cache(maxsize=1)
def border_line() -> shapely.LineString:
    """The Sino-Russian (and, at its southern end, Tumen River) border as a UTM line, north to south."""
    return _line(_BORDER)


@lru_cache(maxsize=1)
def coastline() -> shapely.LineString:
    """The schematic coast of Posyet and Amur Bays as a UTM line, south-west to north-east.

    The hand-placed vertices are densified to 1 km and given bays and headlands by two
    fixed sine waves (amplitude 1.2 and 0.6 km) normal to the line; no randomness.
    """
    base = _line(_COAST)
    distance = np.arange(0.0, base.length, 1000.0)
    points = shapely.get_coordinates(shapely.line_interpolate_point(base, distance))
    tangent = np.gradient(points, axis=0)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    normal /= np.hypot(normal[:, 0], normal[:, 1])[:, None]
    wiggle = 1200.0 * np.sin(2 * np.pi * distance / 17_000.0) + 600.0 * np.sin(2 * np.pi * distance / 6_500.0 + 1.0)
    taper = np.minimum(1.0, np.minimum(distance, base.length - distance) / 10_000.0)
    return shapely.LineString(points + normal * (wiggle * taper)[:, None])


@lru_cache(maxsize=1)
def roads() -> dict[str, shapely.LineString]:
    """Roads as UTM lines: ``highway`` (A189 on the coast), ``north_road`` and ``forest_road_1..5``.

    Notes
    -----
    The A189 (AH6) runs along the coast and past Kedrovaya Pad; the Razdolnoye-Khasan road
    is where the leopard Meamur was killed; forest roads lead to patrol posts and ungulate
    feeding stations (domain.md s.1). All schematic.
    """
    lines = {"highway": _line(_HIGHWAY), "north_road": _line(_NORTH_ROAD)}
    for number, vertices in enumerate(_FOREST_ROADS, start=1):
        lines[f"forest_road_{number}"] = _line(vertices)
    return lines


def settlements() -> pd.DataFrame:
    """Settlements as a table: ``name``, ``country``, ``longitude``, ``latitude``, ``x``, ``y`` (m)."""
    frame = pd.DataFrame(SETTLEMENTS, columns=["name", "longitude", "latitude", "country"])
    frame["x"], frame["y"] = to_utm(frame["longitude"], frame["latitude"])
    return frame[["name", "country", "longitude", "latitude", "x", "y"]]


def boundary_geojson(precision: int = 6) -> dict[str, Any]:
    """The park outline as a GeoJSON FeatureCollection in WGS84 (RFC 7946).

    Parameters
    ----------
    precision : int, default 6
        Decimal places of longitude and latitude (6 places is about 0.1 m).

    Returns
    -------
    dict
        One Feature whose Polygon has ``[lon, lat]`` positions, a closed, counter-clockwise
        exterior ring (RFC 7946 s.3.1.6) and properties ``name``, ``area_km2``, ``crs_source``.
    """
    ring = np.asarray(park_boundary().exterior.coords)
    lon, lat = to_lonlat(ring[:, 0], ring[:, 1])
    positions = [[round(float(a), precision), round(float(b), precision)] for a, b in zip(lon, lat, strict=True)]
    positions[-1] = positions[0]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "name": "Land of the Leopard National Park (schematic)",
                    "area_km2": round(park_boundary().area / 1e6, 1),
                    "crs_source": "EPSG:32652",
                    "note": "hand-placed outline for a simulated study; not an official boundary",
                },
                "geometry": {"type": "Polygon", "coordinates": [positions]},
            }
        ],
    }


def write_boundary(path: str | Path, precision: int = 6) -> Path:
    """Write :func:`boundary_geojson` to ``path`` (UTF-8, deterministic bytes) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(boundary_geojson(precision), indent=1) + "\n", encoding="utf-8")
    return target


# --- rasters -------------------------------------------------------------------------------


def _grid(resolution_m: float, buffer_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates: x ascending, y descending (north up), edges on a 5 km lattice."""
    xmin, ymin, xmax, ymax = park_boundary().bounds
    snap = 5000.0
    x0 = np.floor((xmin - buffer_m) / snap) * snap
    x1 = np.ceil((xmax + buffer_m) / snap) * snap
    y0 = np.floor((ymin - buffer_m) / snap) * snap
    y1 = np.ceil((ymax + buffer_m) / snap) * snap
    x = np.arange(x0 + resolution_m / 2, x1, resolution_m)
    y = np.arange(y1 - resolution_m / 2, y0, -resolution_m)
    return x, y


def _rasterize_lines(lines: Sequence[shapely.LineString], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cells crossed by any of the lines (sampled every quarter cell)."""
    resolution = float(x[1] - x[0])
    mask = np.zeros((y.size, x.size), dtype=bool)
    for line in lines:
        dense = shapely.get_coordinates(shapely.segmentize(line, resolution / 4))
        col = np.floor((dense[:, 0] - (x[0] - resolution / 2)) / resolution).astype(int)
        row = np.floor(((y[0] + resolution / 2) - dense[:, 1]) / resolution).astype(int)
        keep = (col >= 0) & (col < x.size) & (row >= 0) & (row < y.size)
        mask[row[keep], col[keep]] = True
    return mask


def _distance_to(mask: np.ndarray, resolution: float) -> np.ndarray:
    """Euclidean distance (m) from each cell centre to the nearest ``True`` cell centre."""
    return ndimage.distance_transform_edt(~mask, sampling=resolution)


def _noise(rng: np.random.Generator, shape: tuple[int, int], scale_m: float, resolution: float) -> np.ndarray:
    """Gaussian-filtered white noise with correlation length ``scale_m``, rescaled to unit sd."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=scale_m / resolution, mode="reflect")
    return (field - field.mean()) / field.std()


def _sea_polygon(x: np.ndarray, y: np.ndarray) -> shapely.Polygon:
    """Everything south-east of the coastline within a generous box around the grid."""
    coast = np.asarray(coastline().coords)
    pad = 200_000.0
    far_east = max(x[-1], coast[:, 0].max()) + pad
    far_south = min(y[-1], coast[:, 1].min()) - pad
    ring = np.vstack([coast, [[far_east, coast[-1, 1]], [far_east, far_south], [coast[0, 0], far_south]]])
    return shapely.Polygon(ring)


def _china_polygon(x: np.ndarray, y: np.ndarray) -> shapely.Polygon:
    """Everything west of the border line (the border's ends extended north and south)."""
    border = np.asarray(border_line().coords)
    pad = 200_000.0
    north = [[border[0, 0], border[0, 1] + pad]]
    south = [[border[-1, 0], border[-1, 1] - pad]]
    far_west = min(x[0], border[:, 0].min()) - pad
    ring = np.vstack([north, border, south, [[far_west, south[0][1]], [far_west, north[0][1]]]])
    return shapely.Polygon(ring)


def _feeding_stations(
    rng: np.random.Generator,
    xx: np.ndarray,
    yy: np.ndarray,
    candidates: np.ndarray,
    n: int,
    min_spacing_m: float,
) -> np.ndarray:
    """Pick ``n`` candidate cells at random, at least ``min_spacing_m`` apart; returns (n, 2) x/y."""
    order = rng.permutation(np.flatnonzero(candidates.ravel()))
    points = np.column_stack([xx.ravel()[order], yy.ravel()[order]])
    chosen: list[np.ndarray] = []
    for point in points:  # a handful of stations: a short loop is clearest
        if all(np.hypot(*(point - other)) >= min_spacing_m for other in chosen):
            chosen.append(point)
        if len(chosen) == n:
            break
    return np.array(chosen, dtype=float).reshape(-1, 2)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def simulate_habitat(
    seed: int | np.random.Generator = 20161101,
    resolution_m: float = 250.0,
    buffer_m: float = 20_000.0,
    n_feeding_stations: int = 12,
) -> xr.Dataset:
    """Simulate habitat rasters for the schematic Land of the Leopard National Park.

    Parameters
    ----------
    seed : int or numpy.random.Generator, default 20161101
        Seed for the relief, forest and feeding-station randomness; the geometry (park,
        border, coast, roads, settlements) is fixed.
    resolution_m : float, default 250
        Cell size (m).
    buffer_m : float, default 20000
        Margin around the park's bounding box (m); the grid edges are snapped outward to a
        5 km lattice, so grids of different resolutions cover the same extent.
    n_feeding_stations : int, default 12
        Ungulate feeding stations in the park around which sika deer gather (assumed count;
        feeding stations: Kremlin news 2014, domain.md s.1).

    Returns
    -------
    xarray.Dataset
        Dimensions ``y`` (descending, north up) and ``x`` (cell centres, m, EPSG:32652) and
        a scalar ``spatial_ref`` coordinate holding the CF grid mapping (``crs_wkt``).
        Variables (each with ``units``, ``long_name`` and ``grid_mapping``):

        ``elevation`` (m, 0 at sea, ridges 400-700 m, peaks up to about 950 m), ``slope``
        (degree), ``forest_cover`` (1, 0-1), ``distance_to_road``, ``distance_to_settlement``,
        ``distance_to_border``, ``distance_to_coast`` (m), ``prey_index`` (1, 0-1, relative
        sika deer density), ``land`` and ``in_park`` (bool masks).
        Attributes ``feeding_station_x`` and ``feeding_station_y`` list the feeding stations.

    Notes
    -----
    Elevation (m) on land is

    ``520 (1 - exp(-c/8 km))`` rising from the coast (distance ``c``) towards the border
    watershed, plus a ridge of ``180 exp(-(b/5 km)^2)`` along the border (distance ``b``),
    spurs of +-120 m running from the border to the coast every ~9 km (meandering with the
    large-scale noise), and noise: Gaussian-filtered white noise ``n`` at 6 km (sd 80 m), a
    ridged version ``(0.8 - |n|)/0.6`` at 1.5 km (sd 60 m: sharp crests, broad valleys) and
    0.4 km (sd 35 m); all but the base fade out within ~2 km of the coast. West of the border
    the base falls towards the Tumen lowland (``80 + (base - 80) exp(-b/12 km)``). Values
    above 800 m are compressed smoothly (``800 + 150 tanh((z - 800)/150)``), so the maximum
    stays below 950 m. This mimics the relief described for Kedrovaya Pad (ridges ~400 m,
    max 692 m) and the Chyornye Gory / Pogranichny ridge (600-700 m, max 984 m)
    (domain.md s.1).

    Forest cover is ``logistic(1.8 + 0.08 (slope - 8) + 0.015 r + 0.8 n - 3.5 exp(-c/2.5 km)
    - 2.5 exp(-s/2.5 km) - 0.8 exp(-d/0.4 km))`` with slope in degrees, ``r`` the elevation
    relative to its 2 km mean (valleys open), ``n`` 1.5 km noise, ``s`` and ``d`` the
    distances to settlements and roads; Chinese lowland below 200 m is farmland (-2.5).
    The prey index is 0.35 x forest edge (``4 f (1 - f) exp(-z/600)``) + 0.65 x Gaussian
    kernels (sd 2.5 km) around the feeding stations, clipped to [0, 1]. Distances use
    ``scipy.ndimage.distance_transform_edt`` on rasterised lines, so they are exact to about
    half a cell; lines leaving the grid count only inside it. All values are rounded (1 m,
    10 m for distances, 0.1 degree for slope, 0.01 for fractions) so that the NetCDF file
    compresses well.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    res = float(resolution_m)
    x, y = _grid(res, buffer_m)
    xx, yy = np.meshgrid(x, y)
    shape = xx.shape

    sea = shapely.contains_xy(_sea_polygon(x, y), xx, yy)
    land = ~sea
    china = shapely.contains_xy(_china_polygon(x, y), xx, yy)
    in_park = shapely.contains_xy(park_boundary(), xx, yy)

    d_coast = _distance_to(sea, res)
    d_border = _distance_to(_rasterize_lines([border_line()], x, y), res)
    d_road = _distance_to(_rasterize_lines(list(roads().values()), x, y), res)
    towns = settlements()
    d_settlement = np.full(shape, np.inf)
    for tx, ty in zip(towns["x"], towns["y"], strict=True):  # ten points
        np.minimum(d_settlement, np.hypot(xx - tx, yy - ty), out=d_settlement)

    # relief
    n1 = _noise(rng, shape, 6000.0, res)
    n2 = _noise(rng, shape, 1500.0, res)
    n3 = _noise(rng, shape, 400.0, res)
    park = np.asarray(park_boundary().exterior.coords)
    axis = park[10] - park[0]  # south-west tip to the north-east lobe
    axis /= np.hypot(*axis)
    along = xx * axis[0] + yy * axis[1]
    inland = 1.0 - np.exp(-d_coast / 5000.0)
    rise = 520.0 * (1.0 - np.exp(-d_coast / 8000.0))
    base = np.where(china, 80.0 + (rise - 80.0) * np.exp(-d_border / 12_000.0), rise)
    ridge = 180.0 * np.exp(-((d_border / 5000.0) ** 2))
    spurs = 120.0 * inland * np.cos(2 * np.pi * along / 9000.0 + 3.0 * n1)
    relief = 80.0 * n1 + 60.0 * (0.8 - np.abs(n2)) / 0.6 + 35.0 * n3
    elevation = base + (ridge + spurs + relief) * (1.0 - np.exp(-d_coast / 2000.0))
    elevation = np.where(elevation > 800.0, 800.0 + 150.0 * np.tanh((elevation - 800.0) / 150.0), elevation)
    elevation = np.where(land, np.clip(elevation, 1.0, None), 0.0).round()

    gy, gx = np.gradient(elevation, res)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    relative = elevation - ndimage.gaussian_filter(elevation, 2000.0 / res)

    # forest
    nf = _noise(rng, shape, 1500.0, res)
    logit = (
        1.8
        + 0.08 * (slope - 8.0)
        + 0.015 * relative
        + 0.8 * nf
        - 3.5 * np.exp(-d_coast / 2500.0)
        - 2.5 * np.exp(-d_settlement / 2500.0)
        - 0.8 * np.exp(-d_road / 400.0)
        - np.where(china & (elevation < 200.0), 2.5, 0.0)
    )
    forest = np.where(land, _sigmoid(logit), 0.0)

    # prey: sika deer around feeding stations on gentle ground near forest roads
    forest_roads = [line for name, line in roads().items() if name.startswith("forest_road")]
    near_track = _distance_to(_rasterize_lines(forest_roads, x, y), res) < 3000.0
    candidates = in_park & (slope < 10.0) & near_track & (d_coast > 3000.0)
    stations = _feeding_stations(rng, xx, yy, candidates, n_feeding_stations, min_spacing_m=5000.0)
    kernel = np.zeros(shape)
    for sx, sy in stations:  # a dozen stations
        kernel += np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * 2500.0**2))
    edge = 4.0 * forest * (1.0 - forest) * np.exp(-elevation / 600.0)
    prey = np.where(land, np.clip(0.35 * edge + 0.65 * kernel, 0.0, 1.0), 0.0)

    data = {
        "elevation": (elevation, "m", "elevation above sea level", "height_above_mean_sea_level"),
        "slope": (slope.round(1), "degree", "terrain slope", None),
        "forest_cover": (forest.round(2), "1", "forest cover fraction (0-1)", None),
        "distance_to_road": (d_road.round(-1), "m", "distance to the nearest road", None),
        "distance_to_settlement": (d_settlement.round(-1), "m", "distance to the nearest settlement", None),
        "distance_to_border": (d_border.round(-1), "m", "distance to the state border", None),
        "distance_to_coast": (d_coast.round(-1), "m", "distance to the sea coast (0 at sea)", None),
        "prey_index": (prey.round(2), "1", "relative sika deer density index (0-1)", None),
        "land": (land, "1", "land mask (true on land, false at sea)", None),
        "in_park": (in_park, "1", "inside the national park boundary", None),
    }
    variables = {}
    for name, (values, units, long_name, standard_name) in data.items():
        attrs = {"units": units, "long_name": long_name, "grid_mapping": "spatial_ref"}
        if standard_name:
            attrs["standard_name"] = standard_name
        if name in ("forest_cover", "prey_index"):
            attrs["comment"] = "0 at sea"
        if values.dtype != bool:
            values = values.astype(np.float32)
        variables[name] = (("y", "x"), values, attrs)

    cf = CRS.to_cf()
    spatial_ref = xr.DataArray(np.int32(0), attrs={**cf, "spatial_ref": cf["crs_wkt"], "epsg_code": "EPSG:32652"})
    coords = {
        "x": ("x", x, {"units": "m", "long_name": "easting", "standard_name": "projection_x_coordinate", "axis": "X"}),
        "y": ("y", y, {"units": "m", "long_name": "northing", "standard_name": "projection_y_coordinate", "axis": "Y"}),
        "spatial_ref": spatial_ref,
    }
    attrs = {
        "title": "Simulated habitat of a schematic Land of the Leopard National Park",
        "Conventions": "CF-1.8",
        "source": "nbtools.habitat.simulate_habitat (simulated; schematic geometry)",
        "crs": "EPSG:32652",
        "resolution_m": res,
        "feeding_station_x": stations[:, 0].round(1),
        "feeding_station_y": stations[:, 1].round(1),
        "references": "See notes/domain.md s.1 for the geography the schematic follows.",
    }
    if not isinstance(seed, np.random.Generator):
        attrs["seed"] = int(seed)
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def write_habitat(ds: xr.Dataset, path: str | Path, complevel: int = 4) -> Path:
    """Write a habitat Dataset as NetCDF-4 (engine h5netcdf) with deterministic bytes.

    Parameters
    ----------
    ds : xarray.Dataset
        Usually from :func:`simulate_habitat`.
    path : str or pathlib.Path
        Target file (``.nc``); replaced if it exists.
    complevel : int, default 4
        zlib compression level for the data variables (with the shuffle filter).

    Returns
    -------
    pathlib.Path
        The path written.

    Notes
    -----
    HDF5 object timestamps are off (h5py's ``track_times`` defaults to False and xarray
    writes no history), so the same Dataset gives the same bytes with the same library
    versions. The ``_NCProperties`` attribute names the netCDF/h5netcdf versions, so files
    written with other versions differ.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    encoding: dict[str, dict[str, Any]] = {}
    for name, variable in ds.data_vars.items():
        if variable.ndim >= 1:
            encoding[name] = {"zlib": True, "complevel": complevel, "shuffle": True}
    ds.to_netcdf(target, engine="h5netcdf", encoding=encoding)
    return target


def read_habitat(path: str | Path) -> xr.Dataset:
    """Read a habitat NetCDF file written by :func:`write_habitat` into memory."""
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds.load()


def sample_at(
    ds: xr.Dataset,
    x: Any,
    y: Any,
    buffer_m: float = 0.0,
    variables: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Habitat covariates at points: the containing cell's value, or the mean within a buffer.

    Parameters
    ----------
    ds : xarray.Dataset
        Habitat rasters on a regular ``y``/``x`` grid (either orientation).
    x, y : array-like
        Point coordinates in the Dataset's CRS (m). A pandas Series keeps its index.
    buffer_m : float, default 0
        Radius (m). 0 takes the cell containing each point; otherwise the mean over the
        cells whose centres lie within ``buffer_m`` of the point (always including the
        containing cell), ignoring cells outside the grid and NaN values.
    variables : sequence of str, optional
        Variables to sample; default all 2-D ``(y, x)`` variables. Boolean masks become the
        fraction of cells that are true.

    Returns
    -------
    pandas.DataFrame
        One row per point, one float column per variable; NaN for points off the grid.

    Examples
    --------
    >>> ds = simulate_habitat(seed=1, resolution_m=1000)
    >>> sample_at(ds, [ds.x.values[3]], [ds.y.values[2]], variables=["elevation"]).shape
    (1, 1)
    """
    index = x.index if isinstance(x, pd.Series) else None
    px = np.atleast_1d(np.asarray(x, dtype=float))
    py = np.atleast_1d(np.asarray(y, dtype=float))
    names = list(variables) if variables is not None else [n for n, v in ds.data_vars.items() if v.dims == ("y", "x")]
    gx = ds["x"].values.astype(float)
    gy = ds["y"].values.astype(float)
    dx, dy = gx[1] - gx[0], gy[1] - gy[0]
    col = np.rint((px - gx[0]) / dx).astype(np.int64)
    row = np.rint((py - gy[0]) / dy).astype(np.int64)
    reach = int(np.ceil(buffer_m / min(abs(dx), abs(dy)))) if buffer_m > 0 else 0
    offset = np.arange(-reach, reach + 1)
    orow, ocol = (a.ravel() for a in np.meshgrid(offset, offset, indexing="ij"))
    rows = row[:, None] + orow[None, :]
    cols = col[:, None] + ocol[None, :]
    inside = (rows >= 0) & (rows < gy.size) & (cols >= 0) & (cols < gx.size)
    centre = (orow == 0) & (ocol == 0)
    if buffer_m > 0:
        cx = gx[np.clip(cols, 0, gx.size - 1)]
        cy = gy[np.clip(rows, 0, gy.size - 1)]
        within = np.hypot(cx - px[:, None], cy - py[:, None]) <= buffer_m
        use = inside & (within | centre[None, :])
    else:
        use = inside & centre[None, :]
    # a point whose containing cell is off the grid gets NaN, even if its buffer reaches the grid
    on_grid = (row >= 0) & (row < gy.size) & (col >= 0) & (col < gx.size)
    rows_c = np.clip(rows, 0, gy.size - 1)
    cols_c = np.clip(cols, 0, gx.size - 1)
    out = {}
    for name in names:
        values = ds[name].transpose("y", "x").values.astype(float)[rows_c, cols_c]
        values = np.where(use, values, np.nan)
        with np.errstate(invalid="ignore"):
            total = np.nansum(values, axis=1)
            count = np.sum(~np.isnan(values), axis=1)
            mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        out[name] = np.where(on_grid, mean, np.nan)
    return pd.DataFrame(out, index=index)
