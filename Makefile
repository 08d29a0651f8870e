# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= dev
comma := ,
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)-$(subst $(comma),-,$(EXTRAS))

.PHONY: run test lint bench bench-full reliability screenshots clean

run: $(STAMP)
	$(BIN)/python -m portal.devrun

# Test-only keys; a deployment sets its own (README, "Settings").
# The tests' environment has a TurboMeeting server (the fake_tm fixture points it at a fake),
# whose row migrate makes with passwords to /tm/auth in clear, as the tests send them.
TEST_ENV = SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} SECURE_SSL_REDIRECT=false \
	CONFERENCING_SECRET_KEYS=$${CONFERENCING_SECRET_KEYS:-dGVzdC1vbmx5LXNlY3JldC1rZXktbm90LWZvci11c2U=} \
	TM_SERVER_URL=$${TM_SERVER_URL-http://127.0.0.1:8900} TM_PASSWORD_ENCODING=$${TM_PASSWORD_ENCODING-plain}

test: $(STAMP)
	$(TEST_ENV) \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The fault scenarios (also part of `make test`), written up in docs/RELIABILITY.md.
reliability: $(STAMP)
	$(TEST_ENV) \
		$(BIN)/python -m pytest tests/reliability --reliability-report docs/RELIABILITY.md

# The README's pictures of the pages, at a desktop's and a phone's width.
screenshots: $(STAMP)
	$(TEST_ENV) SCREENSHOTS_DIR=docs/screenshots \
		$(BIN)/python -m pytest tests/browser/test_screenshots.py -q

# A few minutes at modest sizes; bench-full runs the large ones (README, "Benchmarks").
BENCH_ENV = SECRET_KEY=$${SECRET_KEY:-bench-only-secret-key} \
	CONFERENCING_SECRET_KEYS=$${CONFERENCING_SECRET_KEYS:-YmVuY2gtb25seS1zZWNyZXQta2V5LW5vdC1mb3ItdXM=}

bench: $(STAMP)
	$(BENCH_ENV) $(BIN)/python -m bench

bench-full: $(STAMP)
	$(BENCH_ENV) $(BIN)/python -m bench --full

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) var
