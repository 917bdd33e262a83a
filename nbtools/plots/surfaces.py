"""Maps of density surfaces: the realised surface (secr's ``fxTotal``), the expected surface of a habitat model,
one map per session.

The functions draw what :mod:`nbtools.secr.surfaces` computed (:func:`~nbtools.secr.realised_surface`,
:func:`~nbtools.secr.expected_surface`, :func:`~nbtools.secr.activity_centres`) and return
HoloViews objects (bokeh backend) in the style of the project's other maps: axes in km of the study's projected
CRS, the units once, in the colour-bar label, legends beside the map. None of them computes an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options used below)
import pandas as pd

from ..maps import boundary_path, label_with_units, map_axes, small_multiples
from .secr import trap_points

if TYPE_CHECKING:
    import xarray as xr
    from shapely.geometry.base import BaseGeometry

__all__ = ["session_surface_maps", "surface_map"]

#: Colour-bar names of the parts of :mod:`nbtools.secr.surfaces` (the units are added once).
SURFACE_NAMES = {
    "total": "realised density",
    "detected": "density of detected animals",
    "undetected": "density of undetected animals",
    "expected": "expected density",
}
STATION_COLOR = "#00c8ff"
CENTRE_MARKERS = {"female": "circle", "male": "triangle"}


def _units_text(units: str) -> str:
    """``animals / 100 km2`` as people write it (``km²``)."""
    return units.replace("km2", "km²")


def surface_label(surface: xr.DataArray) -> str:
    """Colour-bar label of a surface: what it is and its units, once (``realised density (animals / 100 km²)``)."""
    name = SURFACE_NAMES.get(surface.attrs.get("part", ""), surface.attrs.get("long_name", surface.name or "density"))
    return label_with_units(name, _units_text(surface.attrs.get("units", "")))


def _centre_points(centres: pd.DataFrame, by: str | None) -> list[hv.Points]:
    """The detected animals' centres as points, one element (and legend entry) per value of ``by``."""
    table = centres.reset_index()
    table = table.rename(columns={table.columns[0]: "ID"}) if "ID" not in table.columns else table
    table["ID"] = table["ID"].astype(str)
    vdims = [c for c in ("ID", by, "sd") if c is not None and c in table.columns]
    style = dict(color="white", line_color="black", size=7, alpha=0.9, tools=["hover"])
    if by is None or by not in table.columns:
        return [hv.Points(table, kdims=["x", "y"], vdims=vdims, label="activity centres").opts(**style)]
    layers = []
    for value, part in table.groupby(table[by].astype(str), sort=True):
        label = f"activity centres: {value}"
        marker = CENTRE_MARKERS.get(value, "square")
        layers.append(hv.Points(part, kdims=["x", "y"], vdims=vdims, label=label).opts(marker=marker, **style))
    return layers


def surface_map(
    surface: xr.DataArray,
    boundary: BaseGeometry | None = None,
    traps: pd.DataFrame | None = None,
    centres: pd.DataFrame | None = None,
    *,
    by: str | None = "sex",
    cmap: str = "fire",
    logz: bool = False,
    clim: tuple[float, float] | None = None,
    title: str | None = None,
) -> hv.Overlay:
    """A density surface as a map, with the boundary, the camera stations and the detected animals' centres.

    Parameters
    ----------
    surface : xarray.DataArray
        A 2-D surface (``y``, ``x`` in m; NaN off the mask) from
        :func:`~nbtools.secr.realised_surface` or
        :func:`~nbtools.secr.expected_surface` (or any with ``units``).
    boundary : shapely geometry, optional
        The study boundary, drawn in white.
    traps : pandas.DataFrame, optional
        Detectors (``CaptureHistory.traps``: ``x``, ``y`` in m), drawn as small points.
    centres : pandas.DataFrame, optional
        Activity centres of the detected animals (:func:`~nbtools.secr.activity_centres`:
        ``x``, ``y`` in m), drawn as white markers.
    by : str or None, default "sex"
        Column of ``centres`` that sets the marker (circle for females, triangle for males),
        one legend entry each; None or absent: one kind of marker.
    cmap : str, default "fire"
        Colour map of the density (a colorcet or bokeh name).
    logz : bool, default False
        Logarithmic colour scale. A realised surface spans orders of magnitude (tens of animals per
        100 km2 at a well-photographed animal's centre, under one where animals escape detection):
        on a linear scale only the centres show.
    clim : (float, float), optional
        Range of the colour scale. Default the surface's range; with ``logz`` from a thousandth of
        its maximum (cells below the lower end take the lowest colour).
    title : str, optional
        Plot title (default what the surface is; the units are in the colour bar only).

    Returns
    -------
    holoviews.Overlay
        An ``Image`` (kdims ``x``, ``y``; vdim ``density``), then the boundary ``Path``, the
        stations' ``Points`` (label ``camera stations``) and the centres' ``Points`` when given;
        the legend beside the map.
    """
    if surface.ndim != 2 or set(surface.dims) != {"x", "y"}:
        raise ValueError(
            f"surface_map draws one 2-D surface (y, x); this one has dimensions {surface.dims}: "
            "use session_surface_maps for a surface per session"
        )
    label = surface_label(surface)
    name = str(surface.name or "density")
    data = surface.transpose("y", "x").astype("float32")
    data = data.drop_vars([c for c in data.coords if c not in ("x", "y")])
    image = hv.Image(data, kdims=["x", "y"], vdims=[hv.Dimension(name, label=label)])
    image = image.opts(
        cmap=cmap,
        colorbar=True,
        clabel=label,
        tools=["hover"],
        data_aspect=1,
        frame_width=420,
        clipping_colors={"NaN": (0, 0, 0, 0)},
        bgcolor="#d9e6ee",
        **map_axes(),
    )
    if logz and clim is None:
        top = float(surface.max(skipna=True))
        clim = (top / 1000.0, top)
    if logz:
        image = image.opts(logz=True, clabel=f"{label}, log scale")
    if clim is not None:
        image = image.opts(clim=tuple(float(v) for v in clim))
    layers: list[hv.Element] = [image]
    if boundary is not None:
        layers.append(boundary_path(boundary, color="white"))
    if traps is not None:
        layers.append(trap_points(traps, color=STATION_COLOR, size=4).relabel("camera stations"))
    if centres is not None:
        layers += _centre_points(centres, by)
    default = SURFACE_NAMES.get(surface.attrs.get("part", ""), name)
    return hv.Overlay(layers).opts(title=title or default[:1].upper() + default[1:], legend_position="right")


def session_surface_maps(
    surface: xr.DataArray,
    boundary: BaseGeometry | None = None,
    traps: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    centres: pd.DataFrame | None = None,
    *,
    by: str | None = "sex",
    cols: int = 3,
    colour_scale: str = "shared",
    cmap: str = "fire",
    logz: bool = False,
    titles: Mapping[str, str] | None = None,
) -> hv.Layout:
    """Small multiples of a surface per session (a year each), on one colour scale by default.

    Parameters
    ----------
    surface : xarray.DataArray
        A stacked surface (``session``, ``y``, ``x``) from :mod:`nbtools.secr.surfaces` for a
        multi-session fit.
    boundary : shapely geometry, optional
    traps : DataFrame or mapping of session to DataFrame, optional
        The stations, the same for every session or each session's own
        (``{s: ch.traps for s, ch in fit.capthists.items()}``).
    centres : pandas.DataFrame, optional
        Activity centres with a ``session`` column (:func:`~nbtools.secr.activity_centres`
        of the multi-session fit); each map shows its session's.
    by : str or None, default "sex"
        Marker of the centres, as :func:`surface_map`.
    cols : int, default 3
        Maps per row.
    colour_scale : {"shared", "panel"}, default "shared"
        One colour scale for all sessions (to compare densities between years) or one per map
        (:func:`nbtools.maps.small_multiples`); the colour-bar label says which.
    cmap : str, default "fire"
    logz : bool, default False
        Logarithmic colour scale, as :func:`surface_map` (shared: from a thousandth of the largest value).
    titles : mapping of session to str, optional
        Titles of the maps (default the session labels).

    Returns
    -------
    holoviews.Layout
        One :func:`surface_map` overlay per session, in session order.
    """
    if "session" not in surface.dims or surface.ndim != 3:
        raise ValueError(f"session_surface_maps needs a (session, y, x) surface; this one has {surface.dims}")
    sessions = [str(s) for s in surface["session"].values]
    if isinstance(traps, Mapping):
        missing = sorted(set(sessions) - {str(k) for k in traps})
        if missing:
            raise KeyError(f"no traps for sessions {missing}")
        traps = {str(k): v for k, v in traps.items()}
    if centres is not None and "session" not in centres.columns:
        raise ValueError("centres need a 'session' column (activity_centres of a multi-session fit)")
    clim = None
    if colour_scale == "shared":
        top = float(surface.max(skipna=True))
        clim = (top / 1000.0 if logz else 0.0, top)
    panels = []
    for session in sessions:
        panel = surface.sel(session=session)
        panels.append(
            surface_map(
                panel,
                boundary,
                traps[session] if isinstance(traps, dict) else traps,
                None if centres is None else centres[centres["session"].astype(str) == session],
                by=by,
                cmap=cmap,
                logz=logz,
                clim=clim,
                title=(titles or {}).get(session, session),
            )
        )
    unit = surface_label(surface) + (", log scale" if logz else "")
    return small_multiples(panels, cols=cols, colour_scale=colour_scale, unit=unit)
