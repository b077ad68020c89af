"""Pose's part of ``docs/results.md``, from ``metrics/pose.json`` and ``metrics/pose_baselines.json``."""
from __future__ import annotations

from invdiff.markdown import MISSING, labelled, num, pct, pm, section, table

HEADER = ["method", "alignment error", "MPJPE (mm)", "min-of-K MPJPE (mm)", "diversity (mm)",
          "joint-limit violations", "gain over `linear_gaussian` (alignment / MPJPE)"]
ARCHS = ("mlp", "transformer")


def _row(name: str, row: dict) -> list[str]:
    gain = MISSING
    if row.get("gain_vs_linear_gaussian_mpjpe_mm") is not None:
        gain = (f"{pct(row['gain_vs_linear_gaussian_pixel_alignment_error'])} / "
                f"{pct(row['gain_vs_linear_gaussian_mpjpe_mm'])}")
    return [name, pm(row, "pixel_alignment_error", 4), pm(row, "mpjpe_mm", 1), pm(row, "min_of_k_mpjpe_mm", 1),
            pm(row, "diversity_mm", 1), pct(row.get("joint_limit_violation"), 1), gain]


def _protocol(cells: dict) -> tuple[str, str | None]:
    rows = [_row(f"`{ref}`", cells[ref]) for ref in ("linear_gaussian", "linear_gaussian_mean") if ref in cells]
    best = {}
    for arch in ARCHS:
        weights = labelled(cells.get(arch, {}), "w")
        rows += [_row(f"{arch}, w = {w:g}", cells[arch][key]) for w, key in weights]
        if weights:
            best[arch] = min(((w, cells[arch][k]) for w, k in weights), key=lambda item: item[1]["mpjpe_mm"])
    reading = "; ".join(f"{arch}'s lowest MPJPE is at w = {w:g} ({num(row['mpjpe_mm'], 1)} mm against the "
                        f"reference's {num(cells['linear_gaussian']['mpjpe_mm'], 1)})"
                        for arch, (w, row) in best.items()) + "." if best else None
    return table(HEADER, rows), reading


def _reframed(cells: dict) -> str:
    header = ["method", "alignment", "× val", "MPJPE (mm)", "× val", "scale error", "refined: alignment / MPJPE"]
    rows = []
    for name, row in cells.items():
        label = f"{name}, w = {row['w']:g}" if "w" in row else f"`{name}` (true framing, closed form)"
        refined = (f"{num(row['refined_pixel_alignment_error'], 4)} / {num(row['refined_mpjpe_mm'], 1)}"
                   if "refined_mpjpe_mm" in row else MISSING)
        rows.append([label, num(row["pixel_alignment_error"], 4), pm(row, "ratio_pixel_alignment_error", 2),
                     num(row["mpjpe_mm"], 1), pm(row, "ratio_mpjpe_mm", 2), pct(row.get("scale_error"), 1), refined])
    return table(header, rows)


def _baselines(baselines: dict) -> str:
    rows = [_row(f"`{name}`", row) + [num(row.get("forward_evaluations_per_sample"), 0)]
            for name, row in baselines.items() if isinstance(row, dict) and "mpjpe_mm" in row]
    choices = baselines.get("choices", {})
    chosen = "; ".join(f"{name}: {entry['chosen']} by {entry['criterion']} on {choices.get('sweep_inputs')} "
                       "disjoint val inputs" for name, entry in choices.items() if isinstance(entry, dict))
    return (f"Baselines on the same inputs and seeds (`metrics/pose_baselines.json`):\n\n"
            f"{table(HEADER + ['forward-model evaluations per sample'], rows)}\n\nChoices: {chosen or MISSING}.")


def results_section(pose: dict, baselines: dict | None) -> str:
    sampler = pose["sampler"]
    steps = sampler.get("steps_by_arch") or {arch: sampler["steps"] for arch in pose["params"]}
    intro = (f"Data: {pose['data_source']}. {pose['samples_per_input']} samples per input, mean ± sd over "
             f"{pose['seeds']} paired sampling seeds; sampler {sampler['name']}, network calls per sample "
             + ", ".join(f"{arch} {n}" for arch, n in steps.items()) + " (guidance doubles the batch, not the calls); "
             "parameters: " + ", ".join(f"{arch} {n:,}" for arch, n in pose["params"].items()) + ".")
    blocks = [intro]
    for protocol in ("val", "test", "paper"):
        if protocol in pose:
            text, reading = _protocol(pose[protocol])
            blocks += [f"Protocol `{protocol}` ({pose['inputs'].get(protocol, MISSING)} inputs):", text, reading]
    if "val_reframed" in pose:
        blocks += ["`val_reframed` (the val inputs re-framed at random, as `invdiff sample-pose` meets them):",
                   _reframed(pose["val_reframed"])]
    if baselines:
        blocks.append(_baselines(baselines))
    return section("Pose from 2D keypoints", "metrics/pose.json", *blocks)
