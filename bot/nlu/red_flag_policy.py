"""Rasa policy: after a message with a red flag, the urgent action runs before anything else.

It predicts ``action_red_flag`` with full confidence and a priority above the RulePolicy,
whatever the intent and whether or not a form is active; after that action it hands back
to the active form (which asks its question again) or listens.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlu.red_flag_detector import ENTITY

ACTION = "action_red_flag"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class RedFlagPolicy(Policy):
    """Runs the red-flag action first whenever the NLU found a red flag."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        result = self._default_predictions(domain)
        last_action = tracker.latest_action_name
        if last_action == ACTION_LISTEN_NAME and _has_red_flag(tracker):
            result[domain.index_for_action(ACTION)] = 1.0
        elif last_action == ACTION:
            loop = tracker.active_loop_name
            result[domain.index_for_action(loop or ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(result)


def _has_red_flag(tracker: DialogueStateTracker) -> bool:
    entities = tracker.latest_message.entities if tracker.latest_message else []
    return any(e.get("entity") == ENTITY for e in entities)
