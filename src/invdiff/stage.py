"""What every DVC stage script does around its work: logging, params, MLflow set-up, one-line errors."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Callable

import invdiff
from invdiff import tracking
from invdiff.config import load_params
from invdiff.errors import InvdiffError
from invdiff.params_guard import declared_only, expand
from invdiff.progress import setup_logging

log = logging.getLogger("invdiff")


def run_stage(name: str, work: Callable[..., None], *, reads, foreach: str | None = None,
              argv: list[str] | None = None,
              add_arguments: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """Run ``work(params)``, or ``work(params, args)`` when the stage adds its own arguments (e.g. a foreach key).

    ``reads`` are the params keys the stage reads (dotted, ``${item}`` for a foreach stage's item, which is the
    argument named ``foreach``), or :data:`invdiff.params_guard.ALL`. They are dvc.yaml's params list
    (``make dvc-deps`` writes it), and reading any other key fails the stage (:mod:`invdiff.params_guard`).
    """
    parser = argparse.ArgumentParser(prog=name, description=f"DVC stage {name}")
    parser.add_argument("--params", help="params file (default: the project's params.yaml)")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    setup_logging()
    if invdiff.spin_decision:
        log.info("%s", invdiff.spin_decision)
    start = time.perf_counter()
    try:
        params = load_params(args.params)
        tracking.setup(params.mlflow)
        keys = reads if isinstance(reads, str) else expand(reads, getattr(args, foreach) if foreach else None)
        with declared_only(params, keys, name, f"pipeline/{name}.py"):
            work(params, args) if add_arguments is not None else work(params)
    except InvdiffError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    log.info("stage %s finished in %.1fs", name, time.perf_counter() - start)


def set_threads(threads: int | None) -> None:
    """torch's intra-op threads for this stage (None: torch's default, one per core)."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
