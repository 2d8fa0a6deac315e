# Robust Systems, hands-on: the single entry point.
#   make book   build the course (executes every page) and say where to open it
#   make test   build the book, then run the tests (the CI command)
#   make lab    read the book live in JupyterLab
#   make bench  run the benchmarks
#   make exercises  regenerate exercises/ from solutions/ (re-running the solutions first)
#   make clean  remove build output (keeps .venv; `make distclean` removes it too)
# Needs only Python 3.11+ and make; everything else is installed into .venv from
# the pinned requirements.txt.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BUILD := _build
HTML := $(BUILD)/html

# Extra flags for the book build, e.g. `make book BOOK_FLAGS=--all` to rebuild every page.
BOOK_FLAGS ?=
# pytest arguments; `make test PYTEST_ARGS="-k links"` narrows the run.
PYTEST_ARGS ?=
# The tests run in this many pytest-xdist workers (`make test TEST_JOBS=0`: one process).
# --dist loadfile keeps each test file, and so each notebook's cells, on one worker, in order.
TEST_JOBS ?= 2
# Notebook checks: every .ipynb under these folders runs under nbval in `make test`.
# NBVAL_MODE is --nbval-lax (cells must run without error) or --nbval (outputs must
# also match the stored ones), plus nbval options. The solutions run strictly. The
# exercises are left out on purpose: unsolved, they must fail at every check cell, and
# tests/test_workbook.py runs them under --nbval-lax and asserts exactly that.
NBVAL_DIRS ?= solutions
NBVAL_MODE ?= --nbval --nbval-current-env --nbval-cell-timeout=120
# The book's pages, as executed by `make book`, are re-run under strict nbval too:
# every output must come out the same again (PYTHONPATH lets them import book/_lib).
NBVAL_NOTEBOOKS = $(shell find $(NBVAL_DIRS) -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' 2>/dev/null | sort)

# What `make lock` resolves; requirements.txt is its pip freeze.
LOCK_PKGS := 'jupyter-book>=1,<2' myst-nb ipywidgets simpy trio nbval pytest pytest-timeout pytest-xdist \
	hypothesis matplotlib pykka playwright nbformat nbclient ipykernel jupyterlab jupytext

.PHONY: help venv book test bench lab lock clean distclean exercises lite public

help:
	@sed -n '2,8p' Makefile | sed 's/^# *//'

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); run make PYTHON=python3.11 ...")'
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(VPY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# jupyter-cache re-runs a page only when the page's own code changes, not when the code
# it imports does. So when labrt, the book's helper modules, the results they read
# (book/_data) or the environment change,
# drop the cache and Sphinx's saved state: every page executes again.
PAGE_DEPS = $(shell find labrt book/_lib -name '*.py' 2>/dev/null) $(wildcard book/_data/*.json)
$(BUILD)/.page-deps: $(PAGE_DEPS) $(STAMP)
	rm -rf $(BUILD)/.jupyter_cache $(BUILD)/.doctrees
	mkdir -p $(BUILD) && touch $@

# The browser version (JupyterLite in _build/html/lite, the "Run in your browser" buttons)
# needs npm for Pyodide's core; without npm the book is built without it, and says so.
# `make book BROWSER=0` skips it on purpose.
BROWSER ?= $(if $(shell command -v npm 2>/dev/null),1,0)

book: $(STAMP) $(BUILD)/.page-deps
	@start=$$(date +%s); \
	LABRT_BROWSER=$(BROWSER) PYDEVD_DISABLE_FILE_VALIDATION=1 $(VENV)/bin/jupyter-book build . --builder html -W -n --keep-going $(BOOK_FLAGS) \
	  || { echo; echo "make book: the build failed (warnings count as errors); see the messages above."; \
	       echo "  Execution tracebacks of failing pages: $(BUILD)/html/reports/"; exit 1; }; \
	if [ "$(BROWSER)" = 1 ]; then \
	  lstart=$$(date +%s); \
	  $(VPY) tests/browser/jupyterlite/build.py > $(BUILD)/lite-build.log 2>&1 \
	    || { tail -30 $(BUILD)/lite-build.log; echo "make book: the browser version (JupyterLite) failed to build; log: $(BUILD)/lite-build.log"; exit 1; }; \
	  echo "Built the browser version (JupyterLite, $(HTML)/lite) in $$(( $$(date +%s) - lstart )) s."; \
	else \
	  rm -rf $(HTML)/lite; \
	  echo; echo "make book: SKIPPED the browser version (no 'Run in your browser' buttons): it needs npm"; \
	  echo "  for Pyodide's core. Install Node and npm (Debian: apt-get install npm) and run make book again."; \
	fi; \
	echo; echo "Built the book in $$(( $$(date +%s) - start )) s. Open it:"; \
	echo "  file://$(CURDIR)/$(HTML)/index.html"; \
	echo "or serve it and browse to http://localhost:8000 :"; \
	echo "  $(VPY) -m http.server --directory $(CURDIR)/$(HTML) 8000"

test: book
	@set +e; \
	PYTHONPATH=$(CURDIR)/book $(VPY) -m pytest -n $(TEST_JOBS) --dist loadfile $(NBVAL_MODE) tests $(NBVAL_NOTEBOOKS) \
	  $$(find $(BUILD)/jupyter_execute/book -name '*.ipynb' 2>/dev/null | sort) $(PYTEST_ARGS); \
	rc=$$?; \
	if [ $$rc -eq 5 ]; then \
	  echo "make test: pytest ran no tests (exit 5: none collected, or all deselected); a run that tests nothing is a failure."; \
	fi; \
	exit $$rc

bench: $(STAMP)
	$(VPY) bench/run.py

# The workbook's single source is solutions/: re-run each solution notebook (storing its
# outputs, which `make test` compares strictly), then generate exercises/ from it.
# Commit both folders together; tests/test_workbook.py fails when they are out of sync.
exercises: $(STAMP)
	$(VPY) -m labrt.grading.assign --execute

# The copy of the course students get (no solutions/, no instructor/hidden/): push it to
# its own repository, which the launch buttons and the classroom workflow point at.
PUBLIC ?= ../hands-on-public
public: $(STAMP)
	$(VPY) -m labrt.grading public $(PUBLIC)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=$(CURDIR) $(if $(filter 0,$(shell id -u)),--allow-root) book/intro.md

# Only the browser version: the book's pages (as last built) and the workbook as a
# JupyterLite site running labrt in Pyodide, offline, in _build/html/lite. Needs npm;
# `make book` runs it too (tests/browser/JUPYTERLITE.md).
lite: $(STAMP)
	$(VPY) tests/browser/jupyterlite/build.py

# Re-resolve requirements.txt from LOCK_PKGS in a throwaway venv.
lock:
	@tmp=$$(mktemp -d); \
	$(PYTHON) -m venv $$tmp/venv && \
	$$tmp/venv/bin/pip install --quiet --disable-pip-version-check $(LOCK_PKGS) && \
	{ sed -n '/^#/p' requirements.txt; $$tmp/venv/bin/pip freeze --exclude-editable; } > requirements.txt.new && \
	mv requirements.txt.new requirements.txt; \
	rm -rf $$tmp; git diff --stat requirements.txt

clean:
	rm -rf $(BUILD) .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
