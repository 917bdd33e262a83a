"""Density surfaces for maps: the realised surface (secr's ``fxTotal``) and the expected surface of a density model.

A model with constant density (``D ~ 1``) has a flat expected surface: it says how many animals
there are, not where. Two surfaces do say where:

* the **realised** surface (:func:`realised_surface`): each detected animal's posterior
  distribution of its activity centre (secr's ``fxi``) plus the expected density of the
  animals that were not detected, D(x) (1 - p.(x)) (secr's ``fxTotal``, computed by
  :func:`nbtools.secr.fx_total`). Near the cameras it shows where the detected animals live;
  far from them it falls back to the fitted density. It integrates to the realised number of
  animals in the mask (secr's ``region.N``, R.N);
* the **expected** surface of a habitat model (:func:`expected_surface`): the fitted density
  D(x) = exp(b0 + b1 z1(x) + ...) of a model in mask covariates (forest cover, a prey index),
  which integrates to the expected number E.N in the mask.

Both are ``xarray.DataArray`` on the mask's regular grid in the study's projected CRS
(``x``, ``y`` in m; NaN off the mask) in animals per 100 km2, the unit of big-cat surveys.
For a multi-session fit (:class:`nbtools.secr.MultiSessionFit`) they are computed per
session and stacked along a ``session`` dimension on one grid. :func:`surface_total`
integrates a surface back to a number of animals and :func:`activity_centres` gives the
detected animals' estimated centres for overlays.

>>> from nbtools.secr import realised_surface, surface_total   # doctest: +SKIP
>>> surface = realised_surface(fit, crs=study.crs)                # doctest: +SKIP
>>> surface_total(surface)                                        # doctest: +SKIP

References
----------
Efford, M. G. (2025) secr 5.3.0, ``fxi``, ``fxTotal`` and ``predictDsurface``.
https://CRAN.R-project.org/package=secr

Borchers, D. L. and Efford, M. G. (2008) Spatially explicit maximum likelihood methods for
capture-recapture studies. Biometrics 64, 377-385.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .mask import Mask
from .realised import fx_total, fxi
from .result import SECRFit
from .sessions import MultiSessionFit

__all__ = [
    "SURFACE_UNITS",
    "activity_centres",
    "expected_surface",
    "realised_surface",
    "stack_sessions",
    "surface_total",
]

#: Units of every surface of this module: animals per 100 km2 (= per 10,000 ha).
SURFACE_UNITS = "animals / 100 km2"
_HA_PER_100KM2 = 10_000.0
_M2_PER_100KM2 = 1e8

#: The parts of the realised surface and the columns of :func:`nbtools.secr.fx_total` holding them.
_PARTS = {
    "total": ("D.sum", "realised density (detected + undetected animals)"),
    "detected": ("D.fx", "density of the detected animals (their activity-centre distributions)"),
    "undetected": ("D.nc", "expected density of undetected animals, D(x) (1 - p.(x))"),
}


# ---------------------------------------------------------------------------- sessions of a fit
def _check_fit(fit: Any) -> None:
    if not isinstance(fit, SECRFit | MultiSessionFit):
        raise TypeError(f"expected an SECRFit or a MultiSessionFit, got {type(fit).__name__}")


def _session_label(fit: SECRFit | MultiSessionFit, session: Any) -> str | None:
    """The session label as the fit spells it (None for a single-session fit)."""
    if isinstance(fit, SECRFit):
        if session is not None:
            raise ValueError("session applies to multi-session fits only")
        return None
    label = str(session)
    if label not in fit.sessions:
        raise KeyError(f"no session {label!r}; the fit has sessions {fit.sessions}")
    return label


def _session_mask(fit: SECRFit | MultiSessionFit, label: str | None) -> Mask:
    return fit.mask if isinstance(fit, SECRFit) else fit.masks[label]


def _expected_density(fit: SECRFit | MultiSessionFit, label: str | None) -> np.ndarray:
    """Fitted density D(x) at the session's mask points (animals / ha), all classes together."""
    if isinstance(fit, SECRFit):
        lik, beta = fit._lik, fit._beta
    else:
        s = fit.sessions.index(label)
        lik, beta = fit._lik.sessions[s], fit._lik.maps[s] @ fit._beta
    log_density = lik.unpack(beta)[0]
    return np.exp(log_density)


def _per_session(
    fit: SECRFit | MultiSessionFit, session: Any, panel: Callable[[str | None], xr.DataArray], crs: str | None
) -> xr.DataArray:
    """One panel (single-session fit or one session) or all sessions stacked along ``session``."""
    _check_fit(fit)
    if isinstance(fit, MultiSessionFit) and session is None:
        out = stack_sessions({label: panel(label) for label in fit.sessions})
    else:
        label = _session_label(fit, session)
        out = panel(label)
        if label is not None:
            out = out.assign_coords(session=label)
    if crs is not None:
        out.attrs["crs"] = str(crs)
    return out


def _attrs(long_name: str, fit: SECRFit | MultiSessionFit, **extra: str) -> dict[str, str]:
    return {"units": SURFACE_UNITS, "long_name": long_name, "density_model": f"D {fit.density_formula}", **extra}


# ---------------------------------------------------------------------------- surfaces
def realised_surface(
    fit: SECRFit | MultiSessionFit, session: Any = None, part: str = "total", crs: str | None = None
) -> xr.DataArray:
    """Realised density of a fitted SECR model on its mask grid (secr's ``fxTotal``), per 100 km2.

    Parameters
    ----------
    fit : SECRFit or MultiSessionFit
        A fitted model; the surface is computed on its mask (each session's mask).
    session : optional
        Session label of a multi-session fit. Default: every session, stacked along a
        ``session`` dimension (a single-session fit has no sessions).
    part : {"total", "detected", "undetected"}, default "total"
        ``"detected"``: the detected animals' activity-centre distributions (secr's
        ``D.fx``; integrates to the n animals detected); ``"undetected"``: the expected
        density of animals not detected, D(x) (1 - p.(x)) (``D.nc``); ``"total"``: their
        sum (``D.sum``), integrating to the realised number R.N in the mask.
    crs : str, optional
        CRS of the mask coordinates (the study's, e.g. ``study.crs``), kept in ``attrs["crs"]``.

    Returns
    -------
    xarray.DataArray
        Named ``density``, dimensions ``y`` (north up), ``x`` (cell centres, m), with
        ``session`` first for all sessions of a multi-session fit; NaN off the mask;
        values in animals / 100 km2 (``attrs["units"]``). ``attrs`` also hold ``part``,
        ``long_name`` and ``density_model``.

    See Also
    --------
    nbtools.secr.fx_total : the same values, one row per mask point, in animals / ha.
    surface_total : the number of animals a surface holds.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from nbtools.secr import make_mask, sim_popn, sim_capthist, secr_fit, fx_total
    >>> traps = pd.DataFrame({"x": np.tile(np.arange(5) * 20.0, 5), "y": np.repeat(np.arange(5) * 20.0, 5)})
    >>> mask = make_mask(traps, 80.0)
    >>> ch = sim_capthist(traps, sim_popn(mask, density=20, seed=1), detectfn="HHN", lambda0=0.3,
    ...                   sigma=15, noccasions=5, seed=2)
    >>> fit = secr_fit(ch, mask=mask, detectfn="HHN", progress=False)
    >>> surface = realised_surface(fit)
    >>> surface.dims, surface.attrs["units"]
    (('y', 'x'), 'animals / 100 km2')
    >>> bool(np.isclose(surface_total(surface), fx_total(fit).attrs["total"]))
    True
    """
    if part not in _PARTS:
        raise ValueError(f"part must be one of {list(_PARTS)}, got {part!r}")
    column, long_name = _PARTS[part]

    def panel(label: str | None) -> xr.DataArray:
        values = fx_total(fit, label)[column].to_numpy() * _HA_PER_100KM2
        return _session_mask(fit, label).to_dataarray(values, name="density", attrs=_attrs(long_name, fit, part=part))

    return _per_session(fit, session, panel, crs)


def expected_surface(fit: SECRFit | MultiSessionFit, session: Any = None, crs: str | None = None) -> xr.DataArray:
    """Expected density D(x) of a fitted SECR model on its mask grid, per 100 km2 (secr's ``predictDsurface``).

    For a habitat model (density log-linear in mask covariates, e.g.
    ``secr_fit(..., density="~ forest_cover + prey_index")``) this is the density the habitat
    predicts at each mask point; for ``D ~ 1`` it is flat. It integrates to the expected
    number of animals in the mask (E.N of :meth:`nbtools.secr.SECRFit.region_n`).

    Parameters
    ----------
    fit : SECRFit or MultiSessionFit
    session : optional
        Session label of a multi-session fit. Default: every session, stacked along ``session``.
    crs : str, optional
        CRS of the mask coordinates, kept in ``attrs["crs"]``.

    Returns
    -------
    xarray.DataArray
        As :func:`realised_surface` (name ``density``; dimensions ``y``, ``x``, with
        ``session`` first for all sessions; NaN off the mask; animals / 100 km2), ``attrs["part"]``
        ``"expected"``. With classes (sex) the classes are summed: D is the density of all animals.
    """

    def panel(label: str | None) -> xr.DataArray:
        values = _expected_density(fit, label) * _HA_PER_100KM2
        attrs = _attrs("expected density of the fitted model", fit, part="expected")
        return _session_mask(fit, label).to_dataarray(values, name="density", attrs=attrs)

    return _per_session(fit, session, panel, crs)


def stack_sessions(panels: dict[str, xr.DataArray]) -> xr.DataArray:
    """Surfaces of several sessions on one grid, stacked along a ``session`` dimension.

    Parameters
    ----------
    panels : dict of session label to DataArray
        2-D surfaces (``y``, ``x`` in m, as :meth:`nbtools.secr.Mask.to_dataarray` makes them)
        with the same cell size; their grids may cover different extents (a mask per
        session) but must lie on one lattice.

    Returns
    -------
    xarray.DataArray
        Dimensions ``session``, ``y`` (descending), ``x`` over the union of the grids,
        NaN where a session's mask has no point; the first panel's name and attrs.

    Raises
    ------
    ValueError
        When the grids have different cell sizes or are offset from each other by a
        fraction of a cell (build the masks on one lattice, e.g. one mask for all sessions).
    """
    if not panels:
        raise ValueError("no surfaces to stack")
    labels = list(panels)
    steps = {label: _grid_step(da) for label, da in panels.items()}
    step = steps[labels[0]]
    different = [label for label, s in steps.items() if not np.isclose(s, step, rtol=1e-9)]
    if different:
        raise ValueError(f"sessions {different} have cells of {[steps[s] for s in different]} m, not {step} m")
    x0 = min(float(da["x"].min()) for da in panels.values())
    y0 = min(float(da["y"].min()) for da in panels.values())
    index = {}
    for label, da in panels.items():
        ix, iy = (da["x"].to_numpy() - x0) / step, (da["y"].to_numpy() - y0) / step
        offset = max(np.abs(ix - np.rint(ix)).max(), np.abs(iy - np.rint(iy)).max())
        if offset > 1e-6:
            raise ValueError(
                f"the grid of session {label!r} is offset by {offset * step:.6g} m from the others: build the "
                "sessions' masks on one lattice (e.g. one mask for all sessions)"
            )
        index[label] = (np.rint(ix).astype(np.int64), np.rint(iy).astype(np.int64))
    nx = 1 + max(int(ix.max()) for ix, _ in index.values())
    ny = 1 + max(int(iy.max()) for _, iy in index.values())
    data = np.full((len(labels), ny, nx), np.nan)
    for k, label in enumerate(labels):
        ix, iy = index[label]
        data[k][np.ix_(ny - 1 - iy, ix)] = panels[label].transpose("y", "x").to_numpy()
    first = panels[labels[0]]
    coords = {
        "session": ("session", labels),
        "y": ("y", y0 + step * np.arange(ny)[::-1], {"units": "m"}),
        "x": ("x", x0 + step * np.arange(nx), {"units": "m"}),
    }
    return xr.DataArray(data, dims=("session", "y", "x"), coords=coords, name=first.name, attrs=dict(first.attrs))


def _grid_step(surface: xr.DataArray) -> float:
    """Cell size (m) of a regular surface; needs two cells along x or y."""
    for dim in ("x", "y"):
        values = surface[dim].to_numpy()
        if len(values) > 1:
            return float(abs(values[1] - values[0]))
    raise ValueError("a surface of one cell has no cell size: give a grid with at least two cells")


def surface_total(surface: xr.DataArray) -> float | pd.Series:
    """Number of animals a density surface holds: the sum over its cells of density x cell area.

    Parameters
    ----------
    surface : xarray.DataArray
        A surface of this module (``y``, ``x`` in m on a regular grid; NaN cells count as
        empty), in animals / 100 km2 or animals / ha (``attrs["units"]``), optionally with
        a ``session`` dimension.

    Returns
    -------
    float or pandas.Series
        Animals (a Series indexed by session for a stacked surface).
    """
    units = surface.attrs.get("units", SURFACE_UNITS)
    per_m2 = {SURFACE_UNITS: 1 / _M2_PER_100KM2, "animals / ha": 1 / 10_000.0}
    if units not in per_m2:
        raise ValueError(f"surface units must be {list(per_m2)}, got {units!r}")
    step = _grid_step(surface)
    totals = surface.sum(dim=("y", "x"), skipna=True) * step**2 * per_m2[units]
    if "session" in totals.dims:
        return totals.to_series().rename("N")
    return float(totals)


# ---------------------------------------------------------------------------- detected animals
def activity_centres(fit: SECRFit | MultiSessionFit, session: Any = None) -> pd.DataFrame:
    """Estimated activity centre of each detected animal: the mean and the mode of its posterior (secr's ``fxi``).

    Parameters
    ----------
    fit : SECRFit or MultiSessionFit
    session : optional
        Session label of a multi-session fit. Default: every session, one after the other.

    Returns
    -------
    pandas.DataFrame
        One row per detected animal (index ``ID``): ``x``, ``y`` (posterior mean, m),
        ``x_mode``, ``y_mode`` (the mask point of highest posterior probability, as secr's
        ``fxiMode``), ``sd`` (posterior standard deviation of the distance from the mean, m)
        and the animal's individual covariates (e.g. ``sex``); with ``session`` first for
        the sessions of a multi-session fit.
    """
    _check_fit(fit)
    if isinstance(fit, MultiSessionFit) and session is None:
        parts = [activity_centres(fit, label).reset_index() for label in fit.sessions]
        return pd.concat(parts, ignore_index=True)
    label = _session_label(fit, session)
    mask = _session_mask(fit, label)
    post = fxi(fit, label)  # mask points x animals, columns sum to 1
    weights = post.to_numpy()
    x = mask.x @ weights
    y = mask.y @ weights
    spread = ((mask.x[:, None] - x) ** 2 + (mask.y[:, None] - y) ** 2) * weights
    mode = weights.argmax(axis=0)
    table = pd.DataFrame(
        {"x": x, "y": y, "x_mode": mask.x[mode], "y_mode": mask.y[mode], "sd": np.sqrt(spread.sum(axis=0))},
        index=post.columns,
    )
    capthist = fit.capthist if isinstance(fit, SECRFit) else fit.capthists[label]
    covariates = capthist.covariates.set_axis(table.index)
    table = table.join(covariates)
    if label is not None:
        table.insert(0, "session", label)
    return table
