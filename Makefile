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

.PHONY: run test lint bench install sysdeps setup

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# System tools the tests read our PDFs with (pdftotext, pdftoppm). Installed when missing.
sysdeps:
	@if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	  else \
	    echo "poppler-utils missing: run 'sudo apt-get install poppler-utils' (PDF tests will skip)"; \
	  fi; \
	fi

# Database schema, signing key, demo data and search index: each step keeps what exists.
setup: install
	$(FLASK) db upgrade
	$(FLASK) setup-site --entities $(DEMO_ENTITIES) --seed $(DEMO_SEED)

# --timeout 120: a staff upload of a large department file imports and indexes in one request.
run: setup
	$(VENV)/bin/gunicorn --workers $(WORKERS) --timeout 120 --bind $(HOST):$(PORT) \
	  --access-logfile - wsgi:app

test: install sysdeps
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) scripts/bench_search.py
	$(PY) scripts/bench_codes.py
	$(PY) scripts/bench_reports.py
	$(PY) scripts/bench_import.py
	$(PY) scripts/bench_http.py
