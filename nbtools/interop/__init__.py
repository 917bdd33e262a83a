"""Data in from AI models and Wildlife Insights; data out to GBIF, secr and camtrapR.

Imports (each returns what it converted with an :class:`ImportReport` of rows read, converted
and set aside, with reasons):

- :func:`read_megadetector`: MegaDetector batch output (format 1.x) -> media-level observations
  (and :func:`write_megadetector` for review tools such as Timelapse).
- :func:`read_speciesnet`: SpeciesNet predictions -> media-level observations.
- :func:`read_wildlife_insights`: a Wildlife Insights export -> a validated Camtrap DP package.

Exports:

- :func:`darwin_core_occurrences` / :func:`write_darwin_core`: the Darwin Core occurrence table
  GBIF publishes, with sensitive species' coordinates generalised on request.
- :func:`write_secr`: the capture and detector files R's secr reads.
- :func:`camtrapr_record_table`, :func:`camtrapr_station_table`,
  :func:`camtrapr_camera_operation`, :func:`write_camtrapr`: camtrapR's tables as CSV.

>>> from nbtools.interop import read_megadetector, darwin_core_occurrences   # doctest: +SKIP
>>> md = read_megadetector("md.json", study.media, min_confidence=0.2)            # doctest: +SKIP
>>> dwc = darwin_core_occurrences(study, sensitive={"Panthera pardus orientalis": 0.1})  # doctest: +SKIP
"""

from ._common import ImportReport, InteropError, MachineImport, match_media, parse_speciesnet_label, validate_package
from .camtrapr import (
    camtrapr_camera_operation,
    camtrapr_record_table,
    camtrapr_station_table,
    write_camtrapr,
)
from .darwin_core import (
    DWC_TERMS,
    REQUIRED_TERMS,
    darwin_core_occurrences,
    generalise_coordinates,
    great_circle_distance_m,
    rounding_uncertainty_m,
    write_darwin_core,
)
from .megadetector import read_megadetector, write_megadetector
from .secr_files import SecrFiles, write_secr
from .speciesnet import read_speciesnet
from .wildlife_insights import read_wildlife_insights

__all__ = [
    "DWC_TERMS",
    "REQUIRED_TERMS",
    "ImportReport",
    "InteropError",
    "MachineImport",
    "SecrFiles",
    "camtrapr_camera_operation",
    "camtrapr_record_table",
    "camtrapr_station_table",
    "darwin_core_occurrences",
    "generalise_coordinates",
    "great_circle_distance_m",
    "match_media",
    "parse_speciesnet_label",
    "read_megadetector",
    "read_speciesnet",
    "read_wildlife_insights",
    "rounding_uncertainty_m",
    "validate_package",
    "write_camtrapr",
    "write_darwin_core",
    "write_megadetector",
    "write_secr",
]
