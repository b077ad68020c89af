"""The one training entry: resume after an interruption, determinism, and the same MLflow run on resume."""
import mlflow
import pytest
import pytorch_lightning as pl
import torch

from helpers.params import tiny_params
from invdiff import tracking
from invdiff.config import MlflowConfig
from invdiff.tasks import branin
from invdiff.training import train


class Interrupt(Exception):
    pass


class StopAt(pl.Callback):
    """Simulates a killed job: raises once ``global_step`` reaches ``step`` (after that step's checkpoint)."""

    def __init__(self, step):
        self.step = step

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.global_step >= self.step:
            raise Interrupt(f"stopped at {trainer.global_step}")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("INVDIFF_WORKSPACE", str(tmp_path))
    monkeypatch.setenv(tracking.URI_ENV, f"sqlite:///{tmp_path}/store.db")
    tracking.setup(MlflowConfig())
    yield tmp_path
    tracking.setup(MlflowConfig(enabled=False))


def test_resume_continues_from_last_checkpoint_in_the_same_run(tmp_path, store):
    params = tiny_params(**{"mlflow.enabled": True})
    scratch = tmp_path / "scratch"
    with pytest.raises(Interrupt):
        train("branin", params, tmp_path / "out", callbacks=[StopAt(7)], scratch=scratch)
    assert (scratch / "last.ckpt").is_file()
    assert torch.load(scratch / "last.ckpt", weights_only=False)["global_step"] == 5  # every 5 steps
    assert not (tmp_path / "out" / "model.ckpt").exists()
    first_run = (scratch / "mlflow_run_id").read_text()

    result = train("branin", params, tmp_path / "out", scratch=scratch)
    assert result.resumed_from_step == 5 and result.steps == 12
    assert result.run_id == first_run
    assert not scratch.exists(), "scratch checkpoints are removed once training completes"
    assert result.loss_steps[0] == 2 and result.loss_steps[-1] == 12, "the resumed curve keeps its start"
    run = mlflow.get_run(first_run)
    assert run.info.status == "FINISHED"
    losses = mlflow.MlflowClient().get_metric_history(first_run, "train/loss")
    assert max(m.step for m in losses) >= 10
    assert branin.load(result.checkpoint).num_parameters() == result.num_parameters


def test_same_params_give_identical_weights_and_loss(tmp_path):
    params = tiny_params()
    a = train("branin", params, tmp_path / "a", scratch=tmp_path / "sa")
    b = train("branin", params, tmp_path / "b", scratch=tmp_path / "sb")
    assert a.losses == b.losses
    wa, wb = branin.load(a.checkpoint).state_dict(), branin.load(b.checkpoint).state_dict()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    c = train("branin", tiny_params(seed=1), tmp_path / "c", scratch=tmp_path / "sc")
    assert c.losses != a.losses


def test_missing_checkpoint_names_the_path_and_the_fix(tmp_path):
    from invdiff.errors import MissingInputError

    with pytest.raises(MissingInputError, match=r"model\.ckpt: not found\. Train it first: `dvc repro`"):
        branin.load(tmp_path / "model.ckpt")
