"""Every answer action, run on the real monographs: facts, citation, disclaimer last."""

from __future__ import annotations

import re

import pytest

from actions import answers
from actions.purchase import ActionAnswerPurchase

CITATION = re.compile(r"\[\d+\] OCREVUS (ZUNOVO )?US Prescribing Information, section \d+(\.\d+)*")


def texts(messages: list[dict]) -> list[str]:
    return [m.get("text") or "" for m in messages]


def assert_cited_and_disclaimed(messages: list[dict]) -> str:
    body = "\n".join(texts(messages))
    assert CITATION.search(body), body
    assert "physician" in texts(messages)[-1]
    return body


@pytest.mark.parametrize(
    ("action", "text", "intent", "entities", "expected"),
    [
        (
            answers.ActionAnswerSideEffects(),
            "how common are infusion reactions with ocrevus",
            "ask_side_effects",
            [("drug", "ocrevus")],
            ["34-40%", "0.3%"],
        ),
        (
            answers.ActionAnswerSideEffects(),
            "does ocrevus cause depression",
            "ask_side_effects",
            [("drug", "ocrevus"), ("side_effect", "depression")],
            ["8%", "7%", "REBIF"],
        ),
        (
            answers.ActionAnswerSideEffects(),
            "shingles on ocrevus?",
            "ask_side_effects",
            [("side_effect", "shingles")],
            ["2.1%"],
        ),
        (answers.ActionAnswerPml(), "what are the symptoms of pml", "ask_pml", [], ["weakness", "confusion"]),
        (
            answers.ActionAnswerEligibility(),
            "can I take it if I have hepatitis B",
            "ask_eligibility",
            [("condition", "hepatitis B")],
            ["hepatitis B"],
        ),
        (
            answers.ActionAnswerEligibility(),
            "can my child take ocrevus",
            "ask_eligibility",
            [("population", "child")],
            ["10", "25 kg"],
        ),
        (
            answers.ActionAnswerMonitoring(),
            "what tests before starting",
            "ask_monitoring",
            [],
            ["hepatitis B"],
        ),
        (
            answers.ActionAnswerVaccines(),
            "can I get live vaccines",
            "ask_vaccines",
            [("vaccine", "live vaccines")],
            ["not recommended"],
        ),
        (
            answers.ActionAnswerVaccines(),
            "how long before starting should I get my vaccines",
            "ask_vaccines",
            [],
            ["4 weeks", "2 weeks"],
        ),
        (
            answers.ActionAnswerPregnancy(),
            "can I breastfeed on ocrevus",
            "ask_pregnancy",
            [("population", "breastfeeding")],
            ["milk"],
        ),
        (answers.ActionAnswerPregnancy(), "do I need birth control", "ask_pregnancy", [], ["6 months"]),
        (answers.ActionAnswerDosing(), "how often do I get it", "ask_dosing", [], ["6 months"]),
        (answers.ActionAnswerDosing(), "I missed my infusion", "ask_dosing", [], ["5 months"]),
        (
            answers.ActionAnswerAdministration(),
            "do I get steroids before the infusion",
            "ask_administration",
            [],
            ["methylprednisolone"],
        ),
        (
            answers.ActionAnswerInteractions(),
            "can I take it with steroids",
            "ask_interactions",
            [],
            ["immune"],
        ),
        (answers.ActionAnswerStorage(), "how do I store it", "ask_storage", [], ["2", "8 °C"]),
        (
            answers.ActionAnswerIndication(),
            "what is ocrevus used for",
            "ask_indication",
            [("drug", "ocrevus")],
            ["multiple sclerosis"],
        ),
        (answers.ActionAnswerMechanism(), "how does it work", "ask_mechanism", [], ["CD20"]),
    ],
)
async def test_answer_has_facts_citation_and_disclaimer(
    run_action, action, text, intent, entities, expected
) -> None:
    messages, events = await run_action(action, text, intent, entities)
    body = assert_cited_and_disclaimed(messages)
    for fact in expected:
        assert fact.lower() in body.lower(), f"{fact!r} missing from:\n{body}"
    assert {"event": "slot", "name": "drug", "value": "ocrelizumab", "timestamp": None} in events


async def test_unlisted_side_effect_is_said_to_be_unlisted(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerSideEffects(),
        "does ocrevus cause hair loss",
        "ask_side_effects",
        [("drug", "ocrevus"), ("side_effect", "hair loss")],
    )
    body = assert_cited_and_disclaimed(messages)
    assert "does not list hair loss" in body


async def test_drug_without_monograph_is_not_answered_with_another_drug(run_action) -> None:
    messages, events = await run_action(
        answers.ActionAnswerSideEffects(),
        "side effects of valsartan",
        "ask_side_effects",
        [("drug", "valsartan")],
        {"drug": "ocrelizumab"},
    )
    body = "\n".join(texts(messages))
    assert "valsartan" in body and "ocrelizumab (OCREVUS" in body
    assert not CITATION.search(body)
    assert any(b["payload"] == "/request_consultant" for m in messages for b in m.get("buttons") or [])
    assert {"event": "slot", "name": "drug", "value": "valsartan", "timestamp": None} in events


async def test_interaction_with_unknown_drug_stays_on_conversation_drug(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerInteractions(),
        "can I take it with ibuprofen",
        "ask_interactions",
        [("drug", "ibuprofen")],
        {"drug": "ocrelizumab"},
    )
    body = assert_cited_and_disclaimed(messages)
    assert "does not mention ibuprofen" in body


async def test_follow_up_without_drug_uses_slot_and_typo(run_action) -> None:
    messages, events = await run_action(
        answers.ActionAnswerDosing(), "whats the dose of ocrelizamab", "ask_dosing", [("drug", "ocrelizamab")]
    )
    assert_cited_and_disclaimed(messages)
    assert {"event": "slot", "name": "drug", "value": "ocrelizumab", "timestamp": None} in events


async def test_symptom_answer_offers_consultant_then_disclaimer(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerSymptom(),
        "I have a rash since my infusion",
        "report_symptom",
        [("side_effect", "rash")],
    )
    assert_cited_and_disclaimed(messages)
    assert any(b["payload"] == "/request_consultant" for m in messages for b in m.get("buttons") or [])


async def test_purchase_is_honest_and_offers_consultant(run_action) -> None:
    messages, _ = await run_action(
        ActionAnswerPurchase(), "how much does ocrevus cost", "ask_purchase", [("drug", "ocrevus")]
    )
    assert "consultant" in messages[0]["text"] and "ocrelizumab" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "/request_consultant"


DECISIONS = [
    (answers.ActionAnswerDosing(), "should I skip my next infusion", "ask_dosing"),
    (answers.ActionAnswerDosing(), "can i delay my ocrevus dose by a month", "ask_dosing"),
    (answers.ActionAnswerDosing(), "should I double my dose of tabrecta tomorrow", "ask_dosing"),
    (
        answers.ActionAnswerAdministration(),
        "can I skip the steroids before the infusion",
        "ask_administration",
    ),
    (
        answers.ActionAnswerInteractions(),
        "should i switch from ocrevus to something else",
        "ask_interactions",
    ),
    (answers.ActionAnswerPregnancy(), "should I stop ocrevus now that I'm pregnant", "ask_pregnancy"),
    (
        answers.ActionAnswerSideEffects(),
        "should I stop taking it because of the side effects",
        "ask_side_effects",
    ),
    (
        answers.ActionAnswerVaccines(),
        "is it ok to skip my infusion to get the shingles vaccine",
        "ask_vaccines",
    ),
]


@pytest.mark.parametrize(("action", "text", "intent"), DECISIONS, ids=[d[1] for d in DECISIONS])
async def test_personal_decisions_get_facts_physician_and_consultant(
    run_action, action, text, intent
) -> None:
    # the NLU marks a decision with a `triage` entity (bot.nlu.red_flag_detector)
    messages, _ = await run_action(action, text, intent, [("triage", "decision")])
    first = texts(messages)[0]
    assert not re.match(r"\s*(yes|no)\b", first, re.I)
    assert "decision for you and your physician" in first
    assert CITATION.search(first) or "] TABRECTA" in first
    assert any(b["payload"] == "/request_consultant" for m in messages for b in m.get("buttons") or [])
    assert "physician" in texts(messages)[-1]


async def test_what_about_another_drug_keeps_the_topic(run_action) -> None:
    messages, events = await run_action(
        answers.ActionAnswerSameTopic(),
        "what about capmatinib?",
        "inform_drug",
        [("drug", "capmatinib")],
        {"drug": "ocrelizumab", "topic": "side_effects", "drugs_discussed": ["ocrelizumab"]},
    )
    body = "\n".join(texts(messages))
    assert "capmatinib" in body and "TABRECTA US Prescribing Information, section 6.1" in body
    assert "OCREVUS" not in body
    assert {
        "event": "slot",
        "name": "drugs_discussed",
        "value": ["ocrelizumab", "capmatinib"],
        "timestamp": None,
    } in events


async def test_unclear_drug_after_two_drugs_asks_which_with_buttons(run_action) -> None:
    messages, events = await run_action(
        answers.ActionAnswerDosing(),
        "how do i take it",
        "ask_dosing",
        [],
        {"drug": "capmatinib", "drugs_discussed": ["ocrelizumab", "capmatinib"]},
    )
    assert len(messages) == 1 and not events
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ['/ask_dosing{"drug": "ocrelizumab"}', '/ask_dosing{"drug": "capmatinib"}']


async def test_topic_missing_from_a_monograph_is_said_honestly(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerPml(), "does tabrecta cause pml", "ask_pml", [("drug", "tabrecta")]
    )
    body = "\n".join(texts(messages))
    assert "does not describe PML" in body
    assert "OCREVUS" not in body and "JC virus" not in body


def test_the_words_side_effects_misspelt_are_not_an_effect() -> None:
    """A retrained DIET tagged "efects" in "ocrevus side efects", and the bot said the label
    "does not list efects as a side effect"."""
    from actions.drug_context import side_effect_mentions

    for text, value in [
        ("ocrevus side efects", "efects"),
        ("ocrevus side affects", "side affects"),
        ("tabrecta sideefects", "sideefects"),
        ("does it have effects on the liver", "effects"),
    ]:
        start = text.index(value)
        entity = {"entity": "side_effect", "value": value, "start": start, "end": start + len(value)}
        assert side_effect_mentions({"text": text, "entities": [entity]}) == []
    text = "does ocrevus cause hair loss"
    entity = {"entity": "side_effect", "value": "hair loss", "start": 19, "end": 28}
    assert side_effect_mentions({"text": text, "entities": [entity]}) == ["hair loss"]


async def test_overlapping_effect_fragments_are_one_unlisted_effect(run_action) -> None:
    text = "will ocrevus make my hair fall out"
    tracker_entities = [("drug", "ocrevus")]
    from actions.drug_context import side_effect_mentions

    message = {
        "text": text,
        "entities": [
            {
                "entity": "side_effect",
                "value": "hair",
                "start": text.index("hair"),
                "end": text.index("hair") + 4,
            },
            {
                "entity": "side_effect",
                "value": "hair fall",
                "start": text.index("hair"),
                "end": text.index(" out"),
            },
            {"entity": "side_effect", "value": "fall out", "start": text.index("fall"), "end": len(text)},
            {"entity": "side_effect", "value": "u", "start": 0, "end": 1},
        ],
    }
    assert side_effect_mentions(message) == ["hair fall out"]
    messages, _ = await run_action(
        answers.ActionAnswerSideEffects(), text, "ask_side_effects", tracker_entities
    )
    assert "physician" in texts(messages)[-1]


async def test_take_unknown_drug_with_it_keeps_the_conversation_drug(run_action) -> None:
    messages, events = await run_action(
        answers.ActionAnswerInteractions(),
        "is it fine to take ibuprofen with it",
        "ask_interactions",
        [("drug", "ibuprofen")],
        {"drug": "ocrelizumab"},
    )
    assert "does not mention ibuprofen" in "\n".join(texts(messages))
    assert {"event": "slot", "name": "drug", "value": "ocrelizumab", "timestamp": None} in events


async def test_lisinopril_with_alcohol_is_not_answered_with_the_conversation_drug(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerInteractions(),
        "can I take lisinopril with alcohol",
        "ask_interactions",
        [("drug", "lisinopril")],
        {"drug": "ocrelizumab"},
    )
    body = "\n".join(texts(messages))
    assert "reliable label information about lisinopril" in body and not CITATION.search(body)


OTHER_DRUGS = [
    (
        answers.ActionAnswerSideEffects(),
        "what are the side effects of orserdu",
        [("drug", "orserdu")],
        "ORSERDU US Prescribing Information",
        ["muscle and bone pain", "nausea"],
    ),
    (
        answers.ActionAnswerSideEffects(),
        "does elacestrant cause nausea",
        [("drug", "elacestrant"), ("side_effect", "nausea")],
        "ORSERDU",
        ["35%"],
    ),
    (
        answers.ActionAnswerDosing(),
        "what is the dose of orserdu",
        [("drug", "orserdu")],
        "ORSERDU",
        ["345 mg"],
    ),
    (
        answers.ActionAnswerPregnancy(),
        "birth control with orserdu",
        [("drug", "orserdu")],
        "ORSERDU",
        ["1 week"],
    ),
    (
        answers.ActionAnswerSideEffects(),
        "tabrecta side effects",
        [("drug", "tabrecta")],
        "TABRECTA US Prescribing Information",
        ["swelling"],
    ),
    (
        answers.ActionAnswerSideEffects(),
        "does capmatinib cause swelling",
        [("drug", "capmatinib"), ("side_effect", "swelling")],
        "TABRECTA",
        ["59%"],
    ),
    (
        answers.ActionAnswerDosing(),
        "how much tabrecta do i take",
        [("drug", "tabrecta")],
        "TABRECTA",
        ["400 mg", "twice"],
    ),
    (
        answers.ActionAnswerPregnancy(),
        "can i get pregnant on tabrecta",
        [("drug", "tabrecta")],
        "TABRECTA",
        ["1 week"],
    ),
    (
        answers.ActionAnswerSideEffects(),
        "can tabrecta hurt my lungs",
        [("drug", "tabrecta")],
        "TABRECTA",
        ["lung"],
    ),
]


@pytest.mark.parametrize(
    ("action", "text", "entities", "source", "facts"), OTHER_DRUGS, ids=[d[1] for d in OTHER_DRUGS]
)
async def test_other_drugs_are_answered_from_their_own_label(
    run_action, action, text, entities, source, facts
) -> None:
    messages, _ = await run_action(action, text, "ask", entities)
    body = "\n".join(texts(messages))
    assert source in body and "OCREVUS" not in body, body
    for fact in facts:
        assert fact.lower() in body.lower(), f"{fact!r} missing:\n{body}"
    assert "physician" in texts(messages)[-1]


async def test_unclear_decision_question_gets_the_physician_and_the_dosing_facts(run_action) -> None:
    """The NLU is unsure of the topic, but the message asks a decision: declined, with the
    label's dosing and missed-dose facts of the drug in context, never yes or no."""
    from actions.fallback import ActionFallback

    messages, _ = await run_action(
        ActionFallback(),
        "missed both doses yesterday, is it ok to take four today?",
        "nlu_fallback",
        [("triage", "decision")],
        {"drug": "capmatinib"},
    )
    body = "\n".join(texts(messages))
    assert "decision for you and your physician" in body and "section 2" in body, body
    assert "physician" in texts(messages)[-1]
    messages, events = await run_action(ActionFallback(), "blorf wizzle", "nlu_fallback")
    assert "not sure I understood" in messages[0]["text"] and not events


async def test_a_decision_that_describes_a_situation_also_gets_the_facts_on_that_situation(
    run_action,
) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerDosing(),
        "should i skip my infusion next week? i have a bad cold",
        "ask_dosing",
        [("condition", "bad cold")],
    )
    first = texts(messages)[0]
    assert "decision for you and your physician" in first
    assert "What the label says about the situation you describe:" in first
    situation = first.split("What the label says about the situation you describe:")[1]
    assert "active infection" in situation and CITATION.search(situation)


async def test_a_decision_without_a_situation_gets_no_situation_facts(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerDosing(),
        "should i skip my next ocrevus infusion",
        "ask_dosing",
        [("drug", "ocrevus")],
    )
    assert "situation you describe" not in texts(messages)[0]


async def test_a_piece_of_a_word_tagged_as_a_medicine_is_not_one(run_action) -> None:
    """DIET once tagged "na" in "gonna" as a drug: the answer was about "na"."""
    messages, _ = await run_action(
        answers.ActionAnswerDosing(),
        "forgot my tablets all weekend so gonna take double tonight to catch up, fine?",
        "ask_dosing",
        [("drug", "na"), ("triage", "decision")],
        {"drug": "capmatinib"},
    )
    body = "\n".join(texts(messages))
    assert "about na" not in body and "decision for you and your physician" in body, body


async def test_moving_to_another_article_moves_the_drug() -> None:
    """The widget sends the page's drug with every message: after the patient moves from the
    ocrelizumab article to the elacestrant one, 'what are the side effects?' is about elacestrant."""
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    def said(text: str, page: str) -> dict:
        return {"event": "user", "text": text, "metadata": {"drug": page}}

    latest = {
        "text": "what are the side effects?",
        "intent": {"name": "ask_side_effects", "confidence": 0.99},
        "entities": [],
        "metadata": {"drug": "elacestrant"},
    }
    events = [said("how often is it given", "ocrelizumab"), said("what are the side effects?", "elacestrant")]
    tracker = Tracker(
        "page-move", {"drug": "ocrelizumab", "topic": "dosing"}, latest, events, False, None, {}, ""
    )
    dispatcher = CollectingDispatcher()
    await answers.ActionAnswerSideEffects().run(dispatcher, tracker, {})
    body = "\n".join(texts(dispatcher.messages))
    assert "elacestrant" in body and "ORSERDU US Prescribing Information" in body
    assert "OCREVUS" not in body

    # on the same page, the conversation's drug stays
    events[-1] = said("what are the side effects?", "ocrelizumab")
    latest["metadata"] = {"drug": "ocrelizumab"}
    tracker = Tracker(
        "page-stay", {"drug": "capmatinib", "topic": "dosing"}, latest, events, False, None, {}, ""
    )
    dispatcher = CollectingDispatcher()
    await answers.ActionAnswerSideEffects().run(dispatcher, tracker, {})
    assert "TABRECTA US Prescribing Information" in "\n".join(texts(dispatcher.messages))


async def test_the_label_not_covering_alcohol_is_said_plainly(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerInteractions(),
        "can i drink alcohol on ocrevus",
        "ask_interactions",
        [("drug", "ocrevus")],
    )
    first = texts(messages)[0]
    assert "The ocrelizumab label does not say anything about alcohol" in first
    assert any(b["payload"] == "/request_consultant" for m in messages for b in m.get("buttons") or [])


async def test_a_comparison_with_a_drug_we_do_not_cover_is_not_answered_silently(run_action) -> None:
    messages, _ = await run_action(
        answers.ActionAnswerIndication(),
        "is kesimpta better than ocrevus",
        "ask_indication",
        [("drug", "kesimpta"), ("drug", "ocrevus")],
    )
    first = texts(messages)[0]
    assert "I have no label information on kesimpta" in first
    assert "multiple sclerosis" in first
