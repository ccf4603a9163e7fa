"""Playing cases against a bot: one fresh conversation per case, several cases at once."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from bot.convtest.cases import Case, Step
from bot.convtest.checks import Outcome, Turn, check
from bot.convtest.client import BotError, RestClient
from bot.convtest.domain import Domain

PASSED, FAILED, ERROR, SKIPPED = "passed", "failed", "error", "skipped"


@dataclass
class TurnRecord:
    """A turn and the outcome of each step that checked it."""

    turn: Turn
    checks: list[tuple[Step, Outcome]] = field(default_factory=list)


@dataclass
class StepFailure:
    """A step that did not hold, with the turn it checked."""

    step: Step
    outcome: Outcome
    turn: Turn


@dataclass
class CaseResult:
    """What happened when one case was played."""

    case: Case
    status: str
    sender: str = ""
    turns: list[TurnRecord] = field(default_factory=list)
    failures: list[StepFailure] = field(default_factory=list)
    error: str = ""
    duration: float = 0.0


def sender_id(case: Case) -> str:
    """A fresh sender id that still says which case it belongs to (handy in the bot's logs)."""
    slug = re.sub(r"[^a-z0-9]+", "-", case.name.lower()).strip("-")[:40]
    return f"convtest-{slug}-{uuid.uuid4().hex[:8]}"


async def play(client: RestClient, case: Case, domain: Domain) -> CaseResult:
    """Play one case in a new conversation; every step is checked, failing or not."""
    result = CaseResult(case=case, status=PASSED, sender=sender_id(case))
    started = time.monotonic()
    try:
        for step in case.steps:
            if step.is_user:
                metadata = case.metadata if not result.turns else None
                replies = await client.send(result.sender, step.value, metadata)
                result.turns.append(TurnRecord(Turn(user=step.value, replies=replies)))
                continue
            record = result.turns[-1]
            if step.kind == "slot_was_set" and record.turn.slots is None:
                try:
                    record.turn.slots = await client.slots(result.sender)
                except BotError as exc:
                    record.turn.slots_error = str(exc)
            outcome = check(step, record.turn, domain)
            record.checks.append((step, outcome))
            if not outcome.ok:
                result.failures.append(StepFailure(step, outcome, record.turn))
    except BotError as exc:
        result.status, result.error = ERROR, str(exc)
    else:
        result.status = FAILED if result.failures else PASSED
    result.duration = time.monotonic() - started
    return result


async def run_cases(
    cases: list[Case],
    url: str,
    domain: Domain,
    concurrency: int = 8,
    on_result: Callable[[CaseResult], None] | None = None,
    token: str | None = None,
) -> list[CaseResult]:
    """Play every case (skipped ones are only reported), at most ``concurrency`` at a time."""
    semaphore = asyncio.Semaphore(max(1, concurrency))
    connector = aiohttp.TCPConnector(limit=max(1, concurrency) * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        client = RestClient(session, url, token=token)

        async def one(case: Case) -> CaseResult:
            if case.skip:
                result = CaseResult(case=case, status=SKIPPED)
            else:
                async with semaphore:
                    result = await play(client, case, domain)
            if on_result:
                on_result(result)
            return result

        return list(await asyncio.gather(*(one(case) for case in cases)))
