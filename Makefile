# Two commands for a newcomer: `make build` and `make test`. Both create .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build test lint system-deps clean

$(BIN)/kgbuild: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

build: $(BIN)/kgbuild
	$(BIN)/kgbuild build

system-deps:
	bash scripts/system-deps.sh

test: $(BIN)/kgbuild system-deps
	$(BIN)/ruff check src tests
	$(BIN)/pytest

clean:
	rm -rf dist $(VENV)
