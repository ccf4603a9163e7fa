"""The web app's background retry of the ticket outbox.

Owns the task that, while the web app runs, delivers queued tickets: once at start,
then every ``OUTBOX_RETRY_SECONDS``. Delivery itself (idempotent, locked across
processes) is ``FilingService.deliver_outbox``.
"""

from __future__ import annotations

import asyncio
import logging

from bot.tickets.filing import FilingService

logger = logging.getLogger(__name__)


async def retry_outbox_forever(filing: FilingService, interval_seconds: float) -> None:
    while True:
        await retry_outbox_once(filing)
        await asyncio.sleep(interval_seconds)


async def retry_outbox_once(filing: FilingService) -> None:
    if not filing.outbox.pending():
        return
    try:
        report = await asyncio.to_thread(filing.deliver_outbox)
    except Exception:
        logger.exception("outbox delivery failed")
        return
    if report.remaining:
        logger.warning("%d ticket(s) still wait in the outbox (%s)", report.remaining, report.error)
