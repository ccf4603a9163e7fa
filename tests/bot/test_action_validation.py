"""bot.action_validation: Rasa's check of action server responses, its schema checked once,
with the same verdicts and errors as ``jsonschema.validate``."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from bot import action_validation

VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "drug", "value": "ocrelizumab"}], "responses": [{"text": "hi"}]},
    {},
]
INVALID: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"responses": "text"},
    {"events": [{"event": 3}]},
]


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_as_with_jsonschema(result: dict[str, Any]) -> None:
    validate(result, RemoteAction.action_response_format_spec())
    assert action_validation.validate_action_result(None, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_with_the_same_error(result: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as theirs:
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError) as ours:
        action_validation.validate_action_result(None, result)
    assert ours.value.message.startswith(theirs.value.message)
    assert ours.value.message.endswith("/custom-actions") and list(ours.value.path) == list(theirs.value.path)


def test_install_replaces_rasas_check_and_builds_the_validator_once() -> None:
    original = RemoteAction._validate_action_result
    try:
        action_validation.install()
        action = RemoteAction("action_x", None)
        assert action._validate_action_result({"events": []}) is True
        with pytest.raises(ValidationError):
            action._validate_action_result({"events": "x"})
        assert action_validation.response_validator() is action_validation.response_validator()
    finally:
        RemoteAction._validate_action_result = original  # type: ignore[method-assign]
