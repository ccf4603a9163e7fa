"""The production layout on one machine: nginx in front of two Rasa servers, two action
servers and the web app, with PostgreSQL and Redis (``docs/production.md``).

Owns :class:`ProdStack`: it renders ``deploy/nginx.conf.template``, creates the databases
when missing and the tickets schema, starts every process and waits until each answers,
stops them all, and kills or restarts one for the fault tests. ``python -m bot prod``
(``make run-prod``) runs it on the fixed ports of :meth:`Ports.fixed`; tests use
:meth:`Ports.free`. Every server listens on 127.0.0.1; nginx on ``public_host`` is the
only public entry. The Rasa servers reach the action servers through an internal nginx
server (``ACTION_SERVER_URL``) that spreads the calls over both and skips one that is down.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.localbot import ROOT, free_port, rss_mb, wait_until_answering
from patient_text.onnx_encoder import THREADS_ENV

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/pharmabot"
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX = "/usr/sbin/nginx"
# what nginx forwards to the web app besides "/" (bot/web: widget, static, auth, inbox, api)
WEB_PREFIXES = ("/articles/", "/static/", "= /inbox", "/inbox/", "/api/")
# a PostgreSQL database to connect to when the wanted one does not exist yet
ADMIN_DATABASES = ("postgres", "test")


class ProdStackError(RuntimeError):
    """The stack cannot start: a service, a binary or the model is missing, or a process failed."""


@dataclass(frozen=True)
class Ports:
    """Where each process listens: nginx's public port, then 127.0.0.1 only."""

    public: int
    web: int
    actions_entry: int  # nginx's internal server in front of the action servers
    rasa: tuple[int, ...]
    actions: tuple[int, ...]

    @classmethod
    def fixed(cls, public: int = 8080, replicas: int = 2) -> Ports:
        """The ports of ``make run-prod``: Rasa 5005.., actions 5055.., web 8000, entry 5050."""
        return cls(
            public=public,
            web=8000,
            actions_entry=5050,
            rasa=tuple(5005 + i for i in range(replicas)),
            actions=tuple(5055 + i for i in range(replicas)),
        )

    @classmethod
    def free(cls, replicas: int = 2) -> Ports:
        """Distinct ports nobody listens on now (tests)."""
        ports: list[int] = []
        while len(ports) < 3 + 2 * replicas:
            port = free_port()
            if port not in ports:
                ports.append(port)
        return cls(
            public=ports[0],
            web=ports[1],
            actions_entry=ports[2],
            rasa=tuple(ports[3 : 3 + replicas]),
            actions=tuple(ports[3 + replicas :]),
        )


def render_nginx_conf(
    ports: Ports,
    run_dir: Path,
    public_host: str = "127.0.0.1",
    max_request_bytes: int = 1_000_000,
    action_max_request_bytes: int = 16_000_000,
    worker_processes: str = "auto",
    fail_timeout: str = "10s",
) -> str:
    """The nginx configuration for ``ports``; pid, logs and temporary files under ``run_dir``."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(  # noqa: S701 (nginx syntax, not HTML)
        loader=FileSystemLoader(str(TEMPLATE.parent)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    host = f"[{public_host}]" if ":" in public_host else public_host
    return env.get_template(TEMPLATE.name).render(
        run_dir=run_dir,
        log_dir=run_dir / "logs",
        temp_dir=run_dir / "tmp",
        worker_processes=worker_processes,
        fail_timeout=fail_timeout,
        public_listen=f"{host}:{ports.public}",
        rasa_ports=ports.rasa,
        action_ports=ports.actions,
        web_port=ports.web,
        actions_port=ports.actions_entry,
        web_prefixes=WEB_PREFIXES,
        max_request_bytes=max_request_bytes,
        action_max_request_bytes=action_max_request_bytes,
    )


def ensure_database(url: str, name: str, admin_databases: tuple[str, ...] = ADMIN_DATABASES) -> bool:
    """Create the PostgreSQL database ``name`` on the server of ``url`` if missing; True if made."""
    import psycopg2
    from psycopg2 import errors, sql

    parts = make_url(url)
    params = {
        "host": parts.host or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password or None,
        "connect_timeout": 5,
    }
    problem: Exception | None = None
    for admin in (name, *admin_databases):
        try:
            connection = psycopg2.connect(dbname=admin, **params)
        except psycopg2.OperationalError as exc:
            problem = problem or exc
            continue
        if admin == name:
            connection.close()
            return False
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone():
                    return False
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                return True
        except errors.DuplicateDatabase:
            return False  # another process made it meanwhile
        finally:
            connection.close()
    raise ProdStackError(f"cannot create database {name!r} on {parts.host}:{parts.port}: {problem}")


def drop_database(url: str, name: str) -> None:
    """Drop the PostgreSQL database ``name`` on the server of ``url`` (its connections closed)."""
    import psycopg2
    from psycopg2 import sql

    parts = make_url(url)
    connection = psycopg2.connect(
        host=parts.host or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=ADMIN_DATABASES[0],
        connect_timeout=5,
    )
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        connection.close()


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@dataclass
class ProdStack:
    """nginx, ``len(ports.rasa)`` Rasa servers and action servers, and the web app.

    Processes are named ``nginx``, ``web``, ``rasa-1``, ``rasa-2``, ``actions-1``,
    ``actions-2``; their logs are ``<run_dir>/logs/<name>.log``. ``extra_env`` wins over the
    environment the stack builds (tests: ``RASA_API_TOKEN``, rate limits, origins).
    """

    ports: Ports
    run_dir: Path
    database_url: str = DEFAULT_DATABASE_URL
    tracker_db: str | None = None  # default: the database of database_url
    redis_db: int = 0
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    public_host: str = "127.0.0.1"
    model: Path = ROOT / "models" / "current.tar.gz"
    nginx: str = NGINX
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict, init=False)
    env: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    # --- addresses ---------------------------------------------------------------------------
    @property
    def public_url(self) -> str:
        host = "127.0.0.1" if self.public_host in ("0.0.0.0", "::", "") else self.public_host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.ports.public}"

    @property
    def rest_url(self) -> str:
        """The REST webhook through nginx."""
        return f"{self.public_url}/webhooks/rest/webhook"

    def rasa_url(self, index: int) -> str:
        """Rasa server ``index`` (1-based) directly, bypassing nginx (tests)."""
        return f"http://127.0.0.1:{self.ports.rasa[index - 1]}"

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "logs"

    @property
    def conf_path(self) -> Path:
        return self.run_dir / "nginx.conf"

    @property
    def names(self) -> list[str]:
        """Every process, in start order (nginx last: it needs the others)."""
        replicas = range(1, len(self.ports.rasa) + 1)
        return [*(f"actions-{i}" for i in replicas), *(f"rasa-{i}" for i in replicas), "web", "nginx"]

    def command(self, name: str) -> list[str]:
        python = [sys.executable, "-m", "bot"]
        kind, _, number = name.partition("-")
        if kind == "actions":
            return [*python, "actions", "--port", str(self.ports.actions[int(number) - 1])]
        if kind == "rasa":
            port = str(self.ports.rasa[int(number) - 1])
            endpoints = str(ROOT / "endpoints.production.yml")
            return [*python, "rasa", "--port", port, "--model", str(self.model), "--endpoints", endpoints]
        if kind == "web":
            return [*python, "web", "--host", "127.0.0.1", "--port", str(self.ports.web)]
        if kind == "nginx":
            conf, error_log = str(self.conf_path), str(self.log_dir / "nginx-error.log")
            return [self.nginx, "-p", str(self.run_dir), "-c", conf, "-e", error_log]
        raise KeyError(name)

    def ready_url(self, name: str) -> str:
        """The URL that answers 200 once process ``name`` serves."""
        kind, _, number = name.partition("-")
        if kind == "actions":
            return f"http://127.0.0.1:{self.ports.actions[int(number) - 1]}/health"
        if kind == "rasa":
            return f"{self.rasa_url(int(number))}/"  # only once the model is loaded
        if kind == "web":
            return f"http://127.0.0.1:{self.ports.web}/healthz"
        return f"{self.public_url}/"  # nginx -> web app (302 to a demo article)

    # --- life cycle --------------------------------------------------------------------------
    def start(self, timeout: float = 300) -> None:
        """Check the services, prepare the databases and nginx.conf, start all, wait for all."""
        from bot.settings import load_settings
        from bot.tickets.migrate import ensure_schema

        self._check_prerequisites()
        self.env = self._environment()
        settings = load_settings(self.env)  # refuses bad settings before anything starts
        tickets_db = make_url(self.database_url).database or ""
        for database in dict.fromkeys((tickets_db, self.env["TRACKER_DB_NAME"])):
            ensure_database(self.database_url, database)
        ensure_schema(self.database_url)  # once, before the action servers and the web app race
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "tmp").mkdir(exist_ok=True)
        self.conf_path.write_text(
            render_nginx_conf(
                self.ports,
                self.run_dir,
                self.public_host,
                settings.max_request_bytes,
                settings.action_max_request_bytes,
            )
        )
        checked = subprocess.run([*self.command("nginx"), "-t", "-q"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise ProdStackError(f"nginx refuses {self.conf_path}:\n{checked.stderr}")
        try:
            for name in self.names:
                self._spawn(name)
            self._wait_ready(self.names, timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every process: nginx first, so no request reaches a server going down."""
        nginx = [proc for name, proc in self.processes.items() if name == "nginx"]
        others = [proc for name, proc in self.processes.items() if name != "nginx"]
        for group in (nginx, others):
            for proc in group:
                if proc.poll() is None:
                    proc.terminate()
            for proc in group:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)

    def kill(self, name: str) -> None:
        """SIGKILL process ``name`` (a crash: no graceful shutdown) and reap it."""
        proc = self.processes[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def restart(self, name: str, timeout: float = 300) -> None:
        """Stop ``name`` if it runs, start it again and wait until it answers."""
        proc = self.processes.get(name)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self._spawn(name)
        self._wait_ready([name], timeout)

    def wait(self, poll_seconds: float = 1.0) -> str:
        """Block until a process exits; returns its name."""
        while True:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    return name
            time.sleep(poll_seconds)

    def log(self, name: str, tail: int = 4000) -> str:
        """The end of process ``name``'s log (``nginx-access``/``nginx-error`` for nginx's own)."""
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def memory_mb(self) -> dict[str, float]:
        """Resident memory of each running process, in MB (nginx: its master only)."""
        return {name: rss_mb(proc.pid) for name, proc in self.processes.items() if proc.poll() is None}

    # --- helpers -----------------------------------------------------------------------------
    def _check_prerequisites(self) -> None:
        if not self.model.exists():
            raise ProdStackError(f"{self.model} does not exist: run `make setup` (it trains the model)")
        if not os.access(self.nginx, os.X_OK):
            raise ProdStackError(f"{self.nginx} is not installed: run `make nginx`")
        if not self.database_url.startswith("postgresql"):
            raise ProdStackError(f"the production layout needs PostgreSQL, not {self.database_url}")
        db = make_url(self.database_url)
        missing = [
            f"{what} on {host}:{port}"
            for what, host, port in (
                ("PostgreSQL", db.host or "127.0.0.1", db.port or 5432),
                ("Redis", self.redis_host, self.redis_port),
            )
            if not _listening(host, port)
        ]
        if missing:
            raise ProdStackError(f"not answering: {' and '.join(missing)}")

    def _environment(self) -> dict[str, str]:
        """What every process gets: the environment, the stack's wiring, then ``extra_env``."""
        db = make_url(self.database_url)
        inherited: Mapping[str, str] = os.environ

        def setting(name: str, default: str) -> str:
            return (inherited.get(name) or "").strip() or default

        origin = self.public_url
        origins = [origin, origin.replace("://127.0.0.1:", "://localhost:")]
        return {
            **inherited,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "BIND_HOST": "127.0.0.1",
            # one BLAS/OpenMP/encoder thread per process: the servers share the cores, and OpenBLAS's
            # spinning threads slow two Rasa servers down (both start about a quarter faster with one)
            **{
                name: setting(name, "1")
                for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", THREADS_ENV)
            },
            "DATABASE_URL": self.database_url,
            "TRACKER_DB_HOST": db.host or "127.0.0.1",
            "TRACKER_DB_PORT": str(db.port or 5432),
            "TRACKER_DB_NAME": self.tracker_db or db.database or "pharmabot",
            "TRACKER_DB_USER": db.username or "postgres",
            "TRACKER_DB_PASSWORD": db.password or "",
            "REDIS_HOST": self.redis_host,
            "REDIS_PORT": str(self.redis_port),
            "REDIS_DB": str(self.redis_db),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.ports.actions_entry}/webhook",
            # shared by all servers of the stack: one per run unless set
            "ACTION_SERVER_SECRET": setting("ACTION_SERVER_SECRET", secrets.token_hex(24)),
            "SESSION_SECRET": setting("SESSION_SECRET", secrets.token_hex(24)),
            "CHAT_PUSH_SECRET": setting("CHAT_PUSH_SECRET", secrets.token_hex(24)),
            # nginx is the hop in front of every server; add a TLS terminator's address here
            "TRUSTED_PROXIES": setting("TRUSTED_PROXIES", "127.0.0.1"),
            "ALLOWED_ORIGINS": setting("ALLOWED_ORIGINS", ",".join(dict.fromkeys(origins))),
            "INBOX_BASE_URL": setting("INBOX_BASE_URL", origin),
            # the widget talks to nginx (same origin), never to a Rasa port
            "WIDGET_RASA_URL": setting("WIDGET_RASA_URL", origin),
            **self.extra_env,
        }

    def _spawn(self, name: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                self.command(name), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def _wait_ready(self, names: list[str], timeout: float) -> None:
        try:
            wait_until_answering(
                [self.ready_url(name) for name in names],
                {name: self.processes[name] for name in names},
                timeout,
            )
        except (RuntimeError, TimeoutError) as exc:
            logs = "\n".join(f"--- {name} ---\n{self.log(name, 1500)}" for name in names)
            raise ProdStackError(f"{exc}\n{logs}") from exc
