"""Overlap of two activity patterns: Dhat1, Dhat4, Dhat5 (overlap's ``overlapEst``), ``overlapTrue`` and a matrix of pairs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .inputs import _ESTIMATORS, TWO_PI, Estimator, _as_radians, _estimator_name
from .kernels import _bandwidth_from_moments, _moment_lengths, _vm_density

__all__ = [
    "OverlapEstimates",
    "overlap_estimates",
    "overlap_matrix",
    "overlap_true",
    "recommended_estimator",
]


# ---------------------------------------------------------------------------------------------------------
# estimates
# ---------------------------------------------------------------------------------------------------------


def recommended_estimator(n_a: int, n_b: int) -> Estimator:
    """The estimator overlap's authors recommend for these sample sizes.

    Returns ``"dhat1"`` when the smaller sample has fewer than 50 observations, else ``"dhat4"``
    (Meredith & Ridout, overlap vignette; Ridout & Linkie 2009).

    Examples
    --------
    >>> recommended_estimator(201, 49), recommended_estimator(50, 300)
    ('dhat1', 'dhat4')
    """
    return "dhat1" if min(int(n_a), int(n_b)) < 50 else "dhat4"


@dataclass(frozen=True)
class OverlapEstimates:
    """Overlap estimates Dhat1, Dhat4, Dhat5 of two activity patterns (``overlap::overlapEst``).

    Attributes
    ----------
    dhat1, dhat4, dhat5 : float or None
        The estimates (None when not computed because its ``adjust`` was None).
    n_a, n_b : int
        Sample sizes.
    adjust : tuple
        Smoothing multipliers used for (Dhat1, Dhat4, Dhat5).
    notes : tuple of str
        What the reader should know (empty when nothing).

    The shape shared by estimator results: :attr:`coef` (the estimates by estimator), :attr:`notes` and
    :meth:`to_frame`. An overlap estimate has no likelihood (no ``loglik``, ``aic``) and no analytic standard
    error: its ``se`` and intervals come from :func:`bootstrap_overlap`.
    """

    dhat1: float | None
    dhat4: float | None
    dhat5: float | None
    n_a: int
    n_b: int
    adjust: tuple[float | None, float | None, float | None] = (0.8, 1.0, 4.0)
    notes: tuple[str, ...] = ()

    @property
    def coef(self) -> pd.Series:
        """The estimates by estimator (``dhat1``, ``dhat4``, ``dhat5``; NaN where not computed)."""
        values = [math.nan if v is None else float(v) for v in (self.dhat1, self.dhat4, self.dhat5)]
        return pd.Series(values, index=pd.Index(list(_ESTIMATORS), name="estimator"), name="estimate")

    @property
    def recommended(self) -> Estimator:
        """Name of the estimator to report (:func:`recommended_estimator`)."""
        return recommended_estimator(self.n_a, self.n_b)

    @property
    def estimate(self) -> float:
        """Value of the recommended estimator."""
        value = getattr(self, self.recommended)
        if value is None:
            raise ValueError(f"{self.recommended} was not computed (its adjust was None)")
        return value

    def to_frame(self) -> pd.DataFrame:
        """One row per estimator: estimate, adjust, sample sizes and whether it is the recommended one."""
        return pd.DataFrame(
            {
                "estimate": [self.dhat1, self.dhat4, self.dhat5],
                "adjust": list(self.adjust),
                "n_a": self.n_a,
                "n_b": self.n_b,
                "recommended": [name == self.recommended for name in _ESTIMATORS],
            },
            index=pd.Index(list(_ESTIMATORS), name="estimator"),
        )

    def __repr__(self) -> str:
        def fmt(v: float | None) -> str:
            return "None" if v is None else f"{v:.4f}"

        return (
            f"OverlapEstimates(dhat1={fmt(self.dhat1)}, dhat4={fmt(self.dhat4)}, dhat5={fmt(self.dhat5)}, "
            f"n_a={self.n_a}, n_b={self.n_b}, recommended={self.recommended!r})"
        )


def _approx_weights(grid: NDArray, pts: NDArray) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Left grid index and fraction for R's ``approx`` (linear interpolation) of grid values at ``pts``."""
    i = np.clip(np.searchsorted(grid, pts, side="right") - 1, 0, grid.size - 2)
    frac = (pts - grid[i]) / (grid[i + 1] - grid[i])
    return i, frac


def _interp(values: NDArray, i: NDArray, frac: NDArray) -> NDArray:
    """``values[..., i] + (values[..., i+1] - values[..., i]) * frac`` (R's approx formula)."""
    lo = np.take(values, i, axis=-1)
    hi = np.take(values, i + 1, axis=-1)
    hi -= lo
    hi *= frac
    hi += lo
    return hi


def _dhat_direct(
    a: NDArray, b: NDArray, adjust: tuple[float | None, ...], kmax: int, n_grid: int
) -> tuple[float | None, float | None, float | None]:
    """overlapEst for one pair of samples, kernels evaluated directly (no input checks)."""
    bw_a = _bandwidth_from_moments(_moment_lengths(a, kmax)[None, :], np.array([a.size]))[0]
    bw_b = _bandwidth_from_moments(_moment_lengths(b, kmax)[None, :], np.array([b.size]))[0]
    if not (np.isfinite(bw_a) and np.isfinite(bw_b)):
        return (
            None if adjust[0] is None else math.nan,
            None if adjust[1] is None else math.nan,
            None if adjust[2] is None else math.nan,
        )
    grid = np.linspace(0.0, TWO_PI, n_grid)
    out: list[float | None] = [None, None, None]
    if adjust[0] is not None:
        da = _vm_density(a, grid, bw_a / adjust[0])[1:]
        db = _vm_density(b, grid, bw_b / adjust[0])[1:]
        out[0] = float(np.minimum(da / da.sum(), db / db.sum()).sum())
    pooled = np.concatenate([a, b])
    n1 = a.size
    use_grid = pooled.size > n_grid * 1.1
    if use_grid:
        gi, gf = _approx_weights(grid, pooled)
    for slot, adj in ((1, adjust[1]), (2, adjust[2])):
        if adj is None:
            continue
        if use_grid:
            dax = _interp(_vm_density(a, grid, bw_a / adj), gi, gf)
            dbx = _interp(_vm_density(b, grid, bw_b / adj), gi, gf)
        else:
            dax = _vm_density(a, pooled, bw_a / adj)
            dbx = _vm_density(b, pooled, bw_b / adj)
        if slot == 1:
            out[1] = float(
                (np.minimum(1.0, dbx[:n1] / dax[:n1]).mean() + np.minimum(1.0, dax[n1:] / dbx[n1:]).mean()) / 2
            )
        else:
            out[2] = float(np.mean(dbx[:n1] > dax[:n1]) + np.mean(dax[n1:] >= dbx[n1:]))
    return out[0], out[1], out[2]


def _check_adjust(
    adjust: ArrayLike | float | None,
) -> tuple[float | None, float | None, float | None]:
    if adjust is None:
        return (0.8, 1.0, 4.0)
    if np.isscalar(adjust):
        adjust = (adjust, adjust, adjust)
    vals = list(adjust)  # type: ignore[arg-type]
    if len(vals) != 3:
        raise ValueError(f"adjust must be one number or three (Dhat1, Dhat4, Dhat5), got {adjust!r}")
    out: list[float | None] = []
    for v in vals:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif float(v) > 0:
            out.append(float(v))
        else:
            raise ValueError(f"adjust values must be positive (or None to skip an estimator), got {v!r}")
    return out[0], out[1], out[2]


def overlap_estimates(
    a: ArrayLike,
    b: ArrayLike,
    adjust: ArrayLike | float | None = (0.8, 1.0, 4.0),
    kmax: int = 3,
    n_grid: int = 128,
) -> OverlapEstimates:
    """Coefficient of overlapping of two activity patterns: Dhat1, Dhat4, Dhat5 as ``overlap::overlapEst``.

    Parameters
    ----------
    a, b : array
        Times of detection of species A and B, radians.
    adjust : float or three floats, default (0.8, 1, 4)
        Smoothing multipliers for Dhat1, Dhat4, Dhat5 (kernel concentration = bandwidth / adjust).
        ``None`` in a slot skips that estimator.
    kmax : int, default 3
        See :func:`bandwidth`.
    n_grid : int, default 128
        Points of the grid ``linspace(0, 2*pi, n_grid)``.

    Returns
    -------
    OverlapEstimates
        ``.dhat1``, ``.dhat4``, ``.dhat5``, ``.recommended``, ``.estimate``, ``.to_frame()``.

    Notes
    -----
    With kernel densities f (of A) and g (of B), each with its own bandwidth (:func:`bandwidth`):

    * Dhat1 = sum over the grid without its first point of min(f, g), each density normalised to sum 1;
    * Dhat4 = (mean_i min(1, g(x_i)/f(x_i)) + mean_j min(1, f(y_j)/g(y_j))) / 2;
    * Dhat5 = mean_i [g(x_i) > f(x_i)] + mean_j [f(y_j) >= g(y_j)].

    For Dhat4 and Dhat5 the densities are evaluated at the observations when the pooled sample size is at
    most 1.1 * n_grid; otherwise on the grid and linearly interpolated, exactly as overlap does. Dhat1 is
    recommended when the smaller sample is under 50, Dhat4 otherwise.

    References
    ----------
    Ridout, M.S. & Linkie, M. (2009) Estimating overlap of daily activity patterns from camera trap data.
    JABES 14, 322-337. https://doi.org/10.1198/jabes.2009.08038
    Meredith, M. & Ridout, M. Overview of the overlap package (vignette). https://CRAN.R-project.org/package=overlap

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.vonmises(np.pi / 2, 2, 60) % (2 * np.pi); b = rng.vonmises(np.pi, 2, 80) % (2 * np.pi)
    >>> est = overlap_estimates(a, b)
    >>> est.recommended, round(est.estimate, 3)
    ('dhat4', 0.406)
    """
    xa = _as_radians(a, "a")
    xb = _as_radians(b, "b")
    adj = _check_adjust(adjust)
    d1, d4, d5 = _dhat_direct(xa, xb, adj, kmax, n_grid)
    if any(v is not None and not math.isfinite(v) for v in (d1, d4, d5)):
        raise ValueError("the bandwidth of a or b could not be estimated: its times are (nearly) all identical")
    return OverlapEstimates(d1, d4, d5, int(xa.size), int(xb.size), adj)


def overlap_true(d1: ArrayLike, d2: ArrayLike | None = None) -> float:
    """True coefficient of overlapping of two densities on an equally spaced circular grid (``overlapTrue``).

    Parameters
    ----------
    d1, d2 : array
        Densities at equally spaced points from 0 to 2*pi; or ``d1`` a two-column array and ``d2`` None.
        When both first values equal the last ones (0 and 2*pi both present), the first is dropped.

    Returns
    -------
    float
        ``sum(min(d1/sum(d1), d2/sum(d2)))``.

    Examples
    --------
    >>> round(overlap_true([1, 2, 3, 1], [1, 1, 1, 1]), 12)   # 1/3 + 1/3 + 1/6
    0.833333333333
    """
    x = np.asarray(d1, dtype=float)
    if d2 is None:
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError("give two density vectors, or one array with two columns")
        x, y = x[:, 0], x[:, 1]
    else:
        y = np.asarray(d2, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"the densities must be 1-D of equal length, got {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()) or (x < 0).any() or (y < 0).any():
        raise ValueError("densities must be finite and non-negative")

    def same(u: float, v: float) -> bool:  # R's all.equal(u, v): relative difference < 1.5e-8
        return abs(u - v) <= 1.5e-8 * (abs(u) if u != 0 else 1.0)

    if same(x[0], x[-1]) and same(y[0], y[-1]):
        x, y = x[1:], y[1:]
    return float(np.minimum(x / x.sum(), y / y.sum()).sum())


# ---------------------------------------------------------------------------------------------------------
# many species
# ---------------------------------------------------------------------------------------------------------


def overlap_matrix(
    times_by_species: Mapping[str, ArrayLike],
    estimator: Estimator | Literal["auto"] = "auto",
    adjust: ArrayLike | float | None = (0.8, 1.0, 4.0),
    kmax: int = 3,
    n_grid: int = 128,
    long: bool = False,
) -> pd.DataFrame:
    """Pairwise overlap of the activity patterns of many species.

    Parameters
    ----------
    times_by_species : mapping
        Species name -> times of detection in radians.
    estimator : {"auto", "dhat1", "dhat4", "dhat5"}, default "auto"
        "auto" reports, for each pair, the estimator :func:`recommended_estimator` picks (Dhat1 when the
        smaller sample is under 50, else Dhat4).
    adjust, kmax, n_grid
        As in :func:`overlap_estimates`.
    long : bool, default False
        Return one row per pair (``species_a, species_b, n_a, n_b, estimator, estimate``) instead of the
        square matrix.

    Returns
    -------
    pandas.DataFrame
        Symmetric species x species matrix of overlap (1 on the diagonal), or the long table.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(3)
    >>> times = {s: rng.vonmises(m, 2, 60) % (2 * np.pi) for s, m in [("tiger", 0.5), ("boar", 1.0), ("deer", 3.0)]}
    >>> m = overlap_matrix(times)
    >>> bool(m.loc["tiger", "boar"] > m.loc["tiger", "deer"]), float(m.loc["deer", "deer"])
    (True, 1.0)
    """
    names = list(times_by_species)
    if len(names) < 2:
        raise ValueError("give at least two species")
    data = {s: _as_radians(times_by_species[s], f"times of {s!r}") for s in names}
    for s, v in data.items():
        if not np.isfinite(_bandwidth_from_moments(_moment_lengths(v, kmax)[None, :], np.array([v.size]))[0]):
            raise ValueError(f"the bandwidth of {s!r} could not be estimated: its times are (nearly) identical")
    adj = _check_adjust(adjust)
    rows = []
    for i, sa in enumerate(names):
        for sb in names[i + 1 :]:
            a, b = data[sa], data[sb]
            name = recommended_estimator(a.size, b.size) if estimator == "auto" else _estimator_name(estimator)
            slot = _ESTIMATORS.index(name)
            if adj[slot] is None:
                raise ValueError(f"adjust for {name} is None")
            only = tuple(v if j == slot else None for j, v in enumerate(adj))
            value = _dhat_direct(a, b, only, kmax, n_grid)[slot]
            rows.append((sa, sb, a.size, b.size, name, value))
    table = pd.DataFrame(rows, columns=["species_a", "species_b", "n_a", "n_b", "estimator", "estimate"])
    if long:
        return table
    mat = pd.DataFrame(np.eye(len(names)), index=pd.Index(names, name="species"), columns=names)
    for sa, sb, _, _, _, value in rows:
        mat.loc[sa, sb] = mat.loc[sb, sa] = value
    return mat
