"""Can the Rasa server reach the action server it is configured with?

Asked only after a turn that produced no reply at all, to tell "the assistant chose to stay
quiet" (a person has the conversation) from "the actions could not run".
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit, urlunsplit

import aiohttp

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 3.0


def health_url(action_endpoint_url: str) -> str:
    """The action server's `/health` next to its `/webhook` (rasa-sdk serves both)."""
    parts = urlsplit(action_endpoint_url)
    path = parts.path.rstrip("/")
    base = path[: -len("/webhook")] if path.endswith("/webhook") else path
    return urlunsplit((parts.scheme, parts.netloc, base + "/health", "", ""))


async def action_server_reachable(action_endpoint_url: str | None,
                                  timeout: float = PROBE_TIMEOUT_SECONDS) -> bool:
    """False when nothing answers at the action server (refused, timed out, 5xx); True otherwise.

    With no action endpoint configured there is nothing to be down, so the answer is True.
    """
    if not action_endpoint_url:
        return True
    url = health_url(action_endpoint_url)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.get(url, allow_redirects=False) as response:
                return response.status < 500
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        logger.warning("action server at %s unreachable: %s", url, type(error).__name__)
        return False
