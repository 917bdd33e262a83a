"""What the checks read: the options, and each deployment's images, set-up images, records and partners.

:class:`Options` holds the validated arguments of :func:`nbtools.quality.check_deployments` in the units
the checks compute in (UTC nanoseconds); :func:`read_records` turns a study's tables into
:class:`Records`: per deployment (by position in the deployments table) its written start and end, its
images (media timestamps or, without media, observation times), its set-up images (observations with
``cameraSetupType = "setup"``), its records (the other observations, as :func:`nbtools.camtrapdp.select.select_records`
counts them: blank, animal, species), the starts of its image sequences, and its partners (the other
deployments at the same location overlapping it by a day or more). Times are still as the camera's
clock showed them: :mod:`nbtools.quality.clock_model` estimates the clocks from these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._time import NANOSECONDS_PER_DAY as DAY
from .._time import utc_nanoseconds
from ..camtrapdp.select import select_records

__all__ = ["Groups", "Options", "Records", "read_records", "study_tables", "validate_deployments"]


def _positive_duration_ns(value: object, what: str) -> int:
    """A positive duration (``"10min"``, a Timedelta) as nanoseconds; errors name the argument."""
    try:
        delta = pd.Timedelta(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} must be a duration such as '10min', got {value!r}") from error
    if pd.isna(delta) or delta <= pd.Timedelta(0):
        raise ValueError(f"{what} must be a positive duration, got {value!r}")
    return int(delta.value)


@dataclass(frozen=True)
class Options:
    """The arguments of :func:`nbtools.quality.check_deployments`, validated, durations in nanoseconds.

    Attributes
    ----------
    timezone : str
        The study's zone (local dates and clock times in messages; the UTC offset a wrong clock was set to).
    alpha : float
        Largest chance of a silence, a burst of blanks or a run without night images for a finding.
    clock_tolerance : int
        Clock errors up to this are ignored, ns.
    min_gap : float
        Shortest silence or coverage gap reported, ns.
    sequence_interval : int
        Images closer than this are one sequence, ns.
    pair_window : int
        Largest clock difference looked for between two cameras of one location, ns.
    reset_window : int
        Images this far before set-up or after pick-up mean a reset clock, ns.
    blank_factor : float
        ``false_triggers`` needs this many times the other deployments' rate of blanks.
    """

    timezone: str
    alpha: float
    clock_tolerance: int
    min_gap: float
    sequence_interval: int
    pair_window: int
    reset_window: int
    blank_factor: float

    @classmethod
    def validated(
        cls,
        *,
        timezone: str,
        alpha: float,
        clock_tolerance: object,
        min_gap_days: float,
        sequence_interval: object,
        pair_window: object,
        reset_days: float,
        blank_factor: float,
    ) -> Options:
        """Options from the user's arguments (days, durations as text); ``ValueError`` naming a bad one."""
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
        if min_gap_days <= 0:
            raise ValueError(f"min_gap_days must be > 0, got {min_gap_days!r}")
        if blank_factor < 1:
            raise ValueError(f"blank_factor must be >= 1, got {blank_factor!r}")
        if reset_days <= 0:
            raise ValueError(f"reset_days must be > 0, got {reset_days!r}")
        return cls(
            timezone=timezone,
            alpha=alpha,
            clock_tolerance=_positive_duration_ns(clock_tolerance, "clock_tolerance"),
            min_gap=min_gap_days * DAY,
            sequence_interval=_positive_duration_ns(sequence_interval, "sequence_interval"),
            pair_window=_positive_duration_ns(pair_window, "pair_window"),
            reset_window=int(reset_days * DAY),
            blank_factor=blank_factor,
        )


class Groups:
    """Sorted times grouped by deployment: ``times(i)`` is deployment ``i``'s sorted ``int64`` array.

    Parameters
    ----------
    codes : numpy.ndarray
        Deployment position of each time (negative: not a deployment of the study, dropped).
    ts : numpy.ndarray
        Times, UTC nanoseconds.
    n : int
        Number of deployments.
    extra : mapping of str to array, optional
        Columns travelling with the times (sorted alike), in ``extra``.
    """

    def __init__(self, codes: np.ndarray, ts: np.ndarray, n: int, extra: Mapping[str, np.ndarray] | None = None):
        keep = codes >= 0
        codes, ts = codes[keep], ts[keep]
        order = np.lexsort((ts, codes))
        self.codes = codes[order]
        self.ts = ts[order]
        self.extra = {k: np.asarray(v)[keep][order] for k, v in (extra or {}).items()}
        self.ptr = np.concatenate([[0], np.cumsum(np.bincount(self.codes, minlength=n))])

    @classmethod
    def empty(cls, n: int) -> Groups:
        """No times for any of ``n`` deployments."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), n)

    def slice(self, i: int) -> slice:
        """Where deployment ``i``'s times are in ``ts`` (and in the ``extra`` columns)."""
        return slice(int(self.ptr[i]), int(self.ptr[i + 1]))

    def times(self, i: int) -> np.ndarray:
        """Deployment ``i``'s sorted times."""
        return self.ts[self.slice(i)]

    def count(self, i: int) -> int:
        """Number of deployment ``i``'s times."""
        return int(self.ptr[i + 1] - self.ptr[i])


@dataclass(frozen=True)
class Records:
    """Per deployment (by position), what the cameras recorded, on their own clocks.

    Attributes
    ----------
    deployment_ids, location_ids, camera_ids : numpy.ndarray
        ``deploymentID``, ``locationID`` and ``cameraID`` (None where missing or absent).
    index : pandas.Index
        ``deploymentID`` to position.
    start, end : numpy.ndarray
        Written ``deploymentStart`` and ``deploymentEnd``, UTC ns.
    duration : numpy.ndarray
        ``end - start`` as float, ns.
    images : Groups
        Every image (media), or observation times without media.
    setup : Groups
        Set-up images (observations with ``cameraSetupType = "setup"``).
    content : Groups or None
        The other observations, as records (:func:`nbtools.camtrapdp.select.select_records`), with ``extra``
        ``blank``, ``animal`` and ``species``; None without observations.
    sequence_starts : list of numpy.ndarray
        Start of each sequence of images (images closer than ``sequence_interval`` are one sequence).
    partners : list of list of int
        Other deployments at the same location overlapping by a day or more.
    locations : dict
        ``locationID`` to the positions of its deployments.
    """

    deployment_ids: np.ndarray
    location_ids: np.ndarray
    camera_ids: np.ndarray
    index: pd.Index
    start: np.ndarray
    end: np.ndarray
    duration: np.ndarray
    images: Groups
    setup: Groups
    content: Groups | None
    sequence_starts: list[np.ndarray]
    partners: list[list[int]]
    locations: dict[object, list[int]]

    @property
    def n(self) -> int:
        """Number of deployments."""
        return self.deployment_ids.size


def study_tables(study: Any) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None, str | None]:
    """``deployments``, ``media``, ``observations`` and ``timezone`` of a Study or Camtrap DP package."""
    if not isinstance(getattr(study, "deployments", None), pd.DataFrame):
        raise TypeError(
            f"check_deployments needs a Study or Camtrap DP package (with .deployments, .media, "
            f".observations), got {type(study).__name__}"
        )
    tz = getattr(study, "timezone", None)
    return study.deployments, getattr(study, "media", None), getattr(study, "observations", None), tz


def validate_deployments(deployments: pd.DataFrame) -> None:
    """Refuse deployments without ID, start or end columns, or with duplicate IDs."""
    for col in ("deploymentID", "deploymentStart", "deploymentEnd"):
        if col not in deployments.columns:
            raise ValueError(f"deployments have no {col!r} column")
    if deployments["deploymentID"].duplicated().any():
        dup = deployments.loc[deployments["deploymentID"].duplicated(), "deploymentID"].tolist()
        raise ValueError(f"duplicate deploymentID(s): {dup[:10]}")


def _optional_ids(deployments: pd.DataFrame, column: str) -> np.ndarray:
    """A column of IDs as objects, None where missing (all None without the column)."""
    if column not in deployments.columns:
        return np.full(len(deployments), None, dtype=object)
    values = deployments[column].astype("object")
    return values.where(deployments[column].notna(), None).to_numpy()


def _image_groups(media: pd.DataFrame | None, observations: pd.DataFrame | None, index: pd.Index, n: int) -> Groups:
    """Every image per deployment: media timestamps or, without media, observation starts."""
    if media is not None and len(media):
        for col in ("deploymentID", "timestamp"):
            if col not in media.columns:
                raise ValueError(f"media have no {col!r} column")
        m = media[media["timestamp"].notna()]
        codes = index.get_indexer(m["deploymentID"].astype("object"))
        return Groups(codes, utc_nanoseconds(m["timestamp"], "media.timestamp"), n)
    if observations is not None and len(observations):
        o = observations[observations["eventStart"].notna()]
        codes = index.get_indexer(o["deploymentID"].astype("object"))
        return Groups(codes, utc_nanoseconds(o["eventStart"], "observations.eventStart"), n)
    return Groups.empty(n)


def _observation_groups(observations: pd.DataFrame | None, index: pd.Index, n: int) -> tuple[Groups, Groups | None]:
    """Set-up images and the other records (blank, animal, species) per deployment."""
    setup = Groups.empty(n)
    if observations is None or not len(observations):
        return setup, None
    for col in ("deploymentID", "eventStart"):
        if col not in observations.columns:
            raise ValueError(f"observations have no {col!r} column")

    def codes_of(values: pd.Series) -> np.ndarray:
        return index.get_indexer(values.astype("object"))

    obs = observations[observations["eventStart"].notna()]
    is_setup = np.zeros(len(obs), bool)
    if "cameraSetupType" in obs.columns:
        is_setup = (obs["cameraSetupType"].astype("object") == "setup").to_numpy()
        setup_ts = utc_nanoseconds(obs.loc[is_setup, "eventStart"], "eventStart")
        setup = Groups(codes_of(obs.loc[is_setup, "deploymentID"]), setup_ts, n)
    rec = select_records(obs.loc[~is_setup], observation_type=None)
    if "observationType" in rec.columns:
        otype = rec["observationType"].astype("object").fillna("")
    else:
        otype = pd.Series("", index=rec.index)
    if "scientificName" in rec.columns:
        species = rec["scientificName"].astype("object").fillna("").to_numpy()
    else:
        species = np.full(len(rec), "", dtype=object)
    content = Groups(
        codes_of(rec["deploymentID"]),
        utc_nanoseconds(rec["eventStart"], "eventStart"),
        n,
        {
            "blank": (otype == "blank").to_numpy(),
            "animal": ((otype == "animal") if (otype != "").any() else (otype != "blank")).to_numpy(),
            "species": species,
        },
    )
    return setup, content


def _sequence_starts(images: Groups, n: int, sequence_interval: int) -> list[np.ndarray]:
    """Start times of each deployment's sequences of images."""
    starts: list[np.ndarray] = []
    for i in range(n):
        t = images.times(i)
        if t.size:
            new = np.concatenate([[True], np.diff(t) > sequence_interval])
            starts.append(t[new])
        else:
            starts.append(t)
    return starts


def _partners(
    location_ids: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[list[list[int]], dict[object, list[int]]]:
    """Per deployment the others at its location overlapping it by a day or more; and each location's."""
    n = location_ids.size
    partners: list[list[int]] = [[] for _ in range(n)]
    locations: dict[object, list[int]] = {}
    for i, place in enumerate(location_ids):
        if place is not None:
            locations.setdefault(place, []).append(i)
    for members in locations.values():
        for a in members:
            for b in members:
                if a != b and min(end[a], end[b]) - max(start[a], start[b]) >= DAY:
                    partners[a].append(b)
    return partners, locations


def read_records(
    deployments: pd.DataFrame,
    media: pd.DataFrame | None,
    observations: pd.DataFrame | None,
    options: Options,
) -> Records:
    """The :class:`Records` of a study's tables (deployments already checked by :func:`validate_deployments`).

    Raises
    ------
    ValueError
        When a deployment lacks its start or end, or media or observations lack a needed column.
    """
    dep_ids = deployments["deploymentID"].astype("object").to_numpy()
    n = dep_ids.size
    index = pd.Index(dep_ids)
    loc = _optional_ids(deployments, "locationID")
    cam = _optional_ids(deployments, "cameraID")
    if (deployments["deploymentStart"].isna() | deployments["deploymentEnd"].isna()).any():
        raise ValueError("deployments have missing deploymentStart or deploymentEnd")
    start = utc_nanoseconds(deployments["deploymentStart"], "deploymentStart")
    end = utc_nanoseconds(deployments["deploymentEnd"], "deploymentEnd")
    images = _image_groups(media, observations, index, n)
    setup, content = _observation_groups(observations, index, n)
    partners, locations = _partners(loc, start, end)
    return Records(
        deployment_ids=dep_ids,
        location_ids=loc,
        camera_ids=cam,
        index=index,
        start=start,
        end=end,
        duration=(end - start).astype(float),
        images=images,
        setup=setup,
        content=content,
        sequence_starts=_sequence_starts(images, n, options.sequence_interval),
        partners=partners,
        locations=locations,
    )
