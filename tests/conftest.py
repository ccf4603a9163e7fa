"""Fixtures shared by the whole test session: one real bot for every end-to-end test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.localbot import LocalBot, start_bot


@pytest.fixture(scope="session")
def local_bot() -> Iterator[LocalBot]:
    """The Rasa server and the action server, started once per test session (~30-60 s)."""
    bot = start_bot()
    yield bot
    bot.stop()
