"""DVC stage check_params: validate the whole params.yaml before any other stage runs.

DVC deletes a stage's outputs just before running its command, so a bad value caught inside the stage costs its
models, metrics and plots. Every stage depends on this stage's output, whose content does not depend on the
values: DVC runs it first whenever any param changes, and a bad value (an ill-typed key, a typo such as
``-S +branin.trian.lr=0.1`` in a section no stage reads) stops the run here, outputs untouched.
"""
import sys

from invdiff.config import load_params
from invdiff.errors import InvdiffError
from invdiff.io import write_json
from invdiff.params_guard import ALL
from invdiff.paths import metrics_path

READS = ALL  # dvc.yaml: the whole params.yaml

UNDO = ("params.yaml is unchanged by this check; after a failed `dvc exp run -S ...` the bad value is still in "
        "params.yaml: undo with `git checkout params.yaml`")


def main() -> int:
    try:
        params = load_params()
    except InvdiffError as exc:
        print(f"check_params: error: {exc}\ncheck_params: {UNDO}", file=sys.stderr)
        return 2
    write_json(metrics_path("params_check"), {"params.yaml": "valid", "sections": sorted(type(params).model_fields)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
