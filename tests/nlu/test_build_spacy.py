"""The entity-pattern file is rewritten only when the patterns change, so that `make` does not
rebuild the spaCy pipeline and retrain the model after a fact or red-flag edit."""

from __future__ import annotations

import json
from pathlib import Path

from bot.nlu.build_spacy import write_patterns


def test_patterns_are_written_once_and_then_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "entity_patterns.json"
    assert write_patterns(path) is True
    patterns = json.loads(path.read_text(encoding="utf-8"))
    assert {"label": "drug", "pattern": "ocrevus"} in patterns
    written_at = path.stat().st_mtime_ns
    assert write_patterns(path) is False
    assert path.stat().st_mtime_ns == written_at


def test_changed_patterns_are_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "entity_patterns.json"
    path.write_text("[]\n", encoding="utf-8")
    assert write_patterns(path) is True
    assert json.loads(path.read_text(encoding="utf-8")) != []
