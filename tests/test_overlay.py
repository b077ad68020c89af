"""Params overlays: params-paper.yaml changes only keys params.yaml has, and `make paper-params` writes them."""
import shutil

import pytest

from helpers.params import REPO
from invdiff.config import load_params, load_yaml
from invdiff.errors import ConfigError
from invdiff.overlay import apply_overlay, count_values, load_overlay, main


def test_every_key_of_the_paper_overlay_is_a_key_of_params_yaml_and_changes_its_value():
    raw, overlay = load_yaml(REPO / "params.yaml"), load_overlay(REPO / "params-paper.yaml")
    for dotted, value in overlay.items():
        node = raw
        for key in dotted.split("."):
            assert isinstance(node, dict) and key in node, f"params-paper.yaml: {dotted} is not in params.yaml"
            node = node[key]
        assert node != value, f"params-paper.yaml: {dotted} repeats params.yaml's value; drop it"
    assert count_values(overlay) < 130


def test_a_misspelt_key_is_named_and_nothing_is_written(tmp_path):
    params, overlay = tmp_path / "params.yaml", tmp_path / "overlay.yaml"
    shutil.copy(REPO / "params.yaml", params)
    overlay.write_text("branin.train.max_steps: 10\nbranin.trian.lr: 0.1\n")
    before = params.read_text()
    with pytest.raises(ConfigError, match=r"branin\.trian\.lr: no key 'trian' under branin of params.yaml"):
        apply_overlay(load_yaml(params), load_overlay(overlay), "overlay.yaml")
    assert main([str(overlay), "--params", str(params)]) == 2
    assert params.read_text() == before


def test_a_bad_value_stops_before_writing(tmp_path):
    params, overlay = tmp_path / "params.yaml", tmp_path / "overlay.yaml"
    shutil.copy(REPO / "params.yaml", params)
    overlay.write_text("branin.train.lr: fast\n")
    assert main([str(overlay), "--params", str(params)]) == 2
    assert params.read_text() == (REPO / "params.yaml").read_text()


def test_paper_params_write_the_overlay_and_keep_the_comments(tmp_path):
    params = tmp_path / "params.yaml"
    shutil.copy(REPO / "params.yaml", params)
    assert main([str(REPO / "params-paper.yaml"), "--params", str(params)]) == 0
    written, paper = load_params(params), load_overlay(REPO / "params-paper.yaml")
    assert written.branin.train.max_steps == paper["branin.train.max_steps"]
    assert written.mnist_cfg.train.warmup_steps == 0  # TeaPearce's recipe has no warm-up; said, not defaulted
    assert set(written.inverse.operators) == set(paper["inverse.operators"])
    comments = [line for line in (REPO / "params.yaml").read_text().splitlines() if line.lstrip().startswith("#")]
    assert all(line in params.read_text() for line in comments[:5])
    assert main([str(REPO / "params-paper.yaml"), "--params", str(params)]) == 0  # applying twice changes nothing
    assert load_params(params) == written
