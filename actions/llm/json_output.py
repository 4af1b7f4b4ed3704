"""Parsing a model's reply as JSON and checking it against the schema it was asked for.

The in-process model is grammar-constrained, but a remote server may ignore `response_format`
or use a laxer grammar, so every reply goes through the same checks. Strings are cleaned of
control characters (except newline and tab) and lone surrogates, which some grammars let through.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from actions.llm.client import LLMOutputError

_FENCE_RE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def parse_json_reply(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON object in `text`, cleaned and valid against `schema`; `LLMOutputError` otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise LLMOutputError("empty reply")
    fenced = _FENCE_RE.match(text)  # some servers wrap JSON in a markdown fence
    if fenced:
        text = fenced.group(1)
    decoder = json.JSONDecoder(strict=False)  # strict=False: tolerate raw control chars, cleaned below
    try:
        value = decoder.decode(text.strip())
    except json.JSONDecodeError as exc:
        # a server without schema support may wrap the object in chatter: take the first object
        start = text.find("{")
        try:
            value = decoder.raw_decode(text, start)[0] if start >= 0 else None
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            raise LLMOutputError(f"reply is not valid JSON ({exc.msg} at char {exc.pos})") from None
    value = clean_strings(value)
    problems = schema_problems(value, schema)
    if problems:
        raise LLMOutputError("reply does not match the schema: " + "; ".join(problems[:3]))
    return value


def clean_text(text: str) -> str:
    """`text` without control characters (newline and tab kept) and lone surrogates."""
    return "".join(
        ch for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def clean_strings(value: Any) -> Any:
    """`value` with `clean_text` applied to every string in it (keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): clean_strings(v) for k, v in value.items()}
    return value


def schema_problems(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """What is wrong with `value` for the schema subset of `json_grammar` (empty list: valid)."""
    if "anyOf" in schema:
        found = [schema_problems(value, option, where) for option in schema["anyOf"]]
        if any(not problems for problems in found):
            return []
        return [f"{where}: matches no alternative ({'; '.join(p[0] for p in found)})"]
    if "enum" in schema or "const" in schema:
        allowed = schema["enum"] if "enum" in schema else [schema["const"]]
        if not any(_same(value, option) for option in allowed):
            return [f"{where}: {value!r} is not one of {allowed!r}"]
        return []
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        properties = schema.get("properties", {})
        problems = [f"{where}: unexpected key {k!r}" for k in value if k not in properties]
        for key in schema.get("required", list(properties)):
            if key not in value:
                problems.append(f"{where}: missing {key!r}")
        for key, sub in properties.items():
            if key in value:
                problems += schema_problems(value[key], sub, f"{where}.{key}")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected an array"]
        problems = _length_problems(len(value), schema, "minItems", "maxItems", where, "items")
        for i, item in enumerate(value):
            problems += schema_problems(item, schema.get("items", {}), f"{where}[{i}]")
        return problems
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string"]
        return _length_problems(len(value), schema, "minLength", "maxLength", where, "characters")
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected true or false"]
    if kind == "null":
        return [] if value is None else [f"{where}: expected null"]
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}: expected an integer"]
    if kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected a number"]
    return []


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _length_problems(n: int, schema: dict[str, Any], low_key: str, high_key: str, where: str,
                     unit: str) -> list[str]:
    low, high = schema.get(low_key, 0), schema.get(high_key)
    if n < low:
        return [f"{where}: fewer than {low} {unit}"]
    if high is not None and n > high:
        return [f"{where}: more than {high} {unit}"]
    return []
