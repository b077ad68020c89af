"""Shared by the variant benchmarks: params.yaml plus dotted overrides, trained through the real training entry
in a scratch folder (nothing under models/ is touched; MLflow off)."""
from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from invdiff.config import Params, load_yaml, parse_params
from invdiff.overrides import set_dotted
from invdiff.paths import project_path
from invdiff.training import train


def params_with(overrides: dict) -> Params:
    raw = load_yaml(project_path("params.yaml"))
    raw["mlflow"]["enabled"] = False
    return parse_params(set_dotted(raw, overrides))


def train_variant(task, params: Params):
    """(trained module, wall seconds of training, the training result)."""
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        result = train(task, params, Path(scratch) / "out", scratch=Path(scratch) / "ckpt")
        seconds = time.perf_counter() - start
        return task.load(result.checkpoint), seconds, result


class EqualTime:
    """Steps that give a variant the default's training time: a short probe run of each (through the same entry,
    weight averaging off) measures its seconds per step. Only variants that set one of ``cost_keys`` (what changes
    the price of a step: batch, width) are adjusted, so probe noise never moves the others' budget; variants that
    set their own steps keep them."""

    def __init__(self, task, steps_key: str, default_steps: int, probe_steps: int, quiet: dict,
                 cost_keys: tuple[str, ...]):
        self.task, self.steps_key, self.default_steps = task, steps_key, default_steps
        self.cost_keys = cost_keys
        self.probe = {steps_key: probe_steps, **quiet}
        self.probe_steps = probe_steps
        self.default_per_step = self.seconds_per_step({})

    def seconds_per_step(self, overrides: dict) -> float:
        _, _, result = train_variant(self.task, params_with({**overrides, **self.probe}))
        return result.seconds / self.probe_steps

    def __call__(self, overrides: dict) -> dict:
        if self.steps_key in overrides or not any(key.startswith(self.cost_keys) for key in overrides):
            return overrides
        steps = round(self.default_steps * self.default_per_step / self.seconds_per_step(overrides))
        return {**overrides, self.steps_key: steps}


def variant_args(doc: str, variants: dict, seeds: int, extra=None) -> argparse.Namespace:
    """``--variants a,b,...`` (default: all), ``--seeds N`` and what ``extra(parser)`` adds; Lightning's chatter
    silenced."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default=",".join(variants))
    parser.add_argument("--seeds", type=int, default=seeds)
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    unknown = [name for name in args.variants.split(",") if name not in variants]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(variants)}")
    logging.basicConfig(level=logging.WARNING)
    return args
