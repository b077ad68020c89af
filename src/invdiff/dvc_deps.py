"""dvc.yaml's code deps and params lists, derived from what each stage loads and declares.

``python -m invdiff.dvc_deps --write`` (``make dvc-deps``) rewrites every stage's ``deps`` and ``params`` in dvc.yaml;
``--check`` (the default, and a test) prints one line per stage and path that differs and exits 1. Other parts of
dvc.yaml (cmd, outs, data deps such as ``models/branin``) stay hand-written and are kept as they are.

Code deps: the stage script is imported (not run) in a fresh interpreter; required is every ``invdiff`` source
reachable from it through its imports (those inside functions included, found by walking the sources) and every
other ``invdiff`` module the interpreter then holds. One exemption, by design: :mod:`invdiff.config` loads every
experiment's params models (their ``SECTIONS``) so that a typo anywhere in params.yaml fails every stage; a
``config.py`` (or package ``__init__.py``) under ``experiments/`` that the stage only holds that way validates
sections the stage does not read, so it is not the stage's dependency (except for a stage that reads the whole
file). Required files are then listed by unit:
a top-level module as its file; a shared package (``src/invdiff/diffusion``) as its folder; the experiment packages the
script imports directly (``src/invdiff/experiments/branin``, or ``.../pose/data`` for the pose data stages) as
their folders; any other experiment file, reached through another experiment (IGO uses MNIST's ``data.py``), as
itself, so that a change to MNIST's CFG model does not retrain IGO. A folder can cover a module the stage does not
load (an experiment's training stage covers its evaluation code): the price of a dvc.yaml short enough to read.

Params: the ``READS`` constant of the stage script, which :mod:`invdiff.params_guard` enforces while the stage runs.
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SRC = "src/invdiff"
EXPERIMENTS = f"{SRC}/experiments"
ALL = "all"

_PROBE = r'''
import ast, importlib.util, json, sys
from pathlib import Path

def module_file(name):
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec and spec.origin and spec.origin.endswith(".py") else None

def imported_names(path):
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "invdiff")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "invdiff":
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)  # `from pkg import submodule`

def closure(seed_files):
    seen, todo = set(), list(seed_files)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_names(path):
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
static = closure([str(Path(script).resolve())])
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


def _params_or_package(path: str) -> bool:
    return path.startswith(EXPERIMENTS + "/") and path.endswith(("/config.py", "/__init__.py"))


def required_files(script: str, root: Path, whole_params: bool = False) -> set[str]:
    """Every source file the stage may execute (see the module docstring for the one exemption)."""
    static, loaded = probe(script, root)
    own = {f.rsplit("/", 1)[0] for f in static if not _params_or_package(f)}  # packages whose code it runs

    def exempt(path: str) -> bool:
        return not whole_params and _params_or_package(path) and path.rsplit("/", 1)[0] not in own

    return static | {f for f in loaded if not exempt(f)} | {script}


def own_packages(script: Path, root: Path) -> set[str]:
    """The experiment package folders whose modules the script imports directly."""
    out = set()
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("invdiff.experiments."):
            path = "/".join([SRC, *node.module.split(".")[1:]])
            out.add(path if (root / path).is_dir() else path.rsplit("/", 1)[0])
    return out


def unit(path: str, own: set[str] = frozenset()) -> str:
    """The dep that lists ``path`` (see the module docstring)."""
    parts = path.split("/")
    if path.startswith(EXPERIMENTS + "/"):
        return next((folder for folder in sorted(own) if path.startswith(folder + "/")), path)
    if path.startswith(SRC + "/") and len(parts) > 3:
        return "/".join(parts[:3])  # src/invdiff/<package>
    return path


def is_code(dep: str) -> bool:
    return dep.startswith((SRC + "/", "pipeline/")) or dep == SRC


def declared_reads(script: Path) -> tuple[str, ...] | str:
    """The script's ``READS`` constant (a tuple of dotted keys, or ``ALL``), read without importing it."""
    for node in ast.parse(script.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "READS" for t in node.targets):
            if isinstance(node.value, ast.Name) and node.value.id == "ALL":
                return ALL
            return tuple(ast.literal_eval(node.value))
    raise ValueError(f"{script}: no READS constant (declare the params keys the stage reads: READS = (...))")


def stage_bodies(data) -> dict[str, dict]:
    """{stage: its body} (a foreach stage's ``do`` body: its code is shared)."""
    return {name: body.get("do", body) for name, body in data["stages"].items()}


def script_of(body) -> str:
    return next(token for token in body["cmd"].split() if token.endswith(".py"))


def generated(data, root: Path, workers: int = 2) -> dict[str, dict]:
    """{stage: {"deps": [...], "params": [...] or ALL}} as this checkout's code implies."""
    bodies = stage_bodies(data)

    def one(name: str) -> dict:
        body = bodies[name]
        script = script_of(body)
        reads = declared_reads(root / script)
        own = {EXPERIMENTS} if reads == ALL else own_packages(root / script, root)  # ALL: every section model
        code = sorted({unit(f, own) for f in required_files(script, root, whole_params=reads == ALL)} - {script})
        data_deps = [d for d in body.get("deps", []) if not is_code(d)]
        return {"deps": data_deps + [script] + code, "params": reads}

    with ThreadPoolExecutor(max_workers=workers) as pool:  # each probe is a fresh interpreter importing torch
        return dict(zip(bodies, pool.map(one, bodies)))


def _params_list(body) -> list | str:
    params = list(body.get("params") or [])
    if params and isinstance(params[0], dict) and "params.yaml" in params[0] and params[0]["params.yaml"] is None:
        return ALL
    return params


def differences(data, wanted: dict[str, dict]) -> list[str]:
    """One line per stage and path where dvc.yaml differs from what the code implies."""
    lines = []
    for name, body in stage_bodies(data).items():
        want, have = wanted[name], [str(d) for d in body.get("deps", [])]
        lines += [f"stage {name}: dep {d} is not loaded by the stage (extra)" for d in have if d not in want["deps"]]
        lines += [f"stage {name}: dep {d} is loaded by the stage but missing" for d in want["deps"] if d not in have]
        listed, declared = _params_list(body), want["params"]
        if ALL in (listed, declared):
            if listed != declared:
                lines.append(f"stage {name}: params is {listed!r} in dvc.yaml, {declared!r} in its READS")
            continue
        script = script_of(body)
        lines += [f"stage {name}: params key {k} is in dvc.yaml but not in {script}'s READS (extra)"
                  for k in listed if k not in declared]
        lines += [f"stage {name}: params key {k} is in {script}'s READS but missing from dvc.yaml"
                  for k in declared if k not in listed]
    return lines


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # flow lists are wrapped by _wrap_flow, the rest is hand-written
    yaml.preserve_quotes = True
    return yaml


def _flow(items):
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def write(path: Path, data, wanted: dict[str, dict]) -> None:
    from ruamel.yaml.comments import CommentedMap

    from invdiff.io import atomic_path

    for name, body in stage_bodies(data).items():
        want = wanted[name]
        body["deps"] = _flow(want["deps"])
        if want["params"] == ALL:
            body["params"] = _flow([CommentedMap([("params.yaml", None)])])
        elif want["params"]:
            body["params"] = _flow(list(want["params"]))
        elif "params" in body:
            del body["params"]
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    with atomic_path(path) as tmp:
        tmp.write_text(_wrap_flow(buffer.getvalue()))


def _wrap_flow(text: str, width: int = 120) -> str:
    """Wrap each generated ``deps: [...]`` / ``params: [...]`` line, continuation lines aligned after the bracket."""
    out = []
    for line in text.splitlines():
        match = re.fullmatch(r"(\s*(?:deps|params): \[)(.*)\]", line)
        if not match or len(line) <= width:
            out.append(line)
            continue
        head, items = match.group(1), match.group(2).split(", ")
        current = head
        for i, item in enumerate(items):
            piece = item + ("]" if i == len(items) - 1 else ",")
            if current not in (head,) and len(current) + 1 + len(piece) > width:
                out.append(current)
                current = " " * len(head) + piece
            else:
                current = current + ("" if current == head else " ") + piece
        out.append(current)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m invdiff.dvc_deps", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite dvc.yaml's deps and params (default: check)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: the cwd)")
    args = parser.parse_args(argv)
    path = args.root / "dvc.yaml"
    data = _yaml().load(path.read_text())
    wanted = generated(data, args.root)
    problems = differences(data, wanted)
    if args.write:
        write(path, data, wanted)
        print(f"dvc.yaml: {len(problems)} difference(s) written")
        return 0
    for line in problems:
        print(line)
    if problems:
        print("fix: run `make dvc-deps` (python -m invdiff.dvc_deps --write) and commit dvc.yaml", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
