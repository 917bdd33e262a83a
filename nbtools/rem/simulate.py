"""Simulated prey studies for the random encounter model: animals walking past camera cones, with a truth.

Sika deer, roe deer and wild boar (or any :class:`PreySpecies`) live at known densities in a square
study region (a torus, so density is the same everywhere), in groups that move together by a
correlated random walk (:mod:`nbtools.rem.walks`) at species-specific speeds and diel activity. Cameras
stand at random or beside game trails; each has a detection cone whose sensor triggers with a
probability falling with distance (half-normal) and towards the edges of its field
(:mod:`nbtools.rem.cameras`). Each detected passage becomes a sequence - an event-level observation
with the group's ``count``, the position where the camera first triggered
(``individualPositionRadius`` m, ``individualPositionAngle``) and the speed through the zone
(``individualSpeed`` m/s), each measured with noise - in a Camtrap DP 1.0 package written with
:func:`nbtools.camtrapdp.write_camtrapdp`, beside ``truth.json``: density, day range, speed,
activity level and the detection zone, computed from the simulated animals and the detection
process, not from the REM's formula.

Angles are written in degrees, the unit of Camtrap DP 1.0's ``individualPositionAngle`` (its Table
Schema: "Expressed in degrees", -90 to 90); read them with ``angle_unit="deg"`` (Agouti exports write
radians in the same field: ``angle_unit="rad"`` writes those instead).

Defaults are plausible values, not measurements: domain notes (``shared/notes/domain.md`` s.8) give
the activity shapes (roe and sika deer crepuscular, wild boar nocturnal) and the trail-side camera
setting; densities, speeds, group sizes and detection scales are assumed (see :data:`PREY`).

>>> from nbtools.rem.simulate import simulate_prey_study          # doctest: +SKIP
>>> sim = simulate_prey_study("prey-study", seed=1)                # doctest: +SKIP
>>> sim.truth["species"]["Cervus nippon"]["density_per_km2"]       # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..activity import time_of_day
from .cameras import CameraZone, effective_width, passages, place_cameras
from .inputs import REMData
from .walks import Trails, walk

__all__ = [
    "PREY",
    "PreySimulation",
    "PreySpecies",
    "PreyStudyParameters",
    "activity_curve",
    "simulate_prey",
    "simulate_prey_study",
    "write_prey_study",
]

_UTM52N_ORIGIN = (555_000.0, 4_760_000.0)  # south-west corner of the region (EPSG:32652, ~43.0 N 131.7 E)


@dataclass(frozen=True)
class PreySpecies:
    """A prey species of the simulator.

    Attributes
    ----------
    scientific_name, vernacular : str
    density_per_km2 : float
        Animals per km^2.
    group_size : float
        Mean size of the groups that move together (sizes ``1 + Poisson(group_size - 1)``).
    speed_m_s : float
        Mean speed while moving (m/s); step speeds are log-normal with log-SD ``speed_sdlog``.
    speed_sdlog : float
    activity_peaks_h : tuple of float
        Clock hours of the peaks of activity (von Mises bumps of concentration ``activity_kappa``).
    activity_kappa : float
    activity_floor : float
        Activity between peaks, relative to the peak (the curve's maximum is 1).
    turning_sd_rad : float
        Standard deviation of turning angles between steps (rad; the correlation of the walk).
    sigma_radius_m : float
        Half-normal scale (m) of the camera's detection with distance for this species.
    """

    scientific_name: str
    vernacular: str
    density_per_km2: float
    group_size: float
    speed_m_s: float
    speed_sdlog: float
    activity_peaks_h: tuple[float, ...]
    activity_kappa: float
    activity_floor: float
    turning_sd_rad: float
    sigma_radius_m: float

    def __post_init__(self) -> None:
        if not (self.density_per_km2 > 0 and self.group_size >= 1 and self.speed_m_s > 0):
            raise ValueError(f"{self.scientific_name}: density > 0, group_size >= 1 and speed > 0 are needed")
        if not (0 <= self.activity_floor < 1 and self.sigma_radius_m > 0):
            raise ValueError(f"{self.scientific_name}: activity_floor in [0, 1) and sigma_radius_m > 0 are needed")


#: Default prey (values assumed unless a source is named). Activity shapes: domain notes s.8 (roe deer
#: crepuscular bimodal, sika deer crepuscular bimodal as in Shiretoko, wild boar nocturnal-cathemeral).
#: Densities: a few deer per km^2 and fewer boar, as ungulate surveys in the Russian Far East report
#: (assumed). Speeds while moving 0.15-0.25 m/s, within the range of ungulates' camera-trap speeds in
#: Rowcliffe et al. (2016) (assumed). Group sizes: roe deer small family groups, sika deer hinds with
#: calves, wild boar sounders (assumed). Detection scales: larger animals seen farther (assumed).
PREY: tuple[PreySpecies, ...] = (
    PreySpecies("Cervus nippon", "sika deer", 4.0, 2.5, 0.20, 0.5, (6.0, 18.5), 4.0, 0.15, 0.8, 5.0),
    PreySpecies("Capreolus pygargus", "Siberian roe deer", 3.0, 1.6, 0.15, 0.5, (5.5, 19.0), 3.0, 0.2, 0.9, 4.5),
    PreySpecies("Sus scrofa", "wild boar", 2.0, 3.0, 0.25, 0.5, (23.0,), 1.5, 0.1, 0.6, 4.0),
)


def activity_curve(species: PreySpecies, hours: NDArray[np.float64]) -> NDArray[np.float64]:
    """Probability that an animal is active at each clock hour (peak 1).

    Returns
    -------
    numpy.ndarray
        ``floor + (1 - floor) * bumps / max(bumps)`` with von Mises bumps at the peaks.
    """
    grid = np.linspace(0, 24, 1441)

    def bumps(h: NDArray) -> NDArray:
        angle = np.asarray(h, dtype=float)[..., None] * (2 * math.pi / 24)
        peaks = np.asarray(species.activity_peaks_h) * (2 * math.pi / 24)
        return np.exp(species.activity_kappa * (np.cos(angle - peaks) - 1)).sum(axis=-1)

    top = float(bumps(grid).max())
    return species.activity_floor + (1 - species.activity_floor) * bumps(hours) / top


@dataclass(frozen=True)
class PreyStudyParameters:
    """The design of a simulated prey study.

    Attributes
    ----------
    species : tuple of PreySpecies, default :data:`PREY`
    side_km : float, default 10
        Side of the square region (km).
    n_cameras : int, default 50
    days : int, default 90
        Survey length; every camera works throughout.
    placement : {"random", "trail"}, default "random"
        Cameras at random (the REM's assumption) or beside trails.
    trails : Trails or None, default None
        Game trails that capture animals' movement (needed for ``"trail"``; with ``"random"`` they
        change movement without biasing a random camera placement).
    zone : CameraZone
        The cameras' sensor and measurement errors.
    step_s : float, default 600
        Step of the walk (s).
    start : str, default "2016-11-01"
        First day (local midnight).
    timezone : str, default "Asia/Vladivostok"
    angle_unit : {"deg", "rad"}, default "deg"
        Unit written in ``individualPositionAngle`` (Camtrap DP 1.0: degrees).
    """

    species: tuple[PreySpecies, ...] = PREY
    side_km: float = 10.0
    n_cameras: int = 50
    days: int = 90
    placement: Literal["random", "trail"] = "random"
    trails: Trails | None = None
    zone: CameraZone = field(default_factory=CameraZone)
    step_s: float = 600.0
    start: str = "2016-11-01"
    timezone: str = "Asia/Vladivostok"
    angle_unit: Literal["deg", "rad"] = "deg"

    def __post_init__(self) -> None:
        if self.placement not in ("random", "trail"):
            raise ValueError(f"placement must be 'random' or 'trail', got {self.placement!r}")
        if self.placement == "trail" and self.trails is None:
            raise ValueError("placement='trail' needs trails=Trails(...)")
        if self.angle_unit not in ("deg", "rad"):
            raise ValueError(f"angle_unit must be 'deg' or 'rad', got {self.angle_unit!r}")
        if not (self.side_km > 0 and self.n_cameras >= 1 and self.days >= 1 and self.step_s > 0):
            raise ValueError("side_km, n_cameras, days and step_s must be positive")


@dataclass(frozen=True, eq=False)
class PreySimulation:
    """A simulated prey study in memory: Camtrap DP tables, metadata and the truth.

    Attributes
    ----------
    deployments, media, observations : pandas.DataFrame
        Camtrap DP 1.0 tables (timestamps timezone-aware).
    metadata : dict
        The package descriptor without resources.
    truth : dict
        What ``truth.json`` holds.
    cameras : pandas.DataFrame
        Camera positions ``x``, ``y`` (m, in the region), ``heading`` (rad), ``on_trail``.
    paths : dict of str to pathlib.Path
        Files written (empty until :func:`write_prey_study`).
    """

    deployments: pd.DataFrame
    media: pd.DataFrame
    observations: pd.DataFrame
    metadata: dict[str, Any]
    truth: dict[str, Any]
    cameras: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)

    def package(self) -> Any:
        """The tables as a :class:`nbtools.camtrapdp.CamtrapDP` (for :meth:`nbtools.study.Study.from_camtrapdp`)."""
        from ..camtrapdp import CamtrapDP

        return CamtrapDP(
            deployments=self.deployments,
            media=self.media,
            observations=self.observations,
            metadata=self.metadata,
            timezone=self.truth["timezone"],
        )

    def rem_data(self, species: str, contacts: Literal["individuals", "sequences"] = "individuals") -> REMData:
        """The REM's inputs for one species straight from the tables (quick, for simulation studies).

        What :func:`nbtools.rem.rem_data` gives from the package read back, with ``contacts``
        ``"individuals"`` (the sum of ``count``: animals, the default) or ``"sequences"`` (groups), and
        one time per *sequence* for the activity level whatever ``contacts`` is: repeating a group's
        time once per animal (camtrapDensity's convention) would treat the animals of a group as
        independent records and make the activity kernel spiky.
        """
        obs = self.observations[self.observations["scientificName"] == species]
        locations = self.deployments.set_index("deploymentID")["locationID"]
        loc = obs["deploymentID"].map(locations).to_numpy(dtype=object)
        per = obs["count"].to_numpy(dtype=float) if contacts == "individuals" else np.ones(len(obs))
        counts = pd.Series(per).groupby(loc).sum()
        days = self.truth["parameters"]["days"]
        table = pd.DataFrame({"locationID": self.deployments["locationID"].to_numpy(dtype=object)})
        table["contacts"] = table["locationID"].map(counts).fillna(0.0).astype(float)
        table["camera_days"] = float(days)
        table["n_deployments"] = 1
        angles = obs["individualPositionAngle"].to_numpy(dtype=float)
        angles = np.deg2rad(angles) if self.truth["angle_unit"] == "deg" else angles

        def measured(name: str, values: NDArray) -> pd.DataFrame:
            return pd.DataFrame(
                {"locationID": loc, "deploymentID": obs["deploymentID"].to_numpy(dtype=object), name: values}
            )

        times = np.asarray(time_of_day(obs["eventStart"], self.truth["timezone"]), dtype=float)
        return REMData(
            species,
            table,
            measured("radius", obs["individualPositionRadius"].to_numpy(dtype=float)),
            measured("angle", angles),
            measured("speed", obs["individualSpeed"].to_numpy(dtype=float)),
            pd.DataFrame({"locationID": loc, "time": times}),
            {"contacts": contacts, "activity_time": "clock", "times": "sequences"},
        )


def _zone_truth(zone: CameraZone, sp: PreySpecies) -> dict[str, float]:
    """The detection zone of one species: the detection functions' effective values and the exact width."""
    r = np.linspace(0, zone.max_radius_m, 4001)
    g = np.exp(-0.5 * (r / sp.sigma_radius_m) ** 2)
    phi = np.linspace(0, zone.half_angle_rad, 2001)
    h = np.exp(-0.5 * (phi / zone.sigma_angle_rad) ** 2)
    radius = math.sqrt(2 * np.trapezoid(r * g, r))
    angle = 2 * float(np.trapezoid(h, phi))
    width = effective_width(zone, sp.sigma_radius_m)
    return {
        "sigma_radius_m": sp.sigma_radius_m,
        "max_radius_m": zone.max_radius_m,
        "half_angle_rad": zone.half_angle_rad,
        "sigma_angle_rad": zone.sigma_angle_rad,
        "hazard_per_m": zone.hazard_per_m,
        "effective_radius_m": radius,
        "effective_angle_rad": angle,
        "rem_width_m": radius * (2 + angle) / math.pi,
        "effective_width_m": width,
    }


def _one_species(
    p: PreyStudyParameters, sp: PreySpecies, cameras: pd.DataFrame, local_hours: NDArray, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Walk one species' groups, detect their passages; return the passages and the species' truth."""
    side_m = p.side_km * 1000.0
    area = p.side_km**2
    n_groups = int(rng.poisson(sp.density_per_km2 * area / sp.group_size))
    sizes = 1 + rng.poisson(sp.group_size - 1, n_groups)
    activity = activity_curve(sp, local_hours)
    found, distance_per_s, moving_steps = [], 0.0, 0
    block = 64  # groups walked at a time (memory: a few arrays of block x steps)
    for first in range(0, n_groups, block):
        n = min(block, n_groups - first)
        w = walk(
            n,
            local_hours.size,
            p.step_s,
            side_m,
            activity,
            sp.speed_m_s,
            sp.speed_sdlog,
            sp.turning_sd_rad,
            rng,
            p.trails,
        )
        distance_per_s += float(w.speed.sum())
        moving_steps += w.speed.size
        hits = passages(w, cameras, p.zone, sp.sigma_radius_m, side_m, rng)
        hits["walker"] += first
        found.append(hits)
    if not found:  # no group in the region: no passages, with the columns and types of passages()
        ints = {name: np.zeros(0, dtype=np.int64) for name in ("camera", "walker", "step")}
        floats = {name: np.zeros(0) for name in ("fraction", "radius", "angle", "speed", "exit_fraction")}
        found = [pd.DataFrame({**ints, **floats})]
    hits = pd.concat(found, ignore_index=True)
    hits["count"] = sizes[hits["walker"].to_numpy(dtype=np.int64)]
    speed = distance_per_s / max(moving_steps, 1)  # every step lasts step_s: the mean speed while moving
    act = moving_steps / max(n_groups * local_hours.size, 1)  # share of group-steps active
    zone = _zone_truth(p.zone, sp)
    animals = int(sizes.sum())
    day_range = speed * act * 86.4
    truth = {
        "vernacular": sp.vernacular,
        "density_per_km2": animals / area,
        "density_per_km2_expected": sp.density_per_km2,
        "animals": animals,
        "groups": n_groups,
        "mean_group_size": float(sizes.mean()) if n_groups else None,
        "speed_m_s": speed,
        "speed_m_s_expected": sp.speed_m_s,
        "activity_level": act,
        "activity_level_expected": float(activity.mean()),
        "day_range_km": day_range,
        "detection_zone": zone,
        "contacts_per_camera_day_expected": animals / area * day_range * zone["effective_width_m"] / 1000.0,
        "passages_detected": len(hits),
        "animals_detected": int(hits["count"].sum()),
    }
    hits["scientificName"] = sp.scientific_name
    return hits, truth


def _lonlat(x: NDArray, y: NDArray) -> tuple[NDArray, NDArray]:
    from pyproj import Transformer

    to_wgs = Transformer.from_crs("EPSG:32652", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(x + _UTM52N_ORIGIN[0], y + _UTM52N_ORIGIN[1])
    return np.round(lon, 5), np.round(lat, 5)


def _tables(
    p: PreyStudyParameters, cameras: pd.DataFrame, hits: pd.DataFrame, start: pd.Timestamp, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Camtrap DP deployments, media and observations from the cameras and the detected passages."""
    n = len(cameras)
    ids = [f"C{i + 1:03d}" for i in range(n)]
    lon, lat = _lonlat(cameras["x"].to_numpy(), cameras["y"].to_numpy())
    end = start + pd.Timedelta(days=p.days)
    compass = np.mod(np.round(90.0 - np.degrees(cameras["heading"].to_numpy())), 360.0).astype(np.int64)
    deployments = pd.DataFrame(
        {
            "deploymentID": [f"{i}-1" for i in ids],
            "locationID": ids,
            "latitude": lat,
            "longitude": lon,
            "deploymentStart": start.tz_convert("UTC"),
            "deploymentEnd": end.tz_convert("UTC"),
            "cameraHeight": 0.6,
            "cameraHeading": compass,
            "detectionDistance": p.zone.max_radius_m,
            "timestampIssues": False,
            "baitUse": False,
            "featureType": np.where(cameras["on_trail"].to_numpy(), "trailGame", None),
        }
    )
    z = p.zone
    m = len(hits)
    seconds = (hits["step"].to_numpy() + hits["fraction"].to_numpy()) * p.step_s
    in_view = np.clip((hits["exit_fraction"].to_numpy() - hits["fraction"].to_numpy()) * p.step_s, 1.0, 120.0)
    t0 = start.tz_convert("UTC") + pd.to_timedelta(np.floor(seconds), unit="s")
    t1 = t0 + pd.to_timedelta(np.ceil(in_view), unit="s")
    radius = hits["radius"].to_numpy() * np.exp(rng.normal(0, z.radius_cv, m))
    angle = hits["angle"].to_numpy() + rng.normal(0, z.angle_sd_rad, m)
    angle = np.clip(angle, -math.pi / 2, math.pi / 2)
    speed = hits["speed"].to_numpy() * np.exp(rng.normal(z.speed_cv**2 / 2, z.speed_cv, m))  # E[1/noise] = 1
    order = np.lexsort((hits["scientificName"].to_numpy(), seconds, hits["camera"].to_numpy()))
    dep = np.asarray([f"{i}-1" for i in ids], dtype=object)[hits["camera"].to_numpy()]
    event_ids = np.array([f"E{i + 1:06d}" for i in range(m)], dtype=object)
    media_ids = np.array([f"M{i + 1:06d}" for i in range(m)], dtype=object)
    ev = (
        pd.DataFrame(
            {
                "deploymentID": dep,
                "eventStart": t0,
                "eventEnd": t1,
                "scientificName": hits["scientificName"].to_numpy(),
                "count": hits["count"].to_numpy(),
                "individualPositionRadius": radius.round(2),
                "individualPositionAngle": (np.degrees(angle).round(2) if p.angle_unit == "deg" else angle.round(4)),
                "individualSpeed": speed.round(3),
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )
    media = pd.DataFrame(
        {
            "mediaID": media_ids,
            "deploymentID": ev["deploymentID"].to_numpy(),
            "captureMethod": "activityDetection",
            "timestamp": ev["eventStart"],
            "filePath": [f"media/{d}/{mid}.JPG" for d, mid in zip(ev["deploymentID"], media_ids)],
            "filePublic": False,
            "fileName": [f"{mid}.JPG" for mid in media_ids],
            "fileMediatype": "image/jpeg",
        }
    )
    observations = pd.DataFrame(
        {
            "observationID": [f"O{i + 1:06d}" for i in range(m)],
            "deploymentID": ev["deploymentID"].to_numpy(),
            "eventID": event_ids,
            "eventStart": ev["eventStart"],
            "eventEnd": ev["eventEnd"],
            "observationLevel": "event",
            "observationType": "animal",
            "scientificName": ev["scientificName"].to_numpy(),
            "count": ev["count"].astype("int64").to_numpy(),
            "individualPositionRadius": ev["individualPositionRadius"].to_numpy(),
            "individualPositionAngle": ev["individualPositionAngle"].to_numpy(),
            "individualSpeed": ev["individualSpeed"].to_numpy(),
            "classificationMethod": "human",
            "classifiedBy": "nbtools.rem.simulate (simulated observer)",
        }
    )
    return deployments, media, observations


def _metadata(p: PreyStudyParameters, seed: int, deployments: pd.DataFrame) -> dict[str, Any]:
    lat, lon = deployments["latitude"], deployments["longitude"]
    west, east, south, north = lon.min(), lon.max(), lat.min(), lat.max()
    first = pd.Timestamp(p.start).date().isoformat()
    last = (pd.Timestamp(p.start) + pd.Timedelta(days=p.days)).date().isoformat()
    home = "https://github.com/leopard-nbtools/leopard-nbtools"
    title = f"Simulated prey survey for the random encounter model ({p.placement} cameras, seed {seed})"
    return {
        "name": f"rem-prey-simulated-{p.placement}-seed-{seed}",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{home}/rem/simulate/{p.placement}/{seed}")),
        "created": "2018-03-15T00:00:00Z",
        "title": title,
        "contributors": [{"title": "leopard-nbtools contributors", "path": home, "role": "publisher"}],
        "description": (
            "SIMULATED data, not field records: prey animals walking past camera traps, written by "
            "nbtools.rem.simulate with known truth (truth.json beside this file). individualPositionAngle "
            f"is in {'degrees' if p.angle_unit == 'deg' else 'radians'}."
        ),
        "version": "1.0",
        "licenses": [
            {"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/", "scope": scope}
            for scope in ("data", "media")
        ],
        "project": {
            "id": "rem-prey-simulation",
            "title": "Prey density by the random encounter model (simulated)",
            "samplingDesign": "simpleRandom" if p.placement == "random" else "targeted",
            "captureMethod": ["activityDetection"],
            "individualAnimals": False,
            "observationLevel": ["event"],
        },
        "coordinatePrecision": 0.00001,
        "spatial": {
            "type": "Polygon",
            "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
        },
        "temporal": {"start": first, "end": last},
        "taxonomic": [
            {"scientificName": s.scientific_name, "taxonRank": "species", "vernacularNames": {"eng": s.vernacular}}
            for s in p.species
        ],
        "timezone": p.timezone,
    }


def simulate_prey(
    parameters: PreyStudyParameters | None = None, seed: int = 1, progress: bool = True, **overrides: Any
) -> PreySimulation:
    """Simulate a prey study in memory (see the module docstring); :func:`write_prey_study` writes it.

    Parameters
    ----------
    parameters : PreyStudyParameters, optional
        The design; default :class:`PreyStudyParameters()`.
    seed : int, default 1
        The same seed gives the same study.
    progress : bool, default True
        A progress bar over species.
    **overrides
        Fields of :class:`PreyStudyParameters` to replace (``n_cameras=30``, ``placement="trail"``, ...).

    Returns
    -------
    PreySimulation
    """
    from tqdm.auto import tqdm

    p = replace(parameters or PreyStudyParameters(), **overrides)
    streams = np.random.SeedSequence(seed).spawn(len(p.species) + 2)
    side_m = p.side_km * 1000.0
    cameras = place_cameras(p.n_cameras, side_m, p.placement, np.random.default_rng(streams[0]), p.trails)
    start = pd.Timestamp(p.start).tz_localize(p.timezone)
    n_steps = int(round(p.days * 86400 / p.step_s))
    offset_h = start.utcoffset().total_seconds() / 3600.0
    local_hours = np.mod((np.arange(n_steps) + 0.5) * p.step_s / 3600.0 + start.tz_convert("UTC").hour + offset_h, 24)
    found, species_truth = [], {}
    for sp, stream in tqdm(
        list(zip(p.species, streams[2:])), desc="simulate prey", unit="species", disable=not progress, leave=False
    ):
        hits, truth = _one_species(p, sp, cameras, local_hours, np.random.default_rng(stream))
        found.append(hits)
        species_truth[sp.scientific_name] = truth
    hits = pd.concat(found, ignore_index=True)
    deployments, media, observations = _tables(p, cameras, hits, start, np.random.default_rng(streams[1]))
    design = asdict(p)
    design["species"] = [asdict(s) for s in p.species]
    truth = {
        "description": (
            "Known truth of a prey study simulated by nbtools.rem.simulate. density_per_km2: animals "
            "in the region / its area; speed_m_s: mean speed over all moving steps; activity_level: "
            "share of animal-steps active; day_range_km = speed x activity x 86.4; detection_zone: "
            "effective radius and angle of the detection functions, and effective_width_m, the mean "
            "width of the zone the detection process implies (contacts = D x day range x width)."
        ),
        "seed": seed,
        "timezone": p.timezone,
        "crs": "EPSG:32652",
        "origin_utm": list(_UTM52N_ORIGIN),
        "area_km2": p.side_km**2,
        "camera_days": float(p.n_cameras * p.days),
        "angle_unit": p.angle_unit,
        "parameters": design,
        "species": species_truth,
    }
    return PreySimulation(deployments, media, observations, _metadata(p, seed, deployments), truth, cameras)


def write_prey_study(sim: PreySimulation, out_dir: str | Path) -> PreySimulation:
    """Write the Camtrap DP package (``datapackage.json`` and CSV files) and ``truth.json``.

    Returns
    -------
    PreySimulation
        The same study with ``paths`` filled in.
    """
    from ..camtrapdp import CamtrapDP, write_camtrapdp

    out = Path(out_dir)
    package = CamtrapDP(
        deployments=sim.deployments, media=sim.media, observations=sim.observations, metadata=sim.metadata
    )
    datapackage = Path(write_camtrapdp(package, out, timezone=sim.truth["timezone"]))
    truth_path = out / "truth.json"
    truth_path.write_text(json.dumps(sim.truth, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    paths = {"datapackage": datapackage, "truth": truth_path}
    paths.update({name: out / f"{name}.csv" for name in ("deployments", "media", "observations")})
    return replace(sim, paths=paths)


def simulate_prey_study(
    out_dir: str | Path,
    seed: int = 1,
    parameters: PreyStudyParameters | None = None,
    progress: bool = True,
    **overrides: Any,
) -> PreySimulation:
    """Simulate a prey study and write it to ``out_dir`` (:func:`simulate_prey` + :func:`write_prey_study`)."""
    return write_prey_study(simulate_prey(parameters, seed, progress, **overrides), out_dir)
