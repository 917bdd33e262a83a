"""What every explorer shares: the control -> result -> view cycle, plot panes and small caches.

An explorer holds its controls as ipywidgets attributes, observes their ``value`` and recomputes its
``result`` (a frozen dataclass of the current inputs and outputs) from the pure functions of nbtools. The
view (``.widget``) is built on first use only, so that tests and benchmarks drive an explorer without
rendering anything; once built, each plot pane is re-rendered only when its own inputs changed.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh backend used to render the panes)
import ipywidgets as widgets
import pandas as pd

LEOPARD = "Panthera pardus orientalis"
TIGER = "Panthera tigris altaica"


class LRU:
    """A small least-recently-used cache: ``get(key, make)`` returns the stored value or stores ``make()``."""

    def __init__(self, size: int = 16) -> None:
        self.size = int(size)
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
            self.hits += 1
            return self._items[key]
        self.misses += 1
        value = make()
        self._items[key] = value
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class PlotPane:
    """A box showing one HoloViews object as a live bokeh widget (jupyter_bokeh's ``BokehModel``).

    ``show(key, make)`` renders ``make()`` only when ``key`` differs from the key shown, so a control
    change re-renders only the panes whose inputs changed. BokehJS must be in the page: call
    :func:`nbtools.plots.setup_plotting` (``hv.extension("bokeh", inline=True)``) once in the notebook.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.box = widgets.VBox(layout=widgets.Layout(min_height="40px", align_items="flex-start", overflow="visible"))
        self.box.add_class(f"nbtools-plot-{name}")
        self.key: Hashable = None
        self.model: Any = None
        self.renders = 0

    def show(self, key: Hashable, make: Callable[[], hv.core.Dimensioned | None]) -> None:
        if self.key is not None and key == self.key:
            return
        obj = make()
        self.key = key
        if obj is None:
            self.box.children = []
            self.model = None
            return
        from jupyter_bokeh import BokehModel

        model = hv.render(obj, backend="bokeh")
        # canvas, not WebGL: browsers keep about 16 WebGL contexts per page, and a notebook of explorers
        # re-rendering their plots runs out of them (lost contexts draw empty plots)
        from bokeh.models import Plot

        for plot in model.select({"type": Plot}):
            plot.output_backend = "canvas"
        if self.model is None:
            self.model = BokehModel(model)
            self.box.children = [self.model]
        else:
            self.model.update_from_model(model)
        self.renders += 1


def html_table(frame: pd.DataFrame, max_rows: int = 15, floatfmt: str = "{:,.2f}", caption: str | None = None) -> str:
    """A small HTML table of ``frame`` (the first ``max_rows`` rows), for an ``ipywidgets.HTML``."""
    shown = frame.head(max_rows)
    formatters = {c: floatfmt.format for c in shown.columns if pd.api.types.is_float_dtype(shown[c])}
    body = shown.to_html(index=False, formatters=formatters, na_rep="", border=0, classes="nbtools-table")
    more = (
        f"<div><i>{len(frame) - max_rows:,} more rows in <code>.result</code></i></div>"
        if len(frame) > max_rows
        else ""
    )
    head = f"<b>{caption}</b>" if caption else ""
    return f"<div style='font-size:12px;overflow-x:auto'>{head}{body}{more}</div>"


class Explorer:
    """Base class: subclasses make their controls, call :meth:`_watch` on them and implement ``_compute``.

    Attributes
    ----------
    result : frozen dataclass
        The current inputs and outputs (see each explorer).
    status : ipywidgets.HTML
        One line: what was computed and how long it took, or why the controls cannot be used as set.
    elapsed : float
        Seconds the last recomputation took (without drawing).
    """

    title = "Explorer"

    def __init__(self) -> None:
        self.result: Any = None
        self.elapsed = 0.0
        self.status = widgets.HTML()
        self.status.add_class("nbtools-status")
        self.progress = widgets.Output()  # tqdm.auto bars of slow work (bootstraps) are shown here
        self._view: widgets.Widget | None = None
        self._held = 0  # depth of nested hold() blocks: recompute only when the outermost ends
        self.background = False
        self._worker: ThreadPoolExecutor | None = None
        self._queued = False  # a background recomputation is waiting to start
        self._pending = 0  # background work submitted and not finished
        self._lock = threading.Lock()

    # --- the cycle -------------------------------------------------------------------------------------
    def _watch(self, controls: Iterable[widgets.ValueWidget]) -> None:
        for control in controls:
            control.observe(self._changed, names="value")

    def _changed(self, change: dict) -> None:
        if not self._held:
            self._request_update()

    def _request_update(self) -> None:
        """Recompute now, or (``background``) in the explorer's one worker thread, so the kernel stays free.

        In the background, changes that arrive while a recomputation runs are merged into one more: the
        queued recomputation reads the controls when it starts, so it sees the latest values.
        """
        if not self.background:
            self.update()
            return
        with self._lock:
            if self._queued:
                return
            self._queued = True
        self._submit(self._update_queued)

    def _submit(self, work: Callable[[], Any]) -> None:
        """Run ``work`` in the explorer's worker thread, after the work submitted before it."""

        def guarded() -> None:
            try:
                work()
            except Exception as error:  # noqa: BLE001 - a worker thread has no caller to raise to: say it
                self.status.value = f"<span style='color:#b00'>&#9888; {type(error).__name__}: {error}</span>"
            finally:
                with self._lock:
                    self._pending -= 1

        with self._lock:
            self._pending += 1
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=type(self).__name__)
        self._worker.submit(guarded)

    def _update_queued(self) -> None:
        with self._lock:
            self._queued = False
        self.update()

    def wait(self, timeout: float | None = None) -> Any:
        """Wait until the background recomputations requested so far are done; returns ``result``."""
        while True:
            with self._lock:
                if not self._pending:  # work can submit more work: wait until none is left
                    break
            self._worker.submit(lambda: None).result(timeout)  # after everything submitted so far
        return self.result

    def hold(self) -> _Hold:
        """``with explorer.hold(): ...`` sets several controls and recomputes once at the end."""
        return _Hold(self)

    def update(self) -> Any:
        """Recompute ``result`` from the controls (and redraw when the view is shown)."""
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = self._compute()
            except ValueError as error:  # a control combination the functions refuse: say why, keep the result
                self.elapsed = time.perf_counter() - start
                self.status.value = f"<span style='color:#b00'>&#9888; {error}</span>"
                return self.result
        self.elapsed = time.perf_counter() - start
        self.result = result
        notes = sorted({str(w.message).split(";")[0] for w in caught if not issubclass(w.category, DeprecationWarning)})
        timing = f"computed in {self.elapsed * 1000:.0f} ms"
        if self._view is not None:  # draw first, then say so: the status line changes when the plots are ready
            drawn = time.perf_counter()
            self._draw()
            timing += f", drawn in {(time.perf_counter() - drawn) * 1000:.0f} ms"
        self.status.value = (
            self._summary(result)
            + f" <span style='color:#888'>({timing})</span>"
            + ("<br><span style='color:#a60'>" + "<br>".join(notes[:3]) + "</span>" if notes else "")
        )
        return result

    def _compute(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _summary(self, result: Any) -> str:
        return ""

    # --- the view --------------------------------------------------------------------------------------
    def _controls_box(self) -> widgets.Widget:  # pragma: no cover - abstract
        raise NotImplementedError

    def _panes(self) -> list[widgets.Widget]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _draw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def widget(self) -> widgets.Widget:
        """The explorer's layout: controls, a status line and the plots and tables (built on first use)."""
        if self._view is None:
            header = widgets.HTML(f"<h3 style='margin:4px 0'>{self.title}</h3>")
            self._view = widgets.VBox(
                [header, self._controls_box(), self.status, self.progress, *self._panes()],
                layout=widgets.Layout(width="100%"),
            )
            self._view.add_class("nbtools-explorer")
            self._view.add_class(f"nbtools-{type(self).__name__.lower()}")
            self._draw()
        return self._view

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._summary(self.result) if self.result is not None else 'no result'}>"


class _Hold:
    def __init__(self, explorer: Explorer) -> None:
        self.explorer = explorer

    def __enter__(self) -> Explorer:
        self.explorer._held += 1
        return self.explorer

    def __exit__(self, *exc: object) -> None:
        self.explorer._held -= 1
        if exc[0] is None and not self.explorer._held:
            self.explorer._request_update()


def in_kernel() -> bool:
    """Whether we run in a Jupyter kernel (where widget changes arrive as messages the kernel must answer)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def study_days(deployments: pd.DataFrame, timezone: str) -> tuple[dt.date, dt.date]:
    """The study's own period as local dates: its first day and the day after its last (``end`` is exclusive).

    A period control set to these dates means "no limit" (see :func:`chosen_period`).
    """
    first = deployments["deploymentStart"].min().tz_convert(timezone).date()
    last = (deployments["deploymentEnd"].max().tz_convert(timezone) + pd.Timedelta(days=1)).date()
    return first, last


def as_date(value: str | dt.date | None) -> dt.date | None:
    """A date picker's value from a date, an ISO string or None (``""`` is None)."""
    if value is None or value == "":
        return None
    return value if isinstance(value, dt.date) else pd.Timestamp(value).date()


def chosen_period(
    start: dt.date | None, end: dt.date | None, first_day: dt.date, last_day: dt.date, what: str = "period"
) -> tuple[str | None, str | None]:
    """The ``[start, end)`` of two date pickers as ISO dates, None where they reach the study's own limits.

    Raises
    ------
    ValueError
        The period is empty (``start`` on or after ``end``); ``what`` names it in the message.
    """
    first = None if start is None or start <= first_day else start.isoformat()
    last = None if end is None or end >= last_day else end.isoformat()
    if first is not None and last is not None and first >= last:
        raise ValueError(f"the {what} is empty: from {first} until {last}")
    return first, last


def minutes_label(minutes: int) -> str:
    """``90`` -> ``"1 h 30 min"``; thresholds and windows are chosen in minutes."""
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day" + ("s" if days != 1 else "")
    if minutes >= 60:
        h, m = divmod(minutes, 60)
        return f"{h} h" + (f" {m} min" if m else "")
    return f"{minutes} min"


def station_positions(deployments: pd.DataFrame, station: str = "locationID") -> pd.DataFrame:
    """Mean ``x``, ``y`` of each station's deployments (as the plots place stations)."""
    return deployments.groupby(deployments[station].astype(str), observed=True)[["x", "y"]].mean()
