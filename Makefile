# The two commands a newcomer needs: `make up` (the main job) and `make test`.
# Each target builds its own virtual environment from the pinned requirements.

PYTHON ?= python3
VENV := .venv
STACK ?= dev
YES ?=
RUN_STACK = $(VENV)/bin/python -m scripts.run_stack $(if $(YES),--yes)
REQUIREMENTS := requirements.txt requirements-dev.txt policies/requirements.txt
STAMP := $(VENV)/.installed-$(shell cat $(REQUIREMENTS) | cksum | cut -d' ' -f1)
POLICY_VENV := policies/venv
POLICY_STAMP := $(POLICY_VENV)/.installed-$(shell cat requirements.txt policies/requirements.txt | cksum | cut -d' ' -f1)

.PHONY: up preview destroy test lint benchmark policy-pack clean

$(STAMP): $(REQUIREMENTS)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

## up: deploy the STACK (default dev); against a local fake Telnyx unless a key is set; YES=1 skips the prompt
up: $(STAMP)
	$(RUN_STACK) up --stack $(STACK)

## preview: show what `up` would change, as a pull request reviewer sees it
preview: $(STAMP)
	$(RUN_STACK) preview --stack $(STACK)

## destroy: delete every application the STACK manages
destroy: $(STAMP)
	$(RUN_STACK) destroy --stack $(STACK)

## test: lint, type-check and run every test
test: lint
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

## policy-pack: the policy pack's own environment (policies/venv), for `pulumi preview --policy-pack policies`
policy-pack: $(POLICY_STAMP)

$(POLICY_STAMP): requirements.txt policies/requirements.txt
	$(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_VENV)/bin/pip install --quiet --disable-pip-version-check -r policies/requirements.txt
	rm -f $(POLICY_VENV)/.installed-* && touch $@

## benchmark: API calls per operation, serialised provider size, overhead per call
benchmark: $(STAMP)
	$(VENV)/bin/python -m scripts.benchmark

clean:
	rm -rf $(VENV) $(POLICY_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
