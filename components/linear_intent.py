"""Intent classification by multinomial logistic regression on dense and sparse sentence features.

What it reads, for each message:
- the dense sentence feature of all-MiniLM-L6-v2 (`components.minilm.MiniLMFeaturizer`, mean
  pooled), scaled to unit length: meaning, which carries wordings we never trained on;
- TF-IDF (sublinear) of words and word pairs, and of character 2-4-grams within words,
  computed here from the text: the exact words ("cancel", "refund", "where") and typos.

Why not DIET: on our own held-out set both do well, but on messages written blind by people
who never saw our data (tests/nlu/dev_blind/) DIET with these features scored 0.876 macro
accuracy and this classifier 0.934, and it trains in seconds rather than two minutes.

The model is saved as plain arrays and JSON (no pickle): the vocabularies and IDF weights of
the two TF-IDF vectorizers, and the regression's weights, intercepts and class names.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

RANKING_LENGTH = 10


def _vectorizers(word_vocabulary: dict[str, int] | None = None,
                 char_vocabulary: dict[str, int] | None = None) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    words = TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True,
                            vocabulary=word_vocabulary)
    chars = TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                            min_df=2, max_features=20000, vocabulary=char_vocabulary)
    return words, chars


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Logistic regression over [MiniLM sentence vector, word TF-IDF, character TF-IDF]."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 100.0, "dense_weight": 1.0, "sparse_weight": 1.0, "max_iter": 3000,
                "random_seed": 42}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 words: TfidfVectorizer | None = None, chars: TfidfVectorizer | None = None,
                 weights: np.ndarray | None = None, intercepts: np.ndarray | None = None,
                 classes: list[str] | None = None) -> None:
        self.config = config
        self._storage = model_storage
        self._resource = resource
        self.words, self.chars = words, chars
        self.weights, self.intercepts, self.classes = weights, intercepts, classes or []

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    # --- features -----------------------------------------------------------------------------
    @staticmethod
    def _dense(message: Message) -> np.ndarray:
        _, sentence = message.get_dense_features(TEXT)
        if sentence is None:
            raise ValueError("LinearIntentClassifier needs dense sentence features: put "
                             "components.minilm.MiniLMFeaturizer before it in config.yml")
        vector = np.asarray(sentence.features, dtype=np.float64).reshape(-1)
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def _features(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        assert self.words is not None and self.chars is not None
        texts = [message.get(TEXT) or "" for message in messages]
        dense = np.vstack([self._dense(message) for message in messages]) * self.config["dense_weight"]
        sparse_weight = self.config["sparse_weight"]
        return scipy.sparse.hstack([scipy.sparse.csr_matrix(dense),
                                    self.words.transform(texts) * sparse_weight,
                                    self.chars.transform(texts) * sparse_weight]).tocsr()

    # --- training ----------------------------------------------------------------------------
    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            raise ValueError("LinearIntentClassifier needs training examples of at least two intents")
        texts = [m.get(TEXT) for m in examples]
        self.words, self.chars = _vectorizers()
        self.words.fit(texts)
        self.chars.fit(texts)
        model = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                   random_state=self.config["random_seed"])
        model.fit(self._features(examples), [m.get(INTENT) for m in examples])
        self.weights, self.intercepts = model.coef_, model.intercept_
        self.classes = [str(name) for name in model.classes_]
        self.persist()
        return self._resource

    def persist(self) -> None:
        assert self.words is not None and self.chars is not None
        with self._storage.write_to(self._resource) as folder:
            np.save(folder / "weights.npy", self.weights)
            np.save(folder / "intercepts.npy", self.intercepts)
            np.save(folder / "word_idf.npy", self.words.idf_)
            np.save(folder / "char_idf.npy", self.chars.idf_)
            (folder / "vocabulary.json").write_text(json.dumps({
                "classes": self.classes,
                "words": {k: int(v) for k, v in self.words.vocabulary_.items()},
                "chars": {k: int(v) for k, v in self.chars.vocabulary_.items()},
            }), encoding="utf-8")

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        with model_storage.read_from(resource) as folder:
            saved = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
            words, chars = _vectorizers(saved["words"], saved["chars"])
            words.idf_ = np.load(folder / "word_idf.npy")
            chars.idf_ = np.load(folder / "char_idf.npy")
            return cls(config, model_storage, resource, words, chars,
                       np.load(folder / "weights.npy"), np.load(folder / "intercepts.npy"),
                       saved["classes"])

    # --- prediction --------------------------------------------------------------------------
    def process(self, messages: list[Message]) -> list[Message]:
        if self.weights is None or not messages:
            return messages
        scores = self._features(messages) @ self.weights.T + self.intercepts
        for message, probabilities in zip(messages, _softmax(np.asarray(scores))):
            order = np.argsort(-probabilities)[:RANKING_LENGTH]
            ranking = [{"name": self.classes[i], "confidence": float(probabilities[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
