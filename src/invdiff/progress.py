"""Progress that suits where it is shown: a bar on a terminal, a log line every few percent in CI/DVC logs; and
the pace of the loops that report it (``pace``: intra-op threads that follow the machine's load)."""
from __future__ import annotations

import logging
import os
import sys
import time

import pytorch_lightning as pl

from invdiff.errors import ConfigError

log = logging.getLogger("invdiff")


def on_tty() -> bool:
    return sys.stderr.isatty()


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("alembic", "mlflow", "lightning", "pytorch_lightning", "lightning_fabric"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


THREADS_ENV = "INVDIFF_THREADS"


class ThreadPace:
    """torch's intra-op threads follow the load of *other* processes: all the threads a stage was given while the
    machine is otherwise idle, one thread while a CPU-bound neighbour runs.

    Why: libgomp's threads spin between parallel regions, so two 2-thread processes on two cores slow each other
    17-38x (benchmarks/busy_machine.py, docs/speed.md); ``OMP_WAIT_POLICY=PASSIVE`` fixes that but costs 18-120 %
    on an idle machine, and it can only be set before torch loads. The thread count can change at any step, so the
    loop itself decides: every ``interval`` seconds it reads the machine's busy time (/proc/stat) less its own
    (``os.times``), in cores. Above ``busy_above`` cores of others it drops to one thread; below ``idle_below`` it
    returns to the stage's own count (the gap keeps it from flapping). Called from the thread that runs torch
    (OpenMP's thread count is per calling thread). ``INVDIFF_THREADS=fixed`` turns it off (and
    :mod:`invdiff`'s spin choice); without /proc/stat it is off. The outputs of the networks that run inside a
    paced loop (the samplers' denoisers) are
    bit-identical at 1 and 2 threads (tests/nets/test_thread_invariance.py) and a sampler's steps are element-wise,
    so samples do not change; a sum over more than torch's grain (32,768 elements, e.g. a metric's mean) may differ
    in the last bit. Not every network is invariant: a Linear layer with a long input (the FID classifier's 3,136,
    the rotating-MNIST encoder's) splits its sum by thread, and weight gradients are not invariant (LayerNorm's
    affine, convolution and BatchNorm kernels sum over the batch per thread). So a loop hands the stage's own count
    back when it ends (:meth:`release`), and a training keeps its thread count: Lightning's steps do not pace, and
    resume and retraining stay exact to the bit on a busy machine (tests/test_resume.py).
    """

    def __init__(self, interval: float = 0.25, busy_above: float = 0.5, idle_below: float = 0.3):
        self.interval, self.busy_above, self.idle_below = interval, busy_above, idle_below
        self.enabled: bool | None = None     # decided at the first call, from the environment
        self._last: tuple[float, float, float] | None = None
        self._own_count: int | None = None   # the stage's own thread count (what set_num_threads last asked for)
        self._applied: int | None = None     # what pace last set
        self.others = 0.0                    # other processes' load at the last reading, in cores

    @staticmethod
    def _busy_seconds() -> float:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    def _reading(self) -> tuple[float, float, float]:
        own = os.times()
        return time.monotonic(), self._busy_seconds(), own.user + own.system

    def _decide(self) -> bool:
        mode = os.environ.get(THREADS_ENV, "adaptive")
        if mode not in ("adaptive", "fixed"):
            raise ConfigError(f"environment {THREADS_ENV}={mode!r}: expected 'adaptive' (threads follow the "
                              f"machine's load, the default) or 'fixed' (keep torch's thread count)")
        return mode == "adaptive" and os.path.exists("/proc/stat")

    def __call__(self) -> None:
        if self.enabled is None:
            self.enabled = self._decide()
        if not self.enabled or "torch" not in sys.modules:
            return
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < self.interval:
            return
        import torch

        reading = self._reading()
        current = torch.get_num_threads()
        if current != self._applied:   # first call, or the stage set its own count since
            self._own_count = current
        if self._last is not None:
            wall = reading[0] - self._last[0]
            self.others = max(0.0, (reading[1] - self._last[1]) - (reading[2] - self._last[2])) / max(wall, 1e-9)
            want = current
            if self.others > self.busy_above:
                want = 1
            elif self.others < self.idle_below:
                want = self._own_count
            if want != current:
                torch.set_num_threads(want)
                log.debug("pace: others use %.2f cores: %d -> %d threads", self.others, current, want)
            self._applied = want
        else:
            self._applied = current
        self._last = reading


    def release(self) -> None:
        """The stage's own thread count again, if pace had changed it (at the end of a paced loop)."""
        if not self.enabled or "torch" not in sys.modules or self._own_count is None:
            return
        import torch

        if torch.get_num_threads() == self._applied != self._own_count:
            torch.set_num_threads(self._own_count)
            self._applied = self._own_count


pace = ThreadPace()


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
        pace()
        if done >= self.total:
            pace.release()
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
    """(enable_progress_bar, extra callbacks) for a Trainer (no thread pace: see :class:`ThreadPace`)."""
    if on_tty():
        return True, []
    return False, [PercentProgress()]
