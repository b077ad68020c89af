"""Paired sampling seeds and their summary: every method and guidance weight of an evaluation draws seed ``i``
from the same generator, so differences between rows are paired, and each row reports mean ± sd over seeds."""
from __future__ import annotations

import numpy as np
import torch


def paired_generator(seed: int, index: int) -> torch.Generator:
    """The generator of sampling seed ``index`` under the project seed ``seed``: the same for every method."""
    return torch.Generator().manual_seed(seed * 1000 + index)


def summarize(rows: list[dict[str, float]]) -> dict[str, float]:
    """Mean over seeds of every key, and its sample sd as ``<key>_sd`` (0 for a single seed)."""
    out = {}
    for key in rows[0]:
        values = np.array([row[key] for row in rows], dtype=np.float64)
        out[key] = round(float(values.mean()), 6)
        out[f"{key}_sd"] = round(float(values.std(ddof=1)) if len(values) > 1 else 0.0, 6)
    return out
