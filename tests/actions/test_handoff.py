"""The handoff form's validation paths, and filing with a real SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from actions.contact import clean_name, parse_contact


def tracker(
    intent: str = "inform",
    text: str = "",
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker(
        sender_id="patient-1",
        slots={"requested_slot": None, **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent}, "entities": []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": "handoff_form"},
        latest_action_name="action_listen",
    )


@pytest.mark.parametrize(
    ("text", "email", "phone"),
    [
        ("jane@example.com", "jane@example.com", None),
        ("my email is jane.doe@mail.co.uk", "jane.doe@mail.co.uk", None),
        ("+1 (555) 123-4567", None, "+1 (555) 123-4567"),
        ("my number is 07700 900123", None, "07700 900123"),
        ("jane@", None, None),
        ("jane at example dot com", None, None),
        ("12", None, None),
        ("call me tomorrow", None, None),
    ],
)
def test_parse_contact(text: str, email: str | None, phone: str | None) -> None:
    assert parse_contact(text) == (email, phone)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jane Doe", "Jane Doe"),
        ("my name is Ana", "Ana"),
        ("hi", None),
        ("j4ne", None),
        ("", None),
        ("x" * 90, None),
    ],
)
def test_clean_name(text: str, name: str | None) -> None:
    assert clean_name(text) == name


async def test_bad_email_is_rejected_with_a_clear_reask() -> None:
    dispatcher = CollectingDispatcher()
    result = await handoff.ValidateHandoffForm().validate_contact("jane@", dispatcher, tracker(), {})
    assert result == {"contact": None}
    assert "doesn't look like an email address or a phone number" in dispatcher.messages[0]["text"]


async def test_good_phone_sets_the_phone_slot() -> None:
    result = await handoff.ValidateHandoffForm().validate_contact(
        "555 010 0199", CollectingDispatcher(), tracker(), {}
    )
    assert result == {"contact": "555 010 0199", "contact_email": None, "contact_phone": "555 010 0199"}


async def test_best_time_is_optional() -> None:
    form = handoff.ValidateHandoffForm()
    assert (await form.validate_best_time("/deny", CollectingDispatcher(), tracker("deny"), {})) == {
        "best_time": "no preference"
    }
    assert (await form.validate_best_time("mornings", CollectingDispatcher(), tracker(), {})) == {
        "best_time": "mornings"
    }


async def test_prefilled_question_is_kept_on_yes_and_replaced_by_text() -> None:
    form = handoff.ValidateHandoffForm()
    slots = {"question_prefill": "can I breastfeed on ocrevus"}
    yes = await form.validate_question(
        "/affirm", CollectingDispatcher(), tracker("affirm", "/affirm", slots), {}
    )
    assert yes == {"question": "can I breastfeed on ocrevus"}
    own = await form.validate_question(
        "is it ok with my thyroid pills",
        CollectingDispatcher(),
        tracker("inform", "is it ok with my thyroid pills", slots),
        {},
    )
    assert own == {"question": "is it ok with my thyroid pills"}


async def test_last_medical_question_is_offered() -> None:
    events = [
        {
            "event": "user",
            "text": "can I breastfeed on ocrevus",
            "parse_data": {"intent": {"name": "ask_pregnancy"}},
        },
        {
            "event": "user",
            "text": "talk to a person",
            "parse_data": {"intent": {"name": "request_consultant"}},
        },
    ]
    dispatcher = CollectingDispatcher()
    result = await handoff.ActionAskQuestion().run(dispatcher, tracker(events=events), {})
    assert "can I breastfeed on ocrevus" in dispatcher.messages[0]["text"]
    assert result[0]["value"] == "can I breastfeed on ocrevus"


async def test_no_consent_stops_the_form_and_says_what_is_not_kept() -> None:
    form = handoff.ValidateHandoffForm()
    dispatcher = CollectingDispatcher()
    assert (await form.validate_consent(False, dispatcher, tracker("deny"), {})) == {"consent": False}
    assert "won't create a request" in dispatcher.messages[0]["text"]
    required = await form.required_slots([], dispatcher, tracker(slots={"consent": False}), {})
    assert "consent" in required and "handoff_confirmed" not in required
    filed = await handoff.ActionFileTicket().run(
        CollectingDispatcher(), tracker(slots={"consent": False}), {}
    )
    assert {"event": "slot", "name": "contact_email", "value": None, "timestamp": None} in filed


async def test_confirmed_form_files_a_ticket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tickets.db'}")
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    slots = {
        "consent": True,
        "handoff_confirmed": True,
        "contact_name": "Jane Doe",
        "contact": "jane@example.com",
        "contact_email": "jane@example.com",
        "contact_phone": None,
        "best_time": "mornings",
        "question": "can I breastfeed?",
        "drug": "ocrelizumab",
        "topic": "pregnancy",
        "urgent": True,
    }
    events = [
        {"event": "user", "text": "can I breastfeed?", "timestamp": 1.0},
        {"event": "bot", "text": "Pregnancy, breastfeeding ...", "timestamp": 2.0},
    ]
    dispatcher = CollectingDispatcher()
    result = await handoff.ActionFileTicket().run(
        dispatcher, tracker("affirm", slots=slots, events=events), {}
    )
    reference = next(e["value"] for e in result if e["name"] == "ticket_reference")
    assert reference in dispatcher.messages[0]["text"]
    assert "urgent" in dispatcher.messages[1]["text"]

    from bot.tickets import TicketRepository

    ticket = TicketRepository.for_url(f"sqlite:///{tmp_path / 'tickets.db'}").get(reference)
    assert ticket.urgent and ticket.drug == "ocrelizumab" and ticket.email == "jane@example.com"
    assert ticket.status == "new" and ticket.consent
    assert [e.role for e in ticket.transcript] == ["patient", "bot"]


async def test_an_email_taken_for_cancel_is_kept_as_the_answer() -> None:
    t = tracker("cancel", "ada@example.org", {"requested_slot": "contact"})
    dispatcher = CollectingDispatcher()
    events = await handoff.ActionCancelHandoff().run(dispatcher, t, {})
    assert not dispatcher.messages
    assert {"event": "slot", "name": "contact_email", "value": "ada@example.org", "timestamp": None} in events
    assert {"event": "followup", "name": "handoff_form", "timestamp": None} in events


async def test_cancel_clears_what_was_typed() -> None:
    t = tracker("cancel", "cancel", {"requested_slot": "contact", "contact_name": "Ada"})
    dispatcher = CollectingDispatcher()
    events = await handoff.ActionCancelHandoff().run(dispatcher, t, {})
    assert "Nothing was sent" in dispatcher.messages[0]["text"]
    assert {"event": "slot", "name": "contact_name", "value": None, "timestamp": None} in events


async def test_a_name_taken_for_a_medical_question_is_the_answer_to_the_form() -> None:
    from actions.answers import ActionAnswerSideEffects

    t = tracker("ask_side_effects", "Ada Lovelace", {"requested_slot": "contact_name"})
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerSideEffects().run(dispatcher, t, {})
    assert not dispatcher.messages
    assert {"event": "slot", "name": "contact_name", "value": "Ada Lovelace", "timestamp": None} in events
    assert {"event": "followup", "name": "handoff_form", "timestamp": None} in events


async def test_a_real_question_during_the_form_is_answered() -> None:
    from actions.answers import ActionAnswerDosing

    t = tracker("ask_dosing", "how often is ocrevus given?", {"requested_slot": "contact_name"})
    dispatcher = CollectingDispatcher()
    await ActionAnswerDosing().run(dispatcher, t, {})
    assert "6 months" in dispatcher.messages[0]["text"]


async def test_answers_typed_into_the_form_are_never_offered_as_the_question() -> None:
    events = [
        {
            "event": "user",
            "text": "can I breastfeed on ocrevus",
            "parse_data": {"intent": {"name": "ask_pregnancy"}},
        },
        {"event": "active_loop", "name": "handoff_form"},
        {"event": "user", "text": "Ada Lovelace", "parse_data": {"intent": {"name": "ask_side_effects"}}},
    ]
    assert handoff.last_question(tracker(events=events)) == "can I breastfeed on ocrevus"


def test_a_follow_up_is_offered_with_the_question_it_follows() -> None:
    def said(text: str, intent: str) -> dict:
        return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}

    events = [
        said("how often is the ocrevus infusion", "ask_dosing"),
        said("can i take ibuprofen with ocrevus", "ask_interactions"),
        said("and with alcohol?", "ask_interactions"),
    ]
    assert handoff.last_question(tracker(events=events)) == (
        "can i take ibuprofen with ocrevus (then: and with alcohol?)"
    )
    assert handoff.last_question(tracker(events=events[:2])) == "can i take ibuprofen with ocrevus"
