"""dvc.yaml's code deps and params lists equal what the stages load and declare, in both directions
(:mod:`invdiff.dvc_deps`), so a code or params change can never leave committed results stale, nor re-run a
stage for a module it does not load."""
import copy

import pytest
from ruamel.yaml import YAML

from helpers.params import REPO
from invdiff.dvc_deps import declared_reads, differences, generated, required_files, stage_bodies


@pytest.fixture(scope="module")
def committed():
    return YAML(typ="safe").load((REPO / "dvc.yaml").read_text())


@pytest.fixture(scope="module")
def wanted(committed):
    return generated(committed, REPO)


def test_committed_dvc_yaml_equals_a_fresh_generation(committed, wanted):
    problems = differences(committed, wanted)
    assert not problems, "\n".join(problems) + "\nfix: make dvc-deps"


def test_dvc_yaml_is_short_enough_to_read():
    assert len((REPO / "dvc.yaml").read_text().splitlines()) <= 400


def _eval_branin(data):
    return stage_bodies(data)["eval_branin"]


def test_a_stray_dep_is_named(committed, wanted):
    data = copy.deepcopy(committed)
    _eval_branin(data)["deps"].append("src/invdiff/sde")
    assert differences(data, wanted) == ["stage eval_branin: dep src/invdiff/sde is not loaded by the stage (extra)"]


def test_a_removed_needed_dep_is_named(committed, wanted):
    data = copy.deepcopy(committed)
    _eval_branin(data)["deps"].remove("src/invdiff/experiments/branin")
    assert differences(data, wanted) == [
        "stage eval_branin: dep src/invdiff/experiments/branin is loaded by the stage but missing"]


def test_an_undeclared_and_an_extra_params_key_are_named(committed, wanted):
    data = copy.deepcopy(committed)
    _eval_branin(data)["params"].remove("branin.eval")
    _eval_branin(data)["params"].append("branin.train")
    assert sorted(differences(data, wanted)) == [
        "stage eval_branin: params key branin.eval is in pipeline/eval_branin.py's READS but missing from dvc.yaml",
        "stage eval_branin: params key branin.train is in dvc.yaml but not in pipeline/eval_branin.py's READS "
        "(extra)"]


def test_every_stage_declares_its_reads_and_runs_its_own_script(committed):
    for name, body in stage_bodies(committed).items():
        script = next(token for token in body["cmd"].split() if token.endswith(".py"))
        assert script == f"pipeline/{name}.py", name  # run_stage names the script after the stage
        declared_reads(REPO / script)


def test_a_stage_requires_its_own_params_models_but_not_other_experiments():
    required = required_files("pipeline/eval_branin.py", REPO)
    assert {"src/invdiff/config.py", "src/invdiff/experiments/branin/config.py",
            "src/invdiff/experiments/branin/evaluate.py", "src/invdiff/diffusion/samplers.py"} <= required
    assert not any(f.startswith(("src/invdiff/experiments/pose/", "src/invdiff/experiments/igo/")) for f in required)
    whole = required_files("pipeline/check_params.py", REPO, whole_params=True)
    assert "src/invdiff/experiments/pose/config.py" in whole  # the stage that validates every section
