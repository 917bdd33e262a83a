"""Capture histories of a multi-year study, one session per season, for multi-session and open models.

:func:`capthists_by_season` builds the spatial capture history of each season of a study
(:func:`nbtools.seasons.split_seasons`, then :func:`nbtools.secr.capthist_from_study`): the input
of a multi-session :func:`nbtools.secr.secr_fit` (density per season, its trend), each season with
its own detectors and usage. The open-population models of :func:`nbtools.secr.open_cr_fit` need the
same detectors in every session and no usage; a camera grid that changes between seasons has
neither, so :func:`pooled_detectors` merges each season's detectors into one, which is all the
non-spatial models (``CJS``, ``PLBl``, ``PLBf``) use: whether an animal was detected on an occasion.

>>> chs = capthists_by_season(study, occasion_length=30)        # doctest: +SKIP
>>> fit = secr_fit(chs, density="~Session")                     # doctest: +SKIP
>>> history = join_sessions(pooled_detectors(chs))              # doctest: +SKIP
>>> open_cr_fit(history, type="CJS", model={"phi": "~ sex"})    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .capthist import CaptureHistory
from .study import DEFAULT_SPECIES, capthist_from_study

if TYPE_CHECKING:
    from nbtools.study import Study

__all__ = ["capthists_by_season", "pooled_detectors", "records_of_stage"]


def capthists_by_season(
    study: Study,
    species: str = DEFAULT_SPECIES,
    groups: str | None = "array:grid",
    life_stage: str | Sequence[str] | None = "adult",
    **kwargs: Any,
) -> dict[str, CaptureHistory]:
    """The capture history of each season of a multi-year study.

    Parameters
    ----------
    study : nbtools.study.Study
        A study whose deployments name their season in ``deploymentGroups`` (``season:2016/17``).
    species : str, default "Panthera pardus orientalis"
    groups : str or None, default "array:grid"
        Keep deployments whose ``deploymentGroups`` contain this text (the detector array; a den
        camera is not part of it); None keeps all.
    life_stage : str, sequence of str or None, default "adult"
        Keep the records of the species whose ``lifeStage`` is this (or one of these), judged record by
        record: over several seasons a cub grows up, so the one stage per animal of the individuals table
        (what :func:`nbtools.secr.capthist_from_study` uses within one season) would leave every recruit
        out of every season. None keeps all records.
    **kwargs
        Passed on to :func:`nbtools.secr.capthist_from_study` (``occasion_length``, ``detector``,
        ``max_gap_m``, ...); ``day1`` is each season's first day.

    Returns
    -------
    dict of str to CaptureHistory
        Season label to its capture history (``session`` is the label), in time order.
    """
    from nbtools.seasons import split_seasons

    out = {}
    for label, season in split_seasons(study, groups=groups).items():
        try:
            ch = capthist_from_study(records_of_stage(season, species, life_stage), species, life_stage=None, **kwargs)
        except ValueError as err:
            raise ValueError(f"season {label!r}: {err}") from err
        out[label] = replace(ch, session=label)
    return out


def records_of_stage(study: Study, species: str, life_stage: str | Sequence[str] | None) -> Study:
    """The study without the records of ``species`` whose ``lifeStage`` is not ``life_stage``.

    Parameters
    ----------
    study : nbtools.study.Study
    species : str
        Scientific name; records of other species are kept as they are.
    life_stage : str, sequence of str or None
        The stage(s) to keep (Camtrap DP's ``lifeStage``: ``adult``, ``subadult``, ``juvenile``); records
        without a stage are left out too. None returns the study unchanged.

    Returns
    -------
    nbtools.study.Study
    """
    if life_stage is None:
        return study
    stages = [life_stage] if isinstance(life_stage, str) else list(life_stage)
    obs = study.observations
    of_stage = obs["lifeStage"].astype("string").isin(stages).to_numpy(dtype=bool, na_value=False)
    of_species = obs["scientificName"].astype("string").eq(species).to_numpy(dtype=bool, na_value=False)
    drop = of_species & ~of_stage
    return replace(study, observations=obs[~drop])


def pooled_detectors(capthists: Mapping[Any, CaptureHistory], detector_id: str = "all") -> dict[str, CaptureHistory]:
    """Each session's detectors merged into one, for the non-spatial open-population models.

    Parameters
    ----------
    capthists : mapping of session label to CaptureHistory
    detector_id : str, default "all"
        ID of the merged detector (placed at the origin: its position is not used).

    Returns
    -------
    dict of str to CaptureHistory
        Per session the detections summed over detectors (animals x occasions x 1), detector type
        ``count``, no usage (the occasions on which no camera worked count as occasions without
        detections), and the session's animals, covariates and removals.

    Notes
    -----
    Spatial models (``CJSsecr``, ``PLBsecrl``, ...) need the detectors; pooling them leaves only the
    non-spatial models.
    """
    traps = pd.DataFrame({"x": [0.0], "y": [0.0]}, index=pd.Index([detector_id], name="trapID"))
    out = {}
    for label, ch in capthists.items():
        counts = ch.counts.sum(axis=2, keepdims=True).astype(np.int64)
        out[str(label)] = CaptureHistory(
            counts=counts,
            traps=traps,
            detector="count",
            ids=ch.ids,
            covariates=ch.covariates,
            session=str(label),
            removed=ch.removed,
        )
    return out
