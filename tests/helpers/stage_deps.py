"""Which ``invdiff`` source files a DVC stage runs, and which of them its ``deps`` in dvc.yaml fail to cover.

A stage script is imported (not run) in a fresh interpreter. Required are (1) every ``invdiff`` source reachable
from the script through its imports, those inside functions included (found by walking the sources), and
(2) every other ``invdiff`` module the interpreter then holds. A file is covered when a dep names it or a folder
above it.

One exemption, by design: :mod:`invdiff.config` imports every experiment's params models so that a typo anywhere in
params.yaml fails every stage. A ``config.py`` (or package ``__init__.py``) under ``experiments/`` reached only that
way validates sections the stage does not read: it is not the stage's dependency. The packages whose code the stage
does reach are its own, and their params models are required like any file.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

_PROBE = r'''
import ast, importlib.util, json, sys
from pathlib import Path

ROOT_CONFIG = "invdiff.config"

def module_file(name):
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec and spec.origin and spec.origin.endswith(".py") else None

def imported_names(path):
    """invdiff modules a source file imports anywhere (top level or inside functions)."""
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "invdiff")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "invdiff":
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)  # `from pkg import submodule`

def closure(seed_files, root_config):
    seen, todo = set(), list(seed_files)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_names(path):
            if path == root_config and name.startswith("invdiff.experiments"):
                continue  # the params models it assembles: judged separately (see the exemption)
            parts = name.split(".")
            for i in range(1, len(parts) + 1):  # a module loads its parent packages too
                found = module_file(".".join(parts[:i]))
                if found and found not in seen:
                    todo.append(found)
    return seen

script = sys.argv[1]
spec = importlib.util.spec_from_file_location("stage_under_test", script)
spec.loader.exec_module(importlib.util.module_from_spec(spec))
loaded = [m.__file__ for n, m in list(sys.modules.items())
          if (n == "invdiff" or n.startswith("invdiff.")) and getattr(m, "__file__", None)]
static = closure([str(Path(script).resolve())], module_file(ROOT_CONFIG))
print(json.dumps({"static": sorted(static), "loaded": sorted(loaded)}))
'''


def _relative(paths: list[str], root: Path) -> set[str]:
    out = set()
    for path in paths:
        resolved = Path(path).resolve()
        try:
            out.add(resolved.relative_to(root.resolve()).as_posix())
        except ValueError:
            raise RuntimeError(f"invdiff is loaded from {resolved}, outside {root} (is the package installed "
                               "editable from this checkout?)") from None
    return out


def probe(script: str, root: Path) -> tuple[set[str], set[str]]:
    """(files reachable from the stage script, files its interpreter holds after importing it), repo-relative."""
    proc = subprocess.run([sys.executable, "-c", _PROBE, script], cwd=root, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode:
        raise RuntimeError(f"importing {script} failed:\n{proc.stderr[-3000:]}")
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    return _relative(found["static"], root), _relative(found["loaded"], root)


def stages(dvc_yaml: Path) -> dict[str, dict]:
    """{stage name: {"script": pipeline/x.py, "deps": [...]}}; a foreach stage counts once (its code is shared)."""
    out = {}
    for name, body in YAML(typ="safe").load(dvc_yaml.read_text())["stages"].items():
        body = body.get("do", body)
        script = next(token for token in body["cmd"].split() if token.endswith(".py"))
        out[name] = {"script": script, "deps": list(body.get("deps", [])), "params": body.get("params", [])}
    return out


def covered(path: str, deps: list[str]) -> bool:
    return any(path == dep.rstrip("/") or path.startswith(dep.rstrip("/") + "/") for dep in deps)


def _params_or_package(path: str) -> bool:
    return path.startswith("src/invdiff/experiments/") and path.endswith(("/config.py", "/__init__.py"))


def required_files(script: str, root: Path) -> set[str]:
    static, loaded = probe(script, root)
    own = {f.rsplit("/", 1)[0] for f in static if not _params_or_package(f)}  # packages whose code it runs

    def exempt(path: str) -> bool:
        return _params_or_package(path) and path.rsplit("/", 1)[0] not in own

    return static | {f for f in loaded if not exempt(f)} | {script}


def uncovered(stage: dict, root: Path) -> list[str]:
    """Source files the stage may execute that its deps do not cover (the stage script included)."""
    return sorted(f for f in required_files(stage["script"], root) if not covered(f, stage["deps"]))
