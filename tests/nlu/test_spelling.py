"""The spelling normaliser: misspelt words go to the nearest trained word, known words stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.knowledge_entities import DRUG_SPANS
from bot.nlu.spelling import NORMALIZED_TEXT, Speller, SpellingNormalizer, intent_text

TARGETS = {"side": 40, "effects": 30, "administered": 5, "zoloft": 3, "milligrams": 4, "sole": 2}
KNOWN = {"wrinkles", "the", "of", "how", "is", "what", "can", "cause", "does"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sidde efects of zolft", "side effects of zoloft"),  # one edit each
        ("how is it adminitsered", "how is it administered"),  # a transposition
        ("what milagrams", "what milligrams"),  # two edits in a long word
        ("does it cause wrinkles", "does it cause wrinkles"),  # a known word is never changed
        ("what is sode", "what is side"),  # a tie (side, sole) goes to the more frequent word
        ("qwertyuiop", "qwertyuiop"),  # nothing near: left as written
        ("Side EFFECTS", "side effects"),  # lower-cased like the classifier's features
    ],
)
def test_speller(text: str, expected: str) -> None:
    assert Speller(TARGETS, KNOWN).text(text) == expected


def test_short_words_are_left_alone() -> None:
    # three letters: "sid" is one edit from "side" but too many real words are that close
    assert Speller(TARGETS, KNOWN).text("sid") == "sid"


def test_component_learns_training_words_and_normalises_only_incoming_messages(tmp_path: Path) -> None:
    minilm = tmp_path / "minilm"
    minilm.mkdir()
    (minilm / "vocab.txt").write_text("[PAD]\nthe\nof\nhow\n##ing\n", encoding="utf-8")
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    resource = Resource("spelling")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {"model_dir": str(minilm)}
    training = TrainingData(
        [
            Message(data={TEXT: "side effects of ocrevus", INTENT: "ask_side_effects"}),
            Message(
                data={
                    TEXT: "how is ocrevus administered",
                    INTENT: "ask_administration",
                    ENTITIES: [{"entity": "drug", "value": "ocrelizumab", "start": 7, "end": 14}],
                }
            ),
        ]
    )
    component = SpellingNormalizer.create(config, storage, resource, context)
    component.train(training)
    assert component.process_training_data(training) is training
    # examples as written (no drug spans marked here: the knowledge extractor did not run)
    assert [m.get(NORMALIZED_TEXT) for m in training.training_examples] == [
        "side effects of ocrevus",
        "how is ocrevus administered",
    ]

    loaded = SpellingNormalizer.load(config, storage, resource, context)
    (message,) = loaded.process([Message(data={TEXT: "how is ocrevuss adminstered"})])
    assert message.get(TEXT) == "how is ocrevuss adminstered"  # what the patient wrote is kept
    assert intent_text(message) == "how is ocrevus administered"

    marked = Message(data={TEXT: "how is Ocrevus adminstered", DRUG_SPANS: [(7, 14, "ocrelizumab")]})
    loaded.process([marked])
    assert intent_text(marked) == "how is medicine administered"  # the drug's name is the placeholder


def test_untrained_component_passes_messages_unchanged(tmp_path: Path) -> None:
    context = ExecutionContext(GraphSchema({}), "test")
    component = SpellingNormalizer.load({}, LocalModelStorage(tmp_path), Resource("missing"), context)
    (message,) = component.process([Message(data={TEXT: "sidde efects"})])
    assert intent_text(message) == "sidde efects"
