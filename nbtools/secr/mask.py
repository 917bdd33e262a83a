"""Habitat masks for SECR: the points where activity centres may lie (secr's ``make.mask``).

>>> import pandas as pd
>>> from nbtools.secr import make_mask
>>> traps = pd.DataFrame({"x": [0.0, 30.0, 0.0, 30.0], "y": [0.0, 0.0, 30.0, 30.0]})
>>> mask = make_mask(traps, buffer_m=100)
>>> round(mask.spacing, 5), len(mask)
(3.59375, 3432)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from nbtools._deprecate import renamed_parameters

__all__ = ["Mask", "make_mask"]

_MASK_TYPES = ("trapbuffer", "traprect")


@dataclass(frozen=True, eq=False)
class Mask:
    """Points of a regular grid where activity centres may lie, with covariates.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per mask point: ``x``, ``y`` (m, the cell centres) and any covariates.
    spacing : float
        Distance between adjacent points (m); each point stands for a square cell of
        ``spacing ** 2`` square metres.

    Notes
    -----
    Mirrors the ``mask`` class of the R package secr (Efford 2025): a data frame of
    cell centres with the attribute ``spacing`` and the cell ``area`` in hectares.
    """

    points: pd.DataFrame
    spacing: float
    type: str = "user"
    buffer: float | None = None
    _xy: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not {"x", "y"} <= set(self.points.columns):
            raise ValueError(f"mask points need columns 'x' and 'y'; got {list(self.points.columns)}")
        if not np.isfinite(self.spacing) or self.spacing <= 0:
            raise ValueError(f"mask spacing must be a positive number of metres, got {self.spacing!r}")
        points = self.points.reset_index(drop=True)
        object.__setattr__(self, "points", points)
        xy = np.column_stack([points["x"].to_numpy(float), points["y"].to_numpy(float)])
        if not np.isfinite(xy).all():
            raise ValueError("mask coordinates contain NaN or infinite values")
        object.__setattr__(self, "_xy", xy)

    def __len__(self) -> int:
        return len(self.points)

    def __repr__(self) -> str:
        covs = [c for c in self.points.columns if c not in ("x", "y")]
        return (
            f"Mask({len(self)} points, spacing {self.spacing:g} m, cell {self.cell_area:g} ha, "
            f"area {self.area:g} ha, type {self.type!r}, covariates {covs})"
        )

    @property
    def x(self) -> np.ndarray:
        """Easting of the points (m)."""
        return self._xy[:, 0]

    @property
    def y(self) -> np.ndarray:
        """Northing of the points (m)."""
        return self._xy[:, 1]

    @property
    def xy(self) -> np.ndarray:
        """Coordinates as an ``(M, 2)`` array (m)."""
        return self._xy

    @property
    def cell_area(self) -> float:
        """Area of one cell (ha), secr's ``attr(mask, "area")``."""
        return self.spacing**2 / 10_000.0

    @property
    def area(self) -> float:
        """Total area of the mask (ha), secr's ``maskarea``."""
        return self.cell_area * len(self)

    @property
    def covariates(self) -> pd.DataFrame:
        """The covariate columns (everything except ``x`` and ``y``)."""
        return self.points.drop(columns=["x", "y"])

    def subset(self, keep: Any) -> Mask:
        """The mask restricted to the points where ``keep`` (boolean, length M) is true."""
        keep = np.asarray(keep)
        if keep.dtype != bool or keep.shape != (len(self),):
            raise ValueError(f"keep must be a boolean array of length {len(self)}, got {keep.dtype} {keep.shape}")
        return Mask(self.points.loc[keep], self.spacing, type=self.type, buffer=self.buffer)

    def to_dataarray(self, values: Any, name: str = "value", attrs: dict[str, Any] | None = None) -> xr.DataArray:
        """Place one value per mask point on the regular grid as an ``xarray.DataArray``.

        Parameters
        ----------
        values : array-like, length M
            Values at the mask points, in the order of ``points``.
        name : str, default "value"
            Name of the DataArray.
        attrs : dict, optional
            Attributes (``units``, ``long_name``, ...).

        Returns
        -------
        xarray.DataArray
            Dimensions ``y`` (descending, north up) and ``x`` (cell centres, m); cells that
            are not mask points are NaN.
        """
        values = np.asarray(values, dtype=float)
        if values.shape != (len(self),):
            raise ValueError(f"need one value per mask point ({len(self)}), got shape {values.shape}")
        s = self.spacing
        x0, y0 = self.x.min(), self.y.min()
        ix = np.rint((self.x - x0) / s).astype(np.int64)
        iy = np.rint((self.y - y0) / s).astype(np.int64)
        nx, ny = int(ix.max()) + 1, int(iy.max()) + 1
        grid = np.full((ny, nx), np.nan)
        grid[ny - 1 - iy, ix] = values
        xs = x0 + s * np.arange(nx)
        ys = y0 + s * np.arange(ny)[::-1]
        coords = {"x": ("x", xs, {"units": "m"}), "y": ("y", ys, {"units": "m"})}
        return xr.DataArray(grid, dims=("y", "x"), coords=coords, name=name, attrs=dict(attrs or {}))


def _rseq(start: float, stop: float, step: float) -> np.ndarray:
    """R's ``seq(start, stop, by = step)``: values up to ``stop`` with R's 1e-10 fuzz."""
    n = int(np.floor((stop - start) / step + 1e-10)) + 1
    return start + step * np.arange(max(n, 0))


def _traps_xy(traps: Any) -> np.ndarray:
    if isinstance(traps, pd.DataFrame):
        if not {"x", "y"} <= set(traps.columns):
            raise ValueError(f"traps need columns 'x' and 'y' (m); got {list(traps.columns)}")
        xy = traps[["x", "y"]].to_numpy(float)
    else:
        xy = np.asarray(traps, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) == 0:
        raise ValueError(f"traps must be a DataFrame with x, y or an (K, 2) array; got shape {xy.shape}")
    if not np.isfinite(xy).all():
        raise ValueError("trap coordinates contain NaN or infinite values")
    return xy


def _nearest_distance(points: np.ndarray, traps: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Distance (m) from each point to its nearest trap."""
    out = np.empty(len(points))
    for start in range(0, len(points), chunk):
        p = points[start : start + chunk]
        d2 = (p[:, None, 0] - traps[None, :, 0]) ** 2 + (p[:, None, 1] - traps[None, :, 1]) ** 2
        out[start : start + chunk] = np.sqrt(d2.min(axis=1))
    return out


def _axis_index(coord: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-cell index of ``values`` on a regular axis ``coord``, and whether inside the extent."""
    if len(coord) == 1:
        return np.zeros(len(values), np.int64), np.ones(len(values), bool)
    step = (coord[-1] - coord[0]) / (len(coord) - 1)
    pos = (values - coord[0]) / step
    idx = np.rint(pos).astype(np.int64)
    inside = (pos >= -0.5) & (pos <= len(coord) - 0.5)
    return np.clip(idx, 0, len(coord) - 1), inside


def _sample_habitat(
    habitat: xr.Dataset,
    x: np.ndarray,
    y: np.ndarray,
    habitat_variable: str | Sequence[str] | None,
    covariates: Sequence[str] | None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Keep-flags and covariates of points sampled from the nearest raster cell."""
    for dim in ("x", "y"):
        if dim not in habitat.coords:
            raise ValueError(f"habitat Dataset needs a '{dim}' coordinate (m); has {list(habitat.coords)}")
    ix, in_x = _axis_index(np.asarray(habitat["x"], dtype=float), x)
    iy, in_y = _axis_index(np.asarray(habitat["y"], dtype=float), y)
    keep = in_x & in_y
    if habitat_variable is None:
        names: list[str] = ["land"] if "land" in habitat.data_vars else []
    elif isinstance(habitat_variable, str):
        names = [habitat_variable]
    else:
        names = list(habitat_variable)
    for name in names:
        if name not in habitat.data_vars:
            raise KeyError(f"habitat has no variable {name!r}; variables: {sorted(habitat.data_vars)}")
        values = habitat[name].transpose("y", "x").to_numpy()[iy, ix]
        good = np.asarray(values, dtype=float)
        keep &= np.isfinite(good) & (good > 0.5 if values.dtype != bool else values.astype(bool))
    if covariates is None:
        covariates = [
            v
            for v, da in habitat.data_vars.items()
            if set(da.dims) == {"x", "y"}
            and v not in names
            and (np.issubdtype(da.dtype, np.number) or da.dtype == bool)
        ]
    data = {}
    for name in covariates:
        if name not in habitat.data_vars:
            raise KeyError(f"habitat has no covariate {name!r}; variables: {sorted(habitat.data_vars)}")
        data[name] = habitat[name].transpose("y", "x").to_numpy()[iy, ix]
    return keep, pd.DataFrame(data)


@renamed_parameters(buffer="buffer_m")
def make_mask(
    traps: Any,
    buffer_m: float = 100.0,
    spacing: float | None = None,
    nx: int = 64,
    type: str = "trapbuffer",
    habitat: xr.Dataset | None = None,
    habitat_variable: str | Sequence[str] | None = None,
    covariates: Sequence[str] | None = None,
) -> Mask:
    """Build a habitat mask around a detector array, as secr's ``make.mask``.

    Parameters
    ----------
    traps : pandas.DataFrame or array-like
        Detector coordinates: a DataFrame with ``x`` and ``y`` (m) or a ``(K, 2)`` array.
    buffer_m : float, default 100
        Width (m) of the margin around the detectors.
    spacing : float, optional
        Distance between mask points (m). Default: the width of the buffered x extent
        divided by ``nx`` (secr's default), i.e. ``(range(x) + 2 * buffer_m) / nx``.
    nx : int, default 64
        Number of cells across the buffered x extent when ``spacing`` is not given.
    type : {"trapbuffer", "traprect"}, default "trapbuffer"
        ``"traprect"`` keeps the whole rectangle of the trap extent plus the buffer;
        ``"trapbuffer"`` (what ``secr.fit(..., buffer = b)`` builds) keeps only points
        within ``buffer_m`` of at least one detector.
    habitat : xarray.Dataset, optional
        Habitat rasters with regular ``x``/``y`` coordinates (m) in the traps' CRS (as
        from :func:`nbtools.habitat.simulate_habitat`). Each mask point takes the values
        of the raster cell nearest to it; points outside the rasters are dropped.
    habitat_variable : str or sequence of str, optional
        Boolean (or 0/1 float) variable(s) of ``habitat`` that mark habitat; points where
        any of them is false, below 0.5 or NaN are dropped (like secr's ``poly`` with
        ``poly.habitat = TRUE``). Default: ``"land"`` when the Dataset has it, else none.
    covariates : sequence of str, optional
        Variables of ``habitat`` to attach as mask covariates. Default: every numeric
        or boolean 2-D variable other than the habitat variable(s) (so ``in_park`` can
        define a region for :meth:`SECRFit.region_n`).

    Returns
    -------
    Mask
        Points in secr's order (x varying fastest, then y, both ascending).

    Notes
    -----
    As secr 5: the grid runs from ``min(x) - buffer_m + spacing / 2`` in steps of
    ``spacing`` up to ``max(x) + buffer_m`` (R's ``seq``), and likewise in y with the same
    spacing; ``"trapbuffer"`` keeps points whose distance to the nearest trap is at most
    ``buffer_m``. For secr's ``captdata`` (traps 365-635 m, buffer 100 m) this gives 3,936
    points 7.34375 m apart.

    References
    ----------
    Efford, M. G. (2025) secr: Spatially explicit capture-recapture models. R package
    version 5.3.0, function ``make.mask``. https://CRAN.R-project.org/package=secr

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> grid = pd.DataFrame({"x": np.repeat([0.0, 50.0], 2), "y": np.tile([0.0, 50.0], 2)})
    >>> m = make_mask(grid, buffer_m=50, type="traprect", nx=10)
    >>> len(m), m.spacing, m.cell_area
    (100, 15.0, 0.0225)
    """
    if type not in _MASK_TYPES:
        raise ValueError(f"mask type must be one of {_MASK_TYPES}, got {type!r}")
    if not np.isfinite(buffer_m) or buffer_m < 0:
        raise ValueError(f"buffer must be a non-negative number of metres, got {buffer_m!r}")
    if nx < 1:
        raise ValueError(f"nx must be a positive integer, got {nx!r}")
    xy = _traps_xy(traps)
    xl = (xy[:, 0].min() - buffer_m, xy[:, 0].max() + buffer_m)
    yl = (xy[:, 1].min() - buffer_m, xy[:, 1].max() + buffer_m)
    if spacing is None:
        spacing = (xl[1] - xl[0]) / nx
    spacing = float(spacing)
    if not np.isfinite(spacing) or spacing <= 0:
        raise ValueError(
            f"mask spacing must be positive; got {spacing!r} (with one trap and buffer_m 0 give spacing explicitly)"
        )
    gx = _rseq(xl[0] + spacing / 2, xl[1], spacing)
    gy = _rseq(yl[0] + spacing / 2, yl[1], spacing)
    px = np.tile(gx, len(gy))
    py = np.repeat(gy, len(gx))
    keep = np.ones(len(px), bool)
    if type == "trapbuffer":
        keep &= _nearest_distance(np.column_stack([px, py]), xy) <= buffer_m
    cov = pd.DataFrame(index=np.arange(len(px)))
    if habitat is not None:
        in_habitat, cov = _sample_habitat(habitat, px, py, habitat_variable, covariates)
        keep &= in_habitat
    elif habitat_variable is not None or covariates is not None:
        raise ValueError("habitat_variable and covariates need a habitat Dataset")
    points = pd.concat([pd.DataFrame({"x": px, "y": py}), cov.reset_index(drop=True)], axis=1).loc[keep]
    if len(points) == 0:
        raise ValueError("the mask has no points: check buffer_m, spacing and the habitat variable")
    bad = [c for c in points.columns if points[c].dtype.kind == "f" and points[c].isna().any()]
    if bad:
        raise ValueError(f"mask covariates {bad} are NaN at some habitat points; fill them or leave them out")
    return Mask(points, spacing, type=type, buffer=float(buffer_m))
