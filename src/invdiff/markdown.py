"""Markdown pieces for ``docs/results.md``, which is generated from ``metrics/*.json`` (``pipeline/results.py``):
a number in the results page is never typed by hand, so it cannot drift from the file it came from."""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

MISSING = "–"


def num(value: Any, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals; a missing or non-finite value reads as a dash, never as a number."""
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return MISSING
    return f"{value:.{digits}f}"


def pm(row: Mapping[str, Any] | None, key: str, digits: int = 3, sd_key: str | None = None) -> str:
    """``row[key] ± row[key_sd]`` (the sd only where the row has one)."""
    if not row or row.get(key) is None:
        return MISSING
    sd = row.get(sd_key or f"{key}_sd")
    text = num(row[key], digits)
    return text if sd is None or text == MISSING else f"{text} ± {num(sd, digits)}"


def pct(fraction: Any, digits: int = 0) -> str:
    """A fraction as a percentage (0.412 -> ``41 %``)."""
    return MISSING if num(fraction) == MISSING else f"{100 * fraction:.{digits}f} %"


def signed(value: Any, digits: int = 3) -> str:
    text = num(value, digits)
    return text if text == MISSING or value < 0 else f"+{text}"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def labelled(rows: Mapping[str, Any], prefix: str) -> list[tuple[float, str]]:
    """The ``<prefix>=<value>`` keys of a metrics dict (``w=0.5``, ``alpha=0.9``) as (value, key), sorted by value.
    The only place the results page reads a number back out of a key."""
    found = []
    for key in rows:
        if key.startswith(f"{prefix}="):
            try:
                found.append((float(key.split("=", 1)[1]), key))
            except ValueError:
                continue
    return sorted(found)


def section(title: str, source: str, *blocks: str | None) -> str:
    """One experiment's part of the page: a heading naming the metrics file it was generated from."""
    body = "\n\n".join(block for block in blocks if block)
    return f"## {title}\n\nGenerated from `{source}`.\n\n{body}\n"
