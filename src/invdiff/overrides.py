"""Dotted-key overrides of a raw params dict, as ``dvc exp run -S`` writes them (benchmarks and tests)."""
from __future__ import annotations

from typing import Any

from invdiff.overlay import apply_overlay


def set_dotted(raw: dict, overrides: dict[str, Any]) -> dict:
    """Write ``{"pose.train.mlp.lr": 1e-3, ...}`` into ``raw`` in place and return it: the same rule as a params
    overlay (:mod:`invdiff.overlay`), so a key ``raw`` lacks is a ConfigError naming it."""
    return apply_overlay(raw, overrides, source="overrides")
