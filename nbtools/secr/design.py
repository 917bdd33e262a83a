"""Design of SECR models: the log-density design on the mask points and the classes of animals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import formulaic
import numpy as np
import pandas as pd

from .capthist import CaptureHistory
from .likelihood import DETECTION_FUNCTIONS
from .mask import Mask


@dataclass(frozen=True)
class _DensityDesign:
    formula: str
    names: list[str]
    spec: Any  # formulaic ModelSpec, None for ~1
    center: np.ndarray
    scale: np.ndarray

    def raw(self, covariates: pd.DataFrame) -> np.ndarray:
        if self.spec is None:
            return np.ones((len(covariates), 1))
        try:
            mm = self.spec.get_model_matrix(covariates, na_action="raise")
        except Exception as err:  # formulaic raises several types
            raise ValueError(f"cannot evaluate density formula {self.formula!r} on the points: {err}") from err
        return np.asarray(mm, dtype=float)

    def scaled(self, covariates: pd.DataFrame) -> np.ndarray:
        return (self.raw(covariates) - self.center) / self.scale


def _density_design(formula: str, mask: Mask) -> tuple[_DensityDesign, np.ndarray]:
    text = formula.strip()
    if text.replace(" ", "") in ("~1", "1", ""):
        d = _DensityDesign("~1", ["D"], None, np.zeros(1), np.ones(1))
        return d, np.ones((len(mask), 1))
    if not text.startswith("~"):
        text = "~ " + text
    try:
        mm = formulaic.model_matrix(text, mask.covariates, na_action="raise")
    except Exception as err:
        raise ValueError(
            f"cannot build density formula {text!r} from mask covariates {list(mask.covariates.columns)}: {err}"
        ) from err
    x = np.asarray(mm, dtype=float)
    cols = list(mm.columns)
    infinite = ~np.isfinite(x).all(axis=0)
    if infinite.any():  # formulaic's na_action catches NaN, not infinity
        c = cols[int(np.flatnonzero(infinite)[0])]
        count = int((~np.isfinite(x[:, infinite][:, 0])).sum())
        raise ValueError(f"density covariate {c!r} is infinite at {count} mask point(s); covariates must be finite")
    names = ["D" if c == "Intercept" else f"D.{c}" for c in cols]
    has_intercept = "Intercept" in cols
    if has_intercept and cols[0] != "Intercept":
        raise ValueError("the intercept must come first in the density formula")
    center = np.zeros(len(cols))
    scale = np.ones(len(cols))
    for j, c in enumerate(cols):
        if c == "Intercept":
            continue
        sd = x[:, j].std()
        if sd == 0:
            raise ValueError(f"density covariate {c!r} is constant over the mask; it cannot be estimated")
        scale[j] = sd
        if has_intercept:
            center[j] = x[:, j].mean()
    design = _DensityDesign(text, names, mm.model_spec, center, scale)
    return design, (x - center) / scale


def _transform_matrix(design: _DensityDesign, p_total: int) -> np.ndarray:
    p = len(design.names)
    t = np.eye(p_total)
    block = np.diag(1.0 / design.scale)
    if design.names[0] == "D" and p > 1:
        block[0, 1:] = -design.center[1:] / design.scale[1:]
    t[:p, :p] = block
    return t


def _classes(capthist: CaptureHistory, group: Any, mixture: Any) -> tuple[int, np.ndarray, list[Any]]:
    if group is not None and mixture is not None:
        raise ValueError("use either group (known classes, e.g. sex) or mixture='h2', not both")
    n = capthist.n
    if mixture is not None:
        if mixture not in ("h2", 2):
            raise ValueError(f"mixture must be 'h2' (two latent classes), got {mixture!r}")
        return 2, np.full(n, -1), [1, 2]
    if group is None:
        return 1, np.full(n, -1), []
    if isinstance(group, str):
        if group not in capthist.covariates.columns:
            raise KeyError(f"no individual covariate {group!r}; covariates: {list(capthist.covariates.columns)}")
        labels = capthist.covariates[group]
    else:
        labels = pd.Series(list(group))
        if len(labels) != n:
            raise ValueError(f"group has {len(labels)} labels for {n} animals")
    labels = pd.Series(labels.to_numpy(), dtype=object)
    known = labels.notna()
    classes = sorted(pd.unique(labels[known]), key=str)
    if len(classes) < 2:
        raise ValueError(f"group needs at least two classes among the animals, found {classes}")
    index = np.full(n, -1)
    lookup = {c: j for j, c in enumerate(classes)}
    index[known.to_numpy()] = [lookup[v] for v in labels[known]]
    return len(classes), index, classes


def _class_params(detectfn: str, class_params: Sequence[str]) -> frozenset[str]:
    mag = DETECTION_FUNCTIONS[detectfn].magnitude
    out = set()
    for p in class_params:
        if p == "sigma":
            out.add("sigma")
        elif p in (mag, "magnitude"):
            out.add("mag")
        else:
            raise ValueError(f"class_params may hold 'sigma' and {mag!r}; got {p!r}")
    return frozenset(out)
