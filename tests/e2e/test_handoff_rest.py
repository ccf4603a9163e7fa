"""The handoff form over REST with the real servers, down to the ticket in the database."""

from __future__ import annotations

import re
import uuid
from typing import Any

from bot.localbot import LocalBot
from bot.tickets import TicketRepository

REFERENCE = re.compile(r"\b(MC-[A-Z0-9]{4,8})\b")


def _say(ask, sender: str, message: str) -> str:
    replies: list[dict[str, Any]] = ask(message, sender=sender)
    return "\n".join(r.get("text") or "" for r in replies)


def test_patient_files_a_ticket_with_transcript(ask, local_bot: LocalBot) -> None:
    sender = f"handoff-{uuid.uuid4().hex[:8]}"
    assert "milk" in _say(ask, sender, "can I breastfeed on ocrevus")
    assert "name" in _say(ask, sender, "can a pharmacist call me?")
    assert "email address or phone number" in _say(ask, sender, "Jane Doe")
    assert "doesn't look like an email" in _say(ask, sender, "jane@")
    assert "best time" in _say(ask, sender, "jane.doe@example.com")
    reply = _say(ask, sender, "weekday mornings")
    assert "can I breastfeed on ocrevus" in reply  # the question is prefilled
    assert "consent" in _say(ask, sender, "/affirm")
    summary = _say(ask, sender, "/affirm")
    assert "Jane Doe" in summary and "jane.doe@example.com" in summary and "weekday mornings" in summary
    done = _say(ask, sender, "/affirm")
    match = REFERENCE.search(done)
    assert match, done
    ticket = TicketRepository.for_url(local_bot.database_url).get(match.group(1))
    assert ticket.patient_name == "Jane Doe" and ticket.email == "jane.doe@example.com"
    assert ticket.question == "can I breastfeed on ocrevus" and ticket.drug == "ocrelizumab"
    assert not ticket.urgent
    patient_lines = [e.text for e in ticket.transcript if e.role == "patient"]
    assert "can I breastfeed on ocrevus" in patient_lines
    assert any("milk" in e.text for e in ticket.transcript if e.role == "bot")

    # the patient asks how the request is going: this chat learns it, another chat does not
    status = _say(ask, sender, f"whats the status of my request {match.group(1).lower()}?")
    assert f"{match.group(1)} has been received and is waiting for a consultant" in status
    other = _say(ask, f"handoff-{uuid.uuid4().hex[:8]}", f"any news on {match.group(1)}")
    assert "only give the status of a request sent from this chat" in other
    assert "waiting for a consultant" not in other


def test_medical_question_mid_form_is_answered_then_the_form_goes_on(ask) -> None:
    sender = f"handoff-{uuid.uuid4().hex[:8]}"
    _say(ask, sender, "I want to talk to a consultant")
    reply = _say(ask, sender, "how often is the ocrevus infusion given?")
    assert "6 months" in reply and "What is your name?" in reply


def test_red_flag_mid_form_interrupts_and_marks_the_ticket_urgent(ask, local_bot: LocalBot) -> None:
    sender = f"handoff-{uuid.uuid4().hex[:8]}"
    _say(ask, sender, "please have someone call me")
    replies = ask("my throat is swelling", sender=sender)
    assert any(r.get("custom", {}).get("urgent") for r in replies)
    texts = "\n".join(r.get("text") or "" for r in replies)
    assert "911" in texts and "What is your name?" in texts
    _say(ask, sender, "Sam Lee")
    _say(ask, sender, "+1 555 010 0199")
    _say(ask, sender, "any time")
    _say(ask, sender, "is it normal to feel tired the day after the infusion?")
    _say(ask, sender, "/affirm")
    done = _say(ask, sender, "/affirm")
    match = REFERENCE.search(done)
    assert match, done
    assert "urgent" in done
    ticket = TicketRepository.for_url(local_bot.database_url).get(match.group(1))
    assert ticket.urgent and ticket.phone == "+1 555 010 0199"


def test_cancel_files_nothing(ask) -> None:
    sender = f"handoff-{uuid.uuid4().hex[:8]}"
    _say(ask, sender, "talk to a human please")
    _say(ask, sender, "Ana Smith")
    reply = _say(ask, sender, "cancel")
    assert "Nothing was sent" in reply
    assert "doesn't look like" not in _say(ask, sender, "hello")


def test_no_consent_files_nothing_and_says_so(ask) -> None:
    sender = f"handoff-{uuid.uuid4().hex[:8]}"
    _say(ask, sender, "can someone contact me")
    _say(ask, sender, "Ana Smith")
    _say(ask, sender, "ana@example.org")
    _say(ask, sender, "/deny")
    _say(ask, sender, "what are the side effects of ocrevus")
    reply = _say(ask, sender, "/deny")
    assert "won't create a request" in reply
    assert not REFERENCE.search(reply)
