# Two entry points: `make demo` (the console questionnaire) and `make test` (lint + tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Compiled modules are kept and shared by the test workers and the processes the tests start;
# where the environment sets PYTHONDONTWRITEBYTECODE, each of them would compile every module
# again (and pytest rewrite every test's asserts again): ~9 s of `make test-fast` on 2 cores
export PYTHONDONTWRITEBYTECODE :=

.PHONY: demo test test-fast run install clean docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/danvan demo

run: $(STAMP)
	$(BIN)/danvan run

# Three workers on two cores (most of a test is waiting); an idle one takes queued tests from
# the others (worksteal), so that a 24 s browser test does not end the run alone
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 3 --dist worksteal

# The inner loop: SQLite only, without the end-to-end tests marked `slow` (under a minute)
test-fast: $(STAMP)
	DANVAN_TEST_PG_URL= $(BIN)/pytest -n 3 -q -m "not slow"

# The pictures of the documents in docs/documents/ and their table in the README (needs
# LibreOffice and poppler: apt-get install libreoffice-writer-nogui poppler-utils fonts-liberation)
docs: $(STAMP)
	$(BIN)/python -m tools.make_docs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
