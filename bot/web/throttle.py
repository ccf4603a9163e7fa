"""Slowing down password guessing at the inbox login.

Owns an in-memory count of failed logins per (username, client address): after
``limit`` failures within ``window`` seconds, further attempts are refused until the
window has passed. Per process only; behind several web workers, also rate-limit at
the reverse proxy.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginThrottle:
    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self._limit = limit
        self._window = window
        self._failures: defaultdict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, username: str, address: str) -> bool:
        with self._lock:
            return len(self._recent((username.lower(), address))) >= self._limit

    def failed(self, username: str, address: str) -> None:
        with self._lock:
            self._recent((username.lower(), address)).append(time.monotonic())

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username.lower(), address), None)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        attempts = self._failures[key]
        cutoff = time.monotonic() - self._window
        while attempts and attempts[0] < cutoff:
            attempts.popleft()
        return attempts
