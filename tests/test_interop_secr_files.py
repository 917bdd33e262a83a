"""Tests of nbtools.interop.secr_files: capture histories written as secr's input files and read back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbtools.effort import camera_operation
from nbtools.interop import InteropError, write_secr
from nbtools.secr import make_capthist, read_capthist

# --------------------------------------------------------------------------------------------------
# secr
# --------------------------------------------------------------------------------------------------


def test_secr_files_round_trip_capture_history(tmp_path):
    traps = pd.DataFrame(
        {"x": [0.0, 500.0, 1000.0], "y": [0.0, 0.0, 250.5], "habitat": ["forest", "open", "forest"]},
        index=pd.Index(["T1", "T2", "T3"], name="trapID"),
    )
    caps = pd.DataFrame(
        {
            "session": "1",
            "ID": ["F1", "F1", "M2", "M2", "M2"],
            "occasion": [1, 1, 2, 3, 3],
            "trap": ["T1", "T1", "T2", "T3", "T3"],
            "sex": ["F", "F", "M", "M", "M"],
        }
    )
    usage = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [0, 1, 1, 1]])
    ch = make_capthist(caps, traps, detector="count", usage=usage, covnames=["sex"])
    files = write_secr(ch, tmp_path / "capt.txt", tmp_path / "trap.txt")
    assert files.binary_usage and files.r_call == (
        'read.capthist("capt.txt", "trap.txt", detector = "count", covnames = c("sex"))'
    )
    back = read_capthist(files.captfile, files.trapfile, detector="count", covnames=["sex"], trapcovnames=["habitat"])
    np.testing.assert_array_equal(back.counts, ch.counts)
    np.testing.assert_array_equal(back.usage, usage)
    np.testing.assert_allclose(back.traps[["x", "y"]], traps[["x", "y"]])
    assert back.traps["habitat"].tolist() == ["forest", "open", "forest"]
    assert back.covariates["sex"].tolist() == ["F", "M"] and back.ids.tolist() == ["F1", "M2"]
    assert (tmp_path / "capt.txt").read_text().splitlines()[1:3] == ["1 F1 1 T1 F", "1 F1 1 T1 F"]  # count: repeated
    assert (tmp_path / "trap.txt").read_text().splitlines()[1] == "T1 0.000 0.000 1110 / forest"


def test_secr_files_round_trip_spatial_capture_history(tmp_path):
    from nbtools.indices import spatial_capture_history

    deployments = pd.DataFrame(
        {
            "deploymentID": ["d1", "d2", "d3"],
            "locationID": ["A", "B", "C"],
            "deploymentStart": pd.to_datetime(["2024-01-01 12:00"] * 3, utc=True),
            "deploymentEnd": pd.to_datetime(["2024-01-08 00:00", "2024-01-06 06:00", "2024-01-08 00:00"], utc=True),
            "x": [0.0, 800.0, 1600.0],
            "y": [100.0, 100.0, 900.0],
        }
    )
    events = pd.DataFrame(
        {
            "locationID": ["A", "A", "B", "C", "C"],
            "scientificName": ["Panthera pardus"] * 5,
            "individualID": ["Kedrovka", "Kedrovka", "Typhoon", "Typhoon", "Typhoon"],
            "eventStart": pd.to_datetime(
                ["2024-01-02 03:00", "2024-01-02 05:00", "2024-01-03 01:00", "2024-01-05 22:00", "2024-01-06 02:00"],
                utc=True,
            ),
        }
    )
    operation = camera_operation(deployments)
    sch = spatial_capture_history(events, operation, "Panthera pardus", occasion_length=2)
    files = write_secr(sch, tmp_path / "capt.txt", tmp_path / "trap.txt", traps=deployments)
    assert not files.binary_usage and "binary.usage = FALSE" in files.r_call
    back = files.read()
    np.testing.assert_array_equal(back.counts, sch.counts)
    np.testing.assert_allclose(back.usage, sch.usage.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(back.traps[["x", "y"]].to_numpy(), deployments[["x", "y"]].to_numpy())
    assert back.ids.tolist() == ["Kedrovka", "Typhoon"] and back.detections == 5
    with pytest.raises(InteropError, match="traps="):
        write_secr(sch, tmp_path / "c.txt", tmp_path / "t.txt")


def test_secr_files_ids_with_spaces(tmp_path):
    traps = pd.DataFrame({"x": [0.0, 10.0], "y": [0.0, 0.0]}, index=pd.Index(["T 1", "T2"], name="trapID"))
    caps = pd.DataFrame({"session": "1", "ID": ["Leo 2F", "Leo 53F"], "occasion": [1, 2], "trap": ["T 1", "T2"]})
    files = write_secr(make_capthist(caps, traps), tmp_path / "c.txt", tmp_path / "t.txt")
    assert files.renamed == {"Leo_2F": "Leo 2F", "Leo_53F": "Leo 53F", "T_1": "T 1"}
    back = files.read()
    assert back.ids.tolist() == ["Leo_2F", "Leo_53F"] and back.traps.index.tolist() == ["T_1", "T2"]
    with pytest.raises(InteropError, match="individual ID 'Leo 2F'"):
        write_secr(make_capthist(caps, traps), tmp_path / "c.txt", tmp_path / "t.txt", space=None)
    clash = caps.assign(ID=["Leo 2F", "Leo_2F"])
    with pytest.raises(InteropError, match="written alike"):
        write_secr(make_capthist(clash, traps), tmp_path / "c.txt", tmp_path / "t.txt")


def test_doctests():
    import doctest
    import importlib

    for name in ("secr_files",):
        module = importlib.import_module(f"nbtools.interop.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
