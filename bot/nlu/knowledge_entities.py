"""Rasa NLU component: entities read from the knowledge base as it is when the server starts.

Drug names come from ``knowledge/monographs`` (generic name, id, brands, aliases, and
misspellings within ``patient_text.spelling.DRUG_IN_TEXT``, through the one drug-name
matcher ``patient_text.drugs.DrugNames``); side effects, conditions, populations, vaccines
and other medicines' names from the monographs' tables and ``knowledge/vocab/*.yml``. Nothing
is learned and nothing is saved in the trained model, so a monograph added or corrected
after training is read after a restart, with no retraining.

Each message also gets ``drug_spans``, where a covered drug is named: the spelling
normaliser replaces them with one placeholder, so the intent classifier reads "what is
medicine for" whichever covered drug was named (``patient_text.drugs.masked``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.vocabulary import effect_synonyms, entity_phrases
from knowledge import KnowledgeBase
from patient_text.drugs import TOKEN, DrugNames

#: message attribute: (start, end, drug id) of each covered drug named in the text
DRUG_SPANS = "drug_spans"


def drug_spans(message: Message) -> list[tuple[int, int, str]]:
    """The covered drugs' places in a message's text, as the extractor found them."""
    return [(int(s[0]), int(s[1]), str(s[2])) for s in message.get(DRUG_SPANS) or []]


@dataclass
class EntityIndex:
    """What the knowledge base names: covered drugs (fuzzy) and every other phrase (exact words)."""

    drugs: DrugNames
    labels: dict[str, str]  # phrase: its words in lower case, one space apart -> entity label
    longest: int  # words in the longest phrase
    synonyms: dict[str, str] = field(default_factory=dict)  # phrase -> the value to report

    @classmethod
    def build(cls, kb: KnowledgeBase) -> EntityIndex:
        """Index the monographs and word lists of ``kb``."""
        covered = {_key(n) for mono in kb.monographs.values() for n in kb.names_of(mono)}
        labels: dict[str, str] = {}
        for label, phrases in entity_phrases(kb).items():
            for phrase in phrases:
                key = _key(phrase)
                if key and key not in covered:
                    labels.setdefault(key, label)
        synonyms = {_key(variant): name for variant, name in effect_synonyms().items()}
        return cls(kb.drug_names, labels, max((len(k.split()) for k in labels), default=0), synonyms)

    def entities(self, text: str) -> tuple[list[dict[str, Any]], list[tuple[int, int, str]]]:
        """The entities of ``text`` and the covered drugs' spans; a drug name wins an overlap,
        then the longest phrase, as the words come."""
        spans = self.drugs.spans(text)
        found = [{"entity": "drug", "start": s, "end": e, "value": text[s:e]} for s, e, _ in spans]
        words = list(TOKEN.finditer(text))
        free = [all(w.end() <= s or w.start() >= e for s, e, _ in spans) for w in words]
        i = 0
        while i < len(words):
            for width in range(min(self.longest, len(words) - i), 0, -1):
                if not all(free[i : i + width]):
                    continue
                key = " ".join(w.group(0).lower() for w in words[i : i + width])
                label = self.labels.get(key)
                if label:
                    start, end = words[i].start(), words[i + width - 1].end()
                    value = self.synonyms.get(key, text[start:end])
                    found.append({"entity": label, "start": start, "end": end, "value": value})
                    i += width - 1
                    break
            i += 1
        return sorted(found, key=lambda ent: int(ent["start"])), spans


def _key(phrase: str) -> str:
    """A phrase as the index compares it: its words in lower case, one space apart."""
    return " ".join(m.group(0).lower() for m in TOKEN.finditer(phrase))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class KnowledgeEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds drug, side_effect, condition, population and vaccine entities, and ``drug_spans``."""

    def __init__(self, config: dict[str, Any], index: EntityIndex | None = None) -> None:
        self._config = config
        self.index = index or EntityIndex.build(KnowledgeBase.load())

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KnowledgeEntityExtractor:
        return cls(config)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> KnowledgeEntityExtractor:
        """At server start: read the knowledge base as it is now (an invalid file stops the start)."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Append the entities the knowledge base names, and set ``drug_spans``."""
        name = self.__class__.__name__
        for message in messages:
            text = str(message.get(TEXT) or "")
            if not text or text.startswith("/"):
                continue
            found, spans = self.index.entities(text)
            message.set(DRUG_SPANS, spans)
            if found:
                ents = [{**ent, "extractor": name} for ent in found]
                message.set(ENTITIES, [*message.get(ENTITIES, []), *ents], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their annotated entities; they get ``drug_spans``, from the
        annotations and from the matcher, so the classifier learns from masked text too."""
        for message in training_data.training_examples:
            text = str(message.get(TEXT) or "")
            if not text:
                continue
            spans = self.index.drugs.spans(text)
            for ent in message.get(ENTITIES) or []:
                if ent.get("entity") == "drug" and self.index.drugs.find(str(ent.get("value", ""))):
                    spans.append((int(ent["start"]), int(ent["end"]), str(ent["value"])))
            message.set(DRUG_SPANS, spans)
        return training_data
