"""Benchmark: dynamic occupancy (colext) on 1,000 sites x 6 seasons x 4 visits (issue 22, target < 5 s).

Simulated data: psi ~ forest, gamma ~ forest, epsilon ~ 1, p ~ date (an observation covariate), 10 % of the
visits missing. Timed in the same process on the same data:

- ``nbtools.occupancy.colext``: the forward algorithm over seasons vectorised over sites, its exact gradient from
  the forward-backward posteriors, BFGS then Newton steps, and the Hessian by central differences of the gradient;
- the plain baseline: the forward algorithm written straightforwardly in numpy, one site at a time (a 2-vector
  multiplied by the 2 x 2 transition matrix season by season, as unmarked's R engine did before TMB), minimised by
  ``scipy.optimize.minimize(method="BFGS")`` with its finite-difference gradient, and a forward-difference Hessian
  for the standard errors.

Also the year-specific model (gamma, epsilon ~ season - 1: 14 coefficients) and a nonparametric bootstrap
(``nonparboot``, B = 20). Both fits must reach the same optimum; the script prints the largest difference.

Run: python benchmarks/colext.py [--repeat 3] [--sites 1000] [--seasons 6] [--visits 4]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy import optimize, special

from nbtools.occupancy import colext, multi_season_data, nonparboot


def simulate(n_sites: int, n_seasons: int, n_visits: int, seed: int = 2026):
    """The data and the true coefficients (psi, gamma, epsilon, p)."""
    rng = np.random.default_rng(seed)
    forest = rng.normal(size=n_sites)
    date = rng.normal(size=(n_sites, n_seasons * n_visits))
    psi = special.expit(-0.4 + 0.8 * forest)
    col = special.expit(-1.5 + 0.5 * forest)
    ext = special.expit(-1.2)
    z = rng.random(n_sites) < psi
    y = np.empty((n_sites, n_seasons, n_visits))
    for t in range(n_seasons):
        if t:
            z = np.where(z, rng.random(n_sites) > ext, rng.random(n_sites) < col)
        p = special.expit(0.2 - 0.5 * date[:, t * n_visits : (t + 1) * n_visits])
        y[:, t] = (rng.random((n_sites, n_visits)) < p) & z[:, None]
    y = y.reshape(n_sites, -1)
    y[rng.random(y.shape) < 0.1] = np.nan
    import pandas as pd

    data = multi_season_data(y, n_seasons, site_covs=pd.DataFrame({"forest": forest}), obs_covs={"date": date})
    return data, y, forest, date


def baseline_nll(theta, y, forest, date, n_seasons, n_visits):
    """-logL by the forward algorithm, one site at a time (the plain way)."""
    total = 0.0
    for i in range(y.shape[0]):
        psi = special.expit(theta[0] + theta[1] * forest[i])
        col = special.expit(theta[2] + theta[3] * forest[i])
        ext = special.expit(theta[4])
        phi = np.array([[1 - col, col], [ext, 1 - ext]])
        alpha = np.array([1 - psi, psi])
        for t in range(n_seasons):
            if t:
                alpha = alpha @ phi
            yt = y[i, t * n_visits : (t + 1) * n_visits]
            pt = special.expit(theta[5] + theta[6] * date[i, t * n_visits : (t + 1) * n_visits])
            seen = ~np.isnan(yt)
            if seen.any():
                p1 = np.prod(np.where(yt[seen] > 0, pt[seen], 1 - pt[seen]))
                p0 = 0.0 if np.any(yt[seen] > 0) else 1.0
                alpha = alpha * np.array([p0, p1])
        total -= np.log(alpha.sum())
    return total


def baseline_fit(y, forest, date, n_seasons, n_visits):
    fn = lambda th: baseline_nll(th, y, forest, date, n_seasons, n_visits)  # noqa: E731
    res = optimize.minimize(fn, np.zeros(7), method="BFGS")
    k, h = res.x.size, 1e-4
    f0 = res.fun
    f1 = np.array([fn(res.x + h * np.eye(k)[a]) for a in range(k)])
    H = np.empty((k, k))
    for a in range(k):
        for b in range(a, k):
            f_ab = fn(res.x + h * (np.eye(k)[a] + np.eye(k)[b]))
            H[a, b] = H[b, a] = (f_ab - f1[a] - f1[b] + f0) / (h * h)
    return res.x, np.sqrt(np.diag(np.linalg.inv(H))), res.fun


def timed(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--seasons", type=int, default=6)
    parser.add_argument("--visits", type=int, default=4)
    args = parser.parse_args()
    data, y, forest, date = simulate(args.sites, args.seasons, args.visits)
    print(f"data: {data}")
    formulas = {"psi": "~ forest", "gamma": "~ forest", "epsilon": "~ 1", "p": "~ date"}
    t_ours, fit = timed(lambda: colext(data, **formulas), args.repeat)
    print(f"nbtools colext (7 coefficients, with SEs): {t_ours:.3f} s (median of {args.repeat}); target < 5 s")
    t_base, (theta, se, nll) = timed(lambda: baseline_fit(y, forest, date, args.seasons, args.visits), 1)
    print(
        f"baseline (per-site forward algorithm, scipy BFGS with finite differences, forward-difference Hessian): {t_base:.3f} s"
    )
    print(f"ratio baseline / nbtools: {t_base / t_ours:.1f}x")
    print(
        f"same optimum: max |coef difference| {np.max(np.abs(fit.coef.to_numpy() - theta)):.2e}, "
        f"max |SE difference| {np.max(np.abs(fit.se.to_numpy() - se)):.2e}, nll {fit.nll:.6f} vs {nll:.6f}"
    )
    print(fit.to_frame()[["estimate", "se"]].round(4).to_string())
    year = {"psi": "~ forest", "gamma": "~ season - 1", "epsilon": "~ season - 1", "p": "~ date"}
    t_year, fit_year = timed(lambda: colext(data, **year), args.repeat)
    print(f"year-specific model ({fit_year.n_params} coefficients, with SEs): {t_year:.3f} s")
    t_boot, boot = timed(lambda: nonparboot(fit, n_boot=20, seed=1, progress=False), 1)
    print(f"nonparboot B = 20: {t_boot:.2f} s ({t_boot / 20:.3f} s per refit)")
    print(boot.occupancy("smoothed").round(4).to_string())
    status = "met" if t_ours < 5 else "NOT met"
    print(f"target colext < 5 s on {args.sites} x {args.seasons} x {args.visits}: {status} ({t_ours:.3f} s)")


if __name__ == "__main__":
    main()
