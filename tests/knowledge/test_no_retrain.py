"""`make` does not retrain the model when only knowledge/ changes (a restart reads it)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.localbot import ROOT

EDITS = [
    "knowledge/monographs/ocrelizumab.yml",
    "knowledge/vocab/terms.yml",
    "knowledge/general_red_flags.yml",
    "knowledge/site.yml",
]


def _plan(*what_if: str) -> str:
    """What `make` would run to bring the model up to date, were these files just edited."""
    args = ["make", "-n", *(f"--what-if={path}" for path in what_if), "models/current.tar.gz"]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_editing_knowledge_does_not_retrain() -> None:
    trains_anyway = "rasa train" in _plan()
    assert ("rasa train" in _plan(*EDITS)) == trains_anyway


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_editing_training_data_does_retrain() -> None:
    assert "rasa train" in _plan("data/nlu/dosing.yml")
