# evalflow: `make run` starts the app on the demo data, `make test` runs the tests.
# Both install everything they need first (Debian packages, a virtualenv, the project).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export EVALFLOW_INSTANCE ?= $(CURDIR)/instance
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-postgres test-redis install system-deps browser-deps lint bench clean translations

run: install
	$(BIN)/flask --app evalflow db upgrade
	$(BIN)/flask --app evalflow demo load
	$(BIN)/flask --app evalflow run --host $(HOST) --port $(PORT)

test: install browser-deps
	$(BIN)/pytest

# The whole suite again on PostgreSQL (the server on 127.0.0.1:5432, database "test").
test-postgres: install browser-deps
	EVALFLOW_TEST_DATABASE_URL=$${EVALFLOW_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest

# The background-work tests again, failing (not skipping) without the Redis server on
# 127.0.0.1:6379, on PostgreSQL.
test-redis: install
	EVALFLOW_REQUIRE_REDIS=1 \
	EVALFLOW_TEST_DATABASE_URL=$${EVALFLOW_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest -m redis

install: system-deps $(VENV)/.installed

system-deps:
	@bash .ci/system-deps

# The browser tests drive Debian's Chromium (no browser download).
browser-deps:
	@WITH_BROWSER=1 bash .ci/system-deps

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

lint: install
	$(BIN)/ruff check .

# Refresh the catalogs after changing user-facing text, translate, then compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o evalflow/translations/messages.pot .
	$(BIN)/pybabel update -i evalflow/translations/messages.pot -d evalflow/translations
	$(BIN)/pybabel compile -d evalflow/translations

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache
