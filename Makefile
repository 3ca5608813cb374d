# publish: build the reading pack and run the tests on Debian 12.
#
#   make setup   system packages + .venv + node_modules (fast when nothing is missing)
#   make pdf     the main job: build/reading-pack.pdf from content/
#   make test    everything the tests need, then ruff and pytest
#
# System packages are checked with dpkg-query on every run (a few milliseconds)
# and installed with apt-get only when one is missing; the Python and Node
# installs are guarded by stamp files that are newer than their manifests.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# apt-get holds a lock: two install steps must never run at once under -j.
.NOTPARALLEL:
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PUBLISH := $(BIN)/publish
CONTENT ?= content
BUILD ?= build
# Hypothesis profile for `make fuzz` (registered in tests/conftest.py).
FUZZ_PROFILE ?= long
# 1: apt-get installs missing system packages when run as root; 0: only report them.
SYSTEM_INSTALL ?= 1
# Extras of pyproject.toml installed into .venv with the project itself.
PIP_EXTRAS ?= test

export DEBIAN_FRONTEND := noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# A word `pkg:cmd` means: install Debian package pkg unless command cmd is
# already on PATH (Node from NodeSource, a JRE from elsewhere, ...).
# fonts-texgyre: TeX Gyre Pagella, the Latin face set beside Noto CJK (pdf_fonts.LATIN_SERIF); without it
# a machine without TeX Live printed the Latin text in whatever came next (DejaVu Serif).
SYSTEM_PACKAGES := fonts-noto-cjk fonts-noto-color-emoji fonts-texgyre libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 nodejs:node npm:npm
TEX_PACKAGES := texlive-xetex texlive-lang-chinese latexmk fonts-dejavu-core
TEST_PACKAGES := poppler-utils $(TEX_PACKAGES) default-jre-headless:java chromium:chromium
# Debian's own python3 needs python3-venv for `python3 -m venv`; pyenv's does not.
VENV_PACKAGE = $(shell $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 || echo python3-venv)

PIP_STAMP := $(VENV)/.publish-installed
NPM_STAMP := $(if $(wildcard package.json),node_modules/.publish-installed)

# $(call apt_ensure,WHAT,WORDS): install the missing packages among WORDS.
define apt_ensure
missing=""; \
for word in $(2); do \
  pkg="$${word%%:*}"; cmd="$${word#*:}"; \
  if [ "$$cmd" != "$$word" ] && command -v "$$cmd" >/dev/null 2>&1; then continue; fi; \
  if ! command -v dpkg-query >/dev/null 2>&1; then missing="$$missing $$pkg"; continue; fi; \
  dpkg-query -W -f='$${db:Status-Abbrev}' "$$pkg" 2>/dev/null | grep -q '^ii' || missing="$$missing $$pkg"; \
done; \
if [ -z "$$missing" ]; then echo "==> $(1): system packages present"; exit 0; fi; \
if ! command -v apt-get >/dev/null 2>&1; then \
  echo "==> $(1): not a Debian system; install the equivalents of:$$missing" >&2; exit 1; fi; \
if [ "$$(id -u)" != 0 ] || [ "$(SYSTEM_INSTALL)" != 1 ]; then \
  echo "==> $(1): missing system packages:$$missing" >&2; \
  echo "    run:  sudo apt-get update && sudo apt-get install -y$$missing" >&2; \
  echo "    then: make $(1)" >&2; exit 1; fi; \
echo "==> $(1): installing$$missing"; \
apt-get update -q -o Acquire::Retries=3; \
apt-get install -y -q -o Acquire::Retries=3 -o Dpkg::Use-Pty=0$$missing
endef

.PHONY: help setup system-packages test-deps tex-deps test lint fuzz html pdf epub latex bench clean distclean

help: ## list the targets
	@echo "publish — Chinese paper digests to a printed reading pack (PDF), EPUB, LaTeX and HTML"
	@echo
	@echo "usage: make TARGET    (CONTENT=$(CONTENT) BUILD=$(BUILD) PYTHON=$(PYTHON))"
	@echo
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# --- installation ---------------------------------------------------------

setup: system-packages $(PIP_STAMP) $(NPM_STAMP) ## system packages, .venv (publish CLI) and node_modules (MathJax)
	@echo "==> setup: ready; the CLI is $(PUBLISH)"

system-packages: ## only the system packages the build needs (fonts, Pango, HarfBuzz subsetter, Node)
	@$(call apt_ensure,setup,$(SYSTEM_PACKAGES) $(VENV_PACKAGE))

tex-deps: ## TeX Live (XeLaTeX, Chinese, latexmk) for `make latex`
	@$(call apt_ensure,tex-deps,$(TEX_PACKAGES))

test-deps: ## what only the tests need: poppler-utils, TeX Live, a JRE, Chromium
	@$(call apt_ensure,test-deps,$(TEST_PACKAGES))

$(BIN)/python: | system-packages
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "==> setup: publish needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1). Use make PYTHON=python3.11" >&2; exit 1; }
	@echo "==> setup: creating $(VENV) with $$($(PYTHON) -V)"
	@$(PYTHON) -m venv $(VENV)

# Reinstalled only when pyproject.toml is newer than the stamp.
$(PIP_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> setup: pip install -e '.[$(PIP_EXTRAS)]' into $(VENV)"
	@$(BIN)/python -m pip install -q -e '.[$(PIP_EXTRAS)]'
	@touch $@

node_modules/.publish-installed: package.json $(wildcard package-lock.json) | system-packages
	@if [ -f package-lock.json ]; then \
	  echo "==> setup: npm ci"; npm ci --no-audit --no-fund --loglevel=error; \
	else \
	  echo "==> setup: npm install (no package-lock.json yet)"; npm install --no-audit --no-fund --loglevel=error; \
	fi
	@touch $@

# --- checks ---------------------------------------------------------------

test: setup test-deps ## ruff, then the whole pytest suite
	@echo "==> test: ruff check ."
	@$(BIN)/ruff check .
	@echo "==> test: pytest"
	@$(BIN)/pytest -q

lint: setup ## ruff check
	@$(BIN)/ruff check .

fuzz: setup ## long Hypothesis run of the tests marked `fuzz` (FUZZ_PROFILE=long)
	@echo "==> fuzz: HYPOTHESIS_PROFILE=$(FUZZ_PROFILE) pytest -m fuzz"
	@rc=0; HYPOTHESIS_PROFILE=$(FUZZ_PROFILE) $(BIN)/pytest -q -m fuzz || rc=$$?; \
	if [ $$rc = 5 ]; then echo "==> fuzz: no test is marked fuzz yet" >&2; exit 1; fi; exit $$rc

# --- outputs --------------------------------------------------------------

html: setup ## HTML bundle of the sample pack in build/html/
	$(PUBLISH) html $(CONTENT) -o $(BUILD)/html

pdf: setup ## the printed reading pack: build/reading-pack.pdf
	$(PUBLISH) pdf $(CONTENT) -o $(BUILD)/reading-pack.pdf

epub: setup ## build/reading-pack.epub
	$(PUBLISH) epub $(CONTENT) -o $(BUILD)/reading-pack.epub

latex: setup tex-deps ## LaTeX sources in build/latex/, compiled with XeLaTeX
	$(PUBLISH) latex $(CONTENT) -o $(BUILD)/latex --compile

bench: setup ## time every backend against pandoc: per corpus file (or content/), then on a synthetic month
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench.py --month

# --- housekeeping ---------------------------------------------------------

clean: ## remove build outputs and tool caches
	rm -rf $(BUILD) dist .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean ## also remove .venv and node_modules
	rm -rf $(VENV) node_modules
