"""Which bot the cases are played against: a URL given, one already on :5005, or one we start."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.convtest.client import answers

DEFAULT_URL = "http://localhost:5005"


class BotUnavailableError(RuntimeError):
    """No bot to talk to: the URL given does not answer, or the bot could not be started."""


@dataclass
class Target:
    """The bot's base URL, how we got it, and how to stop it if we started it."""

    url: str
    origin: str  # "given", "running" or "started"
    stop: Callable[[], None] | None = None


def find_or_start(url: str | None, log: Callable[[str], None] = print) -> Target:
    """The bot at ``url``; without one, the bot on :5005, or a fresh one from ``start_bot()``."""
    if url:
        if not answers(url):
            raise BotUnavailableError(f"no Rasa server answers at {url}/status")
        return Target(url.rstrip("/"), "given")
    if answers(DEFAULT_URL):
        log(f"Using the bot already running at {DEFAULT_URL}.")
        return Target(DEFAULT_URL, "running")
    from bot.localbot import start_bot  # imported here: only this path needs it

    log("No bot on :5005; starting one (Rasa + action server; 30 s or more)...")
    clock = time.monotonic()
    try:
        bot = start_bot()
    except (OSError, RuntimeError) as exc:
        raise BotUnavailableError(f"could not start the bot: {exc}") from exc
    log(f"Bot started at {bot.url} in {time.monotonic() - clock:.0f}s.")
    return Target(bot.url, "started", bot.stop)
