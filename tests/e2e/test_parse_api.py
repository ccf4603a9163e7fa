"""The NLU over the Rasa HTTP API, as outside evaluation tools call it: intent and entities."""

from __future__ import annotations

import json
import urllib.request

import pytest

from bot.localbot import LocalBot


def parse(bot: LocalBot, text: str) -> dict:
    req = urllib.request.Request(
        bot.api_url("/model/parse"),
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (local URL)
        return dict(json.loads(resp.read()))


@pytest.mark.parametrize(
    ("text", "intent", "entities"),
    [
        ("what are the side effects of valsartan", "ask_side_effects", {("drug", "valsartan")}),
        (
            "can ocrelizumab give me shingles",
            "ask_side_effects",
            {("drug", "ocrelizumab"), ("side_effect", "shingles")},
        ),
        (
            "is valsartan ok with ibuprofen",
            "ask_interactions",
            {("drug", "valsartan"), ("drug", "ibuprofen")},
        ),
    ],
)
def test_each_entity_comes_once_with_the_intent(
    local_bot: LocalBot, text: str, intent: str, entities: set
) -> None:
    result = parse(local_bot, text)
    assert result["intent"]["name"] == intent
    found = [(e["entity"], e["value"].lower()) for e in result["entities"] if e["entity"] != "red_flag"]
    assert sorted(found) == sorted(entities), result["entities"]
