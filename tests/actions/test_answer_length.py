"""Answers a patient can read on a phone: at most MAX_ANSWER_WORDS with the list unfolded, the
answering fact always, the facts on what was asked before the others, the trial in the note."""

from __future__ import annotations

import pytest

from actions import answers
from actions.compose import MAX_ANSWER_WORDS, SOURCES_HEADING
from actions.phrases import phrase
from bot.convtest.report import words_before_more

QUESTIONS = [
    (answers.ActionAnswerSideEffects(), "how common are infusion reactions with ocrevus", "ask_side_effects"),
    (answers.ActionAnswerSideEffects(), "could i get shingles from ocrevus", "ask_side_effects"),
    (answers.ActionAnswerSideEffects(), "what infections can ocrevus cause", "ask_side_effects"),
    (answers.ActionAnswerSideEffects(), "side effects of tabrecta", "ask_side_effects"),
    (answers.ActionAnswerPregnancy(), "breastfeeding on ocrevus ok?", "ask_pregnancy"),
    (answers.ActionAnswerDosing(), "should i skip my ocrevus infusion, i have a cold", "ask_dosing"),
]


def _reply(messages: list[dict]) -> str:
    (message,) = [m for m in messages if SOURCES_HEADING in str(m.get("text"))]
    return str(message["text"])


@pytest.mark.parametrize(("action", "text", "intent"), QUESTIONS)
async def test_no_answer_is_longer_than_the_cap_with_its_list_unfolded(
    run_action, action, text, intent
) -> None:
    messages, _ = await run_action(action, text, intent)
    body = _reply(messages).partition(f"\n{SOURCES_HEADING}\n")[0]
    assert len(body.split()) <= MAX_ANSWER_WORDS, body
    assert words_before_more(_reply(messages)) <= MAX_ANSWER_WORDS


async def test_what_was_left_out_is_said_and_reached_by_asking_about_it(run_action) -> None:
    overview, _ = await run_action(
        answers.ActionAnswerSideEffects(),
        "tell me about infusion reactions with ocrevus",
        "ask_side_effects",
    )
    assert phrase("more_in_label") in _reply(overview)
    assert "In children, 48%" not in _reply(overview)
    children, _ = await run_action(
        answers.ActionAnswerSideEffects(),
        "do children get infusion reactions on ocrevus",
        "ask_side_effects",
        [("population", "children")],
    )
    assert "In children, 48%" in _reply(children)


async def test_the_answering_fact_stays_first(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerSideEffects(), "could i get shingles from ocrevus", "ask_side_effects"
    )
    lines = _reply(messages).split("\n")
    assert lines[1].startswith("Herpes virus-associated infections: 6% of people on OCREVUS compared with 4%")
    assert any("shingles (herpes zoster) happened in 2.1% vs 1.0%" in line for line in lines)


async def test_a_table_row_is_short_and_its_note_names_the_trial_once(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerSideEffects(),
        "infusion reactions on ocrelizumab, what % of people?",
        "ask_side_effects",
    )
    reply = _reply(messages)
    assert (
        "Infusion reactions: 34% of people on OCREVUS compared with 10% on REBIF (interferon beta-1a), in "
        in reply
    )
    sources = reply.partition(f"\n{SOURCES_HEADING}\n")[2]
    assert sources.count("OPERA I and OPERA II") == 1
    assert "n=825" not in reply
