"""A multi-year study: six seasons of camera trapping on the same park, from one seed.

:func:`simulate_years` draws the leopards' lives over the years
(:func:`nbtools.simulate.lives.simulate_lives`), the tigers spreading east and the camera grid
of each season (:mod:`nbtools.simulate.grids`), then runs the one-season machinery for each
season (1 November to 31 October) with that season's live animals: deployments with their
faults, visits, camera events, identifications, media and the Camtrap DP tables. The seasons
are joined into one Camtrap DP package whose deployments carry ``deploymentGroups``
``season:2014/15 | array:grid | interval:1`` (Camtrap DP 1.0's field for groups of
deployments); IDs of deployments, media, events and observations start with the season's
first year (``2014-L001-A-1``). ``truth.json`` holds every animal's life and the true
population, density and tiger range of each season.

``truth.json`` holds ``seasons`` (per season: the grid's ``locationIDs`` and the ``added``, ``lost``
and ``moved`` ones; ``leopards_at_start`` by stage, adults, subadults, cubs and total, on
1 November; densities per 100 km2 of the state space; the tigers' number, front, occupied area
and the locations with at least one expected tiger visit in the season; counts realised),
``adult_survival`` (residents alive at a season's start and a year later), ``leopards`` (every
life: birth, mother, independence, settling, death and its cause, origin, the centre of each
season), ``tigers`` and the ``parameters``.

How a life enters a season's camera simulation, so that no photograph contradicts the truth:

* a dependent cub follows its mother (photographed with her at the one-season rates) in a season
  only if it lives through the dependent part of that season; it stops following at its
  independence;
* an independent animal visits cameras from its independence (or arrival) until its death, from
  its dispersal centre until it settles by the season's middle and from its settled centre
  after (sigma times 1.5 while dispersing);
* in March 2015 Berry courts Meamur at the camera nearest her range (Siberian Times, 13 March
  2015); in 2016/17 the den camera watches her first litter, as in the one-season study.

The one-season study scales the prey and people's visits with the expected leopard visits
(:func:`nbtools.simulate.visits.location_visits`); here their visits are thinned so that their
rates per location-day are the same in every season (those of the season with the fewest
leopard visits per location), and prey and people do not follow the leopards' numbers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .. import habitat as hab
from .._time import SECONDS_PER_DAY
from .animals import places_of, secr_rates, state_space
from .cameras import camera_deployments
from .grids import GridChanges, TigerParameters, season_grids, tiger_years
from .lives import LifeParameters, simulate_lives
from .media import format_ids, season_images
from .metadata import package_metadata
from .parameters import StudyParameters, generators, jsonable, resolve_parameters
from .stations import layout_stations, service_schedule
from .tables import build_tables
from .times import date_s
from .visits import camera_events, identify, location_visits

__all__ = ["YearsResult", "season_label", "simulate_years"]

#: Cubs follow their mother until this age in the season runs; the true end is passed per cub.
_FOLLOW_DAYS = 800


def season_label(first_year: int) -> str:
    """The season's label, ``2014/15`` for the season starting 1 November 2014.

    Parameters
    ----------
    first_year : int
        The calendar year in which the season starts.

    Returns
    -------
    str
    """
    return f"{first_year}/{(first_year + 1) % 100:02d}"


@dataclass(frozen=True)
class YearsResult:
    """What :func:`simulate_years` wrote.

    Attributes
    ----------
    out_dir : pathlib.Path
    paths : dict of str to pathlib.Path
        ``datapackage``, ``deployments``, ``media``, ``observations``, ``individuals``,
        ``habitat``, ``boundary``, ``truth``, ``checksums``.
    truth : dict
        The content of ``truth.json``.
    elapsed_s : float
        Wall time of the simulation and writing (s; not written to any file).
    """

    out_dir: Path
    paths: dict[str, Path]
    truth: dict[str, Any]
    elapsed_s: float = field(default=0.0, compare=False)

    def sha256(self) -> dict[str, str]:
        """SHA-256 of every written file, by name."""
        return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in self.paths.items()}


def _leopard_rows(
    lives: pd.DataFrame, ids: np.ndarray, s0: int, s1: int, p: StudyParameters, sigma_factor: float
) -> pd.DataFrame:
    """The leopards of one season: an independent row and/or a cub row per animal (see the module docstring)."""
    rows = []
    death = lives["death"].fillna(np.inf).to_numpy()
    for i, life in enumerate(lives.itertuples()):
        if life.birth >= s1 or death[i] < s0:
            continue
        common = {"individualID": ids[i], "species": "leopard", "sex": life.sex, "birth": int(life.birth)}
        common.update({"individualName": life.individualName, "life": i})
        if life.independence > s0 and life.mother >= 0 and death[i] >= min(s1, life.independence):
            age = s0 - life.birth
            follow_birth = life.independence - _FOLLOW_DAYS * SECONDS_PER_DAY if life.independence < s1 else life.birth
            rows.append(
                {
                    **common,
                    "lifeStage": "subadult" if age >= 365 * SECONDS_PER_DAY else "juvenile",
                    "motherID": ids[life.mother],
                    "is_cub": True,
                    "follow_birth": int(follow_birth),
                    "from": int(max(s0, life.birth)),
                    "to": int(min(s1, life.independence)),
                }
            )
        start = life.settled if life.origin == "immigrant" else life.independence
        begin, stop = max(s0, start), min(s1, death[i])
        if start < s1 and stop > begin:
            settled = life.settled <= (begin + stop) / 2 or np.isnan(life.disperse_x)
            rows.append(
                {
                    **common,
                    "lifeStage": "adult" if settled else "subadult",
                    "motherID": ids[life.mother] if life.mother >= 0 else "",
                    "is_cub": False,
                    "ac_x": life.home_x if settled else life.disperse_x,
                    "ac_y": life.home_y if settled else life.disperse_y,
                    "sigma_factor": 1.0 if settled else sigma_factor,
                    "from": int(begin),
                    "to": int(stop),
                }
            )
    frame = pd.DataFrame(rows)
    female = frame["sex"].to_numpy() == "female"
    frame["sigma_m"] = np.where(female, p.leopard_sigma_female_m, p.leopard_sigma_male_m)
    frame["sigma_m"] = frame["sigma_m"] * frame["sigma_factor"].fillna(1.0)
    frame["lambda0"] = np.where(frame["is_cub"], p.leopard_lambda0 * p.cub_detection_factor, p.leopard_lambda0)
    # a cub row's centre is its mother's (it has no visits of its own)
    adult_rows = frame.index[~frame["is_cub"]]
    mother_row = dict(zip(frame.loc[adult_rows, "individualID"], adult_rows, strict=True))
    cub = frame["is_cub"].to_numpy()
    frame["breeding"] = frame["individualID"].isin(set(frame.loc[cub, "motherID"]))
    for k in np.flatnonzero(cub):
        m = mother_row[frame.at[k, "motherID"]]
        frame.loc[k, ["ac_x", "ac_y", "sigma_m"]] = frame.loc[m, ["ac_x", "ac_y", "sigma_m"]].to_numpy()
    frame["follow_birth"] = frame["follow_birth"].fillna(0).astype(np.int64)
    return frame.drop(columns="sigma_factor")


def _tiger_rows(tigers: pd.DataFrame, ids: np.ndarray, s0: int, s1: int, p: StudyParameters) -> pd.DataFrame:
    """The tigers of one season."""
    death = tigers["death"].fillna(np.inf).to_numpy()
    keep = np.flatnonzero((tigers["arrival"].to_numpy() < s1) & (death > s0))
    t = tigers.iloc[keep]
    female = t["sex"].to_numpy() == "female"
    return pd.DataFrame(
        {
            "individualID": ids[keep],
            "species": "tiger",
            "sex": t["sex"].to_numpy(dtype=object),
            "lifeStage": "adult",
            "birth": t["birth"].to_numpy().astype(np.int64),
            "motherID": "",
            "individualName": "",
            "ac_x": t["ac_x"].to_numpy(),
            "ac_y": t["ac_y"].to_numpy(),
            "sigma_m": np.where(female, p.tiger_sigma_female_m, p.tiger_sigma_male_m),
            "lambda0": p.tiger_lambda0,
            "is_cub": False,
            "breeding": False,
            "life": keep,
            "from": np.maximum(t["arrival"].to_numpy(), s0).astype(np.int64),
            "to": np.minimum(death[keep], s1).astype(np.int64),
            "follow_birth": 0,
        }
    )


def _season_parameters(p: StudyParameters, year: int) -> StudyParameters:
    """The one-season parameters for the season starting 1 November ``year``."""
    return dataclasses.replace(
        p,
        study_start=f"{year}-11-01",
        study_end=f"{year + 1}-10-31",
        cub_independence_days=_FOLLOW_DAYS,
        created=f"{year + 2}-03-15T00:00:00Z",
    )


def _keep_alive_visits(v: dict[str, np.ndarray], animals: pd.DataFrame, cats: list[int]) -> dict[str, np.ndarray]:
    """Visits of leopards and tigers only between their rows' ``from`` and ``to`` (UTC s)."""
    ind = v["ind"]
    cat = np.isin(v["species"], cats) & (ind >= 0)
    lo = animals["from"].to_numpy()[np.clip(ind, 0, None)]
    hi = animals["to"].to_numpy()[np.clip(ind, 0, None)]
    keep = ~cat | ((v["t"] >= lo) & (v["t"] <= hi))
    return {k: a[keep] for k, a in v.items()}


#: Scenes of the named family (local times): who passes the location nearest the first one's centre, when.
#: Berry courting Meamur at a video trap in Kedrovaya Pad (Siberian Times, 13 March 2015); Kedrovka with
#: Berry, still a cub, on a trail in November-December 2014 ("Spotted Family", LLNP and WWF-Russia 2014).
SCENES: dict[str, tuple[tuple[str, str], ...]] = {
    "berry_meamur": (
        ("Berry", "2015-03-10T21:40:00"),
        ("Meamur", "2015-03-10T21:40:35"),
        ("Berry", "2015-03-10T21:44:00"),
        ("Meamur", "2015-03-10T21:44:22"),
    ),
    "kedrovka_berry": tuple(
        ("Kedrovka", t)
        for t in (
            "2014-11-12T17:50:00",
            "2014-11-20T06:10:00",
            "2014-11-29T18:30:00",
            "2014-12-07T21:15:00",
            "2014-12-16T05:40:00",
            "2014-12-28T16:55:00",
        )
    ),
}


def _add_scenes(
    v: dict[str, np.ndarray], animals: pd.DataFrame, stations: pd.DataFrame, window: tuple[int, int], p: StudyParameters
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The :data:`SCENES` that fall in the season ``window`` (UTC s) added as visits; their locations by scene."""
    leopard = next(i for i, s in enumerate(p.species) if s.key == "leopard")
    adult = ~animals["is_cub"].to_numpy()
    names = animals["individualName"].to_numpy()
    parts, where = [v], {}
    for scene, passes in SCENES.items():
        times = np.array([date_s(t, p.timezone) for _, t in passes], dtype=np.int64)
        rows = [np.flatnonzero(adult & (names == name)) for name, _ in passes]
        if not (window[0] <= times.min() and times.max() < window[1]) or any(r.size == 0 for r in rows):
            continue
        first = int(rows[0][0])
        distance = np.hypot(stations["x"] - animals.at[first, "ac_x"], stations["y"] - animals.at[first, "ac_y"])
        loc = int(np.argmin(distance.to_numpy()))
        n = times.size
        parts.append(
            {
                "loc": np.full(n, loc, dtype=np.int64),
                "t": times,
                "species": np.full(n, leopard, dtype=np.int64),
                "ind": np.array([int(r[0]) for r in rows], dtype=np.int64),
                "group": np.ones(n, dtype=np.int64),
                "den": np.zeros(n, dtype=bool),
            }
        )
        where[scene] = str(stations["locationID"].iloc[loc])
    joined = {k: np.concatenate([part[k] for part in parts]) for k in v}
    order = np.lexsort((joined["t"], joined["loc"], joined["species"]))
    return {k: a[order] for k, a in joined.items()}, where


def _cubs(animals: pd.DataFrame) -> dict[str, np.ndarray]:
    """Cub rows, their mothers' (independent) rows and the birth times that end their following."""
    row = np.flatnonzero(animals["is_cub"].to_numpy())
    adult = np.flatnonzero(~animals["is_cub"].to_numpy())
    id_to_row = dict(zip(animals["individualID"].to_numpy()[adult], adult, strict=True))
    mother = np.array([id_to_row[m] for m in animals["motherID"].to_numpy()[row]], dtype=np.int64)
    return {"row": row, "mother": mother, "birth": animals["follow_birth"].to_numpy()[row].astype(np.int64)}


def _leopard_rate(p: StudyParameters, animals: pd.DataFrame, stations: pd.DataFrame) -> float:
    """Expected leopard visits per location and day (non-cub rows), as :func:`location_visits` computes them."""
    leopard = p.species_by_key("leopard")
    rows = animals[(animals["species"] == "leopard") & ~animals["is_cub"]]
    return float(secr_rates(rows, stations, leopard.trigger_probability).sum() / len(stations))


def _thin_other_species(
    v: dict[str, np.ndarray], keep: float, cats: list[int], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Keep each visit of the species without individuals with probability ``keep`` (see :func:`simulate_years`)."""
    other = ~np.isin(v["species"], cats)
    kept = ~other | (rng.random(v["t"].size) < keep)
    return {k: a[kept] for k, a in v.items()}


def _run_season(
    p: StudyParameters,
    seed: int,
    habitat: Any,
    stations: pd.DataFrame,
    animals: pd.DataFrame,
    reference_rate: float,
) -> dict[str, Any]:
    """One season with the given animals: the Camtrap DP tables and what the truth needs.

    ``reference_rate`` is the leopard visit rate per location-day to which the other species'
    visits are scaled, so that prey and people do not follow the leopards' numbers.
    """
    gen = generators(seed)
    tz = p.timezone
    sp_index = {s.key: i for i, s in enumerate(p.species)}
    start_s = date_s(p.study_start, tz)
    n_days = (pd.Timestamp(p.study_end) - pd.Timestamp(p.study_start)).days + 1
    visit_times = service_schedule(stations, p, gen["schedule"], start_s, n_days)
    den_window = tuple(date_s(t, tz) for t in p.den_camera)
    has_den = bool((animals["individualName"] == "Berry").any())
    has_den &= start_s <= den_window[0] and den_window[1] <= start_s + n_days * SECONDS_PER_DAY
    den = den_window if has_den else None
    dep, _faults = camera_deployments(stations, visit_times, p, gen["schedule"], gen["faults"], den)
    animals = animals.copy()
    animals["ac_in_park"] = shapely.contains_xy(hab.park_boundary(), animals["ac_x"], animals["ac_y"])
    places = places_of(stations, animals if has_den else None)
    v, _expected = location_visits(p, gen, animals, stations, places, start_s, n_days, den)
    cats = [sp_index["leopard"], sp_index["tiger"]]
    keep = min(1.0, reference_rate / _leopard_rate(p, animals, stations))
    v = _thin_other_species(v, keep, cats, np.random.default_rng([seed, 1]))
    v = _keep_alive_visits(v, animals, cats)
    v, scenes = _add_scenes(v, animals, stations, (start_s, start_s + n_days * SECONDS_PER_DAY), p)
    cubs = _cubs(animals)
    ev, cub_seen = camera_events(p, gen["detection"], v, dep, len(stations), cubs)
    ident = identify(p, gen["identification"], ev, sp_index["leopard"])
    images, events = season_images(p, gen["media"], dep, ev, sp_index.get("human", -1), tz)
    deployments, media, observations, individuals, _ids = build_tables(
        p, stations, dep, animals, cubs["row"], cub_seen, places, events, ev, ident, images, gen["classification"]
    )
    # people's event-level observations only: the machine classifier's media-level rows (one per image)
    # would take the package past 30 MB; the one-season study has them
    observations = observations[observations["observationLevel"] == "event"].reset_index(drop=True)
    observations["observationID"] = format_ids("O", len(observations), 7)
    return {
        "deployments": deployments,
        "media": media,
        "observations": observations,
        "individuals": individuals,
        "scenes": scenes,
        "den": has_den,
    }


def _prefix_ids(tables: dict[str, pd.DataFrame], year: int) -> None:
    """Make IDs unique over seasons: ``2014-`` before deployment, media, event and observation IDs."""
    tag = f"{year}-"
    label = season_label(year)
    dep, media, obs = tables["deployments"], tables["media"], tables["observations"]
    dep["deploymentID"] = tag + dep["deploymentID"]
    dep["deploymentGroups"] = f"season:{label} | " + dep["deploymentGroups"]
    media["mediaID"] = tag + media["mediaID"]
    media["deploymentID"] = tag + media["deploymentID"]
    media["filePath"] = media["filePath"].str.replace("media/", f"media/{tag}", n=1, regex=False)
    obs["observationID"] = tag + obs["observationID"]
    obs["deploymentID"] = tag + obs["deploymentID"]
    for column in ("mediaID", "eventID"):
        obs[column] = obs[column].where(obs[column].isna(), tag + obs[column].astype(object).fillna(""))


def _public_ids(internal: list[str], observations: pd.DataFrame, individuals: pd.DataFrame, named: set[str]) -> dict:
    """Public IDs: the named keep theirs; the rest numbered by first identified photograph, then the unseen."""
    seen = observations.dropna(subset=["individualID"])
    seen = seen.assign(_season=seen["observationID"].str[:4], _time=seen["eventStart"].astype("int64"))
    seen = seen.sort_values(["_season", "_time"], kind="stable").drop_duplicates("individualID")
    first = {k: n for n, k in enumerate(seen["individualID"])}  # by season, then recorded time
    listed = list(individuals["individualID"])
    used = {int("".join(ch for ch in k.split()[-1] if ch.isdigit())) for k in named}
    mapping = {k: k for k in named}
    for prefix in ("Leo", "Tig"):
        mine = [k for k in internal if k.startswith(prefix) and k not in named]
        rank = {
            k: (0, first[k], k) if k in first else ((1, listed.index(k), k) if k in listed else (2, 0, k)) for k in mine
        }
        numbers = (n for n in range(1, 100_000) if prefix != "Leo" or n not in used)
        for k, number in zip(sorted(mine, key=rank.__getitem__), numbers):
            mapping[k] = f"{prefix} {number}{k[-1]}"
    return mapping


def _iso(t: float, tz: str) -> str | None:
    """Local date of UTC seconds ``t`` (None for NaN)."""
    if t is None or not np.isfinite(t):
        return None
    return pd.Timestamp(int(t), unit="s", tz="UTC").tz_convert(tz).date().isoformat()


def simulate_years(
    out_dir: str | Path,
    seed: int = 20141101,
    *,
    seasons: int = 6,
    first_year: int = 2014,
    habitat_seed: int = 20161101,
    parameters: StudyParameters | None = None,
    life_parameters: LifeParameters | None = None,
    grid_changes: GridChanges | None = None,
    tiger_parameters: TigerParameters | None = None,
    progress: bool = True,
    **overrides: Any,
) -> YearsResult:
    """Simulate ``seasons`` seasons of camera trapping from ``first_year`` and write the files to ``out_dir``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Folder for the files (created; files of the same names are replaced).
    seed : int, default 20141101
        Seeds the lives, the grids, the tigers and each season's one-season streams.
    seasons : int, default 6
        Seasons of 1 November to 31 October (six: 2014/15 to 2019/20).
    first_year : int, default 2014
    habitat_seed : int, default 20161101
        Seed of the habitat and of the full camera grid: the default one-season study's park.
    parameters : StudyParameters, optional
        Base parameters of each season (the dates are set per season).
    life_parameters, grid_changes, tiger_parameters : optional
        :class:`~nbtools.simulate.lives.LifeParameters`, :class:`~nbtools.simulate.grids.GridChanges`,
        :class:`~nbtools.simulate.grids.TigerParameters`.
    progress : bool, default True
        A tqdm progress bar over the seasons.
    **overrides
        Fields of :class:`StudyParameters` to change.

    Returns
    -------
    YearsResult
        ``paths`` of ``datapackage.json``, the gzipped CSV tables, ``habitat.nc``,
        ``boundary.geojson``, ``truth.json`` and ``SHA256SUMS``, and the ``truth``.
    """
    from tqdm.auto import tqdm

    started = time.perf_counter()
    p = resolve_parameters(parameters, overrides)
    lp, gc, tp = (
        life_parameters or LifeParameters(),
        grid_changes or GridChanges(),
        tiger_parameters or TigerParameters(),
    )
    tz = p.timezone
    base_gen = generators(habitat_seed)
    habitat = hab.simulate_habitat(base_gen["habitat"], resolution_m=p.habitat_resolution_m)
    habitat.attrs["seed"] = int(habitat_seed)
    base_grid = layout_stations(habitat, p, base_gen["stations"])
    mask = state_space(habitat, p.state_space_buffer_m)
    res = float(abs(habitat["x"].values[1] - habitat["x"].values[0]))
    area_km2 = float(mask.sum()) * res * res / 1e6
    streams = np.random.SeedSequence(seed).spawn(3 + seasons)
    years = [first_year + k for k in range(seasons)]
    starts = [date_s(f"{y}-11-01", tz) for y in years]
    ends = [date_s(f"{y + 1}-11-01", tz) for y in years]
    lives = simulate_lives(
        habitat, mask, p, np.random.default_rng(streams[0]), f"{first_year}-11-01", f"{years[-1] + 1}-11-01", lp
    )
    grids, grid_log = season_grids(base_grid, habitat, np.random.default_rng(streams[1]), seasons, gc)
    tigers, tiger_ranges = tiger_years(habitat, mask, p, np.random.default_rng(streams[2]), starts, ends, tp)
    leo_ids = np.array(
        [
            k if k else f"Leo {1000 + i}{'F' if s == 'female' else 'M'}"
            for i, (k, s) in enumerate(zip(lives["key"], lives["sex"]))
        ],
        dtype=object,
    )
    tig_ids = np.array(
        [f"Tig {1000 + i}{'F' if s == 'female' else 'M'}" for i, s in enumerate(tigers["sex"])], dtype=object
    )
    season_p = [_season_parameters(p, year) for year in years]
    season_animals = [
        pd.concat(
            [
                _leopard_rows(lives, leo_ids, starts[k], ends[k], ps, lp.disperser_sigma_factor),
                _tiger_rows(tigers, tig_ids, starts[k], ends[k], ps),
            ],
            ignore_index=True,
        )
        for k, ps in enumerate(season_p)
    ]
    # prey and people at the same rates per location-day in every season (the lowest season's)
    reference_rate = min(_leopard_rate(p, a, g) for a, g in zip(season_animals, grids, strict=True))
    parts = []
    for k, year in enumerate(tqdm(years, desc="simulate seasons", unit="season", disable=not progress, leave=False)):
        season_seed = int(streams[3 + k].generate_state(1, np.uint64)[0])
        out = _run_season(season_p[k], season_seed, habitat, grids[k], season_animals[k], reference_rate)
        _prefix_ids(out, year)
        parts.append(out)
    named = {r[0] for r in p.named}
    tables, mapping = _join_seasons(parts, p, seed, years, list(leo_ids) + list(tig_ids), named)
    truth = _truth(
        p,
        lp,
        gc,
        tp,
        seed,
        habitat_seed,
        years,
        starts,
        ends,
        lives,
        leo_ids,
        tigers,
        tig_ids,
        mapping,
        grids,
        grid_log,
        tiger_ranges,
        season_animals,
        parts,
        area_km2,
    )
    out = Path(out_dir)
    paths = _write_years(out, tables, habitat, truth, tz)
    return YearsResult(out_dir=out, paths=paths, truth=truth, elapsed_s=time.perf_counter() - started)


def _join_seasons(
    parts: list[dict[str, Any]], p: StudyParameters, seed: int, years: list[int], internal: list[str], named: set[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The seasons' tables joined into one package (public IDs, metadata) and the map of internal to public IDs."""
    seasons = len(years)
    first_year = years[0]
    deployments = pd.concat([o["deployments"] for o in parts], ignore_index=True)
    media = pd.concat([o["media"] for o in parts], ignore_index=True)
    observations = pd.concat([o["observations"] for o in parts], ignore_index=True)
    individuals = pd.concat([o["individuals"] for o in parts], ignore_index=True)
    individuals = individuals.drop_duplicates("individualID", keep="last")
    mapping = _public_ids(internal, observations, individuals, named)
    observations["individualID"] = observations["individualID"].map(mapping, na_action="ignore")
    individuals = _individuals(individuals, mapping)
    p_all = dataclasses.replace(p, study_start=f"{first_year}-11-01", study_end=f"{years[-1] + 1}-10-31")
    p_all = dataclasses.replace(p_all, created=f"{years[-1] + 2}-03-15T00:00:00Z")
    metadata = package_metadata(p_all, seed, deployments, observations)
    metadata["description"] = metadata["description"].replace(
        "A year of paired camera traps", f"{seasons} seasons (1 November to 31 October) of paired camera traps"
    ) + (
        " Deployments carry the season in deploymentGroups ('season:2014/15 | ...'). Observations are"
        " people's event-level classifications only (no machine classifications of single images)."
    )
    metadata["project"]["observationLevel"] = ["event"]
    tables = {"deployments": deployments, "media": media, "observations": observations, "individuals": individuals}
    return {**tables, "metadata": metadata}, mapping


def _write_years(out: Path, tables: dict[str, Any], habitat: Any, truth: dict[str, Any], tz: str) -> dict[str, Path]:
    """Write the package, habitat, boundary, truth and ``SHA256SUMS`` to ``out``; their paths by name."""
    from ..camtrapdp import CamtrapDP, write_camtrapdp
    from ..checksums import write_checksums

    out.mkdir(parents=True, exist_ok=True)
    package = CamtrapDP(
        deployments=tables["deployments"],
        media=tables["media"],
        observations=tables["observations"],
        metadata=tables["metadata"],
        resources={"individuals": tables["individuals"]},
    )
    paths = {"datapackage": Path(write_camtrapdp(package, out, timezone=tz, compress=True))}
    for name in ("deployments", "media", "observations", "individuals"):
        paths[name] = out / f"{name}.csv.gz"
    paths["habitat"] = hab.write_habitat(habitat, out / "habitat.nc")
    paths["boundary"] = hab.write_boundary(out / "boundary.geojson")
    paths["truth"] = out / "truth.json"
    paths["truth"].write_text(json.dumps(truth, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    paths["checksums"] = write_checksums(out, sorted(path.relative_to(out).as_posix() for path in paths.values()))
    return paths


def _individuals(individuals: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """The union of the seasons' individuals with public IDs, sorted by species and number."""
    table = individuals.copy()
    table["individualID"] = table["individualID"].map(mapping)
    table["motherID"] = table["motherID"].map(mapping, na_action="ignore")
    key = table["individualID"].str.extract(r"^(\w+) (\d+)[FM]$")
    table = table.assign(_a=key[0], _b=key[1].astype(int)).sort_values(["_a", "_b"], kind="stable")
    return table.drop(columns=["_a", "_b"]).reset_index(drop=True)


def _population(lives: pd.DataFrame, t: float) -> dict[str, int]:
    """Leopards alive at ``t`` (UTC s) by stage: settled adults, dispersing subadults, dependent cubs."""
    alive = (lives["birth"] <= t) & ~(lives["death"] < t)
    alive &= (lives["origin"] != "immigrant") | (lives["settled"] <= t)
    adults = int((alive & (lives["settled"] <= t)).sum())
    cubs = int((alive & (lives["independence"] > t)).sum())
    total = int(alive.sum())
    return {"adults": adults, "subadults": total - adults - cubs, "cubs": cubs, "total": total}


def _truth(
    p: StudyParameters,
    lp: LifeParameters,
    gc: GridChanges,
    tp: TigerParameters,
    seed: int,
    habitat_seed: int,
    years: list[int],
    starts: list[int],
    ends: list[int],
    lives: pd.DataFrame,
    leo_ids: np.ndarray,
    tigers: pd.DataFrame,
    tig_ids: np.ndarray,
    mapping: dict[str, str],
    grids: list[pd.DataFrame],
    grid_log: list[dict[str, list[str]]],
    tiger_ranges: list[dict[str, float]],
    season_animals: list[pd.DataFrame],
    parts: list[dict[str, Any]],
    area_km2: float,
) -> dict[str, Any]:
    """The content of ``truth.json``: lives, and per season the population, density, grid and tiger range."""
    tz = p.timezone
    labels = [season_label(y) for y in years]
    seasons = []
    for k, label in enumerate(labels):
        animals = season_animals[k]
        population = _population(lives, starts[k])
        tiger_rows = animals[animals["species"] == "tiger"]
        stations = grids[k]
        d2 = (tiger_rows["ac_x"].to_numpy()[:, None] - stations["x"].to_numpy()[None, :]) ** 2
        d2 = d2 + (tiger_rows["ac_y"].to_numpy()[:, None] - stations["y"].to_numpy()[None, :]) ** 2
        rate = (p.tiger_lambda0 * np.exp(-d2 / (2 * tiger_rows["sigma_m"].to_numpy()[:, None] ** 2))).sum(axis=0)
        occupied = stations["locationID"].to_numpy()[rate * 365 >= 1.0]
        obs = parts[k]["observations"]
        leopard_ids = obs.loc[obs["scientificName"] == "Panthera pardus orientalis", "individualID"].dropna()
        seasons.append(
            {
                "season": label,
                "start": f"{years[k]}-11-01",
                "end": f"{years[k] + 1}-10-31",
                "locations": int(len(stations)),
                "locationIDs": list(stations["locationID"]),
                "added": grid_log[k]["added"] if k else [],
                "lost": grid_log[k]["lost"],
                "moved": grid_log[k]["moved"],
                "leopards_at_start": population,
                "leopards_alive_in_season": int(
                    lives.index.isin(animals.loc[animals["species"] == "leopard", "life"]).sum()
                ),
                "leopard_adult_density_per_100km2": round(100 * population["adults"] / area_km2, 4),
                "leopard_density_per_100km2": round(100 * population["total"] / area_km2, 4),
                "tigers": {
                    "n": int(len(tiger_rows)),
                    "density_per_100km2": round(100 * len(tiger_rows) / area_km2, 4),
                    **{name: round(value, 1) for name, value in tiger_ranges[k].items()},
                    "occupied_locations": list(occupied),
                },
                "realised": {
                    "deployments": int(len(parts[k]["deployments"])),
                    "media": int(len(parts[k]["media"])),
                    "observations": int(len(obs)),
                    "leopards_identified": int(leopard_ids.nunique()),
                    "den_camera": bool(parts[k]["den"]),
                    "scene_locations": parts[k]["scenes"],
                },
            }
        )
    survival = []
    for k in range(len(years)):
        t0, t1 = starts[k], ends[k]
        adult = (lives["settled"] <= t0) & (lives["birth"] <= t0) & ~(lives["death"] < t0)
        lived = adult & ~(lives["death"] < t1)
        survival.append(
            {"season": labels[k], "adults_at_start": int(adult.sum()), "alive_a_year_later": int(lived.sum())}
        )
    return jsonable(
        {
            "seed": seed,
            "habitat_seed": habitat_seed,
            "state_space_km2": round(area_km2, 2),
            "seasons": seasons,
            "adult_survival": survival,
            "leopards": _leopard_lives(lives, leo_ids, mapping, season_animals, labels, tz),
            "tigers": [
                {
                    "individualID": mapping[tig_ids[i]],
                    "sex": t.sex,
                    "arrival": _iso(t.arrival, tz),
                    "death": _iso(t.death, tz),
                    "centre": {"x": round(t.ac_x, 1), "y": round(t.ac_y, 1)},
                }
                for i, t in enumerate(tigers.itertuples())
            ],
            "parameters": {
                "life": dataclasses.asdict(lp),
                "grid": dataclasses.asdict(gc),
                "tiger": dataclasses.asdict(tp),
                "study": p.to_dict(),
            },
        }
    )


def _leopard_lives(
    lives: pd.DataFrame,
    leo_ids: np.ndarray,
    mapping: dict[str, str],
    season_animals: list[pd.DataFrame],
    labels: list[str],
    tz: str,
) -> list[dict[str, Any]]:
    """Every leopard's life: dates, mother, origin and centre per season (its own, or its mother's as a cub)."""
    centres: dict[int, dict[str, dict[str, Any]]] = {}
    for label, animals in zip(labels, season_animals, strict=True):
        leopards = animals[animals["species"] == "leopard"]
        for row in leopards.itertuples():
            if row.is_cub and row.life in centres and label in centres[row.life]:
                continue
            lon, lat = hab.to_lonlat(np.array([row.ac_x]), np.array([row.ac_y]))
            centres.setdefault(int(row.life), {})[label] = {
                "x": round(float(row.ac_x), 1),
                "y": round(float(row.ac_y), 1),
                "longitude": round(float(lon[0]), 5),
                "latitude": round(float(lat[0]), 5),
                "stage": "cub" if row.is_cub else ("adult" if row.lifeStage == "adult" else "disperser"),
            }
    out = []
    for i, life in enumerate(lives.itertuples()):
        out.append(
            {
                "individualID": mapping[leo_ids[i]],
                "individualName": life.individualName or None,
                "sex": life.sex,
                "origin": life.origin,
                "birth": _iso(life.birth, tz),
                "motherID": mapping[leo_ids[life.mother]] if life.mother >= 0 else None,
                "independence": _iso(life.independence, tz),
                "settled": _iso(life.settled, tz),
                "death": _iso(life.death, tz),
                "death_cause": life.death_cause or None,
                "centres": centres.get(i, {}),
            }
        )
    return out
