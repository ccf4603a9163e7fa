"""Socket.io sessions belong to their socket, tried with real socket.io clients against the
real bot: the server issues the session id, a second client naming another's id gets a
conversation of its own and hears nothing of the first, and origins are checked."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import socketio

from bot.localbot import LocalBot
from chat_socket import ChatSocket

QUESTION = "how is ocrevus given?"


class Client(ChatSocket):
    """One socket.io client of the chat, collecting what the bot says to it."""

    async def say(self, text: str, session_id: str, wait: float = 30) -> list[dict[str, Any]]:
        before = await self.send(text, session_id)
        for _ in range(int(wait * 10)):
            await asyncio.sleep(0.1)
            if len(self.said) > before and any(
                "not medical advice" in (m.get("text") or "") for m in self.said
            ):
                break
        await asyncio.sleep(0.5)
        return self.said[before:]


def _run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


def test_a_second_client_naming_anothers_session_hears_nothing(local_bot: LocalBot) -> None:
    async def scenario() -> None:
        patient, intruder = Client(local_bot.url), Client(local_bot.url)
        token = await patient.start()
        conversation = token.split(".")[0]
        assert len(conversation) == 32
        # naming the patient's token while the patient is connected, or its bare id: a new session
        assert await intruder.start(token) != token
        second = Client(local_bot.url)
        assert (await second.start(conversation)).split(".")[0] != conversation
        await second.stop()

        answer = await patient.say(QUESTION, token)
        assert any("infusion" in (m.get("text") or "") for m in answer)
        # the intruder's own message naming the patient's session goes to the intruder's session
        await intruder.say("hello", token, wait=10)
        await asyncio.sleep(1)
        assert not any("infusion" in (m.get("text") or "") for m in intruder.said)
        assert len(patient.said) == len(answer)  # the patient heard nothing of the intruder
        await intruder.stop()
        await patient.stop()

    _run(scenario)


def test_a_patient_who_reconnects_keeps_the_conversation(local_bot: LocalBot) -> None:
    async def scenario() -> None:
        patient = Client(local_bot.url)
        token = await patient.start()
        await patient.say("what are the side effects of ocrevus", token)
        await patient.stop()
        again = Client(local_bot.url)
        assert await again.start(token) == token
        answer = await again.say("how is it given?", token)  # "it": the drug of the conversation
        assert any("infusion" in (m.get("text") or "") for m in answer)
        await again.stop()

    _run(scenario)


def test_a_too_long_socket_message_gets_a_short_answer(local_bot: LocalBot) -> None:
    async def scenario() -> None:
        patient = Client(local_bot.url)
        token = await patient.start()
        before = len(patient.said)
        await patient.sio.emit("user_uttered", {"message": "x" * 50_000, "session_id": token})
        for _ in range(50):
            await asyncio.sleep(0.1)
            if len(patient.said) > before:
                break
        assert "longer than I can read" in patient.said[before]["text"]
        await patient.stop()

    _run(scenario)


def test_a_page_from_another_origin_cannot_connect(local_bot: LocalBot) -> None:
    async def scenario() -> None:
        stranger = Client(local_bot.url, headers={"Origin": "https://evil.example"})
        with pytest.raises(socketio.exceptions.ConnectionError):
            await stranger.start()
        allowed = Client(local_bot.url, headers={"Origin": "http://127.0.0.1:8000"})
        assert await allowed.start()
        await allowed.stop()

    _run(scenario)
