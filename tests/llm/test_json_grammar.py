"""schema -> GBNF: llama.cpp accepts the grammar, and random-weight sampling under it always
yields strict JSON valid for the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from actions.llm.grounded import grounded_answer_schema
from actions.llm.json_grammar import UnsupportedSchema, gbnf_literal, schema_to_gbnf
from actions.llm.json_output import parse_json_reply, schema_problems
from actions.llm.summary import handover_schema

EVERYTHING = {
    "type": "object",
    "properties": {
        "flag": {"type": "boolean"},
        "level": {"enum": [1, 2, 3]},
        "count": {"type": "integer"},
        "ratio": {"type": "number"},
        "nothing": {"type": "null"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "minItems": 1, "maxItems": 3},
        "note": {"type": "string", "minLength": 3, "maxLength": 20},
        "nested": {
            "type": "object",
            "properties": {"quote": {"const": 'say "hi"\\now'}},
            "required": ["quote"],
            "additionalProperties": False,
        },
    },
    "required": ["flag", "level", "count", "ratio", "nothing", "tags", "note", "nested"],
    "additionalProperties": False,
}
SCHEMAS = {
    "grounded": grounded_answer_schema(["return-policy#how-long", "shipping#costs", 'odd "id"\\x'],
                                       max_answer_chars=80),
    "handover": handover_schema(max_summary_chars=80),
    "everything": EVERYTHING,
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def llama(tiny_model: Path):
    import llama_cpp

    model = llama_cpp.Llama(str(tiny_model), n_ctx=1024, n_threads=1, verbose=False)
    yield model
    model.close()


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_random_weights_sample_strict_valid_json(llama, name: str, seed: int) -> None:
    from llama_cpp import LlamaGrammar

    schema = SCHEMAS[name]
    reply = llama.create_chat_completion(
        [{"role": "user", "content": "Reply in JSON."}],
        grammar=LlamaGrammar.from_string(schema_to_gbnf(schema), verbose=False),
        max_tokens=600, temperature=1.5, seed=seed,
    )
    choice = reply["choices"][0]
    text = choice["message"]["content"]
    assert choice["finish_reason"] == "stop", text  # the grammar let the model finish
    value = json.loads(text)  # strict: raw control characters would fail here
    assert schema_problems(value, schema) == []
    assert not any(_CONTROL.search(s) for s in _strings(value))


def test_llama_cpp_accepts_every_grammar(llama) -> None:
    import llama_cpp

    vocab = llama_cpp.llama_model_get_vocab(llama.model)
    for schema in SCHEMAS.values():
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, schema_to_gbnf(schema).encode(), b"root")
        assert sampler, schema
        llama_cpp.llama_sampler_free(sampler)


def test_string_rule_excludes_control_characters() -> None:
    grammar = schema_to_gbnf({"type": "object", "properties": {"a": {"type": "string"}}})
    char_rule = next(line for line in grammar.splitlines() if line.startswith("char ::="))
    assert r"\x00-\x1F" in char_rule and r"\x7F-\x9F" in char_rule
    assert grammar.splitlines()[0].endswith('"}"')  # nothing may follow the closing brace


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "minimum": 0, "maximum": 100},  # llama-cpp's converter ignores these
        {"type": "string", "pattern": "^[a-z]+$"},
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": []},  # optional key
        {"type": "object", "properties": {}, "additionalProperties": True},
        {"type": ["string", "null"]},
        {"type": "array"},
        {"enum": []},
        {"type": "string", "maxLength": -1},
    ],
)
def test_unenforceable_schemas_are_refused(schema: dict) -> None:
    with pytest.raises(UnsupportedSchema):
        schema_to_gbnf(schema)


def test_gbnf_literal_escapes() -> None:
    assert gbnf_literal('a"b\\c\nd\x01') == '"a\\"b\\\\c\\nd\\x01"'


def test_reply_parser_cleans_and_checks() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "maxLength": 5}}}
    assert parse_json_reply('```json\n{"a": "x\x07y"}\n```', schema) == {"a": "xy"}
    assert parse_json_reply('Here you go: {"a": "ok"} Hope this helps!', schema) == {"a": "ok"}
    for bad in ("", "not json", '{"a": "toolongvalue"}', '{"a": 1}', '{"a": "x", "b": 1}', "[]", '{"a": "x"',
                'text {"a": "x" text'):
        with pytest.raises(Exception) as info:
            parse_json_reply(bad, schema)
        assert type(info.value).__name__ == "LLMOutputError"


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    return []
