"""Camera grids that change between seasons, and tigers spreading east over the years.

:func:`season_grids` starts from the one-season study's grid
(:func:`nbtools.simulate.stations.layout_stations`) with the stations of one end of the park
not yet set (park-wide photo-monitoring began in 2013-2014 over more than half of the habitat
and grew afterwards; Vitkalova & Shevtsova 2016, ``notes/domain.md`` s.2); the missing stations
are added over the next seasons, and from the second season on a few locations are lost for
good (theft, access: 24 of 102 locations lost at Tieqiaoshan, domain.md s.7) and a few are moved
a few hundred metres to a better trail (a new ``locationID``).

:func:`tiger_years` puts tigers west of a front that moves east each season (tigers spreading
from the Chinese side; assumed rates), at ``tiger_density_per_100km2`` of the occupied part of
the state space, with annual survival 0.85 (assumed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from .. import habitat as hab
from .._deprecate import renamed_parameters
from .animals import density_covariate
from .parameters import StudyParameters

__all__ = ["GridChanges", "TigerParameters", "season_grids", "tiger_years"]


@dataclass(frozen=True)
class GridChanges:
    """How the camera grid changes between seasons (all assumed; see the module docstring).

    Attributes
    ----------
    first_share : float
        Share of the full grid set in the first season (0.75).
    seasons_to_full : int
        Seasons over which the rest is added (2).
    lost_share, moved_share : float
        Share of active locations lost for good, or moved 300-900 m, before each later season
        (0.04 and 0.04).
    move_distance_m : tuple of float
        A moved location is 300-900 m from the old one (m).
    """

    first_share: float = 0.75
    seasons_to_full: int = 2
    lost_share: float = 0.04
    moved_share: float = 0.04
    move_distance_m: tuple[float, float] = (300.0, 900.0)


@renamed_parameters(rng="seed")
def season_grids(
    base: pd.DataFrame, habitat: xr.Dataset, seed: int | np.random.Generator, n_seasons: int, changes: GridChanges
) -> tuple[list[pd.DataFrame], list[dict[str, list[str]]]]:
    """The locations of each season (field order) and what changed before it.

    Parameters
    ----------
    base : pandas.DataFrame
        The full grid (:func:`nbtools.simulate.stations.layout_stations`), in field order.
    habitat : xarray.Dataset
    seed : int or numpy.random.Generator
        Randomness (an int, or a generator used as it is; formerly ``rng``, which still works, deprecated).
    n_seasons : int
    changes : GridChanges

    Returns
    -------
    grids : list of pandas.DataFrame
        One per season, the columns of ``base``.
    log : list of dict
        ``added``, ``lost`` and ``moved`` (``old->new`` pairs) locationIDs per season.
    """
    rng = np.random.default_rng(seed)
    n = len(base)
    n_first = int(round(changes.first_share * n))
    pending = list(range(n_first, n))
    per_season = int(np.ceil(len(pending) / max(changes.seasons_to_full, 1)))
    rows = [{**base.iloc[i].to_dict(), "_route": float(i)} for i in range(n)]
    active = list(range(n_first))  # positions in ``rows`` (field order)
    next_number = n + 1
    grids, log = [], []
    for season in range(n_seasons):
        entry: dict[str, list[str]] = {"added": [], "lost": [], "moved": []}
        if season == 0:
            entry["added"] = [rows[i]["locationID"] for i in active]
        else:
            order = rng.permutation(len(active))
            n_lost = rng.binomial(len(active), changes.lost_share)
            n_moved = rng.binomial(len(active), changes.moved_share)
            lost = {active[k] for k in order[:n_lost]}
            moved = [active[k] for k in order[n_lost : n_lost + n_moved]]
            entry["lost"] = sorted(rows[i]["locationID"] for i in lost)
            active = [i for i in active if i not in lost]
            for i in moved:
                new = _moved(rows[i], habitat, rng, changes.move_distance_m, f"L{next_number:03d}")
                entry["moved"].append(f"{rows[i]['locationID']}->{new['locationID']}")
                rows.append(new)
                active[active.index(i)] = len(rows) - 1
                next_number += 1
            added, pending = pending[:per_season], pending[per_season:]
            active.extend(added)
            entry["added"] = [rows[i]["locationID"] for i in added]
        # moved locations keep the place in the route of the location they replace
        grid = pd.DataFrame([rows[i] for i in sorted(active, key=lambda i: (rows[i]["_route"], i))])
        grid = grid.drop(columns="_route").reset_index(drop=True)
        grids.append(grid)
        log.append(entry)
    return grids, log


def _moved(
    row: dict, habitat: xr.Dataset, rng: np.random.Generator, distance: tuple[float, float], new_id: str
) -> dict:
    """``row`` moved a few hundred metres to a game trail in a random direction, its covariates sampled again."""
    angle = rng.uniform(0, 2 * np.pi)
    step = rng.uniform(*distance)
    x, y = row["x"] + step * np.cos(angle), row["y"] + step * np.sin(angle)
    land = hab.sample_at(habitat, np.array([x]), np.array([y]), variables=["land"])["land"].to_numpy()[0] > 0.5
    if not land:
        x, y = row["x"] + step * np.cos(angle + np.pi), row["y"] + step * np.sin(angle + np.pi)
    cov = hab.sample_at(habitat, np.array([x]), np.array([y]))
    lon, lat = hab.to_lonlat(np.array([x]), np.array([y]))
    new = dict(row)
    new.update({"locationID": new_id, "x": round(float(x), 1), "y": round(float(y), 1), "featureType": "trailGame"})
    new.update({"longitude": round(float(lon[0]), 5), "latitude": round(float(lat[0]), 5)})
    for name in ("elevation", "slope", "forest_cover", "prey_index", "distance_to_road", "distance_to_settlement"):
        new[name] = float(cov[name].to_numpy()[0])
    return new


@dataclass(frozen=True)
class TigerParameters:
    """Tigers spreading east (assumed; tigers came back to SW Primorye from China, domain.md s.4).

    Attributes
    ----------
    first_front_share : float
        The occupied range in the first season: the western 35 % of the state space's width.
    front_step_m : float
        The front moves 8 km east each season.
    survival : float
        Annual survival 0.85 (assumed; 18 % of LLNP's adult tigers were seen in all of 3 years,
        Matiukhina et al. 2016, with turnover by dispersal as well as death).
    """

    first_front_share: float = 0.35
    front_step_m: float = 8000.0
    survival: float = 0.85


@renamed_parameters(rng="seed")
def tiger_years(
    habitat: xr.Dataset,
    mask: np.ndarray,
    p: StudyParameters,
    seed: int | np.random.Generator,
    season_starts: list[int],
    season_ends: list[int],
    tp: TigerParameters,
) -> tuple[pd.DataFrame, list[dict[str, float]]]:
    """Tiger lives over the seasons and the occupied range of each season.

    Parameters
    ----------
    habitat : xarray.Dataset
    mask : numpy.ndarray
        State-space cells (:func:`nbtools.simulate.animals.state_space`).
    p : StudyParameters
        Tiger density (per 100 km2), sex ratio and density surface.
    seed : int or numpy.random.Generator
        Randomness (an int, or a generator used as it is; formerly ``rng``, which still works, deprecated).
    season_starts, season_ends : list of int
        Season bounds (UTC s).
    tp : TigerParameters

    Returns
    -------
    tigers : pandas.DataFrame
        ``sex``, ``arrival`` and ``death`` (UTC s, NaN alive at the end), ``ac_x``, ``ac_y``.
    ranges : list of dict
        Per season: ``front_x_m`` (UTM easting of the front), ``occupied_km2``, ``n_target``.
    """
    rng = np.random.default_rng(seed)
    res = float(abs(habitat["x"].values[1] - habitat["x"].values[0]))
    log_density = np.zeros(mask.shape)
    for name, beta in p.tiger_density:
        log_density = log_density + beta * density_covariate(habitat, name)
    weight = np.where(mask, np.exp(log_density - log_density[mask].max()), 0.0)
    xx = np.broadcast_to(habitat["x"].values[None, :], mask.shape)
    yy = np.broadcast_to(habitat["y"].values[:, None], mask.shape)
    x_lo, x_hi = xx[mask].min(), xx[mask].max()
    lives: list[dict] = []
    ranges = []
    for season, (start, end) in enumerate(zip(season_starts, season_ends, strict=True)):
        front = x_lo + tp.first_front_share * (x_hi - x_lo) + season * tp.front_step_m
        occupied = mask & (xx <= front)
        area = float(occupied.sum()) * res * res / 1e6
        n_target = int(round(p.tiger_density_per_100km2 * area / 100.0))
        alive = [t for t in lives if np.isnan(t["death"])]
        for tiger in alive:
            if rng.random() > tp.survival:
                tiger["death"] = float(rng.integers(start, end))
        n_new = max(n_target - sum(1 for t in alive if np.isnan(t["death"]) or t["death"] >= end), 0)
        w = np.where(occupied, weight, 0.0).ravel()
        cells = rng.choice(w.size, size=n_new, p=w / w.sum())
        for cell in cells:
            sex = "female" if rng.random() < p.tiger_female_share else "male"
            lives.append(
                {
                    "sex": sex,
                    "birth": float(start - rng.uniform(3, 9) * 365.25 * 86400),
                    "arrival": float(start),
                    "death": np.nan,
                    "ac_x": float(xx.ravel()[cell] + rng.uniform(-res / 2, res / 2)),
                    "ac_y": float(yy.ravel()[cell] + rng.uniform(-res / 2, res / 2)),
                }
            )
        ranges.append({"front_x_m": float(front), "occupied_km2": area, "n_target": n_target})
    return pd.DataFrame(lives), ranges
