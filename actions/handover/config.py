"""Every setting of the human handover, read once from environment variables.

| Variable | Default | Meaning |
|---|---|---|
| `ZENDESK_SUBDOMAIN` | unset | `northwind` for https://northwind.zendesk.com. With `ZENDESK_EMAIL` and `ZENDESK_API_TOKEN` it switches tickets from the local table to Zendesk. |
| `ZENDESK_EMAIL` | unset | Agent/admin email of the API user (Basic auth `{email}/token:{token}`). |
| `ZENDESK_API_TOKEN` | unset | Zendesk API token (secret: never logged or shown in repr). |
| `ZENDESK_URL` | `https://{subdomain}.zendesk.com` | Base URL override (proxy, tests); replaces `ZENDESK_SUBDOMAIN`. |
| `ZENDESK_WEBHOOK_SECRET` | unset | Signing secret of the Zendesk webhook; unset means every webhook is rejected. |
| `ZENDESK_WEBHOOK_MAX_AGE_SECONDS` | 300 | Older (or further in the future) signed timestamps are rejected as replays. |
| `RASA_URL` | `http://localhost:5005` | Rasa server HTTP API (started with `--enable-api`). |
| `RASA_TOKEN` | unset | Rasa `--auth-token`, sent as `?token=` (secret). |
| `HANDOVER_SYNC_BUDGET_SECONDS` | 5 | How long a chat user may wait for the ticket number (summary + one send). |
| `HANDOVER_SUMMARY_TIMEOUT_SECONDS` | 2.5 | Time the injected (LLM) summariser gets before the rule-based one is used. |
| `HANDOVER_HTTP_TIMEOUT_SECONDS` | 10 | Per-request timeout for the background worker (Zendesk and Rasa). |
| `HANDOVER_ATTEMPTS_PER_DRAIN` | 3 | Tries per message within one drain before it waits for the next drain. |
| `HANDOVER_RETRY_BASE_SECONDS` | 1 | First back-off delay; doubles per failed attempt, with jitter. |
| `HANDOVER_RETRY_MAX_SECONDS` | 30 | Upper bound of a back-off delay, so a recovered Zendesk or Rasa is noticed within this (a Retry-After is always honoured in full). |
| `HANDOVER_MAX_INLINE_WAIT_SECONDS` | 10 | Longest Retry-After/back-off the worker sleeps through inside one drain. |
| `HANDOVER_WORKER_INTERVAL_SECONDS` | 5 | Pause between drains of the background worker. |
| `HANDOVER_CLAIM_LEASE_SECONDS` | 120 | A claimed message whose drainer died is taken over after this. |
| `HANDOVER_IDEMPOTENCY_WINDOW_SECONDS` | 3600 | After this long since the first try, a ticket is looked up by `external_id` before re-posting (Zendesk keeps idempotency keys about 2 hours). |
| `HANDOVER_CHAT_MAX_AGE_SECONDS` | 86400 | Agent replies not delivered to chat within this are dropped from chat (they went by email). |
| `DATABASE_URL` | SQLite under var/ | Shared with the order store (see actions/store/database.py). |
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_SUBDOMAIN_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class HandoverConfig:
    """Handover settings. Secrets are excluded from repr so the object can be logged."""

    zendesk_base_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_max_age_seconds: float = 300.0
    rasa_url: str = "http://localhost:5005"
    rasa_token: str | None = field(default=None, repr=False)
    sync_budget_seconds: float = 5.0
    summary_timeout_seconds: float = 2.5
    http_timeout_seconds: float = 10.0
    attempts_per_drain: int = 3
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 30.0
    max_inline_wait_seconds: float = 10.0
    worker_interval_seconds: float = 5.0
    claim_lease_seconds: float = 120.0
    idempotency_window_seconds: float = 3600.0
    chat_max_age_seconds: float = 86400.0

    @property
    def zendesk_enabled(self) -> bool:
        return bool(self.zendesk_base_url and self.zendesk_email and self.zendesk_api_token)

    @property
    def ticket_backend(self) -> str:
        """`zendesk` when Zendesk is configured, else `local`."""
        return "zendesk" if self.zendesk_enabled else "local"

    def describe(self) -> dict[str, object]:
        """Settings for a startup log line: secrets shown only as set / not set."""
        return {
            "ticket_backend": self.ticket_backend,
            "zendesk_base_url": self.zendesk_base_url,
            "zendesk_email": self.zendesk_email,
            "zendesk_api_token": "set" if self.zendesk_api_token else "not set",
            "webhook_secret": "set" if self.webhook_secret else "not set",
            "rasa_url": self.rasa_url,
            "rasa_token": "set" if self.rasa_token else "not set",
        }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HandoverConfig:
        """Read the variables in the module docstring; raise `ConfigError` naming a bad one."""
        env = os.environ if env is None else env

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def number(name: str, default: float, *, minimum: float = 0.0) -> float:
            raw = text(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
            if value < minimum:
                raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
            return value

        subdomain, email, token, url = (
            text("ZENDESK_SUBDOMAIN"),
            text("ZENDESK_EMAIL"),
            text("ZENDESK_API_TOKEN"),
            text("ZENDESK_URL"),
        )
        base_url: str | None = None
        if url:
            if not re.match(r"^https?://[^\s/]+", url):
                raise ConfigError(f"ZENDESK_URL must start with http:// or https://, got {url!r}")
            base_url = url.rstrip("/")
        elif subdomain:
            subdomain = subdomain.lower()
            if not _SUBDOMAIN_RE.match(subdomain):
                raise ConfigError(
                    "ZENDESK_SUBDOMAIN must be only the subdomain, e.g. 'northwind' for "
                    f"northwind.zendesk.com, got {subdomain!r}"
                )
            base_url = f"https://{subdomain}.zendesk.com"
        given = {"ZENDESK_SUBDOMAIN or ZENDESK_URL": base_url, "ZENDESK_EMAIL": email,
                 "ZENDESK_API_TOKEN": token}
        if any(given.values()) and not all(given.values()):
            missing = ", ".join(name for name, value in given.items() if not value)
            raise ConfigError(
                f"Zendesk is partly configured: {missing} not set. Set all of ZENDESK_SUBDOMAIN "
                "(or ZENDESK_URL), ZENDESK_EMAIL and ZENDESK_API_TOKEN, or none for local tickets."
            )
        if email and "@" not in email:
            raise ConfigError(f"ZENDESK_EMAIL must be an email address, got {email!r}")
        rasa_url = text("RASA_URL") or "http://localhost:5005"
        if not re.match(r"^https?://[^\s/]+", rasa_url):
            raise ConfigError(f"RASA_URL must start with http:// or https://, got {rasa_url!r}")

        attempts = number("HANDOVER_ATTEMPTS_PER_DRAIN", 3, minimum=1)
        if attempts != int(attempts):
            raise ConfigError(f"HANDOVER_ATTEMPTS_PER_DRAIN must be a whole number, got {attempts}")
        return cls(
            zendesk_base_url=base_url,
            zendesk_email=email,
            zendesk_api_token=token,
            webhook_secret=text("ZENDESK_WEBHOOK_SECRET"),
            webhook_max_age_seconds=number("ZENDESK_WEBHOOK_MAX_AGE_SECONDS", 300, minimum=1),
            rasa_url=rasa_url.rstrip("/"),
            rasa_token=text("RASA_TOKEN"),
            sync_budget_seconds=number("HANDOVER_SYNC_BUDGET_SECONDS", 5, minimum=0.5),
            summary_timeout_seconds=number("HANDOVER_SUMMARY_TIMEOUT_SECONDS", 2.5),
            http_timeout_seconds=number("HANDOVER_HTTP_TIMEOUT_SECONDS", 10, minimum=0.1),
            attempts_per_drain=int(attempts),
            retry_base_seconds=number("HANDOVER_RETRY_BASE_SECONDS", 1),
            retry_max_seconds=number("HANDOVER_RETRY_MAX_SECONDS", 30, minimum=0.01),
            max_inline_wait_seconds=number("HANDOVER_MAX_INLINE_WAIT_SECONDS", 10),
            worker_interval_seconds=number("HANDOVER_WORKER_INTERVAL_SECONDS", 5, minimum=0.01),
            claim_lease_seconds=number("HANDOVER_CLAIM_LEASE_SECONDS", 120, minimum=1),
            idempotency_window_seconds=number("HANDOVER_IDEMPOTENCY_WINDOW_SECONDS", 3600),
            chat_max_age_seconds=number("HANDOVER_CHAT_MAX_AGE_SECONDS", 86400, minimum=1),
        )
