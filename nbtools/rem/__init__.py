"""Prey density without marks: the random encounter model (REM), its detection zone and its speeds.

The random encounter model (Rowcliffe et al. 2008) estimates the density of animals that cannot be told
apart from the rate of their contacts with camera traps, their day range (speed while active x activity
level) and the size of each camera's detection zone (an effective radius and angle fitted by distance
sampling). It matches R's camtrapDensity (on top of Distance/mrds and activity); one job per file:

* :mod:`~nbtools.rem.detection`: detection functions for radii (point transect) and angles (line
  transect), half-normal and hazard-rate keys, cosine adjustments, truncation, AIC, goodness of fit
  (``Distance::ds``, ``gof_ds``);
* :mod:`~nbtools.rem.speed`: speeds per sequence, harmonic mean and SE (Rowcliffe et al. 2016);
* :mod:`~nbtools.rem.times`: times for the activity level, including camtrapDensity's sun time;
* :mod:`~nbtools.rem.inputs`: contacts, camera-days, radii, angles, speeds from a study;
* :mod:`~nbtools.rem.estimate`: the density, SEs and intervals by the delta method and a bootstrap over
  camera locations, per species and as a table;
* :mod:`~nbtools.rem.simulate` (with :mod:`~nbtools.rem.walks` and :mod:`~nbtools.rem.cameras`): prey
  walking past camera cones, written as a Camtrap DP package with its truth, to check all of the above.

Units: radii m, angles rad (``angle_unit="deg"`` converts), speeds m/s, day range km/day, density
animals per km^2.

>>> from nbtools.rem import rem_estimate                             # doctest: +SKIP
>>> fit = rem_estimate(study, "Vulpes vulpes", n_boot=999, seed=1)     # doctest: +SKIP
>>> fit.density, fit.lcl, fit.ucl                                    # doctest: +SKIP

References
----------
Rowcliffe, J.M., Field, J., Turvey, S.T. & Carbone, C. (2008) Estimating animal density using camera traps
without the need for individual recognition. Journal of Applied Ecology 45, 1228-1236.
https://doi.org/10.1111/j.1365-2664.2008.01473.x

Rowcliffe, M. (2024) camtrapDensity: Animal density estimation from camera trap data. R package version
0.1.15. https://github.com/MarcusRowcliffe/camtrapDensity
"""

from .cameras import CameraZone
from .detection import DetectionFit, DetectionModel, GoodnessOfFit, fit_detection, select_detection, truncation_distance
from .estimate import CONVENTIONS, REMEstimate, rem_density, rem_estimate, rem_from_data, rem_table, trap_rate
from .inputs import REMData, as_radians, rem_data
from .simulate import (
    PREY,
    PreySimulation,
    PreySpecies,
    PreyStudyParameters,
    simulate_prey,
    simulate_prey_study,
    write_prey_study,
)
from .speed import DEFAULT_SPEED_RANGE, SpeedEstimate, harmonic_mean_speed, sequence_speeds, speed_by
from .times import average_anchored_time, teets_suntimes
from .walks import Trails

__all__ = [
    "CONVENTIONS",
    "DEFAULT_SPEED_RANGE",
    "PREY",
    "CameraZone",
    "DetectionFit",
    "DetectionModel",
    "GoodnessOfFit",
    "PreySimulation",
    "PreySpecies",
    "PreyStudyParameters",
    "REMData",
    "REMEstimate",
    "SpeedEstimate",
    "Trails",
    "as_radians",
    "average_anchored_time",
    "fit_detection",
    "harmonic_mean_speed",
    "rem_data",
    "rem_density",
    "rem_estimate",
    "rem_from_data",
    "rem_table",
    "select_detection",
    "sequence_speeds",
    "simulate_prey",
    "simulate_prey_study",
    "write_prey_study",
    "speed_by",
    "teets_suntimes",
    "trap_rate",
    "truncation_distance",
]
