"""Data-quality checks per deployment: clock faults, cameras that stopped, ended early or went blind.

Before any analysis a field team wants to know which cameras misbehaved. :func:`check_deployments`
looks at every deployment's media and observations and returns one row per finding, naming the
deployment, what is wrong, and the numbers that show it:

========================== ============================================================================
check                      what it means, and the evidence
========================== ============================================================================
``clock_reset``            the camera's clock restarted at a factory default (2000-01-01): its images
                           are dated years before the deployment
``clock_offset``           the clock is a constant time off: set-up/pick-up images (``cameraSetupType =
                           "setup"``) are off the written set-up time, or the camera's sequences match
                           its partner camera's at the same location only after a shift; whole hours
                           name the time zone the camera was set to (UTC+8: Beijing time)
``clock_drift``            the clock gained or lost time: the pick-up images are off by a different
                           amount than the set-up images
``records_outside``        images outside the deployment that no clock fault explains (wrong dates
                           written in the deployment table?)
``no_media``               a deployment without any image (camera or card stolen or lost)
``started_late``           the first image long after set-up (camera not switched on, wrong set-up date)
``stopped_recording``      the last image long before pick-up although the camera had been triggering
                           steadily: dead batteries or a full card (the latter when blanks abound)
``ended_early``            the deployment ended and no camera worked at its place for days while the
                           location's other camera kept running: stolen, broken or knocked over
``trigger_gap``            no trigger for an improbably long time mid-deployment while the partner
                           camera kept triggering: knocked over, covered, moved
``false_triggers``         many more blank images than the study's cameras take: vegetation, glare
``no_night_images``        a long run of records without a single night-time one: a broken infrared
                           flash
========================== ============================================================================

"Improbably long" is a Poisson statement: a camera that recorded ``r`` sequences per day has a
chance ``exp(-r * days)`` of a silence that long, and a finding needs that chance below ``alpha``.
Clock faults are corrected (by their estimated offset and drift) before the other checks look at
times, so a camera on the wrong time zone is not also reported as silent.

Each check is a function of its own in :data:`CHECKS` (name to function, in the order of the table
above), and :func:`check_deployments` runs them: the package holds a module per kind of check and one
per step around them.

============================ ======================================================================
module                       holds
============================ ======================================================================
``records``                  the validated options; each deployment's images, set-up images, records,
                             sequences and partners
``clock_model``              the clocks' offsets and drifts (set-up images, partner cameras, walk tests)
``context``                  :class:`~nbtools.quality.CheckContext`, what every check receives
``findings``                 :class:`~nbtools.quality.Finding`, the findings table, the words
``clocks``                   ``clock_reset``, ``clock_offset``, ``clock_drift``
``coverage``                 ``records_outside``, ``no_media``, ``ended_early``
``silences``                 ``started_late``, ``stopped_recording``, ``trigger_gap``
``triggers``                 ``false_triggers``
``night``                    ``no_night_images``
``registry``                 :data:`CHECKS`, :data:`SEVERITY`, :func:`check_deployments`
``corrections``              :func:`problem_periods`, :func:`clock_corrections`, :func:`correct_timestamps`
``scoring``                  :data:`FAULT_CHECKS`, :func:`score_findings` (against known faults)
``evidence``                 :func:`daily_media` (images per deployment and day)
============================ ======================================================================

:func:`problem_periods` turns the findings into malfunction periods for
:func:`nbtools.effort.camera_operation`, :func:`correct_timestamps` undoes the clock faults, and
:func:`score_findings` compares findings with known faults (the simulator's ``truth.json``).

References
----------
Newey, S., Davidson, P., Nazir, S. et al. (2015) Limitations of recreational camera traps for wildlife
management and conservation research: a practitioner's perspective. *Ambio* 44, 624-635.
https://doi.org/10.1007/s13280-015-0713-1

Hofmeester, T.R., Cromsigt, J.P.G.M., Odden, J., Andrén, H., Kindberg, J. and Linnell, J.D.C. (2019)
Framing pictures: a conceptual framework to identify and correct for biases in detection probability
of camera traps enabling multi-species comparison. *Ecology and Evolution* 9, 2320-2336.
https://doi.org/10.1002/ece3.4878

Bubnicki, J.W. et al. (2024) Camtrap DP: an open standard for the FAIR exchange and archiving of
camera trap data. *Remote Sensing in Ecology and Conservation* 10, 283-295.
https://doi.org/10.1002/rse2.374
"""

from .context import CheckContext
from .corrections import clock_corrections, correct_timestamps, problem_periods
from .evidence import daily_media
from .findings import COLUMNS, Finding
from .registry import CHECKS, SEVERITY, check_deployments
from .scoring import FAULT_CHECKS, QualityScore, score_findings

__all__ = [
    "CHECKS",
    "COLUMNS",
    "CheckContext",
    "Finding",
    "FAULT_CHECKS",
    "SEVERITY",
    "QualityScore",
    "check_deployments",
    "clock_corrections",
    "correct_timestamps",
    "daily_media",
    "problem_periods",
    "score_findings",
]

# ``doctest.testmod(nbtools.quality)`` runs the examples of the functions re-exported here (doctest only
# finds the objects defined in a module itself, and these are defined in the package's modules).
__test__ = {
    name: globals()[name]
    for name in (
        "check_deployments",
        "clock_corrections",
        "correct_timestamps",
        "daily_media",
        "problem_periods",
        "score_findings",
    )
}
