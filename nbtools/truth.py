"""The truth of a simulated study: what the field team could not know, as ``nbtools.simulate`` wrote it.

A study written by the simulator (the default study in ``data/leopard-study/``) carries ``truth.json``
beside its Camtrap DP files: the parameters of the simulation, every animal's activity centre and family,
the camera faults, the misidentified records. :func:`read_truth` reads it (checked against the folder's
``SHA256SUMS``) for the notebooks and tests that compare estimates with the truth.

>>> from nbtools.catalog import open_catalog
>>> truth = read_truth(open_catalog("leopard"))  # doctest: +SKIP
>>> truth["parameters"]["leopard_sigma_female_m"]  # doctest: +SKIP
2000.0
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["TRUTH_FILE", "read_truth"]

#: Name of the truth file in a simulated study's folder.
TRUTH_FILE = "truth.json"

#: Keys every truth file has.
REQUIRED_KEYS = ("parameters", "individuals")


def truth_path(source: str | Path | Any) -> Path:
    """Where the truth of ``source`` is: a ``truth.json`` file, a study folder, or an Intake catalog.

    Parameters
    ----------
    source : str, pathlib.Path or intake catalog
        The truth file itself, the folder that holds it, or a catalog of the project whose ``metadata``
        names it (``truth: leopard-study/truth.json``, relative to the catalog's data folder).

    Returns
    -------
    pathlib.Path
        The path of the truth file (not checked to exist).

    Raises
    ------
    ValueError
        If a catalog names no truth file.
    """
    if isinstance(source, str | Path):
        path = Path(source)
        return path / TRUTH_FILE if path.is_dir() else path
    metadata = getattr(source, "metadata", None)
    if not isinstance(metadata, Mapping):
        raise TypeError(f"read_truth takes a path or an Intake catalog, got {type(source).__name__}")
    if not metadata.get("truth"):
        raise ValueError("the catalog's metadata names no truth file (no 'truth:' entry): it is not a simulated study")
    from .readers import local_path  # a catalog exists, so Intake is loaded already

    data_dir = source.user_parameters.get("data_dir")
    folder = local_path(str(getattr(data_dir, "default", data_dir))) if data_dir is not None else Path.cwd()
    return folder / str(metadata["truth"])


def read_truth(source: str | Path | Any) -> dict[str, Any]:
    """The truth of a simulated study, parsed from its ``truth.json``.

    Parameters
    ----------
    source : str, pathlib.Path or intake catalog
        The truth file, the study's folder, or the study's catalog (``open_catalog("leopard")``).

    Returns
    -------
    dict
        The parsed file. The simulator writes these keys (the default study has them all):

        - ``description`` (str), ``seed`` (int), ``crs`` (EPSG code of ``x``/``y``), ``timezone`` (IANA zone);
        - ``parameters``: every simulation parameter by name, e.g. ``study_start``/``study_end`` (local
          dates), ``leopard_sigma_female_m`` (m), ``leopard_lambda0`` (detections per occasion at the
          activity centre), ``cub_detection_factor``, ``species`` (one mapping per species with its
          ``scientific_name`` and diel model, the keywords of ``nbtools.simulate.Species``);
        - ``habitat``: ``park_area_km2``, ``state_space_area_km2``, ``state_space_buffer_m``,
          ``feeding_stations``;
        - ``stations``: the camera locations (``locationID``, ``latitude``, ``longitude``, ``x``, ``y``,
          ``featureType``);
        - ``realised``: what the run produced (numbers of locations, deployments, media, observations,
          animals per species, faults by kind);
        - ``individuals``: one mapping per leopard and tiger (``individualID``, ``name``, ``species``, ``sex``,
          ``lifeStage``, ``ac_x``/``ac_y``: activity centre in metres in ``crs``, ``sigma_m`` (m),
          ``lambda0_per_camera_day``, ``motherID``, ``cub``, ``birthDate``, ``photographed``, ...);
        - ``faults``: one mapping per camera fault (``deploymentID``, ``cameraID``, ``locationID``,
          ``fault``, ``time``, ``media_lost``, ``camera_replaced_at_next_visit``);
        - ``deployments``: per deployment (columns as lists): ``deploymentID``, ``cameraID``,
          ``recording_start``/``recording_end``, ``media_lost``, ``burst_size``;
        - ``identification``: ``misidentified`` and ``unmatched`` records (``eventID``, ``individualID``
          given, ``true_individualID``);
        - ``den``: the den camera (``locationID``, ``deploymentID``, ``x``, ``y``, ``mother``, ``den_visits``).

    Raises
    ------
    FileNotFoundError
        If there is no truth file where ``source`` says.
    nbtools.checksums.ChecksumError
        If the file differs from the checksum recorded in its folder's ``SHA256SUMS``.
    ValueError
        If the file is not JSON, or not a mapping with ``parameters`` and ``individuals`` (naming the file).
    """
    from .checksums import verify_file

    path = truth_path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no truth file (a study written by nbtools.simulate has one)")
    verify_file(path)
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    if not isinstance(truth, dict):
        raise ValueError(f"{path}: a truth file holds a JSON object, found {type(truth).__name__}")
    missing = [key for key in REQUIRED_KEYS if key not in truth]
    if missing:
        raise ValueError(f"{path}: no {', '.join(repr(k) for k in missing)} in the truth file")
    return truth
