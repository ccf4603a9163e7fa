"""Two (or more) consultants claiming the same ticket at once: exactly one wins.

Run on SQLite and PostgreSQL, with threads in one process and with separate processes.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from bot.settings import PROJECT_ROOT
from bot.tickets import AlreadyClaimedError, TicketDraft, TicketRepository

CONSULTANTS = ["alice", "bob", "carol", "dave", "erin", "frank"]
ROUNDS = 5

CLAIM_SCRIPT = """
import sys, time
from bot.tickets import AlreadyClaimedError, TicketRepository
url, reference, consultant, start_at = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
repo = TicketRepository.for_url(url)
repo.list_tickets(limit=1)  # connect before the start line
while time.time() < start_at:
    time.sleep(0.001)
try:
    repo.claim(reference, consultant)
    print("won")
except AlreadyClaimedError:
    print("lost")
"""


def _file(repo: TicketRepository, reference: str) -> None:
    repo.file(
        TicketDraft(patient_name="Pat", question="Q?", consent=True, email="p@example.org"),
        reference=reference,
        filing_id=f"race-{reference}",
    )


@pytest.fixture
def consultants(database_url, add_consultant):
    for name in CONSULTANTS:
        add_consultant(database_url, name)
    return CONSULTANTS


def _check_one_winner(repo: TicketRepository, reference: str, outcomes: list[str]) -> None:
    assert sorted(outcomes) == ["lost"] * (len(outcomes) - 1) + ["won"], outcomes
    ticket = repo.get(reference)
    claims = [e for e in ticket.events if e.action == "claimed"]
    assert len(claims) == 1
    assert ticket.status == "claimed"
    assert ticket.assigned_to == claims[0].actor


def test_threads_claiming_at_once_have_exactly_one_winner(database_url, consultants):
    repo = TicketRepository.for_url(database_url)
    for round_number in range(ROUNDS):
        reference = f"MC-RACE{round_number}"
        _file(repo, reference)
        barrier = threading.Barrier(len(consultants))
        outcomes: list[str] = []
        errors: list[BaseException] = []

        def claim(
            name: str,
            reference: str = reference,
            barrier: threading.Barrier = barrier,
            outcomes: list[str] = outcomes,
            errors: list[BaseException] = errors,
        ) -> None:
            barrier.wait()
            try:
                repo.claim(reference, name)
                outcomes.append("won")
            except AlreadyClaimedError:
                outcomes.append("lost")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=claim, args=(name,)) for name in consultants]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        _check_one_winner(repo, reference, outcomes)


def test_processes_claiming_at_once_have_exactly_one_winner(database_url, consultants):
    repo = TicketRepository.for_url(database_url)
    reference = "MC-PRACE"
    _file(repo, reference)
    start_at = time.time() + 4.0
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIM_SCRIPT, database_url, reference, name, str(start_at)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in consultants[:4]
    ]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outcomes.append(out.strip())
    _check_one_winner(repo, reference, outcomes)
