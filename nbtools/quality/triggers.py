"""Trigger check: ``false_triggers``, many more blank records than the study's cameras take.

A deployment's blank records are compared with a Poisson expectation at the rate of all *other*
deployments per working day (so that one camera's blanks do not raise its own yardstick): vegetation
moving in front of the sensor, glare, or a sensitive sensor.
"""

from __future__ import annotations

import numpy as np

from .._time import NANOSECONDS_PER_DAY as DAY
from .context import CheckContext
from .findings import Finding, fmt_days, with_severity

__all__ = ["false_triggers", "poisson_sf", "working_days"]


def poisson_sf(k: np.ndarray | float, mu: np.ndarray | float) -> np.ndarray:
    """P(X >= k) for X ~ Poisson(mu)."""
    from scipy.stats import poisson

    return poisson.sf(np.asarray(k) - 1, np.asarray(mu))


def working_days(context: CheckContext) -> np.ndarray:
    """Per deployment, days from its first to its last image (true time) within its written period."""
    r = context.records
    days = np.zeros(r.n)
    for i in range(r.n):
        img = context.images[i]
        if img.size:
            a, b = max(int(img[0]), int(r.start[i])), min(int(img[-1]), int(r.end[i]))
            days[i] = max(b - a, 0) / DAY
    return days


@with_severity("warning")
def false_triggers(context: CheckContext) -> list[Finding]:
    """Many more blank records than the other cameras take per working day.

    A finding needs at least 5 blanks, ``blank_factor`` times the expected number, and a Poisson chance
    of so many below ``alpha``.
    """
    if not context.has_content:
        return []
    r, options = context.records, context.options
    work_days = working_days(context)
    if work_days.sum() <= 0:
        return []
    blank = r.content.extra["blank"]
    n_blank = np.array([blank[r.content.slice(i)].sum() for i in range(r.n)], dtype=float)
    other_days = np.maximum(work_days.sum() - work_days, 1e-9)
    pooled = (n_blank.sum() - n_blank) / other_days
    mu = pooled * work_days
    p = poisson_sf(n_blank, mu)
    hit = (n_blank >= 5) & (n_blank >= options.blank_factor * mu) & (p < options.alpha)
    out = []
    for i in np.flatnonzero(hit):
        i = int(i)
        n_rec = r.content.count(i)
        out.append(
            Finding(
                i,
                "false_triggers",
                f"{n_blank[i]:.0f} blank records of {n_rec} ({n_blank[i] / n_rec:.0%}) in "
                f"{fmt_days(work_days[i])} of operation, {n_blank[i] / mu[i]:.1f} times the other cameras' "
                f"rate ({pooled[i]:.3f}/day; p = {p[i]:.1e}): vegetation, glare or a sensitive sensor",
                start=int(r.start[i]),
                end=int(r.end[i]),
                days=float(work_days[i]),
                n_records=float(n_blank[i]),
                expected_records=float(mu[i]),
                p_value=float(p[i]),
            )
        )
    return out
