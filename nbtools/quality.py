"""Data-quality checks per deployment: clock faults, cameras that stopped, ended early or went blind.

Before any analysis a field team wants to know which cameras misbehaved. :func:`check_deployments`
looks at every deployment's media and observations and returns one row per finding, naming the
deployment, what is wrong, and the numbers that show it:

========================== ============================================================================
check                      what it means, and the evidence
========================== ============================================================================
``clock_reset``            the camera's clock restarted at a factory default (2000-01-01): its images
                           are dated years before the deployment
``clock_offset``           the clock is a constant time off: set-up/pick-up images (``cameraSetupType =
                           "setup"``) are off the written set-up time, or the camera's sequences match
                           its partner camera's at the same location only after a shift; whole hours
                           name the time zone the camera was set to (UTC+8: Beijing time)
``clock_drift``            the clock gained or lost time: the pick-up images are off by a different
                           amount than the set-up images
``records_outside``        images outside the deployment that no clock fault explains (wrong dates
                           written in the deployment table?)
``no_media``               a deployment without any image (camera or card stolen or lost)
``started_late``           the first image long after set-up (camera not switched on, wrong set-up date)
``stopped_recording``      the last image long before pick-up although the camera had been triggering
                           steadily: dead batteries or a full card (the latter when blanks abound)
``ended_early``            the deployment ended and no camera worked at its place for days while the
                           location's other camera kept running: stolen, broken or knocked over
``trigger_gap``            no trigger for an improbably long time mid-deployment while the partner
                           camera kept triggering: knocked over, covered, moved
``false_triggers``         many more blank images than the study's cameras take: vegetation, glare
``no_night_images``        a long run of records without a single night-time one: a broken infrared
                           flash
========================== ============================================================================

"Improbably long" is a Poisson statement: a camera that recorded ``r`` sequences per day has a
chance ``exp(-r * days)`` of a silence that long, and a finding needs that chance below ``alpha``.
Clock faults are corrected (by their estimated offset and drift) before the other checks look at
times, so a camera on the wrong time zone is not also reported as silent.

:func:`problem_periods` turns the findings into malfunction periods for
:func:`nbtools.effort.camera_operation`, :func:`correct_timestamps` undoes the clock faults, and
:func:`score_findings` compares findings with known faults (the simulator's ``truth.json``).

References
----------
Newey, S., Davidson, P., Nazir, S. et al. (2015) Limitations of recreational camera traps for wildlife
management and conservation research: a practitioner's perspective. *Ambio* 44, 624-635.
https://doi.org/10.1007/s13280-015-0713-1

Hofmeester, T.R., Cromsigt, J.P.G.M., Odden, J., Andrén, H., Kindberg, J. and Linnell, J.D.C. (2019)
Framing pictures: a conceptual framework to identify and correct for biases in detection probability
of camera traps enabling multi-species comparison. *Ecology and Evolution* 9, 2320-2336.
https://doi.org/10.1002/ece3.4878

Bubnicki, J.W. et al. (2024) Camtrap DP: an open standard for the FAIR exchange and archiving of
camera trap data. *Remote Sensing in Ecology and Conservation* 10, 283-295.
https://doi.org/10.1002/rse2.374
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .camtrapdp.offsets import check_offsets
from .camtrapdp.report import ValidationReport
from .events import select_records

__all__ = [
    "CHECKS",
    "FAULT_CHECKS",
    "QualityScore",
    "check_deployments",
    "clock_corrections",
    "correct_timestamps",
    "problem_periods",
    "score_findings",
]

NS = 1_000_000_000
DAY = 86_400 * NS
HOUR = 3_600 * NS

#: Every check, with its severity: ``error`` (times or data wrong: fix before analysis), ``warning``
#: (the recorded effort is too high unless the period is removed) or ``info`` (explains a gap that
#: the deployment table already shows).
CHECKS: dict[str, str] = {
    "clock_reset": "error",
    "clock_offset": "error",
    "clock_drift": "error",
    "records_outside": "error",
    "no_media": "error",
    "started_late": "warning",
    "stopped_recording": "warning",
    "trigger_gap": "warning",
    "false_triggers": "warning",
    "no_night_images": "warning",
    "ended_early": "info",
}

#: The faults of the simulator (``truth.json``) each check is meant to find; used by
#: :func:`score_findings`. A check without faults here counts every finding as a false alarm.
FAULT_CHECKS: dict[str, tuple[str, ...]] = {
    "clock_reset": ("clock_reset",),
    "clock_offset": ("clock_offset", "clock_utc8"),
    "clock_drift": ("clock_drift",),
    "records_outside": ("clock_reset", "clock_offset", "clock_utc8", "clock_drift"),
    "no_media": ("stolen",),
    "started_late": (),
    "stopped_recording": ("dead_battery", "card_full"),
    "ended_early": ("stolen", "broken", "knocked_over"),
    "trigger_gap": ("knocked_over",),
    "false_triggers": ("card_full",),
    "no_night_images": (),
}

AMBIGUOUS = "cannot tell which clock is wrong"

COLUMNS = [
    "deploymentID",
    "locationID",
    "cameraID",
    "check",
    "severity",
    "message",
    "start",
    "end",
    "days",
    "offset_s",
    "drift_s_per_day",
    "n_records",
    "expected_records",
    "p_value",
    "partner",
    "partner_records",
]


# --------------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------------


def _ns(values: pd.Series | pd.Index | np.ndarray, what: str) -> np.ndarray:
    """UTC int64 nanoseconds of timezone-aware timestamps (naive ones are taken as UTC)."""
    s = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        raise TypeError(f"{what} must hold timestamps, got dtype {s.dtype}")
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return s.array.as_unit("ns").asi8.copy()


def _as_timedelta_ns(value: object, what: str) -> int:
    try:
        delta = pd.Timedelta(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} must be a duration such as '10min', got {value!r}") from error
    if pd.isna(delta) or delta <= pd.Timedelta(0):
        raise ValueError(f"{what} must be a positive duration, got {value!r}")
    return int(delta.value)


class _Groups:
    """Sorted times grouped by deployment: ``times(i)`` is deployment ``i``'s sorted int64 array."""

    def __init__(self, codes: np.ndarray, ts: np.ndarray, n: int, extra: Mapping[str, np.ndarray] | None = None):
        keep = codes >= 0
        codes, ts = codes[keep], ts[keep]
        order = np.lexsort((ts, codes))
        self.codes = codes[order]
        self.ts = ts[order]
        self.extra = {k: np.asarray(v)[keep][order] for k, v in (extra or {}).items()}
        self.ptr = np.concatenate([[0], np.cumsum(np.bincount(self.codes, minlength=n))])

    def slice(self, i: int) -> slice:
        return slice(int(self.ptr[i]), int(self.ptr[i + 1]))

    def times(self, i: int) -> np.ndarray:
        return self.ts[self.slice(i)]

    def count(self, i: int) -> int:
        return int(self.ptr[i + 1] - self.ptr[i])


def _fmt_days(days: float) -> str:
    return f"{days:.1f} days" if days >= 1 else f"{days * 24:.1f} h"


def _fmt_offset(seconds: float) -> str:
    sign = "+" if seconds >= 0 else "-"
    a = abs(seconds)
    if a >= 86_400:
        return f"{sign}{a / 86_400:.1f} days"
    if a >= 3_600:
        return f"{sign}{a / 3_600:.2f} h"
    return f"{sign}{a / 60:.1f} min"


def _utc_offset_label(hours: float) -> str:
    h = int(round(hours * 60)) // 60
    m = int(round(abs(hours) * 60)) % 60
    return f"UTC{'+' if hours >= 0 else '-'}{abs(h):02d}:{m:02d}"


def _local(ns: int, tz: str) -> pd.Timestamp:
    return pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert(tz)


def _fmt_time(ns: int, tz: str) -> str:
    return _local(ns, tz).strftime("%Y-%m-%d %H:%M")


def _study_tables(study: Any) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None, str | None]:
    if not isinstance(getattr(study, "deployments", None), pd.DataFrame):
        raise TypeError(
            f"check_deployments needs a Study or Camtrap DP package (with .deployments, .media, "
            f".observations), got {type(study).__name__}"
        )
    tz = getattr(study, "timezone", None)
    return study.deployments, getattr(study, "media", None), getattr(study, "observations", None), tz


@dataclass
class _Finding:
    deployment: int
    check: str
    message: str
    start: int | None = None
    end: int | None = None
    days: float = np.nan
    offset_s: float = np.nan
    drift_s_per_day: float = np.nan
    n_records: float = np.nan
    expected_records: float = np.nan
    p_value: float = np.nan
    partner: str | None = None
    partner_records: float = np.nan


@dataclass
class _Clock:
    offset: float = 0.0  # ns the clock is ahead of true time at the deployment start
    drift: float = 0.0  # ns of error gained per ns elapsed
    source: str = ""  # "setup", "partner", "reset" or ""
    known: bool = False  # the offset at the start is measured (set-up images or a trusted partner)
    partner: int = -1  # the partner deployment the clock was measured against


# --------------------------------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PairClock:
    """Clock of one camera relative to another: ``offset`` (ns) at ``ref`` plus ``drift`` (ns per ns)."""

    offset: float
    drift: float
    ref: int
    matched: int
    background: float

    def at(self, t: float) -> float:
        return self.offset + self.drift * (t - self.ref)

    @property
    def good(self) -> bool:
        return self.matched >= 5 and self.matched >= 5 * self.background


def _pair_clock(x: np.ndarray, y: np.ndarray, window: int, ref: int, bin_ns: int = 120 * NS) -> _PairClock | None:
    """Shift (and drift) of the times ``x`` relative to ``y``: what ``x`` shows minus what ``y`` shows.

    Every difference ``x - y`` within ``window`` is a candidate match. The constant shift is the
    fullest pair of neighbouring ``bin_ns`` bins (the mode). A drift is then looked for among the
    differences within 2 h of the mode: a Hough search over slopes up to 10 min per week for the line
    on which most differences lie; it is kept when it gathers clearly more matches than the constant.
    ``background`` is the number of matches expected by chance.
    """
    if x.size == 0 or y.size == 0:
        return None
    lo = np.searchsorted(y, x - window, "left")
    hi = np.searchsorted(y, x + window, "right")
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return None
    xi = np.repeat(np.arange(x.size), counts)
    yi = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(total)
    diff = (x[xi] - y[yi]).astype(float)
    tx = x[xi].astype(float)
    nbins = int(np.ceil(2 * window / bin_ns))
    hist = np.bincount(np.clip(((diff + window) // bin_ns).astype(np.int64), 0, nbins - 1), minlength=nbins)
    pair = hist[:-1] + hist[1:] if nbins > 1 else hist
    centre = -window + (int(np.argmax(pair)) + 1) * bin_ns
    near = np.abs(diff - centre) <= bin_ns
    matched = int(near.sum())
    offset, drift = float(np.median(diff[near])), 0.0
    background = total * (2 * bin_ns) / (2 * window)

    span = 2 * HOUR
    band = np.abs(diff - centre) <= span
    if band.sum() >= 5:
        days = (tx[band] - ref) / DAY
        dd = diff[band] - centre
        extent = max(float(np.abs(days).max()), 1.0)
        max_slope = 10 * 60 * NS / 7  # ns per day
        best = (matched, 0.0, 0.0)
        for step_bins, slopes in ((5, None), (1, None)):
            width = step_bins * bin_ns
            if slopes is None and step_bins == 5:
                n_slopes = int(np.ceil(2 * max_slope * extent / (width / 2))) + 1
                slopes = np.linspace(-max_slope, max_slope, n_slopes)
            elif slopes is None:
                centre_slope = best[1]
                step = (width / 2) / extent
                slopes = centre_slope + step * np.arange(-12, 13)
            resid = dd[None, :] - slopes[:, None] * days[None, :]
            k = np.floor((resid + span + 2 * width) / width).astype(np.int64)
            nb = int((2 * span + 4 * width) // width) + 2
            k = np.clip(k, 0, nb - 1)
            grid = np.bincount((np.arange(slopes.size)[:, None] * nb + k).ravel(), minlength=slopes.size * nb)
            grid = grid.reshape(slopes.size, nb)
            two = grid[:, :-1] + grid[:, 1:]
            si, bi = np.unravel_index(int(np.argmax(two)), two.shape)
            level = -span - 2 * width + (bi + 1) * width
            best = (int(two[si, bi]), float(slopes[si]), float(level))
        slope = best[1]
        line = dd - slope * days
        on = np.abs(line - best[2]) <= bin_ns
        if on.sum() >= max(matched + 3, 1.25 * matched) and on.sum() >= 5:
            # least squares on the matches of the line
            coef = np.polyfit(days[on], dd[on], 1)
            drift = float(coef[0]) / DAY
            offset = float(coef[1]) + centre
            matched = int(on.sum())
    return _PairClock(offset=offset, drift=drift, ref=int(ref), matched=matched, background=float(background))


def _partner_gap(
    i: int,
    t: np.ndarray,
    partners: list[int],
    triggers: list[np.ndarray],
    start: np.ndarray,
    end: np.ndarray,
    min_gap: float,
) -> tuple[int, int, int, int, float, int] | None:
    """The silence of deployment ``i`` during which a partner recorded most improbably many sequences.

    For a gap between two sequences of ``i`` (at least ``min_gap`` long) in which partner ``j``
    recorded ``k`` sequences, and ``q`` the share of the pair's sequences that ``i`` took over the
    rest of their overlap, the chance of ``i`` recording none of ``k`` is ``(1 - q)^k``. Returns
    ``(gap start, gap end, j, k, q, number of gaps tested)`` of the smallest chance, or ``None``.
    ``t`` are the sequence starts of ``i`` (any image shows the camera working); ``triggers`` the
    records that both cameras should see (not blank) for the counts and shares.
    """
    best = None
    best_p = 2.0
    tested = 0
    for j in partners:
        lo, hi = max(start[i], start[j]), min(end[i], end[j])
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


def _poisson_sf(k: np.ndarray | float, mu: np.ndarray | float) -> np.ndarray:
    """P(X >= k) for X ~ Poisson(mu)."""
    from scipy.stats import poisson

    return poisson.sf(np.asarray(k) - 1, np.asarray(mu))


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
        Run only these checks (keys of :data:`CHECKS`); clock faults are always estimated because the
        other checks use corrected times.

    Returns
    -------
    DataFrame
        One row per finding, sorted by deployment: ``deploymentID``, ``locationID``, ``cameraID``,
        ``check``, ``severity`` (:data:`CHECKS`), ``message`` (the evidence in words), ``start``,
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
    deployments, media, observations, study_tz = _study_tables(study)
    tz = timezone or study_tz or "UTC"
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if min_gap_days <= 0:
        raise ValueError(f"min_gap_days must be > 0, got {min_gap_days!r}")
    if blank_factor < 1:
        raise ValueError(f"blank_factor must be >= 1, got {blank_factor!r}")
    if reset_days <= 0:
        raise ValueError(f"reset_days must be > 0, got {reset_days!r}")
    tol = _as_timedelta_ns(clock_tolerance, "clock_tolerance")
    seq_gap = _as_timedelta_ns(sequence_interval, "sequence_interval")
    window = _as_timedelta_ns(pair_window, "pair_window")
    wanted = set(CHECKS) if checks is None else set(checks)
    unknown = wanted - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown check(s) {sorted(unknown)}; known: {list(CHECKS)}")
    for col in ("deploymentID", "deploymentStart", "deploymentEnd"):
        if col not in deployments.columns:
            raise ValueError(f"deployments have no {col!r} column")
    if deployments["deploymentID"].duplicated().any():
        dup = deployments.loc[deployments["deploymentID"].duplicated(), "deploymentID"].tolist()
        raise ValueError(f"duplicate deploymentID(s): {dup[:10]}")

    dep_ids = deployments["deploymentID"].astype("object").to_numpy()
    n_dep = dep_ids.size
    if n_dep == 0:
        return _empty()
    index = pd.Index(dep_ids)
    loc = (
        deployments["locationID"].astype("object").where(deployments["locationID"].notna(), None).to_numpy()
        if "locationID" in deployments.columns
        else np.full(n_dep, None, dtype=object)
    )
    cam = (
        deployments["cameraID"].astype("object").where(deployments["cameraID"].notna(), None).to_numpy()
        if "cameraID" in deployments.columns
        else np.full(n_dep, None, dtype=object)
    )
    if (deployments["deploymentStart"].isna() | deployments["deploymentEnd"].isna()).any():
        raise ValueError("deployments have missing deploymentStart or deploymentEnd")
    start = _ns(deployments["deploymentStart"], "deploymentStart")
    end = _ns(deployments["deploymentEnd"], "deploymentEnd")
    duration = (end - start).astype(float)

    # ---- records: media (every image) or, without media, observation times
    def codes_of(values: pd.Series) -> np.ndarray:
        return index.get_indexer(values.astype("object"))

    if media is not None and len(media):
        for col in ("deploymentID", "timestamp"):
            if col not in media.columns:
                raise ValueError(f"media have no {col!r} column")
        m = media[media["timestamp"].notna()]
        images = _Groups(codes_of(m["deploymentID"]), _ns(m["timestamp"], "media.timestamp"), n_dep)
    elif observations is not None and len(observations):
        o = observations[observations["eventStart"].notna()]
        images = _Groups(codes_of(o["deploymentID"]), _ns(o["eventStart"], "observations.eventStart"), n_dep)
    else:
        images = _Groups(np.zeros(0, np.int64), np.zeros(0, np.int64), n_dep)

    setup = _Groups(np.zeros(0, np.int64), np.zeros(0, np.int64), n_dep)
    content = None
    if observations is not None and len(observations):
        for col in ("deploymentID", "eventStart"):
            if col not in observations.columns:
                raise ValueError(f"observations have no {col!r} column")
        obs = observations[observations["eventStart"].notna()]
        is_setup = np.zeros(len(obs), bool)
        if "cameraSetupType" in obs.columns:
            is_setup = (obs["cameraSetupType"].astype("object") == "setup").to_numpy()
            setup = _Groups(codes_of(obs.loc[is_setup, "deploymentID"]), _ns(obs.loc[is_setup, "eventStart"], "eventStart"), n_dep)
        rec = select_records(obs.loc[~is_setup], observation_type=None)
        otype = rec["observationType"].astype("object").fillna("") if "observationType" in rec.columns else pd.Series("", index=rec.index)
        content = _Groups(
            codes_of(rec["deploymentID"]),
            _ns(rec["eventStart"], "eventStart"),
            n_dep,
            {
                "blank": (otype == "blank").to_numpy(),
                "animal": ((otype == "animal") if (otype != "").any() else (otype != "blank")).to_numpy(),
                "species": (
                    rec["scientificName"].astype("object").fillna("").to_numpy()
                    if "scientificName" in rec.columns
                    else np.full(len(rec), "", dtype=object)
                ),
            },
        )

    # sequences of images (start times), per deployment
    seq_start: list[np.ndarray] = []
    for i in range(n_dep):
        t = images.times(i)
        if t.size:
            new = np.concatenate([[True], np.diff(t) > seq_gap])
            seq_start.append(t[new])
        else:
            seq_start.append(t)

    # partners: other deployments at the same location, overlapping by a day or more
    partners: list[list[int]] = [[] for _ in range(n_dep)]
    by_loc: dict[object, list[int]] = {}
    for i, place in enumerate(loc):
        if place is not None:
            by_loc.setdefault(place, []).append(i)
    for members in by_loc.values():
        for a in members:
            for b in members:
                if a != b and min(end[a], end[b]) - max(start[a], start[b]) >= DAY:
                    partners[a].append(b)

    findings: list[_Finding] = []

    # ---- 1. clocks
    clocks = [_Clock() for _ in range(n_dep)]
    reset_ns = int(reset_days * DAY)
    is_reset = np.zeros(n_dep, bool)
    o_start = np.full(n_dep, np.nan)  # first set-up image minus deploymentStart (ns)
    o_end = np.full(n_dep, np.nan)  # last set-up image minus deploymentEnd (ns)
    for i in range(n_dep):
        t = images.times(i)
        s = setup.times(i)
        if t.size == 0 and s.size == 0:
            continue
        first = int(t[0]) if t.size else int(s[0])
        last = int(t[-1]) if t.size else int(s[-1])
        if first < start[i] - reset_ns or first > end[i] + reset_ns or last > end[i] + reset_ns:
            ref = int(s[0]) if s.size else first
            clocks[i] = _Clock(offset=float(ref - start[i]), source="reset", known=True)
            is_reset[i] = True
            local_first = _local(first, tz)
            default = local_first.month == 1 and local_first.day == 1 and local_first.hour < 1
            what = f"a factory default ({local_first:%Y-%m-%d})" if default else f"{local_first:%Y-%m-%d}"
            findings.append(
                _Finding(
                    i, "clock_reset",
                    f"clock restarted from {what}: first image {local_first:%Y-%m-%d %H:%M:%S} (local) for a camera "
                    f"set up {_fmt_time(int(start[i]), tz)}; {t.size} images dated "
                    f"{_fmt_offset((ref - start[i]) / NS)} off",
                    start=int(start[i]), end=int(end[i]), days=duration[i] / DAY, offset_s=(ref - start[i]) / NS,
                    n_records=float(t.size),
                )
            )  # fmt: skip
            continue
        if s.size == 0:
            continue
        # set-up images: those nearer the set-up than the pick-up are the set-up's walk test
        at_start = np.abs(s - start[i]) <= np.abs(s - end[i])
        if at_start.any():
            o_start[i] = int(s[at_start][0]) - start[i]
        if (~at_start).any():
            o_end[i] = int(s[~at_start][-1]) - end[i]
    # the walk test's usual lag after set-up and before pick-up, from the deployments whose clocks agree
    # with the written times (the median; 0 when there are none)
    lags = []
    for o in (o_start, o_end):
        fine = o[np.abs(o) <= tol]
        lags.append(float(np.median(fine)) if fine.size else 0.0)
    lag_start, lag_end = lags
    for i in np.flatnonzero(~np.isnan(o_start) | ~np.isnan(o_end)):
        a = o_start[i] - lag_start
        b = o_end[i] - lag_end
        if np.isnan(a):
            a, b = b, np.nan  # only a pick-up image: its offset holds for the whole deployment
        drift = 0.0 if np.isnan(b) or abs(b - a) <= tol else (b - a) / max(duration[i], 1.0)
        clocks[i] = _Clock(offset=a if abs(a) > tol else 0.0, drift=drift, source="setup", known=True)

    # ---- relative clocks of partner cameras (sequence starts; reset clocks corrected first)
    pair_cache: dict[tuple[int, int], _PairClock | None] = {}

    def relative(a: int, b: int) -> _PairClock | None:
        if (a, b) not in pair_cache:
            lo, hi = max(start[a], start[b]), min(end[a], end[b])
            xa = seq_start[a] - (int(round(clocks[a].offset)) if is_reset[a] else 0)
            xb = seq_start[b] - (int(round(clocks[b].offset)) if is_reset[b] else 0)
            xa = xa[(xa >= lo - window) & (xa <= hi + window)]
            xb = xb[(xb >= lo - window) & (xb <= hi + window)]
            pair_cache[(a, b)] = _pair_clock(xa, xb, window, ref=int(start[a]))
        return pair_cache[(a, b)]

    def good_pairs(i: int) -> list[tuple[int, _PairClock]]:
        if seq_start[i].size == 0:
            return []
        out = [(j, pc) for j in partners[i] if seq_start[j].size and (pc := relative(i, j)) is not None and pc.good]
        return sorted(out, key=lambda item: -item[1].matched)

    def small(offset: float, drift: float, i: int) -> bool:
        return abs(offset) <= tol and abs(offset + drift * duration[i]) <= tol

    # deployments without set-up images: the clock of a partner whose clock is known, plus the shift
    for _ in range(2):  # twice, for chains of partners
        for i in range(n_dep):
            if clocks[i].known:
                continue
            for j, pc in good_pairs(i):
                cj = clocks[j]
                if cj.known and cj.source != "reset":
                    off = pc.at(start[i]) + cj.offset + cj.drift * (start[i] - start[j])
                    dr = pc.drift + cj.drift
                    if small(off, dr, i):
                        off, dr = 0.0, 0.0
                    clocks[i] = _Clock(offset=off, drift=dr, source="partner", known=True, partner=j)
                    break
    # still unknown and disagreeing with a partner: which clock is wrong? The first and last images of a
    # deployment are usually the walk tests at set-up and pick-up, even when not marked as such: under
    # "this clock is wrong" they sit at the shift from the written times, under "the partner's is
    # wrong" at the written times (and the partner's at minus the shift). The hypothesis that more
    # of these edges fit (within the tolerance) wins.
    first_img = np.array([images.times(i)[0] if images.count(i) else start[i] for i in range(n_dep)], dtype=float)
    last_img = np.array([images.times(i)[-1] if images.count(i) else end[i] for i in range(n_dep)], dtype=float)
    edge_lag = HOUR  # a walk test is within the hour of the written time
    ambiguous: dict[int, tuple[int, _PairClock]] = {}
    for i in range(n_dep):
        if clocks[i].known:
            continue
        pairs = good_pairs(i)
        if not pairs:
            continue
        j, pc = pairs[0]
        r0, r1 = pc.at(start[i]), pc.at(end[i])
        if small(r0, pc.drift, i):
            continue
        edges = [  # (observed edge minus written time, expected if i is wrong, expected if j is wrong)
            (first_img[i] - start[i], r0, 0.0),
            (last_img[i] - end[i], r1, 0.0),
            (first_img[j] - start[j], 0.0, -pc.at(start[j])),
            (last_img[j] - end[j], 0.0, -pc.at(end[j])),
        ]
        score_i = score_j = 0
        for observed, if_i, if_j in edges:
            if abs(if_i - if_j) <= tol or min(abs(observed - if_i), abs(observed - if_j)) > edge_lag:
                continue  # not telling, or not a walk test
            score_i += abs(observed - if_i) <= tol
            score_j += abs(observed - if_j) <= tol
        if score_i > score_j:
            off = r0 if abs(r0) > tol else 0.0
            clocks[i] = _Clock(offset=off, drift=pc.drift, source="window", known=True, partner=j)
        elif score_i == score_j:
            ambiguous[i] = (j, pc)
    # no partner to compare with: first and last images shifted alike, at least one outside the deployment
    for i in range(n_dep):
        if clocks[i].known or i in ambiguous or images.count(i) < 2:
            continue
        a, b = first_img[i] - start[i], last_img[i] - end[i]
        if abs(a - b) <= tol and (a < -tol or b > tol) and max(abs(a), abs(b)) <= window:
            clocks[i] = _Clock(offset=(a + b) / 2, source="window", known=True)

    for i in range(n_dep):
        c = clocks[i]
        if c.source == "reset":
            continue
        pairs = good_pairs(i)
        partner_text, partner_id, partner_n = "", None, np.nan
        if pairs:
            j, pc = pairs[next((k for k, (jj, _) in enumerate(pairs) if jj == c.partner), 0)]
            partner_id, partner_n = str(dep_ids[j]), float(pc.matched)
            shift = pc.at(start[i])
            partner_text = (
                f"; its sequences match {pc.matched} of partner {dep_ids[j]}'s "
                + (f"with a shift of {_fmt_offset(shift / NS)}" if abs(shift) > tol else "without a shift")
                + (f" drifting {pc.drift * 86_400:+.1f} s/day" if pc.drift and abs(pc.drift * duration[i]) > tol else "")
            )
        if i in ambiguous:
            j, pc = ambiguous[i]
            r0, r1 = pc.at(start[i]), pc.at(end[i])
            check = "clock_offset" if abs(r0) > tol else "clock_drift"
            findings.append(
                _Finding(
                    i, check,
                    f"clock differs from partner {dep_ids[j]}'s by {_fmt_offset(r0 / NS)} at set-up and "
                    f"{_fmt_offset(r1 / NS)} at pick-up ({pc.matched} matched sequences); without set-up images or "
                    f"images outside either deployment one {AMBIGUOUS}",
                    start=int(start[i]), end=int(end[i]), days=duration[i] / DAY, offset_s=r0 / NS,
                    drift_s_per_day=pc.drift * 86_400, partner=str(dep_ids[j]), partner_records=float(pc.matched),
                )
            )  # fmt: skip
            continue
        if abs(c.offset) > tol:
            hours = c.offset / HOUR
            zone = ""
            if abs(hours - round(hours)) * 60 <= 3 and round(hours) != 0:
                true_zone = _local(int(start[i]), tz).utcoffset().total_seconds() / 3600
                zone = (
                    f" (whole hours: camera set to {_utc_offset_label(true_zone + round(hours))} instead of "
                    f"{_utc_offset_label(true_zone)})"
                )
            if c.source == "setup":
                how = f"first set-up image {_fmt_offset(c.offset / NS)} from the written set-up time{partner_text}"
            elif c.source == "partner":
                how = f"against partner {dep_ids[c.partner]}, whose clock is known{partner_text}"
            else:
                how = (
                    f"first image {_fmt_offset((first_img[i] - start[i]) / NS)} from the written set-up time, last "
                    f"{_fmt_offset((last_img[i] - end[i]) / NS)} from the pick-up time{partner_text}"
                )
            findings.append(
                _Finding(
                    i, "clock_offset", f"clock {_fmt_offset(c.offset / NS)} off{zone}: {how}",
                    start=int(start[i]), end=int(end[i]), days=duration[i] / DAY, offset_s=c.offset / NS,
                    partner=partner_id, partner_records=partner_n,
                )
            )  # fmt: skip
        if c.drift != 0.0 and abs(c.drift * duration[i]) > tol:
            total = c.drift * duration[i]
            if c.source == "setup":
                how = (
                    f"pick-up image {_fmt_offset((c.offset + total) / NS)} from the written pick-up time, set-up "
                    f"image {_fmt_offset(c.offset / NS)}"
                )
            elif c.source == "window":
                how = (
                    f"last image {_fmt_offset((last_img[i] - end[i]) / NS)} from the written pick-up time"
                    f"{partner_text}"
                )
            else:
                how = f"against partner {dep_ids[c.partner]}{partner_text}"
            findings.append(
                _Finding(
                    i, "clock_drift",
                    f"clock drifted {_fmt_offset(total / NS)} over {_fmt_days(duration[i] / DAY)} "
                    f"({c.drift * 86_400:+.1f} s/day): {how}",
                    start=int(start[i]), end=int(end[i]), days=duration[i] / DAY, offset_s=c.offset / NS,
                    drift_s_per_day=c.drift * 86_400, partner=partner_id, partner_records=partner_n,
                )
            )  # fmt: skip

    # corrected times from here on
    def correct(i: int, t: np.ndarray) -> np.ndarray:
        c = clocks[i]
        if c.offset == 0.0 and c.drift == 0.0:
            return t
        # the clock shows t = true + offset + drift * (true - start): solve for the true time
        shifted = t - np.int64(round(c.offset)) - start[i]
        return start[i] + np.rint(shifted / (1.0 + c.drift)).astype(np.int64)

    seq = [correct(i, seq_start[i]) for i in range(n_dep)]
    img = [correct(i, images.times(i)) for i in range(n_dep)]
    # what a partner camera should also see: records that are not blank (vegetation triggers are a
    # camera's own), else the image sequences
    if content is not None and content.ts.size:
        blank_rec = content.extra["blank"]
        triggers = [correct(i, content.times(i)[~blank_rec[content.slice(i)]]) for i in range(n_dep)]
    else:
        triggers = seq

    # ---- 2. records outside the deployment (after correction)
    if "records_outside" in wanted:
        for i in range(n_dep):
            t = img[i]
            if t.size == 0:
                continue
            outside = (t < start[i] - tol) | (t > end[i] + tol)
            if outside.any():
                k = int(outside.sum())
                first, last = int(t[outside][0]), int(t[outside][-1])
                corrected = " after clock correction" if clocks[i].offset or clocks[i].drift else ""
                findings.append(
                    _Finding(
                        i, "records_outside",
                        f"{k} of {t.size} images{corrected} fall outside the deployment ({_fmt_time(int(start[i]), tz)} "
                        f"to {_fmt_time(int(end[i]), tz)}), from {_fmt_time(first, tz)} to {_fmt_time(last, tz)}: "
                        "deployment dates wrong?",
                        start=first, end=last, n_records=float(k),
                    )
                )  # fmt: skip

    # ---- 3. no media
    if "no_media" in wanted:
        for i in range(n_dep):
            if images.count(i) == 0 and setup.count(i) == 0:
                findings.append(
                    _Finding(
                        i, "no_media",
                        f"no image at all from a deployment of {_fmt_days(duration[i] / DAY)}: camera or memory card "
                        "stolen or lost, or the camera never worked",
                        start=int(start[i]), end=int(end[i]), days=duration[i] / DAY, n_records=0.0,
                    )
                )  # fmt: skip

    # ---- 4. silences: at the start, at the end, in the middle
    min_gap = min_gap_days * DAY
    # a pick-up walk test: an image in the hour before pick-up; when most deployments have one, the
    # study does walk tests and a missing one is evidence (its chance: the share of deployments without)
    with_images = np.array([img[i].size > 0 for i in range(n_dep)])
    ends_with_setup = np.array(
        [bool(img[i].size) and bool(((img[i] >= end[i] - HOUR) & (img[i] <= end[i] + tol)).any()) for i in range(n_dep)]
    )
    walk_share = ends_with_setup[with_images].mean() if with_images.any() else 0.0
    protocol = walk_share >= 0.5
    miss_share = 1.0 - walk_share if protocol else 1.0

    def partner_count(i: int, a: int, b: int) -> tuple[str | None, float]:
        """The partner deployed over most of ``(a, b)`` and its sequences there."""
        best, count = None, np.nan
        for j in partners[i]:
            lo, hi = max(a, start[j]), min(b, end[j])
            if hi - lo >= 0.5 * (b - a):
                k = float(((seq[j] > lo) & (seq[j] < hi)).sum())
                if best is None or k > count:
                    best, count = str(dep_ids[j]), k
        return best, count

    def rate(i: int) -> float:
        t = seq[i]
        t = t[(t >= start[i]) & (t <= end[i])]
        if t.size < 3:
            return np.nan
        return (t.size - 1) / max(float(t[-1] - t[0]), float(DAY))  # per ns

    for i in range(n_dep):
        t = seq[i]
        t = t[(t >= start[i] - tol) & (t <= end[i] + tol)]
        r = rate(i)
        if t.size < 3 or np.isnan(r):
            continue
        # the end
        gap = float(end[i] - t[-1])
        if "stopped_recording" in wanted and gap >= min_gap:
            mu = r * gap
            p = float(np.exp(-mu)) * (miss_share if protocol and not ends_with_setup[i] else 1.0)
            if p < alpha:
                who, k = partner_count(i, int(t[-1]), int(end[i]))
                partner_text = f"; partner {who} recorded {k:.0f} sequences meanwhile" if who else ""
                walk = "; no pick-up walk test" if protocol and not ends_with_setup[i] else ""
                findings.append(
                    _Finding(
                        i, "stopped_recording",
                        f"last image {_fmt_days(gap / DAY)} before pick-up ({_fmt_time(int(t[-1]), tz)}); at its "
                        f"{r * DAY:.2f} sequences/day {mu:.1f} were expected (p = {p:.1e}){walk}{partner_text}: "
                        "dead batteries or a full card",
                        start=int(t[-1]), end=int(end[i]), days=gap / DAY, n_records=0.0, expected_records=mu,
                        p_value=p, partner=who, partner_records=k,
                    )
                )  # fmt: skip
        # the start
        gap0 = float(t[0] - start[i])
        if "started_late" in wanted and gap0 >= min_gap:
            mu = r * gap0
            p = float(np.exp(-mu))
            if p < alpha:
                who, k = partner_count(i, int(start[i]), int(t[0]))
                partner_text = f"; partner {who} recorded {k:.0f} sequences meanwhile" if who else ""
                findings.append(
                    _Finding(
                        i, "started_late",
                        f"first image {_fmt_days(gap0 / DAY)} after set-up ({_fmt_time(int(t[0]), tz)}); "
                        f"{mu:.1f} sequences were expected (p = {p:.1e}){partner_text}: camera not switched on, or "
                        "the set-up date is wrong",
                        start=int(start[i]), end=int(t[0]), days=gap0 / DAY, n_records=0.0, expected_records=mu,
                        p_value=p, partner=who, partner_records=k,
                    )
                )  # fmt: skip
        # the middle: silences while a partner camera kept triggering
        if "trigger_gap" in wanted and t.size >= 4 and partners[i]:
            best_gap = _partner_gap(i, t, partners[i], triggers, start, end, min_gap)
            if best_gap is not None:
                a, b, j, k, q, n_gaps = best_gap
                p = min(1.0, n_gaps * (1.0 - q) ** k)
                if p < alpha:
                    findings.append(
                        _Finding(
                            i, "trigger_gap",
                            f"no trigger for {_fmt_days((b - a) / DAY)} ({_fmt_time(a, tz)} to {_fmt_time(b, tz)}) "
                            f"while partner {dep_ids[j]} recorded {k} sequences; elsewhere this camera took "
                            f"{q:.0%} of the pair's sequences, so {k * q / (1 - q):.1f} were expected (p = {p:.1e}): "
                            "knocked over, covered or moved?",
                            start=a, end=b, days=(b - a) / DAY, n_records=0.0, expected_records=k * q / (1 - q),
                            p_value=p, partner=str(dep_ids[j]), partner_records=float(k),
                        )
                    )  # fmt: skip

    # ---- 5. ended early: the location had fewer working cameras after this deployment ended
    if "ended_early" in wanted:
        for members in by_loc.values():
            s_m, e_m = start[members], end[members]
            last_end = int(e_m.max())
            for i in members:
                e = int(end[i])
                if last_end - e < min_gap:
                    continue
                before = int(((s_m < e) & (e_m >= e)).sum())  # including i
                # step through later starts and ends until as many cameras work again
                times = np.unique(np.concatenate([s_m[s_m > e], e_m[e_m > e]]))
                back = None
                for t_ in times:
                    working = int(((s_m <= t_) & (e_m > t_)).sum())
                    if working >= before:
                        back = int(t_)
                        break
                stop = back if back is not None else last_end
                if stop - e < min_gap:
                    continue
                nxt = [j for j in members if back is not None and start[j] == back]
                if nxt:
                    j = nxt[0]
                    same = cam[j] is not None and cam[j] == cam[i]
                    then = (
                        f"the same camera {cam[i]} was set again as {dep_ids[j]}: knocked over, moved or switched off?"
                        if same
                        else f"another camera ({cam[j]}, {dep_ids[j]}) replaced it: stolen or broken?"
                    )
                else:
                    then = "no camera worked there again before the location's last pick-up"
                lost = " Its card was lost (no images)." if images.count(i) == 0 and setup.count(i) == 0 else ""
                who, k = partner_count(i, e, stop)
                findings.append(
                    _Finding(
                        i, "ended_early",
                        f"ended {_fmt_time(e, tz)}, {_fmt_days((stop - e) / DAY)} before a camera worked at its place "
                        f"again while the location's other camera(s) ran; {then}{lost}",
                        start=e, end=stop, days=(stop - e) / DAY, partner=who, partner_records=k,
                    )
                )  # fmt: skip

    # ---- 6. false triggers (blanks) and 7. night-time records
    if content is not None and content.ts.size:
        ct = [correct(i, content.times(i)) for i in range(n_dep)]
        blank = content.extra["blank"]
        work_days = np.zeros(n_dep)
        n_blank = np.zeros(n_dep)
        for i in range(n_dep):
            if img[i].size:
                a, b = max(int(img[i][0]), int(start[i])), min(int(img[i][-1]), int(end[i]))
                work_days[i] = max(b - a, 0) / DAY
            n_blank[i] = blank[content.slice(i)].sum()
        if "false_triggers" in wanted and work_days.sum() > 0:
            # the rate of all other deployments, so that one camera's blanks do not raise its own yardstick
            other_days = np.maximum(work_days.sum() - work_days, 1e-9)
            pooled = (n_blank.sum() - n_blank) / other_days
            mu = pooled * work_days
            p = _poisson_sf(n_blank, mu)
            hit = (n_blank >= 5) & (n_blank >= blank_factor * mu) & (p < alpha)
            for i in np.flatnonzero(hit):
                n_rec = content.count(int(i))
                findings.append(
                    _Finding(
                        int(i), "false_triggers",
                        f"{n_blank[i]:.0f} blank records of {n_rec} ({n_blank[i] / n_rec:.0%}) in "
                        f"{_fmt_days(work_days[i])} of operation, {n_blank[i] / mu[i]:.1f} times the other cameras' "
                        f"rate ({pooled[i]:.3f}/day; p = {p[i]:.1e}): vegetation, glare or a sensitive sensor",
                        start=int(start[i]), end=int(end[i]), days=float(work_days[i]), n_records=float(n_blank[i]),
                        expected_records=float(mu[i]), p_value=float(p[i]),
                    )
                )  # fmt: skip
        if "no_night_images" in wanted and {"latitude", "longitude"} <= set(deployments.columns):
            animal = [content.extra["animal"][content.slice(i)] for i in range(n_dep)]
            species = [content.extra["species"][content.slice(i)] for i in range(n_dep)]
            findings.extend(_night_check(deployments, ct, animal, species, partners, start, end, alpha, tz))

    if "clock_offset" in wanted:
        _add_written_offsets(findings, study, index, tz, start, end, duration)
    return _to_frame([f for f in findings if f.check in wanted], dep_ids, loc, cam)


def _add_written_offsets(
    findings: list[_Finding], study: Any, index: pd.Index, tz: str, start: np.ndarray, end: np.ndarray,
    duration: np.ndarray,
) -> None:
    """Clock faults shown by the UTC offsets written in the files (``study.offsets``), with that evidence.

    A deployment whose media or observations were written with another UTC offset than the deployment
    itself, or with an offset its time zone does not have, is a clock fault whatever the images show:
    the evidence joins an existing ``clock_offset`` finding or makes one.
    """
    offsets = getattr(study, "offsets", None)
    if not isinstance(offsets, pd.DataFrame) or offsets.empty:
        return
    zone = tz if tz and tz[0] not in "+-" else None
    shifts = check_offsets(offsets, ValidationReport(), zone=zone)
    existing = {f.deployment: f for f in findings if f.check == "clock_offset"}
    for dep, group in shifts.groupby("deploymentID", sort=False):
        i = int(index.get_indexer([dep])[0])
        if i < 0:
            continue
        where = ", ".join(f"{r.column} in {r.file} ({r.rows} rows)" for r in group.itertuples())
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
                _Finding(
                    i, "clock_offset", f"clock {evidence}", start=int(start[i]), end=int(end[i]),
                    days=duration[i] / DAY, offset_s=float(first.shift_hours) * 3600,
                )
            )


def _night_check(
    deployments: pd.DataFrame,
    times: list[np.ndarray],
    animal: list[np.ndarray],
    species: list[np.ndarray],
    partners: list[list[int]],
    start: np.ndarray,
    end: np.ndarray,
    alpha: float,
    tz: str,
) -> list[_Finding]:
    """Longest run of day-time animal records against the night share expected there (broken flash).

    With partner cameras (20 animal records or more over the same period) the expected night share
    ``p`` is theirs: same place, same animals, same season, and a camera whose flash is broken misses
    the nocturnal species altogether. Without, each record's species gives its own share, from the
    other deployments (species seen fewer than 5 times elsewhere count as uninformative), so that a
    station of day-active species is not suspect. A run of day-time records has chance
    ``prod(1 - p)``; the longest (most surprising) run among ``n`` records, about ``n`` times that.
    """
    from .activity import sunrise_sunset

    lat = pd.to_numeric(deployments["latitude"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(deployments["longitude"], errors="coerce").to_numpy(dtype=float)
    n_dep = len(times)
    located = np.isfinite(lat) & np.isfinite(lon)
    t_animal = [times[i][animal[i]] if located[i] else times[i][:0] for i in range(n_dep)]
    sp_animal = [species[i][animal[i]] if located[i] else species[i][:0] for i in range(n_dep)]
    sizes = np.array([t.size for t in t_animal])
    if sizes.sum() == 0:
        return []
    codes = np.repeat(np.arange(n_dep), sizes)
    stamps = pd.DatetimeIndex(pd.to_datetime(np.concatenate(t_animal), utc=True)).tz_convert(tz)
    sun = sunrise_sunset(stamps, lat[codes], lon[codes], tz=tz)
    clock = (stamps.hour * 3600 + stamps.minute * 60 + stamps.second).to_numpy() / 86_400 * 2 * np.pi
    night_all = (clock < sun["sunrise"].to_numpy()) | (clock > sun["sunset"].to_numpy())
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    night = [night_all[bounds[i] : bounds[i + 1]] for i in range(n_dep)]
    all_species = np.concatenate(sp_animal)
    per_species = pd.DataFrame({"species": all_species, "night": night_all, "dep": codes})
    totals = per_species.groupby("species")["night"].agg(["sum", "size"])
    own = per_species.groupby(["dep", "species"])["night"].agg(["sum", "size"])
    out = []
    for i in range(n_dep):
        n = sizes[i]
        if n < 5:
            continue
        nt, t = night[i], t_animal[i]
        k_ref = n_ref = 0
        for j in partners[i]:
            lo, hi = max(start[i], start[j]), min(end[i], end[j])
            inside = (t_animal[j] >= lo) & (t_animal[j] <= hi)
            n_ref += int(inside.sum())
            k_ref += int(night[j][inside].sum())
        if n_ref >= 20:
            share = np.full(n, (k_ref + 1) / (n_ref + 2))
            where = "the partner camera(s) over the same period are at night"
        else:
            mine = own.loc[i] if i in own.index.get_level_values(0) else own.iloc[:0]
            rest = totals.sub(mine.reindex(totals.index, fill_value=0))
            rate = ((rest["sum"] + 1) / (rest["size"] + 2)).where(rest["size"] >= 5, 0.0)
            share = rate.reindex(sp_animal[i]).fillna(0.0).to_numpy()
            where = "the same species elsewhere in the study are at night"
        weight = -np.log1p(-np.clip(share, 0.0, 0.999))
        weight[nt] = -np.inf  # a night record ends a run
        best, run, run_start, span = 0.0, 0.0, 0, (0, -1)
        for k in range(n):  # the run of day-time records with the largest surprise
            if not np.isfinite(weight[k]):
                run, run_start = 0.0, k + 1
                continue
            run += weight[k]
            if run > best:
                best, span = run, (run_start, k)
        p = min(1.0, n * float(np.exp(-best)))
        if p < alpha:
            a, b = span
            expected = float(share[a : b + 1].sum())
            out.append(
                _Finding(
                    i, "no_night_images",
                    f"none of {b - a + 1} consecutive animal records from {_fmt_time(int(t[a]), tz)} to "
                    f"{_fmt_time(int(t[b]), tz)} is at night, while {expected / (b - a + 1):.0%} of those of "
                    f"{where} ({expected:.1f} expected; p = {p:.1e}): infrared flash broken?",
                    start=int(t[a]), end=int(t[b]), days=(int(t[b]) - int(t[a])) / DAY, n_records=0.0,
                    expected_records=expected, p_value=p,
                )
            )  # fmt: skip
    return out


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    for c in ("start", "end"):
        frame[c] = pd.Series(dtype="datetime64[ns, UTC]")
    for c in ("days", "offset_s", "drift_s_per_day", "n_records", "expected_records", "p_value", "partner_records"):
        frame[c] = pd.Series(dtype=float)
    frame.attrs["summary"] = {}
    return frame


def _to_frame(findings: list[_Finding], dep_ids: np.ndarray, loc: np.ndarray, cam: np.ndarray) -> pd.DataFrame:
    if not findings:
        return _empty()
    order = {c: k for k, c in enumerate(CHECKS)}
    rows = sorted(findings, key=lambda f: (str(dep_ids[f.deployment]), order[f.check], f.start or 0))
    frame = pd.DataFrame(
        {
            "deploymentID": [dep_ids[f.deployment] for f in rows],
            "locationID": [loc[f.deployment] for f in rows],
            "cameraID": [cam[f.deployment] for f in rows],
            "check": [f.check for f in rows],
            "severity": [CHECKS[f.check] for f in rows],
            "message": [f.message for f in rows],
            "start": pd.to_datetime([f.start if f.start is not None else pd.NaT for f in rows], utc=True),
            "end": pd.to_datetime([f.end if f.end is not None else pd.NaT for f in rows], utc=True),
            "days": [f.days for f in rows],
            "offset_s": [f.offset_s for f in rows],
            "drift_s_per_day": [f.drift_s_per_day for f in rows],
            "n_records": [f.n_records for f in rows],
            "expected_records": [f.expected_records for f in rows],
            "p_value": [f.p_value for f in rows],
            "partner": [f.partner for f in rows],
            "partner_records": [f.partner_records for f in rows],
        }
    )
    frame["check"] = pd.Categorical(frame["check"], categories=list(CHECKS))
    frame["severity"] = pd.Categorical(frame["severity"], categories=["error", "warning", "info"], ordered=True)
    frame.attrs["summary"] = frame["check"].value_counts(sort=False).loc[lambda s: s > 0].to_dict()
    return frame


# --------------------------------------------------------------------------------------------------
# using the findings
# --------------------------------------------------------------------------------------------------


def problem_periods(
    findings: pd.DataFrame, checks: Sequence[str] = ("stopped_recording", "trigger_gap", "started_late")
) -> pd.DataFrame:
    """Periods when a deployed camera did not work, for :func:`nbtools.effort.camera_operation`.

    Parameters
    ----------
    findings : DataFrame
        Output of :func:`check_deployments`.
    checks : sequence of str
        Findings whose ``start``-``end`` period is a malfunction (default: silences at the end, in the
        middle and at the start of a deployment).

    Returns
    -------
    DataFrame
        ``deploymentID``, ``start``, ``end`` (UTC) and ``check``: pass as ``problems=`` to
        :func:`nbtools.effort.camera_operation` to count those days as 0 (deployed, not working).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"deploymentID": ["d1"], "check": ["stopped_recording"],
    ...     "start": pd.to_datetime(["2024-01-20"], utc=True), "end": pd.to_datetime(["2024-02-01"], utc=True)})
    >>> problem_periods(f)[["deploymentID", "check"]].to_dict("records")
    [{'deploymentID': 'd1', 'check': 'stopped_recording'}]
    """
    sel = findings[findings["check"].astype("object").isin(list(checks)).to_numpy()]
    sel = sel[sel["start"].notna() & sel["end"].notna() & (sel["end"] > sel["start"])]
    return sel[["deploymentID", "start", "end", "check"]].reset_index(drop=True)


def clock_corrections(findings: pd.DataFrame) -> pd.DataFrame:
    """Clock offset and drift per deployment, from ``clock_reset``, ``clock_offset`` and ``clock_drift`` findings.

    Returns
    -------
    DataFrame
        Indexed by ``deploymentID``: ``offset_s`` (camera minus true time at set-up, seconds) and
        ``drift_s_per_day`` (seconds the camera gains per day; negative when it runs slow).
    """
    clock = findings[findings["check"].astype("object").isin(["clock_reset", "clock_offset", "clock_drift"]).to_numpy()]
    # an offset against a partner without set-up images is not attributed: leave it out
    clock = clock[~clock["message"].str.contains(AMBIGUOUS, regex=False)]
    if clock.empty:
        return pd.DataFrame({"offset_s": pd.Series(dtype=float), "drift_s_per_day": pd.Series(dtype=float)}).rename_axis("deploymentID")
    grouped = clock.groupby(clock["deploymentID"].astype("object"))
    out = pd.DataFrame(
        {
            "offset_s": grouped["offset_s"].max().fillna(0.0),
            "drift_s_per_day": grouped["drift_s_per_day"].max().fillna(0.0),
        }
    )
    return out.rename_axis("deploymentID")


def correct_timestamps(
    table: pd.DataFrame,
    findings: pd.DataFrame,
    deployments: pd.DataFrame,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Undo the clock faults found by :func:`check_deployments` in a media or observations table.

    Parameters
    ----------
    table : DataFrame
        Camtrap DP media or observations (``deploymentID`` and timestamp columns).
    findings : DataFrame
        Output of :func:`check_deployments`.
    deployments : DataFrame
        Camtrap DP deployments (``deploymentID``, ``deploymentStart``) for the drift's reference time.
    columns : sequence of str, optional
        Timestamp columns to correct (default: those of ``timestamp``, ``eventStart``, ``eventEnd`` present).

    Returns
    -------
    DataFrame
        A copy with corrected times: the clock showed ``t = true + offset + drift * (true -
        deploymentStart)``, so ``true = deploymentStart + (t - offset - deploymentStart) / (1 + drift)``;
        rounded to whole seconds when the recorded times are whole seconds.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"deploymentID": ["d1"], "check": ["clock_offset"], "message": [""],
    ...                   "offset_s": [3600.0], "drift_s_per_day": [float("nan")]})
    >>> dep = pd.DataFrame({"deploymentID": ["d1"], "deploymentStart": pd.to_datetime(["2024-01-01"], utc=True)})
    >>> media = pd.DataFrame({"deploymentID": ["d1"], "timestamp": pd.to_datetime(["2024-01-02 13:00"], utc=True)})
    >>> str(correct_timestamps(media, f, dep)["timestamp"].iloc[0])
    '2024-01-02 12:00:00+00:00'
    """
    corr = clock_corrections(findings)
    out = table.copy()
    cols = list(columns) if columns is not None else [c for c in ("timestamp", "eventStart", "eventEnd") if c in table.columns]
    if corr.empty or not cols:
        return out
    dep = table["deploymentID"].astype("object")
    offset = np.rint(dep.map(corr["offset_s"]).fillna(0.0).to_numpy(dtype=float) * NS).astype(np.int64)
    drift = dep.map(corr["drift_s_per_day"]).fillna(0.0).to_numpy(dtype=float) / 86_400
    starts = deployments.set_index(deployments["deploymentID"].astype("object"))["deploymentStart"]
    ref = dep.map(starts)
    if (drift != 0).any() and ref[drift != 0].isna().any():
        missing = sorted(set(dep[(drift != 0) & ref.isna().to_numpy()]))
        raise ValueError(f"deployments lack deploymentStart for drifting clocks of {missing[:10]}")
    ref_ns = _ns(pd.to_datetime(ref.fillna(pd.Timestamp(0, tz="UTC")), utc=True), "deploymentStart")
    for col in cols:
        t = out[col]
        valid = t.notna().to_numpy()
        raw = _ns(t.fillna(pd.Timestamp(0, tz="UTC")), col)
        shifted = ref_ns + np.rint((raw - offset - ref_ns) / (1.0 + drift)).astype(np.int64)
        if not (raw % NS).any():  # camera clocks tick in seconds: keep whole seconds
            shifted = np.rint(shifted / NS).astype(np.int64) * NS
        fixed = pd.Series(pd.to_datetime(shifted, utc=True), index=out.index).where(valid)
        unit = getattr(t.dtype, "unit", "ns")
        out[col] = fixed.dt.as_unit(unit) if unit in ("s", "ms", "us", "ns") else fixed
    return out


# --------------------------------------------------------------------------------------------------
# comparing findings with known faults
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityScore:
    """How well findings match known faults.

    Attributes
    ----------
    by_fault : DataFrame
        Per fault type: ``n_faults`` (deployments with it), ``n_found`` (of those, flagged by a check
        meant for it), ``recall``, and the ``checks`` that count.
    by_check : DataFrame
        Per check: ``n_flagged`` (deployments), ``n_correct`` (with a fault the check is meant for),
        ``n_false_alarms`` (with no fault of any kind), ``precision``.
    matches : DataFrame
        Every (deployment, fault) pair with the checks that flagged it (empty string when none).
    """

    by_fault: pd.DataFrame
    by_check: pd.DataFrame
    matches: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The per-fault table."""
        return self.by_fault


def score_findings(
    findings: pd.DataFrame,
    faults: pd.DataFrame | Sequence[Mapping[str, Any]],
    fault_checks: Mapping[str, Sequence[str]] | None = None,
) -> QualityScore:
    """Recall per fault type and precision per check, against known faults (e.g. ``truth.json``).

    Parameters
    ----------
    findings : DataFrame
        Output of :func:`check_deployments`.
    faults : DataFrame or list of dict
        Known faults: ``deploymentID`` and ``fault`` (``truth["faults"]`` of the simulator).
    fault_checks : mapping, optional
        For each check the fault types it is meant to find (default :data:`FAULT_CHECKS`).

    Returns
    -------
    QualityScore

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"deploymentID": ["d1", "d2"], "check": ["no_media", "no_media"]})
    >>> s = score_findings(f, [{"deploymentID": "d1", "fault": "stolen"}])
    >>> s.by_fault[["n_faults", "n_found", "recall"]].to_dict("index")
    {'stolen': {'n_faults': 1, 'n_found': 1, 'recall': 1.0}}
    >>> s.by_check[["n_flagged", "n_correct", "precision"]].to_dict("index")
    {'no_media': {'n_flagged': 2, 'n_correct': 1, 'precision': 0.5}}
    """
    mapping = {k: tuple(v) for k, v in (fault_checks or FAULT_CHECKS).items()}
    known = pd.DataFrame(faults)[["deploymentID", "fault"]].astype({"deploymentID": "object", "fault": "object"})
    flagged = findings[["deploymentID", "check"]].astype({"deploymentID": "object", "check": "object"}).drop_duplicates()
    faults_of = known.groupby("deploymentID")["fault"].agg(set)
    checks_of = flagged.groupby("deploymentID")["check"].agg(set)

    rows = []
    for fault in sorted(known["fault"].unique()):
        meant = sorted(c for c, types in mapping.items() if fault in types)
        deps = known.loc[known["fault"] == fault, "deploymentID"].unique()
        found = [d for d in deps if checks_of.get(d, set()) & set(meant)]
        rows.append((fault, len(deps), len(found), len(found) / len(deps) if len(deps) else np.nan, ", ".join(meant)))
    by_fault = pd.DataFrame(rows, columns=["fault", "n_faults", "n_found", "recall", "checks"]).set_index("fault")

    rows = []
    for check in [c for c in CHECKS if c in set(flagged["check"]) or c in mapping]:
        deps = flagged.loc[flagged["check"] == check, "deploymentID"].unique()
        if len(deps) == 0:
            continue
        meant = set(mapping.get(check, ()))
        correct = [d for d in deps if faults_of.get(d, set()) & meant]
        clean = [d for d in deps if not faults_of.get(d, set())]
        rows.append((check, len(deps), len(correct), len(clean), len(correct) / len(deps)))
    by_check = pd.DataFrame(rows, columns=["check", "n_flagged", "n_correct", "n_false_alarms", "precision"]).set_index("check")

    pairs = known.drop_duplicates().copy()
    pairs["flagged_by"] = [", ".join(sorted(checks_of.get(d, set()))) for d in pairs["deploymentID"]]
    return QualityScore(by_fault=by_fault, by_check=by_check, matches=pairs.reset_index(drop=True))
