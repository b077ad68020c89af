"""docs/results.md is generated from metrics/*.json: the committed page equals a fresh generation, a changed
metric makes it stale, and every number the README states is on the page."""
import importlib.util
import json
import re
import shutil

import pytest

from helpers.params import REPO


@pytest.fixture(scope="module")
def results():
    spec = importlib.util.spec_from_file_location("results_stage", REPO / "pipeline" / "results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_equals_a_fresh_generation(results):
    assert results.main(["--check"]) == 0, "run `python pipeline/results.py` and commit docs/results.md"


@pytest.fixture
def copy(tmp_path):
    for folder in ("metrics", "docs"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    return tmp_path


def test_a_changed_metric_makes_the_page_stale_and_a_regeneration_shows_it(results, copy, capsys):
    path = copy / "metrics" / "mnist_cfg.json"
    metrics = json.loads(path.read_text())
    metrics["w=0.0"]["fid"] = 12.345678
    path.write_text(json.dumps(metrics))
    assert results.main(["--root", str(copy), "--check"]) == 1
    assert "differs from a fresh generation" in capsys.readouterr().err
    assert results.main(["--root", str(copy)]) == 0
    assert f"| DDPM w = 0 | 12.3 ± {metrics['w=0.0']['fid_sd']:.1f} |" in (copy / "docs" / "results.md").read_text()


def test_an_absent_metrics_file_is_named_on_the_page_not_a_crash(results, copy):
    (copy / "metrics" / "igo_panel.json").unlink()
    assert "`metrics/igo_panel.json` is absent" in results.generate(copy)


NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")


def _prose_numbers(markdown: str) -> set[str]:
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)  # commands and their example output
    text = re.sub(r"`[^`]*`|\]\([^)]*\)|https?://\S+", "", text)  # code, link targets
    return set(NUMBER.findall(text))


def test_every_number_the_readme_states_is_on_the_generated_page():
    page = set(NUMBER.findall((REPO / "docs" / "results.md").read_text()))
    missing = sorted(n for n in _prose_numbers((REPO / "README.md").read_text()) if n not in page)
    assert not missing, f"README numbers not in docs/results.md (generate them, or drop them): {missing}"
