# searchsvc: `make run` serves, `make test` runs every test. Both create .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

CHROMIUM  := /usr/bin/chromium
CJK_FONT  := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install lock browser-deps rsync-dep nginx-dep systemd-dep bench-deps anchor-deps run rebuild cluster check test soak bench bench-64 bench-serving bench-anchors cluster-bench relevance screenshots clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Regenerate requirements.lock after changing pyproject.toml (pip-compile, in its own venv)
lock:
	test -x .tools/bin/pip-compile || \
	  ($(PYTHON) -m venv .tools && .tools/bin/pip install --quiet pip-tools==7.6.2)
	.tools/bin/pip-compile --quiet --extra test --strip-extras --no-emit-index-url \
	  --no-emit-find-links --output-file requirements.lock pyproject.toml

## Build the index when there is none (or an older version's), then serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/searchsvc rebuild --if-missing
	$(BIN)/gunicorn -c python:searchsvc.ops.gunicorn_conf 'searchsvc:create_app()'

## Update the index from the corpus: changed files only (REBUILD_ARGS=--full for all)
rebuild: install
	$(BIN)/searchsvc rebuild $(REBUILD_ARGS)

## Debian's Chromium and CJK fonts, for the browser tests (installed once)
browser-deps:
	@if [ ! -x $(CHROMIUM) ] || [ ! -f $(CJK_FONT) ]; then \
	  echo "installing Debian packages chromium and fonts-noto-cjk for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

## Debian's rsync, which `searchsvc publish` copies builds with (installed once)
rsync-dep:
	@if ! command -v rsync >/dev/null; then \
	  echo "installing Debian package rsync for searchsvc publish"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync >/dev/null; \
	fi

## Debian's nginx, the load balancer of `make cluster` and its tests (installed once)
nginx-dep:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  echo "installing Debian package nginx for the cluster"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	fi

## Three replicas behind nginx on http://127.0.0.1:8080 from one build (CLUSTER_ARGS: see --help)
cluster: install nginx-dep rsync-dep
	$(BIN)/searchsvc rebuild --if-missing
	$(BIN)/searchsvc cluster $(CLUSTER_ARGS)

## Debian's systemd, whose systemd-analyze checks deploy/systemd in the tests (installed once)
systemd-dep:
	@command -v systemd-analyze >/dev/null || { echo "installing Debian package systemd for the unit checks"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; }

## While working: ruff, mypy (engine and storage, strict) and every test that needs no
## server, browser or Debian program (tests/tiers.py); installs nothing from Debian
check: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m "not server and not browser and not system"

## ruff, mypy, then every test (what .ci/run calls)
test: install browser-deps rsync-dep nginx-dep systemd-dep
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## One minute of load at 400 req/s through gunicorn (not part of make test)
soak: install bench-deps
	SEARCHSVC_SOAK=1 $(BIN)/python -m pytest -q -s tests/test_soak.py

## Debian's wrk, the HTTP load generator of the benchmark and the soak
bench-deps:
	@command -v wrk >/dev/null || { echo "installing Debian package wrk for the benchmark"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

## The benchmark (not part of make test): prints the table, writes bench/results/latest.json
bench: install bench-deps
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## 64x the help corpus (1.7 M paragraphs): long, so apart from make bench
bench-64: install bench-deps
	$(BIN)/python bench/run.py --sizes 64 --runs 1 --out bench/results/help-64x.json $(BENCH_ARGS)

## #38's figures beside the peer, one run a size (4x and 16x a few minutes each, 64x about
## 17): builds, cold pass, log, Pss_Anon, frequent words. SERVING_SIZES="4" for one size.
SERVING_SIZES ?= 4 16 64
bench-serving: install bench-deps
	for size in $(SERVING_SIZES); do \
	  $(BIN)/python bench/serving.py --size $$size --out bench/results/serving-$${size}x.json || exit 1; \
	done

## Debian's python3-xapian and tantivy-py (bench/requirements.txt), the anchors' engines
anchor-deps: install
	@/usr/bin/python3 -c "import xapian" 2>/dev/null || { echo "installing Debian package python3-xapian for bench/anchors.py"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-xapian >/dev/null; }
	$(BIN)/python -m pip install --quiet --no-deps -r bench/requirements.txt

## The engine alone beside Xapian and tantivy on the help corpus's query log (in process)
bench-anchors: anchor-deps
	$(BIN)/python bench/anchors.py

## The Zipf log through nginx with 1 and 3 replicas, cache off and on (not part of make test)
cluster-bench: install bench-deps nginx-dep
	$(BIN)/python bench/cluster.py $(BENCH_ARGS)

## Ranking on 2,000 DRCD questions against FTS5 and Whoosh (not part of make test)
relevance: install
	$(BIN)/python bench/relevance.py --out bench/results/relevance.json
	$(BIN)/python bench/web_queries.py --out bench/results/web_queries.json

## Refresh the README's screenshots (taken by the browser tests on ../shared's reports collection)
screenshots: install browser-deps
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/test_reader.py -k pictures

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
