"""IGO in 3D's part of ``docs/results.md``, from ``metrics/igo_pointcloud.json``."""
from __future__ import annotations

from invdiff.markdown import num, pm, section, signed, table


def _setting_label(setting: str) -> str:
    points, noise = setting.split("/")  # the JSON's own "<points>/<noise>" key, written by this experiment
    return f"{int(points) // 1000}K, {100 * float(noise):g} %"


def _differences(setting: str, differences: dict) -> str:
    parts = []
    for pair, d in differences.items():
        better = f", better on {d['better_on_cd']} (CD)" if "better_on_cd" in d else ""
        parts.append(f"{pair}: CD {signed(d['cd'])} ± {num(d['cd_sd'])}, P2M {signed(d['p2m'])} ± "
                     f"{num(d['p2m_sd'])} ({d['paired_over']}{better})")
    return f"Paired differences at {_setting_label(setting)} (sd of the differences): " + "; ".join(parts) + "."


def results_section(metrics: dict) -> str:
    settings = metrics["settings"]
    methods = list(next(iter(settings.values()))["rows"])
    header = ["method"] + [f"{kind} {_setting_label(s)}" for s in settings for kind in ("CD", "P2M")]
    rows = []
    for method in methods:
        label = f"{method}: {metrics['methods'][method]}" if method in metrics.get("methods", {}) else method
        rows.append([label] + [pm(settings[s]["rows"].get(method), kind, 3)
                               for s in settings for kind in ("cd", "p2m")])
    paper = metrics.get("paper", {})
    paper_rows = [[f"paper: {name}"] + [" / ".join(num(v, 3) for v in values[s]) if s in values else "–"
                                          for s in settings] for name, values in paper.items()
                  if isinstance(values, dict)]
    intro = (f"Units: {metrics['units']}; {metrics['rows']}. Test meshes: {', '.join(metrics['test_meshes'])}; IGO α = "
             f"{metrics['alpha']:g}; data: {metrics['data_source']}.")
    return section("IGO in 3D (point-cloud denoising)", "metrics/igo_pointcloud.json", intro,
                   table(header, rows), *(_differences(s, settings[s]["differences"]) for s in settings),
                   f"The paper's Table 1 ({paper.get('table', '')}), CD / P2M:\n\n"
                   + table(["method"] + [_setting_label(s) for s in settings], paper_rows) if paper_rows else None)
