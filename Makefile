# The two commands a newcomer needs: `make up` (the main job) and `make test`; `make help` lists the rest.
# Each target builds its own virtual environment from the pinned requirements.

PYTHON ?= python3
VENV := .venv
STACK ?= dev
YES ?=
RUN_STACK = $(VENV)/bin/python -m scripts.run_stack$(if $(YES), --yes)
REQUIREMENTS := requirements.txt requirements-dev.txt policies/requirements.txt
STAMP := $(VENV)/.installed-$(shell cat $(REQUIREMENTS) | cksum | cut -d' ' -f1)
POLICY_VENV := policies/venv
POLICY_STAMP := $(POLICY_VENV)/.installed-$(shell cat requirements.txt policies/requirements.txt | cksum | cut -d' ' -f1)

.PHONY: help up preview destroy review comment-picture adopt test lint docs engine postgres benchmark benchmark-adopt benchmark-refresh benchmark-soak benchmark-engine policy-pack clean
.DEFAULT_GOAL := help

## help: this list (`make` alone prints it too)
help:
	@echo 'make <target> [STACK=dev|staging|prod], from the project directory:'
	@sed -n 's/^## /  /p' $(MAKEFILE_LIST)

$(STAMP): $(REQUIREMENTS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "error: $(PYTHON) is Python " + sys.version.split()[0] + "; this project needs 3.11 or newer (its pinned tools do): run make with PYTHON=python3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

## up: deploy STACK (default dev), refreshed first; against a local fake Telnyx unless a key is set
##     (YES=1 skips the prompt; installs the pinned Pulumi CLI into .pulumi-cli/ when it is not on PATH)
up: $(STAMP)
	$(RUN_STACK) up --stack $(STACK)

## preview: what `up` would change, field by field (refreshed first when a key is set)
preview: $(STAMP)
	$(RUN_STACK) preview --stack $(STACK)

## destroy: delete every application STACK manages (a protected one refuses)
destroy: $(STAMP)
	$(RUN_STACK) destroy --stack $(STACK)

## review: preview each of STACKS (default "dev staging prod") as JSON and print the pull-request comment
STACKS ?= dev staging prod
review: $(STAMP)
	@rm -rf .review && mkdir .review; status=0; \
	for stack in $(STACKS); do \
	  $(RUN_STACK) preview --stack $$stack --json-out .review/$$stack.json >&2; code=$$?; \
	  [ $$code -ne 127 ] || exit 127; [ $$code -eq 0 ] || status=1; \
	done; \
	$(VENV)/bin/python -m scripts.review $(foreach stack,$(STACKS),.review/$(stack).json) || status=1; \
	exit $$status

## comment-picture: docs/images/review-comment.png, the review comment of STACKS (here dev unless given) previewed after
##                  a small change in a scratch copy, against a fake Telnyx, as GitHub shows it (installs Debian's chromium)
comment-picture: STACKS = dev
comment-picture: engine
	$(VENV)/bin/python -m scripts.comment_picture $(STACKS)

## adopt: add the account's applications that no stack declares to STACK's stack file (reads only; TELNYX_API_KEY)
##     (NAME_CONTAINS=text narrows them, DRY_RUN=1 prints instead of writing, STACK_FILE=path writes elsewhere)
ADOPT_OPTIONS = $(if $(STACK_FILE), --stack-file '$(STACK_FILE)')$(if $(NAME_CONTAINS), --name-contains '$(NAME_CONTAINS)')$(if $(DRY_RUN), --dry-run)
adopt: $(STAMP)
	$(VENV)/bin/python -m scripts.adopt --stack $(STACK)$(ADOPT_OPTIONS)

## test: lint, type-check and run every test (the end-to-end ones on the real engine, built first if need be)
test: lint engine postgres
	$(VENV)/bin/pytest

## docs: build the manual (docs/, mkdocs.yml) strictly into site/; open site/index.html
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

## engine: the Pulumi CLI at the pinned version, from PATH, .pulumi-cli/, the release download or its Go modules
engine: $(STAMP)
	@$(VENV)/bin/python -m scripts.install_pulumi > /dev/null

## postgres: Debian's PostgreSQL server for the team-backend tests (apt-get, as root, when it is missing)
postgres: $(STAMP)
	@$(VENV)/bin/python -m scripts.install_postgres

## lint: ruff, mypy --strict and the layers' import contracts (lint-imports), without the tests
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## policy-pack: build policies/venv, the policy pack's environment, for `pulumi preview --policy-pack policies`
policy-pack: $(POLICY_STAMP)

$(POLICY_STAMP): requirements.txt policies/requirements.txt
	$(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_VENV)/bin/pip install --quiet --disable-pip-version-check -r policies/requirements.txt
	rm -f $(POLICY_VENV)/.installed-* && touch $@

## benchmark: API calls per operation, serialised provider size, overhead per call; 429s with and without pacing
benchmark: $(STAMP)
	$(VENV)/bin/python -m benchmarks.provider_calls
	$(VENV)/bin/python -m benchmarks.pacing

## benchmark-adopt: adopt from an account of 1,000 applications on the loopback fake: list calls and wall time
benchmark-adopt: $(STAMP)
	$(VENV)/bin/python -m benchmarks.adopt

## benchmark-refresh: requests and wall time of a refresh, every read a GET against one listing (about 2 minutes)
benchmark-refresh: $(STAMP)
	$(VENV)/bin/python -m benchmarks.refresh

## benchmark-soak: 1,000 creates, reads, updates and deletes through the provider host under a 429/503 storm with
##                 lost answers, paced and unpaced: no duplicate, none missing from state, nothing left over (about 3 minutes)
benchmark-soak: $(STAMP)
	$(VENV)/bin/python -m benchmarks.soak

## benchmark-engine: the real CLI's preview and no-op up of 10, 100 and 500 applications at 0 and 80 ms beside a do-nothing
##                   provider's, the requests in flight during 200 creates, a warm engine build (about 5 minutes)
benchmark-engine: $(STAMP)
	$(VENV)/bin/python -m benchmarks.engine

## clean: remove the virtual environments and caches (keeps .pulumi-state/, .pulumi-cli/, .pulumi-home/, .fake-telnyx/ and the Go caches in /var/tmp)
clean:
	rm -rf $(VENV) $(POLICY_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
