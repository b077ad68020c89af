"""One training entry for every task: ``train(task, params, out_dir)`` for any :class:`~invdiff.task.Task`.

Seeds everything, builds a Lightning ``Trainer`` from the ``trainer`` params (accelerator / devices / strategy /
num_nodes pass straight through, so DDP needs no code change), checkpoints ``last.ckpt`` every
``trainer.checkpoint_every_n_steps`` into a scratch folder (``.checkpoints/<task>/seed<s>/``), and resumes from
it when its resume key (:mod:`invdiff.resume`: params, data, code) matches: a stage re-run after an interruption
continues at the saved step -- data position and random streams included, so it ends where the uninterrupted run
would -- in the same MLflow run. DVC deletes a stage's outputs before running it, so the scratch folder lives
outside them (git- and DVC-ignored) and is removed once training completes. A task that asks for weight averaging
(:meth:`~invdiff.task.Task.averaging`) trains with Lightning's weight-averaging callback; the saved model then
holds the averaged weights; a mid-run ``last.ckpt`` holds the average and the raw weights, so resume restores both.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint, WeightAveraging
from pytorch_lightning.utilities.rank_zero import rank_zero_only

from invdiff import resume, tracking
from invdiff.config import Params, flatten
from invdiff.io import atomic_dir, atomic_path, save_figure, write_csv, write_json, write_results
from invdiff.paths import checkpoint_scratch, plots_dir, timings_path
from invdiff.progress import lightning_progress
from invdiff.sections import EmaConfig
from invdiff.task import Task
from invdiff.viz.curves import loss_curve

log = logging.getLogger("invdiff")


class LossHistory(pl.Callback):
    """Loss curve and wall time; part of the checkpoint, so a resumed run keeps the whole curve. The final
    ``model.ckpt`` leaves the wall time out (``record_time = False``): retraining to the same weights then writes
    the same bytes, and DVC does not re-run the evaluations."""

    def __init__(self, every: int):
        self.every = every
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.seconds = 0.0
        self._t0 = 0.0
        self.record_time = True

    def on_train_start(self, trainer, pl_module):
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        step = trainer.global_step
        if step % self.every == 0 or step == trainer.max_steps:
            self.steps.append(step)
            self.losses.append(float(outputs["loss"] if isinstance(outputs, dict) else outputs))

    def elapsed(self) -> float:
        return self.seconds + (time.perf_counter() - self._t0 if self._t0 else 0.0)

    def state_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "losses": self.losses, "seconds": self.elapsed() if self.record_time else 0.0}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.steps, self.losses, self.seconds = list(state["steps"]), list(state["losses"]), float(state["seconds"])


def warmup_ema(decay: float):
    """``avg_fn`` of an exponential moving average whose decay warms up as min(decay, (1 + s) / (10 + s)) at
    optimizer step s (TF's ExponentialMovingAverage with num_updates): early weights are forgotten quickly.

    ``AveragedModel`` copies the weights at the first update (step 1) and passes the number of updates so far,
    so the update at step s sees ``num_averaged = s − 1``.
    """

    def average(averaged: torch.Tensor, current: torch.Tensor, num_averaged: torch.Tensor) -> torch.Tensor:
        step = int(num_averaged) + 1
        weight = 1.0 - min(decay, (1 + step) / (10 + step))
        return averaged.lerp(current, weight)

    return average


class WarmupEMA(WeightAveraging):
    """Lightning's weight averaging with :func:`warmup_ema`; buffers follow the model (they are not averaged).

    ``EMAWeightAveraging`` fixes a constant-decay ``avg_fn``; the warm-up needs its base class, the documented
    place for a custom one. Checkpointing, resume and the final swap to the average are Lightning's.
    """

    def __init__(self, cfg: EmaConfig):
        super().__init__(use_buffers=False, avg_fn=warmup_ema(cfg.decay))


@dataclass
class TrainResult:
    checkpoint: Path
    run_id: str | None
    steps: int
    seconds: float
    final_loss: float
    num_parameters: int
    loss_steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    resumed_from_step: int = 0


def training_params(task: Task, params: Params) -> dict[str, Any]:
    """Every resolved param that determines the trained weights (not evaluation settings)."""
    section = task.section(params).model_dump(exclude={"eval", "baselines"})
    payload = {"seed": params.seed, "trainer": params.trainer.model_dump(), task.name: section}
    for other in task.depends_on:  # e.g. the dataset section the task trains on
        payload[other] = getattr(params, other).model_dump()
    return payload


def training_fingerprint(task: Task, params: Params) -> str:
    """Hash of :func:`training_params`."""
    return hashlib.sha256(json.dumps(training_params(task, params), sort_keys=True, default=str)
                          .encode()).hexdigest()[:16]


def _may_resume(scratch: Path, key: resume.ResumeKey) -> bool:
    """True when ``scratch`` holds a checkpoint of this very training; otherwise clears it and says why."""
    if not (scratch / "last.ckpt").is_file():
        if scratch.exists():
            resume.discard(scratch, "no checkpoint in it")
        return False
    saved = resume.saved_key(scratch)
    why = key.differences(saved) if saved else ["it has no resume key (written by an older version)"]
    if why:
        log.warning("not resuming %s: %s; training from step 0", scratch, "; ".join(why))
        resume.discard(scratch, "not resumable: " + "; ".join(why))
        return False
    return True


def _logger(task: Task, params: Params, module, scratch: Path, run_id: str | None):
    """The MLflow logger of this training (None when tracking is off); a new run records its params."""
    tags = tracking.run_tags(f"train_{task.name}", task.data_source(params), task=task.name)
    logger = tracking.lightning_logger(task.experiment, f"train_{task.name}", tags, run_id=run_id)
    if logger is not None and run_id is None:
        (scratch / resume.RUN_FILE).write_text(logger.run_id)
        logger.log_hyperparams({**flatten(task.section(params).model_dump(exclude={"eval", "baselines"}),
                                          f"{task.name}."),
                                **flatten(params.trainer, "trainer."), "seed": params.seed,
                                "num_parameters": module.num_parameters()})
    return logger


def _trainer(task: Task, params: Params, scratch: Path, logger, loader, history: "LossHistory",
             callbacks: list[pl.Callback]) -> pl.Trainer:
    t = params.trainer
    checkpointing = ModelCheckpoint(dirpath=scratch, filename="step{step}", save_last=True, save_top_k=0,
                                    every_n_train_steps=t.checkpoint_every_n_steps, enable_version_counter=False)
    show_bar, progress_callbacks = lightning_progress()
    averaging = task.averaging(params)
    averaging_callbacks = [WarmupEMA(averaging)] if averaging is not None and averaging.enabled else []
    return pl.Trainer(
        accelerator=t.accelerator, devices=t.devices, strategy=t.strategy, num_nodes=t.num_nodes,
        precision=t.precision, max_steps=task.section(params).train.max_steps, max_epochs=-1, logger=logger or False,
        callbacks=[history, RankSeed(params.seed), resume.RngState(loader), checkpointing, *averaging_callbacks,
                   *progress_callbacks, *callbacks],
        enable_progress_bar=show_bar, enable_model_summary=False, log_every_n_steps=t.log_every_n_steps,
        limit_val_batches=0, num_sanity_val_steps=0, deterministic="warn", default_root_dir=str(scratch),
        use_distributed_sampler=False,  # ResumableBatchSampler shards itself (and resumes); Lightning's would not
    )


def _fit(trainer: pl.Trainer, module, loader, last: Path, resuming: bool, task: Task, params: Params) -> None:
    """Fit to max_steps (from ``last`` when resuming); an interruption says where its checkpoint is."""
    max_steps, every = task.section(params).train.max_steps, params.trainer.checkpoint_every_n_steps
    try:
        trainer.fit(module, train_dataloaders=loader, ckpt_path=str(last) if resuming else None)
    except (KeyboardInterrupt, SystemExit):  # Lightning turns Ctrl-C into SystemExit(1) after its shutdown
        saved = f"its last checkpoint (step {_saved_step(last)}) is in {last.parent}" if last.is_file() else \
            f"no checkpoint was saved yet (every {every} steps)"
        log.warning("interrupted %s at step %d of %d; %s -- run the same command again (e.g. `dvc repro`) to "
                    "resume from it", task.name, trainer.global_step, max_steps, saved)
        raise
    if trainer.global_step < max_steps:
        raise RuntimeError(f"training of {task.name} stopped at step {trainer.global_step} of "
                           f"{max_steps}; re-run to resume from {last}")


def _save(trainer: pl.Trainer, result: TrainResult, task: Task, params: Params, key, scratch: Path,
          history: LossHistory) -> None:
    """Rank zero writes model.ckpt and train_info.json atomically, closes the run and clears the scratch. Both hold
    only what the weights determine (no wall time, no run id: those go to metrics/<task>_train.json and MLflow)."""
    if not trainer.is_global_zero:
        return
    history.record_time = False
    with atomic_path(result.checkpoint) as tmp:
        trainer.save_checkpoint(tmp)
    write_json(result.checkpoint.parent / "train_info.json", {
        "task": task.name, "steps": result.steps, "final_loss": result.final_loss,
        "num_parameters": result.num_parameters, "data_source": task.data_source(params),
        "resume_key": key.summary()})
    tracking.log_metrics({"train_seconds": result.seconds}, run_id=result.run_id)
    tracking.set_tags({"checkpoint_path": str(result.checkpoint.resolve())}, run_id=result.run_id)
    resume.discard(scratch, "training completed")


def train(task: Task, params: Params, out_dir: str | Path, *, callbacks: list[pl.Callback] | None = None,
          scratch: str | Path | None = None) -> TrainResult:
    """Train ``task`` to ``<section>.train.max_steps``; write ``out_dir/model.ckpt`` and ``out_dir/train_info.json``.

    By name: ``train(get_task("branin"), ...)`` with :func:`invdiff.experiments.registry.get_task`.
    """
    out_dir = Path(out_dir)
    scratch = Path(scratch) if scratch else checkpoint_scratch(task.name, params.seed)
    last = scratch / "last.ckpt"
    if process_rank() > 0:
        return _train_worker(task, params, scratch, callbacks or [])
    run_file = scratch / resume.RUN_FILE
    resume.tidy()

    pl.seed_everything(params.seed, workers=True, verbose=False)
    module, loader = task.build(params)
    key = resume.resume_key(training_params(task, params), loader)
    resuming = _may_resume(scratch, key)
    run_id = run_file.read_text().strip() if resuming and run_file.is_file() else None
    if resuming:
        log.info("found %s (same params, data and code): resuming the interrupted training", last)
        if run_id:
            tracking.set_status(run_id, "RUNNING")
    resume.claim(scratch, out_dir)
    write_json(scratch / resume.KEY_FILE, key.to_json())

    logger = _logger(task, params, module, scratch, run_id)
    history = LossHistory(every=params.trainer.log_every_n_steps)
    trainer = _trainer(task, params, scratch, logger, loader, history, callbacks or [])
    start_step = _saved_step(last) if resuming else 0
    _fit(trainer, module, loader, last, resuming, task, params)
    result = TrainResult(checkpoint=out_dir / "model.ckpt", run_id=logger.run_id if logger else None,
                         steps=trainer.global_step, seconds=history.elapsed(),
                         final_loss=history.losses[-1] if history.losses else float("nan"),
                         num_parameters=module.num_parameters(), loss_steps=history.steps, losses=history.losses,
                         resumed_from_step=start_step)
    _save(trainer, result, task, params, key, scratch, history)
    return result


def process_rank() -> int:
    """This process's global rank: 0 alone and in the process that launches DDP, > 0 in the processes Lightning
    starts for the other devices (it sets their rank in the environment before they import anything)."""
    return int(rank_zero_only.rank)


def _train_worker(task: Task, params: Params, scratch: Path, callbacks: list[pl.Callback]):
    """A DDP process of rank > 0 (Lightning re-runs the stage's command in it): the same model, data and trainer,
    resuming exactly when rank zero does (rank zero has already kept or cleared the scratch), and nothing else --
    rank zero alone owns the MLflow run, the resume key, the scratch and every output. The process ends with the
    fit, so the stage script's writes after ``train`` never run twice."""
    pl.seed_everything(params.seed, workers=True, verbose=False)
    module, loader = task.build(params)
    last = scratch / "last.ckpt"
    history = LossHistory(every=params.trainer.log_every_n_steps)
    trainer = _trainer(task, params, scratch, None, loader, history, callbacks)
    _fit(trainer, module, loader, last, last.is_file(), task, params)
    trainer.save_checkpoint(scratch / "model.ckpt")  # rank zero's final save is collective; only rank zero writes
    raise SystemExit(0)


class RankSeed(pl.Callback):
    """Under DDP each process re-seeds with ``seed + rank`` once its rank is known, so their diffusion noise and
    timesteps differ (the data, built before, is the same in all of them). Alone: no effect, so single-process
    results are unchanged."""

    def __init__(self, seed: int):
        self.seed = seed

    def on_fit_start(self, trainer, pl_module):
        if trainer.world_size > 1:
            pl.seed_everything(self.seed + trainer.global_rank, workers=True, verbose=False)


def _saved_step(path: Path) -> int:
    return int(torch.load(path, map_location="cpu", weights_only=False)["global_step"])


def write_training_outputs(task_name: str, result: TrainResult) -> None:
    """``metrics/<task>_train.json`` and ``plots/<task>_train/loss.{csv,png}``; the figure also goes to MLflow."""
    write_results(f"{task_name}_train", {
        "steps": result.steps, "final_loss": round(result.final_loss, 6), "num_parameters": result.num_parameters,
        "train_seconds": round(result.seconds, 1)})
    timings = timings_path(f"{task_name}_train")  # facts of this run, not of the weights: git-ignored
    write_json(timings, {**json.loads(timings.read_text()), "mlflow_run_id": result.run_id,
                         "resumed_from_step": result.resumed_from_step})
    with atomic_dir(plots_dir(f"{task_name}_train")) as folder:
        write_csv(folder / "loss.csv", ["step", "loss"], zip(result.loss_steps, result.losses))
        fig = loss_curve(result.loss_steps, result.losses, f"{task_name}: training loss")
        tracking.log_figure(fig, "loss.png", run_id=result.run_id)
        save_figure(fig, folder / "loss.png")
