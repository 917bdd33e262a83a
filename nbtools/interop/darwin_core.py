"""Darwin Core occurrences from a Camtrap DP package, for publishing to GBIF.

One occurrence per observation (by default the event-level observations of animals, as the
Camtrap DP to Darwin Core mapping of Reyserhove et al. 2023 and camtrapdp's ``write_dwc()``),
with the deployment's place and effort, the event's dates and the identification. Coordinates of
sensitive species can be generalised on export (Chapman 2020): rounded to a grid of the given
size in degrees, with the added uncertainty, ``coordinatePrecision``, ``dataGeneralizations`` and
the withheld location identifiers stated.

>>> from nbtools.interop import darwin_core_occurrences                      # doctest: +SKIP
>>> dwc = darwin_core_occurrences(study, sensitive={"Panthera pardus orientalis": 0.1})  # doctest: +SKIP

References
----------
Reyserhove, L., Norton, B., Desmet, P. et al. (2023) Best practices for managing and publishing
camera trap data. GBIF Secretariat, Copenhagen. https://doi.org/10.35035/doc-0qzp-2x37

Chapman, A. D. (2020) Current best practices for generalizing sensitive species occurrence data.
GBIF Secretariat, Copenhagen. https://doi.org/10.15468/doc-5jp4-5g10

Chapman, A. D. and Wieczorek, J. R. (2020) Georeferencing best practices. GBIF Secretariat,
Copenhagen. https://doi.org/10.15468/doc-gg7h-s853
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from ..camtrapdp.select import select_records
from ._common import InteropError, tables_of

__all__ = [
    "DWC_TERMS",
    "REQUIRED_TERMS",
    "darwin_core_occurrences",
    "generalise_coordinates",
    "great_circle_distance_m",
    "rounding_uncertainty_m",
    "write_darwin_core",
]

#: Columns of the occurrence table, in order (camtrapdp's ``write_dwc()`` plus informationWithheld).
DWC_TERMS = (
    "type",
    "license",
    "rightsHolder",
    "datasetID",
    "collectionCode",
    "datasetName",
    "basisOfRecord",
    "informationWithheld",
    "dataGeneralizations",
    "occurrenceID",
    "individualCount",
    "sex",
    "lifeStage",
    "behavior",
    "occurrenceStatus",
    "occurrenceRemarks",
    "organismID",
    "eventID",
    "parentEventID",
    "eventDate",
    "habitat",
    "samplingProtocol",
    "samplingEffort",
    "eventRemarks",
    "locationID",
    "locality",
    "minimumDepthInMeters",
    "maximumDepthInMeters",
    "minimumDistanceAboveSurfaceInMeters",
    "maximumDistanceAboveSurfaceInMeters",
    "decimalLatitude",
    "decimalLongitude",
    "geodeticDatum",
    "coordinateUncertaintyInMeters",
    "coordinatePrecision",
    "identifiedBy",
    "dateIdentified",
    "identificationVerificationStatus",
    "identificationRemarks",
    "taxonID",
    "scientificName",
    "kingdom",
)

#: Terms GBIF needs (or strongly recommends) for an occurrence; never empty in the output.
REQUIRED_TERMS = (
    "occurrenceID",
    "basisOfRecord",
    "eventDate",
    "scientificName",
    "kingdom",
    "decimalLatitude",
    "decimalLongitude",
    "geodeticDatum",
    "coordinateUncertaintyInMeters",
    "occurrenceStatus",
)

#: Terms emptied for generalised (sensitive) occurrences: they would lead back to the exact place.
WITHHELD_TERMS = (
    "locationID",
    "locality",
    "eventID",
    "parentEventID",
    "habitat",
    "samplingEffort",
    "eventRemarks",
    "minimumDistanceAboveSurfaceInMeters",
    "maximumDistanceAboveSurfaceInMeters",
    "minimumDepthInMeters",
    "maximumDepthInMeters",
)

_DC = "http://purl.org/dc/terms/"
_DWC = "http://rs.tdwg.org/dwc/terms/"
_DC_TERMS = {"type", "license", "rightsHolder"}

_FEATURES = {
    "roadPaved": "paved road",
    "roadDirt": "dirt road",
    "trailHiking": "hiking trail",
    "trailGame": "game trail",
    "roadUnderpass": "road underpass",
    "roadOverpass": "road overpass",
    "roadBridge": "road bridge",
    "culvert": "culvert",
    "burrow": "burrow",
    "nestSite": "nest site",
    "carcass": "carcass",
    "waterSource": "water source",
    "fruitingTree": "fruiting tree",
}

#: Uncertainty added by rounding to 1 degree (m): the diagonal of a 1 x 1 degree cell at the equator,
#: scaled to give Chapman & Wieczorek's (2020, table 3) 15,691 m, 1,570 m and 157 m for 0.1, 0.01 and
#: 0.001 degrees, the values camtrapdp's ``round_coordinates()`` uses.
_UNCERTAINTY_PER_DEGREE_M = 156_910


def rounding_uncertainty_m(precision: float) -> int:
    """Largest distance (m) between a place and its coordinates rounded to ``precision`` degrees.

    Examples
    --------
    >>> rounding_uncertainty_m(0.1), rounding_uncertainty_m(0.01), rounding_uncertainty_m(0.001)
    (15691, 1570, 157)
    """
    if not precision > 0:
        raise ValueError(f"precision must be > 0 degrees, got {precision}")
    return math.ceil(round(precision * _UNCERTAINTY_PER_DEGREE_M, 6))


def _decimals(precision: float) -> int:
    text = f"{precision:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def generalise_coordinates(latitude: Any, longitude: Any, precision: float) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates rounded to the nearest multiple of ``precision`` degrees.

    Examples
    --------
    >>> generalise_coordinates([42.70852], [130.86099], 0.1)
    (array([42.7]), array([130.9]))
    """
    if not precision > 0:
        raise ValueError(f"precision must be > 0 degrees, got {precision}")
    digits = _decimals(precision)
    lat = np.round(np.round(np.asarray(latitude, dtype=float) / precision) * precision, digits)
    lon = np.round(np.round(np.asarray(longitude, dtype=float) / precision) * precision, digits)
    return lat, lon


#: The Earth's mean radius (m), IUGG's R1 (Moritz 2000), for great-circle distances.
EARTH_RADIUS_M = 6_371_009


def great_circle_distance_m(latitude1: Any, longitude1: Any, latitude2: Any, longitude2: Any) -> np.ndarray:
    """Great-circle distance (m) between places, on a sphere of the Earth's mean radius (haversine formula).

    Used to check how far generalised coordinates moved a place from its exact one: within a cell of
    0.1 degree the sphere's error (under 0.5 %) is a few metres.

    Parameters
    ----------
    latitude1, longitude1, latitude2, longitude2 : array-like
        WGS84 coordinates in decimal degrees; broadcast against each other.

    Returns
    -------
    numpy.ndarray
        Distances in metres.

    Examples
    --------
    >>> great_circle_distance_m([0.0, 42.7], [0.0, 130.9], [1.0, 42.7], [0.0, 130.9]).round(1)
    array([111195.1,      0. ])
    """
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (latitude1, longitude1, latitude2, longitude2)
    )
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def _utc_text(values: pd.Series) -> pd.Series:
    out = values.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out.astype(object).where(values.notna(), None)


def _license(metadata: Mapping[str, Any]) -> str | None:
    for item in metadata.get("licenses") or []:
        if isinstance(item, dict) and item.get("scope") == "data":
            return item.get("name") or item.get("path")
    text = metadata.get("licence") or metadata.get("license")
    if isinstance(text, str) and text.strip():
        match = re.match(r"[A-Za-z0-9.+-]+", text.strip())
        return match.group(0) if match else text
    return None


def _rights_holder(metadata: Mapping[str, Any]) -> str | None:
    for item in metadata.get("contributors") or []:
        if isinstance(item, dict) and item.get("role") == "rightsHolder":
            return item.get("title")
    return None


def _taxon_ids(metadata: Mapping[str, Any]) -> dict[str, str]:
    ids = {}
    for item in metadata.get("taxonomic") or []:
        if isinstance(item, dict) and item.get("scientificName") and item.get("taxonID"):
            ids[item["scientificName"]] = item["taxonID"]
    return ids


def _event_remarks(rows: pd.DataFrame) -> pd.Series:
    """camtrapdp's wording: ``camera trap without bait near game trail | tags: ... | comment``."""
    bait = rows["baitUse"] if "baitUse" in rows.columns else pd.Series(pd.NA, index=rows.index)
    feature = rows["featureType"].astype(object) if "featureType" in rows.columns else pd.Series(None, index=rows.index)
    tags = rows["observationTags"] if "observationTags" in rows.columns else pd.Series(None, index=rows.index)
    comments = rows["deploymentComments"] if "deploymentComments" in rows.columns else pd.Series(None, index=rows.index)
    out = []
    for b, f, t, c in zip(bait.astype(object), feature, tags.astype(object), comments.astype(object)):
        known_feature = f is not None and not (isinstance(f, float) and np.isnan(f))
        if b is True:
            text = "camera trap with bait"
        elif b is False:
            text = "camera trap without bait"
        else:
            text = "camera trap" if known_feature else ""
        if known_feature:
            text += f" near {_FEATURES.get(str(f), str(f))}"
        if t is not None and not pd.isna(t):
            text += f" | tags: {t}"
        if c is not None and not pd.isna(c):
            text += f" | {c}"
        out.append(text or None)
    return pd.Series(out, index=rows.index, dtype=object)


def _identification_remarks(method: pd.Series, probability: pd.Series) -> pd.Series:
    out = []
    for m, p in zip(method.astype(object), probability.astype(float)):
        text = "classified" if m is None or pd.isna(m) else f"classified by a {m}"
        if not np.isnan(p):
            text += f" with {round(p * 100, 10):g}% certainty"
        out.append(text)
    return pd.Series(out, index=method.index, dtype=object)


def _sensitive_precision(names: pd.Series, sensitive: Mapping[str, float]) -> pd.Series:
    """Precision (degrees) for each name: its own or its closest listed ancestor's (``Panthera pardus``
    covers ``Panthera pardus orientalis``); NaN when not sensitive."""
    keys = sorted(sensitive, key=len, reverse=True)
    out = []
    for name in names.astype(object):
        value = np.nan
        if isinstance(name, str):
            for key in keys:
                if name == key or name.startswith(key + " "):
                    value = float(sensitive[key])
                    break
        out.append(value)
    return pd.Series(out, index=names.index, dtype=float)


@renamed_parameters(level="observation_level")
def darwin_core_occurrences(
    package: Any,
    *,
    sensitive: Mapping[str, float] | None = None,
    observation_type: str | Sequence[str] | None = "animal",
    observation_level: str = "event",
) -> pd.DataFrame:
    """The Darwin Core occurrence table of a Camtrap DP package (one row per observation).

    Parameters
    ----------
    package : CamtrapDP or Study
        Deployments, observations and metadata (title, id, licences, contributors, sources,
        taxonomic coverage and ``coordinatePrecision`` are used when present).
    sensitive : mapping of str to float, optional
        Scientific names whose coordinates are generalised, with the grid size in degrees, e.g.
        ``{"Panthera pardus orientalis": 0.1}``. A name covers its lower taxa (``Panthera
        pardus`` covers the subspecies). For these occurrences latitude and longitude are rounded
        to the nearest multiple of the size, ``coordinateUncertaintyInMeters`` grows by the
        rounding uncertainty (15,691 m for 0.1 degree; the original uncertainty, or 30 m when
        unknown, is kept), ``coordinatePrecision`` and ``dataGeneralizations`` say so, and the
        terms that would lead back to the exact place (``locationID``, ``locality``, ``eventID``,
        ``parentEventID``, ``habitat``, ``samplingEffort``, ``eventRemarks``, camera height and
        depth) are emptied and named in ``informationWithheld``.
    observation_type : str, sequence of str or None, default "animal"
        ``observationType`` values exported (None: all). GBIF's mapping exports animals only:
        blanks, humans, vehicles and unknowns are not occurrences of a taxon.
    observation_level : {"event", "media", "auto"}, default "event"
        Which ``observationLevel`` becomes occurrences; ``"auto"`` chooses per deployment (see
        :func:`nbtools.camtrapdp.select.select_records`), never both levels for one sighting.

    Returns
    -------
    pandas.DataFrame
        One row per selected observation, sorted by deployment and time, columns
        :data:`~nbtools.interop.DWC_TERMS` (``basisOfRecord = "MachineObservation"``, ``geodeticDatum =
        "EPSG:4326"``, ``occurrenceStatus = "present"``, ``eventDate`` as an ISO 8601 UTC
        interval ``start/end``). ``attrs["sensitive"]`` holds the generalisation used.

    Raises
    ------
    InteropError
        If a selected observation has no ``scientificName`` (a Darwin Core occurrence names its
        taxon) or no deployment, or a sensitive precision is finer than the package's.

    Notes
    -----
    The mapping follows camtrapdp's ``write_dwc()`` (Reyserhove et al. 2023), term for term;
    nbtools adds ``informationWithheld`` and the per-species generalisation.

    Examples
    --------
    >>> from nbtools.camtrapdp import read_camtrapdp
    >>> dwc = darwin_core_occurrences(read_camtrapdp(EXAMPLE))  # doctest: +SKIP
    >>> len(dwc)  # doctest: +SKIP
    29
    """
    if observation_level not in ("event", "media", "auto"):
        raise ValueError(f"observation_level must be 'event', 'media' or 'auto', got {observation_level!r}")
    metadata = getattr(package, "metadata", {}) or {}
    rows = _occurrence_rows(package, observation_level, observation_type)
    precision = metadata.get("coordinatePrecision")
    precision = float(precision) if precision not in (None, "") else None
    out = _occurrence_table(rows, metadata, precision)
    used = _generalise_sensitive(out, sensitive, precision) if sensitive else {}
    out["coordinateUncertaintyInMeters"] = out["coordinateUncertaintyInMeters"].round().astype("Int64")
    for term in ("occurrenceID", "eventDate", "decimalLatitude", "decimalLongitude"):
        if out[term].isna().any():
            raise InteropError(f"{int(out[term].isna().sum())} occurrences have no {term}")
    out.index = pd.RangeIndex(len(out))
    out.attrs.update({"sensitive": used, "level": observation_level, "observation_type": observation_type})
    return out


# the steps of darwin_core_occurrences, in the order it takes them


def _occurrence_rows(
    package: Any, observation_level: str, observation_type: str | Sequence[str] | None
) -> pd.DataFrame:
    """The observations to publish with their deployment's columns, by deployment and time; errors say what is missing."""
    deployments = tables_of(package, "deployments")
    observations = tables_of(package, "observations")
    selected = select_records(observations, observation_level=observation_level, observation_type=observation_type)
    if observation_type is not None and "observationType" not in observations.columns:
        raise InteropError("observations have no observationType column")
    dep = deployments.drop_duplicates("deploymentID")
    dep = dep.set_index(dep["deploymentID"].astype(object))
    unknown = ~selected["deploymentID"].astype(object).isin(dep.index)
    if unknown.any():
        raise InteropError(
            f"{int(unknown.sum())} observations name deployments that are not in the package: "
            f"{sorted(set(selected.loc[unknown, 'deploymentID'].astype(str)))[:5]}"
        )
    no_name = selected["scientificName"].isna()
    if no_name.any():
        raise InteropError(
            f"{int(no_name.sum())} selected observations have no scientificName (e.g. observationIDs "
            f"{selected.loc[no_name, 'observationID'].astype(str).tolist()[:3]}); a Darwin Core occurrence names its "
            "taxon: export animals only (observation_type='animal') or identify them first"
        )
    rows = selected.drop(columns=[c for c in selected.columns if c in dep.columns and c != "deploymentID"]).join(
        dep.drop(columns=["deploymentID"]), on="deploymentID"
    )
    rows = rows.sort_values(["deploymentID", "eventStart"], kind="stable")
    return rows


def _occurrence_table(rows: pd.DataFrame, metadata: Mapping[str, Any], precision: float | None) -> pd.DataFrame:
    """One Darwin Core occurrence per row (the terms of camtrapdp's ``write_dwc()``, exact places)."""
    n = len(rows)

    def col(name: str) -> pd.Series:
        return rows[name] if name in rows.columns else pd.Series([None] * n, index=rows.index, dtype=object)

    start, end = (
        _utc_text(rows["eventStart"]),
        _utc_text(rows["eventEnd"] if "eventEnd" in rows else rows["eventStart"]),
    )
    event_date = start.where(start == end, start + "/" + end)
    effort = _utc_text(rows["deploymentStart"]) + "/" + _utc_text(rows["deploymentEnd"])
    method, probability = col("classificationMethod"), pd.to_numeric(col("classificationProbability"), errors="coerce")
    verified = (method.astype(object) == "human") & (probability == 1)
    uncertainty = pd.to_numeric(col("coordinateUncertainty"), errors="coerce").astype("Float64")
    generalisation = None if precision is None else f"coordinates rounded to {precision:g} degree"
    out = pd.DataFrame(
        {
            "type": "Image",
            "license": _license(metadata),
            "rightsHolder": _rights_holder(metadata),
            "datasetID": metadata.get("id"),
            "collectionCode": ((metadata.get("sources") or [{}])[0] or {}).get("title"),
            "datasetName": metadata.get("title"),
            "basisOfRecord": "MachineObservation",
            "informationWithheld": None,
            "dataGeneralizations": generalisation,
            "occurrenceID": col("observationID").astype(object),
            "individualCount": pd.to_numeric(col("count"), errors="coerce").astype("Int64"),
            "sex": col("sex").astype(object),
            "lifeStage": col("lifeStage").astype(object),
            "behavior": col("behavior").astype(object),
            "occurrenceStatus": "present",
            "occurrenceRemarks": col("observationComments").astype(object),
            "organismID": col("individualID").astype(object),
            "eventID": col("eventID").astype(object),
            "parentEventID": col("deploymentID").astype(object),
            "eventDate": event_date,
            "habitat": col("habitat").astype(object),
            "samplingProtocol": "camera trap",
            "samplingEffort": effort,
            "eventRemarks": _event_remarks(rows),
            "locationID": col("locationID").astype(object),
            "locality": col("locationName").astype(object),
            "minimumDepthInMeters": pd.to_numeric(col("cameraDepth"), errors="coerce"),
            "maximumDepthInMeters": pd.to_numeric(col("cameraDepth"), errors="coerce"),
            "minimumDistanceAboveSurfaceInMeters": pd.to_numeric(col("cameraHeight"), errors="coerce"),
            "maximumDistanceAboveSurfaceInMeters": pd.to_numeric(col("cameraHeight"), errors="coerce"),
            "decimalLatitude": rows["latitude"].astype(float),
            "decimalLongitude": rows["longitude"].astype(float),
            "geodeticDatum": "EPSG:4326",
            "coordinateUncertaintyInMeters": uncertainty,
            "coordinatePrecision": precision,
            "identifiedBy": col("classifiedBy").astype(object),
            "dateIdentified": _utc_text(rows["classificationTimestamp"]) if "classificationTimestamp" in rows else None,
            "identificationVerificationStatus": np.where(
                verified.fillna(False).to_numpy(dtype=bool), "verified using recorded media", None
            ),
            "identificationRemarks": _identification_remarks(method, probability),
            "taxonID": col("scientificName").astype(object).map(_taxon_ids(metadata)),
            "scientificName": rows["scientificName"].astype(object),
            "kingdom": "Animalia",
        },
        index=rows.index,
    )
    out["coordinatePrecision"] = out["coordinatePrecision"].astype(float)
    return out


def _generalise_sensitive(
    out: pd.DataFrame, sensitive: Mapping[str, float], precision: float | None
) -> dict[str, float]:
    """Round the places of sensitive taxa in ``out`` (in place) and withhold their exact terms; the grid used per name."""
    used: dict[str, float] = {}
    grid = _sensitive_precision(out["scientificName"], sensitive)
    for size in sorted(set(grid.dropna())):
        if precision is not None and size < precision:
            raise InteropError(
                f"cannot round to {size:g} degree: the package's coordinates are already rounded to {precision:g}"
            )
        which = (grid == size).to_numpy()
        lat, lon = generalise_coordinates(out.loc[which, "decimalLatitude"], out.loc[which, "decimalLongitude"], size)
        out.loc[which, "decimalLatitude"] = lat
        out.loc[which, "decimalLongitude"] = lon
        original = out.loc[which, "coordinateUncertaintyInMeters"].fillna(30)
        if precision is not None:
            original = original - rounding_uncertainty_m(precision)
        out.loc[which, "coordinateUncertaintyInMeters"] = original + rounding_uncertainty_m(size)
        out.loc[which, "coordinatePrecision"] = size
        out.loc[which, "dataGeneralizations"] = f"coordinates rounded to {size:g} degree to protect a sensitive species"
        out.loc[which, "informationWithheld"] = (
            "exact location withheld to protect a sensitive species: " + ", ".join(WITHHELD_TERMS) + " not given"
        )
        for term in WITHHELD_TERMS:
            out.loc[which, term] = None
        for name in set(out.loc[which, "scientificName"]):
            used[name] = size
    unused = [name for name in sensitive if not any(k == name or k.startswith(name + " ") for k in used)]
    if unused:
        warnings.warn(
            f"sensitive names not among the occurrences: {unused}", stacklevel=4
        )  # the user's line, past the wrapper of renamed_parameters
    return used


def write_darwin_core(package: Any, folder: str | Path, **options: Any) -> Path:
    """Write ``occurrence.csv`` and its ``meta.xml`` (a Darwin Core Archive core, without EML).

    Parameters
    ----------
    package : CamtrapDP or Study
        The package.
    folder : str or pathlib.Path
        Where to write; created if missing.
    **options
        Passed to :func:`darwin_core_occurrences` (``sensitive``, ``observation_type``, ``observation_level``).

    Returns
    -------
    pathlib.Path
        The path of ``occurrence.csv``. Upload the folder (zipped, with an ``eml.xml`` describing
        the dataset) to an IPT or GBIF.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    table = darwin_core_occurrences(package, **options)
    path = target / "occurrence.csv"
    table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    fields = "\n".join(
        f'    <field index="{i}" term={quoteattr((_DC if term in _DC_TERMS else _DWC) + term)}/>'
        for i, term in enumerate(table.columns)
    )
    id_index = list(table.columns).index("occurrenceID")
    (target / "meta.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<archive xmlns="http://rs.tdwg.org/dwc/text/">\n'
        '  <core encoding="UTF-8" fieldsTerminatedBy="," linesTerminatedBy="\\n" fieldsEnclosedBy="&quot;" '
        'ignoreHeaderLines="1" rowType="http://rs.tdwg.org/dwc/terms/Occurrence">\n'
        "    <files>\n      <location>occurrence.csv</location>\n    </files>\n"
        f'    <id index="{id_index}"/>\n{fields}\n  </core>\n</archive>\n',
        encoding="utf-8",
    )
    return path
