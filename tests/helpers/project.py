"""Point the library at a throw-away project folder through ``INVDIFF_ROOT`` (never through the working directory)."""
import contextlib

import pytest


@contextlib.contextmanager
def at_project(root):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INVDIFF_ROOT", str(root))
        yield root
