"""Which bot the cases are played against: a URL given, one already on :5005, or one we start."""

from __future__ import annotations

import os
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
    token: str | None = None  # for Rasa's HTTP API (slot checks)


def find_or_start(url: str | None, log: Callable[[str], None] = print) -> Target:
    """The bot at ``url``; without one, the bot on :5005, or a fresh one from ``start_bot()``.

    Slot checks read Rasa's HTTP API, which needs ``RASA_API_TOKEN``: the bot on :5005 is used
    only when that token is set here (as it must be for that bot), else a fresh bot is started.
    """
    token = os.environ.get("RASA_API_TOKEN") or None
    if url:
        if not answers(url):
            raise BotUnavailableError(f"no Rasa server answers at {url}")
        return Target(url.rstrip("/"), "given", token=token)
    if answers(DEFAULT_URL) and token:
        log(f"Using the bot already running at {DEFAULT_URL}.")
        return Target(DEFAULT_URL, "running", token=token)
    from bot.localbot import start_bot  # imported here: only this path needs it

    log("No bot on :5005; starting one (Rasa + action server; 30 s or more)...")
    clock = time.monotonic()
    try:
        bot = start_bot()
    except (OSError, RuntimeError) as exc:
        raise BotUnavailableError(f"could not start the bot: {exc}") from exc
    log(f"Bot started at {bot.url} in {time.monotonic() - clock:.0f}s.")
    return Target(bot.url, "started", bot.stop, bot.api_token)
