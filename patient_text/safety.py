"""The safety reading of a message: red flags (patterns and learned triage) and decisions.

The one place that combines the readers, used by the NLU component and the evaluation alike:
- the word patterns (knowledge/red_flags.py) name a specific reason when they match;
- the learned triage (patient_text/triage.py) raises an alarm the patterns missed, as a
  ``general/triage_<label>`` flag that names no reason (the reply then says what to do, not why);
- a personal treatment decision is the triage's ``decision`` label or a decision pattern
  (patient_text/decisions.py), also beside an alarm ("I've got shingles, push my infusion
  back?" is answered as urgent, and the decision is still declined).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from knowledge import KnowledgeBase
from knowledge.red_flags import GENERAL, URGENCY_ORDER, Detection, RedFlagMatcher, clauses
from patient_text import triage
from patient_text.decisions import asks_for_decision

#: the red-flag urgency of each alarm label of the triage
URGENCY = {"emergency": "emergency", "urgent": "same_day", "crisis": "crisis", "poisoning": "poisoning"}
#: the triage's alarm score needed when the patterns read the sign as negated, past or hypothetical
DISCOUNTED_ALARM = 0.9
#: intents whose training questions are reports of symptoms, not calm questions
SYMPTOM_INTENTS = {"report_symptom"}


@dataclass
class Verdict:
    """What the bot makes of one message before it answers anything."""

    red_flags: list[Detection] = field(default_factory=list)
    decision: bool = False
    triage: triage.Triage | None = None

    @property
    def level(self) -> str | None:
        """The most pressing urgency found, if any."""
        return self.red_flags[0].urgency if self.red_flags else None


def triage_flag_id(label: str) -> str:
    return f"triage_{label}"


class SafetyReader:
    """Reads messages with the patterns and, when it has one, the triage model."""

    def __init__(self, model: triage.TriageModel | None = None, encoder: triage.Encode | None = None) -> None:
        self.model = model
        self._encode = encoder
        self._matcher: RedFlagMatcher | None = None

    @property
    def matcher(self) -> RedFlagMatcher:
        if self._matcher is None:
            self._matcher = RedFlagMatcher.from_knowledge(KnowledgeBase.load())
        return self._matcher

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The published all-MiniLM-L6-v2 (as a trained model stores it), loaded on first use."""
        if self._encode is None:
            from patient_text.encoder import published_encoder

            self._encode = published_encoder().encode
        return self._encode(texts)

    def fit(self, extra: Sequence[triage.Example] = ()) -> triage.TriageModel:
        """Train the triage on its corpus and ``extra``; it is used from then on."""
        self.model = triage.train(self.encode, extra)
        return self.model

    def read(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text: red flags most pressing first, and whether it asks a decision."""
        scanned = [self.matcher.scan(text) for text in texts]
        judged = self.model.classify(texts, self.encode) if self.model is not None else [None] * len(texts)
        return [
            _combine(text, hits, discounted, t)
            for text, (hits, discounted), t in zip(texts, scanned, judged, strict=True)
        ]


def _combine(text: str, hits: list[Detection], discounted: set[str], judged: triage.Triage | None) -> Verdict:
    flags = list(hits)
    # a sign the patterns read as negated, past or hypothetical ("no chest pain", "the fever
    # went away"), as pressing as the triage's alarm or more: in a one-clause message that is
    # all it says; in a longer one the triage must be sure. A more pressing alarm is not
    # tempered ("how many would it take to not wake up" is no collapse, and is a crisis).
    sure = judged is not None
    if (
        judged is not None
        and judged.alarm
        and any(URGENCY_ORDER[URGENCY[judged.label]] >= URGENCY_ORDER[u] for u in discounted)
    ):
        sure = len(clauses(text)) > 1 and judged.scores.get("alarm", 0.0) >= DISCOUNTED_ALARM
    if judged is not None and judged.alarm and sure:
        urgency = URGENCY[judged.label]
        if not any(URGENCY_ORDER[d.urgency] <= URGENCY_ORDER[urgency] for d in hits):
            score = judged.scores.get(judged.label, 0.0)
            flags.append(Detection(GENERAL, triage_flag_id(judged.label), urgency, "", f"triage {score:.2f}"))
    flags.sort(key=lambda d: URGENCY_ORDER[d.urgency])
    decision = (judged is not None and judged.decision) or asks_for_decision(text)
    return Verdict(flags, decision, judged)


def decision_requested(text: str, triage_values: Sequence[str] = ()) -> bool:
    """Does the message ask for a personal treatment decision? The NLU's ``triage`` entity says
    so when the model ran; the decision patterns answer for a message read without it."""
    return triage.DECISION in triage_values or asks_for_decision(text)


def calm_training_questions(questions: Sequence[tuple[str, str]]) -> list[triage.Example]:
    """The bot's training questions (text, intent) that join the triage corpus as calm: not
    reports of symptoms, and none on which a pattern finds a red flag or a decision."""
    reader = SafetyReader()
    weight = triage.load_settings().training_question_weight
    return [
        triage.Example(triage.CALM, f"training:{intent}", text, "data/nlu", weight)
        for text, intent in dict.fromkeys(questions)
        if intent not in SYMPTOM_INTENTS and not reader.matcher.detect(text) and not asks_for_decision(text)
    ]
