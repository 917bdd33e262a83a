"""The doctests of nbtools.secr's files (mask, likelihood, fit, study, sessions, realised)."""

from __future__ import annotations

import doctest
import warnings


def test_doctests():
    import nbtools.secr.fit
    import nbtools.secr.likelihood
    import nbtools.secr.mask
    import nbtools.secr.realised
    import nbtools.secr.sessions
    import nbtools.secr.study

    modules = (nbtools.secr.mask, nbtools.secr.likelihood, nbtools.secr.fit, nbtools.secr.study)
    for module in (*modules, nbtools.secr.sessions, nbtools.secr.realised):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
