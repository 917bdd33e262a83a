"""Multi-season detection data (unmarked's ``unmarkedMultFrame``): :class:`MultiSeasonData`.

:func:`multi_season_data` checks detections laid out as unmarked wants them (sites x seasons x
occasions) with site, yearly-site and observation covariates; :func:`stack_seasons` (in
:mod:`.multiseason_history`) builds them from one detection history per season, as camtrapR's
``detectionHistory(..., unmarkedMultFrameInput = TRUE)`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import OccupancyDataError


@dataclass(frozen=True, eq=False)
class MultiSeasonData:
    """Detections of one species over several seasons, with covariates (unmarked's ``unmarkedMultFrame``).

    Attributes
    ----------
    y : pandas.DataFrame
        Sites x (seasons x occasions): 1 detected, 0 not, NaN not surveyed. Columns run through the
        occasions of season 1, then season 2, ... (camtrapR's ``unmarkedMultFrameInput`` layout);
        the column index is a ``MultiIndex`` (``season``, ``occasion``).
    n_seasons : int
        Number of seasons (primary periods, unmarked's ``numPrimary``).
    site_covs : pandas.DataFrame
        One row per site (may have no columns).
    yearly_site_covs : dict of str to pandas.DataFrame
        Sites x seasons, one frame per covariate (unmarked's ``yearlySiteCovs``). ``season`` (the
        season labels, categorical) is always there, so ``gamma="~ season - 1"`` gives one
        colonisation probability per interval.
    obs_covs : dict of str to pandas.DataFrame
        Sites x (seasons x occasions), laid out as ``y`` (unmarked's ``obsCovs``).
    """

    y: pd.DataFrame
    n_seasons: int
    site_covs: pd.DataFrame
    yearly_site_covs: dict[str, pd.DataFrame] = field(default_factory=dict)
    obs_covs: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def n_sites(self) -> int:
        """Number of sites (rows of ``y``)."""
        return int(self.y.shape[0])

    @property
    def n_occasions(self) -> int:
        """Occasions per season (``J``)."""
        return int(self.y.shape[1] // self.n_seasons)

    @property
    def seasons(self) -> pd.Index:
        """Season labels, in order."""
        return self.y.columns.get_level_values("season").unique()

    def y_array(self) -> np.ndarray:
        """``y`` as a (sites, seasons, occasions) float array with NaN."""
        return self.y.to_numpy(dtype=float).reshape(self.n_sites, self.n_seasons, self.n_occasions)

    def naive_occupancy(self) -> pd.Series:
        """Share of the surveyed sites with a detection, per season."""
        y = self.y_array()
        surveyed = ~np.isnan(y).all(axis=2)
        detected = np.nansum(y, axis=2) > 0
        share = np.where(surveyed.sum(0) > 0, (detected & surveyed).sum(0) / np.maximum(surveyed.sum(0), 1), np.nan)
        return pd.Series(share, index=self.seasons, name="naive_occupancy")

    def subset_sites(self, rows: np.ndarray) -> MultiSeasonData:
        """The data of sites at integer positions ``rows`` (repeats allowed, as a bootstrap needs)."""
        rows = np.asarray(rows)
        return MultiSeasonData(
            y=self.y.iloc[rows],
            n_seasons=self.n_seasons,
            site_covs=self.site_covs.iloc[rows],
            yearly_site_covs={k: v.iloc[rows] for k, v in self.yearly_site_covs.items()},
            obs_covs={k: v.iloc[rows] for k, v in self.obs_covs.items()},
        )

    def __repr__(self) -> str:
        n_obs = int(self.y.notna().to_numpy().sum())
        return (
            f"MultiSeasonData({self.n_sites} sites x {self.n_seasons} seasons x {self.n_occasions} occasions, "
            f"{n_obs} surveys, {int(np.nansum(self.y.to_numpy()))} detections; site covariates "
            f"{list(self.site_covs.columns)}, yearly {list(self.yearly_site_covs)}, observation {list(self.obs_covs)})"
        )


def _as_frame(values: Any, index: pd.Index, columns: pd.Index, what: str) -> pd.DataFrame:
    """A covariate given as an array or frame of the right shape, as a frame on ``index`` x ``columns``."""
    if isinstance(values, pd.DataFrame):
        if values.shape != (len(index), len(columns)):
            raise OccupancyDataError(
                f"{what} has shape {values.shape}; it needs {len(index)} rows (sites) and {len(columns)} columns"
            )
        return pd.DataFrame(values.to_numpy(), index=index, columns=columns)
    arr = np.asarray(values)
    if arr.ndim == 1 and arr.size == len(columns):  # one value per season/occasion, the same at every site
        arr = np.broadcast_to(arr, (len(index), len(columns)))
    if arr.shape != (len(index), len(columns)):
        raise OccupancyDataError(
            f"{what} has shape {arr.shape}; it needs {len(index)} rows (sites) and {len(columns)} columns"
        )
    return pd.DataFrame(arr, index=index, columns=columns)


def _from_long(frame: pd.DataFrame, index: pd.Index, columns: pd.Index, what: str) -> dict[str, pd.DataFrame]:
    """unmarked's long layout (site-major rows) as one wide frame per column."""
    n = len(index) * len(columns)
    if len(frame) != n:
        raise OccupancyDataError(f"{what} in unmarked's long layout needs {n} rows (sites x columns), not {len(frame)}")
    return {
        str(c): pd.DataFrame(
            frame[c].to_numpy().reshape(len(index), len(columns)),
            index=index,
            columns=columns,
        )
        for c in frame.columns
    }


def multi_season_data(
    y: Any,
    n_seasons: int,
    site_covs: pd.DataFrame | None = None,
    yearly_site_covs: Mapping[str, Any] | pd.DataFrame | None = None,
    obs_covs: Mapping[str, Any] | pd.DataFrame | None = None,
    seasons: Sequence[Any] | None = None,
) -> MultiSeasonData:
    """Multi-season detection data, checked (unmarked's ``unmarkedMultFrame``).

    Parameters
    ----------
    y : array-like or pandas.DataFrame
        Sites x (``n_seasons`` x occasions) of 0/1 (counts above 1 are truncated to 1, as
        ``colext`` does), NaN where a site was not surveyed. Row labels of a frame name the sites.
    n_seasons : int
        Number of seasons (unmarked's ``numPrimary``); the columns of ``y`` must divide evenly.
    site_covs : pandas.DataFrame, optional
        One row per site.
    yearly_site_covs : dict or pandas.DataFrame, optional
        Per covariate a sites x seasons array (or one value per season, the same at every site), or
        one long frame of sites x seasons rows (site-major, unmarked's layout).
    obs_covs : dict or pandas.DataFrame, optional
        Per covariate a sites x (seasons x occasions) array, or one long frame (site-major, then
        season, then occasion).
    seasons : sequence, optional
        Season labels (default ``1 .. n_seasons``). They become the categorical yearly covariate
        ``season``.

    Returns
    -------
    MultiSeasonData

    Raises
    ------
    OccupancyDataError
        Shapes that do not fit, values other than 0/1/NaN, a covariate named twice.

    Examples
    --------
    >>> import numpy as np
    >>> from nbtools.occupancy import multi_season_data
    >>> d = multi_season_data(np.array([[0, 1, np.nan, 0], [0, 0, 0, 0]]), n_seasons=2)
    >>> d.n_sites, d.n_occasions, list(d.seasons)
    (2, 2, [1, 2])
    """
    if int(n_seasons) != n_seasons or n_seasons < 2:
        raise OccupancyDataError(f"n_seasons must be a whole number >= 2, not {n_seasons!r}")
    n_seasons = int(n_seasons)
    frame = y if isinstance(y, pd.DataFrame) else pd.DataFrame(np.asarray(y, dtype=float))
    values = frame.to_numpy(dtype=float)
    if values.ndim != 2 or values.shape[1] % n_seasons:
        raise OccupancyDataError(
            f"y has {values.shape[1] if values.ndim == 2 else '?'} columns, not a multiple of n_seasons = {n_seasons}"
        )
    bad = ~np.isnan(values) & ((values < 0) | (values != np.round(values)))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise OccupancyDataError(
            f"y[{frame.index.tolist()[r]!r}, column {c + 1}] = {values[r, c]!r}: detections are 0/1 or NaN"
        )
    values = np.where(values > 1, 1.0, values)
    J = values.shape[1] // n_seasons
    labels = list(range(1, n_seasons + 1)) if seasons is None else list(seasons)
    if len(labels) != n_seasons or len(set(labels)) != n_seasons:
        raise OccupancyDataError(f"seasons must be {n_seasons} distinct labels, got {labels!r}")
    sites = pd.Index(frame.index, name="site")
    columns = pd.MultiIndex.from_product([labels, range(1, J + 1)], names=["season", "occasion"])
    season_cols = pd.Index(labels, name="season")
    y_frame = pd.DataFrame(values, index=sites, columns=columns)

    sc = pd.DataFrame(index=sites) if site_covs is None else site_covs.copy()
    if len(sc) != len(sites):
        raise OccupancyDataError(f"site_covs has {len(sc)} rows; y has {len(sites)} sites")
    sc.index = sites
    if isinstance(yearly_site_covs, pd.DataFrame):
        ysc = _from_long(yearly_site_covs, sites, season_cols, "yearly_site_covs")
    else:
        ysc = {
            str(k): _as_frame(v, sites, season_cols, f"yearly_site_covs[{k!r}]")
            for k, v in (yearly_site_covs or {}).items()
        }
    ysc.setdefault(
        "season",
        pd.DataFrame(
            pd.Categorical(np.repeat([labels], len(sites), axis=0).ravel(), categories=labels).reshape(
                len(sites), n_seasons
            ),
            index=sites,
            columns=season_cols,
        ),
    )
    if isinstance(obs_covs, pd.DataFrame):
        oc = _from_long(obs_covs, sites, columns, "obs_covs")
    else:
        oc = {str(k): _as_frame(v, sites, columns, f"obs_covs[{k!r}]") for k, v in (obs_covs or {}).items()}
    names = list(sc.columns) + list(ysc) + list(oc)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise OccupancyDataError(f"covariate(s) {twice} are given at more than one level (site, yearly, observation)")
    return MultiSeasonData(y=y_frame, n_seasons=n_seasons, site_covs=sc, yearly_site_covs=ysc, obs_covs=oc)
