# The kit's verbs. `make run` and `make test` are the only set-up a fresh machine needs:
# each creates .venv, installs the kit and its Node tools, then does its job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
# Node tools must not phone home or nag during CI runs.
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true
export npm_config_fund := false
export npm_config_audit := false
export npm_config_update_notifier := false
# Prism's install script reports to Scarf unless told not to.
export SCARF_ANALYTICS := false

.PHONY: run test lint lint-spec postman bench clean check-node install smoke-install browser

# The venv is rebuilt when pyproject.toml changes; the stamp records a finished install.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

check-node:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  echo "make: node and npm are needed for redocly, newman and prism (Node 20+)."; \
	  echo "      Install them (Debian: apt-get install nodejs npm) and run make again."; exit 1; }

node_modules/.installed: package.json package-lock.json | check-node
	npm ci --silent
	touch $@

postman/node_modules/.installed: postman/package.json postman/package-lock.json | check-node
	cd postman && npm ci --silent
	touch $@

run: $(BIN)/.installed
	$(BIN)/voxai-mock --host $(HOST) --port $(PORT)

lint-spec: $(BIN)/.installed node_modules/.installed
	$(BIN)/openapi-spec-validator openapi/voxai.yaml openapi/mock-admin.yaml
	node_modules/.bin/redocly lint --max-problems 50

test: $(BIN)/.installed node_modules/.installed postman/node_modules/.installed lint-spec smoke-install browser
	$(BIN)/voxai-postman --check
	$(BIN)/pytest -n 3 --dist loadfile  # whole files per worker: module fixtures run once

# The kit as a user installs it: no dev extras, not editable, run from outside the checkout
# so the source folders cannot stand in for missing package data. First with the [mock] extra
# alone: the commands that need no extra work, the mock serves, and the two whose extra is
# missing exit 5 with the line that names it (not a traceback); then with every shipped
# extra, every command's --help.
SMOKE := build/smoke-venv
smoke-install: $(BIN)/.installed
	rm -rf $(SMOKE) build/lib  # setuptools does not prune build/lib: a deleted module could ship
	$(PYTHON) -m venv $(SMOKE)
	$(SMOKE)/bin/python -m pip install --quiet '.[mock]'
	for cmd in voxai-mock voxai-postman voxai-diff; do \
	  $(SMOKE)/bin/$$cmd --help >/dev/null || { echo "$$cmd --help failed"; exit 1; }; done
	for pair in contract:voxai-contract load:voxai-load; do extra=$${pair%%:*}; cmd=$${pair#*:}; \
	  code=0; $(SMOKE)/bin/$$cmd --help >/dev/null 2>$(SMOKE)/err || code=$$?; \
	  [ $$code = 5 ] && [ $$(wc -l <$(SMOKE)/err) = 1 ] && \
	    grep -qF "pip install 'voxai-contract-kit[$$extra]'" $(SMOKE)/err || \
	    { echo "$$cmd without [$$extra]: exit $$code:"; cat $(SMOKE)/err; exit 1; }; done
	cd /tmp && $(CURDIR)/$(SMOKE)/bin/python -c "from mock_server import create_app; \
	  r = create_app().test_client().get('/api/v1/agents', headers={'X-API-Key': 'vx_demo_key'}); \
	  assert r.status_code == 200 and r.get_json()['agents'], r.data; print('installed mock serves the seed')"
	cd /tmp && $(CURDIR)/$(SMOKE)/bin/python -c "from mock_server import create_app; \
	  c = create_app().test_client(); \
	  assert all(c.get(p).status_code == 200 for p in ('/', '/docs/assets/swagger-ui-bundle.js', \
	    '/docs/assets/docs.js', '/openapi.json', '/docs/postman/collection.json')); \
	  print('installed mock serves the docs page and its assets')"
	$(SMOKE)/bin/python -m pip install --quiet '.[contract,load]'
	for cmd in voxai-mock voxai-contract voxai-postman voxai-load voxai-diff; do \
	  $(SMOKE)/bin/$$cmd --help >/dev/null || { echo "$$cmd --help failed"; exit 1; }; done

# The browser tests drive Debian's Chromium (root, as on these machines), never a browser that a
# test tool downloads; tests/browser/ fails, not skips, without it.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq -o DPkg::Lock::Timeout=300 && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium; }

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

postman: $(BIN)/.installed
	$(BIN)/voxai-postman

# Benchmarks are measured, never asserted: the mock beside a bare Flask app and Prism, then the
# load scripts beside wrk on nginx. wrk and nginx come from Debian (root, as on these machines).
bench: $(BIN)/.installed
	command -v wrk >/dev/null && command -v nginx >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq wrk nginx-light; }
	$(BIN)/python -m bench
	$(BIN)/python -m bench.load_scripts --seconds 10

clean:
	rm -rf $(VENV) node_modules postman/node_modules .pytest_cache build *.egg-info
