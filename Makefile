# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
VENDOR := alliance/static/vendor
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
# Two processes or more: the suite is about 3,250 tests (the PostgreSQL pass leaves out the ones
# that use no database, tests/conftest.py), each pass several minutes.
PYTEST_ARGS ?= -n auto --dist worksteal
DEMO_DB := demo.sqlite3
DEMO_ENV := ALLIANCE_ENV=demo DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB)

# Django 6 needs Python 3.12 or newer: take the first one found.
PYTHON_BOOT := $(shell for p in python3.14 python3.13 python3.12 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 python3; do \
	  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; break; }; done)

.PHONY: install lock python-packages frontend browser translations demo demo-data serve test test-sqlite test-postgres lint check bench clean

install: python-packages frontend browser translations

# The Python packages come from requirements.lock: every version pinned, every file checked
# against its hash. `make lock` refreshes it after pyproject.toml's dependencies change.
$(VENV)/.installed: pyproject.toml requirements.lock
	@test -n "$(PYTHON_BOOT)" || { echo "Alliance needs Python 3.12 or newer (Django 6). Install one (for example with pyenv) and run make again."; exit 1; }
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	touch $@

# pip-compile runs from its own virtualenv (.lock-venv, git-ignored), so the project's stays as locked.
lock:
	@test -n "$(PYTHON_BOOT)" || { echo "Alliance needs Python 3.12 or newer."; exit 1; }
	test -x .lock-venv/bin/pip-compile || { $(PYTHON_BOOT) -m venv .lock-venv && .lock-venv/bin/pip install --quiet pip-tools==7.6.2; }
	.lock-venv/bin/pip-compile --quiet --extra=dev --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-find-links --no-emit-index-url --output-file=requirements.lock pyproject.toml

python-packages: $(VENV)/.installed

# Front-end libraries come from the npm registry into a git-ignored folder: never committed, never a CDN.
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/vega/build/vega.min.js \
	   node_modules/vega-lite/build/vega-lite.min.js node_modules/vega-embed/build/vega-embed.min.js $(VENDOR)/
	# The source maps the minified files name: collectstatic's hashed names rewrite the references.
	cp node_modules/vega-lite/build/vega-lite.min.js.map node_modules/vega-embed/build/vega-embed.min.js.map $(VENDOR)/
	# The charts' number and date words per language (alliance/formats CHART_LOCALES).
	mkdir -p $(VENDOR)/locale
	for name in en-GB nl-NL de-DE; do \
	  cp node_modules/d3-format/locale/$$name.json $(VENDOR)/locale/format-$$name.json; \
	  cp node_modules/d3-time-format/locale/$$name.json $(VENDOR)/locale/time-$$name.json; \
	done
	touch $@

frontend: $(VENDOR)/.installed

# Compiled catalogues are build output (git-ignored); the .po files are the source.
translations: python-packages
	@command -v msgfmt >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gettext >/dev/null; }
	ALLIANCE_ENV=test $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

# Browser tests drive Debian's chromium; nothing is downloaded at run time.
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

demo: install demo-data serve

demo-data:
	$(DEMO_ENV) $(PY) manage.py migrate --no-input -v 0
	$(DEMO_ENV) $(PY) manage.py load_demo

serve:
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: install test-sqlite test-postgres

# The browser tests that use the database (the `browser` mark) drive the whole stack in a real
# browser for minutes: they run once, on the PostgreSQL pass (the database a clinic runs on),
# and on the SQLite pass only when no PostgreSQL answers, so they are never skipped
# (tests/conftest.py, ALLIANCE_BROWSER_TESTS); so do the benches' smoke runs that use a database
# (the `postgres_pass` mark). Every other test that touches the database runs
# on both passes.
POSTGRES_UP = $(PY) -c "import psycopg; psycopg.connect('$(POSTGRES_URL)', connect_timeout=3).close()" 2>/dev/null

test-sqlite:
	@echo "== Test suite on SQLite =="
	@if $(POSTGRES_UP); then \
	  echo "(the browser tests that use the database run on the PostgreSQL pass, which follows)"; \
	  echo ALLIANCE_BROWSER_TESTS=postgres $(VENV)/bin/pytest $(PYTEST_ARGS); \
	  ALLIANCE_BROWSER_TESTS=postgres $(VENV)/bin/pytest $(PYTEST_ARGS); \
	else \
	  echo $(VENV)/bin/pytest $(PYTEST_ARGS); \
	  $(VENV)/bin/pytest $(PYTEST_ARGS); \
	fi

# The PostgreSQL pass never skips quietly: an unreachable server is announced loudly.
test-postgres:
	@echo "== Test suite on PostgreSQL ($(POSTGRES_URL)) =="
	@if $(POSTGRES_UP); then \
	  DATABASE_URL=$(POSTGRES_URL) $(VENV)/bin/pytest $(PYTEST_ARGS); \
	else \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!! PostgreSQL pass SKIPPED: no server answers at $(POSTGRES_URL)"; \
	  echo "!! Start it: pg_ctlcluster --skip-systemctl-redirect \$$(ls /etc/postgresql) main start"; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

lint: python-packages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	ALLIANCE_ENV=test $(PY) manage.py makemigrations --check --dry-run
	ALLIANCE_ENV=test $(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

check: lint test

# The benches at their documented sizes (minutes). `ALLIANCE_BENCH_SIZE=small make bench` (or a
# bench's `--small`) runs each one at a small size in seconds: a smoke run, which
# tests/bench/test_existing_benches_run.py does in `make test`; its figures are too noisy to read.
bench: python-packages
	for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules $(VENDOR) $(DEMO_DB) test-artifacts
