"""The likelihood of occu and occuRN: a mixture over a discrete latent state per site, with exact derivatives.

Site ``i`` is occupied (``z in {0, 1}``, ``unmarked::occu``) or holds ``N in 0..K`` animals
(``unmarked::occuRN``); :class:`Likelihood` gives the negative log-likelihood, its gradient and its
exact Hessian (Louis 1982) from a :class:`~nbtools.occupancy.design.Design`;
:func:`negative_loglik` is the value alone (what R's ``optim`` sees) and :func:`inverse_link` the
links of psi, lambda and p with their derivatives (the delta method of ``unmarked::predict``).

References
----------
Louis, T. A. (1982). Finding the observed information matrix when using the EM algorithm. *Journal of
the Royal Statistical Society B* 44, 226-233. https://doi.org/10.1111/j.2517-6161.1982.tb01203.x
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .design import Design


def _lse_rows(lp: np.ndarray) -> np.ndarray:
    """log(sum(exp(lp), axis=1)) for an (n, S) array that may hold -inf."""
    if lp.shape[1] == 2:
        return np.logaddexp(lp[:, 0], lp[:, 1])
    m = lp.max(axis=1)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return m + np.log(np.exp(lp - m[:, None]).sum(axis=1))


class Likelihood:
    """Negative log-likelihood, gradient and exact Hessian of occu / occuRN.

    Site ``i`` contributes ``log sum_s pi_s(eta_i) f_s(y_i)``, with ``eta = X beta`` and
    ``f_s(y_i) = prod_j q_s(y_ij; nu_ij)``, ``nu = V alpha``. With ``w_is`` the posterior of the latent
    state, the gradient is ``E_w[complete-data score]`` and the Hessian is
    ``E_w[complete-data Hessian] + Var_w[complete-data score]`` (Louis 1982), both exact.

    Parameters
    ----------
    design : Design
        The arrays of the kept sites and surveyed site-occasions.
    model : {"occu", "occuRN"}
        Occupancy (``z in {0, 1}``) or Royle-Nichols (``N in 0..K``).
    link : {"logit", "cloglog", "log"}
        Link of the state parameter (``"log"`` for occuRN's lambda).
    K : int or None
        Upper limit of the abundance sum (occuRN only).

    Notes
    -----
    ``theta`` is the coefficient vector, the ``k`` state coefficients first, then the ``q``
    detection ones (link scale).
    """

    def __init__(self, design: Design, model: str, link: str, K: int | None) -> None:
        self.d = design
        self.model = model
        self.link = link
        self.k = design.X.shape[1]
        self.q = design.V.shape[1]
        self.det_any = np.add.reduceat(design.y, design.offsets) > 0 if design.y.size else np.zeros(0, bool)
        if model == "occu":
            self.states = np.array([0.0, 1.0])
        else:
            self.states = np.arange(int(K) + 1, dtype=float)
            self._lgamma = special.gammaln(self.states + 1.0)
        self.yb = design.y > 0.5

    # -- state process: log pi_s(eta), d/deta, d2/deta2; each (n, S) --
    def state_terms(self, eta: np.ndarray, order: int):
        """``log pi_s(eta)`` and (``order`` >= 1) its first and second derivatives in ``eta``, each (n, S)."""
        if self.model == "occu":
            if self.link == "logit":
                lp1 = special.log_expit(eta)
                lp0 = special.log_expit(-eta)
                psi = special.expit(eta)
                one_m = special.expit(-eta)
                logpi = np.column_stack([lp0, lp1])
                if order == 0:
                    return logpi, None, None
                a = np.column_stack([-psi, one_m])
                c = -psi * one_m
                a2 = np.column_stack([c, c])
                return logpi, a, a2
            t = np.exp(np.minimum(eta, 700.0))
            psi = -np.expm1(-t)
            with np.errstate(divide="ignore"):
                lp1 = np.log(psi)
            logpi = np.column_stack([-t, lp1])
            if order == 0:
                return logpi, None, None
            with np.errstate(invalid="ignore", divide="ignore"):
                a1 = np.where(psi > 0, t * np.exp(-t) / psi, 1.0)
                a1_2 = np.where(psi > 0, a1 * (1.0 - t / psi), 0.0)
            a = np.column_stack([-t, a1])
            a2 = np.column_stack([-t, a1_2])
            return logpi, a, a2
        lam = np.exp(np.minimum(eta, 700.0))
        N = self.states
        logpi = eta[:, None] * N[None, :] - lam[:, None] - self._lgamma[None, :]
        if order == 0:
            return logpi, None, None
        a = N[None, :] - lam[:, None]
        a2 = np.broadcast_to(-lam[:, None], logpi.shape)
        return logpi, a, a2

    # -- observation process --------------------------------------------------------------------
    # obs(nu, order) returns log f_s(y_i) (n, S) and, for order >= 1, a function giving the detection
    # part of the gradient for posterior weights w, and for order 2 one giving the Hessian parts.
    def obs(self, nu: np.ndarray, order: int):
        """``log f_s(y_i)`` (n, S) and, for ``order`` >= 1 and 2, the gradient and Hessian parts of the detection side."""
        return self._obs_occu(nu, order) if self.model == "occu" else self._obs_rn(nu, order)

    def _obs_occu(self, nu: np.ndarray, order: int):
        d = self.d
        yb = self.yb
        l1 = np.where(yb, special.log_expit(nu), special.log_expit(-nu))
        logf = np.empty((d.n_sites, 2))
        logf[:, 1] = np.add.reduceat(l1, d.offsets)
        logf[:, 0] = np.where(self.det_any, -np.inf, 0.0)
        if order == 0:
            return logf, None, None
        p = special.expit(nu)
        resid = d.y - p

        def grad(w: np.ndarray) -> np.ndarray:
            return w[d.site, 1] * resid

        def hess(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            e_diag = -w[d.site, 1] * p * special.expit(-nu)
            T = np.zeros((d.n_sites, 2, self.q))
            T[:, 1, :] = np.add.reduceat(resid[:, None] * d.V, d.offsets, axis=0)
            return e_diag, T

        return logf, grad, (hess if order >= 2 else None)

    def _obs_rn(self, nu: np.ndarray, order: int):
        # y = 0 rows contribute N log(1 - r): linear in N, so they reduce to per-site sums; only
        # detection rows need the whole N grid.
        d = self.d
        N = self.states
        log1mr = special.log_expit(-nu)
        y0 = ~self.yb
        logf = np.add.reduceat(np.where(y0, log1mr, 0.0), d.offsets)[:, None] * N[None, :]
        rows1, sites1, offsets1 = self._rn_detection_rows
        Nl1 = log1mr[rows1, None] * N[None, :]
        one_m_u = -np.expm1(Nl1)
        with np.errstate(divide="ignore"):
            logq1 = np.log(one_m_u)
        if rows1.size:
            logf[sites1] += np.add.reduceat(logq1, offsets1, axis=0)
        if order == 0:
            return logf, None, None
        r = special.expit(nu)
        r1 = r[rows1, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            b1 = np.where(N > 0, N * r1 * np.exp(Nl1) / one_m_u, 0.0)

        def grad(w: np.ndarray) -> np.ndarray:
            nbar = w @ N
            g = np.where(y0, -r * nbar[d.site], 0.0)
            g[rows1] = (w[d.site[rows1]] * b1).sum(axis=1)
            return g

        def hess(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            nbar = w @ N
            e_diag = np.where(y0, -r * (1.0 - r) * nbar[d.site], 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                b1_2 = np.where(N > 0, b1 * ((1.0 - r1) - N * r1 / one_m_u), 0.0)
            e_diag[rows1] = (w[d.site[rows1]] * b1_2).sum(axis=1)
            R = np.add.reduceat(np.where(y0, r, 0.0)[:, None] * d.V, d.offsets, axis=0)  # (n, q)
            T = -N[None, :, None] * R[:, None, :]
            if rows1.size:
                T[sites1] += np.add.reduceat(b1[:, :, None] * d.V[rows1, None, :], offsets1, axis=0)
            return e_diag, T

        return logf, grad, (hess if order >= 2 else None)

    @property
    def _rn_detection_rows(self):
        cached = getattr(self, "_rows1", None)
        if cached is None:
            rows1 = np.flatnonzero(self.yb)
            s1 = self.d.site[rows1]
            sites1, first = np.unique(s1, return_index=True)
            cached = (rows1, sites1, first.astype(np.intp))
            self._rows1 = cached
        return cached

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The linear predictors: ``eta = X beta`` per site and ``nu = V alpha`` per surveyed site-occasion."""
        return self.d.X @ theta[: self.k], self.d.V @ theta[self.k :]

    def site_loglik(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log-likelihood of each site (n,) and the log joint of each latent state (n, S)."""
        eta, nu = self.split(theta)
        logpi, _, _ = self.state_terms(eta, 0)
        logf, _, _ = self.obs(nu, 0)
        lp = logpi + logf
        return _lse_rows(lp), lp

    def posterior(self, theta: np.ndarray) -> np.ndarray:
        """Posterior of the latent state at each site given its detections (n, S)."""
        ll, lp = self.site_loglik(theta)
        with np.errstate(invalid="ignore"):
            return np.exp(lp - ll[:, None])

    def nll_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Negative log-likelihood and its exact gradient (``inf`` and zeros where it is not finite)."""
        eta, nu = self.split(theta)
        logpi, a, _ = self.state_terms(eta, 1)
        logf, grad_nu, _ = self.obs(nu, 1)
        lp = logpi + logf
        ll = _lse_rows(lp)
        total = float(ll.sum())
        if not np.isfinite(total):
            return np.inf, np.zeros_like(theta)
        w = np.exp(lp - ll[:, None])
        self._cache = (theta.tobytes(), w)
        g_eta = (w * a).sum(axis=1)
        grad = np.concatenate([self.d.X.T @ g_eta, self.d.V.T @ grad_nu(w)])
        return -total, -grad

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Exact Hessian of the negative log-likelihood."""
        d = self.d
        eta, nu = self.split(theta)
        logpi, a, a2 = self.state_terms(eta, 2)
        logf, _, hess_parts = self.obs(nu, 2)
        cached = getattr(self, "_cache", None)
        if cached is not None and cached[0] == theta.tobytes():
            w = cached[1]
        else:
            lp = logpi + logf
            w = np.exp(lp - _lse_rows(lp)[:, None])
        abar = (w * a).sum(axis=1)
        c_eta = (w * a2).sum(axis=1) + (w * a * a).sum(axis=1) - abar**2
        H_bb = d.X.T @ (c_eta[:, None] * d.X)
        e_diag, T = hess_parts(w)  # T: per-site complete-data detection score for each state (n, S, q)
        H_aa = d.V.T @ (e_diag[:, None] * d.V)
        Tbar = np.matmul(w[:, None, :], T)[:, 0, :]
        A = (np.sqrt(w)[:, :, None] * T).reshape(-1, self.q)
        H_aa += A.T @ A - Tbar.T @ Tbar
        cross = np.matmul((w * a)[:, None, :], T)[:, 0, :] - abar[:, None] * Tbar
        H_ba = d.X.T @ cross
        H = np.block([[H_bb, H_ba], [H_ba.T, H_aa]])
        return -0.5 * (H + H.T)

    def probabilities(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-site state probability (psi, or 1 - exp(-lambda)) and per-row detection (p or r)."""
        eta, nu = self.split(theta)
        if self.model == "occu" and self.link == "logit":
            state = special.expit(eta)
        else:
            state = -np.expm1(-np.exp(np.minimum(eta, 700.0)))
        return state, special.expit(nu)


def negative_loglik(lik: Likelihood, theta: np.ndarray) -> float:
    """The negative log-likelihood alone (no derivatives), ``inf`` where it is not finite.

    Parameters
    ----------
    lik : Likelihood
    theta : numpy.ndarray
        Coefficients on the link scale, state first (unmarked's ``coef()`` order).

    Returns
    -------
    float
        What R's ``optim`` minimises for unmarked (its ``negLogLike`` at ``theta``).
    """
    ll, _ = lik.site_loglik(theta)
    total = float(ll.sum())
    return -total if np.isfinite(total) else np.inf


def inverse_link(link: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A link's inverse and its derivative at ``x`` (for the delta method).

    Parameters
    ----------
    link : {"logit", "cloglog", "log"}
    x : numpy.ndarray
        Values on the link scale.

    Returns
    -------
    value, derivative : numpy.ndarray
        ``g^-1(x)`` and ``d g^-1 / dx``.

    Examples
    --------
    >>> import numpy as np
    >>> from nbtools.occupancy.likelihood import inverse_link
    >>> inverse_link("logit", np.array([0.0]))
    (array([0.5]), array([0.25]))
    """
    if link == "logit":
        v = special.expit(x)
        return v, v * special.expit(-x)
    if link == "cloglog":
        t = np.exp(np.minimum(x, 700.0))
        return -np.expm1(-t), t * np.exp(-t)
    v = np.exp(x)
    return v, v
