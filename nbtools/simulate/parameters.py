"""Every setting of the simulated study (:class:`StudyParameters`, with each default's source) and the seeds.

Each model component draws from its own random generator spawned from the seed
(:data:`COMPONENTS`), so that changing one step does not reshuffle the others.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import habitat as hab
from .species import DEFAULT_SPECIES, Species

__all__ = ["COMPONENTS", "StudyParameters", "generators", "jsonable", "resolve_parameters"]

#: Named random streams, in spawn order. Append new components at the end only, so that
#: existing streams (and hence existing studies) stay the same.
COMPONENTS = (
    "habitat",
    "stations",
    "schedule",
    "faults",
    "leopards",
    "tigers",
    "species",
    "detection",
    "media",
    "classification",
    "identification",
)


@dataclass(frozen=True)
class StudyParameters:
    """Every setting of the simulated study, with its default's source.

    Sources are in ``notes/domain.md`` (section numbers below); "assumed" marks values
    chosen for plausibility where no source gives a number.

    Attributes
    ----------
    study_start, study_end : str
        First and last day of the survey (local dates), default 2016-11-01 to 2017-10-31
        (the issue's study year; the LLNP count of 2017 gave 84 adults and 19 cubs, WWF 2018).
    timezone : str
        ``Asia/Vladivostok`` (UTC+10; tz database).
    created : str
        The package's fixed ``created`` timestamp (no "now", so files are reproducible).
    habitat_resolution_m : float
        Habitat grid cell (m), default 250.
    station_spacing_m : float
        Grid spacing 3500 m (Lukarevskiy & Lukarevskiy 2019: 41 paired stations ~3.5 km apart).
    station_jitter_m : float
        Uniform jitter of grid points within this radius (600 m, assumed).
    station_margin_m : float
        Minimum distance of a location inside the park boundary (300 m, assumed).
    road_snap_m : float
        Grid points within this distance of a forest road are placed on the road (400 m,
        assumed); leopards use forest roads, and vehicles are recorded only there.
    cameras_per_location : int
        2, facing each other to photograph both flanks (domain.md s.2). 1 is allowed.
    service_interval_days : int
        Cards and batteries changed every 122 days, i.e. 4 months (Lukarevskiy & Lukarevskiy
        2019: cards read every 4 months).
    locations_per_field_day : int
        Locations the team sets or services per day (16, assumed): setup and service
        visits spread over about two weeks along the park.
    burst_sizes, burst_probabilities : tuple
        Images per trigger, a camera setting: 3, 4 or 5 (probabilities 0.7, 0.1, 0.2, assumed).
    camera_model : str
        ``Reconyx-HC600`` (Reconyx cameras: Lukarevskiy & Lukarevskiy 2019).
    failure_fraction : float
        Share of camera positions with one theft or breakage in the year (0.12; WCS Russia
        2019: 14 of 116 cameras stolen; 24 of 102 locations lost at Tieqiaoshan; domain.md s.7).
    stolen_share : float
        Share of those failures that are thefts (card lost, no media; 0.5, assumed).
    dead_battery_probability, card_full_probability : float
        Per deployment, camera stops before retrieval (0.05 and 0.02, assumed; Newey et al.
        2015, Ambio 44:624-635, list battery drain and full cards among common failures).
    knocked_over_probability : float
        Per deployment (0.03, assumed), with a gap of ``knocked_over_gap_days`` (5-40 days)
        before a patrol re-sets the camera; the deployment is split in two.
    clock_fault_fraction : float
        Share of cameras with a clock fault (0.05, assumed; Newey et al. 2015).
    clock_fault_kinds : tuple of str
        ``reset`` (clock restarts at 2000-01-01 00:00 when the deployment starts), ``offset``
        (+``clock_offset_hours``), ``utc8`` (set to Beijing time, UTC+8, as cameras across
        the border, every deployment of that camera), ``drift`` (runs slow by
        ``drift_minutes_per_week``, reset at each service). Assigned in turn so each occurs.
    n_leopards : int
        Adult leopards with activity centres in the state space (86; 84 adults counted in
        LLNP in 2017, WWF 2018; "80-90 in and around the park", issue 3).
    leopard_female_share : float
        1.2 / 2.2: sex ratio M:F 1:1.2 (Vitkalova & Shevtsova 2016).
    state_space_buffer_m : float
        Activity centres lie on land within 12 km of the park (~3 male sigma; domain.md s.8).
    leopard_sigma_female_m, leopard_sigma_male_m : float
        Half-normal sigma 2.0 and 3.5 km (derived from home ranges of 40-100 and 180-400 km2,
        domain.md s.4).
    leopard_lambda0 : float
        Expected detections per camera-day at the activity centre (0.02, assumed; domain.md s.8).
    leopard_density : tuple of (covariate, coefficient)
        Log-linear density surface on ``forest``, ``prey``, ``elevation_peak`` (-(elev-350)^2 /
        250^2), ``in_park`` and ``settlement`` (exp(-d/3 km)) (assumed; leopards prefer
        forested hills and prey, Kremlin news; the park protects).
    breeding_female_share : float
        0.22 of adult females with a litter (19 cubs in 2017, WWF 2018, with a mean litter of
        1.9; 5 females with 11 cubs in 2014 and 9 with 16 in 2015, Vitkalova & Shevtsova 2016).
    litter_size_probabilities : tuple
        P(1, 2, 3 cubs) = 0.3, 0.5, 0.2 (assumed).
    cub_birth_window : tuple of str
        Litters born between these dates (assumed), so cubs are 0-13 months old at the start.
    cub_den_days, cub_independence_days : int
        Cubs follow the mother from 60 days to 540 days of age (assumed).
    cub_with_mother_probability, cub_detection_factor : float
        A following cub is with its mother on a visit with probability 0.9 and photographed,
        when the mother is, with probability 0.3 ("cubs lambda0 x 0.3", domain.md s.8; LLNP:
        cameras often catch the mother and miss the cubs, Kremlin news 2019).
    misidentified_share, unmatched_share : float
        Leopard events given another individual's ID (0.03) or left without ID because a
        single flank could not be matched (0.10) (assumed; domain.md s.8).
    named : tuple
        The named family (domain.md s.6): Kedrovka (F, the matriarch of Kedrovaya Pad),
        Berry (Leo 4F, her daughter, born about January 2013), Typhoon (Leo 12M, the resident
        male of Kedrovaya Pad) and Meamur (M, Lord's brother, ranging by the Razdolnoye-Khasan
        road; the real Meamur was killed on that road c. 2016, here he lives through the
        survey). Each: (ID, name, sex, birth date, lon, lat, mother ID). Placement assumed;
        named individuals are known to the project and always listed in ``individuals``.
    berry_litter_birth : str
        Berry's two cubs were about 4 months old in April 2017 (wwf.ru): born 2016-12-10.
    den_camera : tuple of str
        A den camera at Berry's grotto from 2017-04-01 to 2017-05-20 (assumed dates).
    den_visits_per_day : float
        Berry's visits to the den while the cubs are there (1.5 a day, assumed), from day
        ``den_first_visit_day`` (4) of the den camera; each cub is photographed on a den
        visit with probability ``den_cub_detection`` (0.8, assumed: the cubs live there).
    den_tiger_visit : str
        A tiger visited the grotto shortly before the den videos (wwf.ru): local time.
    tiger_density_per_100km2 : float
        0.4 tigers per 100 km2 of state-space land (Xiao et al. 2016, Integr. Zool. 11:322).
    tiger_female_share : float
        0.55 (assumed).
    tiger_sigma_female_m, tiger_sigma_male_m, tiger_lambda0 : float
        4.5 and 7 km, 0.01 per camera-day (assumed; domain.md s.8).
    tiger_density : tuple of (covariate, coefficient)
        Tigers prefer flatter, lower land (Kremlin news) with prey (assumed coefficients).
    species : tuple of Species
        The community (:data:`DEFAULT_SPECIES`).
    blank_triggers_per_day : float
        Vegetation (false) triggers per camera-day, times the monthly weights
        ``blank_monthly`` (summer foliage and wind; assumed): 0.01.
    card_full_blank_factor : float
        Deployments whose card filled had 15 times the false triggers (assumed).
    event_gap_s : float
        Mean extra seconds between triggers of one visit (30 s, assumed; 2 s quiet period).
    pair_offset_s : float
        The second camera's record is up to this many seconds from the first (20 s).
    machine_error_probability, machine_miss_probability, last_image_empty_probability : float
        Machine classifier: wrong species in the confusion group (0.06), animal missed and
        called blank (0.04), last image of a visit empty as the animal leaves (0.25) (assumed).
    unknown_share : float
        Events that people could not classify (observationType ``unknown``; 0.01, assumed).
    """

    study_start: str = "2016-11-01"
    study_end: str = "2017-10-31"
    timezone: str = hab.TIMEZONE
    created: str = "2018-03-15T00:00:00Z"
    habitat_resolution_m: float = 250.0
    station_spacing_m: float = 3500.0
    station_jitter_m: float = 600.0
    station_margin_m: float = 300.0
    road_snap_m: float = 400.0
    cameras_per_location: int = 2
    service_interval_days: int = 122
    locations_per_field_day: int = 16
    burst_sizes: tuple[int, ...] = (3, 4, 5)
    burst_probabilities: tuple[float, ...] = (0.7, 0.1, 0.2)
    camera_model: str = "Reconyx-HC600"
    failure_fraction: float = 0.12
    stolen_share: float = 0.5
    dead_battery_probability: float = 0.05
    card_full_probability: float = 0.02
    knocked_over_probability: float = 0.03
    knocked_over_gap_days: tuple[float, float] = (5.0, 40.0)
    clock_fault_fraction: float = 0.05
    clock_fault_kinds: tuple[str, ...] = ("reset", "offset", "utc8", "drift")
    clock_offset_hours: float = 1.0
    drift_minutes_per_week: tuple[float, float] = (1.0, 5.0)
    n_leopards: int = 86
    leopard_female_share: float = 1.2 / 2.2
    state_space_buffer_m: float = 12_000.0
    leopard_sigma_female_m: float = 2000.0
    leopard_sigma_male_m: float = 3500.0
    leopard_lambda0: float = 0.02
    leopard_density: tuple[tuple[str, float], ...] = (
        ("forest", 1.5),
        ("prey", 1.0),
        ("elevation_peak", 1.0),
        ("in_park", 1.2),
        ("settlement", -1.5),
    )
    breeding_female_share: float = 0.22
    litter_size_probabilities: tuple[float, ...] = (0.3, 0.5, 0.2)
    cub_birth_window: tuple[str, str] = ("2015-10-01", "2017-06-30")
    cub_den_days: int = 60
    cub_independence_days: int = 540
    cub_with_mother_probability: float = 0.9
    cub_detection_factor: float = 0.3
    misidentified_share: float = 0.03
    unmatched_share: float = 0.10
    named: tuple[tuple[str, str, str, str, float, float, str], ...] = (
        ("Leo 1F", "Kedrovka", "female", "2006-06-01", 131.46, 43.10, ""),
        ("Leo 4F", "Berry", "female", "2013-01-15", 131.41, 43.135, "Leo 1F"),
        ("Leo 12M", "Typhoon", "male", "2008-05-01", 131.44, 43.12, ""),
        ("Leo 9M", "Meamur", "male", "2008-06-01", 131.10, 42.87, ""),
    )
    berry_litter_birth: str = "2016-12-10"
    den_camera: tuple[str, str] = ("2017-04-01T11:20:00", "2017-05-20T12:40:00")
    den_visits_per_day: float = 1.5
    den_first_visit_day: int = 4
    den_cub_detection: float = 0.8
    den_tiger_visit: str = "2017-04-03T02:14:00"
    tiger_density_per_100km2: float = 0.4
    tiger_female_share: float = 0.55
    tiger_sigma_female_m: float = 4500.0
    tiger_sigma_male_m: float = 7000.0
    tiger_lambda0: float = 0.01
    tiger_density: tuple[tuple[str, float], ...] = (
        ("forest", 0.5),
        ("prey", 1.5),
        ("elevation_low", 1.0),
        ("in_park", 0.8),
        ("settlement", -2.0),
    )
    species: tuple[Species, ...] = DEFAULT_SPECIES
    blank_triggers_per_day: float = 0.01
    blank_monthly: tuple[float, ...] = (0.5, 0.5, 0.6, 0.8, 1.4, 2.0, 2.2, 2.0, 1.6, 1.0, 0.6, 0.5)
    card_full_blank_factor: float = 15.0
    event_gap_s: float = 30.0
    pair_offset_s: float = 20.0
    machine_error_probability: float = 0.06
    machine_miss_probability: float = 0.04
    last_image_empty_probability: float = 0.25
    unknown_share: float = 0.01

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (tuples as lists, species as dicts)."""
        return jsonable(dataclasses.asdict(self))

    def species_by_key(self, key: str) -> Species:
        """The :class:`Species` whose ``key`` is ``key``."""
        for species in self.species:
            if species.key == key:
                return species
        raise KeyError(key)


def jsonable(value: Any) -> Any:
    """``value`` with tuples as lists, numpy scalars as Python numbers and floats rounded to 6 decimals (NaN as None)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return round(v, 6) if np.isfinite(v) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    return value


def generators(seed: int) -> dict[str, np.random.Generator]:
    """One generator per name of :data:`COMPONENTS`, spawned from ``SeedSequence(seed)`` in that order."""
    children = np.random.SeedSequence(seed).spawn(len(COMPONENTS))
    return {name: np.random.default_rng(child) for name, child in zip(COMPONENTS, children, strict=True)}


def resolve_parameters(parameters: StudyParameters | None, overrides: dict[str, Any]) -> StudyParameters:
    """``parameters`` (default :class:`StudyParameters`) with fields replaced by ``overrides``; unknown names raise TypeError."""
    base = parameters if parameters is not None else StudyParameters()
    names = {f.name for f in dataclasses.fields(StudyParameters)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise TypeError(f"unknown study parameter(s): {', '.join(unknown)}")
    return dataclasses.replace(base, **overrides)
