"""The command line of the bot's back end, ``python -m bot``.

Owns the commands (argparse)::

    python -m bot consultants add NAME        create a consultant; the password is read
                                              without echo, or from stdin when not a TTY
    python -m bot consultants passwd NAME     set a new password (same input rules)
    python -m bot tickets list [--json]       every ticket, with transcript and audit trail
    python -m bot tickets flush-outbox        deliver tickets queued while the DB was down
    python -m bot db upgrade                  run the schema migrations (Alembic) to head
    python -m bot web [--host H] [--port P]   serve the inbox (default 0.0.0.0:8000)

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
    web.add_argument("--host", help="default: INBOX_HOST or 0.0.0.0")
    web.add_argument("--port", type=int, help="default: INBOX_PORT or 8000")
    web.set_defaults(run=_web)
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


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).render_as_string(hide_password=True))
