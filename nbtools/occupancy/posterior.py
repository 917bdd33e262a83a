"""Conditional occupancy (empirical Bayes): the latent state at each site given its detections, as ``unmarked::ranef``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .likelihood import inverse_link
from .result import OccupancyFit


def ranef(fit: OccupancyFit) -> pd.DataFrame:
    """Posterior of the latent state at each site given its detections, as ``unmarked::ranef``.

    Parameters
    ----------
    fit : OccupancyFit

    Returns
    -------
    pandas.DataFrame
        Indexed by site. For ``occu``: ``psi`` (the model's occupancy probability), ``mean``
        (``P(z = 1 | y)``, unmarked's ``bup(ranef(fit))``; 1 at sites with a detection) and ``mode``.
        For ``occuRN``: ``lambda``, ``mean`` (``E[N | y]``), ``mode`` and ``P(N>0|y)``.

    Notes
    -----
    ``P(z = 1 | y_i) = psi_i prod_j (1 - p_ij) / (psi_i prod_j (1 - p_ij) + 1 - psi_i)`` at sites
    without detection. For occuRN the posterior over ``N = 0..K`` is ``Poisson(N; lambda_i)
    P(y_i | N)`` normalised.
    """
    lik = fit._lik()
    w = lik.posterior(fit._theta)
    states = lik.states
    mean = w @ states
    mode = states[np.argmax(w, axis=1)]
    eta = fit._design.X @ fit._theta[: fit.n_state]
    if fit.model == "occu":
        psi = inverse_link(fit.link, eta)[0]
        return pd.DataFrame({"psi": psi, "mean": mean, "mode": mode.astype(int)}, index=fit.sites)
    return pd.DataFrame(
        {"lambda": np.exp(eta), "mean": mean, "mode": mode.astype(int), "P(N>0|y)": 1.0 - w[:, 0]},
        index=fit.sites,
    )
