"""New-ticket notifications against a real local SMTP server (aiosmtpd) and a local
HTTP receiver: off by default, URGENT when urgent, no patient data, never blocking."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.tickets import FilingService, TicketDraft, TicketRepository
from bot.tickets.notify import notifiers_from_settings
from testkit import Mailbox, free_port, local_smtp


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    with local_smtp() as server:
        yield server


class Receiver(ThreadingHTTPServer):
    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.bodies: list[dict] = []
        self.headers_seen: list[dict[str, str]] = []
        self.status = status
        self.delay = delay
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        time.sleep(self.server.delay)
        self.server.bodies.append(json.loads(body))
        self.server.headers_seen.append(dict(self.headers))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[callable]:
    servers: list[Receiver] = []

    def start(status: int = 200, delay: float = 0.0) -> Receiver:
        server = Receiver(status, delay)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def draft(urgent: bool) -> TicketDraft:
    return TicketDraft(
        patient_name="Secret Name",
        question="A private question about my dose",
        consent=True,
        email="secret@example.org",
        drug="ocrelizumab",
        topic="dosing",
        urgent=urgent,
    )


def email_env(port: int) -> dict[str, str]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_STARTTLS": "false",
        "NOTIFY_EMAIL_FROM": "bot@pharmacy.test",
        "NOTIFY_EMAIL_TO": "consultants@pharmacy.test, lead@pharmacy.test",
        "INBOX_BASE_URL": "http://inbox.test:8000",
    }


def test_notifications_are_off_by_default(make_settings, sqlite_url):
    assert notifiers_from_settings(make_settings(sqlite_url)) == []


@pytest.mark.parametrize("urgent", [True, False])
def test_email_of_a_new_ticket(urgent, smtp_server, make_settings, sqlite_url):
    port, mailbox = smtp_server
    service = FilingService(make_settings(sqlite_url, **email_env(port)))
    filed = service.file(draft(urgent))
    assert service.last_notification is not None
    service.last_notification.join(15)

    [message] = mailbox.messages
    subject = message["Subject"]
    assert filed.reference in subject
    assert subject.startswith("[URGENT]") is urgent
    assert "URGENT" not in subject or urgent
    assert mailbox.envelopes[0] == (
        "bot@pharmacy.test",
        ["consultants@pharmacy.test", "lead@pharmacy.test"],
    )
    body = message.get_payload(decode=True).decode()
    assert f"http://inbox.test:8000/inbox/tickets/{filed.reference}" in body
    assert "ocrelizumab" in body
    for private in ("Secret Name", "secret@example.org", "private question"):
        assert private not in body and private not in subject


@pytest.mark.parametrize("urgent", [True, False])
def test_webhook_of_a_new_ticket(urgent, receiver, make_settings, sqlite_url):
    server = receiver()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    service = FilingService(make_settings(sqlite_url, NOTIFY_WEBHOOK_URL=url))
    filed = service.file(draft(urgent))
    service.last_notification.join(15)

    [payload] = server.bodies
    assert payload["event"] == "ticket.filed"
    assert payload["reference"] == filed.reference
    assert payload["urgent"] is urgent
    assert payload["priority"] == ("URGENT" if urgent else "normal")
    assert payload["text"].startswith("URGENT") is urgent
    assert payload["queued"] is False
    assert server.headers_seen[0]["Content-Type"] == "application/json"
    assert "Secret Name" not in json.dumps(payload)


def test_email_and_webhook_together(smtp_server, receiver, make_settings, sqlite_url):
    port, mailbox = smtp_server
    server = receiver()
    env = email_env(port) | {"NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{server.server_address[1]}/"}
    service = FilingService(make_settings(sqlite_url, **env))
    service.file(draft(True))
    service.last_notification.join(15)
    assert len(mailbox.messages) == 1 and len(server.bodies) == 1


def test_failing_channels_never_fail_the_filing(receiver, make_settings, sqlite_url, caplog):
    caplog.set_level(logging.ERROR, logger="bot.tickets.notify")
    broken = receiver(status=500)
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(free_port()),  # nothing listens there
        "SMTP_STARTTLS": "false",
        "NOTIFY_EMAIL_FROM": "bot@pharmacy.test",
        "NOTIFY_EMAIL_TO": "consultants@pharmacy.test",
        "NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{broken.server_address[1]}/",
    }
    service = FilingService(make_settings(sqlite_url, **env))
    filed = service.file(draft(True))
    service.last_notification.join(15)
    assert TicketRepository.for_url(sqlite_url).get(filed.reference).status == "new"
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "EmailNotifier" in messages and "WebhookNotifier" in messages


def test_a_slow_webhook_does_not_delay_the_patient(receiver, make_settings, sqlite_url):
    slow = receiver(delay=3.0)
    url = f"http://127.0.0.1:{slow.server_address[1]}/"
    service = FilingService(make_settings(sqlite_url, NOTIFY_WEBHOOK_URL=url))
    service.file(draft(False))  # warm-up: schema, engine
    started = time.monotonic()
    service.file(draft(False))
    assert time.monotonic() - started < 1.5
    service.last_notification.join(15)
    assert len(slow.bodies) == 2


def test_a_queued_ticket_is_announced_as_queued(receiver, make_settings, tmp_path):
    server = receiver()
    (tmp_path / "blocked").write_text("")
    settings = make_settings(
        f"sqlite:///{tmp_path / 'blocked' / 'x.db'}",
        NOTIFY_WEBHOOK_URL=f"http://127.0.0.1:{server.server_address[1]}/",
    )
    service = FilingService(settings)
    filed = service.file(draft(True))
    service.last_notification.join(15)
    assert filed.queued
    assert server.bodies[0]["queued"] is True
    assert server.bodies[0]["reference"] == filed.reference
