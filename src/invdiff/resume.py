"""What makes an interrupted training safe to resume, and what cleans up after one that cannot be.

A training's scratch folder (``.checkpoints/<task>/seed<s>/``) holds ``last.ckpt``, the MLflow run id, the
*resume key* and the owner process. The key is everything that determines the run: the resolved params of every
section the task reads, the sha256 of the tensors it trains on (so a changed ``amass.source`` or a re-fetched
dataset never resumes), and the code version (the invdiff sources and the torch / Lightning versions). A
mismatch starts fresh and logs which part changed. :class:`RngState` puts the global random streams in the
checkpoint; with the stateful loader (:mod:`invdiff.data.tensors`) a resumed run repeats the uninterrupted one
bit for bit on the same machine.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import random
import shutil
import socket
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch

from invdiff import tracking
from invdiff.io import write_json
from invdiff.paths import scratch_root

log = logging.getLogger("invdiff")
KEY_FILE, OWNER_FILE, RUN_FILE, OUTPUT_FILE = "resume_key.json", "owner.json", "mlflow_run_id", "output"


@lru_cache(maxsize=1)
def code_version() -> str:
    """sha256 (16 hex) of every invdiff source file, with the torch and Lightning versions."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256(f"torch {torch.__version__} lightning {pl.__version__}".encode())
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ResumeKey:
    params: dict[str, Any]
    """Flattened resolved params that determine the weights (``section.key`` -> value)."""
    data: str
    code: str

    def summary(self) -> dict[str, str]:
        """Three short hashes (written to ``train_info.json``)."""
        return {"params": _digest(self.params), "data": self.data[:16], "code": self.code}

    def to_json(self) -> dict[str, Any]:
        return {"params": self.params, "data": self.data, "code": self.code}

    def differences(self, saved: dict[str, Any]) -> list[str]:
        """Why a checkpoint with key ``saved`` must not be resumed; empty when it may."""
        why = []
        old = saved.get("params", {})
        changed = sorted(k for k in old.keys() | self.params.keys() if old.get(k) != self.params.get(k))
        if changed:
            shown = ", ".join(f"{k}: {old.get(k, '<absent>')!r} -> {self.params.get(k, '<absent>')!r}"
                              for k in changed[:4])
            why.append(f"params changed ({shown}{', ...' if len(changed) > 4 else ''})")
        if saved.get("data") != self.data:
            why.append(f"the training data changed (sha256 {str(saved.get('data'))[:12]} -> {self.data[:12]})")
        if saved.get("code") != self.code:
            why.append(f"the code changed (version {saved.get('code')} -> {self.code})")
        return why


def resume_key(params_payload: dict[str, Any], loader) -> ResumeKey:
    from invdiff.config import flatten

    flat = json.loads(json.dumps(flatten(params_payload), default=str))  # tuples -> lists, as saved
    return ResumeKey(params=flat, data=loader.dataset.digest(), code=code_version())


class RngState(pl.Callback):
    """The global random streams (torch, CUDA, numpy, python) in every checkpoint, restored right before the
    first step of a resumed run, after Lightning has re-created the data iterator.

    A new epoch's ``iter(DataLoader)`` draws one number from torch's global stream; when the checkpoint ends an
    epoch, the restore repeats that draw, as the uninterrupted run made it between the two steps.
    """

    def __init__(self, loader):
        self.loader = loader
        self._pending: dict[str, Any] | None = None

    def state_dict(self) -> dict[str, Any]:
        """This process's streams; under DDP every process's (``per_rank``), since rank zero writes the file."""
        mine = self._streams()
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            gathered: list[Any] = [None] * torch.distributed.get_world_size()
            torch.distributed.all_gather_object(gathered, mine)
            return {**mine, "per_rank": gathered}
        return mine

    def _streams(self) -> dict[str, Any]:
        name, keys, pos, has_gauss, cached = np.random.get_state()
        numpy_state = [name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)]
        return {"torch": torch.get_rng_state(), "numpy": numpy_state, "python": random.getstate(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                "epoch_finished": bool(getattr(self.loader.batch_sampler, "epoch_finished", False))}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._pending = state

    def on_train_start(self, trainer, pl_module):
        per_rank = (self._pending or {}).get("per_rank")
        if per_rank is not None:
            if len(per_rank) != trainer.world_size:
                raise RuntimeError(f"the checkpoint was written by {len(per_rank)} DDP processes, this run has "
                                   f"{trainer.world_size}: resume with the same trainer.devices / num_nodes")
            self._pending = per_rank[trainer.global_rank]

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        torch.set_rng_state(state["torch"])
        name, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
        random.setstate(state["python"])
        if state["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])
        if state["epoch_finished"]:
            torch.empty((), dtype=torch.int64).random_()


def _alive(owner: dict[str, Any]) -> bool:
    if owner.get("host") != socket.gethostname():
        return True  # another machine's process: cannot tell, leave it alone
    try:
        os.kill(int(owner["pid"]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, KeyError, ValueError):
        return True
    return True


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def claim(scratch: Path, output: Path) -> None:
    """Mark ``scratch`` as this process's (so :func:`tidy` leaves it alone) and record where it trains to."""
    scratch.mkdir(parents=True, exist_ok=True)
    write_json(scratch / OWNER_FILE, {"pid": os.getpid(), "host": socket.gethostname()})
    (scratch / OUTPUT_FILE).write_text(str(output.resolve()))


def discard(scratch: Path, reason: str) -> None:
    """Remove a scratch folder that will never be resumed; its MLflow run, if still RUNNING, becomes KILLED."""
    run_file = scratch / RUN_FILE
    run_id = run_file.read_text().strip() if run_file.is_file() else None
    if run_id and tracking.run_status(run_id) == "RUNNING":
        tracking.set_status(run_id, "KILLED")
        log.info("MLflow run %s of %s marked KILLED (%s)", run_id, scratch, reason)
    shutil.rmtree(scratch, ignore_errors=True)
    root = scratch_root()
    for folder in (scratch.parent, scratch.parent.parent):  # .checkpoints/<task>/ and .checkpoints/ once empty
        if folder == root or root in folder.parents:
            with contextlib.suppress(OSError):
                folder.rmdir()


def saved_key(scratch: Path) -> dict[str, Any] | None:
    return _read_json(scratch / KEY_FILE)


def tidy(root: Path | None = None) -> list[Path]:
    """Clean up after trainings whose process died: their MLflow run RUNNING -> KILLED, and a checkpoint whose
    training has since completed with the same key (e.g. DVC restored the stage from its run-cache) removed.

    Checkpoints of dead trainings that did not complete stay, to be resumed. Returns the folders removed.
    """
    root = root or scratch_root()
    removed = []
    for owner_file in sorted(root.glob(f"*/*/{OWNER_FILE}")):
        scratch = owner_file.parent
        owner = _read_json(owner_file) or {}
        if _alive(owner):
            continue
        run_file = scratch / RUN_FILE
        run_id = run_file.read_text().strip() if run_file.is_file() else None
        if run_id and tracking.run_status(run_id) == "RUNNING":
            tracking.set_status(run_id, "KILLED")
            log.info("MLflow run %s marked KILLED: its training (pid %s) is gone; %s can resume it",
                     run_id, owner.get("pid"), scratch)
        output = (scratch / OUTPUT_FILE).read_text().strip() if (scratch / OUTPUT_FILE).is_file() else ""
        info = _read_json(Path(output) / "train_info.json") if output else None
        key = saved_key(scratch)
        if info and key and info.get("resume_key") == ResumeKey(**key).summary():
            discard(scratch, "its training has completed")
            log.info("removed %s: %s already holds the completed training", scratch, output)
            removed.append(scratch)
    return removed
