"""Chat with the running assistant in a terminal, through its REST channel.

Usage: python scripts/chat.py [--url http://127.0.0.1:5005] [--sender NAME]
Buttons are shown numbered; type the number to press one. /quit or Ctrl-D ends the chat.
RASA_TOKEN, when set in the environment, is sent as `Authorization: Bearer` (`make chat` sets it).
"""

from __future__ import annotations

import argparse
import os
import uuid

import requests


def auth_headers() -> dict[str, str]:
    """`Authorization: Bearer $RASA_TOKEN` when RASA_TOKEN is set (the REST channel then requires it)."""
    token = os.environ.get("RASA_TOKEN", "").strip()
    return {"Authorization": f"Bearer {token}"} if token else {}


def send(url: str, sender: str, message: str) -> list[dict]:
    response = requests.post(f"{url}/webhooks/rest/webhook", headers=auth_headers(),
                             json={"sender": sender, "message": message}, timeout=120)
    response.raise_for_status()
    return response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--sender", default=f"terminal-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args()
    print("Chat with the Northwind assistant. /quit or Ctrl-D to end.\n")
    buttons: list[dict] = []
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            break
        if text in ("/quit", "/exit"):
            break
        if not text:
            continue
        if text.isdigit() and buttons and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            replies = send(args.url, args.sender, text)
        except requests.RequestException as exc:
            print(f"(could not reach the assistant at {args.url}: {exc})")
            continue
        buttons = []
        for reply in replies:
            if reply.get("text"):
                print(f"bot> {reply['text']}")
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"     [{len(buttons)}] {button['title']}")


if __name__ == "__main__":
    main()
