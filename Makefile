# estatelog: two commands do everything (`make run`, `make test`); the rest are for developers.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test unit lint typecheck check bench bench-full lock clean

# requirements.lock is what the service runs on (the production image installs it
# alone); requirements-dev.lock adds the embedded servers and the tools.
$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/estatelog serve

# One worker a core (at most 8: each takes a Redis database of a given server, and
# Redis has 16), a database of its own each (tests/conftest.py); a worker that
# is done takes tests still queued for another, as the slow ones cluster.
PYTEST_PARALLEL := -n auto --maxprocesses 8 --dist worksteal

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The unit tier alone: domain and handlers in memory, no servers (tests/unit),
# each property at a tenth of its examples (tests/support/examples.py): seconds,
# for while you work. `make test` runs them all at their full count.
unit: $(STAMP)
	ESTATELOG_TEST_EXAMPLES=quick $(BIN)/python -m pytest $(PYTEST_PARALLEL) tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy bootstrap.py domain application projections interfaces infrastructure replay $(wildcard bench/*.py)

check: lint typecheck test

# Side-by-side figures (docs/benchmarks.md); never part of `make test` or CI gates.
bench: $(STAMP)
	$(BIN)/python -m bench

bench-full: $(STAMP)
	$(BIN)/python -m bench --full

lock: $(STAMP)
	$(BIN)/python -m tests.support.locks --write

clean:
	rm -rf $(VENV) var
