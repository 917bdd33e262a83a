"""Leopards and tigers with activity centres, cubs with their mothers, and the other species' location rates.

Activity centres are drawn from habitat-driven log-linear density surfaces on the state space (land
within ``state_space_buffer_m`` of the park); visits to a location are Poisson with a half-normal
rate in the distance from the activity centre (SECR; Borchers & Efford 2008). Cubs follow their
mothers. Species without individuals visit locations at rates from habitat.

References
----------
Borchers, D.L. & Efford, M.G. (2008) Spatially explicit maximum likelihood methods for
capture-recapture studies. Biometrics 64:377-385. doi:10.1111/j.1541-0420.2007.00927.x
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage

from nbtools._deprecate import renamed_parameters

from .. import habitat as hab
from .._time import SECONDS_PER_DAY
from .parameters import StudyParameters
from .species import Species
from .times import date_s

__all__ = [
    "density_covariate",
    "cub_table",
    "draw_leopards",
    "draw_tigers",
    "location_weights",
    "places_of",
    "renumber",
    "secr_rates",
    "state_space",
]


def density_covariate(habitat: xr.Dataset, name: str) -> np.ndarray:
    """A density covariate on the habitat grid (see :class:`StudyParameters`), by its name.

    ``"forest"`` (forest cover, 0-1), ``"prey"`` (the prey index), ``"elevation_peak"`` (highest at 350 m) or
    ``"elevation_low"`` (falling with elevation, per 300 m): the log density of a species is a sum of
    ``beta * density_covariate(habitat, name)`` over its covariates.
    """
    if name == "forest":
        return habitat["forest_cover"].values.astype(float)
    if name == "prey":
        return habitat["prey_index"].values.astype(float)
    if name == "elevation_peak":
        return -(((habitat["elevation"].values - 350.0) / 250.0) ** 2)
    if name == "elevation_low":
        return -habitat["elevation"].values / 300.0
    if name == "in_park":
        return habitat["in_park"].values.astype(float)
    if name == "settlement":
        return np.exp(-habitat["distance_to_settlement"].values / 3000.0)
    if name == "road":
        return np.exp(-habitat["distance_to_road"].values / 1000.0)
    raise ValueError(f"unknown density covariate {name!r}")


def state_space(habitat: xr.Dataset, buffer_m: float) -> np.ndarray:
    """Land cells within ``buffer_m`` of the park (both sides of the border)."""
    res = float(abs(habitat["x"].values[1] - habitat["x"].values[0]))
    distance = ndimage.distance_transform_edt(~habitat["in_park"].values, sampling=res)
    return habitat["land"].values & (distance <= buffer_m)


def _draw_centres(
    rng: np.random.Generator,
    habitat: xr.Dataset,
    mask: np.ndarray,
    coefficients: tuple[tuple[str, float], ...],
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Activity centres from a log-linear density surface on the state-space cells."""
    log_density = np.zeros(mask.shape)
    for name, beta in coefficients:
        log_density = log_density + beta * density_covariate(habitat, name)
    weight = np.where(mask, np.exp(log_density - log_density[mask].max()), 0.0).ravel()
    cells = rng.choice(weight.size, size=n, p=weight / weight.sum())
    res = float(abs(habitat["x"].values[1] - habitat["x"].values[0]))
    row, col = np.divmod(cells, mask.shape[1])
    x = habitat["x"].values[col] + rng.uniform(-res / 2, res / 2, size=n)
    y = habitat["y"].values[row] + rng.uniform(-res / 2, res / 2, size=n)
    return x, y


@renamed_parameters(rng="seed")
def draw_leopards(
    habitat: xr.Dataset, mask: np.ndarray, p: StudyParameters, seed: int | np.random.Generator, study_start_s: int
) -> pd.DataFrame:
    """Adult leopards (the named family first) and the cubs of breeding females."""
    rng = np.random.default_rng(seed)
    tz = p.timezone
    n = p.n_leopards
    named = p.named[:n]
    n_female = int(round(n * p.leopard_female_share))
    named_f = sum(1 for r in named if r[2] == "female")
    named_m = len(named) - named_f
    rest_sex = rng.permutation(
        np.array(["female"] * max(n_female - named_f, 0) + ["male"] * max(n - n_female - named_m, 0), dtype=object)
    )
    x, y = _draw_centres(rng, habitat, mask, p.leopard_density, n)
    if named:
        nx, ny = hab.to_utm([r[4] for r in named], [r[5] for r in named])
        x[: len(named)], y[: len(named)] = nx, ny
    sex = np.concatenate([np.array([r[2] for r in named], dtype=object), rest_sex])
    used = {int("".join(ch for ch in r[0].split()[-1] if ch.isdigit())) for r in named}
    numbers = [k for k in range(1, 10 * n + 20) if k not in used][: n - len(named)]
    ids = [r[0] for r in named] + [
        f"Leo {k}{'F' if s == 'female' else 'M'}" for k, s in zip(numbers, rest_sex, strict=True)
    ]
    birth_lo, birth_hi = date_s("2005-01-01", tz), date_s("2014-06-30", tz)
    birth = rng.integers(birth_lo, birth_hi, size=n)
    birth[: len(named)] = [date_s(r[3], tz) for r in named]
    adults = pd.DataFrame(
        {
            "individualID": ids,
            "species": "leopard",
            "sex": sex,
            "lifeStage": "adult",
            "birth": birth,
            "motherID": [r[6] for r in named] + [""] * (n - len(named)),
            "individualName": [r[1] for r in named] + [""] * (n - len(named)),
            "ac_x": x,
            "ac_y": y,
            "sigma_m": np.where(sex == "female", p.leopard_sigma_female_m, p.leopard_sigma_male_m),
            "lambda0": p.leopard_lambda0,
            "is_cub": False,
            "breeding": False,
        }
    )

    # litters: Berry's (if she is in the study) plus randomly chosen other females
    females = np.flatnonzero(adults["sex"].to_numpy() == "female")
    n_breeding = int(round(p.breeding_female_share * females.size))
    berry = np.flatnonzero(adults["individualName"].to_numpy() == "Berry")
    others = np.setdiff1d(females, np.flatnonzero(adults["individualName"].to_numpy() != ""))
    n_other = max(n_breeding - berry.size, 0)
    mothers = np.concatenate([berry, rng.choice(others, size=min(n_other, others.size), replace=False)])
    sizes = 1 + rng.choice(len(p.litter_size_probabilities), size=mothers.size, p=np.array(p.litter_size_probabilities))
    lo, hi = date_s(p.cub_birth_window[0], tz), date_s(p.cub_birth_window[1], tz)
    litter_birth = rng.integers(lo, hi, size=mothers.size)
    if berry.size:
        sizes[0] = 2
        litter_birth[0] = date_s(p.berry_litter_birth, tz)
    adults.loc[mothers, "breeding"] = True
    cub_mother = np.repeat(mothers, sizes)
    cub_number = np.concatenate([np.arange(1, k + 1) for k in sizes]) if sizes.size else np.array([], int)
    cub_birth = np.repeat(litter_birth, sizes)
    cub_age_at_start = study_start_s - cub_birth
    cubs = pd.DataFrame(
        {
            "individualID": [
                f"{adults.at[m, 'individualID']}-c{k}" for m, k in zip(cub_mother, cub_number, strict=True)
            ],
            "species": "leopard",
            "sex": rng.choice(np.array(["female", "male"], dtype=object), size=cub_mother.size),
            "lifeStage": np.where(cub_age_at_start >= 365 * SECONDS_PER_DAY, "subadult", "juvenile"),
            "birth": cub_birth,
            "motherID": adults["individualID"].to_numpy()[cub_mother],
            "individualName": "",
            "ac_x": adults["ac_x"].to_numpy()[cub_mother],
            "ac_y": adults["ac_y"].to_numpy()[cub_mother],
            "sigma_m": adults["sigma_m"].to_numpy()[cub_mother],
            "lambda0": p.leopard_lambda0 * p.cub_detection_factor,
            "is_cub": True,
            "breeding": False,
        }
    )
    return pd.concat([adults, cubs], ignore_index=True)


@renamed_parameters(rng="seed")
def draw_tigers(
    habitat: xr.Dataset, mask: np.ndarray, p: StudyParameters, seed: int | np.random.Generator, area_km2: float
) -> pd.DataFrame:
    """Adult tigers at ``tiger_density_per_100km2`` of the state space (``area_km2``), centres from habitat."""
    rng = np.random.default_rng(seed)
    n = int(round(p.tiger_density_per_100km2 * area_km2 / 100.0))
    x, y = _draw_centres(rng, habitat, mask, p.tiger_density, n)
    sex = np.where(rng.random(n) < p.tiger_female_share, "female", "male").astype(object)
    birth = rng.integers(date_s("2004-01-01", p.timezone), date_s("2013-06-30", p.timezone), size=n)
    return pd.DataFrame(
        {
            "individualID": [f"Tig {k + 1}{'F' if s == 'female' else 'M'}" for k, s in enumerate(sex)],
            "species": "tiger",
            "sex": sex,
            "lifeStage": "adult",
            "birth": birth,
            "motherID": "",
            "individualName": "",
            "ac_x": x,
            "ac_y": y,
            "sigma_m": np.where(sex == "female", p.tiger_sigma_female_m, p.tiger_sigma_male_m),
            "lambda0": p.tiger_lambda0,
            "is_cub": False,
            "breeding": False,
        }
    )


def renumber(
    animals: pd.DataFrame, first_seen: np.ndarray, cub_rows: np.ndarray, cub_seen: np.ndarray, p: StudyParameters
) -> pd.DataFrame:
    """Number unnamed adults by first photograph and cubs photographed first; update mothers."""
    animals = animals.copy()
    old = animals["individualID"].to_numpy(dtype=object)
    new = old.copy()
    named = {r[0] for r in p.named}
    adult = ~animals["is_cub"].to_numpy()
    for species, prefix in (("leopard", "Leo"), ("tiger", "Tig")):
        rows = np.flatnonzero((animals["species"] == species).to_numpy() & adult)
        fixed = [i for i in rows if old[i] in named]
        used = {int("".join(ch for ch in old[i].split()[-1] if ch.isdigit())) for i in fixed}
        free = [i for i in rows if old[i] not in named]
        free = sorted(free, key=lambda i: (first_seen[i], i))
        numbers = (k for k in range(1, 10 * len(rows) + 20) if k not in used)
        for i, number in zip(free, numbers):  # ~100 animals
            new[i] = f"{prefix} {number}{'F' if animals.at[i, 'sex'] == 'female' else 'M'}"
    mapping = dict(zip(old, new, strict=True))
    mother = animals["motherID"].map(lambda m: mapping.get(m, m)).to_numpy(dtype=object)
    seen = np.zeros(len(animals), dtype=bool)
    seen[cub_rows] = cub_seen
    for m in np.unique(mother[cub_rows]) if cub_rows.size else []:
        litter = [i for i in cub_rows if mother[i] == m]
        litter = sorted(litter, key=lambda i: (not seen[i], i))
        for k, i in enumerate(litter, start=1):
            new[i] = f"{m}-c{k}"
    animals["individualID"] = new
    animals["motherID"] = mother
    return animals


def cub_table(animals: pd.DataFrame) -> dict[str, np.ndarray]:
    """Rows, mothers' rows and birth times (UTC s) of the cubs."""
    row = np.flatnonzero(animals["is_cub"].to_numpy())
    id_to_row = {k: i for i, k in enumerate(animals["individualID"])}
    mother = np.array([id_to_row[m] for m in animals["motherID"].to_numpy()[row]], dtype=np.int64)
    return {"row": row, "mother": mother, "birth": animals["birth"].to_numpy()[row].astype(np.int64)}


def secr_rates(individuals: pd.DataFrame, stations: pd.DataFrame, trigger_probability: float) -> np.ndarray:
    """Location visit rates per day (individual x location): lambda0 / p exp(-d^2 / 2 sigma^2)."""
    dx = individuals["ac_x"].to_numpy()[:, None] - stations["x"].to_numpy()[None, :]
    dy = individuals["ac_y"].to_numpy()[:, None] - stations["y"].to_numpy()[None, :]
    sigma = individuals["sigma_m"].to_numpy()[:, None]
    lam0 = individuals["lambda0"].to_numpy()[:, None] / trigger_probability
    return lam0 * np.exp(-(dx**2 + dy**2) / (2.0 * sigma**2))


def location_weights(species: Species, stations: pd.DataFrame) -> np.ndarray:
    """Relative visit rates of a species at the grid locations (mean 1)."""
    cov = {
        "forest": stations["forest_cover"].to_numpy(),
        "open": 1.0 - stations["forest_cover"].to_numpy(),
        "prey": stations["prey_index"].to_numpy(),
        "elevation": stations["elevation"].to_numpy(),
        "road": np.exp(-stations["distance_to_road"].to_numpy() / 1000.0),
        "settlement": np.exp(-stations["distance_to_settlement"].to_numpy() / 5000.0),
    }
    log_w = np.zeros(len(stations))
    weight_mask = np.ones(len(stations), dtype=bool)
    for name, beta in species.habitat:
        if name == "road_only":
            weight_mask = stations["featureType"].to_numpy() == "roadDirt"
            continue
        values = cov[name]
        sd = values.std()
        log_w += beta * ((values - values.mean()) / sd if sd > 0 else 0.0)
    weight = np.where(weight_mask, np.exp(log_w), 0.0)
    return weight / weight.mean() if weight.sum() > 0 else weight


def places_of(stations: pd.DataFrame, animals: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Coordinates of the grid locations, plus Berry's den (last) when ``animals`` is given."""
    x = stations["x"].to_numpy()
    y = stations["y"].to_numpy()
    if animals is not None:
        berry = animals.index[animals["individualName"] == "Berry"][0]
        x = np.append(x, animals.at[berry, "ac_x"] - 1000.0)
        y = np.append(y, animals.at[berry, "ac_y"] + 1100.0)
    lon, lat = hab.to_lonlat(x, y)
    return {"x": x, "y": y, "lon": lon, "lat": lat}
