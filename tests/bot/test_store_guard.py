"""bot.store_guard: a failing tracker store is noticed during the turn, and the turn becomes
the apology unless it is urgent. (The real outage, PostgreSQL cut under load, is in
tests/e2e/test_faults.py.)"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.chat_input import is_urgent
from bot.store_guard import guarded_turn, watching

APOLOGY = [{"text": "Sorry"}]


class UnreachableStore(InMemoryTrackerStore):
    """A store whose database does not answer."""

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        raise ConnectionRefusedError("connection refused")

    async def save(self, tracker: DialogueStateTracker) -> None:
        raise ConnectionRefusedError("connection refused")


def _agent(store: Any) -> Any:
    return SimpleNamespace(tracker_store=FailSafeTrackerStore(store))


def test_a_failure_inside_the_turn_is_noticed_rasa_still_falls_back() -> None:
    agent = _agent(UnreachableStore(Domain.empty()))
    with watching(agent) as failures:
        assert asyncio.run(agent.tracker_store.retrieve("patient")) is None  # Rasa: a new conversation
        asyncio.run(agent.tracker_store.save(DialogueStateTracker("patient", [])))
    assert failures == ["ConnectionRefusedError", "ConnectionRefusedError"]
    with watching(agent) as later:  # the next turn starts clean
        pass
    assert later == []


def test_a_working_store_is_no_failure() -> None:
    agent = _agent(InMemoryTrackerStore(Domain.empty()))
    with watching(agent) as failures:
        asyncio.run(agent.tracker_store.save(DialogueStateTracker("patient", [])))
        assert asyncio.run(agent.tracker_store.retrieve("patient")) is not None
    assert failures == []


def test_an_agent_without_a_store_is_left_alone() -> None:
    with watching(None) as failures:
        pass
    assert failures == []


def test_the_turn_becomes_the_apology_unless_it_is_urgent() -> None:
    answer = [{"text": "Ocrelizumab is given every 6 months."}]
    urgent = [{"text": "Call 911 now."}, {"custom": {"urgent": True, "level": "emergency"}}]
    assert guarded_turn(answer, [], APOLOGY) == answer
    assert guarded_turn(answer, ["OperationalError"], APOLOGY) == APOLOGY
    assert guarded_turn(urgent, ["OperationalError"], APOLOGY) == urgent  # red flags first
    assert guarded_turn([], ["OperationalError"], APOLOGY) == APOLOGY
    assert is_urgent(urgent[1]) and not is_urgent({"custom": {"urgent": "yes"}}) and not is_urgent(answer[0])
