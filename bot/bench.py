"""`make bench`: how fast the parts a patient waits for are, measured, not asserted in tests.

Knowledge-base load, fact selection, red-flag matching and the self-harm similarity check
in-process (the eight questions one at a time, per call), then the REST
round trip of real questions against a running bot (started if none answers on :5005),
with the resident memory of the Rasa and action servers. Writes reports/bench.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bot.localbot import ROOT, start_bot

QUESTIONS = [
    "how common are infusion reactions with ocrevus",
    "what are the side effects of tabrecta",
    "can i breastfeed on ocrevus",
    "how often is the infusion",
    "my throat is swelling",
    "should i skip my next dose",
    "what is orserdu used for",
    "hello",
]


def _timed(fn: Any, repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
    }


def bench_in_process() -> dict[str, Any]:
    from knowledge import KnowledgeBase, select
    from knowledge.red_flags import RedFlagMatcher
    from patient_text.safety import SafetyReader

    kb_time = _timed(KnowledgeBase.load, 5)
    kb = KnowledgeBase.load()
    mono = (
        kb.monographs["ocrelizumab"] if "ocrelizumab" in kb.monographs else next(iter(kb.monographs.values()))
    )
    matcher = RedFlagMatcher.from_knowledge(kb)
    # the whole safety reading of one message (patterns, triage, decisions), as the NLU runs it;
    # the triage fitted on its corpus alone (the training questions change its weights, not its cost)
    reader = SafetyReader()
    reader.fit()
    return {
        "knowledge_base_load": kb_time,
        "select_side_effects": _timed(
            lambda: select(mono, "side_effects", "how common are infusion reactions"), 200
        ),
        "red_flag_detect": _timed(lambda: [matcher.detect(q) for q in QUESTIONS], 100),
        "safety_reader": _timed(lambda: [reader.read([q]) for q in QUESTIONS], 20),
    }


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def bench_rest(url: str, rounds: int) -> dict[str, Any]:
    def ask(message: str) -> None:
        body = json.dumps({"sender": f"bench-{uuid.uuid4().hex[:8]}", "message": message}).encode()
        req = urllib.request.Request(
            f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (local URL)
            resp.read()

    ask("hello")  # warm-up
    times = []
    for _ in range(rounds):
        for q in QUESTIONS:
            start = time.perf_counter()
            ask(q)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--url", default="")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"in_process": bench_in_process()}
    bot = None
    url = args.url
    if not url:
        bot = start_bot()
        url = bot.url
    try:
        results["rest_round_trip"] = bench_rest(url, args.rounds)
        if bot is not None:
            results["memory_rss_mb"] = {
                name: _rss_mb(p.pid) for name, p in zip(("actions", "rasa"), bot.processes, strict=True)
            }
    finally:
        if bot is not None:
            bot.stop()
    out = ROOT / "reports" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
