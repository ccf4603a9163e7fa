"""Fixtures shared by the whole test session: one real bot for every end-to-end test, one
red-flag detector for the message tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.localbot import LocalBot, start_bot

if TYPE_CHECKING:
    from bot.nlu.red_flag_detector import RedFlagDetector


@pytest.fixture(scope="session")
def local_bot() -> Iterator[LocalBot]:
    """The Rasa server and the action server, started once per test session (~30-60 s)."""
    bot = start_bot()
    yield bot
    bot.stop()


@pytest.fixture(scope="session")
def red_flag_detector() -> RedFlagDetector:
    """The bot's safety reader as `rasa train` builds it: the patterns, and the triage trained
    on its corpus with the training questions as calm messages (about two minutes)."""
    from bot.nlu.evaluate import load_own
    from bot.nlu.red_flag_detector import RedFlagDetector
    from patient_text.safety import calm_training_questions

    detector = RedFlagDetector({})
    questions = [(e.text, e.intent) for e in load_own(Path(__file__).parents[1] / "data" / "nlu")]
    detector.reader.fit(calm_training_questions(questions))
    return detector
