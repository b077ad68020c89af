import json

import pytest

from invdiff.io import atomic_dir, write_json
from invdiff.paths import workspace_root


def test_write_json_is_atomic(tmp_path):
    target = tmp_path / "m.json"
    write_json(target, {"a": 1})

    class Boom:
        pass

    with pytest.raises(TypeError):
        write_json(target, {"a": Boom()})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_atomic_dir_keeps_old_contents_on_failure(tmp_path):
    target = tmp_path / "plots"
    with atomic_dir(target) as d:
        (d / "a.png").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as d:
            (d / "b.png").write_text("new")
            raise RuntimeError("stage crashed")
    assert [p.name for p in target.iterdir()] == ["a.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plots"]
    with atomic_dir(target) as d:
        (d / "c.png").write_text("new")
    assert [p.name for p in target.iterdir()] == ["c.png"]


def test_workspace_root_resolves_out_of_queued_experiment(tmp_path, monkeypatch):
    monkeypatch.delenv("INVDIFF_WORKSPACE", raising=False)
    ws = tmp_path / "ws"
    clone = ws / ".dvc" / "tmp" / "exps" / "tmpab12cd"
    (clone / "pipeline").mkdir(parents=True)
    (clone / "dvc.yaml").write_text("stages: {}\n")
    assert workspace_root(clone / "pipeline") == ws
    (ws / "dvc.yaml").write_text("stages: {}\n")
    (ws / "sub").mkdir()
    assert workspace_root(ws / "sub") == ws
