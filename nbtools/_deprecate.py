"""Old names that keep working for one release, with a ``DeprecationWarning`` naming the new one.

Two helpers, used wherever a public name changed to follow the vocabulary of ``CONTRIBUTING.md``
("One name for one idea"):

- :func:`renamed_parameters`, a decorator that maps old keyword arguments to new ones (optionally converting
  the value, as ``alpha=0.05`` to ``level=0.95``), warns with the user's line as the place, and refuses a call
  that gives both names;
- :func:`renamed_function`, an alias of a renamed function that warns and calls the new one.

Every rename is listed in ``CHANGELOG.md``; the old names go in the release after the next.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["one_minus", "renamed_function", "renamed_parameters"]

F = TypeVar("F", bound=Callable[..., Any])

#: An old name maps to the new name, or to ``(new name, conversion of the old value to the new one)``.
Rename = str | tuple[str, Callable[[Any], Any]]


def _parse(renames: dict[str, Rename]) -> dict[str, tuple[str, Callable[[Any], Any] | None]]:
    parsed: dict[str, tuple[str, Callable[[Any], Any] | None]] = {}
    for old, new in renames.items():
        if isinstance(new, str):
            parsed[old] = (new, None)
        elif isinstance(new, tuple) and len(new) == 2 and isinstance(new[0], str) and callable(new[1]):
            parsed[old] = (new[0], new[1])
        else:
            raise TypeError(f"rename of {old!r} must be a name or (name, conversion), got {new!r}")
        if old == parsed[old][0]:
            raise ValueError(f"parameter {old!r} renamed to itself")
    return parsed


def renamed_parameters(**renames: Rename) -> Callable[[F], F]:
    """Accept old keyword names of a function's parameters for one release, with a ``DeprecationWarning``.

    Parameters
    ----------
    **renames : str or (str, callable)
        ``old="new"``, or ``old=("new", convert)`` when the old parameter meant the same idea on another scale
        (``alpha=("level", lambda a: 1 - a)``): the old value is converted before the call.

    Returns
    -------
    callable
        A decorator. The decorated function keeps its signature, name and docstring; a call with an old name
        warns (``DeprecationWarning`` naming the new name, reported at the caller's line) and passes the
        value on under the new name; a call that gives both names raises ``TypeError``.

    Examples
    --------
    >>> @renamed_parameters(tz="timezone")
    ... def local(t, *, timezone="UTC"):
    ...     return timezone
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     local(0, tz="Asia/Vladivostok")
    'Asia/Vladivostok'
    >>> str(caught[0].message)
    "local(): parameter 'tz' is deprecated, use 'timezone' (the old name goes in a future release)"
    """
    parsed = _parse(renames)

    def decorate(func: F) -> F:
        params = inspect.signature(func).parameters
        has_var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        for old, (new, _) in parsed.items():
            if new not in params and not has_var_kw:
                raise ValueError(f"{func.__qualname__} has no parameter {new!r} to rename {old!r} to")
            if old in params:
                raise ValueError(f"{func.__qualname__} still has a parameter {old!r}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old in parsed.keys() & kwargs.keys():
                new, convert = parsed[old]
                if new in kwargs:
                    raise TypeError(
                        f"{func.__qualname__}() got both {old!r} (deprecated) and {new!r}; give only {new!r}"
                    )
                value = kwargs.pop(old)
                scale = " (converted: see the docstring)" if convert is not None else ""
                warnings.warn(
                    f"{func.__qualname__}(): parameter {old!r} is deprecated, use {new!r}{scale} "
                    "(the old name goes in a future release)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = convert(value) if convert is not None else value
            return func(*args, **kwargs)

        wrapper.__deprecated_parameters__ = {old: new for old, (new, _) in parsed.items()}  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def renamed_function(new: F, old_name: str) -> F:
    """An alias of ``new`` under its former name ``old_name`` that warns on each call.

    Parameters
    ----------
    new : callable
        The function under its new name.
    old_name : str
        The former name, as users imported it.

    Returns
    -------
    callable
        A function with the signature of ``new`` that raises a ``DeprecationWarning`` naming ``new``
        (reported at the caller's line) and returns ``new(*args, **kwargs)``.
    """

    @functools.wraps(new)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            f"{old_name}() is deprecated, use {new.__name__}() (the old name goes in a future release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return new(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old_name
    # unqualified, so that Sphinx finds the new name where the alias is documented (its package exports both)
    alias.__doc__ = f"Deprecated alias of :func:`{new.__name__}` (old name ``{old_name}``)."
    return alias  # type: ignore[return-value]


def one_minus(value: float) -> float:
    """``1 - value``, rounded to 12 decimals so that a level of 0.95 and an alpha of 0.05 map to each other exactly.

    The conversion of a former ``alpha`` (1 - confidence level) to ``level`` and back: without the rounding,
    ``1 - 0.95`` is ``0.050000000000000044`` and a stored ``alpha`` would change in its last digits.

    >>> one_minus(0.95), one_minus(0.05)
    (0.05, 0.95)
    """
    return round(1.0 - float(value), 12)
