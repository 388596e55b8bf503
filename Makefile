# The two commands of the README: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

# Development defaults for `make run`; override any FLEETID_* variable in the environment.
export FLEETID_DATA_DIR ?= .fleetid
export FLEETID_HTTP_PORT ?= 8080
export FLEETID_ADMIN_IDENTITY ?= admin@fleetid.local
export FLEETID_ADMIN_SECRET ?= change-me-please
ifeq ($(origin FLEETID_ADMIN_API_KEY)$(origin FLEETID_ADMIN_API_KEY_FILE),undefinedundefined)
export FLEETID_ADMIN_API_KEY := change-me-admin-api-key
endif

.PHONY: run test lint bench clean

$(STAMP): requirements.lock pyproject.toml
	@# Debian's python3 may lack ensurepip (package python3-venv): then pip comes from the index the
	@# system's pip is configured with.
	$(PYTHON) -m venv $(VENV) 2>/dev/null || ( $(PYTHON) -m venv --without-pip $(VENV) && \
	  $(PYTHON) -m pip download --quiet --no-deps --only-binary :all: -d $(VENV) pip && \
	  $(BIN)/python $$(ls $(VENV)/pip-*.whl)/pip install --quiet $$(ls $(VENV)/pip-*.whl) ) || \
	  { echo "cannot create $(VENV): install python3-venv (or pip) for $(PYTHON)" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/fleetid serve

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.mqtt --backend sqlite
	$(BIN)/python -m bench.mqtt --backend postgres
	$(BIN)/python -m bench.issuance --backend sqlite
	$(BIN)/python -m bench.issuance --backend postgres
	$(BIN)/python -m bench.twins --backend sqlite
	$(BIN)/python -m bench.twins --backend postgres
	$(BIN)/python -m bench.entities --backend sqlite
	$(BIN)/python -m bench.entities --backend postgres

clean:
	rm -rf $(VENV) .fleetid
