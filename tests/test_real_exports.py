"""A real MegaDetector + SpeciesNet batch file (format 1.5), as the models wrote it.

The other real exports in ``tests/data/real/`` are tested where their reader is: the 0.1.6 Agouti
package in ``test_upgrade.py``, the Wildlife Insights export in ``test_interop_wildlife_insights.py``, the
Panama package with its shifted offsets in ``test_timezones.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nbtools.interop import read_megadetector

MD_FILE = Path(__file__).parent / "data" / "real" / "md-speciesnet-tapanti" / "file.json"


def test_real_megadetector_speciesnet_output():
    results = json.loads(MD_FILE.read_text())
    files = [entry["file"] for entry in results["images"]]
    # the user's media table: here one deployment whose images carry the file names the detector saw
    media = pd.DataFrame(
        {
            "mediaID": [f"m{i}" for i in range(len(files))],
            "deploymentID": "d1",
            "timestamp": pd.Timestamp("2026-05-22T06:00Z") + pd.to_timedelta(range(len(files)), unit="min"),
            "filePath": files,
            "fileName": files,
        }
    )
    md = read_megadetector(MD_FILE, media)

    # by hand from the JSON: the detector's own typical threshold, detections at or above it, failures
    threshold = results["info"]["detector_metadata"]["typical_detection_threshold"]
    assert md.threshold == threshold == 0.2
    failed = [e["file"] for e in results["images"] if e.get("failure")]
    kept = {
        e["file"]: [d for d in e["detections"] if d["conf"] >= threshold]
        for e in results["images"]
        if not e.get("failure")
    }
    accounting = md.report.accounting().set_index("file").loc[MD_FILE.name]
    assert (accounting["read"], accounting["set_aside"]) == (len(files), 0)

    obs = md.observations.merge(media[["mediaID", "fileName"]], on="mediaID")
    assert failed == ["african_elephants_cmyk.jpg"]
    failure = obs[obs["fileName"] == failed[0]]
    assert failure["observationType"].tolist() == ["unclassified"]
    assert "image access failure" in failure["observationComments"].iloc[0]
    assert md.report.to_frame()["message"].str.contains("MegaDetector failed on this image").sum() == 1

    blank = sorted(f for f, d in kept.items() if not d)
    assert sorted(obs.loc[obs["observationType"] == "blank", "fileName"]) == blank
    detected = obs[~obs["observationType"].isin(["blank", "unclassified"])]
    assert len(detected) == sum(len(d) for d in kept.values())
    # MegaDetector's categories: 1 animal, 2 person, 3 vehicle
    kinds = {"1": "animal", "2": "human", "3": "vehicle"}
    by_hand = pd.Series([kinds[d["category"]] for ds in kept.values() for d in ds]).value_counts().sort_index()
    assert detected["observationType"].astype(str).value_counts().sort_index().to_dict() == by_hand.to_dict()
    # SpeciesNet's top class becomes the scientific name where it names a taxon: the elephants of the first image
    elephants = obs[obs["fileName"] == "african_elephants.jpg"]
    assert (
        (elephants["scientificName"] == "Loxodonta africana").sum()
        == sum(
            1
            for d in kept["african_elephants.jpg"]
            if d.get("classifications")
            and d["classifications"][0][1] >= 0.5  # read_megadetector's classification_threshold
            and results["classification_categories"][d["classifications"][0][0]] == "african elephant"
        )
        == 4
    )
