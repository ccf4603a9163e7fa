"""Conversation tests: whole conversations played against the live bot and checked.

Testers write cases in YAML (Rasa's end-to-end test-case format plus checks this product
needs: regex, disclaimer, citation, urgent reply, ticket); ``python -m bot.convtest`` plays
each case in a fresh conversation over the REST channel, with the real action server,
and writes JUnit XML and a Markdown report with every transcript. Guide: docs/testers.md.

Modules:
- ``cases``: the case format, loading and validation (errors name file, line, case, step);
- ``domain``: the domain's responses and slots, which ``utter:`` and ``slot_was_set:`` use;
- ``checks``: one bot-side step against the replies of one turn (pure functions);
- ``client``: the REST channel and tracker API over aiohttp;
- ``target``: the bot to test (a URL, the one on :5005, or one started for the run);
- ``runner``: playing cases concurrently; ``report``: console, JUnit XML, Markdown;
- ``cli``: ``python -m bot.convtest``.

Nothing happens at import time.
"""

from __future__ import annotations

from bot.convtest.cases import Case, CaseFileError, Step, load_cases, load_file
from bot.convtest.checks import Outcome, Turn, check
from bot.convtest.domain import Domain
from bot.convtest.runner import CaseResult, run_cases

__all__ = [
    "Case",
    "CaseFileError",
    "CaseResult",
    "Domain",
    "Outcome",
    "Step",
    "Turn",
    "check",
    "load_cases",
    "load_file",
    "run_cases",
]
