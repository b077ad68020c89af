"""IGO's part of ``docs/results.md``, from ``metrics/igo.json``."""
from __future__ import annotations

from invdiff.markdown import MISSING, labelled, num, pct, pm, section, signed, table


def _difference(row: dict, key: str) -> str:
    if row.get(key) is None:
        return ""
    return f"{signed(row[key], 1)} ± {num(row.get(f'{key}_sd'), 1)}"


def results_section(metrics: dict) -> str:
    alphas = labelled(metrics, "alpha")[::-1]
    reference = metrics["gaussian_reference"]
    header = ["method", "FID full model", "confident", "FID intermediate", "full − α=1 (paired seeds)",
              "FID over training seeds", "full − α=1 over training seeds"]
    rows = [["`gaussian_reference` N(μ, S)", pm(reference, "fid", 1), num(reference.get("confident"), 2)]
            + [""] * 4]
    for alpha, key in alphas:
        row = metrics[key]
        intermediate = pm(row, "fid_intermediate", 1) if row.get("fid_intermediate") is not None else MISSING
        rows.append([f"α = {alpha:g}", pm(row, "fid", 1), num(row.get("confident"), 2), intermediate,
                     _difference(row, "fid_minus_alpha1"), pm(row, "fid_over_training_seeds", 1)
                     if row.get("fid_over_training_seeds") is not None else "",
                     _difference(row, "fid_minus_alpha1_over_training_seeds")])
    rows.append(["real data (floor)", pm(metrics, "real_fid_floor", 1, "real_fid_floor_sd"),
                 num(metrics.get("real_confident"), 2)] + [""] * 4)
    sampler = metrics["sampler"]
    intro = (f"{metrics['num_samples']} samples per FID, mean ± sd over {metrics['seeds']} paired sampling seeds; "
             f"sampler {sampler['name']} (rtol {sampler.get('rtol', MISSING)}, atol {sampler.get('atol', MISSING)}); "
             "`confident`: share of samples the FID classifier assigns to one digit with probability ≥ 0.9; data "
             f"{metrics['data_source']}.")
    reading = None
    if alphas:
        top_alpha, top_key = alphas[0]
        top = metrics[top_key]
        reading = (f"At α = {top_alpha:g} the full model's FID is {pct(top['fid'] / reference['fid'])} of the "
                   "Gaussian reference's. Paired differences to α = 1, by α: "
                   + ", ".join(f"{_difference(metrics[k], 'fid_minus_alpha1')} (α = {a:g})"
                               for a, k in alphas if metrics[k].get("fid_minus_alpha1") is not None) + ".")
    return section("IGO on the cat-map SDE", "metrics/igo.json", intro, table(header, rows), reading)
