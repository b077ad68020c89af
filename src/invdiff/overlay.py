"""Params overlays: a file of dotted keys (``branin.train.max_steps: 20000``), each of which must already be a key of
``params.yaml``, whose values replace that key's value. ``params-paper.yaml`` (the GPU scale) is one, so every value
lives in params.yaml and the overlay shows only what it changes; so is the tests' tiny scale
(``tests/params-tiny.yaml``), and ``invdiff.overrides.set_dotted`` (tests, benchmarks) applies the same rule.

    python -m invdiff.overlay params-paper.yaml            # writes the merged params.yaml (comments kept)
    python -m invdiff.overlay params-paper.yaml --check    # validates the overlay, writes nothing
"""
from __future__ import annotations

import argparse
import copy
import io
import sys
from pathlib import Path
from typing import Any

from invdiff.errors import ConfigError, InvdiffError


def load_overlay(path: str | Path) -> dict[str, Any]:
    from invdiff.config import load_yaml

    overlay = load_yaml(path)
    if overlay is None:
        return {}
    if not isinstance(overlay, dict) or any(not isinstance(k, str) for k in overlay):
        raise ConfigError(f"{path}: an overlay is a mapping of dotted keys to values (e.g. `branin.train.lr: 1e-4`)")
    return overlay


def apply_overlay(raw: dict, overlay: dict[str, Any], source: str = "overlay") -> dict:
    """``raw`` with every dotted key of ``overlay`` replaced, in place (also a ruamel round-trip mapping, so its
    comments stay); a key that ``raw`` lacks is an error naming it: an overlay can change values, never add keys."""
    for dotted, value in overlay.items():
        node, walked = raw, []
        *parents, leaf = dotted.split(".")
        for key in parents + [leaf]:
            if not isinstance(node, dict) or key not in node:
                where = ".".join(walked) or "the top level"
                raise ConfigError(f"{source}: {dotted}: no key {key!r} under {where} of params.yaml (an overlay may "
                                  "only change keys params.yaml has; check the spelling or add the key there)")
            if key != leaf:
                node = node[key]
            walked.append(key)
        node[leaf] = copy.deepcopy(value)
    return raw


def _leaves(raw: Any) -> int:
    return sum(_leaves(v) for v in raw.values()) if isinstance(raw, dict) else 1


def count_values(overlay: dict[str, Any]) -> int:
    """Leaf values an overlay sets (a list is one value, a mapping its leaves)."""
    return sum(_leaves(v) for v in overlay.values())


def merged(params_path: str | Path, overlay_path: str | Path) -> str:
    """The text of ``params_path`` with the overlay applied, comments and key order kept; validated."""
    from ruamel.yaml import YAML

    from invdiff.config import parse_params

    yaml = YAML()  # round-trip: keeps comments, as `dvc exp run -S` does
    yaml.width = 120
    data = yaml.load(Path(params_path).read_text())
    apply_overlay(data, load_overlay(overlay_path), source=str(overlay_path))
    out = io.StringIO()
    yaml.dump(data, out)
    # re-read the text as the pipeline will (YAML 1.2 safe load), so a bad value stops here, before any write
    parse_params(YAML(typ="safe", pure=True).load(out.getvalue()), source=f"{params_path} + {overlay_path}")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m invdiff.overlay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("overlay", help="overlay file, e.g. params-paper.yaml")
    parser.add_argument("--params", default="params.yaml", help="the params file to change (default params.yaml)")
    parser.add_argument("--check", action="store_true", help="validate only; write nothing")
    args = parser.parse_args(argv)
    try:
        text = merged(args.params, args.overlay)
    except InvdiffError as exc:
        print(f"overlay: error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        print(f"{args.overlay}: {count_values(load_overlay(args.overlay))} values, all keys of {args.params}; valid")
        return 0
    from invdiff.io import atomic_path

    with atomic_path(args.params) as tmp:
        tmp.write_text(text)
    print(f"{args.params} <- {args.overlay} ({count_values(load_overlay(args.overlay))} values); "
          f"`git diff {args.params}` shows them, `git checkout {args.params}` undoes them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
