"""A WhitespaceTokenizer with a bounded output: no token longer than `max_token_chars`, at most
`max_tokens` tokens.

Without a bound, one long unbroken word makes the featurizers' and classifier's work grow fast
(a 200,000-digit "word" froze the server for minutes). The channels already refuse messages over
2,000 characters; this keeps NLU bounded for every other path (`/model/parse`, training data).

The bound is applied before the stock tokenizer runs: characters past `max_token_chars` in a
word, and words past `max_tokens`, are blanked out in a copy of the text of the same length, so
token offsets still point into the original text. Ordinary messages tokenize exactly as before.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

_WORD = re.compile(r"\S+")


def bounded_text(text: str, max_token_chars: int, max_tokens: int) -> str:
    """`text` with every word cut to `max_token_chars` and cut after `max_tokens` words.

    Cut characters become spaces, so the result has the same length and offsets as `text`
    up to where it ends.
    """
    pieces: list[str] = []
    position = 0
    for count, word in enumerate(_WORD.finditer(text)):
        if count == max_tokens:
            break
        start, end = word.span()
        cut = min(end, start + max_token_chars)
        pieces.append(text[position:cut])
        pieces.append(" " * (end - cut))
        position = end
    else:
        pieces.append(text[position:])
    return "".join(pieces)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class BoundedWhitespaceTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer whose tokens are at most `max_token_chars` long, `max_tokens` in all."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**WhitespaceTokenizer.get_default_config(), "max_token_chars": 40, "max_tokens": 400}

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        max_chars = int(self._config["max_token_chars"])
        max_tokens = int(self._config["max_tokens"])
        bounded = bounded_text(text, max_chars, max_tokens)
        if bounded != text:
            message = Message({attribute: bounded})
        tokens = super().tokenize(message, attribute)[:max_tokens]
        return [token if len(token.text) <= max_chars
                else Token(token.text[:max_chars], token.start, token.start + max_chars, token.data,
                           token.lemma[:max_chars] if token.lemma else None)
                for token in tokens]
