"""Diel activity: time of day, sun time, circular kernel densities, overlap and activity level.

The functions reproduce the numbers of the R packages camera-trap ecologists use:

* ``overlap`` (Meredith, Ridout & Campbell): :func:`bandwidth` (``getBandWidth``),
  :func:`circular_density` (``densityFit``), :func:`overlap_estimates` (``overlapEst``),
  :func:`overlap_true` (``overlapTrue``), :func:`bootstrap_overlap` (``bootstrap``, an :class:`OverlapBootstrap`),
  :func:`bootstrap_ci` (``bootCI``) and :func:`sun_time` (``sunTime``);
* ``activity`` (Rowcliffe): :func:`activity_level` (``fitact``).

Angles are radians in [0, 2*pi] (midnight = 0 = 2*pi), as every overlap and activity function expects.

One job per module:

========================  ==============================================================================
``times``                 clock time of day; :func:`sunrise_sunset` and :func:`sun_time` from :mod:`nbtools.sun`
``kernels``               bandwidths, von Mises kernel densities and their exact Fourier series
``numerics``              Bessel ratios; R's ``zeroin`` and ``fmin`` (the root search and minimiser)
``overlap``               Dhat1, Dhat4, Dhat5, the true overlap, a matrix of species pairs
``bootstrap``             bootstrap resamples of overlap for all resamples at once; confidence intervals
``level``                 activity level (``fitact``)
``tables``                from a study: event times, times by species, curves, shares, overlap tables
``inputs``                shared constants and input checks
========================  ==============================================================================

The bandwidths of both packages come from a root search (overlap: ``uniroot``) or a minimisation
(activity: ``optimise``) with R's default tolerance ``.Machine$double.eps^0.25``; the result depends on
the iterates, not only on the root. This package runs the same algorithms (Brent's zeroin and fmin, as in
R's ``zeroin.c`` and ``optimize.c``) on the same interval, which is why its estimates agree with R's to
~1e-15 rather than ~1e-6.

Bootstraps are computed for all resamples at once from their count vectors: every density a bootstrap
needs is an exact Fourier series of the von Mises kernel, ``f(t) = (1 + 2 sum_p rho_p(kappa) (C_p cos pt
+ S_p sin pt)) / (2 pi)`` with ``rho_p = I_p(kappa)/I_0(kappa)`` and the empirical trigonometric moments
``C_p, S_p``, truncated where ``rho_p < 1e-18``. The estimators and their grids are overlap's; only
the arithmetic is reorganised (see ``benchmarks/activity.py`` for the agreement with the
straightforward per-resample implementation and the speed-up).
"""

from . import bootstrap as _bootstrap
from . import inputs as _inputs
from . import kernels as _kernels
from . import level as _level
from . import numerics as _numerics
from . import overlap as _overlap
from . import tables as _tables
from . import times as _times
from .bootstrap import OverlapBootstrap, bootstrap_ci, bootstrap_overlap
from .kernels import bandwidth, circular_density
from .level import ActivityLevel, activity_level, activity_levels
from .overlap import (
    OverlapEstimates,
    overlap_estimates,
    overlap_matrix,
    overlap_true,
    recommended_estimator,
)
from .tables import (
    clock_density,
    daytime_share,
    density_curves,
    event_times,
    overlap_table,
    study_event_times,
    tabulate_densities,
    times_by_species,
)
from .times import sun_time, sunrise_sunset, time_of_day

__all__ = [
    "ActivityLevel",
    "OverlapBootstrap",
    "OverlapEstimates",
    "activity_level",
    "activity_levels",
    "bandwidth",
    "bootstrap_ci",
    "bootstrap_overlap",
    "circular_density",
    "clock_density",
    "daytime_share",
    "density_curves",
    "event_times",
    "overlap_estimates",
    "overlap_matrix",
    "overlap_table",
    "overlap_true",
    "recommended_estimator",
    "study_event_times",
    "sun_time",
    "sunrise_sunset",
    "tabulate_densities",
    "time_of_day",
    "times_by_species",
]

#: ``doctest.testmod(nbtools.activity)`` runs the examples of every public function (they are defined in
#: the submodules, which testmod would otherwise skip).
__test__ = {name: globals()[name] for name in __all__}


def __getattr__(name: str) -> object:
    """The numerical internals (``nbtools.activity._vm_density`` ...), for tests and benchmarks only.

    tests/test_activity.py and benchmarks/activity.py check the private helpers of the submodules directly
    against straightforward implementations; they are found here by name, and are not part of the API.
    """
    if name.startswith("_") and not name.startswith("__"):
        for module in (
            _inputs,
            _numerics,
            _kernels,
            _overlap,
            _bootstrap,
            _level,
            _tables,
            _times,
        ):
            if name in vars(module):
                return vars(module)[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
