"""The command line of the bot's back end, ``python -m bot``.

Owns the commands (argparse)::

    python -m bot consultants add NAME        create a consultant; the password is read
                                              without echo, or from stdin when not a TTY
    python -m bot consultants passwd NAME     set a new password (same input rules); every
                                              session of the account ends
    python -m bot consultants disable NAME    lock the account out and end its sessions
    python -m bot consultants enable NAME     let a disabled account log in again
    python -m bot consultants set-role NAME ROLE
                                              consultant (default) or lead (may unclaim,
                                              reassign or resolve tickets others hold)
    python -m bot consultants list [--json]   name, role, active, last login
    python -m bot tickets list [--json]       every ticket, with transcript and audit trail
    python -m bot tickets flush-outbox        deliver tickets queued while the DB was down
    python -m bot db upgrade                  run the schema migrations (Alembic) to head
    python -m bot web [--host H] [--port P]   serve the inbox (default 127.0.0.1:8000)
    python -m bot rasa [--port P] [--model M] [--endpoints E]
                                              the Rasa server (bot.servers: 127.0.0.1,
                                              API only with RASA_API_TOKEN)
    python -m bot actions [--port P]          the action server (bot.action_server)
    python -m bot purge [--older-than 90d]    delete conversations, resolved tickets and
                                              rejected outbox files past retention
    python -m bot prod [--host H] [--port P]  the production layout on this machine: nginx
                                              (default 127.0.0.1:8080) in front of 2 Rasa
                                              servers, 2 action servers and the web app,
                                              PostgreSQL and Redis (bot.prodstack)

Settings come from the environment (``bot.settings``). Exit status: 0 success, 1 a
known error (printed on stderr, without a traceback), 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.settings import Settings, SettingsError, load_settings


class CliError(Exception):
    """A failure to report on stderr with exit status 1."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    try:
        settings = load_settings()
        return int(args.run(args, settings))
    except (CliError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    consultants = commands.add_parser("consultants", help="consultant accounts")
    consultant_commands = consultants.add_subparsers(title="consultant commands", metavar="ACTION")
    add = consultant_commands.add_parser("add", help="create a consultant account")
    add.add_argument("name", help="login name (letters, digits, . _ @ -)")
    add.set_defaults(run=_consultants_add)
    passwd = consultant_commands.add_parser("passwd", help="set a consultant's password")
    passwd.add_argument("name")
    passwd.set_defaults(run=_consultants_passwd)
    disable = consultant_commands.add_parser("disable", help="lock an account out and end its sessions")
    disable.add_argument("name")
    disable.set_defaults(run=_consultants_disable)
    enable = consultant_commands.add_parser("enable", help="let a disabled account log in again")
    enable.add_argument("name")
    enable.set_defaults(run=_consultants_enable)
    set_role = consultant_commands.add_parser("set-role", help="make a consultant a lead, or not")
    set_role.add_argument("name")
    set_role.add_argument("role", choices=("consultant", "lead"))
    set_role.set_defaults(run=_consultants_set_role)
    consultant_list = consultant_commands.add_parser("list", help="every account: role, active, last login")
    consultant_list.add_argument("--json", action="store_true", help="as JSON")
    consultant_list.set_defaults(run=_consultants_list)

    tickets = commands.add_parser("tickets", help="tickets")
    ticket_commands = tickets.add_subparsers(title="ticket commands", metavar="ACTION")
    listing = ticket_commands.add_parser("list", help="print every ticket")
    listing.add_argument("--json", action="store_true", help="as JSON, with every field")
    listing.set_defaults(run=_tickets_list)
    flush = ticket_commands.add_parser("flush-outbox", help="deliver queued tickets")
    flush.set_defaults(run=_tickets_flush_outbox)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(title="database commands", metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="run migrations up to the newest")
    upgrade.set_defaults(run=_db_upgrade)

    web = commands.add_parser("web", help="serve the consultant inbox")
    web.add_argument("--host", help="default: INBOX_HOST, BIND_HOST or 127.0.0.1")
    web.add_argument("--port", type=int, help="default: INBOX_PORT or 8000")
    web.set_defaults(run=_web)

    rasa = commands.add_parser("rasa", help="serve the chat (Rasa server)")
    rasa.add_argument("--port", type=int, help="default: RASA_PORT or 5005")
    rasa.add_argument("--model", type=Path, help="default: models/current.tar.gz")
    rasa.add_argument("--endpoints", type=Path, help="default: endpoints.yml")
    rasa.add_argument("--log-file", type=Path, help="also log to this file")
    rasa.set_defaults(run=_rasa)

    actions = commands.add_parser("actions", help="serve the custom actions")
    actions.add_argument("--port", type=int, help="default: ACTION_PORT or 5055")
    actions.set_defaults(run=_actions)

    purge = commands.add_parser("purge", help="delete patient data past retention")
    purge.add_argument(
        "--older-than", metavar="PERIOD", help="like 90d, 12h (default: RETENTION_PERIOD or 90d)"
    )
    purge.set_defaults(run=_purge)

    prod = commands.add_parser("prod", help="nginx + 2 Rasa + 2 action servers + web app (make run-prod)")
    prod.add_argument("--host", help="nginx's address; default: PUBLIC_HOST or 127.0.0.1")
    prod.add_argument("--port", type=int, help="nginx's port; default: PUBLIC_PORT or 8080")
    prod.set_defaults(run=_prod)
    return parser


def read_password(stdin: TextIO | None = None, prompt: str = "Password: ") -> str:
    """A password: asked twice without echo on a terminal, else the first line of stdin."""
    stream = stdin or sys.stdin
    if stream.isatty():
        first = getpass.getpass(prompt)
        second = getpass.getpass("Repeat the password: ")
        if first != second:
            raise CliError("the two passwords differ")
        return first
    line = stream.readline()
    return line.rstrip("\r\n")


def _consultants_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tickets import ConsultantDirectory, ConsultantError
    from bot.tickets.migrate import ensure_schema

    password = read_password()
    try:
        ensure_schema(settings.database_url)
        consultant = ConsultantDirectory.for_url(settings.database_url).add(args.name, password)
    except ConsultantError as exc:
        raise CliError(str(exc)) from exc
    print(f"consultant {consultant.username} created")
    return 0


def _consultants_passwd(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tickets import ConsultantDirectory, ConsultantError
    from bot.tickets.migrate import ensure_schema

    password = read_password(prompt="New password: ")
    try:
        ensure_schema(settings.database_url)
        ConsultantDirectory.for_url(settings.database_url).set_password(args.name, password)
    except ConsultantError as exc:
        raise CliError(str(exc)) from exc
    print(f"password of {args.name} changed")
    return 0


def _consultants_disable(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tickets import ConsultantDirectory, ConsultantError
    from bot.tickets.migrate import ensure_schema

    try:
        ensure_schema(settings.database_url)
        ConsultantDirectory.for_url(settings.database_url).disable(args.name)
    except ConsultantError as exc:
        raise CliError(str(exc)) from exc
    print(f"consultant {args.name} disabled; their sessions have ended")
    return 0


def _consultants_enable(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tickets import ConsultantDirectory, ConsultantError
    from bot.tickets.migrate import ensure_schema

    try:
        ensure_schema(settings.database_url)
        ConsultantDirectory.for_url(settings.database_url).enable(args.name)
    except ConsultantError as exc:
        raise CliError(str(exc)) from exc
    print(f"consultant {args.name} enabled")
    return 0


def _consultants_set_role(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tickets import ConsultantDirectory, ConsultantError
    from bot.tickets.migrate import ensure_schema

    try:
        ensure_schema(settings.database_url)
        ConsultantDirectory.for_url(settings.database_url).set_role(args.name, args.role)
    except ConsultantError as exc:
        raise CliError(str(exc)) from exc
    print(f"consultant {args.name} is now a {args.role}")
    return 0


def _consultants_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tickets import ConsultantDirectory
    from bot.tickets.migrate import ensure_schema

    ensure_schema(settings.database_url)
    consultants = ConsultantDirectory.for_url(settings.database_url).list_all()
    if args.json:
        rows = [
            {
                "username": c.username,
                "role": c.role,
                "active": c.active,
                "created_at": c.created_at.isoformat(),
                "last_login_at": c.last_login_at.isoformat() if c.last_login_at else None,
            }
            for c in consultants
        ]
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max([len("USERNAME"), *(len(c.username) for c in consultants)])
    print(f"{'USERNAME':<{width}}  {'ROLE':<10}  {'ACTIVE':<6}  LAST LOGIN (UTC)")
    for c in consultants:
        last = f"{c.last_login_at:%Y-%m-%d %H:%M}" if c.last_login_at else "never"
        print(f"{c.username:<{width}}  {c.role:<10}  {'yes' if c.active else 'no':<6}  {last}")
    print(f"{len(consultants)} consultant(s)", file=sys.stderr)
    return 0


def _tickets_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tickets import TicketRepository
    from bot.tickets.migrate import ensure_schema

    ensure_schema(settings.database_url)
    tickets = TicketRepository.for_url(settings.database_url).export_all()
    if args.json:
        json.dump([ticket.to_dict() for ticket in tickets], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for ticket in tickets:
        flag = "URGENT" if ticket.urgent else "      "
        print(
            f"{ticket.reference}  {flag}  {ticket.status:<8}  {ticket.created_at:%Y-%m-%d %H:%M}  "
            f"{ticket.drug or '-':<16}  {ticket.assigned_to or '-'}"
        )
    print(f"{len(tickets)} ticket(s)", file=sys.stderr)
    return 0


def _tickets_flush_outbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tickets import deliver_outbox

    report = deliver_outbox(settings)
    print(json.dumps(report.to_dict(), indent=2))
    if report.error:
        raise CliError(f"{report.remaining} ticket(s) still queued: {report.error}")
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tickets.migrate import head_revision, upgrade

    try:
        upgrade(settings.database_url)
    except Exception as exc:
        raise CliError(f"could not upgrade {_safe_url(settings.database_url)}: {exc}") from exc
    print(f"tickets schema at {head_revision()} ({_safe_url(settings.database_url)})")
    return 0


def _web(args: argparse.Namespace, settings: Settings) -> int:
    from bot.web import serve

    logging.getLogger().setLevel(logging.INFO)
    serve(settings, host=args.host, port=args.port)
    return 0


def _rasa(args: argparse.Namespace, settings: Settings) -> int:
    from bot.servers import rasa_argv, run_rasa

    options = {"model": args.model, "endpoints": args.endpoints, "log_file": args.log_file}
    argv = rasa_argv(settings, port=args.port, **{k: v for k, v in options.items() if v is not None})
    return run_rasa(settings, argv)


def _actions(args: argparse.Namespace, settings: Settings) -> int:
    from bot.action_server import serve

    logging.getLogger().setLevel(logging.INFO)
    serve(settings, port=args.port)
    return 0


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.retention import RetentionError, parse_period, purge
    from bot.tickets.migrate import ensure_schema

    try:
        period = parse_period(args.older_than or settings.retention)
    except RetentionError as exc:
        raise CliError(str(exc)) from exc
    ensure_schema(settings.database_url)
    report = purge(settings.tracker_database_url, settings.database_url, settings.outbox_dir, period)
    print(report)
    return 0


def _prod(args: argparse.Namespace, settings: Settings) -> int:
    import os
    import signal

    from bot.prodstack import DEFAULT_DATABASE_URL, Ports, ProdStack, ProdStackError
    from bot.settings import PROJECT_ROOT

    def env(name: str, default: str) -> str:
        return os.environ.get(name, "").strip() or default

    try:
        port = args.port or int(env("PUBLIC_PORT", "8080"))
        redis_port, redis_db = int(env("REDIS_PORT", "6379")), int(env("REDIS_DB", "0"))
    except ValueError as exc:
        raise CliError(f"PUBLIC_PORT, REDIS_PORT and REDIS_DB must be numbers: {exc}") from None
    stack = ProdStack(
        ports=Ports.fixed(public=port),
        run_dir=PROJECT_ROOT / "var" / "prod",
        database_url=settings.database_url if os.environ.get("DATABASE_URL") else DEFAULT_DATABASE_URL,
        tracker_db=os.environ.get("TRACKER_DB_NAME") or None,
        redis_host=env("REDIS_HOST", "127.0.0.1"),
        redis_port=redis_port,
        redis_db=redis_db,
        public_host=args.host or env("PUBLIC_HOST", "127.0.0.1"),
    )

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    print(f"Starting {', '.join(stack.names)} (logs: {stack.log_dir}) ...", flush=True)
    try:
        stack.start()
        print(
            f"""
Ready: {stack.public_url}/  (demo page with the chat widget; consultant inbox: /inbox)
Try:
  curl -s -XPOST {stack.rest_url} \\
       -H 'Content-Type: application/json' \\
       -d '{{"sender": "t1", "message": "how common are infusion reactions with ocrevus"}}'
Press Ctrl-C to stop.""",
            flush=True,
        )
        name = stack.wait()
        print(f"{name} stopped; see {stack.log_dir / (name + '.log')}. Stopping the others.", file=sys.stderr)
        return 1
    except ProdStackError as exc:
        raise CliError(str(exc)) from exc
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Stopping...", file=sys.stderr, flush=True)
        stack.stop()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).render_as_string(hide_password=True))
