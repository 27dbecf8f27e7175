# Two commands for a newcomer: `make build` and `make test`. Both create .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build test bench lint system-deps clean

# An editable install compiles no bytecode, and where PYTHONDONTWRITEBYTECODE is set (as on this
# project's machines) Python never writes it either: every command would compile src/ again.
$(BIN)/kgbuild: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/python -m compileall -q src
	touch $@

build: $(BIN)/kgbuild
	$(BIN)/kgbuild build

# Scale factors 1, 10 and 100 by default; SCALES=1,10,100,1000 for the million-triple run.
SCALES ?= 1,10,100
bench: $(BIN)/kgbuild
	$(BIN)/kgbuild bench --scales $(SCALES)

system-deps:
	bash scripts/system-deps.sh

# Lint and types: ruff's rules and its formatter (check only), mypy strict on src/. The same
# commands run as pre-commit hooks (.pre-commit-config.yaml).
lint: $(BIN)/kgbuild
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

test: lint system-deps
	$(BIN)/pytest

clean:
	rm -rf dist $(VENV)
