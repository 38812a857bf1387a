# The two commands: `make serve` and `make test`. Both create .venv and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test lint unit contract drift bench bench-packages fuzz install install-test dist docs image clean \
        system-packages node-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

serve: install
	$(BIN)/asr-emulator serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check emulator tests contract_tests bench examples fuzz conftest.py mkdocs_hooks.py
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: install-test
	$(BIN)/python -m pytest tests -q

contract: install-test
	$(BIN)/python -m pytest contract_tests -q

# the drift tests against the real services (credentials from the environment; see contract_tests/drift)
drift: install-test
	ASR_CONTRACT_TARGET=vendor $(BIN)/python -m pytest contract_tests/drift -q -rs

# Debian packages the tests use: chromium (the dashboard's browser tests) and espeak-ng (make-audio). Installed when
# missing, where apt-get can (as root); elsewhere the tests that need them are skipped and say why.
SYSTEM_PACKAGES := chromium espeak-ng redis-server podman runc debootstrap
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing from Debian's packages"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "not installing$$missing: that needs apt-get as root (the tests that use them are skipped)"; fi; \
	fi

# The vendors' Node.js SDKs for contract_tests/node, at the versions package-lock.json pins (npm ci; install scripts
# off: the SDKs need none). Without npm the Node.js tests are skipped and say why.
NODE_DIR := contract_tests/node
node-packages:
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -f $(NODE_DIR)/node_modules/.installed ] || [ $(NODE_DIR)/package-lock.json -nt $(NODE_DIR)/node_modules/.installed ]; then \
	    echo "installing the Node.js SDKs (npm ci in $(NODE_DIR))"; \
	    npm ci --prefix $(NODE_DIR) --no-audit --no-fund --ignore-scripts --loglevel=error && touch $(NODE_DIR)/node_modules/.installed; \
	  fi; \
	else echo "not installing the Node.js SDKs: npm is missing (contract_tests/node is skipped)"; fi

# wrk loads the servers of the benchmarks (without it, a Python client does, which cannot load several workers)
bench-packages:
	@$(MAKE) --no-print-directory system-packages SYSTEM_PACKAGES=wrk

# the whole suite (the image's test first, alone, so that its figures reach the summary; the rest on two xdist
# workers), then the vendors' SDK suites again on the other HTTP implementation and event loop (h11 and uvloop;
# httptools and asyncio are the defaults)
test: lint system-packages node-packages
	$(BIN)/python -m pytest -q tests/test_docker.py
	$(BIN)/python -m pytest -q -n 2 --ignore=tests/test_docker.py
	ASR_EMULATOR_HTTP=h11 ASR_EMULATOR_LOOP=uvloop $(BIN)/python -m pytest -q -n 2 -m sdk contract_tests

# hostile requests at length: 20,000 cases per vendor (10,000 with credentials off, 10,000 permissive), half of
# them drawn from the operations' declarations (fuzz.declared)
fuzz: install-test
	$(BIN)/python -m fuzz --cases 20000

bench: install-test bench-packages
	$(BIN)/python -m bench
	$(BIN)/python -m bench.realtime
	$(BIN)/python -m bench.polling
	$(BIN)/python -m bench.dashboard
	$(BIN)/python -m bench.state
	$(BIN)/python -m bench.workers
	$(BIN)/python -m bench.listing
	$(BIN)/python -m bench.hostile

# the sdist and the wheel, checked as an index would check them (twine check --strict: metadata, the README's
# rendering); other projects: pip install "dist/asr_emulator-<version>-py3-none-any.whl[testing]"
dist: install-test
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/python -m twine check --strict dist/*
	@ls dist

# the image, with podman (the flags these machines need: container/base-image.sh) or docker; where no registry serves
# python:3.11-slim, its base is made here from Debian's packages (once; kept in podman's store)
CONTAINER := podman --runtime runc --cgroup-manager=cgroupfs
CONTAINER_LIMITS := --ulimit nofile=20000:20000 --ulimit nproc=4096:4096
image:
	@$(MAKE) --no-print-directory system-packages SYSTEM_PACKAGES="podman runc debootstrap"
	$(CONTAINER) build --format docker $(CONTAINER_LIMITS) --network host \
	  --build-arg PYTHON_IMAGE=$$(bash container/base-image.sh) -t asr-emulator .
	@echo "run it: $(CONTAINER) run --rm $(CONTAINER_LIMITS) -p 8000:8000 asr-emulator"

# the documentation site (docs/, mkdocs.yml) into site/, warnings as errors; the CLI page is made from the parser
docs: install-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site
	@echo "the site is in site/ (open site/index.html)"

clean:
	rm -rf $(VENV) dist site .mypy_cache .pytest_cache .ruff_cache $(NODE_DIR)/node_modules
