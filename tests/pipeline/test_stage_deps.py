"""dvc.yaml's deps cover every line a stage can run, so a code change can never leave committed results stale."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from ruamel.yaml import YAML

from helpers.params import REPO
from helpers.stage_deps import covered, required_files, stages, uncovered

STAGES = stages(REPO / "dvc.yaml")


@pytest.fixture(scope="module")
def findings():
    with ThreadPoolExecutor(max_workers=2) as pool:  # each probe is a fresh interpreter importing torch
        return dict(zip(STAGES, pool.map(lambda s: uncovered(STAGES[s], REPO), STAGES)))


def test_every_loaded_module_is_covered_by_the_stage_deps(findings):
    problems = [f"stage {name}: {path} is loaded but not covered by its deps in dvc.yaml"
                for name, files in findings.items() for path in files]
    assert not problems, "\n".join(problems)


def test_every_stage_depends_on_its_script_and_a_stage_that_reads_params_on_the_root_config():
    for name, stage in STAGES.items():
        assert stage["script"] in stage["deps"], name
        if stage["params"]:
            assert covered("src/invdiff/config.py", stage["deps"]), name


def test_a_stage_requires_its_own_params_models_but_not_other_experiments():
    required = required_files("pipeline/eval_branin.py", REPO)
    assert {"src/invdiff/config.py", "src/invdiff/experiments/branin/config.py",
            "src/invdiff/experiments/branin/evaluate.py", "src/invdiff/diffusion/samplers.py"} <= required
    assert not any(f.startswith(("src/invdiff/experiments/pose/", "src/invdiff/experiments/igo/")) for f in required)


def test_removing_a_dep_is_caught(tmp_path):
    """The check itself can fail: drop eval_branin's experiment folder from a copy of dvc.yaml."""
    raw = YAML(typ="safe").load((REPO / "dvc.yaml").read_text())
    raw["stages"]["eval_branin"]["deps"].remove("src/invdiff/experiments/branin")
    broken = tmp_path / "dvc.yaml"
    with open(broken, "w") as handle:
        YAML().dump(raw, handle)
    missing = uncovered(stages(broken)["eval_branin"], REPO)
    assert {"src/invdiff/experiments/branin/evaluate.py", "src/invdiff/experiments/branin/config.py"} <= set(missing)
