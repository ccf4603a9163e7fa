"""Helpers shared by the test suites: headless Debian chromium, a switchable TCP proxy and the
labelled message tables (set<TAB>label<TAB>message), and the local PostgreSQL and Redis
of the production-profile tests."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.localbot import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class TcpProxy:
    """A TCP forwarder on a fixed local port: ``stop()`` makes the target unreachable
    (new connections refused, open ones cut), ``start()`` brings it back."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self._target = ("127.0.0.1", target_port)
        self._server: socket.socket | None = None
        self._connections: list[socket.socket] = []

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(50)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        for connection in self._connections:  # shutdown wakes the pipe threads
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                connection.close()
        self._connections.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self._connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def labelled_messages(path: Path) -> list[tuple[str, str, str]]:
    """The scored lines of a message table: (set, label, message); `ambiguous` lines are left out."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            set_name, label, message = line.split("\t")
            if label != "ambiguous":
                rows.append((set_name, label, message))
    return rows


def message_params(cases: list[tuple[str, str, str]], known_wrong: set[str]) -> list[Any]:
    """pytest parameters for ``cases``; those in ``known_wrong`` are strict xfail, so a fix shows."""
    strict = pytest.mark.xfail(strict=True, reason="known miss")
    return [
        pytest.param(
            *case, marks=strict if case[2] in known_wrong else (), id=f"{case[0]}-{case[1]}-{case[2][:40]}"
        )
        for case in cases
    ]


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


# --- the local services of the production-profile tests (PostgreSQL, Redis) -------------
PG = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
# the session's production stack (tests/conftest.py: prod_stack)
PROD_REDIS_DB = 8  # test_production_profile uses 7
PROD_RATE_PER_CLIENT = 4  # per address other than the host's own (test_scale_out)
CONSULTANT_CONTACT = "call 555-0100 (weekdays 9-17)"


@dataclass
class ProdLinks:
    """The production stack's roads to its services, each a switchable proxy (fault tests):
    the tracker store's and the tickets' PostgreSQL, and Redis."""

    tracker_db: TcpProxy
    tickets_db: TcpProxy
    redis: TcpProxy

    def all(self) -> tuple[TcpProxy, ...]:
        return (self.tracker_db, self.tickets_db, self.redis)


def _answers(addr: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(addr, timeout=2):
            return True
    except OSError:
        return False


def require_services(extra_missing: list[str] | None = None) -> None:
    """Skip (or fail under REQUIRE_SERVICES=1) unless PostgreSQL and Redis answer."""
    missing = [name for name, addr in (("PostgreSQL", PG), ("Redis", REDIS)) if not _answers(addr)]
    missing += extra_missing or []
    if missing:
        reason = f"not available: {', '.join(missing)}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database, dropped afterwards; yields its name."""
    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(host=PG[0], port=PG[1], user="postgres", dbname="test")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """POST ``body`` as JSON; (status, the decoded answer, or the raw body of an error)."""
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (local URL)
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def rest_message(url: str, sender: str, message: str) -> tuple[int, str]:
    """One message to the REST channel at ``url`` (``/webhooks/rest/webhook`` is added):
    (status, the bot's texts joined by newlines)."""
    status, replies = post_json(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": message})
    if status != 200 or not isinstance(replies, list):
        return status, str(replies)
    return status, "\n".join(r.get("text") or "" for r in replies)


def copy_project(dest: Path, model: Path | None = None) -> Path:
    """Copy the repository's files (tracked, or new and not ignored: no build/, no var/) to
    ``dest``, with ``model`` as ``models/current.tar.gz`` when given: a second server's checkout."""
    import shutil
    import subprocess

    from bot.localbot import ROOT

    listing = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    done = subprocess.run(listing, cwd=ROOT, capture_output=True, text=True, check=True)
    for name in done.stdout.splitlines():
        if name and (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    if model is not None:
        (dest / "models").mkdir(exist_ok=True)
        shutil.copy2(model, dest / "models" / "current.tar.gz")
    return dest


class Mailbox:
    """What a local SMTP server received (an aiosmtpd handler)."""

    def __init__(self) -> None:
        from email.message import Message

        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes

        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"


@contextmanager
def local_smtp() -> Iterator[tuple[int, Mailbox]]:
    """A real SMTP server on a free local port for the block; yields (port, mailbox)."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


#: the password the tests give every consultant they create (tests/bot/conftest.py)
CONSULTANT_PASSWORD = "correct horse battery staple"


def csrf_token(html: str) -> str:
    """The CSRF token of an inbox form page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def inbox_login(base: str, name: str = "alice", password: str = CONSULTANT_PASSWORD) -> Any:
    """A requests session logged in to the inbox at ``base`` as ``name``."""
    import requests

    browser = requests.Session()
    page = browser.get(f"{base}/inbox/login")
    response = browser.post(
        f"{base}/inbox/login",
        data={"csrf_token": csrf_token(page.text), "username": name, "password": password, "next": "/inbox"},
        allow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser
