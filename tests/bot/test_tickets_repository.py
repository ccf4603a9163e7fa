"""The ticket repository on SQLite and PostgreSQL: filing, listing, claiming, notes, resolving."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.tickets import (
    AlreadyClaimedError,
    AlreadyFiledError,
    AlreadyResolvedError,
    ConsultantError,
    IncompleteDraftError,
    ReferenceTakenError,
    TicketDraft,
    TicketNotFoundError,
    TicketRepository,
    TranscriptEntry,
)

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)


def draft(**changes: object) -> TicketDraft:
    values: dict[str, object] = {
        "patient_name": "Ada Patient",
        "question": "Can I take ocrelizumab while breastfeeding?",
        "consent": True,
        "email": "ada@example.org",
        "phone": "+44 20 7946 0000",
        "best_time": "weekday mornings",
        "drug": "ocrelizumab",
        "topic": "pregnancy",
        "urgent": False,
        "consented_at": T0,
        "sender_id": "web-123",
        "transcript": (
            TranscriptEntry("patient", "I want to talk to someone", T0),
            TranscriptEntry("bot", "I can ask a consultant to contact you.", T0 + timedelta(seconds=1)),
        ),
    }
    values.update(changes)
    return TicketDraft(**values)  # type: ignore[arg-type]


def file(repo: TicketRepository, reference: str, **changes: object) -> None:
    repo.file(draft(**changes), reference=reference, filing_id=f"filing-{reference}")


def test_a_filed_ticket_keeps_every_field_and_its_transcript(database_url, add_consultant):
    repo = TicketRepository.for_url(database_url)
    record = repo.file(draft(urgent=True), reference="MC-7K3Q9", filing_id="f-1")
    again = repo.get("MC-7K3Q9")
    assert again == record
    assert again.status == "new"
    assert again.patient_name == "Ada Patient"
    assert again.email == "ada@example.org"
    assert again.phone == "+44 20 7946 0000"
    assert again.best_time == "weekday mornings"
    assert again.question.startswith("Can I take ocrelizumab")
    assert (again.drug, again.topic, again.urgent, again.consent) == (
        "ocrelizumab",
        "pregnancy",
        True,
        True,
    )
    assert again.consented_at == T0
    assert again.sender_id == "web-123"
    assert [(e.role, e.text) for e in again.transcript] == [
        ("patient", "I want to talk to someone"),
        ("bot", "I can ask a consultant to contact you."),
    ]
    assert again.transcript[0].timestamp == T0
    assert again.created_at.tzinfo is not None and again.updated_at.tzinfo is not None
    assert again.assigned_to is None
    assert [(e.actor, e.action) for e in again.events] == [("patient", "filed")]


def test_the_list_puts_urgent_first_then_newest_and_filters(database_url):
    repo = TicketRepository.for_url(database_url)
    file(repo, "MC-AAAAA", drug="ocrelizumab")
    time.sleep(0.01)
    file(repo, "MC-BBBBB", urgent=True, drug="Ocrelizumab")
    time.sleep(0.01)
    file(repo, "MC-CCCCC", drug="natalizumab")
    time.sleep(0.01)
    file(repo, "MC-DDDDD", urgent=True, drug="natalizumab")

    assert [t.reference for t in repo.list_tickets()] == ["MC-DDDDD", "MC-BBBBB", "MC-CCCCC", "MC-AAAAA"]
    assert [t.reference for t in repo.list_tickets(urgent=True)] == ["MC-DDDDD", "MC-BBBBB"]
    assert [t.reference for t in repo.list_tickets(urgent=False)] == ["MC-CCCCC", "MC-AAAAA"]
    assert [t.reference for t in repo.list_tickets(drug="OCRELIZUMAB")] == ["MC-BBBBB", "MC-AAAAA"]
    assert repo.list_tickets(status="claimed") == []
    assert len(repo.list_tickets(status="new")) == 4
    assert [d.lower() for d in repo.drugs()] == ["natalizumab", "ocrelizumab"]
    with pytest.raises(ValueError, match="status"):
        repo.list_tickets(status="open")


def test_claim_note_resolve_write_the_audit_trail(database_url, add_consultant):
    add_consultant(database_url, "alice")
    repo = TicketRepository.for_url(database_url)
    file(repo, "MC-7K3Q9")
    before = repo.get("MC-7K3Q9").updated_at

    claimed = repo.claim("MC-7K3Q9", "alice")
    assert (claimed.status, claimed.assigned_to) == ("claimed", "alice")
    assert claimed.updated_at > before

    noted = repo.add_note("MC-7K3Q9", "alice", "  Left a voicemail.  ")
    resolved = repo.resolve("MC-7K3Q9", "alice", "Called back, question answered.")
    assert resolved.status == "resolved"
    assert [(e.actor, e.action, e.detail) for e in resolved.events] == [
        ("patient", "filed", "filed from the chat"),
        ("alice", "claimed", None),
        ("alice", "note", "Left a voicemail."),
        ("alice", "resolved", "Called back, question answered."),
    ]
    assert noted.events[-1].at <= resolved.events[-1].at
    assert [t.reference for t in repo.list_tickets(status="resolved")] == ["MC-7K3Q9"]


def test_claim_rules(database_url, add_consultant):
    add_consultant(database_url, "alice")
    add_consultant(database_url, "bob")
    repo = TicketRepository.for_url(database_url)
    file(repo, "MC-7K3Q9")
    repo.claim("MC-7K3Q9", "alice")

    with pytest.raises(AlreadyClaimedError) as lost:
        repo.claim("MC-7K3Q9", "bob")
    assert lost.value.by == "alice"
    # a double click by the holder is harmless and writes no second event
    assert repo.claim("MC-7K3Q9", "alice").assigned_to == "alice"
    assert [e.action for e in repo.get("MC-7K3Q9").events].count("claimed") == 1

    repo.resolve("MC-7K3Q9", "bob")
    with pytest.raises(AlreadyResolvedError):
        repo.claim("MC-7K3Q9", "bob")
    with pytest.raises(AlreadyResolvedError):
        repo.resolve("MC-7K3Q9", "alice")
    # resolving keeps the holder
    assert repo.get("MC-7K3Q9").assigned_to == "alice"


def test_resolving_a_new_ticket_assigns_the_resolver(database_url, add_consultant):
    add_consultant(database_url, "alice")
    repo = TicketRepository.for_url(database_url)
    file(repo, "MC-7K3Q9")
    assert repo.resolve("MC-7K3Q9", "alice").assigned_to == "alice"


def test_errors_name_what_is_wrong(database_url, add_consultant):
    add_consultant(database_url, "alice")
    repo = TicketRepository.for_url(database_url)
    file(repo, "MC-7K3Q9")
    with pytest.raises(TicketNotFoundError, match="MC-NNNNN"):
        repo.get("MC-NNNNN")
    with pytest.raises(TicketNotFoundError):
        repo.claim("MC-NNNNN", "alice")
    with pytest.raises(TicketNotFoundError):
        repo.add_note("MC-NNNNN", "alice", "hello")
    with pytest.raises(TicketNotFoundError):
        repo.resolve("MC-NNNNN", "alice")
    with pytest.raises(IncompleteDraftError, match="note"):
        repo.add_note("MC-7K3Q9", "alice", "   ")
    with pytest.raises(ConsultantError, match="mallory"):
        repo.claim("MC-7K3Q9", "mallory")
    assert repo.get("MC-7K3Q9").status == "new"


def test_the_same_filing_is_never_stored_twice(database_url):
    repo = TicketRepository.for_url(database_url)
    repo.file(draft(), reference="MC-7K3Q9", filing_id="same")
    with pytest.raises(AlreadyFiledError) as again:
        repo.file(draft(), reference="MC-7K3Q9", filing_id="same")
    assert again.value.reference == "MC-7K3Q9"
    with pytest.raises(ReferenceTakenError):
        repo.file(draft(), reference="MC-7K3Q9", filing_id="other")
    assert len(repo.export_all()) == 1
    assert repo.find_by_filing_id("same") == "MC-7K3Q9"


def test_export_has_everything_for_scripts(database_url, add_consultant):
    add_consultant(database_url, "alice")
    repo = TicketRepository.for_url(database_url)
    file(repo, "MC-AAAAA")
    file(repo, "MC-BBBBB")
    repo.add_note("MC-BBBBB", "alice", "note")
    exported = [t.to_dict() for t in repo.export_all()]
    assert [t["reference"] for t in exported] == ["MC-AAAAA", "MC-BBBBB"]
    assert exported[1]["events"][-1]["detail"] == "note"
    assert exported[0]["transcript"][0] == {
        "role": "patient",
        "text": "I want to talk to someone",
        "timestamp": T0.isoformat(),
    }
