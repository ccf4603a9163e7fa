"""``python -m bot.convtest``: validate case files, find or start the bot, play, report.

Exit status: 0 when every case that was not skipped passed; 1 when a case failed or the
bot errored; 2 when case files are malformed, no case is selected, or no bot is reachable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import datetime
from pathlib import Path

from bot.convtest.cases import CaseFileError, load_cases, select_cases
from bot.convtest.domain import Domain
from bot.convtest.report import (
    RunInfo,
    format_result,
    length_line,
    plural,
    summary_line,
    write_junit,
    write_markdown,
)
from bot.convtest.runner import ERROR, FAILED, PASSED, SKIPPED, CaseResult, run_cases
from bot.convtest.target import BotUnavailableError, find_or_start

ROOT = Path(__file__).resolve().parents[2]
MARKS = {PASSED: ".", FAILED: "F", ERROR: "E", SKIPPED: "s"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.convtest",
        description="Play conversation test cases against the bot over its REST channel.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[ROOT / "tests" / "conversations"],
        help="case files or directories (default: tests/conversations)",
    )
    parser.add_argument(
        "-k",
        dest="keyword",
        metavar="NAME_SUBSTRING",
        help="only cases whose 'file.yml::case name' contains this (case-insensitive)",
    )
    parser.add_argument(
        "--url",
        help="the Rasa server to test, e.g. http://localhost:5005 (default: the bot "
        "on :5005 if it answers, else one started for this run)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, metavar="N", help="cases played at once (default 8)"
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports/conversations"),
        help="where junit.xml and report.md go (default reports/conversations)",
    )
    parser.add_argument(
        "--domain",
        type=Path,
        default=ROOT / "domain.yml",
        help="domain file or directory whose responses `utter:` steps use (default domain.yml)",
    )
    parser.add_argument("--validate-only", action="store_true", help="check the case files and stop")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        domain = Domain.load(args.domain)
    except (OSError, ValueError) as exc:
        print(f"cannot read the domain {args.domain}: {exc}", file=sys.stderr)
        return 2
    try:
        cases = load_cases(args.paths, domain)
    except CaseFileError as exc:
        print(f"Malformed case files, nothing was played:\n{exc}", file=sys.stderr)
        return 2
    selected = select_cases(cases, args.keyword)
    if not selected:
        print(f"no case matches -k {args.keyword!r} ({len(cases)} cases found)", file=sys.stderr)
        return 2
    files = len({c.file for c in selected})
    print(f"{plural(len(selected), 'case')} in {plural(files, 'file')}: valid.")
    if args.validate_only:
        return 0

    try:
        target = find_or_start(args.url)
    except BotUnavailableError as exc:
        print(f"cannot test: {exc}", file=sys.stderr)
        return 2
    started_at = datetime.now()
    clock = time.monotonic()

    def progress(result: CaseResult) -> None:
        print(MARKS[result.status], end="", flush=True)

    try:
        results = asyncio.run(
            run_cases(selected, target.url, domain, args.concurrency, progress, target.token)
        )
    finally:
        if target.stop:
            target.stop()
    wall = time.monotonic() - clock
    print()
    for result in results:
        if result.status in (FAILED, ERROR):
            print("\n" + format_result(result))
    info = RunInfo(url=target.url, origin=target.origin, wall_time=wall, started_at=started_at)
    write_junit(results, args.report_dir / "junit.xml", info)
    write_markdown(results, args.report_dir / "report.md", info)
    print(f"\n{summary_line(results, wall)}")
    print(length_line(results))
    print(f"Reports: {args.report_dir / 'report.md'} (transcripts), {args.report_dir / 'junit.xml'}")
    return 1 if any(r.status in (FAILED, ERROR) for r in results) else 0
