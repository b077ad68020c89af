"""Resume is exact and safe: an interrupted-and-resumed training equals the uninterrupted one bit for bit, a
change of params, data or code never resumes, and a dead training's MLflow run and orphan checkpoint are
cleaned up."""
import json
import logging
import subprocess
import sys

import mlflow
import pytest
import pytorch_lightning as pl
import torch
from test_training import AveragedBranin, Interrupt, StopAt, store  # noqa: F401  (fixture)
from torch.utils.data import BatchSampler, RandomSampler

from helpers.params import tiny_params
from invdiff import resume
from invdiff.data.tensors import ResumableBatchSampler, tensor_loader
from invdiff.experiments.branin.task import BraninTask
from invdiff.progress import pace
from invdiff.training import train

branin = BraninTask()


def _weights(path):
    return torch.load(path, weights_only=False)["state_dict"]


def _same_weights(a, b):
    wa, wb = _weights(a), _weights(b)
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


def test_batches_follow_the_plain_shuffled_batch_sampler_across_epochs():
    sampler = ResumableBatchSampler(10, 3, seed=3, drop_last=True)
    plain = BatchSampler(RandomSampler(range(10), generator=torch.Generator().manual_seed(3)), 3, drop_last=True)
    for _ in range(3):  # a new iterator per epoch, as the DataLoader makes one; Lightning stops at len()
        it = iter(plain)
        assert list(sampler) == [next(it) for _ in range(len(sampler))]


@pytest.mark.parametrize("served", [0, 2, 3])
def test_sampler_state_restores_the_remaining_batches_of_the_epoch(served):
    a = ResumableBatchSampler(10, 3, seed=1, drop_last=True)
    list(a)  # one whole epoch
    epoch = iter(a)
    for _ in range(served):
        next(epoch)
    state = a.state_dict()
    rest, following = list(epoch), list(a)
    b = ResumableBatchSampler(10, 3, seed=1, drop_last=True)
    b.load_state_dict(state)
    if served < 3:  # the rest of the interrupted epoch, then the same next epoch
        assert len(rest) == 3 - served and list(b) == rest
    assert list(b) == following


@pytest.mark.parametrize("task,every,stop", [(branin, 5, 7), (branin, 4, 9), (AveragedBranin(), 4, 9)],
                         ids=["mid-epoch", "epoch-end", "averaged"])
def test_resumed_training_equals_the_uninterrupted_one_bitwise(tmp_path, task, every, stop):
    params = tiny_params(**{"trainer.checkpoint_every_n_steps": every})  # 8 batches per epoch, 12 steps
    whole = train(task, params, tmp_path / "whole", scratch=tmp_path / "s0")
    with pytest.raises(Interrupt):
        train(task, params, tmp_path / "cut", callbacks=[StopAt(stop)], scratch=tmp_path / "s1")
    resumed = train(task, params, tmp_path / "cut", scratch=tmp_path / "s1")
    assert resumed.resumed_from_step == (stop // every) * every > 0
    assert resumed.losses == whole.losses
    assert _same_weights(resumed.checkpoint, whole.checkpoint)


class ThreadsSeen(pl.Callback):
    def __init__(self):
        self.seen = set()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.seen.add(torch.get_num_threads())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the thread pace reads /proc/stat")
def test_training_beside_a_busy_process_keeps_its_threads_and_resumes_bitwise(tmp_path, monkeypatch):
    """Weight gradients differ in the last bit between 1 and 2 threads (LayerNorm's affine kernel), so a training
    whose thread count followed the machine's load would not resume exactly; the pace reads the load every call."""
    monkeypatch.setattr(pace, "enabled", True)
    monkeypatch.setattr(pace, "interval", 0.0)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        params = tiny_params(**{"trainer.checkpoint_every_n_steps": 5})
        seen = ThreadsSeen()
        whole = train(branin, params, tmp_path / "whole", scratch=tmp_path / "s0", callbacks=[seen])
        with pytest.raises(Interrupt):
            train(branin, params, tmp_path / "cut", callbacks=[StopAt(7)], scratch=tmp_path / "s1")
        resumed = train(branin, params, tmp_path / "cut", scratch=tmp_path / "s1", callbacks=[seen])
    finally:
        spinner.kill()
        spinner.wait()
        torch.set_num_threads(before)
    assert seen.seen == {2}
    assert resumed.losses == whole.losses and _same_weights(resumed.checkpoint, whole.checkpoint)


class ShiftedBranin(BraninTask):
    """The same params, other training data (as when ``amass.source`` points elsewhere)."""

    def build(self, params):
        module, loader = super().build(params)
        loader.dataset.tensors = tuple(t + 0.01 for t in loader.dataset.tensors)
        return module, loader


@pytest.mark.parametrize("change", ["data", "params", "code"])
def test_a_changed_run_does_not_resume_and_says_why(tmp_path, change, caplog, monkeypatch):
    params = tiny_params()
    scratch = tmp_path / "s"
    with pytest.raises(Interrupt):
        train(branin, params, tmp_path / "out", callbacks=[StopAt(7)], scratch=scratch)
    task = branin
    if change == "data":
        task = ShiftedBranin()
    elif change == "params":
        params = tiny_params(**{"branin.train.lr": 0.5 * params.branin.train.lr})
    else:
        monkeypatch.setattr(resume, "code_version", lambda: "0123456789abcdef")
    with caplog.at_level(logging.WARNING, logger="invdiff"):
        result = train(task, params, tmp_path / "out", scratch=scratch)
    assert result.resumed_from_step == 0
    expected = {"data": "the training data changed", "params": "params changed (branin.train.lr",
                "code": "the code changed"}[change]
    assert expected in caplog.text and "not resuming" in caplog.text
    fresh = train(task, params, tmp_path / "fresh", scratch=tmp_path / "s2")
    assert _same_weights(result.checkpoint, fresh.checkpoint), "a fresh start, not a mix"


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_tidy_marks_a_dead_training_killed_and_removes_its_checkpoint_once_completed(tmp_path, store):  # noqa: F811
    params = tiny_params(**{"mlflow.enabled": True})
    root = tmp_path / ".checkpoints"
    scratch = root / "branin" / "seed0"
    with pytest.raises(Interrupt):
        train(branin, params, tmp_path / "out", callbacks=[StopAt(7)], scratch=scratch)
    run_id = (scratch / resume.RUN_FILE).read_text()
    mlflow.MlflowClient().update_run(run_id, status="RUNNING")  # as SIGKILL leaves it
    owner = json.loads((scratch / resume.OWNER_FILE).read_text())
    (scratch / resume.OWNER_FILE).write_text(json.dumps({**owner, "pid": _dead_pid()}))

    assert resume.tidy(root) == [], "an incomplete training's checkpoint stays, to be resumed"
    assert mlflow.get_run(run_id).info.status == "KILLED"
    assert (scratch / "last.ckpt").is_file()

    train(branin, params, tmp_path / "out", scratch=tmp_path / "elsewhere")  # e.g. DVC's run-cache restore
    assert resume.tidy(root) == [scratch] and not scratch.exists()


def test_a_live_training_is_left_alone(tmp_path):
    scratch = tmp_path / ".checkpoints" / "branin" / "seed0"
    resume.claim(scratch, tmp_path / "out")
    assert resume.tidy(tmp_path / ".checkpoints") == [] and scratch.is_dir()


def test_the_loader_hashes_what_the_model_trains_on():
    x = torch.arange(12.0).reshape(6, 2)
    a = tensor_loader(x, batch_size=2, seed=0).dataset.digest()
    assert a == tensor_loader(x.clone(), batch_size=3, seed=1).dataset.digest()
    assert a != tensor_loader(x + 1e-6, batch_size=2, seed=0).dataset.digest()
    assert a != tensor_loader(x.double(), batch_size=2, seed=0).dataset.digest()


class CtrlC(StopAt):
    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.global_step >= self.step:
            raise KeyboardInterrupt


def test_ctrl_c_says_how_to_resume(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="invdiff"), pytest.raises(SystemExit):
        train(branin, tiny_params(), tmp_path / "out", callbacks=[CtrlC(7)], scratch=tmp_path / "s")
    assert "interrupted branin at step 7 of 12; its last checkpoint (step 5)" in caplog.text
    assert "run the same command again" in caplog.text
