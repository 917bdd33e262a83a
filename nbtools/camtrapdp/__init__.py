"""Read, validate and write Camtrap DP 1.0 packages.

>>> from nbtools.camtrapdp import read_camtrapdp, write_camtrapdp
>>> pkg = read_camtrapdp("data/camtrap-dp-example")          # doctest: +SKIP
>>> print(pkg.report)                                          # doctest: +SKIP
>>> write_camtrapdp(pkg, "copy", timezone="Europe/Brussels")   # doctest: +SKIP
"""

from .convert import convert_camtrapdp
from .package import CamtrapDP, read_camtrapdp
from .report import CamtrapDPError, Problem, ValidationReport
from .stream import stream_camtrapdp, validate_camtrapdp
from .write import write_camtrapdp

__all__ = [
    "CamtrapDP",
    "CamtrapDPError",
    "convert_camtrapdp",
    "Problem",
    "ValidationReport",
    "read_camtrapdp",
    "stream_camtrapdp",
    "validate_camtrapdp",
    "write_camtrapdp",
]
