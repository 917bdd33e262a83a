"""Species accumulation and incidence-based richness estimators: :func:`incidence_matrix`,
:func:`richness_estimators` (vegan's ``specpool``), :func:`species_accumulation` (vegan's ``specaccum``)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..effort import operation_settings, trap_nights
from .stations import as_object, species_list, station_positions, warn_days_without_operation


def incidence_matrix(
    events: pd.DataFrame, operation: pd.DataFrame, species: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Station x species incidence (1: at least one event, 0: none) of the surveyed stations.

    Parameters
    ----------
    events : DataFrame
        Independent events with the station column of ``operation`` and ``scientificName``; events
        without a ``scientificName`` (blanks, unidentified) are not counted. With an ``eventStart``
        (timezone-aware) column, events on days without camera operation are counted with a warning,
        as in :func:`relative_abundance`.
    operation : DataFrame
        Camera-operation matrix (:func:`nbtools.effort.camera_operation`); stations with trap-nights
        > 0 are the sampling units, including those without any event (a row of zeros); events at
        stations without trap-nights are left out with a warning.
    species : str or sequence, optional
        Species to include (default: all in ``events``); a species without events is a column of zeros.

    Returns
    -------
    DataFrame
        Stations (index, the operation matrix's station column) x species (columns, sorted), int 0/1.
        ``attrs["trap_nights"]`` holds the trap-nights (days) of each row's station.

    Examples
    --------
    >>> import pandas as pd
    >>> op = pd.DataFrame([[1.0], [1.0]], index=pd.Index(["A", "B"], name="locationID"),
    ...                   columns=pd.date_range("2024-01-01", periods=1, name="date"))
    >>> ev = pd.DataFrame({"locationID": ["A", "A"], "scientificName": ["Sus scrofa", "Vulpes vulpes"],
    ...                    "eventStart": pd.to_datetime(["2024-01-01 10:00"] * 2, utc=True)})
    >>> incidence_matrix(ev, op).to_numpy().tolist()
    [[1, 1], [0, 0]]
    """
    station_col = operation_settings(operation)["by"]
    if "scientificName" not in events.columns:
        raise ValueError("events have no 'scientificName' column")
    named = events[events["scientificName"].notna().to_numpy()]
    if len(named) == 0:
        raise ValueError("no events with a scientificName: species accumulation needs detections")
    station_positions(named, operation, station_col)
    tn = trap_nights(operation)
    surveyed = tn > 0
    if not surveyed.any():
        raise ValueError("no station has trap-nights > 0 in the operation matrix")
    ev = as_object(named, station_col)
    outside = ~surveyed.reindex(ev[station_col]).to_numpy()
    if outside.any():
        warnings.warn(
            f"{int(outside.sum())} events at stations without trap-nights are not counted "
            f"({sorted({str(s) for s in ev.loc[outside, station_col]})[:10]})",
            stacklevel=2,
        )
    names = sorted(species_list(ev, species), key=str)
    ev = ev[~outside]
    if len(ev) and ("eventStart" in ev.columns or "timestamp" in ev.columns):
        warn_days_without_operation(ev, operation, "incidence matrix")  # they still count: the species was there
    stations = operation.index[surveyed.to_numpy()]
    seen = ev.groupby([station_col, "scientificName"]).size() > 0
    grid = pd.MultiIndex.from_product([stations, names], names=[station_col, "scientificName"])
    table = seen.reindex(grid, fill_value=False).astype("int64").unstack("scientificName")
    table = table.reindex(index=stations, columns=names)
    table.columns.name = "scientificName"
    table.attrs["trap_nights"] = tn[surveyed].to_numpy(dtype=float)
    return table


def _incidence_array(incidence: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Boolean stations x species array of a count or 0/1 matrix, checked."""
    values = incidence.to_numpy(dtype=float) if isinstance(incidence, pd.DataFrame) else np.asarray(incidence, float)
    if values.ndim != 2:
        raise ValueError(f"incidence must be a 2-D stations x species matrix, got {values.ndim} dimension(s)")
    if np.isnan(values).any():
        raise ValueError("incidence has missing values (NaN): use 0 for 'not detected'")
    if (values < 0).any():
        raise ValueError("incidence has negative values")
    if values.shape[0] == 0:
        raise ValueError("incidence has no stations (rows)")
    return values > 0


def richness_estimators(incidence: pd.DataFrame | np.ndarray) -> pd.Series:
    """Observed species richness and incidence-based estimates of the richness of the pool.

    The estimators of vegan's ``specpool`` (with ``smallsample = TRUE``), computed from how many
    stations each species was detected at.

    Parameters
    ----------
    incidence : DataFrame or array
        Stations (rows, the sampling units) x species: 0/1 or numbers of events (> 0 counts as
        detected), e.g. :func:`incidence_matrix`. Species that were never detected are ignored.

    Returns
    -------
    Series
        ``n_stations`` (m), ``S_obs`` (species detected), ``Q1`` / ``Q2`` (species detected at exactly
        one / two stations), ``chao2``, ``chao2_se``, ``chao2_bc`` (always the bias-corrected form),
        ``jack1``, ``jack1_se``, ``jack2``. All in numbers of species. vegan gives no standard error
        for the second-order jackknife, nor do we.

    Notes
    -----
    With :math:`S` species detected, :math:`m` stations, :math:`Q_k` species at exactly :math:`k`
    stations and :math:`A = (m-1)/m`:

    - Chao2 (as vegan: the classic form when :math:`Q_2 > 0`, the bias-corrected one when
      :math:`Q_2 = 0`): :math:`S + A\\,Q_1^2/(2Q_2)`, else :math:`S + A\\,Q_1(Q_1-1)/(2(Q_2+1))`;
      ``chao2_bc`` is always :math:`S + A\\,Q_1(Q_1-1)/(2(Q_2+1))` (Chao 2005, EstimateS' default).
    - Variance of Chao2 (vegan): with :math:`G = Q_1/Q_2`,
      :math:`Q_2 (A G^2/2 + A^2 G^3 + A^2 G^4/4)` when :math:`Q_2 > 0`, else
      :math:`A Q_1(Q_1-1)/2 + A^2 Q_1(2Q_1-1)^2/4 - A^2 Q_1^4/(4\\,\\hat S_{Chao2})`.
    - First-order jackknife: :math:`S + Q_1 (m-1)/m`, variance
      :math:`(\\sum_j j^2 f_j - Q_1/m)(m-1)/m`, :math:`f_j` the number of stations with :math:`j`
      species found nowhere else, exactly as vegan::specpool computes ``var.jack1`` (its code subtracts
      :math:`Q_1/m`; the textbook variance of Heltshe and Forrester 1983 subtracts :math:`Q_1^2/m`, the
      two agree when :math:`Q_1 \\le 1`). We follow vegan so that R users get the same standard error.
    - Second-order jackknife: :math:`S + Q_1(2m-3)/m - Q_2 (m-2)^2/(m(m-1))`.

    References
    ----------
    Chao, A. (1987) Estimating the population size for capture-recapture data with unequal
    catchability. *Biometrics* 43, 783-791. https://doi.org/10.2307/2531532

    Chao, A. (2005) Species estimation and applications. In *Encyclopedia of Statistical Sciences*,
    2nd ed., 7907-7916. Wiley, New York.

    Heltshe, J.F. and Forrester, N.E. (1983) Estimating species richness using the jackknife
    procedure. *Biometrics* 39, 1-11. https://doi.org/10.2307/2530802

    Smith, E.P. and van Belle, G. (1984) Nonparametric estimation of species richness. *Biometrics*
    40, 119-129. https://doi.org/10.2307/2530750

    Oksanen, J. et al. vegan: Community Ecology Package, function ``specpool``.
    https://CRAN.R-project.org/package=vegan

    Examples
    --------
    >>> est = richness_estimators([[1, 1, 0], [1, 0, 1], [1, 0, 0]])
    >>> est[["S_obs", "Q1", "Q2", "chao2", "jack1"]].round(4).tolist()
    [3.0, 2.0, 0.0, 3.6667, 4.3333]
    """
    present = _incidence_array(incidence)
    m = present.shape[0]
    if m < 2:
        raise ValueError(f"richness estimators need at least 2 stations, got {m}")
    freq = present.sum(axis=0)
    seen = freq > 0
    s_obs = int(seen.sum())
    if s_obs == 0:
        raise ValueError("no species detected at any station")
    q1 = int((freq == 1).sum())
    q2 = int((freq == 2).sum())
    small = (m - 1) / m
    chao_bc = s_obs + small * q1 * (q1 - 1) / (2 * (q2 + 1))
    if q2 > 0:
        chao = s_obs + small * q1 * q1 / (2 * q2)
        g = q1 / q2
        var_chao = q2 * (small * g**2 / 2 + small**2 * g**3 + small**2 * g**4 / 4)
    else:
        chao = chao_bc
        var_chao = small * q1 * (q1 - 1) / 2 + small**2 * q1 * (2 * q1 - 1) ** 2 / 4 - small**2 * q1**4 / (4 * chao)
    uniques = present[:, freq == 1].sum(axis=1)  # species found only at this station, per station
    var_jack1 = (float((uniques**2).sum()) - q1 / m) * small  # vegan::specpool's var.jack1, as its code has it
    jack1 = s_obs + q1 * small
    jack2 = s_obs + q1 * (2 * m - 3) / m - q2 * (m - 2) ** 2 / (m * (m - 1))
    values = {
        "n_stations": m,
        "S_obs": s_obs,
        "Q1": q1,
        "Q2": q2,
        "chao2": chao,
        "chao2_se": float(np.sqrt(max(var_chao, 0.0))),
        "chao2_bc": chao_bc,
        "jack1": jack1,
        "jack1_se": float(np.sqrt(max(var_jack1, 0.0))),
        "jack2": jack2,
    }
    return pd.Series(values, dtype=float, name="richness")


def _unseen_table(m: int) -> np.ndarray:
    """``H[n, k-1] = C(n, k) / C(m, k)`` for n = 0..m, k = 1..m: the chance that k of m stations,
    drawn without replacement, all lie among n given ones."""
    j = np.arange(m)
    ratio = np.clip((np.arange(m + 1)[:, None] - j[None, :]) / (m - j)[None, :], 0.0, None)
    return np.cumprod(ratio, axis=1)


def _exact_accumulation(present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected richness and its SD over all orders of the stations, for 1..m stations."""
    m = present.shape[0]
    x = present[:, present.any(axis=0)].astype(np.int64)
    freq = x.sum(axis=0)
    table = _unseen_table(m)
    q = table[m - freq]  # species x k: P(species missed by k stations)
    richness = (1.0 - q).sum(axis=0)
    missed_by_both = m - (freq[:, None] + freq[None, :] - x.T @ x)  # stations with neither i nor j
    var = np.array([(table[missed_by_both, k] - np.outer(q[:, k], q[:, k])).sum() for k in range(m)])
    return richness, np.sqrt(np.clip(var, 0.0, None))


def species_accumulation(
    events: pd.DataFrame,
    operation: pd.DataFrame,
    species: str | Sequence[str] | None = None,
    *,
    method: Literal["random", "exact"] = "random",
    n_permutations: int = 100,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Species accumulation curve over stations and trap-nights, as camtrapR / vegan's ``specaccum``.

    The sampling units are the stations with effort (camtrapR's species accumulation calls
    ``vegan::specaccum`` on the station x species incidence): the curve is the mean number of species
    detected at ``k`` stations taken in random order, for ``k = 1 .. m``, with the trap-nights those
    stations accumulated.

    Parameters
    ----------
    events : DataFrame
        Independent events with the station column of ``operation`` and ``scientificName``.
    operation : DataFrame
        Camera-operation matrix (:func:`nbtools.effort.camera_operation`); stations with trap-nights
        > 0 are the sampling units, including those without events.
    species : str or sequence, optional
        Species to include (default: all in ``events``), e.g. to leave out domestic animals.
    method : {"random", "exact"}, default "random"
        ``"random"``: mean and SD over ``n_permutations`` random orders of the stations (vegan's
        ``method = "random"``). ``"exact"``: the expected richness over all orders (vegan's
        ``"exact"``, Ugland et al. 2003; Colwell et al. 2004),
        :math:`\\sum_i 1 - \\binom{m - f_i}{k} / \\binom{m}{k}` with :math:`f_i` the number of
        stations where species :math:`i` was detected, and its exact SD over all orders (see Notes).
    n_permutations : int, default 100
        Random orders for ``method="random"`` (at least 2).
    seed : int or numpy.random.Generator, optional
        Randomness for ``method="random"``; the same seed gives the same curve.
    progress : bool, default True
        Show a progress bar (tqdm) over the permutations.

    Returns
    -------
    DataFrame
        One row per number of stations: ``n_stations`` (1..m), ``trap_nights`` (mean cumulative
        trap-nights, days, of those stations; for ``"exact"`` ``k`` times the mean per station),
        ``richness`` (mean number of species) and ``sd`` (its standard deviation over station orders,
        species). ``attrs`` hold ``method``, ``n_permutations`` and ``species``.

    Notes
    -----
    For ``"random"`` the SD is the sample SD over the permutations (R's ``sd``, as vegan). For
    ``"exact"`` it is the exact SD over all orders,
    :math:`\\mathrm{Var}\\,S_k = \\sum_{i,j} \\binom{m-u_{ij}}{k}/\\binom{m}{k} - q_i q_j` with
    :math:`u_{ij}` the stations where species :math:`i` or :math:`j` was seen and
    :math:`q_i = \\binom{m-f_i}{k}/\\binom{m}{k}`; vegan's ``"exact"`` approximates the covariances
    from the correlation of the incidences (``conditioned = TRUE``), so its SD may differ slightly.
    The last point is always the observed richness with SD 0. Use :func:`richness_estimators` for
    the richness of the pool beyond the curve.

    References
    ----------
    Colwell, R.K. and Coddington, J.A. (1994) Estimating terrestrial biodiversity through
    extrapolation. *Phil. Trans. R. Soc. B* 345, 101-118. https://doi.org/10.1098/rstb.1994.0091

    Ugland, K.I., Gray, J.S. and Ellingsen, K.E. (2003) The species-accumulation curve and estimation
    of species richness. *Journal of Animal Ecology* 72, 888-897.
    https://doi.org/10.1046/j.1365-2656.2003.00748.x

    Colwell, R.K., Mao, C.X. and Chang, J. (2004) Interpolating, extrapolating, and comparing
    incidence-based species accumulation curves. *Ecology* 85, 2717-2727.
    https://doi.org/10.1890/03-0557

    Examples
    --------
    >>> import pandas as pd
    >>> op = pd.DataFrame([[1.0, 1.0], [1.0, 0.5]], index=pd.Index(["A", "B"], name="locationID"),
    ...                   columns=pd.date_range("2024-01-01", periods=2, name="date"))
    >>> ev = pd.DataFrame({"locationID": ["A", "B", "B"],
    ...     "scientificName": ["Sus scrofa", "Sus scrofa", "Vulpes vulpes"],
    ...     "eventStart": pd.to_datetime(["2024-01-01 10:00"] * 3, utc=True)})
    >>> curve = species_accumulation(ev, op, method="exact")
    >>> curve[["n_stations", "trap_nights", "richness"]].to_numpy().tolist()
    [[1.0, 1.75, 1.5], [2.0, 3.5, 2.0]]
    """
    if method not in ("random", "exact"):
        raise ValueError(f"method must be 'random' or 'exact', got {method!r}")
    if method == "random" and (int(n_permutations) != n_permutations or n_permutations < 2):
        raise ValueError(f"n_permutations must be a whole number >= 2, got {n_permutations!r}")
    incidence = incidence_matrix(events, operation, species)
    present = incidence.to_numpy() > 0
    effort = np.asarray(incidence.attrs["trap_nights"], float)
    m = present.shape[0]
    k = np.arange(1, m + 1)
    if method == "exact":
        richness, sd = _exact_accumulation(present)
        cumulative = k * effort.mean()
    else:
        from tqdm.auto import tqdm

        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        n = int(n_permutations)
        curves = np.empty((n, m))
        nights = np.empty((n, m))
        for p in tqdm(range(n), disable=not progress, desc="species accumulation", unit="permutation"):
            order = rng.permutation(m)
            curves[p] = np.logical_or.accumulate(present[order], axis=0).sum(axis=1)
            nights[p] = np.cumsum(effort[order])
        richness = curves.mean(axis=0)
        sd = curves.std(axis=0, ddof=1)
        cumulative = nights.mean(axis=0)
    out = pd.DataFrame({"n_stations": k, "trap_nights": cumulative, "richness": richness, "sd": sd})
    out.attrs.update(
        {
            "method": method,
            "n_permutations": int(n_permutations) if method == "random" else None,
            "species": list(incidence.columns),
        }
    )
    return out
