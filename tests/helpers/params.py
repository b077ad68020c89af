"""Tiny params for fast tests: params.yaml plus the overlay tests/params-tiny.yaml, so they never drift from it."""
import copy
from pathlib import Path

from invdiff.config import load_yaml, parse_params
from invdiff.overlay import apply_overlay, load_overlay
from invdiff.overrides import set_dotted

REPO = Path(__file__).resolve().parents[2]


TINY = REPO / "tests" / "params-tiny.yaml"


def tiny_raw(**overrides):
    """params.yaml with the tiny overlay (tests/params-tiny.yaml) and then ``overrides`` (dotted keys) applied."""
    raw = apply_overlay(copy.deepcopy(load_yaml(REPO / "params.yaml")), load_overlay(TINY), str(TINY))
    return set_dotted(raw, overrides)


def tiny_params(**overrides):
    return parse_params(tiny_raw(**overrides))


def paper_params():
    """params.yaml with the params-paper.yaml overlay applied, as `make paper-params` writes it."""
    raw = copy.deepcopy(load_yaml(REPO / "params.yaml"))
    return parse_params(apply_overlay(raw, load_overlay(REPO / "params-paper.yaml"), "params-paper.yaml"))
