"""The project's own conversation cases: valid against the domain, enough of them, and
not copied from the NLU training data (a case must test understanding, not recall)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.convtest.cases import load_cases
from bot.convtest.domain import Domain

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "conversations"


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _training_examples() -> set[str]:
    examples: set[str] = set()
    for path in sorted((ROOT / "data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    # [ocrevus](drug) / [ocrevus]{"entity": "drug"} -> ocrevus
                    examples.add(_norm(re.sub(r"\[([^\]]*)\](\{[^}]*\}|\([^)]*\))", r"\1", line[2:])))
    return examples


def test_every_case_file_is_valid_against_the_domain() -> None:
    cases = load_cases([CASES], Domain.load(ROOT / "domain.yml"))
    assert len([c for c in cases if not c.skip]) >= 40


def test_no_user_message_is_a_training_example() -> None:
    training = _training_examples()
    copied = [
        f"{case.id}: {step.value!r}"
        for case in load_cases([CASES])
        for step in case.steps
        if step.is_user and not step.value.startswith("/") and _norm(step.value) in training
    ]
    assert not copied, "user messages copied from data/ (write new ones):\n" + "\n".join(copied)
