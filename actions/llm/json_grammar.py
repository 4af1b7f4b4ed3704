"""JSON schema -> GBNF grammar for llama.cpp's constrained sampling (a strict, small subset).

Why not `llama_cpp.LlamaGrammar.from_json_schema`: its string rule accepts raw control
characters (so strict `json.loads` rejects many outputs) and it silently ignores integer
`minimum`/`maximum`. This converter supports only what our prompts need and *refuses*
anything it cannot enforce, so a schema never promises more than the grammar delivers:

- `object` with `properties` (all required, emitted in the given order, no extra keys),
- `array` with `items`, `minItems`, `maxItems`,
- `string` with `minLength`, `maxLength` (JSON escapes allowed, raw control characters not),
- `boolean`, `null`, `integer` / `number` without bounds (use `enum` for fixed values),
- `enum` / `const` of any JSON values,
- `anyOf` of such schemas (e.g. an answer object or a "not answerable" object).

The root rule ends right after the closing brace, so the model must stop there.
"""

from __future__ import annotations

import json
import re
from typing import Any

# A JSON string character: anything but the quote, the backslash and control characters, or a
# short escape. \b \f \r are left out on purpose: they only ever smuggle control characters in.
_CHAR_RULE = r'[^"\\\x00-\x1F\x7F-\x9F] | "\\" (["\\/nt] | "u" [0-9a-fA-F]{4})'
# Optional whitespace, bounded so a model cannot loop on blanks.
_WS_RULE = r'| " " | "\n" [ \t]{0,20}'
_INT_RULE = r'"-"? ("0" | [1-9] [0-9]{0,15})'

_COMMON_KEYS = {"type", "title", "description", "$schema", "$id", "default", "examples"}
_ALLOWED_KEYS = {
    "object": _COMMON_KEYS | {"properties", "required", "additionalProperties"},
    "array": _COMMON_KEYS | {"items", "minItems", "maxItems"},
    "string": _COMMON_KEYS | {"minLength", "maxLength"},
    "boolean": _COMMON_KEYS,
    "null": _COMMON_KEYS,
    "integer": _COMMON_KEYS,
    "number": _COMMON_KEYS,
}
_INVALID_NAME_CHARS = re.compile(r"[^a-zA-Z0-9-]+")


class UnsupportedSchema(ValueError):
    """The schema uses something this converter cannot enforce."""


def schema_to_gbnf(schema: dict[str, Any]) -> str:
    """A GBNF grammar whose sentences are exactly the compact-ish JSON documents valid for `schema`."""
    converter = _Converter()
    root_body = converter.body(schema, "root")
    rules = {"root": root_body, **converter.rules}
    if converter.uses_char:
        rules["char"] = _CHAR_RULE
    rules["ws"] = _WS_RULE
    return "\n".join(f"{name} ::= {body}" for name, body in rules.items()) + "\n"


def gbnf_literal(text: str) -> str:
    """`text` as a quoted GBNF literal."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _json_literal(value: Any) -> str:
    return gbnf_literal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


class _Converter:
    def __init__(self) -> None:
        self.rules: dict[str, str] = {}
        self.uses_char = False

    def rule(self, schema: dict[str, Any], name: str) -> str:
        """Add a rule for `schema` and return its name."""
        name = _INVALID_NAME_CHARS.sub("-", name).strip("-") or "value"
        body = self.body(schema, name)
        unique, n = name, 1
        while unique in self.rules or unique in ("root", "char", "ws"):
            if self.rules.get(unique) == body:
                return unique
            unique, n = f"{name}-{n}", n + 1
        self.rules[unique] = body
        return unique

    def body(self, schema: dict[str, Any], name: str) -> str:
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"{name}: a schema must be an object, got {schema!r}")
        if "anyOf" in schema:
            options = schema["anyOf"]
            if not isinstance(options, list) or not options or set(schema) - _COMMON_KEYS - {"anyOf"}:
                raise UnsupportedSchema(f"{name}: anyOf must be a non-empty list and stand alone")
            return " | ".join(self.rule(option, f"{name}-{i}") for i, option in enumerate(options))
        for keyword in ("oneOf", "allOf", "not", "$ref", "pattern", "format",
                        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
                        "uniqueItems", "prefixItems", "patternProperties"):
            if keyword in schema:
                raise UnsupportedSchema(f"{name}: '{keyword}' is not supported (use enum for fixed values)")
        if "enum" in schema or "const" in schema:
            values = schema["enum"] if "enum" in schema else [schema["const"]]
            if not isinstance(values, list) or not values:
                raise UnsupportedSchema(f"{name}: enum must be a non-empty list")
            return " | ".join(_json_literal(v) for v in values)
        kind = schema.get("type")
        if not isinstance(kind, str) or kind not in _ALLOWED_KEYS:
            raise UnsupportedSchema(f"{name}: type {kind!r} is not supported")
        unknown = set(schema) - _ALLOWED_KEYS[kind]
        if unknown:
            raise UnsupportedSchema(f"{name}: keywords {sorted(unknown)} are not supported for {kind}")
        if kind == "object":
            return self._object(schema, name)
        if kind == "array":
            return self._array(schema, name)
        if kind == "string":
            return self._string(schema, name)
        if kind == "boolean":
            return '"true" | "false"'
        if kind == "null":
            return '"null"'
        if kind == "integer":
            return _INT_RULE
        return _INT_RULE + r' ("." [0-9]{1,15})? ([eE] [-+]? [0-9]{1,15})?'

    def _object(self, schema: dict[str, Any], name: str) -> str:
        properties = schema.get("properties", {})
        required = schema.get("required", list(properties))
        if set(required) != set(properties):
            raise UnsupportedSchema(f"{name}: every property must be required (got {required} of {list(properties)})")
        if schema.get("additionalProperties", False) is not False:
            raise UnsupportedSchema(f"{name}: additionalProperties must be false")
        if not properties:
            return '"{" ws "}"'
        parts = []
        for i, (key, sub) in enumerate(properties.items()):
            ref = self.rule(sub, f"{name}-{key}")
            prefix = "" if i == 0 else '"," ws '
            parts.append(f"{prefix}{_json_literal(key)} ws \":\" ws {ref} ws")
        return '"{" ws ' + " ".join(parts) + ' "}"'

    def _array(self, schema: dict[str, Any], name: str) -> str:
        if "items" not in schema:
            raise UnsupportedSchema(f"{name}: arrays need 'items'")
        item = self.rule(schema["items"], f"{name}-item")
        low, high = _bounds(schema, "minItems", "maxItems", name)
        if high == 0:
            return '"[" ws "]"'
        more = _repeat(f'("," ws {item} ws)', max(low - 1, 0), None if high is None else high - 1)
        items = f"{item} ws {more}".rstrip()
        if low == 0:
            return f'"[" ws ({items})? "]"'
        return f'"[" ws {items} "]"'

    def _string(self, schema: dict[str, Any], name: str) -> str:
        self.uses_char = True
        low, high = _bounds(schema, "minLength", "maxLength", name)
        return f'"\\"" {_repeat("char", low, high)} "\\""'.replace("  ", " ")


def _bounds(schema: dict[str, Any], low_key: str, high_key: str, name: str) -> tuple[int, int | None]:
    low, high = schema.get(low_key, 0), schema.get(high_key)
    if not isinstance(low, int) or low < 0 or (high is not None and (not isinstance(high, int) or high < low)):
        raise UnsupportedSchema(f"{name}: bad {low_key}/{high_key}: {low!r}/{high!r}")
    return low, high


def _repeat(item: str, low: int, high: int | None) -> str:
    """GBNF for `item` repeated low..high times (high None: unbounded)."""
    if high is None:
        return f"{item}*" if low == 0 else f"{item}{{{low},}}"
    if high == 0:
        return ""
    if low == high:
        return f"{item}{{{low}}}"
    return f"{item}{{{low},{high}}}"
