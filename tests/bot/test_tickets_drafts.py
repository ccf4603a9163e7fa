"""Drafts, references and transcripts: the pure parts of filing."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.tickets import (
    ConsentRequiredError,
    IncompleteDraftError,
    TicketDraft,
    TranscriptEntry,
    transcript_from_events,
)
from bot.tickets.references import ALPHABET, is_reference, new_reference, normalize_reference


def test_references_are_short_and_unambiguous():
    references = {new_reference() for _ in range(2000)}
    assert len(references) > 1990
    for reference in references:
        assert is_reference(reference)
        assert len(reference) == 8
        assert not set(reference[3:]) & set("01ILOU")
    assert set(ALPHABET).isdisjoint("01ILOU")
    assert normalize_reference("mc 7k3q9") == "MC-7K3Q9"
    assert normalize_reference("7k3q9") == "MC-7K3Q9"
    assert not is_reference("MC-7K3Q0")


def test_a_draft_needs_consent():
    with pytest.raises(ConsentRequiredError, match="consent"):
        TicketDraft(patient_name="A", question="Q", consent=False, email="a@b.co").validated()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"patient_name": "  "}, "patient_name"),
        ({"question": ""}, "question"),
        ({"email": None, "phone": None}, "email"),
        ({"email": "not an address"}, "email"),
        ({"email": None, "phone": "12"}, "phone"),
        ({"question": "x" * 5001}, "question"),
    ],
)
def test_a_draft_names_the_field_at_fault(changes, field):
    values = {"patient_name": "A", "question": "Q", "consent": True, "email": "a@b.co"} | changes
    with pytest.raises(IncompleteDraftError) as error:
        TicketDraft(**values).validated()
    assert error.value.field == field
    assert f"TicketDraft.{field}" in str(error.value)


def test_validation_cleans_and_stamps_consent():
    now = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
    clean = TicketDraft(
        patient_name=" Ann ", question=" Q? ", consent=True, phone=" +44 1234 567 ", best_time=""
    ).validated(now)
    assert (clean.patient_name, clean.question, clean.phone, clean.best_time) == (
        "Ann",
        "Q?",
        "+44 1234 567",
        None,
    )
    assert clean.consented_at == now


def test_a_draft_survives_its_json_form():
    draft = TicketDraft(
        patient_name="Ann",
        question="Q?",
        consent=True,
        email="a@b.co",
        urgent=True,
        consented_at=datetime(2026, 1, 2, tzinfo=timezone.utc),
        transcript=(TranscriptEntry("patient", "hi", datetime(2026, 1, 2, tzinfo=timezone.utc)),),
    ).validated()
    assert TicketDraft.from_dict(draft.to_dict()) == draft


def test_transcript_from_rasa_events():
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": "I want a human", "timestamp": 1700000000.5},
        {"event": "bot", "text": "Sure.", "timestamp": 1700000001.0},
        {"event": "bot", "text": None, "timestamp": 1700000002.0},
        {"event": "slot", "name": "x", "value": 1},
    ]
    transcript = transcript_from_events(events)
    assert [(e.role, e.text) for e in transcript] == [("patient", "I want a human"), ("bot", "Sure.")]
    assert transcript[0].timestamp == datetime.fromtimestamp(1700000000.5, timezone.utc)
    assert len(transcript_from_events(events * 200, limit=10)) == 10
