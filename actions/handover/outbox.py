"""The durable outbox: every ticket, comment and chat message is stored here before it is sent.

Delivery is at-least-once from the outbox's point of view and exactly-once end to end thanks
to idempotency keys: each message carries one key for its whole life, and receivers
(Zendesk, the local ticket table) return the first result when a key repeats.

Claiming is a single conditional UPDATE (`pending` and due, or `sending` with an expired
lease), so two drainers, threads or processes, never send the same message at the same time.
Messages of one handover and target (`tickets` or `chat`) go out in order: a message waits
while an older one of the same handover and target is pending or being sent.

A message that can never be sent goes to `dead`: the receiver rejected it for good (a
non-retryable `DeliveryError`), or the same unexpected exception happened twice in a row. Dead
messages are never retried by themselves; the operator sees them in the log and in
`python -m actions.handover outbox list`, fixes the cause and runs `outbox retry ID`.

Recovery after an outage: back-off delays are capped (`HANDOVER_RETRY_MAX_SECONDS`), a failing
target is probed with one message per drain, and the first success releases every message
waiting on that target's back-off, so the backlog goes out at once.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased, sessionmaker

from actions.handover.config import HandoverConfig
from actions.handover.errors import (
    ConfigurationProblem,
    DeliveryError,
    RateLimited,
)
from actions.handover.models import OutboxRow, utcnow
from actions.privacy import clean_text

logger = logging.getLogger(__name__)
operator_log = logging.getLogger("actions.handover.operator")

MAX_RETRY_AFTER_SECONDS = 3600.0  # sanity bound for a broken Retry-After header
DEAD = "dead"
RETRYABLE_STATES = (DEAD, "failed")  # "failed": rows rejected before the dead state existed
UNEXPECTED_PREFIX = "unexpected "  # last_error of a row that raised an unexpected exception
# Unexpected exceptions that say nothing about the message itself: never make a row dead.
TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (OperationalError, OSError, TimeoutError)


@dataclass(frozen=True)
class OutboxMessage:
    """A claimed message; `claim_token` proves the claim when recording the result."""

    id: int
    handover_id: str
    target: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int
    created_at: datetime
    first_attempt_at: datetime | None
    claim_token: str
    last_error: str | None = None


@dataclass(frozen=True)
class Delivered:
    """A successful send: `result` is stored on the row, `on_sent` runs in the same transaction."""

    result: dict[str, Any]
    on_sent: Callable[[Session], None] | None = None


Deliver = Callable[[OutboxMessage, float], Delivered]


@dataclass
class DrainReport:
    sent: int = 0
    deferred: int = 0  # failed for now, left pending for a later drain
    failed: int = 0  # dead: can never be sent as it is; needs an operator
    released: int = 0  # messages freed from their back-off when a failing target recovered
    skipped_targets: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.sent + self.deferred + self.failed


class TargetHealth:
    """What this process knows about each receiver: rate-limit pauses and rejected credentials.

    Credentials do not change while the process runs (configuration is read at start), so a
    credentials block lasts until restart; messages stay pending meanwhile.
    """

    def __init__(self) -> None:
        self._paused_until: dict[str, float] = {}
        self._blocked: dict[str, str] = {}
        self._last_reminder: dict[str, float] = {}
        self._failures: dict[str, int] = {}

    def failed(self, target: str) -> int:
        """Record a temporary failure; returns how many in a row (the target's back-off step)."""
        self._failures[target] = self._failures.get(target, 0) + 1
        return self._failures[target]

    def succeeded(self, target: str) -> bool:
        """Record a success; True when the target was failing until now (it recovered)."""
        self._paused_until.pop(target, None)
        return self._failures.pop(target, 0) > 0

    def failing(self, target: str) -> bool:
        return self._failures.get(target, 0) > 0

    def pause(self, target: str, seconds: float) -> None:
        until = time.monotonic() + max(0.0, seconds)
        self._paused_until[target] = max(self._paused_until.get(target, 0.0), until)

    def paused_for(self, target: str) -> float:
        return max(0.0, self._paused_until.get(target, 0.0) - time.monotonic())

    def block(self, target: str, reason: str) -> None:
        self._blocked[target] = reason

    def blocked_reason(self, target: str) -> str | None:
        return self._blocked.get(target)

    def available(self, target: str) -> bool:
        return target not in self._blocked and self.paused_for(target) == 0.0

    def remind(self, target: str, every: float = 900.0) -> bool:
        """True at most once per `every` seconds per target (for repeated operator warnings)."""
        now = time.monotonic()
        if now - self._last_reminder.get(target, -every) >= every:
            self._last_reminder[target] = now
            return True
        return False


@dataclass(frozen=True)
class RetryPolicy:
    attempts_per_drain: int = 3
    base_seconds: float = 1.0
    max_seconds: float = 30.0
    max_inline_wait_seconds: float = 10.0

    @classmethod
    def from_config(cls, config: HandoverConfig) -> RetryPolicy:
        return cls(config.attempts_per_drain, config.retry_base_seconds,
                   config.retry_max_seconds, config.max_inline_wait_seconds)

    def delay(self, attempts: int) -> float:
        """Exponential back-off with jitter after `attempts` failed tries (1, 2, 3, ...),
        never more than `max_seconds`."""
        ceiling = min(self.max_seconds, self.base_seconds * (2 ** min(max(0, attempts - 1), 60)))
        return ceiling * random.uniform(0.5, 1.0)


class Outbox:
    """Storage operations on `handover_outbox`."""

    def __init__(self, sessions: sessionmaker, *, lease_seconds: float = 120.0) -> None:
        self._sessions = sessions
        self.lease_seconds = lease_seconds

    @staticmethod
    def enqueue(session: Session, *, handover_id: str, target: str, kind: str,
                payload: dict[str, Any], idempotency_key: str) -> OutboxRow:
        """Add a message inside the caller's transaction (commit makes it durable)."""
        row = OutboxRow(handover_id=handover_id, target=target, kind=kind, payload=payload,
                        idempotency_key=idempotency_key, state="pending", attempts=0,
                        next_attempt_at=utcnow())
        session.add(row)
        session.flush()
        return row

    # --- claiming ---------------------------------------------------------------------------

    @staticmethod
    def _due(now: datetime):
        return or_(
            and_(OutboxRow.state == "pending", OutboxRow.next_attempt_at <= now),
            and_(OutboxRow.state == "sending", OutboxRow.claim_expires_at < now),
        )

    @staticmethod
    def _not_behind_older():
        older = aliased(OutboxRow)
        return ~exists().where(
            older.handover_id == OutboxRow.handover_id,
            older.target == OutboxRow.target,
            older.id < OutboxRow.id,
            older.state.in_(("pending", "sending")),
        )

    def claim_next(self, *, exclude_targets: Iterable[str] = (), only_ids: Iterable[int] | None = None,
                   only_handover: str | None = None) -> OutboxMessage | None:
        """Claim the oldest due message (optionally among `only_ids`), or None."""
        exclude = list(exclude_targets)
        for _ in range(5):  # lost races: another drainer took the candidate; look again
            now = utcnow()
            with self._sessions() as session:
                query = (select(OutboxRow.id).where(self._due(now), self._not_behind_older())
                         .order_by(OutboxRow.id).limit(1))
                if exclude:
                    query = query.where(OutboxRow.target.not_in(exclude))
                if only_ids is not None:
                    query = query.where(OutboxRow.id.in_(list(only_ids)))
                if only_handover is not None:
                    query = query.where(OutboxRow.handover_id == only_handover)
                candidate = session.scalar(query)
            if candidate is None:
                return None
            claimed = self.claim(candidate)
            if claimed is not None:
                return claimed
        return None

    def claim(self, message_id: int) -> OutboxMessage | None:
        """Atomically claim one message if it is due and not behind an older one."""
        now = utcnow()
        token = uuid.uuid4().hex
        with self._sessions.begin() as session:
            result = session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == message_id, self._due(now), self._not_behind_older())
                .values(state="sending", claimed_by=token,
                        claim_expires_at=now + timedelta(seconds=self.lease_seconds),
                        first_attempt_at=func.coalesce(OutboxRow.first_attempt_at, now))
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                return None
            row = session.get(OutboxRow, message_id)
            return OutboxMessage(row.id, row.handover_id, row.target, row.kind, dict(row.payload or {}),
                                 row.idempotency_key, row.attempts, row.created_at,
                                 row.first_attempt_at, token, row.last_error)

    def extend(self, message: OutboxMessage) -> None:
        """Renew the lease while a drainer is still working on the message."""
        with self._sessions.begin() as session:
            session.execute(update(OutboxRow)
                            .where(OutboxRow.id == message.id, OutboxRow.claimed_by == message.claim_token)
                            .values(claim_expires_at=utcnow() + timedelta(seconds=self.lease_seconds))
                            .execution_options(synchronize_session=False))

    # --- results ----------------------------------------------------------------------------

    def mark_sent(self, message: OutboxMessage, attempts: int, delivered: Delivered) -> None:
        with self._sessions.begin() as session:
            session.execute(update(OutboxRow)
                            .where(OutboxRow.id == message.id, OutboxRow.state != "sent")
                            .values(state="sent", sent_at=utcnow(), result=delivered.result,
                                    attempts=OutboxRow.attempts + attempts, last_error=None,
                                    claimed_by=None, claim_expires_at=None)
                            .execution_options(synchronize_session=False))
            if delivered.on_sent is not None:
                delivered.on_sent(session)

    def mark_retry(self, message: OutboxMessage, attempts: int, error: str, delay: float) -> None:
        """Back to `pending`, due again after `delay` seconds."""
        self._release(message, attempts, error, "pending", delay)

    def mark_dead(self, message: OutboxMessage, attempts: int, error: str,
                  on_dead: Callable[[Session], None] | None = None) -> None:
        """The message can never be sent as it is: keep it, but never retry it by itself."""
        self._release(message, attempts, error, DEAD, 0.0, on_dead)

    def release_backoff(self, target: str) -> int:
        """Make every pending message of `target` due now (the target has recovered)."""
        now = utcnow()
        with self._sessions.begin() as session:
            result = session.execute(
                update(OutboxRow)
                .where(OutboxRow.target == target, OutboxRow.state == "pending",
                       OutboxRow.next_attempt_at > now)
                .values(next_attempt_at=now)
                .execution_options(synchronize_session=False))
            return result.rowcount

    def _release(self, message: OutboxMessage, attempts: int, error: str, state: str, delay: float,
                 also: Callable[[Session], None] | None = None) -> None:
        with self._sessions.begin() as session:
            result = session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == message.id, OutboxRow.claimed_by == message.claim_token)
                .values(state=state, attempts=OutboxRow.attempts + attempts,
                        last_error=clean_text(error)[:2000],
                        next_attempt_at=utcnow() + timedelta(seconds=delay),
                        claimed_by=None, claim_expires_at=None)
                .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                logger.warning("outbox message %s was taken over by another drainer", message.id)
                return
            if also is not None:
                also(session)

    # --- inspection and operator actions -------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._sessions() as session:
            rows = session.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state))
            return {state: count for state, count in rows}

    def rows(self, *, states: Iterable[str] | None = None, limit: int = 50) -> list[OutboxRow]:
        with self._sessions() as session:
            query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
            if states:
                query = query.where(OutboxRow.state.in_(list(states)))
            return list(session.scalars(query))

    def purge_sent(self, *, older_than_days: float = 30.0) -> int:
        """Delete delivered messages (they hold transcripts) and old webhook dedupe keys."""
        from actions.handover.models import WebhookEventRow

        cutoff = utcnow() - timedelta(days=older_than_days)
        with self._sessions.begin() as session:
            result = session.execute(delete(OutboxRow).where(OutboxRow.state == "sent",
                                                             OutboxRow.sent_at < cutoff))
            session.execute(delete(WebhookEventRow).where(WebhookEventRow.received_at < cutoff))
            return result.rowcount

    def requeue(self, ids: Iterable[int] | None = None,
                also: Callable[[Session, list[int]], None] | None = None) -> int:
        """Put dead messages (all, or `ids`) back to pending; returns how many.

        `also(session, requeued_ids)` runs in the same transaction (the service uses it to
        reopen a handover whose ticket creation had died)."""
        with self._sessions.begin() as session:
            query = select(OutboxRow.id).where(OutboxRow.state.in_(RETRYABLE_STATES))
            if ids is not None:
                query = query.where(OutboxRow.id.in_(list(ids)))
            chosen = list(session.scalars(query))
            if not chosen:
                return 0
            result = session.execute(
                update(OutboxRow).where(OutboxRow.id.in_(chosen),
                                        OutboxRow.state.in_(RETRYABLE_STATES))
                .values(state="pending", next_attempt_at=utcnow())
                .execution_options(synchronize_session=False))
            if also is not None:
                also(session, chosen)
            return result.rowcount


def drain(
    outbox: Outbox,
    deliver: Deliver,
    *,
    policy: RetryPolicy,
    health: TargetHealth,
    http_timeout: float,
    deadline: float | None = None,
    max_messages: int = 500,
    only_ids: Iterable[int] | None = None,
    only_handover: str | None = None,
    on_rejected: Callable[[OutboxMessage, DeliveryError], Callable[[Session], None] | None] | None = None,
    sleep: Callable[[float], Any] = time.sleep,
    keep_going: Callable[[], bool] | None = None,
) -> DrainReport:
    """Send due messages until none is left, `max_messages` were handled, `deadline`
    (a `time.monotonic()` value) passes or `keep_going()` is false. Never raises for
    delivery problems."""
    report = DrainReport()
    only = list(only_ids) if only_ids is not None else None
    while report.total < max_messages:
        if deadline is not None and time.monotonic() >= deadline:
            break
        if keep_going is not None and not keep_going():
            break
        skip = set(report.skipped_targets) | {t for t in ("tickets", "chat") if not health.available(t)}
        message = outbox.claim_next(exclude_targets=skip, only_ids=only, only_handover=only_handover)
        if message is None:
            break
        _deliver_one(outbox, deliver, message, policy=policy, health=health, http_timeout=http_timeout,
                     deadline=deadline, report=report, on_rejected=on_rejected, sleep=sleep)
    return report


def _deliver_one(outbox: Outbox, deliver: Deliver, message: OutboxMessage, *, policy: RetryPolicy,
                 health: TargetHealth, http_timeout: float, deadline: float | None,
                 report: DrainReport, on_rejected: Any, sleep: Callable[[float], Any]) -> None:
    attempts = 0
    while True:
        timeout = http_timeout
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
            if timeout <= 0.05:
                outbox.mark_retry(message, attempts, "time budget used up before sending", 0.0)
                report.deferred += 1
                return
        attempts += 1
        try:  # the receiver sees how many tries came before (to check for an unseen success)
            delivered = deliver(replace(message, attempts=message.attempts + attempts - 1), timeout)
        except RateLimited as exc:
            wait = min(exc.retry_after, MAX_RETRY_AFTER_SECONDS)  # honoured, not shortened
            health.pause(message.target, wait)
            if _can_wait(wait, attempts, policy, deadline):
                sleep(wait)
                outbox.extend(message)
                continue
            _defer(outbox, message, attempts, str(exc), wait, report)
            return
        except ConfigurationProblem as exc:
            health.block(message.target, str(exc))
            operator_log.error(
                "%s. Nothing was retried; message %s (%s) and every later one stay saved in the "
                "outbox and are sent once %s are fixed and the action server is restarted "
                "(or run `python -m actions.handover drain`).",
                exc, message.id, message.kind, exc.variables or "the credentials")
            _defer(outbox, message, attempts, str(exc), 0.0, report)
            return
        except DeliveryError as exc:
            if not exc.retryable:  # RequestRejected and any other refusal for good
                _kill(outbox, message, attempts, str(exc), report, on_rejected, exc)
                return
            delay = policy.delay(message.attempts + attempts)
            if attempts < policy.attempts_per_drain and _can_wait(delay, attempts, policy, deadline):
                logger.info("%s; retrying message %s in %.2fs", exc, message.id, delay)
                sleep(delay)
                outbox.extend(message)
                continue
            delay = policy.delay(health.failed(message.target))  # one back-off per target, capped
            logger.warning("%s; message %s stays pending (next try in %.2fs)", exc, message.id, delay)
            health.pause(message.target, delay)
            _defer(outbox, message, attempts, str(exc), delay, report)
            return
        except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded and retried
            error = clean_text(f"{UNEXPECTED_PREFIX}{type(exc).__name__}: {exc}")[:500]
            if isinstance(exc, TRANSIENT_EXCEPTIONS):
                logger.warning("message %s: %s; stays pending", message.id, error)
                _defer(outbox, message, attempts, error, policy.delay(message.attempts + attempts),
                       report)
                return
            if _repeats(message.last_error, exc):
                _kill(outbox, message, attempts, error + " (twice in a row)", report, on_rejected, None)
                return
            logger.error("unexpected error delivering outbox message %s: %s", message.id, error,
                         exc_info=exc)
            _defer(outbox, message, attempts, error, policy.delay(message.attempts + attempts), report)
            return
        outbox.mark_sent(message, attempts, delivered)
        report.sent += 1
        health.succeeded(message.target)
        # The receiver works: whatever waits on a back-off for it (set by this or another
        # process during an outage) is due now, and this drain sends it at once.
        released = outbox.release_backoff(message.target)
        if released:
            logger.info("%s reachable again: %d waiting message(s) sent now instead of after "
                        "their back-off", message.target, released)
            report.released += released
        return


def _repeats(last_error: str | None, exc: Exception) -> bool:
    """True when the message's previous try ended in the same unexpected exception type."""
    return bool(last_error) and last_error.startswith(f"{UNEXPECTED_PREFIX}{type(exc).__name__}:")


def _kill(outbox: Outbox, message: OutboxMessage, attempts: int, error: str, report: DrainReport,
          on_rejected: Any, exc: DeliveryError | None) -> None:
    """Move a message that can never be sent to `dead`, and tell the operator."""
    also = on_rejected(message, exc) if on_rejected else None
    operator_log.error(
        "%s. Outbox message %s (%s, handover %s) is dead and will not be retried; fix the cause, "
        "then `python -m actions.handover outbox retry %s`.",
        error, message.id, message.kind, message.handover_id, message.id)
    outbox.mark_dead(message, attempts, error, also)
    report.failed += 1


def _can_wait(seconds: float, attempts: int, policy: RetryPolicy, deadline: float | None) -> bool:
    if attempts >= policy.attempts_per_drain or seconds > policy.max_inline_wait_seconds:
        return False
    return deadline is None or time.monotonic() + seconds < deadline - 0.2


def _defer(outbox: Outbox, message: OutboxMessage, attempts: int, error: str, delay: float,
           report: DrainReport) -> None:
    outbox.mark_retry(message, attempts, error, delay)
    report.deferred += 1
    report.skipped_targets.add(message.target)
