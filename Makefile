# Weekly Challenges. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
APP    := FLASK_APP=wsgi.py

.PHONY: run test test-sqlite test-postgres bench bench-mixed bench-analytics bench-discover soak screenshots lint vendor clean help translations

help:
	@echo "make run      start web + worker + scheduler (+ embedded Valkey) on http://127.0.0.1:$${PORT:-5000}"
	@echo "make test     run the whole suite on SQLite and on PostgreSQL"
	@echo "make lint     ruff and mypy"
	@echo "make bench    run the benchmarks (not part of make test)"
	@echo "make bench-mixed  2 minutes of polls, votes and page views at once (p50/p95/p99)"
	@echo "make bench-analytics  the analytics dashboard with 2 vs 200 weeks of history"
	@echo "make bench-discover   fair exposure: Gini of gallery impressions, Discover vs Most voted"
	@echo "make soak     5 minutes of votes and polls under faults (not part of make test)"
	@echo "make translations  extract marked strings into the catalogues and compile them"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

run: $(VENV)/.installed
	$(BIN)/python -m challenges.runner

test: $(VENV)/.installed-test
	$(BIN)/python tests/run.py $(PYTEST_ARGS)

test-sqlite: $(VENV)/.installed-test
	TEST_DATABASE=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-test
	TEST_DATABASE=postgres $(BIN)/pytest $(PYTEST_ARGS)

# The core-loop benchmark (tests/bench/README.md); BENCH_ARGS passes options, e.g. --duration 10.
bench: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench.core $(BENCH_ARGS)

# Mixed load (tests/bench/README.md): 1,000 polling tabs, 50 voters and 20 page views/s for
# 2 minutes; BENCH_ARGS passes options, e.g. --duration 20 for a short run.
bench-mixed: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench.mixed $(BENCH_ARGS)

# The soak (tests/soak/README.md): the real stack under load and faults for 5 minutes;
# SOAK_SECONDS shortens it, SOAK_ARGS passes options, e.g. SOAK_ARGS="--voters 50".
soak: $(VENV)/.installed-test
	$(BIN)/python -m tests.soak.run $(SOAK_ARGS)

# ruff over the code and tests; mypy over challenges/ and jobs/ (settings in pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check challenges jobs tests
	$(BIN)/mypy

vendor:
	cd $$(mktemp -d) && npm pack htmx.org@2 >/dev/null && tar xzf htmx.org-*.tgz && \
	  cp package/dist/htmx.min.js package/LICENSE $(CURDIR)/static/vendor/htmx/ && \
	  echo "htmx.org $$(node -p 'require("./package/package.json").version') from the npm package (dist/htmx.min.js). Update with: make vendor" > $(CURDIR)/static/vendor/htmx/VERSION

# Extract every marked string (babel.cfg) and merge it into each language's catalogue; then fill
# in the new msgstr entries in challenges/translations/<lang>/LC_MESSAGES/messages.po. The app
# compiles the .po files itself when they change (challenges/i18n); `pybabel compile` is here for
# read-only installs.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	  --no-location --sort-output --omit-header -o challenges/translations/messages.pot .
	$(BIN)/pybabel -q update -i challenges/translations/messages.pot -d challenges/translations \
	  --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date --no-wrap
	$(BIN)/pybabel -q compile -d challenges/translations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache

bench-finalize: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench.finalize

# Fair exposure (issue 13): Gini of gallery impressions, Discover vs Most voted (tests/bench/discover.py).
bench-discover: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench.discover $(BENCH_ARGS)

# The analytics dashboard with 2 and 200 weeks of history (tests/bench/analytics.py).
bench-analytics: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench.analytics

screenshots: $(VENV)/.installed-test
	$(BIN)/python docs/screenshots/render.py
	$(BIN)/python docs/screenshots/results_email.py
