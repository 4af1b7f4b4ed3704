"""config.HandoverConfig.from_env: defaults, Zendesk switch, clear errors, no secrets in repr."""

from __future__ import annotations

import pytest

from actions.handover.config import ConfigError, HandoverConfig

ZENDESK = {"ZENDESK_SUBDOMAIN": "northwind", "ZENDESK_EMAIL": "bot@northwind.example",
           "ZENDESK_API_TOKEN": "tok-SECRET-1", "ZENDESK_WEBHOOK_SECRET": "hook-SECRET-2",
           "RASA_TOKEN": "rasa-SECRET-3"}


def test_defaults_use_local_tickets() -> None:
    config = HandoverConfig.from_env({})
    assert config.ticket_backend == "local" and not config.zendesk_enabled
    assert config.rasa_url == "http://localhost:5005"
    assert config.sync_budget_seconds == 5.0
    assert config.webhook_max_age_seconds == 300.0


def test_zendesk_from_subdomain_and_url_override() -> None:
    config = HandoverConfig.from_env(ZENDESK)
    assert config.ticket_backend == "zendesk"
    assert config.zendesk_base_url == "https://northwind.zendesk.com"
    overridden = HandoverConfig.from_env({**ZENDESK, "ZENDESK_URL": "http://127.0.0.1:8080/"})
    assert overridden.zendesk_base_url == "http://127.0.0.1:8080"


def test_secrets_never_in_repr_or_describe() -> None:
    config = HandoverConfig.from_env(ZENDESK)
    for text in (repr(config), str(config), str(config.describe())):
        assert "SECRET" not in text
    assert config.describe()["zendesk_api_token"] == "set"


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"ZENDESK_SUBDOMAIN": "northwind"}, "ZENDESK_EMAIL"),
        ({"ZENDESK_SUBDOMAIN": "northwind", "ZENDESK_EMAIL": "a@b.c"}, "ZENDESK_API_TOKEN"),
        ({"ZENDESK_EMAIL": "a@b.c", "ZENDESK_API_TOKEN": "x"}, "ZENDESK_SUBDOMAIN"),
        ({**ZENDESK, "ZENDESK_SUBDOMAIN": "northwind.zendesk.com"}, "ZENDESK_SUBDOMAIN"),
        ({**ZENDESK, "ZENDESK_EMAIL": "not-an-email"}, "ZENDESK_EMAIL"),
        ({"ZENDESK_URL": "northwind.zendesk.com"}, "ZENDESK_URL"),
        ({"RASA_URL": "localhost:5005"}, "RASA_URL"),
        ({"HANDOVER_SYNC_BUDGET_SECONDS": "soon"}, "HANDOVER_SYNC_BUDGET_SECONDS"),
        ({"HANDOVER_ATTEMPTS_PER_DRAIN": "0"}, "HANDOVER_ATTEMPTS_PER_DRAIN"),
        ({"HANDOVER_ATTEMPTS_PER_DRAIN": "2.5"}, "HANDOVER_ATTEMPTS_PER_DRAIN"),
    ],
)
def test_errors_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable) as info:
        HandoverConfig.from_env(env)
    assert "SECRET" not in str(info.value)


def test_config_is_frozen() -> None:
    config = HandoverConfig.from_env({})
    with pytest.raises(AttributeError):
        config.rasa_url = "http://elsewhere"  # type: ignore[misc]
