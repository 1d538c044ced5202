# Two entry points a newcomer needs: `make run` and `make test`.
# Each creates its own virtual environment (.venv) and installs what it needs,
# system packages included, so a fresh clone on Debian/Ubuntu works with nothing done by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test venv system-deps demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

system-deps:
	sh packaging/scripts/install-system-deps.sh

## Install and start the desktop app (set QT_QPA_PLATFORM=offscreen to run headless).
run: system-deps venv
	$(VENV)/bin/bookbridge $(ARGS)

## Install everything and run the whole test suite inside a throwaway keyring session.
test: system-deps venv
	sh packaging/scripts/with-test-keyring.sh $(PY) -m pytest -n 2 $(PYTEST_ARGS)

## The headless demo: the whole path on demo data against an in-process sandbox.
demo: system-deps venv
	$(VENV)/bin/bookbridge demo --headless --json

bench: venv
	for b in benchmarks/*_bench.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
