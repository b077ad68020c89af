"""invdiff: diffusion models as learned optimizers for ill-posed inverse problems.

On import: libgomp's spin-wait, decided once per process from the machine's load, before torch loads.

Why: between two parallel regions libgomp's threads spin (up to 300,000 polls) before they sleep. Alone that is the
fastest wait; beside a CPU-bound process the spinning thread takes the core the other one needs, and a 2-thread
training ran 16-17x slower (benchmarks/busy_machine.py, docs/speed.md). ``GOMP_SPINCOUNT=1000`` makes the threads
sleep early: 2.2x beside a busy process, but +59 % alone, so it is set only when another process is running when
this one starts. It changes how threads wait, never how work is split, so results are the same to the bit
(training keeps its thread count: invdiff.progress.ThreadPace). libgomp reads the variable once, when torch loads
it, so this runs on ``import invdiff``; a stage that starts on an idle machine keeps the default even if a
competitor starts later. Off under ``INVDIFF_THREADS=fixed``, when the user set ``GOMP_SPINCOUNT`` or
``OMP_WAIT_POLICY`` (ACTIVE/PASSIVE) themselves, or once torch is loaded.
"""
from __future__ import annotations

import os
import sys
import time

SPIN_ENV = "GOMP_SPINCOUNT"
BUSY_SPINCOUNT = "1000"
MARK_ENV = "INVDIFF_SPIN_CHOSEN"  # our own choice, which a child process makes again from its own start
spin_decision: str | None = None  # what this process chose, for the stage's log


def runnable_others(readings: int = 3, gap: float = 0.01) -> int:
    """Tasks (threads) of other processes runnable right now: /proc/loadavg's 4th field less this reader, the
    least of a few readings (a short-lived process does not count)."""
    counts = []
    for i in range(readings):
        with open("/proc/loadavg") as fh:
            counts.append(int(fh.read().split()[3].split("/")[0]) - 1)
        if i + 1 < readings:
            time.sleep(gap)
    return min(counts)


def choose_spin(environ=os.environ) -> str | None:
    """Set ``GOMP_SPINCOUNT`` for a busy machine; return a sentence for the log, or None when nothing was set."""
    global spin_decision
    if environ.get(MARK_ENV) is not None and environ.get(SPIN_ENV) == environ.get(MARK_ENV):
        del environ[SPIN_ENV], environ[MARK_ENV]   # inherited from a parent: decide again
    if ("torch" in sys.modules or SPIN_ENV in environ or environ.get("INVDIFF_THREADS") == "fixed"
            or environ.get("OMP_WAIT_POLICY", "").upper() in ("ACTIVE", "PASSIVE")
            or not os.path.exists("/proc/loadavg")):
        return None
    others = runnable_others()
    if others < 1:
        return None
    environ[SPIN_ENV] = environ[MARK_ENV] = BUSY_SPINCOUNT
    spin_decision = (f"{others} other runnable thread(s) at start: {SPIN_ENV}={BUSY_SPINCOUNT} (threads sleep early "
                "instead of spinning; results unchanged)")
    return spin_decision


choose_spin()  # before anything loads torch: libgomp reads its spin count once

__version__ = "0.1.0"
