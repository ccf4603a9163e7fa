"""Spotting personal treatment decisions: the many ways patients ask the bot to decide, read by
the whole safety reader (triage and decision patterns)."""

from __future__ import annotations

import pytest

from bot.nlu.red_flag_detector import RedFlagDetector

DECISIONS = [
    "should i stop ocrevus",
    "shoud i stop taking ocrevus",
    "can i skip my next infusion",
    "is it ok if i miss my infusion this time",
    "do i really need the steroids before the infusion",
    "can i go without the steroids",
    "i dont want the next dose, is that ok",
    "can i have my infusion later than planned",
    "would it be better to switch to kesimpta",
    "do you think i should switch",
    "is it safe to stop",
    "should i take double dose",
    "i missed my dose should i take two",
    "can i take it every other day instead",
    "ok to take half a tablet?",
    "can i wait until after my holiday for the infusion",
    "i want to come off ocrevus",
    "is it worth continuing ocrevus",
    "im scared should i keep going with it",
    "can i skip the antihistamine",
    "would you stop it if you were me",
    "what would you do in my position",
    "should my daughter stop her medicine",
    "can i put my infusion off a month",
    "can i put my ocrevus infusion off a month",
    "could i push the next ocrevus dose back",
    "can i just not take the steroids",
]

NOT_DECISIONS = [
    "what is ocrevus",
    "how often is the infusion",
    "what happens if i miss a dose",
    "what are the side effects",
    "how do i store it",
    "is it safe to take ibuprofen with ocrevus",
    "is ocrevus safe in pregnancy",
    "is it ok to take it with a meal",
    "how long should i wait to eat after taking it",
    "is it safe if i have diabetes",
]


@pytest.mark.parametrize("text", DECISIONS)
def test_decision_questions_are_spotted(red_flag_detector: RedFlagDetector, text: str) -> None:
    assert red_flag_detector.reader.read([text])[0].decision


@pytest.mark.parametrize("text", NOT_DECISIONS)
def test_fact_questions_are_not_decisions(red_flag_detector: RedFlagDetector, text: str) -> None:
    assert not red_flag_detector.reader.read([text])[0].decision
