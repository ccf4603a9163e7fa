"""`make eval`: intent accuracy, macro F1 and a per-intent table of the trained model.

Test sets: the project's own held-out NLU test set (tests/nlu/test_nlu.yml, never trained
on), the same messages with seeded misspellings (robustness to typing errors), a held-out set
of short consumer-style questions about many medicines (tests/nlu/test_consumer.yml), one of
long, messy consumer questions and fragments that should be asked again (tests/nlu/test_hard.yml)
and MedicationQA's real consumer questions (../shared/eval, evaluation only: read at run time,
never copied). Writes JSON reports and confusion-matrix PNGs under reports/eval/ and prints
a short table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OWN_TEST_SET = ROOT / "tests" / "nlu" / "test_nlu.yml"
CONSUMER_TEST_SET = ROOT / "tests" / "nlu" / "test_consumer.yml"
HARD_TEST_SET = ROOT / "tests" / "nlu" / "test_hard.yml"
MEDICATIONQA = ROOT.parent / "shared" / "eval" / "medicationqa_dev.jsonl"


@dataclass
class Example:
    text: str
    intent: str


def load_own(path: Path = OWN_TEST_SET) -> list[Example]:
    """The held-out examples of a Rasa NLU YAML file."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [Example(str(m.get("text")), str(m.get("intent"))) for m in data.intent_examples]


def misspell(text: str, rate: float = 0.3) -> str:
    """The text with seeded typing errors: a dropped, swapped or wrong letter inside some words."""
    import random
    import zlib

    rng = random.Random(zlib.crc32(text.encode()))
    words = []
    for word in text.split():
        if len(word) >= 5 and word.isalpha() and rng.random() < rate:
            i, kind = rng.randrange(1, len(word) - 1), rng.choice("dsw")
            if kind == "d":
                word = word[:i] + word[i + 1 :]
            elif kind == "s":
                word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            else:
                word = word[:i] + rng.choice("aeiourstnl") + word[i + 1 :]
        words.append(word)
    return " ".join(words)


def load_medicationqa(path: Path = MEDICATIONQA) -> list[Example]:
    """MedicationQA questions with the intent they must land on."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Example(r["question"], r["expected_intent"]) for r in rows]


async def predict(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    """Parse every text with the trained model (NLU only, no dialogue)."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def score(name: str, examples: list[Example], parsed: list[dict[str, Any]], out_dir: Path) -> dict[str, Any]:
    """Accuracy, macro F1, per-intent metrics and errors; writes JSON and a confusion matrix PNG."""
    from sklearn.metrics import accuracy_score, classification_report, f1_score

    gold = [e.intent for e in examples]
    pred = [str((p.get("intent") or {}).get("name")) for p in parsed]
    labels = sorted(set(gold) | set(pred))
    per_intent = classification_report(gold, pred, labels=labels, output_dict=True, zero_division=0)
    report = {
        "test_set": name,
        "examples": len(examples),
        "accuracy": accuracy_score(gold, pred),
        # what the classifier ranked first, had the fallback not stepped in
        "top1_accuracy": accuracy_score(gold, [_top_intent(p) for p in parsed]),
        "fallbacks": pred.count("nlu_fallback"),
        "macro_f1": f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0),
        # error analysis (2026-11-29) looked only at half A; half B stays an untouched check
        "accuracy_half_a": _half_accuracy(examples, gold, pred, 0),
        "accuracy_half_b": _half_accuracy(examples, gold, pred, 1),
        "per_intent": {k: v for k, v in per_intent.items() if k in labels},
        "errors": [
            {
                "text": e.text,
                "expected": g,
                "predicted": p,
                "confidence": round(float((q.get("intent") or {}).get("confidence") or 0), 3),
            }
            for e, g, p, q in zip(examples, gold, pred, parsed, strict=True)
            if g != p
        ],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(json.dumps(report, indent=2))
    _confusion_png(gold, pred, labels, out_dir / f"{name}_confusion.png", name)
    return report


def half_of(text: str) -> int:
    """0 (half A) or 1 (half B): a fixed split of a test set by the SHA-256 of each text."""
    import hashlib

    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 2


def _half_accuracy(examples: list[Example], gold: list[str], pred: list[str], half: int) -> float:
    hits = [g == p for e, g, p in zip(examples, gold, pred, strict=True) if half_of(e.text) == half]
    return sum(hits) / len(hits) if hits else 0.0


def _top_intent(parsed: dict[str, Any]) -> str:
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    return str(ranking[0]["name"]) if ranking else str((parsed.get("intent") or {}).get("name"))


def _confusion_png(gold: list[str], pred: list[str], labels: list[str], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(max(8, len(labels) * 0.55), max(7, len(labels) * 0.5)))
    ConfusionMatrixDisplay.from_predictions(
        gold, pred, labels=labels, ax=ax, xticks_rotation="vertical", colorbar=False, include_values=True
    )
    ax.set_title(f"Intent confusion: {title}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def print_table(report: dict[str, Any]) -> None:
    print(
        f"\n{report['test_set']}: {report['examples']} examples, "
        f"accuracy {report['accuracy']:.1%}, macro F1 {report['macro_f1']:.3f}"
    )
    print(
        f"  {report['fallbacks']} sent to the fallback (asked to rephrase); "
        f"the classifier's first choice was right for {report['top1_accuracy']:.1%}"
    )
    if report["test_set"] == "medicationqa_dev":
        a, b = report["accuracy_half_a"], report["accuracy_half_b"]
        print(f"  half A {a:.1%} (used for error analysis), half B {b:.1%} (never looked at)")
    print(f"  {'intent':<22} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}")
    for intent, m in sorted(report["per_intent"].items()):
        if m["support"]:
            print(
                f"  {intent:<22} {m['precision']:>6.2f} {m['recall']:>6.2f} {m['f1-score']:>6.2f} "
                f"{int(m['support']):>4}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.evaluate", description=__doc__)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "current.tar.gz")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "eval")
    args = parser.parse_args(argv)
    own = load_own()
    sets = {
        "own_test_set": own,
        "own_test_set_misspelt": [Example(misspell(e.text), e.intent) for e in own],
        "consumer_style_set": load_own(CONSUMER_TEST_SET),
        "hard_consumer_set": load_own(HARD_TEST_SET),
    }
    if MEDICATIONQA.exists():
        sets["medicationqa_dev"] = load_medicationqa()
    else:
        print(f"note: {MEDICATIONQA} not found; only the project's own test sets are scored", file=sys.stderr)
    texts = [e.text for examples in sets.values() for e in examples]
    parsed = asyncio.run(predict(args.model, texts))
    start, summary = 0, []
    for name, examples in sets.items():
        report = score(name, examples, parsed[start : start + len(examples)], args.out)
        start += len(examples)
        print_table(report)
        accuracy, f1 = report["accuracy"], report["macro_f1"]
        summary.append(f"  {name:<24} {accuracy:>7.1%} {f1:>9.3f} {len(examples):>5}")
    print(f"\n  {'test set':<24} {'accuracy':>7} {'macro F1':>9} {'n':>5}", *summary, sep="\n")
    print(f"\nReports and confusion matrices: {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
