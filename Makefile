# 诚信查询: the commands the README gives. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
DEMO_ENTITIES ?= 3000
DEMO_SEED ?= 20261123
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?=

.PHONY: run test lint bench install lock sysdeps browser-tools setup

# Installs within constraints.txt, the versions the suite last passed with: a dependency's
# new release (cryptography 51 deprecating DSA under filterwarnings=error) cannot break a
# fresh clone. `make lock` moves to the newest releases pyproject.toml allows.
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# A throw-away venv takes the newest allowed releases; their versions become constraints.txt.
lock:
	rm -rf $(VENV)-lock && python3 -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet --upgrade pip
	$(VENV)-lock/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '1,2p' constraints.txt; $(VENV)-lock/bin/python -m pip freeze --exclude-editable; } \
	  > constraints.txt.new && mv constraints.txt.new constraints.txt
	rm -rf $(VENV)-lock
	@echo "constraints.txt updated: run make test before committing it"

# System tools the tests use, installed when missing: pdftotext/pdftoppm read our PDFs;
# nginx is what production runs in front of gunicorn (tests/security/test_security_nginx.py);
# Debian's chromium runs the browser suite (Playwright drives /usr/bin/chromium: no browser
# build is downloaded), with a CJK font for its screenshots.
# policy-rc.d keeps the package from starting an nginx service on port 80 while installing.
SYSDEPS_MISSING = $(strip $(if $(shell command -v pdftotext),,poppler-utils) \
                          $(if $(shell command -v pdftoppm),,poppler-utils) \
                          $(if $(wildcard /usr/sbin/nginx),,nginx) \
                          $(if $(wildcard /usr/bin/chromium),,chromium) \
                          $(if $(wildcard /usr/share/fonts/truetype/wqy/wqy-microhei.ttc),,fonts-wqy-microhei))
sysdeps:
	@if [ -n "$(SYSDEPS_MISSING)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    made_policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $$(echo $(SYSDEPS_MISSING) | tr ' ' '\n' | sort -u) >/dev/null; status=$$?; \
	    if [ -n "$$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status; \
	  else \
	    echo "missing: $(SYSDEPS_MISSING): run 'sudo apt-get install $(SYSDEPS_MISSING)' (their tests will skip)"; \
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

# gunicorn.conf.py: workers from the cores (WORKERS=n to choose), timeouts, JSON logs.
run: setup
	GUNICORN_BIND=$(HOST):$(PORT) WEB_CONCURRENCY=$(WORKERS) \
	  $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

test: install sysdeps browser-tools
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) scripts/bench_search.py
	$(PY) scripts/bench_codes.py
	$(PY) scripts/bench_reports.py
	$(PY) scripts/bench_import.py
	$(PY) scripts/bench_indexing.py
	$(PY) scripts/bench_http.py
