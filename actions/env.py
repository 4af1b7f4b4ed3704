"""Reading settings from environment variables, with errors that name the variable."""

from __future__ import annotations

from collections.abc import Mapping


def env_text(env: Mapping[str, str], name: str) -> str | None:
    """The stripped value, or None when the variable is unset or blank."""
    value = env.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def env_float(env: Mapping[str, str], name: str, default: float, low: float, high: float,
              error: type[Exception] = ValueError) -> float:
    """A number in [low, high] (NaN rejected), or `default` when unset."""
    raw = env_text(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise error(f"{name} must be a number between {low} and {high}, got {raw!r}") from None
    if not low <= value <= high:
        raise error(f"{name} must be between {low} and {high}, got {raw!r}")
    return value


def env_int(env: Mapping[str, str], name: str, default: int, low: int, high: int,
            error: type[Exception] = ValueError) -> int:
    """A whole number in [low, high], or `default` when unset."""
    raw = env_text(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise error(f"{name} must be a whole number between {low} and {high}, got {raw!r}") from None
    if not low <= value <= high:
        raise error(f"{name} must be between {low} and {high}, got {raw!r}")
    return value
