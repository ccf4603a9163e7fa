"""The action server, hardened: only Rasa may call it, bodies are bounded, actions fail safe.

Owns the Sanic app that replaces ``rasa run actions`` (rasa_sdk's own app answers anyone,
inflates any deflate body, and on an exception returns the whole tracker in its error body).
Here:

- it listens on ``BIND_HOST`` (127.0.0.1 by default);
- every ``/webhook`` call must carry ``X-Action-Secret: <ACTION_SERVER_SECRET>`` when a secret
  is set (production refuses to start without one; ``scripts/run.sh`` makes one per run);
- a body over ``ACTION_MAX_REQUEST_BYTES`` is refused (413), and so is a deflate body that
  inflates past it;
- an action that raises gives the patient a short apology, a way to a consultant and the
  disclaimer (``answer_templates`` ``action_failed`` and ``disclaimer``); the log line names
  the action and the exception type only, never the tracker, the message or contact details.
"""

from __future__ import annotations

import hmac
import json
import logging
import zlib
from typing import Any

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.chat_input import failure_reply
from bot.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Action-Secret"


class BodyError(ValueError):
    """A request body that is too large, not JSON or not an action call."""


def read_action_call(body: bytes, encoding: str | None, limit: int) -> dict[str, Any]:
    """The JSON action call in ``body``, inflating a deflate body up to ``limit`` bytes."""
    if encoding and encoding.lower() == "deflate":
        inflater = zlib.decompressobj()
        try:
            body = inflater.decompress(body, limit + 1)
        except zlib.error as exc:
            raise BodyError("the deflate body is corrupt") from exc
        if len(body) > limit or inflater.unconsumed_tail:
            raise BodyError(f"the inflated body is over {limit} bytes")
    elif encoding and encoding.lower() not in ("identity", ""):
        raise BodyError(f"Content-Encoding {encoding!r} is not accepted")
    try:
        call = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyError("the body is not JSON") from exc
    if not isinstance(call, dict) or not isinstance(call.get("next_action"), str):
        raise BodyError("the body is not an action call (no next_action)")
    return call


def create_app(settings: Settings, package: str = "actions") -> Sanic:
    """The action server app for ``package``."""
    app = Sanic("pharmabot_actions", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = settings.action_max_request_bytes
    executor = ActionExecutor()
    executor.register_package(package)
    secret = settings.action_server_secret

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        if secret is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, "").encode(), secret.encode()
        ):
            return response.json({"error": "missing or wrong action server secret"}, status=401)
        try:
            call = read_action_call(
                request.body, request.headers.get("Content-Encoding"), settings.action_max_request_bytes
            )
        except BodyError as exc:
            status = 413 if "over" in str(exc) else 400
            return response.json({"error": str(exc)}, status=status)
        name = call["next_action"]
        try:
            result = await executor.run(call)
        except ActionExecutionRejection as exc:
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=400)
        except ActionNotFoundException as exc:
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=404)
        except Exception as exc:  # fail safe: an apology, never silence, never the tracker in a log
            log.error("action %s failed: %s", name, type(exc).__name__)
            return response.json({"events": [], "responses": failure_reply(settings.consultant_contact)})
        return response.json(result)

    @app.get("/actions")
    async def actions(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    return app


def serve(settings: Settings, port: int | None = None, host: str | None = None) -> None:
    """Run the action server (blocking)."""
    app = create_app(settings)
    app.run(
        host=host or settings.bind_host,
        port=port or settings.action_port,
        access_log=False,
        workers=1,
    )
