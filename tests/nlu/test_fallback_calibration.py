"""The fallback-threshold rule of docs/fallback-calibration.md, on hand-made rankings."""

from __future__ import annotations

from bot.nlu.fallback_calibration import FALLBACK, Ranked, choose, evaluate_point, grid, ranked


def test_ranked_ignores_the_fallback_entry_of_a_parse_result() -> None:
    parsed = {
        "intent": {"name": FALLBACK, "confidence": 0.45},
        "intent_ranking": [
            {"name": FALLBACK, "confidence": 0.45},
            {"name": "ask_dosing", "confidence": 0.40},
            {"name": "ask_administration", "confidence": 0.35},
        ],
    }
    assert ranked("ask_dosing", parsed) == Ranked("ask_dosing", "ask_dosing", 0.40, 0.35)


def test_an_answered_fallback_message_is_wrong_and_a_fallback_counts_zero() -> None:
    rows = [
        Ranked("ask_dosing", "ask_dosing", 0.9, 0.05),  # right
        Ranked("ask_dosing", "ask_storage", 0.9, 0.05),  # wrong
        Ranked(FALLBACK, "ask_indication", 0.7, 0.1),  # answered, should have asked to rephrase
        Ranked("ask_dosing", "ask_dosing", 0.3, 0.25),  # below the threshold
        Ranked("ask_dosing", "ask_dosing", 0.5, 0.46),  # too close to the second
    ]
    point = evaluate_point(rows, threshold=0.45, ambiguity=0.08)
    assert (point.right, point.wrong, point.fallbacks, point.score) == (1, 2, 2, -1)


def test_the_threshold_moves_to_where_answers_stop_being_more_often_right() -> None:
    # confident answers are right; those near 0.32 are right only one time in three
    rows = [Ranked("ask_dosing", "ask_dosing", 0.9, 0.05)] * 10
    rows += [Ranked("ask_dosing", "ask_dosing", 0.32, 0.1)]
    rows += [Ranked("ask_dosing", "ask_storage", 0.32, 0.1)] * 2
    rows += [Ranked("ask_dosing", "ask_dosing", 0.52, 0.1)] * 3
    rows += [Ranked("ask_dosing", "ask_storage", 0.52, 0.1)]
    best = choose(grid(rows))
    assert best.threshold == 0.50  # answers at 0.52 (3 right, 1 wrong) kept, those at 0.32 not
    assert (best.right, best.wrong) == (13, 1)


def test_ties_go_to_the_safer_pair() -> None:
    rows = [Ranked("ask_dosing", "ask_dosing", 0.99, 0.0)] * 5
    best = choose(grid(rows))
    assert (best.threshold, best.ambiguity) == (0.60, 0.12)
