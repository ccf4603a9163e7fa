"""The RulePolicy's debug line of states (bot/rule_log.py): the same text, formatted only when printed."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rule_log
from tests.bot.conversation_events import DOMAIN, conversation


@pytest.fixture
def installed() -> Iterator[None]:
    rule_log.install()
    yield
    rule_log.uninstall()


def _states() -> list[dict]:
    tracker = DialogueStateTracker.from_events("a", list(conversation()), DOMAIN.slots)
    return tracker.past_states(DOMAIN)


def test_the_states_print_as_rasa_formats_them(installed: None) -> None:
    states = _states()
    formatted = RulePolicy.format_tracker_states(states)
    assert isinstance(formatted, rule_log.FormattedStates)
    assert str(formatted) == repr(formatted) == Policy.format_tracker_states(states)
    assert "user intent: ask_pml" in str(formatted)
    assert copy.deepcopy(formatted) is formatted


def test_nothing_is_formatted_unless_printed(installed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(rule_log, "_original", lambda states: calls.append(1) or "formatted")
    formatted = copy.deepcopy(RulePolicy.format_tracker_states(_states()))
    assert calls == []
    assert f"{formatted}" == "formatted" and calls == [1]


def test_other_policies_and_uninstall_keep_rasas_formatting(installed: None) -> None:
    assert isinstance(Policy.format_tracker_states([]), str)
    rule_log.uninstall()
    assert isinstance(RulePolicy.format_tracker_states([]), str)
