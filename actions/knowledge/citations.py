"""The line that cites an answer's help-center articles: titles as Markdown links.

    Source: [Return Policy](https://help.example.com/return-policy)
    Sources: [Return Policy](…); [Refund Processing Times](…)

An article without an address is cited by its title alone. Channels that can't show Markdown
links turn them into their own form (`channels/links.py`).
"""

from __future__ import annotations

from collections.abc import Iterable

from actions.knowledge.passages import Passage


def _escape(title: str) -> str:
    return title.replace("[", "(").replace("]", ")")


def citation(passage: Passage) -> str:
    """'[Title](url)', or the bare title when the article has no address."""
    title = _escape(passage.title)
    return f"[{title}]({passage.url})" if passage.url else title


def source_line(passages: Iterable[Passage]) -> str:
    """One entry per article, in the order given."""
    entries: dict[str, str] = {}
    for passage in passages:
        entries.setdefault(passage.article_id, citation(passage))
    label = "Sources" if len(entries) > 1 else "Source"
    return f"{label}: " + "; ".join(entries.values())
