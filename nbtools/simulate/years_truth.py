"""What the multi-year study's truth says, season by season: density, survival, growth, the tiger.

``truth.json`` of :func:`nbtools.simulate.simulate_years` holds every leopard's life (birth,
mother, independence, settlement, death, activity centre per season) and per season the camera
grid and the tigers. The functions here turn it into the quantities the models estimate, so a
notebook compares estimates with the truth without computing it itself:

* :func:`adult_density` -- adults per 100 km2 in each season, over a habitat mask or the state space;
* :func:`realised_survival` -- the share of adults alive at a season's start still alive a year later;
* :func:`realised_growth` -- the rate of change of the adult population from season to season;
* :func:`tiger_occupancy` -- the share of camera stations inside the tigers' ranges;
* :func:`life_events` -- the dated events of some animals' lives (birth, independence, settling,
  litters, death), for timelines.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "adult_density",
    "read_years_truth",
    "adults_at_start",
    "life_events",
    "realised_growth",
    "realised_survival",
    "tiger_occupancy",
]


#: Keys every multi-year truth file has.
YEARS_KEYS = ("seasons", "leopards", "tigers", "state_space_km2")


def read_years_truth(source: str | Path | Any) -> dict[str, Any]:
    """The truth of a multi-year study, parsed from its ``truth.json`` (checked against ``SHA256SUMS``).

    :func:`nbtools.truth.read_truth` reads the one-season studies' truth (with ``individuals``); the
    multi-year truth has ``seasons``, ``leopards`` (every life) and ``tigers`` instead.

    Parameters
    ----------
    source : str, pathlib.Path or intake catalog
        The truth file, the study's folder, or its catalog (``open_catalog("leopard_years")``).

    Raises
    ------
    ValueError
        When the file is not a JSON object with the keys of a multi-year truth (naming the file).
    """
    from nbtools.checksums import verify_file
    from nbtools.truth import truth_path

    path = truth_path(source)
    verify_file(path)
    truth = json.loads(path.read_text(encoding="utf-8"))
    missing = [key for key in YEARS_KEYS if not isinstance(truth, dict) or key not in truth]
    if missing:
        raise ValueError(f"{path}: no {', '.join(repr(k) for k in missing)}: not the truth of a multi-year study")
    return truth


def _date(value: str | None) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value)


def _alive_adult(animal: Mapping[str, Any], day: pd.Timestamp) -> bool:
    """Settled (an adult with a range of its own) on ``day`` and not dead by then."""
    settled, death = _date(animal.get("settled")), _date(animal.get("death"))
    return settled is not None and settled <= day and (death is None or death > day)


def adults_at_start(truth: Mapping[str, Any]) -> pd.DataFrame:
    """The settled adults alive at the start of each season, and whether each is alive a year later.

    Returns
    -------
    pandas.DataFrame
        One row per adult and season: ``season``, ``individualID``, ``sex``, ``alive_a_year_later``
        (bool), ``x``, ``y`` (activity centre in the season, m).
    """
    rows = []
    for season in truth["seasons"]:
        start = pd.Timestamp(season["start"])
        later = start + pd.DateOffset(years=1)
        for animal in truth["leopards"]:
            if not _alive_adult(animal, start):
                continue
            centre = animal["centres"].get(season["season"], {})
            death = _date(animal.get("death"))
            rows.append(
                {
                    "season": season["season"],
                    "individualID": animal["individualID"],
                    "sex": animal["sex"],
                    "alive_a_year_later": death is None or death >= later,
                    "x": centre.get("x", np.nan),
                    "y": centre.get("y", np.nan),
                }
            )
    return pd.DataFrame(rows)


def adult_density(truth: Mapping[str, Any], mask: Any = None, present: str = "start") -> pd.DataFrame:
    """Adults per 100 km2 in each season.

    Parameters
    ----------
    truth : dict
        The parsed ``truth.json`` (:func:`nbtools.truth.read_truth`).
    mask : Mask, mapping of season to Mask, or None
        Count the adults whose activity centre lies in a cell of the habitat mask (points ``x``,
        ``y`` in m, square cells of side ``spacing``) and divide by the mask's area, as a
        multi-session SECR fit on these masks estimates; None uses the whole state space.
    present : {"start", "season"}, default "start"
        Which adults count: those alive and settled at the season's start, or those settled and alive at
        any time during the season (the animals a model closed over the whole season sees: it also
        photographs the adults that die during the season and the young that settle in it).

    Returns
    -------
    pandas.DataFrame
        Index ``season``; ``adults``, ``area_km2``, ``density_per_100km2``.
    """
    if present not in ("start", "season"):
        raise ValueError(f"present must be 'start' or 'season', got {present!r}")
    adults = adults_at_start(truth) if present == "start" else _adults_in_season(truth)
    out = {}
    for season, part in adults.groupby("season", sort=True):
        if mask is None:
            n, area = len(part), float(truth["state_space_km2"])
        else:
            m = mask[season] if isinstance(mask, Mapping) else mask
            n = int(_in_cells(part[["x", "y"]].to_numpy(float), m.points[["x", "y"]].to_numpy(float), m.spacing).sum())
            area = len(m.points) * m.spacing**2 / 1e6
        out[season] = {"adults": n, "area_km2": area, "density_per_100km2": 100 * n / area}
    table = pd.DataFrame.from_dict(out, orient="index")
    table.index.name = "season"
    return table


def _adults_in_season(truth: Mapping[str, Any]) -> pd.DataFrame:
    """The leopards settled and alive at some time in each season, with their centre in it."""
    rows = []
    for season in truth["seasons"]:
        start = pd.Timestamp(season["start"])
        end = start + pd.DateOffset(years=1)
        for animal in truth["leopards"]:
            settled, death = _date(animal.get("settled")), _date(animal.get("death"))
            if settled is None or settled >= end or (death is not None and death <= start):
                continue
            centre = animal["centres"].get(season["season"], {})
            rows.append({"season": season["season"], "x": centre.get("x", np.nan), "y": centre.get("y", np.nan)})
    return pd.DataFrame(rows, columns=["season", "x", "y"])


def _in_cells(xy: np.ndarray, cells: np.ndarray, spacing: float) -> np.ndarray:
    """Whether each point lies in a square cell (side ``spacing``) centred on one of ``cells``."""
    keys = {tuple(k) for k in np.round(cells / spacing).astype(np.int64)}
    finite = np.isfinite(xy).all(axis=1)  # an animal without a centre that season lies in no cell
    found = np.round(np.where(finite[:, None], xy, 0.0) / spacing).astype(np.int64)
    return np.array([tuple(k) in keys for k in found], dtype=bool) & finite


def realised_survival(truth: Mapping[str, Any], by: str | None = "sex") -> pd.DataFrame:
    """The share of adults alive at a season's start that were alive a year later.

    Parameters
    ----------
    truth : dict
    by : str or None, default "sex"
        Group by this column of :func:`adults_at_start` (None: all adults together).

    Returns
    -------
    pandas.DataFrame
        One row per group over all seasons followed by another (the last season has no year after it
        in the study): ``at_risk`` (adult-years), ``survived``, ``survival``.
    """
    adults = adults_at_start(truth)
    last = truth["seasons"][-1]["season"]
    adults = adults[adults["season"] != last]
    groups = adults.groupby(by) if by is not None else adults.groupby(lambda _: "all")
    table = groups["alive_a_year_later"].agg(at_risk="size", survived="sum")
    table["survival"] = table["survived"] / table["at_risk"]
    return table


def realised_growth(truth: Mapping[str, Any]) -> pd.DataFrame:
    """The adult population at each season's start and its rate of change to the next season.

    Returns
    -------
    pandas.DataFrame
        Index ``season``; ``adults`` and ``lambda`` (adults at the next season's start / adults at this
        one's, missing for the last season). ``attrs["mean_lambda"]`` is the geometric mean rate.
    """
    counts = adults_at_start(truth).groupby("season").size().rename("adults").to_frame()
    counts["lambda"] = counts["adults"].shift(-1) / counts["adults"]
    rates = counts["lambda"].dropna().to_numpy(float)
    counts.attrs["mean_lambda"] = float(np.exp(np.log(rates).mean())) if len(rates) else float("nan")
    return counts


def tiger_occupancy(truth: Mapping[str, Any]) -> pd.DataFrame:
    """The tigers of each season and the share of camera stations inside their ranges.

    Returns
    -------
    pandas.DataFrame
        Index ``season``; ``tigers``, ``stations``, ``occupied`` (stations inside a tiger's range) and
        ``share`` (occupied / stations).
    """
    rows = {}
    for season in truth["seasons"]:
        tigers = season["tigers"]
        occupied = len(set(tigers["occupied_locations"]) & set(season["locationIDs"]))
        rows[season["season"]] = {"tigers": tigers["n"], "stations": season["locations"], "occupied": occupied}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "season"
    table["share"] = table["occupied"] / table["stations"]
    return table


_EVENTS = (("birth", "born"), ("independence", "independent"), ("settled", "settled"), ("death", "died"))


def life_events(truth: Mapping[str, Any], individuals: Sequence[str]) -> pd.DataFrame:
    """The dated events of some leopards' lives, with their litters.

    Parameters
    ----------
    truth : dict
    individuals : sequence of str
        ``individualID`` values.

    Returns
    -------
    pandas.DataFrame
        One row per event, in time order: ``individualID``, ``name``, ``event`` (born, independent,
        settled, died, litter born), ``date``, ``detail`` (the cubs of a litter, the cause of death).

    Raises
    ------
    KeyError
        When an individual is not in the truth.
    """
    lives = {a["individualID"]: a for a in truth["leopards"]}
    missing = [i for i in individuals if i not in lives]
    if missing:
        raise KeyError(f"not in the truth's leopards: {missing}")
    rows = []
    for animal_id in individuals:
        animal = lives[animal_id]
        name = animal.get("individualName") or animal_id
        for key, event in _EVENTS:
            if animal.get(key):
                detail = animal.get("death_cause") if key == "death" else None
                rows.append(
                    {"individualID": animal_id, "name": name, "event": event, "date": animal[key], "detail": detail}
                )
        cubs = [a for a in truth["leopards"] if a.get("motherID") == animal_id]
        for birth, litter in pd.DataFrame(cubs or [{"birth": None, "individualID": None}]).groupby("birth"):
            cub_ids = ", ".join(sorted(litter["individualID"]))
            rows.append(
                {"individualID": animal_id, "name": name, "event": "litter born", "date": birth, "detail": cub_ids}
            )
    table = pd.DataFrame(rows, columns=["individualID", "name", "event", "date", "detail"])
    table["date"] = pd.to_datetime(table["date"])
    return table.sort_values(["date", "individualID"], kind="stable").reset_index(drop=True)
