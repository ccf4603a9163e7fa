"""One real bot (Rasa server + action server over HTTP) for the whole test session."""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from bot.localbot import LocalBot

Ask = Callable[..., list[dict[str, Any]]]


@pytest.fixture(scope="session")
def ask(local_bot: LocalBot) -> Ask:
    """POST a message to the REST channel; returns the bot's messages."""

    def _ask(
        message: str, sender: str | None = None, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"sender": sender or f"t-{uuid.uuid4().hex[:10]}", "message": message}
        if metadata:
            body["metadata"] = metadata
        req = urllib.request.Request(
            local_bot.rest_url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (local URL)
            return list(json.loads(resp.read()))

    return _ask


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
