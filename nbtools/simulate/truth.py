"""``truth.json``: everything the simulation knows and the field team could not.

Activity centres, every visit of every animal, the camera faults and clock errors, the true
recording periods and the identification errors; :func:`leopard_season_use` derives from it the
true probability that a station was used by leopards, against which occupancy estimates are checked.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .. import habitat as hab
from .._time import utc_seconds_to_iso
from .parameters import StudyParameters, jsonable

__all__ = ["leopard_season_use", "study_truth"]


def _individual_records(
    p: StudyParameters,
    animals: pd.DataFrame,
    v: dict[str, np.ndarray],
    ev: dict[str, np.ndarray],
    present: np.ndarray,
    cub_rows: np.ndarray,
    cub_seen: np.ndarray,
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """One record per animal (centre, sigma, visits, camera events), and camera events per animal."""
    ac_lon, ac_lat = hab.to_lonlat(animals["ac_x"].to_numpy(), animals["ac_y"].to_numpy())
    n_ind = len(animals)
    visits_per = np.bincount(v["ind"][v["ind"] >= 0], minlength=n_ind)
    events_per = np.bincount(ev["ind"][present & (ev["ind"] >= 0)], minlength=n_ind)
    cub_events = np.zeros(n_ind, dtype=int)
    cub_events[cub_rows] = cub_seen.astype(int)
    birth = pd.to_datetime(animals["birth"].to_numpy(), unit="s", utc=True).tz_convert(p.timezone)
    individuals = []
    for i, row in enumerate(animals.itertuples(index=False)):  # ~130 animals
        individuals.append(
            {
                "individualID": row.individualID,
                "species": row.species,
                "sex": row.sex,
                "lifeStage": row.lifeStage,
                "birthDate": birth[i].date().isoformat(),
                "motherID": row.motherID or None,
                "name": row.individualName or None,
                "ac_x": round(float(row.ac_x), 1),
                "ac_y": round(float(row.ac_y), 1),
                "ac_longitude": round(float(ac_lon[i]), 5),
                "ac_latitude": round(float(ac_lat[i]), 5),
                "ac_in_park": bool(row.ac_in_park),
                "sigma_m": float(row.sigma_m),
                "lambda0_per_camera_day": round(float(row.lambda0), 6),
                "breeding": bool(row.breeding),
                "cub": bool(row.is_cub),
                "visits": int(visits_per[i]),
                "camera_events": int(events_per[i]) if not row.is_cub else None,
                "photographed": bool(events_per[i] > 0) if not row.is_cub else bool(cub_events[i]),
            }
        )
    return individuals, events_per


def _by_sex(animals: pd.DataFrame, mask: np.ndarray) -> dict[str, int]:
    """Number of animals of ``mask`` by sex."""
    sex = animals["sex"].to_numpy()
    return {"female": int((mask & (sex == "female")).sum()), "male": int((mask & (sex == "male")).sum())}


def _realised_species(
    p: StudyParameters,
    expected: dict[str, float],
    v: dict[str, np.ndarray],
    ev: dict[str, np.ndarray],
    present: np.ndarray,
    images_per_event: np.ndarray,
) -> dict[str, dict[str, Any]]:
    """Expected and realised visits, camera events and media per species, with each one's share of visits."""
    keys = [s.key for s in p.species]
    n_animal = ev["t"].size
    realised_species = {}
    animal_media = np.bincount(ev["species"], weights=images_per_event[:n_animal], minlength=len(keys))
    for index, key in enumerate(keys):
        realised_species[key] = {
            "expected_visits": round(float(expected.get(key, np.nan)), 1),
            "visits": int((v["species"] == index).sum()),
            "camera_events": int((present & (ev["species"] == index)).sum()),
            "media": int(animal_media[index]),
        }
    total_visits = sum(r["visits"] for r in realised_species.values())
    for r in realised_species.values():
        r["share_of_visits"] = round(r["visits"] / total_visits, 4) if total_visits else None
    return realised_species


def _realised_cats(
    animals: pd.DataFrame, events_per: np.ndarray, cub_seen: np.ndarray, area_km2: float
) -> dict[str, dict[str, Any]]:
    """Leopards and tigers: adults by sex, in the park, photographed; litters; leopard density."""
    is_leo = (animals["species"] == "leopard").to_numpy()
    is_tig = (animals["species"] == "tiger").to_numpy()
    adult = ~animals["is_cub"].to_numpy()
    in_park = animals["ac_in_park"].to_numpy()
    detected = events_per > 0
    leo_adults = is_leo & adult
    return {
        "leopard": {
            "adults": int(leo_adults.sum()),
            "adults_by_sex": _by_sex(animals, leo_adults),
            "adults_with_centre_in_park": _by_sex(animals, leo_adults & in_park),
            "adults_photographed": _by_sex(animals, leo_adults & detected),
            "breeding_females": int(animals["breeding"].sum()),
            "cubs": int((is_leo & ~adult).sum()),
            "cubs_photographed": int(cub_seen.sum()),
            "density_per_100km2_state_space": round(100.0 * leo_adults.sum() / area_km2, 3),
        },
        "tiger": {
            "adults": int(is_tig.sum()),
            "adults_by_sex": _by_sex(animals, is_tig),
            "adults_with_centre_in_park": _by_sex(animals, is_tig & in_park),
            "adults_photographed": _by_sex(animals, is_tig & detected),
        },
    }


def _identification(
    animals: pd.DataFrame,
    ev: dict[str, np.ndarray],
    ident: dict[str, np.ndarray],
    event_ids: np.ndarray,
    present: np.ndarray,
) -> dict[str, list[dict[str, Any]]]:
    """Events people gave another leopard's ID, and events left unmatched, with the true individual."""
    ids = animals["individualID"].to_numpy(dtype=object)
    misidentified = [
        {"eventID": event_ids[i], "individualID": ids[ident["recorded"][i]], "true_individualID": ids[ev["ind"][i]]}
        for i in np.flatnonzero(ident["misid"] & present)
    ]
    unmatched_list = [
        {"eventID": event_ids[i], "true_individualID": ids[ev["ind"][i]]}
        for i in np.flatnonzero(ident["unmatched"] & present)
    ]
    return {"misidentified": misidentified, "unmatched": unmatched_list}


def study_truth(
    p: StudyParameters,
    seed: int,
    habitat: xr.Dataset,
    stations: pd.DataFrame,
    dep: pd.DataFrame,
    faults: list[dict[str, Any]],
    animals: pd.DataFrame,
    area_km2: float,
    expected: dict[str, float],
    v: dict[str, np.ndarray],
    ev: dict[str, np.ndarray],
    ident: dict[str, np.ndarray],
    event_ids: np.ndarray,
    cub_rows: np.ndarray,
    cub_seen: np.ndarray,
    media: pd.DataFrame,
    observations: pd.DataFrame,
    im_event: np.ndarray,
    kind: np.ndarray,
    den_places: dict[str, np.ndarray] | None,
) -> dict[str, Any]:
    """Everything the simulation knows, as JSON-ready values (the content of ``truth.json``)."""
    tz = p.timezone
    n_loc = len(stations)
    n_animal = ev["t"].size
    present = np.array([e is not None for e in event_ids[:n_animal]], dtype=bool)
    images_per_event = np.bincount(im_event, minlength=kind.size)
    individuals, events_per = _individual_records(p, animals, v, ev, present, cub_rows, cub_seen)
    realised = {
        "locations": int(n_loc),
        "deployments": int(len(dep)),
        "cameras": int(dep["cameraID"].nunique()),
        "media": int(len(media)),
        "observations": int(len(observations)),
        "vegetation_blank_events": int((kind == 1).sum()),
        "setup_events": int((kind == 2).sum()),
        **_realised_cats(animals, events_per, cub_seen, area_km2),
        "species": _realised_species(p, expected, v, ev, present, images_per_event),
        "faults": {kind_: sum(f["fault"] == kind_ for f in faults) for kind_ in sorted({f["fault"] for f in faults})},
    }
    deployments = {
        "deploymentID": dep["deploymentID"].tolist(),
        "cameraID": dep["cameraID"].tolist(),
        "recording_start": utc_seconds_to_iso(dep["op_start"].to_numpy(), tz),
        "recording_end": utc_seconds_to_iso(dep["op_end"].to_numpy(), tz),
        "media_lost": dep["media_lost"].astype(bool).tolist(),
        "burst_size": dep["burst"].astype(int).tolist(),
    }
    truth = {
        "description": (
            "Known truth of a study simulated by nbtools.simulate. Times are true times (local, with offset); "
            "the package holds the times the cameras recorded, which differ where a clock was faulty."
        ),
        "seed": int(seed),
        "crs": "EPSG:32652",
        "timezone": tz,
        "parameters": p.to_dict(),
        "habitat": {
            "park_area_km2": round(hab.park_boundary().area / 1e6, 1),
            "state_space_area_km2": round(area_km2, 1),
            "state_space_buffer_m": p.state_space_buffer_m,
            "feeding_stations": [
                {"x": float(x), "y": float(y)}
                for x, y in zip(habitat.attrs["feeding_station_x"], habitat.attrs["feeding_station_y"], strict=True)
            ],
        },
        "stations": stations[["locationID", "x", "y", "longitude", "latitude", "featureType"]].to_dict(
            orient="records"
        ),
        "realised": realised,
        "individuals": individuals,
        "faults": faults,
        "deployments": deployments,
        "identification": _identification(animals, ev, ident, event_ids, present),
    }
    if den_places is not None:
        truth["den"] = {
            "locationID": "DEN1",
            "deploymentID": "DEN1-A-1",
            "x": round(float(den_places["x"][n_loc]), 1),
            "y": round(float(den_places["y"][n_loc]), 1),
            "mother": str(animals.loc[animals["individualName"] == "Berry", "individualID"].iloc[0]),
            "den_visits": int(v["den"].sum()),
        }
    return jsonable(truth)


def leopard_season_use(truth: dict[str, Any], stations: pd.DataFrame) -> np.ndarray:
    """P(at least one adult leopard visits each station during the season), from a simulated study's truth.

    The simulator's adult leopard k visits station i as a Poisson process of rate
    ``lambda0_k / trigger_probability * exp(-d_ik^2 / 2 sigma_k^2)`` per day over the season
    (``secr_rates``, ``location_visits``; cubs only follow their mothers), so the probability that
    station i is used at least once is ``1 - exp(-n_days * sum_k rate_ik)``: the "true share of occupied
    stations" that occupancy estimates are checked against.

    Parameters
    ----------
    truth : dict
        ``truth.json`` of a simulated study (``parameters``, ``individuals``).
    stations : pandas.DataFrame
        Stations with ``x`` and ``y`` (m, the study's CRS).

    Returns
    -------
    numpy.ndarray
        One probability per station row.
    """
    params = truth["parameters"]
    n_days = (pd.Timestamp(params["study_end"]) - pd.Timestamp(params["study_start"])).days + 1
    trigger = next(sp["trigger_probability"] for sp in params["species"] if sp["key"] == "leopard")
    ind = pd.DataFrame(truth["individuals"])
    adults = ind[(ind["species"] == "leopard") & ~ind["cub"].astype(bool)]
    d2 = (stations["x"].to_numpy()[:, None] - adults["ac_x"].to_numpy()[None, :]) ** 2 + (
        stations["y"].to_numpy()[:, None] - adults["ac_y"].to_numpy()[None, :]
    ) ** 2
    sigma = adults["sigma_m"].to_numpy()[None, :]
    rate = (adults["lambda0_per_camera_day"].to_numpy()[None, :] / trigger * np.exp(-d2 / (2 * sigma**2))).sum(axis=1)
    return -np.expm1(-n_days * rate)
