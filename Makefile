# Everything a fresh machine needs: `make run` and `make test` create .venv and install into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INDEX ?= index
CORPUS ?= corpus
PORT ?= 8080

.PHONY: run test lint format bench bench-extract bench-stemming bench-entities bench-web bench-scale \
	bench-warc bench-scaleout bench-readme clean

$(BIN)/python:
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)

PIP := $(BIN)/pip install --quiet --disable-pip-version-check

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test]'
	@touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(PIP) -e '.[bench]'
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/searchnews index $(CORPUS) --index $(INDEX)
	$(BIN)/searchnews serve --index $(INDEX) --port $(PORT)

# The browser tests drive Debian's Chromium; install it when the machine lacks it.
CHROMIUM ?= /usr/bin/chromium

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Install Chromium at $(CHROMIUM) for the browser tests"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The sphinxql engine's tests run a local cluster of Sphinx's searchd; install it when missing.
SEARCHD ?= /usr/bin/searchd

$(SEARCHD):
	@command -v apt-get >/dev/null || { echo "Install Sphinx's searchd (sphinxsearch) for the sphinxql tests"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sphinxsearch

test: $(VENV)/.installed-test $(CHROMIUM) $(SEARCHD)
	SEARCHNEWS_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check searchnews tests benchmarks
	$(BIN)/ruff format --check searchnews tests benchmarks

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix searchnews tests benchmarks
	$(BIN)/ruff format searchnews tests benchmarks

# Benchmarks print Markdown tables and write benchmarks/results/NAME.json (bench-readme puts the
# tables into README.md from those files); they skip with a message when ../shared/data is absent.
bench: bench-extract bench-stemming bench-entities bench-web bench-scale bench-warc bench-scaleout

bench-extract: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench_extract.py

bench-stemming: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_stemming.py

bench-entities: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_entities.py

bench-web: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_web.py

# 10k and 100k pages with both engines and the peers (BENCH_SIZES=10000 for the smaller one only,
# BENCH_SIZES=1000000 for tantivy at 1M, BENCH_ENGINES=tantivy for one engine); pages are cached
# in .cache/bench. The other settings are described at the top of benchmarks/bench_scale.py.
bench-scale: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench_scale.py

# FastWARC beside warcio, loose pages beside one WARC, and memory over a 2 GiB WARC of mostly
# skipped records (BENCH_BIG_MIB=512 for a smaller one); warcio comes with the test extras.
# The other settings are described at the top of benchmarks/bench_warc.py.
bench-warc: $(VENV)/.installed-bench $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_warc.py

# The sphinxql engine on a local cluster beside the tantivy engine (needs searchd; written to
# docs/scale-out.md by bench-readme). Settings at the top of benchmarks/bench_scaleout.py.
bench-scaleout: $(VENV)/.installed-bench $(SEARCHD)
	$(BIN)/python benchmarks/bench_scaleout.py

bench-readme: $(VENV)/.installed
	$(BIN)/python benchmarks/readme_tables.py --write README.md
	$(BIN)/python benchmarks/readme_tables.py --write docs/scale-out.md

clean:
	rm -rf $(VENV) .pytest_cache
	find $(INDEX) -mindepth 1 ! -name .gitkeep -delete
