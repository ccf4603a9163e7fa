"""Rasa NLU component: the safety reading of every message, whatever the intent.

Two readers, both from the text package: the word patterns (few, precise: the monographs'
``red_flags`` and knowledge/general_red_flags.yml) and the learned triage
(patient_text/triage.py: emergency, urgent, crisis, poisoning, decision, calm), trained at
`rasa train` on patient_text/triage_corpus plus the bot's own training questions as calm
messages. Each red flag becomes a ``red_flag`` entity ``<drug id>/<flag id>`` (the triage's
own are ``general/triage_<label>``, which name no reason); a personal treatment decision
becomes a ``triage`` entity ``decision``. The RedFlagPolicy answers red flags first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.red_flags import GENERAL_FILE
from patient_text import triage
from patient_text.encoder import MiniLMEncoder, published_encoder
from patient_text.safety import SafetyReader, Verdict, calm_training_questions

ENTITY = "red_flag"
TRIAGE_ENTITY = "triage"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class RedFlagDetector(GraphComponent, EntityExtractorMixin):
    """Adds one ``red_flag`` entity per red flag, and a ``triage`` entity for a decision."""

    MODEL_FILE = "triage.pkl"
    ENCODER_DIR = "encoder"  # the published all-MiniLM-L6-v2 the triage reads with (float16)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # triage: the learned reader beside the patterns (off: the patterns alone)
        return {"triage": True}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The corpus, its settings and the readers that choose its calm training questions are
        outside the training data: `rasa train` refits the triage when any of them changes."""
        return triage.fingerprint(
            extra=[
                *sorted(Path(triage.HERE).glob("*.py")),
                *sorted((Path(triage.HERE) / "data").glob("*.yml")),
                GENERAL_FILE,
            ]
        )

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        model: triage.TriageModel | None = None,
        encoder: MiniLMEncoder | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        use = model if self._config["triage"] else None
        self.reader = SafetyReader(use, encoder.encode if encoder is not None else None)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagDetector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RedFlagDetector:
        """At server start: load the triage and its encoder (both inside the trained model),
        build the matcher and warm up, so no patient waits."""
        model, encoder = None, None
        try:
            with model_storage.read_from(resource) as directory:
                model = triage.TriageModel.load(Path(directory) / cls.MODEL_FILE)
                encoder = MiniLMEncoder.load_saved(Path(directory) / cls.ENCODER_DIR)
        except (ValueError, FileNotFoundError, KeyError) as err:
            if model is not None:
                raise FileNotFoundError(
                    f"the model's triage has no encoder beside it ({err}): retrain it (`make setup`)"
                ) from err
            # trained with the triage off: the patterns alone
        detector = cls(config, model_storage, resource, model, encoder)
        detector.reader.read(["hello"])
        return detector

    def process(self, messages: list[Message]) -> list[Message]:
        """Append red-flag and decision entities to each message."""
        todo = [(m, str(m.get(TEXT) or "")) for m in messages]
        todo = [(m, text) for m, text in todo if text and not text.startswith("/")]
        for (message, text), verdict in zip(todo, self.reader.read([t for _, t in todo]), strict=True):
            found = _entities(verdict, len(text), self.__class__.__name__)
            if found:
                message.set(ENTITIES, [*message.get(ENTITIES, []), *found], add_to_output=True)
        return messages

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the triage on its corpus and the training questions (as calm messages)."""
        assert self._storage is not None and self._resource is not None
        if self._config["triage"]:
            questions = [
                (str(m.get(TEXT)), str(m.get(INTENT) or ""))
                for m in training_data.intent_examples
                if m.get(TEXT)
            ]
            encoder = published_encoder()
            self.reader = SafetyReader(encoder=encoder.encode)
            model = self.reader.fit(calm_training_questions(questions))
            with self._storage.write_to(self._resource) as directory:
                model.save(Path(directory) / self.MODEL_FILE)
                encoder.save(Path(directory) / self.ENCODER_DIR, np.float16)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Red flags are never annotated in training data: nothing to add."""
        return training_data


def _entities(verdict: Verdict, length: int, extractor: str) -> list[dict[str, Any]]:
    def entity(name: str, value: str, confidence: float = 1.0) -> dict[str, Any]:
        return {
            "entity": name,
            "value": value,
            "start": 0,
            "end": length,
            "confidence_entity": confidence,
            "extractor": extractor,
        }

    found = [entity(ENTITY, det.key) for det in verdict.red_flags]
    if verdict.decision:
        found.append(entity(TRIAGE_ENTITY, triage.DECISION))
    return found
