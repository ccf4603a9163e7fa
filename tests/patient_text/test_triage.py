"""The learned triage: its corpus files, how a message is read, the model's plumbing, and that
no training message is copied into a test or blind set."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from bot.nlu.red_flag_detector import RedFlagDetector
from patient_text import triage

ROOT = Path(__file__).resolve().parents[2]
#: every file of messages the bot is judged on
TEST_SETS = [
    ROOT / "tests" / "knowledge" / "red_flag_messages.tsv",
    ROOT / "tests" / "actions" / "decision_messages.tsv",
    *sorted((ROOT / "tests" / "safety").glob("*.tsv")),
    *sorted((ROOT / "tests" / "nlu").glob("*.yml")),
]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _messages(path: Path) -> set[str]:
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        text = line.split("\t")[-1] if "\t" in line else re.sub(r"^\s*- ", "", line)
        out.add(_norm(re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)))
    return out


def test_the_corpus_is_not_copied_into_any_test_set() -> None:
    corpus = {_norm(e.text) for e in triage.read_corpus()}
    for path in TEST_SETS:
        shared = corpus & _messages(path)
        assert not shared, f"{path.name} holds training messages: {sorted(shared)[:5]}"


def test_the_corpus_covers_every_label_broadly() -> None:
    settings = triage.load_settings()
    labels = [triage.relabel(e, settings).label for e in triage.read_corpus()]
    for label in triage.LABELS:
        assert labels.count(label) >= (60 if label == "poisoning" else 250), label


def test_a_bad_corpus_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text("calm\tchat\thello there\nurgnet\tfever\tmy temp is 40\n")
    with pytest.raises(triage.CorpusError, match=r"a\.tsv:2: label 'urgnet'"):
        triage.read_corpus(tmp_path)
    (tmp_path / "a.tsv").write_text("calm\thello there\n")
    with pytest.raises(triage.CorpusError, match=r"a\.tsv:1: needs label<TAB>topic<TAB>message"):
        triage.read_corpus(tmp_path)


def test_the_fingerprint_follows_the_corpus(tmp_path: Path) -> None:
    settings = tmp_path / "triage.yml"
    settings.write_text(triage.SETTINGS_FILE.read_text())
    (tmp_path / "a.tsv").write_text("calm\tchat\thello there\n")
    before = triage.fingerprint(tmp_path, settings)
    (tmp_path / "a.tsv").write_text("calm\tchat\thello there!\n")
    assert triage.fingerprint(tmp_path, settings) != before


def test_a_message_is_read_whole_and_by_its_longer_sentences() -> None:
    assert triage.parts("i cant breathe") == ["i cant breathe"]
    text = "The refill came today. Fine? My chest has been crushing for an hour"
    assert triage.parts(text) == [text, "The refill came today.", "My chest has been crushing for an hour"]
    assert len(triage.parts("x " * 50_000)[0]) <= triage.MAX_CHARS


def _fake_encode(texts: list[str]) -> np.ndarray:
    """A stand-in encoder (the plumbing test needs no real model): hashed words."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().split():
            out[i, hash(word) % 64] += 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_the_model_is_saved_and_loaded_with_the_same_answers(tmp_path: Path) -> None:
    model = triage.train(_fake_encode)
    path = tmp_path / "triage.pkl"
    model.save(path)
    again = triage.TriageModel.load(path)
    texts = ["i cant breathe", "how do i store it", "should i skip my dose"]
    assert [t.label for t in again.classify(texts, _fake_encode)] == [
        t.label for t in model.classify(texts, _fake_encode)
    ]
    (tmp_path / "bad.pkl").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a triage model"):
        triage.TriageModel.load(tmp_path / "bad.pkl")


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("i think im having a heart attack", "emergency"),
        ("I think I'm having a stroke", "emergency"),
        ("cant breathe", "emergency"),
        ("my toddler just swallowed two of my tabrecta tablets", "poisoning"),
        ("i took the whole box an hour ago, dont call an ambulance", "poisoning"),
        ("i dont want to be here anymore", "crisis"),
        ("missed both doses yesterday, is it ok to take four today?", "decision"),
        ("how long do people usually stay on ocrevus", "calm"),
        ("can tabrecta cause liver problems", "calm"),
    ],
)
def test_the_trained_triage_reads_plain_messages(
    red_flag_detector: RedFlagDetector, message: str, label: str
) -> None:
    model = red_flag_detector.reader.model
    assert model is not None
    (verdict,) = model.classify([message], red_flag_detector.reader.encode)
    assert verdict.label == label, verdict.scores


def test_the_direct_ngram_sum_matches_the_sparse_features() -> None:
    model = triage.train(_fake_encode)
    texts = [
        "i cant breathe",
        "how do i store it",
        "should i skip my dose",
        "",
        "zzzz qqqq",  # no known n-gram
        "My DAD collapsed!! he's not waking up; what do I do",
    ]
    vectors = _fake_encode(texts)
    sparse = triage._features(vectors, model.ngrams.transform(texts)) @ model.coef.T + model.intercept
    expected = np.exp(sparse - sparse.max(axis=1, keepdims=True))
    expected = np.asarray(expected / expected.sum(axis=1, keepdims=True))
    assert np.abs(model.probabilities(texts, vectors) - expected).max() < 1e-5
