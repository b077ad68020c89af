"""Progress that suits where it is shown: a bar on a terminal, a log line every few percent in CI/DVC logs."""
from __future__ import annotations

import logging
import sys
import time

import pytorch_lightning as pl

log = logging.getLogger("invdiff")


def on_tty() -> bool:
    return sys.stderr.isatty()


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("alembic", "mlflow", "lightning", "pytorch_lightning", "lightning_fabric"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class Progress:
    """Progress of one long piece of work measured in any unit (steps, or the fraction of a time interval).

    ``update_to(done, **info)``: on a terminal a tqdm bar; otherwise a log line (with ``info``) each time another
    ``every_percent`` of ``total`` is done, and one at the end. ``enabled=False`` keeps inner loops quiet.
    """

    def __init__(self, desc: str, total: float, enabled: bool = True, every_percent: int = 10):
        self.desc, self.total, self.enabled, self.every_percent = desc, max(float(total), 1e-12), enabled, every_percent
        self._next, self._start, self._bar, self._done = every_percent, time.perf_counter(), None, 0.0
        if enabled and on_tty():
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=desc, leave=False)

    def update_to(self, done: float, **info) -> None:
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(done - self._done)
            if info:
                self._bar.set_postfix(info, refresh=False)
            self._done = done
            if done >= self.total:
                self._bar.close()
            return
        percent = int(100 * done / self.total + 1e-9)
        if percent >= self._next or done >= self.total:
            extra = "".join(f", {k} {v}" for k, v in info.items())
            log.info("%s: %g/%g (%d%%, %.1fs%s)", self.desc, done, self.total, percent,
                     time.perf_counter() - self._start, extra)
            self._next = (percent // self.every_percent + 1) * self.every_percent


class PercentProgress(pl.Callback):
    """Lightning progress without a bar: one line with step, loss and rate every ``every_percent`` of max_steps."""

    def __init__(self, every_percent: int = 5):
        self.every_percent = every_percent
        self._next = every_percent
        self._start = 0.0
        self._start_step = 0

    def on_train_start(self, trainer, pl_module):
        self._start, self._start_step = time.perf_counter(), trainer.global_step
        done = 100 * trainer.global_step // max(trainer.max_steps, 1)
        self._next = (done // self.every_percent + 1) * self.every_percent
        if trainer.global_step:
            log.info("resumed at step %d/%d", trainer.global_step, trainer.max_steps)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        step, total = trainer.global_step, max(trainer.max_steps, 1)
        percent = 100 * step // total
        if percent >= self._next or step == total:
            loss = trainer.callback_metrics.get("train/loss")
            elapsed = time.perf_counter() - self._start
            rate = (step - self._start_step) / max(elapsed, 1e-9)
            log.info("train step %d/%d (%d%%) loss=%s %.1f steps/s", step, total, percent,
                     f"{float(loss):.4f}" if loss is not None else "n/a", rate)
            self._next = (percent // self.every_percent + 1) * self.every_percent


def lightning_progress() -> tuple[bool, list[pl.Callback]]:
    """(enable_progress_bar, extra callbacks) for a Trainer."""
    if on_tty():
        return True, []
    return False, [PercentProgress()]
