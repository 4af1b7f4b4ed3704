"""Conversation ids: one namespace per channel, and web chat ids derived from a server-issued secret.

Pure standard library, so the tests (Python 3.11) compute the same ids as the channels (3.10).

- REST `rest:<sender>`, Telegram `telegram:<chat id>`, Slack `slack:<team>:<user>` (plus
  `:<channel>` or `:<channel>:<thread>` with a finer `conversation_granularity`).
- Web chat `socketio:<sha256 of the session token>[:32]`: the token is a secret the server issued
  (`secrets.token_urlsafe(32)`); the id that appears in logs, trackers and tickets is not.
"""

from __future__ import annotations

import hashlib
import re
import secrets

SEPARATOR = ":"
WEBCHAT = "socketio"
_WEBCHAT_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # exactly what token_urlsafe(32) returns


def namespaced(channel: str, local_id: object) -> str:
    """`<channel>:<local id>`; the local id is always prefixed, even if it holds a colon already."""
    return f"{channel}{SEPARATOR}{local_id}"


def local_part(channel: str, sender_id: str) -> str:
    """The channel's own id back from a namespaced sender id (unchanged if not namespaced)."""
    prefix = channel + SEPARATOR
    return sender_id[len(prefix):] if sender_id.startswith(prefix) else sender_id


def new_webchat_token() -> str:
    """A fresh, unguessable web chat session token."""
    return secrets.token_urlsafe(32)


def is_webchat_token(value: object) -> bool:
    """True for a value shaped like a token we issue (anything else gets a new session)."""
    return isinstance(value, str) and _WEBCHAT_TOKEN.fullmatch(value) is not None


def webchat_conversation(token: str) -> str:
    """The conversation id (and socket.io room) of a web chat session token."""
    digest = hashlib.sha256(token.encode("ascii")).hexdigest()[:32]
    return namespaced(WEBCHAT, digest)


def slack_local_id(team: str | None, user: str, channel: str | None = None,
                   thread: str | None = None) -> str:
    """`<team>:<user>[:<channel>[:<thread>]]`, the part after `slack:`."""
    parts = [team or "-", user]
    if channel:
        parts.append(channel)
        if thread:
            parts.append(thread)
    return SEPARATOR.join(parts)


def slack_destination(sender_id: str) -> tuple[str, str | None]:
    """(channel or user to post to, thread ts) for a namespaced Slack sender id.

    A per-user conversation is answered in the user's direct messages; a per-channel or
    per-thread one in that channel (and thread). A foreign id is returned unchanged.
    """
    parts = local_part("slack", sender_id).split(SEPARATOR)
    if not sender_id.startswith("slack" + SEPARATOR) or len(parts) < 2:
        return sender_id, None
    if len(parts) >= 3:
        return parts[2], (parts[3] if len(parts) > 3 else None)
    return parts[1], None
