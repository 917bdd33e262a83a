"""The top-level API: ``import nbtools as nbt`` gives the everyday functions, lazily."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import nbtools


@pytest.mark.parametrize("name", sorted(nbtools._LAZY))
def test_each_name_is_its_modules_object(name: str) -> None:
    module = importlib.import_module(nbtools._LAZY[name])
    assert getattr(nbtools, name) is getattr(module, name)
    assert name in nbtools.__all__
    assert name in dir(nbtools)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'occupancy_magic'"):
        nbtools.occupancy_magic  # noqa: B018


def test_import_is_lazy() -> None:
    """``import nbtools`` imports none of its modules nor the heavy libraries until a name is used."""
    code = (
        "import sys, nbtools\n"
        "heavy = [m for m in ('pandas', 'numpy', 'holoviews', 'numba', 'nbtools.study', 'nbtools.activity')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
        "nbtools.overlap_estimates\n"
        "print('nbtools.activity' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == ""
    assert out[1] == "True"
