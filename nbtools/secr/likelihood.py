"""The SECR full likelihood (Borchers & Efford 2008) with its analytic gradient.

Internal module: :func:`nbtools.secr.secr_fit` builds a :class:`SECRLikelihood` and
maximises it. The likelihood is factorised so that no n x M x K array is ever formed
(the design notes on the SECR likelihood):

* one numba pass over detectors x mask points sums the detection hazards ``h_k(x)``
  over detectors, weighted by usage (all that the non-detections need), with the same
  sums of their two derivatives; on grid masks the half-normal
  ``exp(-d^2 / (2 sigma^2))`` is the product of an x and a y factor, so the pass needs
  no exponential per pair;
* detections enter only through the detectors where each animal was detected (sparse
  n x R matrices); for hazard detection functions (HHN, HEX) with count or multi-catch
  detectors ``sum_k y_ik log h_k(x)`` is linear in a matrix ``y @ d^2`` (or ``y @ d``)
  computed once;
* each animal's log-likelihood is a log-sum-exp over mask points (and classes), and the
  gradient follows by the adjoint (posterior weights of each animal over the mask).

Notation: n animals, S occasions, K detectors, M mask points, G classes (sex or
finite-mixture class), ``a`` the cell area (ha), ``D(x)`` density (animals / ha).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy import sparse
from scipy.special import gammaln, logsumexp

__all__ = ["DETECTION_FUNCTIONS", "DetectionFunction", "SECRLikelihood", "hazard"]


@dataclass(frozen=True)
class DetectionFunction:
    """A detection function of secr (see secr's ``?detectfn``).

    Attributes
    ----------
    name : str
        secr's code: ``HN``, ``EX``, ``HHN`` or ``HEX``.
    code : int
        secr's number (0, 2, 14, 16).
    magnitude : str
        ``g0`` (probability per occasion at distance 0, logit link) or ``lambda0``
        (expected detections per occasion at distance 0, log link).
    shape : str
        ``halfnormal`` (exp(-d^2 / (2 sigma^2))) or ``exponential`` (exp(-d / sigma)).
    """

    name: str
    code: int
    magnitude: str
    shape: str

    @property
    def magnitude_link(self) -> str:
        """Link function of the magnitude parameter (``logit`` for g0, ``log`` for lambda0)."""
        return "logit" if self.magnitude == "g0" else "log"


#: The detection functions available, keyed by secr's name.
DETECTION_FUNCTIONS = {
    "HN": DetectionFunction("HN", 0, "g0", "halfnormal"),
    "EX": DetectionFunction("EX", 2, "g0", "exponential"),
    "HHN": DetectionFunction("HHN", 14, "lambda0", "halfnormal"),
    "HEX": DetectionFunction("HEX", 16, "lambda0", "exponential"),
}

# exp(x) is taken as 0 below this exponent, as secr's ``expmin`` (minimumexp = -100).
_MIN_EXP = -100.0


@numba.njit(inline="always", cache=True)
def _shape_arg(fn: int, d2: float, sigma: float) -> tuple[float, float]:
    """(shape, arg): d^2/sigma^2 and -d^2/(2 sigma^2) (half-normal) or d/sigma and -d/sigma."""
    if fn == 0 or fn == 14:
        shape = d2 / (sigma * sigma)
        return shape, -0.5 * shape
    shape = np.sqrt(d2) / sigma
    return shape, -shape


@numba.njit(inline="always", cache=True)
def _hazard_z(fn: int, z: float, shape: float, mag: float) -> tuple[float, float, float]:
    """Hazard h from z = exp(arg) and its derivatives by link(mag) and log(sigma)."""
    if fn == 0 or fn == 2:
        g = mag * z
        if g < 1e-8:  # -log(1 - g) and g / (1 - g) to double precision without log1p
            h = g * (1.0 + 0.5 * g)
            q = g * (1.0 + g)
        else:
            h = -np.log1p(-g)
            q = g / (1.0 - g)  # g dh/dg
        return h, q * (1.0 - mag), q * shape
    h = mag * z
    return h, h, h * shape


@numba.njit(inline="always", cache=True)
def _log_terms(fn: int, h: float, dh1: float, dh2: float, arg: float, shape: float, mag: float):
    """log h and dlog h by link(mag) and log(sigma); the limits where h underflows to 0
    (so detections far from a point keep a finite, tiny log-likelihood there)."""
    if fn == 0 or fn == 2:
        if h == 0.0:
            return np.log(mag) + arg, 1.0 - mag, shape
        return np.log(h), dh1 / h, dh2 / h
    return np.log(mag) + arg, 1.0, shape


_CHUNK = 512  # mask points per parallel task (keeps a detector's row of a chunk in cache)


def _hazards_py(
    d2: np.ndarray,
    weights: np.ndarray,
    rowpos: np.ndarray,
    nout: int,
    nrows: int,
    fn: int,
    mag: float,
    sigma: float,
    grad: bool,
    ex: np.ndarray,
    ey: np.ndarray,
    ix: np.ndarray,
    iy: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One pass over detectors x mask points (``d2`` is K x M, C order).

    Returns ``proj`` (3 or 1, P, M): usage-weighted sums over detectors of h (and of dh1,
    dh2 when ``grad``), and ``rows`` (nout, R, M) at the R detectors with
    ``rowpos[k] >= 0``: log h, dlog h 1, dlog h 2 and (``nout`` = 4) h.

    When ``ex`` is not empty (half-normal shapes on points with few distinct x and y),
    exp(-d^2 / (2 sigma^2)) = ex[k, ix[m]] * ey[k, iy[m]] replaces the exponential.
    Below secr's ``expmin`` threshold (exponent < -100) h is 0."""
    k_traps, m_points = d2.shape
    p_patterns = weights.shape[1]
    separable = ex.shape[1] > 0
    proj = np.zeros((3 if grad else 1, p_patterns, m_points))
    rows = np.empty((nout, nrows, m_points))
    n_chunks = (m_points + _CHUNK - 1) // _CHUNK
    for chunk in numba.prange(n_chunks):
        x0 = chunk * _CHUNK
        x1 = min(x0 + _CHUNK, m_points)
        for k in range(k_traps):
            r = rowpos[k] if nout > 0 else -1
            for x in range(x0, x1):
                shape, arg = _shape_arg(fn, d2[k, x], sigma)
                if arg < _MIN_EXP:
                    h = dh1 = dh2 = 0.0
                else:
                    z = ex[k, ix[x]] * ey[k, iy[x]] if separable else np.exp(arg)
                    h, dh1, dh2 = _hazard_z(fn, z, shape, mag)
                if r >= 0:
                    logh, dl1, dl2 = _log_terms(fn, h, dh1, dh2, arg, shape, mag)
                    rows[0, r, x] = logh
                    rows[1, r, x] = dl1
                    rows[2, r, x] = dl2
                    if nout > 3:
                        rows[3, r, x] = h
                if h != 0.0:
                    for p in range(p_patterns):
                        w = weights[k, p]
                        proj[0, p, x] += w * h
                        if grad:
                            proj[1, p, x] += w * dh1
                            proj[2, p, x] += w * dh2
    return proj, rows


_hazards_parallel = numba.njit(parallel=True, cache=True)(_hazards_py)
_hazards_serial = numba.njit(parallel=False, cache=True)(_hazards_py)

#: Detector x mask-point pairs above which the numba kernel runs on several threads.
#: Below it thread start-up (and, on a shared machine, waiting for a busy core) costs
#: more than it saves.
PARALLEL_THRESHOLD = 2_000_000

_NO_GRID = (np.zeros((0, 0)), np.zeros((0, 0)), np.zeros(0, np.int64), np.zeros(0, np.int64))


@dataclass(frozen=True)
class _Points:
    """Integration points with squared distances to the detectors and, when the points
    have few distinct x and y (a grid), the pieces of a separable half-normal."""

    d2: np.ndarray  # K x M
    dx2: np.ndarray | None  # K x NX squared x offsets (grid points only)
    dy2: np.ndarray | None  # K x NY
    ix: np.ndarray
    iy: np.ndarray

    @classmethod
    def build(cls, points_xy: np.ndarray, traps_xy: np.ndarray) -> _Points:
        d2 = squared_distances(points_xy, traps_xy)
        ux, ix = np.unique(points_xy[:, 0], return_inverse=True)
        uy, iy = np.unique(points_xy[:, 1], return_inverse=True)
        if len(ux) + len(uy) <= 0.25 * len(points_xy):
            dx2 = (traps_xy[:, 0][:, None] - ux[None, :]) ** 2
            dy2 = (traps_xy[:, 1][:, None] - uy[None, :]) ** 2
            return cls(d2, dx2, dy2, ix.astype(np.int64).ravel(), iy.astype(np.int64).ravel())
        return cls(d2, None, None, _NO_GRID[2], _NO_GRID[3])

    def separable(self, fn: int, sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self.dx2 is None or fn not in (0, 14):
            return _NO_GRID
        c = -0.5 / sigma**2
        return np.exp(self.dx2 * c), np.exp(self.dy2 * c), self.ix, self.iy


def _hazards(points: _Points, weights, rowpos, nout, nrows, fn, mag, sigma, grad):
    kernel = _hazards_parallel if points.d2.size >= PARALLEL_THRESHOLD else _hazards_serial
    ex, ey, ix, iy = points.separable(fn, sigma)
    return kernel(points.d2, weights, rowpos, nout, nrows, fn, mag, sigma, grad, ex, ey, ix, iy)


def hazard(detectfn: str, d: np.ndarray, magnitude: float, sigma: float) -> np.ndarray:
    """Hazard of detection per occasion at distance ``d`` (m) (secr's cumulative hazard).

    For ``HN``/``EX`` the detection probability is ``g = g0 exp(...)`` and the hazard
    ``-log(1 - g)``; for ``HHN``/``HEX`` the hazard is ``lambda0 exp(...)``.

    >>> round(float(hazard("HHN", np.array([0.0]), 0.2, 30.0)[0]), 6)
    0.2
    """
    fn = DETECTION_FUNCTIONS[detectfn]
    d = np.asarray(d, dtype=float)
    if fn.shape == "halfnormal":
        z = np.exp(-(d**2) / (2 * sigma**2))
    else:
        z = np.exp(-d / sigma)
    if fn.magnitude == "g0":
        return -np.log1p(-magnitude * z)
    return magnitude * z


def _phi(h: np.ndarray) -> np.ndarray:
    """log((1 - exp(-H)) / H), 0 at H = 0 (multi-catch: probability caught somewhere / H)."""
    out = np.zeros_like(h)
    pos = h > 0
    out[pos] = np.log(-np.expm1(-h[pos]) / h[pos])
    return out


def _dphi(h: np.ndarray) -> np.ndarray:
    """Derivative of :func:`_phi`: 1 / expm1(H) - 1 / H, with its series near 0."""
    out = np.empty_like(h)
    small = h < 1e-4
    hs = h[small]
    out[small] = -0.5 + hs / 12.0
    hb = h[~small]
    out[~small] = 1.0 / np.expm1(hb) - 1.0 / hb
    return out


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """sum(a * b) without BLAS (whose thread start-up dominates at these sizes on a busy machine)."""
    a = np.asarray(a)
    b = np.broadcast_to(b, a.shape)
    return float(np.einsum("i,i->", a.reshape(-1), b.reshape(-1)))


def _csr(a: np.ndarray) -> sparse.csr_array:
    return sparse.csr_array(np.asarray(a, dtype=float))


class _Detections:
    """Detector-specific data and terms of each animal's log-likelihood log Pr(omega_i | x).

    Detection terms come from the R detectors with detections (sparse n x R matrices and
    the kernel's ``rows`` (nout, R, M): log h, dlog h 1, dlog h 2[, h]); non-detection
    terms from the usage-weighted total hazards ``proj[0]`` (P x M).
    """

    nout = 3  # arrays per detection detector needed from the kernel
    rows: np.ndarray  # detectors with at least one detection (R,)
    yr: sparse.csr_array  # n x R detections at those detectors (over occasions)
    weights: np.ndarray  # K x P usage patterns projected by the kernel
    multiplicity: np.ndarray  # P: occasions per pattern (sum over patterns = total hazard)
    const: np.ndarray  # n: constant terms of each animal's log-likelihood

    def row_terms(self, rows: np.ndarray) -> np.ndarray:
        """sum_k y_ik log h_k(x) (n x M)."""
        return self.yr @ rows[0]

    def row_gradient(self, resp: np.ndarray, rows: np.ndarray) -> list[float]:
        """Derivatives of sum_ix resp_ix row_terms_ix by link(mag) and log(sigma)."""
        s = self.yr_t @ resp
        return [_dot(s, rows[1]), _dot(s, rows[2])]

    def dense_terms(self, proj: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def dense_adjoint(self, expo: np.ndarray, winv: np.ndarray, rsum: np.ndarray, proj: np.ndarray) -> np.ndarray:
        """d sum_ix resp_ix dense_terms_ix / d proj[0] (P x M), resp = expo * winv[:, None].

        ``dense_terms`` is (1, M) (the same for every animal) or (n, M)."""
        return -rsum[None, :]


class _Count(_Detections):
    """Poisson counts: y_isk ~ Poisson(T_sk h_k(x)) (secr's count detector, binomN = 0)."""

    def __init__(self, y: np.ndarray, usage: np.ndarray) -> None:
        yk = y.sum(axis=1).astype(float)  # n x K
        self.rows = np.flatnonzero(yk.sum(axis=0) > 0)
        self.yr = _csr(yk[:, self.rows])
        self.yr_t = self.yr.T.tocsr()
        self.weights = usage.sum(axis=1)[:, None].astype(float)
        self.multiplicity = np.ones(1)
        t = usage.T[None, :, :]  # 1 x S x K
        logt = np.where(y > 0, np.log(np.where(t > 0, t, 1.0)), 0.0)
        self.const = (y * logt).sum(axis=(1, 2)) - gammaln(y + 1.0).sum(axis=(1, 2))

    def dense_terms(self, proj):
        return -proj[0, 0][None, :]


class _Proximity(_Detections):
    """Binary proximity detectors: y_isk ~ Bernoulli(1 - exp(-T_sk h_k(x))) (secr's proximity)."""

    nout = 4

    def __init__(self, y: np.ndarray, usage: np.ndarray) -> None:
        t = usage.T[None, :, :]
        self.rows = np.flatnonzero(y.sum(axis=(0, 1)) > 0)
        self.values = np.unique(np.broadcast_to(t, y.shape)[y > 0])
        self.yv = [_csr(((y > 0) & (t == v)).sum(axis=1)[:, self.rows]) for v in self.values]
        self.yv_t = [m.T.tocsr() for m in self.yv]
        self.yt = _csr((y * t).sum(axis=1)[:, self.rows])  # sum_s y_isk T_sk
        self.yt_t = self.yt.T.tocsr()
        self.yr = self.yt
        self.weights = usage.sum(axis=1)[:, None].astype(float)
        self.multiplicity = np.ones(1)
        self.const = np.zeros(y.shape[0])

    @staticmethod
    def _log_p(v: float, rows: np.ndarray) -> np.ndarray:
        """log(1 - exp(-v h)), with its limit log(v) + log(h) where h underflows to 0."""
        h = rows[3]
        out = np.log(v) + rows[0]
        pos = h > 0
        out[pos] = np.log(-np.expm1(-v * h[pos]))
        return out

    def row_terms(self, rows):
        # detections: log(1 - exp(-T h)); the T h of their non-detection is added back
        out = self.yt @ rows[3]
        for v, yv in zip(self.values, self.yv, strict=True):
            out += yv @ self._log_p(v, rows)
        return out

    def row_gradient(self, resp, rows):
        h = rows[3]
        st = self.yt_t @ resp  # times dh = h dlog h
        sth = st * h
        g = [_dot(sth, rows[1]), _dot(sth, rows[2])]
        for v, yv_t in zip(self.values, self.yv_t, strict=True):
            ratio = np.ones_like(h)  # d log(1 - exp(-v h)) / d log h = v h / expm1(v h) -> 1 as h -> 0
            pos = h > 0
            vh = v * h[pos]
            ratio[pos] = vh / np.expm1(vh)
            s = (yv_t @ resp) * ratio
            g[0] += _dot(s, rows[1])
            g[1] += _dot(s, rows[2])
        return g

    def dense_terms(self, proj):
        return -proj[0, 0][None, :]


class _Multi(_Detections):
    """Multi-catch traps: on each occasion an animal is caught in at most one trap.

    Pr(caught in k on s | x) = (1 - exp(-H_s)) T_sk h_k / H_s with H_s = sum_k T_sk h_k
    (secr's multi detector; usage enters as in secr's C++ code).
    """

    def __init__(self, y: np.ndarray, usage: np.ndarray, removed: np.ndarray | None = None) -> None:
        yk = y.sum(axis=1).astype(float)
        self.rows = np.flatnonzero(yk.sum(axis=0) > 0)
        self.yr = _csr(yk[:, self.rows])
        self.yr_t = self.yr.T.tocsr()
        patterns, index = np.unique(usage.T, axis=0, return_inverse=True)  # P x K
        index = np.asarray(index).ravel()
        self.weights = np.ascontiguousarray(patterns.T.astype(float))  # K x P
        p = len(patterns)
        self.multiplicity = np.bincount(index, minlength=p).astype(float)
        caught = y.sum(axis=2) > 0  # n x S
        onehot = np.zeros((y.shape[1], p))
        onehot[np.arange(y.shape[1]), index] = 1.0
        self.cp = caught.astype(float) @ onehot  # n x P: occasions caught, by usage pattern
        missed = ~caught
        if removed is not None:  # a removed animal's occasions after its removal are not observed
            missed &= np.arange(y.shape[1])[None, :] < np.where(removed > 0, removed, y.shape[1])[:, None]
        self.ncp = missed.astype(float) @ onehot
        t = usage.T[None, :, :]
        logt = np.where(y > 0, np.log(np.where(t > 0, t, 1.0)), 0.0)
        self.const = (y * logt).sum(axis=(1, 2))

    def dense_terms(self, proj):
        big_h = proj[0]
        return np.einsum("np,pm->nm", self.cp, _phi(big_h)) - np.einsum("np,pm->nm", self.ncp, big_h)

    def dense_adjoint(self, expo, winv, rsum, proj):
        big_h = proj[0]
        caught = np.einsum("np,n,nm->pm", self.cp, winv, expo)
        missed = np.einsum("np,n,nm->pm", self.ncp, winv, expo)
        return caught * _dphi(big_h) - missed


_DETECTOR_CLASSES = {"count": _Count, "proximity": _Proximity, "multi": _Multi, "single": _Multi}


def squared_distances(points: np.ndarray, traps: np.ndarray) -> np.ndarray:
    """Squared distances (m^2) as a C-contiguous K x M array (traps by points)."""
    dx = traps[:, 0][:, None] - points[:, 0][None, :]
    dy = traps[:, 1][:, None] - points[:, 1][None, :]
    return np.ascontiguousarray(dx * dx + dy * dy)


@dataclass
class Evaluation:
    """Components of one likelihood evaluation (kept for derived quantities)."""

    loglik: float
    gradient: np.ndarray | None
    log_q: np.ndarray  # G x n x M: log of w_ic D(x) a Pr(omega_i | x, c)
    log_z: np.ndarray  # n: log of sum over c, x of q
    pdot: np.ndarray  # G x M: Pr(detected at least once | x, class)
    density: np.ndarray  # M: D(x) (animals / ha)
    pmix: np.ndarray  # G


class SECRLikelihood:
    """Full SECR log-likelihood with Poisson N (secr's ``CL = FALSE``) and its gradient.

    Parameters
    ----------
    counts : array (n, S, K)
        Detections.
    usage : array (K, S)
        Detector usage (effort multiplying the hazard).
    detector : {"multi", "single", "proximity", "count"}
    detectfn : {"HN", "EX", "HHN", "HEX"}
    traps_xy : array (K, 2), metres
    mask_xy : array (M, 2), metres
    cell_area : float
        Area of a mask cell (ha).
    design : array (M, p)
        Design matrix of log density on the mask points.
    nclass : int
        Number of latent or known classes G (1 = none).
    known_class : array (n,) of int
        Class of each animal (0..G-1) or -1 when unknown.
    class_params : set of {"mag", "sigma"}
        Detection parameters that differ between classes.
    removed : array (n,) of int, optional
        Occasion (1-based) on which each animal was removed at capture, 0 if never
        (multi-catch traps): its later occasions are left out of its history, as secr does.

    Notes
    -----
    With ``q_ic(x) = w_ic D(x) a Pr(omega_i | x, c)``, ``w_ic = pi_c`` (class unknown)
    or ``pi_c [c = c_i]`` (class known), the log-likelihood is

    ``sum_i log sum_c sum_x q_ic(x) - a sum_c pi_c sum_x D(x) p.(x, c) - sum_w log n_w!``

    where ``p.(x, c) = 1 - exp(-sum_sk T_sk h_k(x; c))`` and ``n_w`` counts identical
    capture histories. This equals secr's full likelihood (the Poisson term for n, the
    multinomial coefficient, and the detection-history probabilities conditional on
    detection) for one class; with classes it is the likelihood of independent Poisson
    processes per class (``D pi_c``).
    """

    def __init__(
        self,
        counts: np.ndarray,
        usage: np.ndarray,
        detector: str,
        detectfn: str,
        traps_xy: np.ndarray,
        mask_xy: np.ndarray,
        cell_area: float,
        design: np.ndarray,
        nclass: int = 1,
        known_class: np.ndarray | None = None,
        class_params: frozenset[str] = frozenset(),
        removed: np.ndarray | None = None,
    ) -> None:
        self.counts = np.asarray(counts)
        self.n = self.counts.shape[0]
        self.usage = np.asarray(usage, dtype=float)
        self.detector = detector
        self.detectfn = DETECTION_FUNCTIONS[detectfn]
        self.traps_xy = np.asarray(traps_xy, dtype=float)
        self.nclass = int(nclass)
        self.known_class = np.full(self.n, -1) if known_class is None else np.asarray(known_class, dtype=int)
        self.class_params = frozenset(class_params)
        if removed is not None and np.any(removed):
            if detector not in ("multi", "single"):
                raise NotImplementedError("animals removed at capture are supported for multi-catch traps only")
            self.data = _Multi(self.counts, self.usage, np.asarray(removed, dtype=np.int64))
        else:
            self.data = _DETECTOR_CLASSES[detector](self.counts, self.usage)
        self._rowpos = np.full(self.counts.shape[2], -1, dtype=np.int64)
        self._rowpos[self.data.rows] = np.arange(len(self.data.rows))
        self.set_points(mask_xy, cell_area, design)
        self._layout(design.shape[1])
        self.log_multinomial = self._log_multinomial()
        self.n_evaluations = 0

    # ------------------------------------------------------------------ set-up
    def set_points(self, points_xy: np.ndarray, cell_area: float, design: np.ndarray) -> None:
        """Use these integration points (mask) from now on."""
        self.points_xy = np.asarray(points_xy, dtype=float)
        self.points = _Points.build(self.points_xy, self.traps_xy)
        self.d2 = self.points.d2
        self.cell_area = float(cell_area)
        self.design = np.ascontiguousarray(design, dtype=float)
        # Hazard detection functions with count or multi detectors: log h_k(x) = log lambda0
        # - kappa f_kx with f = d^2 (HHN) or d (HEX), so sum_k y_ik log h_k(x) needs only
        # the n x M matrix yf = y @ f, computed once (the design notes on the SECR likelihood).
        self._yf = None
        if self.detector in ("count", "multi", "single") and self.detectfn.name in ("HHN", "HEX"):
            f = self.d2[self.data.rows]
            if self.detectfn.name == "HEX":
                f = np.sqrt(f)
            self._yf = np.asarray(self.data.yr @ f)
            self._ysum = np.asarray(self.data.yr.sum(axis=1)).ravel()

    @property
    def _nu(self) -> float:
        """d log(kappa) / d log(sigma), negated: 2 for HHN (kappa = 1/(2 sigma^2)), 1 for HEX."""
        return 2.0 if self.detectfn.name == "HHN" else 1.0

    def _kappa(self, sigma: float) -> float:
        return 0.5 / sigma**2 if self.detectfn.name == "HHN" else 1.0 / sigma

    def _layout(self, p_density: int) -> None:
        names = [f"D{j}" for j in range(p_density)]
        self.idx_density = np.arange(p_density)
        nxt = p_density
        mag_name = self.detectfn.magnitude
        self.idx_mag = np.empty(self.nclass, int)
        self.idx_sigma = np.empty(self.nclass, int)
        for label, idx in ((mag_name, self.idx_mag), ("sigma", self.idx_sigma)):
            key = "mag" if label == mag_name else "sigma"
            if key in self.class_params and self.nclass > 1:
                idx[:] = nxt + np.arange(self.nclass)
                names += [f"{label}[{c}]" for c in range(self.nclass)]
                nxt += self.nclass
            else:
                idx[:] = nxt
                names.append(label)
                nxt += 1
        self.idx_pmix = nxt + np.arange(self.nclass - 1)
        names += [f"pmix[{c}]" for c in range(1, self.nclass)]
        self.n_params = nxt + self.nclass - 1
        self.internal_names = names

    def _log_multinomial(self) -> float:
        """-sum log(n_w!) over groups of identical capture histories (and class)."""
        if self.n == 0:
            return 0.0
        # group identical (class, history) pairs by their sparse form: histories are long
        # (S x K, e.g. 365 days x 200 stations) and mostly zero
        flat = self.counts.reshape(self.n, -1)
        groups: dict[tuple[int, bytes, bytes], int] = {}
        for i in range(self.n):
            nz = np.flatnonzero(flat[i])
            key = (int(self.known_class[i]), nz.tobytes(), np.ascontiguousarray(flat[i, nz]).tobytes())
            groups[key] = groups.get(key, 0) + 1
        counts = np.fromiter(groups.values(), dtype=float, count=len(groups))
        return float(-gammaln(counts + 1.0).sum())

    # -------------------------------------------------------------- parameters
    def unpack(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Log density on the points, magnitudes, sigmas and mixing proportions."""
        beta = np.asarray(beta, dtype=float)
        log_d = np.einsum("mp,p->m", self.design, beta[self.idx_density])
        eta = beta[self.idx_mag]
        if self.detectfn.magnitude_link == "logit":
            mag = 1.0 / (1.0 + np.exp(-eta))
        else:
            mag = np.exp(eta)
        sigma = np.exp(beta[self.idx_sigma])
        eta_pi = np.concatenate([[0.0], beta[self.idx_pmix]])
        pmix = np.exp(eta_pi - logsumexp(eta_pi))
        return log_d, mag, sigma, pmix

    # ------------------------------------------------------------- evaluation
    def evaluate(self, beta: np.ndarray, gradient: bool = True) -> Evaluation:
        """Log-likelihood (and gradient) at ``beta`` (link scale)."""
        self.n_evaluations += 1
        log_d, mag, sigma, pmix = self.unpack(beta)
        dens = np.exp(log_d)
        a = self.cell_area
        data = self.data
        g_classes = self.nclass
        m_points = len(log_d)
        n = self.n
        with np.errstate(divide="ignore"):
            log_pi = np.log(pmix)
        log_w = np.where(
            (self.known_class[:, None] < 0) | (self.known_class[:, None] == np.arange(g_classes)[None, :]),
            log_pi[None, :],
            -np.inf,
        )
        factorised = self._yf is not None
        nout = 0 if factorised else data.nout
        nrows = 0 if factorised else len(data.rows)
        log_q = np.empty((n, g_classes, m_points))
        pdot = np.empty((g_classes, m_points))
        cache = []
        base = log_d + np.log(a)
        for c in range(g_classes):
            m_c, s_c = float(mag[c]), float(sigma[c])
            if not (np.isfinite(m_c) and np.isfinite(s_c) and m_c > 0 and s_c > 0) or (
                self.detectfn.magnitude == "g0" and m_c >= 1
            ):
                raise FloatingPointError("detection parameters out of range")
            proj, rows = _hazards(
                self.points, data.weights, self._rowpos, nout, nrows, self.detectfn.code, m_c, s_c, gradient
            )
            lam = np.einsum("p,pm->m", data.multiplicity, proj[0])
            pdot[c] = -np.expm1(-lam)
            out = log_q[:, c, :]
            row = base.copy()
            dense_terms = data.dense_terms(proj)
            if dense_terms.shape[0] == 1:  # the same for every animal (count, proximity)
                row += dense_terms[0]
            if factorised:
                kappa = self._kappa(s_c)
                np.multiply(self._yf, -kappa, out=out)
                out += (self._ysum * np.log(m_c) + log_w[:, c])[:, None]
            else:
                kappa = 0.0
                out[...] = data.row_terms(rows)
                out += log_w[:, c, None]
            out += row[None, :]
            if dense_terms.shape[0] != 1:
                out += dense_terms
            cache.append((proj, rows, lam, kappa))
        flat = log_q.reshape(n, -1)
        top = flat.max(axis=1) if n else np.zeros(0)
        expo = np.subtract(flat, top[:, None])
        np.exp(expo, out=expo)
        total = expo.sum(axis=1)
        log_z = top + np.log(total)
        expected = a * float((pmix[:, None] * pdot * dens[None, :]).sum())
        loglik = float(log_z.sum() + data.const.sum() + self.log_multinomial - expected)
        if not np.isfinite(loglik):
            raise FloatingPointError("log-likelihood is not finite")
        grad = None
        if gradient:
            # posterior weights of animal i over (class, point): expo_icx / total_i
            grad = np.zeros(self.n_params)
            winv = 1.0 / total
            expo3 = expo.reshape(n, g_classes, m_points)
            dlogd = -a * dens * (pmix[:, None] * pdot).sum(axis=0)
            a_class = np.empty(g_classes)
            for c in range(g_classes):
                proj, rows, lam, kappa = cache[c]
                e_c = expo3[:, c, :]
                rsum = np.einsum("i,ix->x", winv, e_c)
                dlogd += rsum
                if factorised:
                    mass = np.einsum("ix->i", e_c) * winv
                    yfe = np.einsum("ix,ix->i", e_c, self._yf)
                    g_rows = [_dot(self._ysum, mass), self._nu * kappa * _dot(winv, yfe)]
                else:
                    g_rows = data.row_gradient(e_c * winv[:, None], rows)
                dense = data.dense_adjoint(e_c, winv, rsum, proj)
                dense = dense - (a * pmix[c] * dens * np.exp(-lam))[None, :] * data.multiplicity[:, None]
                grad[self.idx_mag[c]] += _dot(dense, proj[1]) + g_rows[0]
                grad[self.idx_sigma[c]] += _dot(dense, proj[2]) + g_rows[1]
                a_class[c] = rsum.sum() - a * pmix[c] * _dot(dens, pdot[c])
            grad[self.idx_density] = np.einsum("mp,m->p", self.design, dlogd)
            if g_classes > 1:
                total_a = a_class.sum()
                for j, idx in enumerate(self.idx_pmix, start=1):
                    grad[idx] = a_class[j] - pmix[j] * total_a
        return Evaluation(loglik, grad, log_q.transpose(1, 0, 2), log_z, pdot, dens, pmix)

    def negloglik(self, beta: np.ndarray) -> tuple[float, np.ndarray]:
        """Negative log-likelihood and its gradient (for scipy.optimize); 1e10 if invalid."""
        try:
            with np.errstate(over="ignore", under="ignore"):
                ev = self.evaluate(beta, gradient=True)
        except FloatingPointError:
            return 1e10, np.zeros(self.n_params)
        return -ev.loglik, -ev.gradient  # type: ignore[operator]

    def hessian(self, beta: np.ndarray, rel_step: float = 1e-4) -> np.ndarray:
        """Hessian of the log-likelihood by central differences of the analytic gradient."""
        beta = np.asarray(beta, dtype=float)
        p = len(beta)
        out = np.empty((p, p))
        for j in range(p):
            step = rel_step * max(1.0, abs(beta[j]))
            up, down = beta.copy(), beta.copy()
            up[j] += step
            down[j] -= step
            g_up = self.evaluate(up).gradient
            g_down = self.evaluate(down).gradient
            out[:, j] = (g_up - g_down) / (2 * step)  # type: ignore[operator]
        return 0.5 * (out + out.T)

    def pdot_at(self, beta: np.ndarray, points_xy: np.ndarray | None = None) -> np.ndarray:
        """Pr(detected | centre x, class) at the mask or other points: array (G, M)."""
        _, mag, sigma, _ = self.unpack(beta)
        pts = self.points if points_xy is None else _Points.build(np.asarray(points_xy, float), self.traps_xy)
        out = np.empty((self.nclass, pts.d2.shape[1]))
        none = np.full(pts.d2.shape[0], -1, dtype=np.int64)
        for c in range(self.nclass):
            proj, _ = _hazards(
                pts, self.data.weights, none, 0, 0, self.detectfn.code, float(mag[c]), float(sigma[c]), False
            )
            out[c] = -np.expm1(-np.einsum("p,pm->m", self.data.multiplicity, proj[0]))
        return out
