"""What the channels need from domain.yml, read once at start-up.

- the replies the channels send themselves (`utter_message_too_long`,
  `utter_assistant_unavailable`, and the two about a second request in one message), so their
  wording stays in domain.yml;
- the intents, and the button payloads we send (the only slash commands allowed to carry
  entities). Payload braces are doubled in domain.yml (`{{ }}`) because Rasa fills `{slot}`
  placeholders; they are sent with single braces, so that is what we compare against.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DOMAIN = Path(__file__).resolve().parents[1] / "domain.yml"
TOO_LONG = "utter_message_too_long"
UNAVAILABLE = "utter_assistant_unavailable"
QUEUED = "utter_other_request_queued"
NEXT = "utter_other_request_next"


@dataclass(frozen=True)
class DomainRules:
    """Replies and slash-command rules taken from the domain."""

    too_long: str
    unavailable: str
    queued: str  # a second request in one message waits for the first one's flow
    next: str  # ... and its turn has come
    intents: frozenset[str]
    button_payloads: frozenset[str]


def _first_text(responses: dict[str, Any], name: str) -> str:
    variations = responses.get(name) or []
    for variation in variations:
        if isinstance(variation, dict) and variation.get("text"):
            return str(variation["text"])
    raise ValueError(f"domain.yml has no text for the response {name!r}; the channels need it")


def _rendered(payload: str) -> str:
    """The payload as Rasa sends it: `{{` and `}}` become single braces."""
    return payload.replace("{{", "{").replace("}}", "}")


def _button_payloads(responses: dict[str, Any]) -> frozenset[str]:
    payloads = set()
    for variations in responses.values():
        for variation in variations or []:
            for button in (variation or {}).get("buttons") or []:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    payloads.add(_rendered(button["payload"]).strip())
    return frozenset(payloads)


def _intent_names(intents: list[Any]) -> frozenset[str]:
    names = set()
    for intent in intents or []:
        names.update(intent.keys() if isinstance(intent, dict) else [str(intent)])
    return frozenset(names)


@lru_cache(maxsize=4)
def load_rules(path: Path = DOMAIN) -> DomainRules:
    """Read `path` (default: the repository's domain.yml); raises if a needed response is missing."""
    domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    responses = domain.get("responses") or {}
    return DomainRules(
        too_long=_first_text(responses, TOO_LONG),
        unavailable=_first_text(responses, UNAVAILABLE),
        queued=_first_text(responses, QUEUED),
        next=_first_text(responses, NEXT),
        intents=_intent_names(domain.get("intents") or []),
        button_payloads=_button_payloads(responses),
    )
