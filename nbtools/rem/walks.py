"""Correlated random walks of prey on a torus, with optional game trails (for the REM simulator).

Animals (or groups moving together) walk in discrete steps of ``step_s`` seconds. At each step an
animal is active with the probability its species' activity curve gives for the local clock time
(the curve's peak is 1, so at the peak every animal is active, which is what the activity level of
Rowcliffe et al. 2014 assumes); an active animal turns by a wrapped normal angle (standard deviation
``turning_sd_rad``: a *correlated* random walk) and moves ``speed x step_s`` metres with a log-normal
speed; an inactive one stays where it is. The study region is a square torus (``side_m``), so the
density is the same everywhere and nobody leaves.

Trails (optional): straight east-west lines every ``trail_spacing_m`` metres. The mechanism is explicit:
an animal whose undisturbed walk passes within ``trail_capture_m`` of a trail walks *on* the trail
instead (its north-south coordinate is set to the trail's while its walk stays in that band), and the
rest of the plane is stretched to close the gap, so that no animal is created or lost (the map is a
push-forward of the uniform walk: mean density over the region is unchanged). A camera on a trail
therefore sees every animal whose walk comes within ``trail_capture_m`` of the trail at that point:
more passages than a camera placed at random, which is why the REM, which assumes cameras placed
at random with respect to movement, overestimates density from cameras on trails. On the trail a
walker keeps only the along-trail part of its step, so speeds measured at trail cameras are also
lower than the population's, which adds to the overestimate (through a shorter day range).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._deprecate import renamed_parameters

__all__ = ["Trails", "Walks", "trail_map", "walk"]

_TWO_PI = 2.0 * math.pi


@dataclass(frozen=True)
class Trails:
    """East-west game trails at ``y = spacing / 2 + k spacing`` (m) and how they capture animals.

    Attributes
    ----------
    spacing_m : float
        Distance between trails (m); must divide the side of the region.
    capture_m : float, default 10
        An animal whose walk passes within this distance (m) of a trail walks on it (assumed; with
        10 m, trail cameras record about 1.5-2.5 times as many passages as cameras at random).
    """

    spacing_m: float = 1000.0
    capture_m: float = 10.0

    def __post_init__(self) -> None:
        if not (self.spacing_m > 0 and 0 <= self.capture_m < self.spacing_m / 2):
            raise ValueError(f"trails need spacing_m > 0 and 0 <= capture_m < spacing_m / 2, got {self}")

    def lines(self, side_m: float) -> NDArray[np.float64]:
        """North-south coordinates (m) of the trails in a region of side ``side_m``."""
        n = round(side_m / self.spacing_m)
        if not math.isclose(n * self.spacing_m, side_m):
            raise ValueError(f"trail spacing {self.spacing_m} m must divide the region's side {side_m} m")
        return self.spacing_m / 2 + self.spacing_m * np.arange(n)


def trail_map(y: NDArray[np.float64], trails: Trails) -> NDArray[np.float64]:
    """Move north-south coordinates onto trails within ``capture_m`` and stretch the rest (m).

    Within each period of ``spacing`` centred on a trail, ``|y - trail| <= capture`` goes to the trail,
    and ``capture < |y - trail| <= spacing / 2`` is stretched linearly onto ``(0, spacing / 2]``.
    """
    s, b = trails.spacing_m, trails.capture_m
    rel = np.mod(y, s) - s / 2  # offset from the nearest trail, in [-s/2, s/2)
    mag = np.abs(rel)
    moved = np.where(mag <= b, 0.0, (mag - b) * (s / 2) / (s / 2 - b))
    return np.floor(y / s) * s + s / 2 + np.sign(rel) * moved


@dataclass(frozen=True)
class Walks:
    """The moving steps of a set of walkers.

    Attributes
    ----------
    walker : numpy.ndarray (n,)
        Walker number of each moving step.
    step : numpy.ndarray (n,)
        Step number (time ``step * step_s`` after the start).
    x0, y0 : numpy.ndarray (n,)
        Start of the step (m, in ``[0, side)``).
    dx, dy : numpy.ndarray (n,)
        Displacement (m) over the step.
    speed : numpy.ndarray (n,)
        Realised speed over the step (m/s): length / ``step_s``.
    active_share : float
        Share of walker-steps active.
    """

    walker: NDArray[np.int64]
    step: NDArray[np.int64]
    x0: NDArray[np.float64]
    y0: NDArray[np.float64]
    dx: NDArray[np.float64]
    dy: NDArray[np.float64]
    speed: NDArray[np.float64]
    active_share: float


@renamed_parameters(rng="seed")
def walk(
    n_walkers: int,
    n_steps: int,
    step_s: float,
    side_m: float,
    activity: NDArray[np.float64],
    speed_m_s: float,
    speed_sdlog: float,
    turning_sd_rad: float,
    seed: int | np.random.Generator,
    trails: Trails | None = None,
) -> Walks:
    """Correlated random walks of ``n_walkers`` for ``n_steps`` steps on a torus (vectorised).

    Parameters
    ----------
    n_walkers, n_steps : int
    step_s : float
        Step duration (s).
    side_m : float
        Side of the square torus (m).
    activity : numpy.ndarray (n_steps,)
        Probability of being active at each step (the species' activity curve at the step's local time).
    speed_m_s : float
        Mean speed while moving (m/s); step speeds are log-normal with this mean and log-SD ``speed_sdlog``.
    speed_sdlog : float
    turning_sd_rad : float
        Standard deviation of the (wrapped normal) turning angle between moving steps (rad); small values
        make long straight moves, large ones (> 2) an uncorrelated walk.
    seed : int or numpy.random.Generator
        Randomness (an int, or a generator used as it is; formerly ``rng``, which still works, deprecated).
    trails : Trails, optional
        Game trails (see the module docstring).

    Returns
    -------
    Walks
        Only the steps in which the walker moved.
    """
    rng = np.random.default_rng(seed)
    active = rng.random((n_walkers, n_steps)) < activity[None, :]
    w, k = np.nonzero(active)  # moving steps, walker by walker in time order
    n = w.size
    mu = math.log(speed_m_s) - 0.5 * speed_sdlog**2
    speed = np.exp(rng.normal(mu, speed_sdlog, n))
    first = np.searchsorted(w, np.arange(n_walkers))  # each walker's first moving step

    def within_walker_cumsum(values: NDArray) -> NDArray:
        total = np.cumsum(values)
        before = np.concatenate([[0.0], total])[first]  # sum over earlier walkers
        return total - np.repeat(before, np.diff(np.append(first, n)))

    heading = rng.uniform(0, _TWO_PI, n_walkers)[w] + within_walker_cumsum(rng.normal(0.0, turning_sd_rad, n))
    dx = speed * step_s * np.cos(heading)
    dy = speed * step_s * np.sin(heading)
    x0 = np.mod(rng.uniform(0, side_m, n_walkers)[w] + within_walker_cumsum(dx) - dx, side_m)
    y0 = np.mod(rng.uniform(0, side_m, n_walkers)[w] + within_walker_cumsum(dy) - dy, side_m)
    if trails is not None:
        trails.lines(side_m)  # checks the spacing
        end = trail_map(np.mod(y0 + dy, side_m), trails)
        y0 = trail_map(y0, trails)
        half = side_m / 2
        dy = np.mod(end - y0 + half, side_m) - half
    return Walks(
        w.astype(np.int64), k.astype(np.int64), x0, y0, dx, dy, np.hypot(dx, dy) / step_s, float(active.mean())
    )
