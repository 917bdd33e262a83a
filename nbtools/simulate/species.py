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


# The tables of the default community, one species a row in each (fields as in :class:`Species`); _community()
# joins them into DEFAULT_SPECIES.

#: key: (scientific_name, English name, Russian name, taxon_rank, observation_type); the order of the community.
_NAMES: dict[str, tuple[str, str, str, str, str]] = {
    "leopard": ("Panthera pardus orientalis", "Amur leopard", "дальневосточный леопард", "subspecies", "animal"),
    "tiger": ("Panthera tigris altaica", "Amur tiger", "амурский тигр", "subspecies", "animal"),
    "roe_deer": ("Capreolus pygargus", "Siberian roe deer", "сибирская косуля", "species", "animal"),
    "sika_deer": ("Cervus nippon", "sika deer", "пятнистый олень", "species", "animal"),
    "wild_boar": ("Sus scrofa", "wild boar", "кабан", "species", "animal"),
    "badger": ("Meles leucurus", "Asian badger", "азиатский барсук", "species", "animal"),
    "hare": ("Lepus mandshuricus", "Manchurian hare", "маньчжурский заяц", "species", "animal"),
    "raccoon_dog": ("Nyctereutes procyonoides", "raccoon dog", "енотовидная собака", "species", "animal"),
    "leopard_cat": ("Prionailurus bengalensis", "leopard cat", "амурский лесной кот", "species", "animal"),
    "black_bear": ("Ursus thibetanus", "Asian black bear", "гималайский медведь", "species", "animal"),
    "marten": ("Martes flavigula", "yellow-throated marten", "харза", "species", "animal"),
    "red_fox": ("Vulpes vulpes", "red fox", "лисица", "species", "animal"),
    "human": ("Homo sapiens", "human", "человек", "species", "human"),
    "vehicle": ("", "vehicle", "транспорт", "species", "vehicle"),
    "dog": ("Canis familiaris", "domestic dog", "собака", "species", "animal"),
}

#: key: (share, group_extra, trigger_extra, trigger_probability, bbox_size, confusion): how often a species
#: comes, in groups of how many, and how the cameras see it.
_VISITS: dict[str, tuple[float, float, float, float, float, str]] = {
    "leopard": (0.08, 0.0, 0.5, 0.85, 0.35, "cat"),
    "tiger": (0.02, 0.0, 0.5, 0.9, 0.5, "cat"),
    "roe_deer": (0.20, 0.5, 0.2, 0.7, 0.3, "deer"),
    "sika_deer": (0.16, 1.0, 0.3, 0.7, 0.35, "deer"),
    "wild_boar": (0.10, 1.5, 0.3, 0.7, 0.35, "boar"),
    "badger": (0.10, 0.1, 0.2, 0.55, 0.2, "small"),
    "hare": (0.08, 0.0, 0.1, 0.45, 0.12, "small"),
    "raccoon_dog": (0.05, 0.4, 0.2, 0.55, 0.18, "small"),
    "leopard_cat": (0.03, 0.0, 0.1, 0.45, 0.12, "cat"),
    "black_bear": (0.02, 0.1, 0.4, 0.8, 0.4, "boar"),
    "marten": (0.02, 0.0, 0.1, 0.45, 0.12, "small"),
    "red_fox": (0.02, 0.0, 0.1, 0.55, 0.15, "small"),
    "human": (0.08, 0.6, 0.2, 0.85, 0.3, "human"),
    "vehicle": (0.03, 0.0, 0.0, 0.7, 0.6, "vehicle"),
    "dog": (0.01, 0.0, 0.1, 0.6, 0.2, "small"),
}

#: key: diel, the (weight, mean_rad, kappa) of each von Mises component; sun time, clock time for _CLOCK_TIME.
_DIEL: dict[str, tuple[tuple[float, float, float], ...]] = {
    "leopard": ((0.35, 1.5 * _PI - 0.05, 6.0), (0.50, 1.5 * _PI + 1.0, 2.5), (0.15, 0.5 * _PI - 0.4, 4.0)),
    "tiger": ((0.30, 1.5 * _PI + 0.15, 5.0), (0.50, 1.5 * _PI + 1.4, 1.8), (0.20, 0.5 * _PI - 0.3, 4.0)),
    "roe_deer": ((0.35, 0.5 * _PI, 6.0), (0.35, 1.5 * _PI, 6.0), (0.20, 0.0, 1.0), (0.10, _PI, 1.0)),
    "sika_deer": ((0.40, 0.5 * _PI + 0.1, 5.0), (0.40, 1.5 * _PI - 0.1, 5.0), (0.20, 0.0, 0.8)),
    "wild_boar": ((0.60, 0.2, 1.2), (0.40, _PI, 0.8)),
    "badger": ((0.80, 0.0, 2.0), (0.20, _PI, 1.0)),
    "hare": ((1.0, 0.1, 2.5),),
    "raccoon_dog": ((0.90, -0.3, 2.0), (0.10, _PI, 1.0)),
    "leopard_cat": ((1.0, 0.0, 2.0),),
    "black_bear": ((0.80, _PI, 2.0), (0.20, 1.5 * _PI, 2.0)),
    "marten": ((0.90, _PI, 2.0), (0.10, 0.0, 1.0)),
    "red_fox": ((0.50, 1.5 * _PI + 0.5, 2.0), (0.50, 0.5 * _PI - 0.5, 2.0)),
    "human": ((1.0, _h(12.5), 2.5),),
    "vehicle": ((1.0, _h(13.0), 2.5),),
    "dog": ((1.0, _h(12.5), 2.0),),
}

#: The species whose diel is in clock time: people, and what people bring, keep clock hours.
_CLOCK_TIME = ("human", "vehicle", "dog")

#: key: monthly, the relative activity January-December of the species that sleep through or slow down in winter
#: (the others 1.0 all year).
_MONTHLY: dict[str, tuple[float, ...]] = {
    "badger": (0.05, 0.05, 0.4, 1.0, 1.2, 1.2, 1.2, 1.2, 1.2, 1.1, 0.6, 0.1),
    "raccoon_dog": (0.2, 0.2, 0.6, 1.0, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 0.8, 0.3),
    "black_bear": (0.0, 0.0, 0.05, 0.6, 1.2, 1.3, 1.3, 1.3, 1.4, 1.3, 0.4, 0.02),
}

#: key: habitat, the (covariate, coefficient) of the location rates (the others the same everywhere).
_HABITAT: dict[str, tuple[tuple[str, float], ...]] = {
    "roe_deer": (("open", 0.4), ("elevation", -0.4)),
    "sika_deer": (("prey", 1.0),),
    "wild_boar": (("forest", 0.4),),
    "red_fox": (("open", 0.5),),
    "human": (("road", 1.0), ("settlement", 0.5)),
    "vehicle": (("road_only", 1.0),),
    "dog": (("settlement", 1.0), ("road", 0.5)),
}


def _community() -> tuple[Species, ...]:
    """The :class:`Species` of the tables above, in the order of ``_NAMES``."""
    keys = set(_NAMES)
    if set(_VISITS) != keys or set(_DIEL) != keys or not keys >= {*_MONTHLY, *_HABITAT, *_CLOCK_TIME}:
        raise ValueError("the species tables of nbtools.simulate.species name different species")
    community = []
    for key, (scientific_name, english, russian, taxon_rank, observation_type) in _NAMES.items():
        share, group_extra, trigger_extra, trigger_probability, bbox_size, confusion = _VISITS[key]
        optional = {"monthly": _MONTHLY.get(key), "habitat": _HABITAT.get(key)}
        species = Species(
            scientific_name,
            key,
            (english, russian),
            share,
            _DIEL[key],
            clock_time=key in _CLOCK_TIME,
            observation_type=observation_type,
            group_extra=group_extra,
            trigger_extra=trigger_extra,
            trigger_probability=trigger_probability,
            bbox_size=bbox_size,
            confusion=confusion,
            taxon_rank=taxon_rank,
            **{name: value for name, value in optional.items() if value is not None},
        )
        community.append(species)
    return tuple(community)


#: The default community. Shares follow notes/domain.md s.8 (ranks from WCS Russia 2019, Dou
#: et al. 2019, Yang et al. 2018, WCS China 2019); diel shapes and all other values are
#: assumed unless the docstring of :class:`Species` names a source.
DEFAULT_SPECIES: tuple[Species, ...] = _community()
