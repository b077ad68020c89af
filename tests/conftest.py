import os
import sys
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers

import matplotlib

matplotlib.use("Agg")


import pytest  # noqa: E402


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder that the library resolves data/, models/, metrics/ and plots/ against."""
    monkeypatch.setenv("INVDIFF_ROOT", str(tmp_path))
    return tmp_path
