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
    """Per operator: the best diffusion row (chosen on the tuning split) and the exact Gaussian posterior."""
    out = {"fid_floor": metrics["real_fid_floor"]}
    for op, entry in metrics["operators"].items():
        best = entry["comparison"]["best_diffusion"]
        row, gauss = entry["rows"][best], entry["rows"]["gaussian_posterior"]
        out[f"{op}_best"] = best
        out[f"{op}_psnr"], out[f"{op}_psnr_gauss"] = row.get("psnr"), gauss["psnr"]
        out[f"{op}_fid"], out[f"{op}_fid_gauss"] = row.get("fid"), gauss["fid"]
    return rounded(out)


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
               ("coverage50", 2), ("crps", 3), ("nfe", 0), ("vjps", 0), ("seconds_per_sample", 3)]
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
