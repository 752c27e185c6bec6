# searchsvc: `make run` serves, `make test` runs every test. Both create .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: install run rebuild test clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Build the index when there is none, then serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/searchsvc rebuild --if-missing
	$(BIN)/gunicorn -c gunicorn.conf.py 'searchsvc:create_app()'

## Rebuild the index from the corpus (SEARCHSVC_CORPUS, SEARCHSVC_INDEX)
rebuild: install
	$(BIN)/searchsvc rebuild

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
