"""A drug added after training is answerable after a restart, with no retraining.

A temporary copy of the project gets one more monograph (a made-up drug, KELVARO /
velmorastat, in ``tests/e2e/fixtures``) and is served with the model trained before that
file existed: its name, its brand and a misspelling reach its facts, each with its citation.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.localbot import ROOT, LocalBot, start_bot
from testkit import copy_project

FIXTURE = Path(__file__).parent / "fixtures" / "velmorastat.yml"
CITATION = "] KELVARO US Prescribing Information, section"


@pytest.fixture(scope="module")
def copied_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBot]:
    model = ROOT / "models" / "current.tar.gz"
    if not model.exists():
        pytest.fail("models/current.tar.gz missing: run `make setup`")
    copy = copy_project(tmp_path_factory.mktemp("new-drug"))
    shutil.copy2(FIXTURE, copy / "knowledge" / "monographs" / FIXTURE.name)
    bot = start_bot(model=model, root=copy)
    yield bot
    bot.stop()


def _texts(bot: LocalBot, message: str, sender: str | None = None) -> str:
    body = {"sender": sender or f"t-new-{uuid.uuid4().hex[:8]}", "message": message}
    req = urllib.request.Request(
        bot.rest_url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (local URL)
        replies: list[dict[str, Any]] = json.loads(resp.read())
    return "\n".join(str(r.get("text", "")) for r in replies)


def _parse(bot: LocalBot, text: str) -> dict[str, Any]:
    req = urllib.request.Request(
        bot.api_url("/model/parse"),
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (local URL)
        return dict(json.loads(resp.read()))


def test_the_model_was_trained_without_the_drug() -> None:
    names = ("velmorastat", "kelvaro")
    for path in [*(ROOT / "data").rglob("*.yml"), ROOT / "domain.yml"]:
        text = path.read_text(encoding="utf-8").lower()
        assert not any(name in text for name in names), f"{path} names the test drug"
    assert not (ROOT / "knowledge" / "monographs" / FIXTURE.name).exists()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what is velmorastat used for", "joint inflammation"),
        ("how much kelvaro do i take", "120 mg"),
        ("what are the side effects of velmorastat", "headache"),
        ("does velmorastat cause headaches", "14%"),
        ("side effects of kelvaro", "dry mouth"),
        ("what are the side efects of velmorastatt", "headache"),  # misspelt name
    ],
)
def test_the_new_drug_is_answered_with_its_citation(
    copied_bot: LocalBot, question: str, expected: str
) -> None:
    answer = _texts(copied_bot, question)
    assert expected.lower() in answer.lower(), answer
    assert CITATION in answer, answer
    assert "OCREVUS" not in answer and "ORSERDU" not in answer and "TABRECTA" not in answer


def test_entities_name_the_new_drug_misspelt_too(copied_bot: LocalBot) -> None:
    parsed = _parse(copied_bot, "is kelvaroo safe with ibuprofen")
    drugs = [e["value"] for e in parsed["entities"] if e["entity"] == "drug"]
    assert drugs == ["kelvaroo", "ibuprofen"]


def test_the_intent_does_not_depend_on_which_drug_is_named(copied_bot: LocalBot) -> None:
    readings = [
        _parse(copied_bot, f"how often do i take {name}")["intent"]
        for name in ("velmorastat", "ocrevus", "tabrecta")
    ]
    assert len({r["name"] for r in readings}) == 1
    assert len({round(r["confidence"], 6) for r in readings}) == 1
