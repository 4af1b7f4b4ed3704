"""Security settings of the action server, read once from environment variables.

| Variable | Default | Meaning |
|---|---|---|
| `ACTION_SERVER_TOKEN` | required | Shared secret Rasa sends with every call to `/webhook` (endpoints.yml `action_endpoint.token`, sent as the query parameter `token`). At least 16 characters. The server refuses to start without it. |
| `WEBCHAT_ORIGINS` | unset (none) | Comma-separated origins (`https://shop.example`) whose pages may read the action server's responses (CORS). Unset: no origin is allowed. `*` is refused. |
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from actions.handover.config import ConfigError

TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
ORIGINS_VARIABLE = "WEBCHAT_ORIGINS"
MIN_TOKEN_CHARS = 16
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
_TOKEN = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces: survives a URL query

__all__ = ["ConfigError", "SecurityConfig"]


@dataclass(frozen=True)
class SecurityConfig:
    """The action server's token and allowed web origins. The token is kept out of repr."""

    action_token: str = field(repr=False)
    webchat_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SecurityConfig:
        """Read the variables in the module docstring; raise `ConfigError` naming a bad one."""
        env = os.environ if env is None else env
        token = env.get(TOKEN_VARIABLE, "").strip()
        if not token:
            raise ConfigError(
                f"{TOKEN_VARIABLE} is not set. The action server runs customer actions (cancel an "
                "order, ...) and refuses to start without a shared token. Generate one, e.g. "
                "`python3 -c \"import secrets; print(secrets.token_urlsafe(32))\"`, set it in "
                f"the action server's environment, and give Rasa the same value as "
                f"`action_endpoint.token` in endpoints.yml.")
        if len(token) < MIN_TOKEN_CHARS or not _TOKEN.match(token):
            raise ConfigError(  # never echo the value: it is a secret
                f"{TOKEN_VARIABLE} must be at least {MIN_TOKEN_CHARS} printable characters "
                "without spaces (for example from `secrets.token_urlsafe(32)`).")
        origins: list[str] = []
        for raw in env.get(ORIGINS_VARIABLE, "").split(","):
            origin = raw.strip().rstrip("/")
            if not origin:
                continue
            if not _ORIGIN.match(origin):
                raise ConfigError(
                    f"{ORIGINS_VARIABLE} must list origins like https://shop.example or "
                    f"http://127.0.0.1:8000 (scheme and host, no path, no '*'), got {raw.strip()!r}")
            if origin.lower() not in origins:
                origins.append(origin.lower())
        return cls(action_token=token, webchat_origins=tuple(origins))
