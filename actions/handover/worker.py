"""The background thread that drains the outbox inside the action server process.

    handle = start_outbox_worker()      # at server start
    handle.stop()                       # at shutdown (waits for the current send)

It drains every `HANDOVER_WORKER_INTERVAL_SECONDS`, and at once when something new is
queued. Several workers (threads, Sanic workers, a `drain` command) may run together:
claims are atomic, so each message is sent by one of them.
"""

from __future__ import annotations

import logging
import threading
import time

from actions.handover.service import HandoverService, get_service

logger = logging.getLogger(__name__)


class OutboxWorker:
    """A daemon thread calling `service.drain()` in a loop; stop it with `stop()`."""

    def __init__(self, service: HandoverService, *, interval: float | None = None,
                 batch: int = 50) -> None:
        self.service = service
        self.interval = interval if interval is not None else service.config.worker_interval_seconds
        self.batch = batch
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handover-outbox-worker", daemon=True)
        self.drains = 0  # completed drain passes, for tests and health checks

    def start(self) -> OutboxWorker:
        self.service.on_new_message(self.wake)
        self._thread.start()
        logger.info("handover outbox worker started (every %.1fs)", self.interval)
        return self

    def wake(self) -> None:
        """Drain now instead of at the next interval."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop after the current send; True when the thread ended within `timeout`."""
        self._stop.set()
        self._wake.set()
        self.service.remove_listener(self.wake)
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    __call__ = stop  # the handle itself can be called to stop

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                report = self.service.drain(max_messages=self.batch, sleep=self._stop.wait,
                                            keep_going=lambda: not self._stop.is_set())
                if report.total:
                    logger.info("outbox drain: %d sent, %d deferred, %d dead",
                                report.sent, report.deferred, report.failed)
                more = report.total >= self.batch
            except Exception:
                logger.exception("outbox drain failed; retrying in %.1fs", self.interval)
                more = False
            self.drains += 1
            if not more:
                self._wake.wait(self.interval)


def start_outbox_worker(service: HandoverService | None = None, *,
                        interval: float | None = None) -> OutboxWorker:
    """Start draining in a background thread; returns the handle whose `stop()` ends it."""
    return OutboxWorker(service or get_service(), interval=interval).start()


def run_forever(service: HandoverService | None = None, *, interval: float | None = None) -> None:
    """Drain in the foreground until interrupted (`python -m actions.handover drain --watch`)."""
    worker = start_outbox_worker(service, interval=interval)
    try:
        while worker.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop()
