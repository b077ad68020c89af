"""IGO on panel data's part of ``docs/results.md``, from ``metrics/igo_panel.json``."""
from __future__ import annotations

from invdiff.markdown import MISSING, num, pm, section, signed, table

MODELS = ("node", "meode", "igo")
REFERENCES = ("train_mean", "persistence", "linear")
DIGITS = {"rotmnist": 4, "hopper": 4}


def _paper(paper: dict, model: str) -> str:
    row = paper.get(model)
    if not row:
        return ""
    return " / ".join(num(row.get(key), 4) for key in ("interp_mse", "extrap_mse"))


def _data_set(name: str, entry: dict, paper: dict) -> str:
    digits = DIGITS.get(name, 4)
    rows = [[f"`{ref}`", num(entry["references"][ref].get("interp_mse"), digits),
             num(entry["references"][ref].get("extrap_mse"), digits), ""] for ref in REFERENCES
            if ref in entry["references"]]
    rows += [[model, pm(entry[model], "interp_mse", digits), pm(entry[model], "extrap_mse", digits),
              _paper(paper, model)] for model in MODELS if model in entry]
    header = [f"{name} ({entry['interp_steps']} + {entry['extrap_steps']} steps, {entry['test_sequences']} test "
              "sequences)", "interp MSE", "extrap MSE", "paper interp / extrap"]
    differences = "; ".join(
        f"{pair.replace('_minus_', ' − ')} {signed(d['interp_mse'], 4)} ± {num(d['interp_mse_sd'], 4)} / "
        f"{signed(d['extrap_mse'], 4)} ± {num(d['extrap_mse_sd'], 4)}"
        for pair, d in entry["differences"].items())
    beats = ", ".join(f"{model} {'beats' if flags.get('extrap') else 'does not beat'} it in extrapolation and "
                      f"{'beats' if flags.get('interp') else 'does not beat'} it in interpolation"
                      for model, flags in entry.get("beats_linear", {}).items())
    return (f"{table(header, rows)}\n\nUnits: {entry['units']}. Mean ± sd over training seeds "
            f"{entry['seeds']}. Paired over training seeds (interp / extrap): {differences or MISSING}. Against "
            f"`linear` ({entry['references']['linear'].get('what', '')}): {beats or MISSING}.")


def results_section(metrics: dict) -> str:
    paper = metrics.get("paper", {})
    blocks = [_data_set(name, metrics[name], paper.get(name, {})) for name in ("rotmnist", "hopper")
              if name in metrics]
    return section("IGO on panel data (latent ODEs)", "metrics/igo_panel.json",
                   f"Test split; {paper.get('note', '')}.", *blocks)
