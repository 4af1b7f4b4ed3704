"""The action server: rasa-sdk's app with our actions, the handover webhook and outbox worker, and
the web chat widget with its demo page (`actions.webchat`).

Run `ACTION_SERVER_TOKEN=... python -m actions.server --port 5055`. One process: the embedded
Qdrant folder and the models are opened once, lazily, inside it.

Rasa's calls (`/webhook`, `/actions`) need the shared token; the widget, help pages, `/health`
and the signed Zendesk webhook are public (`actions.security.access`). Without
`ACTION_SERVER_TOKEN` the server refuses to start.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from functools import partial

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from actions.security.access import protect
from actions.security.config import ConfigError, SecurityConfig
from actions.webchat import add_webchat_routes

logger = logging.getLogger("actions.server")

ACTIONS_PACKAGE = "actions.dialogue"


def build_app(security: SecurityConfig | None = None) -> Sanic:
    """The action server app; raises `ConfigError` (naming the variable) for bad settings."""
    security = security or SecurityConfig.from_env()
    executor = ActionExecutor()
    executor.register_package(ACTIONS_PACKAGE)
    app = create_app(executor, cors_origins=list(security.webchat_origins))
    protect(app, security)
    _add_handover(app)
    add_webchat_routes(app)

    warming = os.environ.get("HELPDESK_WARM_UP", "1") != "0"
    warmed_up = threading.Event()  # set when the warm-up has loaded the models (or failed, or is off)
    if not warming:
        warmed_up.set()

    @app.after_server_start
    async def _warm_up(app: Sanic) -> None:
        if warming:
            threading.Thread(target=_load_models, args=(warmed_up,), name="warm-up", daemon=True).start()

    @app.on_request
    async def _not_ready_while_warming_up(request: Request) -> HTTPResponse | None:
        """/health answers 503 until the models are loaded, so a load balancer (or a test)
        sends the first question only when it will be answered at full speed."""
        if request.path == "/health" and not warmed_up.is_set():
            return json_response({"status": "warming up"}, status=503)
        return None

    return app


def _add_handover(app: Sanic) -> None:
    """Mount the Zendesk webhook and run the outbox worker inside this process.

    With an LLM configured, it writes the handover summary (the rule-based one is the fallback).
    """
    from actions.handover.service import configure, get_service
    from actions.handover.webhook import add_webhook_routes
    from actions.handover.worker import start_outbox_worker
    from actions.llm import get_llm, summarize_handover

    llm = get_llm()
    if llm is not None:
        timeout = get_service().config.summary_timeout_seconds
        configure(summarizer=partial(summarize_handover, llm, timeout=timeout))

    add_webhook_routes(app)
    handles: list = []

    @app.after_server_start
    async def _start_worker(app: Sanic) -> None:
        handles.append(start_outbox_worker())

    @app.before_server_stop
    async def _stop_worker(app: Sanic) -> None:
        for stop in handles:
            stop()


def _load_models(done: threading.Event) -> None:
    """Open the knowledge base (and the LLM when configured) before the first question needs them;
    set `done` whatever happens."""
    try:
        from actions.knowledge.service import get_knowledge_service

        get_knowledge_service().warm_up()
        logger.info("knowledge base ready")
    except Exception:  # the first question will retry and report the problem to the user
        logger.exception("warm-up failed; knowledge answers will retry on first use")
    finally:
        done.set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", "5055")))
    args = parser.parse_args()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = build_app()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    app.run(host=args.host, port=args.port, single_process=True, access_log=False,
            motd=False)


if __name__ == "__main__":
    main()
