"""The dynamic occupancy likelihood: design matrices of psi, gamma, epsilon and p, and the forward-backward
recursions over seasons with the exact gradient (unmarked's ``colext``, MacKenzie et al. 2003).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .design import parameter_name
from .errors import OccupancyDataError
from .multiseason import MultiSeasonData


def _param_name(prefix: str, column: str) -> str:
    """unmarked's coefficient name: ``col(Int)``, ``col(year2000)``, ``p(date)``."""
    return parameter_name(prefix, re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", column))


def _model_matrix(rhs: str, frame: pd.DataFrame, what: str) -> tuple[np.ndarray, list[str], Any]:
    """Model matrix of ``~ rhs`` on ``frame`` (rows with missing values give NaN rows), its names and its spec."""
    from formulaic import model_matrix

    rhs = rhs.strip()
    rhs = rhs[1:].strip() if rhs.startswith("~") else rhs
    try:
        mm = model_matrix("~ " + rhs, frame, na_action="ignore")
    except Exception as exc:  # formulaic's errors (unknown variable, bad syntax)
        raise OccupancyDataError(f"cannot build the {what} design matrix from '~ {rhs}': {exc}") from exc
    if mm.shape[1] == 0:
        raise OccupancyDataError(f"the {what} formula '~ {rhs}' has no terms")
    return np.asarray(mm, dtype=float), [str(c) for c in mm.columns], mm.model_spec


def _long(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Wide frames (sites x columns) as one long frame, site-major."""
    out = {}
    for name, f in frames.items():
        values = f.to_numpy().ravel()
        first = f.iloc[:, 0]
        if isinstance(first.dtype, pd.CategoricalDtype):
            values = pd.Categorical(values, categories=first.cat.categories)
        out[name] = values
    return pd.DataFrame(out)


@dataclass(frozen=True, eq=False)
class ColextDesign:
    """The arrays of the colext likelihood for the sites kept.

    ``y`` (M, T, J) with NaN, ``X_psi`` (M, k), ``X_col`` / ``X_ext`` (M, T-1, k), ``X_det``
    (M, T, J, k; zero rows where ``y`` is NaN), the coefficient names of each part, the site and
    season labels, the sites dropped, notes, and the ``formulaic`` model specs of the four parts (to build
    design matrices of new data with the same factor levels and transforms).
    """

    y: np.ndarray
    X_psi: np.ndarray
    X_col: np.ndarray
    X_ext: np.ndarray
    X_det: np.ndarray
    names: tuple[list[str], list[str], list[str], list[str]]
    sites: pd.Index
    seasons: pd.Index
    dropped_sites: tuple
    notes: tuple[str, ...]
    specs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def sizes(self) -> tuple[int, int, int, int]:
        """Numbers of psi, col, ext and det coefficients."""
        return tuple(len(n) for n in self.names)  # type: ignore[return-value]

    @property
    def coef_names(self) -> list[str]:
        """All coefficient names, in the order of the parameter vector."""
        return [n for part in self.names for n in part]


def _drop_final_season(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Yearly covariates without the last season, unused factor levels dropped (unmarked's ``drop_final``)."""
    out = {}
    for name, f in frames.items():
        g = f.iloc[:, :-1]
        first = g.iloc[:, 0]
        if isinstance(first.dtype, pd.CategoricalDtype):
            flat = pd.Categorical(g.to_numpy().ravel(), categories=first.cat.categories).remove_unused_categories()
            g = pd.DataFrame(np.asarray(flat, dtype=object).reshape(g.shape), index=g.index, columns=g.columns).astype(
                pd.CategoricalDtype(flat.categories)
            )
        out[name] = g
    return out


def colext_design(data: MultiSeasonData, psi: str, gamma: str, epsilon: str, p: str) -> ColextDesign:
    """Design matrices of the four sub-models, with unmarked's handling of missing values.

    Missing site covariates used by ``psi`` drop the site; missing observation covariates used by
    ``p`` make that survey missing; missing yearly covariates used by ``gamma``/``epsilon`` in a
    season before the last are an error (the transition cannot be computed). Sites without any
    survey left are dropped. The yearly covariates of the last season are not used.
    """
    M, T, J = data.n_sites, data.n_seasons, data.n_occasions
    y = data.y_array().copy()
    notes: list[str] = []
    sc = data.site_covs.reset_index(drop=True)
    X_psi, n_psi, s_psi = _model_matrix(psi, sc, "psi")
    ysc_frames = {**data.yearly_site_covs, **{k: _broadcast(sc[k], T) for k in sc.columns}}
    ysc = _long(_drop_final_season(ysc_frames))
    X_col, n_col, s_col = _model_matrix(gamma, ysc, "colonisation (gamma)")
    X_ext, n_ext, s_ext = _model_matrix(epsilon, ysc, "extinction (epsilon)")
    oc_frames = {
        **data.obs_covs,
        **{k: _broadcast_seasons(v, J) for k, v in data.yearly_site_covs.items()},
        **{k: _broadcast(sc[k], T * J) for k in sc.columns},
    }
    X_det, n_det, s_det = _model_matrix(p, _long(oc_frames), "detection (p)")
    X_col = X_col.reshape(M, T - 1, -1)
    X_ext = X_ext.reshape(M, T - 1, -1)
    X_det = X_det.reshape(M, T, J, -1)

    bad_trans = np.isnan(X_col).any(axis=2) | np.isnan(X_ext).any(axis=2)
    if bad_trans.any():
        i, t = np.argwhere(bad_trans)[0]
        raise OccupancyDataError(
            f"yearly covariate missing at site {data.y.index.tolist()[i]!r}, season {data.seasons.tolist()[t]!r} "
            f"({int(bad_trans.sum())} site-seasons): colonisation/extinction need it in every season but the last"
        )
    miss_obs = np.isnan(X_det).any(axis=3) & ~np.isnan(y)
    if miss_obs.any():
        notes.append(f"{int(miss_obs.sum())} survey(s) set missing: an observation covariate of p is missing there")
    y[np.isnan(X_det).any(axis=3)] = np.nan
    X_det = np.where(np.isnan(X_det), 0.0, X_det)
    keep = ~np.isnan(X_psi).any(axis=1) & ~np.isnan(y).all(axis=(1, 2))
    dropped = tuple(data.y.index[~keep])
    if dropped:
        notes.append(f"{len(dropped)} site(s) dropped (no survey, or a missing site covariate of psi)")
    return ColextDesign(
        y=y[keep],
        X_psi=X_psi[keep],
        X_col=X_col[keep],
        X_ext=X_ext[keep],
        X_det=X_det[keep],
        names=(
            [_param_name("psi", c) for c in n_psi],
            [_param_name("col", c) for c in n_col],
            [_param_name("ext", c) for c in n_ext],
            [_param_name("p", c) for c in n_det],
        ),
        sites=data.y.index[keep],
        seasons=data.seasons,
        dropped_sites=dropped,
        notes=tuple(notes),
        specs={"psi": s_psi, "col": s_col, "ext": s_ext, "det": s_det},
    )


def _broadcast(column: pd.Series, n: int) -> pd.DataFrame:
    """A site covariate repeated over ``n`` columns."""
    values = np.repeat(column.to_numpy()[:, None], n, axis=1)
    frame = pd.DataFrame(values)
    if isinstance(column.dtype, pd.CategoricalDtype):
        frame = frame.astype(column.dtype)
    return frame


def _broadcast_seasons(frame: pd.DataFrame, J: int) -> pd.DataFrame:
    """A yearly covariate (sites x seasons) repeated over the ``J`` occasions of each season."""
    out = pd.DataFrame(np.repeat(frame.to_numpy(), J, axis=1))
    first = frame.iloc[:, 0]
    if isinstance(first.dtype, pd.CategoricalDtype):
        out = out.astype(first.dtype)
    return out


# ==================================================================================================
# the likelihood: forward-backward over seasons
# ==================================================================================================


@dataclass(frozen=True)
class ForwardBackward:
    """Forward-backward quantities of every site at one parameter vector.

    ``loglik`` (M,) site log-likelihoods; ``posterior`` (M, T) P(occupied in season t | y_i);
    ``from_empty`` / ``from_occupied`` (M, T-1) the posterior probabilities of the transitions
    unoccupied -> occupied and occupied -> unoccupied; ``psi`` (M,), ``col``/``ext`` (M, T-1),
    ``p`` (M, T, J) the probabilities.
    """

    loglik: np.ndarray
    posterior: np.ndarray
    colonised: np.ndarray
    went_extinct: np.ndarray
    psi: np.ndarray
    col: np.ndarray
    ext: np.ndarray
    p: np.ndarray


def split_theta(design: ColextDesign, theta: np.ndarray) -> tuple[np.ndarray, ...]:
    """The parameter vector cut into its psi, col, ext and det coefficients."""
    cuts = np.cumsum(design.sizes)[:-1]
    return tuple(np.split(np.asarray(theta, dtype=float), cuts))


def probabilities(design: ColextDesign, theta: np.ndarray) -> tuple[np.ndarray, ...]:
    """psi (M,), col and ext (M, T-1), p (M, T, J) at ``theta``."""
    b_psi, b_col, b_ext, b_det = split_theta(design, theta)
    return (
        special.expit(design.X_psi @ b_psi),
        special.expit(design.X_col @ b_col),
        special.expit(design.X_ext @ b_ext),
        special.expit(design.X_det @ b_det),
    )


def _season_likelihoods(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(y_it | occupied), P(y_it | unoccupied), both divided by exp(scale), and the log scale (M, T)."""
    seen = ~np.isnan(y)
    y0 = np.where(seen, y, 0.0)
    with np.errstate(divide="ignore"):
        log_p1 = np.where(seen, special.xlogy(y0, p) + special.xlog1py(1 - y0, -p), 0.0).sum(axis=2)
    detected = (y0 > 0).any(axis=2)
    scale = np.where(detected, log_p1, np.maximum(log_p1, 0.0))  # log max(P1, P0); P0 = 1 without detection
    e1 = np.exp(log_p1 - scale)
    e0 = np.where(detected, 0.0, np.exp(-scale))
    return e1, e0, scale


def forward_backward(design: ColextDesign, theta: np.ndarray) -> ForwardBackward:
    """Scaled forward-backward recursions over seasons for every site at once.

    The state of a site in a season is unoccupied (0) or occupied (1); between seasons t and t+1
    an unoccupied site is colonised with probability gamma_it and an occupied one goes extinct
    with probability epsilon_it. A season with no survey contributes no detection factor. Where a
    probability reaches 0 or 1 and the data are impossible, the log-likelihood is -inf (an
    optimiser's trial step) and the posteriors are NaN.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _recursions(design, theta)


def _recursions(design: ColextDesign, theta: np.ndarray) -> ForwardBackward:
    """The forward and backward passes of :func:`forward_backward` (floating-point warnings unmuted)."""
    psi, col, ext, p = probabilities(design, theta)
    e1, e0, scale = _season_likelihoods(design.y, p)
    M, T = e1.shape
    alpha = np.empty((M, T, 2))
    norm = np.empty((M, T))
    a0, a1 = (1 - psi) * e0[:, 0], psi * e1[:, 0]
    for t in range(T):
        if t > 0:
            pred1 = a0 * col[:, t - 1] + a1 * (1 - ext[:, t - 1])
            a0, a1 = (1 - pred1) * e0[:, t], pred1 * e1[:, t]
        c = a0 + a1
        a0, a1 = a0 / c, a1 / c
        alpha[:, t, 0], alpha[:, t, 1], norm[:, t] = a0, a1, c
    loglik = (np.log(norm) + scale).sum(axis=1)
    beta = np.ones((M, T, 2))
    colonised = np.empty((M, T - 1))
    extinct = np.empty((M, T - 1))
    for t in range(T - 2, -1, -1):
        w0 = e0[:, t + 1] * beta[:, t + 1, 0] / norm[:, t + 1]
        w1 = e1[:, t + 1] * beta[:, t + 1, 1] / norm[:, t + 1]
        beta[:, t, 0] = (1 - col[:, t]) * w0 + col[:, t] * w1
        beta[:, t, 1] = ext[:, t] * w0 + (1 - ext[:, t]) * w1
        colonised[:, t] = alpha[:, t, 0] * col[:, t] * w1
        extinct[:, t] = alpha[:, t, 1] * ext[:, t] * w0
    posterior = np.clip(alpha[:, :, 1] * beta[:, :, 1], 0.0, 1.0)
    return ForwardBackward(loglik, posterior, colonised, extinct, psi, col, ext, p)


def loglik_gradient(design: ColextDesign, theta: np.ndarray) -> tuple[float, np.ndarray]:
    """Log-likelihood and its exact gradient (the expected complete-data score, Louis 1982)."""
    fb = forward_backward(design, theta)
    g_psi = fb.posterior[:, 0] - fb.psi
    prior_empty = 1.0 - fb.posterior[:, :-1]
    g_col = fb.colonised - fb.col * prior_empty
    g_ext = fb.went_extinct - fb.ext * fb.posterior[:, :-1]
    seen = ~np.isnan(design.y)
    g_det = np.where(seen, fb.posterior[:, :, None] * (np.where(seen, design.y, 0.0) - fb.p), 0.0)
    grad = np.concatenate(
        [
            design.X_psi.T @ g_psi,
            np.einsum("mtk,mt->k", design.X_col, g_col),
            np.einsum("mtk,mt->k", design.X_ext, g_ext),
            np.einsum("mtjk,mtj->k", design.X_det, g_det),
        ]
    )
    return float(fb.loglik.sum()), grad


def penalised_objective(design: ColextDesign, theta: np.ndarray, penalty: float) -> tuple[float, np.ndarray]:
    """``-logL + penalty * ||theta||_2`` and its gradient (unmarked's colext objective when penalty = 0.001)."""
    ll, g = loglik_gradient(design, theta)
    value, grad = -ll, -g
    if penalty:
        norm = float(np.sqrt(np.sum(theta**2)))
        value += penalty * norm
        grad = grad + penalty * (theta / norm if norm > 0 else 0.0)
    return value, grad


def numerical_hessian(gradient: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Central differences of an exact gradient (step 1e-5 scaled by |theta|), symmetrised."""
    n = theta.size
    H = np.empty((n, n))
    for i in range(n):
        h = 1e-5 * max(1.0, abs(theta[i]))
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        H[i] = (gradient(up) - gradient(down)) / (2 * h)
    return 0.5 * (H + H.T)
