# Madang — the two commands a new machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 5000
AXE_VERSION := 4.14.1
AXE := tests/browser/vendor/axe.min.js

.PHONY: run install install-test translations messages vendor test test-fast test-sqlite test-postgres bench bench-pb clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -e .
	$(MAKE) --no-print-directory translations

install-test: $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory translations vendor

translations: $(PY)
	$(VENV)/bin/pybabel compile -d app/translations

# After changing user-facing text: refresh the catalog, then translate the new (empty) Korean entries.
messages: $(PY)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -c TRANSLATORS: \
	  --ignore-dirs='.* __pycache__' --no-location --sort-output \
	  --project=Madang --copyright-holder="Madang contributors" -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -N --ignore-obsolete --ignore-pot-creation-date -i app/translations/messages.pot -d app/translations

# axe-core (test-only browser asset), copied from its npm package at a pinned version.
vendor: $(AXE)
$(AXE):
	mkdir -p tests/browser/vendor
	cd tests/browser/vendor && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
	  tar -xzf axe-core-$(AXE_VERSION).tgz package/axe.min.js package/LICENSE && \
	  mv package/axe.min.js package/LICENSE . && rm -rf package axe-core-$(AXE_VERSION).tgz

# The demo city on SQLite: build the schema, load the demo data (idempotent), serve on http://127.0.0.1:$(PORT)/
run: install
	$(FLASK) db upgrade
	$(FLASK) seed demo
	$(FLASK) run --port $(PORT)

# The whole suite: SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (browser and other
# database-independent tests run in the SQLite pass only).
test: install-test
	$(PY) -m pytest -n 2 -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL pass: $$TEST_DATABASE_URL"; \
	  MADANG_TEST_DB="$$TEST_DATABASE_URL" $(PY) -m pytest -n 2 -q -m "not single_db and not browser"; \
	fi

# For commits: SQLite, no browser, no slow tests.
test-fast: install-test
	$(PY) -m pytest -n 2 -q -m "not browser and not slow"

bench: install
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/run.py

# The PB rules beside pabutools (a test extra); add ARGS=--with-reference for pabutools on Mokotów (minutes).
bench-pb: install-test
	$(PY) bench/pb.py $(ARGS)

clean:
	rm -rf $(VENV) instance tests/browser/vendor
