# Two entry points: `make demo` (the console questionnaire) and `make test` (lint + tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test run install clean docs

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

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# The pictures of the documents in docs/documents/ and their table in the README (needs
# LibreOffice and poppler: apt-get install libreoffice-writer-nogui poppler-utils fonts-liberation)
docs: $(STAMP)
	$(BIN)/python -m tools.make_docs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
