# 诚信查询: the commands the README gives. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
DEMO_ENTITIES ?= 3000
DEMO_SEED ?= 20261123
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run test lint bench install sysdeps browser-tools setup

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# System tools the tests use, installed when missing: poppler-utils reads our PDFs
# (pdftotext, pdftoppm); Debian's chromium runs the browser suite (Playwright drives
# /usr/bin/chromium: no browser build is downloaded), with a CJK font for its screenshots.
SYSDEPS_PACKAGES := $(if $(shell command -v pdftotext),,poppler-utils) \
  $(if $(wildcard /usr/bin/chromium),,chromium) \
  $(if $(wildcard /usr/share/fonts/truetype/wqy/wqy-microhei.ttc),,fonts-wqy-microhei)
sysdeps:
	@if [ -n "$(strip $(SYSDEPS_PACKAGES))" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSDEPS_PACKAGES) >/dev/null; \
	  else \
	    echo "missing: run 'sudo apt-get install $(SYSDEPS_PACKAGES)' (their tests will skip)"; \
	  fi; \
	fi

# axe-core for the browser suite, from the npm registry at the version package-lock.json
# pins, into tests/browser/node_modules (test tooling only; the site never serves it).
browser-tools: tests/browser/node_modules/.package-lock.json
tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error; \
	else \
	  echo "npm missing: the browser suite will skip (apt-get install npm)"; \
	fi

# Database schema, signing key, demo data and search index: each step keeps what exists.
setup: install
	$(FLASK) db upgrade
	$(FLASK) setup-site --entities $(DEMO_ENTITIES) --seed $(DEMO_SEED)

# --timeout 120: a staff upload of a large department file imports and indexes in one request.
run: setup
	$(VENV)/bin/gunicorn --workers $(WORKERS) --timeout 120 --bind $(HOST):$(PORT) \
	  --access-logfile - wsgi:app

test: install sysdeps browser-tools
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) scripts/bench_search.py
	$(PY) scripts/bench_codes.py
	$(PY) scripts/bench_reports.py
	$(PY) scripts/bench_import.py
