"""From a camera-trap study to occupancy data: detection histories, effort and station covariates of one species.

:func:`occupancy_data` takes the steps a camtrapR + unmarked user takes (``recordTable`` ->
``cameraOperation`` -> ``detectionHistory`` -> ``extract`` of rasters at the stations -> ``scale``
-> ``unmarkedFrameOccu``) in one call and returns an :class:`OccupancyData` ready for
``occu(formula, *data)``; :func:`station_covariates` samples the habitat rasters at the stations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .design import standardise
from .errors import OccupancyDataError, OccupancyError, show_labels, warn_user
from .prediction import response_curve
from .result import OccupancyFit

#: Habitat covariates :func:`occupancy_data` samples by default (variables of the default study's
#: habitat rasters): forest cover (fraction), elevation (m), distance to the nearest road (m) and the
#: prey index (0-1).
DEFAULT_COVARIATES: tuple[str, ...] = ("forest_cover", "elevation", "distance_to_road", "prey_index")


def station_covariates(
    deployments: pd.DataFrame,
    habitat: Any,
    covariates: Sequence[str] = DEFAULT_COVARIATES,
    buffer_m: float = 500.0,
) -> pd.DataFrame:
    """Habitat covariates at camera stations: the mean of each raster within ``buffer_m`` of the station.

    Parameters
    ----------
    deployments : pandas.DataFrame
        Deployments with ``locationID`` and projected ``x``, ``y`` (m, the rasters' CRS), as
        :class:`nbtools.study.Study` holds them. A station's position is the mean of its deployments'.
    habitat : xarray.Dataset
        Habitat rasters on a ``(y, x)`` grid in the same CRS.
    covariates : sequence of str
        Variables of ``habitat`` to sample (default :data:`DEFAULT_COVARIATES`).
    buffer_m : float, default 500
        Radius (m) of the disc averaged around each station (:func:`nbtools.habitat.sample_at`);
        0 takes the cell containing the station.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``locationID`` (sorted): ``x``, ``y`` (m) and one column per covariate in the
        rasters' units. NaN for a station off the grid.

    Examples
    --------
    >>> import pandas as pd
    >>> import xarray as xr
    >>> grid = xr.Dataset({"forest_cover": (("y", "x"), [[0.2, 0.4], [0.6, 0.8]])},
    ...                   coords={"y": [250.0, 0.0], "x": [0.0, 250.0]})
    >>> dep = pd.DataFrame({"locationID": ["A", "B"], "x": [0.0, 250.0], "y": [250.0, 0.0]})
    >>> station_covariates(dep, grid, ["forest_cover"], buffer_m=0)["forest_cover"].tolist()
    [0.2, 0.8]
    """
    from ..habitat import sample_at

    missing = [c for c in ("locationID", "x", "y") if c not in deployments.columns]
    if missing:
        raise OccupancyDataError(
            f"deployments lack {show_labels(missing)}; projected x/y in metres come with nbtools.study.Study"
        )
    absent = [c for c in covariates if c not in habitat.data_vars]
    if absent:
        raise OccupancyDataError(
            f"the habitat rasters have no {show_labels(absent)}; they hold {show_labels(list(map(str, habitat.data_vars)))}"
        )
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise OccupancyError(f"buffer_m must be a distance >= 0 in metres, not {buffer_m!r}")
    stations = deployments.groupby("locationID", observed=True)[["x", "y"]].mean().sort_index().astype(float)
    stations.index = stations.index.astype(str)
    stations.index.name = "locationID"
    values = sample_at(habitat, stations["x"], stations["y"], buffer_m=buffer_m, variables=list(covariates))
    return pd.concat([stations, values], axis=1)


@dataclass(frozen=True, eq=False)
class OccupancyData:
    """Detection histories and covariates of one species, ready for :func:`occu` / :func:`occu_rn`.

    Unpacks as ``y, site_covs, obs_covs``, so ``occu("~ effort ~ forest_cover", *data)`` fits it.

    Attributes
    ----------
    species : str
        ``scientificName``.
    y : pandas.DataFrame
        Stations (``locationID``) x occasions (1, 2, ...): 1 detected, 0 not, NaN where no camera
        worked during the occasion.
    site_covs : pandas.DataFrame
        Standardised station covariates (``(x - mean) / sd``), one row per row of ``y``.
    obs_covs : dict of str to pandas.DataFrame
        ``effort``: standardised trap-days per station and occasion (NaN where ``y`` is NaN).
    means, sds : pandas.Series
        Mean and SD (``ddof=1``) of every standardised covariate in original units (``effort`` in
        trap-days, the site covariates in the rasters' units), to scale rasters and new data the
        same way (:func:`predict_raster`, :func:`response_curve`).
    stations : pandas.DataFrame
        Per station: ``x``, ``y`` (m) and the covariates in original units.
    effort : pandas.DataFrame
        Trap-days per station and occasion (original units).
    buffer_m : float
        Radius (m) the station covariates were averaged over; pass it to :func:`predict_raster`.
    history : nbtools.indices.DetectionHistory
        The detection history the data came from (records not counted, occasion start dates).
    settings : dict
        The arguments that made the data.
    notes : tuple of str
        What was dropped or flagged.
    """

    species: str
    y: pd.DataFrame
    site_covs: pd.DataFrame
    obs_covs: dict[str, pd.DataFrame]
    means: pd.Series
    sds: pd.Series
    stations: pd.DataFrame
    effort: pd.DataFrame
    buffer_m: float
    history: Any = field(repr=False)
    settings: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __iter__(self):
        return iter((self.y, self.site_covs, self.obs_covs))

    @property
    def standardisation(self) -> tuple[pd.Series, pd.Series]:
        """``(means, sds)`` of the site covariates, for :func:`predict_raster` and :func:`response_curve`."""
        return self.means, self.sds

    @property
    def covariates(self) -> list[str]:
        """Names of the station covariates."""
        return list(self.site_covs.columns)

    @property
    def naive_occupancy(self) -> float:
        """Share of surveyed stations with at least one detection."""
        surveyed = self.y.notna().any(axis=1)
        return float((self.y[surveyed].max(axis=1) > 0).mean())

    def response_curve(
        self,
        fit: OccupancyFit,
        covariate: str,
        n: int = 101,
        type: Literal["state", "det"] = "state",
        level: float = 0.95,
    ) -> pd.DataFrame:
        """:func:`response_curve` over the range of ``covariate`` at the stations (``n`` values).

        ``effort`` (a detection covariate) spans the range of the trap-days per occasion.
        """
        source = self.effort.stack() if covariate == "effort" else self.stations.get(covariate)
        if source is None:
            raise OccupancyDataError(
                f"no covariate {covariate!r}; these data have {show_labels(self.covariates)} and 'effort'"
            )
        lo, hi = float(np.nanmin(source)), float(np.nanmax(source))
        return response_curve(fit, covariate, np.linspace(lo, hi, int(n)), self.standardisation, type=type, level=level)

    def __repr__(self) -> str:
        surveyed = int(self.y.notna().any(axis=1).sum())
        return (
            f"OccupancyData({self.species!r}: {self.y.shape[0]} stations ({surveyed} surveyed) x "
            f"{self.y.shape[1]} occasions of {self.settings.get('occasion_length')} days, "
            f"{int(np.nansum(self.y.to_numpy()))} detections, naive occupancy {self.naive_occupancy:.3f}; "
            f"covariates {', '.join(self.covariates) or 'none'} (mean within {self.buffer_m:g} m, standardised) "
            f"and effort)"
        )


def occupancy_data(
    study: Any,
    species: str,
    occasion_length: int = 7,
    covariates: Sequence[str] = DEFAULT_COVARIATES,
    buffer_m: float = 500.0,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    locations: Sequence[str] | None = None,
    threshold: Any = "30min",
    day1: Any = "survey",
    min_active_days: float | None = None,
    habitat: Any = None,
) -> OccupancyData:
    """Detection history, effort and standardised habitat covariates of one species from a study.

    The steps a camtrapR + unmarked user takes (``recordTable`` -> ``cameraOperation`` ->
    ``detectionHistory(includeEffort = TRUE, scaleEffort = TRUE)`` -> ``extract`` of rasters at the
    stations -> ``scale`` -> ``unmarkedFrameOccu``), in one call.

    Parameters
    ----------
    study : nbtools.study.Study
        The study (deployments with ``x``/``y`` in metres, observations, habitat rasters).
    species : str
        ``scientificName`` of the species.
    occasion_length : int, default 7
        Days per occasion.
    covariates : sequence of str
        Habitat rasters to sample at the stations (default :data:`DEFAULT_COVARIATES`: forest
        cover, elevation, distance to road, prey index).
    buffer_m : float, default 500
        Radius (m) of the disc around each station over which the rasters are averaged: a camera
        on a trail samples the animals using its surroundings, not one 250 m cell.
    start, end : date-like, optional
        The season: keep ``[start, end)`` (local dates; :meth:`Study.subset <nbtools.study.Study.subset>`). Occupancy assumes the
        state does not change within the season, so a season is usually a few months, not a year.
    locations : sequence of str, optional
        Stations to keep (default all). Stations without a camera in the season get a row of NaN.
    threshold : str or Timedelta, default "30min"
        Independence threshold of :func:`nbtools.events.independent_events`.
    day1 : {"survey", "station"} or date, default "survey"
        Start of occasion 1 (:func:`nbtools.indices.detection_history`).
    min_active_days : float, optional
        Occasions with fewer trap-days are NaN (camtrapR's ``minActiveDaysPerOccasion``).
    habitat : xarray.Dataset, optional
        Rasters to sample (default ``study.habitat``).

    Returns
    -------
    OccupancyData
        ``y``, ``site_covs`` (standardised), ``obs_covs`` (``{"effort": ...}``, standardised), the
        ``means`` and ``sds`` that scaled them, ``stations`` (positions and raw covariates),
        ``effort`` (trap-days), ``history``. Unpacks as ``y, site_covs, obs_covs``.

    Raises
    ------
    OccupancyDataError
        No habitat rasters, an unknown species or covariate, a species never recorded in the season.

    Notes
    -----
    * Events: independent events per station (``threshold``), cameras of a station pooled. The
      observation level (people's event-level records or the machine's media-level ones) is chosen
      per deployment on all species (:func:`nbtools.events.select_records`), then the species kept.
    * ``y`` is 1 when the species had an event in the occasion, NaN where the station's cameras
      worked on none of its days (camtrapR's ``detectionHistory``); effort is the sum of the daily
      operation (0-1 per day) over the occasion.
    * Covariates are sampled at the mean position of each station's deployments and standardised
      over the stations of ``y``; effort over the surveyed station-occasions (camtrapR's
      ``scaleEffort``). A station whose covariate is NaN (off the rasters) is kept with a warning;
      :func:`occu` then names it.

    References
    ----------
    Niedballa, J. et al. (2016) *Methods in Ecology and Evolution* 7, 1457-1462.
    https://doi.org/10.1111/2041-210X.12600
    MacKenzie, D. I. et al. (2002) *Ecology* 83, 2248-2255.
    https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2
    """
    habitat = habitat if habitat is not None else getattr(study, "habitat", None)
    covariates = list(covariates)
    _check_request(study, species, covariates, habitat)
    notes: list[str] = []
    season = study.subset(start=start, end=end)
    deployments = _season_deployments(study, season, locations)
    if deployments.empty:
        raise OccupancyDataError(f"no camera worked between {start} and {end} at the stations asked for")
    records = _species_records(season, deployments, species, start, end)
    history = _detection_history(
        records, deployments, study, species, threshold, occasion_length, day1, min_active_days
    )
    y = history.detections.copy()
    effort = history.effort.copy()
    y.index = y.index.astype(str)
    effort.index = effort.index.astype(str)
    y.index.name = effort.index.name = "locationID"
    if locations is not None:
        locations = [str(loc) for loc in locations]
        absent = [loc for loc in locations if loc not in y.index]
        if absent:
            notes.append(f"{len(absent)} station(s) had no camera in the season (rows of NaN): {show_labels(absent)}")
            warn_user(notes[-1])
        y, effort = y.reindex(locations), effort.reindex(locations)

    stations = station_covariates(study.deployments, habitat, covariates, buffer_m).reindex(y.index)
    off = stations[covariates].isna().any(axis=1)
    if off.any():
        notes.append(
            f"{int(off.sum())} station(s) have no covariate value (off the rasters): {show_labels(list(stations.index[off]))}"
        )
        warn_user(notes[-1])
    scaled, means, sds, effort_scaled = _standardised_covariates(stations, covariates, effort)
    return OccupancyData(
        species=species,
        y=y,
        site_covs=scaled,
        obs_covs={"effort": effort_scaled},
        means=means,
        sds=sds,
        stations=stations,
        effort=effort,
        buffer_m=float(buffer_m),
        history=history,
        settings={
            "occasion_length": int(occasion_length),
            "covariates": tuple(covariates),
            "buffer_m": float(buffer_m),
            "start": start,
            "end": end,
            "locations": None if locations is None else tuple(locations),
            "threshold": threshold,
            "day1": day1,
            "min_active_days": min_active_days,
        },
        notes=tuple(notes),
    )


def _check_request(study: Any, species: str, covariates: Sequence[str], habitat: Any) -> None:
    """Habitat rasters present, covariates listed once and among them, the species observed in the study."""
    if habitat is None:
        raise OccupancyDataError("the study has no habitat rasters; pass habitat=<xarray.Dataset>")
    if len(set(covariates)) != len(covariates):
        raise OccupancyDataError(f"covariates are listed twice: {show_labels(covariates)}")
    if "effort" in covariates:
        raise OccupancyDataError("'effort' is the observation covariate these data always carry; rename the raster")
    absent = [c for c in covariates if c not in habitat.data_vars]
    if absent:
        raise OccupancyDataError(
            f"the habitat rasters have no {show_labels(absent)}; they hold {show_labels(list(map(str, habitat.data_vars)))}"
        )
    observed = set(study.observations["scientificName"].dropna().astype(str))
    if species not in observed:
        raise OccupancyDataError(
            f"no observation of {species!r} in the study; species seen: {show_labels(sorted(observed))}"
        )


def _season_deployments(study: Any, season: Any, locations: Sequence[str] | None) -> pd.DataFrame:
    """The deployments of the season, at ``locations`` if given (each of which must have a deployment)."""
    deployments = season.deployments
    if locations is not None:
        locations = [str(loc) for loc in locations]
        unknown = sorted(set(locations) - set(study.deployments["locationID"].astype(str)))
        if unknown:
            raise OccupancyDataError(f"no deployment at location(s) {show_labels(unknown)}")
        deployments = deployments[deployments["locationID"].astype(str).isin(locations)]
    return deployments


def _species_records(season: Any, deployments: pd.DataFrame, species: str, start: Any, end: Any) -> pd.DataFrame:
    """The records of ``species`` at these deployments, the observation level chosen on all species first."""
    from ..events import select_records

    # choose the observation level per deployment on all species before keeping one species: a
    # deployment with people's event-level records must not fall back to the machine's media-level
    # guesses just because the people never recorded this species there
    records = select_records(season.observations)
    records = records[
        records["deploymentID"].isin(deployments["deploymentID"]).to_numpy()
        & (records["scientificName"].astype("object") == species).to_numpy()
    ]
    if records.empty:
        raise OccupancyDataError(
            f"{species!r} was not recorded between {start or 'the start'} and {end or 'the end'} at these stations, "
            "so there is no detection history to build: every station would be all zeros, which says nothing "
            "about occupancy or detection (occu on an all-zero y returns psi and p flagged on the boundary at 0)"
        )
    return records


def _detection_history(
    records: pd.DataFrame,
    deployments: pd.DataFrame,
    study: Any,
    species: str,
    threshold: Any,
    occasion_length: int,
    day1: Any,
    min_active_days: float | None,
) -> Any:
    """Independent events, camera operation and the detection history with effort (camtrapR's steps)."""
    from ..effort import camera_operation
    from ..events import independent_events
    from ..indices import detection_history

    events = independent_events(records, threshold=threshold, deployments=deployments)
    operation = camera_operation(deployments, timezone=study.timezone)
    return detection_history(
        events, operation, species, occasion_length=occasion_length, day1=day1, min_active_days=min_active_days
    )


def _standardised_covariates(
    stations: pd.DataFrame, covariates: Sequence[str], effort: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.DataFrame]:
    """Station covariates scaled over the stations and effort over the station-occasions, with the means and SDs."""
    if covariates:
        scaled, means, sds = standardise(stations[list(covariates)])
    else:
        scaled, means, sds = stations[[]], pd.Series(dtype=float), pd.Series(dtype=float)
    effort_long = pd.DataFrame({"effort": effort.to_numpy().reshape(-1)})
    _, e_mean, e_sd = standardise(effort_long)
    effort_scaled = (effort - e_mean["effort"]) / e_sd["effort"]
    means = pd.concat([means, e_mean]).rename("mean")
    sds = pd.concat([sds, e_sd]).rename("sd")
    return scaled, means, sds, effort_scaled
