"""make eval's helpers: seeded misspellings and the fixed A/B split of a test set."""

from __future__ import annotations

from bot.nlu.evaluate import half_of, misspell
from patient_text.spelling import edit_distance

TEXTS = [
    "how often do i get the infusion",
    "can i drink alcohol while on ocrevus",
    "what are the common side effects of ocrelizumab",
    "is it safe to breastfeed during treatment",
    "how should the medicine be stored at home",
]


def test_misspell_is_repeatable_and_changes_only_long_words_by_one_edit() -> None:
    changed = 0
    for text in TEXTS:
        once, again = misspell(text), misspell(text)
        assert once == again  # seeded by the text itself: the same set every run
        for before, after in zip(text.split(), once.split(), strict=True):
            if before != after:
                changed += 1
                assert len(before) >= 5 and edit_distance(before, after) == 1
    assert changed >= 3  # about a third of the long words


def test_half_of_is_a_fixed_split_into_two_halves() -> None:
    halves = [half_of(f"question {i}") for i in range(200)]
    assert halves == [half_of(f"question {i}") for i in range(200)]
    assert 70 <= sum(halves) <= 130
