"""`make bench`: how fast the parts a patient waits for are, measured, not asserted in tests.

In-process: knowledge-base load, fact selection, red-flag matching and the whole safety
reading of a message (the eight questions one at a time). Under load: closed-loop REST
conversations (``bot.loadtest``) at 1, 10 and 50 concurrent patients against this bot, then
against a bare ``rasa init`` assistant trained in a temporary folder with the same venv, in
the same run; latency percentiles, throughput, errors, peak memory of every process, cold
start, and the ratios to the bare bot. Then the same load through nginx against the
production layout of ``make run-prod`` (2 Rasa servers, 2 action servers, PostgreSQL, Redis;
``bot.prodstack``) on a throw-away database, with its ratios to the same bare bot (skipped with
the reason when PostgreSQL, Redis or nginx is missing). Writes reports/bench.json and
reports/bench.png and prints the tables.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.localbot import ROOT, free_port, rss_mb, start_bot

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
BENCH_REDIS_DB = 9  # the production profile's lock store in the benchmark (tests use 7 and 8)


def _timed(fn: Any, repeat: int, per: int = 1) -> dict[str, float]:
    """p50 and p95 of ``repeat`` calls of ``fn``, in ms, divided by ``per`` (the calls it makes)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000 / per)
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
    from patient_text.encoder import published_encoder

    encoder = published_encoder()
    reader = SafetyReader(encoder=encoder.encode)
    reader.fit()
    encoder.backend = "numpy"  # the reference forward pass, as a baseline in the same run
    numpy_reference = _timed(lambda: [reader.read([q]) for q in QUESTIONS], 20, len(QUESTIONS))
    encoder.backend = "onnx"
    return {
        "knowledge_base_load": kb_time,
        "select_side_effects": _timed(
            lambda: select(mono, "side_effects", "how common are infusion reactions"), 200
        ),
        "red_flag_detect": _timed(lambda: [matcher.detect(q) for q in QUESTIONS], 100),
        # per message (the other timings are per call of all QUESTIONS)
        "safety_reader": _timed(lambda: [reader.read([q]) for q in QUESTIONS], 20, len(QUESTIONS)),
        "safety_reader_numpy_reference": numpy_reference,
    }


class PeakRss:
    """Samples the resident memory of some processes in the background; keeps the peaks."""

    def __init__(self, pids: dict[str, int], interval: float = 0.25) -> None:
        self.pids = pids
        self.peak = {name: 0.0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                with contextlib.suppress(OSError):
                    self.peak[name] = max(self.peak[name], rss_mb(pid))
            self._stop.wait(interval)


@dataclass
class BareBot:
    """A bare ``rasa init`` assistant (in-memory tracker store), the benchmark's baseline."""

    url: str
    process: subprocess.Popen[bytes]
    cold_start_s: float

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_bare_bot(workdir: Path) -> BareBot:
    """Create and train ``rasa init``'s assistant in ``workdir`` with this venv, then serve it."""
    rasa = str(Path(sys.executable).parent / "rasa")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    project = workdir / "bare"
    project.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [rasa, "init", "--no-prompt", "--init-dir", str(project)],
        cwd=workdir,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=1800,
    )
    port = free_port()
    started = time.monotonic()
    log = open(workdir / "bare.log", "wb")  # noqa: SIM115 (kept open for the process)
    process = subprocess.Popen(
        [rasa, "run", "--interface", "127.0.0.1", "--port", str(port), "--model", "models"],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_for_answer(url, process)
    return BareBot(url, process, time.monotonic() - started)


def _wait_for_answer(url: str, process: subprocess.Popen[bytes], timeout: float = 300) -> None:
    """Until a first REST message is answered (cold start ends there)."""
    deadline = time.monotonic() + timeout
    body = json.dumps({"sender": "warm-up", "message": "hello"}).encode()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the bot exited during start-up")
        request = urllib.request.Request(
            f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 (local URL)
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"no answer from {url} within {timeout:.0f}s")


def bench_load(url: str, pids: dict[str, int], levels: list[int], seconds: float) -> dict[str, Any]:
    """Each load level in turn, with the processes' peak memory over all of them."""
    from bot.loadtest import conversation_growth, run_load

    idle = {name: rss_mb(pid) for name, pid in pids.items()}
    results = []
    with PeakRss(pids) as rss:
        for patients in levels:
            results.append(asyncio.run(run_load(url, patients, seconds)).summary())
        growth = asyncio.run(conversation_growth(url))
    after = {name: rss_mb(pid) for name, pid in pids.items()}
    return {
        "levels": results,
        "conversation_growth": growth,
        "rss_mb": {"idle": idle, "peak": rss.peak, "after": after},
    }


def bench_production(levels: list[int], seconds: float, workdir: Path) -> dict[str, Any] | None:
    """``bench_load`` through nginx against the production layout; None (and why) if it cannot start."""
    import redis

    from bot.prodstack import Ports, ProdStack, ProdStackError, drop_database

    name = f"pharmabot_bench_{os.getpid()}"
    stack = ProdStack(
        ports=Ports.free(),
        run_dir=workdir / "prod",
        database_url=f"postgresql://postgres@127.0.0.1:5432/{name}",
        redis_db=BENCH_REDIS_DB,
    )
    stack.extra_env.update(
        {"OUTBOX_DIR": str(workdir / "prod-outbox"), "SMTP_HOST": "", "NOTIFY_WEBHOOK_URL": ""}
    )
    started = time.monotonic()
    try:
        stack.start()
        _wait_for_answer(stack.public_url, stack.processes["nginx"])
        cold_start = round(time.monotonic() - started, 1)
        pids = {process: proc.pid for process, proc in stack.processes.items()}
        return {**bench_load(stack.public_url, pids, levels, seconds), "cold_start_s": cold_start}
    except ProdStackError as exc:
        print(f"production profile skipped: {exc}", file=sys.stderr)
        return None
    finally:
        stack.stop()
        with contextlib.suppress(Exception):
            drop_database(stack.database_url, name)
            redis.Redis(host=stack.redis_host, port=stack.redis_port, db=BENCH_REDIS_DB).flushdb()


def _ratios(ours: dict[str, Any], bare: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for mine, theirs in zip(ours["levels"], bare["levels"], strict=True):
        rows.append(
            {
                "patients": mine["patients"],
                "p95_ratio": round(mine["p95_ms"] / theirs["p95_ms"], 2) if theirs["p95_ms"] else None,
                "throughput_ratio": round(mine["throughput_msg_s"] / theirs["throughput_msg_s"], 2)
                if theirs["throughput_msg_s"]
                else None,
            }
        )
    return rows


def _table(results: dict[str, Any]) -> str:
    ours, bare = results["load"]["this_bot"], results["load"]["bare_rasa"]
    lines = _rows(ours, bare, results["load"]["ratios"])
    rss, bare_rss, cold = ours["rss_mb"], bare["rss_mb"], results["cold_start_s"]
    lines.append("")
    lines.append(
        f"Memory (MB): Rasa server idle {rss['idle']['rasa']:.0f}, peak {rss['peak']['rasa']:.0f}; "
        f"action server peak {rss['peak']['actions']:.0f}; bare Rasa peak {bare_rss['peak']['rasa']:.0f}. "
        f"Cold start: {cold['this_bot']:.1f} s against {cold['bare_rasa']:.1f} s."
    )
    mine, theirs = ours["conversation_growth"], bare["conversation_growth"]
    lines.append(
        f"The {mine['turns']}th message of a conversation against the 1st (median of five): "
        f"{mine['last_ms']:.0f} / {mine['first_ms']:.0f} ms = {mine['ratio']}x; "
        f"bare bot {theirs['last_ms']:.0f} / {theirs['first_ms']:.0f} ms = {theirs['ratio']}x."
    )
    prod = results["load"].get("production")
    if prod:
        lines += ["", "Production layout through nginx (2 Rasa + 2 action servers, PostgreSQL, Redis):", ""]
        lines += _rows(prod, bare, results["load"]["production_ratios"])
        peaks = ", ".join(f"{name} {mb:.0f}" for name, mb in prod["rss_mb"]["peak"].items())
        growth = prod["conversation_growth"]
        lines.append("")
        lines.append(
            f"Peak memory (MB): {peaks}. Cold start: {prod['cold_start_s']:.1f} s. "
            f"{growth['turns']}th message against the 1st: {growth['ratio']}x."
        )
    return "\n".join(lines)


def _rows(ours: dict[str, Any], bare: dict[str, Any], ratios: list[dict[str, Any]]) -> list[str]:
    """The markdown table of the load levels: ``ours`` against the bare bot."""
    lines = [
        "| patients | this bot p50 / p95 / p99 ms | msg/s | errors | bare bot p50 / p95 / p99 ms | msg/s "
        "| p95 ratio | throughput ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mine, theirs, ratio in zip(ours["levels"], bare["levels"], ratios, strict=True):
        lines.append(
            f"| {mine['patients']} | {mine['p50_ms']:.0f} / {mine['p95_ms']:.0f} / {mine['p99_ms']:.0f} "
            f"| {mine['throughput_msg_s']:.1f} | {mine['errors']} "
            f"| {theirs['p50_ms']:.0f} / {theirs['p95_ms']:.0f} / {theirs['p99_ms']:.0f} "
            f"| {theirs['throughput_msg_s']:.1f} | {ratio['p95_ratio']}x | {ratio['throughput_ratio']}x |"
        )
    return lines


def _plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    names = [("this_bot", "this bot"), ("bare_rasa", "bare rasa init"), ("production", "production layout")]
    for name, label in names:
        if not results["load"].get(name):
            continue
        levels = results["load"][name]["levels"]
        patients = [level["patients"] for level in levels]
        left.plot(patients, [level["p95_ms"] for level in levels], marker="o", label=label)
        right.plot(patients, [level["throughput_msg_s"] for level in levels], marker="o", label=label)
    left.set(xlabel="concurrent patients", ylabel="p95 latency (ms)", title="Latency")
    right.set(xlabel="concurrent patients", ylabel="messages per second", title="Throughput")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__)
    parser.add_argument("--levels", default="1,10,50", help="concurrent patients, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load level")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare rasa init bot")
    parser.add_argument("--no-production", action="store_true", help="skip the production layout")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",") if level.strip()]
    results: dict[str, Any] = {"in_process": bench_in_process(), "load": {}, "cold_start_s": {}}
    workdir = Path(tempfile.mkdtemp(prefix="pharmabot-bench-"))
    started = time.monotonic()
    bot = start_bot()
    try:
        _wait_for_answer(bot.url, bot.processes[1])
        results["cold_start_s"]["this_bot"] = round(time.monotonic() - started, 1)
        pids = {"rasa": bot.pid("rasa"), "actions": bot.pid("actions")}
        results["load"]["this_bot"] = bench_load(bot.url, pids, levels, args.seconds)
    finally:
        bot.stop()
    if not args.no_baseline:
        bare = start_bare_bot(workdir)
        try:
            results["cold_start_s"]["bare_rasa"] = round(bare.cold_start_s, 1)
            results["load"]["bare_rasa"] = bench_load(
                bare.url, {"rasa": bare.process.pid}, levels, args.seconds
            )
        finally:
            bare.stop()
        results["load"]["ratios"] = _ratios(results["load"]["this_bot"], results["load"]["bare_rasa"])
    if not args.no_production:
        results["load"]["production"] = bench_production(levels, args.seconds, workdir)
        if results["load"]["production"] and not args.no_baseline:
            results["load"]["production_ratios"] = _ratios(
                results["load"]["production"], results["load"]["bare_rasa"]
            )
    out = ROOT / "reports" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results["in_process"], indent=2))
    if not args.no_baseline:
        _plot(results, ROOT / "reports" / "bench.png")
        print(_table(results))
    else:
        print(json.dumps(results["load"], indent=2))
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
