"""Model selection of occupancy fits by AIC, as ``unmarked::modSel``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import OccupancyError
from .result import OccupancyFit


def model_selection(fits: Mapping[str, OccupancyFit] | Sequence[OccupancyFit]) -> pd.DataFrame:
    """Rank fitted models by AIC, as ``unmarked::modSel(fitList(...))``.

    Parameters
    ----------
    fits : dict name -> OccupancyFit, or a sequence (named by formula)
        Models fitted to the same detection data.

    Returns
    -------
    pandas.DataFrame
        Indexed by model name, sorted by AIC: ``nPars``, ``AIC``, ``delta`` (AIC - min AIC),
        ``AICwt`` (Akaike weight ``exp(-delta/2) / sum``) and ``cumltvWt`` (cumulative weight).

    Raises
    ------
    OccupancyError
        If the models were fitted to different detection data (AICs would not be comparable).
    """
    if isinstance(fits, Mapping):
        items = list(fits.items())
    else:
        items = [(f.formula, f) for f in fits]
    if not items:
        raise OccupancyError("model_selection needs at least one fit")
    names = [str(k) for k, _ in items]
    if len(set(names)) != len(names):
        raise OccupancyError("model names must be unique; pass a dict name -> fit")
    ref = items[0][1]
    for name, f in items[1:]:
        same = (
            f._design.y.shape == ref._design.y.shape
            and np.array_equal(f._design.y, ref._design.y)
            and np.array_equal(f._design.site, ref._design.site)
            and np.array_equal(f._design.occasion, ref._design.occasion)
        )
        if not same:
            raise OccupancyError(
                f"model {name!r} was fitted to different detection data than {names[0]!r} "
                "(different sites, occasions or detections), so their AICs are not comparable"
            )
    table = pd.DataFrame(
        {"nPars": [f.n_params for _, f in items], "AIC": [f.aic for _, f in items]},
        index=pd.Index(names, name="model"),
    )
    table = table.sort_values("AIC", kind="stable")
    table["delta"] = table["AIC"] - table["AIC"].min()
    w = np.exp(-0.5 * table["delta"])
    table["AICwt"] = w / w.sum()
    table["cumltvWt"] = table["AICwt"].cumsum()
    return table
