"""Rasa's calls to the action server over connections kept open between calls.

Rasa 3.6's ``EndpointConfig.request`` opens a new aiohttp ``ClientSession``, and with it a new
TCP connection, for every action it runs, and closes it afterwards: connecting was about 5% of
a loaded Rasa server's samples (docs/performance.md). Installed, an endpoint keeps one session
per event loop, whose connections stay open between calls for ``KEEPALIVE_SECONDS``: under
the action server's own keep-alive (Sanic's 5 s), so Rasa never sends on a connection the
server is about to close. A connection the action server dropped (a restart) is not reused;
the call opens a new one, and a call that fails fails as before (Rasa's own error path).
"""

from __future__ import annotations

import asyncio
from types import TracebackType

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

KEEPALIVE_SECONDS = 3.0
_ATTRIBUTE = "_pharmabot_session"
_original = EndpointConfig.session


class KeptSession:
    """``async with`` gives the endpoint's open session and leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None


def kept_session(self: EndpointConfig) -> KeptSession:
    """The endpoint's session for the running event loop, made on first use (Rasa's settings:
    its headers, basic auth and timeout)."""
    loop = asyncio.get_running_loop()
    kept: tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession] | None = self.__dict__.get(_ATTRIBUTE)
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = (
            aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            if self.basic_auth
            else None
        )
        session = aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
        )
        kept = (loop, session)
        self.__dict__[_ATTRIBUTE] = kept
    return KeptSession(kept[1])


def install() -> None:
    """Endpoints keep their session in this process (idempotent)."""
    EndpointConfig.session = kept_session


def uninstall() -> None:
    """Rasa's session per call again (tests)."""
    EndpointConfig.session = _original
