"""Night check: ``no_night_images``, a long run of records without a single night-time one (broken infrared flash).

Night is between sunset and sunrise at the station on the record's local date (NOAA algorithm,
:func:`nbtools.sun.sunrise_sunset`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from .._time import NANOSECONDS_PER_DAY as DAY
from .._time import SECONDS_PER_DAY
from ..sun import sunrise_sunset
from .context import CheckContext
from .findings import Finding, fmt_time, with_severity

__all__ = ["no_night_images", "night_records"]


@renamed_parameters(tz="timezone")
def night_records(
    deployments: pd.DataFrame,
    times: list[np.ndarray],
    animal: list[np.ndarray],
    species: list[np.ndarray],
    timezone: str,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Per deployment with coordinates: its animal records' times (ns), species and whether each is at night.

    Deployments without ``latitude`` and ``longitude`` get no records.
    """
    lat = pd.to_numeric(deployments["latitude"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(deployments["longitude"], errors="coerce").to_numpy(dtype=float)
    n_dep = len(times)
    located = np.isfinite(lat) & np.isfinite(lon)
    t_animal = [times[i][animal[i]] if located[i] else times[i][:0] for i in range(n_dep)]
    sp_animal = [species[i][animal[i]] if located[i] else species[i][:0] for i in range(n_dep)]
    sizes = np.array([t.size for t in t_animal])
    if sizes.sum() == 0:
        return t_animal, sp_animal, [np.zeros(0, bool) for _ in range(n_dep)]
    codes = np.repeat(np.arange(n_dep), sizes)
    stamps = pd.DatetimeIndex(pd.to_datetime(np.concatenate(t_animal), utc=True)).tz_convert(timezone)
    sun = sunrise_sunset(stamps, lat[codes], lon[codes], timezone=timezone)
    clock = (stamps.hour * 3600 + stamps.minute * 60 + stamps.second).to_numpy() / SECONDS_PER_DAY * 2 * np.pi
    night_all = (clock < sun["sunrise"].to_numpy()) | (clock > sun["sunset"].to_numpy())
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return t_animal, sp_animal, [night_all[bounds[i] : bounds[i + 1]] for i in range(n_dep)]


def _expected_night_share(
    context: CheckContext,
    i: int,
    t_animal: list[np.ndarray],
    sp_animal: list[np.ndarray],
    night: list[np.ndarray],
    by_species: tuple[pd.DataFrame, pd.DataFrame],
) -> tuple[np.ndarray, str]:
    """The chance that each of deployment ``i``'s animal records is at night, and whose share it is.

    The partner cameras' night share over the same period (20 records or more), else each record's species'
    share at the other deployments (0 for species seen fewer than 5 times elsewhere).
    """
    r = context.records
    k_ref = n_ref = 0
    for j in r.partners[i]:
        lo, hi = max(r.start[i], r.start[j]), min(r.end[i], r.end[j])
        inside = (t_animal[j] >= lo) & (t_animal[j] <= hi)
        n_ref += int(inside.sum())
        k_ref += int(night[j][inside].sum())
    if n_ref >= 20:
        share = np.full(t_animal[i].size, (k_ref + 1) / (n_ref + 2))
        return share, "the partner camera(s) over the same period are at night"
    totals, own = by_species
    mine = own.loc[i] if i in own.index.get_level_values(0) else own.iloc[:0]
    rest = totals.sub(mine.reindex(totals.index, fill_value=0))
    rate = ((rest["sum"] + 1) / (rest["size"] + 2)).where(rest["size"] >= 5, 0.0)
    share = rate.reindex(sp_animal[i]).fillna(0.0).to_numpy()
    return share, "the same species elsewhere in the study are at night"


def _most_surprising_day_run(share: np.ndarray, night: np.ndarray) -> tuple[float, tuple[int, int]]:
    """The run of day-time records with the largest ``-sum(log(1 - share))``: that sum and the run's first and last."""
    weight = -np.log1p(-np.clip(share, 0.0, 0.999))
    weight[night] = -np.inf  # a night record ends a run
    best, run, run_start, span = 0.0, 0.0, 0, (0, -1)
    for k in range(share.size):
        if not np.isfinite(weight[k]):
            run, run_start = 0.0, k + 1
            continue
        run += weight[k]
        if run > best:
            best, span = run, (run_start, k)
    return best, span


@with_severity("warning")
def no_night_images(context: CheckContext) -> list[Finding]:
    """The longest run of day-time animal records against the night share expected there (broken flash).

    With partner cameras (20 animal records or more over the same period) the expected night share
    ``p`` is theirs: same place, same animals, same season, and a camera whose flash is broken misses
    the nocturnal species altogether. Without, each record's species gives its own share, from the
    other deployments (species seen fewer than 5 times elsewhere count as uninformative), so that a
    station of day-active species is not suspect. A run of day-time records has chance
    ``prod(1 - p)``; the longest (most surprising) run among ``n`` records, about ``n`` times that.
    Needs records and the deployments' ``latitude`` and ``longitude``.
    """
    deployments = context.deployments
    if not context.has_content or not {"latitude", "longitude"} <= set(deployments.columns):
        return []
    tz, alpha = context.options.timezone, context.options.alpha
    t_animal, sp_animal, night = night_records(
        deployments,
        context.content_times,
        context.content_column("animal"),
        context.content_column("species"),
        tz,
    )
    sizes = np.array([t.size for t in t_animal])
    if sizes.sum() == 0:
        return []
    codes = np.repeat(np.arange(len(t_animal)), sizes)
    per_species = pd.DataFrame({"species": np.concatenate(sp_animal), "night": np.concatenate(night), "dep": codes})
    totals = per_species.groupby("species")["night"].agg(["sum", "size"])
    own = per_species.groupby(["dep", "species"])["night"].agg(["sum", "size"])
    out = []
    for i in range(len(t_animal)):
        n = sizes[i]
        if n < 5:
            continue
        t = t_animal[i]
        share, where = _expected_night_share(context, i, t_animal, sp_animal, night, (totals, own))
        best, (a, b) = _most_surprising_day_run(share, night[i])
        p = min(1.0, n * float(np.exp(-best)))
        if not p < alpha:
            continue
        expected = float(share[a : b + 1].sum())
        out.append(
            Finding(
                i,
                "no_night_images",
                f"none of {b - a + 1} consecutive animal records from {fmt_time(int(t[a]), tz)} to "
                f"{fmt_time(int(t[b]), tz)} is at night, while {expected / (b - a + 1):.0%} of those of "
                f"{where} ({expected:.1f} expected; p = {p:.1e}): infrared flash broken?",
                start=int(t[a]),
                end=int(t[b]),
                days=(int(t[b]) - int(t[a])) / DAY,
                n_records=0.0,
                expected_records=expected,
                p_value=p,
            )
        )
    return out
