"""Old names keep working for one release: nbtools._deprecate and every renamed parameter (issue #19, part 5)."""

from __future__ import annotations

import inspect
import warnings

import pytest

from nbtools._deprecate import renamed_function, renamed_parameters


@renamed_parameters(tz="timezone", alpha=("level", lambda a: 1 - a))
def _zone(x: int, *, timezone: str = "UTC", level: float = 0.95) -> tuple[int, str, float]:
    """Docstring kept."""
    return x, timezone, level


def _new_name(x: int) -> int:
    return 2 * x


_old_name = renamed_function(_new_name, "old_name")


def test_old_keyword_warns_and_maps() -> None:
    with pytest.warns(DeprecationWarning, match="'tz' is deprecated, use 'timezone'"):
        assert _zone(1, tz="Asia/Vladivostok") == (1, "Asia/Vladivostok", 0.95)


def test_old_keyword_is_converted() -> None:
    with pytest.warns(DeprecationWarning, match="'alpha' is deprecated, use 'level'"):
        assert _zone(1, alpha=0.1)[2] == pytest.approx(0.9)


def test_new_keyword_is_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _zone(1, timezone="Europe/Paris", level=0.9) == (1, "Europe/Paris", 0.9)


def test_both_names_refused() -> None:
    with pytest.raises(TypeError, match="both 'tz'.*and 'timezone'"):
        _zone(1, tz="UTC", timezone="UTC")


def test_warning_points_at_the_callers_line() -> None:
    with pytest.warns(DeprecationWarning) as caught:
        _zone(1, tz="UTC")
    assert caught[0].filename == __file__


def test_signature_and_doc_kept() -> None:
    assert list(inspect.signature(_zone).parameters) == ["x", "timezone", "level"]
    assert _zone.__doc__ == "Docstring kept."
    assert _zone.__deprecated_parameters__ == {"tz": "timezone", "alpha": "level"}


def test_bad_declarations_refused() -> None:
    with pytest.raises(ValueError, match="no parameter 'timezone'"):
        renamed_parameters(tz="timezone")(lambda x: x)
    with pytest.raises(ValueError, match="still has a parameter 'tz'"):
        renamed_parameters(tz="timezone")(lambda tz, timezone: tz)
    with pytest.raises(TypeError, match="name or"):
        renamed_parameters(tz=3)  # type: ignore[arg-type]


def test_renamed_function_warns_and_calls() -> None:
    with pytest.warns(DeprecationWarning, match=r"old_name\(\) is deprecated, use _new_name\(\)") as caught:
        assert _old_name(3) == 6
    assert caught[0].filename == __file__
    assert _old_name.__name__ == "old_name"


# ---------------------------------------------------------------------------------------------------------
# every renamed parameter of nbtools: the old name warns, names the new one and gives the same result
# ---------------------------------------------------------------------------------------------------------

import dataclasses  # noqa: E402
import importlib  # noqa: E402
import pkgutil  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import nbtools  # noqa: E402
from nbtools import (  # noqa: E402
    activity,
    effort,
    rem,  # noqa: E402
    secr,
    sun,
)
from nbtools.camtrapdp import read_camtrapdp  # noqa: E402
from nbtools.camtrapdp.select import select_records  # noqa: E402
from nbtools.events import independent_events, observations_from_camtrapr  # noqa: E402
from nbtools.habitat import simulate_habitat  # noqa: E402
from nbtools.interop import (  # noqa: E402
    camtrapr_camera_operation,
    camtrapr_record_table,
    camtrapr_station_table,
    darwin_core_occurrences,
)
from nbtools.interop._common import package_timezone  # noqa: E402
from nbtools.maps.aggregate import hour_of_day  # noqa: E402
from nbtools.rem.cameras import CameraZone, passages, place_cameras  # noqa: E402
from nbtools.rem.walks import walk  # noqa: E402
from nbtools.secr import (  # noqa: E402
    Mask,
    cjs_fit,
    cjs_secr_fit,
    join_sessions,
    make_capthists,
    open_cr_fit,
    pradel_fit,
    pradel_secr_fit,
    sim_open_history,
)
from nbtools.simulate import StudyParameters  # noqa: E402
from nbtools.simulate.animals import state_space  # noqa: E402
from nbtools.simulate.grids import GridChanges, TigerParameters, season_grids, tiger_years  # noqa: E402
from nbtools.simulate.lives import simulate_lives  # noqa: E402
from nbtools.simulate.stations import layout_stations  # noqa: E402
from nbtools.study import Study  # noqa: E402

ZONE = "Europe/Brussels"
REM_TEST = Path(__file__).parent / "data" / "real" / "rowcliffe-rem-test"
OVEN = Path(__file__).parent / "data" / "reference" / "turn2"
DAY_S = 86400
DATES = pd.to_datetime(["2021-03-01", "2021-06-21", "2021-12-21"])


@pytest.fixture(scope="module")
def ctx(example_path: Path) -> dict:
    """Small inputs shared by the calls of the table (computed once)."""
    rng = np.random.default_rng(5)
    example = read_camtrapdp(example_path)
    xy = np.arange(4) * 20.0
    traps = pd.DataFrame({"x": np.tile(xy, 4), "y": np.repeat(xy, 4)}, index=[f"T{k}" for k in range(16)])
    mask = secr.make_mask(traps, buffer_m=40, nx=20)
    ch = secr.sim_capthist(
        traps, secr.sim_popn(mask, density=300, seed=3), "HHN", lambda0=0.5, sigma=15, noccasions=5, seed=4
    )
    a = rng.vonmises(np.pi / 2, 2, 60) % (2 * np.pi)
    b = rng.vonmises(np.pi, 2, 70) % (2 * np.pi)
    record_table = camtrapr_record_table(example, timezone=ZONE, threshold="30min")
    station_table = camtrapr_station_table(example, timezone=ZONE)
    return {
        "example": example,
        "traps": traps,
        "mask": mask,
        "ch": ch,
        "a": a,
        "b": b,
        "rt": record_table,
        "ct": station_table,
        "fit": secr.secr_fit(ch, mask=mask, detectfn="HHN", progress=False),
    }


@pytest.fixture(scope="module")
def more(ctx: dict) -> dict:
    """Inputs of the REM, open-population and multi-year simulation calls (computed once, on first use)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rem_study = Study.from_camtrapdp(REM_TEST)
    captures = pd.read_csv(OVEN / "ovenCH_captures.csv", dtype={"session": str, "ID": str, "trap": str})
    traps = pd.read_csv(OVEN / "ovenCH_traps.csv", dtype={"session": str, "trap": str})
    noccasions = {"2005": 9, "2006": 10, "2007": 10, "2008": 10, "2009": 10}
    habitat = simulate_habitat(1, resolution_m=1000)
    p = StudyParameters()
    ws = walk(20, 400, 600.0, 1000.0, np.full(400, 0.4), 0.2, 0.5, 0.8, seed=1)
    return ctx | {
        "rem_study": rem_study,
        "fox": rem.rem_data(rem_study, "Vulpes vulpes"),
        "history": sim_open_history(80, phi=0.7, p=0.3, f=0.3, occasions=(4, 4, 4), seed=1)[0],
        "oven": join_sessions(make_capthists(captures, traps, detector="multi", noccasions=noccasions)),
        "oven_mask": Mask(pd.read_csv(OVEN / "ovenCH_mask300.csv"), spacing=10.921875),
        "habitat": habitat,
        "p": p,
        "state_space": state_space(habitat, p.state_space_buffer_m),
        "stations": layout_stations(habitat, p, 1),
        "walks": ws,
        "cameras": place_cameras(30, 1000.0, "random", seed=1),
    }


def _walk(*args: object, **kwargs: object) -> tuple:
    """:func:`nbtools.rem.walks.walk` as a tuple of its arrays (a ``Walks`` has no ``to_frame``)."""
    return dataclasses.astuple(walk(*args, **kwargs))


def _same(old: object, new: object) -> None:
    """Equal results: frames, arrays, numbers, tuples and dicts of them, and results compared by their fields."""
    if isinstance(old, pd.DataFrame):
        pd.testing.assert_frame_equal(old, new)
    elif isinstance(old, pd.Series | pd.Index):
        pd.testing.assert_series_equal(pd.Series(old), pd.Series(new))
    elif isinstance(old, tuple | list) and not isinstance(old, str):
        assert len(old) == len(new)
        for x, y in zip(old, new):
            _same(x, y)
    elif isinstance(old, dict):
        assert old.keys() == new.keys()
        for key in old:
            _same(old[key], new[key])
    elif isinstance(old, secr.SECRFit):
        assert old.loglik == new.loglik and old.alpha == new.alpha
        pd.testing.assert_frame_equal(old.estimates, new.estimates)
    elif isinstance(old, secr.Mask):
        pd.testing.assert_frame_equal(old.points, new.points)
    elif dataclasses.is_dataclass(old) and hasattr(old, "to_frame"):
        pd.testing.assert_frame_equal(old.to_frame(), new.to_frame())
    elif isinstance(old, np.ndarray) or hasattr(old, "__array__"):
        np.testing.assert_array_equal(np.asarray(old), np.asarray(new))
    else:
        assert old == new or (old != old and new != new)


#: Renames shared by several calls of the table: (old name, old value, new name, new value).
TZ = ("tz", ZONE, "timezone", ZONE)
ALPHA = ("alpha", 0.1, "level", 0.9)  # level = 1 - alpha


def renamed(old: str, new: str, value: object) -> tuple[str, object, str, object]:
    """A rename that keeps the value: (old name, value, new name, value)."""
    return (old, value, new, value)


#: (function, positional arguments from the context, other keywords, old name, old value, new name, new value),
#: the last four from TZ, ALPHA or renamed()
CASES = {
    "sunrise_sunset tz": (sun.sunrise_sunset, lambda c: (DATES, 43.1, 131.5), {}, *TZ),
    "sun_time tz": (sun.sun_time, lambda c: (np.array([1.0, 2.0, 3.0]), DATES, 43.1, 131.5), {}, *TZ),
    "sunrise_sunset_table tz": (sun.sunrise_sunset_table, lambda c: (DATES, 43.1, 131.5), {}, *TZ),
    "time_of_day tz": (activity.time_of_day, lambda c: (DATES.tz_localize("UTC"),), {}, *TZ),
    "hour_of_day tz": (hour_of_day, lambda c: (pd.Series(DATES.tz_localize("UTC")),), {}, *TZ),
    "camera_operation tz": (effort.camera_operation, lambda c: (c["example"].deployments,), {}, *TZ),
    "deployments_from_camtrapr tz": (
        effort.deployments_from_camtrapr,
        lambda c: (c["ct"],),
        {"camera_col": "Camera", "date_format": "%Y-%m-%d %H:%M:%S"},
        *TZ,
    ),
    "observations_from_camtrapr tz": (
        observations_from_camtrapr,
        lambda c: (c["rt"],),
        {"datetime_format": "%Y-%m-%d %H:%M:%S"},
        *TZ,
    ),
    "package_timezone tz": (package_timezone, lambda c: (c["example"],), {}, *TZ),
    "camtrapr_record_table tz": (camtrapr_record_table, lambda c: (c["example"],), {}, *TZ),
    "camtrapr_record_table level": (
        camtrapr_record_table,
        lambda c: (c["example"],),
        {"timezone": ZONE},
        *renamed("level", "observation_level", "event"),
    ),
    "camtrapr_station_table tz": (camtrapr_station_table, lambda c: (c["example"],), {}, *TZ),
    "camtrapr_camera_operation tz": (camtrapr_camera_operation, lambda c: (c["example"],), {}, *TZ),
    "independent_events level": (
        independent_events,
        lambda c: (c["example"].observations, "30min"),
        lambda c: {"deployments": c["example"].deployments},
        *renamed("level", "observation_level", "media"),
    ),
    "darwin_core_occurrences level": (
        darwin_core_occurrences,
        lambda c: (c["example"],),
        {},
        *renamed("level", "observation_level", "media"),
    ),
    "make_mask buffer": (secr.make_mask, lambda c: (c["traps"],), {"nx": 16}, *renamed("buffer", "buffer_m", 30.0)),
    "secr_fit buffer": (
        secr.secr_fit,
        lambda c: (c["ch"],),
        {"detectfn": "HHN", "progress": False},
        *renamed("buffer", "buffer_m", 40.0),
    ),
    "secr_fit alpha": (
        secr.secr_fit,
        lambda c: (c["ch"],),
        lambda c: {"mask": c["mask"], "detectfn": "HHN", "progress": False},
        *ALPHA,
    ),
    "bootstrap_ci conf": (
        activity.bootstrap_ci,
        lambda c: (0.5, np.linspace(0.3, 0.7, 200)),
        {},
        *renamed("conf", "level", 0.9),
    ),
    "daytime_share conf": (activity.daytime_share, lambda c: (c["a"],), {}, *renamed("conf", "level", 0.8)),
    "overlap_table conf": (
        activity.overlap_table,
        lambda c: ({"a": c["a"], "b": c["b"]},),
        {"n_boot": 20, "seed": 1, "progress": False},
        *renamed("conf", "level", 0.9),
    ),
    "bootstrap_overlap n": (
        activity.bootstrap_overlap,
        lambda c: (c["a"], c["b"]),
        {"seed": 1, "progress": False},
        *renamed("n", "n_boot", 20),
    ),
    "activity_level reps": (
        activity.activity_level,
        lambda c: (c["a"],),
        {"sample": "data", "seed": 1, "progress": False},
        *renamed("reps", "n_boot", 20),
    ),
    "activity_level adj": (activity.activity_level, lambda c: (c["a"],), {}, *renamed("adj", "adjust", 1.5)),
    "activity_levels adj": (
        activity.activity_levels,
        lambda c: ([c["a"], c["b"]],),
        {},
        *renamed("adj", "adjust", 1.5),
    ),
    "select_records level": (
        select_records,
        lambda c: (c["example"].observations,),
        {},
        *renamed("level", "observation_level", "media"),
    ),
}

#: the same, for calls that need the inputs of the ``more`` fixture
MORE_CASES = {
    "rem_from_data reps": (
        rem.rem_from_data,
        lambda c: (c["fox"],),
        {"activity_reps": 10, "seed": 1, "progress": False},
        *renamed("reps", "n_boot", 20),
    ),
    "rem_estimate reps": (
        rem.rem_estimate,
        lambda c: (c["rem_study"], "Vulpes vulpes"),
        {"activity_reps": 10, "seed": 1, "progress": False},
        *renamed("reps", "n_boot", 20),
    ),
    "place_cameras rng": (place_cameras, lambda c: (5, 100.0, "random"), {}, *renamed("rng", "seed", 7)),
    "walk rng": (
        _walk,
        lambda c: (5, 50, 600.0, 1000.0, np.full(50, 0.5), 0.2, 0.5, 0.8),
        {},
        *renamed("rng", "seed", 3),
    ),
    "passages rng": (
        passages,
        lambda c: (c["walks"], c["cameras"], CameraZone(), 5.0, 1000.0),
        {},
        *renamed("rng", "seed", 2),
    ),
    "cjs_fit alpha": (cjs_fit, lambda c: (c["history"],), {}, *ALPHA),
    "pradel_fit alpha": (pradel_fit, lambda c: (c["history"],), {}, *ALPHA),
    "open_cr_fit alpha": (open_cr_fit, lambda c: (c["history"],), {"type": "PLBf"}, *ALPHA),
    "cjs_secr_fit alpha": (cjs_secr_fit, lambda c: (c["oven"], c["oven_mask"]), {}, *ALPHA),
    "pradel_secr_fit alpha": (pradel_secr_fit, lambda c: (c["oven"], c["oven_mask"]), {}, *ALPHA),
    "simulate_lives rng": (
        simulate_lives,
        lambda c: (c["habitat"], c["state_space"], c["p"]),
        {"start": "2014-11-01", "end": "2015-11-01"},
        *renamed("rng", "seed", 4),
    ),
    "season_grids rng": (
        season_grids,
        lambda c: (c["stations"], c["habitat"]),
        {"n_seasons": 3, "changes": GridChanges()},
        *renamed("rng", "seed", 4),
    ),
    "tiger_years rng": (
        tiger_years,
        lambda c: (c["habitat"], c["state_space"], c["p"]),
        {
            "season_starts": [1478000000 + k * 365 * DAY_S for k in range(3)],
            "season_ends": [1478000000 + k * 365 * DAY_S + 90 * DAY_S for k in range(3)],
            "tp": TigerParameters(),
        },
        *renamed("rng", "seed", 4),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_old_parameter_name_warns_and_gives_the_same_result(case: str, ctx: dict) -> None:
    _check_case(CASES[case], ctx)


@pytest.mark.parametrize("case", list(MORE_CASES))
def test_old_parameter_name_warns_and_gives_the_same_result_more(case: str, more: dict) -> None:
    _check_case(MORE_CASES[case], more)


def _check_case(spec: tuple, ctx: dict) -> None:
    func, args, kwargs, old, old_value, new, new_value = spec
    kwargs = kwargs(ctx) if callable(kwargs) else kwargs
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        expected = func(*args(ctx), **kwargs, **{new: new_value})
    with pytest.warns(DeprecationWarning, match=f"'{old}' is deprecated, use '{new}'") as caught:
        got = func(*args(ctx), **kwargs, **{old: old_value})
    assert any(w.filename == __file__ for w in caught), "the warning names the caller's line"
    _same(got, expected)
    with pytest.raises(TypeError, match="give only"):
        func(*args(ctx), **kwargs, **{old: old_value, new: new_value})


def test_aic_table_is_a_deprecated_alias_of_model_selection(ctx: dict) -> None:
    fits = {"HHN": ctx["fit"], "HHN again": ctx["fit"]}
    with pytest.warns(DeprecationWarning, match=r"aic_table\(\) is deprecated, use model_selection\(\)"):
        old = secr.aic_table(fits)
    pd.testing.assert_frame_equal(old, secr.model_selection(fits))


def test_open_aic_table_is_a_deprecated_alias_of_open_model_selection(more: dict) -> None:
    fits = {"CJS": cjs_fit(more["history"]), "CJS phi~t": cjs_fit(more["history"], {"phi": "~ t"})}
    with pytest.warns(DeprecationWarning, match=r"open_aic_table\(\) is deprecated, use open_model_selection\(\)"):
        old = secr.open_aic_table(fits)
    pd.testing.assert_frame_equal(old, secr.open_model_selection(fits))


def test_renamed_results_have_the_shared_names(more: dict) -> None:
    fit = cjs_fit(more["history"], level=0.9)
    assert isinstance(fit.notes, tuple) and fit.level == 0.9 and fit.alpha == pytest.approx(0.1)
    est = rem.rem_from_data(more["fox"], n_boot=20, activity_reps=10, seed=1, progress=False)
    assert est.coef == est.density and est.notes == est.messages and est.n_boot == est.reps == 20


def _decorated() -> list[tuple[str, object]]:
    """Every function and method of nbtools that accepts renamed parameters."""
    found = []
    for info in pkgutil.walk_packages(nbtools.__path__, "nbtools."):
        if info.name.startswith(("nbtools.widgets", "nbtools.__main__")):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # modules that moved (nbtools.tracks)
            module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            for candidate in [obj, *vars(obj).values()] if isinstance(obj, type) else [obj]:
                if getattr(candidate, "__module__", None) == info.name and hasattr(
                    candidate, "__deprecated_parameters__"
                ):
                    found.append((f"{info.name}.{getattr(candidate, '__qualname__', name)}", candidate))
    return sorted(dict(found).items())


def test_every_renamed_parameter_maps_to_a_parameter_of_the_signature() -> None:
    decorated = _decorated()
    assert len(decorated) >= 40
    for where, func in decorated:
        params = inspect.signature(func).parameters
        for old, new in func.__deprecated_parameters__.items():
            assert new in params and old not in params, f"{where}: {old} -> {new}"


def test_warnings_of_a_decorated_function_still_point_at_the_callers_line() -> None:
    # the wrapper adds a frame: the function's own warnings count it in their stacklevel
    with pytest.warns(UserWarning, match="non-finite") as caught:
        activity.bootstrap_ci(0.5, np.r_[np.linspace(0.4, 0.6, 99), np.nan])
    assert [w.filename for w in caught] == [__file__]
