"""The Camtrap DP descriptor of the simulated study (title, project, coverage, taxa), without resources."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .parameters import StudyParameters

__all__ = ["package_metadata"]


def package_metadata(
    p: StudyParameters, seed: int, deployments: pd.DataFrame, observations: pd.DataFrame
) -> dict[str, Any]:
    """The Camtrap DP descriptor (without ``resources`` and ``profile``)."""
    import uuid

    tz = p.timezone
    lat, lon = deployments["latitude"], deployments["longitude"]
    west, east = np.floor(lon.min() * 1000) / 1000, np.ceil(lon.max() * 1000) / 1000
    south, north = np.floor(lat.min() * 1000) / 1000, np.ceil(lat.max() * 1000) / 1000
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    first = deployments["deploymentStart"].min().tz_convert(tz).date().isoformat()
    last = deployments["deploymentEnd"].max().tz_convert(tz).date().isoformat()
    present = set(observations["scientificName"].dropna().unique())
    taxonomic = [
        {
            "scientificName": s.scientific_name,
            "taxonRank": s.taxon_rank,
            "vernacularNames": {"eng": s.vernacular[0], "rus": s.vernacular[1]},
        }
        for s in p.species
        if s.scientific_name and s.scientific_name in present
    ]
    years = f"{p.study_start[:4]}-{p.study_end[:4]}"
    title = f"Simulated camera-trap survey of Land of the Leopard National Park, {years} (seed {seed})"
    home = "https://github.com/leopard-nbtools/leopard-nbtools"
    return {
        "name": f"llnp-simulated-{years}-seed-{seed}",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{home}/simulate/{seed}")),
        "created": p.created,
        "title": title,
        "contributors": [
            {"title": "leopard-nbtools contributors", "path": home, "role": "publisher"},
            {"title": "leopard-nbtools contributors", "path": home, "role": "rightsHolder"},
            {"title": "nbtools.simulate (simulated field team and classifiers)", "role": "contributor"},
        ],
        "description": (
            "SIMULATED data, not field records. A year of paired camera traps on a jittered "
            f"{p.station_spacing_m / 1000:g} km grid in a schematic Land of the Leopard National Park "
            "(Primorsky Krai, Russia), written by nbtools.simulate with known truth (truth.json beside "
            "this file): leopards and tigers with activity centres and individual IDs, prey and people, "
            "camera faults and clock errors. Media files do not exist; filePath is a placeholder."
        ),
        "version": "1.0",
        "keywords": [
            "camera traps",
            "Amur leopard",
            "Panthera pardus orientalis",
            "Amur tiger",
            "spatial capture-recapture",
            "simulated data",
            "Land of the Leopard",
        ],
        "homepage": home,
        "licenses": [
            {"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/", "scope": "data"},
            {"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/", "scope": "media"},
        ],
        "bibliographicCitation": f"leopard-nbtools contributors. {title}. Simulated dataset. {home}",
        "project": {
            "id": "llnp-camera-trap-simulation",
            "title": "Land of the Leopard camera-trap monitoring (simulated)",
            "acronym": "LLNP-SIM",
            "description": (
                "Park-wide photo-monitoring of Amur leopards and tigers with paired cameras, as run in "
                "Land of the Leopard National Park since 2013-2014; here simulated for teaching and for "
                "checking estimators against a known truth."
            ),
            "samplingDesign": "systematicRandom",
            "captureMethod": ["activityDetection"],
            "individualAnimals": True,
            "observationLevel": ["media", "event"],
        },
        "coordinatePrecision": 0.00001,
        "spatial": {"type": "Polygon", "coordinates": [ring]},
        "temporal": {"start": first, "end": last},
        "taxonomic": taxonomic,
    }
