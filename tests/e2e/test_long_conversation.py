"""A long conversation over REST: what an answer action is sent is the latest turns only
(bot/action_history.py), yet the full disclaimer comes once, the page still decides the drug
and the handoff still prefills the patient's question."""

from __future__ import annotations

import uuid

from actions.phrases import phrase

QUESTIONS = ("what are the side effects of ocrevus", "how should i store it", "how often is it given?")


def _text(replies: list[dict]) -> str:
    return "\n".join(str(r.get("text") or "") for r in replies)


def test_the_full_disclaimer_comes_once_in_a_long_conversation(ask) -> None:
    sender = f"long-{uuid.uuid4().hex[:10]}"
    full, short = phrase("disclaimer"), phrase("disclaimer_short")
    texts = [_text(ask(QUESTIONS[i % len(QUESTIONS)], sender)) for i in range(12)]
    assert full in texts[0]
    assert all(short in t and full not in t for t in texts[1:]), texts


def test_the_page_decides_the_drug_after_many_turns(ask) -> None:
    sender = f"long-{uuid.uuid4().hex[:10]}"
    ocrevus_page, orserdu_page = {"drug": "ocrelizumab"}, {"drug": "elacestrant"}
    for i in range(8):
        ask(QUESTIONS[i % len(QUESTIONS)], sender, ocrevus_page)
    moved = _text(ask("what are the side effects?", sender, orserdu_page))
    assert "elacestrant" in moved and "ocrelizumab" not in moved, moved


def test_the_handoff_takes_the_question_asked_before_many_turns_of_answers(ask) -> None:
    sender = f"long-{uuid.uuid4().hex[:10]}"
    for i in range(8):
        ask(QUESTIONS[i % len(QUESTIONS)], sender)
    ask("can i take ocrevus while breastfeeding", sender)
    asked = _text(ask("can a pharmacist call me?", sender))
    assert asked, "the form did not start"
    for answer in ("Jane Doe", "jane.doe@example.com", "weekday mornings"):
        last = _text(ask(answer, sender))
    assert "can i take ocrevus while breastfeeding" in last, last
