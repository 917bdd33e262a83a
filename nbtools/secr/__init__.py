"""Spatially explicit capture-recapture (SECR) by maximum likelihood, matching R's secr.

The full likelihood of Borchers & Efford (2008) with a Poisson number of animals,
detectors ``multi``, ``proximity`` and ``count``, detection functions HN, EX, HHN and
HEX, detector usage, density constant or log-linear in mask covariates, classes (sex)
or a two-class finite mixture on sigma, and secr's text formats. From a camera-trap study
(:mod:`nbtools.secr.study`): capture histories with usage from camera operation
(``capthist_from_study``), habitat masks from rasters and a boundary (``mask_from_study``), model
tables (``model_selection``) and, for simulated studies, the truth to compare with.

Multi-session fits (:mod:`nbtools.secr.sessions`): ``secr_fit`` on a mapping of sessions to
capture histories (``make_capthists``) fits one model to all sessions, with density per
session (``density="~session"``), a log-linear trend (``"~Session"``), shared or
session-specific detection and a mask per session. Realised density surfaces
(:mod:`nbtools.secr.realised`): ``fx_total`` (secr's ``fxTotal``) and ``fxi``.
Density surfaces for maps (:mod:`nbtools.secr.surfaces`): ``realised_surface``, ``expected_surface``, per
session; ``surface_total``, ``activity_centres``.

Open populations (openCR's models, Efford & Schofield 2020), in the ``open_*`` files: sessions joined into one
history of each animal (``join_sessions``; ``join_changing_sessions`` when the detectors change between
sessions, with usage 0 where a detector did not stand), Cormack-Jolly-Seber survival (``cjs_fit``, spatial ``cjs_secr_fit``)
and Pradel-Link-Barker rate of change lambda (``pradel_fit``, spatial ``pradel_secr_fit``), all through
``open_cr_fit(history, type=...)`` as ``openCR.fit``; ``open_model_selection`` ranks them.

>>> from nbtools.secr import make_mask, read_capthist, secr_fit   # doctest: +SKIP
>>> ch = read_capthist("capt.txt", "trap.txt", detector="multi")     # doctest: +SKIP
>>> fit = secr_fit(ch, buffer_m=100, detectfn="HN")                     # doctest: +SKIP
>>> fit.density, fit.g0, fit.sigma                                    # doctest: +SKIP

References
----------
Borchers, D. L. and Efford, M. G. (2008) Spatially explicit maximum likelihood methods
for capture-recapture studies. Biometrics 64, 377-385.
https://doi.org/10.1111/j.1541-0420.2007.00927.x

Efford, M. G. (2025) secr: Spatially explicit capture-recapture models. R package
version 5.3.0. https://CRAN.R-project.org/package=secr
"""

from .capthist import DETECTORS, CaptureHistory, make_capthist, read_capthist, read_traps
from .fit import SECRFit, aic_table, autoini, model_selection, rpsv, secr_fit
from .likelihood import DETECTION_FUNCTIONS, DetectionFunction, SECRLikelihood, hazard
from .mask import Mask, make_mask
from .open_cjs import cjs_fit
from .open_fit import OPEN_TYPES, open_aic_table, open_cr_fit, open_model_selection
from .open_histories import OpenCaptureHistory, join_sessions
from .open_join import join_changing_sessions
from .open_pradel import pradel_fit
from .open_result import OpenCRFit
from .open_simulate import sim_open_history
from .open_spatial import cjs_secr_fit
from .open_spatial_pradel import pradel_secr_fit
from .realised import fx_total, fx_total_surface, fxi
from .seasons import capthists_by_season, pooled_detectors, records_of_stage
from .sessions import MultiSessionFit, make_capthists, secr_fit_sessions
from .simulate import sim_capthist, sim_popn
from .study import (
    DEFAULT_SPECIES,
    capthist_from_study,
    capture_summary,
    mask_from_study,
    recording_gaps,
    simulated_truth,
    suggest_buffer,
    suspect_identifications,
    truth_comparison,
)
from .surfaces import (
    SURFACE_UNITS,
    activity_centres,
    expected_surface,
    realised_surface,
    stack_sessions,
    surface_total,
)

__all__ = [
    "capthists_by_season",
    "pooled_detectors",
    "records_of_stage",
    "SURFACE_UNITS",
    "activity_centres",
    "expected_surface",
    "realised_surface",
    "stack_sessions",
    "surface_total",
    "OPEN_TYPES",
    "OpenCRFit",
    "OpenCaptureHistory",
    "cjs_fit",
    "cjs_secr_fit",
    "join_changing_sessions",
    "join_sessions",
    "open_aic_table",
    "open_cr_fit",
    "open_model_selection",
    "pradel_fit",
    "pradel_secr_fit",
    "sim_open_history",
    "DEFAULT_SPECIES",
    "DETECTION_FUNCTIONS",
    "DETECTORS",
    "CaptureHistory",
    "DetectionFunction",
    "Mask",
    "MultiSessionFit",
    "SECRFit",
    "SECRLikelihood",
    "aic_table",
    "autoini",
    "fx_total",
    "fx_total_surface",
    "fxi",
    "capthist_from_study",
    "capture_summary",
    "hazard",
    "make_capthist",
    "make_capthists",
    "make_mask",
    "mask_from_study",
    "model_selection",
    "read_capthist",
    "read_traps",
    "recording_gaps",
    "rpsv",
    "secr_fit",
    "secr_fit_sessions",
    "sim_capthist",
    "sim_popn",
    "simulated_truth",
    "suggest_buffer",
    "suspect_identifications",
    "truth_comparison",
]
