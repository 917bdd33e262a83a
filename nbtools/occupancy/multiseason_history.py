"""Multi-season detection histories (camtrapR's ``detectionHistory(..., unmarkedMultFrameInput = TRUE)``).

One detection history per season (:func:`nbtools.indices.detection_history` on that season's camera
operation) is laid out as unmarked's ``unmarkedMultFrame`` wants it: one row per station (every station of
any season), the occasions of season 1, then those of season 2, ...; every season has as many occasions as the
longest one, and a station without a camera in a season has NaN there. :func:`multi_season_history` does it
from events and per-season operation matrices, :func:`multi_season_history_from_study` from a
:class:`nbtools.study.Study` and season dates; :meth:`MultiSeasonHistory.to_data` gives the
:class:`~nbtools.occupancy.multiseason.MultiSeasonData` that :func:`~nbtools.occupancy.colext` fits.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .design import standardise
from .errors import OccupancyDataError, show_labels
from .multiseason import MultiSeasonData, multi_season_data


def stack_seasons(frames: Mapping[Any, pd.DataFrame]) -> pd.DataFrame:
    """Station x occasion frames of several seasons side by side, camtrapR's multi-season layout.

    Parameters
    ----------
    frames : mapping of season label to pandas.DataFrame
        Per season, stations x occasions (detections or effort), in season order.

    Returns
    -------
    pandas.DataFrame
        One row per station (in order of first appearance), columns ``(season, occasion)`` with
        ``occasion`` 1 .. the largest number of occasions of any season; NaN where a station had no
        camera in a season or a season has fewer occasions.

    Examples
    --------
    >>> import pandas as pd
    >>> from nbtools.occupancy.multiseason_history import stack_seasons
    >>> a = pd.DataFrame([[0, 1], [1, 0]], index=["A", "B"], columns=[1, 2])
    >>> b = pd.DataFrame([[1, 0, 0]], index=["C"], columns=[1, 2, 3])
    >>> stack_seasons({2009: a, 2010: b}).to_numpy().tolist()  # doctest: +NORMALIZE_WHITESPACE
    [[0.0, 1.0, nan, nan, nan, nan], [1.0, 0.0, nan, nan, nan, nan], [nan, nan, nan, 1.0, 0.0, 0.0]]
    """
    if len(frames) < 2:
        raise OccupancyDataError(f"a multi-season history needs at least two seasons, got {len(frames)}")
    stations = pd.Index(pd.unique(np.concatenate([f.index.astype(str).to_numpy() for f in frames.values()])))
    J = max(f.shape[1] for f in frames.values())
    blocks = []
    for frame in frames.values():
        values = np.full((len(stations), J), np.nan)
        rows = stations.get_indexer(frame.index.astype(str))
        values[rows, : frame.shape[1]] = frame.to_numpy(dtype=float)
        blocks.append(values)
    columns = pd.MultiIndex.from_product([list(frames), range(1, J + 1)], names=["season", "occasion"])
    return pd.DataFrame(np.hstack(blocks), index=stations.rename("locationID"), columns=columns)


@dataclass(frozen=True, eq=False)
class MultiSeasonHistory:
    """Detections and effort of one species over several seasons (camtrapR's multi-season output).

    Attributes
    ----------
    species : str
    detections, effort : pandas.DataFrame
        Stations x (season, occasion): 1/0 (or counts) and trap-days, NaN where not surveyed.
    histories : dict
        The single-season :class:`nbtools.indices.DetectionHistory` of every season (records not counted,
        occasion start dates).
    settings : dict
        The arguments that made it.
    """

    species: str
    detections: pd.DataFrame
    effort: pd.DataFrame
    histories: dict[Any, Any] = field(repr=False)
    settings: dict = field(default_factory=dict)

    @property
    def seasons(self) -> list[Any]:
        """Season labels, in order."""
        return list(self.histories)

    def camtrapr_layout(self, which: str = "detections") -> pd.DataFrame:
        """``detections`` or ``effort`` with camtrapR's flat column names ``o1 .. o(T*J)``."""
        frame = getattr(self, which).copy()
        frame.columns = [f"o{k}" for k in range(1, frame.shape[1] + 1)]
        return frame

    def to_data(self, site_covs: pd.DataFrame | None = None, scale_effort: bool = True) -> MultiSeasonData:
        """The data :func:`~nbtools.occupancy.colext` fits, with trap-days as the observation covariate ``effort``.

        Parameters
        ----------
        site_covs : pandas.DataFrame, optional
            Station covariates indexed by station (``locationID``); reordered to the rows of the history.
        scale_effort : bool, default True
            Standardise effort over all surveyed station-occasions (camtrapR's ``scaleEffort``).
        """
        effort = self.effort
        if scale_effort:
            long = pd.DataFrame({"effort": effort.to_numpy().reshape(-1)})
            _, mean, sd = standardise(long)
            effort = (effort - mean["effort"]) / sd["effort"]
        if site_covs is not None:
            missing = [s for s in self.detections.index if s not in site_covs.index.astype(str)]
            if missing:
                raise OccupancyDataError(f"site_covs have no row for station(s) {show_labels(missing)}")
            site_covs = site_covs.set_axis(site_covs.index.astype(str)).reindex(self.detections.index)
        return multi_season_data(
            self.detections,
            n_seasons=len(self.seasons),
            site_covs=site_covs,
            obs_covs={"effort": effort.to_numpy()},
            seasons=self.seasons,
        )

    def __repr__(self) -> str:
        J = self.detections.shape[1] // max(len(self.seasons), 1)
        return (
            f"MultiSeasonHistory({self.species!r}: {self.detections.shape[0]} stations x {len(self.seasons)} seasons "
            f"x {J} occasions of {self.settings.get('occasion_length')} days, "
            f"{int(np.nansum(self.detections.to_numpy()))} detections)"
        )


def _season_history(events: pd.DataFrame, operation: pd.DataFrame, species: str, kwargs: dict) -> Any:
    """The season's detection history; all zeros (from the same effort) when the species has no event there."""
    from ..effort import operation_settings
    from ..indices import detection_history

    settings = operation_settings(operation)
    by, tz, days = settings["by"], settings["tz"], operation.columns
    inside = np.zeros(len(events), dtype=bool)
    if len(events):
        times = events["eventStart"] if "eventStart" in events.columns else events["timestamp"]
        shifted = times.dt.tz_convert(tz).dt.tz_localize(None) - pd.Timedelta(hours=settings["day_start_hour"])
        local_day = shifted.dt.normalize()
        inside = (
            events[by].astype(str).isin(operation.index.astype(str)).to_numpy()
            & (local_day >= days[0]).to_numpy()
            & (local_day <= days[-1]).to_numpy()
        )
    season_events = events.loc[inside] if len(events) else events
    present = len(season_events) and (season_events["scientificName"].astype("object") == species).any()
    if present:
        return detection_history(season_events, operation, species, **kwargs), True
    placeholder = pd.DataFrame(
        {
            by: [operation.index[0]],
            "scientificName": ["(none)"],
            "eventStart": [pd.Timestamp(days[0]).tz_localize(tz) + pd.Timedelta(hours=settings["day_start_hour"])],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = detection_history(placeholder, operation, "(none)", **kwargs)
    return history, False


def multi_season_history(
    events: pd.DataFrame,
    operations: Mapping[Any, pd.DataFrame],
    species: str,
    occasion_length: int = 7,
    day1: Any = "station",
    **kwargs: Any,
) -> MultiSeasonHistory:
    """Multi-season detection history of one species (camtrapR's ``detectionHistory(..., unmarkedMultFrameInput = TRUE)``).

    Parameters
    ----------
    events : pandas.DataFrame
        Independent events (or records) of all seasons: station column of the operation matrices
        (``locationID``), ``scientificName``, ``eventStart`` (timezone-aware).
    operations : mapping of season label to pandas.DataFrame
        Per season, in order, its camera-operation matrix (:func:`nbtools.effort.camera_operation`).
        An event counts in the season whose matrix covers its station and day.
    species : str
        ``scientificName``.
    occasion_length : int, default 7
        Days per occasion.
    day1 : {"station", "survey"} or date, default "station"
        Start of occasion 1 in each season (:func:`nbtools.indices.detection_history`): each station's
        set-up day, or the season's first day.
    **kwargs
        Passed on to :func:`nbtools.indices.detection_history` (``include_effort``, ``output``,
        ``min_active_days``, ``max_days``, ``buffer_days``).

    Returns
    -------
    MultiSeasonHistory

    Raises
    ------
    OccupancyDataError
        Fewer than two seasons, or a species with no event in any season.

    Notes
    -----
    camtrapR builds one operation matrix over all sessions (rows ``Station__SESS_x``) and one
    history over it, then puts each session's rows side by side; with ``day1 = "station"`` that is
    what this does. With ``day1 = "survey"`` camtrapR starts every session's occasions on the first
    day of the whole study (so every season block spans all years); here occasion 1 starts on each
    season's own first day, which keeps the blocks as short as the seasons.
    """
    if len(operations) < 2:
        raise OccupancyDataError(f"a multi-season history needs at least two seasons, got {len(operations)}")
    histories, found = {}, []
    for label, operation in operations.items():
        histories[label], present = _season_history(
            events, operation, species, {"occasion_length": occasion_length, "day1": day1, **kwargs}
        )
        found.append(present)
    if not any(found):
        raise OccupancyDataError(f"{species!r} has no event in any of the seasons {show_labels(list(operations))}")
    detections = {}
    for (label, history), present in zip(histories.items(), found, strict=True):
        det = history.detections
        detections[label] = det if present else det.where(det.isna(), 0.0)
    return MultiSeasonHistory(
        species=species,
        detections=stack_seasons(detections),
        effort=stack_seasons({label: h.effort for label, h in histories.items()}),
        histories=histories,
        settings={"occasion_length": int(occasion_length), "day1": day1, **kwargs},
    )


def multi_season_history_from_study(
    study: Any,
    species: str,
    seasons: Mapping[Any, tuple[Any, Any]],
    occasion_length: int = 7,
    day1: Any = "station",
    threshold: Any = "30min",
    **kwargs: Any,
) -> MultiSeasonHistory:
    """Multi-season detection history of one species from a study and the dates of its seasons.

    Parameters
    ----------
    study : nbtools.study.Study
    species : str
        ``scientificName``.
    seasons : mapping of label to (start, end)
        Each season's ``[start, end)`` in local dates (:meth:`nbtools.study.Study.subset`), in order,
        e.g. ``{"2015": ("2015-11-01", "2016-03-01"), ...}``. Occupancy is taken as closed within a
        season, so a season is a few months, not a year.
    occasion_length : int, default 7
    day1 : {"station", "survey"} or date, default "station"
    threshold : str or Timedelta, default "30min"
        Independence threshold of :func:`nbtools.events.independent_events`.
    **kwargs
        Passed on to :func:`nbtools.indices.detection_history`.

    Returns
    -------
    MultiSeasonHistory
        ``to_data(site_covs)`` gives the data for :func:`~nbtools.occupancy.colext`.

    Notes
    -----
    Per season: the study subset to the season (deployments clipped to it), the observation level
    chosen per deployment on all species (:func:`nbtools.events.select_records`), independent events
    per station, the camera operation per station in the study's time zone, then the history.
    """
    from ..effort import camera_operation
    from ..events import independent_events, select_records

    operations, events = {}, []
    for label, (start, end) in seasons.items():
        season = study.subset(start=start, end=end)
        deployments = season.deployments
        if deployments.empty:
            raise OccupancyDataError(f"season {label!r} ({start} to {end}) has no deployment")
        operations[label] = camera_operation(deployments, timezone=study.timezone)
        records = select_records(season.observations)
        records = records[
            records["deploymentID"].isin(deployments["deploymentID"]).to_numpy()
            & (records["scientificName"].astype("object") == species).to_numpy()
        ]
        if len(records):
            events.append(independent_events(records, threshold=threshold, deployments=deployments))
    if not events:
        raise OccupancyDataError(f"{species!r} was not recorded in any of the seasons {show_labels(list(seasons))}")
    history = multi_season_history(
        pd.concat(events, ignore_index=True), operations, species, occasion_length, day1, **kwargs
    )
    history.settings.update({"seasons": dict(seasons), "threshold": threshold})
    return history
