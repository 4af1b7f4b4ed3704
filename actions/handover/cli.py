"""Command line for operators and for playing the agent without Zendesk.

    python -m actions.handover drain [--watch]         send what the outbox holds (once / forever)
    python -m actions.handover outbox status|list [--state dead]|retry [ID ...]|purge [--days 30]
    python -m actions.handover tickets list [--status S]
    python -m actions.handover tickets show CS-0000001
    python -m actions.handover tickets reply CS-0000001 "text"   (reaches the chat like a Zendesk reply)
    python -m actions.handover tickets solve CS-0000001          (hands the chat back to the bot)
    python -m actions.handover config                   (settings, secrets masked)

A `dead` outbox message can never be sent as it is (the receiver refused it for good, or the
same unexpected error happened twice): `outbox list` shows it with its last error; fix the
cause, then `outbox retry ID` puts it back in the queue.

`tickets` works on the local ticket table (used when ZENDESK_* is not set); `reply` and
`solve` go through the same path as the Zendesk webhook, so the chat gets the reply.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from actions.handover.config import ConfigError
from actions.handover.local_tickets import LocalTicketBackend
from actions.handover.messages import handover_reference
from actions.handover.service import HandoverService, get_service
from actions.handover.tickets import TicketEvent, format_ticket_number, parse_ticket_id
from actions.privacy import clean_text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m actions.handover", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    drain = commands.add_parser("drain", help="deliver pending handovers, comments and chat messages")
    drain.add_argument("--watch", action="store_true", help="keep draining until Ctrl-C")
    drain.add_argument("--max", type=int, default=500, help="most messages in one pass")

    outbox = commands.add_parser("outbox", help="inspect or requeue outbox messages")
    outbox.add_argument("action", choices=("status", "list", "retry", "purge"))
    outbox.add_argument("ids", nargs="*", type=int, help="message ids for retry (default: all dead)")
    outbox.add_argument("--state", action="append", help="filter list by state (repeatable)")
    outbox.add_argument("--days", type=float, default=30.0,
                        help="purge: delete sent messages older than this many days (default 30)")

    tickets = commands.add_parser("tickets", help="act as the agent on local tickets")
    tickets.add_argument("action", choices=("list", "show", "reply", "solve"))
    tickets.add_argument("ticket", nargs="?", help="ticket number, e.g. CS-0000001")
    tickets.add_argument("text", nargs="?", help="reply text (for reply)")
    tickets.add_argument("--status", help="filter list by status")
    tickets.add_argument("--internal", action="store_true", help="reply as an internal note")

    commands.add_parser("config", help="show the handover settings (secrets masked)")
    return parser


def main(argv: Sequence[str] | None = None, *, service: HandoverService | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        service = service or get_service()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "drain":
        return _drain(service, args)
    if args.command == "outbox":
        return _outbox(service, args)
    if args.command == "tickets":
        return _tickets(service, args)
    print(json.dumps(service.config.describe(), indent=2))
    return 0


def _drain(service: HandoverService, args: argparse.Namespace) -> int:
    if args.watch:
        from actions.handover.worker import run_forever

        run_forever(service)
        return 0
    report = service.drain(max_messages=args.max)
    counts = service.outbox.counts()
    print(f"sent {report.sent}, deferred {report.deferred}, dead {report.failed}; "
          f"outbox now: {json.dumps(counts, sort_keys=True)}")
    return 0 if report.failed == 0 else 1


def _outbox(service: HandoverService, args: argparse.Namespace) -> int:
    if args.action == "status":
        print(json.dumps(service.outbox.counts(), sort_keys=True))
        return 0
    if args.action == "list":
        dead = service.dead_messages(limit=1000)
        if dead:
            print(f"{len(dead)} dead message(s), never retried by themselves: fix the cause, then "
                  f"`python -m actions.handover outbox retry {' '.join(str(r.id) for r in dead[:10])}`")
        for row in service.outbox.rows(states=args.state):
            error = f"  last error: {row.last_error}" if row.last_error else ""
            print(f"{row.id:>6}  {row.state:<8} {row.kind:<20} handover {row.handover_id} "
                  f"({handover_reference(row.handover_id)}) attempts {row.attempts} "
                  f"created {row.created_at:%Y-%m-%d %H:%M:%S}{error}")
        return 0
    if args.action == "purge":
        count = service.outbox.purge_sent(older_than_days=args.days)
        print(f"deleted {count} sent message(s) older than {args.days:g} days")
        return 0
    count = service.requeue(args.ids or None)
    print(f"requeued {count} dead message(s); the action server's worker (or "
          "`python -m actions.handover drain`) sends them")
    return 0 if count or not args.ids else 1


def _tickets(service: HandoverService, args: argparse.Namespace) -> int:
    backend = service.backend
    if not isinstance(backend, LocalTicketBackend):
        print("Zendesk is configured (ZENDESK_*): work on tickets in Zendesk; local tickets are "
              "not used.", file=sys.stderr)
        return 2
    if args.action == "list":
        tickets = backend.list_tickets(status=args.status)
        if not tickets:
            print("no local tickets")
        for t in tickets:
            print(f"{t.ticket_number}  {t.status:<8} {t.priority:<7} {t.created_at:%Y-%m-%d %H:%M}  "
                  f"{t.requester_email or '-':<30} {t.subject}")
        return 0
    ticket_id = parse_ticket_id(clean_text(args.ticket)) if args.ticket else None
    if ticket_id is None:
        print("give a ticket number, e.g. CS-0000001", file=sys.stderr)
        return 2
    ticket = backend.ticket(ticket_id)
    if ticket is None:
        print(f"no local ticket {format_ticket_number(ticket_id)}", file=sys.stderr)
        return 1
    if args.action == "show":
        print(f"{ticket.ticket_number}  [{ticket.status}, {ticket.priority}]  {ticket.subject}")
        print(f"requester: {ticket.requester_name or '-'} <{ticket.requester_email or '-'}>")
        print(f"tags: {', '.join(ticket.tags)}\n\n{ticket.description}")
        for c in ticket.comments:
            kind = "" if c.public else " (internal)"
            print(f"\n--- {c.author_role}{kind}, {c.created_at:%Y-%m-%d %H:%M:%S}\n{c.body}")
        return 0
    if args.action == "reply":
        text = clean_text(args.text).strip()  # argv may hold undecodable bytes as surrogates
        if not text:
            print('give the reply text: tickets reply CS-0000001 "text"', file=sys.stderr)
            return 2
        backend.add_agent_reply(ticket_id, text, public=not args.internal)
        current = backend.ticket(ticket_id)
        event = TicketEvent(ticket_id=ticket_id, event="comment", status=current.status if current else None,
                            comment_body=text, comment_public=not args.internal,
                            author_role="agent")
    else:  # solve
        backend.set_status(ticket_id, "solved")
        event = TicketEvent(ticket_id=ticket_id, event="status", status="solved")
    result = service.process_ticket_event(event)
    print(f"{ticket.ticket_number}: {args.action} saved; chat: {_describe(service, result)}")
    return 0


def _describe(service: HandoverService, result: dict) -> str:
    if result.get("result") != "accepted":
        return f"nothing sent ({result.get('why', result.get('result'))})"
    if result.get("delivered"):
        return "delivered to the conversation"
    return (f"queued (Rasa at {service.config.rasa_url} did not take it yet; the action "
            "server's outbox worker, or `python -m actions.handover drain`, will retry)")
