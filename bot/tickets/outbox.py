"""The durable local outbox: tickets that could not reach the database wait here.

Owns the outbox directory's file format and its safety: one JSON file per ticket,
written to a temporary file, fsynced, renamed into place and the directory fsynced,
so a crash never leaves half a ticket; readable by the service's user only (the files
hold patient data). Files that cannot be read are moved to ``rejected/``, never deleted.
Delivery itself is ``bot.tickets.filing.deliver_outbox``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.tickets.drafts import TicketDraft, as_utc

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
SUFFIX = ".json"
REJECTED = "rejected"


class OutboxFileError(ValueError):
    """An outbox file cannot be read as a queued ticket (names the file)."""


@dataclass(frozen=True)
class QueuedTicket:
    """A ticket waiting for the database, with the reference the patient was given."""

    reference: str
    filing_id: str
    queued_at: datetime
    reason: str
    draft: TicketDraft

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "reference": self.reference,
            "filing_id": self.filing_id,
            "queued_at": as_utc(self.queued_at).isoformat(),
            "reason": self.reason,
            "draft": self.draft.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueuedTicket:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown outbox format {data.get('format')!r}")
        return cls(
            reference=str(data["reference"]),
            filing_id=str(data["filing_id"]),
            queued_at=as_utc(datetime.fromisoformat(data["queued_at"])),
            reason=str(data.get("reason") or ""),
            draft=TicketDraft.from_dict(data["draft"]),
        )


class Outbox:
    """A directory of queued tickets, oldest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, item: QueuedTicket) -> Path:
        """Write ``item`` durably; returns its file. Raises OSError if it cannot."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = as_utc(item.queued_at).strftime("%Y%m%dT%H%M%S%f")
        final = self.directory / f"{stamp}-{item.reference}-{item.filing_id}{SUFFIX}"
        temporary = self.directory / f".tmp-{uuid.uuid4().hex}"
        data = json.dumps(item.to_dict(), ensure_ascii=False, indent=1).encode("utf-8")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        self._sync_directory()
        return final

    def pending(self) -> list[Path]:
        """The queued tickets' files, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.is_file() and p.suffix == SUFFIX)

    def load(self, path: Path) -> QueuedTicket:
        try:
            return QueuedTicket.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as exc:
            raise OutboxFileError(f"{path}: not a queued ticket ({exc})") from exc

    def done(self, path: Path) -> None:
        """Forget a delivered ticket's file."""
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._sync_directory()

    def reject(self, path: Path, reason: str) -> Path:
        """Move an unreadable or undeliverable file aside, for a person to look at."""
        rejected = self.directory / REJECTED
        rejected.mkdir(exist_ok=True, mode=0o700)
        target = rejected / path.name
        os.replace(path, target)
        self._sync_directory()
        logger.error("outbox file %s rejected: %s (kept in %s)", path.name, reason, rejected)
        return target

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the outbox's lock, so that two processes never deliver at once."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.directory / ".lock", "a") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _sync_directory(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
