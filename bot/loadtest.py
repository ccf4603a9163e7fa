"""Closed-loop load on a bot's REST channel: N simulated patients, each waiting for its reply.

Owns the conversations the benchmark plays (questions that call the answer actions, a
follow-up, a red flag, the handoff form) and the measurement of one load level: latency
percentiles, throughput, errors. Used by ``bot.bench`` for this bot and for a bare
``rasa init`` bot in the same run.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    ("hello", "what are the side effects of ocrevus", "how often is it given?", "thanks"),
    ("can i breastfeed on tabrecta", "what tests do i need before starting", "how should i store it"),
    ("what is orserdu used for", "can i take it with food", "my throat is swelling"),
    (
        "can I breastfeed on ocrevus",
        "can a pharmacist call me?",
        "Jane Doe",
        "jane.doe@example.com",
        "weekday mornings",
        "/affirm",
        "/affirm",
        "/affirm",
    ),
    ("how does capmatinib work", "should i skip my next dose", "is it safe with ibuprofen"),
)


@dataclass
class LoadResult:
    """What one load level measured."""

    patients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def messages(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]

    def summary(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "messages": self.messages,
            "errors": self.errors,
            "throughput_msg_s": round(self.messages / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
        }


async def _patient(
    session: aiohttp.ClientSession, url: str, deadline: float, scripts: itertools.cycle, result: LoadResult
) -> None:
    while time.monotonic() < deadline:
        sender = f"load-{uuid.uuid4().hex[:12]}"
        for message in next(scripts):
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": message}) as resp:
                    body = await resp.json(content_type=None)
                    ok = resp.status == 200 and isinstance(body, list) and bool(body)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                ok = False
            if ok:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
            else:
                result.errors += 1


async def run_load(base_url: str, patients: int, seconds: float) -> LoadResult:
    """``patients`` concurrent conversations against ``base_url`` for ``seconds``."""
    url = base_url.rstrip("/") + "/webhooks/rest/webhook"
    result = LoadResult(patients=patients, seconds=seconds)
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=patients * 2)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        scripts = itertools.cycle(CONVERSATIONS)
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(_patient(session, url, deadline, scripts, result) for _ in range(patients)))
        result.seconds = time.monotonic() - started
    return result


#: the questions a long conversation repeats (answer actions only: no red flag, no form)
LONG_CONVERSATION = (
    "what are the side effects of ocrevus",
    "how often is it given?",
    "can i drink alcohol with it",
    "how should i store it",
    "what tests do i need before starting",
)


async def conversation_growth(base_url: str, turns: int = 100, window: int = 5) -> dict[str, Any]:
    """One patient's conversation of ``turns`` messages, one at a time: the median latency of
    its first ``window`` messages against its last ``window`` (what the tracker store loads grows
    with the conversation)."""
    url = base_url.rstrip("/") + "/webhooks/rest/webhook"
    sender = f"long-{uuid.uuid4().hex[:12]}"
    latencies: list[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for turn in range(turns):
            message = LONG_CONVERSATION[turn % len(LONG_CONVERSATION)]
            started = time.perf_counter()
            async with session.post(url, json={"sender": sender, "message": message}) as resp:
                await resp.read()
            latencies.append((time.perf_counter() - started) * 1000)
    first = sorted(latencies[:window])[window // 2]
    last = sorted(latencies[-window:])[window // 2]
    return {
        "turns": turns,
        "first_ms": round(first, 1),
        "last_ms": round(last, 1),
        "ratio": round(last / first, 2) if first else None,
    }
