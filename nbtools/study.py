"""A camera-trap study: Camtrap DP tables with projected coordinates, habitat and time zone.

:class:`Study` is a thin holder over the tables that every analysis takes: it
adds ``x``/``y`` in metres in the study's projected CRS to the deployments,
knows the study's time zone (for time of day) and, when available, its habitat
rasters and boundary. ``subset`` narrows it by species, dates or area.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .camtrapdp import CamtrapDP, ValidationReport, read_camtrapdp

# table filtering moved down to the readers layer (issue #19); still exported from here under the old names
from .camtrapdp.select import TIME_COLUMN, filter_table, select_records, to_timestamp
from .timezones import choose_timezone

if TYPE_CHECKING:
    import xarray as xr
    from shapely.geometry.base import BaseGeometry

__all__ = ["TIME_COLUMN", "Study", "filter_table", "project", "species_records", "to_timestamp", "utm_crs"]


def species_records(observations: pd.DataFrame) -> pd.DataFrame:
    """Observations without the media-level rows that their deployment's event-level rows supersede.

    :func:`nbtools.camtrapdp.select.select_records` (``observation_level="auto"``) counts only the event-level rows of a
    deployment that has any, and decides from the rows it is given. Cut to one species first, a deployment
    can look media-only, and machine labels that the people's event-level rows overrule would count (in the
    default study, 2,023 leopard events instead of 1,974). Cut this table instead: the choice is made on
    the whole one. Rows of every observation type are kept.

    Parameters
    ----------
    observations : pandas.DataFrame
        Camtrap DP observations of all species.

    Returns
    -------
    pandas.DataFrame
        The rows kept (same columns and index).
    """
    if not {"observationLevel", "deploymentID"} <= set(observations.columns):
        return observations
    return select_records(observations, observation_level="auto", observation_type=None)


def utm_crs(longitude: float, latitude: float) -> str:
    """The EPSG code of the WGS84 UTM zone containing a point (``EPSG:32652`` for 131.5 E, 43.3 N)."""
    zone = int((longitude + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if latitude >= 0 else 32700 + zone}"


def project(longitude: pd.Series, latitude: pd.Series, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitude and latitude (degrees) to ``crs`` (metres)."""
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(np.asarray(longitude, dtype=float), np.asarray(latitude, dtype=float))
    return np.asarray(x), np.asarray(y)


@dataclass(frozen=True)
class Study:
    """A camera-trap study ready for analysis.

    Attributes
    ----------
    deployments : pandas.DataFrame
        Camtrap DP deployments plus ``x`` and ``y`` (metres, in ``crs``).
    media, observations : pandas.DataFrame
        Camtrap DP media and observations.
    crs : str
        Projected CRS of ``x``/``y`` (for example ``EPSG:32652``, UTM 52N).
    timezone : str
        Time zone of the cameras' clocks, for time of day: an IANA name
        (``Asia/Vladivostok``) or a fixed offset (``+02:00``).
    individuals : pandas.DataFrame or None
        Known individuals, when the package has an ``individuals`` resource.
    habitat : xarray.Dataset or None
        Habitat rasters on the study's grid.
    boundary : shapely geometry or None
        The study area's boundary, in ``crs``.
    metadata : dict
        The package metadata.
    report : ValidationReport
        What validation found when the package was read.
    timezone_reason : str
        Why ``timezone`` was chosen (given, stated, or where the cameras stand).
    offsets : pandas.DataFrame or None
        The UTC offsets the timestamps were written with, per deployment and
        file (:func:`nbtools.camtrapdp.offsets.written_offsets`), when read
        from a package; :func:`nbtools.quality.check_deployments` reports
        offsets that disagree as clock faults.
    """

    deployments: pd.DataFrame
    media: pd.DataFrame
    observations: pd.DataFrame
    crs: str
    timezone: str
    individuals: pd.DataFrame | None = None
    habitat: xr.Dataset | None = None
    boundary: BaseGeometry | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)
    timezone_reason: str = ""
    offsets: pd.DataFrame | None = None

    @classmethod
    def from_camtrapdp(
        cls,
        package: str | Path | CamtrapDP,
        crs: str | None = None,
        timezone: str | None = None,
        habitat: xr.Dataset | None = None,
        boundary: BaseGeometry | None = None,
        validate: bool = True,
    ) -> Study:
        """A study from a Camtrap DP package (a folder or an already read package).

        Parameters
        ----------
        package : str, pathlib.Path or CamtrapDP
            The package.
        crs : str, optional
            Projected CRS for ``x``/``y``; by default the UTM zone of the
            deployments' mean position.
        timezone : str, optional
            The cameras' time zone (IANA name or fixed offset); by default the
            zone the package states, else the IANA zone where the deployments
            stand (:func:`nbtools.timezones.choose_timezone`). Timestamps
            written in UTC (``Z``, as Agouti writes them) say nothing of local
            time, so the offsets written are never taken for the zone when the
            coordinates give one.
        habitat, boundary : optional
            Habitat rasters and the boundary (in ``crs``).
        validate : bool, default True
            Passed to :func:`~nbtools.camtrapdp.read_camtrapdp`.
        """
        if not isinstance(package, CamtrapDP):
            pkg = read_camtrapdp(package, validate=validate, timezone=timezone)
            choice = pkg.timezone_choice
        elif pkg_choice := (None if timezone else package.timezone_choice):
            pkg, choice = package, pkg_choice
        else:  # built in memory, or a zone given now
            pkg = package
            choice = choose_timezone(
                pkg.deployments, given=timezone, stated=pkg.timezone, written_offset=pkg.utc_offset
            )
        return cls.from_tables(
            pkg.deployments,
            pkg.media,
            pkg.observations,
            crs=crs,
            timezone=choice.zone,
            timezone_reason=choice.reason,
            offsets=pkg.offsets,
            individuals=pkg.individuals,
            habitat=habitat,
            boundary=boundary,
            metadata=pkg.metadata,
            report=pkg.report,
        )

    @classmethod
    def from_tables(
        cls,
        deployments: pd.DataFrame,
        media: pd.DataFrame,
        observations: pd.DataFrame,
        crs: str | None = None,
        timezone: str = "UTC",
        **others: Any,
    ) -> Study:
        """A study from Camtrap DP tables; ``x``/``y`` are added to the deployments.

        ``crs`` defaults to the UTM zone of the deployments' mean position;
        ``others`` are the remaining attributes (individuals, habitat, ...).
        """
        deployments = deployments.copy()
        if crs is None:
            crs = utm_crs(float(deployments["longitude"].mean()), float(deployments["latitude"].mean()))
        deployments["x"], deployments["y"] = project(deployments["longitude"], deployments["latitude"], crs)
        return cls(
            deployments=deployments, media=media, observations=observations, crs=crs, timezone=timezone, **others
        )

    @classmethod
    def from_catalog(cls, catalog: Any) -> Study:
        """A study from one of the project's Intake catalogs.

        Reads the entries ``deployments``, ``media``, ``observations`` and, when
        present, ``individuals``, ``habitat`` and ``boundary``; the catalog's
        metadata gives ``crs`` and ``timezone``. Camtrap DP packages are read
        through the read cache (:mod:`nbtools.camtrapdp.cache`), as
        :func:`~nbtools.camtrapdp.read_camtrapdp` reads them: the default
        study opens in well under a second once cached.
        """
        names = set(catalog.aliases)
        meta = catalog.metadata
        crs = meta.get("crs")
        optional = {}
        if "individuals" in names:
            optional["individuals"] = catalog["individuals"].read()
        if "habitat" in names:
            optional["habitat"] = catalog["habitat"].read()
        if "boundary" in names:
            optional["boundary"] = catalog["boundary"](crs=crs).read() if crs else catalog["boundary"].read()
        return cls.from_tables(
            catalog["deployments"].read(),
            catalog["media"].read(),
            catalog["observations"].read(),
            crs=crs,
            timezone=meta.get("timezone", "UTC"),
            timezone_reason=(
                f"time zone {meta['timezone']}: stated by the catalog"
                if meta.get("timezone")
                else "time zone UTC: the catalog states none"
            ),
            metadata=dict(meta),
            **optional,
        )

    def subset(
        self,
        species: str | list[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        area: BaseGeometry | None = None,
    ) -> Study:
        """A smaller study: some species, a period, an area.

        Parameters
        ----------
        species : str or list of str, optional
            Keep observations of these scientific names (media and deployments
            stay: effort does not depend on what was seen). The rows kept are
            those :func:`species_records` keeps, so analyses of the subset
            count what they count on the whole study.
        start, end : optional
            Keep ``[start, end)`` (naive values in the study's time zone).
            Deployments are clipped to the period, so effort counts only the
            days inside it.
        area : shapely geometry, optional
            Keep deployments whose ``x``/``y`` lie inside (in ``crs``), and
            their media and observations.
        """
        zone = self.timezone
        deployments = filter_table(self.deployments, "deployments", start=start, end=end, timezone=zone).copy()
        first, last = to_timestamp(start, zone), to_timestamp(end, zone)
        if first is not None:
            deployments["deploymentStart"] = deployments["deploymentStart"].clip(lower=first)
        if last is not None:
            deployments["deploymentEnd"] = deployments["deploymentEnd"].clip(upper=last)
        if area is not None:
            from shapely import contains_xy

            deployments = deployments[contains_xy(area, deployments["x"].to_numpy(), deployments["y"].to_numpy())]
        kept = set(deployments["deploymentID"])
        media = filter_table(self.media, "media", start=start, end=end, timezone=zone)
        observations = filter_table(
            species_records(self.observations) if species not in (None, "", "all") else self.observations,
            "observations",
            species=species,
            start=start,
            end=end,
            timezone=zone,
        )
        return replace(
            self,
            deployments=deployments,
            media=media[media["deploymentID"].isin(kept)],
            observations=observations[observations["deploymentID"].isin(kept)],
        )

    @property
    def species(self) -> list[str]:
        """Scientific names observed, most frequent first."""
        return self.observations["scientificName"].value_counts().index.tolist()

    def __repr__(self) -> str:
        return (
            f"<Study {self.metadata.get('title', 'untitled')!r}: {len(self.deployments)} deployments, "
            f"{self.deployments['locationID'].nunique()} locations, {len(self.media)} media, "
            f"{len(self.observations)} observations, {len(self.species)} species; crs {self.crs}, "
            f"{self.timezone_reason or f'time zone {self.timezone}'}>"
        )
