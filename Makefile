# Two entry points (see README): `make run` serves the portal with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint format migrate seed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# axe-core for the browser tests' accessibility checks (tests/browser/test_accessibility.py),
# from package.json/package-lock.json; npm writes node_modules/.package-lock.json.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund

setup: $(STAMP) $(NODE_STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --history 1000

# Serves http://127.0.0.1:8000 with demo data; SQLite and in-process tasks unless DATABASE_URL/REDIS_URL are set.
run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole suite. Tests needing PostgreSQL, Redis or Chromium skip on a bare machine and are
# required (never skipped) when REQUIRE_REAL_SERVICES=1, as .ci/run sets.
test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
