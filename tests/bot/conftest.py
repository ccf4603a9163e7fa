"""Fixtures for the tickets and web tests: databases (SQLite, PostgreSQL), settings,
consultants, and the web app running in a subprocess on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from bot.localbot import free_port
from bot.settings import PROJECT_ROOT, Settings, load_settings
from bot.tickets import ConsultantDirectory
from bot.tickets.db import dispose_engines, get_engine
from bot.tickets.migrate import ensure_schema, forget_schema_checks
from testkit import TcpProxy

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery staple"


def _pg_answers() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg2
    except ImportError as exc:  # pragma: no cover
        return f"psycopg2 not installed: {exc}"
    try:
        psycopg2.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} does not answer: {str(exc).strip()}"
    return None


def _skip_without_postgres() -> None:
    """Skip when PostgreSQL does not answer; fail instead when REQUIRE_SERVICES=1 (CI)."""
    reason = _pg_answers()
    if reason and os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A DATABASE_URL on the PostgreSQL test database, in a fresh schema for this run."""
    _skip_without_postgres()
    import psycopg2

    schema = f"test_tickets_{uuid.uuid4().hex[:10]}"
    connection = psycopg2.connect(PG_ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        dispose_engines()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.close()


def _truncate_pg(url: str) -> None:
    from sqlalchemy import text

    from bot.tickets.db import get_engine

    with get_engine(url).begin() as connection:
        connection.execute(text("TRUNCATE ticket_events, tickets, consultant_sessions, consultants CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty tickets database: a SQLite temp file, then PostgreSQL."""
    forget_schema_checks()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tickets.db'}"
        ensure_schema(url)
        yield url
        dispose_engines()
    else:
        url = request.getfixturevalue("pg_schema_url")
        ensure_schema(url)
        _truncate_pg(url)
        yield url
        _truncate_pg(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    forget_schema_checks()
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    ensure_schema(url)
    yield url
    dispose_engines()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings from a clean environment: DATABASE_URL, an outbox under tmp_path, extras."""

    def make(database_url: str, **env: str) -> Settings:
        values = {"DATABASE_URL": database_url, "OUTBOX_DIR": str(tmp_path / "outbox")}
        values.update(env)
        return load_settings(values)

    return make


@pytest.fixture
def add_consultant() -> Callable[[str, str], None]:
    # Cheap Argon2 parameters keep the tests fast; a login rehashes with the defaults.
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    def add(url: str, name: str) -> None:
        ConsultantDirectory(get_engine(url), hasher=hasher).add(name, PASSWORD)

    return add


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current environment without our settings, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SMTP_", "NOTIFY_", "INBOX_", "DATABASE_URL", "OUTBOX_", "APP_ENV"))
    }
    env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"
    env.update(extra)
    return env


class WebServer:
    def __init__(self, base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.base_url = base_url
        self.process = process
        self.log = log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_web(database_url: str, outbox: Path, log: Path, **env: str) -> WebServer:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=subprocess_env(DATABASE_URL=database_url, OUTBOX_DIR=str(outbox), **env),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web app exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2):
                return WebServer(base_url, process, log)
        except urllib.error.HTTPError:  # up, but the database is not (503)
            return WebServer(base_url, process, log)
        except Exception:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"web app did not answer in 60 s: {log.read_text()}")


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[Callable[..., WebServer]]:
    """Start the web app (``python -m bot web``) on a free port; stopped after the test."""
    servers: list[WebServer] = []

    def start(database_url: str, **env: str) -> WebServer:
        server = start_web(database_url, tmp_path / "outbox", tmp_path / f"web-{len(servers)}.log", **env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m bot ARGS`` in a subprocess with DATABASE_URL/OUTBOX_DIR set."""

    def run(*args: str, database_url: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=PROJECT_ROOT,
            env=subprocess_env(DATABASE_URL=database_url, OUTBOX_DIR=str(tmp_path / "outbox"), **env),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def pg_proxy() -> Iterator[TcpProxy]:
    """A proxy to PostgreSQL (started); ``stop()`` makes the database unreachable."""
    _skip_without_postgres()
    proxy = TcpProxy(5432)
    proxy.start()
    yield proxy
    proxy.stop()
