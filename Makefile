# leopard-nbtools: `make lab` and `make test` are all a new user needs; `make` alone lists the targets.
#
# Both set up .venv the same way CI and Binder do: the lock binder/requirements.txt (exact versions of
# everything), then our package with `pip install --no-deps -e .` (binder/postBuild). The setup runs
# again only when the lock or pyproject.toml change: the stamp file's name is the hash of both.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON      ?= python3
VENV        := .venv
VPY         := $(VENV)/bin/python
LOCK        := binder/requirements.txt
PYTEST_ARGS ?=

HASH  := $(shell cat $(LOCK) pyproject.toml 2>/dev/null | $(PYTHON) -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
STAMP := $(VENV)/.stamp-$(HASH)

ROWS        ?= 100000000

.PHONY: help venv test lint lab lock data data-years data-large report docs docs-quick bench dist clean distclean

help: ## list the targets
	@echo "leopard-nbtools: camera-trap ecology in Jupyter"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: PYTEST_ARGS (e.g. make test PYTEST_ARGS=\"-m 'not slow'\"), JUPYTER_TOKEN, JUPYTER_PORT, PYTHON"

venv: $(STAMP) ## create .venv from the lock (only when the lock or pyproject.toml changed)
	@:

$(STAMP):
	@test -f $(LOCK) || { echo "make: $(LOCK) is missing; run 'make lock'" >&2; exit 1; }
	@test -x $(VPY) || { echo "make: creating $(VENV) with $$($(PYTHON) --version 2>&1)"; $(PYTHON) -m venv $(VENV); }
	@rm -f $(VENV)/.stamp-*
	@echo "make: installing the $$(grep -vc '^#' $(LOCK)) pinned packages of $(LOCK) into $(VENV) (2-4 minutes into a new .venv, seconds otherwise)"
	$(VPY) -m pip install --quiet --disable-pip-version-check -r $(LOCK)
	PYTHON=$(VPY) binder/postBuild
	@touch $@

test: venv ## run the tests: all of them, or those chosen by PYTEST_ARGS
	$(VPY) -m pytest $(PYTEST_ARGS)

lint: venv ## ruff: lint and format checks (make test runs them too, in tests/test_style.py)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lab: venv ## start JupyterLab on 127.0.0.1 in notebooks/ (prints the URL with its token)
	@VENV=$(VENV) tools/lab.sh

lock: ## re-resolve pyproject.toml into the lock binder/requirements.txt (fresh venv)
	PYTHON=$(PYTHON) tools/lock.sh

data: venv ## write the default study (seed 20161101) into data/leopard-study/
	$(VPY) -m nbtools simulate data/leopard-study --seed 20161101 --quiet
	@echo "make data: wrote data/leopard-study/ (checksums in data/leopard-study/SHA256SUMS)"

data-years: venv ## write the multi-year study (six seasons 2014/15-2019/20, seed 20141101) into data/leopard-years/
	$(VPY) -m nbtools simulate-years data/leopard-years --seed 20141101 --quiet
	@echo "make data-years: wrote data/leopard-years/ (checksums in data/leopard-years/SHA256SUMS)"

data-large: venv ## write ROWS synthetic detections (default 100 million, ~2.5 GB) as Parquet into data/large/detections/
	$(VPY) -m nbtools large data/large/detections --rows $(ROWS)

report: venv ## execute every notebook into reports/*.html (a line per notebook; fails if any fails)
	$(VPY) -m nbtools report notebooks --out reports

# The documentation site: Sphinx reads the repository (docs/ and notebooks/, see docs/conf.py) and fails on any
# warning; the doctrees go beside the site, not into it. `make docs` executes the notebooks (cached in
# docs/_build/.jupyter_cache until a notebook changes); `make docs-quick` renders them without outputs.
SPHINX := $(VPY) -m sphinx -b html -W --keep-going -q -c docs -d docs/_build/doctrees . docs/_build/html

docs: venv ## build the documentation site into docs/_build/html, notebooks executed (about 10 minutes)
	NBTOOLS_DOCS_EXECUTE=cache $(SPHINX)
	@echo "make docs: open docs/_build/html/index.html"

docs-quick: venv ## build the documentation site without executing the notebooks (about 1 minute)
	NBTOOLS_DOCS_EXECUTE=off $(SPHINX)
	@echo "make docs-quick: open docs/_build/html/index.html (notebooks without outputs)"

bench: ## run the benchmarks in benchmarks/
	@if ls benchmarks/*.py >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory venv && for f in benchmarks/*.py; do echo "== $$f"; $(VPY) $$f || exit 1; done; \
	else \
		echo "make bench: not available yet. It arrives with the benchmarks issue:"; \
		echo "  scripts in benchmarks/ print figures and ratios against a baseline measured in the same run."; \
	fi

dist: venv ## build the wheel and the sdist into dist/ (python -m build; the wheel carries the catalogs and the default study)
	$(VPY) -m build --outdir dist .

clean: ## remove caches, build files and generated reports (keeps .venv and .jupyter)
	rm -rf .pytest_cache .hypothesis build dist *.egg-info reports docs/_build docs/api/generated
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## clean, and remove .venv and the Jupyter state in .jupyter
	rm -rf $(VENV) .jupyter
