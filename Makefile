# conflict-map: `make run` starts the app, `make test` runs the tests.
#
# Needs only python3.11, git and make on Debian 12. Debian packages that are missing
# (python3-venv, chromium, PostgreSQL 15 with PostGIS 3 for the store tests) are
# installed with apt-get when we are root, or through sudo.

PYTHON ?= python3
VENV ?= .venv
PY = $(VENV)/bin/python
SHARED ?= ../shared
PYTEST_ARGS ?=

VENV_STAMP = $(VENV)/.installed
# Anything the built gazetteer index is made from; a change rebuilds it.
GAZETTEER_SOURCES = $(wildcard geo/places/gazetteer.py geo/places/build.py geo/text/names.py geo/data/*.csv)
APT_GET = $(if $(filter 0,$(shell id -u)),,sudo )env DEBIAN_FRONTEND=noninteractive apt-get

.DEFAULT_GOAL := run
.PHONY: venv gazetteer demo run test lint chromium postgis bench clean distclean

venv: $(VENV_STAMP)

# Debian ships ensurepip (which venv needs) in the separate python3-venv package.
$(VENV_STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { \
		echo "$(PYTHON) cannot create virtual environments; installing python3-venv" >&2; \
		$(APT_GET) update && $(APT_GET) install -y python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test]'
	touch $@

# The index lives where the package looks for it (`geo gazetteer path`, which honours
# GEO_CACHE_DIR), so make asks for that path once the venv exists and treats the index
# file as the target in a second make run.
gazetteer: venv
	@path="$$($(VENV)/bin/geo gazetteer path)" && \
		$(MAKE) --no-print-directory gazetteer-index GAZETTEER="$$path"

ifdef GAZETTEER
.PHONY: gazetteer-index
gazetteer-index: $(GAZETTEER)

$(GAZETTEER): $(GAZETTEER_SOURCES) | $(VENV_STAMP)
	$(VENV)/bin/geo gazetteer build --out $@
endif

# The demo store: our own news briefs and the USGS 2023 Turkey-Syria catalogue. Ingest
# is idempotent, so a rebuild only happens when the demo files change.
DEMO_STORE = data/demo.sqlite
demo: $(DEMO_STORE)

$(DEMO_STORE): $(wildcard data/demo/articles/*) $(shell find geo -name '*.py') data/demo/usgs_2023_turkey.csv | gazetteer
	rm -f $@ $@-wal $@-shm
	$(VENV)/bin/geo quakes data/demo/usgs_2023_turkey.csv --store $@
	$(VENV)/bin/geo ingest data/demo/articles --store $@ --quiet
	touch $@

# The page listens on 127.0.0.1 only; pass streamlit options in ARGS, e.g.
# `make run ARGS="--server.port 8600"`.
ARGS ?=
run: venv gazetteer demo
	GEO_STORE=$${GEO_STORE:-$(DEMO_STORE)} $(VENV)/bin/python -m geo.webapp app.py $(ARGS)

# Lint and types: ruff over everything, mypy over the package (pyproject.toml says how).
lint: venv
	$(VENV)/bin/ruff check geo tests benchmarks app.py
	$(VENV)/bin/mypy

# Lint, types, doctests (over geo/) and the whole suite. Tests that need the shared
# corpora skip, saying so, when $(SHARED) is missing. The store tests also run on a
# throwaway PostgreSQL cluster they start in a temp folder (tests/pg_cluster.py);
# once PostGIS is installed, a PostGIS test that cannot run fails instead of skipping.
test: venv gazetteer chromium postgis lint
	GEO_SHARED_DIR="$(abspath $(SHARED))" \
	GEO_REQUIRE_POSTGIS="$$(ls $(POSTGIS_CONTROL) >/dev/null 2>&1 && echo 1)" \
		$(PY) -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's chromium; install it only when it is missing.
chromium:
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then \
		echo "warning: chromium is missing and neither root nor sudo is available;" \
			"install chromium and chromium-driver to run the browser tests" >&2; \
		exit 0; \
	fi; \
	$(APT_GET) update && $(APT_GET) install -y chromium chromium-driver

# PostgreSQL 15 + PostGIS 3 from Debian, for the PostGIS store tests; installed only
# when missing. The tests never use the system's cluster: they run initdb and pg_ctl
# themselves, as an unprivileged user.
POSTGIS_CONTROL = /usr/share/postgresql/*/extension/postgis.control
postgis:
	@if ls $(POSTGIS_CONTROL) >/dev/null 2>&1 && \
		ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then \
		echo "warning: PostgreSQL/PostGIS are missing and neither root nor sudo is" \
			"available; install postgresql-15-postgis-3 to run the PostGIS store tests" >&2; \
		exit 0; \
	fi; \
	$(APT_GET) update && $(APT_GET) install -y postgresql-15 postgresql-15-postgis-3

bench: venv gazetteer
	$(PY) benchmarks/geoparse.py $(SHARED)/eval
	$(PY) benchmarks/events.py $(SHARED)/eval

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Also removes the virtual environment and the built gazetteer index.
distclean: clean
	rm -f $(DEMO_STORE) $(DEMO_STORE)-wal $(DEMO_STORE)-shm
	if [ -x $(VENV)/bin/geo ]; then rm -f "$$($(VENV)/bin/geo gazetteer path)"; fi
	rm -rf $(VENV)
