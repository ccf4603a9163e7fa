"""Fixtures for the conversation-test runner's own tests: a small domain, case files in
tmp, and a tiny aiohttp server that answers like Rasa's REST channel (no real bot)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.convtest.domain import Domain

GREET = "Hello! I answer questions about {thing}. What would you like to know?"
DISCLAIMER = (
    "This is general information from the drug label, not medical advice. Please consult your physician."
)
DOSING = (
    "Dose and schedule of ocrelizumab:\n"
    "- After the starting dose, adults get 600 mg every 6 months. "
    "(OCREVUS US Prescribing Information, section 2.3, Table 1, revised May 2026)"
)

DOMAIN_YAML = f"""
version: "3.1"
slots:
  drug:
    type: text
    mappings: [{{type: from_entity, entity: drug}}]
  topic:
    type: text
    mappings: [{{type: custom}}]
responses:
  utter_greet:
    - text: "{GREET}"
  utter_goodbye:
    - text: "Bye!"
    - text: "Take care."
  utter_urgent_payload:
    - custom: {{urgent: true}}
"""


@pytest.fixture
def domain(tmp_path: Path) -> Domain:
    path = tmp_path / "domain.yml"
    path.write_text(DOMAIN_YAML)
    return Domain.load(path)


@pytest.fixture
def domain_file(tmp_path: Path) -> Path:
    path = tmp_path / "domain.yml"
    path.write_text(DOMAIN_YAML)
    return path


@pytest.fixture
def write_cases(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a case file under tmp_path/cases and return its path."""

    def _write(name: str, text: str) -> Path:
        folder = tmp_path / "cases"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(text)
        return path

    return _write


def canned_replies(message: str) -> list[dict[str, Any]]:
    """What the fake bot answers to a message."""
    if message == "hi":
        return [{"recipient_id": "x", "text": GREET.format(thing="medicines")}]
    if "often" in message:
        return [{"recipient_id": "x", "text": DOSING}, {"recipient_id": "x", "text": DISCLAIMER}]
    if "throat" in message:
        return [
            {"recipient_id": "x", "text": "Call emergency services now."},
            {"recipient_id": "x", "custom": {"urgent": True, "red_flag": "anaphylaxis"}},
        ]
    if message == "crash":
        raise web.HTTPInternalServerError(text="boom")
    return [{"recipient_id": "x", "text": "I'm not sure I understood."}]


@dataclass
class FakeBot:
    """A running fake REST channel: its URL and every request body it received."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
async def fake_bot() -> AsyncIterator[FakeBot]:
    bot = FakeBot(url="")
    slots: dict[str, dict[str, Any]] = {}

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        bot.received.append(body)
        sender_slots = slots.setdefault(body["sender"], {"drug": None, "topic": None})
        if body.get("metadata", {}).get("drug"):
            sender_slots["drug"] = body["metadata"]["drug"]
        if "often" in body["message"]:
            sender_slots.update(drug=sender_slots["drug"] or "ocrelizumab", topic="dosing")
        return web.json_response(canned_replies(body["message"]))

    async def tracker(request: web.Request) -> web.Response:
        sender = request.match_info["sender"]
        return web.json_response({"sender_id": sender, "slots": slots.get(sender, {})})

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"model_file": "fake.tar.gz"})

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_get("/conversations/{sender}/tracker", tracker)
    app.router.add_get("/status", status)
    app.router.add_get("/", status)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    bot.url = f"http://{host}:{port}"
    yield bot
    await runner.cleanup()
