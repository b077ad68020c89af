"""The few numbers per experiment that ``dvc metrics show`` and ``dvc exp show`` display
(``metrics/headline/<name>.json``); every other number stays in ``metrics/<name>.json``.

Few, short keys that mean the same thing in every file (``fid``, ``fid_ref``, ``fid_floor``, ``w``), so the
table shares columns across experiments and fits a terminal; the reference and the floor ride along, so a headline
that does not beat its reference shows it.
"""
from __future__ import annotations

import math
from typing import Any


def significant(x: float | None, digits: int = 4) -> float | None:
    """``x`` to ``digits`` significant figures (None and non-finite values pass through)."""
    if x is None or not math.isfinite(x) or x == 0:
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def best_over_w(rows: dict[str, Any], key: str) -> tuple[float, dict[str, Any]]:
    """The guidance weight whose ``w=<w>`` row has the lowest ``key``, and that row."""
    label = min((k for k in rows if k.startswith("w=")), key=lambda k: rows[k][key])
    return float(label.split("=", 1)[1]), rows[label]


def rounded(headline: dict[str, Any]) -> dict[str, Any]:
    return {k: significant(v) if isinstance(v, float) else v for k, v in headline.items()}
