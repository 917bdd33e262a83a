"""The MacKenzie-Bailey goodness-of-fit test of occupancy models, as ``AICcmodavg::mb.chisq`` and ``mb.gof.test``.

References
----------
MacKenzie, D. I. & Bailey, L. L. (2004). Assessing the fit of site-occupancy models. *Journal of
Agricultural, Biological, and Environmental Statistics* 9, 300-318. https://doi.org/10.1198/108571104X3361
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from nbtools._deprecate import renamed_parameters

from .errors import OccupancyError, OccupancyFitError, warn_user
from .likelihood import Likelihood, inverse_link
from .optimise import optimise
from .result import OccupancyFit


@dataclass(frozen=True, eq=False)
class MBChiSquare:
    """MacKenzie-Bailey chi-square of one fit (``AICcmodavg::mb.chisq``).

    Attributes
    ----------
    chi_square : float
        ``sum (O - E)^2 / E`` over every possible history of every missing-value cohort
        (unobserved histories contribute their E).
    table : pandas.DataFrame
        One row per observed history: ``cohort`` (the surveyed-occasion pattern, e.g. ``"11."``),
        ``history`` (``"01NA"``-style, as AICcmodavg prints it), ``observed``, ``expected``,
        ``chi_square``.
    """

    chi_square: float
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The table of observed histories (``table``)."""
        return self.table


@dataclass(frozen=True, eq=False)
class MBGOFTest:
    """MacKenzie-Bailey goodness-of-fit test by parametric bootstrap (``AICcmodavg::mb.gof.test``).

    Attributes
    ----------
    chi_square : float
        Observed statistic.
    t_star : numpy.ndarray
        Statistics of the bootstrap refits (NaN where a refit failed).
    p_value : float
        Share of successful bootstrap statistics >= the observed one.
    c_hat : float
        Overdispersion estimate ``chi_square / mean(t_star)``.
    nsim, n_failed : int
        Bootstrap samples requested, and those whose refit failed (e.g. a simulated data set
        without detections) and are left out of ``p_value`` and ``c_hat``.
    table : pandas.DataFrame
        The observed chi-square table (see :class:`MBChiSquare`).
    """

    chi_square: float
    t_star: np.ndarray
    p_value: float
    c_hat: float
    nsim: int
    n_failed: int
    table: pd.DataFrame

    @property
    def n_boot(self) -> int:
        """Bootstrap samples requested (``nsim``, the vocabulary's name)."""
        return self.nsim

    def to_frame(self) -> pd.DataFrame:
        """One-row summary: chi_square, p_value, c_hat, nsim, n_failed."""
        return pd.DataFrame(
            [
                {
                    "chi_square": self.chi_square,
                    "p_value": self.p_value,
                    "c_hat": self.c_hat,
                    "nsim": self.nsim,
                    "n_failed": self.n_failed,
                }
            ]
        )

    def __repr__(self) -> str:
        return (
            f"MBGOFTest(chi_square={self.chi_square:.4f}, p_value={self.p_value:.4f}, c_hat={self.c_hat:.4f}, "
            f"nsim={self.nsim}, n_failed={self.n_failed})"
        )


def _history_probabilities(
    lik: Likelihood, theta: np.ndarray, H: np.ndarray, site_rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """P(history h at site i) for histories H (h x Jo) over the surveyed columns ``cols``: (h, n_c)."""
    d = lik.d
    eta = d.X[site_rows] @ theta[: lik.k]
    logpi, _, _ = lik.state_terms(eta, 0)  # (n_c, S)
    # detection linear predictors of these sites at these occasions, as an (n_c, Jo) matrix
    pos = np.full((d.n_sites, d.n_occasions), -1, dtype=np.intp)
    pos[d.site, d.occasion] = np.arange(d.site.size)
    rows = pos[np.ix_(site_rows, cols)]
    nu = d.V[rows] @ theta[lik.k :]  # (n_c, Jo)
    if lik.model == "occu":
        l1 = special.log_expit(nu)
        l0 = special.log_expit(-nu)
        logf1 = H @ l1.T + (1 - H) @ l0.T  # (h, n_c)
        none = (H.sum(axis=1) == 0)[:, None]
        return np.exp(logpi[None, :, 1] + logf1) + np.where(none, np.exp(logpi[None, :, 0]), 0.0)
    N = lik.states
    log1mr = special.log_expit(-nu)[:, :, None] * N  # (n_c, Jo, S)
    with np.errstate(divide="ignore"):
        logdet = np.log(-np.expm1(log1mr))
    logdet = np.maximum(logdet, -1e250)  # N = 0 cannot detect: a finite stand-in for log(0) avoids 0 * -inf
    logf = np.einsum("hj,njs->hns", H, logdet) + np.einsum("hj,njs->hns", 1 - H, log1mr)
    return np.exp(special.logsumexp(logf + logpi[None, :, :], axis=2))


def _chisq(lik: Likelihood, theta: np.ndarray, y: np.ndarray, with_table: bool) -> tuple[float, pd.DataFrame | None]:
    d = lik.d
    Y = d.y_matrix(y)
    surveyed = ~np.isnan(Y)
    patterns, cohort_of = np.unique(surveyed, axis=0, return_inverse=True)
    cohort_of = cohort_of.ravel()
    total, expected_sum = 0.0, 0.0
    rows_out = []
    order = np.argsort([0 if p.all() else 1 for p in patterns], kind="stable")  # complete cohort first, as AICcmodavg
    for c in order:
        pattern = patterns[c]
        sites_c = np.flatnonzero(cohort_of == c)
        cols = np.flatnonzero(pattern)
        Yc = Y[np.ix_(sites_c, cols)]
        H, counts = np.unique(Yc, axis=0, return_counts=True)
        P = _history_probabilities(lik, theta, H, sites_c, cols)
        E = P.sum(axis=1)
        part = (counts - E) ** 2 / E
        total += float(part.sum())
        expected_sum += float(E.sum())
        if with_table:
            for h, o, e, x in zip(H, counts, E, part):
                full = np.full(d.n_occasions, -1)
                full[cols] = h
                rows_out.append(
                    {
                        "cohort": "".join("1" if s else "." for s in pattern),
                        "history": "".join("NA" if v < 0 else str(int(v)) for v in full),
                        "observed": int(o),
                        "expected": float(e),
                        "chi_square": float(x),
                    }
                )
    chi = total + (d.n_sites - expected_sum)
    table = pd.DataFrame(rows_out) if with_table else None
    return chi, table


def mb_chisq(fit: OccupancyFit) -> MBChiSquare:
    """MacKenzie & Bailey's (2004) chi-square of detection-history frequencies, as ``AICcmodavg::mb.chisq``.

    Parameters
    ----------
    fit : OccupancyFit
        An ``occu`` or ``occuRN`` fit.

    Returns
    -------
    MBChiSquare

    Notes
    -----
    Sites are grouped into cohorts by which occasions were surveyed. Within a cohort, the expected
    number of sites with history ``h`` is ``E_h = sum_i P_i(h)`` under the fitted model; the statistic
    is ``sum (O_h - E_h)^2 / E_h`` over the observed histories plus ``n_sites - sum E_h`` (the
    contribution ``sum E`` of every history never observed), as AICcmodavg computes it.

    References
    ----------
    MacKenzie, D. I. & Bailey, L. L. (2004) https://doi.org/10.1198/108571104X3361 ;
    R: ``AICcmodavg::mb.chisq``.
    """
    chi, table = _chisq(fit._lik(), fit._theta, fit._design.y, with_table=True)
    return MBChiSquare(chi_square=chi, table=table)


def _simulate_y(lik: Likelihood, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Detections simulated from the fitted model at the surveyed site-occasions (unmarked's ``simulate``)."""
    d = lik.d
    eta, nu = lik.split(theta)
    r = special.expit(nu)
    if lik.model == "occu":
        psi = inverse_link(lik.link, eta)[0]
        z = rng.random(d.n_sites) < psi
        p = r * z[d.site]
    else:
        N = rng.poisson(np.exp(eta))
        p = -np.expm1(N[d.site] * special.log_expit(-nu))
    return (rng.random(d.site.size) < p).astype(float)


@renamed_parameters(nsim="n_boot")
def mb_gof_test(
    fit: OccupancyFit,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> MBGOFTest:
    """MacKenzie-Bailey goodness-of-fit test by parametric bootstrap, as ``AICcmodavg::mb.gof.test``.

    Parameters
    ----------
    fit : OccupancyFit
        An ``occu`` or ``occuRN`` fit.
    n_boot : int, default 1000
        Bootstrap samples (AICcmodavg's default is 5 "for testing", and it recommends 1000 or more).
    seed : int or numpy.random.Generator, optional
        Randomness; the same seed gives the same result.
    progress : bool, default True
        Show a progress bar (tqdm).

    Returns
    -------
    MBGOFTest
        ``p_value = mean(t_star >= chi_square)``, ``c_hat = chi_square / mean(t_star)``.

    Notes
    -----
    Each bootstrap sample simulates detections from the fitted model at the surveyed
    site-occasions (z ~ Bernoulli(psi), y ~ Bernoulli(z p); or N ~ Poisson(lambda) for occuRN),
    refits the same model starting from the estimates (as ``unmarked::parboot``) and computes
    :func:`mb_chisq`. Refits use the exact Newton optimiser whatever ``fit.method`` was (the
    statistic does not depend on digits beyond R's tolerance). Refits that fail (e.g. no
    detection simulated) are counted in ``n_failed``.

    References
    ----------
    MacKenzie, D. I. & Bailey, L. L. (2004) https://doi.org/10.1198/108571104X3361 ;
    R: ``AICcmodavg::mb.gof.test``, ``unmarked::parboot``.
    """
    from tqdm.auto import tqdm

    if int(n_boot) != n_boot or n_boot < 1:
        raise OccupancyError(f"n_boot (formerly nsim) must be a positive integer, not {n_boot!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    lik = fit._lik()
    observed = mb_chisq(fit)
    t_star = np.full(int(n_boot), np.nan)
    for b in tqdm(range(int(n_boot)), desc="MB GOF bootstrap", disable=not progress):
        ysim = _simulate_y(lik, fit._theta, rng)
        if ysim.sum() == 0:
            continue
        sim_design = dataclasses.replace(fit._design, y=ysim)
        sim_lik = Likelihood(sim_design, fit.model, fit.link, fit.K)
        res = optimise(sim_lik, fit._theta.copy())
        if not np.isfinite(res.fun):
            continue
        t_star[b] = _chisq(sim_lik, res.x, ysim, with_table=False)[0]
    ok = np.isfinite(t_star)
    n_failed = int((~ok).sum())
    if n_failed:
        warn_user(f"{n_failed} of {n_boot} bootstrap refits failed (e.g. no detection simulated) and were left out")
    if not ok.any():
        raise OccupancyFitError("every bootstrap refit failed; the goodness-of-fit test cannot be computed")
    good = t_star[ok]
    return MBGOFTest(
        chi_square=observed.chi_square,
        t_star=t_star,
        p_value=float(np.mean(good >= observed.chi_square)),
        c_hat=float(observed.chi_square / good.mean()),
        nsim=int(n_boot),
        n_failed=n_failed,
        table=observed.table,
    )
