"""Upgrade Camtrap DP 0.1.x packages (Agouti exports of 2021-2023) to Camtrap DP 1.0 on reading.

Most Agouti exports made before November 2023 follow Camtrap DP 0.1.6. Their
tables name things differently (``start`` for ``deploymentStart``,
``sequenceID`` for ``eventID``) and use other values (``motion detection`` for
``activityDetection``). The reader maps them to 1.0 before typing them, so
every analysis sees the 1.0 tables it expects. The R package camtrapdp reads
only 1.0.x and upgrades within 1.0 (its ``convert()`` for 0.1.6 is a stub);
the mappings below reverse what camtraptor's ``convert_*_to_0.1.6()`` did to
read 1.0 as 0.1.6, plus the term changes in Camtrap DP's release notes
(0.5: ``baitUse`` boolean, ``deploymentGroups`` for ``session``/``array``,
``featureType`` without ``none``/``other``; 1.0: ``activityDetection``, no
``taxonIDReference``), checked against Agouti's own 1.0 export of the same
test project (``rem-test-20241111152200``).

The functions work on text cells (every cell a ``str``, ``""`` for missing,
indexed by the row number in the file as
:func:`nbtools.camtrapdp.tables.read_text_table` gives them). The row index
never changes, so every problem found later still names the row of the 0.1.x
file on disk. A 1.0 column already present in a file wins: the 0.1.x column
it would replace is then kept as it is. Columns 1.0 does not know
(``_id``, ``taxonID``, ``countNew``, media ``sequenceID``, ...) are kept as
extra text columns. Values not in the tables below are passed on unchanged, so
the 1.0 schema reports them (with file, row and field) instead of the upgrade
hiding them.

Mappings
--------

Package (``datapackage.json``):

| 0.1.x | 1.0 |
| --- | --- |
| ``profile`` ``.../camtrap-dp/0.1.6/camtrap-dp-profile.json`` | the bundled 1.0.2 profile URL |
| core resources' ``schema`` (0.1.x URL or inline 0.1.x schema) | the bundled 1.0.2 table schema URL |
| ``project.captureMethod`` ``motion detection`` / ``motionDetection`` | ``activityDetection`` |
| ``project.captureMethod`` ``time lapse`` | ``timeLapse`` |
| ``project.animalTypes`` with ``marked`` | ``project.individualAnimals`` ``true`` |
| ``project.animalTypes`` without ``marked`` (``["unmarked"]``) | ``project.individualAnimals`` ``false`` |
| ``project.classificationLevel`` ``sequence`` | ``project.observationLevel`` ``["event"]`` |
| ``project.classificationLevel`` ``media`` | ``project.observationLevel`` ``["media"]`` |
| ``contributors[].role`` ``author`` / ``maintainer`` / ``wrangler`` | ``contributor`` (as Agouti's 1.0 export does for its admins) |
| ``contributors[].role`` ``publisher``, ``contributor`` | unchanged |
| ``rightsHolder`` (text) | a contributor with role ``rightsHolder`` (unless one has that title) |
| ``platform`` (``title``, ``path``) and no ``sources`` | ``sources`` ``[{title, path}]`` (``platform`` kept) |
| ``taxonomic[].taxonIDReference`` | dropped (deleted in 1.0) |
| ``taxonomic[].vernacularNames`` key ``en``, ``nl``, ... (ISO 639-1) | ``eng``, ``nld``, ... (ISO 639-2/T; the 183 current codes) |
| ``project.sequenceInterval``, ``organizations``, ``platform`` | kept (1.0 allows extra properties) |

Deployments:

| 0.1.x | 1.0 |
| --- | --- |
| ``start``, ``end`` | ``deploymentStart``, ``deploymentEnd`` |
| ``cameraInterval`` (s) | ``cameraDelay`` (s) |
| ``tags``, ``comments`` | ``deploymentTags``, ``deploymentComments`` |
| ``session`` ``S``, ``array`` ``A`` | ``deploymentGroups`` ``session:S \\| array:A`` (both columns dropped) |
| ``baitUse`` ``none`` | ``baitUse`` ``false`` |
| ``baitUse`` ``scent`` / ``food`` / ``visual`` / ``acoustic`` / ``other`` | ``baitUse`` ``true`` and ``bait:<value>`` added to ``deploymentTags`` |
| ``featureType`` ``road paved``, ``road dirt``, ``trail hiking``, ``trail game``, ``road underpass``, ``road overpass``, ``road bridge``, ``nest site``, ``water source``, ``fruiting tree`` | ``roadPaved``, ``roadDirt``, ``trailHiking``, ``trailGame``, ``roadUnderpass``, ``roadOverpass``, ``roadBridge``, ``nestSite``, ``waterSource``, ``fruitingTree`` |
| ``featureType`` ``none`` | empty |
| ``featureType`` ``other`` | empty, and ``featureType:other`` added to ``deploymentTags`` |

Media:

| 0.1.x | 1.0 |
| --- | --- |
| ``captureMethod`` ``motion detection`` / ``motionDetection`` | ``activityDetection`` |
| ``captureMethod`` ``time lapse`` | ``timeLapse`` |
| ``favourite`` | ``favorite`` |
| ``comments`` | ``mediaComments`` |
| (none) | ``filePublic`` stays missing: its ``missing-label`` error becomes a warning, 0.1.x has no such term |

Observations:

| 0.1.x | 1.0 |
| --- | --- |
| ``sequenceID`` | ``eventID`` |
| ``mediaID`` given / empty | ``observationLevel`` ``media`` / ``event`` |
| event level: ``timestamp`` and the media of its sequence | ``eventStart``, ``eventEnd``: the earliest and latest media ``timestamp`` with that ``sequenceID`` (as written, offset kept); the observation's own ``timestamp`` when the sequence has no media |
| media level: ``timestamp`` | ``eventStart`` = ``eventEnd`` = ``timestamp`` |
| ``cameraSetup`` ``true`` / ``false`` | ``cameraSetupType`` ``setup`` / empty |
| ``lifeStage`` ``offspring`` | ``juvenile`` |
| ``lifeStage`` ``unknown``, ``sex`` ``unknown`` | empty (1.0 leaves unknown values empty) |
| ``behaviour`` | ``behavior`` |
| ``classificationConfidence`` | ``classificationProbability`` |
| ``comments`` | ``observationComments`` |
| ``speed`` (m/s) | ``individualSpeed`` (m/s) |
| ``radius`` (m) | ``individualPositionRadius`` (m) |
| ``angle`` | ``individualPositionAngle``, values unchanged |
| ``timestamp`` | dropped once ``eventStart``/``eventEnd`` are made from it |
| ``observationType``, ``classificationMethod``, ``count``, ``scientificName``, ... | unchanged (the same terms and values in both) |

``speed``, ``radius`` and ``angle`` are Agouti's additions to 0.1.6 for the
random encounter model. Camtrap DP 1.0 defines ``individualPositionAngle`` in
degrees; Agouti writes the same numbers, which are radians (``0.0557904356``
in both its 0.1.6 and its 1.0 export of the REM test project), so the values
are passed on unchanged, not converted: a conversion would make an upgraded
package disagree with Agouti's own 1.0 export.

Validation of an upgraded package
---------------------------------
The files on disk are 0.1.x, so they are not checked as they stand against the
1.0 table schemas (every renamed column would be a missing or extra label).
Instead the upgraded text cells are checked against the 1.0 table schemas
(:func:`check_upgraded_table`; problems name the file and row on disk, the 1.0
field, and the 0.1.x column it came from), and the upgraded descriptor is
checked against the 1.0 profile (:func:`check_upgraded_descriptor`), its
problems reported as warnings prefixed ``after the upgrade from 0.1.x to
1.0``: they are mostly properties 0.1.x did not require (``samplingDesign``)
and nothing in the tables depends on them. Rows set aside, parse errors and
our cross-table rules apply as for any package.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from .report import ValidationReport
from .schemas import CORE_TABLES, PROFILE_URL, schema_url, version_from_url

#: File name of the package descriptor (as in :mod:`nbtools.camtrapdp.validate`).
DESCRIPTOR = "datapackage.json"

#: Check name of the report entry saying a package was upgraded.
UPGRADE_CHECK = "upgrade"

# --- the mappings, as data (each one tested in tests/test_upgrade.py) -------------------------------

#: Column renames per core table (0.1.x name -> 1.0 name).
RENAMES: dict[str, dict[str, str]] = {
    "deployments": {
        "start": "deploymentStart",
        "end": "deploymentEnd",
        "cameraInterval": "cameraDelay",
        "tags": "deploymentTags",
        "comments": "deploymentComments",
    },
    "media": {"favourite": "favorite", "comments": "mediaComments"},
    "observations": {
        "sequenceID": "eventID",
        "behaviour": "behavior",
        "classificationConfidence": "classificationProbability",
        "comments": "observationComments",
        "speed": "individualSpeed",
        "radius": "individualPositionRadius",
        "angle": "individualPositionAngle",
    },
}

#: Capture methods (project metadata and media) -> 1.0 values.
CAPTURE_METHODS = {
    "motion detection": "activityDetection",
    "motionDetection": "activityDetection",
    "time lapse": "timeLapse",
}

#: 0.1.x baitUse values; ``none`` is false, every other one true (the kind goes to deploymentTags).
BAIT_KINDS = ("none", "scent", "food", "visual", "acoustic", "other")

#: 0.1.x featureType values -> 1.0 values ("" = no value).
FEATURE_TYPES = {
    "road paved": "roadPaved",
    "road dirt": "roadDirt",
    "trail hiking": "trailHiking",
    "trail game": "trailGame",
    "road underpass": "roadUnderpass",
    "road overpass": "roadOverpass",
    "road bridge": "roadBridge",
    "nest site": "nestSite",
    "water source": "waterSource",
    "fruiting tree": "fruitingTree",
    "none": "",
    "other": "",
}

#: Observation value maps (0.1.x value -> 1.0 value; "" = no value).
LIFE_STAGES = {"offspring": "juvenile", "unknown": ""}
SEXES = {"unknown": ""}
CAMERA_SETUP = {"true": "setup", "false": ""}  # compared case-insensitively, also 1 / 0

#: Frictionless contributor roles that Camtrap DP 1.0 does not have -> 1.0 role.
CONTRIBUTOR_ROLES = {"author": "contributor", "maintainer": "contributor", "wrangler": "contributor"}

#: project.classificationLevel -> project.observationLevel.
OBSERVATION_LEVELS = {"sequence": ["event"], "media": ["media"]}

#: Fields 1.0 requires that 0.1.x has no term for: their missing column is a warning, not an error.
NEW_REQUIRED_FIELDS = {"media": ("filePublic",)}

#: ISO 639-1 (two letters) -> ISO 639-2/T (three letters), all 183 current codes.
_ISO_639 = """
aa aar ab abk ae ave af afr ak aka am amh an arg ar ara as asm av ava ay aym az aze ba bak be bel bg bul bi bis
bm bam bn ben bo bod br bre bs bos ca cat ce che ch cha co cos cr cre cs ces cu chu cv chv cy cym da dan de deu
dv div dz dzo ee ewe el ell en eng eo epo es spa et est eu eus fa fas ff ful fi fin fj fij fo fao fr fra fy fry
ga gle gd gla gl glg gn grn gu guj gv glv ha hau he heb hi hin ho hmo hr hrv ht hat hu hun hy hye hz her ia ina
id ind ie ile ig ibo ii iii ik ipk io ido is isl it ita iu iku ja jpn jv jav ka kat kg kon ki kik kj kua kk kaz
kl kal km khm kn kan ko kor kr kau ks kas ku kur kv kom kw cor ky kir la lat lb ltz lg lug li lim ln lin lo lao
lt lit lu lub lv lav mg mlg mh mah mi mri mk mkd ml mal mn mon mr mar ms msa mt mlt my mya na nau nb nob nd nde
ne nep ng ndo nl nld nn nno no nor nr nbl nv nav ny nya oc oci oj oji om orm or ori os oss pa pan pi pli pl pol
ps pus pt por qu que rm roh rn run ro ron ru rus rw kin sa san sc srd sd snd se sme sg sag si sin sk slk sl slv
sm smo sn sna so som sq sqi sr srp ss ssw st sot su sun sv swe sw swa ta tam te tel tg tgk th tha ti tir tk tuk
tl tgl tn tsn to ton tr tur ts tso tt tat tw twi ty tah ug uig uk ukr ur urd uz uzb ve ven vi vie vo vol wa wln
wo wol xh xho yi yid yo yor za zha zh zho zu zul
"""
LANGUAGES: dict[str, str] = dict(zip(_ISO_639.split()[0::2], _ISO_639.split()[1::2]))

#: Missing values of the 1.0 table schemas: never mapped.
_MISSING = frozenset({"", "NA", "NaN", "nan"})


# --- which version ------------------------------------------------------------------------------------


def legacy_version(descriptor: dict[str, Any]) -> str | None:
    """The Camtrap DP 0.x version a package descriptor declares, or None for 1.0 and later.

    The descriptor's ``profile`` URL decides; when it names no version, the
    core resources' schema URLs do (a 0.x version in any of them).

    Parameters
    ----------
    descriptor : dict
        The parsed ``datapackage.json``.

    Returns
    -------
    str or None
        ``"0.1.6"`` and the like; None when the package is 1.0 or names no
        version (read as 1.0, as before).

    Examples
    --------
    >>> legacy_version({"profile": "https://raw.githubusercontent.com/tdwg/camtrap-dp/0.1.6/camtrap-dp-profile.json"})
    '0.1.6'
    >>> legacy_version({"profile": "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.1/camtrap-dp-profile.json"}) is None
    True
    """
    urls = [descriptor.get("profile")]
    resources = descriptor.get("resources")
    if isinstance(resources, list):
        urls += [r.get("schema") for r in resources if isinstance(r, dict) and r.get("name") in CORE_TABLES]
    for url in urls:
        version = version_from_url(url) if isinstance(url, str) else None
        if version is not None:  # the first URL that names a version decides
            return version if version.startswith("0.") else None
    return None


# --- the descriptor -----------------------------------------------------------------------------------


def upgrade_descriptor(descriptor: dict[str, Any]) -> dict[str, Any]:
    """The package metadata mapped to Camtrap DP 1.0 (see the module's Mappings).

    Parameters
    ----------
    descriptor : dict
        A Camtrap DP 0.1.x ``datapackage.json``, parsed. Not changed.

    Returns
    -------
    dict
        A new descriptor: profile and core table schemas set to the bundled
        1.0.2 URLs, project, contributors and taxonomic coverage mapped;
        everything else as it was.
    """
    new = copy.deepcopy(descriptor)
    new["profile"] = PROFILE_URL
    resources = new.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict) and resource.get("name") in CORE_TABLES:
            resource["schema"] = schema_url(resource["name"])
    project = new.get("project")
    if isinstance(project, dict):
        new["project"] = _upgrade_project(project)
    contributors = new.get("contributors")
    if isinstance(contributors, list):
        new["contributors"] = [_upgrade_contributor(c) for c in contributors]
    holder = new.pop("rightsHolder", None)
    if isinstance(holder, str) and holder.strip():
        people = new.setdefault("contributors", [])
        if isinstance(people, list) and not any(
            isinstance(c, dict) and c.get("title") == holder and c.get("role") == "rightsHolder" for c in people
        ):
            people.append({"title": holder, "role": "rightsHolder"})
    elif holder is not None:
        new["rightsHolder"] = holder  # not text: left for the profile check to report
    platform = new.get("platform")
    if isinstance(platform, dict) and isinstance(platform.get("title"), str) and not new.get("sources"):
        new["sources"] = [{key: platform[key] for key in ("title", "path") if key in platform}]
    taxonomic = new.get("taxonomic")
    if isinstance(taxonomic, list):
        new["taxonomic"] = [_upgrade_taxon(t) for t in taxonomic]
    return new


def _upgrade_project(project: dict[str, Any]) -> dict[str, Any]:
    project = dict(project)
    methods = project.get("captureMethod")
    if isinstance(methods, list):
        project["captureMethod"] = [CAPTURE_METHODS.get(m, m) if isinstance(m, str) else m for m in methods]
    elif isinstance(methods, str):
        project["captureMethod"] = [CAPTURE_METHODS.get(methods, methods)]
    if "animalTypes" in project and "individualAnimals" not in project:
        types = project.pop("animalTypes")
        types = [types] if isinstance(types, str) else types
        if isinstance(types, list):
            project["individualAnimals"] = "marked" in types
        else:
            project["animalTypes"] = types  # not understood: kept for the profile check to report
    if "classificationLevel" in project and "observationLevel" not in project:
        level = project.pop("classificationLevel")
        if isinstance(level, str) and level in OBSERVATION_LEVELS:
            project["observationLevel"] = list(OBSERVATION_LEVELS[level])
        else:
            project["classificationLevel"] = level
    return project


def _upgrade_contributor(contributor: Any) -> Any:
    if not isinstance(contributor, dict) or not isinstance(contributor.get("role"), str):
        return contributor
    return {**contributor, "role": CONTRIBUTOR_ROLES.get(contributor["role"], contributor["role"])}


def _upgrade_taxon(taxon: Any) -> Any:
    if not isinstance(taxon, dict):
        return taxon
    taxon = {key: value for key, value in taxon.items() if key != "taxonIDReference"}
    names = taxon.get("vernacularNames")
    if isinstance(names, dict):
        taxon["vernacularNames"] = {LANGUAGES.get(key, key): value for key, value in names.items()}
    return taxon


# --- the tables ---------------------------------------------------------------------------------------


def upgrade_tables(cells: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The three core tables' text cells mapped to Camtrap DP 1.0 (see the module's Mappings).

    Parameters
    ----------
    cells : dict of str to pandas.DataFrame
        ``deployments``, ``media`` and ``observations`` as text cells (all
        ``str``, ``""`` for missing), indexed by row number in the file.

    Returns
    -------
    dict of str to pandas.DataFrame
        The same tables with 1.0 column names and values, the same row index
        and ``attrs``; ``attrs["upgraded_columns"]`` maps each 1.0 column made
        from 0.1.x columns to the 0.1.x column(s) it came from.
    """
    sequences = sequence_times(cells["media"]) if "media" in cells else None
    return {name: upgrade_table(name, table, sequences) for name, table in cells.items()}


def upgrade_table(name: str, cells: pd.DataFrame, sequences: pd.DataFrame | None = None) -> pd.DataFrame:
    """One core table's text cells mapped to Camtrap DP 1.0.

    Parameters
    ----------
    name : {"deployments", "media", "observations"}
        The table.
    cells : pandas.DataFrame
        Its text cells, indexed by row number in the file. Not changed.
    sequences : pandas.DataFrame, optional
        For ``observations``: :func:`sequence_times` of the media, to date
        event-level observations by their sequence's media.

    Returns
    -------
    pandas.DataFrame
        The upgraded text cells (see :func:`upgrade_tables`).
    """
    if name not in CORE_TABLES:
        raise KeyError(f"no Camtrap DP core table {name!r}; core tables are {CORE_TABLES}")
    table = cells.copy()
    table.attrs = dict(cells.attrs)
    origin: dict[str, str] = {}
    if name == "deployments":
        _upgrade_deployments(table, origin)
    elif name == "media":
        _map_values(table, "captureMethod", CAPTURE_METHODS)
    else:
        _upgrade_observations(table, origin, sequences)
    renames = {old: new for old, new in RENAMES[name].items() if old in table.columns and new not in table.columns}
    table = table.rename(columns=renames)
    table.attrs = dict(cells.attrs)
    origin.update({new: old for old, new in renames.items()})
    table.attrs["upgraded_columns"] = origin
    return table


def _upgrade_deployments(table: pd.DataFrame, origin: dict[str, str]) -> None:
    tags_column = "tags" if "tags" in table.columns and "deploymentTags" not in table.columns else "deploymentTags"
    extra_tags = pd.Series("", index=table.index, dtype=object)
    if "baitUse" in table.columns:
        bait = table["baitUse"]
        kind = bait.isin(BAIT_KINDS)
        extra_tags = extra_tags.where(~kind | (bait == "none"), "bait:" + bait)
        table["baitUse"] = bait.where(~kind, np.where(bait == "none", "false", "true"))
    if "featureType" in table.columns:
        feature = table["featureType"]
        extra_tags = _join(
            extra_tags, pd.Series(np.where(feature == "other", "featureType:other", ""), index=table.index)
        )
        _map_values(table, "featureType", FEATURE_TYPES)
    if (extra_tags != "").any():
        tags = table[tags_column] if tags_column in table.columns else pd.Series("", index=table.index)
        table[tags_column] = _join(tags.where(~tags.isin(_MISSING), ""), extra_tags)
    groups = [c for c in ("session", "array") if c in table.columns]
    if groups and "deploymentGroups" not in table.columns:
        joined = pd.Series("", index=table.index, dtype=object)
        for column in groups:
            value = table[column]
            joined = _join(joined, (column + ":" + value).where(~value.isin(_MISSING), ""))
        table["deploymentGroups"] = joined
        for column in groups:
            del table[column]
        origin["deploymentGroups"] = " and ".join(groups)


def _upgrade_observations(table: pd.DataFrame, origin: dict[str, str], sequences: pd.DataFrame | None) -> None:
    has_media = ~table["mediaID"].isin(_MISSING) if "mediaID" in table.columns else pd.Series(False, index=table.index)
    if "observationLevel" not in table.columns:
        table["observationLevel"] = np.where(has_media, "media", "event")
        origin["observationLevel"] = "mediaID"
    if "timestamp" in table.columns and "eventStart" not in table.columns and "eventEnd" not in table.columns:
        own = table["timestamp"]
        start, end = own.copy(), own.copy()
        if sequences is not None and "sequenceID" in table.columns and len(sequences):
            event_level = ~has_media & table["sequenceID"].isin(sequences.index)
            keys = table.loc[event_level, "sequenceID"]
            start[event_level] = sequences["start"].reindex(keys).to_numpy()
            end[event_level] = sequences["end"].reindex(keys).to_numpy()
        table["eventStart"], table["eventEnd"] = start, end
        del table["timestamp"]
        origin["eventStart"] = origin["eventEnd"] = "timestamp"
    if "cameraSetup" in table.columns and "cameraSetupType" not in table.columns:
        setup = table["cameraSetup"]
        lower = setup.str.lower().replace({"1": "true", "0": "false"})
        table["cameraSetupType"] = setup.where(~lower.isin(CAMERA_SETUP), lower.map(CAMERA_SETUP))
        del table["cameraSetup"]
        origin["cameraSetupType"] = "cameraSetup"
    _map_values(table, "lifeStage", LIFE_STAGES)
    _map_values(table, "sex", SEXES)


def sequence_times(media: pd.DataFrame) -> pd.DataFrame:
    """The first and last media timestamp of every 0.1.x sequence, as written.

    Parameters
    ----------
    media : pandas.DataFrame
        Media text cells with ``sequenceID`` and ``timestamp`` (0.1.x or
        upgraded: the two columns are the same).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``sequenceID``, columns ``start`` and ``end``: the text of
        the earliest and the latest timestamp (compared as UTC moments, the
        offset each was written with kept). Timestamps that cannot be parsed
        are left out; sequences with none are absent.
    """
    empty = pd.DataFrame({"start": pd.Series(dtype=object), "end": pd.Series(dtype=object)})
    if "sequenceID" not in media.columns or "timestamp" not in media.columns:
        return empty
    moments = pd.to_datetime(
        media["timestamp"].where(~media["timestamp"].isin(_MISSING)), format="ISO8601", utc=True, errors="coerce"
    )
    usable = moments.notna() & ~media["sequenceID"].isin(_MISSING)
    if not usable.any():
        return empty
    frame = pd.DataFrame(
        {"sequence": media["sequenceID"][usable], "moment": moments[usable], "text": media["timestamp"][usable]}
    )
    frame = frame.sort_values(["sequence", "moment"], kind="stable")
    grouped = frame.groupby("sequence", sort=False)["text"]
    result = pd.DataFrame({"start": grouped.first(), "end": grouped.last()})
    result.index.name = "sequenceID"
    return result


def _map_values(table: pd.DataFrame, column: str, mapping: dict[str, str]) -> None:
    if column in table.columns:
        values = table[column]
        table[column] = values.where(~values.isin(mapping), values.map(mapping))


def _join(left: pd.Series, right: pd.Series, separator: str = " | ") -> pd.Series:
    """Two text columns joined with ``separator`` where both have text, else whichever has."""
    both = (left != "") & (right != "")
    return left.where(right == "", right).where(~both, left + separator + right)


# --- validation of an upgraded package ----------------------------------------------------------------


def report_upgrade(report: ValidationReport, version: str, descriptor: dict[str, Any]) -> None:
    """Say in ``report`` that the package was upgraded, from which version (a warning, check ``upgrade``)."""
    report.add(
        "warning",
        DESCRIPTOR,
        None,
        "profile",
        descriptor.get("profile"),
        f"Camtrap DP {version} package upgraded to 1.0 on reading: columns and values were mapped as "
        "nbtools.camtrapdp.upgrade lists (start -> deploymentStart, sequenceID -> eventID, ...); the files on disk "
        "are unchanged and every row keeps its number in them",
        UPGRADE_CHECK,
    )


def check_upgraded_descriptor(descriptor: dict[str, Any], version: str, report: ValidationReport) -> None:
    """Check an upgraded descriptor against the 1.0 profile; its problems become prefixed warnings.

    Parameters
    ----------
    descriptor : dict
        The descriptor as :func:`upgrade_descriptor` made it.
    version : str
        The version it was upgraded from, for the messages.
    report : ValidationReport
        Problems are added here, as warnings: the package was valid or not
        against its own 0.1.x profile (not bundled), and what the 1.0 profile
        misses are mostly properties 0.1.x did not have.
    """
    from .validate import check_descriptor

    found = ValidationReport()
    check_descriptor(descriptor, found)
    for problem in found.problems:
        report.add(
            "warning",
            problem.file,
            problem.row,
            problem.field,
            problem.value,
            f"after the upgrade from {version} to 1.0: {problem.message}",
            problem.check,
        )


def check_upgraded_table(
    cells: pd.DataFrame, file: str, schema: dict[str, Any], report: ValidationReport, version: str
) -> None:
    """Check upgraded text cells against a 1.0 Table Schema, as the files of a 1.0 package are.

    The cells are checked column-wise (:func:`nbtools.camtrapdp.constraints.check_cells`;
    the files on disk are 0.1.x and are not checked against 1.0 schemas); the
    problems name the row numbers of the file on disk and the 0.1.x column
    each 1.0 field came from.

    Parameters
    ----------
    cells : pandas.DataFrame
        Upgraded text cells (:func:`upgrade_table`), indexed by row number in
        the file on disk.
    file : str
        The file's name in the package, for messages.
    schema : dict
        The 1.0 Table Schema (with any fields the descriptor adds).
    report : ValidationReport
        Problems are added here.
    version : str
        The version upgraded from.
    """
    from .constraints import check_cells

    if cells.attrs.get("duplicate_labels") or cells.empty:
        return  # columns cannot be matched by name then; the reader reports the labels
    found = ValidationReport()
    key = schema.get("primaryKey")
    check_cells(cells, schema, file, found, primary_key=key if isinstance(key, str) else None)
    origin = cells.attrs.get("upgraded_columns", {})
    for problem in found.problems:
        came = f" ({version} column {origin[problem.field]})" if problem.field in origin else ""
        report.add(
            problem.severity,
            file,
            problem.row,
            problem.field,
            problem.value,
            f"after the upgrade from {version} to 1.0{came}: {problem.message}",
            problem.check,
        )


def explain_upgraded_fields(
    report: ValidationReport, origins: dict[str, dict[str, str]], files: dict[str, str], version: str
) -> None:
    """Name the 0.1.x column behind each reported 1.0 field, and soften what 0.1.x could not have.

    Problems about a field made from a 0.1.x column (a parse error in
    ``eventStart``) get ``(0.1.6 column timestamp)`` in their message; the
    ``missing-label`` error of a field 1.0 requires but 0.1.x has no term for
    (media ``filePublic``) becomes a warning.

    Parameters
    ----------
    report : ValidationReport
        Changed in place.
    origins : dict
        Per file, ``attrs["upgraded_columns"]`` of its upgraded cells.
    files : dict of str to str
        File name of each core table.
    version : str
        The version upgraded from.
    """
    new_fields = {
        (files[table], field) for table, fields in NEW_REQUIRED_FIELDS.items() if table in files for field in fields
    }
    problems = []
    for problem in report.problems:
        origin = origins.get(problem.file, {})
        if (problem.file, problem.field) in new_fields and problem.check == "missing-label":
            problem = dataclasses.replace(
                problem,
                severity="warning",
                message=f"required in Camtrap DP 1.0, but {version} has no such term; read as empty",
            )
        elif problem.field in origin and f"{version} column" not in problem.message and problem.check != UPGRADE_CHECK:
            problem = dataclasses.replace(
                problem, message=f"{problem.message} ({version} column {origin[problem.field]})"
            )
        problems.append(problem)
    report.problems = problems
