"""Seasons of a multi-year study: which deployment belongs to which season, and one study per season.

A multi-year Camtrap DP package (the simulated ``leopard_years`` study) names each deployment's season
in ``deploymentGroups``, as ``"season:2016/17 | array:grid | interval:1"``. The functions here read
that label, give each season's period in local dates, and split a :class:`~nbtools.study.Study` into
one study per season (the season's deployments, their media and observations), the input of the
per-session models (multi-session SECR, open-population capture-recapture, dynamic occupancy).

>>> from nbtools.catalog import open_catalog                        # doctest: +SKIP
>>> from nbtools.study import Study                                  # doctest: +SKIP
>>> study = Study.from_catalog(open_catalog("leopard_years"))        # doctest: +SKIP
>>> seasons = split_seasons(study)                                   # doctest: +SKIP
>>> list(seasons)                                                    # doctest: +SKIP
['2014/15', '2015/16', '2016/17', '2017/18', '2018/19', '2019/20']
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .study import Study

__all__ = ["SEASON_PREFIX", "deployment_seasons", "in_season", "season_periods", "split_seasons"]

#: The prefix of the season in ``deploymentGroups`` (groups are separated by ``|``).
SEASON_PREFIX = "season:"


def deployment_seasons(deployments: pd.DataFrame, prefix: str = SEASON_PREFIX) -> pd.Series:
    """The season of each deployment, read from its ``deploymentGroups``.

    Parameters
    ----------
    deployments : pandas.DataFrame
        Camtrap DP deployments with ``deploymentID`` and ``deploymentGroups`` (groups separated by ``|``).
    prefix : str, default "season:"
        The group that names the season starts with this text.

    Returns
    -------
    pandas.Series
        Season label per deployment (index ``deploymentID``), missing where no group names a season.

    Raises
    ------
    ValueError
        When there is no ``deploymentGroups`` column, or a deployment names two seasons (its row).
    """
    if "deploymentGroups" not in deployments.columns:
        raise ValueError(f"deployments have no 'deploymentGroups' column; columns: {list(deployments.columns)}")
    labels = []
    for row, (deployment, groups) in enumerate(
        zip(deployments["deploymentID"].astype(str), deployments["deploymentGroups"], strict=True)
    ):
        parts = [] if pd.isna(groups) else [g.strip() for g in str(groups).split("|")]
        found = [g[len(prefix) :].strip() for g in parts if g.startswith(prefix)]
        if len(found) > 1:
            raise ValueError(f"deployments row {row} ({deployment}): deploymentGroups names two seasons {found}")
        labels.append(found[0] if found else pd.NA)
    index = pd.Index(deployments["deploymentID"].astype(str), name="deploymentID")
    return pd.Series(labels, index=index, name="season", dtype="string")


def season_periods(study: Study, prefix: str = SEASON_PREFIX) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """Each season's period in local dates, from its deployments.

    Parameters
    ----------
    study : nbtools.study.Study
    prefix : str, default "season:"

    Returns
    -------
    dict of str to (Timestamp, Timestamp)
        Season label (sorted) to ``[start, end)``: midnight (naive, the study's time zone) of the day
        the season's first deployment started and of the day after its last one ended, the form
        :meth:`nbtools.study.Study.subset` and
        :func:`nbtools.occupancy.multi_season_history_from_study` take.
    """
    deployments = study.deployments
    season = deployment_seasons(deployments, prefix).reset_index(drop=True)
    zone = study.timezone
    periods = {}
    for label in _labels(season):
        part = deployments[_is(season, label)]
        start = part["deploymentStart"].min().tz_convert(zone).tz_localize(None).floor("D")
        end = part["deploymentEnd"].max().tz_convert(zone).tz_localize(None).floor("D") + pd.Timedelta(days=1)
        periods[label] = (start, end)
    return periods


def split_seasons(study: Study, groups: str | None = None, prefix: str = SEASON_PREFIX) -> dict[str, Study]:
    """One study per season: the season's deployments with their media and observations.

    Parameters
    ----------
    study : nbtools.study.Study
        A study whose deployments name their season in ``deploymentGroups``.
    groups : str, optional
        Keep only deployments whose ``deploymentGroups`` also contain this text (for example
        ``"array:grid"`` leaves out a den camera).
    prefix : str, default "season:"

    Returns
    -------
    dict of str to Study
        Season label (sorted) to its study; individuals, habitat, boundary, time zone and metadata are
        shared. Deployments without a season are left out.

    Raises
    ------
    ValueError
        When no deployment names a season.
    """
    deployments = study.deployments
    season = deployment_seasons(deployments, prefix).reset_index(drop=True)
    if groups is not None:
        keep = deployments["deploymentGroups"].astype("string").str.contains(groups, regex=False)
        season = season.where(keep.fillna(False).to_numpy(bool))
    labels = _labels(season)
    if not labels:
        raise ValueError(f"no deployment names a season ('{prefix}...' in deploymentGroups)")
    out = {}
    for label in labels:
        part = deployments[_is(season, label)]
        kept = set(part["deploymentID"])
        out[label] = replace(
            study,
            deployments=part,
            media=study.media[study.media["deploymentID"].isin(kept).to_numpy()],
            observations=study.observations[study.observations["deploymentID"].isin(kept).to_numpy()],
        )
    return out


def _labels(season: pd.Series) -> list[str]:
    return sorted({str(s) for s in season.dropna()})


def _is(season: pd.Series, label: str) -> object:
    return (season == label).fillna(False).to_numpy(bool)


def in_season(
    times: pd.Series, seasons: pd.Series, periods: dict[str, tuple[pd.Timestamp, pd.Timestamp]], timezone: str
) -> np.ndarray:
    """Whether each time lies in the period of its season (False for a camera clock that was wrong).

    Parameters
    ----------
    times : pandas.Series
        Timezone-aware times (e.g. ``eventStart``).
    seasons : pandas.Series
        The season of each time (e.g. from :func:`deployment_seasons` of its deployment).
    periods : dict
        Season to ``[start, end)`` in naive local dates (:func:`season_periods`).
    timezone : str
        The study's time zone.

    Returns
    -------
    numpy.ndarray of bool
        False where the season is missing or unknown, or the time falls outside its period.
    """
    local = pd.Series(pd.to_datetime(times, utc=True)).dt.tz_convert(timezone).dt.tz_localize(None)
    labels = pd.Series(seasons).astype(object).where(pd.Series(seasons).notna(), None).to_numpy()
    start = pd.Series([periods[s][0] if s in periods else pd.NaT for s in labels], index=local.index)
    end = pd.Series([periods[s][1] if s in periods else pd.NaT for s in labels], index=local.index)
    return ((local >= pd.to_datetime(start)) & (local < pd.to_datetime(end))).fillna(False).to_numpy(bool)
