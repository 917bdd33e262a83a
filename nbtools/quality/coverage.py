"""Coverage checks: ``records_outside``, ``no_media`` and ``ended_early`` (what the deployment table says vs the images).

Images outside the written deployment (after clock correction), deployments without any image, and
locations where, after a deployment ended, fewer cameras worked than before for ``min_gap_days`` or
more. None of these needs statistics.
"""

from __future__ import annotations

import numpy as np

from .._time import NANOSECONDS_PER_DAY as DAY
from .context import CheckContext
from .findings import Finding, fmt_days, fmt_time, with_severity

__all__ = ["ended_early", "no_media", "records_outside"]


@with_severity("error")
def records_outside(context: CheckContext) -> list[Finding]:
    """Images outside the deployment that no clock fault explains (wrong dates in the deployment table?).

    Times are corrected by the clock's offset and drift first; images more than ``clock_tolerance``
    before set-up or after pick-up count.
    """
    r, tz, tol = context.records, context.options.timezone, context.options.clock_tolerance
    out = []
    for i in range(r.n):
        t = context.images[i]
        if t.size == 0:
            continue
        outside = (t < r.start[i] - tol) | (t > r.end[i] + tol)
        if not outside.any():
            continue
        k = int(outside.sum())
        first, last = int(t[outside][0]), int(t[outside][-1])
        clock = context.clocks.clocks[i]
        corrected = " after clock correction" if clock.offset or clock.drift else ""
        out.append(
            Finding(
                i,
                "records_outside",
                f"{k} of {t.size} images{corrected} fall outside the deployment ({fmt_time(int(r.start[i]), tz)} "
                f"to {fmt_time(int(r.end[i]), tz)}), from {fmt_time(first, tz)} to {fmt_time(last, tz)}: "
                "deployment dates wrong?",
                start=first,
                end=last,
                n_records=float(k),
            )
        )
    return out


@with_severity("error")
def no_media(context: CheckContext) -> list[Finding]:
    """A deployment without any image, set-up images included (camera or card stolen or lost)."""
    r = context.records
    return [
        Finding(
            i,
            "no_media",
            f"no image at all from a deployment of {fmt_days(r.duration[i] / DAY)}: camera or memory card "
            "stolen or lost, or the camera never worked",
            start=int(r.start[i]),
            end=int(r.end[i]),
            days=r.duration[i] / DAY,
            n_records=0.0,
        )
        for i in range(r.n)
        if r.images.count(i) == 0 and r.setup.count(i) == 0
    ]


def _back_to_strength(s_m: np.ndarray, e_m: np.ndarray, e: int) -> int | None:
    """When, after ``e``, as many of a location's cameras (starts ``s_m``, ends ``e_m``) work as just before."""
    before = int(((s_m < e) & (e_m >= e)).sum())  # including the one that ends at e
    # step through later starts and ends until as many cameras work again
    for t_ in np.unique(np.concatenate([s_m[s_m > e], e_m[e_m > e]])):
        if int(((s_m <= t_) & (e_m > t_)).sum()) >= before:
            return int(t_)
    return None


def _what_followed(context: CheckContext, i: int, members: list[int], back: int | None) -> str:
    """Words for what happened at deployment ``i``'s place: the same camera set again, another, or none."""
    r = context.records
    nxt = [j for j in members if back is not None and r.start[j] == back]
    if not nxt:
        return "no camera worked there again before the location's last pick-up"
    j = nxt[0]
    cam = r.camera_ids
    if cam[j] is not None and cam[j] == cam[i]:
        return f"the same camera {cam[i]} was set again as {r.deployment_ids[j]}: knocked over, moved or switched off?"
    return f"another camera ({cam[j]}, {r.deployment_ids[j]}) replaced it: stolen or broken?"


@with_severity("info")
def ended_early(context: CheckContext) -> list[Finding]:
    """The deployment ended and no camera worked at its place for days while the location's other camera ran.

    After the deployment's end the location had fewer deployed cameras than before for ``min_gap_days``
    or more (until the location's last pick-up at most): stolen, broken or knocked over.
    """
    r, tz, min_gap = context.records, context.options.timezone, context.options.min_gap
    out = []
    for members in r.locations.values():
        s_m, e_m = r.start[members], r.end[members]
        last_end = int(e_m.max())
        for i in members:
            e = int(r.end[i])
            if last_end - e < min_gap:
                continue
            back = _back_to_strength(s_m, e_m, e)
            stop = back if back is not None else last_end
            if stop - e < min_gap:
                continue
            then = _what_followed(context, i, members, back)
            lost = " Its card was lost (no images)." if r.images.count(i) == 0 and r.setup.count(i) == 0 else ""
            who, k = context.partner_sequences(i, e, stop)
            out.append(
                Finding(
                    i,
                    "ended_early",
                    f"ended {fmt_time(e, tz)}, {fmt_days((stop - e) / DAY)} before a camera worked at its place "
                    f"again while the location's other camera(s) ran; {then}{lost}",
                    start=e,
                    end=stop,
                    days=(stop - e) / DAY,
                    partner=who,
                    partner_records=k,
                )
            )
    return out
