"""`make calibrate-fallback`: the FallbackClassifier thresholds the written rule would choose
on the hard held-out set. A report: its first choice (0.6) failed make test and was not kept.

The rule is docs/fallback-calibration.md: over a grid of (threshold, ambiguity threshold),
a message is answered when its top intent probability reaches the threshold and leads the
second by the ambiguity threshold; the score is right answers minus wrong answers (an
answered `nlu_fallback`-labelled message is wrong, a fallback counts zero). Highest score
wins; ties go to the higher threshold, then the higher ambiguity threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.nlu.evaluate import HARD_TEST_SET, ROOT, load_own, predict

THRESHOLDS = tuple(round(0.20 + 0.05 * i, 2) for i in range(9))
AMBIGUITIES = tuple(round(0.02 * i, 2) for i in range(7))
FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Ranked:
    """A message's gold intent and the classifier's two best guesses."""

    gold: str
    top: str
    top_confidence: float
    second_confidence: float


@dataclass(frozen=True)
class GridPoint:
    threshold: float
    ambiguity: float
    right: int
    wrong: int
    fallbacks: int

    @property
    def score(self) -> int:
        return self.right - self.wrong


def ranked(gold: str, parsed: dict[str, Any]) -> Ranked:
    """The classifier's own ranking of a parse result, without the fallback's entry."""
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    confidences = [float(r.get("confidence") or 0.0) for r in ranking] + [0.0, 0.0]
    top = str(ranking[0]["name"]) if ranking else FALLBACK
    return Ranked(gold, top, confidences[0], confidences[1])


def evaluate_point(rows: list[Ranked], threshold: float, ambiguity: float) -> GridPoint:
    """Right and wrong answers and fallbacks at one (threshold, ambiguity) pair."""
    right = wrong = fallbacks = 0
    for row in rows:
        if row.top_confidence < threshold or row.top_confidence - row.second_confidence < ambiguity:
            fallbacks += 1
        elif row.gold != FALLBACK and row.top == row.gold:
            right += 1
        else:
            wrong += 1
    return GridPoint(threshold, ambiguity, right, wrong, fallbacks)


def grid(rows: list[Ranked]) -> list[GridPoint]:
    return [evaluate_point(rows, t, a) for t in THRESHOLDS for a in AMBIGUITIES]


def choose(points: list[GridPoint]) -> GridPoint:
    """The highest score; ties to the higher threshold, then the higher ambiguity threshold."""
    return max(points, key=lambda p: (p.score, p.threshold, p.ambiguity))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.fallback_calibration", description=__doc__)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "current.tar.gz")
    parser.add_argument("--test-set", type=Path, default=HARD_TEST_SET)
    args = parser.parse_args(argv)
    examples = load_own(args.test_set)
    parsed = asyncio.run(predict(args.model, [e.text for e in examples]))
    rows = [ranked(e.intent, p) for e, p in zip(examples, parsed, strict=True)]
    points = grid(rows)
    print(f"{len(rows)} messages, {sum(r.gold == FALLBACK for r in rows)} labelled {FALLBACK}")
    print(f"{'threshold':>9} " + " ".join(f"a={a:<5}" for a in AMBIGUITIES) + "   (right - wrong)")
    for t in THRESHOLDS:
        scores = [p.score for p in points if p.threshold == t]
        print(f"{t:>9.2f} " + " ".join(f"{s:>7}" for s in scores))
    best = choose(points)
    print(
        f"\nchosen: threshold {best.threshold}, ambiguity_threshold {best.ambiguity}: "
        f"{best.right} right, {best.wrong} wrong, {best.fallbacks} to the fallback"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
