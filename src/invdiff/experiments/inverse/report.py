"""What the inverse evaluation reports beyond its JSON: MLflow child runs and the headline."""
from __future__ import annotations

from invdiff.headline import rounded


def mlflow_children(metrics: dict) -> dict[str, tuple[dict, dict]]:
    """One child run per (operator, method), with the JSON's metric keys."""
    children = {}
    for op, entry in metrics["operators"].items():
        for method, row in entry["rows"].items():
            params = {"operator": op, "method": method, **row.get("knobs", {})}
            children[f"{op}/{method}"] = (params, {k: v for k, v in row.items() if k not in ("knobs", "per_seed")})
    return children


def headline(metrics: dict) -> dict:
    """Mean over operators of the best diffusion row's FID (chosen on the tuning split) beside the exact Gaussian
    posterior's and the real-data floor: the shared ``fid`` / ``fid_ref`` / ``fid_floor`` columns (``dvc metrics
    show`` has no width left for per-operator keys; those are in ``metrics/inverse.json``)."""
    best, gauss = [], []
    for entry in metrics["operators"].values():
        row = entry["rows"][entry["comparison"]["best_diffusion"]]
        best.append(row.get("fid") if row.get("status") == "ok" else float("nan"))
        gauss.append(entry["rows"]["gaussian_posterior"]["fid"])
    return rounded({"fid": sum(best) / len(best), "fid_ref": sum(gauss) / len(gauss),
                    "fid_floor": metrics["real_fid_floor"]})


def _cell(row: dict, key: str, digits: int) -> str:
    if row.get("status") == "diverged":
        return "diverged"
    value = row.get(key)
    if value is None:
        return "–"
    sd = row.get(f"{key}_sd")
    return f"{value:.{digits}f}" + (f" ± {sd:.{digits}f}" if sd else "")


def markdown_table(metrics: dict, operator: str) -> str:
    """One operator's rows as a Markdown table (``python -m invdiff.experiments.inverse.report``)."""
    columns = [("psnr", 2), ("ssim", 3), ("fid", 0), ("accuracy", 2), ("chi2", 2), ("coverage90", 2),
               ("coverage50", 2), ("crps", 3), ("nfe", 0), ("vjps", 0)]
    entry = metrics["operators"][operator]
    lines = ["| method | knobs (tuning split) | " + " | ".join(c for c, _ in columns) + " |",
             "|---|---|" + "---|" * len(columns)]
    for name, row in entry["rows"].items():
        knobs = ", ".join(f"{k} {v:g}" for k, v in row.get("knobs", {}).items())
        lines.append(f"| {name} | {knobs} | " + " | ".join(_cell(row, c, d) for c, d in columns) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys

    data = json.loads(open(sys.argv[1] if len(sys.argv) > 1 else "metrics/inverse.json").read())
    for op in data["operators"]:
        print(f"\n### {op}\n\n{markdown_table(data, op)}")
