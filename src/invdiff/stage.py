"""What every DVC stage script does around its work: logging, params, MLflow set-up, one-line errors."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Callable

from invdiff import tracking
from invdiff.config import Params, load_params
from invdiff.errors import InvdiffError
from invdiff.progress import setup_logging

log = logging.getLogger("invdiff")


def run_stage(name: str, work: Callable[[Params], None], argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=name, description=f"DVC stage {name}")
    parser.add_argument("--params", default="params.yaml", help="params file (default: params.yaml)")
    args = parser.parse_args(argv)
    setup_logging()
    start = time.perf_counter()
    try:
        params = load_params(args.params)
        tracking.setup(params.mlflow)
        work(params)
    except InvdiffError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    log.info("stage %s finished in %.1fs", name, time.perf_counter() - start)
