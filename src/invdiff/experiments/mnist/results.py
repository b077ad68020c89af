"""MNIST's part of ``docs/results.md``, from ``metrics/mnist_cfg.json``."""
from __future__ import annotations

from invdiff.markdown import labelled, num, pct, pm, section, table


def _row(name: str, row: dict) -> list[str]:
    return [name, pm(row, "fid", 1), pm(row, "accuracy", 3),
            f"{num(row.get('diversity'), 1)} ({num(row.get('diversity_gap'), 1)})", pm(row, "dark_fraction", 3)]


def results_section(metrics: dict) -> str:
    weights = labelled(metrics, "w")
    reference = metrics["gaussian_reference"]
    rows = [_row("`gaussian_reference` (per-class Gaussian)", reference)]
    rows += [_row(f"DDPM w = {w:g}", metrics[key]) for w, key in weights]
    rows.append([f"real data (floor, {metrics['floor_draws']} draws)",
                 pm(metrics, "real_fid_floor", 1, "real_fid_floor_sd"),
                 f"{num(metrics['classifier_accuracy'], 3)} (classifier, test)", num(metrics["real_diversity"], 1),
                 num(metrics["real_dark_fraction"], 3)])
    sampler = metrics["sampler"]
    intro = (f"{metrics['samples_per_class']} samples per class, mean ± sd over {metrics['seeds']} paired seeds, "
             f"{sampler['name']} over {sampler['steps']} steps; FID in the frozen classifier's features "
             f"(sha256 `{metrics['fid_net_sha256'][:12]}…`) against the test split; data {metrics['data_source']}. "
             "Diversity in brackets: the gap to the data's.")
    reading = None
    if weights:
        best_w, best = min(((w, metrics[k]) for w, k in weights), key=lambda item: item[1]["fid"])
        reading = (f"Best FID at w = {best_w:g}: {pm(best, 'fid', 1)}, "
                   f"{pct(1 - best['fid'] / reference['fid'])} below the Gaussian reference "
                   f"({num(reference['fid'], 1)}); the floor is {num(metrics['real_fid_floor'], 1)}. Accuracy by w: "
                   + ", ".join(f"{num(metrics[k]['accuracy'], 3)} (w = {w:g})" for w, k in weights) + ".")
    return section("MNIST, class-conditional CFG", "metrics/mnist_cfg.json", intro,
                   table(["method", "FID", "accuracy", "diversity (gap)", "dark pixels"], rows), reading)
