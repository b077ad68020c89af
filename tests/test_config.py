import pytest

from helpers.params import REPO, paper_params, tiny_raw
from invdiff.config import flatten, load_params, load_yaml, parse_params
from invdiff.errors import ConfigError


def test_repository_params_are_valid():
    params = load_params(REPO / "params.yaml")
    assert params.branin.eval.guidance_weights == [0.0, 0.5, 2.0]
    assert params.branin.diffusion.beta_start == pytest.approx(1e-4)


def _error(raw) -> str:
    with pytest.raises(ConfigError) as info:
        parse_params(raw)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_key_is_named():
    raw = tiny_raw()
    raw["branin"]["train"]["learning_rate"] = 0.1
    assert "branin.train.learning_rate: unknown key" in _error(raw)


def test_ill_typed_key_is_named_with_its_value():
    msg = _error(tiny_raw(**{"branin.train.lr": "fast"}))
    assert "branin.train.lr" in msg and "'fast'" in msg


def test_empty_guidance_weights_rejected():
    assert "branin.eval.guidance_weights" in _error(tiny_raw(**{"branin.eval.guidance_weights": []}))


def test_negative_weight_and_bad_choice_rejected():
    assert "branin.eval.guidance_weights" in _error(tiny_raw(**{"branin.eval.guidance_weights": [-1.0]}))
    assert "branin.eval.sampler.name" in _error(tiny_raw(**{"branin.eval.sampler.name": "euler"}))


def test_missing_section_and_non_mapping():
    raw = tiny_raw()
    del raw["branin"]
    assert "branin: required key is missing" in _error(raw)
    with pytest.raises(ConfigError, match="expected a mapping"):
        parse_params([1, 2])


def test_yaml_1_2_floats(tmp_path):
    """DVC writes `-S lr=1e-4` as `1e-4`, which YAML 1.1 loaders read as a string."""
    text = (REPO / "params.yaml").read_text().replace("lr: 2.0e-3", "lr: 1e-4")
    path = tmp_path / "params.yaml"
    path.write_text(text)
    assert load_params(path).branin.train.lr == pytest.approx(1e-4)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: params file not found"):
        load_params(tmp_path / "nope.yaml")


def test_flatten():
    assert flatten({"a": {"b": 1, "c": {"d": 2}}, "e": 3}) == {"a.b": 1, "a.c.d": 2, "e": 3}


def test_paper_params_are_valid_and_differ_only_in_scale():
    paper, default = paper_params(), load_params(REPO / "params.yaml")
    assert paper.branin.eval.targets == default.branin.eval.targets
    assert paper.branin.diffusion == default.branin.diffusion
    assert paper.branin.train.max_steps > default.branin.train.max_steps


def test_paper_pose_config_has_the_authors_sizes():
    paper, default = paper_params(), load_params(REPO / "params.yaml")
    assert paper.pose.transformer.width == 256 and paper.pose.transformer.heads == 8
    assert paper.pose.mlp.width == 1024 and paper.pose.mlp.depth == 5
    assert paper.pose.diffusion == default.pose.diffusion  # same schedule (T = 500, linear 1e-4 -> 0.02)
    assert paper.pose.eval.sampler.name == "ddpm" and paper.pose.eval.paper.frame_stride == 1


def test_transformer_heads_must_divide_width():
    raw = load_yaml(REPO / "params.yaml")
    raw["pose"]["transformer"]["heads"] = 5
    with pytest.raises(ConfigError, match="pose.transformer: value error, width \\(64\\) must be a multiple"):
        parse_params(raw)


def test_paper_igo_config_has_songs_unet():
    paper, default = paper_params(), load_params(REPO / "params.yaml")
    assert paper.igo.model.channels == [32, 64, 128, 256] and paper.igo.model.embed_dim == 256
    assert paper.igo.sde == default.igo.sde  # same forward process; only the scale changes
    assert paper.igo.train.max_steps > default.igo.train.max_steps
    assert set(default.igo.alphas) <= set(paper.igo.alphas)


@pytest.mark.parametrize("key, value, message", [
    ("alphas", [1.0, 0.0], "igo.alphas: value error, every alpha must lie in \\(0, 1\\]"),
    ("alphas", [0.9, 0.9], "alphas must be distinct"),
    ("sde", {"em_steps": 11}, "igo.sde: value error, em_steps must be even"),
    ("sde", {"kappa": 40.0, "em_steps": 20}, "kappa \\(40.0\\) must not exceed em_steps"),
    ("sde", {"sigma": 1.0}, "igo.sde.sigma: input should be greater than 1"),
    ("model", {"channels": [8, 16, 32]}, "igo.model.channels: list should have at least 4 items"),
])
def test_bad_igo_settings_are_named(key, value, message):
    raw = load_yaml(REPO / "params.yaml")
    raw["igo"][key] = value if not isinstance(value, dict) else {**raw["igo"][key], **value}
    with pytest.raises(ConfigError, match=message):
        parse_params(raw)


def test_a_sampler_step_count_beyond_the_schedule_names_its_key():
    from helpers.params import tiny_raw
    from invdiff.config import parse_params
    from invdiff.errors import ConfigError

    raw = tiny_raw(**{"mnist_cfg.eval.sampler.steps": 50})
    with pytest.raises(ConfigError, match=r"mnist_cfg.eval.sampler.steps = 50: ddim needs at most 8 steps"):
        parse_params(raw)


def test_an_architecture_step_count_overrides_only_its_own_sampler():
    raw = load_yaml(REPO / "params.yaml")
    raw["pose"]["eval"]["sampler"].update(name="ddim", steps=50)
    raw["pose"]["eval"]["steps_by_arch"] = {"transformer": 20}
    cfg = parse_params(raw).pose.eval
    assert cfg.sampler_for("transformer").steps == 20 and cfg.sampler_for("mlp").steps == 50
    assert cfg.sampler_for("transformer").eta == cfg.sampler.eta and cfg.sampler.steps == 50
    raw["pose"]["eval"]["steps_by_arch"] = {"transformer": 501}
    with pytest.raises(ConfigError, match=r"pose.eval.steps_by_arch.transformer .*ddim needs at most 500 steps"):
        parse_params(raw)
    raw["pose"]["eval"]["steps_by_arch"] = {"resnet": 20}
    with pytest.raises(ConfigError, match=r"pose.eval.steps_by_arch.resnet"):
        parse_params(raw)
