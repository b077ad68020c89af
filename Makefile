# Two commands set everything up on a fresh machine: `make run` (the pipeline) and `make test` (the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
# Stage commands call `python`/`dvc`: make them the venv's.
export PATH := $(BIN):$(PATH)
export MLFLOW_DISABLE_TELEMETRY := true
export DVC_NO_ANALYTICS := 1
export GIT_PYTHON_REFRESH := quiet

SWEEP ?= -S 'branin.model.width=64,128' -S 'branin.train.lr=1.0e-3,2.0e-3'

.PHONY: install run test test-fast dvc-deps paper-params ui sweep clean-scratch

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e . 2>&1 | grep -v "is ignored: it is neither" || true
	$(BIN)/python -c "import invdiff, torch, pytorch_lightning, dvc, mlflow, smplx"
	touch $(STAMP)

run: install
	$(BIN)/dvc repro
	$(BIN)/invdiff tidy

test: install
	$(BIN)/python -m pytest --durations=15

# The edit-test loop: everything but the end-to-end `dvc repro` runs (marker `slow`), the 15 slowest listed.
test-fast: install
	$(BIN)/python -m pytest -m "not slow" --durations=15

# dvc.yaml's code deps and params lists, regenerated from what each stage loads and its READS (a test checks them).
dvc-deps: install
	$(BIN)/python -m invdiff.dvc_deps --write

# The GPU configuration: writes params-paper.yaml's overrides over params.yaml (git checkout params.yaml undoes it).
paper-params: install
	$(BIN)/python -m invdiff.overlay params-paper.yaml

ui: install
	$(BIN)/mlflow ui --backend-store-uri "sqlite:///$(CURDIR)/mlflow.db" --host 127.0.0.1 --port 5000 --workers 1

# Example grid sweep: queue every combination, run them one at a time, then compare.
sweep: install
	$(BIN)/dvc exp run --queue $(SWEEP)
	$(BIN)/dvc queue start -j 1
	@while $(BIN)/dvc queue status | grep -qE 'Queued|Running'; do sleep 10; done
	$(BIN)/dvc queue status
	$(BIN)/dvc exp show --only-changed

clean-scratch:
	rm -rf .checkpoints
