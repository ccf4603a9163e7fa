"""Red flags in messages as patients and carers type them (red_flag_messages.tsv): terse,
misspelt, told about a relative, buried in another request; and the look-alikes that must stay
quiet (questions about side effects, negations, past mentions, idioms)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.red_flags import RedFlagMatcher

MESSAGES = Path(__file__).parent / "red_flag_messages.tsv"

#: the red flags that answer each category of the file (the same sign may be, say, an infusion
#: reaction or an infection; either answer sends the patient to their physician today)
ACCEPT = {
    "allergic": {"ocrelizumab/severe_allergic_reaction", "capmatinib/severe_breathing_or_allergic"},
    "infusion_reaction": {
        "ocrelizumab/infusion_reaction_symptoms",
        "ocrelizumab/severe_allergic_reaction",
        "ocrelizumab/serious_infection",
    },
    "pml": {"ocrelizumab/pml_signs", "general/stroke_signs"},
    "infection": {
        "ocrelizumab/serious_infection",
        "ocrelizumab/infusion_reaction_symptoms",
        "ocrelizumab/serious_herpes",
        "capmatinib/lung_inflammation",
    },
    "herpes": {"ocrelizumab/serious_herpes", "ocrelizumab/serious_infection"},
    "liver": {"ocrelizumab/liver_injury", "capmatinib/liver_injury"},
    "colitis": {"ocrelizumab/colitis"},
    "lung": {
        "capmatinib/lung_inflammation",
        "capmatinib/severe_breathing_or_allergic",
        "ocrelizumab/serious_infection",
        "ocrelizumab/severe_allergic_reaction",
    },
    "self_harm": {"general/self_harm"},
    "chest_pain": {"general/chest_pain"},
    "stroke": {"general/stroke_signs", "ocrelizumab/pml_signs"},
    "seizure": {"general/seizure", "general/collapse"},
    "collapse": {"general/collapse", "ocrelizumab/severe_allergic_reaction"},
}

#: messages the matcher still gets wrong, kept visible: each must keep failing until fixed
#: (strict xfail), then it moves out of this list
KNOWN_WRONG = {
    "red bumpy rash round where the jab went in and its spreading, had it this morning",
    "a friend on ocrevus said she fainted once, does that happen a lot?",
    "vision was blurry for an hour after the eye drops at the optician, all fine now",
    "whole tummy is itchy and blotchy now, had the under the skin ocrevus 3 hrs ago",
    "sob on tabracta, new",
}


def _cases() -> list[tuple[str, str, str]]:
    rows = []
    for line in MESSAGES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            set_name, label, message = line.split("\t")
            if label != "ambiguous":
                rows.append((set_name, label, message))
    return rows


CASES = _cases()


@pytest.fixture(scope="module")
def matcher() -> RedFlagMatcher:
    return RedFlagMatcher.from_knowledge(KnowledgeBase.load())


@pytest.mark.parametrize(
    ("set_name", "label", "message"),
    [
        pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason="known miss"))
        if case[2] in KNOWN_WRONG
        else case
        for case in CASES
    ],
    ids=[f"{c[0]}-{c[1]}-{c[2][:40]}" for c in CASES],
)
def test_message(matcher: RedFlagMatcher, set_name: str, label: str, message: str) -> None:
    found = {d.key for d in matcher.detect(message)}
    if label == "none":
        assert found == set(), f"false alarm {sorted(found)} for {message!r}"
    else:
        assert found & ACCEPT[label], f"{label} not found in {message!r} (found {sorted(found)})"


def test_the_file_is_labelled_and_large() -> None:
    labels = [label for _, label, _ in CASES]
    assert set(labels) <= {*ACCEPT, "none"}
    assert len(labels) >= 600
    assert all(labels.count(category) >= 20 for category in ACCEPT)
    assert labels.count("none") >= 150
