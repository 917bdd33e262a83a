"""Detections aggregated onto a pixel grid with datashader: counts, counts by category, sums of weights.

Pure computation: every function takes a pandas or dask DataFrame of points with ``x``/``y`` in the study's
projected CRS (metres) and returns an :class:`xarray.DataArray` on a grid whose pixels are squares of a
chosen size snapped to multiples of that size, so that aggregates of different data sets line up cell for
cell. Drawing is in :mod:`nbtools.maps.layers`.

The grid follows datashader's binning: a point at ``x`` falls in column ``floor((x - x0) / size)``, the
grid's right and top edges belong to the last column and row, and points outside the bounds are not
counted (the functions report how many, never drop them silently).
"""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import datashader as ds
import numba
import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["Grid", "grid_for", "aggregate_points", "hour_of_day", "activity_surface"]


@dataclass(frozen=True)
class Grid:
    """A pixel grid in projected coordinates.

    Attributes
    ----------
    x0, y0 : float
        Lower-left corner (m).
    size : float
        Pixel side (m).
    width, height : int
        Number of columns and rows.
    """

    x0: float
    y0: float
    size: float
    width: int
    height: int

    @property
    def x_range(self) -> tuple[float, float]:
        return (self.x0, self.x0 + self.size * self.width)

    @property
    def y_range(self) -> tuple[float, float]:
        return (self.y0, self.y0 + self.size * self.height)

    @property
    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixel edges along x and y (m), ``width + 1`` and ``height + 1`` values."""
        return (self.x0 + self.size * np.arange(self.width + 1), self.y0 + self.size * np.arange(self.height + 1))

    @property
    def pixel_area_km2(self) -> float:
        return self.size**2 / 1e6

    def canvas(self) -> ds.Canvas:
        """The datashader canvas of this grid."""
        return ds.Canvas(plot_width=self.width, plot_height=self.height, x_range=self.x_range, y_range=self.y_range)


def grid_for(bounds: tuple[float, float, float, float], size: float) -> Grid:
    """The grid of square pixels of ``size`` metres covering ``bounds``, snapped to multiples of ``size``.

    Parameters
    ----------
    bounds : tuple of float
        ``(xmin, ymin, xmax, ymax)`` in metres, e.g. ``boundary.bounds`` of the park.
    size : float
        Pixel side in metres (> 0).

    Examples
    --------
    >>> grid_for((1_234.0, 0.0, 5_000.0, 2_001.0), 1000)
    Grid(x0=1000.0, y0=0.0, size=1000.0, width=4, height=3)
    """
    if not (isinstance(size, (int, float)) and math.isfinite(size) and size > 0):
        raise ValueError(f"pixel size must be a positive number of metres, not {size!r}")
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    if not all(math.isfinite(b) for b in (xmin, ymin, xmax, ymax)) or xmax < xmin or ymax < ymin:
        raise ValueError(f"bounds must be finite (xmin, ymin, xmax, ymax) with xmin <= xmax and ymin <= ymax, not {bounds!r}")
    x0, y0 = math.floor(xmin / size) * size, math.floor(ymin / size) * size
    width = max(1, math.ceil((xmax - x0) / size))
    height = max(1, math.ceil((ymax - y0) / size))
    # a maximum that falls on an edge still belongs to the grid (datashader counts the last edge in)
    return Grid(float(x0), float(y0), float(size), int(width), int(height))


def _is_dask(frame: Any) -> bool:
    return type(frame).__module__.startswith("dask")


def _bounds_of(points: Any, x: str, y: str) -> tuple[float, float, float, float]:
    if _is_dask(points):
        import dask

        lo_x, hi_x, lo_y, hi_y = dask.compute(points[x].min(), points[x].max(), points[y].min(), points[y].max())
    else:
        lo_x, hi_x, lo_y, hi_y = points[x].min(), points[x].max(), points[y].min(), points[y].max()
    return (float(lo_x), float(lo_y), float(hi_x), float(hi_y))


def _check_columns(points: Any, columns: list[str]) -> None:
    missing = [c for c in columns if c not in points.columns]
    if missing:
        raise KeyError(f"the points have no column {', '.join(map(repr, missing))} (columns: {', '.join(map(str, points.columns))})")


def aggregate_points(
    points: pd.DataFrame | Any,
    x: str = "x",
    y: str = "y",
    *,
    by: str | None = None,
    weight: str | None = None,
    grid: Grid | None = None,
    size: float = 500.0,
    bounds: tuple[float, float, float, float] | None = None,
    account: bool = True,
) -> xr.DataArray:
    """Count (or sum weights of) points per pixel with datashader, optionally per category.

    Parameters
    ----------
    points : pandas.DataFrame or dask.dataframe.DataFrame
        One row per detection (or fix), with projected coordinates in metres.
    x, y : str
        Coordinate columns.
    by : str, optional
        A categorical column (species, sex, hour of day): the result gains a last dimension with one layer
        per category (datashader's ``by``/``count_cat``), and the layers sum to the plain aggregate.
    weight : str, optional
        Sum this column instead of counting rows (e.g. events per trap-night).
    grid : Grid, optional
        The pixel grid; default :func:`grid_for` of ``bounds`` (or of the points' extent) and ``size``.
    size : float, default 500
        Pixel side in metres when ``grid`` is not given.
    bounds : tuple of float, optional
        ``(xmin, ymin, xmax, ymax)`` in metres when ``grid`` is not given.
    account : bool, default True
        Count the points without coordinates and outside the grid (``attrs``). On pandas input this is one
        pass over the coordinates in a second thread beside datashader's (no extra time with a free core);
        on a dask DataFrame read from disk it costs a second read of the two coordinate columns, which
        ``account=False`` skips (the counts are then ``None``).

    Returns
    -------
    xarray.DataArray
        Dimensions ``(y, x)`` or ``(y, x, by)``; coordinates are pixel centres (m). Counts are ``uint32``
        (as datashader returns them), sums ``float64`` (0 where no point fell). ``attrs`` hold the grid, the number of points
        aggregated (``n_points``), the number outside the grid (``n_outside``, not counted) and of rows
        without coordinates (``n_missing``, not counted).

    Raises
    ------
    KeyError
        A named column is missing.
    ValueError
        ``by`` is not categorical with known categories (dask), or the grid is empty.
    """
    columns = [x, y] + [c for c in (by, weight) if c is not None]
    _check_columns(points, columns)
    dask_input = _is_dask(points)
    if by is not None:
        dtype = points[by].dtype
        if not isinstance(dtype, pd.CategoricalDtype):
            if dask_input:
                raise ValueError(f"column {by!r} must be categorical with known categories for dask input (use .astype('category').cat.as_known())")
            points = points.assign(**{by: points[by].astype("category")})
        elif dask_input and not points[by].cat.known:
            points = points.assign(**{by: points[by].cat.as_known()})
    if grid is None:
        grid = grid_for(bounds if bounds is not None else _bounds_of(points, x, y), size)
    reduction = ds.sum(weight) if weight is not None else ds.count()
    if by is not None:
        reduction = ds.by(by, reduction)
    with ThreadPoolExecutor(max_workers=1) as beside:
        # pandas: the row accounting runs beside datashader (numba releases the GIL), so a second core hides it
        counting = beside.submit(_accounting, points, x, y, grid) if account and not dask_input else None
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="All-NaN slice encountered")
            agg = grid.canvas().points(points, x, y, agg=reduction)
        if account:
            total, missing, inside = counting.result() if counting is not None else _accounting(points, x, y, grid)
    agg = agg.rename({x: "x", y: "y"}) if x != "x" or y != "y" else agg
    if weight is not None:
        agg = agg.fillna(0.0)  # datashader leaves empty pixels NaN; a sum over no detections is 0
    if account:
        counted = int(agg.sum()) if weight is None else inside  # a count: what datashader counted
        accounting = {"n_points": total, "n_missing": missing, "n_outside": total - missing - counted}
    else:
        accounting = {"n_points": None, "n_missing": None, "n_outside": None}
    agg.attrs.update({
        "grid": grid, "pixel_size_m": grid.size, **accounting,
        "units": f"{weight} per pixel" if weight else "points per pixel",
    })
    agg.name = weight or "count"
    return agg


def _accounting(points: Any, x: str, y: str, grid: Grid) -> tuple[int, int, int]:
    """Rows, rows without coordinates and rows inside the grid, in one pass over the coordinates."""
    (x0, x1), (y0, y1) = grid.x_range, grid.y_range
    if _is_dask(points):
        import dask

        xy = points[[x, y]]
        missing = xy.isna().any(axis=1)
        inside = (xy[x] >= x0) & (xy[x] <= x1) & (xy[y] >= y0) & (xy[y] <= y1)
        total, n_missing, n_inside = dask.compute(xy.shape[0], missing.sum(), inside.sum())
        return int(total), int(n_missing), int(n_inside)
    xv = points[x].to_numpy(dtype="float64", na_value=np.nan)
    yv = points[y].to_numpy(dtype="float64", na_value=np.nan)
    n_missing, n_inside = _count_missing_inside(xv, yv, x0, x1, y0, y1)
    return len(points), int(n_missing), int(n_inside)


@numba.njit(cache=True, nogil=True)
def _count_missing_inside(xv: np.ndarray, yv: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> tuple[int, int]:
    """Points with a NaN coordinate, and points inside [x0, x1] x [y0, y1], in one pass without temporaries."""
    missing = inside = 0
    for i in range(xv.shape[0]):
        a, b = xv[i], yv[i]
        if a != a or b != b:
            missing += 1
        elif x0 <= a <= x1 and y0 <= b <= y1:
            inside += 1
    return missing, inside


def hour_of_day(timestamps: pd.Series, tz: str) -> pd.Series:
    """The local hour (0-23) of each timestamp as an ordered categorical, for ``aggregate_points(by=...)``.

    Parameters
    ----------
    timestamps : pandas.Series
        Timezone-aware timestamps.
    tz : str
        The study's time zone (e.g. ``"Asia/Vladivostok"``).
    """
    if not isinstance(timestamps.dtype, pd.DatetimeTZDtype):
        raise ValueError("timestamps must be timezone-aware (datetime64[ns, tz]); localise them first")
    hours = timestamps.dt.tz_convert(tz).dt.hour
    return pd.Series(pd.Categorical(hours, categories=range(24), ordered=True), index=timestamps.index, name="hour")


def activity_surface(
    agg: xr.DataArray,
    bandwidth_m: float,
    effort: xr.DataArray | None = None,
    min_effort_share: float = 0.1,
) -> xr.DataArray:
    """A smoothed activity surface from an aggregate: a Gaussian kernel of ``bandwidth_m`` metres.

    Parameters
    ----------
    agg : xarray.DataArray
        Output of :func:`aggregate_points`; a ``by`` dimension is smoothed layer by layer.
    bandwidth_m : float
        Standard deviation of the Gaussian kernel (m).
    effort : xarray.DataArray, optional
        Effort on the same grid (e.g. trap-nights per pixel, themselves from ``aggregate_points(weight=...)``),
        smoothed with the same kernel; the result is then smoothed detections per smoothed effort
        (detections per trap-night).
    min_effort_share : float, default 0.1
        With effort: pixels whose smoothed effort is below this share of its maximum are NaN (no
        estimate), since far from every camera the ratio of two vanishing tails only repeats the nearest
        camera's rate. With cameras on a regular grid and ``bandwidth_m`` near their spacing, 0.1 leaves out
        pixels more than about two bandwidths beyond the outermost cameras.

    Returns
    -------
    xarray.DataArray
        Without effort: detections per km2 (the kernel's mass outside the grid is lost, so the surface
        integrates to slightly less than the count near the edges). With effort: detections per unit effort.
    """
    from scipy.ndimage import gaussian_filter

    if not (math.isfinite(bandwidth_m) and bandwidth_m > 0):
        raise ValueError(f"bandwidth must be a positive number of metres, not {bandwidth_m!r}")
    grid: Grid = agg.attrs["grid"]
    sigma = bandwidth_m / grid.size
    spatial_sigma = [sigma if dim in ("x", "y") else 0 for dim in agg.dims]
    values = gaussian_filter(agg.values.astype(float), sigma=spatial_sigma, mode="constant")
    attrs = {k: v for k, v in agg.attrs.items() if k != "units"}
    attrs["bandwidth_m"] = bandwidth_m
    if effort is None:
        attrs["units"] = "detections per km2"
        return agg.copy(data=values / grid.pixel_area_km2).assign_attrs(attrs)
    if effort.shape != agg.shape[:2]:
        raise ValueError(f"effort has shape {effort.shape}, the aggregate's grid is {agg.shape[:2]}")
    smoothed_effort = gaussian_filter(effort.values.astype(float), sigma=sigma, mode="constant")
    if not 0 <= min_effort_share < 1:
        raise ValueError(f"min_effort_share must be in [0, 1), not {min_effort_share!r}")
    floor = max(min_effort_share, 1e-9) * smoothed_effort.max() if smoothed_effort.size else 0.0
    denominator = np.where(smoothed_effort > floor, smoothed_effort, np.nan)
    if values.ndim == 3:
        denominator = denominator[..., None]
    attrs["units"] = "detections per unit effort"
    attrs["min_effort_share"] = min_effort_share
    return agg.copy(data=values / denominator).assign_attrs(attrs)
