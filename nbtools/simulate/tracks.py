"""GPS-collar tracks of the simulated study's leopards: where the animals are, not only where the cameras are.

:func:`simulate_collar_tracks` puts GPS collars on cats of the simulated default study (the
named family first: Kedrovka, Berry, Typhoon, Meamur) and records a year of fixes. Each cat
moves around its activity centre from ``truth.json`` with that study's sex-specific
``sigma``, is active when the simulator's diel activity curve says so, and prefers forest
and avoids roads, the land outside the park and the sea. The collar misses some fixes, more
often under dense canopy, and records them as failed (``fix_ok`` False), not silently
dropped. :func:`track_lines` gives per-individual ordered coordinates for holoviews
``hv.Path`` or datashader ``Canvas.line``; :func:`home_range_summary` gives 95 % minimum
convex polygons to check against the half-normal home range ``pi (2.45 sigma)^2``.

>>> from nbtools.simulate.tracks import simulate_collar_tracks, home_range_summary, track_lines
>>> tracks = simulate_collar_tracks(seed=1, progress=False)   # the committed default study  # doctest: +SKIP
>>> home_range_summary(tracks)[["individualID", "fix_success", "mcp_km2"]]                    # doctest: +SKIP
>>> hv.Path(track_lines(tracks), vdims=["individualID", "sex"])                              # doctest: +SKIP

The model (all steps in one collar's own random stream, spawned from the seed):

1. **Schedule.** Each collar is programmed with one fix interval, drawn with equal
   probabilities from the usual collar settings that divide a day, 15, 20, 30, 40, 45 and
   60 min, within ``fix_interval_min``. Fix attempts start at local midnight of ``start``
   (Asia/Vladivostok) and repeat every interval for ``days`` days, so a collar makes exactly
   ``days * 1440 / interval`` attempts. A successful fix is taken 5-90 s (uniform, the GPS
   time to fix) after the scheduled time; a failed attempt is logged at the 120 s timeout.
2. **Movement: an Ornstein-Uhlenbeck-F process** (OUF; Fleming et al. 2014, the ``ctmm``
   model R users fit to range-resident animals). Per axis, the position ``r`` (m from the
   activity centre) and velocity ``v`` follow ``dr = v du``, ``dv = -(r / (tau_p tau_v) +
   v (1 / tau_p + 1 / tau_v)) du + sqrt(2 (1 / tau_p + 1 / tau_v) / (tau_p tau_v)) sigma dW``:
   a correlated random walk (velocity autocorrelation ``tau_v``) biased back towards the
   centre (range crossing time ``tau_p``), whose stationary distribution is the bivariate
   normal ``N(centre, sigma^2 I)`` that the half-normal SECR detection model of
   :mod:`nbtools.simulate` assumes. Each step uses the exact Gaussian transition over its
   interval, so the spread does not depend on the fix schedule.
3. **Activity.** ``u`` is *activity time*: ``du = a(t) dt`` with ``a = resting + (1 -
   resting) 2 pi f(s)``, ``f`` the species' diel density of :func:`nbtools.simulate.diel_density`
   in sun time ``s`` (:func:`nbtools.simulate.clock_to_sun` at the activity centre) and
   ``resting = 0.05``. Camera detections measure movement (Rowcliffe et al. 2014), so the
   cats move fastest after sunset and hardly at midday. A change of time does not change
   the stationary distribution: the spread stays ``sigma``. The integral over a step is
   Simpson's rule on its ends and midpoint.
4. **Habitat selection** (a step-selection scheme, Fortin et al. 2005): each step draws
   ``candidates = 8`` next states from the transition and takes one with probability
   proportional to ``exp(3 forest_cover - exp(-distance_to_road / 500 m) - 0.5 (1 -
   in_park))`` of the cell it lands in; cells at sea or off the raster weigh 0, so no
   position ever falls there (if all candidates do, the cat stays where it is and stops).
   Forest is chosen, roads and the land outside the park are avoided. Selection tilts the
   normal distribution towards forest; the spread stays within about 15 % of ``sigma``
   per cat and 5 % on average (``tests/test_tracks.py``).
5. **Fix failures.** An attempt fails with probability ``0.01 + 0.05 forest_cover`` at the
   true position (canopy blocks satellites; Frair et al. 2010): about 5 % in the park's forest.
   Failed attempts have ``x``, ``y`` and ``step_m`` NaN.

Values marked "assumed" in :class:`CollarParameters` are plausible choices, not estimates.

References
----------
Fleming, C.H., Calabrese, J.M., Mueller, T., Olson, K.A., Leimgruber, P. & Fagan, W.F. (2014)
From fine-scale foraging to home ranges: a semivariance approach to identifying movement
modes across spatiotemporal scales. Am. Nat. 183:E154-E167. doi:10.1086/675504

Fortin, D., Beyer, H.L., Boyce, M.S., Smith, D.W., Duchesne, T. & Mao, J.S. (2005) Wolves
influence elk movements: behavior shapes a trophic cascade in Yellowstone National Park.
Ecology 86:1320-1330. doi:10.1890/04-0953

Frair, J.L., Fieberg, J., Hebblewhite, M., Cagnacci, F., DeCesare, N.J. & Pedrotti, L. (2010)
Resolving issues of imprecise and habitat-biased locations in ecological analyses using GPS
telemetry data. Phil. Trans. R. Soc. B 365:2187-2200. doi:10.1098/rstb.2010.0084

Rowcliffe, J.M., Kays, R., Kranstauber, B., Carbone, C. & Jansen, P.A. (2014) Quantifying
levels of animal activity using camera trap data. Methods Ecol. Evol. 5:1170-1179.
doi:10.1111/2041-210X.12278

Mohr, C.O. (1947) Table of equivalent populations of North American small mammals. Am.
Midl. Nat. 37:223-249 (the minimum convex polygon).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd
import xarray as xr

from .. import habitat as hab
from .._time import SECONDS_PER_DAY, local_to_utc_seconds
from ..sun import clock_to_sun
from .diel import diel_density
from .species import DEFAULT_SPECIES, Species

__all__ = [
    "COLUMNS",
    "CollarParameters",
    "FIX_INTERVALS_MIN",
    "home_range_area_km2",
    "home_range_summary",
    "simulate_collar_tracks",
    "track_lines",
]

#: Columns of :func:`simulate_collar_tracks`, in order.
COLUMNS = ("individualID", "sex", "timestamp", "x", "y", "step_m", "fix_interval_min", "fix_ok")

#: Fix intervals (min) a collar can be programmed with: the usual settings that divide a day.
FIX_INTERVALS_MIN = (15, 20, 30, 40, 45, 60)


@dataclass(frozen=True)
class CollarParameters:
    """Movement, habitat selection and collar settings of :func:`simulate_collar_tracks`.

    Attributes
    ----------
    tau_position_h : float
        OUF range crossing time (hours of activity time), 48 h (assumed): a cat crosses its
        home range in about two days.
    tau_velocity_h : float
        OUF velocity autocorrelation time (hours of activity time), 1 h (assumed): the
        direction of travel persists for about an hour. With ``tau_position_h`` the mean
        speed is ``sigma sqrt(pi / 2) / sqrt(tau_p tau_v)``: about 9 km a day for a female
        (sigma 2 km) and 15 km for a male (3.5 km), along the true path (assumed; snow
        tracking of Amur leopards gives several to 20 km a day).
    resting_activity : float
        Floor of the relative activity ``a(t)`` (0.05, assumed): resting cats shift a little.
    candidates : int
        Candidate steps drawn per fix (8).
    forest_selection : float
        Log-weight per unit forest cover (3.0, assumed; leopards keep to forest).
    road_avoidance : float
        Log-weight lost on a road, decaying as ``exp(-distance / road_scale_m)`` (1.0, assumed).
    road_scale_m : float
        Distance scale of road avoidance (500 m, assumed).
    park_preference : float
        Log-weight lost outside the park (0.5, assumed).
    fix_failure_open, fix_failure_forest : float
        Probability of a failed fix under open sky (0.01) and under full canopy (0.06),
        linear in forest cover between (assumed; fix success falls with canopy cover,
        Frair et al. 2010).
    time_to_fix_s : tuple of float
        Uniform range of the GPS time to fix after the scheduled time (5-90 s, assumed).
    fix_timeout_s : float
        A failed attempt is logged this long after the scheduled time (120 s, assumed).
    burn_in_days : float
        Days of hourly steps simulated before the first fix, from the activity centre, so
        that the first fix is drawn from the walk's own long-run distribution (10 days,
        five range crossing times).
    """

    tau_position_h: float = 48.0
    tau_velocity_h: float = 1.0
    resting_activity: float = 0.05
    candidates: int = 8
    forest_selection: float = 3.0
    road_avoidance: float = 1.0
    road_scale_m: float = 500.0
    park_preference: float = 0.5
    fix_failure_open: float = 0.01
    fix_failure_forest: float = 0.06
    time_to_fix_s: tuple[float, float] = (5.0, 90.0)
    fix_timeout_s: float = 120.0
    burn_in_days: float = 10.0

    def __post_init__(self) -> None:
        if not 0.0 < self.tau_velocity_h < self.tau_position_h:
            raise ValueError("need 0 < tau_velocity_h < tau_position_h")
        if not 0.0 <= self.resting_activity <= 1.0:
            raise ValueError("resting_activity must be in [0, 1]")
        if self.candidates < 1:
            raise ValueError("candidates must be at least 1")
        if not (0.0 <= self.fix_failure_open <= 1.0 and 0.0 <= self.fix_failure_forest <= 1.0):
            raise ValueError("fix failure probabilities must be in [0, 1]")


# ----------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------


def _default_inputs(truth: Any, habitat: xr.Dataset | None) -> tuple[dict[str, Any], xr.Dataset]:
    """The truth (a mapping, or a path to ``truth.json``) and habitat, by default the committed study."""
    if truth is None or habitat is None:
        from ..catalog import DATA_DIR, open_catalog

        catalog = open_catalog("leopard")
        if habitat is None:
            habitat = catalog.habitat.read()
        if truth is None:
            truth = DATA_DIR / catalog.metadata["truth"]
    if isinstance(truth, (str, Path)):
        from ..checksums import verify_file

        path = Path(truth)
        verify_file(path)
        truth = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(truth, Mapping) or "individuals" not in truth:
        raise TypeError("truth must be the content of truth.json (a mapping with 'individuals') or its path")
    return dict(truth), habitat


def _species(truth: Mapping[str, Any], key: str) -> Species:
    """The study's :class:`~nbtools.simulate.Species` of ``key`` (its diel model as in the truth)."""
    base = next((s for s in DEFAULT_SPECIES if s.key == key), DEFAULT_SPECIES[0])
    for entry in truth.get("parameters", {}).get("species", []):
        if entry.get("key") == key:
            return dataclasses.replace(base, key=key, diel=tuple(tuple(float(v) for v in c) for c in entry["diel"]))
    return base


def _choose_individuals(
    truth: Mapping[str, Any], n_collars: int, individuals: Sequence[str] | None, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Collared animals: given IDs, else the named adult leopards, then others with centres in the park."""
    records = {r["individualID"]: r for r in truth["individuals"]}
    if individuals is not None:
        missing = [i for i in individuals if i not in records]
        if missing:
            raise KeyError(f"not in the truth: {', '.join(map(str, missing))}")
        chosen = [records[i] for i in individuals]
        cubs = [r["individualID"] for r in chosen if r.get("cub")]
        if cubs:
            raise ValueError(f"cubs follow their mothers and are not collared: {', '.join(cubs)}")
        return chosen
    adults = [r for r in truth["individuals"] if r["species"] == "leopard" and not r.get("cub")]
    named = [r for r in adults if r.get("name")]
    others = [r for r in adults if not r.get("name") and r.get("ac_in_park", True)]
    if n_collars > len(named) + len(others):
        raise ValueError(
            f"n_collars={n_collars}: the truth has only {len(named) + len(others)} adult leopards to collar"
        )
    chosen = named[:n_collars]
    extra = n_collars - len(chosen)
    if extra:
        picks = rng.choice(len(others), size=extra, replace=False)
        chosen += [others[i] for i in picks]
    return chosen


def _intervals(fix_interval_min: float | tuple[float, float], n: int, rng: np.random.Generator) -> np.ndarray:
    """Programmed fix interval (min) of each collar."""
    if np.ndim(fix_interval_min) == 0:
        value = float(fix_interval_min)  # type: ignore[arg-type]
        if value <= 0 or (1440.0 / value) % 1 or value % 1:
            raise ValueError(f"fix_interval_min={value:g}: a whole number of minutes that divides a day")
        return np.full(n, int(value), dtype=np.int64)
    lo, hi = (float(v) for v in fix_interval_min)  # type: ignore[union-attr]
    allowed = np.array([v for v in FIX_INTERVALS_MIN if lo <= v <= hi], dtype=np.int64)
    if allowed.size == 0:
        raise ValueError(f"fix_interval_min={fix_interval_min}: no collar setting among {FIX_INTERVALS_MIN} in range")
    return rng.choice(allowed, size=n)


def _log_weights(habitat: xr.Dataset, p: CollarParameters) -> np.ndarray:
    """Log habitat weight of each cell, ``-inf`` at sea (y, x as in the Dataset)."""
    ds = habitat.transpose("y", "x")
    forest = np.nan_to_num(ds["forest_cover"].values.astype(float))
    road = np.exp(-ds["distance_to_road"].values.astype(float) / p.road_scale_m)
    in_park = ds["in_park"].values.astype(float)
    logw = p.forest_selection * forest - p.road_avoidance * np.nan_to_num(road) - p.park_preference * (1.0 - in_park)
    land = ds["land"].values.astype(bool)
    return np.where(land & np.isfinite(logw), logw, -np.inf)


# ----------------------------------------------------------------------------------------
# Time and activity
# ----------------------------------------------------------------------------------------


def _activity(t_s: np.ndarray, species: Species, lon: float, lat: float, timezone: str, resting: float) -> np.ndarray:
    """Relative activity ``a(t)`` (mean about 1 over a day) at UTC epoch seconds ``t_s``."""
    utc = pd.DatetimeIndex(pd.to_datetime(np.asarray(t_s, dtype=np.int64), unit="s", utc=True))
    local = utc.tz_convert(timezone).tz_localize(None).as_unit("s").asi8
    offset_h = (local - t_s) / 3600.0
    day = local // SECONDS_PER_DAY
    clock_h = (local - day * SECONDS_PER_DAY) / 3600.0
    sun = clock_to_sun(clock_h, day, lat, lon, offset_h)
    return resting + (1.0 - resting) * 2.0 * np.pi * diel_density(species, sun)


def _transitions(du_h: np.ndarray, p: CollarParameters) -> tuple[np.ndarray, np.ndarray]:
    """Exact OUF transition per step in scaled units (position / sigma, velocity / (sigma sqrt(ab))).

    Returns ``phi`` (n, 4): the transition matrix ``[[p11, p12], [p21, p22]]`` row by row,
    and ``chol`` (n, 3): ``l11, l21, l22`` of the Cholesky factor of its noise covariance
    ``I - phi phi'`` (the stationary covariance is the identity).
    """
    a = 1.0 / p.tau_position_h
    b = 1.0 / p.tau_velocity_h
    s = np.sqrt(a * b)
    ea, eb = np.exp(-a * du_h), np.exp(-b * du_h)
    d = b - a
    p11 = (b * ea - a * eb) / d
    p12 = (ea - eb) / d * s
    p21 = -a * b * (ea - eb) / d / s
    p22 = (b * eb - a * ea) / d
    q11 = 1.0 - p11**2 - p12**2
    q12 = -(p11 * p21 + p12 * p22)
    q22 = 1.0 - p21**2 - p22**2
    l11 = np.sqrt(np.maximum(q11, 0.0))
    l21 = np.divide(q12, l11, out=np.zeros_like(q12), where=l11 > 1e-12)
    l22 = np.sqrt(np.maximum(q22 - l21**2, 0.0))
    return np.column_stack([p11, p12, p21, p22]), np.column_stack([l11, l21, l22])


# ----------------------------------------------------------------------------------------
# The walk
# ----------------------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _walk(phi, chol, z, u, logw, gx0, gdx, gy0, gdy, mx, my, sigma, out_x, out_y):  # pragma: no cover - compiled
    """Step-selection OUF walk: at each step draw candidates from the transition, pick one by habitat weight.

    ``z`` (n, k, 4) standard normals (x position/velocity, y position/velocity), ``u`` (n,)
    uniforms for the choice; positions in scaled units ``(x - mx) / sigma``; ``logw`` the
    log weights on the grid whose cell centres are ``gx0 + j gdx``, ``gy0 + i gdy``.
    """
    n, k = z.shape[0], z.shape[1]
    ny, nx = logw.shape
    rx, vx, ry, vy = 0.0, 0.0, 0.0, 0.0
    crx = np.empty(k)
    cvx = np.empty(k)
    cry = np.empty(k)
    cvy = np.empty(k)
    lw = np.empty(k)
    for j in range(n):
        p11, p12, p21, p22 = phi[j, 0], phi[j, 1], phi[j, 2], phi[j, 3]
        l11, l21, l22 = chol[j, 0], chol[j, 1], chol[j, 2]
        mrx = p11 * rx + p12 * vx
        mvx = p21 * rx + p22 * vx
        mry = p11 * ry + p12 * vy
        mvy = p21 * ry + p22 * vy
        best = -np.inf
        for c in range(k):
            crx[c] = mrx + l11 * z[j, c, 0]
            cvx[c] = mvx + l21 * z[j, c, 0] + l22 * z[j, c, 1]
            cry[c] = mry + l11 * z[j, c, 2]
            cvy[c] = mvy + l21 * z[j, c, 2] + l22 * z[j, c, 3]
            col = int(np.floor((mx + sigma * crx[c] - gx0) / gdx + 0.5))
            row = int(np.floor((my + sigma * cry[c] - gy0) / gdy + 0.5))
            if 0 <= col < nx and 0 <= row < ny:
                lw[c] = logw[row, col]
            else:
                lw[c] = -np.inf
            if lw[c] > best:
                best = lw[c]
        if best == -np.inf:  # every candidate at sea or off the grid: stay, and stop
            vx = 0.0
            vy = 0.0
        else:
            total = 0.0
            for c in range(k):
                lw[c] = np.exp(lw[c] - best)
                total += lw[c]
            target = u[j] * total
            pick = k - 1
            acc = 0.0
            for c in range(k):
                acc += lw[c]
                if acc >= target and lw[c] > 0.0:
                    pick = c
                    break
            while lw[pick] == 0.0:  # rounding at the top end: the last candidate with weight
                pick -= 1
            rx, vx, ry, vy = crx[pick], cvx[pick], cry[pick], cvy[pick]
        out_x[j] = mx + sigma * rx
        out_y[j] = my + sigma * ry


def _grid(habitat: xr.Dataset) -> tuple[float, float, float, float]:
    """First cell centre and step (m) of the habitat grid along x and along y: ``(x0, dx, y0, dy)``."""
    gx = habitat["x"].values.astype(float)
    gy = habitat["y"].values.astype(float)
    return float(gx[0]), float(gx[1] - gx[0]), float(gy[0]), float(gy[1] - gy[0])


def _cells(habitat: xr.Dataset, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column of the cells containing points, and whether they are on the grid."""
    gx0, gdx, gy0, gdy = _grid(habitat)
    col = np.floor((x - gx0) / gdx + 0.5).astype(np.int64)
    row = np.floor((y - gy0) / gdy + 0.5).astype(np.int64)
    inside = (col >= 0) & (col < habitat.sizes["x"]) & (row >= 0) & (row < habitat.sizes["y"])
    return np.clip(row, 0, habitat.sizes["y"] - 1), np.clip(col, 0, habitat.sizes["x"] - 1), inside


def _one_collar(
    record: Mapping[str, Any],
    interval_min: int,
    start_s: int,
    days: int,
    species: Species,
    timezone: str,
    habitat: xr.Dataset,
    logw: np.ndarray,
    forest: np.ndarray,
    p: CollarParameters,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Fix attempts of one collar: times (UTC s), true positions, success."""
    n = days * 1440 // interval_min
    scheduled = start_s + np.arange(n, dtype=np.int64) * (interval_min * 60)
    ttff = np.rint(rng.uniform(p.time_to_fix_s[0], p.time_to_fix_s[1], size=n)).astype(np.int64)
    t = scheduled + ttff
    lon, lat = (float(v) for v in hab.to_lonlat(record["ac_x"], record["ac_y"]))
    mid = (t[:-1] + t[1:]) // 2
    act = _activity(np.concatenate([t, mid]), species, lon, lat, timezone, p.resting_activity)
    a_t, a_mid = act[:n], act[n:]
    du = np.diff(t) / 3600.0 * (a_t[:-1] + 4.0 * a_mid + a_t[1:]) / 6.0  # Simpson, hours of activity
    n_burn = int(round(p.burn_in_days * 24))
    du = np.concatenate([np.ones(n_burn), du])
    phi, chol = _transitions(du, p)
    z = rng.standard_normal((du.size, p.candidates, 4))
    u = rng.uniform(size=du.size)
    xs = np.empty(du.size)
    ys = np.empty(du.size)
    gx0, gdx, gy0, gdy = _grid(habitat)
    _walk(
        phi,
        chol,
        z,
        u,
        logw,
        gx0,
        gdx,
        gy0,
        gdy,
        float(record["ac_x"]),
        float(record["ac_y"]),
        float(record["sigma_m"]),
        xs,
        ys,
    )
    x, y = xs[n_burn - 1 :], ys[n_burn - 1 :]  # the burn-in's last state is the first fix
    row, col, _ = _cells(habitat, x, y)
    p_fail = p.fix_failure_open + (p.fix_failure_forest - p.fix_failure_open) * forest[row, col]
    ok = rng.uniform(size=n) >= p_fail
    t_logged = np.where(ok, t, scheduled + int(round(p.fix_timeout_s)))
    return {"t": t_logged, "x": x, "y": y, "ok": ok}


def _steps(x: np.ndarray, y: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Distance (m) from the previous successful fix; NaN for failed fixes and the first success."""
    idx = np.flatnonzero(ok)
    step = np.full(x.size, np.nan)
    if idx.size > 1:
        step[idx[1:]] = np.hypot(np.diff(x[idx]), np.diff(y[idx]))
    return step


def simulate_collar_tracks(
    truth: Mapping[str, Any] | str | Path | None = None,
    habitat: xr.Dataset | None = None,
    n_collars: int = 10,
    fix_interval_min: float | tuple[float, float] = (15, 60),
    start: str = "2016-11-01",
    days: int = 365,
    seed: int | np.random.Generator = 20161101,
    *,
    individuals: Sequence[str] | None = None,
    parameters: CollarParameters | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Simulate GPS-collar fixes of leopards of a simulated study, around their activity centres.

    Parameters
    ----------
    truth : mapping or path, optional
        The content of ``truth.json`` (``SimulationResult.truth``) or the file's path; by
        default the committed default study's (``data/leopard-study``, checksum verified).
        Its ``individuals`` give each cat's activity centre ``ac_x``/``ac_y`` (m,
        EPSG:32652), ``sex`` and ``sigma_m``; its parameters the diel activity model.
    habitat : xarray.Dataset, optional
        The study's habitat rasters (:func:`nbtools.habitat.simulate_habitat`), by default
        ``open_catalog("leopard").habitat.read()``. Uses ``forest_cover``,
        ``distance_to_road``, ``in_park`` and ``land``.
    n_collars : int, default 10
        Cats to collar: the truth's named adult leopards first (Kedrovka, Berry, Typhoon,
        Meamur), then adults with activity centres in the park, chosen at random.
    fix_interval_min : float or (float, float), default (15, 60)
        One interval (min, dividing a day) for every collar, or a range: each collar is
        programmed with one of 15, 20, 30, 40, 45, 60 min in the range, equally likely.
    start : str, default "2016-11-01"
        Local date (``truth["timezone"]``, Asia/Vladivostok) of the first fix attempt, at midnight.
    days : int, default 365
        Days of fix attempts.
    seed : int or numpy.random.Generator, default 20161101
        The same seed gives the same frame. Each collar has its own spawned stream.
    individuals : sequence of str, optional
        ``individualID`` values to collar instead (any adult in the truth, tigers too);
        overrides ``n_collars``.
    parameters : CollarParameters, optional
        Movement, selection and collar settings; default :class:`CollarParameters`.
    progress : bool, default True
        Show a tqdm progress bar over collars (``tqdm.auto``).

    Returns
    -------
    pandas.DataFrame
        One row per fix attempt, ordered by collar and time, with columns :data:`COLUMNS`:
        ``individualID`` and ``sex`` (categoricals; collars in the order chosen),
        ``timestamp`` (``datetime64[ns, UTC]``; the study's zone is in
        ``attrs["timezone"]``), ``x``, ``y`` (float64, m, EPSG:32652; NaN for failed
        fixes), ``step_m`` (m from the previous successful fix of the collar; NaN for failed
        fixes and the first success), ``fix_interval_min`` (int64, the collar's programmed
        interval) and ``fix_ok`` (bool). ``attrs`` holds ``crs``, ``timezone``, ``start``,
        ``days``, ``seed`` and ``schedule`` (interval per individual).

    Notes
    -----
    The model is in the module docstring. Every fix lies on a land cell of ``habitat``.
    Ten collars for a year (about 150,000-350,000 attempts depending on the intervals
    drawn) take under a second; the walk is a compiled numba loop over the steps (compiled
    once, a few seconds, then cached on disk).

    Examples
    --------
    >>> tracks = simulate_collar_tracks(n_collars=2, days=7, fix_interval_min=60, progress=False)  # doctest: +SKIP
    >>> tracks.groupby("individualID", observed=True).size().tolist()                             # doctest: +SKIP
    [168, 168]
    """
    from tqdm.auto import tqdm

    p = parameters if parameters is not None else CollarParameters()
    if int(days) != days or days < 1:
        raise ValueError("days must be a positive whole number")
    days = int(days)
    truth, habitat = _default_inputs(truth, habitat)
    timezone = str(truth.get("timezone", hab.TIMEZONE))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    setup, *streams = rng.spawn(1 + (len(individuals) if individuals is not None else int(n_collars)))
    chosen = _choose_individuals(truth, int(n_collars), individuals, setup)
    intervals = _intervals(fix_interval_min, len(chosen), setup)
    start_s = int(local_to_utc_seconds(start, timezone)[0])
    logw = _log_weights(habitat, p)
    forest = np.nan_to_num(habitat["forest_cover"].transpose("y", "x").values.astype(float))
    parts = []
    for record, interval, stream in tqdm(
        list(zip(chosen, intervals, streams, strict=True)),
        desc="collars",
        unit="collar",
        disable=not progress,
        leave=False,
    ):
        species = _species(truth, record.get("species", "leopard"))
        part = _one_collar(record, int(interval), start_s, days, species, timezone, habitat, logw, forest, p, stream)
        part["interval"] = np.full(part["t"].size, int(interval), dtype=np.int64)
        part["step"] = _steps(part["x"], part["y"], part["ok"])
        part["id"] = np.full(part["t"].size, len(parts), dtype=np.int64)
        parts.append(part)
    cat = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    ids = [r["individualID"] for r in chosen]
    sexes = np.array([r.get("sex") or "unknown" for r in chosen], dtype=object)
    sex_levels = sorted(set(sexes) | {"female", "male"})
    sex_codes = np.array([sex_levels.index(s) for s in sexes], dtype=np.int64)
    ok = cat["ok"]
    frame = pd.DataFrame(
        {
            "individualID": pd.Categorical.from_codes(cat["id"], categories=ids),
            "sex": pd.Categorical.from_codes(sex_codes[cat["id"]], categories=sex_levels),
            "timestamp": pd.to_datetime(cat["t"], unit="s", utc=True).as_unit("ns"),
            "x": np.where(ok, cat["x"], np.nan),
            "y": np.where(ok, cat["y"], np.nan),
            "step_m": cat["step"],
            "fix_interval_min": cat["interval"],
            "fix_ok": ok,
        }
    )
    frame.attrs = {
        "crs": str(truth.get("crs", "EPSG:32652")),
        "timezone": timezone,
        "start": str(start),
        "days": days,
        "seed": int(seed) if not isinstance(seed, np.random.Generator) else None,
        "schedule": {i: int(v) for i, v in zip(ids, intervals, strict=True)},
    }
    return frame


# ----------------------------------------------------------------------------------------
# Lines and home ranges
# ----------------------------------------------------------------------------------------


def track_lines(
    tracks: pd.DataFrame, max_gap: str | pd.Timedelta | None = None, nan_separated: bool = False
) -> list[dict[str, Any]] | pd.DataFrame:
    """Per-individual ordered coordinates of the successful fixes, for lines on a map (no plotting).

    Parameters
    ----------
    tracks : pandas.DataFrame
        From :func:`simulate_collar_tracks` (``individualID``, ``timestamp``, ``x``, ``y``,
        optional ``sex`` and ``fix_ok``); rows with ``fix_ok`` False or NaN positions are left out.
    max_gap : str or pandas.Timedelta, optional
        Break a line where consecutive successful fixes are further apart in time (e.g.
        ``"6h"``), so that long outages are not drawn as straight lines.
    nan_separated : bool, default False
        Return one DataFrame with ``x``, ``y`` and a NaN row between lines (the format of
        datashader's ``Canvas.line`` and of a single holoviews path with breaks) instead of a list.

    Returns
    -------
    list of dict or pandas.DataFrame
        One dict per line, in collar order then time: ``individualID`` and ``sex`` (str)
        and ``x``, ``y`` (float64 arrays, m) -- pass to ``hv.Path(lines, vdims=["individualID",
        "sex"])``. With ``nan_separated`` a DataFrame with ``individualID``, ``x``, ``y``.
    """
    ok = tracks["fix_ok"].to_numpy(dtype=bool) if "fix_ok" in tracks else np.ones(len(tracks), dtype=bool)
    good = tracks.loc[ok & tracks["x"].notna().to_numpy() & tracks["y"].notna().to_numpy()]
    good = good.sort_values(["individualID", "timestamp"], kind="stable")
    gap = pd.Timedelta(max_gap) if max_gap is not None else None
    lines: list[dict[str, Any]] = []
    for individual, group in good.groupby("individualID", observed=True, sort=True):
        x = group["x"].to_numpy(dtype=float)
        y = group["y"].to_numpy(dtype=float)
        sex = str(group["sex"].iloc[0]) if "sex" in group else ""
        cuts = np.array([], dtype=np.int64)
        if gap is not None and len(group) > 1:
            t = pd.DatetimeIndex(group["timestamp"]).as_unit("ns").asi8
            cuts = np.flatnonzero(np.diff(t) > gap.value) + 1
        for sx, sy in zip(np.split(x, cuts), np.split(y, cuts), strict=True):
            lines.append({"individualID": str(individual), "sex": sex, "x": sx, "y": sy})
    if not nan_separated:
        return lines
    pieces = []
    for line in lines:
        pieces.append(pd.DataFrame({"individualID": line["individualID"], "x": line["x"], "y": line["y"]}))
        pieces.append(pd.DataFrame({"individualID": [line["individualID"]], "x": [np.nan], "y": [np.nan]}))
    if not pieces:
        return pd.DataFrame(
            {"individualID": pd.Series(dtype=object), "x": pd.Series(dtype=float), "y": pd.Series(dtype=float)}
        )
    return pd.concat(pieces[:-1], ignore_index=True)


def home_range_area_km2(sigma_m: Any, level: float = 0.95) -> np.ndarray:
    """Area (km2) holding ``level`` of a circular bivariate normal utilisation distribution.

    The half-normal detection model of SECR implies the distribution ``N(centre, sigma^2 I)``;
    its ``level`` contour is a circle of radius ``sigma sqrt(-2 ln(1 - level))`` (2.448
    sigma for 95 %), so the area is ``-2 pi sigma^2 ln(1 - level)``.

    Examples
    --------
    >>> round(float(home_range_area_km2(2000.0)), 1)
    75.3
    """
    sigma = np.asarray(sigma_m, dtype=float)
    return -2.0 * np.pi * sigma**2 * np.log1p(-level) / 1e6


def _mcp_area(x: np.ndarray, y: np.ndarray, percent: float) -> float:
    """Area (m2) of the minimum convex polygon of the ``percent`` % of points nearest their centroid."""
    from scipy.spatial import ConvexHull

    if x.size < 3:
        return float("nan")
    d = np.hypot(x - x.mean(), y - y.mean())
    keep = d <= np.quantile(d, percent / 100.0) if percent < 100 else np.ones(x.size, dtype=bool)
    points = np.column_stack([x[keep], y[keep]])
    if points.shape[0] < 3:
        return float("nan")
    return float(ConvexHull(points).volume)  # in 2-D, ``volume`` is the area


def home_range_summary(
    tracks: pd.DataFrame, truth: Mapping[str, Any] | None = None, percent: float = 95.0
) -> pd.DataFrame:
    """Fix success, spread and minimum convex polygon (MCP) per collared individual.

    Parameters
    ----------
    tracks : pandas.DataFrame
        From :func:`simulate_collar_tracks`.
    truth : mapping, optional
        The content of ``truth.json``: adds each individual's ``sigma_m``, the distance of
        the fixes' centroid from the true activity centre and ``expected_km2``, the area
        of the ``percent`` % circle of ``N(centre, sigma^2 I)`` (:func:`home_range_area_km2`;
        ``pi (2.45 sigma)^2`` for 95 %).
    percent : float, default 95
        Share of fixes in the MCP: those nearest the centroid of all fixes, as
        ``adehabitatHR::mcp(xy, percent = 95)`` (Mohr 1947).

    Returns
    -------
    pandas.DataFrame
        One row per individual: ``individualID``, ``sex``, ``fix_interval_min``,
        ``attempts``, ``fixes`` (successful), ``fix_success`` (share), ``centre_x``,
        ``centre_y`` (m, the centroid of the fixes), ``spread_m`` (root mean squared
        per-axis deviation from the centroid; estimates sigma), ``km_per_day`` (sum of the
        steps over the days tracked), ``mcp_km2``; with ``truth`` also ``sigma_m``,
        ``centre_error_m`` and ``expected_km2``.
    """
    rows = []
    records = {r["individualID"]: r for r in truth["individuals"]} if truth is not None else {}
    for individual, group in tracks.groupby("individualID", observed=True, sort=True):
        ok = group["fix_ok"].to_numpy(dtype=bool) if "fix_ok" in group else np.ones(len(group), dtype=bool)
        ok = ok & group["x"].notna().to_numpy()
        x = group["x"].to_numpy(dtype=float)[ok]
        y = group["y"].to_numpy(dtype=float)[ok]
        t = group["timestamp"]
        span_days = (t.max() - t.min()) / pd.Timedelta(days=1) if len(group) > 1 else float("nan")
        row = {
            "individualID": str(individual),
            "sex": str(group["sex"].iloc[0]) if "sex" in group else None,
            "fix_interval_min": int(group["fix_interval_min"].iloc[0]) if "fix_interval_min" in group else None,
            "attempts": int(len(group)),
            "fixes": int(ok.sum()),
            "fix_success": float(ok.mean()) if len(group) else float("nan"),
            "centre_x": float(x.mean()) if x.size else float("nan"),
            "centre_y": float(y.mean()) if x.size else float("nan"),
            "spread_m": float(np.sqrt((x.var() + y.var()) / 2.0)) if x.size else float("nan"),
            "km_per_day": float(np.nansum(group["step_m"].to_numpy(dtype=float)) / 1000.0 / span_days)
            if "step_m" in group and span_days > 0
            else float("nan"),
            "mcp_km2": _mcp_area(x, y, percent) / 1e6,
        }
        if truth is not None:
            record = records.get(str(individual), {})
            sigma = float(record.get("sigma_m", np.nan))
            row["sigma_m"] = sigma
            row["centre_error_m"] = float(
                np.hypot(row["centre_x"] - record.get("ac_x", np.nan), row["centre_y"] - record.get("ac_y", np.nan))
            )
            row["expected_km2"] = float(home_range_area_km2(sigma, percent / 100.0))
        rows.append(row)
    return pd.DataFrame(rows)
