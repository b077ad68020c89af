"""MNIST figures: sample grids per guidance weight; FID, accuracy and dark-pixel share against w with seed sd,
the Gaussian reference and the real data (+ the CSV for ``dvc plots``)."""
from __future__ import annotations

import numpy as np

from invdiff.experiments.mnist.evaluate import GAUSSIAN, METRIC_KEYS
from invdiff.io import save_figure, write_csv
from invdiff.viz.curves import metric_vs_weight
from invdiff.viz.grids import image_grid


def write_plots(folder, metrics: dict, samples: dict[float, np.ndarray], k: int) -> dict[str, object]:
    cols = min(k, 10)
    figures = {}
    for w, images in samples.items():
        shown = images.reshape(10, k, 28, 28)[:, :cols].reshape(-1, 28, 28)
        figures[f"samples_w{w:g}.png"] = image_grid(shown, rows=10, title=f"conditional DDPM, w = {w:g}",
                                                    row_labels=[str(c) for c in range(10)])
    ws = list(samples)
    rows = [metrics[f"w={float(w)}"] for w in ws]
    gaussian = metrics[GAUSSIAN]
    seeds = f"± sd over {metrics['seeds']} seeds"

    def curve(key):
        return {"ddpm": (ws, [r[key] for r in rows], [r[f"{key}_sd"] for r in rows])}

    figures["fid_vs_w.png"] = metric_vs_weight(
        curve("fid"), {"Gaussian reference": (gaussian["fid"], gaussian["fid_sd"]),
                       "real data floor": (metrics["real_fid_floor"], metrics["real_fid_floor_sd"])},
        "FID (classifier features)", f"MNIST: FID vs guidance weight ({seeds})", log_y=True)
    figures["accuracy_vs_w.png"] = metric_vs_weight(
        curve("accuracy"), {"classifier on real test": metrics["classifier_accuracy"],
                            "Gaussian reference": (gaussian["accuracy"], gaussian["accuracy_sd"])},
        "accuracy of the conditioning class", f"MNIST: accuracy vs w ({seeds})")
    figures["dark_fraction_vs_w.png"] = metric_vs_weight(
        curve("dark_fraction"), {"real data": metrics["real_dark_fraction"]},
        "share of pixels < -0.9", f"MNIST: black background vs w ({seeds})")
    for name, fig in figures.items():
        save_figure(fig, f"{folder}/{name}")
    write_csv(f"{folder}/metrics_vs_w.csv", ["w", *METRIC_KEYS, *(f"{key}_sd" for key in METRIC_KEYS)],
              ([w, *(r[key] for key in METRIC_KEYS), *(r[f"{key}_sd"] for key in METRIC_KEYS)]
               for w, r in zip(ws, rows)))
    return figures
