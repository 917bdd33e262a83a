"""Occupancy models, single-season and dynamic (multi-season), fitted by maximum likelihood as R's ``unmarked`` fits them.

The models:

* :func:`occu` -- the occupancy model of MacKenzie et al. (2002), ``unmarked::occu``: site ``i`` is
  occupied with probability ``psi_i`` and, when occupied, the species is detected at survey ``j`` with
  probability ``p_ij``; unoccupied sites give no detections.
* :func:`occu_rn` -- the Royle-Nichols (2003) model, ``unmarked::occuRN``: the number of animals ``N_i``
  at a site is Poisson(``lambda_i``) and each of them is detected independently with probability
  ``r_ij``, so ``p_ij = 1 - (1 - r_ij) ** N_i``.
* :func:`colext` -- dynamic occupancy over seasons (MacKenzie et al. 2003), ``unmarked::colext``: occupancy
  in the first season ``psi``, colonisation ``gamma`` and extinction ``epsilon`` between seasons, detection
  ``p``, each with its own formula; projected and smoothed occupancy per season, :func:`nonparboot` and
  :func:`parboot` for their intervals, on multi-season detection histories laid out as camtrapR's
  ``detectionHistory(..., unmarkedMultFrameInput = TRUE)`` (:func:`multi_season_history_from_study`).

Both take an unmarked-style double formula ``"~ detection ~ state"`` (parsed by ``formulaic``), a
detection matrix (sites x occasions, NaN for occasions not surveyed), site covariates and observation
covariates (unmarked's long layout or a dict of site x occasion arrays). Standard errors come from the
exact (analytic) Hessian of the negative log-likelihood, intervals are Wald intervals on the link scale,
and :func:`predict` back-transforms them with the delta method as ``unmarked::predict`` does. Around the
fits: :func:`model_selection` (``unmarked::modSel``), :func:`ranef` (``unmarked::ranef``, conditional
occupancy), :func:`mb_chisq` and :func:`mb_gof_test` (``AICcmodavg::mb.chisq`` and ``mb.gof.test``,
MacKenzie & Bailey 2004), :func:`standardise` and :func:`predict_raster` (psi over a habitat grid),
:func:`response_curve` (psi or p along one covariate).

From a camera-trap study: :func:`occupancy_data` builds the detection history of one species (with the
trap-days of every occasion as an observation covariate) and the standardised habitat covariates of the
stations (:func:`station_covariates`: raster means within a buffer), ready for ``occu(formula, *data)``.

The package, one file per job:

============================  ========================================================================================
``errors.py``                 :class:`OccupancyError` and its kinds, :class:`OccupancyWarning`
``design.py``                 :func:`standardise`, unmarked's double formula, data checks, the design matrices
``likelihood.py``             the likelihood of occu / occuRN with its exact gradient and Hessian, the links
``optimise.py``               exact Newton, and the port of R's ``optim`` BFGS (``vmmin``, ``optimhess``)
``result.py``                 :class:`OccupancyFit`
``fit.py``                    :func:`occu`, :func:`occu_rn`: maximise, flag the boundary, judge convergence, SEs
``prediction.py``             :func:`predict`, :func:`occupied_share`, :func:`response_curve`
``rasters.py``                :func:`predict_raster` over habitat rasters, with their focal means
``selection.py``              :func:`model_selection` by AIC
``posterior.py``              :func:`ranef`, the latent state at each site given its detections
``mackenzie_bailey.py``       :func:`mb_chisq`, :func:`mb_gof_test`
``study.py``                  :func:`occupancy_data`, :func:`station_covariates` from a camera-trap study
``multiseason.py``            :class:`MultiSeasonData`: detections, site, yearly-site and observation covariates
``multiseason_history.py``    camtrapR's multi-season detection histories, from tables or a study
``dynamics.py``               colext's design matrices and its forward-backward likelihood with exact gradient
``colext.py``                 :func:`colext`, :class:`ColextFit` (projected and smoothed occupancy)
``colext_bootstrap.py``       :func:`nonparboot`, :func:`parboot`, :func:`simulate_colext`
``colext_prediction.py``      :func:`predict_colext`
============================  ========================================================================================

References
----------
MacKenzie, D. I., Nichols, J. D., Lachman, G. B., Droege, S., Royle, J. A. & Langtimm, C. A. (2002).
Estimating site occupancy rates when detection probabilities are less than one. *Ecology* 83,
2248-2255. https://doi.org/10.1890/0012-9658(2002)083[2248:ESORWD]2.0.CO;2

MacKenzie, D. I., Nichols, J. D., Hines, J. E., Knutson, M. G. & Franklin, A. B. (2003). Estimating site
occupancy, colonization, and local extinction when a species is detected imperfectly. *Ecology* 84, 2200-2207.
https://doi.org/10.1890/02-3090

Royle, J. A. & Nichols, J. D. (2003). Estimating abundance from repeated presence-absence data or
point counts. *Ecology* 84, 777-790. https://doi.org/10.1890/0012-9658(2003)084[0777:EAFRPA]2.0.CO;2

MacKenzie, D. I. & Bailey, L. L. (2004). Assessing the fit of site-occupancy models. *Journal of
Agricultural, Biological, and Environmental Statistics* 9, 300-318. https://doi.org/10.1198/108571104X3361

Fiske, I. & Chandler, R. (2011). unmarked: An R package for fitting hierarchical models of wildlife
occurrence and abundance. *Journal of Statistical Software* 43(10). https://doi.org/10.18637/jss.v043.i10

Louis, T. A. (1982). Finding the observed information matrix when using the EM algorithm. *Journal of
the Royal Statistical Society B* 44, 226-233. https://doi.org/10.1111/j.2517-6161.1982.tb01203.x
"""

from __future__ import annotations

from . import (
    design,
    errors,
    fit,
    likelihood,
    mackenzie_bailey,
    optimise,
    posterior,
    prediction,
    rasters,
    result,
    selection,
    study,
)
from .colext import UNMARKED_PENALTY, ColextFit, colext
from .colext_bootstrap import ColextBootstrap, nonparboot, occupancy_statistics, parboot, simulate_colext
from .colext_prediction import predict_colext
from .design import apply_standardisation, standardise
from .errors import OccupancyDataError, OccupancyError, OccupancyFitError, OccupancyWarning
from .fit import occu, occu_rn
from .mackenzie_bailey import MBChiSquare, MBGOFTest, mb_chisq, mb_gof_test
from .multiseason import MultiSeasonData, multi_season_data
from .multiseason_history import (
    MultiSeasonHistory,
    multi_season_history,
    multi_season_history_from_study,
    stack_seasons,
)
from .posterior import ranef
from .prediction import occupied_share, predict, response_curve
from .rasters import predict_raster
from .result import OccupancyFit
from .selection import model_selection
from .study import DEFAULT_COVARIATES, OccupancyData, occupancy_data, station_covariates

__all__ = [
    "DEFAULT_COVARIATES",
    "UNMARKED_PENALTY",
    "ColextBootstrap",
    "ColextFit",
    "MBChiSquare",
    "MBGOFTest",
    "MultiSeasonData",
    "MultiSeasonHistory",
    "OccupancyData",
    "OccupancyDataError",
    "OccupancyError",
    "OccupancyFit",
    "OccupancyFitError",
    "OccupancyWarning",
    "apply_standardisation",
    "colext",
    "mb_chisq",
    "mb_gof_test",
    "model_selection",
    "multi_season_data",
    "multi_season_history",
    "multi_season_history_from_study",
    "nonparboot",
    "occu",
    "occu_rn",
    "occupancy_data",
    "occupancy_statistics",
    "occupied_share",
    "parboot",
    "predict",
    "predict_colext",
    "predict_raster",
    "ranef",
    "response_curve",
    "simulate_colext",
    "stack_seasons",
    "standardise",
    "station_covariates",
]


def _doctest_targets() -> dict:
    """Every function and class of the package's files, so that ``doctest.testmod`` of the package runs their examples."""
    import inspect

    modules = (design, errors, fit, likelihood, mackenzie_bailey, optimise, posterior, prediction, rasters, result)
    targets = {}
    for module in (*modules, selection, study):
        short = module.__name__.rsplit(".", 1)[1]
        targets[short] = module
        for name, value in vars(module).items():
            if (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__ == module.__name__:
                targets[f"{short}.{name}"] = value
    return targets


#: doctest runs the examples of the objects listed here as well as those defined in this file.
__test__ = _doctest_targets()
