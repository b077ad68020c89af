"""The real pipeline (`dvc repro`) on tiny params in a throw-away copy of the repository."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from helpers.params import REPO, tiny_raw
from invdiff.io import split_timings

pytestmark = pytest.mark.slow
COPY = ["dvc.yaml", "params.yaml", "pipeline", "src", "data/fid", "data/meshes", "docs/run_times.json",
        "docs/distill/pose_w0.5_speed.csv", ".dvc/config", ".dvcignore",
        ".gitignore"]


def _run(cmd, cwd, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVDIFF_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def _write_params(path, raw):
    yaml = YAML()
    yaml.default_flow_style = False
    with open(path, "w") as fh:
        yaml.dump(raw, fh)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    for rel in COPY:
        src = REPO / rel
        dst = ws / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(src, dst)
    raw = tiny_raw(**{"mlflow.enabled": True})
    _write_params(ws / "params.yaml", raw)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "tiny"]):
        _run(cmd, ws)
    first = _run(["dvc", "repro"], ws)
    return ws, first


def _db_rows(ws, query):
    with sqlite3.connect(ws / "mlflow.db") as conn:
        return conn.execute(query).fetchall()


def test_repro_writes_metrics_plots_and_is_idempotent(workspace):
    ws, first = workspace
    metrics = json.loads((ws / "metrics/branin.json").read_text())
    assert set(metrics["ddpm"]) == {"w=0.0", "w=2.0"}
    for row in [*metrics["ddpm"].values(), metrics["exact"], metrics["gradient_descent"], metrics["mcmc"]]:
        assert {"residual", "in_domain", "coverage", "coverage_sd"} <= row.keys() and "seconds" not in row
        assert 0 <= row["in_domain"] <= 1 and row["residual"] >= 0
    assert metrics["seeds"] == 2 and metrics["exact"]["residual"] < 1e-9 and metrics["exact"]["in_domain"] == 1.0
    assert metrics["data_source"] == "synthetic"
    for name in ("samples.png", "residual_vs_w.png", "per_target.csv", "ddpm_vs_w.csv"):
        assert (ws / "plots/branin" / name).stat().st_size > 0
    assert (ws / "models/branin/model.ckpt").is_file()
    assert not (ws / ".checkpoints").exists(), "no empty scratch folders once every training completed"
    page = (ws / "docs/results.md").read_text()  # the results stage ran on the tiny metrics
    assert "## Branin" in page and "## Pose from 2D keypoints" in page and "is absent" not in page
    second = _run(["dvc", "repro"], ws)
    assert "Running stage" not in second.stdout, second.stdout


def test_mnist_stages(workspace):
    ws, _ = workspace
    info = json.loads((ws / "data/raw/mnist/info.json").read_text())
    assert info["source"] == "bundled" and info["counts"] == {"train": 4000, "test": 1000}
    clf = json.loads((ws / "metrics/classifier.json").read_text())
    frozen = tiny_raw()["classifier"]["frozen"]
    assert clf["source"] == "frozen" and clf["sha256"] == frozen["sha256"] and clf["data_source"] == "real"
    assert clf["test_accuracy"] >= 0.97, clf  # the frozen net on the bundled test split (0.982 when frozen)
    metrics = json.loads((ws / "metrics/mnist_cfg.json").read_text())
    assert set(k for k in metrics if k.startswith("w=")) == {"w=0.0", "w=2.0"}
    for key in ("fid", "accuracy", "diversity", "diversity_gap", "dark_fraction"):
        assert all(metrics[w][key] >= 0 and f"{key}_sd" in metrics[w] for w in ("w=0.0", "w=2.0", "gaussian_reference"))
    assert metrics["real_fid_floor"] >= 0 and metrics["real_fid_floor_sd"] > 0 and metrics["data_source"] == "real"
    assert metrics["seeds"] == 3 and 0 < metrics["real_dark_fraction"] < 1
    assert metrics["fid_net_sha256"] == frozen["sha256"]
    for name in ("samples_w0.png", "samples_w2.png", "fid_vs_w.png", "accuracy_vs_w.png", "dark_fraction_vs_w.png",
                 "metrics_vs_w.csv"):
        assert (ws / "plots/mnist_cfg" / name).stat().st_size > 0
    names = _db_rows(ws, "select r.name from runs r join experiments e on r.experiment_id = e.experiment_id "
                         "where e.name = 'mnist_cfg'")
    assert {("train_mnist_cfg",), ("eval_mnist_cfg",), ("w=0",), ("w=2",), ("gaussian_reference",)} <= set(names)


def test_pose_data_stages(workspace):
    ws, _ = workspace
    stats = json.loads((ws / "metrics/pose_data.json").read_text())
    assert stats["data_source"] == "synthetic" and stats["motions"] == "synthetic"
    assert {k: v["sequences"] for k, v in stats["splits"].items()} == {"train": 4, "val": 2, "test": 2}
    for split in ("train", "val", "test"):
        assert (ws / "data/processed/pose" / f"{split}.npz").stat().st_size > 0
    assert json.loads((ws / "data/raw/body_model/body_model.json").read_text())["data_source"] == "synthetic"
    for name in ("frames.png", "keypoint_density.png"):
        assert (ws / "plots/pose_data" / name).stat().st_size > 0


def test_pose_stages(workspace):
    ws, _ = workspace
    metrics = json.loads((ws / "metrics/pose.json").read_text())
    assert set(metrics["params"]) == {"mlp", "transformer"} and metrics["data_source"] == "synthetic"
    assert metrics["sampler"]["name"] == "ddim" and metrics["sampler"]["steps"] == 5
    keys = {"pixel_alignment_error", "pixel_alignment_error_trim98", "mpjpe_mm", "min_of_k_mpjpe_mm",
            "diversity_mm", "joint_limit_violation"}
    assert metrics["seeds"] == 3
    for protocol in ("val", "paper"):
        for reference in ("linear_gaussian", "linear_gaussian_mean"):
            assert keys | {f"{k}_sd" for k in keys} <= metrics[protocol][reference].keys()
        assert metrics[protocol]["linear_gaussian_mean"]["diversity_mm"] == 0
        for arch in ("mlp", "transformer"):
            assert set(metrics[protocol][arch]) == {"w=0.0", "w=2.0"}
            row = metrics[protocol][arch]["w=2.0"]
            assert keys | {"gain_vs_linear_gaussian_mpjpe_mm", "mpjpe_mm_sd"} <= row.keys()
            assert row["min_of_k_mpjpe_mm"] <= row["mpjpe_mm"] and 0 <= row["joint_limit_violation"] <= 1
    for name in ("metrics_vs_w.png", "metrics_vs_w.csv", "figure5_mlp.png", "figure5_transformer.png"):
        assert (ws / "plots/pose" / name).stat().st_size > 0
    names = {n for (n,) in _db_rows(ws, "select r.name from runs r join experiments e "
                                        "on r.experiment_id = e.experiment_id where e.name = 'pose'")}
    assert {"train_pose_mlp", "train_pose_transformer", "eval_pose", "val transformer w=2", "paper mlp w=0",
            "val linear_gaussian", "paper linear_gaussian_mean"} <= names


def test_pose_baselines_stage(workspace):
    ws, _ = workspace
    metrics = json.loads((ws / "metrics/pose_baselines.json").read_text())
    prior = metrics["choices"]["dps_prior"]
    assert {f"cfg {prior} w=0", f"cfg {prior} w=2", "gradient_descent", "map_linear_gaussian", "dps", "cfg+dps",
            "linear_gaussian", "linear_gaussian_mean"} <= metrics.keys()
    assert metrics["choices"]["dps_zeta"] in (0.1, 1.0) and metrics["data_source"] == "synthetic"
    assert metrics["gradient_descent"]["forward_evaluations_per_sample"] == 5
    assert metrics[f"cfg {prior} w=2"]["forward_evaluations_per_sample"] == 0
    for name in ("error_vs_compute.png", "gradient_descent_vs_cfg.png"):
        assert (ws / "plots/pose_baselines" / name).stat().st_size > 0
    names = {n for (n,) in _db_rows(ws, "select name from runs")}
    assert {"baselines_pose", "gradient_descent", "cfg+dps"} <= names


def test_inverse_stages(workspace):
    ws, _ = workspace
    metrics = json.loads((ws / "metrics/inverse.json").read_text())
    assert set(metrics["operators"]) == {"box", "pool4"} and metrics["data_source"] == "real"
    for op, entry in metrics["operators"].items():
        rows = entry["rows"]
        assert {"pinv", "gaussian_mean", "gaussian_posterior", "optimizer_w=0", "optimizer_w=1", "dps", "pigdm",
                "tmpd", "langevin", "ula", "gpnp"} == set(rows), op
        for name, row in rows.items():
            assert row["status"] in ("ok", "diverged"), (op, name)
            if row["status"] == "ok":
                assert 0 < row["psnr"] < 60 and row["fid"] > 0 and 0 <= row["accuracy"] <= 1, (op, name)
        assert 0 <= rows["gaussian_posterior"]["coverage90"] <= 1 and rows["gaussian_posterior"]["psnr_sd"] > 0
        assert rows["dps"]["nfe"] == 3 and rows["dps"]["vjps"] == 1 and rows["tmpd"]["vjps"] == 2
        assert rows["optimizer_w=1"]["nfe"] == 6 and rows["gpnp"]["vjps"] == 0
        tuned = entry["choices"]["tmpd"]["tuning_psnr"]
        assert [t["knobs"]["zeta"] for t in tuned] == [0.3, 1.0]
        assert entry["choices"]["tmpd"]["chosen"]["zeta"] in (0.3, 1.0)
        assert [p["steps"] for p in entry["pareto"]["dps"]] == [2, 3]
        assert entry["comparison"]["learned"].startswith("optimizer_w=")
    assert metrics["calibration"]["nominal"] == {"coverage50": 0.5, "coverage90": 0.5}  # 3 draws: only 50 % exact
    for name in ("samples_box.png", "pareto.png", "calibration.png", "pareto.csv"):
        assert (ws / "plots/inverse" / name).stat().st_size > 0
    names = {n for (n,) in _db_rows(ws, "select r.name from runs r join experiments e "
                                        "on r.experiment_id = e.experiment_id where e.name = 'inverse'")}
    assert {"train_inverse_prior", "train_inverse_optimizer", "eval_inverse", "box/dps", "pool4/optimizer_w=1",
            "box/gaussian_posterior"} <= names


def test_igo_stages(workspace):
    ws, _ = workspace
    metrics = json.loads((ws / "metrics/igo.json").read_text())
    assert {k for k in metrics if k.startswith("alpha=")} == {"alpha=1.0", "alpha=0.5"}
    assert metrics["alpha=1.0"]["fid_intermediate"] is None  # the intermediate path gets no gradient at alpha = 1
    row = metrics["alpha=0.5"]
    assert row["fid"] > 0 and row["fid_intermediate"] > 0 and row["nfe"] > 0 and row["nfe_intermediate"] > 0
    assert metrics["real_fid_floor"] > 0 and metrics["data_source"] == "real" and metrics["num_samples"] == 40
    assert metrics["real_fid_floor_sd"] > 0 and metrics["seeds"] == 2
    reference = metrics["gaussian_reference"]
    assert reference["fid"] > metrics["real_fid_floor"] and reference["fid_sd"] > 0
    assert row["fid_sd"] > 0 and "fid_minus_alpha1_sd" in row and metrics["alpha=1.0"]["fid_intermediate_sd"] is None
    assert metrics["fid_net_sha256"] == tiny_raw()["classifier"]["frozen"]["sha256"]
    assert 0 <= row["confident"] <= 1 and 0.9 <= metrics["real_confident"] <= 1
    assert reference["confident"] < metrics["real_confident"]
    # the further training seed of each listed alpha: sampled with the same start noise, summarised over seeds
    for key in ("alpha=1.0", "alpha=0.5"):
        assert metrics[key]["training_seeds"] == [0, 1] and len(metrics[key]["fid_by_training_seed"]) == 2
        assert metrics[key]["fid_by_training_seed"][0] == metrics[key]["fid"]
        assert metrics[key]["fid_over_training_seeds_sd"] > 0
    assert row["fid_minus_alpha1_over_training_seeds"] == pytest.approx(
        row["fid_over_training_seeds"] - metrics["alpha=1.0"]["fid_over_training_seeds"], abs=1e-4)
    assert len(row["fid_intermediate_by_training_seed"]) == 2 and "fid_intermediate_by_training_seed" not in \
        metrics["alpha=1.0"]
    for alpha in ("1.0", "0.5"):
        assert (ws / f"models/igo/alpha{alpha}/seed1/model.ckpt").is_file()
        assert (ws / f"models/igo/alpha{alpha}/model.ckpt").is_file()
        assert json.loads((ws / f"metrics/igo_alpha{alpha}_train.json").read_text())["steps"] == 4
    for name in ("samples_alpha1.0.png", "samples_alpha0.5.png", "samples_intermediate_alpha0.5.png",
                 "fid_vs_alpha.png", "fid_vs_alpha.csv", "forward_trajectory.png"):
        assert (ws / "plots/igo" / name).stat().st_size > 0
    assert not (ws / "plots/igo/samples_intermediate_alpha1.0.png").exists()
    names = {n for (n,) in _db_rows(ws, "select r.name from runs r join experiments e "
                                        "on r.experiment_id = e.experiment_id where e.name = 'igo'")}
    assert {"train_igo_alpha1.0", "train_igo_alpha0.5", "eval_igo", "alpha=1", "alpha=0.5",
            "gaussian_reference"} <= names


def test_runs_land_in_mlflow_with_tags_and_children(workspace):
    ws, _ = workspace
    runs = _db_rows(ws, "select r.name, e.name from runs r join experiments e on r.experiment_id = e.experiment_id")
    names = [n for n, exp in runs if exp == "branin"]
    assert "train_branin" in names and "eval_branin" in names
    assert {"ddpm w=0", "ddpm w=2", "gradient_descent", "mcmc"} <= set(names)
    tags = dict(_db_rows(ws, "select t.key, t.value from tags t join runs r on t.run_uuid = r.run_uuid "
                             "where r.name = 'eval_branin'"))
    assert tags["dvc_stage"] == "eval_branin" and tags["data_source"] == "synthetic" and tags["git_commit"]


def test_temp_dir_experiment_logs_into_the_workspace_store(workspace):
    """`dvc exp run --temp` runs in .dvc/tmp/exps/<tmp>, like queued experiments; its run must reach our store.
    It runs eval_branin and what that needs only (the whole tiny pipeline took 450 s in CI)."""
    ws, _ = workspace
    before = len(_db_rows(ws, "select run_uuid from runs where name = 'eval_branin'"))
    _run(["dvc", "exp", "run", "--temp", "-S", "branin.eval.guidance_weights=[0.0,1.0]", "eval_branin"], ws)
    after = _db_rows(ws, "select run_uuid from runs where name = 'eval_branin'")
    assert len(after) == before + 1
    assert _db_rows(ws, "select count(*) from runs where name = 'ddpm w=1'")[0][0] == 1
    assert not list((ws / ".dvc/tmp").rglob("mlflow.db"))


def test_queued_experiments_run_two_at_a_time_into_the_one_store(workspace):
    """`dvc queue start -j 2` with four queued experiments: every one finishes and logs into the workspace store.
    Each runs eval_branin (and what it needs) only: a queued run starts from a fresh copy, so the whole pipeline
    would re-run in each."""
    import time

    ws, _ = workspace
    weights = ("0.25", "0.75", "1.25", "1.75")
    for w in weights:
        _run(["dvc", "exp", "run", "--queue", "-S", f"branin.eval.guidance_weights=[{w}]", "eval_branin"], ws)
    # the workers are daemons that inherit the caller's stdout: capturing it would wait for them to exit. One
    # thread each: two spinning 2-thread processes on two cores slow each other many times (docs/speed.md)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVDIFF_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}", OMP_NUM_THREADS="1")
    subprocess.run(["dvc", "queue", "start", "-j", "2"], cwd=ws, env=env, check=True, timeout=120,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            status = _run(["dvc", "queue", "status"], ws).stdout
            if not any(word in status for word in ("Running", "Queued")):
                break
            time.sleep(5)
    finally:
        subprocess.run(["dvc", "queue", "stop"], cwd=ws, env=env, timeout=120, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert "Failed" not in status and status.count("Success") == len(weights), status
    for w in weights:
        assert _db_rows(ws, f"select count(*) from runs where name = 'ddpm w={w}'")[0][0] == 1, w
    assert not list((ws / ".dvc/tmp").rglob("mlflow.db"))


def test_bad_params_fail_with_one_line_naming_the_key(workspace, tmp_path):
    ws, _ = workspace
    bad = tmp_path / "bad.yaml"
    raw = tiny_raw()
    raw["branin"]["eval"]["guidance_weights"] = []
    _write_params(bad, raw)
    proc = _run([sys.executable, "pipeline/eval_branin.py", "--params", str(bad)], ws, check=False)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(lines) == 1 and "branin.eval.guidance_weights" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("setting, key", [("branin.train.lr=fast", "branin.train.lr"),
                                          ("+branin.trian.lr=0.1", "branin.trian")])
def test_a_bad_value_stops_dvc_exp_run_in_check_params_with_every_output_intact(workspace, setting, key):
    """The real `dvc exp run -S` path: check_params runs first and fails; no stage deleted anything."""
    ws, _ = workspace
    kept = [ws / "models/branin/model.ckpt", ws / "metrics/branin.json", ws / "plots/branin/samples.png"]
    before = {path: path.read_bytes() for path in kept}
    try:
        proc = _run(["dvc", "exp", "run", "-S", setting], ws, check=False)
        assert proc.returncode != 0
        out = proc.stdout + proc.stderr
        assert "check_params: error" in out and key in out and "git checkout params.yaml" in out, out[-3000:]
        assert "Running stage 'train_branin'" not in out
        assert {path: path.read_bytes() for path in kept} == before
    finally:
        _run(["git", "checkout", "params.yaml"], ws)
    # only check_params re-runs (DVC deleted its own small output before it failed); every result is up to date
    assert re.findall(r"Running stage '([^']+)'", _run(["dvc", "repro"], ws).stdout) == ["check_params"]


HEADLINES = ("branin", "mnist_cfg", "pose", "igo", "igo_panel")


def test_headline_metrics_fit_a_terminal_and_wall_times_stay_out_of_them(workspace):
    ws, _ = workspace
    shown = _run(["dvc", "metrics", "show", "--precision", "3"], ws).stdout
    assert {f"metrics/headline/{name}.json" for name in HEADLINES} <= set(re.findall(r"metrics/\S+", shown))
    assert max(map(len, shown.splitlines())) <= 160, shown
    headline = json.loads((ws / "metrics/headline/branin.json").read_text())
    detail = json.loads((ws / "metrics/branin.json").read_text())
    w, row = min(((float(k[2:]), v) for k, v in detail["ddpm"].items()), key=lambda item: item[1]["residual"])
    assert headline["w"] == w and headline["residual"] == pytest.approx(row["residual"], rel=1e-3)
    for path in (ws / "metrics").rglob("*.json"):
        assert split_timings(json.loads(path.read_text()))[1] == {}, path
    timings = json.loads((ws / "timings/branin.json").read_text())
    assert timings["exact"]["seconds"] >= 0 and "residual" not in timings["exact"]
    before = {p: p.read_bytes() for p in (ws / "metrics/branin.json", ws / "metrics/headline/branin.json")}
    _run(["dvc", "repro", "-f", "-s", "eval_branin"], ws)
    assert {p: p.read_bytes() for p in before} == before, "a re-run of the same commit changes no metrics file"


def test_dvc_plots_show_draws_every_chart_as_a_static_image(workspace, tmp_path):
    """Offline: the page has no scripts (no Vega from a CDN), one <img> per declared figure."""
    ws, _ = workspace
    _run(["dvc", "plots", "show", "-o", str(tmp_path / "page")], ws)
    html = (tmp_path / "page" / "index.html").read_text()
    assert "<script" not in html
    images = re.findall(r'<img src="([^"]+)"', html)
    declared = YAML(typ="safe").load((ws / "dvc.yaml").read_text())["plots"]
    assert len(images) >= len(declared) + 6  # and a loss curve per training stage
    assert all((tmp_path / "page" / src).stat().st_size > 1000 for src in images)


def test_panel_stages(workspace):
    ws, _ = workspace
    metrics = json.loads((ws / "metrics/igo_panel.json").read_text())
    assert set(metrics) == {"rotmnist", "hopper", "paper"}
    for dataset in ("rotmnist", "hopper"):
        result = metrics[dataset]
        assert result["seeds"] == [0, 1] and result["interp_steps"] == 2
        for kind in ("node", "meode", "igo"):
            row = result[kind]
            assert row["interp_mse"] > 0 and row["extrap_mse"] > 0 and len(row["per_seed"]) == 2
            assert row["interp_mse"] == pytest.approx(sum(r["interp_mse"] for r in row["per_seed"]) / 2, abs=2e-6)
            assert (ws / f"models/panel/{dataset}/{kind}/model.ckpt").is_file()
            assert (ws / f"models/panel/{dataset}/{kind}/seed1/model.ckpt").is_file()
        assert {"linear", "persistence", "train_mean"} == set(result["references"])
        assert "interp_mse" not in result["references"]["persistence"]
        assert {"igo_minus_meode", "meode_minus_node"} == set(result["differences"])
    assert metrics["paper"]["rotmnist"]["igo"] == {"interp_mse": 0.0082, "extrap_mse": 0.1545}
    ratios = [metrics[d]["igo"]["extrap_mse"] / metrics[d]["references"]["linear"]["extrap_mse"]
              for d in ("rotmnist", "hopper")]
    headline = json.loads((ws / "metrics/headline/igo_panel.json").read_text())
    assert headline == {"mse_vs_ref": pytest.approx((ratios[0] * ratios[1]) ** 0.5, rel=1e-3)}
    for name in ("rotmnist_sequences.png", "hopper_trajectory.png", "mse.png"):
        assert (ws / "plots/igo_panel" / name).stat().st_size > 0
    names = {n for (n,) in _db_rows(ws, "select r.name from runs r join experiments e "
                                        "on r.experiment_id = e.experiment_id where e.name = 'igo_panel'")}
    assert {"train_panel_rotmnist_igo", "train_panel_hopper_node", "eval_panel", "rotmnist/igo",
            "hopper/meode"} <= names


def test_point_cloud_stages(workspace):
    ws, _ = workspace
    stats = json.loads((ws / "metrics/point_clouds.json").read_text())
    assert stats["meshes"]["test"] == {"octahedron": {"vertices": 6, "faces": 8}, "star": {"vertices": 14, "faces": 24}}
    assert "CGAL" in stats["data_source"] and stats["points"] == [300]
    metrics = json.loads((ws / "metrics/pointcloud_baselines.json").read_text())
    rows = metrics["settings"]["300/0.02"]
    assert set(rows) == {"noisy", "bilateral", "jet"} and metrics["test_meshes"] == ["octahedron", "star"]
    assert all(r["cd"] > 0 and r["p2m"] > 0 and r["cd_sd"] >= 0 for r in rows.values())
    assert metrics["paper"]["jet"]["10000/0.01"] == [2.712, 0.613]
    assert (ws / "plots/pointcloud_baselines/clouds_300_0.02.png").stat().st_size > 0
    assert len((ws / "plots/pointcloud_baselines/per_shape.csv").read_text().splitlines()) == 1 + 2 * 3
    names = {n for (n,) in _db_rows(ws, "select r.name from runs r join experiments e "
                                        "on r.experiment_id = e.experiment_id where e.name = 'igo_pointcloud'")}
    assert {"baselines_pointcloud", "jet 300/0.02", "noisy 300/0.02"} <= names


def test_point_cloud_denoiser_stages(workspace):
    ws, _ = workspace
    for name in ("pointcloud_score", "pointcloud_plain", "pointcloud_igo"):
        assert (ws / f"models/pointcloud/{name}/model.ckpt").is_file()
    for name in ("pointcloud_plain", "pointcloud_igo"):
        assert (ws / f"models/pointcloud/{name}/seed1/model.ckpt").is_file()
    train = json.loads((ws / "metrics/pointcloud_train.json").read_text())
    assert set(train["pointcloud_igo"]) == {"seed0", "seed1"} and train["pretrain"]["num_parameters"] > 0
    curves = (ws / "plots/pointcloud_train/figure5b_weights.csv").read_text().splitlines()
    assert curves[0] == "seed,step,cosine_E,euclidean_E,cosine_D,euclidean_D"
    first = curves[1].split(",")
    assert first[:2] == ["0", "0"] and float(first[2]) == pytest.approx(1.0)  # half-weight copies: parallel at start
    assert len(curves) == 1 + 2 * 4  # steps 0..3 per seed
    metrics = json.loads((ws / "metrics/igo_pointcloud.json").read_text())
    result = metrics["settings"]["300/0.02"]
    assert set(result["rows"]) == {"noisy", "bilateral", "jet", "pretrained", "score", "igo_t", "igo_tau"}
    assert set(result["rows"]["igo_tau"]["seeds"]) == {"seed0", "seed1"} and "cd_seed_sd" in result["rows"]["score"]
    assert result["differences"]["igo_tau - score"]["paired_over"] == "2 fine-tuning seeds"
    assert result["differences"]["score - jet"]["paired_over"] == "2 meshes"
    assert metrics["paper"]["igo_alpha0.8"]["10000/0.01"] == [2.710, 0.593]
    for name in ("table.png", "clouds_300_0.02.png"):
        assert (ws / "plots/igo_pointcloud" / name).stat().st_size > 0
    names = {n for (n,) in _db_rows(ws, "select r.name from runs r join experiments e "
                                        "on r.experiment_id = e.experiment_id where e.name = 'igo_pointcloud'")}
    assert {"train_pointcloud_score", "train_pointcloud_igo", "eval_pointcloud", "igo_tau 300/0.02"} <= names
