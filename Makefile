# Two commands on a fresh machine (Python 3.11+, make):
#   make run   — set everything up and start the dashboard on the demo data
#   make test  — set everything up and run every test (browser tests included)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.requirements-installed
CHROMIUM ?= /usr/bin/chromium
PORT   ?= 8501
WORKERS ?= 2
NGINX  ?= /usr/sbin/nginx

.PHONY: setup run serve test lint bench browser nginx postgres vendor clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-data.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-data.txt
	touch $@

# Debian's Chromium for the browser tests; Playwright drives it (no browser download).
browser:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's nginx, in front of several Streamlit processes (make serve, and the tests of it).
nginx:
	@test -x $(NGINX) || { \
	  echo "Installing Debian's nginx"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null; }

# Debian's PostgreSQL server programs: the register's tests start a throwaway server (initdb, pg_ctl).
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  echo "Installing Debian's postgresql for the database tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

# Development: one process, file watcher and run-on-save as Streamlit sets them.
run: setup
	$(VENV)/bin/streamlit run asgi.py --server.port $(PORT)

# Production: WORKERS Streamlit processes behind nginx on PORT (sticky sessions, static files by nginx).
serve: setup nginx
	$(PY) scripts/serve.py --workers $(WORKERS) --port $(PORT) $(SERVE_ARGS)

test: setup browser nginx postgres
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check partner_directory dashboard tests bench scripts app.py asgi.py pages
	$(VENV)/bin/ruff format --check partner_directory dashboard tests bench scripts app.py asgi.py pages
	$(VENV)/bin/mypy partner_directory dashboard pages app.py asgi.py

bench: setup nginx
	$(PY) bench/run_all.py

# Refresh the map's scripts and styles in static/ from the npm registry.
vendor:
	sh scripts/vendor_static.sh

clean:
	rm -rf $(VENV) .pytest_cache test-output
