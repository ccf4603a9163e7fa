"""A consultant's reply reaches the patient's chat (issue 25, part 2), with the real servers:
the bot (Rasa + actions), the web app in a subprocess on the bot's tickets database, a local
SMTP server (aiosmtpd) and real socket.io clients. A patient in an open chat gets the reply
at once (``live``); a patient who closed the chat gets it on coming back with the stored
session id (``waiting``); the push route of the socket.io channel wants CHAT_PUSH_SECRET
and a known conversation."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from argon2 import PasswordHasher

from bot.localbot import ROOT, LocalBot, free_port
from bot.tickets import ConsultantDirectory, TicketDraft, TicketRepository
from bot.tickets.db import get_engine
from bot.tickets.migrate import ensure_schema
from bot.tickets.references import new_reference
from chat_socket import ChatSocket
from testkit import Mailbox, local_smtp, post_json

PASSWORD = "correct horse battery staple"
REFERENCE = re.compile(r"\b(MC-[A-Z0-9]{4,8})\b")
PUSH_PATH = "/webhooks/socketio/consultant_reply"


class Patient(ChatSocket):
    """One socket.io client of the chat: what the bot says, and the consultant replies the
    server sends when the conversation is resumed."""

    async def say(self, text: str, token: str) -> str:
        """Send ``text``; the bot's texts once it has been quiet for a second."""
        before = await self.send(text, token)
        await wait_for(lambda: len(self.said) > before, 60)
        count = -1
        while count != len(self.said):
            count = len(self.said)
            await asyncio.sleep(1.0)
        return "\n".join(m.get("text") or "" for m in self.said[before:])

    def consultant_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.said if "consultant" in m]


def run(scenario: Coroutine[Any, Any, None]) -> None:
    """Run ``scenario`` on an event loop of its own (a browser test's loop may be running here)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario).result()


async def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {seconds} s")
        await asyncio.sleep(0.1)


# --- the web app on the bot's tickets database ---------------------------------------------


class Inbox:
    """The web app (``python -m bot web``) reaching the bot's Rasa server, as consultant alice."""

    def __init__(self, bot: LocalBot, smtp_port: int, workdir: Path) -> None:
        self.base = ""
        self._bot, self._smtp_port, self._workdir = bot, smtp_port, workdir
        self._process: subprocess.Popen[bytes] | None = None
        self.headers: dict[str, str] = {}

    def start(self, **extra: str) -> Inbox:
        port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(
                ("SMTP_", "NOTIFY_", "INBOX_", "DATABASE_URL", "OUTBOX_", "APP_ENV", "RASA_")
            )
        }
        env.update(
            PYTHONPATH=str(ROOT),
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            DATABASE_URL=self._bot.database_url,
            OUTBOX_DIR=str(self._workdir / "outbox"),
            RASA_INTERNAL_URL=self._bot.url,
            CHAT_PUSH_SECRET=self._bot.chat_push_secret,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(self._smtp_port),
            SMTP_STARTTLS="false",
            NOTIFY_EMAIL_FROM="consultants@pharmacy.test",
            NOTIFY_EMAIL_TO="team@pharmacy.test",
            **extra,
        )
        log = (self._workdir / "web.log").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bot", "web", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):  # noqa: S310
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((self._workdir / "web.log").read_text()) from None
                time.sleep(0.2)
        token = requests.post(f"{self.base}/api/login", json={"username": "alice", "password": PASSWORD})
        self.headers = {"Authorization": f"Bearer {token.json()['token']}"}
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def ticket_page(self, reference: str) -> str:
        """The inbox's ticket page, as alice logged in with the form."""
        browser = requests.Session()
        login = browser.get(f"{self.base}/inbox/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login)
        assert csrf, login
        browser.post(
            f"{self.base}/inbox/login",
            data={"csrf_token": csrf.group(1), "username": "alice", "password": PASSWORD, "next": "/inbox"},
        )
        return browser.get(f"{self.base}/inbox/tickets/{reference}").text

    def claim_and_reply(self, reference: str, text: str) -> dict[str, Any]:
        claimed = requests.post(f"{self.base}/api/tickets/{reference}/claim", headers=self.headers)
        assert claimed.status_code in (200, 201), claimed.text
        return self.reply(reference, text)

    def reply(self, reference: str, text: str) -> dict[str, Any]:
        answer = requests.post(
            f"{self.base}/api/tickets/{reference}/reply",
            json={"text": text},
            headers=self.headers,
            timeout=60,
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, Mailbox]]:
    with local_smtp() as server:
        yield server


@pytest.fixture(scope="module")
def inbox(
    local_bot: LocalBot, smtp: tuple[int, Mailbox], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Inbox]:
    ensure_schema(local_bot.database_url)
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    directory = ConsultantDirectory(get_engine(local_bot.database_url), hasher=hasher)
    if "alice" not in directory.active_usernames():
        directory.add("alice", PASSWORD)
    app = Inbox(local_bot, smtp[0], tmp_path_factory.mktemp("inbox")).start()
    yield app
    app.stop()


def file_ticket(bot: LocalBot, sender_id: str | None, email: str | None = "ada@example.org") -> str:
    """A ticket of conversation ``sender_id``, as the chat's form files it."""
    draft = TicketDraft(
        patient_name="Ada Patient",
        question="Can I take ibuprofen with ocrelizumab?",
        consent=True,
        email=email,
        phone=None if email else "+44 20 7946 0000",
        sender_id=sender_id,
    )
    filing_id = str(uuid.uuid4())
    return (
        TicketRepository.for_url(bot.database_url)
        .file(draft, reference=new_reference(), filing_id=filing_id)
        .reference
    )


def conversation_of(token: str) -> str:
    return token.split(".")[0]


# --- (a) the chat is open ------------------------------------------------------------------


def test_a_reply_reaches_the_open_chat_at_once_and_the_patient_by_email(
    local_bot: LocalBot, inbox: Inbox, smtp: tuple[int, Mailbox]
) -> None:
    _, mailbox = smtp
    patient = Patient(local_bot.url)

    async def file_through_the_chat() -> tuple[str, str]:
        token = await patient.start()
        await patient.say("can I breastfeed on ocrevus", token)
        assert "name" in await patient.say("can a pharmacist call me?", token)
        await patient.say("Ada Lovelace", token)
        await patient.say("ada.chat@example.org", token)
        await patient.say("weekday mornings", token)
        await patient.say("/affirm", token)  # the prefilled question
        await patient.say("/affirm", token)  # consent
        done = await patient.say("/affirm", token)  # the summary
        match = REFERENCE.search(done)
        assert match, done
        return token, match.group(1)

    async def scenario() -> None:
        token, reference = await file_through_the_chat()
        ticket = TicketRepository.for_url(local_bot.database_url).get(reference)
        assert ticket.sender_id == conversation_of(token)
        emails_before = len(mailbox.messages)

        text = "Hello Ada,\nplease ask your physician first.\n<img src=x onerror=alert(1)>"
        body = await asyncio.to_thread(inbox.claim_and_reply, reference, text)
        assert body["reply"]["chat_status"] == "live", body["reply"]
        assert body["reply"]["email_status"] == "sent"
        await wait_for(lambda: bool(patient.consultant_messages()), 10)
        [message] = patient.consultant_messages()
        assert message["consultant"] == {
            "reply_id": body["reply"]["id"],
            "reference": reference,
            "name": "alice",
            "text": text,
        }
        assert message["text"] == f"Message from your consultant alice (request {reference}): {text}"

        # the email went out too, and the ticket says where the reply went
        assert len(mailbox.messages) == emails_before + 1
        assert mailbox.messages[-1]["To"] == "ada.chat@example.org"
        again = requests.get(f"{inbox.base}/api/tickets/{reference}", headers=inbox.headers).json()
        assert [(r["chat_status"], r["email_status"]) for r in again["replies"]] == [("live", "sent")]

        # the chat goes on after the consultant's message
        assert "infusion" in await patient.say("how is ocrevus given?", token)
        await patient.stop()

    run(scenario())


# --- (b) the chat is closed: the reply waits for the patient ------------------------------


def test_a_patient_who_comes_back_gets_the_reply_they_missed(local_bot: LocalBot, inbox: Inbox) -> None:
    async def scenario() -> None:
        patient = Patient(local_bot.url)
        token = await patient.start()
        assert await patient.say("how is ocrevus given?", token)
        await patient.stop()  # the patient closes the tab's chat (the token stays in the tab)
        reference = file_ticket(local_bot, conversation_of(token), email=None)

        body = await asyncio.to_thread(inbox.claim_and_reply, reference, "Call me back when you can.")
        assert (body["reply"]["chat_status"], body["reply"]["email_status"]) == ("waiting", "no_email")
        reply_id = body["reply"]["id"]

        back = Patient(local_bot.url)
        assert await back.start(token) == token
        await wait_for(lambda: bool(back.replayed), 10)
        assert [(r["reply_id"], r["name"], r["reference"], r["text"]) for r in back.replayed] == [
            (reply_id, "alice", reference, "Call me back when you can.")
        ]
        # a second reply while the patient is back: live, and only that one arrives live
        second = await asyncio.to_thread(inbox.reply, reference, "Or write here.")
        assert second["reply"]["chat_status"] == "live"
        await wait_for(lambda: bool(back.consultant_messages()), 10)
        assert [m["consultant"]["reply_id"] for m in back.consultant_messages()] == [second["reply"]["id"]]
        await back.stop()

        page = await asyncio.to_thread(inbox.ticket_page, reference)
        assert "Chat: <span" in page and "in the chat, shown when the patient comes back" in page
        assert "shown in the patient&#39;s open chat" in page  # the second reply
        assert "Email: <span" in page and "not emailed (no address)" in page

        # every reply of the conversation comes back on the next visit (the widget shows each once)
        later = Patient(local_bot.url)
        assert await later.start(token) == token
        await wait_for(lambda: len(later.replayed) == 2, 10)
        assert [r["reply_id"] for r in later.replayed] == [reply_id, second["reply"]["id"]]
        # a new conversation hears of none of it
        stranger = Patient(local_bot.url)
        assert await stranger.start() != token
        await asyncio.sleep(1)
        assert stranger.replayed == [] and stranger.consultant_messages() == []
        await later.stop()
        await stranger.stop()

    run(scenario())


def test_a_test_senders_conversation_and_a_ticket_without_one(local_bot: LocalBot, inbox: Inbox, ask) -> None:
    sender = f"t-{uuid.uuid4().hex[:10]}"
    assert ask("how is ocrevus given?", sender=sender)  # a REST conversation of a test run
    tested = file_ticket(local_bot, sender)
    assert TicketRepository.for_url(local_bot.database_url).get(tested).test
    assert inbox.claim_and_reply(tested, "Noted.")["reply"]["chat_status"] == "waiting"

    phoned = file_ticket(local_bot, None)
    assert inbox.claim_and_reply(phoned, "Noted.")["reply"]["chat_status"] == "no_chat"
    forgotten = file_ticket(local_bot, f"gone-{uuid.uuid4().hex[:8]}")  # no such conversation
    reply = inbox.claim_and_reply(forgotten, "Noted.")["reply"]
    assert (reply["chat_status"], reply["chat_detail"]) == ("no_chat", "the conversation is no longer kept")


# --- (c) the push route --------------------------------------------------------------------


def test_the_push_route_wants_the_token_a_good_body_and_a_known_conversation(
    local_bot: LocalBot, ask
) -> None:
    url = f"{local_bot.url}{PUSH_PATH}"
    sender = f"t-{uuid.uuid4().hex[:10]}"
    ask("hello", sender=sender)
    body = {
        "conversation": sender,
        "text": "hi",
        "consultant": "alice",
        "reference": "MC-7K3Q9",
        "reply_id": 9,
    }
    bearer = {"Authorization": f"Bearer {local_bot.chat_push_secret}"}

    assert post_json(url, body)[0] == 401
    assert post_json(url, body, {"Authorization": "Bearer wrong-token"})[0] == 403
    assert post_json(f"{url}?token={local_bot.chat_push_secret}", body)[0] == 401  # header only
    status, error = post_json(url, {**body, "reply_id": "9"}, bearer)
    assert status == 400 and b"reply_id" in error
    status, error = post_json(url, {**body, "conversation": f"t-{uuid.uuid4().hex}"}, bearer)
    assert status == 404 and b"no such conversation" in error

    assert post_json(url, body, bearer) == (200, {"recorded": True, "live": False})
    assert post_json(url, body, bearer) == (200, {"recorded": True, "live": False})
    tracker = requests.get(local_bot.api_url(f"/conversations/{sender}/tracker")).json()
    kept = [
        e for e in tracker["events"] if e["event"] == "bot" and "consultant_reply" in e.get("metadata", {})
    ]
    assert len(kept) == 1  # the same reply_id twice: kept once
    assert kept[0]["text"] == "Message from your consultant alice (request MC-7K3Q9): hi"
    # the conversation goes on after it
    assert any("infusion" in (r.get("text") or "") for r in ask("how is ocrevus given?", sender=sender))
