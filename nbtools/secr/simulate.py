"""Simulate populations and capture histories (secr's ``sim.popn`` and ``sim.capthist``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .capthist import CaptureHistory, _check_detector
from .likelihood import DETECTION_FUNCTIONS, hazard
from .mask import Mask

__all__ = ["sim_capthist", "sim_popn"]


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def sim_popn(
    mask: Mask,
    density: float | np.ndarray,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Activity centres of a Poisson population on a mask (secr's ``sim.popn``, model2D "IHP").

    Parameters
    ----------
    mask : Mask
        Habitat mask; each point stands for a square cell of side ``mask.spacing``.
    density : float or array (M,)
        Density (animals / ha), constant or one value per mask point.
    seed : int or numpy.random.Generator, optional
        Randomness; the same seed gives the same population.

    Returns
    -------
    pandas.DataFrame
        ``x``, ``y`` (m) of the activity centres: a Poisson number per cell with mean
        ``D(x) * cell area``, placed uniformly within the cell; mask covariates of the
        cell are carried along.
    """
    rng = _rng(seed)
    dens = np.broadcast_to(np.asarray(density, dtype=float), (len(mask),))
    if not np.isfinite(dens).all() or (dens < 0).any():
        raise ValueError("density must be finite and non-negative (animals / ha)")
    n_cell = rng.poisson(dens * mask.cell_area)
    cell = np.repeat(np.arange(len(mask)), n_cell)
    half = mask.spacing / 2
    x = mask.x[cell] + rng.uniform(-half, half, len(cell))
    y = mask.y[cell] + rng.uniform(-half, half, len(cell))
    out = pd.DataFrame({"x": x, "y": y})
    covs = mask.covariates.iloc[cell].reset_index(drop=True)
    return pd.concat([out, covs], axis=1)


def sim_capthist(
    traps: pd.DataFrame,
    popn: pd.DataFrame,
    detectfn: str = "HHN",
    g0: float | np.ndarray | None = None,
    lambda0: float | np.ndarray | None = None,
    sigma: float | np.ndarray = 1.0,
    noccasions: int = 1,
    detector: str = "count",
    usage: np.ndarray | None = None,
    seed: int | np.random.Generator | None = None,
    keep_undetected: bool = False,
) -> CaptureHistory:
    """Simulate detections of a population at detectors (secr's ``sim.capthist``).

    Parameters
    ----------
    traps : pandas.DataFrame
        Detectors with ``x``, ``y`` (m); the index gives their IDs.
    popn : pandas.DataFrame
        Activity centres ``x``, ``y`` (m), e.g. from :func:`sim_popn`; other columns
        become individual covariates.
    detectfn : {"HN", "EX", "HHN", "HEX"}, default "HHN"
        Detection function.
    g0, lambda0 : float or array (N,)
        Magnitude: ``g0`` for HN/EX, ``lambda0`` for HHN/HEX (per animal if an array).
    sigma : float or array (N,)
        Spatial scale (m), scalar or per animal (e.g. by sex).
    noccasions : int, default 1
        Number of occasions S.
    detector : {"count", "proximity", "multi"}, default "count"
        ``count``: Poisson counts with mean ``T_sk h_k``; ``proximity``: detected with
        probability ``1 - exp(-T_sk h_k)``; ``multi``: caught on an occasion with
        probability ``1 - exp(-H_s)``, in trap k with probability ``T_sk h_k / H_s``.
    usage : array (K, S), optional
        Detector effort (default 1).
    seed : int or numpy.random.Generator, optional
        Randomness.
    keep_undetected : bool, default False
        Keep all-zero histories (secr drops them).

    Returns
    -------
    CaptureHistory
        IDs are the row positions (1-based) of the animals in ``popn``.
    """
    _check_detector(detector)
    if detector == "single":
        raise ValueError("single-catch traps are not simulated; use 'multi'")
    fn = DETECTION_FUNCTIONS[detectfn]
    mag = g0 if fn.magnitude == "g0" else lambda0
    if mag is None:
        raise ValueError(f"detectfn {detectfn} needs {fn.magnitude}")
    rng = _rng(seed)
    n_pop = len(popn)
    k = len(traps)
    usage = np.ones((k, noccasions)) if usage is None else np.asarray(usage, float)
    if usage.shape != (k, noccasions):
        raise ValueError(f"usage must be K x S = {k} x {noccasions}, got {usage.shape}")
    mag_a = np.broadcast_to(np.asarray(mag, float), (n_pop,))
    sig_a = np.broadcast_to(np.asarray(sigma, float), (n_pop,))
    axy = popn[["x", "y"]].to_numpy(float)
    txy = traps[["x", "y"]].to_numpy(float)
    d = np.sqrt(((axy[:, None, :] - txy[None, :, :]) ** 2).sum(axis=2))  # N x K
    h = np.empty((n_pop, k))
    for key in np.unique(np.column_stack([mag_a, sig_a]), axis=0):
        sel = (mag_a == key[0]) & (sig_a == key[1])
        h[sel] = hazard(detectfn, d[sel], float(key[0]), float(key[1]))
    lam = h[:, None, :] * usage.T[None, :, :]  # N x S x K
    if detector == "count":
        counts = rng.poisson(lam)
    elif detector == "proximity":
        counts = (rng.random(lam.shape) < -np.expm1(-lam)).astype(np.int64)
    else:
        total = lam.sum(axis=2)  # N x S
        caught = rng.random(total.shape) < -np.expm1(-total)
        counts = np.zeros(lam.shape, np.int64)
        cum = np.cumsum(lam, axis=2) / np.where(total > 0, total, 1.0)[:, :, None]
        u = rng.random(total.shape)
        trap = (cum < u[:, :, None]).sum(axis=2)
        trap = np.minimum(trap, k - 1)
        i, s = np.nonzero(caught)
        counts[i, s, trap[i, s]] = 1
    detected = counts.sum(axis=(1, 2)) > 0
    keep = np.ones(n_pop, bool) if keep_undetected else detected
    ids = pd.Index(np.flatnonzero(keep) + 1, name="ID")
    covs: Any = popn.loc[keep].drop(columns=["x", "y"]).reset_index(drop=True)
    tr = traps.copy()
    if tr.index.name != "trapID":
        tr.index = pd.Index([str(v) for v in tr.index], name="trapID")
    return CaptureHistory(counts[keep], tr, detector, None if np.all(usage == 1) else usage, ids, covs)
