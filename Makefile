# Two commands for a fresh machine: `make demo` and `make test`.
UV := $(shell if uv --version >/dev/null 2>&1; then echo uv; else echo python3 -m uv; fi)
PY := .venv/bin/python
export DEBUG ?= true

.PHONY: install demo test lint worker beat serve messages bench bench-smoke scenarios

install:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen

demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_organizations
	$(PY) manage.py seed_demo_billing
	$(PY) manage.py seed_demo_privacy
	$(PY) manage.py runserver 127.0.0.1:8000

# One test process per CPU, at most 7 (README, "Tests"); TEST_PROCESSES=0 runs them in this one.
TEST_PROCESSES ?= auto
test: install
	$(UV) run --frozen pytest -n $(TEST_PROCESSES) --maxprocesses 7

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports
	$(PY) manage.py makemigrations --check --dry-run

# A worker, without beat: start as many as you like. Beat is separate (`make beat`), and
# exactly one runs in the whole installation, or every scheduled job is enqueued twice.
worker: install
	DATABASE_POOL=false $(UV) run --frozen celery -A registry worker --loglevel=info

beat: install
	DATABASE_POOL=false $(UV) run --frozen celery -A registry beat --loglevel=info \
		--schedule=$${CELERY_BEAT_SCHEDULE_FILE:-$${TMPDIR:-/tmp}/registry-celerybeat-schedule}

# The production stack (gunicorn, a worker, beat) on this machine, with production settings
# from the environment: README, "Production".
serve: install
	DEBUG=false bin/serve

# The performance suite (benchmarks/README.md) in its own PostgreSQL database
# (BENCH_DATABASE_URL, default registry_bench): the full dataset, every goal enforced.
bench: install
	DEBUG=false $(PY) -m benchmarks $(BENCH_ARGS)

# The same scenarios on a tiny dataset: that the suite runs, not its timings (CI).
bench-smoke: install
	DEBUG=false $(PY) -m benchmarks --smoke $(BENCH_ARGS)

# The production stack on two nodes and under faults, each scenario on services of its own
# (scenarios/README.md). Needs root (a throwaway PostgreSQL cluster), redis-server and
# RabbitMQ at 127.0.0.1:5672.
scenarios: install
	$(PY) scenarios/run.py

messages:
	$(PY) manage.py makemessages -l fi -l sv -l en --ignore=.venv --ignore=tests --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv
