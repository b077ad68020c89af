"""Trains the tiny Branin task as a stage would, for tests/test_ddp.py: Lightning's DDP launcher re-runs this very
script for rank 1, so it must be a file, not pytest.

    python ddp_driver.py ROOT single|ddp [--stop-at STEP]

Prints one line ``RESULT {json}`` from rank zero; with ``--stop-at`` every rank raises at that step (a killed job).
"""
import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for helpers

import pytorch_lightning as pl  # noqa: E402

from helpers.params import tiny_params  # noqa: E402
from invdiff import tracking  # noqa: E402
from invdiff.experiments.branin.task import BraninTask  # noqa: E402
from invdiff.training import train  # noqa: E402


class StopAt(pl.Callback):
    def __init__(self, step):
        self.step = step

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.global_step >= self.step:
            raise KeyboardInterrupt(f"stopped at {trainer.global_step}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("mode", choices=("single", "ddp"))
    parser.add_argument("--stop-at", type=int)
    args = parser.parse_args()
    os.environ["INVDIFF_WORKSPACE"] = str(args.root)
    os.environ[tracking.URI_ENV] = f"sqlite:///{args.root}/store.db"
    overrides = {"mlflow.enabled": True, "trainer.log_every_n_steps": 1}
    if args.mode == "ddp":
        overrides.update({"trainer.strategy": "ddp", "trainer.devices": 2, "trainer.accelerator": "cpu"})
    params = tiny_params(**overrides)
    tracking.setup(params.mlflow)
    callbacks = [StopAt(args.stop_at)] if args.stop_at else []
    result = train(BraninTask(), params, args.root / "out", scratch=args.root / "scratch", callbacks=callbacks)
    print("RESULT " + json.dumps({"steps": result.steps, "losses": result.losses, "run_id": result.run_id,
                                  "resumed_from_step": result.resumed_from_step}), flush=True)


if __name__ == "__main__":
    main()
