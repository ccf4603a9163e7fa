"""Rasa's socket.io channel, with the two fixes the patient widget needs.

Owns :class:`SocketIOInput`, named in ``credentials.yml`` in place of Rasa's own
``socketio`` channel. It keeps Rasa's name (``socketio``), path (``/socket.io``), events
and settings, and fixes two bugs of Rasa 3.6's channel with python-socketio >= 5.10:

1. ``session_request`` calls the coroutine ``AsyncServer.enter_room`` without awaiting it
   (RasaHQ/rasa#13027), so with ``session_persistence: true`` the client never joins the
   room of its session id and receives no reply at all;
2. ``send_custom_json`` passes the custom payload as keyword arguments to
   ``AsyncServer.emit`` (``emit("bot_uttered", urgent=True, ...)``), a ``TypeError`` that
   drops the urgent marker and the rest of that turn. Here a custom payload arrives as
   ``{"custom": {...}}``, the same shape as on the REST channel.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint


class SocketIOOutput(rasa_socketio.SocketIOOutput):
    """Sends a custom payload as one ``bot_uttered`` message ``{"custom": payload}``."""

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class SocketIOInput(rasa_socketio.SocketIOInput):
    """Rasa's socket.io input channel with an awaited ``enter_room`` and the output above."""

    def get_output_channel(self) -> SocketIOOutput | None:
        if self.sio is None:
            return None
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by super().blueprint

        # these replace the handlers Rasa registered for the same events
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            data = dict(data or {})
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict[str, Any]) -> None:
            if self.session_persistence:
                if not data.get("session_id"):
                    return  # Rasa warns and ignores such a message too
                sender_id = data["session_id"]
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            await on_new_message(
                UserMessage(
                    data.get("message", ""),
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return webhook
