"""The one training entry: resume after an interruption, determinism, the same MLflow run on resume, and the
weight average (Lightning's callback with the warm-up) against an average computed by hand."""
import mlflow
import pytest
import pytorch_lightning as pl
import torch

from helpers.params import tiny_params
from invdiff import tracking
from invdiff.experiments.branin.task import BraninTask
from invdiff.experiments.registry import TASKS, get_task
from invdiff.sections import EmaConfig, MlflowConfig
from invdiff.task import Task
from invdiff.training import train, warmup_ema

branin = BraninTask()


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
        train(branin, params, tmp_path / "out", callbacks=[StopAt(7)], scratch=scratch)
    assert (scratch / "last.ckpt").is_file()
    assert torch.load(scratch / "last.ckpt", weights_only=False)["global_step"] == 5  # every 5 steps
    assert not (tmp_path / "out" / "model.ckpt").exists()
    first_run = (scratch / "mlflow_run_id").read_text()

    result = train(branin, params, tmp_path / "out", scratch=scratch)
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
    a = train(branin, params, tmp_path / "a", scratch=tmp_path / "sa")
    b = train(branin, params, tmp_path / "b", scratch=tmp_path / "sb")
    assert a.losses == b.losses
    wa, wb = branin.load(a.checkpoint).state_dict(), branin.load(b.checkpoint).state_dict()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    c = train(branin, tiny_params(seed=1), tmp_path / "c", scratch=tmp_path / "sc")
    assert c.losses != a.losses


def test_retraining_to_the_same_weights_writes_the_same_bytes(tmp_path):
    """models/<task>/ holds nothing a retrain changes (no wall time, no run id), so DVC's hash of it is stable and
    the evaluations downstream do not re-run."""
    params = tiny_params()
    for out in ("a", "b"):  # one scratch path, as the pipeline's .checkpoints/<task>/seed<s>
        train(branin, params, tmp_path / out, scratch=tmp_path / "scratch")
    for name in ("model.ckpt", "train_info.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_missing_checkpoint_names_the_path_and_the_fix(tmp_path):
    from invdiff.errors import MissingInputError

    with pytest.raises(MissingInputError, match=r"model\.ckpt: not found\. Train it first: `dvc repro`"):
        branin.load(tmp_path / "model.ckpt")


class AveragedBranin(BraninTask):
    """Branin trained with a weight average (its params have none): the averaging path on a tiny real task."""

    def averaging(self, params):
        return EmaConfig(decay=0.8)


class RecordRawWeights(pl.Callback):
    """The raw weights after every optimizer step (runs before the averaging callback sees them)."""

    def __init__(self):
        self.weights = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.weights.append({k: v.detach().clone() for k, v in pl_module.net.named_parameters()})


def test_warmup_ema_follows_the_tf_num_updates_schedule():
    average = warmup_ema(0.9)
    a, c = torch.zeros(3), torch.ones(3)
    # the update at optimizer step s sees num_averaged = s - 1; decay = min(0.9, (1 + s) / (10 + s))
    for s, decay in ((2, 3 / 12), (10, 11 / 20), (80, 0.9)):
        torch.testing.assert_close(average(a, c, torch.tensor(s - 1)), torch.full((3,), 1 - decay))


def test_training_with_averaging_saves_the_exact_warmed_up_average(tmp_path):
    params = tiny_params()
    raw = RecordRawWeights()
    result = train(AveragedBranin(), params, tmp_path / "out", callbacks=[raw], scratch=tmp_path / "s")
    assert len(raw.weights) == params.branin.train.max_steps
    expected = dict(raw.weights[0])  # the first update copies the weights
    for step, weights in enumerate(raw.weights[1:], start=2):
        decay = min(0.8, (1 + step) / (10 + step))
        expected = {k: decay * expected[k] + (1 - decay) * weights[k] for k in expected}
    module = branin.load(result.checkpoint)
    for name, value in module.net.named_parameters():
        torch.testing.assert_close(value, expected[name], rtol=1e-5, atol=1e-6)
    assert module.denoiser is module.net
    assert not torch.equal(module.net.output[-1].weight, raw.weights[-1]["output.2.weight"])


def test_averaging_survives_an_interruption(tmp_path):
    params = tiny_params()
    scratch = tmp_path / "scratch"
    with pytest.raises(Interrupt):
        train(AveragedBranin(), params, tmp_path / "out", callbacks=[StopAt(7)], scratch=scratch)
    saved = torch.load(scratch / "last.ckpt", weights_only=False)
    assert int(saved["averaging_state"]["n_averaged"]) == 5 and "current_model_state" in saved
    result = train(AveragedBranin(), params, tmp_path / "out", scratch=scratch)
    final = torch.load(result.checkpoint, weights_only=False)
    assert result.resumed_from_step == 5 and int(final["averaging_state"]["n_averaged"]) == 12


def test_every_registered_task_implements_the_interface():
    params = tiny_params()
    for name, task in TASKS.items():
        assert isinstance(task, Task) and task.name == name and get_task(name) is task
        assert task.experiment == "pose" or task.data_source(params) in ("real", "synthetic")
        assert all(hasattr(params, section) for section in task.depends_on)
    assert get_task("igo_alpha0.7").alpha == 0.7
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        get_task("nope")
