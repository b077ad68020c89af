"""Errors a user can act on. Stage scripts print their message as one line and exit 2 (no traceback)."""


class InvdiffError(Exception):
    """Base class: the message alone must tell the user what is wrong and how to fix it."""


class ConfigError(InvdiffError):
    """A params key is unknown, missing or ill-typed; the message names the key path."""


class MissingInputError(InvdiffError):
    """A dataset, model file or checkpoint is absent; the message names the path and how to obtain it."""


def require_file(path, how_to_obtain: str):
    """Return ``path`` as a Path if it exists, else raise naming it and the fix."""
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        raise MissingInputError(f"{path}: not found. {how_to_obtain}")
    return path
