"""The simulation in order, in memory (:func:`simulate_tables`) or written to files (:func:`simulate_study`).

Each step draws from its own generator spawned from the seed (see
:data:`nbtools.simulate.parameters.COMPONENTS`): habitat, stations and deployments with their faults,
animals, visits, camera events and identifications, media, tables, metadata and truth.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import xarray as xr

from .. import habitat as hab
from .._time import SECONDS_PER_DAY
from .animals import cub_table, draw_leopards, draw_tigers, places_of, renumber, state_space
from .cameras import camera_deployments
from .media import season_images
from .metadata import package_metadata
from .parameters import StudyParameters, generators, resolve_parameters
from .stations import layout_stations, service_schedule
from .tables import build_tables
from .times import date_s
from .truth import study_truth
from .visits import camera_events, identify, location_visits

__all__ = ["SimulatedStudy", "SimulationResult", "simulate_study", "simulate_tables"]


@dataclass(frozen=True)
class SimulatedStudy:
    """The simulated study in memory (what :func:`simulate_study` writes).

    Attributes
    ----------
    deployments, media, observations : pandas.DataFrame
        Camtrap DP 1.0 tables; timestamps ``datetime64[ns, UTC]`` as the cameras recorded
        them (with their clock faults); deploymentStart/End as the field team wrote them.
    individuals : pandas.DataFrame
        ``individualID``, ``scientificName``, ``individualName``, ``sex``, ``lifeStage``,
        ``birthYear``, ``motherID``: the animals the project knows.
    metadata : dict
        The Camtrap DP descriptor without ``resources`` and ``profile``.
    habitat : xarray.Dataset
        From :func:`nbtools.habitat.simulate_habitat`.
    truth : dict
        The content of ``truth.json``.
    """

    deployments: pd.DataFrame
    media: pd.DataFrame
    observations: pd.DataFrame
    individuals: pd.DataFrame
    metadata: dict[str, Any]
    habitat: xr.Dataset
    truth: dict[str, Any]


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate_study` wrote.

    Attributes
    ----------
    out_dir : pathlib.Path
    paths : dict of str to pathlib.Path
        ``datapackage``, ``deployments``, ``media``, ``observations``, ``individuals``,
        ``habitat``, ``boundary``, ``truth``.
    truth : dict
        The content of ``truth.json``.
    elapsed_s : float
        Wall time of the simulation and writing (not written to any file).
    """

    out_dir: Path
    paths: dict[str, Path]
    truth: dict[str, Any]
    elapsed_s: float = field(default=0.0, compare=False)

    def sha256(self) -> dict[str, str]:
        """SHA-256 of every written file, by name."""
        return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in self.paths.items()}


def simulate_tables(
    seed: int = 20161101,
    parameters: StudyParameters | None = None,
    *,
    progress: bool = False,
    **overrides: Any,
) -> SimulatedStudy:
    """Simulate the study in memory (no files): Camtrap DP tables, metadata, habitat and truth.

    Parameters
    ----------
    seed : int, default 20161101
        Seeds :class:`numpy.random.SeedSequence`; each model component draws from its own
        spawned generator (see ``COMPONENTS``).
    parameters : StudyParameters, optional
        Base parameters (default :class:`StudyParameters`).
    progress : bool, default False
        Show a tqdm progress bar over the simulation steps.
    **overrides
        Fields of :class:`StudyParameters` to replace (e.g. ``station_spacing_m=7000``).

    Returns
    -------
    SimulatedStudy
        ``deployments``, ``media``, ``observations`` (Camtrap DP 1.0 field names,
        timestamps ``datetime64[ns, UTC]`` as the cameras recorded them), ``individuals``,
        ``metadata`` (the Camtrap DP descriptor without resources), ``habitat`` and ``truth``.
    """
    from tqdm.auto import tqdm

    p = resolve_parameters(parameters, overrides)
    with tqdm(total=8, desc="simulate", unit="step", disable=not progress, leave=False) as bar:
        return _run_simulation(p, seed, bar)


def _run_simulation(p: StudyParameters, seed: int, bar: Any) -> SimulatedStudy:
    """The simulation steps; ``bar`` is a tqdm bar advanced once per step."""
    gen = generators(seed)
    tz = p.timezone
    sp_index = {s.key: i for i, s in enumerate(p.species)}
    if "leopard" not in sp_index or "tiger" not in sp_index:
        raise ValueError("the species list needs the keys 'leopard' and 'tiger'")

    def step(label: str) -> None:
        bar.set_postfix_str(label)
        bar.update()

    # 1. habitat
    habitat = hab.simulate_habitat(gen["habitat"], resolution_m=p.habitat_resolution_m)
    habitat.attrs["seed"] = int(seed)
    step("habitat")

    # 2. stations, schedule, deployments, faults
    start_s = date_s(p.study_start, tz)
    n_days = (pd.Timestamp(p.study_end) - pd.Timestamp(p.study_start)).days + 1
    if n_days < 2:
        raise ValueError("study_end must be after study_start")
    stations = layout_stations(habitat, p, gen["stations"])
    if len(stations) == 0:
        raise ValueError("no camera location fits in the park with these parameters")
    visit_times = service_schedule(stations, p, gen["schedule"], start_s, n_days)
    den_window = tuple(date_s(t, tz) for t in p.den_camera)
    has_den = "Berry" in [r[1] for r in p.named[: p.n_leopards]]
    has_den &= start_s <= den_window[0] and den_window[1] <= start_s + n_days * SECONDS_PER_DAY
    dep, faults = camera_deployments(
        stations, visit_times, p, gen["schedule"], gen["faults"], den_window if has_den else None
    )
    step("deployments")

    # 3. individuals
    mask = state_space(habitat, p.state_space_buffer_m)
    res = float(abs(habitat["x"].values[1] - habitat["x"].values[0]))
    area_km2 = float(mask.sum()) * res * res / 1e6
    animals = pd.concat(
        [
            draw_leopards(habitat, mask, p, gen["leopards"], start_s),
            draw_tigers(habitat, mask, p, gen["tigers"], area_km2),
        ],
        ignore_index=True,
    )
    animals["ac_in_park"] = shapely.contains_xy(hab.park_boundary(), animals["ac_x"], animals["ac_y"])
    places = places_of(stations, animals if has_den else None)
    step("individuals")

    # 4. visits: who comes to which location when (true times)
    v, expected = location_visits(p, gen, animals, stations, places, start_s, n_days, den_window if has_den else None)
    step("visits")

    # 5. camera events: which camera records which visit; who the people say it was
    cubs = cub_table(animals)
    ev, cub_seen = camera_events(p, gen["detection"], v, dep, len(stations), cubs)
    ident = identify(p, gen["identification"], ev, sp_index["leopard"])
    step("camera events")

    # 6. images: animal visits, vegetation blanks and the field team's setup images
    images, events = season_images(p, gen["media"], dep, ev, sp_index.get("human", -1), tz)
    n_animal = ev["t"].size
    step("media")

    # IDs in order of first identified photograph, as a project gives them (no gaps that
    # betray individuals never photographed)
    photographed = np.bincount(images["event"], minlength=events["kind"].size)[:n_animal] > 0
    known = photographed & (ident["recorded"] >= 0)
    first_seen = np.full(len(animals), np.inf)
    np.minimum.at(first_seen, ident["recorded"][known], ev["t"][known])
    animals = renumber(animals, first_seen, cubs["row"], cub_seen, p)

    # 7. tables
    deployments, media, observations, individuals, event_ids = build_tables(
        p, stations, dep, animals, cubs["row"], cub_seen, places, events, ev, ident, images, gen["classification"]
    )
    step("tables")

    # 8. metadata and truth
    metadata = package_metadata(p, seed, deployments, observations)
    truth = study_truth(
        p,
        seed,
        habitat,
        stations,
        dep,
        faults,
        animals,
        area_km2,
        expected,
        v,
        ev,
        ident,
        event_ids,
        cubs["row"],
        cub_seen,
        media,
        observations,
        images["event"],
        events["kind"],
        places if has_den else None,
    )
    step("truth")
    return SimulatedStudy(deployments, media, observations, individuals, metadata, habitat, truth)


def simulate_study(
    out_dir: str | Path,
    seed: int = 20161101,
    *,
    parameters: StudyParameters | None = None,
    progress: bool = True,
    **overrides: Any,
) -> SimulationResult:
    """Simulate the default study and write its files to ``out_dir``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Folder for the files (created; files of the same names are replaced).
    seed : int, default 20161101
        The same seed (and the same library versions) gives byte-identical files.
    parameters : StudyParameters, optional
        Base parameters; default :class:`StudyParameters`.
    progress : bool, default True
        Show a tqdm progress bar (``tqdm.auto``).
    **overrides
        Fields of :class:`StudyParameters` to change, e.g. ``station_spacing_m=7000`` or
        ``study_end="2017-01-31"`` for a small, fast study.

    Returns
    -------
    SimulationResult
        ``paths`` of ``datapackage.json``, ``deployments.csv.gz``, ``media.csv.gz``,
        ``observations.csv.gz``, ``individuals.csv.gz``, ``habitat.nc``,
        ``boundary.geojson``, ``truth.json`` and ``SHA256SUMS`` (their checksums, checked
        whenever the files are read), and the ``truth`` itself.

    Notes
    -----
    The Camtrap DP package is written with :func:`nbtools.camtrapdp.write_camtrapdp`
    (timestamps with +10:00 offsets, gzipped CSV); the habitat with
    :func:`nbtools.habitat.write_habitat`. See the module docstring for the model.
    """
    from tqdm.auto import tqdm

    from ..camtrapdp import CamtrapDP, write_camtrapdp
    from ..checksums import write_checksums

    started = time.perf_counter()
    p = resolve_parameters(parameters, overrides)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tqdm(total=11, desc="simulate", unit="step", disable=not progress, leave=False) as bar:
        study = _run_simulation(p, seed, bar)
        package = CamtrapDP(
            deployments=study.deployments,
            media=study.media,
            observations=study.observations,
            metadata=study.metadata,
            resources={"individuals": study.individuals},
        )
        datapackage = Path(write_camtrapdp(package, out, timezone=p.timezone, compress=True))
        bar.set_postfix_str("package")
        bar.update()
        habitat_path = hab.write_habitat(study.habitat, out / "habitat.nc")
        boundary_path = hab.write_boundary(out / "boundary.geojson")
        bar.set_postfix_str("habitat")
        bar.update()
        truth_path = out / "truth.json"
        truth_path.write_text(
            json.dumps(study.truth, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8"
        )
        bar.set_postfix_str("truth")
        bar.update()
    paths = {"datapackage": datapackage}
    for name in ("deployments", "media", "observations", "individuals"):
        paths[name] = out / f"{name}.csv.gz"
    paths.update({"habitat": habitat_path, "boundary": boundary_path, "truth": truth_path})
    paths["checksums"] = write_checksums(out, sorted(path.relative_to(out).as_posix() for path in paths.values()))
    return SimulationResult(out_dir=out, paths=paths, truth=study.truth, elapsed_s=time.perf_counter() - started)
