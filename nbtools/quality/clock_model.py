"""Each camera's clock: its offset at set-up and its drift, estimated before any check looks at times.

The clock of deployment ``i`` showed ``t = true + offset + drift * (true - deploymentStart)``.
:func:`estimate_clocks` finds ``offset`` and ``drift`` in steps, each for the deployments the earlier
ones left unknown:

1. *reset*: the first image more than ``reset_days`` before set-up (or an image that far after pick-up):
   the clock restarted from a default date; its offset is that of the first set-up image (or image);
2. *set-up images*: the first set-up image minus ``deploymentStart`` (less the usual walk-test lag, the
   median over the deployments whose clocks agree with the written times) and, from the last set-up
   image near the pick-up, the drift;
3. *partner with a known clock*: the shift between the two cameras' sequence starts
   (:func:`pair_clock`) plus the partner's clock; twice, for chains of partners;
4. *which clock is wrong*: with neither clock known, the deployment whose first and last images (the
   unmarked walk tests) sit at the shift from the written times is the wrong one; when nothing tells,
   the pair is *ambiguous* (reported, not corrected);
5. *alone*: first and last images shifted alike, at least one outside the deployment.

:class:`ClockModel` keeps the result and undoes the clocks (:meth:`ClockModel.true_times`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._time import NANOSECONDS_PER_DAY as DAY
from .._time import NANOSECONDS_PER_HOUR as HOUR
from .._time import NANOSECONDS_PER_SECOND as NS
from .records import Options, Records

__all__ = ["AMBIGUOUS", "Clock", "ClockModel", "PairClock", "PairClocks", "estimate_clocks", "pair_clock"]

#: Said in the message of a clock difference between two cameras that cannot be attributed to either;
#: :func:`nbtools.quality.clock_corrections` leaves such findings out.
AMBIGUOUS = "cannot tell which clock is wrong"


@dataclass
class Clock:
    """A deployment's clock.

    Attributes
    ----------
    offset : float
        ns the clock is ahead of true time at the deployment start.
    drift : float
        ns of error gained per ns elapsed.
    source : str
        How it was found: ``"reset"``, ``"setup"``, ``"partner"``, ``"window"`` or ``""`` (not found).
    known : bool
        The offset at the start is measured (set-up images, a trusted partner, the walk tests).
    partner : int
        The partner deployment the clock was measured against (-1: none).
    """

    offset: float = 0.0
    drift: float = 0.0
    source: str = ""
    known: bool = False
    partner: int = -1


@dataclass(frozen=True)
class PairClock:
    """Clock of one camera relative to another: ``offset`` (ns) at ``ref`` plus ``drift`` (ns per ns).

    ``matched`` is the number of sequence starts on the line, ``background`` those expected by chance.
    """

    offset: float
    drift: float
    ref: int
    matched: int
    background: float

    def at(self, t: float) -> float:
        """The relative clock error at time ``t`` (ns)."""
        return self.offset + self.drift * (t - self.ref)

    @property
    def good(self) -> bool:
        """At least 5 matches and 5 times those expected by chance."""
        return self.matched >= 5 and self.matched >= 5 * self.background


def _drift_line(
    diff: np.ndarray, tx: np.ndarray, centre: float, ref: int, matched: int, bin_ns: int
) -> tuple[float, float, int] | None:
    """A drifting line through the differences near the constant shift ``centre``: ``(offset, drift, matched)``.

    A Hough search over slopes up to 10 min per week (coarse, then fine) for the line on which most
    differences within 2 h of ``centre`` lie; kept (least squares through its matches) when it gathers
    clearly more matches than the constant shift. None otherwise.
    """
    span = 2 * HOUR
    band = np.abs(diff - centre) <= span
    if band.sum() < 5:
        return None
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
    if not (on.sum() >= max(matched + 3, 1.25 * matched) and on.sum() >= 5):
        return None
    coef = np.polyfit(days[on], dd[on], 1)  # least squares on the matches of the line
    return float(coef[1]) + centre, float(coef[0]) / DAY, int(on.sum())


def pair_clock(x: np.ndarray, y: np.ndarray, window: int, ref: int, bin_ns: int = 120 * NS) -> PairClock | None:
    """Shift (and drift) of the times ``x`` relative to ``y``: what ``x`` shows minus what ``y`` shows.

    Every difference ``x - y`` within ``window`` is a candidate match. The constant shift is the
    fullest pair of neighbouring ``bin_ns`` bins (the mode). A drift is then looked for among the
    differences within 2 h of the mode: a Hough search over slopes up to 10 min per week for the line
    on which most differences lie; it is kept when it gathers clearly more matches than the constant.
    ``background`` is the number of matches expected by chance.

    Parameters
    ----------
    x, y : numpy.ndarray
        Sorted times (sequence starts) of two cameras, UTC ns.
    window : int
        Largest difference looked for, ns.
    ref : int
        Reference time of the offset (the deployment start of ``x``), ns.
    bin_ns : int, default 2 min
        Width of the histogram bins, ns.

    Returns
    -------
    PairClock or None
        None when no difference is within ``window``.
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
    line = _drift_line(diff, tx, centre, ref, matched, bin_ns)
    if line is not None:
        offset, drift, matched = line
    return PairClock(offset=offset, drift=drift, ref=int(ref), matched=matched, background=float(background))


class PairClocks:
    """Relative clocks of partner cameras (sequence starts over their overlap; reset clocks undone first).

    Parameters
    ----------
    records : Records
    window : int
        Largest clock difference looked for, ns.
    reset_shift : numpy.ndarray
        Per deployment the offset (ns, whole) of a reset clock, 0 for the others.
    """

    def __init__(self, records: Records, window: int, reset_shift: np.ndarray):
        self.records = records
        self.window = window
        self.reset_shift = reset_shift
        self._cache: dict[tuple[int, int], PairClock | None] = {}

    def relative(self, a: int, b: int) -> PairClock | None:
        """Clock of deployment ``a`` relative to ``b``'s (computed once)."""
        if (a, b) not in self._cache:
            r, window = self.records, self.window
            lo, hi = max(r.start[a], r.start[b]), min(r.end[a], r.end[b])
            xa = r.sequence_starts[a] - self.reset_shift[a]
            xb = r.sequence_starts[b] - self.reset_shift[b]
            xa = xa[(xa >= lo - window) & (xa <= hi + window)]
            xb = xb[(xb >= lo - window) & (xb <= hi + window)]
            self._cache[(a, b)] = pair_clock(xa, xb, window, ref=int(r.start[a]))
        return self._cache[(a, b)]

    def good(self, i: int) -> list[tuple[int, PairClock]]:
        """Partners of ``i`` with a clearly matched relative clock, most matches first."""
        seq = self.records.sequence_starts
        if seq[i].size == 0:
            return []
        out = [
            (j, pc)
            for j in self.records.partners[i]
            if seq[j].size and (pc := self.relative(i, j)) is not None and pc.good
        ]
        return sorted(out, key=lambda item: -item[1].matched)


@dataclass(frozen=True)
class ClockModel:
    """The estimated clocks of a study's deployments.

    Attributes
    ----------
    clocks : list of Clock
        Per deployment.
    is_reset : numpy.ndarray of bool
        Clocks restarted from a default date.
    ambiguous : dict
        Deployment to ``(partner, PairClock)`` when the two clocks differ and neither can be blamed.
    first_image, last_image : numpy.ndarray
        First and last image per deployment (the written start and end without images), ns, as shown.
    pairs : PairClocks
        The relative clocks of partner cameras.
    records : Records
    tolerance : int
        Clock errors up to this are ignored, ns.
    """

    clocks: list[Clock]
    is_reset: np.ndarray
    ambiguous: dict[int, tuple[int, PairClock]]
    first_image: np.ndarray
    last_image: np.ndarray
    pairs: PairClocks
    records: Records
    tolerance: int

    def small(self, offset: float, drift: float, i: int) -> bool:
        """The error is within the tolerance at both the start and the end of deployment ``i``."""
        return abs(offset) <= self.tolerance and abs(offset + drift * self.records.duration[i]) <= self.tolerance

    def true_times(self, i: int, t: np.ndarray) -> np.ndarray:
        """Deployment ``i``'s clock times ``t`` (ns) as true times: solves the clock equation for the truth."""
        c = self.clocks[i]
        if c.offset == 0.0 and c.drift == 0.0:
            return t
        start = self.records.start[i]
        shifted = t - np.int64(round(c.offset)) - start
        return start + np.rint(shifted / (1.0 + c.drift)).astype(np.int64)


def _reset_and_setup_offsets(
    r: Records, options: Options, clocks: list[Clock]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 1 (reset clocks, into ``clocks``) and the set-up images' offsets at set-up and pick-up.

    Returns ``is_reset`` and, per deployment, the first set-up image minus ``deploymentStart`` and the
    last set-up image minus ``deploymentEnd`` (ns; NaN without).
    """
    reset_ns = options.reset_window
    is_reset = np.zeros(r.n, bool)
    o_start = np.full(r.n, np.nan)
    o_end = np.full(r.n, np.nan)
    for i in range(r.n):
        t, s = r.images.times(i), r.setup.times(i)
        if t.size == 0 and s.size == 0:
            continue
        first = int(t[0]) if t.size else int(s[0])
        last = int(t[-1]) if t.size else int(s[-1])
        if first < r.start[i] - reset_ns or first > r.end[i] + reset_ns or last > r.end[i] + reset_ns:
            ref = int(s[0]) if s.size else first
            clocks[i] = Clock(offset=float(ref - r.start[i]), source="reset", known=True)
            is_reset[i] = True
            continue
        if s.size == 0:
            continue
        # set-up images: those nearer the set-up than the pick-up are the set-up's walk test
        at_start = np.abs(s - r.start[i]) <= np.abs(s - r.end[i])
        if at_start.any():
            o_start[i] = int(s[at_start][0]) - r.start[i]
        if (~at_start).any():
            o_end[i] = int(s[~at_start][-1]) - r.end[i]
    return is_reset, o_start, o_end


def _clocks_from_setup(r: Records, tol: int, o_start: np.ndarray, o_end: np.ndarray, clocks: list[Clock]) -> None:
    """Step 2: offsets and drifts from the set-up images, less the walk test's usual lags."""
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
        drift = 0.0 if np.isnan(b) or abs(b - a) <= tol else (b - a) / max(r.duration[i], 1.0)
        clocks[i] = Clock(offset=a if abs(a) > tol else 0.0, drift=drift, source="setup", known=True)


def _clocks_from_partners(model: ClockModel) -> None:
    """Step 3: deployments without set-up images take a known partner clock plus the shift."""
    r, clocks = model.records, model.clocks
    for _ in range(2):  # twice, for chains of partners
        for i in range(r.n):
            if clocks[i].known:
                continue
            for j, pc in model.pairs.good(i):
                cj = clocks[j]
                if cj.known and cj.source != "reset":
                    off = pc.at(r.start[i]) + cj.offset + cj.drift * (r.start[i] - r.start[j])
                    dr = pc.drift + cj.drift
                    if model.small(off, dr, i):
                        off, dr = 0.0, 0.0
                    clocks[i] = Clock(offset=off, drift=dr, source="partner", known=True, partner=j)
                    break


def _clocks_from_walk_tests(model: ClockModel) -> None:
    """Step 4: which of two disagreeing unknown clocks is wrong, from the unmarked walk tests.

    The first and last images of a deployment are usually the walk tests at set-up and pick-up, even
    when not marked as such: under "this clock is wrong" they sit at the shift from the written times,
    under "the partner's is wrong" at the written times (and the partner's at minus the shift). The
    hypothesis that more of these edges fit (within the tolerance) wins; a tie is ambiguous.
    """
    r, clocks, tol = model.records, model.clocks, model.tolerance
    first_img, last_img = model.first_image, model.last_image
    edge_lag = HOUR  # a walk test is within the hour of the written time
    for i in range(r.n):
        if clocks[i].known:
            continue
        pairs = model.pairs.good(i)
        if not pairs:
            continue
        j, pc = pairs[0]
        r0, r1 = pc.at(r.start[i]), pc.at(r.end[i])
        if model.small(r0, pc.drift, i):
            continue
        edges = [  # (observed edge minus written time, expected if i is wrong, expected if j is wrong)
            (first_img[i] - r.start[i], r0, 0.0),
            (last_img[i] - r.end[i], r1, 0.0),
            (first_img[j] - r.start[j], 0.0, -pc.at(r.start[j])),
            (last_img[j] - r.end[j], 0.0, -pc.at(r.end[j])),
        ]
        score_i = score_j = 0
        for observed, if_i, if_j in edges:
            if abs(if_i - if_j) <= tol or min(abs(observed - if_i), abs(observed - if_j)) > edge_lag:
                continue  # not telling, or not a walk test
            score_i += abs(observed - if_i) <= tol
            score_j += abs(observed - if_j) <= tol
        if score_i > score_j:
            off = r0 if abs(r0) > tol else 0.0
            clocks[i] = Clock(offset=off, drift=pc.drift, source="window", known=True, partner=j)
        elif score_i == score_j:
            model.ambiguous[i] = (j, pc)


def _clocks_alone(model: ClockModel, window: int) -> None:
    """Step 5: no partner to compare with: first and last images shifted alike, one outside the deployment."""
    r, clocks, tol = model.records, model.clocks, model.tolerance
    for i in range(r.n):
        if clocks[i].known or i in model.ambiguous or r.images.count(i) < 2:
            continue
        a, b = model.first_image[i] - r.start[i], model.last_image[i] - r.end[i]
        if abs(a - b) <= tol and (a < -tol or b > tol) and max(abs(a), abs(b)) <= window:
            clocks[i] = Clock(offset=(a + b) / 2, source="window", known=True)


def estimate_clocks(records: Records, options: Options) -> ClockModel:
    """The clock of every deployment (steps 1-5 of this module's description).

    Parameters
    ----------
    records : Records
    options : Options
        ``clock_tolerance``, ``pair_window`` and ``reset_window`` are used.

    Returns
    -------
    ClockModel
    """
    r = records
    clocks = [Clock() for _ in range(r.n)]
    is_reset, o_start, o_end = _reset_and_setup_offsets(r, options, clocks)
    _clocks_from_setup(r, options.clock_tolerance, o_start, o_end, clocks)
    reset_shift = np.array([int(round(clocks[a].offset)) if is_reset[a] else 0 for a in range(r.n)], dtype=np.int64)
    images = r.images
    model = ClockModel(
        clocks=clocks,
        is_reset=is_reset,
        ambiguous={},
        first_image=np.array([images.times(i)[0] if images.count(i) else r.start[i] for i in range(r.n)], dtype=float),
        last_image=np.array([images.times(i)[-1] if images.count(i) else r.end[i] for i in range(r.n)], dtype=float),
        pairs=PairClocks(r, options.pair_window, reset_shift),
        records=r,
        tolerance=options.clock_tolerance,
    )
    _clocks_from_partners(model)
    _clocks_from_walk_tests(model)
    _clocks_alone(model, options.pair_window)
    return model
