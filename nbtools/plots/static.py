"""Static figures (matplotlib) for papers and reports, and writing figures and tables reproducibly.

The interactive plots of :mod:`nbtools.plots` are bokeh; a journal wants PNG and SVG files. These functions
draw the same maps and curves with matplotlib (no browser needed), and :func:`save_figure` /
:func:`save_table` write them so that two runs on the same data give the same files: the SVG carries no
date and a fixed id salt, the PNG no software or date stamp, and tables are CSV with a fixed float format.

>>> fig = activity_figure(curves, shade=("Amur leopard", "Amur tiger"))   # doctest: +SKIP
>>> save_figure(fig, "reports/paper", "fig2_activity")                     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure
    from shapely.geometry.base import BaseGeometry

__all__ = ["activity_figure", "raster_figure", "save_figure", "save_table", "station_figure"]

#: Float format of the CSV tables: 10 significant digits, stable across runs and platforms.
FLOAT_FORMAT = "%.10g"
#: Salt of the SVG element ids, so that the ids (and the file) repeat from run to run.
SVG_SALT = "nbtools"


def _figure(width_in: float = 6.5, height_in: float = 4.0) -> tuple[Figure, object]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    return fig, fig.add_subplot()


def _outline(ax: object, boundary: BaseGeometry | None, color: str = "0.35") -> None:
    if boundary is None:
        return
    for polygon in getattr(boundary, "geoms", [boundary]):
        x, y = polygon.exterior.xy
        ax.plot(np.asarray(x) / 1000, np.asarray(y) / 1000, color=color, linewidth=1.2)


def _km_axes(ax: object, crs_label: str) -> None:
    ax.set_aspect("equal")
    ax.set_xlabel(f"easting (km, {crs_label})")
    ax.set_ylabel(f"northing (km, {crs_label})")


def station_figure(
    stations: pd.DataFrame,
    value: str,
    boundary: BaseGeometry | None = None,
    label: str | None = None,
    title: str = "",
    crs_label: str = "study CRS",
    max_size_pt2: float = 220.0,
) -> Figure:
    """Stations as circles whose area is proportional to a value (zero shown as a cross), over a boundary.

    Parameters
    ----------
    stations : pandas.DataFrame
        One row per station with ``x`` and ``y`` in metres (projected) and the column ``value``.
    value : str
        Column to show, e.g. ``rai`` (events per 100 trap-nights); must be non-negative.
    boundary : shapely geometry, optional
        The park outline, in the same CRS (m).
    label : str, optional
        Legend title; default ``value``.
    title : str
        Axes title.
    crs_label : str
        Name of the CRS for the axis labels (the axes are in km).
    max_size_pt2 : float, default 220
        Marker area (points²) of the largest value.

    Returns
    -------
    matplotlib.figure.Figure
    """
    for column in ("x", "y", value):
        if column not in stations:
            raise KeyError(f"station_figure: stations have no column {column!r} (columns: {list(stations.columns)})")
    values = stations[value].to_numpy(dtype=float)
    if np.any(values < 0) or not np.all(np.isfinite(values)):
        raise ValueError(f"station_figure: {value!r} must be finite and non-negative")
    fig, ax = _figure(6.5, 5.0)
    _outline(ax, boundary)
    x, y = stations["x"].to_numpy() / 1000, stations["y"].to_numpy() / 1000
    zero = values == 0
    ax.scatter(x[zero], y[zero], marker="x", s=14, color="0.55", linewidths=0.8, label=f"{value} = 0")
    top = values.max() if values.size and values.max() > 0 else 1.0
    sizes = max_size_pt2 * values[~zero] / top
    ax.scatter(x[~zero], y[~zero], s=sizes, color="#b5651d", alpha=0.75, edgecolors="black", linewidths=0.5)
    for share in (0.25, 0.5, 1.0):  # a legend of sizes
        ax.scatter(
            [],
            [],
            s=max_size_pt2 * share,
            color="#b5651d",
            alpha=0.75,
            edgecolors="black",
            linewidths=0.5,
            label=f"{value} = {top * share:.3g}",
        )
    ax.legend(title=label or value, loc="upper left", fontsize=8, title_fontsize=8, frameon=True)
    _km_axes(ax, crs_label)
    ax.set_title(title)
    return fig


def activity_figure(
    curves: pd.DataFrame,
    shade: tuple[str, str] | None = None,
    time: str = "sun",
    title: str = "",
    colors: Sequence[str] = ("#b5651d", "#3b6ea8", "#4d9a4d", "#8e5ea2", "#c9a227"),
) -> Figure:
    """Diel activity curves of several species, with the overlap of two of them shaded.

    Parameters
    ----------
    curves : pandas.DataFrame
        As :func:`nbtools.activity.density_curves` returns: ``species``, ``hour`` (0-24) and ``density``
        (per hour).
    shade : (str, str), optional
        Two species whose overlap (the area under both curves, Dhat) is shaded.
    time : {"sun", "clock"}
        Labels the x axis: sun time puts sunrise at 6 h and sunset at 18 h.
    title : str
        Axes title.
    colors : sequence of str
        Line colours in species order.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure(6.5, 4.0)
    order = list(dict.fromkeys(curves["species"].astype(str)))
    for name, color in zip(order, list(colors) * (len(order) // len(colors) + 1)):
        part = curves[curves["species"].astype(str) == name]
        ax.plot(part["hour"], part["density"], color=color, linewidth=1.8, label=name)
    if shade is not None:
        a, b = (curves[curves["species"].astype(str) == s] for s in shade)
        if a.empty or b.empty:
            raise KeyError(f"activity_figure: no curve for {[s for s, c in zip(shade, (a, b)) if c.empty]}")
        lower = np.minimum(a["density"].to_numpy(), b["density"].to_numpy())
        ax.fill_between(a["hour"].to_numpy(), 0, lower, color="0.6", alpha=0.4, label="overlap")
    if time == "sun":
        for hour in (6, 18):
            ax.axvline(hour, color="0.4", linestyle=":", linewidth=1)
        ax.set_xlabel("sun time (h; sunrise 6, sunset 18)")
    else:
        ax.set_xlabel("clock time (h)")
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 3))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("activity density (per hour)")
    fig.legend(fontsize=8, loc="outside lower center", ncols=min(len(order) + (shade is not None), 3), frameon=False)
    ax.set_title(title)
    return fig


def raster_figure(
    raster: xr.DataArray,
    boundary: BaseGeometry | None = None,
    points: pd.DataFrame | None = None,
    label: str | None = None,
    title: str = "",
    cmap: str = "viridis",
    crs_label: str = "study CRS",
) -> Figure:
    """A raster (``x``/``y`` in metres) as an image with its colour bar, a boundary and points on top.

    Parameters
    ----------
    raster : xarray.DataArray
        Two-dimensional, with coordinates ``x`` and ``y`` in metres (cell centres); NaN cells are blank.
    boundary : shapely geometry, optional
        Outline drawn on top (m).
    points : pandas.DataFrame, optional
        ``x`` and ``y`` (m) of points drawn as small black dots (e.g. camera stations).
    label : str, optional
        Colour-bar label; default the raster's ``long_name`` and ``units`` attributes.
    title : str
        Axes title.
    cmap : str
        A matplotlib colour map (perceptually uniform by default).
    crs_label : str
        Name of the CRS for the axis labels (km).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if set(raster.dims) != {"x", "y"}:
        raise ValueError(f"raster_figure: the raster's dims must be x and y, not {raster.dims}")
    grid = raster.transpose("y", "x")
    x, y = grid["x"].to_numpy() / 1000, grid["y"].to_numpy() / 1000
    dx = abs(x[1] - x[0]) if x.size > 1 else 1.0
    dy = abs(y[1] - y[0]) if y.size > 1 else 1.0
    extent = (x.min() - dx / 2, x.max() + dx / 2, y.min() - dy / 2, y.max() + dy / 2)
    values = grid.to_numpy()
    if y[0] > y[-1]:  # north-up either way
        values = values[::-1]
    fig, ax = _figure(6.5, 5.0)
    image = ax.imshow(values, origin="lower", extent=extent, cmap=cmap, interpolation="nearest")
    units = raster.attrs.get("units", "")
    default = raster.attrs.get("long_name", raster.name or "") + (f" ({units})" if units not in ("", "1") else "")
    fig.colorbar(image, ax=ax, label=label or default, shrink=0.85)
    _outline(ax, boundary, color="white")
    if points is not None:
        ax.scatter(points["x"] / 1000, points["y"] / 1000, s=4, color="black", label="camera stations")
        ax.legend(loc="upper left", fontsize=8)
    _km_axes(ax, crs_label)
    ax.set_title(title)
    return fig


def save_figure(fig: Figure, out_dir: str | Path, name: str, dpi: int = 150) -> list[Path]:
    """Write a figure as ``<name>.png`` and ``<name>.svg``, the same bytes from run to run.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    out_dir : str or Path
        Folder (created when missing).
    name : str
        File name without extension.
    dpi : int, default 150
        Resolution of the PNG (dots per inch).

    Returns
    -------
    list of Path
        The PNG and the SVG written.
    """
    import matplotlib

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "path"}):
        fig.savefig(paths[0], dpi=dpi, metadata={"Software": None})
        fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
    return paths


def save_table(frame: pd.DataFrame | pd.Series, out_dir: str | Path, name: str, index: bool = True) -> Path:
    """Write a table as ``<name>.csv`` with a fixed float format (10 significant digits).

    Parameters
    ----------
    frame : pandas.DataFrame or Series
    out_dir : str or Path
        Folder (created when missing).
    name : str
        File name without extension.
    index : bool, default True
        Write the index as the first column(s).

    Returns
    -------
    Path
        The CSV written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.csv"
    frame = frame.infer_objects()  # numbers held in object columns get the float format too
    frame.to_csv(path, index=index, float_format=FLOAT_FORMAT, lineterminator="\n")
    return path
