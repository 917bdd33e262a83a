"""Tests of nbtools.secr.capthist: capture histories, secr's text formats (traps, captures, usage, covariates).

The captdata summary is checked against R's secr. Reference values: secr 5.3.0, R 4.2.2, ``secr.fit(captdata, buffer = 100, detectfn = "HN")``
(tests/data/reference/README.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbtools.secr import (
    make_mask,
    read_capthist,
    read_traps,
    secr_fit,
    sim_capthist,
    sim_popn,
)

REF = Path(__file__).parent / "data" / "reference"


def test_captdata_summary(captdata):
    assert (captdata.n, captdata.noccasions, captdata.ntraps) == (76, 5, 100)
    assert captdata.detections == 235
    assert captdata.recaptures == 235 - 76
    summary = captdata.summary()
    assert summary.loc["n", "Total"] == 235  # animal-occasions: multi-catch, one detection each
    assert summary.loc["u", "Total"] == summary.loc["f", "Total"] == summary.loc["M(t+1)", "Total"] == 76
    assert summary.loc["detections", "Total"] == 235
    assert summary.loc["detectors used", "Total"] == 500


def test_read_capthist_text_formats(tmp_path, captdata):
    traps = pd.read_csv(REF / "secr-captdata-traps.csv")
    captures = pd.read_csv(REF / "secr-captdata-captures.csv")
    trapfile = tmp_path / "trap.txt"
    lines = ["# Detector X Y"] + [f"{t} {x} {y}" for t, x, y in traps.itertuples(index=False)]
    trapfile.write_text("\n".join(lines) + "\n")
    captfile = tmp_path / "capt.txt"
    lines = ["# Session ID Occasion Detector"] + [f"{s} {i} {o} {t}" for s, i, o, t in captures.itertuples(index=False)]
    captfile.write_text("\n".join(lines) + "\n")
    ch = read_capthist(captfile, trapfile, detector="single")
    assert ch.n == 76 and ch.detections == 235
    assert np.array_equal(ch.counts, captdata.counts)
    assert [str(v) for v in ch.ids] == [str(v) for v in captdata.ids]
    assert [int(v) for v in ch.ids] == sorted(int(v) for v in ch.ids)  # numeric IDs sorted as numbers
    # XY format
    xy = traps.set_index("trapID").loc[captures["trap"]]
    captxy = tmp_path / "captxy.txt"
    captxy.write_text(
        "\n".join(f"1 {i} {o} {x} {y}" for i, o, x, y in zip(captures["ID"], captures["occasion"], xy["x"], xy["y"]))
    )
    ch2 = read_capthist(captxy, trapfile, detector="multi", fmt="XY")
    assert np.array_equal(ch2.counts, captdata.counts)


def test_read_traps_usage_and_covariates(tmp_path):
    path = tmp_path / "traps.txt"
    path.write_text(
        "# Detector X Y Usage / covariates\n"
        "A1 -1500 -1500 0011111 /0.5 F\n"
        "A2 -1500 -1250 1111111 /0.5 F\n"
        "A3 -1500 -1000 1 1 1 1 1 1 2 /2 M\n"
    )
    traps, usage = read_traps(path, covnames=["effort", "habitat"])
    assert list(traps.index) == ["A1", "A2", "A3"]
    assert usage.shape == (3, 7)
    assert usage[0].tolist() == [0, 0, 1, 1, 1, 1, 1]
    assert usage[2].tolist() == [1] * 7  # codes above 1 count as 1 with binary usage
    assert traps["effort"].tolist() == [0.5, 0.5, 2.0]
    assert traps["habitat"].tolist() == ["F", "F", "M"]
    effort = tmp_path / "effort.txt"
    effort.write_text("A1 0 0 0 0 3.2 5\nA2 10 0 2 2 2 2\n")
    traps, usage = read_traps(effort, binary_usage=False)
    assert usage.tolist() == [[0, 0, 3.2, 5], [2, 2, 2, 2]]
    bad = tmp_path / "bad.txt"
    bad.write_text("A1 0\n")
    with pytest.raises(ValueError, match="Detector X Y"):
        read_traps(bad)


def test_capture_file_covariates_feed_group(tmp_path, grid):
    mask = make_mask(grid, buffer_m=60, nx=24)
    popn = sim_popn(mask, density=40, seed=81)
    popn["sex"] = np.random.default_rng(82).choice(["F", "M"], len(popn))
    ch = sim_capthist(
        grid,
        popn,
        "HHN",
        lambda0=0.3,
        sigma=np.where(popn["sex"] == "F", 12.0, 20.0),
        noccasions=3,
        detector="proximity",
        seed=83,
    )
    (tmp_path / "t.txt").write_text("\n".join(f"{k} {x} {y}" for k, (x, y) in grid.iterrows()))
    long = ch.to_frame().merge(ch.covariates.reset_index(), on="ID")
    long.loc[long.index[::4], "sex"] = "NA"  # missing on some lines: the first value per animal counts
    lines = [f"S {r.ID} {r.occasion} {r.trapID} {r.sex}" for r in long.itertuples()]
    (tmp_path / "c.txt").write_text("\n".join(lines))
    read = read_capthist(tmp_path / "c.txt", tmp_path / "t.txt", detector="proximity", covnames=["sex"])
    assert np.array_equal(read.counts, ch.counts)
    expected = long.replace({"sex": {"NA": None}}).groupby("ID", sort=False)["sex"].first()
    assert read.covariates["sex"].isna().sum() == expected.isna().sum() > 0  # NA on every line: unknown sex
    known = read.covariates["sex"].notna().to_numpy()
    assert read.covariates["sex"][known].tolist() == ch.covariates["sex"][known].tolist()
    fit = secr_fit(read, mask=mask, detectfn="HHN", group="sex", progress=False)
    assert fit.classes == ["F", "M"] and fit.converged


def test_count_capture_file_repeats_lines(tmp_path):
    (tmp_path / "t.txt").write_text("A 0 0\nB 20 0\n")
    (tmp_path / "c.txt").write_text("S 7 1 A\nS 7 1 A\nS 7 2 B\nS 8 2 B M\n".replace(" M", ""))
    ch = read_capthist(tmp_path / "c.txt", tmp_path / "t.txt", detector="count")
    assert ch.counts.shape == (2, 2, 2)
    assert ch.counts[0, 0, 0] == 2 and ch.counts[0, 1, 1] == 1 and ch.counts[1, 1, 1] == 1
    (tmp_path / "m.txt").write_text("S 7 1 A\nS 7 1 B\n")
    with pytest.raises(ValueError, match="more than once on occasion 1"):
        read_capthist(tmp_path / "m.txt", tmp_path / "t.txt", detector="multi")
    (tmp_path / "u.txt").write_text("S 7 1 Z\n")
    with pytest.raises(ValueError, match="missing from the trap layout"):
        read_capthist(tmp_path / "u.txt", tmp_path / "t.txt")
