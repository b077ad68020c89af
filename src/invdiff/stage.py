"""What every DVC stage script does around its work: logging, params, MLflow set-up, one-line errors."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Callable

from invdiff import tracking
from invdiff.config import load_params
from invdiff.errors import InvdiffError
from invdiff.progress import setup_logging

log = logging.getLogger("invdiff")


def run_stage(name: str, work: Callable[..., None], argv: list[str] | None = None,
              add_arguments: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """Run ``work(params)``, or ``work(params, args)`` when the stage adds its own arguments (e.g. a foreach key)."""
    parser = argparse.ArgumentParser(prog=name, description=f"DVC stage {name}")
    parser.add_argument("--params", help="params file (default: the project's params.yaml)")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    setup_logging()
    start = time.perf_counter()
    try:
        params = load_params(args.params)
        tracking.setup(params.mlflow)
        work(params, args) if add_arguments is not None else work(params)
    except InvdiffError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    log.info("stage %s finished in %.1fs", name, time.perf_counter() - start)
