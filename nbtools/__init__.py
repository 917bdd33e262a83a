"""nbtools: camera-trap ecology in Jupyter.

``import nbtools as nbt`` gives the everyday functions by name, imported only when first used (so that
``import nbtools`` stays fast and pulls in none of pandas, holoviews or numba):

=======================  =============================================  ====================================
name                     what it does                                   R users know it as
=======================  =============================================  ====================================
``read_camtrapdp``       read and validate a Camtrap DP package         camtrapdp::read_camtrapdp
``write_camtrapdp``      write a Camtrap DP 1.0 package                 camtrapdp::write_camtrapdp
``validate_camtrapdp``   check a package of any size in bounded memory  frictionless validate
``open_catalog``         open a shipped or own Intake catalog           intake.open_catalog
``read_habitat``         the park's habitat rasters (xarray)            terra::rast
``Study``                tables + habitat + CRS + local time zone
``independent_events``   independent detection events                   camtrapR::assessTemporalIndependence
``camera_operation``     camera-days per station and day                camtrapR::cameraOperation
``trap_nights``          trap-nights per station                        camtrapR (effort)
``relative_abundance``   relative abundance index (RAI)                 camtrapR::surveyReport
``detection_history``    detection histories for occupancy              camtrapR::detectionHistory
``survey_report``        the survey summary                             camtrapR::surveyReport
``check_deployments``    data-quality findings per deployment
``overlap_estimates``    diel activity overlap Δ1, Δ4, Δ5               overlap::overlapEst
``bootstrap_overlap``    bootstrap of the overlap                       overlap::bootstrap
``activity_level``       activity level from a circular kernel          activity::fitact
``occu``                 single-season occupancy                        unmarked::occu
``occu_rn``              Royle-Nichols abundance-occupancy              unmarked::occuRN
``colext``               dynamic (multi-season) occupancy               unmarked::colext
``capthist_from_study``  spatial capture histories of identified cats   secr::make.capthist
``secr_fit``             spatially explicit capture-recapture density   secr::secr.fit
``open_cr_fit``          open populations: survival, rate of change     openCR::openCR.fit
``rem_estimate``         random encounter model density                 camtrapDensity::rem_estimate
``aggregate_points``     datashader aggregation of points to a grid
``activity_map``         a map of activity (holoviews + datashader)
``simulate_study``       write a simulated camera-trap study
``simulate_years``       write a simulated multi-year study
``read_truth``           the truth of a simulated study
=======================  =============================================  ====================================

Each name is also importable from its module (the table of modules is in the README and CONTRIBUTING.md).
"""

from __future__ import annotations

import importlib
from typing import Any

#: The package's version: the one place it is written (pyproject.toml reads it when building, and the
#: wheel's metadata, ``importlib.metadata.version("leopard-nbtools")``, is made from it).
__version__ = "0.1.0"

#: name -> the module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    "read_camtrapdp": "nbtools.camtrapdp",
    "write_camtrapdp": "nbtools.camtrapdp",
    "open_catalog": "nbtools.catalog",
    "read_habitat": "nbtools.habitat",
    "Study": "nbtools.study",
    "independent_events": "nbtools.events",
    "camera_operation": "nbtools.effort",
    "trap_nights": "nbtools.effort",
    "relative_abundance": "nbtools.indices",
    "detection_history": "nbtools.indices",
    "survey_report": "nbtools.indices",
    "check_deployments": "nbtools.quality",
    "overlap_estimates": "nbtools.activity",
    "bootstrap_overlap": "nbtools.activity",
    "activity_level": "nbtools.activity",
    "occu": "nbtools.occupancy",
    "occu_rn": "nbtools.occupancy",
    "capthist_from_study": "nbtools.secr",
    "secr_fit": "nbtools.secr",
    "rem_estimate": "nbtools.rem",
    "aggregate_points": "nbtools.maps",
    "activity_map": "nbtools.maps",
    "simulate_study": "nbtools.simulate",
    "validate_camtrapdp": "nbtools.camtrapdp",
    "colext": "nbtools.occupancy",
    "open_cr_fit": "nbtools.secr",
    "simulate_years": "nbtools.simulate",
    "read_truth": "nbtools.truth",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import an everyday function from its module the first time it is asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nbtools' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
