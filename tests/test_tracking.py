import mlflow
import pytest

from invdiff import tracking
from invdiff.sections import MlflowConfig


def test_relative_sqlite_uri_becomes_absolute_under_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv(tracking.URI_ENV, raising=False)
    uri = tracking.resolve_uri(MlflowConfig(tracking_uri="sqlite:///mlflow.db"), root=tmp_path)
    assert uri == f"sqlite:///{tmp_path}/mlflow.db" and uri.startswith("sqlite:////")
    assert tracking.resolve_uri(MlflowConfig(tracking_uri="sqlite:////abs/x.db")) == "sqlite:////abs/x.db"


def test_tags_require_a_known_data_source():
    tags = tracking.run_tags("eval_branin", "synthetic")
    assert {"git_commit", "dvc_stage", "data_source"} <= tags.keys()
    with pytest.raises(ValueError, match="data_source"):
        tracking.run_tags("x", "fake")


def test_parent_with_child_runs_and_figure(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setenv("INVDIFF_WORKSPACE", str(tmp_path))
    monkeypatch.setenv(tracking.URI_ENV, f"sqlite:///{tmp_path}/store.db")
    tracking.setup(MlflowConfig())
    try:
        with tracking.start_run("unit", "eval_unit", tracking.run_tags("eval_unit", "synthetic"), {"a.b": 1}) as run:
            tracking.log_child_run("w=0", {"w": 0.0}, {"residual": 0.5})
            tracking.log_child_run("w=2", {"w": 2.0}, {"residual": 0.1})
            fig, ax = plt.subplots()
            ax.plot([0, 1])
            tracking.log_figure(fig, "curve.png")
        runs = mlflow.search_runs(experiment_names=["unit"])
        children = runs[runs["tags.mlflow.parentRunId"] == run.info.run_id]
        assert sorted(children["metrics.residual"]) == [0.1, 0.5]
        parent = runs[runs["run_id"] == run.info.run_id].iloc[0]
        assert parent["tags.dvc_stage"] == "eval_unit" and parent["params.a.b"] == "1"
        artifacts = [a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id)]
        assert artifacts == ["curve.png"]
        assert (tmp_path / "mlartifacts" / "unit").is_dir()
    finally:
        tracking.setup(MlflowConfig(enabled=False))


def test_log_evaluation_mirrors_the_json(tmp_path, monkeypatch):
    """One parent named after the stage, a child per setting with the JSON's numbers; None and text are left out."""
    import matplotlib.pyplot as plt

    monkeypatch.setenv("INVDIFF_WORKSPACE", str(tmp_path))
    monkeypatch.setenv(tracking.URI_ENV, f"sqlite:///{tmp_path}/store.db")
    tracking.setup(MlflowConfig())
    try:
        fig, _ = plt.subplots()
        children = {"alpha=1": ({"alpha": 1.0}, {"fid": 12.5, "fid_intermediate": None, "nfe": 80}),
                    "alpha=0.5": ({"alpha": 0.5}, {"fid": 10.0, "fid_intermediate": 9.0, "nfe": 70})}
        tracking.log_evaluation("unit", "eval_unit", "real", {"eval.n": 3}, children,
                                metrics={"real_fid_floor": 1.5, "sampler": "ode"}, figures={"f.png": fig})
        runs = mlflow.search_runs(experiment_names=["unit"])
        parent = runs[runs["tags.mlflow.runName"] == "eval_unit"].iloc[0]
        assert parent["metrics.real_fid_floor"] == 1.5 and parent["tags.data_source"] == "real"
        assert parent["params.eval.n"] == "3" and parent["tags.dvc_stage"] == "eval_unit"
        kids = runs[runs["tags.mlflow.parentRunId"] == parent["run_id"]].set_index("tags.mlflow.runName")
        assert set(kids["tags.data_source"]) == {"real"} and set(kids["tags.dvc_stage"]) == {"eval_unit"}
        assert kids.loc["alpha=0.5", "metrics.fid_intermediate"] == 9.0 and kids.loc["alpha=1", "metrics.nfe"] == 80
        assert kids.loc["alpha=1", "metrics.fid_intermediate"] != kids.loc["alpha=1", "metrics.fid_intermediate"]  # NaN
        client = mlflow.MlflowClient()
        assert [a.path for a in client.list_artifacts(parent["run_id"])] == ["f.png"]
    finally:
        tracking.setup(MlflowConfig(enabled=False))


def test_a_copied_project_writes_artifacts_only_into_itself(tmp_path, monkeypatch):
    import shutil

    import matplotlib.pyplot as plt

    original, copy = tmp_path / "original", tmp_path / "copy"
    original.mkdir()
    monkeypatch.delenv(tracking.URI_ENV, raising=False)

    def log_one(root, name):
        monkeypatch.setenv("INVDIFF_WORKSPACE", str(root))
        tracking.setup(MlflowConfig(tracking_uri="sqlite:///mlflow.db"))
        fig, _ = plt.subplots()
        with tracking.start_run("unit", name, tracking.run_tags(name, "synthetic")):
            tracking.log_figure(fig, f"{name}.png")

    try:
        log_one(original, "first")
        shutil.copytree(original, copy)
        log_one(copy, "second")
        assert sorted(p.name for p in original.rglob("*.png")) == ["first.png"]
        assert sorted(p.name for p in copy.rglob("*.png")) == ["first.png", "second.png"]
        runs = mlflow.search_runs(experiment_names=["unit"])
        assert all(uri.startswith((copy / "mlartifacts").as_uri()) for uri in runs["artifact_uri"])
        assert tracking.relocate_artifacts(f"sqlite:///{copy}/mlflow.db", copy) == 0  # idempotent
        # the original's store still points at the original
        assert tracking.relocate_artifacts(f"sqlite:///{original}/mlflow.db", tmp_path / "elsewhere") == 0
        log_one(original, "third")
        assert sorted(p.name for p in original.rglob("*.png")) == ["first.png", "third.png"]
    finally:
        tracking.setup(MlflowConfig(enabled=False))


def test_every_trained_experiment_has_a_description_for_the_ui():
    from invdiff.experiments.registry import TASKS

    assert {task.experiment for task in TASKS.values()} <= set(tracking.descriptions())


def test_the_raw_sql_relocation_matches_this_mlflow_schema(tmp_path):
    """relocate_artifacts edits MLflow's tables directly (MLflow has no API to move a store): pinned to the schema
    of the installed MLflow, so a release that renames a table or column fails here, loudly, not silently."""
    uri = f"sqlite:///{tmp_path}/store.db"
    client = mlflow.MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("schema", artifact_location=(tmp_path / "elsewhere" / "mlartifacts" / "x").as_uri())
    run = client.create_run(exp)
    import sqlite3

    with sqlite3.connect(tmp_path / "store.db") as conn:
        for table, column in tracking._LOCATIONS:
            columns = {row[1] for row in conn.execute(f"pragma table_info({table})")}
            assert column in columns, f"MLflow {mlflow.__version__}: {table}.{column} is gone"
    assert tracking.relocate_artifacts(uri, tmp_path) == 2  # the experiment's and the run's location
    assert client.get_run(run.info.run_id).info.artifact_uri.startswith((tmp_path / "mlartifacts").as_uri())
    with sqlite3.connect(tmp_path / "store.db") as conn:
        conn.execute("alter table runs rename column artifact_uri to moved")
    with pytest.raises(RuntimeError, match="runs.artifact_uri"):
        tracking.relocate_artifacts(uri, tmp_path)


def test_importing_tracking_sets_no_environment():
    import subprocess
    import sys

    code = ("import os; before = dict(os.environ); import invdiff.tracking; "
            "print(sorted(set(os.environ.items()) ^ set(before.items())))")
    env = {k: v for k, v in __import__("os").environ.items() if k not in tracking.QUIET}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
