"""Import SpeciesNet predictions as Camtrap DP media-level observations.

SpeciesNet (Gadot et al. 2024), the ensemble Wildlife Insights runs, writes one JSON file with a
``predictions`` list: per image its ``filepath``, the ensemble's ``prediction`` (a label
``uuid;class;order;family;genus;species;common name``, e.g.
``...;mammalia;carnivora;felidae;panthera;pardus;leopard``, or the special labels ``blank``,
``animal``, ``human``, ``vehicle``, ``no cv result``), its ``prediction_score`` and
``prediction_source``, the classifier's top-5 ``classifications`` (``classes``, ``scores``),
MegaDetector's ``detections`` (``category``, ``label``, ``conf``, ``bbox = [x_min, y_min, width,
height]`` normalised), ``model_version``, and ``failures`` (components that failed:
``CLASSIFIER``, ``DETECTOR``, ``GEOLOCATION``).

References
----------
Gadot, T., Istrate, Ș., Kim, H., Morris, D., Beery, S., Birch, T. and Ahumada, J. (2024) To crop
or not to crop: comparing whole-image and cropped classification on a large dataset of camera
trap images. *IET Computer Vision* 18, 1193-1208. https://doi.org/10.1049/cvi2.12318

SpeciesNet output format: https://github.com/google/cameratrapai (README, "Output format").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from nbtools._deprecate import renamed_parameters

from ._common import (
    ImportReport,
    InteropError,
    MachineImport,
    Taxon,
    conform,
    detections_frame,
    format_conf,
    match_entries,
    read_json,
    resolve_label,
)
from .megadetector import collect_detections, entry_matched

__all__ = ["read_speciesnet"]

#: MegaDetector's categories as SpeciesNet reports them.
_CATEGORIES = {"1": "animal", "2": "human", "3": "vehicle"}


@renamed_parameters(detection_threshold="min_detection_confidence", threshold="min_confidence")
def read_speciesnet(
    path: str | Path,
    media: Any,
    min_confidence: float = 0.0,
    *,
    min_detection_confidence: float = 0.2,
    taxa: Mapping[str, str | None] | None = None,
    deployment_id: str | None = None,
    case_sensitive: bool = False,
    id_prefix: str = "sn",
) -> MachineImport:
    """Read SpeciesNet predictions into Camtrap DP media-level observations (one per image).

    Parameters
    ----------
    path : str or pathlib.Path
        The predictions JSON written by ``speciesnet.scripts.run_model``.
    media : pandas.DataFrame, CamtrapDP or Study
        The Camtrap DP media the images belong to; paths are matched by the longest common path
        suffix (:func:`match_media`).
    min_confidence : float, default 0.0
        Minimum ``prediction_score`` (0-1) for the prediction to be recorded; a prediction below
        it gives an ``unclassified`` observation (to be reviewed) with the prediction in
        ``observationTags``. The default keeps the ensemble's decisions as they are (SpeciesNet
        already rolls uncertain species up to genus, family, ... or ``animal``).
    min_detection_confidence : float, default 0.2
        Minimum detection confidence for a box to count: ``count`` is the number of boxes of the
        predicted kind (animal, human, vehicle) at or above it, and the most confident one gives
        ``bbox*``.
    taxa : mapping of str to str, optional
        Scientific names to record instead of SpeciesNet's (keys: a full label, a common name or
        the derived name, case-insensitively), e.g. ``{"Panthera pardus": "Panthera pardus
        orientalis"}``.
    deployment_id : str, optional
        Match only against this deployment's media.
    case_sensitive : bool, default False
        Compare path components with their case.
    id_prefix : str, default "sn"
        Prefix of the new ``observationID`` values (``sn-<mediaID>-1``).

    Returns
    -------
    MachineImport
        ``observations`` (``scientificName`` as ``Genus species`` or the lowest rank given, with
        ``taxonID``-like SpeciesNet uuid in ``observationTags``; ``blank``, ``human``,
        ``vehicle``, ``unknown`` for the special labels; ``unclassified`` for images whose
        classifier and detector failed), ``detections`` (all boxes, for review), ``matches`` and
        ``report``.

    Raises
    ------
    InteropError
        If the file is not JSON or has no ``predictions`` list.

    Notes
    -----
    Without a ``prediction`` (runs of only the classifier or only the detector) the top
    classification is used, else the most confident detection (``blank`` when none reaches
    ``min_detection_confidence``).
    """
    path = Path(path)
    file = path.name
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("predictions"), list):
        raise InteropError(f"{file}: not SpeciesNet output (no 'predictions' list)")
    for name, value in (("min_confidence", min_confidence), ("min_detection_confidence", min_detection_confidence)):
        if not 0 <= float(value) <= 1:
            raise ValueError(f"{name} must be in [0, 1], got {value}")
    predictions = data["predictions"]
    report = ImportReport()
    report.first_row[file] = 1
    report.rows_read[file] = len(predictions)
    matches, lookup = match_entries(
        predictions, "filepath", media, report, file, case_sensitive=case_sensitive, deployment_id=deployment_id
    )

    observations: list[dict[str, Any]] = []
    detections: list[dict[str, Any]] = []
    for entry_no, match in zip(matches.index, matches.to_dict("records")):
        entry = dict(predictions[entry_no - 1])
        entry["file"] = entry["filepath"]
        ok = entry_matched(report, file, entry_no, match)
        deployment, timestamp = lookup[match["mediaID"]] if ok else (None, None)
        boxes = collect_detections(
            detections,
            entry,
            entry_no,
            match,
            timestamp,
            _CATEGORIES,
            {},
            min_detection_confidence,
            report if ok else None,
            file,
        )
        prediction, score, source = _prediction(entry, boxes, min_detection_confidence)
        for box in boxes:
            box["classification"] = prediction
            box["classification_conf"] = score
        if not ok:
            continue
        record = _entry_observation(
            report,
            file,
            entry_no,
            entry,
            match,
            deployment,
            timestamp,
            (prediction, score, source),
            boxes,
            taxa,
            min_confidence,
        )
        if record is not None:
            observations.append(record)
    frame = pd.DataFrame.from_records(observations)
    if frame.empty:
        frame = pd.DataFrame(columns=["mediaID", "deploymentID", "eventStart", "eventEnd"])
    else:
        frame.insert(0, "observationID", id_prefix + "-" + frame["mediaID"].astype(str) + "-1")
    frame.index = pd.RangeIndex(len(frame), name="row")
    info = {
        "model_version": sorted(
            {str(p.get("model_version")) for p in predictions if isinstance(p, dict) and p.get("model_version")}
        )
    }
    return MachineImport(
        conform(frame, "observations"),
        detections_frame(detections),
        matches.reset_index(),
        report,
        float(min_confidence),
        info,
    )


def _entry_observation(
    report: ImportReport,
    file: str,
    entry_no: int,
    entry: dict[str, Any],
    match: dict[str, Any],
    deployment: Any,
    timestamp: Any,
    predicted: tuple[str | None, float | None, str | None],
    boxes: list[dict[str, Any]],
    taxa: Mapping[str, str | None] | None,
    threshold: float,
) -> dict[str, Any]:
    """The observation of one matched image: its prediction as a taxon; unclassified on failure or below ``threshold``.

    ``predicted`` is the entry's (label, score, source) from :func:`_prediction`; failures and labels that are
    not taxa are reported.
    """
    prediction, score, source = predicted
    base = {
        "deploymentID": deployment,
        "mediaID": match["mediaID"],
        "eventStart": timestamp,
        "eventEnd": timestamp,
        "observationLevel": "media",
        "classificationMethod": "machine",
        "classifiedBy": "SpeciesNet" + (f" {entry['model_version']}" if entry.get("model_version") else ""),
    }
    failures = entry.get("failures") or entry.get("failure")
    failures = [failures] if isinstance(failures, str) else list(failures or [])
    if failures:
        message = f"SpeciesNet failure: {', '.join(map(str, failures))}"
        if prediction is None:
            report.add(
                "warning",
                file,
                entry_no,
                "failures",
                ", ".join(map(str, failures)),
                "SpeciesNet failed on this image; recorded as unclassified",
                "failure",
            )
            return {**base, "observationType": "unclassified", "observationComments": message}
        report.add(
            "warning",
            file,
            entry_no,
            "failures",
            ", ".join(map(str, failures)),
            "a SpeciesNet component failed but a prediction was made; kept",
            "failure",
        )
        base["observationComments"] = message
    if prediction is None:
        report.add(
            "warning",
            file,
            entry_no,
            "prediction",
            None,
            "no prediction, classification or detection; recorded as unclassified",
            "no-prediction",
        )
        return {**base, "observationType": "unclassified"}
    taxon: Taxon | None = resolve_label(prediction, taxa)
    if taxon is None:
        report.add(
            "warning",
            file,
            entry_no,
            "prediction",
            prediction,
            "not a SpeciesNet label and not in taxa=; recorded as unknown",
            "unknown-label",
        )
        taxon = Taxon("unknown")
    tags = [f"prediction:{taxon.scientific_name or taxon.vernacular_name or taxon.observation_type}"]
    if source:
        tags.append(f"predictionSource:{source}")
    if taxon.taxon_id:
        tags.append(f"speciesnetID:{taxon.taxon_id}")
    record = {**base, "classificationProbability": score}
    if score is not None and score < threshold:
        record["observationType"] = "unclassified"
        tags.insert(1, f"predictionScore:{format_conf(score)}")
    else:
        record["observationType"] = taxon.observation_type
        record["scientificName"] = taxon.scientific_name
        kind = taxon.observation_type
        same = [b for b in boxes if b["label"] == kind and b["above_threshold"]]
        if same and kind in ("animal", "human", "vehicle"):
            top = max(same, key=lambda b: b["conf"])
            record.update(
                count=len(same),
                bboxX=top["bboxX"],
                bboxY=top["bboxY"],
                bboxWidth=top["bboxWidth"],
                bboxHeight=top["bboxHeight"],
            )
    record["observationTags"] = " | ".join(tags)
    return record


def _prediction(
    entry: dict[str, Any], boxes: list[dict[str, Any]], detection_threshold: float
) -> tuple[str | None, float | None, str | None]:
    """The label, score and source that decide an image: the ensemble's, else the classifier's, else the detector's."""
    if entry.get("prediction"):
        score = entry.get("prediction_score")
        return str(entry["prediction"]), None if score is None else float(score), entry.get("prediction_source")
    classes = entry.get("classifications")
    if isinstance(classes, dict) and classes.get("classes"):
        scores = classes.get("scores") or [None]
        return str(classes["classes"][0]), None if scores[0] is None else float(scores[0]), "classifier"
    if isinstance(entry.get("detections"), list):
        above = [b for b in boxes if b["conf"] >= detection_threshold and b["label"]]
        if not above:
            return "f1856211-cfb7-4a5b-9158-c0f72fd09ee6;;;;;;blank", None, "detector"
        top = max(above, key=lambda b: b["conf"])
        return f";;;;;;{top['label']}", top["conf"], "detector"
    return None, None, None
