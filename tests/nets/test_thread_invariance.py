"""Every network that runs inside a paced loop (a sampler's denoiser) gives the same forward pass to the bit at 1 and
2 CPU threads, so the thread pace (invdiff.progress.pace), which changes the thread count of those loops with the
machine's load, never changes a sample. The FID classifier and the panel models run outside paced loops, at the
stage's own count (pace hands it back when a loop ends: tests/test_thread_pace.py), and are not invariant (a Linear
layer with an input of 3,136 splits its sum by thread); weight gradients are not either, so training does not pace
(tests/test_resume.py).
"""
import pytest
import torch

from helpers.params import REPO, tiny_params
from helpers.pose_workspace import build_data_workspace
from helpers.project import at_project
from invdiff.config import load_params
from invdiff.experiments.pointcloud.task import PointCloudTask, ScoreModule
from invdiff.experiments.registry import TASKS

# the pose transformer at params.yaml's head width (16; the paper's is 32): at the tiny overlay's 8 torch's CPU
# attention kernel splits its work by thread count and differs in the last bit
_DEFAULT = load_params(REPO / "params.yaml").pose.transformer
DEFAULT_HEADS = {"pose.transformer.width": _DEFAULT.width, "pose.transformer.heads": _DEFAULT.heads}
UNPACED = ("classifier", "panel_")
CASES = ([(name, DEFAULT_HEADS if name == "pose_transformer" else {}) for name in TASKS
          if not name.startswith(UNPACED)]
         + [("pose_mlp", {"pose.mlp.variant": "authors"})])


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """The tasks' training data at the tiny scale (a clean clone has none; a checkout's own data must not count)."""
    root = tmp_path_factory.mktemp("data")
    build_data_workspace(root)
    return root


def _module_and_batch(name, overrides):
    torch.manual_seed(0)
    task, params = TASKS[name], tiny_params(**overrides)
    if isinstance(task, PointCloudTask):  # its build reads the processed patches; the network is what matters
        view = task.section(params)
        module = ScoreModule(view.model.model_dump(), view.train.model_dump(), view.alpha,
                             intermediate=task.stage == "igo")
        clouds = [torch.randn(4, 64, 3) * 0.1 for _ in range(4)]
        return module, [clouds[0], clouds[1], clouds[2], clouds[3], torch.full((4,), 0.02)]
    module, loader = task.build(params)
    return module, next(iter(loader))


def _layer_outputs(module, batch):
    """Every layer's output in one training-loss evaluation (the loss's own mean over more than torch's grain of
    32,768 elements may differ in the last bit; no sampler uses such a sum)."""
    seen = []

    def keep(_layer, _inputs, out):
        seen.extend(t.clone() for t in (out if isinstance(out, tuple) else (out,)) if torch.is_tensor(t))

    hooks = [layer.register_forward_hook(keep) for layer in module.modules() if layer is not module]
    try:
        with torch.no_grad():
            module.training_step(batch, 0)
    finally:
        for hook in hooks:
            hook.remove()
    return seen


@pytest.mark.parametrize("name,overrides", CASES, ids=[n + "".join(f"-{v}" for v in o.values()) for n, o in CASES])
def test_every_layer_output_is_bit_identical_at_one_and_two_threads(data_root, name, overrides):
    with at_project(data_root):
        module, batch = _module_and_batch(name, overrides)
    module.eval()   # as samplers run it (BatchNorm on its running statistics); the loss's draws share one seed
    before, outputs = torch.get_num_threads(), []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            torch.manual_seed(1)
            outputs.append(_layer_outputs(module, batch))
    finally:
        torch.set_num_threads(before)
    one, two = outputs
    assert one and len(one) == len(two) and all(torch.isfinite(a).all() for a in one), name
    assert all(torch.equal(a, b) for a, b in zip(one, two)), name
