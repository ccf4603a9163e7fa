"""The decision patterns' data file: read and checked, with errors that name the file and the fault."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from patient_text.decisions import DATA_FILE, DataError, asks_for_decision, load


def test_the_data_file_reads_and_is_used() -> None:
    data = load()
    assert data.spelling["shoud"] == "should" and len(data.patterns) > 10 and data.question_window > 0
    assert asks_for_decision("shoud i skip my infusion")


def _write(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    raw.update(changes)
    path = tmp_path / "decisions.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"patterns": [r"\b({verb})\b"]}, "patterns[0]: unknown fragment {verb}"),
        ({"modal_patterns": ["(unclosed"]}, "modal_patterns[0]: not a regular expression"),
        ({"fragments": {"verbs": []}}, "fragments.verbs: must be a non-empty string or a list of them"),
        ({"spelling": {"u": None}}, "spelling: every word must map to the word it stands for"),
        ({"question_window": "seven"}, "question_window: must be a whole number of words"),
        ({"extra": 1}, "needs exactly the fields"),
    ],
)
def test_an_invalid_file_names_itself_and_the_fault(tmp_path: Path, changes: dict, message: str) -> None:
    path = _write(tmp_path, **changes)
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}: ") as err:
        load(path)
    assert message in str(err.value)


def test_a_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yml"
    path.write_text("patterns: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}: "):
        load(path)
