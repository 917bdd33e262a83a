"""Images: each recorded visit gives 1 + Poisson triggers, each a burst of 3-5 images (the camera's setting);
vegetation gives blank triggers, and the field team photographs itself when it sets and collects a camera.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from .._time import SECONDS_PER_DAY
from .cameras import camera_clock
from .parameters import StudyParameters

__all__ = ["blank_triggers", "burst_images", "format_ids", "season_images", "setup_triggers", "within"]


def within(index: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Position of each element within its run, for runs of lengths ``counts`` laid end to end."""
    starts = np.cumsum(counts) - counts
    return np.arange(index.size) - np.repeat(starts, counts)


@renamed_parameters(rng="seed")
def blank_triggers(
    p: StudyParameters, seed: int | np.random.Generator, dep: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Vegetation triggers: Poisson per deployment, thinned by the monthly weights."""
    rng = np.random.default_rng(seed)
    start = dep["op_start"].to_numpy().astype(np.int64)
    end = dep["op_end"].to_numpy().astype(np.int64)
    lost = dep["media_lost"].to_numpy()
    monthly = np.asarray(p.blank_monthly, dtype=float)
    factor = np.where(dep["fault"].to_numpy() == "card_full", p.card_full_blank_factor, 1.0) * ~lost
    n = rng.poisson(p.blank_triggers_per_day * monthly.max() * factor * np.maximum(end - start, 0) / SECONDS_PER_DAY)
    which = np.repeat(np.arange(len(dep)), n)
    t = start[which] + np.rint(rng.random(which.size) * (end - start)[which]).astype(np.int64)
    month = pd.DatetimeIndex(pd.to_datetime(t, unit="s", utc=True)).tz_convert(p.timezone).month.to_numpy() - 1
    keep = rng.random(which.size) < monthly[month] / monthly.max()
    return which[keep], t[keep]


@renamed_parameters(rng="seed")
def setup_triggers(seed: int | np.random.Generator, dep: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The field team walks in front of the camera after setting it and before retrieving it."""
    rng = np.random.default_rng(seed)
    lost = dep["media_lost"].to_numpy()
    end = dep["end"].to_numpy().astype(np.int64)
    working = (dep["op_end"].to_numpy() == end) & (end == dep["retrieval_end"].to_numpy())
    retrieval = ~lost & working & ~dep["fault"].isin(["stolen", "broken"]).to_numpy()
    start = dep["op_start"].to_numpy().astype(np.int64)
    which = np.concatenate([np.flatnonzero(~lost), np.flatnonzero(retrieval)])
    t = np.concatenate(
        [
            start[~lost] + rng.integers(20, 90, size=int((~lost).sum())),
            end[retrieval] - rng.integers(60, 240, size=int(retrieval.sum())),
        ]
    )
    return which, t


@renamed_parameters(rng="seed")
def burst_images(
    p: StudyParameters,
    seed: int | np.random.Generator,
    dep: pd.DataFrame,
    kind: np.ndarray,
    e_dep: np.ndarray,
    e_t: np.ndarray,
    e_species: np.ndarray,
) -> dict[str, np.ndarray]:
    """Triggers per event (1 + Poisson), a burst of images per trigger, 1 s apart (true times)."""
    rng = np.random.default_rng(seed)
    n_events = kind.size
    extra = np.array([s.trigger_extra for s in p.species])
    n_trig = np.ones(n_events, dtype=np.int64)
    animal = kind == 0
    n_trig[animal] += rng.poisson(extra[e_species[animal]])
    burst = dep["burst"].to_numpy()[e_dep]
    tr_event = np.repeat(np.arange(n_events), n_trig)
    tr_j = within(tr_event, n_trig)
    gap = np.where(tr_j > 0, burst[tr_event] + 2 + rng.exponential(p.event_gap_s, size=tr_event.size), 0.0)
    cum = np.cumsum(gap)
    offset = cum - np.repeat(cum[np.cumsum(n_trig) - n_trig], n_trig)
    tr_t = e_t[tr_event] + np.rint(offset).astype(np.int64)
    im_trig = np.repeat(np.arange(tr_event.size), burst[tr_event])
    event = tr_event[im_trig]
    k = within(im_trig, burst[tr_event])
    t = tr_t[im_trig] + k
    last = (tr_j[im_trig] == n_trig[event] - 1) & (k == burst[event] - 1)
    keep = t <= dep["op_end"].to_numpy().astype(np.int64)[e_dep[event]]  # nothing after the camera stops
    return {"event": event[keep], "t": t[keep], "last": last[keep], "dep": e_dep[event[keep]]}


def season_images(
    p: StudyParameters,
    rng: np.random.Generator,
    dep: pd.DataFrame,
    ev: dict[str, np.ndarray],
    human: int,
    timezone: str,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The images of a season: bursts for the animal events, vegetation blanks and the field team's setup images.

    Parameters
    ----------
    p : StudyParameters
    rng : numpy.random.Generator
        The media stream (drawn in this order: blanks, setups, bursts).
    dep : DataFrame
        The season's deployments (from ``camera_deployments``).
    ev : dict of arrays
        The camera events: ``dep``, ``t`` (s, UTC) and ``species`` (index) of each.
    human : int
        Species index of people (the setup images), -1 when the study has none.
    timezone : str
        The study's zone, for the cameras' clocks.

    Returns
    -------
    images : dict of arrays
        :func:`burst_images`' columns plus ``recorded`` (what each camera's clock wrote).
    events : dict of arrays
        ``kind`` (0 animal, 1 blank, 2 setup), ``dep`` and ``species`` of every event, animal events first.
    """
    blank_dep, blank_t = blank_triggers(p, rng, dep)
    setup_dep, setup_t = setup_triggers(rng, dep)
    kind = np.concatenate([np.zeros(ev["t"].size, int), np.ones(blank_dep.size, int), np.full(setup_dep.size, 2)])
    e_dep = np.concatenate([ev["dep"], blank_dep, setup_dep])
    e_t = np.concatenate([ev["t"], blank_t, setup_t])
    e_species = np.concatenate([ev["species"], np.full(blank_dep.size, -1), np.full(setup_dep.size, human)])
    images = burst_images(p, rng, dep, kind, e_dep, e_t, e_species)
    images["recorded"] = camera_clock(dep, images["dep"], images["t"], timezone)
    return images, {"kind": kind, "dep": e_dep, "species": e_species}


def format_ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``prefix`` + zero-padded 1..n, e.g. ``M000001``."""
    return np.strings.add(prefix, np.strings.zfill(np.arange(1, n + 1).astype("U"), width)).astype(object)
