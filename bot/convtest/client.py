"""The bot seen from outside: Rasa's REST channel and its HTTP API, over aiohttp."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from typing import Any

import aiohttp


class BotError(RuntimeError):
    """The bot did not answer, or answered with an HTTP error or something not JSON."""


class RestClient:
    """Sends a patient's messages to ``{url}/webhooks/rest/webhook`` and reads trackers."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, timeout: float = 90, token: str | None = None
    ) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.token = token

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """The bot's messages in answer to one user message."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        data = await self._request("POST", "/webhooks/rest/webhook", json=body)
        if not isinstance(data, list) or not all(isinstance(m, dict) for m in data):
            raise BotError(f"the REST channel answered {json.dumps(data)[:300]}, not a list of messages")
        return data

    async def slots(self, sender: str) -> dict[str, Any]:
        """The conversation's slot values now (needs Rasa's HTTP API: RASA_API_TOKEN)."""
        path = f"/conversations/{urllib.parse.quote(sender, safe='')}/tracker?include_events=NONE"
        params = {"token": self.token} if self.token else None
        data = await self._request("GET", path, params=params)
        slots = data.get("slots") if isinstance(data, dict) else None
        if not isinstance(slots, dict):
            raise BotError(f"GET {path} gave no slots: {json.dumps(data)[:300]}")
        return slots

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self.session.request(method, self.url + path, timeout=self.timeout, **kwargs) as resp:
                body = await resp.text()
                if resp.status != 200:
                    hint = (
                        " (is the API on, with RASA_API_TOKEN set here too?)"
                        if resp.status in (401, 403, 404)
                        else ""
                    )
                    raise BotError(f"{method} {path}: HTTP {resp.status}{hint}: {body[:300]}")
                try:
                    return json.loads(body)
                except ValueError as exc:
                    raise BotError(f"{method} {path}: answer is not JSON: {body[:300]}") from exc
        except asyncio.TimeoutError as exc:
            raise BotError(f"{method} {path}: no answer within {self.timeout.total:.0f}s") from exc
        except aiohttp.ClientError as exc:
            raise BotError(f"{method} {path}: {exc}") from exc


def answers(url: str, timeout: float = 2) -> bool:
    """Whether a Rasa server answers ``GET {url}/`` (blocking; used before the run)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/", timeout=timeout) as resp:  # noqa: S310
            return bool(resp.status == 200)
    except (OSError, ValueError):
        return False
