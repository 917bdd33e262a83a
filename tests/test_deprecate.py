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
