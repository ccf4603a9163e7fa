"""The training data (data/nlu and the triage corpus) must never contain the evaluation
questions of ../shared/eval."""

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


def _training_lines() -> list[tuple[Path, str]]:
    """Every line of the NLU data, and the message of every triage corpus line."""
    nlu = [(path, line) for path in sorted((ROOT / "data").rglob("*.yml")) for line in _lines(path)]
    corpus = [
        (path, "- " + line.split("\t")[-1])
        for path in sorted((ROOT / "patient_text" / "triage_corpus").glob("*.tsv"))
        for line in _lines(path)
        if "\t" in line and not line.startswith("#")
    ]
    return nlu + corpus


def _lines(path: Path) -> list[str]:
    return path.read_text(errors="ignore").splitlines()


def test_no_evaluation_question_is_a_training_example() -> None:
    if not EVAL.exists():
        pytest.skip(f"{EVAL} not present")
    questions = {
        _norm(json.loads(line)["question"]) for line in EVAL.read_text().splitlines() if line.strip()
    }
    leaks = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path, line in _training_lines()
        if _norm(line) in questions and len(_norm(line).split()) >= 3
    ]
    assert not leaks, "evaluation questions copied into training data:\n" + "\n".join(leaks)


def _examples() -> list[tuple[str, str]]:
    return [
        (f"{path.relative_to(ROOT)}", _norm(line))
        for path, line in _training_lines()
        if line.strip().startswith("- ") and len(_norm(line).split()) >= 4
    ]


def test_no_training_example_is_a_close_paraphrase_of_an_evaluation_question() -> None:
    """Near copies count too: same words in nearly the same order (a typo or one word changed)."""
    from difflib import SequenceMatcher

    if not EVAL.exists():
        pytest.skip(f"{EVAL} not present")
    lines = EVAL.read_text().splitlines()
    questions = [_norm(json.loads(line)["question"]) for line in lines if line.strip()]
    close = []
    for where, example in _examples():
        for question in questions:
            matcher = SequenceMatcher(None, example, question, autojunk=False)
            if matcher.real_quick_ratio() >= 0.9 and matcher.quick_ratio() >= 0.9 and matcher.ratio() >= 0.9:
                close.append(f"{where}: {example!r} ~ an evaluation question")
    assert not close, "training examples too close to evaluation questions:\n" + "\n".join(close)


def test_no_training_example_reuses_an_evaluation_question_with_one_word_swapped() -> None:
    """A question's wording with only the drug changed is a paraphrase too: compared word by
    word, no example of four or more words may share three quarters of a question's words in
    order."""
    from difflib import SequenceMatcher

    if not EVAL.exists():
        pytest.skip(f"{EVAL} not present")
    lines = EVAL.read_text().splitlines()
    questions = [_norm(json.loads(line)["question"]).split() for line in lines if line.strip()]
    close = []
    for where, example in _examples():
        words = example.split()
        for question in questions:
            if len(set(words) & set(question)) * 2 < 0.75 * (len(words) + len(question)):
                continue
            if SequenceMatcher(None, words, question, autojunk=False).ratio() >= 0.75:
                close.append(f"{where}: {example!r} ~ {' '.join(question)!r}")
    assert not close, "training examples that reword an evaluation question:\n" + "\n".join(close)


@pytest.mark.parametrize("test_set", ["test_nlu.yml", "test_consumer.yml", "test_hard.yml"])
def test_own_held_out_sets_share_no_example_with_the_training_data(test_set: str) -> None:
    held_out = {
        _norm(line)
        for line in (ROOT / "tests" / "nlu" / test_set).read_text().splitlines()
        if line.strip().startswith("- ") and not line.strip().startswith("- intent:")
    }
    assert len(held_out) >= 150
    shared = sorted({example for _, example in _examples()} & held_out)
    assert not shared, f"{test_set} examples also in data/nlu: {shared}"


def test_no_training_example_shares_most_of_its_words_with_an_evaluation_question() -> None:
    """Word sets too: no example of three or more words whose words and a question's overlap by
    60% or more of the two together (the same question with its words moved around)."""
    if not EVAL.exists():
        pytest.skip(f"{EVAL} not present")
    lines = EVAL.read_text().splitlines()
    questions = [set(_norm(json.loads(line)["question"]).split()) for line in lines if line.strip()]
    shared = []
    for where, example in _examples():
        words = set(example.split())
        for question in questions:
            if len(words & question) >= 0.6 * len(words | question):
                shared.append(f"{where}: {example!r} ~ an evaluation question")
                break
    assert not shared, "training examples sharing most words with evaluation questions:\n" + "\n".join(shared)
