# qdpool: the two set-up commands are `make demo` and `make test`; everything else is for developers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: demo test lint typecheck unit bench proto serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench,otel]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m qdpool demo $(ARGS)

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(PY) -m ruff check qdpool tests benchmarks
	$(PY) -m ruff format --check qdpool tests benchmarks

typecheck: $(STAMP)
	$(PY) -m mypy qdpool

unit: $(STAMP)
	$(PY) -m pytest -q $(ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks $(ARGS)

proto: $(STAMP)
	$(PY) proto/generate.py

serve: $(STAMP)
	$(PY) -m qdpool serve $(ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
