"""Clock checks: ``clock_reset``, ``clock_offset`` and ``clock_drift``, from the estimated clocks.

The clocks themselves are estimated once, before any check runs (:mod:`nbtools.quality.clock_model`),
because every later check reads times corrected by them; these checks put the estimates into words,
with the evidence: the set-up images, the partner camera's matched sequences, the walk tests, or the
UTC offsets written in the files (``study.offsets``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._time import NANOSECONDS_PER_DAY as DAY
from .._time import NANOSECONDS_PER_HOUR as HOUR
from .._time import NANOSECONDS_PER_SECOND as NS
from .._time import SECONDS_PER_DAY
from ..camtrapdp.offsets import check_offsets
from ..camtrapdp.report import ValidationReport
from .clock_model import AMBIGUOUS
from .context import CheckContext
from .findings import Finding, fmt_days, fmt_offset, fmt_time, local_time, utc_offset_label, with_severity

__all__ = ["clock_drift", "clock_offset", "clock_reset"]


@with_severity("error")
def clock_reset(context: CheckContext) -> list[Finding]:
    """The camera's clock restarted at a factory default (2000-01-01): images dated years off.

    A deployment whose first image is more than ``reset_days`` before set-up (or an image that far after
    pick-up); the offset is that of the first set-up image (or first image).
    """
    r, tz = context.records, context.options.timezone
    out = []
    for i in np.flatnonzero(context.clocks.is_reset):
        i = int(i)
        t, s = r.images.times(i), r.setup.times(i)
        first = int(t[0]) if t.size else int(s[0])
        ref = int(s[0]) if s.size else first
        local_first = local_time(first, tz)
        default = local_first.month == 1 and local_first.day == 1 and local_first.hour < 1
        what = f"a factory default ({local_first:%Y-%m-%d})" if default else f"{local_first:%Y-%m-%d}"
        out.append(
            Finding(
                i,
                "clock_reset",
                f"clock restarted from {what}: first image {local_first:%Y-%m-%d %H:%M:%S} (local) for a camera "
                f"set up {fmt_time(int(r.start[i]), tz)}; {t.size} images dated "
                f"{fmt_offset((ref - r.start[i]) / NS)} off",
                start=int(r.start[i]),
                end=int(r.end[i]),
                days=r.duration[i] / DAY,
                offset_s=(ref - r.start[i]) / NS,
                n_records=float(t.size),
            )
        )
    return out


def _partner_evidence(context: CheckContext, i: int) -> tuple[str, str | None, float]:
    """How deployment ``i``'s sequences match its best partner's: words, partner ID, matched sequences."""
    r, clocks, tol = context.records, context.clocks, context.options.clock_tolerance
    pairs = clocks.pairs.good(i)
    if not pairs:
        return "", None, np.nan
    c = clocks.clocks[i]
    j, pc = pairs[next((k for k, (jj, _) in enumerate(pairs) if jj == c.partner), 0)]
    shift = pc.at(r.start[i])
    drifting = pc.drift and abs(pc.drift * r.duration[i]) > tol
    text = (
        f"; its sequences match {pc.matched} of partner {r.deployment_ids[j]}'s "
        + (f"with a shift of {fmt_offset(shift / NS)}" if abs(shift) > tol else "without a shift")
        + (f" drifting {pc.drift * SECONDS_PER_DAY:+.1f} s/day" if drifting else "")
    )
    return text, str(r.deployment_ids[j]), float(pc.matched)


def _ambiguous(context: CheckContext, i: int) -> Finding:
    """A clock difference with a partner that neither camera's evidence attributes (``clock_offset`` or
    ``clock_drift``, as the difference at set-up is beyond the tolerance or not)."""
    r = context.records
    j, pc = context.clocks.ambiguous[i]
    r0, r1 = pc.at(r.start[i]), pc.at(r.end[i])
    return Finding(
        i,
        "clock_offset" if abs(r0) > context.options.clock_tolerance else "clock_drift",
        f"clock differs from partner {r.deployment_ids[j]}'s by {fmt_offset(r0 / NS)} at set-up and "
        f"{fmt_offset(r1 / NS)} at pick-up ({pc.matched} matched sequences); without set-up images or "
        f"images outside either deployment one {AMBIGUOUS}",
        start=int(r.start[i]),
        end=int(r.end[i]),
        days=r.duration[i] / DAY,
        offset_s=r0 / NS,
        drift_s_per_day=pc.drift * SECONDS_PER_DAY,
        partner=str(r.deployment_ids[j]),
        partner_records=float(pc.matched),
    )


def _zone_words(context: CheckContext, i: int, offset: float) -> str:
    """For an offset of whole hours (within 3 min), the UTC offset the camera was set to."""
    hours = offset / HOUR
    if abs(hours - round(hours)) * 60 > 3 or round(hours) == 0:
        return ""
    true_zone = local_time(int(context.records.start[i]), context.options.timezone).utcoffset().total_seconds() / 3600
    return (
        f" (whole hours: camera set to {utc_offset_label(true_zone + round(hours))} instead of "
        f"{utc_offset_label(true_zone)})"
    )


def _offset_finding(context: CheckContext, i: int) -> Finding:
    """Deployment ``i``'s clock offset, with how it was measured."""
    r, c = context.records, context.clocks.clocks[i]
    first, last = context.clocks.first_image[i], context.clocks.last_image[i]
    partner_text, partner_id, partner_n = _partner_evidence(context, i)
    if c.source == "setup":
        how = f"first set-up image {fmt_offset(c.offset / NS)} from the written set-up time{partner_text}"
    elif c.source == "partner":
        how = f"against partner {r.deployment_ids[c.partner]}, whose clock is known{partner_text}"
    else:
        how = (
            f"first image {fmt_offset((first - r.start[i]) / NS)} from the written set-up time, last "
            f"{fmt_offset((last - r.end[i]) / NS)} from the pick-up time{partner_text}"
        )
    return Finding(
        i,
        "clock_offset",
        f"clock {fmt_offset(c.offset / NS)} off{_zone_words(context, i, c.offset)}: {how}",
        start=int(r.start[i]),
        end=int(r.end[i]),
        days=r.duration[i] / DAY,
        offset_s=c.offset / NS,
        partner=partner_id,
        partner_records=partner_n,
    )


def _written_offsets(context: CheckContext, findings: list[Finding]) -> None:
    """Clock faults shown by the UTC offsets written in the files (``study.offsets``), with that evidence.

    A deployment whose media or observations were written with another UTC offset than the deployment
    itself, or with an offset its time zone does not have, is a clock fault whatever the images show:
    the evidence joins an existing ``clock_offset`` finding of ``findings`` or makes one.
    """
    offsets = getattr(context.study, "offsets", None)
    if not isinstance(offsets, pd.DataFrame) or offsets.empty:
        return
    r, tz = context.records, context.options.timezone
    zone = tz if tz and tz[0] not in "+-" else None
    shifts = check_offsets(offsets, ValidationReport(), zone=zone)
    existing = {f.deployment: f for f in findings if f.check == "clock_offset"}
    for dep, group in shifts.groupby("deploymentID", sort=False):
        i = int(r.index.get_indexer([dep])[0])
        if i < 0:
            continue
        where = ", ".join(f"{row.column} in {row.file} ({row.rows} rows)" for row in group.itertuples())
        first = group.iloc[0]
        expected = f"{tz} is at {first.expected} then" if zone else f"deployments.csv writes {first.expected}"
        if zone and first.deployment_offset:
            expected = f"deployments.csv writes {first.deployment_offset} and {expected}"
        evidence = (
            f"written at UTC offset {first.offset} ({where}) where {expected}: a shift of "
            f"{first.shift_hours:+g} h (camera or export set to the wrong zone)"
        )
        if i in existing:
            existing[i].message += f"; {evidence}"
        else:
            findings.append(
                Finding(
                    i,
                    "clock_offset",
                    f"clock {evidence}",
                    start=int(r.start[i]),
                    end=int(r.end[i]),
                    days=r.duration[i] / DAY,
                    offset_s=float(first.shift_hours) * 3600,
                )
            )


@with_severity("error")
def clock_offset(context: CheckContext) -> list[Finding]:
    """The clock is a constant time off (beyond ``clock_tolerance``).

    Measured from the set-up images, a partner camera whose clock is known, or the unmarked walk tests;
    whole hours name the time zone the camera was set to (UTC+8: Beijing time). A difference from a
    partner that neither camera's evidence attributes is reported as such (:data:`AMBIGUOUS`), and the UTC
    offsets written in the files (``study.offsets``) add their evidence.
    """
    clocks, tol = context.clocks, context.options.clock_tolerance
    out = []
    for i in range(context.records.n):
        if clocks.clocks[i].source == "reset":
            continue
        if i in clocks.ambiguous:
            finding = _ambiguous(context, i)
            if finding.check == "clock_offset":
                out.append(finding)
        elif abs(clocks.clocks[i].offset) > tol:
            out.append(_offset_finding(context, i))
    _written_offsets(context, out)
    return out


@with_severity("error")
def clock_drift(context: CheckContext) -> list[Finding]:
    """The clock gained or lost time: the pick-up images are off by a different amount than the set-up's."""
    r, clocks, tol = context.records, context.clocks, context.options.clock_tolerance
    out = []
    for i in range(r.n):
        c = clocks.clocks[i]
        if c.source == "reset":
            continue
        if i in clocks.ambiguous:
            finding = _ambiguous(context, i)
            if finding.check == "clock_drift":
                out.append(finding)
            continue
        if c.drift == 0.0 or abs(c.drift * r.duration[i]) <= tol:
            continue
        partner_text, partner_id, partner_n = _partner_evidence(context, i)
        total = c.drift * r.duration[i]
        if c.source == "setup":
            how = (
                f"pick-up image {fmt_offset((c.offset + total) / NS)} from the written pick-up time, set-up "
                f"image {fmt_offset(c.offset / NS)}"
            )
        elif c.source == "window":
            how = f"last image {fmt_offset((clocks.last_image[i] - r.end[i]) / NS)} from the written pick-up time{partner_text}"
        else:
            how = f"against partner {r.deployment_ids[c.partner]}{partner_text}"
        out.append(
            Finding(
                i,
                "clock_drift",
                f"clock drifted {fmt_offset(total / NS)} over {fmt_days(r.duration[i] / DAY)} "
                f"({c.drift * SECONDS_PER_DAY:+.1f} s/day): {how}",
                start=int(r.start[i]),
                end=int(r.end[i]),
                days=r.duration[i] / DAY,
                offset_s=c.offset / NS,
                drift_s_per_day=c.drift * SECONDS_PER_DAY,
                partner=partner_id,
                partner_records=partner_n,
            )
        )
    return out
