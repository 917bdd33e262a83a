"""Where a detected animal was: at its position from the camera when the observation gives it, else at the station."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["detection_positions"]


def detection_positions(observations: pd.DataFrame, deployments: pd.DataFrame) -> pd.DataFrame:
    """Observations with ``x``/``y`` (m) of the animal, and ``placed`` saying how each was placed.

    Camtrap DP gives an individual's position relative to the camera as ``individualPositionRadius``
    (metres from the camera) and ``individualPositionAngle`` (degrees from the camera's centre line,
    negative to the left); the camera looks along ``cameraHeading`` (degrees clockwise from north). The
    animal is then at ``station + r * (sin(theta), cos(theta))`` with ``theta = heading + angle``, taking
    grid north for true north (the difference, the UTM meridian convergence, is under 2 degrees in the
    park and moves a point 20 m away by under 0.7 m).

    Parameters
    ----------
    observations : pandas.DataFrame
        Camtrap DP observations (``deploymentID``; ``individualPositionRadius`` and
        ``individualPositionAngle`` where known).
    deployments : pandas.DataFrame
        Camtrap DP deployments with ``x``/``y`` (as :class:`nbtools.study.Study` adds them) and
        ``cameraHeading``.

    Returns
    -------
    pandas.DataFrame
        The observations with columns ``x``, ``y`` (m) and ``placed``: ``"position"`` (from radius, angle
        and heading), ``"station"`` (no position or no heading: at the camera) or ``"unplaced"``
        (deployment unknown or without coordinates: ``x``/``y`` NaN, kept and counted, never dropped).
    """
    for column in ("deploymentID", "x", "y"):
        if column not in deployments.columns:
            raise KeyError(f"deployments need a {column!r} column (Study.from_camtrapdp adds x and y)")
    if "deploymentID" not in observations.columns:
        raise KeyError("observations need a 'deploymentID' column")
    where = deployments.drop_duplicates("deploymentID").set_index("deploymentID")
    heading = where["cameraHeading"] if "cameraHeading" in where.columns else pd.Series(np.nan, index=where.index)
    ids = observations["deploymentID"]
    sx = ids.map(where["x"]).to_numpy(dtype=float)
    sy = ids.map(where["y"]).to_numpy(dtype=float)
    head = ids.map(heading).to_numpy(dtype=float)
    radius = _column(observations, "individualPositionRadius")
    angle = _column(observations, "individualPositionAngle")
    has_position = np.isfinite(radius) & np.isfinite(angle) & np.isfinite(head) & np.isfinite(sx)
    theta = np.radians(np.where(has_position, head + angle, 0.0))
    r = np.where(has_position, radius, 0.0)
    placed = np.where(has_position, "position", np.where(np.isfinite(sx) & np.isfinite(sy), "station", "unplaced"))
    return observations.assign(
        x=sx + r * np.sin(theta),
        y=sy + r * np.cos(theta),
        placed=pd.Categorical(placed, categories=["position", "station", "unplaced"]),
    )


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").astype("float64").to_numpy()
