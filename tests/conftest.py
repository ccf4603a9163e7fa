"""Fixtures shared by the whole test session: one real bot for every end-to-end test, one
red-flag detector for the message tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
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
    """The bot's red-flag detector as `rasa train` builds it: the patterns, and the similarity
    check with every training question as a look-alike (stored as float16, as in the model)."""
    from bot.nlu.evaluate import load_own
    from bot.nlu.red_flag_detector import RedFlagDetector

    texts = [e.text for e in load_own(Path(__file__).parents[1] / "data" / "nlu")]
    bank = RedFlagDetector({}).embed_look_alikes(texts).astype(np.float16).astype(np.float32)
    return RedFlagDetector({}, bank=bank)
