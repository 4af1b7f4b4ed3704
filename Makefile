# One target per step. `make run` and `make test` are the two commands in the README.
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

RASA := .venv/rasa/bin/rasa
PY := .venv/actions/bin/python
RASA_PORT ?= 5005
ACTIONS_PORT ?= 5055

.PHONY: install install-browser train seed ingest actions-server rasa-server run shell chat test test-stories \
        test-python lint validate bench bench-nlu bench-knowledge bench-llm conversations rules clean

install:
	scripts/install.sh all

install-browser:
	scripts/install.sh browser

train: install
	$(RASA) train --quiet

seed: install
	$(PY) -m actions.store.sample_orders

ingest: install
	$(PY) -m actions.knowledge.ingest

# The servers share tokens and allowed web origins: scripts/secrets.sh sets them (var/secrets.env).
SECRETS := source scripts/secrets.sh &&

actions-server: install
	$(SECRETS) $(PY) -m actions.server --port $(ACTIONS_PORT)

rasa-server: install
	$(SECRETS) IFS=, read -r -a origins <<< "$$WEBCHAT_ORIGINS" && \
	$(RASA) run --enable-api --auth-token="$$RASA_TOKEN" --cors "$${origins[@]}" \
	  --port $(RASA_PORT) --interface 127.0.0.1 --credentials credentials.yml --endpoints endpoints.yml

run: train seed ingest
	scripts/run_assistant.sh

shell: install
	$(SECRETS) $(RASA) shell --endpoints endpoints.yml

chat:
	$(SECRETS) $(PY) scripts/chat.py --url http://localhost:$(RASA_PORT)

lint: install
	$(PY) -m ruff check actions channels components rasa_addons tests scripts

validate: install
	$(RASA) data validate

test-stories: train
	rm -rf results/stories
	$(RASA) test core --stories tests/test_stories.yml --fail-on-prediction-errors --out results/stories

test-python: train install-browser
	$(PY) -m pytest tests -q -p no:cacheprovider

test: lint validate test-stories test-python

bench: bench-nlu bench-knowledge bench-llm

bench-nlu: install
	$(PY) scripts/bench_nlu.py
	.venv/rasa/bin/python scripts/bench_understanding.py

bench-knowledge: train
	$(PY) scripts/bench_knowledge.py --rest

bench-llm: install
	$(PY) scripts/bench_llm.py

conversations:  # replay shared/eval/conversations.md against a running assistant (make run first)
	$(SECRETS) $(PY) scripts/run_conversations.py --url http://127.0.0.1:$(RASA_PORT)

rules:
	$(PY) scripts/generate_form_rules.py

clean:
	rm -rf results var/qdrant models/*.tar.gz
