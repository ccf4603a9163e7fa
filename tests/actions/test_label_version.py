"""'Which label version is this from?': the sources, their revision, the check, a newer revision."""

from __future__ import annotations

import pytest

from actions.label_version import ActionLabelVersion
from knowledge import KnowledgeBase


@pytest.mark.parametrize("drug", ["ocrevus", "orserdu", "tabrecta"])
async def test_the_label_and_its_revision_are_named(run_action, drug) -> None:  # type: ignore[no-untyped-def]
    mono = KnowledgeBase.load().find_drug(drug)
    assert mono is not None
    messages, events = await run_action(
        ActionLabelVersion(),
        f"which label version is the {drug} info from",
        "ask_label_version",
        [("drug", drug)],
    )
    text = messages[0]["text"]
    for source in mono.sources.values():
        if source.kind == "label" and source.revised:
            assert source.title in text
            assert source.revised.strftime("%B %Y") in text
        if source.newer_revision:
            assert f"({source.newer_revision.strftime('%B %Y')}) exists" in text
    assert {"event": "slot", "name": "drug", "value": mono.id} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


async def test_without_a_drug_the_site_drug_is_meant(run_action) -> None:  # type: ignore[no-untyped-def]
    messages, _ = await run_action(ActionLabelVersion(), "how up to date is this", "ask_label_version")
    assert KnowledgeBase.load().default_drug == "ocrelizumab"
    assert "OCREVUS US Prescribing Information: revised May 2026" in messages[0]["text"]
