"""The chat channels named in ``credentials.yml``: Rasa's REST and socket.io channels, hardened.

Owns :class:`RestInput` and :class:`SocketIOInput`. Both keep Rasa's names (``rest``,
``socketio``), paths and events, check every message with :mod:`bot.chat_input` (types,
sizes, ``MAX_MESSAGE_CHARS``) and answer a failure with an apology instead of silence, also
when the conversation store failed during the turn (:mod:`bot.store_guard`).

Socket.io sessions belong to their socket: the server issues signed session ids
(:mod:`bot.session_ids`); a socket that names an id it was not given gets a new conversation,
and a message goes to the conversation of the socket that sent it, whatever session id the
payload names. Origins come from ``ALLOWED_ORIGINS``; payloads over ``MAX_REQUEST_BYTES`` are
refused by engine.io.

The socket.io channel also fixes two bugs of Rasa 3.6's channel with python-socketio >= 5.10:

1. ``session_request`` calls the coroutine ``AsyncServer.enter_room`` without awaiting it
   (RasaHQ/rasa#13027), so with ``session_persistence: true`` the client never joins the
   room of its session id and receives no reply at all;
2. ``send_custom_json`` passes the custom payload as keyword arguments to
   ``AsyncServer.emit`` (``emit("bot_uttered", urgent=True, ...)``), a ``TypeError`` that
   drops the urgent marker and the rest of that turn. Here a custom payload arrives as
   ``{"custom": {...}}``, the same shape as on the REST channel.

A consultant's reply from a ticket reaches the chat through the socket.io channel
(:mod:`bot.consultant_push`): ``POST /webhooks/socketio/consultant_reply`` (with
``CHAT_PUSH_SECRET``) keeps it in the conversation and sends it at once to the socket of this server that
holds the conversation; a socket that asks for an existing conversation gets its
consultant replies (``consultant_replies``) after ``session_confirm``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest as rasa_rest
from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import consultant_push as push
from bot.chat_input import (
    ChatInputError,
    domain_reply,
    failure_reply,
    read_payload,
    read_rest_body,
    too_long_reply,
)
from bot.origins import origin_allowed
from bot.rate_limit import RateLimiter, client_address
from bot.session_ids import SessionSigner
from bot.settings import Settings, load_settings
from bot.store_guard import guarded_turn, watching

log = logging.getLogger(__name__)

HOLDER_GRACE_SECONDS = 2.0
HOLDER_GRACE_STEPS = 20
FORGET_MARKER = "forget_conversation"  # actions.privacy: delete this conversation after the turn


def wants_forgetting(message: dict[str, Any]) -> bool:
    """Whether a bot message is the marker of a confirmed "delete my data"."""
    custom = message.get("custom")
    return isinstance(custom, dict) and custom.get(FORGET_MARKER) is True


def forget(agent: Any, sender_id: str) -> list[dict[str, Any]]:
    """Delete conversation ``sender_id`` from the agent's tracker store, after Rasa stored the
    turn; returns what to tell the patient."""
    from bot.retention import forget_conversation

    store: Any = getattr(agent, "tracker_store", None)
    store = getattr(store, "_tracker_store", store)  # inside Rasa's FailSafeTrackerStore
    try:
        if hasattr(store, "engine"):  # SQLTrackerStore
            forget_conversation(store.engine, sender_id)
        elif isinstance(getattr(store, "store", None), dict):  # InMemoryTrackerStore
            store.store.pop(sender_id, None)
        else:
            raise TypeError(f"cannot delete from {type(store).__name__}")
    except Exception as exc:
        log.error("deleting a conversation failed: %s", type(exc).__name__)
        return domain_reply("forget_failed")
    return domain_reply("conversation_forgotten")


class SocketIOOutput(rasa_socketio.SocketIOOutput):
    """Sends a custom payload as one ``bot_uttered`` message ``{"custom": payload}``; keeps the
    forget marker back (``forget_requested``) for the channel to act on after the turn. With
    ``held`` a list, messages wait there until :meth:`release` (the turn is checked first)."""

    forget_requested = False
    sent = 0
    held: list[tuple[str, Any]] | None = None

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        if self.held is not None:
            self.held.append((socket_id, response))
            return
        await super()._send_message(socket_id, response)

    async def release(self, failures: list[str], apology: list[dict[str, Any]]) -> None:
        """Send the held turn, or the apology instead (:func:`bot.store_guard.guarded_turn`)."""
        held, self.held = self.held or [], None
        turn = [message for _, message in held]
        if held and guarded_turn(turn, failures, apology) is apology:
            for message in apology:
                await self.send_response(held[0][0], dict(message))
            return
        for socket_id, message in held:
            await super()._send_message(socket_id, message)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        if wants_forgetting({"custom": json_message}):
            self.forget_requested = True
            return
        await self._send_message(recipient_id, {"custom": json_message})


class SocketIOInput(rasa_socketio.SocketIOInput):
    """Rasa's socket.io input channel with an awaited ``enter_room`` and the output above."""

    @property
    def settings(self) -> Settings:
        if not hasattr(self, "_settings"):
            self._settings = load_settings()
        return self._settings

    @property
    def signer(self) -> SessionSigner:
        if not hasattr(self, "_signer"):
            self._signer = SessionSigner(self.settings.session_secret)
        return self._signer

    @property
    def limiter(self) -> RateLimiter:
        if not hasattr(self, "_limiter"):
            settings = self.settings
            self._limiter = RateLimiter(
                settings.rate_per_sender, settings.rate_per_client, settings.trusted_proxies
            )
        return self._limiter

    def _client(self, sid: str) -> str:
        request = (
            self.sio.get_environ(sid, namespace=self.namespace).get("sanic.request") if self.sio else None
        )
        if request is None:
            return "unknown"
        forwarded = request.headers.get("x-forwarded-for")
        return client_address(request.ip, forwarded, self.settings.trusted_proxies)

    async def _reply(self, room: str, messages: list[dict[str, Any]]) -> None:
        assert self.sio is not None
        output = SocketIOOutput(self.sio, self.bot_message_evt)
        for message in messages:
            await output.send_response(room, message)

    def _agent(self, sid: str) -> Any:
        """The Rasa agent of the app that serves socket ``sid`` (None before a model is loaded)."""
        assert self.sio is not None
        request = self.sio.get_environ(sid, namespace=self.namespace).get("sanic.request")
        return getattr(getattr(getattr(request, "app", None), "ctx", None), "agent", None)

    async def _replay_consultant_replies(self, sid: str, conversation: str) -> None:
        """Send a socket that resumed ``conversation`` the consultant replies kept in it (the
        widget shows those it has not shown yet)."""
        assert self.sio is not None
        agent = self._agent(sid)
        if agent is None:
            return
        try:
            with watching(agent):
                replies = await push.stored_replies(agent, conversation)
        except Exception as exc:  # the chat goes on; the replies come at the next reconnect
            log.error("reading consultant replies failed: %s", type(exc).__name__)
            return
        if replies:
            await self.sio.emit(push.REPLAY_EVENT, {"replies": replies}, room=sid, namespace=self.namespace)

    def get_output_channel(self) -> SocketIOOutput | None:
        if self.sio is None:
            return None
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by super().blueprint

        allowed = self.settings.allowed_origins
        sio.eio.cors_allowed_origins = lambda origin: origin_allowed(origin, allowed)
        sio.eio.max_http_buffer_size = self.settings.max_request_bytes
        sessions: dict[str, str] = {}  # socket id -> the conversation it was given
        holders: dict[str, str] = {}  # conversation -> the one socket that holds it

        async def free(conversation: str, sid: str) -> bool:
            """Whether no other live socket holds ``conversation`` (a reloaded page's old
            socket gets a moment to close first)."""
            for _ in range(HOLDER_GRACE_STEPS):
                holder = holders.get(conversation)
                if holder is None or holder == sid or holder not in sessions:
                    return True
                await asyncio.sleep(HOLDER_GRACE_SECONDS / HOLDER_GRACE_STEPS)
            return False

        # these replace the handlers Rasa registered for the same events
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            conversation = self.signer.conversation_id(asked)
            if conversation is not None and await free(conversation, sid):
                token = str(asked)
            else:  # unknown, forged, or another live socket's: a new conversation
                token = self.signer.issue()
                conversation = self.signer.conversation_id(token)
            assert conversation is not None
            previous = sessions.get(sid)
            if previous and previous != conversation:
                holders.pop(previous, None)
                await sio.leave_room(sid, previous, namespace=self.namespace)
            sessions[sid] = conversation
            holders[conversation] = sid
            await sio.enter_room(sid, conversation, namespace=self.namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)
            if token == asked:  # an existing conversation: what a consultant wrote meanwhile
                await self._replay_consultant_replies(sid, conversation)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            conversation = sessions.pop(sid, None)
            if conversation is not None and holders.get(conversation) == sid:
                del holders[conversation]

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            conversation = sessions.get(sid)
            if conversation is None:
                await self._reply(sid, domain_reply("session_missing"))
                return  # only a socket that asked for its session may speak in it
            if isinstance(data, dict) and isinstance(data.get(self.metadata_key), str):
                try:
                    data = {**data, self.metadata_key: json.loads(data[self.metadata_key])}
                except ValueError:
                    data = {**data, self.metadata_key: None}
            try:
                text, metadata = read_payload(data)
            except ChatInputError as exc:
                await sio.emit("error", {"error": str(exc)}, room=sid, namespace=self.namespace)
                return
            if not self.limiter.allow(conversation, self._client(sid)):
                await self._reply(conversation, domain_reply("rate_limited"))
                return
            if len(text) > self.settings.max_message_chars:
                await self._reply(conversation, too_long_reply(self.settings.max_message_chars))
                return
            output = SocketIOOutput(sio, self.bot_message_evt)
            output.held = []
            agent = self._agent(sid)
            apology = failure_reply(self.settings.consultant_contact)
            with watching(agent) as store_failures:
                try:
                    await on_new_message(
                        UserMessage(text, output, conversation, input_channel=self.name(), metadata=metadata)
                    )
                except Exception as exc:  # never silence: an apology, and no message text in the log
                    log.error("socket.io message failed: %s", type(exc).__name__)
                    output.held = None
                    await self._reply(conversation, apology)
                    return
            await output.release(store_failures, apology)
            if not output.sent and not output.forget_requested and text.strip() != "/restart":
                # an action failed in silence
                await self._reply(conversation, failure_reply(self.settings.consultant_contact))
            if output.forget_requested:
                await self._reply(conversation, forget(agent, conversation))

        @webhook.route("/consultant_reply", methods=["POST"])
        async def consultant_reply(request: Request) -> HTTPResponse:
            """A consultant's reply (bot.consultant_push): kept, and sent to a live socket."""
            refused = push.refusal(self.settings.chat_push_secret, push.given_token(request.headers))
            if refused is not None:
                return response.json({"error": refused.message}, status=refused.status)
            try:
                reply = push.ConsultantReply.from_body(json.loads(request.body or b"null"))
            except ValueError as exc:  # PushError, or not JSON
                message = str(exc) if isinstance(exc, push.PushError) else "the body is not JSON"
                return response.json({"error": message}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model is loaded"}, status=503)
            with watching(agent) as store_failures:
                known = await push.append_reply(agent, reply)
            if store_failures:
                return response.json({"error": "the conversation store failed"}, status=503)
            if not known:
                return response.json({"error": "no such conversation"}, status=404)
            live = holders.get(reply.conversation) in sessions
            if live:
                await sio.emit(
                    self.bot_message_evt,
                    push.live_payload(reply),
                    room=reply.conversation,
                    namespace=self.namespace,
                )
            return response.json({"recorded": True, "live": live})

        return webhook


class RestInput(rasa_rest.RestInput):
    """Rasa's REST channel (``/webhooks/rest/webhook``) with checked, bounded input.

    A body that is not ``{"sender": str, "message": str, "metadata"?: object}`` gets a 400
    naming the field; a message over ``MAX_MESSAGE_CHARS`` gets ``message_too_long`` without
    being read; a failure gets the apology rather than an empty list; the message text is never
    logged.
    """

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        settings = load_settings()
        limiter = RateLimiter(settings.rate_per_sender, settings.rate_per_client, settings.trusted_proxies)
        webhook = Blueprint("pharmabot_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = json.loads(request.body or b"null")
            except ValueError:
                return response.json({"error": "the body is not JSON"}, status=400)
            try:
                message = read_rest_body(body)
            except ChatInputError as exc:
                return response.json({"error": str(exc)}, status=400)
            client = client_address(
                request.ip, request.headers.get("x-forwarded-for"), settings.trusted_proxies
            )
            if not limiter.allow(message.sender, client):
                replies = [{"recipient_id": message.sender, **r} for r in domain_reply("rate_limited")]
                return response.json(replies, status=429, headers={"Retry-After": "10"})
            if len(message.text) > settings.max_message_chars:
                replies = too_long_reply(settings.max_message_chars)
                return response.json([{"recipient_id": message.sender, **reply} for reply in replies])
            collector = CollectingOutputChannel()
            agent = getattr(request.app.ctx, "agent", None)
            apology = [
                {"recipient_id": message.sender, **r} for r in failure_reply(settings.consultant_contact)
            ]
            with watching(agent) as store_failures:
                try:
                    await on_new_message(
                        UserMessage(
                            message.text,
                            collector,
                            message.sender,
                            input_channel=self.name(),
                            metadata=message.metadata,
                        )
                    )
                except Exception as exc:  # never an empty reply, and no message text in the log
                    log.error("REST message failed: %s", type(exc).__name__)
                    collector.messages[:] = apology
            collector.messages[:] = guarded_turn(collector.messages, store_failures, apology)
            if any(wants_forgetting(m) for m in collector.messages):
                kept = [m for m in collector.messages if not wants_forgetting(m)]
                done = forget(agent, message.sender)
                collector.messages[:] = kept + [{"recipient_id": message.sender, **r} for r in done]
            if not collector.messages and message.text.strip() != "/restart":
                collector.messages.extend(apology)
            return response.json(collector.messages)

        return webhook
