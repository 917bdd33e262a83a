"""QualityExplorer: data-quality findings per deployment, filtered by check and severity, with their evidence.

The findings come from :func:`nbtools.quality.check_deployments` and the images per day from
:func:`nbtools.quality.daily_media` (re-exported here as ``daily_media`` for the old import path); the
explorer computes nothing of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import holoviews as hv
import ipywidgets as widgets
import pandas as pd

from nbtools.plots.effort import findings_timeline
from nbtools.quality import CHECKS, check_deployments, daily_media
from nbtools.study import Study

from ._common import Explorer, PlotPane, html_table

ALL = "(all deployments)"


@dataclass(frozen=True)
class QualityResult:
    """The QualityExplorer's current inputs and outputs.

    Attributes
    ----------
    checks, severities : tuple of str
        Checks and severities shown.
    deployment : str or None
        The deployment whose evidence is shown (None: all deployments).
    findings : DataFrame
        The rows of :func:`nbtools.quality.check_deployments` with those checks and severities (and of that
        deployment's location, when one is chosen), in the function's order.
    summary : DataFrame
        Findings per check and severity (of ``findings``).
    evidence : DataFrame or None
        For a chosen deployment: :func:`nbtools.quality.daily_media` of every deployment at its location.
    """

    checks: tuple[str, ...]
    severities: tuple[str, ...]
    deployment: str | None
    findings: pd.DataFrame = field(repr=False)
    summary: pd.DataFrame = field(repr=False)
    evidence: pd.DataFrame | None = field(repr=False, default=None)


class QualityExplorer(Explorer):
    """Explore the data-quality findings of a study, per deployment, with the evidence plotted.

    :func:`nbtools.quality.check_deployments` runs once (about 10 s on the default study); the controls
    filter its findings by check and severity and pick one deployment, whose location's cameras are shown
    with their images per day and the periods of the findings.

    Parameters
    ----------
    study : Study
    findings : DataFrame, optional
        Findings already computed by ``check_deployments(study, ...)`` (skips the checks).
    **check_options
        Passed to :func:`~nbtools.quality.check_deployments` (``alpha``, ``min_gap_days``, ...).

    Attributes
    ----------
    check : ipywidgets.SelectMultiple
    severity : ipywidgets.SelectMultiple
    deployment : ipywidgets.Dropdown (``"(all deployments)"`` or a ``deploymentID`` with findings)
    findings : DataFrame
        All findings (unfiltered).
    result : QualityResult
    """

    title = "Quality explorer: data-quality findings per deployment"

    def __init__(self, study: Study, findings: pd.DataFrame | None = None, **check_options: object) -> None:
        super().__init__()
        self.study = study
        self.findings = check_deployments(study, **check_options) if findings is None else findings
        self.daily = daily_media(study.media, study.timezone)
        checks = sorted(
            self.findings["check"].astype(str).unique(), key=lambda c: list(CHECKS).index(c) if c in CHECKS else 99
        )
        severities = [s for s in ("error", "warning", "info") if s in set(self.findings["severity"].astype(str))]
        severities += sorted(set(self.findings["severity"].astype(str)) - set(severities))
        counts = self.findings["check"].astype(str).value_counts()
        self.check = widgets.SelectMultiple(
            options=[(f"{c} ({counts[c]})", c) for c in checks],
            value=tuple(checks),
            rows=min(8, max(len(checks), 2)),
            description="checks",
            layout=widgets.Layout(width="360px"),
        )
        self.severity = widgets.SelectMultiple(
            options=severities, value=tuple(severities), rows=3, description="severity"
        )
        self.deployment = widgets.Dropdown(
            options=[(ALL, ALL)], value=ALL, description="deployment", layout=widgets.Layout(width="360px")
        )
        self._check_col = self.findings["check"].astype(str).to_numpy()
        self._severity_col = self.findings["severity"].astype(str).to_numpy()
        self._dep_col = self.findings["deploymentID"].astype(str).to_numpy()
        self._timeline = PlotPane("findings")
        self._evidence = PlotPane("evidence")
        self._table = widgets.HTML()
        self._table.add_class("nbtools-table-box")
        self.check.observe(self._filter_changed, names="value")
        self.severity.observe(self._filter_changed, names="value")
        self._watch([self.deployment])
        self._refresh_deployments()
        self.update()

    def _mask(self, checks: tuple[str, ...], severities: tuple[str, ...]) -> pd.Series:
        return pd.Series(
            pd.Series(self._check_col).isin(checks).to_numpy()
            & pd.Series(self._severity_col).isin(severities).to_numpy()
        )

    def _refresh_deployments(self) -> None:
        mask = self._mask(tuple(self.check.value), tuple(self.severity.value)).to_numpy()
        deps = sorted(set(self._dep_col[mask]))
        current = self.deployment.value
        self.deployment.options = [(ALL, ALL)] + [(f"{d} ({int((self._dep_col[mask] == d).sum())})", d) for d in deps]
        self.deployment.value = current if current in deps else ALL

    def _filter_changed(self, change: dict) -> None:
        with self.hold():
            self._refresh_deployments()

    def _compute(self) -> QualityResult:
        checks, severities = tuple(self.check.value), tuple(self.severity.value)
        mask = self._mask(checks, severities).to_numpy()
        deployment = None if self.deployment.value == ALL else str(self.deployment.value)
        evidence = None
        if deployment is not None:
            deps = self.study.deployments
            location = deps.loc[deps["deploymentID"].astype(str) == deployment, "locationID"].astype(str)
            if location.empty:
                raise ValueError(f"deployment {deployment!r} is not in the study")
            here = set(deps.loc[deps["locationID"].astype(str) == location.iloc[0], "deploymentID"].astype(str))
            mask = mask & pd.Series(self._dep_col).isin(here).to_numpy()
            evidence = self.daily[self.daily["deploymentID"].isin(here)].reset_index(drop=True)
        found = self.findings[mask]
        summary = (
            found.groupby([found["check"].astype(str), found["severity"].astype(str)])
            .size()
            .rename("findings")
            .reset_index()
        )
        return QualityResult(checks, severities, deployment, found, summary, evidence)

    def _summary(self, r: QualityResult) -> str:
        where = f" at the location of {r.deployment}" if r.deployment else ""
        return (
            f"{len(r.findings)} of {len(self.findings)} findings{where}, "
            f"{r.findings['deploymentID'].nunique()} deployments"
        )

    def _controls_box(self) -> widgets.Widget:
        return widgets.HBox([self.check, widgets.VBox([self.severity, self.deployment])])

    def _panes(self) -> list[widgets.Widget]:
        return [self._evidence.box, self._timeline.box, self._table]

    def _draw(self) -> None:
        r = self.result
        if r is None:
            return
        zone = self.study.timezone
        deps = self.study.deployments
        if r.deployment is not None:
            location = deps.loc[deps["deploymentID"].astype(str) == r.deployment, "locationID"].iloc[0]
            deps = deps[deps["locationID"] == location]

        def timeline():
            if r.findings.empty:
                return None
            return findings_timeline(r.findings, deps, timezone=zone).opts(height=300 if r.deployment else 650)

        def evidence():
            if r.evidence is None or r.evidence.empty:
                return None
            local = lambda s: pd.to_datetime(s, utc=True).dt.tz_convert(zone).dt.tz_localize(None)  # noqa: E731
            spans = r.findings.assign(start=local(r.findings["start"]), end=local(r.findings["end"]))
            spans = spans.dropna(subset=["start", "end"])[["start", "end", "check"]]
            days = r.evidence.assign(
                camera=r.evidence["deploymentID"].where(
                    r.evidence["deploymentID"] != r.deployment, r.deployment + " (chosen)"
                )
            )
            layers = [hv.VSpans(spans, kdims=["start", "end"], vdims=["check"]).opts(color="#d62728", alpha=0.12)]
            layers.append(
                hv.Scatter(days, "date", ["n_media", "camera"]).opts(
                    color="camera",
                    cmap="Category10",
                    size=5,
                    tools=["hover"],
                    legend_position="right",
                    show_legend=True,
                )
            )
            return hv.Overlay(layers).opts(
                title=f"Evidence: images per day of the cameras at {r.deployment}'s location (red: periods of findings)",
                width=900,
                height=280,
                xlabel=f"date ({zone})",
                ylabel="images per day",
            )

        self._timeline.show((r.checks, r.severities, r.deployment), timeline)
        self._evidence.show((r.deployment, r.checks, r.severities), evidence if r.deployment else lambda: None)
        shown = r.findings[["deploymentID", "check", "severity", "message"]]
        self._table.value = html_table(r.summary, caption="Findings per check") + html_table(
            shown, max_rows=12, caption="Findings (message: the evidence in words)"
        )
