"""Scores the bot's safety reading on labelled message sets, and cross-validates the triage.

    python -m bot.nlu.safety_eval score tests/safety/blind_a.tsv [...]   # whole reader
    python -m bot.nlu.safety_eval cv                                    # triage, 5 folds

A set is ``label<TAB>kind<TAB>message`` with label emergency, urgent, crisis, decision or
calm (``kind`` ``direct`` marks a plain "I think I'm having a heart attack"). The reader is
built as `rasa train` builds it (corpus plus the training questions as calm messages).
Results go to stdout and reports/safety/.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from patient_text import triage
from patient_text.safety import SafetyReader, Verdict, calm_training_questions

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports" / "safety"
URGENT_LABELS = ("emergency", "urgent", "crisis")
#: the reply levels that are right for each urgent label (a crisis may be poisoning and so on)
RIGHT_LEVEL = {
    "emergency": {"emergency", "poisoning"},
    "urgent": {"same_day", "emergency"},
    "crisis": {"crisis", "poisoning"},
}


@dataclass(frozen=True)
class Row:
    label: str
    kind: str
    text: str


def read_set(path: Path) -> list[Row]:
    """A labelled set; lines starting with ``#`` are comments."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or fields[0] not in (*URGENT_LABELS, "decision", "calm"):
            raise ValueError(f"{path}:{number}: needs label<TAB>kind<TAB>message")
        rows.append(Row(*fields))
    return rows


def training_questions() -> list[tuple[str, str]]:
    """(text, intent) of every training question, read with Rasa's own loader."""
    from bot.nlu.evaluate import load_own

    return [(e.text, e.intent) for e in load_own(ROOT / "data" / "nlu")]


class CachedEncoder:
    """The triage's encoder with its embeddings kept in build/ between runs (same numbers)."""

    def __init__(self, path: Path = ROOT / "build" / "cache" / "safety_embeddings_f16.npz") -> None:
        from patient_text.encoder import published_encoder

        self.path = path
        self.encoder = published_encoder()
        self.known: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path)
            self.known = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.known]
        if new:
            self.known.update(zip(new, self.encoder.encode(new), strict=True))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, texts=np.array(list(self.known)), vectors=np.array(list(self.known.values())))
        return np.array([self.known[t] for t in texts]).reshape(len(texts), -1)


def build_reader() -> SafetyReader:
    """The reader as `rasa train` builds it."""
    reader = SafetyReader(encoder=CachedEncoder())
    reader.fit(calm_training_questions(training_questions()))
    return reader


def _share(hits: int, total: int) -> dict[str, float | int]:
    return {"hits": hits, "total": total, "share": round(hits / total, 3) if total else 0.0}


def score(rows: Sequence[Row], verdicts: Sequence[Verdict]) -> dict[str, object]:
    """Recall of urgent messages, false alarms, decisions declined, look-alikes refused."""
    urgent = [(r, v) for r, v in zip(rows, verdicts, strict=True) if r.label in URGENT_LABELS]
    calm = [(r, v) for r, v in zip(rows, verdicts, strict=True) if r.label == "calm"]
    decisions = [(r, v) for r, v in zip(rows, verdicts, strict=True) if r.label == "decision"]
    result: dict[str, object] = {
        "urgent_flagged": _share(sum(bool(v.red_flags) for _, v in urgent), len(urgent)),
        "urgent_right_level": _share(sum(v.level in RIGHT_LEVEL[r.label] for r, v in urgent), len(urgent)),
        "direct_flagged": _share(
            sum(bool(v.red_flags) for r, v in urgent if r.kind == "direct"),
            sum(r.kind == "direct" for r, _ in urgent),
        ),
        "calm_false_alarms": _share(sum(bool(v.red_flags) for _, v in calm), len(calm)),
        "decisions_declined": _share(sum(v.decision for _, v in decisions), len(decisions)),
        "decisions_also_urgent": _share(sum(bool(v.red_flags) for _, v in decisions), len(decisions)),
        "urgent_also_decision": _share(sum(v.decision for _, v in urgent), len(urgent)),
        "calm_refused_as_decision": _share(sum(v.decision for _, v in calm), len(calm)),
    }
    for label in URGENT_LABELS:
        group = [v for r, v in urgent if r.label == label]
        result[f"flagged_{label}"] = _share(sum(bool(v.red_flags) for v in group), len(group))
    return result


def misses(rows: Sequence[Row], verdicts: Sequence[Verdict]) -> list[str]:
    """The lines answered wrongly, for reading after the first score is taken."""
    out = []
    for r, v in zip(rows, verdicts, strict=True):
        flagged = ",".join(d.key for d in v.red_flags)
        wrong = (
            (r.label in URGENT_LABELS and not v.red_flags)
            or (r.label == "calm" and (v.red_flags or v.decision))
            or (r.label == "decision" and not v.decision)
        )
        if wrong:
            out.append(f"{r.label}\t{r.kind}\t{flagged or ('decision' if v.decision else '-')}\t{r.text}")
    return out


def cross_validate(folds: int = 5, seed: int = 7) -> dict[str, object]:
    """Triage alone, k-fold on the corpus (the training questions always in training)."""
    settings = triage.load_settings()
    reader = SafetyReader(encoder=CachedEncoder())
    corpus = triage.read_corpus()
    extra = calm_training_questions(training_questions())
    vectors = reader.encode([e.text for e in corpus])
    extra_vectors = reader.encode([e.text for e in extra])
    fold = np.random.default_rng(seed).integers(0, folds, len(corpus))
    verdicts: list[triage.Triage | None] = [None] * len(corpus)
    for k in range(folds):
        train_idx = np.flatnonzero(fold != k)
        model = triage.TriageModel.fit(
            [corpus[i] for i in train_idx] + extra,
            np.vstack([vectors[train_idx], extra_vectors]),
            settings,
        )
        for i in np.flatnonzero(fold == k):
            verdicts[i] = model.classify([corpus[i].text], reader.encode)[0]
    confusion: Counter[tuple[str, str]] = Counter()
    for example, verdict in zip(corpus, verdicts, strict=True):
        assert verdict is not None
        confusion[(triage.relabel(example, settings).label, verdict.label)] += 1
    return {f"{gold}->{got}": n for (gold, got), n in sorted(confusion.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.safety_eval")
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("score", help="score labelled sets with the whole safety reader")
    s.add_argument("sets", nargs="+", type=Path)
    s.add_argument("--misses", action="store_true", help="also print the lines answered wrongly")
    sub.add_parser("cv", help="cross-validate the triage on its corpus")
    args = parser.parse_args(argv)
    REPORTS.mkdir(parents=True, exist_ok=True)
    if args.cmd == "cv":
        result = cross_validate()
        print(json.dumps(result, indent=1))
        (REPORTS / "cv.json").write_text(json.dumps(result, indent=1))
        return 0
    reader = build_reader()
    for path in args.sets:
        rows = read_set(path)
        verdicts = reader.read([r.text for r in rows])
        result = score(rows, verdicts)
        print(path.name)
        for key, value in result.items():
            if isinstance(value, dict) and value["total"]:
                print(f"  {key:28} {value['hits']:4} / {value['total']:4}  {100 * value['share']:5.1f}%")
        (REPORTS / f"{path.stem}.json").write_text(json.dumps(result, indent=1))
        if args.misses:
            print("\n".join(misses(rows, verdicts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
