"""Scores of the classical denoisers (and the noisy input) on the test meshes: CD and P2M x 10^4, mean +- sd over
shapes, per (cloud size, noise level) -- the layout of Table 1 in the IGO paper, whose numbers ride along."""
from __future__ import annotations

from invdiff.experiments.pointcloud import baselines, metrics
from invdiff.experiments.pointcloud.config import PointCloudBaselinesConfig
from invdiff.experiments.pointcloud.data import Split
from invdiff.io import atomic_dir, save_figure, write_csv
from invdiff.paths import plots_dir
from invdiff.seeds import summarize

UNITS = ("CD and P2M x 1e4 in the unit sphere of the clean shape (Luo & Hu's definitions: squared distances, both "
         "directions)")

# Mishra et al., Table 1 (PU-Net test meshes, CD and P2M x 10^4); keys "<points>/<noise>"
PAPER = {
    "bilateral": {"10000/0.01": [3.646, 1.342], "10000/0.02": [5.007, 2.018], "50000/0.01": [0.877, 0.234],
                  "50000/0.02": [2.376, 1.389]},
    "jet": {"10000/0.01": [2.712, 0.613], "10000/0.02": [4.155, 1.347], "50000/0.01": [0.851, 0.207],
            "50000/0.02": [2.432, 1.403]},
    "mrpca": {"10000/0.01": [2.972, 0.922], "10000/0.02": [3.728, 1.117], "50000/0.01": [0.669, 0.099],
              "50000/0.02": [2.008, 1.033]},
    "glr": {"10000/0.01": [2.959, 1.052], "10000/0.02": [3.773, 1.306], "50000/0.01": [0.696, 0.161],
            "50000/0.02": [1.587, 0.830]},
    "pcnet": {"10000/0.01": [3.515, 1.148], "10000/0.02": [7.467, 3.965], "50000/0.01": [1.049, 0.346],
              "50000/0.02": [1.447, 0.608]},
    "dmr": {"10000/0.01": [4.482, 1.722], "10000/0.02": [4.982, 2.115], "50000/0.01": [1.162, 0.469],
            "50000/0.02": [1.566, 0.800]},
    "score_based_pcd": {"10000/0.01": [2.521, 0.463], "10000/0.02": [3.686, 1.074], "50000/0.01": [0.716, 0.150],
                        "50000/0.02": [1.288, 0.566]},
    "igo_alpha0.8": {"10000/0.01": [2.710, 0.593], "10000/0.02": [4.292, 1.524], "50000/0.01": [0.954, 0.320],
                     "50000/0.02": [2.456, 1.517]},
}


def setting(points: int, level: float) -> str:
    return f"{points}/{level:g}"


def methods(cfg: PointCloudBaselinesConfig, points: int, level: float) -> dict:
    """The denoisers at one setting; neighbourhood sizes scale with the cloud (k is given at 10K points; the jet's
    also with the noise, given at 1 %), the bilateral range scale with the noise std, its passes with the noise
    level (one per 1 %) -- the rules that won on the train meshes (benchmarks/pointcloud_baselines.py --sweep)."""
    scale = points / 10000
    k_bilateral = max(8, round(cfg.bilateral.k * scale))
    k_jet = max(8, round(cfg.jet.k * scale * level / 0.01))
    passes = max(1, round(cfg.bilateral.passes_per_percent * level / 0.01))
    return {"noisy": lambda p: p,
            "bilateral": lambda p: baselines.bilateral(p, k_bilateral, cfg.bilateral.sigma_n * level, passes),
            "jet": lambda p: baselines.jet(p, k_jet)}


def score_clouds(methods_at, points: list[int], noise: list[float], progress=None):
    """Every method of ``methods_at(points, level)`` ({name: cloud -> cloud}) on every test mesh at every setting:
    (raw {setting: {method: [(cd, p2m) per mesh, in Split("test").names order]}}, per-shape rows, one example per
    setting for the figures: {setting: (name, clean, {method: cloud})}). ``progress``: an invdiff.progress.Progress
    over len(points) * len(noise) * test meshes."""
    test = Split("test")
    raw, rows, examples = {}, [], {}
    done = 0
    for n in points:
        for level in noise:
            key = setting(n, level)
            scores: dict[str, list[tuple[float, float]]] = {}
            for name in test.names:
                v, f = test.mesh(name)
                clean, noisy = test.clean(name, n), test.noisy(name, n, level)
                for method, fn in methods_at(n, level).items():
                    cloud = fn(noisy)
                    cd = metrics.chamfer(cloud, clean) * metrics.SCALE
                    p2m = metrics.point_to_mesh(cloud, v, f) * metrics.SCALE
                    scores.setdefault(method, []).append((cd, p2m))
                    rows.append((n, level, name, method, round(cd, 5), round(p2m, 5)))
                    if name == test.names[0]:
                        examples.setdefault(key, (name, clean, {}))[2][method] = cloud
                done += 1
                if progress is not None:
                    progress.update_to(done)
            raw[key] = scores
    return raw, rows, examples


def over_shapes(scores: list[tuple[float, float]]) -> dict[str, float]:
    """CD and P2M mean +- sd over the test meshes."""
    return summarize([{"cd": cd, "p2m": p2m} for cd, p2m in scores])


def evaluate(cfg: PointCloudBaselinesConfig, points: list[int], noise: list[float], progress=None):
    """The classical denoisers: (metrics {setting: {method: {cd, cd_sd, p2m, p2m_sd}}}, per-shape rows, examples as
    :func:`score_clouds`)."""
    raw, rows, examples = score_clouds(lambda n, level: methods(cfg, n, level), points, noise, progress)
    out = {key: {method: over_shapes(s) for method, s in by_method.items()} for key, by_method in raw.items()}
    return out, rows, examples


def write_plots(folder_name: str, rows: list, figures: dict) -> None:
    """``plots/<folder_name>/``: the per-shape scores of :func:`score_clouds` and the figures, atomically."""
    with atomic_dir(plots_dir(folder_name)) as folder:
        write_csv(folder / "per_shape.csv", ["points", "noise", "mesh", "method", "cd_x1e4", "p2m_x1e4"], rows)
        for file, fig in figures.items():
            save_figure(fig, folder / file)
