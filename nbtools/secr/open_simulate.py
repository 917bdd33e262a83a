"""Simulated open populations and their capture histories (for checks of the open-population fits).

A non-spatial Jolly-Seber population over J primary sessions: ``n_initial`` animals in the
first session, survival ``phi`` from one session to the next, per-capita recruitment ``f``
(new animals N_j f, Poisson, so that the rate of population change is lambda = phi + f), and
detection ``p`` on each secondary occasion of every animal alive in the session. Survival and
detection may differ by sex. The result is an :class:`~nbtools.secr.open_histories.OpenCaptureHistory`
of the animals detected at least once (a single detector at the origin).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .open_histories import OpenCaptureHistory

__all__ = ["sim_open_history"]


def _by_sex(value: float | Mapping[str, float], sex: np.ndarray) -> np.ndarray:
    if isinstance(value, Mapping):
        missing = set(sex) - set(value)
        if missing:
            raise ValueError(f"no value for sexes {sorted(missing)}; given {sorted(value)}")
        return np.array([value[s] for s in sex], dtype=float)
    return np.full(len(sex), float(value))


def sim_open_history(
    n_initial: int,
    phi: float | Mapping[str, float],
    p: float | Mapping[str, float],
    f: float = 0.0,
    occasions: Sequence[int] = (5, 5, 5, 5, 5),
    sex_ratio: float = 0.5,
    seed: int | np.random.Generator | None = None,
) -> tuple[OpenCaptureHistory, pd.DataFrame]:
    """Simulate an open population and its robust-design capture history.

    Parameters
    ----------
    n_initial : int
        Animals alive in the first session.
    phi : float or mapping of sex to float
        Survival from one session to the next (unit intervals).
    p : float or mapping of sex to float
        Detection probability per secondary occasion.
    f : float, default 0
        Per-capita recruitment: each session j > 1 gains Poisson(N_{j-1} f) new animals.
    occasions : sequence of int, default five sessions of 5 occasions
        Secondary occasions per primary session.
    sex_ratio : float, default 0.5
        Probability that an animal is female (``sex`` "F", else "M").
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    history : OpenCaptureHistory
        The animals detected at least once, with covariate ``sex``.
    truth : pandas.DataFrame
        Every animal: ``sex``, ``entry`` and ``last_alive`` (0-based primary sessions) and
        ``detected``; ``truth.attrs["N"]`` the number alive per session.
    """
    rng = np.random.default_rng(seed)
    J = len(occasions)
    entry = [np.zeros(n_initial, dtype=int)]
    alive_count = [n_initial]
    alive_until: list[int] = []
    sexes = list(np.where(rng.random(n_initial) < sex_ratio, "F", "M"))
    # survival is drawn animal by animal when it enters; recruits enter in proportion to those alive
    last = _last_alive(np.zeros(n_initial, dtype=int), _by_sex(phi, np.array(sexes)), J, rng)
    alive_until += list(last)
    for j in range(1, J):
        alive_now = int(np.sum(np.array(alive_until) >= j))
        births = rng.poisson(alive_count[-1] * f)
        new_sex = np.where(rng.random(births) < sex_ratio, "F", "M")
        sexes += list(new_sex)
        entry.append(np.full(births, j))
        alive_until += list(_last_alive(np.full(births, j), _by_sex(phi, new_sex), J, rng))
        alive_count.append(alive_now + births)
    entry_all = np.concatenate(entry)
    last_all = np.array(alive_until)
    sex = np.array(sexes)
    primary = np.repeat(np.arange(J), occasions)
    alive = (primary[None, :] >= entry_all[:, None]) & (primary[None, :] <= last_all[:, None])
    detected = alive & (rng.random(alive.shape) < _by_sex(p, sex)[:, None])
    seen = detected.any(axis=1)
    ids = pd.Index([f"A{i + 1:04d}" for i in np.flatnonzero(seen)], name="ID")
    history = OpenCaptureHistory(
        counts=detected[seen][:, :, None].astype(np.int64),
        traps=pd.DataFrame({"x": [0.0], "y": [0.0]}, index=pd.Index(["1"], name="trapID")),
        detector="multi",
        occasions=tuple(int(s) for s in occasions),
        sessions=tuple(str(j + 1) for j in range(J)),
        intervals=np.ones(J - 1),
        ids=ids,
        covariates=pd.DataFrame({"sex": sex[seen]}, index=ids),
        removed=np.zeros(int(seen.sum()), dtype=np.int64),
    )
    truth = pd.DataFrame({"sex": sex, "entry": entry_all, "last_alive": last_all, "detected": seen})
    truth.attrs["N"] = [int(((entry_all <= j) & (last_all >= j)).sum()) for j in range(J)]
    return history, truth


def _last_alive(entry: np.ndarray, phi: np.ndarray, nsessions: int, rng: np.random.Generator) -> np.ndarray:
    """Last session alive of animals entering at ``entry`` with survival ``phi`` (censored at J - 1)."""
    last = entry.copy()
    going = np.ones(len(entry), dtype=bool)
    for _ in range(nsessions):
        survives = going & (last < nsessions - 1) & (rng.random(len(entry)) < phi)
        last = np.where(survives, last + 1, last)
        going = survives
    return last
