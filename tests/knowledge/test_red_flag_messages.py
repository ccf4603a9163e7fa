"""Red flags in messages as patients and carers type them (red_flag_messages.tsv): terse,
misspelt, told about a relative, buried in another request; and the look-alikes that must stay
quiet (questions about side effects, negations, past mentions, idioms)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.evaluate import load_own
from bot.nlu.red_flag_detector import RedFlagDetector
from knowledge import KnowledgeBase
from knowledge.red_flags import RedFlagMatcher
from testkit import labelled_messages

MESSAGES = Path(__file__).parent / "red_flag_messages.tsv"
TRAINING = Path(__file__).parents[2] / "data" / "nlu"

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

CASES = labelled_messages(MESSAGES)


@pytest.fixture(scope="module")
def matcher() -> RedFlagMatcher:
    return RedFlagMatcher.from_knowledge(KnowledgeBase.load())


#: the triage's own flags, which name no reason: right for a category when the level is
TRIAGE_FOR = {
    "self_harm": {"general/triage_crisis", "general/triage_poisoning"},
}
TRIAGE_PHYSICAL = {"general/triage_emergency", "general/triage_urgent"}
#: the shared emergency flag answers every category whose sign can be a breathing emergency
SHARED = {"allergic", "lung", "collapse", "infusion_reaction"}


def _right(label: str, found: set[str]) -> bool:
    accepted = ACCEPT[label] | TRIAGE_FOR.get(label, TRIAGE_PHYSICAL)
    if label in SHARED:
        accepted = accepted | {"general/breathing_or_allergic"}
    return bool(found & accepted)


@pytest.fixture(scope="module")
def verdicts(red_flag_detector: RedFlagDetector) -> dict[str, set[str]]:
    found = red_flag_detector.reader.read([message for _, _, message in CASES])
    return {message: {d.key for d in v.red_flags} for (_, _, message), v in zip(CASES, found, strict=True)}


def test_red_flags_are_found_with_a_right_answer(verdicts: dict[str, set[str]]) -> None:
    """Validation, not a blind score: the patterns were written from these sets; the triage
    never trained on them. Every red-flag message gets an urgent answer of a fitting kind."""
    flagged = [m for _, label, m in CASES if label != "none"]
    right = [m for _, label, m in CASES if label != "none" and _right(label, verdicts[m])]
    missed = [m for m in flagged if not verdicts[m]]
    assert len(missed) <= 0.01 * len(flagged), missed
    assert len(right) >= 0.97 * len(flagged), sorted(set(flagged) - set(right))[:20]


def test_look_alikes_stay_mostly_quiet(verdicts: dict[str, set[str]]) -> None:
    quiet = [m for _, label, m in CASES if label == "none"]
    alarms = [m for m in quiet if verdicts[m]]
    assert len(alarms) <= 0.10 * len(quiet), alarms


def test_the_file_is_labelled_and_large() -> None:
    labels = [label for _, label, _ in CASES]
    assert set(labels) <= {*ACCEPT, "none"}
    assert len(labels) >= 600
    assert all(labels.count(category) >= 20 for category in ACCEPT)
    assert labels.count("none") >= 150


#: training questions (not symptom reports) on which a red flag fires; each was read and judged
#: a fair alarm (a symptom the writer has now) or a tolerable one. A new pattern that fires on
#: another question shows up here.
FLAGGED_TRAINING_QUESTIONS = {
    "pregabalin blurred vision?",
    "chest tightness after sumatriptan is that normal",
    "how many nitroglycerin tablets can i take for chest pain",
    "is it ok to get my dose if i have a fever today",
    "can i take tramadol if i have seizures",
    "clumsiness and vision changes could that be pml",
    "pml signs weakness on one side confusion",
    "headache after infusion is that normal side effect",
    "lisinopril cough wont go away",
    "my mom is 82 and just started donepezil, she seems more confused at night, "
    "is that something the drug does",
    "montelukast and behaviour changes in kids, how worried should i be",
}


def _training_questions() -> list[str]:
    return [e.text for e in load_own(TRAINING) if e.intent != "report_symptom"]


def test_red_flags_stay_quiet_on_the_training_questions(matcher: RedFlagMatcher) -> None:
    questions = _training_questions()
    assert len(questions) > 3000
    flagged = {q for q in questions if matcher.detect(q)}
    assert flagged == FLAGGED_TRAINING_QUESTIONS
