"""Per-sender and per-client message rate limits of the chat channels.

Owns who the client is and how fast it may write. The client is the rightmost address of
``X-Forwarded-For`` that is not a trusted proxy (``TRUSTED_PROXIES``, loopback by default), or
the peer address without that header. Clients on a trusted address (the host itself: the
benchmark, local load tests, health checks) are not limited; everyone else may send
``RATE_PER_SENDER`` messages a minute per conversation and ``RATE_PER_CLIENT`` per address,
in bursts up to the same numbers (token buckets). A patient types far slower than either.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MAX_KEYS = 50_000  # buckets kept before the full ones are dropped


def client_address(peer: str, forwarded_for: str | None, trusted: Iterable[str]) -> str:
    """The client's address: the hop just before the first trusted proxy, seen from us."""
    trusted_set = set(trusted)
    if peer not in trusted_set or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted_set:
            return hop if _is_address(hop) else peer
    return hops[0] if hops and _is_address(hops[0]) else peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass
class Buckets:
    """Token buckets of ``per_minute`` tokens each, one per key."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _state: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        """Take one token from ``key``'s bucket; False when it is empty."""
        now = self.clock()
        tokens, last = self._state.get(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)
        if tokens < 1.0:
            self._state[key] = (tokens, now)
            return False
        self._state[key] = (tokens - 1.0, now)
        if len(self._state) > MAX_KEYS:
            self._forget_full(now)
        return True

    def _forget_full(self, now: float) -> None:
        refill = 60.0 / self.per_minute
        for key, (tokens, last) in list(self._state.items()):
            if tokens + (now - last) / refill >= self.per_minute:
                del self._state[key]


@dataclass
class RateLimiter:
    """Both limits of one chat channel."""

    per_sender: int
    per_client: int
    trusted: tuple[str, ...]
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._senders = Buckets(self.per_sender, self.clock)
        self._clients = Buckets(self.per_client, self.clock)

    def allow(self, sender: str, client: str) -> bool:
        """Whether this message may go on (it counts against both buckets)."""
        if client in self.trusted:
            return True
        sender_ok = self._senders.allow(sender)
        client_ok = self._clients.allow(client)
        return sender_ok and client_ok
