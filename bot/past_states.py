"""The policies' dialogue states, carried forward from the last turn instead of rebuilt.

Before each prediction Rasa's policies ask the tracker for the state before every action of the
conversation (``DialogueStateTracker.past_states``): Rasa replays every event and builds every
state again, several times a turn (the memoization and rule policies, each prediction of the
turn), so the 100th message pays for the 99 before it. The states of the events a conversation
already had do not change when events are added; this module keeps them on the tracker (which
``bot.tracker_cache`` keeps between turns) with the replay's position, and builds only the
states of the new events. It checks that the events Rasa applies still begin with those it
built from (a form's repeated loop turns and reverted turns remove applied events): otherwise
it starts again from the first event, as Rasa does.

The loop below is ``Domain.states_for_tracker_history`` of Rasa 3.6 made resumable;
tests/bot/test_past_states.py checks it against Rasa's own on whole conversations. Installed by
``python -m bot rasa`` (:func:`install`).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

_MEMO = "_pharmabot_past_states"
_APPLIED = "_pharmabot_applied_events"
_original = DialogueStateTracker.past_states
_original_applied = DialogueStateTracker.applied_events


@dataclass
class _Applied:
    """Rasa's applied events of a tracker, after reading its first ``seen`` events."""

    seen: int
    loops: frozenset[str]
    events: list[Event]


def _loop_names(events: Any) -> frozenset[str]:
    return frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)


def applied_events(tracker: DialogueStateTracker) -> list[Event]:
    """``tracker.applied_events()`` (the events without those reverted or repeated by a form),
    read on from where the last call on this tracker stopped. Rasa's loop takes the names of all
    the conversation's forms first: a new form name, or a tracker that forgets its first events
    (``max_event_history``), starts again from the first event."""
    events = tracker.events
    memo: _Applied | None = tracker.__dict__.get(_APPLIED)
    new = list(itertools.islice(events, memo.seen, None)) if memo is not None else []
    if (
        memo is None
        or events.maxlen is not None
        or memo.seen > len(events)
        or not _loop_names(new) <= memo.loops
    ):
        memo = _Applied(len(events), _loop_names(events), _original_applied(tracker))
        tracker.__dict__[_APPLIED] = memo
        return memo.events
    applied = memo.events
    for event in new:  # Rasa 3.6's DialogueStateTracker.applied_events, one event at a time
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in memo.loops
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    memo.seen, memo.events = len(events), applied
    return applied


@dataclass
class _Replay:
    """Rasa's replay of the applied events, stopped after ``consumed`` of them."""

    tracker: DialogueStateTracker
    consumed: int = 0
    last: Event | None = None
    states: list[State] = field(default_factory=list)
    last_ml_action_sub_state: Any = None
    turn_was_hidden: bool = False


def _state(
    domain: Domain,
    replay: _Replay,
    hide_rule_turn: bool,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> State | None:
    """The state before the next action, as Rasa's loop builds it (None: a hidden rule turn);
    updates the loop's own memory (the last ML action, whether the turn was hidden)."""
    tr = replay.tracker
    if ignore_rule_only_turns:
        if not replay.turn_was_hidden:
            replay.last_ml_action_sub_state = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and tr.latest_action_name != tr.active_loop_name:
            replay.turn_was_hidden = hide_rule_turn
        if replay.turn_was_hidden:
            return None
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if replay.states:
            domain._substitute_rule_only_user_input(state, replay.states[-1])
        if replay.last_ml_action_sub_state:
            state[PREVIOUS_ACTION] = replay.last_ml_action_sub_state
    return domain._clean_state(state)


def past_states(
    self: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """``DialogueStateTracker.past_states``, building only the states of events it has not seen."""
    key = (id(domain), omit_unset_slots, ignore_rule_only_turns, json.dumps(rule_only_data, sort_keys=True))
    memo: dict[tuple[Any, ...], _Replay] = self.__dict__.setdefault(_MEMO, {})
    applied = applied_events(self)
    replay = memo.get(key)
    if replay is None or not (
        replay.consumed <= len(applied)
        and (replay.consumed == 0 or applied[replay.consumed - 1] is replay.last)
    ):
        replay = _Replay(self.init_copy())
    options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    for event in applied[replay.consumed :]:
        if isinstance(event, ActionExecuted):
            state = _state(domain, replay, event.hide_rule_turn, *options)
            if state is not None:
                replay.states.append(state)
        replay.tracker.update(event)
        replay.consumed += 1
        replay.last = event
    memo[key] = replay
    # the state now (Rasa's final step) is built on a copy of the loop's memory: the next
    # events may make it a state before an action, built again then
    now = _Replay(replay.tracker, states=replay.states)
    now.last_ml_action_sub_state, now.turn_was_hidden = (
        replay.last_ml_action_sub_state,
        replay.turn_was_hidden,
    )
    final = _state(domain, now, False, *options)
    return _copies([*replay.states, *([final] if final is not None else [])])


def _copies(states: list[State]) -> list[State]:
    """The states with their user part copied, states that share one sharing its one copy: Rasa's
    featurizer deletes from the user part of the last state (shared with the states before it
    when a rule-only turn took its input), and the kept states must not change."""
    users: dict[int, dict[str, Any]] = {}
    copies = []
    for state in states:
        user = state.get(USER)
        if user is None:
            copies.append(state)
            continue
        copy = users.setdefault(id(user), dict(user))
        copies.append({**state, USER: copy})
    return copies


def _applied_copy(self: DialogueStateTracker) -> list[Event]:
    return list(applied_events(self))


def install() -> None:
    """Replace ``DialogueStateTracker.past_states`` and ``applied_events`` in this process
    (idempotent)."""
    DialogueStateTracker.past_states = past_states
    DialogueStateTracker.applied_events = _applied_copy


def uninstall() -> None:
    """Rasa's own ``past_states`` and ``applied_events`` again (tests)."""
    DialogueStateTracker.past_states = _original
    DialogueStateTracker.applied_events = _original_applied
