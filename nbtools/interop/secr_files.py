"""The capture file and detector (trap) file that R's secr reads.

secr's text formats (shared with program DENSITY): the capture file has one line per detection,
``Session ID Occasion Detector`` followed by individual covariates (count detectors repeat a line
once per detection); the detector layout file has one line per detector, ``Detector X Y`` (m)
followed by its usage on each occasion (0/1 codes run together, or numbers of trap-days) and,
after a ``/``, detector covariates. Read them in R with::

    library(secr)
    ch <- read.capthist("capt.txt", "trap.txt", detector = "count", binary.usage = FALSE)

References
----------
Efford, M. G. (2025) secr: Spatially explicit capture-recapture models. R package version 5.3.0,
``read.capthist``, ``read.traps`` and the vignette *Data input for secr*.
https://CRAN.R-project.org/package=secr
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..indices import SpatialCaptureHistory
from ..secr import CaptureHistory
from ._common import InteropError

__all__ = ["SecrFiles", "write_secr"]


@dataclass(frozen=True)
class SecrFiles:
    """Paths of the files written by :func:`write_secr` and how to read them back.

    Attributes
    ----------
    captfile, trapfile : pathlib.Path
        The capture and detector layout files.
    detector : str
        secr detector type to give when reading (``count``, ``proximity``, ``multi``, ``single``).
    binary_usage : bool
        Whether usage was written as 0/1 codes (else as numbers of trap-days).
    covnames : tuple of str
        Names of the individual covariates after the detector field.
    renamed : dict of str to str
        IDs written differently from the original (written -> original), e.g. ``Leo_2F`` ->
        ``Leo 2F``.
    """

    captfile: Path
    trapfile: Path
    detector: str
    binary_usage: bool
    covnames: tuple[str, ...] = ()
    renamed: dict[str, str] = field(default_factory=dict)

    @property
    def r_call(self) -> str:
        """The R call that reads the files with secr."""
        cov = f", covnames = c({', '.join(repr(c) for c in self.covnames)})".replace("'", '"') if self.covnames else ""
        usage = "" if self.binary_usage else ", binary.usage = FALSE"
        return (
            f'read.capthist("{self.captfile.name}", "{self.trapfile.name}", detector = "{self.detector}"{usage}{cov})'
        )

    def read(self) -> CaptureHistory:
        """Read the files back with :func:`nbtools.secr.read_capthist`."""
        from ..secr import read_capthist

        return read_capthist(
            self.captfile,
            self.trapfile,
            detector=self.detector,
            binary_usage=self.binary_usage,
            covnames=list(self.covnames) or None,
        )


def _station_xy(traps: Any, ids: pd.Index, station_col: str) -> pd.DataFrame:
    """x/y (m) per detector ID from a trap table or deployments with a station column."""
    if traps is None:
        raise InteropError(
            "give traps= (a table of detector x/y in metres, or deployments with x, y and "
            f"{station_col}) for a spatial capture history"
        )
    table = getattr(traps, "deployments", traps)
    if not isinstance(table, pd.DataFrame) or not {"x", "y"} <= set(table.columns):
        raise InteropError("traps must have columns 'x' and 'y' (metres in a projected CRS)")
    if station_col in table.columns:
        grouped = table.groupby(table[station_col].astype(str), sort=False)[["x", "y"]]
        spread = grouped.max() - grouped.min()
        if (spread.to_numpy() > 1).any():
            far = spread.index[(spread > 1).any(axis=1)].tolist()
            raise InteropError(f"deployments of station(s) {far[:5]} are more than 1 m apart; give one x/y per station")
        xy = grouped.mean()
    else:
        xy = table[["x", "y"]].set_axis(table.index.astype(str))
    missing = [t for t in ids.astype(str) if t not in xy.index]
    if missing:
        raise InteropError(f"no x/y for detector(s) {missing[:10]}")
    return xy.loc[ids.astype(str)]


def _token(value: str, what: str, space: str | None) -> str:
    """``value`` as one field of secr's white-space separated text: white space replaced by ``space``."""
    text = str(value)
    if space is not None:
        text = re.sub(r"\s+", space, text.strip())
    if not text or re.search(r"\s|#|/", text):
        raise InteropError(
            f"{what} {value!r} cannot be written to secr's text format (no spaces, '#' or '/'); rename it"
        )
    return text


def _tokens(values: pd.Index, what: str, space: str | None) -> dict[str, str]:
    """Written form of each ID; refuses two IDs that would be written alike."""
    mapping = {str(v): _token(str(v), what, space) for v in values}
    written = pd.Series(list(mapping.values()))
    if written.duplicated().any():
        raise InteropError(
            f"{what}s {sorted(k for k, v in mapping.items() if (written == v).sum() > 1)[:5]} "
            f"would be written alike; rename them"
        )
    return mapping


def write_secr(
    capthist: SpatialCaptureHistory | CaptureHistory,
    captfile: str | Path,
    trapfile: str | Path,
    *,
    traps: Any = None,
    station_col: str = "locationID",
    session: str | None = None,
    space: str | None = "_",
) -> SecrFiles:
    """Write a capture history as secr's capture file and detector layout file.

    Parameters
    ----------
    capthist : SpatialCaptureHistory or nbtools.secr.CaptureHistory
        From :func:`nbtools.indices.spatial_capture_history` (its usage, in trap-days per
        occasion, is written as numbers) or :func:`nbtools.secr.make_capthist`.
    captfile, trapfile : str or pathlib.Path
        Files to write (white-space separated text).
    traps : pandas.DataFrame or Study, optional
        Detector coordinates for a :class:`~nbtools.indices.SpatialCaptureHistory`: a table with ``x``, ``y`` (m)
        indexed by station, or deployments (or a Study) with ``x``, ``y`` and ``station_col``.
    station_col : str, default "locationID"
        Column of ``traps`` naming the station.
    session : str, optional
        Session label (default the capture history's, or ``"1"``).
    space : str or None, default "_"
        Replacement for white space inside IDs and covariate values (``Leo 2F`` -> ``Leo_2F``),
        since secr splits fields at white space; ``None`` refuses such IDs instead. The written
        names are listed in ``SecrFiles.renamed``.

    Returns
    -------
    SecrFiles
        The paths, the detector type and ``r_call``, the ``read.capthist`` call for R; ``read()``
        reads them back with :func:`nbtools.secr.read_capthist`.

    Notes
    -----
    Usage that is all 0/1 is written as run-together codes (``0111``); fractional trap-days as
    numbers with six significant digits, read with ``binary.usage = FALSE``. Occasions without
    detections are kept through the usage columns. Individual covariates of a
    :class:`~nbtools.secr.CaptureHistory` are written after the detector, missing values as
    ``NA``.

    Examples
    --------
    >>> files = write_secr(sch, "capt.txt", "trap.txt", traps=study.deployments)  # doctest: +SKIP
    >>> print(files.r_call)  # doctest: +SKIP
    read.capthist("capt.txt", "trap.txt", detector = "count", binary.usage = FALSE)
    """
    if isinstance(capthist, SpatialCaptureHistory):
        counts = np.asarray(capthist.counts)
        ids = pd.Index(capthist.individuals.astype(str))
        trap_ids = pd.Index(capthist.traps.astype(str))
        xy = _station_xy(traps, trap_ids, station_col)
        usage = capthist.usage.to_numpy(dtype=float)
        detector = capthist.detector
        covariates = pd.DataFrame(index=ids)
        label = session or "1"
        extra = pd.DataFrame(index=trap_ids)
    elif isinstance(capthist, CaptureHistory):
        counts = capthist.counts
        ids = pd.Index(capthist.ids.astype(str))
        trap_ids = pd.Index(capthist.traps.index.astype(str))
        xy = capthist.traps[["x", "y"]]
        usage = np.ones((capthist.ntraps, capthist.noccasions)) if capthist.usage is None else capthist.usage
        detector = capthist.detector
        covariates = capthist.covariates
        label = session or capthist.session
        extra = capthist.traps.drop(columns=["x", "y"])
    else:
        raise TypeError(f"capthist must be a SpatialCaptureHistory or a CaptureHistory, got {type(capthist).__name__}")
    if not np.allclose(counts, np.round(counts)):
        raise InteropError("counts must be whole numbers")
    counts = np.round(counts).astype(np.int64)
    label = _token(str(label), "session", space)
    id_map = _tokens(ids, "individual ID", space)
    trap_map = _tokens(trap_ids, "detector ID", space)

    binary = bool(np.isin(usage, (0.0, 1.0)).all())
    captfile, trapfile = Path(captfile), Path(trapfile)
    lines = [f"# Session ID Occasion Detector{''.join(' ' + str(c) for c in covariates.columns)}"]
    n, s, k = counts.shape
    for i, j, t in zip(*np.nonzero(counts)):
        cov = "".join(" " + _cov_text(covariates.iloc[i][c], space) for c in covariates.columns)
        lines.extend([f"{label} {id_map[ids[i]]} {j + 1} {trap_map[trap_ids[t]]}{cov}"] * int(counts[i, j, t]))
    captfile.write_text("\n".join(lines) + "\n", encoding="utf-8")

    trap_lines = [
        f"# Detector X Y usage({s} occasions{'' if binary else ', trap-days'})"
        + (f" / {' '.join(map(str, extra.columns))}" if len(extra.columns) else "")
    ]
    for t, trap in enumerate(trap_ids):
        x, y = xy.iloc[t]
        codes = "".join(str(int(u)) for u in usage[t]) if binary else " ".join(f"{u:.6g}" for u in usage[t])
        covs = (" / " + " ".join(_cov_text(v, space) for v in extra.iloc[t])) if len(extra.columns) else ""
        trap_lines.append(f"{trap_map[trap]} {x:.3f} {y:.3f} {codes}{covs}")
    trapfile.write_text("\n".join(trap_lines) + "\n", encoding="utf-8")
    renamed = {w: o for o, w in {**id_map, **trap_map}.items() if w != o}
    return SecrFiles(captfile, trapfile, detector, binary, tuple(str(c) for c in covariates.columns), renamed)


def _cov_text(value: Any, space: str | None) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "NA"
    return _token(str(value), "covariate value", space)
