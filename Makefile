# Salescycle: the two commands are `make run` and `make test` (see README.md).
#
#   make run    create .venv, install, migrate, load the demo data, serve on http://127.0.0.1:8000/
#   make check-run  prove make run on a fresh clone serves the list with the Maven data (over HTTP; minutes)
#   make test   create .venv, install with dev tools, lint, type-check, bandit, test on SQLite, then on PostgreSQL,
#               then the read-replica tests on PostgreSQL with a streaming standby
#   make lint   ruff check + ruff format --check + mypy + lint-imports (the layer contracts in pyproject.toml)
#   make fmt    ruff check --fix + ruff format
#   make bench  python bench/run.py
#   make bench-load  the load test of issue #16: one app server, then two behind HAProxy, on PostgreSQL (bench/load.py)
#   make lock   re-resolve the locked versions (requirements/run.txt, dev.txt) from pyproject.toml's ranges, on PyPI
#   make clean  remove caches, build output and install stamps (keeps .venv and data/)
#
# Variables: PYTHON (default python3), SKIP_CHROMIUM=1 (do not install Debian's chromium; browser tests are then
# left out unless /usr/bin/chromium exists), PYTEST_ARGS (extra pytest arguments, both runs), UPGRADE=1 (make lock:
# move every pin to the newest version the ranges allow, instead of keeping the current pins where they still fit).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
LINT_PATHS := src tests conftest.py setup.py
PYTEST_ARGS ?=
LOCK_RUN := requirements/run.txt
LOCK_DEV := requirements/dev.txt
UV_SPEC := uv>=0.9,<1
UPGRADE ?= 0
START := $(shell date +%s)

SKIP_CHROMIUM ?= 0
ifeq ($(SKIP_CHROMIUM),1)
ifeq ($(wildcard /usr/bin/chromium),)
export SALESCYCLE_SKIP_BROWSER := 1
endif
endif

.PHONY: help run check-run test lint fmt bench bench-load clean chromium haproxy lock

help:
	@sed -n 's/^#   //p' Makefile

# Debian's python3 needs the python3-venv package for `-m venv`: installed when missing and we may (root).
$(BIN)/python:
	@if ! $(PYTHON) -m venv $(VENV); then \
		rm -rf $(VENV); \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
			$(PYTHON) -m venv $(VENV); \
		else \
			echo "Cannot create $(VENV): install python3-venv (sudo apt-get install python3-venv)"; exit 1; \
		fi; \
	fi

# The locked versions: requirements/dev.txt is everything `make test` needs (pyproject.toml with the dev extra),
# requirements/run.txt the runtime part of it (resolved under dev.txt as constraints, so the two never disagree).
# The stamps make a second run skip pip entirely until pyproject.toml or the lock changes. The lock is installed
# without dependency resolution (--no-deps: exactly its pins, nothing unpinned); scripts/check_lock.py then fails when
# pyproject.toml asks for something the lock lacks or pins outside the range (edited without `make lock`), and
# `pip check` when a pinned package's own requirements are not met.
# $(call install_locked,LOCK FILE,EXTRAS for check_lock.py)
install_locked = $(BIN)/pip install --quiet --no-deps -r $(1) \
	&& $(BIN)/pip install --quiet --no-deps -e . \
	&& $(BIN)/python scripts/check_lock.py $(2) && $(BIN)/pip check

$(RUN_STAMP): pyproject.toml $(LOCK_RUN) | $(BIN)/python
	$(call install_locked,$(LOCK_RUN),)
	touch $@

$(DEV_STAMP): pyproject.toml $(LOCK_DEV) | $(BIN)/python
	$(call install_locked,$(LOCK_DEV),dev)
	touch $@ $(RUN_STAMP)

# One command refreshes both lock files (uv's resolver, installed into .venv on first use). It asks PyPI only:
# --no-config and the unset UV_* variables keep any local uv or index configuration out of the lock, and --universal
# resolves for every platform (markers), Python 3.11 and up. Current pins are kept where pyproject.toml's ranges
# still allow them, and so are the versions installed in .venv of packages not locked yet (scripts/lock_preferences.py;
# UPGRADE=1 moves all to the newest).
UV_COMPILE = env -u UV_INDEX_URL -u UV_EXTRA_INDEX_URL -u UV_DEFAULT_INDEX -u UV_INDEX -u UV_FIND_LINKS \
	-u UV_CONSTRAINT -u UV_OVERRIDE -u UV_NO_INDEX $(BIN)/uv pip compile --quiet --no-config --universal \
	--python-version 3.11 --default-index https://pypi.org/simple --index-strategy first-index \
	--custom-compile-command 'make lock' $(if $(filter 1,$(UPGRADE)),--upgrade)

lock: | $(BIN)/python
	$(BIN)/pip install --quiet '$(UV_SPEC)'
	mkdir -p requirements
	$(if $(filter 1,$(UPGRADE)),,$(BIN)/python scripts/lock_preferences.py $(LOCK_DEV))
	$(UV_COMPILE) pyproject.toml --extra dev --output-file $(LOCK_DEV)
	$(UV_COMPILE) pyproject.toml --constraint $(LOCK_DEV) --output-file $(LOCK_RUN)

run: $(RUN_STAMP)
	exec scripts/run.sh

# Issue #6, end to end: clone HEAD beside this checkout, `make run` there on a free port (a fresh .venv: minutes),
# sign in over HTTP and check the list and the API show the Maven data. Not part of `make test`: too slow for CI.
check-run:
	scripts/check-make-run.sh

# Debian's chromium, for the Playwright browser tests.
chromium:
	@if [ "$(SKIP_CHROMIUM)" = 1 ]; then \
		if [ ! -x /usr/bin/chromium ]; then echo "SKIP_CHROMIUM=1: chromium not installed, browser tests left out"; fi; \
	elif [ ! -x /usr/bin/chromium ]; then \
		sudo=; if [ "$$(id -u)" != 0 ]; then sudo=sudo; fi; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; \
	fi

# Debian's haproxy: the load balancer of scripts/with-appservers.sh (tests/test_appservers.py in the PostgreSQL pass,
# make bench-load).
haproxy:
	@if ! command -v haproxy >/dev/null; then \
		sudo=; if [ "$$(id -u)" != 0 ]; then sudo=sudo; fi; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq haproxy >/dev/null; \
	fi

# $(call step,NAME,COMMAND): print a header, run, and name the failing step in the last line of output.
step = @echo "==> $(1)"; $(2) || { status=$$?; echo "make $@: FAILED at $(1) (exit $$status)"; exit $$status; }

lint: $(DEV_STAMP)
	$(call step,ruff check,$(BIN)/ruff check $(LINT_PATHS))
	$(call step,ruff format --check,$(BIN)/ruff format --check $(LINT_PATHS))
	$(call step,mypy,$(BIN)/mypy)
	$(call step,import contracts (lint-imports),$(BIN)/lint-imports --no-cache)

# Every step must pass; the first failure stops the run. pytest's exit code 5 (no tests collected) is a failure.
# The SQLite pass measures line coverage of the package (pytest-cov, settings in pyproject.toml); the summary line
# gives the total; the PostgreSQL pass is not measured again. The PostgreSQL pass runs only the tests that use the database (--database-tests-only, see conftest.py): the others
# (the pure engine and date tests, Hypothesis properties of pure functions, translation and lock checks) ran in the
# SQLite pass and nothing in them depends on the database; its summary says how many it left out. The read-replica
# tests (@pytest.mark.replica) need a real standby: both passes deselect them, and the last step runs only them under
# `scripts/with-postgres.sh --replica` (a primary and a pg_basebackup standby; about 1.5 minutes).
test: $(DEV_STAMP) chromium haproxy
	$(call step,ruff check,$(BIN)/ruff check $(LINT_PATHS))
	$(call step,ruff format --check,$(BIN)/ruff format --check $(LINT_PATHS))
	$(call step,mypy,$(BIN)/mypy)
	$(call step,import contracts (lint-imports),$(BIN)/lint-imports --no-cache)
	$(call step,bandit (medium and high),$(BIN)/bandit -q -c pyproject.toml -r src -ll)
	$(call step,makemigrations --check,env -u DATABASE_URL -u DATABASE_REPLICA_URL DEBUG=1 $(BIN)/salescycle makemigrations --check --dry-run)
	$(call step,translations (compile + check),$(BIN)/python scripts/check_translations.py --sources=strict)
	$(call step,pytest on SQLite,env -u DATABASE_URL -u DATABASE_REPLICA_URL $(BIN)/pytest -n 2 --cov=salescycle --cov-report= $(PYTEST_ARGS))
	$(call step,pytest on PostgreSQL,scripts/with-postgres.sh $(BIN)/pytest -q --tb=short -n 2 --database-tests-only $(PYTEST_ARGS))
	$(call step,pytest on PostgreSQL with a streaming replica,scripts/with-postgres.sh --replica $(BIN)/pytest -q --tb=short -m replica tests/test_replica.py)
	@echo "make test: OK: ruff, format, mypy, import contracts, bandit, migrations, pytest on SQLite, on PostgreSQL and with a replica ($$(( $$(date +%s) - $(START) ))s; coverage $$($(BIN)/coverage report --format=total)% of src/salescycle on SQLite)"

fmt: $(DEV_STAMP)
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

# DEBUG stays off for realistic timings, so the settings need a key: a throwaway one unless SECRET_KEY is set.
bench: $(DEV_STAMP)
	@if [ -f bench/run.py ]; then \
		SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
			$(BIN)/python bench/run.py; \
	else echo "No benchmarks yet (bench/run.py is missing)."; fi

# Issue #16: update/close throughput and latency with 16 clients, one app server vs two behind HAProxy, on a
# throwaway PostgreSQL (bench/load.py; LOAD_ARGS for its options, e.g. LOAD_ARGS="--size 100000").
LOAD_ARGS ?=
bench-load: $(DEV_STAMP) haproxy
	scripts/with-postgres.sh $(BIN)/python bench/load.py $(LOAD_ARGS)

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build test-output src/*.egg-info data/staticfiles .coverage
	rm -f $(RUN_STAMP) $(DEV_STAMP)
