"""This project's settings for a SQLite connection, shared by the tickets and the conversations.

Both live in one file on a single machine (``var/pharmabot.db``); each connection gets WAL mode,
the same busy timeout and foreign keys, through the ``connect`` listener of :func:`sqlite_settings`.
"""

from __future__ import annotations

from typing import Any, Callable

#: how long a write waits for another process's write to the same file
SQLITE_BUSY_TIMEOUT_SECONDS = 30


def sqlite_settings(sync_every_commit: bool = True) -> Callable[[Any, Any], None]:
    """The ``connect`` listener that gives a SQLite connection this project's settings: WAL, the
    busy timeout, foreign keys on. ``sync_every_commit=False`` (the conversations' store, not the
    tickets) commits without waiting for the disk: nothing committed is lost when a process
    crashes; a power cut may lose the last commits, never the file's consistency."""

    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
            cursor.execute("PRAGMA foreign_keys=ON")
            if not sync_every_commit:
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return on_connect
