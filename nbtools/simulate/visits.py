"""Visits of animals and people to the locations (true times), and which camera records which visit.

Each camera of a pair records a visit with the species' trigger probability, so counts per
camera-day are Poisson with rate ``lambda0 exp(-d^2 / 2 sigma^2)`` for leopards and tigers. Cubs
following their mother are photographed less often. People then identify the cats, sometimes
wrongly, and cannot match some single flanks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from nbtools._deprecate import renamed_parameters

from .._time import SECONDS_PER_DAY, utc_offset_hours_at_noon
from .animals import location_weights, secr_rates
from .diel import clock_times
from .parameters import StudyParameters
from .times import date_s

__all__ = ["camera_events", "identify", "location_visits"]


@dataclass
class _Visits:
    """Location-level visits (true times); growing arrays, one entry per visit."""

    loc: list[np.ndarray] = field(default_factory=list)
    t: list[np.ndarray] = field(default_factory=list)
    species: list[np.ndarray] = field(default_factory=list)
    ind: list[np.ndarray] = field(default_factory=list)
    group: list[np.ndarray] = field(default_factory=list)
    den: list[np.ndarray] = field(default_factory=list)

    def add(
        self, loc: ArrayLike, t: ArrayLike, species: int, ind: ArrayLike, group: ArrayLike, den: bool = False
    ) -> None:
        """Append visits at times ``t`` (UTC s); ``loc``, ``ind`` (-1: no individual) and ``group`` broadcast."""
        n = np.asarray(t).size
        self.loc.append(np.broadcast_to(np.asarray(loc, dtype=np.int64), n).copy())
        self.t.append(np.asarray(t, dtype=np.int64).reshape(n))
        self.species.append(np.full(n, species, dtype=np.int64))
        self.ind.append(np.broadcast_to(np.asarray(ind, dtype=np.int64), n).copy())
        self.group.append(np.broadcast_to(np.asarray(group, dtype=np.int64), n).copy())
        self.den.append(np.full(n, den, dtype=bool))

    def arrays(self) -> dict[str, np.ndarray]:
        """All visits added, one array per field."""
        return {name: np.concatenate(getattr(self, name)) for name in ("loc", "t", "species", "ind", "group", "den")}


def _expand_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each unit of a count matrix (row-major order)."""
    flat = counts.ravel()
    index = np.repeat(np.arange(flat.size), flat)
    return np.divmod(index, counts.shape[1])


def location_visits(
    p: StudyParameters,
    gen: dict[str, np.random.Generator],
    animals: pd.DataFrame,
    stations: pd.DataFrame,
    places: dict[str, np.ndarray],
    start_s: int,
    n_days: int,
    den_window: tuple[int, int] | None,
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Location-level visits of every species (true UTC seconds) and their expected numbers."""
    tz = p.timezone
    offsets_h = utc_offset_hours_at_noon(pd.date_range(p.study_start, periods=n_days, freq="D"), tz)
    months = pd.date_range(p.study_start, periods=n_days, freq="D").month.to_numpy() - 1
    sp_index = {s.key: i for i, s in enumerate(p.species)}
    n_loc = len(stations)
    lat, lon = places["lat"], places["lon"]
    visits = _Visits()
    expected: dict[str, float] = {}
    for key in ("leopard", "tiger"):  # individuals with activity centres: SECR
        rng = gen[f"{key}s"]
        sp = p.species[sp_index[key]]
        ids = np.flatnonzero((animals["species"] == key).to_numpy() & ~animals["is_cub"].to_numpy())
        rates = secr_rates(animals.iloc[ids], stations, sp.trigger_probability)
        expected[key] = float(rates.sum() * n_days)
        who, loc = _expand_counts(rng.poisson(rates * n_days))
        day = rng.integers(0, n_days, size=who.size)
        visits.add(loc, clock_times(rng, sp, day, lat[loc], lon[loc], start_s, offsets_h), sp_index[key], ids[who], 1)
    if den_window is not None:  # Berry at her den, and the tiger that came by before
        rng = gen["leopards"]
        berry = int(np.flatnonzero(animals["individualName"].to_numpy() == "Berry")[0])
        d0 = (den_window[0] - start_s) // SECONDS_PER_DAY + p.den_first_visit_day
        d1 = (den_window[1] - start_s) // SECONDS_PER_DAY
        day = rng.integers(d0, d1, size=rng.poisson(p.den_visits_per_day * (d1 - d0)))
        leopard = p.species[sp_index["leopard"]]
        t = clock_times(rng, leopard, day, lat[n_loc], lon[n_loc], start_s, offsets_h)
        visits.add(n_loc, t, sp_index["leopard"], berry, 1, den=True)
        tigers = np.flatnonzero((animals["species"] == "tiger").to_numpy())
        if tigers.size:
            distance = np.hypot(
                animals["ac_x"].to_numpy()[tigers] - places["x"][n_loc],
                animals["ac_y"].to_numpy()[tigers] - places["y"][n_loc],
            )
            visits.add(
                n_loc, [date_s(p.den_tiger_visit, tz)], sp_index["tiger"], tigers[distance.argmin()], 1, den=True
            )
    rng = gen["species"]
    share_leopard = p.species[sp_index["leopard"]].share
    for index, sp in enumerate(p.species):  # no individuals: location rates from habitat
        if sp.key in ("leopard", "tiger"):
            continue
        expected[sp.key] = expected["leopard"] * sp.share / share_leopard
        loc = np.repeat(np.arange(n_loc), rng.poisson(expected[sp.key] * location_weights(sp, stations) / n_loc))
        day_weight = np.asarray(sp.monthly, dtype=float)[months]
        day = rng.choice(n_days, size=loc.size, p=day_weight / day_weight.sum())
        t = clock_times(rng, sp, day, lat[loc], lon[loc], start_s, offsets_h)
        visits.add(loc, t, index, -1, 1 + rng.poisson(sp.group_extra, size=loc.size))
    v = visits.arrays()
    order = np.lexsort((v["t"], v["loc"], v["species"]))
    return {k: a[order] for k, a in v.items()}, expected


@renamed_parameters(rng="seed")
def camera_events(
    p: StudyParameters,
    seed: int | np.random.Generator,
    v: dict[str, np.ndarray],
    dep: pd.DataFrame,
    n_loc: int,
    cubs: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Visits recorded by each camera of a location (one event per camera), with cubs photographed."""
    rng = np.random.default_rng(seed)
    n_visits = v["t"].size
    cams = p.cameras_per_location
    dep_slot = dep["slot"].to_numpy()
    dep_start = dep["op_start"].to_numpy().astype(np.int64)
    dep_end = dep["op_end"].to_numpy().astype(np.int64)
    dep_lost = dep["media_lost"].to_numpy()
    dep_keys = dep_slot.astype(np.int64) * 10**10 + dep_start  # deployments are sorted by slot, start
    trigger_p = np.array([s.trigger_probability for s in p.species])
    leopard = next(i for i, s in enumerate(p.species) if s.key == "leopard")

    # cubs following their mother on each of her visits
    mother_of_visit = np.where(v["species"] == leopard, v["ind"], -1)
    pair_visit, pair_cub = [np.array([], np.int64)], [np.array([], np.int64)]
    for c, (m, b) in enumerate(zip(cubs["mother"], cubs["birth"], strict=True)):  # ~20 cubs
        rows = np.flatnonzero(mother_of_visit == m)
        age = v["t"][rows] - b
        follow = (age >= p.cub_den_days * SECONDS_PER_DAY) & (age <= p.cub_independence_days * SECONDS_PER_DAY)
        pair_visit.append(rows[follow])
        pair_cub.append(np.full(int(follow.sum()), c))
    pair_visit, pair_cub = np.concatenate(pair_visit), np.concatenate(pair_cub)
    present = rng.random(pair_visit.size) < np.where(v["den"][pair_visit], 0.95, p.cub_with_mother_probability)
    pair_visit, pair_cub = pair_visit[present], pair_cub[present]

    parts: list[dict[str, np.ndarray]] = []
    cub_seen = np.zeros(cubs["row"].size, dtype=bool)
    for side in range(cams):
        slot = np.where(v["loc"] < n_loc, v["loc"] * cams + side, n_loc * cams + side)
        di = np.searchsorted(dep_keys, slot.astype(np.int64) * 10**10 + v["t"], side="right") - 1
        dic = np.clip(di, 0, None)
        ok = (di >= 0) & (dep_slot[dic] == slot) & (v["t"] >= dep_start[dic]) & (v["t"] <= dep_end[dic])
        ok &= ~dep_lost[dic]
        hit = ok & (rng.random(n_visits) < np.where(v["den"], 0.95, trigger_p[v["species"]]))
        if side == 0:
            shift = np.zeros(n_visits, dtype=np.int64)
        else:
            shift = rng.integers(-int(p.pair_offset_s), int(p.pair_offset_s) + 1, size=n_visits)
        cub_p = np.where(v["den"][pair_visit], p.den_cub_detection, p.cub_detection_factor)
        cub_hit = hit[pair_visit] & (rng.random(pair_visit.size) < cub_p)
        cub_seen[pair_cub[cub_hit]] = True
        n_cubs = np.bincount(pair_visit[cub_hit], minlength=n_visits)
        cub_example = np.full(n_visits, -1)
        cub_example[pair_visit[cub_hit]] = pair_cub[cub_hit]
        rows = np.flatnonzero(hit)
        parts.append(
            {
                "visit": rows,
                "dep": di[rows],
                "t": v["t"][rows] + shift[rows],
                "species": v["species"][rows],
                "ind": v["ind"][rows],
                "count": v["group"][rows],
                "cubs": n_cubs[rows],
                "cub": cub_example[rows],
                "den": v["den"][rows],
            }
        )
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}, cub_seen


@renamed_parameters(rng="seed")
def identify(
    p: StudyParameters, seed: int | np.random.Generator, ev: dict[str, np.ndarray], leopard: int
) -> dict[str, np.ndarray]:
    """People's identifications: ``recorded`` individual (-1 none), ``misid``, ``unmatched``, ``unknown``."""
    rng = np.random.default_rng(seed)
    n = ev["t"].size
    adult_leopard = (ev["species"] == leopard) & (ev["ind"] >= 0)
    u = rng.random(n)
    misid = adult_leopard & (u < p.misidentified_share)
    unmatched = adult_leopard & (u >= p.misidentified_share) & (u < p.misidentified_share + p.unmatched_share)
    # confusion is with another photographed adult leopard, uniformly (draw among n - 1, skip the true one)
    candidates = np.unique(ev["ind"][adult_leopard])
    pick = rng.integers(0, max(candidates.size - 1, 1), size=n)
    pick = pick + (pick >= np.searchsorted(candidates, ev["ind"]))
    wrong = candidates[np.minimum(pick, candidates.size - 1)] if candidates.size else ev["ind"]
    misid &= wrong != ev["ind"]
    recorded = np.where(misid, wrong, np.where(unmatched, -1, ev["ind"]))
    animal_species = [i for i, s in enumerate(p.species) if s.observation_type == "animal"]
    unknown = (ev["ind"] < 0) & (rng.random(n) < p.unknown_share) & np.isin(ev["species"], animal_species)
    return {"recorded": recorded, "misid": misid, "unmatched": unmatched, "unknown": unknown}
