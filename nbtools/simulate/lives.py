"""Leopard lives over several years: births, independence, dispersal, settlement, deaths.

:func:`simulate_lives` runs a monthly individual-based model from the first season's start:
females of breeding age without dependent cubs give birth (mostly in spring and summer);
cubs stay with their mother until independence at 18-24 months, disperse for 3-12 months and
settle (daughters near their mother, sons farther away); every animal dies with a monthly
hazard from its stage's annual survival (dependent cubs, dispersers, residents). A few
adults arrive from outside each year (the state space is open). The named family of the one-season study
(:attr:`StudyParameters.named <nbtools.simulate.parameters.StudyParameters>`) keeps its parts:
Kedrovka raises Berry (born 2013) who becomes independent in January 2015 and settles next to
her mother; Berry's first litter of two is born on 2016-12-10; Meamur dies on the
Razdolnoye-Khasan road in March 2016.

Sources (``notes/domain.md`` of the project's shared notes): annual survival 0.82 (Vitkalova
et al. 2018, Conserv. Lett.; joint Russia-China SECR, 2014-2015); 57 adults at 0.98 per 100 km2
in 2014-15 (Vitkalova & Shevtsova 2016); 84 adults + 19 cubs in 2017 (WWF 2018); about 90 in 2019
and 110 in 2021 (RGO 2023); 5 females with 11 cubs (2014), 9 with 16 (2015); cubs with the mother
18-24 months (issue 22). Cub and disperser survival, birth months, dispersal distances and
immigration are assumed (no published figures for Amur leopards were found).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from .. import habitat as hab
from .._deprecate import renamed_parameters
from .._time import SECONDS_PER_DAY
from .animals import density_covariate
from .parameters import StudyParameters
from .times import date_s

__all__ = ["LifeParameters", "simulate_lives"]

_YEAR_S = 365.25 * SECONDS_PER_DAY
_MONTH_S = _YEAR_S / 12.0


@dataclass(frozen=True)
class LifeParameters:
    """Demography of the multi-year study (annual rates; see the module docstring for sources).

    Attributes
    ----------
    initial_adults : int
        Settled adults at the first season's start (60: 57 adults at 0.98 per 100 km2 in 2014-15,
        Vitkalova & Shevtsova 2016, on this study's ~6,000 km2 state space).
    initial_litter_share : float
        Share of adult females with dependent cubs at the start (0.55, assumed; 5 females with 11
        cubs in 2014 and 9 with 16 in 2015 were those seen, Vitkalova & Shevtsova 2016).
    initial_dispersers : int
        Young animals dispersing at the start (8, assumed: last years' cubs on their way).
    adult_survival, cub_survival, disperser_survival : float
        Annual survival of residents (0.82, Vitkalova et al. 2018), of dependent cubs (0.78,
        assumed) and of dispersers (0.75, assumed).
    breeding_age_years : float
        Females breed from 3 years (assumed; Berry's first litter at ~4 years, wwf.ru).
    birth_probability : float
        Probability that a female of breeding age without dependent cubs gives birth in a
        year (0.9, assumed), births in ``birth_months`` only.
    litter_size_probabilities : tuple of float
        P(1, 2, 3 cubs) = 0.3, 0.5, 0.2 (as the one-season study; assumed).
    birth_months : tuple of int
        Months of births (April-August, assumed; Berry's litter of December 2016 is the exception).
    independence_days : tuple of float
        Age at independence, uniform 540-730 days (18-24 months; issue 22).
    dispersal_days : tuple of float
        Time from independence to settling, uniform 90-365 days (assumed).
    settle_distance_f_m, settle_distance_m_m : tuple of float
        Distance of the settled centre from the natal one (m), uniform: daughters 3-15 km
        (philopatric, as Berry next to Kedrovka), sons 10-40 km (assumed).
    disperser_sigma_factor : float
        Dispersers range wider: sigma times 1.5 while dispersing (assumed).
    orphan_age_days : float
        Cubs younger than this (365 days) die with their mother; older ones become independent
        (assumed).
    immigrants_per_year : float
        Adults settling from outside the state space, from the Chinese side and the rest of the
        Russian range (Poisson mean 8 a year, assumed: with the survival above, the smallest
        number that lets the population grow as counted, 57 adults in 2014-15 to 84 in 2017 and
        about 110 in 2021; a third of the leopards were photographed on both sides of the
        border, Vitkalova et al. 2018).
    """

    initial_adults: int = 60
    initial_litter_share: float = 0.55
    initial_dispersers: int = 8
    adult_survival: float = 0.82
    cub_survival: float = 0.78
    disperser_survival: float = 0.75
    breeding_age_years: float = 3.0
    birth_probability: float = 0.9
    birth_months: tuple[int, ...] = (4, 5, 6, 7, 8)
    litter_size_probabilities: tuple[float, ...] = (0.3, 0.5, 0.2)
    independence_days: tuple[float, float] = (540.0, 730.0)
    dispersal_days: tuple[float, float] = (90.0, 365.0)
    settle_distance_f_m: tuple[float, float] = (3000.0, 15000.0)
    settle_distance_m_m: tuple[float, float] = (10000.0, 40000.0)
    disperser_sigma_factor: float = 1.5
    orphan_age_days: float = 365.0
    immigrants_per_year: float = 8.0


class _Surface:
    """The leopard density surface on the state space, for drawing centres near a point."""

    def __init__(self, habitat: xr.Dataset, mask: np.ndarray, p: StudyParameters) -> None:
        log_density = np.zeros(mask.shape)
        for name, beta in p.leopard_density:
            log_density = log_density + beta * density_covariate(habitat, name)
        self.weight = np.where(mask, np.exp(log_density - log_density[mask].max()), 0.0).ravel()
        xx, yy = np.meshgrid(habitat["x"].values, habitat["y"].values)
        self.x, self.y = xx.ravel(), yy.ravel()
        self.res = float(abs(habitat["x"].values[1] - habitat["x"].values[0]))
        self.west = np.quantile(self.x[self.weight > 0], 0.1)

    def draw(
        self, rng: np.random.Generator, near: tuple[float, float] | None = None, ring: tuple[float, float] = (0, 1e9)
    ) -> tuple[float, float]:
        """A centre from the surface, within the distance ``ring`` (m) of ``near`` when given."""
        weight = self.weight
        if near is not None:
            distance = np.hypot(self.x - near[0], self.y - near[1])
            inside = weight * ((distance >= ring[0]) & (distance <= ring[1]))
            weight = inside if inside.sum() > 0 else weight
        cell = rng.choice(weight.size, p=weight / weight.sum())
        jitter = rng.uniform(-self.res / 2, self.res / 2, size=2)
        return float(self.x[cell] + jitter[0]), float(self.y[cell] + jitter[1])

    def draw_west(self, rng: np.random.Generator) -> tuple[float, float]:
        """A centre in the western tenth of the state space (an immigrant from China)."""
        weight = self.weight * (self.x <= self.west)
        cell = rng.choice(weight.size, p=weight / weight.sum())
        return float(self.x[cell]), float(self.y[cell])


def _new_animal(
    lives: list[dict], sex: str, birth: float, mother: int, name: str = "", origin: str = "born", key: str = ""
) -> int:
    lives.append(
        {
            "key": key,
            "individualName": name,
            "sex": sex,
            "birth": birth,
            "mother": mother,
            "origin": origin,
            "independence": np.nan,
            "settled": np.nan,
            "death": np.nan,
            "death_cause": "",
            "natal_x": np.nan,
            "natal_y": np.nan,
            "disperse_x": np.nan,
            "disperse_y": np.nan,
            "home_x": np.nan,
            "home_y": np.nan,
        }
    )
    return len(lives) - 1


def _initial_population(
    p: StudyParameters, lp: LifeParameters, rng: np.random.Generator, surface: _Surface, t0: float
) -> list[dict]:
    """Named animals, other residents and the dependent cubs alive at ``t0``."""
    tz = p.timezone
    lives: list[dict] = []
    index: dict[str, int] = {}
    for key, name, sex, birth, lon, lat, mother in p.named:
        i = _new_animal(lives, sex, date_s(birth, tz), index.get(mother, -1), name, "initial", key)
        index[key] = i
        x, y = hab.to_utm([lon], [lat])
        lives[i]["home_x"], lives[i]["home_y"] = float(x[0]), float(y[0])
    n_f = int(round(lp.initial_adults * p.leopard_female_share)) - sum(r[2] == "female" for r in p.named)
    n_m = lp.initial_adults - len(p.named) - n_f
    for sex in rng.permutation(np.array(["female"] * n_f + ["male"] * n_m, dtype=object)):
        i = _new_animal(
            lives, str(sex), float(rng.uniform(date_s("2004-01-01", tz), t0 - 3 * _YEAR_S)), -1, "", "initial"
        )
        lives[i]["home_x"], lives[i]["home_y"] = surface.draw(rng)
    for life in lives:
        if life["mother"] < 0 and np.isnan(life["independence"]):
            life["independence"] = life["settled"] = life["birth"] + 2 * _YEAR_S
    for _ in range(lp.initial_dispersers):  # last years' cubs, independent and not yet settled
        sex = "female" if rng.random() < 0.5 else "male"
        i = _new_animal(lives, sex, t0 - rng.uniform(1.6, 2.2) * _YEAR_S, -1, "", "initial")
        lives[i]["independence"] = t0 - rng.uniform(0, 60) * SECONDS_PER_DAY
        lives[i]["settled"] = t0 + rng.uniform(30, 300) * SECONDS_PER_DAY
        lives[i]["home_x"], lives[i]["home_y"] = surface.draw(rng)
        lives[i]["disperse_x"], lives[i]["disperse_y"] = surface.draw(
            rng, (lives[i]["home_x"], lives[i]["home_y"]), (5e3, 15e3)
        )
    berry = index.get("Leo 4F")
    if berry is not None:  # Berry is still with Kedrovka at the start; independent January 2015 (aged 24 months)
        life = lives[berry]
        life["independence"] = date_s("2015-01-20", tz)
        life["settled"] = date_s("2015-06-01", tz)
        mother = lives[life["mother"]]
        life["natal_x"], life["natal_y"] = mother["home_x"], mother["home_y"]
        life["disperse_x"], life["disperse_y"] = life["home_x"], life["home_y"]
    meamur = index.get("Leo 9M")
    if meamur is not None:  # killed by a car on the Razdolnoye-Khasan road c. 2016 (siberiantimes.com)
        lives[meamur]["death"], lives[meamur]["death_cause"] = date_s("2016-03-20", tz), "road (car)"
    named_mothers = {lives[i]["mother"] for i in range(len(lives)) if lives[i]["mother"] >= 0}
    females = [i for i, life in enumerate(lives) if life["sex"] == "female" and life["individualName"] == ""]
    mothers = rng.choice(females, size=int(round(lp.initial_litter_share * len(females))), replace=False)
    for m in sorted(set(int(i) for i in mothers) - named_mothers):
        born = t0 - rng.uniform(30, 500) * SECONDS_PER_DAY
        for _ in range(1 + rng.choice(3, p=np.array(lp.litter_size_probabilities))):
            _add_cub(lives, lp, rng, m, born)
    return lives


def _add_cub(lives: list[dict], lp: LifeParameters, rng: np.random.Generator, mother: int, born: float) -> int:
    sex = "female" if rng.random() < 0.5 else "male"
    i = _new_animal(lives, sex, born, mother)
    lives[i]["independence"] = born + rng.uniform(*lp.independence_days) * SECONDS_PER_DAY
    lives[i]["settled"] = lives[i]["independence"] + rng.uniform(*lp.dispersal_days) * SECONDS_PER_DAY
    return i


def _place(lives: list[dict], i: int, lp: LifeParameters, rng: np.random.Generator, surface: _Surface) -> None:
    """Natal, dispersal and settled centres of a cub (at its independence)."""
    life, mother = lives[i], lives[lives[i]["mother"]]
    natal = (mother["home_x"], mother["home_y"])
    ring = lp.settle_distance_f_m if life["sex"] == "female" else lp.settle_distance_m_m
    life["natal_x"], life["natal_y"] = natal
    life["home_x"], life["home_y"] = surface.draw(rng, natal, ring)
    life["disperse_x"] = (natal[0] + life["home_x"]) / 2.0
    life["disperse_y"] = (natal[1] + life["home_y"]) / 2.0


def _stage(life: dict, t: float) -> str:
    if t < life["independence"]:
        return "cub"
    return "disperser" if t < life["settled"] else "adult"


@renamed_parameters(rng="seed")
def simulate_lives(
    habitat: xr.Dataset,
    mask: np.ndarray,
    p: StudyParameters,
    seed: int | np.random.Generator,
    start: str = "2014-11-01",
    end: str = "2020-11-01",
    life_parameters: LifeParameters | None = None,
) -> pd.DataFrame:
    """Every leopard alive between ``start`` and ``end`` (local dates), with its life history.

    Parameters
    ----------
    habitat : xarray.Dataset
        The park's habitat (:func:`nbtools.habitat.simulate_habitat`).
    mask : numpy.ndarray
        State-space cells (``nbtools.simulate.animals.state_space``).
    p : StudyParameters
        The named family, litter sizes, sex ratio and density surface.
    seed : int or numpy.random.Generator
        Randomness (an int, or a generator used as it is; formerly ``rng``, which still works, deprecated).
    start, end : str
        The model runs in monthly steps from ``start`` to ``end``.
    life_parameters : LifeParameters, optional

    Returns
    -------
    pandas.DataFrame
        One row per animal: ``key`` (the named family's IDs, else empty), ``individualName``,
        ``sex``, ``birth``, ``independence``, ``settled``, ``death`` (UTC s; NaN: alive at
        ``end``), ``death_cause``, ``mother`` (row, -1 unknown), ``origin`` (``initial``,
        ``born``, ``immigrant``), ``natal_x/y``, ``disperse_x/y``, ``home_x/y`` (UTM 52N m).
    """
    rng = np.random.default_rng(seed)
    lp = life_parameters or LifeParameters()
    tz = p.timezone
    surface = _Surface(habitat, mask, p)
    t0, t_end = float(date_s(start, tz)), float(date_s(end, tz))
    lives = _initial_population(p, lp, rng, surface, t0)
    for i in range(len(lives)):
        if lives[i]["mother"] >= 0 and np.isnan(lives[i]["natal_x"]):
            _place(lives, i, lp, rng, surface)
    berry = next((i for i, life in enumerate(lives) if life["key"] == "Leo 4F"), None)
    berry_litter = date_s(p.berry_litter_birth, tz)
    monthly = {
        "cub": lp.cub_survival ** (1 / 12),
        "disperser": lp.disperser_survival ** (1 / 12),
        "adult": lp.adult_survival ** (1 / 12),
    }
    months = pd.date_range(start, end, freq="MS", inclusive="left")
    for month in months:
        t = float(date_s(month.strftime("%Y-%m-%d"), tz))
        n_before = len(lives)
        for i in range(n_before):
            life = lives[i]
            if not np.isnan(life["death"]) or life["birth"] > t:
                continue
            protected = life["individualName"] != "" or (
                berry is not None and life["mother"] == berry and t < berry_litter + _YEAR_S
            )
            if not protected and rng.random() > monthly[_stage(life, t)]:
                life["death"] = t + rng.uniform(0, _MONTH_S)
                life["death_cause"] = "natural"
            elif life["sex"] == "female" and _stage(life, t) == "adult" and i != berry:
                _maybe_breed(lives, lp, rng, i, t, month.month)
        if berry is not None and t <= berry_litter < t + _MONTH_S:
            for sex in ("female", "male"):
                c = _add_cub(lives, lp, rng, berry, float(berry_litter))
                lives[c]["sex"] = sex
        for _ in range(rng.poisson(lp.immigrants_per_year / 12)):
            sex = "female" if rng.random() < p.leopard_female_share else "male"
            i = _new_animal(lives, sex, t - rng.uniform(2.5, 6) * _YEAR_S, -1, "", "immigrant")
            lives[i]["independence"] = lives[i]["birth"] + 1.75 * _YEAR_S
            lives[i]["settled"] = t + rng.uniform(0, _MONTH_S)
            lives[i]["home_x"], lives[i]["home_y"] = surface.draw_west(rng)
        _orphans_and_placing(lives, lp, rng, surface, t, n_before)
    frame = pd.DataFrame(lives)
    frame.loc[frame["death"] >= t_end, ["death", "death_cause"]] = [np.nan, ""]
    return frame


def _maybe_breed(lives: list[dict], lp: LifeParameters, rng: np.random.Generator, i: int, t: float, month: int) -> None:
    """A litter for female ``i`` in this month, if she is old enough and has no dependent cubs."""
    life = lives[i]
    if month not in lp.birth_months or t - life["birth"] < lp.breeding_age_years * _YEAR_S:
        return
    for other in lives:
        if other["mother"] == i and other["independence"] > t and np.isnan(other["death"]):
            return
    if rng.random() < 1 - (1 - lp.birth_probability) ** (1 / len(lp.birth_months)):
        born = t + rng.uniform(0, _MONTH_S)
        for _ in range(1 + rng.choice(3, p=np.array(lp.litter_size_probabilities))):
            _add_cub(lives, lp, rng, i, born)


def _orphans_and_placing(
    lives: list[dict], lp: LifeParameters, rng: np.random.Generator, surface: _Surface, t: float, n_before: int
) -> None:
    """Orphaned cubs die or leave early; new cubs get their natal and settled centres."""
    for i, life in enumerate(lives):
        if life["mother"] < 0 or not np.isnan(life["death"]):
            continue
        mother = lives[life["mother"]]
        if not np.isnan(mother["death"]) and mother["death"] < life["independence"]:
            if mother["death"] - life["birth"] < lp.orphan_age_days * SECONDS_PER_DAY:
                life["death"], life["death_cause"] = mother["death"] + 10 * SECONDS_PER_DAY, "orphaned"
            else:
                life["settled"] -= life["independence"] - mother["death"]
                life["independence"] = mother["death"]
        if np.isnan(life["home_x"]) and i >= 0:
            _place(lives, i, lp, rng, surface)
