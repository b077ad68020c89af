"""Bad values in params ``inverse`` stop check_params with one line naming the key."""
import pytest

from helpers.params import tiny_raw
from invdiff.config import parse_params
from invdiff.errors import ConfigError
from invdiff.experiments.inverse.evaluate import check_noise_levels
from invdiff.overrides import set_dotted


@pytest.mark.parametrize("key, value, message", [
    ("inverse.operators.box.kind", "warp", "inverse.operators.box.kind"),
    ("inverse.sigma_y", 0.0, "inverse.sigma_y"),
    ("inverse.operators.box.size", 30, "box size"),
    ("inverse.eval.dps.zeta", [0.1, -1.0], "dps.zeta"),
    ("inverse.eval.gpnp.beta", [1.5], "gpnp.beta"),
    ("inverse.eval.ula.step", [0.0], "ula.step"),
    ("inverse.eval.guidance_weights", [-1.0], "guidance_weights"),
    ("inverse.eval.calibration_inputs", 100, "calibration_inputs"),
])
def test_bad_inverse_values_name_their_key(key, value, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_params(set_dotted(tiny_raw(), {key: value}))


def test_missing_fraction_outside_the_unit_interval_is_refused():
    raw = tiny_raw()
    raw["inverse"]["operators"]["holes"] = {"kind": "random", "missing": 1.2}
    with pytest.raises(ConfigError, match=r"inverse\.operators\.holes\.missing"):
        parse_params(raw)


def test_a_setting_of_another_kind_is_refused():
    raw = tiny_raw()
    raw["inverse"]["operators"]["box"] = {"kind": "box", "size": 12, "factor": 2}
    with pytest.raises(ConfigError, match=r"inverse\.operators\.box.*factor is not a setting of kind 'box'"):
        parse_params(raw)


def test_the_default_operators_are_valid():
    params = parse_params(tiny_raw())
    assert params.inverse.operators["box"].settings() == {"size": 12}


def test_noise_levels_outside_the_priors_schedule_name_their_key():
    cfg = parse_params(tiny_raw()).inverse.eval
    check_noise_levels(cfg, (0.01, 7.0))
    with pytest.raises(ConfigError, match=r"inverse\.eval\.gpnp\.sigma_max: \[0\.3\] outside"):
        check_noise_levels(cfg, (0.01, 0.1))
