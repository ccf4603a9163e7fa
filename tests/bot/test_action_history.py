"""What the action server is sent: the latest turns for an answer action, everything otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import action_history

DOMAIN = Domain.from_yaml(
    'version: "3.1"\nintents: [ask]\nactions: [action_answer_dosing, action_file_ticket]'
)


def _tracker(turns: int) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for turn in range(turns):
        events += [
            UserUttered(f"question {turn}", {"name": "ask", "confidence": 1.0}),
            ActionExecuted("action_answer_dosing"),
            BotUttered(f"answer {turn}"),
            SlotSet("disclaimer_shown", True),
            ActionExecuted("action_listen"),
        ]
    return DialogueStateTracker.from_events("a", events, DOMAIN.slots)


@pytest.fixture
def installed() -> Iterator[None]:
    action_history.install()
    yield
    action_history.uninstall()


def _sent(name: str, tracker: DialogueStateTracker) -> dict:
    return RemoteAction(name, EndpointConfig("http://127.0.0.1:1/webhook"))._action_call_format(
        tracker, DOMAIN
    )


def test_an_answer_action_gets_the_last_two_messages_turns(installed: None) -> None:
    tracker = _tracker(100)
    sent = _sent("action_answer_dosing", tracker)
    users = [e["text"] for e in sent["tracker"]["events"] if e["event"] == "user"]
    assert users == ["question 98", "question 99"]
    assert sent["tracker"]["events"][0]["event"] == "user"
    assert sent["tracker"]["latest_message"]["text"] == "question 99"
    assert sent["next_action"] == "action_answer_dosing" and sent["sender_id"] == "a" and "domain" in sent


def test_other_actions_get_the_whole_session(installed: None) -> None:
    tracker = _tracker(100)
    assert len(_sent("action_file_ticket", tracker)["tracker"]["events"]) == len(tracker.events)


def test_a_short_conversation_is_sent_whole(installed: None) -> None:
    tracker = _tracker(1)
    assert len(_sent("action_answer_dosing", tracker)["tracker"]["events"]) == len(tracker.events)


def test_uninstalled_rasa_sends_everything() -> None:
    tracker = _tracker(5)
    assert len(_sent("action_answer_dosing", tracker)["tracker"]["events"]) == len(tracker.events)
