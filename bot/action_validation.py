"""Rasa's check of each action server response, at the cost it should have.

Rasa 3.6 validates every response of the action server with ``jsonschema.validate``, which
first checks the (constant) response schema against the draft 2020-12 meta-schema, on every
call: under load that was about 30% of a Rasa server's CPU (py-spy, ``docs/performance.md``).
:func:`install` makes ``RemoteAction`` check the schema once and reuse its validator. Responses
are validated as before: the same schema, the same error (jsonschema's best match) with
Rasa's explanation added.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

RASA_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    "Action endpoint is valid. For more information about the format visit "
)


@lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator of Rasa's action response schema, its schema checked once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the cached validator."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += f"{RASA_HINT}{DOCS_BASE_URL}/custom-actions"
        raise error
    return True


def install() -> None:
    """Use :func:`validate_action_result` for every remote action of this process."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result
