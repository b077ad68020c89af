"""invdiff.progress.pace: one thread while another process keeps a core busy, the stage's own count when idle."""
import subprocess
import sys
import time

import pytest
import torch

from invdiff import progress
from invdiff.errors import ConfigError
from invdiff.progress import Progress, ThreadPace


@pytest.fixture
def threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _scripted(monkeypatch, pace, others):
    """Readings where other processes used ``others[i]`` cores over the i-th second (this process none)."""
    clock = {"t": 0.0, "busy": 0.0}

    def reading():
        return clock["t"], clock["busy"], 0.0

    monkeypatch.setattr(pace, "_reading", reading)
    monkeypatch.setattr(time, "monotonic", lambda: clock["t"])
    seen = []
    pace()
    for load in others:
        clock["t"] += 1.0
        clock["busy"] += load
        pace()
        seen.append(torch.get_num_threads())
    return seen


def test_one_thread_beside_a_busy_process_and_back_when_idle_with_a_gap_against_flapping(monkeypatch, threads):
    monkeypatch.setenv("INVDIFF_THREADS", "adaptive")
    pace = ThreadPace(interval=0.5)
    assert _scripted(monkeypatch, pace, [0.1, 0.9, 1.0, 0.4, 0.2, 0.45, 0.6]) == [2, 1, 1, 1, 2, 2, 1]


def test_the_stages_own_thread_count_is_what_it_returns_to(monkeypatch, threads):
    monkeypatch.setenv("INVDIFF_THREADS", "adaptive")
    pace = ThreadPace(interval=0.5)
    _scripted(monkeypatch, pace, [1.0])
    assert torch.get_num_threads() == 1
    torch.set_num_threads(3)   # the stage asks for its own count (stage.set_threads) while pace had it at one
    assert _scripted(monkeypatch, pace, [0.0, 0.0])[-1] == 3


def test_a_loop_hands_the_stages_own_count_back_when_it_ends(monkeypatch, threads):
    monkeypatch.setenv("INVDIFF_THREADS", "adaptive")
    pace = ThreadPace(interval=0.5)
    monkeypatch.setattr(progress, "pace", pace)
    assert _scripted(monkeypatch, pace, [1.0])[-1] == 1   # a busy neighbour: one thread inside the loop
    loop = Progress("loop", 3, enabled=False)
    loop.update_to(2)
    assert torch.get_num_threads() == 1
    loop.update_to(3)       # the end: what runs after the loop (a classifier's features) runs at the stage's count
    assert torch.get_num_threads() == 2
    torch.set_num_threads(1)  # the stage's own choice after the loop stands
    pace.release()
    assert torch.get_num_threads() == 1


def test_fixed_keeps_torchs_count_and_a_bad_value_names_the_variable(monkeypatch, threads):
    monkeypatch.setenv("INVDIFF_THREADS", "fixed")
    assert _scripted(monkeypatch, ThreadPace(interval=0.5), [1.0, 1.0]) == [2, 2]
    monkeypatch.setenv("INVDIFF_THREADS", "auto")
    with pytest.raises(ConfigError, match="INVDIFF_THREADS='auto'.*'adaptive'.*'fixed'"):
        ThreadPace()()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/stat")
def test_a_real_busy_process_is_seen_and_answered_with_one_thread(monkeypatch, threads):
    monkeypatch.setenv("INVDIFF_THREADS", "adaptive")
    pace = ThreadPace(interval=0.3)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline and torch.get_num_threads() != 1:
            pace()
            time.sleep(0.05)
    finally:
        spinner.kill()
        spinner.wait()
    assert torch.get_num_threads() == 1 and pace.others > 0.5, pace.others
