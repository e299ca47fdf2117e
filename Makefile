# PirateChat: `make run` serves the chat, `make test` runs every test,
# `make check` in minutes the lint and every test that needs no browser and no service.
# Both set up .venv first (pinned by constraints.txt), like buildout did.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := piratechat/web/static/vendor
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run run-plone run-site plone serve-production test check lint browser services cluster postgres bench clean icu

setup: $(VENV)/.installed $(VENDOR)/sockjs.min.js

$(VENV)/.installed: pyproject.toml constraints.txt examples/piratechat-yoda/pyproject.toml \
		libs/pyramid-sockjs-gevent/pyproject.toml | icu
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the SockJS server, a distribution of its own in this repository (the chat depends on it)
	$(BIN)/pip install --quiet -c constraints.txt -e libs/pyramid-sockjs-gevent
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	# a third-party translator, found through its entry point (tests use it)
	$(BIN)/pip install --quiet -c constraints.txt --no-deps -e examples/piratechat-yoda
	touch $@

# Debian's ICU and pkg-config: PyICU (Unicode's data for names, chat/core/names.py) builds on them.
icu:
	@pkg-config --exists icu-i18n 2>/dev/null || \
	  ( $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libicu-dev pkg-config )

# Plone 6.2 (Classic UI), into the same .venv: one process imports the chat and Plone.
# Pinned by constraints-plone.txt, which agrees with constraints.txt.
plone: $(VENV)/.plone-installed

$(VENV)/.plone-installed: $(VENV)/.installed constraints-plone.txt
	$(BIN)/pip install --quiet -c constraints.txt -c constraints-plone.txt -e '.[plone]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/sockjs.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/sockjs-client/dist/sockjs.min.js $(VENDOR)/

# Debian's Chromium and its driver, for the Robot Framework browser tests.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  ( $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver )

# Debian's nginx and Redis, for the cluster (make cluster) and its tests.
services:
	@command -v redis-server >/dev/null && (command -v nginx >/dev/null || test -x /usr/sbin/nginx) || \
	  ( $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx-light redis-server )

# A local cluster in the foreground: Redis, ZEO, PROCESSES PirateChat processes,
# nginx on http://127.0.0.1:8080. Ctrl-C stops them all.
PROCESSES ?= 2
cluster: setup services
	$(BIN)/piratechat cluster --processes $(PROCESSES)

# Debian's PostgreSQL server binaries (initdb, pg_ctl): the storage tests start
# clusters of their own with them. (ZEO and RelStorage come from PyPI.)
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	  ( $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql )

run: setup
	$(BIN)/pserve development.ini

# The Plone site at / and the chat at /chat, one gevent process (plone.ini); the site is
# made on first start (piratechat/plone/site.py). http://127.0.0.1:8080/
run-plone: setup plone
	$(BIN)/pserve plone.ini

# The same site and chat (var/plone, var/chat-plone.fs), each in a process of its own
# behind one nginx: http://127.0.0.1:8080/ (Plone) and /chat (the chat), one origin.
# For a site with page traffic: the chat's lines do not wait on Plone (docs/deploy.md).
run-site: setup plone services
	$(BIN)/piratechat site

serve-production: setup
	$(BIN)/gunicorn --paste production.ini

# pytest-xdist workers: the tests mostly wait on servers, so more than the cores.
WORKERS ?= 4

# Every test, on WORKERS workers (tests/support/workers.py keeps together what
# shares something). The coverage report (pytest-cov: the pytest processes and the
# servers they start) ends the output, and the command fails when the coverage of
# a package falls below 95% (COVERED: each package's folder, the chat's and
# the SockJS library's).
COVERED := piratechat libs/pyramid-sockjs-gevent/src/pyramid_sockjs_gevent
test: setup plone browser services postgres
	$(BIN)/ruff check piratechat tests bench examples libs
	$(BIN)/pytest -n $(WORKERS) --cov=piratechat --cov=pyramid_sockjs_gevent --cov-report=term
	@for package in $(COVERED); do \
	  total=$$($(BIN)/coverage report --include="$$package/*" --format=total --fail-under=95) \
	    || { echo "$$package: $$total% covered, under 95%"; exit 1; }; \
	  echo "$$package: $$total% covered (at least 95%)"; done

# Lint and every test that needs no browser and no service (Redis, PostgreSQL, ZEO,
# nginx, Plone), nor minutes by design: tests/support/needs.py marks each test by
# what it uses. Servers on loopback ports are fine.
check: setup
	$(BIN)/ruff check piratechat tests bench examples libs
	$(BIN)/pytest -n $(WORKERS) -m "not browser and not services and not slow"

lint: setup
	$(BIN)/ruff check piratechat tests bench examples libs

# Not part of `make test`: peers and load generator installed here, by name.
# Every scenario of issue 24 beside Node ws in at most 10 minutes: one table, one plot,
# the findings (bench/results/goals.*). The full matrix: `python -m bench` (bench/README.md).
bench: setup
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python -m bench.goals $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) test-results
