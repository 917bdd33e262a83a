"""The survey report: :class:`SurveyReport`, :func:`survey_report` (camtrapR's ``surveyReport``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..effort import operation_settings, trap_nights
from .stations import as_object, station_positions, time_column


@dataclass(frozen=True)
class SurveyReport:
    """The five tables of camtrapR's ``surveyReport``.

    Attributes
    ----------
    survey_dates : DataFrame
        Per station: set-up, retrieval, first and last event, number of cameras (deployments), calendar
        days with a camera deployed / working / broken, trap-nights.
    species_by_station : DataFrame
        Number of species per station.
    events_by_species : DataFrame
        Per species: events, stations, RAI (events per 100 trap-nights) and identified individuals.
    events_by_station : DataFrame
        Events per station and species (only combinations with events).
    events_by_station2 : DataFrame
        Events per station and species, all combinations (zeros included).
    """

    survey_dates: pd.DataFrame
    species_by_station: pd.DataFrame
    events_by_species: pd.DataFrame
    events_by_station: pd.DataFrame
    events_by_station2: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The per-species table (``events_by_species``)."""
        return self.events_by_species

    def __repr__(self) -> str:
        sd = self.survey_dates
        return (
            f"SurveyReport({len(sd)} stations, {sd['n_trap_nights'].sum():.1f} trap-nights, "
            f"{len(self.events_by_species)} species, {int(self.events_by_species['n_events'].sum())} events)"
        )


def survey_report(
    events: pd.DataFrame, operation: pd.DataFrame, deployments: pd.DataFrame | None = None
) -> SurveyReport:
    """Survey summary as camtrapR's ``surveyReport``: effort per station, events per species.

    Parameters
    ----------
    events : DataFrame
        Independent events (:func:`nbtools.events.independent_events`); camtrapR's report counts the
        rows of its record table, i.e. events at the threshold the table was made with.
    operation : DataFrame
        Camera-operation matrix by station (:func:`nbtools.effort.camera_operation`).
    deployments : DataFrame, optional
        Camtrap DP deployments for set-up/retrieval times and the number of cameras per station
        (without them the first and last day of operation are used and cameras are <NA>).

    Returns
    -------
    SurveyReport

    References
    ----------
    Niedballa, J. et al. (2016) *Methods in Ecology and Evolution* 7, 1457-1462.
    https://doi.org/10.1111/2041-210X.12600
    """
    station_col = operation_settings(operation)["by"]
    station_positions(events, operation, station_col)
    values = operation.to_numpy(dtype=float)
    tcol = time_column(events)
    ev = as_object(events, station_col)

    dates = pd.DataFrame(index=operation.index)
    known = ~np.isnan(values)
    if deployments is not None:
        if station_col not in deployments.columns:
            raise ValueError(f"deployments have no {station_col!r} column")
        grouped = deployments.groupby(deployments[station_col].astype("object"))
        dates["setup"] = grouped["deploymentStart"].min().reindex(operation.index)
        dates["retrieval"] = grouped["deploymentEnd"].max().reindex(operation.index)
        dates["n_cameras"] = grouped.size().reindex(operation.index).astype("Int64")
    else:
        has = known.any(axis=1)
        first = np.where(has, known.argmax(axis=1), 0)
        last = np.where(has, values.shape[1] - 1 - known[:, ::-1].argmax(axis=1), 0)
        dates["setup"] = np.where(has, operation.columns[first], pd.NaT)
        dates["retrieval"] = np.where(has, operation.columns[last], pd.NaT)
        dates["n_cameras"] = pd.array([pd.NA] * len(dates), dtype="Int64")
    by_station = ev.groupby(station_col)[tcol]
    dates["first_event"] = by_station.min().reindex(operation.index)
    dates["last_event"] = by_station.max().reindex(operation.index)
    dates["n_calendar_days_total"] = known.sum(axis=1)
    dates["n_calendar_days_active"] = (np.nan_to_num(values, nan=0.0) > 0).sum(axis=1)
    dates["n_calendar_days_inactive"] = (values == 0).sum(axis=1)
    dates["n_trap_nights"] = trap_nights(operation)
    dates = dates.reset_index()

    counts = ev.groupby([station_col, "scientificName"]).size().rename("n_events")
    events_by_station = counts.reset_index()
    species = sorted(events_by_station["scientificName"].unique(), key=str)
    grid = pd.MultiIndex.from_product([operation.index, species], names=[station_col, "scientificName"])
    events_by_station2 = counts.reindex(grid, fill_value=0).reset_index()
    species_by_station = events_by_station.groupby(station_col).size().reindex(operation.index, fill_value=0)
    species_by_station = species_by_station.rename("n_species").reset_index()
    total_tn = float(dates["n_trap_nights"].sum())
    by_species = events_by_station.groupby("scientificName").agg(
        n_events=("n_events", "sum"), n_stations=(station_col, "nunique")
    )
    by_species["rai"] = by_species["n_events"] / total_tn * 100 if total_tn > 0 else np.nan
    by_species["n_individuals"] = _individuals_per_species(ev).reindex(by_species.index, fill_value=0).astype("int64")
    return SurveyReport(
        survey_dates=dates,
        species_by_station=species_by_station,
        events_by_species=by_species.reset_index(),
        events_by_station=events_by_station,
        events_by_station2=events_by_station2,
    )


def _individuals_per_species(ev: pd.DataFrame) -> pd.Series:
    """Distinct identified individuals per species (from ``individualID`` or ``individualIDs`` lists)."""
    if "individualID" in ev.columns:
        ids = ev[["scientificName", "individualID"]].dropna()
    elif "individualIDs" in ev.columns:
        ids = ev[["scientificName", "individualIDs"]].dropna()
        ids = ids.assign(individualID=ids["individualIDs"].astype(str).str.split(", ")).explode("individualID")
    else:
        return pd.Series(dtype="int64")
    return ids.groupby("scientificName")["individualID"].nunique()
