"""The frozen FID feature net: byte-stable files, checksum checks with errors that name the fix, freezing, and the
fid_classifier stage in both modes."""
import importlib.util
import json

import pytest
import torch

from helpers.params import REPO, tiny_params, tiny_raw
from helpers.project import at_project
from invdiff.cli import main as cli_main
from invdiff.errors import ConfigError, MissingInputError
from invdiff.experiments.mnist import classifier, fid_net
from invdiff.experiments.mnist import data as mnist


def _net(seed=0, feature_dim=8):
    torch.manual_seed(seed)
    return classifier.LeNet(feature_dim=feature_dim).eval()


def test_same_weights_give_the_same_bytes_and_the_same_features(tmp_path):
    net = _net()
    a = fid_net.save_net(net, tmp_path / "a.pt", {"note": "x"})
    b = fid_net.save_net(net, tmp_path / "sub" / "b.pt", {"note": "y"})
    assert a == b == fid_net.file_sha256(tmp_path / "a.pt")
    assert a != fid_net.save_net(_net(seed=1), tmp_path / "c.pt", {})
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    loaded = fid_net.load_verified(tmp_path / "sub" / "b.pt", a)
    assert torch.equal(loaded.features(x), net.features(x))
    side = json.loads((tmp_path / "a.json").read_text())
    assert side["sha256"] == a and side["feature_dim"] == 8 and side["note"] == "x"


def test_a_changed_file_is_refused_with_both_hashes_and_the_fixes(tmp_path):
    path = tmp_path / "net.pt"
    digest = fid_net.save_net(_net(), path, {})
    wrong = "0" * 64
    with pytest.raises(ConfigError) as err:
        fid_net.load_verified(path, wrong)
    message = str(err.value)
    assert "classifier.frozen.sha256" in message and digest in message and wrong in message
    assert "git checkout" in message
    with pytest.raises(MissingInputError, match="classifier.frozen.path.*classifier.source: train"):
        fid_net.load_verified(tmp_path / "absent.pt", digest)
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ConfigError, match="not a feature net"):
        fid_net.load_verified(tmp_path / "other.pt", fid_net.file_sha256(tmp_path / "other.pt"))


def test_the_committed_frozen_net_is_the_one_params_names():
    cfg = tiny_params().classifier
    assert cfg.source == "frozen"
    path = REPO / cfg.frozen.path
    net = fid_net.load_verified(path, cfg.frozen.sha256)
    side = fid_net.provenance(path)
    assert side["sha256"] == cfg.frozen.sha256 and side["feature_dim"] == net.features[-1].out_features == 32
    assert side["test_accuracy"] >= 0.97 and side["training"]["steps"] == len(side["training"]["losses"]) * 25


def test_freeze_copies_byte_for_byte_and_never_overwrites(tmp_path, capsys):
    source = tmp_path / "models" / "net.pt"
    digest = fid_net.save_net(_net(), source, {"recipe": "r"})
    out = tmp_path / "data" / "fid" / "v2.pt"
    assert cli_main(["freeze-classifier", "--net", str(source), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"sha256: {digest}" in printed and f"path: {out}" in printed
    assert fid_net.file_sha256(out) == digest
    assert fid_net.provenance(out)["frozen_from"] == str(source) and fid_net.provenance(out)["recipe"] == "r"
    assert cli_main(["freeze-classifier", "--net", str(source), "--out", str(out)]) == 2
    assert "never overwritten" in capsys.readouterr().err


def _stage():
    spec = importlib.util.spec_from_file_location("fid_classifier_stage", REPO / "pipeline" / "fid_classifier.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def project(tmp_path):
    with at_project(tmp_path):
        splits, info = mnist.fetch(tiny_params().mnist, seed=0)
        mnist.write_splits(splits, info)
        yield tmp_path


def test_stage_trains_a_net_that_can_be_frozen_and_then_installs_it(project):
    stage = _stage()
    stage.work(tiny_params(**{"classifier.source": "train"}))
    metrics = json.loads((project / "metrics" / "classifier.json").read_text())
    trained = project / "models" / "classifier" / "net.pt"
    assert metrics["source"] == "train" and metrics["sha256"] == fid_net.file_sha256(trained)
    side = fid_net.provenance(trained)
    assert side["recipe"]["train"]["max_steps"] == 6 and side["training"]["steps"] == 6
    assert classifier.load().features[-1].out_features == 8  # the train-mode feature_dim

    frozen = project / "data" / "fid" / "v9.pt"
    digest = fid_net.freeze(trained, frozen)
    stage.work(tiny_params(**{"classifier.frozen.path": "data/fid/v9.pt", "classifier.frozen.sha256": digest}))
    metrics = json.loads((project / "metrics" / "classifier.json").read_text())
    assert metrics["source"] == "frozen" and metrics["sha256"] == digest
    assert fid_net.file_sha256(project / "models" / "classifier" / "net.pt") == digest
    assert json.loads((project / "metrics" / "classifier_train.json").read_text())["steps"] == 6

    before = (project / "models" / "classifier" / "net.pt").read_bytes()
    with pytest.raises(ConfigError, match="data/fid/v9.pt has SHA-256"):
        stage.work(tiny_params(**{"classifier.frozen.path": "data/fid/v9.pt",
                                  "classifier.frozen.sha256": "f" * 64}))
    assert (project / "models" / "classifier" / "net.pt").read_bytes() == before  # a failed stage changes nothing


def test_a_malformed_checksum_in_params_names_the_key():
    raw = tiny_raw(**{"classifier.frozen.sha256": "abc"})
    from invdiff.config import parse_params

    with pytest.raises(ConfigError, match="classifier.frozen.sha256"):
        parse_params(raw)


def test_the_frozen_net_is_confident_on_digits_and_not_on_pixel_noise():
    cfg = tiny_params().classifier
    net = fid_net.load_verified(REPO / cfg.frozen.path, cfg.frozen.sha256)
    digits = mnist.to_model_space(mnist.load_bundled(0.2, seed=0)["test"][0][:300])  # no fetch stage needed
    assert classifier.confident_fraction(net, digits) >= 0.95
    noise = torch.Generator().manual_seed(0)
    assert classifier.confident_fraction(net, torch.rand(300, 1, 28, 28, generator=noise) * 2 - 1) <= 0.5
    assert classifier.confident_fraction(net, digits, threshold=0.999) < classifier.confident_fraction(net, digits)
