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
        # in words no pattern covers: the sentence-similarity check (bot/nlu/red_flag_similarity.py)
        ("nobody would notice if i disappeared for good", "crisis"),
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
    ],
)
def test_negated_or_past_mentions_get_a_normal_answer(ask, message: str) -> None:
    replies = ask(message)
    assert not any(r.get("custom", {}).get("urgent") for r in replies)


def test_red_flag_explains_why_from_the_label(ask) -> None:
    replies = ask("my eyes look yellow", metadata={"drug": "ocrelizumab"})
    body = "\n".join(r.get("text") or "" for r in replies)
    assert "section 5.7" in body
