"""Telling people what happened: failures on the console, JUnit XML for CI, a Markdown report.

The Markdown report has a summary, every failure, and every transcript with the outcome
of each step under the turn it checked.
"""

from __future__ import annotations

import json
import os
import statistics
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.convtest.checks import format_replies, text
from bot.convtest.runner import ERROR, FAILED, PASSED, SKIPPED, CaseResult, StepFailure

ICONS = {PASSED: "✅", FAILED: "❌", ERROR: "💥", SKIPPED: "⏭️"}


@dataclass(frozen=True)
class RunInfo:
    """Facts about the run shown at the top of the reports."""

    url: str
    origin: str
    wall_time: float
    started_at: datetime


def plural(count: int, noun: str) -> str:
    """'1 case', '2 cases'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def counts(results: list[CaseResult]) -> Counter[str]:
    return Counter(r.status for r in results)


def summary_line(results: list[CaseResult], wall_time: float) -> str:
    c = counts(results)
    return (
        f"{c[PASSED]} passed, {c[FAILED]} failed, {c[ERROR]} errors, {c[SKIPPED]} skipped "
        f"({plural(len(results), 'case')}) in {wall_time:.1f}s"
    )


def _words(value: str) -> int:
    return len(value.split())


#: bullets of a list the widget shows before "More" (widget/src/markdown.js, BULLETS_SHOWN)
BULLETS_SHOWN = 1


def words_before_more(answer: str) -> int:
    """Words a patient sees before tapping anything: the folded sources and a list's bullets
    past the first ``BULLETS_SHOWN`` do not count."""
    body = answer.partition("\nSources:\n")[0]
    count, run = 0, 0
    for line in body.split("\n"):
        run = run + 1 if line.lstrip().startswith("- ") else 0
        if run <= BULLETS_SHOWN:
            count += _words(line)
    return count


def answer_lengths(results: list[CaseResult]) -> tuple[list[int], list[int], list[int]]:
    """Word counts of the medical answers (those with a "Sources:" block): what shows before
    any fold, everything but the folded sources (the list unfolded), and everything."""
    shown, unfolded, everything = [], [], []
    for result in results:
        for turn in result.turns:
            for reply in turn.turn.replies:
                body = text(reply)
                if "\nSources:\n" in body:
                    shown.append(words_before_more(body))
                    unfolded.append(_words(body.partition("\nSources:\n")[0]))
                    everything.append(_words(body))
    return shown, unfolded, everything


def length_line(results: list[CaseResult]) -> str:
    """'Medical answers: 80; words before any fold: median 61, longest 170; ...'."""
    shown, unfolded, everything = answer_lengths(results)
    if not shown:
        return "Medical answers: none"
    return (
        f"Medical answers: {len(shown)}; words before any fold: median "
        f"{statistics.median(shown):g}, longest {max(shown)}; unfolded: median "
        f"{statistics.median(unfolded):g}, longest {max(unfolded)}; with the folded sources: "
        f"median {statistics.median(everything):g}, longest {max(everything)}"
    )


def _where(path: Path, line: int | None) -> str:
    """'tests/conversations/x.yml:12' (relative to the working directory when under it)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover (other drive on Windows)
        relative = str(path)
    shown = str(path) if relative.startswith("..") else relative
    return f"{shown}:{line}" if line else shown


def _step_title(failure: StepFailure) -> str:
    return f"step {failure.step.index} (line {failure.step.line}): {failure.step.describe()}"


def format_failure(failure: StepFailure) -> str:
    """One failing step: the step, the user message, expected and actual."""
    lines = [
        f"  {_step_title(failure)}",
        f"    user said: {json.dumps(failure.turn.user, ensure_ascii=False)}",
        f"    expected:  {failure.outcome.expected}",
    ]
    if failure.outcome.actual:
        lines.append(f"    actual:    {failure.outcome.actual}")
    return "\n".join(lines)


def format_result(result: CaseResult) -> str:
    """A failed or erroneous case for the console: each failing step, then the bot's replies."""
    head = f"{result.status.upper()} {result.case.id}  ({_where(result.case.file, result.case.line)})"
    if result.status == ERROR:
        return f"{head}\n  the bot could not be asked: {result.error}"
    blocks = [head]
    shown: list[int] = []
    for failure in result.failures:
        block = format_failure(failure)
        if id(failure.turn) not in shown:
            shown.append(id(failure.turn))
            block += "\n    bot replied:\n" + format_replies(failure.turn.replies, indent="      ")
        else:
            block += "\n    bot replied: (the same replies as above)"
        blocks.append(block)
    return "\n".join(blocks)


# --- JUnit XML -------------------------------------------------------------------------


def transcript_text(result: CaseResult) -> str:
    """The conversation as plain text (JUnit system-out)."""
    lines = [f"sender: {result.sender}"]
    for record in result.turns:
        lines.append(f"user: {record.turn.user}")
        lines.append(format_replies(record.turn.replies, indent="  bot "))
        for step, outcome in record.checks:
            mark = "ok " if outcome.ok else "FAIL"
            lines.append(f"  [{mark}] {step.describe()}" + ("" if outcome.ok else f" -- {outcome.actual}"))
    return "\n".join(lines)


def write_junit(results: list[CaseResult], path: Path, info: RunInfo) -> None:
    """JUnit XML: one testsuite per case file, one testcase per case."""
    path.parent.mkdir(parents=True, exist_ok=True)
    c = counts(results)
    root = ET.Element(
        "testsuites",
        name="conversations",
        tests=str(len(results)),
        failures=str(c[FAILED]),
        errors=str(c[ERROR]),
        skipped=str(c[SKIPPED]),
        time=f"{info.wall_time:.3f}",
    )
    by_file: dict[Path, list[CaseResult]] = {}
    for result in results:
        by_file.setdefault(result.case.file, []).append(result)
    for file, file_results in by_file.items():
        fc = counts(file_results)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"conversations.{file.stem}",
            tests=str(len(file_results)),
            failures=str(fc[FAILED]),
            errors=str(fc[ERROR]),
            skipped=str(fc[SKIPPED]),
            time=f"{sum(r.duration for r in file_results):.3f}",
            timestamp=info.started_at.isoformat(),
        )
        for result in file_results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"conversations.{file.stem}",
                name=result.case.name,
                time=f"{result.duration:.3f}",
                file=_where(file, None),
                line=str(result.case.line or 0),
            )
            if result.status == SKIPPED:
                ET.SubElement(case, "skipped", message=result.case.skip or "")
            elif result.status == ERROR:
                ET.SubElement(case, "error", message=result.error[:500], type="BotError").text = result.error
            elif result.status == FAILED:
                first = result.failures[0]
                message = f"{_step_title(first)}: expected {first.outcome.expected}"
                ET.SubElement(case, "failure", message=message[:500], type="StepFailed").text = format_result(
                    result
                )
            if result.turns:
                ET.SubElement(case, "system-out").text = transcript_text(result)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# --- Markdown --------------------------------------------------------------------------


def _md(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_code(value: str) -> str:
    fence = "``" if "`" in value else "`"
    return f"{fence}{value}{fence}" if fence == "`" else f"{fence} {value} {fence}"


def _md_message(message: dict[str, Any]) -> list[str]:
    """One bot message as a Markdown block quote, with its buttons and custom payload."""
    lines = [f"> {_md(line)}" if line.strip() else ">" for line in text(message).splitlines()]
    buttons = message.get("buttons") or []
    if buttons:
        shown = " · ".join(
            f"[{_md(str(b.get('title')))} → {_md_code(str(b.get('payload')))}]" for b in buttons
        )
        lines += [">", f"> buttons: {shown}"] if lines else [f"> buttons: {shown}"]
    if "custom" in message:
        custom = f"> custom: {_md_code(json.dumps(message['custom'], ensure_ascii=False))}"
        lines += [">", custom] if lines else [custom]
    return lines


def write_markdown(results: list[CaseResult], path: Path, info: RunInfo) -> None:
    """The readable report: summary, failures, and every transcript grouped by file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    origin = {"given": "given with --url", "running": "already running", "started": "started by the runner"}
    out = [
        "# Conversation tests",
        "",
        f"- **Result:** {summary_line(results, info.wall_time)}",
        f"- **Bot:** {info.url} ({origin.get(info.origin, info.origin)})",
        f"- **Run at:** {info.started_at:%Y-%m-%d %H:%M:%S}",
        "",
    ]
    bad = [r for r in results if r.status in (FAILED, ERROR)]
    if bad:
        out += ["## Failures", ""]
        for r in bad:
            out.append(f"- {ICONS[r.status]} **{_md(r.case.id)}**")
            if r.status == ERROR:
                out.append(f"  - the bot could not be asked: {_md(r.error)}")
            for f in r.failures:
                out.append(
                    f"  - step {f.step.index} {_md_code(f.step.describe())} after "
                    f"{_md_code(f.turn.user)}: expected {_md(f.outcome.expected)}"
                    + (f"; actual: {_md(f.outcome.actual)}" if f.outcome.actual else "")
                )
        out.append("")
    skipped = [r for r in results if r.status == SKIPPED]
    if skipped:
        out += ["## Skipped", ""]
        out += [f"- {_md(r.case.id)}: {_md(r.case.skip or '')}" for r in skipped]
        out.append("")
    out += ["## Transcripts", ""]
    by_file: dict[Path, list[CaseResult]] = {}
    for result in results:
        by_file.setdefault(result.case.file, []).append(result)
    for file, file_results in by_file.items():
        out += [f"### {_md(file.name)}", ""]
        for r in file_results:
            out += [f"#### {ICONS[r.status]} {_md(r.case.name)}", ""]
            meta = [f"{r.status}", f"`{_where(file, r.case.line)}`"]
            if r.sender:
                meta += [f"sender `{r.sender}`", f"{r.duration:.1f}s"]
            if r.case.metadata:
                meta.append(f"metadata {_md_code(json.dumps(r.case.metadata))}")
            out += [" · ".join(meta), ""]
            if r.case.description:
                out += [f"_{_md(r.case.description)}_", ""]
            if r.status == SKIPPED:
                out += [f"Skipped: {_md(r.case.skip or '')}", ""]
                continue
            for record in r.turns:
                out += [f"**user:** {_md(record.turn.user)}", ""]
                if not record.turn.replies:
                    out += ["_(no reply)_", ""]
                for number, message in enumerate(record.turn.replies, start=1):
                    out += [f"**bot {number}:**", "", *_md_message(message), ""]
                for step, outcome in record.checks:
                    line = f"- {'✅' if outcome.ok else '❌'} {_md_code(step.describe())}"
                    if not outcome.ok:
                        line += f": expected {_md(outcome.expected)}"
                        line += f"; actual: {_md(outcome.actual)}" if outcome.actual else ""
                    out.append(line)
                if record.checks:
                    out.append("")
            if r.status == ERROR:
                out += [f"💥 the bot could not be asked: {_md(r.error)}", ""]
    path.write_text("\n".join(out), encoding="utf-8")
