# Everyday commands. `make up` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
comma  := ,
EXTRAS ?= dev,pmml,tensorflow
# The versions `make test` ran with, for every package the extras above need (`make lock`).
LOCK   := requirements.lock
UV     := $(VENV)/bin/uv

.PHONY: up test test-unit chaos generate bench lint lock browser clean help

help:
	@echo "make up        run the whole platform (embedded Apache Kafka, Redis, local Ray, demo models)"
	@echo "make test      run the security lint, then every test (unit, integration, end to end)"
	@echo "make test-unit run the unit tests only (no broker, no Ray)"
	@echo "make chaos     run the fault matrix under load, a fresh platform per fault (docs/reliability.md)"
	@echo "make lint      run the security lint (ruff's S rules, from flake8-bandit)"
	@echo "make browser   install Debian's chromium and chromedriver for the console's browser test, when missing"
	@echo "make generate  regenerate the protobuf code from proto/"
	@echo "make lock      re-resolve requirements.lock after pyproject.toml changed (UPGRADE=1: newest of everything)"
	@echo "make bench     run the side-by-side benchmark and write BENCHMARKS.md"
	@echo "make clean     remove run state (.run: logs and the embedded broker's data) and results"

# Create or reuse the virtual environment; reinstall only when pyproject.toml or the
# lock changed. The lock constrains every package to the version that was tested, so a
# fresh machine gets what CI ran, not whatever is newest on PyPI that day.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[$(EXTRAS)]"
	@touch $(STAMP)

up: $(STAMP)
	$(PY) -m stack up

# The security lint first (a finding fails the run). Each test has its own limit
# (pytest-timeout); this one bounds the whole run, exit included, so that a process
# that cannot exit fails the run instead of hanging CI.
test: lint browser
	timeout --kill-after=30 2400 $(PY) -m pytest -q

# ruff's S (flake8-bandit) rules, configured in pyproject.toml: every finding is fixed,
# or suppressed on its own line with `# noqa: Sxxx - reason`.
lint: $(STAMP)
	$(PY) -m ruff check .

# The web console's test (tests/e2e/test_console.py) drives a headless Chromium through
# Selenium. Debian's packages, not a browser download: only package registries are reachable.
CHROMIUM     := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver
browser:
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then exit 0; fi; \
	  echo "make browser: $(CHROMIUM) or $(CHROMEDRIVER) is missing; installing Debian's chromium and chromium-driver"; \
	  command -v apt-get >/dev/null || { echo "make browser: no apt-get here; install Chromium and its chromedriver as $(CHROMIUM) and $(CHROMEDRIVER)"; exit 1; }; \
	  [ "$$(id -u)" = 0 ] || { echo "make browser: apt-get needs root; run: sudo apt-get install -y chromium chromium-driver"; exit 1; }; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

# The fault matrix: each fault against a fresh `stack up` under open-loop load at half
# the capacity measured there, judged from the load tool's ledger; then the cluster
# tests that `make test` leaves out (pytest -m chaos: three JVMs, two Ray nodes). About
# 25 minutes on a 2-core machine; the timeouts bound it. CHAOS_ARGS adds options to the
# matrix (--faults redis,gateway).
CHAOS_ARGS ?=
chaos: $(STAMP)
	timeout --kill-after=60 3000 $(PY) -m loadtest.chaos --out chaos-results/latest $(CHAOS_ARGS)
	timeout --kill-after=30 900 $(PY) -m pytest -q -m chaos

generate: $(STAMP)
	$(PY) -m grpc_tools.protoc -I proto --python_out=common/wire --pyi_out=common/wire proto/serving.proto

bench: $(STAMP)
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[bench]"
	$(PY) -m loadtest.bench

# Resolve pyproject.toml (with the extras above) for Python 3.11 on x86-64 Linux, the
# machines this runs on. Pins already in the lock are kept unless UPGRADE=1.
lock:
	@test -x $(UV) || { test -x $(PY) || $(PYTHON) -m venv $(VENV); $(PY) -m pip install --quiet uv; }
	$(UV) pip compile pyproject.toml $(foreach x,$(subst $(comma), ,$(EXTRAS)),--extra $(x)) \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 $(if $(UPGRADE),--upgrade) \
	  --custom-compile-command "make lock" --quiet -o $(LOCK)

clean:
	rm -rf .run loadtest-results chaos-results .pytest_cache
