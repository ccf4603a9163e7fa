"""Red flags over REST: answered first, whatever the intent, with the consultant and disclaimer."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("my throat is swelling after the infusion", "emergency"),
        ("what are the side effects? I can't breathe", "emergency"),
        ("one side of my body feels weak since monday", "same_day"),
        ("i have a fever since my ocrevus dose", "same_day"),
        ("I want to end my life", "crisis"),
        ("I have chest pain", "emergency"),
        # misspelt or in another word order
        ("lips swolen after ocrevus", "emergency"),
        ("burning up with fever", "same_day"),
        ("thinking about ending it all", "crisis"),
        # in words no pattern covers: the learned triage (patient_text/triage.py)
        ("nobody would notice if i disappeared for good", "crisis"),
        ("i think im having a heart attack", "emergency"),
        ("my dad is talking funny and his face looks droopy on one side", "emergency"),
    ],
)
def test_red_flag_is_answered_first(ask, message: str, level: str) -> None:
    replies = ask(message)
    assert replies[0].get("text"), replies
    marker = next(r["custom"] for r in replies if r.get("custom"))
    assert marker["urgent"] is True and marker["level"] == level
    texts = [r.get("text") or "" for r in replies]
    if level == "crisis":
        assert "988" in texts[0]
    elif level == "poisoning":
        assert "Poison Control" in texts[0] and "911" in texts[0]
    else:
        assert "911" in texts[0] or "physician today" in texts[0]
    assert any(b["payload"] == "/request_consultant" for r in replies for b in r.get("buttons") or [])
    assert "physician" in [t for t in texts if t][-1]


@pytest.mark.parametrize(
    "message",
    [
        "I have no fever, how often is the infusion?",
        "I had trouble breathing last year",
        # close in words to the self-harm examples, but everyday
        "thanks, that's all for today, goodbye",
        "how do i get a refill",
        "can ocrevus cause depression or suicidal thoughts?",
        "fainted at the needle last time but was fine after 5 minutes",
    ],
)
def test_negated_or_past_mentions_get_a_normal_answer(ask, message: str) -> None:
    replies = ask(message)
    assert not any(r.get("custom", {}).get("urgent") for r in replies)


def test_red_flag_explains_why_from_the_label(ask) -> None:
    replies = ask("my eyes look yellow", metadata={"drug": "ocrelizumab"})
    body = "\n".join(r.get("text") or "" for r in replies)
    assert "section 5.7" in body


def test_a_swallowed_medicine_points_to_poison_control(ask) -> None:
    replies = ask("my toddler just swallowed two of my tabrecta tablets", metadata={"drug": "capmatinib"})
    marker = next(r["custom"] for r in replies if r.get("custom"))
    assert marker["urgent"] is True and marker["level"] == "poisoning"
    assert "1-800-222-1222" in replies[0]["text"] and "911" in replies[0]["text"]


def _urgent_answer(ask, message: str, drug: str) -> tuple[str, str]:
    """The urgent level and the whole text of the answer to ``message`` on ``drug``'s page."""
    replies = ask(message, metadata={"drug": drug})
    marker = next(r["custom"] for r in replies if r.get("custom"))
    return marker["level"], "\n".join(r.get("text") or "" for r in replies)


def test_tablets_saved_up_get_the_crisis_answer_and_nothing_about_doses(ask) -> None:
    level, body = _urgent_answer(
        ask, "ive been saving up my orserdu so i can take them all at once and it will be over", "elacestrant"
    )
    assert level in {"crisis", "poisoning"}
    assert "988" in body and "345 mg" not in body and "section 2" not in body


def test_upper_belly_pain_to_the_back_on_capmatinib_is_the_pancreas_warning(ask) -> None:
    level, body = _urgent_answer(
        ask, "bad pain in my upper belly going through to my back and i keep being sick", "capmatinib"
    )
    assert level in {"same_day", "emergency"}
    assert "section 5.3" in body


def test_an_unnamed_alarm_names_no_reason_and_no_other_drugs_warning(ask) -> None:
    """The triage finds it; no pattern names it: the answer says what to do, not a guessed why."""
    replies = ask(
        "my heart is racing and i feel really strange, i am scared", metadata={"drug": "capmatinib"}
    )
    body = "\n".join(r.get("text") or "" for r in replies)
    assert not any(word in body for word in ("PML", "allergic reaction", "OCREVUS"))


def test_a_decision_beside_an_alarm_is_still_declined(ask) -> None:
    replies = ask("ive got shingles coming up on my side, should i push my ocrevus back?")
    texts = [r.get("text") or "" for r in replies]
    assert any(r.get("custom", {}).get("urgent") for r in replies)
    assert any("decision for your physician" in t for t in texts)
