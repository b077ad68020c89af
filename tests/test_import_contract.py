"""What may import what (docs/architecture.md), enforced: a new cross-experiment or shared -> experiment import
fails here, naming the file and the import, until the architecture doc and ALLOWED say why it is allowed."""
import ast
from pathlib import Path

from helpers.params import REPO

SRC = REPO / "src" / "invdiff"
# (importing file or experiment, imported module prefix): the crossings the architecture doc allows, and why
ALLOWED = {
    ("igo", "invdiff.experiments.mnist.data"): "IGO trains on MNIST's digits",
    ("igo", "invdiff.experiments.mnist.classifier"): "IGO is scored by MNIST's FID classifier",
    ("panel", "invdiff.experiments.mnist.data"): "rotating MNIST is made from MNIST's digits",
    ("inverse", "invdiff.experiments.mnist.data"): "the inverse problems are posed on MNIST's digits",
    ("inverse", "invdiff.experiments.mnist.classifier"): "scored by MNIST's FID classifier",
    ("inverse", "invdiff.experiments.mnist.evaluate"): "the same class-balanced test subset as MNIST's FID",
    ("inverse", "invdiff.experiments.mnist.net"): "both inverse models are MNIST's ContextUnet",
    ("inverse", "invdiff.experiments.mnist.config"): "and its config (UnetConfig)",
    ("cli.py", "invdiff.experiments.pose.command"): "the command line's sample-pose",
    ("cli.py", "invdiff.experiments.mnist.fid_net"): "the command line's freeze-fid",
    ("experiments/registry.py", "invdiff.experiments"): "every task by name, for notebooks and tests",
}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)  # `from pkg import module`


def _owner(rel: str) -> str:
    parts = rel.split("/")
    return parts[1] if parts[0] == "experiments" and len(parts) > 2 else rel


def _crossings() -> list[tuple[str, str, str]]:
    """(file, its owner, imported module) for every import of an experiment other than the file's own."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        for module in _imports(path):
            parts = module.split(".")
            # the bare package (`from invdiff.experiments.mnist import data`) is judged by its submodule
            if parts[:2] == ["invdiff", "experiments"] and len(parts) > 3 and parts[2] != _owner(rel):
                out.append((rel, _owner(rel), module))
    return out


def _allowed(owner: str, module: str) -> bool:
    return any(owner == who and (module == prefix or module.startswith(prefix + "."))
               for who, prefix in ALLOWED)


def test_no_import_crosses_an_experiment_boundary_the_architecture_does_not_allow():
    bad = [f"src/invdiff/{rel}: imports {module}" for rel, owner, module in _crossings()
           if not _allowed(owner, module)]
    assert not bad, "\n".join(bad) + "\n(allowed crossings: docs/architecture.md, 'What may import what')"


def test_an_experiment_package_init_imports_nothing():
    """So judging `from invdiff.experiments.mnist import data` by its submodule is sound."""
    for init in sorted((SRC / "experiments").glob("*/__init__.py")):
        assert not list(_imports(init)), init


def test_the_root_config_names_no_experiment():
    modules = set(_imports(SRC / "config.py"))
    assert not any(m.startswith("invdiff.experiments.") for m in modules), modules


def test_the_architecture_doc_states_every_allowed_crossing():
    doc = (REPO / "docs" / "architecture.md").read_text()
    for who, module in ALLOWED:
        target = module.removeprefix("invdiff.").replace(".", "/")
        assert target in doc or target + ".py" in doc, f"docs/architecture.md does not state {who} -> {module}"


def test_the_check_can_fail():
    assert not _allowed("panel", "invdiff.experiments.mnist.classifier")
    assert not _allowed("branin", "invdiff.experiments.pose.task")
    assert not _allowed("diffusion/samplers.py", "invdiff.experiments.mnist.data")
