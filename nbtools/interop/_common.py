"""Pieces shared by the importers and exporters: the import report, typed Camtrap DP tables,
image-path matching and taxon labels of machine-learning models."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from nbtools._deprecate import renamed_parameters

from ..camtrapdp import CamtrapDP, ValidationReport, read_camtrapdp, write_camtrapdp
from ..camtrapdp.schemas import field_specs, table_schema

if TYPE_CHECKING:
    from ..study import Study

__all__ = ["ImportReport", "InteropError", "MachineImport", "match_media", "parse_speciesnet_label", "validate_package"]


#: Marks "no value given" in :meth:`ImportReport.set_aside_entry` (None is a value: a missing cell).
_RAW = object()


class InteropError(ValueError):
    """A file cannot be imported (wrong structure, missing columns) or a table cannot be exported."""


# --------------------------------------------------------------------------------------------------
# the report of an import
# --------------------------------------------------------------------------------------------------


@dataclass
class ImportReport(ValidationReport):
    """What an import read, converted and set aside, with the reasons.

    A :class:`~nbtools.camtrapdp.ValidationReport` whose files are the source files (a
    MegaDetector JSON, the CSV files of a Wildlife Insights export). Rows of CSV files are
    numbered as in the file (the header is row 1); entries of a JSON file by their position in
    its list (``images`` or ``predictions``), the first being 1. Every entry read is either
    converted or set aside (``set_aside[file]``, with a ``reason``); nothing is dropped silently.

    Attributes
    ----------
    first_row : dict of str to int
        Number of the first data entry of each file: 2 for CSV files (the default), 1 for JSON.
    """

    first_row: dict[str, int] = field(default_factory=dict)

    def flagged_rows(self, file: str) -> list[int]:
        """Entries of ``file`` that were converted but have at least one problem."""
        aside = set(self.set_aside[file].index) if file in self.set_aside else set()
        first = self.first_row.get(file, 2)
        rows = {p.row for p in self.problems if p.file == file and p.row is not None and p.row >= first}
        return sorted(rows - aside)

    def set_aside_entry(
        self,
        file: str,
        row: int,
        raw: str,
        reason: str,
        severity: str = "error",
        field_name: str | None = None,
        check: str = "set-aside",
        value: object = _RAW,
    ) -> None:
        """Set one entry aside: record it (raw text and reason) and report it as a problem.

        The problem's ``value`` is ``value`` when given (the cell at fault, e.g. an unreadable
        timestamp), else the raw text of the entry.
        """
        shown = raw if value is _RAW else value
        self.add(severity, file, row, field_name, shown, f"{reason}; set aside", check)  # type: ignore[arg-type]
        frame = pd.DataFrame({"raw": [raw], "reason": [reason]}, index=pd.Index([row], name="row"))
        old = self.set_aside.get(file)
        self.set_aside[file] = frame if old is None or old.empty else pd.concat([old, frame]).sort_index(kind="stable")

    def accounting(self) -> pd.DataFrame:
        """Entries read, converted, flagged (converted with a problem) and set aside, per file.

        ``read`` always equals ``converted + set_aside``.
        """
        frame = super().accounting().rename(columns={"kept": "converted"})
        return frame

    def summary(self) -> str:
        """One line: errors, warnings, entries read, converted and set aside."""
        read = sum(self.rows_read.values())
        aside = sum(len(f) for f in self.set_aside.values())
        return (
            f"{len(self.errors)} errors, {len(self.warnings)} warnings; "
            f"{read} rows read, {read - aside} converted, {aside} set aside"
        )

    def __str__(self) -> str:
        text = super().__str__().replace("Validation report", "Import report", 1)
        return text

    def __repr__(self) -> str:
        return f"<ImportReport: {self.summary()}>"

    def _repr_html_(self) -> str:
        return super()._repr_html_().replace("Validation report", "Import report", 1)


# --------------------------------------------------------------------------------------------------
# typed Camtrap DP tables
# --------------------------------------------------------------------------------------------------


def conform(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """A table with the fields of a Camtrap DP table schema, in schema order and typed as
    :func:`~nbtools.camtrapdp.read_camtrapdp` types them; other columns follow unchanged."""
    columns: dict[str, Any] = {}
    for spec in field_specs(table_schema(name)):
        if spec.name in table.columns:
            values = table[spec.name]
        else:
            values = pd.Series(pd.NA, index=table.index, dtype=object)
        kind = spec.type
        if kind == "integer":
            values = pd.to_numeric(values.astype(object).where(values.notna(), None), errors="raise").astype("Int64")
        elif kind == "number":
            values = pd.to_numeric(values.astype(object).where(values.notna(), None), errors="raise").astype("float64")
        elif kind == "boolean":
            values = values.astype(object).where(values.notna(), None).astype("boolean")
        elif kind == "datetime":
            if not isinstance(values.dtype, pd.DatetimeTZDtype):
                values = pd.to_datetime(values.astype(object).where(values.notna(), None), utc=True)
            values = values.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
        else:
            values = values.astype(object).where(values.notna(), None).astype("string")
        if spec.enum is not None:
            present = values.dropna().unique()
            extra = sorted(str(v) for v in present if v not in spec.enum)
            values = (
                values.astype(object)
                .where(values.notna(), np.nan)
                .astype(pd.CategoricalDtype(categories=list(spec.enum) + extra))
            )
        columns[spec.name] = values
    for label in table.columns:
        if label not in columns:
            columns[label] = table[label]
    return pd.DataFrame(columns, index=table.index)


def validate_package(package: CamtrapDP, timezone: str = "UTC") -> CamtrapDP:
    """Check a package built in memory as :func:`~nbtools.camtrapdp.read_camtrapdp` checks files.

    The package is written to a temporary folder with :func:`~nbtools.camtrapdp.write_camtrapdp`
    and read back with validation (the Camtrap DP profile, the official table schemas and our
    cross-table rules).

    Parameters
    ----------
    package : CamtrapDP
        Tables and metadata (the metadata must hold the properties the profile requires:
        ``created``, ``contributors``, ``project``, ``spatial``, ``temporal``, ``taxonomic``).
    timezone : str, default "UTC"
        Zone in which timestamps are written; the read package's ``utc_offset`` follows it.

    Returns
    -------
    CamtrapDP
        The package as read back: typed tables (indexed by row number in the written files),
        ``report`` with every problem found, ``path`` None (the folder is deleted).
    """
    with tempfile.TemporaryDirectory(prefix="nbtools-interop-") as folder:
        write_camtrapdp(package, folder, timezone=timezone)
        checked = read_camtrapdp(folder, validate=True)
    checked.path = None
    return checked


def tables_of(source: Any, name: str) -> pd.DataFrame:
    """Table ``name`` of a CamtrapDP, a Study or a DataFrame given directly."""
    if isinstance(source, pd.DataFrame):
        return source
    table = getattr(source, name, None)
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"expected a DataFrame of {name}, a CamtrapDP or a Study, got {type(source).__name__}")
    return table


@renamed_parameters(tz="timezone")
def package_timezone(package: Any, timezone: str | None) -> str:
    """The cameras' time zone: ``timezone`` if given, else the study's zone or the package's UTC offset, else UTC."""
    if timezone:
        return timezone
    zone = getattr(package, "timezone", None) or getattr(package, "utc_offset", None)
    return str(zone) if zone else "UTC"


# --------------------------------------------------------------------------------------------------
# matching image paths to media rows
# --------------------------------------------------------------------------------------------------


def path_parts(path: object, case_sensitive: bool = False) -> tuple[str, ...]:
    """Components of a file path or URL, with ``\\`` read as ``/`` (``C:\\a\\b.jpg`` -> ``('c:', 'a', 'b.jpg')``).

    Examples
    --------
    >>> path_parts("https://host/assets/L01/IMG_0001.JPG?x=1")
    ('host', 'assets', 'l01', 'img_0001.jpg')
    """
    if path is None or (isinstance(path, float) and math.isnan(path)) or path is pd.NA:
        return ()
    text = str(path).strip().replace("\\", "/")
    if "://" in text:
        text = text.split("://", 1)[1].split("?", 1)[0].split("#", 1)[0]
    parts = tuple(p for p in text.split("/") if p not in ("", "."))
    return parts if case_sensitive else tuple(p.casefold() for p in parts)


def _normalised(values: pd.Series, case_sensitive: bool) -> pd.Series:
    """Paths as :func:`path_parts` reads them, joined by ``/``, vectorised."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip().str.replace("\\", "/", regex=False)
    url = text.str.contains("://", regex=False)
    if url.any():
        text = text.where(~url, text.str.split("://", n=1).str[1].str.replace(r"[?#].*$", "", regex=True))
    return text if case_sensitive else text.str.casefold()


def _split(text: pd.Series) -> list[tuple[str, ...]]:
    return [
        tuple(parts) if "" not in parts and "." not in parts else tuple(p for p in parts if p not in ("", "."))
        for parts in text.str.split("/")
    ]


#: Columns of :func:`match_media`.
MATCH_COLUMNS = ["file", "mediaID", "deploymentID", "matched_on", "suffix_length", "status", "candidates"]


def match_media(
    files: Sequence[str],
    media: pd.DataFrame,
    *,
    case_sensitive: bool = False,
    deployment_id: str | None = None,
) -> pd.DataFrame:
    """Match image paths (as a detector wrote them) to Camtrap DP media rows.

    A path matches the media rows whose ``filePath`` or ``fileName`` shares the longest common
    suffix of path components with it, so ``L001-A-1/IMG_0001.JPG`` (relative to the folder the
    detector ran in) matches ``media/L001-A-1/IMG_0001.JPG`` and ``D:\\survey\\L001-A-1\\IMG_0001.JPG``
    alike. At least the file name must agree. When several media rows share the longest suffix,
    the match is ambiguous; when a media row is the best match of several paths, only the first
    is kept (``duplicate``).

    Parameters
    ----------
    files : sequence of str
        Image paths; ``/`` and ``\\`` both separate folders; URLs lose scheme, query and fragment.
    media : pandas.DataFrame
        Camtrap DP media: ``mediaID``, ``deploymentID`` and ``filePath`` and/or ``fileName``.
    case_sensitive : bool, default False
        Compare components with their case (``IMG.JPG`` and ``img.jpg`` differ).
    deployment_id : str, optional
        Consider only the media of this deployment (a detector run on one deployment's folder).

    Returns
    -------
    pandas.DataFrame
        One row per path, in order (index 0, 1, ...): ``file``, ``mediaID`` and ``deploymentID``
        of the match (missing unless ``status`` is ``matched``), ``matched_on`` (``filePath`` or
        ``fileName``), ``suffix_length`` (components in common), ``status`` (``matched``,
        ``ambiguous``, ``unmatched``, ``duplicate``) and ``candidates`` (the mediaIDs tied for an
        ambiguous path, comma-separated).

    Examples
    --------
    >>> import pandas as pd
    >>> media = pd.DataFrame({"mediaID": ["m1", "m2"], "deploymentID": ["A", "B"],
    ...                       "filePath": ["media/A/IMG_1.JPG", "media/B/IMG_1.JPG"]})
    >>> match_media(["A/IMG_1.JPG", "IMG_1.JPG"], media)[["mediaID", "status"]].values.tolist()
    [['m1', 'matched'], [None, 'ambiguous']]
    """
    for column in ("mediaID", "deploymentID"):
        if column not in media.columns:
            raise InteropError(f"media have no {column!r} column")
    if "filePath" not in media.columns and "fileName" not in media.columns:
        raise InteropError("media need a 'filePath' or 'fileName' column to match image paths")
    table = media
    if deployment_id is not None:
        table = media[media["deploymentID"].astype(object) == deployment_id]
        if table.empty:
            raise InteropError(f"no media of deployment {deployment_id!r}")
    ids = table["mediaID"].astype(object).to_numpy()
    deps = table["deploymentID"].astype(object).to_numpy()
    # every suffix of the media paths that end with a requested file name -> the media rows
    # (pos * 2 + source) that end with it
    file_parts = [path_parts(file, case_sensitive) for file in files]
    wanted = pd.Index({parts[-1] for parts in file_parts if parts})
    sources = [s for s in ("filePath", "fileName") if s in table.columns]
    texts = [_normalised(table[source], case_sensitive) for source in sources]
    lasts = [text.str.rsplit("/", n=1).str[-1] for text in texts]
    if len(texts) == 2:  # a fileName that ends its filePath adds nothing
        lasts[1] = lasts[1].where(lasts[1] != lasts[0], "")
    index: dict[tuple[str, ...], list[int]] = {}
    for bit, (text, last) in enumerate(zip(texts, lasts)):
        rows = np.flatnonzero(last.isin(wanted).to_numpy())
        for pos, parts in zip(rows.tolist(), _split(text.iloc[rows])):
            code = pos * 2 + bit
            for k in range(1, len(parts) + 1):
                key = parts[-k:]
                found = index.get(key)
                if found is None:
                    index[key] = [code]
                elif found[-1] // 2 != pos:
                    found.append(code)
    records = []
    taken: dict[int, int] = {}
    for number, (file, parts) in enumerate(zip(files, file_parts)):
        record = {
            "file": file,
            "mediaID": None,
            "deploymentID": None,
            "matched_on": None,
            "suffix_length": 0,
            "status": "unmatched",
            "candidates": None,
        }
        for k in range(len(parts), 0, -1):  # the longest suffix shared with some media path
            codes = index.get(parts[-k:])
            if codes is None:
                continue
            winners = sorted({code // 2 for code in codes})
            record["suffix_length"] = k
            if len(winners) > 1:
                record["status"] = "ambiguous"
                record["candidates"] = ", ".join(sorted(str(ids[p]) for p in winners))
            else:
                pos = winners[0]
                record["matched_on"] = sources[min(code % 2 for code in codes)]
                if pos in taken:
                    record["status"] = "duplicate"
                    record["candidates"] = str(ids[pos])
                else:
                    taken[pos] = number
                    record.update(status="matched", mediaID=ids[pos], deploymentID=deps[pos])
            break
        records.append(record)
    frame = pd.DataFrame({column: pd.Series([r[column] for r in records], dtype=object) for column in MATCH_COLUMNS})
    frame["suffix_length"] = frame["suffix_length"].astype("int64")
    return frame


# --------------------------------------------------------------------------------------------------
# taxon labels of machine-learning models
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taxon:
    """What a model label means in Camtrap DP terms."""

    observation_type: str  # animal, human, vehicle, blank, unknown
    scientific_name: str | None = None
    taxon_rank: str | None = None
    vernacular_name: str | None = None
    taxon_id: str | None = None


_RANKS = ("class", "order", "family", "genus")


def parse_speciesnet_label(label: str) -> Taxon | None:
    """Read a SpeciesNet label ``uuid;class;order;family;genus;species;common name``.

    Returns None when ``label`` does not have the seven ``;``-separated fields.

    Examples
    --------
    >>> taxon = parse_speciesnet_label("ab12;mammalia;carnivora;felidae;panthera;pardus;leopard")
    >>> taxon.observation_type, taxon.scientific_name, taxon.taxon_rank, taxon.vernacular_name
    ('animal', 'Panthera pardus', 'species', 'leopard')
    >>> parse_speciesnet_label("f1856211-cfb7-4a5b-9158-c0f72fd09ee6;;;;;;blank").observation_type
    'blank'
    """
    fields = [f.strip() for f in str(label).split(";")]
    if len(fields) != 7:
        return None
    uid, cls, order, family, genus, species, common = fields
    if "no cv result" in (cls.lower(), common.lower()):
        return Taxon("unknown", taxon_id=uid or None)
    if genus.lower() == "homo" and species.lower() == "sapiens":
        return Taxon("human", "Homo sapiens", "species", common or None, uid or None)
    if not any((cls, order, family, genus, species)):
        kind = common.lower()
        if kind in ("blank", "vehicle", "human"):
            return Taxon(kind, taxon_id=uid or None)
        if kind == "animal":
            return Taxon("animal", vernacular_name=None, taxon_id=uid or None)
        return Taxon("unknown", vernacular_name=common or None, taxon_id=uid or None)
    if genus and species:
        return Taxon("animal", f"{genus.capitalize()} {species.lower()}", "species", common or None, uid or None)
    for rank, value in zip(reversed(_RANKS), (genus, family, order, cls)):
        if value:
            return Taxon("animal", value.capitalize(), rank, common or None, uid or None)
    return Taxon("unknown", taxon_id=uid or None)  # pragma: no cover - unreachable


def resolve_label(
    label: str | None, taxa: Mapping[str, str | None] | None, description: str | None = None
) -> Taxon | None:
    """The taxon of a classifier label: ``taxa`` first (by label, description or derived name,
    case-insensitively), then a SpeciesNet label in ``label`` or ``description``; None if unknown."""
    parsed = None
    for text in (label, description):
        if text:
            parsed = parse_speciesnet_label(text)
            if parsed is not None:
                break
    if taxa:
        lookup = {str(k).casefold(): v for k, v in taxa.items()}
        keys = [label, description]
        if parsed is not None:
            keys += [parsed.scientific_name, parsed.vernacular_name]
        for key in keys:
            if key and key.casefold() in lookup:
                name = lookup[key.casefold()]
                if name is None:
                    return Taxon("unknown", vernacular_name=label)
                if name.casefold() == "homo sapiens":
                    return Taxon("human", "Homo sapiens", "species")
                rank = "species" if len(name.split()) == 2 else ("subspecies" if len(name.split()) == 3 else None)
                return Taxon(
                    "animal",
                    name,
                    rank,
                    parsed.vernacular_name if parsed else label,
                    parsed.taxon_id if parsed else None,
                )
    return parsed


# --------------------------------------------------------------------------------------------------
# the result of a machine-learning import
# --------------------------------------------------------------------------------------------------


@dataclass
class MachineImport:
    """Observations made by a machine-learning model, ready to join a Camtrap DP package.

    Attributes
    ----------
    observations : pandas.DataFrame
        Media-level Camtrap DP observations (typed as :func:`~nbtools.camtrapdp.read_camtrapdp`
        types them), one or more per converted image: animals, humans and vehicles with
        ``classificationMethod = "machine"``, ``classificationProbability`` and bounding boxes;
        ``blank`` for images with nothing above the threshold; ``unclassified`` for images the
        model failed on (the reason in ``observationComments``).
    detections : pandas.DataFrame
        Every detection in the file, above or below the threshold, for reviewing by confidence:
        ``entry`` (position in the file, first = 1), ``file``, ``mediaID``, ``deploymentID``,
        ``timestamp``, ``category``, ``label``, ``conf``, ``bboxX``, ``bboxY``, ``bboxWidth``,
        ``bboxHeight``, ``above_threshold`` and, when the file has them, ``classification`` and
        ``classification_conf`` (the top class).
    matches : pandas.DataFrame
        How each file path was matched to a media row: ``entry`` (position in the file) and the
        columns of :func:`match_media`.
    report : ImportReport
        Entries read, converted and set aside (unmatched, ambiguous or duplicated paths,
        malformed entries), and warnings (failures, unknown labels, boxes clipped to the image).
    threshold : float
        The confidence threshold used.
    info : dict
        The file's ``info`` (model names and versions).
    """

    observations: pd.DataFrame
    detections: pd.DataFrame
    matches: pd.DataFrame
    report: ImportReport
    threshold: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def min_confidence(self) -> float:
        """The detection confidence from which a detection counted (``threshold``, the reader's ``min_confidence``)."""
        return self.threshold

    def add_to(self, package: CamtrapDP | Study, replace: bool = False) -> CamtrapDP | Study:
        """A copy of ``package`` with these observations appended.

        Parameters
        ----------
        package : CamtrapDP or Study
            The package (or study) whose media were matched.
        replace : bool, default False
            Drop the package's existing machine observations (``classificationMethod ==
            "machine"``) first, e.g. to replace an earlier run of the same model.

        Raises
        ------
        InteropError
            If an observationID is already in the package.
        """
        import dataclasses

        existing = package.observations
        if replace and "classificationMethod" in existing.columns:
            existing = existing[existing["classificationMethod"].astype(object) != "machine"]
        clash = set(existing["observationID"].astype(object)) & set(self.observations["observationID"].astype(object))
        if clash:
            raise InteropError(
                f"{len(clash)} observationIDs are already in the package (e.g. {sorted(clash)[:3]}); "
                "use replace=True to drop earlier machine observations"
            )
        start = int(existing.index.max()) + 1 if len(existing) and pd.api.types.is_integer_dtype(existing.index) else 0
        new = self.observations.set_axis(pd.RangeIndex(start, start + len(self.observations), name=existing.index.name))
        combined = conform(pd.concat([conform(existing, "observations"), new]), "observations")
        return dataclasses.replace(package, observations=combined)

    def by_threshold(self, thresholds: Sequence[float] | None = None) -> pd.DataFrame:
        """What each confidence threshold would give, to choose one (MegaDetector's advice:
        look at your own data before trusting a default).

        Parameters
        ----------
        thresholds : sequence of float, optional
            Default 0.05, 0.10, ..., 0.95.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``threshold``: ``detections`` at or above it, ``images_with_<label>`` for
            each detection label (``animal``, ``person``, ...) and ``blank_images`` (images
            without any), over the images converted (failures excluded).
        """
        if thresholds is None:
            thresholds = np.round(np.arange(0.05, 1.0, 0.05), 2)
        obs = self.observations
        converted = obs["observationType"].astype(object) != "unclassified"
        images = pd.Index(obs.loc[converted, "mediaID"].astype(object).unique())
        det = self.detections[self.detections["mediaID"].notna()]
        det = det[det["mediaID"].astype(object).isin(images) & det["label"].notna()]
        labels = sorted(det["label"].astype(str).unique())
        records = []
        for t in thresholds:
            above = det[det["conf"] >= t]
            record: dict[str, Any] = {"threshold": float(t), "detections": len(above)}
            for label in labels:
                record[f"images_with_{label}"] = int(above.loc[above["label"] == label, "mediaID"].nunique())
            record["blank_images"] = len(images) - int(above["mediaID"].nunique())
            records.append(record)
        return pd.DataFrame.from_records(records).set_index("threshold")

    def __repr__(self) -> str:
        types = self.observations["observationType"].value_counts()
        counts = ", ".join(f"{int(n)} {t}" for t, n in types.items() if n)
        return (
            f"<MachineImport: {len(self.observations)} observations ({counts}) from "
            f"{len(self.matches)} images at threshold {self.threshold:g}; {self.report.summary()}>"
        )


def detections_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The long table of detections (see :class:`MachineImport`)."""
    columns = [
        "entry",
        "file",
        "mediaID",
        "deploymentID",
        "timestamp",
        "category",
        "label",
        "conf",
        "bboxX",
        "bboxY",
        "bboxWidth",
        "bboxHeight",
        "above_threshold",
        "classification",
        "classification_conf",
    ]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame["entry"] = frame["entry"].astype("int64")
    for column in ("conf", "bboxX", "bboxY", "bboxWidth", "bboxHeight", "classification_conf"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["above_threshold"] = frame["above_threshold"].astype(bool)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    for column in ("file", "mediaID", "deploymentID", "category", "label", "classification"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None).astype("string")
    return frame


def clip_box(x: float, y: float, w: float, h: float) -> tuple[tuple[float, float, float, float], bool]:
    """A box clipped to the unit square; True when it had to be changed."""
    if x >= 0 and y >= 0 and x + w <= 1 + 1e-9 and y + h <= 1 + 1e-9:
        return (x, y, w, h), False
    cx, cy = max(x, 0.0), max(y, 0.0)
    return (cx, cy, min(x + w, 1.0) - cx, min(y + h, 1.0) - cy), True


def format_conf(value: float) -> str:
    """A confidence as text for tags (``0.153``)."""
    return f"{value:.3g}"


def media_lookup(media: pd.DataFrame, media_ids: Any) -> dict[Any, tuple[Any, Any]]:
    """mediaID -> (deploymentID, timestamp) of the first row of each of ``media_ids``."""
    ids = media["mediaID"].astype(object)
    first = media[ids.isin(pd.Index(pd.unique(pd.Series(media_ids, dtype=object).dropna())))].drop_duplicates("mediaID")
    return dict(zip(first["mediaID"].astype(object), zip(first["deploymentID"].astype(object), first["timestamp"])))


def match_entries(
    entries: list[Any],
    key: str,
    media: Any,
    report: ImportReport,
    file: str,
    *,
    case_sensitive: bool = False,
    deployment_id: str | None = None,
) -> tuple[pd.DataFrame, dict[Any, tuple[Any, Any]]]:
    """Match the entries of a machine-output file to media rows by their path.

    Shared by the MegaDetector and SpeciesNet readers. Entries that are not mappings with a text ``key``
    are set aside in ``report`` (``entry has no '<key>'``).

    Parameters
    ----------
    entries : list
        The file's entries (``images`` of MegaDetector, ``predictions`` of SpeciesNet).
    key : str
        The entry's path field (``file``, ``filepath``).
    media : pandas.DataFrame, CamtrapDP or Study
        The Camtrap DP media.
    report : ImportReport
        The import's report.
    file : str
        Name of the file read (for the report).
    case_sensitive : bool, default False
        Compare path components with their case (:func:`match_media`).
    deployment_id : str, optional
        Match only against this deployment's media.

    Returns
    -------
    matches : pandas.DataFrame
        :func:`match_media` of the entries with a path, indexed by entry number (1-based, ``entry``).
    lookup : dict
        mediaID -> (deploymentID, timestamp) of the matched media.
    """
    table = tables_of(media, "media")
    valid = [i for i, entry in enumerate(entries) if isinstance(entry, dict) and isinstance(entry.get(key), str)]
    valid_set = set(valid)
    missing = "entry has no 'file' path" if key == "file" else f"entry has no {key!r}"
    for i, entry in enumerate(entries):
        if i not in valid_set:
            report.set_aside_entry(file, i + 1, str(entry)[:200], missing, field_name=key)
    matches = match_media(
        [entries[i][key] for i in valid], table, case_sensitive=case_sensitive, deployment_id=deployment_id
    )
    matches.index = pd.Index([i + 1 for i in valid], name="entry")
    lookup = media_lookup(table, matches.loc[matches["status"] == "matched", "mediaID"])
    return matches, lookup


def read_json(path: Path) -> Any:
    """A JSON file, with errors naming the file."""
    import json

    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError as error:
        raise InteropError(f"{path}: file not found") from error
    except UnicodeDecodeError as error:
        raise InteropError(f"{Path(path).name}: not UTF-8 text (byte {error.start})") from error
    except json.JSONDecodeError as error:
        raise InteropError(
            f"{Path(path).name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
