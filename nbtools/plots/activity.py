"""Plots of diel activity: activity curves with a rug and the overlap shaded, overlap matrices and intervals.

Every function takes what :mod:`nbtools.activity` computed (curve tables, overlap matrices and tables,
:class:`~nbtools.activity.ActivityLevel`) and returns a HoloViews object (bokeh backend); nothing is
estimated here. Times are shown in hours, 0-24, as in ``overlap::densityPlot`` with ``xscale = 24``;
densities are per hour.

>>> from nbtools import activity, plots
>>> curves = activity.density_curves({"leopard": leopard_sun, "tiger": tiger_sun})   # doctest: +SKIP
>>> plots.activity.activity_plot(curves, shade=("leopard", "tiger"), time="sun")     # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import colorcet
import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh backend so .opts work)
import numpy as np
import pandas as pd
from bokeh.palettes import Category10
from numpy.typing import ArrayLike

from nbtools.activity import ActivityLevel

__all__ = ["activity_level_plot", "activity_plot", "overlap_heatmap", "overlap_intervals", "species_colors"]

_HOURS = 24.0 / (2 * math.pi)  # hours per radian
_TICKS = [0, 3, 6, 9, 12, 15, 18, 21, 24]
_SUN_COLOR = "#e69f00"
_SHADE_COLOR = "#7f7f7f"


def species_colors(labels: list[str] | pd.Index, colors: Mapping[str, str] | None = None) -> dict[str, str]:
    """A colour per label, stable across plots: the given ones, then Category10 (and colorcet's glasbey after ten).

    Parameters
    ----------
    labels : list of str
        Species labels in plotting order.
    colors : mapping, optional
        Colours to use for some labels.

    Examples
    --------
    >>> species_colors(["leopard", "tiger"])
    {'leopard': '#1f77b4', 'tiger': '#ff7f0e'}
    """
    given = dict(colors or {})
    palette = [c for c in list(Category10[10]) + colorcet.palette["glasbey_category10"][10:] if c not in given.values()]
    out, i = {}, 0
    for label in labels:
        if label in given:
            out[str(label)] = given[label]
        else:
            out[str(label)] = palette[i % len(palette)]
            i += 1
    return out


def _check_curves(curves: pd.DataFrame, what: str) -> list[str]:
    missing = {"species", "hour", "density"} - set(curves.columns)
    if missing:
        raise ValueError(
            f"{what} need columns species, hour, density (from nbtools.activity.density_curves); "
            f"missing {sorted(missing)}"
        )
    if isinstance(curves["species"].dtype, pd.CategoricalDtype):
        present = set(curves["species"].astype(str))
        return [str(c) for c in curves["species"].cat.categories if str(c) in present]
    return list(dict.fromkeys(curves["species"].astype(str)))


def activity_plot(
    curves: pd.DataFrame,
    rug: Mapping[str, ArrayLike] | None = None,
    shade: tuple[str, str] | None = None,
    time: Literal["clock", "sun"] = "clock",
    sun: pd.DataFrame | None = None,
    truth: pd.DataFrame | None = None,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
    width: int = 820,
    height: int = 340,
) -> hv.Overlay:
    """Activity curves over 24 hours, with a rug of the observations and the overlap of two species shaded.

    Parameters
    ----------
    curves : pandas.DataFrame
        Long table ``species, hour, density`` (per hour), from :func:`nbtools.activity.density_curves`.
    rug : mapping, optional
        Label -> observed times in **radians** (the times the curves were estimated from); drawn as ticks
        below the axis, one row per species, in the species' colour.
    shade : (str, str), optional
        Two labels of ``curves`` whose overlap (the area under the lower of the two curves, the
        coefficient of overlapping) is shaded grey.
    time : {"clock", "sun"}, default "clock"
        What the x axis is. Sun time: sunrise is at 6 h and sunset at 18 h (double anchoring), marked by
        dashed lines.
    sun : pandas.DataFrame, optional
        For clock time: ``sunrise_rad`` and ``sunset_rad`` of the events (:func:`nbtools.activity.event_times`);
        the ranges of sunrise and of sunset over the study are shaded and their medians marked.
    truth : pandas.DataFrame, optional
        True curves in the same format (:func:`nbtools.activity.tabulate_densities`), drawn dashed in the
        species' colours.
    colors : mapping, optional
        Label -> colour (default :func:`species_colors`).
    title : str, optional
    width, height : int
        Size in pixels.

    Returns
    -------
    holoviews.Overlay
        Curves (``hour`` vs ``density``), optional Area (overlap), Curves (truth), Segments (rug), VLines,
        VSpans and Text (sunrise and sunset).
    """
    if time not in ("clock", "sun"):
        raise ValueError(f"time must be 'clock' or 'sun', got {time!r}")
    labels = _check_curves(curves, "curves")
    truth_labels = _check_curves(truth, "truth curves") if truth is not None else []
    rug = dict(rug or {})
    palette = species_colors(list(dict.fromkeys(labels + truth_labels + [str(k) for k in rug])), colors)
    table = curves.assign(species=curves["species"].astype(str))
    ymax = float(table["density"].max())
    if truth is not None:
        ymax = max(ymax, float(truth["density"].max()))
    layers: list[hv.Element] = []

    if shade is not None:
        a, b = shade
        for s in (a, b):
            if s not in labels:
                raise ValueError(f"shade: {s!r} is not a species of the curves ({labels})")
        fa = table[table["species"] == a].set_index("hour")["density"]
        fb = table[table["species"] == b].set_index("hour")["density"]
        if not fa.index.equals(fb.index):
            raise ValueError("shade: the two curves must be evaluated at the same hours")
        low = pd.DataFrame({"hour": fa.index.to_numpy(), "density": np.minimum(fa.to_numpy(), fb.to_numpy())})
        layers.append(
            hv.Area(low, "hour", "density", label=f"overlap {a}-{b}").opts(color=_SHADE_COLOR, alpha=0.3, line_alpha=0)
        )

    # sunrise and sunset
    marks: list[hv.Element] = []
    top = ymax * 1.12
    if time == "sun":
        for hour, name in ((6.0, "sunrise"), (18.0, "sunset")):
            marks.append(hv.VLine(hour).opts(color=_SUN_COLOR, line_dash="dashed", line_width=1.5))
            marks.append(
                hv.Text(hour, top, name).opts(text_color=_SUN_COLOR, text_font_size="9pt", text_baseline="top")
            )
    elif sun is not None:
        for col in ("sunrise_rad", "sunset_rad"):
            if col not in sun.columns:
                raise ValueError(f"sun needs columns sunrise_rad and sunset_rad (from event_times); missing {col!r}")
        for col, name in (("sunrise_rad", "sunrise"), ("sunset_rad", "sunset")):
            hours = sun[col].to_numpy(dtype=float) * _HOURS
            lo, mid, hi = float(hours.min()), float(np.median(hours)), float(hours.max())
            marks.append(hv.VSpan(lo, hi).opts(color=_SUN_COLOR, alpha=0.12, line_alpha=0))
            marks.append(hv.VLine(mid).opts(color=_SUN_COLOR, line_dash="dashed", line_width=1.5))
            marks.append(
                hv.Text(mid, top, f"{name} {_hhmm(lo)}-{_hhmm(hi)}").opts(
                    text_color=_SUN_COLOR, text_font_size="9pt", text_baseline="top"
                )
            )

    for s in labels:
        sub = table.loc[table["species"] == s, ["hour", "density"]]
        layers.append(hv.Curve(sub, "hour", "density", label=s).opts(color=palette[s], line_width=2.5, tools=["hover"]))
    if truth is not None:
        ttable = truth.assign(species=truth["species"].astype(str))
        for s in truth_labels:
            sub = ttable.loc[ttable["species"] == s, ["hour", "density"]]
            layers.append(
                hv.Curve(sub, "hour", "density", label=f"{s} (true)").opts(
                    color=palette[s], line_dash="dashed", line_width=1.5
                )
            )

    # rug: one row of ticks per species below zero
    tick = 0.07 * ymax
    bottom = 0.0
    for i, (s, x) in enumerate(rug.items()):
        hours = np.asarray(x, dtype=float).ravel() * _HOURS
        y1 = -(i * 1.25 + 0.2) * tick
        y0 = y1 - tick
        bottom = y0
        seg = pd.DataFrame({"x0": hours, "y0": y0, "x1": hours, "y1": y1})
        alpha = float(np.clip(30.0 / math.sqrt(max(hours.size, 1)), 0.15, 0.9))
        layers.append(hv.Segments(seg, ["x0", "y0", "x1", "y1"]).opts(color=palette[str(s)], alpha=alpha, line_width=1))

    xlabel = "clock time (h)" if time == "clock" else "sun time (h; sunrise = 6, sunset = 18)"
    overlay = hv.Overlay(marks + layers)
    return overlay.opts(
        width=width,
        height=height,
        xlim=(0, 24),
        ylim=(bottom - 0.3 * tick, ymax * 1.15),
        xticks=_TICKS,
        xlabel=xlabel,
        ylabel="density (per hour)",
        legend_position="right",
        title=title or f"Activity in {time} time",
    )


def _hhmm(hours: float) -> str:
    minutes = int(round(hours * 60)) % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def overlap_heatmap(
    matrix: pd.DataFrame,
    title: str = "Overlap of activity (coefficient of overlapping)",
    cmap: str = "Blues",
    triangle: bool = True,
    decimals: int = 2,
    width: int | None = None,
    height: int | None = None,
) -> hv.Overlay:
    """Heat map of a pairwise overlap matrix with the values written in the cells.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Square species x species matrix (:func:`nbtools.activity.overlap_matrix`), values in [0, 1].
    title, cmap : str
    triangle : bool, default True
        Show each pair once (below the diagonal) and leave out the diagonal of ones.
    decimals : int, default 2
        Decimals of the written values.
    width, height : int, optional
        Size in pixels; by default it grows with the number of species.

    Returns
    -------
    holoviews.Overlay
        HeatMap (``species_a`` x ``species_b`` -> ``overlap``, colours fixed to 0-1) * Labels (``text``).
    """
    if matrix.shape[0] != matrix.shape[1] or list(matrix.index) != list(matrix.columns):
        raise ValueError("matrix must be square with the same species as rows and columns")
    names = [str(s) for s in matrix.index]
    if len(set(names)) != len(names):
        raise ValueError("matrix has repeated species names")
    values = matrix.to_numpy(dtype=float)
    i, j = np.indices(values.shape)
    keep = (i > j) if triangle else np.ones(values.shape, dtype=bool)
    long = pd.DataFrame(
        {
            "species_a": np.array(names, dtype=object)[j[keep]],
            "species_b": np.array(names, dtype=object)[i[keep]],
            "overlap": values[keep],
        }
    )
    long["text"] = [f"{v:.{decimals}f}" for v in long["overlap"]]
    long["text_color"] = np.where(long["overlap"] > 0.65, "white", "black")
    long = long.astype({c: object for c in ("species_a", "species_b", "text", "text_color")})  # HeatMap reshapes
    xs = names[:-1] if triangle else names
    ys = names[1:] if triangle else names
    xdim = hv.Dimension("species_a", values=xs)
    ydim = hv.Dimension("species_b", values=ys[::-1])
    longest = max(len(s) for s in names)
    width = width or int(100 + 6 * longest + 48 * len(xs) + 80)
    height = height or int(80 + 5 * longest + 34 * len(ys))
    heat = hv.HeatMap(long, [xdim, ydim], ["overlap", "text"]).opts(
        cmap=cmap,
        clim=(0, 1),
        colorbar=True,
        tools=["hover"],
        xrotation=45,
        line_color="white",
        xlabel="",
        ylabel="",
    )
    labels = hv.Labels(long, [xdim, ydim], ["text", "text_color"]).opts(text_color="text_color", text_font_size="9pt")
    return (heat * labels).opts(width=width, height=height, title=title)


def overlap_intervals(
    table: pd.DataFrame,
    title: str = "Overlap with 95% bootstrap intervals",
    full_range: bool = False,
    width: int = 820,
    height: int | None = None,
) -> hv.Overlay:
    """Overlap estimates with their confidence intervals, one row per pair (and time scale).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`nbtools.activity.overlap_table`: ``species_a``, ``species_b``, ``estimate``, ``lower``,
        ``upper``; optional ``time`` (e.g. "clock" / "sun": one colour each) and ``truth`` (drawn as a cross;
        NaN where unknown).
    title : str
    full_range : bool, default False
        Show the whole range 0-1 of overlap instead of the range of the intervals (and true values).
    width, height : int

    Returns
    -------
    holoviews.Overlay
        Segments (intervals), Scatter (estimates) and, with ``truth``, Scatter (true values); the y axis
        lists the pairs, the x axis is the overlap (0-1).
    """
    missing = {"species_a", "species_b", "estimate", "lower", "upper"} - set(table.columns)
    if missing:
        raise ValueError(f"table needs columns species_a, species_b, estimate, lower, upper; missing {sorted(missing)}")
    data = table.copy()
    pair = data["species_a"].astype(str) + " - " + data["species_b"].astype(str)
    data["pair"] = pair + (" (" + data["time"].astype(str) + ")" if "time" in data.columns else "")
    groups = list(dict.fromkeys(data["time"].astype(str))) if "time" in data.columns else [""]
    palette = species_colors(groups, {"clock": "#1f77b4", "sun": _SUN_COLOR})
    order = list(dict.fromkeys(data["pair"]))[::-1]
    ydim = hv.Dimension("pair", values=order)
    layers: list[hv.Element] = []
    for g in groups:
        sub = data[data["time"].astype(str) == g] if "time" in data.columns else data
        label = f"{g} time" if g else "estimate"
        layers.append(
            hv.Segments(sub, ["lower", ydim, "upper", ydim]).opts(color=palette[g] if g else "#1f77b4", line_width=3)
        )
        layers.append(
            hv.Scatter(sub, "estimate", [ydim, "lower", "upper", "species_b"], label=label).opts(
                color=palette[g] if g else "#1f77b4", size=9, tools=["hover"]
            )
        )
    if "truth" in data.columns:
        layers.append(
            hv.Scatter(data, "truth", [ydim], label="true value").opts(color="black", marker="x", size=12, line_width=2)
        )
    if full_range:
        xlim = (0.0, 1.0)
    else:
        ends = [data["lower"].min(), data["upper"].max()]
        if "truth" in data.columns and data["truth"].notna().any():
            ends += [data["truth"].min(), data["truth"].max()]
        lo, hi = float(np.nanmin(ends)), float(np.nanmax(ends))
        pad = max(0.02, 0.08 * (hi - lo))
        xlim = (max(0.0, lo - pad), min(1.0, hi + pad))
    return hv.Overlay(layers).opts(
        width=width,
        height=height or 80 + 34 * len(order),
        xlim=xlim,
        xlabel="overlap (coefficient of overlapping)",
        ylabel="",
        title=title,
        legend_position="right",
        show_grid=True,
    )


def activity_level_plot(
    fit: ActivityLevel,
    time: Literal["clock", "sun"] = "sun",
    label: str = "",
    truth: pd.DataFrame | None = None,
    color: str = "#1f77b4",
    width: int = 760,
    height: int = 320,
) -> hv.Overlay:
    """The density behind an activity level: the curve with its bootstrap band and the height of its peak.

    The activity level (Rowcliffe et al. 2014) is the area under the curve divided by the area of the
    rectangle as high as the peak (dashed line): the share of the day the population is active if every
    animal is active at the peak time.

    Parameters
    ----------
    fit : nbtools.activity.ActivityLevel
        From :func:`nbtools.activity.activity_level`; the band needs ``sample="data"`` or ``"model"``.
    time : {"clock", "sun"}, default "sun"
        What the times were.
    label : str
        The species, for the title.
    truth : pandas.DataFrame, optional
        The true density (``hour``, ``density`` per hour, e.g. one species of
        :func:`nbtools.activity.tabulate_densities`), drawn dashed with its peak.
    color : str
    width, height : int

    Returns
    -------
    holoviews.Overlay
        Area (``lcl``-``ucl`` band, when bootstrapped), Curve (``hour`` vs ``density`` per hour), HLine (peak),
        and with ``truth`` a dashed Curve and HLine.
    """
    pdf = fit.pdf
    data = pd.DataFrame({"hour": pdf["x"].to_numpy() * _HOURS, "density": pdf["y"].to_numpy() / _HOURS})
    layers: list[hv.Element] = []
    if "lcl" in pdf.columns:
        data["lcl"] = pdf["lcl"].to_numpy() / _HOURS
        data["ucl"] = pdf["ucl"].to_numpy() / _HOURS
        layers.append(
            hv.Area(data, "hour", ["lcl", "ucl"], label="95% bootstrap band").opts(color=color, alpha=0.2, line_alpha=0)
        )
    layers.append(hv.Curve(data, "hour", "density", label="activity density").opts(color=color, line_width=2.5))
    peak = float(data["density"].max())
    layers.append(hv.HLine(peak).opts(color=color, line_dash="dashed", line_width=1))
    top = peak
    if truth is not None:
        missing = {"hour", "density"} - set(truth.columns)
        if missing:
            raise ValueError(f"truth needs columns hour and density; missing {sorted(missing)}")
        true = truth[["hour", "density"]]
        layers.append(
            hv.Curve(true, "hour", "density", label="true density").opts(
                color="black", line_dash="dashed", line_width=1.5
            )
        )
        true_peak = float(true["density"].max())
        layers.append(hv.HLine(true_peak).opts(color="black", line_dash="dotted", line_width=1))
        top = max(top, true_peak)
    if time == "sun":
        layers += [hv.VLine(h).opts(color=_SUN_COLOR, line_dash="dotted") for h in (6.0, 18.0)]
    ci = f" (95% CI {fit.lcl:.2f}-{fit.ucl:.2f})" if fit.lcl is not None else ""
    title = f"{label + ': ' if label else ''}activity level {fit.act:.2f}{ci}, n = {fit.n}"
    xlabel = "clock time (h)" if time == "clock" else "sun time (h; sunrise = 6, sunset = 18)"
    return hv.Overlay(layers).opts(
        width=width,
        height=height,
        xlim=(0, 24),
        ylim=(0, top * 1.1),
        xticks=_TICKS,
        xlabel=xlabel,
        ylabel="density (per hour)",
        title=title,
        legend_position="right",
    )
