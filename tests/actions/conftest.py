"""Running an action the way the action server does: a real Tracker and CollectingDispatcher."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

Run = Callable[..., Awaitable[tuple[list[dict[str, Any]], list[dict[str, Any]]]]]


def make_tracker(
    text: str,
    intent: str,
    entities: list[tuple[str, str]] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": [{"entity": e, "value": v} for e, v in entities or []],
        "metadata": metadata or {},
    }
    return Tracker(
        sender_id="test",
        slots={"drug": None, "topic": None, **(slots or {})},
        latest_message=message,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture
def run_action() -> Run:
    async def _run(
        action: Action,
        text: str,
        intent: str,
        entities: list[tuple[str, str]] | None = None,
        slots: dict[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, make_tracker(text, intent, entities, slots), {})
        return dispatcher.messages, list(events)

    return _run
