"""The runner end to end, as testers run it, against a tiny local server that answers like
Rasa's REST channel: a broken case fails with expected vs actual and a non-zero exit."""

from __future__ import annotations

import asyncio
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WriteCases = Callable[[str, str], Path]
# fake_bot (conftest.py): a local aiohttp server like Rasa's REST channel; .url, .received

CASES = """
test_cases:
  - test_case: dosing interval is right
    metadata: {drug: ocrelizumab}
    steps:
      - user: "how often is it given"
      - bot_matches: "every 6 months"
      - cites: "2.3"
      - disclaimer: true
      - slot_was_set:
          - drug: ocrelizumab
          - topic: dosing
      - user: "my throat is swelling"
      - urgent: true
  - test_case: dosing interval is wrong on purpose
    steps:
      - user: "hi"
      - utter: utter_greet
      - user: "how often is it given"
      - bot_matches: "every 4 months"
      - cites: "2.3"
  - test_case: handoff
    skip: "needs the handoff form"
    steps:
      - user: "call me"
      - ticket_filed: true
"""


async def run_cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.convtest",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode if proc.returncode is not None else -1, out.decode(), err.decode()


async def test_a_broken_case_fails_with_expected_and_actual(
    fake_bot: Any, write_cases: WriteCases, domain_file: Path, tmp_path: Path
) -> None:
    cases = write_cases("dosing.yml", CASES)
    reports = tmp_path / "reports"
    code, out, err = await run_cli(
        str(cases), "--url", fake_bot.url, "--domain", str(domain_file), "--report-dir", str(reports)
    )
    assert code == 1, out + err
    assert "FAILED dosing.yml::dosing interval is wrong on purpose" in out
    assert 'step 4 (line 20): bot_matches: "every 4 months"' in out
    assert 'user said: "how often is it given"' in out
    assert "expected:  a message matching /every 4 months/" in out
    assert "actual:    no message matches" in out
    assert "adults get 600 mg every 6 months" in out  # the actual reply is shown
    assert "dosing interval is right" not in out.split("FAILED", 1)[1]  # passing cases are not listed
    assert "1 passed, 1 failed, 0 errors, 1 skipped (3 cases)" in out

    junit = ET.parse(reports / "junit.xml").getroot()
    assert (junit.get("failures"), junit.get("skipped")) == ("1", "1")
    report = (reports / "report.md").read_text()
    assert "#### ✅ dosing interval is right" in report and "**user:** my throat is swelling" in report


async def test_each_case_gets_a_fresh_sender_and_metadata_only_on_its_first_message(
    fake_bot: Any, write_cases: WriteCases, domain_file: Path, tmp_path: Path
) -> None:
    cases = write_cases("dosing.yml", CASES)
    code, out, _ = await run_cli(
        str(cases),
        "-k",
        "is right",
        "--url",
        fake_bot.url,
        "--domain",
        str(domain_file),
        "--report-dir",
        str(tmp_path / "r"),
        "--concurrency",
        "1",
    )
    assert code == 0, out
    assert "1 passed, 0 failed, 0 errors, 0 skipped (1 case)" in out
    first, second = fake_bot.received
    assert first["metadata"] == {"drug": "ocrelizumab"} and "metadata" not in second
    assert first["sender"] == second["sender"] and first["sender"].startswith(
        "convtest-dosing-interval-is-right-"
    )

    await run_cli(
        str(cases),
        "-k",
        "is right",
        "--url",
        fake_bot.url,
        "--domain",
        str(domain_file),
        "--report-dir",
        str(tmp_path / "r"),
    )
    assert fake_bot.received[2]["sender"] != first["sender"]


async def test_a_bot_error_is_an_error_not_a_pass(
    fake_bot: Any, write_cases: WriteCases, domain_file: Path, tmp_path: Path
) -> None:
    cases = write_cases("crash.yml", "test_cases:\n  - test_case: crash\n    steps: [{user: crash}]\n")
    code, out, _ = await run_cli(
        str(cases), "--url", fake_bot.url, "--domain", str(domain_file), "--report-dir", str(tmp_path / "r")
    )
    assert code == 1
    assert "ERROR crash.yml::crash" in out and "HTTP 500" in out


async def test_malformed_cases_are_refused_before_anything_is_played(
    fake_bot: Any, write_cases: WriteCases, domain_file: Path, tmp_path: Path
) -> None:
    cases = write_cases(
        "bad.yml", "test_cases:\n  - test_case: typo\n    steps:\n      - user: hi\n      - bot_match: x\n"
    )
    code, out, err = await run_cli(str(cases), "--url", fake_bot.url, "--domain", str(domain_file))
    assert code == 2
    assert f"{cases}:5: case 'typo', step 2: unknown step key 'bot_match'" in err
    assert fake_bot.received == []


async def test_no_bot_at_the_url_and_no_matching_case_exit_2(
    write_cases: WriteCases, domain_file: Path
) -> None:
    cases = write_cases("a.yml", CASES)
    code, _, err = await run_cli(str(cases), "--url", "http://127.0.0.1:9", "--domain", str(domain_file))
    assert code == 2 and "no Rasa server answers at http://127.0.0.1:9" in err
    code, _, err = await run_cli(str(cases), "-k", "nothing like this", "--domain", str(domain_file))
    assert code == 2 and "no case matches -k 'nothing like this' (3 cases found)" in err
