# The portal's commands. On a fresh machine `make demo` and `make test` do all the set-up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: demo test venv migrate data lint format bench load lock messages clean

# The virtual environment, installed from the committed lock; reinstalled only when the
# lock changes, so a second `make demo` reuses it.
$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(BIN)/python manage.py migrate --noinput

# Reference data from the source documents, then the demo data set (refused without debug).
data: migrate
	$(BIN)/python manage.py load_reference
	$(BIN)/python manage.py load_demo

demo: data
	@echo "Portal on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks (bench/README.md): every bench/bench_*.py runs, even after one misses its goals;
# the target fails if any did. They need PostgreSQL: the database is created and seeded once.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench

bench: venv
	@if ls bench/bench_*.py >/dev/null 2>&1; then \
		status=0; \
		for b in bench/bench_*.py; do \
			BENCH_DATABASE_URL='$(BENCH_DATABASE_URL)' $(BIN)/python $$b || status=1; \
		done; \
		exit $$status; \
	else echo "no benchmark yet"; fi

# The load scenario (load/run.py, README "How it holds up"): the portal on gunicorn with its
# production settings, PostgreSQL (LOAD_DATABASE_URL, a database of its own, recreated) and
# Redis (LOAD_BROKER_URL), a worker and beat; locust headless for 10 minutes with 200
# applicants, 20 officers and 10 API clients. LOAD_ARGS="--fault postgres" and the like.
LOAD_ARGS ?=

load: venv
	$(BIN)/python load/run.py $(LOAD_ARGS)

# Re-pin the dependencies after editing pyproject.toml.
lock: venv
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

# Extract and compile the interface's translations (needs GNU gettext).
messages: venv
	$(BIN)/python manage.py makemessages -l nl -l en --ignore=.venv --ignore=var --ignore=bench --ignore=load
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
