# Two commands on a fresh machine (Python 3.11 + make): `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test build install install-test bench clean help

help:
	@echo "make serve   create .venv, install, build the graph, serve on http://$(HOST):$(PORT)/"
	@echo "make test    create .venv, install with the test extra, run the whole suite"
	@echo "make build   build the graph into build/"
	@echo "make bench   run the benchmarks (bench/README.md)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

build: $(VENV)/.installed
	$(BIN)/cicagraph --verbose build

serve: $(VENV)/.installed
	$(BIN)/cicagraph --verbose build
	$(BIN)/cicagraph serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py

clean:
	rm -rf build .pytest_cache
