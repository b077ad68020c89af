"""The verdict of the inverse experiment per operator: the learned optimizer's best row against the best zero-shot
row, paired over sampling seeds, and the best diffusion row against the exact Gaussian-prior posterior. "Best" is
chosen on the tuning split (its PSNR), never on the test rows compared here."""
from __future__ import annotations

import numpy as np

from invdiff.experiments.inverse.methods import ZERO_SHOT

DIFFUSION_FAMILIES = {"learned": ("optimizer",), "zero_shot": ZERO_SHOT}


def paired_difference(a: list[float], b: list[float]) -> dict:
    diff = np.asarray(a) - np.asarray(b)
    sd = float(diff.std(ddof=1)) if len(diff) > 1 else 0.0
    return {"mean": round(float(diff.mean()), 4), "sd": round(sd, 4), "se": round(sd / float(np.sqrt(len(diff))), 4)}


def compare(out: dict, seeds: int) -> dict:
    """The tuning split's best learned-optimizer row against its best zero-shot row (PSNR and FID, paired over
    seeds), and the best diffusion row against the exact Gaussian-prior posterior."""
    choices, rows = out["choices"], out["rows"]

    def best(methods):
        tuned = [(max(s["psnr"] for s in choices[m]["tuning_psnr"]), m) for m in methods]
        m = max(tuned)[1]
        return f"optimizer_w={choices[m]['chosen']['w']:g}" if m == "optimizer" else m

    learned, zero_shot = best(DIFFUSION_FAMILIES["learned"]), best(DIFFUSION_FAMILIES["zero_shot"])
    result = {"learned": learned, "zero_shot": zero_shot}
    for key in ("psnr", "fid"):
        a, b = rows[learned], rows[zero_shot]
        if a["status"] != "ok" or b["status"] != "ok":
            result[key] = None
            continue
        result[key] = paired_difference(a["per_seed"][key], b["per_seed"][key])
    diffusion = best((*DIFFUSION_FAMILIES["learned"], *DIFFUSION_FAMILIES["zero_shot"]))
    gauss, top = rows["gaussian_posterior"], rows[diffusion]
    result["best_diffusion"] = diffusion
    if top["status"] == "ok" and gauss["status"] == "ok":
        result["fid_reduction_vs_gaussian_posterior"] = round(1 - top["fid"] / gauss["fid"], 4)
        result["psnr_gain_vs_gaussian_posterior"] = round(top["psnr"] - gauss["psnr"], 4)
    result["nfe"] = {learned: rows[learned].get("nfe"), zero_shot: rows[zero_shot].get("nfe")}
    return result
