"""Independent detection events per station and species (camtrapR's temporal independence filter).

A camera records an animal many times while it passes; ecological indices count *independent events*.
Records of one species at one station (optionally one camera, one individual) belong to the same event
while the time to the previous record -- or to the first record of the event -- is shorter than a
threshold (30 minutes by default). This is the rule of camtrapR's ``recordTable(minDeltaTime,
deltaTimeComparedTo)`` and camtraptor's ``get_record_table`` (Niedballa et al. 2016).

>>> import pandas as pd
>>> obs = pd.DataFrame({
...     "locationID": ["A", "A", "A", "B"],
...     "scientificName": ["Panthera pardus"] * 4,
...     "eventStart": pd.to_datetime(["2024-01-01 01:00", "2024-01-01 01:20", "2024-01-01 03:00",
...                                   "2024-01-01 01:10"], utc=True),
...     "count": [1, 2, 1, 1],
... })
>>> ev = independent_events(obs, threshold="30min")
>>> print(ev[["locationID", "eventStart", "n_observations", "count"]].to_string(index=False))
locationID                eventStart  n_observations  count
         A 2024-01-01 01:00:00+00:00               2      2
         B 2024-01-01 01:10:00+00:00               1      1
         A 2024-01-01 03:00:00+00:00               1      1

References
----------
Niedballa, J., Sollmann, R., Courtiol, A. and Wilting, A. (2016) camtrapR: an R package for efficient
camera trap data management. *Methods in Ecology and Evolution* 7, 1457-1462.
https://doi.org/10.1111/2041-210X.12600

The package holds one job per file: ``independent`` (the DataFrame level, :func:`independent_events` in
named steps), ``grouping`` (the array level, :func:`group_events`), ``kernels`` (the compiled loops) and
``camtrapr`` (:func:`observations_from_camtrapr`). :func:`select_records` lives in
:mod:`nbtools.camtrapdp.select` (readers layer) and is exported here under its old name.
"""

from __future__ import annotations

from ..camtrapdp.select import select_records
from .camtrapr import observations_from_camtrapr
from .grouping import CompareTo as CompareTo
from .grouping import group_events
from .independent import DEFAULT_THRESHOLD, independent_events
from .independent import ThresholdLike as ThresholdLike

__all__ = [
    "DEFAULT_THRESHOLD",
    "group_events",
    "independent_events",
    "observations_from_camtrapr",
    "select_records",
]
