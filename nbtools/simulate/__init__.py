"""A simulated Land of the Leopard camera-trap survey with known truth.

:func:`simulate_study` writes what a year of park-wide camera trapping would produce -- a
Camtrap DP package (deployments, media, observations, an ``individuals`` table), the habitat
rasters, the park boundary -- and ``truth.json`` with everything the field team could not
know: activity centres, every visit of every animal, the camera faults and clock errors.

>>> from nbtools.simulate import simulate_study
>>> result = simulate_study("leopard-study", seed=20161101)          # doctest: +SKIP
>>> result.truth["realised"]["leopard"]["adults"]                     # doctest: +SKIP

The model, in the order it is simulated (each step with its own random generator spawned
from the seed, so changing one step does not reshuffle the others):

1. **Habitat** (:func:`nbtools.habitat.simulate_habitat`).
2. **Stations**: a jittered square grid (3.5 km) inside the park; points near a forest road
   are moved onto it (``featureType`` ``roadDirt``), the rest sit on game trails. Two cameras
   per location face each other (``A`` and ``B``), one deployment per camera per service
   interval; the field team works along the park, 16 locations a day.
3. **Faults**: thefts and breakages end a deployment early (the camera is replaced at the next
   service visit); dead batteries and full cards stop recording before retrieval; knocked-over
   cameras split a deployment in two around a gap; clock faults (reset to 2000-01-01, +1 h,
   a camera on UTC+8, slow drift) change the recorded times but not the true ones.
4. **Animals**: leopards and tigers have activity centres drawn from habitat-driven density
   surfaces; visits to a location are Poisson with a half-normal rate in the distance from the
   activity centre (SECR, Borchers & Efford 2008); each camera of the pair records a visit
   with a species' trigger probability, so counts per camera-day are Poisson with rate
   ``lambda0 exp(-d^2 / 2 sigma^2)``. Cubs follow their mothers and are photographed less.
   Other species have no individuals: their visits are Poisson with location rates from
   habitat, scaled to published shares of events.
5. **Time of day**: von Mises mixtures in sun time (sunrise at pi/2, sunset at 3 pi/2;
   Nouvellet et al. 2012), converted to clock time with NOAA sunrise and sunset for each
   date and place, so activity follows the changing day length. People follow clock hours.
6. **Media**: each recorded visit gives 1 + Poisson triggers, each a burst of 3-5 images
   (the camera's setting); vegetation gives blank triggers; field visits give setup images.
7. **Observations**: a machine classifier labels every image (``observationLevel`` media,
   with bounding boxes); people classify every event (``observationLevel`` event), identify
   leopards and tigers, and sometimes get leopards wrong or cannot match a single flank.

Layout
------
One file per job; :mod:`nbtools.simulate` re-exports the public names.

=========================== ==========================================================================
``parameters``              :class:`StudyParameters` (every default with its source), the random streams
``species``                 :class:`Species` and :data:`DEFAULT_SPECIES`
``diel``                    diel densities and draws in sun time (the sun itself: :mod:`nbtools.sun`)
``times``                   angles and local dates (clock arithmetic: :mod:`nbtools._time`)
``stations``                the grid of locations and the service schedule
``cameras``                 deployments, thefts, breakages, stops, knocked-over cameras, clock faults
``animals``                 activity centres, cubs, SECR visit rates, location rates of other species
``visits``                  visits to locations, camera events, people's identifications
``media``                   triggers, bursts of images, vegetation and setup images
``observations``            the machine classifier's and people's observations
``tables``                  the Camtrap DP deployments, media, observations and individuals tables
``metadata``                the Camtrap DP descriptor
``truth``                   ``truth.json``, the true station use by leopards
``study``                   :func:`simulate_tables` and :func:`simulate_study`: the steps in order
``tracks``                  GPS-collar tracks of the simulated cats (:func:`~nbtools.simulate.tracks.simulate_collar_tracks`)
``large``                   millions of synthetic detections as Parquet (:func:`~nbtools.simulate.large.write_large_detections`)
=========================== ==========================================================================

References
----------
Borchers, D.L. & Efford, M.G. (2008) Spatially explicit maximum likelihood methods for
capture-recapture studies. Biometrics 64:377-385. doi:10.1111/j.1541-0420.2007.00927.x

Nouvellet, P., Rasmussen, G.S.A., Macdonald, D.W. & Courchamp, F. (2012) Noisy clocks and
silent sunrises: measurement methods of daily activity pattern. J. Zool. 286:179-184.
doi:10.1111/j.1469-7998.2011.00864.x

NOAA Global Monitoring Laboratory, Solar Calculation Details (the sun of :mod:`nbtools.sun`, Meeus 1991).
https://gml.noaa.gov/grad/solcalc/calcdetails.html

Further sources for each default are named in :class:`StudyParameters` (see
``notes/domain.md`` in the project's shared notes).
"""

from .diel import clock_to_sun, diel_density, solar_events, sun_to_clock, sunrise_sunset
from .grids import GridChanges, TigerParameters
from .lives import LifeParameters, simulate_lives
from .parameters import StudyParameters
from .species import DEFAULT_SPECIES, Species
from .study import SimulatedStudy, SimulationResult, simulate_study, simulate_tables
from .truth import leopard_season_use
from .years import YearsResult, season_label, simulate_years

__all__ = [
    "DEFAULT_SPECIES",
    "GridChanges",
    "LifeParameters",
    "SimulatedStudy",
    "SimulationResult",
    "Species",
    "StudyParameters",
    "TigerParameters",
    "YearsResult",
    "clock_to_sun",
    "diel_density",
    "leopard_season_use",
    "season_label",
    "simulate_lives",
    "simulate_study",
    "simulate_tables",
    "simulate_years",
    "sun_to_clock",
    "sunrise_sunset",
    "solar_events",
]
