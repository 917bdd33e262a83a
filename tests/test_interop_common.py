"""Tests of nbtools.interop._common: file paths of machine outputs matched to media rows; doctests."""

from __future__ import annotations

import pandas as pd

from nbtools.interop import match_media

# --------------------------------------------------------------------------------------------------
# matching paths
# --------------------------------------------------------------------------------------------------


def test_match_media_longest_suffix_ambiguity_and_case():
    media = pd.DataFrame(
        {
            "mediaID": ["m1", "m2", "m3"],
            "deploymentID": ["A", "B", "B"],
            "filePath": ["media/A/IMG_1.JPG", "media/B/IMG_1.JPG", "https://host/x/uuid.jpg"],
            "fileName": ["IMG_1.JPG", "IMG_1.JPG", "IMG_9.JPG"],
        }
    )
    files = ["D:\\survey\\A\\img_1.jpg", "IMG_1.JPG", "other/B/IMG_9.JPG", "B/IMG_2.JPG", "A/IMG_1.JPG"]
    m = match_media(files, media)
    assert m["status"].tolist() == ["matched", "ambiguous", "matched", "unmatched", "duplicate"]
    assert m["mediaID"].tolist()[:3] == ["m1", None, "m3"]
    assert m.loc[0, "suffix_length"] == 2 and m.loc[2, "matched_on"] == "fileName"
    assert m.loc[1, "candidates"] == "m1, m2"
    assert match_media(files[:1], media, case_sensitive=True)["status"].tolist() == ["unmatched"]
    assert match_media(["IMG_1.JPG"], media, deployment_id="B")["mediaID"].tolist() == ["m2"]


def test_doctests():
    import doctest
    import importlib

    for name in ("_common",):
        module = importlib.import_module(f"nbtools.interop.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
