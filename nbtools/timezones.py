"""The local time zone of a study: given, stated, or found from where the cameras stand.

Camera-trap analyses work in local time: time of day for diel activity, the
calendar day for camera-days and occasions. Camtrap DP timestamps carry a UTC
offset but no time zone, and exports often write every timestamp in UTC (Agouti
writes ``Z``), so the offset says nothing about local time. The zone is
therefore chosen, in this order:

1. the zone the user gives;
2. the zone the package states (a ``timezone`` property in ``datapackage.json``
   or a catalog's metadata; not part of Camtrap DP 1.0, but written by nbtools);
3. the IANA zone at the deployments' coordinates, looked up offline with
   ``timezonefinder`` (the zone polygons of timezone-boundary-builder, without
   simplification); when the deployments lie in more than one zone, the zone
   of most deployments is chosen and the choice says so;
4. without usable coordinates, the UTC offset most deployments were written
   with, as a fixed offset (``+02:00``), or UTC.

The choice is a :class:`ZoneChoice` that says which zone and why, for the read
report and the ``Study``'s repr.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

__all__ = ["ZoneChoice", "check_zone", "choose_timezone", "zone_offset", "zones_at"]


@dataclass(frozen=True)
class ZoneChoice:
    """The time zone chosen for a study, and why.

    Attributes
    ----------
    zone : str
        An IANA zone name (``Asia/Vladivostok``) or a fixed UTC offset (``+02:00``).
    source : {"given", "stated", "coordinates", "offset", "default"}
        Where it comes from: the user, the package, the deployments' coordinates,
        the UTC offset the timestamps were written with, or UTC for lack of all.
    reason : str
        One sentence for the report: which zone and why.
    zones : dict of str to int
        For ``source="coordinates"``: the number of deployments in each zone
        found (more than one entry: the study spans zones).
    """

    zone: str
    source: str
    reason: str
    zones: dict[str, int]

    @property
    def spans_zones(self) -> bool:
        """True when the deployments lie in more than one time zone."""
        return len(self.zones) > 1

    def __str__(self) -> str:
        return self.reason


@cache
def _finder() -> Any:
    """timezonefinder's finder, its module imported without numba (see :func:`_import_timezonefinder`)."""
    return _import_timezonefinder().TimezoneFinder()


def _import_timezonefinder() -> Any:
    """``timezonefinder``, imported so that it uses its compiled C point-in-polygon test instead of numba.

    timezonefinder compiles its helpers with numba when numba can be
    imported: importing numba and loading the compiled helpers took 0.8 s
    (3 s on a busy machine), about a fifth of reading the default study,
    for the few hundred lookups a study needs (a fraction of a millisecond
    each either way). Without numba it runs the same algorithm on the same
    polygons, in plain Python around its C extension, so the zones found are
    the same. numba is hidden only while timezonefinder is first imported
    and only when nothing has imported numba yet; once numba is loaded
    (datashader imports it) timezonefinder uses it as before.
    """
    import sys

    if "timezonefinder.timezonefinder" in sys.modules or "numba" in sys.modules:
        import timezonefinder

        return timezonefinder
    sys.modules["numba"] = None  # type: ignore[assignment]  # an ImportError for timezonefinder's optional import
    try:
        import timezonefinder
        import timezonefinder.timezonefinder  # noqa: F401 -- the module that imports the numba helpers
    finally:
        del sys.modules["numba"]
    return timezonefinder


def zones_at(latitude: Any, longitude: Any) -> np.ndarray:
    """The IANA time zone at each point (WGS84 degrees), ``None`` where unknown.

    Parameters
    ----------
    latitude, longitude : array-like of float
        Coordinates in decimal degrees. Missing or out-of-range values give ``None``.

    Returns
    -------
    numpy.ndarray of object
        Zone names such as ``Asia/Vladivostok``; over the open sea, the nautical
        zones ``Etc/GMT-10`` and the like.

    Examples
    --------
    >>> zones_at([43.1, 51.0], [131.4, 4.9]).tolist()
    ['Asia/Vladivostok', 'Europe/Brussels']
    """
    lat = np.asarray(pd.to_numeric(pd.Series(np.atleast_1d(latitude)), errors="coerce"), dtype=float)
    lon = np.asarray(pd.to_numeric(pd.Series(np.atleast_1d(longitude)), errors="coerce"), dtype=float)
    out = np.full(lat.shape, None, dtype=object)
    valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    looked_up: dict[tuple[float, float], str | None] = {}
    for i in np.flatnonzero(valid):
        point = (round(float(lat[i]), 6), round(float(lon[i]), 6))
        if point not in looked_up:
            looked_up[point] = _finder().timezone_at(lng=point[1], lat=point[0])
        out[i] = looked_up[point]
    return out


def check_zone(zone: str) -> str:
    """``zone`` if it names an IANA zone or a fixed offset (``+10:00``, ``UTC``), else a clear error.

    Raises
    ------
    ValueError
        Naming the zone and what is accepted.
    """
    if isinstance(zone, str) and zone:
        try:
            ZoneInfo(zone)
            return zone
        except (ZoneInfoNotFoundError, ValueError):
            pass
        try:
            pd.Timestamp("2000-01-01", tz=zone)
            return zone
        except (ValueError, TypeError, KeyError):
            pass
    raise ValueError(
        f"time zone {zone!r} is not known: give an IANA zone name such as 'Asia/Vladivostok' or "
        "'Europe/Brussels', or a fixed UTC offset such as '+10:00'"
    )


def choose_timezone(
    deployments: pd.DataFrame | None,
    given: str | None = None,
    stated: str | None = None,
    written_offset: str | None = None,
) -> ZoneChoice:
    """Choose a study's time zone: given, else stated, else from the coordinates, else the offset written.

    Parameters
    ----------
    deployments : pandas.DataFrame or None
        With ``latitude`` and ``longitude`` (WGS84 degrees), one row per deployment.
    given : str, optional
        The zone the user asks for; always wins.
    stated : str, optional
        The zone the package or catalog states.
    written_offset : str, optional
        The UTC offset most deployments were written with (``+02:00``), used
        only when no coordinate gives a zone.

    Returns
    -------
    ZoneChoice
        The zone and the sentence that says why.

    Raises
    ------
    ValueError
        If ``given`` or ``stated`` is not a known zone.
    """
    if given:
        return ZoneChoice(check_zone(given), "given", f"time zone {given}: given by the user", {})
    if stated:
        return ZoneChoice(check_zone(stated), "stated", f"time zone {stated}: stated by the package", {})
    counts: Counter[str] = Counter()
    if deployments is not None and {"latitude", "longitude"} <= set(deployments.columns) and len(deployments):
        found = zones_at(deployments["latitude"].to_numpy(), deployments["longitude"].to_numpy())
        counts.update(zone for zone in found if zone)
    if counts:
        ranked = counts.most_common()
        zone, n = ranked[0]
        total = sum(counts.values())
        if len(ranked) == 1:
            reason = f"time zone {zone}: where the cameras stand (all {total} deployments with coordinates)"
        else:
            others = ", ".join(f"{z} ({k})" for z, k in ranked[1:])
            reason = (
                f"time zone {zone}: where most cameras stand ({n} of {total} deployments); the study spans "
                f"{len(ranked)} time zones, the others being {others}; pass timezone= to choose another"
            )
        return ZoneChoice(zone, "coordinates", reason, dict(ranked))
    if written_offset:
        return ZoneChoice(
            written_offset,
            "offset",
            f"time zone {written_offset}: no deployment has usable coordinates, so the UTC offset most "
            "deployments were written with is used (a fixed offset: no daylight-saving time)",
            {},
        )
    return ZoneChoice("UTC", "default", "time zone UTC: no coordinates, offsets or zone to go by", {})


def zone_offset(zone: str, moments: pd.Series) -> pd.Series:
    """The UTC offset of ``zone`` at each moment, in minutes (``+600`` for UTC+10:00).

    Parameters
    ----------
    zone : str
        An IANA zone or fixed offset.
    moments : pandas.Series of datetime64[ns, UTC]
        The moments.
    """
    local = moments.dt.tz_convert(zone)
    naive = local.dt.tz_localize(None)
    utc = moments.dt.tz_localize(None)
    return ((naive - utc).dt.total_seconds() / 60).round().astype("Int64")
