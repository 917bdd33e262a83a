"""What every check receives: :class:`CheckContext`, the study's records on true time.

A check is a function ``check(context: CheckContext) -> list[Finding]`` (see
:data:`nbtools.quality.CHECKS`). The context holds the options, the records of
:mod:`nbtools.quality.records` and the clocks of :mod:`nbtools.quality.clock_model`, and the times the
later checks use, corrected by each camera's offset and drift: sequence starts, images, the records a
partner camera should also see (``triggers``) and every record (:attr:`CheckContext.content_times`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .._time import NANOSECONDS_PER_DAY as DAY
from .clock_model import ClockModel
from .records import Options, Records

__all__ = ["CheckContext"]


@dataclass
class CheckContext:
    """A study's records on true time, with the options and clocks: the one argument of every check.

    Parameters
    ----------
    study : object
        The study checked (a :class:`nbtools.study.Study` or Camtrap DP package); ``study.offsets`` is
        read by the ``clock_offset`` check.
    deployments : DataFrame
        Its deployments table (``latitude`` and ``longitude`` are read by ``no_night_images``).
    options : Options
    records : Records
    clocks : ClockModel

    Attributes
    ----------
    sequences : list of numpy.ndarray
        Per deployment, sequence starts on true time, ns.
    images : list of numpy.ndarray
        Per deployment, every image on true time, ns.
    triggers : list of numpy.ndarray
        Per deployment, what a partner camera should also see, on true time: records that are not blank
        (vegetation triggers are a camera's own), else the sequence starts.
    """

    study: Any
    deployments: pd.DataFrame
    options: Options
    records: Records
    clocks: ClockModel
    sequences: list[np.ndarray] = field(init=False, repr=False)
    images: list[np.ndarray] = field(init=False, repr=False)
    triggers: list[np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        r, true = self.records, self.clocks.true_times
        self.sequences = [true(i, r.sequence_starts[i]) for i in range(r.n)]
        self.images = [true(i, r.images.times(i)) for i in range(r.n)]
        if self.has_content:
            blank = r.content.extra["blank"]
            self.triggers = [true(i, r.content.times(i)[~blank[r.content.slice(i)]]) for i in range(r.n)]
        else:
            self.triggers = self.sequences

    @property
    def has_content(self) -> bool:
        """The study has records (observations other than set-up images)."""
        return self.records.content is not None and bool(self.records.content.ts.size)

    @cached_property
    def content_times(self) -> list[np.ndarray]:
        """Per deployment, every record's time on true time, ns (needs :attr:`has_content`)."""
        r = self.records
        return [self.clocks.true_times(i, r.content.times(i)) for i in range(r.n)]

    def content_column(self, name: str) -> list[np.ndarray]:
        """Per deployment, the records' ``blank``, ``animal`` or ``species`` (needs :attr:`has_content`)."""
        content = self.records.content
        return [content.extra[name][content.slice(i)] for i in range(self.records.n)]

    def recording_rate(self, i: int) -> float:
        """Sequences per ns of deployment ``i`` within its written period (NaN with fewer than 3).

        ``(n - 1)`` sequences over the time from the first to the last, at least a day.
        """
        t = self.sequences[i]
        t = t[(t >= self.records.start[i]) & (t <= self.records.end[i])]
        if t.size < 3:
            return np.nan
        return (t.size - 1) / max(float(t[-1] - t[0]), float(DAY))

    def partner_sequences(self, i: int, a: int, b: int) -> tuple[str | None, float]:
        """The partner of ``i`` deployed over most of ``(a, b)`` (ns) and its sequences there.

        Of the partners deployed over half the period or more, the one with most sequences; ``(None,
        NaN)`` when there is none.
        """
        r = self.records
        best, count = None, np.nan
        for j in r.partners[i]:
            lo, hi = max(a, r.start[j]), min(b, r.end[j])
            if hi - lo >= 0.5 * (b - a):
                k = float(((self.sequences[j] > lo) & (self.sequences[j] < hi)).sum())
                if best is None or k > count:
                    best, count = str(r.deployment_ids[j]), k
        return best, count
