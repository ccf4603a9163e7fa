"""Reports: the console's expected-vs-actual, JUnit XML that CI can read, the Markdown transcript."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from bot.convtest.cases import Case, Step
from bot.convtest.checks import Outcome, Turn
from bot.convtest.report import (
    RunInfo,
    answer_lengths,
    format_result,
    length_line,
    summary_line,
    write_junit,
    write_markdown,
)
from bot.convtest.runner import ERROR, FAILED, PASSED, SKIPPED, CaseResult, StepFailure, TurnRecord

FILE = Path("tests/conversations/dosing.yml")
INFO = RunInfo(
    url="http://127.0.0.1:5005", origin="started", wall_time=12.5, started_at=datetime(2026, 6, 1, 9, 0)
)


def _case(name: str, skip: str | None = None) -> Case:
    user = Step("user", "how often <is> it", "how often <is> it", 1, 5)
    return Case(name=name, file=FILE, steps=[user], skip=skip, line=3)


def _results() -> list[CaseResult]:
    turn = Turn(
        user="how often <is> it",
        replies=[
            {
                "text": "Dose:\n- 600 mg every 6 months (section 2.3)",
                "buttons": [{"title": "More", "payload": "/x"}],
            },
            {"text": "Consult your physician."},
        ],
    )
    ok_step = Step("disclaimer", True, True, 2, 6)
    bad_step = Step("bot_matches", re.compile("every 4 months"), "every 4 months", 3, 7)
    bad = Outcome(False, "a message matching /every 4 months/", "no message matches")
    failed = CaseResult(
        case=_case("wrong interval"),
        status=FAILED,
        sender="convtest-wrong-interval-1",
        turns=[TurnRecord(turn, [(ok_step, Outcome(True, "disclaimer")), (bad_step, bad)])],
        failures=[StepFailure(bad_step, bad, turn)],
        duration=1.25,
    )
    passed = CaseResult(case=_case("right interval"), status=PASSED, sender="s2", turns=[TurnRecord(turn)])
    skipped = CaseResult(case=_case("handoff", skip="needs the form"), status=SKIPPED)
    error = CaseResult(
        case=_case("bot down"), status=ERROR, sender="s4", error="POST /webhooks/rest/webhook: HTTP 500"
    )
    return [failed, passed, skipped, error]


def test_console_shows_step_user_expected_actual_and_replies() -> None:
    shown = format_result(_results()[0])
    assert shown.startswith("FAILED dosing.yml::wrong interval  (tests/conversations/dosing.yml:3)")
    assert '  step 3 (line 7): bot_matches: "every 4 months"' in shown
    assert '    user said: "how often <is> it"' in shown
    assert "    expected:  a message matching /every 4 months/" in shown
    assert "    actual:    no message matches" in shown
    assert "      1. Dose:\n         - 600 mg every 6 months (section 2.3)" in shown
    assert "ERROR" in format_result(_results()[3]) and "HTTP 500" in format_result(_results()[3])


def test_summary_counts_every_status() -> None:
    assert summary_line(_results(), 12.5) == "1 passed, 1 failed, 1 errors, 1 skipped (4 cases) in 12.5s"


def test_junit_xml_has_one_suite_per_file_and_each_outcome(tmp_path: Path) -> None:
    path = tmp_path / "out" / "junit.xml"
    write_junit(_results(), path, INFO)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "4",
        "1",
        "1",
        "1",
    )
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "conversations.dosing"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failure = cases["wrong interval"].find("failure")
    assert failure is not None
    assert (
        failure.get("message")
        == 'step 3 (line 7): bot_matches: "every 4 months": expected a message matching /every 4 months/'
    )
    assert "actual:    no message matches" in (failure.text or "")
    assert "user: how often <is> it" in (cases["wrong interval"].findtext("system-out") or "")
    skipped = cases["handoff"].find("skipped")
    assert skipped is not None and skipped.get("message") == "needs the form"
    assert cases["bot down"].find("error") is not None
    assert (
        cases["right interval"].find("failure") is None
        and cases["right interval"].get("classname") == "conversations.dosing"
    )


def test_markdown_report_has_summary_failures_and_every_transcript(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    write_markdown(_results(), path, INFO)
    text = path.read_text()
    assert "**Result:** 1 passed, 1 failed, 1 errors, 1 skipped (4 cases) in 12.5s" in text
    assert "http://127.0.0.1:5005 (started by the runner)" in text
    assert "## Failures" in text and "dosing.yml::wrong interval" in text
    assert "- dosing.yml::handoff: needs the form" in text
    assert "#### ❌ wrong interval" in text and "#### ✅ right interval" in text
    assert "**user:** how often &lt;is&gt; it" in text  # user text cannot inject HTML
    assert "> - 600 mg every 6 months (section 2.3)" in text
    assert "> buttons: [More → `/x`]" in text
    assert "- ✅ `disclaimer: true`" in text
    failed_step = '- ❌ `bot_matches: "every 4 months"`: expected a message matching /every 4 months/'
    assert failed_step + "; actual: no message matches" in text
    assert "💥 the bot could not be asked: POST /webhooks/rest/webhook: HTTP 500" in text


def test_answer_lengths_count_what_shows_unfolded_and_the_sources_apart() -> None:
    answer = "\n".join(
        [
            "Side effects of x:",
            "The answering fact here. [1]",
            "- a bullet folded on a phone [2]",
            "- another folded bullet [2]",
            "General label information, not medical advice.",
            "Sources:",
            "[1] X US Prescribing Information, section 6.1, revised May 2026",
            "[2] X US Prescribing Information, section 5.1, revised May 2026",
        ]
    )
    turn = Turn(user="q", replies=[{"text": answer}, {"text": "no sources, not a medical answer"}])
    result = CaseResult(case=_case("lengths"), status=PASSED, sender="s", turns=[TurnRecord(turn)])
    shown, unfolded, everything = answer_lengths([result])
    assert shown == [4 + 5 + 8 + 6]  # the heading, the fact, the first bullet, the disclaimer
    assert unfolded == [shown[0] + 5]  # and the folded bullet
    assert everything == [unfolded[0] + 1 + 10 + 10]  # and the sources
    assert "unfolded: median 28, longest 28; with the folded sources: median 49" in length_line([result])
