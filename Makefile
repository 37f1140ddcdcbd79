# Madang — the two commands a new machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 5000
AXE_VERSION := 4.14.1
AXE := tests/browser/vendor/axe.min.js
FONTS_PACKAGE := @expo-google-fonts/noto-sans-kr
FONTS_VERSION := 0.4.3
FONTS_TARBALL := expo-google-fonts-noto-sans-kr-$(FONTS_VERSION).tgz
FONTS_SHA256 := 7614af529705ea48e8b76cb3b056b92db66b7625ef3fc97ce76366063df94d3f
FONTS_DIR := app/data/fonts
FONTS := $(FONTS_DIR)/NotoSansKR_400Regular.ttf $(FONTS_DIR)/NotoSansKR_700Bold.ttf

.PHONY: run install install-test translations messages vendor fonts test test-fast test-sqlite test-postgres bench bench-pb bench-opinion bench-exports clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -e .
	$(MAKE) --no-print-directory translations fonts

install-test: $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory translations vendor fonts

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

# Noto Sans KR (SIL Open Font License 1.1) for the shared vision's PDF, copied from its npm package at a pinned
# version and checked against its digest (see app/data/fonts/README.md).
fonts: $(FONTS)
$(FONTS) &:
	cd $(FONTS_DIR) && npm pack --silent $(FONTS_PACKAGE)@$(FONTS_VERSION) >/dev/null && \
	  echo "$(FONTS_SHA256)  $(FONTS_TARBALL)" | sha256sum --check --quiet && \
	  tar -xzf $(FONTS_TARBALL) package/400Regular/NotoSansKR_400Regular.ttf package/700Bold/NotoSansKR_700Bold.ttf \
	    package/LICENSE_FONT && \
	  mv package/400Regular/NotoSansKR_400Regular.ttf package/700Bold/NotoSansKR_700Bold.ttf package/LICENSE_FONT . && \
	  rm -rf package $(FONTS_TARBALL)

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

# The opinion map beside red-dwarf (a test extra): vTaiwan uberx, 1,000,000 and 10,000,000 synthetic votes
# (a minute or two; ARGS=--skip-national leaves out the 10,000,000).
bench-opinion: install-test
	$(PY) bench/opinion.py $(ARGS)

# Exporting 1,000,000 statement votes as CSV, JSON and XLSX, streamed beside a naive list-then-write reference:
# rows per second and peak RSS (a few minutes, seeding included; ARGS=--database-url postgresql://… for PostgreSQL).
bench-exports: install-test
	$(PY) bench/bench_exports.py $(ARGS)

clean:
	rm -rf $(VENV) instance tests/browser/vendor $(FONTS)
