"""Interactive explorers (ipywidgets) of a camera-trap study, each wiring controls to nbtools' pure functions.

Every explorer is made from a :class:`nbtools.study.Study`, holds its controls as attributes (ipywidgets
with a ``value``), recomputes on every change and keeps its current inputs and outputs in ``.result`` (a
frozen dataclass), so a test or a script can drive it by setting control values and get the same numbers
as the functions underneath. Displaying an explorer (or its ``.widget``) shows the controls, a status line,
and the plots as live bokeh widgets; call :func:`nbtools.plots.setup_plotting` first so that BokehJS is in
the notebook (offline too).

>>> from nbtools.catalog import open_catalog                       # doctest: +SKIP
>>> from nbtools.study import Study                                # doctest: +SKIP
>>> explorer = StudyExplorer(Study.from_catalog(open_catalog("leopard")))   # doctest: +SKIP
>>> explorer.threshold.value = 60                                  # doctest: +SKIP
>>> explorer.result.n_events                                       # doctest: +SKIP

- :class:`StudyExplorer`: species, period and independence threshold -> events, RAI map, operation timeline.
- :class:`ActivityExplorer`: species, clock or sun time, bandwidth, bootstrap -> activity curves and Dhat.
- :class:`IndividualExplorer`: one individual -> capture history, moves, timeline and companions.
- :class:`QualityExplorer`: data-quality findings by check, severity and deployment, with the evidence.
- :class:`OccupancyExplorer`: species, occasion length, covariates of psi and p -> estimates, AIC, psi-hat and
  the psi map over the park.
- :class:`DensityExplorer`: SECR detection function, sigma (and lambda0/g0) by sex, density covariates, mask
  spacing -> D per 100 km², lambda0/g0 and sigma with intervals, an AIC table and the density surface.
"""

from .activity import ActivityExplorer, ActivityResult
from .density import DensityExplorer, DensityResult
from .individual import IndividualExplorer, IndividualResult, co_detections, companions, detection_records, moves
from .occupancy import OccupancyExplorer, OccupancyResult, occupancy_formula
from .quality import QualityExplorer, QualityResult, daily_media
from .study import StudyExplorer, StudyResult

__all__ = [
    "ActivityExplorer",
    "ActivityResult",
    "DensityExplorer",
    "DensityResult",
    "IndividualExplorer",
    "IndividualResult",
    "OccupancyExplorer",
    "OccupancyResult",
    "QualityExplorer",
    "QualityResult",
    "StudyExplorer",
    "StudyResult",
    "co_detections",
    "companions",
    "daily_media",
    "detection_records",
    "moves",
    "occupancy_formula",
]
