"""A socket.io client of the chat for the end-to-end tests, as the widget talks to the bot:
it asks for a session, collects what the bot says (``bot_uttered``) and the consultant
replies the server sends when a conversation is resumed (``consultant_replies``)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import socketio


class ChatSocket:
    """One chat client over long polling (python-engineio's websocket client needs a newer
    aiohttp than Rasa pins; the browser tests in tests/widget cover the websocket transport)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.sio = socketio.AsyncClient(reconnection=False)
        self.said: list[dict[str, Any]] = []
        self.replayed: list[dict[str, Any]] = []
        self._session: asyncio.Future[str] | None = None
        self.sio.on("bot_uttered", self.said.append)
        self.sio.on("consultant_replies", lambda data: self.replayed.extend(data["replies"]))
        self.sio.on("session_confirm", self._confirmed)

    async def _confirmed(self, token: str) -> None:
        if self._session is not None and not self._session.done():
            self._session.set_result(token)

    async def start(self, session_id: str | None = None) -> str:
        """Connect and ask for ``session_id`` (None: a new one); the session id granted."""
        await self.sio.connect(self.url, headers=self.headers, transports=["polling"])
        self._session = asyncio.get_running_loop().create_future()
        await self.sio.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self._session, 10)

    async def send(self, text: str, session_id: str) -> int:
        """Send ``text``; how many bot messages had arrived before it."""
        before = len(self.said)
        await self.sio.emit("user_uttered", {"message": text, "session_id": session_id})
        return before

    async def stop(self) -> None:
        # a long-polling client would wait for its open poll (up to the ping interval) to end
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.sio.disconnect(), 2)
        http = getattr(self.sio.eio, "http", None)
        if http is not None:
            await http.close()
