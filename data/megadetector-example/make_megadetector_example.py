"""Write md_results.json: a MegaDetector batch-output file (format 1.4) for the images of the
Camtrap DP example package in ../camtrap-dp-example.

The detections are simulated, not produced by MegaDetector: where the example's people saw an
animal, a person or a vehicle in an image (its media-level observations), the file has a box of
MegaDetector's category for each (up to three) with a confidence drawn from a beta distribution
that is high for large, clearly seen animals and lower for small or unidentified ones; blank
images sometimes get a low-confidence box (water, vegetation), and any image may get a spurious
low-confidence extra box, as real MegaDetector output has. Boxes the example gives are used,
others are drawn at random. Paths are relative to the folder the detector ran in on a field
laptop (``<locationName>/<fileName>``), not the URLs of media.csv. Three entries show what an
import sets aside or flags: a walk-test image that is not in the package, a copy of an image in
a ``to-check/`` folder (a second entry for the same media row), and an image the detector could
not read.

Run from the repository root: ``.venv/bin/python data/megadetector-example/make_megadetector_example.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "camtrap-dp-example"
SEED = 20240312

#: beta(a, b) of the detection confidence of each kind of sighting.
CONFIDENCE = {
    "Anas platyrhynchos": (9, 1.5),
    "Anas strepera": (8, 1.8),
    "Ardea cinerea": (12, 1.2),
    "Ardea": (7, 2),
    "Aves": (3, 3),
    "Rattus norvegicus": (3.5, 2.5),
    "Martes foina": (5, 2),
    "Mustela putorius": (4, 2.5),
    "Vulpes vulpes": (9, 1.5),
    "Homo sapiens": (14, 1.2),
    "vehicle": (6, 2),
    "unknown": (1.8, 3.5),
}
CATEGORY = {"animal": "1", "unknown": "1", "human": "2", "vehicle": "3"}


def random_box(rng: np.random.Generator) -> list[float]:
    w, h = rng.uniform(0.06, 0.4), rng.uniform(0.05, 0.35)
    return [rng.uniform(0, 1 - w), rng.uniform(0.25, 1 - h), w, h]


def main() -> Path:
    rng = np.random.default_rng(SEED)
    deployments = pd.read_csv(EXAMPLE / "deployments.csv")
    media = pd.read_csv(EXAMPLE / "media.csv")
    observations = pd.read_csv(EXAMPLE / "observations.csv")
    seen = observations[observations["observationLevel"] == "media"]
    folder = dict(zip(deployments["deploymentID"], deployments["locationName"]))
    images = []
    for mid, dep, name in zip(media["mediaID"], media["deploymentID"], media["fileName"]):
        detections = []
        for row in seen[seen["mediaID"] == mid].itertuples():
            kind = row.observationType
            if kind == "blank":
                if rng.random() < 0.3:
                    detections.append(("1", rng.beta(1.3, 12), random_box(rng)))
                continue
            key = row.scientificName if kind == "animal" else kind
            if kind == "human":
                key = "Homo sapiens"
            a, b = CONFIDENCE.get(key, (4, 2))
            n = 1 if pd.isna(row.count) else int(min(row.count, 3))
            for k in range(n):
                box = (
                    [row.bboxX, row.bboxY, row.bboxWidth, row.bboxHeight]
                    if k == 0 and not pd.isna(row.bboxX)
                    else random_box(rng)
                )
                conf = rng.beta(a, b) * (0.8 if k else 1.0)  # the second and third animal are often hidden
                detections.append((CATEGORY[kind], conf, box))
        if rng.random() < 0.12:
            detections.append(("1", rng.beta(1.2, 15), random_box(rng)))
        detections = [(c, round(max(float(f), 0.005), 3), [round(float(v), 4) for v in b]) for c, f, b in detections]
        images.append(
            {
                "file": f"{folder[dep]}/{name}",
                "detections": [
                    {"category": c, "conf": f, "bbox": b} for c, f, b in sorted(detections, key=lambda d: -d[1])
                ],
            }
        )
    first = images[4]
    images.append(
        {
            "file": "test-shots/IMG_0001.JPG",
            "detections": [{"category": "2", "conf": 0.962, "bbox": [0.3125, 0.1042, 0.3906, 0.8958]}],
        }
    )
    images.append({**first, "file": "to-check/" + first["file"].split("/")[-1]})
    broken = images[200]
    images[200] = {"file": broken["file"], "failure": "Failure image access", "detections": None}
    images.sort(key=lambda entry: entry["file"])
    data = {
        "info": {
            "format_version": "1.4",
            "detector": "md_v5a.0.0.pt",
            "detection_completion_time": "2024-03-12 14:05:31",
            "detector_metadata": {
                "megadetector_version": "v5a.0.0",
                "typical_detection_threshold": 0.2,
                "conservative_detection_threshold": 0.05,
            },
        },
        "detection_categories": {"1": "animal", "2": "person", "3": "vehicle"},
        "images": images,
    }
    path = HERE / "md_results.json"
    # MegaDetector's layout (indent=1), with one line per image to keep the file small
    head = json.dumps({k: v for k, v in data.items() if k != "images"}, indent=1)[:-2]
    lines = ",\n".join("  " + json.dumps(entry) for entry in images)
    path.write_text(f'{head},\n "images": [\n{lines}\n ]\n}}\n', encoding="utf-8")
    return path


if __name__ == "__main__":
    print(main())
