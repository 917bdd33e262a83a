"""Camera detection cones and the passages of walkers through them (for the REM simulator).

A camera at ``(x, y)`` faces ``heading`` (rad, counter-clockwise from east). Its sensor can see a sector
of radius ``max_radius_m`` and half-angle ``half_angle_rad`` about that direction. Detection is a
hazard along the animal's path: moving ``ds`` metres at distance ``r`` and angle ``phi`` from the
camera's axis triggers it with probability ``hazard_per_m * g(r) * h(phi) * ds``, with half-normal
``g(r) = exp(-r^2 / (2 sigma_r^2))`` (``sigma_r`` depends on the species: larger animals are seen
farther) and ``h(phi) = exp(-phi^2 / (2 sigma_phi^2))`` inside the sector, 0 outside. A passive
infrared sensor responds to a warm body *moving across* its zones, hence a hazard per metre moved,
not per second: fast and slow animals are detected alike. The position recorded is where the
animal is when the camera first triggers, as Rowcliffe et al. (2011) measure it; a passage that
does not trigger the camera is not recorded. Integrated over a straight path the hazard is
computed on points 0.25 m apart (a trigger position is known to +-0.13 m, well within the
measurement error of positions).

The REM's detection zone (an effective radius and angle from distance sampling of those
positions) is an approximation of this process (Rowcliffe et al. 2011 found it within 5 % for
realistic angles); :func:`effective_width` gives the exact mean width of the zone the process
implies, from which the true contact rate follows without the REM's assumptions. With the default
zone and sika deer's ``sigma_r`` of 5 m, the detection functions themselves give an effective radius
of 7.0 m and angle of 0.68 rad, a REM width ``r (2 + theta) / pi`` of 6.0 m, while the process's
true mean width is 7.5 m: a moving animal usually fires the camera on its way in, farther out than a
point transect's positions would be. The radii of those first triggers are fitted to an effective
radius of about 8 m (and the angles to about 0.78 rad), which with the share of radii kept after
truncation gives back the 7.5 m: the REM on first-trigger positions is right because it measures the
positions the process produces, not ``g`` itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._deprecate import renamed_parameters
from .walks import Trails, Walks

__all__ = ["CameraZone", "effective_width", "passages", "place_cameras"]

_SPACING_M = 0.25


@dataclass(frozen=True)
class CameraZone:
    """The camera's sensor: sector, falloff with angle, hazard, and how well positions are measured.

    Attributes
    ----------
    max_radius_m : float, default 15
        Farthest distance (m) at which the sensor can trigger.
    half_angle_rad : float, default 0.5
        Half the sensor's field of view (rad): 0.5 rad is 57 degrees in all, a typical PIR sensor.
    sigma_angle_rad : float, default 0.3
        Half-normal scale of the fall of detection towards the edges of the field (rad).
    hazard_per_m : float, default 1.0
        Trigger hazard per metre moved straight in front of the camera, close by (assumed: an animal
        walking across right in front is detected within about a metre).
    radius_cv : float, default 0.05
        Relative error of a measured radius (log-normal).
    angle_sd_rad : float, default 0.02
        Error of a measured angle (rad, normal).
    speed_cv : float, default 0.08
        Relative error of a measured speed (log-normal, centred so that the harmonic mean is unbiased).
    """

    max_radius_m: float = 15.0
    half_angle_rad: float = 0.5
    sigma_angle_rad: float = 0.3
    hazard_per_m: float = 1.0
    radius_cv: float = 0.05
    angle_sd_rad: float = 0.02
    speed_cv: float = 0.08

    def __post_init__(self) -> None:
        if not (self.max_radius_m > 0 and 0 < self.half_angle_rad < math.pi / 2):
            raise ValueError(f"the sector needs max_radius_m > 0 and 0 < half_angle_rad < pi/2, got {self}")
        if not (self.sigma_angle_rad > 0 and self.hazard_per_m > 0):
            raise ValueError(f"sigma_angle_rad and hazard_per_m must be positive, got {self}")


@renamed_parameters(rng="seed")
def place_cameras(
    n: int,
    side_m: float,
    placement: str,
    seed: int | np.random.Generator,
    trails: Trails | None = None,
    trail_offset_m: float = 3.0,
) -> pd.DataFrame:
    """Camera positions (m) and headings (rad): at random, or beside trails facing them.

    Parameters
    ----------
    n : int
        Number of cameras.
    side_m : float
        Side of the square region (m).
    placement : {"random", "trail"}
        ``"random"``: uniform positions and headings (the REM's assumption). ``"trail"``: each camera
        ``trail_offset_m`` north of a trail chosen at random, at a uniform east-west position, facing
        south across it, as trail cameras are set (3-4 m from the path, domain notes s.2).
    seed : int or numpy.random.Generator
        Randomness (an int, or a generator used as it is; formerly ``rng``, which still works, deprecated).
    trails : Trails, optional
        Needed for ``"trail"``.

    Returns
    -------
    pandas.DataFrame
        ``x``, ``y`` (m), ``heading`` (rad), ``on_trail`` (bool).
    """
    rng = np.random.default_rng(seed)
    if placement == "random":
        return pd.DataFrame(
            {
                "x": rng.uniform(0, side_m, n),
                "y": rng.uniform(0, side_m, n),
                "heading": rng.uniform(0, 2 * math.pi, n),
                "on_trail": np.zeros(n, dtype=bool),
            }
        )
    if placement != "trail":
        raise ValueError(f"placement must be 'random' or 'trail', got {placement!r}")
    if trails is None:
        raise ValueError("placement='trail' needs trails")
    lines = trails.lines(side_m)
    return pd.DataFrame(
        {
            "x": rng.uniform(0, side_m, n),
            "y": rng.choice(lines, n) + trail_offset_m,
            "heading": np.full(n, -math.pi / 2),
            "on_trail": np.ones(n, dtype=bool),
        }
    )


def _grid_pairs(
    mx: NDArray, my: NDArray, cameras: pd.DataFrame, side_m: float, reach: float
) -> tuple[NDArray, NDArray]:
    """Pairs (point, camera) with the point within ``reach`` of the camera or near it, via a grid of cells."""
    n_cells = max(1, int(side_m // (2.0 * reach)))
    cell = side_m / n_cells
    seg_cell = np.minimum((mx // cell).astype(np.int64), n_cells - 1) * n_cells + np.minimum(
        (my // cell).astype(np.int64), n_cells - 1
    )
    cam_cells = []
    for shift_x in (-reach, reach):
        for shift_y in (-reach, reach):
            cx = (np.mod(cameras["x"].to_numpy() + shift_x, side_m) // cell).astype(np.int64) % n_cells
            cy = (np.mod(cameras["y"].to_numpy() + shift_y, side_m) // cell).astype(np.int64) % n_cells
            cam_cells.append(np.column_stack([cx * n_cells + cy, np.arange(len(cameras))]))
    pairs = np.unique(np.concatenate(cam_cells), axis=0)  # sorted by cell
    near = np.zeros(n_cells * n_cells, dtype=bool)
    near[pairs[:, 0]] = True
    candidate = np.nonzero(near[seg_cell])[0]
    lo = np.searchsorted(pairs[:, 0], seg_cell[candidate], "left")
    counts = np.searchsorted(pairs[:, 0], seg_cell[candidate], "right") - lo
    points = np.repeat(candidate, counts)
    offsets = np.arange(points.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return points, pairs[np.repeat(lo, counts) + offsets, 1]


_PIECE_M = 50.0  # steps are cut into straight pieces of at most this length for the search


def _candidates(
    walks: Walks, cameras: pd.DataFrame, side_m: float, radius: float
) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Pieces of steps (at most 50 m) that come near a camera.

    Returns
    -------
    (piece, step, sub, n_sub, camera) arrays, one entry per (piece, camera) pair: ``piece`` numbers the
    pieces walker by walker in time order, ``step`` is the moving step (row of ``walks``), ``sub`` the
    piece's number within it and ``n_sub`` the step's number of pieces.
    """
    length = np.hypot(walks.dx, walks.dy)
    n_sub = np.maximum(1, np.ceil(length / _PIECE_M).astype(np.int64))
    step = np.repeat(np.arange(length.size), n_sub)
    sub = np.arange(step.size) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub)
    mid = (sub + 0.5) / n_sub[step]
    mx = np.mod(walks.x0[step] + mid * walks.dx[step], side_m)
    my = np.mod(walks.y0[step] + mid * walks.dy[step], side_m)
    piece, cams = _grid_pairs(mx, my, cameras, side_m, radius + _PIECE_M / 2 + 1.0)
    return piece, step[piece], sub[piece], n_sub[step[piece]], cams


def _clip_to_sector(
    ux: NDArray, uy: NDArray, dx: NDArray, dy: NDArray, radius: float, half_angle: float
) -> tuple[NDArray, NDArray, NDArray]:
    """The part ``[t_in, t_out]`` of ``[0, 1]`` in which ``u + t d`` is inside the sector (camera facing +x)."""
    a = dx * dx + dy * dy
    b = 2 * (ux * dx + uy * dy)
    c = ux * ux + uy * uy - radius**2
    disc = b * b - 4 * a * c
    ok = (disc > 0) & (a > 0)
    root = np.sqrt(np.where(ok, disc, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_in = np.clip((-b - root) / (2 * a), 0, 1)
        t_out = np.clip((-b + root) / (2 * a), 0, 1)
        # the wedge |angle| <= half_angle is two half-planes n . p <= 0 through the camera
        for sign in (1.0, -1.0):
            nx, ny = -math.sin(half_angle), sign * math.cos(half_angle)
            nu, nd = nx * ux + ny * uy, nx * dx + ny * dy
            bound = -nu / nd
            t_out = np.where(nd > 0, np.minimum(t_out, bound), t_out)
            t_in = np.where(nd < 0, np.maximum(t_in, bound), t_in)
            ok &= (nd != 0) | (nu <= 0)
    ok &= t_out > t_in
    return t_in, t_out, ok


@renamed_parameters(rng="seed")
def passages(
    walks: Walks,
    cameras: pd.DataFrame,
    zone: CameraZone,
    sigma_radius_m: float,
    side_m: float,
    seed: int | np.random.Generator,
) -> pd.DataFrame:
    """The detected passages of walkers through the cameras' sectors.

    Parameters
    ----------
    walks : Walks
    cameras : pandas.DataFrame
        ``x``, ``y``, ``heading`` (:func:`place_cameras`).
    zone : CameraZone
    sigma_radius_m : float
        Half-normal scale of detection with distance (m) for this species.
    side_m : float
        Side of the torus (m).
    seed : int or numpy.random.Generator
        Randomness (an int, or a generator used as it is; formerly ``rng``, which still works, deprecated).

    Returns
    -------
    pandas.DataFrame
        One row per detected passage: ``camera``, ``walker``, ``step``, ``fraction`` (of the step
        elapsed at the trigger), ``radius`` (m), ``angle`` (rad, positive to the camera's right),
        ``speed`` (m/s, true) and ``exit_fraction`` (of the step elapsed when the animal leaves the
        sector). A passage split by a step boundary is recorded once.
    """
    rng = np.random.default_rng(seed)
    piece, steps, sub, n_sub, cams = _candidates(walks, cameras, side_m, zone.max_radius_m)
    half = side_m / 2
    cx, cy, ch = (cameras[c].to_numpy()[cams] for c in ("x", "y", "heading"))
    start = sub / n_sub  # of the step, where the piece starts
    rx = np.mod(walks.x0[steps] + start * walks.dx[steps] - cx + half, side_m) - half
    ry = np.mod(walks.y0[steps] + start * walks.dy[steps] - cy + half, side_m) - half
    cos_h, sin_h = np.cos(ch), np.sin(ch)
    ux, uy = rx * cos_h + ry * sin_h, -rx * sin_h + ry * cos_h  # camera frame: facing +x
    sdx, sdy = walks.dx[steps] / n_sub, walks.dy[steps] / n_sub
    dx, dy = sdx * cos_h + sdy * sin_h, -sdx * sin_h + sdy * cos_h
    t_in, t_out, ok = _clip_to_sector(ux, uy, dx, dy, zone.max_radius_m, zone.half_angle_rad)
    a = dx * dx + dy * dy
    keep = np.nonzero(ok)[0]
    length = (t_out[keep] - t_in[keep]) * np.sqrt(a[keep])
    n_pts = np.ceil(length / _SPACING_M).astype(np.int64) + 1
    pair = np.repeat(keep, n_pts)
    within = np.arange(n_pts.sum()) - np.repeat(np.cumsum(n_pts) - n_pts, n_pts)
    s = (within + rng.random(pair.size)) * _SPACING_M  # metres along the chord, random phase
    t = t_in[pair] + s / np.sqrt(a[pair])
    px, py = ux[pair] + t * dx[pair], uy[pair] + t * dy[pair]
    r = np.hypot(px, py)
    phi = np.arctan2(-py, px)  # Camtrap DP: negative left, positive right
    rate = zone.hazard_per_m * np.exp(-0.5 * (r / sigma_radius_m) ** 2 - 0.5 * (phi / zone.sigma_angle_rad) ** 2)
    rate = np.where(t <= t_out[pair], rate, 0.0)
    hit = rng.random(pair.size) < -np.expm1(-rate * _SPACING_M)
    hit_idx = np.nonzero(hit)[0]
    first = hit_idx[np.unique(pair[hit_idx], return_index=True)[1]]  # first trigger on each chord
    k = pair[first]
    out = (
        pd.DataFrame(
            {
                "camera": cams[k],
                "walker": walks.walker[steps[k]],
                "step": walks.step[steps[k]],
                "piece": piece[k],
                "fraction": (sub[k] + t[first]) / n_sub[k],
                "radius": r[first],
                "angle": phi[first],
                "speed": walks.speed[steps[k]],
                "exit_fraction": (sub[k] + t_out[k]) / n_sub[k],
                "starts_inside": t_in[k] <= 0.0,
                "ends_inside": t_out[k] >= 1.0,
            }
        )
        .sort_values(["camera", "piece"], kind="stable")
        .reset_index(drop=True)
    )
    # A passage split between pieces or steps (the walker was inside the sector at the end of a piece,
    # or rested there) continues on the walker's next piece. The hazard is memoryless, so keeping the
    # first trigger of the passage and dropping a trigger on the continuing piece records each passage
    # once, with the right probability.
    previous = out.shift()
    continued = (
        out["camera"].eq(previous["camera"])
        & out["walker"].eq(previous["walker"])
        & out["piece"].eq(previous["piece"] + 1)
        & out["starts_inside"]
        & previous["ends_inside"].eq(True)
    )
    return out[~continued].drop(columns=["piece", "starts_inside", "ends_inside"]).reset_index(drop=True)


@lru_cache(maxsize=64)
def effective_width(zone: CameraZone, sigma_radius_m: float, n: int = 100_000, seed: int = 0) -> float:
    """Mean width (m) of the zone the detection process implies: contacts per unit of density x distance.

    A camera is contacted at the rate ``D v W`` by animals of density ``D`` moving at speed ``v``
    (straight lines at the scale of the sector, directions uniform), where
    ``W = E_direction[ integral P(detect | offset) d offset ]``. ``W`` is computed here by Monte Carlo
    on ``n`` straight paths. For a sector of radius ``r`` and angle ``theta`` seen perfectly, ``W =
    r (2 + theta) / pi``, the REM's (Rowcliffe et al. 2008).

    Returns
    -------
    float
        ``W`` (m).
    """
    rng = np.random.default_rng(seed)
    big = zone.max_radius_m
    psi = rng.uniform(0, 2 * math.pi, n)
    b = rng.uniform(-big, big, n)
    path_len = 2.0 * big + 2.0
    x0 = -b * np.sin(psi) - (big + 1.0) * np.cos(psi)
    y0 = b * np.cos(psi) - (big + 1.0) * np.sin(psi)
    side = 1000.0  # a torus much larger than the paths (2 max_radius + 2 m), the camera in its middle
    cams = pd.DataFrame({"x": [side / 2], "y": [side / 2], "heading": [0.0]})
    w = Walks(
        np.arange(n),
        np.zeros(n, dtype=np.int64),
        x0 + side / 2,
        y0 + side / 2,
        path_len * np.cos(psi),
        path_len * np.sin(psi),
        np.ones(n),
        1.0,
    )
    detected = passages(w, cams, zone, sigma_radius_m, side, rng)
    return float(len(detected) / n * 2 * big)
