"""A stage reads only the params keys it declares (invdiff.params_guard, enforced by run_stage)."""
import pytest

from helpers.params import REPO
from invdiff.config import flatten, load_params
from invdiff.errors import ConfigError
from invdiff.params_guard import ALL, declared_only, expand
from invdiff.sections import Section
from invdiff.stage import run_stage


@pytest.fixture(scope="module")
def params():
    return load_params(REPO / "params.yaml")


def test_declared_keys_read_and_dump_freely(params):
    with declared_only(params, ("seed", "branin.train"), "demo", "pipeline/demo.py"):
        assert params.seed == 0 or isinstance(params.seed, int)
        assert params.branin.train.lr > 0  # the parent passes through to a declared child
        assert flatten(params.branin.train)  # a declared section dumps whole
        params.mlflow.enabled  # exempt: where runs are logged, not what they compute


def test_an_undeclared_key_fails_naming_it_and_the_fix(params):
    with declared_only(params, ("seed", "branin.eval"), "eval_branin", "pipeline/eval_branin.py"):
        with pytest.raises(ConfigError) as err:
            params.branin.diffusion.timesteps
    message = str(err.value)
    assert "stage eval_branin reads params key 'branin.diffusion'" in message
    assert "pipeline/eval_branin.py" in message and "make dvc-deps" in message


def test_dumping_a_parent_of_a_declared_key_fails(params):
    with declared_only(params, ("branin.train",), "demo", "pipeline/demo.py"):
        with pytest.raises(ConfigError, match="by dumping its parent"):
            params.branin.model_dump()
        with pytest.raises(ConfigError, match="'seed'"):
            params.model_dump()


def test_the_guard_is_gone_after_the_block(params):
    with pytest.raises(ConfigError):
        with declared_only(params, (), "demo", "pipeline/demo.py"):
            params.branin
    assert params.branin.train.lr > 0 and params.model_dump()
    assert "__getattribute__" not in Section.__dict__ and "model_dump" not in Section.__dict__


def test_all_and_foreach_items(params):
    with declared_only(params, ALL, "check_params", "pipeline/check_params.py"):
        assert params.model_dump()
    assert expand(("pose.${item}", "seed"), "mlp") == ("pose.mlp", "seed")


def test_run_stage_refuses_an_undeclared_read_in_one_line(capsys):
    def work(params):
        return params.branin.train.lr

    with pytest.raises(SystemExit) as exit_:
        run_stage("eval_branin", work, reads=("seed", "branin.eval"), argv=["--params", str(REPO / "params.yaml")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("eval_branin: error: stage eval_branin reads params key 'branin.train'")


def test_a_dump_that_excludes_the_undeclared_keys_passes(params):
    with declared_only(params, ("branin.train", "branin.model"), "demo", "pipeline/demo.py"):
        assert set(params.branin.model_dump(include={"train", "model"})) == {"train", "model"}
        with pytest.raises(ConfigError, match="'branin.data'"):
            params.branin.model_dump(exclude={"eval", "baselines"})
