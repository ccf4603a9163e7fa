"""The cross-validation's parts: the configuration each fold trains, the scores it reports."""

from __future__ import annotations

import pytest

from bot.nlu.cross_validate import ENCODER, fold_score, main, pipeline_config, summary


def _encoder(config: dict) -> dict:
    return next(c for c in config["pipeline"] if c["name"] == ENCODER)


def test_folds_train_the_pipeline_of_config_yml_without_fine_tuning_by_default() -> None:
    quick, configured = pipeline_config(fine_tune=False), pipeline_config(fine_tune=True)
    assert "policies" not in quick
    assert _encoder(quick)["fine_tune_epochs"] == 0
    assert _encoder(configured)["fine_tune_epochs"] > 0
    assert [c["name"] for c in quick["pipeline"]] == [c["name"] for c in configured["pipeline"]]


def test_fold_score_counts_accuracy_and_macro_f1_over_the_fold_intents() -> None:
    score = fold_score(1, ["a", "a", "b", "b"], ["a", "b", "b", "b"], 12.34)
    assert score.accuracy == pytest.approx(0.75)
    # a: precision 1, recall 0.5 -> 0.667; b: precision 0.667, recall 1 -> 0.8
    assert score.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)
    assert score.train_seconds == 12.3


def test_summary_is_the_mean_and_spread_of_the_folds() -> None:
    scores = [fold_score(i, ["a", "b"], pred, 1.0) for i, pred in enumerate([["a", "b"], ["a", "a"]], 1)]
    result = summary(scores)
    assert result["accuracy_mean"] == pytest.approx(0.75)
    assert result["accuracy_std"] == pytest.approx(0.3536, abs=1e-4)


def test_fewer_than_two_folds_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["--folds", "1"])


def test_fine_tune_runs_sets_the_soup_size_of_a_fine_tuned_fold() -> None:
    assert _encoder(pipeline_config(fine_tune=True, runs=1))["fine_tune_runs"] == 1
    assert _encoder(pipeline_config(fine_tune=False, runs=1))["fine_tune_epochs"] == 0


@pytest.mark.parametrize("argv", [["--fine-tune-runs", "1"], ["--as-configured", "--fine-tune-runs", "0"]])
def test_fine_tune_runs_needs_fine_tuning_and_one_run_or_more(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        main(argv)
