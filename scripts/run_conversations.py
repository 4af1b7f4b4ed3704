"""Replay the scripted test conversations through a running Rasa server's REST channel.

Usage: python scripts/run_conversations.py [--url http://127.0.0.1:5005] [--only C04,C10] [--file PATH]
RASA_TOKEN, when set in the environment, is sent as `Authorization: Bearer`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import uuid
from pathlib import Path
from typing import TypedDict

import requests

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FILE = REPO.parent / "shared" / "eval" / "conversations.md"

HEADING = re.compile(r"^##\s+(C\d+)\s*[-–]\s*(.*)$")
USER_TURN = re.compile(r'^\s*(\d+)\.\s*User:\s*"(.*)"\s*$')
EXPECTED_START = re.compile(r"^\s*\[Expected:\s*(.*)$")


class Turn(TypedDict):
    number: str
    user: str
    expected: str


class Conversation(TypedDict):
    id: str
    title: str
    turns: list[Turn]


def parse_conversations(text: str) -> list[Conversation]:
    """Return [{"id", "title", "turns": [{"number", "user", "expected"}]}] in file order."""
    conversations: list[Conversation] = []
    turns: list[Turn] = []
    expected_lines: list[str] | None = None
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            turns = []
            conversations.append({"id": heading.group(1), "title": heading.group(2).strip(), "turns": turns})
            expected_lines = None
            continue
        if not conversations:
            continue
        if expected_lines is not None:  # continuation of a multi-line [Expected: ...]
            expected_lines.append(line.strip())
            if line.rstrip().endswith("]"):
                turns[-1]["expected"] = _join_expected(expected_lines)
                expected_lines = None
            continue
        user = USER_TURN.match(line)
        if user:
            turns.append({"number": user.group(1), "user": user.group(2), "expected": ""})
            continue
        start = EXPECTED_START.match(line)
        if start and turns:
            expected_lines = [start.group(1).strip()]
            if line.rstrip().endswith("]"):
                turns[-1]["expected"] = _join_expected(expected_lines)
                expected_lines = None
    return conversations


def _join_expected(lines: list[str]) -> str:
    return " ".join(part for part in lines if part).removesuffix("]").strip()


def auth_headers() -> dict[str, str]:
    """`Authorization: Bearer $RASA_TOKEN` when RASA_TOKEN is set (the REST channel then requires it)."""
    token = os.environ.get("RASA_TOKEN", "").strip()
    return {"Authorization": f"Bearer {token}"} if token else {}


def send(url: str, sender: str, message: str) -> list[dict]:
    response = requests.post(f"{url}/webhooks/rest/webhook", headers=auth_headers(),
                             json={"sender": sender, "message": message}, timeout=180)
    response.raise_for_status()
    return response.json()


def format_replies(replies: list[dict]) -> list[str]:
    lines: list[str] = []
    for reply in replies:
        if reply.get("text"):
            text_lines = str(reply["text"]).splitlines() or [""]
            lines.append(f"   bot> {text_lines[0]}")
            lines.extend(f"        {extra}" for extra in text_lines[1:])
        for button in reply.get("buttons") or []:
            lines.append(f"        [button] {button.get('title', '')}  ({button.get('payload', '')})")
        if reply.get("image"):
            lines.append(f"        [image] {reply['image']}")
        if reply.get("custom"):
            lines.append(f"        [custom] {reply['custom']}")
    if not lines:
        lines.append("   bot> (no reply)")
    return lines


def run_conversation(url: str, conversation: Conversation) -> None:
    sender = f"eval-{conversation['id']}-{uuid.uuid4().hex[:8]}"
    print("=" * 100)
    print(f"{conversation['id']} - {conversation['title']}   (sender {sender})")
    print("=" * 100)
    for turn in conversation["turns"]:
        print(f"\n{turn['number']}. user> {turn['user']}")
        print(f"   expected: {turn['expected']}")
        try:
            replies = send(url, sender, turn["user"])
        except requests.RequestException as exc:
            print(f"   (request failed: {exc})")
            continue
        print("\n".join(format_replies(replies)))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="Rasa server base URL")
    parser.add_argument("--only", default="", help="comma-separated conversation ids, e.g. C04,C10")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="conversations markdown file")
    args = parser.parse_args()

    conversations = parse_conversations(args.file.read_text(encoding="utf-8"))
    if args.only:
        wanted = {part.strip().upper() for part in args.only.split(",") if part.strip()}
        unknown = wanted - {c["id"] for c in conversations}
        if unknown:
            sys.exit(f"unknown conversation id(s): {', '.join(sorted(unknown))}")
        conversations = [c for c in conversations if c["id"] in wanted]
    url = args.url.rstrip("/")
    for conversation in conversations:
        run_conversation(url, conversation)


if __name__ == "__main__":
    main()
