"""Benchmarks of the open-population fits (nbtools.secr.open_*) on secr's ovenCH, beside openCR's times.

Run: ``python benchmarks/secr_open.py``.

1. Fits on ovenCH joined over its five sessions (70 birds, 49 secondary occasions): CJS and
   PLBl (Pradel-Link-Barker lambda) with constant parameters and with sex/session effects, and
   the spatial CJS (CJSsecr), with the time of openCR 2.2.7 where the reference notes give one
   (``../shared/data/reference/turn2/README.md``; they give R's time for the spatial CJSsecr
   fit only, 8 s on two busy cores).
2. Baseline in the same run: the same likelihoods written plainly, animal by animal with
   Python loops over birth and death sessions (a transcription of openCR's ``prwi`` and
   ``PCH1``), timed per evaluation and in the same optimiser (same start, same numerical
   derivatives), so the ratio measures the vectorised likelihood only. Both give the same
   maximum. For the spatial CJS, one evaluation of a per-animal, per-occasion transcription of
   openCR's ``prwisecr`` (numpy over the mask points only).

Absolute times depend on the load of the (shared) machine; the ratios do not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from nbtools.secr import Mask, make_capthists
from nbtools.secr.open_cjs import START as CJS_START
from nbtools.secr.open_cjs import cjs_fit, cjs_loglik
from nbtools.secr.open_design import parameter_design
from nbtools.secr.open_histories import OpenCaptureHistory, join_sessions
from nbtools.secr.open_pradel import START as PLB_START
from nbtools.secr.open_pradel import pradel_fit, pradel_loglik
from nbtools.secr.open_result import fit_open_model
from nbtools.secr.open_spatial import SpatialCJSData, cjs_secr_fit, cjs_secr_loglik
from nbtools.secr.open_spatial_pradel import pradel_secr_fit

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "data" / "reference" / "turn2"
NOCCASIONS = {"2005": 9, "2006": 10, "2007": 10, "2008": 10, "2009": 10}
#: openCR 2.2.7's times from the reference notes (None: not given there).
R_SECONDS = {"CJS": None, "PLBl": None, "CJSsecr": 8.0}


def oven_history() -> OpenCaptureHistory:
    captures = pd.read_csv(REF / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    sex = pd.read_csv(REF / "ovenCH_individual_covariates.csv", dtype=str)
    captures = captures.merge(sex, on=["session", "ID"], how="left")
    traps = pd.read_csv(REF / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    return join_sessions(make_capthists(captures, traps, detector="multi", noccasions=NOCCASIONS, covnames=["Sex"]))


def plain_cjs(h: OpenCaptureHistory, p: np.ndarray, phi: np.ndarray) -> float:
    """CJS log-likelihood animal by animal (openCR's ``prwi``, type CJS)."""
    y, prim, J = h.secondary, h.primary, h.nsessions
    total = 0.0
    for i in range(h.n):
        f, last, cens = h.first[i], h.last[i], h.censored[i]
        like = 0.0
        for d in range(last, (last if cens else J - 1) + 1):
            term = 1.0
            for j in range(f, d):
                term *= phi[i, j] ** h.intervals[j]
            if not cens and d < J - 1:
                term *= 1 - phi[i, d] ** h.intervals[d]
            for s in range(h.noccasions):
                if f < prim[s] <= d:
                    term *= p[i, s] if y[i, s] else 1 - p[i, s]
            like += term
        total += np.log(like)
    return total


def plain_plbl(h: OpenCaptureHistory, p: np.ndarray, phi: np.ndarray, lam: np.ndarray) -> float:
    """PLBl log-likelihood animal by animal (openCR's ``prwi`` and ``PCH1``, type PLBl)."""
    y, prim, J = h.secondary, h.primary, h.nsessions
    total = 0.0
    for i in range(h.n):
        ph = [phi[i, j] ** h.intervals[j] for j in range(J - 1)] + [0.0]
        f = [max(lam[i, j] ** h.intervals[j] - ph[j], 0.0) for j in range(J - 1)]
        w, grow = [1.0], 1.0
        for j in range(J - 1):
            w.append(f[j] * grow)
            grow *= ph[j] + f[j]
        beta = [x / sum(w) for x in w]
        like = pdot = 0.0
        for b in range(J):
            for d in range(b, J):
                alive = beta[b]
                for j in range(b, d):
                    alive *= ph[j]
                missed, term = 1.0, alive * (1.0 if h.censored[i] else 1 - ph[d])
                for s in range(h.noccasions):
                    if b <= prim[s] <= d:
                        missed *= 1 - p[i, s]
                        term *= p[i, s] if y[i, s] else 1 - p[i, s]
                pdot += alive * (1 - ph[d]) * (1 - missed)
                if b <= h.first[i] and d >= h.last[i] and (not h.censored[i] or d == h.last[i]):
                    like += term
        total += np.log(like) - np.log(pdot)
    return total


def plain_cjs_secr(h: OpenCaptureHistory, mask: Mask, phi: float, lambda0: float, sigma: float) -> float:
    """Spatial CJS log-likelihood animal by animal and occasion by occasion (openCR's ``prwisecr``, ``prw``),
    numpy over the mask points only."""
    traps = h.traps[["x", "y"]].to_numpy(float)
    points = mask.points[["x", "y"]].to_numpy(float)
    hazard = lambda0 * np.exp(-((points[:, None, :] - traps[None, :, :]) ** 2).sum(axis=2) / (2 * sigma**2))
    total = hazard.sum(axis=1)
    J, prim = h.nsessions, h.primary
    loglik = 0.0
    for i in range(h.n):
        f, last, cens = h.first[i], h.last[i], h.censored[i]
        like = 0.0
        for d in range(last, (last if cens else J - 1) + 1):
            pbd = phi ** (d - f) * (1.0 if cens or d == J - 1 else 1 - phi)
            alpha = np.full(len(points), 1.0 / len(points))
            for s in range(h.noccasions):
                if not f < prim[s] <= d or (h.removed[i] and s + 1 > h.removed[i]):
                    continue
                trap = np.flatnonzero(h.counts[i, s])
                if len(trap):
                    alpha = alpha * (1 - np.exp(-total)) * hazard[:, trap[0]] / total
                else:
                    alpha = alpha * np.exp(-total)
            like += pbd * alpha.sum()
        loglik += np.log(like)
    return loglik


def seconds(func: Callable[[], object], repeat: int = 3) -> float:
    """Smallest wall time (s) of ``repeat`` calls."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def plain_fit(h: OpenCaptureHistory, kind: str) -> float:
    """The constant-parameter fit with the plain likelihood in the same optimiser; returns its loglik."""
    J = h.nsessions
    if kind == "CJS":
        designs = [parameter_design(h, "p", "~1", [0]), parameter_design(h, "phi", "~1", [J - 1])]
        valid = [np.ones((h.n, h.noccasions), bool), np.ones((h.n, J), bool)]
        fit = fit_open_model("CJS", h, designs, valid, lambda r: plain_cjs(h, r[0], r[1]), CJS_START)
    else:
        designs = [
            parameter_design(h, "p", "~1", []),
            parameter_design(h, "phi", "~1", [J - 1]),
            parameter_design(h, "lambda", "~1", [J - 1]),
        ]
        valid = [np.ones((h.n, h.noccasions), bool)] + [np.ones((h.n, J), bool)] * 2
        fit = fit_open_model("PLBl", h, designs, valid, lambda r: plain_plbl(h, r[0], r[1], r[2]), PLB_START)
    return fit.loglik


def main() -> None:
    h = oven_history()
    print(f"ovenCH joined: {h}")
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 0.4, (h.n, h.noccasions))
    phi = rng.uniform(0.3, 0.9, (h.n, h.nsessions))
    lam = rng.uniform(0.6, 1.4, (h.n, h.nsessions))
    print("\n1. one likelihood evaluation (ms): vectorised vs plain per-animal loops")
    for name, fast, plain in (
        ("CJS", lambda: cjs_loglik(h, p, phi), lambda: plain_cjs(h, p, phi)),
        ("PLBl", lambda: pradel_loglik(h, p, phi, lam), lambda: plain_plbl(h, p, phi, lam)),
    ):
        t_fast, t_plain = seconds(fast, 20), seconds(plain, 3)
        assert abs(fast() - plain()) < 1e-9 * abs(plain())
        print(f"  {name:<5} {1e3 * t_fast:8.3f}  plain {1e3 * t_plain:8.2f}  ratio {t_plain / t_fast:6.0f}x")
    print("\n2. fits on ovenCH (s): ours, plain likelihood in the same optimiser, openCR 2.2.7")
    for name, fit in (
        ("CJS", lambda: cjs_fit(h)),
        ("PLBl", lambda: pradel_fit(h)),
    ):
        t_fit = seconds(fit, 3)
        t0 = time.perf_counter()
        loglik_plain = plain_fit(h, name)
        t_plain = time.perf_counter() - t0
        assert abs(loglik_plain - fit().loglik) < 1e-6
        r = R_SECONDS[name]
        r_text = "not given in the reference notes" if r is None else f"{r:.1f}"
        print(f"  {name:<5} ours {t_fit:6.3f}  plain {t_plain:7.2f}  openCR {r_text}  (loglik {fit().loglik:.7f})")
    print("\n3. spatial CJS (CJSsecr, HHN, multi-catch nets, 6,848 mask points)")
    mask = Mask(pd.read_csv(REF / "ovenCH_mask300.csv"), spacing=10.921875)
    data = SpatialCJSData(h, mask)
    args = (0.6084472101, 0.02357333657, 118.7790591)
    phi_full = np.full((h.n, h.nsessions), args[0])
    t_fast = seconds(lambda: cjs_secr_loglik(h, data, phi_full, args[1], args[2]), 5)
    t0 = time.perf_counter()
    value_plain = plain_cjs_secr(h, mask, *args)
    t_plain = time.perf_counter() - t0
    assert abs(value_plain - cjs_secr_loglik(h, data, phi_full, args[1], args[2])) < 1e-8
    print(
        f"  one evaluation (ms): ours {1e3 * t_fast:7.1f}  plain {1e3 * t_plain:8.1f}  ratio {t_plain / t_fast:5.0f}x"
    )
    t0 = time.perf_counter()
    spatial = cjs_secr_fit(h, mask)
    t_fit = time.perf_counter() - t0
    print(
        f"  fit: ours {t_fit:6.2f} s, openCR 2.2.7 {R_SECONDS['CJSsecr']:.0f} s (reference notes)  "
        f"(loglik {spatial.loglik:.7f}; openCR -516.0602928)"
    )
    t0 = time.perf_counter()
    spatial_plb = pradel_secr_fit(h, mask)
    print(
        f"  spatial PLBsecrl fit: ours {time.perf_counter() - t0:6.2f} s (no openCR time or value in the notes; "
        f"loglik {spatial_plb.loglik:.4f}, lambda {spatial_plb.value('lambda'):.4f})"
    )
    print("\n4. covariate models on ovenCH (s)")
    for label, fit in (
        ("CJS phi ~ Sex", lambda: cjs_fit(h, {"phi": "~ Sex"})),
        ("CJS phi ~ t, p ~ session", lambda: cjs_fit(h, {"phi": "~ t", "p": "~ session"})),
        ("PLBl phi ~ Sex, lambda ~ session", lambda: pradel_fit(h, {"phi": "~ Sex", "lambda": "~ session"})),
        ("CJSsecr phi ~ Sex", lambda: cjs_secr_fit(h, mask, {"phi": "~ Sex"})),
    ):
        t0 = time.perf_counter()
        result = fit()
        print(f"  {label:<34} {time.perf_counter() - t0:6.3f}  K = {result.n_params}, loglik {result.loglik:.4f}")


if __name__ == "__main__":
    main()
