import json
import os
import stat

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


def test_outputs_get_the_modes_open_and_mkdir_give_not_the_private_temp_modes(tmp_path):
    old = os.umask(0o022)
    try:
        write_json(tmp_path / "m.json", {"a": 1})
        with atomic_dir(tmp_path / "plots") as d:
            (d / "a.png").write_text("x")
        os.umask(0o027)
        write_json(tmp_path / "g.json", {})
    finally:
        os.umask(old)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(tmp_path / "m.json") == 0o644 and mode(tmp_path / "plots") == 0o755
    assert mode(tmp_path / "g.json") == 0o640


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


def test_project_root_comes_from_the_environment_then_the_working_directory(tmp_path, monkeypatch):
    from invdiff import paths

    monkeypatch.setenv(paths.ROOT_ENV, str(tmp_path))
    assert paths.project_root() == tmp_path.resolve()
    assert paths.metrics_path("branin") == tmp_path.resolve() / "metrics" / "branin.json"
    monkeypatch.delenv(paths.ROOT_ENV)
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")  # the one place a test moves: to show the library does not need it
    assert paths.project_root() == tmp_path.resolve()
    monkeypatch.chdir("/")
    assert paths.project_root() == paths._PACKAGE_CHECKOUT  # a notebook anywhere finds the installed checkout


def test_csv_spells_floats_to_six_digits_and_none_as_empty(tmp_path):
    from invdiff.io import write_csv

    write_csv(tmp_path / "p.csv", ["w", "fid", "nfe", "note"], [[0.5, 1 / 3, 7, None], [2.0, 1e-7, 8, "x"]])
    assert (tmp_path / "p.csv").read_text() == "w,fid,nfe,note\n0.5,0.333333,7,\n2,1e-07,8,x\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.csv"]  # no temp file left behind
