# Entry points for people and CI. Every target installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SAMPLE_EVENTS ?= 50000
BENCH_SIZES ?= 1000000 10000000
BENCH_REPETITIONS ?= 3
SAMPLE_SEED ?= 42
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: help setup browser sample run test lint format dev bench clean

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup:  ## Install the locked dependencies into .venv and parse the dbt project.
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@mkdir -p $(DAGSTER_HOME) && cp -n dagster.yaml $(DAGSTER_HOME)/dagster.yaml 2>/dev/null || true
	$(RUN) dbt parse --quiet --profiles-dir .

browser:  ## Install Debian's chromium for the docs-site browser test (needs root and apt).
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium is missing: install Debian's chromium package (the docs-site test needs it)"; \
		fi; }

sample: setup  ## Generate the bundled sample data into data/landing (once).
	@test -f data/landing/_ground_truth.json || \
		$(RUN) python -m orchestration.sample_data --events $(SAMPLE_EVENTS) --seed $(SAMPLE_SEED) --out data/landing

run: sample  ## Run the whole Dagster job end to end on the landing data.
	$(RUN) dagster job execute -m orchestration.definitions -j funnel_job

test: setup browser  ## Lint, then run the whole test suite.
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) pytest

lint:  ## Lint Python and SQL.
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) sqlfluff lint models macros data-tests

format:  ## Format Python and SQL.
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
	$(RUN) sqlfluff fix models

dev: setup  ## Start the Dagster UI on http://127.0.0.1:3000.
	$(RUN) dg dev --host 127.0.0.1 --port 3000

bench: setup  ## Benchmark against bare DuckDB; writes bench/RESULTS.md and bench/results.json.
	$(RUN) python bench/run_bench.py --sizes $(BENCH_SIZES) --repetitions $(BENCH_REPETITIONS)

clean:  ## Remove the generated warehouse, landing data and dbt artifacts.
	rm -rf data target logs .dagster_home
