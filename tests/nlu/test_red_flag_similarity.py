"""The sentence-similarity check for thoughts of self-harm told in words no pattern covers
(bot/nlu/red_flag_similarity.py, knowledge/red_flag_examples.yml): its file, its calibration
on the red-flag message table, and what it must leave alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.evaluate import CONSUMER_TEST_SET, OWN_TEST_SET, load_own
from bot.nlu.red_flag_detector import RedFlagDetector
from bot.nlu.red_flag_similarity import EXAMPLES_FILE, load_examples, sentences
from knowledge.errors import MonographError
from testkit import labelled_messages

TABLE = Path(__file__).parents[1] / "knowledge" / "red_flag_messages.tsv"
SELF_HARM = "general/self_harm"
#: self-harm messages of sets 1-5 the similarity check finds on its own at the calibrated margin
#: (measured: 54 of 97); fewer means an edit of the examples lost some
CALIBRATED_FINDS = 54


def _added_by_similarity(detector: RedFlagDetector, texts: list[str]) -> dict[str, set[str]]:
    """The texts on which the similarity check adds a flag the patterns did not find."""
    full, patterns = detector.detect(texts), detector.detect_patterns(texts)
    return {
        text: {d.key for d in a} - {d.key for d in b}
        for text, a, b in zip(texts, full, patterns, strict=True)
        if {d.key for d in a} - {d.key for d in b}
    }


def test_examples_file_is_valid() -> None:
    data = load_examples()
    for flag in data.flags:
        assert len(set(flag.examples)) == len(flag.examples), "an example is listed twice"
        assert len(set(flag.look_alikes)) == len(flag.look_alikes), "a look-alike is listed twice"
        assert not set(flag.examples) & set(flag.look_alikes)
        assert 0 < flag.margin < 1


def test_unknown_flag_and_missing_field_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "examples.yml"
    lists = "    examples: [a b c d]\n    look_alikes: [e f g h]\n"
    bad.write_text(f"flags:\n  - id: nonsense\n    margin: 0.1\n{lists}")
    with pytest.raises(MonographError, match="flags.nonsense"):
        load_examples(bad)
    bad.write_text(f"flags:\n  - id: self_harm\n{lists}")
    with pytest.raises(MonographError, match=r"flags\[0\]\.margin"):
        load_examples(bad)
    assert EXAMPLES_FILE.exists()


def test_sentences_of_four_words_or_more() -> None:
    assert sentences("bye") == []
    assert sentences("thanks, bye now") == []
    assert sentences("i cant do this anymore") == ["i cant do this anymore"]
    text = "when is my next infusion due? not that it matters, i wont be here by then"
    first, second = "when is my next infusion due?", "not that it matters, i wont be here by then"
    assert sentences(text) == [text, first, second]


def test_finds_self_harm_the_patterns_miss(red_flag_detector: RedFlagDetector) -> None:
    # ("tired of existing" was here until set 8 gave the patterns "done/tired of existing")
    told_otherwise = ["nobody would notice if i disappeared for good", "tired of it all. want it over"]
    assert _added_by_similarity(red_flag_detector, told_otherwise) == {t: {SELF_HARM} for t in told_otherwise}


def test_calibrated_share_of_the_table(red_flag_detector: RedFlagDetector) -> None:
    self_harm = [m for s, label, m in labelled_messages(TABLE) if label == "self_harm" and s in "12345"]
    assert len(self_harm) == 97
    similarity = red_flag_detector.similarity
    assert similarity is not None
    found = sum(bool(hits) for hits in similarity.detect(self_harm))
    assert found >= CALIBRATED_FINDS


#: look-alikes of the table on which the check adds a crisis answer, kept visible: set 8 (written
#: after the margin was calibrated on sets 1-5) brought the first
KNOWN_FALSE_ALARMS = {"ugh i just want this week to end"}


def test_no_false_alarm_on_the_table(red_flag_detector: RedFlagDetector) -> None:
    """On the messages of the table that are not about self-harm, the check adds nothing but
    the known false alarms."""
    others = [m for _, label, m in labelled_messages(TABLE) if label != "self_harm"]
    assert len(others) > 900
    assert set(_added_by_similarity(red_flag_detector, others)) == KNOWN_FALSE_ALARMS


def test_quiet_on_held_out_questions_and_goodbyes(red_flag_detector: RedFlagDetector) -> None:
    """Questions the bot was not trained on (the two held-out NLU sets), farewells and everyday
    requests never get the crisis answer from the similarity check."""
    questions = [e.text for e in load_own(OWN_TEST_SET) + load_own(CONSUMER_TEST_SET)]
    everyday = [
        "bye",
        "goodbye, thank you",
        "that's all for today, take care",
        "how do i get to the hospital by train",
        "can i get a refill before i go on holiday",
        "i dont want to do this form anymore",
    ]
    assert len(questions) > 500
    assert _added_by_similarity(red_flag_detector, questions + everyday) == {}


def test_without_the_training_questions_only_the_patterns_count() -> None:
    """An older model, or one trained with the check off, has no training-question embeddings:
    the check is then off, since its margin was calibrated with them."""
    detector = RedFlagDetector({})
    assert detector.similarity is None
    assert detector.detect(["nobody would notice if i disappeared for good", "bye"]) == [[], []]
