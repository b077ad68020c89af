"""Leaf-by-leaf comparison of two metrics trees: how many values of each metrics/*.json changed, and the first few
that did (for "every metric unchanged by a restructuring" claims).

    git worktree add /tmp/before <commit> && python benchmarks/compare_metrics.py /tmp/before/metrics metrics
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def leaves(value, path=""):
    """(dotted path, value) of every leaf; a list of numbers or strings is one leaf."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaves(child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        for i, child in enumerate(value):
            yield from leaves(child, f"{path}[{i}]")
    else:
        yield path, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--show", type=int, default=8, help="differing leaves printed per file")
    args = parser.parse_args()
    for old in sorted(args.before.rglob("*.json")):
        rel = old.relative_to(args.before)
        new = args.after / rel
        if not new.exists():
            print(f"{rel}: missing in {args.after}")
            continue
        a, b = dict(leaves(json.loads(old.read_text()))), dict(leaves(json.loads(new.read_text())))
        diff = [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        print(f"{rel}: {len(a)} leaves, {len(diff)} differ")
        for key, x, y in diff[:args.show]:
            print(f"    {key}: {x!r} -> {y!r}")


if __name__ == "__main__":
    main()
