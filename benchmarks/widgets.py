"""Benchmark: time from a control change to an updated result, for each explorer of nbtools.widgets.

Run:  python benchmarks/widgets.py [--only study activity individual quality occupancy density]

On the default study (``open_catalog("leopard")``) each explorer gets a scripted sequence of control
changes, as a user would make them; each change is timed from setting the control's ``value`` to the
return of the (synchronous) ``observe`` callback, when ``.result`` holds the new result. Changes to a value
not seen before are *cold* (nothing cached for it: new events, new curves, new co-detections); changes
back to a value seen before are *warm*. Bootstraps are off (they are off by default and show a progress bar).

The baseline, measured in the same run, is what the change costs without the explorer's caches: the pure
functions called from scratch for the new control values, as a script would (subset the study, form the
independent events, the camera-operation matrix and the RAI; or the event times, curves and overlap; or the
individual events, records and co-detections; or run ``check_deployments`` and filter its findings; or
``occupancy_data`` + ``occu`` + ``occupied_share`` + ``predict_raster``; or ``capthist_from_study`` +
``mask_from_study`` + ``secr_fit``).

The OccupancyExplorer runs on notebook 04's winter (2016-11-01 to 2017-01-31); a cold change of the
covariates is one ``occu(method="newton")`` fit and its psi map, a cold change of the occasion length also
builds the detection history (about a second). The DensityExplorer's cold changes are new SECR fits, which
take seconds (with a progress bar): its target applies to changes that reuse a fitted model (warm), and
both are reported. In a kernel those fits run in the explorer's worker thread (``background=True``); the
time such a change holds the kernel is measured too.

The target is 250 ms or less per change (issue 9): an explorer PASSes when the median of its cold changes
is within it. A last column gives the median time with the view shown (the plots redrawn as bokeh widgets
too), which is how long the kernel is busy in a notebook; it has no target here.

The machine is shared: absolute times vary with the load; the ratios, measured in one process on the same
data, are what to compare between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nbtools import activity, occupancy, secr  # noqa: E402
from nbtools.catalog import open_catalog  # noqa: E402
from nbtools.effort import camera_operation  # noqa: E402
from nbtools.events import independent_events  # noqa: E402
from nbtools.indices import relative_abundance  # noqa: E402
from nbtools.quality import check_deployments  # noqa: E402
from nbtools.study import Study  # noqa: E402
from nbtools.widgets import (  # noqa: E402
    ActivityExplorer,
    DensityExplorer,
    IndividualExplorer,
    OccupancyExplorer,
    QualityExplorer,
    StudyExplorer,
    co_detections,
    companions,
    detection_records,
    moves,
)
from nbtools.widgets._common import station_positions  # noqa: E402

TARGET_MS = 250.0
LEOPARD, TIGER = "Panthera pardus orientalis", "Panthera tigris altaica"
SIKA, ROE, BOAR = "Cervus nippon", "Capreolus pygargus", "Sus scrofa"


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000 if values else float("nan")


class Run:
    """Times a sequence of (control, value) changes on one explorer.

    A change is cold when the explorer has never been in the resulting state (the values of all its
    controls), warm when it comes back to one.
    """

    CONTROLS = (
        *("species", "threshold", "start", "end", "map_species"),  # StudyExplorer (species, start, end also elsewhere)
        *("clock_or_sun", "adjust", "bootstrap", "n_boot"),  # ActivityExplorer
        *("individual", "window"),  # IndividualExplorer
        *("check", "severity", "deployment"),  # QualityExplorer
        *("occasion", "psi", "p"),  # OccupancyExplorer
        *("detectfn", "by_sex", "density", "spacing", "buffer"),  # DensityExplorer
    )

    def __init__(self, name: str, explorer: object) -> None:
        self.name, self.explorer = name, explorer
        self.rows: dict[str, dict[str, list[float]]] = {}
        self.seen: set[tuple] = {self.state()}

    def state(self) -> tuple:
        return tuple(
            (c, repr(getattr(self.explorer, c).value))
            for c in self.CONTROLS
            if hasattr(getattr(self.explorer, c, None), "value")
        )

    def change(self, control: str, value: object) -> bool:
        """Set ``control`` to ``value`` and time it; True when the change was cold."""
        widget = getattr(self.explorer, control)
        if widget.value == value:
            return False
        before = self.explorer.result
        seconds = timed(lambda: setattr(widget, "value", value))
        key = self.state()
        kind = "warm" if key in self.seen else "cold"
        self.seen.add(key)
        if self.explorer.result is before:
            raise AssertionError(
                f"{self.name}: {control} = {value!r} did not update the result: {self.explorer.status.value}"
            )
        row = self.rows.setdefault(control, {"cold": [], "warm": [], "baseline": []})
        row[kind].append(seconds)
        return kind == "cold"


def steps(control: str, *values: object) -> list[tuple[str, object]]:
    """Changes of one control to each value in turn: a run of a plan."""
    return [(control, value) for value in values]


def drawn(explorer: object, changes: list[tuple[str, object]]) -> list[float]:
    """Times of changes with the view built (results and plots)."""
    explorer.widget  # noqa: B018
    return [timed(lambda c=c, v=v: setattr(getattr(explorer, c), "value", v)) for c, v in changes]


def study_run(study: Study) -> tuple[Run, list[float]]:
    ex = StudyExplorer(study)
    run = Run("StudyExplorer", ex)

    def scratch() -> Callable[[], object]:
        species, minutes = list(ex.species.value), int(ex.threshold.value)
        start, end = ex._period()

        def baseline() -> object:
            sub = study.subset(species=species, start=start, end=end)
            events = independent_events(sub.observations, threshold=f"{minutes}min", deployments=sub.deployments)
            operation = camera_operation(sub.deployments, timezone=sub.timezone)
            return relative_abundance(events, operation, species=species)

        return baseline

    plan = [
        *steps("threshold", 60, 120, 15, 240, 60, 30),
        *steps("species", (LEOPARD, TIGER), (LEOPARD, TIGER, SIKA), (LEOPARD,), (LEOPARD, TIGER)),
        *steps("map_species", TIGER, LEOPARD),
        ("start", dt.date(2017, 3, 1)),
        ("end", dt.date(2017, 6, 1)),
        *steps("start", dt.date(2016, 12, 1), dt.date(2017, 3, 1)),
        ("end", ex.last_day),
        ("start", ex.first_day),
    ]
    for control, value in plan:
        if run.change(control, value):  # the same inputs from scratch, for every cold change
            run.rows[control]["baseline"].append(timed(scratch()))
    plots = drawn(
        ex,
        [
            ("threshold", 720),
            ("species", (LEOPARD, TIGER, BOAR)),
            ("map_species", BOAR),
            ("start", dt.date(2017, 1, 1)),
        ],
    )
    return run, plots


def activity_run(study: Study) -> tuple[Run, list[float]]:
    ex = ActivityExplorer(study)
    run = Run("ActivityExplorer", ex)

    def baseline() -> object:
        species, column = list(ex.result.species), "time_rad" if ex.clock_or_sun.value == "clock" else "sun_rad"
        times = activity.times_by_species(activity.study_event_times(study), column, species=species)
        activity.density_curves(times, adjust=ex.adjust.value)
        return [
            activity.overlap_estimates(
                times[species[0]], times[s], adjust=tuple(v * ex.adjust.value for v in (0.8, 1, 4))
            )
            for s in species[1:]
        ]

    plan = [
        *steps("clock_or_sun", "clock", "sun"),
        *steps("adjust", 0.5, 1.5, 2.0, 1.0),
        *steps("species", (LEOPARD, TIGER, SIKA), (LEOPARD, TIGER, SIKA, ROE), (LEOPARD, TIGER)),
        ("clock_or_sun", "clock"),
        ("adjust", 0.5),
        ("clock_or_sun", "sun"),
    ]
    for control, value in plan:
        if run.change(control, value):
            run.rows[control]["baseline"].append(timed(baseline))
    plots = drawn(ex, [("clock_or_sun", "clock"), ("adjust", 0.75), ("species", (LEOPARD, TIGER, BOAR))])
    return run, plots


def individual_run(study: Study) -> tuple[Run, list[float]]:
    ex = IndividualExplorer(study)
    run = Run("IndividualExplorer", ex)
    obs = study.observations

    def baseline() -> object:
        ind, minutes = ex.individual.value, int(ex.window.value)
        mine = obs[(obs["individualID"] == ind).fillna(False).to_numpy(dtype=bool)]
        history = independent_events(mine, threshold="30min", deployments=study.deployments, individual=True)
        records = detection_records(obs, study.deployments)
        moves(history, station_positions(study.deployments))
        return companions(co_detections(records, ind, f"{minutes}min"), ind, study.individuals)

    plan = [
        *steps("individual", "Leo 1F", "Leo 9M", "Leo 12M", "Leo 4F"),
        *steps("window", 1440, 10080, 15, 60),
        ("individual", "Leo 1F"),
        ("window", 1440),
    ]
    for control, value in plan:
        if run.change(control, value):
            run.rows[control]["baseline"].append(timed(baseline))
    plots = drawn(ex, [("individual", "Tig 2M"), ("window", 10080), ("individual", "Leo 4F")])
    return run, plots


def quality_run(study: Study) -> tuple[Run, list[float], float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_seconds = timed(lambda: globals().__setitem__("_findings", check_deployments(study)))
    findings = globals().pop("_findings")
    ex = QualityExplorer(study, findings=findings)  # the same findings: check_deployments runs once here
    run = Run("QualityExplorer", ex)
    checks = [v for _, v in ex.check.options]

    plan = [
        ("check", ("stopped_recording",)),
        ("check", ("stopped_recording", "ended_early")),
        ("severity", ("warning",)),
        ("severity", ("error", "warning", "info")),
        ("check", tuple(checks)),
    ]
    for control, value in plan:
        if run.change(control, value):
            run.rows[control]["baseline"].append(check_seconds)  # measured once above (about 10 s), not re-run
    deps = [v for _, v in ex.deployment.options][1:4]
    for d in deps + [deps[0]]:
        if run.change("deployment", d):
            run.rows["deployment"]["baseline"].append(check_seconds)
    plots = drawn(
        ex, [("deployment", deps[1]), ("check", ("clock_offset", "clock_drift")), ("deployment", "(all deployments)")]
    )
    return run, plots, check_seconds


def occupancy_run(study: Study) -> tuple[Run, list[float]]:
    winter = dict(start="2016-11-01", end="2017-01-31")
    ex = OccupancyExplorer(study, **winter)
    run = Run("OccupancyExplorer", ex)

    def baseline() -> object:
        r = ex.result
        covariates = list(dict.fromkeys([*r.psi_covariates, *[c for c in r.p_covariates if c != "effort"]]))
        data = occupancy.occupancy_data(
            study, r.species, occasion_length=r.occasion_length, covariates=covariates, buffer_m=ex.buffer_m, **winter
        )
        fit = occupancy.occu(r.formula, *data, method="newton")
        occupancy.occupied_share(fit)
        return occupancy.predict_raster(
            fit, study.habitat, data.standardisation, buffer_m=data.buffer_m, mask="in_park"
        )

    plan = [
        *steps("psi", ("forest_cover",), ("forest_cover", "elevation", "prey_index")),
        *steps("p", (), ("effort", "prey_index")),
        ("psi", ("forest_cover", "elevation")),
        ("p", ("effort",)),
        *steps("psi", ("elevation", "distance_to_road"), ("forest_cover",)),
        ("occasion", 14),
        ("psi", ("forest_cover", "elevation")),
        ("occasion", 7),
        *steps("psi", ("forest_cover",), ("forest_cover", "elevation")),
    ]
    for control, value in plan:
        if run.change(control, value):
            run.rows[control]["baseline"].append(timed(baseline))
    plots = drawn(
        ex,
        [
            ("psi", ("prey_index",)),
            ("p", ("effort", "forest_cover")),
            ("psi", ("forest_cover", "elevation")),
            ("p", ("effort",)),
        ],
    )
    return run, plots


def density_run(study: Study) -> tuple[Run, list[float]]:
    ex = DensityExplorer(study, progress=False)  # no tqdm bar in the terminal (in a notebook it is a widget)
    run = Run("DensityExplorer", ex)

    def baseline() -> object:
        r = ex.result
        ch = secr.capthist_from_study(study, species=r.species, **ex.capthist_settings)
        mask = secr.mask_from_study(
            study, ch, buffer_m=r.buffer, spacing=r.spacing, covariates=["forest_cover", "prey_index"]
        )
        return secr.secr_fit(ch, mask=mask, progress=False, **r.settings)

    plan = [
        *steps("detectfn", "HN", "HHN"),
        *steps("by_sex", "none", "sigma"),
        *steps("density", ("forest_cover",), ()),
        ("detectfn", "HN"),
        ("by_sex", "none"),
        ("detectfn", "HHN"),
        ("by_sex", "sigma"),
        *steps("spacing", 1000, 2000),
    ]
    for control, value in plan:
        if run.change(control, value):
            run.rows[control]["baseline"].append(timed(baseline))
    plots = drawn(ex, [("detectfn", "HN"), ("detectfn", "HHN"), ("density", ("forest_cover",)), ("density", ())])
    return run, plots


def density_background(study: Study) -> tuple[list[float], list[float]]:
    """In a kernel the DensityExplorer fits in a worker thread: how long a new-fit change holds the caller."""
    ex = DensityExplorer(study, progress=False, background=True)
    held, done = [], []
    for control, value in [("detectfn", "HN"), ("by_sex", "none"), ("detectfn", "EX"), ("by_sex", "both")]:
        start = time.perf_counter()
        getattr(ex, control).value = value
        held.append(time.perf_counter() - start)
        ex.wait()
        done.append(time.perf_counter() - start)
    return held, done


def main() -> int:
    names = ("study", "activity", "individual", "quality", "occupancy", "density")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", choices=names, default=list(names), help="explorers to benchmark (default all)"
    )
    only = parser.parse_args().only
    warnings.filterwarnings("ignore", category=UserWarning)
    t0 = time.perf_counter()
    study = Study.from_catalog(open_catalog("leopard"))
    print(f"default study loaded in {time.perf_counter() - t0:.1f} s: {study!r}")
    makers = {
        "study": study_run,
        "activity": activity_run,
        "individual": individual_run,
        "quality": quality_run,
        "occupancy": occupancy_run,
        "density": density_run,
    }
    runs = []
    for name in (n for n in names if n in only):
        t0 = time.perf_counter()
        run, plots, *extra = makers[name](study)
        runs.append((run, plots))
        if name == "quality":
            print(f"QualityExplorer: check_deployments took {extra[0]:.1f} s (once; the explorer caches the findings)")
        print(f"{run.name}: benchmarked in {time.perf_counter() - t0:.1f} s", flush=True)

    background = density_background(study) if "density" in only else None

    print()
    print(
        "| explorer | control | cold changes | cold median ms | warm median ms | baseline (no cache) median ms | x faster |"
    )
    print("|---|---|---|---|---|---|---|")
    verdicts = []
    for run, plots in runs:
        all_cold, all_base = [], []
        for control, row in run.rows.items():
            cold, warm, base = median_ms(row["cold"]), median_ms(row["warm"]), median_ms(row["baseline"])
            all_cold += row["cold"]
            all_base += row["baseline"]
            print(
                f"| {run.name} | {control} | {len(row['cold'])} | {cold:.0f} | {warm:.0f} | {base:.0f} | {base / cold:.1f} |"
            )
        all_warm = [s for row in run.rows.values() for s in row["warm"]]
        verdicts.append((run.name, median_ms(all_cold), median_ms(all_base), median_ms(plots), median_ms(all_warm)))
    print()
    print(
        "| explorer | median cold change ms | median warm change ms | baseline ms | with plots redrawn ms | target ms | verdict |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, cold, base, with_plots, warm in verdicts:
        verdict = "PASS" if cold <= TARGET_MS else "MISS"
        print(f"| {name} | {cold:.0f} | {warm:.0f} | {base:.0f} | {with_plots:.0f} | {TARGET_MS:.0f} | {verdict} |")
    print()
    for name, cold, _, _, warm in verdicts:
        if name == "DensityExplorer":  # new SECR fits take seconds: the target is for changes that reuse them
            print(
                f"{'PASS' if warm <= TARGET_MS else 'MISS'} {name}: median {warm:.0f} ms from a control change to the "
                f"updated result when the model was fitted before (target {TARGET_MS:.0f} ms); a NEW SECR fit takes "
                f"median {cold:.0f} ms ({cold / 1000:.1f} s, over the target, shown with a progress bar)"
            )
            if background is not None:
                held, done = background
                print(
                    f"{'PASS' if max(held) * 1000 <= TARGET_MS else 'MISS'} {name} in a kernel (background=True): a "
                    f"change needing a new fit holds the kernel at most {max(held) * 1000:.0f} ms (median "
                    f"{median_ms(held):.0f} ms); the fit finishes in the worker thread after median "
                    f"{median_ms(done):.0f} ms"
                )
            continue
        print(
            f"{'PASS' if cold <= TARGET_MS else 'MISS'} {name}: median {cold:.0f} ms from a control change to the "
            f"updated result (target {TARGET_MS:.0f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
