"""MNIST figures: sample grids per guidance weight, FID and accuracy against w (+ the CSV for ``dvc plots``)."""
from __future__ import annotations

import numpy as np

from invdiff.experiments.mnist.evaluate import METRIC_KEYS
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
    figures["fid_vs_w.png"] = metric_vs_weight({"ddpm": (ws, [r["fid"] for r in rows])},
                                               {"real data floor": metrics["real_fid_floor"]},
                                               "FID (classifier features)", "MNIST: FID vs guidance weight")
    figures["accuracy_vs_w.png"] = metric_vs_weight({"ddpm": (ws, [r["accuracy"] for r in rows])},
                                                    {"classifier on real test": metrics["classifier_accuracy"]},
                                                    "accuracy of the conditioning class", "MNIST: accuracy vs w")
    for name, fig in figures.items():
        save_figure(fig, f"{folder}/{name}")
    write_csv(f"{folder}/metrics_vs_w.csv", ["w", *METRIC_KEYS], ([w, *(r[k] for k in METRIC_KEYS)]
                                                                 for w, r in zip(ws, rows)))
    return figures
