"""Stratified k-fold cross-validation of the intent classifier on the project's own training data.

`make eval` runs it beside the held-out sets: each fold trains the NLU pipeline of config.yml
on the other folds (Rasa's ``generate_folds`` and ``train_nlu``, as ``rasa test nlu
--cross-validation`` does) and parses the fold it left out. By default the encoder keeps its
published weights in every fold (``fine_tune_epochs: 0``): the soup of three fine-tunings costs
about 5 minutes a fold, five folds half an hour. ``--as-configured`` keeps config.yml as it is,
and ``--fine-tune-runs 1`` with it fine-tunes once per fold (about 15 minutes in all).
Writes reports/eval/cross_validation.json and prints one line per fold and the mean.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
ENCODER = "bot.nlu.embeddings.MiniLMFeaturizer"
FOLD_SEED = 4242


@dataclass
class FoldScore:
    fold: int
    examples: int
    accuracy: float
    macro_f1: float
    train_seconds: float


def pipeline_config(fine_tune: bool, runs: int | None = None) -> dict[str, Any]:
    """config.yml's NLU part; the encoder's fine-tuning switched off unless ``fine_tune``, and
    then with ``runs`` fine-tuning runs in its soup when given."""
    from rasa.shared.utils.io import read_yaml_file

    config = read_yaml_file(str(ROOT / "config.yml"))
    assert isinstance(config, dict)
    config = {k: v for k, v in config.items() if k != "policies"}
    for component in config["pipeline"]:
        if component.get("name") == ENCODER:
            if not fine_tune:
                component["fine_tune_epochs"] = 0
            elif runs is not None:
                component["fine_tune_runs"] = runs
    return config


def fold_score(fold: int, gold: list[str], pred: list[str], seconds: float) -> FoldScore:
    """Accuracy and macro F1 (over the intents of the fold) of one left-out fold."""
    from sklearn.metrics import accuracy_score, f1_score

    return FoldScore(
        fold=fold,
        examples=len(gold),
        accuracy=float(accuracy_score(gold, pred)),
        macro_f1=float(f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0)),
        train_seconds=round(seconds, 1),
    )


async def run_folds(folds: int, config: dict[str, Any], work: Path) -> list[FoldScore]:
    """Train on k-1 folds, parse the one left out, for each of the ``folds`` folds."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.nlu.test import generate_folds
    from rasa.shared.importers.rasa import RasaFileImporter
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.utils.io import write_yaml

    data = RasaFileImporter(training_data_paths=[str(ROOT / "data" / "nlu")]).get_nlu_data()
    # Rasa's folds shuffle with numpy's global generator and no seed: seeded, the folds are
    # the same on every run, so two runs compare the method, not the draw
    np.random.seed(FOLD_SEED)
    config_path = work / "config.yml"
    write_yaml(config, config_path)
    scores = []
    for number, (train, test) in enumerate(generate_folds(folds, data), start=1):
        train_file = work / "train.yml"
        RasaYAMLWriter().dump(train_file, train)
        started = time.monotonic()
        model = train_nlu(str(config_path), str(train_file), str(work / f"fold{number}"))
        seconds = time.monotonic() - started
        if model is None:
            raise RuntimeError(f"fold {number}: training produced no model")
        agent = Agent.load(model)
        examples = test.intent_examples
        parsed = [await agent.parse_message(str(m.get("text"))) for m in examples]
        gold = [str(m.get("intent")) for m in examples]
        pred = [str((p.get("intent") or {}).get("name")) for p in parsed]
        score = fold_score(number, gold, pred, seconds)
        print(
            f"  fold {number}: {score.examples} examples, accuracy {score.accuracy:.1%}, "
            f"macro F1 {score.macro_f1:.3f} (trained in {score.train_seconds:.0f} s)",
            flush=True,
        )
        scores.append(score)
    return scores


def summary(scores: list[FoldScore]) -> dict[str, float]:
    """Mean and standard deviation of accuracy and macro F1 over the folds."""
    acc, f1 = [s.accuracy for s in scores], [s.macro_f1 for s in scores]
    return {
        "accuracy_mean": statistics.mean(acc),
        "accuracy_std": statistics.stdev(acc) if len(acc) > 1 else 0.0,
        "macro_f1_mean": statistics.mean(f1),
        "macro_f1_std": statistics.stdev(f1) if len(f1) > 1 else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.cross_validate", description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--as-configured", action="store_true", help="fine-tune the encoder as config.yml says"
    )
    parser.add_argument(
        "--fine-tune-runs",
        type=int,
        help="with --as-configured: this many fine-tuning runs in the soup instead of config.yml's",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "eval" / "cross_validation.json")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    if args.fine_tune_runs is not None and (not args.as_configured or args.fine_tune_runs < 1):
        parser.error("--fine-tune-runs needs --as-configured and at least 1")
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    how = "encoder fine-tuned as configured" if args.as_configured else "encoder not fine-tuned"
    if args.fine_tune_runs is not None:
        how += f", {args.fine_tune_runs} fine-tuning run(s)"
    print(f"\nCross-validation on data/nlu, {args.folds} stratified folds ({how}):", flush=True)
    with tempfile.TemporaryDirectory(prefix="pharmabot-cv-") as tmp:
        # the folds' models stay out of the project's Rasa cache (.rasa/cache, which `make` trains
        # from): five trainings on other data would add hundreds of MB it never uses again
        os.environ["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")
        config = pipeline_config(args.as_configured, args.fine_tune_runs)
        scores = asyncio.run(run_folds(args.folds, config, Path(tmp)))
    result = summary(scores)
    print(
        f"  mean accuracy {result['accuracy_mean']:.1%} (sd {result['accuracy_std']:.1%}), "
        f"macro F1 {result['macro_f1_mean']:.3f} (sd {result['macro_f1_std']:.3f})"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "folds": args.folds,
        "fine_tuned": args.as_configured,
        "fine_tune_runs": args.fine_tune_runs,
        **result,
        "per_fold": [asdict(s) for s in scores],
    }
    args.out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
