"""Personal treatment decisions as patients type them (decision_messages.tsv): without
"should", misspelt, asked for a relative, offered as two options or put up for approval; and
the fact questions that look like them."""

from __future__ import annotations

from pathlib import Path

import pytest

from patient_text.decisions import asks_for_decision
from testkit import labelled_messages, message_params

MESSAGES = Path(__file__).parent / "decision_messages.tsv"

#: still answered wrongly, kept visible: each must keep failing until fixed (strict xfail)
KNOWN_WRONG = {
    "my father forgot his capmatinib yesterday evening. Give him that dose now with breakfast "
    "plus the morning one?",
    "I'm having a colonoscopy on Tuesday, do I need to come off orserdu before",
    "My oncologist reduced my tabrecta to 300mg twice a day. Are there different strength tablets "
    "or do I take more of the smaller ones?",
    "I'd like to restart Ocrevus soon after the baby arrives but I'm planning to breastfeed. "
    "Can I have it while I'm feeding her?",
    "Hi, is there any reason I couldn't take Orserdu on an empty stomach from now on? "
    "I know it says with food but I'm never hungry.",
    "So I was diagnosed in 2019, been on ocrevus since 2021, no relapses, MRI stable, but my last "
    "bloods showed my immunoglobulins dropping and I've had three chest infections this winter. "
    "My neuro appointment isn't until September and my next infusion is in May. I've read about "
    "people extending the gap. Do I just ring and say I'm not coming in May?",
    "I'm on apixaban and my hip op has been moved to next Monday. Tell me which day to take my last tablet.",
    "ran out of levo. can I take my sister's? she's on 50 and I'm on 100 so I'd take two",
    # set 4
    "Can I have my covid booster on the same day as my Ocrevus?",
    "My nurse said we're switching me to the under-the-skin version next time. How long does that take?",
}


CASES = labelled_messages(MESSAGES)


@pytest.mark.parametrize(("set_name", "label", "message"), message_params(CASES, KNOWN_WRONG))
def test_message(set_name: str, label: str, message: str) -> None:
    assert asks_for_decision(message) is (label == "decision")


def test_the_file_is_labelled_and_large() -> None:
    labels = [label for _, label, _ in CASES]
    assert set(labels) == {"decision", "not_decision"}
    assert labels.count("decision") >= 200
    assert labels.count("not_decision") >= 150
