"""Independent events from Camtrap DP observations: the steps of :func:`independent_events`.

The observations that count as records (:func:`nbtools.camtrapdp.select.select_records`), their station,
camera, species and individual as one integer key, the threshold of every key, the grouping
(:mod:`nbtools.events.grouping`), the counts and media of every event and the output table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from ..camtrapdp.columns import empty_column_message
from ..camtrapdp.select import select_records
from .grouping import CompareTo, _group, _Grouped

__all__ = ["DEFAULT_THRESHOLD", "independent_events"]

#: Default minimum time between independent events (camtrapR's usual ``minDeltaTime = 30``).
DEFAULT_THRESHOLD = "30min"

ThresholdLike = str | pd.Timedelta | timedelta | np.timedelta64


def _as_threshold(value: object, what: str) -> pd.Timedelta:
    # np.timedelta64 is a numpy integer type, but a duration, not a bare number
    if isinstance(value, bool) or (
        isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, np.timedelta64)
    ):
        raise TypeError(
            f"{what} must be a duration such as '30min', pd.Timedelta(minutes=30) or datetime.timedelta; "
            f"got the bare number {value!r} (minutes? seconds?)"
        )
    try:
        out = pd.Timedelta(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what}: cannot read {value!r} as a duration ('30min', '1h', '1 day')") from err
    if pd.isna(out):
        raise ValueError(f"{what} is missing (NaT): it must be a duration > 0 such as '30min', got {value!r}")
    if out <= pd.Timedelta(0):
        raise ValueError(f"{what} must be > 0, got {value!r}")
    return out


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Sorted factorisation (missing values become their own last category)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # use the codes: no hashing of n values
        cats = values.cat.categories
        rank = np.empty(len(cats) + 1, np.int64)
        labels = np.asarray(cats, dtype=object)
        order = np.argsort(labels.astype(str), kind="stable") if len(cats) else np.empty(0, np.int64)
        rank[order] = np.arange(len(cats))
        rank[-1] = len(cats)  # code -1 (missing) -> its own last category
        codes = rank[values.cat.codes.to_numpy()]
        missing = [np.nan] if (codes == len(cats)).any() else []
        names = pd.Index(list(labels[order]) + missing, dtype=object)
        return codes, names
    codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _categorical(codes: np.ndarray, names: pd.Index) -> pd.Categorical:
    """Categorical from sorted-factorisation codes; the missing-value category becomes NaN."""
    missing = np.flatnonzero(pd.isna(names))
    codes = np.asarray(codes, dtype=np.int64)
    if missing.size:
        codes = np.where(np.isin(codes, missing), -1, codes - np.searchsorted(missing, codes, side="right"))
        names = names[~pd.isna(names)]
    return pd.Categorical.from_codes(codes, categories=names)


def _utc_times(ns: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """UTC timestamps from int64 nanoseconds (no intermediate copies)."""
    return pd.Series(ns.view("datetime64[ns]"), copy=False).dt.tz_localize("UTC").array


def _utc_ns(values: pd.Series, column: str) -> np.ndarray:
    s = values
    if not isinstance(s.dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(s.dtype):
            raise ValueError(
                f"column {column!r} holds timestamps without a time zone; localise them first "
                f"(e.g. df[{column!r}].dt.tz_localize('Asia/Vladivostok'))"
            )
        raise TypeError(f"column {column!r} must hold timezone-aware timestamps, got dtype {s.dtype}")
    if len(s) and s.isna().all():
        raise ValueError(empty_column_message(column, len(s)))
    if s.isna().any():
        rows = list(s.index[s.isna()][:5])
        raise ValueError(f"column {column!r} has {int(s.isna().sum())} missing timestamps (rows {rows} ...)")
    return s.array.as_unit("ns").asi8  # timezone-aware values are stored as UTC nanoseconds


def _thresholds_per_species(threshold: object, species: pd.Index) -> np.ndarray:
    """Threshold (ns) for every species category."""
    if isinstance(threshold, Mapping):
        default = _as_threshold(threshold.get("*", DEFAULT_THRESHOLD), "threshold['*']")
        out = np.empty(len(species), np.int64)
        for i, name in enumerate(species):
            value = threshold.get(name, None) if isinstance(name, str) else None
            out[i] = (default if value is None else _as_threshold(value, f"threshold[{name!r}]")).value
        return out
    return np.full(len(species), _as_threshold(threshold, "threshold").value, np.int64)


def _sighting_units(records: pd.DataFrame, media: pd.DataFrame | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The sighting unit of every record and the number of media behind it.

    A unit is what one row describes a part of: a medium (``mediaID``) for media-level rows, a
    sequence (``eventID``) for event-level rows -- several rows of one species in one unit (an adult
    female and nine juveniles) are one sighting whose ``count`` is their sum. Rows without either ID
    are their own unit (``None`` is returned when no row has an ID). Media per unit: 1 for a
    medium; for a sequence the media of the deployment between ``eventStart`` and ``eventEnd`` when
    ``media`` is given; else NaN (unknown).
    """
    n = len(records)
    cols = records.columns
    if "eventID" not in cols and "mediaID" not in cols and media is None:
        return None, None  # no unit information, media unknown
    if "observationLevel" in cols:
        is_event = (records["observationLevel"].astype("object") == "event").to_numpy(dtype=bool)
    else:
        is_event = np.zeros(n, bool)
    unit = np.arange(n, dtype=np.int64)
    per_unit_media = np.full(n, np.nan)
    offset = n
    if "eventID" in cols:
        codes, uniq = pd.factorize(records["eventID"])
        sel = is_event & (codes >= 0)
        unit[sel] = offset + codes[sel]
        offset += len(uniq)
    if "mediaID" in cols:
        codes, uniq = pd.factorize(records["mediaID"])
        sel = ~is_event & (codes >= 0)
        unit[sel] = offset + codes[sel]
        per_unit_media[sel] = 1.0
    if media is not None and is_event.any():
        for col in ("deploymentID", "timestamp"):
            if col not in media.columns:
                raise ValueError(f"media table has no {col!r} column")
        m_ts = _utc_ns(media["timestamp"], "media.timestamp")
        m_dep = media["deploymentID"].astype("object").to_numpy()
        idx = np.flatnonzero(is_event)
        sub = records.iloc[idx]
        s_ts = _utc_ns(sub["eventStart"], "eventStart")
        e_ts = _utc_ns(sub["eventEnd"].fillna(sub["eventStart"]), "eventEnd") if "eventEnd" in cols else s_ts
        deps = sub["deploymentID"].astype("object").to_numpy()
        for dep in pd.unique(deps):
            sel = np.flatnonzero(deps == dep)
            t = np.sort(m_ts[m_dep == dep])
            per_unit_media[idx[sel]] = np.searchsorted(t, e_ts[sel], "right") - np.searchsorted(t, s_ts[sel], "left")
    has_ids = "eventID" in cols or "mediaID" in cols
    return (unit if has_ids else None), per_unit_media


def _summarise_units(
    event: np.ndarray,
    unit: np.ndarray,
    count: np.ndarray,
    unit_media: np.ndarray,
    nevents: int,
    count_max: np.ndarray,
    media_sum: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Correct per-event count and media when several rows describe one sighting unit.

    ``count_max`` and ``media_sum`` were computed row by row; where one unit (medium or sequence)
    has several rows of the event's species their counts are summed first and the unit's media
    counted once.
    """
    if nevents == 0:
        return count_max, media_sum
    pair = event * (int(unit.max()) + 1) + unit
    if not (np.diff(np.sort(pair)) == 0).any():
        return count_max, media_sum
    rows = pd.DataFrame({"pair": pair, "event": event, "count": count, "media": unit_media})
    grouped = rows.groupby("pair", sort=False)
    per_unit = pd.DataFrame(
        {
            "event": grouped["event"].first(),
            "count": grouped["count"].sum(min_count=1),
            "media": grouped["media"].first(),
        }
    )
    by_event = per_unit.groupby("event", sort=True)
    cmax = by_event["count"].max().reindex(range(nevents)).to_numpy(dtype=float, copy=True)
    msum = by_event["media"].sum(min_count=1).reindex(range(nevents)).to_numpy(dtype=float, copy=True)
    unknown = per_unit["media"].isna().groupby(per_unit["event"]).any().reindex(range(nevents), fill_value=False)
    msum[unknown.to_numpy(dtype=bool)] = np.nan
    return cmax, msum


def _int_or_na(values: np.ndarray) -> pd.arrays.IntegerArray:
    missing = np.isnan(values)
    if missing.all():
        return pd.arrays.IntegerArray(np.zeros(values.size, np.int64), missing)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


@renamed_parameters(level="observation_level")
def independent_events(
    observations: pd.DataFrame,
    threshold: ThresholdLike | Mapping[str, ThresholdLike] = DEFAULT_THRESHOLD,
    compare_to: CompareTo = "last_record",
    by: Literal["locationID", "deploymentID"] = "locationID",
    cameras_independent: bool = False,
    deployments: pd.DataFrame | None = None,
    *,
    individual: bool = False,
    observation_level: Literal["auto", "media", "event"] = "auto",
    observation_type: str | Sequence[str] | None = "animal",
    media: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Group observations into independent detection events per station and species.

    Mirrors camtrapR's temporal independence filter (``recordTable(minDeltaTime,
    deltaTimeComparedTo, camerasIndependent, eventSummaryColumn = "count", eventSummaryFunction =
    "max")``): records are sorted in time per station and species; a record starts a new event when
    the time since the previous record (``compare_to="last_record"``) or since the first record of
    the current event (``"last_independent_record"``) is at least ``threshold``.

    Parameters
    ----------
    observations : DataFrame
        Camtrap DP observations: ``deploymentID``, ``scientificName``, ``eventStart`` (timezone-aware)
        and optionally ``eventEnd``, ``observationLevel``, ``observationType``, ``count``,
        ``mediaID``, ``individualID``, ``locationID``.
    threshold : str, Timedelta or mapping, default "30min"
        Minimum time between independent events (> 0). A mapping gives one per ``scientificName``;
        its key ``"*"`` sets the value for species not listed (else 30 min).
    compare_to : {"last_record", "last_independent_record"}, default "last_record"
        camtrapR's ``deltaTimeComparedTo`` ("lastRecord" / "lastIndependentRecord").
    by : {"locationID", "deploymentID"}, default "locationID"
        What a station is: a location (all deployments there pooled) or a single deployment.
    cameras_independent : bool, default False
        With ``by="locationID"``: form events separately per camera of a location (``cameraID`` of
        the deployment, else the deployment itself), as camtrapR's ``camerasIndependent = TRUE``.
    deployments : DataFrame, optional
        Camtrap DP deployments; needed for ``locationID`` (unless ``observations`` carry it) and for
        ``cameraID``. Every observation's ``deploymentID`` must be listed.
    individual : bool, default False
        Also group by ``individualID`` (camtrapR's ``recordTableIndividual``); needed for spatial
        capture histories. Rows without an individual form their own group.
    observation_level : {"auto", "media", "event"}, default "auto"
        Observation level to use; see :func:`select_records` (never counts a sequence twice). With
        ``"auto"`` pass all observations, not a table already cut to some species (see there).
    observation_type : str, sequence or None, default "animal"
        ``observationType`` values to keep; ``None`` keeps all.
    media : DataFrame, optional
        Camtrap DP media; when given, ``n_media`` of event-level observations counts the media of the
        deployment between ``eventStart`` and ``eventEnd``.

    Returns
    -------
    DataFrame
        One row per event in chronological order (``eventStart``, then station, camera, species,
        individual; sort with ``sort_values`` for camtrapR's station/species order), with columns
        ``event`` (0, 1, ...), the station column (``locationID`` or ``deploymentID``),
        ``deploymentID`` of the first record (when ``by="locationID"``), ``cameraID`` (when
        ``cameras_independent``), ``scientificName``, ``individualID`` (when ``individual``),
        ``eventStart``, ``eventEnd`` (UTC), ``delta_time`` (time from the previous event's reference
        record, NaT for the first), ``n_observations`` (rows grouped, camtrapR's ``n_images``),
        ``n_media`` (distinct media, <NA> when unknown), ``count`` (the largest number of animals seen
        at once: ``count`` summed over the rows of one medium or sequence, then the maximum over
        the event, camtrapR's ``eventSummaryFunction = "max"``) and, when the observations have an
        ``individualID`` column, ``n_individuals`` and ``individualIDs`` (distinct identified
        individuals, comma-separated). Station, camera, species and individual are categoricals.
        ``attrs`` record the settings.

    Notes
    -----
    Levels: per deployment either the event-level rows (when it has any) or the media-level rows
    are the records, never both (:func:`select_records`); an event-level row is a record at its
    ``eventStart`` and the grouped event ends at the latest ``eventEnd``, as camtraptor treats them.
    Ties: records of one group at the same instant are always one event (camtrapR would keep
    duplicates of a group's first second as separate records unless ``removeDuplicateRecords``).
    Rows are sorted only when needed (see :func:`group_events`): about 0.2 s for 10 million
    time-sorted rows, 0.7 s unsorted, on a shared 2-core machine (``benchmarks/events.py``).

    References
    ----------
    Niedballa, J. et al. (2016) camtrapR: an R package for efficient camera trap data management.
    *Methods in Ecology and Evolution* 7, 1457-1462. https://doi.org/10.1111/2041-210X.12600

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"locationID": ["A"] * 3, "scientificName": ["Sus scrofa"] * 3,
    ...     "eventStart": pd.to_datetime(["2024-05-01 22:00", "2024-05-01 22:40", "2024-05-01 23:30"], utc=True)})
    >>> len(independent_events(obs, "1h")), len(independent_events(obs, "1h", "last_independent_record"))
    (1, 2)
    """
    time_col = _check_arguments(observations, by, compare_to)
    records = select_records(observations, observation_level=observation_level, observation_type=observation_type)
    parts = _station_parts(records, by, deployments, cameras_independent)
    parts.keys.append(("scientificName", *_codes(records["scientificName"])))
    if individual:
        if "individualID" not in records.columns:
            raise ValueError("individual=True needs an 'individualID' column")
        parts.keys.append(("individualID", *_codes(records["individualID"])))
    keys = _combined_keys(parts.keys, len(records))
    thresholds = _thresholds_per_key(threshold, keys)
    grouped = _group_records(records, time_col, keys, thresholds, compare_to, media, by, parts)
    frame = _event_table(records, grouped, keys, by, cameras_independent, individual)
    frame.attrs.update(
        {
            "threshold": (
                {k: str(v) for k, v in threshold.items()}
                if isinstance(threshold, Mapping)
                else str(pd.Timedelta(threshold))
            ),
            "compare_to": compare_to,
            "by": by,
            "cameras_independent": cameras_independent,
            "individual": individual,
            "n_records": len(records),
        }
    )
    return frame


# the steps of independent_events, in the order it takes them


def _check_arguments(observations: pd.DataFrame, by: str, compare_to: str) -> str:
    """Check the options and the columns every call needs; return the time column (``eventStart`` or ``timestamp``)."""
    if by not in ("locationID", "deploymentID"):
        raise ValueError(f"by must be 'locationID' or 'deploymentID', got {by!r}")
    if compare_to not in ("last_record", "last_independent_record"):
        raise ValueError(f"compare_to must be 'last_record' or 'last_independent_record', got {compare_to!r}")
    for col in ("scientificName",):
        if col not in observations.columns:
            raise ValueError(f"observations have no {col!r} column")
    if "eventStart" in observations.columns:
        return "eventStart"
    if "timestamp" in observations.columns:
        return "timestamp"
    raise ValueError("observations need an 'eventStart' (or 'timestamp') column")


#: One part of the grouping key: its output column, the sorted-factorisation code of every record
#: and the names of the codes (see :func:`_codes`).
_KeyPart = tuple[str, np.ndarray, pd.Index]


@dataclass
class _StationParts:
    """The station (and camera) parts of the grouping key, and the deployment codes when looked up."""

    keys: list[_KeyPart]
    dep_codes: np.ndarray | None = None  # code of every record's deploymentID (when deployments were given)
    dep_ids: pd.Index | None = None  # the deploymentIDs of those codes


def _station_parts(
    records: pd.DataFrame,
    by: str,
    deployments: pd.DataFrame | None,
    cameras_independent: bool,
) -> _StationParts:
    """Station (and, with ``cameras_independent``, camera) of every record as codes into small tables of names.

    The station is the records' own ``by`` column, or (when the deployments are given or needed) looked
    up in ``deployments`` by ``deploymentID``; a camera is the deployment's ``cameraID``, else the
    deployment itself. Raises naming what is missing: the column, deployments not listed, deployments
    without ``locationID``, records without a station.
    """
    need_deployments = (by == "locationID" and "locationID" not in records.columns) or cameras_independent
    if deployments is None and not need_deployments:
        if by not in records.columns:
            raise ValueError(f"observations have no {by!r} column")
        parts = _StationParts([(by, *_codes(records[by]))])
    else:
        parts = _looked_up_stations(records, by, deployments, cameras_independent)
    _, codes, names = parts.keys[0]
    if pd.isna(names).any():
        raise ValueError(f"{int((codes == len(names) - 1).sum())} observations have no {by}")
    return parts


def _looked_up_stations(
    records: pd.DataFrame,
    by: str,
    deployments: pd.DataFrame | None,
    cameras_independent: bool,
) -> _StationParts:
    """Station and camera key parts of the records from the deployments table (see :func:`_station_parts`)."""
    if deployments is None:
        raise ValueError(
            "observations have no 'locationID'; pass deployments= (Camtrap DP deployments) to look it up"
            if by == "locationID"
            else "cameras_independent=True needs deployments= for cameraID"
        )
    if "deploymentID" not in records.columns:
        raise ValueError("observations have no 'deploymentID' column")
    dep = deployments.drop_duplicates("deploymentID").set_index("deploymentID")
    dep_codes, dep_ids = _codes(records["deploymentID"])
    missing = [d for d in dep_ids if pd.isna(d) or d not in dep.index]
    if missing:
        raise ValueError(f"{len(missing)} deploymentID(s) of the observations are not in deployments: {missing[:10]}")
    table = dep.reindex(dep_ids)
    parts = _StationParts([], dep_codes, dep_ids)
    if by == "locationID":
        if table["locationID"].isna().any():
            bad = [str(d) for d in table.index[table["locationID"].isna()]]
            raise ValueError(f"deployments without locationID: {bad[:10]} (use by='deploymentID')")
        loc_codes, loc_names = _codes(table["locationID"].astype("object"))
        parts.keys.append((by, loc_codes[dep_codes], loc_names))
    else:
        parts.keys.append((by, dep_codes, dep_ids))
    if cameras_independent and by == "locationID":
        if "cameraID" in table.columns:
            cam = table["cameraID"].astype("object")
        else:
            cam = pd.Series(np.nan, index=table.index, dtype=object)
        cam = cam.where(cam.notna(), pd.Series(table.index.astype(str), index=table.index))
        cam_codes, cam_names = _codes(cam)
        parts.keys.append(("cameraID", cam_codes[dep_codes], cam_names))
    return parts


@dataclass(frozen=True)
class _Keys:
    """The grouping key of every record, one integer lexicographic in the key parts' sorted codes."""

    parts: list[_KeyPart]
    sizes: list[int]  # number of names of every part (at least 1)
    codes: np.ndarray  # key of every record: 0 .. n_keys - 1
    n_keys: int
    index: np.ndarray | None  # the dense key of every compact key, when the keys were compacted

    @property
    def dense(self) -> np.ndarray:
        """The dense (uncompacted) value of every key ``0 .. n_keys - 1``."""
        return np.arange(self.n_keys, dtype=np.int64) if self.index is None else self.index

    def decode(self, keys: np.ndarray) -> dict[str, np.ndarray]:
        """The code of every part for the given keys."""
        rem = self.index[keys] if self.index is not None else keys.copy()
        decoded: dict[str, np.ndarray] = {}
        for (name, _, _), size in zip(reversed(self.parts), reversed(self.sizes)):
            decoded[name] = rem % size
            rem = rem // size
        return decoded


def _combined_keys(parts: list[_KeyPart], n: int) -> _Keys:
    """One integer key per record from the key parts; compacted when the combinations are too many (> 4 million)."""
    sizes = [max(len(names), 1) for _, _, names in parts]
    if float(np.prod(sizes, dtype=float)) <= 4_000_000:
        keys = parts[0][1].astype(np.int64, copy=True)
        for (_, codes, _), size in zip(parts[1:], sizes[1:]):
            keys *= size
            keys += codes
        return _Keys(parts, sizes, keys, int(np.prod(sizes)), None)
    # too many combinations for dense state arrays: compact them
    stacked = np.zeros(n, np.int64)
    for (_, codes, _), size in zip(parts, sizes):
        stacked = stacked * size + codes
    key_index, keys = np.unique(stacked, return_inverse=True)
    return _Keys(parts, sizes, keys.astype(np.int64), len(key_index), key_index)


def _thresholds_per_key(threshold: object, keys: _Keys) -> np.ndarray:
    """Threshold (ns) of every key, from its species."""
    names = [name for name, _, _ in keys.parts]
    sp_pos = names.index("scientificName")
    sp_names = keys.parts[sp_pos][2]
    thr_species = _thresholds_per_species(threshold, sp_names)
    after = int(np.prod(keys.sizes[sp_pos + 1 :], dtype=np.int64))
    key_species = (keys.dense // after) % keys.sizes[sp_pos]
    return thr_species[key_species] if len(sp_names) else np.full(keys.n_keys, 1, np.int64)


@dataclass(frozen=True)
class _Events:
    """Events of the records: the grouping (:class:`_Grouped`) and the counts and media per event."""

    grouped: _Grouped
    count_max: np.ndarray  # the largest count of a sighting unit, per event (NaN: unknown)
    n_media: np.ndarray  # distinct media per event (NaN: unknown)
    deployment_names: pd.Index | None  # names of ``grouped.first_code`` (by="locationID")


def _group_records(
    records: pd.DataFrame,
    time_col: str,
    keys: _Keys,
    thresholds: np.ndarray,
    compare_to: str,
    media: pd.DataFrame | None,
    by: str,
    parts: _StationParts,
) -> _Events:
    """Group the records into events and summarise each: end, rows, largest count, media, first deployment."""
    ts = _utc_ns(records[time_col], time_col)
    end_col = "eventEnd" if time_col == "eventStart" and "eventEnd" in records.columns else time_col
    te = None if end_col == time_col else _utc_ns(records[end_col].fillna(records[time_col]), end_col)
    count = None
    if "count" in records.columns:
        count = pd.to_numeric(records["count"], errors="raise").astype("float64").to_numpy(na_value=np.nan)
    unit, unit_media = _sighting_units(records, media)
    d_codes = d_names = None
    if by == "locationID" and "deploymentID" in records.columns:
        d_codes, d_names = (
            (parts.dep_codes, parts.dep_ids) if parts.dep_codes is not None else _codes(records["deploymentID"])
        )
    if len(records) == 0:
        none = np.empty(0, np.int64)
        g = _Grouped(
            none, none, none, none, end=none, n_rows=none, count_max=np.empty(0), media_sum=np.empty(0), first_code=none
        )
    else:
        media_known = unit_media is not None and not np.isnan(unit_media).all()
        g = _group(
            keys.codes,
            ts,
            thresholds,
            keys.n_keys,
            compare_to == "last_independent_record",
            aggregate=True,
            te=te,
            count=count,
            media=unit_media if media_known else None,
            codes=d_codes,
        )
        if not media_known:
            g = dataclasses.replace(g, media_sum=np.full(len(g.key), np.nan))
    cmax, n_media = g.count_max, g.media_sum
    if unit is not None and count is not None:
        cmax, n_media = _summarise_units(g.event, unit, count, unit_media, len(g.key), cmax, n_media)
    return _Events(g, cmax, n_media, d_names)


def _event_table(
    records: pd.DataFrame,
    events: _Events,
    keys: _Keys,
    by: str,
    cameras_independent: bool,
    individual: bool,
) -> pd.DataFrame:
    """The output table: one row per event, its key decoded into station, camera, species, individual columns."""
    g = events.grouped
    nevents = len(g.key)
    decoded = keys.decode(g.key)
    names_of = {name: names for name, _, names in keys.parts}

    def column(name: str) -> pd.Categorical:
        return _categorical(decoded[name], names_of[name])

    cols: dict[str, object] = {"event": np.arange(nevents, dtype=np.int64), by: column(by)}
    if by == "locationID" and "deploymentID" in records.columns:
        # deployment of the event's first record (ties at the start: the smallest deploymentID)
        cols["deploymentID"] = _categorical(g.first_code, events.deployment_names)
    if cameras_independent and by == "locationID":
        cols["cameraID"] = column("cameraID")
    cols["scientificName"] = column("scientificName")
    if individual:
        cols["individualID"] = column("individualID")
    cols["eventStart"] = _utc_times(g.start)
    cols["eventEnd"] = _utc_times(g.end)
    cols["delta_time"] = pd.Series(g.delta.view("timedelta64[ns]"), copy=False).array
    cols["n_observations"] = g.n_rows
    cols["n_media"] = _int_or_na(events.n_media)
    cols["count"] = _int_or_na(events.count_max)
    if "individualID" in records.columns:
        cols["n_individuals"], cols["individualIDs"] = _individuals(records, g.event, nevents)
    return pd.DataFrame(cols, copy=False)


def _individuals(records: pd.DataFrame, event: np.ndarray, nevents: int) -> tuple[np.ndarray, pd.Series]:
    """Number and comma-separated list of distinct identified individuals per event."""
    n_ind = np.zeros(nevents, np.int64)
    ids = pd.Series(pd.NA, index=np.arange(nevents), dtype="string")
    if "individualID" not in records.columns or nevents == 0:
        return n_ind, ids.to_numpy()
    ind = records["individualID"]
    has = ind.notna().to_numpy()
    if not has.any():
        return n_ind, ids.to_numpy()
    pairs = pd.DataFrame({"e": event[has], "i": ind.to_numpy()[has].astype(str)}).drop_duplicates()
    grouped = pairs.sort_values(["e", "i"]).groupby("e")["i"]
    joined = grouped.agg(", ".join)
    counts = grouped.size()
    n_ind[counts.index.to_numpy()] = counts.to_numpy()
    ids.iloc[joined.index.to_numpy()] = joined.to_numpy()
    return n_ind, ids.to_numpy()
