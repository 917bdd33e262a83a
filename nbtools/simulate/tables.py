"""The Camtrap DP tables of the simulated study: deployments, media, observations and individuals.

:func:`build_tables` runs the named steps: :func:`deployments_table`, :func:`event_order` (event
IDs in recorded order), :func:`media_table`, the observations of :mod:`nbtools.simulate.observations`
and :func:`individuals_table`. Times go in as UTC epoch seconds and come out as
``datetime64[ns, UTC]`` (as the cameras recorded them, with their clock faults).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from .._time import utc_seconds_to_timestamps
from .media import format_ids, within
from .observations import (
    cub_observations,
    event_counts,
    key_index,
    machine_observations,
    people_observations,
    sorted_observations,
)
from .parameters import StudyParameters

__all__ = ["build_tables", "deployments_table", "event_order", "individuals_table", "media_table"]

#: ``deploymentComments`` of deployments with a fault.
_COMMENTS = {
    "stolen": "Camera stolen; memory card lost. End estimated from the partner camera.",
    "broken": "Camera found damaged; end is the time of its last image.",
    "dead_battery": "Batteries found dead at retrieval.",
    "card_full": "Memory card found full at retrieval (vegetation triggers).",
    "knocked_over": "Camera knocked over; end is the last image with the normal view.",
    "resumed": "Camera re-set by a ranger patrol after it had been knocked over.",
}


def _deployment_notes(dep: pd.DataFrame, is_den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``deploymentComments`` and ``deploymentTags`` of each deployment (faults, clock resets, the den)."""
    fault = dep["fault"].to_numpy()
    comments = np.array([_COMMENTS.get(f) for f in fault], dtype=object)
    resumed_ids = set(dep.loc[fault == "resumed", "deploymentID"])
    for i in np.flatnonzero(fault == "knocked_over"):
        if f"{dep.at[i, 'deploymentID']}b" in resumed_ids:
            comments[i] += f" Re-set by a patrol: see {dep.at[i, 'deploymentID']}b."
    reset = dep["clock_reset"].to_numpy()
    for i in np.flatnonzero(reset):
        note = "Date and time found reset to 2000-01-01 at retrieval."
        comments[i] = note if comments[i] is None else f"{comments[i]} {note}"
    comments[is_den] = "Den camera at a rock grotto used by a leopard family."
    tags = np.array(
        [
            " | ".join(t for t in (f"fault:{f}" if f and f != "resumed" else "", "clock:reset" if r else "") if t)
            or None
            for f, r in zip(fault, reset, strict=True)
        ],
        dtype=object,
    )
    return comments, tags


def deployments_table(
    p: StudyParameters, stations: pd.DataFrame, dep: pd.DataFrame, places: dict[str, np.ndarray]
) -> pd.DataFrame:
    """The Camtrap DP deployments table (start and end as the field team wrote them)."""
    loc_lon, loc_lat = places["lon"], places["lat"]
    n_dep = len(dep)
    loc = dep["loc"].to_numpy()
    n_loc = len(stations)
    is_den = loc >= n_loc
    comments, tags = _deployment_notes(dep, is_den)
    reset = dep["clock_reset"].to_numpy()
    route_team = 1 + (np.minimum(loc, n_loc - 1) // p.locations_per_field_day) % 2
    return pd.DataFrame(
        {
            "deploymentID": dep["deploymentID"].to_numpy(dtype=object),
            "locationID": dep["locationID"].to_numpy(dtype=object),
            "locationName": np.where(is_den, "Berry's den (grotto)", None).astype(object),
            "latitude": loc_lat[loc].round(5),
            "longitude": loc_lon[loc].round(5),
            "coordinateUncertainty": pd.array(np.full(n_dep, 10), dtype="Int64"),
            "deploymentStart": utc_seconds_to_timestamps(dep["start"].to_numpy()),
            "deploymentEnd": utc_seconds_to_timestamps(dep["end"].to_numpy()),
            "setupBy": np.where(is_den, "LLNP den team", np.char.mod("LLNP field team %d", route_team)).astype(object),
            "cameraID": dep["cameraID"].to_numpy(dtype=object),
            "cameraModel": p.camera_model,
            "cameraDelay": pd.array(np.zeros(n_dep, dtype=int), dtype="Int64"),
            "cameraHeight": dep["cameraHeight"].to_numpy(),
            "cameraTilt": pd.array(np.zeros(n_dep, dtype=int), dtype="Int64"),
            "cameraHeading": pd.array(dep["cameraHeading"].to_numpy(), dtype="Int64"),
            "detectionDistance": np.where(is_den, 3.0, 4.0),
            "timestampIssues": reset,
            "baitUse": np.zeros(n_dep, dtype=bool),
            "featureType": np.where(
                is_den, None, stations["featureType"].to_numpy(dtype=object)[np.minimum(loc, n_loc - 1)]
            ),
            "habitat": np.where(
                is_den,
                "rock grotto (leopard den) in broadleaf forest",
                stations["habitat"].to_numpy(dtype=object)[np.minimum(loc, n_loc - 1)],
            ),
            "deploymentGroups": np.where(
                is_den, "array:den", np.char.mod("array:grid | interval:%d", dep["interval"].to_numpy())
            ).astype(object),
            "deploymentTags": tags,
            "deploymentComments": comments,
        }
    )


def event_order(kind: np.ndarray, e_dep: np.ndarray, images: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Events that kept images, in recorded order (by deployment, then first recorded image).

    Returns
    -------
    dict
        ``has_images`` (bool per event), ``first`` and ``last`` recorded image time (UTC s),
        ``order`` (the events with images, in order), ``event_rank`` (-1 for none) and
        ``event_id`` (``E000001``..., None for none).
    """
    n_events = kind.size
    im_event, recorded = images["event"], images["recorded"]
    has_images = np.bincount(im_event, minlength=n_events) > 0
    ev_first = np.full(n_events, np.iinfo(np.int64).max)
    ev_last = np.full(n_events, np.iinfo(np.int64).min)
    np.minimum.at(ev_first, im_event, recorded)
    np.maximum.at(ev_last, im_event, recorded)
    present = np.flatnonzero(has_images)
    order = present[np.lexsort((present, ev_first[present], e_dep[present]))]
    event_rank = np.full(n_events, -1)
    event_rank[order] = np.arange(order.size)
    event_id = np.full(n_events, None, dtype=object)
    event_id[order] = format_ids("E", order.size, 6)
    return {
        "has_images": has_images,
        "first": ev_first,
        "last": ev_last,
        "order": order,
        "event_rank": event_rank,
        "event_id": event_id,
    }


def media_table(
    dep: pd.DataFrame, images: dict[str, np.ndarray], ev: dict[str, np.ndarray], n_events: int, event_rank: np.ndarray
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The Camtrap DP media table, sorted by deployment and recorded time, and the images in that order.

    Returns
    -------
    media : pandas.DataFrame
    img : dict
        ``event``, ``dep``, ``t``, ``recorded``, ``last`` of ``images`` in media order, with
        ``media_id`` and ``timestamps`` (the recorded times as ``datetime64[ns, UTC]``).
    """
    n_dep = len(dep)
    n_animal_events = ev["t"].size
    im_event, im_dep, im_t, recorded, im_last = (images[k] for k in ("event", "dep", "t", "recorded", "last"))
    m_order = np.lexsort((im_t, event_rank[im_event], recorded, im_dep))
    im_event, im_dep, im_t, recorded, im_last = (a[m_order] for a in (im_event, im_dep, im_t, recorded, im_last))
    n_media = im_event.size
    media_id = format_ids("M", n_media, 6)
    dep_counts = np.bincount(im_dep, minlength=n_dep)
    file_no = within(im_dep, dep_counts[np.unique(im_dep)]) + 1 if n_media else np.array([], int)
    file_name = np.strings.add(np.strings.add("IMG_", np.strings.zfill(file_no.astype("U"), 5)), ".JPG").astype(object)
    dep_ids = dep["deploymentID"].to_numpy(dtype=object)
    file_path = np.char.add(np.char.add("media/", dep_ids[im_dep].astype(str)), np.char.add("/", file_name.astype(str)))
    file_path = file_path.astype(object)
    with_cubs = np.zeros(n_events, dtype=bool)
    with_cubs[:n_animal_events] = ev["den"] & (ev["cubs"] > 0)
    favorite = pd.array(np.where(with_cubs[im_event], True, None), dtype="boolean")
    timestamps = utc_seconds_to_timestamps(recorded)
    media = pd.DataFrame(
        {
            "mediaID": media_id,
            "deploymentID": dep_ids[im_dep],
            "captureMethod": "activityDetection",
            "timestamp": timestamps,
            "filePath": file_path,
            "filePublic": np.zeros(n_media, dtype=bool),
            "fileName": file_name,
            "fileMediatype": "image/jpeg",
            "favorite": favorite,
        }
    )
    img = {"event": im_event, "dep": im_dep, "t": im_t, "recorded": recorded, "last": im_last}
    return media, {**img, "media_id": media_id, "timestamps": timestamps}


def individuals_table(
    p: StudyParameters,
    animals: pd.DataFrame,
    identified: np.ndarray,
    cub_rows: np.ndarray,
    cub_seen: np.ndarray,
) -> pd.DataFrame:
    """Individuals known to the project: identified in a photograph, or named (known from earlier years).

    ``identified`` are the rows of ``animals`` people recorded in an event with images; cubs seen
    with a known mother are listed too. Named like Kedrovka of "Spotted Family" (2014).
    """
    names = np.array([s.scientific_name or None for s in p.species], dtype=object)
    leo = key_index(p.species, "leopard")
    tig = key_index(p.species, "tiger")
    ids = animals["individualID"].to_numpy(dtype=object)
    named = np.flatnonzero(animals["individualName"].to_numpy() != "")
    seen = np.union1d(identified, named)
    known = set(ids[seen])
    cub_known = [i for c, i in enumerate(cub_rows) if cub_seen[c] and animals.at[i, "motherID"] in known]
    rows = np.concatenate([seen, np.array(cub_known, dtype=np.int64)])
    table = animals.iloc[rows]
    birth_year = pd.to_datetime(table["birth"].to_numpy(), unit="s", utc=True).tz_convert(p.timezone).year
    individuals = pd.DataFrame(
        {
            "individualID": table["individualID"].to_numpy(dtype=object),
            "scientificName": names[np.where(table["species"].to_numpy() == "tiger", tig, leo)],
            "individualName": table["individualName"].to_numpy(dtype=object),
            "sex": np.where(table["is_cub"].to_numpy(), None, table["sex"].to_numpy(dtype=object)).astype(object),
            "lifeStage": table["lifeStage"].to_numpy(dtype=object),
            "birthYear": pd.array(np.asarray(birth_year), dtype="Int64"),
            "motherID": table["motherID"].to_numpy(dtype=object),
        }
    )
    key = individuals["individualID"].str.extract(r"^(\w+) (\d+)[FM](?:-c(\d))?$")
    key = pd.DataFrame({"a": key[0], "b": key[1].astype(int), "c": key[2].fillna("0").astype(int)})
    individuals = individuals.iloc[key.sort_values(["a", "b", "c"], kind="stable").index].reset_index(drop=True)
    for column in ("individualName", "sex", "motherID"):
        values = individuals[column].astype(object)
        individuals[column] = values.where(values.notna() & (values != ""), None)
    return individuals


@renamed_parameters(rng="seed")
def build_tables(
    p: StudyParameters,
    stations: pd.DataFrame,
    dep: pd.DataFrame,
    animals: pd.DataFrame,
    cub_rows: np.ndarray,
    cub_seen: np.ndarray,
    places: dict[str, np.ndarray],
    events: dict[str, np.ndarray],
    ev: dict[str, np.ndarray],
    ident: dict[str, np.ndarray],
    images: dict[str, np.ndarray],
    seed: int | np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Camtrap DP deployments, media, observations and individuals tables, and the event IDs.

    ``events`` describes all events (animal camera events first, then vegetation blanks,
    then setup images) by ``kind`` (0, 1, 2), ``dep`` and ``species``; ``ev`` the animal
    events; ``images`` the images kept (``event``, ``dep``, ``t``, ``recorded``, ``last``);
    ``rng`` the ``classification`` stream.
    """
    rng = np.random.default_rng(seed)
    kind = events["kind"]
    deployments = deployments_table(p, stations, dep, places)
    order = event_order(kind, events["dep"], images)
    media, img = media_table(dep, images, ev, kind.size, order["event_rank"])
    e_count = event_counts(p.species, kind, ev)
    m_obs, human_ts = machine_observations(p, dep, img, events, e_count, order, rng)
    e_obs, e_ind, e_class_ts = people_observations(p, dep, animals, events, ev, ident, e_count, order, human_ts)
    c_obs = cub_observations(p, dep, animals, cub_rows, events, ev, order, e_class_ts)
    obs = sorted_observations([e_obs, c_obs, m_obs], deployments["deploymentID"].to_numpy(dtype=object))
    identified = np.unique(e_ind[(kind == 0) & order["has_images"] & (e_ind >= 0)])
    individuals = individuals_table(p, animals, identified, cub_rows, cub_seen)
    return deployments, media, obs, individuals, order["event_id"]
