"""Tests of nbtools.truth: the simulator's truth.json read from a file, a study folder or a catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nbtools.catalog import DATA_DIR, open_catalog
from nbtools.checksums import ChecksumError, write_checksums
from nbtools.truth import TRUTH_FILE, read_truth, truth_path

STUDY = DATA_DIR / "leopard-study"


def test_read_truth_from_a_file_a_folder_and_the_catalog() -> None:
    expected = json.loads((STUDY / TRUTH_FILE).read_text(encoding="utf-8"))
    assert read_truth(STUDY / TRUTH_FILE) == expected
    assert read_truth(STUDY) == expected
    assert read_truth(str(STUDY)) == expected
    cat = open_catalog("leopard")
    assert truth_path(cat) == STUDY / TRUTH_FILE
    assert read_truth(cat) == expected
    assert truth_path(open_catalog("leopard", species="Sus scrofa")) == STUDY / TRUTH_FILE
    truth = read_truth(cat)
    assert truth["parameters"]["leopard_sigma_female_m"] == 2000.0 and truth["timezone"] == "Asia/Vladivostok"
    assert {"individuals", "identification", "den", "faults", "realised"} <= set(truth)


def test_read_truth_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no truth file"):
        read_truth(tmp_path)
    (tmp_path / TRUTH_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{TRUTH_FILE}: not valid JSON \(line 1"):
        read_truth(tmp_path)
    (tmp_path / TRUTH_FILE).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="holds a JSON object, found list"):
        read_truth(tmp_path)
    (tmp_path / TRUTH_FILE).write_text('{"parameters": {}}', encoding="utf-8")
    with pytest.raises(ValueError, match="no 'individuals'"):
        read_truth(tmp_path / TRUTH_FILE)
    with pytest.raises(ValueError, match="names no truth file"):
        read_truth(open_catalog("camtrap_dp_example"))
    with pytest.raises(TypeError, match="a path or an Intake catalog"):
        read_truth(42)


def test_read_truth_checks_the_recorded_checksum(tmp_path: Path) -> None:
    shutil.copy(STUDY / TRUTH_FILE, tmp_path / TRUTH_FILE)
    write_checksums(tmp_path)
    assert read_truth(tmp_path)["seed"] == read_truth(STUDY)["seed"]
    damaged = json.loads((tmp_path / TRUTH_FILE).read_text(encoding="utf-8"))
    damaged["seed"] += 1
    (tmp_path / TRUTH_FILE).write_text(json.dumps(damaged), encoding="utf-8")
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        read_truth(tmp_path)
