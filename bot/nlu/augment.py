"""Typo copies of training examples: patients misspell, drop and double letters and skip words.

Used by the MiniLM fine-tuning and the intent classifier (option ``typo_copies``) so that both
learn from a misspelt copy of every example as well as the clean one. Deterministic per seed.
"""

from __future__ import annotations

import random


def typo_variant(text: str, rng: random.Random) -> str:
    """One noisy copy: ~8% of words dropped (long messages), ~20% of longer words with one typo."""
    words = text.split()
    out = []
    for word in words:
        roll = rng.random()
        if len(words) > 3 and roll < 0.08:
            continue
        if len(word) > 3 and roll < 0.2:
            i = rng.randrange(len(word) - 1)
            kind = rng.random()
            if kind < 0.33:
                word = word[:i] + word[i + 1 :]  # dropped letter
            elif kind < 0.66:
                word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swapped letters
            else:
                word = word[:i] + word[i] + word[i:]  # doubled letter
        out.append(word)
    return " ".join(out) or text


def with_typo_copies(
    texts: list[str], labels: list[str], copies: int, seed: int
) -> tuple[list[str], list[str]]:
    """The examples followed by ``copies`` noisy copies of each (same labels)."""
    rng = random.Random(seed)
    noisy = [(typo_variant(t, rng), y) for _ in range(copies) for t, y in zip(texts, labels, strict=True)]
    return texts + [t for t, _ in noisy], labels + [y for _, y in noisy]
