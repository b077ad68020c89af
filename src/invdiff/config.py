"""Typed view of ``params.yaml``: the one config layer (DVC ``-S`` overrides edit the same file).

Each experiment owns its section models beside its code (``experiments/<name>/config.py``, listed in its
``SECTIONS``); this module finds and assembles them and names no experiment. Every section is a pydantic model
with ``extra="forbid"`` and strict types (:mod:`invdiff.sections`), so an unknown or ill-typed key fails with one
line naming its path, e.g.
``branin.train.lr: expected a number, got 'fast'``. Strict mode still accepts an int where a float is expected.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from invdiff.errors import ConfigError
from invdiff.paths import project_path
from invdiff.sections import MlflowConfig, Section, TrainerConfig

SHARED = {"seed": (int, 0), "mlflow": (MlflowConfig, MlflowConfig()), "trainer": (TrainerConfig, TrainerConfig())}


def experiment_sections() -> dict[str, tuple[type, Any]]:
    """Every experiment's top-level sections: each ``invdiff.experiments.<name>.config`` lists its own in
    ``SECTIONS`` (a model class is required, an instance is the default), so a new experiment is found, not named."""
    import invdiff.experiments as experiments

    fields: dict[str, tuple[type, Any]] = {}
    for info in sorted(pkgutil.iter_modules(experiments.__path__), key=lambda m: m.name):
        if not info.ispkg or importlib.util.find_spec(f"{experiments.__name__}.{info.name}.config") is None:
            continue
        module = importlib.import_module(f"{experiments.__name__}.{info.name}.config")
        for key, spec in getattr(module, "SECTIONS", {}).items():
            if key in fields or key in SHARED:
                raise RuntimeError(f"params section {key!r} of {module.__name__} is already registered")
            fields[key] = (spec, ...) if isinstance(spec, type) else (type(spec), spec)
    return fields


Params = create_model("Params", __base__=Section, __module__=__name__, **SHARED, **experiment_sections())
Params.__doc__ = "The whole params file: the shared sections and every experiment's (see experiment_sections)."


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _format_error(err: dict[str, Any]) -> str:
    path = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{path}: unknown key (check the spelling; allowed keys are listed in params.yaml)"
    if kind == "missing":
        return f"{path}: required key is missing"
    return f"{path}: {err['msg'].lower()}, got {_describe(err.get('input'))}"


def parse_params(raw: Any, source: str = "params") -> Params:
    """Validate a params mapping; raises :class:`ConfigError` with one line per offending key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of sections at the top level, got {_describe(raw)}")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        lines = [_format_error(e) for e in exc.errors()]
        raise ConfigError(f"{source}: " + "; ".join(lines)) from None


def load_yaml(path: str | Path) -> Any:
    """YAML 1.2 (ruamel, as DVC writes it), so ``1e-4`` is a float and not a string."""
    from ruamel.yaml import YAML, YAMLError

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: params file not found (run inside the project, set INVDIFF_ROOT to it, "
                          "or pass --params)")
    try:
        return YAML(typ="safe", pure=True).load(path.read_text())
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None


def load_params(path: str | Path | None = None) -> Params:
    """The params file ``path`` (default: the project's ``params.yaml``, :func:`invdiff.paths.project_root`)."""
    path = project_path("params.yaml") if path is None else path
    return parse_params(load_yaml(path), source=str(path))


def flatten(section: BaseModel | dict, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``, for MLflow params."""
    data = section.model_dump() if isinstance(section, BaseModel) else section
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out
