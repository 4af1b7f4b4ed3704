"""Tracker snapshots as the action server receives them, for fast action tests."""

from __future__ import annotations

from rasa_sdk import Tracker


def tracker_snapshot(text: str, intent: str, *, slots: dict | None = None, form: str | None = None,
                     entities: list[dict] | None = None, earlier: list[str] = ()) -> Tracker:
    """The tracker after the user said `text` (classified as `intent`), after `earlier` intents."""
    events = [{"event": "user", "text": f"earlier {name}", "parse_data": {"intent": {"name": name}}}
              for name in earlier]
    events.append({"event": "user", "text": text,
                   "parse_data": {"intent": {"name": intent}, "entities": entities or []}})
    return Tracker.from_dict({
        "sender_id": "rest:test", "slots": slots or {},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.95},
                           "entities": entities or []},
        "events": events, "paused": False, "followup_action": None,
        "active_loop": {"name": form} if form else {}, "latest_action_name": "action_listen",
    })
