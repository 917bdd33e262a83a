"""Realised density surfaces: where the detected animals live and where the undetected ones may (secr's ``fxTotal``).

A fitted density model (``D ~ 1``) draws a flat surface; the realised surface says what the data
say about this population. For each detected animal i the posterior distribution of its
activity centre over the mask (secr's ``fxi``),

    f_i(x) = D(x) Pr(omega_i | x) / sum_x' D(x') Pr(omega_i | x'),

sums to one over the mask; the undetected animals have the expected density
``D(x) (1 - p.(x))``, with ``p.(x)`` the probability that an animal centred at x is detected
at least once. Their sum is the realised density (animals / ha):

    D_realised(x) = sum_i f_i(x) / a + D(x) (1 - p.(x)),

where ``a`` is the cell area (ha). Integrated over the mask it gives n + the expected number
of undetected animals, the realised N of secr's ``region.N``.

References
----------
Efford, M. G. (2025) secr 5.3.0, ``fxi`` and ``fxTotal``. https://CRAN.R-project.org/package=secr

Borchers, D. L. and Efford, M. G. (2008) Spatially explicit maximum likelihood methods for
capture-recapture studies. Biometrics 64, 377-385.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .mask import Mask
from .result import SECRFit
from .sessions import MultiSessionFit

__all__ = ["fx_total", "fx_total_surface", "fxi"]


def _session_parts(fit: SECRFit | MultiSessionFit, session: Any) -> tuple[Any, np.ndarray, Mask, pd.Index]:
    """The likelihood, its coefficients, the mask and the animal IDs of one session of a fit."""
    if isinstance(fit, MultiSessionFit):
        label = fit.sessions[0] if session is None else str(session)
        if label not in fit.sessions:
            raise KeyError(f"no session {label!r}; the fit has {fit.sessions}")
        s = fit.sessions.index(label)
        lik = fit._lik.sessions[s]
        return lik, fit._lik.maps[s] @ fit._beta, fit.masks[label], fit.capthists[label].ids
    if not isinstance(fit, SECRFit):
        raise TypeError(f"expected an SECRFit or a MultiSessionFit, got {type(fit).__name__}")
    if session is not None:
        raise ValueError("session applies to multi-session fits only")
    return fit._lik, fit._beta, fit.mask, fit.capthist.ids


def fxi(fit: SECRFit | MultiSessionFit, session: Any = None) -> pd.DataFrame:
    """Posterior probability of each detected animal's activity centre in each mask cell (secr's ``fxi``).

    Parameters
    ----------
    fit : SECRFit or MultiSessionFit
    session : optional
        Session label of a multi-session fit (default the first session).

    Returns
    -------
    pandas.DataFrame
        One row per mask point (in the mask's order), one column per animal (its ID);
        each column sums to 1. For class or mixture models the classes are summed with
        their posterior weights.
    """
    lik, beta, _, ids = _session_parts(fit, session)
    ev = lik.evaluate(beta, gradient=False)
    post = np.exp(ev.log_q - ev.log_z[None, :, None]).sum(axis=0)  # n x M
    return pd.DataFrame(post.T, columns=pd.Index(ids, name="ID"))


def fx_total(fit: SECRFit | MultiSessionFit, session: Any = None) -> pd.DataFrame:
    """Realised density surface at the mask points (secr's ``fxTotal``).

    Parameters
    ----------
    fit : SECRFit or MultiSessionFit
        A fitted model; the surface is computed on its mask (of ``session``).
    session : optional
        Session label of a multi-session fit (default the first session).

    Returns
    -------
    pandas.DataFrame
        One row per mask point: ``x``, ``y`` (m), ``D.fx`` (density of the detected
        animals: the sum of their activity-centre distributions over the cell area),
        ``D.nc`` (expected density of undetected animals, D(x) (1 - p.(x)), classes
        mixed with their proportions) and ``D.sum`` (their sum), all in animals / ha, as
        the covariates of secr's ``fxTotal``. ``attrs`` hold ``cell_area`` (ha) and the
        integrals ``detected`` (= n), ``undetected`` and ``total`` (animals in the mask).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from nbtools.secr import make_mask, sim_popn, sim_capthist, secr_fit
    >>> traps = pd.DataFrame({"x": np.tile(np.arange(5) * 20.0, 5), "y": np.repeat(np.arange(5) * 20.0, 5)})
    >>> mask = make_mask(traps, buffer_m=80)
    >>> ch = sim_capthist(traps, sim_popn(mask, density=20, seed=1), detectfn="HHN", lambda0=0.3,
    ...                   sigma=15, noccasions=5, seed=2)
    >>> surface = fx_total(secr_fit(ch, mask=mask, detectfn="HHN", progress=False))
    >>> round(surface.attrs["detected"]) == ch.n
    True
    """
    lik, beta, mask, _ = _session_parts(fit, session)
    ev = lik.evaluate(beta, gradient=False)
    post = np.exp(ev.log_q - ev.log_z[None, :, None]).sum(axis=(0, 1))  # M: sum over classes and animals
    a = mask.cell_area
    detected = post / a
    undetected = ev.density * (ev.pmix @ (1.0 - ev.pdot))
    table = pd.DataFrame(
        {"x": mask.x, "y": mask.y, "D.fx": detected, "D.nc": undetected, "D.sum": detected + undetected}
    )
    table.attrs = {
        "cell_area": a,
        "detected": float(detected.sum() * a),
        "undetected": float(undetected.sum() * a),
        "total": float((detected + undetected).sum() * a),
        "units": "animals / ha",
    }
    return table


def fx_total_surface(fit: SECRFit | MultiSessionFit, session: Any = None, per: str = "ha") -> xr.Dataset:
    """:func:`fx_total` on the mask grid: an ``xarray.Dataset`` for maps.

    Variables ``detected``, ``undetected`` and ``total`` (dimensions ``y``, ``x``; NaN off
    the mask) in animals per ha, or per 100 km2 with ``per="100km2"``.
    """
    if per not in ("ha", "100km2"):
        raise ValueError(f"per must be 'ha' or '100km2', got {per!r}")
    _, _, mask, _ = _session_parts(fit, session)
    table = fx_total(fit, session)
    factor = 1.0 if per == "ha" else 10_000.0
    units = "animals / ha" if per == "ha" else "animals / 100 km2"
    names = {
        "detected": ("D.fx", "density of the detected animals (their activity-centre distributions)"),
        "undetected": ("D.nc", "expected density of undetected animals, D(x) (1 - p.(x))"),
        "total": ("D.sum", "realised density (secr's fxTotal)"),
    }
    variables = {
        name: mask.to_dataarray(
            table[column].to_numpy() * factor, name=name, attrs={"units": units, "long_name": long_name}
        )
        for name, (column, long_name) in names.items()
    }
    return xr.Dataset(variables, attrs={key: table.attrs[key] for key in ("detected", "undetected", "total")})
