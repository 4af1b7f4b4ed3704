"""Markdown links in our messages ("Source: [Return Policy](https://…)") in each channel's form.

Answers cite articles as Markdown links. The web chat draws them as links itself; Slack wants
`<url|title>`, and Telegram (plain text, which it links by itself) gets "title (url)".
Only http(s) addresses are links; anything else stays text as it is.
"""

from __future__ import annotations

import re

MARKDOWN_LINK_RE = re.compile(r"\[([^\[\]\n]{1,200})\]\((https?://[^\s()<>]{1,2000})\)")


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_slack(text: str) -> str:
    """'[Title](url)' -> '<url|Title>' (Slack's mrkdwn link), with the title escaped."""
    return MARKDOWN_LINK_RE.sub(lambda m: f"<{m.group(2)}|{_slack_escape(m.group(1)).replace('|', '/')}>", text)


def to_plain(text: str) -> str:
    """'[Title](url)' -> 'Title (url)'."""
    return MARKDOWN_LINK_RE.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
