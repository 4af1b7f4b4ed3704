"""The action server's access rules, as Sanic middleware and error handlers.

- Private by default: every route needs the shared token except the public ones below.
  Rasa sends the token as the query parameter `token` (endpoints.yml `action_endpoint.token`;
  rasa.utils.endpoints.EndpointConfig adds it to every request). It is compared in constant
  time; a missing or wrong token gets 401 `{"error": "unauthorized"}` and nothing else.
- Public: `/` and `/webchat/...` (the widget and demo page), `/help/...` (help articles),
  `/health`, and `/webhooks/zendesk` (which checks Zendesk's own signature).
- CORS: only the origins in `WEBCHAT_ORIGINS` get `Access-Control-Allow-Origin` (rasa-sdk's
  CORS middleware, given that exact list by `actions.server`).
- Errors: unknown URLs answer 404, wrong methods 405, and an unexpected error 500, each with a
  one-line JSON body: no traceback, exception text or request body is ever returned.
"""

from __future__ import annotations

import hmac
import logging

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from actions.security.config import SecurityConfig

logger = logging.getLogger(__name__)

TOKEN_PARAMETER = "token"  # what Rasa's EndpointConfig sends (token_name defaults to "token")
PUBLIC_PREFIXES = ("/webchat", "/help", "/health", "/webhooks/zendesk")
PUBLIC_PATHS = frozenset({"/"})
_REASONS = {400: "bad request", 401: "unauthorized", 404: "not found", 405: "method not allowed",
            413: "request too large", 503: "service unavailable"}


def is_public(route_path: str) -> bool:
    """True when the route (its pattern, e.g. `/help/<article_id:str>`) may be called without a token."""
    path = "/" + route_path.lstrip("/")
    if path in PUBLIC_PATHS:
        return True
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PUBLIC_PREFIXES)


def token_matches(given: list[str] | None, expected: str) -> bool:
    """Constant-time check of the `token` query values: exactly one, equal to `expected`."""
    if not given or len(given) != 1:
        return False
    return hmac.compare_digest(given[0].encode("utf-8", "replace"), expected.encode("utf-8"))


def protect(app: Sanic, config: SecurityConfig) -> None:
    """Install the token check and the error answers on `app`.

    CORS is rasa-sdk's (`create_app(..., cors_origins=config.webchat_origins)`): exact origins
    only, and none when the list is empty."""

    @app.on_request(priority=100)
    async def _require_token(request: Request) -> response.HTTPResponse | None:
        route = request.route
        if route is None or is_public(route.path):
            return None  # unknown URLs go on to a 404
        if token_matches(request.args.getlist(TOKEN_PARAMETER), config.action_token):
            return None
        logger.warning("refused %s %s from %s: missing or wrong action server token",
                       request.method, "/" + route.path.lstrip("/"), request.ip)
        return response.json({"error": "unauthorized"}, status=401)

    # rasa-sdk's own handler for Exception answers 500 with the exception text and the request
    # body (a whole tracker) for every error, 404s included; Sanic refuses a second handler for
    # the same exception, so ours replaces it.
    app.error_handler.cached_handlers.pop((Exception, None), None)

    @app.exception(Exception)
    async def _error(request: Request, exception: Exception) -> response.HTTPResponse:
        if isinstance(exception, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
            status = 404  # a static route asked for a folder or a missing file
        elif isinstance(exception, SanicException):
            status = int(getattr(exception, "status_code", 500) or 500)
            if status >= 500:
                logger.error("%s %s failed: %s", request.method, request.path, type(exception).__name__)
        else:
            status = 500
            logger.error("%s %s failed", request.method, request.path, exc_info=exception)
        headers = dict(getattr(exception, "headers", None) or {}) if status == 405 else None
        return response.json({"error": _REASONS.get(status, "error")}, status=status, headers=headers)
