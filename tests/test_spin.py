"""invdiff on import: libgomp sleeps early when another process runs at the start, and that never changes a result."""
import hashlib
import os
import subprocess
import sys
import time

import pytest

import invdiff as spin


@pytest.fixture
def environ(monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # as in a fresh stage process, before torch loads
    return {}


@pytest.mark.parametrize("others,expected", [(0, None), (1, "1000"), (3, "1000")])
def test_set_only_beside_another_runnable_process(monkeypatch, environ, others, expected):
    monkeypatch.setattr(spin, "runnable_others", lambda: others)
    said = spin.choose_spin(environ)
    assert environ.get("GOMP_SPINCOUNT") == expected and (said is not None) == (expected is not None)


@pytest.mark.parametrize("setting", [{"GOMP_SPINCOUNT": "50"}, {"OMP_WAIT_POLICY": "passive"},
                                     {"OMP_WAIT_POLICY": "ACTIVE"}, {"INVDIFF_THREADS": "fixed"}])
def test_a_users_own_setting_is_left_alone(monkeypatch, environ, setting):
    monkeypatch.setattr(spin, "runnable_others", lambda: 1)
    environ.update(setting)
    assert spin.choose_spin(environ) is None and environ == setting


def test_a_choice_inherited_from_a_parent_is_made_again(monkeypatch, environ):
    environ.update({"GOMP_SPINCOUNT": "1000", spin.MARK_ENV: "1000"})
    monkeypatch.setattr(spin, "runnable_others", lambda: 0)
    assert spin.choose_spin(environ) is None and environ == {}


def test_too_late_once_torch_is_loaded(monkeypatch):
    import torch  # noqa: F401

    monkeypatch.setattr(spin, "runnable_others", lambda: 1)
    environ = {}
    assert spin.choose_spin(environ) is None and environ == {}


def _child_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", spin.MARK_ENV, "OMP_WAIT_POLICY",
                                                            "INVDIFF_THREADS")}
    return {**env, **extra}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/loadavg")
def test_a_real_busy_process_is_seen_at_import():
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        out = subprocess.run([sys.executable, "-c", "import os, invdiff; print(os.environ.get('GOMP_SPINCOUNT'))"],
                             env=_child_env(), capture_output=True, text=True, check=True).stdout.strip()
    finally:
        spinner.kill()
        spinner.wait()
    assert out == "1000"


GRADIENTS = r"""
import hashlib, torch
torch.set_num_threads(2)
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3), torch.nn.GroupNorm(4, 16), torch.nn.SiLU(), torch.nn.Flatten(),
                          torch.nn.Linear(16 * 26 * 26, 64), torch.nn.LayerNorm(64), torch.nn.Linear(64, 10))
x = torch.randn(64, 1, 28, 28)
net(x).pow(2).mean().backward()
digest = hashlib.sha256()
for p in net.parameters():
    digest.update(p.grad.numpy().tobytes())
print(digest.hexdigest())
"""


@pytest.mark.parametrize("spincount", ["1000", "0"])
def test_gradients_at_two_threads_are_the_same_to_the_bit_whatever_the_spin_count(spincount):
    def digest(**extra):
        return subprocess.run([sys.executable, "-c", GRADIENTS], env=_child_env(INVDIFF_THREADS="fixed", **extra),
                              capture_output=True, text=True, check=True).stdout.strip()

    assert digest(GOMP_SPINCOUNT=spincount) == digest() and len(digest()) == len(hashlib.sha256().hexdigest())
