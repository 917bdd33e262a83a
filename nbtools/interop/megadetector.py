"""Import MegaDetector batch output (format 1.x) as Camtrap DP media-level observations.

MegaDetector (Beery, Morris & Yang 2019) finds animals, people and vehicles in camera-trap images;
its batch scripts write one JSON file: ``info`` (``format_version``, detector name),
``detection_categories`` (``{"1": "animal", "2": "person", "3": "vehicle"}``), optionally
``classification_categories`` and ``classification_category_descriptions`` (when a species
classifier such as SpeciesNet ran on the boxes), and ``images``: one entry per image with its
``file`` path, ``detections`` (``category``, ``conf``, ``bbox = [x_min, y_min, width, height]``
normalised to the image, optional ``classifications`` as ``[class, score]`` pairs) or a
``failure`` message.

>>> from nbtools.interop import read_megadetector               # doctest: +SKIP
>>> md = read_megadetector("md_results.json", study.media, min_confidence=0.2)   # doctest: +SKIP
>>> md.report.accounting()                                     # doctest: +SKIP
>>> study = md.add_to(study)                                     # doctest: +SKIP

References
----------
Beery, S., Morris, D. and Yang, S. (2019) Efficient pipeline for camera trap image review.
arXiv:1907.06772. https://doi.org/10.48550/arXiv.1907.06772

MegaDetector output format: https://lila.science/megadetector-output-format
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from ._common import (
    ImportReport,
    InteropError,
    MachineImport,
    Taxon,
    clip_box,
    conform,
    detections_frame,
    format_conf,
    match_entries,
    read_json,
    resolve_label,
    tables_of,
)

__all__ = ["DEFAULT_THRESHOLD", "read_megadetector", "write_megadetector"]

#: Threshold used when neither the call nor the file (``typical_detection_threshold``) gives one:
#: the value MegaDetector v5's authors suggest as a starting point.
DEFAULT_THRESHOLD = 0.2

#: Camtrap DP observationType of MegaDetector's category names.
CATEGORY_TYPES = {"animal": "animal", "person": "human", "human": "human", "vehicle": "vehicle"}


@renamed_parameters(classification_threshold="min_classification_confidence", threshold="min_confidence")
def read_megadetector(
    path: str | Path,
    media: Any,
    min_confidence: float | None = None,
    *,
    min_classification_confidence: float = 0.5,
    taxa: Mapping[str, str | None] | None = None,
    deployment_id: str | None = None,
    case_sensitive: bool = False,
    id_prefix: str = "md",
) -> MachineImport:
    """Read MegaDetector batch output into Camtrap DP media-level observations.

    Parameters
    ----------
    path : str or pathlib.Path
        The MegaDetector results file (format version 1.x).
    media : pandas.DataFrame, CamtrapDP or Study
        The Camtrap DP media the images belong to (``mediaID``, ``deploymentID``,
        ``timestamp``, ``filePath`` and/or ``fileName``); image paths are matched to them by the
        longest common path suffix (:func:`match_media`), so paths relative to another folder
        still match.
    min_confidence : float, optional
        Minimum detection confidence (0-1) for a detection to become an observation. Default:
        the file's ``info.detector_metadata.typical_detection_threshold``, else 0.2.
    min_classification_confidence : float, default 0.5
        Minimum score of a box's top classification for its species to be recorded; below it the
        observation is an animal without ``scientificName``.
    taxa : mapping of str to str, optional
        Scientific names for classifier labels (a class name, its description or the name derived
        from a SpeciesNet label, compared case-insensitively), e.g. ``{"leopard": "Panthera
        pardus orientalis"}``; a value of None marks a label as not a taxon (``unknown``).
    deployment_id : str, optional
        Match only against this deployment's media (MegaDetector run on one deployment folder).
    case_sensitive : bool, default False
        Compare path components with their case.
    id_prefix : str, default "md"
        Prefix of the new ``observationID`` values (``md-<mediaID>-<k>``).

    Returns
    -------
    MachineImport
        ``observations`` (one per detection at or above ``min_confidence``: ``observationType`` from
        the category, ``count`` 1, ``bbox*`` as given, ``classificationProbability`` the
        detection confidence or the classification score; one ``blank`` per image without such a
        detection, its highest confidence in ``observationTags``; one ``unclassified`` per failed
        image), ``detections`` (all, for review), ``matches`` and ``report``.

    Raises
    ------
    InteropError
        If the file is not JSON or lacks ``images`` or ``detection_categories``.

    Notes
    -----
    Entries that cannot be converted are set aside and reported, never dropped silently: paths
    that match no media row, that match several equally well, or that repeat an earlier entry's
    media row, and entries without a ``file``. Images with a ``failure`` become ``unclassified``
    observations. Boxes reaching past the image edge (by rounding) are clipped and reported as
    warnings. Detection categories missing from ``detection_categories`` count as no detection
    (as the format says). For videos only the most confident detection of each category is kept,
    so one animal seen in many frames gives one observation.
    """
    path = Path(path)
    data, categories, info = _read_results(path)
    file, images = path.name, data["images"]
    report = _start_report(file, images, info)
    reading = _Reading(
        file=file,
        report=report,
        categories=categories,
        class_names=data.get("classification_categories") or {},
        class_descriptions=data.get("classification_category_descriptions") or {},
        threshold=_detection_threshold(min_confidence, info),
        classification_threshold=min_classification_confidence,
        taxa=taxa,
        detector="MegaDetector" + (f" {info['detector']}" if info.get("detector") else ""),
        classifier=info.get("classifier"),
    )
    matches, lookup = match_entries(
        images, "file", media, report, file, case_sensitive=case_sensitive, deployment_id=deployment_id
    )
    observations: list[dict[str, Any]] = []
    for entry_no, match in zip(matches.index, matches.to_dict("records")):
        entry = images[entry_no - 1]
        if not entry_matched(report, file, entry_no, match):
            collect_detections(
                reading.detections, entry, entry_no, match, None, categories, reading.class_names, reading.threshold
            )
            continue
        observations += _entry_observations(reading, entry, entry_no, match, *lookup[match["mediaID"]])
    for label in sorted(reading.unknown_labels):
        report.add(
            "warning",
            file,
            None,
            "classification_categories",
            label,
            f"classifier label {label!r} has no scientific name; give taxa={{{label!r}: '<scientific name>'}}",
            "unknown-label",
        )
    frame = _observations_frame(observations, id_prefix)
    return MachineImport(
        frame, detections_frame(reading.detections), matches.reset_index(), report, reading.threshold, info
    )


# the steps of read_megadetector, in the order it takes them


def _read_results(path: Path) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """The parsed file, its detection categories and its ``info`` (empty when absent); errors name the file."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        raise InteropError(f"{path.name}: not MegaDetector output (no 'images' list)")
    categories = data.get("detection_categories")
    if not isinstance(categories, dict):
        raise InteropError(f"{path.name}: not MegaDetector output (no 'detection_categories' mapping)")
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    return data, categories, info


def _start_report(file: str, images: list[Any], info: dict[str, Any]) -> ImportReport:
    """The import report with the entries read and a warning when the format version is not 1.x."""
    report = ImportReport()
    report.first_row[file] = 1
    report.rows_read[file] = len(images)
    version = str(info.get("format_version", ""))
    if not version:
        report.add(
            "warning",
            file,
            None,
            "info/format_version",
            None,
            "no format_version; read as format 1.x",
            "format-version",
        )
    elif not version.startswith("1"):
        report.add(
            "warning",
            file,
            None,
            "info/format_version",
            version,
            "not a 1.x format version; read as 1.x",
            "format-version",
        )
    return report


def _detection_threshold(threshold: float | None, info: dict[str, Any]) -> float:
    """The threshold given, else the file's ``typical_detection_threshold``, else :data:`DEFAULT_THRESHOLD`."""
    if threshold is None:
        metadata = info.get("detector_metadata") if isinstance(info.get("detector_metadata"), dict) else {}
        threshold = float(metadata.get("typical_detection_threshold", DEFAULT_THRESHOLD))
    threshold = float(threshold)
    if not 0 <= threshold <= 1:
        raise ValueError(f"min_confidence (the detection threshold) must be in [0, 1], got {threshold}")
    return threshold


@dataclass
class _Reading:
    """What every entry of one file is read with, and what the entries add up to."""

    file: str
    report: ImportReport
    categories: dict[str, str]
    class_names: dict[str, str]
    class_descriptions: dict[str, str]
    threshold: float
    classification_threshold: float
    taxa: Mapping[str, str | None] | None
    detector: str
    classifier: str | None
    detections: list[dict[str, Any]] = field(default_factory=list)  # every detection, for review
    unknown_labels: set[str] = field(default_factory=set)  # classifier labels without a scientific name


def _entry_observations(
    reading: _Reading, entry: dict[str, Any], entry_no: int, match: dict[str, Any], deployment: Any, timestamp: Any
) -> list[dict[str, Any]]:
    """The observations of one matched image: unclassified (failure), blank, or one per detection above threshold."""
    file, report = reading.file, reading.report
    base = {
        "deploymentID": deployment,
        "mediaID": match["mediaID"],
        "eventStart": timestamp,
        "eventEnd": timestamp,
        "observationLevel": "media",
        "classificationMethod": "machine",
        "classifiedBy": reading.detector,
    }
    failure = entry.get("failure")
    if failure:
        report.add(
            "warning",
            file,
            entry_no,
            "failure",
            failure,
            "MegaDetector failed on this image; recorded as unclassified",
            "failure",
        )
        return [{**base, "observationType": "unclassified", "observationComments": f"MegaDetector failure: {failure}"}]
    if "detections" not in entry:
        report.add(
            "warning",
            file,
            entry_no,
            "detections",
            None,
            "no 'detections' for a processed image; read as no detection (blank)",
            "no-detections",
        )
    raw = entry.get("detections") or []
    if not isinstance(raw, list):
        report.set_aside_entry(file, entry_no, str(raw)[:200], "'detections' is not a list", field_name="detections")
        return []
    kept = collect_detections(
        reading.detections,
        entry,
        entry_no,
        match,
        timestamp,
        reading.categories,
        reading.class_names,
        reading.threshold,
        report,
        file,
    )
    if "frame_rate" in entry:  # a video: the most confident detection of each category
        best: dict[str, dict[str, Any]] = {}
        for det in kept:
            if det["category"] not in best or det["conf"] > best[det["category"]]["conf"]:
                best[det["category"]] = det
        kept = sorted(best.values(), key=lambda d: -d["conf"])
    above = [d for d in kept if d["above_threshold"] and d["label"] is not None]
    if not above:
        confs = [d["conf"] for d in kept]
        tags = f"maxDetectionConf:{format_conf(max(confs))}" if confs else None
        return [{**base, "observationType": "blank", "observationTags": tags}]
    records = []
    for det in above:
        record = {
            **base,
            "observationType": CATEGORY_TYPES.get(det["label"].casefold(), "unknown"),
            "count": 1,
            "bboxX": det["bboxX"],
            "bboxY": det["bboxY"],
            "bboxWidth": det["bboxWidth"],
            "bboxHeight": det["bboxHeight"],
            "classificationProbability": det["conf"],
        }
        if det["classification"] is not None and record["observationType"] == "animal":
            _classify(
                record,
                det,
                reading.class_descriptions,
                reading.taxa,
                reading.classification_threshold,
                reading.classifier,
                reading.detector,
                reading.unknown_labels,
            )
        records.append(record)
    return records


def entry_matched(report: ImportReport, file: str, entry_no: int, match: pd.Series) -> bool:
    """Set aside an entry whose path did not match exactly one media row; True when it matched.

    Shared by the MegaDetector and SpeciesNet readers of this package.

    Parameters
    ----------
    report : ImportReport
        The import's report; an entry that did not match is set aside there with the reason.
    file : str
        Name of the file read (for the report).
    entry_no : int
        Number of the entry in the file (1-based).
    match : pandas.Series
        The entry's row of :func:`nbtools.interop.match_media` (``status``, ``file``, ``candidates``,
        ``suffix_length``).

    Returns
    -------
    bool
        True when the entry matched exactly one media row.
    """
    status = match["status"]
    if status == "matched":
        return True
    if status == "unmatched":
        reason = "no media row has this file name"
    elif status == "ambiguous":
        count = len(str(match["candidates"]).split(", "))
        reason = (
            f"matches {count} media rows equally well ({match['suffix_length']} path components: "
            f"{_shorten(match['candidates'])}); give longer paths or deployment_id="
        )
    else:
        reason = f"its media row {match['candidates']} is already matched by an earlier entry"
    report.set_aside_entry(file, entry_no, match["file"], reason, field_name="file", check=f"path-{status}")
    return False


def _shorten(text: str, n: int = 5) -> str:
    items = str(text).split(", ")
    return ", ".join(items[:n]) + (f", ... ({len(items) - n} more)" if len(items) > n else "")


@renamed_parameters(threshold="min_confidence")
def collect_detections(
    rows: list[dict[str, Any]],
    entry: dict[str, Any],
    entry_no: int,
    match: pd.Series,
    timestamp: Any,
    categories: dict[str, str],
    class_names: dict[str, str],
    min_confidence: float,
    report: ImportReport | None = None,
    file: str = "",
) -> list[dict[str, Any]]:
    """Append the entry's detections to ``rows``; return those that are well formed.

    Shared by the MegaDetector and SpeciesNet readers of this package.

    Parameters
    ----------
    rows : list of dict
        Detections collected so far; the entry's well-formed ones are appended.
    entry : dict
        One ``images`` entry of the file (``file``, ``detections``).
    entry_no : int
        Number of the entry in the file (1-based).
    match : pandas.Series
        The entry's media match (``mediaID``, ``deploymentID``).
    timestamp : object
        The medium's timestamp (or None).
    categories : dict of str to str
        Detection category id -> label (``"1"`` -> ``"animal"``).
    class_names : dict of str to str
        Classification id -> name.
    min_confidence : float
        Confidence (0-1) from which a detection counts (``above_threshold``).
    report : ImportReport, optional
        Where malformed and clipped boxes are reported.
    file : str, default ""
        Name of the file read (for the report).

    Returns
    -------
    list of dict
        The detections of this entry that were well formed (also appended to ``rows``); boxes in image
        fractions, clipped to the image.
    """
    raw = entry.get("detections") or []
    kept = []
    if not isinstance(raw, list):
        return kept
    for number, det in enumerate(raw, start=1):
        try:
            conf = float(det["conf"])
            x, y, w, h = (float(v) for v in det["bbox"])
            category = str(det["category"])
        except (KeyError, TypeError, ValueError):
            if report is not None:
                report.add(
                    "warning",
                    file,
                    entry_no,
                    "detections",
                    str(det)[:120],
                    f"detection {number} lacks a numeric conf, a 4-number bbox or a category; ignored",
                    "malformed-detection",
                )
            continue
        (cx, cy, cw, ch), clipped = clip_box(x, y, w, h)
        if clipped and report is not None and conf >= min_confidence:
            report.add(
                "warning",
                file,
                entry_no,
                "bbox",
                f"{[x, y, w, h]}",
                f"detection {number}: box leaves the image; clipped to it",
                "bbox-clipped",
            )
        top = None
        classes = det.get("classifications")
        if isinstance(classes, list) and classes and isinstance(classes[0], list | tuple) and len(classes[0]) == 2:
            top = (str(classes[0][0]), float(classes[0][1]))
        label = categories.get(category)
        row = {
            "entry": entry_no,
            "file": entry.get("file"),
            "mediaID": match["mediaID"],
            "deploymentID": match["deploymentID"],
            "timestamp": timestamp,
            "category": category,
            "label": label,
            "conf": conf,
            "bboxX": cx,
            "bboxY": cy,
            "bboxWidth": cw,
            "bboxHeight": ch,
            "above_threshold": conf >= min_confidence,
            "classification": None if top is None else class_names.get(top[0], top[0]),
            "classification_conf": None if top is None else top[1],
            "_class_id": None if top is None else top[0],
        }
        rows.append(row)
        kept.append(row)
    return kept


def _classify(
    record: dict[str, Any],
    det: dict[str, Any],
    descriptions: dict[str, str],
    taxa: Mapping[str, str | None] | None,
    classification_threshold: float,
    classifier: str | None,
    detector: str,
    unknown_labels: set[str],
) -> None:
    """Add the species of a box's top classification to an observation."""
    if det["classification_conf"] < classification_threshold:
        record["observationTags"] = (
            f"classification:{det['classification']} | classificationConf:{format_conf(det['classification_conf'])}"
        )
        return
    taxon: Taxon | None = resolve_label(det["classification"], taxa, descriptions.get(det["_class_id"]))
    if taxon is None:
        unknown_labels.add(str(det["classification"]))
        record["observationTags"] = f"classification:{det['classification']}"
        return
    record["observationType"] = taxon.observation_type
    record["scientificName"] = taxon.scientific_name
    record["classificationProbability"] = det["classification_conf"]
    record["classifiedBy"] = f"{detector}; {classifier}" if classifier else detector
    if taxon.observation_type not in ("animal", "human"):
        record["count"] = None


def _observations_frame(records: list[dict[str, Any]], id_prefix: str) -> pd.DataFrame:
    """Typed observations with IDs ``<prefix>-<mediaID>-<k>``."""
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        frame = pd.DataFrame(columns=["mediaID", "deploymentID", "eventStart", "eventEnd"])
    else:
        k = frame.groupby("mediaID", sort=False).cumcount() + 1
        frame.insert(0, "observationID", id_prefix + "-" + frame["mediaID"].astype(str) + "-" + k.astype(str))
    frame.index = pd.RangeIndex(len(frame), name="row")
    return conform(frame, "observations")


#: MegaDetector category of each Camtrap DP observationType written by :func:`write_megadetector`.
_TYPE_CATEGORIES = {"animal": "1", "human": "2", "vehicle": "3", "unknown": "4"}


def _description(name: str, taxonomic: dict[str, dict[str, Any]]) -> str:
    """A taxonomy string in SpeciesNet's label layout (``;class;order;family;genus;species;common``)."""
    entry = taxonomic.get(name, {})
    words = name.split()
    rank = entry.get("taxonRank")
    genus, species = ("", "")
    if len(words) >= 2:
        genus, species = words[0], " ".join(words[1:])
    ranks = {level: str(entry.get(level, "") or "") for level in ("class", "order", "family")}
    if len(words) == 1:
        slot = rank if rank in ("class", "order", "family") else "genus"
        if slot == "genus":
            genus = name
        else:
            ranks[slot] = name
    names = entry.get("vernacularNames") or {}
    common = names.get("eng", next(iter(names.values()), "")) if isinstance(names, dict) else ""
    return ";".join(
        [
            "",
            ranks["class"].lower(),
            ranks["order"].lower(),
            ranks["family"].lower(),
            genus.lower(),
            species.lower(),
            str(common),
        ]
    )


def write_megadetector(
    package: Any,
    path: str | Path,
    *,
    detector: str | None = None,
    path_column: str = "filePath",
) -> Path:
    """Write a package's media-level observations as MegaDetector batch output (format 1.4).

    For image-review tools that read MegaDetector results (Timelapse, AddaxAI), or to hand
    machine observations to another project. Each medium with media-level observations becomes
    one ``images`` entry: animals, humans, vehicles and unknowns as detections (categories 1-4)
    with their box and ``classificationProbability`` as ``conf``; blanks as an empty detection
    list; ``unclassified`` media as a ``failure``. Scientific names become classifications, with
    ``classification_category_descriptions`` as taxonomy strings in SpeciesNet's label layout
    (``;class;order;family;genus;species;common name``) so that :func:`read_megadetector` reads
    them back.

    Parameters
    ----------
    package : CamtrapDP or Study
        Media and observations (and, optionally, ``metadata["taxonomic"]``).
    path : str or pathlib.Path
        The JSON file to write.
    detector : str, optional
        ``info.detector`` (default the most common ``classifiedBy`` of the observations).
    path_column : str, default "filePath"
        Media column written as ``file`` (``fileName`` for bare names).

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    The format needs a box for every detection: an observation without one is written with the
    whole image ``[0, 0, 1, 1]``, and one without ``classificationProbability`` with ``conf`` 1.
    Media without media-level observations are not written (they were not processed).
    """
    import json

    media = tables_of(package, "media")
    observations = tables_of(package, "observations")
    level = observations["observationLevel"].astype(object) if "observationLevel" in observations else None
    rows = observations[(level == "media") if level is not None else observations["mediaID"].notna()]
    rows = rows[rows["mediaID"].notna()]
    metadata = getattr(package, "metadata", {}) or {}
    taxonomic = {
        t["scientificName"]: t for t in metadata.get("taxonomic", []) if isinstance(t, dict) and "scientificName" in t
    }
    names = sorted(
        {
            str(n)
            for n, t in zip(rows["scientificName"], rows["observationType"].astype(object))
            if isinstance(n, str) and t == "animal"
        }
    )
    class_ids = {name: str(i) for i, name in enumerate(names, start=1)}
    first = media.drop_duplicates("mediaID")
    files = dict(zip(first["mediaID"].astype(object), first[path_column].astype(object)))

    def column(name: str, default: Any = None) -> list[Any]:
        if name not in rows.columns:
            return [default] * len(rows)
        values = rows[name].astype(object)
        return values.where(values.notna(), default).tolist()

    media_ids = column("mediaID")
    types = column("observationType")
    boxes = list(zip(*(column(c, np.nan) for c in ("bboxX", "bboxY", "bboxWidth", "bboxHeight"))))
    probs = column("classificationProbability", np.nan)
    sci, comments = column("scientificName"), column("observationComments")
    by_media: dict[Any, list[int]] = {}
    for i, mid in enumerate(media_ids):
        by_media.setdefault(mid, []).append(i)
    images = []
    for media_id, members in by_media.items():
        file = files.get(media_id, media_id)
        entry: dict[str, Any] = {"file": str(media_id if file is None else file).replace("\\", "/")}
        if all(types[i] == "unclassified" for i in members):
            notes = [comments[i] for i in members if comments[i]]
            entry["failure"] = str(notes[0]) if notes else "unclassified"
            entry["detections"] = None
            images.append(entry)
            continue
        detections = []
        for i in members:
            if types[i] not in _TYPE_CATEGORIES:
                continue
            box = boxes[i]
            box = [0.0, 0.0, 1.0, 1.0] if any(pd.isna(v) for v in box) else [round(float(v), 4) for v in box]
            conf = 1.0 if pd.isna(probs[i]) else round(float(probs[i]), 4)
            det: dict[str, Any] = {"category": _TYPE_CATEGORIES[types[i]], "conf": conf, "bbox": box}
            if types[i] == "animal" and isinstance(sci[i], str):
                det["classifications"] = [[class_ids[sci[i]], conf]]
            detections.append(det)
        entry["detections"] = sorted(detections, key=lambda d: -d["conf"])
        images.append(entry)
    classified_by = rows["classifiedBy"].dropna().astype(str) if "classifiedBy" in rows else pd.Series(dtype=str)
    info: dict[str, Any] = {
        "format_version": "1.4",
        "detector": detector or (classified_by.mode().iloc[0] if len(classified_by) else "unknown"),
        "exported_by": "nbtools.interop.write_megadetector",
    }
    data: dict[str, Any] = {
        "info": info,
        "detection_categories": {"1": "animal", "2": "person", "3": "vehicle", "4": "unknown"},
    }
    if class_ids:
        data["classification_categories"] = {i: name for name, i in class_ids.items()}
        data["classification_category_descriptions"] = {
            i: _description(name, taxonomic) for name, i in class_ids.items()
        }
    data["images"] = images
    target = Path(path)
    target.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
