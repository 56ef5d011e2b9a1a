# Two commands on a fresh machine: `make run` and `make test`. Needs Python 3.11+, make and git.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test lint format bench migrations-check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-install only when a requirements file changed.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# A development checkout runs with DEBUG on; the real environment still wins over .env.
.env:
	printf '# Local development settings (git-ignored). The environment overrides these.\nDEBUG=1\n' > $@

run: $(VENV)/.installed .env ## Set up, migrate, load demo data, serve on http://127.0.0.1:$(PORT)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev .env ## Lint, then run the whole test suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev .env ## ruff lint, ruff format check, mypy and the import layers (CI runs it)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed-dev ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.installed-dev .env ## Run bench/ on SQLite then PostgreSQL; write bench/results.json and bench/RESULTS.md
	$(PY) -m bench --both

migrations-check: $(VENV)/.installed .env ## Fail if models and migrations differ
	$(PY) manage.py makemigrations --check --dry-run

clean: ## Remove the venv and the SQLite database
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm
