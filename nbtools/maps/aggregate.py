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
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import datashader as ds
import numba
import numpy as np
import pandas as pd
import xarray as xr

from nbtools._deprecate import renamed_parameters

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
        raise ValueError(
            f"bounds must be finite (xmin, ymin, xmax, ymax) with xmin <= xmax and ymin <= ymax, not {bounds!r}"
        )
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
        raise KeyError(
            f"the points have no column {', '.join(map(repr, missing))} (columns: {', '.join(map(str, points.columns))})"
        )


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
        Count the points without coordinates and outside the grid (``attrs``). For counts this is derived from
        the aggregate: the points counted are its sum, so when that is every row nothing is missing or outside
        and no pass over the data is made (on a dask DataFrame, when dask knows the number of rows without
        reading, as from Parquet metadata); otherwise one pass over the two coordinate columns counts the rows
        without coordinates (on pandas input a branch-free loop over the columns as they are, about a seventh
        of datashader's time; on a dask DataFrame a second read of the two columns), and outside is the rest.
        For sums of weights, which do not tell how many points fell in, the pass always runs: beside
        datashader in a second thread on pandas input (no extra time with a free core), a second read on dask.
        ``account=False`` skips it all (the counts are then ``None``).

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
                raise ValueError(
                    f"column {by!r} must be categorical with known categories for dask input (use .astype('category').cat.as_known())"
                )
            points = points.assign(**{by: points[by].astype("category")})
        elif dask_input and not points[by].cat.known:
            points = points.assign(**{by: points[by].cat.as_known()})
    if grid is None:
        grid = grid_for(bounds if bounds is not None else _bounds_of(points, x, y), size)
    reduction = ds.sum(weight) if weight is not None else ds.count()
    if by is not None:
        reduction = ds.by(by, reduction)
    canvas = grid.canvas()
    if not account:
        agg = _points_on(canvas, points, x, y, reduction)
        accounting = {"n_points": None, "n_missing": None, "n_outside": None}
    elif dask_input:
        agg = _points_on(canvas, points, x, y, reduction)
        accounting = _dask_accounting(points, x, y, grid, None if weight is not None else _total_count(agg))
    elif weight is not None:
        # a sum of weights says nothing of how many points fell in: count them in one pass over the coordinates,
        # beside datashader when there is a second core to take it (numba releases the GIL)
        xv, yv = _coordinate_arrays(points, x, y)
        (x0, x1), (y0, y1) = grid.x_range, grid.y_range
        if len(points) >= _BESIDE_MIN_ROWS and _usable_cpus() > 1:
            with ThreadPoolExecutor(max_workers=1) as beside:
                counting = beside.submit(_count_missing_inside, xv, yv, x0, x1, y0, y1)
                agg = _points_on(canvas, points, x, y, reduction)
                missing, inside = counting.result()
        else:
            agg = _points_on(canvas, points, x, y, reduction)
            missing, inside = _count_missing_inside(xv, yv, x0, x1, y0, y1)
        total = len(points)
        accounting = {"n_points": total, "n_missing": int(missing), "n_outside": total - int(missing) - int(inside)}
    else:
        # counts: what datashader counted is the aggregate's sum, so when it is every row nothing is missing or
        # outside and no pass over the data is needed; otherwise one pass counts the rows without coordinates
        agg = _points_on(canvas, points, x, y, reduction)
        total, counted = len(points), _total_count(agg)
        missing = 0 if counted == total else _count_missing(*_coordinate_arrays(points, x, y))
        accounting = {"n_points": total, "n_missing": missing, "n_outside": total - missing - counted}
    agg = agg.rename({x: "x", y: "y"}) if x != "x" or y != "y" else agg
    if weight is not None:
        agg = agg.fillna(0.0)  # datashader leaves empty pixels NaN; a sum over no detections is 0
    agg.attrs.update(
        {
            "grid": grid,
            "pixel_size_m": grid.size,
            **accounting,
            "units": f"{weight} per pixel" if weight else "points per pixel",
        }
    )
    agg.name = weight or "count"
    return agg


_BESIDE_MIN_ROWS = 1_000_000  # below this a thread costs more than the pass it would hide


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _points_on(canvas: ds.Canvas, points: Any, x: str, y: str, reduction: Any) -> xr.DataArray:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All-NaN slice encountered")
        return canvas.points(points, x, y, agg=reduction)


def _total_count(agg: xr.DataArray) -> int:
    """The number of points datashader counted into a count aggregate (all categories)."""
    return int(agg.values.sum(dtype=np.int64))


def _coordinate_arrays(points: pd.DataFrame, x: str, y: str) -> tuple[np.ndarray, np.ndarray]:
    """The coordinate columns as numpy arrays, without a copy when they are numpy numbers (as datashader needs)."""
    return _as_array(points[x]), _as_array(points[y])


def _as_array(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "fiu":
        return column.to_numpy()  # a view; integers have no NaN and compare as exactly as float64
    return column.to_numpy(dtype="float64", na_value=np.nan)


def _dask_accounting(points: Any, x: str, y: str, grid: Grid, counted: int | None) -> dict[str, int]:
    """Rows, rows without coordinates and rows outside the grid of a dask DataFrame.

    ``counted`` is what datashader counted (the aggregate's sum; ``None`` for sums of weights). When it equals the
    number of rows and that number is known without reading the data (Parquet metadata, ``from_pandas``), nothing
    is read again; otherwise one more pass over the two coordinate columns counts what is needed.
    """
    total = _known_length(points)
    if counted is not None and total is not None and counted == total:
        return {"n_points": total, "n_missing": 0, "n_outside": 0}
    (x0, x1), (y0, y1) = grid.x_range, grid.y_range
    meta = pd.DataFrame(
        {"rows": pd.Series(dtype="int64"), "missing": pd.Series(dtype="int64"), "inside": pd.Series(dtype="int64")}
    )
    tallies = points[[x, y]].map_partitions(_tally_partition, x, y, (x0, x1, y0, y1), meta=meta)
    rows, missing, inside = (int(v) for v in tallies.sum().compute()[["rows", "missing", "inside"]])
    counted = inside if counted is None else counted
    return {"n_points": rows, "n_missing": missing, "n_outside": rows - missing - counted}


def _tally_partition(part: pd.DataFrame, x: str, y: str, bounds: tuple[float, float, float, float]) -> pd.DataFrame:
    missing, inside = _count_missing_inside(*_coordinate_arrays(part, x, y), *bounds)
    return pd.DataFrame({"rows": [len(part)], "missing": [int(missing)], "inside": [int(inside)]})


def _known_length(frame: Any) -> int | None:
    """The number of rows of a dask DataFrame when dask knows it without computing (Parquet metadata, from_pandas)."""
    try:
        from dask.dataframe.dask_expr._expr import Literal
        from dask.dataframe.dask_expr._reductions import Len

        length = Len(frame.expr).simplify()
    except Exception:  # another dask: count the rows in the pass that counts the rest
        return None
    return int(length.value) if isinstance(length, Literal) else None


@numba.njit(cache=True, nogil=True)
def _count_missing(xv: np.ndarray, yv: np.ndarray) -> int:
    """Rows with a NaN coordinate, in one pass without branches or temporaries."""
    missing = 0
    for i in range(xv.shape[0]):
        a, b = xv[i], yv[i]
        missing += (a != a) | (b != b)
    return missing


@numba.njit(cache=True, nogil=True)
def _count_missing_inside(
    xv: np.ndarray, yv: np.ndarray, x0: float, x1: float, y0: float, y1: float
) -> tuple[int, int]:
    """Rows with a NaN coordinate, and rows inside [x0, x1] x [y0, y1] (datashader's test), in one pass."""
    missing = inside = 0
    for i in range(xv.shape[0]):
        a, b = xv[i], yv[i]
        missing += (a != a) | (b != b)
        inside += (x0 <= a) & (a <= x1) & (y0 <= b) & (b <= y1)
    return missing, inside


@renamed_parameters(tz="timezone")
def hour_of_day(timestamps: pd.Series, timezone: str) -> pd.Series:
    """The local hour (0-23) of each timestamp as an ordered categorical, for ``aggregate_points(by=...)``.

    Parameters
    ----------
    timestamps : pandas.Series
        Timezone-aware timestamps.
    timezone : str
        The study's time zone (e.g. ``"Asia/Vladivostok"``).
    """
    if not isinstance(timestamps.dtype, pd.DatetimeTZDtype):
        raise ValueError("timestamps must be timezone-aware (datetime64[ns, timezone]); localise them first")
    hours = timestamps.dt.tz_convert(timezone).dt.hour
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
