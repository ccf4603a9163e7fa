"""The training data must never contain the evaluation questions of ../shared/eval."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "eval" / "medicationqa_dev.jsonl"


def _norm(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text.strip().lstrip("- "))
    return re.sub(r"\W+", " ", text).strip().lower()


def test_no_evaluation_question_is_a_training_example() -> None:
    if not EVAL.exists():
        pytest.skip(f"{EVAL} not present")
    questions = {
        _norm(json.loads(line)["question"]) for line in EVAL.read_text().splitlines() if line.strip()
    }
    leaks = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in sorted((ROOT / "data").rglob("*.yml"))
        for line in path.read_text(errors="ignore").splitlines()
        if _norm(line) in questions and len(_norm(line).split()) >= 3
    ]
    assert not leaks, "evaluation questions copied into training data:\n" + "\n".join(leaks)
