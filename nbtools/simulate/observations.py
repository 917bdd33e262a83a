"""Camtrap DP observations: a machine classifier labels every image, people classify every event.

The machine (``observationLevel`` media, with bounding boxes) misses some animals, calls the last
image of a visit empty as the animal leaves and confuses species within a confusion group. People
(``observationLevel`` event) identify leopards and tigers, add a row for cubs seen with their
mother, and mark the field team's own setup images.

The random draws happen in :func:`machine_observations` only, always in the same order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from .._time import SECONDS_PER_DAY, utc_seconds_to_timestamps
from .media import format_ids
from .parameters import StudyParameters
from .species import Species

__all__ = [
    "CLASSIFIED_BY_MACHINE",
    "CLASSIFIED_BY_PEOPLE",
    "choose_in_group",
    "cub_observations",
    "event_counts",
    "key_index",
    "machine_observations",
    "people_observations",
    "sorted_observations",
]

#: ``classifiedBy`` of the machine's media-level observations.
CLASSIFIED_BY_MACHINE = "nbtools simulated classifier (MegaDetector-like detector + species model)"
#: ``classifiedBy`` of people's event-level observations.
CLASSIFIED_BY_PEOPLE = "LLNP photo-identification team (simulated)"


@renamed_parameters(rng="seed")
def choose_in_group(seed: int | np.random.Generator, species: tuple[Species, ...], current: np.ndarray) -> np.ndarray:
    """A different species of the same confusion group (or the same when it has no partner)."""
    rng = np.random.default_rng(seed)
    groups = np.array([s.confusion for s in species], dtype=object)
    result = current.copy()
    for index, sp in enumerate(species):  # a dozen species
        partners = np.flatnonzero((groups == sp.confusion) & (np.arange(len(species)) != index))
        rows = np.flatnonzero(current == index)
        if partners.size and rows.size:
            result[rows] = rng.choice(partners, size=rows.size)
    return result


def key_index(species: tuple[Species, ...], key: str) -> int:
    """Position of the species with ``key`` in ``species``."""
    return next(i for i, s in enumerate(species) if s.key == key)


def event_counts(species: tuple[Species, ...], kind: np.ndarray, ev: dict[str, np.ndarray]) -> np.ndarray:
    """Animals per event: the group (a leopard mother with her cubs), 1 for blanks, 2 for the field team."""
    n_animal_events = ev["t"].size
    e_count = np.ones(kind.size, dtype=np.int64)
    e_count[:n_animal_events] = np.where(ev["species"] == key_index(species, "leopard"), 1 + ev["cubs"], ev["count"])
    e_count[kind == 2] = 2
    return e_count


@renamed_parameters(rng="seed")
def machine_observations(
    p: StudyParameters,
    dep: pd.DataFrame,
    img: dict[str, np.ndarray],
    events: dict[str, np.ndarray],
    e_count: np.ndarray,
    order: dict[str, np.ndarray],
    seed: int | np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Media-level observations of the machine classifier, and when people classified each deployment.

    Parameters
    ----------
    img : dict
        The images in media order (``event``, ``dep``, ``last``, ``media_id``, ``timestamps``).
    events : dict
        ``kind`` and ``species`` of every event.
    order : dict
        ``event_id`` and ``event_rank`` of every event (:func:`nbtools.simulate.tables.event_order`).

    Returns
    -------
    observations : pandas.DataFrame
        With the sort keys ``_event``, ``_level``, ``_sub``.
    human_ts : numpy.ndarray
        Start of people's classification of each deployment (UTC s).
    """
    rng = np.random.default_rng(seed)
    species = p.species
    names = np.array([s.scientific_name or None for s in species], dtype=object)
    obs_type = np.array([s.observation_type for s in species], dtype=object)
    im_event, im_dep, im_last = img["event"], img["dep"], img["last"]
    n_media = im_event.size
    n_dep = len(dep)
    dep_ids = dep["deploymentID"].to_numpy(dtype=object)
    m_kind = events["kind"][im_event]
    m_species = events["species"][im_event]
    empty = (m_kind == 0) & (
        (im_last & (rng.random(n_media) < p.last_image_empty_probability))
        | (rng.random(n_media) < p.machine_miss_probability)
    )
    blank = (m_kind == 1) | empty
    label = np.where(blank, -1, m_species)
    is_animal_label = (label >= 0) & (obs_type[np.clip(label, 0, None)] == "animal")
    err = is_animal_label & (rng.random(n_media) < p.machine_error_probability)
    label[err] = choose_in_group(rng, species, label[err])
    err &= label != m_species
    m_type = np.where(blank, "blank", obs_type[np.clip(label, 0, None)]).astype(object)
    m_name = np.where(blank, None, names[np.clip(label, 0, None)]).astype(object)
    m_type[m_kind == 2] = "human"
    m_name[m_kind == 2] = "Homo sapiens"
    m_count = np.where(blank, 0, 1 + rng.binomial(np.maximum(e_count[im_event] - 1, 0), 0.7))
    size = np.array([s.bbox_size for s in species])[np.clip(m_species, 0, None)]
    width = np.clip(size * rng.uniform(0.6, 1.4, n_media), 0.03, 0.95)
    height = np.clip(width * rng.uniform(0.7, 1.3, n_media), 0.03, 0.95)
    width, height = np.floor(width * 1e4) / 1e4, np.floor(height * 1e4) / 1e4
    bx = np.floor(rng.random(n_media) * (1.0 - width) * 1e4) / 1e4
    by = np.floor((0.15 + rng.random(n_media) * 0.85) * (1.0 - height) * 1e4) / 1e4
    prob = np.where(err, rng.uniform(0.35, 0.75, n_media), np.clip(rng.beta(12.0, 1.5, n_media), 0.5, 0.999)).round(3)
    created_s = int(pd.Timestamp(p.created).timestamp())
    retrieval = dep["retrieval_end"].to_numpy().astype(np.int64)
    machine_ts = np.minimum(
        retrieval + rng.integers(2 * SECONDS_PER_DAY, 14 * SECONDS_PER_DAY, size=n_dep), created_s - SECONDS_PER_DAY
    )
    human_ts = retrieval + rng.integers(15 * SECONDS_PER_DAY, 80 * SECONDS_PER_DAY, size=n_dep)
    timestamps = img["timestamps"]
    m_obs = pd.DataFrame(
        {
            "deploymentID": dep_ids[im_dep],
            "mediaID": img["media_id"],
            "eventID": order["event_id"][im_event],
            "eventStart": timestamps,
            "eventEnd": timestamps,
            "observationLevel": "media",
            "observationType": m_type,
            "scientificName": m_name,
            "count": pd.array(np.where(blank, None, m_count), dtype="Int64"),
            "bboxX": np.where(blank, np.nan, bx),
            "bboxY": np.where(blank, np.nan, by),
            "bboxWidth": np.where(blank, np.nan, width),
            "bboxHeight": np.where(blank, np.nan, height),
            "classificationMethod": "machine",
            "classifiedBy": CLASSIFIED_BY_MACHINE,
            "classificationTimestamp": utc_seconds_to_timestamps(machine_ts[im_dep]),
            "classificationProbability": np.where(
                blank, np.clip(rng.beta(10.0, 1.5, n_media), 0.5, 0.999).round(3), prob
            ),
            "_event": order["event_rank"][im_event],
            "_level": 1,
            "_sub": np.arange(n_media),
        }
    )
    return m_obs, human_ts


def people_observations(
    p: StudyParameters,
    dep: pd.DataFrame,
    animals: pd.DataFrame,
    events: dict[str, np.ndarray],
    ev: dict[str, np.ndarray],
    ident: dict[str, np.ndarray],
    e_count: np.ndarray,
    order: dict[str, np.ndarray],
    human_ts: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Event-level observations by people, in event order.

    Returns
    -------
    observations : pandas.DataFrame
        One row per event that kept images, with the sort keys ``_event``, ``_level``, ``_sub``.
    e_ind : numpy.ndarray
        The individual (row of ``animals``) people recorded for each event, -1 for none.
    e_class_ts : numpy.ndarray
        When people classified each event (UTC s).
    """
    kind, e_dep, e_species = events["kind"], events["dep"], events["species"]
    species = p.species
    names = np.array([s.scientific_name or None for s in species], dtype=object)
    obs_type = np.array([s.observation_type for s in species], dtype=object)
    n_events = kind.size
    n_animal_events = ev["t"].size
    n_dep = len(dep)
    dep_ids = dep["deploymentID"].to_numpy(dtype=object)
    ev_rows = order["order"]
    event_rank = order["event_rank"]
    created_s = int(pd.Timestamp(p.created).timestamp())
    leo = key_index(species, "leopard")
    tig = key_index(species, "tiger")
    e_ind = np.full(n_events, -1)
    e_ind[:n_animal_events] = ident["recorded"]
    e_unknown = np.zeros(n_events, dtype=bool)
    e_unknown[:n_animal_events] = ident["unknown"]
    e_type = obs_type[np.clip(e_species, 0, None)].copy()
    e_type[e_unknown] = "unknown"
    e_type[kind == 1] = "blank"
    e_type[kind == 2] = "human"
    e_name = names[np.clip(e_species, 0, None)].copy()
    e_name[(kind == 1) | e_unknown] = None
    e_name[kind == 2] = "Homo sapiens"
    ids = animals["individualID"].to_numpy(dtype=object)
    sexes = animals["sex"].to_numpy(dtype=object)
    cat = (kind == 0) & np.isin(e_species, [leo, tig])
    e_life = np.where(cat, "adult", None).astype(object)
    e_sex = np.where(cat & (e_ind >= 0), sexes[np.clip(e_ind, 0, None)], None).astype(object)
    e_idv = np.where(cat & (e_ind >= 0), ids[np.clip(e_ind, 0, None)], None).astype(object)
    e_cnt = np.where(kind == 1, None, np.where(cat, 1, e_count)).astype(object)
    den_ev = np.zeros(n_events, dtype=bool)
    den_ev[:n_animal_events] = ev["den"]
    e_behavior = np.where(den_ev & (e_species == leo), "at den", None).astype(object)
    rank_in_dep = event_rank - np.concatenate([[0], np.cumsum(np.bincount(e_dep[ev_rows], minlength=n_dep))])[e_dep]
    e_class_ts = np.minimum(human_ts[e_dep] + 40 * np.maximum(rank_in_dep, 0), created_s - 1)
    e_obs = pd.DataFrame(
        {
            "deploymentID": dep_ids[e_dep[ev_rows]],
            "mediaID": None,
            "eventID": order["event_id"][ev_rows],
            "eventStart": utc_seconds_to_timestamps(order["first"][ev_rows]),
            "eventEnd": utc_seconds_to_timestamps(order["last"][ev_rows]),
            "observationLevel": "event",
            "observationType": e_type[ev_rows],
            "cameraSetupType": np.where(kind[ev_rows] == 2, "setup", None).astype(object),
            "scientificName": e_name[ev_rows],
            "count": pd.array(e_cnt[ev_rows], dtype="Int64"),
            "lifeStage": e_life[ev_rows],
            "sex": e_sex[ev_rows],
            "behavior": e_behavior[ev_rows],
            "individualID": e_idv[ev_rows],
            "classificationMethod": "human",
            "classifiedBy": CLASSIFIED_BY_PEOPLE,
            "classificationTimestamp": utc_seconds_to_timestamps(e_class_ts[ev_rows]),
            "_event": event_rank[ev_rows],
            "_level": 0,
            "_sub": 0,
        }
    )
    return e_obs, e_ind, e_class_ts


def cub_observations(
    p: StudyParameters,
    dep: pd.DataFrame,
    animals: pd.DataFrame,
    cub_rows: np.ndarray,
    events: dict[str, np.ndarray],
    ev: dict[str, np.ndarray],
    order: dict[str, np.ndarray],
    e_class_ts: np.ndarray,
) -> pd.DataFrame:
    """Cubs photographed with their mother: one more event-level row per such event."""
    leo = key_index(p.species, "leopard")
    n_animal_events = ev["t"].size
    dep_ids = dep["deploymentID"].to_numpy(dtype=object)
    e_dep = events["dep"]
    ev_rows = order["order"]
    cub_ev = ev_rows[(ev_rows < n_animal_events)]
    cub_ev = cub_ev[(ev["species"][cub_ev] == leo) & (ev["cubs"][cub_ev] > 0)]
    cub_birth = (
        animals["birth"].to_numpy()[cub_rows[np.clip(ev["cub"][cub_ev], 0, None)]] if cub_rows.size else np.array([])
    )
    cub_age = ev["t"][cub_ev] - cub_birth
    return pd.DataFrame(
        {
            "deploymentID": dep_ids[e_dep[cub_ev]],
            "mediaID": None,
            "eventID": order["event_id"][cub_ev],
            "eventStart": utc_seconds_to_timestamps(order["first"][cub_ev]),
            "eventEnd": utc_seconds_to_timestamps(order["last"][cub_ev]),
            "observationLevel": "event",
            "observationType": "animal",
            "scientificName": p.species[leo].scientific_name or None,
            "count": pd.array(ev["cubs"][cub_ev], dtype="Int64"),
            "lifeStage": np.where(cub_age >= 365 * SECONDS_PER_DAY, "subadult", "juvenile").astype(object),
            "behavior": "following mother",
            "classificationMethod": "human",
            "classifiedBy": CLASSIFIED_BY_PEOPLE,
            "classificationTimestamp": utc_seconds_to_timestamps(e_class_ts[cub_ev]),
            "_event": order["event_rank"][cub_ev],
            "_level": 0,
            "_sub": 1,
        }
    )


def sorted_observations(parts: list[pd.DataFrame], dep_ids: Any) -> pd.DataFrame:
    """The observations table: ``parts`` sorted by deployment, event, level (people first) and row; IDs added."""
    obs = pd.concat(parts, ignore_index=True)
    dep_rank = obs["deploymentID"].map(pd.Series(np.arange(len(dep_ids)), index=dep_ids)).to_numpy()
    obs = obs.iloc[np.lexsort((obs["_sub"].to_numpy(), obs["_level"].to_numpy(), obs["_event"].to_numpy(), dep_rank))]
    obs = obs.drop(columns=["_event", "_level", "_sub"]).reset_index(drop=True)
    obs.insert(0, "observationID", format_ids("O", len(obs), 7))
    for column in ("cameraSetupType", "lifeStage", "sex", "behavior", "individualID", "mediaID"):
        obs[column] = obs[column].astype(object).where(obs[column].notna(), None)
    return obs
