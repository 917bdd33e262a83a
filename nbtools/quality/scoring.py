"""Scoring findings against known faults (the simulator's ``truth.json``): recall per fault, precision per check.

:data:`FAULT_CHECKS` says which faults each check is meant to find; :func:`score_findings` counts, per
fault type, the deployments with it that a check meant for it flagged (recall) and, per check, the
flagged deployments that have a fault it is meant for (precision) or none at all (false alarms).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .registry import CHECKS

__all__ = ["FAULT_CHECKS", "QualityScore", "score_findings"]

#: The faults of the simulator (``truth.json``) each check is meant to find; used by
#: :func:`score_findings`. A check without faults here counts every finding as a false alarm.
FAULT_CHECKS: dict[str, tuple[str, ...]] = {
    "clock_reset": ("clock_reset",),
    "clock_offset": ("clock_offset", "clock_utc8"),
    "clock_drift": ("clock_drift",),
    "records_outside": ("clock_reset", "clock_offset", "clock_utc8", "clock_drift"),
    "no_media": ("stolen",),
    "started_late": (),
    "stopped_recording": ("dead_battery", "card_full"),
    "ended_early": ("stolen", "broken", "knocked_over"),
    "trigger_gap": ("knocked_over",),
    "false_triggers": ("card_full",),
    "no_night_images": (),
}


@dataclass(frozen=True)
class QualityScore:
    """How well findings match known faults.

    Attributes
    ----------
    by_fault : DataFrame
        Per fault type: ``n_faults`` (deployments with it), ``n_found`` (of those, flagged by a check
        meant for it), ``recall``, and the ``checks`` that count.
    by_check : DataFrame
        Per check: ``n_flagged`` (deployments), ``n_correct`` (with a fault the check is meant for),
        ``n_false_alarms`` (with no fault of any kind), ``precision``.
    matches : DataFrame
        Every (deployment, fault) pair with the checks that flagged it (empty string when none).
    """

    by_fault: pd.DataFrame
    by_check: pd.DataFrame
    matches: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The per-fault table."""
        return self.by_fault


def score_findings(
    findings: pd.DataFrame,
    faults: pd.DataFrame | Sequence[Mapping[str, Any]],
    fault_checks: Mapping[str, Sequence[str]] | None = None,
) -> QualityScore:
    """Recall per fault type and precision per check, against known faults (e.g. ``truth.json``).

    Parameters
    ----------
    findings : DataFrame
        Output of :func:`check_deployments`.
    faults : DataFrame or list of dict
        Known faults: ``deploymentID`` and ``fault`` (``truth["faults"]`` of the simulator).
    fault_checks : mapping, optional
        For each check the fault types it is meant to find (default :data:`FAULT_CHECKS`).

    Returns
    -------
    QualityScore

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"deploymentID": ["d1", "d2"], "check": ["no_media", "no_media"]})
    >>> s = score_findings(f, [{"deploymentID": "d1", "fault": "stolen"}])
    >>> s.by_fault[["n_faults", "n_found", "recall"]].to_dict("index")
    {'stolen': {'n_faults': 1, 'n_found': 1, 'recall': 1.0}}
    >>> s.by_check[["n_flagged", "n_correct", "precision"]].to_dict("index")
    {'no_media': {'n_flagged': 2, 'n_correct': 1, 'precision': 0.5}}
    """
    mapping = {k: tuple(v) for k, v in (fault_checks or FAULT_CHECKS).items()}
    known = pd.DataFrame(faults)[["deploymentID", "fault"]].astype({"deploymentID": "object", "fault": "object"})
    flagged = (
        findings[["deploymentID", "check"]].astype({"deploymentID": "object", "check": "object"}).drop_duplicates()
    )
    faults_of = known.groupby("deploymentID")["fault"].agg(set)
    checks_of = flagged.groupby("deploymentID")["check"].agg(set)

    rows = []
    for fault in sorted(known["fault"].unique()):
        meant = sorted(c for c, types in mapping.items() if fault in types)
        deps = known.loc[known["fault"] == fault, "deploymentID"].unique()
        found = [d for d in deps if checks_of.get(d, set()) & set(meant)]
        rows.append((fault, len(deps), len(found), len(found) / len(deps) if len(deps) else np.nan, ", ".join(meant)))
    by_fault = pd.DataFrame(rows, columns=["fault", "n_faults", "n_found", "recall", "checks"]).set_index("fault")

    rows = []
    for check in [c for c in CHECKS if c in set(flagged["check"]) or c in mapping]:
        deps = flagged.loc[flagged["check"] == check, "deploymentID"].unique()
        if len(deps) == 0:
            continue
        meant = set(mapping.get(check, ()))
        correct = [d for d in deps if faults_of.get(d, set()) & meant]
        clean = [d for d in deps if not faults_of.get(d, set())]
        rows.append((check, len(deps), len(correct), len(clean), len(correct) / len(deps)))
    by_check = pd.DataFrame(rows, columns=["check", "n_flagged", "n_correct", "n_false_alarms", "precision"]).set_index(
        "check"
    )

    pairs = known.drop_duplicates().copy()
    pairs["flagged_by"] = [", ".join(sorted(checks_of.get(d, set()))) for d in pairs["deploymentID"]]
    return QualityScore(by_fault=by_fault, by_check=by_check, matches=pairs.reset_index(drop=True))
