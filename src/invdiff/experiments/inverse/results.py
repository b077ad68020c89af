"""The inverse experiment's part of ``docs/results.md``, from ``metrics/inverse.json``."""
from __future__ import annotations

from invdiff.experiments.inverse.report import markdown_table
from invdiff.markdown import num, pct, section, signed, table


def _comparison(operator: str, comparison: dict) -> list[str]:
    psnr = comparison["psnr"]
    winner = comparison["learned"] if psnr["mean"] > 0 else comparison["zero_shot"]
    return [operator, comparison["learned"], comparison["zero_shot"],
            f"{signed(psnr['mean'], 2)} ± {num(psnr['se'], 2)}",
            f"{signed(comparison['fid']['mean'], 1)} ± {num(comparison['fid']['se'], 1)}", winner,
            comparison["best_diffusion"], pct(comparison["fid_reduction_vs_gaussian_posterior"]),
            signed(comparison["psnr_gain_vs_gaussian_posterior"], 2)]


def results_section(metrics: dict) -> str:
    operators = metrics["operators"]
    intro = (f"σ_y = {metrics['sigma_y']:g}; {metrics['inputs']} test inputs per operator, {metrics['steps']} "
             f"sampler steps, mean ± sd over {metrics['seeds']} paired seeds; knobs chosen by "
             f"{metrics['selection_metric']}; FID floor (real data) {num(metrics['real_fid_floor'], 1)} ± "
             f"{num(metrics['real_fid_floor_sd'], 1)}; data {metrics['data_source']}.")
    summary = table(["operator", "learned", "best zero-shot (tuning split)", "PSNR learned − zero-shot (± se)",
                     "FID learned − zero-shot (± se)", "higher PSNR", "best diffusion row", "its FID below the "
                     "Gaussian posterior's", "its PSNR − Gaussian posterior's (dB)"],
                    [_comparison(op, entry["comparison"]) for op, entry in operators.items()])
    tables = [f"### {op}\n\n{markdown_table(metrics, op)}" for op in operators]
    return section("Inverse problems: learned optimizer vs zero-shot posterior sampling", "metrics/inverse.json",
                   intro, summary, *tables)
