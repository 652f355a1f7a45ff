# Everyday commands. `make up` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS ?= dev,pmml,tensorflow

.PHONY: up test test-unit generate bench lint clean help

help:
	@echo "make up        run the whole platform (embedded Apache Kafka, Redis, local Ray, demo models)"
	@echo "make test      run the security lint, then every test (unit, integration, end to end)"
	@echo "make test-unit run the unit tests only (no broker, no Ray)"
	@echo "make lint      run the security lint (ruff's S rules, from flake8-bandit)"
	@echo "make generate  regenerate the protobuf code from proto/"
	@echo "make bench     run the side-by-side benchmark and write BENCHMARKS.md"
	@echo "make clean     remove run state (.run: logs and the embedded broker's data) and results"

# Create or reuse the virtual environment; reinstall only when pyproject.toml changed.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

up: $(STAMP)
	$(PY) -m stack up

# The security lint first (a finding fails the run). Each test has its own limit
# (pytest-timeout); this one bounds the whole run, exit included, so that a process
# that cannot exit fails the run instead of hanging CI.
test: lint
	timeout --kill-after=30 2400 $(PY) -m pytest -q

# ruff's S (flake8-bandit) rules, configured in pyproject.toml: every finding is fixed,
# or suppressed on its own line with `# noqa: Sxxx - reason`.
lint: $(STAMP)
	$(PY) -m ruff check .

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

generate: $(STAMP)
	$(PY) -m grpc_tools.protoc -I proto --python_out=common/wire --pyi_out=common/wire proto/serving.proto

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) -m loadtest.bench

clean:
	rm -rf .run loadtest-results .pytest_cache
