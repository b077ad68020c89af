"""The one place that talks to MLflow: store location, experiments, run tags, child runs and figures.

The store is a sqlite file at an absolute path under the workspace root (MLflow >= 3.13 refuses the ``./mlruns``
file store), so queued DVC experiments, which run in temporary clones, log into the same store as the workspace.
Artifacts go to ``<workspace>/mlartifacts/<experiment>``. MLflow records artifact locations as absolute paths;
a store that lives inside the workspace has them re-pointed to this workspace at every start
(:func:`relocate_artifacts`), so a copied or moved project never writes into the folder it came from.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pkgutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any, Iterator

from invdiff.paths import project_root, workspace_root
from invdiff.sections import MlflowConfig

URI_ENV = "INVDIFF_MLFLOW_URI"
_enabled = False
FIGURE_DPI = 160
log = logging.getLogger("invdiff")
# (table, column) of every artifact location MLflow 3 records
_LOCATIONS = (("experiments", "artifact_location"), ("runs", "artifact_uri"), ("logged_models", "artifact_location"))


def resolve_uri(cfg: MlflowConfig, root: Path | None = None) -> str:
    """``sqlite:///mlflow.db`` (relative) -> ``sqlite:////abs/workspace/mlflow.db``; ``INVDIFF_MLFLOW_URI`` wins."""
    uri = os.environ.get(URI_ENV) or cfg.tracking_uri
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        uri = prefix + str((root or workspace_root()) / uri[len(prefix):])
    return uri


# set (unless the user has) before MLflow, and the GitPython it loads, are first imported: no telemetry calls
# home (nothing leaves the machine at run time) and no warning when git is not on PATH
QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DVC_NO_ANALYTICS": "1", "GIT_PYTHON_REFRESH": "quiet"}


def setup(cfg: MlflowConfig) -> bool:
    """Point MLflow at the project's store (and quiet its telemetry, :data:`QUIET`). Returns whether tracking is
    on. Importing this module changes nothing; this call is where the process's environment is set."""
    global _enabled
    for key, value in QUIET.items():
        os.environ.setdefault(key, value)
    _enabled = cfg.enabled
    if _enabled:
        import mlflow

        uri = resolve_uri(cfg)
        relocate_artifacts(uri, workspace_root())
        mlflow.set_tracking_uri(uri)
    return _enabled


def relocate_artifacts(uri: str, root: Path) -> int:
    """Re-point the artifact locations a sqlite store inside ``root`` records under another folder's
    ``mlartifacts/`` (the project was copied or moved) to ``root/mlartifacts``; returns how many rows changed.
    Stores outside the workspace (a shared ``INVDIFF_MLFLOW_URI``) are left alone."""
    prefix = "sqlite:///"
    if not uri.startswith(prefix):
        return 0
    db, root = Path(uri[len(prefix):]).resolve(), Path(root).resolve()
    if not db.is_file() or root not in db.parents:
        return 0
    ours = (root / "mlartifacts").as_uri()
    changed = 0
    with contextlib.closing(sqlite3.connect(db, timeout=60)) as conn, conn:
        tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}
        if not tables:
            return 0  # a new, empty store: MLflow creates its tables on first use
        for table, column in _LOCATIONS:
            if table not in tables or column not in {row[1] for row in conn.execute(f"pragma table_info({table})")}:
                raise RuntimeError(
                    f"MLflow store {db}: no column {table}.{column}, where MLflow 3.13's schema keeps artifact "
                    "locations; this MLflow's schema changed (update tracking._LOCATIONS and tests/test_tracking.py)")
            rows = conn.execute(f"select rowid, {column} from {table} where {column} like 'file://%/mlartifacts/%'")
            for rowid, location in rows.fetchall():
                head, _, rest = location.partition("/mlartifacts/")
                if f"{head}/mlartifacts" != ours:
                    conn.execute(f"update {table} set {column} = ? where rowid = ?", (f"{ours}/{rest}", rowid))
                    changed += 1
    if changed:
        log.warning("MLflow store %s: re-pointed %d artifact locations to %s (the project was copied or moved)",
                    db, changed, ours)
    return changed


def enabled() -> bool:
    return _enabled


def _artifact_root() -> Path:
    return workspace_root() / "mlartifacts"


def descriptions() -> dict[str, str]:
    """{MLflow experiment: the description its UI page shows}, from each experiment package's
    ``MLFLOW_EXPERIMENTS`` (found, not named: the shared layer knows no experiment)."""
    import invdiff.experiments as experiments

    out: dict[str, str] = {}
    for info in pkgutil.iter_modules(experiments.__path__):
        if info.ispkg:
            package = importlib.import_module(f"{experiments.__name__}.{info.name}")
            out.update(getattr(package, "MLFLOW_EXPERIMENTS", {}))
    return out


def experiment_id(name: str) -> str:
    """The experiment ``name``, created with this workspace's artifact location and its description."""
    import mlflow

    exp = mlflow.get_experiment_by_name(name)
    if exp is None:
        location = (_artifact_root() / name).as_uri()
        try:
            mlflow.create_experiment(name, artifact_location=location)
        except Exception:  # created concurrently by another stage
            pass
        exp = mlflow.get_experiment_by_name(name)
        if exp is None:
            raise RuntimeError(f"MLflow experiment {name!r} could not be created in {mlflow.get_tracking_uri()}")
    # the description shows on the experiment's page; the kind makes MLflow 3's UI open it as model training
    # (runs, charts, compare) instead of the GenAI view (traces, evaluations)
    wanted = {"mlflow.note.content": descriptions().get(name), "mlflow.experimentKind": "custom_model_development"}
    client = mlflow.MlflowClient()
    for key, value in wanted.items():
        if value and exp.tags.get(key) != value:
            client.set_experiment_tag(exp.experiment_id, key, value)
    return exp.experiment_id


def git_commit() -> str:
    try:
        root = project_root()
        sha = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=root).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=True, cwd=root).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_tags(stage: str, data_source: str, **extra: str) -> dict[str, str]:
    if data_source not in ("real", "synthetic"):
        raise ValueError(f"data_source must be 'real' or 'synthetic', got {data_source!r}")
    tags = {"git_commit": git_commit(), "dvc_stage": stage, "data_source": data_source}
    if os.environ.get("DVC_EXP_NAME"):
        tags["dvc_exp_name"] = os.environ["DVC_EXP_NAME"]
    tags.update(extra)
    return tags


def _clean_params(params: dict[str, Any]) -> dict[str, str]:
    return {k: str(v)[:6000] for k, v in params.items()}


@contextlib.contextmanager
def start_run(experiment: str, run_name: str, tags: dict[str, str], params: dict[str, Any] | None = None,
              run_id: str | None = None) -> Iterator[Any]:
    """A top-level run (``None`` when tracking is off). ``run_id`` continues an existing run."""
    if not _enabled:
        yield None
        return
    import mlflow

    exp_id = experiment_id(experiment)
    with mlflow.start_run(run_id=run_id, experiment_id=None if run_id else exp_id, run_name=run_name,
                          tags=None if run_id else tags) as run:
        if params and not run_id:
            mlflow.log_params(_clean_params(params))
        yield run


def log_child_run(run_name: str, params: dict[str, Any], metrics: dict[str, float],
                  tags: dict[str, str] | None = None) -> None:
    """One compared setting (e.g. method x w) as a nested run with the same metric keys as the JSON."""
    if not _enabled:
        return
    import mlflow

    parent = mlflow.active_run()
    if parent is None:
        raise RuntimeError("log_child_run needs an active parent run (tracking.start_run)")
    # A nested run does not inherit its parent's experiment: name it, or it lands in "Default".
    with mlflow.start_run(run_name=run_name, nested=True, tags=tags, experiment_id=parent.info.experiment_id):
        mlflow.log_params(_clean_params(params))
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})


def numeric(metrics: dict[str, Any]) -> dict[str, float]:
    """The entries MLflow can hold as metrics: numbers (not None, strings or nested settings)."""
    return {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def log_evaluation(experiment: str, stage: str, data_source: str, params: dict[str, Any],
                   children: dict[str, tuple[dict[str, Any], dict[str, Any]]], *,
                   metrics: dict[str, Any] | None = None, figures: dict[str, Any] | None = None) -> None:
    """An evaluation stage in MLflow: a parent run named ``stage`` (its params, summary ``metrics`` and figures)
    with one child run per compared setting, ``children = {run name: (params, metrics)}``; the children's
    metric keys are the JSON's, so the UI's compare view lines them up."""
    if not _enabled:
        return
    tags = run_tags(stage, data_source, task=experiment)
    with start_run(experiment, stage, tags, params):
        for name, (child_params, child_metrics) in children.items():  # the parent's tags: filters find children
            log_child_run(name, child_params, numeric(child_metrics), tags=tags)
        if metrics:
            log_metrics(numeric(metrics))
        for name, fig in (figures or {}).items():
            log_figure(fig, name)


def log_metrics(metrics: dict[str, float], run_id: str | None = None) -> None:
    """To ``run_id`` if given, else to the active run."""
    if not _enabled:
        return
    import mlflow

    clean = {k: float(v) for k, v in metrics.items()}
    if run_id:
        client = mlflow.MlflowClient()
        for k, v in clean.items():
            client.log_metric(run_id, k, v)
    else:
        mlflow.log_metrics(clean)


def log_figure(fig, artifact_file: str, run_id: str | None = None) -> None:
    """Log a matplotlib figure to the active run (or ``run_id``) as ``artifact_file``."""
    if not _enabled:
        return
    import mlflow

    save = {"dpi": FIGURE_DPI, "bbox_inches": "tight"}  # the default 100 dpi is unreadable in the viewer
    if run_id:
        mlflow.MlflowClient().log_figure(run_id, fig, artifact_file, save_kwargs=save)
    else:
        mlflow.log_figure(fig, artifact_file, save_kwargs=save)


def set_tags(tags: dict[str, str], run_id: str | None) -> None:
    if not _enabled or run_id is None:
        return
    import mlflow

    client = mlflow.MlflowClient()
    for k, v in tags.items():
        client.set_tag(run_id, k, v)


def lightning_logger(experiment: str, run_name: str, tags: dict[str, str], run_id: str | None = None):
    """An ``MLFlowLogger`` on the project's store; ``run_id`` resumes the run of an interrupted training."""
    if not _enabled:
        return None
    import mlflow
    from pytorch_lightning.loggers import MLFlowLogger

    experiment_id(experiment)  # create with our artifact location before Lightning would
    return MLFlowLogger(experiment_name=experiment, run_name=run_name, tracking_uri=mlflow.get_tracking_uri(),
                        tags=tags, run_id=run_id, log_model=False)


def run_status(run_id: str) -> str | None:
    """``RUNNING`` / ``FINISHED`` / ``FAILED`` / ``KILLED``, or None (tracking off, or no such run)."""
    if not _enabled:
        return None
    import mlflow

    try:
        return mlflow.MlflowClient().get_run(run_id).info.status
    except Exception:  # deleted, or from another store
        return None


def set_status(run_id: str, status: str) -> None:
    """``KILLED`` for a training whose process died; ``RUNNING`` again when it resumes."""
    if not _enabled or run_status(run_id) is None:
        return
    import mlflow

    client = mlflow.MlflowClient()
    if status == "RUNNING":
        client.update_run(run_id, status="RUNNING")
    else:
        client.set_terminated(run_id, status)
