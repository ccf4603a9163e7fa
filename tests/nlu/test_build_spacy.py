"""The spaCy pipeline holds no knowledge: the same pipeline whatever the monographs say."""

from __future__ import annotations

import json
from pathlib import Path

from bot.nlu.build_spacy import build


def test_the_pipeline_has_no_entity_ruler(tmp_path: Path) -> None:
    build(tmp_path / "en")
    meta = json.loads((tmp_path / "en" / "meta.json").read_text(encoding="utf-8"))
    assert meta["pipeline"] == ["lemmatizer"]
    assert not (tmp_path / "en" / "entity_ruler").exists()
