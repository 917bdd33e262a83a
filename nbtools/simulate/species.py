"""The simulated community: one :class:`Species` per species (and people, vehicles, dogs), with sources."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .times import TWO_PI

__all__ = ["DEFAULT_SPECIES", "Species"]


@dataclass(frozen=True)
class Species:
    """One species (or humans, or vehicles) of the simulated community.

    Attributes
    ----------
    scientific_name : str
        Camtrap DP ``scientificName``; empty for vehicles.
    key : str
        Short name used in ``truth.json`` and parameters.
    vernacular : tuple of (str, str)
        ``(eng, rus)`` names for the ``taxonomic`` metadata.
    share : float
        Share of independent location-level events (all species sum to 1); for leopard and
        tiger the rate comes from the SECR model instead and the share is only a target.
    diel : tuple of (weight, mean_rad, kappa)
        Von Mises mixture of time of day; sun time unless ``clock_time``.
    clock_time : bool
        Whether ``diel`` is in clock time (people keep clock hours, not sun hours).
    observation_type : str
        Camtrap DP ``observationType`` (``animal``, ``human``, ``vehicle``).
    group_extra : float
        Mean of Poisson(group size - 1).
    trigger_extra : float
        Mean of Poisson(triggers per recorded visit - 1).
    trigger_probability : float
        Probability that one camera records a visit (small and fast animals are missed more
        often; Findlay, Briers & White 2020, Mammal Research 65:167-180).
    monthly : tuple of 12 float
        Relative activity January-December (hibernation and winter torpor).
    habitat : tuple of (covariate, coefficient)
        Log-linear weights of location rates on standardised covariates ``forest``,
        ``open``, ``prey``, ``elevation``, ``road``, ``settlement``; ``road_only`` restricts
        to cameras on forest roads.
    bbox_size : float
        Typical bounding-box width as a fraction of the image.
    confusion : str
        Machine-classifier confusion group: errors swap to a species of the same group.
    taxon_rank : str
        Rank for the ``taxonomic`` metadata.
    """

    scientific_name: str
    key: str
    vernacular: tuple[str, str]
    share: float
    diel: tuple[tuple[float, float, float], ...]
    clock_time: bool = False
    observation_type: str = "animal"
    group_extra: float = 0.0
    trigger_extra: float = 0.4
    trigger_probability: float = 0.8
    monthly: tuple[float, ...] = (1.0,) * 12
    habitat: tuple[tuple[str, float], ...] = ()
    bbox_size: float = 0.25
    confusion: str = ""
    taxon_rank: str = "species"


_PI = np.pi


def _h(hour: float) -> float:
    """Clock hour as radians."""
    return hour / 24.0 * TWO_PI


#: The default community. Shares follow notes/domain.md s.8 (ranks from WCS Russia 2019, Dou
#: et al. 2019, Yang et al. 2018, WCS China 2019); diel shapes and all other values are
#: assumed unless the docstring of :class:`Species` names a source.
DEFAULT_SPECIES: tuple[Species, ...] = (
    Species(
        "Panthera pardus orientalis",
        "leopard",
        ("Amur leopard", "дальневосточный леопард"),
        0.08,
        ((0.35, 1.5 * _PI - 0.05, 6.0), (0.50, 1.5 * _PI + 1.0, 2.5), (0.15, 0.5 * _PI - 0.4, 4.0)),
        trigger_extra=0.5,
        trigger_probability=0.85,
        bbox_size=0.35,
        confusion="cat",
        taxon_rank="subspecies",
    ),
    Species(
        "Panthera tigris altaica",
        "tiger",
        ("Amur tiger", "амурский тигр"),
        0.02,
        ((0.30, 1.5 * _PI + 0.15, 5.0), (0.50, 1.5 * _PI + 1.4, 1.8), (0.20, 0.5 * _PI - 0.3, 4.0)),
        trigger_extra=0.5,
        trigger_probability=0.9,
        bbox_size=0.5,
        confusion="cat",
        taxon_rank="subspecies",
    ),
    Species(
        "Capreolus pygargus",
        "roe_deer",
        ("Siberian roe deer", "сибирская косуля"),
        0.20,
        ((0.35, 0.5 * _PI, 6.0), (0.35, 1.5 * _PI, 6.0), (0.20, 0.0, 1.0), (0.10, _PI, 1.0)),
        group_extra=0.5,
        trigger_extra=0.2,
        trigger_probability=0.7,
        habitat=(("open", 0.4), ("elevation", -0.4)),
        bbox_size=0.3,
        confusion="deer",
    ),
    Species(
        "Cervus nippon",
        "sika_deer",
        ("sika deer", "пятнистый олень"),
        0.16,
        ((0.40, 0.5 * _PI + 0.1, 5.0), (0.40, 1.5 * _PI - 0.1, 5.0), (0.20, 0.0, 0.8)),
        group_extra=1.0,
        trigger_extra=0.3,
        trigger_probability=0.7,
        habitat=(("prey", 1.0),),
        bbox_size=0.35,
        confusion="deer",
    ),
    Species(
        "Sus scrofa",
        "wild_boar",
        ("wild boar", "кабан"),
        0.10,
        ((0.60, 0.2, 1.2), (0.40, _PI, 0.8)),
        group_extra=1.5,
        trigger_extra=0.3,
        trigger_probability=0.7,
        habitat=(("forest", 0.4),),
        bbox_size=0.35,
        confusion="boar",
    ),
    Species(
        "Meles leucurus",
        "badger",
        ("Asian badger", "азиатский барсук"),
        0.10,
        ((0.80, 0.0, 2.0), (0.20, _PI, 1.0)),
        group_extra=0.1,
        trigger_extra=0.2,
        trigger_probability=0.55,
        monthly=(0.05, 0.05, 0.4, 1.0, 1.2, 1.2, 1.2, 1.2, 1.2, 1.1, 0.6, 0.1),
        bbox_size=0.2,
        confusion="small",
    ),
    Species(
        "Lepus mandshuricus",
        "hare",
        ("Manchurian hare", "маньчжурский заяц"),
        0.08,
        ((1.0, 0.1, 2.5),),
        trigger_extra=0.1,
        trigger_probability=0.45,
        bbox_size=0.12,
        confusion="small",
    ),
    Species(
        "Nyctereutes procyonoides",
        "raccoon_dog",
        ("raccoon dog", "енотовидная собака"),
        0.05,
        ((0.90, -0.3, 2.0), (0.10, _PI, 1.0)),
        group_extra=0.4,
        trigger_extra=0.2,
        trigger_probability=0.55,
        monthly=(0.2, 0.2, 0.6, 1.0, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 0.8, 0.3),
        bbox_size=0.18,
        confusion="small",
    ),
    Species(
        "Prionailurus bengalensis",
        "leopard_cat",
        ("leopard cat", "амурский лесной кот"),
        0.03,
        ((1.0, 0.0, 2.0),),
        trigger_extra=0.1,
        trigger_probability=0.45,
        bbox_size=0.12,
        confusion="cat",
    ),
    Species(
        "Ursus thibetanus",
        "black_bear",
        ("Asian black bear", "гималайский медведь"),
        0.02,
        ((0.80, _PI, 2.0), (0.20, 1.5 * _PI, 2.0)),
        group_extra=0.1,
        trigger_extra=0.4,
        trigger_probability=0.8,
        monthly=(0.0, 0.0, 0.05, 0.6, 1.2, 1.3, 1.3, 1.3, 1.4, 1.3, 0.4, 0.02),
        bbox_size=0.4,
        confusion="boar",
    ),
    Species(
        "Martes flavigula",
        "marten",
        ("yellow-throated marten", "харза"),
        0.02,
        ((0.90, _PI, 2.0), (0.10, 0.0, 1.0)),
        trigger_extra=0.1,
        trigger_probability=0.45,
        bbox_size=0.12,
        confusion="small",
    ),
    Species(
        "Vulpes vulpes",
        "red_fox",
        ("red fox", "лисица"),
        0.02,
        ((0.50, 1.5 * _PI + 0.5, 2.0), (0.50, 0.5 * _PI - 0.5, 2.0)),
        trigger_extra=0.1,
        trigger_probability=0.55,
        habitat=(("open", 0.5),),
        bbox_size=0.15,
        confusion="small",
    ),
    Species(
        "Homo sapiens",
        "human",
        ("human", "человек"),
        0.08,
        ((1.0, _h(12.5), 2.5),),
        clock_time=True,
        observation_type="human",
        group_extra=0.6,
        trigger_extra=0.2,
        trigger_probability=0.85,
        habitat=(("road", 1.0), ("settlement", 0.5)),
        bbox_size=0.3,
        confusion="human",
    ),
    Species(
        "",
        "vehicle",
        ("vehicle", "транспорт"),
        0.03,
        ((1.0, _h(13.0), 2.5),),
        clock_time=True,
        observation_type="vehicle",
        trigger_extra=0.0,
        trigger_probability=0.7,
        habitat=(("road_only", 1.0),),
        bbox_size=0.6,
        confusion="vehicle",
    ),
    Species(
        "Canis familiaris",
        "dog",
        ("domestic dog", "собака"),
        0.01,
        ((1.0, _h(12.5), 2.0),),
        clock_time=True,
        trigger_extra=0.1,
        trigger_probability=0.6,
        habitat=(("settlement", 1.0), ("road", 0.5)),
        bbox_size=0.2,
        confusion="small",
    ),
)
