"""The random encounter model's data from a study: contacts, camera-days, radii, angles, speeds, times.

One species at a time, per camera location (the unit of the bootstrap). Everything comes from Camtrap DP
1.0 tables as :class:`nbtools.study.Study` holds them:

* contacts: independent events (:func:`nbtools.events.independent_events`, per deployment), or
  sequences, or animals on records (camtrapDensity's ``get_traprate_data``: the sum of ``count``);
* camera time: camera-days per deployment (set-up to retrieval, :func:`nbtools.effort.camera_operation`
  by deployment), summed per location, so two cameras at one place count twice, as their contacts do;
* radii (m), angles and speeds (m/s): Camtrap DP 1.0's ``individualPositionRadius``,
  ``individualPositionAngle`` and ``individualSpeed`` of the species' observations;
* times of the contacts for the activity level (see :mod:`nbtools.rem.times`).

Angles: Camtrap DP 1.0 defines ``individualPositionAngle`` in degrees, but Agouti, which writes nearly
all such data, writes radians in both its 0.1.6 and its 1.0 exports, and the reader passes them on
unchanged. The REM functions therefore take an explicit ``angle_unit`` (default ``"rad"``, Agouti's
practice) and warn when the values look like the other unit.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..activity import sun_time, time_of_day
from ..effort import camera_operation, trap_nights
from ..events import independent_events
from ..study import Study, species_records
from .times import average_anchored_time

__all__ = ["REMData", "as_radians", "rem_data"]

Contacts = Literal["events", "sequences", "individuals"]
ActivityTime = Literal["clock", "sun", "average_anchored"]


def as_radians(angles: Any, angle_unit: Literal["rad", "deg"] = "rad") -> np.ndarray:
    """Angles from the camera's axis in radians, from radians or degrees, with a check of the unit.

    Parameters
    ----------
    angles : array
        Angles of animals from the camera's axis (signed: left negative).
    angle_unit : {"rad", "deg"}, default "rad"
        The unit the values are written in. Agouti writes radians although Camtrap DP 1.0 says
        degrees, hence the default.

    Returns
    -------
    numpy.ndarray
        Radians.

    Notes
    -----
    A camera's field of view is well under 180 degrees, so angles from its axis are within
    +-pi/2 rad. With ``"rad"``, values beyond pi/2 are almost surely degrees (warned); with ``"deg"``,
    values all within +-pi/2 (< 1.6 degrees from the axis) are almost surely radians (warned).

    Examples
    --------
    >>> as_radians([30.0, -15.0], "deg").round(4).tolist()
    [0.5236, -0.2618]
    """
    if angle_unit not in ("rad", "deg"):
        raise ValueError(f"angle_unit must be 'rad' or 'deg', got {angle_unit!r}")
    a = np.asarray(angles, dtype=float)
    finite = a[np.isfinite(a)]
    if angle_unit == "rad":
        if finite.size and np.abs(finite).max() > math.pi / 2:
            warnings.warn(
                f"angles up to {np.abs(finite).max():.3g} were given as radians, but a camera sees less than "
                "+-pi/2 rad from its axis: are they degrees (Camtrap DP 1.0's unit)? Pass angle_unit='deg'",
                stacklevel=2,
            )
        return a
    if finite.size >= 3 and np.abs(finite).max() <= math.pi / 2:
        warnings.warn(
            "angles were given as degrees but are all within +-1.58 degrees of the camera's axis: are they "
            "radians, as Agouti writes them? Pass angle_unit='rad'",
            stacklevel=2,
        )
    return np.deg2rad(a)


@dataclass(frozen=True, eq=False)
class REMData:
    """What the random encounter model needs for one species.

    Attributes
    ----------
    species : str
    contacts : pandas.DataFrame
        Per ``locationID``: ``contacts``, ``camera_days`` (days) and ``n_deployments``; locations
        without contacts have 0.
    radii : pandas.DataFrame
        ``locationID``, ``deploymentID``, ``radius`` (m).
    angles : pandas.DataFrame
        ``locationID``, ``deploymentID``, ``angle`` (rad, signed).
    speeds : pandas.DataFrame
        ``locationID``, ``deploymentID``, ``speed`` (m/s).
    times : pandas.DataFrame
        ``locationID`` and ``time`` (rad) of each contact (or record) for the activity level.
    settings : dict
        How contacts and times were made.
    """

    species: str
    contacts: pd.DataFrame
    radii: pd.DataFrame = field(repr=False)
    angles: pd.DataFrame = field(repr=False)
    speeds: pd.DataFrame = field(repr=False)
    times: pd.DataFrame = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_contacts(self) -> float:
        """Contacts over all locations."""
        return float(self.contacts["contacts"].sum())

    @property
    def camera_days(self) -> float:
        """Camera-days over all locations."""
        return float(self.contacts["camera_days"].sum())

    def subset(self, locations: Any) -> REMData:
        """The data of these locations, repeated as often as listed (a bootstrap resample)."""
        order = pd.Index(list(locations))

        def take(table: pd.DataFrame) -> pd.DataFrame:
            if table.empty:
                return table
            groups = table.groupby("locationID", sort=False, observed=True).indices
            rows = [groups[loc] for loc in order if loc in groups]
            if not rows:
                return table.iloc[:0]
            return table.iloc[np.concatenate(rows)]

        contacts = self.contacts.set_index("locationID").loc[order].reset_index()
        return REMData(
            self.species,
            contacts,
            take(self.radii),
            take(self.angles),
            take(self.speeds),
            take(self.times),
            dict(self.settings),
        )


def _locations(study: Study) -> pd.Series:
    return study.deployments.set_index("deploymentID")["locationID"].astype(object)


def _camera_days(study: Study) -> pd.DataFrame:
    operation = camera_operation(study.deployments, by="deploymentID", timezone=study.timezone)
    days = trap_nights(operation).rename("camera_days").rename_axis("deploymentID").reset_index()
    days["deploymentID"] = days["deploymentID"].astype(object)
    days["locationID"] = days["deploymentID"].map(_locations(study))
    return days


def _times(stamps: pd.Series, deployment: pd.Series, study: Study, activity_time: ActivityTime) -> np.ndarray:
    if len(stamps) == 0:
        return np.zeros(0)
    if activity_time == "clock":
        return np.asarray(time_of_day(stamps, study.timezone), dtype=float)
    dep = study.deployments.set_index("deploymentID")
    lat = deployment.map(dep["latitude"]).to_numpy(dtype=float)
    lon = deployment.map(dep["longitude"]).to_numpy(dtype=float)
    if activity_time == "sun":
        clock = np.asarray(time_of_day(stamps, study.timezone), dtype=float)
        return sun_time(clock, pd.Series(stamps).dt.tz_convert(study.timezone), lat, lon)
    return average_anchored_time(pd.Series(stamps), lat, lon, offset_hours=0.0)


def rem_data(
    study: Study,
    species: str,
    contacts: Contacts = "events",
    threshold: str | pd.Timedelta = "30min",
    activity_time: ActivityTime = "clock",
    angle_unit: Literal["rad", "deg"] = "rad",
    times_per: Literal["contact", "sequence"] = "contact",
) -> REMData:
    """Collect the REM's inputs for one species from a study (camtrapDensity's ``get_traprate_data`` and more).

    Parameters
    ----------
    study : Study
        The study (:meth:`nbtools.study.Study.from_camtrapdp`).
    species : str
        ``scientificName``.
    contacts : {"events", "sequences", "individuals"}, default "events"
        What a contact is: an independent event (:func:`nbtools.events.independent_events` with
        ``threshold``, per deployment), a sequence (each ``eventID`` once), or each animal on each
        record (the sum of ``count`` over the species' observations, camtrapDensity's convention).
    threshold : str or Timedelta, default "30min"
        Independence threshold for ``contacts="events"``.
    activity_time : {"clock", "sun", "average_anchored"}, default "clock"
        Times of the contacts for the activity level: local clock time, sun time by double
        anchoring (``overlap::sunTime``), or camtrapDensity's average-anchored sun time (UTC clock,
        :func:`nbtools.rem.average_anchored_time`). With ``contacts="individuals"`` a record of
        ``count`` animals gives ``count`` times, as camtrapDensity's ``fit_actmodel``.
    angle_unit : {"rad", "deg"}, default "rad"
        Unit of ``individualPositionAngle`` in the package (see :func:`as_radians`).
    times_per : {"contact", "sequence"}, default "contact"
        One time per contact (as camtrapDensity) or one per sequence (each ``eventID`` once) for the
        activity level. For animals in groups with ``contacts="individuals"``, ``"sequence"`` avoids
        counting a group's animals as independent records of activity, which makes the activity
        kernel spiky and the activity level too low.

    Returns
    -------
    REMData
    """
    if contacts not in ("events", "sequences", "individuals"):
        raise ValueError(f"contacts must be 'events', 'sequences' or 'individuals', got {contacts!r}")
    if activity_time not in ("clock", "sun", "average_anchored"):
        raise ValueError(f"activity_time must be 'clock', 'sun' or 'average_anchored', got {activity_time!r}")
    locations = _locations(study)
    records = species_records(study.observations)
    if "observationType" in records.columns:
        records = records[records["observationType"].astype(object) == "animal"]
    records = records[records["scientificName"].astype(object) == species]
    if records.empty:
        raise ValueError(f"no observations of {species!r} in the study")
    deployment = records["deploymentID"].astype(object)

    if contacts == "events":
        events = independent_events(
            study.observations, threshold=threshold, by="deploymentID", deployments=study.deployments
        )
        events = events[events["scientificName"].astype(object) == species]
        dep = events["deploymentID"].astype(object)
        counts = dep.value_counts()
        stamps, stamp_dep = events["eventStart"], dep
    elif contacts == "sequences":
        first = records.drop_duplicates(["deploymentID", "eventID"])
        counts = first["deploymentID"].astype(object).value_counts()
        stamps, stamp_dep = first["eventStart"], first["deploymentID"].astype(object)
    else:
        raw = records["count"] if "count" in records.columns else pd.Series(1, index=records.index)
        animals = pd.to_numeric(raw, errors="coerce").fillna(1).astype(int).clip(lower=0)
        counts = animals.groupby(deployment).sum()
        repeated = records.loc[records.index.repeat(animals.to_numpy())]
        stamps, stamp_dep = repeated["eventStart"], repeated["deploymentID"].astype(object)

    if times_per == "sequence" and contacts != "sequences":
        first = records.drop_duplicates(["deploymentID", "eventID"])
        stamps, stamp_dep = first["eventStart"], first["deploymentID"].astype(object)
    elif times_per not in ("contact", "sequence"):
        raise ValueError(f"times_per must be 'contact' or 'sequence', got {times_per!r}")
    days = _camera_days(study)
    days["contacts"] = days["deploymentID"].map(counts).fillna(0).astype(float)
    table = (
        days.groupby("locationID", sort=True)
        .agg(contacts=("contacts", "sum"), camera_days=("camera_days", "sum"), n_deployments=("deploymentID", "size"))
        .reset_index()
    )
    unknown = set(counts.index) - set(days["deploymentID"])
    if unknown:
        raise ValueError(f"contacts at deployments not in the deployments table: {sorted(unknown)[:3]}")

    def measured(column: str, name: str, convert=None) -> pd.DataFrame:
        if column not in records.columns:
            return pd.DataFrame({"locationID": [], "deploymentID": [], name: []})
        values = pd.to_numeric(records[column], errors="coerce")
        keep = values.notna()
        vals = values[keep].to_numpy(dtype=float)
        if convert is not None:
            vals = convert(vals)
        dep_ids = deployment[keep]
        return pd.DataFrame(
            {"locationID": dep_ids.map(locations).to_numpy(), "deploymentID": dep_ids.to_numpy(), name: vals}
        )

    radii = measured("individualPositionRadius", "radius")
    angles = measured("individualPositionAngle", "angle", lambda a: as_radians(a, angle_unit))
    speeds = measured("individualSpeed", "speed")
    times = pd.DataFrame(
        {"locationID": stamp_dep.map(locations).to_numpy(), "time": _times(stamps, stamp_dep, study, activity_time)}
    )
    settings = {
        "contacts": contacts,
        "threshold": str(threshold) if contacts == "events" else None,
        "activity_time": activity_time,
        "angle_unit": angle_unit,
        "times_per": times_per,
        "timezone": study.timezone,
    }
    return REMData(
        species,
        table,
        radii.reset_index(drop=True),
        angles.reset_index(drop=True),
        speeds.reset_index(drop=True),
        times,
        settings,
    )
