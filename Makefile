# `make test` and `make demo` work on a fresh machine with only Python and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint typecheck pytest install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Four workers (pytest-xdist): most tests wait on subprocesses, sockets and databases, so more
# workers than cores pay. `loadgroup` keeps the tests marked `xdist_group` on one worker, which
# then builds their module's shared setup once. Override with e.g. `make test PYTEST_ARGS=-x`.
PYTEST_ARGS ?= -n 4 --dist loadgroup

# Compiled up front: with PYTHONDONTWRITEBYTECODE set (as on CI), every worker and every
# `roombot` subprocess of the tests would otherwise compile bot/ and the migrations from source again.
pytest: $(STAMP)
	$(BIN)/python -m compileall -q bot migrations
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

demo: $(STAMP)
	$(BIN)/roombot demo

bench: $(STAMP)
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/ask.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
