"""From a camera-trap study to SECR: capture histories, detector usage, habitat masks, truth.

The steps a field analyst takes between a Camtrap DP package with identified individuals
and ``secr.fit``:

1. :func:`recording_gaps` -- periods in which deployed cameras were not recording (dead
   batteries, full cards, lost memory cards, clocks that cannot be trusted), read from the
   media, as the ``problems`` of :func:`nbtools.effort.camera_operation`;
2. :func:`capthist_from_study` -- independent events of identified adults
   (:func:`nbtools.events.independent_events`), the K x S usage from the camera-operation
   matrix (:func:`nbtools.indices.spatial_capture_history`), detectors at the stations' x/y,
   sex from the individuals table; every record set aside is listed with its reason;
3. :func:`suspect_identifications` -- an optional screen for detections far from all of an
   individual's other detections (likely misidentifications);
4. :func:`mask_from_study` -- a habitat mask from the habitat rasters (land only) and the
   study boundary, with covariates for density models;
5. :func:`simulated_truth` and :func:`truth_comparison` -- for simulated studies
   (:mod:`nbtools.simulate`), what the estimates should be.

>>> from nbtools.catalog import open_catalog                                  # doctest: +SKIP
>>> from nbtools.study import Study                                           # doctest: +SKIP
>>> from nbtools import secr                                                  # doctest: +SKIP
>>> study = Study.from_catalog(open_catalog("leopard"))                       # doctest: +SKIP
>>> ch = secr.capthist_from_study(study, deployment_groups="array:grid",
...                               max_gap_m=10_000)                          # doctest: +SKIP
>>> mask = secr.mask_from_study(study, ch)                                    # doctest: +SKIP
>>> fit = secr.secr_fit(ch, mask=mask, detectfn="HHN", group="sex")           # doctest: +SKIP
>>> fit.region_n("in_park", detected="posterior")                             # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from nbtools._deprecate import renamed_parameters

from .capthist import CaptureHistory
from .mask import Mask, make_mask
from .result import SECRFit
from .start import _rpsv_counts, rpsv

if TYPE_CHECKING:
    from nbtools.study import Study

__all__ = [
    "DEFAULT_SPECIES",
    "capthist_from_study",
    "capture_summary",
    "mask_from_study",
    "recording_gaps",
    "simulated_truth",
    "suggest_buffer",
    "suspect_identifications",
    "truth_comparison",
]

#: The species of the default study.
DEFAULT_SPECIES = "Panthera pardus orientalis"

# reasons a record is set aside (the indices module adds its own for records outside operation)
NOT_IDENTIFIED = "not identified (no individualID: e.g. a single flank that could not be matched)"
NOT_ADULT = "identified, but not an adult (lifeStage of the individual)"
SUSPECT = "suspect identification (far from all other detections of the individual)"
NOT_IN_ARRAY = "at a deployment outside the detector array (deployment_groups)"


# ------------------------------------------------------------------------------ camera effort
def recording_gaps(
    deployments: pd.DataFrame,
    media: pd.DataFrame,
    min_gap: str | pd.Timedelta = "1D",
) -> pd.DataFrame:
    """Periods in which deployed cameras were not recording, read from their media.

    A camera whose batteries died or whose card filled stays deployed until the next
    service visit but records nothing; camtrapR users enter such periods by hand as
    problems (``cameraOperation(..., hasProblems = TRUE)``). Here they are read from the
    media, for :func:`nbtools.effort.camera_operation` (``problems=``):

    * ``no media``: a deployment without any media (a stolen camera whose card was lost)
      recorded nothing that can be used: the whole deployment;
    * ``timestampIssues``: the deployment's clock cannot be trusted (Camtrap DP
      ``timestampIssues = true``), so its records cannot be placed in time: the whole
      deployment;
    * ``stopped recording``: the last medium is more than ``min_gap`` before
      ``deploymentEnd``: from the last medium to the end.

    Parameters
    ----------
    deployments : pandas.DataFrame
        Camtrap DP deployments (``deploymentID``, ``deploymentStart``, ``deploymentEnd``,
        optionally ``timestampIssues``).
    media : pandas.DataFrame
        Camtrap DP media (``deploymentID``, ``timestamp``).
    min_gap : str or Timedelta, default "1D"
        Shortest silence before retrieval read as a stopped camera.

    Returns
    -------
    pandas.DataFrame
        ``deploymentID``, ``start``, ``end`` (UTC) and ``reason``, one row per period.

    Notes
    -----
    Assumes, as is usual, that the field team's service visit triggers the camera (set-up
    and retrieval images), so a working camera's last medium is close to its
    ``deploymentEnd``. A camera that broke (or was knocked over) at an unknown time is
    counted as working until its last medium, as camtrapR users do.

    Examples
    --------
    >>> import pandas as pd
    >>> dep = pd.DataFrame({"deploymentID": ["a", "b"],
    ...     "deploymentStart": pd.to_datetime(["2024-01-01", "2024-01-01"], utc=True),
    ...     "deploymentEnd": pd.to_datetime(["2024-02-01", "2024-02-01"], utc=True)})
    >>> media = pd.DataFrame({"deploymentID": ["a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-10"], utc=True)})
    >>> recording_gaps(dep, media)[["deploymentID", "reason"]].to_numpy().tolist()
    [['b', 'stopped recording']]
    """
    for col in ("deploymentID", "deploymentStart", "deploymentEnd"):
        if col not in deployments.columns:
            raise ValueError(f"deployments have no {col!r} column")
    for col in ("deploymentID", "timestamp"):
        if col not in media.columns:
            raise ValueError(f"media have no {col!r} column")
    gap = pd.Timedelta(min_gap)
    ids = deployments["deploymentID"].astype("object")
    last = media.groupby(media["deploymentID"].astype("object"), observed=True)["timestamp"].max()
    last = last.reindex(ids.to_numpy())
    start = deployments["deploymentStart"].to_numpy()
    end = deployments["deploymentEnd"].to_numpy()
    last_v = last.to_numpy()
    clock = (
        deployments["timestampIssues"].fillna(False).astype(bool).to_numpy()
        if "timestampIssues" in deployments.columns
        else np.zeros(len(deployments), bool)
    )
    no_media = last.isna().to_numpy()
    rows = []
    for i, dep_id in enumerate(ids):
        if no_media[i]:
            rows.append((dep_id, start[i], end[i], "no media"))
        elif clock[i]:
            rows.append((dep_id, start[i], end[i], "timestampIssues"))
        elif end[i] - last_v[i] > gap:
            rows.append((dep_id, last_v[i], end[i], "stopped recording"))
    out = pd.DataFrame(rows, columns=["deploymentID", "start", "end", "reason"])
    for col in ("start", "end"):
        out[col] = pd.to_datetime(out[col], utc=True)
    return out


# ------------------------------------------------------------------------------ screening
def suspect_identifications(
    events: pd.DataFrame,
    traps: pd.DataFrame,
    max_gap_m: float,
    station_col: str = "locationID",
) -> np.ndarray:
    """Flag detections far from all of an individual's other detections (likely misidentified).

    For each individual, its detections are linked when their stations are at most
    ``max_gap_m`` apart, and linked detections form clusters (single linkage). Detections
    outside the individual's largest cluster are flagged. When two or more clusters tie
    for the largest, nothing of that individual is flagged (which is right cannot be told).

    A misidentified photograph puts an individual where another one lives; under a
    half-normal detection model one such detection tens of kilometres away inflates
    sigma for every animal. A true move of a resident cannot skip a whole gap of
    ``max_gap_m`` without being detected in between when the array is dense, so a
    threshold of about 3 x the largest plausible sigma (and several detector spacings)
    flags misidentifications and keeps real movements. Flagged detections should go back
    to the photo-identification team.

    Parameters
    ----------
    events : pandas.DataFrame
        Detections with ``individualID`` and the station column.
    traps : pandas.DataFrame
        Stations: index = station ID, columns ``x``, ``y`` (m).
    max_gap_m : float
        Linkage distance (m).
    station_col : str, default "locationID"
        Column of ``events`` with the station ID.

    Returns
    -------
    numpy.ndarray of bool
        True for suspect detections, in the order of ``events``.

    Examples
    --------
    >>> import pandas as pd
    >>> traps = pd.DataFrame({"x": [0.0, 3000.0, 40000.0], "y": [0.0, 0.0, 0.0]}, index=["A", "B", "C"])
    >>> ev = pd.DataFrame({"individualID": ["L1"] * 4, "locationID": ["A", "B", "A", "C"]})
    >>> suspect_identifications(ev, traps, max_gap_m=10_000).tolist()
    [False, False, False, True]
    """
    if not np.isfinite(max_gap_m) or max_gap_m <= 0:
        raise ValueError(f"max_gap_m must be a positive number of metres, got {max_gap_m!r}")
    for col in ("individualID", station_col):
        if col not in events.columns:
            raise ValueError(f"events have no {col!r} column")
    station = events[station_col].astype("object").astype(str).to_numpy()
    missing = sorted(set(station) - set(traps.index.astype(str)))
    if missing:
        raise ValueError(f"events at stations missing from traps: {missing[:10]}")
    xy_of = traps[["x", "y"]].set_axis(traps.index.astype(str)).loc[station].to_numpy(float)
    ids = events["individualID"].astype("object").to_numpy()
    flag = np.zeros(len(events), bool)
    valid = pd.notna(ids)
    for ind in pd.unique(ids[valid]):
        rows = np.flatnonzero(valid & (ids == ind))
        if len(rows) < 2:
            continue
        xy = xy_of[rows]
        d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
        n_clusters, label = connected_components(d2 <= max_gap_m**2, directed=False)
        if n_clusters == 1:
            continue
        size = np.bincount(label)
        if (size == size.max()).sum() > 1:
            continue
        flag[rows[label != size.argmax()]] = True
    return flag


# ------------------------------------------------------------------------------ capture histories
def _stations(deployments: pd.DataFrame, by: str) -> pd.DataFrame:
    traps = deployments.groupby(deployments[by].astype("object").astype(str), observed=True)[["x", "y"]].mean()
    traps.index.name = "trapID"
    return traps


def _event_records(events: pd.DataFrame, by: str, reason: str) -> pd.DataFrame:
    cols = [c for c in (by, "scientificName", "individualID", "eventStart") if c in events.columns]
    out = events[cols].copy()
    for col in (by, "scientificName", "individualID"):
        if col in out.columns:
            out[col] = out[col].astype("object")
    out["reason"] = reason
    return out


def capthist_from_study(
    study: Study,
    species: str = DEFAULT_SPECIES,
    occasion_length: int = 1,
    detector: Literal["count", "proximity"] = "count",
    by: Literal["locationID", "deploymentID"] = "locationID",
    *,
    threshold: str | pd.Timedelta = "30min",
    life_stage: str | Sequence[str] | None = "adult",
    deployment_groups: str | None = None,
    problems: Literal["media"] | pd.DataFrame | None = "media",
    max_gap_m: float | None = None,
    day1: str | pd.Timestamp = "survey",
) -> CaptureHistory:
    """Spatial capture history of the identified animals of one species in a study, for SECR.

    Parameters
    ----------
    study : nbtools.study.Study
        A study with ``individualID`` in its observations (and ideally an ``individuals``
        table with ``sex`` and ``lifeStage``), deployments with ``x``/``y`` (m) and media.
    species : str, default "Panthera pardus orientalis"
        ``scientificName`` of the identified species.
    occasion_length : int, default 1
        Days per occasion. With count detectors the likelihood depends on the total
        counts and usage per detector only, so the occasion length matters little; with
        proximity detectors it sets what counts as one detection.
    detector : {"count", "proximity"}, default "count"
        Numbers of independent events per occasion (Poisson) or 0/1 per occasion.
    by : {"locationID", "deploymentID"}, default "locationID"
        What a detector is: a camera station (all cameras of a location pooled: usage is
        the fraction of each day at least one camera recorded) or a single deployment.
    threshold : str or Timedelta, default "30min"
        Independence threshold between events of one individual at one station
        (:func:`nbtools.events.independent_events`).
    life_stage : str, sequence or None, default "adult"
        Keep individuals of these ``lifeStage`` values (from the individuals table, else
        the observations; individuals whose life stage is unknown are kept); None keeps
        all. Cubs move with their mothers, so they are not independent animals with their
        own activity centres.
    deployment_groups : str, optional
        Keep only deployments whose ``deploymentGroups`` contain this text (for example
        ``"array:grid"`` leaves out a den camera that is not part of the detector array).
    problems : "media", DataFrame or None, default "media"
        Periods in which cameras did not record: ``"media"`` reads them from the media
        (:func:`recording_gaps`); a DataFrame is passed to
        :func:`nbtools.effort.camera_operation`; None uses the deployment times only.
    max_gap_m : float, optional
        Set aside detections that :func:`suspect_identifications` flags with this
        linkage distance (m). Default: keep every detection.
    day1 : "survey" or date, default "survey"
        First day of the first occasion (:func:`nbtools.indices.spatial_capture_history`).

    Returns
    -------
    CaptureHistory
        ``counts`` (animals x occasions x detectors), ``traps`` (station ``x``, ``y`` in m,
        index the station IDs), ``usage`` (detectors x occasions: days of operation, 0
        where no camera recorded, so failed cameras count as not working), ``covariates``
        with ``sex`` and ``lifeStage`` (``sex`` can be the ``group`` of
        :func:`nbtools.secr.secr_fit`), ``dropped`` (every record set aside, with its
        reason: not identified, not an adult, suspect identification, outside camera
        operation) and ``details`` (``species``, ``occasion_length``, ``by``,
        ``threshold``, ``problems``, ``operation``, ``occasion_start``, ``events``: the
        events used, with the station, individual and time, for plots of movements).

    Notes
    -----
    Records outside the detector array, of other species and non-animal observations are
    not listed in ``dropped``. Unidentified records are grouped into independent events
    (per station, species and ``lifeStage``) before they are counted, so ``dropped``
    counts events, like the rest of the history.

    References
    ----------
    Efford, M. G. (2025) secr 5.3.0, ``make.capthist`` and ``usage``.
    https://CRAN.R-project.org/package=secr

    Niedballa, J. et al. (2016) camtrapR: an R package for efficient camera trap data
    management. *Methods in Ecology and Evolution* 7, 1457-1462.
    https://doi.org/10.1111/2041-210X.12600
    """
    from nbtools.effort import camera_operation
    from nbtools.events import independent_events, select_records

    if detector not in ("count", "proximity"):
        raise ValueError(f"detector must be 'count' or 'proximity', got {detector!r}")
    if by not in ("locationID", "deploymentID"):
        raise ValueError(f"by must be 'locationID' or 'deploymentID', got {by!r}")
    deployments = _array_deployments(study, deployment_groups)
    problem_table = _problem_table(study, deployments, problems)
    operation = camera_operation(
        deployments, by=by, problems=problem_table if len(problem_table) else None, timezone=study.timezone
    )

    # records of the species: the observation level is chosen per deployment over all species
    # (select_records), so machine-made media-level rows never double an event-level record
    kept_deps = set(deployments["deploymentID"].astype("object"))
    at_kept = study.observations[study.observations["deploymentID"].astype("object").isin(kept_deps).to_numpy()]
    records = select_records(at_kept)
    sp = records[(records["scientificName"].astype("object") == species).to_numpy()]
    if len(sp) == 0:
        raise ValueError(f"no observations of {species!r} at the kept deployments")
    identified = sp["individualID"].notna().to_numpy()
    dropped = _unidentified_events(sp[~identified], threshold, by, deployments)
    if not identified.any():
        raise ValueError(f"no observation of {species!r} has an individualID")
    events = independent_events(sp[identified], threshold, by=by, deployments=deployments, individual=True)
    events = events.assign(individualID=events["individualID"].astype("object").astype(str))
    info = _individual_info(study, events, sp[identified])
    events = _keep_life_stages(events, info, life_stage, by, dropped)
    if len(events) == 0:
        raise ValueError(f"no identified {species!r} records are left (life_stage={life_stage!r})")

    traps = _stations(deployments, by).loc[operation.index.astype(str)]
    sch, events = _count_detections(
        events, operation, traps, species, occasion_length, day1, detector, by, max_gap_m, dropped
    )
    outside = sch.records[~sch.records["counted"].to_numpy()]
    if len(outside):
        dropped.append(_outside_operation(outside))
    used = sch.records[sch.records["counted"].to_numpy()].drop(columns=["counted", "reason"])

    ids = pd.Index([str(i) for i in sch.individuals], name="ID")
    covariates = info.reindex(ids)[["sex", "lifeStage"]]
    covariates.index.name = "ID"
    return CaptureHistory(
        counts=np.rint(sch.counts).astype(np.int64),
        traps=traps.loc[sch.traps.astype(str)],
        detector=detector,
        usage=sch.usage.to_numpy(float),
        ids=ids,
        covariates=covariates,
        session=species,
        dropped=_dropped_table(dropped, by),
        details={
            "species": species,
            "occasion_length": int(occasion_length),
            "by": by,
            "threshold": str(threshold),
            "problems": problem_table.reset_index(drop=True),
            "operation": operation,
            "occasion_start": sch.occasion_start,
            "events": used.reset_index(drop=True),
        },
    )


def _array_deployments(study: Study, deployment_groups: str | None) -> pd.DataFrame:
    """The study's deployments that form the detector array (checked for x/y and identifications)."""
    deployments = study.deployments
    if not {"x", "y"} <= set(deployments.columns):
        raise ValueError(
            "the study's deployments have no x/y (m); build the study with Study.from_tables or from_catalog"
        )
    if "individualID" not in study.observations.columns:
        raise ValueError("the study's observations have no 'individualID' column: no individuals were identified")
    if deployment_groups is None:
        return deployments
    if "deploymentGroups" not in deployments.columns:
        raise ValueError("deployment_groups given but the deployments have no 'deploymentGroups' column")
    keep = deployments["deploymentGroups"].astype("string").str.contains(deployment_groups, regex=False)
    deployments = deployments[keep.fillna(False).to_numpy(bool)]
    if len(deployments) == 0:
        raise ValueError(f"no deployment has {deployment_groups!r} in its deploymentGroups")
    return deployments


def _problem_table(study: Study, deployments: pd.DataFrame, problems: Any) -> pd.DataFrame:
    """Periods without recording at the kept deployments (``problems`` of camera_operation)."""
    if isinstance(problems, str):
        if problems != "media":
            raise ValueError(f"problems must be 'media', a DataFrame or None, got {problems!r}")
        table = recording_gaps(deployments, study.media)
    elif problems is None:
        table = pd.DataFrame(columns=["deploymentID", "start", "end"])
    else:
        table = problems
    kept = set(deployments["deploymentID"].astype("object"))
    return table[table["deploymentID"].astype("object").isin(kept)]


def _unidentified_events(
    unidentified: pd.DataFrame, threshold: Any, by: str, deployments: pd.DataFrame
) -> list[pd.DataFrame]:
    """Independent events of the records without an individualID (per life stage), as dropped records."""
    from nbtools.events import independent_events

    dropped: list[pd.DataFrame] = []
    if not len(unidentified):
        return dropped
    if "lifeStage" in unidentified.columns:
        stage_of = unidentified["lifeStage"].astype("object").fillna("unknown")
        groups = list(unidentified.groupby(stage_of.to_numpy()))
    else:
        groups = [("unknown", unidentified)]
    for stage, rows in groups:
        ev_u = independent_events(rows, threshold, by=by, deployments=deployments)
        reason = NOT_IDENTIFIED if stage == "adult" else f"not identified ({stage})"
        dropped.append(_event_records(ev_u, by, reason))
    return dropped


def _individual_info(study: Study, events: pd.DataFrame, identified: pd.DataFrame) -> pd.DataFrame:
    """Sex and life stage of each individual: the individuals table, else the commonest value observed."""
    ind_ids = pd.Index(sorted(events["individualID"].unique()))
    info = pd.DataFrame(index=ind_ids, columns=["sex", "lifeStage"], dtype=object)
    table = study.individuals
    if table is not None and "individualID" in table.columns:
        tab = table.assign(individualID=table["individualID"].astype("object").astype(str)).drop_duplicates(
            "individualID"
        )
        tab = tab.set_index("individualID")
        for col in ("sex", "lifeStage"):
            if col in tab.columns:
                info[col] = tab[col].astype("object").reindex(ind_ids).to_numpy()
    for col in ("sex", "lifeStage"):  # fall back on the observations
        if col in identified.columns and info[col].isna().any():
            obs_val = (
                identified.assign(individualID=identified["individualID"].astype("object").astype(str))
                .dropna(subset=[col])
                .groupby("individualID")[col]
                .agg(lambda v: v.astype("object").mode().iloc[0])
            )
            info[col] = info[col].fillna(obs_val.reindex(ind_ids).astype(object))
    return info.astype(object).where(info.notna(), None)


def _keep_life_stages(
    events: pd.DataFrame, info: pd.DataFrame, life_stage: Any, by: str, dropped: list[pd.DataFrame]
) -> pd.DataFrame:
    """Events of individuals with a kept (or unknown) life stage; the others are appended to ``dropped``."""
    if life_stage is None:
        return events
    stages = [life_stage] if isinstance(life_stage, str) else list(life_stage)
    wrong = info["lifeStage"].notna() & ~info["lifeStage"].isin(stages)  # unknown life stages are kept
    bad = events["individualID"].isin(info.index[wrong]).to_numpy()
    if bad.any():
        dropped.append(_event_records(events[bad], by, NOT_ADULT if stages == ["adult"] else "lifeStage not kept"))
        events = events[~bad]
    return events


def _count_detections(
    events: pd.DataFrame,
    operation: pd.DataFrame,
    traps: pd.DataFrame,
    species: str,
    occasion_length: int,
    day1: Any,
    detector: str,
    by: str,
    max_gap_m: float | None,
    dropped: list[pd.DataFrame],
) -> tuple[Any, pd.DataFrame]:
    """The spatial capture history of the events, after the optional screen of suspect identifications."""
    from nbtools.indices import spatial_capture_history

    output = "count" if detector == "count" else "binary"

    def history(ev: pd.DataFrame) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # reported in .dropped instead
            return spatial_capture_history(ev, operation, species, occasion_length, day1, output=output)

    sch = history(events)
    if max_gap_m is not None:  # screen the detections that count (inside camera operation)
        counted = sch.records["counted"].to_numpy(bool)
        suspect = np.zeros(len(events), bool)
        suspect[counted] = suspect_identifications(events[counted], traps, max_gap_m, station_col=by)
        if suspect.any():
            dropped.append(_event_records(events[suspect], by, SUSPECT))
            events = events[~suspect]
            sch = history(events)
    return sch, events


def _outside_operation(outside: pd.DataFrame) -> pd.DataFrame:
    """Records outside camera operation, as dropped records (object columns, like the others)."""
    rec = outside.drop(columns=["occasion", "counted"])
    for col in rec.columns:
        if col != "eventStart" and col != "reason":
            rec[col] = rec[col].astype("object")
    rec["reason"] = rec["reason"].astype(object)
    return rec


def _dropped_table(dropped: list[pd.DataFrame], by: str) -> pd.DataFrame:
    """Every record set aside, one table with its reason."""
    columns = [by, "scientificName", "individualID", "eventStart", "reason"]
    table = (
        pd.concat([d.reindex(columns=columns) for d in dropped], ignore_index=True)
        if dropped
        else pd.DataFrame(columns=columns)
    )
    table["reason"] = table["reason"].astype("string")
    return table


def capture_summary(capthist: CaptureHistory, group: str | None = "sex") -> pd.Series:
    """A one-column overview of a capture history: effort, animals, detections, records set aside.

    Parameters
    ----------
    capthist : CaptureHistory
        Usually from :func:`capthist_from_study` (recording gaps and records set aside are then
        included).
    group : str, optional
        Individual covariate to count animals by (default ``sex``).

    Returns
    -------
    pandas.Series
        Named ``value``; entries are numbers (int or float) with descriptive labels.
    """
    usage = np.ones((capthist.ntraps, capthist.noccasions)) if capthist.usage is None else capthist.usage
    out: dict[str, Any] = {
        "detectors": capthist.ntraps,
        "occasions": capthist.noccasions,
        "detector-occasions used (usage > 0)": int((usage > 0).sum()),
        "effort (sum of usage, e.g. station-days)": round(float(usage.sum()), 1),
    }
    problems = capthist.details.get("problems") if capthist.details else None
    if problems is not None and len(problems) and "reason" in problems.columns:
        for reason, count in problems.groupby("reason")["deploymentID"].nunique().items():
            out[f"deployments not recording: {reason}"] = int(count)
    out["animals"] = capthist.n
    if group is not None and group in capthist.covariates.columns:
        for value, count in capthist.covariates[group].astype(object).fillna("unknown").value_counts().items():
            out[f"animals: {group} {value}"] = int(count)
    out["detections"] = capthist.detections
    out["detectors with detections"] = int((capthist.counts.sum(axis=(0, 1)) > 0).sum())
    out["animals detected at 2 or more detectors"] = int(((capthist.counts.sum(axis=1) > 0).sum(axis=1) >= 2).sum())
    out["records set aside"] = len(capthist.dropped)
    return pd.Series(out, name="value", dtype=object)


# ------------------------------------------------------------------------------ masks
def suggest_buffer(capthist: CaptureHistory, multiple: float = 3.0, group: str | None = "sex") -> float:
    """A mask buffer (m): ``multiple`` x the largest starting sigma of the groups.

    The starting sigma of a group is 1.2 x its root pooled spatial variance (secr's
    ``autoini``, :func:`nbtools.secr.rpsv`); with sex-specific ranges the buffer follows
    the wider-ranging sex (males for leopards). Rounded up to 500 m.

    Parameters
    ----------
    capthist : CaptureHistory
    multiple : float, default 3
        Buffer in units of sigma (secr's ``suggest.buffer`` gives about 3-4 sigma for a
        half-normal detection function).
    group : str, optional
        Individual covariate with the groups; None or a missing column pools all animals.
    """
    sigmas = []
    if group is not None and group in capthist.covariates.columns:
        labels = capthist.covariates[group].to_numpy(object)
        for value in pd.unique(labels[pd.notna(labels)]):
            sub = capthist.counts[labels == value]
            if len(sub) >= 2:
                sigmas.append(_rpsv_counts(sub.sum(axis=1), capthist.traps[["x", "y"]].to_numpy(float)) * 1.2)
    sigmas.append(rpsv(capthist) * 1.2)
    sigma = np.nanmax(sigmas)
    if not np.isfinite(sigma):
        raise ValueError("cannot suggest a buffer without recaptures at different detectors; give buffer")
    return float(np.ceil(multiple * sigma / 500.0) * 500.0)


@renamed_parameters(buffer="buffer_m")
def mask_from_study(
    study: Study,
    capthist: CaptureHistory | pd.DataFrame,
    buffer_m: float | None = None,
    spacing: float = 1000.0,
    covariates: Sequence[str] | None = ("forest_cover", "prey_index"),
    habitat_variable: str | Sequence[str] | None = "land",
    region: str | None = "in_park",
) -> Mask:
    """A habitat mask around the detectors from the study's habitat rasters and boundary.

    Points of a regular grid within ``buffer_m`` of a detector (secr's ``trapbuffer``) that
    fall on habitat (``land``: sea and other non-habitat are left out), with habitat
    covariates for density models and a boolean ``region`` column, true inside the study
    boundary, for :meth:`SECRFit.region_n`.

    Parameters
    ----------
    study : nbtools.study.Study
        The study (``habitat``, a Dataset on the study's projected grid, and
        ``boundary``, a polygon in the same CRS; either may be None).
    capthist : CaptureHistory or DataFrame
        The capture history (its traps) or a detector table with ``x``, ``y`` (m).
    buffer_m : float, optional
        Buffer (m). Default :func:`suggest_buffer` (3 x the larger sex's starting sigma).
    spacing : float, default 1000
        Distance between mask points (m): 1 km is fine for leopards (sigma 2-3.5 km)
        and keeps the likelihood fast.
    covariates : sequence of str, optional
        Habitat variables to attach (nearest 250 m cell); None attaches all.
    habitat_variable : str, sequence or None, default "land"
        Variables marking habitat (see :func:`make_mask`); None keeps every point.
    region : str or None, default "in_park"
        Name of the column marking points inside ``study.boundary`` (exactly, with
        shapely); None or no boundary adds none.

    Returns
    -------
    Mask
    """
    import shapely

    if isinstance(capthist, CaptureHistory):
        traps = capthist.traps
        if buffer_m is None:
            buffer_m = suggest_buffer(capthist)
    else:
        traps = capthist
        if buffer_m is None:
            raise ValueError("give buffer_m (m) with a detector table (or pass the CaptureHistory)")
    habitat = study.habitat
    if habitat is not None:
        if habitat_variable is not None:
            names = [habitat_variable] if isinstance(habitat_variable, str) else list(habitat_variable)
            absent = [v for v in names if v not in habitat.data_vars]
            if absent:
                raise KeyError(f"habitat has no variable(s) {absent}; variables: {sorted(habitat.data_vars)}")
        mask = make_mask(
            traps,
            buffer_m=buffer_m,
            spacing=spacing,
            habitat=habitat,
            habitat_variable=habitat_variable,
            covariates=None if covariates is None else list(covariates),
        )
    else:
        mask = make_mask(traps, buffer_m=buffer_m, spacing=spacing)
    if region is not None and study.boundary is not None:
        inside = shapely.contains_xy(study.boundary, mask.x, mask.y)
        mask = Mask(mask.points.assign(**{region: inside}), mask.spacing, type=mask.type, buffer=mask.buffer)
    return mask


# ------------------------------------------------------------------------------ truth
def simulated_truth(
    truth: Mapping[str, Any],
    mask: Mask,
    species: str = "leopard",
    region: str | None = "in_park",
    cameras_per_station: int | None = None,
) -> pd.DataFrame:
    """What SECR should estimate in a study simulated by :mod:`nbtools.simulate`.

    Parameters
    ----------
    truth : mapping
        The contents of ``truth.json`` (or ``SimulatedStudy.truth``).
    mask : Mask
        The mask of the fit: an activity centre counts as in the mask when it lies in a
        mask cell (within ``spacing / 2`` of a point in x and y); in the region when the
        mask point of its cell is in ``region``. Centres off the mask are in the region
        when the truth says so (``ac_in_park``) and ``region`` is ``"in_park"``.
    species : str, default "leopard"
        Key of the species in the truth (``leopard`` or ``tiger``).
    region : str, optional
        Boolean mask covariate of the region (default ``"in_park"``).
    cameras_per_station : int, optional
        Cameras per station (default the simulation's ``cameras_per_location``).

    Returns
    -------
    pandas.DataFrame
        One row per quantity with columns ``truth`` and ``note``: ``N in mask``,
        ``N in mask (female)``/``(male)``, ``N in region`` (and by sex), ``D per 100 km2``
        (adults in the mask / mask area), ``sigma[female]``, ``sigma[male]`` (m),
        ``lambda0 per camera-day``, ``lambda0 per station-day`` (events of a station with
        all its cameras working: the visit rate lambda0 / p times the chance that at
        least one camera records, p the trigger probability) and ``lambda0 identified``
        (the same for events of correctly identified animals: each camera's record is
        identified with probability 1 - misidentified - unmatched share).

    Notes
    -----
    Cubs are not counted: they have no activity centres of their own.
    """
    params = truth["parameters"]
    ind = pd.DataFrame(truth["individuals"])
    ind = ind[(ind["species"] == species) & ~ind["cub"].astype(bool)]
    if len(ind) == 0:
        raise ValueError(f"the truth has no adult {species!r}")
    ac = ind[["ac_x", "ac_y"]].to_numpy(float)
    # the mask cell of each centre (the mask is a lattice of square cells)
    x0, y0, step = mask.x.min(), mask.y.min(), mask.spacing
    lattice = {
        (int(i), int(j)): k
        for k, (i, j) in enumerate(zip(np.rint((mask.x - x0) / step), np.rint((mask.y - y0) / step), strict=True))
    }
    ci = np.rint((ac[:, 0] - x0) / step).astype(np.int64)
    cj = np.rint((ac[:, 1] - y0) / step).astype(np.int64)
    point = np.array([lattice.get((int(i), int(j)), -1) for i, j in zip(ci, cj, strict=True)], dtype=np.int64)
    in_mask = point >= 0
    sex = ind["sex"].to_numpy(object)
    rows: dict[str, tuple[float, str]] = {}
    area_100km2 = mask.area / 10_000.0
    rows["N in mask"] = (float(in_mask.sum()), f"adult {species}s with activity centres in the mask")
    for s in ("female", "male"):
        rows[f"N in mask ({s})"] = (float((in_mask & (sex == s)).sum()), "")
    if region is not None and region in mask.points.columns:
        flag = np.asarray(mask.points[region].to_numpy(), bool)
        in_region = np.zeros(len(ac), bool)
        in_region[in_mask] = flag[point[in_mask]]
        rows["N in region"] = (float(in_region.sum()), f"adult {species}s with centres in the mask and {region}")
        for s in ("female", "male"):
            rows[f"N in region ({s})"] = (float((in_region & (sex == s)).sum()), "")
    rows["D per 100 km2"] = (float(in_mask.sum()) / area_100km2, "adults in the mask / mask area")
    for s in ("female", "male"):
        value = params.get(f"{species}_sigma_{s}_m")
        if value is not None:
            rows[f"sigma[{s}]"] = (float(value), "m, half-normal")
    lam0 = float(params[f"{species}_lambda0"])
    trig = next(
        (float(sp_["trigger_probability"]) for sp_ in params.get("species", []) if sp_.get("key") == species), None
    )
    cams = int(cameras_per_station or params.get("cameras_per_location", 1))
    rows["lambda0 per camera-day"] = (lam0, "expected records per camera-day at the centre")
    if trig is not None:
        visit = lam0 / trig
        rows["lambda0 per station-day"] = (visit * (1 - (1 - trig) ** cams), f"{cams} cameras working")
        if species == "leopard":
            ok = 1.0 - float(params.get("misidentified_share", 0.0)) - float(params.get("unmatched_share", 0.0))
            rows["lambda0 identified"] = (
                visit * (1 - (1 - trig * ok) ** cams),
                f"{cams} cameras, identified events only",
            )
    return pd.DataFrame(rows, index=["truth", "note"]).T.astype({"truth": float})


def truth_comparison(
    fit: SECRFit,
    truth: pd.DataFrame,
    region: str | None = "in_park",
    lambda0_row: str = "lambda0 identified",
) -> pd.DataFrame:
    """Estimates of a fit beside the truth of a simulated study.

    Parameters
    ----------
    fit : SECRFit
        A fit (any detection function; sigma by ``sex`` or common).
    truth : pandas.DataFrame
        From :func:`simulated_truth`.
    region : str, optional
        The mask covariate of the region for the realised N (posterior method).
    lambda0_row : str, default "lambda0 identified"
        The truth row to compare lambda0 (HHN/HEX fits) with.

    Returns
    -------
    pandas.DataFrame
        Rows ``N in region`` (realised, :meth:`SECRFit.region_n` with
        ``detected="posterior"``), ``N in mask`` (realised), ``D per 100 km2``,
        ``sigma[...]`` and ``lambda0`` as available; columns ``estimate``, ``SE``,
        ``lcl``, ``ucl``, ``truth``, ``ratio`` (estimate / truth) and ``covered`` (the
        interval contains the truth).
    """
    rows: dict[str, dict[str, float]] = {}

    def add(name: str, est: pd.Series, true_name: str, scale: float = 1.0) -> None:
        if true_name not in truth.index:
            return
        rows[name] = {k: float(est[k]) * scale for k in ("estimate", "SE", "lcl", "ucl")}
        rows[name]["truth"] = float(truth.loc[true_name, "truth"])

    if region is not None and region in fit.mask.points.columns:
        add("N in region", fit.region_n(region, detected="posterior").loc["R.N"], "N in region")
    add("N in mask", fit.region_n().loc["R.N"], "N in mask")
    add("D per 100 km2", fit.estimates.loc["D"], "D per 100 km2", 10_000.0)
    for name in fit.estimates.index:
        if name.startswith("sigma"):
            true_name = name if name in truth.index else None
            if true_name is None and name == "sigma":
                continue
            add(name, fit.estimates.loc[name], true_name or name)
        if name.startswith("lambda0"):
            add(name, fit.estimates.loc[name], lambda0_row)
    out = pd.DataFrame(rows).T
    out["ratio"] = out["estimate"] / out["truth"]
    out["covered"] = (out["lcl"] <= out["truth"]) & (out["truth"] <= out["ucl"])
    return out
