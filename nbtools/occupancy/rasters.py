"""Occupancy over habitat rasters: :func:`predict_raster`, with the focal means that match the station covariates.

:func:`focal_mean` averages a raster over a disc around each cell centre, the value
:func:`nbtools.habitat.sample_at` returns at that centre, so a cell is predicted from the same kind
of covariate the model was fitted to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from .design import apply_standardisation, required_variables, split_formula
from .errors import OccupancyDataError, OccupancyError, show_labels
from .prediction import predict
from .result import OccupancyFit


def predict_raster(
    fit: OccupancyFit,
    habitat_ds: Any,
    standardisation: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    type: Literal["state", "det"] = "state",
    level: float = 0.95,
    *,
    buffer_m: float = 0.0,
    mask: str | Any | None = None,
):
    """Predict psi (or lambda, or p) with its SE and interval over a habitat grid.

    Parameters
    ----------
    fit : OccupancyFit
    habitat_ds : xarray.Dataset
        Habitat rasters as data variables on common dimensions (typically ``("y", "x")`` in
        metres); it must hold every covariate the ``type`` formula uses, in original units.
    standardisation : (means, sds), optional
        The means and SDs returned by :func:`standardise` for the station covariates the model was
        fitted with (``OccupancyData.standardisation``); variables named in ``means`` are scaled
        the same way before predicting.
    type : {"state", "det"}
    level : float, default 0.95
    buffer_m : float, default 0
        Radius (m) of the neighbourhood the station covariates were averaged over
        (:func:`nbtools.habitat.sample_at` with ``buffer_m``, as :func:`occupancy_data` does). Each
        cell's covariate becomes the mean over the cells whose centres lie within ``buffer_m`` of
        its centre (NaN ignored), exactly what ``sample_at`` returns at that cell's centre, so a
        cell is predicted from the same kind of value the model was fitted to. 0 uses the cell.
    mask : str or boolean xarray.DataArray, optional
        Cells to predict: the name of a boolean variable of ``habitat_ds`` (``"land"``,
        ``"in_park"``) or a boolean array on the grid. Cells outside it are NaN. Default: every cell
        whose covariates are not NaN.

    Returns
    -------
    xarray.Dataset
        ``Predicted``, ``SE``, ``lower``, ``upper`` on the grid of the rasters (coordinates kept).
        Cells where a covariate is NaN (no data) or outside ``mask`` are NaN.

    Notes
    -----
    The raster counterpart of unmarked's ``predict(fit, type = "state", newdata = <SpatRaster>)``.
    Predictions far outside the range of the station covariates are extrapolations; masking to the
    surveyed area (``mask="in_park"``) keeps a map honest.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import xarray as xr
    >>> grid = xr.Dataset({"forest": (("y", "x"), [[0.0, 1.0], [2.0, np.nan]])}, coords={"y": [1, 0], "x": [0, 1]})
    >>> y = np.array([[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 0], [0, 1, 1]])
    >>> fit = occu("~ 1 ~ forest", y, pd.DataFrame({"forest": [0.6, 0.1, 0.9, 0.8, 0.2, 0.5, 0.3, 0.4]}))
    >>> psi = predict_raster(fit, grid)["Predicted"]
    >>> psi.shape, bool(np.isnan(psi.values[1, 1]))
    ((2, 2), True)
    """
    import xarray as xr

    if not isinstance(habitat_ds, xr.Dataset):
        raise OccupancyError("habitat_ds must be an xarray.Dataset of habitat rasters")
    rhs = split_formula(fit.formula)[1 if type == "state" else 0]
    needed = required_variables(rhs)
    missing = [v for v in needed if v not in habitat_ds.data_vars]
    if missing:
        raise OccupancyDataError(
            f"the habitat rasters lack {show_labels(missing)} used by '~ {rhs}'; "
            f"they hold {show_labels(list(map(str, habitat_ds.data_vars)))}"
        )
    if needed:
        template = habitat_ds[needed[0]]
        for v in needed[1:]:
            if habitat_ds[v].dims != template.dims or habitat_ds[v].shape != template.shape:
                raise OccupancyDataError(
                    f"rasters {needed[0]!r} {template.dims} and {v!r} {habitat_ds[v].dims} are not on the same grid"
                )
    else:  # constant model: predict over the dataset's first variable's grid
        if not habitat_ds.data_vars:
            raise OccupancyDataError("habitat_ds has no data variables to take a grid from")
        template = habitat_ds[next(iter(habitat_ds.data_vars))]
    shape = template.shape
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise OccupancyError(f"buffer_m must be a distance >= 0 in metres, not {buffer_m!r}")
    columns = {}
    for v in needed:
        raster = habitat_ds[v]
        values = raster.values if buffer_m == 0 else focal_mean(raster.transpose(*template.dims), buffer_m)
        columns[v] = values.reshape(-1)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(template.size))
    if standardisation is not None:
        means, sds = standardisation
        frame = apply_standardisation(frame, means, sds)
    ok = ~frame.isna().any(axis=1).to_numpy() if needed else np.ones(template.size, bool)
    if mask is not None:
        ok &= _raster_mask(habitat_ds, mask, template)
    out = {k: np.full(template.size, np.nan) for k in ("Predicted", "SE", "lower", "upper")}
    if ok.any():
        pred = predict(fit, frame.loc[ok], type=type, level=level)
        for k in out:
            out[k][ok] = pred[k].to_numpy()
    what = ("psi" if fit.model == "occu" else "lambda") if type == "state" else ("p" if fit.model == "occu" else "r")
    coords = {name: coord for name, coord in template.coords.items() if set(coord.dims) <= set(template.dims)}
    ds = xr.Dataset({k: (template.dims, v.reshape(shape)) for k, v in out.items()}, coords=coords)
    ds.attrs.update(
        {"parameter": what, "formula": fit.formula, "model": fit.model, "level": level, "buffer_m": float(buffer_m)}
    )
    return ds


def focal_mean(data: Any, buffer_m: float) -> np.ndarray:
    """Mean of a ``(y, x)`` raster over a disc of radius ``buffer_m`` around each cell centre.

    The footprint is the set of cells whose centres lie within ``buffer_m`` of the centre (always
    including the centre), cells off the grid and NaN values are ignored: the value
    :func:`nbtools.habitat.sample_at` returns at that cell's centre.
    """
    from scipy import ndimage

    if data.ndim != 2 or len(data.dims) != 2:
        raise OccupancyDataError(f"buffer_m needs 2-D rasters; {data.name!r} has dimensions {data.dims}")
    ydim, xdim = data.dims
    gy = np.asarray(data[ydim].values, dtype=float)
    gx = np.asarray(data[xdim].values, dtype=float)
    if gy.size < 2 or gx.size < 2:
        raise OccupancyDataError("buffer_m needs rasters of at least 2 x 2 cells to know the cell size")
    dy, dx = abs(gy[1] - gy[0]), abs(gx[1] - gx[0])
    reach = int(np.ceil(buffer_m / min(dx, dy)))
    offset = np.arange(-reach, reach + 1)
    oy, ox = np.meshgrid(offset, offset, indexing="ij")
    footprint = np.hypot(oy * dy, ox * dx) <= buffer_m
    footprint[reach, reach] = True
    values = np.asarray(data.values, dtype=float)
    valid = ~np.isnan(values)
    weights = footprint.astype(float)
    total = ndimage.correlate(np.where(valid, values, 0.0), weights, mode="constant", cval=0.0)
    count = ndimage.correlate(valid.astype(float), weights, mode="constant", cval=0.0)
    count = np.rint(count)  # whole numbers of cells
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1.0), np.nan)


def _raster_mask(habitat_ds: Any, mask: Any, template: Any) -> np.ndarray:
    """The cells of ``template`` inside ``mask`` (a variable name or a boolean grid), flattened."""
    if isinstance(mask, str):
        if mask not in habitat_ds.data_vars:
            raise OccupancyDataError(
                f"mask {mask!r} is not a variable of the habitat rasters; they hold "
                f"{show_labels(list(map(str, habitat_ds.data_vars)))}"
            )
        mask = habitat_ds[mask]
    if hasattr(mask, "dims") and set(mask.dims) == set(template.dims):
        mask = mask.transpose(*template.dims)
    values = np.asarray(getattr(mask, "values", mask))
    if values.shape != template.shape:
        raise OccupancyDataError(f"mask has shape {values.shape} but the rasters have shape {template.shape}")
    if values.dtype != bool:
        if not np.isin(values[~pd.isna(values)], [0, 1]).all():
            raise OccupancyDataError("mask must be boolean (True where to predict)")
        values = np.nan_to_num(values.astype(float)) > 0.5
    return values.reshape(-1)
