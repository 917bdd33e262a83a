"""The registry of checks, :data:`CHECKS`, and :func:`check_deployments`, which runs it.

A check is a function of one argument, the study's :class:`~nbtools.quality.context.CheckContext` (records
on true time, clocks, partners and options), returning a list of :class:`~nbtools.quality.findings.Finding`
of its own kind only, and marked with the severity of its findings
(:func:`~nbtools.quality.findings.with_severity`)::

    @with_severity("warning")
    def my_check(context: CheckContext) -> list[Finding]: ...

:data:`CHECKS` maps each check's name (the ``check`` column of the findings) to its function, in the
order findings of one deployment are listed. To add a check: write the function in the module of its kind
(or a new one), add it here, and give the faults it is meant to find in
:data:`nbtools.quality.scoring.FAULT_CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import pandas as pd

from .clock_model import estimate_clocks
from .clocks import clock_drift, clock_offset, clock_reset
from .context import CheckContext
from .coverage import ended_early, no_media, records_outside
from .findings import Finding, empty_findings, findings_frame
from .night import no_night_images
from .records import Options, read_records, study_tables, validate_deployments
from .silences import started_late, stopped_recording, trigger_gap
from .triggers import false_triggers

__all__ = ["CHECKS", "SEVERITY", "Check", "check_deployments"]


class Check(Protocol):
    """The signature of a check: ``check(context) -> list[Finding]``, with a ``severity`` attribute."""

    severity: str

    def __call__(self, context: CheckContext) -> list[Finding]: ...


#: Every check, by name, in the order of the findings of one deployment. Each is a function
#: ``check(context: CheckContext) -> list[Finding]`` returning findings of its own name only, with a
#: ``severity`` attribute: ``error`` (times or data wrong: fix before analysis), ``warning`` (the recorded
#: effort is too high unless the period is removed) or ``info`` (explains a gap that the deployment table
#: already shows).
CHECKS: dict[str, Check] = {
    "clock_reset": clock_reset,
    "clock_offset": clock_offset,
    "clock_drift": clock_drift,
    "records_outside": records_outside,
    "no_media": no_media,
    "started_late": started_late,
    "stopped_recording": stopped_recording,
    "trigger_gap": trigger_gap,
    "false_triggers": false_triggers,
    "no_night_images": no_night_images,
    "ended_early": ended_early,
}

#: The severity of each check's findings (``CHECKS[name].severity``), in the order of :data:`CHECKS`.
SEVERITY: dict[str, str] = {name: check.severity for name, check in CHECKS.items()}


def _run(check: Callable[[CheckContext], list[Finding]], name: str, context: CheckContext) -> list[Finding]:
    """Findings of one check, refusing findings of another kind (a check reports its own only)."""
    found = list(check(context))
    other = sorted({f.check for f in found} - {name})
    if other:
        raise ValueError(f"check {name!r} returned findings of {other}: a check reports its own kind only")
    return found


def check_deployments(
    study: Any,
    *,
    timezone: str | None = None,
    alpha: float = 0.001,
    clock_tolerance: str | pd.Timedelta = "10min",
    min_gap_days: float = 2.0,
    sequence_interval: str | pd.Timedelta = "120s",
    pair_window: str | pd.Timedelta = "13h",
    reset_days: float = 180.0,
    blank_factor: float = 3.0,
    checks: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Data-quality findings per deployment: clock faults, dead batteries, knocked-over cameras and more.

    Parameters
    ----------
    study : Study or CamtrapDP
        Anything with Camtrap DP ``deployments`` (``deploymentID``, ``deploymentStart``,
        ``deploymentEnd``; ``locationID``, ``cameraID``, ``latitude``, ``longitude`` used when present),
        ``media`` (``deploymentID``, ``timestamp``) and ``observations`` (``deploymentID``,
        ``eventStart``, ``observationType``, ``cameraSetupType``, ``scientificName``), e.g.
        :class:`nbtools.study.Study`.
    timezone : str, optional
        The study's zone (default ``study.timezone``, else UTC): local dates for the clock-reset test and
        the UTC offset a wrong clock was set to.
    alpha : float, default 0.001
        Largest chance (probability under a working camera) of a silence, a burst of blanks or a run
        without night images for it to be reported, per deployment.
    clock_tolerance : str or Timedelta, default "10min"
        Clock errors up to this are ignored (a walk test is seldom more than a few minutes after set-up).
    min_gap_days : float, default 2
        Shortest silence or coverage gap (days) reported, whatever its probability.
    sequence_interval : str or Timedelta, default "120s"
        Images closer than this are one sequence (a trigger's burst and its re-triggers); rates are
        sequences per day.
    pair_window : str or Timedelta, default "13h"
        Largest clock difference looked for between two cameras of one location (covers a wrong
        time zone or AM/PM).
    reset_days : float, default 180
        Images this many days before set-up or after pick-up mean a clock restarted from a default
        date rather than an offset.
    blank_factor : float, default 3
        ``false_triggers`` needs at least this many times the other deployments' rate of blank records
        per working day.
    checks : sequence of str, optional
        Run only these checks (keys of :data:`CHECKS`); clocks are always estimated because the other
        checks use corrected times.

    Returns
    -------
    DataFrame
        One row per finding, sorted by deployment: ``deploymentID``, ``locationID``, ``cameraID``,
        ``check``, ``severity`` (:data:`SEVERITY`), ``message`` (the evidence in words), ``start``,
        ``end`` (the period concerned, UTC, true time), ``days`` (its length), ``offset_s`` (clock error
        at set-up, seconds, camera minus true time), ``drift_s_per_day``, ``n_records`` (records seen),
        ``expected_records`` (records expected at the camera's own rate), ``p_value`` (chance of so
        few or so many), ``partner`` (the other camera at the location used as reference) and
        ``partner_records`` (its sequences in the period). ``attrs["summary"]`` counts findings per check.

    Notes
    -----
    *Clock.* A deployment whose first image is more than ``reset_days`` before set-up (or after pick-up)
    has a reset clock; its offset is that of the first set-up image (or first image). Otherwise the
    offset at set-up is the time of the first set-up image minus ``deploymentStart``, less the usual lag
    of the walk test (the median over the deployments whose clocks agree with the written times); when
    the last set-up image is near the pick-up, its offset (less the usual lag before pick-up) minus the
    first, over the deployment's length, is the drift. Deployments without set-up images are compared
    with their partner cameras at the same location: every difference between their sequence starts
    within ``pair_window`` is a candidate match, the shift is the fullest 2-min bin pair (at least 5
    matches and 5 times the chance matches) and a drift the slope, up to 10 min per week, of the line
    through most of them (a Hough search). A partner with a known clock passes it on; when neither
    clock is known, the deployment whose first and last images (the unmarked walk tests) sit at the
    shift from the written times is the wrong one, and when nothing tells, both are reported as
    ambiguous. Whole-hour offsets are named as the UTC offset the camera was set to. All later checks
    use times corrected by offset and drift.

    *Silences.* With ``n`` sequences over ``T`` days a camera records ``r = (n - 1) / T`` per day; the
    chance of no sequence in ``g`` days is ``exp(-r g)``. ``stopped_recording`` also counts the pick-up
    walk test: when most deployments have an image in the hour before their pick-up and this one has
    none, the chance is multiplied by the share of deployments without one. ``trigger_gap`` needs a
    partner: if this camera took a share ``q`` of the pair's (non-blank) records elsewhere and the
    partner recorded ``k`` during the silence, the chance is ``(1 - q)^k`` times the number of
    silences tested. ``ended_early`` needs no statistics: after the deployment's end the location had
    fewer deployed cameras than before for ``min_gap_days`` or more.

    *Blanks and night.* ``false_triggers`` compares a deployment's blank records with a Poisson
    expectation at the rate of all other deployments per working day. ``no_night_images`` takes the
    share ``p`` of night-time animal records (between sunset and sunrise at the station, NOAA
    algorithm) of the partner cameras over the same period or, without partners, each record's
    species' share elsewhere in the study; a run of day-time records has chance ``prod(1 - p)``, the
    most surprising of ``n`` records about ``n`` times that.

    References
    ----------
    Newey, S. et al. (2015) *Ambio* 44, 624-635. https://doi.org/10.1007/s13280-015-0713-1

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> dep = pd.DataFrame({"deploymentID": ["d1"], "locationID": ["A"], "cameraID": ["C1"],
    ...     "deploymentStart": pd.to_datetime(["2024-01-01 10:00"], utc=True),
    ...     "deploymentEnd": pd.to_datetime(["2024-03-01 10:00"], utc=True)})
    >>> media = pd.DataFrame({"mediaID": ["m1", "m2"], "deploymentID": ["d1", "d1"],
    ...     "timestamp": pd.to_datetime(["2000-01-01 00:01", "2000-01-05 13:20"], utc=True)})
    >>> study = SimpleNamespace(deployments=dep, media=media, observations=None, timezone="UTC")
    >>> check_deployments(study)[["deploymentID", "check", "severity"]].to_dict("records")
    [{'deploymentID': 'd1', 'check': 'clock_reset', 'severity': 'error'}]
    """
    deployments, media, observations, study_tz = study_tables(study)
    options = Options.validated(
        timezone=timezone or study_tz or "UTC",
        alpha=alpha,
        clock_tolerance=clock_tolerance,
        min_gap_days=min_gap_days,
        sequence_interval=sequence_interval,
        pair_window=pair_window,
        reset_days=reset_days,
        blank_factor=blank_factor,
    )
    registry = dict(CHECKS)
    wanted = set(registry) if checks is None else set(checks)
    unknown = wanted - set(registry)
    if unknown:
        raise ValueError(f"unknown check(s) {sorted(unknown)}; known: {list(registry)}")
    validate_deployments(deployments)
    if len(deployments) == 0:
        return empty_findings()
    records = read_records(deployments, media, observations, options)
    context = CheckContext(
        study=study,
        deployments=deployments,
        options=options,
        records=records,
        clocks=estimate_clocks(records, options),
    )
    findings = [f for name, check in registry.items() if name in wanted for f in _run(check, name, context)]
    severity = {name: check.severity for name, check in registry.items()}
    return findings_frame(findings, severity, records.deployment_ids, records.location_ids, records.camera_ids)
