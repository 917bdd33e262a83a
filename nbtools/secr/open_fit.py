"""One entry point for the open-population fits, by openCR's model type (``openCR.fit``), and model tables.

A simulated population (survival 0.7, detection 0.3 per occasion, recruitment 0.3, so
lambda = 1) over four sessions of five occasions; with real data the history comes from
``join_sessions(make_capthists(captures, traps, noccasions=...))``:

>>> from nbtools.secr.open_simulate import sim_open_history
>>> history, truth = sim_open_history(200, phi=0.7, p=0.3, f=0.3, occasions=(5, 5, 5, 5), seed=1)
>>> history
OpenCaptureHistory(368 animals, 4 primary sessions ['1', '2', '3', '4'], 20 secondary occasions, 1223 detections, 0 removed)
>>> fit = open_cr_fit(history, type="CJS")
>>> round(fit.value("phi"), 2), round(fit.value("p"), 2)
(0.68, 0.3)
>>> round(open_cr_fit(history, type="PLBl").value("lambda"), 2)
1.02
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._deprecate import one_minus, renamed_function, renamed_parameters
from .mask import Mask
from .open_cjs import cjs_fit
from .open_histories import OpenCaptureHistory
from .open_pradel import TYPES, pradel_fit
from .open_result import OpenCRFit
from .open_spatial import cjs_secr_fit
from .open_spatial_pradel import SPATIAL_TYPES, pradel_secr_fit

__all__ = ["OPEN_TYPES", "open_aic_table", "open_cr_fit", "open_model_selection"]

#: openCR's model types implemented here.
OPEN_TYPES = ("CJS", *TYPES, "CJSsecr", *SPATIAL_TYPES)


@renamed_parameters(alpha=("level", one_minus))
def open_cr_fit(
    history: OpenCaptureHistory,
    type: str = "CJS",  # noqa: A002 - openCR's argument name
    model: Mapping[str, str] | None = None,
    mask: Mask | None = None,
    detectfn: str = "HHN",
    level: float = 0.95,
) -> OpenCRFit:
    """Fit an open-population model of openCR's ``type`` by maximum likelihood.

    Parameters
    ----------
    history : OpenCaptureHistory
        Sessions joined by :func:`nbtools.secr.join_sessions`.
    type : str, default "CJS"
        ``CJS`` (Cormack-Jolly-Seber), ``PLBl``/``JSSAlCL`` (Pradel-Link-Barker lambda),
        ``PLBf``/``JSSAfCL`` (per-capita recruitment), and their spatial versions
        ``CJSsecr``, ``PLBsecrl``/``JSSAsecrlCL``, ``PLBsecrf``/``JSSAsecrfCL`` (need ``mask``).
    model : mapping, optional
        Formulas of the real parameters, e.g. ``{"phi": "~ sex", "p": "~ session"}``.
    mask : Mask, optional
        Habitat mask of the spatial types.
    detectfn : {"HHN", "HEX"}, default "HHN"
        Detection function of the spatial types.
    level : float, default 0.95
        Confidence level of the intervals (openCR's ``alpha`` is ``1 - level``; the old parameter
        ``alpha`` still works, deprecated).

    Returns
    -------
    OpenCRFit
    """
    spatial = "secr" in type
    if type not in OPEN_TYPES:
        raise ValueError(f"type must be one of {list(OPEN_TYPES)}, got {type!r}")
    if spatial and mask is None:
        raise ValueError(f"type {type!r} is spatial: give a habitat mask")
    if not spatial and mask is not None:
        raise ValueError(f"type {type!r} is not spatial: the mask would not be used")
    if type == "CJS":
        return cjs_fit(history, model, level)
    if type in TYPES:
        return pradel_fit(history, model, type, level)
    if type == "CJSsecr":
        return cjs_secr_fit(history, mask, model, detectfn, level)
    return pradel_secr_fit(history, mask, model, type, detectfn, level)


def open_model_selection(fits: Mapping[str, OpenCRFit] | Sequence[OpenCRFit], criterion: str = "AICc") -> pd.DataFrame:
    """Models ranked by AIC or AICc with their differences and weights (openCR's ``AIC``).

    Formerly ``open_aic_table`` (still available, deprecated), as :func:`nbtools.secr.model_selection`.

    Only models of the same likelihood (the same data and the same type family: CJS,
    non-spatial JSSA, spatial CJS, spatial JSSA) are comparable; mixing them is an error.
    """
    if criterion not in ("AIC", "AICc"):
        raise ValueError(f"criterion must be 'AIC' or 'AICc', got {criterion!r}")
    items = list(fits.items()) if isinstance(fits, Mapping) else [(_label(f), f) for f in fits]
    if not items:
        raise ValueError("no fits to compare")
    families = {(f.type.startswith("CJS"), "secr" in f.type, f.n, f.noccasions) for _, f in items}
    if len(families) > 1:
        raise ValueError(f"these fits have different likelihoods (type, data) and cannot be ranked: {families}")
    table = pd.DataFrame(
        {
            "model": [_label(f) for _, f in items],
            "npar": [f.n_params for _, f in items],
            "logLik": [f.loglik for _, f in items],
            "AIC": [f.aic for _, f in items],
            "AICc": [f.aicc for _, f in items],
        },
        index=[name for name, _ in items],
    )
    delta = table[criterion] - table[criterion].min()
    table[f"d{criterion}"] = delta
    table[f"{criterion}wt"] = np.exp(-delta / 2) / np.exp(-delta / 2).sum()
    return table.sort_values(criterion)


open_aic_table = renamed_function(open_model_selection, "open_aic_table")


def _label(fit: OpenCRFit) -> str:
    return f"{fit.type} " + " ".join(f"{k}{v.replace(' ', '')}" for k, v in fit.formulas.items())
