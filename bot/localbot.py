"""Starting the bot's own processes (action server + Rasa server) for tests and tools.

Used once per test session and by the conversation runner: each start costs ~30 s, so
callers start one bot and share it. Ports are free ones unless given; state goes to a
temporary SQLite file so a test run never touches var/.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (local URL)
            return bool(resp.status == 200)
    except OSError:
        return False


def wait_until_answering(
    urls: Sequence[str], processes: Mapping[str, subprocess.Popen[bytes]], timeout: float
) -> None:
    """Poll ``urls`` one after the other until each answers 200 (the servers start in parallel).

    Raises :class:`RuntimeError` naming those of ``processes`` that exited meanwhile,
    :class:`TimeoutError` naming the URLs still silent after ``timeout`` seconds.
    """
    pending = list(urls)
    deadline = time.monotonic() + timeout
    while pending:
        exited = [name for name, proc in processes.items() if proc.poll() is not None]
        if exited:
            raise RuntimeError(f"{', '.join(exited)} exited before answering")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no answer after {timeout:.0f}s from {', '.join(pending)}")
        if _answers(pending[0]):
            pending.pop(0)
        else:
            time.sleep(0.5)


@dataclass
class LocalBot:
    """A running action server and Rasa server; ``stop()`` ends both."""

    rasa_port: int
    action_port: int
    workdir: Path
    database_url: str = ""
    api_token: str = ""
    chat_push_secret: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def api_url(self, path: str) -> str:
        """A URL of Rasa's HTTP API, with the token it needs (tests and tools only)."""
        joiner = "&" if "?" in path else "?"
        return f"{self.url}{path}{joiner}token={self.api_token}"

    def stop(self) -> None:
        for proc in self.processes:
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    def pid(self, name: str) -> int:
        """The process id of ``"rasa"`` or ``"actions"``."""
        return self.processes[["actions", "rasa"].index(name)].pid

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def start_bot(
    model: Path = ROOT / "models" / "current.tar.gz",
    timeout: float = 300,
    endpoints_file: Path | None = None,
    extra_env: dict[str, str] | None = None,
    root: Path = ROOT,
) -> LocalBot:
    """Start both servers on free ports and wait until they answer.

    ``root`` is the project they run from (its code and ``knowledge/``): a copy of the
    project serves its own monographs with the same trained model.

    By default the tracker store is a throw-away SQLite file; ``endpoints_file`` (e.g. the
    production profile) replaces it, with ``ACTION_SERVER_URL`` pointing at the new action
    server and ``extra_env`` filling its other ``${...}`` values.
    """
    if not model.exists():
        raise FileNotFoundError(f"{model} does not exist: run `make setup` (it trains the model)")
    workdir = Path(tempfile.mkdtemp(prefix="pharmabot-"))
    bot = LocalBot(rasa_port=free_port(), action_port=free_port(), workdir=workdir)
    bot.api_token = secrets.token_hex(20)
    endpoints = endpoints_file or workdir / "endpoints.yml"
    if endpoints_file is None:
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{bot.action_port}/webhook"\n'
            "  headers:\n    X-Action-Secret: ${ACTION_SERVER_SECRET}\n  enable_selective_domain: true\n"
            "tracker_store:\n  type: bot.tracker_cache.CachedSQLTrackerStore\n"
            f"  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n"
        )
    # a throw-away tickets database unless the caller names one: never the environment's,
    # which may be the one `make run` uses (scripts/env.sh reads .env)
    bot.database_url = (extra_env or {}).get("DATABASE_URL") or f"sqlite:///{workdir / 'tickets.db'}"
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "DATABASE_URL": bot.database_url,
        "OUTBOX_DIR": str(workdir / "outbox"),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{bot.action_port}/webhook",
        "ACTION_SERVER_SECRET": secrets.token_hex(24),
        "SESSION_SECRET": secrets.token_hex(24),
        "CHAT_PUSH_SECRET": secrets.token_hex(24),
        "RASA_API_TOKEN": bot.api_token,
        # the demo pages of the browser tests run on ports chosen at start
        "ALLOWED_ORIGINS": "http://127.0.0.1:*,http://localhost:*",
        **(extra_env or {}),
    }
    bot.api_token = env["RASA_API_TOKEN"]
    bot.chat_push_secret = env["CHAT_PUSH_SECRET"]
    python = sys.executable
    commands = {
        "actions": [python, "-m", "bot", "actions", "--port", str(bot.action_port)],
        "rasa": [
            python,
            "-m",
            "bot",
            "rasa",
            "--port",
            str(bot.rasa_port),
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
        ],
    }
    for name, cmd in commands.items():
        log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 (kept open for the process)
        bot.processes.append(subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT))
    deadline = time.monotonic() + timeout
    checks = [f"http://127.0.0.1:{bot.action_port}/health", f"{bot.url}/"]
    while checks:
        if any(p.poll() is not None for p in bot.processes):
            bot.stop()
            raise RuntimeError(f"a bot process exited early:\n{bot.log('actions')}\n{bot.log('rasa')}")
        if time.monotonic() > deadline:
            bot.stop()
            raise TimeoutError(f"bot not ready after {timeout:.0f}s:\n{bot.log('rasa')}")
        if _answers(checks[0]):
            checks.pop(0)
        else:
            time.sleep(0.5)
    return bot
