"""Rasa's endpoint calls over kept-open connections (bot/endpoint_sessions.py), against a real
local HTTP server that records the connection each request came on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from bot import endpoint_sessions
from bot.localbot import free_port


@pytest.fixture
def installed() -> Iterator[None]:
    endpoint_sessions.install()
    yield
    endpoint_sessions.uninstall()


@asynccontextmanager
async def _server(port: int, seen: list[tuple[int, str]]) -> AsyncIterator[None]:
    """A webhook answering ``{"ok": true}`` that records (client port, X-Action-Secret)."""

    async def webhook(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen.append((peer[1] if peer else -1, request.headers.get("X-Action-Secret", "")))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()


def _calls(restart_between: bool) -> list[tuple[int, str]]:
    port, seen = free_port(), []
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Action-Secret": "s3cret"})

    async def main() -> None:
        async with _server(port, seen):
            for _ in range(3):
                assert await endpoint.request(json={}) == {"ok": True}
        if restart_between:
            async with _server(port, seen):
                assert await endpoint.request(json={}) == {"ok": True}

    asyncio.run(main())
    return seen


def test_calls_share_one_connection_and_send_the_endpoints_headers(installed: None) -> None:
    seen = _calls(restart_between=False)
    assert len({client_port for client_port, _ in seen}) == 1
    assert {secret for _, secret in seen} == {"s3cret"}


def test_rasas_own_session_opens_a_connection_per_call() -> None:
    assert len({client_port for client_port, _ in _calls(restart_between=False)}) == 3


def test_a_restarted_server_is_called_on_a_new_connection(installed: None) -> None:
    seen = _calls(restart_between=True)
    assert len(seen) == 4 and seen[3][0] != seen[0][0]


def test_connections_are_let_go_before_the_action_servers_keep_alive_ends() -> None:
    from sanic.config import DEFAULT_CONFIG

    assert DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"] > endpoint_sessions.KEEPALIVE_SECONDS
