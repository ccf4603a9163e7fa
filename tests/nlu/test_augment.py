"""Typo copies: deterministic, labelled like the original, recognisably the same message."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

from bot.nlu.augment import typo_variant, with_typo_copies

TEXTS = ["how should i store my insulin pens", "can i take ibuprofen with lisinopril", "dose?"]
LABELS = ["ask_storage", "ask_interactions", "ask_dosing"]


def test_copies_follow_the_originals_with_their_labels() -> None:
    texts, labels = with_typo_copies(TEXTS, LABELS, copies=2, seed=1)
    assert texts[:3] == TEXTS and len(texts) == 9
    assert labels == LABELS * 3


def test_same_seed_same_copies_and_some_words_change() -> None:
    first, _ = with_typo_copies(TEXTS * 20, LABELS * 20, copies=1, seed=7)
    again, _ = with_typo_copies(TEXTS * 20, LABELS * 20, copies=1, seed=7)
    assert first == again
    noisy = first[60:]
    assert sum(n != t for n, t in zip(noisy, TEXTS * 20, strict=True)) >= 20


def test_a_variant_stays_close_to_the_message() -> None:
    rng = random.Random(3)
    text = "what are the side effects of metformin for someone over sixty"
    for _ in range(50):
        variant = typo_variant(text, rng)
        assert variant and SequenceMatcher(None, variant, text).ratio() > 0.75
