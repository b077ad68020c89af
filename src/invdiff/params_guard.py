"""A stage reads only the params keys it declares.

Each stage script declares its keys (``run_stage(..., reads=(...))``); :mod:`invdiff.dvc_deps` writes them into
dvc.yaml, so DVC re-runs the stage when one changes. While a stage runs, reading any other key raises a
:class:`~invdiff.errors.ConfigError` naming stage, key and fix, so a declaration (and hence dvc.yaml) cannot miss a
key the code reads. Keys are dotted paths of the params tree (``branin.train``); a key covers everything under it.

How: while :func:`declared_only` is active, attribute reads on :class:`~invdiff.sections.Section` instances of the
params tree are checked against the declaration. Reading a parent of a declared key (``params.branin`` when
``branin.train`` is declared) passes through; dumping or iterating such a parent would read undeclared keys, so it
fails too. ``mlflow`` is exempt by design: it says where a run is logged, not what it computes.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from pydantic import BaseModel

from invdiff.errors import ConfigError
from invdiff.sections import Section

ALL = "all"  # the declaration of a stage that reads (validates) the whole file
EXEMPT = ("mlflow",)

_active: "_Guard | None" = None


def expand(keys: tuple[str, ...] | list[str], item: str | None) -> tuple[str, ...]:
    """Substitute DVC's ``${item}`` of a foreach stage into its declared keys."""
    if item is None:
        return tuple(keys)
    return tuple(key.replace("${item}", item) for key in keys)


class _Guard:
    def __init__(self, params: BaseModel, keys: tuple[str, ...], stage: str, script: str):
        self.keys = keys + EXEMPT
        self.stage, self.script = stage, script
        self.paths: dict[int, str] = {}
        self._walk(params, "")

    def _walk(self, node: BaseModel, path: str) -> None:
        self.paths[id(node)] = path
        for name in type(node).__pydantic_fields__:
            value = node.__dict__.get(name)
            sub = f"{path}.{name}" if path else name
            if isinstance(value, BaseModel):
                self._walk(value, sub)
            elif isinstance(value, dict):
                for key, child in value.items():
                    if isinstance(child, BaseModel):
                        self._walk(child, f"{sub}.{key}")

    def covered(self, path: str) -> bool:
        return any(path == key or path.startswith(key + ".") for key in self.keys)

    def passes(self, path: str) -> bool:
        return self.covered(path) or any(key.startswith(path + ".") for key in self.keys)

    def refuse(self, path: str, how: str) -> ConfigError:
        return ConfigError(
            f"stage {self.stage} {how} params key {path!r}, which it does not declare: add {path!r} to READS in "
            f"{self.script} and run `make dvc-deps` so dvc.yaml re-runs the stage when the key changes")


def _check_field(self: BaseModel, name: str) -> None:
    guard = _active
    if guard is None or name not in type(self).__pydantic_fields__:
        return
    path = guard.paths.get(id(self))
    if path is None:
        return  # a copy made during the stage, not a node of the params tree
    full = f"{path}.{name}" if path else name
    if not guard.passes(full):
        raise guard.refuse(full, "reads")


def _check_whole(self: BaseModel, include=None, exclude=None) -> None:
    guard = _active
    path = None if guard is None else guard.paths.get(id(self))
    if path is not None and not guard.covered(path):
        names = [n for n in type(self).__pydantic_fields__ if (include is None or n in include)
                 and (exclude is None or n not in exclude)]  # top-level names of a set or dict
        for name in names:
            full = f"{path}.{name}" if path else name
            if not guard.covered(full):
                raise guard.refuse(full, "reads (by dumping its parent)")


def _getattribute(self, name):
    value = object.__getattribute__(self, name)
    if _active is not None:
        _check_field(self, name)
    return value


def _wrap_whole(method):
    def wrapped(self, *args, **kwargs):
        _check_whole(self, kwargs.get("include"), kwargs.get("exclude"))
        return method(self, *args, **kwargs)
    wrapped.__wrapped__ = method
    return wrapped


@contextmanager
def declared_only(params: BaseModel, keys, stage: str, script: str) -> Iterator[None]:
    """Within the block, reading a params key outside ``keys`` (or :data:`ALL`) raises :class:`ConfigError`."""
    global _active
    if keys == ALL:
        yield
        return
    if _active is not None:
        raise RuntimeError("declared_only does not nest")
    saved = {name: Section.__dict__.get(name) for name in ("__getattribute__", "model_dump", "model_dump_json",
                                                           "__iter__")}
    Section.__getattribute__ = _getattribute
    for name in ("model_dump", "model_dump_json", "__iter__"):
        setattr(Section, name, _wrap_whole(getattr(BaseModel, name)))
    _active = _Guard(params, tuple(keys), stage, script)
    try:
        yield
    finally:
        _active = None
        for name, original in saved.items():
            if original is None:
                delattr(Section, name)
            else:
                setattr(Section, name, original)
