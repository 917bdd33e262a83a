"""Relative abundance, naive occupancy, detection histories, spatial capture histories, survey report,
species accumulation and richness estimators.

The tables built from independent events (:mod:`nbtools.events`) and camera operation
(:mod:`nbtools.effort`), with the semantics of camtrapR's ``detectionHistory``,
``spatialDetectionHistory`` and ``surveyReport``, and of the species accumulation over stations
(vegan's ``specaccum``) and incidence-based richness estimators (vegan's ``specpool``) that camtrapR
uses. Unlike camtrapR, no record is left out silently:
every record a detection history could not place is listed with its reason (jniedballa/camtrapR#24).

>>> import pandas as pd
>>> from nbtools.effort import camera_operation
>>> dep = pd.DataFrame({"deploymentID": ["d1", "d2"], "locationID": ["A", "B"],
...     "deploymentStart": pd.to_datetime(["2024-01-01 12:00"] * 2, utc=True),
...     "deploymentEnd": pd.to_datetime(["2024-01-11 00:00"] * 2, utc=True)})
>>> ev = pd.DataFrame({"locationID": ["A", "A"], "scientificName": ["Sus scrofa"] * 2,
...     "eventStart": pd.to_datetime(["2024-01-02 03:00", "2024-01-09 03:00"], utc=True)})
>>> dh = detection_history(ev, camera_operation(dep), "Sus scrofa", occasion_length=5)
>>> dh.detections.to_numpy().tolist(), dh.effort.to_numpy().tolist()
([[1.0, 1.0], [0.0, 0.0]], [[4.5, 5.0], [4.5, 5.0]])

The package, one file per job:

================  ====================================================================================================
``stations.py``   events at stations (row and day on the operation matrix), the events of one species, shared checks
``occasions.py``  occasions on the operation matrix, their effort, the occasion of every record and why it is not counted
``abundance.py``  :func:`relative_abundance`, :func:`naive_occupancy`
``detection.py``  :class:`DetectionHistory`, :func:`detection_history` (occupancy)
``spatial.py``    :class:`SpatialCaptureHistory`, :func:`spatial_capture_history` (SECR)
``richness.py``   :func:`incidence_matrix`, :func:`richness_estimators`, :func:`species_accumulation`
``report.py``     :class:`SurveyReport`, :func:`survey_report`
================  ====================================================================================================

References
----------
Niedballa, J., Sollmann, R., Courtiol, A. and Wilting, A. (2016) camtrapR: an R package for efficient
camera trap data management. *Methods in Ecology and Evolution* 7, 1457-1462.
https://doi.org/10.1111/2041-210X.12600

MacKenzie, D.I., Nichols, J.D., Lachman, G.B., Droege, S., Royle, J.A. and Langtimm, C.A. (2002)
Estimating site occupancy rates when detection probabilities are less than one. *Ecology* 83,
2248-2255. https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2

Efford, M.G. (2004) Density estimation in live-trapping studies. *Oikos* 106, 598-610.
https://doi.org/10.1111/j.0030-1299.2004.13043.x
"""

from __future__ import annotations

from . import abundance, detection, occasions, report, richness, spatial, stations
from .abundance import naive_occupancy, relative_abundance
from .detection import DetectionHistory, detection_history
from .occasions import AFTER as AFTER  # importable as before (not in __all__): the reasons a record is not counted
from .occasions import BEFORE as BEFORE
from .occasions import DAY_WITHOUT_EFFORT as DAY_WITHOUT_EFFORT
from .occasions import NO_EFFORT as NO_EFFORT
from .occasions import NO_INDIVIDUAL as NO_INDIVIDUAL
from .occasions import Day1 as Day1
from .report import SurveyReport, survey_report
from .richness import incidence_matrix, richness_estimators, species_accumulation
from .spatial import SpatialCaptureHistory, spatial_capture_history

__all__ = [
    "DetectionHistory",
    "SpatialCaptureHistory",
    "SurveyReport",
    "detection_history",
    "incidence_matrix",
    "naive_occupancy",
    "relative_abundance",
    "richness_estimators",
    "spatial_capture_history",
    "species_accumulation",
    "survey_report",
]


def _doctest_targets() -> dict:
    """Every function and class of the package's files, so that ``doctest.testmod`` of the package runs their examples."""
    import inspect

    targets = {}
    for module in (abundance, detection, occasions, report, richness, spatial, stations):
        short = module.__name__.rsplit(".", 1)[1]
        targets[short] = module
        for name, value in vars(module).items():
            if (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__ == module.__name__:
                targets[f"{short}.{name}"] = value
    return targets


#: doctest runs the examples of the objects listed here as well as those defined in this file.
__test__ = _doctest_targets()
