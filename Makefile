# `make serve` serves the dashboards; `make test` runs every test. Both set up .venv first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# the CPU torch wheel on these machines is for CPython 3.11, so prefer it when it is there
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
             command -v $$p >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8866
HOST ?= 127.0.0.1
PYTEST_ARGS ?=
# make classroom: empty knobs keep classroom/voila-classroom.json's defaults
CLASSROOM_HOST ?= 0.0.0.0
TOKEN ?=
# the teacher's page's own token (empty: $$LSTM_TEACHER_TOKEN, else one made up at each start)
TEACHER_TOKEN ?=
MAX_KERNELS ?=
POOL ?=
CULL ?=
CLASSROOM_ARGS ?=
# make serve and make classroom fork their kernels from a warm parent on Linux (forkkernel/,
# docs/fork-kernels.md); FORK=0 launches them the usual way
FORK ?= 1
FORK_SERVE := $(if $(filter 0,$(FORK)),,$(filter Linux,$(shell uname -s)))
# the training dashboard's model cache, shared by every kernel of a server
# (empty: $LSTM_MODEL_CACHE, else the platform's cache folder, ~/.cache/disentangling-lstm/models
# on Linux)
MODEL_CACHE ?=
ifneq ($(MODEL_CACHE),)
export LSTM_MODEL_CACHE := $(MODEL_CACHE)
endif
# make pretrain: training dashboard links (their queries) to train into the cache
PRESETS ?= task=temperatures task=adding
# make hub: JupyterHub on one machine (docs/jupyterhub_config.py); empty password: one is made up
HUB_IP ?= 127.0.0.1
HUB_PORT ?= 8000
HUB_PASSWORD ?=
CHP := $(abspath $(VENV))/node/node_modules/.bin/configurable-http-proxy
# make loadtest: students, and extra options for bench/loadtest.py (--duration, --ramp,
# --no-answers, --block, ...)
N ?= 30
LOADTEST_ARGS ?=

# one thread per kernel: a classroom runs a kernel per student on few cores
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export TORCH_NUM_THREADS ?= 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help serve classroom pretrain lab hub test bench loadtest loadtest-hub lint venv clean

help:
	@echo "make serve   set up .venv if needed and serve the dashboards at http://localhost:$(PORT)"
	@echo "make test    set up .venv with the test extra, ensure a Chromium and PostgreSQL, run ruff"
	@echo "             and pytest"
	@echo "make classroom  serve a class on all interfaces with a token, a kernel cap and warm"
	@echo "                kernels (PORT=$(PORT) TOKEN=generated MAX_KERNELS=30 POOL=30 CULL=300;"
	@echo "                kernels forked from a warm parent on Linux, FORK=0 the usual way);"
	@echo "                prints the students' address and the teacher's page's (TEACHER_TOKEN=generated)"
	@echo "make pretrain PRESETS='task=adding&seq_len=80 ...'  train a lesson's models into the"
	@echo "                model cache first (MODEL_CACHE=folder, as for make classroom)"
	@echo "make loadtest N=30  N simulated students on a classroom server, answering the"
	@echo "                questions too (--no-answers: only moving): latency, answers lost, memory"
	@echo "make lab     install JupyterLab into .venv and open dashboards/ in it"
	@echo "make hub     JupyterHub on this machine: students log in with a name and the class's"
	@echo "             password and land on the explorer (HUB_PORT=8000 HUB_IP=127.0.0.1 HUB_PASSWORD=...)"
	@echo "make loadtest-hub N=10  N students behind make hub's JupyterHub: memory a student"
	@echo "make bench   measure latency, Play rate, time to interactive and memory in Chromium"
	@echo "make lint    ruff only"
	@echo "make clean   remove .venv and caches"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "No python3 found: install Python 3.11 or newer."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { \
	  echo "$(PYTHON) is older than 3.11: install Python 3.11+ or run 'make PYTHON=python3.11 ...'."; \
	  exit 1; }
	@echo "Creating $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# stamps: reinstall only when pyproject.toml changes, so a warm `make serve` takes seconds
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	@echo "Installing the dashboards' dependencies (CPU PyTorch 2.13.0, ipywidgets, bqplot, voila)..."
	$(BIN)/python -m pip install --progress-bar off -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	@echo "Installing the test extra (pytest, playwright, ruff)..."
	$(BIN)/python -m pip install --progress-bar off -e '.[test]'
	@touch $@

# JupyterHub and its culler from PyPI, the hub's proxy from npm, both inside .venv
$(VENV)/.installed-hub: pyproject.toml $(VENV)/.installed-run
	@echo "Installing JupyterHub, its idle culler and configurable-http-proxy (npm)..."
	$(BIN)/python -m pip install --progress-bar off -e '.[hub]'
	@command -v npm >/dev/null 2>&1 || { \
	  echo "npm not found: install Node.js 20 or newer (Debian: apt-get install nodejs npm)."; \
	  exit 1; }
	npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error \
	  configurable-http-proxy@5
	@touch $@

venv: $(VENV)/.installed-run

serve: $(VENV)/.installed-run
	@echo "Serving the dashboards at http://localhost:$(PORT)/ (Ctrl-C stops)"
	@$(if $(FORK_SERVE),echo "Kernels are forked from a warm parent (FORK=0: the usual way)")
	$(BIN)/voila dashboards/ --no-browser --port=$(PORT) --Voila.ip=$(HOST) \
	  $(if $(FORK_SERVE),--KernelProvisionerFactory.default_provisioner_name=fork-provisioner)

# Voila for a class (classroom/): prints the address students open, token included
classroom: $(VENV)/.installed-run
	$(BIN)/python -m classroom dashboards/ --port=$(PORT) --Voila.ip=$(CLASSROOM_HOST) \
	  $(if $(TOKEN),--token=$(TOKEN)) $(if $(TEACHER_TOKEN),--teacher_token=$(TEACHER_TOKEN)) \
	  $(if $(MAX_KERNELS),--max_kernels=$(MAX_KERNELS)) \
	  $(if $(POOL),--pool_size=$(POOL)) \
	  $(if $(CULL),--MappingKernelManager.cull_idle_timeout=$(CULL)) \
	  $(if $(filter 0,$(FORK)),--fork_kernels=False) $(CLASSROOM_ARGS)

# each preset quoted: a query's '&' must not reach the shell
pretrain: $(VENV)/.installed-run
	$(BIN)/python -m widgets.store.pretrain $(foreach p,$(PRESETS),'$(p)')

lab: $(VENV)/.installed-run
	$(BIN)/python -m pip install --progress-bar off -e '.[lab]'
	$(BIN)/jupyter lab --ServerApp.kernel_websocket_connection_class=dashboard_server.NoDelayConnection \
	  dashboards/

hub: $(VENV)/.installed-hub
	LSTM_HUB_PROXY=$(CHP) LSTM_HUB_IP=$(HUB_IP) LSTM_HUB_PORT=$(HUB_PORT) \
	  $(if $(HUB_PASSWORD),LSTM_HUB_PASSWORD=$(HUB_PASSWORD)) \
	  $(BIN)/jupyterhub --config docs/jupyterhub_config.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

test: $(VENV)/.installed-test $(VENV)/.installed-hub
	$(BIN)/ruff check .
	CHROMIUM="$$(bash scripts/ensure-chromium $(BIN)/python)" && export CHROMIUM && \
	  LSTM_POSTGRES_BIN="$$(bash scripts/ensure-postgresql)" && export LSTM_POSTGRES_BIN && \
	  export LSTM_HUB_PROXY=$(CHP) && \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/python -m pip install --progress-bar off -e '.[test,bench]'
	@touch $@

# BENCH_ARGS=--quick for a smoke run; results also go to bench/results/latest.json
bench: $(VENV)/.installed-bench
	CHROMIUM="$$(bash scripts/ensure-chromium $(BIN)/python)" && export CHROMIUM && \
	  $(BIN)/python -m bench.run $(BENCH_ARGS)

# its own classroom server with short culling, so a run ends in minutes
loadtest: $(VENV)/.installed-test
	$(BIN)/python -m bench.loadtest --students $(N) $(LOADTEST_ARGS)

# the same class behind a real JupyterHub: a server and a kernel a student
loadtest-hub: $(VENV)/.installed-test $(VENV)/.installed-hub
	LSTM_HUB_PROXY=$(CHP) $(BIN)/python -m bench.hub_loadtest --students $(N) $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
