# Two verbs do everything on a fresh machine with Python 3.11+ and make:
#   make run    set up (venv, dependencies, database, model, static files), then serve the
#               site and run one background worker (the Procfile's web and worker)
#   make test   set up and run the whole test suite
#   make worker a background worker alone, for another host (README, "Scaling out")
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
BIND ?= 127.0.0.1:8000
VAR_DIR ?= var

.PHONY: run worker setup test lint format secret-key superuser clean

run: setup
	@echo ""
	@echo "Serving on http://$(BIND)/ with one background worker (Ctrl-C stops both)"
	@echo "Admin: http://$(BIND)/admin/  -- create a login with: $(MANAGE) createsuperuser"
	@echo ""
	BIND=$(BIND) PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start web worker

worker: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start worker

# A django-storages backend for the models (README, "Configuration") needs its libraries.
STORAGE_REQUIREMENTS := $(if $(filter storages.%,$(MODEL_STORAGE_BACKEND)),$(VENV)/.s3)

setup: $(VENV)/.runtime $(STORAGE_REQUIREMENTS) secret-key
	$(MANAGE) setup_site

test: $(VENV)/.dev secret-key
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

superuser: setup
	$(MANAGE) createsuperuser

# The secret key is generated once, kept out of git (var/ is ignored), readable only by us,
# in VAR_DIR when set (as settings.py reads it).
secret-key: $(VAR_DIR)/secret_key
$(VAR_DIR)/secret_key:
	@mkdir -p $(VAR_DIR)
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@echo "Generated a secret key in $@"

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.s3: requirements-s3.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-s3.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

clean:
	rm -rf $(VENV) $(VAR_DIR)/staticfiles .pytest_cache .ruff_cache

# wrk for bench/load.py (the load test; see bench/README.md), installed once with apt-get.
.PHONY: bench-tools
bench-tools:
	@command -v wrk >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	} || { echo "Could not install wrk: run 'sudo apt-get install wrk' yourself." >&2; exit 1; }
	@wrk --version 2>&1 | head -1 || true
