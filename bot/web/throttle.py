"""Slowing down password guessing at the inbox login.

Owns an in-memory count of login attempts per account and per client address. An attempt is
counted *before* the slow password check and forgiven only when it succeeds, so attempts sent
in parallel cannot slip through while earlier ones are still being checked. After
``per_account`` failures on one name, or ``per_address`` from one address, within ``window``
seconds, further attempts are refused until the window has passed. Per process only; behind
several web workers, also rate-limit at the reverse proxy.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Attempt:
    """One login attempt under way: its keys and when it was counted."""

    account: str
    address: str
    at: float


class LoginThrottle:
    def __init__(self, per_account: int = 5, per_address: int = 20, window: float = 900.0) -> None:
        self._limits = {"account": per_account, "address": per_address}
        self._window = window
        self._attempts: defaultdict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def begin(self, username: str, address: str) -> Attempt | None:
        """Count an attempt now; None when the account or the address is blocked."""
        account = ("account", username.strip().lower())
        origin = ("address", address)
        with self._lock:
            if any(len(self._recent(key)) >= self._limits[key[0]] for key in (account, origin)):
                return None
            now = time.monotonic()
            self._attempts[account].append(now)
            self._attempts[origin].append(now)
            return Attempt(account[1], address, now)

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: forgive the account's failures and this attempt."""
        with self._lock:
            self._attempts.pop(("account", attempt.account), None)
            attempts = self._attempts.get(("address", attempt.address))
            if attempts is not None and attempt.at in attempts:
                attempts.remove(attempt.at)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        attempts = self._attempts[key]
        cutoff = time.monotonic() - self._window
        while attempts and attempts[0] < cutoff:
            attempts.popleft()
        return attempts
