"""Dotted-key overrides of a raw params dict, as ``dvc exp run -S`` writes them (benchmarks and tests)."""
from __future__ import annotations

from typing import Any


def set_dotted(raw: dict, overrides: dict[str, Any]) -> dict:
    """Write ``{"pose.train.mlp.lr": 1e-3, ...}`` into ``raw`` in place and return it; a missing parent key is a
    KeyError naming it."""
    for dotted, value in overrides.items():
        node = raw
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return raw
