"""Why a delivery to Zendesk, the local ticket table or Rasa failed, and whether to try again."""

from __future__ import annotations


class DeliveryError(Exception):
    """A send failed. `retryable` says whether the same request may succeed later."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TemporaryFailure(DeliveryError):
    """5xx, timeout, refused or dropped connection: back off and try again."""


class RateLimited(TemporaryFailure):
    """429 (or 503 with Retry-After): wait `retry_after` seconds before the next request."""

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class ConfigurationProblem(DeliveryError):
    """The receiver cannot be used as configured (wrong URL, redirect): an operator must act.

    Messages stay pending; this process stops sending to that receiver until restarted.
    """

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, variables: str = "") -> None:
        super().__init__(message, status=status)
        self.variables = variables  # the environment variables to check, for the operator log


class CredentialsRejected(ConfigurationProblem):
    """401/403: the credentials were refused; retrying with the same ones cannot help."""


class RequestRejected(DeliveryError):
    """400/404/422: the request itself is wrong; retrying the same payload cannot help."""

    retryable = False


def scrub(text: str, *secrets: str | None) -> str:
    """`text` with every non-empty secret replaced, for error messages that may echo URLs."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
