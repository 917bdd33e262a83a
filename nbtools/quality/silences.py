"""Silence checks: ``started_late``, ``stopped_recording`` and ``trigger_gap`` (a camera that did not record).

"Improbably long" is a Poisson statement: a camera that recorded ``r`` sequences per day (``(n - 1) / T``
over its ``n`` sequences) has a chance ``exp(-r g)`` of no sequence in ``g`` days, and a finding needs
that chance below ``alpha`` and a silence of at least ``min_gap_days``. Times are on true time (clock
faults undone), so a camera on the wrong time zone is not also reported as silent.
"""

from __future__ import annotations

import numpy as np

from .._time import NANOSECONDS_PER_DAY as DAY
from .._time import NANOSECONDS_PER_HOUR as HOUR
from .context import CheckContext
from .findings import Finding, fmt_days, fmt_time, with_severity

__all__ = ["partner_gap", "started_late", "stopped_recording", "trigger_gap"]


def _recording(context: CheckContext, i: int) -> tuple[np.ndarray, float] | None:
    """Deployment ``i``'s sequence starts within its period (and the tolerance) and its rate per ns.

    None with fewer than 3 sequences (no rate to speak of).
    """
    r, tol = context.records, context.options.clock_tolerance
    t = context.sequences[i]
    t = t[(t >= r.start[i] - tol) & (t <= r.end[i] + tol)]
    rate = context.recording_rate(i)
    if t.size < 3 or np.isnan(rate):
        return None
    return t, rate


def _partner_words(context: CheckContext, i: int, a: int, b: int) -> tuple[str | None, float, str]:
    """The partner recording over most of ``(a, b)``, its sequences there, and that in words."""
    who, k = context.partner_sequences(i, a, b)
    return who, k, f"; partner {who} recorded {k:.0f} sequences meanwhile" if who else ""


def _pickup_walk_tests(context: CheckContext) -> tuple[np.ndarray, bool, float]:
    """Which deployments have an image in the hour before pick-up (a walk test), and what a missing one means.

    Returns ``(ends_with_walk_test, protocol, miss_share)``: when most deployments with images have one
    (``protocol``), the study does walk tests, and a missing one is evidence whose chance is the share of
    deployments without one (``miss_share``; 1 otherwise).
    """
    r, tol, img = context.records, context.options.clock_tolerance, context.images
    with_images = np.array([img[i].size > 0 for i in range(r.n)])
    ends_with_setup = np.array(
        [
            bool(img[i].size) and bool(((img[i] >= r.end[i] - HOUR) & (img[i] <= r.end[i] + tol)).any())
            for i in range(r.n)
        ]
    )
    walk_share = ends_with_setup[with_images].mean() if with_images.any() else 0.0
    protocol = walk_share >= 0.5
    return ends_with_setup, protocol, 1.0 - walk_share if protocol else 1.0


@with_severity("warning")
def stopped_recording(context: CheckContext) -> list[Finding]:
    """The last image long before pick-up although the camera had been triggering steadily.

    Dead batteries or a full card (the latter when blanks abound). The chance ``exp(-r g)`` of the
    silence ``g`` before pick-up is multiplied, where the study does pick-up walk tests and this
    deployment has none, by the share of deployments without one.
    """
    r, tz, options = context.records, context.options.timezone, context.options
    ends_with_setup, protocol, miss_share = _pickup_walk_tests(context)
    out = []
    for i in range(r.n):
        recording = _recording(context, i)
        if recording is None:
            continue
        t, rate = recording
        gap = float(r.end[i] - t[-1])
        if gap < options.min_gap:
            continue
        mu = rate * gap
        no_walk = protocol and not ends_with_setup[i]
        p = float(np.exp(-mu)) * (miss_share if no_walk else 1.0)
        if not p < options.alpha:
            continue
        who, k, partner_text = _partner_words(context, i, int(t[-1]), int(r.end[i]))
        walk = "; no pick-up walk test" if no_walk else ""
        out.append(
            Finding(
                i,
                "stopped_recording",
                f"last image {fmt_days(gap / DAY)} before pick-up ({fmt_time(int(t[-1]), tz)}); at its "
                f"{rate * DAY:.2f} sequences/day {mu:.1f} were expected (p = {p:.1e}){walk}{partner_text}: "
                "dead batteries or a full card",
                start=int(t[-1]),
                end=int(r.end[i]),
                days=gap / DAY,
                n_records=0.0,
                expected_records=mu,
                p_value=p,
                partner=who,
                partner_records=k,
            )
        )
    return out


@with_severity("warning")
def started_late(context: CheckContext) -> list[Finding]:
    """The first image long after set-up (camera not switched on, or the set-up date is wrong)."""
    r, tz, options = context.records, context.options.timezone, context.options
    out = []
    for i in range(r.n):
        recording = _recording(context, i)
        if recording is None:
            continue
        t, rate = recording
        gap0 = float(t[0] - r.start[i])
        if gap0 < options.min_gap:
            continue
        mu = rate * gap0
        p = float(np.exp(-mu))
        if not p < options.alpha:
            continue
        who, k, partner_text = _partner_words(context, i, int(r.start[i]), int(t[0]))
        out.append(
            Finding(
                i,
                "started_late",
                f"first image {fmt_days(gap0 / DAY)} after set-up ({fmt_time(int(t[0]), tz)}); "
                f"{mu:.1f} sequences were expected (p = {p:.1e}){partner_text}: camera not switched on, or "
                "the set-up date is wrong",
                start=int(r.start[i]),
                end=int(t[0]),
                days=gap0 / DAY,
                n_records=0.0,
                expected_records=mu,
                p_value=p,
                partner=who,
                partner_records=k,
            )
        )
    return out


def partner_gap(context: CheckContext, i: int, t: np.ndarray) -> tuple[int, int, int, int, float, int] | None:
    """The silence of deployment ``i`` during which a partner recorded most improbably many sequences.

    For a gap between two sequences of ``i`` (at least ``min_gap_days`` long) in which partner ``j``
    recorded ``k`` sequences, and ``q`` the share of the pair's sequences that ``i`` took over the
    rest of their overlap, the chance of ``i`` recording none of ``k`` is ``(1 - q)^k``.

    Parameters
    ----------
    context : CheckContext
        Its ``triggers`` (the records both cameras should see: not blank) give the counts and shares.
    i : int
        The deployment.
    t : numpy.ndarray
        Its sequence starts (any image shows the camera working), ns.

    Returns
    -------
    tuple or None
        ``(gap start, gap end, j, k, q, number of gaps tested)`` of the smallest chance, or None.
    """
    r, triggers, min_gap = context.records, context.triggers, context.options.min_gap
    best = None
    best_p = 2.0
    tested = 0
    for j in r.partners[i]:
        lo, hi = max(r.start[i], r.start[j]), min(r.end[i], r.end[j])
        tj = triggers[j][(triggers[j] >= lo) & (triggers[j] <= hi)]
        ri = triggers[i][(triggers[i] >= lo) & (triggers[i] <= hi)]
        ti = t[(t >= lo) & (t <= hi)]
        if ti.size < 2 or tj.size == 0:
            continue
        gaps = np.diff(ti)
        which = np.flatnonzero(gaps >= min_gap)
        if which.size == 0:
            continue
        a, b = ti[which], ti[which + 1]
        k = np.searchsorted(tj, b, "left") - np.searchsorted(tj, a, "right")
        q = (ri.size + 0.5) / (ri.size + tj.size - k + 1.0)
        chance = (1.0 - q) ** k
        tested += which.size
        m = int(np.argmin(chance))
        if chance[m] < best_p:
            best_p = float(chance[m])
            best = (int(a[m]), int(b[m]), j, int(k[m]), float(q[m]))
    if best is None:
        return None
    return (*best, tested)


@with_severity("warning")
def trigger_gap(context: CheckContext) -> list[Finding]:
    """No trigger for an improbably long time mid-deployment while the partner camera kept triggering.

    Knocked over, covered or moved. Needs a partner: the chance ``(1 - q)^k`` of :func:`partner_gap`
    times the number of silences tested.
    """
    r, tz, alpha = context.records, context.options.timezone, context.options.alpha
    out = []
    for i in range(r.n):
        recording = _recording(context, i)
        if recording is None or recording[0].size < 4 or not r.partners[i]:
            continue
        best_gap = partner_gap(context, i, recording[0])
        if best_gap is None:
            continue
        a, b, j, k, q, n_gaps = best_gap
        p = min(1.0, n_gaps * (1.0 - q) ** k)
        if not p < alpha:
            continue
        out.append(
            Finding(
                i,
                "trigger_gap",
                f"no trigger for {fmt_days((b - a) / DAY)} ({fmt_time(a, tz)} to {fmt_time(b, tz)}) "
                f"while partner {r.deployment_ids[j]} recorded {k} sequences; elsewhere this camera took "
                f"{q:.0%} of the pair's sequences, so {k * q / (1 - q):.1f} were expected (p = {p:.1e}): "
                "knocked over, covered or moved?",
                start=a,
                end=b,
                days=(b - a) / DAY,
                n_records=0.0,
                expected_records=k * q / (1 - q),
                p_value=p,
                partner=str(r.deployment_ids[j]),
                partner_records=float(k),
            )
        )
    return out
